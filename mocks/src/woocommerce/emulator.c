/*
 * The WooCommerce emulator's entry points: the endpoint table (pretty
 * permalinks under /wp-json and the ?rest_route= form), the WP error
 * shape and paging headers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include <curl/curl.h>
#include <kx/alloc.h>
#include "woocommerce_emu.h"
#include "common/joined.h"
#include "common/server_int.h"

/* Every endpoint: one row, under /wp-json (the "?rest_route=" form is
 * routed the same, rest_route_path). Updates take POST, PUT and PATCH, as
 * WordPress's EDITABLE routes do (WP_REST_Server::EDITABLE is
 * "POST, PUT, PATCH"); a parameter named "id" or "*_id" is numeric. First
 * match wins: the literal "batch" and "categories" rows come first. */
#define WC "/wp-json/wc/v3"
#define EDIT "POST,PUT,PATCH"

static const struct km_route wc_routes[] = {
    {"POST", WC "/products/batch", km__woocommerce_products_batch},
    {"POST", WC "/products/categories/batch", km__woocommerce_categories_batch},
    {"GET", WC "/products/categories", km__woocommerce_categories_list},
    {"POST", WC "/products/categories", km__woocommerce_categories_create},
    {"GET", WC "/products/categories/{id}", km__woocommerce_categories_get},
    {EDIT, WC "/products/categories/{id}", km__woocommerce_categories_update},
    {"DELETE", WC "/products/categories/{id}",
     km__woocommerce_categories_delete},
    {"GET", WC "/products", km__woocommerce_products_list},
    {"POST", WC "/products", km__woocommerce_products_create},
    {"POST", WC "/products/{product_id}/variations/batch",
     km__woocommerce_variations_batch},
    {"GET", WC "/products/{product_id}/variations",
     km__woocommerce_variations_list},
    {"POST", WC "/products/{product_id}/variations",
     km__woocommerce_variations_create},
    {"GET", WC "/products/{product_id}/variations/{id}",
     km__woocommerce_variations_get},
    {EDIT, WC "/products/{product_id}/variations/{id}",
     km__woocommerce_variations_update},
    {"DELETE", WC "/products/{product_id}/variations/{id}",
     km__woocommerce_variations_delete},
    {"GET", WC "/products/{id}", km__woocommerce_products_get},
    {EDIT, WC "/products/{id}", km__woocommerce_products_update},
    {"DELETE", WC "/products/{id}", km__woocommerce_products_delete},
    {"POST", WC "/customers/batch", km__woocommerce_customers_batch},
    {"GET", WC "/customers", km__woocommerce_customers_list},
    {"POST", WC "/customers", km__woocommerce_customers_create},
    {"GET", WC "/customers/{id}", km__woocommerce_customers_get},
    {EDIT, WC "/customers/{id}", km__woocommerce_customers_update},
    {"DELETE", WC "/customers/{id}", km__woocommerce_customers_delete},
    {"POST", WC "/orders/batch", km__woocommerce_orders_batch},
    {"GET", WC "/orders", km__woocommerce_orders_list},
    {"POST", WC "/orders", km__woocommerce_orders_create},
    {"GET", WC "/orders/{order_id}/notes", km__woocommerce_notes_list},
    {"POST", WC "/orders/{order_id}/notes", km__woocommerce_notes_create},
    {"GET", WC "/orders/{order_id}/notes/{id}", km__woocommerce_notes_get},
    {"DELETE", WC "/orders/{order_id}/notes/{id}",
     km__woocommerce_notes_delete},
    {"GET", WC "/orders/{order_id}/refunds", km__woocommerce_refunds_list},
    {"POST", WC "/orders/{order_id}/refunds", km__woocommerce_refunds_create},
    {"GET", WC "/orders/{order_id}/refunds/{id}", km__woocommerce_refunds_get},
    {"GET", WC "/orders/{id}", km__woocommerce_orders_get},
    {EDIT, WC "/orders/{id}", km__woocommerce_orders_update},
    {"DELETE", WC "/orders/{id}", km__woocommerce_orders_delete},
    {"GET", WC "/webhooks", km__woocommerce_webhooks_list},
    {"POST", WC "/webhooks", km__woocommerce_webhooks_create},
    {"GET", WC "/webhooks/{id}", km__woocommerce_webhooks_get},
    {EDIT, WC "/webhooks/{id}", km__woocommerce_webhooks_update},
    {"DELETE", WC "/webhooks/{id}", km__woocommerce_webhooks_delete},
};

void km__woocommerce_error(struct km_response *res, int status,
                           const char *code, const char *message)
{
    struct km__woocommerce_err err;

    km__woocommerce_err_set(&err, status, code, "%s", message);
    km__woocommerce_reply_err(res, &err);
}

void km__woocommerce_err_set(struct km__woocommerce_err *err, int status,
                             const char *code, const char *fmt, ...)
{
    va_list ap;

    memset(err, 0, sizeof(*err));
    err->status = status;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
}

cJSON *km__woocommerce_err_json(const struct km__woocommerce_err *err)
{
    cJSON *o = cJSON_CreateObject(), *data = cJSON_CreateObject();

    cJSON_AddStringToObject(o, "code", err->code);
    cJSON_AddStringToObject(o, "message", err->message);
    cJSON_AddNumberToObject(data, "status", err->status);
    if (err->resource_id > 0)
        cJSON_AddNumberToObject(data, "resource_id", (double)err->resource_id);
    if (err->unique_sku[0])
        cJSON_AddStringToObject(data, "unique_sku", err->unique_sku);
    cJSON_AddItemToObject(o, "data", data);
    return o;
}

void km__woocommerce_reply_err(struct km_response *res,
                               const struct km__woocommerce_err *err)
{
    km_response_json(res, err->status, km__woocommerce_err_json(err));
}

static int parse_int_arg(const char *s, long *out)
{
    char *end;

    if (!s || !*s)
        return -1;
    *out = strtol(s, &end, 10);
    return *end ? -1 : 0;
}

/* WordPress core's rest_invalid_param shape for a bad per_page/page. */
static void invalid_param(struct km_response *res, const char *name,
                          const char *detail)
{
    cJSON *o = cJSON_CreateObject(), *data = cJSON_CreateObject();
    cJSON *params = cJSON_CreateObject(), *details = cJSON_CreateObject();
    cJSON *d = cJSON_CreateObject();
    char msg[96];

    snprintf(msg, sizeof(msg), "Invalid parameter(s): %s", name);
    cJSON_AddStringToObject(o, "code", "rest_invalid_param");
    cJSON_AddStringToObject(o, "message", msg);
    cJSON_AddNumberToObject(data, "status", 400);
    cJSON_AddStringToObject(params, name, detail);
    cJSON_AddItemToObject(data, "params", params);
    cJSON_AddStringToObject(d, "code", "rest_out_of_bounds");
    cJSON_AddStringToObject(d, "message", detail);
    cJSON_AddNullToObject(d, "data");
    cJSON_AddItemToObject(details, name, d);
    cJSON_AddItemToObject(data, "details", details);
    cJSON_AddItemToObject(o, "data", data);
    km_response_json(res, 400, o);
}

int km__woocommerce_paging(struct km__woocommerce_call *c, int *per_page,
                           int *page)
{
    const char *pp = km_request_arg(c->req, "per_page");
    const char *pg = km_request_arg(c->req, "page");
    long v;

    *per_page = 10;
    *page = 1;
    if (pp) {
        if (parse_int_arg(pp, &v) || v < 1 || v > 100) {
            invalid_param(c->res, "per_page",
                          "per_page must be between 1 (inclusive) and 100 "
                          "(inclusive)");
            return -1;
        }
        *per_page = (int)v;
    }
    if (pg) {
        if (parse_int_arg(pg, &v) || v < 1) {
            invalid_param(c->res, "page",
                          "page must be greater than or equal to 1");
            return -1;
        }
        *page = v > 1000000 ? 1000000 : (int)v;
    }
    return 0;
}

struct link_ctx {
    CURLU *u;
};

/* Copies the request's query into the link except page and credentials
 * (real WordPress would echo consumer_key/consumer_secret and oauth_*
 * parameters into the Link header; the emulator does not repeat them). */
static int link_arg(void *ud, const char *name, const char *value)
{
    struct link_ctx *l = ud;
    char *pair;

    if (strcmp(name, "page") == 0 || strcmp(name, "consumer_key") == 0 ||
        strcmp(name, "consumer_secret") == 0 || strncmp(name, "oauth_", 6) == 0)
        return 0;
    pair = kx_xasprintf("%s=%s", name, value);
    curl_url_set(l->u, CURLUPART_QUERY, pair,
                 CURLU_APPENDQUERY | CURLU_URLENCODE);
    free(pair);
    return 0;
}

static char *page_url(struct km__woocommerce_call *c, int page)
{
    char base[1024], pg[32], *url = NULL, *copy;
    struct link_ctx l = {curl_url()};
    const char *path = c->req->path;

    if (!l.u)
        abort();
    snprintf(base, sizeof(base), "%s%s", c->st->site_url,
             path[0] == '/' ? path + 1 : path);
    curl_url_set(l.u, CURLUPART_URL, base, 0);
    km_request_args_each(c->req, link_arg, &l);
    snprintf(pg, sizeof(pg), "page=%d", page);
    curl_url_set(l.u, CURLUPART_QUERY, pg, CURLU_APPENDQUERY);
    curl_url_get(l.u, CURLUPART_URL, &url, 0);
    curl_url_cleanup(l.u);
    copy = url ? kx_xstrdup(url) : NULL;
    curl_free(url);
    return copy;
}

int km__woocommerce_matches_start(struct km__woocommerce_call *c,
                                  struct km__woocommerce_matches *m,
                                  const cJSON *src)
{
    m->v = NULL;
    m->n = 0;
    if (km__woocommerce_paging(c, &m->per_page, &m->page) != 0)
        return -1;
    m->v = kx_xcalloc((size_t)cJSON_GetArraySize(src) + 1, sizeof(*m->v));
    return 0;
}

int km__woocommerce_matches_add(struct km__woocommerce_call *c,
                                struct km__woocommerce_matches *m,
                                const cJSON *obj, const char *key,
                                const char *since)
{
    int keep = since ? km__woocommerce_modified_after(obj, since) : 1;

    if (keep < 0) {
        km__woocommerce_error(c->res, 400, "rest_invalid_param",
                              "Invalid parameter(s): modified_after");
        free(m->v);
        m->v = NULL;
        return -1;
    }
    if (keep)
        m->v[m->n++] = (struct km__woocommerce_match){
            obj,
            key             ? key
            : m->sort_field ? kx_json_str_or(obj, m->sort_field, "")
                            : "",
            km__woocommerce_id(obj)};
    return 0;
}

/* Ascending by key, then by id (qsort's, over matches). */
static int by_key(const void *a, const void *b)
{
    const struct km__woocommerce_match *x = a, *y = b;
    int c = strcmp(x->key, y->key);

    if (c)
        return c;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* What a listed object's text is printed from. */
struct listed {
    struct km__woocommerce_state *st;
    cJSON *(*public_json)(struct km__woocommerce_state *st, const cJSON *obj);
};

static cJSON *build_listed(void *ctx, const void *item, int variant)
{
    const struct listed *l = ctx;

    (void)variant;
    return l->public_json ? l->public_json(l->st, item)
                          : km__woocommerce_public(l->st, item);
}

static void send_items(struct km__woocommerce_call *c, cJSON *out, int total,
                       int per_page, int page);

void km__woocommerce_matches_send(struct km__woocommerce_call *c,
                                  struct km__woocommerce_matches *m)
{
    const char *order = km_request_arg(c->req, "order");
    int ascending = order && strcmp(order, "asc") == 0;
    int forward = ascending;
    struct km__joined out = KM__JOINED_INIT;
    struct listed l = {c->st, m->public_json};
    size_t from = (size_t)(m->page - 1) * (size_t)m->per_page;

    if (m->n)
        qsort(m->v, m->n, sizeof(*m->v), by_key);
    /* Only the page's objects, their kept texts joined. */
    for (size_t i = from; i < m->n && i < from + (size_t)m->per_page; i++) {
        const cJSON *it = m->v[forward ? i : m->n - 1 - i].obj;
        size_t len;
        const char *text =
            km__storefront_text(&c->st->texts, it, 0, build_listed, &l, &len);

        km__joined_add(&out, text, len, (size_t)m->per_page);
    }
    free(m->v);
    m->v = NULL;
    send_items(c, km__joined_end(&out), (int)m->n, m->per_page, m->page);
}

void km__woocommerce_send_page(struct km__woocommerce_call *c, cJSON *all,
                               int per_page, int page)
{
    int total = cJSON_GetArraySize(all);
    int from = (page - 1) * per_page;
    cJSON *out = cJSON_CreateArray();

    /* The page's items move from all to out: no copy, one walk. */
    int at = 0;
    for (cJSON *it = all->child, *next; it && at < from + per_page;
         it = next, at++) {
        next = it->next;
        if (at >= from)
            cJSON_AddItemToArray(out, cJSON_DetachItemViaPointer(all, it));
    }
    cJSON_Delete(all);
    send_items(c, out, total, per_page, page);
}

/* Answers 200 with out (the page, taken) of total items, with X-WP-Total,
 * X-WP-TotalPages and Link. */
static void send_items(struct km__woocommerce_call *c, cJSON *out, int total,
                       int per_page, int page)
{
    int pages = (total + per_page - 1) / per_page;
    char num[32], link[4096];
    size_t ln = 0;
    /* [C] WC_REST_CRUD_Controller::get_items (Version3): only "prev" and
     * "next"; prev of a page past the end is the last page. */
    const struct {
        int page;
        const char *rel;
        int when;
    } rels[] = {{page - 1 > pages ? pages : page - 1, "prev", page > 1},
                {page + 1, "next", page < pages}};

    link[0] = '\0';
    for (size_t i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
        char *u;

        if (!rels[i].when)
            continue;
        u = page_url(c, rels[i].page);
        if (u && ln < sizeof(link))
            ln += (size_t)snprintf(link + ln, sizeof(link) - ln,
                                   "%s<%s>; rel=\"%s\"", ln ? ", " : "", u,
                                   rels[i].rel);
        free(u);
    }
    snprintf(num, sizeof(num), "%d", total);
    km_response_header(c->res, "X-WP-Total", num);
    snprintf(num, sizeof(num), "%d", pages);
    km_response_header(c->res, "X-WP-TotalPages", num);
    if (link[0] && ln < sizeof(link))
        km_response_header(c->res, "Link", link);
    km_response_json(c->res, 200, out);
}

/* ---- routing ------------------------------------------------------------ */

/* The "?rest_route=/wc/v3/..." form (plain permalinks) routes as
 * /wp-json/wc/v3/... does; the journal keeps the concrete path. */
static char *rest_route_path(const struct km_request *req, void *state)
{
    const char *rr = km_request_arg(req, "rest_route");

    (void)state;
    if (!rr ||
        (strcmp(req->path, "/") != 0 && strcmp(req->path, "/index.php") != 0))
        return NULL;
    return kx_xasprintf("/wp-json%s", rr);
}

/* A request that may write: any method but GET and HEAD. */
static int may_write(const struct km_request *req)
{
    return strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0;
}

/* Authentication, once the route is known (a request no route serves
 * gets rest_no_route whoever sends it). Nonzero: answered. A request that
 * may write drops the kept texts (storefront.h), here and in wc_after. */
static int wc_before(struct km_response *res, const struct km_request *req,
                     void *state)
{
    struct km__woocommerce_state *st = state;

    if (may_write(req))
        km__storefront_touch(&st->texts);
    if (!req->route)
        return 0;
    return km__woocommerce_authenticate(
               KM__WOOCOMMERCE_CALL(res, req, state)) != 0;
}

/* Copies the member at the dotted path (a "a.b" of _fields) from src into
 * dst, creating the objects on the way. */
static void keep_path(cJSON *dst, const cJSON *src, const char *path)
{
    const char *dot = strchr(path, '.');
    char name[128];
    const cJSON *v;

    snprintf(name, sizeof(name), "%.*s",
             (int)(dot ? (size_t)(dot - path) : strlen(path)), path);
    v = cJSON_GetObjectItemCaseSensitive(src, name);
    if (!v)
        return;
    if (!dot || !cJSON_IsObject(v)) {
        if (!cJSON_GetObjectItemCaseSensitive(dst, name))
            cJSON_AddItemToObject(dst, name, cJSON_Duplicate(v, 1));
        return;
    }
    if (!cJSON_GetObjectItemCaseSensitive(dst, name))
        cJSON_AddItemToObject(dst, name, cJSON_CreateObject());
    keep_path(cJSON_GetObjectItemCaseSensitive(dst, name), v, dot + 1);
}

/* The members of obj that fields ("a,b.c") names. */
static cJSON *only_fields(const cJSON *obj, const char *fields)
{
    cJSON *out = cJSON_CreateObject();
    const char *p = fields;

    while (*p) {
        size_t n = strcspn(p, ",");
        char path[256];

        snprintf(path, sizeof(path), "%.*s", (int)n, p);
        if (*path)
            keep_path(out, obj, path);
        p += n + (p[n] == ',');
    }
    return out;
}

/* [C] rest_filter_response_fields (WordPress core, since 4.9.8, nested
 * "a.b" since 5.3): _fields keeps only the named members of a successful
 * reply, of each element when it is a list; errors are untouched. */
static void wc_after(struct km_response *res, const struct km_request *req,
                     void *state)
{
    struct km__woocommerce_state *st = state;
    const char *fields = km_request_arg(req, "_fields");
    cJSON *body, *out, *it;

    if (may_write(req))
        km__storefront_touch(&st->texts);
    if (!fields || !req->route || res->status < 200 || res->status > 299 ||
        !res->body)
        return;
    body = cJSON_Parse(res->body);
    if (cJSON_IsArray(body)) {
        out = cJSON_CreateArray();
        cJSON_ArrayForEach(it, body)
        {
            cJSON_AddItemToArray(out, only_fields(it, fields));
        }
    } else if (cJSON_IsObject(body)) {
        out = only_fields(body, fields);
    } else {
        cJSON_Delete(body);
        return;
    }
    cJSON_Delete(body);
    km_response_json(res, res->status, out);
}

/* WordPress's rest_no_route, for an unknown path (404) and for a known
 * path with another method (405, with Allow). */
static void wc_route_error(struct km_response *res,
                           const struct km_request *req, int status,
                           void *state)
{
    const struct km__woocommerce_state *st = state;

    (void)req;
    if (status == 405)
        status = st->wrong_method_status;
    km__woocommerce_error(
        res, status, "rest_no_route",
        "No route was found matching the URL and request method.");
}

static void wc_bound(void *state, struct km_server *server)
{
    struct km__woocommerce_state *st = state;

    st->server = server;
    km__storefront_touch(&st->texts); /* the site URL may change */
    for (size_t i = 0; i < st->nkeys; i++)
        km_server_add_secret(server, st->keys[i].cs);
    for (const cJSON *h = st->webhooks->child; h; h = h->next)
        km_server_add_secret(server, kx_json_str_or(h, "_secret", ""));
    if (!st->site_url)
        st->site_url = kx_xasprintf("%s/", km_server_url(server));
}

static int wc_act(void *state, const char *action, const cJSON *args,
                  cJSON **result, char *err, size_t errsz)
{
    struct km__woocommerce_state *st = state;

    *result = NULL;
    km__storefront_touch(&st->texts);
    if (strcmp(action, "tamper_next_webhook") == 0) {
        st->tamper_next = 1;
        return 0;
    }
    return km__woocommerce_order_act(st, action, args, result, err, errsz);
}

const struct km_emulator_type km_woocommerce_type = {
    .name = "woocommerce",
    .config = km__woocommerce_config_keys,
    .nconfig = KM__WOOCOMMERCE_NCONFIG,
    .state_new = km__woocommerce_state_new,
    .state_free = km__woocommerce_state_free,

    .routes = wc_routes,
    .nroutes = sizeof(wc_routes) / sizeof(wc_routes[0]),
    .accept = km_route_accept_numeric_ids,
    .route_path = rest_route_path,
    .trailing_slash = 1,
    .route_error = wc_route_error,
    .before = wc_before,
    .after = wc_after,

    .bound = wc_bound,
    .snapshot = km__woocommerce_snapshot,
    .act = wc_act,
    .pump = km__woocommerce_pump,
};
