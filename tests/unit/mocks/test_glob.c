/* km_glob_match, the path glob of fault rules and journal expectations. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "common/server_int.h"

static void literal_glob_matches_exactly(void **state)
{
    (void)state;
    assert_int_equal(km_glob_match("/ping", "/ping"), 1);
    assert_int_equal(km_glob_match("/ping", "/ping/x"), 0);
    assert_int_equal(km_glob_match("/ping", "/pin"), 0);
    assert_int_equal(km_glob_match("", ""), 1);
}

static void star_matches_any_run_across_slashes(void **state)
{
    (void)state;
    assert_int_equal(km_glob_match("*", ""), 1);
    assert_int_equal(km_glob_match("*", "/a/b/c"), 1);
    assert_int_equal(km_glob_match("/*/api/v2/*", "/EPIC06/api/v2/odata/x"), 1);
    assert_int_equal(km_glob_match("/*/api/v2/*", "/EPIC06/api/v1/odata"), 0);
    assert_int_equal(km_glob_match("/stores/*", "/stores/"), 1);
    assert_int_equal(km_glob_match("/stores/*", "/stores"), 0);
    assert_int_equal(km_glob_match("*orders", "/wc/v3/orders"), 1);
    assert_int_equal(km_glob_match("*orders", "/wc/v3/orders/1"), 0);
    assert_int_equal(km_glob_match("/a*b*c", "/aXbYbZc"), 1);
    assert_int_equal(km_glob_match("/a*b*c", "/aXbYbZ"), 0);
}

static void question_mark_matches_exactly_one_character(void **state)
{
    (void)state;
    assert_int_equal(km_glob_match("/v?/x", "/v2/x"), 1);
    assert_int_equal(km_glob_match("/v?/x", "/v/x"), 0);
    assert_int_equal(km_glob_match("/v?/x", "/v22/x"), 0);
}

static void brace_matches_one_non_empty_segment(void **state)
{
    (void)state;
    assert_int_equal(km_glob_match("/orders/{id}", "/orders/42"), 1);
    assert_int_equal(km_glob_match("/orders/{id}", "/orders/"), 0);
    assert_int_equal(km_glob_match("/orders/{id}", "/orders/4/notes"), 0);
    assert_int_equal(km_glob_match("/orders/{id}/*", "/orders/4/notes"), 1);
}

static void unclosed_brace_is_literal(void **state)
{
    (void)state;
    assert_int_equal(km_glob_match("/a{b", "/a{b"), 1);
    assert_int_equal(km_glob_match("/a{b", "/axb"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(literal_glob_matches_exactly),
        cmocka_unit_test(star_matches_any_run_across_slashes),
        cmocka_unit_test(question_mark_matches_exactly_one_character),
        cmocka_unit_test(brace_matches_one_non_empty_segment),
        cmocka_unit_test(unclosed_brace_is_literal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
