/*
 * The emulator core under concurrent use, for ThreadSanitizer (ci/tsan)
 * as much as for its assertions: clients post at once on their own
 * connection threads while the harness thread reads the journal, adds
 * and clears fault rules, adds secrets, swaps the request observer and
 * moves the virtual clock. Every request must be answered exactly once
 * (by the handler or a fault rule) and journaled exactly once. Requests
 * a server's shared hook admits run side by side, and never beside a
 * write or a fault action.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <cmocka.h>
#include "kt.h"

#define CLIENTS 4
#define REQUESTS 25 /* per client */

struct fixture {
    struct kt_served s; /* first: kt_served_teardown() */
    int handled;        /* under the server lock, as handlers run */
    atomic_int observed;
};

struct client {
    const char *url;
    int ok;    /* 200: the handler answered */
    int fault; /* 503: a fault rule answered */
    int other; /* anything else, a transport error included */
};

static void count(struct km_response *res, const struct km_request *req,
                  void *state)
{
    struct fixture *f = state;

    (void)req;
    f->handled++;
    km_response_set(res, 200, "text/plain", "ok", 2);
}

static const struct km_route routes[] = {{"POST", "/count", count}};

static void observe(void *userdata, const struct km_observed_request *rq)
{
    struct fixture *f = userdata;

    (void)rq;
    atomic_fetch_add(&f->observed, 1);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct km_server_options opts;

    assert_non_null(f);
    memset(&opts, 0, sizeof(opts));
    opts.name = "concurrency";
    opts.routes = routes;
    opts.nroutes = sizeof(routes) / sizeof(routes[0]);
    opts.state = f;
    kt_served_start(&f->s, &opts);
    *state = f;
    return 0;
}

static void *client_run(void *ud)
{
    struct client *c = ud;
    struct kt_request rq = {.body = "{\"token\":\"tok-secret-1\"}"};
    struct kt_reply r;
    char url[256];

    snprintf(url, sizeof(url), "%s/count", c->url);
    for (int i = 0; i < REQUESTS; i++) {
        kt_http(&r, url, &rq);
        c->ok += r.status == 200;
        c->fault += r.status == 503;
        c->other += r.status != 200 && r.status != 503;
        kt_reply_dispose(&r);
    }
    return NULL;
}

/* One round of what a harness does while traffic runs. */
static void harness_round(struct fixture *f, int round)
{
    struct km_server *server = f->s.server;
    struct timespec ms = {0, 1000000L};
    char secret[32];
    cJSON *j;

    kt_faults(server, "{\"route\":\"POST /count\",\"nth\":2,\"status\":503}");
    j = km_server_journal(server);
    assert_non_null(j);
    cJSON_Delete(j);
    j = km_server_faults_fired(server);
    cJSON_Delete(j);
    if (round % 3 == 0)
        km_server_faults_clear(server);
    snprintf(secret, sizeof(secret), "tok-secret-%d", round % 4);
    km_server_add_secret(server, secret);
    km_server_set_observer(server, round % 2 ? observe : NULL, f);
    ks_clock_advance_ms(f->s.clock, 1000);
    nanosleep(&ms, NULL);
}

static void every_request_is_answered_and_journaled_once(void **state)
{
    struct fixture *f = *state;
    struct client clients[CLIENTS];
    pthread_t threads[CLIENTS];
    int ok = 0, fault = 0, other = 0, handled;

    for (int i = 0; i < CLIENTS; i++) {
        clients[i] = (struct client){.url = km_server_url(f->s.server)};
        assert_int_equal(
            pthread_create(&threads[i], NULL, client_run, &clients[i]), 0);
    }
    for (int round = 0;
         km_server_journal_count(f->s.server) < CLIENTS * REQUESTS &&
         round < 5000;
         round++)
        harness_round(f, round);
    for (int i = 0; i < CLIENTS; i++) {
        pthread_join(threads[i], NULL);
        ok += clients[i].ok;
        fault += clients[i].fault;
        other += clients[i].other;
    }
    km_server_lock(f->s.server);
    handled = f->handled;
    km_server_unlock(f->s.server);
    assert_int_equal(other, 0);
    assert_int_equal(ok + fault, CLIENTS * REQUESTS);
    assert_int_equal(handled, ok);
    assert_int_equal(km_server_journal_count(f->s.server), CLIENTS * REQUESTS);
    assert_true(atomic_load(&f->observed) <= CLIENTS * REQUESTS);
}

/* ---- the shared hook ------------------------------------------------- */

struct rw_fixture {
    struct kt_served s;
    atomic_int readers;  /* in a shared handler now */
    atomic_int writers;  /* in a write or a fault action now */
    atomic_int most;     /* the most readers seen in at once */
    atomic_int overlaps; /* a write or an action met another request */
    atomic_int actions;  /* fault actions run */
};

/* Stays until another reader comes in (at most 50 ms), so that two
 * readers overlap whenever the server lets them. */
static void rw_read(struct km_response *res, const struct km_request *req,
                    void *state)
{
    struct rw_fixture *f = state;
    struct timespec ms = {0, 1000000L};
    int in = atomic_fetch_add(&f->readers, 1) + 1, most;

    (void)req;
    if (atomic_load(&f->writers))
        atomic_fetch_add(&f->overlaps, 1);
    for (int i = 0; i < 50 && atomic_load(&f->readers) < 2; i++)
        nanosleep(&ms, NULL);
    in = atomic_load(&f->readers);
    most = atomic_load(&f->most);
    while (in > most && !atomic_compare_exchange_weak(&f->most, &most, in))
        ;
    atomic_fetch_sub(&f->readers, 1);
    km_response_set(res, 200, "text/plain", "r", 1);
}

/* Alone for 2 ms, or it counts an overlap. */
static void rw_exclusive(struct rw_fixture *f)
{
    struct timespec ms = {0, 2000000L};

    if (atomic_fetch_add(&f->writers, 1) != 0 || atomic_load(&f->readers))
        atomic_fetch_add(&f->overlaps, 1);
    nanosleep(&ms, NULL);
    if (atomic_load(&f->readers))
        atomic_fetch_add(&f->overlaps, 1);
    atomic_fetch_sub(&f->writers, 1);
}

static void rw_write(struct km_response *res, const struct km_request *req,
                     void *state)
{
    (void)req;
    rw_exclusive(state);
    km_response_set(res, 200, "text/plain", "w", 1);
}

static int rw_action(void *state, const char *action, const cJSON *rule)
{
    struct rw_fixture *f = state;

    (void)action;
    (void)rule;
    atomic_fetch_add(&f->actions, 1);
    rw_exclusive(f);
    return 0;
}

static int rw_shared(const struct km_route *route, const struct km_request *req,
                     void *state)
{
    (void)route;
    (void)state;
    return strcmp(req->method, "GET") == 0;
}

static const struct km_route rw_routes[] = {{"GET", "/read", rw_read},
                                            {"POST", "/write", rw_write}};

static int rw_setup(void **state)
{
    struct rw_fixture *f = calloc(1, sizeof(*f));
    struct km_server_options opts;
    struct km_server_limits four = KM_SERVER_LIMITS_DEFAULT,
                            dflt = KM_SERVER_LIMITS_DEFAULT;

    four.threads = 4;
    assert_non_null(f);
    memset(&opts, 0, sizeof(opts));
    opts.name = "shared";
    opts.routes = rw_routes;
    opts.nroutes = sizeof(rw_routes) / sizeof(rw_routes[0]);
    opts.state = f;
    opts.shared = rw_shared;
    opts.fault_action = rw_action;
    /* reads can only overlap on several threads (the default is one a
     * core but one: a single thread on a 2-core machine) */
    km_server_set_limits(&four);
    kt_served_start(&f->s, &opts);
    km_server_set_limits(&dflt);
    kt_faults(f->s.server,
              "{\"route\":\"GET "
              "/read\",\"probability\":0.2,\"seed\":7,\"action\":\"x\"}");
    *state = f;
    return 0;
}

struct rw_client {
    const char *url;
    int write; /* this client posts /write; the others get /read */
    int bad;   /* answers other than 200 */
};

static void *rw_client_run(void *ud)
{
    struct rw_client *c = ud;
    struct kt_request rq = {.body = c->write ? "{}" : NULL};
    struct kt_reply r;
    char url[256];

    snprintf(url, sizeof(url), "%s/%s", c->url, c->write ? "write" : "read");
    for (int i = 0; i < REQUESTS; i++) {
        kt_http(&r, url, &rq);
        c->bad += r.status != 200;
        kt_reply_dispose(&r);
    }
    return NULL;
}

static void shared_requests_overlap_but_never_a_write(void **state)
{
    struct rw_fixture *f = *state;
    struct rw_client clients[CLIENTS];
    pthread_t threads[CLIENTS];

    for (int i = 0; i < CLIENTS; i++) {
        clients[i] = (struct rw_client){.url = km_server_url(f->s.server),
                                        .write = i == 0};
        assert_int_equal(
            pthread_create(&threads[i], NULL, rw_client_run, &clients[i]), 0);
    }
    for (int i = 0; i < CLIENTS; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(clients[i].bad, 0);
    }
    /* readers ran side by side; writes and fault actions alone */
    assert_true(atomic_load(&f->most) >= 2);
    assert_true(atomic_load(&f->actions) > 0);
    assert_int_equal(atomic_load(&f->overlaps), 0);
    assert_int_equal(km_server_journal_count(f->s.server), CLIENTS * REQUESTS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            every_request_is_answered_and_journaled_once, setup,
            kt_served_teardown),
        cmocka_unit_test_setup_teardown(
            shared_requests_overlap_but_never_a_write, rw_setup,
            kt_served_teardown),
    };
    int rc;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
