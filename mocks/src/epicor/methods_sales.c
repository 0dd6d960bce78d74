/*
 * Erp.BO.SalesOrderSvc: the screen's method sequence (reference §5, from
 * a live integration): GetNewOrderHed → ChangeOrderHedCustomerCustID /
 * ChangeCustomer → MasterUpdate (assigns OrderNum) → GetNewOrderDtl →
 * ChangePartNumMaster → ChangeSellingQuantity → MasterUpdate. Change*
 * methods fill the lookups a bare Update would lack; order totals are
 * recomputed after every save.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "epicor_emu.h"

#define SO "Erp.BO.SalesOrderSvc"

/* Finds a customer by CustID (case per the collation) or CustNum. */
static cJSON *find_customer(struct km__epicor_call *c, const char *cust_id,
                            double cust_num)
{
    struct km__epicor_table *t = &c->co->t[T_CUSTOMER];

    for (size_t i = 0; i < t->n; i++) {
        cJSON *j = km__epicor_own(t, t->by_key[i]);

        if (cust_id && *cust_id) {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "CustID");
            struct km__odata_value lit = {.type = KM_OV_STR,
                                          .s = (char *)cust_id};

            if (km__odata_value_compare_json(id, &lit, c->emu->ci) == 0)
                return j;
        } else if (kx_json_numeric(j, "CustNum", 0) == cust_num &&
                   cust_num > 0) {
            return j;
        }
    }
    return NULL;
}

static cJSON *find_part(struct km__epicor_call *c, const char *part_num)
{
    cJSON *vals = cJSON_CreateArray();
    struct km__epicor_row *r;

    cJSON_AddItemToArray(vals, cJSON_CreateString(part_num));
    r = km__epicor_find_vals(c, T_PART, vals, NULL);
    cJSON_Delete(vals);
    return r ? km__epicor_own(&c->co->t[T_PART], r) : NULL;
}

static void reply_ds(struct km__epicor_call *c, cJSON *params,
                     const char *extra)
{
    cJSON *out = cJSON_CreateObject();

    cJSON_AddItemToObject(
        out, "ds", cJSON_DetachItemFromObjectCaseSensitive(params, "ds"));
    if (extra)
        cJSON_AddStringToObject(out, extra, "");
    km__epicor_method_reply(c, NULL, out);
}

void km__epicor_so_change_customer(struct km__epicor_call *c, const char *m,
                                   cJSON *params)
{
    cJSON *ds = cJSON_GetObjectItemCaseSensitive(params, "ds");
    cJSON *row = km__epicor_ds_row(ds, "OrderHed"), *cust;
    const char *id = kx_json_str(params, "ProposedCustID");

    (void)m;
    if (!row) {
        km__epicor_error(c, 400, NULL, "The tableset has no OrderHed row.");
        return;
    }
    if (!id)
        id = kx_json_str_or(row, "CustomerCustID", "");
    cust = find_customer(c, id, kx_json_numeric(row, "CustNum", 0));
    if (!cust) {
        km__epicor_error(c, 400, NULL, "Customer ID '%s' is not valid.", id);
        return;
    }
    km__epicor_set_num(row, "CustNum", kx_json_numeric(cust, "CustNum", 0));
    km__epicor_set_num(row, "BTCustNum", kx_json_numeric(cust, "CustNum", 0));
    km__epicor_set_num(row, "ShipToCustNum",
                       kx_json_numeric(cust, "CustNum", 0));
    km__epicor_set_str(row, "CustomerCustID",
                       kx_json_str_or(cust, "CustID", ""));
    km__epicor_set_str(row, "CustomerName", kx_json_str_or(cust, "Name", ""));
    km__epicor_set_str(row, "TermsCode", kx_json_str_or(cust, "TermsCode", ""));
    km__epicor_set_str(row, "ShipViaCode",
                       kx_json_str_or(cust, "ShipViaCode", ""));
    km__epicor_set_str(row, "CurrencyCode",
                       kx_json_str_or(cust, "CurrencyCode", ""));
    reply_ds(c, params, NULL);
}

static void recompute_line(cJSON *row)
{
    double q = kx_json_numeric(row, "SellingQuantity", 0);
    double p = kx_json_numeric(row, "DocUnitPrice", 0);

    km__epicor_set_num(row, "OrderQty", q);
    km__epicor_set_num(row, "UnitPrice", p);
    km__epicor_set_num(row, "ExtPriceDtl",
                       (double)(long long)(q * p * 100 + 0.5) / 100);
    km__epicor_set_num(row, "DocExtPriceDtl",
                       (double)(long long)(q * p * 100 + 0.5) / 100);
}

static void change_part(struct km__epicor_call *c, cJSON *params, int master)
{
    cJSON *ds = cJSON_GetObjectItemCaseSensitive(params, "ds");
    cJSON *row = km__epicor_ds_row(ds, "OrderDtl"), *part, *out;
    const char *pn = master ? kx_json_str(params, "partNum") : NULL;

    if (!row) {
        km__epicor_error(c, 400, NULL, "The tableset has no OrderDtl row.");
        return;
    }
    if (!pn)
        pn = kx_json_str_or(row, "PartNum", "");
    part = *pn ? find_part(c, pn) : NULL;
    if (!part) {
        km__epicor_error(c, 400, NULL, "Part '%s' is not valid.", pn);
        return;
    }
    km__epicor_set_str(row, "PartNum", kx_json_str_or(part, "PartNum", ""));
    km__epicor_set_str(row, "LineDesc",
                       kx_json_str_or(part, "PartDescription", ""));
    km__epicor_set_str(row, "IUM", kx_json_str_or(part, "IUM", ""));
    km__epicor_set_str(row, "SalesUM", kx_json_str_or(part, "SalesUM", ""));
    km__epicor_set_str(row, "ProdCode", kx_json_str_or(part, "ProdCode", ""));
    km__epicor_set_num(row, "DocUnitPrice",
                       kx_json_numeric(part, "UnitPrice", 0));
    recompute_line(row);
    /* The rest of the declared outputs (method_params.c) are filled in
     * empty by the reply. */
    out = cJSON_CreateObject();
    if (master) {
        cJSON_AddStringToObject(out, "partNum",
                                kx_json_str_or(part, "PartNum", ""));
        cJSON_AddStringToObject(out, "uomCode",
                                kx_json_str_or(part, "SalesUM", ""));
    }
    cJSON_AddItemToObject(
        out, "ds", cJSON_DetachItemFromObjectCaseSensitive(params, "ds"));
    km__epicor_method_reply(c, NULL, out);
}

void km__epicor_so_change_qty(struct km__epicor_call *c, const char *m,
                              cJSON *params)
{
    cJSON *ds = cJSON_GetObjectItemCaseSensitive(params, "ds");
    cJSON *row = km__epicor_ds_row(ds, "OrderDtl");
    const cJSON *q =
        cJSON_GetObjectItemCaseSensitive(params, "ipSellingQuantity");

    (void)m;
    if (!row) {
        km__epicor_error(c, 400, NULL, "The tableset has no OrderDtl row.");
        return;
    }
    if (cJSON_IsNumber(q))
        km__epicor_set_num(row, "SellingQuantity", q->valuedouble);
    if (kx_json_numeric(row, "SellingQuantity", 0) < 0) {
        km__epicor_error(c, 400, NULL, "Order quantity cannot be negative.");
        return;
    }
    recompute_line(row);
    reply_ds(c, params, "opWarningMsg");
}

static double order_num_of(const cJSON *params, const cJSON *ds,
                           const cJSON *touched, struct km__epicor_call *c)
{
    const cJSON *r;

    if (cJSON_GetArraySize(touched) > 0)
        return strtod(cJSON_GetArrayItem(touched, 0)->valuestring, NULL);
    if (kx_json_numeric(params, "iOrderNum", 0) > 0)
        return kx_json_numeric(params, "iOrderNum", 0);
    r = km__epicor_ds_row((cJSON *)ds, "OrderHed");
    if (!r)
        r = km__epicor_ds_row((cJSON *)ds, "OrderDtl");
    (void)c;
    return r ? kx_json_numeric(r, "OrderNum", 0) : 0;
}

void km__epicor_so_master_update(struct km__epicor_call *c, const char *m,
                                 cJSON *params)
{
    cJSON *ds = cJSON_GetObjectItemCaseSensitive(params, "ds");
    cJSON *touched = cJSON_CreateArray(), *out, *vals;
    static const char *const msgs[] = {
        "cResponseMsg",       "cCreditShipAction",  "cDisplayMsg",
        "cCompliantMsg",      "cResponseMsgOrdRel", "cAgingMessage",
        "cShipByDateMessage", "cNeedByDateMessage", NULL};
    char *key = NULL;
    double num;

    (void)m;
    if (km__epicor_update_ds(c, ds, touched)) {
        cJSON_Delete(touched);
        return;
    }
    num = order_num_of(params, ds, touched, c);
    cJSON_Delete(touched);
    out = cJSON_CreateObject();
    cJSON_AddTrueToObject(out, "lContinue");
    for (size_t i = 0; msgs[i]; i++)
        cJSON_AddStringToObject(out, msgs[i], "");
    vals = cJSON_CreateArray();
    cJSON_AddItemToArray(vals, cJSON_CreateNumber(num));
    if (km__epicor_find_vals(c, T_ORDERHED, vals, &key))
        cJSON_AddItemToObject(
            out, "ds",
            km__epicor_tableset(c, &km__epicor_defs[T_ORDERHED], key));
    else
        cJSON_AddItemToObject(out, "ds", cJSON_Duplicate(ds, 1));
    free(key);
    cJSON_Delete(vals);
    km__epicor_method_reply(c, NULL, out);
}

void km__epicor_so_change_part_num(struct km__epicor_call *c, const char *m,
                                   cJSON *params)
{
    (void)m;
    change_part(c, params, 0);
}

void km__epicor_so_change_part_num_master(struct km__epicor_call *c,
                                          const char *m, cJSON *params)
{
    (void)m;
    change_part(c, params, 1);
}

/* Change* methods whose effect the emulator does not model: the tableset
 * comes back as sent. */
void km__epicor_so_echo_ds(struct km__epicor_call *c, const char *m,
                           cJSON *params)
{
    (void)m;
    reply_ds(c, params, NULL);
}

void km__epicor_so_change_unit_price(struct km__epicor_call *c, const char *m,
                                     cJSON *params)
{
    cJSON *row = km__epicor_ds_row(kx_json_obj(params, "ds"), "OrderDtl");

    (void)m;
    if (row)
        recompute_line(row);
    reply_ds(c, params, NULL);
}

/* Order totals follow the lines: OrderAmt = sum of open lines. */
static void recompute_order(struct km__epicor_call *c, double order_num)
{
    cJSON *vals = cJSON_CreateArray(), *lines = cJSON_CreateArray(), *l;
    struct km__epicor_row *hed;
    char *key = NULL;
    double amt = 0, doc = 0;

    cJSON_AddItemToArray(vals, cJSON_CreateNumber(order_num));
    hed = km__epicor_find_vals(c, T_ORDERHED, vals, &key);
    if (hed) {
        cJSON *h = km__epicor_own(&c->co->t[T_ORDERHED], hed);

        km__epicor_children(lines, &c->co->t[T_ORDERDTL], key);
        cJSON_ArrayForEach(l, lines)
        {
            if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(l, "VoidLine")))
                continue;
            amt += kx_json_numeric(l, "ExtPriceDtl", 0);
            doc += kx_json_numeric(l, "DocExtPriceDtl", 0);
        }
        if (kx_json_numeric(h, "OrderAmt", 0) != amt ||
            kx_json_numeric(h, "DocOrderAmt", 0) != doc) {
            km__epicor_set_num(h, "OrderAmt", amt);
            km__epicor_set_num(h, "DocOrderAmt", doc);
            km__epicor_touch(c->emu, &c->co->t[T_ORDERHED], hed);
        }
    }
    free(key);
    cJSON_Delete(vals);
    cJSON_Delete(lines);
}

void km__epicor_after_update(struct km__epicor_call *c, cJSON *ds)
{
    const char *tables[] = {"OrderHed", "OrderDtl"};
    double done[64];
    size_t ndone = 0;

    if (strcmp(c->service, SO) != 0) {
        km__epicor_after_update_other(c, ds);
        return;
    }
    for (int t = 0; t < 2; t++) {
        const cJSON *r;

        cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(ds, tables[t]))
        {
            double n = kx_json_numeric(r, "OrderNum", 0);
            size_t i = 0;

            while (i < ndone && done[i] != n)
                i++;
            if (i < ndone || ndone == 64)
                continue;
            done[ndone++] = n;
            recompute_order(c, n);
        }
    }
    /* Give the caller the refreshed headers. */
    {
        cJSON *rows = cJSON_GetObjectItemCaseSensitive(ds, "OrderHed"), *r;

        cJSON_ArrayForEach(r, rows)
        {
            cJSON *vals = cJSON_CreateArray();
            struct km__epicor_row *h;

            cJSON_AddItemToArray(
                vals, cJSON_CreateNumber(kx_json_numeric(r, "OrderNum", 0)));
            h = km__epicor_find_vals(c, T_ORDERHED, vals, NULL);
            cJSON_Delete(vals);
            if (h) {
                cJSON *j = km__epicor_own(&c->co->t[T_ORDERHED], h);

                km__epicor_set_num(r, "OrderAmt",
                                   kx_json_numeric(j, "OrderAmt", 0));
                km__epicor_set_num(r, "DocOrderAmt",
                                   kx_json_numeric(j, "DocOrderAmt", 0));
                km__epicor_set_num(r, "SysRevID",
                                   kx_json_numeric(j, "SysRevID", 0));
            }
        }
    }
}
