/*
 * Replaying the outbox: every pending item is tried again with its source
 * record read afresh, so whatever was fixed since (an id map, a part added
 * in Epicor, a receiver back up) takes effect.
 *
 * The items are copied out of the store first and handled afterwards: the
 * flows called here add to the outbox themselves when an item fails again
 * (one item per flow + kind + source, so that counts one more attempt on
 * the same item and records the new reason), which the store's iterator
 * would not allow from its own callback. An item is resolved when its run
 * queued nothing new.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "sync_int.h"
#include "epicor/epicor_int.h"

static int copy_item(const struct ks_outbox_item *item, void *ud)
{
    cJSON *o = cJSON_CreateObject();

    if (!o || !cJSON_AddItemToArray(ud, o) ||
        !cJSON_AddNumberToObject(o, "id", (double)item->id) ||
        !cJSON_AddStringToObject(o, "flow", item->flow) ||
        !cJSON_AddStringToObject(o, "kind", item->kind) ||
        !cJSON_AddStringToObject(o, "source_id", item->source_id))
        return KS_ENOMEM;
    return 0;
}

static int64_t num_after(const char *source, const char *prefix)
{
    size_t n = strlen(prefix);

    return strncmp(source, prefix, n) == 0 ? strtoll(source + n, NULL, 10) : 0;
}

ks_rc ks__sync_part_one(struct ks_sync_stats *stats, struct ks_sync *sync,
                        const char *flow, const char *part_num)
{
    struct ks_epicor_query q = KS_EPICOR_QUERY_INIT;
    char *filter = ks__epicor_filter_eq("PartNum", part_num);
    cJSON *rows = cJSON_CreateArray(), *qty = cJSON_CreateObject();
    int bc = strcmp(flow, KS__FLOW_PARTS_BC) == 0;
    double on_hand = 0;
    ks_rc rc = KS_ENOMEM;

    if (!filter || !rows || !qty)
        goto out;
    q.filter = filter;
    q.top = 1;
    rc = ks__sync_fail(sync,
                       ks_epicor_query(sync->epi, "Erp.BO.PartSvc", "Parts", &q,
                                       ks__sync_collect, rows),
                       0);
    stats->read += cJSON_GetArraySize(rows);
    if (!rc && bc && !sync->bc)
        rc = KS_EINVAL;
    if (!rc && !bc && !sync->wc)
        rc = KS_EINVAL;
    if (!rc)
        rc = bc ? ks__sync_bc_products(stats, sync, rows)
                : ks__sync_wc_products(stats, sync, rows);
    if (!rc && cJSON_GetArraySize(rows) > 0)
        rc = ks__sync_stock_of(&on_hand, sync, part_num);
    if (!rc && cJSON_GetArraySize(rows) > 0 &&
        !cJSON_AddNumberToObject(qty, part_num, on_hand))
        rc = KS_ENOMEM;
    if (!rc)
        rc = bc ? ks__sync_bc_stock(stats, sync, qty)
                : ks__sync_wc_stock(stats, sync, qty);
out:
    ks__free(filter);
    cJSON_Delete(rows);
    cJSON_Delete(qty);
    return rc;
}

/* The Adobe flows' items: a vendor (VendorNum), a PO ("PO-7010"), an AP
 * invoice ("AP-2-SI-1990"), a requisition ("AD-000000001": the order is
 * read from Adobe again). */
static ks_rc replay_adobe(struct ks_sync_stats *stats, struct ks_sync *sync,
                          const char *flow, const char *source)
{
    if (strcmp(flow, KS__FLOW_VENDORS_AD) == 0)
        return ks__sync_vendor_one(stats, sync, strtoll(source, NULL, 10));
    if (strcmp(flow, KS__FLOW_POS_AD) == 0)
        return ks__sync_po_one(stats, sync, num_after(source, "PO-"));
    if (strcmp(flow, KS__FLOW_AP_AD) == 0)
        return ks__sync_ap_invoice_one(stats, sync, source);
    if (strcmp(flow, KS__FLOW_REQS_EPI) == 0 &&
        strncmp(source, "AD-", 3) == 0) {
        cJSON *d = cJSON_CreateObject(),
              *data = cJSON_AddObjectToObject(d, "data");
        cJSON *o = cJSON_AddObjectToObject(data, "order");
        ks_rc rc = o && cJSON_AddStringToObject(o, "increment_id", source + 3)
                       ? ks_sync_requisition_from_adobe(stats, sync, d)
                       : KS_ENOMEM;

        cJSON_Delete(d);
        return rc;
    }
    return ks__error_set(&sync->err, KS_EINVAL, 0,
                         "sync: cannot replay %s items with this handle", flow);
}

/* Runs the flow an item came from for its one record. */
static ks_rc replay_one(struct ks_sync_stats *stats, struct ks_sync *sync,
                        const char *flow, const char *source)
{
    if (strcmp(flow, KS__FLOW_ORDERS_BC) == 0 && sync->bc)
        return ks__sync_bc_order_import(stats, sync, num_after(source, "BC-"));
    if (strcmp(flow, KS__FLOW_ORDERS_WC) == 0 && sync->wc)
        return ks__sync_wc_order_import(stats, sync, num_after(source, "WC-"),
                                        NULL);
    if (strcmp(flow, KS__FLOW_REFUNDS_WC) == 0 && sync->wc)
        return ks__sync_refunds_of(stats, sync, num_after(source, "WC-"));
    if (strcmp(flow, KS__FLOW_CUST_WC) == 0 && sync->wc)
        return ks__sync_customer_one(stats, sync, strtoll(source, NULL, 10));
    if ((strcmp(flow, KS__FLOW_PARTS_BC) == 0 && sync->bc) ||
        (strcmp(flow, KS__FLOW_PARTS_WC) == 0 && sync->wc))
        return ks__sync_part_one(stats, sync, flow, source);
    if (sync->adobe)
        return replay_adobe(stats, sync, flow, source);
    return ks__error_set(&sync->err, KS_EINVAL, 0,
                         "sync: cannot replay %s items with this handle", flow);
}

static void stats_add(struct ks_sync_stats *to, const struct ks_sync_stats *s)
{
    to->read += s->read;
    to->created += s->created;
    to->updated += s->updated;
    to->unchanged += s->unchanged;
    to->failed += s->failed;
    to->skipped += s->skipped;
}

ks_rc ks_sync_replay_failed(struct ks_sync_stats *stats, struct ks_sync *sync)
{
    cJSON *items = cJSON_CreateArray();
    const cJSON *it;
    ks_rc rc;

    ks__sync_enter(sync, stats);
    if (!items)
        return ks__sync_leave(sync, KS_ENOMEM);
    rc = ks__sync_fail(
        sync, ks_store_outbox_each(sync->store, NULL, copy_item, items), 1);
    for (it = rc ? NULL : items->child; it; it = it->next) {
        struct ks_sync_stats one;
        const char *flow = kx_json_str_or(it, "flow", "");
        const char *source = kx_json_str_or(it, "source_id", "");
        int64_t id = (int64_t)kx_json_numeric(it, "id", 0);

        memset(&one, 0, sizeof(one));
        rc = replay_one(&one, sync, flow, source);
        stats_add(stats, &one);
        if (rc == KS_EINVAL) { /* a flow this handle cannot run: keep it */
            ks__error_clear(&sync->err);
            stats->skipped++;
            rc = KS_OK;
            continue;
        }
        if (rc)
            break;
        if (one.failed == 0) {
            rc = ks__sync_fail(sync, ks_store_outbox_resolve(sync->store, id),
                               1);
            if (!rc)
                rc = ks__sync_audit(sync, flow, "outbox", source, NULL, NULL,
                                    "replay", "ok", 1, NULL);
            if (rc)
                break;
        }
    }
    cJSON_Delete(items);
    return ks__sync_leave(sync, rc);
}
