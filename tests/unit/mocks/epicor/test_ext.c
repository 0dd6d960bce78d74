/* unit.mocks.epicor.ext: BAQs, Epicor Functions, snapshot/act, configuration,
 * fixtures and the generated part sets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "epi_test.h"

extern const struct km_emulator_type km_epicor_type;

static int setup(void **state)
{
    cJSON *cfg = cJSON_CreateObject(), *co;

    co = cJSON_AddObjectToObject(cJSON_AddObjectToObject(cfg, "companies"),
                                 "EPIC06");
    cJSON_AddItemToObject(co, "parts",
                          kt_fixture("epicor/parts/with-stock.json"));
    cJSON_AddItemToObject(cfg, "functions",
                          kt_fixture("epicor/functions/oee.json"));
    cJSON_AddItemToObject(cfg, "baqs", kt_fixture("epicor/baqs/stock.json"));
    return epi_setup(state, cfg);
}

static void baq_rows_with_parameters_and_options(void **state)
{
    struct epi_resp r;
    cJSON *v, *row;

    epi_v2(&r, *state, "GET",
           "BaqSvc/KS-StockByWhse/Data?CurrentPlant=MfgSys&Ignored=1"
           "&$filter=PartWhse_OnHandQty%20gt%205&$orderby=PartWhse_OnHandQty"
           "&$select=Part_PartNum,PartWhse_OnHandQty,RowIdent",
           NULL);
    assert_int_equal(r.status, 200);
    v = cJSON_GetObjectItem(r.json, "value");
    assert_int_equal(cJSON_GetArraySize(v), 3);
    row = cJSON_GetArrayItem(v, 0);
    assert_true(cJSON_GetObjectItem(row, "PartWhse_OnHandQty")->valuedouble ==
                7.5);
    assert_string_equal(cJSON_GetObjectItem(row, "RowIdent")->valuestring,
                        "00000003-0000-0000-0000-000000000000");
    assert_null(cJSON_GetObjectItem(row, "Calculated_Available"));
    epi_resp_free(&r);
}

static void baq_errors(void **state)
{
    struct epi_resp r;

    epi_v2(&r, *state, "GET", "BaqSvc/KS-StockByWhse/Data", NULL);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "CurrentPlant"));
    epi_resp_free(&r);
    epi_v2(&r, *state, "GET", "BaqSvc/NoSuchBaq/Data", NULL);
    assert_int_equal(r.status, 404);
    epi_resp_free(&r);
    epi_v2(&r, *state, "GET", "BaqSvc/KS-OpenOrders", NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"Data\""));
    epi_resp_free(&r);
}

static void baq_v1_decimals_are_strings(void **state)
{
    const char *hdrs[] = {EPI_BASIC, NULL};
    struct epi_resp r;
    cJSON *row;

    epi_http(&r, *state, "GET",
             "/SaaS5333/api/v1/BaqSvc/KS-OpenOrders('EPIC06')/Data", hdrs,
             NULL);
    assert_int_equal(r.status, 200);
    row = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "value"), 0);
    assert_string_equal(
        cJSON_GetObjectItem(row, "OrderDtl_OrderQty")->valuestring,
        "4.00000000");
    assert_int_equal(cJSON_GetObjectItem(row, "OrderHed_OrderNum")->valueint,
                     4990);
    epi_resp_free(&r);
}

static long efx(struct epi_env *env, const char *path, const char *body,
                struct epi_resp *r)
{
    const char *hdrs[] = {EPI_BASIC, EPI_KEY, NULL};
    char full[512];

    snprintf(full, sizeof(full), "/SaaS5333/api/v2/efx/%s", path);
    epi_http(r, env, "POST", full, hdrs, body);
    return r->status;
}

static void efx_published_staging_and_errors(void **state)
{
    struct epi_env *env = *state;
    struct epi_resp r;
    cJSON *snap;

    assert_int_equal(efx(env, "EPIC06/OEE/PostSummary", "{\"Good\":5}", &r),
                     200);
    assert_int_equal(cJSON_GetObjectItem(r.json, "Good")->valueint, 5);
    epi_resp_free(&r);
    assert_int_equal(efx(env, "EPIC06/OEE/GetShiftTargets", NULL, &r), 200);
    assert_int_equal(cJSON_GetObjectItem(r.json, "Target")->valueint, 480);
    epi_resp_free(&r);
    assert_int_equal(efx(env, "EPIC06/OEE/Recalc", "{}", &r), 404);
    epi_resp_free(&r);
    assert_int_equal(efx(env, "staging/EPIC06/OEE/Recalc", "{}", &r), 200);
    epi_resp_free(&r);
    assert_int_equal(efx(env, "EPIC06/OEE/Nope", "{}", &r), 404);
    epi_resp_free(&r);
    assert_int_equal(efx(env, "EPIC06/OEE/Reject", "{}", &r), 400);
    assert_non_null(strstr(r.body, "Shift is closed"));
    epi_resp_free(&r);
    assert_int_equal(efx(env, "EPIC06/OEE/Crash", "{}", &r), 500);
    assert_non_null(strstr(r.body, "Correlation ID: "));
    epi_resp_free(&r);
    snap = km_emulator_snapshot(env->emu);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(snap, "efx_calls")),
                     5);
    cJSON_Delete(snap);
}

static cJSON *ptr(cJSON *root, const char *a, const char *b, int i,
                  const char *f)
{
    cJSON *co = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "companies"), a);

    return cJSON_GetObjectItem(
        cJSON_GetArrayItem(cJSON_GetObjectItem(co, b), i), f);
}

static void act_changes_show_in_snapshot_and_reads(void **state)
{
    struct epi_env *env = *state;
    cJSON *args, *res = NULL, *snap;
    char err[256];
    struct epi_resp r;
    double rev;

    snap = km_emulator_snapshot(env->emu);
    rev = ptr(snap, "EPIC06", "Parts", 0, "SysRevID")->valuedouble;
    assert_int_equal(
        cJSON_GetArraySize(ptr(snap, "EPIC06", "Parts", 2, "PartWhses")), 1);
    assert_non_null(ptr(snap, "EPIC06", "parts", 0, "PartNum"));
    cJSON_Delete(snap);
    ks_clock_advance_ms(env->clock, 3600000);
    args = cJSON_Parse("{\"company\":\"EPIC06\",\"part_num\":\"GADGET-1\","
                       "\"fields\":{\"UnitPrice\":155}}");
    assert_int_equal(
        km_emulator_act(env->emu, "change_part", args, &res, err, sizeof(err)),
        0);
    cJSON_Delete(args);
    assert_string_equal(cJSON_GetObjectItem(res, "ChangedOn")->valuestring,
                        "2026-01-05T09:00:00");
    assert_true(cJSON_GetObjectItem(res, "SysRevID")->valuedouble > rev);
    cJSON_Delete(res);
    args = cJSON_Parse("{\"part_num\":\"WIDGET-200\",\"warehouse\":\"MAIN\","
                       "\"qty\":42}");
    assert_int_equal(
        km_emulator_act(env->emu, "set_on_hand", args, NULL, err, sizeof(err)),
        0);
    cJSON_Delete(args);
    args = cJSON_Parse("{\"PartNum\":\"NEW-1\",\"PartDescription\":\"New\"}");
    assert_int_equal(
        km_emulator_act(env->emu, "add_part", args, NULL, err, sizeof(err)), 0);
    cJSON_Delete(args);
    assert_int_equal(
        km_emulator_act(env->emu, "no_such", NULL, NULL, err, sizeof(err)), -1);
    epi_v2(&r, env, "GET",
           "Erp.BO.PartSvc/PartWhses?$filter=OnHandQty%20eq%2042", NULL);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "value")),
                     1);
    epi_resp_free(&r);
    epi_v2(&r, env, "GET",
           "Erp.BO.PartSvc/Parts?$filter=ChangedOn%20ge%202026-01-05T08:30:00Z",
           NULL);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "value")),
                     2);
    epi_resp_free(&r);
}

static void unknown_config_keys_are_named(void **state)
{
    void *st = NULL;
    char err[256] = "";
    cJSON *cfg = cJSON_Parse("{\"instance\":\"X\",\"pagecap\":5}");

    (void)state;
    assert_int_equal(km_epicor_type.state_new(&st, cfg, NULL, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "pagecap"));
    cJSON_Delete(cfg);
    cfg = cJSON_Parse("{\"companies\":{\"C\":{\"partz\":[]}}}");
    assert_int_equal(km_epicor_type.state_new(&st, cfg, NULL, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "partz"));
    cJSON_Delete(cfg);
}

static void every_fixture_loads(void **state)
{
    static const char *const pieces[][2] = {
        {"parts", "epicor/parts/three.json"},
        {"parts", "epicor/parts/with-stock.json"},
        {"customers", "epicor/customers/two.json"},
        {"orders", "epicor/orders/empty.json"},
        {"orders", "epicor/orders/one-open.json"},
        {"vendors", "epicor/vendors/two.json"},
        {"gl_accounts", "epicor/gl/accounts.json"},
        {"jobs", "epicor/jobs/active-ops.json"},
        {"pos", "epicor/pos/one-open.json"},
        {"pos", "epicor/pos/released-with-gl.json"},
        {"ap_invoices", "epicor/ap/one-invoice.json"},
        {"ap_inv_grps", "epicor/ap/groups.json"},
        {"reqs", "epicor/reqs/one-open.json"}};
    char err[256];

    (void)state;
    for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
        cJSON *cfg = cJSON_CreateObject(), *co;
        void *st = NULL;

        co = cJSON_AddObjectToObject(cJSON_AddObjectToObject(cfg, "companies"),
                                     "EPIC06");
        cJSON_AddItemToObject(co, pieces[i][0], kt_fixture(pieces[i][1]));
        cJSON_AddItemToObject(cfg, "functions",
                              kt_fixture("epicor/functions/oee.json"));
        cJSON_AddItemToObject(cfg, "baqs",
                              kt_fixture("epicor/baqs/stock.json"));
        if (km_epicor_type.state_new(&st, cfg, NULL, err, sizeof(err)))
            fail_msg("%s: %s", pieces[i][1], err);
        km_epicor_type.state_free(st);
        cJSON_Delete(cfg);
    }
}

static void generated_parts_page_by_sysrevid(void **state)
{
    struct epi_env env;
    struct epi_resp r;
    char path[256];
    long last = 0, seen = 0, first_price = -1;

    (void)state;
    epi_start(&env, "{\"generate\":{\"parts\":10000,\"seed\":3},"
                    "\"page_cap\":1000}");
    for (int page = 0; page < 40; page++) {
        cJSON *v, *row;

        snprintf(path, sizeof(path),
                 "Erp.BO.PartSvc/Parts?$filter=SysRevID%%20gt%%20%ld"
                 "&$orderby=SysRevID&$top=1000&$select=PartNum,SysRevID,"
                 "UnitPrice",
                 last);
        epi_v2(&r, &env, "GET", path, NULL);
        v = cJSON_GetObjectItem(r.json, "value");
        cJSON_ArrayForEach(row, v)
        {
            if (first_price < 0)
                first_price =
                    (long)(100 *
                           cJSON_GetObjectItem(row, "UnitPrice")->valuedouble);
            last = (long)cJSON_GetObjectItem(row, "SysRevID")->valuedouble;
            seen++;
        }
        if (cJSON_GetArraySize(v) < 1000) {
            epi_resp_free(&r);
            break;
        }
        epi_resp_free(&r);
    }
    assert_int_equal(seen, 10000);
    epi_v2(&r, &env, "GET", "Erp.BO.PartSvc/PartWhses?$count=true&$top=1",
           NULL);
    assert_int_equal(cJSON_GetObjectItem(r.json, "@odata.count")->valueint,
                     10000);
    epi_resp_free(&r);
    epi_stop(&env);
    /* Same seed, same data. */
    epi_start(&env, "{\"generate\":{\"parts\":10,\"seed\":3}}");
    epi_v2(&r, &env, "GET", "Erp.BO.PartSvc/Parts?$top=1", NULL);
    assert_int_equal(
        (long)(100 *
               cJSON_GetObjectItem(
                   cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "value"), 0),
                   "UnitPrice")
                   ->valuedouble),
        first_price);
    epi_resp_free(&r);
    epi_stop(&env);
}

static void latency_advances_the_virtual_clock(void **state)
{
    struct epi_env env;
    struct epi_resp r;
    int64_t before;

    (void)state;
    epi_start(&env, "{\"latency_ms\":250}");
    before = ks_clock_now_ms(env.clock);
    epi_v2(&r, &env, "GET", "Erp.BO.PartSvc/Parts", NULL);
    assert_int_equal(r.status, 200);
    epi_resp_free(&r);
    assert_true(ks_clock_now_ms(env.clock) - before == 250);
    epi_stop(&env);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, epi_teardown)
    const struct CMUnitTest tests[] = {
        T(baq_rows_with_parameters_and_options),
        T(baq_errors),
        T(baq_v1_decimals_are_strings),
        T(efx_published_staging_and_errors),
        T(act_changes_show_in_snapshot_and_reads),
        cmocka_unit_test(unknown_config_keys_are_named),
        cmocka_unit_test(every_fixture_loads),
        cmocka_unit_test(generated_parts_page_by_sysrevid),
        cmocka_unit_test(latency_advances_the_virtual_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
