/* unit.mocks.epicor.job_events: the event functions of the Epicor
 * emulator's shop floor: payloads from API writes (JobEntrySvc,
 * LaborSvc) and actions, a slow receiver timing out and a network drop,
 * each without retry, and routing by plant and company. */
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

extern const struct km_emulator_type km_static_type;

/* ---- event functions ------------------------------------------------- */

struct receiver {
    struct km_emulator *emu;
    char url[160];
};

static void receiver_start(struct receiver *r, struct epi_env *env,
                           const char *faults)
{
    char *cfg = kx_xasprintf(
        "{\"routes\": [{\"route\": \"POST /events\", \"status\": 200, "
        "\"body\": {\"ok\": true}}, {\"route\": \"POST /plant2\", "
        "\"status\": 200, \"body\": {}}]%s%s}",
        faults ? ", \"faults\": " : "", faults ? faults : "");

    r->emu = kt_emulator_start(&km_static_type, cfg, env->clock);
    snprintf(r->url, sizeof(r->url), "%s", km_server_url(r->emu->server));
    free(cfg);
}

/* Points every event (or the ones of extra) at the receiver. */
static void point_events(struct epi_env *env, const char *functions)
{
    cJSON_Delete(epi_act(env, "set_event_functions", functions, 0));
}

static const cJSON *event_at(const cJSON *snap, int i)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItem(snap, "job_events"), i);
}

static const char *call_outcome(const cJSON *snap, int i)
{
    return kx_json_str(
        cJSON_GetArrayItem(cJSON_GetObjectItem(event_at(snap, i), "calls"), 0),
        "outcome");
}

static void test_api_update_fires_release_event(void **state)
{
    struct epi_env env;
    struct receiver r;
    cJSON *body, *hed, *snap, *p, *journal;
    char *fns;

    (void)state;
    epi_start_shopfloor(&env, "");
    receiver_start(&r, &env, NULL);
    fns = kx_xasprintf("{\"functions\": [{\"event\": [\"job.released\", "
                       "\"job.created\"], \"url\": \"%s/events\", "
                       "\"headers\": {\"x-oee-key\": \"k1\"}}]}",
                       r.url);
    point_events(&env, fns);
    free(fns);
    body = epi_job_ds(&env, "J2001");
    hed = cJSON_GetArrayItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(body, "ds"), "JobHead"), 0);
    cJSON_ReplaceItemInObject(hed, "JobReleased", cJSON_CreateTrue());
    cJSON_ReplaceItemInObject(hed, "RowMod", cJSON_CreateString("U"));
    cJSON_Delete(epi_call(&env, "Erp.BO.JobEntrySvc/Update", body, 200));
    snap = epi_snapshot(&env);
    assert_int_equal(
        cJSON_GetArraySize(cJSON_GetObjectItem(snap, "job_events")), 1);
    p = cJSON_GetObjectItem(event_at(snap, 0), "payload");
    assert_string_equal(kx_json_str(p, "event"), "job.released");
    assert_string_equal(kx_json_str(p, "company"), "EPIC06");
    assert_string_equal(kx_json_str(p, "plant"), "MfgSys");
    assert_string_equal(kx_json_str(p, "job"), "J2001");
    assert_string_equal(kx_json_str(p, "time"), "2026-01-05T08:00:00Z");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(p, "operation")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(p, "operations")),
                     2);
    assert_string_equal(call_outcome(snap, 0), "delivered");
    cJSON_Delete(snap);
    /* the receiver got exactly that body, with the function's header */
    journal = km_server_journal(r.emu->server);
    assert_int_equal(cJSON_GetArraySize(journal), 1);
    {
        cJSON *e = cJSON_GetArrayItem(journal, 0);
        cJSON *sent = cJSON_Parse(kx_json_str(e, "body"));

        assert_string_equal(kx_json_str(sent, "event"), "job.released");
        assert_int_equal(kx_json_num(sent, "sequence", 0), 1);
        assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(e, "headers"),
                                            "x-oee-key"));
        cJSON_Delete(sent);
    }
    cJSON_Delete(journal);
    /* a new job through GetNewJobHead + Update is created (and gets
     * assembly 0) */
    body = epi_ds_body(epi_call(&env, "Erp.BO.JobEntrySvc/GetNewJobHead",
                                cJSON_Parse("{\"ds\":{}}"), 200));
    hed = cJSON_GetArrayItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(body, "ds"), "JobHead"), 0);
    cJSON_ReplaceItemInObject(hed, "JobNum", cJSON_CreateString("J4000"));
    cJSON_ReplaceItemInObject(hed, "PartNum", cJSON_CreateString("P-1"));
    cJSON_ReplaceItemInObject(hed, "ProdQty", cJSON_CreateNumber(5));
    cJSON_Delete(epi_call(&env, "Erp.BO.JobEntrySvc/Update", body, 200));
    snap = epi_snapshot(&env);
    assert_string_equal(
        kx_json_str(cJSON_GetObjectItem(event_at(snap, 1), "payload"), "event"),
        "job.created");
    cJSON_Delete(snap);
    p = epi_get(
        &env, "Erp.BO.JobEntrySvc/JobAsmbls?$filter=JobNum%20eq%20%27J4000%27",
        200);
    assert_int_equal(epi_count(p), 1);
    cJSON_Delete(p);
    km_emulator_stop(r.emu);
    epi_stop(&env);
}

/* A client that books labour through LaborSvc (as MES does) moves the
 * operation too: an active LaborDtl added by Update starts it, the same
 * row saved inactive pauses it. */
static void test_labor_service_writes_fire_operation_events(void **state)
{
    struct epi_env env;
    cJSON *reply, *dtl, *body, *snap;

    (void)state;
    epi_start_shopfloor(&env, "");
    reply = epi_call(
        &env, "Erp.BO.LaborSvc/Update",
        cJSON_Parse("{\"ds\": {\"LaborHed\": [{\"RowMod\": \"A\", "
                    "\"EmployeeNum\": \"E5\", \"PayrollDate\": "
                    "\"2026-01-05T00:00:00\", \"ActiveTrans\": true}], "
                    "\"LaborDtl\": [{\"RowMod\": \"A\", \"EmployeeNum\": "
                    "\"E5\", \"LaborType\": \"S\", \"JobNum\": \"J2002\", "
                    "\"AssemblySeq\": 0, \"OprSeq\": 10, \"LaborQty\": 0, "
                    "\"ActiveTrans\": true}]}}"),
        200);
    dtl = cJSON_Duplicate(
        cJSON_GetArrayItem(
            cJSON_GetObjectItem(
                cJSON_GetObjectItem(cJSON_GetObjectItem(reply, "parameters"),
                                    "ds"),
                "LaborDtl"),
            0),
        1);
    cJSON_Delete(reply);
    assert_non_null(dtl);
    snap = epi_snapshot(&env);
    assert_int_equal(
        cJSON_GetArraySize(cJSON_GetObjectItem(snap, "job_events")), 1);
    assert_string_equal(
        kx_json_str(cJSON_GetObjectItem(event_at(snap, 0), "payload"), "event"),
        "operation.started");
    assert_string_equal(
        kx_json_str(cJSON_GetObjectItem(event_at(snap, 0), "payload"),
                    "labor_type"),
        "S");
    cJSON_Delete(snap);
    cJSON_ReplaceItemInObject(dtl, "ActiveTrans", cJSON_CreateFalse());
    cJSON_ReplaceItemInObject(dtl, "RowMod", cJSON_CreateString("U"));
    body = cJSON_CreateObject();
    cJSON_AddItemToArray(
        cJSON_AddArrayToObject(cJSON_AddObjectToObject(body, "ds"), "LaborDtl"),
        dtl);
    cJSON_Delete(epi_call(&env, "Erp.BO.LaborSvc/Update", body, 200));
    snap = epi_snapshot(&env);
    assert_int_equal(
        cJSON_GetArraySize(cJSON_GetObjectItem(snap, "job_events")), 2);
    assert_string_equal(
        kx_json_str(cJSON_GetObjectItem(event_at(snap, 1), "payload"), "event"),
        "operation.paused");
    cJSON_Delete(snap);
    epi_stop(&env);
}

/* A receiver answering 5 s late (server clock) to a 2 s function: the
 * call is a timeout, made once; the transition stands. */
static void test_slow_receiver_times_out_without_retry(void **state)
{
    struct epi_env env;
    struct receiver r;
    cJSON *snap, *call;
    char *fns;

    (void)state;
    epi_start_shopfloor(&env, "");
    receiver_start(&r, &env,
                   "[{\"route\": \"POST /events\", \"delay_ms\": 5000}]");
    fns = kx_xasprintf("{\"functions\": [{\"name\": \"OEE\", \"event\": "
                       "\"*\", \"url\": \"%s/events\", \"timeout_ms\": 2000}]}",
                       r.url);
    point_events(&env, fns);
    free(fns);
    cJSON_Delete(epi_act(&env, "clock_in",
                         "{\"employee\":\"E1\",\"job_num\":\"J2002\","
                         "\"opr_seq\":10}",
                         0));
    snap = epi_snapshot(&env);
    call =
        cJSON_GetArrayItem(cJSON_GetObjectItem(event_at(snap, 0), "calls"), 0);
    assert_string_equal(kx_json_str(call, "outcome"), "timeout");
    assert_int_equal(kx_json_num(call, "attempts", 0), 1);
    assert_int_equal(kx_json_num(call, "elapsed_ms", 0), 5000);
    assert_int_equal(kx_json_num(snap, "open_event_calls", -1), 0);
    cJSON_Delete(snap);
    assert_int_equal(km_server_journal_count(r.emu->server), 1);
    /* the labour is kept although the event failed */
    snap = epi_get(
        &env, "Erp.BO.LaborSvc/LaborDtls?$filter=ActiveTrans%20eq%20true", 200);
    assert_int_equal(epi_count(snap), 1);
    cJSON_Delete(snap);
    km_emulator_stop(r.emu);
    epi_stop(&env);
}

static void test_network_drop_is_no_reply_once(void **state)
{
    struct epi_env env;
    struct receiver r;
    cJSON *snap;
    char *fns;

    (void)state;
    epi_start_shopfloor(&env, "");
    receiver_start(&r, &env,
                   "[{\"route\": \"POST /events\", \"action\": \"reset\"}]");
    fns = kx_xasprintf("{\"functions\": [{\"event\": \"job.released\", "
                       "\"url\": \"%s/events\", \"timeout_ms\": 2000}]}",
                       r.url);
    point_events(&env, fns);
    free(fns);
    cJSON_Delete(epi_act(&env, "release_job", "{\"job_num\":\"J2001\"}", 0));
    snap = epi_snapshot(&env);
    assert_string_equal(call_outcome(snap, 0), "no reply");
    assert_int_equal(
        kx_json_num(cJSON_GetArrayItem(
                        cJSON_GetObjectItem(event_at(snap, 0), "calls"), 0),
                    "status", -1),
        0);
    cJSON_Delete(snap);
    assert_int_equal(km_server_journal_count(r.emu->server), 1);
    km_emulator_stop(r.emu);
    epi_stop(&env);
}

/* Functions limited to a plant or a company get only those events. */
static void test_events_route_by_plant_and_company(void **state)
{
    struct epi_env env;
    struct receiver r;
    cJSON *snap, *ev;
    char *fns;
    int n = 0;

    (void)state;
    epi_start_shopfloor(&env, "");
    receiver_start(&r, &env, NULL);
    fns = kx_xasprintf(
        "{\"functions\": [{\"name\": \"main\", \"event\": \"*\", \"url\": "
        "\"%s/events\", \"plants\": [\"MfgSys\"], \"companies\": "
        "[\"EPIC06\"]}, {\"name\": \"east\", \"event\": \"*\", \"url\": "
        "\"%s/plant2\", \"plants\": [\"Plant2\"]}]}",
        r.url, r.url);
    point_events(&env, fns);
    free(fns);
    cJSON_Delete(epi_act(&env, "clock_in",
                         "{\"employee\":\"E1\",\"job_num\":\"J2002\","
                         "\"opr_seq\":10}",
                         0));
    cJSON_Delete(epi_act(&env, "clock_in",
                         "{\"employee\":\"E2\",\"job_num\":\"J3001\","
                         "\"opr_seq\":20}",
                         0));
    /* company EPIC07, plant North: neither function */
    cJSON_Delete(epi_act(&env, "clock_in",
                         "{\"company\":\"EPIC07\",\"employee\":\"E9\","
                         "\"job_num\":\"K5001\",\"opr_seq\":10}",
                         0));
    snap = epi_snapshot(&env);
    cJSON_ArrayForEach(ev, cJSON_GetObjectItem(snap, "job_events"))
    {
        const cJSON *calls = cJSON_GetObjectItem(ev, "calls");
        const char *plant =
            kx_json_str(cJSON_GetObjectItem(ev, "payload"), "plant");

        if (strcmp(plant, "North") == 0) {
            assert_int_equal(cJSON_GetArraySize(calls), 0);
            assert_string_equal(
                kx_json_str(cJSON_GetObjectItem(ev, "payload"), "company"),
                "EPIC07");
            continue;
        }
        assert_int_equal(cJSON_GetArraySize(calls), 1);
        assert_string_equal(
            kx_json_str(cJSON_GetArrayItem(calls, 0), "function"),
            strcmp(plant, "Plant2") == 0 ? "east" : "main");
        n++;
    }
    assert_int_equal(n, 2);
    cJSON_Delete(snap);
    km_emulator_stop(r.emu);
    epi_stop(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_update_fires_release_event),
        cmocka_unit_test(test_labor_service_writes_fire_operation_events),
        cmocka_unit_test(test_slow_receiver_times_out_without_retry),
        cmocka_unit_test(test_network_drop_is_no_reply_once),
        cmocka_unit_test(test_events_route_by_plant_and_company),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
