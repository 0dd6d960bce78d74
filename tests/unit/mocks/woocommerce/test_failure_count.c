/* The auto-disable rule of WC_Webhook::failed_delivery(). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "woocommerce/woocommerce_emu.h"

static void failures_one_to_six_only_count(void **state)
{
    int count = 0;

    (void)state;
    for (int i = 1; i <= 6; i++) {
        assert_int_equal(km__woocommerce_failure_disables(&count, 5), 0);
        assert_int_equal(count, i);
    }
}

static void seventh_consecutive_failure_disables(void **state)
{
    int count = 0;

    (void)state;
    for (int i = 1; i <= 6; i++)
        km__woocommerce_failure_disables(&count, 5);
    assert_int_equal(km__woocommerce_failure_disables(&count, 5), 1);
    assert_int_equal(count, 6); /* unchanged when disabling */
}

static void limit_zero_disables_on_the_second_failure(void **state)
{
    int count = 0;

    (void)state;
    assert_int_equal(km__woocommerce_failure_disables(&count, 0), 0);
    assert_int_equal(km__woocommerce_failure_disables(&count, 0), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(failures_one_to_six_only_count),
        cmocka_unit_test(seventh_consecutive_failure_disables),
        cmocka_unit_test(limit_zero_disables_on_the_second_failure),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
