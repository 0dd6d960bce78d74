/* km_server over loopback HTTP: routing, hooks, limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "common/server_int.h"
#include "kt.h"

struct fixture {
    struct kt_served s; /* first: kt_served_teardown() */
    char calls[64];     /* B(efore) H(andler) A(fter), in order */
};

static void note(struct fixture *f, char c)
{
    size_t n = strlen(f->calls);

    if (n + 1 < sizeof(f->calls)) {
        f->calls[n] = c;
        f->calls[n + 1] = '\0';
    }
}

static void ping(struct km_response *res, const struct km_request *req,
                 void *state)
{
    (void)req;
    note(state, 'H');
    km_response_set(res, 200, "text/plain", "pong", 4);
}

static void item(struct km_response *res, const struct km_request *req,
                 void *state)
{
    cJSON *o = cJSON_CreateObject();
    const char *q = km_request_arg(req, "q");
    const char *trace = km_request_header(req, "x-trace");

    note(state, 'H');
    cJSON_AddStringToObject(o, "id", req->captures[0]);
    cJSON_AddNumberToObject(o, "ncaptures", (double)req->ncaptures);
    cJSON_AddStringToObject(o, "q", q ? q : "(none)");
    cJSON_AddStringToObject(o, "trace", trace ? trace : "(none)");
    cJSON_AddStringToObject(o, "route", req->route ? req->route : "(none)");
    cJSON_AddStringToObject(o, "query", req->query);
    cJSON_AddStringToObject(o, "base_url", req->base_url);
    cJSON_AddNumberToObject(o, "now_ms", (double)req->now_ms);
    km_response_json(res, 200, o);
}

static int count_arg(void *ud, const char *name, const char *value)
{
    (void)value;
    (*(int *)ud)++;
    return strcmp(name, "stop") == 0;
}

static void args(struct km_response *res, const struct km_request *req,
                 void *state)
{
    char text[32];
    int n = 0;

    (void)state;
    km_request_args_each(req, count_arg, &n);
    snprintf(text, sizeof(text), "%d", n);
    km_response_set(res, 200, "text/plain", text, strlen(text));
}

static void echo(struct km_response *res, const struct km_request *req,
                 void *state)
{
    cJSON *json = km_request_json(req);

    (void)state;
    km_response_set(res, 201, "application/octet-stream", req->body,
                    req->body_len);
    km_response_header(res, "X-Json", json ? "yes" : "no");
    km_response_header(res, "x-json", json ? "YES" : "NO"); /* replaces */
    cJSON_Delete(json);
}

static void method(struct km_response *res, const struct km_request *req,
                   void *state)
{
    (void)state;
    km_response_set(res, 200, "text/plain", req->method, strlen(req->method));
}

static void silent(struct km_response *res, const struct km_request *req,
                   void *state)
{
    (void)res;
    (void)req;
    (void)state;
}

static int before(struct km_response *res, const struct km_request *req,
                  void *state)
{
    note(state, 'B');
    if (km_request_header(req, "X-Deny")) {
        km__response_error(res, 401, "denied");
        return 1;
    }
    return 0;
}

static void after(struct km_response *res, const struct km_request *req,
                  void *state)
{
    char text[16];

    (void)req;
    note(state, 'A');
    snprintf(text, sizeof(text), "%d", km_response_status(res));
    km_response_header(res, "X-After", text);
}

static const struct km_route routes[] = {
    {"GET", "/ping", ping},  {"GET", "/items/{id}", item},
    {"GET", "/args", args},  {"POST", "/echo", echo},
    {"*", "/any/*", method}, {"GET", "/silent", silent},
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct km_server_options opts;
    assert_non_null(f);
    memset(&opts, 0, sizeof(opts));
    opts.name = "test";
    opts.routes = routes;
    opts.nroutes = sizeof(routes) / sizeof(routes[0]);
    opts.state = f;
    opts.before = before;
    opts.after = after;
    opts.max_body_bytes = 256 * 1024;
    opts.max_header_bytes = 1024;
    kt_served_start(&f->s, &opts);
    *state = f;
    return 0;
}

static void url_names_loopback_and_the_bound_port(void **state)
{
    struct fixture *f = *state;
    char want[64];

    assert_true(km_server_port(f->s.server) > 0);
    snprintf(want, sizeof(want), "http://127.0.0.1:%u",
             (unsigned)km_server_port(f->s.server));
    assert_string_equal(km_server_url(f->s.server), want);
    assert_string_equal(km_server_name(f->s.server), "test");
    assert_ptr_equal(km_server_clock(f->s.server), f->s.clock);
}

static void matched_route_answers_after_before_and_after_hooks(void **state)
{
    struct fixture *f = *state;
    struct kt_reply r;
    char *after_hdr;

    kt_http_get(&r, km_server_url(f->s.server), "/ping");
    assert_int_equal(r.cc, CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "pong");
    after_hdr = kt_reply_header(&r, "X-After");
    assert_string_equal(after_hdr, "200");
    assert_string_equal(f->calls, "BHA");
    free(after_hdr);
    kt_reply_dispose(&r);
}

static void captures_args_and_headers_reach_the_handler(void **state)
{
    struct fixture *f = *state;
    const char *hdrs[] = {"X-Trace: t-1", NULL};
    struct kt_request rq = {.headers = hdrs};
    struct kt_reply r;
    char url[256];
    cJSON *o;

    snprintf(url, sizeof(url), "%s/items/A%%2057?q=a+b%%26c&z=1",
             km_server_url(f->s.server));
    kt_http(&r, url, &rq);
    assert_int_equal(r.status, 200);
    o = cJSON_Parse(r.body);
    assert_non_null(o);
    assert_string_equal(cJSON_GetObjectItem(o, "id")->valuestring, "A 57");
    assert_int_equal(cJSON_GetObjectItem(o, "ncaptures")->valueint, 1);
    assert_string_equal(cJSON_GetObjectItem(o, "q")->valuestring, "a b&c");
    assert_string_equal(cJSON_GetObjectItem(o, "trace")->valuestring, "t-1");
    assert_string_equal(cJSON_GetObjectItem(o, "route")->valuestring,
                        "/items/{id}");
    assert_string_equal(cJSON_GetObjectItem(o, "query")->valuestring,
                        "q=a+b%26c&z=1");
    assert_string_equal(cJSON_GetObjectItem(o, "base_url")->valuestring,
                        km_server_url(f->s.server));
    assert_true(cJSON_GetObjectItem(o, "now_ms")->valuedouble ==
                (double)KT_START_MS);
    cJSON_Delete(o);
    kt_reply_dispose(&r);
}

static void args_each_visits_in_order_until_told_to_stop(void **state)
{
    struct fixture *f = *state;
    struct kt_reply r;

    kt_http_get(&r, km_server_url(f->s.server), "/args?a=1&b=2&stop=1&c=3");
    assert_string_equal(r.body, "3");
    kt_reply_dispose(&r);
}

static void any_method_route_and_first_match_win(void **state)
{
    struct fixture *f = *state;
    struct kt_request rq = {.method = "DELETE"};
    struct kt_reply r;
    char url[256];

    snprintf(url, sizeof(url), "%s/any/thing/else", km_server_url(f->s.server));
    kt_http(&r, url, &rq);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "DELETE");
    kt_reply_dispose(&r);
}

static void
unmatched_request_gets_404_or_405_naming_method_and_path(void **state)
{
    struct fixture *f = *state;
    struct kt_request rq = {.body = "{}", .len = 2};
    struct kt_reply r;
    char url[256];
    cJSON *o;

    snprintf(url, sizeof(url), "%s/ping", km_server_url(f->s.server));
    kt_http(&r, url, &rq); /* POST /ping: only GET is routed */
    assert_int_equal(r.status, 405);
    o = cJSON_Parse(r.body);
    assert_string_equal(cJSON_GetObjectItem(o, "error")->valuestring,
                        "method not allowed: POST /ping");
    cJSON_Delete(o);
    kt_reply_dispose(&r);

    snprintf(url, sizeof(url), "%s/pong", km_server_url(f->s.server));
    kt_http(&r, url, &rq);
    assert_int_equal(r.status, 404);
    o = cJSON_Parse(r.body);
    assert_string_equal(cJSON_GetObjectItem(o, "error")->valuestring,
                        "no route for POST /pong");
    cJSON_Delete(o);
    kt_reply_dispose(&r);
}

static void before_hook_answer_skips_the_route_but_not_after(void **state)
{
    struct fixture *f = *state;
    const char *hdrs[] = {"X-Deny: 1", NULL};
    struct kt_request rq = {.headers = hdrs};
    struct kt_reply r;
    char url[256], *after_hdr;

    snprintf(url, sizeof(url), "%s/ping", km_server_url(f->s.server));
    kt_http(&r, url, &rq);
    assert_int_equal(r.status, 401);
    after_hdr = kt_reply_header(&r, "X-After");
    assert_string_equal(after_hdr, "401");
    assert_string_equal(f->calls, "BA");
    free(after_hdr);
    kt_reply_dispose(&r);
}

static void handler_that_sets_nothing_yields_500(void **state)
{
    struct fixture *f = *state;
    struct kt_reply r;

    kt_http_get(&r, km_server_url(f->s.server), "/silent");
    assert_int_equal(r.status, 500);
    assert_non_null(strstr(r.body, "no reply"));
    kt_reply_dispose(&r);
}

static void body_arrives_whole_across_upload_chunks(void **state)
{
    struct fixture *f = *state;
    size_t n = 200 * 1024;
    char *big = malloc(n), url[256], *hdr;
    struct kt_request rq = {.body = big, .len = n};
    struct kt_reply r;

    assert_non_null(big);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)('a' + i % 26);
    snprintf(url, sizeof(url), "%s/echo", km_server_url(f->s.server));
    kt_http(&r, url, &rq);
    assert_int_equal(r.status, 201);
    assert_int_equal(r.len, n);
    assert_memory_equal(r.body, big, n);
    hdr = kt_reply_header(&r, "X-Json");
    assert_string_equal(hdr, "NO");
    free(hdr);
    kt_reply_dispose(&r);
    free(big);
}

static void declared_body_over_the_limit_gets_413_json(void **state)
{
    struct fixture *f = *state;
    size_t n = 300 * 1024;
    char *big = calloc(1, n), url[256];
    /* The client waits for the go-ahead, as curl does with a large body:
     * without it the 413 races the upload, and a server closing with the
     * body unread resets the connection, which may lose the reply. */
    const char *expect[] = {"Expect: 100-continue", NULL};
    struct kt_request rq = {.headers = expect, .body = big, .len = n};
    struct kt_reply r;
    cJSON *o, *j;

    assert_non_null(big);
    snprintf(url, sizeof(url), "%s/echo", km_server_url(f->s.server));
    kt_http(&r, url, &rq);
    assert_int_equal(r.status, 413);
    o = cJSON_Parse(r.body);
    assert_non_null(o);
    assert_non_null(
        strstr(cJSON_GetObjectItem(o, "error")->valuestring, "262144"));
    cJSON_Delete(o);
    kt_reply_dispose(&r);
    /* Refused before any hook or handler ran, yet journaled. */
    assert_string_equal(f->calls, "");
    j = km_server_journal(f->s.server);
    assert_int_equal(cJSON_GetArraySize(j), 1);
    assert_int_equal(
        cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "status")->valueint, 413);
    cJSON_Delete(j);
    free(big);
}

static void chunked_body_over_the_limit_gets_413(void **state)
{
    struct fixture *f = *state;
    size_t n = 300 * 1024;
    char *big = calloc(1, n), url[256];
    struct kt_request rq = {.body = big, .len = n, .chunked = 1};
    struct kt_reply r;

    assert_non_null(big);
    snprintf(url, sizeof(url), "%s/echo", km_server_url(f->s.server));
    kt_http(&r, url, &rq);
    assert_int_equal(r.cc, CURLE_OK);
    assert_int_equal(r.status, 413);
    assert_string_equal(f->calls, "");
    kt_reply_dispose(&r);

    rq.len = 1000; /* under the limit, still chunked */
    kt_http(&r, url, &rq);
    assert_int_equal(r.status, 201);
    assert_int_equal(r.len, 1000);
    kt_reply_dispose(&r);
    free(big);
}

static void headers_over_the_limit_get_431(void **state)
{
    struct fixture *f = *state;
    char big[2100], url[256];
    const char *hdrs[] = {big, NULL};
    struct kt_request rq = {.headers = hdrs};
    struct kt_reply r;

    snprintf(big, sizeof(big), "X-Big: ");
    memset(big + 7, 'h', sizeof(big) - 8);
    big[sizeof(big) - 1] = '\0';
    snprintf(url, sizeof(url), "%s/ping", km_server_url(f->s.server));
    kt_http(&r, url, &rq);
    assert_int_equal(r.status, 431);
    assert_non_null(strstr(r.body, "\"error\""));
    assert_string_equal(f->calls, "");
    kt_reply_dispose(&r);

    big[600] = '\0'; /* now within 1024 bytes */
    kt_http(&r, url, &rq);
    assert_int_equal(r.status, 200);
    kt_reply_dispose(&r);
}

static void headers_beyond_the_connection_pool_are_refused_too(void **state)
{
    struct fixture *f = *state;
    size_t n = 200 * 1024;
    char *big = malloc(n), url[256];
    const char *hdrs[] = {big, NULL};
    struct kt_request rq = {.headers = hdrs};
    struct kt_reply r;

    assert_non_null(big);
    memcpy(big, "X-Huge: ", 8);
    memset(big + 8, 'h', n - 9);
    big[n - 1] = '\0';
    snprintf(url, sizeof(url), "%s/ping", km_server_url(f->s.server));
    kt_http(&r, url, &rq);
    /* MHD itself refuses what does not fit its per-connection memory. */
    assert_true(r.status == 431 || r.cc != CURLE_OK);
    assert_string_equal(f->calls, "");
    kt_reply_dispose(&r);
    free(big);
}

static void not_found_handler_replaces_the_default_404(void **state)
{
    struct km_server_options opts;
    struct km_server *server;
    struct kt_reply r;
    char err[256];

    (void)state;
    memset(&opts, 0, sizeof(opts));
    opts.not_found = method;
    assert_int_equal(km_server_start(&server, &opts, err, sizeof(err)), 0);
    assert_string_equal(km_server_name(server), "server");
    kt_http_get(&r, km_server_url(server), "/whatever");
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "GET");
    kt_reply_dispose(&r);
    km_server_stop(server);
}

static void bad_bind_address_fails_with_a_reason(void **state)
{
    struct km_server_options opts;
    struct km_server *server = (struct km_server *)&opts;
    char err[256];

    (void)state;
    memset(&opts, 0, sizeof(opts));
    opts.name = "x";
    opts.bind_addr = "not-an-address";
    assert_int_equal(km_server_start(&server, &opts, err, sizeof(err)), -1);
    assert_null(server);
    assert_non_null(strstr(err, "not-an-address"));
    km_server_stop(NULL);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, kt_served_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(url_names_loopback_and_the_bound_port),
        T(matched_route_answers_after_before_and_after_hooks),
        T(captures_args_and_headers_reach_the_handler),
        T(args_each_visits_in_order_until_told_to_stop),
        T(any_method_route_and_first_match_win),
        T(unmatched_request_gets_404_or_405_naming_method_and_path),
        T(before_hook_answer_skips_the_route_but_not_after),
        T(handler_that_sets_nothing_yields_500),
        T(body_arrives_whole_across_upload_chunks),
        T(declared_body_over_the_limit_gets_413_json),
        T(chunked_body_over_the_limit_gets_413),
        T(headers_over_the_limit_get_431),
        T(headers_beyond_the_connection_pool_are_refused_too),
        cmocka_unit_test(not_found_handler_replaces_the_default_404),
        cmocka_unit_test(bad_bind_address_fails_with_a_reason),
    };
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
