/*
 * Epicor parts, prices and on-hand stock -> BigCommerce products.
 *
 * Products are created one by one (the API has no batch create), updated
 * with PUT /v3/catalog/products in chunks, and their stock set with
 * absolute inventory adjustments. A part made InActive hides its product
 * (is_visible false); one that was never offered is not created. A create
 * whose reply was lost (or that a crash cut off before it was mapped) is
 * found by SKU on the rerun: unmapped SKUs are looked up in chunks first,
 * and a create answered 409 for its SKU matches the product that exists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "sync_int.h"

/* ---- BigCommerce products --------------------------------------------- */

/* How many SKUs one variants?sku:in= lookup names (URLs stay short). */
#define SKU_LOOKUP_CHUNK 50

/* Maps the variants a lookup found (SKU -> product id) into the id map
 * and drops their SKUs from absent. */
static ks_rc map_found(struct ks_sync *sync, cJSON *absent, const cJSON *reply)
{
    const cJSON *v;

    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(reply, "data"))
    {
        const char *sku = kx_json_str_or(v, "sku", "");
        char num[32];
        ks_rc rc;

        if (!cJSON_GetObjectItemCaseSensitive(absent, sku))
            continue;
        snprintf(num, sizeof(num), "%lld",
                 (long long)kx_json_numeric(v, "product_id", 0));
        rc = ks_store_map_put(sync->store, KS__MAP_BC_PRODUCT, sku, num);
        if (rc && rc != KS_ECONFLICT)
            return ks__sync_fail(sync, rc, 1);
        cJSON_DeleteItemFromObjectCaseSensitive(absent, sku);
    }
    return KS_OK;
}

/* One variants lookup for the SKUs in names (at most SKU_LOOKUP_CHUNK). */
static ks_rc lookup_chunk(struct ks_sync *sync, cJSON *absent,
                          const cJSON *names)
{
    char *list = NULL, limit[16];
    const char *q[] = {"sku:in", NULL, "limit", limit, NULL};
    cJSON *reply = NULL;
    size_t len = 1;
    const cJSON *n;
    ks_rc rc;

    cJSON_ArrayForEach(n, names)
    {
        len += strlen(n->valuestring) + 1;
    }
    list = ks__malloc(len);
    if (!list)
        return KS_ENOMEM;
    list[0] = '\0';
    cJSON_ArrayForEach(n, names)
    {
        if (list[0])
            strncat(list, ",", len - strlen(list) - 1);
        strncat(list, n->valuestring, len - strlen(list) - 1);
    }
    q[1] = list;
    /* a SKU has one variant, but allow for more on the page */
    snprintf(limit, sizeof(limit), "%d", KS_BIGCOMMERCE_PAGE_LIMIT_MAX);
    rc = ks_bigcommerce_request(&reply, sync->bc, "GET", "v3/catalog/variants",
                                q, NULL);
    if (!rc)
        rc = map_found(sync, absent, reply);
    else
        rc = ks__sync_fail(sync, rc, 0);
    cJSON_Delete(reply);
    ks__free(list);
    return rc;
}

/*
 * The SKUs of rows that the id map does not know and the store does not
 * have either, as a set ({SKU: true}). Those the store has are mapped on
 * the way: one variants?sku:in= lookup per SKU_LOOKUP_CHUNK parts instead
 * of one lookup per part. A SKU with a comma cannot be listed and is left
 * out of the set (it gets a lookup of its own).
 */
static ks_rc absent_skus(cJSON **absent, struct ks_sync *sync,
                         const cJSON *rows)
{
    cJSON *names = NULL;
    const cJSON *row;
    ks_rc rc = KS_OK;

    *absent = cJSON_CreateObject();
    if (!*absent)
        return KS_ENOMEM;
    for (row = rows ? rows->child : NULL; row && !rc; row = row->next) {
        const char *part = kx_json_str_or(row, "PartNum", "");
        char *b = NULL;

        if (!*part || strchr(part, ',') ||
            cJSON_GetObjectItemCaseSensitive(*absent, part))
            continue;
        rc = ks_store_map_get(&b, sync->store, KS__MAP_BC_PRODUCT, part);
        ks_store_string_free(b);
        if (rc == KS_OK)
            continue;
        if (rc != KS_ENOTFOUND) {
            rc = ks__sync_fail(sync, rc, 1);
            break;
        }
        rc = KS_ENOMEM;
        if (!names && !(names = cJSON_CreateArray()))
            break;
        if (!cJSON_AddTrueToObject(*absent, part) ||
            !cJSON_AddItemToArray(names, cJSON_CreateString(part)))
            break;
        rc = KS_OK;
        if (cJSON_GetArraySize(names) == SKU_LOOKUP_CHUNK) {
            rc = lookup_chunk(sync, *absent, names);
            cJSON_Delete(names);
            names = NULL;
        }
    }
    if (!rc && names)
        rc = lookup_chunk(sync, *absent, names);
    cJSON_Delete(names);
    return rc;
}

/* BigCommerce by SKU: /v3/catalog/variants also finds variant SKUs. */
static ks_rc bc_lookup(int64_t *id, struct ks_sync *sync, const char *part)
{
    cJSON *v = NULL;
    ks_rc rc = ks_bigcommerce_variant_find_by_sku(&v, sync->bc, part);

    if (!rc)
        *id = (int64_t)kx_json_numeric(v, "product_id", 0);
    cJSON_Delete(v);
    return rc;
}

/* The product id of a part: id map, else (unless the batch lookup found
 * it absent) a SKU lookup, then mapped. *id 0 when the store has none. */
static ks_rc bc_product_id(int64_t *id, struct ks_sync *sync, const char *part,
                           const cJSON *absent)
{
    *id = 0;
    if (cJSON_GetObjectItemCaseSensitive(absent, part))
        return KS_OK;
    return ks__sync_product_id(id, sync, KS__MAP_BC_PRODUCT, part, bc_lookup);
}

static ks_rc mapped_ok(struct ks_sync *sync, const char *map, const char *key,
                       const struct ks__sync_part *p, int64_t id,
                       const char *flow, const char *system, const char *action)
{
    char num[32];
    ks_rc rc;

    snprintf(num, sizeof(num), "%lld", (long long)id);
    rc = ks_store_map_put(sync->store, map, p->part_num, num);
    if (!rc) /* orders of this SKU map back to the part */
        rc = ks_store_map_put(sync->store, KS__MAP_PART, p->part_num,
                              p->part_num);
    if (rc == KS_ECONFLICT)
        rc = KS_OK;
    rc = ks__sync_fail(sync, rc, 1);
    if (!rc)
        rc = ks__sync_sent_put(sync, key, p->hash);
    if (!rc)
        rc = ks__sync_audit(sync, flow, "epicor", p->part_num, system, num,
                            action, "ok", 1, NULL);
    return rc;
}

static ks_rc bc_create(struct ks_sync_stats *stats, struct ks_sync *sync,
                       const struct ks__sync_part *p, const char *key,
                       const cJSON *row)
{
    cJSON *body = cJSON_CreateObject(), *made = NULL;
    ks_rc rc = KS_ENOMEM;

    if (!body || !cJSON_AddStringToObject(body, "name", p->name) ||
        !cJSON_AddStringToObject(body, "type", "physical") ||
        !cJSON_AddStringToObject(body, "sku", p->part_num) ||
        !cJSON_AddNumberToObject(body, "price",
                                 (double)p->price_cents / 100.0) ||
        !cJSON_AddNumberToObject(body, "weight", p->weight) ||
        !cJSON_AddStringToObject(body, "inventory_tracking", "product") ||
        !cJSON_AddTrueToObject(body, "is_visible"))
        goto out;
    rc = ks_bigcommerce_product_create(&made, sync->bc, body);
    if (!rc)
        rc = ks__sync_crash(sync, "after_product_create");
    if (rc == KS_ECONFLICT) {
        /* The SKU exists: a re-sent create that did land, or a product
         * made meanwhile. Match it instead of queueing the part. */
        int64_t id = 0;

        rc = bc_product_id(&id, sync, p->part_num, NULL);
        if (!rc && id) {
            rc = mapped_ok(sync, KS__MAP_BC_PRODUCT, key, p, id,
                           KS__FLOW_PARTS_BC, "bigcommerce", "product.match");
            stats->unchanged += rc == KS_OK; /* it is there, as sent */
            goto out;
        }
        if (!rc)
            rc = KS_ECONFLICT;
    }
    if (rc && !ks__sync_fatal(rc)) {
        rc =
            ks__sync_outbox(sync, stats, KS__FLOW_PARTS_BC, "product", "epicor",
                            p->part_num, row, ks__sync_client_message(sync));
        goto out;
    }
    if (rc) {
        rc = ks__sync_fail(sync, rc, 0);
        goto out;
    }
    rc = mapped_ok(sync, KS__MAP_BC_PRODUCT, key, p,
                   (int64_t)kx_json_numeric(made, "id", 0), KS__FLOW_PARTS_BC,
                   "bigcommerce", "product.create");
    stats->created += rc == KS_OK;
out:
    cJSON_Delete(body);
    cJSON_Delete(made);
    return rc;
}

/* The entry of id in the "errors" of a 207 reply, or NULL. */
static const cJSON *bc_error_of(const cJSON *reply, int64_t id)
{
    const cJSON *e;

    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(reply, "errors"))
    {
        if ((int64_t)kx_json_numeric(
                cJSON_GetObjectItemCaseSensitive(e, "data"), "id", -1) == id)
            return e;
    }
    return NULL;
}

/* One PUT of at most KS_BIGCOMMERCE_PRODUCTS_BATCH updates. rows[i] is the
 * part row of updates[i]. */
static ks_rc bc_update_chunk(struct ks_sync_stats *stats, struct ks_sync *sync,
                             cJSON *updates, cJSON *rows)
{
    cJSON *reply = NULL;
    int n = cJSON_GetArraySize(updates);
    ks_rc rc;

    if (n == 0)
        return KS_OK;
    rc = ks_bigcommerce_products_update(&reply, NULL, sync->bc, updates);
    if (!rc)
        rc = ks__sync_crash(sync, "after_products_update");
    if (rc && ks__sync_fatal(rc)) {
        cJSON_Delete(reply);
        return ks__sync_fail(sync, rc, 0);
    }
    for (int i = 0; i < n; i++) {
        const cJSON *row = cJSON_GetArrayItem(rows, i);
        int64_t id =
            (int64_t)kx_json_numeric(cJSON_GetArrayItem(updates, i), "id", 0);
        struct ks__sync_part p;
        char key[KS_STORE_ID_MAX + 8];
        ks_rc r2 = ks__sync_product_fields(&p, row);

        const cJSON *e = bc_error_of(reply, id);
        char why[400];

        snprintf(key, sizeof(key), "bc:%s", p.part_num);
        if (!r2 && (rc || e)) {
            snprintf(why, sizeof(why), "bigcommerce refused the update: %s",
                     rc ? ks__sync_client_message(sync)
                        : kx_json_str_or(e, "title", ""));
            r2 = ks__sync_outbox(sync, stats, KS__FLOW_PARTS_BC, "product",
                                 "epicor", p.part_num, row, why);
        } else if (!r2) {
            r2 = mapped_ok(sync, KS__MAP_BC_PRODUCT, key, &p, id,
                           KS__FLOW_PARTS_BC, "bigcommerce", "product.update");
            stats->updated += r2 == KS_OK;
        }
        if (r2) {
            cJSON_Delete(reply);
            return r2;
        }
    }
    cJSON_Delete(reply);
    return KS_OK;
}

ks_rc ks__sync_bc_products(struct ks_sync_stats *stats, struct ks_sync *sync,
                           const cJSON *rows)
{
    cJSON *updates = cJSON_CreateArray(), *urows = cJSON_CreateArray();
    cJSON *absent = NULL;
    const cJSON *row;
    ks_rc rc = updates && urows ? KS_OK : KS_ENOMEM;

    if (!rc)
        rc = absent_skus(&absent, sync, rows);
    for (row = rows ? rows->child : NULL; row && !rc; row = row->next) {
        struct ks__sync_part p;
        char key[KS__SYNC_PART_KEY_MAX];
        int todo = 0;
        int64_t id = 0;
        cJSON *u;

        rc = ks__sync_part_todo(&todo, &p, key, stats, sync, row, "bc");
        if (rc || !todo)
            continue;
        rc = bc_product_id(&id, sync, p.part_num, absent);
        if (!rc && !id && p.inactive) {
            rc = ks__sync_part_never_offered(stats, sync, KS__FLOW_PARTS_BC,
                                             "bigcommerce", &p);
            continue;
        }
        if (!rc && !id)
            rc = bc_create(stats, sync, &p, key, row);
        if (rc || !id)
            continue;
        u = cJSON_CreateObject();
        if (!u || !cJSON_AddItemToArray(updates, u) ||
            !cJSON_AddNumberToObject(u, "id", (double)id) ||
            !cJSON_AddStringToObject(u, "name", p.name) ||
            !cJSON_AddNumberToObject(u, "price",
                                     (double)p.price_cents / 100.0) ||
            !cJSON_AddBoolToObject(u, "is_visible", !p.inactive) ||
            !cJSON_AddItemToArray(urows, cJSON_Duplicate(row, 1))) {
            rc = KS_ENOMEM;
            break;
        }
        if (cJSON_GetArraySize(updates) == KS_BIGCOMMERCE_PRODUCTS_BATCH) {
            rc = bc_update_chunk(stats, sync, updates, urows);
            cJSON_Delete(updates);
            cJSON_Delete(urows);
            updates = cJSON_CreateArray();
            urows = cJSON_CreateArray();
            if (!rc && (!updates || !urows))
                rc = KS_ENOMEM;
        }
    }
    if (!rc)
        rc = bc_update_chunk(stats, sync, updates, urows);
    cJSON_Delete(updates);
    cJSON_Delete(urows);
    cJSON_Delete(absent);
    return rc;
}

/* An absolute adjustment item: the product's stock at the location. */
static cJSON *bc_stock_item(const struct ks_sync *sync, int64_t product_id,
                            int64_t qty)
{
    cJSON *it = cJSON_CreateObject();

    if (it && (!cJSON_AddNumberToObject(it, "product_id", (double)product_id) ||
               !cJSON_AddNumberToObject(it, "location_id",
                                        (double)sync->bc_location_id) ||
               !cJSON_AddNumberToObject(it, "quantity", (double)qty))) {
        cJSON_Delete(it);
        it = NULL;
    }
    return it;
}

/* One absolute adjustment of at most KS_BIGCOMMERCE_INVENTORY_BATCH. */
static ks_rc bc_stock_send(struct ks_sync_stats *stats, struct ks_sync *sync,
                           const struct ks__sync_stock_sink *sink, cJSON *items,
                           cJSON *parts)
{
    int n = cJSON_GetArraySize(items);
    ks_rc rc = ks_bigcommerce_inventory_absolute(
        NULL, NULL, sync->bc, "kinsync: Epicor on-hand", items);

    if (!rc)
        rc = ks__sync_crash(sync, "after_stock_send");
    if (rc && ks__sync_fatal(rc))
        return ks__sync_fail(sync, rc, 0);
    for (int i = 0; i < n; i++) {
        const char *part = cJSON_GetArrayItem(parts, i)->valuestring;
        const cJSON *it = cJSON_GetArrayItem(items, i);
        ks_rc r2 =
            rc ? ks__sync_outbox(sync, stats, sink->flow, "stock", "epicor",
                                 part, it, ks__sync_client_message(sync))
               : ks__sync_stock_sent(
                     stats, sync, sink, part,
                     (int64_t)kx_json_numeric(it, "quantity", 0));

        if (r2)
            return r2;
    }
    return KS_OK;
}

ks_rc ks__sync_bc_stock(struct ks_sync_stats *stats, struct ks_sync *sync,
                        const cJSON *qty)
{
    static const struct ks__sync_stock_sink bc = {
        KS__FLOW_PARTS_BC,
        "bigcommerce",
        KS__MAP_BC_PRODUCT,
        "bcstock:",
        KS_BIGCOMMERCE_INVENTORY_BATCH,
        bc_stock_item,
        bc_stock_send};

    return ks__sync_stock_set(stats, sync, qty, &bc);
}

ks_rc ks_sync_parts_to_bigcommerce(struct ks_sync_stats *stats,
                                   struct ks_sync *sync)
{
    static const struct ks__sync_part_writers bc = {
        KS__FLOW_PARTS_BC, ks__sync_bc_products, ks__sync_bc_stock};

    return ks__sync_parts_run(stats, sync, &bc, sync->bc != NULL,
                              "BigCommerce");
}
