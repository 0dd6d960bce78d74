/* Redaction of headers, URLs and payloads before anything is logged. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "core/internal.h"

static void credential_headers_are_secret_in_any_case(void **state)
{
    static const char *secret[] = {
        "Authorization",     "authorization",
        "X-API-Key",         "x-api-key",
        "X-Auth-Token",      "Cookie",
        "Set-Cookie",        "password",
        "username",          "X-WC-Webhook-Signature",
        "webhook-signature", "X-Shop-Secret",
        "X-Refresh-Token"};
    static const char *plain[] = {"Accept", "Content-Type", "User-Agent",
                                  "X-Rate-Limit-Requests-Left", "Link"};

    (void)state;
    for (size_t i = 0; i < sizeof(secret) / sizeof(secret[0]); i++)
        assert_true(ks_redact_is_secret_header(secret[i]));
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
        assert_false(ks_redact_is_secret_header(plain[i]));
    assert_false(ks_redact_is_secret_header(NULL));
}

static void header_values_are_replaced(void **state)
{
    char out[128];

    (void)state;
    ks_redact_header(out, sizeof(out), "Authorization", "Bearer abc.def");
    assert_string_equal(out, "Authorization: " KS_REDACTED);
    ks_redact_header(out, sizeof(out), "Accept", "application/json");
    assert_string_equal(out, "Accept: application/json");
}

static void secret_query_parameters_are_replaced(void **state)
{
    char out[512];

    (void)state;
    ks_redact_url(out, sizeof(out),
                  "https://shop.example/wp-json/wc/v3/orders?consumer_key="
                  "ck_1&consumer_secret=cs_2&page=3");
    assert_null(strstr(out, "ck_1"));
    assert_null(strstr(out, "cs_2"));
    assert_non_null(strstr(out, "consumer_key=" KS_REDACTED));
    assert_non_null(strstr(out, "page=3"));

    ks_redact_url(out, sizeof(out),
                  "http://h/x?oauth_signature=abc%3D&api-key=k1&Token=t9#f");
    assert_null(strstr(out, "abc"));
    assert_null(strstr(out, "k1"));
    assert_null(strstr(out, "t9"));
}

static void userinfo_is_replaced(void **state)
{
    char out[256];

    (void)state;
    ks_redact_url(out, sizeof(out), "https://manager:hunter2@erp.example/x");
    assert_null(strstr(out, "hunter2"));
    assert_null(strstr(out, "manager"));
    assert_non_null(strstr(out, "erp.example/x"));
}

static void relative_urls_have_their_query_redacted(void **state)
{
    char out[256];

    (void)state;
    ks_redact_url(out, sizeof(out), "/api/v2/odata?password=pw1&$top=5");
    assert_string_equal(out, "/api/v2/odata?password=" KS_REDACTED "&$top=5");
    ks_redact_url(out, sizeof(out), "/no/query");
    assert_string_equal(out, "/no/query");
}

static void encoded_parameter_names_are_recognised(void **state)
{
    char out[256];

    (void)state;
    ks_redact_url(out, sizeof(out), "/x?consumer%5Fsecret=cs_3");
    assert_null(strstr(out, "cs_3"));
}

static void result_is_truncated_but_length_is_reported(void **state)
{
    char out[8];
    size_t need;

    (void)state;
    need = ks_redact_url(out, sizeof(out), "/abcdefghijklmnop");
    assert_int_equal(need, strlen("/abcdefghijklmnop"));
    assert_string_equal(out, "/abcdef");
}

static void mask_hides_every_occurrence(void **state)
{
    char buf[] = "token=abc123 again abc123 and xyz";
    const char *secrets[] = {"abc123", NULL, "", "xyz"};

    (void)state;
    assert_int_equal(ks_redact_mask(buf, strlen(buf), secrets, 4), 3);
    assert_string_equal(buf, "token=****** again ****** and ***");
}

static void allocation_failure_redacts_everything(void **state)
{
    char out[256];

    (void)state;
    ks__alloc_fail_at(1);
    ks_redact_url(out, sizeof(out), "/x?password=pw1");
    ks__alloc_fail_at(0);
    assert_null(strstr(out, "pw1"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(credential_headers_are_secret_in_any_case),
        cmocka_unit_test(header_values_are_replaced),
        cmocka_unit_test(secret_query_parameters_are_replaced),
        cmocka_unit_test(userinfo_is_replaced),
        cmocka_unit_test(relative_urls_have_their_query_redacted),
        cmocka_unit_test(encoded_parameter_names_are_recognised),
        cmocka_unit_test(result_is_truncated_but_length_is_reported),
        cmocka_unit_test(mask_hides_every_occurrence),
        cmocka_unit_test(allocation_failure_redacts_everything),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
