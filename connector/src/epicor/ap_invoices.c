/*
 * AP invoices: entered with the AP Invoice Entry screen's GetNew sequence
 * and UpdateMaster, the GL coding put on the APInvExpTGLC rows Epicor
 * keeps for the expenses (reference §5, the APInvExpTGLC quirk).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <cjson/cJSON.h>
#include <kx/json.h>
#include "epicor_int.h"

#define AP "Erp.BO.APInvoiceSvc"

static ks_rc check_invoice(struct ks_epicor *epi,
                           const struct ks_epicor_ap_invoice *inv)
{
    const char *why = NULL;

    if (!inv)
        why = "no invoice";
    else if (inv->vendor_num <= 0)
        why = "a vendor_num above 0 is required";
    else if (!inv->invoice_num || !*inv->invoice_num)
        why = "an invoice_num is required";
    else if (!inv->group_id || !*inv->group_id)
        why = "a group_id is required";
    else if (!inv->nlines || !inv->lines)
        why = "at least one line is required";
    for (size_t i = 0; !why && i < inv->nlines; i++) {
        const char *acct = inv->lines[i].gl_account;

        if (!(inv->lines[i].qty > 0))
            why = "every line needs a quantity above 0";
        else if (acct && (!*acct || *acct == '|' || strstr(acct, "||")))
            why = "a gl_account has an empty segment";
    }
    if (!why)
        return KS_OK;
    return ks__error_set(ks__client_error(epi->client), KS_EINVAL, 0,
                         "epicor: AP invoice: %s", why);
}

/* The row a GetNew just appended to a table of ds. */
static cJSON *last_row(cJSON *ds, const char *table)
{
    cJSON *rows = cJSON_GetObjectItemCaseSensitive(ds, table);
    int n = cJSON_GetArraySize(rows);

    return n ? cJSON_GetArrayItem(rows, n - 1) : NULL;
}

/* {ds, vendorNum[, invoiceNum[, invoiceLine]]}: the GetNew parameters of
 * the header (nkeys 1), a line (2) and an expense (3). */
static cJSON *keys_body(cJSON *ds, const struct ks_epicor_ap_invoice *inv,
                        int nkeys, int64_t invoice_line)
{
    cJSON *body = ks__epicor_body_ds_with(
        ds, "vendorNum", cJSON_CreateNumber((double)inv->vendor_num));

    if (body && nkeys > 1 &&
        !cJSON_AddStringToObject(body, "invoiceNum", inv->invoice_num))
        goto fail;
    if (body && nkeys > 2 &&
        !cJSON_AddNumberToObject(body, "invoiceLine", (double)invoice_line))
        goto fail;
    return body;
fail:
    cJSON_Delete(body);
    return NULL;
}

/* UpdateMaster's parameters: the screen's checks off, no prompts. */
static cJSON *save_body(cJSON *ds, const struct ks_epicor_ap_invoice *inv,
                        const char *table)
{
    cJSON *body = ks__epicor_body_ds_with(ds, "cGroupID",
                                          cJSON_CreateString(inv->group_id));

    if (body && (!cJSON_AddStringToObject(body, "cTableName", table) ||
                 !cJSON_AddFalseToObject(body, "runChkCPay") ||
                 !cJSON_AddFalseToObject(body, "runChkBankRef") ||
                 !cJSON_AddFalseToObject(body, "runChkRevChrg") ||
                 !cJSON_AddTrueToObject(body, "suppressUserPrompts"))) {
        cJSON_Delete(body);
        return NULL;
    }
    return body;
}

static ks_rc set_num(cJSON *row, const char *field, double value)
{
    return ks__epicor_set(row, field, cJSON_CreateNumber(value));
}

/* GetNewAPInvDtl and GetNewAPInvExp for one line, its amounts set. */
static ks_rc add_line(cJSON **ds, struct ks_epicor *epi,
                      const struct ks_epicor_ap_invoice *inv,
                      const struct ks_epicor_ap_line *l)
{
    double ext = round(l->qty * l->unit_cost * 100) / 100;
    int64_t line = 0;
    cJSON *row;
    ks_rc rc;

    rc = ks__epicor_step(ds, epi, AP, "GetNewAPInvDtl",
                         keys_body(*ds, inv, 2, 0));
    if (rc)
        return rc;
    row = last_row(*ds, "APInvDtl");
    rc = ks__epicor_row_num(&line, epi, row, "InvoiceLine");
    if (!rc)
        rc = ks__epicor_set_str(row, "Description", l->description);
    if (!rc)
        rc = set_num(row, "ScrVendorQty", l->qty);
    if (!rc)
        rc = set_num(row, "DocUnitCost", l->unit_cost);
    if (!rc)
        rc = set_num(row, "ScrDocExtCost", ext);
    if (!rc)
        rc = ks__epicor_step(ds, epi, AP, "GetNewAPInvExp",
                             keys_body(*ds, inv, 3, line));
    if (!rc)
        rc = set_num(last_row(*ds, "APInvExp"), "DocExpAmt", ext);
    return rc;
}

/* Header, lines and expenses in one UpdateMaster: all or nothing. */
static ks_rc enter_new(struct ks_epicor *epi,
                       const struct ks_epicor_ap_invoice *inv)
{
    cJSON *ds = NULL, *hed, *body = ks__epicor_body_new_ds();
    ks_rc rc;

    if (body &&
        !cJSON_AddNumberToObject(body, "vendorNum", (double)inv->vendor_num)) {
        cJSON_Delete(body);
        body = NULL;
    }
    rc = ks__epicor_call_ds(&ds, NULL, epi, AP, "GetNewAPInvHed", body);
    cJSON_Delete(body);
    if (rc)
        goto out;
    hed = last_row(ds, "APInvHed");
    if (!hed) {
        rc = ks__error_set(ks__client_error(epi->client), KS_EPARSE, 200,
                           "epicor: GetNewAPInvHed gave no APInvHed row");
        goto out;
    }
    rc = ks__epicor_set_str(hed, "InvoiceNum", inv->invoice_num);
    if (!rc)
        rc = ks__epicor_set_str(hed, "GroupID", inv->group_id);
    if (!rc)
        rc = ks__epicor_set_str(hed, "InvoiceDate", inv->invoice_date);
    for (size_t i = 0; !rc && i < inv->nlines; i++)
        rc = add_line(&ds, epi, inv, &inv->lines[i]);
    if (!rc)
        rc = ks__epicor_step(&ds, epi, AP, "UpdateMaster",
                             save_body(ds, inv, "APInvHed"));
out:
    cJSON_Delete(ds);
    return rc;
}

/* GetByID {vendorNum, invoiceNum}: the invoice's tableset; ENOTFOUND when
 * Epicor has no such invoice. */
static ks_rc get_invoice(cJSON **ds, struct ks_epicor *epi,
                         const struct ks_epicor_ap_invoice *inv)
{
    cJSON *body = cJSON_CreateObject(), *reply = NULL;
    ks_rc rc = KS_ENOMEM;

    *ds = NULL;
    if (!body ||
        !cJSON_AddNumberToObject(body, "vendorNum", (double)inv->vendor_num) ||
        !cJSON_AddStringToObject(body, "invoiceNum", inv->invoice_num))
        goto out;
    rc = ks_epicor_call(&reply, epi, AP, "GetByID", body);
    if (rc)
        goto out;
    *ds = cJSON_DetachItemFromObjectCaseSensitive(reply, "returnObj");
    if (!cJSON_IsObject(*ds)) {
        cJSON_Delete(*ds);
        *ds = NULL;
        rc = ks__error_set(ks__client_error(epi->client), KS_EPARSE, 200,
                           "epicor: APInvoiceSvc/GetByID: no returnObj");
    }
out:
    cJSON_Delete(reply);
    cJSON_Delete(body);
    return rc;
}

/* A number field of a row; dflt when it is missing. */
static double num_or(const cJSON *row, const char *field, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, field);

    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* Epicor's own TGLC row of the expense of invoice_line: the lowest
 * TGLCTranNum (rows posted beside it come later). */
static cJSON *app_tglc(cJSON *ds, int64_t invoice_line)
{
    cJSON *r, *best = NULL;

    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(ds, "APInvExpTGLC"))
    {
        if ((int64_t)num_or(r, "InvoiceLine", -1) != invoice_line)
            continue;
        if (!best ||
            num_or(r, "TGLCTranNum", 1e15) < num_or(best, "TGLCTranNum", 1e15))
            best = r;
    }
    return best;
}

/* The account and its SegValueN on a TGLC row, RowMod "U". */
static ks_rc code_row(cJSON *row, const char *acct)
{
    char field[24];
    int seg = 1;
    ks_rc rc = ks__epicor_set_str(row, "GLAccount", acct);

    for (const char *p = acct; !rc; seg++) {
        size_t len = strcspn(p, "|");
        char *value = ks__aprintf("%.*s", (int)len, p);

        snprintf(field, sizeof(field), "SegValue%d", seg);
        rc = value ? ks__epicor_set_str(row, field, value) : KS_ENOMEM;
        ks__free(value);
        if (!p[len])
            break;
        p += len + 1;
    }
    if (!rc)
        rc = ks__epicor_set_str(row, "RowMod", "U");
    return rc;
}

/* Marks the TGLC rows whose account differs from the lines'; *n counts
 * them. The i-th line is the i-th APInvDtl (the order they were made). */
static ks_rc mark_coding(size_t *n, struct ks_epicor *epi, cJSON *ds,
                         const struct ks_epicor_ap_invoice *inv)
{
    cJSON *dtls = cJSON_GetObjectItemCaseSensitive(ds, "APInvDtl");
    ks_rc rc = KS_OK;

    *n = 0;
    if ((size_t)cJSON_GetArraySize(dtls) != inv->nlines)
        return ks__error_set(
            ks__client_error(epi->client), KS_ECONFLICT, 0,
            "epicor: AP invoice %s of vendor %lld has %d line(s), not %zu",
            inv->invoice_num, (long long)inv->vendor_num,
            cJSON_GetArraySize(dtls), inv->nlines);
    for (size_t i = 0; !rc && i < inv->nlines; i++) {
        const char *acct = inv->lines[i].gl_account;
        int64_t line = 0;
        cJSON *g;

        if (!acct)
            continue;
        rc = ks__epicor_row_num(&line, epi, cJSON_GetArrayItem(dtls, (int)i),
                                "InvoiceLine");
        if (rc)
            break;
        g = app_tglc(ds, line);
        if (!g)
            return ks__error_set(ks__client_error(epi->client), KS_EPARSE, 200,
                                 "epicor: AP invoice %s line %lld has no "
                                 "APInvExpTGLC row",
                                 inv->invoice_num, (long long)line);
        if (strcmp(kx_json_str_or(g, "GLAccount", ""), acct) == 0)
            continue;
        rc = code_row(g, acct);
        if (!rc)
            (*n)++;
    }
    return rc;
}

ks_rc ks_epicor_ap_invoice_enter(cJSON **out, int *created,
                                 struct ks_epicor *epi,
                                 const struct ks_epicor_ap_invoice *inv)
{
    cJSON *ds = NULL;
    size_t coded = 0;
    ks_rc rc;

    if (out)
        *out = NULL;
    *created = 0;
    ks__error_clear(ks__client_error(epi->client));
    rc = check_invoice(epi, inv);
    if (rc)
        return rc;
    rc = get_invoice(&ds, epi, inv);
    if (rc == KS_ENOTFOUND) {
        ks__error_clear(ks__client_error(epi->client));
        rc = enter_new(epi, inv);
        *created = rc == KS_OK;
        if (!rc)
            rc = get_invoice(&ds, epi, inv);
    }
    if (!rc)
        rc = mark_coding(&coded, epi, ds, inv);
    if (!rc && coded)
        rc = ks__epicor_step(&ds, epi, AP, "UpdateMaster",
                             save_body(ds, inv, "APInvExpTGLC"));
    if (rc)
        goto out;
    ks__log(epi->client, KS_LOG_INFO, NULL,
            "epicor: AP invoice %s of vendor %lld %s, %zu GL account(s) set",
            inv->invoice_num, (long long)inv->vendor_num,
            *created ? "entered" : "found", coded);
    if (out) {
        cJSON *hed = cJSON_GetArrayItem(
            cJSON_GetObjectItemCaseSensitive(ds, "APInvHed"), 0);

        *out = hed ? cJSON_DetachItemViaPointer(
                         cJSON_GetObjectItemCaseSensitive(ds, "APInvHed"), hed)
                   : NULL;
        if (!*out)
            rc = ks__error_set(ks__client_error(epi->client), KS_EPARSE, 200,
                               "epicor: UpdateMaster gave no APInvHed row");
    }
out:
    cJSON_Delete(ds);
    return rc;
}
