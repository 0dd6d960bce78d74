/* Known-answer tests of the OpenSSL wrappers in core/crypto.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "core/crypto.h"

static void hmac_sha256_matches_rfc4231_case_2(void **state)
{
    unsigned char mac[KS__SHA256_LEN];
    char hex[2 * KS__SHA256_LEN + 1];
    const char *msg = "what do ya want for nothing?";

    (void)state;
    assert_int_equal(ks__hmac(mac, KS__SHA256, "Jefe", 4, msg, strlen(msg)),
                     KS_OK);
    ks__hex_encode(hex, mac, sizeof(mac));
    assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c7"
                             "5a003f089d2739839dec58b964ec3843");
}

static void hmac_sha1_matches_rfc2202_case_2(void **state)
{
    unsigned char mac[KS__SHA1_LEN];
    char hex[2 * KS__SHA1_LEN + 1];
    const char *msg = "what do ya want for nothing?";

    (void)state;
    assert_int_equal(ks__hmac(mac, KS__SHA1, "Jefe", 4, msg, strlen(msg)),
                     KS_OK);
    ks__hex_encode(hex, mac, sizeof(mac));
    assert_string_equal(hex, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

static void digest_hex_of_abc_matches_fips_vectors(void **state)
{
    char hex[65];

    (void)state;
    assert_int_equal(ks__digest_hex(hex, sizeof(hex), KS__SHA1, "abc", 3),
                     KS_OK);
    assert_string_equal(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
    assert_int_equal(ks__digest_hex(hex, sizeof(hex), KS__SHA256, "abc", 3),
                     KS_OK);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
                             "b00361a396177a9cb410ff61f20015ad");
}

static void digest_hex_refuses_a_short_buffer(void **state)
{
    char hex[40];

    (void)state;
    assert_int_equal(ks__digest_hex(hex, sizeof(hex), KS__SHA1, "abc", 3),
                     KS_EINVAL);
}

static void base64_round_trips_every_padding_length(void **state)
{
    static const struct {
        const char *plain, *b64;
    } cases[] = {{"", ""},
                 {"f", "Zg=="},
                 {"fo", "Zm8="},
                 {"foo", "Zm9v"},
                 {"foob", "Zm9vYg=="},
                 {"fooba", "Zm9vYmE="},
                 {"foobar", "Zm9vYmFy"}};

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *enc = ks__base64_encode(cases[i].plain, strlen(cases[i].plain));
        unsigned char *dec = NULL;
        size_t declen = 0;

        assert_non_null(enc);
        assert_string_equal(enc, cases[i].b64);
        assert_int_equal(ks__base64_decode(&dec, &declen, enc), KS_OK);
        assert_int_equal(declen, strlen(cases[i].plain));
        assert_memory_equal(dec, cases[i].plain, declen);
        ks__free(dec);
        ks__free(enc);
    }
}

static void base64_decode_rejects_malformed_input(void **state)
{
    static const char *bad[] = {"Zg=", "Zm9v!mFy", "Z", "Zm9vYmFy\n"};

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unsigned char *dec = (unsigned char *)"untouched";
        size_t declen = 7;

        assert_int_equal(ks__base64_decode(&dec, &declen, bad[i]), KS_EPARSE);
        assert_null(dec);
        assert_int_equal(declen, 0);
    }
}

static void base64_reports_allocation_failure(void **state)
{
    unsigned char *dec = NULL;
    size_t declen = 0;

    (void)state;
    ks__alloc_fail_at(1);
    assert_null(ks__base64_encode("abc", 3));
    assert_int_equal(ks__base64_decode(&dec, &declen, "YWJj"), KS_ENOMEM);
    ks__alloc_fail_at(0);
    assert_null(dec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hmac_sha256_matches_rfc4231_case_2),
        cmocka_unit_test(hmac_sha1_matches_rfc2202_case_2),
        cmocka_unit_test(digest_hex_of_abc_matches_fips_vectors),
        cmocka_unit_test(digest_hex_refuses_a_short_buffer),
        cmocka_unit_test(base64_round_trips_every_padding_length),
        cmocka_unit_test(base64_decode_rejects_malformed_input),
        cmocka_unit_test(base64_reports_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
