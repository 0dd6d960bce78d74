/* The outbox of failed writes and the set of seen webhook deliveries. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "kinsync/store.h"
#include "helpers.h"

static int64_t pending(struct ks_store *st, const char *flow)
{
    int64_t n = -1;

    assert_int_equal(ks_store_outbox_count(&n, st, flow), KS_OK);
    return n;
}

struct item_copy {
    int n;
    int64_t id;
    int attempts;
    char payload[64];
    char reason[64];
    int64_t created, updated;
};

static int copy_first(const struct ks_outbox_item *it, void *ud)
{
    struct item_copy *c = ud;

    if (c->n++ == 0) {
        c->id = it->id;
        c->attempts = it->attempts;
        strncpy(c->payload, it->payload_json, sizeof(c->payload) - 1);
        if (it->reason)
            strncpy(c->reason, it->reason, sizeof(c->reason) - 1);
        c->created = it->created_ms;
        c->updated = it->updated_ms;
    }
    return 0;
}

static void
re_adding_the_same_source_updates_instead_of_duplicating(void **state)
{
    struct ks_store *st = *state;
    struct item_copy c;
    int64_t id1 = 0, id2 = 0;

    memset(&c, 0, sizeof(c));
    assert_int_equal(ks_store_outbox_add(&id1, st, "orders", "order", "100",
                                         "{\"v\":1}", "HTTP 500", 1000),
                     KS_OK);
    assert_int_equal(ks_store_outbox_add(&id2, st, "orders", "order", "100",
                                         "{\"v\":2}", "HTTP 503", 2000),
                     KS_OK);
    assert_true(id1 > 0);
    assert_int_equal(id1, id2);
    assert_int_equal(pending(st, NULL), 1);
    assert_int_equal(ks_store_outbox_each(st, NULL, copy_first, &c), KS_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.attempts, 2);
    assert_string_equal(c.payload, "{\"v\":2}");
    assert_string_equal(c.reason, "HTTP 503");
    assert_int_equal(c.created, 1000);
    assert_int_equal(c.updated, 2000);
}

static void items_differ_by_flow_kind_and_source(void **state)
{
    struct ks_store *st = *state;

    assert_int_equal(
        ks_store_outbox_add(NULL, st, "orders", "order", "1", "{}", NULL, 1),
        KS_OK);
    assert_int_equal(
        ks_store_outbox_add(NULL, st, "orders", "customer", "1", "{}", NULL, 1),
        KS_OK);
    assert_int_equal(
        ks_store_outbox_add(NULL, st, "refunds", "order", "1", "{}", NULL, 1),
        KS_OK);
    assert_int_equal(pending(st, NULL), 3);
    assert_int_equal(pending(st, "orders"), 2);
}

static void resolve_removes_from_pending_and_re_add_reopens(void **state)
{
    struct ks_store *st = *state;
    struct item_copy c;
    int64_t id = 0;

    memset(&c, 0, sizeof(c));
    assert_int_equal(
        ks_store_outbox_add(&id, st, "orders", "order", "1", "{}", "x", 1),
        KS_OK);
    assert_int_equal(ks_store_outbox_resolve(st, id), KS_OK);
    assert_int_equal(pending(st, NULL), 0);
    assert_int_equal(ks_store_outbox_resolve(st, id), KS_ENOTFOUND);
    assert_int_equal(ks_store_outbox_each(st, NULL, copy_first, &c), KS_OK);
    assert_int_equal(c.n, 0);
    assert_int_equal(
        ks_store_outbox_add(NULL, st, "orders", "order", "1", "{}", "y", 5),
        KS_OK);
    assert_int_equal(pending(st, NULL), 1);
}

static void mark_attempt_counts_and_keeps_reason_when_null(void **state)
{
    struct ks_store *st = *state;
    struct item_copy c;
    int64_t id = 0;

    memset(&c, 0, sizeof(c));
    assert_int_equal(
        ks_store_outbox_add(&id, st, "orders", "order", "1", "{}", "first", 1),
        KS_OK);
    assert_int_equal(ks_store_outbox_mark_attempt(st, id, NULL, 7), KS_OK);
    assert_int_equal(ks_store_outbox_mark_attempt(st, id + 100, "z", 7),
                     KS_ENOTFOUND);
    assert_int_equal(ks_store_outbox_mark_attempt(st, 0, "z", 7), KS_EINVAL);
    assert_int_equal(ks_store_outbox_each(st, NULL, copy_first, &c), KS_OK);
    assert_int_equal(c.attempts, 2);
    assert_string_equal(c.reason, "first");
    assert_int_equal(c.updated, 7);
}

struct replay {
    struct ks_store *st;
    int visited;
};

/* The replay loop: succeed on odd ids, fail again on even ones. */
static int replay_one(const struct ks_outbox_item *it, void *ud)
{
    struct replay *r = ud;

    r->visited++;
    if (it->id % 2)
        return ks_store_outbox_resolve(r->st, it->id);
    return ks_store_outbox_mark_attempt(r->st, it->id, "still down", 9);
}

static void callback_may_resolve_and_mark_items_while_iterating(void **state)
{
    struct ks_store *st = *state;
    struct replay r = {st, 0};
    char id[8];
    int i;

    for (i = 0; i < 6; i++) {
        snprintf(id, sizeof(id), "%d", i);
        assert_int_equal(
            ks_store_outbox_add(NULL, st, "orders", "order", id, "{}", "x", 1),
            KS_OK);
    }
    assert_int_equal(ks_store_outbox_each(st, "orders", replay_one, &r), KS_OK);
    assert_int_equal(r.visited, 6);
    assert_int_equal(pending(st, NULL), 3);
}

static void seen_add_reports_eduplicate_for_a_known_delivery(void **state)
{
    struct ks_store *st = *state;

    assert_int_equal(ks_store_seen_add(st, "bigcommerce", "d-1", 1000), KS_OK);
    assert_int_equal(ks_store_seen_add(st, "woocommerce", "d-1", 1000), KS_OK);
    assert_int_equal(ks_store_seen_add(st, "bigcommerce", "d-1", 2000),
                     KS_EDUPLICATE);
    assert_int_equal(ks_store_last_error(st)->rc, KS_EDUPLICATE);
}

static void seen_prune_forgets_only_older_deliveries(void **state)
{
    struct ks_store *st = *state;
    int64_t removed = -1;

    assert_int_equal(ks_store_seen_add(st, "bc", "old", 1000), KS_OK);
    assert_int_equal(ks_store_seen_add(st, "bc", "edge", 2000), KS_OK);
    assert_int_equal(ks_store_seen_add(st, "bc", "new", 3000), KS_OK);
    assert_int_equal(ks_store_seen_prune(&removed, st, 2000), KS_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(ks_store_seen_add(st, "bc", "old", 4000), KS_OK);
    assert_int_equal(ks_store_seen_add(st, "bc", "edge", 4000), KS_EDUPLICATE);
    assert_int_equal(ks_store_seen_prune(NULL, st, 0), KS_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            re_adding_the_same_source_updates_instead_of_duplicating, th_setup,
            th_teardown),
        cmocka_unit_test_setup_teardown(items_differ_by_flow_kind_and_source,
                                        th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(
            resolve_removes_from_pending_and_re_add_reopens, th_setup,
            th_teardown),
        cmocka_unit_test_setup_teardown(
            mark_attempt_counts_and_keeps_reason_when_null, th_setup,
            th_teardown),
        cmocka_unit_test_setup_teardown(
            callback_may_resolve_and_mark_items_while_iterating, th_setup,
            th_teardown),
        cmocka_unit_test_setup_teardown(
            seen_add_reports_eduplicate_for_a_known_delivery, th_setup,
            th_teardown),
        cmocka_unit_test_setup_teardown(
            seen_prune_forgets_only_older_deliveries, th_setup, th_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
