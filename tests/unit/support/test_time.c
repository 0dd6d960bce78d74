/* unit.support.time: the project's one ISO 8601 parser and formatter. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "kx/time.h"

#define JAN5 1767600000000LL /* 2026-01-05T08:00:00Z */

static void parses_utc_with_and_without_fraction(void **state)
{
    int64_t ms = 0;

    (void)state;
    assert_int_equal(kx_iso8601_parse(&ms, "2026-01-05T08:00:00Z", 0), 0);
    assert_int_equal(ms, JAN5);
    assert_int_equal(kx_iso8601_parse(&ms, "2026-01-05T08:00:00.25Z", 0), 0);
    assert_int_equal(ms, JAN5 + 250);
    assert_int_equal(kx_iso8601_parse(&ms, "2026-01-05T08:00:00.123456Z", 0),
                     0);
    assert_int_equal(ms, JAN5 + 123);
    assert_int_equal(kx_iso8601_parse(&ms, "2026-01-05 08:00Z", 0), 0);
    assert_int_equal(ms, JAN5);
}

static void applies_offsets(void **state)
{
    int64_t ms = 0;

    (void)state;
    assert_int_equal(kx_iso8601_parse(&ms, "2026-01-05T10:00:00+02:00", 0), 0);
    assert_int_equal(ms, JAN5);
    assert_int_equal(kx_iso8601_parse(&ms, "2026-01-05T03:30:00-0430", 0), 0);
    assert_int_equal(ms, JAN5);
}

static void zone_and_date_only_follow_the_flags(void **state)
{
    int64_t ms = 0;

    (void)state;
    assert_int_equal(kx_iso8601_parse(&ms, "2026-01-05T08:00:00", 0), 0);
    assert_int_equal(ms, JAN5);
    assert_int_equal(
        kx_iso8601_parse(&ms, "2026-01-05T08:00:00", KX_ISO8601_ZONE_REQUIRED),
        -1);
    assert_int_equal(kx_iso8601_parse(&ms, "2026-01-05", 0), -1);
    assert_int_equal(kx_iso8601_parse(&ms, "2026-01-05", KX_ISO8601_DATE_OK),
                     0);
    assert_int_equal(ms, JAN5 - 8 * 3600000LL);
}

static void refuses_what_is_not_one_timestamp(void **state)
{
    static const char *const bad[] = {"",
                                      "2026-1-05T08:00:00Z",
                                      "2026-02-30T00:00:00Z",
                                      "2026-01-05T24:00:00Z",
                                      "2026-01-05T08:00:00Zjunk",
                                      "2026-01-05T08:00:00.Z",
                                      "2026-01-05T08:00:00+25:00",
                                      "2026-13-01T00:00:00Z",
                                      "20260105T080000Z"};
    int64_t ms = 42;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(kx_iso8601_parse(&ms, bad[i], KX_ISO8601_DATE_OK), -1);
        assert_int_equal(ms, 42);
    }
    assert_int_equal(kx_iso8601_parse(&ms, NULL, 0), -1);
}

static void formats_and_round_trips(void **state)
{
    char out[KX_ISO8601_MAX];
    int64_t ms = 0;

    (void)state;
    assert_string_equal(kx_iso8601_format(out, JAN5, 0), "2026-01-05T08:00:00");
    assert_string_equal(
        kx_iso8601_format(out, JAN5 + 7, KX_ISO8601_MS | KX_ISO8601_Z),
        "2026-01-05T08:00:00.007Z");
    assert_string_equal(kx_iso8601_format(out, JAN5, KX_ISO8601_OFFSET),
                        "2026-01-05T08:00:00+00:00");
    assert_string_equal(kx_iso8601_format(out, -1, KX_ISO8601_MS),
                        "1969-12-31T23:59:59.999");
    assert_string_equal(kx_iso8601_format(out, 951782400000LL, 0),
                        "2000-02-29T00:00:00");
    /* Every day of four years, leap days included, round-trips. */
    for (int64_t t = 946684800000LL; t < 1072915200000LL; t += 86400000 + 1) {
        kx_iso8601_format(out, t, KX_ISO8601_MS | KX_ISO8601_Z);
        assert_int_equal(kx_iso8601_parse(&ms, out, KX_ISO8601_ZONE_REQUIRED),
                         0);
        assert_int_equal(ms, t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_utc_with_and_without_fraction),
        cmocka_unit_test(applies_offsets),
        cmocka_unit_test(zone_and_date_only_follow_the_flags),
        cmocka_unit_test(refuses_what_is_not_one_timestamp),
        cmocka_unit_test(formats_and_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
