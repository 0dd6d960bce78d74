/* unit.connector.adobe.auth: each authentication mode against the adobe
 * emulator: OAuth 1.0a signatures with fresh nonces and the client's
 * clock, the admin token and the IMS token renewed before they expire and
 * after a 401, and nothing secret in the log. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "ka.h"

#define PRODUCT "\"products\":[{\"sku\":\"A-1\",\"name\":\"A\",\"price\":5}]"

static ks_rc get_product(struct ka_env *env)
{
    cJSON *p = NULL;
    ks_rc rc = ks_adobe_product_get(&p, env->ad, "A-1");

    if (!rc)
        assert_string_equal(cJSON_GetObjectItem(p, "sku")->valuestring, "A-1");
    cJSON_Delete(p);
    return rc;
}

static void oauth1_requests_verify_with_a_fresh_nonce_each(void **state)
{
    struct ka_env env;

    (void)state;
    ka_start(&env, PRODUCT, KS_ADOBE_AUTH_OAUTH1);
    /* same virtual second for all: only distinct nonces let them pass */
    for (int i = 0; i < 5; i++)
        assert_int_equal(get_product(&env), KS_OK);
    assert_int_equal(kt_count(env.emu->server, "GET /rest/*"), 5);
    assert_int_equal(ks_adobe_token_requests(env.ad), 0);
    assert_true(ka_log_clean(&env));
    ka_stop(&env);
}

static void oauth1_signature_covers_the_search_query(void **state)
{
    struct ka_env env;
    struct ks_adobe_search *s = NULL;
    struct ks_adobe_list_stats st;

    (void)state;
    ka_start(&env, PRODUCT, KS_ADOBE_AUTH_OAUTH1);
    assert_int_equal(ks_adobe_search_new(&s), KS_OK);
    assert_int_equal(ks_adobe_search_filter(s, "sku", KS_ADOBE_LIKE, "A-%"),
                     KS_OK);
    assert_int_equal(
        ks_adobe_search_each(env.ad, "products", s, NULL, NULL, &st), KS_OK);
    assert_int_equal(st.delivered, 1);
    ks_adobe_search_free(s);
    ka_stop(&env);
}

static void oauth1_timestamp_is_the_clients_clock(void **state)
{
    struct ka_env env;
    struct ks_clock *behind = NULL;
    struct ks_client *client = NULL;
    struct ks_adobe *ad = NULL;
    struct ks_adobe_options o = KS_ADOBE_OPTIONS_INIT;
    cJSON *p = NULL;

    (void)state;
    ka_start(&env, PRODUCT ",\"oauth_max_age_s\":300", KS_ADOBE_AUTH_OAUTH1);
    assert_int_equal(get_product(&env), KS_OK);
    /* a client whose clock is an hour behind the shop signs stale
     * timestamps: refused with Adobe's oauth problem, not retried */
    assert_int_equal(ks_clock_new_virtual(&behind, KT_START_MS - 3600000), 0);
    client = kt_client_new(behind);
    ka_options(&o, km_server_url(env.emu->server), KS_ADOBE_AUTH_OAUTH1);
    assert_int_equal(ks_adobe_new(&ad, client, &o), KS_OK);
    assert_int_equal(ks_adobe_product_get(&p, ad, "A-1"), KS_EREMOTE);
    assert_null(p);
    assert_non_null(strstr(ks_client_last_error(client)->message,
                           "oauth_problem=timestamp_refused"));
    ks_adobe_free(ad);
    ks_client_free(client);
    ks_clock_free(behind);
    ka_stop(&env);
}

/* A second handle whose options adjust() spoils, on a fresh emulator
 * with extra: its product read fails with want and Adobe's words. */
static void refused(const char *extra, enum ks_adobe_auth auth,
                    void (*adjust)(struct ks_adobe_options *), ks_rc want,
                    const char *words)
{
    struct ka_env env;
    struct ks_client *client;
    struct ks_adobe *ad = NULL;
    struct ks_adobe_options o = KS_ADOBE_OPTIONS_INIT;
    cJSON *p = NULL;

    ka_start(&env, extra, auth);
    client = kt_client_new(env.clock);
    ka_options(&o, km_server_url(env.emu->server), auth);
    adjust(&o);
    assert_int_equal(ks_adobe_new(&ad, client, &o), KS_OK);
    assert_int_equal(ks_adobe_product_get(&p, ad, "A-1"), want);
    assert_null(p);
    assert_non_null(strstr(ks_client_last_error(client)->message, words));
    ks_adobe_free(ad);
    ks_client_free(client);
    ka_stop(&env);
}

static void wrong_token_secret(struct ks_adobe_options *o)
{
    o->access_token_secret = "not-the-secret";
}

static void oauth1_wrong_secret_is_eauth_signature_invalid(void **state)
{
    (void)state;
    refused(PRODUCT, KS_ADOBE_AUTH_OAUTH1, wrong_token_secret, KS_EAUTH,
            "oauth_problem=signature_invalid");
}

static void admin_token_is_reused_then_renewed_before_four_hours(void **state)
{
    struct ka_env env;

    (void)state;
    ka_start(&env, PRODUCT, KS_ADOBE_AUTH_ADMIN);
    assert_int_equal(get_product(&env), KS_OK);
    assert_int_equal(get_product(&env), KS_OK);
    assert_int_equal(ks_adobe_token_requests(env.ad), 1);
    /* 59 s before the 4 h are up: inside the 60 s margin, renewed */
    ks_clock_advance_ms(env.clock, 4 * 3600000LL - 59000);
    assert_int_equal(get_product(&env), KS_OK);
    assert_int_equal(ks_adobe_token_requests(env.ad), 2);
    assert_int_equal(
        kt_count(env.emu->server, "POST /rest/*/V1/integration/admin/token"),
        2);
    /* no request was refused on the way */
    assert_int_equal(kt_count(env.emu->server, "GET /rest/*"), 3);
    assert_true(ka_log_clean(&env));
    ka_stop(&env);
}

static void admin_token_revoked_is_fetched_again_after_401(void **state)
{
    struct ka_env env;

    (void)state;
    ka_start(&env, PRODUCT, KS_ADOBE_AUTH_ADMIN);
    assert_int_equal(get_product(&env), KS_OK);
    cJSON_Delete(kt_act(env.emu, "expire_tokens", NULL));
    assert_int_equal(get_product(&env), KS_OK);
    assert_int_equal(ks_adobe_token_requests(env.ad), 2);
    /* the first GET, the refused one and its retry */
    assert_int_equal(kt_count(env.emu->server, "GET /rest/*"), 3);
    ka_stop(&env);
}

static void wrong_password(struct ks_adobe_options *o)
{
    o->password = "wrong";
}

static void admin_wrong_password_is_eauth_with_adobes_message(void **state)
{
    (void)state;
    refused(PRODUCT, KS_ADOBE_AUTH_ADMIN, wrong_password, KS_EAUTH,
            "account sign-in was incorrect");
}

static void ims_token_sends_gateway_headers_and_is_renewed(void **state)
{
    struct ka_env env;

    (void)state;
    ka_start(&env,
             "\"deployment\":\"saas\",\"ims_token_lifetime_s\":3600," PRODUCT,
             KS_ADOBE_AUTH_IMS);
    assert_int_equal(get_product(&env), KS_OK);
    assert_int_equal(get_product(&env), KS_OK);
    assert_int_equal(ks_adobe_token_requests(env.ad), 1);
    assert_int_equal(kt_count_without_header(env.emu->server,
                                             "GET /kinsync-tenant/*",
                                             "x-gw-ims-org-id"),
                     0);
    assert_int_equal(kt_count_without_header(env.emu->server,
                                             "GET /kinsync-tenant/*", "Store"),
                     0);
    ks_clock_advance_ms(env.clock, 3600000 - 30000);
    assert_int_equal(get_product(&env), KS_OK);
    assert_int_equal(ks_adobe_token_requests(env.ad), 2);
    cJSON_Delete(kt_act(env.emu, "expire_tokens", NULL));
    assert_int_equal(get_product(&env), KS_OK);
    assert_int_equal(ks_adobe_token_requests(env.ad), 3);
    assert_int_equal(kt_count(env.emu->server, "POST /ims/token/v3"), 3);
    assert_true(ka_log_clean(&env));
    ka_stop(&env);
}

static void scope_without_commerce(struct ks_adobe_options *o)
{
    o->scope = "openid,AdobeID";
}

static void ims_refused_scope_is_reported_in_ims_words(void **state)
{
    (void)state;
    refused("\"deployment\":\"saas\"," PRODUCT, KS_ADOBE_AUTH_IMS,
            scope_without_commerce, KS_EREMOTE, "IMS: invalid_scope");
}

static void options_missing_a_credential_are_einval(void **state)
{
    struct ks_client *client = NULL;
    struct ks_adobe *ad = NULL;
    struct ks_adobe_options o = KS_ADOBE_OPTIONS_INIT;

    (void)state;
    assert_int_equal(ks_client_new(&client, NULL), KS_OK);
    ka_options(&o, "http://127.0.0.1:1", KS_ADOBE_AUTH_OAUTH1);
    o.access_token = NULL;
    assert_int_equal(ks_adobe_new(&ad, client, &o), KS_EINVAL);
    assert_non_null(
        strstr(ks_client_last_error(client)->message, "access_token"));
    ka_options(&o, "http://127.0.0.1:1", KS_ADOBE_AUTH_ADMIN);
    o.deployment = KS_ADOBE_SAAS;
    assert_int_equal(ks_adobe_new(&ad, client, &o), KS_EINVAL);
    assert_null(ad);
    ks_client_free(client);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(oauth1_requests_verify_with_a_fresh_nonce_each),
        cmocka_unit_test(oauth1_signature_covers_the_search_query),
        cmocka_unit_test(oauth1_timestamp_is_the_clients_clock),
        cmocka_unit_test(oauth1_wrong_secret_is_eauth_signature_invalid),
        cmocka_unit_test(admin_token_is_reused_then_renewed_before_four_hours),
        cmocka_unit_test(admin_token_revoked_is_fetched_again_after_401),
        cmocka_unit_test(admin_wrong_password_is_eauth_with_adobes_message),
        cmocka_unit_test(ims_token_sends_gateway_headers_and_is_renewed),
        cmocka_unit_test(ims_refused_scope_is_reported_in_ims_words),
        cmocka_unit_test(options_missing_a_credential_are_einval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
