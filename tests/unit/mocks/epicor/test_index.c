/*
 * The Epicor emulator's query paths at a size where they differ: pages by
 * offset and $count without a filter (slices of the stored order), filters
 * narrowed by the key, SysRevID and change-stamp indexes, and filters
 * tested on generated rows' stored values. Each answer is checked against
 * what the plain pages show, so an index or a shortcut that loses or adds
 * a row fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "epi_test.h"

#define NPARTS 3000

static int setup(void **state)
{
    cJSON *cfg = cJSON_CreateObject();

    cJSON_AddItemToObject(cfg, "generate",
                          cJSON_Parse("{\"parts\":3000,\"seed\":3}"));
    return epi_setup(state, cfg);
}

static cJSON *rows_of(const struct epi_resp *r)
{
    return cJSON_GetObjectItem(r->json, "value");
}

static const char *str_at(const struct epi_resp *r, int i, const char *f)
{
    return cJSON_GetObjectItem(cJSON_GetArrayItem(rows_of(r), i), f)
        ->valuestring;
}

static long count_of(struct epi_env *env, const char *filter)
{
    struct epi_resp r;
    char path[512];
    long n;

    snprintf(path, sizeof(path),
             "Erp.BO.PartSvc/Parts?$count=true&$top=1&$filter=%s", filter);
    epi_v2(&r, env, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    n = (long)cJSON_GetObjectItem(r.json, "@odata.count")->valuedouble;
    epi_resp_free(&r);
    return n;
}

/* Every part, page by page by offset: row i is GEN-(i+1). */
static cJSON *all_parts(struct epi_env *env)
{
    cJSON *all = cJSON_CreateArray();

    for (int skip = 0; skip < NPARTS; skip += 100) {
        struct epi_resp r;
        char path[128];
        cJSON *row;

        snprintf(path, sizeof(path), "Erp.BO.PartSvc/Parts?$top=100&$skip=%d",
                 skip);
        epi_v2(&r, env, "GET", path, NULL);
        assert_int_equal(r.status, 200);
        assert_int_equal(cJSON_GetArraySize(rows_of(&r)), 100);
        while ((row = cJSON_DetachItemFromArray(rows_of(&r), 0))) {
            char want[32];

            snprintf(want, sizeof(want), "GEN-%06d",
                     cJSON_GetArraySize(all) + 1);
            assert_string_equal(
                cJSON_GetObjectItem(row, "PartNum")->valuestring, want);
            cJSON_AddItemToArray(all, row);
        }
        epi_resp_free(&r);
    }
    return all;
}

static void filters_on_generated_fields_agree_with_their_json(void **state)
{
    cJSON *all = all_parts(*state), *row;
    long widgets = 0, desc = 0;

    cJSON_ArrayForEach(row, all)
    {
        const char *d =
            cJSON_GetObjectItem(row, "PartDescription")->valuestring;

        widgets += strcmp(cJSON_GetObjectItem(row, "ProdCode")->valuestring,
                          "WIDGETS") == 0 &&
                   cJSON_GetObjectItem(row, "UnitPrice")->valuedouble > 500 &&
                   strcmp(cJSON_GetObjectItem(row, "ClassID")->valuestring,
                          "RAW") != 0;
        desc += strstr(d, "(0") != NULL;
    }
    assert_true(widgets > 100 && widgets < NPARTS - 100);
    assert_true(desc > 0 && desc < NPARTS);
    assert_int_equal(count_of(*state, "ProdCode%20eq%20'WIDGETS'%20and%20"
                                      "UnitPrice%20gt%20500%20and%20"
                                      "ClassID%20ne%20'RAW'"),
                     widgets);
    assert_int_equal(count_of(*state, "contains(PartDescription,'(0')"), desc);
    /* Template fields and computed ones side by side. */
    assert_int_equal(count_of(*state, "Company%20eq%20'EPIC06'%20and%20"
                                      "RowMod%20eq%20''"),
                     NPARTS);
    cJSON_Delete(all);
}

static void key_equality_finds_the_part_in_any_case(void **state)
{
    struct epi_resp r, page;

    epi_v2(&r, *state, "GET",
           "Erp.BO.PartSvc/Parts?$filter=PartNum%20eq%20'gen-001500'", NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(cJSON_GetArraySize(rows_of(&r)), 1);
    epi_v2(&page, *state, "GET", "Erp.BO.PartSvc/Parts?$top=1&$skip=1499",
           NULL);
    assert_true(cJSON_Compare(rows_of(&r), rows_of(&page), 1));
    epi_resp_free(&page);
    epi_resp_free(&r);
    /* The rest of the filter still applies to what the key finds. */
    assert_int_equal(count_of(*state, "PartNum%20eq%20'GEN-001500'%20and%20"
                                      "ClassID%20eq%20'NONE'"),
                     0);
    assert_int_equal(count_of(*state, "PartNum%20eq%20'GEN-0015'"), 0);
    epi_v2(&r, *state, "GET",
           "Erp.BO.PartSvc/PartWhses?$filter=PartNum%20eq%20'GEN-000007'",
           NULL);
    assert_int_equal(cJSON_GetArraySize(rows_of(&r)), 1);
    assert_string_equal(str_at(&r, 0, "WarehouseCode"), "MAIN");
    epi_resp_free(&r);
}

static void count_and_deep_skip_without_filter(void **state)
{
    struct epi_resp r;

    epi_v2(&r, *state, "GET",
           "Erp.BO.PartSvc/Parts?$count=true&$top=3&$skip=2998", NULL);
    assert_int_equal(cJSON_GetObjectItem(r.json, "@odata.count")->valueint,
                     NPARTS);
    assert_int_equal(cJSON_GetArraySize(rows_of(&r)), 2);
    assert_string_equal(str_at(&r, 0, "PartNum"), "GEN-002999");
    assert_string_equal(str_at(&r, 1, "PartNum"), "GEN-003000");
    epi_resp_free(&r);
    epi_v2(&r, *state, "GET", "Erp.BO.PartSvc/Parts?$count=true&$skip=5000",
           NULL);
    assert_int_equal(cJSON_GetObjectItem(r.json, "@odata.count")->valueint,
                     NPARTS);
    assert_int_equal(cJSON_GetArraySize(rows_of(&r)), 0);
    epi_resp_free(&r);
    /* "SysRevID gt N" in SysRevID order is a slice too. */
    epi_v2(&r, *state, "GET",
           "Erp.BO.PartSvc/Parts?$count=true&$top=2&$skip=10&$orderby=SysRevID"
           "&$filter=SysRevID%20gt%202000",
           NULL);
    assert_int_equal(cJSON_GetObjectItem(r.json, "@odata.count")->valueint,
                     NPARTS - 2000);
    assert_string_equal(str_at(&r, 0, "PartNum"), "GEN-002011");
    epi_resp_free(&r);
}

static void patch_part(struct epi_env *env, const char *part)
{
    struct epi_resp r;
    char path[128];

    snprintf(path, sizeof(path), "Erp.BO.PartSvc/Parts('EPIC06','%s')", part);
    epi_v2(&r, env, "PATCH", path, "{\"UnitPrice\":7.5}");
    assert_true(r.status == 200 || r.status == 204);
    epi_resp_free(&r);
}

static void stamp_and_revid_ranges_follow_writes(void **state)
{
    struct epi_env *env = *state;
    struct epi_resp r;

    ks_clock_advance_ms(env->clock, 3600 * 1000);
    patch_part(env, "GEN-002000");
    patch_part(env, "GEN-000010");
    /* Key order by default, whatever order the index holds them in. */
    epi_v2(&r, env, "GET",
           "Erp.BO.PartSvc/Parts?$filter=ChangedOn%20gt%20"
           "datetime'2026-01-05T08:30:00'",
           NULL);
    assert_int_equal(cJSON_GetArraySize(rows_of(&r)), 2);
    assert_string_equal(str_at(&r, 0, "PartNum"), "GEN-000010");
    assert_string_equal(str_at(&r, 1, "PartNum"), "GEN-002000");
    epi_resp_free(&r);
    assert_int_equal(count_of(env, "ChangedOn%20le%20"
                                   "datetime'2026-01-05T08:00:00'"),
                     NPARTS - 2);
    assert_int_equal(count_of(env, "ChangedOn%20eq%20"
                                   "datetime'2026-01-05T09:00:00'"),
                     2);
    assert_int_equal(count_of(env, "ChangedOn%20gt%20"
                                   "datetime'2026-01-05T09:00:00'"),
                     0);
    /* The writes took the last two SysRevIDs (parts 1..3000, their stock
     * rows 3001..6000). */
    epi_v2(&r, env, "GET", "Erp.BO.PartSvc/Parts?$filter=SysRevID%20gt%206000",
           NULL);
    assert_int_equal(cJSON_GetArraySize(rows_of(&r)), 2);
    assert_string_equal(str_at(&r, 0, "PartNum"), "GEN-000010");
    epi_resp_free(&r);
    epi_v2(
        &r, env, "GET",
        "Erp.BO.PartSvc/Parts?$orderby=SysRevID&$filter=SysRevID%20gt%206000",
        NULL);
    assert_string_equal(str_at(&r, 0, "PartNum"), "GEN-002000");
    assert_string_equal(str_at(&r, 1, "PartNum"), "GEN-000010");
    epi_resp_free(&r);
    /* A written part keeps its place in key order and its new price. */
    epi_v2(&r, env, "GET", "Erp.BO.PartSvc/Parts?$top=1&$skip=1999", NULL);
    assert_string_equal(str_at(&r, 0, "PartNum"), "GEN-002000");
    assert_true(
        cJSON_GetObjectItem(cJSON_GetArrayItem(rows_of(&r), 0), "UnitPrice")
            ->valuedouble == 7.5);
    epi_resp_free(&r);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, epi_teardown)
    const struct CMUnitTest tests[] = {
        T(filters_on_generated_fields_agree_with_their_json),
        T(key_equality_finds_the_part_in_any_case),
        T(count_and_deep_skip_without_filter),
        T(stamp_and_revid_ranges_follow_writes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
