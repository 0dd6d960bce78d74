/*
 * The BigCommerce emulator's entry points: the endpoint table under
 * /stores/{store_hash}, X-Auth-Token checks, the per-store rate limit and
 * its headers, the v2 and v3 error shapes, v3 paging and the actions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <kx/json.h>
#include <curl/curl.h>
#include "bigcommerce_emu.h"
#include <kx/alloc.h>
#include <kx/buf.h>
#include "common/server_int.h"

#define BC_ERROR_TYPE                                                          \
    "https://developer.bigcommerce.com/api-docs/getting-started/"              \
    "api-status-codes"

/* Every endpoint: one row, under the store prefix; a parameter named
 * "id" or "*_id" is numeric (km_route_accept_numeric_ids). First match
 * wins. */
#define BC "/stores/{store_hash}"

static const struct km_route bc_routes[] = {
    {"GET", BC "/v3/catalog/products", km__bigcommerce_products_list},
    {"POST", BC "/v3/catalog/products", km__bigcommerce_products_create},
    {"PUT", BC "/v3/catalog/products", km__bigcommerce_products_batch},
    {"DELETE", BC "/v3/catalog/products", km__bigcommerce_products_delete_many},
    {"GET", BC "/v3/catalog/products/{product_id}/variants",
     km__bigcommerce_product_variants_list},
    {"POST", BC "/v3/catalog/products/{product_id}/variants",
     km__bigcommerce_product_variants_create},
    {"GET", BC "/v3/catalog/products/{product_id}/variants/{variant_id}",
     km__bigcommerce_product_variants_get},
    {"PUT", BC "/v3/catalog/products/{product_id}/variants/{variant_id}",
     km__bigcommerce_product_variants_update},
    {"GET", BC "/v3/catalog/products/{product_id}",
     km__bigcommerce_products_get},
    {"PUT", BC "/v3/catalog/products/{product_id}",
     km__bigcommerce_products_update},
    {"DELETE", BC "/v3/catalog/products/{product_id}",
     km__bigcommerce_products_delete},
    {"GET", BC "/v3/catalog/variants", km__bigcommerce_variants_list},
    {"PUT", BC "/v3/catalog/variants", km__bigcommerce_variants_batch},
    {"PUT", BC "/v3/inventory/adjustments/absolute",
     km__bigcommerce_inventory_absolute},
    {"POST", BC "/v3/inventory/adjustments/relative",
     km__bigcommerce_inventory_relative},
    {"GET", BC "/v3/inventory/items", km__bigcommerce_inventory_items},
    {"GET", BC "/v3/customers", km__bigcommerce_customers_list},
    {"POST", BC "/v3/customers", km__bigcommerce_customers_create},
    {"PUT", BC "/v3/customers", km__bigcommerce_customers_update},
    {"GET", BC "/v3/hooks", km__bigcommerce_hooks_list},
    {"POST", BC "/v3/hooks", km__bigcommerce_hooks_create},
    {"GET", BC "/v3/hooks/{webhook_id}", km__bigcommerce_hooks_get},
    {"PUT", BC "/v3/hooks/{webhook_id}", km__bigcommerce_hooks_update},
    {"DELETE", BC "/v3/hooks/{webhook_id}", km__bigcommerce_hooks_delete},
    {"GET", BC "/v2/orders", km__bigcommerce_orders_list},
    {"GET", BC "/v2/orders/count", km__bigcommerce_orders_count},
    {"GET", BC "/v2/orders/{order_id}/shipments",
     km__bigcommerce_shipments_list},
    {"POST", BC "/v2/orders/{order_id}/shipments",
     km__bigcommerce_shipments_create},
    {"GET", BC "/v2/orders/{order_id}/coupons", km__bigcommerce_order_coupons},
    {"GET", BC "/v2/orders/{order_id}/products",
     km__bigcommerce_order_products},
    {"GET", BC "/v2/orders/{order_id}/shipping_addresses",
     km__bigcommerce_order_shipping},
    {"GET", BC "/v2/orders/{order_id}", km__bigcommerce_orders_get},
    {"PUT", BC "/v2/orders/{order_id}", km__bigcommerce_orders_update},
};

/* ---- error shapes ----------------------------------------------------- */

void km__bigcommerce_v3_error(struct km_response *res, int status,
                              const char *title, cJSON *errors)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddNumberToObject(o, "status", status);
    cJSON_AddStringToObject(o, "title", title);
    cJSON_AddStringToObject(o, "type", BC_ERROR_TYPE);
    if (errors)
        cJSON_AddItemToObject(o, "errors", errors);
    km_response_json(res, status, o);
}

void km__bigcommerce_v2_error(struct km_response *res, int status,
                              const char *message)
{
    cJSON *arr = cJSON_CreateArray(), *o = cJSON_CreateObject();

    cJSON_AddNumberToObject(o, "status", status);
    cJSON_AddStringToObject(o, "message", message);
    cJSON_AddItemToArray(arr, o);
    km_response_json(res, status, arr);
}

static void error_for(struct km_response *res, int v2, int status,
                      const char *text)
{
    if (v2)
        km__bigcommerce_v2_error(res, status, text);
    else
        km__bigcommerce_v3_error(res, status, text, NULL);
}

cJSON *km__bigcommerce_body(struct km__bigcommerce_call *c, int want_array)
{
    cJSON *body = km_request_json(c->req);

    if (want_array ? cJSON_IsArray(body) : cJSON_IsObject(body))
        return body;
    cJSON_Delete(body);
    km__bigcommerce_v3_error(c->res, 422, "JSON data is missing or invalid",
                             NULL);
    return NULL;
}

/* ---- paging ----------------------------------------------------------- */

static int parse_long(const char *s, long *out)
{
    char *end;

    if (!s || !*s)
        return -1;
    *out = strtol(s, &end, 10);
    return *end ? -1 : 0;
}

int km__bigcommerce_paging(struct km__bigcommerce_call *c, int *limit,
                           int *page, int v2)
{
    return km__bigcommerce_paging_max(c, limit, page, v2, 250);
}

int km__bigcommerce_paging_max(struct km__bigcommerce_call *c, int *limit,
                               int *page, int v2, int max)
{
    char text[80];
    const char *l = km_request_arg(c->req, "limit");
    const char *p = km_request_arg(c->req, "page");
    long v;

    *limit = 50;
    *page = 1;
    if (l) {
        if (parse_long(l, &v) || v < 1) {
            error_for(c->res, v2, v2 ? 400 : 422,
                      "The limit parameter must be a positive integer");
            return -1;
        }
        if (v > max && c->st->over_limit_status) {
            snprintf(text, sizeof(text),
                     "The limit parameter is too high. The maximum is %d.",
                     max);
            error_for(c->res, v2, c->st->over_limit_status, text);
            return -1;
        }
        *limit = v > max ? max : (int)v;
    }
    if (p) {
        if (parse_long(p, &v) || v < 1) {
            error_for(c->res, v2, v2 ? 400 : 422,
                      "The page parameter must be a positive integer");
            return -1;
        }
        *page = v > 10000000 ? 10000000 : (int)v;
    }
    return 0;
}

static void link(cJSON *links, const char *name, int page, int limit,
                 const char *query)
{
    char *text = kx_xasprintf("?page=%d&limit=%d%s%s", page, limit,
                              query && *query ? "&" : "", query ? query : "");

    cJSON_AddStringToObject(links, name, text);
    free(text);
}

cJSON *km__bigcommerce_pagination(int total, int limit, int page,
                                  const char *query)
{
    cJSON *p = cJSON_CreateObject(), *links = cJSON_CreateObject();
    int pages = limit > 0 ? (total + limit - 1) / limit : 0;
    int from = (page - 1) * limit;
    int count = total - from;

    if (count < 0)
        count = 0;
    if (count > limit)
        count = limit;
    cJSON_AddNumberToObject(p, "total", total);
    cJSON_AddNumberToObject(p, "count", count);
    cJSON_AddNumberToObject(p, "per_page", limit);
    cJSON_AddNumberToObject(p, "current_page", page);
    cJSON_AddNumberToObject(p, "total_pages", pages);
    if (page > 1 && page - 1 <= pages)
        link(links, "previous", page - 1, limit, query);
    link(links, "current", page, limit, query);
    if (page < pages)
        link(links, "next", page + 1, limit, query);
    cJSON_AddItemToObject(p, "links", links);
    return p;
}

/* The request's other query arguments, re-encoded, for the links. */
static int keep_arg(void *ud, const char *name, const char *value)
{
    struct kx_buf *q = ud;
    char *n, *v;

    if (strcmp(name, "page") == 0 || strcmp(name, "limit") == 0)
        return 0;
    n = curl_easy_escape(NULL, name, 0);
    v = curl_easy_escape(NULL, value, 0);
    if (!n || !v)
        abort();
    kx_buf_printf(q, "%s%s=%s", q->len ? "&" : "", n, v);
    curl_free(n);
    curl_free(v);
    return 0;
}

void km__bigcommerce_send_page(struct km__bigcommerce_call *c, cJSON *all,
                               int limit, int page)
{
    int total = cJSON_GetArraySize(all);
    int from = (page - 1) * limit;
    cJSON *data = cJSON_CreateArray();
    cJSON *it = from < total ? cJSON_GetArrayItem(all, from) : NULL;

    for (int i = 0; it && i < limit; it = it->next, i++)
        cJSON_AddItemToArray(data, cJSON_Duplicate(it, 1));
    cJSON_Delete(all);
    km__bigcommerce_send_data(c, data, total, limit, page);
}

void km__bigcommerce_send_data(struct km__bigcommerce_call *c, cJSON *data,
                               int total, int limit, int page)
{
    cJSON *out = cJSON_CreateObject(), *meta = cJSON_CreateObject(), *item;
    struct kx_buf q = KX_BUF_INIT;

    if (km_request_arg(c->req, "include_fields") ||
        km_request_arg(c->req, "exclude_fields")) {
        cJSON_ArrayForEach(item, data)
        {
            km__bigcommerce_fields(c, item);
        }
    }
    km_request_args_each(c->req, keep_arg, &q);
    cJSON_AddItemToObject(
        meta, "pagination",
        km__bigcommerce_pagination(total, limit, page, kx_buf_str(&q)));
    kx_buf_reset(&q);
    cJSON_AddItemToObject(out, "data", data);
    cJSON_AddItemToObject(out, "meta", meta);
    km_response_json(c->res, 200, out);
}

/* ---- auth and rate limit ---------------------------------------------- */

/* The part of the path after /stores/<hash>, or NULL when the path is not
 * under this store. */
static const char *store_rest(const struct km__bigcommerce_state *st,
                              const char *path)
{
    size_t n = strlen(st->store_hash);

    if (strncmp(path, "/stores/", 8) != 0 ||
        strncmp(path + 8, st->store_hash, n) != 0 || path[8 + n] != '/')
        return NULL;
    return path + 8 + n;
}

static void roll_window(struct km__bigcommerce_state *st, int64_t now)
{
    if (st->window_start_ms == 0 ||
        now >= st->window_start_ms + st->window_ms) {
        st->window_start_ms = now;
        st->used = 0;
    }
}

static int64_t reset_ms(const struct km__bigcommerce_state *st, int64_t now)
{
    int64_t r = st->window_start_ms + st->window_ms - now;

    return r < 0 ? 0 : r;
}

/* The scope a path needs ([C] the OAuth scopes of the API reference;
 * which path needs which is [I] from the scope names), or NULL: hooks
 * need none of these. GET also takes the scope's _read_only form. */
static const char *scope_for(const char *rest)
{
    static const struct {
        const char *prefix, *scope;
    } map[] = {{"/v2/orders", "store_v2_orders"},
               {"/v3/catalog/", "store_v2_products"},
               {"/v3/inventory/", "store_inventory"},
               {"/v3/customers", "store_v2_customers"}};

    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strncmp(rest, map[i].prefix, strlen(map[i].prefix)) == 0)
            return map[i].scope;
    return NULL;
}

/* 1 when token may make this request (token_scopes). */
static int in_scope(const struct km__bigcommerce_state *st, const char *token,
                    const struct km_request *req, const char *rest)
{
    const char *need = scope_for(rest);
    int read =
        strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
    const cJSON *t, *s;

    cJSON_ArrayForEach(t, st->token_scopes)
    {
        if (strcmp(kx_json_str_or(t, "token", ""), token) != 0)
            continue;
        if (!need)
            return 1;
        cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(t, "scopes"))
        {
            size_t n = strlen(need);

            if (strncmp(s->valuestring, need, n) == 0 &&
                (!s->valuestring[n] ||
                 (read && strcmp(s->valuestring + n, "_read_only") == 0)))
                return 1;
        }
        return 0;
    }
    return 1; /* not listed: every scope */
}

/* [C] status-codes.mdx: a body without a supported Content-Type is 415. */
static int bad_content_type(const struct km_request *req)
{
    const char *ct = km_request_header(req, "Content-Type");

    if (req->body_len == 0)
        return 0;
    return !ct || strncasecmp(ct, "application/json", 16) != 0 ||
           (ct[16] && ct[16] != ';' && ct[16] != ' ');
}

/* A request that may write: any method but GET and HEAD. */
static int may_write(const struct km_request *req)
{
    return strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0;
}

static int before(struct km_response *res, const struct km_request *req,
                  void *state)
{
    struct km__bigcommerce_state *st = state;
    const char *token = km_request_header(req, "X-Auth-Token");
    const char *rest = strncmp(req->path, "/stores/", 8) == 0
                           ? strchr(req->path + 8, '/')
                           : NULL;

    if (may_write(req))
        km__storefront_touch(&st->texts);
    int v2 = rest && strncmp(rest, "/v2/", 4) == 0, ok = 0;
    char num[32];

    if (!rest)
        return 0; /* not an API path: the not-found handler answers */
    for (size_t i = 0; token && i < st->ntokens; i++)
        ok |= strcmp(token, st->tokens[i]) == 0;
    /* [I] A token is tied to its store: another store hash is refused as
     * the credentials being wrong for it. */
    if (!ok || !store_rest(st, req->path)) {
        if (v2)
            km__bigcommerce_v2_error(
                res, 401,
                "You must be authenticated to access this "
                "resource. Check your X-Auth-Token header.");
        else
            km__bigcommerce_v3_error(
                res, 401, "No valid credentials were found in this request.",
                NULL);
        return 1;
    }
    roll_window(st, req->now_ms);
    if (st->used >= st->quota) {
        int64_t r = reset_ms(st, req->now_ms);

        km__bigcommerce_v3_error(res, 429, "Too many requests", NULL);
        snprintf(num, sizeof(num), "%lld", (long long)((r + 999) / 1000));
        km_response_header(res, "X-Retry-After", num);
        return 1;
    }
    st->used++;
    if (!in_scope(st, token, req, store_rest(st, req->path))) {
        /* [S] the text real stores send (NangoHQ/nango#7026). */
        error_for(res, v2, 403,
                  "You don't have a required scope to access the endpoint");
        return 1;
    }
    if (bad_content_type(req)) {
        error_for(res, v2, 415,
                  "The request's Content-Type is not supported; send "
                  "application/json");
        return 1;
    }
    return 0;
}

static void set_if_absent(struct km_response *res, const char *name,
                          long long v)
{
    char num[32];

    /* A fault rule that names the header keeps its value. */
    if (km__kvs_get(&res->headers, name))
        return;
    snprintf(num, sizeof(num), "%lld", v);
    km_response_header(res, name, num);
}

static void after(struct km_response *res, const struct km_request *req,
                  void *state)
{
    struct km__bigcommerce_state *st = state;
    int64_t now = req->now_ms, left, reset;

    /* Again once the write is done: a text printed while it ran (none
     * is, the listings being GETs) is dropped all the same. */
    if (may_write(req))
        km__storefront_touch(&st->texts);
    if (st->window_start_ms == 0 ||
        now >= st->window_start_ms + st->window_ms) {
        left = st->quota;
        reset = st->window_ms;
    } else {
        left = st->quota - st->used;
        reset = reset_ms(st, now);
    }
    set_if_absent(res, "X-Rate-Limit-Requests-Left", left < 0 ? 0 : left);
    set_if_absent(res, "X-Rate-Limit-Requests-Quota", st->quota);
    set_if_absent(res, "X-Rate-Limit-Time-Reset-Ms", reset);
    set_if_absent(res, "X-Rate-Limit-Time-Window-Ms", st->window_ms);
}

/* ---- routing errors ---------------------------------------------------- */

/* 404 and 405 in the v2 or v3 shape of the path's API version. */
static void route_error(struct km_response *res, const struct km_request *req,
                        int status, void *state)
{
    const char *rest = strncmp(req->path, "/stores/", 8) == 0
                           ? strchr(req->path + 8, '/')
                           : NULL;

    (void)state;
    if (rest && strncmp(rest, "/v2/", 4) == 0)
        km__bigcommerce_v2_error(res, status,
                                 status == 405
                                     ? "The requested method is not allowed."
                                     : "The requested resource was not found.");
    else
        km__bigcommerce_v3_error(res, status,
                                 status == 405
                                     ? "The requested method is not allowed."
                                     : "The route is not found, check the URL",
                                 NULL);
}

static void bound(void *state, struct km_server *server)
{
    struct km__bigcommerce_state *st = state;

    st->server = server;
    for (size_t i = 0; i < st->ntokens; i++)
        km_server_add_secret(server, st->tokens[i]);
    if (st->client_secret)
        km_server_add_secret(server, st->client_secret);
}

static int act(void *state, const char *action, const cJSON *args,
               cJSON **result, char *err, size_t errsz)
{
    struct km__bigcommerce_state *st = state;

    *result = NULL;
    km__storefront_touch(&st->texts);
    if (strcmp(action, "tamper_next_webhook") == 0 ||
        strcmp(action, "redeliver_last") == 0)
        return km__bigcommerce_delivery_act(st, action, args, err, errsz);
    if (strcmp(action, "set_inventory") == 0)
        return km__bigcommerce_set_inventory_act(st, args, result, err, errsz);
    return km__bigcommerce_order_act(st, action, args, result, err, errsz);
}

/* "revoke_tokens": every access token stops working (app uninstalled,
 * API account deleted). */
static int fault_action(void *state, const char *action, const cJSON *rule)
{
    struct km__bigcommerce_state *st = state;

    (void)rule;
    km__storefront_touch(&st->texts);
    if (strcmp(action, "revoke_tokens") != 0)
        return -1;
    for (size_t i = 0; i < st->ntokens; i++)
        free(st->tokens[i]);
    st->ntokens = 0;
    return 0;
}

const struct km_emulator_type km_bigcommerce_type = {
    .name = "bigcommerce",
    .config = km__bigcommerce_config_keys,
    .nconfig = KM__BIGCOMMERCE_NCONFIG,
    .state_new = km__bigcommerce_state_new,
    .state_free = km__bigcommerce_state_free,

    .routes = bc_routes,
    .nroutes = sizeof(bc_routes) / sizeof(bc_routes[0]),
    .accept = km_route_accept_numeric_ids,
    .trailing_slash = 1,
    .route_error = route_error,
    .before = before,
    .after = after,
    .fault_action = fault_action,

    .bound = bound,
    .snapshot = km__bigcommerce_snapshot,
    .snapshot_some = km__bigcommerce_snapshot_some,
    .act = act,
    .pump = km__bigcommerce_pump,
};
