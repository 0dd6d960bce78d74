/*
 * Products and variations. Both are posts in WooCommerce, so they share
 * one id sequence with orders and refunds; a SKU is unique across
 * products and variations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include "woocommerce_emu.h"

static const char *const product_readonly[] = {"id",
                                               "date_created",
                                               "date_created_gmt",
                                               "date_modified",
                                               "date_modified_gmt",
                                               "variations",
                                               "parent_id",
                                               "price",
                                               "on_sale",
                                               "permalink",
                                               NULL};

static void set_bool(cJSON *o, const char *name, int v)
{
    km__storefront_set(o, name, cJSON_CreateBool(v));
}

void km__woocommerce_product_normalize(cJSON *p)
{
    const char *sale = kx_json_str_or(p, "sale_price", "");
    const char *regular = kx_json_str_or(p, "regular_price", "");
    const cJSON *manage = cJSON_GetObjectItemCaseSensitive(p, "manage_stock");
    const cJSON *qty = cJSON_GetObjectItemCaseSensitive(p, "stock_quantity");
    const char *backorders = kx_json_str_or(p, "backorders", "");

    km__woocommerce_set_str(p, "price", *sale ? sale : regular);
    set_bool(p, "on_sale", *sale != '\0');
    if (!*backorders)
        km__woocommerce_set_str(p, "backorders", "no");
    backorders = kx_json_str_or(p, "backorders", "");
    set_bool(p, "backorders_allowed", strcmp(backorders, "no") != 0);
    if (cJSON_IsTrue(manage)) {
        double q = cJSON_IsNumber(qty) ? qty->valuedouble : 0;

        if (!cJSON_IsNumber(qty))
            km__woocommerce_set_num(p, "stock_quantity", 0);
        km__woocommerce_set_str(
            p, "stock_status",
            q > 0 ? "instock"
                  : (strcmp(backorders, "no") ? "onbackorder" : "outofstock"));
        set_bool(p, "backordered", q < 0);
    } else {
        set_bool(p, "manage_stock", 0);
        km__storefront_set(p, "stock_quantity", cJSON_CreateNull());
        if (!*kx_json_str_or(p, "stock_status", ""))
            km__woocommerce_set_str(p, "stock_status", "instock");
        set_bool(p, "backordered", 0);
    }
}

/* The product or variation other than self that holds sku, or NULL. */
static const cJSON *sku_owner(struct km__woocommerce_state *st, const char *sku,
                              const cJSON *self)
{
    const cJSON *lists[2] = {st->products, st->variations}, *it;

    for (int i = 0; i < 2; i++) {
        cJSON_ArrayForEach(it, lists[i])
        {
            if (it != self && strcmp(kx_json_str_or(it, "sku", ""), sku) == 0)
                return it;
        }
    }
    return NULL;
}

static int check_sku(struct km__woocommerce_state *st, const cJSON *body,
                     const cJSON *self, struct km__woocommerce_err *err)
{
    const cJSON *sku = cJSON_GetObjectItemCaseSensitive(body, "sku");
    const cJSON *owner;

    if (!cJSON_IsString(sku) || !*sku->valuestring)
        return 0;
    owner = sku_owner(st, sku->valuestring, self);
    if (!owner)
        return 0;
    km__woocommerce_err_set(err, 400, "product_invalid_sku",
                            "Invalid or duplicated SKU.");
    err->resource_id = km__woocommerce_id(owner);
    snprintf(err->unique_sku, sizeof(err->unique_sku), "%s-1",
             sku->valuestring);
    return -1;
}

static cJSON *product_defaults(int64_t id, int64_t parent)
{
    cJSON *p = cJSON_CreateObject();

    cJSON_AddNumberToObject(p, "id", (double)id);
    cJSON_AddStringToObject(p, "name", "");
    cJSON_AddStringToObject(p, "slug", "");
    cJSON_AddStringToObject(p, "type", parent ? "variation" : "simple");
    cJSON_AddStringToObject(p, "status", "publish");
    cJSON_AddStringToObject(p, "description", "");
    cJSON_AddStringToObject(p, "sku", "");
    cJSON_AddStringToObject(p, "regular_price", "");
    cJSON_AddStringToObject(p, "sale_price", "");
    cJSON_AddStringToObject(p, "tax_status", "taxable");
    cJSON_AddStringToObject(p, "tax_class", "");
    cJSON_AddFalseToObject(p, "manage_stock");
    cJSON_AddNullToObject(p, "stock_quantity");
    cJSON_AddStringToObject(p, "stock_status", "instock");
    cJSON_AddStringToObject(p, "backorders", "no");
    cJSON_AddStringToObject(p, "weight", "");
    cJSON_AddNumberToObject(p, "parent_id", (double)parent);
    cJSON_AddItemToObject(p, "attributes", cJSON_CreateArray());
    cJSON_AddItemToObject(p, "meta_data", cJSON_CreateArray());
    if (!parent) {
        cJSON_AddItemToObject(p, "categories", cJSON_CreateArray());
        cJSON_AddItemToObject(p, "variations", cJSON_CreateArray());
        cJSON_AddNumberToObject(p, "total_sales", 0);
    }
    return p;
}

cJSON *km__woocommerce_product_store(struct km__woocommerce_state *st,
                                     int64_t parent, const cJSON *body,
                                     int64_t now,
                                     struct km__woocommerce_err *err)
{
    const cJSON *vars = cJSON_GetObjectItemCaseSensitive(body, "variations");
    cJSON *parent_obj = NULL, *p;
    int64_t id = km__woocommerce_id(body);

    if (parent) {
        parent_obj = km__storefront_find(st->products, parent);
        if (!parent_obj) {
            km__woocommerce_err_set(
                err, 404, "woocommerce_rest_product_invalid_id", "Invalid ID.");
            return NULL;
        }
    }
    if (check_sku(st, body, NULL, err) != 0)
        return NULL;
    if (id <= 0 ||
        km__storefront_find(parent ? st->variations : st->products, id))
        id = st->next_post_id++;
    else if (id >= st->next_post_id)
        st->next_post_id = id + 1;
    p = product_defaults(id, parent);
    km__woocommerce_merge(p, body, product_readonly);
    km__woocommerce_set_dates(p, now, 1);
    if (cJSON_GetObjectItemCaseSensitive(body, "date_created_gmt")) {
        km__woocommerce_set_str(p, "date_created",
                                kx_json_str_or(body, "date_created_gmt", ""));
        km__woocommerce_set_str(p, "date_created_gmt",
                                kx_json_str_or(body, "date_created_gmt", ""));
    }
    if (!*kx_json_str_or(p, "slug", "") && *kx_json_str_or(p, "name", "")) {
        char slug[128];
        size_t j = 0;

        for (const char *s = kx_json_str_or(p, "name", ""); *s && j < 120; s++)
            slug[j++] = *s == ' '                  ? '-'
                        : (*s >= 'A' && *s <= 'Z') ? (char)(*s + 32)
                                                   : *s;
        slug[j] = '\0';
        km__woocommerce_set_str(p, "slug", slug);
    }
    km__woocommerce_product_normalize(p);
    km__woocommerce_complete(p, parent ? KM__WOOCOMMERCE_VARIATION
                                       : KM__WOOCOMMERCE_PRODUCT);
    if (parent) {
        cJSON_AddItemToArray(st->variations, p);
        cJSON_AddItemToArray(
            cJSON_GetObjectItemCaseSensitive(parent_obj, "variations"),
            cJSON_CreateNumber((double)id));
        km__woocommerce_set_str(parent_obj, "type", "variable");
        return p;
    }
    cJSON_AddItemToArray(st->products, p);
    /* Fixtures may nest variation objects; REST ignores them (read-only). */
    if (cJSON_IsArray(vars) && cJSON_IsObject(cJSON_GetArrayItem(vars, 0))) {
        const cJSON *v;

        cJSON_ArrayForEach(v, vars)
        {
            if (!km__woocommerce_product_store(st, id, v, now, err))
                return NULL;
        }
    }
    return p;
}

static int product_update(struct km__woocommerce_state *st, cJSON *obj,
                          const cJSON *body, int64_t now,
                          struct km__woocommerce_err *err)
{
    if (check_sku(st, body, obj, err) != 0)
        return -1;
    km__woocommerce_merge(obj, body, product_readonly);
    km__woocommerce_product_normalize(obj);
    km__woocommerce_set_dates(obj, now, 0);
    return 0;
}

static cJSON *product_find(struct km__woocommerce_state *st, int64_t parent,
                           int64_t id)
{
    (void)parent;
    return km__storefront_find(st->products, id);
}

static cJSON *product_create(struct km__woocommerce_state *st, int64_t parent,
                             const cJSON *body, int64_t now,
                             struct km__woocommerce_err *err)
{
    (void)parent;
    return km__woocommerce_product_store(st, 0, body, now, err);
}

static void product_remove(struct km__woocommerce_state *st, cJSON *obj)
{
    int64_t id = km__woocommerce_id(obj);
    cJSON *v = st->variations->child, *next;

    for (; v; v = next) {
        next = v->next;
        if ((int64_t)kx_json_numeric(v, "parent_id", 0) == id)
            cJSON_Delete(cJSON_DetachItemViaPointer(st->variations, v));
    }
    cJSON_Delete(cJSON_DetachItemViaPointer(st->products, obj));
}

static cJSON *variation_find(struct km__woocommerce_state *st, int64_t parent,
                             int64_t id)
{
    cJSON *v = km__storefront_find(st->variations, id);

    return v && (int64_t)kx_json_numeric(v, "parent_id", 0) == parent ? v
                                                                      : NULL;
}

static void variation_remove(struct km__woocommerce_state *st, cJSON *obj)
{
    cJSON *parent = km__storefront_find(
        st->products, (int64_t)kx_json_numeric(obj, "parent_id", 0));
    cJSON *ids = cJSON_GetObjectItemCaseSensitive(parent, "variations");
    int64_t id = km__woocommerce_id(obj);

    for (int i = 0; i < cJSON_GetArraySize(ids); i++) {
        if ((int64_t)cJSON_GetArrayItem(ids, i)->valuedouble == id) {
            cJSON_DeleteItemFromArray(ids, i);
            break;
        }
    }
    cJSON_Delete(cJSON_DetachItemViaPointer(st->variations, obj));
}

static const struct km__woocommerce_kind product_kind = {
    "product",
    "woocommerce_rest_product_invalid_id",
    1,
    product_find,
    product_create,
    product_update,
    product_remove,
    NULL,
    0};

/* Variation events are published on the product topics, as
 * woocommerce_{new,update}_product_variation feed product.created and
 * product.updated; the payload is the variation. */
static const struct km__woocommerce_kind variation_kind = {
    "product",
    "woocommerce_rest_product_variation_invalid_id",
    0,
    variation_find,
    km__woocommerce_product_store,
    product_update,
    variation_remove,
    NULL,
    0};

static int in_list(const char *list, int64_t id)
{
    const char *p = list;

    while (p && *p) {
        char *end;
        long long v = strtoll(p, &end, 10);

        if (end == p)
            return 0;
        if (v == id)
            return 1;
        p = *end == ',' ? end + 1 : end;
    }
    return 0;
}

/* Newest first, like WooCommerce's default orderby=date&order=desc. */
static void list_filtered(struct km__woocommerce_call *c, const cJSON *src,
                          int64_t parent, int parent_filter)
{
    const char *sku = km_request_arg(c->req, "sku");
    const char *since = km_request_arg(c->req, "modified_after");
    const char *include = km_request_arg(c->req, "include");
    const char *status = km_request_arg(c->req, "status");
    const char *type = km_request_arg(c->req, "type");
    const char *stock = km_request_arg(c->req, "stock_status");
    struct km__woocommerce_matches m = {.sort_field = "date_created_gmt"};
    const cJSON *it;

    if (km__woocommerce_matches_start(c, &m, src) != 0)
        return;
    cJSON_ArrayForEach(it, src)
    {
        if (parent_filter &&
            (int64_t)kx_json_numeric(it, "parent_id", 0) != parent)
            continue;
        if (sku && strcmp(kx_json_str_or(it, "sku", ""), sku) != 0)
            continue;
        if (include && !in_list(include, km__woocommerce_id(it)))
            continue;
        if (status && strcmp(status, "any") != 0 &&
            strcmp(kx_json_str_or(it, "status", ""), status) != 0)
            continue;
        if (!status && strcmp(kx_json_str_or(it, "status", ""), "trash") == 0)
            continue;
        if (type && strcmp(kx_json_str_or(it, "type", ""), type) != 0)
            continue;
        if (stock && strcmp(kx_json_str_or(it, "stock_status", ""), stock) != 0)
            continue;
        if (km__woocommerce_matches_add(c, &m, it, NULL, since))
            return;
    }
    km__woocommerce_matches_send(c, &m);
}

void km__woocommerce_products_list(struct km_response *res,
                                   const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    list_filtered(c, c->st->products, 0, 0);
}

void km__woocommerce_products_create(struct km_response *res,
                                     const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    km__woocommerce_item_create(c, &product_kind, 0);
}

void km__woocommerce_products_get(struct km_response *res,
                                  const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    km__woocommerce_item_get(c, &product_kind, 0,
                             km_request_param_id(c->req, "id"));
}

void km__woocommerce_products_update(struct km_response *res,
                                     const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    km__woocommerce_item_update(c, &product_kind, 0,
                                km_request_param_id(c->req, "id"));
}

void km__woocommerce_products_delete(struct km_response *res,
                                     const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    km__woocommerce_item_delete(c, &product_kind, 0,
                                km_request_param_id(c->req, "id"));
}

void km__woocommerce_products_batch(struct km_response *res,
                                    const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    km__woocommerce_batch(c, &product_kind, 0);
}

static int parent_ok(struct km__woocommerce_call *c)
{
    if (km__storefront_find(c->st->products,
                            km_request_param_id(c->req, "product_id")))
        return 1;
    km__woocommerce_error(c->res, 404, "woocommerce_rest_product_invalid_id",
                          "Invalid ID.");
    return 0;
}

void km__woocommerce_variations_list(struct km_response *res,
                                     const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    if (parent_ok(c))
        list_filtered(c, c->st->variations,
                      km_request_param_id(c->req, "product_id"), 1);
}

void km__woocommerce_variations_create(struct km_response *res,
                                       const struct km_request *req,
                                       void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    if (parent_ok(c))
        km__woocommerce_item_create(c, &variation_kind,
                                    km_request_param_id(c->req, "product_id"));
}

void km__woocommerce_variations_get(struct km_response *res,
                                    const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    km__woocommerce_item_get(c, &variation_kind,
                             km_request_param_id(c->req, "product_id"),
                             km_request_param_id(c->req, "id"));
}

void km__woocommerce_variations_update(struct km_response *res,
                                       const struct km_request *req,
                                       void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    km__woocommerce_item_update(c, &variation_kind,
                                km_request_param_id(c->req, "product_id"),
                                km_request_param_id(c->req, "id"));
}

void km__woocommerce_variations_delete(struct km_response *res,
                                       const struct km_request *req,
                                       void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    km__woocommerce_item_delete(c, &variation_kind,
                                km_request_param_id(c->req, "product_id"),
                                km_request_param_id(c->req, "id"));
}

void km__woocommerce_variations_batch(struct km_response *res,
                                      const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    if (parent_ok(c))
        km__woocommerce_batch(c, &variation_kind,
                              km_request_param_id(c->req, "product_id"));
}
