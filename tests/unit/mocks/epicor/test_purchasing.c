/* unit.mocks.epicor.purchasing: POSvc, VendorSvc, APInvGrpSvc, ReqSvc and
 * the APInvExpTGLC quirk; ChangeDate discovery; the purchasing actions. */
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
    cJSON_AddItemToObject(co, "vendors", kt_fixture("epicor/vendors/two.json"));
    cJSON_AddItemToObject(co, "gl_accounts",
                          kt_fixture("epicor/gl/accounts.json"));
    cJSON_AddItemToObject(co, "pos", kt_fixture("epicor/pos/one-open.json"));
    return epi_setup(state, cfg);
}

/* The last row of table in body.ds. */
static cJSON *last(cJSON *body, const char *table)
{
    cJSON *arr = cJSON_GetObjectItem(cJSON_GetObjectItem(body, "ds"), table);

    return cJSON_GetArrayItem(arr, cJSON_GetArraySize(arr) - 1);
}

static void set_str(cJSON *row, const char *f, const char *v)
{
    cJSON_DeleteItemFromObject(row, f);
    cJSON_AddStringToObject(row, f, v);
}

static void set_num(cJSON *row, const char *f, double v)
{
    cJSON_DeleteItemFromObject(row, f);
    cJSON_AddNumberToObject(row, f, v);
}

/* GET of a v2 path: the "value" array's entry i field f as text. */
static char *get_field(struct epi_env *env, const char *rest, int i,
                       const char *f)
{
    struct epi_resp r;
    cJSON *row, *v;
    char *out;

    epi_v2(&r, env, "GET", rest, NULL);
    if (r.status != 200)
        fail_msg("GET %s: %ld %s", rest, r.status, r.body);
    row = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "value"), i);
    v = row ? cJSON_GetObjectItem(row, f) : NULL;
    out = !v                  ? strdup("(none)")
          : cJSON_IsString(v) ? strdup(v->valuestring)
                              : cJSON_PrintUnformatted(v);
    epi_resp_free(&r);
    return out;
}

static int count_of(struct epi_env *env, const char *rest)
{
    struct epi_resp r;
    int n;

    epi_v2(&r, env, "GET", rest, NULL);
    if (r.status != 200)
        fail_msg("GET %s: %ld %s", rest, r.status, r.body);
    n = cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "value"));
    epi_resp_free(&r);
    return n;
}

#define assert_field(env, rest, i, f, want)                                    \
    do {                                                                       \
        char *got_ = get_field(env, rest, i, f);                               \
        assert_string_equal(got_, want);                                       \
        free(got_);                                                            \
    } while (0)

#define PO "Erp.BO.POSvc/"

/* GetNewPOHeader → ChangeVendor → Update → a line, a release and its GL
 * row → ChangeApproveSwitch → Update; the total follows the line. */
static void po_created_with_line_gl_and_approval(void **state)
{
    struct epi_env *env = *state;
    cJSON *b, *row;
    double po;

    b = epi_ds_body(
        epi_call(env, PO "GetNewPOHeader", cJSON_Parse("{\"ds\":{}}"), 200));
    cJSON_AddStringToObject(b, "VendID", "BOXMART");
    b = epi_ds_body(epi_call(env, PO "ChangeVendor", b, 200));
    row = last(b, "POHeader");
    assert_int_equal(kx_json_numeric(row, "VendorNum", 0), 2);
    assert_string_equal(kx_json_str(row, "VendorName"), "Box Mart");
    b = epi_ds_body(epi_call(env, PO "Update", b, 200));
    po = kx_json_numeric(last(b, "POHeader"), "PONum", 0);
    assert_true(po > 7001); /* numbered above the fixture's PO */
    cJSON_AddNumberToObject(b, "poNUM", po);
    b = epi_ds_body(epi_call(env, PO "GetNewPODetail", b, 200));
    row = last(b, "PODetail");
    assert_int_equal(kx_json_numeric(row, "PONUM", 0), po);
    set_str(row, "LineDesc", "Cartons");
    set_num(row, "XOrderQty", 40);
    set_num(row, "DocUnitCost", 1.25);
    b = epi_ds_body(epi_call(env, PO "Update", b, 200));
    /* The header comes back as stored after its total moved. */
    assert_int_equal(kx_json_numeric(last(b, "POHeader"), "TotalOrder", 0), 50);
    cJSON_AddNumberToObject(b, "poNum", po);
    cJSON_AddNumberToObject(b, "poLine", 1);
    b = epi_ds_body(epi_call(env, PO "GetNewPORel", b, 200));
    set_num(last(b, "PORel"), "XRelQty", 40);
    b = epi_ds_body(epi_call(env, PO "Update", b, 200));
    cJSON_AddNumberToObject(b, "poNum", po);
    cJSON_AddNumberToObject(b, "poLine", 1);
    cJSON_AddNumberToObject(b, "poRelNum", 1);
    b = epi_ds_body(epi_call(env, PO "GetNewPORelTGLC", b, 200));
    row = last(b, "PORelTGLC");
    assert_string_equal(kx_json_str(row, "BookID"), "MAIN");
    set_str(row, "GLAccount", "9999|00|100");
    set_str(row, "SegValue1", "9999");
    set_str(row, "SegValue2", "00");
    set_str(row, "SegValue3", "100");
    cJSON_Delete(epi_call(env, PO "Update", cJSON_Duplicate(b, 1), 400));
    set_str(row, "GLAccount", "6200|00|100");
    set_str(row, "SegValue1", "6200");
    b = epi_ds_body(epi_call(env, PO "Update", b, 200));
    set_str(last(b, "POHeader"), "RowMod", "U");
    cJSON_AddTrueToObject(b, "ApproveValue");
    b = epi_ds_body(epi_call(env, PO "ChangeApproveSwitch", b, 200));
    assert_string_equal(kx_json_str(last(b, "POHeader"), "ApprovalStatus"),
                        "A");
    cJSON_Delete(epi_call(env, PO "Update", b, 200));

    assert_field(env, PO "POes?$filter=VendorNum%20eq%202", 0, "ApprovalStatus",
                 "A");
    assert_field(env, PO "POes?$filter=VendorNum%20eq%202", 0, "TotalOrder",
                 "50");
    assert_field(env, PO "PODetails?$filter=LineDesc%20eq%20%27Cartons%27", 0,
                 "OrderQty", "40");
    assert_field(env, PO "PORelTGLCs", 0, "GLAccount", "6200|00|100");
    assert_field(env, PO "PORelTGLCs", 0, "Key1", "7002");
    /* Written today: the date alone, no time of day. */
    assert_field(env, PO "POes?$filter=VendorNum%20eq%202", 0, "ChangeDate",
                 "2026-01-05T00:00:00Z");
}

/* Update with the SysRevID read before someone else saved: refused. */
static void stale_sysrevid_refused(void **state)
{
    struct epi_env *env = *state;
    cJSON *b, *args, *err;
    char msg[200];

    {
        struct epi_resp r;

        epi_v2(&r, env, "GET", PO "GetByID?poNum=7001", NULL);
        assert_int_equal(r.status, 200);
        b = cJSON_CreateObject();
        cJSON_AddItemToObject(b, "ds",
                              cJSON_DetachItemFromObject(r.json, "returnObj"));
        epi_resp_free(&r);
    }
    args = cJSON_Parse("{\"po_num\":7001,\"po_line\":1,"
                       "\"fields\":{\"XOrderQty\":120}}");
    assert_int_equal(km_emulator_act(env->emu, "change_po_line", args, NULL,
                                     msg, sizeof(msg)),
                     0);
    cJSON_Delete(args);
    set_str(last(b, "PODetail"), "RowMod", "U");
    set_num(last(b, "PODetail"), "XOrderQty", 90);
    err = epi_call(env, PO "Update", b, 400);
    assert_non_null(
        strstr(kx_json_str(err, "ErrorMessage"), "modified by another user"));
    cJSON_Delete(err);
    assert_field(env, PO "PODetails", 0, "XOrderQty", "120");
    assert_field(env, PO "POes", 0, "TotalOrder", "600");
}

/* ChangeDate is a date: a change later the same day is found by
 * "ChangeDate ge <today>", and a filter from tomorrow finds nothing
 * until a change made tomorrow. */
static void change_date_finds_a_same_day_change(void **state)
{
    struct epi_env *env = *state;
    cJSON *args;
    char msg[200];

    assert_int_equal(
        count_of(env,
                 PO "POes?$filter=ChangeDate%20ge%20datetime%272026-01-06%27"),
        0);
    ks_clock_advance_ms(env->clock, 5 * 3600 * 1000); /* 13:00, same day */
    args = cJSON_Parse("{\"po_num\":7001,\"po_line\":1,"
                       "\"fields\":{\"DocUnitCost\":6}}");
    assert_int_equal(km_emulator_act(env->emu, "change_po_line", args, NULL,
                                     msg, sizeof(msg)),
                     0);
    cJSON_Delete(args);
    assert_int_equal(
        count_of(
            env,
            PO "PODetails?$filter=ChangeDate%20ge%20datetime%272026-01-05%27"),
        1);
    assert_field(env, PO "POes?$filter=ChangeDate%20ge%202026-01-05T00:00:00Z",
                 0, "TotalOrder", "600");
    ks_clock_advance_ms(env->clock, 12 * 3600 * 1000); /* 01:00 next day */
    assert_int_equal(
        count_of(env,
                 PO "POes?$filter=ChangeDate%20ge%20datetime%272026-01-06%27"),
        0);
    args = cJSON_Parse("{\"po_num\":7001}");
    assert_int_equal(
        km_emulator_act(env->emu, "approve_po", args, NULL, msg, sizeof(msg)),
        0);
    cJSON_Delete(args);
    assert_field(env,
                 PO "POes?$filter=ChangeDate%20ge%20datetime%272026-01-06%27",
                 0, "ChangeDate", "2026-01-06T00:00:00Z");
    /* The line was not written today. */
    assert_int_equal(
        count_of(
            env,
            PO "PODetails?$filter=ChangeDate%20ge%20datetime%272026-01-06%27"),
        0);
}

#define AP "Erp.BO.APInvoiceSvc/"
#define GRP "Erp.BO.APInvGrpSvc/"

static void invoice_groups_created_listed_unlocked(void **state)
{
    struct epi_env *env = *state;
    struct epi_resp r;
    cJSON *b;

    epi_v2(&r, env, "POST", GRP "APInvGrps",
           "{\"Company\":\"EPIC06\","
           "\"GroupID\":\"KS01\"}");
    assert_int_equal(r.status, 201);
    assert_string_equal(kx_json_str(r.json, "ActiveUserID"), "manager");
    assert_int_equal(kx_json_numeric(r.json, "FiscalPeriod", 0), 1);
    epi_resp_free(&r);
    b = epi_ds_body(
        epi_call(env, GRP "GetNewAPInvGrp", cJSON_Parse("{\"ds\":{}}"), 200));
    assert_string_equal(kx_json_str(last(b, "APInvGrp"), "ApplyDate"),
                        "2026-01-05T00:00:00Z");
    set_str(last(b, "APInvGrp"), "GroupID", "KS02");
    cJSON_Delete(epi_call(env, GRP "Update", b, 200));
    assert_int_equal(count_of(env, GRP "APInvGrps"), 2);
    cJSON_Delete(epi_call(env, GRP "UnlockGroup",
                          cJSON_Parse("{\"InGroupID\":\"KS01\"}"), 200));
    assert_field(env, GRP "APInvGrps", 0, "ActiveUserID", "");
    assert_field(env, GRP "APInvGrps", 1, "ActiveUserID", "manager");
    cJSON_Delete(epi_call(env, GRP "UnlockGroup",
                          cJSON_Parse("{\"InGroupID\":\"NOPE\"}"), 404));
}

/* An invoice with one expense line; returns the TGLC row the
 * application created for it (caller deletes). */
static cJSON *invoice_with_expense(struct epi_env *env)
{
    struct epi_resp r;
    cJSON *b, *row;

    b = epi_ds_body(epi_call(env, AP "GetNewAPInvHed",
                             cJSON_Parse("{\"ds\":{},\"vendorNum\":1}"), 200));
    row = last(b, "APInvHed");
    set_str(row, "InvoiceNum", "INV-7");
    set_str(row, "GroupID", "KS01");
    b = epi_ds_body(epi_call(env, AP "UpdateMaster", b, 200));
    cJSON_AddNumberToObject(b, "vendorNum", 1);
    cJSON_AddStringToObject(b, "invoiceNum", "INV-7");
    b = epi_ds_body(epi_call(env, AP "GetNewAPInvDtl", b, 200));
    row = last(b, "APInvDtl");
    set_str(row, "Description", "Freight");
    set_num(row, "ScrVendorQty", 1);
    set_num(row, "ScrDocExtCost", 80);
    b = epi_ds_body(epi_call(env, AP "UpdateMaster", b, 200));
    cJSON_AddNumberToObject(b, "vendorNum", 1);
    cJSON_AddStringToObject(b, "invoiceNum", "INV-7");
    cJSON_AddNumberToObject(b, "invoiceLine", 1);
    b = epi_ds_body(epi_call(env, AP "GetNewAPInvExp", b, 200));
    set_num(last(b, "APInvExp"), "DocExpAmt", 80);
    cJSON_Delete(epi_call(env, AP "UpdateMaster", b, 200));
    epi_v2(&r, env, "GET", AP "APInvExpTGLCs", NULL);
    row = cJSON_Duplicate(
        cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "value"), 0), 1);
    epi_resp_free(&r);
    assert_non_null(row);
    return row;
}

/* A TGLC row posted directly is stored beside the application's row and
 * the expense keeps no account; the same account through UpdateMaster on
 * the application's row lands on the expense. */
static void tglc_direct_post_misses_update_master_lands(void **state)
{
    struct epi_env *env = *state;
    struct epi_resp r;
    cJSON *app = invoice_with_expense(env), *b;

    epi_v2(&r, env, "POST", AP "APInvExpTGLCs",
           "{\"Company\":\"EPIC06\",\"VendorNum\":1,\"InvoiceNum\":\"INV-7\","
           "\"InvoiceLine\":1,\"InvExpSeq\":1,\"GLAccount\":\"5100|00|100\","
           "\"SegValue1\":\"5100\",\"SegValue2\":\"00\","
           "\"SegValue3\":\"100\"}");
    assert_int_equal(r.status, 201);
    assert_int_equal(kx_json_numeric(r.json, "TGLCTranNum", 0), 2);
    epi_resp_free(&r);
    assert_int_equal(count_of(env, AP "APInvExpTGLCs"), 2);
    assert_field(env, AP "APInvExps", 0, "GLAccount", "");

    set_str(app, "RowMod", "U");
    set_str(app, "GLAccount", "5100|00|100");
    set_str(app, "SegValue1", "5100");
    set_str(app, "SegValue2", "00");
    set_str(app, "SegValue3", "100");
    b = cJSON_CreateObject();
    cJSON_AddItemToArray(cJSON_AddArrayToObject(
                             cJSON_AddObjectToObject(b, "ds"), "APInvExpTGLC"),
                         app);
    cJSON_AddStringToObject(b, "cGroupID", "KS01");
    cJSON_Delete(epi_call(env, AP "UpdateMaster", b, 200));
    assert_field(env, AP "APInvExps", 0, "GLAccount", "5100|00|100");
}

#define REQ "Erp.BO.ReqSvc/"

static void requisition_created_with_a_line(void **state)
{
    struct epi_env *env = *state;
    struct epi_resp r;
    cJSON *b, *row;
    double num;

    b = epi_ds_body(
        epi_call(env, REQ "GetNewReqHead", cJSON_Parse("{\"ds\":{}}"), 200));
    row = last(b, "ReqHead");
    assert_string_equal(kx_json_str(row, "RequestorID"), "manager");
    set_str(row, "CommentText", "Adobe order 000000123");
    b = epi_ds_body(epi_call(env, REQ "Update", b, 200));
    num = kx_json_numeric(last(b, "ReqHead"), "ReqNum", 0);
    assert_int_equal(num, 1);
    cJSON_AddNumberToObject(b, "reqNum", num);
    b = epi_ds_body(epi_call(env, REQ "GetNewReqDetail", b, 200));
    row = last(b, "ReqDetail");
    assert_int_equal(kx_json_numeric(row, "ReqLine", 0), 1);
    set_str(row, "LineDesc", "Toner");
    set_str(row, "PartNum", "WIDGET-100");
    set_num(row, "XOrderQty", 3);
    set_num(row, "DocUnitCost", 2.5);
    cJSON_Delete(epi_call(env, REQ "Update", b, 200));
    assert_field(env, REQ "ReqDetails", 0, "ExtCost", "7.5");
    epi_v2(&r, env, "GET", REQ "GetByID?reqNum=1", NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"ReqHeadAttch\":[]"));
    assert_non_null(strstr(r.body, "\"LineDesc\":\"Toner\""));
    assert_non_null(strstr(r.body, "\"CreatedOn\":\"2026-01-05T08:00:00Z\""));
    epi_resp_free(&r);
}

static void vendor_created_and_found_by_id(void **state)
{
    struct epi_env *env = *state;
    struct epi_resp r;
    cJSON *b, *row;

    b = epi_ds_body(epi_call(env, "Erp.BO.VendorSvc/GetNewVendor",
                             cJSON_Parse("{\"ds\":{}}"), 200));
    row = last(b, "Vendor");
    set_str(row, "VendorID", "PAPERCO");
    set_str(row, "Name", "Paper Co");
    set_str(row, "ZIP", "10001");
    cJSON_Delete(epi_call(env, "Erp.BO.VendorSvc/Update", b, 200));
    epi_v2(&r, env, "GET", "Erp.BO.VendorSvc/GetByVendID?vendorID=PAPERCO",
           NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"VendorNum\":3"));
    /* The platform's Vendor row has no change date (SW). */
    assert_null(strstr(r.body, "ChangeDate"));
    epi_resp_free(&r);
}

static void enter_ap_invoice_keeps_gl_coding(void **state)
{
    struct epi_env *env = *state;
    cJSON *args, *res = NULL;
    char msg[200];

    args = cJSON_Parse(
        "{\"vendor_num\":1,\"invoice_num\":\"SI-1\",\"ref_po_num\":7001,"
        "\"lines\":[{\"description\":\"Bar\",\"qty\":100,\"unit_cost\":5,"
        "\"po_num\":7001,\"po_line\":1,\"gl_account\":\"5100|00|100\"},"
        "{\"description\":\"Pens\",\"qty\":2,\"unit_cost\":3.25,"
        "\"gl_account\":\"6200|00|100\"}]}");
    assert_int_equal(km_emulator_act(env->emu, "enter_ap_invoice", args, &res,
                                     msg, sizeof(msg)),
                     0);
    assert_int_equal(kx_json_numeric(res, "InvoiceAmt", 0), 506.5);
    cJSON_Delete(res);
    assert_field(env, AP "APInvExps?$filter=InvoiceLine%20eq%202", 0,
                 "GLAccount", "6200|00|100");
    assert_field(env, AP "APInvExpTGLCs?$filter=InvoiceLine%20eq%201", 0,
                 "SegValue1", "5100");
    assert_field(env, AP "APInvDtls?$filter=InvoiceLine%20eq%201", 0, "PONum",
                 "7001");
    /* Again: the invoice exists. A bad account is refused too. */
    assert_int_equal(km_emulator_act(env->emu, "enter_ap_invoice", args, NULL,
                                     msg, sizeof(msg)),
                     -1);
    cJSON_Delete(args);
    args = cJSON_Parse("{\"vendor_num\":1,\"invoice_num\":\"SI-2\","
                       "\"lines\":[{\"qty\":1,\"unit_cost\":1,"
                       "\"gl_account\":\"9999|00|100\"}]}");
    assert_int_equal(km_emulator_act(env->emu, "enter_ap_invoice", args, NULL,
                                     msg, sizeof(msg)),
                     -1);
    assert_non_null(strstr(msg, "not valid"));
    cJSON_Delete(args);
    assert_int_equal(count_of(env, AP "APInvoices"), 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, epi_teardown)
    const struct CMUnitTest tests[] = {
        T(po_created_with_line_gl_and_approval),
        T(stale_sysrevid_refused),
        T(change_date_finds_a_same_day_change),
        T(invoice_groups_created_listed_unlocked),
        T(tglc_direct_post_misses_update_master_lands),
        T(requisition_created_with_a_line),
        T(vendor_created_and_found_by_id),
        T(enter_ap_invoice_keeps_gl_coding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
