/*
 * Scenario jobs over the connector's Epicor Kinetic client.
 *
 * The handle is built from given.connector.epicor (instance, company,
 * api_key, auth basic|token|idp, username, password, client_id,
 * client_secret, token_url, scope, token_refresh_margin_ms, page_size,
 * license_retries, license_retry_wait_ms, api_version, server_url) and the
 * URL of the running "epicor" emulator. instance and company default to
 * the emulator's defaults (SaaS5333, EPIC06); with auth idp the token URL
 * defaults to the emulator's /connect/token. The handle is kept in a
 * kh_ctx slot so its token cache lasts across the steps of a scenario; a
 * job's "page_size" option builds a one-off handle instead (which fetches
 * its own token).
 *
 * Every job returns the client's error in its result on failure:
 * {"error": message, "http_status": n, "remote_id": CorrelationId}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jobs.h"

#define LIST_MAX 100 /* ids and rows copied into a result */

static void handle_free(void *p)
{
    ks_epicor_free(p);
}

/* kh_job_handle's maker (an untyped *out). */
static ks_rc make_handle(void **out, struct kh_ctx *ctx, int page_size,
                         char *err, size_t errsz)
{
    struct ks_epicor *epi = NULL;
    const cJSON *cfg = kh_ctx_connector_config(ctx, "epicor");
    struct ks_epicor_options o = KS_EPICOR_OPTIONS_INIT;
    const char *auth = kx_json_str(cfg, "auth");
    char token_url[512];
    ks_rc rc;

    *out = NULL;
    o.server_url = kh_job_remote_url(ctx, "epicor", "server_url", err, errsz);
    if (!o.server_url)
        return KS_EINVAL;
    o.instance = kx_json_str(cfg, "instance");
    if (!o.instance)
        o.instance = "SaaS5333";
    o.company = kx_json_str(cfg, "company");
    if (!o.company)
        o.company = "EPIC06";
    o.api_key = kx_json_str(cfg, "api_key");
    o.username = kx_json_str(cfg, "username");
    o.password = kx_json_str(cfg, "password");
    o.client_id = kx_json_str(cfg, "client_id");
    o.client_secret = kx_json_str(cfg, "client_secret");
    o.scope = kx_json_str(cfg, "scope");
    o.token_url = kx_json_str(cfg, "token_url");
    if (!o.token_url) {
        snprintf(token_url, sizeof(token_url), "%s/connect/token",
                 o.server_url);
        o.token_url = token_url;
    }
    if (auth && ks_epicor_auth_from_name(&o.auth, auth) != 0) {
        snprintf(err, errsz, "epicor: unknown auth \"%s\"", auth);
        return KS_EINVAL;
    }
    o.token_refresh_margin_ms = (int64_t)kx_json_num(
        cfg, "token_refresh_margin_ms", (double)o.token_refresh_margin_ms);
    o.page_size = page_size > 0
                      ? page_size
                      : (int)kx_json_num(cfg, "page_size", o.page_size);
    o.license_retries =
        (int)kx_json_num(cfg, "license_retries", o.license_retries);
    o.license_retry_wait_ms = (int64_t)kx_json_num(
        cfg, "license_retry_wait_ms", (double)o.license_retry_wait_ms);
    o.api_version = (int)kx_json_num(cfg, "api_version", o.api_version);
    rc = ks_epicor_new(&epi, kh_ctx_client(ctx), &o);
    if (rc)
        snprintf(err, errsz, "epicor: %s",
                 ks_client_last_error(kh_ctx_client(ctx))->message);
    *out = epi;
    return rc;
}

struct ks_epicor *kh_job_epicor(struct kh_ctx *ctx, int page_size, int *owned,
                                ks_rc *rc, char *err, size_t errsz)
{
    return kh_job_handle(ctx, KH_SLOT_EPICOR, make_handle, handle_free,
                         page_size, owned, rc, err, errsz);
}

#define EPI_BEGIN                                                              \
    KH_JOB_BEGIN(struct ks_epicor, epi, kh_job_epicor, "page_size")

#define EPI_END                                                                \
    if (rc)                                                                    \
        rc = kh_job_failed(ctx, rc, result, err, errsz);                       \
    KH_JOB_END(epi, ks_epicor_free)

/* Adds the handle's counters to a result. */
static void add_stats(cJSON *result, struct ks_epicor *epi,
                      const struct ks_epicor_stats *before)
{
    struct ks_epicor_stats now;

    ks_epicor_stats(&now, epi);
    cJSON_AddNumberToObject(result, "pages",
                            (double)(now.pages - before->pages));
    cJSON_AddNumberToObject(
        result, "token_requests",
        (double)(now.token_requests - before->token_requests));
    cJSON_AddNumberToObject(
        result, "license_waits",
        (double)(now.license_waits - before->license_waits));
}

/* ---- reads ------------------------------------------------------------ */

struct collect {
    const char *id_field; /* copied into ids; NULL: whole rows */
    cJSON *ids;
    int count;
};

static int collect_row(void *ud, const cJSON *row)
{
    struct collect *c = ud;
    const cJSON *v;

    c->count++;
    if (c->count > LIST_MAX)
        return 0;
    if (!c->id_field) {
        cJSON_AddItemToArray(c->ids, cJSON_Duplicate(row, 1));
        return 0;
    }
    v = cJSON_GetObjectItemCaseSensitive(row, c->id_field);
    if (v)
        cJSON_AddItemToArray(c->ids, cJSON_Duplicate(v, 1));
    return 0;
}

typedef ks_rc (*since_fn)(struct ks_epicor *, int64_t, ks_epicor_row_fn, void *,
                          int64_t *);

static ks_rc read_since(struct kh_ctx *ctx, const cJSON *options,
                        cJSON **result, char *err, size_t errsz, since_fn fn,
                        const char *id_field, const char *list_name)
{
    struct ks_epicor_stats before;
    struct collect c = {id_field, NULL, 0};
    int64_t max = 0;
    EPI_BEGIN

    ks_epicor_stats(&before, epi);
    c.ids = cJSON_CreateArray();
    rc = fn(epi, (int64_t)kx_json_num(options, "since", 0), collect_row, &c,
            &max);
    *result = cJSON_CreateObject();
    cJSON_AddNumberToObject(*result, "count", c.count);
    cJSON_AddNumberToObject(*result, "max_sysrevid", (double)max);
    cJSON_AddItemToObject(*result, list_name, c.ids);
    add_stats(*result, epi, &before);
    EPI_END
    return rc;
}

static ks_rc job_read_parts(struct kh_ctx *ctx, const cJSON *options,
                            cJSON **result, char *err, size_t errsz)
{
    return read_since(ctx, options, result, err, errsz,
                      ks_epicor_parts_changed_since, "PartNum", "part_nums");
}

static ks_rc job_read_customers(struct kh_ctx *ctx, const cJSON *options,
                                cJSON **result, char *err, size_t errsz)
{
    return read_since(ctx, options, result, err, errsz,
                      ks_epicor_customers_changed_since, "CustID", "cust_ids");
}

static ks_rc job_read_stock(struct kh_ctx *ctx, const cJSON *options,
                            cJSON **result, char *err, size_t errsz)
{
    const char *part = kx_json_str(options, "part_num");
    struct ks_epicor_stats before;
    struct collect c = {NULL, NULL, 0};
    int64_t max = 0;

    if (!part)
        return read_since(ctx, options, result, err, errsz,
                          ks_epicor_part_whses_changed_since, NULL, "rows");
    {
        EPI_BEGIN
        ks_epicor_stats(&before, epi);
        c.ids = cJSON_CreateArray();
        rc = ks_epicor_part_whses_for_part(epi, part, collect_row, &c);
        *result = cJSON_CreateObject();
        cJSON_AddNumberToObject(*result, "count", c.count);
        cJSON_AddNumberToObject(*result, "max_sysrevid", (double)max);
        cJSON_AddItemToObject(*result, "rows", c.ids);
        add_stats(*result, epi, &before);
        EPI_END
        return rc;
    }
}

static ks_rc job_query(struct kh_ctx *ctx, const cJSON *options, cJSON **result,
                       char *err, size_t errsz)
{
    struct ks_epicor_query q = KS_EPICOR_QUERY_INIT;
    struct ks_epicor_stats before;
    struct collect c = {NULL, NULL, 0};
    const char *service = kx_json_str(options, "service");
    const char *set = kx_json_str(options, "entity_set");

    if (!service || !set) {
        snprintf(err, errsz, "epicor.query: service and entity_set needed");
        return KS_EINVAL;
    }
    {
        EPI_BEGIN
        q.filter = kx_json_str(options, "filter");
        q.select = kx_json_str(options, "select");
        q.orderby = kx_json_str(options, "orderby");
        q.top = (int)kx_json_num(options, "top", 0);
        q.page_size = (int)kx_json_num(options, "page_size", 0);
        ks_epicor_stats(&before, epi);
        c.ids = cJSON_CreateArray();
        rc = ks_epicor_query(epi, service, set, &q, collect_row, &c);
        *result = cJSON_CreateObject();
        cJSON_AddNumberToObject(*result, "count", c.count);
        cJSON_AddItemToObject(*result, "rows", c.ids);
        add_stats(*result, epi, &before);
        EPI_END
        return rc;
    }
}

static ks_rc job_read_baq(struct kh_ctx *ctx, const cJSON *options,
                          cJSON **result, char *err, size_t errsz)
{
    struct ks_epicor_query q = KS_EPICOR_QUERY_INIT;
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(options, "params");
    const char *baq = kx_json_str(options, "baq");
    struct collect c = {NULL, NULL, 0};
    const char *pairs[2 * 16 + 1];
    char nums[16][32];
    size_t n = 0;
    const cJSON *p;

    if (!baq) {
        snprintf(err, errsz, "epicor.read_baq: options.baq needed");
        return KS_EINVAL;
    }
    cJSON_ArrayForEach(p, params)
    {
        if (n >= 16)
            break;
        pairs[2 * n] = p->string;
        if (cJSON_IsString(p)) {
            pairs[2 * n + 1] = p->valuestring;
        } else {
            snprintf(nums[n], sizeof(nums[n]), "%g", p->valuedouble);
            pairs[2 * n + 1] = nums[n];
        }
        n++;
    }
    pairs[2 * n] = NULL;
    {
        EPI_BEGIN
        q.filter = kx_json_str(options, "filter");
        q.select = kx_json_str(options, "select");
        q.orderby = kx_json_str(options, "orderby");
        q.top = (int)kx_json_num(options, "top", 0);
        c.ids = cJSON_CreateArray();
        rc = ks_epicor_baq(epi, baq, pairs, &q, collect_row, &c);
        *result = cJSON_CreateObject();
        cJSON_AddNumberToObject(*result, "count", c.count);
        cJSON_AddItemToObject(*result, "rows", c.ids);
        EPI_END
        return rc;
    }
}

/* ---- writes ----------------------------------------------------------- */

static ks_rc job_create_customer(struct kh_ctx *ctx, const cJSON *options,
                                 cJSON **result, char *err, size_t errsz)
{
    const cJSON *given = cJSON_GetObjectItemCaseSensitive(options, "fields");
    cJSON *fields = NULL;
    int64_t num = 0;
    EPI_BEGIN

    /* options.fields as Epicor names, or the short cust_id/name/email */
    fields = given ? cJSON_Duplicate(given, 1) : cJSON_CreateObject();
    if (!given) {
        if (kx_json_str(options, "cust_id"))
            cJSON_AddStringToObject(fields, "CustID",
                                    kx_json_str(options, "cust_id"));
        if (kx_json_str(options, "name"))
            cJSON_AddStringToObject(fields, "Name",
                                    kx_json_str(options, "name"));
        if (kx_json_str(options, "email"))
            cJSON_AddStringToObject(fields, "EMailAddress",
                                    kx_json_str(options, "email"));
    }
    rc = ks_epicor_customer_create(&num, epi, fields);
    *result = cJSON_CreateObject();
    cJSON_AddNumberToObject(*result, "cust_num", (double)num);
    cJSON_Delete(fields);
    EPI_END
    return rc;
}

static ks_rc job_upsert_part(struct kh_ctx *ctx, const cJSON *options,
                             cJSON **result, char *err, size_t errsz)
{
    const char *part = kx_json_str(options, "part_num");
    int created = 0;

    if (!part) {
        snprintf(err, errsz, "epicor.upsert_part: options.part_num needed");
        return KS_EINVAL;
    }
    {
        EPI_BEGIN
        rc = ks_epicor_part_upsert(
            &created, epi, part,
            cJSON_GetObjectItemCaseSensitive(options, "fields"));
        *result = cJSON_CreateObject();
        cJSON_AddBoolToObject(*result, "created", created);
        EPI_END
        return rc;
    }
}

static ks_rc job_create_sales_order(struct kh_ctx *ctx, const cJSON *options,
                                    cJSON **result, char *err, size_t errsz)
{
    const cJSON *cust = cJSON_GetObjectItemCaseSensitive(options, "customer");
    const cJSON *lines = cJSON_GetObjectItemCaseSensitive(options, "lines");
    struct ks_epicor_order_line *ol = NULL;
    struct ks_epicor_order order;
    int64_t num = 0;
    size_t i = 0;
    const cJSON *l;

    memset(&order, 0, sizeof(order));
    if (cJSON_IsString(cust))
        order.cust_id = cust->valuestring;
    else if (cJSON_IsNumber(cust))
        order.cust_num = (int64_t)cust->valuedouble;
    order.po_num = kx_json_str(options, "po_num");
    order.order_date = kx_json_str(options, "order_date");
    order.need_by = kx_json_str(options, "need_by");
    order.nlines = (size_t)cJSON_GetArraySize(lines);
    ol = kx_xcalloc(order.nlines + 1, sizeof(*ol));
    cJSON_ArrayForEach(l, lines)
    {
        ol[i].part_num = kx_json_str(l, "part");
        ol[i].qty = kx_json_num(l, "qty", 0);
        ol[i].unit_price = kx_json_num(l, "price", -1);
        ol[i].line_desc = kx_json_str(l, "desc");
        i++;
    }
    order.lines = ol;
    {
        EPI_BEGIN
        rc = ks_epicor_sales_order_create(&num, epi, &order);
        *result = cJSON_CreateObject();
        cJSON_AddNumberToObject(*result, "order_num", (double)num);
        EPI_END
        free(ol);
        return rc;
    }
}

static ks_rc job_get_order(struct kh_ctx *ctx, const cJSON *options,
                           cJSON **result, char *err, size_t errsz)
{
    const char *po = kx_json_str(options, "po_num");
    cJSON *order = NULL;
    const cJSON *dtls;
    EPI_BEGIN

    if (po)
        rc = ks_epicor_sales_order_find_by_po(&order, epi, po);
    else
        rc = ks_epicor_sales_order_get(
            &order, epi, (int64_t)kx_json_num(options, "order_num", 0));
    *result = cJSON_CreateObject();
    if (order) {
        dtls = cJSON_GetObjectItemCaseSensitive(order, "OrderDtls");
        cJSON_AddNumberToObject(*result, "order_num",
                                kx_json_num(order, "OrderNum", 0));
        cJSON_AddNumberToObject(*result, "lines",
                                dtls ? cJSON_GetArraySize(dtls) : 0);
        cJSON_AddItemToObject(*result, "order", order);
    }
    EPI_END
    return rc;
}

static ks_rc job_record_refund(struct kh_ctx *ctx, const cJSON *options,
                               cJSON **result, char *err, size_t errsz)
{
    int recorded = 0;
    EPI_BEGIN

    rc = ks_epicor_order_record_refund(
        &recorded, epi, (int64_t)kx_json_num(options, "order_num", 0),
        kx_json_str(options, "refund_ref"), kx_json_num(options, "amount", 0),
        kx_json_str(options, "reason"));
    *result = cJSON_CreateObject();
    cJSON_AddBoolToObject(*result, "recorded", recorded);
    EPI_END
    return rc;
}

static ks_rc job_call_efx(struct kh_ctx *ctx, const cJSON *options,
                          cJSON **result, char *err, size_t errsz)
{
    cJSON *reply = NULL;
    EPI_BEGIN

    rc = ks_epicor_efx(
        &reply, epi, kx_json_str(options, "library"),
        kx_json_str(options, "function"),
        cJSON_GetObjectItemCaseSensitive(options, "params"),
        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(options, "staging")));
    *result = cJSON_CreateObject();
    if (reply)
        cJSON_AddItemToObject(*result, "reply", reply);
    EPI_END
    return rc;
}

static ks_rc job_enter_ap_invoice(struct kh_ctx *ctx, const cJSON *options,
                                  cJSON **result, char *err, size_t errsz)
{
    const cJSON *lines = cJSON_GetObjectItemCaseSensitive(options, "lines");
    struct ks_epicor_ap_line *al = NULL;
    struct ks_epicor_ap_invoice inv;
    cJSON *hed = NULL;
    int created = 0;
    size_t i = 0;
    const cJSON *l;

    memset(&inv, 0, sizeof(inv));
    inv.vendor_num = (int64_t)kx_json_num(options, "vendor_num", 0);
    inv.invoice_num = kx_json_str(options, "invoice_num");
    inv.group_id = kx_json_str(options, "group_id");
    inv.invoice_date = kx_json_str(options, "invoice_date");
    inv.nlines = (size_t)cJSON_GetArraySize(lines);
    al = kx_xcalloc(inv.nlines + 1, sizeof(*al));
    cJSON_ArrayForEach(l, lines)
    {
        al[i].description = kx_json_str(l, "description");
        al[i].qty = kx_json_num(l, "qty", 0);
        al[i].unit_cost = kx_json_num(l, "unit_cost", 0);
        al[i].gl_account = kx_json_str(l, "gl_account");
        i++;
    }
    inv.lines = al;
    {
        EPI_BEGIN
        rc = ks_epicor_ap_invoice_enter(&hed, &created, epi, &inv);
        *result = cJSON_CreateObject();
        cJSON_AddBoolToObject(*result, "created", created);
        if (hed) {
            cJSON_AddStringToObject(*result, "invoice_num",
                                    kx_json_str_or(hed, "InvoiceNum", ""));
            cJSON_AddNumberToObject(*result, "invoice_amt",
                                    kx_json_num(hed, "InvoiceAmt", 0));
            cJSON_Delete(hed);
        }
        EPI_END
        free(al);
        return rc;
    }
}

static ks_rc job_call(struct kh_ctx *ctx, const cJSON *options, cJSON **result,
                      char *err, size_t errsz)
{
    cJSON *reply = NULL;
    EPI_BEGIN

    rc = ks_epicor_call(&reply, epi, kx_json_str(options, "service"),
                        kx_json_str(options, "method"),
                        cJSON_GetObjectItemCaseSensitive(options, "body"));
    *result = cJSON_CreateObject();
    if (reply)
        cJSON_AddItemToObject(*result, "reply", reply);
    EPI_END
    return rc;
}

/* Each job's options include page_size, which kh_job_epicor() reads (see
 * struct kh_job for the list's contract). */
const struct kh_job kh_jobs_epicor[] = {
    {"epicor.read_parts", job_read_parts,
     "parts changed since options.since (SysRevID), keyset paging "
     "(options: since, page_size)",
     "since page_size"},
    {"epicor.read_customers", job_read_customers,
     "customers changed since options.since (SysRevID)", "since page_size"},
    {"epicor.read_stock", job_read_stock,
     "PartWhses of options.part_num, or changed since options.since",
     "part_num since page_size"},
    {"epicor.query", job_query,
     "page through service/entity_set (options: filter, select, orderby, "
     "top, page_size)",
     "service entity_set filter select orderby top page_size"},
    {"epicor.read_baq", job_read_baq,
     "rows of options.baq with options.params {name: value} and OData "
     "options",
     "baq params filter select orderby top page_size"},
    {"epicor.create_customer", job_create_customer,
     "GetNewCustomer + Update (options: fields | cust_id, name, email)",
     "fields cust_id name email page_size"},
    {"epicor.upsert_part", job_upsert_part,
     "GetByID, else GetNewPart, then Update (options: part_num, fields "
     "{Epicor names}); result {created}",
     "part_num fields page_size"},
    {"epicor.create_sales_order", job_create_sales_order,
     "the Order Entry method sequence (options: customer, po_num, "
     "order_date, need_by, lines [{part, qty, price, desc}])",
     "customer po_num order_date need_by lines page_size"},
    {"epicor.get_order", job_get_order,
     "one sales order with its lines by options.order_num or options.po_num",
     "po_num order_num page_size"},
    {"epicor.record_refund", job_record_refund,
     "note a refund on an order, once per refund_ref (options: order_num, "
     "refund_ref, amount, reason)",
     "order_num refund_ref amount reason page_size"},
    {"epicor.call_efx", job_call_efx,
     "an Epicor Function (options: library, function, params, staging)",
     "library function params staging page_size"},
    {"epicor.enter_ap_invoice", job_enter_ap_invoice,
     "the AP Invoice Entry sequence, GL coding through UpdateMaster on the "
     "expense's APInvExpTGLC row, once per invoice (options: vendor_num, "
     "invoice_num, group_id, invoice_date, lines [{description, qty, "
     "unit_cost, gl_account}]); result {created, invoice_num, invoice_amt}",
     "vendor_num invoice_num group_id invoice_date lines page_size"},
    {"epicor.call", job_call, "a BO method (options: service, method, body)",
     "service method body page_size"},
    {NULL, NULL, NULL, NULL}};
