/* unit.mocks.epicor.event_cut: an event function's "cut" fault: the
 * emulator sends the request headers (Content-Length of the whole body)
 * and half the body, then closes; the receiving side sees an incomplete
 * request; Epicor records "no reply", attempted once, nothing left open;
 * the fault's count runs out and the next event is delivered whole. The
 * receiver here is a raw socket, so what arrived is counted byte by byte. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include "epi_test.h"

#define CONNS 2
#define SEEN_MAX 8192

/* What one connection brought: its bytes, and whether it ended by the
 * client closing (EOF) before a whole request was read. */
struct conn_seen {
    char data[SEEN_MAX];
    size_t len;
    int eof_early;
};

struct raw_receiver {
    int fd;
    uint16_t port;
    pthread_t thread;
    struct conn_seen conn[CONNS];
};

/* Header end and the Content-Length it declares; 0 when incomplete. */
static size_t request_end(const struct conn_seen *c)
{
    const char *end = strstr(c->data, "\r\n\r\n");
    const char *cl = strstr(c->data, "Content-Length: ");

    if (!end || !cl || cl > end)
        return 0;
    return (size_t)(end + 4 - c->data) + strtoul(cl + 16, NULL, 10);
}

/* Accepts CONNS connections one after the other: reads each until a
 * whole request is in (then answers 200) or the client closes. */
static void *serve(void *ud)
{
    struct raw_receiver *r = ud;
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
                             "Connection: close\r\n\r\n";

    for (int i = 0; i < CONNS; i++) {
        struct conn_seen *c = &r->conn[i];
        int fd = accept(r->fd, NULL, NULL);
        size_t want = 0;

        if (fd < 0)
            break;
        for (;;) {
            ssize_t n = read(fd, c->data + c->len, SEEN_MAX - 1 - c->len);

            if (n <= 0) {
                c->eof_early = 1;
                break;
            }
            c->len += (size_t)n;
            c->data[c->len] = '\0';
            want = request_end(c);
            if (want && c->len >= want) {
                if (write(fd, ok, sizeof(ok) - 1) < 0)
                    c->eof_early = 1;
                break;
            }
        }
        close(fd);
    }
    return NULL;
}

static void raw_start(struct raw_receiver *r)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);

    memset(r, 0, sizeof(*r));
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    r->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(r->fd >= 0);
    assert_int_equal(bind(r->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(r->fd, 4), 0);
    assert_int_equal(getsockname(r->fd, (struct sockaddr *)&a, &len), 0);
    r->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&r->thread, NULL, serve, r), 0);
}

static const cJSON *call_of(const cJSON *snap, int event)
{
    return cJSON_GetArrayItem(
        cJSON_GetObjectItem(
            cJSON_GetArrayItem(cJSON_GetObjectItem(snap, "job_events"), event),
            "calls"),
        0);
}

static void test_cut_sends_half_the_body_and_records_no_reply(void **state)
{
    struct epi_env env;
    struct raw_receiver r;
    const struct conn_seen *cut, *whole;
    const cJSON *call;
    const char *body;
    cJSON *snap;
    char *fns;
    size_t declared, head;

    (void)state;
    epi_start_shopfloor(&env, "");
    raw_start(&r);
    fns = kx_xasprintf(
        "{\"functions\": [{\"name\": \"OEE.JobEvents\", \"event\": \"*\", "
        "\"url\": \"http://127.0.0.1:%u/webhooks/epicor\", \"timeout_ms\": "
        "5000, \"headers\": {\"X-Kinsync-Event-Secret\": \"s3\"}, "
        "\"fault\": {\"event\": \"job.released\", \"kind\": \"cut\"}}]}",
        (unsigned)r.port);
    cJSON_Delete(epi_act(&env, "set_event_functions", fns, 0));
    free(fns);
    cJSON_Delete(epi_act(&env, "release_job", "{\"job_num\":\"J2001\"}", 0));
    cJSON_Delete(epi_act(&env, "clock_in",
                         "{\"employee\":\"E100\",\"job_num\":\"J2001\","
                         "\"opr_seq\":10,\"labor_type\":\"P\"}",
                         0));
    assert_int_equal(pthread_join(r.thread, NULL), 0);
    close(r.fd);

    /* the receiving side: a whole head, half the declared body, EOF */
    cut = &r.conn[0];
    assert_non_null(strstr(cut->data, "POST /webhooks/epicor HTTP/1.1\r\n"));
    assert_non_null(strstr(cut->data, "X-Kinsync-Event-Secret: s3\r\n"));
    assert_non_null(strstr(cut->data, "Content-Type: application/json\r\n"));
    declared = request_end(cut);
    assert_true(declared > 0);
    head = (size_t)(strstr(cut->data, "\r\n\r\n") + 4 - cut->data);
    assert_int_equal(cut->eof_early, 1);
    assert_true(cut->len < declared);
    assert_int_equal(cut->len - head, (declared - head) / 2);
    assert_memory_equal(cut->data + head, "{\"event\":\"job.released\"", 23);

    /* the next event: the fault was used up, the body arrives whole */
    whole = &r.conn[1];
    assert_int_equal(whole->eof_early, 0);
    assert_int_equal(whole->len, request_end(whole));
    body = strstr(whole->data, "\r\n\r\n") + 4;
    assert_non_null(strstr(body, "\"event\":\"operation.started\""));

    /* Epicor's side: no reply, once, nothing open; then delivered */
    snap = epi_snapshot(&env);
    call = call_of(snap, 0);
    assert_string_equal(kx_json_str(call, "outcome"), "no reply");
    assert_int_equal(kx_json_num(call, "attempts", 0), 1);
    assert_int_equal(kx_json_num(call, "status", -1), 0);
    assert_non_null(strstr(kx_json_str_or(call, "error", ""), "cut"));
    assert_string_equal(kx_json_str(call_of(snap, 1), "outcome"), "delivered");
    assert_int_equal(kx_json_num(snap, "open_event_calls", -1), 0);
    assert_int_equal(
        cJSON_GetArraySize(cJSON_GetObjectItem(snap, "job_events")), 2);
    cJSON_Delete(snap);
    epi_stop(&env);
}

static void test_fault_is_checked(void **state)
{
    static const char *const bad[] = {
        "{\"event\": \"*\", \"kind\": \"reset\"}",
        "{\"event\": \"job.nope\", \"kind\": \"cut\"}",
        "{\"event\": \"*\", \"kind\": \"cut\", \"times\": 0}",
        "{\"event\": \"*\", \"kind\": \"cut\", \"after\": 1}",
        "\"cut\"",
    };
    struct epi_env env;

    (void)state;
    epi_start_shopfloor(&env, "");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *fns = kx_xasprintf("{\"functions\": [{\"event\": \"*\", \"url\": "
                                 "\"http://127.0.0.1:9/x\", \"fault\": %s}]}",
                                 bad[i]);

        cJSON_Delete(epi_act(&env, "set_event_functions", fns, -1));
        free(fns);
    }
    epi_stop(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cut_sends_half_the_body_and_records_no_reply),
        cmocka_unit_test(test_fault_is_checked),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
