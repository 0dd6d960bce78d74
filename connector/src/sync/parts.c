/*
 * Epicor parts, prices and on-hand stock -> BigCommerce products, and
 * what both outbound part flows share: reading changed parts and changed
 * stock by SysRevID cursor, and the product fields a part gives.
 *
 * Matching: PartNum is the SKU. The product id is taken from the id map,
 * else found by SKU in the store (a product made by hand or by an earlier
 * run that crashed before mapping it), else the product is created. The
 * last payload sent per product is remembered as a hash, so a part whose
 * SysRevID moved without a change to name, price or InActive costs no
 * write. A part made InActive hides its product (is_visible false); one
 * that was never offered is not created.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sync_int.h"

#define ENTITY_PART "Part"
#define ENTITY_WHSE "PartWhse"

static int collect(void *ud, const cJSON *row)
{
    cJSON *copy = cJSON_Duplicate(row, 1);

    if (!copy || !cJSON_AddItemToArray(ud, copy)) {
        cJSON_Delete(copy);
        return 1;
    }
    return 0;
}

ks_rc ks__sync_parts_read(cJSON **rows, struct ks_sync_stats *stats,
                          struct ks_sync *sync, const char *flow,
                          int64_t *max_seen)
{
    int64_t since = 0;
    ks_rc rc;

    *rows = cJSON_CreateArray();
    if (!*rows)
        return KS_ENOMEM;
    rc = ks__sync_cursor_int(&since, sync, flow, ENTITY_PART);
    if (!rc)
        rc = ks__sync_fail(sync,
                           ks_kinetic_parts_changed_since(
                               sync->kin, since, collect, *rows, max_seen),
                           0);
    stats->read += cJSON_GetArraySize(*rows);
    return rc;
}

ks_rc ks__sync_parts_done(struct ks_sync *sync, const char *flow, int64_t max)
{
    return ks__sync_cursor_set_int(sync, flow, ENTITY_PART, max);
}

ks_rc ks__sync_product_fields(struct ks__sync_part *p, const cJSON *row)
{
    int64_t cents = 0;

    memset(p, 0, sizeof(*p));
    p->part_num = ks__sync_str(row, "PartNum");
    p->name = ks__sync_str(row, "PartDescription");
    if (!*p->name)
        p->name = p->part_num;
    p->inactive =
        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(row, "InActive"));
    if (ks__sync_json_cents(&cents,
                            cJSON_GetObjectItemCaseSensitive(row, "UnitPrice")))
        cents = 0;
    p->price_cents = cents;
    p->weight = ks__sync_num(row, "NetWeight", 0);
    ks__sync_cents_str(p->price, cents);
    {
        char *text = ks__aprintf("%s|%s|%s", p->name, p->price,
                                 p->inactive ? "hidden" : "visible");
        ks_rc rc;

        if (!text)
            return KS_ENOMEM;
        rc = ks__sync_hash(p->hash, text);
        ks__free(text);
        return rc;
    }
}

/* ---- stock ------------------------------------------------------------ */

struct whse_sum {
    struct ks_sync *sync;
    cJSON *qty;  /* PartNum -> on-hand */
    cJSON *seen; /* PartNum -> true: changed rows' parts */
    int oom;
};

static int plant_ok(struct ks_sync *sync, const cJSON *row)
{
    return !sync->plant || strcmp(ks__sync_str(row, "Plant"), sync->plant) == 0;
}

static void add_qty(struct whse_sum *w, const char *part, double q)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(w->qty, part);

    if (v) {
        cJSON_SetNumberValue(v, v->valuedouble + q);
    } else if (!cJSON_AddNumberToObject(w->qty, part, q)) {
        w->oom = 1;
    }
}

static int sum_row(void *ud, const cJSON *row)
{
    struct whse_sum *w = ud;
    const char *part = ks__sync_str(row, "PartNum");

    if (!*part)
        return 0;
    if (!cJSON_GetObjectItemCaseSensitive(w->seen, part) &&
        !cJSON_AddTrueToObject(w->seen, part)) {
        w->oom = 1;
        return 1;
    }
    if (plant_ok(w->sync, row))
        add_qty(w, part, ks__sync_num(row, "OnHandQty", 0));
    return w->oom;
}

ks_rc ks__sync_stock_of(double *qty, struct ks_sync *sync, const char *part)
{
    struct whse_sum w = {sync, cJSON_CreateObject(), cJSON_CreateObject(), 0};
    ks_rc rc = KS_ENOMEM;

    *qty = 0;
    if (w.qty && w.seen) {
        rc = ks__sync_fail(
            sync, ks_kinetic_part_whses_for_part(sync->kin, part, sum_row, &w),
            0);
        if (!rc && w.oom)
            rc = KS_ENOMEM;
        *qty = ks__sync_num(w.qty, part, 0);
    }
    cJSON_Delete(w.qty);
    cJSON_Delete(w.seen);
    return rc;
}

ks_rc ks__sync_stock_changed(cJSON **qty, struct ks_sync_stats *stats,
                             struct ks_sync *sync, const char *flow,
                             int64_t *max_seen)
{
    struct whse_sum w = {sync, cJSON_CreateObject(), cJSON_CreateObject(), 0};
    int64_t since = 0;
    const cJSON *p;
    ks_rc rc = KS_ENOMEM;

    *qty = NULL;
    if (!w.qty || !w.seen)
        goto out;
    rc = ks__sync_cursor_int(&since, sync, flow, ENTITY_WHSE);
    if (!rc)
        rc = ks__sync_fail(sync,
                           ks_kinetic_part_whses_changed_since(
                               sync->kin, since, sum_row, &w, max_seen),
                           0);
    if (!rc && w.oom)
        rc = KS_ENOMEM;
    if (rc)
        goto out;
    stats->read += cJSON_GetArraySize(w.seen);
    if (since > 0) {
        /* A change names one warehouse; the total needs all of them. From
         * cursor 0 every row was read, so the sums are complete already. */
        cJSON_Delete(w.qty);
        w.qty = cJSON_CreateObject();
        if (!w.qty) {
            rc = KS_ENOMEM;
            goto out;
        }
        cJSON_ArrayForEach(p, w.seen)
        {
            double q = 0;

            rc = ks__sync_stock_of(&q, sync, p->string);
            if (rc)
                goto out;
            if (!cJSON_AddNumberToObject(w.qty, p->string, q)) {
                rc = KS_ENOMEM;
                goto out;
            }
        }
    }
    *qty = w.qty;
    w.qty = NULL;
out:
    cJSON_Delete(w.qty);
    cJSON_Delete(w.seen);
    return rc;
}

ks_rc ks__sync_stock_done(struct ks_sync *sync, const char *flow, int64_t max)
{
    return ks__sync_cursor_set_int(sync, flow, ENTITY_WHSE, max);
}

ks_rc ks__sync_stock_hash(char out[65], const char *part, int64_t qty)
{
    char text[KS_STORE_ID_MAX + 40];

    snprintf(text, sizeof(text), "%s=%lld", part, (long long)qty);
    return ks__sync_hash(out, text);
}

/* ---- BigCommerce products --------------------------------------------- */

/* The product id of a part: id map, else SKU lookup (then mapped).
 * *id 0 when the store has none. */
static ks_rc bc_product_id(int64_t *id, struct ks_sync *sync, const char *part)
{
    char *b = NULL, num[32];
    cJSON *v = NULL;
    ks_rc rc;

    *id = 0;
    rc = ks_store_map_get(&b, sync->store, KS__MAP_BC_PRODUCT, part);
    if (rc == KS_OK) {
        *id = strtoll(b, NULL, 10);
        ks_store_string_free(b);
        return KS_OK;
    }
    if (rc != KS_ENOTFOUND)
        return ks__sync_fail(sync, rc, 1);
    rc = ks_bigcommerce_variant_find_by_sku(&v, sync->bc, part);
    if (rc == KS_ENOTFOUND)
        return KS_OK;
    if (rc)
        return ks__sync_fail(sync, rc, 0);
    *id = (int64_t)ks__sync_num(v, "product_id", 0);
    cJSON_Delete(v);
    snprintf(num, sizeof(num), "%lld", (long long)*id);
    return ks__sync_fail(
        sync, ks_store_map_put(sync->store, KS__MAP_BC_PRODUCT, part, num), 1);
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
                   (int64_t)ks__sync_num(made, "id", 0), KS__FLOW_PARTS_BC,
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
        if ((int64_t)ks__sync_num(cJSON_GetObjectItemCaseSensitive(e, "data"),
                                  "id", -1) == id)
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
    if (rc && ks__sync_fatal(rc)) {
        cJSON_Delete(reply);
        return ks__sync_fail(sync, rc, 0);
    }
    for (int i = 0; i < n; i++) {
        const cJSON *row = cJSON_GetArrayItem(rows, i);
        int64_t id =
            (int64_t)ks__sync_num(cJSON_GetArrayItem(updates, i), "id", 0);
        struct ks__sync_part p;
        char key[KS_STORE_ID_MAX + 8];
        ks_rc r2 = ks__sync_product_fields(&p, row);

        const cJSON *e = bc_error_of(reply, id);
        char why[400];

        snprintf(key, sizeof(key), "bc:%s", p.part_num);
        if (!r2 && (rc || e)) {
            snprintf(why, sizeof(why), "bigcommerce refused the update: %s",
                     rc ? ks__sync_client_message(sync)
                        : ks__sync_str(e, "title"));
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
    const cJSON *row;
    ks_rc rc = updates && urows ? KS_OK : KS_ENOMEM;

    for (row = rows ? rows->child : NULL; row && !rc; row = row->next) {
        struct ks__sync_part p;
        char key[KS_STORE_ID_MAX + 8];
        int same = 0;
        int64_t id = 0;
        cJSON *u;

        rc = ks__sync_product_fields(&p, row);
        if (rc)
            break;
        if (!*p.part_num || strlen(p.part_num) > KS_STORE_ID_MAX - 8) {
            stats->skipped++; /* no key the store can hold */
            continue;
        }
        snprintf(key, sizeof(key), "bc:%s", p.part_num);
        rc = ks__sync_sent_same(&same, sync, key, p.hash);
        if (!rc && same) {
            stats->unchanged++;
            continue;
        }
        if (!rc)
            rc = bc_product_id(&id, sync, p.part_num);
        if (!rc && !id && p.inactive) {
            /* never offered: nothing to hide, nothing to create */
            stats->skipped++;
            rc = ks__sync_audit(sync, KS__FLOW_PARTS_BC, "epicor", p.part_num,
                                "bigcommerce", NULL, "product", "skipped", 1,
                                "part is inactive");
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
    return rc;
}

/* One absolute adjustment of at most KS_BIGCOMMERCE_INVENTORY_BATCH. */
static ks_rc bc_stock_chunk(struct ks_sync_stats *stats, struct ks_sync *sync,
                            cJSON *items, cJSON *parts)
{
    int n = cJSON_GetArraySize(items);
    ks_rc rc;

    if (n == 0)
        return KS_OK;
    rc = ks_bigcommerce_inventory_absolute(NULL, NULL, sync->bc,
                                           "kinsync: Epicor on-hand", items);
    if (rc && ks__sync_fatal(rc))
        return ks__sync_fail(sync, rc, 0);
    for (int i = 0; i < n; i++) {
        const char *part = cJSON_GetArrayItem(parts, i)->valuestring;
        const cJSON *it = cJSON_GetArrayItem(items, i);
        int64_t q = (int64_t)ks__sync_num(it, "quantity", 0);
        char key[KS_STORE_ID_MAX + 16], hash[65], detail[48];
        ks_rc r2;

        if (rc) {
            r2 = ks__sync_outbox(sync, stats, KS__FLOW_PARTS_BC, "stock",
                                 "epicor", part, it,
                                 ks__sync_client_message(sync));
        } else {
            snprintf(key, sizeof(key), "bcstock:%s", part);
            snprintf(detail, sizeof(detail), "on hand %lld", (long long)q);
            r2 = ks__sync_stock_hash(hash, part, q);
            if (!r2)
                r2 = ks__sync_sent_put(sync, key, hash);
            if (!r2)
                r2 = ks__sync_audit(sync, KS__FLOW_PARTS_BC, "epicor", part,
                                    "bigcommerce", NULL, "stock", "ok", 1,
                                    detail);
            stats->updated += r2 == KS_OK;
        }
        if (r2)
            return r2;
    }
    return KS_OK;
}

ks_rc ks__sync_bc_stock(struct ks_sync_stats *stats, struct ks_sync *sync,
                        const cJSON *qty)
{
    cJSON *items = cJSON_CreateArray(), *parts = cJSON_CreateArray();
    const cJSON *q;
    ks_rc rc = items && parts ? KS_OK : KS_ENOMEM;

    for (q = qty ? qty->child : NULL; q && !rc; q = q->next) {
        char key[KS_STORE_ID_MAX + 16], hash[65], *b = NULL;
        int64_t n = q->valuedouble > 0 ? (int64_t)q->valuedouble : 0;
        int same = 0;
        cJSON *it;

        rc = ks_store_map_get(&b, sync->store, KS__MAP_BC_PRODUCT, q->string);
        if (rc == KS_ENOTFOUND) { /* no product (inactive or failed) */
            rc = KS_OK;
            continue;
        }
        rc = ks__sync_fail(sync, rc, 1);
        if (rc)
            break;
        snprintf(key, sizeof(key), "bcstock:%s", q->string);
        rc = ks__sync_stock_hash(hash, q->string, n);
        if (!rc)
            rc = ks__sync_sent_same(&same, sync, key, hash);
        if (!rc && same)
            stats->unchanged++;
        it = rc || same ? NULL : cJSON_CreateObject();
        if (it && (!cJSON_AddItemToArray(items, it) ||
                   !cJSON_AddNumberToObject(it, "product_id",
                                            (double)strtoll(b, NULL, 10)) ||
                   !cJSON_AddNumberToObject(it, "location_id",
                                            (double)sync->bc_location_id) ||
                   !cJSON_AddNumberToObject(it, "quantity", (double)n) ||
                   !cJSON_AddItemToArray(parts, cJSON_CreateString(q->string))))
            rc = KS_ENOMEM;
        ks_store_string_free(b);
        if (!rc &&
            cJSON_GetArraySize(items) == KS_BIGCOMMERCE_INVENTORY_BATCH) {
            rc = bc_stock_chunk(stats, sync, items, parts);
            cJSON_Delete(items);
            cJSON_Delete(parts);
            items = cJSON_CreateArray();
            parts = cJSON_CreateArray();
            if (!rc && (!items || !parts))
                rc = KS_ENOMEM;
        }
    }
    if (!rc)
        rc = bc_stock_chunk(stats, sync, items, parts);
    cJSON_Delete(items);
    cJSON_Delete(parts);
    return rc;
}

ks_rc ks_sync_parts_to_bigcommerce(struct ks_sync_stats *stats,
                                   struct ks_sync *sync)
{
    cJSON *rows = NULL, *qty = NULL;
    int64_t max = 0;
    ks_rc rc;

    ks__sync_enter(sync, stats);
    if (!sync->bc)
        return ks__sync_leave(sync,
                              ks__error_set(&sync->err, KS_EINVAL, 0,
                                            "sync: no BigCommerce handle"));
    rc = ks__sync_parts_read(&rows, stats, sync, KS__FLOW_PARTS_BC, &max);
    if (!rc)
        rc = ks__sync_bc_products(stats, sync, rows);
    /* every part read was written or queued: the cursor may move */
    if (!rc)
        rc = ks__sync_parts_done(sync, KS__FLOW_PARTS_BC, max);
    if (!rc)
        rc = ks__sync_stock_changed(&qty, stats, sync, KS__FLOW_PARTS_BC, &max);
    if (!rc)
        rc = ks__sync_bc_stock(stats, sync, qty);
    if (!rc)
        rc = ks__sync_stock_done(sync, KS__FLOW_PARTS_BC, max);
    cJSON_Delete(rows);
    cJSON_Delete(qty);
    return ks__sync_leave(sync, rc);
}
