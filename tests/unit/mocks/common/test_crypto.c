/* The emulators' own crypto helpers (mocks/src/common/crypto.c), checked
 * against published test vectors: RFC 4231 (HMAC-SHA256), RFC 2202
 * (HMAC-SHA1), FIPS 180-2 (SHA-256, SHA-1 of "abc"), RFC 4648 §10 (base64)
 * and the splitmix64 reference outputs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common/crypto.h"

static void hex_of_hmac(char *out, enum km__digest d, const void *key,
                        size_t keylen, const char *msg)
{
    unsigned char mac[KM__SHA256_LEN];
    size_t n = km__hmac(mac, d, key, keylen, msg, strlen(msg));

    assert_int_equal(n, km__digest_len(d));
    km__hex_encode(out, mac, n);
}

static void hmac_sha256_matches_rfc4231(void **state)
{
    unsigned char key[131];
    char hex[2 * KM__SHA256_LEN + 1];

    (void)state;
    /* Test case 1 */
    memset(key, 0x0b, 20);
    hex_of_hmac(hex, KM__SHA256, key, 20, "Hi There");
    assert_string_equal(hex, "b0344c61d8db38535ca8afceaf0bf12b"
                             "881dc200c9833da726e9376c2e32cff7");
    /* Test case 2: a key shorter than the block */
    hex_of_hmac(hex, KM__SHA256, "Jefe", 4, "what do ya want for nothing?");
    assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c7"
                             "5a003f089d2739839dec58b964ec3843");
    /* Test case 6: a key longer than the block is hashed first */
    memset(key, 0xaa, sizeof(key));
    hex_of_hmac(hex, KM__SHA256, key, sizeof(key),
                "Test Using Larger Than Block-Size Key - Hash Key First");
    assert_string_equal(hex, "60e431591ee0b67f0d8a26aacbf5b77f"
                             "8e0bc6213728c5140546040f0ee37f54");
}

static void hmac_sha1_matches_rfc2202(void **state)
{
    unsigned char key[20];
    char hex[2 * KM__SHA256_LEN + 1];

    (void)state;
    memset(key, 0x0b, sizeof(key));
    hex_of_hmac(hex, KM__SHA1, key, sizeof(key), "Hi There");
    assert_string_equal(hex, "b617318655057264e28bc0b6fb378c8ef146be00");
    hex_of_hmac(hex, KM__SHA1, "Jefe", 4, "what do ya want for nothing?");
    assert_string_equal(hex, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

static void digest_hex_matches_fips180(void **state)
{
    char hex[2 * KM__SHA256_LEN + 1];

    (void)state;
    km__digest_hex(hex, KM__SHA256, "abc", 3);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
                             "b00361a396177a9cb410ff61f20015ad");
    km__digest_hex(hex, KM__SHA1, "abc", 3);
    assert_string_equal(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
}

static const char *const rfc4648[][2] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

static void base64_encode_matches_rfc4648(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
        char *b64 = km__base64_encode(rfc4648[i][0], strlen(rfc4648[i][0]));

        assert_string_equal(b64, rfc4648[i][1]);
        free(b64);
    }
}

static void base64_decode_matches_rfc4648(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
        unsigned char *raw = NULL;
        size_t len = 99;

        assert_int_equal(km__base64_decode(&raw, &len, rfc4648[i][1]), 0);
        assert_int_equal(len, strlen(rfc4648[i][0]));
        assert_memory_equal(raw, rfc4648[i][0], len);
        assert_int_equal(raw[len], '\0');
        free(raw);
    }
}

static void base64_decode_refuses_malformed_text(void **state)
{
    static const char *const bad[] = {
        "Zg",       /* padding missing */
        "Zg=",      /* length not a multiple of 4 */
        "Z===",     /* three pad characters */
        "Zg==Zg==", /* padding in the middle */
        "Zm9 v",    /* whitespace */
        "Zm9v\n",   /* newline */
        "Zm-_",     /* URL-safe alphabet */
        "Zm9*",     /* not base64 at all */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unsigned char *raw = (unsigned char *)"x";
        size_t len = 7;

        assert_int_equal(km__base64_decode(&raw, &len, bad[i]), -1);
        assert_null(raw);
        assert_int_equal(len, 0);
    }
}

static void base64url_uses_the_url_alphabet_without_padding(void **state)
{
    static const unsigned char bytes[] = {0xfb, 0xff, 0xbf, 0x66};
    char *s;

    (void)state;
    s = km__base64url_encode(bytes, sizeof(bytes));
    assert_string_equal(s, "-_-_Zg"); /* standard: "+/+/Zg==" */
    free(s);
    s = km__base64url_encode("foobar", 6);
    assert_string_equal(s, "Zm9vYmFy");
    free(s);
}

static void secret_equal_compares_whole_strings(void **state)
{
    (void)state;
    assert_int_equal(km__secret_equal("abc", "abc"), 1);
    assert_int_equal(km__secret_equal("", ""), 1);
    assert_int_equal(km__secret_equal("abc", "abd"), 0);
    assert_int_equal(km__secret_equal("abc", "ab"), 0);
    assert_int_equal(km__secret_equal("ab", "abc"), 0);
}

static void rng_repeats_the_splitmix64_reference(void **state)
{
    uint64_t s = 0, t = 1234567, u = 1234567;

    (void)state;
    assert_true(km__rng_next(&s) == UINT64_C(0xe220a8397b1dcdaf));
    assert_true(km__rng_next(&s) == UINT64_C(0x6e789e6aa1b965f4));
    assert_true(km__rng_next(&t) == UINT64_C(6457827717110365317));
    assert_true(km__rng_next(&t) == UINT64_C(3203168211198807973));
    assert_true(km__rng_next(&t) == UINT64_C(9817491932198370423));
    for (int i = 0; i < 1000; i++) {
        uint64_t v = km__rng_below(&u, 7);

        assert_true(v < 7);
    }
    assert_true(km__rng_below(&u, 0) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hmac_sha256_matches_rfc4231),
        cmocka_unit_test(hmac_sha1_matches_rfc2202),
        cmocka_unit_test(digest_hex_matches_fips180),
        cmocka_unit_test(base64_encode_matches_rfc4648),
        cmocka_unit_test(base64_decode_matches_rfc4648),
        cmocka_unit_test(base64_decode_refuses_malformed_text),
        cmocka_unit_test(base64url_uses_the_url_alphabet_without_padding),
        cmocka_unit_test(secret_equal_compares_whole_strings),
        cmocka_unit_test(rng_repeats_the_splitmix64_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
