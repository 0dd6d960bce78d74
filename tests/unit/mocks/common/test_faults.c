/* Fault actions as a client sees them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <cmocka.h>
#include "common/server_int.h"
#include <kx/time.h>
#include "kt.h"

struct fixture {
    struct kt_served s; /* first: kt_served_teardown() */
    char last_action[64];
    int actions;
    int rule_seen; /* the action got the rule as given */
};

static void data(struct km_response *res, const struct km_request *req,
                 void *state)
{
    static const char body[] = "{\"items\":[{\"id\":1,\"name\":\"first\"},{"
                               "\"id\":2,\"name\":\"second\"}]}";

    (void)req;
    (void)state;
    km_response_set(res, 200, "application/json", body, strlen(body));
}

static void now(struct km_response *res, const struct km_request *req,
                void *state)
{
    char text[32];

    (void)state;
    snprintf(text, sizeof(text), "%lld", (long long)req->now_ms);
    km_response_set(res, 200, "text/plain", text, strlen(text));
}

static int fault_action(void *state, const char *action, const cJSON *rule)
{
    struct fixture *f = state;

    if (strcmp(action, "expire_tokens") != 0)
        return -1;
    f->rule_seen = cJSON_GetObjectItem(rule, "route") != NULL;
    snprintf(f->last_action, sizeof(f->last_action), "%s", action);
    f->actions++;
    return 0;
}

static const struct km_route routes[] = {
    {"GET", "/data", data},
    {"GET", "/now", now},
    {"GET", "/slow", data},
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct km_server_options opts;
    assert_non_null(f);
    memset(&opts, 0, sizeof(opts));
    opts.name = "bigcommerce";
    opts.routes = routes;
    opts.nroutes = sizeof(routes) / sizeof(routes[0]);
    opts.state = f;
    opts.fault_action = fault_action;
    opts.hang_ms = 3000;
    kt_served_start(&f->s, &opts);
    *state = f;
    return 0;
}

static void faults(struct fixture *f, const char *json)
{
    cJSON *rules = cJSON_Parse(json);
    char err[256];

    assert_non_null(rules);
    if (km_server_faults_add(f->s.server, rules, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    cJSON_Delete(rules);
}

/* The journal's "fault" of entry i, or "(null)". */
static void assert_fault_logged(struct fixture *f, int i, const char *want)
{
    cJSON *j = km_server_journal(f->s.server);
    cJSON *fault = cJSON_GetObjectItem(cJSON_GetArrayItem(j, i), "fault");

    assert_non_null(fault);
    assert_string_equal(cJSON_IsString(fault) ? fault->valuestring : "(null)",
                        want);
    cJSON_Delete(j);
}

static void status_fault_answers_with_status_headers_and_body(void **state)
{
    struct fixture *f = *state;
    struct kt_reply r;
    char *retry;
    cJSON *fired;

    faults(f, "{\"route\":\"GET /data\",\"nth\":1,\"status\":429,"
              "\"headers\":{\"Retry-After\":\"7\"},"
              "\"body\":{\"title\":\"Too many requests\"}}");
    kt_http_get(&r, km_server_url(f->s.server), "/data");
    assert_int_equal(r.status, 429);
    retry = kt_reply_header(&r, "Retry-After");
    assert_string_equal(retry, "7");
    assert_string_equal(r.body, "{\"title\":\"Too many requests\"}");
    free(retry);
    kt_reply_dispose(&r);

    kt_http_get(&r, km_server_url(f->s.server), "/data");
    assert_int_equal(r.status, 200);
    kt_reply_dispose(&r);

    assert_fault_logged(f, 0, "status 429");
    assert_fault_logged(f, 1, "(null)");
    fired = km_server_faults_fired(f->s.server);
    assert_int_equal(cJSON_GetArrayItem(fired, 0)->valueint, 1);
    cJSON_Delete(fired);
}

static void delay_advances_the_virtual_clock_not_the_wall(void **state)
{
    struct fixture *f = *state;
    struct kt_reply r;

    /* An hour of delay: were it real time, the client's 5 s timeout would
     * fire and the status below would be 0. */
    faults(f, "{\"route\":\"GET /now\",\"delay_ms\":3600000}");
    kt_http_get(&r, km_server_url(f->s.server), "/now");
    assert_int_equal(r.status, 200);
    /* The handler runs after the delay and sees the later time. */
    assert_int_equal(strtoll(r.body, NULL, 10), KT_START_MS + 3600000);
    assert_true(ks_clock_now_ms(f->s.clock) == KT_START_MS + 3600000);
    kt_reply_dispose(&r);
    assert_fault_logged(f, 0, "delay_ms 3600000");
}

static void delay_with_status_answers_the_status(void **state)
{
    struct fixture *f = *state;
    struct kt_reply r;

    faults(f, "{\"route\":\"GET /now\",\"delay_ms\":1500,\"status\":503}");
    kt_http_get(&r, km_server_url(f->s.server), "/now");
    assert_int_equal(r.status, 503);
    assert_true(ks_clock_now_ms(f->s.clock) == KT_START_MS + 1500);
    kt_reply_dispose(&r);
    assert_fault_logged(f, 0, "delay_ms 1500 + status 503");
}

static void reset_drops_the_connection(void **state)
{
    struct fixture *f = *state;
    struct kt_reply r;

    faults(f, "{\"route\":\"GET /data\",\"nth\":1,\"action\":\"reset\"}");
    kt_http_get(&r, km_server_url(f->s.server), "/data");
    assert_int_not_equal(r.cc, CURLE_OK);
    assert_int_equal(r.status, 0);
    kt_reply_dispose(&r);
    kt_http_get(&r, km_server_url(f->s.server), "/data");
    assert_int_equal(r.cc, CURLE_OK);
    kt_reply_dispose(&r);
    assert_fault_logged(f, 0, "reset");
}

static void truncate_sends_a_short_body(void **state)
{
    struct fixture *f = *state;
    struct kt_reply r;

    faults(f, "{\"route\":\"GET /data\",\"action\":\"truncate\"}");
    kt_http_get(&r, km_server_url(f->s.server), "/data");
    assert_int_equal(r.cc, CURLE_PARTIAL_FILE);
    assert_int_equal(r.status, 200);
    assert_true(r.len > 0);
    assert_memory_equal(r.body, "{\"items\":[", 10);
    kt_reply_dispose(&r);
    assert_fault_logged(f, 0, "truncate");
}

static void malformed_replaces_the_body_by_broken_json(void **state)
{
    struct fixture *f = *state;
    struct kt_reply r;
    cJSON *parsed;

    faults(f, "{\"route\":\"GET /data\",\"action\":\"malformed\"}");
    kt_http_get(&r, km_server_url(f->s.server), "/data");
    assert_int_equal(r.cc, CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_true(r.len > 0);
    parsed = cJSON_Parse(r.body);
    assert_null(parsed);
    kt_reply_dispose(&r);
    assert_fault_logged(f, 0, "malformed");
}

struct hang_call {
    const char *url;
    struct kt_reply reply;
    long timeout_ms; /* 0: 400 */
};

static void *hang_thread(void *ud)
{
    struct hang_call *c = ud;
    struct kt_request rq = {.timeout_ms = c->timeout_ms ? c->timeout_ms : 400};
    char url[256];

    snprintf(url, sizeof(url), "%s/slow", c->url);
    kt_http(&c->reply, url, &rq);
    return NULL;
}

static void hang_times_the_client_out_without_blocking_others(void **state)
{
    struct fixture *f = *state;
    struct hang_call call = {km_server_url(f->s.server), {0}, 0};
    struct timespec ms = {0, 1000000L};
    struct kt_reply r;
    pthread_t t;

    faults(f, "{\"route\":\"GET /slow\",\"action\":\"hang\"}");
    assert_int_equal(pthread_create(&t, NULL, hang_thread, &call), 0);
    /* The hang is journaled when it starts; wait (bounded) for it. */
    for (int i = 0; i < 2000 && km_server_journal_count(f->s.server) == 0; i++)
        nanosleep(&ms, NULL);
    assert_int_equal(km_server_journal_count(f->s.server), 1);
    /* Meanwhile another client is served: the hang holds no lock. */
    kt_http_get(&r, km_server_url(f->s.server), "/data");
    assert_int_equal(r.status, 200);
    kt_reply_dispose(&r);
    pthread_join(t, NULL);
    assert_int_equal(call.reply.cc, CURLE_OPERATION_TIMEDOUT);
    assert_int_equal(call.reply.status, 0);
    kt_reply_dispose(&call.reply);
    assert_fault_logged(f, 0, "hang");
}

/* A server on the real clock (opts.clock NULL) whose hang lasts 600 s,
 * with one fault rule, for the tests of a stop. */
static struct km_server *slow_server(const char *rule)
{
    struct km_server_options opts;
    struct km_server *server;
    char err[256];
    cJSON *rules = cJSON_Parse(rule);

    memset(&opts, 0, sizeof(opts));
    opts.name = "slow";
    opts.routes = routes;
    opts.nroutes = sizeof(routes) / sizeof(routes[0]);
    opts.hang_ms = 600000;
    assert_int_equal(km_server_start(&server, &opts, err, sizeof(err)), 0);
    assert_int_equal(km_server_faults_add(server, rules, err, sizeof(err)), 0);
    cJSON_Delete(rules);
    return server;
}

/* More hanging clients than the server has pool threads: each hang
 * suspends its connection, so another client is still served at once. */
static void hangs_beyond_the_pool_leave_others_served(void **state)
{
    enum { NHANG = 12 }; /* the pool has 2 to 8 threads */
    struct fixture *f = *state;
    struct hang_call calls[NHANG];
    struct timespec ms = {0, 1000000L};
    struct kt_request rq = {.timeout_ms = 1000};
    struct kt_reply r;
    pthread_t t[NHANG];
    char url[256];

    faults(f, "{\"route\":\"GET /slow\",\"action\":\"hang\"}");
    for (int i = 0; i < NHANG; i++) {
        calls[i] = (struct hang_call){km_server_url(f->s.server), {0}, 2500};
        assert_int_equal(pthread_create(&t[i], NULL, hang_thread, &calls[i]),
                         0);
    }
    for (int i = 0; i < 2000 && km_server_journal_count(f->s.server) < NHANG;
         i++)
        nanosleep(&ms, NULL);
    assert_int_equal(km_server_journal_count(f->s.server), NHANG);
    snprintf(url, sizeof(url), "%s/data", km_server_url(f->s.server));
    kt_http(&r, url, &rq);
    assert_int_equal(r.cc, CURLE_OK);
    assert_int_equal(r.status, 200);
    kt_reply_dispose(&r);
    for (int i = 0; i < NHANG; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(calls[i].reply.status, 0);
        kt_reply_dispose(&calls[i].reply);
    }
}

/* A stop during a long hang ends it: the server stops at once and the
 * hanging client sees its connection end. */
static void a_stop_cuts_a_hang_short(void **state)
{
    struct km_server *server;
    struct hang_call call = {NULL, {0}, 120000};
    struct timespec ms = {0, 1000000L};
    int64_t t0;
    pthread_t t;

    (void)state;
    server = slow_server("{\"route\":\"GET /slow\",\"action\":\"hang\"}");
    call.url = km_server_url(server);
    assert_int_equal(pthread_create(&t, NULL, hang_thread, &call), 0);
    for (int i = 0; i < 5000 && km_server_journal_count(server) == 0; i++)
        nanosleep(&ms, NULL);
    assert_int_equal(km_server_journal_count(server), 1);
    t0 = kx_monotonic_ms();
    km_server_stop(server);
    assert_true(kx_monotonic_ms() - t0 < 60000);
    pthread_join(t, NULL);
    assert_int_not_equal(call.reply.cc, CURLE_OK);
    assert_int_equal(call.reply.status, 0);
    kt_reply_dispose(&call.reply);
}

/* A long delay_ms on a real clock does not hold up a stop: the server
 * stops at once and the waiting client sees the connection end. */
static void a_stop_cuts_a_real_delay_short(void **state)
{
    struct km_server *server;
    struct hang_call call = {NULL, {0}, 0};
    struct timespec ms = {0, 1000000L};
    cJSON *fired;
    int64_t t0;
    pthread_t t;

    (void)state;
    server = slow_server("{\"route\":\"GET /slow\",\"delay_ms\":600000}");
    call.url = km_server_url(server);
    call.timeout_ms = 120000;
    assert_int_equal(pthread_create(&t, NULL, hang_thread, &call), 0);
    /* wait (bounded) until the rule has fired: the request is delayed */
    for (int i = 0; i < 5000; i++) {
        fired = km_server_faults_fired(server);
        int n = cJSON_GetArrayItem(fired, 0)->valueint;

        cJSON_Delete(fired);
        if (n)
            break;
        nanosleep(&ms, NULL);
    }
    t0 = kx_monotonic_ms();
    km_server_stop(server);
    /* 600 s of delay, ended by the stop: anything near it means it waited */
    assert_true(kx_monotonic_ms() - t0 < 60000);
    pthread_join(t, NULL);
    assert_int_not_equal(call.reply.cc, CURLE_OK);
    kt_reply_dispose(&call.reply);
}

static void emulator_action_runs_then_the_route_answers(void **state)
{
    struct fixture *f = *state;
    struct kt_reply r;

    faults(f,
           "{\"route\":\"GET /data\",\"nth\":2,\"action\":\"expire_tokens\"}");
    kt_http_get(&r, km_server_url(f->s.server), "/data");
    kt_reply_dispose(&r);
    assert_int_equal(f->actions, 0);
    kt_http_get(&r, km_server_url(f->s.server), "/data");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "items"));
    kt_reply_dispose(&r);
    assert_int_equal(f->actions, 1);
    assert_string_equal(f->last_action, "expire_tokens");
    assert_true(f->rule_seen);
    assert_fault_logged(f, 1, "expire_tokens");
}

static void unknown_emulator_action_answers_500(void **state)
{
    struct fixture *f = *state;
    struct kt_reply r;

    faults(f, "{\"route\":\"GET /data\",\"action\":\"melt_down\"}");
    kt_http_get(&r, km_server_url(f->s.server), "/data");
    assert_int_equal(r.status, 500);
    assert_non_null(strstr(r.body, "melt_down"));
    kt_reply_dispose(&r);
}

static void cleared_faults_stop_firing(void **state)
{
    struct fixture *f = *state;
    struct kt_reply r;

    faults(f, "{\"route\":\"GET /data\",\"status\":503}");
    kt_http_get(&r, km_server_url(f->s.server), "/data");
    assert_int_equal(r.status, 503);
    kt_reply_dispose(&r);
    km_server_faults_clear(f->s.server);
    kt_http_get(&r, km_server_url(f->s.server), "/data");
    assert_int_equal(r.status, 200);
    kt_reply_dispose(&r);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, kt_served_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(status_fault_answers_with_status_headers_and_body),
        T(delay_advances_the_virtual_clock_not_the_wall),
        T(delay_with_status_answers_the_status),
        T(reset_drops_the_connection),
        T(truncate_sends_a_short_body),
        T(malformed_replaces_the_body_by_broken_json),
        T(hang_times_the_client_out_without_blocking_others),
        T(hangs_beyond_the_pool_leave_others_served),
        cmocka_unit_test(a_stop_cuts_a_real_delay_short),
        cmocka_unit_test(a_stop_cuts_a_hang_short),
        T(emulator_action_runs_then_the_route_answers),
        T(unknown_emulator_action_answers_500),
        T(cleared_faults_stop_firing),
    };
    int rc;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
