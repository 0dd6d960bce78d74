/*
 * Fault rules: parsing and validation, matching, and the firing decision.
 *
 * Every rule whose method and path (a route template or a glob of the
 * concrete path, km_route_select) match a request counts it, so a
 * rule's "nth" and "after" refer to that rule's own matches; of the rules
 * that then fire, the first (in the order added) is applied and only its
 * "fired" count and "times" budget move.
 */
#include <stdio.h>
#include <strings.h>
#include "crypto.h"
#include "server_int.h"

struct km__fault {
    char *method;       /* "*" for any */
    char *path;         /* route template or glob */
    long nth;           /* 0: unset */
    long after;         /* -1: unset */
    long times;         /* 0: unlimited */
    double probability; /* < 0: unset */
    uint64_t rng;
    long matches;
    long fired;
    struct km__fault_hit act; /* fired and index unused here */
};

/* ---- glob -------------------------------------------------------------- */

/* '*' any run (also across '/'), '?' one character, "{x}" one non-empty
 * segment; everything else literally. Iterative, with one backtracking
 * point (the last '*'): what lies between two stars matches in exactly
 * one way at a given place, so taking its leftmost place is never wrong,
 * and the cost is O(pattern x text) where naive backtracking is
 * exponential in the number of stars. */
static int glob_at(const char *p, const char *t)
{
    const char *star_p = NULL, *star_t = NULL, *close;

    for (;;) {
        if (*p == '*') {
            while (*p == '*')
                p++;
            if (!*p)
                return 1;
            star_p = p;
            star_t = t;
            continue;
        }
        if (*p == '{' && (close = strchr(p, '}')) != NULL) {
            size_t seg = strcspn(t, "/");

            if (seg > 0) {
                p = close + 1;
                t += seg;
                continue;
            }
        } else if (*p && *t && (*p == '?' || *p == *t)) {
            p++;
            t++;
            continue;
        } else if (!*p && !*t) {
            return 1;
        }
        /* a mismatch: the last star takes one more character */
        if (!star_p || !*star_t)
            return 0;
        p = star_p;
        t = ++star_t;
    }
}

int km_glob_match(const char *pattern, const char *text)
{
    return glob_at(pattern, text);
}

/* A template names a parameter and has no glob characters. */
static int is_template(const char *path_sel)
{
    const char *open = strchr(path_sel, '{');

    return open && strchr(open, '}') && !strpbrk(path_sel, "*?");
}

int km_route_select(const char *method_sel, const char *path_sel,
                    const char *method, const char *path, const char *template)
{
    if (strcmp(method_sel, "*") != 0 && strcasecmp(method_sel, method) != 0)
        return 0;
    if (is_template(path_sel))
        return template && strcmp(path_sel, template) == 0;
    return km_glob_match(path_sel, path);
}

/* ---- parsing ----------------------------------------------------------- */

static const char *const rule_keys[] = {
    "route",    "method",      "path", "nth",    "every",   "after",
    "times",    "probability", "seed", "status", "headers", "body",
    "delay_ms", "action",      "args", NULL};

static void rule_free(struct km__fault *f)
{
    if (!f)
        return;
    free(f->method);
    free(f->path);
    km__fault_hit_dispose(&f->act);
    free(f);
}

/* An integer in [min, max] stored as a JSON number. */
static int get_int(long *out, const cJSON *rule, const char *key, long min,
                   long max, int *present)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(rule, key);

    *present = v != NULL;
    if (!v)
        return 0;
    if (!cJSON_IsNumber(v) || v->valuedouble < (double)min ||
        v->valuedouble > (double)max ||
        v->valuedouble != (double)(long)v->valuedouble)
        return -1;
    *out = (long)v->valuedouble;
    return 0;
}

#define FAIL(...)                                                              \
    do {                                                                       \
        snprintf(msg, msgsz, __VA_ARGS__);                                     \
        goto fail;                                                             \
    } while (0)

static int parse_match(struct km__fault *f, const cJSON *rule, char *msg,
                       size_t msgsz)
{
    const cJSON *route = cJSON_GetObjectItemCaseSensitive(rule, "route");
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(rule, "method");
    const cJSON *path = cJSON_GetObjectItemCaseSensitive(rule, "path");

    if (route && (method || path))
        FAIL("key \"route\" cannot be combined with \"method\"/\"path\"");
    if (route) {
        const char *sp;
        if (!cJSON_IsString(route) || !(sp = strchr(route->valuestring, ' ')))
            FAIL("key \"route\" must be a string \"METHOD /path\" (a route "
                 "template or a glob)");
        f->method =
            kx_xstrndup(route->valuestring, (size_t)(sp - route->valuestring));
        while (*sp == ' ')
            sp++;
        f->path = kx_xstrdup(sp);
        if (!f->method[0] || !f->path[0])
            FAIL("key \"route\" must be a string \"METHOD /path\" (a route "
                 "template or a glob)");
        return 0;
    }
    if (method && (!cJSON_IsString(method) || !method->valuestring[0]))
        FAIL("key \"method\" must be a non-empty string");
    if (path && (!cJSON_IsString(path) || !path->valuestring[0]))
        FAIL("key \"path\" must be a non-empty string");
    f->method = kx_xstrdup(method ? method->valuestring : "*");
    f->path = kx_xstrdup(path ? path->valuestring : "*");
    return 0;
fail:
    return -1;
}

static int parse_when(struct km__fault *f, const cJSON *rule, char *msg,
                      size_t msgsz)
{
    const cJSON *every = cJSON_GetObjectItemCaseSensitive(rule, "every");
    const cJSON *prob = cJSON_GetObjectItemCaseSensitive(rule, "probability");
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(rule, "seed");
    long seedv = 0;
    int has_nth, has_after, has_times, has_seed;

    if (get_int(&f->nth, rule, "nth", 1, 1000000000L, &has_nth))
        FAIL("key \"nth\" must be an integer >= 1");
    if (get_int(&f->after, rule, "after", 0, 1000000000L, &has_after))
        FAIL("key \"after\" must be an integer >= 0");
    if (!has_after)
        f->after = -1;
    if (get_int(&f->times, rule, "times", 1, 1000000000L, &has_times))
        FAIL("key \"times\" must be an integer >= 1");
    if (every && !cJSON_IsBool(every))
        FAIL("key \"every\" must be true or false");
    if (has_nth && (has_after || cJSON_IsTrue(every)))
        FAIL("key \"nth\" cannot be combined with \"every\" or \"after\"");
    f->probability = -1;
    if (prob) {
        if (!cJSON_IsNumber(prob) || prob->valuedouble < 0 ||
            prob->valuedouble > 1)
            FAIL("key \"probability\" must be a number from 0 to 1");
        f->probability = prob->valuedouble;
    }
    if (get_int(&seedv, rule, "seed", 0, 2147483647L, &has_seed))
        FAIL("key \"seed\" must be a non-negative integer");
    if (seed && !prob)
        FAIL("key \"seed\" needs \"probability\"");
    f->rng = (uint64_t)seedv;
    return 0;
fail:
    return -1;
}

static int parse_headers(struct km__fault *f, const cJSON *headers, char *msg,
                         size_t msgsz)
{
    const cJSON *h;

    if (!cJSON_IsObject(headers))
        FAIL("key \"headers\" must be an object of strings");
    cJSON_ArrayForEach(h, headers)
    {
        if (!cJSON_IsString(h) || !h->string[0])
            FAIL("key \"headers\" must be an object of strings (\"%s\")",
                 h->string);
        km__kvs_add(&f->act.headers, h->string, strlen(h->string),
                    h->valuestring, strlen(h->valuestring));
    }
    return 0;
fail:
    return -1;
}

static int parse_act(struct km__fault *f, const cJSON *rule, char *msg,
                     size_t msgsz)
{
    const cJSON *headers = cJSON_GetObjectItemCaseSensitive(rule, "headers");
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(rule, "body");
    const cJSON *delay = cJSON_GetObjectItemCaseSensitive(rule, "delay_ms");
    const cJSON *action = cJSON_GetObjectItemCaseSensitive(rule, "action");
    long status = 0;
    int has_status;
    const char *a;

    if (get_int(&status, rule, "status", 100, 599, &has_status))
        FAIL("key \"status\" must be an integer from 100 to 599");
    f->act.status = (int)status;
    if ((headers || body) && !has_status)
        FAIL("key \"%s\" needs \"status\"", headers ? "headers" : "body");
    if (headers && parse_headers(f, headers, msg, msgsz))
        goto fail;
    if (cJSON_IsString(body)) {
        f->act.body = kx_xstrdup(body->valuestring);
    } else if (body) {
        f->act.body = cJSON_PrintUnformatted(body);
        if (!f->act.body)
            abort();
        f->act.body_is_json = 1;
    }
    f->act.body_len = f->act.body ? strlen(f->act.body) : 0;
    if (cJSON_GetObjectItemCaseSensitive(rule, "args") &&
        !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(rule, "args")))
        FAIL("key \"args\" must be an object");
    f->act.delay_ms = -1;
    if (delay) {
        if (!cJSON_IsNumber(delay) || delay->valuedouble < 0 ||
            delay->valuedouble > 1e12)
            FAIL("key \"delay_ms\" must be a non-negative number");
        f->act.delay_ms = (int64_t)delay->valuedouble;
    }
    if (action) {
        if (!cJSON_IsString(action) || !action->valuestring[0])
            FAIL("key \"action\" must be a non-empty string");
        a = action->valuestring;
        f->act.action = kx_xstrdup(a);
        f->act.kind = strcmp(a, "reset") == 0       ? KM__FAULT_RESET
                      : strcmp(a, "truncate") == 0  ? KM__FAULT_TRUNCATE
                      : strcmp(a, "malformed") == 0 ? KM__FAULT_MALFORMED
                      : strcmp(a, "hang") == 0      ? KM__FAULT_HANG
                                                    : KM__FAULT_EMULATOR;
        if (has_status &&
            (f->act.kind == KM__FAULT_RESET || f->act.kind == KM__FAULT_HANG))
            FAIL("key \"status\" cannot be combined with action \"%s\"", a);
    }
    if (!has_status && !delay && !action)
        FAIL("rule does nothing: give \"status\", \"delay_ms\" or \"action\"");
    return 0;
fail:
    return -1;
}

/* The journal's description of what the rule does, e.g. "status 429" or
 * "delay_ms 1500 + status 503". */
static void describe(struct km__fault *f)
{
    char *d = f->act.desc;
    size_t n = sizeof(f->act.desc), used = 0;

    d[0] = '\0';
    if (f->act.delay_ms >= 0)
        used +=
            (size_t)snprintf(d, n, "delay_ms %lld", (long long)f->act.delay_ms);
    if (f->act.action && used < n)
        used += (size_t)snprintf(d + used, n - used, "%s%s", used ? " + " : "",
                                 f->act.action);
    if (f->act.status && used < n)
        snprintf(d + used, n - used, "%sstatus %d", used ? " + " : "",
                 f->act.status);
}

static struct km__fault *rule_parse(const cJSON *rule, char *msg, size_t msgsz)
{
    struct km__fault *f = kx_xcalloc(1, sizeof(*f));
    const cJSON *item;
    size_t k;

    if (!cJSON_IsObject(rule))
        FAIL("must be an object");
    cJSON_ArrayForEach(item, rule)
    {
        for (k = 0; rule_keys[k] && strcmp(rule_keys[k], item->string); k++)
            ;
        if (!rule_keys[k])
            FAIL("unknown key \"%s\"", item->string);
    }
    if (parse_match(f, rule, msg, msgsz) || parse_when(f, rule, msg, msgsz) ||
        parse_act(f, rule, msg, msgsz))
        goto fail;
    f->act.rule = cJSON_Duplicate(rule, 1);
    if (!f->act.rule)
        abort();
    describe(f);
    return f;
fail:
    rule_free(f);
    return NULL;
}

int km_server_faults_add(struct km_server *server, const cJSON *rules,
                         char *err, size_t errsz)
{
    int is_array = cJSON_IsArray(rules);
    int n = is_array ? cJSON_GetArraySize(rules) : 1;
    struct km__fault **parsed;
    char msg[200];

    if (errsz)
        err[0] = '\0';
    if (!rules || (!is_array && !cJSON_IsObject(rules))) {
        snprintf(err, errsz, "%s: faults must be an object or an array",
                 server->name);
        return -1;
    }
    parsed = kx_xcalloc((size_t)n, sizeof(*parsed));
    for (int i = 0; i < n; i++) {
        parsed[i] = rule_parse(is_array ? cJSON_GetArrayItem(rules, i) : rules,
                               msg, sizeof(msg));
        if (!parsed[i]) {
            snprintf(err, errsz, "%s: faults[%d]: %s", server->name, i, msg);
            for (int j = 0; j < i; j++)
                rule_free(parsed[j]);
            free(parsed);
            return -1;
        }
    }
    pthread_mutex_lock(&server->faults_lock);
    server->faults = kx_xrealloc(server->faults, (server->nfaults + (size_t)n) *
                                                     sizeof(*parsed));
    memcpy(server->faults + server->nfaults, parsed,
           (size_t)n * sizeof(*parsed));
    server->nfaults += (size_t)n;
    pthread_mutex_unlock(&server->faults_lock);
    free(parsed);
    return 0;
}

void km__faults_free(struct km_server *server)
{
    for (size_t i = 0; i < server->nfaults; i++)
        rule_free(server->faults[i]);
    free(server->faults);
    server->faults = NULL;
    server->nfaults = 0;
}

void km_server_faults_clear(struct km_server *server)
{
    pthread_mutex_lock(&server->faults_lock);
    km__faults_free(server);
    pthread_mutex_unlock(&server->faults_lock);
}

cJSON *km_server_faults_fired(struct km_server *server)
{
    cJSON *arr = cJSON_CreateArray(), *num;

    if (!arr)
        abort();
    pthread_mutex_lock(&server->faults_lock);
    for (size_t i = 0; i < server->nfaults; i++) {
        num = cJSON_CreateNumber((double)server->faults[i]->fired);
        if (!num || !cJSON_AddItemToArray(arr, num))
            abort();
    }
    pthread_mutex_unlock(&server->faults_lock);
    return arr;
}

/* ---- firing ------------------------------------------------------------ */

/* Counts one match and says whether the rule fires on it. */
static int rule_fires(struct km__fault *f)
{
    f->matches++;
    if (f->times && f->fired >= f->times)
        return 0;
    if (f->nth && f->matches != f->nth)
        return 0;
    if (f->after >= 0 && f->matches <= f->after)
        return 0;
    if (f->probability >= 0) {
        uint64_t draw = km__rng_below(&f->rng, 1000000);
        if ((double)draw >= f->probability * 1000000.0)
            return 0;
    }
    return 1;
}

static void hit_copy(struct km__fault_hit *hit, const struct km__fault *f,
                     int index)
{
    hit->fired = 1;
    hit->index = index;
    hit->status = f->act.status;
    for (size_t i = 0; i < f->act.headers.n; i++)
        km__kvs_add(&hit->headers, f->act.headers.v[i].name,
                    strlen(f->act.headers.v[i].name), f->act.headers.v[i].value,
                    strlen(f->act.headers.v[i].value));
    hit->body = kx_xstrdup(f->act.body);
    hit->body_len = f->act.body_len;
    hit->body_is_json = f->act.body_is_json;
    hit->delay_ms = f->act.delay_ms;
    hit->kind = f->act.kind;
    hit->action = kx_xstrdup(f->act.action);
    hit->rule = cJSON_Duplicate(f->act.rule, 1);
    if (!hit->rule)
        abort();
    memcpy(hit->desc, f->act.desc, sizeof(hit->desc));
}

void km__faults_pick(struct km_server *server, const char *method,
                     const char *path, const char *template,
                     struct km__fault_hit *hit)
{
    memset(hit, 0, sizeof(*hit));
    hit->delay_ms = -1;
    pthread_mutex_lock(&server->faults_lock);
    for (size_t i = 0; i < server->nfaults; i++) {
        struct km__fault *f = server->faults[i];

        if (!km_route_select(f->method, f->path, method, path, template))
            continue;
        if (rule_fires(f) && !hit->fired) {
            f->fired++;
            hit_copy(hit, f, (int)i);
        }
    }
    pthread_mutex_unlock(&server->faults_lock);
}

void km__fault_hit_dispose(struct km__fault_hit *hit)
{
    km__kvs_dispose(&hit->headers);
    free(hit->body);
    free(hit->action);
    cJSON_Delete(hit->rule);
    hit->body = hit->action = NULL;
    hit->rule = NULL;
}
