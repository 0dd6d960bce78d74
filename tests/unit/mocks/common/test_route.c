/* Route patterns, captures and query parsing of the emulator core. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "common/server_int.h"

static int matches(const char *pattern, const char *path)
{
    struct km__captures caps;
    int m = km__route_match(pattern, path, 0, &caps);

    km__captures_dispose(&caps);
    return m;
}

static void literal_pattern_matches_only_the_same_path(void **state)
{
    (void)state;
    assert_true(matches("/ping", "/ping"));
    assert_false(matches("/ping", "/pong"));
    assert_false(matches("/ping", "/ping/"));
    assert_false(matches("/ping", "/pin"));
    assert_false(matches("/ping/", "/ping"));
}

static void brace_segment_captures_one_non_empty_segment(void **state)
{
    struct km__captures caps;

    (void)state;
    assert_true(km__route_match("/stores/{hash}/v3/catalog/products/{id}",
                                "/stores/abc123/v3/catalog/products/77", 0,
                                &caps));
    assert_int_equal(caps.n, 2);
    assert_string_equal(caps.values[0], "abc123");
    assert_string_equal(caps.values[1], "77");
    km__captures_dispose(&caps);
    assert_int_equal(caps.n, 0);

    assert_false(km__route_match("/items/{id}", "/items/", 0, &caps));
    assert_int_equal(caps.n, 0);
    assert_false(km__route_match("/items/{id}", "/items/1/2", 0, &caps));
    assert_int_equal(caps.n, 0);
}

static void brace_segment_may_sit_between_literals(void **state)
{
    struct km__captures caps;

    (void)state;
    assert_true(km__route_match("/{company}/api/v2/odata/{co}/Parts",
                                "/EPIC06/api/v2/odata/EPIC06/Parts", 0, &caps));
    assert_int_equal(caps.n, 2);
    assert_string_equal(caps.values[0], "EPIC06");
    km__captures_dispose(&caps);
}

static void trailing_star_matches_the_rest_or_nothing(void **state)
{
    struct km__captures caps;

    (void)state;
    assert_true(matches("/wp-json/*", "/wp-json/wc/v3/orders"));
    assert_true(matches("/wp-json/*", "/wp-json/"));
    assert_false(matches("/wp-json/*", "/wp-json"));
    assert_true(matches("*", "/anything/at/all"));
    assert_true(km__route_match("/a/{x}/*", "/a/b/c/d", 0, &caps));
    assert_int_equal(caps.n, 1);
    assert_string_equal(caps.values[0], "b");
    km__captures_dispose(&caps);
}

static void star_inside_a_pattern_is_literal(void **state)
{
    (void)state;
    assert_true(matches("/a*b", "/a*b"));
    assert_false(matches("/a*b", "/axxb"));
}

static void more_captures_than_the_limit_do_not_match(void **state)
{
    char pattern[256], path[256];
    size_t pn = 0, sn = 0;

    (void)state;
    for (int i = 0; i <= KM_MAX_CAPTURES; i++) {
        pn += (size_t)snprintf(pattern + pn, sizeof(pattern) - pn, "/{x}");
        sn += (size_t)snprintf(path + sn, sizeof(path) - sn, "/v");
    }
    assert_false(matches(pattern, path));
}

static void query_parse_decodes_names_values_and_plus(void **state)
{
    struct km__kvs kv = {0};

    (void)state;
    km__query_parse(&kv, "a=1&b=x%20y&c=p+q&flag&a=2&&e=");
    assert_int_equal(kv.n, 6);
    assert_string_equal(kv.v[0].name, "a");
    assert_string_equal(kv.v[0].value, "1");
    assert_string_equal(kv.v[1].value, "x y");
    assert_string_equal(kv.v[2].value, "p q");
    assert_string_equal(kv.v[3].name, "flag");
    assert_string_equal(kv.v[3].value, "");
    assert_string_equal(kv.v[4].value, "2");
    assert_string_equal(kv.v[5].name, "e");
    assert_string_equal(km__kvs_get(&kv, "B"), "x y");
    km__kvs_dispose(&kv);
}

static void kvs_set_replaces_case_insensitively(void **state)
{
    struct km__kvs kv = {0};

    (void)state;
    km__kvs_set(&kv, "Content-Type", "text/plain");
    km__kvs_set(&kv, "content-type", "application/json");
    assert_int_equal(kv.n, 1);
    assert_string_equal(kv.v[0].name, "Content-Type");
    assert_string_equal(kv.v[0].value, "application/json");
    km__kvs_dispose(&kv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(literal_pattern_matches_only_the_same_path),
        cmocka_unit_test(brace_segment_captures_one_non_empty_segment),
        cmocka_unit_test(brace_segment_may_sit_between_literals),
        cmocka_unit_test(trailing_star_matches_the_rest_or_nothing),
        cmocka_unit_test(star_inside_a_pattern_is_literal),
        cmocka_unit_test(more_captures_than_the_limit_do_not_match),
        cmocka_unit_test(query_parse_decodes_names_values_and_plus),
        cmocka_unit_test(kvs_set_replaces_case_insensitively),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
