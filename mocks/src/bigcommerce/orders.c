/*
 * v2 orders: list (min_id, max_id, status_id, customer_id, email,
 * min/max_date_created, min/max_date_modified, sort, limit, page), get,
 * status update, the products and shipping_addresses sub-resources, and
 * the shopper actions place_order / update_order_status (the order model
 * is in order_model.c; shipments, coupons and the count in fulfil.c).
 *
 * v2 conventions ([C]): errors as [{status, message}]. An empty list is
 * 204 with no body by default ([I], empty_list_204).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include "bigcommerce_emu.h"

/* ---- routes ------------------------------------------------------------- */

cJSON *km__bigcommerce_order_or_404(struct km__bigcommerce_call *c)
{
    cJSON *o = km__storefront_find(c->st->orders,
                                   km_request_param_id(c->req, "order_id"));

    if (!o)
        km__bigcommerce_v2_error(c->res, 404,
                                 "The requested resource was not found.");
    return o;
}

struct ofilter {
    int64_t min_id, max_id, status, customer;
    int64_t min_c, max_c, min_m, max_m;
    const char *email;
};

static int keep_order(const cJSON *o, const struct ofilter *f)
{
    int64_t id = km__bigcommerce_id(o),
            cr = (int64_t)kx_json_numeric(o, "_created_ms", 0);
    int64_t mo = (int64_t)kx_json_numeric(o, "_modified_ms", 0);

    return (f->min_id < 0 || id >= f->min_id) &&
           (f->max_id < 0 || id <= f->max_id) &&
           (f->status < 0 || kx_json_numeric(o, "status_id", 0) == f->status) &&
           (f->customer < 0 ||
            kx_json_numeric(o, "customer_id", 0) == f->customer) &&
           (f->min_c < 0 || cr >= f->min_c) &&
           (f->max_c < 0 || cr <= f->max_c) &&
           (f->min_m < 0 || mo >= f->min_m) &&
           (f->max_m < 0 || mo <= f->max_m) &&
           (!f->email ||
            strcasecmp(kx_json_str_or(cJSON_GetObjectItem(o, "billing_address"),
                                      "email", ""),
                       f->email) == 0);
}

struct osort {
    const char *key; /* "id", "_modified_ms" or "_created_ms" */
    int desc;
};

static int cmp_order(const cJSON *x, const cJSON *y, const struct osort *o)
{
    double kx = kx_json_numeric(x, o->key, 0),
           ky = kx_json_numeric(y, o->key, 0);
    int r = (kx > ky) - (kx < ky);

    if (!r)
        r = (km__bigcommerce_id(x) > km__bigcommerce_id(y)) -
            (km__bigcommerce_id(x) < km__bigcommerce_id(y));
    return o->desc ? -r : r;
}

/* Insertion sort: order lists are small, and unlike qsort it takes the
 * sort key without shared state between emulator instances. */
static void sort_orders(const cJSON **sel, size_t n, const struct osort *o)
{
    for (size_t i = 1; i < n; i++) {
        const cJSON *x = sel[i];
        size_t j = i;

        while (j > 0 && cmp_order(sel[j - 1], x, o) > 0) {
            sel[j] = sel[j - 1];
            j--;
        }
        sel[j] = x;
    }
}

static int arg_num(struct km__bigcommerce_call *c, const char *name,
                   int64_t *out, int date)
{
    const char *v = km_request_arg(c->req, name);
    char msg[128], *end;

    *out = -1;
    if (!v)
        return 0;
    if (date ? km__bigcommerce_parse_date(out, v) == 0
             : (*out = strtoll(v, &end, 10), *v && !*end))
        return 0;
    snprintf(msg, sizeof(msg), "The field '%s' is invalid.", name);
    km__bigcommerce_v2_error(c->res, 400, msg);
    return -1;
}

void km__bigcommerce_orders_list(struct km_response *res,
                                 const struct km_request *req, void *state)
{
    struct km__bigcommerce_call *c = KM__BIGCOMMERCE_CALL(res, req, state);
    struct ofilter f;
    const char *sort = km_request_arg(c->req, "sort");
    struct osort how = {"id", 0};
    const cJSON **sel;
    cJSON *out;
    size_t n = 0, cap = (size_t)cJSON_GetArraySize(c->st->orders) + 1;
    int limit, page;
    const cJSON *it;

    f.email = km_request_arg(c->req, "email");
    if (km__bigcommerce_paging(c, &limit, &page, 1) ||
        arg_num(c, "min_id", &f.min_id, 0) ||
        arg_num(c, "max_id", &f.max_id, 0) ||
        arg_num(c, "status_id", &f.status, 0) ||
        arg_num(c, "customer_id", &f.customer, 0) ||
        arg_num(c, "min_date_created", &f.min_c, 1) ||
        arg_num(c, "max_date_created", &f.max_c, 1) ||
        arg_num(c, "min_date_modified", &f.min_m, 1) ||
        arg_num(c, "max_date_modified", &f.max_m, 1))
        return;
    sel = kx_xcalloc(cap, sizeof(*sel));
    cJSON_ArrayForEach(it, c->st->orders)
    {
        if (keep_order(it, &f))
            sel[n++] = it;
    }
    if (sort && strncmp(sort, "date_modified", 13) == 0)
        how.key = "_modified_ms";
    else if (sort && strncmp(sort, "date_created", 12) == 0)
        how.key = "_created_ms";
    how.desc = sort && strstr(sort, ":desc") != NULL;
    sort_orders(sel, n, &how);
    out = cJSON_CreateArray();
    for (size_t i = (size_t)(page - 1) * (size_t)limit;
         i < n && i < (size_t)page * (size_t)limit; i++)
        cJSON_AddItemToArray(out, km__bigcommerce_order_json(c->st, sel[i]));
    free(sel);
    if (cJSON_GetArraySize(out) == 0 && c->st->empty_list_204) {
        cJSON_Delete(out);
        km_response_set(c->res, 204, NULL, NULL, 0);
        return;
    }
    km_response_json(c->res, 200, out);
}

void km__bigcommerce_orders_get(struct km_response *res,
                                const struct km_request *req, void *state)
{
    struct km__bigcommerce_call *c = KM__BIGCOMMERCE_CALL(res, req, state);
    cJSON *o = km__bigcommerce_order_or_404(c);

    if (o)
        km_response_json(c->res, 200, km__bigcommerce_order_json(c->st, o));
}

void km__bigcommerce_order_sub_list(struct km__bigcommerce_call *c,
                                    const char *name)
{
    cJSON *o = km__bigcommerce_order_or_404(c), *out;
    const cJSON *it;
    int limit, page, i = 0;

    if (!o || km__bigcommerce_paging(c, &limit, &page, 1) != 0)
        return;
    out = cJSON_CreateArray();
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, name))
    {
        if (i >= (page - 1) * limit && i < page * limit)
            cJSON_AddItemToArray(out, cJSON_Duplicate(it, 1));
        i++;
    }
    if (cJSON_GetArraySize(out) == 0 && c->st->empty_list_204) {
        cJSON_Delete(out);
        km_response_set(c->res, 204, NULL, NULL, 0);
        return;
    }
    km_response_json(c->res, 200, out);
}

void km__bigcommerce_order_products(struct km_response *res,
                                    const struct km_request *req, void *state)
{
    struct km__bigcommerce_call *c = KM__BIGCOMMERCE_CALL(res, req, state);
    km__bigcommerce_order_sub_list(c, "_products");
}

void km__bigcommerce_order_shipping(struct km_response *res,
                                    const struct km_request *req, void *state)
{
    struct km__bigcommerce_call *c = KM__BIGCOMMERCE_CALL(res, req, state);
    km__bigcommerce_order_sub_list(c, "_shipping_addresses");
}

static void fire_order(struct km__bigcommerce_state *st, const char *scope,
                       int64_t id, int prev, int next)
{
    cJSON *d = cJSON_CreateObject();

    cJSON_AddStringToObject(d, "type", "order");
    cJSON_AddNumberToObject(d, "id", (double)id);
    if (prev >= 0) {
        cJSON *s = cJSON_CreateObject();

        cJSON_AddNumberToObject(s, "previous_status_id", prev);
        cJSON_AddNumberToObject(s, "new_status_id", next);
        cJSON_AddItemToObject(d, "status", s);
    }
    km__bigcommerce_fire(st, scope, d);
}

/* Sets the status (and fires updated + statusUpdated when it changed). */
int km__bigcommerce_order_set_status(struct km__bigcommerce_state *st, cJSON *o,
                                     int status, int64_t now)
{
    int prev = (int)kx_json_numeric(o, "status_id", 0);

    if (!km__bigcommerce_status_name(status))
        return -1;
    km__storefront_set(o, "status_id", cJSON_CreateNumber(status));
    km__storefront_set(o, "status",
                       cJSON_CreateString(km__bigcommerce_status_name(status)));
    km__storefront_set(o, "custom_status",
                       cJSON_CreateString(km__bigcommerce_status_name(status)));
    km__bigcommerce_order_set_date(o, "date_modified", "_modified_ms", now);
    fire_order(st, "store/order/updated", km__bigcommerce_id(o), -1, 0);
    if (prev != status)
        fire_order(st, "store/order/statusUpdated", km__bigcommerce_id(o), prev,
                   status);
    return 0;
}

void km__bigcommerce_orders_update(struct km_response *res,
                                   const struct km_request *req, void *state)
{
    struct km__bigcommerce_call *c = KM__BIGCOMMERCE_CALL(res, req, state);
    cJSON *o = km__bigcommerce_order_or_404(c), *body;
    const cJSON *sid;

    if (!o)
        return;
    if (!(body = km__bigcommerce_v2_body(c)))
        return;
    if (*kx_json_str_or(body, "staff_notes", ""))
        km__storefront_set(
            o, "staff_notes",
            cJSON_CreateString(kx_json_str_or(body, "staff_notes", "")));
    sid = cJSON_GetObjectItemCaseSensitive(body, "status_id");
    if (sid && (!cJSON_IsNumber(sid) ||
                km__bigcommerce_order_set_status(c->st, o, sid->valueint,
                                                 c->req->now_ms) != 0)) {
        km__bigcommerce_v2_error(c->res, 400,
                                 "The field 'status_id' is invalid.");
    } else {
        if (!sid) {
            km__bigcommerce_order_set_date(o, "date_modified", "_modified_ms",
                                           c->req->now_ms);
            fire_order(c->st, "store/order/updated", km__bigcommerce_id(o), -1,
                       0);
        }
        km_response_json(c->res, 200, km__bigcommerce_order_json(c->st, o));
    }
    cJSON_Delete(body);
}

/* ---- actions --------------------------------------------------------------
 */

static int place_order(struct km__bigcommerce_state *st, const cJSON *args,
                       cJSON **result, char *err, size_t errsz)
{
    int64_t now = ks_clock_now_ms(st->clock);
    char why[256];
    cJSON *o = km__bigcommerce_order_store(st, args, now, why, sizeof(why));
    const cJSON *l;

    if (!o) {
        snprintf(err, errsz, "bigcommerce: place_order: %s", why);
        return -1;
    }
    /* Stock moves by the quantities ordered, as a relative change. */
    cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(o, "_products"))
    {
        struct km__bigcommerce_product *p = km__bigcommerce_product_by_id(
            st, (int64_t)kx_json_numeric(l, "product_id", 0));
        struct km__bigcommerce_variant *v = km__bigcommerce_variant_by_id(
            st, (int64_t)kx_json_numeric(l, "variant_id", 0));
        int64_t q = (int64_t)kx_json_numeric(l, "quantity", 0);

        if (!p)
            continue;
        p->total_sold += q;
        if (p->tracking == BC_TRACK_VARIANT && v)
            km__bigcommerce_stock_set(
                st, p, v, v->inventory_level > q ? v->inventory_level - q : 0,
                "relative");
        else if (p->tracking == BC_TRACK_PRODUCT)
            km__bigcommerce_stock_set(
                st, p, NULL,
                p->inventory_level > q ? p->inventory_level - q : 0,
                "relative");
    }
    fire_order(st, "store/order/created", km__bigcommerce_id(o), -1, 0);
    *result = km__bigcommerce_order_json(st, o);
    return 0;
}

int km__bigcommerce_order_act(struct km__bigcommerce_state *st,
                              const char *action, const cJSON *args,
                              cJSON **result, char *err, size_t errsz)
{
    if (strcmp(action, "place_order") == 0)
        return place_order(st, args, result, err, errsz);
    if (strcmp(action, "update_order_status") == 0) {
        cJSON *o = km__storefront_find(st->orders, km__bigcommerce_id(args));

        if (!o || km__bigcommerce_order_set_status(
                      st, o, (int)kx_json_numeric(args, "status_id", 0),
                      ks_clock_now_ms(st->clock)) != 0) {
            snprintf(err, errsz,
                     "bigcommerce: update_order_status needs a known id and "
                     "a status_id from 0 to 14");
            return -1;
        }
        *result = km__bigcommerce_order_json(st, o);
        return 0;
    }
    snprintf(err, errsz, "bigcommerce: unknown action \"%s\"", action);
    return -1;
}
