/* How a reply is collected: only the final response block's headers are
 * kept, and the body stops at the size limit. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "http/http_int.h"

static size_t feed_header(struct ks__http_sink *s, const char *line)
{
    char copy[256];
    size_t n = strlen(line);

    memcpy(copy, line, n); /* curl's buffer is not NUL-terminated */
    return ks__http_on_header(copy, 1, n, s);
}

static void only_the_final_blocks_headers_are_kept(void **state)
{
    static const char *lines[] = {"HTTP/1.1 100 Continue\r\n",
                                  "\r\n",
                                  "HTTP/1.1 302 Found\r\n",
                                  "Location: /next\r\n",
                                  "X-Stale: 1\r\n",
                                  "\r\n",
                                  "HTTP/2 200\r\n",
                                  "Content-Type: application/json\r\n",
                                  "X-Request-Id: r-1\r\n",
                                  "\r\n"};
    struct ks__http_sink sink;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;

    (void)state;
    memset(&sink, 0, sizeof(sink));
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        assert_int_equal(feed_header(&sink, lines[i]), strlen(lines[i]));
    reply.headers = sink.headers;
    assert_null(ks__http_reply_header(&reply, "Location"));
    assert_null(ks__http_reply_header(&reply, "X-Stale"));
    assert_string_equal(ks__http_reply_header(&reply, "content-type"),
                        "application/json");
    assert_string_equal(ks__http_reply_header(&reply, "X-Request-Id"), "r-1");
    assert_null(reply.headers->next->next); /* exactly two lines */
    ks__http_reply_dispose(&reply);
}

static void header_lookup_needs_the_whole_name(void **state)
{
    struct ks__http_sink sink;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;

    (void)state;
    memset(&sink, 0, sizeof(sink));
    feed_header(&sink, "X-Rate-Limit-Time-Reset-Ms:  1500 \r\n");
    reply.headers = sink.headers;
    assert_null(ks__http_reply_header(&reply, "X-Rate-Limit"));
    assert_string_equal(
        ks__http_reply_header(&reply, "x-rate-limit-time-reset-ms"), "1500");
    ks__http_reply_dispose(&reply);
}

static void body_stops_past_the_limit(void **state)
{
    struct ks__http_sink sink;
    char chunk[40];

    (void)state;
    memset(&sink, 0, sizeof(sink));
    memset(chunk, 'a', sizeof(chunk));
    sink.max = 100;
    assert_int_equal(ks__http_on_body(chunk, 1, 40, &sink), 40);
    assert_int_equal(ks__http_on_body(chunk, 2, 20, &sink), 40);
    assert_int_equal(ks__http_on_body(chunk, 1, 21, &sink), 0);
    assert_true(sink.too_big);
    assert_int_equal(sink.body.len, 80);
    ks__buf_dispose(&sink.body);
}

static void body_has_no_limit_when_max_is_zero(void **state)
{
    struct ks__http_sink sink;
    char chunk[1000];

    (void)state;
    memset(&sink, 0, sizeof(sink));
    memset(chunk, 'a', sizeof(chunk));
    for (int i = 0; i < 100; i++)
        assert_int_equal(ks__http_on_body(chunk, 1, sizeof(chunk), &sink),
                         sizeof(chunk));
    assert_false(sink.too_big);
    assert_int_equal(sink.body.len, 100000);
    ks__buf_dispose(&sink.body);
}

static void out_of_memory_aborts_the_transfer(void **state)
{
    struct ks__http_sink sink;

    (void)state;
    memset(&sink, 0, sizeof(sink));
    ks__alloc_fail_at(1);
    assert_int_equal(ks__http_on_body("abc", 1, 3, &sink), 0);
    assert_int_equal(feed_header(&sink, "A: b\r\n"), 0);
    ks__alloc_fail_at(0);
    assert_true(sink.oom);
    ks__buf_dispose(&sink.body);
    curl_slist_free_all(sink.headers);
}

static void only_2xx_is_success(void **state)
{
    (void)state;
    assert_int_equal(ks__http_status_rc(200), KS_OK);
    assert_int_equal(ks__http_status_rc(204), KS_OK);
    assert_int_equal(ks__http_status_rc(304), KS_EREMOTE);
    assert_int_equal(ks__http_status_rc(401), KS_EAUTH);
    assert_int_equal(ks__http_status_rc(429), KS_ERATELIMIT);
    assert_int_equal(ks__http_status_rc(500), KS_EREMOTE);
    assert_int_equal(ks__http_status_rc(503), KS_EUNAVAIL);
    assert_int_equal(ks__http_status_rc(0), KS_EREMOTE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(only_the_final_blocks_headers_are_kept),
        cmocka_unit_test(header_lookup_needs_the_whole_name),
        cmocka_unit_test(body_stops_past_the_limit),
        cmocka_unit_test(body_has_no_limit_when_max_is_zero),
        cmocka_unit_test(out_of_memory_aborts_the_transfer),
        cmocka_unit_test(only_2xx_is_success),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
