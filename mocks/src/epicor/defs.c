/*
 * The tables the emulator serves: one row per table (service, entity set,
 * key order, fixture key, change stamp, numbering, GetNew template and the
 * fields Update insists on). Names, keys and field spellings follow the
 * swagger of a live SaaS instance (reference §6), oddities included:
 * POes, PODetail.PONUM, GLAccount1, Vendor.ZIP, WareHouseCode,
 * ClockinTime, ClockInMInute.
 */
#include <string.h>
#include <strings.h>
#include "epicor_emu.h"

#define PART "Erp.BO.PartSvc"
#define CUST "Erp.BO.CustomerSvc"
#define SO "Erp.BO.SalesOrderSvc"
#define VEND "Erp.BO.VendorSvc"
#define PO "Erp.BO.POSvc"
#define AP "Erp.BO.APInvoiceSvc"
#define GL "Erp.BO.GLAccountSvc"
#define JOB "Erp.BO.JobEntrySvc"
#define LAB "Erp.BO.LaborSvc"
#define TRAN "Erp.BO.PartTranSvc"
#define APGRP "Erp.BO.APInvGrpSvc"
#define REQ "Erp.BO.ReqSvc"
#define RGRP "Erp.BO.ResourceGroupSvc"
#define RSN "Erp.BO.ReasonSvc"
#define IND "Erp.BO.IndirectSvc"
#define PLANT "Erp.BO.PlantSvc"

/* The services of the tables, then the ones served without a table of
 * their own (services_extra.c). */
const char *const km__epicor_services[] = {PART,
                                           CUST,
                                           SO,
                                           VEND,
                                           PO,
                                           AP,
                                           GL,
                                           JOB,
                                           LAB,
                                           TRAN,
                                           APGRP,
                                           REQ,
                                           RGRP,
                                           RSN,
                                           IND,
                                           PLANT,
                                           "Erp.BO.CompanySvc",
                                           "Erp.BO.OrderDtlSearchSvc",
                                           "Ice.BO.UserFileSvc",
                                           "Ice.LIB.SessionModSvc",
                                           "Ice.LIB.TokenServiceSvc",
                                           NULL};

const struct km__epicor_tabledef km__epicor_defs[T_COUNT] = {
    {T_PART,
     "Part",
     PART,
     "Parts",
     {"Company", "PartNum"},
     0,
     -1,
     "parts",
     STAMP_CHANGEDON,
     AUTO_NONE,
     NULL,
     "{\"PartNum\":\"\",\"PartDescription\":\"\",\"SearchWord\":\"\","
     "\"ClassID\":\"\",\"TypeCode\":\"P\",\"IUM\":\"EA\",\"PUM\":\"EA\","
     "\"SalesUM\":\"EA\",\"UOMClassID\":\"COUNT\",\"UnitPrice\":0,"
     "\"PricePerCode\":\"E\",\"InternalUnitPrice\":0,\"ProdCode\":\"\","
     "\"CostMethod\":\"A\",\"InActive\":false,\"NonStock\":false,"
     "\"QtyBearing\":true,\"TrackLots\":false,\"TrackSerialNum\":false,"
     "\"NetWeight\":0,\"GrossWeight\":0,\"UPCCode1\":\"\","
     "\"CommentText\":\"\",\"ChangedOn\":null,\"CreatedOn\":null,"
     "\"CreatedBy\":\"\"}",
     "PartNum PartDescription TypeCode IUM"},
    {T_PARTWHSE,
     "PartWhse",
     PART,
     "PartWhses",
     {"Company", "PartNum", "Plant", "WarehouseCode"},
     0,
     T_PART,
     "part_whses",
     STAMP_NONE,
     AUTO_NONE,
     NULL,
     "{\"PartNum\":\"\",\"Plant\":\"MfgSys\",\"WarehouseCode\":\"\","
     "\"OnHandQty\":0,\"AllocatedQty\":0,\"ReservedQty\":0,\"DemandQty\":0,"
     "\"NonNettableQty\":0,\"SalesAllocatedQty\":0,\"MinimumQty\":0,"
     "\"MaximumQty\":0,\"SafetyQty\":0}",
     "PartNum Plant WarehouseCode"},
    {T_PARTPLANT,
     "PartPlant",
     PART,
     "PartPlants",
     {"Company", "PartNum", "Plant"},
     0,
     T_PART,
     "part_plants",
     STAMP_NONE,
     AUTO_NONE,
     NULL,
     "{\"PartNum\":\"\",\"Plant\":\"MfgSys\",\"PrimWhse\":\"\","
     "\"MinimumQty\":0,\"MaximumQty\":0,\"SafetyQty\":0,\"LeadTime\":0}",
     "PartNum Plant"},
    {T_CUSTOMER,
     "Customer",
     CUST,
     "Customers",
     {"Company", "CustNum"},
     0x2,
     -1,
     "customers",
     STAMP_DATE_TIME,
     AUTO_COUNTER,
     "CustNum",
     "{\"CustNum\":0,\"CustID\":\"\",\"Name\":\"\",\"Address1\":\"\","
     "\"Address2\":\"\",\"Address3\":\"\",\"City\":\"\",\"State\":\"\","
     "\"Zip\":\"\",\"Country\":\"\",\"CountryNum\":0,\"PhoneNum\":\"\","
     "\"FaxNum\":\"\",\"EMailAddress\":\"\",\"TermsCode\":\"\","
     "\"ShipViaCode\":\"\",\"CurrencyCode\":\"USD\",\"CreditHold\":false,"
     "\"CreditLimit\":0,\"CustomerType\":\"CUS\",\"GroupCode\":\"\","
     "\"TerritoryID\":\"\",\"SalesRepCode\":\"\",\"ResaleID\":\"\","
     "\"TaxRegionCode\":\"\",\"Inactive\":false,\"WebCustomer\":false,"
     "\"ChangedBy\":\"\",\"ChangeDate\":null,\"ChangeTime\":0}",
     "CustID Name"},
    {T_ORDERHED,
     "OrderHed",
     SO,
     "SalesOrders",
     {"Company", "OrderNum"},
     0x2,
     -1,
     "orders",
     STAMP_DATE_TIME,
     AUTO_COUNTER,
     "OrderNum",
     "{\"OrderNum\":0,\"CustNum\":0,\"BTCustNum\":0,\"ShipToCustNum\":0,"
     "\"PONum\":\"\",\"OrderDate\":null,\"RequestDate\":null,"
     "\"NeedByDate\":null,\"OpenOrder\":true,\"VoidOrder\":false,"
     "\"OrderHeld\":false,\"OrderStatus\":\"OPEN\",\"ShipToNum\":\"\","
     "\"TermsCode\":\"\",\"ShipViaCode\":\"\",\"CurrencyCode\":\"USD\","
     "\"OrderAmt\":0,\"DocOrderAmt\":0,\"TotalCharges\":0,"
     "\"EntryPerson\":\"\",\"Plant\":\"MfgSys\",\"CustomerCustID\":\"\","
     "\"CustomerName\":\"\",\"ChangedBy\":\"\",\"ChangeDate\":null,"
     "\"ChangeTime\":0}",
     "CustNum OrderDate"},
    {T_ORDERDTL,
     "OrderDtl",
     SO,
     "OrderDtls",
     {"Company", "OrderNum", "OrderLine"},
     0x6,
     T_ORDERHED,
     "order_dtls",
     STAMP_DATE_TIME,
     AUTO_LINE,
     NULL,
     "{\"OrderNum\":0,\"OrderLine\":0,\"PartNum\":\"\",\"LineDesc\":\"\","
     "\"RevisionNum\":\"\",\"XPartNum\":\"\",\"IUM\":\"EA\","
     "\"SalesUM\":\"EA\",\"OrderQty\":0,\"SellingQuantity\":0,"
     "\"UnitPrice\":0,\"DocUnitPrice\":0,\"ExtPriceDtl\":0,"
     "\"DocExtPriceDtl\":0,\"RequestDate\":null,\"NeedByDate\":null,"
     "\"OpenLine\":true,\"VoidLine\":false,\"ProdCode\":\"\","
     "\"PriceListCode\":\"\",\"CustNum\":0,\"ChangedBy\":\"\","
     "\"ChangeDate\":null,\"ChangeTime\":0}",
     "PartNum LineDesc SellingQuantity DocUnitPrice"},
    {T_ORDERREL,
     "OrderRel",
     SO,
     "OrderRels",
     {"Company", "OrderNum", "OrderLine", "OrderRelNum"},
     0xE,
     T_ORDERDTL,
     "order_rels",
     STAMP_DATE_TIME,
     AUTO_LINE,
     NULL,
     "{\"OrderNum\":0,\"OrderLine\":0,\"OrderRelNum\":0,\"OurReqQty\":0,"
     "\"SellingReqQty\":0,\"ReqDate\":null,\"NeedByDate\":null,"
     "\"WarehouseCode\":\"\",\"Plant\":\"MfgSys\",\"OpenRelease\":true,"
     "\"ShipToNum\":\"\",\"ChangeDate\":null,\"ChangeTime\":0}",
     "OurReqQty"},
    {T_VENDOR,
     "Vendor",
     VEND,
     "Vendors",
     {"Company", "VendorNum"},
     0x2,
     -1,
     "vendors",
     STAMP_NONE,
     AUTO_COUNTER,
     "VendorNum",
     "{\"VendorNum\":0,\"VendorID\":\"\",\"Name\":\"\",\"Address1\":\"\","
     "\"Address2\":\"\",\"Address3\":\"\",\"City\":\"\",\"State\":\"\","
     "\"ZIP\":\"\",\"Country\":\"\",\"PhoneNum\":\"\","
     "\"EMailAddress\":\"\",\"TermsCode\":\"\",\"CurrencyCode\":\"USD\","
     "\"Inactive\":false,\"Approved\":true,\"GroupCode\":\"\","
     "\"PurPoint\":\"\"}",
     "VendorID Name"},
    {T_POHEADER,
     "POHeader",
     PO,
     "POes",
     {"Company", "PONum"},
     0x2,
     -1,
     "pos",
     STAMP_DATE,
     AUTO_COUNTER,
     "PONum",
     "{\"PONum\":0,\"OrderDate\":null,\"VendorNum\":0,"
     "\"VendorVendorID\":\"\",\"VendorName\":\"\",\"BuyerID\":\"\","
     "\"Approve\":false,\"ApprovalStatus\":\"U\",\"OpenOrder\":true,"
     "\"VoidOrder\":false,\"OrderHeld\":false,\"Confirmed\":false,"
     "\"POType\":\"STD\",\"TermsCode\":\"\",\"ShipViaCode\":\"\","
     "\"CurrencyCode\":\"USD\",\"TotalOrder\":0,\"DocTotalOrder\":0,"
     "\"DueDate\":null,\"PromiseDate\":null,\"PurPoint\":\"\","
     "\"EntryPerson\":\"\",\"CommentText\":\"\",\"ChangedBy\":\"\","
     "\"ChangeDate\":null}",
     "VendorNum OrderDate"},
    {T_PODETAIL,
     "PODetail",
     PO,
     "PODetails",
     {"Company", "PONUM", "POLine"},
     0x6,
     T_POHEADER,
     "po_details",
     STAMP_DATE,
     AUTO_LINE,
     NULL,
     "{\"PONUM\":0,\"POLine\":0,\"PartNum\":\"\",\"VenPartNum\":\"\","
     "\"LineDesc\":\"\",\"IUM\":\"EA\",\"PUM\":\"EA\",\"OrderQty\":0,"
     "\"XOrderQty\":0,\"UnitCost\":0,\"DocUnitCost\":0,\"OpenLine\":true,"
     "\"VoidLine\":false,\"DueDate\":null,\"ClassID\":\"\","
     "\"ChangeDate\":null}",
     "LineDesc XOrderQty DocUnitCost"},
    {T_POREL,
     "PORel",
     PO,
     "PORels",
     {"Company", "PONum", "POLine", "PORelNum"},
     0xE,
     T_PODETAIL,
     "po_rels",
     STAMP_NONE,
     AUTO_LINE,
     NULL,
     "{\"PONum\":0,\"POLine\":0,\"PORelNum\":0,\"RelQty\":0,\"XRelQty\":0,"
     "\"DueDate\":null,\"PromiseDt\":null,\"ReceivedQty\":0,"
     "\"ArrivedQty\":0,\"OpenRelease\":true,\"WarehouseCode\":\"\","
     "\"JobNum\":\"\"}",
     "XRelQty"},
    /* The GL account of a PO release: one row per GL book (key BookID),
     * as in the swagger's PORelTGLCs set (SW). */
    {T_PORELTGLC,
     "PORelTGLC",
     PO,
     "PORelTGLCs",
     {"Company", "PONum", "POLine", "PORelNum", "BookID"},
     0xE,
     T_POREL,
     "po_rel_tglcs",
     STAMP_NONE,
     AUTO_NONE,
     NULL,
     "{\"PONum\":0,\"POLine\":0,\"PORelNum\":0,\"BookID\":\"MAIN\","
     "\"RelatedToFile\":\"PORel\",\"Key1\":\"\",\"Key2\":\"\",\"Key3\":\"\","
     "\"Key4\":\"\",\"Key5\":\"\",\"Key6\":\"\",\"TGLCTranNum\":1,"
     "\"GLAcctContext\":\"\",\"COACode\":\"MainBook\",\"GLAccount\":\"\","
     "\"SegValue1\":\"\",\"SegValue2\":\"\",\"SegValue3\":\"\","
     "\"UserCanModify\":true,\"IsModifiedByUser\":false,"
     "\"SysGLControlType\":\"\",\"SysGLControlCode\":\"\"}",
     "GLAccount"},
    {T_APINVHED,
     "APInvHed",
     AP,
     "APInvoices",
     {"Company", "VendorNum", "InvoiceNum"},
     0x2,
     -1,
     "ap_invoices",
     STAMP_DATE,
     AUTO_NONE,
     NULL,
     "{\"VendorNum\":0,\"VendorNumVendorID\":\"\",\"VendorNumName\":\"\","
     "\"InvoiceNum\":\"\",\"InvoiceDate\":null,\"DueDate\":null,"
     "\"ApplyDate\":null,\"GroupID\":\"\",\"Posted\":false,"
     "\"OpenPayable\":true,\"DebitMemo\":false,\"InvoiceHeld\":false,"
     "\"PayHold\":false,\"REFPONum\":0,\"InvoiceAmt\":0,"
     "\"DocInvoiceAmt\":0,\"InvoiceVendorAmt\":0,"
     "\"DocInvoiceVendorAmt\":0,\"ScrDocInvoiceVendorAmt\":0,"
     "\"InvoiceBal\":0,\"TaxAmt\":0,\"CurrencyCode\":\"USD\","
     "\"ExchangeRate\":1,\"TermsCode\":\"\",\"FiscalYear\":0,"
     "\"FiscalPeriod\":0,\"Description\":\"\",\"EntryPerson\":\"\","
     "\"ChangedBy\":\"\",\"ChangeDate\":null}",
     "InvoiceDate GroupID"},
    {T_APINVDTL,
     "APInvDtl",
     AP,
     "APInvDtls",
     {"Company", "VendorNum", "InvoiceNum", "InvoiceLine"},
     0xA,
     T_APINVHED,
     "ap_inv_dtls",
     STAMP_DATE,
     AUTO_LINE,
     NULL,
     "{\"VendorNum\":0,\"InvoiceNum\":\"\",\"InvoiceLine\":0,"
     "\"LineType\":\"MISC\",\"PONum\":0,\"POLine\":0,\"PORelNum\":0,"
     "\"PartNum\":\"\",\"Description\":\"\",\"VendorQty\":0,\"OurQty\":0,"
     "\"PUM\":\"EA\",\"IUM\":\"EA\",\"UnitCost\":0,\"DocUnitCost\":0,"
     "\"ExtCost\":0,\"DocExtCost\":0,\"ScrVendorQty\":0,"
     "\"ScrDocExtCost\":0,\"PackSlip\":\"\",\"PackLine\":0,"
     "\"GLAccount\":\"\",\"ChangeDate\":null}",
     "Description ScrVendorQty ScrDocExtCost"},
    {T_APINVEXP,
     "APInvExp",
     AP,
     "APInvExps",
     {"Company", "VendorNum", "InvoiceNum", "InvoiceLine", "InvExpSeq"},
     0x1A,
     T_APINVDTL,
     "ap_inv_exps",
     STAMP_NONE,
     AUTO_LINE,
     NULL,
     "{\"VendorNum\":0,\"InvoiceNum\":\"\",\"InvoiceLine\":0,"
     "\"InvExpSeq\":0,\"ExpAmt\":0,\"DocExpAmt\":0,\"GLAccount\":\"\"}",
     "DocExpAmt"},
    {T_APINVEXPTGLC,
     "APInvExpTGLC",
     AP,
     "APInvExpTGLCs",
     {"Company", "VendorNum", "InvoiceNum", "InvoiceLine", "InvExpSeq",
      "SysRowID"},
     0x1A,
     T_APINVEXP,
     "ap_inv_exp_tglcs",
     STAMP_NONE,
     AUTO_GUID,
     NULL,
     "{\"VendorNum\":0,\"InvoiceNum\":\"\",\"InvoiceLine\":0,"
     "\"InvExpSeq\":0,\"RelatedToFile\":\"APInvExp\",\"Key1\":\"\","
     "\"Key2\":\"\",\"Key3\":\"\",\"Key4\":\"\",\"Key5\":\"\","
     "\"Key6\":\"\",\"TGLCTranNum\":1,\"BookID\":\"MAIN\","
     "\"COACode\":\"MainBook\",\"GLAccount\":\"\",\"SegValue1\":\"\","
     "\"SegValue2\":\"\",\"SegValue3\":\"\",\"IsExternalCompany\":false,"
     "\"UserCanModify\":true,\"IsModifiedByUser\":false,"
     "\"SysGLControlType\":\"\",\"SysGLControlCode\":\"\"}",
     "GLAccount"},
    {T_GLACCOUNT,
     "GLAccount",
     GL,
     "GLAccounts",
     {"Company", "COACode", "GLAccount1"},
     0,
     -1,
     "gl_accounts",
     STAMP_NONE,
     AUTO_NONE,
     NULL,
     "{\"COACode\":\"MainBook\",\"GLAccount1\":\"\",\"AccountDesc\":\"\","
     "\"SegValue1\":\"\",\"SegValue2\":\"\",\"SegValue3\":\"\","
     "\"Active\":true,\"EffFrom\":null,\"EffTo\":null,"
     "\"ParentGLAccount\":\"\",\"GLAcctDispGLAcctDisp\":\"\","
     "\"GLAcctDispGLShortAcct\":\"\",\"GLAcctDispAccountDesc\":\"\"}",
     "AccountDesc"},
    {T_JOBHEAD,
     "JobHead",
     JOB,
     "JobEntries",
     {"Company", "JobNum"},
     0,
     -1,
     "jobs",
     STAMP_LASTCHANGED,
     AUTO_NONE,
     NULL,
     "{\"JobNum\":\"\",\"PartNum\":\"\",\"RevisionNum\":\"\","
     "\"PartDescription\":\"\",\"ProdQty\":0,\"QtyCompleted\":0,"
     "\"IUM\":\"EA\",\"Plant\":\"MfgSys\",\"JobReleased\":false,"
     "\"JobEngineered\":false,\"JobFirm\":true,\"JobComplete\":false,"
     "\"JobCompletionDate\":null,\"JobClosed\":false,\"ClosedDate\":null,"
     "\"StartDate\":null,\"DueDate\":null,\"ReqDueDate\":null,"
     "\"SchedStatus\":\"\",\"CreateDate\":null,\"CreatedBy\":\"\","
     "\"LastChangedOn\":null,\"LastChangedBy\":\"\",\"JobType\":\"MFG\","
     "\"ProdCode\":\"\",\"JobHeld\":false,\"CommentText\":\"\"}",
     "PartNum ProdQty"},
    {T_JOBOPER,
     "JobOper",
     JOB,
     "JobOpers",
     {"Company", "JobNum", "AssemblySeq", "OprSeq"},
     0xC,
     T_JOBHEAD,
     "job_opers",
     STAMP_NONE,
     AUTO_LINE,
     NULL,
     "{\"JobNum\":\"\",\"AssemblySeq\":0,\"OprSeq\":0,\"OpCode\":\"\","
     "\"OpDesc\":\"\",\"OpComplete\":false,\"ProdComplete\":false,"
     "\"SetupComplete\":false,\"RunQty\":0,\"QtyCompleted\":0,"
     "\"ProductionQty\":0,\"ScrapQty\":0,\"ActScrapQty\":0,"
     "\"EstSetHours\":0,\"EstProdHours\":0,\"ActSetupHours\":0,"
     "\"ActProdHours\":0,\"StartDate\":null,\"DueDate\":null,"
     "\"ActualStartDate\":null,\"ActualEndDate\":null,"
     "\"LastLaborDate\":null,\"PrimaryResourceGrpID\":\"\","
     "\"SubContract\":false,\"JobComplete\":false,\"ProdStandard\":0,"
     "\"StdFormat\":\"HP\",\"StdBasis\":\"E\",\"OpsPerPart\":1,"
     "\"QtyPer\":1,\"LaborEntryMethod\":\"T\",\"SetupPctComplete\":0,"
     "\"EstScrap\":0,\"EstScrapType\":\"%\",\"ActualStartHour\":0,"
     "\"ActualEndHour\":0,\"IUM\":\"EA\"}",
     "OpCode RunQty"},
    {T_LABORHED,
     "LaborHed",
     LAB,
     "Labors",
     {"Company", "LaborHedSeq"},
     0x2,
     -1,
     "labor",
     STAMP_NONE,
     AUTO_COUNTER,
     "LaborHedSeq",
     "{\"LaborHedSeq\":0,\"EmployeeNum\":\"\",\"PayrollDate\":null,"
     "\"ClockInDate\":null,\"ClockInTime\":0,\"ClockOutTime\":0,"
     "\"ActualClockinDate\":null,\"ActualClockOutTime\":0,\"Shift\":1,"
     "\"ActiveTrans\":false,\"ActualClockInTime\":0,\"PayHours\":0}",
     "EmployeeNum PayrollDate"},
    {T_LABORDTL,
     "LaborDtl",
     LAB,
     "LaborDtls",
     {"Company", "LaborHedSeq", "LaborDtlSeq"},
     0x6,
     T_LABORHED,
     "labor_dtls",
     STAMP_DATE_TIME,
     AUTO_COUNTER,
     "LaborDtlSeq",
     "{\"LaborHedSeq\":0,\"LaborDtlSeq\":0,\"EmployeeNum\":\"\","
     "\"LaborType\":\"P\",\"LaborTypePseudo\":\"P\",\"JobNum\":\"\","
     "\"AssemblySeq\":0,\"OprSeq\":0,\"OpCode\":\"\",\"ResourceGrpID\":\"\","
     "\"ResourceID\":\"\",\"LaborQty\":0,\"ScrapQty\":0,\"DiscrepQty\":0,"
     "\"LaborHrs\":0,\"BurdenHrs\":0,\"ClockInDate\":null,"
     "\"ClockinTime\":0,\"ClockOutTime\":0,\"ClockInMInute\":0,"
     "\"PayrollDate\":null,\"ActiveTrans\":false,\"TimeStatus\":\"\","
     "\"Complete\":false,\"OpComplete\":false,\"ApprovedBy\":\"\","
     "\"CreateDate\":null,\"CreateTime\":0,\"ChangedBy\":\"\","
     "\"ChangeDate\":null,\"ChangeTime\":0,\"ScrapReasonCode\":\"\","
     "\"IndirectCode\":\"\",\"Downtime\":false,\"JCDept\":\"\","
     "\"ClockOutMinute\":0,\"LaborEntryMethod\":\"T\",\"ReWork\":false,"
     "\"DiscrpRsnCode\":\"\",\"LaborNote\":\"\",\"Shift\":1,"
     "\"SetupPctComplete\":0,\"CreatedBy\":\"\"}",
     "LaborType JobNum OprSeq LaborQty"},
    {T_PARTTRAN,
     "PartTran",
     TRAN,
     "PartTrans",
     {"Company", "SysDate", "SysTime", "TranNum"},
     0xC,
     -1,
     "part_trans",
     STAMP_NONE,
     AUTO_COUNTER,
     "TranNum",
     "{\"SysDate\":null,\"SysTime\":0,\"TranNum\":0,\"PartNum\":\"\","
     "\"WareHouseCode\":\"\",\"BinNum\":\"\",\"TranClass\":\"\","
     "\"TranType\":\"\",\"TranDate\":null,\"TranQty\":0,\"UM\":\"EA\","
     "\"ExtCost\":0,\"MtlUnitCost\":0,\"JobNum\":\"\",\"AssemblySeq\":0,"
     "\"JobSeq\":0,\"PONum\":0,\"POLine\":0,\"PORelNum\":0,\"OrderNum\":0,"
     "\"OrderLine\":0,\"OrderRelNum\":0,\"PackSlip\":\"\",\"LotNum\":\"\","
     "\"EntryPerson\":\"\",\"TranReference\":\"\",\"Plant\":\"MfgSys\"}",
     "PartNum TranType TranQty"},
    /* AP invoice groups (SW): created with GroupID alone by a plain
     * OData POST (YOOZ). No change date. */
    {T_APINVGRP,
     "APInvGrp",
     APGRP,
     "APInvGrps",
     {"Company", "GroupID"},
     0,
     -1,
     "ap_inv_grps",
     STAMP_NONE,
     AUTO_NONE,
     NULL,
     "{\"GroupID\":\"\",\"CreatedBy\":\"\",\"FiscalYear\":0,"
     "\"FiscalPeriod\":0,\"ActiveUserID\":\"\",\"PostErrorLog\":\"\","
     "\"PostInProcess\":false,\"ApplyDate\":null,\"FiscalYearSuffix\":\"\","
     "\"FiscalCalendarID\":\"\",\"IsBOE\":false,\"BaseTotal\":0,"
     "\"DispPostErrorLog\":\"\",\"GenLegalNumsEnabled\":false,"
     "\"IsDocumentLocked\":false,\"LockStatus\":\"\",\"RvJrnUID\":0,"
     "\"BitFlag\":0}",
     "GroupID"},
    /* Purchase requisitions (SW): ReqHead has CreatedOn but no change
     * date; ReqDetail none either. */
    {T_REQHEAD,
     "ReqHead",
     REQ,
     "Reqs",
     {"Company", "ReqNum"},
     0x2,
     -1,
     "reqs",
     STAMP_NONE,
     AUTO_COUNTER,
     "ReqNum",
     "{\"OpenReq\":true,\"ReqNum\":0,\"RequestorID\":\"\","
     "\"RequestDate\":null,\"ShipName\":\"\",\"ShipAddress1\":\"\","
     "\"ShipAddress2\":\"\",\"ShipAddress3\":\"\",\"ShipCity\":\"\","
     "\"ShipState\":\"\",\"ShipZIP\":\"\",\"ShipCountry\":\"\","
     "\"CommentText\":\"\",\"ReqActionID\":\"\",\"CurrDispatcherID\":\"\","
     "\"NextActionID\":\"\",\"NextDispatcherID\":\"\",\"Note\":\"\","
     "\"StatusType\":\"\",\"StatusDesc\":\"\",\"CreatedBy\":\"\","
     "\"CreatedOn\":null}",
     "RequestorID RequestDate"},
    {T_REQDETAIL,
     "ReqDetail",
     REQ,
     "ReqDetails",
     {"Company", "ReqNum", "ReqLine"},
     0x6,
     T_REQHEAD,
     "req_details",
     STAMP_NONE,
     AUTO_LINE,
     NULL,
     "{\"OpenLine\":true,\"ReqNum\":0,\"ReqLine\":0,\"LineDesc\":\"\","
     "\"IUM\":\"EA\",\"RUM\":\"EA\",\"UnitCost\":0,\"DocUnitCost\":0,"
     "\"PartNum\":\"\",\"VenPartNum\":\"\",\"CommentText\":\"\","
     "\"VendorNum\":0,\"VendorID\":\"\",\"VendorName\":\"\","
     "\"DueDate\":null,\"ReqDate\":null,\"PONUM\":0,\"POLine\":0,"
     "\"PORelNum\":0,\"JobNum\":\"\",\"CurrencyCode\":\"USD\","
     "\"OrderQty\":0,\"XOrderQty\":0,\"ExtCost\":0,\"DocExtCost\":0,"
     "\"TranType\":\"\"}",
     "LineDesc XOrderQty DocUnitCost"},
    /* Shop floor (swagger of a live instance, SW): a job's assemblies
     * (assembly 0 is the job's own part), resource groups (work
     * centres) with their plant, reason codes (ReasonType "S" scrap),
     * indirect labour codes (DownTime marks downtime reasons) and the
     * plants (sites), whose key column is Plant1 as GLAccount1 is. */
    {T_JOBASMBL,
     "JobAsmbl",
     JOB,
     "JobAsmbls",
     {"Company", "JobNum", "AssemblySeq"},
     0x4,
     T_JOBHEAD,
     "job_asmbls",
     STAMP_NONE,
     AUTO_NONE,
     NULL,
     "{\"JobNum\":\"\",\"AssemblySeq\":0,\"PartNum\":\"\","
     "\"Description\":\"\",\"RevisionNum\":\"\",\"QtyPer\":1,\"IUM\":\"EA\","
     "\"RequiredQty\":0,\"JobComplete\":false,\"StartDate\":null,"
     "\"DueDate\":null,\"Parent\":0,\"PriorPeer\":0,\"NextPeer\":0,"
     "\"Child\":0,\"BomSequence\":0,\"BomLevel\":0}",
     "PartNum"},
    {T_RESOURCEGRP,
     "ResourceGroup",
     RGRP,
     "ResourceGroups",
     {"Company", "ResourceGrpID"},
     0,
     -1,
     "resource_groups",
     STAMP_NONE,
     AUTO_NONE,
     NULL,
     "{\"Plant\":\"MfgSys\",\"ResourceGrpID\":\"\",\"Description\":\"\","
     "\"CalendarID\":\"\",\"Inactive\":false,\"NumberOfMachines\":1,"
     "\"JCDept\":\"\",\"OpCode\":\"\",\"ProdBurRate\":0,\"ProdLabRate\":0,"
     "\"SetupBurRate\":0,\"SetupLabRate\":0,\"ProdCrewSize\":1,"
     "\"SetupCrewSize\":1}",
     "Description"},
    {T_REASON,
     "Reason",
     RSN,
     "Reasons",
     {"Company", "ReasonType", "ReasonCode"},
     0,
     -1,
     "reasons",
     STAMP_NONE,
     AUTO_NONE,
     NULL,
     "{\"ReasonType\":\"S\",\"ReasonCode\":\"\",\"Description\":\"\","
     "\"DMRRejOpr\":false,\"DMRAcceptOpr\":false,\"InspFailOpr\":false,"
     "\"Scrap\":false,\"NonConfOpr\":false,\"QACause\":false,"
     "\"QACorrectiveAct\":false,\"GlobalReason\":false,\"GlobalLock\":false,"
     "\"ExternalMESSyncRequired\":false}",
     "Description"},
    {T_INDIRECT,
     "Indirect",
     IND,
     "Indirects",
     {"Company", "IndirectCode"},
     0,
     -1,
     "indirects",
     STAMP_NONE,
     AUTO_NONE,
     NULL,
     "{\"IndirectCode\":\"\",\"Description\":\"\",\"ExpenseCode\":\"\","
     "\"GlobalIndirect\":false,\"GlobalLock\":false,\"Inactive\":false,"
     "\"DownTime\":false,\"ExternalMESSyncRequired\":false}",
     "Description"},
    {T_PLANT,
     "Plant",
     PLANT,
     "Plants",
     {"Company", "Plant1"},
     0,
     -1,
     "plants",
     STAMP_NONE,
     AUTO_NONE,
     NULL,
     "{\"Plant1\":\"\",\"Name\":\"\",\"Address1\":\"\",\"Address2\":\"\","
     "\"Address3\":\"\",\"City\":\"\",\"State\":\"\",\"Zip\":\"\","
     "\"CountryNum\":0,\"PhoneNum\":\"\",\"FaxNum\":\"\"}",
     "Name"},
};

const char *km__epicor_service_canon(const char *name)
{
    for (size_t i = 0; km__epicor_services[i]; i++) {
        if (strcasecmp(name, km__epicor_services[i]) == 0)
            return km__epicor_services[i];
    }
    return NULL;
}

const struct km__epicor_tabledef *km__epicor_def_by_set(const char *service,
                                                        const char *set)
{
    for (size_t i = 0; i < T_COUNT; i++) {
        if (strcmp(km__epicor_defs[i].service, service) == 0 &&
            strcmp(km__epicor_defs[i].set, set) == 0)
            return &km__epicor_defs[i];
    }
    return NULL;
}

const struct km__epicor_tabledef *km__epicor_def_by_table(const char *service,
                                                          const char *table)
{
    for (size_t i = 0; i < T_COUNT; i++) {
        if ((!service || strcmp(km__epicor_defs[i].service, service) == 0) &&
            strcmp(km__epicor_defs[i].table, table) == 0)
            return &km__epicor_defs[i];
    }
    return NULL;
}

size_t km__epicor_nkeys(const struct km__epicor_tabledef *def)
{
    size_t n = 0;

    while (n < KM_EPI_MAX_KEYS && def->keys[n])
        n++;
    return n;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/*
 * Epicor's decimal columns by naming convention: quantities and weights
 * carry 8 places ("440.00000000" in a real v1 row), unit prices and costs
 * 5, amounts 3 ("0.000" for DocTotalCharges in a real row), hours and the
 * decimal clock times 2. Integer-typed columns are not listed.
 */
int km__epicor_decimal_scale(const char *f)
{
    if (ends_with(f, "Qty") || ends_with(f, "Quantity") || strstr(f, "Qty") ||
        ends_with(f, "Weight"))
        return 8;
    if (ends_with(f, "Seq") || ends_with(f, "Num") || ends_with(f, "Line"))
        return -1;
    if (strstr(f, "Price") || strstr(f, "Cost"))
        return 5;
    if (ends_with(f, "Amt") || ends_with(f, "Charges") || ends_with(f, "Bal") ||
        strstr(f, "TotalOrder") || strcmp(f, "CreditLimit") == 0 ||
        strcmp(f, "ExchangeRate") == 0)
        return 3;
    if (ends_with(f, "Hours") || ends_with(f, "Hrs") ||
        strcmp(f, "ClockInTime") == 0 || strcmp(f, "ClockOutTime") == 0 ||
        strcmp(f, "ClockinTime") == 0 || strcmp(f, "ActualClockOutTime") == 0)
        return 2;
    return -1;
}
