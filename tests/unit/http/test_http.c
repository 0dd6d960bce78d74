/*
 * The HTTP layer end to end against an emulator core on loopback, with
 * faults set as data: each retry class, give-up, credential refresh,
 * size limits, and what reaches the log.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "http/http.h"
#include "kinmock/server.h"

#define TOKEN_OLD "tok-old-4f1c"
#define TOKEN_NEW "tok-new-9a2e"

struct fixture {
    struct ks_clock *clock;
    struct km_server *server;
    struct ks_client *client;
    const char *valid_token; /* what /secure accepts */
    char log[16384];
    size_t loglen;
    char url[256];
};

static void hello(struct km_response *res, const struct km_request *req,
                  void *state)
{
    (void)req;
    (void)state;
    km_response_header(res, "X-Request-Id", "req-77");
    km_response_json(res, 200, cJSON_Parse("{\"ok\":true}"));
}

static void big(struct km_response *res, const struct km_request *req,
                void *state)
{
    static char body[8192];

    (void)req;
    (void)state;
    memset(body, 'x', sizeof(body) - 1);
    km_response_set(res, 200, "text/plain", body, sizeof(body) - 1);
}

static void secure(struct km_response *res, const struct km_request *req,
                   void *state)
{
    struct fixture *f = state;
    const char *auth = km_request_header(req, "Authorization");
    char want[64];

    snprintf(want, sizeof(want), "Bearer %s", f->valid_token);
    if (!auth || strcmp(auth, want) != 0)
        km_response_json(res, 401, cJSON_Parse("{\"error\":\"expired\"}"));
    else
        km_response_json(res, 200, cJSON_Parse("{\"ok\":true}"));
}

static const struct km_route routes[] = {
    {"*", "/hello", hello},
    {"GET", "/big", big},
    {"GET", "/secure", secure},
};

static void capture_log(enum ks_log_level level, const char *msg,
                        const char *payload, void *ud)
{
    struct fixture *f = ud;
    int n =
        snprintf(f->log + f->loglen, sizeof(f->log) - f->loglen, "%s %s %s\n",
                 ks_log_level_name(level), msg, payload ? payload : "");

    if (n > 0 && (size_t)n < sizeof(f->log) - f->loglen)
        f->loglen += (size_t)n;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct km_server_options so = {0};
    struct ks_client_options co = KS_CLIENT_OPTIONS_INIT;
    char err[256];

    assert_non_null(f);
    assert_int_equal(ks_clock_new_virtual(&f->clock, 1700000000000), KS_OK);
    so.name = "test";
    so.clock = f->clock;
    so.routes = routes;
    so.nroutes = sizeof(routes) / sizeof(routes[0]);
    so.state = f;
    assert_int_equal(km_server_start(&f->server, &so, err, sizeof(err)), 0);
    co.clock = f->clock;
    co.log_fn = capture_log;
    co.log_userdata = f;
    co.log_level = KS_LOG_DEBUG;
    co.jitter_seed = 99;
    co.timeout_ms = 3000;
    co.max_response_bytes = 4096;
    co.retry.max_attempts = 4;
    assert_int_equal(ks_client_new(&f->client, &co), KS_OK);
    f->valid_token = TOKEN_OLD;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    ks_client_free(f->client);
    km_server_stop(f->server);
    ks_clock_free(f->clock);
    free(f);
    return 0;
}

static const char *url_of(struct fixture *f, const char *path)
{
    snprintf(f->url, sizeof(f->url), "%s%s", km_server_url(f->server), path);
    return f->url;
}

static void add_faults(struct fixture *f, const char *json)
{
    cJSON *rules = cJSON_Parse(json);
    char err[256];

    assert_non_null(rules);
    assert_int_equal(km_server_faults_add(f->server, rules, err, sizeof(err)),
                     0);
    cJSON_Delete(rules);
}

static ks_rc get(struct ks__http_reply *reply, struct fixture *f,
                 const char *method, const char *path)
{
    struct ks__http_request req = KS__HTTP_REQUEST_INIT;

    req.method = method;
    req.url = url_of(f, path);
    if (strcmp(method, "POST") == 0) {
        req.body = "{\"a\":1}";
        req.body_len = strlen(req.body);
    }
    return ks__http_send(reply, f->client, &req);
}

static void ok_reply_carries_body_and_headers(void **state)
{
    struct fixture *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;

    assert_int_equal(get(&reply, f, "GET", "/hello"), KS_OK);
    assert_int_equal(reply.status, 200);
    assert_int_equal(reply.attempts, 1);
    assert_non_null(strstr(reply.body, "\"ok\""));
    assert_string_equal(ks__http_reply_header(&reply, "x-request-id"),
                        "req-77");
    ks__http_reply_dispose(&reply);
}

static void rate_limit_waits_for_reset_on_virtual_clock(void **state)
{
    struct fixture *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    int64_t before = ks_clock_now_ms(f->clock);
    struct ks_client_stats stats;

    add_faults(f, "{\"route\":\"GET /hello\",\"nth\":1,\"status\":429,"
                  "\"headers\":{\"X-Rate-Limit-Time-Reset-Ms\":\"1500\"}}");
    assert_int_equal(get(&reply, f, "GET", "/hello"), KS_OK);
    assert_int_equal(reply.attempts, 2);
    assert_true(ks_clock_now_ms(f->clock) - before >= 1500);
    ks_client_stats(&stats, f->client);
    assert_int_equal(stats.retries, 1);
    assert_true(stats.waited_ms >= 1500);
    ks__http_reply_dispose(&reply);
}

static void unavailable_burst_is_ridden_out(void **state)
{
    struct fixture *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;

    add_faults(f, "[{\"route\":\"GET /hello\",\"nth\":1,\"status\":503},"
                  "{\"route\":\"GET /hello\",\"nth\":2,\"status\":503}]");
    assert_int_equal(get(&reply, f, "GET", "/hello"), KS_OK);
    assert_int_equal(reply.attempts, 3);
    assert_int_equal(km_server_journal_count(f->server), 3);
    ks__http_reply_dispose(&reply);
}

static void unavailable_forever_gives_up_after_max_attempts(void **state)
{
    struct fixture *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    const struct ks_error *err;

    add_faults(f, "{\"route\":\"GET /hello\",\"every\":true,\"status\":503,"
                  "\"body\":\"down for maintenance\"}");
    assert_int_equal(get(&reply, f, "GET", "/hello"), KS_EUNAVAIL);
    assert_int_equal(reply.attempts, 4);
    assert_int_equal(km_server_journal_count(f->server), 4);
    err = ks_client_last_error(f->client);
    assert_int_equal(err->rc, KS_EUNAVAIL);
    assert_int_equal(err->http_status, 503);
    assert_non_null(strstr(err->message, "down for maintenance"));
    ks__http_reply_dispose(&reply);
}

static void not_found_is_not_retried(void **state)
{
    struct fixture *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;

    assert_int_equal(get(&reply, f, "GET", "/nowhere"), KS_ENOTFOUND);
    assert_int_equal(reply.attempts, 1);
    assert_int_equal(reply.status, 404);
    ks__http_reply_dispose(&reply);
}

struct auth_state {
    struct fixture *f;
    int refreshes;
};

static ks_rc apply_token(void *ud, struct curl_slist **headers, int refresh)
{
    struct auth_state *a = ud;
    struct curl_slist *grown;

    if (refresh) {
        a->refreshes++;
        a->f->valid_token = TOKEN_NEW; /* the fresh token works */
    }
    grown = curl_slist_append(
        *headers, a->refreshes ? "Authorization: Bearer " TOKEN_NEW
                               : "Authorization: Bearer " TOKEN_OLD);
    if (!grown)
        return KS_ENOMEM;
    *headers = grown;
    return KS_OK;
}

static void unauthorized_refreshes_credentials_once(void **state)
{
    struct fixture *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    struct auth_state a = {f, 0};
    struct ks__http_auth auth = {apply_token, &a};
    struct ks__http_request req = KS__HTTP_REQUEST_INIT;

    f->valid_token = "someone-else";
    ks_client_add_secret(f->client, TOKEN_OLD);
    ks_client_add_secret(f->client, TOKEN_NEW);
    req.url = url_of(f, "/secure");
    req.auth = &auth;
    assert_int_equal(ks__http_send(&reply, f->client, &req), KS_OK);
    assert_int_equal(a.refreshes, 1);
    assert_int_equal(reply.attempts, 2);
    assert_null(strstr(f->log, TOKEN_OLD));
    assert_null(strstr(f->log, TOKEN_NEW));
    ks__http_reply_dispose(&reply);
}

static ks_rc apply_bad_token(void *ud, struct curl_slist **headers, int refresh)
{
    struct auth_state *a = ud;
    struct curl_slist *grown;

    a->refreshes += refresh;
    grown = curl_slist_append(*headers, "Authorization: Bearer wrong");
    if (!grown)
        return KS_ENOMEM;
    *headers = grown;
    return KS_OK;
}

static void unauthorized_twice_fails_with_eauth(void **state)
{
    struct fixture *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    struct auth_state a = {f, 0};
    struct ks__http_auth auth = {apply_bad_token, &a};
    struct ks__http_request req = KS__HTTP_REQUEST_INIT;

    req.url = url_of(f, "/secure");
    req.auth = &auth;
    assert_int_equal(ks__http_send(&reply, f->client, &req), KS_EAUTH);
    assert_int_equal(a.refreshes, 1);
    assert_int_equal(reply.attempts, 2);
    assert_int_equal(ks_client_last_error(f->client)->http_status, 401);
    ks__http_reply_dispose(&reply);
}

static void oversized_response_is_etoobig(void **state)
{
    struct fixture *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;

    assert_int_equal(get(&reply, f, "GET", "/big"), KS_ETOOBIG);
    assert_int_equal(reply.attempts, 1);
    ks__http_reply_dispose(&reply);
}

static void connection_reset_is_retried_for_get_only(void **state)
{
    struct fixture *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;

    add_faults(f, "{\"route\":\"* /hello\",\"nth\":1,\"action\":\"reset\"}");
    assert_int_equal(get(&reply, f, "GET", "/hello"), KS_OK);
    assert_int_equal(reply.attempts, 2);
    ks__http_reply_dispose(&reply);

    km_server_faults_clear(f->server);
    add_faults(f, "{\"route\":\"POST /hello\",\"nth\":1,\"action\":\"reset\"}");
    assert_int_equal(get(&reply, f, "POST", "/hello"), KS_ETRANSPORT);
    assert_int_equal(reply.attempts, 1);
    ks__http_reply_dispose(&reply);
}

static void log_never_shows_credentials(void **state)
{
    struct fixture *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;

    ks_client_add_secret(f->client, "s3cr3t-value");
    assert_int_equal(
        get(&reply, f, "GET", "/hello?consumer_secret=s3cr3t-value&page=2"),
        KS_OK);
    ks__http_reply_dispose(&reply);
    assert_non_null(strstr(f->log, "page=2"));
    assert_null(strstr(f->log, "s3cr3t-value"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(ok_reply_carries_body_and_headers,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            rate_limit_waits_for_reset_on_virtual_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(unavailable_burst_is_ridden_out, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            unavailable_forever_gives_up_after_max_attempts, setup, teardown),
        cmocka_unit_test_setup_teardown(not_found_is_not_retried, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(unauthorized_refreshes_credentials_once,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(unauthorized_twice_fails_with_eauth,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(oversized_response_is_etoobig, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            connection_reset_is_retried_for_get_only, setup, teardown),
        cmocka_unit_test_setup_teardown(log_never_shows_credentials, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
