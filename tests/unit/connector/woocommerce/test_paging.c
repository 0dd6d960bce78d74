/* Paging headers: Link rel="next" and X-WP-Total(Pages). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "woocommerce/woocommerce_int.h"

static void link_next_is_found_among_other_relations(void **state)
{
    char *next = NULL;

    (void)state;
    assert_int_equal(
        ks__wc_link_next(&next,
                         "<https://s.example/wp-json/wc/v3/products?page=1>; "
                         "rel=\"prev\", "
                         "<https://s.example/wp-json/wc/v3/products?page=3>; "
                         "rel=\"next\", "
                         "<https://s.example/wp-json/wc/v3/products?page=9>; "
                         "rel=\"last\""),
        KS_OK);
    assert_string_equal(next,
                        "https://s.example/wp-json/wc/v3/products?page=3");
    ks__free(next);
}

static void link_without_next_is_enotfound(void **state)
{
    char *next = NULL;

    (void)state;
    assert_int_equal(
        ks__wc_link_next(&next, "<https://s.example/x?page=1>; rel=\"prev\", "
                                "<https://s.example/x?page=1>; rel=\"first\""),
        KS_ENOTFOUND);
    assert_null(next);
}

static void link_url_with_commas_and_unquoted_rel(void **state)
{
    char *next = NULL;

    (void)state;
    assert_int_equal(ks__wc_link_next(&next, "<https://s.example/x?include="
                                             "1,2,3&page=2>; rel=next"),
                     KS_OK);
    assert_string_equal(next, "https://s.example/x?include=1,2,3&page=2");
    ks__free(next);
}

static void next_lookalike_relation_is_not_next(void **state)
{
    char *next = NULL;

    (void)state;
    assert_int_equal(ks__wc_link_next(&next, "<https://s.example/x>; "
                                             "rel=\"nextpage\""),
                     KS_ENOTFOUND);
}

static void header_numbers_parse_and_reject_garbage(void **state)
{
    (void)state;
    assert_int_equal(ks__wc_header_long("3"), 3);
    assert_int_equal(ks__wc_header_long("250 "), 250);
    assert_int_equal(ks__wc_header_long(NULL), -1);
    assert_int_equal(ks__wc_header_long(""), -1);
    assert_int_equal(ks__wc_header_long("3x"), -1);
    assert_int_equal(ks__wc_header_long("-1"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(link_next_is_found_among_other_relations),
        cmocka_unit_test(link_without_next_is_enotfound),
        cmocka_unit_test(link_url_with_commas_and_unquoted_rel),
        cmocka_unit_test(next_lookalike_relation_is_not_next),
        cmocka_unit_test(header_numbers_parse_and_reject_garbage),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
