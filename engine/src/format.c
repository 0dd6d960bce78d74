/*
 * The scenario format: every member of a loaded document checked against
 * the rules of scenarios/README.md (and scenario.schema.json), plus the
 * ones a schema cannot see (a system configured in given, a known job and
 * its options, a $secret reference that resolves), collecting one line
 * per problem with its JSON pointer. The loader (scenario.c) reads,
 * resolves fixtures and calls kh__check_format.
 */
#include <stdio.h>
#include <string.h>
#include <kinmock/config.h>
#include "format_int.h"
#include "scenario_int.h"

static void check_object(struct checker *c, const cJSON *obj,
                         const char *pointer, const struct field *fields);

static int is_route(const char *s)
{
    const char *sp = strchr(s, ' ');

    return sp && sp > s && sp[1] == '/';
}

void kh__format_value(struct checker *c, const cJSON *v, enum kind kind,
                      const char *pointer)
{
    struct problems *p = c->p;
    const cJSON *item;
    ks_rc rc;

    switch (kind) {
    case K_STRING:
        if (!cJSON_IsString(v))
            kh__problem(p, pointer, "must be a string");
        break;
    case K_NUMBER:
        if (!cJSON_IsNumber(v) || v->valuedouble < 0)
            kh__problem(p, pointer, "must be a number, zero or more");
        break;
    case K_BOOL:
        if (!cJSON_IsBool(v))
            kh__problem(p, pointer, "must be true or false");
        break;
    case K_OBJECT:
        if (!cJSON_IsObject(v))
            kh__problem(p, pointer, "must be an object");
        break;
    case K_ARRAY:
        if (!cJSON_IsArray(v))
            kh__problem(p, pointer, "must be an array");
        break;
    case K_ANY:
        break;
    case K_STRINGS:
        if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0) {
            kh__problem(p, pointer, "must be a non-empty array of strings");
            break;
        }
        cJSON_ArrayForEach(item, v)
        {
            if (!cJSON_IsString(item)) {
                kh__problem(p, pointer, "must hold only strings");
                break;
            }
        }
        break;
    case K_POINTERS:
        kh__format_pointer_map(c, v, pointer);
        break;
    case K_RC:
        if (!cJSON_IsString(v) || ks_rc_from_name(&rc, v->valuestring) != 0)
            kh__problem(p, pointer,
                        "must name a result code such as \"OK\" or \"EAUTH\"");
        break;
    case K_SYSTEM:
        if (!cJSON_IsString(v))
            kh__problem(p, pointer, "must be a string naming a system");
        else if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(
                     c->given, v->valuestring)) ||
                 !km_emulator_type_find(v->valuestring))
            kh__problem(p, pointer,
                        "system \"%s\" is not an emulator configured in /given",
                        v->valuestring);
        break;
    case K_JOB:
        if (!cJSON_IsString(v))
            kh__problem(p, pointer, "must be a string naming a job");
        else if (!kh__job_find(v->valuestring))
            kh__problem(p, pointer,
                        "unknown job \"%s\" (`kinsync check --list-jobs` lists "
                        "them)",
                        v->valuestring);
        break;
    case K_ROUTE:
        if (!cJSON_IsString(v) || !is_route(v->valuestring))
            kh__problem(p, pointer,
                        "must be \"METHOD /path\", e.g. \"GET /v3/catalog/*\"");
        break;
    case K_STATES:
        kh__format_states(c, v, pointer);
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
            kh__problem(c->p, here, "unknown key \"%s\"", member->string);
        else
            kh__format_value(c, member, f->kind, here);
    }
    for (const struct field *f = fields; f->name; f++) {
        if (f->required && !cJSON_GetObjectItemCaseSensitive(obj, f->name))
            kh__problem(c->p, pointer, "missing \"%s\"", f->name);
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
      {"expect_result", K_POINTERS, 0}}},
    {"integration",
     {{"job", K_JOB, 1},
      {"options", K_OBJECT, 0},
      {"expect_rc", K_RC, 0},
      {"expect_result", K_POINTERS, 0},
      {"timeout_ms", K_NUMBER, 0}}},
    {"integration.start",
     {{"job", K_STRING, 1}, /* check_background: the background jobs */
      {"options", K_OBJECT, 0},
      {"timeout_ms", K_NUMBER, 0}}},
    {"integration.stop", {{"until", K_STATES, 0}}},
    {"clock.advance", {{"ms", K_NUMBER, 1}}},
    {"act",
     {{"system", K_SYSTEM, 1},
      {"action", K_STRING, 1},
      {"args", K_OBJECT, 0},
      {"expect_result", K_POINTERS, 0}}},
    {"webhooks.pump", {{"system", K_SYSTEM, 0}}},
    {"http.request",
     {{"system", K_STRING, 1}, /* check_background: or "integration" */
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
     {{"until", K_STATES, 1},
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
        kh__problem(c->p, here, "job %s takes no option \"%s\" (it takes%s%s)",
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
        kh__problem(c->p, pointer, "a step must be an object");
        return;
    }
    if (!kind) {
        kh__problem(c->p, pointer, "missing \"do\" (the kind of step)");
        return;
    }
    for (size_t i = 0; i < sizeof(step_shapes) / sizeof(step_shapes[0]); i++) {
        if (strcmp(step_shapes[i].kind, kind) == 0)
            shape = &step_shapes[i];
    }
    if (!shape) {
        kh__problem(
            c->p, pointer,
            "unknown step \"%s\" (known: run, integration, "
            "integration.start, integration.stop, clock.advance, act, "
            "webhooks.pump, http.request, exec, faults.set, faults.clear, "
            "wait, connector.restart)",
            kind);
        return;
    }
    fields[n++] = (struct field){"do", K_STRING, 1};
    fields[n++] = (struct field){"comment", K_STRING, 0};
    for (const struct field *f = shape->fields; f->name; f++)
        fields[n++] = *f;
    fields[n] = (struct field){NULL, K_ANY, 0};
    check_object(c, step, pointer, fields);
    if (strcmp(kind, "run") == 0 || strncmp(kind, "integration", 11) == 0)
        check_options(c, step, pointer);
}

/*
 * integration.start and integration.stop pair up: one integration runs
 * at a time, a stop needs a running one, and the background job is
 * sync.orders (order webhooks) or oee.events (Epicor's job events): what
 * the reference connector can do in the background under kinsync check.
 * One left running is stopped at the scenario's end. An http.request to
 * system "integration" goes to the running one's receiver.
 */
static void check_background(struct checker *c, const cJSON *when)
{
    const cJSON *step;
    size_t i = 0;
    long running = -1;

    cJSON_ArrayForEach(step, when)
    {
        const char *kind = kx_json_str(step, "do");
        const char *job = kx_json_str(step, "job");
        char here[64];

        snprintf(here, sizeof(here), "/when/%zu", i);
        if (kind && strcmp(kind, "integration.start") == 0) {
            if (running >= 0)
                kh__problem(c->p, here,
                            "an integration started at /when/%ld still runs: "
                            "stop it first (integration.stop)",
                            running);
            if (job && strcmp(job, "sync.orders") != 0 &&
                strcmp(job, "oee.events") != 0)
                kh__problem(c->p, here,
                            "integration.start runs job sync.orders (order "
                            "webhooks received until it stops) or oee.events "
                            "(Epicor's job events), not \"%s\"",
                            job);
            if (job && strcmp(job, "oee.events") == 0 &&
                cJSON_GetArraySize(
                    cJSON_GetObjectItemCaseSensitive(step, "options")) > 0)
                kh__problem(c->p, here,
                            "oee.events takes no options (given.connector.oee "
                            "configures it)");
            running = (long)i;
        } else if (kind && strcmp(kind, "http.request") == 0) {
            const cJSON *sys = cJSON_GetObjectItemCaseSensitive(step, "system");
            char at[80];

            snprintf(at, sizeof(at), "%s/system", here);
            if (sys && (!cJSON_IsString(sys) ||
                        strcmp(sys->valuestring, "integration") != 0))
                kh__format_value(c, sys, K_SYSTEM, at);
            else if (running < 0)
                kh__problem(c->p, at,
                            "\"integration\" is the receiver of a running "
                            "integration: none runs here (integration.start "
                            "comes first)");
        } else if (kind && strcmp(kind, "integration.stop") == 0) {
            if (running < 0)
                kh__problem(c->p, here,
                            "no integration runs here: integration.stop "
                            "follows an integration.start");
            running = -1;
        }
        i++;
    }
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
static const struct field interval_fields[] = {{"system", K_SYSTEM, 1},
                                               {"route", K_ROUTE, 1},
                                               {"at_least", K_NUMBER, 1},
                                               {"after_fault", K_BOOL, 0},
                                               {"after_status", K_NUMBER, 0},
                                               {"comment", K_STRING, 0},
                                               {NULL, K_ANY, 0}};
static const struct field then_fields[] = {
    {"state", K_STATES, 0},
    {"requests", K_ARRAY, 0},
    {"every_request", K_ARRAY, 0},
    {"min_interval_ms", K_ARRAY, 0},
    {"log_must_not_contain", K_STRINGS, 0},
    {"log_must_contain", K_STRINGS, 0},
    {"credentials_may_appear", K_OBJECT, 0},
    {"no_secret_in_urls", K_ANY, 0}, /* refused in check_may_appear */
    {NULL, K_ANY, 0}};
static const struct field may_appear_fields[] = {
    {"in", K_STRINGS, 1}, {"reason", K_STRING, 1}, {NULL, K_ANY, 0}};

static void check_list(struct checker *c, const cJSON *then, const char *name,
                       const struct field *fields)
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
        if (!cJSON_IsObject(item))
            kh__problem(c->p, here, "must be an object");
        else
            check_object(c, item, here, fields);
    }
}

/* "$secret:system.key" entries must name a configured string. In
 * log_must_not_contain they are refused: every configured credential is
 * checked by default (credentials.c). */
static void check_secret_refs(struct checker *c, const cJSON *then,
                              const char *name)
{
    const cJSON *conn = cJSON_GetObjectItemCaseSensitive(c->given, "connector");
    int must_not = strcmp(name, "log_must_not_contain") == 0;
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
        if (must_not) {
            kh__problem(
                c->p, here,
                "%s: every configured credential is kept out of the log "
                "and the URLs by default; delete this entry (and keep "
                "log_must_not_contain for other strings)",
                s);
            continue;
        }
        dot = strchr(s + 8, '.');
        if (!dot || (size_t)(dot - s - 8) >= sizeof(system)) {
            kh__problem(c->p, here, "must be \"$secret:system.key\"");
            continue;
        }
        memcpy(system, s + 8, (size_t)(dot - s - 8));
        system[dot - s - 8] = '\0';
        v = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(conn, system), dot + 1);
        if (!cJSON_IsString(v))
            kh__problem(c->p, here,
                        "%s: /given/connector/%s/%s is not a configured string",
                        s, system, dot + 1);
    }
}

/* The opt-out of the credential default: {"in": ["log" | "urls" |
 * "journal", ...],
 * "reason": why this scenario needs it}. */
static void check_may_appear(struct checker *c, const cJSON *then)
{
    const cJSON *opt =
        cJSON_GetObjectItemCaseSensitive(then, "credentials_may_appear");
    const char *reason = kx_json_str(opt, "reason");
    const cJSON *where;
    size_t i = 0;

    if (cJSON_GetObjectItemCaseSensitive(then, "no_secret_in_urls"))
        kh__problem(
            c->p, "/then/no_secret_in_urls",
            "is gone: no configured credential may be in a URL (nor in "
            "the log) by default; delete it (\"credentials_may_appear\" "
            "is the opt-out)");
    if (!cJSON_IsObject(opt))
        return;
    check_object(c, opt, "/then/credentials_may_appear", may_appear_fields);
    if (reason && !reason[0])
        kh__problem(c->p, "/then/credentials_may_appear/reason",
                    "must say why the credentials may appear");
    cJSON_ArrayForEach(where, cJSON_GetObjectItemCaseSensitive(opt, "in"))
    {
        char here[128];

        snprintf(here, sizeof(here), "/then/credentials_may_appear/in/%zu",
                 i++);
        if (cJSON_IsString(where) &&
            !lists_word("log urls journal", where->valuestring))
            kh__problem(c->p, here, "must be \"log\", \"urls\" or \"journal\"");
    }
}

/* An emulator's configuration problem (kinmock/config.h) as a loader
 * problem. */
static void config_problem(void *p, const char *pointer, const char *message)
{
    kh__problem(p, pointer, "%s", message);
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

            kh__format_value(c, member, K_OBJECT, here);
            if (cJSON_IsObject(member))
                check_object(c, member, here, clock_fields);
            if (cJSON_IsString(start) &&
                kh__parse_time(&ms, start->valuestring) != 0)
                kh__problem(c->p, "/given/clock/start",
                            "must be an RFC 3339 UTC time such as "
                            "\"2026-01-05T08:00:00Z\"");
        } else if (strcmp(member->string, "connector") == 0) {
            const cJSON *sys;

            kh__format_value(c, member, K_OBJECT, here);
            for (sys = cJSON_IsObject(member) ? member->child : NULL; sys;
                 sys = sys->next) {
                char at[256];

                snprintf(at, sizeof(at), "%s", here);
                kh_json_pointer_append(at, sizeof(at), sys->string);
                kh__format_value(c, sys, K_OBJECT, at);
            }
        } else if (!km_emulator_type_find(member->string)) {
            kh__problem(c->p, here, "unknown emulator \"%s\"", member->string);
        } else if (cJSON_IsObject(member)) {
            km_config_check(km_emulator_type_find(member->string), member, here,
                            config_problem, c->p);
        } else {
            kh__format_value(c, member, K_OBJECT, here);
        }
    }
}

static const struct field top_fields[] = {
    {"name", K_STRING, 1},    {"description", K_STRING, 0},
    {"tags", K_ARRAY, 0},     {"given", K_OBJECT, 1},
    {"when", K_ARRAY, 1},     {"then", K_OBJECT, 0},
    {"$schema", K_STRING, 0}, {"tls", K_BOOL, 0},
    {NULL, K_ANY, 0}};

void kh__check_format(struct problems *p, const cJSON *doc)
{
    struct checker c = {p, cJSON_GetObjectItemCaseSensitive(doc, "given")};
    const cJSON *then = cJSON_GetObjectItemCaseSensitive(doc, "then");
    const cJSON *step, *tag;
    size_t i = 0;

    if (!cJSON_IsObject(doc)) {
        kh__problem(p, "", "a scenario must be a JSON object");
        return;
    }
    check_object(&c, doc, "", top_fields);
    cJSON_ArrayForEach(tag, cJSON_GetObjectItemCaseSensitive(doc, "tags"))
    {
        if (!cJSON_IsString(tag)) {
            kh__problem(p, "/tags", "must hold only strings");
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
    check_background(&c, cJSON_GetObjectItemCaseSensitive(doc, "when"));
    if (!cJSON_IsObject(then))
        return;
    check_object(&c, then, "/then", then_fields);
    check_list(&c, then, "requests", requests_fields);
    check_list(&c, then, "every_request", every_fields);
    check_list(&c, then, "min_interval_ms", interval_fields);
    check_secret_refs(&c, then, "log_must_not_contain");
    check_secret_refs(&c, then, "log_must_contain");
    check_may_appear(&c, then);
}
