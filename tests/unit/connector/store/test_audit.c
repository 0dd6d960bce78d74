/* The audit trail: adding, filtering, counting, iterating. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "kinsync/store.h"
#include "helpers.h"

static void add(struct ks_store *st, const char *flow, const char *id,
                const char *outcome, int64_t at)
{
    assert_int_equal(
        ks_store_audit_add(st,
                           &(struct ks_audit_entry){flow, "bigcommerce", id,
                                                    "epicor", NULL, "create",
                                                    outcome, 1, "detail", at}),
        KS_OK);
}

static int setup(void **state)
{
    struct ks_store *st = th_open_memory();

    add(st, "orders", "1", "ok", 1000);
    add(st, "orders", "2", "failed", 2000);
    add(st, "parts", "3", "ok", 3000);
    add(st, "orders", "4", "duplicate", 4000);
    add(st, "orders", "5", "skipped", 5000);
    *state = st;
    return 0;
}

static int teardown(void **state)
{
    ks_store_close(*state);
    return 0;
}

static int64_t count(struct ks_store *st, const char *flow, const char *outcome,
                     int64_t since)
{
    struct ks_audit_filter f = {flow, outcome, since};
    int64_t n = -1;

    assert_int_equal(ks_store_audit_count(&n, st, &f), KS_OK);
    return n;
}

static void count_applies_each_filter_field(void **state)
{
    struct ks_store *st = *state;
    int64_t n = 0;

    assert_int_equal(ks_store_audit_count(&n, st, NULL), KS_OK);
    assert_int_equal(n, 5);
    assert_int_equal(count(st, "orders", NULL, 0), 4);
    assert_int_equal(count(st, NULL, "ok", 0), 2);
    assert_int_equal(count(st, "orders", "ok", 0), 1);
    assert_int_equal(count(st, NULL, NULL, 3000), 3);
    assert_int_equal(count(st, "orders", NULL, 3000), 2);
    assert_int_equal(count(st, "refunds", NULL, 0), 0);
}

struct collected {
    int n;
    char ids[8][8];
    int64_t last_id;
    int ordered;
};

static int collect(const struct ks_audit_entry *e, int64_t id, void *ud)
{
    struct collected *c = ud;

    assert_string_equal(e->source_system, "bigcommerce");
    assert_string_equal(e->target_system, "epicor");
    assert_null(e->target_id);
    assert_string_equal(e->detail, "detail");
    assert_int_equal(e->attempt, 1);
    if (id <= c->last_id)
        c->ordered = 0;
    c->last_id = id;
    if (c->n < 8)
        strncpy(c->ids[c->n], e->source_id, sizeof(c->ids[0]) - 1);
    c->n++;
    return 0;
}

static void each_visits_matching_entries_in_insertion_order(void **state)
{
    struct ks_store *st = *state;
    struct ks_audit_filter f = {"orders", NULL, 2000};
    struct collected c;

    memset(&c, 0, sizeof(c));
    c.ordered = 1;
    assert_int_equal(ks_store_audit_each(st, &f, collect, &c), KS_OK);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.ordered, 1);
    assert_string_equal(c.ids[0], "2");
    assert_string_equal(c.ids[1], "4");
    assert_string_equal(c.ids[2], "5");
}

static int stop_after_two(const struct ks_audit_entry *e, int64_t id, void *ud)
{
    int *n = ud;

    (void)e;
    (void)id;
    return ++*n == 2 ? 1 : 0;
}

static int fail_at_once(const struct ks_audit_entry *e, int64_t id, void *ud)
{
    (void)e;
    (void)id;
    (void)ud;
    return KS_EREMOTE;
}

static void callback_can_stop_or_fail_the_iteration(void **state)
{
    struct ks_store *st = *state;
    int n = 0;

    assert_int_equal(ks_store_audit_each(st, NULL, stop_after_two, &n), KS_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ks_store_audit_each(st, NULL, fail_at_once, NULL),
                     KS_EREMOTE);
}

static int nest(const struct ks_audit_entry *e, int64_t id, void *ud)
{
    struct ks_store *st = ud;
    int n = 0;

    (void)e;
    (void)id;
    assert_int_equal(ks_store_audit_each(st, NULL, stop_after_two, &n),
                     KS_EINVAL);
    assert_int_equal(
        ks_store_audit_add(st, &(struct ks_audit_entry){"late", "a", "x", "b",
                                                        "y", "note", "ok", 1,
                                                        NULL, 9000}),
        KS_OK);
    return 1;
}

static void callback_may_add_but_not_re_enter(void **state)
{
    struct ks_store *st = *state;

    assert_int_equal(ks_store_audit_each(st, NULL, nest, st), KS_OK);
    assert_int_equal(count(st, "late", NULL, 0), 1);
}

static void unknown_outcome_is_einval(void **state)
{
    struct ks_store *st = *state;
    struct ks_audit_filter f = {NULL, "great", 0};
    int64_t n;

    assert_int_equal(
        ks_store_audit_add(st, &(struct ks_audit_entry){"orders", "a", "1", "b",
                                                        NULL, "create", "great",
                                                        1, NULL, 1}),
        KS_EINVAL);
    assert_int_equal(ks_store_audit_count(&n, st, &f), KS_EINVAL);
    assert_int_equal(ks_store_audit_add(st, NULL), KS_EINVAL);
    assert_int_equal(ks_store_audit_count(&n, st, NULL), KS_OK);
    assert_int_equal(n, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(count_applies_each_filter_field, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            each_visits_matching_entries_in_insertion_order, setup, teardown),
        cmocka_unit_test_setup_teardown(callback_can_stop_or_fail_the_iteration,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(callback_may_add_but_not_re_enter,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(unknown_outcome_is_einval, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
