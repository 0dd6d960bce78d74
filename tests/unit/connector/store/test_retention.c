/* Retention: ks_store_prune deletes old audit entries and completed
 * intents, never a pending one, and exactly-once survives it (a crash in
 * the middle included). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <kinsync/testing.h>
#include "helpers.h"

#define DAY_MS ((int64_t)86400000)

static int64_t now_ms(void)
{
    return (int64_t)time(NULL) * 1000;
}

static void audit_at(struct ks_store *st, const char *id, int64_t at_ms)
{
    struct ks_audit_entry e = {
        "orders.bigcommerce", "bigcommerce", id, "epicor", "5001",
        "order.create",       "ok",          1,  NULL,     at_ms};

    assert_int_equal(ks_store_audit_add(st, &e), KS_OK);
}

static void intent_done(struct ks_store *st, const char *ref, const char *num)
{
    struct ks_intent in;

    assert_int_equal(ks_store_intent_begin(&in, st, "order", ref, "h"), KS_OK);
    assert_int_equal(ks_store_intent_complete(st, "order", ref, num), KS_OK);
}

static int64_t audit_rows(struct ks_store *st)
{
    int64_t n = -1;

    assert_int_equal(ks_store_audit_count(&n, st, NULL), KS_OK);
    return n;
}

static void old_audit_entries_go_and_recent_ones_stay(void **state)
{
    struct ks_store *st = *state;
    struct ks_store_prune_counts n;
    int64_t now = now_ms();

    audit_at(st, "BC-1", now - 100 * DAY_MS);
    audit_at(st, "BC-2", now - 91 * DAY_MS);
    audit_at(st, "BC-3", now - 89 * DAY_MS);
    audit_at(st, "BC-4", now);
    assert_int_equal(ks_store_prune(&n, st, now - 90 * DAY_MS), KS_OK);
    assert_int_equal(n.audit, 2);
    assert_int_equal(audit_rows(st), 2);
    assert_int_equal(ks_store_prune(&n, st, now - 90 * DAY_MS), KS_OK);
    assert_int_equal(n.audit, 0);
    assert_int_equal(ks_store_prune(NULL, st, now + DAY_MS), KS_OK);
    assert_int_equal(audit_rows(st), 0);
}

/* A pending intent is a write whose outcome is unknown: never pruned,
 * however old the cut. */
static void pending_intents_are_never_pruned(void **state)
{
    struct ks_store *st = *state;
    struct ks_store_prune_counts n;
    struct ks_intent in;

    assert_int_equal(ks_store_intent_begin(&in, st, "order", "BC-7", "h"),
                     KS_OK);
    intent_done(st, "BC-8", "5008");
    assert_int_equal(ks_store_prune(&n, st, now_ms() + DAY_MS), KS_OK);
    assert_int_equal(n.intents, 1);
    assert_int_equal(ks_store_intent_get(&in, st, "order", "BC-7"), KS_OK);
    assert_int_equal(in.state, KS_INTENT_PENDING);
    assert_int_equal(ks_store_intent_get(&in, st, "order", "BC-8"),
                     KS_ENOTFOUND);
}

/* Completed intents newer than the cut stay, and still say DONE. */
static void recent_completed_intents_stay(void **state)
{
    struct ks_store *st = *state;
    struct ks_store_prune_counts n;
    struct ks_intent in;

    intent_done(st, "BC-9", "5009");
    assert_int_equal(ks_store_prune(&n, st, now_ms() - DAY_MS), KS_OK);
    assert_int_equal(n.intents, 0);
    assert_int_equal(ks_store_intent_begin(&in, st, "order", "BC-9", "h"),
                     KS_OK);
    assert_int_equal(in.state, KS_INTENT_DONE);
    assert_string_equal(in.target_id, "5009");
}

/* After a kind was pruned, a source without a row may have been written
 * before the cut: begin says PENDING (look it up first), never NEW. Kinds
 * never pruned keep NEW. */
static void after_pruning_an_unknown_source_is_pending_not_new(void **state)
{
    struct ks_store *st = *state;
    struct ks_intent in;

    intent_done(st, "BC-10", "5010");
    intent_done(st, "BC-11", "5011");
    assert_int_equal(ks_store_intent_begin(&in, st, "refund", "R-1", "h"),
                     KS_OK);
    assert_int_equal(in.state, KS_INTENT_NEW);
    assert_int_equal(ks_store_prune(NULL, st, now_ms() + DAY_MS), KS_OK);
    /* seen again after the cut: looked up, not written blindly */
    assert_int_equal(ks_store_intent_begin(&in, st, "order", "BC-10", "h"),
                     KS_OK);
    assert_int_equal(in.state, KS_INTENT_PENDING);
    assert_int_equal(ks_store_intent_begin(&in, st, "order", "BC-99", "h"),
                     KS_OK);
    assert_int_equal(in.state, KS_INTENT_PENDING);
    /* the refund was pending: not pruned, its kind not marked */
    assert_int_equal(ks_store_intent_begin(&in, st, "refund", "R-2", "h"),
                     KS_OK);
    assert_int_equal(in.state, KS_INTENT_NEW);
}

/* A crash before the prune commits deletes nothing; after the restart the
 * intents still say DONE and a new prune does the whole job. */
static void a_crash_during_prune_deletes_nothing(void **state)
{
    char *dir = kt_tmpdir("ks-store");
    char *path = kt_path(dir, "state.db");
    struct ks_store *st = NULL;
    struct ks_store_prune_counts n;
    struct ks_intent in;

    (void)state;
    assert_int_equal(th_open_file(&st, path, NULL), KS_OK);
    intent_done(st, "BC-20", "5020");
    audit_at(st, "BC-20", 1000);
    assert_int_equal(
        ks_testing_store_crash_arm(st, "store.prune.before_commit"), KS_OK);
    assert_int_equal(ks_store_prune(&n, st, now_ms() + DAY_MS), KS_ECRASH);
    assert_int_equal(n.audit + n.intents, 0);
    ks_store_close(st);
    assert_int_equal(th_open_file(&st, path, NULL), KS_OK);
    assert_int_equal(audit_rows(st), 1);
    assert_int_equal(ks_store_intent_begin(&in, st, "order", "BC-20", "h"),
                     KS_OK);
    assert_int_equal(in.state, KS_INTENT_DONE);
    assert_int_equal(ks_store_intent_begin(&in, st, "order", "BC-21", "h"),
                     KS_OK);
    assert_int_equal(in.state, KS_INTENT_NEW);
    assert_int_equal(ks_store_prune(&n, st, now_ms() + DAY_MS), KS_OK);
    assert_int_equal(n.audit, 1);
    assert_int_equal(n.intents, 1);
    ks_store_close(st);
    assert_int_equal(th_open_file(&st, path, NULL), KS_OK);
    assert_int_equal(ks_store_intent_begin(&in, st, "order", "BC-20", "h"),
                     KS_OK);
    assert_int_equal(in.state, KS_INTENT_PENDING);
    ks_store_close(st);
    th_remove(dir, path);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, th_setup, th_teardown)
    const struct CMUnitTest tests[] = {
        T(old_audit_entries_go_and_recent_ones_stay),
        T(pending_intents_are_never_pruned),
        T(recent_completed_intents_stay),
        T(after_pruning_an_unknown_source_is_pending_not_new),
        cmocka_unit_test(a_crash_during_prune_deletes_nothing),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
