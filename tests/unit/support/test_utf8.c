/* unit.support.utf8: validation by RFC 3629 and repair with U+FFFD. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "kx/utf8.h"

#define S(lit) lit, sizeof(lit) - 1

static void valid_text_is_valid(void **state)
{
    (void)state;
    assert_true(kx_utf8_valid(S("")));
    assert_true(kx_utf8_valid(S("plain ascii {\"a\":1}")));
    assert_true(kx_utf8_valid(S("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80")));
    assert_true(kx_utf8_valid(S("\xEF\xBF\xBD")));     /* U+FFFD */
    assert_true(kx_utf8_valid(S("\xF4\x8F\xBF\xBF"))); /* U+10FFFF */
    assert_true(kx_utf8_valid(S("a\0b")));             /* NUL is UTF-8 */
}

static void invalid_bytes_are_found_where_they_are(void **state)
{
    (void)state;
    assert_int_equal(kx_utf8_invalid_at(S("ab\xFF")), 2);
    assert_int_equal(kx_utf8_invalid_at(S("\x80")), 0);     /* lone tail */
    assert_int_equal(kx_utf8_invalid_at(S("x\xC3")), 1);    /* cut short */
    assert_int_equal(kx_utf8_invalid_at(S("\xC0\xAF")), 0); /* overlong / */
    assert_int_equal(kx_utf8_invalid_at(S("\xE0\x80\xAF")), 0);
    assert_int_equal(kx_utf8_invalid_at(S("\xF0\x80\x80\xAF")), 0);
    assert_int_equal(kx_utf8_invalid_at(S("\xED\xA0\x80")), 0); /* U+D800 */
    assert_int_equal(kx_utf8_invalid_at(S("\xF4\x90\x80\x80")), 0);
    assert_int_equal(kx_utf8_invalid_at(S("\xF5\x80\x80\x80")), 0);
    assert_int_equal(kx_utf8_invalid_at(S("\xE2\x82x")), 0); /* bad tail */
    assert_false(kx_utf8_valid(S("{\"name\":\"\xFE\"}")));
}

static void repair_replaces_each_invalid_byte(void **state)
{
    size_t len;
    char *r;

    (void)state;
    r = kx_utf8_repair(S("a\xFF"
                         "b\xC3\xA9\xC3"),
                       &len);
    assert_string_equal(r, "a\xEF\xBF\xBD"
                           "b\xC3\xA9\xEF\xBF\xBD");
    assert_int_equal(len, strlen(r));
    assert_true(kx_utf8_valid(r, len));
    free(r);
    r = kx_utf8_repair(S("\xED\xA0\x80"), NULL); /* three bytes, three marks */
    assert_string_equal(r, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    free(r);
    r = kx_utf8_repair(S("already fine \xE2\x82\xAC"), &len);
    assert_string_equal(r, "already fine \xE2\x82\xAC");
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_text_is_valid),
        cmocka_unit_test(invalid_bytes_are_found_where_they_are),
        cmocka_unit_test(repair_replaces_each_invalid_byte),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
