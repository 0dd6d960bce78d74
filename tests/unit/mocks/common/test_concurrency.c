/*
 * The emulator core under concurrent use, for ThreadSanitizer (ci/tsan)
 * as much as for its assertions: clients post at once on their own
 * connection threads while the harness thread reads the journal, adds
 * and clears fault rules, adds secrets, swaps the request observer and
 * moves the virtual clock. Every request must be answered exactly once
 * (by the handler or a fault rule) and journaled exactly once.
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            every_request_is_answered_and_journaled_once, setup,
            kt_served_teardown),
    };
    int rc;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
