/* unit.epicor.parts: part upsert through GetByID / GetNewPart + Update,
 * and reads over REST v1 (company in CallSettings, no API key). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "ke.h"

#define DATA                                                                   \
    "\"companies\":{\"EPIC06\":{\"parts\":["                                   \
    "{\"PartNum\":\"WIDGET-100\",\"PartDescription\":\"Widget\","              \
    "\"UnitPrice\":12.5,\"IUM\":\"EA\"},"                                      \
    "{\"PartNum\":\"GADGET-1\",\"PartDescription\":\"Gadget\"}]}}"

static const cJSON *field(const cJSON *row, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, name);

    if (!v)
        fail_msg("no field %s", name);
    return v;
}

static void
part_upsert_updates_an_existing_part_keeping_its_fields(void **state)
{
    struct ke_env env;
    cJSON *fields = cJSON_Parse("{\"UnitPrice\":13.75}"), *snap = NULL;
    const cJSON *row;
    int created = -1;

    (void)state;
    ke_start(&env, DATA, KS_EPICOR_AUTH_TOKEN, 0, NULL);
    assert_int_equal(
        ks_epicor_part_upsert(&created, env.epi, "WIDGET-100", fields), KS_OK);
    assert_int_equal(created, 0);
    row = kt_at(&snap, env.emu, "companies/EPIC06/parts/1");
    assert_string_equal(field(row, "PartNum")->valuestring, "WIDGET-100");
    assert_true(field(row, "UnitPrice")->valuedouble == 13.75);
    assert_string_equal(field(row, "PartDescription")->valuestring, "Widget");
    assert_string_equal(field(row, "IUM")->valuestring, "EA");
    cJSON_Delete(snap);
    assert_int_equal(kt_count(env.emu->server, "GET */Erp.BO.PartSvc/GetByID"),
                     1);
    assert_int_equal(
        kt_count(env.emu->server, "POST */Erp.BO.PartSvc/GetNewPart"), 0);
    assert_int_equal(kt_count(env.emu->server, "POST */Erp.BO.PartSvc/Update"),
                     1);
    assert_true(ke_log_clean(&env));
    cJSON_Delete(fields);
    ke_stop(&env);
}

static void part_upsert_creates_a_missing_part_from_getnewpart(void **state)
{
    struct ke_env env;
    cJSON *fields = cJSON_Parse("{\"PartDescription\":\"Sprocket\","
                                "\"UnitPrice\":4.2}"),
          *snap = NULL;
    const cJSON *parts, *row = NULL, *p;
    int created = -1;

    (void)state;
    ke_start(&env, DATA, KS_EPICOR_AUTH_TOKEN, 0, NULL);
    assert_int_equal(
        ks_epicor_part_upsert(&created, env.epi, "SPROCKET-9", fields), KS_OK);
    assert_int_equal(created, 1);
    parts = kt_at(&snap, env.emu, "companies/EPIC06/parts");
    assert_int_equal(cJSON_GetArraySize(parts), 3);
    cJSON_ArrayForEach(p, parts)
    {
        if (strcmp(field(p, "PartNum")->valuestring, "SPROCKET-9") == 0)
            row = p;
    }
    assert_non_null(row);
    assert_string_equal(field(row, "PartDescription")->valuestring, "Sprocket");
    assert_true(field(row, "UnitPrice")->valuedouble == 4.2);
    cJSON_Delete(snap);
    assert_int_equal(
        kt_count(env.emu->server, "POST */Erp.BO.PartSvc/GetNewPart"), 1);
    /* a second upsert of the same part is an update */
    assert_int_equal(
        ks_epicor_part_upsert(&created, env.epi, "SPROCKET-9", fields), KS_OK);
    assert_int_equal(created, 0);
    assert_int_equal(
        kt_count(env.emu->server, "POST */Erp.BO.PartSvc/GetNewPart"), 1);
    cJSON_Delete(fields);
    ke_stop(&env);
}

static void part_upsert_refused_update_keeps_epicor_message(void **state)
{
    struct ke_env env;
    cJSON *fields = cJSON_Parse("{\"UnitPrice\":1}");
    int created = -1;

    (void)state;
    ke_start(&env, DATA, KS_EPICOR_AUTH_TOKEN, 0, NULL);
    kt_faults(env.emu->server,
              "{\"route\":\"POST */Erp.BO.PartSvc/Update\","
              "\"status\":400,\"body\":{\"HttpStatus\":400,"
              "\"ErrorMessage\":\"Unit price is locked.\","
              "\"ErrorType\":\"Ice.Common.BusinessObjectException\","
              "\"CorrelationId\":\"c0ffee00-0000-0000-0000-000000000001\""
              "}}");
    assert_int_equal(
        ks_epicor_part_upsert(&created, env.epi, "GADGET-1", fields),
        KS_EREMOTE);
    assert_int_equal(created, 0);
    assert_non_null(strstr(ks_client_last_error(env.client)->message,
                           "Unit price is locked."));
    assert_string_equal(ks_client_last_error(env.client)->remote_id,
                        "c0ffee00-0000-0000-0000-000000000001");
    cJSON_Delete(fields);
    ke_stop(&env);
}

static void use_v1(struct ks_epicor_options *o)
{
    o->api_version = 1;
    o->api_key = NULL;
}

static int count_rows(void *ud, const cJSON *row)
{
    (void)row;
    (*(int *)ud)++;
    return 0;
}

static void v1_reads_with_company_in_callsettings_and_no_api_key(void **state)
{
    struct ke_env env;
    int64_t max = 0;
    int n = 0;

    (void)state;
    ke_start(&env,
             "\"companies\":{\"OTHER\":{},\"EPIC06\":{\"parts\":["
             "{\"PartNum\":\"A\"},{\"PartNum\":\"B\"},{\"PartNum\":\"C\"}]}}",
             KS_EPICOR_AUTH_BASIC, 2, use_v1);
    /* keyset paging; v1 sends SysRevID as a string */
    assert_int_equal(
        ks_epicor_parts_changed_since(env.epi, 0, count_rows, &n, &max), KS_OK);
    assert_int_equal(n, 3);
    assert_true(max > 0);
    assert_int_equal(
        kt_count(env.emu->server, "GET /SaaS5333/api/v1/Erp.BO.PartSvc/Parts"),
        2);
    assert_int_equal(kt_count(env.emu->server, "* */api/v2/*"), 0);
    assert_int_equal(kt_count_without_header(env.emu->server, "* */api/v1/*",
                                             "CallSettings"),
                     0);
    ke_stop(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            part_upsert_updates_an_existing_part_keeping_its_fields),
        cmocka_unit_test(part_upsert_creates_a_missing_part_from_getnewpart),
        cmocka_unit_test(part_upsert_refused_update_keeps_epicor_message),
        cmocka_unit_test(v1_reads_with_company_in_callsettings_and_no_api_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
