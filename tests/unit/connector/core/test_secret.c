/* Secrets in memory, constant-time comparison, and the seeded generator
 * used for jitter. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "core/client_int.h"

static void secure_equal_accepts_identical_bytes(void **state)
{
    (void)state;
    assert_true(ks__secure_equal("abc", 3, "abc", 3));
    assert_true(ks__secure_equal("", 0, "", 0));
    assert_true(ks__secure_equal("a\0b", 3, "a\0b", 3)); /* binary safe */
}

static void secure_equal_rejects_any_difference(void **state)
{
    (void)state;
    assert_false(ks__secure_equal("abc", 3, "abd", 3));
    assert_false(ks__secure_equal("abc", 3, "xbc", 3));
    assert_false(ks__secure_equal("a\0b", 3, "a\0c", 3));
}

static void secure_equal_rejects_a_length_mismatch(void **state)
{
    (void)state;
    /* Same content up to the shorter length: only the length differs. */
    assert_false(ks__secure_equal("abc", 3, "abcd", 4));
    assert_false(ks__secure_equal("abcd", 4, "abc", 3));
    assert_false(ks__secure_equal("", 0, "a", 1));
    /* Different content and different length. */
    assert_false(ks__secure_equal("xyz", 3, "abcd", 4));
}

static void secret_copies_its_value(void **state)
{
    struct ks_secret *secret;
    char source[] = "pa55word";

    (void)state;
    assert_int_equal(ks__secret_new(&secret, source), KS_OK);
    memset(source, 0, sizeof(source));
    assert_string_equal(secret->value, "pa55word");
    assert_int_equal(secret->len, 8);
    ks__secret_free(secret);
    ks__secret_free(NULL);
}

static void secret_needs_a_value(void **state)
{
    struct ks_secret *secret = (struct ks_secret *)&secret;

    (void)state;
    assert_int_equal(ks__secret_new(&secret, NULL), KS_EINVAL);
    assert_null(secret);
    assert_int_equal(ks__secret_new(&secret, ""), KS_OK);
    assert_int_equal(secret->len, 0);
    ks__secret_free(secret);
}

static void registered_secret_is_kept_and_masked(void **state)
{
    struct ks_client_options o = KS_CLIENT_OPTIONS_INIT;
    struct ks_client *c = NULL;
    struct ks_secret *s = NULL;

    (void)state;
    assert_int_equal(ks_client_new(&c, &o), KS_OK);
    /* not configured: nothing kept, nothing masked */
    assert_int_equal(ks__secret_register(&s, c, NULL), KS_OK);
    assert_int_equal(ks__secret_register(&s, c, ""), KS_OK);
    assert_null(s);
    assert_int_equal(c->nsecrets, 0);
    assert_int_equal(ks__secret_register(&s, c, "hunter2"), KS_OK);
    assert_string_equal(s->value, "hunter2");
    assert_int_equal(c->nsecrets, 1);
    assert_string_equal(c->secrets[0], "hunter2");
    ks__secret_free(s);
    ks_client_free(c);
}

static void rng_is_splitmix64(void **state)
{
    uint64_t s = 0;

    (void)state;
    /* Reference outputs of splitmix64 seeded with 0. */
    assert_true(ks__rng_next(&s) == UINT64_C(0xe220a8397b1dcdaf));
    assert_true(ks__rng_next(&s) == UINT64_C(0x6e789e6aa1b965f4));
    assert_true(ks__rng_next(&s) == UINT64_C(0x06c45d188009454f));
}

static void rng_repeats_for_a_seed_and_stays_below_bound(void **state)
{
    uint64_t a = 12345, b = 12345;

    (void)state;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = ks__rng_below(&a, 7);

        assert_true(x < 7);
        assert_true(x == ks__rng_below(&b, 7));
    }
    assert_true(ks__rng_below(&a, 0) == 0);
    assert_true(ks__rng_below(&a, 1) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(secure_equal_accepts_identical_bytes),
        cmocka_unit_test(secure_equal_rejects_any_difference),
        cmocka_unit_test(secure_equal_rejects_a_length_mismatch),
        cmocka_unit_test(secret_copies_its_value),
        cmocka_unit_test(secret_needs_a_value),
        cmocka_unit_test(registered_secret_is_kept_and_masked),
        cmocka_unit_test(rng_is_splitmix64),
        cmocka_unit_test(rng_repeats_for_a_seed_and_stays_below_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
