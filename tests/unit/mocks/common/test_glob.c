/* km_glob_match, the path glob of fault rules and journal expectations. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
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

/* The plain backtracking definition, as a reference for the real one. */
static int reference(const char *p, const char *t)
{
    const char *close;

    if (*p == '*') {
        for (;; t++) {
            if (reference(p + 1, t))
                return 1;
            if (!*t)
                return 0;
        }
    }
    if (*p == '{' && (close = strchr(p, '}')) != NULL) {
        size_t seg = strcspn(t, "/");

        return seg > 0 && reference(close + 1, t + seg);
    }
    if (!*p)
        return !*t;
    return *t && (*p == '?' || *p == *t) && reference(p + 1, t + 1);
}

/* Every pattern of up to 5 tokens over {a, b, /, *, ?, {x}} against every
 * text of up to 5 characters over {a, b, /}: same answer as the
 * reference. */
static void agrees_with_backtracking_everywhere(void **state)
{
    static const char *const ptok[] = {"a", "b", "/", "*", "?", "{x}"};
    static const char ttok[] = "ab/";
    long pats = 1, texts = 1, checked = 0;

    (void)state;
    for (int i = 0; i < 5; i++) {
        pats *= 7;
        texts *= 4;
    }
    for (long pi = 0; pi < pats; pi++) {
        char pat[32] = "";
        size_t used = 0;

        for (long v = pi; v; v /= 7) {
            if (v % 7)
                used += (size_t)snprintf(pat + used, sizeof(pat) - used, "%s",
                                         ptok[v % 7 - 1]);
        }
        for (long ti = 0; ti < texts; ti++) {
            char text[8];
            size_t n = 0;

            for (long v = ti; v; v /= 4) {
                if (v % 4)
                    text[n++] = ttok[v % 4 - 1];
            }
            text[n] = '\0';
            if (km_glob_match(pat, text) != reference(pat, text))
                fail_msg("\"%s\" against \"%s\"", pat, text);
            checked++;
        }
    }
    assert_true(checked == pats * texts);
}

/* Many stars against a long path that almost matches: answered at once
 * (naive backtracking takes minutes on this one). */
static void many_stars_do_not_explode(void **state)
{
    (void)state;
    assert_int_equal(km_glob_match("*?*?*?*?*?*?*?*?*!",
                                   "/stores/abc123/v3/catalog/products/1/x"),
                     0);
    assert_int_equal(
        km_glob_match("*a*a*a*a*a*a*a*a*a*a*b",
                      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        0);
    assert_int_equal(
        km_glob_match("*a*a*a*a*a*a*a*a*a*a*b",
                      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"),
        1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(literal_glob_matches_exactly),
        cmocka_unit_test(star_matches_any_run_across_slashes),
        cmocka_unit_test(question_mark_matches_exactly_one_character),
        cmocka_unit_test(brace_matches_one_non_empty_segment),
        cmocka_unit_test(unclosed_brace_is_literal),
        cmocka_unit_test(agrees_with_backtracking_everywhere),
        cmocka_unit_test(many_stars_do_not_explode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
