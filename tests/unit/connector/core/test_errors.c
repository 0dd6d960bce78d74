/* The error table (names, messages, parsing back) and the error slot's
 * first-failure-wins contract. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "core/internal.h"
#include <kinsync/testing.h>

/* The public codes and the test-only ones (kinsync/testing.h): one set of
 * names and values, so a test code can never shadow a public one. */
static const ks_rc every_code[] = {
#define CODE(name, value, text) KS_##name,
    KS_ERRORS(CODE) KS_TESTING_ERRORS(CODE)
#undef CODE
};
#define NCODES (sizeof(every_code) / sizeof(every_code[0]))

static void every_code_round_trips_through_its_name(void **state)
{
    ks_rc back;

    (void)state;
    for (size_t i = 0; i < NCODES; i++) {
        const char *name = ks_rc_name(every_code[i]);

        assert_int_equal(strncmp(name, "KS_", 3), 0);
        assert_int_equal(ks_rc_from_name(&back, name), 0);
        assert_int_equal(back, every_code[i]);
        assert_int_equal(ks_rc_from_name(&back, name + 3), 0);
        assert_int_equal(back, every_code[i]);
        assert_true(strlen(ks_rc_message(every_code[i])) > 0);
    }
}

static void names_and_values_are_unique(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCODES; i++) {
        for (size_t j = i + 1; j < NCODES; j++) {
            assert_int_not_equal(every_code[i], every_code[j]);
            assert_string_not_equal(ks_rc_name(every_code[i]),
                                    ks_rc_name(every_code[j]));
        }
    }
}

static void table_matches_the_documented_values(void **state)
{
    (void)state;
    assert_int_equal(KS_OK, 0);
    assert_int_equal(KS_ENOMEM, -2);
    assert_string_equal(ks_rc_name(KS_ENOTFOUND), "KS_ENOTFOUND");
    assert_string_equal(ks_rc_message(KS_ENOMEM), "out of memory");
    assert_string_equal(ks_rc_message(KS_OK), "success");
}

static void parsing_ignores_case_and_rejects_unknown_names(void **state)
{
    ks_rc back = KS_OK;

    (void)state;
    assert_int_equal(ks_rc_from_name(&back, "ks_eauth"), 0);
    assert_int_equal(back, KS_EAUTH);
    assert_int_equal(ks_rc_from_name(&back, "ok"), 0);
    assert_int_equal(back, KS_OK);
    back = KS_ECRASH;
    assert_int_equal(ks_rc_from_name(&back, "ENOSUCH"), -1);
    assert_int_equal(ks_rc_from_name(&back, "KS_"), -1);
    assert_int_equal(ks_rc_from_name(&back, ""), -1);
    assert_int_equal(ks_rc_from_name(&back, NULL), -1);
    assert_int_equal(back, KS_ECRASH); /* untouched on failure */
}

static void unknown_values_have_static_fallbacks(void **state)
{
    (void)state;
    assert_string_equal(ks_rc_name((ks_rc)-999), "KS_UNKNOWN");
    assert_non_null(ks_rc_message((ks_rc)12345));
    assert_true(strlen(ks_rc_message((ks_rc)12345)) > 0);
}

static void first_error_is_kept(void **state)
{
    struct ks_error err = {0};

    (void)state;
    assert_int_equal(ks__error_set(&err, KS_ETRANSPORT, 0, "socket %d", 3),
                     KS_ETRANSPORT);
    assert_int_equal(ks__error_set(&err, KS_ERROR, 500, "wrapper"), KS_ERROR);
    assert_int_equal(err.rc, KS_ETRANSPORT);
    assert_int_equal(err.http_status, 0);
    assert_string_equal(err.message, "socket 3");
}

static void setting_ok_writes_nothing(void **state)
{
    struct ks_error err = {0};

    (void)state;
    assert_int_equal(ks__error_set(&err, KS_OK, 200, "fine"), KS_OK);
    assert_int_equal(err.rc, KS_OK);
    assert_string_equal(err.message, "");
    assert_int_equal(ks__error_set(NULL, KS_EAUTH, 0, "x"), KS_EAUTH);
}

static void clear_allows_a_new_error(void **state)
{
    struct ks_error err = {0};

    (void)state;
    ks__error_set(&err, KS_EAUTH, 401, "denied");
    ks__error_clear(&err);
    assert_int_equal(err.rc, KS_OK);
    assert_int_equal(err.http_status, 0);
    assert_string_equal(err.message, "");
    ks__error_set(&err, KS_ENOTFOUND, 404, "gone");
    assert_int_equal(err.rc, KS_ENOTFOUND);
    assert_int_equal(err.http_status, 404);
    assert_string_equal(err.message, "gone");
    ks__error_clear(NULL);
}

static void message_is_one_line_and_truncated(void **state)
{
    struct ks_error err = {0};
    char longtext[2000];

    (void)state;
    ks__error_set(&err, KS_EPARSE, 0, "line one\nline two\r\tend");
    assert_string_equal(err.message, "line one line two  end");
    ks__error_clear(&err);
    memset(longtext, 'x', sizeof(longtext) - 1);
    longtext[sizeof(longtext) - 1] = '\0';
    ks__error_set(&err, KS_EPARSE, 0, "%s", longtext);
    assert_int_equal(strlen(err.message), sizeof(err.message) - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_code_round_trips_through_its_name),
        cmocka_unit_test(names_and_values_are_unique),
        cmocka_unit_test(table_matches_the_documented_values),
        cmocka_unit_test(parsing_ignores_case_and_rejects_unknown_names),
        cmocka_unit_test(unknown_values_have_static_fallbacks),
        cmocka_unit_test(first_error_is_kept),
        cmocka_unit_test(setting_ok_writes_nothing),
        cmocka_unit_test(clear_allows_a_new_error),
        cmocka_unit_test(message_is_one_line_and_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
