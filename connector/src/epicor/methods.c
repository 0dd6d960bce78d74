/*
 * BO method calls (POST .../{Service}/{Method}, reply {"returnObj",
 * "parameters"}), customer creation, and Epicor Functions.
 */
#include <stdio.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "epicor_int.h"

ks_rc ks_epicor_call(cJSON **out, struct ks_epicor *epi, const char *service,
                     const char *method, const cJSON *body)
{
    char *rest = NULL, *url = NULL;
    cJSON *empty = NULL;
    ks_rc rc = KS_ENOMEM;

    *out = NULL;
    rest = ks__aprintf("%s/%s", service, method);
    if (!rest)
        goto out;
    if (!body) {
        empty = cJSON_CreateObject();
        if (!empty)
            goto out;
        body = empty;
    }
    rc = ks__epicor_odata_url(&url, epi, rest, NULL);
    if (rc)
        goto out;
    rc = ks__epicor_json(out, epi, "POST", url, body);
out:
    cJSON_Delete(empty);
    ks__free(url);
    ks__free(rest);
    return rc;
}

ks_rc ks__epicor_call_ds(cJSON **ds, cJSON **params, struct ks_epicor *epi,
                         const char *service, const char *method, cJSON *body)
{
    cJSON *reply = NULL, *p;
    ks_rc rc;

    *ds = NULL;
    if (params)
        *params = NULL;
    if (!body)
        return KS_ENOMEM; /* a body built by the caller ran out of memory */
    rc = ks_epicor_call(&reply, epi, service, method, body);
    if (rc)
        goto out;
    p = cJSON_GetObjectItemCaseSensitive(reply, "parameters");
    *ds = cJSON_DetachItemFromObjectCaseSensitive(p, "ds");
    if (!cJSON_IsObject(*ds)) {
        cJSON_Delete(*ds);
        *ds = NULL;
        rc = ks__error_set(ks__client_error(epi->client), KS_EPARSE, 200,
                           "epicor: %s/%s: no parameters.ds in the reply",
                           service, method);
        goto out;
    }
    if (params)
        *params = cJSON_DetachItemViaPointer(reply, p);
out:
    cJSON_Delete(reply);
    return rc;
}

cJSON *ks__epicor_ds_row(cJSON *ds, const char *table)
{
    cJSON *rows = cJSON_GetObjectItemCaseSensitive(ds, table), *r, *last = NULL;

    cJSON_ArrayForEach(r, rows)
    {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(r, "RowMod");

        if (cJSON_IsString(m) && (strcmp(m->valuestring, "A") == 0 ||
                                  strcmp(m->valuestring, "U") == 0))
            return r;
        last = r;
    }
    return last;
}

ks_rc ks__epicor_set(cJSON *row, const char *field, cJSON *value)
{
    if (!value)
        return KS_ENOMEM;
    if (cJSON_HasObjectItem(row, field))
        return cJSON_ReplaceItemInObjectCaseSensitive(row, field, value)
                   ? KS_OK
                   : (cJSON_Delete(value), KS_ENOMEM);
    if (!cJSON_AddItemToObject(row, field, value)) {
        cJSON_Delete(value);
        return KS_ENOMEM;
    }
    return KS_OK;
}

cJSON *ks__epicor_body_new_ds(void)
{
    cJSON *body = cJSON_CreateObject();

    if (body && !cJSON_AddObjectToObject(body, "ds")) {
        cJSON_Delete(body);
        return NULL;
    }
    return body;
}

cJSON *ks__epicor_body_ds(cJSON *ds)
{
    cJSON *body = cJSON_CreateObject();

    if (!body || !ds) {
        cJSON_Delete(body);
        return NULL;
    }
    if (!cJSON_AddItemReferenceToObject(body, "ds", ds)) {
        cJSON_Delete(body);
        return NULL;
    }
    return body;
}

ks_rc ks__epicor_step(cJSON **ds, struct ks_epicor *epi, const char *service,
                      const char *method, cJSON *body)
{
    cJSON *next = NULL;
    ks_rc rc = ks__epicor_call_ds(&next, NULL, epi, service, method, body);

    cJSON_Delete(body);
    if (rc)
        return rc;
    cJSON_Delete(*ds);
    *ds = next;
    return KS_OK;
}

cJSON *ks__epicor_body_ds_with(cJSON *ds, const char *name, cJSON *value)
{
    cJSON *body = ks__epicor_body_ds(ds);

    if (!body || !value || !cJSON_AddItemToObject(body, name, value)) {
        cJSON_Delete(value);
        cJSON_Delete(body);
        return NULL;
    }
    return body;
}

ks_rc ks__epicor_set_str(cJSON *row, const char *field, const char *value)
{
    if (!value)
        return KS_OK;
    return ks__epicor_set(row, field, cJSON_CreateString(value));
}

ks_rc ks__epicor_row_num(int64_t *out, struct ks_epicor *epi, const cJSON *row,
                         const char *field)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, field);

    *out = 0;
    if (!cJSON_IsNumber(v) || v->valuedouble <= 0)
        return ks__error_set(ks__client_error(epi->client), KS_EPARSE, 200,
                             "epicor: the saved row has no %s", field);
    *out = (int64_t)v->valuedouble;
    return KS_OK;
}

ks_rc ks_epicor_customer_create(int64_t *cust_num, struct ks_epicor *epi,
                                const cJSON *fields)
{
    static const char svc[] = "Erp.BO.CustomerSvc";
    cJSON *ds = NULL, *saved = NULL, *body = NULL, *row;
    const cJSON *f;
    ks_rc rc;

    *cust_num = 0;
    body = ks__epicor_body_new_ds();
    rc = ks__epicor_call_ds(&ds, NULL, epi, svc, "GetNewCustomer", body);
    cJSON_Delete(body);
    body = NULL;
    if (rc)
        goto out;
    row = ks__epicor_ds_row(ds, "Customer");
    if (!row) {
        rc = ks__error_set(ks__client_error(epi->client), KS_EPARSE, 200,
                           "epicor: GetNewCustomer gave no Customer row");
        goto out;
    }
    cJSON_ArrayForEach(f, fields)
    {
        rc = ks__epicor_set(row, f->string, cJSON_Duplicate(f, 1));
        if (rc)
            goto out;
    }
    rc = ks__epicor_set(row, "RowMod", cJSON_CreateString("A"));
    if (rc)
        goto out;
    body = ks__epicor_body_ds(ds);
    rc = ks__epicor_call_ds(&saved, NULL, epi, svc, "Update", body);
    if (rc)
        goto out;
    rc = ks__epicor_row_num(cust_num, epi, ks__epicor_ds_row(saved, "Customer"),
                            "CustNum");
out:
    cJSON_Delete(body);
    cJSON_Delete(saved);
    cJSON_Delete(ds);
    return rc;
}

ks_rc ks_epicor_efx(cJSON **out, struct ks_epicor *epi, const char *library,
                    const char *function, const cJSON *params, int staging)
{
    char *co = curl_easy_escape(NULL, epi->company, 0);
    char *lib = curl_easy_escape(NULL, library, 0);
    char *fn = curl_easy_escape(NULL, function, 0);
    char *rest = NULL, *url = NULL;
    cJSON *empty = NULL;
    ks_rc rc = KS_ENOMEM;

    *out = NULL;
    if (!co || !lib || !fn)
        goto out;
    /* Unpublished functions answer only under /efx/staging/. */
    rest = ks__aprintf("api/v2/efx/%s%s/%s/%s", staging ? "staging/" : "", co,
                       lib, fn);
    if (!rest)
        goto out;
    if (!params) {
        empty = cJSON_CreateObject();
        if (!empty)
            goto out;
        params = empty;
    }
    rc = ks__epicor_root_url(&url, epi, rest);
    if (rc)
        goto out;
    rc = ks__epicor_json(out, epi, "POST", url, params);
out:
    cJSON_Delete(empty);
    ks__free(url);
    ks__free(rest);
    curl_free(fn);
    curl_free(lib);
    curl_free(co);
    return rc;
}

/* The Part tableset of part_num from GetByID (GET in v2, where POST is
 * deprecated for read methods; v1 only takes POST). */
static ks_rc part_get_by_id(cJSON **ds, struct ks_epicor *epi,
                            const char *part_num)
{
    const char *const args[] = {"partNum", part_num, NULL};
    cJSON *reply = NULL, *body = NULL;
    char *url = NULL;
    ks_rc rc;

    *ds = NULL;
    if (epi->api_version == 1) {
        body = cJSON_CreateObject();
        if (!body || !cJSON_AddStringToObject(body, "partNum", part_num)) {
            rc = KS_ENOMEM;
            goto out;
        }
        rc = ks_epicor_call(&reply, epi, "Erp.BO.PartSvc", "GetByID", body);
    } else {
        rc = ks__epicor_odata_url(&url, epi, "Erp.BO.PartSvc/GetByID", args);
        if (!rc)
            rc = ks__epicor_json(&reply, epi, "GET", url, NULL);
    }
    if (rc)
        goto out;
    *ds = cJSON_DetachItemFromObjectCaseSensitive(reply, "returnObj");
    if (!ks__epicor_ds_row(*ds, "Part"))
        rc = ks__error_set(ks__client_error(epi->client), KS_EPARSE, 200,
                           "epicor: PartSvc/GetByID gave no Part row");
out:
    if (rc) {
        cJSON_Delete(*ds);
        *ds = NULL;
    }
    cJSON_Delete(reply);
    cJSON_Delete(body);
    ks__free(url);
    return rc;
}

/* Keeps only the table of a tableset that is being saved, so unchanged
 * child rows (PartWhse, PartPlant, ...) are not sent back. */
static ks_rc only_table(cJSON *ds, const char *table)
{
    cJSON *t = ds->child, *next;

    for (; t; t = next) {
        next = t->next;
        if (!t->string || strcmp(t->string, table) != 0)
            cJSON_Delete(cJSON_DetachItemViaPointer(ds, t));
    }
    return cJSON_GetObjectItemCaseSensitive(ds, table) ? KS_OK : KS_EPARSE;
}

ks_rc ks_epicor_part_upsert(int *created, struct ks_epicor *epi,
                            const char *part_num, const cJSON *fields)
{
    static const char svc[] = "Erp.BO.PartSvc";
    cJSON *ds = NULL, *saved = NULL, *body = NULL, *row;
    const char *mod = "U";
    const cJSON *f;
    ks_rc rc;

    if (created)
        *created = 0;
    rc = part_get_by_id(&ds, epi, part_num);
    if (rc == KS_ENOTFOUND) {
        /* Not there: start from the defaults GetNewPart proposes (the
         * next request clears the 404 from the client's error). */
        mod = "A";
        body = cJSON_CreateObject();
        if (body && !cJSON_AddObjectToObject(body, "ds")) {
            cJSON_Delete(body);
            body = NULL;
        }
        rc = ks__epicor_call_ds(&ds, NULL, epi, svc, "GetNewPart", body);
        cJSON_Delete(body);
        body = NULL;
    }
    if (rc)
        goto out;
    rc = only_table(ds, "Part");
    row = ks__epicor_ds_row(ds, "Part");
    if (rc || !row) {
        rc = ks__error_set(ks__client_error(epi->client), KS_EPARSE, 200,
                           "epicor: PartSvc gave no Part row to change");
        goto out;
    }
    if (*mod == 'A')
        rc = ks__epicor_set(row, "PartNum", cJSON_CreateString(part_num));
    cJSON_ArrayForEach(f, fields)
    {
        if (!rc && strcmp(f->string, "PartNum") != 0)
            rc = ks__epicor_set(row, f->string, cJSON_Duplicate(f, 1));
    }
    if (!rc)
        rc = ks__epicor_set(row, "RowMod", cJSON_CreateString(mod));
    if (rc)
        goto out;
    body = ks__epicor_body_ds(ds);
    rc = ks__epicor_call_ds(&saved, NULL, epi, svc, "Update", body);
    if (!rc && created)
        *created = *mod == 'A';
out:
    cJSON_Delete(body);
    cJSON_Delete(saved);
    cJSON_Delete(ds);
    return rc;
}
