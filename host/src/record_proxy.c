/*
 * The streaming proxy of `kinsync record`: one libmicrohttpd daemon per
 * system, a thread per connection, and per exchange one upstream thread
 * running libcurl. Bodies cross between them through two bounded pipes
 * (KH__RECORD_PIPE bytes each), so memory does not grow with a body:
 *
 *   client --MHD upload--> up pipe --curl read callback--> target
 *   client <--MHD content reader-- down pipe <--curl write callback-- target
 *
 * Back-pressure is waiting: both sides run on threads of their own (MHD's
 * connection thread, the transfer's thread), so a full pipe makes the
 * writer wait on the exchange's condition variable (curl stops reading
 * the upstream socket meanwhile, TCP's window does the rest) and an empty
 * one makes the reader wait; in thread-per-connection mode MHD allows its
 * callbacks to block (returning 0 would spin). Every wait gives up after
 * KH__RECORD_STALL_S without progress, or when the recorder stops.
 * The first body_max bytes of each body are kept for the HAR.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <kx/alloc.h>
#include <kx/buf.h>
#include <kx/json.h>
#include <kx/net.h>
#include <kx/time.h>
#include "record.h"

/* MHD's memory per connection: the request's header block and the
 * buffer uploads are read into. Larger than its 32 KiB default, so an
 * upload crosses the pipe in fewer, larger blocks (at 32 KiB an upload
 * through record ran at half the speed of one straight to the target). */
#define RECORD_CONNECTION_POOL (256 << 10)

/* One direction of an exchange: a ring of KH__RECORD_PIPE bytes. */
struct pipe {
    char *ring;
    size_t head, len;
    int eof;    /* the writer is done */
    int closed; /* the reader is gone: writes are dropped */
};

struct exchange {
    struct kh__rec_system *sys;
    pthread_mutex_t lock; /* everything below the line, and both pipes */
    pthread_cond_t cond;  /* broadcast on every change */
    char *uri, *path, *query, *method;
    int64_t wall_ms;
    cJSON *sent, *got; /* header objects, journal form */
    struct curl_slist *send;
    struct kx_buf req_keep, res_keep; /* the HAR's prefixes */
    uint64_t req_size, res_size;
    int started, queued;
    CURL *curl;
    pthread_t upstream;
    /* ---- under lock ---- */
    struct pipe up, down;
    int headers_done, done, aborted;
    long status;
    curl_off_t length; /* upstream Content-Length, -1 unknown */
    CURLcode rc;
    char err[CURL_ERROR_SIZE];
};

/* Headers that describe one hop, not the exchange. */
static int hop(const char *name)
{
    static const char *const skip[] = {
        "Host",       "Content-Length", "Connection",      "Transfer-Encoding",
        "Keep-Alive", "Expect",         "Accept-Encoding", "Date"};

    for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++) {
        if (strcasecmp(name, skip[i]) == 0)
            return 1;
    }
    return 0;
}

static void keep(struct kx_buf *b, size_t max, const char *data, size_t n)
{
    if (b->len < max)
        kx_buf_add(b, data, n < max - b->len ? n : max - b->len);
}

/* Waits on x->cond for at most a second (lock held); 0, or -1 when the
 * exchange should be given up: the recorder stops or since has passed
 * KH__RECORD_STALL_S ago. */
static int wait_a_while(struct exchange *x, int64_t since)
{
    struct timespec t;

    if (atomic_load(&x->sys->rec->stopping) ||
        kx_monotonic_ms() - since > KH__RECORD_STALL_S * 1000)
        return -1;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += 1;
    pthread_cond_timedwait(&x->cond, &x->lock, &t);
    return 0;
}

/* Copies n bytes into p, waiting for room (lock held). 0, or -1 when the
 * other side is gone (aborted), stalled or the recorder stops. */
static int pipe_put(struct exchange *x, struct pipe *p, const char *data,
                    size_t n)
{
    int64_t since = kx_monotonic_ms();

    while (n) {
        size_t tail, room, k;

        if (x->aborted)
            return -1;
        if (p->closed)
            return 0;
        if (p->len == KH__RECORD_PIPE) {
            if (wait_a_while(x, since) != 0)
                return -1;
            continue;
        }
        tail = (p->head + p->len) % KH__RECORD_PIPE;
        room = KH__RECORD_PIPE - p->len;
        k = n < room ? n : room;
        k = k < KH__RECORD_PIPE - tail ? k : KH__RECORD_PIPE - tail;
        memcpy(p->ring + tail, data, k);
        p->len += k;
        data += k;
        n -= k;
        since = kx_monotonic_ms();
        pthread_cond_broadcast(&x->cond);
    }
    return 0;
}

/* Takes up to max bytes out of p (lock held, p->len > 0). */
static size_t pipe_take(struct exchange *x, struct pipe *p, char *out,
                        size_t max)
{
    size_t k = p->len < max ? p->len : max;

    k = k < KH__RECORD_PIPE - p->head ? k : KH__RECORD_PIPE - p->head;
    memcpy(out, p->ring + p->head, k);
    p->head = (p->head + k) % KH__RECORD_PIPE;
    p->len -= k;
    pthread_cond_broadcast(&x->cond);
    return k;
}

/* ---- the upstream side (the transfer's thread) ------------------------ */

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
    struct exchange *x = ud;
    size_t len = size * n, colon;
    char *name, *value;

    if (x->headers_done) /* trailers: the reply's headers are gone */
        return len;
    if (strncmp(data, "HTTP/", 5) == 0) { /* a new block (after a 1xx) */
        cJSON_Delete(x->got);
        if (!(x->got = cJSON_CreateObject()))
            abort();
        return len;
    }
    if (len <= 2 && strspn(data, "\r\n") == len) { /* end of a block */
        long status = 0;

        curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
        if (status >= 200) {
            pthread_mutex_lock(&x->lock);
            x->status = status;
            curl_easy_getinfo(x->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
                              &x->length);
            x->headers_done = 1;
            pthread_cond_broadcast(&x->cond);
            pthread_mutex_unlock(&x->lock);
        }
        return len;
    }
    colon = strcspn(data, ":");
    if (colon >= len)
        return len;
    name = kx_xstrndup(data, colon);
    value = kx_xstrndup(data + colon + 1, len - colon - 1);
    for (size_t e = strlen(value); e && strchr("\r\n \t", value[e - 1]); e--)
        value[e - 1] = '\0';
    if (!hop(name)) {
        cJSON_DeleteItemFromObjectCaseSensitive(x->got, name);
        if (!cJSON_AddStringToObject(x->got, name,
                                     value + strspn(value, " \t")))
            abort();
    }
    free(name);
    free(value);
    return len;
}

/* The response body: kept for the HAR, then into the down pipe. */
static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    struct exchange *x = ud;
    size_t len = size * n;
    int rc;

    keep(&x->res_keep, x->sys->rec->body_max, data, len);
    x->res_size += len;
    pthread_mutex_lock(&x->lock);
    rc = pipe_put(x, &x->down, data, len);
    pthread_mutex_unlock(&x->lock);
    return rc == 0 ? len : 0; /* 0: curl ends the transfer */
}

/* The request body, out of the up pipe. */
static size_t on_read(char *out, size_t size, size_t n, void *ud)
{
    struct exchange *x = ud;
    int64_t since = kx_monotonic_ms();
    size_t got = 0;

    pthread_mutex_lock(&x->lock);
    while (!x->up.len && !x->up.eof && !x->aborted &&
           wait_a_while(x, since) == 0)
        ;
    if (x->up.len)
        got = pipe_take(x, &x->up, out, size * n);
    else if (!x->up.eof)
        got = CURL_READFUNC_ABORT;
    pthread_mutex_unlock(&x->lock);
    return got;
}

/* Ends a transfer that waits on nothing in particular (connecting) once
 * the client is gone or the recorder stops. */
static int on_progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t c,
                       curl_off_t d)
{
    struct exchange *x = ud;
    int gone;

    (void)a, (void)b, (void)c, (void)d;
    pthread_mutex_lock(&x->lock);
    gone = x->aborted || atomic_load(&x->sys->rec->stopping);
    pthread_mutex_unlock(&x->lock);
    return gone;
}

static void *upstream(void *ud)
{
    struct exchange *x = ud;
    CURLcode rc = curl_easy_perform(x->curl);

    pthread_mutex_lock(&x->lock);
    x->rc = rc;
    if (!x->headers_done)
        curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &x->status);
    x->done = 1;
    x->down.eof = 1;
    x->up.closed = 1; /* the rest of an upload goes nowhere */
    pthread_cond_broadcast(&x->cond);
    pthread_mutex_unlock(&x->lock);
    return NULL;
}

/* ---- the client side (MHD's connection thread) ------------------------ */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct exchange *x = kx_xcalloc(1, sizeof(*x));

    (void)conn;
    x->sys = cls;
    x->uri = kx_xstrdup(uri ? uri : "/");
    x->wall_ms = kx_wall_ms();
    x->length = -1;
    pthread_mutex_init(&x->lock, NULL);
    pthread_cond_init(&x->cond, NULL);
    if (!(x->sent = cJSON_CreateObject()) || !(x->got = cJSON_CreateObject()))
        abort();
    return x;
}

static void exchange_free(struct exchange *x)
{
    if (!x)
        return;
    if (x->curl)
        curl_easy_cleanup(x->curl);
    curl_slist_free_all(x->send);
    cJSON_Delete(x->sent);
    cJSON_Delete(x->got);
    kx_buf_reset(&x->req_keep);
    kx_buf_reset(&x->res_keep);
    free(x->up.ring);
    free(x->down.ring);
    free(x->uri);
    free(x->path);
    free(x->query);
    free(x->method);
    pthread_cond_destroy(&x->cond);
    pthread_mutex_destroy(&x->lock);
    free(x);
}

/* The path as sent upstream: percent-encoded again. */
static char *encode_path(const char *path)
{
    struct kx_buf b = KX_BUF_INIT;

    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
            (*p >= '0' && *p <= '9') || strchr("/-._~:@!$&'()*+,;=", *p))
            kx_buf_add(&b, p, 1);
        else
            kx_buf_printf(&b, "%%%02X", *p);
    }
    return kx_buf_detach(&b);
}

static enum MHD_Result forward_header(void *cls, enum MHD_ValueKind kind,
                                      const char *name, const char *value)
{
    struct exchange *x = cls;
    struct curl_slist *l;
    char *line;

    (void)kind;
    value = value ? value : "";
    if (!cJSON_AddStringToObject(x->sent, name, value))
        abort();
    if (hop(name))
        return MHD_YES;
    line = kx_xasprintf("%s: %s", name, value);
    l = curl_slist_append(x->send, line);
    free(line);
    if (!l)
        abort();
    x->send = l;
    return MHD_YES;
}

/* The transfer, configured from the request line and headers, started
 * on its own thread before any of the body has arrived. */
static void start_upstream(struct exchange *x, struct MHD_Connection *conn,
                           const char *url, const char *method)
{
    const char *cl = MHD_lookup_connection_value(
        conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *te = MHD_lookup_connection_value(
        conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    const char *q = strchr(x->uri, '?');
    char *target;

    x->method = kx_xstrdup(method);
    x->up.ring = kx_xmalloc(KH__RECORD_PIPE);
    x->down.ring = kx_xmalloc(KH__RECORD_PIPE);
    x->path = encode_path(url && *url ? url : "/");
    x->query = kx_xstrdup(q ? q + 1 : "");
    MHD_get_connection_values(conn, MHD_HEADER_KIND, forward_header, x);
    if (!(x->send = curl_slist_append(x->send, "Expect:")) ||
        !(x->curl = curl_easy_init()))
        abort();
    target = kx_xasprintf("%s%s%s%s", x->sys->target, x->path,
                          *x->query ? "?" : "", x->query);
    curl_easy_setopt(x->curl, CURLOPT_URL, target);
    free(target);
    curl_easy_setopt(x->curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(x->curl, CURLOPT_HTTPHEADER, x->send);
    curl_easy_setopt(x->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(x->curl, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(x->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(x->curl, CURLOPT_LOW_SPEED_TIME, (long)KH__RECORD_STALL_S);
    curl_easy_setopt(x->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(x->curl, CURLOPT_ERRORBUFFER, x->err);
    curl_easy_setopt(x->curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(x->curl, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(x->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(x->curl, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(x->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(x->curl, CURLOPT_XFERINFODATA, x);
    curl_easy_setopt(x->curl, CURLOPT_NOPROGRESS, 0L);
    if (x->sys->rec->cacert)
        curl_easy_setopt(x->curl, CURLOPT_CAINFO, x->sys->rec->cacert);
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(x->curl, CURLOPT_NOBODY, 1L);
        x->up.eof = 1;
    } else if (cl || te || strcmp(method, "GET") != 0) {
        /* the body as it arrives: its length when the client said it,
         * else chunked */
        curl_off_t n = cl ? (curl_off_t)strtoll(cl, NULL, 10) : -1;

        curl_easy_setopt(x->curl, CURLOPT_POST, 1L);
        curl_easy_setopt(x->curl, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(x->curl, CURLOPT_READDATA, x);
        curl_easy_setopt(x->curl, CURLOPT_POSTFIELDSIZE_LARGE, n);
    } else {
        x->up.eof = 1;
    }
    if (pthread_create(&x->upstream, NULL, upstream, x) != 0)
        abort();
    x->started = 1;
}

/* The response body for MHD, out of the down pipe. */
static ssize_t on_content(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct exchange *x = cls;
    int64_t since = kx_monotonic_ms();
    ssize_t got;

    (void)pos;
    pthread_mutex_lock(&x->lock);
    while (!x->down.len && !x->down.eof && wait_a_while(x, since) == 0)
        ;
    if (x->down.len)
        got = (ssize_t)pipe_take(x, &x->down, buf, max);
    else if (x->down.eof && x->rc == CURLE_OK)
        got = MHD_CONTENT_READER_END_OF_STREAM;
    else
        got = MHD_CONTENT_READER_END_WITH_ERROR;
    pthread_mutex_unlock(&x->lock);
    return got;
}

static const char upstream_failed[] =
    "{\"error\":\"kinsync record: the target did not answer\"}";

/* Once the whole request is in: waits for the reply's headers and
 * queues the reply, its body streamed by on_content. */
static enum MHD_Result reply(struct exchange *x, struct MHD_Connection *conn)
{
    int64_t since = kx_monotonic_ms();
    struct MHD_Response *mr;
    enum MHD_Result ret;
    const cJSON *h;

    pthread_mutex_lock(&x->lock);
    x->up.eof = 1;
    pthread_cond_broadcast(&x->cond);
    while (!x->headers_done && !x->done && wait_a_while(x, since) == 0)
        ;
    if (!x->headers_done) {
        x->aborted = !x->done; /* stalled: the transfer ends */
        pthread_cond_broadcast(&x->cond);
        pthread_mutex_unlock(&x->lock);
        mr = MHD_create_response_from_buffer(strlen(upstream_failed),
                                             (void *)upstream_failed,
                                             MHD_RESPMEM_PERSISTENT);
        if (!mr)
            return MHD_NO;
        MHD_add_response_header(mr, "Content-Type", "application/json");
        ret = MHD_queue_response(conn, MHD_HTTP_BAD_GATEWAY, mr);
        MHD_destroy_response(mr);
        return ret;
    }
    /* HEAD, 204 and 304 have no body: MHD sends none (it does not call
     * on_content) and whatever the target sends is dropped; the length
     * still says what a GET would get. */
    if (strcmp(x->method, "HEAD") == 0 || x->status == 204 || x->status == 304)
        x->down.closed = 1;
    pthread_cond_broadcast(&x->cond);
    pthread_mutex_unlock(&x->lock);
    mr = MHD_create_response_from_callback(x->length >= 0 ? (uint64_t)x->length
                                                          : MHD_SIZE_UNKNOWN,
                                           64 << 10, on_content, x, NULL);
    if (!mr)
        return MHD_NO;
    cJSON_ArrayForEach(h, x->got)
    {
        MHD_add_response_header(mr, h->string, h->valuestring);
    }
    ret = MHD_queue_response(conn, (unsigned int)x->status, mr);
    MHD_destroy_response(mr);
    return ret;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn,
                                 const char *url, const char *method,
                                 const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls)
{
    struct exchange *x = *con_cls;
    size_t n = *upload_size;
    int rc;

    (void)cls;
    (void)version;
    if (!x->started) {
        start_upstream(x, conn, url, method);
        return MHD_YES;
    }
    if (x->queued)
        return MHD_NO;
    if (n) {
        keep(&x->req_keep, x->sys->rec->body_max, upload, n);
        x->req_size += n;
        *upload_size = 0;
        pthread_mutex_lock(&x->lock);
        rc = pipe_put(x, &x->up, upload, n);
        if (rc != 0)
            x->aborted = 1;
        pthread_mutex_unlock(&x->lock);
        return rc == 0 ? MHD_YES : MHD_NO;
    }
    x->queued = 1;
    return reply(x, conn);
}

/* 1 when rc is how a transfer ends that this side cut short. */
static int cut_short(CURLcode rc)
{
    return rc == CURLE_WRITE_ERROR || rc == CURLE_READ_ERROR ||
           rc == CURLE_ABORTED_BY_CALLBACK;
}

/* The exchange is over: the transfer ends (at once when the client left
 * early), and a complete one goes into the HAR. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct exchange *x = *con_cls;
    struct kh__rec_system *sys = cls;
    cJSON *j;

    (void)conn;
    *con_cls = NULL;
    if (!x)
        return;
    if (!x->started)
        goto out;
    pthread_mutex_lock(&x->lock);
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
        x->aborted = 1;
    x->down.closed = 1;
    x->up.eof = 1;
    pthread_cond_broadcast(&x->cond);
    pthread_mutex_unlock(&x->lock);
    pthread_join(x->upstream, NULL);
    /* recorded when the target answered in full, even if the client
     * left before the end */
    if (x->rc != CURLE_OK || x->status < 100 || x->status > 599) {
        fprintf(stderr, "kinsync record: %s: %s %s: %s\n", sys->name, x->method,
                x->path,
                x->err[0] && !cut_short(x->rc) ? x->err
                : x->aborted ? "the client went away, or a side stalled"
                             : curl_easy_strerror(x->rc));
        atomic_fetch_add(&sys->failed, 1);
        goto out;
    }
    j = cJSON_CreateObject();
    if (!j || !cJSON_AddStringToObject(j, "system", sys->name) ||
        !cJSON_AddStringToObject(j, "method", x->method) ||
        !cJSON_AddStringToObject(j, "path", x->path) ||
        !cJSON_AddStringToObject(j, "query", x->query) ||
        !cJSON_AddItemReferenceToObject(j, "headers", x->sent) ||
        !cJSON_AddStringToObject(j, "body", kx_buf_str(&x->req_keep)) ||
        !cJSON_AddNumberToObject(j, "status", (double)x->status) ||
        !cJSON_AddItemReferenceToObject(j, "response_headers", x->got) ||
        !cJSON_AddStringToObject(j, "response_body",
                                 kx_buf_str(&x->res_keep)) ||
        !cJSON_AddNumberToObject(j, "wall_ms", (double)x->wall_ms))
        abort();
    kx_buf_reset(&x->req_keep); /* the HAR entry has its copies */
    kx_buf_reset(&x->res_keep);
    kh__record_append(sys, j, x->req_size, x->res_size);
    cJSON_Delete(j);
out:
    exchange_free(x);
}

int kh__record_proxy_start(struct kh__rec_system *sys, const char *bind,
                           char *err, size_t errsz)
{
    struct sockaddr_storage ss;
    const union MHD_DaemonInfo *info;
    unsigned int flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;
    int family = kx_addr_parse(&ss, bind, (uint16_t)sys->port);

    if (family < 0) {
        snprintf(err, errsz, "bad bind address \"%s\"", bind);
        return -1;
    }
    if (family == AF_INET6)
        flags |= MHD_USE_IPv6;
    sys->daemon = MHD_start_daemon(
        flags, (uint16_t)sys->port, NULL, NULL, on_access, sys,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, sys, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, sys, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)RECORD_CONNECTION_POOL, MHD_OPTION_CONNECTION_LIMIT, 64u,
        MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_END);
    if (!sys->daemon) {
        snprintf(err, errsz, "cannot listen on %s port %ld: %s", bind,
                 sys->port, strerror(errno));
        return -1;
    }
    info = MHD_get_daemon_info(sys->daemon, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(sys->url, sizeof(sys->url),
             family == AF_INET6 ? "http://[%s]:%u" : "http://%s:%u", bind,
             info ? (unsigned)info->port : (unsigned)sys->port);
    return 0;
}

void kh__record_proxy_stop(struct kh__rec_system *sys)
{
    if (sys->daemon)
        MHD_stop_daemon(sys->daemon);
    sys->daemon = NULL;
}
