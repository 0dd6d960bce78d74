/* Bad arguments are refused with KS_EINVAL and change nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "kinsync/store.h"
#include "helpers.h"

static void ids_longer_than_the_limit_are_einval(void **state)
{
    struct ks_store *st = *state;
    char *max = kt_repeat('m', KS_STORE_ID_MAX);
    char *over = kt_repeat('o', KS_STORE_ID_MAX + 1);
    struct ks_intent in;
    char *v = NULL;

    assert_int_equal(ks_store_map_put(st, "order", over, "1"), KS_EINVAL);
    assert_non_null(strstr(ks_store_last_error(st)->message, "longer"));
    assert_int_equal(ks_store_map_put(st, "order", "1", over), KS_EINVAL);
    assert_int_equal(ks_store_map_put(st, over, "1", "1"), KS_EINVAL);
    assert_int_equal(ks_store_cursor_set(st, "f", "e", over), KS_EINVAL);
    assert_int_equal(ks_store_intent_begin(&in, st, "order", over, "h"),
                     KS_EINVAL);
    assert_int_equal(ks_store_seen_add(st, "bc", over, 1), KS_EINVAL);
    assert_int_equal(ks_store_secret_delete(st, over), KS_EINVAL);
    /* exactly the limit is fine, and comes back whole */
    assert_int_equal(ks_store_map_put(st, "order", max, max), KS_OK);
    assert_int_equal(ks_store_map_get(&v, st, "order", max), KS_OK);
    assert_string_equal(v, max);
    ks_store_string_free(v);
    assert_int_equal(ks_store_intent_begin(&in, st, "order", max, max), KS_OK);
    assert_int_equal(ks_store_intent_complete(st, "order", max, max), KS_OK);
    assert_int_equal(ks_store_intent_get(&in, st, "order", max), KS_OK);
    assert_string_equal(in.source_id, max);
    assert_string_equal(in.target_id, max);
    free(max);
    free(over);
}

static void missing_or_empty_ids_are_einval(void **state)
{
    struct ks_store *st = *state;
    struct ks_intent in;
    char *v = NULL;
    int64_t n;

    assert_int_equal(ks_store_cursor_set(st, NULL, "e", "1"), KS_EINVAL);
    assert_int_equal(ks_store_cursor_set(st, "f", "", "1"), KS_EINVAL);
    assert_int_equal(ks_store_cursor_get(&v, st, "f", NULL), KS_EINVAL);
    assert_null(v);
    assert_int_equal(ks_store_map_put(st, "order", "1", NULL), KS_EINVAL);
    assert_int_equal(ks_store_map_find_reverse(&v, st, "order", ""), KS_EINVAL);
    assert_int_equal(ks_store_intent_begin(&in, st, "order", "1", NULL),
                     KS_EINVAL);
    assert_int_equal(ks_store_intent_complete(st, "order", "1", ""), KS_EINVAL);
    assert_int_equal(
        ks_store_outbox_add(NULL, st, "f", "k", "1", NULL, NULL, 1), KS_EINVAL);
    assert_int_equal(ks_store_outbox_resolve(st, -1), KS_EINVAL);
    assert_int_equal(ks_store_outbox_each(st, NULL, NULL, NULL), KS_EINVAL);
    assert_int_equal(ks_store_audit_each(st, NULL, NULL, NULL), KS_EINVAL);
    assert_int_equal(ks_store_intent_each_pending(st, NULL, NULL, NULL),
                     KS_EINVAL);
    assert_int_equal(ks_store_seen_add(st, NULL, "d", 1), KS_EINVAL);
    assert_int_equal(
        ks_store_audit_add(st, &(struct ks_audit_entry){"f", "a", "1", "b",
                                                        NULL, "create", "ok",
                                                        -1, NULL, 1}),
        KS_EINVAL);
    assert_int_equal(ks_store_audit_count(&n, st, NULL), KS_OK);
    assert_int_equal(n, 0);
    assert_int_equal(ks_store_outbox_count(&n, st, NULL), KS_OK);
    assert_int_equal(n, 0);
}

static void ids_are_stored_verbatim_not_as_sql(void **state)
{
    struct ks_store *st = *state;
    const char *evil = "1'); DROP TABLE id_map; --";
    char *v = NULL;

    assert_int_equal(ks_store_map_put(st, "order", evil, "x"), KS_OK);
    assert_int_equal(ks_store_map_find_reverse(&v, st, "order", "x"), KS_OK);
    assert_string_equal(v, evil);
    ks_store_string_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(ids_longer_than_the_limit_are_einval,
                                        th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(missing_or_empty_ids_are_einval,
                                        th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(ids_are_stored_verbatim_not_as_sql,
                                        th_setup, th_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
