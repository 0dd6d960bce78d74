/*
 * bench_soak: legitimate requests under hostile traffic, for a bounded
 * time, against `kinsync serve` (an emulator's port) or the webhook
 * receiver (started here in a child process of its own, so that its
 * memory is measured apart from the load). A benchmark, not a test: it
 * prints one Markdown table row and asserts nothing.
 *
 *   bench_soak receiver SECONDS
 *   bench_soak serve SECONDS PORT PID   (BigCommerce emulator's port and
 *                                        the serve process to measure)
 * With SOAK_QUIET=1 in the environment: the legitimate client alone (the
 * reference run the hostile one is compared with); SOAK_LABEL names the
 * row.
 *
 * Hostile, all the time, on 127.0.0.2 .. 127.0.0.21 (the legitimate
 * client is 127.0.0.250): SLOW slow connections (a partial header, one
 * byte a second), a flood of forged (receiver) or invalid-UTF-8 JSON
 * (serve) requests on keep-alive connections, and oversized bodies
 * (declared and never-ending chunked ones). Legitimate: one request every
 * 10 ms (a signed order delivery, or a catalogue GET), each with a 5 s
 * timeout. Reported: legitimate requests sent and answered 2xx (as a
 * fraction), latency percentiles, hostile requests sent, and the peak RSS
 * (VmHWM) of the process under load.
 */
#define _GNU_SOURCE /* strcasestr */
#include <errno.h>
#include <signal.h>
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
#include <sys/wait.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <kinsync.h>
#include "receiver.h"
#include "sock.h"

#define SLOW 1000
#define SLOW_ADDRESSES 20
#define LEGIT_HOST 250
#define LEGIT_GAP_MS 10
#define LEGIT_MAX 100000
#define BC_SECRET "soak_client_secret"
#define BC_TOKEN "km-bigcommerce-test-token"

struct soak {
    int serve; /* 0: the receiver */
    int quiet; /* no hostile traffic: the reference run */
    uint16_t port;
    int64_t end_ms;
    atomic_int stop;
    atomic_ulong hostile;
    double lat_ms[LEGIT_MAX];
    size_t sent, answered;
};

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* A BigCommerce order event, signed with key (a wrong key: forged). */
static int bc_delivery(char *out, size_t n, const char *key, long id,
                       int keep_alive)
{
    char body[400], msg[600], sig[64];
    unsigned char mac[32];
    unsigned maclen = 0;
    long long ts = (long long)time(NULL);

    snprintf(body, sizeof(body),
             "{\"scope\":\"store/order/created\",\"store_id\":\"1\",\"data\":"
             "{\"type\":\"order\",\"id\":%ld},\"created_at\":%lld,"
             "\"producer\":\"stores/abc123\"}",
             id, ts);
    snprintf(msg, sizeof(msg), "msg_%ld.%lld.%s", id, ts, body);
    HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)msg,
         strlen(msg), mac, &maclen);
    EVP_EncodeBlock((unsigned char *)sig, mac, (int)maclen);
    return snprintf(out, n,
                    "POST /webhooks/bigcommerce HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    "Connection: %s\r\nContent-Type: application/json\r\n"
                    "webhook-id: msg_%ld\r\nwebhook-timestamp: %lld\r\n"
                    "webhook-signature: v1,%s\r\nContent-Length: %zu\r\n\r\n%s",
                    keep_alive ? "keep-alive" : "close", id, ts, sig,
                    strlen(body), body);
}

/* ---- hostile traffic ----------------------------------------------------- */

static void *slow_run(void *ud)
{
    static const char start[] = "POST /webhooks/bigcommerce HTTP/1.1\r\n"
                                "Host: 127.0.0.1\r\n";
    static const char drip[] = "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
    struct soak *s = ud;
    int fds[SLOW];

    for (int i = 0; i < SLOW; i++) {
        fds[i] = kt_sock_dial(s->port, 2 + i % SLOW_ADDRESSES, 1);
        if (i % 50 == 49)
            sleep_ms(1); /* let the server accept */
    }
    atomic_fetch_add(&s->hostile, SLOW);
    sleep_ms(200);
    for (int i = 0; i < SLOW; i++)
        if (fds[i] >= 0)
            send(fds[i], start, sizeof(start) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    /* One more header byte a second each, never the end of the headers. */
    for (unsigned round = 0; !atomic_load(&s->stop); round++) {
        for (int t = 0; t < 10 && !atomic_load(&s->stop); t++)
            sleep_ms(100);
        for (int i = 0; i < SLOW; i++)
            if (fds[i] >= 0)
                send(fds[i], drip + round % (sizeof(drip) - 1), 1,
                     MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    for (int i = 0; i < SLOW; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    return NULL;
}

/* Forged deliveries (receiver) or JSON with invalid UTF-8 (serve), one
 * after another on keep-alive connections. */
static void *flood_run(void *ud)
{
    static const char bad_json[] =
        "POST /stores/abc123/v3/catalog/products HTTP/1.1\r\nHost: x\r\n"
        "X-Auth-Token: " BC_TOKEN "\r\nContent-Type: application/json\r\n"
        "Content-Length: 22\r\n\r\n{\"name\":\"\xFF\xFE\xC0\xAF\",\"x\":1}";
    struct soak *s = ud;
    char req[2048];
    int fd = -1, n = 0;

    for (long i = 1; !atomic_load(&s->stop); i++) {
        if (s->serve)
            n = snprintf(req, sizeof(req), "%s", bad_json);
        else
            n = bc_delivery(req, sizeof(req), "not_the_secret", i, 1);
        if (fd < 0 && (fd = kt_sock_dial(s->port, 22, 0)) < 0) {
            sleep_ms(10);
            continue;
        }
        if (kt_sock_send_all(fd, req, (size_t)n) != 0 ||
            kt_sock_read_status(fd) == 0) {
            close(fd);
            fd = -1;
        }
        atomic_fetch_add(&s->hostile, 1);
        sleep_ms(1);
    }
    if (fd >= 0)
        close(fd);
    return NULL;
}

/* Declared-oversized and never-ending chunked bodies, one at a time. */
static void *oversized_run(void *ud)
{
    struct soak *s = ud;
    const char *path = s->serve ? "/stores/abc123/v3/catalog/products"
                                : "/webhooks/bigcommerce";
    static char chunk[16384 + 16];
    char head[512];
    int n = snprintf(chunk, sizeof(chunk), "%x\r\n", 16384);

    memset(chunk + n, 'z', 16384);
    memcpy(chunk + n + 16384, "\r\n", 2);
    for (int k = 0; !atomic_load(&s->stop); k++) {
        int fd = kt_sock_dial(s->port, 23, 0);
        int len;

        if (fd < 0) {
            sleep_ms(10);
            continue;
        }
        len = snprintf(head, sizeof(head),
                       "POST %s HTTP/1.1\r\nHost: x\r\nX-Auth-Token: " BC_TOKEN
                       "\r\nContent-Type: application/json\r\n%s\r\n",
                       path,
                       k % 2 ? "Transfer-Encoding: chunked\r\n"
                             : "Content-Length: 1000000000\r\n");
        kt_sock_send_all(fd, head, (size_t)len);
        if (k % 2) /* up to 64 MiB, or until the server cuts it off */
            for (int c = 0; c < 4096 && !atomic_load(&s->stop); c++)
                if (kt_sock_send_all(fd, chunk, (size_t)n + 16384 + 2) != 0)
                    break;
        kt_sock_read_status(fd);
        close(fd);
        atomic_fetch_add(&s->hostile, 1);
    }
    return NULL;
}

/* ---- the legitimate client ---------------------------------------------- */

static int legit_once(struct soak *s, long id, double *ms)
{
    char req[2048];
    int n, fd, status = 0;
    struct timespec a, b;

    if (s->serve)
        n = snprintf(req, sizeof(req),
                     "GET /stores/abc123/v3/catalog/products?limit=5 HTTP/1.1"
                     "\r\nHost: x\r\nX-Auth-Token: " BC_TOKEN
                     "\r\nConnection: close\r\n\r\n");
    else
        n = bc_delivery(req, sizeof(req), BC_SECRET, id, 0);
    clock_gettime(CLOCK_MONOTONIC, &a);
    fd = kt_sock_dial(s->port, LEGIT_HOST, 0);
    if (fd >= 0 && kt_sock_send_all(fd, req, (size_t)n) == 0)
        status = kt_sock_read_status(fd);
    if (fd >= 0)
        close(fd);
    clock_gettime(CLOCK_MONOTONIC, &b);
    *ms = (double)(b.tv_sec - a.tv_sec) * 1e3 +
          (double)(b.tv_nsec - a.tv_nsec) / 1e6;
    return status >= 200 && status < 300;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double pct(const double *v, size_t n, double p)
{
    return n ? v[(size_t)((double)(n - 1) * p)] : 0;
}

/* VmHWM (peak RSS) of pid in MiB, or -1. */
static double peak_rss_mib(pid_t pid)
{
    char path[64], line[256];
    FILE *fp;
    long kib = -1;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    if (!(fp = fopen(path, "r")))
        return -1;
    while (fgets(line, sizeof(line), fp))
        if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
            break;
    fclose(fp);
    return kib < 0 ? -1 : (double)kib / 1024.0;
}

static void run(struct soak *s, pid_t target, int seconds)
{
    const char *label = getenv("SOAK_LABEL");
    pthread_t slow, flood, big;
    double rss;

    s->end_ms = now_ms() + (int64_t)seconds * 1000;
    if (!s->quiet) {
        pthread_create(&slow, NULL, slow_run, s);
        sleep_ms(1500); /* the slow connections are in place */
        pthread_create(&flood, NULL, flood_run, s);
        pthread_create(&big, NULL, oversized_run, s);
    }
    for (long id = 1; now_ms() < s->end_ms && s->sent < LEGIT_MAX; id++) {
        s->answered += legit_once(s, id, &s->lat_ms[s->sent]);
        s->sent++;
        sleep_ms(LEGIT_GAP_MS);
    }
    rss = peak_rss_mib(target); /* before the load lets go */
    atomic_store(&s->stop, 1);
    if (!s->quiet) {
        pthread_join(slow, NULL);
        pthread_join(flood, NULL);
        pthread_join(big, NULL);
    }
    qsort(s->lat_ms, s->sent, sizeof(double), cmp_double);
    printf("| %s%s | %d s | %zu | %.4f | %.2f | %.2f | %.2f | %.1f | %lu | "
           "%.1f |\n",
           label && label[0] ? label
           : s->serve        ? "serve (bigcommerce)"
                             : "receiver",
           s->quiet ? ", quiet" : "", seconds, s->sent,
           s->sent ? (double)s->answered / (double)s->sent : 0,
           pct(s->lat_ms, s->sent, 0.5), pct(s->lat_ms, s->sent, 0.9),
           pct(s->lat_ms, s->sent, 0.99), pct(s->lat_ms, s->sent, 1.0),
           atomic_load(&s->hostile), rss);
}

/* ---- the receiver, in a child ------------------------------------------ */

/* Runs a receiver with its default limits until the parent closes the
 * pipe; its port goes up the pipe first. Never returns. */
static void receiver_child(int wfd, int rfd)
{
    struct ks_client_options co = KS_CLIENT_OPTIONS_INIT;
    struct ks_bigcommerce_options bo = KS_BIGCOMMERCE_OPTIONS_INIT;
    struct kh_receiver_options o = KH_RECEIVER_OPTIONS_INIT;
    struct ks_client *client = NULL;
    struct ks_bigcommerce *bc = NULL;
    struct kh_receiver *r = NULL;
    char err[256], c;
    uint16_t port;

    if (ks_client_new(&client, &co) != KS_OK)
        _exit(1);
    bo.store_hash = "abc123";
    bo.access_token = "unused";
    bo.client_secret = BC_SECRET;
    bo.webhook_max_body = KH_RECEIVER_BODY_MAX;
    if (ks_bigcommerce_new(&bc, client, &bo) != KS_OK)
        _exit(1);
    o.bigcommerce = bc;
    if (kh_receiver_start(&r, &o, err, sizeof(err)) != 0) {
        fprintf(stderr, "bench_soak: %s\n", err);
        _exit(1);
    }
    port = kh_receiver_port(r);
    if (write(wfd, &port, sizeof(port)) != (ssize_t)sizeof(port))
        _exit(1);
    for (;;) { /* a consumer: take what is queued, every 100 ms */
        struct timeval tv = {0, 100000};
        fd_set set;
        size_t n;

        FD_ZERO(&set);
        FD_SET(rfd, &set);
        if (select(rfd + 1, &set, NULL, NULL, &tv) > 0 && read(rfd, &c, 1) <= 0)
            break;
        free(kh_receiver_drain(r, &n));
    }
    kh_receiver_stop(r);
    ks_bigcommerce_free(bc);
    ks_client_free(client);
    _exit(0);
}

static int soak_receiver(struct soak *s, int seconds)
{
    int up[2], down[2], status;
    pid_t child;
    uint16_t port;

    if (pipe(up) != 0 || pipe(down) != 0)
        return 1;
    child = fork();
    if (child == 0) {
        close(up[0]);
        close(down[1]);
        receiver_child(up[1], down[0]);
    }
    close(up[1]);
    close(down[0]);
    if (child < 0 || read(up[0], &port, sizeof(port)) != (ssize_t)sizeof(port))
        return 1;
    s->port = port;
    run(s, child, seconds);
    close(down[1]); /* the child stops */
    waitpid(child, &status, 0);
    return 0;
}

/* argv[i] as a whole number in min..max, or -1. */
static long arg_num(int argc, char **argv, int i, long min, long max)
{
    char *end;
    long v;

    if (i >= argc)
        return -1;
    errno = 0;
    v = strtol(argv[i], &end, 10);
    return errno || end == argv[i] || *end || v < min || v > max ? -1 : v;
}

int main(int argc, char **argv)
{
    struct soak *s = calloc(1, sizeof(*s));
    struct rlimit rl;
    int seconds = (int)arg_num(argc, argv, 2, 2, 3600);

    if (!s || argc < 3 || seconds < 0 ||
        (strcmp(argv[1], "serve") == 0 &&
         (argc != 5 || arg_num(argc, argv, 3, 1, 65535) < 0 ||
          arg_num(argc, argv, 4, 1, INT32_MAX) < 0)) ||
        (strcmp(argv[1], "serve") != 0 && strcmp(argv[1], "receiver") != 0)) {
        fputs("usage: bench_soak receiver SECONDS\n"
              "       bench_soak serve SECONDS PORT PID\n",
              stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    s->quiet = getenv("SOAK_QUIET") && strcmp(getenv("SOAK_QUIET"), "1") == 0;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096) {
        rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (strcmp(argv[1], "serve") == 0) {
        s->serve = 1;
        s->port = (uint16_t)arg_num(argc, argv, 3, 1, 65535);
        run(s, (pid_t)arg_num(argc, argv, 4, 1, INT32_MAX), seconds);
        free(s);
        return 0;
    }
    seconds = soak_receiver(s, seconds);
    free(s);
    return seconds;
}
