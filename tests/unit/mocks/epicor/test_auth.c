/* unit.mocks.epicor.auth: TokenResource, IdP, API keys, scopes and licences. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "epi_test.h"

static const char *config =
    "{\"users\":[{\"username\":\"manager\",\"password\":\"manager\"},"
    "            {\"username\":\"api\",\"password\":\"s3cret\"}],"
    " \"api_keys\":[{\"key\":\"km-epicor-test-key\",\"scope\":null},"
    "               {\"key\":\"parts-only\",\"scope\":[\"Erp.BO.PartSvc\"]}],"
    " \"idp_clients\":[{\"client_id\":\"kinsync\",\"client_secret\":\"cs1\"}],"
    " \"token_lifetime_s\":600,"
    " \"companies\":{\"EPIC06\":{\"parts\":[{\"PartNum\":\"A\","
    "   \"PartDescription\":\"a\"}]}}}";

#define PARTS "/SaaS5333/api/v2/odata/EPIC06/Erp.BO.PartSvc/Parts"

static int setup(void **state)
{
    return epi_setup(state, cJSON_Parse(config));
}

static char *get_token(struct epi_env *env, const char *const *hdrs,
                       const char *body)
{
    struct epi_resp r;
    char *tok;

    epi_http(&r, env, "POST", "/SaaS5333/TokenResource.svc/", hdrs, body);
    assert_int_equal(r.status, 200);
    assert_string_equal(cJSON_GetObjectItem(r.json, "TokenType")->valuestring,
                        "Bearer");
    assert_true(cJSON_GetObjectItem(r.json, "ExpiresIn")->valueint >= 600);
    tok = strdup(cJSON_GetObjectItem(r.json, "AccessToken")->valuestring);
    epi_resp_free(&r);
    return tok;
}

static long call_with_token(struct epi_env *env, const char *tok)
{
    char auth[1024];
    const char *hdrs[] = {auth, EPI_KEY, NULL};
    struct epi_resp r;
    long st;

    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok);
    epi_http(&r, env, "GET", PARTS, hdrs, NULL);
    st = r.status;
    if (st == 401)
        assert_non_null(cJSON_GetObjectItem(r.json, "CorrelationId"));
    epi_resp_free(&r);
    return st;
}

static void token_from_headers_works_until_it_expires(void **state)
{
    struct epi_env *env = *state;
    const char *hdrs[] = {"userName: api", "Password: s3cret",
                          "Accept: application/json", NULL};
    char *tok = get_token(env, hdrs, NULL);

    assert_int_equal(strncmp(tok, "eyJ", 3), 0);
    assert_non_null(strchr(tok, '.'));
    assert_int_equal(call_with_token(env, tok), 200);
    ks_clock_advance_ms(env->clock, 599 * 1000);
    assert_int_equal(call_with_token(env, tok), 200);
    ks_clock_advance_ms(env->clock, 1000);
    assert_int_equal(call_with_token(env, tok), 401);
    free(tok);
}

static void token_from_basic_and_form_body(void **state)
{
    struct epi_env *env = *state;
    const char *basic[] = {EPI_BASIC, NULL};
    const char *form[] = {"Content-Type: application/x-www-form-urlencoded",
                          NULL};
    char *a = get_token(env, basic, NULL);
    char *b = get_token(env, form,
                        "grant_type=password&username=api&password=s3cret");

    assert_string_not_equal(a, b);
    assert_int_equal(call_with_token(env, b), 200);
    free(a);
    free(b);
}

static void bad_credentials_get_401_with_error_body(void **state)
{
    struct epi_env *env = *state;
    const char *hdrs[] = {"username: api", "password: wrong", NULL};
    struct epi_resp r;

    epi_http(&r, env, "POST", "/SaaS5333/TokenResource.svc/", hdrs, NULL);
    assert_int_equal(r.status, 401);
    assert_non_null(cJSON_GetObjectItem(r.json, "ErrorMessage"));
    assert_int_equal(
        strlen(cJSON_GetObjectItem(r.json, "CorrelationId")->valuestring), 36);
    epi_resp_free(&r);
}

static void unknown_and_expired_by_fault_tokens_get_401(void **state)
{
    struct epi_env *env = *state;
    const char *basic[] = {EPI_BASIC, NULL};
    char *tok = get_token(env, basic, NULL);
    char err[128];

    assert_int_equal(call_with_token(env, "eyJnope.x.y"), 401);
    assert_int_equal(km_emulator_act(env->emu, "expire_tokens", NULL, NULL, err,
                                     sizeof(err)),
                     0);
    assert_int_equal(call_with_token(env, tok), 401);
    free(tok);
}

static void v2_needs_an_api_key(void **state)
{
    struct epi_env *env = *state;
    const char *none[] = {EPI_BASIC, NULL};
    const char *wrong[] = {EPI_BASIC, "X-API-Key: nope", NULL};
    const char *upper[] = {EPI_BASIC, "X-API-KEY: km-epicor-test-key", NULL};
    struct epi_resp r;

    epi_http(&r, env, "GET", PARTS, none, NULL);
    assert_int_equal(r.status, 401);
    epi_resp_free(&r);
    epi_http(&r, env, "GET", PARTS, wrong, NULL);
    assert_int_equal(r.status, 401);
    epi_resp_free(&r);
    epi_http(&r, env, "GET", PARTS, upper, NULL);
    assert_int_equal(r.status, 200);
    epi_resp_free(&r);
    epi_http(&r, env, "GET", PARTS "?api-key=km-epicor-test-key", none, NULL);
    assert_int_equal(r.status, 200);
    epi_resp_free(&r);
}

static void scoped_key_is_refused_outside_its_scope(void **state)
{
    struct epi_env *env = *state;
    const char *hdrs[] = {EPI_BASIC, "x-api-key: parts-only", NULL};
    struct epi_resp r;

    epi_http(&r, env, "GET", PARTS, hdrs, NULL);
    assert_int_equal(r.status, 200);
    epi_resp_free(&r);
    epi_http(&r, env, "GET",
             "/SaaS5333/api/v2/odata/EPIC06/Erp.BO.CustomerSvc/Customers", hdrs,
             NULL);
    assert_int_equal(r.status, 403);
    epi_resp_free(&r);
}

static void revoked_key_is_refused(void **state)
{
    struct epi_env *env = *state;
    const char *hdrs[] = {EPI_BASIC, EPI_KEY, NULL};
    cJSON *args = cJSON_Parse("{\"key\":\"km-epicor-test-key\"}");
    struct epi_resp r;
    char err[128];

    assert_int_equal(
        km_emulator_act(env->emu, "revoke_key", args, NULL, err, sizeof(err)),
        0);
    cJSON_Delete(args);
    epi_http(&r, env, "GET", PARTS, hdrs, NULL);
    assert_int_equal(r.status, 401);
    epi_resp_free(&r);
}

static void v1_needs_no_api_key(void **state)
{
    struct epi_env *env = *state;
    const char *hdrs[] = {EPI_BASIC, NULL};
    const char *nobody[] = {NULL};
    struct epi_resp r;

    epi_http(&r, env, "GET", "/SaaS5333/api/v1/Erp.BO.PartSvc/Parts", hdrs,
             NULL);
    assert_int_equal(r.status, 200);
    epi_resp_free(&r);
    epi_http(&r, env, "GET", "/SaaS5333/api/v1/Erp.BO.PartSvc/Parts", nobody,
             NULL);
    assert_int_equal(r.status, 401);
    epi_resp_free(&r);
}

static void idp_client_credentials(void **state)
{
    struct epi_env *env = *state;
    const char *form[] = {"Content-Type: application/x-www-form-urlencoded",
                          NULL};
    struct epi_resp r;
    char *tok;

    epi_http(&r, env, "POST", "/connect/token", form,
             "grant_type=client_credentials&client_id=kinsync&client_secret="
             "cs1&scope=epicor_erp");
    assert_int_equal(r.status, 200);
    assert_string_equal(cJSON_GetObjectItem(r.json, "token_type")->valuestring,
                        "Bearer");
    assert_int_equal(cJSON_GetObjectItem(r.json, "expires_in")->valueint, 600);
    tok = strdup(cJSON_GetObjectItem(r.json, "access_token")->valuestring);
    epi_resp_free(&r);
    assert_int_equal(call_with_token(env, tok), 200);
    free(tok);
    epi_http(&r, env, "POST", "/connect/token", form,
             "grant_type=client_credentials&client_id=kinsync&client_secret="
             "bad");
    assert_int_equal(r.status, 400);
    assert_string_equal(cJSON_GetObjectItem(r.json, "error")->valuestring,
                        "invalid_client");
    epi_resp_free(&r);
}

static void exhausted_licences_give_400_license_error(void **state)
{
    struct epi_env *env = *state;
    const char *basic[] = {EPI_BASIC, NULL};
    cJSON *args = cJSON_Parse("{\"for_ms\":60000}");
    struct epi_resp r;
    char err[128];

    assert_int_equal(km_emulator_act(env->emu, "exhaust_licenses", args, NULL,
                                     err, sizeof(err)),
                     0);
    cJSON_Delete(args);
    epi_http(&r, env, "POST", "/SaaS5333/TokenResource.svc/", basic, NULL);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "LicenseAccessException"));
    assert_non_null(strstr(r.body, "Maximum users exceeded"));
    epi_resp_free(&r);
    epi_v2(&r, env, "GET", "Erp.BO.PartSvc/Parts", NULL);
    assert_int_equal(r.status, 400);
    epi_resp_free(&r);
    ks_clock_advance_ms(env->clock, 60000);
    epi_v2(&r, env, "GET", "Erp.BO.PartSvc/Parts", NULL);
    assert_int_equal(r.status, 200);
    epi_resp_free(&r);
}

static void seats_are_counted(void **state)
{
    struct epi_env env;
    const char *api[] = {"username: api", "password: s3cret", NULL};
    const char *mgr[] = {EPI_BASIC, NULL};
    struct epi_resp r;
    cJSON *snap;
    char *tok;

    (void)state;
    epi_start(&env, "{\"users\":[{\"username\":\"manager\",\"password\":"
                    "\"manager\"},{\"username\":\"api\",\"password\":"
                    "\"s3cret\"}],\"license_seats\":1}");
    tok = get_token(&env, api, NULL);
    epi_http(&r, &env, "POST", "/SaaS5333/TokenResource.svc/", mgr, NULL);
    assert_int_equal(r.status, 400);
    epi_resp_free(&r);
    assert_int_equal(call_with_token(&env, tok), 200);
    snap = km_emulator_snapshot(env.emu);
    assert_int_equal(cJSON_GetObjectItem(snap, "tokens_issued")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItem(snap, "licenses_in_use")->valueint, 1);
    cJSON_Delete(snap);
    ks_clock_advance_ms(env.clock, 3600 * 1000);
    free(get_token(&env, mgr, NULL)); /* the expired token freed its seat */
    free(tok);
    epi_stop(&env);
}

static void expire_tokens_fault_rule_forces_reauth(void **state)
{
    struct epi_env env;
    const char *basic[] = {EPI_BASIC, NULL};
    char *tok;

    (void)state;
    epi_start(&env, "{\"faults\":[{\"route\":\"GET /SaaS5333/api/v2/*\","
                    "\"nth\":2,\"action\":\"expire_tokens\"}]}");
    tok = get_token(&env, basic, NULL);
    assert_int_equal(call_with_token(&env, tok), 200);
    assert_int_equal(call_with_token(&env, tok), 401);
    free(tok);
    tok = get_token(&env, basic, NULL);
    assert_int_equal(call_with_token(&env, tok), 200);
    free(tok);
    epi_stop(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            token_from_headers_works_until_it_expires, setup, epi_teardown),
        cmocka_unit_test_setup_teardown(token_from_basic_and_form_body, setup,
                                        epi_teardown),
        cmocka_unit_test_setup_teardown(bad_credentials_get_401_with_error_body,
                                        setup, epi_teardown),
        cmocka_unit_test_setup_teardown(
            unknown_and_expired_by_fault_tokens_get_401, setup, epi_teardown),
        cmocka_unit_test_setup_teardown(v2_needs_an_api_key, setup,
                                        epi_teardown),
        cmocka_unit_test_setup_teardown(scoped_key_is_refused_outside_its_scope,
                                        setup, epi_teardown),
        cmocka_unit_test_setup_teardown(revoked_key_is_refused, setup,
                                        epi_teardown),
        cmocka_unit_test_setup_teardown(v1_needs_no_api_key, setup,
                                        epi_teardown),
        cmocka_unit_test_setup_teardown(idp_client_credentials, setup,
                                        epi_teardown),
        cmocka_unit_test_setup_teardown(
            exhausted_licences_give_400_license_error, setup, epi_teardown),
        cmocka_unit_test(seats_are_counted),
        cmocka_unit_test(expire_tokens_fault_rule_forces_reauth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
