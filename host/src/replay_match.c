/*
 * How `kinsync replay` tells requests apart: the key of a recorded entry
 * (decoded query pairs, the body as JSON or as form pairs) and the search
 * for the entry that answers a live request, in recording order, with the
 * nearest recorded request named when none does. The contract is in
 * replay.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <kx/alloc.h>
#include <kinmock/emulator.h>
#include "engine.h"
#include "replay.h"

const char *kh_replay_route(const struct kh_replay_system *sys,
                            const char *method, const char *path)
{
    const struct km_emulator_type *t = sys->type;

    return t ? km_route_template(t->routes, t->nroutes, t->nocase,
                                 t->trailing_slash, method, path)
             : NULL;
}

int kh_replay_is_placeholder(const char *v)
{
    return v && (strncmp(v, KH_REDACTED, sizeof(KH_REDACTED) - 1) == 0 ||
                 strcmp(v, KH_JOURNAL_REDACTED) == 0);
}

static int by_pair(const void *a, const void *b)
{
    char *const *x = a, *const *y = b;
    int c = strcmp(x[0], y[0]);

    return c ? c : strcmp(x[1], y[1]);
}

void kh_pairs_parse(struct kh_pairs *out, const char *text, size_t len)
{
    char **flat = NULL;
    size_t n = 0, cap = 0, i = 0;

    memset(out, 0, sizeof(*out));
    while (i < len) {
        size_t end = i, eq;

        while (end < len && text[end] != '&')
            end++;
        for (eq = i; eq < end && text[eq] != '='; eq++)
            ;
        if (end > i) {
            flat = kx_xgrow(flat, &cap, 2 * n + 2, sizeof(*flat));
            flat[2 * n] = km_form_decode(text + i, eq - i);
            flat[2 * n + 1] = eq < end
                                  ? km_form_decode(text + eq + 1, end - eq - 1)
                                  : kx_xstrdup("");
            n++;
        }
        i = end + 1;
    }
    if (n > 1)
        qsort(flat, n, 2 * sizeof(*flat), by_pair);
    out->n = n;
    out->names = kx_xcalloc(n ? n : 1, sizeof(char *));
    out->values = kx_xcalloc(n ? n : 1, sizeof(char *));
    for (i = 0; i < n; i++) {
        out->names[i] = flat[2 * i];
        out->values[i] = flat[2 * i + 1];
    }
    free(flat);
}

void kh_pairs_dispose(struct kh_pairs *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->names[i]);
        free(p->values[i]);
    }
    free(p->names);
    free(p->values);
    memset(p, 0, sizeof(*p));
}

/* 1 when the live pairs are the recorded ones (a redacted value matches
 * any); else 0 with the first difference in why. */
static int pairs_match(const struct kh_pairs *rec, const struct kh_pairs *live,
                       const char *what, char *why, size_t whysz)
{
    size_t i;

    for (i = 0; i < rec->n && i < live->n; i++) {
        if (strcmp(rec->names[i], live->names[i]) != 0 ||
            (strcmp(rec->values[i], live->values[i]) != 0 &&
             !kh_replay_is_placeholder(rec->values[i])))
            break;
    }
    if (i == rec->n && i == live->n)
        return 1;
    if (i < rec->n && i < live->n)
        snprintf(why, whysz, "%s: recorded %.80s=%.120s, sent %.80s=%.120s",
                 what, rec->names[i], rec->values[i], live->names[i],
                 live->values[i]);
    else if (i < rec->n)
        snprintf(why, whysz, "%s: recorded %.80s=%.120s, not sent", what,
                 rec->names[i], rec->values[i]);
    else
        snprintf(why, whysz, "%s: sent %.80s=%.120s, not recorded", what,
                 live->names[i], live->values[i]);
    return 0;
}

/* 1 when live is recorded as a tree (objects in any order, a redacted
 * string matches any string); else 0 with the JSON pointer of the first
 * difference in at. */
static int json_match(const cJSON *rec, const cJSON *live, char *at,
                      size_t atsz)
{
    const cJSON *r, *l;
    size_t mark = strlen(at);
    int i = 0;

    if (cJSON_IsString(rec) && cJSON_IsString(live))
        return strcmp(rec->valuestring, live->valuestring) == 0 ||
               kh_replay_is_placeholder(rec->valuestring);
    if ((rec->type & 0xFF) != (live->type & 0xFF))
        return 0;
    if (cJSON_IsNumber(rec))
        return rec->valuedouble == live->valuedouble;
    if (cJSON_IsArray(rec)) {
        if (cJSON_GetArraySize(rec) != cJSON_GetArraySize(live))
            return 0;
        for (r = rec->child, l = live->child; r; r = r->next, l = l->next) {
            kh_json_pointer_append_index(at, atsz, (size_t)i++);
            if (!json_match(r, l, at, atsz))
                return 0;
            at[mark] = '\0';
        }
        return 1;
    }
    if (cJSON_IsObject(rec)) {
        if (cJSON_GetArraySize(rec) != cJSON_GetArraySize(live))
            return 0;
        cJSON_ArrayForEach(r, rec)
        {
            kh_json_pointer_append(at, atsz, r->string);
            l = cJSON_GetObjectItemCaseSensitive(live, r->string);
            if (!l || !json_match(r, l, at, atsz))
                return 0;
            at[mark] = '\0';
        }
        return 1;
    }
    return cJSON_Compare(rec, live, 1);
}

/* The live request, parsed once per pick. */
struct live {
    const struct kh_replay_request *req;
    struct kh_pairs query, form;
    cJSON *body;
};

/* 1 when e answers the request; else 0 with what differed in why. */
static int entry_matches(const struct kh_replay_entry *e, const struct live *lv,
                         char *why, size_t whysz)
{
    char at[256] = "";

    if (!pairs_match(&e->query, &lv->query, "query", why, whysz))
        return 0;
    if (e->body || lv->body) {
        if (e->body && lv->body &&
            json_match(e->body, lv->body, at, sizeof(at)))
            return 1;
        snprintf(why, whysz, "body differs at \"%s\"",
                 e->body && lv->body ? at
                 : e->body           ? "(sent no JSON)"
                                     : "(recorded no JSON)");
        return 0;
    }
    return pairs_match(&e->form, &lv->form, "body", why, whysz);
}

/* The first unused entry that ok() takes, else the last one it takes;
 * *repeat says which. */
static struct kh_replay_entry *find(struct kh_replay_system *sys,
                                    const struct live *lv, int exact,
                                    int *repeat, char *why, size_t whysz)
{
    struct kh_replay_entry *last = NULL;

    for (size_t i = 0; i < sys->n; i++) {
        struct kh_replay_entry *e = &sys->entries[i];

        if (strcmp(e->method, lv->req->method) != 0 ||
            strcmp(e->path, lv->req->path) != 0)
            continue;
        if (exact && !entry_matches(e, lv, why, whysz))
            continue;
        last = e;
        if (!e->used) {
            *repeat = 0;
            return e;
        }
    }
    *repeat = last != NULL;
    return last;
}

/* Names the nearest recorded request when nothing matched: one of the
 * same method and path (why already says what differed), else one of the
 * same route template, else none. */
static void nearest(const struct kh_replay_system *sys,
                    const struct kh_replay_request *req, const char *route,
                    char *why, size_t whysz)
{
    char differs[400];

    for (size_t i = 0; i < sys->n; i++) {
        const struct kh_replay_entry *e = &sys->entries[i];

        if (strcmp(e->method, req->method) == 0 &&
            strcmp(e->path, req->path) == 0) {
            snprintf(differs, sizeof(differs), "%s", why);
            snprintf(why, whysz, "nearest recorded: %s %.200s; %s", e->method,
                     e->path, differs);
            return;
        }
    }
    for (size_t i = 0; route && i < sys->n; i++) {
        const struct kh_replay_entry *e = &sys->entries[i];

        if (e->route && strcmp(e->route, route) == 0 &&
            strcmp(e->method, req->method) == 0) {
            snprintf(why, whysz,
                     "nearest recorded: %s %.200s (route %.120s); "
                     "the path differs",
                     e->method, e->path, route);
            return;
        }
    }
    snprintf(why, whysz, "nothing recorded for %s %.200s", req->method,
             route ? route : req->path);
}

struct kh_replay_entry *kh_replay_pick(struct kh_replay_system *sys,
                                       const struct kh_replay_request *req,
                                       enum kh_replay_mode mode, char *why,
                                       size_t whysz)
{
    struct live lv = {req, {0}, {0}, NULL};
    struct kh_replay_entry *pick;
    const char *route = NULL;
    int repeat = 0;

    why[0] = '\0';
    kh_pairs_parse(&lv.query, req->query, strlen(req->query));
    lv.body =
        req->body_len ? cJSON_ParseWithLength(req->body, req->body_len) : NULL;
    if (!lv.body)
        kh_pairs_parse(&lv.form, req->body ? req->body : "", req->body_len);
    pick = find(sys, &lv, 1, &repeat, why, whysz);
    if (!pick && mode == KH_REPLAY_LENIENT &&
        (pick = find(sys, &lv, 0, &repeat, why, whysz)) != NULL)
        sys->nearest++;
    else if (pick)
        (*(repeat ? &sys->repeated : &sys->served))++;
    if (!pick) {
        route = kh_replay_route(sys, req->method, req->path);
        nearest(sys, req, route, why, whysz);
        sys->unmatched++;
    } else {
        pick->used = 1;
    }
    kh_pairs_dispose(&lv.query);
    kh_pairs_dispose(&lv.form);
    cJSON_Delete(lv.body);
    return pick;
}
