/*
 * km_server against hostile clients over raw loopback sockets: a chunked
 * body that never ends, bytes that are not UTF-8 in the path, query,
 * headers and body, the per-address connection limit and the idle
 * timeout. Each test stops itself within a bounded time and byte count.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <kx/utf8.h>
#include "common/server_int.h"
#include "kt.h"
#include "sock.h"

#define MAX_BODY 4096
#define OFFERED                                                                \
    ((size_t)64 << 20) /* what a never-ending body sends at most               \
                        */

static void item(struct km_response *res, const struct km_request *req,
                 void *state)
{
    cJSON *o = cJSON_CreateObject();
    const char *q = km_request_arg(req, "q");
    const char *h = km_request_header(req, "X-Name");

    (void)state;
    cJSON_AddStringToObject(o, "id", req->captures[0]);
    cJSON_AddStringToObject(o, "q", q ? q : "");
    cJSON_AddStringToObject(o, "header", h ? h : "");
    km_response_json(res, 200, o);
}

static void parse(struct km_response *res, const struct km_request *req,
                  void *state)
{
    cJSON *json = km_request_json(req);

    (void)state;
    if (!json)
        km__response_error(res, 400, "invalid JSON");
    else
        km_response_json(res, 200, json);
}

static const struct km_route routes[] = {
    {"GET", "/items/{id}", item},
    {"POST", "/parse", parse},
};

static int setup(void **state)
{
    struct kt_served *s = calloc(1, sizeof(*s));
    struct km_server_options opts;

    assert_non_null(s);
    memset(&opts, 0, sizeof(opts));
    opts.name = "limits";
    opts.routes = routes;
    opts.nroutes = sizeof(routes) / sizeof(routes[0]);
    opts.max_body_bytes = MAX_BODY;
    kt_served_start(s, &opts);
    *state = s;
    return 0;
}

/* A blocking socket to the server from 127.0.0.1 (sock.h). */
static int dial(const struct kt_served *s)
{
    int fd = kt_sock_dial(km_server_port(s->server), 1, 0);

    assert_true(fd >= 0);
    return fd;
}

/* Sends req and reads the whole answer (the server closes: Connection:
 * close) into buf; its length. */
static size_t exchange(const struct kt_served *s, const char *req, size_t len,
                       char *buf, size_t bufsz)
{
    int fd = dial(s);
    size_t got = 0;
    ssize_t k;

    assert_int_equal(kt_sock_send_all(fd, req, len), 0);
    while (got < bufsz - 1 && (k = recv(fd, buf + got, bufsz - 1 - got, 0)) > 0)
        got += (size_t)k;
    buf[got] = '\0';
    close(fd);
    return got;
}

static void never_ending_chunked_body_is_cut_off(void **state)
{
    static const char head[] = "POST /parse HTTP/1.1\r\nHost: x\r\n"
                               "Transfer-Encoding: chunked\r\n\r\n";
    static char chunk[16384 + 16];
    struct kt_served *s = *state;
    int fd = dial(s), n;
    size_t sent = 0;
    cJSON *j;

    n = snprintf(chunk, sizeof(chunk), "%x\r\n", 16384);
    memset(chunk + n, 'z', 16384);
    memcpy(chunk + n + 16384, "\r\n", 2);
    assert_int_equal(kt_sock_send_all(fd, head, sizeof(head) - 1), 0);
    while (sent < OFFERED &&
           kt_sock_send_all(fd, chunk, (size_t)n + 16384 + 2) == 0)
        sent += 16384;
    close(fd);
    printf("# a never-ending chunked body: cut off after %zu KiB sent "
           "(limit %d bytes)\n",
           sent >> 10, MAX_BODY);
    assert_true(sent < OFFERED);
    /* Journaled as an exchange without a reply. */
    j = km_server_journal(s->server);
    assert_int_equal(cJSON_GetArraySize(j), 1);
    assert_int_equal(
        cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "status")->valueint, 0);
    cJSON_Delete(j);
}

/* Every byte that is not UTF-8 reaches handlers and the journal as
 * U+FFFD; a JSON body with one is refused; all that prints as JSON parses
 * again. */
static void invalid_utf8_is_refused_or_repaired_never_echoed(void **state)
{
    static const char get[] = "GET /items/a%FFb?q=%C3%28 HTTP/1.1\r\n"
                              "Host: x\r\nX-Name: n\xFEm\r\n"
                              "Connection: close\r\n\r\n";
    static const char post[] = "POST /parse HTTP/1.1\r\nHost: x\r\n"
                               "Content-Type: application/json\r\n"
                               "Content-Length: 11\r\n"
                               "Connection: close\r\n\r\n"
                               "{\"a\":\"\xC0\xAF\xFF\"}";
    struct kt_served *s = *state;
    char buf[4096], *body, *printed;
    cJSON *j;

    exchange(s, get, sizeof(get) - 1, buf, sizeof(buf));
    assert_non_null(strstr(buf, "HTTP/1.1 200"));
    body = strstr(buf, "\r\n\r\n") + 4;
    assert_true(kx_utf8_valid(body, strlen(body)));
    j = cJSON_Parse(body);
    assert_non_null(j);
    assert_string_equal(cJSON_GetObjectItem(j, "id")->valuestring,
                        "a\xEF\xBF\xBD"
                        "b");
    assert_string_equal(cJSON_GetObjectItem(j, "q")->valuestring,
                        "\xEF\xBF\xBD(");
    assert_string_equal(cJSON_GetObjectItem(j, "header")->valuestring,
                        "n\xEF\xBF\xBDm");
    cJSON_Delete(j);

    exchange(s, post, sizeof(post) - 1, buf, sizeof(buf));
    assert_non_null(strstr(buf, "HTTP/1.1 400"));

    j = km_server_journal(s->server);
    printed = cJSON_PrintUnformatted(j);
    assert_true(kx_utf8_valid(printed, strlen(printed)));
    assert_non_null(strstr(printed, "{\\\"a\\\":\\\"\xEF\xBF\xBD"));
    cJSON_Delete(j);
    j = cJSON_Parse(printed); /* it is JSON still */
    assert_non_null(j);
    assert_int_equal(cJSON_GetArraySize(j), 2);
    cJSON_Delete(j);
    cJSON_free(printed);
}

/* Replaces the fixture's server by one started under limits l (they apply
 * to servers started afterwards), then restores the defaults. */
static struct kt_served *restart_with(void **state,
                                      const struct km_server_limits *l)
{
    struct km_server_limits d = KM_SERVER_LIMITS_DEFAULT;

    kt_served_teardown(state);
    km_server_set_limits(l);
    setup(state);
    km_server_set_limits(&d);
    return *state;
}

/* 1 when the server closed fd within about 5 s (recv sees the end). */
static int closed_by_server(int fd)
{
    char c;
    ssize_t k = recv(fd, &c, 1, 0);

    return k == 0 || (k < 0 && errno == ECONNRESET);
}

static void connections_past_the_per_address_limit_are_closed(void **state)
{
    struct km_server_limits l = {0, 2, 0, 0};
    struct kt_served *s = restart_with(state, &l);
    int a, b, c;

    a = dial(s);
    b = dial(s);
    nanosleep(&(struct timespec){0, 100 * 1000000L}, NULL);
    c = dial(s); /* the kernel completes it; the server closes it */
    assert_true(closed_by_server(c));
    close(a);
    nanosleep(&(struct timespec){0, 200 * 1000000L}, NULL);
    close(c);
    c = dial(s); /* a slot is free again: served */
    {
        static const char req[] = "GET /items/1 HTTP/1.1\r\nHost: x\r\n\r\n";

        assert_int_equal(kt_sock_send_all(c, req, sizeof(req) - 1), 0);
    }
    {
        char buf[64];
        ssize_t k = recv(c, buf, sizeof(buf) - 1, 0);

        assert_true(k > 12);
        assert_memory_equal(buf, "HTTP/1.1 200", 12);
    }
    close(b);
    close(c);
}

static void idle_connections_are_closed_after_the_timeout(void **state)
{
    struct km_server_limits l = {0, 0, 1, 0};
    struct kt_served *s = restart_with(state, &l);
    struct timespec t0, t1;
    int fd;

    fd = dial(s);
    assert_int_equal(kt_sock_send_all(fd, "GET /items/1 HTTP/1.1\r\n", 23), 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_true(closed_by_server(fd)); /* before the 5 s receive timeout */
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(t1.tv_sec - t0.tv_sec < 5);
    close(fd);
}

/* A request to /items/1 with a long query and header lines of about
 * total bytes of name + value in all, closing the connection after the
 * answer; the answer's text in buf. */
static void headers_of(const struct kt_served *s, size_t total, char *buf,
                       size_t bufsz)
{
    size_t cap = total + 8192, n = 0;
    char *req = malloc(cap);
    char q[2048];

    assert_non_null(req);
    memset(q, 'q', sizeof(q) - 1);
    q[sizeof(q) - 1] = '\0';
    n += (size_t)snprintf(req, cap,
                          "GET /items/1?q=%s HTTP/1.1\r\nHost: x\r\n"
                          "Connection: close\r\n",
                          q);
    for (int i = 0; total > 0; i++) {
        size_t v = total < 400 ? total : 400; /* 8 of it the name */
        n += (size_t)snprintf(req + n, cap - n, "X-Pad%03d: %.*s\r\n", i,
                              (int)(v > 8 ? v - 8 : 1), q);
        total -= v;
    }
    n += (size_t)snprintf(req + n, cap - n, "\r\n");
    exchange(s, req, n, buf, bufsz);
    free(req);
}

/* The connection memory is sized for the header limit: a header block
 * just under the default 16 KiB is served and one just over it gets the
 * server's own 431 (JSON naming the limit), not libmicrohttpd's. */
static void default_header_limit_is_answered_by_the_server(void **state)
{
    struct kt_served *s = *state;
    static char buf[8192];

    headers_of(s, (16u << 10) - 600, buf, sizeof(buf));
    assert_non_null(strstr(buf, "HTTP/1.1 200"));
    headers_of(s, (16u << 10) + 600, buf, sizeof(buf));
    assert_non_null(strstr(buf, "HTTP/1.1 431"));
    assert_non_null(strstr(buf, "request headers larger than 16384 bytes"));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, kt_served_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(never_ending_chunked_body_is_cut_off),
        T(invalid_utf8_is_refused_or_repaired_never_echoed),
        T(connections_past_the_per_address_limit_are_closed),
        T(idle_connections_are_closed_after_the_timeout),
        T(default_header_limit_is_answered_by_the_server),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
