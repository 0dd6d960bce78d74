/* Grouping several calls into one transaction. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>
#include "kinsync/store.h"
#include "helpers.h"

static void rollback_discards_every_call_of_the_group(void **state)
{
    struct ks_store *st = *state;
    char *v = NULL;

    assert_int_equal(ks_store_begin(st), KS_OK);
    assert_int_equal(ks_store_cursor_set(st, "f", "e", "1"), KS_OK);
    assert_int_equal(ks_store_map_put(st, "order", "1", "2"), KS_OK);
    assert_int_equal(ks_store_rollback(st), KS_OK);
    assert_int_equal(ks_store_cursor_get(&v, st, "f", "e"), KS_ENOTFOUND);
    assert_int_equal(ks_store_map_get(&v, st, "order", "1"), KS_ENOTFOUND);
}

static void commit_keeps_every_call_of_the_group(void **state)
{
    struct ks_store *st = *state;
    char *v = NULL;

    assert_int_equal(ks_store_begin(st), KS_OK);
    assert_int_equal(ks_store_cursor_set(st, "f", "e", "1"), KS_OK);
    assert_int_equal(ks_store_map_put(st, "order", "1", "2"), KS_OK);
    assert_int_equal(ks_store_commit(st), KS_OK);
    assert_int_equal(ks_store_map_get(&v, st, "order", "1"), KS_OK);
    ks_store_string_free(v);
}

static void failed_call_inside_a_group_undoes_only_itself(void **state)
{
    struct ks_store *st = *state;
    char *v = NULL;

    assert_int_equal(ks_store_map_put(st, "order", "1", "2"), KS_OK);
    assert_int_equal(ks_store_begin(st), KS_OK);
    assert_int_equal(ks_store_cursor_set(st, "f", "e", "1"), KS_OK);
    assert_int_equal(ks_store_map_put(st, "order", "1", "3"), KS_ECONFLICT);
    assert_int_equal(ks_store_map_put(st, "order", "4", "5"), KS_OK);
    assert_int_equal(ks_store_commit(st), KS_OK);
    assert_int_equal(ks_store_cursor_get(&v, st, "f", "e"), KS_OK);
    ks_store_string_free(v);
    assert_int_equal(ks_store_map_get(&v, st, "order", "4"), KS_OK);
    ks_store_string_free(v);
}

static void nested_begin_and_stray_commit_are_einval(void **state)
{
    struct ks_store *st = *state;

    assert_int_equal(ks_store_commit(st), KS_EINVAL);
    assert_int_equal(ks_store_rollback(st), KS_EINVAL);
    assert_int_equal(ks_store_begin(st), KS_OK);
    assert_int_equal(ks_store_begin(st), KS_EINVAL);
    assert_int_equal(ks_store_commit(st), KS_OK);
}

static void close_rolls_back_an_open_group(void **state)
{
    char *dir = kt_tmpdir("ks-store");
    char *path = kt_path(dir, "state.db");
    struct ks_store *st = NULL;
    char *v = NULL;

    (void)state;
    assert_int_equal(th_open_file(&st, path, NULL), KS_OK);
    assert_int_equal(ks_store_begin(st), KS_OK);
    assert_int_equal(ks_store_cursor_set(st, "f", "e", "1"), KS_OK);
    ks_store_close(st);
    st = NULL;
    assert_int_equal(th_open_file(&st, path, NULL), KS_OK);
    assert_int_equal(ks_store_cursor_get(&v, st, "f", "e"), KS_ENOTFOUND);
    ks_store_close(st);
    th_remove(dir, path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            rollback_discards_every_call_of_the_group, th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(commit_keeps_every_call_of_the_group,
                                        th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(
            failed_call_inside_a_group_undoes_only_itself, th_setup,
            th_teardown),
        cmocka_unit_test_setup_teardown(
            nested_begin_and_stray_commit_are_einval, th_setup, th_teardown),
        cmocka_unit_test(close_rolls_back_an_open_group),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
