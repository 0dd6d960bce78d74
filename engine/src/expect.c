/*
 * Expectations: the "then" block, the pointer maps that "expect_result",
 * "then.state" and "wait.until" share, and the journal excerpts that
 * explain a failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <kx/alloc.h>
#include "run_int.h"

#define SHOW_MAX 300 /* characters of a value shown in an explanation */
#define EXCERPT_LINES 12

/* value as compact JSON, cut to SHOW_MAX, into buf. */
static const char *show(char *buf, size_t bufsz, const cJSON *value)
{
    char *s;

    if (!value) {
        snprintf(buf, bufsz, "(nothing there)");
        return buf;
    }
    s = cJSON_PrintUnformatted(value);
    if (!s) {
        snprintf(buf, bufsz, "(unprintable)");
        return buf;
    }
    if (strlen(s) > SHOW_MAX)
        snprintf(buf, bufsz, "%.*s...", SHOW_MAX, s);
    else
        snprintf(buf, bufsz, "%s", s);
    cJSON_free(s);
    return buf;
}

/* route is "METHOD path" where path is a declared template (matched
 * against the entry's "route", "METHOD template") or a glob of the
 * concrete path: the rule of km_route_select. */
int kh__route_matches(const char *route, const cJSON *entry)
{
    const char *method = kx_json_str(entry, "method");
    const char *path = kx_json_str(entry, "path");
    const char *matched = kx_json_str(entry, "route");
    const char *sp = route ? strchr(route, ' ') : NULL;
    const char *template = matched ? strchr(matched, ' ') : NULL;
    char method_sel[32];

    if (!route)
        return 1;
    if (!method || !path)
        return 0;
    if (!sp || (size_t)(sp - route) >= sizeof(method_sel))
        return 0;
    snprintf(method_sel, sizeof(method_sel), "%.*s", (int)(sp - route), route);
    while (*sp == ' ')
        sp++;
    return km_route_select(method_sel, sp, method, path,
                           template ? template + 1 : NULL);
}

void kh__journal_excerpt(struct kh_text *t, struct kh_ctx *ctx,
                         const char *system, const char *route, size_t max)
{
    struct km_emulator *emu = kh__system(ctx, system);
    const cJSON *journal, *e;
    size_t total = 0, skip, i = 0;

    if (!emu)
        return;
    journal = kh__journal(ctx, emu);
    cJSON_ArrayForEach(e, journal)
    {
        total += kh__route_matches(route, e);
    }
    skip = total > max ? total - max : 0;
    kh__text_printf(t, "    journal of %s%s%s (%zu request%s%s):\n", system,
                    route ? ", " : "", route ? route : "", total,
                    total == 1 ? "" : "s", skip ? ", the last shown" : "");
    cJSON_ArrayForEach(e, journal)
    {
        const char *query = kx_json_str(e, "query");
        const char *fault = kx_json_str(e, "fault");

        if (!kh__route_matches(route, e) || i++ < skip)
            continue;
        kh__text_printf(t, "      #%.0f  t+%.0f ms  %s %s%s%s -> %.0f%s%s\n",
                        kx_json_num(e, "seq", 0),
                        kx_json_num(e, "virtual_ms", 0) - (double)ctx->start_ms,
                        kx_json_str(e, "method"), kx_json_str(e, "path"),
                        query && query[0] ? "?" : "", query ? query : "",
                        kx_json_num(e, "status", 0), fault ? "  fault: " : "",
                        fault ? fault : "");
    }
}

/* ---- pointer maps ---------------------------------------------------- */

enum kh_match kh__match_kind(const cJSON *expected)
{
    const cJSON *m;

    if (!cJSON_IsObject(expected) || cJSON_GetArraySize(expected) != 1 ||
        expected->child->string[0] != '$')
        return KH_MATCH_EQUALS;
    m = expected->child;
    if (strcmp(m->string, "$count") == 0)
        return cJSON_IsNumber(m) && m->valuedouble >= 0 &&
                       m->valuedouble == (double)(int)m->valuedouble
                   ? KH_MATCH_COUNT
                   : KH_MATCH_INVALID;
    if (strcmp(m->string, "$absent") == 0)
        return cJSON_IsTrue(m) ? KH_MATCH_ABSENT : KH_MATCH_INVALID;
    return KH_MATCH_INVALID;
}

static int size_of(const cJSON *v)
{
    return cJSON_IsArray(v) || cJSON_IsObject(v) ? cJSON_GetArraySize(v) : -1;
}

/* What the explanation says was found: the value, or why nothing was
 * (a selector that matched no entry names what the entries hold). */
static const char *show_found(char *buf, size_t bufsz, const cJSON *got,
                              const char *why)
{
    if (got || !why[0])
        return show(buf, bufsz, got);
    snprintf(buf, bufsz, "nothing: %s", why);
    return buf;
}

/* Checks one entry of a pointer map; explains a failure unless quiet. A
 * selector ("[sku=X]") that matches more than one entry always fails: the
 * scenario cannot say which one it means. */
static int expect_pointer(struct kh_ctx *ctx, const cJSON *want,
                          const cJSON *doc, const char *what, const char *where,
                          int quiet)
{
    const cJSON *got;
    char why[SHOW_MAX + 64];
    enum kh_pointer_status st =
        kh_json_pointer_select(&got, doc, want->string, why, sizeof(why));
    enum kh_match kind = kh__match_kind(want);
    char a[SHOW_MAX + 8], b[SHOW_MAX + 80];
    int ok;

    if (st == KH_POINTER_AMBIGUOUS || st == KH_POINTER_BAD) {
        return quiet ? 0
                     : kh__check(ctx, 0, "%s: %s %s: %s", where, what,
                                 want->string, why);
    }
    if (kind == KH_MATCH_COUNT)
        ok = size_of(got) == want->child->valueint;
    else if (kind == KH_MATCH_ABSENT)
        ok = got == NULL;
    else
        ok = kind == KH_MATCH_EQUALS && got && cJSON_Compare(want, got, 1);
    if (quiet)
        return ok;
    if (kind == KH_MATCH_COUNT) {
        char found[sizeof(b)];

        if (!got)
            snprintf(found, sizeof(found), "%s",
                     why[0] ? show_found(b, sizeof(b), got, why)
                            : "nothing there");
        else if (size_of(got) < 0)
            snprintf(found, sizeof(found), "a scalar");
        else
            snprintf(found, sizeof(found), "%d", size_of(got));
        kh__check(ctx, ok, "%s: %s %s: expected %d entries, found %s", where,
                  what, want->string, want->child->valueint, found);
        if (!ok && got && size_of(got) >= 0)
            kh__text_printf(&ctx->details, "    found: %s\n",
                            show(b, sizeof(b), got));
        return ok;
    }
    return kh__check(
        ctx, ok, "%s: %s %s: expected %s, found %s", where, what, want->string,
        kind == KH_MATCH_ABSENT ? "nothing there" : show(a, sizeof(a), want),
        show_found(b, sizeof(b), got, why));
}

int kh__expect_pointers(struct kh_ctx *ctx, const cJSON *expected,
                        const cJSON *doc, const char *what, const char *where,
                        int quiet)
{
    const cJSON *want;
    int ok = 1;

    cJSON_ArrayForEach(want, expected)
    {
        char here[512];

        snprintf(here, sizeof(here), "%s", where);
        kh_json_pointer_append(here, sizeof(here), want->string);
        /* Every entry is checked, so that a failure lists them all. */
        ok &= expect_pointer(ctx, want, doc, what, here, quiet);
    }
    return ok;
}

/* The snapshot of emu as far as the pointer map expected reads it: a
 * store of thousands of products is not copied to check three. */
static cJSON *snapshot_of(struct km_emulator *emu, const cJSON *expected)
{
    int n = cJSON_GetArraySize(expected);
    const char **pointers =
        kx_xcalloc(n > 0 ? (size_t)n : 1, sizeof(*pointers));
    struct km_snapshot_want want = {pointers, 0};
    const cJSON *e;
    cJSON *snap;

    cJSON_ArrayForEach(e, expected)
    {
        pointers[want.npointers++] = e->string;
    }
    snap = km_emulator_snapshot_some(emu, &want);
    free(pointers);
    return snap;
}

int kh__expect_states(struct kh_ctx *ctx, const cJSON *by_system,
                      const char *where, int quiet)
{
    const cJSON *sys;
    int ok = 1;

    cJSON_ArrayForEach(sys, by_system)
    {
        struct km_emulator *emu = kh__system(ctx, sys->string);
        cJSON *snap = emu ? snapshot_of(emu, sys) : NULL;
        char here[256], what[128];

        snprintf(here, sizeof(here), "%s", where);
        kh_json_pointer_append(here, sizeof(here), sys->string);
        snprintf(what, sizeof(what), "%s state", sys->string);
        ok &= kh__expect_pointers(ctx, sys, snap, what, here, quiet);
        cJSON_Delete(snap);
    }
    return ok;
}

/* ---- the journal ----------------------------------------------------- */

static void expect_requests(struct kh_ctx *ctx, const cJSON *exp,
                            const char *where)
{
    const char *system = kx_json_str(exp, "system");
    const char *route = kx_json_str(exp, "route");
    int want = (int)kx_json_num(exp, "count", 0);
    struct km_emulator *emu = kh__system(ctx, system);
    const cJSON *journal = emu ? kh__journal(ctx, emu) : NULL;
    const cJSON *e;
    int n = 0;

    cJSON_ArrayForEach(e, journal)
    {
        n += kh__route_matches(route, e);
    }
    if (!kh__check(ctx, n == want, "%s: %s requests %s: expected %d, found %d",
                   where, system, route, want, n))
        kh__journal_excerpt(&ctx->details, ctx, system, NULL, EXCERPT_LINES);
}

static const char *header_of(const cJSON *entry, const char *name)
{
    const cJSON *h;

    cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(entry, "headers"))
    {
        if (strcasecmp(h->string, name) == 0)
            return cJSON_IsString(h) ? h->valuestring : "";
    }
    return NULL;
}

static void expect_every_request(struct kh_ctx *ctx, const cJSON *exp,
                                 const char *where)
{
    const char *system = kx_json_str(exp, "system");
    const char *route = kx_json_str(exp, "route");
    const char *header = kx_json_str(exp, "has_header");
    struct km_emulator *emu = kh__system(ctx, system);
    const cJSON *journal = emu ? kh__journal(ctx, emu) : NULL;
    const cJSON *e;
    int seen = 0, missing = 0;

    cJSON_ArrayForEach(e, journal)
    {
        if (!kh__route_matches(route, e))
            continue;
        seen++;
        if (!header_of(e, header)) {
            if (missing++ == 0)
                kh__text_printf(&ctx->details,
                                "%s: %s %s %s has no %s header\n", where,
                                system, kx_json_str(e, "method"),
                                kx_json_str(e, "path"), header);
        }
    }
    kh__check(ctx, seen > 0 && missing == 0,
              "%s: %s: every request%s%s must carry %s: %d of %d did not",
              where, system, route ? " to " : "", route ? route : "", header,
              missing, seen);
    if (seen == 0)
        kh__text_printf(&ctx->details, "    (no request matched at all)\n");
}

/* The smallest gap between consecutive calls matching route; with
 * after_fault, only between a call a fault answered and the call after it
 * (the retry); with after_status (not 0), only after a call answered with
 * that status, by a fault or not. *pairs: how many gaps were measured. */
static double shortest_gap(const cJSON *journal, const char *route,
                           int after_fault, int after_status, int *pairs)
{
    const cJSON *e, *prev = NULL;
    double shortest = -1;

    *pairs = 0;
    cJSON_ArrayForEach(e, journal)
    {
        if (!kh__route_matches(route, e))
            continue;
        if (prev && (!after_fault || kx_json_str(prev, "fault")) &&
            (!after_status ||
             (int)kx_json_num(prev, "status", 0) == after_status)) {
            double gap = kx_json_num(e, "virtual_ms", 0) -
                         kx_json_num(prev, "virtual_ms", 0);

            if (shortest < 0 || gap < shortest)
                shortest = gap;
            ++*pairs;
        }
        prev = e;
    }
    return shortest;
}

static void expect_min_interval(struct kh_ctx *ctx, const cJSON *exp,
                                const char *where)
{
    const char *system = kx_json_str(exp, "system");
    const char *route = kx_json_str(exp, "route");
    double at_least = kx_json_num(exp, "at_least", 0);
    int after_fault =
        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(exp, "after_fault"));
    int after_status = (int)kx_json_num(exp, "after_status", 0);
    struct km_emulator *emu = kh__system(ctx, system);
    const cJSON *journal = emu ? kh__journal(ctx, emu) : NULL;
    int pairs;
    double shortest =
        shortest_gap(journal, route, after_fault, after_status, &pairs);
    char what[64];

    if (after_status)
        snprintf(what, sizeof(what), "a call answered %d and its retry",
                 after_status);
    else
        snprintf(what, sizeof(what), "%s",
                 after_fault ? "a faulted call and its retry" : "calls");
    if (!kh__check(ctx, pairs > 0 && shortest >= at_least,
                   "%s: %s %s: %s at least %.0f ms apart expected; %d "
                   "measured, the shortest %.0f ms",
                   where, system, route, what, at_least, pairs,
                   shortest < 0 ? 0 : shortest))
        kh__journal_excerpt(&ctx->details, ctx, system, route, EXCERPT_LINES);
}

static void expect_log(struct kh_ctx *ctx, const cJSON *list, int must_have,
                       const char *where)
{
    const cJSON *item;
    size_t i = 0;

    cJSON_ArrayForEach(item, list)
    {
        const char *s = kh__ctx_resolve(ctx, item->valuestring);
        int found = s && strstr(kh__text_str(&ctx->log), s) != NULL;
        char at[128];

        snprintf(at, sizeof(at), "%s/%zu", where, i++);
        if (!s) {
            kh__check(ctx, 0, "%s: %s does not name a configured value", at,
                      item->valuestring);
            continue;
        }
        /* Never print the secret itself: say which entry it was. */
        kh__check(ctx, found == must_have, "%s: the log %s %s", at,
                  must_have ? "lacks" : "contains",
                  s == item->valuestring ? "the string given" : "that secret");
    }
}

/* Runs fn over each element of then[name], with its pointer. */
static void each(struct kh_ctx *ctx, const cJSON *then, const char *name,
                 void (*fn)(struct kh_ctx *, const cJSON *, const char *))
{
    const cJSON *item;
    size_t i = 0;

    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(then, name))
    {
        char where[128];

        snprintf(where, sizeof(where), "/then/%s/%zu", name, i++);
        fn(ctx, item, where);
    }
}

void kh__expect_then(struct kh_ctx *ctx, const cJSON *then)
{
    kh__expect_states(ctx, cJSON_GetObjectItemCaseSensitive(then, "state"),
                      "/then/state", 0);
    each(ctx, then, "requests", expect_requests);
    each(ctx, then, "every_request", expect_every_request);
    each(ctx, then, "min_interval_ms", expect_min_interval);
    expect_log(ctx,
               cJSON_GetObjectItemCaseSensitive(then, "log_must_not_contain"),
               0, "/then/log_must_not_contain");
    expect_log(ctx, cJSON_GetObjectItemCaseSensitive(then, "log_must_contain"),
               1, "/then/log_must_contain");
}

/* ---- why an integration failed --------------------------------------- */

/* Says which rules of "then" an answer relates to: an every_request rule
 * the request broke (its header missing), a min_interval_ms rule of its
 * route (a fault to be retried after a pause). Returns how many. */
static int relate_rules(struct kh_ctx *ctx, const cJSON *then,
                        const char *system, const cJSON *e)
{
    const cJSON *rule;
    size_t i = 0;
    int n = 0;

    cJSON_ArrayForEach(rule,
                       cJSON_GetObjectItemCaseSensitive(then, "every_request"))
    {
        const char *header = kx_json_str(rule, "has_header");
        const char *route = kx_json_str(rule, "route");
        const char *comment = kx_json_str(rule, "comment");

        if (strcmp(kx_json_str(rule, "system"), system) == 0 &&
            kh__route_matches(route, e) && header && !header_of(e, header)) {
            kh__text_printf(&ctx->details,
                            "        breaks /then/every_request/%zu: every %s "
                            "request%s%s carries %s%s%s (this one had none)\n",
                            i, system, route ? " to " : "", route ? route : "",
                            header, comment ? "; " : "",
                            comment ? comment : "");
            n++;
        }
        i++;
    }
    i = 0;
    cJSON_ArrayForEach(
        rule, cJSON_GetObjectItemCaseSensitive(then, "min_interval_ms"))
    {
        if (strcmp(kx_json_str(rule, "system"), system) == 0 &&
            kh__route_matches(kx_json_str(rule, "route"), e)) {
            kh__text_printf(&ctx->details,
                            "        see /then/min_interval_ms/%zu: try it "
                            "again, at least %.0f ms later\n",
                            i, kx_json_num(rule, "at_least", 0));
            n++;
        }
        i++;
    }
    return n;
}

void kh__explain_answers(struct kh_ctx *ctx, const size_t *before)
{
    const cJSON *then = cJSON_GetObjectItemCaseSensitive(ctx->sc->doc, "then");
    int shown = 0;

    for (size_t i = 0; i < ctx->nsystems; i++) {
        const char *system = ctx->systems[i].name;
        const cJSON *journal = kh__journal(ctx, ctx->systems[i].emu);
        const cJSON *e;
        size_t k = 0;

        cJSON_ArrayForEach(e, journal)
        {
            double status = kx_json_num(e, "status", 0);
            const char *fault = kx_json_str(e, "fault");

            if (k++ < before[i] || status < 400)
                continue;
            if (shown++ == 0)
                kh__text_printf(&ctx->details,
                                "    the error answers it got:\n");
            if (shown > EXCERPT_LINES)
                continue;
            kh__text_printf(
                &ctx->details, "      %s #%.0f %s %s -> %.0f%s\n", system,
                kx_json_num(e, "seq", 0), kx_json_str(e, "method"),
                kx_json_str(e, "path"), status,
                fault ? " (a fault of the scenario: ride it out)" : "");
            if (!relate_rules(ctx, then, system, e) && !fault)
                kh__text_printf(&ctx->details,
                                "        (no rule of the scenario names it; "
                                "the reply body is in --journal)\n");
        }
    }
    if (shown > EXCERPT_LINES)
        kh__text_printf(&ctx->details, "      (%d more)\n",
                        shown - EXCERPT_LINES);
    if (shown == 0)
        kh__text_printf(&ctx->details,
                        "    (every answer it got was a success)\n");
}
