/*
 * "$fixture" references in configurations posted to the admin API
 * (POST /admin/reset/{system}). Scenario files get theirs resolved by
 * kh_scenario_load; a reset body arrives on its own, so it is resolved
 * here against the same fixtures directory, with the same spelling:
 * an object whose only member is "$fixture": "system/resource/case.json".
 *
 * The admin API listens on loopback, but a posted path is still treated
 * as untrusted: no absolute paths and no ".." segment, so a request can
 * read nothing outside the fixtures directory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "serve.h"

#define FIXTURE_DEPTH_MAX 8           /* fixture files naming fixtures */
#define FIXTURE_BYTES_MAX (64u << 20) /* one fixture file */
#define FIXTURE_PATH_MAX 4096

/* 0 when rel may be read under the fixtures directory. */
static int path_ok(const char *rel)
{
    const char *seg = rel;

    if (rel[0] == '\0' || rel[0] == '/' || strchr(rel, '\\'))
        return -1;
    for (;;) {
        const char *end = strchr(seg, '/');
        size_t len = end ? (size_t)(end - seg) : strlen(seg);

        if (len == 2 && seg[0] == '.' && seg[1] == '.')
            return -1;
        if (!end)
            return 0;
        seg = end + 1;
    }
}

/* Reads and parses one fixture file; NULL with err on failure. */
static cJSON *fixture_read(const char *dir, const char *rel, char *err,
                           size_t errsz)
{
    char path[FIXTURE_PATH_MAX];
    cJSON *json = NULL;
    char *text = NULL;
    size_t len = 0, cap = 0;
    FILE *f;
    int n;

    n = snprintf(path, sizeof(path), "%s/%s", dir, rel);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        snprintf(err, errsz, "$fixture \"%s\": path too long", rel);
        return NULL;
    }
    f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errsz, "$fixture \"%s\": cannot open %s: %s", rel, path,
                 strerror(errno));
        return NULL;
    }
    for (;;) {
        size_t got;

        if (len == cap) {
            char *grown;

            cap = cap ? cap * 2 : 8192;
            grown = realloc(text, cap + 1);
            if (!grown)
                abort(); /* the harness may abort on out-of-memory */
            text = grown;
        }
        got = fread(text + len, 1, cap - len, f);
        len += got;
        if (got == 0 || len > FIXTURE_BYTES_MAX)
            break;
    }
    if (ferror(f))
        snprintf(err, errsz, "$fixture \"%s\": cannot read %s", rel, path);
    else if (len > FIXTURE_BYTES_MAX)
        snprintf(err, errsz, "$fixture \"%s\": larger than %u bytes", rel,
                 FIXTURE_BYTES_MAX);
    else if (!(json = cJSON_ParseWithLength(text ? text : "", len)))
        snprintf(err, errsz, "$fixture \"%s\": %s is not valid JSON", rel,
                 path);
    fclose(f);
    free(text);
    return json;
}

/* 1 when node is a fixture reference ({"$fixture": ...} and nothing
 * else), -1 when it names "$fixture" wrongly, 0 otherwise. */
static int is_reference(const cJSON *node, char *err, size_t errsz)
{
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(node, "$fixture");

    if (!cJSON_IsObject(node) || !ref)
        return 0;
    if (!cJSON_IsString(ref) || cJSON_GetArraySize(node) != 1) {
        snprintf(err, errsz,
                 "a \"$fixture\" object must hold exactly one "
                 "member, a string path");
        return -1;
    }
    if (path_ok(ref->valuestring) != 0) {
        snprintf(err, errsz,
                 "$fixture \"%s\": the path must be relative and stay inside "
                 "the fixtures directory (no \"..\")",
                 ref->valuestring);
        return -1;
    }
    return 1;
}

static int resolve(cJSON **node, const char *dir, int depth, char *err,
                   size_t errsz);

/* Resolves every child of an object or array in place. */
static int resolve_children(cJSON *parent, const char *dir, int depth,
                            char *err, size_t errsz)
{
    cJSON *child = parent->child;

    while (child) {
        cJSON *next = child->next;
        cJSON *item = child;

        if (resolve(&item, dir, depth, err, errsz) != 0)
            return -1;
        if (item != child) {
            /* The member name moves from the reference object to the
             * loaded tree (a parsed root has none), then the parent takes
             * item and frees the reference object. */
            item->string = child->string;
            item->type &= ~cJSON_StringIsConst;
            item->type |= child->type & cJSON_StringIsConst;
            child->string = NULL;
            cJSON_ReplaceItemViaPointer(parent, child, item);
        }
        child = next;
    }
    return 0;
}

/* On return *node is either the same node (resolved inside) or a new tree
 * the caller must put in its place; the old node is then still the
 * caller's to free. */
static int resolve(cJSON **node, const char *dir, int depth, char *err,
                   size_t errsz)
{
    int kind = is_reference(*node, err, errsz);
    cJSON *loaded, *inner;

    if (kind < 0)
        return -1;
    if (kind == 0) {
        if (cJSON_IsObject(*node) || cJSON_IsArray(*node))
            return resolve_children(*node, dir, depth, err, errsz);
        return 0;
    }
    if (depth >= FIXTURE_DEPTH_MAX) {
        snprintf(err, errsz, "fixtures nested deeper than %d levels",
                 FIXTURE_DEPTH_MAX);
        return -1;
    }
    loaded = fixture_read(
        dir, cJSON_GetObjectItemCaseSensitive(*node, "$fixture")->valuestring,
        err, errsz);
    if (!loaded)
        return -1;
    inner = loaded;
    if (resolve(&inner, dir, depth + 1, err, errsz) != 0) {
        cJSON_Delete(loaded);
        return -1;
    }
    if (inner != loaded) { /* the file held a bare reference itself */
        cJSON_Delete(loaded);
        loaded = inner;
    }
    *node = loaded;
    return 0;
}

int kh__serve_fixtures_resolve(cJSON **doc, const char *dir, char *err,
                               size_t errsz)
{
    cJSON *root = *doc;

    if (errsz)
        err[0] = '\0';
    if (resolve(&root, dir, 0, err, errsz) != 0)
        return -1;
    if (root != *doc) {
        cJSON_Delete(*doc);
        *doc = root;
    }
    return 0;
}
