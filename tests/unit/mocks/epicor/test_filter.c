/* unit.mocks.epicor.filter: the $filter tokenizer, parser and evaluator. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "epicor/odata_filter.h"

static const char *row_json =
    "{\"PartNum\":\"WIDGET-100\",\"PartDescription\":\"O'Brien widget\","
    "\"UnitPrice\":12.5,\"SysRevID\":42,\"InActive\":false,"
    "\"ChangedOn\":\"2026-01-05T08:00:00\",\"ClassID\":null,"
    "\"SysRowID\":\"6f1c2a9e-0d4b-4c47-9f0a-1b2c3d4e5f60\",\"Qty\":-3}";

static int eval(const char *filter)
{
    struct km__odata_filter *f;
    struct km__odata_filter_err err;
    cJSON *row = cJSON_Parse(row_json);
    int rc;

    if (km__odata_filter_parse(&f, filter, &err))
        fail_msg("parse of \"%s\" failed: %s", filter, err.msg);
    rc = km__odata_filter_eval(f, row, 1);
    km__odata_filter_free(f);
    cJSON_Delete(row);
    return rc;
}

/* Parse must fail; returns the error position and checks the message. */
static size_t parse_error(const char *filter, const char *needle)
{
    struct km__odata_filter *f = NULL;
    struct km__odata_filter_err err;

    assert_int_equal(km__odata_filter_parse(&f, filter, &err), -1);
    assert_null(f);
    if (!strstr(err.msg, needle))
        fail_msg("error \"%s\" lacks \"%s\"", err.msg, needle);
    return err.pos;
}

static void comparisons_on_every_type(void **state)
{
    (void)state;
    assert_true(eval("PartNum eq 'WIDGET-100'"));
    assert_false(eval("PartNum ne 'WIDGET-100'"));
    assert_true(eval("UnitPrice gt 12"));
    assert_true(eval("UnitPrice ge 12.5"));
    assert_false(eval("UnitPrice lt 12.5"));
    assert_true(eval("UnitPrice le 12.50"));
    assert_true(eval("SysRevID gt 41"));
    assert_true(eval("Qty lt -2"));
    assert_true(eval("InActive eq false"));
    assert_true(eval("ClassID eq null"));
    assert_true(eval("PartNum ne null"));
    assert_false(eval("ClassID gt 'A'"));
    assert_true(eval("12 lt UnitPrice"));
}

static void string_literals_double_embedded_quotes(void **state)
{
    (void)state;
    assert_true(eval("PartDescription eq 'O''Brien widget'"));
    assert_false(eval("PartDescription eq 'OBrien widget'"));
}

static void strings_compare_case_insensitively(void **state)
{
    (void)state;
    assert_true(eval("PartNum eq 'widget-100'"));
}

static void boolean_operators_and_parentheses(void **state)
{
    (void)state;
    assert_true(eval("PartNum eq 'X' or UnitPrice gt 10"));
    assert_false(eval("PartNum eq 'X' and UnitPrice gt 10"));
    assert_true(eval("not (PartNum eq 'X')"));
    assert_false(eval("not(UnitPrice gt 10)"));
    assert_true(eval("(PartNum eq 'X' or PartNum eq 'WIDGET-100') and "
                     "(SysRevID ge 42)"));
    /* 'and' binds tighter than 'or' */
    assert_true(eval("PartNum eq 'WIDGET-100' or PartNum eq 'X' and "
                     "SysRevID eq 0"));
}

static void datetime_literals_bare_and_v1(void **state)
{
    (void)state;
    assert_true(eval("ChangedOn ge 2026-01-05T08:00:00Z"));
    assert_true(eval("ChangedOn gt 2026-01-05T07:59:59"));
    assert_true(eval("ChangedOn lt 2026-01-05T09:00:00+02:00") == 0);
    assert_true(eval("ChangedOn eq 2026-01-05T10:00:00+02:00"));
    assert_true(eval("ChangedOn ge datetime'2026-01-01T00:00:00'"));
    assert_true(eval("ChangedOn lt 2026-01-06"));
}

static void guid_literals(void **state)
{
    (void)state;
    assert_true(eval("SysRowID eq 6F1C2A9E-0D4B-4C47-9F0A-1B2C3D4E5F60"));
    assert_true(eval("SysRowID eq guid'6f1c2a9e-0d4b-4c47-9f0a-1b2c3d4e5f60'"));
}

static void string_functions(void **state)
{
    (void)state;
    assert_true(eval("contains(PartDescription,'Brien')"));
    assert_true(eval("startswith(PartNum,'WIDGET')"));
    assert_true(eval("endswith(PartNum,'100')"));
    assert_false(eval("endswith(PartNum,'200')"));
    assert_true(eval("substringof('DGET',PartNum)"));
    assert_true(eval("contains(PartNum,'GET') eq true"));
    assert_true(eval("contains (PartNum, 'zzz') eq false"));
    assert_false(eval("contains(ClassID,'x')"));
}

static void revid_floor_comes_from_top_level_conjuncts(void **state)
{
    struct km__odata_filter *f;
    struct km__odata_filter_err err;

    (void)state;
    assert_int_equal(
        km__odata_filter_parse(&f, "SysRevID gt 100 and PartNum ne 'A'", &err),
        0);
    assert_int_equal(km__odata_filter_revid_floor(f), 100);
    km__odata_filter_free(f);
    assert_int_equal(km__odata_filter_parse(&f, "SysRevID ge 7", &err), 0);
    assert_int_equal(km__odata_filter_revid_floor(f), 6);
    km__odata_filter_free(f);
    assert_int_equal(
        km__odata_filter_parse(&f, "SysRevID gt 100 or PartNum eq 'A'", &err),
        0);
    assert_true(km__odata_filter_revid_floor(f) == INT64_MIN);
    km__odata_filter_free(f);
}

static void malformed_filters_report_their_position(void **state)
{
    (void)state;
    assert_int_equal(parse_error("PartNum eq 'abc", "Unterminated string"), 11);
    assert_int_equal(parse_error("PartNum eq", "end of input"), 10);
    assert_int_equal(parse_error("PartNum 'x'", "comparison operator"), 8);
    assert_int_equal(parse_error("(PartNum eq 'x'", "Unbalanced"), 0);
    assert_int_equal(parse_error("PartNum eq 'x')", "Unbalanced"), 14);
    assert_int_equal(
        parse_error("tolower(PartNum) eq 'x'", "Unknown function 'tolower'"),
        0);
    assert_int_equal(
        parse_error("UnitPrice add 1 eq 2", "operator 'add' is not supported"),
        10);
    assert_int_equal(parse_error("UnitPrice eq 1.2.3", "Invalid number"), 13);
    assert_int_equal(parse_error("ChangedOn ge 2026-13-01", "Invalid datetime"),
                     13);
    assert_int_equal(parse_error("Part/PartNum eq 'x'", "Navigation paths"), 4);
    assert_int_equal(parse_error("PartNum eq 'x' PartNum", "expected"), 15);
    assert_int_equal(parse_error("PartNum eq #", "Unexpected character"), 11);
    assert_int_equal(parse_error("   ", "empty"), 0);
    assert_int_equal(
        parse_error("PartNum eq binary'AB'", "Unsupported literal type"), 11);
    assert_int_equal(
        parse_error("PartNum in ('a','b')", "operator 'in' is not supported"),
        8);
}

static void where_clauses_translate_to_filters(void **state)
{
    char *f, *o;
    struct km__odata_filter_err err;

    (void)state;
    assert_int_equal(
        km__odata_where_to_filter(&f, &o, "SysRevID > 555 BY SysRevID", &err),
        0);
    assert_string_equal(f, " SysRevID gt  555");
    assert_string_equal(o, "SysRevID");
    free(f);
    free(o);
    assert_int_equal(km__odata_where_to_filter(&f, &o,
                                               "Part.PartNum = 'A''B' AND "
                                               "InActive = no BY PartNum DESC",
                                               &err),
                     0);
    assert_string_equal(f, " PartNum eq  'A''B' and InActive eq  false");
    assert_string_equal(o, "PartNum desc");
    free(f);
    free(o);
    assert_int_equal(
        km__odata_where_to_filter(&f, &o, "PartNum LIKE 'A%'", &err), -1);
    assert_int_equal(err.pos, 8);
}

static void dates_round_trip(void **state)
{
    int64_t ms;
    char buf[32];

    (void)state;
    assert_int_equal(km__epicor_parse_datetime(&ms, "2026-01-05T08:00:00Z", 20),
                     0);
    assert_true(ms == 1767600000000LL);
    km__epicor_format_datetime(buf, sizeof(buf), ms, 0);
    assert_string_equal(buf, "2026-01-05T08:00:00");
    km__epicor_format_datetime(buf, sizeof(buf), ms, 1);
    assert_string_equal(buf, "2026-01-05T00:00:00");
    assert_int_equal(km__epicor_parse_datetime(&ms, "2026-02-30", 10), -1);
    assert_int_equal(km__epicor_parse_datetime(&ms, "2025-02-29", 10), -1);
    assert_int_equal(km__epicor_parse_datetime(&ms, "2028-02-29", 10), 0);
    assert_int_equal(km__epicor_parse_datetime(&ms, "2026-01-05 08:00:00", 19),
                     -1);
    assert_int_equal(
        km__epicor_parse_datetime(&ms, "2026-01-05T10:00:00.250+02:00", 29), 0);
    assert_true(ms == 1767600000250LL);
    km__epicor_format_datetime(buf, sizeof(buf), -1, 1);
    assert_string_equal(buf, "1969-12-31T00:00:00");
}

/* Row numbers beyond int64_t compare as decimals (and are never
 * converted to an integer, which would be undefined behaviour). */
static void numbers_beyond_int64_compare_as_decimals(void **state)
{
    cJSON *row = cJSON_Parse("{\"Huge\":1e300,\"Tiny\":-1e300,"
                             "\"Edge\":9.3e18,\"Small\":1}");
    static const struct {
        const char *filter;
        int match;
    } cases[] = {{"Huge gt 1e299", 1},  {"Huge eq 5", 0},
                 {"Tiny lt -1e299", 1}, {"Edge gt 9.2e18", 1},
                 {"Edge eq 1", 0},      {"Small lt Huge", 1},
                 {"Huge ne Tiny", 1},   {"Tiny ge Edge", 0}};
    struct km__odata_filter *f;
    struct km__odata_filter_err err;

    (void)state;
    assert_non_null(row);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (km__odata_filter_parse(&f, cases[i].filter, &err))
            fail_msg("parse of \"%s\" failed: %s", cases[i].filter, err.msg);
        if (km__odata_filter_eval(f, row, 1) != cases[i].match)
            fail_msg("\"%s\" should give %d", cases[i].filter, cases[i].match);
        km__odata_filter_free(f);
    }
    assert_true(km__odata_json_compare(cJSON_GetObjectItem(row, "Huge"),
                                       cJSON_GetObjectItem(row, "Small"),
                                       1) > 0);
    assert_true(km__odata_json_compare(cJSON_GetObjectItem(row, "Tiny"),
                                       cJSON_GetObjectItem(row, "Small"),
                                       1) < 0);
    cJSON_Delete(row);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(comparisons_on_every_type),
        cmocka_unit_test(string_literals_double_embedded_quotes),
        cmocka_unit_test(strings_compare_case_insensitively),
        cmocka_unit_test(boolean_operators_and_parentheses),
        cmocka_unit_test(datetime_literals_bare_and_v1),
        cmocka_unit_test(guid_literals),
        cmocka_unit_test(string_functions),
        cmocka_unit_test(revid_floor_comes_from_top_level_conjuncts),
        cmocka_unit_test(malformed_filters_report_their_position),
        cmocka_unit_test(where_clauses_translate_to_filters),
        cmocka_unit_test(dates_round_trip),
        cmocka_unit_test(numbers_beyond_int64_compare_as_decimals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
