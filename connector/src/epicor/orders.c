/*
 * Sales orders: read one with its lines, create one with the Order Entry
 * screen's method sequence, add lines to one, and record a storefront
 * refund on it.
 */
#include <stdio.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "epicor_int.h"

#define SO "Erp.BO.SalesOrderSvc"

/* "SalesOrders('<company>',<num>)" with the company quoted and escaped. */
static char *order_path(struct ks_epicor *epi, int64_t order_num)
{
    char *lit = ks__epicor_filter_eq("x", epi->company), *esc, *out;

    if (!lit)
        return NULL;
    /* lit is "x eq '<company, quotes doubled>'": keep the quoted part. */
    esc = curl_easy_escape(NULL, lit + 5, 0);
    ks__free(lit);
    if (!esc)
        return NULL;
    out = ks__aprintf("%s/SalesOrders(%s,%lld)", SO, esc, (long long)order_num);
    curl_free(esc);
    return out;
}

/* Drops the OData annotations ("@odata.context", ...) of an entity. */
static void strip_annotations(cJSON *row)
{
    cJSON *f = row ? row->child : NULL, *next;

    for (; f; f = next) {
        next = f->next;
        if (f->string &&
            (f->string[0] == '@' || !strncmp(f->string, "odata.", 6)))
            cJSON_Delete(cJSON_DetachItemViaPointer(row, f));
    }
}

static ks_rc get_order(cJSON **out, struct ks_epicor *epi, int64_t order_num,
                       int with_lines)
{
    static const char *const expand[] = {"$expand", "OrderDtls", NULL};
    char *path = order_path(epi, order_num), *url = NULL;
    ks_rc rc = KS_ENOMEM;

    *out = NULL;
    if (!path)
        goto out;
    rc = ks__epicor_odata_url(&url, epi, path, with_lines ? expand : NULL);
    if (rc)
        goto out;
    rc = ks__epicor_json(out, epi, "GET", url, NULL);
    if (!rc)
        strip_annotations(*out);
out:
    ks__free(url);
    ks__free(path);
    return rc;
}

ks_rc ks_epicor_sales_order_get(cJSON **out, struct ks_epicor *epi,
                                int64_t order_num)
{
    return get_order(out, epi, order_num, 1);
}

/* The MasterUpdate body of the screen: checks and prompts off. */
static cJSON *master_update_body(cJSON *ds, const char *table, int64_t cust_num,
                                 int64_t order_num)
{
    cJSON *body = ks__epicor_body_ds(ds);

    if (!body)
        return NULL;
    if (!cJSON_AddFalseToObject(body, "lCheckForOrderChangedMsg") ||
        !cJSON_AddFalseToObject(body, "lcheckForResponse") ||
        !cJSON_AddStringToObject(body, "cTableName", table) ||
        !cJSON_AddNumberToObject(body, "iCustNum", (double)cust_num) ||
        !cJSON_AddNumberToObject(body, "iOrderNum", (double)order_num) ||
        !cJSON_AddFalseToObject(body, "lweLicensed")) {
        cJSON_Delete(body);
        return NULL;
    }
    return body;
}

/* Runs one SalesOrderSvc method on *ds (ks__epicor_step). */
static ks_rc step(cJSON **ds, struct ks_epicor *epi, const char *method,
                  cJSON *body)
{
    return ks__epicor_step(ds, epi, SO, method, body);
}

static ks_rc add_line(cJSON **ds, struct ks_epicor *epi, int64_t order_num,
                      int64_t cust_num, const struct ks_epicor_order_line *l)
{
    cJSON *row, *body;
    ks_rc rc;

    rc = step(ds, epi, "GetNewOrderDtl",
              ks__epicor_body_ds_with(*ds, "orderNum",
                                      cJSON_CreateNumber((double)order_num)));
    if (rc)
        return rc;
    row = ks__epicor_ds_row(*ds, "OrderDtl");
    if (!row)
        return ks__error_set(ks__client_error(epi->client), KS_EPARSE, 200,
                             "epicor: GetNewOrderDtl gave no OrderDtl row");
    rc = ks__epicor_set_str(row, "PartNum", l->part_num);
    if (rc)
        return rc;
    body = ks__epicor_body_ds_with(*ds, "lSubstitutePartsExist",
                                   cJSON_CreateFalse());
    if (body && !cJSON_AddStringToObject(body, "uomCode", "")) {
        cJSON_Delete(body);
        body = NULL;
    }
    rc = step(ds, epi, "ChangePartNum", body);
    if (rc)
        return rc;
    body = ks__epicor_body_ds_with(*ds, "lKeepUnitPrice",
                                   cJSON_CreateBool(l->unit_price >= 0));
    if (body && !cJSON_AddNumberToObject(body, "ipSellingQuantity", l->qty)) {
        cJSON_Delete(body);
        body = NULL;
    }
    rc = step(ds, epi, "ChangeSellingQuantity", body);
    if (rc)
        return rc;
    row = ks__epicor_ds_row(*ds, "OrderDtl");
    if (l->unit_price >= 0) {
        rc = ks__epicor_set(row, "DocUnitPrice",
                            cJSON_CreateNumber(l->unit_price));
        if (!rc)
            rc = ks__epicor_set(row, "UnitPrice",
                                cJSON_CreateNumber(l->unit_price));
        if (!rc)
            rc = step(ds, epi, "ChangeUnitPrice", ks__epicor_body_ds(*ds));
        if (rc)
            return rc;
        row = ks__epicor_ds_row(*ds, "OrderDtl");
    }
    rc = ks__epicor_set_str(row, "LineDesc", l->line_desc);
    if (!rc)
        rc = ks__epicor_set_str(row, "POLine", l->po_line);
    if (rc)
        return rc;
    return step(ds, epi, "MasterUpdate",
                master_update_body(*ds, "OrderDtl", cust_num, order_num));
}

/* One line per save: each Change* method works on the one new row.
 * *saved (may be NULL) counts the lines saved. */
static ks_rc save_lines(size_t *saved, cJSON **ds, struct ks_epicor *epi,
                        int64_t order_num, int64_t cust_num,
                        const struct ks_epicor_order *order)
{
    ks_rc rc = KS_OK;

    for (size_t i = 0; !rc && i < order->nlines; i++) {
        rc = add_line(ds, epi, order_num, cust_num, &order->lines[i]);
        if (!rc && saved)
            *saved = i + 1;
        if (!rc && order->on_saved)
            rc = order->on_saved(order->on_saved_userdata, order_num, i + 1);
    }
    return rc;
}

static ks_rc check_order(struct ks_epicor *epi, const struct ks_epicor_order *o,
                         int need_customer)
{
    const char *why = NULL;

    if (!o)
        why = "no order";
    else if (need_customer && !(o->cust_id && *o->cust_id) && o->cust_num <= 0)
        why = "a customer (cust_id or cust_num) is required";
    else if (o->nlines && !o->lines)
        why = "lines missing";
    for (size_t i = 0; !why && i < o->nlines; i++) {
        if (!o->lines[i].part_num || !*o->lines[i].part_num)
            why = "every line needs a part_num";
        else if (!(o->lines[i].qty > 0))
            why = "every line needs a quantity above 0";
        else if (o->lines[i].po_line && strlen(o->lines[i].po_line) > 255)
            why = "a po_line is longer than 255 bytes";
    }
    if (!why)
        return KS_OK;
    return ks__error_set(ks__client_error(epi->client), KS_EINVAL, 0,
                         "epicor: sales order: %s", why);
}

ks_rc ks_epicor_sales_order_create(int64_t *order_num, struct ks_epicor *epi,
                                   const struct ks_epicor_order *order)
{
    cJSON *ds = NULL, *hed, *body;
    int64_t cust_num = 0;
    ks_rc rc;

    *order_num = 0;
    ks__error_clear(ks__client_error(epi->client));
    rc = check_order(epi, order, 1);
    if (rc)
        return rc;
    body = ks__epicor_body_new_ds();
    rc = ks__epicor_call_ds(&ds, NULL, epi, SO, "GetNewOrderHed", body);
    cJSON_Delete(body);
    if (rc)
        goto out;
    hed = ks__epicor_ds_row(ds, "OrderHed");
    if (!hed) {
        rc = ks__error_set(ks__client_error(epi->client), KS_EPARSE, 200,
                           "epicor: GetNewOrderHed gave no OrderHed row");
        goto out;
    }
    /* The Change* method fills what the screen would: bill-to and
     * ship-to, terms, ship via, currency. */
    if (order->cust_id && *order->cust_id) {
        rc = ks__epicor_set_str(hed, "CustomerCustID", order->cust_id);
        if (!rc)
            rc = step(&ds, epi, "ChangeOrderHedCustomerCustID",
                      ks__epicor_body_ds(ds));
    } else {
        rc = ks__epicor_set(hed, "CustNum",
                            cJSON_CreateNumber((double)order->cust_num));
        if (!rc)
            rc = step(&ds, epi, "ChangeCustomer", ks__epicor_body_ds(ds));
    }
    if (rc)
        goto out;
    hed = ks__epicor_ds_row(ds, "OrderHed");
    rc = ks__epicor_row_num(&cust_num, epi, hed, "CustNum");
    if (!rc)
        rc = ks__epicor_set_str(hed, "PONum", order->po_num);
    if (!rc)
        rc = ks__epicor_set_str(hed, "OrderDate", order->order_date);
    if (!rc)
        rc = ks__epicor_set_str(hed, "NeedByDate", order->need_by);
    if (!rc)
        rc = ks__epicor_set_str(hed, "RequestDate", order->need_by);
    if (!rc)
        rc = step(&ds, epi, "MasterUpdate",
                  master_update_body(ds, "OrderHed", cust_num, 0));
    if (!rc)
        rc = ks__epicor_row_num(order_num, epi,
                                ks__epicor_ds_row(ds, "OrderHed"), "OrderNum");
    if (!rc && order->on_saved)
        rc = order->on_saved(order->on_saved_userdata, *order_num, 0);
    if (!rc)
        rc = save_lines(NULL, &ds, epi, *order_num, cust_num, order);
    if (!rc)
        ks__log(epi->client, KS_LOG_INFO, NULL,
                "epicor: sales order %lld created with %zu line(s)",
                (long long)*order_num, order->nlines);
out:
    cJSON_Delete(ds);
    return rc;
}

/* {"OrderHed": [*row]}: the tableset of one header row, which it takes
 * (*row NULL after success). */
static ks_rc hed_tableset(cJSON **ds, cJSON **row)
{
    cJSON *rows;

    *ds = cJSON_CreateObject();
    rows = *ds ? cJSON_AddArrayToObject(*ds, "OrderHed") : NULL;
    if (!rows || !cJSON_AddItemToArray(rows, *row)) {
        cJSON_Delete(*ds);
        *ds = NULL;
        return KS_ENOMEM;
    }
    *row = NULL;
    return KS_OK;
}

ks_rc ks_epicor_sales_order_add_lines(size_t *saved, struct ks_epicor *epi,
                                      int64_t order_num,
                                      const struct ks_epicor_order *order)
{
    cJSON *hed = NULL, *ds = NULL;
    int64_t cust_num = 0;
    ks_rc rc;

    *saved = 0;
    ks__error_clear(ks__client_error(epi->client));
    rc = check_order(epi, order, 0);
    if (!rc)
        rc = get_order(&hed, epi, order_num, 0);
    if (!rc)
        rc = ks__epicor_row_num(&cust_num, epi, hed, "CustNum");
    if (rc)
        goto out;
    /* The header as read, unchanged (no RowMod): what GetNewOrderDtl
     * needs to know the order, and MasterUpdate leaves as it is. */
    rc = hed_tableset(&ds, &hed);
    if (rc)
        goto out;
    rc = save_lines(saved, &ds, epi, order_num, cust_num, order);
    if (!rc)
        ks__log(epi->client, KS_LOG_INFO, NULL,
                "epicor: %zu line(s) added to sales order %lld", *saved,
                (long long)order_num);
out:
    cJSON_Delete(hed);
    cJSON_Delete(ds);
    return rc;
}

/* Writes the refund marker unless present. *done 1 after a write. */
static ks_rc refund_once(int *done, struct ks_epicor *epi, int64_t order_num,
                         const char *marker, const char *line)
{
    cJSON *row = NULL, *ds = NULL, *saved = NULL, *body = NULL;
    const cJSON *comment, *cust;
    char *text = NULL;
    ks_rc rc;

    *done = 0;
    rc = get_order(&row, epi, order_num, 0);
    if (rc)
        goto out;
    comment = cJSON_GetObjectItemCaseSensitive(row, "OrderComment");
    if (cJSON_IsString(comment) && strstr(comment->valuestring, marker))
        goto out; /* recorded before: nothing to do */
    text = cJSON_IsString(comment) && *comment->valuestring
               ? ks__aprintf("%s\n%s", comment->valuestring, line)
               : ks__strdup(line);
    cust = cJSON_GetObjectItemCaseSensitive(row, "CustNum");
    rc = text ? ks__epicor_set(row, "OrderComment", cJSON_CreateString(text))
              : KS_ENOMEM;
    if (!rc) /* Update needs the complete row, as read */
        rc = ks__epicor_set(row, "RowMod", cJSON_CreateString("U"));
    if (rc)
        goto out;
    rc = hed_tableset(&ds, &row);
    if (rc)
        goto out;
    body = master_update_body(
        ds, "OrderHed", cJSON_IsNumber(cust) ? (int64_t)cust->valuedouble : 0,
        order_num);
    rc = ks__epicor_call_ds(&saved, NULL, epi, SO, "MasterUpdate", body);
    *done = rc == KS_OK;
out:
    cJSON_Delete(body);
    cJSON_Delete(saved);
    cJSON_Delete(ds);
    cJSON_Delete(row);
    ks__free(text);
    return rc;
}

ks_rc ks_epicor_order_record_refund(int *recorded, struct ks_epicor *epi,
                                    int64_t order_num, const char *refund_ref,
                                    double amount, const char *reason)
{
    char *marker = NULL, *line = NULL;
    ks_rc rc = KS_ENOMEM;

    *recorded = 0;
    ks__error_clear(ks__client_error(epi->client));
    if (!refund_ref || !*refund_ref)
        return ks__error_set(ks__client_error(epi->client), KS_EINVAL, 0,
                             "epicor: a refund reference is required");
    marker = ks__aprintf("[kinsync refund %s:", refund_ref);
    line = ks__aprintf("[kinsync refund %s: %.2f%s%s]", refund_ref, amount,
                       reason && *reason ? " " : "", reason ? reason : "");
    if (!marker || !line)
        goto out;
    rc = refund_once(recorded, epi, order_num, marker, line);
    if (rc == KS_ECONFLICT) { /* someone saved the order meanwhile */
        ks__log(epi->client, KS_LOG_INFO, NULL,
                "epicor: order %lld changed while recording a refund; "
                "reading it again",
                (long long)order_num);
        rc = refund_once(recorded, epi, order_num, marker, line);
    }
out:
    ks__free(line);
    ks__free(marker);
    return rc;
}
