/* unit.connector.adobe.errors: Adobe's error bodies become one-line
 * messages with their placeholders filled, statuses map to codes, and
 * 429 / 503 are retried on the virtual clock as Retry-After says. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "ka.h"

#define PRODUCT "\"products\":[{\"sku\":\"A-1\",\"name\":\"A\",\"price\":5}]"

static const char *last(struct ka_env *env)
{
    return ks_client_last_error(env->client)->message;
}

static void not_found_fills_the_named_placeholders(void **state)
{
    struct ka_env env;
    cJSON *c = NULL;

    (void)state;
    ka_start(&env, NULL, KS_ADOBE_AUTH_ADMIN);
    assert_int_equal(ks_adobe_company_get(&c, env.ad, 77), KS_ENOTFOUND);
    assert_null(c);
    assert_int_equal(ks_client_last_error(env.client)->http_status, 404);
    assert_non_null(strstr(last(&env), "No such entity with"));
    assert_non_null(strstr(last(&env), "77"));
    assert_null(strstr(last(&env), "%field"));
    ka_stop(&env);
}

static void input_errors_list_every_entry_filled(void **state)
{
    struct ka_env env;
    cJSON *company = cJSON_Parse("{\"company_name\":\"Half\"}"), *out = NULL;

    (void)state;
    ka_start(&env, NULL, KS_ADOBE_AUTH_ADMIN);
    assert_int_equal(ks_adobe_company_create(&out, env.ad, company),
                     KS_EREMOTE);
    assert_int_equal(ks_client_last_error(env.client)->http_status, 400);
    assert_non_null(strstr(last(&env), "input exceptions"));
    assert_non_null(strstr(last(&env), "\"company_email\" is required"));
    assert_non_null(strstr(last(&env), "\"super_user_id\" is required"));
    assert_null(strstr(last(&env), "%fieldName"));
    cJSON_Delete(company);
    ka_stop(&env);
}

static void acl_denial_is_eforbidden_with_the_resource(void **state)
{
    struct ka_env env;
    cJSON *p = NULL;

    (void)state;
    ka_start(&env,
             "\"admins\":[{\"username\":\"admin\",\"password\":\"" KA_ADMIN_PW
             "\",\"resources\":[\"Magento_Sales::actions_view\"]}]," PRODUCT,
             KS_ADOBE_AUTH_ADMIN);
    assert_int_equal(ks_adobe_product_get(&p, env.ad, "A-1"), KS_EFORBIDDEN);
    assert_non_null(strstr(last(&env), "isn't authorized to access Magento_"));
    assert_null(strstr(last(&env), "%resources"));
    ka_stop(&env);
}

static void server_error_is_eremote_with_its_text(void **state)
{
    struct ka_env env;
    cJSON *p = NULL;

    (void)state;
    ka_start(&env, PRODUCT, KS_ADOBE_AUTH_ADMIN);
    kt_faults(env.emu->server,
              "{\"path\":\"/rest/*/V1/products/*\",\"status\":500,\"body\":"
              "{\"message\":\"Internal Error. Report ID: %1\","
              "\"parameters\":[\"webapi-1\"]}}");
    assert_int_equal(ks_adobe_product_get(&p, env.ad, "A-1"), KS_EREMOTE);
    assert_non_null(strstr(last(&env), "Report ID: webapi-1"));
    ka_stop(&env);
}

static void rate_limit_waits_retry_after_on_the_virtual_clock(void **state)
{
    struct ka_env env;
    struct ks_client_stats stats;
    int64_t before;

    (void)state;
    ka_start(&env,
             "\"deployment\":\"saas\",\"quota\":{\"requests\":3,"
             "\"window_s\":60}," PRODUCT,
             KS_ADOBE_AUTH_IMS);
    before = ks_clock_now_ms(env.clock);
    /* the token and two calls use the window's three requests; the
     * third call is refused with Retry-After and waits for the window */
    for (int i = 0; i < 3; i++) {
        cJSON *p = NULL;

        assert_int_equal(ks_adobe_product_get(&p, env.ad, "A-1"), KS_OK);
        cJSON_Delete(p);
    }
    assert_int_equal(ks_clock_now_ms(env.clock) - before, 60000);
    ks_client_stats(&stats, env.client);
    assert_int_equal(stats.waited_ms, 60000);
    ka_stop(&env);
}

static void unavailable_is_retried_then_succeeds(void **state)
{
    struct ka_env env;
    cJSON *p = NULL;

    (void)state;
    ka_start(&env, PRODUCT, KS_ADOBE_AUTH_OAUTH1);
    kt_faults(env.emu->server, "{\"path\":\"/rest/*/V1/products/*\","
                               "\"times\":2,\"status\":503}");
    assert_int_equal(ks_adobe_product_get(&p, env.ad, "A-1"), KS_OK);
    assert_non_null(p);
    assert_int_equal(kt_count(env.emu->server, "GET /rest/*"), 3);
    cJSON_Delete(p);
    ka_stop(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(not_found_fills_the_named_placeholders),
        cmocka_unit_test(input_errors_list_every_entry_filled),
        cmocka_unit_test(acl_denial_is_eforbidden_with_the_resource),
        cmocka_unit_test(server_error_is_eremote_with_its_text),
        cmocka_unit_test(rate_limit_waits_retry_after_on_the_virtual_clock),
        cmocka_unit_test(unavailable_is_retried_then_succeeds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
