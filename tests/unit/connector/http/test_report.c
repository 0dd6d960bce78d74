/*
 * What the HTTP layer tells: DEBUG lines per attempt with URL and headers
 * redacted, the one-line error message, and that no credential reaches
 * either, whether it is named as a secret header, a query parameter, or
 * only known to the client as a secret.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "fixture.h"

static void log_never_sees_the_authorization_value(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    struct fx_auth a = {f, 0, 0, 0, 1};
    struct ks__http_auth auth = {fx_apply_token, &a};
    struct ks__http_request req = KS__HTTP_REQUEST_INIT;

    /* The tokens are not registered as secrets: header redaction alone
     * must keep them out. */
    f->valid_token = "someone-else";
    req.url = fx_url(f, "/secure");
    req.auth = &auth;
    assert_int_equal(ks__http_send(&reply, f->client, &req), KS_OK);
    ks__http_reply_dispose(&reply);
    assert_non_null(strstr(f->log.text, "> Authorization: " KS_REDACTED));
    assert_null(strstr(f->log.text, FX_TOKEN_OLD));
    assert_null(strstr(f->log.text, FX_TOKEN_NEW));
}

static void attempt_lines_show_method_url_status_and_headers(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;

    assert_int_equal(fx_send(&reply, f, "GET", "/hello?page=2"), KS_OK);
    ks__http_reply_dispose(&reply);
    assert_non_null(strstr(f->log.text, "debug GET http://127.0.0.1:"));
    assert_non_null(
        strstr(f->log.text, "/hello?page=2 -> HTTP 200 (attempt 1)"));
    assert_non_null(strstr(f->log.text, "> Accept: application/json"));
    assert_non_null(strstr(f->log.text, "< HTTP 200"));
    assert_non_null(strstr(f->log.text, "< X-Request-Id: req-77"));
    /* a secret response header */
    assert_non_null(strstr(f->log.text, "< Set-Cookie: " KS_REDACTED));
    assert_null(strstr(f->log.text, "cookie-5e1f"));
}

static void secret_query_values_and_added_secrets_are_hidden(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    struct ks__http_request req = KS__HTTP_REQUEST_INIT;
    struct curl_slist *headers = NULL;

    assert_int_equal(ks_client_add_secret(f->client, "pathsecret-77"), KS_OK);
    headers = curl_slist_append(headers, "X-Plain: pathsecret-77");
    assert_non_null(headers);
    req.url = fx_url(f, "/echo?consumer_secret=cs-4411&page=2&k=pathsecret-77");
    req.headers = headers;
    assert_int_equal(ks__http_send(&reply, f->client, &req), KS_OK);
    ks__http_reply_dispose(&reply);
    curl_slist_free_all(headers);
    assert_non_null(strstr(f->log.text, "consumer_secret=" KS_REDACTED));
    assert_non_null(strstr(f->log.text, "page=2"));
    assert_null(strstr(f->log.text, "cs-4411"));
    assert_null(strstr(f->log.text, "pathsecret-77"));
    assert_non_null(strstr(f->log.text, "> X-Plain: *************"));
}

static void retries_are_logged_with_their_wait(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;

    kt_faults(f->server,
              "{\"route\":\"GET /hello\",\"nth\":1,\"status\":429,"
              "\"headers\":{\"X-Rate-Limit-Time-Reset-Ms\":\"1500\"}}");
    assert_int_equal(fx_send(&reply, f, "GET", "/hello"), KS_OK);
    ks__http_reply_dispose(&reply);
    assert_non_null(strstr(f->log.text, "info GET "));
    assert_non_null(strstr(f->log.text,
                           "HTTP 429, retrying in 1500 ms (attempt 2 "
                           "of 4)"));
}

static void nothing_is_built_below_the_threshold(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;

    f->client->opts.log_level = KS_LOG_WARN;
    assert_int_equal(fx_send(&reply, f, "GET", "/hello"), KS_OK);
    ks__http_reply_dispose(&reply);
    assert_int_equal(f->log.len, 0);
}

static void failure_message_names_call_status_and_remote_text(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    const struct ks_error *err = ks_client_last_error(f->client);

    kt_faults(f->server,
              "{\"route\":\"GET /hello\",\"status\":422,"
              "\"headers\":{\"X-Request-Id\":\"rq-5\"},"
              "\"body\":{\"code\":\"bad\",\n\"message\":\"SKU missing\"}}");
    assert_int_equal(fx_send(&reply, f, "GET", "/hello?api_key=k-981&x=1"),
                     KS_EREMOTE);
    ks__http_reply_dispose(&reply);
    assert_int_equal(err->rc, KS_EREMOTE);
    assert_int_equal(err->http_status, 422);
    assert_non_null(strstr(err->message, "GET http://127.0.0.1:"));
    assert_non_null(strstr(err->message, "/hello?api_key=" KS_REDACTED "&x=1"));
    assert_non_null(strstr(err->message, "HTTP 422 after 1 attempt(s)"));
    assert_non_null(strstr(err->message, "SKU missing"));
    assert_null(strstr(err->message, "k-981"));
    assert_null(strchr(err->message, '\n'));
    assert_string_equal(err->remote_id, "rq-5");
}

static void excerpt_masks_a_secret_cut_at_its_end(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    const struct ks_error *err = ks_client_last_error(f->client);
    char rule[1024], filler[200];

    /* The body starts with 150 bytes of filler, so the 160-byte excerpt
     * ends inside the echoed secret. */
    memset(filler, 'f', 150);
    filler[150] = '\0';
    snprintf(rule, sizeof(rule),
             "{\"route\":\"GET /hello\",\"status\":400,\"body\":"
             "\"%sQWERTYUIOPASDFGH and more text after it\"}",
             filler);
    assert_int_equal(ks_client_add_secret(f->client, "QWERTYUIOPASDFGH"),
                     KS_OK);
    kt_faults(f->server, rule);
    assert_int_equal(fx_send(&reply, f, "GET", "/hello"), KS_EREMOTE);
    ks__http_reply_dispose(&reply);
    assert_null(strstr(err->message, "QWERTYUIOP")); /* nor its first half */
    assert_non_null(strstr(err->message, "fffff**********..."));
}

static void remote_message_replaces_the_summary(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    const struct ks_error *err = ks_client_last_error(f->client);

    assert_int_equal(ks_client_add_secret(f->client, "hunter2"), KS_OK);
    ks__http_set_remote_message(f->client, "ignored: nothing failed", "id-0");
    assert_int_equal(err->rc, KS_OK);
    assert_string_equal(err->message, "");
    assert_int_equal(fx_send(&reply, f, "GET", "/nowhere"), KS_ENOTFOUND);
    ks__http_reply_dispose(&reply);
    ks__http_set_remote_message(f->client, "Part X not found\n(hunter2)",
                                "corr-9");
    assert_int_equal(err->rc, KS_ENOTFOUND);
    assert_string_equal(err->message, "Part X not found (*******) (HTTP 404)");
    assert_string_equal(err->remote_id, "corr-9");
}

static void next_call_starts_with_a_clean_slot(void **state)
{
    struct fx *f = *state;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;

    assert_int_equal(fx_send(&reply, f, "GET", "/nowhere"), KS_ENOTFOUND);
    ks__http_reply_dispose(&reply);
    assert_int_equal(fx_send(&reply, f, "GET", "/hello"), KS_OK);
    ks__http_reply_dispose(&reply);
    assert_int_equal(ks_client_last_error(f->client)->rc, KS_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
        T(log_never_sees_the_authorization_value),
        T(attempt_lines_show_method_url_status_and_headers),
        T(secret_query_values_and_added_secrets_are_hidden),
        T(retries_are_logged_with_their_wait),
        T(nothing_is_built_below_the_threshold),
        T(failure_message_names_call_status_and_remote_text),
        T(excerpt_masks_a_secret_cut_at_its_end),
        T(remote_message_replaces_the_summary),
        T(next_call_starts_with_a_clean_slot),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
