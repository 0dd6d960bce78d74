/* unit.epicor.faults: licence exhaustion, 503 bursts, malformed and
 * truncated bodies, and Epicor's error text in the client's error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "ke.h"

#define PARTS_3                                                                \
    "\"companies\":{\"EPIC06\":{\"parts\":["                                   \
    "{\"PartNum\":\"P1\"},{\"PartNum\":\"P2\"},{\"PartNum\":\"P3\"}]}}"
#define PARTS_ROUTE "GET /SaaS5333/api/v2/odata/EPIC06/Erp.BO.PartSvc/Parts"

static int count_rows(void *ud, const cJSON *row)
{
    (void)row;
    (*(int *)ud)++;
    return 0;
}

static ks_rc read_parts(struct ke_env *env, int *n)
{
    *n = 0;
    return ks_epicor_query(env->epi, "Erp.BO.PartSvc", "Parts", NULL,
                           count_rows, n);
}

static void licence_exhaustion_is_elicense_after_bounded_retries(void **state)
{
    struct ke_env env;
    struct ks_epicor_stats st;
    int64_t t0;
    int n;

    (void)state;
    ke_start(&env, PARTS_3, KS_EPICOR_AUTH_BASIC, 0, NULL);
    cJSON_Delete(kt_act(env.emu, "exhaust_licenses", "{\"for_ms\":600000}"));
    t0 = ks_clock_now_ms(env.clock);
    assert_int_equal(read_parts(&env, &n), KS_ELICENSE);
    assert_int_equal(ks_client_last_error(env.client)->rc, KS_ELICENSE);
    assert_non_null(strstr(ks_client_last_error(env.client)->message,
                           "Maximum users exceeded"));
    assert_int_equal(kt_count(env.emu->server, PARTS_ROUTE),
                     4); /* 1 + 3 retries */
    ks_epicor_stats(&st, env.epi);
    assert_int_equal(st.license_waits, 3);
    /* waited on the (virtual) client clock, doubling: 5 + 10 + 20 s */
    assert_true(ks_clock_now_ms(env.clock) - t0 >= 35000);
    assert_true(ks_clock_now_ms(env.clock) - t0 < 40000);
    assert_true(ke_log_clean(&env));
    ke_stop(&env);
}

static void licence_freed_while_waiting_lets_the_call_through(void **state)
{
    struct ke_env env;
    int n;

    (void)state;
    ke_start(&env, PARTS_3, KS_EPICOR_AUTH_TOKEN, 0, NULL);
    cJSON_Delete(kt_act(env.emu, "exhaust_licenses", "{\"for_ms\":8000}"));
    assert_int_equal(read_parts(&env, &n), KS_OK);
    assert_int_equal(n, 3);
    /* refused at 0 s and 5 s, granted at 15 s */
    assert_int_equal(
        kt_count(env.emu->server, "POST /SaaS5333/TokenResource.svc*"), 3);
    ke_stop(&env);
}

static void burst_of_503_is_retried(void **state)
{
    struct ke_env env;
    int n;

    (void)state;
    ke_start(&env, PARTS_3, KS_EPICOR_AUTH_TOKEN, 0, NULL);
    kt_faults(env.emu->server, "{\"route\":\"" PARTS_ROUTE "\",\"times\":2,"
                               "\"status\":503}");
    assert_int_equal(read_parts(&env, &n), KS_OK);
    assert_int_equal(n, 3);
    assert_int_equal(kt_count(env.emu->server, PARTS_ROUTE), 3);
    ke_stop(&env);
}

static void malformed_json_is_eparse(void **state)
{
    struct ke_env env;
    const struct ks_error *e;
    int n;

    (void)state;
    ke_start(&env, PARTS_3, KS_EPICOR_AUTH_TOKEN, 0, NULL);
    kt_faults(env.emu->server,
              "{\"route\":\"" PARTS_ROUTE "\",\"action\":\"malformed\"}");
    assert_int_equal(read_parts(&env, &n), KS_EPARSE);
    assert_int_equal(n, 0);
    e = ks_client_last_error(env.client);
    assert_int_equal(e->rc, KS_EPARSE);
    assert_non_null(strstr(e->message, "not the JSON expected"));
    assert_non_null(strstr(e->message, "Erp.BO.PartSvc/Parts"));
    ke_stop(&env);
}

static void truncated_body_is_a_clean_error(void **state)
{
    struct ke_env env;
    const struct ks_error *e;
    ks_rc rc;
    int n;

    (void)state;
    ke_start(&env, PARTS_3, KS_EPICOR_AUTH_TOKEN, 0, NULL);
    kt_faults(env.emu->server,
              "{\"route\":\"" PARTS_ROUTE "\",\"action\":\"truncate\"}");
    rc = read_parts(&env, &n);
    assert_true(rc == KS_EPARSE || rc == KS_ETRANSPORT);
    assert_int_equal(n, 0);
    e = ks_client_last_error(env.client);
    assert_int_equal(e->rc, rc);
    assert_true(strlen(e->message) > 10);
    ke_stop(&env);
}

static void bad_filter_keeps_epicor_message_and_correlation_id(void **state)
{
    struct ke_env env;
    struct ks_epicor_query q = KS_EPICOR_QUERY_INIT;
    const struct ks_error *e;
    int n = 0;

    (void)state;
    ke_start(&env, PARTS_3, KS_EPICOR_AUTH_TOKEN, 0, NULL);
    q.filter = "NoSuchField eq 1";
    assert_int_equal(
        ks_epicor_query(env.epi, "Erp.BO.PartSvc", "Parts", &q, count_rows, &n),
        KS_EREMOTE);
    e = ks_client_last_error(env.client);
    assert_int_equal(e->http_status, 400);
    assert_non_null(strstr(e->message, "epicor: "));
    assert_non_null(strstr(e->message, "NoSuchField"));
    assert_int_equal(strlen(e->remote_id), 36); /* a GUID */
    ke_stop(&env);
}

static void forbidden_scope_is_eforbidden(void **state)
{
    struct ke_env env;
    int n;

    (void)state;
    ke_start(&env,
             PARTS_3 ",\"api_keys\":[{\"key\":\"" KE_API_KEY "\",\"scope\":"
                     "[\"Erp.BO.CustomerSvc\"]}]",
             KS_EPICOR_AUTH_TOKEN, 0, NULL);
    assert_int_equal(read_parts(&env, &n), KS_EFORBIDDEN);
    ke_stop(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(licence_exhaustion_is_elicense_after_bounded_retries),
        cmocka_unit_test(licence_freed_while_waiting_lets_the_call_through),
        cmocka_unit_test(burst_of_503_is_retried),
        cmocka_unit_test(malformed_json_is_eparse),
        cmocka_unit_test(truncated_body_is_a_clean_error),
        cmocka_unit_test(bad_filter_keeps_epicor_message_and_correlation_id),
        cmocka_unit_test(forbidden_scope_is_eforbidden),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
