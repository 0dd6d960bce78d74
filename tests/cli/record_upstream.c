/*
 * The "real system" of cli.record-stream: a loopback HTTP server with
 * bodies as large and as slow as the test asks, to put `kinsync record`
 * in front of. Prints its port on stdout, stops on SIGTERM (exit 0).
 *
 *   GET  /big?bytes=N[&delay_ms=D][&chunked=1]  N printable bytes, the same
 *        every time, in 64 KiB blocks D ms apart; Content-Length unless
 *        chunked=1
 *   POST /sink[?delay_ms=D]  reads the body (D ms per block MHD hands
 *        over) and answers {"bytes":N,"sha256":"HEX"}
 *   ANY  /echo  answers the body (up to 4 MiB) with its Content-Type
 *   POST /token  answers {"access_token":"late-credential-7f3e9a1c5b"}
 *
 * usage: record_upstream
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <microhttpd.h>
#include <openssl/evp.h>

#define BLOCK (64 << 10)

struct request {
    EVP_MD_CTX *sha;
    uint64_t bytes;
    long delay_ms;
    char *echo;
    size_t echo_len;
};

struct big {
    uint64_t bytes;
    long delay_ms;
};

static void pause_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};

    if (ms > 0)
        nanosleep(&t, NULL);
}

/* Byte i of every /big body: printable, position-dependent. */
static char big_byte(uint64_t i)
{
    static const char a[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint64_t x = i * 2654435761u + (i >> 13);

    return (i % 77) == 76 ? '\n' : a[(x >> 7) % 64];
}

static ssize_t big_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct big *b = cls;
    size_t n = max < BLOCK ? max : BLOCK;

    if (pos >= b->bytes)
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (n > b->bytes - pos)
        n = (size_t)(b->bytes - pos);
    if (pos % BLOCK == 0)
        pause_ms(b->delay_ms);
    for (size_t i = 0; i < n; i++)
        buf[i] = big_byte(pos + i);
    return (ssize_t)n;
}

static long arg_long(struct MHD_Connection *c, const char *name)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);

    return v ? strtol(v, NULL, 10) : 0;
}

static enum MHD_Result send_text(struct MHD_Connection *c, const char *type,
                                 const char *text, size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, (void *)text, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result rc;

    MHD_add_response_header(r, "Content-Type", type);
    rc = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result finish(struct MHD_Connection *c, const char *url,
                              struct request *rq)
{
    char text[160], hex[65];
    unsigned char md[32];
    unsigned int n = 0;

    if (strcmp(url, "/big") == 0) {
        struct big *b = malloc(sizeof(*b));
        struct MHD_Response *r;
        enum MHD_Result rc;

        b->bytes = (uint64_t)arg_long(c, "bytes");
        b->delay_ms = arg_long(c, "delay_ms");
        r = MHD_create_response_from_callback(
            arg_long(c, "chunked") ? MHD_SIZE_UNKNOWN : b->bytes, BLOCK,
            big_reader, b, free);
        MHD_add_response_header(r, "Content-Type", "text/plain");
        rc = MHD_queue_response(c, MHD_HTTP_OK, r);
        MHD_destroy_response(r);
        return rc;
    }
    if (strcmp(url, "/sink") == 0) {
        EVP_DigestFinal_ex(rq->sha, md, &n);
        for (unsigned int i = 0; i < n; i++)
            snprintf(hex + 2 * i, 3, "%02x", md[i]);
        snprintf(text, sizeof(text), "{\"bytes\":%llu,\"sha256\":\"%s\"}",
                 (unsigned long long)rq->bytes, hex);
        return send_text(c, "application/json", text, strlen(text));
    }
    if (strcmp(url, "/echo") == 0) {
        const char *type =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
        return send_text(c, type ? type : "text/plain",
                         rq->echo ? rq->echo : "", rq->echo_len);
    }
    if (strcmp(url, "/token") == 0) {
        static const char tok[] =
            "{\"access_token\":\"late-credential-7f3e9a1c5b\"}";
        return send_text(c, "application/json", tok, sizeof(tok) - 1);
    }
    return send_text(c, "text/plain", "no such route", 13);
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c,
                              const char *url, const char *method,
                              const char *version, const char *data,
                              size_t *size, void **state)
{
    struct request *rq = *state;

    (void)cls, (void)method, (void)version;
    if (!rq) {
        rq = calloc(1, sizeof(*rq));
        rq->sha = EVP_MD_CTX_new();
        EVP_DigestInit_ex(rq->sha, EVP_sha256(), NULL);
        rq->delay_ms = arg_long(c, "delay_ms");
        *state = rq;
        return MHD_YES;
    }
    if (*size) {
        pause_ms(strcmp(url, "/sink") == 0 ? rq->delay_ms : 0);
        EVP_DigestUpdate(rq->sha, data, *size);
        rq->bytes += *size;
        if (strcmp(url, "/echo") == 0 && rq->echo_len + *size <= (4u << 20)) {
            rq->echo = realloc(rq->echo, rq->echo_len + *size);
            memcpy(rq->echo + rq->echo_len, data, *size);
            rq->echo_len += *size;
        }
        *size = 0;
        return MHD_YES;
    }
    return finish(c, url, rq);
}

static void completed(void *cls, struct MHD_Connection *c, void **state,
                      enum MHD_RequestTerminationCode toe)
{
    struct request *rq = *state;

    (void)cls, (void)c, (void)toe;
    if (rq) {
        EVP_MD_CTX_free(rq->sha);
        free(rq->echo);
        free(rq);
    }
    *state = NULL;
}

int main(void)
{
    struct sockaddr_in sa;
    struct MHD_Daemon *d;
    const union MHD_DaemonInfo *info;
    sigset_t set;
    int sig;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
        NULL, NULL, answer, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_END);
    if (!d)
        return 1;
    info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("%u\n", (unsigned)info->port);
    fflush(stdout);
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    return 0;
}
