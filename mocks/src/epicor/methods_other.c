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

static const char *sget(const cJSON *o, const char *f)
{
    const char *s = kx_json_str(o, f);

    return s ? s : "";
}

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
                       sget(v, "VendorID"));
    km__epicor_set_str(row, ap ? "VendorNumName" : "VendorName",
                       sget(v, "Name"));
    km__epicor_set_str(row, "TermsCode", sget(v, "TermsCode"));
    km__epicor_set_str(row, "CurrencyCode", sget(v, "CurrencyCode"));
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
        break;
    }
}

/* ---- the TGLC quirk --------------------------------------------------- */

static cJSON *tglc_for(struct km__epicor_call *c, const cJSON *exp)
{
    struct km__epicor_table *t = &c->co->t[T_APINVEXPTGLC];
    char *k = km__epicor_key_of_row(&c->co->t[T_APINVEXP], exp, c->emu->ci);
    size_t len = k ? strlen(k) : 0;
    cJSON *found = NULL;

    for (size_t i = k ? km__epicor_lower_bound(t, k) : t->n; i < t->n; i++) {
        if (strncmp(t->by_key[i]->key, k, len) != 0)
            break;
        if (t->by_key[i]->key[len] == '\x01')
            found = km__epicor_own(t, t->by_key[i]); /* the last one */
    }
    free(k);
    return found;
}

void km__epicor_added(struct km__epicor_call *c,
                      const struct km__epicor_tabledef *d, cJSON *row)
{
    if (d->id == T_APINVEXP) {
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
                snprintf(buf, sizeof(buf), "%s", sget(row, keys[i]));
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

        cJSON_AddItemToArray(vals, cJSON_CreateString(sget(row, "JobNum")));
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
    if (d->id == T_APINVEXPTGLC) {
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

            km__epicor_set_str(j, "GLAccount", sget(row, "GLAccount"));
            km__epicor_touch(c->emu, &c->co->t[T_APINVEXP], exp);
        }
    } else if (d->id == T_APINVEXP) {
        cJSON *g = tglc_for(c, row);

        km__epicor_set_str(row, "GLAccount", g ? sget(g, "GLAccount") : "");
    }
}

int km__epicor_check_tglc(struct km__epicor_call *c, const cJSON *row,
                          char *msg, size_t n)
{
    const char *acct = sget(row, "GLAccount");
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
        if (strcmp(sget(row, field), segs[i]) != 0) {
            snprintf(msg, n,
                     "%s '%s' does not match segment %d of GL "
                     "Account '%s'.",
                     field, sget(row, field), i + 1, acct);
            return -1;
        }
    }
    for (size_t i = 0; i < gl->n; i++) {
        cJSON *j = km__epicor_own(gl, gl->by_key[i]);
        int ok = strcmp(sget(j, "GLAccount1"), joined) == 0 ||
                 strcmp(sget(j, "GLAccount1"), acct) == 0;

        for (int s = 0; !ok && s < nseg; s++) {
            snprintf(field, sizeof(field), "SegValue%d", s + 1);
            if (strcmp(sget(j, field), segs[s]) != 0)
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

static cJSON *ds_of(cJSON *params)
{
    cJSON *ds = cJSON_GetObjectItemCaseSensitive(params, "ds");

    if (!cJSON_IsObject(ds)) {
        cJSON_DeleteItemFromObjectCaseSensitive(params, "ds");
        ds = cJSON_AddObjectToObject(params, "ds");
    }
    return ds;
}

static int labor(struct km__epicor_call *c, const char *m, cJSON *params)
{
    cJSON *ds = ds_of(params), *row, *keys = cJSON_CreateArray();
    char day[32];

    today(c, day, sizeof(day));
    if (strcmp(m, "GetNewLaborHed1") == 0) {
        row = km__epicor_new_row(c, &km__epicor_defs[T_LABORHED], ds, keys);
        km__epicor_set_str(row, "EmployeeNum", sget(params, "EmployeeNum"));
        km__epicor_set_str(row, "PayrollDate",
                           kx_json_str(params, "payrollDate")
                               ? sget(params, "payrollDate")
                               : day);
        km__epicor_set_str(row, "ClockInDate", day);
        km__epicor_set_str(row, "ActualClockinDate", day);
        reply_ds(c, params, NULL);
    } else if (strcmp(m, "GetNewLaborDtlWithHdr") == 0 ||
               strcmp(m, "GetNewLaborDtl") == 0) {
        cJSON *hed = km__epicor_ds_row(ds, "LaborHed");
        double seq = kx_json_numeric(params, "ipLaborHedSeq", 0);

        if (seq == 0)
            seq = kx_json_numeric(params, "laborHedSeq", 0);
        if (seq == 0 && hed)
            seq = kx_json_numeric(hed, "LaborHedSeq", 0);
        cJSON_AddItemToArray(keys, cJSON_CreateNumber(seq));
        row = km__epicor_new_row(c, &km__epicor_defs[T_LABORDTL], ds, keys);
        if (hed)
            km__epicor_set_str(row, "EmployeeNum", sget(hed, "EmployeeNum"));
        km__epicor_set_str(row, "ClockInDate",
                           kx_json_str(params, "ipClockInDate")
                               ? sget(params, "ipClockInDate")
                               : day);
        km__epicor_set_num(row, "ClockinTime",
                           kx_json_numeric(params, "ipClockInTime", 0));
        km__epicor_set_num(row, "ClockOutTime",
                           kx_json_numeric(params, "ipClockOutTime", 0));
        km__epicor_set_str(row, "PayrollDate", day);
        reply_ds(c, params, NULL);
    } else if (strcmp(m, "DefaultOprSeq") == 0) {
        cJSON *out = cJSON_CreateObject();

        row = km__epicor_ds_row(ds, "LaborDtl");
        if (row)
            km__epicor_set_num(row, "OprSeq",
                               kx_json_numeric(params, "oprSeq", 0));
        cJSON_AddStringToObject(out, "vMessage", "");
        reply_ds(c, params, out);
    } else if (strcmp(m, "ChangeLaborType") == 0) {
        row = km__epicor_ds_row(ds, "LaborDtl");
        if (row)
            km__epicor_set_str(row, "LaborTypePseudo", sget(row, "LaborType"));
        reply_ds(c, params, NULL);
    } else {
        cJSON_Delete(keys);
        return 0;
    }
    cJSON_Delete(keys);
    return 1;
}

static int ap(struct km__epicor_call *c, const char *m, cJSON *params)
{
    cJSON *ds = ds_of(params), *row, *out;

    if (strcmp(m, "UpdateMaster") == 0) {
        double total = 0;
        const cJSON *r;

        if (km__epicor_update_ds(c, ds, NULL))
            return 1;
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
    } else if (strcmp(m, "GetNewAPInvHedInvoice") == 0) {
        cJSON *keys = cJSON_CreateArray();

        row = km__epicor_new_row(c, &km__epicor_defs[T_APINVHED], ds, keys);
        km__epicor_set_str(row, "GroupID", sget(params, "cGroupID"));
        cJSON_Delete(keys);
        reply_ds(c, params, NULL);
    } else if (strcmp(m, "ChangeVendorID") == 0) {
        cJSON *v = vendor_by_id(c, sget(params, "ProposedVendorID"));

        row = km__epicor_ds_row(ds, "APInvHed");
        if (!v || !row) {
            km__epicor_error(c, 400, NULL, "Supplier ID '%s' is not valid.",
                             sget(params, "ProposedVendorID"));
            return 1;
        }
        fill_vendor(row, v, 1);
        out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "confirmMsg", "");
        reply_ds(c, params, out);
    } else {
        return 0;
    }
    return 1;
}

static int po(struct km__epicor_call *c, const char *m, cJSON *params)
{
    cJSON *ds = ds_of(params), *row;

    if (strcmp(m, "ChangeVendor") == 0) {
        cJSON *v = vendor_by_id(c, sget(params, "VendID"));

        row = km__epicor_ds_row(ds, "POHeader");
        if (!v || !row) {
            km__epicor_error(c, 400, NULL, "Supplier ID '%s' is not valid.",
                             sget(params, "VendID"));
            return 1;
        }
        fill_vendor(row, v, 0);
        reply_ds(c, params, NULL);
    } else if (strcmp(m, "ChangeDetailPartNum") == 0) {
        cJSON *pn = cJSON_CreateString(sget(params, "NewPartNum"));
        cJSON *part = row_by(c, T_PART, pn, NULL);

        cJSON_Delete(pn);
        row = km__epicor_ds_row(ds, "PODetail");
        if (!part || !row) {
            km__epicor_error(c, 400, NULL, "Part '%s' is not valid.",
                             sget(params, "NewPartNum"));
            return 1;
        }
        km__epicor_set_str(row, "PartNum", sget(part, "PartNum"));
        km__epicor_set_str(row, "LineDesc", sget(part, "PartDescription"));
        km__epicor_set_str(row, "IUM", sget(part, "IUM"));
        km__epicor_set_str(row, "PUM", sget(part, "PUM"));
        km__epicor_set_str(row, "ClassID", sget(part, "ClassID"));
        reply_ds(c, params, NULL);
    } else {
        return 0;
    }
    return 1;
}

static int handles(const char *m)
{
    static const char *const names[] = {"GetNewLaborHed1",
                                        "GetNewLaborDtlWithHdr",
                                        "GetNewLaborDtl",
                                        "DefaultOprSeq",
                                        "ChangeLaborType",
                                        "UpdateMaster",
                                        "GetNewAPInvHedInvoice",
                                        "ChangeVendorID",
                                        "ChangeVendor",
                                        "ChangeDetailPartNum",
                                        NULL};

    for (size_t i = 0; names[i]; i++) {
        if (strcmp(names[i], m) == 0)
            return 1;
    }
    return 0;
}

int km__epicor_method_other(struct km__epicor_call *c, const char *m,
                            cJSON *params)
{
    if (!handles(m))
        return 0;
    if (strcmp(c->service, "Erp.BO.LaborSvc") == 0)
        return labor(c, m, params);
    if (strcmp(c->service, "Erp.BO.APInvoiceSvc") == 0)
        return ap(c, m, params);
    if (strcmp(c->service, "Erp.BO.POSvc") == 0)
        return po(c, m, params);
    return 0;
}
