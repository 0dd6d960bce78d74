/* Sync cursors and id maps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "kinsync/store.h"
#include "helpers.h"

static void cursor_get_returns_enotfound_before_any_set(void **state)
{
    struct ks_store *st = *state;
    char *v = (char *)"sentinel";

    assert_int_equal(ks_store_cursor_get(&v, st, "parts", "Part"),
                     KS_ENOTFOUND);
    assert_null(v);
    assert_int_equal(ks_store_last_error(st)->rc, KS_ENOTFOUND);
}

static void cursor_set_replaces_the_value_per_flow_and_entity(void **state)
{
    struct ks_store *st = *state;
    char *v = NULL;

    assert_int_equal(ks_store_cursor_set(st, "parts", "Part", "10"), KS_OK);
    assert_int_equal(ks_store_cursor_set(st, "parts", "PartPlant", "7"), KS_OK);
    assert_int_equal(
        ks_store_cursor_set(st, "orders", "Part", "2026-01-05T08:00:00Z"),
        KS_OK);
    assert_int_equal(ks_store_cursor_set(st, "parts", "Part", "11"), KS_OK);
    assert_int_equal(ks_store_cursor_get(&v, st, "parts", "Part"), KS_OK);
    assert_string_equal(v, "11");
    ks_store_string_free(v);
    assert_int_equal(ks_store_cursor_get(&v, st, "parts", "PartPlant"), KS_OK);
    assert_string_equal(v, "7");
    ks_store_string_free(v);
    assert_int_equal(ks_store_cursor_get(&v, st, "orders", "Part"), KS_OK);
    assert_string_equal(v, "2026-01-05T08:00:00Z");
    ks_store_string_free(v);
}

static void map_get_and_reverse_find_the_pair(void **state)
{
    struct ks_store *st = *state;
    char *v = NULL;

    assert_int_equal(ks_store_map_put(st, "sku_part", "SKU-1", "P-100"), KS_OK);
    assert_int_equal(ks_store_map_get(&v, st, "sku_part", "SKU-1"), KS_OK);
    assert_string_equal(v, "P-100");
    ks_store_string_free(v);
    assert_int_equal(ks_store_map_find_reverse(&v, st, "sku_part", "P-100"),
                     KS_OK);
    assert_string_equal(v, "SKU-1");
    ks_store_string_free(v);
    assert_int_equal(ks_store_map_get(&v, st, "sku_part", "SKU-2"),
                     KS_ENOTFOUND);
    assert_null(v);
    assert_int_equal(ks_store_map_find_reverse(&v, st, "sku_part", "P-2"),
                     KS_ENOTFOUND);
}

static void map_put_of_the_same_pair_again_is_ok(void **state)
{
    struct ks_store *st = *state;

    assert_int_equal(ks_store_map_put(st, "order", "100", "5001"), KS_OK);
    assert_int_equal(ks_store_map_put(st, "order", "100", "5001"), KS_OK);
}

static void map_put_conflicting_a_side_returns_econflict(void **state)
{
    struct ks_store *st = *state;
    char *v = NULL;

    assert_int_equal(ks_store_map_put(st, "order", "100", "5001"), KS_OK);
    assert_int_equal(ks_store_map_put(st, "order", "100", "5002"),
                     KS_ECONFLICT);
    assert_non_null(strstr(ks_store_last_error(st)->message, "5001"));
    assert_int_equal(ks_store_map_get(&v, st, "order", "100"), KS_OK);
    assert_string_equal(v, "5001");
    ks_store_string_free(v);
    assert_int_equal(ks_store_map_find_reverse(&v, st, "order", "5002"),
                     KS_ENOTFOUND);
}

static void map_put_conflicting_b_side_returns_econflict(void **state)
{
    struct ks_store *st = *state;

    assert_int_equal(ks_store_map_put(st, "customer", "c-1", "77"), KS_OK);
    assert_int_equal(ks_store_map_put(st, "customer", "c-2", "77"),
                     KS_ECONFLICT);
}

static void maps_of_different_kinds_are_independent(void **state)
{
    struct ks_store *st = *state;
    char *v = NULL;

    assert_int_equal(ks_store_map_put(st, "product", "1", "A"), KS_OK);
    assert_int_equal(ks_store_map_put(st, "variant", "1", "B"), KS_OK);
    assert_int_equal(ks_store_map_put(st, "customer", "2", "A"), KS_OK);
    assert_int_equal(ks_store_map_get(&v, st, "variant", "1"), KS_OK);
    assert_string_equal(v, "B");
    ks_store_string_free(v);
}

static void map_delete_allows_remapping(void **state)
{
    struct ks_store *st = *state;
    char *v = NULL;

    assert_int_equal(ks_store_map_put(st, "order", "100", "5001"), KS_OK);
    assert_int_equal(ks_store_map_delete(st, "order", "100"), KS_OK);
    assert_int_equal(ks_store_map_delete(st, "order", "100"), KS_ENOTFOUND);
    assert_int_equal(ks_store_map_put(st, "order", "100", "5002"), KS_OK);
    assert_int_equal(ks_store_map_get(&v, st, "order", "100"), KS_OK);
    assert_string_equal(v, "5002");
    ks_store_string_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            cursor_get_returns_enotfound_before_any_set, th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(
            cursor_set_replaces_the_value_per_flow_and_entity, th_setup,
            th_teardown),
        cmocka_unit_test_setup_teardown(map_get_and_reverse_find_the_pair,
                                        th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(map_put_of_the_same_pair_again_is_ok,
                                        th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(
            map_put_conflicting_a_side_returns_econflict, th_setup,
            th_teardown),
        cmocka_unit_test_setup_teardown(
            map_put_conflicting_b_side_returns_econflict, th_setup,
            th_teardown),
        cmocka_unit_test_setup_teardown(maps_of_different_kinds_are_independent,
                                        th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(map_delete_allows_remapping, th_setup,
                                        th_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
