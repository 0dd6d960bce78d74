/* unit.support.json: the typed readers of <kx/json.h>. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <kx/json.h>

static const char doc[] =
    "{\"name\":\"Widget\",\"price\":\"12.50\",\"qty\":3,\"empty\":\"\","
    "\"flag\":true,\"none\":null}";

static void str_or_gives_the_string_or_the_default(void **state)
{
    cJSON *o = cJSON_Parse(doc);

    (void)state;
    assert_string_equal(kx_json_str_or(o, "name", ""), "Widget");
    assert_string_equal(kx_json_str_or(o, "empty", "x"), "");
    assert_string_equal(kx_json_str_or(o, "qty", "dflt"), "dflt");
    assert_string_equal(kx_json_str_or(o, "missing", "dflt"), "dflt");
    assert_string_equal(kx_json_str_or(NULL, "name", "dflt"), "dflt");
    assert_null(kx_json_str_or(o, "none", NULL));
    cJSON_Delete(o);
}

static void decimal_reads_numbers_and_numeric_strings(void **state)
{
    cJSON *o = cJSON_Parse(doc);

    (void)state;
    assert_true(kx_json_decimal(o, "qty", -1) == 3.0);
    assert_true(kx_json_decimal(o, "price", -1) == 12.5);
    assert_true(kx_json_decimal(o, "empty", -1) == -1.0);
    assert_true(kx_json_decimal(o, "flag", -1) == -1.0);
    assert_true(kx_json_decimal(o, "missing", 7) == 7.0);
    assert_true(kx_json_decimal(NULL, "qty", 7) == 7.0);
    /* the strict reader takes numbers only */
    assert_true(kx_json_num(o, "price", -1) == -1.0);
    cJSON_Delete(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(str_or_gives_the_string_or_the_default),
        cmocka_unit_test(decimal_reads_numbers_and_numeric_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
