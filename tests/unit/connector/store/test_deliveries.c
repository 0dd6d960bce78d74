/*
 * The durable webhook queue (kinsync/store_workers.h): enqueue, claim by
 * one worker at a time, done with the import's own store effects, and a
 * claim given up by a killed worker taken again after its visibility
 * time. Two handles on one location stand for two workers; forked
 * processes race for the same deliveries.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <kinsync/testing.h>
#include "kinsync/store_workers.h"
#include "helpers.h"

static int64_t waiting(struct ks_store *st, const char *connection)
{
    int64_t n = -1;

    assert_int_equal(ks_store_delivery_count(&n, st, connection), KS_OK);
    return n;
}

static void deliveries_are_claimed_oldest_first_one_worker_each(void **state)
{
    struct th_pair *p = *state;
    struct ks_delivery *d1 = NULL, *d2 = NULL, *none = NULL;
    int64_t id1 = 0, id2 = 0;

    assert_int_equal(ks_store_delivery_enqueue(&id1, p->a, "acme-bc",
                                               "store/order/created", "100",
                                               "{\"id\":100}"),
                     KS_OK);
    assert_int_equal(ks_store_delivery_enqueue(&id2, p->a, "acme-wc",
                                               "order.created", "7", ""),
                     KS_OK);
    assert_true(id1 > 0 && id2 > id1);
    assert_int_equal(waiting(p->b, NULL), 2);
    assert_int_equal(waiting(p->b, "acme-wc"), 1);
    assert_int_equal(ks_store_delivery_claim(&d1, p->a, NULL, "w-a", 60000),
                     KS_OK);
    assert_int_equal(d1->id, id1);
    assert_string_equal(d1->connection, "acme-bc");
    assert_string_equal(d1->topic, "store/order/created");
    assert_string_equal(d1->resource_id, "100");
    assert_string_equal(d1->body, "{\"id\":100}");
    assert_int_equal(d1->attempts, 1);
    /* the other worker is handed the next one, never the claimed one */
    assert_int_equal(ks_store_delivery_claim(&d2, p->b, NULL, "w-b", 60000),
                     KS_OK);
    assert_int_equal(d2->id, id2);
    assert_string_equal(d2->body, "");
    assert_int_equal(ks_store_delivery_claim(&none, p->b, NULL, "w-b", 60000),
                     KS_ENOTFOUND);
    assert_null(none);
    /* claimed but not done: still counted */
    assert_int_equal(waiting(p->a, NULL), 2);
    assert_int_equal(ks_store_delivery_done(p->a, d1->id), KS_OK);
    assert_int_equal(ks_store_delivery_done(p->a, d1->id), KS_OK); /* again */
    assert_int_equal(waiting(p->a, NULL), 1);
    ks_store_delivery_free(d1);
    ks_store_delivery_free(d2);
}

static void a_claim_can_be_limited_to_a_connection(void **state)
{
    struct th_pair *p = *state;
    struct ks_delivery *d = NULL;

    assert_int_equal(
        ks_store_delivery_enqueue(NULL, p->a, "acme-bc", "t", "1", "{}"),
        KS_OK);
    assert_int_equal(
        ks_store_delivery_enqueue(NULL, p->a, "acme-wc", "t", "2", "{}"),
        KS_OK);
    assert_int_equal(ks_store_delivery_claim(&d, p->a, "acme-wc", "w-a", 60000),
                     KS_OK);
    assert_string_equal(d->resource_id, "2");
    ks_store_delivery_free(d);
    assert_int_equal(ks_store_delivery_claim(&d, p->a, "acme-wc", "w-a", 60000),
                     KS_ENOTFOUND);
}

static void
a_released_claim_is_claimable_at_once_by_its_owner_only(void **state)
{
    struct th_pair *p = *state;
    struct ks_delivery *d = NULL, *again = NULL;

    assert_int_equal(ks_store_delivery_enqueue(NULL, p->a, "c", "t", "1", "{}"),
                     KS_OK);
    assert_int_equal(ks_store_delivery_claim(&d, p->a, NULL, "w-a", 60000),
                     KS_OK);
    /* another worker's release does not give it back */
    assert_int_equal(ks_store_delivery_release(p->b, d->id, "w-b"), KS_OK);
    assert_int_equal(ks_store_delivery_claim(&again, p->b, NULL, "w-b", 60000),
                     KS_ENOTFOUND);
    assert_int_equal(ks_store_delivery_release(p->a, d->id, "w-a"), KS_OK);
    assert_int_equal(ks_store_delivery_claim(&again, p->b, NULL, "w-b", 60000),
                     KS_OK);
    assert_int_equal(again->id, d->id);
    assert_int_equal(again->attempts, 2);
    ks_store_delivery_free(d);
    ks_store_delivery_free(again);
}

/* done inside a group commits and rolls back with the import's effects */
static void done_belongs_to_the_group_of_the_import(void **state)
{
    struct th_pair *p = *state;
    struct ks_delivery *d = NULL;
    char *v = NULL;

    assert_int_equal(ks_store_delivery_enqueue(NULL, p->a, "c", "t", "1", "{}"),
                     KS_OK);
    assert_int_equal(ks_store_delivery_claim(&d, p->a, NULL, "w-a", 60000),
                     KS_OK);
    assert_int_equal(ks_store_begin(p->a), KS_OK);
    assert_int_equal(ks_store_cursor_set(p->a, "orders", "Order", "5"), KS_OK);
    assert_int_equal(ks_store_delivery_done(p->a, d->id), KS_OK);
    assert_int_equal(ks_store_rollback(p->a), KS_OK);
    assert_int_equal(waiting(p->b, NULL), 1);
    assert_int_equal(ks_store_cursor_get(&v, p->b, "orders", "Order"),
                     KS_ENOTFOUND);
    assert_int_equal(ks_store_begin(p->a), KS_OK);
    assert_int_equal(ks_store_cursor_set(p->a, "orders", "Order", "5"), KS_OK);
    assert_int_equal(ks_store_delivery_done(p->a, d->id), KS_OK);
    assert_int_equal(ks_store_commit(p->a), KS_OK);
    assert_int_equal(waiting(p->b, NULL), 0);
    assert_int_equal(ks_store_cursor_get(&v, p->b, "orders", "Order"), KS_OK);
    assert_string_equal(v, "5");
    ks_store_string_free(v);
    ks_store_delivery_free(d);
}

/* A crash before the enqueue commits: nothing queued, and the receiver
 * never answered 200 (the sender retries). */
static void a_crash_before_the_enqueue_commits_queues_nothing(void **state)
{
    struct th_pair *p = *state;

    assert_int_equal(ks_testing_store_crash_arm(
                         p->a, "store.delivery_enqueue.before_commit"),
                     KS_OK);
    assert_int_equal(ks_store_delivery_enqueue(NULL, p->a, "c", "t", "1", "{}"),
                     KS_ECRASH);
    assert_int_equal(waiting(p->b, NULL), 0);
}

static void bad_delivery_arguments_are_einval(void **state)
{
    struct th_pair *p = *state;
    struct ks_delivery *d = NULL;

    assert_int_equal(ks_store_delivery_enqueue(NULL, p->a, "c", "t", "1", NULL),
                     KS_EINVAL);
    assert_int_equal(ks_store_delivery_enqueue(NULL, p->a, "c", "", "1", "{}"),
                     KS_EINVAL);
    assert_int_equal(ks_store_delivery_claim(&d, p->a, NULL, "w", 0),
                     KS_EINVAL);
    assert_int_equal(ks_store_delivery_claim(&d, p->a, NULL, NULL, 10),
                     KS_EINVAL);
    assert_int_equal(ks_store_delivery_done(p->a, 0), KS_EINVAL);
}

/* A worker killed between claim and done: nobody gets the delivery
 * while its claim is visible, another worker does after. */
static void
a_claim_of_a_killed_worker_is_claimed_again_after_it_expires(void **state)
{
    struct th_pair *p = *state;
    struct ks_delivery *d = NULL;
    int64_t id = 0;
    int fds[2], status;
    char ok = 0;
    pid_t kid;

    assert_int_equal(ks_store_delivery_enqueue(&id, p->a, "c", "t", "1", "{}"),
                     KS_OK);
    assert_int_equal(pipe(fds), 0);
    kid = fork();
    assert_true(kid >= 0);
    if (kid == 0) {
        struct ks_store_options o = KS_STORE_OPTIONS_INIT;
        struct ks_store *st = NULL;
        struct ks_delivery *mine = NULL;

        o.path = p->location;
        if (ks_store_open(&st, &o) == KS_OK &&
            ks_store_delivery_claim(&mine, st, NULL, "w-dead", 300) == KS_OK)
            ok = 1;
        if (write(fds[1], &ok, 1) != 1)
            _exit(3);
        for (;;)
            pause(); /* killed here, mid-import */
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], &ok, 1), 1);
    close(fds[0]);
    assert_int_equal(ok, 1);
    assert_int_equal(kill(kid, SIGKILL), 0);
    assert_int_equal(waitpid(kid, &status, 0), kid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(ks_store_delivery_claim(&d, p->b, NULL, "w-b", 60000),
                     KS_ENOTFOUND);
    th_sleep_ms(600);
    assert_int_equal(ks_store_delivery_claim(&d, p->b, NULL, "w-b", 60000),
                     KS_OK);
    assert_int_equal(d->id, id);
    assert_int_equal(d->attempts, 2);
    assert_int_equal(ks_store_delivery_done(p->b, d->id), KS_OK);
    assert_int_equal(waiting(p->a, NULL), 0);
    ks_store_delivery_free(d);
}

#define RACE_DELIVERIES 60

/* One racing worker: claims and completes until the queue is empty,
 * writing each id it completed to fd. */
static int race_worker(const char *location, const char *worker, int fd)
{
    struct ks_store_options o = KS_STORE_OPTIONS_INIT;
    struct ks_store *st = NULL;
    struct ks_delivery *d = NULL;
    ks_rc rc;

    o.path = location;
    if (ks_store_open(&st, &o) != KS_OK)
        return 2;
    while ((rc = ks_store_delivery_claim(&d, st, NULL, worker, 60000)) ==
           KS_OK) {
        int64_t id = d->id;

        ks_store_delivery_free(d);
        if (ks_store_delivery_done(st, id) != KS_OK ||
            write(fd, &id, sizeof(id)) != (ssize_t)sizeof(id))
            return 3;
    }
    ks_store_close(st);
    return rc == KS_ENOTFOUND ? 0 : 4;
}

static void two_workers_never_claim_the_same_delivery(void **state)
{
    struct th_pair *p = *state;
    int64_t ids[RACE_DELIVERIES], id;
    int done[RACE_DELIVERIES] = {0}, fd;
    pid_t kids[2];

    for (int i = 0; i < RACE_DELIVERIES; i++)
        assert_int_equal(
            ks_store_delivery_enqueue(&ids[i], p->a, "c", "t", "r", "{}"),
            KS_OK);
    fd = th_race_start(kids, p->location, race_worker);
    while (read(fd, &id, sizeof(id)) == (ssize_t)sizeof(id)) {
        int found = 0;

        for (int i = 0; i < RACE_DELIVERIES; i++)
            if (ids[i] == id) {
                done[i]++;
                found = 1;
            }
        assert_true(found);
    }
    th_race_wait(kids, fd);
    for (int i = 0; i < RACE_DELIVERIES; i++)
        if (done[i] != 1)
            fail_msg("delivery %lld was imported %d times", (long long)ids[i],
                     done[i]);
    assert_int_equal(waiting(p->a, NULL), 0);
}

int main(void)
{
#define T(name)                                                                \
    cmocka_unit_test_setup_teardown(name, th_pair_setup, th_pair_teardown)
    const struct CMUnitTest tests[] = {
        T(deliveries_are_claimed_oldest_first_one_worker_each),
        T(a_claim_can_be_limited_to_a_connection),
        T(a_released_claim_is_claimable_at_once_by_its_owner_only),
        T(done_belongs_to_the_group_of_the_import),
        T(a_crash_before_the_enqueue_commits_queues_nothing),
        T(bad_delivery_arguments_are_einval),
        T(a_claim_of_a_killed_worker_is_claimed_again_after_it_expires),
        T(two_workers_never_claim_the_same_delivery),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
