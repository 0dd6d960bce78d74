/* unit.mocks.epicor.jobs: the shop floor of the Epicor emulator: job,
 * labour, reason, indirect, resource-group and plant reads; Update with
 * SysRevID concurrency and UD columns; active labour as the in-process
 * view; event functions (payloads, timeout and network drop without
 * retry, plant and company filters); permissions; generated jobs. */
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
extern const struct km_emulator_type km_static_type;

/* Basic oee:oee, a user limited by "permissions". */
#define OEE_BASIC "Authorization: Basic b2VlOm9lZQ=="

/* The emulator with the shop-floor fixtures in EPIC06 (and a second
 * company EPIC07), users manager and oee, and extra configuration
 * members (JSON text without braces, or ""). */
static void start(struct epi_env *env, const char *extra)
{
    cJSON *cfg = cJSON_CreateObject(), *cos, *co, *users, *u;
    char *text, *merged, *base;

    cos = cJSON_AddObjectToObject(cfg, "companies");
    co = cJSON_AddObjectToObject(cos, "EPIC06");
    cJSON_AddItemToObject(co, "plants",
                          kt_fixture("epicor/shopfloor/plants.json"));
    cJSON_AddItemToObject(co, "resource_groups",
                          kt_fixture("epicor/shopfloor/resource-groups.json"));
    cJSON_AddItemToObject(co, "reasons",
                          kt_fixture("epicor/shopfloor/reasons.json"));
    cJSON_AddItemToObject(co, "indirects",
                          kt_fixture("epicor/shopfloor/indirects.json"));
    cJSON_AddItemToObject(co, "jobs", kt_fixture("epicor/shopfloor/jobs.json"));
    co = cJSON_AddObjectToObject(cos, "EPIC07");
    cJSON_AddItemToObject(
        co, "jobs", kt_fixture("epicor/shopfloor/jobs-other-company.json"));
    users = cJSON_AddArrayToObject(cfg, "users");
    u = cJSON_CreateObject();
    cJSON_AddStringToObject(u, "username", "manager");
    cJSON_AddStringToObject(u, "password", "manager");
    cJSON_AddItemToArray(users, u);
    u = cJSON_CreateObject();
    cJSON_AddStringToObject(u, "username", "oee");
    cJSON_AddStringToObject(u, "password", "oee");
    cJSON_AddItemToArray(users, u);
    text = cJSON_PrintUnformatted(cfg);
    cJSON_Delete(cfg);
    /* members of text without its braces, then extra's */
    base = strndup(text + 1, strlen(text) - 2);
    merged = kt_config_merge(base, extra);
    epi_start(env, merged);
    free(merged);
    free(base);
    free(text);
}

static cJSON *snapshot(struct epi_env *env)
{
    cJSON *s = km_emulator_snapshot(env->emu);

    assert_non_null(s);
    return s;
}

/* Runs an action; fails the test unless it returns want (0 or -1). */
static cJSON *act(struct epi_env *env, const char *action, const char *args,
                  int want)
{
    cJSON *a = cJSON_Parse(args), *result = NULL;
    char err[512] = "";
    int rc = km_emulator_act(env->emu, action, a, &result, err, sizeof(err));

    cJSON_Delete(a);
    if (rc != want)
        fail_msg("%s %s: rc %d (%s)", action, args, rc, err);
    return result;
}

/* GET rest over v2; fails unless status; returns the JSON (caller
 * deletes). */
static cJSON *get(struct epi_env *env, const char *rest, long status)
{
    struct epi_resp r;
    cJSON *j;

    epi_v2(&r, env, "GET", rest, NULL);
    if (r.status != status)
        fail_msg("GET %s: %ld %s", rest, r.status, r.body);
    j = r.json;
    r.json = NULL;
    epi_resp_free(&r);
    return j;
}

/* {"ds": the tableset GetByID answers for job_num}. */
static cJSON *job_ds(struct epi_env *env, const char *job_num)
{
    char *params = kx_xasprintf("{\"jobNum\":\"%s\"}", job_num);
    cJSON *reply =
        epi_call(env, "Erp.BO.JobEntrySvc/GetByID", cJSON_Parse(params), 200);
    cJSON *b = cJSON_CreateObject();

    free(params);
    cJSON_AddItemToObject(b, "ds",
                          cJSON_DetachItemFromObject(reply, "returnObj"));
    cJSON_Delete(reply);
    return b;
}

static int count_of(const cJSON *page)
{
    return cJSON_GetArraySize(cJSON_GetObjectItem(page, "value"));
}

/* ---- reads --------------------------------------------------------- */

static void test_reads_filter_jobs_and_dictionaries(void **state)
{
    struct epi_env env;
    cJSON *j;

    (void)state;
    start(&env, "");
    j = get(&env,
            "Erp.BO.JobEntrySvc/JobEntries?$filter=JobReleased%20eq%20true%20"
            "and%20JobClosed%20eq%20false&$select=JobNum,Plant",
            200);
    assert_int_equal(count_of(j), 2); /* J2002, J3001 */
    assert_string_equal(
        kx_json_str(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "value"), 1),
                    "Plant"),
        "Plant2");
    cJSON_Delete(j);
    j = get(&env,
            "Erp.BO.JobEntrySvc/JobOpers?$filter=PrimaryResourceGrpID%20eq%20"
            "%27CNC-01%27%20and%20OpComplete%20eq%20false",
            200);
    assert_int_equal(count_of(j), 1);
    assert_int_equal(
        kx_json_num(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "value"), 0),
                    "ProdStandard", 0),
        60);
    cJSON_Delete(j);
    j = get(&env,
            "Erp.BO.JobEntrySvc/JobAsmbls?$filter=JobNum%20eq%20%27J3001%27",
            200);
    assert_int_equal(count_of(j), 1);
    cJSON_Delete(j);
    j = get(&env, "Erp.BO.ReasonSvc/Reasons?$filter=ReasonType%20eq%20%27S%27",
            200);
    assert_int_equal(count_of(j), 3);
    cJSON_Delete(j);
    j = get(&env, "Erp.BO.IndirectSvc/Indirects?$filter=DownTime%20eq%20true",
            200);
    assert_int_equal(count_of(j), 3);
    cJSON_Delete(j);
    j = get(&env, "Erp.BO.PlantSvc/Plants(%27EPIC06%27,%27Plant2%27)", 200);
    assert_string_equal(kx_json_str(j, "Name"), "East plant");
    cJSON_Delete(j);
    j = get(&env,
            "Erp.BO.ResourceGroupSvc/ResourceGroups?$filter=Plant%20eq%20"
            "%27Plant2%27",
            200);
    assert_int_equal(count_of(j), 2);
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
    start(&env, "\"ud_fields\": {\"JobOper\": {\"OEEPct_c\": 0, "
                "\"OEENote_c\": \"\"}}");
    body = job_ds(&env, "J2002");
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
    reply = get(&env, "Erp.BO.JobEntrySvc/JobOpers?$filter=OEEPct_c%20gt%2080",
                200);
    assert_int_equal(count_of(reply), 1);
    assert_true(
        kx_json_num(cJSON_GetArrayItem(cJSON_GetObjectItem(reply, "value"), 0),
                    "SysRevID", 0) > rev);
    cJSON_Delete(reply);
    /* an API write that changes no transition fires nothing */
    snap = snapshot(&env);
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
    start(&env, "");
    cJSON_Delete(act(&env, "clock_in",
                     "{\"employee\":\"E1\",\"job_num\":\"J2002\","
                     "\"opr_seq\":10,\"labor_type\":\"S\"}",
                     0));
    cJSON_Delete(act(&env, "clock_in",
                     "{\"employee\":\"E2\",\"job_num\":\"J3001\","
                     "\"opr_seq\":10,\"labor_type\":\"P\"}",
                     0));
    /* not released: no labour */
    cJSON_Delete(act(&env, "clock_in",
                     "{\"employee\":\"E3\",\"job_num\":\"J2001\","
                     "\"opr_seq\":10}",
                     -1));
    j = get(&env,
            "Erp.BO.LaborSvc/LaborDtls?$filter=ActiveTrans%20eq%20true%20and%20"
            "LaborType%20eq%20%27S%27",
            200);
    assert_int_equal(count_of(j), 1);
    row = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "value"), 0);
    assert_string_equal(kx_json_str(row, "JobNum"), "J2002");
    assert_string_equal(kx_json_str(row, "ResourceGrpID"), "CNC-02");
    cJSON_Delete(j);
    j = get(&env, "Erp.BO.LaborSvc/LaborDtls?$filter=ActiveTrans%20eq%20true",
            200);
    assert_int_equal(count_of(j), 2);
    cJSON_Delete(j);
    /* clocked out: the operation is no longer in setup */
    cJSON_Delete(act(&env, "clock_out", "{\"employee\":\"E1\"}", 0));
    cJSON_Delete(act(&env, "clock_out", "{\"employee\":\"E1\"}", -1));
    j = get(&env,
            "Erp.BO.LaborSvc/LaborDtls?$filter=ActiveTrans%20eq%20true%20and%20"
            "LaborType%20eq%20%27S%27",
            200);
    assert_int_equal(count_of(j), 0);
    cJSON_Delete(j);
    /* an unknown scrap reason is refused, a known one kept */
    cJSON_Delete(
        act(&env, "clock_out",
            "{\"employee\":\"E2\",\"scrap\":1,\"scrap_reason\":\"NOPE\"}", -1));
    cJSON_Delete(act(&env, "clock_out",
                     "{\"employee\":\"E2\",\"good\":40,\"scrap\":1,"
                     "\"scrap_reason\":\"DIM\"}",
                     0));
    j = get(&env, "Erp.BO.JobEntrySvc/JobOpers(%27EPIC06%27,%27J3001%27,0,10)",
            200);
    assert_int_equal(kx_json_num(j, "QtyCompleted", 0), 40);
    assert_int_equal(kx_json_num(j, "ActScrapQty", 0), 1);
    cJSON_Delete(j);
    epi_stop(&env);
}

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
    cJSON_Delete(act(env, "set_event_functions", functions, 0));
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
    start(&env, "");
    receiver_start(&r, &env, NULL);
    fns = kx_xasprintf("{\"functions\": [{\"event\": [\"job.released\", "
                       "\"job.created\"], \"url\": \"%s/events\", "
                       "\"headers\": {\"x-oee-key\": \"k1\"}}]}",
                       r.url);
    point_events(&env, fns);
    free(fns);
    body = job_ds(&env, "J2001");
    hed = cJSON_GetArrayItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(body, "ds"), "JobHead"), 0);
    cJSON_ReplaceItemInObject(hed, "JobReleased", cJSON_CreateTrue());
    cJSON_ReplaceItemInObject(hed, "RowMod", cJSON_CreateString("U"));
    cJSON_Delete(epi_call(&env, "Erp.BO.JobEntrySvc/Update", body, 200));
    snap = snapshot(&env);
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
    snap = snapshot(&env);
    assert_string_equal(
        kx_json_str(cJSON_GetObjectItem(event_at(snap, 1), "payload"), "event"),
        "job.created");
    cJSON_Delete(snap);
    p = get(&env,
            "Erp.BO.JobEntrySvc/JobAsmbls?$filter=JobNum%20eq%20%27J4000%27",
            200);
    assert_int_equal(count_of(p), 1);
    cJSON_Delete(p);
    km_emulator_stop(r.emu);
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
    start(&env, "");
    receiver_start(&r, &env,
                   "[{\"route\": \"POST /events\", \"delay_ms\": 5000}]");
    fns = kx_xasprintf("{\"functions\": [{\"name\": \"OEE\", \"event\": "
                       "\"*\", \"url\": \"%s/events\", \"timeout_ms\": 2000}]}",
                       r.url);
    point_events(&env, fns);
    free(fns);
    cJSON_Delete(act(&env, "clock_in",
                     "{\"employee\":\"E1\",\"job_num\":\"J2002\","
                     "\"opr_seq\":10}",
                     0));
    snap = snapshot(&env);
    call =
        cJSON_GetArrayItem(cJSON_GetObjectItem(event_at(snap, 0), "calls"), 0);
    assert_string_equal(kx_json_str(call, "outcome"), "timeout");
    assert_int_equal(kx_json_num(call, "attempts", 0), 1);
    assert_int_equal(kx_json_num(call, "elapsed_ms", 0), 5000);
    assert_int_equal(kx_json_num(snap, "open_event_calls", -1), 0);
    cJSON_Delete(snap);
    assert_int_equal(km_server_journal_count(r.emu->server), 1);
    /* the labour is kept although the event failed */
    snap = get(
        &env, "Erp.BO.LaborSvc/LaborDtls?$filter=ActiveTrans%20eq%20true", 200);
    assert_int_equal(count_of(snap), 1);
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
    start(&env, "");
    receiver_start(&r, &env,
                   "[{\"route\": \"POST /events\", \"action\": \"reset\"}]");
    fns = kx_xasprintf("{\"functions\": [{\"event\": \"job.released\", "
                       "\"url\": \"%s/events\", \"timeout_ms\": 2000}]}",
                       r.url);
    point_events(&env, fns);
    free(fns);
    cJSON_Delete(act(&env, "release_job", "{\"job_num\":\"J2001\"}", 0));
    snap = snapshot(&env);
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
    start(&env, "");
    receiver_start(&r, &env, NULL);
    fns = kx_xasprintf(
        "{\"functions\": [{\"name\": \"main\", \"event\": \"*\", \"url\": "
        "\"%s/events\", \"plants\": [\"MfgSys\"], \"companies\": "
        "[\"EPIC06\"]}, {\"name\": \"east\", \"event\": \"*\", \"url\": "
        "\"%s/plant2\", \"plants\": [\"Plant2\"]}]}",
        r.url, r.url);
    point_events(&env, fns);
    free(fns);
    cJSON_Delete(act(&env, "clock_in",
                     "{\"employee\":\"E1\",\"job_num\":\"J2002\","
                     "\"opr_seq\":10}",
                     0));
    cJSON_Delete(act(&env, "clock_in",
                     "{\"employee\":\"E2\",\"job_num\":\"J3001\","
                     "\"opr_seq\":20}",
                     0));
    /* company EPIC07, plant North: neither function */
    cJSON_Delete(act(&env, "clock_in",
                     "{\"company\":\"EPIC07\",\"employee\":\"E9\","
                     "\"job_num\":\"K5001\",\"opr_seq\":10}",
                     0));
    snap = snapshot(&env);
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

/* ---- permissions ----------------------------------------------------- */

static void test_denied_update_leaves_nothing_locked(void **state)
{
    struct epi_env env;
    struct epi_resp r;
    const char *oee[] = {OEE_BASIC, EPI_KEY, "Content-Type: application/json",
                         NULL};
    cJSON *body, *hed, *snap, *j;
    char *text;

    (void)state;
    start(&env, "\"permissions\": [{\"user\": \"oee\", \"services\": "
                "{\"Erp.BO.JobEntrySvc\": [\"GetRows\", \"GetByID\"], "
                "\"Erp.BO.LaborSvc\": \"*\"}}]");
    body = job_ds(&env, "J2001");
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
    snap = snapshot(&env);
    assert_int_equal(
        cJSON_GetArraySize(cJSON_GetObjectItem(snap, "denied_calls")), 2);
    assert_int_equal(kx_json_num(snap, "open_event_calls", -1), 0);
    cJSON_Delete(snap);
    j = get(&env, "Erp.BO.JobEntrySvc/JobEntries(%27EPIC06%27,%27J2001%27)",
            200);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "JobReleased")));
    cJSON_Delete(j);
    epi_stop(&env);
}

static void test_part_tran_writes_need_the_switch(void **state)
{
    struct epi_env env;
    cJSON *reply;

    (void)state;
    start(&env, "");
    reply = epi_call(&env, "Erp.BO.PartTranSvc/UpdateExt",
                     cJSON_Parse("{\"ds\":{\"PartTran\":[]}}"), 400);
    assert_non_null(strstr(kx_json_str(reply, "ErrorMessage"), "PartTranSvc"));
    cJSON_Delete(reply);
    reply = get(&env, "Erp.BO.PartTranSvc/PartTrans", 200);
    cJSON_Delete(reply);
    epi_stop(&env);
    start(&env, "\"part_tran_writes\": true");
    reply = epi_call(&env, "Erp.BO.PartTranSvc/UpdateExt",
                     cJSON_Parse("{\"ds\":{\"PartTran\":[]}}"), 200);
    cJSON_Delete(reply);
    epi_stop(&env);
}

/* ---- generated jobs -------------------------------------------------- */

static void test_generated_jobs_over_work_centres(void **state)
{
    struct epi_env env;
    cJSON *j;

    (void)state;
    start(&env, "\"generate_jobs\": {\"jobs\": 2000, \"work_centres\": 50, "
                "\"operations\": 3, \"closed_jobs\": 100, \"plants\": "
                "[\"MfgSys\", \"Plant2\"]}");
    j = get(&env,
            "Erp.BO.JobEntrySvc/JobEntries?$filter=JobClosed%20eq%20false"
            "&$count=true&$top=1",
            200);
    /* 2000 generated open jobs and the fixtures' three open ones */
    assert_int_equal(kx_json_num(j, "@odata.count", 0), 2003);
    cJSON_Delete(j);
    j = get(&env,
            "Erp.BO.JobEntrySvc/JobOpers?$filter=PrimaryResourceGrpID%20eq%20"
            "%27WC-0007%27&$count=true&$top=1",
            200);
    assert_true(kx_json_num(j, "@odata.count", 0) > 0);
    cJSON_Delete(j);
    /* a job's operations stay in its plant: GJ-000002 is Plant2, whose
     * work centres are the even ones */
    j = get(&env,
            "Erp.BO.JobEntrySvc/JobOpers?$filter=JobNum%20eq%20%27GJ-000002%27",
            200);
    assert_int_equal(count_of(j), 3);
    {
        const char *wc =
            kx_json_str(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "value"), 0),
                        "PrimaryResourceGrpID");

        assert_int_equal((wc[strlen(wc) - 1] - '0') % 2, 0);
    }
    cJSON_Delete(j);
    j = get(&env, "Erp.BO.ResourceGroupSvc/ResourceGroups?$count=true&$top=1",
            200);
    assert_int_equal(kx_json_num(j, "@odata.count", 0), 55);
    cJSON_Delete(j);
    /* a generated job takes labour and fires events like any other */
    cJSON_Delete(act(&env, "clock_in",
                     "{\"employee\":\"E1\",\"job_num\":\"GJ-000010\","
                     "\"opr_seq\":20}",
                     0));
    j = snapshot(&env);
    assert_string_equal(
        kx_json_str(cJSON_GetObjectItem(event_at(j, 0), "payload"), "event"),
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
        cmocka_unit_test(test_api_update_fires_release_event),
        cmocka_unit_test(test_slow_receiver_times_out_without_retry),
        cmocka_unit_test(test_network_drop_is_no_reply_once),
        cmocka_unit_test(test_events_route_by_plant_and_company),
        cmocka_unit_test(test_denied_update_leaves_nothing_locked),
        cmocka_unit_test(test_part_tran_writes_need_the_switch),
        cmocka_unit_test(test_generated_jobs_over_work_centres),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
