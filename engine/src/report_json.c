/*
 * The grade a vendor can publish: `kinsync verify --report FILE.json`.
 * It names what was run (kinsync's version, the SHA-256 of the suite: its
 * scenario files and every fixture they use) and what came of it, per
 * scenario and per rule, with timings. Anyone with the same version and a
 * suite of the same digest runs the same checks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <kx/alloc.h>
#include "engine.h"
#include "report_int.h"

/* ---- the suite's digest ---------------------------------------------- */

struct entry {
    char *name; /* machine-independent: "conformance/x.json",
                   "fixtures/epicor/parts/x.json" */
    char *path; /* where it is read from */
};

struct entries {
    struct entry *v;
    size_t n;
};

static void entries_add(struct entries *l, char *name, char *path)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->v[i].name, name) == 0) {
            free(name);
            free(path);
            return;
        }
    }
    l->v = kx_xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
    l->v[l->n].name = name;
    l->v[l->n].path = path;
    l->n++;
}

/* The whole file, or NULL with errno set. */
static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    size_t cap = 0, n;

    *len = 0;
    if (!f)
        return NULL;
    do {
        data = kx_xgrow(data, &cap, *len + 65536 + 1, 1);
        n = fread(data + *len, 1, 65536, f);
        *len += n;
    } while (n > 0);
    data[*len] = '\0';
    if (ferror(f)) {
        free(data);
        data = NULL;
        errno = EIO;
    }
    fclose(f);
    return data;
}

/* The last two components of a path ("conformance/x.json"). */
static char *short_name(const char *path)
{
    const char *end = path + strlen(path), *p = end;
    int slashes = 0;

    while (p > path && slashes < 2) {
        p--;
        slashes += *p == '/';
    }
    if (slashes == 2)
        p++;
    return kx_xstrdup(p);
}

/* Every {"$fixture": REF} below node, added as fixtures/REF. */
static void find_fixtures(struct entries *l, const cJSON *node, const char *dir)
{
    const cJSON *child;

    if (cJSON_IsObject(node) && cJSON_GetArraySize(node) == 1 &&
        node->child->string && strcmp(node->child->string, "$fixture") == 0 &&
        cJSON_IsString(node->child)) {
        entries_add(l, kx_xasprintf("fixtures/%s", node->child->valuestring),
                    kx_xasprintf("%s/%s", dir, node->child->valuestring));
        return;
    }
    cJSON_ArrayForEach(child, node)
    {
        find_fixtures(l, child, dir);
    }
}

static int by_entry_name(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->name,
                  ((const struct entry *)b)->name);
}

/* Hashes every entry (fixtures found in read files are added as the list
 * grows), in name order. Returns 0 or -1 with err. */
static int hash_entries(EVP_MD_CTX *md, struct entries *l,
                        const char *fixtures_dir, char *err, size_t errsz)
{
    for (size_t i = 0; i < l->n; i++) {
        size_t len;
        char *data = read_all(l->v[i].path, &len);
        cJSON *doc;
        char dir[4096];

        if (!data) {
            snprintf(err, errsz, "%s: %s", l->v[i].path, strerror(errno));
            return -1;
        }
        doc = cJSON_ParseWithLength(data, len);
        if (fixtures_dir)
            snprintf(dir, sizeof(dir), "%s", fixtures_dir);
        else
            kh_fixtures_dir_for(dir, sizeof(dir), l->v[i].path);
        find_fixtures(l, doc, dir);
        cJSON_Delete(doc);
        free(data);
    }
    qsort(l->v, l->n, sizeof(*l->v), by_entry_name);
    for (size_t i = 0; i < l->n; i++) {
        size_t len;
        char *data = read_all(l->v[i].path, &len);
        char head[64];

        if (!data) {
            snprintf(err, errsz, "%s: %s", l->v[i].path, strerror(errno));
            return -1;
        }
        snprintf(head, sizeof(head), "%zu", len);
        EVP_DigestUpdate(md, l->v[i].name, strlen(l->v[i].name) + 1);
        EVP_DigestUpdate(md, head, strlen(head) + 1);
        EVP_DigestUpdate(md, data, len);
        free(data);
    }
    return 0;
}

int kh_suite_digest(char out[65], size_t *nfiles, char *const *paths,
                    size_t npaths, const char *fixtures_dir, char *err,
                    size_t errsz)
{
    struct entries l = {NULL, 0};
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char sum[EVP_MAX_MD_SIZE];
    unsigned int sumlen = 0;
    int rc = -1;

    out[0] = '\0';
    *nfiles = 0;
    if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        snprintf(err, errsz, "SHA-256 is not available");
        goto out;
    }
    for (size_t i = 0; i < npaths; i++)
        entries_add(&l, short_name(paths[i]), kx_xstrdup(paths[i]));
    if (hash_entries(md, &l, fixtures_dir, err, errsz) != 0)
        goto out;
    if (EVP_DigestFinal_ex(md, sum, &sumlen) != 1 || sumlen != 32) {
        snprintf(err, errsz, "SHA-256 failed");
        goto out;
    }
    for (unsigned int i = 0; i < sumlen; i++)
        snprintf(out + 2 * i, 3, "%02x", sum[i]);
    *nfiles = l.n;
    rc = 0;
out:
    for (size_t i = 0; i < l.n; i++) {
        free(l.v[i].name);
        free(l.v[i].path);
    }
    free(l.v);
    EVP_MD_CTX_free(md);
    return rc;
}

/* ---- the report ------------------------------------------------------ */

static const char *outcome_name(enum kh_outcome o)
{
    return o == KH_PASS ? "pass" : o == KH_FAIL ? "fail" : "error";
}

static cJSON *scenario_json(const struct kh_result *r)
{
    cJSON *s = cJSON_CreateObject(), *rules = cJSON_CreateArray();
    char *file = short_name(r->path ? r->path : "");

    cJSON_AddStringToObject(s, "name", r->name ? r->name : "");
    cJSON_AddStringToObject(s, "file", file);
    cJSON_AddStringToObject(s, "outcome", outcome_name(r->outcome));
    cJSON_AddNumberToObject(s, "wall_ms", (double)r->wall_ms);
    cJSON_AddNumberToObject(s, "virtual_ms", (double)r->virtual_ms);
    /* To the microsecond: a scenario takes a few ms of CPU. */
    cJSON_AddNumberToObject(s, "cpu_ms",
                            (double)(int64_t)(r->cpu_ms * 1e3) / 1e3);
    cJSON_AddNumberToObject(s, "checks", (double)r->checks);
    cJSON_AddNumberToObject(s, "failures", (double)r->failures);
    for (size_t i = 0; i < r->nrules; i++) {
        cJSON *rule = cJSON_CreateObject();

        cJSON_AddStringToObject(rule, "rule", r->rules[i].rule);
        cJSON_AddStringToObject(rule, "outcome",
                                r->rules[i].passed ? "pass" : "fail");
        cJSON_AddItemToArray(rules, rule);
    }
    cJSON_AddItemToObject(s, "rules", rules);
    free(file);
    return s;
}

int kh_report_json(const char *file, const struct kh_result *results, size_t n,
                   const struct kh_suite_info *suite)
{
    cJSON *doc = cJSON_CreateObject(), *kinsync, *su, *sum, *list, *cmd;
    size_t passed = 0, failed = 0;
    double wall = 0;
    char *text;
    int rc;

    if (!doc)
        abort();
    kinsync = cJSON_AddObjectToObject(doc, "kinsync");
    cJSON_AddStringToObject(kinsync, "version", KS_VERSION_STRING);
    cJSON_AddStringToObject(kinsync, "command", suite->command);
    if (suite->integration) {
        cmd = cJSON_AddArrayToObject(doc, "integration");
        for (size_t i = 0; suite->integration[i]; i++)
            cJSON_AddItemToArray(cmd,
                                 cJSON_CreateString(suite->integration[i]));
    }
    su = cJSON_AddObjectToObject(doc, "suite");
    cJSON_AddStringToObject(su, "sha256", suite->digest ? suite->digest : "");
    cJSON_AddNumberToObject(su, "files", (double)suite->nfiles);
    cJSON_AddStringToObject(
        su, "reproduce",
        "the same kinsync version run over a suite of this SHA-256 (its "
        "scenario files and the fixtures they use) makes the same checks");
    list = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        passed += results[i].outcome == KH_PASS;
        failed += results[i].outcome != KH_PASS;
        wall += (double)results[i].wall_ms;
        cJSON_AddItemToArray(list, scenario_json(&results[i]));
    }
    sum = cJSON_AddObjectToObject(doc, "summary");
    cJSON_AddNumberToObject(sum, "scenarios", (double)n);
    cJSON_AddNumberToObject(sum, "passed", (double)passed);
    cJSON_AddNumberToObject(sum, "failed", (double)failed);
    cJSON_AddNumberToObject(sum, "wall_ms", wall);
    cJSON_AddItemToObject(doc, "scenarios", list);
    text = cJSON_Print(doc);
    cJSON_Delete(doc);
    if (!text)
        abort();
    rc = kh__report_write_text(file, text);
    cJSON_free(text);
    return rc;
}
