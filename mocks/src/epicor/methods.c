/*
 * BO methods (reference §5): the one table of methods (km__epicor_methods)
 * and its lookup, and the handlers of the methods every service has:
 * GetByID, GetBySysRowID..., GetList, GetRows, GetNew<Table>, Update,
 * UpdateExt, DeleteByID. The body holds one property per parameter; the
 * reply puts the return value in "returnObj" and ref/out parameters in
 * "parameters". In v2 the read-only ones also answer GET with the
 * parameters in the query string.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <kx/json.h>
#include "epicor_emu.h"

const struct km__epicor_tabledef *km__epicor_primary(const char *service)
{
    if (km__epicor_search_table(service))
        return km__epicor_search_table(service);
    for (int i = 0; i < T_COUNT; i++) {
        if (km__epicor_defs[i].parent < 0 &&
            strcmp(km__epicor_defs[i].service, service) == 0)
            return &km__epicor_defs[i];
    }
    return NULL;
}

struct km__epicor_row *km__epicor_find_vals(struct km__epicor_call *c, int tid,
                                            const cJSON *vals, char **key_out)
{
    const struct km__epicor_tabledef *d = &km__epicor_defs[tid];
    cJSON *all = cJSON_CreateArray();
    const cJSON *v;
    struct km__epicor_row *r;
    size_t k = 1;
    char *key;

    cJSON_AddItemToArray(all, cJSON_CreateString(c->co->id));
    cJSON_ArrayForEach(v, vals)
    {
        if (((d->numeric >> k) & 1) && cJSON_IsString(v))
            cJSON_AddItemToArray(
                all, cJSON_CreateNumber(strtod(v->valuestring, NULL)));
        else
            cJSON_AddItemToArray(all, cJSON_Duplicate(v, 1));
        k++;
    }
    key = km__epicor_key_of_values(&c->co->t[tid], all,
                                   (size_t)cJSON_GetArraySize(all), c->emu->ci);
    r = k == km__epicor_nkeys(d) ? km__epicor_find(&c->co->t[tid], key) : NULL;
    cJSON_Delete(all);
    if (key_out)
        *key_out = key;
    else
        free(key);
    return r;
}

void km__epicor_method_reply(struct km__epicor_call *c, cJSON *ret,
                             cJSON *params)
{
    cJSON *o = cJSON_CreateObject();
    const struct km__epicor_out_params *p =
        params ? km__epicor_out_params_find(c->service, c->method) : NULL;

    if (p)
        params = km__epicor_out_params_apply(p, params);
    if (c->method && km__epicor_bpm_post(c, ret, params)) {
        cJSON_Delete(ret);
        cJSON_Delete(params);
        cJSON_Delete(o);
        return;
    }
    if (ret)
        cJSON_AddItemToObject(o, "returnObj", ret);
    if (params)
        cJSON_AddItemToObject(o, "parameters", params);
    km__epicor_reply(c, 200, o);
}

cJSON *km__epicor_ds_row(cJSON *ds, const char *table)
{
    cJSON *rows = cJSON_GetObjectItemCaseSensitive(ds, table), *r, *last = NULL;

    cJSON_ArrayForEach(r, rows)
    {
        const char *m = kx_json_str(r, "RowMod");

        if (m && (strcmp(m, "A") == 0 || strcmp(m, "U") == 0))
            return r;
        last = r;
    }
    return last;
}

static int add_arg(void *ud, const char *name, const char *value)
{
    if (name[0] != '$' && strcmp(name, "api-key") != 0)
        cJSON_AddItemToObject(ud, name, cJSON_CreateString(value));
    return 0;
}

static void get_by_id(struct km__epicor_call *c, const char *m, cJSON *params)
{
    const struct km__epicor_tabledef *d = km__epicor_primary(c->service);
    char *key = NULL;
    struct km__epicor_row *r =
        km__epicor_find_vals(c, (int)d->id, params, &key);

    (void)m;
    if (!r)
        km__epicor_error(c, 404, NULL, "Record not found.");
    else
        km__epicor_method_reply(c, km__epicor_tableset(c, d, key), NULL);
    free(key);
}

static void get_by_sysrowid(struct km__epicor_call *c, const char *m,
                            cJSON *params)
{
    const struct km__epicor_tabledef *d = km__epicor_primary(c->service);
    struct km__epicor_table *t = &c->co->t[d->id];
    const char *id = params->child && cJSON_IsString(params->child)
                         ? params->child->valuestring
                         : "";

    struct km__epicor_row *r = km__epicor_scan(t, "SysRowID", id, 1);

    (void)m;
    if (r)
        km__epicor_method_reply(c, km__epicor_tableset(c, d, r->key), NULL);
    else
        km__epicor_error(c, 404, NULL, "Record not found.");
}

struct km__epicor_row *km__epicor_scan(const struct km__epicor_table *t,
                                       const char *field, const char *want,
                                       int ci)
{
    for (size_t i = 0; want && i < t->n; i++) {
        int tmp;
        cJSON *j = km__epicor_view(t, t->by_key[i], &tmp);
        const char *v = kx_json_str(j, field);
        int hit = v && (ci ? strcasecmp(v, want) : strcmp(v, want)) == 0;

        if (tmp)
            cJSON_Delete(j);
        if (hit)
            return t->by_key[i];
    }
    return NULL;
}

/* GetList and GetRows: where-clause, pageSize, absolutePage (0-based by
 * default, as production clients count from 0; absolute_page_base 1
 * makes 1 the first page and 0 the first too). */
static void rows_page(struct km__epicor_call *c, cJSON *params, int list)
{
    const struct km__epicor_tabledef *d = km__epicor_primary(c->service);
    struct km__epicor_table *t = &c->co->t[d->id];
    char wname[64], err[400], *filter = NULL, *orderby = NULL;
    const char *where;
    struct km__odata_filter_err fe;
    struct km__odata_query q;
    long page_size = (long)kx_json_numeric(params, "pageSize", 0);
    long page = (long)kx_json_numeric(params, "absolutePage", 0), count;
    cJSON *rows, *ret, *out, *extra;
    int more;

    snprintf(wname, sizeof(wname), "whereClause%s", d->table);
    where = kx_json_str(params, list ? "whereClause" : wname);
    if (!where)
        where = kx_json_str(params, "whereClause");
    if (page_size == 0 && c->emu->pagesize0_error) {
        km__epicor_error(c, 400, NULL, "pageSize must be greater than zero.");
        return;
    }
    if (km__odata_where_to_filter(&filter, &orderby, where, &fe)) {
        km__epicor_error(c, 400, NULL, "Invalid where clause: %s", fe.msg);
        return;
    }
    if (km__odata_query_from_strings(&q, filter, orderby, err, sizeof(err))) {
        km__epicor_error(c, 400, NULL, "Invalid where clause '%s': %s", where,
                         err);
        goto out;
    }
    if (page_size > 0) {
        q.top = page_size + 1; /* one extra row tells morePages */
        long first = c->emu->absolute_page_base;

        q.skip = (page > first ? page - first : 0) * page_size;
    }
    rows = km__odata_query_run(&q, c->emu, t, NULL,
                               q.top >= 0 ? q.top : (long)t->n, 0, &count);
    more = page_size > 0 && cJSON_GetArraySize(rows) > page_size;
    if (more)
        cJSON_DeleteItemFromArray(rows, (int)page_size);
    ret = cJSON_CreateObject();
    if (list) {
        snprintf(wname, sizeof(wname), "%sList", d->table);
        cJSON_AddItemToObject(ret, wname, rows);
    } else {
        cJSON_AddItemToObject(ret, d->table, rows);
        for (int i = 0; i < T_COUNT; i++) {
            const cJSON *r;
            cJSON *arr;

            if (km__epicor_defs[i].parent != (int)d->id)
                continue;
            arr = cJSON_AddArrayToObject(ret, km__epicor_defs[i].table);
            cJSON_ArrayForEach(r, rows)
            {
                char *k = km__epicor_key_of_row(t, r, c->emu->ci);

                if (k)
                    km__epicor_children(arr, &c->co->t[i], k);
                free(k);
            }
        }
        km__epicor_tableset_complete(c->service, ret);
        if (!cJSON_GetObjectItemCaseSensitive(ret, "ExtensionTables"))
            cJSON_AddArrayToObject(ret, "ExtensionTables");
    }
    out = cJSON_CreateObject();
    cJSON_AddBoolToObject(out, "morePages", more);
    extra = out;
    km__epicor_method_reply(c, ret, extra);
out:
    km__odata_query_dispose(&q);
    free(filter);
    free(orderby);
}

static void save(struct km__epicor_call *c, cJSON *params, int ext)
{
    cJSON *ds = cJSON_GetObjectItemCaseSensitive(params, "ds"), *out;

    if (km__epicor_update_ds(c, ds, NULL))
        return;
    out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "ds", cJSON_Duplicate(ds, 1));
    if (ext) {
        cJSON *ret = cJSON_CreateObject();

        cJSON_AddArrayToObject(ret, "BOUpdError");
        cJSON_AddFalseToObject(out, "errorsOccurred");
        km__epicor_method_reply(c, ret, out);
    } else {
        km__epicor_method_reply(c, NULL, out);
    }
}

static void delete_by_id(struct km__epicor_call *c, const char *m,
                         cJSON *params)
{
    const struct km__epicor_tabledef *d = km__epicor_primary(c->service);
    struct km__epicor_row *r =
        km__epicor_find_vals(c, (int)d->id, params, NULL);

    (void)m;
    if (!r) {
        km__epicor_error(c, 404, NULL, "Record not found.");
        return;
    }
    km__epicor_remove(&c->co->t[d->id], r);
    km__epicor_method_reply(c, NULL, cJSON_CreateObject());
}

static void get_list(struct km__epicor_call *c, const char *m, cJSON *params)
{
    (void)m;
    rows_page(c, params, 1);
}

static void get_rows(struct km__epicor_call *c, const char *m, cJSON *params)
{
    (void)m;
    rows_page(c, params, 0);
}

static void update(struct km__epicor_call *c, const char *m, cJSON *params)
{
    (void)m;
    save(c, params, 0);
}

static void update_ext(struct km__epicor_call *c, const char *m, cJSON *params)
{
    (void)m;
    save(c, params, 1);
}

#define GET_NEW "GetNew"

/* GetNew<Table> {ds, parent keys}: adds a defaulted row of Table to ds
 * (the table lookup already succeeded in km__epicor_method_find). */
static void get_new(struct km__epicor_call *c, const char *m, cJSON *params)
{
    const struct km__epicor_tabledef *d =
        km__epicor_def_by_table(c->service, m + strlen(GET_NEW));
    cJSON *ds = cJSON_DetachItemFromObjectCaseSensitive(params, "ds"), *out;

    if (!cJSON_IsObject(ds)) {
        cJSON_Delete(ds);
        ds = cJSON_CreateObject();
    }
    km__epicor_new_row(c, d, ds, params);
    km__epicor_tableset_complete(c->service, ds);
    out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "ds", ds);
    km__epicor_method_reply(c, NULL, out);
}

#define READ (KM_EPI_POST | KM_EPI_GET)
#define POST KM_EPI_POST
#define SO "Erp.BO.SalesOrderSvc"
#define LABOR "Erp.BO.LaborSvc"
#define AP "Erp.BO.APInvoiceSvc"
#define PO "Erp.BO.POSvc"

/*
 * Every BO method the emulator answers. Adding one is a row here plus its
 * handler (README.md, "Adding a method"). The "*" rows are the methods
 * every service has (reference §5); a service's own row with the same
 * name wins over them.
 */
const struct km__epicor_method_def km__epicor_methods[] = {
    {"*", "GetByID", KM_EPI_NAME, READ, get_by_id},
    {"*", "GetBySysRowID", KM_EPI_PREFIX, READ, get_by_sysrowid},
    {"*", "GetList", KM_EPI_NAME, READ, get_list},
    {"*", "GetRows", KM_EPI_NAME, READ, get_rows},
    {"*", GET_NEW, KM_EPI_NEW_TABLE, POST, get_new},
    {"*", "Update", KM_EPI_NAME, POST, update},
    {"*", "UpdateExt", KM_EPI_NAME, POST, update_ext},
    {"*", "DeleteByID", KM_EPI_NAME, POST, delete_by_id},

    {SO, "ChangeOrderHedCustomerCustID", KM_EPI_NAME, POST,
     km__epicor_so_change_customer},
    {SO, "ChangeCustomer", KM_EPI_NAME, POST, km__epicor_so_change_customer},
    {SO, "ChangeSoldToID", KM_EPI_NAME, POST, km__epicor_so_change_customer},
    {SO, "ChangeSoldToContact", KM_EPI_NAME, POST, km__epicor_so_echo_ds},
    {SO, "ChangeNeedByDate", KM_EPI_NAME, POST, km__epicor_so_echo_ds},
    {SO, "ChangePartNum", KM_EPI_NAME, POST, km__epicor_so_change_part_num},
    {SO, "ChangePartNumMaster", KM_EPI_NAME, POST,
     km__epicor_so_change_part_num_master},
    {SO, "ChangeSellingQuantity", KM_EPI_NAME, POST, km__epicor_so_change_qty},
    {SO, "ChangeSellingQtyMaster", KM_EPI_NAME, POST, km__epicor_so_change_qty},
    {SO, "ChangeUnitPrice", KM_EPI_NAME, POST, km__epicor_so_change_unit_price},
    {SO, "MasterUpdate", KM_EPI_NAME, POST, km__epicor_so_master_update},
    {SO, "SubmitNewOrder", KM_EPI_NAME, POST, km__epicor_so_master_update},

    {LABOR, "GetNewLaborHed1", KM_EPI_NAME, POST, km__epicor_labor_new_hed},
    {LABOR, "GetNewLaborDtlWithHdr", KM_EPI_NAME, POST,
     km__epicor_labor_new_dtl},
    {LABOR, "GetNewLaborDtl", KM_EPI_NAME, POST, km__epicor_labor_new_dtl},
    {LABOR, "DefaultOprSeq", KM_EPI_NAME, POST,
     km__epicor_labor_default_opr_seq},
    {LABOR, "ChangeLaborType", KM_EPI_NAME, POST, km__epicor_labor_change_type},

    {AP, "UpdateMaster", KM_EPI_NAME, POST, km__epicor_ap_update_master},
    {AP, "GetNewAPInvHedInvoice", KM_EPI_NAME, POST, km__epicor_ap_new_invoice},
    {AP, "ChangeVendorID", KM_EPI_NAME, POST, km__epicor_ap_change_vendor_id},

    {PO, "ChangeVendor", KM_EPI_NAME, POST, km__epicor_po_change_vendor},
    {PO, "ChangeApproveSwitch", KM_EPI_NAME, POST,
     km__epicor_po_change_approve},
    {"Erp.BO.APInvGrpSvc", "UnlockGroup", KM_EPI_NAME, POST,
     km__epicor_apgrp_unlock},
    {"Erp.BO.VendorSvc", "GetByVendID", KM_EPI_NAME, READ,
     km__epicor_extra_get_by_user_key},
    {"Erp.BO.CustomerSvc", "GetByCustID", KM_EPI_NAME, READ,
     km__epicor_extra_get_by_user_key},
    {"Erp.BO.CompanySvc", "GetByID", KM_EPI_NAME, READ,
     km__epicor_extra_company_get},
    {"Ice.BO.UserFileSvc", "GetByID", KM_EPI_NAME, READ,
     km__epicor_extra_user_get},
    {"Ice.LIB.SessionModSvc", "Login", KM_EPI_NAME, POST,
     km__epicor_extra_login},
    {"Ice.LIB.SessionModSvc", "Logout", KM_EPI_NAME, POST,
     km__epicor_extra_logout},
    {"Ice.LIB.TokenServiceSvc", "GetAccessToken", KM_EPI_NAME, POST,
     km__epicor_extra_get_token},
    {"Ice.LIB.TokenServiceSvc", "IsTokenAuthenticationEnabled", KM_EPI_NAME,
     POST, km__epicor_extra_token_enabled},
    {"Ice.LIB.TokenServiceSvc", "IsTokenValid", KM_EPI_NAME, POST,
     km__epicor_extra_token_valid},
    {PO, "ChangeDetailPartNum", KM_EPI_NAME, POST,
     km__epicor_po_change_detail_part},
};

const size_t km__epicor_nmethods =
    sizeof(km__epicor_methods) / sizeof(km__epicor_methods[0]);

static int name_matches(const struct km__epicor_method_def *row,
                        const char *service, const char *method)
{
    size_t n = strlen(row->name);

    switch (row->match) {
    case KM_EPI_NAME:
        return strcmp(row->name, method) == 0;
    case KM_EPI_PREFIX:
        return strncmp(row->name, method, n) == 0;
    case KM_EPI_NEW_TABLE:
        return strncmp(row->name, method, n) == 0 &&
               km__epicor_def_by_table(service, method + n) != NULL;
    }
    return 0;
}

const struct km__epicor_method_def *km__epicor_method_find(const char *service,
                                                           const char *method)
{
    const struct km__epicor_method_def *best = NULL;
    const struct km__epicor_tabledef *primary = km__epicor_primary(service);
    int best_rank = -1;

    for (size_t i = 0; i < km__epicor_nmethods; i++) {
        const struct km__epicor_method_def *row = &km__epicor_methods[i];
        int own = strcmp(row->service, service) == 0;
        int rank = 2 * own + (row->match == KM_EPI_NAME);
        /* The generic methods need a table to work on. */
        int generic = strcmp(row->service, "*") == 0 && primary != NULL;

        if ((own || generic) && rank > best_rank &&
            name_matches(row, service, method)) {
            best = row;
            best_rank = rank;
        }
    }
    return best;
}

/* The parameters of a call by a verb the method takes (verbs): the v2
 * query string for GET, the body for POST. NULL after replying 405 or
 * 400. */
static cJSON *method_params(struct km__epicor_call *c, unsigned verbs,
                            const char *method)
{
    const struct km_request *req = c->req;
    cJSON *params = NULL;

    if (strcmp(req->method, "GET") == 0 && !c->v1 && (verbs & KM_EPI_GET)) {
        params = cJSON_CreateObject();
        km_request_args_each(req, add_arg, params);
    } else if (strcmp(req->method, "POST") == 0 && (verbs & KM_EPI_POST)) {
        params = req->body_len ? km_request_json(req) : cJSON_CreateObject();
        if (!cJSON_IsObject(params)) {
            cJSON_Delete(params);
            params = NULL;
            km__epicor_error(c, 400, NULL,
                             "Unable to deserialize the request body of %s.",
                             method);
        }
    } else {
        km__epicor_error(c, 405, "Epicor.RESTApi.ErrorHandling.ApiException",
                         "The requested resource does not support http "
                         "method '%s'.",
                         req->method);
    }
    return params;
}

void km__epicor_method(struct km__epicor_call *c, const char *method)
{
    const struct km__epicor_method_def *row =
        km__epicor_method_find(c->service, method);
    cJSON *params = method_params(c, row ? row->verbs : KM_EPI_POST, method);

    if (!params)
        return;
    km__epicor_inconv(params);
    c->method = method;
    if (row) {
        /* Pre-processing directives may answer instead (bpm.c). */
        if (km__epicor_bpm_pre(c, params) == 0)
            row->handler(c, method, params);
    } else {
        km__epicor_error(c, 404, "Epicor.RESTApi.ErrorHandling.ApiException",
                         "Method '%s' was not found in %s.", method,
                         c->service);
    }
    cJSON_Delete(params);
}
