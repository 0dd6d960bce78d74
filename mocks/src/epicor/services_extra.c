/*
 * Services a client touches besides the tables of defs.c (README.md,
 * "Services beyond the tables", names and shapes from the swagger of a
 * live instance, reference SW):
 *
 * - Erp.BO.CompanySvc: entity set Companies (key Company1, the company id
 *   renamed as GLAccount1 is) and GetByID {company}; the companies the
 *   emulator holds. The getting-started flow's first call.
 * - Ice.BO.UserFileSvc: UserFiles (key UserID) and GetByID {userID}; the
 *   configured users, never their passwords.
 * - Ice.LIB.SessionModSvc: Login (returnObj: a session id) and Logout.
 * - Ice.LIB.TokenServiceSvc: GetAccessToken (a TokenService row holding
 *   a token the emulator honours), IsTokenAuthenticationEnabled,
 *   IsTokenValid {token, userId}.
 * - Erp.BO.OrderDtlSearchSvc: OrderDtlSearches over the order lines, its
 *   $filter bound to the line's own type (the way out of the child-set
 *   quirk); GetByID/GetList/GetRows through the generic methods.
 * - GetBy<UserKey>: VendorSvc GetByVendID {vendorID}, CustomerSvc
 *   GetByCustID {custID, withShipTo}: the tableset of the row whose user
 *   key matches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <kx/json.h>
#include "epicor_emu.h"

#define API_EXC "Epicor.RESTApi.ErrorHandling.ApiException"
#define COMPANY_SVC "Erp.BO.CompanySvc"
#define USER_SVC "Ice.BO.UserFileSvc"
#define SEARCH_SVC "Erp.BO.OrderDtlSearchSvc"

const struct km__epicor_tabledef *km__epicor_search_table(const char *service)
{
    return service && strcmp(service, SEARCH_SVC) == 0
               ? &km__epicor_defs[T_ORDERDTL]
               : NULL;
}

int km__epicor_extra_has_set(const char *service, const char *set)
{
    return (strcmp(service, COMPANY_SVC) == 0 &&
            strcmp(set, "Companies") == 0) ||
           (strcmp(service, USER_SVC) == 0 && strcmp(set, "UserFiles") == 0) ||
           (strcmp(service, SEARCH_SVC) == 0 &&
            strcmp(set, "OrderDtlSearches") == 0);
}

static cJSON *company_row(const struct km__epicor_company *co)
{
    cJSON *r = cJSON_CreateObject();

    cJSON_AddStringToObject(r, "Company", co->id);
    cJSON_AddStringToObject(r, "Company1", co->id);
    cJSON_AddStringToObject(r, "Name", co->id);
    cJSON_AddStringToObject(r, "Address1", "");
    cJSON_AddStringToObject(r, "City", "");
    cJSON_AddStringToObject(r, "State", "");
    cJSON_AddStringToObject(r, "Zip", "");
    cJSON_AddStringToObject(r, "Country", "");
    cJSON_AddStringToObject(r, "PhoneNum", "");
    cJSON_AddNumberToObject(r, "SysRevID", 1);
    cJSON_AddStringToObject(r, "RowMod", "");
    return r;
}

static cJSON *user_row(const struct km__epicor *emu,
                       const struct km__epicor_user *u)
{
    cJSON *r = cJSON_CreateObject();
    const char *cur = u->company ? u->company : emu->companies[0]->id;
    char list[512] = "";

    for (size_t i = 0; i < emu->ncompanies; i++) {
        size_t n = strlen(list);

        snprintf(list + n, sizeof(list) - n, "%s%s", i ? "~" : "",
                 emu->companies[i]->id);
    }
    cJSON_AddStringToObject(r, "UserID", u->username);
    cJSON_AddStringToObject(r, "Name", u->username);
    cJSON_AddStringToObject(r, "EMailAddress", "");
    cJSON_AddFalseToObject(r, "UserDisabled");
    cJSON_AddFalseToObject(r, "SecurityMgr");
    cJSON_AddStringToObject(r, "CurComp", cur);
    cJSON_AddStringToObject(r, "CompList", list);
    cJSON_AddStringToObject(r, "RowMod", "");
    return r;
}

/* All rows of an array-backed set (Companies, UserFiles). */
static cJSON *set_rows(struct km__epicor_call *c, const char *set)
{
    cJSON *rows = cJSON_CreateArray();

    if (strcmp(set, "Companies") == 0) {
        for (size_t i = 0; i < c->emu->ncompanies; i++)
            cJSON_AddItemToArray(rows, company_row(c->emu->companies[i]));
    } else {
        for (size_t i = 0; i < c->emu->nusers; i++)
            cJSON_AddItemToArray(rows, user_row(c->emu, &c->emu->users[i]));
    }
    return rows;
}

/* "('X')" or "(Company1='X')" / "(UserID='X')": the quoted value. */
static int single_key(char *out, size_t n, const char *paren)
{
    const char *q = strchr(paren, '\''), *e;

    if (!q || !(e = strchr(q + 1, '\'')) || e[1] != ')' || e[2])
        return -1;
    snprintf(out, n, "%.*s", (int)(e - q - 1), q + 1);
    return 0;
}

static void keyed(struct km__epicor_call *c, const char *set, const char *paren)
{
    cJSON *rows = set_rows(c, set), *r, *hit = NULL;
    const char *field = strcmp(set, "Companies") == 0 ? "Company1" : "UserID";
    char want[256];

    if (single_key(want, sizeof(want), paren)) {
        km__epicor_error(c, 400, API_EXC, "Bad key segment '%s'.", paren);
        cJSON_Delete(rows);
        return;
    }
    cJSON_ArrayForEach(r, rows)
    {
        if (strcasecmp(kx_json_str_or(r, field, ""), want) == 0)
            hit = r;
    }
    if (hit)
        km__epicor_reply(c, 200, cJSON_DetachItemViaPointer(rows, hit));
    else
        km__epicor_error(c, 404, NULL, "Record not found.");
    cJSON_Delete(rows);
}

void km__epicor_extra_odata(struct km__epicor_call *c)
{
    const char *seg = km_request_param(c->req, "entity_set");
    const char *paren = strchr(seg, '(');
    char set[64];
    struct km__odata_query q;
    cJSON *rows, *all;
    long count;

    snprintf(set, sizeof(set), "%.*s",
             (int)(paren ? (size_t)(paren - seg) : strlen(seg)), seg);
    if (strcmp(c->req->method, "GET") != 0 ||
        km_request_param(c->req, "navigation")) {
        km__epicor_error(c, 405, API_EXC,
                         "The requested resource does not support http "
                         "method '%s'.",
                         c->req->method);
        return;
    }
    if (km__odata_query_from_request(&q, c))
        return;
    if (strcmp(set, "OrderDtlSearches") == 0) {
        /* The search service binds $filter to OrderDtl itself, whatever
         * child_filter_quirk does to SalesOrderSvc/OrderDtls. */
        int quirk = c->emu->child_filter_quirk;
        struct km__epicor_table *t = &c->co->t[T_ORDERDTL];

        c->emu->child_filter_quirk = 0;
        if (km__odata_query_validate(c, &q, t) == 0) {
            rows = km__odata_query_run(&q, c->emu, t, NULL, c->emu->page_cap, 0,
                                       &count);
            km__odata_query_project(&q, rows);
            km__epicor_envelope(c, set, rows, q.count, count);
        }
        c->emu->child_filter_quirk = quirk;
    } else if (paren) {
        keyed(c, set, paren);
    } else {
        all = set_rows(c, set);
        rows = km__odata_query_run_array(&q, c->emu, all, c->emu->page_cap,
                                         &count);
        cJSON_Delete(all);
        km__odata_query_project(&q, rows);
        km__epicor_envelope(c, set, rows, q.count, count);
    }
    km__odata_query_dispose(&q);
}

/* returnObj {table: [row], ExtensionTables: []} of the row of set whose
 * field is want; 404 without one. */
static void by_field(struct km__epicor_call *c, const char *set,
                     const char *table, const char *field, const char *want)
{
    cJSON *rows = set_rows(c, set), *r, *ts;

    cJSON_ArrayForEach(r, rows)
    {
        if (want && strcasecmp(kx_json_str_or(r, field, ""), want) == 0)
            break;
    }
    if (!r) {
        km__epicor_error(c, 404, NULL, "Record not found.");
    } else {
        ts = cJSON_CreateObject();
        cJSON_AddItemToArray(cJSON_AddArrayToObject(ts, table),
                             cJSON_DetachItemViaPointer(rows, r));
        cJSON_AddArrayToObject(ts, "ExtensionTables");
        km__epicor_method_reply(c, ts, NULL);
    }
    cJSON_Delete(rows);
}

void km__epicor_extra_company_get(struct km__epicor_call *c, const char *m,
                                  cJSON *params)
{
    (void)m;
    by_field(c, "Companies", "Company", "Company1",
             kx_json_str(params, "company"));
}

void km__epicor_extra_user_get(struct km__epicor_call *c, const char *m,
                               cJSON *params)
{
    (void)m;
    by_field(c, "UserFiles", "UserFile", "UserID",
             kx_json_str(params, "userID"));
}

/* Login answers a session id (returnObj, a GUID); Logout ends the
 * caller's latest one. Both are recorded in session_mods so a scenario
 * can see them. */
void km__epicor_extra_login(struct km__epicor_call *c, const char *m,
                            cJSON *params)
{
    char guid[37];
    cJSON *s = cJSON_CreateObject();

    (void)m;
    (void)params;
    km__epicor_guid(c->emu, guid);
    cJSON_AddStringToObject(s, "session_id", guid);
    cJSON_AddStringToObject(s, "user", c->user ? c->user : "");
    cJSON_AddStringToObject(s, "company", c->co->id);
    cJSON_AddItemToArray(c->emu->session_mods, s);
    km__epicor_method_reply(c, cJSON_CreateString(guid), NULL);
}

void km__epicor_extra_logout(struct km__epicor_call *c, const char *m,
                             cJSON *params)
{
    int n = cJSON_GetArraySize(c->emu->session_mods);

    (void)m;
    (void)params;
    for (int i = n - 1; i >= 0; i--) {
        cJSON *s = cJSON_GetArrayItem(c->emu->session_mods, i);

        if (strcmp(kx_json_str_or(s, "user", ""), c->user ? c->user : "") ==
            0) {
            cJSON_DeleteItemFromArray(c->emu->session_mods, i);
            break;
        }
    }
    km__epicor_method_reply(c, NULL, NULL);
}

void km__epicor_extra_get_token(struct km__epicor_call *c, const char *m,
                                cJSON *params)
{
    cJSON *ret = cJSON_CreateObject(), *row = cJSON_CreateObject();
    char guid[37];

    (void)m;
    (void)params;
    km__epicor_guid(c->emu, guid);
    cJSON_AddStringToObject(row, "AccessToken",
                            km__epicor_issue_token(c->emu, c->user));
    cJSON_AddNumberToObject(row, "ExpiresIn", (double)c->emu->token_lifetime_s);
    cJSON_AddStringToObject(row, "RefreshToken", "");
    cJSON_AddStringToObject(row, "TokenType", "Bearer");
    cJSON_AddStringToObject(row, "SysRowID", guid);
    cJSON_AddStringToObject(row, "RowMod", "");
    cJSON_AddItemToArray(cJSON_AddArrayToObject(ret, "TokenService"), row);
    cJSON_AddArrayToObject(ret, "ExtensionTables");
    km__epicor_method_reply(c, ret, NULL);
}

void km__epicor_extra_token_enabled(struct km__epicor_call *c, const char *m,
                                    cJSON *params)
{
    (void)m;
    (void)params;
    km__epicor_method_reply(c, cJSON_CreateTrue(), NULL);
}

void km__epicor_extra_token_valid(struct km__epicor_call *c, const char *m,
                                  cJSON *params)
{
    const char *user = kx_json_str(params, "userId");

    (void)m;
    km__epicor_method_reply(
        c,
        cJSON_CreateBool(km__epicor_token_live(
            c->emu, kx_json_str(params, "token"), user && *user ? user : NULL)),
        NULL);
}

/* GetByVendID {vendorID} / GetByCustID {custID}: the header row whose
 * user key (VendorID, CustID) matches, as GetByID's tableset. */
void km__epicor_extra_get_by_user_key(struct km__epicor_call *c, const char *m,
                                      cJSON *params)
{
    int vend = strcmp(m, "GetByVendID") == 0;
    const struct km__epicor_tabledef *d =
        &km__epicor_defs[vend ? T_VENDOR : T_CUSTOMER];
    struct km__epicor_table *t = &c->co->t[d->id];
    const char *want = kx_json_str(params, vend ? "vendorID" : "custID");

    struct km__epicor_row *r =
        km__epicor_scan(t, vend ? "VendorID" : "CustID", want, c->emu->ci);

    if (r)
        km__epicor_method_reply(c, km__epicor_tableset(c, d, r->key), NULL);
    else
        km__epicor_error(c, 404, NULL, "%s '%s' was not found.",
                         vend ? "Vendor" : "Customer", want ? want : "");
}
