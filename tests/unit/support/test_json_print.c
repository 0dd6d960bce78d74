/* The one JSON printer (kx/json_print.h) prints what
 * cJSON_PrintUnformatted prints, byte for byte, over numbers of every
 * kind, strings that need escapes, raw text and nesting, and fails where
 * cJSON fails. */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <kx/json_print.h>

/* Prints item both ways and compares; the printer's length is the text's. */
static void same_as_cjson(const cJSON *item)
{
    char *want = cJSON_PrintUnformatted(item);
    size_t len;
    char *got;

    assert_int_equal(kx_json_print(&got, &len, item, 1), KX_JSON_PRINT_OK);
    assert_non_null(want);
    assert_non_null(got);
    if (strcmp(want, got) != 0)
        fail_msg("printed %s, cJSON prints %s", got, want);
    assert_int_equal(len, strlen(want));
    cJSON_free(want);
    free(got);
}

static void numbers_print_as_cjson_prints_them(void **state)
{
    static const double values[] = {0,
                                    -0.0,
                                    1,
                                    -1,
                                    7,
                                    42,
                                    2147483647.0,
                                    -2147483648.0,
                                    2147483648.0,
                                    3e9,
                                    1e13,
                                    1e14,
                                    1e15,
                                    1e16,
                                    1e21,
                                    123456789012.34,
                                    9999999999999.99,
                                    0.5,
                                    0.05,
                                    0.1,
                                    0.2,
                                    0.3,
                                    0.01,
                                    0.015,
                                    0.001,
                                    1e-5,
                                    1e-300,
                                    225.65,
                                    -225.65,
                                    19.99,
                                    1.10,
                                    100.5,
                                    0.07,
                                    1.005,
                                    2.675,
                                    1.0 / 3.0,
                                    3.141592653589793,
                                    4.35,
                                    80.69,
                                    159.88,
                                    1e300,
                                    DBL_MAX,
                                    DBL_MIN,
                                    5e-324,
                                    123.456,
                                    0.000123,
                                    12345678.9,
                                    1.7976931348623157e308,
                                    NAN,
                                    INFINITY,
                                    -INFINITY};
    uint64_t seed = 12345;

    (void)state;
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        cJSON *n = cJSON_CreateNumber(values[i]);

        same_as_cjson(n);
        cJSON_Delete(n);
    }
    /* prices as the emulators make them: 1 + k / 100, and their sums */
    for (int i = 0; i < 20000; i++) {
        double price;
        cJSON *n;

        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        price = 1.0 + (double)(seed >> 33 & 0xFFFFF) / 100.0;
        n = cJSON_CreateNumber(i % 3 ? price : price * (i % 7 + 1) * 1.1);
        same_as_cjson(n);
        cJSON_Delete(n);
    }
}

static void strings_raw_and_nesting_print_as_cjson_prints_them(void **state)
{
    const char *doc = "{\"a\":\"plain\",\"q\":\"say \\\"hi\\\" \\\\ / done\","
                      "\"ctl\":\"\\b\\f\\n\\r\\t\\u0001\\u001f\",\"utf\":"
                      "\"caf\\u00e9 \\u2603\","
                      "\"empty\":\"\",\"arr\":[1,2.5,[],{},[null,true,false]],"
                      "\"obj\":{\"k\\n\":{\"deep\":[{\"x\":-0.25}]}}}";
    cJSON *root = cJSON_Parse(doc);

    (void)state;
    assert_non_null(root);
    cJSON_AddItemToObject(root, "raw", cJSON_CreateRaw("{\"pre\":[1,2]}"));
    cJSON_AddItemToArray(cJSON_GetObjectItem(root, "arr"),
                         cJSON_CreateRaw("17.50"));
    same_as_cjson(root);
    cJSON_Delete(root);
}

/* Where cJSON prints nothing (a raw item without text, an unknown type,
 * no item), neither does the printer, and it says why. */
static void what_cjson_cannot_print_is_refused(void **state)
{
    cJSON *root = cJSON_CreateArray(), *raw = cJSON_CreateRaw("1");
    cJSON odd;
    char *text = (char *)"unset";
    size_t len = 7;

    (void)state;
    assert_non_null(root);
    assert_non_null(raw);
    free(raw->valuestring);
    raw->valuestring = NULL;
    cJSON_AddItemToArray(root, raw);
    assert_null(cJSON_PrintUnformatted(root));
    assert_int_equal(kx_json_print(&text, &len, root, 16),
                     KX_JSON_PRINT_INVALID);
    assert_null(text);
    assert_int_equal(len, 0);
    memset(&odd, 0, sizeof(odd));
    odd.type = 1 << 10;
    assert_int_equal(kx_json_print(&text, &len, &odd, 0),
                     KX_JSON_PRINT_INVALID);
    assert_int_equal(kx_json_print(&text, &len, NULL, 0),
                     KX_JSON_PRINT_INVALID);
    cJSON_Delete(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers_print_as_cjson_prints_them),
        cmocka_unit_test(strings_raw_and_nesting_print_as_cjson_prints_them),
        cmocka_unit_test(what_cjson_cannot_print_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
