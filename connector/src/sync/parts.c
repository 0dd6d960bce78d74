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
