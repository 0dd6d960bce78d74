/* unit.epicor.token: when a cached access token is renewed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "epicor/epicor_int.h"

#define HOUR 3600000LL

static void token_due_when_none_is_cached(void **state)
{
    (void)state;
    assert_true(ks__epicor_token_due(0, 0, 0, 60000, 0));
}

static void token_not_due_well_before_expiry(void **state)
{
    (void)state;
    /* obtained at 0, valid one hour, margin one minute */
    assert_false(ks__epicor_token_due(HOUR - 60001, 0, HOUR, 60000, 1));
}

static void token_due_inside_the_margin(void **state)
{
    (void)state;
    assert_true(ks__epicor_token_due(HOUR - 60000, 0, HOUR, 60000, 1));
    assert_true(ks__epicor_token_due(HOUR - 1, 0, HOUR, 60000, 1));
}

static void token_due_after_expiry(void **state)
{
    (void)state;
    assert_true(ks__epicor_token_due(HOUR + 5, 0, HOUR, 0, 1));
    assert_false(ks__epicor_token_due(HOUR - 1, 0, HOUR, 0, 1));
}

static void margin_capped_at_half_of_a_short_lifetime(void **state)
{
    (void)state;
    /* a 60 s token with a 60 s margin would be renewed on every call */
    assert_false(ks__epicor_token_due(29999, 0, 60000, 60000, 1));
    assert_true(ks__epicor_token_due(30000, 0, 60000, 60000, 1));
}

static void margin_measured_on_the_token_own_timeline(void **state)
{
    int64_t t0 = 1767600000000LL;

    (void)state;
    assert_false(ks__epicor_token_due(t0 + HOUR / 2, t0, t0 + HOUR, 60000, 1));
    assert_true(
        ks__epicor_token_due(t0 + HOUR - 30000, t0, t0 + HOUR, 60000, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(token_due_when_none_is_cached),
        cmocka_unit_test(token_not_due_well_before_expiry),
        cmocka_unit_test(token_due_inside_the_margin),
        cmocka_unit_test(token_due_after_expiry),
        cmocka_unit_test(margin_capped_at_half_of_a_short_lifetime),
        cmocka_unit_test(margin_measured_on_the_token_own_timeline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
