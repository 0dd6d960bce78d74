/*
 * The transfer itself, end to end against an emulator core on loopback:
 * what the server receives, what the reply holds, connection reuse, size
 * limits, and out-of-memory at every allocation of a call.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <kinsync/testing.h>
#include <kinmock/tls.h>
#include "fixture.h"

static cJSON *reply_json(const struct ks__http_reply *reply)
{
    cJSON *json = cJSON_ParseWithLength(reply->body, reply->len);

    assert_non_null(json);
    return json;
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void ok_reply_carries_body_and_final_headers(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;

    assert_int_equal(fx_send(&reply, f, "GET", "/hello"), KS_OK);
    assert_int_equal(reply.status, 200);
    assert_int_equal(reply.attempts, 1);
    assert_int_equal(reply.len, strlen("{\"ok\":true}"));
    assert_string_equal(reply.body, "{\"ok\":true}");
    assert_string_equal(ks__http_reply_header(&reply, "x-request-id"),
                        "req-77");
    assert_non_null(ks__http_reply_header(&reply, "Content-Type"));
    assert_null(ks__http_reply_header(&reply, "X-Absent"));
    assert_int_equal(ks_client_last_error(f->client)->rc, KS_OK);
    ks__http_reply_dispose(&reply);
    assert_null(reply.body);
    assert_null(reply.headers);
}

static void server_sees_default_headers_and_exact_body(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    struct ks__http_request req = KS__HTTP_REQUEST_INIT;
    static const char body[] = "{\"a\":\"x\0y\"}"; /* a NUL inside */
    cJSON *seen;
    char agent[64];

    req.method = "POST";
    req.url = fx_url(f, "/echo");
    req.body = body;
    req.body_len = sizeof(body) - 1;
    assert_int_equal(ks__http_send(&reply, f->client, &req), KS_OK);
    seen = reply_json(&reply);
    snprintf(agent, sizeof(agent), "kinsync/%s", ks_version());
    assert_string_equal(str(seen, "method"), "POST");
    assert_int_equal(
        cJSON_GetObjectItemCaseSensitive(seen, "body_len")->valueint,
        sizeof(body) - 1);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(seen, "body_has_nul")));
    assert_string_equal(str(seen, "accept"), "application/json");
    assert_string_equal(str(seen, "content_type"), "application/json");
    assert_string_equal(str(seen, "user_agent"), agent);
    cJSON_Delete(seen);
    ks__http_reply_dispose(&reply);
}

static void callers_headers_win_over_defaults(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    struct ks__http_request req = KS__HTTP_REQUEST_INIT;
    struct curl_slist *headers = NULL;
    cJSON *seen;

    headers = curl_slist_append(headers, "Accept: text/csv");
    headers = curl_slist_append(headers, "Content-Type: text/plain");
    assert_non_null(headers);
    req.method = "PUT";
    req.url = fx_url(f, "/echo");
    req.headers = headers;
    req.body = "a,b";
    req.body_len = 3;
    assert_int_equal(ks__http_send(&reply, f->client, &req), KS_OK);
    seen = reply_json(&reply);
    assert_string_equal(str(seen, "method"), "PUT");
    assert_string_equal(str(seen, "accept"), "text/csv");
    assert_string_equal(str(seen, "content_type"), "text/plain");
    cJSON_Delete(seen);
    ks__http_reply_dispose(&reply);
    curl_slist_free_all(headers);
}

static void every_method_reaches_the_server(void **state)
{
    static const char *methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
    struct fx *f = *state;

    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
        cJSON *seen;

        assert_int_equal(fx_send(&reply, f, methods[i], "/echo"), KS_OK);
        seen = reply_json(&reply);
        assert_string_equal(str(seen, "method"), methods[i]);
        cJSON_Delete(seen);
        ks__http_reply_dispose(&reply);
    }
}

static void connection_is_reused_between_calls(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    long connects = -1;

    assert_int_equal(fx_send(&reply, f, "GET", "/hello"), KS_OK);
    ks__http_reply_dispose(&reply);
    assert_int_equal(fx_send(&reply, f, "GET", "/echo"), KS_OK);
    curl_easy_getinfo(f->client->curl, CURLINFO_NUM_CONNECTS, &connects);
    assert_int_equal(connects, 0); /* no new connection was needed */
    ks__http_reply_dispose(&reply);
}

static void oversized_response_is_etoobig_without_retry(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    const struct ks_error *err = ks_client_last_error(f->client);

    assert_int_equal(fx_send(&reply, f, "GET", "/big"), KS_ETOOBIG);
    assert_int_equal(reply.attempts, 1);
    assert_true(reply.len <= FX_MAX_RESPONSE);
    assert_int_equal(err->rc, KS_ETOOBIG);
    assert_int_equal(err->http_status, 200);
    assert_non_null(strstr(err->message, "larger than"));
    assert_int_equal(km_server_journal_count(f->server), 1);
    ks__http_reply_dispose(&reply);
}

static void redirect_is_not_followed_and_fails(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;

    kt_faults(f->server, "{\"route\":\"GET /hello\",\"status\":302,"
                         "\"headers\":{\"Location\":\"/echo\"}}");
    assert_int_equal(fx_send(&reply, f, "GET", "/hello"), KS_EREMOTE);
    assert_int_equal(reply.status, 302);
    assert_int_equal(km_server_journal_count(f->server), 1);
    ks__http_reply_dispose(&reply);
}

static void malformed_url_fails_without_retry(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    struct ks__http_request req = KS__HTTP_REQUEST_INIT;

    req.url = "nosuchscheme://host/x";
    assert_int_equal(ks__http_send(&reply, f->client, &req), KS_EINVAL);
    assert_int_equal(reply.attempts, 1);
    assert_int_equal(ks_clock_now_ms(f->clock), 1700000000000);
    ks__http_reply_dispose(&reply);
}

/* An HTTPS server whose certificate the client's trust does not know: the
 * call fails at once with EINVAL, without the retries a network failure
 * gets, and again once the CA file is known but wrong. */
static void untrusted_certificate_fails_without_retry(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    struct ks__http_request req = KS__HTTP_REQUEST_INIT;
    struct km_server_options opts = {0};
    struct km_server *tls_server = NULL;
    struct km_tls *tls = NULL;
    char err[256], url[300];

    if (!km_tls_supported())
        skip();
    assert_int_equal(km_tls_new(&tls, NULL, 0, err, sizeof(err)), 0);
    opts.name = "tls";
    opts.tls = tls;
    assert_int_equal(km_server_start(&tls_server, &opts, err, sizeof(err)), 0);
    snprintf(url, sizeof(url), "%s/hello", km_server_url(tls_server));
    req.url = url;
    assert_int_equal(ks__http_send(&reply, f->client, &req), KS_EINVAL);
    assert_int_equal(reply.attempts, 1);
    assert_int_equal(ks_clock_now_ms(f->clock), 1700000000000);
    ks__http_reply_dispose(&reply);
    km_server_stop(tls_server);
    km_tls_free(tls);
}

/* The torture pattern over a whole call: every allocation of the HTTP
 * layer fails in turn; the call reports KS_ENOMEM and leaks nothing
 * (LeakSanitizer checks at exit) until it succeeds. */
static void every_allocation_failure_is_reported(void **state)
{
    struct fx *f = *state;
    int succeeded = 0, failed = 0;

    for (uint64_t n = 1; n < 500 && !succeeded; n++) {
        struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
        ks_rc rc;

        ks__alloc_fail_at(n);
        rc = fx_send(&reply, f, "GET", "/hello");
        ks__alloc_fail_at(0);
        if (rc == KS_OK) {
            assert_string_equal(reply.body, "{\"ok\":true}");
            succeeded = 1;
        } else {
            assert_int_equal(rc, KS_ENOMEM);
            assert_int_equal(ks_client_last_error(f->client)->rc, KS_ENOMEM);
            failed++;
        }
        ks__http_reply_dispose(&reply);
    }
    assert_true(succeeded);
    assert_true(failed > 0);
}

static int drop_accept(void *ud, const char *line)
{
    int *calls = ud;

    (*calls)++;
    return strncmp(line, "Accept:", 7) == 0;
}

static void header_filter_drops_what_it_refuses(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    cJSON *seen;
    int calls = 0;

    ks_testing_client_set_header_filter(f->client, drop_accept, &calls);
    assert_int_equal(fx_send(&reply, f, "GET", "/echo"), KS_OK);
    seen = reply_json(&reply);
    /* Ours is gone; what arrives is libcurl's own default. */
    assert_string_equal(str(seen, "accept"), "*/*");
    assert_true(calls >= 2); /* Accept and the empty Expect at least */
    cJSON_Delete(seen);
    ks__http_reply_dispose(&reply);

    ks_testing_client_set_header_filter(f->client, NULL, NULL);
    assert_int_equal(fx_send(&reply, f, "GET", "/echo"), KS_OK);
    seen = reply_json(&reply);
    assert_string_equal(str(seen, "accept"), "application/json");
    cJSON_Delete(seen);
    ks__http_reply_dispose(&reply);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
        T(ok_reply_carries_body_and_final_headers),
        T(server_sees_default_headers_and_exact_body),
        T(callers_headers_win_over_defaults),
        T(every_method_reaches_the_server),
        T(connection_is_reused_between_calls),
        T(oversized_response_is_etoobig_without_retry),
        T(redirect_is_not_followed_and_fails),
        T(malformed_url_fails_without_retry),
        T(untrusted_certificate_fails_without_retry),
        T(every_allocation_failure_is_reported),
        T(header_filter_drops_what_it_refuses),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
