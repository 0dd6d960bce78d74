/*
 * Orders, their items and invoices (README.md, "Orders and invoices"):
 * entity_id and increment_id, POST /V1/orders {"entity"} creating or
 * updating, custom attributes with string values, invoices for all or
 * part of the items answering the new id as a bare JSON scalar, and the
 * actions a shopper or an admin performs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include "adobe_emu.h"

#define SET(o, k, v) km__adobe_set((o), (k), (v))
#define PLACE_HOOK "observer.sales_order_place_before"
#define INVOICE_HOOK "observer.sales_order_invoice_save_before"

/* Members a client cannot set on an order. */
static const char *const order_readonly[] = {
    "entity_id",      "increment_id", "created_at", "updated_at", "items",
    "total_invoiced", "total_paid",   "total_due",  NULL};

static int readonly(const char *name, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], name) == 0)
            return 1;
    return name[0] == '_';
}

int km__adobe_custom_attributes_check(const cJSON *obj, char *why, size_t whysz)
{
    cJSON *ca = cJSON_GetObjectItemCaseSensitive(obj, "custom_attributes");
    cJSON *it;
    int i = 0;

    if (!ca)
        return 0;
    if (!cJSON_IsArray(ca)) {
        snprintf(why, whysz, "custom_attributes must be a list");
        return -1;
    }
    cJSON_ArrayForEach(it, ca)
    {
        cJSON *v = cJSON_GetObjectItemCaseSensitive(it, "value");

        if (!cJSON_IsString(
                cJSON_GetObjectItemCaseSensitive(it, "attribute_code"))) {
            snprintf(why, whysz,
                     "custom_attributes/%d: attribute_code is required", i);
            return -1;
        }
        /* values are stored as text: a number or boolean becomes its text */
        if (cJSON_IsNumber(v) || cJSON_IsBool(v)) {
            char text[64];

            if (cJSON_IsBool(v))
                snprintf(text, sizeof(text), "%s", cJSON_IsTrue(v) ? "1" : "0");
            else
                snprintf(text, sizeof(text), "%.15g", v->valuedouble);
            SET(it, "value", cJSON_CreateString(text));
        } else if (!cJSON_IsString(v)) {
            snprintf(why, whysz, "custom_attributes/%d: value must be a string",
                     i);
            return -1;
        }
        i++;
    }
    return 0;
}

static double num(const cJSON *o, const char *k)
{
    return kx_json_num(o, k, 0);
}

static double round2(double v)
{
    return round(v * 100) / 100;
}

/* Totals from the items and the order's own amounts. */
static void totals(cJSON *order)
{
    double subtotal = 0, qty = 0, invoiced = 0, grand;
    cJSON *it;

    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(order, "items"))
    {
        double row = round2(num(it, "price") * num(it, "qty_ordered"));

        SET(it, "row_total", cJSON_CreateNumber(row));
        SET(it, "base_row_total", cJSON_CreateNumber(row));
        subtotal += row;
        qty += num(it, "qty_ordered");
        invoiced += round2(num(it, "price") * num(it, "qty_invoiced"));
    }
    grand =
        round2(subtotal + num(order, "shipping_amount") +
               num(order, "tax_amount") - fabs(num(order, "discount_amount")));
    SET(order, "subtotal", cJSON_CreateNumber(round2(subtotal)));
    SET(order, "base_subtotal", cJSON_CreateNumber(round2(subtotal)));
    SET(order, "grand_total", cJSON_CreateNumber(grand));
    SET(order, "base_grand_total", cJSON_CreateNumber(grand));
    SET(order, "total_qty_ordered", cJSON_CreateNumber(qty));
    SET(order, "total_item_count",
        cJSON_CreateNumber(cJSON_GetArraySize(
            cJSON_GetObjectItemCaseSensitive(order, "items"))));
    SET(order, "total_invoiced", cJSON_CreateNumber(round2(invoiced)));
    SET(order, "total_due",
        cJSON_CreateNumber(round2(grand - num(order, "total_paid"))));
}

static void defaults(cJSON *o, const char *const *kv)
{
    for (size_t i = 0; kv[i]; i += 2)
        if (!cJSON_GetObjectItemCaseSensitive(o, kv[i]))
            SET(o, kv[i], cJSON_CreateString(kv[i + 1]));
}

static int item_store(struct km__adobe_state *st, cJSON *order, cJSON *item,
                      const char *date, char *why, size_t whysz)
{
    const cJSON *sku = cJSON_GetObjectItemCaseSensitive(item, "sku");
    cJSON *product;

    if (!cJSON_IsString(sku)) {
        snprintf(why, whysz, "an item needs a sku");
        return -1;
    }
    product = NULL;
    cJSON_ArrayForEach(
        product, st->products) if (strcmp(kx_json_str_or(product, "sku", ""),
                                          sku->valuestring) == 0) break;
    if (km__adobe_custom_attributes_check(item, why, whysz) != 0)
        return -1;
    SET(item, "item_id", cJSON_CreateNumber((double)st->next_item_id++));
    SET(item, "order_id",
        cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(order, "entity_id"),
                        1));
    if (!cJSON_GetObjectItemCaseSensitive(item, "name"))
        SET(item, "name",
            cJSON_CreateString(
                kx_json_str_or(product, "name", sku->valuestring)));
    if (!cJSON_GetObjectItemCaseSensitive(item, "price"))
        SET(item, "price", cJSON_CreateNumber(num(product, "price")));
    if (product && !cJSON_GetObjectItemCaseSensitive(item, "product_id"))
        SET(item, "product_id", cJSON_CreateNumber(num(product, "id")));
    SET(item, "base_price", cJSON_CreateNumber(num(item, "price")));
    if (!cJSON_GetObjectItemCaseSensitive(item, "qty_ordered"))
        SET(item, "qty_ordered", cJSON_CreateNumber(1));
    SET(item, "qty_invoiced", cJSON_CreateNumber(0));
    SET(item, "qty_shipped", cJSON_CreateNumber(0));
    SET(item, "qty_refunded", cJSON_CreateNumber(0));
    SET(item, "qty_canceled", cJSON_CreateNumber(0));
    defaults(item, (const char *const[]){"product_type", "simple", NULL});
    SET(item, "created_at", cJSON_CreateString(date));
    SET(item, "updated_at", cJSON_CreateString(date));
    return 0;
}

static cJSON *order_create(struct km__adobe_state *st, const cJSON *entity,
                           int64_t now, char *why, size_t whysz)
{
    cJSON *o = cJSON_Duplicate(entity, 1), *items, *it;
    char date[32], inc[32];
    int64_t id = st->next_order_id;

    km__adobe_date(date, now);
    SET(o, "entity_id", cJSON_CreateNumber((double)id));
    if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "increment_id"))) {
        snprintf(inc, sizeof(inc), "%09lld", (long long)id);
        SET(o, "increment_id", cJSON_CreateString(inc));
    }
    defaults(o, (const char *const[]){"state", "new", "status", "pending",
                                      "order_currency_code", "USD",
                                      "base_currency_code", "USD", NULL});
    if (!cJSON_GetObjectItemCaseSensitive(o, "store_id"))
        SET(o, "store_id", cJSON_CreateNumber(1));
    if (!cJSON_GetObjectItemCaseSensitive(o, "customer_is_guest"))
        SET(o, "customer_is_guest",
            cJSON_CreateNumber(
                cJSON_GetObjectItemCaseSensitive(o, "customer_id") ? 0 : 1));
    SET(o, "created_at", cJSON_CreateString(date));
    SET(o, "updated_at", cJSON_CreateString(date));
    SET(o, "total_paid", cJSON_CreateNumber(0));
    if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(o, "items")))
        SET(o, "items", cJSON_CreateArray());
    if (!cJSON_GetObjectItemCaseSensitive(o, "status_histories"))
        SET(o, "status_histories", cJSON_CreateArray());
    if (!cJSON_GetObjectItemCaseSensitive(o, "extension_attributes"))
        SET(o, "extension_attributes", cJSON_CreateObject());
    items = cJSON_GetObjectItemCaseSensitive(o, "items");
    if (km__adobe_custom_attributes_check(o, why, whysz) != 0)
        goto fail;
    cJSON_ArrayForEach(it, items)
    {
        if (!cJSON_IsObject(it)) {
            snprintf(why, whysz, "items must be objects");
            goto fail;
        }
        if (item_store(st, o, it, date, why, whysz) != 0)
            goto fail;
    }
    totals(o);
    st->next_order_id++;
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

static int order_update(cJSON *o, const cJSON *entity, int64_t now, char *why,
                        size_t whysz)
{
    const cJSON *it;
    char date[32];

    if (km__adobe_custom_attributes_check(entity, why, whysz) != 0)
        return -1;
    cJSON_ArrayForEach(it, entity)
    {
        if (it->string && !readonly(it->string, order_readonly))
            SET(o, it->string, cJSON_Duplicate(it, 1));
    }
    km__adobe_date(date, now);
    SET(o, "updated_at", cJSON_CreateString(date));
    totals(o);
    return 0;
}

cJSON *km__adobe_order_store(struct km__adobe_state *st, const cJSON *entity,
                             int64_t now, char *why, size_t whysz)
{
    cJSON *o;

    if (!cJSON_IsObject(entity)) {
        snprintf(why, whysz, "entity must be an object");
        return NULL;
    }
    if (!(o = order_create(st, entity, now, why, whysz)))
        return NULL;
    cJSON_AddItemToArray(st->orders, o);
    return o;
}

int km__adobe_order_fixture(void *state, const cJSON *item, int64_t now,
                            char *why, size_t whysz)
{
    return km__adobe_order_store(state, item, now, why, whysz) ? 0 : -1;
}

/* ---- REST: orders ------------------------------------------------------- */

void km__adobe_orders_list(struct km_response *res,
                           const struct km_request *req, void *state)
{
    struct km__adobe_call c;

    km__adobe_call_init(&c, res, req, state);
    km__adobe_list(&c, c.st->orders, km__adobe_public);
}

void km__adobe_orders_get(struct km_response *res, const struct km_request *req,
                          void *state)
{
    struct km__adobe_state *st = state;
    cJSON *o = km__adobe_find(st->orders, "entity_id",
                              km_request_param_id(req, "order_id"));

    if (!o) {
        km__adobe_no_entity(res, NULL, NULL);
        return;
    }
    km_response_json(res, 200, km__storefront_public(o));
}

/* POST /V1/orders {"entity": {...}}: with an entity_id an update of that
 * order, else a new one. */
void km__adobe_orders_save(struct km_response *res,
                           const struct km_request *req, void *state)
{
    struct km__adobe_call c;
    cJSON *body, *entity, *o, *id;
    char why[256];

    km__adobe_call_init(&c, res, req, state);
    if (!(body = km__adobe_body(&c)))
        return;
    entity = cJSON_GetObjectItemCaseSensitive(body, "entity");
    id = cJSON_GetObjectItemCaseSensitive(entity, "entity_id");
    if (!cJSON_IsObject(entity)) {
        km__adobe_error1(res, 400,
                         "\"%fieldName\" is required. Enter and try again.",
                         "fieldName", "entity");
    } else if (id && !cJSON_IsNull(id)) {
        o = km__adobe_find(c.st->orders, "entity_id",
                           (int64_t)kx_json_num(entity, "entity_id", -1));
        if (!o)
            km__adobe_no_entity(res, NULL, NULL);
        else if (order_update(o, entity, req->now_ms, why, sizeof(why)) != 0)
            km__adobe_error(res, 400, why, NULL);
        else
            km_response_json(res, 200, km__storefront_public(o));
    } else if (!(o = km__adobe_order_store(c.st, entity, req->now_ms, why,
                                           sizeof(why)))) {
        km__adobe_error(res, 400, why, NULL);
    } else {
        km_response_json(res, 200, km__storefront_public(o));
    }
    cJSON_Delete(body);
}

static cJSON *item_find(struct km__adobe_state *st, int64_t id, cJSON **order)
{
    cJSON *o, *it;

    cJSON_ArrayForEach(o, st->orders)
    {
        if ((it = km__adobe_find(cJSON_GetObjectItemCaseSensitive(o, "items"),
                                 "item_id", id))) {
            if (order)
                *order = o;
            return it;
        }
    }
    return NULL;
}

void km__adobe_order_items_get(struct km_response *res,
                               const struct km_request *req, void *state)
{
    cJSON *it = item_find(state, km_request_param_id(req, "item_id"), NULL);

    if (!it)
        km__adobe_no_entity(res, NULL, NULL);
    else
        km_response_json(res, 200, km__storefront_public(it));
}

/* ---- invoices -------------------------------------------------------------
 */

/* What is left to invoice of an item. */
static double open_qty(const cJSON *item)
{
    return num(item, "qty_ordered") - num(item, "qty_invoiced") -
           num(item, "qty_canceled");
}

/* Builds the invoice of order for body's items (all open quantities when
 * it has none); NULL with why (and status) when refused. */
static cJSON *invoice_build(struct km__adobe_state *st, cJSON *order,
                            const cJSON *body, int64_t now, char *why,
                            size_t whysz)
{
    const cJSON *want = cJSON_GetObjectItemCaseSensitive(body, "items"), *wi;
    cJSON *inv = cJSON_CreateObject(), *lines = cJSON_CreateArray(), *it, *w;
    double subtotal = 0, qty = 0;
    char date[32], inc[32];

    cJSON_AddItemToObject(inv, "items", lines);
    if (cJSON_GetArraySize(want) > 0) {
        cJSON_ArrayForEach(wi, want)
        {
            int64_t iid = (int64_t)kx_json_num(wi, "order_item_id", -1);
            double q = kx_json_num(wi, "qty", 0);
            cJSON *line;

            it =
                km__adobe_find(cJSON_GetObjectItemCaseSensitive(order, "items"),
                               "item_id", iid);
            if (!it || q <= 0 || q > open_qty(it) + 1e-9) {
                snprintf(why, whysz,
                         "We found an invalid quantity to invoice item \"%s\".",
                         it ? kx_json_str_or(it, "name", "") : "");
                goto fail;
            }
            line = cJSON_CreateObject();
            cJSON_AddNumberToObject(line, "order_item_id", (double)iid);
            cJSON_AddNumberToObject(line, "qty", q);
            cJSON_AddItemToArray(lines, line);
        }
    } else {
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(order, "items"))
        {
            if (open_qty(it) > 0) {
                cJSON *line = cJSON_CreateObject();

                cJSON_AddNumberToObject(line, "order_item_id",
                                        num(it, "item_id"));
                cJSON_AddNumberToObject(line, "qty", open_qty(it));
                cJSON_AddItemToArray(lines, line);
            }
        }
    }
    if (!cJSON_GetArraySize(lines)) {
        snprintf(why, whysz,
                 "The invoice can't be created without products. "
                 "Add products and try again.");
        goto fail;
    }
    cJSON_ArrayForEach(w, lines)
    {
        it = km__adobe_find(cJSON_GetObjectItemCaseSensitive(order, "items"),
                            "item_id", (int64_t)num(w, "order_item_id"));
        SET(w, "sku", cJSON_CreateString(kx_json_str_or(it, "sku", "")));
        SET(w, "name", cJSON_CreateString(kx_json_str_or(it, "name", "")));
        SET(w, "price", cJSON_CreateNumber(num(it, "price")));
        SET(w, "row_total",
            cJSON_CreateNumber(round2(num(it, "price") * num(w, "qty"))));
        if (cJSON_GetObjectItemCaseSensitive(it, "custom_attributes"))
            SET(w, "custom_attributes",
                cJSON_Duplicate(
                    cJSON_GetObjectItemCaseSensitive(it, "custom_attributes"),
                    1));
        subtotal += num(w, "row_total");
        qty += num(w, "qty");
    }
    km__adobe_date(date, now);
    snprintf(inc, sizeof(inc), "%09lld", (long long)st->next_invoice_id);
    cJSON_AddNumberToObject(inv, "order_id", num(order, "entity_id"));
    cJSON_AddStringToObject(inv, "increment_id", inc);
    cJSON_AddNumberToObject(inv, "state",
                            kx_json_bool(body, "capture", 0) ? 2 : 1);
    cJSON_AddNumberToObject(inv, "subtotal", round2(subtotal));
    cJSON_AddNumberToObject(inv, "grand_total", round2(subtotal));
    cJSON_AddNumberToObject(inv, "total_qty", qty);
    cJSON_AddStringToObject(inv, "created_at", date);
    cJSON_AddStringToObject(inv, "updated_at", date);
    if (cJSON_GetObjectItemCaseSensitive(body, "custom_attributes"))
        cJSON_AddItemToObject(inv, "custom_attributes",
                              cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(
                                                  body, "custom_attributes"),
                                              1));
    if (km__adobe_custom_attributes_check(inv, why, whysz) != 0)
        goto fail;
    return inv;
fail:
    cJSON_Delete(inv);
    return NULL;
}

/* Stores inv (after the invoice-save hooks) and moves the order on. */
static int invoice_save(struct km__adobe_state *st, cJSON *order, cJSON *inv,
                        int capture, int64_t now, char *why, size_t whysz)
{
    cJSON *w, *it;
    char date[32];
    int64_t id = st->next_invoice_id;

    if (km__adobe_hooks_run(st, INVOICE_HOOK, inv, why, whysz) != 0) {
        cJSON_Delete(inv);
        return -1;
    }
    SET(inv, "entity_id", cJSON_CreateNumber((double)id));
    cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(inv, "items"))
    {
        it = km__adobe_find(cJSON_GetObjectItemCaseSensitive(order, "items"),
                            "item_id", (int64_t)num(w, "order_item_id"));
        if (it)
            SET(it, "qty_invoiced",
                cJSON_CreateNumber(num(it, "qty_invoiced") + num(w, "qty")));
        SET(w, "parent_id", cJSON_CreateNumber((double)id));
    }
    if (capture)
        SET(order, "total_paid",
            cJSON_CreateNumber(
                round2(num(order, "total_paid") + num(inv, "grand_total"))));
    SET(order, "state", cJSON_CreateString("processing"));
    SET(order, "status", cJSON_CreateString("processing"));
    km__adobe_date(date, now);
    SET(order, "updated_at", cJSON_CreateString(date));
    totals(order);
    cJSON_AddItemToArray(st->invoices, inv);
    st->next_invoice_id++;
    return 0;
}

/* Creates an invoice; the new id, or -1 with status and why. */
static int64_t invoice_create(struct km__adobe_state *st, int64_t order_id,
                              const cJSON *body, int64_t now, int *status,
                              char *why, size_t whysz)
{
    cJSON *order = km__adobe_find(st->orders, "entity_id", order_id), *inv;

    *status = 404;
    if (!order) {
        snprintf(why, whysz,
                 "The entity that was requested doesn't exist. "
                 "Verify the entity and try again.");
        return -1;
    }
    *status = 400;
    if (!(inv = invoice_build(st, order, body, now, why, whysz)))
        return -1;
    if (invoice_save(st, order, inv, kx_json_bool(body, "capture", 0), now, why,
                     whysz) != 0)
        return -1;
    return st->next_invoice_id - 1;
}

void km__adobe_invoice_create(struct km_response *res,
                              const struct km_request *req, void *state)
{
    struct km__adobe_call c;
    cJSON *body;
    char why[256], id[32];
    int status;
    int64_t n;

    km__adobe_call_init(&c, res, req, state);
    if (!req->body_len)
        body = cJSON_CreateObject();
    else if (!(body = km__adobe_body(&c)))
        return;
    n = invoice_create(c.st, km_request_param_id(req, "order_id"), body,
                       req->now_ms, &status, why, sizeof(why));
    if (n < 0) {
        km__adobe_error(res, status, why, NULL);
    } else {
        /* the id as the database returns it: a JSON string of digits */
        snprintf(id, sizeof(id), "\"%lld\"", (long long)n);
        km_response_set(res, 200, "application/json", id, strlen(id));
    }
    cJSON_Delete(body);
}

int km__adobe_invoice_fixture(void *state, const cJSON *item, int64_t now,
                              char *why, size_t whysz)
{
    int status;

    return invoice_create(state, (int64_t)kx_json_num(item, "order_id", -1),
                          item, now, &status, why, whysz) < 0
               ? -1
               : 0;
}

void km__adobe_invoices_list(struct km_response *res,
                             const struct km_request *req, void *state)
{
    struct km__adobe_call c;

    km__adobe_call_init(&c, res, req, state);
    km__adobe_list(&c, c.st->invoices, km__adobe_public);
}

void km__adobe_invoices_get(struct km_response *res,
                            const struct km_request *req, void *state)
{
    struct km__adobe_state *st = state;
    cJSON *inv = km__adobe_find(st->invoices, "entity_id",
                                km_request_param_id(req, "invoice_id"));

    if (!inv)
        km__adobe_no_entity(res, NULL, NULL);
    else
        km_response_json(res, 200, km__storefront_public(inv));
}

/* ---- actions ----------------------------------------------------------------
 */

/* place_order {customer_email?, items: [{sku, qty, price?}], ...}: the
 * order-placement hooks run first; an abort leaves no order and answers
 * {"placed": false, "message"}. */
static int place_order(struct km__adobe_state *st, const cJSON *args,
                       cJSON **result, char *err, size_t errsz)
{
    cJSON *entity = cJSON_Duplicate(args, 1), *items, *it, *o;
    char why[256];
    int64_t now = ks_clock_now_ms(st->clock);

    items = cJSON_GetObjectItemCaseSensitive(entity, "items");
    cJSON_ArrayForEach(it, items)
    {
        cJSON *q = cJSON_DetachItemFromObjectCaseSensitive(it, "qty");

        if (q)
            cJSON_AddItemToObject(it, "qty_ordered", q);
    }
    o = order_create(st, entity, now, err, errsz);
    cJSON_Delete(entity);
    if (!o)
        return -1;
    *result = cJSON_CreateObject();
    if (km__adobe_hooks_run(st, PLACE_HOOK, o, why, sizeof(why)) != 0) {
        cJSON_Delete(o);
        st->next_order_id--; /* nothing was saved */
        cJSON_AddFalseToObject(*result, "placed");
        cJSON_AddStringToObject(*result, "message", why);
        return 0;
    }
    totals(o);
    cJSON_AddItemToArray(st->orders, o);
    cJSON_AddTrueToObject(*result, "placed");
    cJSON_AddNumberToObject(*result, "entity_id", num(o, "entity_id"));
    cJSON_AddStringToObject(*result, "increment_id",
                            kx_json_str_or(o, "increment_id", ""));
    return 0;
}

int km__adobe_orders_act(struct km__adobe_state *st, const char *action,
                         const cJSON *args, cJSON **result, char *err,
                         size_t errsz)
{
    if (strcmp(action, "place_order") == 0)
        return place_order(st, args, result, err, errsz);
    if (strcmp(action, "create_invoice") == 0) {
        char why[256];
        int status;
        int64_t id = invoice_create(
            st, (int64_t)kx_json_num(args, "order_id", -1), args,
            ks_clock_now_ms(st->clock), &status, why, sizeof(why));

        *result = cJSON_CreateObject();
        cJSON_AddBoolToObject(*result, "created", id > 0);
        if (id > 0)
            cJSON_AddNumberToObject(*result, "entity_id", (double)id);
        else
            cJSON_AddStringToObject(*result, "message", why);
        return 0;
    }
    snprintf(err, errsz,
             "adobe: unknown action \"%s\" (known: place_order, "
             "create_invoice, expire_tokens)",
             action);
    return -1;
}
