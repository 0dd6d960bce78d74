/*
 * Purchasing beyond the tables of defs.c: the defaults Epicor fills on new
 * POs, PO release GL rows, AP invoice groups and requisitions; the PO
 * total that follows its lines; POSvc ChangeApproveSwitch and APInvGrpSvc
 * UnlockGroup; and the platform user's purchasing actions for act()
 * (approve a PO, change a PO line, enter an AP invoice). Sources and
 * confidence labels are in README.md, "Purchasing".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "epicor_emu.h"

static void day_of(const struct km__epicor *emu, char *buf, size_t n)
{
    km__epicor_format_datetime(buf, n, km__epicor_now(emu), 1);
}

static int blank(const cJSON *row, const char *field)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, field);

    return !v || cJSON_IsNull(v) || (cJSON_IsString(v) && !*v->valuestring) ||
           (cJSON_IsNumber(v) && v->valuedouble == 0);
}

static void set_str_if_blank(cJSON *row, const char *field, const char *value)
{
    if (blank(row, field))
        km__epicor_set_str(row, field, value);
}

static void num_text(char *buf, size_t n, const cJSON *row, const char *field)
{
    snprintf(buf, n, "%.0f", kx_json_numeric(row, field, 0));
}

void km__epicor_purchasing_defaults(const struct km__epicor_call *c,
                                    const struct km__epicor_tabledef *def,
                                    cJSON *row)
{
    char day[32], buf[32];

    day_of(c->emu, day, sizeof(day));
    switch (def->id) {
    case T_APINVGRP:
        /* The group is the user's while they work in it (ActiveUserID,
         * SW's description); fiscal year and period from the apply
         * date, a calendar year of twelve periods [I]. */
        set_str_if_blank(row, "CreatedBy", c->user ? c->user : "");
        set_str_if_blank(row, "ActiveUserID", c->user ? c->user : "");
        set_str_if_blank(row, "ApplyDate", day);
        if (blank(row, "FiscalYear"))
            km__epicor_set_num(
                row, "FiscalYear",
                (double)strtol(kx_json_str(row, "ApplyDate"), NULL, 10));
        if (blank(row, "FiscalPeriod"))
            km__epicor_set_num(
                row, "FiscalPeriod",
                (double)strtol(kx_json_str(row, "ApplyDate") + 5, NULL, 10));
        break;
    case T_REQHEAD:
        set_str_if_blank(row, "RequestorID", c->user ? c->user : "");
        set_str_if_blank(row, "RequestDate", day);
        break;
    case T_REQDETAIL:
        set_str_if_blank(row, "ReqDate", day);
        break;
    case T_PORELTGLC:
        /* The generic TGLC keys name the release (as Key1..4 name the
         * expense line on APInvExpTGLC). */
        num_text(buf, sizeof(buf), row, "PONum");
        km__epicor_set_str(row, "Key1", buf);
        num_text(buf, sizeof(buf), row, "POLine");
        km__epicor_set_str(row, "Key2", buf);
        num_text(buf, sizeof(buf), row, "PORelNum");
        km__epicor_set_str(row, "Key3", buf);
        break;
    default:
        break;
    }
}

void km__epicor_purchasing_added(const struct km__epicor_call *c,
                                 const struct km__epicor_tabledef *def,
                                 cJSON *row)
{
    char now[32];

    km__epicor_purchasing_defaults(c, def, row);
    if (def->id == T_REQHEAD) {
        km__epicor_format_datetime(now, sizeof(now), km__epicor_now(c->emu), 0);
        set_str_if_blank(row, "CreatedBy", c->user ? c->user : "");
        set_str_if_blank(row, "CreatedOn", now);
    }
}

int km__epicor_po_total(struct km__epicor *emu, struct km__epicor_company *co,
                        const cJSON *row)
{
    struct km__epicor_table *ht = &co->t[T_POHEADER];
    cJSON *vals = cJSON_CreateArray(), *lines = cJSON_CreateArray();
    const cJSON *l;
    struct km__epicor_row *h;
    double total = 0;
    char *key;
    int changed = 0;

    /* PODetail spells its header key PONUM, PORel PONum. */
    cJSON_AddItemToArray(vals, cJSON_CreateString(co->id));
    cJSON_AddItemToArray(
        vals,
        cJSON_CreateNumber(kx_json_numeric(
            row, cJSON_HasObjectItem(row, "PONUM") ? "PONUM" : "PONum", 0)));
    key = km__epicor_key_of_values(ht, vals, 2, emu->ci);
    h = key ? km__epicor_find(ht, key) : NULL;
    if (h) {
        cJSON *j = km__epicor_own(ht, h);

        km__epicor_children(lines, &co->t[T_PODETAIL], key);
        cJSON_ArrayForEach(l, lines)
        {
            if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(l, "VoidLine")))
                total +=
                    km__epicor_round2(kx_json_numeric(l, "XOrderQty", 0) *
                                      kx_json_numeric(l, "DocUnitCost", 0));
        }
        total = km__epicor_round2(total);
        if (kx_json_numeric(j, "DocTotalOrder", -1) != total) {
            km__epicor_set_num(j, "TotalOrder", total);
            km__epicor_set_num(j, "DocTotalOrder", total);
            km__epicor_touch(emu, ht, h);
            changed = 1;
        }
    }
    cJSON_Delete(lines);
    cJSON_Delete(vals);
    free(key);
    return changed;
}

void km__epicor_ds_refresh(struct km__epicor_call *c, cJSON *ds, int tid)
{
    cJSON *rows =
        cJSON_GetObjectItemCaseSensitive(ds, km__epicor_defs[tid].table);
    struct km__epicor_table *ht = &c->co->t[tid];
    cJSON *r;

    cJSON_ArrayForEach(r, rows)
    {
        char *key = km__epicor_key_of_row(ht, r, c->emu->ci);
        struct km__epicor_row *h = key ? km__epicor_find(ht, key) : NULL;

        free(key);
        if (h) {
            cJSON *now = cJSON_Duplicate(km__epicor_own(ht, h), 1);

            cJSON_ReplaceItemViaPointer(rows, r, now);
            r = now;
        }
    }
}

void km__epicor_po_after_update(struct km__epicor_call *c, cJSON *ds)
{
    const cJSON *r;

    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(ds, "PODetail"))
        km__epicor_po_total(c->emu, c->co, r);
    km__epicor_ds_refresh(c, ds, T_POHEADER);
}

/* ---- methods ---------------------------------------------------------- */

/* Erp.BO.POSvc ChangeApproveSwitch {ApproveValue, ds}: Approve on the
 * POHeader of ds and ApprovalStatus A (approved) or U (unsubmitted); no
 * buyer limits are kept, so approval never pends (P) [I]. */
void km__epicor_po_change_approve(struct km__epicor_call *c, const char *m,
                                  cJSON *params)
{
    cJSON *ds = kx_json_obj(params, "ds"), *row, *out;
    int approve =
        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(params, "ApproveValue"));

    (void)m;
    row = ds ? km__epicor_ds_row(ds, "POHeader") : NULL;
    if (!row) {
        km__epicor_error(c, 400, NULL,
                         "ChangeApproveSwitch needs a POHeader row in ds.");
        return;
    }
    km__epicor_set_bool(row, "Approve", approve);
    km__epicor_set_str(row, "ApprovalStatus", approve ? "A" : "U");
    out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "ViolationMsg", "");
    cJSON_AddItemToObject(
        out, "ds", cJSON_DetachItemFromObjectCaseSensitive(params, "ds"));
    km__epicor_method_reply(c, NULL, out);
}

/* Erp.BO.APInvGrpSvc UnlockGroup {InGroupID}: clears the group's
 * ActiveUserID; the swagger declares no output (SW). */
void km__epicor_apgrp_unlock(struct km__epicor_call *c, const char *m,
                             cJSON *params)
{
    cJSON *vals = cJSON_CreateArray();
    struct km__epicor_row *r;

    (void)m;
    cJSON_AddItemToArray(
        vals, cJSON_CreateString(kx_json_str_or(params, "InGroupID", "")));
    r = km__epicor_find_vals(c, T_APINVGRP, vals, NULL);
    cJSON_Delete(vals);
    if (!r) {
        km__epicor_error(c, 404, NULL, "Record not found: APInvGrp.");
        return;
    }
    km__epicor_set_str(km__epicor_own(&c->co->t[T_APINVGRP], r), "ActiveUserID",
                       "");
    km__epicor_touch(c->emu, &c->co->t[T_APINVGRP], r);
    km__epicor_method_reply(c, NULL, NULL);
}
