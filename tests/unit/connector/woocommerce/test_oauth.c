/* OAuth 1.0a signing against an example computed by hand (outside this
 * code base, following WC_REST_Authentication::check_oauth_signature). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "woocommerce/woocommerce_int.h"

#define URL                                                                    \
    "http://shop.example/wp-json/wc/v3/products?per_page=10&"                  \
    "modified_after=2026-01-05T08%3A00%3A00"
static const char *const oauth_params[] = {"oauth_consumer_key",
                                           "ck_test",
                                           "oauth_nonce",
                                           "abc123",
                                           "oauth_signature_method",
                                           "HMAC-SHA256",
                                           "oauth_timestamp",
                                           "1767600000",
                                           "oauth_version",
                                           "1.0",
                                           NULL};

#define BASE                                                                   \
    "GET&http%3A%2F%2Fshop.example%2Fwp-json%2Fwc%2Fv3%2Fproducts&"            \
    "modified_after%3D2026-01-05T08%3A00%3A00%26oauth_consumer_key%3Dck_"      \
    "test%26oauth_nonce%3Dabc123%26oauth_signature_method%3DHMAC-SHA256%"      \
    "26oauth_timestamp%3D1767600000%26oauth_version%3D1.0%26per_page%3D10"

static void base_string_sorts_and_encodes_values_once(void **state)
{
    char *base = NULL;

    (void)state;
    assert_int_equal(ks__wc_oauth_base_string(&base, "GET", URL, oauth_params),
                     KS_OK);
    assert_string_equal(base, BASE);
    ks__free(base);
}

static void base_string_drops_default_port_and_lowercases_host(void **state)
{
    char *base = NULL;

    (void)state;
    assert_int_equal(
        ks__wc_oauth_base_string(
            &base, "POST", "HTTP://Shop.Example:80/wp-json/wc/v3/x", NULL),
        KS_OK);
    assert_string_equal(base,
                        "POST&http%3A%2F%2Fshop.example%2Fwp-json%2Fwc%2Fv3%"
                        "2Fx&");
    ks__free(base);
}

static void signature_sha256_matches_hand_computed(void **state)
{
    char *sig = NULL;

    (void)state;
    assert_int_equal(
        ks__wc_oauth_signature(&sig, KS__SHA256, "cs_secret", BASE), KS_OK);
    assert_string_equal(sig, "wpU+0KFRVE8d0xcp8SKOpI9W9f/6sLw1fAecyi06Xok=");
    ks__free(sig);
}

static void signature_sha1_matches_hand_computed(void **state)
{
    char *sig = NULL;

    (void)state;
    assert_int_equal(ks__wc_oauth_signature(&sig, KS__SHA1, "cs_secret", BASE),
                     KS_OK);
    assert_string_equal(sig, "JqjdNVD8a5yh9gQ15dw0UuRriYg=");
    ks__free(sig);
}

static void header_carries_every_parameter_and_encoded_signature(void **state)
{
    char *h = NULL;

    (void)state;
    assert_int_equal(ks__wc_oauth_header(&h, "ck_test", "cs_secret", "GET", URL,
                                         1767600000, "abc123"),
                     KS_OK);
    assert_non_null(strstr(h, "Authorization: OAuth "));
    assert_non_null(strstr(h, "oauth_consumer_key=\"ck_test\""));
    assert_non_null(strstr(h, "oauth_timestamp=\"1767600000\""));
    assert_non_null(strstr(h, "oauth_signature_method=\"HMAC-SHA256\""));
    /* '+', '/' and '=' of the base64 signature are percent-encoded */
    assert_non_null(strstr(
        h, "oauth_signature=\"wpU%2B0KFRVE8d0xcp8SKOpI9W9f%2F6sLw1fAecyi06Xok%"
           "3D\""));
    ks__free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(base_string_sorts_and_encodes_values_once),
        cmocka_unit_test(base_string_drops_default_port_and_lowercases_host),
        cmocka_unit_test(signature_sha256_matches_hand_computed),
        cmocka_unit_test(signature_sha1_matches_hand_computed),
        cmocka_unit_test(header_carries_every_parameter_and_encoded_signature),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
