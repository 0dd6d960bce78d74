/* unit.epicor.auth: Basic, TokenResource and IdP authentication against
 * the Epicor emulator: token caching and renewal, re-authentication
 * after a 401, API keys, and secrets kept out of the log. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "ke.h"

#define PARTS_5                                                                \
    "\"companies\":{\"EPIC06\":{\"parts\":["                                   \
    "{\"PartNum\":\"P1\"},{\"PartNum\":\"P2\"},{\"PartNum\":\"P3\"},"          \
    "{\"PartNum\":\"P4\"},{\"PartNum\":\"P5\"}]}}"

#define TOKEN_ROUTE "POST /SaaS5333/TokenResource.svc*"
#define V2_ROUTE "* /SaaS5333/api/v2/*"

struct seen {
    int n;
    char parts[16][16];
};

static int collect(void *ud, const cJSON *row)
{
    struct seen *s = ud;
    const cJSON *pn = cJSON_GetObjectItemCaseSensitive(row, "PartNum");

    if (s->n < 16 && cJSON_IsString(pn))
        snprintf(s->parts[s->n], sizeof(s->parts[0]), "%s", pn->valuestring);
    s->n++;
    return 0;
}

static ks_rc read_parts(struct ke_env *env, struct seen *s)
{
    memset(s, 0, sizeof(*s));
    return ks_epicor_query(env->epi, "Erp.BO.PartSvc", "Parts", NULL, collect,
                           s);
}

static void token_auth_fetches_one_token_for_many_calls(void **state)
{
    struct ke_env env;
    struct seen s;
    struct ks_epicor_stats st;

    (void)state;
    ke_start(&env, PARTS_5, KS_EPICOR_AUTH_TOKEN, 0, NULL);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(read_parts(&env, &s), KS_OK);
        assert_int_equal(s.n, 5);
    }
    assert_int_equal(kt_count(env.emu->server, TOKEN_ROUTE), 1);
    ks_epicor_stats(&st, env.epi);
    assert_int_equal(st.token_requests, 1);
    assert_true(ke_log_clean(&env));
    ke_stop(&env);
}

static void token_renewed_once_when_the_clock_reaches_the_margin(void **state)
{
    struct ke_env env;
    struct seen s;

    (void)state;
    ke_start(&env, PARTS_5 ",\"token_lifetime_s\":600", KS_EPICOR_AUTH_TOKEN, 0,
             NULL);
    assert_int_equal(read_parts(&env, &s), KS_OK);
    ks_clock_advance_ms(env.clock, 600000 - 60000 - 1000); /* before margin */
    assert_int_equal(read_parts(&env, &s), KS_OK);
    assert_int_equal(kt_count(env.emu->server, TOKEN_ROUTE), 1);
    ks_clock_advance_ms(env.clock, 2000); /* inside the margin */
    assert_int_equal(read_parts(&env, &s), KS_OK);
    assert_int_equal(read_parts(&env, &s), KS_OK);
    assert_int_equal(kt_count(env.emu->server, TOKEN_ROUTE), 2);
    /* renewed before expiry: no call was refused */
    assert_int_equal(kt_count(env.emu->server, "GET *"), 4);
    ke_stop(&env);
}

/* Reads five parts, two a page, with a 120 s token while the second page
 * takes delay_ms: every part comes once, in order, for two tokens. Returns
 * how many GETs the emulator saw. */
static size_t read_with_a_slow_second_page(int delay_ms)
{
    struct ke_env env;
    struct seen s;
    char rule[160];
    size_t gets;

    ke_start(&env, PARTS_5 ",\"token_lifetime_s\":120", KS_EPICOR_AUTH_TOKEN, 2,
             NULL);
    snprintf(rule, sizeof(rule),
             "{\"route\":\"GET /SaaS5333/api/v2/odata/*\",\"nth\":2,"
             "\"delay_ms\":%d}",
             delay_ms);
    kt_faults(env.emu->server, rule);
    assert_int_equal(read_parts(&env, &s), KS_OK);
    assert_int_equal(s.n, 5);
    for (int i = 0; i < 5; i++) { /* each part once, in order */
        char want[8];

        snprintf(want, sizeof(want), "P%d", i + 1);
        assert_string_equal(s.parts[i], want);
    }
    assert_int_equal(kt_count(env.emu->server, TOKEN_ROUTE), 2);
    gets = kt_count(env.emu->server, "GET *");
    ke_stop(&env);
    return gets;
}

static void token_expiry_mid_paging_costs_exactly_one_new_token(void **state)
{
    (void)state;
    /* 90 s: the token enters its renewal margin, and is renewed before
     * use, so no page is sent twice */
    assert_int_equal(read_with_a_slow_second_page(90000), 3);
}

static void token_dead_mid_paging_reauths_once(void **state)
{
    (void)state;
    /* 150 s pass inside the second request: the server refuses it, and
     * page 2 is sent twice */
    assert_int_equal(read_with_a_slow_second_page(150000), 4);
}

static void expired_token_reauths_once_then_succeeds(void **state)
{
    struct ke_env env;
    struct seen s;
    struct ks_client_stats cs;

    (void)state;
    ke_start(&env, PARTS_5, KS_EPICOR_AUTH_TOKEN, 0, NULL);
    assert_int_equal(read_parts(&env, &s), KS_OK);
    cJSON_Delete(
        kt_act(env.emu, "expire_tokens", NULL)); /* revoked behind our back */
    assert_int_equal(read_parts(&env, &s), KS_OK);
    assert_int_equal(s.n, 5);
    assert_int_equal(kt_count(env.emu->server, TOKEN_ROUTE), 2);
    assert_int_equal(kt_count(env.emu->server, "GET *"),
                     3); /* one refused with 401 */
    ks_client_stats(&cs, env.client);
    assert_int_equal(cs.reauths, 1);
    ke_stop(&env);
}

static void no_api_key(struct ks_epicor_options *o)
{
    o->api_key = NULL;
}

static void missing_api_key_is_eauth_with_epicor_message(void **state)
{
    struct ke_env env;
    struct seen s;
    const struct ks_error *e;

    (void)state;
    ke_start(&env, PARTS_5, KS_EPICOR_AUTH_TOKEN, 0, no_api_key);
    assert_int_equal(read_parts(&env, &s), KS_EAUTH);
    e = ks_client_last_error(env.client);
    assert_int_equal(e->rc, KS_EAUTH);
    assert_int_equal(e->http_status, 401);
    assert_non_null(strstr(e->message, "API key is required"));
    assert_true(e->remote_id[0] != '\0'); /* the CorrelationId */
    /* the token was fresh: a 401 is not worth a second token */
    assert_int_equal(kt_count(env.emu->server, TOKEN_ROUTE), 1);
    assert_true(ke_log_clean(&env));
    ke_stop(&env);
}

static void revoked_key_is_eauth_after_one_renewal(void **state)
{
    struct ke_env env;
    struct seen s;

    (void)state;
    ke_start(&env, PARTS_5, KS_EPICOR_AUTH_TOKEN, 0, NULL);
    assert_int_equal(read_parts(&env, &s), KS_OK);
    cJSON_Delete(kt_act(env.emu, "revoke_key", NULL));
    assert_int_equal(read_parts(&env, &s), KS_EAUTH);
    assert_non_null(
        strstr(ks_client_last_error(env.client)->message, "API key"));
    /* one renewal after the first 401, then the call fails */
    assert_int_equal(kt_count(env.emu->server, TOKEN_ROUTE), 2);
    ke_stop(&env);
}

static void wrong_password(struct ks_epicor_options *o)
{
    o->password = "not-the-password";
}

static void wrong_password_is_eauth(void **state)
{
    struct ke_env env;
    struct seen s;
    const struct ks_error *e;

    (void)state;
    ke_start(&env, PARTS_5, KS_EPICOR_AUTH_TOKEN, 0, wrong_password);
    assert_int_equal(read_parts(&env, &s), KS_EAUTH);
    e = ks_client_last_error(env.client);
    assert_non_null(strstr(e->message, "Invalid user ID or password"));
    assert_int_equal(kt_count(env.emu->server, "GET *"), 0);
    assert_null(strstr(env.log.text, "not-the-password"));
    ke_stop(&env);
}

static void basic_auth_needs_no_token(void **state)
{
    struct ke_env env;
    struct seen s;

    (void)state;
    ke_start(&env, PARTS_5, KS_EPICOR_AUTH_BASIC, 0, NULL);
    assert_int_equal(read_parts(&env, &s), KS_OK);
    assert_int_equal(s.n, 5);
    assert_int_equal(kt_count(env.emu->server, TOKEN_ROUTE), 0);
    assert_int_equal(
        kt_count_without_header(env.emu->server, V2_ROUTE, "Authorization"), 0);
    assert_true(ke_log_clean(&env));
    ke_stop(&env);
}

static void idp_auth_uses_client_credentials(void **state)
{
    struct ke_env env;
    struct seen s;

    (void)state;
    ke_start(&env, PARTS_5, KS_EPICOR_AUTH_IDP, 0, NULL);
    assert_int_equal(read_parts(&env, &s), KS_OK);
    assert_int_equal(read_parts(&env, &s), KS_OK);
    assert_int_equal(s.n, 5);
    assert_int_equal(kt_count(env.emu->server, "POST /connect/token"), 1);
    assert_int_equal(kt_count(env.emu->server, TOKEN_ROUTE), 0);
    assert_true(ke_log_clean(&env));
    ke_stop(&env);
}

static void wrong_client_secret(struct ks_epicor_options *o)
{
    o->client_secret = "wrong-secret";
}

static void idp_refusal_is_eauth(void **state)
{
    struct ke_env env;
    struct seen s;
    ks_rc rc;

    (void)state;
    ke_start(&env, PARTS_5, KS_EPICOR_AUTH_IDP, 0, wrong_client_secret);
    rc = read_parts(&env, &s);
    /* RFC 6749: 400 invalid_client when the secret is in the form */
    assert_true(rc == KS_EREMOTE || rc == KS_EAUTH);
    assert_non_null(
        strstr(ks_client_last_error(env.client)->message, "invalid_client"));
    assert_int_equal(kt_count(env.emu->server, "GET *"), 0);
    ke_stop(&env);
}

static void every_v2_call_carries_the_api_key(void **state)
{
    struct ke_env env;
    struct seen s;
    cJSON *reply = NULL;

    (void)state;
    ke_start(&env, PARTS_5, KS_EPICOR_AUTH_TOKEN, 2, NULL);
    assert_int_equal(read_parts(&env, &s), KS_OK);
    assert_int_equal(ks_epicor_call(&reply, env.epi, "Erp.BO.CustomerSvc",
                                    "GetNewCustomer", NULL),
                     KS_OK);
    cJSON_Delete(reply);
    assert_true(kt_count(env.emu->server, V2_ROUTE) >= 4);
    assert_int_equal(
        kt_count_without_header(env.emu->server, V2_ROUTE, "x-api-key"), 0);
    assert_true(ke_log_clean(&env));
    ke_stop(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(token_auth_fetches_one_token_for_many_calls),
        cmocka_unit_test(token_renewed_once_when_the_clock_reaches_the_margin),
        cmocka_unit_test(token_expiry_mid_paging_costs_exactly_one_new_token),
        cmocka_unit_test(token_dead_mid_paging_reauths_once),
        cmocka_unit_test(expired_token_reauths_once_then_succeeds),
        cmocka_unit_test(missing_api_key_is_eauth_with_epicor_message),
        cmocka_unit_test(revoked_key_is_eauth_after_one_renewal),
        cmocka_unit_test(wrong_password_is_eauth),
        cmocka_unit_test(basic_auth_needs_no_token),
        cmocka_unit_test(idp_auth_uses_client_credentials),
        cmocka_unit_test(idp_refusal_is_eauth),
        cmocka_unit_test(every_v2_call_carries_the_api_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
