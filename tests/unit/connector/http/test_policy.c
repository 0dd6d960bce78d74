/*
 * The retry policy end to end: each class of kinsync/client.h against an
 * emulator core whose faults are set as data, waits on the virtual clock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "fixture.h"

/* Adds rules, sends method to path once, and checks the outcome and how
 * many attempts it took; the caller disposes of *reply. */
static void send_with_faults(struct ks__http_reply *reply, struct fx *f,
                             const char *rules, const char *method,
                             const char *path, ks_rc rc, int attempts)
{
    kt_faults(f->server, rules);
    assert_int_equal(fx_send(reply, f, method, path), rc);
    assert_int_equal(reply->attempts, attempts);
}

/* send_with_faults() when the reply itself does not matter. */
static void expect_attempts(struct fx *f, const char *rules, const char *method,
                            const char *path, ks_rc rc, int attempts)
{
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;

    send_with_faults(&reply, f, rules, method, path, rc, attempts);
    ks__http_reply_dispose(&reply);
}

/* Sends GET /secure with a's provider once the old token has expired. */
static ks_rc send_secure(struct ks__http_reply *reply, struct fx *f,
                         struct fx_auth *a)
{
    struct ks__http_auth auth = {fx_apply_token, a};
    struct ks__http_request req = KS__HTTP_REQUEST_INIT;

    f->valid_token = "someone-else";
    req.url = fx_url(f, "/secure");
    req.auth = &auth;
    return ks__http_send(reply, f->client, &req);
}

static void rate_limit_waits_for_the_reset_then_succeeds(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    int64_t before = ks_clock_now_ms(f->clock);
    struct ks_client_stats stats;

    send_with_faults(&reply, f,
                     "{\"route\":\"GET /hello\",\"nth\":1,\"status\":429,"
                     "\"headers\":{\"X-Rate-Limit-Time-Reset-Ms\":\"1500\"}}",
                     "GET", "/hello", KS_OK, 2);
    assert_int_equal(reply.status, 200);
    assert_true(ks_clock_now_ms(f->clock) - before >= 1500);
    assert_true(fx_journal_ms(f, 1) - fx_journal_ms(f, 0) >= 1500);
    ks_client_stats(&stats, f->client);
    assert_int_equal(stats.requests, 2);
    assert_int_equal(stats.retries, 1);
    assert_true(stats.waited_ms >= 1500);
    ks__http_reply_dispose(&reply);
}

static void rate_limit_reads_retry_after_and_x_retry_after(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    int64_t before = ks_clock_now_ms(f->clock);

    send_with_faults(&reply, f,
                     "[{\"route\":\"GET /hello\",\"nth\":1,\"status\":429,"
                     "\"headers\":{\"Retry-After\":\"7\"}},"
                     "{\"route\":\"GET /hello\",\"nth\":2,\"status\":429,"
                     "\"headers\":{\"X-Retry-After\":\"11\"}}]",
                     "GET", "/hello", KS_OK, 3);
    assert_int_equal(ks_clock_now_ms(f->clock) - before, 18000);
    ks__http_reply_dispose(&reply);
}

static void rate_limit_past_the_attempts_is_eratelimit(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    int64_t before = ks_clock_now_ms(f->clock);

    send_with_faults(&reply, f, "{\"route\":\"GET /hello\",\"status\":429}",
                     "GET", "/hello", KS_ERATELIMIT, FX_MAX_ATTEMPTS);
    assert_int_equal(reply.status, 429);
    /* No header: the default wait between each pair of attempts. */
    assert_int_equal(ks_clock_now_ms(f->clock) - before,
                     (FX_MAX_ATTEMPTS - 1) * 1000);
    ks__http_reply_dispose(&reply);
}

static void unavailable_burst_is_ridden_out(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;

    send_with_faults(&reply, f,
                     "{\"route\":\"GET /hello\",\"times\":2,\"status\":503}",
                     "GET", "/hello", KS_OK, 3);
    assert_int_equal(km_server_journal_count(f->server), 3);
    /* backoff: at least half the base delay, then half of twice that */
    assert_true(fx_journal_ms(f, 1) - fx_journal_ms(f, 0) >= 250);
    assert_true(fx_journal_ms(f, 2) - fx_journal_ms(f, 1) >= 500);
    ks__http_reply_dispose(&reply);
}

static void unavailable_forever_gives_up_after_max_attempts(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    const struct ks_error *err = ks_client_last_error(f->client);
    struct ks_client_stats stats;

    send_with_faults(&reply, f,
                     "{\"route\":\"GET /hello\",\"every\":true,\"status\":503,"
                     "\"body\":\"down for maintenance\"}",
                     "GET", "/hello", KS_EUNAVAIL, FX_MAX_ATTEMPTS);
    assert_int_equal(km_server_journal_count(f->server), FX_MAX_ATTEMPTS);
    ks_client_stats(&stats, f->client);
    assert_int_equal(stats.requests, FX_MAX_ATTEMPTS);
    assert_int_equal(stats.retries, FX_MAX_ATTEMPTS - 1);
    assert_int_equal(err->rc, KS_EUNAVAIL);
    assert_int_equal(err->http_status, 503);
    assert_non_null(strstr(err->message, "down for maintenance"));
    ks__http_reply_dispose(&reply);
}

static void server_error_500_is_not_retried(void **state)
{
    expect_attempts(*state, "{\"route\":\"GET /hello\",\"status\":500}", "GET",
                    "/hello", KS_EREMOTE, 1);
}

static void not_found_is_not_retried(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;

    assert_int_equal(fx_send(&reply, f, "GET", "/nowhere"), KS_ENOTFOUND);
    assert_int_equal(reply.attempts, 1);
    assert_int_equal(reply.status, 404);
    assert_non_null(reply.body); /* the remote's error body is kept */
    assert_int_equal(km_server_journal_count(f->server), 1);
    assert_int_equal(ks_client_last_error(f->client)->http_status, 404);
    ks__http_reply_dispose(&reply);
}

static void client_errors_map_to_their_codes(void **state)
{
    static const struct {
        int status;
        ks_rc rc;
    } cases[] = {{400, KS_EREMOTE},   {403, KS_EFORBIDDEN}, {409, KS_ECONFLICT},
                 {410, KS_ENOTFOUND}, {412, KS_ECONFLICT},  {413, KS_ETOOBIG},
                 {422, KS_EREMOTE}};
    struct fx *f = *state;
    char rule[128];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ks__http_reply reply = KS__HTTP_REPLY_INIT;

        km_server_faults_clear(f->server);
        snprintf(rule, sizeof(rule), "{\"route\":\"GET /hello\",\"status\":%d}",
                 cases[i].status);
        kt_faults(f->server, rule);
        assert_int_equal(fx_send(&reply, f, "GET", "/hello"), cases[i].rc);
        assert_int_equal(reply.attempts, 1);
        ks__http_reply_dispose(&reply);
    }
}

static void unauthorized_refreshes_credentials_once(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    struct fx_auth a = {f, 0, 0, 0, 1};
    struct ks_client_stats stats;

    assert_int_equal(send_secure(&reply, f, &a), KS_OK);
    assert_int_equal(reply.status, 200);
    assert_int_equal(a.refreshes, 1);
    assert_int_equal(a.applied, 2);
    assert_int_equal(reply.attempts, 2);
    ks_client_stats(&stats, f->client);
    assert_int_equal(stats.reauths, 1);
    ks__http_reply_dispose(&reply);
}

static void unauthorized_twice_fails_with_eauth(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    struct fx_auth a = {f, 0, 0, 0, 0}; /* the new token is refused too */

    assert_int_equal(send_secure(&reply, f, &a), KS_EAUTH);
    assert_int_equal(a.refreshes, 1);
    assert_int_equal(reply.attempts, 2);
    assert_int_equal(km_server_journal_count(f->server), 2);
    assert_int_equal(ks_client_last_error(f->client)->http_status, 401);
    ks__http_reply_dispose(&reply);
}

static void failed_refresh_ends_the_call(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    struct fx_auth a = {f, 0, 0, 1, 0}; /* the refresh itself fails */

    assert_int_equal(send_secure(&reply, f, &a), KS_EAUTH);
    assert_int_equal(a.refreshes, 1);
    assert_int_equal(km_server_journal_count(f->server), 1);
    assert_int_equal(ks_client_last_error(f->client)->rc, KS_EAUTH);
    ks__http_reply_dispose(&reply);
}

static void connection_reset_is_retried_for_get(void **state)
{
    expect_attempts(*state,
                    "{\"route\":\"GET /hello\",\"nth\":1,\"action\":\"reset\"}",
                    "GET", "/hello", KS_OK, 2);
}

static void connection_reset_is_not_retried_for_post(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;

    /* A first request leaves a connection in the cache that the POST
     * must not silently reuse and resend on. */
    assert_int_equal(fx_send(&reply, f, "GET", "/hello"), KS_OK);
    ks__http_reply_dispose(&reply);
    send_with_faults(
        &reply, f, "{\"route\":\"POST /echo\",\"nth\":1,\"action\":\"reset\"}",
        "POST", "/echo", KS_ETRANSPORT, 1);
    assert_int_equal(reply.status, 0);
    assert_int_equal(km_server_journal_count(f->server), 2);
    assert_int_equal(ks_client_last_error(f->client)->rc, KS_ETRANSPORT);
    ks__http_reply_dispose(&reply);
}

static void idempotent_post_may_be_retried(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    struct ks__http_request req = KS__HTTP_REQUEST_INIT;

    kt_faults(f->server,
              "{\"route\":\"POST /echo\",\"nth\":1,\"action\":\"reset\"}");
    req.method = "POST";
    req.url = fx_url(f, "/echo");
    req.body = "{}";
    req.body_len = 2;
    req.idempotent = 1; /* e.g. a query sent as POST */
    assert_int_equal(ks__http_send(&reply, f->client, &req), KS_OK);
    assert_int_equal(reply.attempts, 2);
    ks__http_reply_dispose(&reply);
}

static void truncated_body_is_retried_for_get(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;

    send_with_faults(
        &reply, f,
        "{\"route\":\"GET /hello\",\"nth\":1,\"action\":\"truncate\"}", "GET",
        "/hello", KS_OK, 2);
    assert_string_equal(reply.body, "{\"ok\":true}"); /* not the cut one */
    ks__http_reply_dispose(&reply);
}

static void timeout_is_retried_for_get_only(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;

    /* The server hangs for 1000 ms; 400 ms leaves a loaded machine room
     * to answer the retry in time. */
    f->client->opts.timeout_ms = 400;
    kt_faults(f->server,
              "[{\"route\":\"GET /hello\",\"nth\":1,\"action\":\"hang\"},"
              "{\"route\":\"POST /echo\",\"nth\":1,\"action\":\"hang\"}]");
    assert_int_equal(fx_send(&reply, f, "GET", "/hello"), KS_OK);
    assert_int_equal(reply.attempts, 2);
    ks__http_reply_dispose(&reply);
    assert_int_equal(fx_send(&reply, f, "POST", "/echo"), KS_ETIMEOUT);
    assert_int_equal(reply.attempts, 1);
    ks__http_reply_dispose(&reply);
}

static void refused_connection_is_retried_then_etransport(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    struct ks__http_request req = KS__HTTP_REQUEST_INIT;
    char url[128];
    int64_t before = ks_clock_now_ms(f->clock);

    snprintf(url, sizeof(url), "%s/hello", km_server_url(f->server));
    km_server_stop(f->server);
    f->server = NULL;
    req.url = url;
    assert_int_equal(ks__http_send(&reply, f->client, &req), KS_ETRANSPORT);
    assert_int_equal(reply.attempts, FX_MAX_ATTEMPTS);
    assert_true(ks_clock_now_ms(f->clock) > before); /* backed off */
    ks__http_reply_dispose(&reply);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
        T(rate_limit_waits_for_the_reset_then_succeeds),
        T(rate_limit_reads_retry_after_and_x_retry_after),
        T(rate_limit_past_the_attempts_is_eratelimit),
        T(unavailable_burst_is_ridden_out),
        T(unavailable_forever_gives_up_after_max_attempts),
        T(server_error_500_is_not_retried),
        T(not_found_is_not_retried),
        T(client_errors_map_to_their_codes),
        T(unauthorized_refreshes_credentials_once),
        T(unauthorized_twice_fails_with_eauth),
        T(failed_refresh_ends_the_call),
        T(connection_reset_is_retried_for_get),
        T(connection_reset_is_not_retried_for_post),
        T(idempotent_post_may_be_retried),
        T(truncated_body_is_retried_for_get),
        T(timeout_is_retried_for_get_only),
        T(refused_connection_is_retried_then_etransport),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
