/* unit.epicor.paging: $top/$skip listing, keyset paging over SysRevID,
 * lookups, BAQs and EFx against the Epicor emulator. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "ke.h"

#define PARTS(n) "\"companies\":{\"EPIC06\":{\"parts\":[" n "]}}"
#define FIVE                                                                   \
    "{\"PartNum\":\"P1\"},{\"PartNum\":\"P2\"},{\"PartNum\":\"P3\"},"          \
    "{\"PartNum\":\"P4\"},{\"PartNum\":\"P5\"}"
#define PAGE_ROUTE "GET /SaaS5333/api/v2/odata/EPIC06/Erp.BO.PartSvc/Parts"

struct seen {
    int n;
    int stop_after;
    char key[32][24];
    int64_t rev[32];
    struct ke_env *env; /* set: change P1 once after the first page */
    int changed;
};

static int collect(void *ud, const cJSON *row)
{
    struct seen *s = ud;
    const cJSON *pn = cJSON_GetObjectItemCaseSensitive(row, "PartNum");
    const cJSON *rev = cJSON_GetObjectItemCaseSensitive(row, "SysRevID");

    if (s->n < 32) {
        snprintf(s->key[s->n], sizeof(s->key[0]), "%s",
                 cJSON_IsString(pn) ? pn->valuestring : "?");
        s->rev[s->n] = cJSON_IsNumber(rev) ? (int64_t)rev->valuedouble : -1;
    }
    s->n++;
    if (s->env && !s->changed && s->n == 2) {
        /* another user edits a part already read, between two pages */
        cJSON_Delete(kt_act(
            s->env->emu, "change_part",
            "{\"part_num\":\"P1\",\"fields\":{\"PartDescription\":\"new\"}}"));
        s->changed = 1;
    }
    return s->stop_after && s->n >= s->stop_after;
}

static void query_pages_until_a_short_page(void **state)
{
    struct ke_env env;
    struct seen s = {0};
    struct ks_epicor_stats st;

    (void)state;
    ke_start(&env, PARTS(FIVE), KS_EPICOR_AUTH_BASIC, 2, NULL);
    assert_int_equal(
        ks_epicor_query(env.epi, "Erp.BO.PartSvc", "Parts", NULL, collect, &s),
        KS_OK);
    assert_int_equal(s.n, 5);
    assert_int_equal(kt_count(env.emu->server, PAGE_ROUTE), 3);
    ks_epicor_stats(&st, env.epi);
    assert_int_equal(st.pages, 3);
    ke_stop(&env);
}

static void query_page_size_overrides_the_handles(void **state)
{
    struct ke_env env;
    struct seen s = {0};
    struct ks_epicor_query q = KS_EPICOR_QUERY_INIT;

    (void)state;
    ke_start(&env, PARTS(FIVE), KS_EPICOR_AUTH_BASIC, 0, NULL); /* 100 */
    q.page_size = 2;
    assert_int_equal(
        ks_epicor_query(env.epi, "Erp.BO.PartSvc", "Parts", &q, collect, &s),
        KS_OK);
    assert_int_equal(s.n, 5);
    assert_int_equal(kt_count(env.emu->server, PAGE_ROUTE), 3);
    ke_stop(&env);
}

static void query_full_last_page_costs_one_empty_page(void **state)
{
    struct ke_env env;
    struct seen s = {0};

    (void)state;
    ke_start(
        &env,
        PARTS("{\"PartNum\":\"A\"},{\"PartNum\":\"B\"},{\"PartNum\":\"C\"},"
              "{\"PartNum\":\"D\"}"),
        KS_EPICOR_AUTH_BASIC, 2, NULL);
    assert_int_equal(
        ks_epicor_query(env.epi, "Erp.BO.PartSvc", "Parts", NULL, collect, &s),
        KS_OK);
    assert_int_equal(s.n, 4);
    assert_int_equal(kt_count(env.emu->server, PAGE_ROUTE), 3);
    ke_stop(&env);
}

static void query_top_and_filter_with_a_quote(void **state)
{
    struct ke_env env;
    struct seen s = {0};
    struct ks_epicor_query q = KS_EPICOR_QUERY_INIT;

    (void)state;
    ke_start(&env,
             PARTS(FIVE ",{\"PartNum\":\"Q\","
                        "\"PartDescription\":\"O'Brien clip\"}"),
             KS_EPICOR_AUTH_BASIC, 2, NULL);
    q.filter = "PartDescription eq 'O''Brien clip' or PartNum eq 'P2'";
    q.orderby = "PartNum desc";
    assert_int_equal(
        ks_epicor_query(env.epi, "Erp.BO.PartSvc", "Parts", &q, collect, &s),
        KS_OK);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.key[0], "Q");
    assert_string_equal(s.key[1], "P2");
    memset(&s, 0, sizeof(s));
    q.filter = NULL;
    q.orderby = NULL;
    q.top = 3;
    assert_int_equal(
        ks_epicor_query(env.epi, "Erp.BO.PartSvc", "Parts", &q, collect, &s),
        KS_OK);
    assert_int_equal(s.n, 3);
    ke_stop(&env);
}

static void row_callback_can_stop_the_listing(void **state)
{
    struct ke_env env;
    struct seen s = {0};

    (void)state;
    ke_start(&env, PARTS(FIVE), KS_EPICOR_AUTH_BASIC, 2, NULL);
    s.stop_after = 3;
    assert_int_equal(
        ks_epicor_query(env.epi, "Erp.BO.PartSvc", "Parts", NULL, collect, &s),
        KS_OK);
    assert_int_equal(s.n, 3);
    assert_int_equal(kt_count(env.emu->server, PAGE_ROUTE), 2);
    ke_stop(&env);
}

static void changed_since_reads_newer_rows_and_reports_max(void **state)
{
    struct ke_env env;
    struct seen s = {0};
    int64_t max = 0, first_max;

    (void)state;
    ke_start(&env, PARTS(FIVE), KS_EPICOR_AUTH_BASIC, 2, NULL);
    assert_int_equal(
        ks_epicor_parts_changed_since(env.epi, 0, collect, &s, &max), KS_OK);
    assert_int_equal(s.n, 5);
    for (int i = 1; i < 5; i++)
        assert_true(s.rev[i] > s.rev[i - 1]);
    assert_int_equal(max, s.rev[4]);
    first_max = max;
    /* nothing new: one empty page, max unchanged */
    memset(&s, 0, sizeof(s));
    assert_int_equal(
        ks_epicor_parts_changed_since(env.epi, max, collect, &s, &max), KS_OK);
    assert_int_equal(s.n, 0);
    assert_int_equal(max, first_max);
    cJSON_Delete(kt_act(env.emu, "change_part",
                        "{\"part_num\":\"P3\",\"fields\":{\"UnitPrice\":9}}"));
    assert_int_equal(
        ks_epicor_parts_changed_since(env.epi, max, collect, &s, &max), KS_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.key[0], "P3");
    assert_true(max > first_max);
    ke_stop(&env);
}

static void
changed_since_stopped_early_resumes_after_the_rows_seen(void **state)
{
    struct ke_env env;
    struct seen s = {0};
    int64_t max = 0;

    (void)state;
    ke_start(&env, PARTS(FIVE), KS_EPICOR_AUTH_BASIC, 2, NULL);
    s.stop_after = 3; /* mid-way through the second page */
    assert_int_equal(
        ks_epicor_parts_changed_since(env.epi, 0, collect, &s, &max), KS_OK);
    assert_int_equal(s.n, 3);
    assert_int_equal(max, s.rev[2]); /* not the page's last row */
    memset(&s, 0, sizeof(s));
    assert_int_equal(
        ks_epicor_parts_changed_since(env.epi, max, collect, &s, &max), KS_OK);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.key[0], "P4");
    ke_stop(&env);
}

static void keyset_paging_skips_nothing_when_a_row_changes(void **state)
{
    struct ke_env env;
    struct seen s = {0};
    int64_t max = 0;
    int p3 = 0, p1_versions = 0;

    (void)state;
    ke_start(&env, PARTS(FIVE), KS_EPICOR_AUTH_BASIC, 2, NULL);
    s.env = &env;
    assert_int_equal(ks_epicor_changed_since(env.epi, "Erp.BO.PartSvc", "Parts",
                                             "PartNum", 0, collect, &s, &max),
                     KS_OK);
    /* $skip paging would now skip P3: P1 moved to the end, so every row
     * shifted one place forward. Keyset paging reads P3, and P1 again in
     * its new version; no (row, version) pair twice. */
    for (int i = 0; i < s.n; i++) {
        p3 += strcmp(s.key[i], "P3") == 0;
        p1_versions += strcmp(s.key[i], "P1") == 0;
        for (int j = 0; j < i; j++)
            assert_false(strcmp(s.key[i], s.key[j]) == 0 &&
                         s.rev[i] == s.rev[j]);
    }
    assert_int_equal(p3, 1);
    assert_int_equal(p1_versions, 2);
    assert_int_equal(s.n, 6);
    assert_int_equal(max, s.rev[5]);
    ke_stop(&env);
}

static void part_whses_for_a_part(void **state)
{
    struct ke_env env;
    struct seen s = {0};
    int64_t max = 0;

    (void)state;
    ke_start(
        &env,
        "\"companies\":{\"EPIC06\":{\"parts\":[{\"PartNum\":\"W-1\","
        "\"PartWhses\":[{\"WarehouseCode\":\"MAIN\",\"OnHandQty\":5},"
        "{\"WarehouseCode\":\"EAST\",\"OnHandQty\":2}]},"
        "{\"PartNum\":\"W-2\",\"PartWhses\":[{\"WarehouseCode\":\"MAIN\"}]}"
        "]}}",
        KS_EPICOR_AUTH_BASIC, 0, NULL);
    assert_int_equal(ks_epicor_part_whses_for_part(env.epi, "W-1", collect, &s),
                     KS_OK);
    assert_int_equal(s.n, 2);
    memset(&s, 0, sizeof(s));
    assert_int_equal(
        ks_epicor_part_whses_changed_since(env.epi, 0, collect, &s, &max),
        KS_OK);
    assert_int_equal(s.n, 3);
    cJSON_Delete(
        kt_act(env.emu, "set_on_hand",
               "{\"part_num\":\"W-2\",\"warehouse\":\"MAIN\",\"qty\":40}"));
    memset(&s, 0, sizeof(s));
    assert_int_equal(
        ks_epicor_part_whses_changed_since(env.epi, max, collect, &s, &max),
        KS_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.key[0], "W-2");
    ke_stop(&env);
}

static void customer_found_by_email(void **state)
{
    struct ke_env env;
    cJSON *c = NULL;

    (void)state;
    ke_start(&env,
             "\"companies\":{\"EPIC06\":{\"customers\":["
             "{\"CustNum\":10,\"CustID\":\"ACME\",\"Name\":\"Acme\","
             "\"EMailAddress\":\"orders@acme.example\"},"
             "{\"CustNum\":11,\"CustID\":\"OB\",\"Name\":\"O'Brien\","
             "\"EMailAddress\":\"o'brien@x.example\"}]}}",
             KS_EPICOR_AUTH_BASIC, 0, NULL);
    assert_int_equal(
        ks_epicor_customer_find_by_email(&c, env.epi, "o'brien@x.example"),
        KS_OK);
    assert_string_equal(
        cJSON_GetObjectItemCaseSensitive(c, "CustID")->valuestring, "OB");
    cJSON_Delete(c);
    assert_int_equal(
        ks_epicor_customer_find_by_email(&c, env.epi, "nobody@x.example"),
        KS_ENOTFOUND);
    assert_null(c);
    ke_stop(&env);
}

static void baq_passes_parameters_and_options(void **state)
{
    struct ke_env env;
    struct seen s = {0};
    const char *params[] = {"CurrentPlant", "MfgSys", NULL};
    struct ks_epicor_query q = KS_EPICOR_QUERY_INIT;
    int rows = 0;

    (void)state;
    ke_start(
        &env,
        "\"baqs\":[{\"id\":\"KS-Stock\",\"parameters\":[{\"name\":"
        "\"CurrentPlant\",\"required\":true,\"column\":\"PartWhse_Plant\"}],"
        "\"rows\":[{\"Part_PartNum\":\"A\",\"PartWhse_Plant\":\"MfgSys\"},"
        "{\"Part_PartNum\":\"B\",\"PartWhse_Plant\":\"MfgSys\"},"
        "{\"Part_PartNum\":\"C\",\"PartWhse_Plant\":\"Plant2\"}]}]",
        KS_EPICOR_AUTH_TOKEN, 0, NULL);
    assert_int_equal(
        ks_epicor_baq(env.epi, "KS-Stock", params, NULL, collect, &s), KS_OK);
    rows = s.n;
    assert_int_equal(rows, 2);
    memset(&s, 0, sizeof(s));
    q.filter = "Part_PartNum eq 'B'";
    assert_int_equal(
        ks_epicor_baq(env.epi, "KS-Stock", params, &q, collect, &s), KS_OK);
    assert_int_equal(s.n, 1);
    /* a required parameter missing is Epicor's 400 */
    assert_int_equal(
        ks_epicor_baq(env.epi, "KS-Stock", NULL, NULL, collect, &s),
        KS_EREMOTE);
    assert_int_equal(ks_epicor_baq(env.epi, "NOPE", NULL, NULL, collect, &s),
                     KS_ENOTFOUND);
    ke_stop(&env);
}

static void efx_published_staging_and_demoted(void **state)
{
    struct ke_env env;
    cJSON *params = cJSON_Parse("{\"Shift\":2}"), *out = NULL;

    (void)state;
    ke_start(&env,
             "\"functions\":[{\"library\":\"OEE\",\"function\":\"Echo\","
             "\"published\":true,\"result\":\"echo\"},"
             "{\"library\":\"OEE\",\"function\":\"Draft\",\"published\":false,"
             "\"result\":{\"Done\":true}},"
             "{\"library\":\"OEE\",\"function\":\"Reject\",\"published\":true,"
             "\"error\":{\"message\":\"Shift is closed\",\"status\":400}}]",
             KS_EPICOR_AUTH_TOKEN, 0, NULL);
    assert_int_equal(ks_epicor_efx(&out, env.epi, "OEE", "Echo", params, 0),
                     KS_OK);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(out, "Shift")->valueint,
                     2);
    cJSON_Delete(out);
    assert_int_equal(ks_epicor_efx(&out, env.epi, "OEE", "Draft", NULL, 0),
                     KS_ENOTFOUND);
    assert_null(out);
    assert_int_equal(ks_epicor_efx(&out, env.epi, "OEE", "Draft", NULL, 1),
                     KS_OK);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(out, "Done")));
    cJSON_Delete(out);
    assert_int_equal(ks_epicor_efx(&out, env.epi, "OEE", "Reject", NULL, 0),
                     KS_EREMOTE);
    assert_non_null(
        strstr(ks_client_last_error(env.client)->message, "Shift is closed"));
    assert_int_equal(
        kt_count(env.emu->server, "POST /SaaS5333/api/v2/efx/staging/*"), 1);
    cJSON_Delete(params);
    ke_stop(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(query_pages_until_a_short_page),
        cmocka_unit_test(query_page_size_overrides_the_handles),
        cmocka_unit_test(query_full_last_page_costs_one_empty_page),
        cmocka_unit_test(query_top_and_filter_with_a_quote),
        cmocka_unit_test(row_callback_can_stop_the_listing),
        cmocka_unit_test(changed_since_reads_newer_rows_and_reports_max),
        cmocka_unit_test(
            changed_since_stopped_early_resumes_after_the_rows_seen),
        cmocka_unit_test(keyset_paging_skips_nothing_when_a_row_changes),
        cmocka_unit_test(part_whses_for_a_part),
        cmocka_unit_test(customer_found_by_email),
        cmocka_unit_test(baq_passes_parameters_and_options),
        cmocka_unit_test(efx_published_staging_and_demoted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
