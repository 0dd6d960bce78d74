/* unit.mocks.epicor.keys: OData key segments against the table definitions. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "epicor/epicor_emu.h"

static cJSON *keys(int tid, const char *text, char *err, size_t errsz)
{
    cJSON *out = NULL;

    if (km__epicor_parse_keys(&out, &km__epicor_defs[tid], text, err, errsz))
        return NULL;
    return out;
}

static void positional_keys_in_definition_order(void **state)
{
    char err[256];
    cJSON *k = keys(T_ORDERDTL, "('EPIC06',5000,2)", err, sizeof(err));

    (void)state;
    assert_non_null(k);
    assert_string_equal(cJSON_GetArrayItem(k, 0)->valuestring, "EPIC06");
    assert_int_equal(cJSON_GetArrayItem(k, 1)->valueint, 5000);
    assert_int_equal(cJSON_GetArrayItem(k, 2)->valueint, 2);
    cJSON_Delete(k);
}

static void named_keys_in_any_order(void **state)
{
    char err[256];
    cJSON *k = keys(T_PART, "(PartNum='A/B ''C''',Company='EPIC06')", err,
                    sizeof(err));

    (void)state;
    assert_non_null(k);
    assert_string_equal(cJSON_GetArrayItem(k, 0)->valuestring, "EPIC06");
    assert_string_equal(cJSON_GetArrayItem(k, 1)->valuestring, "A/B 'C'");
    cJSON_Delete(k);
}

static void upper_case_ponum_is_a_key_of_podetail(void **state)
{
    char err[256];
    cJSON *k =
        keys(T_PODETAIL, "(Company='C',PONUM=7,POLine=1)", err, sizeof(err));

    (void)state;
    assert_non_null(k);
    assert_int_equal(cJSON_GetArrayItem(k, 1)->valueint, 7);
    cJSON_Delete(k);
}

static void bad_key_segments_are_explained(void **state)
{
    char err[256];

    (void)state;
    assert_null(keys(T_PART, "('WIDGET')", err, sizeof(err)));
    assert_non_null(strstr(err, "number of keys"));
    assert_null(keys(T_ORDERHED, "('EPIC06','5000')", err, sizeof(err)));
    assert_non_null(strstr(err, "expects a number"));
    assert_null(keys(T_PART, "(Company='C','P')", err, sizeof(err)));
    assert_non_null(strstr(err, "all positional or all named"));
    assert_null(keys(T_PART, "(Company='C',Part='P')", err, sizeof(err)));
    assert_non_null(strstr(err, "'Part' is not a key"));
    assert_null(keys(T_PART, "('C','P'", err, sizeof(err)));
    assert_null(keys(T_PART, "('C','P)", err, sizeof(err)));
    assert_non_null(strstr(err, "Unterminated"));
}

static void datetime_keys_normalise(void **state)
{
    char err[256];
    cJSON *k = keys(T_PARTTRAN, "('C',datetime'2026-01-05T00:00:00',300,9)",
                    err, sizeof(err));

    (void)state;
    assert_non_null(k);
    assert_string_equal(cJSON_GetArrayItem(k, 1)->valuestring,
                        "2026-01-05T00:00:00");
    cJSON_Delete(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(positional_keys_in_definition_order),
        cmocka_unit_test(named_keys_in_any_order),
        cmocka_unit_test(upper_case_ponum_is_a_key_of_podetail),
        cmocka_unit_test(bad_key_segments_are_explained),
        cmocka_unit_test(datetime_keys_normalise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
