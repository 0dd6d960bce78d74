/*
 * The "static" emulator: canned replies configured as data, for walking
 * skeletons and for testing the harness itself.
 *
 * Config (declared in st_config_keys below): {"routes": [{"route":
 * "GET /ping", "status": 200, "headers": {"X-A": "1"}, "body": "pong" |
 * <JSON>}], "echo": false}. A route's path may use "{name}" segments and a
 * trailing '*' like any km_route. With "echo" on, a request no route matches is
 * answered 200 with a JSON description of itself; otherwise 404.
 */
#include <stdio.h>
#include "common/server_int.h"
#include "kinmock/config.h"
#include "kinmock/emulator.h"

extern const struct km_emulator_type km_static_type;

struct st_route {
    char *key; /* "GET /ping", as configured */
    char *method;
    char *pattern;
    int status;
    struct km__kvs headers;
    char *body;
    size_t len;
    const char *content_type;
    long hits;
};

struct st_state {
    struct st_route *routes;
    size_t n;
    int echo;
    long unmatched;
};

static void route_dispose(struct st_route *r)
{
    free(r->key);
    free(r->method);
    free(r->pattern);
    km__kvs_dispose(&r->headers);
    free(r->body);
    memset(r, 0, sizeof(*r));
}

static void st_free(void *state)
{
    struct st_state *st = state;

    if (!st)
        return;
    for (size_t i = 0; i < st->n; i++)
        route_dispose(&st->routes[i]);
    free(st->routes);
    free(st);
}

#define FAIL(...)                                                              \
    do {                                                                       \
        snprintf(err, errsz, __VA_ARGS__);                                     \
        goto fail;                                                             \
    } while (0)

static int route_parse(struct st_route *r, const cJSON *obj, const char *where,
                       char *err, size_t errsz)
{
    const cJSON *item, *route, *status, *headers, *body;
    const char *sp;

    memset(r, 0, sizeof(*r));
    if (!cJSON_IsObject(obj))
        FAIL("%s must be an object", where);
    cJSON_ArrayForEach(item, obj)
    {
        if (strcmp(item->string, "route") && strcmp(item->string, "status") &&
            strcmp(item->string, "headers") && strcmp(item->string, "body"))
            FAIL("%s: unknown key \"%s\"", where, item->string);
    }
    route = cJSON_GetObjectItemCaseSensitive(obj, "route");
    if (!cJSON_IsString(route) || !(sp = strchr(route->valuestring, ' ')) ||
        sp == route->valuestring || sp[1] != '/')
        FAIL("%s: key \"route\" must be \"METHOD /path\"", where);
    r->key = kx_xstrdup(route->valuestring);
    r->method =
        kx_xstrndup(route->valuestring, (size_t)(sp - route->valuestring));
    r->pattern = kx_xstrdup(sp + 1);
    r->status = 200;
    status = cJSON_GetObjectItemCaseSensitive(obj, "status");
    if (status) {
        if (!cJSON_IsNumber(status) || status->valuedouble < 100 ||
            status->valuedouble > 599 ||
            status->valuedouble != (double)status->valueint)
            FAIL("%s: key \"status\" must be an integer from 100 "
                 "to 599",
                 where);
        r->status = status->valueint;
    }
    headers = cJSON_GetObjectItemCaseSensitive(obj, "headers");
    if (headers && !cJSON_IsObject(headers))
        FAIL("%s: key \"headers\" must be an object", where);
    cJSON_ArrayForEach(item, headers)
    {
        if (!cJSON_IsString(item))
            FAIL("%s: key \"headers\" must hold strings (\"%s\")", where,
                 item->string);
        km__kvs_add(&r->headers, item->string, strlen(item->string),
                    item->valuestring, strlen(item->valuestring));
    }
    body = cJSON_GetObjectItemCaseSensitive(obj, "body");
    if (cJSON_IsString(body)) {
        r->body = kx_xstrdup(body->valuestring);
        r->content_type = "text/plain; charset=utf-8";
    } else if (body) {
        r->body = cJSON_PrintUnformatted(body);
        if (!r->body)
            abort();
        r->content_type = "application/json";
    }
    r->len = r->body ? strlen(r->body) : 0;
    return 0;
fail:
    route_dispose(r);
    return -1;
}

static struct st_route *route_by_key(struct st_state *st, const char *key)
{
    for (size_t i = 0; i < st->n; i++) {
        if (strcmp(st->routes[i].key, key) == 0)
            return &st->routes[i];
    }
    return NULL;
}

/* "routes": each item a route, no route given twice. */
static int set_routes(void *state, const cJSON *routes, char *err, size_t errsz)
{
    struct st_state *st = state;
    const cJSON *item;
    char where[32];
    int i = 0;

    st->routes =
        kx_xcalloc((size_t)cJSON_GetArraySize(routes) + 1, sizeof(*st->routes));
    cJSON_ArrayForEach(item, routes)
    {
        snprintf(where, sizeof(where), "item %d", i++);
        if (route_parse(&st->routes[st->n], item, where, err, errsz))
            return -1;
        if (route_by_key(st, st->routes[st->n].key)) {
            snprintf(err, errsz, "%s: route \"%s\" given twice", where,
                     st->routes[st->n].key);
            route_dispose(&st->routes[st->n]);
            return -1;
        }
        st->n++;
    }
    return 0;
}

static int set_echo(void *state, const cJSON *echo, char *err, size_t errsz)
{
    (void)err;
    (void)errsz;
    ((struct st_state *)state)->echo = cJSON_IsTrue(echo);
    return 0;
}

static const struct km_config_key st_route_keys[] = {
    {KM_CONFIG_KEY("route", KM_CONFIG_STRING, NULL,
                   "\"METHOD /path\" (required): the method or '*', the path "
                   "with \"{name}\" segments and a trailing '*' allowed.",
                   NULL),
     .schema = "{\"pattern\": \"^[^ ]+ /\"}"},
    {KM_CONFIG_KEY("status", KM_CONFIG_INTEGER, "200", "The reply's status.",
                   NULL),
     .schema = "{\"minimum\": 100, \"maximum\": 599}"},
    {KM_CONFIG_KEY("headers", KM_CONFIG_OBJECT, NULL,
                   "The reply's headers, name to string value; a "
                   "Content-Type here wins.",
                   NULL),
     .schema = "{\"additionalProperties\": {\"type\": \"string\"}}"},
    {KM_CONFIG_KEY("body", KM_CONFIG_ANY, NULL,
                   "The reply's body: a string as text/plain, any other JSON "
                   "printed compactly as application/json.",
                   NULL)},
};

static const struct km_config_key st_config_keys[] = {
    {KM_CONFIG_KEY("routes", KM_CONFIG_ARRAY, "[]",
                   "Canned replies; the first route that matches answers.",
                   set_routes),
     KM_CONFIG_MEMBERS(st_route_keys)},
    {KM_CONFIG_KEY("echo", KM_CONFIG_BOOLEAN, "false",
                   "Answer a request no route matches with 200 and a JSON "
                   "description of it instead of 404.",
                   set_echo)},
};

static int st_new(void **state, const cJSON *config, struct ks_clock *clock,
                  char *err, size_t errsz)
{
    struct st_state *st = kx_xcalloc(1, sizeof(*st));

    (void)clock;
    *state = NULL;
    if (km_config_apply(st, &km_static_type, config, "", err, errsz)) {
        st_free(st);
        return -1;
    }
    *state = st;
    return 0;
}

static void echo_reply(struct km_response *res, const struct km_request *req)
{
    const struct km__request_impl *ri = req->impl;
    cJSON *o = cJSON_CreateObject(), *h = cJSON_CreateObject();

    if (!o || !h)
        abort();
    for (size_t i = 0; i < ri->headers.n; i++) {
        if (!cJSON_AddStringToObject(h, ri->headers.v[i].name,
                                     ri->headers.v[i].value))
            abort();
    }
    if (!cJSON_AddStringToObject(o, "method", req->method) ||
        !cJSON_AddStringToObject(o, "path", req->path) ||
        !cJSON_AddStringToObject(o, "query", req->query) ||
        !cJSON_AddItemToObject(o, "headers", h) ||
        !cJSON_AddStringToObject(o, "body", req->body))
        abort();
    km_response_json(res, 200, o);
}

static void st_dispatch(struct km_response *res, const struct km_request *req,
                        void *state)
{
    struct st_state *st = state;
    struct km__captures caps;
    char msg[600];

    for (size_t i = 0; i < st->n; i++) {
        struct st_route *r = &st->routes[i];

        if (strcmp(r->method, "*") && strcmp(r->method, req->method))
            continue;
        if (!km__route_match(r->pattern, req->path, 0, &caps))
            continue;
        km__captures_dispose(&caps);
        r->hits++;
        km_response_set(res, r->status, r->content_type, r->body, r->len);
        for (size_t h = 0; h < r->headers.n; h++)
            km_response_header(res, r->headers.v[h].name,
                               r->headers.v[h].value);
        return;
    }
    st->unmatched++;
    if (st->echo) {
        echo_reply(res, req);
        return;
    }
    snprintf(msg, sizeof(msg), "no route for %s %s", req->method, req->path);
    km__response_error(res, 404, msg);
}

static cJSON *st_snapshot(void *state)
{
    struct st_state *st = state;
    cJSON *snap = cJSON_CreateObject(), *hits = cJSON_CreateObject();

    if (!snap || !hits)
        abort();
    for (size_t i = 0; i < st->n; i++) {
        if (!cJSON_AddNumberToObject(hits, st->routes[i].key,
                                     (double)st->routes[i].hits))
            abort();
    }
    if (!cJSON_AddItemToObject(snap, "hits", hits) ||
        !cJSON_AddNumberToObject(snap, "unmatched", (double)st->unmatched))
        abort();
    return snap;
}

/* "set_route" {route object}: replaces the route with the same "route"
 * string (keeping its hit count) or adds it last. Result:
 * {"replaced": bool}. */
static int st_act(void *state, const char *action, const cJSON *args,
                  cJSON **result, char *err, size_t errsz)
{
    struct st_state *st = state;
    struct st_route r, *old;
    cJSON *out;

    *result = NULL;
    if (strcmp(action, "set_route") != 0) {
        snprintf(err, errsz, "static: unknown action \"%s\"", action);
        return -1;
    }
    if (route_parse(&r, args, "set_route", err, errsz))
        return -1;
    old = route_by_key(st, r.key);
    out = cJSON_CreateObject();
    if (!out || !cJSON_AddBoolToObject(out, "replaced", old != NULL))
        abort();
    if (old) {
        r.hits = old->hits;
        route_dispose(old);
        *old = r;
    } else {
        st->routes = kx_xrealloc(st->routes, (st->n + 1) * sizeof(r));
        st->routes[st->n++] = r;
    }
    *result = out;
    return 0;
}

static const struct km_route st_routes[] = {
    {"*", "*", st_dispatch},
};

const struct km_emulator_type km_static_type = {
    .name = "static",
    .config = st_config_keys,
    .nconfig = sizeof(st_config_keys) / sizeof(st_config_keys[0]),
    .state_new = st_new,
    .state_free = st_free,

    .routes = st_routes,
    .nroutes = sizeof(st_routes) / sizeof(st_routes[0]),

    .snapshot = st_snapshot,
    .act = st_act,
};
