/*
 * The output parameters of the BO methods the emulator answers, as the
 * swagger of a live instance declares them (<Method>_output, reference
 * SW): km__epicor_method_reply writes "parameters" with exactly these
 * names in this order, filling the ones a handler did not set with the
 * type's empty value ("" / false / 0), so a client mapping the platform's
 * reply strictly finds every member. The OpenAPI documents (openapi.c)
 * describe the same lists.
 */
#include <stdio.h>
#include <string.h>
#include "epicor_emu.h"

/* "name:type" separated by spaces; types s(tring), b(ool), n(umber),
 * o(bject: the tableset ds). */
static const struct km__epicor_out_params out_params[] = {
    {"Erp.BO.SalesOrderSvc", "ChangePartNumMaster",
     "partNum:s lSubstitutePartExist:b lIsPhantom:b uomCode:s "
     "cDeleteComponentsMessage:s questionString:s cWarningMessage:s "
     "multipleMatch:b promptToExplodeBOM:b cConfigPartMessage:s "
     "cSubPartMessage:s explodeBOMerrMessage:s cMsgType:s multiSubsAvail:b "
     "runOutQtyAvail:b ds:o"},
    {"Erp.BO.SalesOrderSvc", "ChangePartNum", "ds:o"},
    {"Erp.BO.SalesOrderSvc", "ChangeSellingQuantity", "ds:o opWarningMsg:s"},
    {"Erp.BO.SalesOrderSvc", "ChangeSellingQtyMaster",
     "ds:o pcMessage:s pcNeqQtyAction:s opWarningMsg:s "
     "cSellingQuantityChangedMsgText:s"},
    {"Erp.BO.SalesOrderSvc", "ChangeOrderHedCustomerCustID",
     "creditLimitMessage:s agingMessage:s ds:o"},
    {"Erp.BO.SalesOrderSvc", "ChangeCustomer", "ds:o"},
    {"Erp.BO.SalesOrderSvc", "ChangeSoldToID", "ds:o"},
    {"Erp.BO.SalesOrderSvc", "ChangeSoldToContact", "ds:o"},
    {"Erp.BO.SalesOrderSvc", "ChangeNeedByDate", "ds:o"},
    {"Erp.BO.SalesOrderSvc", "ChangeUnitPrice", "ds:o"},
    {"Erp.BO.SalesOrderSvc", "MasterUpdate",
     "lContinue:b cResponseMsg:s cCreditShipAction:s cDisplayMsg:s "
     "cCompliantMsg:s cResponseMsgOrdRel:s cAgingMessage:s "
     "cShipByDateMessage:s cNeedByDateMessage:s ds:o"},
    {"Erp.BO.POSvc", "ChangeVendor", "ds:o"},
    {"Erp.BO.POSvc", "ChangeApproveSwitch", "ViolationMsg:s ds:o"},
    {"Erp.BO.POSvc", "ChangeDetailPartNum",
     "NewPartNum:s multipleMatch:b ds:o"},
    {"Erp.BO.APInvoiceSvc", "ChangeVendorID", "confirmMsg:s ds:o"},
    {"Erp.BO.APInvoiceSvc", "UpdateMaster",
     "ds:o grpTotalInvAmt:n requiresUserInput:b opMessage:s "
     "opMsgChkBankRef:s opChkRevMsg:s lEnableGenLegalNum:b lUpdateRan:b "
     "opDUAMsg:s"},
    {"Erp.BO.LaborSvc", "DefaultOprSeq", "ds:o vMessage:s"},
    {"Erp.BO.LaborSvc", "ChangeLaborType", "ds:o"},
    {"*", "GetList", "morePages:b"},
    {"*", "GetRows", "morePages:b"},
    {"*", "UpdateExt", "ds:o errorsOccurred:b"},
    {"*", "Update", "ds:o"},
    {"*", "GetNew", "ds:o"},
};

const struct km__epicor_out_params *
km__epicor_out_params_find(const char *service, const char *method)
{
    const struct km__epicor_out_params *generic = NULL;

    if (!service || !method)
        return NULL;
    for (size_t i = 0; i < sizeof(out_params) / sizeof(out_params[0]); i++) {
        const struct km__epicor_out_params *p = &out_params[i];

        if (strcmp(p->service, service) == 0 && strcmp(p->method, method) == 0)
            return p;
        if (strcmp(p->service, "*") == 0 &&
            (strcmp(p->method, method) == 0 ||
             (strcmp(p->method, "GetNew") == 0 &&
              strncmp(method, "GetNew", 6) == 0)))
            generic = p;
    }
    return generic;
}

static cJSON *empty_of(char type)
{
    switch (type) {
    case 'b':
        return cJSON_CreateFalse();
    case 'n':
        return cJSON_CreateNumber(0);
    case 'o':
        return cJSON_CreateObject();
    default:
        return cJSON_CreateString("");
    }
}

cJSON *km__epicor_out_params_apply(const struct km__epicor_out_params *p,
                                   cJSON *params)
{
    cJSON *out = cJSON_CreateObject(), *it;
    const char *s = p->list;
    char name[64];

    while (*s) {
        size_t n = strcspn(s, " ");
        const char *colon = memchr(s, ':', n);
        size_t nl = colon ? (size_t)(colon - s) : n;

        snprintf(name, sizeof(name), "%.*s", (int)nl, s);
        it = cJSON_DetachItemFromObjectCaseSensitive(params, name);
        cJSON_AddItemToObject(out, name,
                              it ? it : empty_of(colon ? colon[1] : 's'));
        s += n + (s[n] == ' ');
    }
    /* Whatever else the handler set stays, after the declared ones. */
    while (params && params->child) {
        it = cJSON_DetachItemViaPointer(params, params->child);
        cJSON_AddItemToObject(out, it->string, it);
    }
    cJSON_Delete(params);
    return out;
}
