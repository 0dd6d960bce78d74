/*
 * The OEE emulator's HTTP API (mocks/src/oee/README.md): authentication
 * by bearer token or API key limited to scopes, work-centre reads over a
 * time window, and what an integration reports (acknowledgements,
 * bindings, summaries, the reason-code dictionary).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include <kx/time.h>
#include "oee_emu.h"

#define API "/api/v1"

/* {"error": {"code", "message"}}: the one error shape of the API. */
static void api_error(struct km_response *res, int status, const char *code,
                      const char *message)
{
    cJSON *o = cJSON_CreateObject(), *e = cJSON_CreateObject();

    if (!o || !e)
        abort();
    cJSON_AddStringToObject(e, "code", code);
    cJSON_AddStringToObject(e, "message", message);
    cJSON_AddItemToObject(o, "error", e);
    km_response_json(res, status, o);
}

static const cJSON *key_of(const struct km__oee_state *st,
                           const struct km_request *req)
{
    const char *auth = km_request_header(req, "Authorization");
    const char *key = km_request_header(req, "X-API-Key");
    const cJSON *it;

    if (auth && strncmp(auth, "Bearer ", 7) == 0)
        key = auth + 7;
    if (!key || !*key)
        return NULL;
    cJSON_ArrayForEach(it, st->api_keys)
    {
        if (strcmp(kx_json_str_or(it, "key", ""), key) == 0)
            return it;
    }
    return NULL;
}

static int key_allows(const cJSON *key, const char *scope)
{
    const cJSON *scopes = kx_json_arr(key, "scopes"), *it;

    if (!scopes)
        return 1;
    cJSON_ArrayForEach(it, scopes)
    {
        if (cJSON_IsString(it) && strcmp(it->valuestring, scope) == 0)
            return 1;
    }
    return 0;
}

/* Every route: a known key (401), a scope that exists (404) and that the
 * key may use (403). */
static int oee_before(struct km_response *res, const struct km_request *req,
                      void *state)
{
    struct km__oee_state *st = state;
    const cJSON *key;
    const char *scope;
    char msg[300];

    if (!req->route)
        return 0;
    key = key_of(st, req);
    if (!key) {
        km_response_header(res, "WWW-Authenticate", "Bearer");
        api_error(res, 401, "unauthorized",
                  "a valid API key is required (Authorization: Bearer KEY "
                  "or X-API-Key)");
        return 1;
    }
    scope = km_request_param(req, "scope");
    if (!scope)
        return 0;
    if (!km__oee_scope(st, scope)) {
        snprintf(msg, sizeof(msg), "no scope \"%s\"", scope);
        api_error(res, 404, "scope_not_found", msg);
        return 1;
    }
    if (!key_allows(key, scope)) {
        snprintf(msg, sizeof(msg), "the key may not use scope \"%s\"", scope);
        api_error(res, 403, "forbidden", msg);
        return 1;
    }
    return 0;
}

static void oee_route_error(struct km_response *res,
                            const struct km_request *req, int status,
                            void *state)
{
    char msg[300];

    (void)state;
    snprintf(msg, sizeof(msg), "%s %s: %s", req->method, req->path,
             status == 405 ? "method not allowed" : "no such endpoint");
    api_error(res, status, status == 405 ? "method_not_allowed" : "not_found",
              msg);
}

/* The body as an object, or NULL after answering 400. */
static cJSON *body_object(struct km_response *res, const struct km_request *req)
{
    cJSON *b = km_request_json(req);

    if (!cJSON_IsObject(b)) {
        cJSON_Delete(b);
        api_error(res, 400, "invalid_json", "the body must be a JSON object");
        return NULL;
    }
    return b;
}

/* The string member name of body, or NULL after answering 400. */
static const char *need_str(struct km_response *res, const cJSON *body,
                            const char *name)
{
    const char *v = kx_json_str(body, name);
    char msg[200];

    if (!v || !*v) {
        snprintf(msg, sizeof(msg), "/%s: required, a non-empty string", name);
        api_error(res, 400, "invalid_field", msg);
    }
    return v && *v ? v : NULL;
}

static int need_int(struct km_response *res, const cJSON *body,
                    const char *name, int64_t min, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);
    char msg[200];

    if (!cJSON_IsNumber(v) ||
        v->valuedouble != (double)(int64_t)v->valuedouble ||
        v->valuedouble < (double)min) {
        snprintf(msg, sizeof(msg), "/%s: required, an integer of %lld or more",
                 name, (long long)min);
        api_error(res, 400, "invalid_field", msg);
        return -1;
    }
    *out = (int64_t)v->valuedouble;
    return 0;
}

static cJSON *find_key(const cJSON *arr, const char *key)
{
    cJSON *it;

    cJSON_ArrayForEach(it, arr)
    {
        if (strcmp(kx_json_str_or(it, "key", ""), key) == 0)
            return it;
    }
    return NULL;
}

/*
 * The one write rule of the API: an object is stored once under its key
 * (201, with "key", "scope", "posts" 1, "received_at"); the same key
 * again answers 200 with the stored object, its "posts" counted.
 */
static void store_once(struct km_response *res, const struct km_request *req,
                       cJSON *arr, const cJSON *body, const char *key)
{
    cJSON *o = find_key(arr, key);
    char iso[KX_ISO8601_MAX];

    if (o) {
        km__storefront_set(o, "posts",
                           cJSON_CreateNumber(kx_json_num(o, "posts", 0) + 1));
        km_response_json(res, 200, cJSON_Duplicate(o, 1));
        return;
    }
    o = cJSON_Duplicate(body, 1);
    kx_iso8601_format(iso, req->now_ms, 0);
    km__storefront_set(o, "key", cJSON_CreateString(key));
    km__storefront_set(o, "scope",
                       cJSON_CreateString(km_request_param(req, "scope")));
    km__storefront_set(o, "posts", cJSON_CreateNumber(1));
    km__storefront_set(o, "received_at", cJSON_CreateString(iso));
    cJSON_AddItemToArray(arr, o);
    km_response_json(res, 201, cJSON_Duplicate(o, 1));
}

static cJSON *public_list(const cJSON *arr, const char *scope)
{
    cJSON *out = cJSON_CreateArray(), *it;

    if (!out)
        abort();
    cJSON_ArrayForEach(it, arr)
    {
        if (!scope || strcmp(kx_json_str_or(it, "scope", ""), scope) == 0)
            cJSON_AddItemToArray(out, cJSON_Duplicate(it, 1));
    }
    return out;
}

static cJSON *wrap(const char *name, cJSON *value)
{
    cJSON *o = cJSON_CreateObject();

    if (!o)
        abort();
    cJSON_AddItemToObject(o, name, value);
    return o;
}

/* ---- reads ----------------------------------------------------------------
 */

static void scopes_list(struct km_response *res, const struct km_request *req,
                        void *state)
{
    struct km__oee_state *st = state;
    const cJSON *key = key_of(st, req);
    cJSON *out = cJSON_CreateArray(), *it;

    if (!out)
        abort();
    cJSON_ArrayForEach(it, st->scopes)
    {
        cJSON *s, *wcs, *w;

        if (!key_allows(key, kx_json_str_or(it, "id", "")))
            continue;
        s = cJSON_Duplicate(it, 1);
        wcs = cJSON_AddArrayToObject(s, "work_centers");
        cJSON_ArrayForEach(w, st->work_centers)
        {
            if (strcmp(kx_json_str_or(w, "scope", ""),
                       kx_json_str_or(it, "id", "")) == 0)
                cJSON_AddItemToArray(
                    wcs, cJSON_CreateString(kx_json_str_or(w, "id", "")));
        }
        cJSON_AddItemToArray(out, s);
    }
    km_response_json(res, 200, wrap("scopes", out));
}

/* The work centre of the route, or NULL after answering 404. */
static cJSON *route_wc(struct km_response *res, const struct km_request *req,
                       struct km__oee_state *st)
{
    const char *scope = km_request_param(req, "scope");
    const char *id = km_request_param(req, "work_center");
    cJSON *w = km__oee_work_center(st, scope, id);
    char msg[300];

    if (!w) {
        snprintf(msg, sizeof(msg), "no work centre \"%s\" in scope \"%s\"", id,
                 scope);
        api_error(res, 404, "work_center_not_found", msg);
    }
    return w;
}

static void wc_get(struct km_response *res, const struct km_request *req,
                   void *state)
{
    cJSON *w = route_wc(res, req, state);

    if (w)
        km_response_json(res, 200, km__oee_work_center_public(w));
}

static int query_time(struct km_response *res, const struct km_request *req,
                      const char *name, int64_t *out)
{
    const char *v = km_request_arg(req, name);
    char msg[200];

    if (!v)
        return 1;
    if (kx_iso8601_parse(out, v, 0) != 0) {
        snprintf(msg, sizeof(msg), "?%s: not an ISO 8601 date-time", name);
        api_error(res, 400, "invalid_query", msg);
        return -1;
    }
    return 0;
}

/* GET .../timeline?from=ISO&to=ISO: what the machine did in (from, to];
 * from is required, to defaults to now. */
static void wc_timeline(struct km_response *res, const struct km_request *req,
                        void *state)
{
    struct km__oee_state *st = state;
    cJSON *w = route_wc(res, req, st);
    int64_t from, to = req->now_ms;
    int rc;

    if (!w)
        return;
    rc = query_time(res, req, "from", &from);
    if (rc > 0)
        api_error(res, 400, "invalid_query", "?from: required");
    if (rc)
        return;
    if (query_time(res, req, "to", &to) < 0)
        return;
    if (to < from) {
        api_error(res, 400, "invalid_query", "?to is before ?from");
        return;
    }
    if (st->max_window_s && to - from > st->max_window_s * 1000) {
        api_error(res, 400, "window_too_long",
                  "the window is longer than the API allows");
        return;
    }
    km_response_json(res, 200, km__oee_timeline(w, from, to, req->now_ms));
}

/* ---- what an integration reports --------------------------------------- */

static void ack_post(struct km_response *res, const struct km_request *req,
                     void *state)
{
    struct km__oee_state *st = state;
    const char *scope = km_request_param(req, "scope");
    cJSON *body = body_object(res, req);
    const char *job, *event;
    char key[600];

    if (!body)
        return;
    if (!(job = need_str(res, body, "job")) ||
        !(event = need_str(res, body, "event")))
        goto out;
    snprintf(key, sizeof(key), "%s/%s/%s", scope, job, event);
    store_once(res, req, st->acks, body, key);
out:
    cJSON_Delete(body);
}

static void acks_list(struct km_response *res, const struct km_request *req,
                      void *state)
{
    struct km__oee_state *st = state;

    km_response_json(
        res, 200,
        wrap("acknowledgements",
             public_list(st->acks, km_request_param(req, "scope"))));
}

/* PUT binding {job, assembly, operation, op_code?, state "running" |
 * "paused", reason?, since?}; DELETE unbinds. Each is logged in order. */
static void binding_put(struct km_response *res, const struct km_request *req,
                        void *state)
{
    struct km__oee_state *st = state;
    cJSON *w = route_wc(res, req, st), *body, *log;
    const char *bstate;
    int64_t asm_seq, opr;

    if (!w || !(body = body_object(res, req)))
        return;
    if (!need_str(res, body, "job") ||
        need_int(res, body, "assembly", 0, &asm_seq) ||
        need_int(res, body, "operation", 1, &opr) ||
        !(bstate = need_str(res, body, "state")))
        goto out;
    if (strcmp(bstate, "running") && strcmp(bstate, "paused")) {
        api_error(res, 400, "invalid_field",
                  "/state: must be \"running\" or \"paused\"");
        goto out;
    }
    km__storefront_set(w, "binding", cJSON_Duplicate(body, 1));
    log = cJSON_Duplicate(body, 1);
    km__storefront_set(log, "scope",
                       cJSON_CreateString(km_request_param(req, "scope")));
    km__storefront_set(
        log, "work_center",
        cJSON_CreateString(km_request_param(req, "work_center")));
    km__storefront_set(log, "action", cJSON_CreateString("bind"));
    cJSON_AddItemToArray(st->bindings, log);
    km_response_json(res, 200, cJSON_Duplicate(body, 1));
out:
    cJSON_Delete(body);
}

static void binding_delete(struct km_response *res,
                           const struct km_request *req, void *state)
{
    struct km__oee_state *st = state;
    cJSON *w = route_wc(res, req, st), *log;

    if (!w)
        return;
    km__storefront_set(w, "binding", cJSON_CreateNull());
    log = cJSON_CreateObject();
    if (!log)
        abort();
    cJSON_AddStringToObject(log, "scope", km_request_param(req, "scope"));
    cJSON_AddStringToObject(log, "work_center",
                            km_request_param(req, "work_center"));
    cJSON_AddStringToObject(log, "action", "unbind");
    cJSON_AddItemToArray(st->bindings, log);
    km_response_set(res, 204, NULL, NULL, 0);
}

static int ratio_ok(const cJSON *body, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);

    return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 1;
}

/* POST summaries: one per (job, assembly, operation) in a scope; the same
 * key again is 200 with the stored one (counted in "posts"), never a
 * second summary. */
static void summary_post(struct km_response *res, const struct km_request *req,
                         void *state)
{
    struct km__oee_state *st = state;
    const char *scope = km_request_param(req, "scope"), *job, *wc;
    static const char *const ratios[] = {"availability", "performance",
                                         "quality", "oee", NULL};
    cJSON *body = body_object(res, req);
    int64_t asm_seq, opr, n;
    char key[600], msg[200];

    if (!body)
        return;
    if (!(job = need_str(res, body, "job")) ||
        need_int(res, body, "assembly", 0, &asm_seq) ||
        need_int(res, body, "operation", 1, &opr) ||
        !(wc = need_str(res, body, "work_center")) ||
        need_int(res, body, "good", 0, &n) ||
        need_int(res, body, "scrap", 0, &n))
        goto out;
    for (size_t i = 0; ratios[i]; i++) {
        if (!ratio_ok(body, ratios[i])) {
            snprintf(msg, sizeof(msg), "/%s: required, a number from 0 to 1",
                     ratios[i]);
            api_error(res, 400, "invalid_field", msg);
            goto out;
        }
    }
    if (!km__oee_work_center(st, scope, wc)) {
        snprintf(msg, sizeof(msg), "/work_center: no \"%s\" in scope \"%s\"",
                 wc, scope);
        api_error(res, 422, "work_center_not_found", msg);
        goto out;
    }
    snprintf(key, sizeof(key), "%s/%s/%lld/%lld", scope, job,
             (long long)asm_seq, (long long)opr);
    store_once(res, req, st->summaries, body, key);
out:
    cJSON_Delete(body);
}

static void summaries_list(struct km_response *res,
                           const struct km_request *req, void *state)
{
    struct km__oee_state *st = state;
    const char *job = km_request_arg(req, "job");
    cJSON *all = public_list(st->summaries, km_request_param(req, "scope"));
    cJSON *out = cJSON_CreateArray(), *it;

    if (!out)
        abort();
    cJSON_ArrayForEach(it, all)
    {
        if (!job || strcmp(kx_json_str_or(it, "job", ""), job) == 0)
            cJSON_AddItemToArray(out, cJSON_Duplicate(it, 1));
    }
    cJSON_Delete(all);
    km_response_json(res, 200, wrap("summaries", out));
}

/* PUT reason-codes {"codes": [{code, type "scrap"|"downtime",
 * description}]}: replaces the scope's dictionary. */
static void reasons_put(struct km_response *res, const struct km_request *req,
                        void *state)
{
    struct km__oee_state *st = state;
    const char *scope = km_request_param(req, "scope");
    cJSON *body = body_object(res, req), *codes, *it;
    char msg[200];
    int i = 0;

    if (!body)
        return;
    codes = kx_json_arr(body, "codes");
    if (!cJSON_IsArray(codes)) {
        api_error(res, 400, "invalid_field", "/codes: required, an array");
        goto out;
    }
    cJSON_ArrayForEach(it, codes)
    {
        const char *type = kx_json_str(it, "type");

        if (!kx_json_str(it, "code") || !*kx_json_str(it, "code") || !type ||
            (strcmp(type, "scrap") && strcmp(type, "downtime"))) {
            snprintf(msg, sizeof(msg),
                     "/codes/%d: needs \"code\" and \"type\" (scrap or "
                     "downtime)",
                     i);
            api_error(res, 400, "invalid_field", msg);
            goto out;
        }
        i++;
    }
    km__storefront_set(st->reason_codes, scope, cJSON_Duplicate(codes, 1));
    km_response_json(res, 200, wrap("codes", cJSON_Duplicate(codes, 1)));
out:
    cJSON_Delete(body);
}

static void reasons_get(struct km_response *res, const struct km_request *req,
                        void *state)
{
    struct km__oee_state *st = state;
    const cJSON *codes =
        kx_json_arr(st->reason_codes, km_request_param(req, "scope"));

    km_response_json(
        res, 200,
        wrap("codes", codes ? cJSON_Duplicate(codes, 1) : cJSON_CreateArray()));
}

#define WC API "/scopes/{scope}/work-centers/{work_center}"

static const struct km_route oee_routes[] = {
    {"GET", API "/scopes", scopes_list},
    {"GET", WC, wc_get},
    {"GET", WC "/timeline", wc_timeline},
    {"PUT", WC "/binding", binding_put},
    {"DELETE", WC "/binding", binding_delete},
    {"GET", API "/scopes/{scope}/acknowledgements", acks_list},
    {"POST", API "/scopes/{scope}/acknowledgements", ack_post},
    {"GET", API "/scopes/{scope}/summaries", summaries_list},
    {"POST", API "/scopes/{scope}/summaries", summary_post},
    {"GET", API "/scopes/{scope}/reason-codes", reasons_get},
    {"PUT", API "/scopes/{scope}/reason-codes", reasons_put},
};

static void oee_bound(void *state, struct km_server *server)
{
    struct km__oee_state *st = state;
    const cJSON *it;

    st->server = server;
    cJSON_ArrayForEach(it, st->api_keys)
        km_server_add_secret(server, kx_json_str_or(it, "key", ""));
}

const struct km_emulator_type km_oee_type = {
    .name = "oee",
    .config = km__oee_config_keys,
    .nconfig = KM__OEE_NCONFIG,
    .state_new = km__oee_state_new,
    .state_free = km__oee_state_free,
    .routes = oee_routes,
    .nroutes = sizeof(oee_routes) / sizeof(oee_routes[0]),
    .trailing_slash = 1,
    .route_error = oee_route_error,
    .before = oee_before,
    .bound = oee_bound,
    .snapshot = km__oee_snapshot,
    .act = km__oee_act,
};
