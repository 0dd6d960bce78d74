/* unit.mocks.epicor.methods: BO methods (GetNew, Change*, MasterUpdate, Update,
 * GetRows, GetByID) and their effect on later OData reads. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <kx/json.h>
#include "epi_test.h"

static int setup(void **state)
{
    cJSON *cfg = cJSON_CreateObject(), *co;

    co = cJSON_AddObjectToObject(cJSON_AddObjectToObject(cfg, "companies"),
                                 "EPIC06");
    cJSON_AddItemToObject(co, "parts", kt_fixture("epicor/parts/three.json"));
    cJSON_AddItemToObject(co, "customers",
                          kt_fixture("epicor/customers/two.json"));
    cJSON_AddItemToObject(co, "orders", kt_fixture("epicor/orders/empty.json"));
    cJSON_AddItemToObject(co, "vendors", kt_fixture("epicor/vendors/two.json"));
    cJSON_AddItemToObject(co, "gl_accounts",
                          kt_fixture("epicor/gl/accounts.json"));
    cJSON_AddItemToObject(co, "jobs",
                          kt_fixture("epicor/jobs/active-ops.json"));
    return epi_setup(state, cfg);
}

static cJSON *first(cJSON *body, const char *table)
{
    return cJSON_GetArrayItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(body, "ds"), table), 0);
}

#define SO "Erp.BO.SalesOrderSvc/"

/* The live sequence: returns the new order number. */
static int create_order(struct epi_env *env)
{
    cJSON *b = cJSON_Parse("{\"ds\":{}}"), *hed;
    int num;

    b = epi_ds_body(epi_call(env, SO "GetNewOrderHed", b, 200));
    hed = first(b, "OrderHed");
    assert_string_equal(cJSON_GetObjectItem(hed, "RowMod")->valuestring, "A");
    cJSON_ReplaceItemInObject(hed, "CustomerCustID",
                              cJSON_CreateString("acme"));
    b = epi_ds_body(epi_call(env, SO "ChangeOrderHedCustomerCustID", b, 200));
    hed = first(b, "OrderHed");
    assert_int_equal(cJSON_GetObjectItem(hed, "CustNum")->valueint, 10);
    assert_string_equal(cJSON_GetObjectItem(hed, "TermsCode")->valuestring,
                        "N30");
    cJSON_ReplaceItemInObject(hed, "PONum", cJSON_CreateString("WEB-7"));
    cJSON_AddNumberToObject(b, "iOrderNum", 0);
    cJSON_AddStringToObject(b, "cTableName", "OrderHed");
    b = epi_ds_body(epi_call(env, SO "MasterUpdate", b, 200));
    num = cJSON_GetObjectItem(first(b, "OrderHed"), "OrderNum")->valueint;
    assert_int_equal(num, 5000);
    cJSON_AddNumberToObject(b, "orderNum", num);
    b = epi_ds_body(epi_call(env, SO "GetNewOrderDtl", b, 200));
    cJSON_AddStringToObject(b, "partNum", "WIDGET-200");
    b = epi_ds_body(epi_call(env, SO "ChangePartNumMaster", b, 200));
    cJSON_AddNumberToObject(b, "ipSellingQuantity", 3);
    cJSON_AddFalseToObject(b, "lKeepUnitPrice");
    b = epi_ds_body(epi_call(env, SO "ChangeSellingQuantity", b, 200));
    cJSON_AddNumberToObject(b, "iOrderNum", num);
    b = epi_ds_body(epi_call(env, SO "MasterUpdate", b, 200));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(
                         cJSON_GetObjectItem(b, "ds"), "OrderDtl")),
                     1);
    cJSON_Delete(b);
    return num;
}

static void new_order_is_visible_to_odata(void **state)
{
    struct epi_env *env = *state;
    struct epi_resp r;
    cJSON *row, *line;
    int num = create_order(env);

    assert_int_equal(num, 5000);
    epi_v2(&r, env, "GET",
           "Erp.BO.SalesOrderSvc/SalesOrders?$filter=PONum%20eq%20'WEB-7'"
           "&$expand=OrderDtls",
           NULL);
    assert_int_equal(r.status, 200);
    row = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "value"), 0);
    assert_non_null(row);
    assert_int_equal(cJSON_GetObjectItem(row, "OrderNum")->valueint, 5000);
    assert_true(cJSON_GetObjectItem(row, "OrderAmt")->valuedouble == 59.85);
    line = cJSON_GetArrayItem(cJSON_GetObjectItem(row, "OrderDtls"), 0);
    assert_string_equal(cJSON_GetObjectItem(line, "LineDesc")->valuestring,
                        "Widget, steel, 200 mm");
    assert_int_equal(cJSON_GetObjectItem(line, "OrderLine")->valueint, 1);
    epi_resp_free(&r);
}

static void master_update_without_customer_is_400(void **state)
{
    struct epi_env *env = *state;
    cJSON *b = epi_ds_body(
        epi_call(env, SO "GetNewOrderHed", cJSON_Parse("{\"ds\":{}}"), 200));
    cJSON *err = epi_call(env, SO "MasterUpdate", b, 400);

    assert_non_null(strstr(
        cJSON_GetObjectItem(err, "ErrorMessage")->valuestring, "Customer"));
    cJSON_Delete(err);
}

static void unknown_part_is_a_business_error(void **state)
{
    struct epi_env *env = *state;
    cJSON *b = cJSON_Parse("{\"ds\":{\"OrderDtl\":[{\"OrderNum\":1,"
                           "\"RowMod\":\"A\"}]},\"partNum\":\"NOPE\"}");
    cJSON *err = epi_call(env, SO "ChangePartNumMaster", b, 400);

    assert_string_equal(cJSON_GetObjectItem(err, "ErrorType")->valuestring,
                        "Ice.Common.BusinessObjectException");
    cJSON_Delete(err);
}

static void stale_sysrevid_is_a_conflict(void **state)
{
    struct epi_env *env = *state;
    cJSON *got = epi_call(env, "Erp.BO.PartSvc/GetByID",
                          cJSON_Parse("{\"partNum\":\"WIDGET-100\"}"), 200);
    cJSON *ds = cJSON_GetObjectItem(got, "returnObj"), *b, *part, *err, *args;
    char errbuf[128];

    b = cJSON_CreateObject();
    cJSON_AddItemToObject(b, "ds", cJSON_Duplicate(ds, 1));
    part = first(b, "Part");
    cJSON_ReplaceItemInObject(part, "RowMod", cJSON_CreateString("U"));
    cJSON_ReplaceItemInObject(part, "UnitPrice", cJSON_CreateNumber(13));
    /* Someone else changes the part meanwhile. */
    args = cJSON_Parse("{\"part_num\":\"WIDGET-100\",\"fields\":"
                       "{\"PartDescription\":\"changed\"}}");
    assert_int_equal(km_emulator_act(env->emu, "change_part", args, NULL,
                                     errbuf, sizeof(errbuf)),
                     0);
    cJSON_Delete(args);
    err = epi_call(env, "Erp.BO.PartSvc/Update", b, 400);
    assert_non_null(
        strstr(cJSON_GetObjectItem(err, "ErrorMessage")->valuestring,
               "Row has been modified by another user"));
    cJSON_Delete(err);
    cJSON_Delete(got);
}

static void update_with_current_row_changes_it(void **state)
{
    struct epi_env *env = *state;
    cJSON *got = epi_call(env, "Erp.BO.PartSvc/GetByID",
                          cJSON_Parse("{\"partNum\":\"WIDGET-100\"}"), 200);
    cJSON *b = cJSON_CreateObject(), *part, *out;
    double rev;

    cJSON_AddItemToObject(b, "ds",
                          cJSON_DetachItemFromObject(got, "returnObj"));
    cJSON_Delete(got);
    part = first(b, "Part");
    rev = cJSON_GetObjectItem(part, "SysRevID")->valuedouble;
    cJSON_ReplaceItemInObject(part, "RowMod", cJSON_CreateString("U"));
    cJSON_ReplaceItemInObject(part, "UnitPrice", cJSON_CreateNumber(13));
    out = epi_call(env, "Erp.BO.PartSvc/Update", b, 200);
    part = cJSON_GetArrayItem(
        cJSON_GetObjectItem(
            cJSON_GetObjectItem(cJSON_GetObjectItem(out, "parameters"), "ds"),
            "Part"),
        0);
    assert_true(cJSON_GetObjectItem(part, "SysRevID")->valuedouble > rev);
    assert_true(cJSON_GetObjectItem(part, "UnitPrice")->valuedouble == 13);
    assert_string_equal(cJSON_GetObjectItem(part, "RowMod")->valuestring, "");
    cJSON_Delete(out);
}

static void partial_row_update_is_refused(void **state)
{
    struct epi_env *env = *state;
    cJSON *b = cJSON_Parse("{\"ds\":{\"Part\":[{\"PartNum\":\"WIDGET-100\","
                           "\"UnitPrice\":1,\"RowMod\":\"U\","
                           "\"SysRevID\":1}]}}");
    cJSON *err = epi_call(env, "Erp.BO.PartSvc/Update", b, 400);

    assert_non_null(strstr(
        cJSON_GetObjectItem(err, "ErrorMessage")->valuestring, "complete row"));
    cJSON_Delete(err);
}

static void get_new_customer_and_update_assigns_custnum(void **state)
{
    struct epi_env *env = *state;
    cJSON *b = epi_ds_body(epi_call(env, "Erp.BO.CustomerSvc/GetNewCustomer",
                                    cJSON_Parse("{\"ds\":{}}"), 200));
    cJSON *c = first(b, "Customer");

    cJSON_ReplaceItemInObject(c, "CustID", cJSON_CreateString("SHOP-1"));
    cJSON_ReplaceItemInObject(c, "Name", cJSON_CreateString("Web Shopper"));
    b = epi_ds_body(epi_call(env, "Erp.BO.CustomerSvc/Update", b, 200));
    assert_int_equal(
        cJSON_GetObjectItem(first(b, "Customer"), "CustNum")->valueint, 100);
    cJSON_Delete(b);
}

static void get_rows_pages_by_sysrevid(void **state)
{
    struct epi_env *env = *state;
    struct epi_resp r;
    cJSON *out;

    epi_v2(&r, env, "GET",
           "Erp.BO.PartSvc/GetRows?whereClausePart=SysRevID%20%3E%201%20BY%20"
           "SysRevID&pageSize=1&absolutePage=0",
           NULL);
    assert_int_equal(r.status, 200);
    out = cJSON_GetObjectItem(r.json, "returnObj");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(out, "Part")), 1);
    assert_int_equal(
        cJSON_GetObjectItem(
            cJSON_GetArrayItem(cJSON_GetObjectItem(out, "Part"), 0), "SysRevID")
            ->valueint,
        2);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(
        cJSON_GetObjectItem(r.json, "parameters"), "morePages")));
    epi_resp_free(&r);
    /* absolutePage counts from 0 (production clients do): page 1 is the
     * second row, not the first again. */
    epi_v2(&r, env, "GET",
           "Erp.BO.PartSvc/GetRows?whereClausePart=SysRevID%20%3E%201%20BY%20"
           "SysRevID&pageSize=1&absolutePage=1",
           NULL);
    assert_int_equal(r.status, 200);
    out = cJSON_GetObjectItem(r.json, "returnObj");
    assert_int_equal(
        cJSON_GetObjectItem(
            cJSON_GetArrayItem(cJSON_GetObjectItem(out, "Part"), 0), "SysRevID")
            ->valueint,
        3);
    epi_resp_free(&r);
    epi_v2(&r, env, "GET",
           "Erp.BO.PartSvc/GetList?whereClause=&pageSize=0&absolutePage=0",
           NULL);
    assert_int_equal(r.status, 400);
    epi_resp_free(&r);
    epi_v2(&r, env, "GET", "Erp.BO.CustomerSvc/GetByID?custNum=11", NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "BOLTCO"));
    epi_resp_free(&r);
    epi_v2(&r, env, "GET", "Erp.BO.CustomerSvc/GetByID?custNum=99", NULL);
    assert_int_equal(r.status, 404);
    epi_resp_free(&r);
}

static void ap_invoice_gl_account_goes_on_the_tglc_row(void **state)
{
    struct epi_env *env = *state;
    cJSON *b, *row, *err;
    struct epi_resp r;

#define AP "Erp.BO.APInvoiceSvc/"
    b = epi_ds_body(epi_call(env, AP "GetNewAPInvHed",
                             cJSON_Parse("{\"ds\":{},\"vendorNum\":1}"), 200));
    row = first(b, "APInvHed");
    assert_string_equal(
        cJSON_GetObjectItem(row, "VendorNumVendorID")->valuestring, "STEELINC");
    cJSON_ReplaceItemInObject(row, "InvoiceNum", cJSON_CreateString("INV-9"));
    cJSON_ReplaceItemInObject(row, "GroupID", cJSON_CreateString("KS01"));
    cJSON_AddStringToObject(b, "cGroupID", "KS01");
    b = epi_ds_body(epi_call(env, AP "UpdateMaster", b, 200));
    cJSON_AddNumberToObject(b, "vendorNum", 1);
    cJSON_AddStringToObject(b, "invoiceNum", "INV-9");
    b = epi_ds_body(epi_call(env, AP "GetNewAPInvDtl", b, 200));
    row = cJSON_GetArrayItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(b, "ds"), "APInvDtl"), 0);
    cJSON_ReplaceItemInObject(row, "Description",
                              cJSON_CreateString("Freight"));
    cJSON_ReplaceItemInObject(row, "ScrVendorQty", cJSON_CreateNumber(1));
    cJSON_ReplaceItemInObject(row, "ScrDocExtCost", cJSON_CreateNumber(75));
    b = epi_ds_body(epi_call(env, AP "UpdateMaster", b, 200));
    cJSON_AddNumberToObject(b, "vendorNum", 1);
    cJSON_AddStringToObject(b, "invoiceNum", "INV-9");
    cJSON_AddNumberToObject(b, "invoiceLine", 1);
    b = epi_ds_body(epi_call(env, AP "GetNewAPInvExp", b, 200));
    row = cJSON_GetArrayItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(b, "ds"), "APInvExp"), 0);
    cJSON_ReplaceItemInObject(row, "DocExpAmt", cJSON_CreateNumber(75));
    cJSON_ReplaceItemInObject(row, "GLAccount",
                              cJSON_CreateString("5100|00|100"));
    cJSON_Delete(epi_call(env, AP "Update", b, 200));
    /* The account sent on APInvExp did not stick; a TGLC row exists. */
    epi_v2(&r, env, "GET", AP "APInvExps", NULL);
    assert_string_equal(
        cJSON_GetObjectItem(
            cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "value"), 0),
            "GLAccount")
            ->valuestring,
        "");
    epi_resp_free(&r);
    epi_v2(&r, env, "GET", AP "APInvExpTGLCs", NULL);
    row = cJSON_Duplicate(
        cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "value"), 0), 1);
    epi_resp_free(&r);
    assert_non_null(row);
    cJSON_ReplaceItemInObject(row, "RowMod", cJSON_CreateString("U"));
    cJSON_ReplaceItemInObject(row, "GLAccount",
                              cJSON_CreateString("9999|00|100"));
    cJSON_ReplaceItemInObject(row, "SegValue1", cJSON_CreateString("9999"));
    cJSON_ReplaceItemInObject(row, "SegValue2", cJSON_CreateString("00"));
    cJSON_ReplaceItemInObject(row, "SegValue3", cJSON_CreateString("100"));
    b = cJSON_CreateObject();
    cJSON_AddItemToArray(cJSON_AddArrayToObject(
                             cJSON_AddObjectToObject(b, "ds"), "APInvExpTGLC"),
                         row);
    err = epi_call(env, AP "Update", cJSON_Duplicate(b, 1), 400);
    assert_non_null(strstr(
        cJSON_GetObjectItem(err, "ErrorMessage")->valuestring, "not valid"));
    cJSON_Delete(err);
    cJSON_ReplaceItemInObject(row, "GLAccount",
                              cJSON_CreateString("5100|00|100"));
    cJSON_ReplaceItemInObject(row, "SegValue1", cJSON_CreateString("5100"));
    cJSON_Delete(epi_call(env, AP "Update", b, 200));
    epi_v2(&r, env, "GET", AP "APInvExps", NULL);
    assert_non_null(strstr(r.body, "\"GLAccount\":\"5100|00|100\""));
    epi_resp_free(&r);
    epi_v2(&r, env, "GET", AP "APInvoices", NULL);
    assert_non_null(strstr(r.body, "\"InvoiceAmt\":75"));
    epi_resp_free(&r);
}

static void labor_posts_quantity_to_the_operation(void **state)
{
    struct epi_env *env = *state;
    cJSON *b, *row;
    struct epi_resp r;

    b = epi_ds_body(epi_call(env, "Erp.BO.LaborSvc/GetNewLaborHed1",
                             cJSON_Parse("{\"ds\":{},\"EmployeeNum\":\"E1\","
                                         "\"ShopFloor\":false}"),
                             200));
    b = epi_ds_body(epi_call(env, "Erp.BO.LaborSvc/Update", b, 200));
    b = epi_ds_body(
        epi_call(env, "Erp.BO.LaborSvc/GetNewLaborDtlWithHdr", b, 200));
    row = cJSON_GetArrayItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(b, "ds"), "LaborDtl"), 0);
    cJSON_ReplaceItemInObject(row, "JobNum", cJSON_CreateString("J1001"));
    cJSON_ReplaceItemInObject(row, "OprSeq", cJSON_CreateNumber(20));
    cJSON_ReplaceItemInObject(row, "LaborQty", cJSON_CreateNumber(15));
    cJSON_ReplaceItemInObject(row, "LaborHrs", cJSON_CreateNumber(1.5));
    cJSON_Delete(epi_call(env, "Erp.BO.LaborSvc/Update", b, 200));
    epi_v2(&r, env, "GET", "Erp.BO.JobEntrySvc/JobOpers('EPIC06','J1001',0,20)",
           NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(cJSON_GetObjectItem(r.json, "QtyCompleted")->valueint, 55);
    assert_true(cJSON_GetObjectItem(r.json, "ActProdHours")->valuedouble == 4);
    epi_resp_free(&r);
}

/* The supplier and part lookups of POSvc and APInvoiceSvc: found ones
 * fill the tableset row, unknown ones are a business error naming them. */
static void po_and_ap_lookups_fill_the_row(void **state)
{
    struct epi_env *env = *state;
    cJSON *r, *row;

    r = epi_call(env, "Erp.BO.POSvc/ChangeVendor",
                 cJSON_Parse("{\"ds\":{\"POHeader\":[{\"RowMod\":\"A\"}]},"
                             "\"VendID\":\"boxmart\"}"),
                 200);
    row = first(cJSON_GetObjectItem(r, "parameters"), "POHeader");
    assert_int_equal(cJSON_GetObjectItem(row, "VendorNum")->valueint, 2);
    assert_string_equal(kx_json_str_or(row, "VendorVendorID", ""), "BOXMART");
    assert_string_equal(kx_json_str_or(row, "VendorName", ""), "Box Mart");
    cJSON_Delete(r);
    r = epi_call(env, "Erp.BO.POSvc/ChangeDetailPartNum",
                 cJSON_Parse("{\"ds\":{\"PODetail\":[{\"RowMod\":\"A\"}]},"
                             "\"NewPartNum\":\"WIDGET-200\"}"),
                 200);
    row = first(cJSON_GetObjectItem(r, "parameters"), "PODetail");
    assert_string_equal(kx_json_str_or(row, "LineDesc", ""),
                        "Widget, steel, 200 mm");
    cJSON_Delete(r);
    r = epi_call(env, "Erp.BO.APInvoiceSvc/ChangeVendorID",
                 cJSON_Parse("{\"ds\":{\"APInvHed\":[{\"RowMod\":\"A\"}]},"
                             "\"ProposedVendorID\":\"STEELINC\"}"),
                 200);
    assert_string_equal(kx_json_str_or(cJSON_GetObjectItem(r, "parameters"),
                                       "confirmMsg", "(none)"),
                        "");
    row = first(cJSON_GetObjectItem(r, "parameters"), "APInvHed");
    assert_int_equal(cJSON_GetObjectItem(row, "VendorNum")->valueint, 1);
    assert_string_equal(kx_json_str_or(row, "VendorNumVendorID", ""),
                        "STEELINC");
    cJSON_Delete(r);
    r = epi_call(env, "Erp.BO.APInvoiceSvc/ChangeVendorID",
                 cJSON_Parse("{\"ds\":{\"APInvHed\":[{\"RowMod\":\"A\"}]},"
                             "\"ProposedVendorID\":\"NOPE\"}"),
                 400);
    assert_string_equal(kx_json_str_or(r, "ErrorMessage", ""),
                        "Supplier ID 'NOPE' is not valid.");
    cJSON_Delete(r);
    r = epi_call(
        env, "Erp.BO.POSvc/ChangeDetailPartNum",
        cJSON_Parse("{\"ds\":{\"PODetail\":[{}]},\"NewPartNum\":\"X\"}"), 400);
    assert_string_equal(kx_json_str_or(r, "ErrorMessage", ""),
                        "Part 'X' is not valid.");
    cJSON_Delete(r);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, epi_teardown)
    const struct CMUnitTest tests[] = {
        T(new_order_is_visible_to_odata),
        T(master_update_without_customer_is_400),
        T(unknown_part_is_a_business_error),
        T(stale_sysrevid_is_a_conflict),
        T(update_with_current_row_changes_it),
        T(partial_row_update_is_refused),
        T(get_new_customer_and_update_assigns_custnum),
        T(get_rows_pages_by_sysrevid),
        T(ap_invoice_gl_account_goes_on_the_tglc_row),
        T(labor_posts_quantity_to_the_operation),
        T(po_and_ap_lookups_fill_the_row),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
