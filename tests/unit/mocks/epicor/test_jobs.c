/* unit.mocks.epicor.jobs: the shop floor of the Epicor emulator: job,
 * labour, reason, indirect, resource-group and plant reads; Update with
 * SysRevID concurrency and UD columns; active labour as the in-process
 * view (and its BAQ); permissions; PartTran writes; generated jobs.
 * Events are in test_job_events.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include "epi_test.h"

extern const struct km_emulator_type km_epicor_type;

/* ---- reads --------------------------------------------------------- */

static void test_reads_filter_jobs_and_dictionaries(void **state)
{
    struct epi_env env;
    cJSON *j;

    (void)state;
    epi_start_shopfloor(&env, "");
    j = epi_get(
        &env,
        "Erp.BO.JobEntrySvc/JobEntries?$filter=JobReleased%20eq%20true%20"
        "and%20JobClosed%20eq%20false&$select=JobNum,Plant",
        200);
    assert_int_equal(epi_count(j), 2); /* J2002, J3001 */
    assert_string_equal(
        kx_json_str(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "value"), 1),
                    "Plant"),
        "Plant2");
    cJSON_Delete(j);
    j = epi_get(
        &env,
        "Erp.BO.JobEntrySvc/JobOpers?$filter=PrimaryResourceGrpID%20eq%20"
        "%27CNC-01%27%20and%20OpComplete%20eq%20false",
        200);
    assert_int_equal(epi_count(j), 1);
    assert_int_equal(
        kx_json_num(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "value"), 0),
                    "ProdStandard", 0),
        60);
    cJSON_Delete(j);
    j = epi_get(
        &env, "Erp.BO.JobEntrySvc/JobAsmbls?$filter=JobNum%20eq%20%27J3001%27",
        200);
    assert_int_equal(epi_count(j), 1);
    cJSON_Delete(j);
    j = epi_get(&env,
                "Erp.BO.ReasonSvc/Reasons?$filter=ReasonType%20eq%20%27S%27",
                200);
    assert_int_equal(epi_count(j), 3);
    cJSON_Delete(j);
    j = epi_get(
        &env, "Erp.BO.IndirectSvc/Indirects?$filter=DownTime%20eq%20true", 200);
    assert_int_equal(epi_count(j), 3);
    cJSON_Delete(j);
    j = epi_get(&env, "Erp.BO.PlantSvc/Plants(%27EPIC06%27,%27Plant2%27)", 200);
    assert_string_equal(kx_json_str(j, "Name"), "East plant");
    cJSON_Delete(j);
    j = epi_get(&env,
                "Erp.BO.ResourceGroupSvc/ResourceGroups?$filter=Plant%20eq%20"
                "%27Plant2%27",
                200);
    assert_int_equal(epi_count(j), 2);
    cJSON_Delete(j);
    /* GetByID answers the tableset: head, assembly 0, operations */
    j = epi_call(&env, "Erp.BO.JobEntrySvc/GetByID",
                 cJSON_Parse("{\"jobNum\":\"J2001\"}"), 200);
    {
        cJSON *ds = cJSON_GetObjectItem(j, "returnObj");

        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(ds, "JobHead")),
                         1);
        assert_int_equal(
            cJSON_GetArraySize(cJSON_GetObjectItem(ds, "JobAsmbl")), 1);
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(ds, "JobOper")),
                         2);
    }
    cJSON_Delete(j);
    epi_stop(&env);
}

/* ---- Update: concurrency, UD columns, events from the API path ------- */

static void test_update_concurrency_and_ud_columns(void **state)
{
    struct epi_env env;
    cJSON *body, *op, *reply, *snap;
    double rev;

    (void)state;
    epi_start_shopfloor(&env, "\"ud_fields\": {\"JobOper\": {\"OEEPct_c\": 0, "
                              "\"OEENote_c\": \"\"}}");
    body = epi_job_ds(&env, "J2002");
    op = cJSON_GetArrayItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(body, "ds"), "JobOper"), 0);
    assert_true(cJSON_HasObjectItem(op, "OEEPct_c"));
    rev = kx_json_num(op, "SysRevID", 0);
    cJSON_ReplaceItemInObject(op, "OEEPct_c", cJSON_CreateNumber(81.4));
    cJSON_ReplaceItemInObject(op, "RowMod", cJSON_CreateString("U"));
    reply = epi_call(&env, "Erp.BO.JobEntrySvc/Update",
                     cJSON_Duplicate(body, 1), 200);
    cJSON_Delete(reply);
    /* the same row again, with the SysRevID read before: refused */
    reply = epi_call(&env, "Erp.BO.JobEntrySvc/Update", body, 400);
    assert_non_null(
        strstr(kx_json_str(reply, "ErrorMessage"), "modified by another user"));
    cJSON_Delete(reply);
    reply = epi_get(
        &env, "Erp.BO.JobEntrySvc/JobOpers?$filter=OEEPct_c%20gt%2080", 200);
    assert_int_equal(epi_count(reply), 1);
    assert_true(
        kx_json_num(cJSON_GetArrayItem(cJSON_GetObjectItem(reply, "value"), 0),
                    "SysRevID", 0) > rev);
    cJSON_Delete(reply);
    /* an API write that changes no transition fires nothing */
    snap = epi_snapshot(&env);
    assert_int_equal(
        cJSON_GetArraySize(cJSON_GetObjectItem(snap, "job_events")), 0);
    cJSON_Delete(snap);
    epi_stop(&env);
}

static void test_ud_fields_config_errors(void **state)
{
    char err[256];
    struct km_emulator *emu = NULL;
    struct ks_clock *clock;
    cJSON *cfg;

    (void)state;
    assert_int_equal(ks_clock_new_virtual(&clock, KT_START_MS), 0);
    cfg = cJSON_Parse("{\"ud_fields\": {\"JobOper\": {\"OEEPct\": 0}}}");
    assert_int_not_equal(km_emulator_start(&emu, &km_epicor_type, cfg, clock,
                                           NULL, 0, err, sizeof(err)),
                         0);
    if (!strstr(err, "ud_fields") || !strstr(err, "/JobOper/OEEPct"))
        fail_msg("%s", err);
    cJSON_Delete(cfg);
    cfg = cJSON_Parse("{\"event_functions\": [{\"event\": \"job.exploded\", "
                      "\"url\": \"http://127.0.0.1:1/x\"}]}");
    assert_int_not_equal(km_emulator_start(&emu, &km_epicor_type, cfg, clock,
                                           NULL, 0, err, sizeof(err)),
                         0);
    if (!strstr(err, "event_functions") || !strstr(err, "/0/event"))
        fail_msg("%s", err);
    cJSON_Delete(cfg);
    ks_clock_free(clock);
}

/* ---- active labour is the in-process view ---------------------------- */

static void test_active_labour_tells_in_setup_and_in_process(void **state)
{
    struct epi_env env;
    cJSON *j, *row;

    (void)state;
    epi_start_shopfloor(&env,
                        "\"baqs\": [{\"id\": \"OEE-ActiveOps\", \"source\": "
                        "\"active_operations\"}]");
    cJSON_Delete(epi_act(&env, "clock_in",
                         "{\"employee\":\"E1\",\"job_num\":\"J2002\","
                         "\"opr_seq\":10,\"labor_type\":\"S\"}",
                         0));
    cJSON_Delete(epi_act(&env, "clock_in",
                         "{\"employee\":\"E2\",\"job_num\":\"J3001\","
                         "\"opr_seq\":10,\"labor_type\":\"P\"}",
                         0));
    /* not released: no labour */
    cJSON_Delete(epi_act(&env, "clock_in",
                         "{\"employee\":\"E3\",\"job_num\":\"J2001\","
                         "\"opr_seq\":10}",
                         -1));
    j = epi_get(
        &env,
        "Erp.BO.LaborSvc/LaborDtls?$filter=ActiveTrans%20eq%20true%20and%20"
        "LaborType%20eq%20%27S%27",
        200);
    assert_int_equal(epi_count(j), 1);
    row = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "value"), 0);
    assert_string_equal(kx_json_str(row, "JobNum"), "J2002");
    assert_string_equal(kx_json_str(row, "ResourceGrpID"), "CNC-02");
    cJSON_Delete(j);
    j = epi_get(
        &env, "Erp.BO.LaborSvc/LaborDtls?$filter=ActiveTrans%20eq%20true", 200);
    assert_int_equal(epi_count(j), 2);
    cJSON_Delete(j);
    /* the same in one BAQ, joined with the operation and the job */
    j = epi_get(
        &env,
        "BaqSvc/OEE-ActiveOps/Data?$filter=JobHead_Plant%20eq%20%27Plant2%27",
        200);
    assert_int_equal(epi_count(j), 1);
    row = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "value"), 0);
    assert_string_equal(kx_json_str(row, "LaborDtl_JobNum"), "J3001");
    assert_string_equal(kx_json_str(row, "LaborDtl_LaborType"), "P");
    assert_string_equal(kx_json_str(row, "JobOper_OpCode"), "PRESS");
    assert_int_equal(kx_json_num(row, "JobOper_ProdStandard", 0), 600);
    cJSON_Delete(j);
    /* clocked out: the operation is no longer in setup */
    cJSON_Delete(epi_act(&env, "clock_out", "{\"employee\":\"E1\"}", 0));
    cJSON_Delete(epi_act(&env, "clock_out", "{\"employee\":\"E1\"}", -1));
    j = epi_get(
        &env,
        "Erp.BO.LaborSvc/LaborDtls?$filter=ActiveTrans%20eq%20true%20and%20"
        "LaborType%20eq%20%27S%27",
        200);
    assert_int_equal(epi_count(j), 0);
    cJSON_Delete(j);
    /* an unknown scrap reason is refused, a known one kept */
    cJSON_Delete(epi_act(
        &env, "clock_out",
        "{\"employee\":\"E2\",\"scrap\":1,\"scrap_reason\":\"NOPE\"}", -1));
    cJSON_Delete(epi_act(&env, "clock_out",
                         "{\"employee\":\"E2\",\"good\":40,\"scrap\":1,"
                         "\"scrap_reason\":\"DIM\"}",
                         0));
    j = epi_get(&env,
                "Erp.BO.JobEntrySvc/JobOpers(%27EPIC06%27,%27J3001%27,0,10)",
                200);
    assert_int_equal(kx_json_num(j, "QtyCompleted", 0), 40);
    assert_int_equal(kx_json_num(j, "ActScrapQty", 0), 1);
    cJSON_Delete(j);
    epi_stop(&env);
}

/* ---- permissions ----------------------------------------------------- */

static void test_denied_update_leaves_nothing_locked(void **state)
{
    struct epi_env env;
    struct epi_resp r;
    const char *oee[] = {EPI_OEE_BASIC, EPI_KEY,
                         "Content-Type: application/json", NULL};
    cJSON *body, *hed, *snap, *j;
    char *text;

    (void)state;
    epi_start_shopfloor(&env,
                        "\"permissions\": [{\"user\": \"oee\", \"services\": "
                        "{\"Erp.BO.JobEntrySvc\": [\"GetRows\", \"GetByID\"], "
                        "\"Erp.BO.LaborSvc\": \"*\"}}]");
    body = epi_job_ds(&env, "J2001");
    hed = cJSON_GetArrayItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(body, "ds"), "JobHead"), 0);
    cJSON_ReplaceItemInObject(hed, "JobReleased", cJSON_CreateTrue());
    cJSON_ReplaceItemInObject(hed, "RowMod", cJSON_CreateString("U"));
    text = cJSON_PrintUnformatted(body);
    epi_http(&r, &env, "POST",
             "/SaaS5333/api/v2/odata/EPIC06/Erp.BO.JobEntrySvc/Update", oee,
             text);
    assert_int_equal(r.status, 403);
    assert_string_equal(kx_json_str(r.json, "ErrorType"),
                        "Ice.Common.UnauthorizedAccessException");
    assert_non_null(strstr(kx_json_str(r.json, "ErrorMessage"),
                           "Erp.BO.JobEntrySvc/Update"));
    epi_resp_free(&r);
    /* reads it may do */
    epi_http(&r, &env, "GET",
             "/SaaS5333/api/v2/odata/EPIC06/Erp.BO.JobEntrySvc/JobEntries", oee,
             NULL);
    assert_int_equal(r.status, 200);
    epi_resp_free(&r);
    epi_http(&r, &env, "PATCH",
             "/SaaS5333/api/v2/odata/EPIC06/Erp.BO.JobEntrySvc/"
             "JobEntries('EPIC06','J2001')",
             oee, "{\"JobReleased\":true}");
    assert_int_equal(r.status, 403);
    epi_resp_free(&r);
    /* the same tableset, same SysRevID, by a user without limits: saved */
    epi_http(&r, &env, "POST",
             "/SaaS5333/api/v2/odata/EPIC06/Erp.BO.JobEntrySvc/Update",
             (const char *[]){EPI_BASIC, EPI_KEY,
                              "Content-Type: application/json", NULL},
             text);
    assert_int_equal(r.status, 200);
    epi_resp_free(&r);
    free(text);
    cJSON_Delete(body);
    snap = epi_snapshot(&env);
    assert_int_equal(
        cJSON_GetArraySize(cJSON_GetObjectItem(snap, "denied_calls")), 2);
    assert_int_equal(kx_json_num(snap, "open_event_calls", -1), 0);
    cJSON_Delete(snap);
    j = epi_get(&env, "Erp.BO.JobEntrySvc/JobEntries(%27EPIC06%27,%27J2001%27)",
                200);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "JobReleased")));
    cJSON_Delete(j);
    epi_stop(&env);
}

/* A production receipt written as a PartTran (what a write-back of
 * quantities would post). */
#define PART_TRAN_ADD                                                          \
    "{\"ds\":{\"PartTran\":[{\"RowMod\":\"A\",\"SysDate\":"                    \
    "\"2026-01-05T00:00:00\",\"SysTime\":28800,\"PartNum\":\"WIDGET-100\","    \
    "\"TranType\":\"MFG-STK\",\"TranQty\":98,\"JobNum\":\"J2001\"}]}}"

static void test_part_tran_writes_need_the_switch(void **state)
{
    struct epi_env env;
    cJSON *reply;

    (void)state;
    epi_start_shopfloor(&env, "");
    reply = epi_call(&env, "Erp.BO.PartTranSvc/UpdateExt",
                     cJSON_Parse(PART_TRAN_ADD), 400);
    assert_non_null(strstr(kx_json_str(reply, "ErrorMessage"), "PartTranSvc"));
    cJSON_Delete(reply);
    reply = epi_get(&env, "Erp.BO.PartTranSvc/PartTrans", 200);
    assert_int_equal(epi_count(reply), 0);
    cJSON_Delete(reply);
    epi_stop(&env);
    epi_start_shopfloor(&env, "\"part_tran_writes\": true");
    cJSON_Delete(epi_call(&env, "Erp.BO.PartTranSvc/Update",
                          cJSON_Parse(PART_TRAN_ADD), 200));
    reply = epi_get(
        &env, "Erp.BO.PartTranSvc/PartTrans?$filter=JobNum%20eq%20%27J2001%27",
        200);
    assert_int_equal(epi_count(reply), 1);
    assert_int_equal(
        kx_json_num(cJSON_GetArrayItem(cJSON_GetObjectItem(reply, "value"), 0),
                    "TranQty", 0),
        98);
    cJSON_Delete(reply);
    epi_stop(&env);
}

/* ---- generated jobs -------------------------------------------------- */

static void test_generated_jobs_over_work_centres(void **state)
{
    struct epi_env env;
    cJSON *j;

    (void)state;
    epi_start_shopfloor(
        &env, "\"generate_jobs\": {\"jobs\": 2000, \"work_centres\": 50, "
              "\"operations\": 3, \"closed_jobs\": 100, \"plants\": "
              "[\"MfgSys\", \"Plant2\"]}");
    j = epi_get(&env,
                "Erp.BO.JobEntrySvc/JobEntries?$filter=JobClosed%20eq%20false"
                "&$count=true&$top=1",
                200);
    /* 2000 generated open jobs and the fixtures' three open ones */
    assert_int_equal(kx_json_num(j, "@odata.count", 0), 2003);
    cJSON_Delete(j);
    j = epi_get(
        &env,
        "Erp.BO.JobEntrySvc/JobOpers?$filter=PrimaryResourceGrpID%20eq%20"
        "%27WC-0007%27&$count=true&$top=1",
        200);
    assert_true(kx_json_num(j, "@odata.count", 0) > 0);
    cJSON_Delete(j);
    /* a job's operations stay in its plant: GJ-000002 is Plant2, whose
     * work centres are the even ones */
    j = epi_get(
        &env,
        "Erp.BO.JobEntrySvc/JobOpers?$filter=JobNum%20eq%20%27GJ-000002%27",
        200);
    assert_int_equal(epi_count(j), 3);
    {
        const char *wc =
            kx_json_str(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "value"), 0),
                        "PrimaryResourceGrpID");

        assert_int_equal((wc[strlen(wc) - 1] - '0') % 2, 0);
    }
    cJSON_Delete(j);
    /* a generated row read whole: typed like a stored one */
    j = epi_get(&env,
                "Erp.BO.JobEntrySvc/JobEntries(%27EPIC06%27,%27GC-000001%27)",
                200);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "JobClosed")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "JobReleased")));
    assert_true(cJSON_IsString(cJSON_GetObjectItem(j, "ClosedDate")));
    assert_true(kx_json_num(j, "ProdQty", 0) >= 10);
    cJSON_Delete(j);
    j = epi_get(&env,
                "Erp.BO.JobEntrySvc/JobEntries(%27EPIC06%27,%27GJ-000001%27)",
                200);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "JobClosed")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "ClosedDate")));
    cJSON_Delete(j);
    j = epi_get(
        &env, "Erp.BO.ResourceGroupSvc/ResourceGroups?$count=true&$top=1", 200);
    assert_int_equal(kx_json_num(j, "@odata.count", 0), 55);
    cJSON_Delete(j);
    /* a generated job takes labour and fires events like any other */
    cJSON_Delete(epi_act(&env, "clock_in",
                         "{\"employee\":\"E1\",\"job_num\":\"GJ-000010\","
                         "\"opr_seq\":20}",
                         0));
    j = epi_snapshot(&env);
    assert_string_equal(
        kx_json_str(
            cJSON_GetObjectItem(
                cJSON_GetArrayItem(cJSON_GetObjectItem(j, "job_events"), 0),
                "payload"),
            "event"),
        "operation.started");
    cJSON_Delete(j);
    epi_stop(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_filter_jobs_and_dictionaries),
        cmocka_unit_test(test_update_concurrency_and_ud_columns),
        cmocka_unit_test(test_ud_fields_config_errors),
        cmocka_unit_test(test_active_labour_tells_in_setup_and_in_process),
        cmocka_unit_test(test_denied_update_leaves_nothing_locked),
        cmocka_unit_test(test_part_tran_writes_need_the_switch),
        cmocka_unit_test(test_generated_jobs_over_work_centres),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
