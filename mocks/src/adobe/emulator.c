/*
 * The Adobe Commerce emulator's entry points: the endpoint table, the two
 * deployments' URL forms mapped onto it, the Magento error shape, the
 * SaaS quota, `fields=`, the snapshot and the actions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include <kx/time.h>
#include "adobe_emu.h"

/* Every endpoint under the resource path both deployments share
 * ("/V1/..."): PaaS serves it under /rest/<store>/, SaaS under
 * /<tenant-id>/ (route_path). A parameter named "*_id" is numeric. The
 * literal rows come before the {..._id} rows they would match. */
static const struct km_route adobe_routes[] = {
    {"POST", "/V1/integration/admin/token", km__adobe_admin_token},
    {"POST", "/ims/token/v3", km__adobe_ims_token},
    {"GET", "/V1/orders", km__adobe_orders_list},
    {"POST", "/V1/orders", km__adobe_orders_save},
    {"GET", "/V1/orders/items/{item_id}", km__adobe_order_items_get},
    {"GET", "/V1/orders/{order_id}", km__adobe_orders_get},
    {"POST", "/V1/order/{order_id}/invoice", km__adobe_invoice_create},
    {"GET", "/V1/invoices", km__adobe_invoices_list},
    {"GET", "/V1/invoices/{invoice_id}", km__adobe_invoices_get},
    {"POST", "/V1/company/setCustomAttributes", km__adobe_companies_custom},
    {"GET", "/V1/company", km__adobe_companies_list},
    {"POST", "/V1/company", km__adobe_companies_create},
    {"GET", "/V1/company/{company_id}", km__adobe_companies_get},
    {"PUT", "/V1/company/{company_id}", km__adobe_companies_update},
    {"DELETE", "/V1/company/{company_id}", km__adobe_companies_delete},
    {"GET", "/V1/customers/search", km__adobe_customers_list},
    {"POST", "/V1/customers", km__adobe_customers_create},
    {"GET", "/V1/customers/{customer_id}", km__adobe_customers_get},
    {"GET", "/V1/products", km__adobe_products_list},
    {"POST", "/V1/products", km__adobe_products_create},
    {"GET", "/V1/products/{sku}", km__adobe_products_get},
    {"POST", "/V1/webhooks/subscribe", km__adobe_webhooks_subscribe},
    {"GET", "/V1/webhooks/list", km__adobe_webhooks_list},
};

void km__adobe_call_init(struct km__adobe_call *c, struct km_response *res,
                         const struct km_request *req, void *state)
{
    c->res = res;
    c->req = req;
    c->st = state;
    c->store = "default";
}

/* ---- errors ------------------------------------------------------------ */

void km__adobe_error(struct km_response *res, int status, const char *message,
                     cJSON *params)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddStringToObject(o, "message", message);
    if (params)
        cJSON_AddItemToObject(o, "parameters", params);
    km_response_json(res, status, o);
}

void km__adobe_error1(struct km_response *res, int status, const char *message,
                      const char *name, const char *value)
{
    cJSON *p = cJSON_CreateObject();

    cJSON_AddStringToObject(p, name, value);
    km__adobe_error(res, status, message, p);
}

void km__adobe_no_entity(struct km_response *res, const char *field,
                         const char *value)
{
    cJSON *p;

    if (!field) {
        km__adobe_error(res, 404,
                        "The entity that was requested doesn't exist. Verify "
                        "the entity and try again.",
                        NULL);
        return;
    }
    p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "fieldName", field);
    cJSON_AddStringToObject(p, "fieldValue", value);
    km__adobe_error(res, 404, "No such entity with %fieldName = %fieldValue",
                    p);
}

void km__adobe_search_error(struct km_response *res,
                            const struct km__adobe_search_err *err)
{
    cJSON *p = cJSON_CreateObject();

    if (err->param_name[0])
        cJSON_AddStringToObject(p, err->param_name, err->param_value);
    if (err->param2_name[0])
        cJSON_AddStringToObject(p, err->param2_name, err->param2_value);
    km__adobe_error(res, 400, err->message, p);
}

cJSON *km__adobe_body(struct km__adobe_call *c)
{
    cJSON *body = km_request_json(c->req);

    if (!cJSON_IsObject(body)) {
        cJSON_Delete(body);
        /* Magento's REST input parser on a body that is not JSON */
        km__adobe_error(c->res, 400, "Decoding error.", NULL);
        return NULL;
    }
    return body;
}

void km__adobe_list(struct km__adobe_call *c, const cJSON *arr,
                    km__adobe_render_fn *render)
{
    struct km__adobe_search s;
    struct km__adobe_search_err err;
    const cJSON **items, *it;
    size_t n = 0;

    if (km__adobe_search_parse(&s, c->req->query, &err) != 0 ||
        km__adobe_search_check(&s, &err) != 0 ||
        (c->st->input_limits &&
         km__adobe_search_limit(&s, c->st->max_page_size, &err) != 0)) {
        km__adobe_search_error(c->res, &err);
        km__adobe_search_dispose(&s);
        return;
    }
    items = kx_xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*items));
    cJSON_ArrayForEach(it, arr) items[n++] = it;
    km_response_json(c->res, 200,
                     km__adobe_search_result(&s, items, n, render, c->st));
    free(items);
    km__adobe_search_dispose(&s);
}

/* ---- small helpers ---------------------------------------------------------
 */

void km__adobe_date(char out[32], int64_t ms)
{
    char iso[KX_ISO8601_MAX];

    kx_iso8601_format(iso, ms, 0);
    snprintf(out, 32, "%.10s %.8s", iso, iso + 11);
}

cJSON *km__adobe_public(void *ud, const cJSON *obj)
{
    (void)ud;
    return km__storefront_public(obj);
}

cJSON *km__adobe_find(const cJSON *arr, const char *field, int64_t id)
{
    cJSON *it;

    cJSON_ArrayForEach(it, arr)
    {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, field);

        if (cJSON_IsNumber(v) && (int64_t)v->valuedouble == id)
            return it;
    }
    return NULL;
}

void km__adobe_set(cJSON *obj, const char *name, cJSON *value)
{
    km__storefront_set(obj, name, value);
}

/* ---- routing ---------------------------------------------------------------
 */

/* A path no row has: what an unknown store code or tenant routes as
 * (Magento then reads the code as part of the route and finds none). */
#define UNROUTED "/-"

static int store_known(const struct km__adobe_state *st, const char *code)
{
    return km__adobe_store_id(st, code) >= 0;
}

/* The store code of a request: PaaS from its path, SaaS from its Store
 * header; "default" when it names none. */
static const char *store_of(const struct km__adobe_state *st,
                            const struct km_request *req, char buf[64])
{
    const char *p;
    size_t n;

    if (st->deployment == KM__ADOBE_SAAS) {
        const char *h = km_request_header(req, "Store");

        return h && *h ? h : "default";
    }
    if (strncmp(req->path, "/rest/", 6) != 0 ||
        strncmp(req->path + 5, "/V1/", 4) == 0)
        return "default";
    p = req->path + 6;
    n = strcspn(p, "/");
    snprintf(buf, 64, "%.*s", (int)(n < 63 ? n : 63), p);
    return buf;
}

static char *adobe_route_path(const struct km_request *req, void *state)
{
    struct km__adobe_state *st = state;
    const char *p = req->path;
    char buf[64];

    if (st->deployment == KM__ADOBE_SAAS) {
        size_t n = strlen(st->tenant_id);

        if (strcmp(p, "/ims/token/v3") == 0)
            return NULL;
        if (p[0] != '/' || strncmp(p + 1, st->tenant_id, n) != 0 ||
            strncmp(p + 1 + n, "/V1/", 4) != 0 ||
            !store_known(st, store_of(st, req, buf)))
            return kx_xstrdup(UNROUTED);
        return kx_xstrdup(p + 1 + n);
    }
    if (strncmp(p, "/rest/V1/", 9) == 0)
        return kx_xstrdup(p + 5);
    if (strncmp(p, "/rest/", 6) == 0) {
        const char *code = store_of(st, req, buf);
        const char *rest = p + 6 + strlen(code);

        if (store_known(st, code) && strncmp(rest, "/V1/", 4) == 0)
            return kx_xstrdup(rest);
    }
    return kx_xstrdup(UNROUTED);
}

/* Numeric ids, and the routes each deployment lacks: SaaS has no
 * customer (or admin-token) routes, PaaS no IMS token endpoint. */
static int adobe_accept(const struct km_route *route,
                        const struct km_request *req, void *state)
{
    struct km__adobe_state *st = state;
    int saas = st->deployment == KM__ADOBE_SAAS;

    if (saas && (strncmp(route->pattern, "/V1/customers", 13) == 0 ||
                 strncmp(route->pattern, "/V1/integration/", 16) == 0))
        return 0;
    if (!saas && strncmp(route->pattern, "/ims/", 5) == 0)
        return 0;
    return km_route_accept_numeric_ids(route, req, state);
}

/* No row, or no row with the method: Magento's router has one answer for
 * both (it has no 405). */
static void adobe_route_error(struct km_response *res,
                              const struct km_request *req, int status,
                              void *state)
{
    (void)req;
    (void)status;
    (void)state;
    km__adobe_error(res, 404, "Request does not match any route.", NULL);
}

/* The SaaS quota: quota_requests per quota_window_s of the server clock;
 * over it 429 with Retry-After, the seconds to the window's end. */
static int over_quota(struct km__adobe_call *c)
{
    struct km__adobe_state *st = c->st;
    int64_t window = st->quota_window_s * 1000, now = c->req->now_ms;
    char secs[32];

    if (st->deployment != KM__ADOBE_SAAS || st->quota_requests <= 0)
        return 0;
    if (now >= st->quota_window_start_ms + window) {
        st->quota_window_start_ms = now - (now % window);
        st->quota_used = 0;
    }
    if (++st->quota_used <= st->quota_requests)
        return 0;
    snprintf(
        secs, sizeof(secs), "%lld",
        (long long)((st->quota_window_start_ms + window - now + 999) / 1000));
    km_response_header(c->res, "Retry-After", secs);
    km__adobe_error(c->res, 429, "Too Many Requests", NULL);
    return 1;
}

static int adobe_before(struct km_response *res, const struct km_request *req,
                        void *state)
{
    struct km__adobe_call c;
    char buf[64];

    if (!req->route)
        return 0;
    km__adobe_call_init(&c, res, req, state);
    c.store = store_of(c.st, req, buf);
    if (over_quota(&c))
        return 1;
    if (strcmp(req->route, "/V1/integration/admin/token") == 0 ||
        strcmp(req->route, "/ims/token/v3") == 0)
        return 0;
    return km__adobe_authenticate(&c) != 0;
}

/* A 500 without a Magento body (a fault rule's bare status, a handler
 * that answered nothing) gets the text Magento shows outside developer
 * mode, with a report id made from the server clock so runs repeat. */
static void internal_error(struct km_response *res,
                           const struct km_request *req)
{
    cJSON *body = res->body ? cJSON_Parse(res->body) : NULL;
    char msg[160];

    if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(body, "message"))) {
        snprintf(msg, sizeof(msg),
                 "Internal Error. Details are available in Magento log file. "
                 "Report ID: webapi-%013llx",
                 (unsigned long long)req->now_ms);
        km__adobe_error(res, 500, msg, NULL);
    }
    cJSON_Delete(body);
}

/* `fields=` trims a successful JSON reply; a malformed list is ignored
 * as Magento's field filter ignores what it cannot read. */
static void adobe_after(struct km_response *res, const struct km_request *req,
                        void *state)
{
    const char *fields = km_request_arg(req, "fields");
    cJSON *body;

    (void)state;
    if (res->status == 500) {
        internal_error(res, req);
        return;
    }
    if (!fields || !*fields || !req->route || res->status < 200 ||
        res->status > 299 || !res->body)
        return;
    body = cJSON_Parse(res->body);
    if (body && km__adobe_fields_apply(body, fields) == 0)
        km_response_json(res, res->status, body);
    else
        cJSON_Delete(body);
}

static int adobe_fault_action(void *state, const char *action,
                              const cJSON *rule)
{
    (void)rule;
    if (strcmp(action, "expire_tokens") == 0) {
        km__adobe_expire_tokens(state);
        return 0;
    }
    return -1;
}

static void adobe_bound(void *state, struct km_server *server)
{
    struct km__adobe_state *st = state;
    const cJSON *it, *lists[] = {st->admins, st->integrations, st->ims_clients};
    static const char *const secrets[] = {
        "password",      "consumer_secret",
        "access_token",  "access_token_secret",
        "client_secret", NULL};

    st->server = server;
    km_server_add_secret_form(server, "kmadobe");
    for (size_t l = 0; l < 3; l++) {
        cJSON_ArrayForEach(it, lists[l])
        {
            for (size_t i = 0; secrets[i]; i++) {
                const char *s = kx_json_str(it, secrets[i]);

                if (s && *s)
                    km_server_add_secret(server, s);
            }
        }
    }
    if (st->webhook_secret && *st->webhook_secret)
        km_server_add_secret(server, st->webhook_secret);
}

static int adobe_act(void *state, const char *action, const cJSON *args,
                     cJSON **result, char *err, size_t errsz)
{
    struct km__adobe_state *st = state;

    if (strcmp(action, "expire_tokens") == 0) {
        km__adobe_expire_tokens(st);
        return 0;
    }
    return km__adobe_orders_act(st, action, args, result, err, errsz);
}

const struct km_emulator_type km_adobe_type = {
    .name = "adobe",
    .config = km__adobe_config_keys,
    .nconfig = KM__ADOBE_NCONFIG,
    .state_new = km__adobe_state_new,
    .state_free = km__adobe_state_free,
    .routes = adobe_routes,
    .nroutes = sizeof(adobe_routes) / sizeof(adobe_routes[0]),
    .accept = adobe_accept,
    .route_path = adobe_route_path,
    .trailing_slash = 1,
    .route_error = adobe_route_error,
    .before = adobe_before,
    .after = adobe_after,
    .fault_action = adobe_fault_action,
    .bound = adobe_bound,
    .snapshot = km__adobe_snapshot,
    .act = adobe_act,
};
