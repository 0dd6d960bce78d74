/*
 * Service-specific behaviour outside sales orders: GetNew defaults, the
 * AP invoice flow with its APInvExpTGLC quirk (reference §5, from working
 * code: the expense GL account is set on the system-created TGLC row, as
 * a pipe-delimited GLAccount plus SegValueN, in a second Update), the PO
 * and AP vendor lookups, and labor posting QtyCompleted to JobOper.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "epicor_emu.h"

static void today(struct km__epicor_call *c, char *buf, size_t n)
{
    km__epicor_format_datetime(buf, n, km__epicor_now(c->emu), 1);
}

static cJSON *row_by(struct km__epicor_call *c, int tid, const cJSON *v1,
                     const cJSON *v2)
{
    cJSON *vals = cJSON_CreateArray();
    struct km__epicor_row *r;

    cJSON_AddItemToArray(vals, cJSON_Duplicate(v1, 1));
    if (v2)
        cJSON_AddItemToArray(vals, cJSON_Duplicate(v2, 1));
    r = km__epicor_find_vals(c, tid, vals, NULL);
    cJSON_Delete(vals);
    return r ? km__epicor_own(&c->co->t[tid], r) : NULL;
}

static cJSON *vendor_by_id(struct km__epicor_call *c, const char *id)
{
    struct km__epicor_table *t = &c->co->t[T_VENDOR];
    struct km__odata_value lit = {.type = KM_OV_STR, .s = (char *)id};

    for (size_t i = 0; i < t->n; i++) {
        cJSON *j = km__epicor_own(t, t->by_key[i]);

        if (km__odata_value_compare_json(
                cJSON_GetObjectItemCaseSensitive(j, "VendorID"), &lit,
                c->emu->ci) == 0)
            return j;
    }
    return NULL;
}

static void fill_vendor(cJSON *row, const cJSON *v, int ap)
{
    km__epicor_set_num(row, "VendorNum", kx_json_numeric(v, "VendorNum", 0));
    km__epicor_set_str(row, ap ? "VendorNumVendorID" : "VendorVendorID",
                       kx_json_str_or(v, "VendorID", ""));
    km__epicor_set_str(row, ap ? "VendorNumName" : "VendorName",
                       kx_json_str_or(v, "Name", ""));
    km__epicor_set_str(row, "TermsCode", kx_json_str_or(v, "TermsCode", ""));
    km__epicor_set_str(row, "CurrencyCode",
                       kx_json_str_or(v, "CurrencyCode", ""));
}

void km__epicor_new_defaults(struct km__epicor_call *c,
                             const struct km__epicor_tabledef *def, cJSON *row,
                             cJSON *ds)
{
    char day[32];
    cJSON *hed, *v;

    today(c, day, sizeof(day));
    switch (def->id) {
    case T_ORDERHED:
        km__epicor_set_str(row, "OrderDate", day);
        km__epicor_set_str(row, "EntryPerson", c->user);
        break;
    case T_ORDERDTL:
        hed = km__epicor_ds_row(ds, "OrderHed");
        if (!hed)
            hed =
                row_by(c, T_ORDERHED,
                       cJSON_GetObjectItemCaseSensitive(row, "OrderNum"), NULL);
        if (hed) {
            km__epicor_set_num(row, "CustNum",
                               kx_json_numeric(hed, "CustNum", 0));
            km__epicor_put(
                row, "RequestDate",
                cJSON_Duplicate(
                    cJSON_GetObjectItemCaseSensitive(hed, "RequestDate"), 1));
            km__epicor_put(
                row, "NeedByDate",
                cJSON_Duplicate(
                    cJSON_GetObjectItemCaseSensitive(hed, "NeedByDate"), 1));
        }
        break;
    case T_POHEADER:
        km__epicor_set_str(row, "OrderDate", day);
        km__epicor_set_str(row, "EntryPerson", c->user);
        break;
    case T_APINVHED:
        km__epicor_set_str(row, "InvoiceDate", day);
        km__epicor_set_str(row, "ApplyDate", day);
        km__epicor_set_str(row, "EntryPerson", c->user);
        km__epicor_set_num(row, "FiscalYear", (double)strtol(day, NULL, 10));
        v = row_by(c, T_VENDOR,
                   cJSON_GetObjectItemCaseSensitive(row, "VendorNum"), NULL);
        if (v)
            fill_vendor(row, v, 1);
        break;
    case T_JOBHEAD:
        km__epicor_set_str(row, "CreateDate", day);
        km__epicor_set_str(row, "CreatedBy", c->user);
        break;
    case T_PART:
        km__epicor_set_str(row, "CreatedBy", c->user);
        break;
    default:
        km__epicor_purchasing_defaults(c, def, row);
        break;
    }
}

/* ---- the TGLC quirk --------------------------------------------------- */

/* The expense line's TGLC rows: the application's one (TGLCTranNum 1)
 * into *app, and how many there are. */
static size_t tglc_rows(struct km__epicor_call *c, const cJSON *exp,
                        cJSON **app)
{
    struct km__epicor_table *t = &c->co->t[T_APINVEXPTGLC];
    char *k = km__epicor_key_of_row(&c->co->t[T_APINVEXP], exp, c->emu->ci);
    size_t len = k ? strlen(k) : 0, n = 0;

    *app = NULL;
    for (size_t i = k ? km__epicor_lower_bound(t, k) : t->n; i < t->n; i++) {
        cJSON *j;

        if (strncmp(t->by_key[i]->key, k, len) != 0)
            break;
        if (t->by_key[i]->key[len] != '\x01')
            continue;
        j = km__epicor_own(t, t->by_key[i]);
        if (kx_json_numeric(j, "TGLCTranNum", 0) == 1)
            *app = j;
        n++;
    }
    free(k);
    return n;
}

static cJSON *tglc_for(struct km__epicor_call *c, const cJSON *exp)
{
    cJSON *app;

    tglc_rows(c, exp, &app);
    return app;
}

void km__epicor_tglc_direct(struct km__epicor_call *c, cJSON *row)
{
    const char *id = kx_json_str(row, "SysRowID");
    cJSON *app;
    char guid[37];
    size_t n = tglc_rows(c, row, &app);

    if (!id || !*id) {
        km__epicor_guid(c->emu, guid);
        km__epicor_set_str(row, "SysRowID", guid);
    }
    km__epicor_set_num(row, "TGLCTranNum", (double)n + 1);
    km__epicor_set_bool(row, "IsModifiedByUser", 1);
}

void km__epicor_added(struct km__epicor_call *c,
                      const struct km__epicor_tabledef *d, cJSON *row)
{
    km__epicor_purchasing_added(c, d, row);
    if (d->id == T_JOBHEAD) {
        km__epicor_job_assembly0(c->emu, c->co, row);
    } else if (d->id == T_APINVEXP) {
        struct km__epicor_table *t = &c->co->t[T_APINVEXPTGLC];
        cJSON *g = cJSON_Duplicate(t->tmpl, 1);
        static const char *const keys[] = {"VendorNum", "InvoiceNum",
                                           "InvoiceLine", "InvExpSeq"};
        char buf[64], guid[37];

        for (int i = 0; i < 4; i++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, keys[i]);

            km__epicor_put(g, keys[i], cJSON_Duplicate(v, 1));
            if (cJSON_IsNumber(v))
                snprintf(buf, sizeof(buf), "%.0f", v->valuedouble);
            else
                snprintf(buf, sizeof(buf), "%s",
                         kx_json_str_or(row, keys[i], ""));
            snprintf(guid, sizeof(guid), "Key%d", i + 1);
            km__epicor_set_str(g, guid, buf);
        }
        km__epicor_guid(c->emu, guid);
        km__epicor_set_str(g, "SysRowID", guid);
        km__epicor_insert(c->emu, t, g);
        /* The account sent on APInvExp is not what Epicor keeps. */
        km__epicor_set_str(row, "GLAccount", "");
    } else if (d->id == T_LABORDTL) {
        cJSON *vals = cJSON_CreateArray();
        struct km__epicor_row *op;

        cJSON_AddItemToArray(
            vals, cJSON_CreateString(kx_json_str_or(row, "JobNum", "")));
        cJSON_AddItemToArray(
            vals, cJSON_CreateNumber(kx_json_numeric(row, "AssemblySeq", 0)));
        cJSON_AddItemToArray(
            vals, cJSON_CreateNumber(kx_json_numeric(row, "OprSeq", 0)));
        op = km__epicor_find_vals(c, T_JOBOPER, vals, NULL);
        cJSON_Delete(vals);
        if (op) {
            cJSON *j = km__epicor_own(&c->co->t[T_JOBOPER], op);
            char day[32];

            km__epicor_set_num(j, "QtyCompleted",
                               kx_json_numeric(j, "QtyCompleted", 0) +
                                   kx_json_numeric(row, "LaborQty", 0));
            km__epicor_set_num(j, "ActProdHours",
                               kx_json_numeric(j, "ActProdHours", 0) +
                                   kx_json_numeric(row, "LaborHrs", 0));
            km__epicor_set_num(j, "ActScrapQty",
                               kx_json_numeric(j, "ActScrapQty", 0) +
                                   kx_json_numeric(row, "ScrapQty", 0));
            today(c, day, sizeof(day));
            km__epicor_set_str(j, "LastLaborDate", day);
            if (cJSON_IsTrue(
                    cJSON_GetObjectItemCaseSensitive(row, "OpComplete")))
                km__epicor_set_bool(j, "OpComplete", 1);
            km__epicor_touch(c->emu, &c->co->t[T_JOBOPER], op);
        }
    }
}

void km__epicor_updated(struct km__epicor_call *c,
                        const struct km__epicor_tabledef *d, cJSON *row)
{
    if (d->id == T_APINVEXPTGLC &&
        kx_json_numeric(row, "TGLCTranNum", 0) == 1) {
        cJSON *vals = cJSON_CreateArray();
        struct km__epicor_row *exp;
        static const char *const keys[] = {"VendorNum", "InvoiceNum",
                                           "InvoiceLine", "InvExpSeq"};

        km__epicor_set_bool(row, "IsModifiedByUser", 1);
        for (int i = 0; i < 4; i++)
            cJSON_AddItemToArray(
                vals, cJSON_Duplicate(
                          cJSON_GetObjectItemCaseSensitive(row, keys[i]), 1));
        exp = km__epicor_find_vals(c, T_APINVEXP, vals, NULL);
        cJSON_Delete(vals);
        if (exp) {
            cJSON *j = km__epicor_own(&c->co->t[T_APINVEXP], exp);

            km__epicor_set_str(j, "GLAccount",
                               kx_json_str_or(row, "GLAccount", ""));
            km__epicor_touch(c->emu, &c->co->t[T_APINVEXP], exp);
        }
    } else if (d->id == T_APINVEXP) {
        cJSON *g = tglc_for(c, row);

        km__epicor_set_str(row, "GLAccount",
                           g ? kx_json_str_or(g, "GLAccount", "") : "");
    }
}

int km__epicor_check_tglc(struct km__epicor_call *c, const cJSON *row,
                          char *msg, size_t n)
{
    const char *acct = kx_json_str_or(row, "GLAccount", "");
    struct km__epicor_table *gl = &c->co->t[T_GLACCOUNT];
    char segs[8][64], field[32], joined[512] = "";
    int nseg = 0;

    if (!*acct) {
        snprintf(msg, n, "GL Account is required.");
        return -1;
    }
    for (const char *p = acct; nseg < 8;) {
        size_t len = strcspn(p, "|");

        snprintf(segs[nseg], sizeof(segs[0]), "%.*s", (int)len, p);
        strncat(joined, segs[nseg], sizeof(joined) - strlen(joined) - 1);
        nseg++;
        if (!p[len])
            break;
        p += len + 1;
    }
    for (int i = 0; i < nseg; i++) {
        snprintf(field, sizeof(field), "SegValue%d", i + 1);
        if (strcmp(kx_json_str_or(row, field, ""), segs[i]) != 0) {
            snprintf(msg, n,
                     "%s '%s' does not match segment %d of GL "
                     "Account '%s'.",
                     field, kx_json_str_or(row, field, ""), i + 1, acct);
            return -1;
        }
    }
    for (size_t i = 0; i < gl->n; i++) {
        cJSON *j = km__epicor_own(gl, gl->by_key[i]);
        int ok = strcmp(kx_json_str_or(j, "GLAccount1", ""), joined) == 0 ||
                 strcmp(kx_json_str_or(j, "GLAccount1", ""), acct) == 0;

        for (int s = 0; !ok && s < nseg; s++) {
            snprintf(field, sizeof(field), "SegValue%d", s + 1);
            if (strcmp(kx_json_str_or(j, field, ""), segs[s]) != 0)
                break;
            ok = s == nseg - 1;
        }
        if (ok)
            return 0;
    }
    snprintf(msg, n, "GL Account '%s' is not valid.", acct);
    return -1;
}

void km__epicor_after_update_other(struct km__epicor_call *c, cJSON *ds)
{
    const cJSON *r;

    km__epicor_jobs_after_update(c, ds);
    if (strcmp(c->service, "Erp.BO.POSvc") == 0) {
        km__epicor_po_after_update(c, ds);
        return;
    }
    if (strcmp(c->service, "Erp.BO.APInvoiceSvc") != 0)
        return;
    /* InvoiceAmt follows the lines. */
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(ds, "APInvDtl"))
    {
        struct km__epicor_table *ht = &c->co->t[T_APINVHED];
        char *key = km__epicor_key_of_row(ht, r, c->emu->ci);
        struct km__epicor_row *h = km__epicor_find(ht, key);
        cJSON *lines = cJSON_CreateArray(), *l;
        double amt = 0;

        if (h) {
            cJSON *j = km__epicor_own(ht, h);

            km__epicor_children(lines, &c->co->t[T_APINVDTL], key);
            cJSON_ArrayForEach(l, lines) amt +=
                kx_json_numeric(l, "DocExtCost", 0);
            if (kx_json_numeric(j, "DocInvoiceAmt", 0) != amt) {
                km__epicor_set_num(j, "InvoiceAmt", amt);
                km__epicor_set_num(j, "DocInvoiceAmt", amt);
                km__epicor_set_num(j, "InvoiceBal", amt);
                km__epicor_touch(c->emu, ht, h);
            }
        }
        cJSON_Delete(lines);
        free(key);
    }
    km__epicor_ds_refresh(c, ds, T_APINVHED);
}

/* ---- methods ---------------------------------------------------------- */

static void reply_ds(struct km__epicor_call *c, cJSON *params, cJSON *out)
{
    if (!out)
        out = cJSON_CreateObject();
    cJSON_AddItemToObject(
        out, "ds", cJSON_DetachItemFromObjectCaseSensitive(params, "ds"));
    km__epicor_method_reply(c, NULL, out);
}

/* params.ds, made an empty object when it is missing or not one. */
static cJSON *ds_of(cJSON *params)
{
    cJSON *ds = kx_json_obj(params, "ds");

    if (!ds) {
        cJSON_DeleteItemFromObjectCaseSensitive(params, "ds");
        ds = cJSON_AddObjectToObject(params, "ds");
    }
    return ds;
}

/* Erp.BO.LaborSvc: GetNewLaborHed1 {EmployeeNum, payrollDate}. */
void km__epicor_labor_new_hed(struct km__epicor_call *c, const char *m,
                              cJSON *params)
{
    cJSON *ds = ds_of(params), *row, *keys = cJSON_CreateArray();
    char day[32];

    (void)m;
    today(c, day, sizeof(day));
    row = km__epicor_new_row(c, &km__epicor_defs[T_LABORHED], ds, keys);
    km__epicor_set_str(row, "EmployeeNum",
                       kx_json_str_or(params, "EmployeeNum", ""));
    km__epicor_set_str(row, "PayrollDate",
                       kx_json_str_or(params, "payrollDate", day));
    km__epicor_set_str(row, "ClockInDate", day);
    km__epicor_set_str(row, "ActualClockinDate", day);
    cJSON_Delete(keys);
    reply_ds(c, params, NULL);
}

/* GetNewLaborDtlWithHdr / GetNewLaborDtl: the LaborHedSeq from
 * ipLaborHedSeq, laborHedSeq or the LaborHed row of ds. */
void km__epicor_labor_new_dtl(struct km__epicor_call *c, const char *m,
                              cJSON *params)
{
    cJSON *ds = ds_of(params), *row, *keys = cJSON_CreateArray();
    cJSON *hed = km__epicor_ds_row(ds, "LaborHed");
    double seq = kx_json_numeric(params, "ipLaborHedSeq", 0);
    char day[32];

    (void)m;
    today(c, day, sizeof(day));
    if (seq == 0)
        seq = kx_json_numeric(params, "laborHedSeq", 0);
    if (seq == 0 && hed)
        seq = kx_json_numeric(hed, "LaborHedSeq", 0);
    cJSON_AddItemToArray(keys, cJSON_CreateNumber(seq));
    row = km__epicor_new_row(c, &km__epicor_defs[T_LABORDTL], ds, keys);
    cJSON_Delete(keys);
    if (hed)
        km__epicor_set_str(row, "EmployeeNum",
                           kx_json_str_or(hed, "EmployeeNum", ""));
    km__epicor_set_str(row, "ClockInDate",
                       kx_json_str_or(params, "ipClockInDate", day));
    km__epicor_set_num(row, "ClockinTime",
                       kx_json_numeric(params, "ipClockInTime", 0));
    km__epicor_set_num(row, "ClockOutTime",
                       kx_json_numeric(params, "ipClockOutTime", 0));
    km__epicor_set_str(row, "PayrollDate", day);
    reply_ds(c, params, NULL);
}

void km__epicor_labor_default_opr_seq(struct km__epicor_call *c, const char *m,
                                      cJSON *params)
{
    cJSON *row = km__epicor_ds_row(ds_of(params), "LaborDtl");
    cJSON *out = cJSON_CreateObject();

    (void)m;
    if (row)
        km__epicor_set_num(row, "OprSeq", kx_json_numeric(params, "oprSeq", 0));
    cJSON_AddStringToObject(out, "vMessage", "");
    reply_ds(c, params, out);
}

void km__epicor_labor_change_type(struct km__epicor_call *c, const char *m,
                                  cJSON *params)
{
    cJSON *row = km__epicor_ds_row(ds_of(params), "LaborDtl");

    (void)m;
    if (row)
        km__epicor_set_str(row, "LaborTypePseudo",
                           kx_json_str_or(row, "LaborType", ""));
    reply_ds(c, params, NULL);
}

/* Erp.BO.APInvoiceSvc: UpdateMaster saves the tableset and returns it
 * with the group total and the out parameters the screen reads. */
void km__epicor_ap_update_master(struct km__epicor_call *c, const char *m,
                                 cJSON *params)
{
    cJSON *ds = ds_of(params), *out;
    double total = 0;
    const cJSON *r;

    (void)m;
    if (km__epicor_update_ds(c, ds, NULL))
        return;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(ds, "APInvHed"))
        total += kx_json_numeric(r, "DocInvoiceAmt", 0);
    out = cJSON_CreateObject();
    cJSON_AddNumberToObject(out, "grpTotalInvAmt", total);
    cJSON_AddFalseToObject(out, "requiresUserInput");
    cJSON_AddStringToObject(out, "opMessage", "");
    cJSON_AddStringToObject(out, "opMsgChkBankRef", "");
    cJSON_AddStringToObject(out, "opChkRevMsg", "");
    cJSON_AddFalseToObject(out, "lEnableGenLegalNum");
    cJSON_AddTrueToObject(out, "lUpdateRan");
    cJSON_AddStringToObject(out, "opDUAMsg", "");
    cJSON_AddItemToObject(out, "ds", cJSON_Duplicate(ds, 1));
    km__epicor_method_reply(c, NULL, out);
}

/* GetNewAPInvHedInvoice {cGroupID}: a header in an invoice group. */
void km__epicor_ap_new_invoice(struct km__epicor_call *c, const char *m,
                               cJSON *params)
{
    cJSON *ds = ds_of(params), *row, *keys = cJSON_CreateArray();

    (void)m;
    row = km__epicor_new_row(c, &km__epicor_defs[T_APINVHED], ds, keys);
    km__epicor_set_str(row, "GroupID", kx_json_str_or(params, "cGroupID", ""));
    cJSON_Delete(keys);
    reply_ds(c, params, NULL);
}

/* The supplier named by params[param] onto the header row of ds: 0, or
 * -1 after the 400 for an unknown supplier or a tableset without one. */
static int change_vendor(struct km__epicor_call *c, cJSON *params,
                         const char *param, const char *table)
{
    const char *id = kx_json_str_or(params, param, "");
    cJSON *row = km__epicor_ds_row(ds_of(params), table);
    cJSON *v = vendor_by_id(c, id);

    if (!v || !row) {
        km__epicor_error(c, 400, NULL, "Supplier ID '%s' is not valid.", id);
        return -1;
    }
    fill_vendor(row, v, strcmp(table, "APInvHed") == 0);
    return 0;
}

/* ChangeVendorID {ProposedVendorID}: the supplier's fields on APInvHed. */
void km__epicor_ap_change_vendor_id(struct km__epicor_call *c, const char *m,
                                    cJSON *params)
{
    cJSON *out;

    (void)m;
    if (change_vendor(c, params, "ProposedVendorID", "APInvHed"))
        return;
    out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "confirmMsg", "");
    reply_ds(c, params, out);
}

/* Erp.BO.POSvc: ChangeVendor {VendID}: the supplier's fields on
 * POHeader. */
void km__epicor_po_change_vendor(struct km__epicor_call *c, const char *m,
                                 cJSON *params)
{
    (void)m;
    if (change_vendor(c, params, "VendID", "POHeader") == 0)
        reply_ds(c, params, NULL);
}

/* ChangeDetailPartNum {NewPartNum}: the part's fields on PODetail. */
void km__epicor_po_change_detail_part(struct km__epicor_call *c, const char *m,
                                      cJSON *params)
{
    const char *pn = kx_json_str_or(params, "NewPartNum", "");
    cJSON *row = km__epicor_ds_row(ds_of(params), "PODetail");
    cJSON *name = cJSON_CreateString(pn);
    cJSON *part = row_by(c, T_PART, name, NULL);

    (void)m;
    cJSON_Delete(name);
    if (!part || !row) {
        km__epicor_error(c, 400, NULL, "Part '%s' is not valid.", pn);
        return;
    }
    km__epicor_set_str(row, "PartNum", kx_json_str_or(part, "PartNum", ""));
    km__epicor_set_str(row, "LineDesc",
                       kx_json_str_or(part, "PartDescription", ""));
    km__epicor_set_str(row, "IUM", kx_json_str_or(part, "IUM", ""));
    km__epicor_set_str(row, "PUM", kx_json_str_or(part, "PUM", ""));
    km__epicor_set_str(row, "ClassID", kx_json_str_or(part, "ClassID", ""));
    reply_ds(c, params, NULL);
}
