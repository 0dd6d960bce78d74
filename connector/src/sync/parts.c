/*
 * What both outbound part flows share: reading changed parts and changed
 * stock by SysRevID cursor, batch by batch; the product fields a part
 * gives; the on-hand mirror; finding a product by id map or SKU; and
 * setting stock levels through a platform's sink. The platforms' writers
 * are parts_bc.c and parts_wc.c.
 *
 * Matching: PartNum is the SKU. The product id is taken from the id map,
 * else found by SKU in the store (a product made by hand or by an earlier
 * run that crashed before mapping it), else the product is created. The
 * last payload sent per product is remembered as a hash, so a part whose
 * SysRevID moved without a change to name, price or InActive costs no
 * write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "sync_int.h"

#define ENTITY_PART "Part"
#define ENTITY_WHSE "PartWhse"

ks_rc ks__sync_product_fields(struct ks__sync_part *p, const cJSON *row)
{
    int64_t cents = 0;

    memset(p, 0, sizeof(*p));
    p->part_num = kx_json_str_or(row, "PartNum", "");
    p->name = kx_json_str_or(row, "PartDescription", "");
    if (!*p->name)
        p->name = p->part_num;
    p->inactive =
        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(row, "InActive"));
    if (ks__sync_json_cents(&cents,
                            cJSON_GetObjectItemCaseSensitive(row, "UnitPrice")))
        cents = 0;
    p->price_cents = cents;
    p->weight = kx_json_numeric(row, "NetWeight", 0);
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
    return !sync->plant ||
           strcmp(kx_json_str_or(row, "Plant", ""), sync->plant) == 0;
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
    const char *part = kx_json_str_or(row, "PartNum", "");

    if (!*part)
        return 0;
    if (!cJSON_GetObjectItemCaseSensitive(w->seen, part) &&
        !cJSON_AddTrueToObject(w->seen, part)) {
        w->oom = 1;
        return 1;
    }
    if (plant_ok(w->sync, row))
        add_qty(w, part, kx_json_numeric(row, "OnHandQty", 0));
    return w->oom;
}

ks_rc ks__sync_stock_of(double *qty, struct ks_sync *sync, const char *part)
{
    struct whse_sum w = {sync, cJSON_CreateObject(), cJSON_CreateObject(), 0};
    ks_rc rc = KS_ENOMEM;

    *qty = 0;
    if (w.qty && w.seen) {
        rc = ks__sync_fail(
            sync, ks_epicor_part_whses_for_part(sync->epi, part, sum_row, &w),
            0);
        if (!rc && w.oom)
            rc = KS_ENOMEM;
        *qty = kx_json_numeric(w.qty, part, 0);
    }
    cJSON_Delete(w.qty);
    cJSON_Delete(w.seen);
    return rc;
}

/* Folds one changed PartWhse row into the durable on-hand mirror: the
 * warehouse's quantity replaces its last one, and the part's total moves
 * by the difference. A row seen twice (a rerun after a crash) moves
 * nothing the second time. *total: the part's new total. */
static ks_rc tally(double *total, struct ks_sync *sync, const char *part,
                   const cJSON *row)
{
    char key[KS_STORE_ID_MAX + 1], *old = NULL, *sum = NULL, text[64];
    double q = kx_json_numeric(row, "OnHandQty", 0), before, t;
    ks_rc rc;

    if (snprintf(key, sizeof(key), "%s|%s|%s", part,
                 kx_json_str_or(row, "Plant", ""),
                 kx_json_str_or(row, "WarehouseCode", "")) >=
        (int)sizeof(key) - 32)
        return ks__error_set(&sync->err, KS_EINVAL, 0,
                             "sync: warehouse key of %s too long", part);
    rc = ks__sync_value_get(&old, sync, KS__MAP_ONHAND_WHSE, key);
    if (!rc)
        rc = ks__sync_value_get(&sum, sync, KS__MAP_ONHAND_PART, part);
    if (rc)
        goto out;
    before = old ? strtod(old, NULL) : 0;
    t = (sum ? strtod(sum, NULL) : 0) + q - before;
    *total = t;
    if (old && q == before)
        goto out;
    snprintf(text, sizeof(text), "%.6f", q);
    rc = ks__sync_value_put(sync, KS__MAP_ONHAND_WHSE, key, text);
    snprintf(text, sizeof(text), "%.6f", t);
    if (!rc)
        rc = ks__sync_value_put(sync, KS__MAP_ONHAND_PART, part, text);
out:
    ks__free(old);
    ks__free(sum);
    return rc;
}

/* {PartNum: on-hand total} of the parts a batch of PartWhse rows
 * touched, the mirror updated on the way. */
static ks_rc stock_totals(cJSON *qty, struct ks_sync *sync, const cJSON *rows)
{
    const cJSON *row;
    ks_rc rc = KS_OK;

    for (row = rows->child; row && !rc; row = row->next) {
        const char *part = kx_json_str_or(row, "PartNum", "");
        cJSON *v;
        double t = 0;

        if (!*part || !plant_ok(sync, row))
            continue;
        rc = tally(&t, sync, part, row);
        if (rc)
            break;
        v = cJSON_GetObjectItemCaseSensitive(qty, part);
        if (v)
            cJSON_SetNumberValue(v, t);
        else if (!cJSON_AddNumberToObject(qty, part, t))
            rc = KS_ENOMEM;
    }
    return rc;
}

typedef ks_rc (*changed_fn)(struct ks_epicor *epi, int64_t since,
                            ks_epicor_row_fn fn, void *userdata,
                            int64_t *max_seen);
typedef ks_rc (*batch_fn)(struct ks_sync_stats *stats, struct ks_sync *sync,
                          const cJSON *rows,
                          const struct ks__sync_part_writers *w);

struct batch {
    cJSON *rows;
    int n;
    int oom;
};

/* Keeps a copy of each row and stops the read at a full batch. */
static int take_row(void *ud, const cJSON *row)
{
    struct batch *b = ud;
    cJSON *copy = cJSON_Duplicate(row, 1);

    if (!copy || !cJSON_AddItemToArray(b->rows, copy)) {
        cJSON_Delete(copy);
        b->oom = 1;
        return 1;
    }
    return ++b->n == KS__SYNC_BATCH;
}

static ks_rc part_batch(struct ks_sync_stats *stats, struct ks_sync *sync,
                        const cJSON *rows,
                        const struct ks__sync_part_writers *w)
{
    stats->read += cJSON_GetArraySize(rows);
    return w->products(stats, sync, rows);
}

static ks_rc stock_batch(struct ks_sync_stats *stats, struct ks_sync *sync,
                         const cJSON *rows,
                         const struct ks__sync_part_writers *w)
{
    cJSON *qty = cJSON_CreateObject();
    ks_rc rc = qty ? stock_totals(qty, sync, rows) : KS_ENOMEM;

    if (!rc) {
        stats->read += cJSON_GetArraySize(qty);
        rc = w->stock(stats, sync, qty);
    }
    cJSON_Delete(qty);
    return rc;
}

/*
 * Handles one batch in one store transaction (one fsync a batch, not
 * several a record), the cursor moving in the same commit. A batch that
 * stops early still commits the bookkeeping of the records it did move
 * (their id maps, audit and outbox rows), but not the cursor. Losing that
 * commit to a crash costs nothing either: the products are found by SKU
 * on the rerun.
 */
static ks_rc batch_commit(struct ks_sync_stats *stats, struct ks_sync *sync,
                          const struct ks__sync_part_writers *w,
                          const char *entity, const cJSON *rows, int64_t max,
                          batch_fn handle)
{
    ks_rc rc = ks__sync_fail(sync, ks_store_begin(sync->store), 1), done;

    if (rc)
        return rc;
    rc = handle(stats, sync, rows, w);
    if (!rc)
        rc = ks__sync_cursor_set_int(sync, w->flow, entity, max);
    if (!rc) /* the batch written, none of its bookkeeping kept */
        rc = ks__sync_crash(sync, "before_batch_commit");
    done = ks_store_commit(sync->store);
    if (done) {
        ks_store_rollback(sync->store);
        if (!rc)
            rc = ks__sync_fail(sync, done, 1);
    }
    return rc;
}

/* Rows of entity changed since the flow's cursor, batch by batch: read
 * (the reader stops at a full batch, its max_seen then being the batch's
 * last SysRevID), handled, and only then the cursor moved past it. */
static ks_rc stream(struct ks_sync_stats *stats, struct ks_sync *sync,
                    const struct ks__sync_part_writers *w, const char *entity,
                    changed_fn read, batch_fn handle)
{
    for (;;) {
        struct batch b = {cJSON_CreateArray(), 0, 0};
        int64_t since = 0, max = 0;
        ks_rc rc = b.rows ? KS_OK : KS_ENOMEM;

        if (!rc)
            rc = ks__sync_cursor_int(&since, sync, w->flow, entity);
        if (!rc)
            rc = ks__sync_fail(sync, read(sync->epi, since, take_row, &b, &max),
                               0);
        if (!rc && b.oom)
            rc = KS_ENOMEM;
        if (!rc && b.n)
            rc = batch_commit(stats, sync, w, entity, b.rows, max, handle);
        cJSON_Delete(b.rows);
        if (rc || b.n < KS__SYNC_BATCH)
            return rc;
    }
}

static ks_rc parts_flow(struct ks_sync_stats *stats, struct ks_sync *sync,
                        const struct ks__sync_part_writers *w)
{
    ks_rc rc = stream(stats, sync, w, ENTITY_PART,
                      ks_epicor_parts_changed_since, part_batch);

    if (!rc)
        rc = stream(stats, sync, w, ENTITY_WHSE,
                    ks_epicor_part_whses_changed_since, stock_batch);
    return rc;
}

ks_rc ks__sync_parts_run(struct ks_sync_stats *stats, struct ks_sync *sync,
                         const struct ks__sync_part_writers *w, int have_target,
                         const char *platform)
{
    ks__sync_enter(sync, stats);
    if (!have_target)
        return ks__sync_leave(sync,
                              ks__error_set(&sync->err, KS_EINVAL, 0,
                                            "sync: no %s handle", platform));
    return ks__sync_leave(sync, parts_flow(stats, sync, w));
}

ks_rc ks__sync_part_todo(int *todo, struct ks__sync_part *p,
                         char key[KS__SYNC_PART_KEY_MAX],
                         struct ks_sync_stats *stats, struct ks_sync *sync,
                         const cJSON *row, const char *prefix)
{
    int same = 0;
    ks_rc rc;

    *todo = 0;
    rc = ks__sync_product_fields(p, row);
    if (rc)
        return rc;
    if (!*p->part_num || strlen(p->part_num) > KS_STORE_ID_MAX - 8) {
        stats->skipped++; /* no key the store can hold */
        return KS_OK;
    }
    snprintf(key, KS__SYNC_PART_KEY_MAX, "%s:%s", prefix, p->part_num);
    rc = ks__sync_sent_same(&same, sync, key, p->hash);
    if (!rc && same)
        stats->unchanged++;
    *todo = !rc && !same;
    return rc;
}

ks_rc ks__sync_part_never_offered(struct ks_sync_stats *stats,
                                  struct ks_sync *sync, const char *flow,
                                  const char *platform,
                                  const struct ks__sync_part *p)
{
    stats->skipped++;
    return ks__sync_audit(sync, flow, "epicor", p->part_num, platform, NULL,
                          "product", "skipped", 1, "part is inactive");
}

ks_rc ks__sync_stock_hash(char out[65], const char *part, int64_t qty)
{
    char text[KS_STORE_ID_MAX + 40];

    snprintf(text, sizeof(text), "%s=%lld", part, (long long)qty);
    return ks__sync_hash(out, text);
}

ks_rc ks__sync_product_id(int64_t *id, struct ks_sync *sync, const char *map,
                          const char *part, ks__sync_sku_lookup_fn lookup)
{
    char *b = NULL, num[32];
    ks_rc rc;

    *id = 0;
    rc = ks_store_map_get(&b, sync->store, map, part);
    if (rc == KS_OK) {
        *id = strtoll(b, NULL, 10);
        ks_store_string_free(b);
        return KS_OK;
    }
    if (rc != KS_ENOTFOUND)
        return ks__sync_fail(sync, rc, 1);
    rc = lookup(id, sync, part);
    if (rc == KS_ENOTFOUND) {
        *id = 0;
        return KS_OK;
    }
    if (rc)
        return ks__sync_fail(sync, rc, 0);
    snprintf(num, sizeof(num), "%lld", (long long)*id);
    return ks__sync_fail(sync, ks_store_map_put(sync->store, map, part, num),
                         1);
}

/* ---- stock, either platform ----------------------------------------- */

ks_rc ks__sync_stock_sent(struct ks_sync_stats *stats, struct ks_sync *sync,
                          const struct ks__sync_stock_sink *sink,
                          const char *part, int64_t qty)
{
    char key[KS_STORE_ID_MAX + 16], hash[65], detail[48];
    ks_rc rc;

    snprintf(key, sizeof(key), "%s%s", sink->sent_prefix, part);
    snprintf(detail, sizeof(detail), "on hand %lld", (long long)qty);
    rc = ks__sync_stock_hash(hash, part, qty);
    if (!rc)
        rc = ks__sync_sent_put(sync, key, hash);
    if (!rc)
        rc = ks__sync_audit(sync, sink->flow, "epicor", part, sink->system,
                            NULL, "stock", "ok", 1, detail);
    stats->updated += rc == KS_OK;
    return rc;
}

/* Sends what items holds (parts[i] is item i's PartNum) and starts both
 * lists afresh. */
static ks_rc stock_flush(struct ks_sync_stats *stats, struct ks_sync *sync,
                         const struct ks__sync_stock_sink *sink, cJSON **items,
                         cJSON **parts)
{
    ks_rc rc = cJSON_GetArraySize(*items)
                   ? sink->send(stats, sync, sink, *items, *parts)
                   : KS_OK;

    cJSON_Delete(*items);
    cJSON_Delete(*parts);
    *items = cJSON_CreateArray();
    *parts = cJSON_CreateArray();
    return !rc && (!*items || !*parts) ? KS_ENOMEM : rc;
}

ks_rc ks__sync_stock_set(struct ks_sync_stats *stats, struct ks_sync *sync,
                         const cJSON *qty,
                         const struct ks__sync_stock_sink *sink)
{
    cJSON *items = cJSON_CreateArray(), *parts = cJSON_CreateArray();
    const cJSON *q;
    ks_rc rc = items && parts ? KS_OK : KS_ENOMEM;

    for (q = qty ? qty->child : NULL; q && !rc; q = q->next) {
        char key[KS_STORE_ID_MAX + 16], hash[65], *b = NULL;
        int64_t n = q->valuedouble > 0 ? (int64_t)q->valuedouble : 0;
        int same = 0;
        cJSON *it;

        rc = ks_store_map_get(&b, sync->store, sink->product_map, q->string);
        if (rc == KS_ENOTFOUND) { /* no product (inactive or failed) */
            rc = KS_OK;
            continue;
        }
        rc = ks__sync_fail(sync, rc, 1);
        if (rc)
            break;
        snprintf(key, sizeof(key), "%s%s", sink->sent_prefix, q->string);
        rc = ks__sync_stock_hash(hash, q->string, n);
        if (!rc)
            rc = ks__sync_sent_same(&same, sync, key, hash);
        if (!rc && same)
            stats->unchanged++;
        it = rc || same ? NULL : sink->item(sync, strtoll(b, NULL, 10), n);
        ks_store_string_free(b);
        if (!rc && !same) {
            if (!it) {
                rc = KS_ENOMEM;
            } else if (!cJSON_AddItemToArray(items, it)) {
                cJSON_Delete(it);
                rc = KS_ENOMEM;
            } else if (!cJSON_AddItemToArray(parts,
                                             cJSON_CreateString(q->string))) {
                rc = KS_ENOMEM; /* the lists are dropped, not sent */
            }
        }
        if (!rc && cJSON_GetArraySize(items) == sink->chunk)
            rc = stock_flush(stats, sync, sink, &items, &parts);
    }
    if (!rc)
        rc = stock_flush(stats, sync, sink, &items, &parts);
    cJSON_Delete(items);
    cJSON_Delete(parts);
    return rc;
}
