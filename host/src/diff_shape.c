/*
 * What `kinsync diff` compares between a recorded exchange and the
 * emulator's answer to the same request, and how differences add up per
 * route (the contract is in diff.h): the status, the shape of a JSON body
 * (every member's JSON pointer with array elements generalised to "*",
 * and its type), and the response headers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include "diff.h"
#include "engine.h"
#include "replay.h"

/* Headers whose values say something about paging or limits, so a value
 * that differs is reported, not only one that is missing. */
static const char *const valued_headers[] = {
    "X-WP-Total", "X-WP-TotalPages", "X-Rate-Limit-Requests-Quota",
    "X-Rate-Limit-Time-Window-Ms", "Retry-After"};

/* Aborts on an allocation failure (x: a pointer or a cJSON success). */
#define must(x) must_((x) != 0)
static void must_(int ok)
{
    if (!ok) {
        fputs("kinsync diff: out of memory\n", stderr);
        abort();
    }
}

static const char *type_name(const cJSON *v)
{
    if (cJSON_IsObject(v))
        return "object";
    if (cJSON_IsArray(v))
        return "array";
    if (cJSON_IsString(v))
        return "string";
    if (cJSON_IsNumber(v))
        return "number";
    if (cJSON_IsBool(v))
        return "boolean";
    return "null";
}

/* Adds at -> type to shape: the first type that is not null wins. */
static void note(cJSON *shape, const char *at, const char *type)
{
    const cJSON *had = cJSON_GetObjectItemCaseSensitive(shape, at);

    if (!had)
        must(cJSON_AddStringToObject(shape, at, type));
    else if (strcmp(had->valuestring, "null") == 0 && strcmp(type, "null"))
        must(cJSON_ReplaceItemInObjectCaseSensitive(shape, at,
                                                    cJSON_CreateString(type)));
}

static void walk(cJSON *shape, const cJSON *node, char *at, size_t atsz)
{
    size_t mark = strlen(at);
    const cJSON *c;

    note(shape, at[0] ? at : "/", type_name(node));
    cJSON_ArrayForEach(c, node)
    {
        if (cJSON_IsArray(node))
            kh_json_pointer_append(at, atsz, "*");
        else
            kh_json_pointer_append(at, atsz, c->string);
        walk(shape, c, at, atsz);
        at[mark] = '\0';
    }
}

cJSON *kh_diff_shape(const cJSON *doc)
{
    cJSON *shape = cJSON_CreateObject();
    char at[1024] = "";

    must(shape);
    if (doc)
        walk(shape, doc, at, sizeof(at));
    return shape;
}

/* 1 when the nearest generalised array (a prefix ending in "*") of pointer has
 * elements in shape, or pointer is under none: only then can a member
 * below it be missing (an empty list says nothing about its elements). */
static int comparable(const cJSON *shape, const char *pointer)
{
    const char *star = NULL;
    char prefix[1024];

    for (const char *p = strstr(pointer, "/*"); p; p = strstr(p + 2, "/*")) {
        if (p[2] == '/' || p[2] == '\0')
            star = p;
    }
    if (!star)
        return 1;
    snprintf(prefix, sizeof(prefix), "%.*s", (int)(star - pointer + 2),
             pointer);
    return cJSON_GetObjectItemCaseSensitive(shape, prefix) != NULL;
}

/* 1 when every member of item equals the same member of e. */
static int same(const cJSON *e, const cJSON *item)
{
    const cJSON *m;

    cJSON_ArrayForEach(m, item)
    {
        if (!cJSON_Compare(m, cJSON_GetObjectItemCaseSensitive(e, m->string),
                           1))
            return 0;
    }
    return 1;
}

/* Adds item (taken) to route[list], or counts one more of an equal one. */
static void bump(cJSON *route, const char *list, cJSON *item)
{
    cJSON *l = cJSON_GetObjectItemCaseSensitive(route, list), *e;

    if (!l)
        must(l = cJSON_AddArrayToObject(route, list));
    cJSON_ArrayForEach(e, l)
    {
        if (same(e, item)) {
            cJSON *n = cJSON_GetObjectItemCaseSensitive(e, "count");

            cJSON_SetNumberValue(n, n->valuedouble + 1);
            cJSON_Delete(item);
            return;
        }
    }
    must(cJSON_AddNumberToObject(item, "count", 1));
    must(cJSON_AddItemToArray(l, item));
}

static cJSON *difference(const char *what, const char *name, const char *value,
                         const char *recorded, const char *emulator)
{
    cJSON *d = cJSON_CreateObject();

    must(d && cJSON_AddStringToObject(d, name, value) &&
         cJSON_AddStringToObject(d, "change", what));
    must(recorded ? cJSON_AddStringToObject(d, "recorded", recorded)
                  : cJSON_AddNullToObject(d, "recorded"));
    must(emulator ? cJSON_AddStringToObject(d, "emulator", emulator)
                  : cJSON_AddNullToObject(d, "emulator"));
    return d;
}

void kh_diff_status(cJSON *route, int recorded, int emulator)
{
    cJSON *d;

    if (recorded == emulator)
        return;
    d = cJSON_CreateObject();
    must(d && cJSON_AddNumberToObject(d, "recorded", recorded) &&
         cJSON_AddNumberToObject(d, "emulator", emulator));
    bump(route, "status", d);
}

void kh_diff_bodies(cJSON *route, const cJSON *recorded, const cJSON *emulator)
{
    cJSON *r = kh_diff_shape(recorded), *e = kh_diff_shape(emulator);
    const cJSON *m, *o;

    cJSON_ArrayForEach(m, r)
    {
        o = cJSON_GetObjectItemCaseSensitive(e, m->string);
        if (!o && comparable(e, m->string))
            bump(route, "fields",
                 difference("missing", "pointer", m->string, m->valuestring,
                            NULL));
        else if (o && strcmp(o->valuestring, m->valuestring) != 0)
            bump(route, "fields",
                 difference("type", "pointer", m->string, m->valuestring,
                            o->valuestring));
    }
    cJSON_ArrayForEach(o, e)
    {
        if (!cJSON_GetObjectItemCaseSensitive(r, o->string) &&
            comparable(r, o->string))
            bump(route, "fields",
                 difference("extra", "pointer", o->string, NULL,
                            o->valuestring));
    }
    cJSON_Delete(r);
    cJSON_Delete(e);
}

/* The value of header name in a HAR header list, or NULL. */
static const char *header(const cJSON *list, const char *name)
{
    const cJSON *h;

    cJSON_ArrayForEach(h, list)
    {
        const char *n = kx_json_str(h, "name");

        if (n && strcasecmp(n, name) == 0)
            return kx_json_str(h, "value");
    }
    return NULL;
}

static int valued(const char *name)
{
    for (size_t i = 0; i < sizeof(valued_headers) / sizeof(char *); i++) {
        if (strcasecmp(name, valued_headers[i]) == 0)
            return 1;
    }
    return 0;
}

/* The media type of a Content-Type value, lowercase, without parameters. */
static void media_type(char *out, size_t outsz, const char *value)
{
    size_t i = 0;

    for (; value && value[i] && value[i] != ';' && value[i] != ' ' &&
           i + 1 < outsz;
         i++)
        out[i] = (char)(value[i] >= 'A' && value[i] <= 'Z' ? value[i] + 32
                                                           : value[i]);
    out[i] = '\0';
}

/* One side's headers against the other's: those only in `in` are
 * reported as `what`. */
static void only_in(cJSON *route, const cJSON *in, const cJSON *other,
                    const char *what)
{
    const cJSON *h;

    cJSON_ArrayForEach(h, in)
    {
        const char *name = kx_json_str(h, "name");
        const char *v = kx_json_str(h, "value");

        if (!name || kh_replay_hop_header(name) || header(other, name))
            continue;
        bump(route, "headers",
             strcmp(what, "missing") == 0
                 ? difference(what, "name", name, v, NULL)
                 : difference(what, "name", name, NULL, v));
    }
}

void kh_diff_headers(cJSON *route, const cJSON *recorded, const cJSON *emulator)
{
    const cJSON *h;

    only_in(route, recorded, emulator, "missing");
    only_in(route, emulator, recorded, "extra");
    cJSON_ArrayForEach(h, recorded)
    {
        const char *name = kx_json_str(h, "name"), *v = kx_json_str(h, "value");
        const char *o = name ? header(emulator, name) : NULL;
        char a[128], b[128];

        if (!o || !v)
            continue;
        if (strcasecmp(name, "Content-Type") == 0) {
            media_type(a, sizeof(a), v);
            media_type(b, sizeof(b), o);
            if (strcmp(a, b) != 0)
                bump(route, "headers", difference("value", "name", name, a, b));
        } else if (valued(name) && strcmp(v, o) != 0) {
            bump(route, "headers", difference("value", "name", name, v, o));
        }
    }
}

int kh_diff_route_differs(const cJSON *route)
{
    return cJSON_GetArraySize(
               cJSON_GetObjectItemCaseSensitive(route, "status")) +
               cJSON_GetArraySize(
                   cJSON_GetObjectItemCaseSensitive(route, "fields")) +
               cJSON_GetArraySize(
                   cJSON_GetObjectItemCaseSensitive(route, "headers")) >
           0;
}
