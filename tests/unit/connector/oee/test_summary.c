/*
 * The summary against cases computed by hand (README.md, "Formulas"):
 * units exactly, ratios to 0.1 % (checked to 1e-6), losses ranked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <kinsync/oee.h>

#define EPS 1e-6

/* 8 h planned, JAM 30 min and a 30 min break, 60 pieces/hour, 380 good
 * and 20 scrap: A 7/8, P 24/25.2, Q 0.95, OEE 22.8/28.8 = 79.17 %. */
static void eight_hour_shift(void **state)
{
    const struct ks_oee_loss down[] = {{"JAM", 1800000},
                                       {"PAUSE-BREAK", 1800000}};
    struct ks_oee_input in = {28800000, down, 2, 380, 20, 0};
    struct ks_oee_summary s;

    (void)state;
    assert_int_equal(ks_oee_ideal_cycle_ms(&in.ideal_cycle_ms, 60, "PH"),
                     KS_OK);
    assert_true(in.ideal_cycle_ms == 60000.0);
    assert_int_equal(ks_oee_summary_compute(&s, &in), KS_OK);
    assert_int_equal(s.run_ms, 25200000);
    assert_int_equal(s.downtime_ms, 3600000);
    assert_int_equal(s.total, 400);
    assert_int_equal(s.good, 380);
    assert_int_equal(s.scrap, 20);
    assert_float_equal(s.availability, 0.875, EPS);
    assert_float_equal(s.performance, 24.0 / 25.2, EPS);
    assert_float_equal(s.quality, 0.95, EPS);
    assert_float_equal(s.oee, 22.8 / 28.8, EPS);
    assert_false(s.performance_capped);
    /* JAM and the break tie at 30 min (by name), then SCRAP and SPEED
     * tie at 20 min: SCRAP first */
    assert_int_equal(s.ntop, 3);
    assert_string_equal(s.top[0].reason, "JAM");
    assert_string_equal(s.top[1].reason, "PAUSE-BREAK");
    assert_string_equal(s.top[2].reason, "SCRAP");
    assert_int_equal(s.top[2].ms, 1200000);
}

/* The same reason twice is one loss; 1.5 min/piece: OEE 62.5 %. */
static void reasons_merge(void **state)
{
    const struct ks_oee_loss down[] = {{"JAM", 600000}, {"JAM", 600000}};
    struct ks_oee_input in = {7200000, down, 2, 50, 10, 0};
    struct ks_oee_summary s;

    (void)state;
    assert_int_equal(ks_oee_ideal_cycle_ms(&in.ideal_cycle_ms, 1.5, "MP"),
                     KS_OK);
    assert_int_equal(ks_oee_summary_compute(&s, &in), KS_OK);
    assert_float_equal(s.availability, 6.0 / 7.2, EPS);
    assert_float_equal(s.performance, 0.9, EPS);
    assert_float_equal(s.quality, 50.0 / 60.0, EPS);
    assert_float_equal(s.oee, 0.625, EPS);
    assert_int_equal(s.ntop, 3);
    assert_string_equal(s.top[0].reason, "JAM");
    assert_int_equal(s.top[0].ms, 1200000);
    assert_string_equal(s.top[1].reason, "SCRAP");
    assert_int_equal(s.top[1].ms, 900000);
    assert_string_equal(s.top[2].reason, "SPEED");
    assert_int_equal(s.top[2].ms, 600000);
}

/* More pieces than the standard allows: P held at 1 and flagged. */
static void performance_capped(void **state)
{
    struct ks_oee_input in = {3600000, NULL, 0, 150, 0, 0};
    struct ks_oee_summary s;

    (void)state;
    assert_int_equal(ks_oee_ideal_cycle_ms(&in.ideal_cycle_ms, 2, "PM"), KS_OK);
    assert_int_equal(ks_oee_summary_compute(&s, &in), KS_OK);
    assert_float_equal(s.performance, 1.0, EPS);
    assert_true(s.performance_capped);
    assert_float_equal(s.oee, 1.0, EPS);
    assert_int_equal(s.ntop, 0);
}

/* Nothing made: P and Q are 0, the whole time is speed loss. */
static void nothing_made(void **state)
{
    struct ks_oee_input in = {600000, NULL, 0, 0, 0, 1000};
    struct ks_oee_summary s;

    (void)state;
    assert_int_equal(ks_oee_summary_compute(&s, &in), KS_OK);
    assert_float_equal(s.availability, 1.0, EPS);
    assert_float_equal(s.oee, 0.0, EPS);
    assert_int_equal(s.ntop, 1);
    assert_string_equal(s.top[0].reason, "SPEED");
    assert_int_equal(s.top[0].ms, 600000);
}

static void bad_input(void **state)
{
    const struct ks_oee_loss down[] = {{"JAM", 700000}};
    struct ks_oee_input in = {600000, down, 1, 1, 0, 1000};
    struct ks_oee_summary s;
    double ms;

    (void)state;
    assert_int_equal(ks_oee_summary_compute(&s, &in), KS_EINVAL);
    in.ndowntime = 0;
    in.ideal_cycle_ms = 0;
    assert_int_equal(ks_oee_summary_compute(&s, &in), KS_EINVAL);
    in.ideal_cycle_ms = 1000;
    in.good = -1;
    assert_int_equal(ks_oee_summary_compute(&s, &in), KS_EINVAL);
    assert_int_equal(ks_oee_ideal_cycle_ms(&ms, 10, "XX"), KS_EINVAL);
    assert_int_equal(ks_oee_ideal_cycle_ms(&ms, 0, "PH"), KS_EINVAL);
    assert_int_equal(ks_oee_ideal_cycle_ms(&ms, 0.5, "HP"), KS_OK);
    assert_true(ms == 1800000.0);
}

/* The JSON carries ratios to four decimals (0.01 %). */
static void json_rounds(void **state)
{
    const struct ks_oee_loss down[] = {{"JAM", 1800000},
                                       {"PAUSE-BREAK", 1800000}};
    struct ks_oee_input in = {28800000, down, 2, 380, 20, 60000};
    const struct ks_oee_op op = {"J100", 0, 10, "CNC"};
    struct ks_oee_summary s;
    cJSON *o;

    (void)state;
    assert_int_equal(ks_oee_summary_compute(&s, &in), KS_OK);
    assert_int_equal(ks_oee_summary_json(&o, "WC-10", &op, &s), KS_OK);
    assert_float_equal(cJSON_GetObjectItem(o, "oee")->valuedouble, 0.7917,
                       1e-9);
    assert_float_equal(cJSON_GetObjectItem(o, "performance")->valuedouble,
                       0.9524, 1e-9);
    assert_string_equal(cJSON_GetObjectItem(o, "work_center")->valuestring,
                        "WC-10");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "top_losses")),
                     3);
    cJSON_Delete(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(eight_hour_shift),   cmocka_unit_test(reasons_merge),
        cmocka_unit_test(performance_capped), cmocka_unit_test(nothing_made),
        cmocka_unit_test(bad_input),          cmocka_unit_test(json_rounds),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
