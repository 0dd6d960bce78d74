/*
 * Leases on (connection, flow) and worker heartbeats
 * (kinsync/store_workers.h): two handles on one store location stand for
 * two workers; a forked pair races for the same leases.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "kinsync/store_workers.h"
#include "helpers.h"

static void a_free_lease_is_taken_and_a_held_one_refused(void **state)
{
    struct th_pair *p = *state;
    struct ks_lease l;

    assert_int_equal(
        ks_store_lease_acquire(&l, p->a, "acme-bc", "orders", "w-a", 60000),
        KS_OK);
    assert_int_equal(l.held, 1);
    assert_int_equal(l.live, 1);
    assert_string_equal(l.worker_id, "w-a");
    assert_true(l.expires_ms > l.acquired_ms);
    assert_int_equal(
        ks_store_lease_acquire(&l, p->b, "acme-bc", "orders", "w-b", 60000),
        KS_OK);
    assert_int_equal(l.held, 0);
    assert_string_equal(l.worker_id, "w-a");
    assert_int_equal(l.live, 1);
    /* another flow of the same connection is free */
    assert_int_equal(
        ks_store_lease_acquire(&l, p->b, "acme-bc", "parts", "w-b", 60000),
        KS_OK);
    assert_int_equal(l.held, 1);
    assert_int_equal(
        ks_store_lease_renew(p->b, "acme-bc", "orders", "w-b", 60000),
        KS_ECONFLICT);
    assert_int_equal(
        ks_store_lease_renew(p->a, "acme-bc", "orders", "w-a", 60000), KS_OK);
}

static void acquiring_an_own_lease_renews_it(void **state)
{
    struct th_pair *p = *state;
    struct ks_lease first, again;

    assert_int_equal(
        ks_store_lease_acquire(&first, p->a, "c", "f", "w-a", 60000), KS_OK);
    assert_int_equal(
        ks_store_lease_acquire(&again, p->a, "c", "f", "w-a", 120000), KS_OK);
    assert_int_equal(again.held, 1);
    assert_int_equal(again.acquired_ms, first.acquired_ms);
    assert_true(again.expires_ms > first.expires_ms);
}

static void an_expired_lease_is_taken_over(void **state)
{
    struct th_pair *p = *state;
    struct ks_lease l;

    assert_int_equal(ks_store_lease_acquire(&l, p->a, "c", "f", "w-a", 50),
                     KS_OK);
    assert_int_equal(l.held, 1);
    th_sleep_ms(200);
    assert_int_equal(ks_store_lease_acquire(&l, p->b, "c", "f", "w-b", 60000),
                     KS_OK);
    assert_int_equal(l.held, 1);
    assert_string_equal(l.worker_id, "w-b");
    /* the old holder learns it lost the lease, and cannot take it back */
    assert_int_equal(ks_store_lease_renew(p->a, "c", "f", "w-a", 60000),
                     KS_ECONFLICT);
    assert_int_equal(ks_store_lease_acquire(&l, p->a, "c", "f", "w-a", 60000),
                     KS_OK);
    assert_int_equal(l.held, 0);
    /* nor release it */
    assert_int_equal(ks_store_lease_release(p->a, "c", "f", "w-a"), KS_OK);
    assert_int_equal(ks_store_lease_acquire(&l, p->a, "c", "f", "w-a", 60000),
                     KS_OK);
    assert_int_equal(l.held, 0);
}

static void an_expired_lease_not_taken_over_can_be_renewed(void **state)
{
    struct th_pair *p = *state;

    assert_int_equal(ks_store_lease_acquire(&(struct ks_lease){0}, p->a, "c",
                                            "f", "w-a", 20),
                     KS_OK);
    th_sleep_ms(100);
    assert_int_equal(ks_store_lease_renew(p->a, "c", "f", "w-a", 60000), KS_OK);
}

static void a_released_lease_is_free_at_once(void **state)
{
    struct th_pair *p = *state;
    struct ks_lease l;

    assert_int_equal(ks_store_lease_acquire(&l, p->a, "c", "f", "w-a", 60000),
                     KS_OK);
    assert_int_equal(ks_store_lease_release(p->a, "c", "f", "w-a"), KS_OK);
    assert_int_equal(ks_store_lease_acquire(&l, p->b, "c", "f", "w-b", 60000),
                     KS_OK);
    assert_int_equal(l.held, 1);
}

struct seen {
    int n;
    struct ks_lease rows[8];
};

static int collect_lease(const struct ks_lease *l, void *ud)
{
    struct seen *s = ud;

    if (s->n < 8)
        s->rows[s->n] = *l;
    s->n++;
    return 0;
}

static void leases_are_listed_live_or_expired(void **state)
{
    struct th_pair *p = *state;
    struct ks_lease l;
    struct seen s = {0};

    assert_int_equal(ks_store_lease_acquire(&l, p->a, "b", "f", "w-a", 60000),
                     KS_OK);
    assert_int_equal(ks_store_lease_acquire(&l, p->b, "a", "f", "w-b", 20),
                     KS_OK);
    th_sleep_ms(100);
    assert_int_equal(ks_store_lease_each(p->a, collect_lease, &s), KS_OK);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.rows[0].connection, "a"); /* ordered */
    assert_string_equal(s.rows[0].worker_id, "w-b");
    assert_int_equal(s.rows[0].live, 0);
    assert_string_equal(s.rows[1].connection, "b");
    assert_int_equal(s.rows[1].live, 1);
    assert_int_equal(ks_store_lease_each(p->a, NULL, NULL), KS_EINVAL);
}

static int collect_worker(const struct ks_worker *w, void *ud)
{
    struct ks_worker *out = ud;

    out[0] = out[1];
    out[1] = *w;
    return 0;
}

static void heartbeats_are_listed_and_remove_releases_leases(void **state)
{
    struct th_pair *p = *state;
    struct ks_worker got[2];
    struct ks_lease l;
    int64_t first_seen, started;

    memset(got, 0, sizeof(got));
    assert_int_equal(ks_store_worker_heartbeat(p->a, "w-a", "host-1", 41),
                     KS_OK);
    assert_int_equal(ks_store_worker_each(p->b, collect_worker, got), KS_OK);
    assert_string_equal(got[1].worker_id, "w-a");
    assert_string_equal(got[1].host, "host-1");
    assert_int_equal(got[1].pid, 41);
    first_seen = got[1].last_seen_ms;
    started = got[1].started_ms;
    th_sleep_ms(20);
    assert_int_equal(ks_store_worker_heartbeat(p->a, "w-a", "host-1", 41),
                     KS_OK);
    assert_int_equal(ks_store_worker_each(p->b, collect_worker, got), KS_OK);
    assert_true(got[1].last_seen_ms > first_seen);
    assert_true(got[1].silent_ms >= 0 && got[1].silent_ms < 60000);
    th_sleep_ms(150);
    assert_int_equal(ks_store_worker_each(p->b, collect_worker, got), KS_OK);
    assert_true(got[1].silent_ms >= 100);
    assert_int_equal(got[1].started_ms, started);
    assert_int_equal(ks_store_lease_acquire(&l, p->a, "c", "f", "w-a", 60000),
                     KS_OK);
    assert_int_equal(ks_store_worker_remove(p->a, "w-a"), KS_OK);
    memset(got, 0, sizeof(got));
    assert_int_equal(ks_store_worker_each(p->b, collect_worker, got), KS_OK);
    assert_string_equal(got[1].worker_id, "");
    assert_int_equal(ks_store_lease_acquire(&l, p->b, "c", "f", "w-b", 60000),
                     KS_OK);
    assert_int_equal(l.held, 1);
}

static void bad_lease_arguments_are_einval(void **state)
{
    struct th_pair *p = *state;
    struct ks_lease l;

    assert_int_equal(ks_store_lease_acquire(&l, p->a, "c", "f", "w", 0),
                     KS_EINVAL);
    assert_int_equal(ks_store_lease_acquire(&l, p->a, "c", "f", NULL, 10),
                     KS_EINVAL);
    assert_int_equal(ks_store_lease_acquire(&l, p->a, "", "f", "w", 10),
                     KS_EINVAL);
    assert_int_equal(ks_store_lease_renew(p->a, "c", "f", "w", -1), KS_EINVAL);
    assert_int_equal(ks_store_worker_heartbeat(p->a, "w", NULL, 1), KS_EINVAL);
}

#define RACE_FLOWS 40

/* One racing worker (a forked process): opens its own handle on the
 * state string and tries every flow once; writes the index of each lease
 * it got to fd. Exit 0 on success. */
static int race_worker(const char *location, const char *worker, int fd)
{
    struct ks_store_options o = KS_STORE_OPTIONS_INIT;
    struct ks_store *st = NULL;
    int failed = 0;

    o.path = location;
    if (ks_store_open(&st, &o) != KS_OK)
        return 2;
    for (int i = 0; i < RACE_FLOWS && !failed; i++) {
        char flow[32];
        struct ks_lease l;

        snprintf(flow, sizeof(flow), "flow-%d", i);
        if (ks_store_lease_acquire(&l, st, "race", flow, worker, 60000) !=
            KS_OK)
            failed = 1;
        else if (l.held && write(fd, &i, sizeof(i)) != (ssize_t)sizeof(i))
            failed = 1;
    }
    ks_store_close(st);
    return failed;
}

/* Two processes take the same leases at the same moment: every lease
 * ends up with exactly one of them. */
static void two_workers_never_hold_the_same_lease(void **state)
{
    struct th_pair *p = *state;
    int held[RACE_FLOWS] = {0}, fd, i;
    pid_t kids[2];

    fd = th_race_start(kids, p->location, race_worker);
    while (read(fd, &i, sizeof(i)) == (ssize_t)sizeof(i)) {
        assert_true(i >= 0 && i < RACE_FLOWS);
        held[i]++;
    }
    th_race_wait(kids, fd);
    for (i = 0; i < RACE_FLOWS; i++)
        if (held[i] != 1)
            fail_msg("lease flow-%d was held by %d workers", i, held[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            a_free_lease_is_taken_and_a_held_one_refused, th_pair_setup,
            th_pair_teardown),
        cmocka_unit_test_setup_teardown(acquiring_an_own_lease_renews_it,
                                        th_pair_setup, th_pair_teardown),
        cmocka_unit_test_setup_teardown(an_expired_lease_is_taken_over,
                                        th_pair_setup, th_pair_teardown),
        cmocka_unit_test_setup_teardown(
            an_expired_lease_not_taken_over_can_be_renewed, th_pair_setup,
            th_pair_teardown),
        cmocka_unit_test_setup_teardown(a_released_lease_is_free_at_once,
                                        th_pair_setup, th_pair_teardown),
        cmocka_unit_test_setup_teardown(leases_are_listed_live_or_expired,
                                        th_pair_setup, th_pair_teardown),
        cmocka_unit_test_setup_teardown(
            heartbeats_are_listed_and_remove_releases_leases, th_pair_setup,
            th_pair_teardown),
        cmocka_unit_test_setup_teardown(bad_lease_arguments_are_einval,
                                        th_pair_setup, th_pair_teardown),
        cmocka_unit_test_setup_teardown(two_workers_never_hold_the_same_lease,
                                        th_pair_setup, th_pair_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
