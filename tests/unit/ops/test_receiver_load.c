/*
 * The webhook receiver under hostile load, over loopback with raw sockets:
 * 1,000 slow connections (slowloris: a partial header, one byte a second,
 * never finished) held while genuine deliveries are sent; 5,000 forged
 * deliveries and what they cost in log lines and wake-ups; the memory of
 * many large unauthenticated requests. Every phase stops itself within a
 * bounded time and count; the receiver runs with its default limits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "kinsync.h"
#include "receiver.h"
#include "sock.h"

#define BC_SECRET "bc_client_secret_test"
#define NOW_S 1767600000LL
#define SLOW 1000
#define GENUINE 200
#define GENUINE_GAP_MS 40 /* 200 deliveries over 8 s: past the idle timeout */
#define GENUINE_DEADLINE_MS 60000
#define FORGED 5000
#define LARGE_SENDERS 4
#define LARGE_EACH 300
#define LARGE_BODY (60u << 10)
/* Source addresses 127.0.0.N: slow clients take 2 and up, the rest these,
 * so that no client port is taken on 127.0.0.1, where other tests bind. */
#define GENUINE_HOST 250
#define LARGE_HOST 251
#define ENDLESS_HOST 252

struct fx {
    struct ks_clock *clock;
    struct ks_client *client;
    struct ks_bigcommerce *bc;
    struct kh_receiver *rcv;
    atomic_int notified;
    atomic_int log_lines;
    char last_line[512];
};

static void notify(void *userdata)
{
    struct fx *f = userdata;

    atomic_fetch_add(&f->notified, 1);
}

static void log_line(void *userdata, const char *line)
{
    struct fx *f = userdata;

    atomic_fetch_add(&f->log_lines, 1);
    snprintf(f->last_line, sizeof(f->last_line), "%s", line);
}

/* Enough descriptors for both ends of every connection. */
static void raise_nofile(void)
{
    struct rlimit rl;

    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur < 4096) {
        rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
        assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
    }
    if (rl.rlim_cur < 2 * SLOW + 200)
        skip(); /* the hard limit leaves no room for the attack */
}

static int setup(void **state)
{
    struct ks_client_options co = KS_CLIENT_OPTIONS_INIT;
    struct ks_bigcommerce_options bo = KS_BIGCOMMERCE_OPTIONS_INIT;
    struct kh_receiver_options o = KH_RECEIVER_OPTIONS_INIT;
    struct fx *f = calloc(1, sizeof(*f));
    char err[256];

    assert_non_null(f);
    raise_nofile();
    assert_int_equal(ks_clock_new_virtual(&f->clock, NOW_S * 1000), KS_OK);
    co.clock = f->clock;
    assert_int_equal(ks_client_new(&f->client, &co), KS_OK);
    bo.store_hash = "abc123";
    bo.access_token = "tok_1";
    bo.client_secret = BC_SECRET;
    assert_int_equal(ks_bigcommerce_new(&f->bc, f->client, &bo), KS_OK);
    o.bigcommerce = f->bc;
    o.notify = notify;
    o.log = log_line;
    o.userdata = f;
    assert_int_equal(kh_receiver_start(&f->rcv, &o, err, sizeof(err)), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    kh_receiver_stop(f->rcv);
    ks_bigcommerce_free(f->bc);
    ks_client_free(f->client);
    ks_clock_free(f->clock);
    free(f);
    return 0;
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- raw HTTP ----------------------------------------------------------- */

/* A socket from 127.0.0.<host> to the receiver (sock.h). */
static int dial(struct fx *f, int host, int nonblock)
{
    return kt_sock_dial(kh_receiver_port(f->rcv), host, nonblock);
}

/* A BigCommerce order event for order id, signed with key, as a whole
 * request (the caller frees it). */
static char *bc_request(const char *key, int64_t id, int keep_alive, size_t pad,
                        size_t *len)
{
    char *body = malloc(pad + 400), *msg, *req, sig[64], id_s[32];
    unsigned char mac[32];
    unsigned maclen = 0;
    int n;

    assert_non_null(body);
    n = snprintf(body, 400,
                 "{\"scope\":\"store/order/created\",\"store_id\":\"1\","
                 "\"data\":{\"type\":\"order\",\"id\":%lld},\"created_at\":"
                 "%lld,\"producer\":\"stores/abc123\",\"pad\":\"",
                 (long long)id, NOW_S);
    memset(body + n, 'x', pad);
    memcpy(body + n + pad, "\"}", 3);
    snprintf(id_s, sizeof(id_s), "msg_%lld", (long long)id);
    msg = malloc(strlen(body) + 64);
    assert_non_null(msg);
    snprintf(msg, strlen(body) + 64, "%s.%lld.%s", id_s, NOW_S, body);
    HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)msg,
         strlen(msg), mac, &maclen);
    EVP_EncodeBlock((unsigned char *)sig, mac, (int)maclen);
    req = malloc(strlen(body) + 512);
    assert_non_null(req);
    *len = (size_t)snprintf(req, strlen(body) + 512,
                            "POST /webhooks/bigcommerce HTTP/1.1\r\n"
                            "Host: 127.0.0.1\r\n"
                            "Connection: %s\r\n"
                            "Content-Type: application/json\r\n"
                            "webhook-id: %s\r\n"
                            "webhook-timestamp: %lld\r\n"
                            "webhook-signature: v1,%s\r\n"
                            "Content-Length: %zu\r\n\r\n%s",
                            keep_alive ? "keep-alive" : "close", id_s, NOW_S,
                            sig, strlen(body), body);
    free(msg);
    free(body);
    return req;
}

/* One delivery on a connection of its own; the status, 0 for none. */
static int deliver_once(struct fx *f, const char *key, int64_t id)
{
    size_t len;
    char *req = bc_request(key, id, 0, 0, &len);
    int fd = dial(f, GENUINE_HOST, 0), status = 0;

    if (fd >= 0 && kt_sock_send_all(fd, req, len) == 0)
        status = kt_sock_read_status(fd);
    if (fd >= 0)
        close(fd);
    free(req);
    return status;
}

/* ---- slow clients -------------------------------------------------------- */

struct slow {
    struct fx *f;
    int fds[SLOW];
    int addresses; /* spread over 127.0.0.2 .. 127.0.0.(1 + addresses) */
    atomic_int stop;
    pthread_t thread;
};

/* Each slow connection gets one more header byte a second, never the end
 * of its headers, which keeps it from going idle. */
static void *slow_run(void *ud)
{
    static const char drip[] = "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
    struct slow *s = ud;
    struct timespec tick = {0, 100 * 1000000L};

    for (unsigned round = 0; !atomic_load(&s->stop); round++) {
        for (int i = 0; i < SLOW; i++) {
            if (s->fds[i] >= 0)
                send(s->fds[i], drip + round % (sizeof(drip) - 1), 1,
                     MSG_NOSIGNAL | MSG_DONTWAIT);
        }
        for (int t = 0; t < 10 && !atomic_load(&s->stop); t++)
            nanosleep(&tick, NULL);
    }
    return NULL;
}

static void slow_start(struct slow *s, struct fx *f, int addresses)
{
    static const char start[] =
        "POST /webhooks/bigcommerce HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    struct timespec pause = {0, 1000000L};

    memset(s, 0, sizeof(*s));
    s->f = f;
    s->addresses = addresses;
    for (int i = 0; i < SLOW; i++) {
        s->fds[i] = dial(f, 2 + i % addresses, 1);
        if (i % 50 == 49)
            nanosleep(&pause, NULL); /* let the receiver accept */
    }
    nanosleep(&(struct timespec){0, 200 * 1000000L}, NULL);
    for (int i = 0; i < SLOW; i++) {
        if (s->fds[i] >= 0)
            send(s->fds[i], start, sizeof(start) - 1,
                 MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    assert_int_equal(pthread_create(&s->thread, NULL, slow_run, s), 0);
}

/* Stops dripping; returns how many slow connections the receiver still
 * held open. */
static int slow_stop(struct slow *s)
{
    int held = 0;
    char c;

    atomic_store(&s->stop, 1);
    pthread_join(s->thread, NULL);
    for (int i = 0; i < SLOW; i++) {
        if (s->fds[i] < 0)
            continue;
        if (recv(s->fds[i], &c, 1, MSG_PEEK | MSG_DONTWAIT) < 0 &&
            (errno == EAGAIN || errno == EWOULDBLOCK))
            held++;
        close(s->fds[i]);
    }
    return held;
}

/* Sends GENUINE signed deliveries one after another within a deadline;
 * how many were answered 200. */
static int genuine_answered(struct fx *f, int64_t first_id)
{
    int64_t deadline = now_ms() + GENUINE_DEADLINE_MS;
    struct timespec gap = {0, GENUINE_GAP_MS * 1000000L};
    int ok = 0;

    for (int i = 0; i < GENUINE && now_ms() < deadline; i++) {
        ok += deliver_once(f, BC_SECRET, first_id + i) == 200;
        nanosleep(&gap, NULL);
    }
    return ok;
}

/* ---- the tests ---------------------------------------------------------- */

/* Holds SLOW slow connections from the given number of addresses while
 * GENUINE deliveries are sent; asserts >= 99 % were answered 200 and
 * returns how many slow connections the receiver still held. */
static int genuine_answered_under_slow_clients(struct fx *f, int addresses,
                                               int64_t first_id)
{
    struct slow *s = malloc(sizeof(*s));
    int ok, held;

    assert_non_null(s);
    slow_start(s, f, addresses);
    ok = genuine_answered(f, first_id);
    held = slow_stop(s);
    free(s);
    printf("# %d slow connections from %d address%s, %d held open; "
           "%d of %d genuine deliveries answered 200\n",
           SLOW, addresses, addresses == 1 ? "" : "es", held, ok, GENUINE);
    assert_true(ok * 100 >= GENUINE * 99);
    return held;
}

static void
slow_connections_from_many_addresses_do_not_starve_deliveries(void **state)
{
    int held = genuine_answered_under_slow_clients(*state, 20, 1000);

    assert_true(held >= SLOW * 9 / 10); /* the attack was really on */
}

static void slow_connections_from_one_address_are_capped(void **state)
{
    int held = genuine_answered_under_slow_clients(*state, 1, 5000);

    assert_true(held <= KH_RECEIVER_PER_IP_LIMIT);
}

/* Forged deliveries on keep-alive connections: each is answered 401, none
 * wakes the consumer, and the log gets one summary line per interval. */
static void forged_deliveries_log_a_bounded_number_of_lines(void **state)
{
    struct fx *f = *state;
    struct kh_receiver_counts c;
    int fd = -1, unauthorised = 0;

    for (int i = 0; i < FORGED; i++) {
        size_t len;
        char *req = bc_request("not_the_secret", i + 1, 1, 0, &len);
        int status = 0;

        if (fd < 0)
            fd = dial(f, GENUINE_HOST, 0);
        if (fd >= 0 && kt_sock_send_all(fd, req, len) == 0)
            status = kt_sock_read_status(fd);
        if (status == 0 && fd >= 0) {
            close(fd); /* the server may end a keep-alive connection */
            fd = -1;
        }
        unauthorised += status == 401;
        free(req);
    }
    if (fd >= 0)
        close(fd);
    kh_receiver_counts(&c, f->rcv);
    printf("# %d forged deliveries: %d answered 401, %d log lines, %d "
           "wake-ups\n",
           FORGED, unauthorised, atomic_load(&f->log_lines),
           atomic_load(&f->notified));
    assert_true(unauthorised >= FORGED * 99 / 100);
    assert_int_equal(c.rejected, (uint64_t)unauthorised);
    assert_int_equal(atomic_load(&f->notified), 0);
    /* The first refusal is logged at once, the rest wait for the interval
     * (60 s), which this test does not reach. */
    assert_int_equal(atomic_load(&f->log_lines), 1);
    assert_non_null(strstr(f->last_line, "refused 1 webhook delivery"));
    kh_receiver_log_pending(f->rcv); /* not due yet */
    assert_int_equal(atomic_load(&f->log_lines), 1);
    kh_receiver_stop(f->rcv); /* logs the rest */
    f->rcv = NULL;
    assert_int_equal(atomic_load(&f->log_lines), 2);
    assert_non_null(strstr(f->last_line, "401: "));
}

static long rss_kib(void)
{
    FILE *fp = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;

    assert_non_null(fp);
    while (fgets(line, sizeof(line), fp))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    fclose(fp);
    return kib;
}

/* Offers a chunked body of 4 MiB that never ends (no last chunk) from
 * 127.0.0.host; the receiver must cut it off well before. */
static void send_endless_chunked(struct fx *f, int host)
{
    static const char head[] =
        "POST /webhooks/bigcommerce HTTP/1.1\r\nHost: x\r\n"
        "Transfer-Encoding: chunked\r\n\r\n";
    char chunk[8192]; /* each thread its own: they fill it at once */
    char size[16];
    int fd = dial(f, host, 0);

    if (fd < 0)
        return;
    memset(chunk, 'y', sizeof(chunk));
    kt_sock_send_all(fd, head, sizeof(head) - 1);
    snprintf(size, sizeof(size), "%zx\r\n", sizeof(chunk));
    for (int k = 0; k < 512; k++) {
        if (kt_sock_send_all(fd, size, strlen(size)) != 0 ||
            kt_sock_send_all(fd, chunk, sizeof(chunk)) != 0 ||
            kt_sock_send_all(fd, "\r\n", 2) != 0)
            break;
    }
    close(fd);
}

/* Sends LARGE_EACH unauthenticated deliveries with 60 KiB bodies on
 * keep-alive connections, plus chunked bodies that never end. */
static void *large_run(void *ud)
{
    struct fx *f = ud;
    size_t len;
    char *req = bc_request("not_the_secret", 7, 1, LARGE_BODY, &len);
    int fd = -1;

    for (int i = 0; i < LARGE_EACH; i++) {
        if (fd < 0)
            fd = dial(f, LARGE_HOST, 0);
        if (fd < 0 || kt_sock_send_all(fd, req, len) != 0 ||
            kt_sock_read_status(fd) == 0) {
            if (fd >= 0)
                close(fd);
            fd = -1;
        }
    }
    if (fd >= 0)
        close(fd);
    for (int i = 0; i < 5; i++)
        send_endless_chunked(f, LARGE_HOST);
    free(req);
    return NULL;
}

static void
memory_stays_bounded_under_large_unauthenticated_requests(void **state)
{
    struct fx *f = *state;
    pthread_t t[LARGE_SENDERS];
    struct kh_receiver_counts c;
    long before, after;

    /* Warm up: thread arenas and connection pools exist before the
     * baseline is read. */
    for (int i = 0; i < 100; i++)
        deliver_once(f, "not_the_secret", i);
    before = rss_kib();
    for (int i = 0; i < LARGE_SENDERS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, large_run, f), 0);
    for (int i = 0; i < LARGE_SENDERS; i++)
        pthread_join(t[i], NULL);
    /* Under load the endless bodies above may all meet connections the
     * receiver has not reaped yet (the per-address limit, or every
     * in-flight slot still held: answered 503 before any body is read).
     * More from an address of its own, once the others are done, until
     * one is cut: at most 20, half a second apart. */
    for (int i = 0; i < 20; i++) {
        send_endless_chunked(f, ENDLESS_HOST);
        for (int k = 0; k < 5; k++) {
            kh_receiver_counts(&c, f->rcv);
            if (c.too_big >= 1)
                break;
            nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
        }
        if (c.too_big >= 1)
            break;
    }
    after = rss_kib();
    kh_receiver_counts(&c, f->rcv);
    printf("# %d x %u KiB unauthenticated bodies + %d never-ending chunked: "
           "RSS %ld -> %ld KiB; %llu refused, %llu too big, %llu busy\n",
           LARGE_SENDERS * LARGE_EACH, LARGE_BODY >> 10, LARGE_SENDERS * 5,
           before, after, (unsigned long long)c.refused,
           (unsigned long long)c.too_big, (unsigned long long)c.busy);
    assert_true(c.rejected >= LARGE_SENDERS * LARGE_EACH * 9 / 10);
    assert_true(c.too_big >= 1);
    /* 72 MiB of bodies went through; the receiver may hold at most
     * in_flight_max bodies at once. */
    assert_true(after - before < 32 * 1024);
}

/* Past in_flight_max a delivery is answered 503 with Retry-After before
 * its body is read, and the slot returns when the holder completes. */
static void deliveries_past_in_flight_max_are_503(void **state)
{
    struct fx *f = *state;
    struct kh_receiver_options o = KH_RECEIVER_OPTIONS_INIT;
    static const char partial[] =
        "POST /webhooks/bigcommerce HTTP/1.1\r\nHost: x\r\n"
        "Content-Length: 100\r\n\r\n{\"scope\"";
    struct kh_receiver_counts c;
    char err[256], buf[512];
    size_t len;
    char *req = bc_request(BC_SECRET, 77, 0, 0, &len);
    int holder, fd;
    ssize_t k;

    kh_receiver_stop(f->rcv);
    o.bigcommerce = f->bc;
    o.in_flight_max = 1;
    o.retry_after_s = 9;
    assert_int_equal(kh_receiver_start(&f->rcv, &o, err, sizeof(err)), 0);
    holder = dial(f, GENUINE_HOST, 0);
    assert_true(holder >= 0);
    assert_int_equal(kt_sock_send_all(holder, partial, sizeof(partial) - 1), 0);
    nanosleep(&(struct timespec){0, 200 * 1000000L}, NULL);
    fd = dial(f, GENUINE_HOST, 0);
    assert_int_equal(kt_sock_send_all(fd, req, len), 0);
    k = recv(fd, buf, sizeof(buf) - 1, 0);
    assert_true(k > 0);
    buf[k] = '\0';
    assert_non_null(strstr(buf, "HTTP/1.1 503"));
    assert_non_null(strstr(buf, "Retry-After: 9\r\n"));
    close(fd);
    close(holder); /* completes: the slot is free again */
    nanosleep(&(struct timespec){0, 200 * 1000000L}, NULL);
    assert_int_equal(deliver_once(f, BC_SECRET, 77), 200);
    kh_receiver_counts(&c, f->rcv);
    assert_int_equal(c.saturated, 1);
    assert_int_equal(c.busy, 1);
    free(req);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            slow_connections_from_many_addresses_do_not_starve_deliveries,
            setup, teardown),
        cmocka_unit_test_setup_teardown(
            slow_connections_from_one_address_are_capped, setup, teardown),
        cmocka_unit_test_setup_teardown(
            forged_deliveries_log_a_bounded_number_of_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(
            memory_stays_bounded_under_large_unauthenticated_requests, setup,
            teardown),
        cmocka_unit_test_setup_teardown(deliveries_past_in_flight_max_are_503,
                                        setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
