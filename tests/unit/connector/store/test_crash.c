/* Simulated crash points, and the exactly-once protocol surviving a crash
 * at each of them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <kinsync/testing.h>
#include "store/internal.h"
#include "helpers.h"

/* Opens the store location path (NULL: a fresh private store) and arms
 * crash_at on it; a bad spec leaves *out NULL. */
static ks_rc open_crashing(struct ks_store **out, const char *path,
                           const char *crash_at)
{
    struct ks_store_options o = KS_STORE_OPTIONS_INIT;
    char *state = path ? kt_store_state(path) : kt_store_fresh();
    ks_rc rc;

    o.path = state;
    rc = ks_store_open(out, &o);
    free(state);
    if (rc == KS_OK)
        rc = ks_testing_store_crash_arm(*out, crash_at);
    if (rc) {
        ks_store_close(*out);
        *out = NULL;
    }
    return rc;
}

static void unarmed_crash_point_returns_ok(void **state)
{
    struct ks_store *st = th_open_memory();

    (void)state;
    assert_int_equal(ks__store_crash_point(st, "after_intent_begin"), KS_OK);
    assert_int_equal(ks__store_crashed(st), 0);
    ks_store_close(st);
}

static void armed_point_fires_on_the_nth_hit_and_kills_the_store(void **state)
{
    struct ks_store *st = NULL;
    char *v = NULL;

    (void)state;
    assert_int_equal(open_crashing(&st, NULL, "after_remote_write:2"), KS_OK);
    assert_int_equal(ks__store_crash_point(st, "after_intent_begin"), KS_OK);
    assert_int_equal(ks__store_crash_point(st, "after_remote_write"), KS_OK);
    assert_int_equal(ks__store_crash_point(st, "after_remote_write"),
                     KS_ECRASH);
    assert_int_equal(ks__store_crashed(st), 1);
    assert_int_equal(ks_store_cursor_set(st, "f", "e", "1"), KS_ECRASH);
    assert_int_equal(ks_store_cursor_get(&v, st, "f", "e"), KS_ECRASH);
    assert_non_null(strstr(ks_store_last_error(st)->message, "crash"));
    ks_store_close(st);
}

static void bad_crash_spec_is_einval(void **state)
{
    struct ks_store *st = NULL;

    (void)state;
    assert_int_equal(open_crashing(&st, NULL, "after_intent_begin:x"),
                     KS_EINVAL);
    assert_null(st);
    st = th_open_memory();
    assert_int_equal(ks_testing_store_crash_arm(st, "p:0"), KS_EINVAL);
    assert_int_equal(ks_testing_store_crash_arm(st, "p"), KS_OK);
    assert_int_equal(ks__store_crash_point(st, "p"), KS_ECRASH);
    ks_store_close(st);
}

static void crash_inside_a_group_loses_the_whole_group(void **state)
{
    char *dir = kt_tmpdir("ks-store");
    char *path = kt_path(dir, "state.db");
    struct ks_store *st = NULL;
    char *v = NULL;

    (void)state;
    assert_int_equal(open_crashing(&st, path, "mid_group"), KS_OK);
    assert_int_equal(ks_store_cursor_set(st, "f", "before", "1"), KS_OK);
    assert_int_equal(ks_store_begin(st), KS_OK);
    assert_int_equal(ks_store_cursor_set(st, "f", "inside", "2"), KS_OK);
    assert_int_equal(ks__store_crash_point(st, "mid_group"), KS_ECRASH);
    ks_store_close(st);
    st = NULL;
    assert_int_equal(th_open_file(&st, path, NULL), KS_OK);
    assert_int_equal(ks_store_cursor_get(&v, st, "f", "before"), KS_OK);
    ks_store_string_free(v);
    assert_int_equal(ks_store_cursor_get(&v, st, "f", "inside"), KS_ENOTFOUND);
    ks_store_close(st);
    kt_rmdir(dir);
    free(path);
    free(dir);
}

/* A stand-in for Epicor: sales orders carrying the store reference in
 * PONum. Writing is not idempotent, exactly like the real thing. */
struct remote {
    int n;
    char ponum[8][32];
};

static void remote_find(char *target, size_t size, const struct remote *r,
                        const char *ponum)
{
    int i;

    target[0] = '\0';
    for (i = 0; i < r->n; i++)
        if (strcmp(r->ponum[i], ponum) == 0)
            snprintf(target, size, "%d", 5000 + i);
}

static void remote_write(char *target, size_t size, struct remote *r,
                         const char *ponum)
{
    assert_true(r->n < 8);
    snprintf(r->ponum[r->n], sizeof(r->ponum[0]), "%s", ponum);
    snprintf(target, size, "%d", 5000 + r->n);
    r->n++;
}

/* The protocol of kinsync/store.h, as the sync engine runs it. */
static ks_rc sync_order(struct ks_store *st, struct remote *r, const char *id)
{
    struct ks_intent in;
    char target[32] = "";
    ks_rc rc;

    rc = ks_store_intent_begin(&in, st, "order", id, "hash");
    if (rc || in.state == KS_INTENT_DONE)
        return rc;
    rc = ks__store_crash_point(st, "after_intent_begin");
    if (rc)
        return rc;
    if (in.state == KS_INTENT_PENDING)
        remote_find(target, sizeof(target), r, id);
    if (!target[0])
        remote_write(target, sizeof(target), r, id);
    rc = ks__store_crash_point(st, "after_remote_write");
    if (rc)
        return rc;
    rc = ks_store_intent_complete(st, "order", id, target);
    if (rc)
        return rc;
    return ks__store_crash_point(st, "after_intent_complete");
}

static void crash_at_any_point_then_rerun_writes_exactly_once(void **state)
{
    static const char *const points[] = {
        "store.intent_begin.before_commit", "after_intent_begin",
        "after_remote_write", "store.intent_complete.before_commit",
        "after_intent_complete"};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
        char *dir = kt_tmpdir("ks-store");
        char *path = kt_path(dir, "state.db");
        struct ks_store *st = NULL;
        struct remote r;
        struct ks_intent in;

        memset(&r, 0, sizeof(r));
        assert_int_equal(open_crashing(&st, path, points[i]), KS_OK);
        assert_int_equal(sync_order(st, &r, "SO-100"), KS_ECRASH);
        ks_store_close(st);

        st = NULL;
        assert_int_equal(th_open_file(&st, path, NULL), KS_OK);
        assert_int_equal(sync_order(st, &r, "SO-100"), KS_OK);
        assert_int_equal(sync_order(st, &r, "SO-100"), KS_OK);
        assert_int_equal(r.n, 1);
        assert_int_equal(ks_store_intent_get(&in, st, "order", "SO-100"),
                         KS_OK);
        assert_int_equal(in.state, KS_INTENT_DONE);
        assert_string_equal(in.target_id, "5000");
        ks_store_close(st);
        kt_rmdir(dir);
        free(path);
        free(dir);
    }
}

static void crash_before_outbox_commit_loses_only_that_item(void **state)
{
    char *dir = kt_tmpdir("ks-store");
    char *path = kt_path(dir, "state.db");
    struct ks_store *st = NULL;
    int64_t n = 0;

    (void)state;
    assert_int_equal(
        open_crashing(&st, path, "store.outbox_add.before_commit:2"), KS_OK);
    assert_int_equal(
        ks_store_outbox_add(NULL, st, "orders", "order", "1", "{}", "x", 1),
        KS_OK);
    assert_int_equal(
        ks_store_outbox_add(NULL, st, "orders", "order", "2", "{}", "x", 1),
        KS_ECRASH);
    ks_store_close(st);
    st = NULL;
    assert_int_equal(th_open_file(&st, path, NULL), KS_OK);
    assert_int_equal(ks_store_outbox_count(&n, st, NULL), KS_OK);
    assert_int_equal(n, 1);
    ks_store_close(st);
    kt_rmdir(dir);
    free(path);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unarmed_crash_point_returns_ok),
        cmocka_unit_test(armed_point_fires_on_the_nth_hit_and_kills_the_store),
        cmocka_unit_test(bad_crash_spec_is_einval),
        cmocka_unit_test(crash_inside_a_group_loses_the_whole_group),
        cmocka_unit_test(crash_at_any_point_then_rerun_writes_exactly_once),
        cmocka_unit_test(crash_before_outbox_commit_loses_only_that_item),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
