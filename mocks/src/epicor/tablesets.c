/*
 * The tables of each service's tableset, in the order the platform's
 * swagger lists them (Erp.Tablesets.<Name>Tableset of a live instance,
 * reference SW). A tableset the emulator answers (GetByID, GetNew*,
 * GetRows, GetByVendID...) carries every one of them, empty where the
 * emulator keeps no rows, as the platform's serializer writes every
 * table of the dataset.
 */
#include <stdio.h>
#include <string.h>
#include "epicor_emu.h"

static const struct {
    const char *service;
    const char *tables; /* space-separated, ExtensionTables last */
} tablesets[] = {
    {"Erp.BO.PartSvc",
     "Part PartAttch PartCOO PartDim PartLangDesc PartPlanningPool PartPlant "
     "PartPlantPlanningAttribute PartRestriction PartRestrictSubst PartRev "
     "PartRevAttch PartAudit PartCOPart PartRevInspPlan PartRevInspPlanAttch "
     "PartRevInspVend PartSubs PartPC PartWhse PartBinInfo PartUOM EntityGLC "
     "TaxExempt ExtensionTables"},
    {"Erp.BO.CustomerSvc",
     "Customer CustomerAttch CustomCrdPool Partner CustBillTo CustBank "
     "CustChild CustDfltDocType CustIC CustLabExpRate CustMandate "
     "CustomerDocs CustRestriction CustUPSEmail CustomerDiscPriceLst "
     "CustomerFSPriceList GlbCustCred MXCustomerFiscalText NAMember "
     "PECustWhldHist ShipTo ShipToAttch ShipToRestriction ShipToLabExpRate "
     "CustomerDocsSH ShipToDiscPriceLst ShipToMFBill ShipToPriceLst "
     "ShipToUPSEml CustMFBill MangCust ShipToSrch CustomerPriceLst EntityGLC "
     "TaxExempt ExtensionTables"},
    {"Erp.BO.SalesOrderSvc",
     "OrderHed OrderHedAttch OHOrderMsc OrderDtl OrderDtlAttch OrderMsc "
     "OrderRel OrderRelTax OrderHedUPS OrderRepComm OrderSched HedTaxSum "
     "OrderHist PartSubs SelectedSerialNumbers SNFormat TaxConnectStatus "
     "ExtensionTables"},
    {"Erp.BO.VendorSvc",
     "Vendor VendorAttch EntityGLC TaxExempt Partner PEVendWhldHist "
     "VendRestriction VendBank VendBankAttch VendCntMain VenMFBill VendorPP "
     "VenPPMFBill VenPPUPSEmail VendPPRestriction VendCnt VendCntAttch "
     "VenUPSEmail VendRemitTo ExtensionTables"},
    {"Erp.BO.POSvc",
     "POHeader POHeaderAttch PODetail PODetailAttch PORel PORelAttch PORelTax "
     "PORelTGLC PODetailInsp PODetailTax POMisc PODetailMiscTax POHeadMisc "
     "POHeaderMiscTax POHeaderTax ExtensionTables"},
    {"Erp.BO.APInvoiceSvc",
     "APInvHed APInvHedAttch APIHAPInvExp APIHAPInvExpTGLC APIHAPInvMsc "
     "RcvMisc APIHAPLnTax APInvDtl APInvDtlAttch APInvDtlDEASch APInvExp "
     "APInvExpTGLC GlbAPIETGLC APInvJob APInvMsc APInvLnMscTax APInvPB "
     "APLnTax APInvDtlTGLC APInvHedMscTax APInvSched APInvTax PESUNATDtl "
     "EntityGLC PEAPInvTax AdditionalForms_ParametersView LegalNumGenOpts "
     "SupplierXRef TaxConnectStatus ExtensionTables"},
    {"Erp.BO.GLAccountSvc", "GLAccount ExtensionTables"},
    {"Erp.BO.JobEntrySvc",
     "JobHead JobHeadAttch JobAsmbl JobAsmblAttch JobAsmblInsp JobMtl "
     "JobMtlAttch JobMtlInsp JobMtlRefDes JobMtlRestriction "
     "JobMtlRestrictSubst JobOper JobOperAttch JobOperAction "
     "JobOperActionParam JobOperInsp JobOperMachParam JobOpDtl JobResources "
     "JobOperRestriction JobOperRestrictSubst JobAsmblRestriction "
     "JobAsmblRestrictSubst JobAsmRefDes JobAudit JobPart JobProd JobStage "
     "ExtensionTables"},
    {"Erp.BO.LaborSvc",
     "LaborHed LaborDtl LaborDtlAttch LaborDtlAction LaborDtlComment "
     "LaborEquip LaborPart LbrScrapSerialNumbers LaborDtlGroup "
     "SelectedSerialNumbers SNFormat TimeWeeklyView TimeWorkHours "
     "ExtensionTables"},
    {"Erp.BO.PartTranSvc", "PartTran ExtensionTables"},
    {"Erp.BO.APInvGrpSvc", "APInvGrp ExtensionTables"},
    {"Erp.BO.ReqSvc",
     "ReqHead ReqHeadAttch ReqDetail ReqDetailAttch ExtensionTables"},
    {"Erp.BO.OrderDtlSearchSvc", "OrderDtl ExtensionTables"},
    {"Erp.BO.ResourceGroupSvc",
     "ResourceGroup ResourceGroupAttch Resource CapResLnk ResourceCal "
     "ExtensionTables"},
    {"Erp.BO.ReasonSvc", "Reason EntityGLC ExtensionTables"},
    {"Erp.BO.IndirectSvc", "Indirect ExtensionTables"},
    {"Erp.BO.PlantSvc", "Plant PlantAttch PlantEGLC ExtensionTables"},
};

/* Moves ds[name] (or a new empty array) to the end of ds. */
static void move_last(cJSON *ds, const char *name)
{
    cJSON *it = cJSON_DetachItemFromObjectCaseSensitive(ds, name);

    if (!it || !cJSON_IsArray(it)) {
        cJSON_Delete(it);
        it = cJSON_CreateArray();
    }
    cJSON_AddItemToObject(ds, name, it);
}

void km__epicor_tableset_complete(const char *service, cJSON *ds)
{
    char name[64];

    if (!cJSON_IsObject(ds) || !service)
        return;
    for (size_t i = 0; i < sizeof(tablesets) / sizeof(tablesets[0]); i++) {
        const char *p = tablesets[i].tables;

        if (strcmp(tablesets[i].service, service) != 0)
            continue;
        /* Tables of the service's other tables that the search service's
         * tableset lacks go; the rest keep their place after the list. */
        for (int t = 0; t < T_COUNT; t++) {
            const char *tn = km__epicor_defs[t].table;
            size_t n = strlen(tn);
            const char *hit = strstr(p, tn);

            while (hit && ((hit != p && hit[-1] != ' ') ||
                           (hit[n] != ' ' && hit[n] != '\0')))
                hit = strstr(hit + 1, tn);
            if (!hit)
                cJSON_DeleteItemFromObjectCaseSensitive(ds, tn);
        }
        while (*p) {
            size_t n = strcspn(p, " ");

            snprintf(name, sizeof(name), "%.*s", (int)n, p);
            move_last(ds, name);
            p += n + (p[n] == ' ');
        }
        return;
    }
}
