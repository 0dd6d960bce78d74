/*
 * Epicor parts, prices and on-hand stock -> WooCommerce products.
 *
 * Creates and updates go through products/batch, at most WC_CHUNK items a
 * request (WooCommerce's default batch limit; the client splits further
 * when its own batch_limit is lower). Each chunk is sent on its own so a
 * refused request is attributed to exactly its items. A product answered
 * with an "error" slot goes to the outbox; the rest are mapped. Updates
 * carry status "publish", or "draft" for a part made InActive.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "sync_int.h"

#define WC_CHUNK 100

/* The pending batch: bodies and, per body, the part row (for the outbox)
 * and whether it is a create. */
struct wc_batch {
    cJSON *create, *update;
    cJSON *create_rows, *update_rows;
};

static ks_rc batch_init(struct wc_batch *b)
{
    b->create = cJSON_CreateArray();
    b->update = cJSON_CreateArray();
    b->create_rows = cJSON_CreateArray();
    b->update_rows = cJSON_CreateArray();
    return b->create && b->update && b->create_rows && b->update_rows
               ? KS_OK
               : KS_ENOMEM;
}

static void batch_dispose(struct wc_batch *b)
{
    cJSON_Delete(b->create);
    cJSON_Delete(b->update);
    cJSON_Delete(b->create_rows);
    cJSON_Delete(b->update_rows);
    memset(b, 0, sizeof(*b));
}

static int batch_size(const struct wc_batch *b)
{
    return cJSON_GetArraySize(b->create) + cJSON_GetArraySize(b->update);
}

/* Bookkeeping of one answered slot. */
static ks_rc slot_done(struct ks_sync_stats *stats, struct ks_sync *sync,
                       const cJSON *row, const cJSON *slot, ks_rc whole,
                       int create)
{
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(slot, "error");
    struct ks__sync_part p;
    char key[KS_STORE_ID_MAX + 8], num[32], why[400];
    int64_t id = (int64_t)kx_json_numeric(slot, "id", 0);
    ks_rc rc = ks__sync_product_fields(&p, row);

    if (rc)
        return rc;
    if (whole || error || id <= 0) {
        snprintf(why, sizeof(why), "woocommerce refused the product: %s",
                 whole   ? ks__sync_client_message(sync)
                 : error ? kx_json_str_or(error, "message", "")
                         : "no id in the reply");
        return ks__sync_outbox(sync, stats, KS__FLOW_PARTS_WC, "product",
                               "epicor", p.part_num, row, why);
    }
    snprintf(key, sizeof(key), "wc:%s", p.part_num);
    snprintf(num, sizeof(num), "%lld", (long long)id);
    rc = ks_store_map_put(sync->store, KS__MAP_WC_PRODUCT, p.part_num, num);
    if (!rc)
        rc =
            ks_store_map_put(sync->store, KS__MAP_PART, p.part_num, p.part_num);
    rc = ks__sync_fail(sync, rc == KS_ECONFLICT ? KS_OK : rc, 1);
    if (!rc)
        rc = ks__sync_sent_put(sync, key, p.hash);
    if (!rc)
        rc = ks__sync_audit(
            sync, KS__FLOW_PARTS_WC, "epicor", p.part_num, "woocommerce", num,
            create ? "product.create" : "product.update", "ok", 1, NULL);
    if (!rc && create)
        stats->created++;
    else if (!rc)
        stats->updated++;
    return rc;
}

static ks_rc batch_send(struct ks_sync_stats *stats, struct ks_sync *sync,
                        struct wc_batch *b)
{
    cJSON *reply = NULL;
    const cJSON *slots;
    ks_rc rc, r2 = KS_OK;
    int nc = cJSON_GetArraySize(b->create), nu = cJSON_GetArraySize(b->update);

    if (nc + nu == 0)
        return KS_OK;
    rc = ks_woocommerce_products_batch(&reply, NULL, sync->wc,
                                       nc ? b->create : NULL,
                                       nu ? b->update : NULL, NULL);
    if (!rc)
        rc = ks__sync_crash(sync, "after_products_batch");
    if (rc && ks__sync_fatal(rc)) {
        cJSON_Delete(reply);
        return ks__sync_fail(sync, rc, 0);
    }
    slots = cJSON_GetObjectItemCaseSensitive(reply, "create");
    for (int i = 0; i < nc && !r2; i++)
        r2 = slot_done(stats, sync, cJSON_GetArrayItem(b->create_rows, i),
                       cJSON_GetArrayItem(slots, i), rc, 1);
    slots = cJSON_GetObjectItemCaseSensitive(reply, "update");
    for (int i = 0; i < nu && !r2; i++)
        r2 = slot_done(stats, sync, cJSON_GetArrayItem(b->update_rows, i),
                       cJSON_GetArrayItem(slots, i), rc, 0);
    cJSON_Delete(reply);
    batch_dispose(b);
    if (!r2)
        r2 = batch_init(b);
    return r2;
}

/* WooCommerce by SKU. */
static ks_rc wc_lookup(int64_t *id, struct ks_sync *sync, const char *part)
{
    cJSON *prod = NULL;
    ks_rc rc = ks_woocommerce_product_find_by_sku(&prod, sync->wc, part);

    if (!rc)
        *id = (int64_t)kx_json_numeric(prod, "id", 0);
    cJSON_Delete(prod);
    return rc;
}

/* The product id of a part: id map, else SKU lookup (then mapped). */
static ks_rc wc_product_id(int64_t *id, struct ks_sync *sync, const char *part)
{
    return ks__sync_product_id(id, sync, KS__MAP_WC_PRODUCT, part, wc_lookup);
}

static ks_rc queue_part(struct wc_batch *b, const struct ks__sync_part *p,
                        int64_t id, const cJSON *row)
{
    cJSON *body = cJSON_CreateObject();
    cJSON *to = id ? b->update : b->create;
    cJSON *rows = id ? b->update_rows : b->create_rows;

    if (!body || !cJSON_AddItemToArray(to, body))
        goto oom;
    /* an InActive part's product becomes a draft: out of the shop, kept
     * for its orders and reviews */
    if (id && (!cJSON_AddNumberToObject(body, "id", (double)id) ||
               !cJSON_AddStringToObject(body, "status",
                                        p->inactive ? "draft" : "publish")))
        return KS_ENOMEM;
    if (!id && (!cJSON_AddStringToObject(body, "type", "simple") ||
                !cJSON_AddStringToObject(body, "sku", p->part_num) ||
                !cJSON_AddTrueToObject(body, "manage_stock")))
        return KS_ENOMEM;
    if (!cJSON_AddStringToObject(body, "name", p->name) ||
        !cJSON_AddStringToObject(body, "regular_price", p->price) ||
        !cJSON_AddItemToArray(rows, cJSON_Duplicate(row, 1)))
        return KS_ENOMEM;
    return KS_OK;
oom:
    cJSON_Delete(body);
    return KS_ENOMEM;
}

ks_rc ks__sync_wc_products(struct ks_sync_stats *stats, struct ks_sync *sync,
                           const cJSON *rows)
{
    struct wc_batch b;
    const cJSON *row;
    ks_rc rc = batch_init(&b);

    for (row = rows ? rows->child : NULL; row && !rc; row = row->next) {
        struct ks__sync_part p;
        char key[KS__SYNC_PART_KEY_MAX];
        int todo = 0;
        int64_t id = 0;

        rc = ks__sync_part_todo(&todo, &p, key, stats, sync, row, "wc");
        if (rc || !todo)
            continue;
        rc = wc_product_id(&id, sync, p.part_num);
        if (!rc && !id && p.inactive) {
            rc = ks__sync_part_never_offered(stats, sync, KS__FLOW_PARTS_WC,
                                             "woocommerce", &p);
            continue;
        }
        if (!rc)
            rc = queue_part(&b, &p, id, row);
        if (!rc && batch_size(&b) >= WC_CHUNK)
            rc = batch_send(stats, sync, &b);
    }
    if (!rc)
        rc = batch_send(stats, sync, &b);
    batch_dispose(&b);
    return rc;
}

/* ---- stock ------------------------------------------------------------ */

/* A batch update item: the product's managed stock. */
static cJSON *wc_stock_item(const struct ks_sync *sync, int64_t product_id,
                            int64_t qty)
{
    cJSON *u = cJSON_CreateObject();

    (void)sync;
    if (u && (!cJSON_AddNumberToObject(u, "id", (double)product_id) ||
              !cJSON_AddTrueToObject(u, "manage_stock") ||
              !cJSON_AddNumberToObject(u, "stock_quantity", (double)qty))) {
        cJSON_Delete(u);
        u = NULL;
    }
    return u;
}

/* One products/batch of stock updates; a slot answered with an error goes
 * to the outbox alone. */
static ks_rc wc_stock_send(struct ks_sync_stats *stats, struct ks_sync *sync,
                           const struct ks__sync_stock_sink *sink,
                           cJSON *updates, cJSON *parts)
{
    cJSON *reply = NULL;
    const cJSON *slots;
    int n = cJSON_GetArraySize(updates);
    ks_rc rc, r2 = KS_OK;

    rc = ks_woocommerce_products_batch(&reply, NULL, sync->wc, NULL, updates,
                                       NULL);
    if (!rc)
        rc = ks__sync_crash(sync, "after_stock_send");
    if (rc && ks__sync_fatal(rc)) {
        cJSON_Delete(reply);
        return ks__sync_fail(sync, rc, 0);
    }
    slots = cJSON_GetObjectItemCaseSensitive(reply, "update");
    for (int i = 0; i < n && !r2; i++) {
        const cJSON *slot = cJSON_GetArrayItem(slots, i);
        const cJSON *u = cJSON_GetArrayItem(updates, i);
        const char *part = cJSON_GetArrayItem(parts, i)->valuestring;

        if (rc || !slot || cJSON_GetObjectItemCaseSensitive(slot, "error"))
            r2 = ks__sync_outbox(sync, stats, sink->flow, "stock", "epicor",
                                 part, u,
                                 rc ? ks__sync_client_message(sync)
                                    : "woocommerce refused the stock level");
        else
            r2 = ks__sync_stock_sent(
                stats, sync, sink, part,
                (int64_t)kx_json_numeric(u, "stock_quantity", 0));
    }
    cJSON_Delete(reply);
    return r2;
}

ks_rc ks__sync_wc_stock(struct ks_sync_stats *stats, struct ks_sync *sync,
                        const cJSON *qty)
{
    static const struct ks__sync_stock_sink wc = {
        KS__FLOW_PARTS_WC, "woocommerce", KS__MAP_WC_PRODUCT, "wcstock:",
        WC_CHUNK,          wc_stock_item, wc_stock_send};

    return ks__sync_stock_set(stats, sync, qty, &wc);
}

ks_rc ks_sync_parts_to_woocommerce(struct ks_sync_stats *stats,
                                   struct ks_sync *sync)
{
    static const struct ks__sync_part_writers wc = {
        KS__FLOW_PARTS_WC, ks__sync_wc_products, ks__sync_wc_stock};

    return ks__sync_parts_run(stats, sync, &wc, sync->wc != NULL,
                              "WooCommerce");
}
