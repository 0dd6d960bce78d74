/*
 * What a buyer or an AP clerk does in the Epicor screens, as act()
 * actions for scenarios: approve a PO, change a PO line, enter an AP
 * invoice with its GL coding. Each write stamps SysRevID and ChangeDate
 * as the API's write path does, so change discovery sees it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "epicor_emu.h"

/* The stored row of tid whose keys after Company are the numbers a (and
 * b when b >= 0). */
static struct km__epicor_row *row_by_nums(struct km__epicor *emu,
                                          struct km__epicor_company *co,
                                          int tid, double a, double b)
{
    cJSON *vals = cJSON_CreateArray();
    struct km__epicor_row *r;

    cJSON_AddItemToArray(vals, cJSON_CreateNumber(a));
    if (b >= 0)
        cJSON_AddItemToArray(vals, cJSON_CreateNumber(b));
    r = km__epicor_act_find(emu, co, tid, vals);
    cJSON_Delete(vals);
    return r;
}

/* approve_po {po_num, approve (default true)}: what the buyer's Approve
 * check box does (ApprovalStatus A, or U when cleared). */
static int approve_po(struct km__epicor *emu, struct km__epicor_company *co,
                      const cJSON *args, cJSON **result, char *err,
                      size_t errsz)
{
    const cJSON *flag = cJSON_GetObjectItemCaseSensitive(args, "approve");
    int approve = !cJSON_IsFalse(flag);
    struct km__epicor_row *r = row_by_nums(
        emu, co, T_POHEADER, kx_json_numeric(args, "po_num", 0), -1);
    cJSON *fields;

    if (!r)
        return km__epicor_errf(err, errsz, "approve_po: no PO %.0f",
                               kx_json_numeric(args, "po_num", 0));
    fields = cJSON_CreateObject();
    cJSON_AddBoolToObject(fields, "Approve", approve);
    cJSON_AddStringToObject(fields, "ApprovalStatus", approve ? "A" : "U");
    km__epicor_act_merge(emu, &co->t[T_POHEADER], r, fields);
    cJSON_Delete(fields);
    if (result)
        *result = cJSON_Duplicate(r->json, 1);
    return 0;
}

/* change_po_line {po_num, po_line, fields}: a line saved with new values
 * (derived quantities recomputed; the PO's total follows, which writes
 * the header too). */
static int change_po_line(struct km__epicor *emu, struct km__epicor_company *co,
                          const cJSON *args, cJSON **result, char *err,
                          size_t errsz)
{
    const cJSON *fields = cJSON_GetObjectItemCaseSensitive(args, "fields");
    struct km__epicor_table *t = &co->t[T_PODETAIL];
    struct km__epicor_row *r =
        row_by_nums(emu, co, T_PODETAIL, kx_json_numeric(args, "po_num", 0),
                    kx_json_numeric(args, "po_line", 0));
    cJSON *j;

    if (!cJSON_IsObject(fields))
        return km__epicor_errf(err, errsz,
                               "change_po_line needs a fields object");
    if (!r)
        return km__epicor_errf(err, errsz,
                               "change_po_line: no line %.0f of PO %.0f",
                               kx_json_numeric(args, "po_line", 0),
                               kx_json_numeric(args, "po_num", 0));
    j = km__epicor_own(t, r);
    km__epicor_act_merge(emu, t, r, fields);
    /* A quantity or cost typed in the line's own fields wins. */
    if (cJSON_HasObjectItem(fields, "OrderQty") &&
        !cJSON_HasObjectItem(fields, "XOrderQty"))
        km__epicor_set_num(j, "XOrderQty", kx_json_numeric(j, "OrderQty", 0));
    if (cJSON_HasObjectItem(fields, "UnitCost") &&
        !cJSON_HasObjectItem(fields, "DocUnitCost"))
        km__epicor_set_num(j, "DocUnitCost", kx_json_numeric(j, "UnitCost", 0));
    km__epicor_derive(t->def, j);
    km__epicor_po_total(emu, co, j);
    if (result)
        *result = cJSON_Duplicate(j, 1);
    return 0;
}

/* One invoice line of enter_ap_invoice as rows to load: the APInvDtl
 * with its expense and, when the clerk typed an account, the expense's
 * TGLC row carrying it (the way the screen stores GL coding). */
static cJSON *invoice_line(struct km__epicor_call *c, const cJSON *in, int no,
                           double *amt, char *err, size_t errsz)
{
    double qty = kx_json_numeric(in, "qty", 1);
    double cost = kx_json_numeric(in, "unit_cost", 0);
    double ext = km__epicor_round2(qty * cost);
    const char *acct = kx_json_str_or(in, "gl_account", "");
    cJSON *l = cJSON_CreateObject(), *exp, *g;
    char msg[300];

    km__epicor_set_num(l, "InvoiceLine", no);
    km__epicor_set_str(l, "Description",
                       kx_json_str_or(in, "description", "Expense"));
    km__epicor_set_str(l, "PartNum", kx_json_str_or(in, "part_num", ""));
    km__epicor_set_num(l, "PONum", kx_json_numeric(in, "po_num", 0));
    km__epicor_set_num(l, "POLine", kx_json_numeric(in, "po_line", 0));
    if (kx_json_numeric(in, "po_num", 0) > 0)
        km__epicor_set_str(l, "LineType", "PUR");
    km__epicor_set_num(l, "VendorQty", qty);
    km__epicor_set_num(l, "OurQty", qty);
    km__epicor_set_num(l, "ScrVendorQty", qty);
    km__epicor_set_num(l, "UnitCost", cost);
    km__epicor_set_num(l, "DocUnitCost", cost);
    km__epicor_set_num(l, "ExtCost", ext);
    km__epicor_set_num(l, "DocExtCost", ext);
    km__epicor_set_num(l, "ScrDocExtCost", ext);
    *amt += ext;
    if (!*acct)
        return l;
    exp = cJSON_CreateObject();
    km__epicor_set_num(exp, "InvExpSeq", 1);
    km__epicor_set_num(exp, "ExpAmt", ext);
    km__epicor_set_num(exp, "DocExpAmt", ext);
    km__epicor_set_str(exp, "GLAccount", acct);
    g = cJSON_CreateObject();
    km__epicor_set_str(g, "GLAccount", acct);
    for (int s = 1; s <= 3; s++) {
        char field[16], seg[64];
        const char *p = acct;

        for (int k = 1; k < s && p; k++) {
            p = strchr(p, '|');
            p = p ? p + 1 : NULL;
        }
        snprintf(seg, sizeof(seg), "%.*s", p ? (int)strcspn(p, "|") : 0,
                 p ? p : "");
        snprintf(field, sizeof(field), "SegValue%d", s);
        km__epicor_set_str(g, field, seg);
    }
    km__epicor_set_bool(g, "IsModifiedByUser", 1);
    if (km__epicor_check_tglc(c, g, msg, sizeof(msg))) {
        cJSON_Delete(g);
        cJSON_Delete(exp);
        cJSON_Delete(l);
        km__epicor_errf(err, errsz, "enter_ap_invoice: line %d: %s", no, msg);
        return NULL;
    }
    cJSON_AddItemToArray(cJSON_AddArrayToObject(exp, "APInvExpTGLCs"), g);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(l, "APInvExps"), exp);
    return l;
}

/* enter_ap_invoice {vendor_num, invoice_num, group_id?, invoice_date?,
 * ref_po_num?, lines [{description, qty, unit_cost, po_num?, po_line?,
 * part_num?, gl_account?}]}: the invoice as AP Invoice Entry saves it. */
static int enter_ap_invoice(struct km__epicor *emu,
                            struct km__epicor_company *co, const cJSON *args,
                            cJSON **result, char *err, size_t errsz)
{
    struct km__epicor_call c = {.emu = emu, .co = co, .user = "manager"};
    const char *inv = kx_json_str_or(args, "invoice_num", "");
    double vnum = kx_json_numeric(args, "vendor_num", 0);
    struct km__epicor_row *v = row_by_nums(emu, co, T_VENDOR, vnum, -1);
    const cJSON *in;
    cJSON *hed, *lines, *rows, *vals;
    double amt = 0;
    int no = 0, rc;
    char day[32];

    if (!v || !*inv)
        return km__epicor_errf(
            err, errsz,
            "enter_ap_invoice needs an existing vendor_num and an "
            "invoice_num");
    vals = cJSON_CreateArray();
    cJSON_AddItemToArray(vals, cJSON_CreateNumber(vnum));
    cJSON_AddItemToArray(vals, cJSON_CreateString(inv));
    if (km__epicor_act_find(emu, co, T_APINVHED, vals)) {
        cJSON_Delete(vals);
        return km__epicor_errf(err, errsz,
                               "enter_ap_invoice: invoice %s exists", inv);
    }
    cJSON_Delete(vals);
    km__epicor_format_datetime(day, sizeof(day), km__epicor_now(emu), 1);
    hed = cJSON_CreateObject();
    km__epicor_set_num(hed, "VendorNum", vnum);
    km__epicor_set_str(hed, "InvoiceNum", inv);
    vals = km__epicor_own(&co->t[T_VENDOR], v);
    km__epicor_set_str(hed, "VendorNumVendorID",
                       kx_json_str_or(vals, "VendorID", ""));
    km__epicor_set_str(hed, "VendorNumName", kx_json_str_or(vals, "Name", ""));
    km__epicor_set_str(hed, "GroupID", kx_json_str_or(args, "group_id", ""));
    km__epicor_set_str(hed, "InvoiceDate",
                       kx_json_str_or(args, "invoice_date", day));
    km__epicor_set_str(hed, "ApplyDate",
                       kx_json_str_or(args, "invoice_date", day));
    km__epicor_set_num(hed, "REFPONum", kx_json_numeric(args, "ref_po_num", 0));
    km__epicor_set_str(hed, "EntryPerson", c.user);
    lines = cJSON_AddArrayToObject(hed, "APInvDtls");
    cJSON_ArrayForEach(in, cJSON_GetObjectItemCaseSensitive(args, "lines"))
    {
        cJSON *l = invoice_line(&c, in, ++no, &amt, err, errsz);

        if (!l) {
            cJSON_Delete(hed);
            return -1;
        }
        cJSON_AddItemToArray(lines, l);
    }
    amt = km__epicor_round2(amt);
    km__epicor_set_num(hed, "InvoiceAmt", amt);
    km__epicor_set_num(hed, "DocInvoiceAmt", amt);
    km__epicor_set_num(hed, "InvoiceVendorAmt", amt);
    km__epicor_set_num(hed, "DocInvoiceVendorAmt", amt);
    km__epicor_set_num(hed, "InvoiceBal", amt);
    rows = cJSON_CreateArray();
    cJSON_AddItemToArray(rows, hed);
    rc = km__epicor_load_rows(emu, co, T_APINVHED, rows, NULL, err, errsz);
    cJSON_Delete(rows);
    if (rc == 0 && result)
        *result = cJSON_Duplicate(
            co->t[T_APINVHED].by_rev[co->t[T_APINVHED].n - 1]->json, 1);
    return rc;
}

int km__epicor_act_purchasing(struct km__epicor *emu,
                              struct km__epicor_company *co, const char *action,
                              const cJSON *args, cJSON **result, char *err,
                              size_t errsz)
{
    if (strcmp(action, "approve_po") == 0)
        return approve_po(emu, co, args, result, err, errsz);
    if (strcmp(action, "change_po_line") == 0)
        return change_po_line(emu, co, args, result, err, errsz);
    if (strcmp(action, "enter_ap_invoice") == 0)
        return enter_ap_invoice(emu, co, args, result, err, errsz);
    return 1;
}
