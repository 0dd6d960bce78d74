/*
 * Loading a scenario: read the file, parse it, replace "$fixture"
 * references, and check every member against the format, collecting one
 * line per problem with its JSON pointer. A scenario that loads can be
 * run without meeting a malformed step.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <kinmock/config.h>
#include "run_int.h"

#define SCENARIO_MAX_BYTES ((long)16 << 20)
#define MAX_FIXTURE_DEPTH 8

struct problems {
    const char *file;
    char *buf;
    size_t size;
    size_t used;
    int count;
};

static void problem(struct problems *p, const char *pointer, const char *fmt,
                    ...) __attribute__((format(printf, 3, 4)));

static void problem(struct problems *p, const char *pointer, const char *fmt,
                    ...)
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
    buf = malloc((size_t)size + 1);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size)
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

static cJSON *load_fixture(struct problems *p, const char *dir, const char *rel,
                           const char *pointer)
{
    char path[4096], why[128];
    size_t len = 0;
    char *text;
    cJSON *doc;

    if (!rel || !rel[0] || rel[0] == '/' || strstr(rel, "..")) {
        problem(p, pointer,
                "\"$fixture\" must be a relative path inside the fixtures "
                "directory, such as \"epicor/parts/three.json\"");
        return NULL;
    }
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    text = read_file(path, &len);
    if (!text) {
        problem(p, pointer, "fixture %s: %s", rel, strerror(errno));
        return NULL;
    }
    doc = parse(text, len, why, sizeof(why));
    free(text);
    if (!doc)
        problem(p, pointer, "fixture %s: %s", rel, why);
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
                problem(p, here, "fixtures nest deeper than %d",
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

/* ---- the format ------------------------------------------------------ */

enum kind {
    K_STRING,
    K_NUMBER, /* >= 0 */
    K_BOOL,
    K_OBJECT,
    K_ARRAY,
    K_ANY,
    K_STRINGS, /* non-empty array of strings */
    K_RESULT,  /* object whose keys are JSON pointers */
    K_RC,      /* a ks_rc name */
    K_SYSTEM,  /* a system configured in given */
    K_JOB,     /* a known job */
    K_ROUTE,   /* "METHOD /path-glob" */
    K_POINTER, /* "" or "/..." */
    K_STATE    /* a state expectation */
};

struct field {
    const char *name;
    enum kind kind;
    int required;
};

struct checker {
    struct problems *p;
    const cJSON *given;
};

static void check_object(struct checker *c, const cJSON *obj,
                         const char *pointer, const struct field *fields);

static const struct field state_fields[] = {
    {"system", K_SYSTEM, 1}, {"pointer", K_POINTER, 1},
    {"count", K_NUMBER, 0},  {"equals", K_ANY, 0},
    {"exists", K_BOOL, 0},   {"comment", K_STRING, 0},
    {NULL, K_ANY, 0}};

static int is_route(const char *s)
{
    const char *sp = strchr(s, ' ');

    return sp && sp > s && sp[1] == '/';
}

static void check_value(struct checker *c, const cJSON *v, enum kind kind,
                        const char *pointer)
{
    struct problems *p = c->p;
    const cJSON *item;
    ks_rc rc;

    switch (kind) {
    case K_STRING:
        if (!cJSON_IsString(v))
            problem(p, pointer, "must be a string");
        break;
    case K_NUMBER:
        if (!cJSON_IsNumber(v) || v->valuedouble < 0)
            problem(p, pointer, "must be a number, zero or more");
        break;
    case K_BOOL:
        if (!cJSON_IsBool(v))
            problem(p, pointer, "must be true or false");
        break;
    case K_OBJECT:
        if (!cJSON_IsObject(v))
            problem(p, pointer, "must be an object");
        break;
    case K_ARRAY:
        if (!cJSON_IsArray(v))
            problem(p, pointer, "must be an array");
        break;
    case K_ANY:
        break;
    case K_STRINGS:
        if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0) {
            problem(p, pointer, "must be a non-empty array of strings");
            break;
        }
        cJSON_ArrayForEach(item, v)
        {
            if (!cJSON_IsString(item)) {
                problem(p, pointer, "must hold only strings");
                break;
            }
        }
        break;
    case K_RESULT:
        if (!cJSON_IsObject(v)) {
            problem(p, pointer, "must be an object of JSON pointers");
            break;
        }
        cJSON_ArrayForEach(item, v)
        {
            if (item->string[0] != '/')
                problem(p, pointer,
                        "key \"%s\" is not a JSON pointer (it must start "
                        "with '/')",
                        item->string);
        }
        break;
    case K_RC:
        if (!cJSON_IsString(v) || ks_rc_from_name(&rc, v->valuestring) != 0)
            problem(p, pointer,
                    "must name a result code such as \"OK\" or \"EAUTH\"");
        break;
    case K_SYSTEM:
        if (!cJSON_IsString(v))
            problem(p, pointer, "must be a string naming a system");
        else if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(
                     c->given, v->valuestring)) ||
                 !km_emulator_type_find(v->valuestring))
            problem(p, pointer,
                    "system \"%s\" is not an emulator configured in /given",
                    v->valuestring);
        break;
    case K_JOB:
        if (!cJSON_IsString(v))
            problem(p, pointer, "must be a string naming a job");
        else if (!kh__job_find(v->valuestring))
            problem(p, pointer,
                    "unknown job \"%s\" (`kinsync check --list-jobs` lists "
                    "them)",
                    v->valuestring);
        break;
    case K_ROUTE:
        if (!cJSON_IsString(v) || !is_route(v->valuestring))
            problem(p, pointer,
                    "must be \"METHOD /path\", e.g. \"GET /v3/catalog/*\"");
        break;
    case K_POINTER:
        if (!cJSON_IsString(v) ||
            (v->valuestring[0] && v->valuestring[0] != '/'))
            problem(p, pointer, "must be a JSON pointer (\"\" or \"/...\")");
        break;
    case K_STATE:
        if (!cJSON_IsObject(v)) {
            problem(p, pointer, "must be an object");
            break;
        }
        check_object(c, v, pointer, state_fields);
        if (!!cJSON_GetObjectItemCaseSensitive(v, "count") +
                !!cJSON_GetObjectItemCaseSensitive(v, "equals") +
                !!cJSON_GetObjectItemCaseSensitive(v, "exists") !=
            1)
            problem(p, pointer,
                    "needs exactly one of \"count\", \"equals\", \"exists\"");
        break;
    }
}

static void check_object(struct checker *c, const cJSON *obj,
                         const char *pointer, const struct field *fields)
{
    const cJSON *member;

    cJSON_ArrayForEach(member, obj)
    {
        const struct field *f = fields;
        char here[512];

        snprintf(here, sizeof(here), "%s", pointer);
        kh_json_pointer_append(here, sizeof(here), member->string);
        while (f->name && strcmp(f->name, member->string) != 0)
            f++;
        if (!f->name)
            problem(c->p, here, "unknown key \"%s\"", member->string);
        else
            check_value(c, member, f->kind, here);
    }
    for (const struct field *f = fields; f->name; f++) {
        if (f->required && !cJSON_GetObjectItemCaseSensitive(obj, f->name))
            problem(c->p, pointer, "missing \"%s\"", f->name);
    }
}

/* The members each kind of step takes. */
struct step_shape {
    const char *kind;
    struct field fields[10];
};

static const struct step_shape step_shapes[] = {
    {"run",
     {{"job", K_JOB, 1},
      {"options", K_OBJECT, 0},
      {"expect_rc", K_RC, 0},
      {"expect_result", K_RESULT, 0}}},
    {"integration",
     {{"job", K_JOB, 1},
      {"options", K_OBJECT, 0},
      {"expect_rc", K_RC, 0},
      {"expect_result", K_RESULT, 0},
      {"timeout_ms", K_NUMBER, 0}}},
    {"clock.advance", {{"ms", K_NUMBER, 1}}},
    {"act",
     {{"system", K_SYSTEM, 1},
      {"action", K_STRING, 1},
      {"args", K_OBJECT, 0},
      {"expect_result", K_RESULT, 0}}},
    {"webhooks.pump", {{"system", K_SYSTEM, 0}}},
    {"http.request",
     {{"system", K_SYSTEM, 1},
      {"method", K_STRING, 1},
      {"path", K_STRING, 1},
      {"headers", K_OBJECT, 0},
      {"body", K_ANY, 0},
      {"expect_status", K_NUMBER, 0}}},
    {"exec",
     {{"argv", K_STRINGS, 1},
      {"expect_exit", K_NUMBER, 0},
      {"timeout_ms", K_NUMBER, 0}}},
    {"faults.set", {{"system", K_SYSTEM, 1}, {"rules", K_ANY, 1}}},
    {"faults.clear", {{"system", K_SYSTEM, 1}}},
    {"wait",
     {{"until", K_STATE, 1},
      {"max_ms", K_NUMBER, 0},
      {"step_ms", K_NUMBER, 0}}},
    {"connector.restart", {{NULL, K_ANY, 0}}},
};

/* 1 when word is one of the space-separated words of list (NULL: none). */
static int lists_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    const char *w = list ? list : "";

    while (*w) {
        size_t len = strcspn(w, " ");

        if (len && len == n && strncmp(w, word, n) == 0)
            return 1;
        w += len;
        w += strspn(w, " ");
    }
    return 0;
}

/*
 * The options of a "run" or "integration" step may hold only the keys its
 * job reads (kh_job.options): a job ignores any other key, so a misspelt
 * one would otherwise pass unnoticed. A job or options member of the wrong
 * type has been reported already and is skipped here.
 */
static void check_options(struct checker *c, const cJSON *step,
                          const char *pointer)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(step, "job");
    const cJSON *options = cJSON_GetObjectItemCaseSensitive(step, "options");
    const struct kh_job *job;
    const cJSON *member;

    if (!cJSON_IsString(name) || !cJSON_IsObject(options))
        return;
    job = kh__job_find(name->valuestring);
    if (!job)
        return;
    cJSON_ArrayForEach(member, options)
    {
        char here[512];

        if (lists_word(job->options, member->string))
            continue;
        snprintf(here, sizeof(here), "%s/options", pointer);
        kh_json_pointer_append(here, sizeof(here), member->string);
        problem(c->p, here, "job %s takes no option \"%s\" (it takes%s%s)",
                job->name, member->string,
                job->options && job->options[0] ? ": " : " none",
                job->options ? job->options : "");
    }
}

static void check_step(struct checker *c, const cJSON *step,
                       const char *pointer)
{
    const char *kind = kx_json_str(step, "do");
    struct field fields[12];
    size_t n = 0;
    const struct step_shape *shape = NULL;

    if (!cJSON_IsObject(step)) {
        problem(c->p, pointer, "a step must be an object");
        return;
    }
    if (!kind) {
        problem(c->p, pointer, "missing \"do\" (the kind of step)");
        return;
    }
    for (size_t i = 0; i < sizeof(step_shapes) / sizeof(step_shapes[0]); i++) {
        if (strcmp(step_shapes[i].kind, kind) == 0)
            shape = &step_shapes[i];
    }
    if (!shape) {
        problem(c->p, pointer,
                "unknown step \"%s\" (known: run, integration, clock.advance, "
                "act, webhooks.pump, http.request, exec, faults.set, "
                "faults.clear, wait, connector.restart)",
                kind);
        return;
    }
    fields[n++] = (struct field){"do", K_STRING, 1};
    fields[n++] = (struct field){"comment", K_STRING, 0};
    for (const struct field *f = shape->fields; f->name; f++)
        fields[n++] = *f;
    fields[n] = (struct field){NULL, K_ANY, 0};
    check_object(c, step, pointer, fields);
    if (strcmp(kind, "run") == 0 || strcmp(kind, "integration") == 0)
        check_options(c, step, pointer);
}

static const struct field requests_fields[] = {{"system", K_SYSTEM, 1},
                                               {"route", K_ROUTE, 1},
                                               {"count", K_NUMBER, 1},
                                               {"comment", K_STRING, 0},
                                               {NULL, K_ANY, 0}};
static const struct field every_fields[] = {{"system", K_SYSTEM, 1},
                                            {"route", K_ROUTE, 0},
                                            {"has_header", K_STRING, 1},
                                            {"comment", K_STRING, 0},
                                            {NULL, K_ANY, 0}};
static const struct field interval_fields[] = {
    {"system", K_SYSTEM, 1},   {"route", K_ROUTE, 1},
    {"at_least", K_NUMBER, 1}, {"after_fault", K_BOOL, 0},
    {"comment", K_STRING, 0},  {NULL, K_ANY, 0}};
static const struct field then_fields[] = {
    {"state", K_ARRAY, 0},
    {"requests", K_ARRAY, 0},
    {"every_request", K_ARRAY, 0},
    {"min_interval_ms", K_ARRAY, 0},
    {"log_must_not_contain", K_STRINGS, 0},
    {"log_must_contain", K_STRINGS, 0},
    {"no_secret_in_urls", K_BOOL, 0},
    {NULL, K_ANY, 0}};

static void check_list(struct checker *c, const cJSON *then, const char *name,
                       const struct field *fields, enum kind kind)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(then, name);
    const cJSON *item;
    size_t i = 0;

    if (!cJSON_IsArray(list))
        return;
    cJSON_ArrayForEach(item, list)
    {
        char here[128];

        snprintf(here, sizeof(here), "/then/%s/%zu", name, i++);
        if (kind == K_STATE)
            check_value(c, item, K_STATE, here);
        else if (!cJSON_IsObject(item))
            problem(c->p, here, "must be an object");
        else
            check_object(c, item, here, fields);
    }
}

/* "$secret:system.key" entries must name a configured string. */
static void check_secret_refs(struct checker *c, const cJSON *then,
                              const char *name)
{
    const cJSON *conn = cJSON_GetObjectItemCaseSensitive(c->given, "connector");
    const cJSON *item;
    size_t i = 0;

    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(then, name))
    {
        const char *s = cJSON_IsString(item) ? item->valuestring : "";
        char here[128], system[64];
        const char *dot;
        const cJSON *v;

        snprintf(here, sizeof(here), "/then/%s/%zu", name, i++);
        if (strncmp(s, "$secret:", 8) != 0)
            continue;
        dot = strchr(s + 8, '.');
        if (!dot || (size_t)(dot - s - 8) >= sizeof(system)) {
            problem(c->p, here, "must be \"$secret:system.key\"");
            continue;
        }
        memcpy(system, s + 8, (size_t)(dot - s - 8));
        system[dot - s - 8] = '\0';
        v = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(conn, system), dot + 1);
        if (!cJSON_IsString(v))
            problem(c->p, here,
                    "%s: /given/connector/%s/%s is not a configured string", s,
                    system, dot + 1);
    }
}

/* An emulator's configuration problem (kinmock/config.h) as a loader
 * problem. */
static void config_problem(void *p, const char *pointer, const char *message)
{
    problem(p, pointer, "%s", message);
}

static void check_given(struct checker *c, const cJSON *given)
{
    const cJSON *member;
    int64_t ms;

    cJSON_ArrayForEach(member, given)
    {
        char here[256] = "/given";

        kh_json_pointer_append(here, sizeof(here), member->string);
        if (strcmp(member->string, "clock") == 0) {
            const cJSON *start =
                cJSON_GetObjectItemCaseSensitive(member, "start");
            static const struct field clock_fields[] = {{"start", K_STRING, 0},
                                                        {NULL, K_ANY, 0}};

            check_value(c, member, K_OBJECT, here);
            if (cJSON_IsObject(member))
                check_object(c, member, here, clock_fields);
            if (cJSON_IsString(start) &&
                kh__parse_time(&ms, start->valuestring) != 0)
                problem(c->p, "/given/clock/start",
                        "must be an RFC 3339 UTC time such as "
                        "\"2026-01-05T08:00:00Z\"");
        } else if (strcmp(member->string, "connector") == 0) {
            const cJSON *sys;

            check_value(c, member, K_OBJECT, here);
            for (sys = cJSON_IsObject(member) ? member->child : NULL; sys;
                 sys = sys->next) {
                char at[256];

                snprintf(at, sizeof(at), "%s", here);
                kh_json_pointer_append(at, sizeof(at), sys->string);
                check_value(c, sys, K_OBJECT, at);
            }
        } else if (!km_emulator_type_find(member->string)) {
            problem(c->p, here, "unknown emulator \"%s\"", member->string);
        } else if (cJSON_IsObject(member)) {
            km_config_check(km_emulator_type_find(member->string), member, here,
                            config_problem, c->p);
        } else {
            check_value(c, member, K_OBJECT, here);
        }
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
                    problem(p, here, "duplicate key \"%s\"", child->string);
                    break;
                }
            }
        }
        check_duplicates(p, child, here, depth + 1);
    }
}

static const struct field top_fields[] = {
    {"name", K_STRING, 1},    {"description", K_STRING, 0},
    {"tags", K_ARRAY, 0},     {"given", K_OBJECT, 1},
    {"when", K_ARRAY, 1},     {"then", K_OBJECT, 0},
    {"$schema", K_STRING, 0}, {NULL, K_ANY, 0}};

static void check_doc(struct problems *p, const cJSON *doc)
{
    struct checker c = {p, cJSON_GetObjectItemCaseSensitive(doc, "given")};
    const cJSON *then = cJSON_GetObjectItemCaseSensitive(doc, "then");
    const cJSON *step, *tag;
    size_t i = 0;

    if (!cJSON_IsObject(doc)) {
        problem(p, "", "a scenario must be a JSON object");
        return;
    }
    check_object(&c, doc, "", top_fields);
    cJSON_ArrayForEach(tag, cJSON_GetObjectItemCaseSensitive(doc, "tags"))
    {
        if (!cJSON_IsString(tag)) {
            problem(p, "/tags", "must hold only strings");
            break;
        }
    }
    if (cJSON_IsObject(c.given))
        check_given(&c, c.given);
    cJSON_ArrayForEach(step, cJSON_GetObjectItemCaseSensitive(doc, "when"))
    {
        char here[64];

        snprintf(here, sizeof(here), "/when/%zu", i++);
        check_step(&c, step, here);
    }
    if (!cJSON_IsObject(then))
        return;
    check_object(&c, then, "/then", then_fields);
    check_list(&c, then, "state", NULL, K_STATE);
    check_list(&c, then, "requests", requests_fields, K_OBJECT);
    check_list(&c, then, "every_request", every_fields, K_OBJECT);
    check_list(&c, then, "min_interval_ms", interval_fields, K_OBJECT);
    check_secret_refs(&c, then, "log_must_not_contain");
    check_secret_refs(&c, then, "log_must_contain");
}

/* The fixtures directory of a scenario given none: the nearest
 * "fixtures" folder beside the scenario or above it (a suite carries its
 * fixtures along), else the source tree's. */
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
    snprintf(out, outsz, "%s", KH_DEFAULT_FIXTURES);
}

static char *copy(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);

    if (!d)
        abort();
    memcpy(d, s, n);
    return d;
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
        problem(&p, "", "cannot read: %s", strerror(errno));
        return -1;
    }
    doc = parse(text, len, why, sizeof(why));
    free(text);
    if (!doc) {
        problem(&p, "", "%s", why);
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
    check_doc(&p, doc);
    if (p.count) {
        cJSON_Delete(doc);
        return -1;
    }
    sc = calloc(1, sizeof(*sc));
    if (!sc)
        abort();
    sc->path = copy(path);
    sc->name = copy(kx_json_str(doc, "name"));
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
