/*
 * PUT /v3/inventory/adjustments/absolute, POST .../relative, GET
 * /v3/inventory/items and the "set_inventory" action.
 *
 * A relative adjustment adds its quantity (a delta) to the same stock an
 * absolute one sets, and is refused (422, nothing changes) when a result
 * would leave 0..2147483647. Both are reported by the non-order webhook
 * scopes (store/product|sku/inventory/updated) with method "absolute",
 * the method the webhook reference gives to API and control-panel changes
 * ([C]); "relative" stays the order's.
 *
 * Each item names its target by exactly one of sku, variant_id and
 * product_id, plus location_id and quantity; at most 2000 items. The
 * target must match how the product tracks stock, else 422 as
 * application/problem+json with a bracketed title, as in the spec's
 * example ("[Item with variant_id 106 is tracked by product, please update
 * stock by product id]"). The request is all or nothing ([I]: the spec has
 * no partial result). Only location 1, the default location, exists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include "bigcommerce_emu.h"
#include "common/crypto.h"

#define BC_INVENTORY_MAX_ITEMS 2000

static void problem(struct km_response *res, int status, const char *title)
{
    cJSON *o = cJSON_CreateObject();
    char *text;

    cJSON_AddNumberToObject(o, "status", status);
    cJSON_AddStringToObject(o, "title", title);
    cJSON_AddStringToObject(o, "type",
                            "https://developer.bigcommerce.com/api-docs/"
                            "getting-started/api-status-codes");
    cJSON_AddItemToObject(o, "errors", cJSON_CreateObject());
    text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!text)
        abort();
    km_response_set(res, status, "application/problem+json", text,
                    strlen(text));
    cJSON_free(text);
}

/*
 * Finds what an item changes: the variant (tracking by variant) or the
 * product (tracking by product, *v NULL). strict refuses a target that
 * does not match the tracking, as the API does; the action is lenient and
 * changes whatever the product tracks. 0, or -1 with a title.
 */
static int resolve(struct km__bigcommerce_state *st, const cJSON *item,
                   int strict, struct km__bigcommerce_product **p,
                   struct km__bigcommerce_variant **v, char *title,
                   size_t titlesz)
{
    const cJSON *sku = cJSON_GetObjectItemCaseSensitive(item, "sku");
    const cJSON *vid = cJSON_GetObjectItemCaseSensitive(item, "variant_id");
    const cJSON *pid = cJSON_GetObjectItemCaseSensitive(item, "product_id");
    const char *how = NULL;
    char what[300];

    *p = NULL;
    *v = NULL;
    if ((sku != NULL) + (vid != NULL) + (pid != NULL) != 1) {
        snprintf(title, titlesz,
                 "[Each item must have exactly one of sku, variant_id and "
                 "product_id]");
        return -1;
    }
    if (sku) {
        snprintf(what, sizeof(what), "sku %s",
                 cJSON_IsString(sku) ? sku->valuestring : "?");
        *v = cJSON_IsString(sku)
                 ? km__bigcommerce_variant_by_sku(st, sku->valuestring)
                 : NULL;
        *p = *v ? (*v)->product
                : (cJSON_IsString(sku) ? km__bigcommerce_map_get(
                                             &st->product_sku, sku->valuestring)
                                       : NULL);
    } else if (vid) {
        snprintf(what, sizeof(what), "variant_id %.0f",
                 kx_json_numeric(item, "variant_id", 0));
        *v = km__bigcommerce_variant_by_id(
            st, (int64_t)kx_json_numeric(item, "variant_id", 0));
        *p = *v ? (*v)->product : NULL;
    } else {
        snprintf(what, sizeof(what), "product_id %.0f",
                 kx_json_numeric(item, "product_id", 0));
        *p = km__bigcommerce_product_by_id(
            st, (int64_t)kx_json_numeric(item, "product_id", 0));
    }
    if (!*p) {
        snprintf(title, titlesz, "[Item with %s was not found]", what);
        return -1;
    }
    if ((*p)->tracking == BC_TRACK_VARIANT) {
        if (!*v && (*p)->nvariants == 1)
            *v = (*p)->variants[0];
        if (!*v || (pid && strict))
            how = "is tracked by variant, please update stock by variant id";
    } else if ((*p)->tracking == BC_TRACK_PRODUCT) {
        if (strict && (vid || (*v && !(*v)->base)))
            how = "is tracked by product, please update stock by product id";
        *v = NULL;
    } else if (strict) {
        how = "has inventory tracking disabled";
    } else {
        *v = NULL;
    }
    if (how) {
        snprintf(title, titlesz, "[Item with %s %s]", what, how);
        return -1;
    }
    return 0;
}

struct adj {
    struct km__bigcommerce_product *p;
    struct km__bigcommerce_variant *v;
    int64_t quantity;
};

/* Current stock of what an adjustment changes. */
static int64_t level_of(const struct adj *a)
{
    return a->v ? a->v->inventory_level : a->p->inventory_level;
}

/* Both adjustment routes: relative quantities are deltas added to the
 * same stock the absolute ones set. */
static void adjust(struct km__bigcommerce_call *c, int relative)
{
    cJSON *body = km__bigcommerce_body(c, 0), *out;
    const cJSON *items, *it;
    struct adj *adj = NULL;
    size_t n = 0;
    char title[400], txn[40];
    uint64_t a, b;

    if (!body)
        return;
    items = cJSON_GetObjectItemCaseSensitive(body, "items");
    if (!cJSON_IsArray(items) || cJSON_GetArraySize(items) == 0) {
        problem(c->res, 422, "[items must be a non-empty array]");
        goto out;
    }
    if (cJSON_GetArraySize(items) > BC_INVENTORY_MAX_ITEMS) {
        km__bigcommerce_v3_error(
            c->res, 413,
            "The request payload is too large. The maximum items "
            "allowed in the array is 2000.",
            NULL);
        goto out;
    }
    adj = kx_xcalloc((size_t)cJSON_GetArraySize(items), sizeof(*adj));
    cJSON_ArrayForEach(it, items)
    {
        const cJSON *loc = cJSON_GetObjectItemCaseSensitive(it, "location_id");
        const cJSON *q = cJSON_GetObjectItemCaseSensitive(it, "quantity");

        if (!cJSON_IsNumber(loc) || loc->valuedouble != 1) {
            snprintf(title, sizeof(title),
                     "[Location with id %.0f does not exist]",
                     cJSON_IsNumber(loc) ? loc->valuedouble : 0.0);
            problem(c->res, 422, title);
            goto out;
        }
        if (!cJSON_IsNumber(q) ||
            q->valuedouble < (relative ? -2147483647.0 : 0) ||
            q->valuedouble > 2147483647.0) {
            problem(c->res, 422,
                    relative ? "[quantity must be an integer from -2147483647 "
                               "to 2147483647]"
                             : "[quantity must be an integer from 0 to "
                               "2147483647]");
            goto out;
        }
        if (resolve(c->st, it, 1, &adj[n].p, &adj[n].v, title, sizeof(title)) !=
            0) {
            problem(c->res, 422, title);
            goto out;
        }
        adj[n].quantity = (int64_t)q->valuedouble;
        if (relative) {
            /* [C] a relative adjustment can fail for insufficient stock,
             * an absolute one cannot; the wording is [I]. */
            adj[n].quantity += level_of(&adj[n]);
            if (adj[n].quantity < 0 || adj[n].quantity > 2147483647) {
                snprintf(title, sizeof(title),
                         "[Item %zu would leave the stock at %lld, outside 0 "
                         "to 2147483647]",
                         n, (long long)adj[n].quantity);
                problem(c->res, 422, title);
                goto out;
            }
        }
        n++;
    }
    for (size_t i = 0; i < n; i++)
        km__bigcommerce_stock_set(c->st, adj[i].p, adj[i].v, adj[i].quantity,
                                  "absolute");
    a = km__rng_next(&c->st->rng);
    b = km__rng_next(&c->st->rng);
    snprintf(txn, sizeof(txn), "%08x-%04x-%04x-%04x-%012llx",
             (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
             (unsigned)a & 0xffff, (unsigned)(b >> 48),
             (unsigned long long)(b & 0xffffffffffffULL));
    out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "transaction_id", txn);
    km_response_json(c->res, 200, out);
out:
    free(adj);
    cJSON_Delete(body);
}

void km__bigcommerce_inventory_absolute(struct km_response *res,
                                        const struct km_request *req,
                                        void *state)
{
    adjust(KM__BIGCOMMERCE_CALL(res, req, state), 0);
}

void km__bigcommerce_inventory_relative(struct km_response *res,
                                        const struct km_request *req,
                                        void *state)
{
    adjust(KM__BIGCOMMERCE_CALL(res, req, state), 1);
}

/* ---- GET /v3/inventory/items ------------------------------------------- */

/* One inventory item: a variant (a product without options has its base
 * variant) at the one location. The stock is what the product tracks;
 * untracked items report 0 on hand ([I]). */
static cJSON *item_json(const struct km__bigcommerce_variant *v)
{
    const struct km__bigcommerce_product *p = v->product;
    cJSON *o = cJSON_CreateObject(), *id = cJSON_CreateObject();
    cJSON *locs = cJSON_CreateArray(), *l = cJSON_CreateObject();
    cJSON *set = cJSON_CreateObject();
    int64_t level = p->tracking == BC_TRACK_VARIANT   ? v->inventory_level
                    : p->tracking == BC_TRACK_PRODUCT ? p->inventory_level
                                                      : 0;

    cJSON_AddStringToObject(id, "sku", v->sku ? v->sku : "");
    cJSON_AddNumberToObject(id, "variant_id", (double)v->id);
    cJSON_AddNumberToObject(id, "product_id", (double)p->id);
    if (v->sku_id) /* the base variant has no v2 SKU: left out ([I]) */
        cJSON_AddNumberToObject(id, "sku_id", (double)v->sku_id);
    cJSON_AddItemToObject(o, "identity", id);
    cJSON_AddNumberToObject(l, "location_id", 1);
    cJSON_AddStringToObject(l, "location_code", "BC-LOCATION-1");
    cJSON_AddStringToObject(l, "location_name", "Default location");
    cJSON_AddNumberToObject(l, "available_to_sell", (double)level);
    cJSON_AddNumberToObject(l, "total_inventory_onhand", (double)level);
    cJSON_AddTrueToObject(l, "location_enabled");
    cJSON_AddNumberToObject(set, "safety_stock", 0);
    cJSON_AddBoolToObject(set, "is_in_stock",
                          p->tracking == BC_TRACK_NONE || level > 0);
    cJSON_AddNumberToObject(set, "warning_level",
                            (double)(p->tracking == BC_TRACK_VARIANT
                                         ? v->inventory_warning_level
                                         : p->inventory_warning_level));
    cJSON_AddStringToObject(set, "bin_picking_number", "");
    cJSON_AddItemToObject(l, "settings", set);
    cJSON_AddItemToArray(locs, l);
    cJSON_AddItemToObject(o, "locations", locs);
    return o;
}

/* Whether the comma list arg (absent: no filter) holds the number. */
static int id_listed(const char *arg, int64_t id)
{
    int64_t ids[BC_INVENTORY_MAX_ITEMS];
    size_t n;

    if (!arg)
        return 1;
    n = km__bigcommerce_id_list(ids, BC_INVENTORY_MAX_ITEMS, arg);
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return 1;
    return 0;
}

void km__bigcommerce_inventory_items(struct km_response *res,
                                     const struct km_request *req, void *state)
{
    struct km__bigcommerce_call *c = KM__BIGCOMMERCE_CALL(res, req, state);
    const char *skus = km_request_arg(req, "sku:in");
    const char *vids = km_request_arg(req, "variant_id:in");
    const char *pids = km_request_arg(req, "product_id:in");
    const char *locs = km_request_arg(req, "location_id:in");
    int limit, page, total = 0;
    cJSON *data = cJSON_CreateArray();

    /* [C] "limit of 1000 items" per page on this endpoint. */
    if (km__bigcommerce_paging_max(c, &limit, &page, 0, 1000) != 0) {
        cJSON_Delete(data);
        return;
    }
    for (size_t i = 0; i < c->st->nvariants && id_listed(locs, 1); i++) {
        const struct km__bigcommerce_variant *v = c->st->variants[i];

        if ((skus && !km__bigcommerce_in_list(skus, v->sku ? v->sku : "")) ||
            !id_listed(vids, v->id) || !id_listed(pids, v->product->id))
            continue;
        if (total >= (page - 1) * limit && total < page * limit)
            cJSON_AddItemToArray(data, item_json(v));
        total++;
    }
    km__bigcommerce_send_data(c, data, total, limit, page);
}

int km__bigcommerce_set_inventory_act(struct km__bigcommerce_state *st,
                                      const cJSON *args, cJSON **result,
                                      char *err, size_t errsz)
{
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(args, "quantity");
    struct km__bigcommerce_product *p;
    struct km__bigcommerce_variant *v;
    char title[400];

    if (!cJSON_IsNumber(q) || q->valuedouble < 0) {
        snprintf(err, errsz, "bigcommerce: set_inventory needs quantity >= 0");
        return -1;
    }
    if (resolve(st, args, 0, &p, &v, title, sizeof(title)) != 0) {
        snprintf(err, errsz, "bigcommerce: set_inventory: %s", title);
        return -1;
    }
    km__bigcommerce_stock_set(st, p, v, (int64_t)q->valuedouble, "absolute");
    *result = cJSON_CreateObject();
    cJSON_AddNumberToObject(*result, "product_id", (double)p->id);
    if (v)
        cJSON_AddNumberToObject(*result, "variant_id", (double)v->id);
    cJSON_AddNumberToObject(*result, "inventory_level", q->valuedouble);
    return 0;
}

/* ---- stock -------------------------------------------------------------- */

void km__bigcommerce_stock_set(struct km__bigcommerce_state *st,
                               struct km__bigcommerce_product *p,
                               struct km__bigcommerce_variant *v, int64_t level,
                               const char *method)
{
    int relative = strcmp(method, "relative") == 0;
    cJSON *data = cJSON_CreateObject(), *inv = cJSON_CreateObject();
    int64_t old;

    if (v && p->tracking == BC_TRACK_VARIANT) {
        old = v->inventory_level;
        v->inventory_level = level;
        cJSON_AddStringToObject(data, "type", "sku");
        cJSON_AddNumberToObject(data, "id",
                                (double)(v->sku_id ? v->sku_id : v->id));
        cJSON_AddNumberToObject(inv, "product_id", (double)p->id);
        cJSON_AddNumberToObject(inv, "variant_id", (double)v->id);
    } else {
        old = p->inventory_level;
        p->inventory_level = level;
        for (size_t i = 0; i < p->nvariants; i++)
            if (p->variants[i]->base)
                p->variants[i]->inventory_level = level;
        cJSON_AddStringToObject(data, "type", "product");
        cJSON_AddNumberToObject(data, "id", (double)p->id);
        cJSON_AddNumberToObject(inv, "product_id", (double)p->id);
    }
    p->date_modified_ms = ks_clock_now_ms(st->clock);
    cJSON_AddStringToObject(inv, "method", relative ? "relative" : "absolute");
    cJSON_AddNumberToObject(inv, "value", (double)(level - old));
    cJSON_AddItemToObject(data, "inventory", inv);
    if (level == old) {
        cJSON_Delete(data);
        return;
    }
    if (v && p->tracking == BC_TRACK_VARIANT)
        km__bigcommerce_fire(st,
                             relative ? "store/sku/inventory/order/updated"
                                      : "store/sku/inventory/updated",
                             data);
    else
        km__bigcommerce_fire(st,
                             relative ? "store/product/inventory/order/updated"
                                      : "store/product/inventory/updated",
                             data);
}
