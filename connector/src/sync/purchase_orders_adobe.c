/*
 * Approved Epicor purchase orders -> Adobe Commerce orders
 * (purchase_orders.adobe).
 *
 * POHeader has a ChangeDate without a time and no UpdatedOn, so the
 * cursor is a day and each run reads the POs changed on or after it: the
 * last day again, so a PO changed later that day is seen. A PO whose
 * SysRevID was written already costs no write, so the overlap is cheap.
 * Pages of 100 POs are keyed by PONum (PONum gt the last one read) rather
 * than by $skip: the same number of requests, and a PO changed while the
 * run pages cannot shift another out of a page. The lines and their GL
 * accounts are read once per page of POs (PODetails and PORelTGLCs by a
 * PONum range), not per PO.
 *
 * An order is created once (intent po.adobe "PO-<PONum>", increment_id
 * "PO-<PONum>": a pending intent finds the order by its increment_id
 * before writing). Adobe's REST order save keeps the items of an existing
 * order, so a later change updates the order's custom attributes: the
 * total, the approval and epicor_lines, the lines as Epicor has them now.
 * The cursor moves only at the end of a run that went through (POs come in
 * PONum order, not date order, so a day reached mid-run says nothing about
 * the POs still unread).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "sync_int.h"

#define PO_SVC "Erp.BO.POSvc"
#define PAGE 100

struct po_run {
    struct ks_sync *sync;
    struct ks_sync_stats *stats;
    char day[11];  /* the latest ChangeDate handled */
    cJSON *vendor; /* VendorNum -> Vendor row, of the page being written */
};

/* Every row of service/set matching filter, in orderby order. */
static ks_rc read_rows(cJSON **out, struct ks_sync *sync, const char *set,
                       const char *filter, const char *orderby, int top)
{
    struct ks_epicor_query q = KS_EPICOR_QUERY_INIT;
    ks_rc rc;

    *out = cJSON_CreateArray();
    if (!*out)
        return KS_ENOMEM;
    q.filter = filter;
    q.orderby = orderby;
    q.top = top;
    q.page_size = top;
    rc = ks_epicor_query(sync->epi, PO_SVC, set, &q, ks__sync_collect, *out);
    return ks__sync_fail(sync, rc, 0);
}

/* The vendor rows of the POs in todo, into run->vendor (VendorNum ->
 * {VendorID, Name, EMailAddress}), in one request: memory and requests
 * stay one page's whatever the number of vendors. */
static ks_rc vendors_of_page(struct po_run *run, const cJSON *todo)
{
    struct ks_epicor_query q = KS_EPICOR_QUERY_INIT;
    struct ks__buf filter = KS__BUF_INIT;
    cJSON *rows = cJSON_CreateArray(), *seen = cJSON_CreateObject();
    const cJSON *po, *v;
    int n = 0;
    ks_rc rc = rows && seen ? KS_OK : KS_ENOMEM;

    cJSON_ArrayForEach(po, todo)
    {
        char key[32];

        snprintf(key, sizeof(key), "%lld",
                 (long long)kx_json_numeric(po, "VendorNum", 0));
        if (rc || cJSON_GetObjectItemCaseSensitive(seen, key))
            continue;
        if (!cJSON_AddTrueToObject(seen, key))
            rc = KS_ENOMEM;
        ks__buf_printf(&filter, "%sVendorNum eq %s", n++ ? " or " : "", key);
    }
    if (!rc && filter.oom)
        rc = KS_ENOMEM;
    q.filter = filter.data;
    q.select = "VendorNum,VendorID,Name,EMailAddress";
    q.top = n;
    q.page_size = n > PAGE ? PAGE : n;
    if (!rc && n)
        rc = ks__sync_fail(run->sync,
                           ks_epicor_query(run->sync->epi, "Erp.BO.VendorSvc",
                                           "Vendors", &q, ks__sync_collect,
                                           rows),
                           0);
    cJSON_Delete(run->vendor);
    run->vendor = cJSON_CreateObject();
    if (!rc && !run->vendor)
        rc = KS_ENOMEM;
    cJSON_ArrayForEach(v, rows)
    {
        char key[32];

        if (rc)
            break;
        snprintf(key, sizeof(key), "%lld",
                 (long long)kx_json_numeric(v, "VendorNum", 0));
        if (!cJSON_AddItemToObject(run->vendor, key, cJSON_Duplicate(v, 1)))
            rc = KS_ENOMEM;
    }
    ks__buf_dispose(&filter);
    cJSON_Delete(rows);
    cJSON_Delete(seen);
    return rc;
}

/* The vendor row of a PO (borrowed from the page's; NULL when Epicor has
 * none). */
static const cJSON *vendor_of(const struct po_run *run, int64_t num)
{
    char key[32];

    snprintf(key, sizeof(key), "%lld", (long long)num);
    return cJSON_GetObjectItemCaseSensitive(run->vendor, key);
}

/* Adds "PONum/POLine" -> the GL accounts of the line's releases (MAIN
 * book, release order, distinct ones joined by ", ") to gl. */
static ks_rc gl_index(cJSON *gl, const cJSON *tglcs)
{
    const cJSON *t;

    cJSON_ArrayForEach(t, tglcs)
    {
        const char *acct = kx_json_str_or(t, "GLAccount", "");
        const char *book = kx_json_str_or(t, "BookID", "MAIN");
        char key[48], *joined;
        cJSON *have;

        if (!*acct || strcmp(book, "MAIN") != 0)
            continue;
        snprintf(key, sizeof(key), "%lld/%lld",
                 (long long)kx_json_numeric(t, "PONum", 0),
                 (long long)kx_json_numeric(t, "POLine", 0));
        have = cJSON_GetObjectItemCaseSensitive(gl, key);
        if (!have) {
            if (!cJSON_AddStringToObject(gl, key, acct))
                return KS_ENOMEM;
            continue;
        }
        if (strstr(have->valuestring, acct))
            continue;
        joined = ks__aprintf("%s, %s", have->valuestring, acct);
        if (!joined)
            return KS_ENOMEM;
        cJSON_ReplaceItemInObjectCaseSensitive(gl, key,
                                               cJSON_CreateString(joined));
        ks__free(joined);
    }
    return KS_OK;
}

static ks_rc attr(cJSON *rec, const char *code, const char *value)
{
    return ks_adobe_custom_attribute_set(rec, code, value ? value : "");
}

static ks_rc attr_num(cJSON *rec, const char *code, int64_t n)
{
    char v[32];

    snprintf(v, sizeof(v), "%lld", (long long)n);
    return attr(rec, code, v);
}

/* One PO line as an order item; the line's amount (qty x unit cost to
 * the cent) added to *cents and its summary appended to summary. */
static ks_rc line_item(cJSON *items, struct ks__buf *summary, int64_t *cents,
                       const cJSON *po, const cJSON *line, const cJSON *gl,
                       char *why, size_t whysz)
{
    int64_t po_num = (int64_t)kx_json_numeric(po, "PONum", 0);
    int64_t n = (int64_t)kx_json_numeric(line, "POLine", 0);
    const char *part = kx_json_str_or(line, "PartNum", "");
    const cJSON *cost = cJSON_GetObjectItemCaseSensitive(line, "DocUnitCost");
    double qty = kx_json_numeric(line, "XOrderQty",
                                 kx_json_numeric(line, "OrderQty", 0));
    char key[48], sku[64], price[32];
    const char *acct;
    cJSON *it = cJSON_CreateObject();
    int64_t unit = 0;
    ks_rc rc = it ? KS_OK : KS_ENOMEM;

    snprintf(key, sizeof(key), "%lld/%lld", (long long)po_num, (long long)n);
    acct = kx_json_str_or(gl, key, "");
    if (!cost)
        cost = cJSON_GetObjectItemCaseSensitive(line, "UnitCost");
    if (!rc && (ks__sync_json_cents(&unit, cost) != KS_OK || qty <= 0)) {
        snprintf(why, whysz, "PO line %lld has no quantity or unit cost",
                 (long long)n);
        cJSON_Delete(it);
        return KS_OK;
    }
    if (*part)
        snprintf(sku, sizeof(sku), "%s", part);
    else
        snprintf(sku, sizeof(sku), "PO-%lld-%lld", (long long)po_num,
                 (long long)n);
    ks__sync_cents_str(price, unit);
    /* rounded half away from zero, without libm */
    *cents += (int64_t)(qty * (double)unit + (unit < 0 ? -0.5 : 0.5));
    if (!rc && (!cJSON_AddStringToObject(it, "sku", sku) ||
                !cJSON_AddStringToObject(
                    it, "name", kx_json_str_or(line, "LineDesc", sku)) ||
                !cJSON_AddNumberToObject(it, "qty_ordered", qty) ||
                !cJSON_AddNumberToObject(it, "price", (double)unit / 100.0)))
        rc = KS_ENOMEM;
    if (!rc)
        rc = attr_num(it, "epicor_po_line", n);
    if (!rc)
        rc = attr(it, "epicor_gl_account", acct);
    if (!rc && !cJSON_AddItemToArray(items, it))
        rc = KS_ENOMEM;
    else if (rc)
        cJSON_Delete(it);
    if (!rc && ks__buf_printf(summary, "%s%lld %s %g x %s GL %s",
                              summary->len ? "; " : "", (long long)n, sku, qty,
                              price, *acct ? acct : "-") != 0)
        rc = KS_ENOMEM;
    return rc;
}

static ks_rc header_attrs(cJSON *rec, const cJSON *po, const cJSON *vendor,
                          int64_t company, const char *total, const char *lines)
{
    int64_t vnum = (int64_t)kx_json_numeric(po, "VendorNum", 0);
    const char *vid = kx_json_str_or(po, "VendorVendorID", "");
    const char *vname = kx_json_str_or(po, "VendorName", "");
    ks_rc rc;

    rc = attr_num(rec, "epicor_po_num",
                  (int64_t)kx_json_numeric(po, "PONum", 0));
    if (!rc)
        rc = attr_num(rec, "epicor_vendor_num", vnum);
    if (!rc)
        rc = attr(rec, "epicor_vendor_id",
                  *vid ? vid : kx_json_str_or(vendor, "VendorID", ""));
    if (!rc)
        rc = attr(rec, "epicor_vendor_name",
                  *vname ? vname : kx_json_str_or(vendor, "Name", ""));
    if (!rc && company > 0)
        rc = attr_num(rec, "vendor_company_id", company);
    if (!rc)
        rc = attr(rec, "epicor_po_total", total);
    if (!rc)
        rc = attr(rec, "epicor_approval",
                  kx_json_str_or(po, "ApprovalStatus", ""));
    if (!rc)
        rc = attr(rec, "epicor_lines", lines);
    return rc;
}

static ks_rc po_doc_build(struct ks__sync_po_doc *d, char *why, size_t whysz,
                          struct po_run *run, const cJSON *po,
                          const cJSON *lines, const cJSON *gl)
{
    int64_t po_num = (int64_t)kx_json_numeric(po, "PONum", 0);
    int64_t sum = 0, total = 0, company = 0;
    const cJSON *line, *vendor = NULL;
    struct ks__buf summary = KS__BUF_INIT;
    char total_s[32], vkey[32], *text = NULL, *company_s = NULL;
    cJSON *items = cJSON_CreateArray();
    ks_rc rc = items ? KS_OK : KS_ENOMEM;

    memset(d, 0, sizeof(*d));
    d->po = po;
    d->po_num = po_num;
    snprintf(d->ref, sizeof(d->ref), "PO-%lld", (long long)po_num);
    cJSON_ArrayForEach(line, lines)
    {
        if (!rc && !*why && !kx_json_bool(line, "VoidLine", 0))
            rc = line_item(items, &summary, &sum, po, line, gl, why, whysz);
    }
    if (!rc && !*why && !cJSON_GetArraySize(items))
        snprintf(why, whysz, "PO %lld has no lines", (long long)po_num);
    ks__sync_json_cents(&total,
                        cJSON_GetObjectItemCaseSensitive(po, "DocTotalOrder"));
    /* a total of 0 is a PO loaded without one: the lines are the truth */
    if (!rc && !*why && total != 0 && total != sum) {
        char a[32], b[32];

        ks__sync_cents_str(a, sum);
        ks__sync_cents_str(b, total);
        snprintf(why, whysz, "lines add up to %s but the PO total is %s", a, b);
    }
    if (rc || *why)
        goto out;
    ks__sync_cents_str(total_s, sum);
    vendor = vendor_of(run, (int64_t)kx_json_numeric(po, "VendorNum", 0));
    snprintf(vkey, sizeof(vkey), "%lld",
             (long long)kx_json_numeric(po, "VendorNum", 0));
    if (!rc) {
        ks_rc m = ks_store_map_get(&company_s, run->sync->store,
                                   KS__MAP_AD_COMPANY, vkey);

        if (m && m != KS_ENOTFOUND)
            rc = ks__sync_fail(run->sync, m, 1);
    }
    if (company_s)
        company = strtoll(company_s, NULL, 10);
    d->header = cJSON_CreateObject();
    d->order = cJSON_CreateObject();
    if (!rc && (!d->header || !d->order))
        rc = KS_ENOMEM;
    if (!rc)
        rc = header_attrs(d->header, po, vendor, company, total_s,
                          summary.data ? summary.data : "");
    if (!rc && !(text = cJSON_PrintUnformatted(d->header)))
        rc = KS_ENOMEM;
    if (!rc)
        rc = ks__sync_hash(d->hash, text);
    if (!rc &&
        (!cJSON_AddStringToObject(d->order, "increment_id", d->ref) ||
         !cJSON_AddStringToObject(d->order, "status", "pending") ||
         !cJSON_AddStringToObject(d->order, "order_currency_code",
                                  kx_json_str_or(po, "CurrencyCode", "USD")) ||
         (*kx_json_str_or(vendor, "EMailAddress", "") &&
          !cJSON_AddStringToObject(d->order, "customer_email",
                                   kx_json_str(vendor, "EMailAddress")))))
        rc = KS_ENOMEM;
    if (!rc) {
        cJSON_AddItemToObject(d->order, "items", items);
        items = NULL;
        rc = header_attrs(d->order, po, vendor, company, total_s,
                          summary.data ? summary.data : "");
    }
out:
    cJSON_free(text);
    ks_store_string_free(company_s);
    ks__buf_dispose(&summary);
    cJSON_Delete(items);
    if (rc)
        ks__sync_po_doc_free(d);
    return rc;
}

static int approved(const cJSON *po)
{
    return strcmp(kx_json_str_or(po, "ApprovalStatus", ""), "A") == 0 &&
           !kx_json_bool(po, "VoidOrder", 0);
}

/* A PO whose SysRevID was written already: nothing to do. */
static ks_rc seen_rev(int *seen, struct ks_sync *sync, const cJSON *po)
{
    char key[32], rev[32], *v = NULL;
    ks_rc rc;

    snprintf(key, sizeof(key), "%lld",
             (long long)kx_json_numeric(po, "PONum", 0));
    snprintf(rev, sizeof(rev), "%lld",
             (long long)kx_json_numeric(po, "SysRevID", 0));
    rc = ks__sync_value_get(&v, sync, KS__MAP_AD_PO_REV, key);
    *seen = !rc && v && strcmp(v, rev) == 0;
    ks__free(v);
    return rc;
}

/* ---- pages ------------------------------------------------------------ */

/* The lines of the POs in todo (PONum order) and their GL accounts, read
 * by the PONum range they span; each PO mapped (or queued when it cannot
 * be), then the batch written. */
static ks_rc po_batch(struct po_run *run, const cJSON *todo)
{
    int n = cJSON_GetArraySize(todo);
    int64_t lo, hi;
    char filter[160];
    cJSON *lines = NULL, *tglcs = NULL, *gl = cJSON_CreateObject(), *mine, *l;
    struct ks__sync_po_doc *docs = NULL;
    size_t ndocs = 0;
    const cJSON *po;
    ks_rc rc = gl ? KS_OK : KS_ENOMEM;

    if (n == 0 || rc) {
        cJSON_Delete(gl);
        return rc;
    }
    lo = (int64_t)kx_json_numeric(cJSON_GetArrayItem(todo, 0), "PONum", 0);
    hi = (int64_t)kx_json_numeric(cJSON_GetArrayItem(todo, n - 1), "PONum", 0);
    snprintf(filter, sizeof(filter), "PONUM ge %lld and PONUM le %lld",
             (long long)lo, (long long)hi);
    rc = read_rows(&lines, run->sync, "PODetails", filter, "PONUM,POLine", 0);
    snprintf(filter, sizeof(filter), "PONum ge %lld and PONum le %lld",
             (long long)lo, (long long)hi);
    if (!rc)
        rc = read_rows(&tglcs, run->sync, "PORelTGLCs", filter, NULL, 0);
    if (!rc)
        rc = gl_index(gl, tglcs);
    if (!rc)
        rc = vendors_of_page(run, todo);
    docs = rc ? NULL : ks__calloc((size_t)n, sizeof(*docs));
    if (!rc && !docs)
        rc = KS_ENOMEM;
    cJSON_ArrayForEach(po, todo)
    {
        int64_t num = (int64_t)kx_json_numeric(po, "PONum", 0);
        char why[512] = "";

        if (rc)
            break;
        mine = cJSON_CreateArray();
        if (!mine) {
            rc = KS_ENOMEM;
            break;
        }
        cJSON_ArrayForEach(l, lines)
        {
            if ((int64_t)kx_json_numeric(l, "PONUM", 0) == num &&
                !cJSON_AddItemReferenceToArray(mine, l))
                rc = KS_ENOMEM;
        }
        if (!rc)
            rc =
                po_doc_build(&docs[ndocs], why, sizeof(why), run, po, mine, gl);
        cJSON_Delete(mine);
        if (!rc && *why) {
            rc = ks__sync_outbox(run->sync, run->stats, KS__FLOW_POS_AD,
                                 "purchase_order", "epicor", docs[ndocs].ref,
                                 po, why);
            ks__sync_po_doc_free(&docs[ndocs]);
        } else if (!rc)
            ndocs++;
    }
    if (!rc)
        rc = ks__sync_po_write(run->stats, run->sync, docs, ndocs);
    for (size_t k = 0; docs && k < ndocs; k++)
        ks__sync_po_doc_free(&docs[k]);
    ks__free(docs);
    cJSON_Delete(lines);
    cJSON_Delete(tglcs);
    cJSON_Delete(gl);
    return rc;
}

/* Sorts a page's POs: not approved (skipped), written already at this
 * SysRevID (unchanged), or to do. */
static ks_rc po_page(struct po_run *run, cJSON *page)
{
    cJSON *todo = cJSON_CreateArray(), *po;
    ks_rc rc = todo ? KS_OK : KS_ENOMEM;

    cJSON_ArrayForEach(po, page)
    {
        int seen = 0;

        if (rc)
            break;
        run->stats->read++;
        ks__sync_day_max(run->day, kx_json_str(po, "ChangeDate"));
        if (!approved(po)) {
            run->stats->skipped++;
            continue;
        }
        rc = seen_rev(&seen, run->sync, po);
        if (!rc && seen)
            run->stats->unchanged++;
        else if (!rc && !cJSON_AddItemReferenceToArray(todo, po))
            rc = KS_ENOMEM;
    }
    if (!rc)
        rc = po_batch(run, todo);
    cJSON_Delete(todo);
    return rc;
}

ks_rc ks_sync_purchase_orders_to_adobe(struct ks_sync_stats *stats,
                                       struct ks_sync *sync)
{
    struct po_run run = {sync, stats, "", cJSON_CreateObject()};
    char from[11], filter[128];
    int64_t last = 0;
    cJSON *page = NULL;
    ks_rc rc = ks__sync_adobe_enter(sync, stats);

    if (!rc && !run.vendor)
        rc = KS_ENOMEM;
    if (!rc)
        rc = ks__sync_cursor_day(from, sync, KS__FLOW_POS_AD, "POHeader");
    memcpy(run.day, from, sizeof(from));
    while (!rc) {
        snprintf(filter, sizeof(filter),
                 "ChangeDate ge datetime'%sT00:00:00' and PONum gt %lld", from,
                 (long long)last);
        rc = read_rows(&page, sync, "POes", filter, "PONum", PAGE);
        if (!rc)
            rc = po_page(&run, page);
        if (!rc && cJSON_GetArraySize(page) > 0)
            last = (int64_t)kx_json_numeric(
                cJSON_GetArrayItem(page, cJSON_GetArraySize(page) - 1), "PONum",
                last);
        if (!rc && cJSON_GetArraySize(page) < PAGE) {
            cJSON_Delete(page);
            page = NULL;
            break;
        }
        cJSON_Delete(page);
        page = NULL;
    }
    cJSON_Delete(page);
    if (!rc)
        rc = ks__sync_fail(sync,
                           ks_store_cursor_set(sync->store, KS__FLOW_POS_AD,
                                               "POHeader", run.day),
                           1);
    cJSON_Delete(run.vendor);
    return ks__sync_leave(sync, rc);
}

ks_rc ks__sync_po_one(struct ks_sync_stats *stats, struct ks_sync *sync,
                      int64_t po_num)
{
    struct po_run run = {sync, stats, "2000-01-01", cJSON_CreateObject()};
    char filter[64];
    cJSON *page = NULL;
    ks_rc rc = run.vendor ? KS_OK : KS_ENOMEM;

    snprintf(filter, sizeof(filter), "PONum eq %lld", (long long)po_num);
    if (!rc)
        rc = read_rows(&page, sync, "POes", filter, NULL, 1);
    if (!rc)
        rc = po_page(&run, page);
    cJSON_Delete(page);
    cJSON_Delete(run.vendor);
    return rc;
}
