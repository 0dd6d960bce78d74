/*
 * BAQs (GET .../BaqSvc/{BaqID}/Data) and Epicor Functions (POST
 * .../api/v2/efx/[staging/]{Company}/{Library}/{Function}).
 *
 * BAQ rows come from the configuration (or, with "source", from the
 * emulator's tables at the time of the call: jobs.c), each given a RowIdent
 * GUID-like counter; parameters are query-string arguments named exactly as the
 * BAQ defines them (others are ignored, as live calls showed); a parameter with
 * a "column" keeps only rows whose column equals it. $filter, $select,
 * $orderby, $top and $skip apply to the rows. No page cap: none is documented
 * for BAQs.
 *
 * Functions: published ones answer on both URLs, staged-only ones only on
 * /efx/staging (the published URL gives 404, as for a demoted function).
 * A soft failure is still a 200; "error" is a BLException (400 with the
 * error body); "throw" is an unexpected exception (500 with the
 * Correlation ID text).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <kx/json.h>
#include "epicor_emu.h"

#define API_EXC "Epicor.RESTApi.ErrorHandling.ApiException"

static const cJSON *find_baq(struct km__epicor *emu, const char *id)
{
    const cJSON *b;

    cJSON_ArrayForEach(b, emu->baqs)
    {
        if (strcasecmp(kx_json_str(b, "id"), id) == 0)
            return b;
    }
    return NULL;
}

static int value_matches(const cJSON *v, const char *want)
{
    char buf[64];

    if (cJSON_IsString(v))
        return strcmp(v->valuestring, want) == 0;
    if (cJSON_IsNumber(v)) {
        snprintf(buf, sizeof(buf), "%.15g", v->valuedouble);
        return strcmp(buf, want) == 0;
    }
    if (cJSON_IsBool(v))
        return strcmp(want, cJSON_IsTrue(v) ? "true" : "false") == 0;
    return 0;
}

void km__epicor_baq(struct km__epicor_call *c, const char *id, int data)
{
    const cJSON *baq = find_baq(c->emu, id), *p, *r, *src;
    cJSON *rows, *out, *o, *live;
    struct km__odata_query q;
    char ctx[600], ident[64];
    long count, n = 0;

    if (!baq) {
        km__epicor_error(c, 404, API_EXC, "BAQ '%s' was not found.", id);
        return;
    }
    if (strcmp(c->req->method, "GET") != 0) {
        km__epicor_error(c, 405, API_EXC,
                         "The requested resource does not support http "
                         "method '%s'.",
                         c->req->method);
        return;
    }
    snprintf(ctx, sizeof(ctx), "%s/%s/api/%s%s/BaqSvc/%s/$metadata%s",
             c->req->base_url, c->emu->instance, c->v1 ? "v1" : "v2/odata/",
             c->v1 ? "" : c->co->id, kx_json_str(baq, "id"),
             data ? "#Data" : "");
    if (!data) { /* a resource descriptor, not rows */
        cJSON *arr, *e;

        o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, c->v1 ? "odata.metadata" : "@odata.context",
                                ctx);
        arr = cJSON_AddArrayToObject(o, "value");
        e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", "Data");
        cJSON_AddStringToObject(e, "kind", "EntitySet");
        cJSON_AddStringToObject(e, "url", "Data");
        cJSON_AddItemToArray(arr, e);
        km__epicor_reply(c, 200, o);
        return;
    }
    rows = cJSON_CreateArray();
    live = km__epicor_baq_source(c, kx_json_str(baq, "source"));
    src = live ? live : cJSON_GetObjectItemCaseSensitive(baq, "rows");
    cJSON_ArrayForEach(r, src)
    {
        cJSON *row = cJSON_Duplicate(r, 1);

        snprintf(ident, sizeof(ident), "%08lx-0000-0000-0000-000000000000",
                 ++n);
        if (!cJSON_HasObjectItem(row, "RowIdent"))
            cJSON_AddStringToObject(row, "RowIdent", ident);
        cJSON_AddItemToArray(rows, row);
    }
    cJSON_Delete(live);
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(baq, "parameters"))
    {
        const char *name =
            cJSON_IsString(p) ? p->valuestring : kx_json_str(p, "name");
        const cJSON *req = cJSON_GetObjectItemCaseSensitive(p, "required");
        const char *col = kx_json_str(p, "column");
        const char *val = name ? km_request_arg(c->req, name) : NULL;
        cJSON *row, *next;

        if (!name)
            continue;
        if (!val && (cJSON_IsString(p) || !cJSON_IsFalse(req))) {
            cJSON_Delete(rows);
            km__epicor_error(c, 400, "Ice.BLException",
                             "Parameter '%s' of BAQ '%s' is required but was "
                             "not supplied.",
                             name, kx_json_str(baq, "id"));
            return;
        }
        for (row = rows->child; val && col && row; row = next) {
            next = row->next;
            if (!value_matches(cJSON_GetObjectItemCaseSensitive(row, col), val))
                cJSON_Delete(cJSON_DetachItemViaPointer(rows, row));
        }
    }
    if (km__odata_query_from_request(&q, c)) {
        cJSON_Delete(rows);
        return;
    }
    out = km__odata_query_run_array(&q, c->emu, rows, 1L << 30, &count);
    cJSON_Delete(rows);
    km__odata_query_project(&q, out);
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, c->v1 ? "odata.metadata" : "@odata.context",
                            ctx);
    if (q.count)
        cJSON_AddNumberToObject(o, c->v1 ? "odata.count" : "@odata.count",
                                (double)count);
    cJSON_AddItemToObject(o, "value", out);
    km__odata_query_dispose(&q);
    km__epicor_reply(c, 200, o);
}

static int in_list(const cJSON *list, const char *s)
{
    const cJSON *it;

    cJSON_ArrayForEach(it, list)
    {
        if (cJSON_IsString(it) && strcasecmp(it->valuestring, s) == 0)
            return 1;
    }
    return 0;
}

void km__epicor_efx(struct km__epicor_call *c, const char *company,
                    const char *library, const char *function, int staging)
{
    const cJSON *fn = NULL, *it, *res, *err, *companies;
    cJSON *body, *call;
    char scope[200];

    if (strcmp(c->req->method, "POST") != 0) {
        km__epicor_error(c, 405, API_EXC,
                         "The requested resource does not support http "
                         "method '%s'.",
                         c->req->method);
        return;
    }
    snprintf(scope, sizeof(scope), "efx/%s", library);
    if (!km__epicor_scope_ok(c, scope))
        return;
    c->co = km__epicor_company_find(c->emu, company);
    cJSON_ArrayForEach(it, c->emu->functions)
    {
        if (strcasecmp(kx_json_str(it, "library"), library) == 0 &&
            strcasecmp(kx_json_str(it, "function"), function) == 0)
            fn = it;
    }
    companies = cJSON_GetObjectItemCaseSensitive(fn, "companies");
    if (!fn || !c->co || (companies && !in_list(companies, company)) ||
        (!staging &&
         cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(fn, "published")))) {
        km__epicor_error(c, 404, API_EXC,
                         "Function '%s/%s' was not found or is not published "
                         "for company '%s'.",
                         library, function, company);
        return;
    }
    body = c->req->body_len ? km_request_json(c->req) : cJSON_CreateObject();
    if (!cJSON_IsObject(body)) {
        cJSON_Delete(body);
        km__epicor_error(c, 400, API_EXC,
                         "Unable to deserialize the request "
                         "body as the function's parameters.");
        return;
    }
    call = cJSON_CreateObject();
    cJSON_AddStringToObject(call, "library", kx_json_str(fn, "library"));
    cJSON_AddStringToObject(call, "function", kx_json_str(fn, "function"));
    cJSON_AddStringToObject(call, "company", c->co->id);
    cJSON_AddBoolToObject(call, "staging", staging);
    cJSON_AddItemToObject(call, "body", cJSON_Duplicate(body, 1));
    cJSON_AddItemToArray(c->emu->efx_calls, call);
    res = cJSON_GetObjectItemCaseSensitive(fn, "result");
    err = cJSON_GetObjectItemCaseSensitive(fn, "error");
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fn, "throw"))) {
        km__epicor_error(c, 500, NULL, "unexpected");
        cJSON_Delete(body);
    } else if (err) {
        const char *msg = kx_json_str(err, "message");
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(err, "status");

        km__epicor_error(c, cJSON_IsNumber(st) ? (int)st->valuedouble : 400,
                         "Ice.BLException", "%s",
                         msg ? msg : "The function raised a business error.");
        cJSON_Delete(body);
    } else if (cJSON_IsString(res) && strcmp(res->valuestring, "echo") == 0) {
        km__epicor_reply(c, 200, body);
    } else {
        cJSON_Delete(body);
        km__epicor_reply(c, 200,
                         cJSON_IsObject(res) ? cJSON_Duplicate(res, 1)
                                             : cJSON_CreateObject());
    }
}

/* The library object of lib in arr, added when missing. */
static cJSON *library_entry(cJSON *arr, const char *lib)
{
    cJSON *e;

    cJSON_ArrayForEach(e, arr)
    {
        if (strcasecmp(kx_json_str(e, "LibraryID"), lib) == 0)
            return e;
    }
    e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "LibraryID", lib);
    cJSON_AddArrayToObject(e, "Functions");
    cJSON_AddItemToArray(arr, e);
    return e;
}

void km__epicor_efx_list(struct km__epicor_call *c, const char *company,
                         const char *library)
{
    cJSON *arr = cJSON_CreateArray(), *o;
    const cJSON *fn;
    char scope[200];

    c->co = km__epicor_company_find(c->emu, company);
    cJSON_ArrayForEach(fn, c->emu->functions)
    {
        const char *lib = kx_json_str(fn, "library");
        const cJSON *cos = cJSON_GetObjectItemCaseSensitive(fn, "companies");
        cJSON *f;

        snprintf(scope, sizeof(scope), "efx/%s", lib);
        if (!c->co || (cos && !in_list(cos, company)) ||
            (library && strcasecmp(lib, library) != 0))
            continue;
        if (c->key && c->key->scope && !in_list(c->key->scope, "efx") &&
            !in_list(c->key->scope, scope))
            continue; /* a scoped key sees only its libraries */
        f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "FunctionID", kx_json_str(fn, "function"));
        cJSON_AddBoolToObject(
            f, "Published",
            !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(fn, "published")));
        cJSON_AddItemToArray(
            cJSON_GetObjectItem(library_entry(arr, lib), "Functions"), f);
    }
    if (library && cJSON_GetArraySize(arr) == 0) {
        cJSON_Delete(arr);
        km__epicor_error(c, 404, API_EXC,
                         "Library '%s' was not found for company '%s'.",
                         library, company);
        return;
    }
    if (library) {
        o = cJSON_DetachItemFromArray(arr, 0);
        cJSON_Delete(arr);
    } else {
        o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "value", arr);
    }
    km__epicor_reply(c, 200, o);
}
