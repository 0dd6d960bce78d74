/*
 * Loading a scenario: read the file, parse it, replace "$fixture"
 * references, check every member against the format (format.c) and the
 * file name against the name, collecting one line per problem with its
 * JSON pointer. A scenario that loads can be run without meeting a
 * malformed step.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "scenario_int.h"

#define SCENARIO_MAX_BYTES ((long)16 << 20)
#define MAX_FIXTURE_DEPTH 8

void kh__problem(struct problems *p, const char *pointer, const char *fmt, ...)
{
    va_list ap;
    int n;

    p->count++;
    if (p->used + 1 >= p->size)
        return;
    n = snprintf(p->buf + p->used, p->size - p->used, "%s: %s: ", p->file,
                 pointer[0] ? pointer : "(document)");
    if (n > 0)
        p->used +=
            (size_t)n < p->size - p->used ? (size_t)n : p->size - p->used - 1;
    va_start(ap, fmt);
    n = vsnprintf(p->buf + p->used, p->size - p->used, fmt, ap);
    va_end(ap);
    if (n > 0)
        p->used +=
            (size_t)n < p->size - p->used ? (size_t)n : p->size - p->used - 1;
    if (p->used + 1 < p->size)
        p->buf[p->used++] = '\n';
    p->buf[p->used] = '\0';
}

/* Reads a whole file (at most SCENARIO_MAX_BYTES) into a NUL-terminated
 * buffer. Returns NULL with errno set. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long size;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0)
        goto fail;
    if (size > SCENARIO_MAX_BYTES) {
        errno = EFBIG;
        goto fail;
    }
    buf = kx_xmalloc((size_t)size + 1);
    if (fread(buf, 1, (size_t)size, f) != (size_t)size)
        goto fail;
    buf[size] = '\0';
    *len = (size_t)size;
    fclose(f);
    return buf;
fail:
    free(buf);
    fclose(f);
    if (!errno)
        errno = EIO;
    return NULL;
}

/* Parses text as JSON; on failure describes where (line and column). */
static cJSON *parse(const char *text, size_t len, char *why, size_t whysz)
{
    const char *end = NULL;
    /* len + 1: the terminating NUL is part of the buffer, so that cJSON
     * can reject trailing garbage. */
    cJSON *doc = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
    int line = 1, col = 1;

    if (doc)
        return doc;
    if (!end)
        end = text;
    for (const char *c = text; c < end && *c; c++) {
        if (*c == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    snprintf(why, whysz, "not valid JSON near line %d, column %d", line, col);
    return NULL;
}

/* ---- fixtures -------------------------------------------------------- */

static int fixture_ref(const cJSON *v, const char **rel)
{
    const cJSON *ref;

    if (!cJSON_IsObject(v) || cJSON_GetArraySize(v) != 1)
        return 0;
    ref = cJSON_GetObjectItemCaseSensitive(v, "$fixture");
    if (!ref)
        return 0;
    *rel = cJSON_IsString(ref) ? ref->valuestring : NULL;
    return 1;
}

/* 1 when rel names a JSON Lines fixture. */
static int is_jsonl(const char *rel)
{
    size_t n = strlen(rel);

    return n > 6 && strcmp(rel + n - 6, ".jsonl") == 0;
}

/* A JSON Lines fixture: one JSON value per line (blank lines skipped),
 * read line by line into an array, so a table of any number of rows
 * loads without the whole-file limit; a line is held to it. */
static cJSON *load_fixture_lines(struct problems *p, const char *path,
                                 const char *rel, const char *pointer)
{
    FILE *f = fopen(path, "rb");
    cJSON *arr = NULL;
    char *line = NULL, why[128];
    size_t linecap = 0;
    ssize_t n;
    long lineno = 0;

    if (!f) {
        kh__problem(p, pointer, "fixture %s: %s", rel, strerror(errno));
        return NULL;
    }
    arr = cJSON_CreateArray();
    if (!arr)
        abort();
    while ((n = getline(&line, &linecap, f)) >= 0) {
        cJSON *item;

        lineno++;
        if (strspn(line, " \t\r\n") == (size_t)n)
            continue;
        if (n > SCENARIO_MAX_BYTES) {
            kh__problem(p, pointer,
                        "fixture %s: line %ld: longer than %ld bytes", rel,
                        lineno, SCENARIO_MAX_BYTES);
            goto fail;
        }
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        item = parse(line, (size_t)n, why, sizeof(why));
        if (!item) {
            kh__problem(p, pointer, "fixture %s: line %ld: %s", rel, lineno,
                        why);
            goto fail;
        }
        /* O(1): cJSON keeps the last item in child->prev (since 1.7.13). */
        cJSON_AddItemToArray(arr, item);
    }
    if (ferror(f)) {
        kh__problem(p, pointer, "fixture %s: %s", rel, strerror(EIO));
        goto fail;
    }
    free(line);
    fclose(f);
    return arr;
fail:
    free(line);
    fclose(f);
    cJSON_Delete(arr);
    return NULL;
}

static cJSON *load_fixture(struct problems *p, const char *dir, const char *rel,
                           const char *pointer)
{
    char path[4096], why[128];
    size_t len = 0;
    char *text;
    cJSON *doc;

    if (!rel || !rel[0] || rel[0] == '/' || strstr(rel, "..")) {
        kh__problem(p, pointer,
                    "\"$fixture\" must be a relative path inside the fixtures "
                    "directory, such as \"epicor/parts/three.json\"");
        return NULL;
    }
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    if (is_jsonl(rel))
        return load_fixture_lines(p, path, rel, pointer);
    text = read_file(path, &len);
    if (!text) {
        kh__problem(p, pointer, "fixture %s: %s", rel, strerror(errno));
        return NULL;
    }
    doc = parse(text, len, why, sizeof(why));
    free(text);
    if (!doc)
        kh__problem(p, pointer, "fixture %s: %s", rel, why);
    return doc;
}

/* Replaces every {"$fixture": rel} inside node (depth bounds fixtures
 * that refer to fixtures). */
static void resolve(struct problems *p, const char *dir, cJSON *node,
                    const char *pointer, int depth)
{
    cJSON *child = node ? node->child : NULL;
    size_t i = 0;

    while (child) {
        cJSON *next = child->next;
        char here[512];
        const char *rel;

        snprintf(here, sizeof(here), "%s", pointer);
        if (cJSON_IsArray(node))
            kh_json_pointer_append_index(here, sizeof(here), i);
        else
            kh_json_pointer_append(here, sizeof(here), child->string);
        i++;
        if (fixture_ref(child, &rel)) {
            cJSON *value = depth < MAX_FIXTURE_DEPTH
                               ? load_fixture(p, dir, rel, here)
                               : NULL;

            if (depth >= MAX_FIXTURE_DEPTH)
                kh__problem(p, here, "fixtures nest deeper than %d",
                            MAX_FIXTURE_DEPTH);
            if (value) {
                resolve(p, dir, value, here, depth + 1);
                /* Replaced in place (by pointer, not by name: with a
                 * duplicate key that would hit the other member), the
                 * replacement taking over the key. */
                value->string = child->string;
                child->string = NULL;
                cJSON_ReplaceItemViaPointer(node, child, value);
            }
        } else {
            resolve(p, dir, child, here, depth);
        }
        child = next;
    }
}

/* JSON allows a key twice in an object, and cJSON keeps both; a scenario
 * that does so is ambiguous (which one counts?), so it is refused. */
static void check_duplicates(struct problems *p, const cJSON *node,
                             const char *pointer, int depth)
{
    const cJSON *child;
    size_t i = 0;

    if (depth > 64)
        return;
    for (child = node ? node->child : NULL; child; child = child->next, i++) {
        char here[512];

        snprintf(here, sizeof(here), "%s", pointer);
        if (cJSON_IsArray(node)) {
            kh_json_pointer_append_index(here, sizeof(here), i);
        } else {
            kh_json_pointer_append(here, sizeof(here), child->string);
            for (const cJSON *e = node->child; e != child; e = e->next) {
                if (strcmp(e->string, child->string) == 0) {
                    kh__problem(p, here, "duplicate key \"%s\"", child->string);
                    break;
                }
            }
        }
        check_duplicates(p, child, here, depth + 1);
    }
}

void kh_scenario_stem(char *out, size_t outsz, const char *name)
{
    size_t n = 0;
    int gap = 0;

    if (!outsz)
        return;
    for (const char *c = name; *c; c++) {
        char ch = *c;

        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if (ch == '\'')
            continue; /* "store's" is "stores", not "store-s" */
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))) {
            gap = n > 0;
            continue;
        }
        if (gap && n + 1 < outsz)
            out[n++] = '-';
        gap = 0;
        if (n + 1 < outsz)
            out[n++] = ch;
    }
    out[n] = '\0';
}

/* The file is named after the scenario: its name without the directory
 * and the ".json" is kh_scenario_stem(name), so that the ctest name
 * (scenario.<area>.<file stem>) and the name say the same. */
static void check_file_name(struct problems *p, const cJSON *doc,
                            const char *path)
{
    const char *name = kx_json_str(doc, "name");
    const char *base = strrchr(path, '/');
    char stem[512];
    size_t len;

    if (!name)
        return; /* reported by check_doc */
    base = base ? base + 1 : path;
    len = strlen(base);
    if (len > 5 && strcmp(base + len - 5, ".json") == 0)
        len -= 5;
    kh_scenario_stem(stem, sizeof(stem), name);
    if (!stem[0])
        kh__problem(p, "/name", "must hold letters or digits");
    else if (strlen(stem) != len || strncmp(stem, base, len) != 0)
        kh__problem(p, "/name",
                    "\"%s\" names the file %s.json, but it is %s: rename the "
                    "file (git mv) or reword the name (lower case, letters and "
                    "digits, every other run of characters a '-', apostrophes "
                    "dropped)",
                    name, stem, base);
}

/* Whether path lies in the build tree (compared after resolving both). */
static int in_build_tree(const char *path)
{
    char build[PATH_MAX];
    size_t n;

    if (!realpath(KH_BUILD_DIR, build))
        return 0;
    n = strlen(build);
    return strncmp(path, build, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* The folder holding the suite (scenarios/, fixtures/). Installed, it is
 * DATADIR/kinsync found from the program's own folder (KH_BINDIR_TO_DATA,
 * e.g. "../share/kinsync"), so a package or a moved prefix works; a
 * program of the build tree uses the source tree instead. Without
 * /proc, the configured install location. */
void kh_data_dir(char *out, size_t outsz)
{
    char exe[PATH_MAX], here[PATH_MAX + 64], found[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    char *slash = NULL;

    if (n > 0) {
        exe[n] = '\0';
        slash = strrchr(exe, '/');
    }
    if (!slash) {
        snprintf(out, outsz, "%s", KH_INSTALLED_DATA);
        return;
    }
    *slash = '\0'; /* exe is now the program's folder */
    snprintf(here, sizeof(here), "%s/%s", exe, KH_BINDIR_TO_DATA);
    if (realpath(here, found))
        snprintf(out, outsz, "%s", found);
    else if (in_build_tree(exe))
        snprintf(out, outsz, "%s", KH_SOURCE_DIR);
    else
        snprintf(out, outsz, "%s", here); /* missing: errors will name it */
}

/* What `kinsync check` runs given no file: ./scenarios if there is one,
 * else the suite kinsync came with. */
void kh_default_suite(char *out, size_t outsz)
{
    char dir[PATH_MAX];
    struct stat st;

    if (stat("scenarios", &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(out, outsz, "scenarios");
        return;
    }
    kh_data_dir(dir, sizeof(dir));
    snprintf(out, outsz, "%s/scenarios", dir);
}

/* The fixtures directory of a scenario given none: the nearest
 * "fixtures" folder beside the scenario or above it (a suite carries its
 * fixtures along), else the suite's own (kh_data_dir). */
void kh_fixtures_dir_for(char *out, size_t outsz, const char *path)
{
    char dir[3072]; /* shorter than out, with room for "/fixtures" */
    struct stat st;

    snprintf(dir, sizeof(dir), "%s", path ? path : "");
    for (int up = 0; path && up < 5; up++) {
        char *slash = strrchr(dir, '/');

        if (slash)
            *slash = '\0';
        else
            snprintf(dir, sizeof(dir), ".");
        snprintf(out, outsz, "%s/fixtures", dir);
        if (stat(out, &st) == 0 && S_ISDIR(st.st_mode))
            return;
        if (!slash)
            break;
    }
    kh_data_dir(dir, sizeof(dir));
    snprintf(out, outsz, "%s/fixtures", dir);
}

int kh_scenario_load(struct kh_scenario **out, const char *path,
                     const char *fixtures_dir, char *err, size_t errsz)
{
    struct problems p = {path, err, errsz, 0, 0};
    struct kh_scenario *sc;
    char why[128], found[4096];
    size_t len = 0;
    char *text;
    cJSON *doc;

    *out = NULL;
    if (errsz)
        err[0] = '\0';
    text = read_file(path, &len);
    if (!text) {
        kh__problem(&p, "", "cannot read: %s", strerror(errno));
        return -1;
    }
    doc = parse(text, len, why, sizeof(why));
    free(text);
    if (!doc) {
        kh__problem(&p, "", "%s", why);
        return -1;
    }
    check_duplicates(&p, doc, "", 0);
    if (!fixtures_dir) {
        kh_fixtures_dir_for(found, sizeof(found), path);
        fixtures_dir = found;
    }
    if (cJSON_IsObject(doc))
        resolve(&p, fixtures_dir,
                cJSON_GetObjectItemCaseSensitive(doc, "given"), "/given", 0);
    kh__check_format(&p, doc);
    check_file_name(&p, doc, path);
    if (p.count) {
        cJSON_Delete(doc);
        return -1;
    }
    sc = kx_xcalloc(1, sizeof(*sc));
    sc->path = kx_xstrdup(path);
    sc->name = kx_xstrdup(kx_json_str(doc, "name"));
    sc->doc = doc;
    sc->tags = cJSON_GetObjectItemCaseSensitive(doc, "tags");
    *out = sc;
    return 0;
}

int kh_fixtures_resolve(cJSON **doc, const char *dir, char *err, size_t errsz)
{
    struct problems p = {"fixtures", err, errsz, 0, 0};
    const char *rel;

    if (errsz)
        err[0] = '\0';
    if (fixture_ref(*doc, &rel)) {
        cJSON *value = load_fixture(&p, dir, rel, "");

        if (!value)
            return -1;
        cJSON_Delete(*doc);
        *doc = value;
    }
    resolve(&p, dir, *doc, "", 1);
    return p.count ? -1 : 0;
}

void kh_scenario_free(struct kh_scenario *sc)
{
    if (!sc)
        return;
    free(sc->path);
    free(sc->name);
    cJSON_Delete(sc->doc);
    free(sc);
}
