/*
 * An Adobe Commerce order placement -> one Epicor purchase requisition
 * (requisitions.epicor).
 *
 * The delivery is an order-placement webhook (observer.sales_order_place
 * _before) the caller verified (ks_adobe_webhook_verify). A "before" hook
 * is called while the order is being placed, and a later hook may still
 * abort it, so the order is read back from Adobe by its increment_id: an
 * order Adobe does not have was not placed and is skipped, and the items
 * are the ones Adobe saved (after every hook's operations).
 *
 * The requisition is ReqSvc GetNewReqHead, then one Update carrying the
 * header and every line (RowMod A): Epicor saves it whole or not at all,
 * so a crash leaves no half requisition. Its CommentText "Adobe order
 * <increment_id>" is the reference: exactly once through intent
 * "requisition" "AD-<increment_id>", a pending intent looking the
 * requisition up by CommentText before writing. A line's PartNum is the
 * item's SKU when Epicor has that part; otherwise the line is a
 * description-only (non-stock) line naming the SKU.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "sync_int.h"
#include "epicor/epicor_int.h"

#define REQ_SVC "Erp.BO.ReqSvc"

struct req_doc {
    char ref[64];     /* "AD-000000001" */
    char comment[80]; /* "Adobe order 000000001" */
    cJSON *lines;     /* ReqDetail rows */
    const cJSON *order;
};

/* The requisition lines of the order's items. */
static ks_rc req_lines(struct req_doc *d, char *why, size_t whysz,
                       struct ks_sync *sync)
{
    const cJSON *it;
    ks_rc rc = KS_OK;

    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(d->order, "items"))
    {
        const char *sku = kx_json_str_or(it, "sku", "");
        double qty = kx_json_numeric(it, "qty_ordered", 0);
        int64_t cents = 0;
        int exists = 0;
        cJSON *l;

        if (rc || *why)
            break;
        if (!*sku || qty <= 0) {
            snprintf(why, whysz, "item %lld has no SKU or quantity",
                     (long long)kx_json_numeric(it, "item_id", 0));
            break;
        }
        ks__sync_json_cents(&cents,
                            cJSON_GetObjectItemCaseSensitive(it, "price"));
        rc = ks__sync_part_exists(&exists, sync, sku);
        l = cJSON_CreateObject();
        if (!rc && (!l || !cJSON_AddNumberToObject(l, "ReqNum", 0) ||
                    !cJSON_AddNumberToObject(l, "ReqLine", 0) ||
                    !cJSON_AddStringToObject(l, "PartNum", exists ? sku : "") ||
                    !cJSON_AddStringToObject(l, "LineDesc",
                                             kx_json_str_or(it, "name", sku)) ||
                    !cJSON_AddStringToObject(l, "CommentText", sku) ||
                    !cJSON_AddNumberToObject(l, "XOrderQty", qty) ||
                    !cJSON_AddNumberToObject(l, "DocUnitCost",
                                             (double)cents / 100.0) ||
                    !cJSON_AddStringToObject(l, "RowMod", "A") ||
                    !cJSON_AddItemToArray(d->lines, l))) {
            cJSON_Delete(l);
            rc = KS_ENOMEM;
        } else if (rc) {
            cJSON_Delete(l);
        }
    }
    if (!rc && !*why && !cJSON_GetArraySize(d->lines))
        snprintf(why, whysz, "the order has no items");
    return rc;
}

static ks_rc find_req(int64_t *id, struct ks_sync *sync, void *ud)
{
    const struct req_doc *d = ud;
    struct ks_epicor_query q = KS_EPICOR_QUERY_INIT;
    char *filter = ks__epicor_filter_eq("CommentText", d->comment);
    cJSON *rows = cJSON_CreateArray();
    ks_rc rc = filter && rows ? KS_OK : KS_ENOMEM;

    *id = 0;
    q.filter = filter;
    q.top = 1;
    if (!rc)
        rc = ks__sync_fail(sync,
                           ks_epicor_query(sync->epi, REQ_SVC, "Reqs", &q,
                                           ks__sync_collect, rows),
                           0);
    if (!rc)
        *id =
            (int64_t)kx_json_numeric(cJSON_GetArrayItem(rows, 0), "ReqNum", 0);
    ks__free(filter);
    cJSON_Delete(rows);
    return rc;
}

static ks_rc create_req(int64_t *id, struct ks_sync *sync, void *ud)
{
    const struct req_doc *d = ud;
    cJSON *body = cJSON_CreateObject(), *reply = NULL, *ds = NULL;
    cJSON *head = NULL;
    ks_rc rc = body && cJSON_AddItemToObject(body, "ds", cJSON_CreateObject())
                   ? KS_OK
                   : KS_ENOMEM;

    *id = 0;
    if (!rc)
        rc = ks__sync_epicor_ds_row(&ds, &head, sync, REQ_SVC, "GetNewReqHead",
                                    body, "parameters", "ds", "ReqHead");
    cJSON_Delete(body);
    body = NULL;
    if (!rc) {
        cJSON_ReplaceItemInObjectCaseSensitive(head, "CommentText",
                                               cJSON_CreateString(d->comment));
        cJSON_DeleteItemFromObjectCaseSensitive(head, "RowMod");
        cJSON_DeleteItemFromObjectCaseSensitive(ds, "ReqDetail");
        body = cJSON_CreateObject();
        if (!cJSON_AddStringToObject(head, "RowMod", "A") ||
            !cJSON_AddItemToObject(ds, "ReqDetail",
                                   cJSON_Duplicate(d->lines, 1)) ||
            !body || !cJSON_AddItemToObject(body, "ds", ds))
            rc = KS_ENOMEM;
        else
            ds = NULL;
    }
    if (!rc)
        rc = ks__sync_fail(
            sync, ks_epicor_call(&reply, sync->epi, REQ_SVC, "Update", body),
            0);
    if (!rc)
        *id = (int64_t)kx_json_numeric(
            cJSON_GetArrayItem(
                cJSON_GetObjectItemCaseSensitive(
                    cJSON_GetObjectItemCaseSensitive(
                        cJSON_GetObjectItemCaseSensitive(reply, "parameters"),
                        "ds"),
                    "ReqHead"),
                0),
            "ReqNum", 0);
    if (!rc && *id <= 0)
        rc = ks__error_set(&sync->err, KS_EPARSE, 0,
                           "epicor: the requisition Update answered no ReqNum");
    cJSON_Delete(ds);
    cJSON_Delete(body);
    cJSON_Delete(reply);
    return rc;
}

ks_rc ks_sync_requisition_from_adobe(struct ks_sync_stats *stats,
                                     struct ks_sync *sync,
                                     const cJSON *delivery)
{
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(delivery, "data");
    const cJSON *hooked = cJSON_GetObjectItemCaseSensitive(data, "order");
    const char *inc = kx_json_str_or(hooked, "increment_id", "");
    struct req_doc d = {"", "", cJSON_CreateArray(), NULL};
    struct ks_intent in;
    cJSON *order = NULL;
    char why[256] = "";
    ks_rc rc = ks__sync_adobe_enter(sync, stats);

    if (!rc && !d.lines)
        rc = KS_ENOMEM;
    if (!rc && !*inc)
        rc =
            ks__error_set(&sync->err, KS_EINVAL, 0,
                          "sync: the delivery has no /data/order/increment_id");
    if (rc)
        goto out;
    stats->read++;
    snprintf(d.ref, sizeof(d.ref), "AD-%s", inc);
    snprintf(d.comment, sizeof(d.comment), "Adobe order %s", inc);
    rc = ks_store_intent_get(&in, sync->store, KS__INTENT_REQ, d.ref);
    if (rc == KS_OK && in.state == KS_INTENT_DONE) {
        stats->skipped++; /* a delivery again: done already */
        goto out;
    }
    rc = rc == KS_ENOTFOUND ? KS_OK : ks__sync_fail(sync, rc, 1);
    if (!rc)
        rc = ks_adobe_order_find(&order, sync->adobe, inc);
    if (rc == KS_ENOTFOUND) {
        stats->skipped++;
        rc = ks__sync_audit(
            sync, KS__FLOW_REQS_EPI, "adobe", d.ref, NULL, NULL, "requisition",
            "skipped", 1, "the order was not placed (Adobe has no such order)");
        goto out;
    }
    rc = ks__sync_fail(sync, rc, 0);
    d.order = order;
    if (!rc)
        rc = req_lines(&d, why, sizeof(why), sync);
    if (!rc || !ks__sync_fatal(rc)) {
        struct ks__sync_once once = {KS__INTENT_REQ, d.ref, NULL, find_req,
                                     create_req,     &d,    0};
        struct ks__sync_record r = {KS__FLOW_REQS_EPI, "requisition", "adobe",
                                    "epicor", delivery};

        if (rc)
            snprintf(why, sizeof(why), "%s", ks__sync_client_message(sync));
        rc = ks__sync_once_record(stats, sync, &once, d.lines, &r, why,
                                  sizeof(why));
    }
out:
    cJSON_Delete(order);
    cJSON_Delete(d.lines);
    return ks__sync_leave(sync, rc);
}

/* ---- the backfill poll ------------------------------------------------ */

struct poll {
    struct ks_sync *sync;
    struct ks_sync_stats *stats;
    char last[32]; /* the latest created_at handled */
    ks_rc rc;
};

static int poll_one(void *ud, const cJSON *order)
{
    struct poll *p = ud;
    struct ks_sync_stats one;
    cJSON *d = cJSON_CreateObject();
    cJSON *data = cJSON_AddObjectToObject(d, "data");
    const char *created = kx_json_str_or(order, "created_at", "");

    if (!data ||
        !cJSON_AddItemToObject(data, "order", cJSON_Duplicate(order, 1))) {
        cJSON_Delete(d);
        p->rc = KS_ENOMEM;
        return 1;
    }
    p->rc = ks_sync_requisition_from_adobe(&one, p->sync, d);
    cJSON_Delete(d);
    p->stats->read += one.read;
    p->stats->created += one.created;
    p->stats->skipped += one.skipped;
    p->stats->failed += one.failed;
    if (!p->rc && strcmp(created, p->last) > 0)
        snprintf(p->last, sizeof(p->last), "%s", created);
    return p->rc != KS_OK;
}

ks_rc ks_sync_requisitions_from_adobe(struct ks_sync_stats *stats,
                                      struct ks_sync *sync)
{
    struct poll p = {sync, stats, "", KS_OK};
    struct ks_adobe_search *s = NULL;
    char *cursor = NULL;
    ks_rc rc = ks__sync_adobe_enter(sync, stats);

    if (!rc) {
        rc = ks_store_cursor_get(&cursor, sync->store, KS__FLOW_REQS_EPI,
                                 "orders");
        rc = rc == KS_ENOTFOUND ? KS_OK : ks__sync_fail(sync, rc, 1);
    }
    snprintf(p.last, sizeof(p.last), "%s",
             cursor ? cursor : "2000-01-01 00:00:00");
    if (!rc)
        rc = ks_adobe_search_new(&s);
    /* created_at is inclusive (gteq): the last order is read again and
     * its done intent skips it; orders the PO flow made are not placed
     * orders */
    if (!rc)
        rc = ks_adobe_search_filter(s, "created_at", KS_ADOBE_GTEQ, p.last);
    if (!rc)
        rc = ks_adobe_search_and(s);
    if (!rc)
        rc = ks_adobe_search_filter(s, "increment_id", KS_ADOBE_NLIKE, "PO-%");
    if (!rc)
        rc = ks_adobe_search_sort(s, "created_at", 0);
    if (!rc)
        rc = ks__sync_fail(
            sync,
            ks_adobe_search_each(sync->adobe, "orders", s, poll_one, &p, NULL),
            0);
    if (!rc)
        rc = p.rc; /* the failed order's call left its reason in sync->err */
    if (!rc)
        rc = ks__sync_fail(sync,
                           ks_store_cursor_set(sync->store, KS__FLOW_REQS_EPI,
                                               "orders", p.last),
                           1);
    ks_store_string_free(cursor);
    ks_adobe_search_free(s);
    return ks__sync_leave(sync, rc);
}
