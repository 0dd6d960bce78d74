/* Virtual and real clocks: what moves them, and that several threads may
 * use one at once. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <time.h>
#include <cmocka.h>
#include "core/internal.h"

static void virtual_clock_moves_only_when_told(void **state)
{
    struct ks_clock *clock;

    (void)state;
    assert_int_equal(ks_clock_new_virtual(&clock, 1000), KS_OK);
    assert_true(ks_clock_is_virtual(clock));
    assert_int_equal(ks_clock_now_ms(clock), 1000);
    assert_int_equal(ks_clock_now_ms(clock), 1000);
    ks_clock_advance_ms(clock, 250);
    assert_int_equal(ks_clock_now_ms(clock), 1250);
    ks_clock_free(clock);
}

static void virtual_sleep_advances_at_once(void **state)
{
    struct ks_clock *clock;

    (void)state;
    assert_int_equal(ks_clock_new_virtual(&clock, 0), KS_OK);
    /* A two-day wait: were it real, the test's timeout would end it. */
    ks_clock_sleep_ms(clock, 48LL * 3600 * 1000);
    assert_int_equal(ks_clock_now_ms(clock), 48LL * 3600 * 1000);
    ks_clock_free(clock);
}

static void negative_and_zero_moves_are_ignored(void **state)
{
    struct ks_clock *clock;

    (void)state;
    assert_int_equal(ks_clock_new_virtual(&clock, 500), KS_OK);
    ks_clock_advance_ms(clock, -100);
    ks_clock_sleep_ms(clock, -100);
    ks_clock_advance_ms(clock, 0);
    ks_clock_sleep_ms(clock, 0);
    assert_int_equal(ks_clock_now_ms(clock), 500);
    ks_clock_free(clock);
}

static void null_clock_reads_real_time(void **state)
{
    struct timespec ts;
    int64_t now, sys;

    (void)state;
    clock_gettime(CLOCK_REALTIME, &ts);
    sys = (int64_t)ts.tv_sec * 1000;
    now = ks_clock_now_ms(NULL);
    assert_true(now >= sys && now - sys < 3600 * 1000);
    assert_false(ks_clock_is_virtual(NULL));
    ks_clock_advance_ms(NULL, 1000); /* ignored, no crash */
    ks_clock_sleep_ms(NULL, 0);
    ks_clock_free(NULL);
}

static void real_clock_can_be_pushed_forward(void **state)
{
    struct ks_clock *clock;
    int64_t before;

    (void)state;
    assert_int_equal(ks_clock_new_real(&clock), KS_OK);
    assert_false(ks_clock_is_virtual(clock));
    before = ks_clock_now_ms(clock);
    assert_true(before - ks_clock_now_ms(NULL) < 1000);
    ks_clock_advance_ms(clock, 86400000);
    assert_true(ks_clock_now_ms(clock) - before >= 86400000);
    ks_clock_sleep_ms(clock, 1); /* really sleeps, for one millisecond */
    ks_clock_free(clock);
}

struct reader {
    struct ks_clock *clock;
    int monotonic;
};

static void *advance_many(void *arg)
{
    for (int i = 0; i < 10000; i++) {
        if (i % 2)
            ks_clock_advance_ms(arg, 1);
        else
            ks_clock_sleep_ms(arg, 1);
    }
    return NULL;
}

static void *read_many(void *arg)
{
    struct reader *r = arg;
    int64_t last = 0;

    r->monotonic = 1;
    for (int i = 0; i < 20000; i++) {
        int64_t now = ks_clock_now_ms(r->clock);
        if (now < last)
            r->monotonic = 0;
        last = now;
    }
    return NULL;
}

static void virtual_clock_is_safe_across_threads(void **state)
{
    struct ks_clock *clock;
    struct reader r;
    pthread_t t[4], rt;

    (void)state;
    assert_int_equal(ks_clock_new_virtual(&clock, 0), KS_OK);
    r.clock = clock;
    assert_int_equal(pthread_create(&rt, NULL, read_many, &r), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, advance_many, clock), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    pthread_join(rt, NULL);
    assert_int_equal(ks_clock_now_ms(clock), 40000); /* no lost update */
    assert_true(r.monotonic);
    ks_clock_free(clock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(virtual_clock_moves_only_when_told),
        cmocka_unit_test(virtual_sleep_advances_at_once),
        cmocka_unit_test(negative_and_zero_moves_are_ignored),
        cmocka_unit_test(null_clock_reads_real_time),
        cmocka_unit_test(real_clock_can_be_pushed_forward),
        cmocka_unit_test(virtual_clock_is_safe_across_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
