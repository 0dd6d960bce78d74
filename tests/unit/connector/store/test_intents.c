/* Exactly-once intents: begin -> complete, and what a rerun finds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "kinsync/store.h"
#include "helpers.h"

/* Begins the intent of order 100 with payload hash, which must work. */
static struct ks_intent begin(struct ks_store *st, const char *hash)
{
    struct ks_intent in;

    assert_int_equal(ks_store_intent_begin(&in, st, "order", "100", hash),
                     KS_OK);
    return in;
}

static void first_begin_reports_new_and_records_pending(void **state)
{
    struct ks_store *st = *state;
    struct ks_intent in;

    in = begin(st, "h1");
    assert_int_equal(in.state, KS_INTENT_NEW);
    assert_int_equal(in.attempts, 1);
    assert_string_equal(in.kind, "order");
    assert_string_equal(in.source_id, "100");
    assert_string_equal(in.target_id, "");
    assert_int_equal(ks_store_intent_get(&in, st, "order", "100"), KS_OK);
    assert_int_equal(in.state, KS_INTENT_PENDING);
    assert_string_equal(in.payload_hash, "h1");
}

static void second_begin_reports_pending_and_counts_attempts(void **state)
{
    struct ks_store *st = *state;
    struct ks_intent in;

    in = begin(st, "h1");
    in = begin(st, "h1");
    assert_int_equal(in.state, KS_INTENT_PENDING);
    assert_int_equal(in.attempts, 2);
    assert_int_equal(in.payload_changed, 0);
    in = begin(st, "h2");
    assert_int_equal(in.attempts, 3);
    assert_int_equal(in.payload_changed, 1);
    assert_string_equal(in.payload_hash, "h2");
}

static void completed_intent_is_reported_done_with_target(void **state)
{
    struct ks_store *st = *state;
    struct ks_intent in;

    in = begin(st, "h1");
    assert_int_equal(ks_store_intent_complete(st, "order", "100", "5001"),
                     KS_OK);
    in = begin(st, "h9");
    assert_int_equal(in.state, KS_INTENT_DONE);
    assert_string_equal(in.target_id, "5001");
    assert_int_equal(in.attempts, 1);
    assert_int_equal(in.payload_changed, 1);
    assert_string_equal(in.payload_hash, "h1");
}

static void complete_without_begin_returns_enotfound(void **state)
{
    struct ks_store *st = *state;
    struct ks_intent in;

    assert_int_equal(ks_store_intent_complete(st, "order", "404", "1"),
                     KS_ENOTFOUND);
    assert_int_equal(ks_store_intent_get(&in, st, "order", "404"),
                     KS_ENOTFOUND);
}

static void complete_twice_same_target_ok_other_target_conflict(void **state)
{
    struct ks_store *st = *state;
    struct ks_intent in;

    in = begin(st, "h1");
    assert_int_equal(ks_store_intent_complete(st, "order", "100", "5001"),
                     KS_OK);
    assert_int_equal(ks_store_intent_complete(st, "order", "100", "5001"),
                     KS_OK);
    assert_int_equal(ks_store_intent_complete(st, "order", "100", "5002"),
                     KS_ECONFLICT);
    assert_int_equal(ks_store_intent_get(&in, st, "order", "100"), KS_OK);
    assert_string_equal(in.target_id, "5001");
}

static void intents_are_keyed_by_kind_and_source(void **state)
{
    struct ks_store *st = *state;
    struct ks_intent in;

    assert_int_equal(ks_store_intent_begin(&in, st, "order", "1", "h"), KS_OK);
    assert_int_equal(ks_store_intent_begin(&in, st, "customer", "1", "h"),
                     KS_OK);
    assert_int_equal(in.state, KS_INTENT_NEW);
}

struct seen {
    int n;
    char ids[4][KS_STORE_ID_MAX + 1];
};

static int collect(const struct ks_intent *in, void *ud)
{
    struct seen *s = ud;

    if (s->n < 4)
        memcpy(s->ids[s->n], in->source_id, sizeof(s->ids[0]));
    s->n++;
    return 0;
}

static void each_pending_lists_only_pending_in_begin_order(void **state)
{
    struct ks_store *st = *state;
    struct ks_intent in;
    struct seen s;

    memset(&s, 0, sizeof(s));
    assert_int_equal(ks_store_intent_begin(&in, st, "order", "b", "h"), KS_OK);
    assert_int_equal(ks_store_intent_begin(&in, st, "order", "a", "h"), KS_OK);
    assert_int_equal(ks_store_intent_begin(&in, st, "order", "c", "h"), KS_OK);
    assert_int_equal(ks_store_intent_begin(&in, st, "customer", "z", "h"),
                     KS_OK);
    assert_int_equal(ks_store_intent_complete(st, "order", "a", "1"), KS_OK);
    assert_int_equal(ks_store_intent_each_pending(st, "order", collect, &s),
                     KS_OK);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.ids[0], "b");
    assert_string_equal(s.ids[1], "c");
    memset(&s, 0, sizeof(s));
    assert_int_equal(ks_store_intent_each_pending(st, NULL, collect, &s),
                     KS_OK);
    assert_int_equal(s.n, 3);
}

static int complete_each(const struct ks_intent *in, void *ud)
{
    struct ks_store *st = ud;

    return ks_store_intent_complete(st, in->kind, in->source_id, "done");
}

static void each_pending_callback_may_complete_intents(void **state)
{
    struct ks_store *st = *state;
    struct ks_intent in;
    struct seen s;

    memset(&s, 0, sizeof(s));
    assert_int_equal(ks_store_intent_begin(&in, st, "order", "1", "h"), KS_OK);
    assert_int_equal(ks_store_intent_begin(&in, st, "order", "2", "h"), KS_OK);
    assert_int_equal(ks_store_intent_each_pending(st, NULL, complete_each, st),
                     KS_OK);
    assert_int_equal(ks_store_intent_each_pending(st, NULL, collect, &s),
                     KS_OK);
    assert_int_equal(s.n, 0);
}

static void closing_without_complete_leaves_the_intent_pending(void **state)
{
    char *dir = kt_tmpdir("ks-store");
    char *path = kt_path(dir, "state.db");
    struct ks_store *st = NULL;
    struct ks_intent in;

    (void)state;
    assert_int_equal(th_open_file(&st, path, NULL), KS_OK);
    in = begin(st, "h1");
    ks_store_close(st); /* the process "dies" before Epicor answered */

    st = NULL;
    assert_int_equal(th_open_file(&st, path, NULL), KS_OK);
    in = begin(st, "h1");
    assert_int_equal(in.state, KS_INTENT_PENDING);
    assert_int_equal(in.attempts, 2);
    assert_int_equal(ks_store_intent_complete(st, "order", "100", "5001"),
                     KS_OK);
    ks_store_close(st);
    th_remove(dir, path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            first_begin_reports_new_and_records_pending, th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(
            second_begin_reports_pending_and_counts_attempts, th_setup,
            th_teardown),
        cmocka_unit_test_setup_teardown(
            completed_intent_is_reported_done_with_target, th_setup,
            th_teardown),
        cmocka_unit_test_setup_teardown(
            complete_without_begin_returns_enotfound, th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(
            complete_twice_same_target_ok_other_target_conflict, th_setup,
            th_teardown),
        cmocka_unit_test_setup_teardown(intents_are_keyed_by_kind_and_source,
                                        th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(
            each_pending_lists_only_pending_in_begin_order, th_setup,
            th_teardown),
        cmocka_unit_test_setup_teardown(
            each_pending_callback_may_complete_intents, th_setup, th_teardown),
        cmocka_unit_test(closing_without_complete_leaves_the_intent_pending),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
