/*
 * Epicor AP invoices -> Adobe Commerce invoices (ap_invoices.adobe).
 *
 * APInvHed has a ChangeDate without a time, so the cursor is a day read
 * again by each run (as the PO flow's). An invoice is matched to the Adobe
 * order of its PO (REFPONum, else its lines' PONum; the PO flow's
 * order.adobe map) and written once as POST /V1/order/{id}/invoice with
 * one item per invoice line whose PO line matches an order item (the
 * item's epicor_po_line attribute), its vendor quantity; lines of other
 * POs or without a PO line are listed in epicor_unmatched_lines. The GL
 * coding of each line (its APInvExp accounts) and the invoice's number
 * and amount travel as custom attributes.
 *
 * An invoice whose PO is not in Adobe yet goes to the outbox with that
 * reason and the PO number; every run first retries those whose PO has
 * been written since, so the invoice lands once, right after its PO.
 * Exactly once per invoice: intent ap_invoice.adobe; a pending intent
 * looks for an invoice of the order whose epicor_invoice attribute is the
 * reference before writing. An Adobe invoice is not changed afterwards
 * (Adobe has no invoice update): a later change of the Epicor invoice is
 * counted unchanged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "sync_int.h"
#include "epicor/epicor_int.h"

#define AP_SVC "Erp.BO.APInvoiceSvc"
#define WAITING "waiting for its purchase order"

struct ap_doc {
    const cJSON *head;
    char ref[KS_STORE_ID_MAX + 1];
    int64_t po_num;
    int64_t order_id;
    int64_t found_id; /* an invoice an earlier attempt made */
    cJSON *body;      /* {capture, items, custom_attributes} */
};

/* The rows of one invoice in set (APInvDtls, APInvExps). */
static ks_rc invoice_rows(cJSON **out, struct ks_sync *sync, const char *set,
                          const cJSON *head)
{
    struct ks_epicor_query q = KS_EPICOR_QUERY_INIT;
    char *inv = ks__epicor_filter_eq("InvoiceNum",
                                     kx_json_str_or(head, "InvoiceNum", ""));
    char *filter =
        inv ? ks__aprintf("VendorNum eq %lld and %s",
                          (long long)kx_json_numeric(head, "VendorNum", 0), inv)
            : NULL;
    ks_rc rc;

    *out = cJSON_CreateArray();
    if (!filter || !*out) {
        ks__free(inv);
        ks__free(filter);
        return KS_ENOMEM;
    }
    q.filter = filter;
    rc = ks_epicor_query(sync->epi, AP_SVC, set, &q, ks__sync_collect, *out);
    ks__free(inv);
    ks__free(filter);
    return ks__sync_fail(sync, rc, 0);
}

static void ap_ref(char out[KS_STORE_ID_MAX + 1], const cJSON *head)
{
    snprintf(out, KS_STORE_ID_MAX + 1, "AP-%lld-%s",
             (long long)kx_json_numeric(head, "VendorNum", 0),
             kx_json_str_or(head, "InvoiceNum", ""));
}

/* The order item of PO line n (by its epicor_po_line attribute); 0 when
 * none. */
static int64_t item_of_line(const cJSON *order, int64_t n)
{
    const cJSON *it;
    char want[32];

    snprintf(want, sizeof(want), "%lld", (long long)n);
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(order, "items"))
    {
        const char *v = ks_adobe_custom_attribute_get(it, "epicor_po_line");

        if (v && strcmp(v, want) == 0)
            return (int64_t)kx_json_numeric(it, "item_id", 0);
    }
    return 0;
}

/* "1: 5100|00|100; 2: 6200|00|100": each invoice line's expense accounts. */
static ks_rc gl_lines(struct ks__buf *out, const cJSON *exps)
{
    const cJSON *e;

    cJSON_ArrayForEach(e, exps)
    {
        const char *acct = kx_json_str_or(e, "GLAccount", "");

        if (*acct)
            ks__buf_printf(out, "%s%lld: %s", out->len ? "; " : "",
                           (long long)kx_json_numeric(e, "InvoiceLine", 0),
                           acct);
    }
    return out->oom ? KS_ENOMEM : KS_OK;
}

static ks_rc add_attr_num(cJSON *rec, const char *code, int64_t n)
{
    char v[32];

    snprintf(v, sizeof(v), "%lld", (long long)n);
    return ks_adobe_custom_attribute_set(rec, code, v);
}

/* The invoice request: items of the lines that match the order, the
 * attributes; *why when no line matches. */
static ks_rc build_body(struct ap_doc *d, char *why, size_t whysz,
                        const cJSON *order, const cJSON *lines,
                        const cJSON *exps)
{
    struct ks__buf gl = KS__BUF_INIT, unmatched = KS__BUF_INIT;
    cJSON *items = cJSON_CreateArray();
    const cJSON *l;
    int64_t amt = 0;
    char amt_s[32];
    ks_rc rc;

    d->body = cJSON_CreateObject();
    rc = items && d->body ? KS_OK : KS_ENOMEM;
    cJSON_ArrayForEach(l, lines)
    {
        int64_t n = (int64_t)kx_json_numeric(l, "InvoiceLine", 0);
        int64_t item = 0;
        double qty =
            kx_json_numeric(l, "VendorQty", kx_json_numeric(l, "OurQty", 0));
        cJSON *it;

        if ((int64_t)kx_json_numeric(l, "PONum", d->po_num) == d->po_num)
            item =
                item_of_line(order, (int64_t)kx_json_numeric(l, "POLine", 0));
        if (rc)
            break;
        if (!item || qty <= 0) {
            ks__buf_printf(&unmatched, "%s%lld", unmatched.len ? ", " : "",
                           (long long)n);
            continue;
        }
        it = cJSON_CreateObject();
        if (!it ||
            !cJSON_AddNumberToObject(it, "order_item_id", (double)item) ||
            !cJSON_AddNumberToObject(it, "qty", qty) ||
            !cJSON_AddItemToArray(items, it)) {
            cJSON_Delete(it);
            rc = KS_ENOMEM;
        }
    }
    if (!rc && !cJSON_GetArraySize(items))
        snprintf(why, whysz, "no line of the invoice matches a line of PO %lld",
                 (long long)d->po_num);
    if (!rc && !*why)
        rc = gl_lines(&gl, exps);
    ks__sync_json_cents(
        &amt, cJSON_GetObjectItemCaseSensitive(d->head, "DocInvoiceAmt"));
    ks__sync_cents_str(amt_s, amt);
    if (!rc && !*why &&
        (!cJSON_AddFalseToObject(d->body, "capture") ||
         !cJSON_AddItemToObject(d->body, "items", items)))
        rc = KS_ENOMEM;
    else if (!rc && !*why)
        items = NULL;
    if (!rc && !*why)
        rc = ks_adobe_custom_attribute_set(d->body, "epicor_invoice", d->ref);
    if (!rc && !*why)
        rc = ks_adobe_custom_attribute_set(
            d->body, "epicor_invoice_num",
            kx_json_str_or(d->head, "InvoiceNum", ""));
    if (!rc && !*why)
        rc = add_attr_num(d->body, "epicor_vendor_num",
                          (int64_t)kx_json_numeric(d->head, "VendorNum", 0));
    if (!rc && !*why)
        rc = add_attr_num(d->body, "epicor_po_num", d->po_num);
    if (!rc && !*why)
        rc =
            ks_adobe_custom_attribute_set(d->body, "epicor_invoice_amt", amt_s);
    if (!rc && !*why)
        rc = ks_adobe_custom_attribute_set(d->body, "epicor_gl_lines",
                                           gl.data ? gl.data : "");
    if (!rc && !*why && unmatched.len)
        rc = ks_adobe_custom_attribute_set(d->body, "epicor_unmatched_lines",
                                           unmatched.data);
    if (!rc && unmatched.oom)
        rc = KS_ENOMEM;
    cJSON_Delete(items);
    ks__buf_dispose(&gl);
    ks__buf_dispose(&unmatched);
    return rc;
}

/* ---- exactly once ----------------------------------------------------- */

static int same_invoice(void *ud, const cJSON *inv)
{
    struct ap_doc *d = ud;
    const char *v = ks_adobe_custom_attribute_get(inv, "epicor_invoice");

    if (v && strcmp(v, d->ref) == 0) {
        d->found_id = (int64_t)kx_json_numeric(inv, "entity_id", 0);
        return 1;
    }
    return 0;
}

/* An invoice of the order that carries the reference. */
static ks_rc find_invoice(int64_t *id, struct ks_sync *sync, void *ud)
{
    struct ap_doc *d = ud;
    struct ks_adobe_search *s = NULL;
    char oid[32];
    ks_rc rc = ks_adobe_search_new(&s);

    d->found_id = 0;
    snprintf(oid, sizeof(oid), "%lld", (long long)d->order_id);
    if (!rc)
        rc = ks_adobe_search_filter(s, "order_id", KS_ADOBE_EQ, oid);
    if (!rc)
        rc = ks_adobe_search_each(sync->adobe, "invoices", s, same_invoice, d,
                                  NULL);
    *id = d->found_id;
    ks_adobe_search_free(s);
    return ks__sync_fail(sync, rc, 0);
}

static ks_rc create_invoice(int64_t *id, struct ks_sync *sync, void *ud)
{
    struct ap_doc *d = ud;
    char path[64];
    cJSON *reply = NULL;
    ks_rc rc;

    snprintf(path, sizeof(path), "order/%lld/invoice", (long long)d->order_id);
    rc = ks_adobe_request(&reply, sync->adobe, "POST", path, d->body);
    *id = cJSON_IsNumber(reply)   ? (int64_t)reply->valuedouble
          : cJSON_IsString(reply) ? strtoll(reply->valuestring, NULL, 10)
                                  : 0;
    cJSON_Delete(reply);
    if (!rc && *id <= 0)
        return ks__error_set(&sync->err, KS_EPARSE, 0,
                             "adobe: the invoice create answered no id");
    return ks__sync_fail(sync, rc, 0);
}

/* ---- one invoice ------------------------------------------------------ */

/* The PO an invoice is for: REFPONum, else its first line's PONum. */
static int64_t po_of(const cJSON *head, const cJSON *lines)
{
    int64_t po = (int64_t)kx_json_numeric(head, "REFPONum", 0);
    const cJSON *l;

    cJSON_ArrayForEach(l, lines)
    {
        if (po > 0)
            break;
        po = (int64_t)kx_json_numeric(l, "PONum", 0);
    }
    return po;
}

/* Queues an invoice whose PO has no Adobe order yet, with the PO number
 * the waiting check reads. */
static ks_rc wait_for_po(struct ks_sync_stats *stats, struct ks_sync *sync,
                         const struct ap_doc *d)
{
    cJSON *p = cJSON_CreateObject();
    char why[128];
    ks_rc rc;

    if (!p || !cJSON_AddNumberToObject(p, "wait_po", (double)d->po_num) ||
        !cJSON_AddItemToObject(p, "invoice", cJSON_Duplicate(d->head, 1))) {
        cJSON_Delete(p);
        return KS_ENOMEM;
    }
    snprintf(why, sizeof(why), WAITING " %lld: it is not in Adobe yet",
             (long long)d->po_num);
    rc = ks__sync_outbox(sync, stats, KS__FLOW_AP_AD, "ap_invoice", "epicor",
                         d->ref, p, why);
    cJSON_Delete(p);
    return rc;
}

/* Writes one invoice header row once; its lines and expenses are read
 * here. */
static ks_rc ap_handle(struct ks_sync_stats *stats, struct ks_sync *sync,
                       const cJSON *head)
{
    struct ap_doc d = {head, "", 0, 0, 0, NULL};
    cJSON *lines = NULL, *exps = NULL, *order = NULL;
    char why[512] = "";
    struct ks_intent in;
    ks_rc rc;

    ap_ref(d.ref, head);
    stats->read++;
    rc = ks_store_intent_get(&in, sync->store, KS__INTENT_AD_AP, d.ref);
    if (rc == KS_OK && in.state == KS_INTENT_DONE) {
        stats->unchanged++;
        return KS_OK;
    }
    if (rc && rc != KS_ENOTFOUND)
        return ks__sync_fail(sync, rc, 1);
    rc = invoice_rows(&lines, sync, "APInvDtls", head);
    if (!rc)
        rc = invoice_rows(&exps, sync, "APInvExps", head);
    d.po_num = po_of(head, lines);
    if (!rc && d.po_num <= 0)
        snprintf(why, sizeof(why), "the invoice names no purchase order");
    if (!rc && !*why)
        rc = ks__sync_ad_order_of_po(&d.order_id, sync, d.po_num);
    if (!rc && !*why && d.order_id == 0) {
        rc = wait_for_po(stats, sync, &d);
        goto out;
    }
    if (!rc && !*why)
        rc = ks__sync_fail(
            sync, ks_adobe_order_get(&order, sync->adobe, d.order_id), 0);
    if (!rc && !*why)
        rc = build_body(&d, why, sizeof(why), order, lines, exps);
    if (!rc || !ks__sync_fatal(rc)) {
        struct ks__sync_once once = {
            KS__INTENT_AD_AP, d.ref, NULL, find_invoice, create_invoice, &d, 0};
        struct ks__sync_record r = {KS__FLOW_AP_AD, "ap_invoice", "epicor",
                                    "adobe", head};

        if (rc)
            snprintf(why, sizeof(why), "%s", ks__sync_client_message(sync));
        rc = ks__sync_once_record(stats, sync, &once, d.body, &r, why,
                                  sizeof(why));
    }
out:
    cJSON_Delete(lines);
    cJSON_Delete(exps);
    cJSON_Delete(order);
    cJSON_Delete(d.body);
    return rc;
}

/* ---- the run ---------------------------------------------------------- */

static ks_rc read_invoices(cJSON **out, struct ks_sync *sync,
                           const char *filter)
{
    struct ks_epicor_query q = KS_EPICOR_QUERY_INIT;

    *out = cJSON_CreateArray();
    if (!*out)
        return KS_ENOMEM;
    q.filter = filter;
    q.orderby = "VendorNum,InvoiceNum";
    return ks__sync_fail(sync,
                         ks_epicor_query(sync->epi, AP_SVC, "APInvoices", &q,
                                         ks__sync_collect, *out),
                         0);
}

ks_rc ks__sync_ap_invoice_one(struct ks_sync_stats *stats, struct ks_sync *sync,
                              const char *ref)
{
    long long vendor = 0;
    int used = 0;
    char *inv, *filter;
    cJSON *rows = NULL;
    ks_rc rc;

    if (sscanf(ref, "AP-%lld-%n", &vendor, &used) != 1 || used == 0)
        return ks__error_set(&sync->err, KS_EINVAL, 0,
                             "sync: '%s' is not an AP invoice reference", ref);
    inv = ks__epicor_filter_eq("InvoiceNum", ref + used);
    filter = inv ? ks__aprintf("VendorNum eq %lld and %s", vendor, inv) : NULL;
    rc = filter ? read_invoices(&rows, sync, filter) : KS_ENOMEM;
    if (!rc && cJSON_GetArraySize(rows) == 0)
        stats->skipped++; /* deleted in Epicor: nothing to write */
    else if (!rc)
        rc = ap_handle(stats, sync, cJSON_GetArrayItem(rows, 0));
    ks__free(inv);
    ks__free(filter);
    cJSON_Delete(rows);
    return rc;
}

static int copy_waiting(const struct ks_outbox_item *it, void *ud)
{
    cJSON *p = cJSON_Parse(it->payload_json), *o = cJSON_CreateObject();
    int64_t po = (int64_t)kx_json_numeric(p, "wait_po", 0);

    cJSON_Delete(p);
    if (!o || !cJSON_AddNumberToObject(o, "id", (double)it->id) ||
        !cJSON_AddNumberToObject(o, "po", (double)po) ||
        !cJSON_AddStringToObject(o, "ref", it->source_id) ||
        !cJSON_AddItemToArray(ud, o)) {
        cJSON_Delete(o);
        return -KS_ENOMEM;
    }
    return 0;
}

/* The invoices waiting for a PO that the PO flow has written since. */
static ks_rc retry_waiting(struct ks_sync_stats *stats, struct ks_sync *sync)
{
    cJSON *items = cJSON_CreateArray();
    const cJSON *it;
    ks_rc rc = items ? KS_OK : KS_ENOMEM;

    if (!rc)
        rc = ks__sync_fail(sync,
                           ks_store_outbox_each(sync->store, KS__FLOW_AP_AD,
                                                copy_waiting, items),
                           1);
    cJSON_ArrayForEach(it, items)
    {
        struct ks_sync_stats one;
        int64_t order = 0, po = (int64_t)kx_json_numeric(it, "po", 0);

        if (rc)
            break;
        if (po <= 0)
            continue; /* queued for another reason: ks_sync_replay_failed */
        rc = ks__sync_ad_order_of_po(&order, sync, po);
        if (rc || !order)
            continue;
        memset(&one, 0, sizeof(one));
        rc = ks__sync_ap_invoice_one(&one, sync, kx_json_str_or(it, "ref", ""));
        stats->read += one.read;
        stats->created += one.created;
        stats->unchanged += one.unchanged;
        stats->failed += one.failed;
        if (!rc && one.failed == 0)
            rc = ks__sync_fail(
                sync,
                ks_store_outbox_resolve(sync->store,
                                        (int64_t)kx_json_numeric(it, "id", 0)),
                1);
    }
    cJSON_Delete(items);
    return rc;
}

ks_rc ks_sync_ap_invoices_to_adobe(struct ks_sync_stats *stats,
                                   struct ks_sync *sync)
{
    char from[11], day[11], filter[96];
    cJSON *rows = NULL;
    const cJSON *h;
    ks_rc rc = ks__sync_adobe_enter(sync, stats);

    if (!rc)
        rc = retry_waiting(stats, sync);
    if (!rc)
        rc = ks__sync_cursor_day(from, sync, KS__FLOW_AP_AD, "APInvHed");
    if (!rc) {
        memcpy(day, from, sizeof(day));
        snprintf(filter, sizeof(filter), "ChangeDate ge datetime'%sT00:00:00'",
                 from);
        rc = read_invoices(&rows, sync, filter);
    }
    cJSON_ArrayForEach(h, rows)
    {
        if (rc)
            break;
        ks__sync_day_max(day, kx_json_str(h, "ChangeDate"));
        rc = ap_handle(stats, sync, h);
    }
    if (!rc)
        rc = ks__sync_fail(
            sync,
            ks_store_cursor_set(sync->store, KS__FLOW_AP_AD, "APInvHed", day),
            1);
    cJSON_Delete(rows);
    return ks__sync_leave(sync, rc);
}
