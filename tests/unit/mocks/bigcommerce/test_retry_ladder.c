/* The emulator's pure rules: the retry ladder, scope matching, the thin
 * payload and its hash. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "core/crypto.h"
#include "bigcommerce/bigcommerce_emu.h"

static const int64_t ladder[] = {60,   180,  300,   600,   900,  1800,
                                 3600, 7200, 21600, 50400, 86400};

static void ladder_adds_up_to_about_48_hours(void **state)
{
    int64_t sum = 0;

    (void)state;
    for (int a = 1; a <= 11; a++)
        sum += km__bigcommerce_retry_delay_s(ladder, 11, a);
    assert_int_equal(sum, 173040); /* 48 h 4 min */
}

static void ladder_ends_after_the_eleventh_retry(void **state)
{
    (void)state;
    assert_int_equal(km__bigcommerce_retry_delay_s(ladder, 11, 1), 60);
    assert_int_equal(km__bigcommerce_retry_delay_s(ladder, 11, 11), 86400);
    assert_int_equal(km__bigcommerce_retry_delay_s(ladder, 11, 12), -1);
    assert_int_equal(km__bigcommerce_retry_delay_s(ladder, 11, 0), -1);
    assert_int_equal(km__bigcommerce_retry_delay_s(ladder, 0, 1), -1);
}

static void wildcard_scope_matches_its_subtree_only(void **state)
{
    (void)state;
    assert_true(
        km__bigcommerce_scope_matches("store/order/*", "store/order/created"));
    assert_true(km__bigcommerce_scope_matches("store/order/*",
                                              "store/order/statusUpdated"));
    assert_true(km__bigcommerce_scope_matches("store/order/created",
                                              "store/order/created"));
    assert_false(km__bigcommerce_scope_matches("store/order/created",
                                               "store/order/updated"));
    assert_false(
        km__bigcommerce_scope_matches("store/order/*", "store/orders"));
    assert_false(km__bigcommerce_scope_matches("store/order/*",
                                               "store/product/created"));
}

static void payload_hash_is_sha1_of_the_payload_without_it(void **state)
{
    cJSON *data = cJSON_Parse("{\"type\":\"order\",\"id\":250}");
    char *text = km__bigcommerce_payload("store/order/created", "1025646", data,
                                         1561482670, "abc123");
    cJSON *o = cJSON_Parse(text), *hash;
    char *rest, want[41];

    (void)state;
    assert_non_null(o);
    assert_string_equal(cJSON_GetObjectItem(o, "store_id")->valuestring,
                        "1025646");
    assert_string_equal(cJSON_GetObjectItem(o, "producer")->valuestring,
                        "stores/abc123");
    assert_int_equal(cJSON_GetObjectItem(o, "created_at")->valuedouble,
                     1561482670);
    hash = cJSON_DetachItemFromObject(o, "hash");
    assert_int_equal(strlen(hash->valuestring), 40);
    rest = cJSON_PrintUnformatted(o);
    assert_string_equal(rest, "{\"scope\":\"store/order/created\","
                              "\"store_id\":\"1025646\",\"data\":{\"type\":"
                              "\"order\",\"id\":250},\"created_at\":"
                              "1561482670,\"producer\":\"stores/abc123\"}");
    assert_int_equal(
        ks__digest_hex(want, sizeof(want), KS__SHA1, rest, strlen(rest)),
        KS_OK);
    assert_string_equal(hash->valuestring, want);
    cJSON_free(rest);
    cJSON_Delete(hash);
    cJSON_Delete(o);
    free(text);
    cJSON_Delete(data);
}

static void dates_are_rfc2822_and_parse_back(void **state)
{
    char d[40];
    int64_t ms = 0;

    (void)state;
    km__bigcommerce_rfc2822(d, 1551822011000LL);
    assert_string_equal(d, "Tue, 05 Mar 2019 21:40:11 +0000");
    assert_int_equal(km__bigcommerce_parse_date(&ms, d), 0);
    assert_int_equal(ms, 1551822011000LL);
    assert_int_equal(
        km__bigcommerce_parse_date(&ms, "2019-03-05T21:40:11+00:00"), 0);
    assert_int_equal(ms, 1551822011000LL);
    assert_int_equal(km__bigcommerce_parse_date(&ms, "yesterday-ish"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ladder_adds_up_to_about_48_hours),
        cmocka_unit_test(ladder_ends_after_the_eleventh_retry),
        cmocka_unit_test(wildcard_scope_matches_its_subtree_only),
        cmocka_unit_test(payload_hash_is_sha1_of_the_payload_without_it),
        cmocka_unit_test(dates_are_rfc2822_and_parse_back),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
