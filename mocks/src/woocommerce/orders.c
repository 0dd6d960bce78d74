/*
 * Orders and the shopper-side actions: place_order, update_order,
 * add_refund (refunds themselves are in refunds.c). Money travels as
 * strings with two decimals, except line item "price", a JSON number, as
 * in WooCommerce's replies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include "woocommerce_emu.h"

static const char *const order_statuses[] = {
    "pending",  "processing", "on-hold", "completed",      "cancelled",
    "refunded", "failed",     "trash",   "checkout-draft", NULL};

static const char *const order_readonly[] = {"id",
                                             "number",
                                             "order_key",
                                             "date_created",
                                             "date_created_gmt",
                                             "date_modified",
                                             "date_modified_gmt",
                                             "refunds",
                                             "line_items",
                                             "total",
                                             NULL};

static int valid_status(const char *s)
{
    for (size_t i = 0; order_statuses[i]; i++)
        if (strcmp(order_statuses[i], s) == 0)
            return 1;
    return 0;
}

static void money(cJSON *o, const char *name, double v)
{
    char buf[32];

    km__woocommerce_money(buf, v);
    km__woocommerce_set_str(o, name, buf);
}

/* Builds line items from {product_id | sku, variation_id, quantity,
 * price}; the price defaults to the product's. Returns the subtotal. */
static double build_items(struct km__woocommerce_state *st, cJSON *order,
                          const cJSON *lines, int reduce_stock)
{
    cJSON *items = cJSON_CreateArray();
    const cJSON *it;
    double sum = 0;

    cJSON_ArrayForEach(it, lines)
    {
        const char *sku = kx_json_str_or(it, "sku", "");
        int64_t pid = (int64_t)kx_json_numeric(it, "product_id", 0);
        int64_t vid = (int64_t)kx_json_numeric(it, "variation_id", 0);
        double qty = kx_json_numeric(it, "quantity", 0), price;
        cJSON *p = NULL, *v = NULL, *li = cJSON_CreateObject();
        const cJSON *x;

        if (*sku && !pid) {
            cJSON_ArrayForEach(x, st->products)
            {
                if (strcmp(kx_json_str_or(x, "sku", ""), sku) == 0)
                    p = (cJSON *)x;
            }
            cJSON_ArrayForEach(x, st->variations)
            {
                if (!p && strcmp(kx_json_str_or(x, "sku", ""), sku) == 0) {
                    v = (cJSON *)x;
                    vid = km__woocommerce_id(x);
                    pid = (int64_t)kx_json_numeric(x, "parent_id", 0);
                }
            }
            if (p)
                pid = km__woocommerce_id(p);
        }
        if (!p)
            p = km__storefront_find(st->products, pid);
        if (!v && vid)
            v = km__storefront_find(st->variations, vid);
        if (qty <= 0)
            qty = 1;
        price = cJSON_GetObjectItemCaseSensitive(it, "price")
                    ? kx_json_numeric(it, "price", 0)
                    : kx_json_numeric(v ? v : p, "price", 0);
        cJSON_AddNumberToObject(li, "id", (double)st->next_item_id++);
        cJSON_AddStringToObject(li, "name",
                                *kx_json_str_or(it, "name", "")
                                    ? kx_json_str_or(it, "name", "")
                                    : kx_json_str_or(p, "name", ""));
        cJSON_AddNumberToObject(li, "product_id", (double)pid);
        cJSON_AddNumberToObject(li, "variation_id", (double)vid);
        cJSON_AddNumberToObject(li, "quantity", qty);
        cJSON_AddStringToObject(li, "tax_class", "");
        money(li, "subtotal", price * qty);
        money(li, "subtotal_tax", 0);
        money(li, "total", price * qty);
        money(li, "total_tax", 0);
        cJSON_AddItemToObject(li, "taxes", cJSON_CreateArray());
        cJSON_AddItemToObject(li, "meta_data", cJSON_CreateArray());
        cJSON_AddStringToObject(
            li, "sku", *sku ? sku : kx_json_str_or(v ? v : p, "sku", ""));
        cJSON_AddNumberToObject(li, "price", price);
        cJSON_AddItemToArray(items, li);
        sum += price * qty;
        if (reduce_stock && (v || p) &&
            cJSON_IsTrue(
                cJSON_GetObjectItemCaseSensitive(v ? v : p, "manage_stock"))) {
            cJSON *target = v ? v : p;

            km__woocommerce_set_num(
                target, "stock_quantity",
                kx_json_numeric(target, "stock_quantity", 0) - qty);
            km__woocommerce_product_normalize(target);
            km__woocommerce_set_dates(target, ks_clock_now_ms(st->clock), 0);
            km__woocommerce_fire(st, "product", "updated", target);
        }
    }
    km__storefront_set(order, "line_items", items);
    return sum;
}

cJSON *km__woocommerce_order_store(struct km__woocommerce_state *st,
                                   const cJSON *body, int64_t now, int how,
                                   struct km__woocommerce_err *err)
{
    int from_checkout = (how & KM__WOOCOMMERCE_CHECKOUT) != 0;
    const char *status = kx_json_str_or(body, "status", "");
    const cJSON *lines = cJSON_GetObjectItemCaseSensitive(body, "line_items");
    const cJSON *refunds = cJSON_GetObjectItemCaseSensitive(body, "refunds");
    const cJSON *r;
    int64_t id = km__woocommerce_id(body);
    char buf[64];
    double sum, shipping;
    cJSON *o;

    if (*status && !valid_status(status)) {
        km__woocommerce_err_set(err, 400, "rest_invalid_param",
                                "Invalid parameter(s): status");
        return NULL;
    }
    if (id <= 0 || km__storefront_find(st->orders, id))
        id = st->next_post_id++;
    else if (id >= st->next_post_id)
        st->next_post_id = id + 1;
    o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)id);
    cJSON_AddNumberToObject(o, "parent_id", 0);
    snprintf(buf, sizeof(buf), "%lld", (long long)id);
    cJSON_AddStringToObject(o, "number", buf);
    snprintf(buf, sizeof(buf), "wc_order_%08llx",
             (unsigned long long)(id * 2654435761u));
    cJSON_AddStringToObject(o, "order_key", buf);
    cJSON_AddStringToObject(o, "created_via",
                            from_checkout ? "checkout" : "rest-api");
    cJSON_AddStringToObject(o, "version", "8.9.0");
    cJSON_AddStringToObject(o, "status", *status ? status : "pending");
    cJSON_AddStringToObject(o, "currency", "USD");
    cJSON_AddNumberToObject(o, "customer_id", 0);
    cJSON_AddStringToObject(o, "customer_note", "");
    cJSON_AddStringToObject(o, "payment_method", "bacs");
    cJSON_AddStringToObject(o, "payment_method_title", "Direct bank transfer");
    cJSON_AddStringToObject(o, "transaction_id", "");
    cJSON_AddFalseToObject(o, "prices_include_tax");
    cJSON_AddItemToObject(o, "billing", cJSON_CreateObject());
    cJSON_AddItemToObject(o, "shipping", cJSON_CreateObject());
    cJSON_AddItemToObject(o, "meta_data", cJSON_CreateArray());
    cJSON_AddItemToObject(o, "tax_lines", cJSON_CreateArray());
    cJSON_AddItemToObject(o, "shipping_lines", cJSON_CreateArray());
    cJSON_AddItemToObject(o, "fee_lines", cJSON_CreateArray());
    cJSON_AddItemToObject(o, "coupon_lines", cJSON_CreateArray());
    if (from_checkout) {
        /* A storefront checkout records the shopper's address, browser
         * and cart ([I] values: a documentation address and a plain
         * browser string; the cart hash is an md5-length hex). */
        snprintf(buf, sizeof(buf), "%032llx",
                 (unsigned long long)(id * 0x9e3779b97f4a7c15ull));
        cJSON_AddStringToObject(o, "cart_hash", buf);
        cJSON_AddStringToObject(o, "customer_ip_address", "203.0.113.10");
        cJSON_AddStringToObject(o, "customer_user_agent",
                                "Mozilla/5.0 (X11; Linux x86_64)");
    }
    km__woocommerce_merge(o, body, order_readonly);
    sum = build_items(st, o, lines, (how & KM__WOOCOMMERCE_REDUCE_STOCK) != 0);
    shipping = kx_json_numeric(o, "shipping_total", 0);
    money(o, "discount_total", kx_json_numeric(o, "discount_total", 0));
    money(o, "discount_tax", 0);
    money(o, "shipping_total", shipping);
    money(o, "shipping_tax", 0);
    money(o, "cart_tax", 0);
    money(o, "total_tax", 0);
    money(o, "total",
          cJSON_GetObjectItemCaseSensitive(body, "total")
              ? kx_json_numeric(body, "total", 0)
              : sum + shipping - kx_json_numeric(o, "discount_total", 0));
    km__woocommerce_set_dates(o, now, 1);
    km__woocommerce_complete(o, KM__WOOCOMMERCE_ORDER);
    km__woocommerce_order_dates(o, now);
    if (cJSON_GetObjectItemCaseSensitive(body, "date_modified_gmt")) {
        km__woocommerce_set_str(o, "date_modified",
                                kx_json_str_or(body, "date_modified_gmt", ""));
        km__woocommerce_set_str(o, "date_modified_gmt",
                                kx_json_str_or(body, "date_modified_gmt", ""));
    }
    cJSON_AddItemToArray(st->orders, o);
    cJSON_ArrayForEach(r, refunds)
    {
        if (!km__woocommerce_refund_store(st, o, r, now, err))
            return NULL;
    }
    return o;
}

/* The v3 order (shapes.c adds the refunds summary). */
cJSON *km__woocommerce_order_public(struct km__woocommerce_state *st,
                                    const cJSON *order)
{
    return km__woocommerce_public(st, order);
}

/* The orders' rows, read again after every write (a stored member moves
 * or goes only in a write, which touches the texts first). */
static const struct km__woocommerce_order_row *
order_rows(struct km__woocommerce_state *st, size_t *n)
{
    const cJSON *it;

    if (st->order_rows_at != st->texts.writes + 1) {
        size_t k = 0;

        free(st->order_rows);
        st->order_rows = kx_xcalloc((size_t)cJSON_GetArraySize(st->orders) + 1,
                                    sizeof(*st->order_rows));
        cJSON_ArrayForEach(it, st->orders)
        {
            st->order_rows[k++] = (struct km__woocommerce_order_row){
                it, kx_json_str_or(it, "status", ""),
                kx_json_str_or(it, "date_created_gmt", ""),
                kx_json_str_or(it, "date_modified_gmt", ""),
                (int64_t)kx_json_numeric(it, "customer_id", 0)};
        }
        st->norder_rows = k;
        st->order_rows_at = st->texts.writes + 1;
    }
    *n = st->norder_rows;
    return st->order_rows;
}

void km__woocommerce_orders_list(struct km_response *res,
                                 const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    const char *status = km_request_arg(c->req, "status");
    const char *since = km_request_arg(c->req, "modified_after");
    const char *customer = km_request_arg(c->req, "customer");
    const char *orderby = km_request_arg(c->req, "orderby");
    struct km__woocommerce_matches m = {.public_json =
                                            km__woocommerce_order_public};
    const struct km__woocommerce_order_row *rows;
    size_t nrows;
    int by_date, by_modified;

    if (km__woocommerce_matches_start(c, &m, c->st->orders) != 0)
        return;
    if (orderby && strcmp(orderby, "date") && strcmp(orderby, "id") &&
        strcmp(orderby, "modified") && strcmp(orderby, "include")) {
        km__woocommerce_error(c->res, 400, "rest_invalid_param",
                              "Invalid parameter(s): orderby");
        free(m.v);
        return;
    }
    by_date = !orderby || strcmp(orderby, "date") == 0;
    by_modified = !by_date && strcmp(orderby, "modified") == 0;
    m.sort_field = by_date       ? "date_created_gmt"
                   : by_modified ? "date_modified_gmt"
                                 : NULL;
    rows = order_rows(c->st, &nrows);
    for (size_t i = 0; i < nrows; i++) {
        const struct km__woocommerce_order_row *r = &rows[i];

        if (status && strcmp(status, "any") != 0 && !strstr(status, r->status))
            continue;
        if (!status && strcmp(r->status, "trash") == 0)
            continue;
        if (customer && r->customer_id != strtoll(customer, NULL, 10))
            continue;
        if (km__woocommerce_matches_add(c, &m, r->obj,
                                        by_date       ? r->created
                                        : by_modified ? r->modified
                                                      : "",
                                        since))
            return;
    }
    km__woocommerce_matches_send(c, &m);
}

cJSON *km__woocommerce_order_or_404(struct km__woocommerce_call *c, int status)
{
    /* The order's own routes name it "id", its refunds' "order_id". */
    const char *name = km_request_param(c->req, "order_id") ? "order_id" : "id";
    cJSON *o =
        km__storefront_find(c->st->orders, km_request_param_id(c->req, name));

    if (!o)
        km__woocommerce_error(c->res, status,
                              "woocommerce_rest_shop_order_invalid_id",
                              "Invalid ID.");
    return o;
}

void km__woocommerce_orders_get(struct km_response *res,
                                const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    cJSON *o = km__woocommerce_order_or_404(c, 404);

    if (o)
        km_response_json(c->res, 200, km__woocommerce_order_public(c->st, o));
}

static int order_apply(struct km__woocommerce_state *st, cJSON *o,
                       const cJSON *body, int64_t now,
                       struct km__woocommerce_err *err)
{
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(body, "status");

    if (status &&
        (!cJSON_IsString(status) || !valid_status(status->valuestring))) {
        km__woocommerce_err_set(err, 400, "rest_invalid_param",
                                "Invalid parameter(s): status");
        return -1;
    }
    (void)st;
    km__woocommerce_merge(o, body, order_readonly);
    km__woocommerce_set_dates(o, now, 0);
    km__woocommerce_order_dates(o, now);
    return 0;
}

static cJSON *order_find(struct km__woocommerce_state *st, int64_t parent,
                         int64_t id)
{
    (void)parent;
    return km__storefront_find(st->orders, id);
}

/* [C] WC_REST_Orders_Controller: set_paid (write-only) marks the order
 * paid, which moves it to processing and takes its stock, as
 * WC_Order::payment_complete does. */
static cJSON *order_create(struct km__woocommerce_state *st, int64_t parent,
                           const cJSON *body, int64_t now,
                           struct km__woocommerce_err *err)
{
    int paid = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body, "set_paid"));
    cJSON *copy = cJSON_Duplicate(body, 1), *o;

    (void)parent;
    cJSON_DeleteItemFromObjectCaseSensitive(copy, "set_paid");
    if (paid && !cJSON_GetObjectItemCaseSensitive(copy, "status"))
        cJSON_AddStringToObject(copy, "status", "processing");
    o = km__woocommerce_order_store(
        st, copy, now, paid ? KM__WOOCOMMERCE_REDUCE_STOCK : 0, err);
    cJSON_Delete(copy);
    return o;
}

static int order_update(struct km__woocommerce_state *st, cJSON *obj,
                        const cJSON *body, int64_t now,
                        struct km__woocommerce_err *err)
{
    return order_apply(st, obj, body, now, err);
}

static void order_remove(struct km__woocommerce_state *st, cJSON *obj)
{
    int64_t id = km__woocommerce_id(obj);
    cJSON *r = st->refunds->child, *next;

    for (; r; r = next) {
        next = r->next;
        if ((int64_t)kx_json_numeric(r, "_order_id", 0) == id)
            cJSON_Delete(cJSON_DetachItemViaPointer(st->refunds, r));
    }
    km__woocommerce_notes_drop(st, id);
    cJSON_Delete(cJSON_DetachItemViaPointer(st->orders, obj));
}

static const struct km__woocommerce_kind order_kind = {
    "order",
    "woocommerce_rest_shop_order_invalid_id",
    1,
    order_find,
    order_create,
    order_update,
    order_remove,
    NULL,
    0};

void km__woocommerce_orders_create(struct km_response *res,
                                   const struct km_request *req, void *state)
{
    km__woocommerce_item_create(KM__WOOCOMMERCE_CALL(res, req, state),
                                &order_kind, 0);
}

void km__woocommerce_orders_update(struct km_response *res,
                                   const struct km_request *req, void *state)
{
    km__woocommerce_item_update(KM__WOOCOMMERCE_CALL(res, req, state),
                                &order_kind, 0, km_request_param_id(req, "id"));
}

void km__woocommerce_orders_delete(struct km_response *res,
                                   const struct km_request *req, void *state)
{
    km__woocommerce_item_delete(KM__WOOCOMMERCE_CALL(res, req, state),
                                &order_kind, 0, km_request_param_id(req, "id"));
}

void km__woocommerce_orders_batch(struct km_response *res,
                                  const struct km_request *req, void *state)
{
    km__woocommerce_batch(KM__WOOCOMMERCE_CALL(res, req, state), &order_kind,
                          0);
}

int km__woocommerce_order_act(struct km__woocommerce_state *st,
                              const char *action, const cJSON *args,
                              cJSON **result, char *err, size_t errsz)
{
    int64_t now = ks_clock_now_ms(st->clock);
    struct km__woocommerce_err e;
    cJSON *o;

    if (strcmp(action, "place_order") == 0) {
        cJSON *body = args ? cJSON_Duplicate(args, 1) : cJSON_CreateObject();

        if (!cJSON_GetObjectItemCaseSensitive(body, "status"))
            cJSON_AddStringToObject(body, "status", "processing");
        o = km__woocommerce_order_store(
            st, body, now,
            KM__WOOCOMMERCE_CHECKOUT | KM__WOOCOMMERCE_REDUCE_STOCK, &e);
        cJSON_Delete(body);
        if (!o)
            goto fail;
        *result = km__woocommerce_order_public(st, o);
        km__woocommerce_fire(st, "order", "created", o);
        return 0;
    }
    if (strcmp(action, "update_order") == 0 ||
        strcmp(action, "add_refund") == 0) {
        int refund = action[0] == 'a';
        int64_t id =
            (int64_t)kx_json_numeric(args, refund ? "order_id" : "id", 0);

        o = km__storefront_find(st->orders, id);
        if (!o) {
            snprintf(err, errsz, "woocommerce: %s: no order %lld", action,
                     (long long)id);
            return -1;
        }
        if (refund) {
            cJSON *r = km__woocommerce_refund_store(st, o, args, now, &e);

            if (!r)
                goto fail;
            km__woocommerce_fire(st, "order", "updated", o);
            *result = km__woocommerce_public(st, r);
            return 0;
        }
        if (order_apply(st, o, args, now, &e) != 0)
            goto fail;
        km__woocommerce_fire(st, "order", "updated", o);
        *result = km__woocommerce_order_public(st, o);
        return 0;
    }
    snprintf(err, errsz, "woocommerce: unknown action \"%s\"", action);
    return -1;
fail:
    snprintf(err, errsz, "woocommerce: %s: %s: %s", action, e.code, e.message);
    return -1;
}
