/* unit.support.json: the typed readers over cJSON (kx/json.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "kx/json.h"

static const char doc[] =
    "{\"s\":\"text\",\"n\":12.5,\"ns\":\"7.25\",\"bad\":\"abc\",\"i\":-42.9,"
    "\"big\":1e300,\"t\":true,\"f\":false,\"o\":{\"x\":1},\"a\":[1,2],"
    "\"nul\":null}";

static void strings_are_read_only_from_strings(void **state)
{
    cJSON *o = cJSON_Parse(doc);

    (void)state;
    assert_string_equal(kx_json_str(o, "s"), "text");
    assert_null(kx_json_str(o, "n"));
    assert_null(kx_json_str(o, "missing"));
    assert_null(kx_json_str(NULL, "s"));
    assert_string_equal(kx_json_str_or(o, "s", ""), "text");
    assert_string_equal(kx_json_str_or(o, "n", "d"), "d");
    assert_string_equal(kx_json_str_or(o, "nul", ""), "");
    cJSON_Delete(o);
}

static void numbers_read_numbers_and_numeric_strings(void **state)
{
    cJSON *o = cJSON_Parse(doc);

    (void)state;
    assert_true(kx_json_num(o, "n", -1) == 12.5);
    assert_true(kx_json_num(o, "ns", -1) == -1);
    assert_true(kx_json_numeric(o, "n", -1) == 12.5);
    assert_true(kx_json_numeric(o, "ns", -1) == 7.25);
    assert_true(kx_json_numeric(o, "bad", -1) == 0);
    assert_true(kx_json_numeric(o, "t", -1) == -1);
    assert_true(kx_json_numeric(NULL, "n", 3) == 3);
    cJSON_Delete(o);
    o = cJSON_Parse("{\"empty\": \"\"}");
    assert_true(kx_json_numeric(o, "empty", -1) == -1);
    cJSON_Delete(o);
}

static void int64_truncates_and_refuses_what_does_not_fit(void **state)
{
    cJSON *o = cJSON_Parse(doc);

    (void)state;
    assert_true(kx_json_int64(o, "i", 0) == -42);
    assert_true(kx_json_int64(o, "n", 0) == 12);
    assert_true(kx_json_int64(o, "big", 5) == 5);
    assert_true(kx_json_int64(o, "ns", 5) == 5);
    assert_true(kx_json_int64(o, "missing", 9) == 9);
    cJSON_Delete(o);
}

static void bool_object_and_array_check_the_type(void **state)
{
    cJSON *o = cJSON_Parse(doc);

    (void)state;
    assert_int_equal(kx_json_bool(o, "t", -1), 1);
    assert_int_equal(kx_json_bool(o, "f", -1), 0);
    assert_int_equal(kx_json_bool(o, "n", -1), -1);
    assert_non_null(kx_json_obj(o, "o"));
    assert_null(kx_json_obj(o, "a"));
    assert_non_null(kx_json_arr(o, "a"));
    assert_int_equal(cJSON_GetArraySize(kx_json_arr(o, "a")), 2);
    assert_null(kx_json_arr(o, "o"));
    assert_null(kx_json_arr(NULL, "a"));
    cJSON_Delete(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(strings_are_read_only_from_strings),
        cmocka_unit_test(numbers_read_numbers_and_numeric_strings),
        cmocka_unit_test(int64_truncates_and_refuses_what_does_not_fit),
        cmocka_unit_test(bool_object_and_array_check_the_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
