/*
 * Writing a batch of purchase orders as Adobe Commerce orders, exactly
 * once (purchase_orders_adobe.c maps them).
 *
 * Adobe takes no idempotency key. The protocol of store.h, by batch:
 *
 *   1. one transaction begins the intents (po.adobe "PO-<PONum>") of every
 *      PO without an order yet, and commits (fsync) before any write;
 *      crash point after_intent_begin;
 *   2. per PO: a pending intent (an earlier attempt may have reached
 *      Adobe) first looks the order up by its increment_id; a new one, or
 *      one not found, is created; crash point after_remote_write after each
 *      create. An order the map knows is updated when its header changed;
 *   3. one transaction completes the intents with the entity_ids and
 *      keeps the bookkeeping (PO -> order map, SysRevID, header hash,
 *      audit); crash point after_intent_complete.
 *
 * A crash anywhere leaves at worst pending intents, each resolved by one
 * look-up on the next run; two store commits per batch instead of several
 * per PO (each an fsync) keep the store off the critical path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "sync_int.h"

enum outcome {
    TODO = 0,
    UNCHANGED,
    CREATED,   /* by this run */
    RECOVERED, /* found: an earlier attempt created it */
    UPDATED,
    QUEUED /* to the outbox */
};

struct item {
    struct ks__sync_po_doc *d;
    int64_t id; /* the order's entity_id; 0 while unknown */
    int mapped; /* the PO -> order map knew it */
    struct ks_intent in;
    enum outcome out;
};

void ks__sync_po_doc_free(struct ks__sync_po_doc *d)
{
    cJSON_Delete(d->order);
    cJSON_Delete(d->header);
    d->order = d->header = NULL;
}

static ks_rc find_order(int64_t *id, struct ks_sync *sync, const char *ref)
{
    cJSON *o = NULL;
    ks_rc rc = ks_adobe_order_find(&o, sync->adobe, ref);

    *id = rc ? 0 : (int64_t)kx_json_numeric(o, "entity_id", 0);
    cJSON_Delete(o);
    return rc == KS_ENOTFOUND ? KS_OK : ks__sync_fail(sync, rc, 0);
}

static ks_rc create_order(int64_t *id, struct ks_sync *sync,
                          const struct ks__sync_po_doc *d)
{
    cJSON *o = NULL;
    ks_rc rc = ks_adobe_order_save(&o, sync->adobe, d->order);

    *id = rc ? 0 : (int64_t)kx_json_numeric(o, "entity_id", 0);
    cJSON_Delete(o);
    if (!rc && *id <= 0)
        return ks__error_set(&sync->err, KS_EPARSE, 0,
                             "adobe: the order save answered no entity_id");
    return ks__sync_fail(sync, rc, 0);
}

static ks_rc update_order(struct ks_sync *sync, int64_t id,
                          const struct ks__sync_po_doc *d)
{
    cJSON *e = cJSON_Duplicate(d->header, 1), *o = NULL;
    ks_rc rc = e && cJSON_AddNumberToObject(e, "entity_id", (double)id)
                   ? KS_OK
                   : KS_ENOMEM;

    if (!rc)
        rc = ks__sync_fail(sync, ks_adobe_order_save(&o, sync->adobe, e), 0);
    cJSON_Delete(e);
    cJSON_Delete(o);
    return rc;
}

static void sent_key(char out[48], int64_t po_num)
{
    snprintf(out, 48, "adobe:po:%lld", (long long)po_num);
}

/* 1: the map and the intents, in one transaction. */
static ks_rc begin_all(struct ks_sync *sync, struct item *it, size_t n)
{
    ks_rc rc = ks__sync_fail(sync, ks_store_begin(sync->store), 1);

    for (size_t i = 0; !rc && i < n; i++) {
        rc = ks__sync_ad_order_of_po(&it[i].id, sync, it[i].d->po_num);
        it[i].mapped = it[i].id != 0;
        if (!rc && !it[i].mapped)
            rc = ks__sync_fail(
                sync,
                ks_store_intent_begin(&it[i].in, sync->store, KS__INTENT_AD_PO,
                                      it[i].d->ref, it[i].d->hash),
                1);
    }
    if (!rc)
        rc = ks__sync_fail(sync, ks_store_commit(sync->store), 1);
    else
        ks_store_rollback(sync->store);
    return rc ? rc : ks__sync_crash(sync, "after_intent_begin");
}

/* 2: one PO's remote work. Returns only run-stopping failures. */
static ks_rc write_one(struct ks_sync_stats *stats, struct ks_sync *sync,
                       struct item *it)
{
    const struct ks__sync_po_doc *d = it->d;
    char key[48];
    int same = 0;
    ks_rc rc = KS_OK;

    if (it->mapped) {
        sent_key(key, d->po_num);
        rc = ks__sync_sent_same(&same, sync, key, d->hash);
        it->out = same ? UNCHANGED : UPDATED;
        if (!rc && !same)
            rc = update_order(sync, it->id, d);
    } else if (it->in.state == KS_INTENT_DONE) {
        /* completed by a run that died before it mapped the order */
        it->id = strtoll(it->in.target_id, NULL, 10);
        it->out = UPDATED;
        rc = update_order(sync, it->id, d);
    } else {
        if (it->in.state == KS_INTENT_PENDING)
            rc = find_order(&it->id, sync, d->ref);
        it->out = it->id ? RECOVERED : CREATED;
        if (!rc && !it->id) {
            rc = create_order(&it->id, sync, d);
            if (!rc)
                rc = ks__sync_crash(sync, "after_remote_write");
        } else if (!rc && it->in.payload_changed) {
            rc = update_order(sync, it->id, d); /* the PO moved since */
        }
    }
    if (rc && ks__sync_fatal(rc))
        it->out = TODO; /* not known to be written: the intent stays */
    if (rc && !ks__sync_fatal(rc)) {
        char why[512];

        it->out = QUEUED;
        snprintf(why, sizeof(why), "%s", ks__sync_client_message(sync));
        rc = ks__sync_outbox(sync, stats, KS__FLOW_POS_AD, "purchase_order",
                             "epicor", d->ref, d->po, why);
    }
    return rc;
}

/* 3's part for one PO written or found. */
static ks_rc remember(struct ks_sync_stats *stats, struct ks_sync *sync,
                      const struct item *it)
{
    static const char *const action[] = {
        NULL, NULL, "order.create", "order.recover", "order.update", NULL};
    const struct ks__sync_po_doc *d = it->d;
    char key[48], po[32], num[32], rev[32];
    ks_rc rc = KS_OK;

    snprintf(po, sizeof(po), "%lld", (long long)d->po_num);
    snprintf(num, sizeof(num), "%lld", (long long)it->id);
    snprintf(rev, sizeof(rev), "%lld",
             (long long)kx_json_numeric(d->po, "SysRevID", 0));
    if (!it->mapped && it->in.state != KS_INTENT_DONE)
        rc = ks_store_intent_complete(sync->store, KS__INTENT_AD_PO, d->ref,
                                      num);
    if (!rc && !it->mapped)
        rc = ks_store_map_put(sync->store, KS__MAP_AD_ORDER, po, num);
    rc = ks__sync_fail(sync, rc == KS_ECONFLICT ? KS_OK : rc, 1);
    sent_key(key, d->po_num);
    if (!rc)
        rc = ks__sync_value_put(sync, KS__MAP_AD_PO_REV, po, rev);
    if (!rc && it->out != UNCHANGED)
        rc = ks__sync_sent_put(sync, key, d->hash);
    if (!rc && action[it->out])
        rc = ks__sync_audit(sync, KS__FLOW_POS_AD, "epicor", d->ref, "adobe",
                            num, action[it->out], "ok", 1, NULL);
    if (!rc) {
        stats->unchanged += it->out == UNCHANGED;
        stats->created += it->out == CREATED || it->out == RECOVERED;
        stats->updated += it->out == UPDATED;
    }
    return rc;
}

static ks_rc complete_all(struct ks_sync_stats *stats, struct ks_sync *sync,
                          struct item *it, size_t n)
{
    ks_rc rc = ks__sync_fail(sync, ks_store_begin(sync->store), 1);

    for (size_t i = 0; !rc && i < n; i++)
        if (it[i].out != TODO && it[i].out != QUEUED)
            rc = remember(stats, sync, &it[i]);
    if (!rc)
        rc = ks__sync_fail(sync, ks_store_commit(sync->store), 1);
    else
        ks_store_rollback(sync->store);
    return rc ? rc : ks__sync_crash(sync, "after_intent_complete");
}

ks_rc ks__sync_po_write(struct ks_sync_stats *stats, struct ks_sync *sync,
                        struct ks__sync_po_doc *docs, size_t n)
{
    struct item *it = n ? ks__calloc(n, sizeof(*it)) : NULL;
    ks_rc rc = KS_OK, done;

    if (n == 0)
        return KS_OK;
    if (!it)
        return KS_ENOMEM;
    for (size_t i = 0; i < n; i++)
        it[i].d = &docs[i];
    rc = begin_all(sync, it, n);
    for (size_t i = 0; !rc && i < n; i++)
        rc = write_one(stats, sync, &it[i]);
    /* what was written is kept even when the run stops here (a crashed
     * store refuses this too, as a dead process would not get here) */
    done = complete_all(stats, sync, it, n);
    rc = rc ? rc : done;
    ks__free(it);
    return rc;
}
