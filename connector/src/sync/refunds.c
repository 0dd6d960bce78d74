/*
 * WooCommerce refunds -> a note on the Epicor sales order.
 *
 * A refund changes its order's date_modified, so the orders modified since
 * the flow's cursor carry every new refund in their "refunds" summary
 * ({id, reason, total}). Each refund is written once under its own intent
 * ("refund", "WC-R<id>"); the Epicor side is idempotent as well (the
 * client skips a refund whose marker the order already carries), so a
 * pending intent needs no lookup: writing again is the lookup.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "sync_int.h"

#define CURSOR_ENTITY "modified"
#define WC_SINCE_DEFAULT "2000-01-01T00:00:00"

static ks_rc one_refund(struct ks_sync_stats *stats, struct ks_sync *sync,
                        int64_t order_num, const char *order_ref,
                        const cJSON *refund)
{
    struct ks_intent in;
    char ref[48], hash[65], num[32], text[128], amount_s[32];
    int64_t cents = 0;
    int recorded = 0;
    ks_rc rc;

    snprintf(ref, sizeof(ref), "WC-R%lld",
             (long long)kx_json_numeric(refund, "id", 0));
    rc = ks_store_intent_get(&in, sync->store, KS__INTENT_REFUND, ref);
    if (rc == KS_OK && in.state == KS_INTENT_DONE) {
        stats->unchanged++;
        return KS_OK;
    }
    if (rc && rc != KS_ENOTFOUND)
        return ks__sync_fail(sync, rc, 1);
    /* the summary's total is negative: money back to the buyer */
    if (ks__sync_json_cents(&cents,
                            cJSON_GetObjectItemCaseSensitive(refund, "total")))
        return ks__sync_outbox(sync, stats, KS__FLOW_REFUNDS_WC, "refund",
                               "woocommerce", order_ref, refund,
                               "refund total is not a decimal amount");
    if (cents < 0)
        cents = -cents;
    ks__sync_cents_str(amount_s, cents);
    snprintf(text, sizeof(text), "%s|%lld|%s", ref, (long long)order_num,
             amount_s);
    rc = ks__sync_hash(hash, text);
    if (!rc)
        rc = ks__sync_fail(sync,
                           ks_store_intent_begin(&in, sync->store,
                                                 KS__INTENT_REFUND, ref, hash),
                           1);
    if (!rc)
        rc = ks__sync_crash(sync, "after_intent_begin");
    if (rc)
        return rc;
    rc = ks_epicor_order_record_refund(&recorded, sync->epi, order_num, ref,
                                       (double)cents / 100.0,
                                       kx_json_str_or(refund, "reason", ""));
    if (rc && !ks__sync_fatal(rc))
        return ks__sync_outbox(sync, stats, KS__FLOW_REFUNDS_WC, "refund",
                               "woocommerce", order_ref, refund,
                               ks__sync_client_message(sync));
    if (rc)
        return ks__sync_fail(sync, rc, 0);
    rc = ks__sync_crash(sync, "after_remote_write");
    snprintf(num, sizeof(num), "%lld", (long long)order_num);
    if (!rc)
        rc = ks__sync_fail(
            sync,
            ks_store_intent_complete(sync->store, KS__INTENT_REFUND, ref, num),
            1);
    if (!rc)
        rc = ks__sync_crash(sync, "after_intent_complete");
    if (!rc)
        rc = ks__sync_audit(sync, KS__FLOW_REFUNDS_WC, "woocommerce", ref,
                            "epicor", num, "refund.record", "ok", in.attempts,
                            amount_s);
    if (!rc && recorded)
        stats->created++;
    else if (!rc)
        stats->unchanged++; /* an earlier attempt had written it */
    return rc;
}

/* The refunds of one order JSON (with its "refunds" summary). */
static ks_rc order_refunds(struct ks_sync_stats *stats, struct ks_sync *sync,
                           const cJSON *order)
{
    const cJSON *refunds = cJSON_GetObjectItemCaseSensitive(order, "refunds");
    const cJSON *r;
    struct ks_intent in;
    char ref[40], why[160];
    int64_t order_num;
    ks_rc rc;

    if (cJSON_GetArraySize(refunds) == 0)
        return KS_OK;
    snprintf(ref, sizeof(ref), "WC-%lld",
             (long long)kx_json_numeric(order, "id", 0));
    stats->read += cJSON_GetArraySize(refunds);
    rc = ks_store_intent_get(&in, sync->store, KS__INTENT_ORDER, ref);
    if (rc && rc != KS_ENOTFOUND)
        return ks__sync_fail(sync, rc, 1);
    if (rc == KS_ENOTFOUND || in.state != KS_INTENT_DONE) {
        snprintf(why, sizeof(why),
                 "order %s is not in Epicor yet; replay once it is", ref);
        return ks__sync_outbox(sync, stats, KS__FLOW_REFUNDS_WC, "refund",
                               "woocommerce", ref, order, why);
    }
    order_num = strtoll(in.target_id, NULL, 10);
    cJSON_ArrayForEach(r, refunds)
    {
        rc = one_refund(stats, sync, order_num, ref, r);
        if (rc)
            return rc;
    }
    return KS_OK;
}

ks_rc ks_sync_refunds_from_woocommerce(struct ks_sync_stats *stats,
                                       struct ks_sync *sync)
{
    cJSON *list = cJSON_CreateArray();
    char *cursor = NULL, since[32];
    const cJSON *o;
    ks_rc rc;

    ks__sync_enter(sync, stats);
    if (!list)
        return ks__sync_leave(sync, KS_ENOMEM);
    if (!sync->wc) {
        cJSON_Delete(list);
        return ks__sync_leave(sync,
                              ks__error_set(&sync->err, KS_EINVAL, 0,
                                            "sync: no WooCommerce handle"));
    }
    rc = ks_store_cursor_get(&cursor, sync->store, KS__FLOW_REFUNDS_WC,
                             CURSOR_ENTITY);
    if (rc && rc != KS_ENOTFOUND) {
        rc = ks__sync_fail(sync, rc, 1);
        goto out;
    }
    ks__sync_second_before(since, cursor ? cursor : WC_SINCE_DEFAULT);
    rc = ks__sync_fail(sync,
                       ks_woocommerce_orders_modified_since(
                           sync->wc, since, ks__sync_collect, list),
                       0);
    for (o = rc ? NULL : list->child; o; o = o->next) {
        const char *date = kx_json_str_or(o, "date_modified_gmt", "");

        rc = order_refunds(stats, sync, o);
        if (!rc && *date)
            rc = ks__sync_fail(sync,
                               ks_store_cursor_set(sync->store,
                                                   KS__FLOW_REFUNDS_WC,
                                                   CURSOR_ENTITY, date),
                               1);
        if (rc)
            break;
    }
out:
    ks_store_string_free(cursor);
    cJSON_Delete(list);
    return ks__sync_leave(sync, rc);
}

ks_rc ks__sync_refunds_of(struct ks_sync_stats *stats, struct ks_sync *sync,
                          int64_t order_id)
{
    cJSON *order = NULL;
    ks_rc rc = ks_woocommerce_order_get(&order, sync->wc, order_id);

    if (rc)
        return ks__sync_fail(sync, rc, 0);
    rc = order_refunds(stats, sync, order);
    cJSON_Delete(order);
    return rc;
}
