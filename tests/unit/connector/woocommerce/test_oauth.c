/* OAuth 1.0a signing against known vectors: the base string example of
 * RFC 5849 section 3.4.1.1, and a WooCommerce request whose base string
 * and signatures were computed with oauth-1.0a 2.2.6 (the signing library
 * of the official WooCommerce JS client), outside this code base. */
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
    "modified_after%3D2026-01-05T08%253A00%253A00%26oauth_consumer_key%3Dck_"  \
    "test%26oauth_nonce%3Dabc123%26oauth_signature_method%3DHMAC-SHA256%"      \
    "26oauth_timestamp%3D1767600000%26oauth_version%3D1.0%26per_page%3D10"

static void base_string_sorts_and_encodes_values_twice(void **state)
{
    char *base = NULL;

    (void)state;
    assert_int_equal(ks__oauth1_base_string(&base, "GET", URL, oauth_params),
                     KS_OK);
    assert_string_equal(base, BASE);
    ks__free(base);
}

/* RFC 5849 3.4.1.1: query parameters with encoded reserved characters, a
 * repeated name sorted by value, form body parameters (given as extra
 * pairs) and a token. */
static void base_string_matches_rfc5849_example(void **state)
{
    static const char *const extra[] = {"c2",
                                        "",
                                        "a3",
                                        "2 q",
                                        "oauth_consumer_key",
                                        "9djdj82h48djs9d2",
                                        "oauth_token",
                                        "kkk9d7dh3k39sjv7",
                                        "oauth_signature_method",
                                        "HMAC-SHA1",
                                        "oauth_timestamp",
                                        "137131201",
                                        "oauth_nonce",
                                        "7d8f3e4a",
                                        NULL};
    char *base = NULL;

    (void)state;
    assert_int_equal(
        ks__oauth1_base_string(
            &base, "POST",
            "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b",
            extra),
        KS_OK);
    assert_string_equal(
        base, "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%"
              "2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_"
              "consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%"
              "26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%"
              "3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7");
    ks__free(base);
}

static void base_string_drops_default_port_and_lowercases_host(void **state)
{
    char *base = NULL;

    (void)state;
    assert_int_equal(
        ks__oauth1_base_string(&base, "POST",
                               "HTTP://Shop.Example:80/wp-json/wc/v3/x", NULL),
        KS_OK);
    assert_string_equal(base,
                        "POST&http%3A%2F%2Fshop.example%2Fwp-json%2Fwc%2Fv3%"
                        "2Fx&");
    ks__free(base);
}

static void signature_sha256_matches_oauth_1_0a(void **state)
{
    char *sig = NULL;

    (void)state;
    assert_int_equal(
        ks__oauth1_signature(&sig, KS__SHA256, "cs_secret", NULL, BASE), KS_OK);
    assert_string_equal(sig, "9+IUOfcooF0cpLra335caHG3KdZ5VZlKAC2n2Mu77ak=");
    ks__free(sig);
}

static void signature_sha1_matches_oauth_1_0a(void **state)
{
    char *sig = NULL;

    (void)state;
    assert_int_equal(
        ks__oauth1_signature(&sig, KS__SHA1, "cs_secret", NULL, BASE), KS_OK);
    assert_string_equal(sig, "BO48eCcGg2j9NZcw5bCFoRlMqDo=");
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
        h, "oauth_signature=\"9%2BIUOfcooF0cpLra335caHG3KdZ5VZlKAC2n2Mu77ak%"
           "3D\""));
    ks__free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(base_string_sorts_and_encodes_values_twice),
        cmocka_unit_test(base_string_matches_rfc5849_example),
        cmocka_unit_test(base_string_drops_default_port_and_lowercases_host),
        cmocka_unit_test(signature_sha256_matches_oauth_1_0a),
        cmocka_unit_test(signature_sha1_matches_oauth_1_0a),
        cmocka_unit_test(header_carries_every_parameter_and_encoded_signature),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
