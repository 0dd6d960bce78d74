/*
 * The libmicrohttpd plumbing of km_server: a small epoll thread pool (a
 * "hang" or "delay_ms" fault suspends its connection, wait.c, so it stalls
 * only its own client), request state collected across
 * the access-handler calls and freed in the request-completed callback,
 * limits on header and body size, replies and their journal entries. What
 * a request goes through between (before hook -> fault rules -> route ->
 * after hook) is flow.c.
 *
 * Connections are limited (km_server_limits: total, per address, idle
 * timeout), so slow clients cannot take a thread each without bound. What
 * a request carries from outside reaches handlers and the journal as valid
 * UTF-8: path, query, arguments and header values with each invalid byte
 * replaced by U+FFFD, bodies as they came (km_request_json refuses an
 * invalid one) but journaled repaired, so nothing prints invalid JSON.
 */
/* For pthread_rwlockattr_setkind_np (glibc), the server lock's writer
 * preference. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include <kx/net.h>
#include <kx/utf8.h>
#include "server_int.h"
#include "tls_int.h"

/* The limits of servers started from now on (km_server_set_limits). */
static struct km_server_limits limits = KM_SERVER_LIMITS_DEFAULT;

void km_server_set_limits(const struct km_server_limits *l)
{
    struct km_server_limits d = KM_SERVER_LIMITS_DEFAULT;

    limits.connection_limit =
        l->connection_limit ? l->connection_limit : d.connection_limit;
    limits.per_ip_connection_limit = l->per_ip_connection_limit;
    limits.connection_timeout_s = l->connection_timeout_s
                                      ? l->connection_timeout_s
                                      : d.connection_timeout_s;
    limits.threads = l->threads;
}

/* A malloc'ed copy of s[0..len) with invalid UTF-8 replaced (U+FFFD). */
static char *valid_copy(const char *s, size_t len)
{
    return kx_utf8_valid(s, len) ? kx_xstrndup(s, len)
                                 : kx_utf8_repair(s, len, NULL);
}

/* Repairs the string *p in place of itself when it is not valid UTF-8. */
static void make_valid(char **p)
{
    char *fixed;

    if (!*p || kx_utf8_valid(*p, strlen(*p)))
        return;
    fixed = kx_utf8_repair(*p, strlen(*p), NULL);
    free(*p);
    *p = fixed;
}

static int64_t wall_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- per-request state ------------------------------------------------- */

static void request_free(struct km__request_impl *ri)
{
    if (!ri)
        return;
    free(ri->uri);
    free(ri->path);
    free(ri->query);
    km__kvs_dispose(&ri->headers);
    km__kvs_dispose(&ri->args);
    free(ri->body);
    km__captures_dispose(&ri->caps);
    free(ri->route_path);
    free(ri->route_name);
    if (ri->hit) {
        km__fault_hit_dispose(ri->hit);
        free(ri->hit);
    }
    free(ri);
}

/* Called by MHD with the raw request target, before the access handler; its
 * result is the request's context, so the query string arrives verbatim. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct km_server *server = cls;
    struct km__request_impl *ri = kx_xcalloc(1, sizeof(*ri));

    (void)conn;
    ri->server = server;
    ri->uri = kx_xstrdup(uri ? uri : "/");
    ri->wall_ms = wall_now_ms();
    ri->virtual_ms = ks_clock_now_ms(server->clock);
    return ri;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    request_free(*con_cls);
    *con_cls = NULL;
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind,
                                      const char *key, const char *value)
{
    struct km__kvs *headers = cls;
    char *k = valid_copy(key, strlen(key));
    char *v = valid_copy(value ? value : "", value ? strlen(value) : 0);

    (void)kind;
    km__kvs_add(headers, k, strlen(k), v, strlen(v));
    free(k);
    free(v);
    return MHD_YES;
}

static void request_init(struct km__request_impl *ri,
                         struct MHD_Connection *conn, const char *url,
                         const char *method)
{
    const char *q = strchr(ri->uri, '?');

    ri->path = kx_xstrdup(url && url[0] ? url : "/"); /* %-decoded by MHD */
    ri->query = kx_xstrdup(q ? q + 1 : "");
    make_valid(&ri->path);
    make_valid(&ri->query);
    MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_header,
                              &ri->headers);
    km__query_parse(&ri->args, ri->query);
    for (size_t i = 0; i < ri->args.n; i++) { /* %-decoded: check again */
        make_valid(&ri->args.v[i].name);
        make_valid(&ri->args.v[i].value);
    }
    ri->req.method = method;
    ri->req.path = ri->path;
    ri->req.query = ri->query;
    ri->req.body = "";
    ri->req.base_url = ri->server->url;
    ri->req.now_ms = ri->virtual_ms;
    ri->req.impl = ri;
}

/* ---- replies ----------------------------------------------------------- */

struct km__short_body {
    char *data;
    size_t send; /* bytes sent before the connection is cut */
};

static ssize_t short_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct km__short_body *sb = cls;
    size_t n;

    if (pos >= sb->send)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    n = sb->send - (size_t)pos;
    if (n > max)
        n = max;
    memcpy(buf, sb->data + pos, n);
    return (ssize_t)n;
}

static void short_free(void *cls)
{
    struct km__short_body *sb = cls;

    free(sb->data);
    free(sb);
}

/* Queues res. Its body is handed to MHD, which frees it after sending
 * (res->body is NULL then), so a page is never copied on the way out.
 * With truncate, the reply declares the full length but only the first
 * half is sent before MHD closes the connection, so the client sees a
 * short body. */
int km__reply_queue(struct MHD_Connection *conn, struct km_response *res,
                    int truncate)
{
    struct MHD_Response *mr;
    enum MHD_Result ret;

    if (truncate) {
        struct km__short_body *sb = kx_xcalloc(1, sizeof(*sb));
        sb->data = kx_xstrndup(res->body ? res->body : "", res->len);
        sb->send = res->len / 2;
        mr = MHD_create_response_from_callback(res->len ? res->len : 16, 4096,
                                               short_reader, sb, short_free);
    } else if (res->body) {
        mr = MHD_create_response_from_buffer(res->len, res->body,
                                             MHD_RESPMEM_MUST_FREE);
        if (mr)
            res->body = NULL;
    } else {
        mr = MHD_create_response_from_buffer(0, (char *)"",
                                             MHD_RESPMEM_PERSISTENT);
    }
    if (!mr)
        return MHD_NO;
    for (size_t i = 0; i < res->headers.n; i++) {
        if (strcasecmp(res->headers.v[i].name, "Content-Length") == 0)
            continue; /* MHD computes it */
        MHD_add_response_header(mr, res->headers.v[i].name,
                                res->headers.v[i].value);
    }
    ret = MHD_queue_response(conn, (unsigned int)res->status, mr);
    MHD_destroy_response(mr);
    return ret;
}

/* Shows the request, as it came in, to the observer. The observer may be
 * set while connection threads run: the pair is read under the journal
 * lock and called without it. */
static void observe(struct km__request_impl *ri)
{
    struct km_observed_request o;
    const char **names, **values;
    km_request_observer_fn observer;
    void *observer_data;

    pthread_mutex_lock(&ri->server->journal_lock);
    observer = ri->server->observer;
    observer_data = ri->server->observer_data;
    pthread_mutex_unlock(&ri->server->journal_lock);
    if (!observer)
        return;
    names = kx_xcalloc(ri->headers.n + 1, sizeof(*names));
    values = kx_xcalloc(ri->headers.n + 1, sizeof(*values));
    for (size_t i = 0; i < ri->headers.n; i++) {
        names[i] = ri->headers.v[i].name;
        values[i] = ri->headers.v[i].value;
    }
    memset(&o, 0, sizeof(o));
    o.method = ri->req.method;
    o.path = ri->path;
    o.query = ri->query ? ri->query : "";
    o.header_names = names;
    o.header_values = values;
    o.nheaders = ri->headers.n;
    o.body = ri->req.body;
    o.body_len = ri->req.body_len;
    observer(observer_data, &o);
    free(names);
    free(values);
}

/* A form-encoded body is redacted as a query when it is journaled, which
 * needs valid UTF-8 first; any other body is repaired, as far as the
 * journal keeps it, when the journal is read (journal.c). */
static int form_encoded(const char *content_type)
{
    return content_type &&
           strncasecmp(content_type, "application/x-www-form-urlencoded", 33) ==
               0;
}

void km__exchange_journal(struct km__request_impl *ri, uint64_t seq,
                          const struct km_response *res, const char *fault)
{
    struct km__exchange x;
    char *body = NULL, *response = NULL;

    memset(&x, 0, sizeof(x));
    x.seq = seq;
    x.method = ri->req.method;
    x.path = ri->path;
    x.query = ri->query;
    x.headers = &ri->headers;
    x.content_type = km__kvs_get(&ri->headers, "Content-Type");
    x.body = ri->req.body;
    x.body_len = ri->req.body_len;
    x.status = res ? res->status : 0;
    x.response_headers = res ? &res->headers : NULL;
    x.response_body = res ? res->body : NULL;
    x.response_len = res ? res->len : 0;
    x.virtual_ms = ri->virtual_ms;
    x.wall_ms = ri->wall_ms;
    x.route = ri->route_name;
    x.fault = fault;
    observe(ri);
    if (x.body && form_encoded(x.content_type) &&
        !kx_utf8_valid(x.body, x.body_len))
        x.body = body = kx_utf8_repair(x.body, x.body_len, &x.body_len);
    if (x.response_body && x.response_headers &&
        form_encoded(km__kvs_get(x.response_headers, "Content-Type")) &&
        !kx_utf8_valid(x.response_body, x.response_len))
        x.response_body = response =
            kx_utf8_repair(x.response_body, x.response_len, &x.response_len);
    km__journal_add(ri->server, &x);
    free(body);
    free(response);
}

/* Answers without running hooks or routes (size limits). */
static enum MHD_Result reject(struct km__request_impl *ri,
                              struct MHD_Connection *conn, int status,
                              const char *what, size_t limit)
{
    struct km_response res;
    char msg[160];
    enum MHD_Result ret;

    memset(&res, 0, sizeof(res));
    snprintf(msg, sizeof(msg), "%s larger than %zu bytes", what, limit);
    km__response_error(&res, status, msg);
    km_response_header(&res, "Connection", "close");
    km__exchange_journal(ri, km__journal_next_seq(ri->server), &res, NULL);
    ri->answered = 1;
    ret = (enum MHD_Result)km__reply_queue(conn, &res, 0);
    km__response_dispose(&res);
    return ret;
}

/* The first call sees the headers only: limits are checked there so that
 * an oversized request is refused before its body is read. */
static enum MHD_Result first_call(struct km__request_impl *ri,
                                  struct MHD_Connection *conn, const char *url,
                                  const char *method)
{
    struct km_server *server = ri->server;
    const char *cl;
    size_t total = 0;
    unsigned long long declared;
    char *end;

    request_init(ri, conn, url, method);
    for (size_t i = 0; i < ri->headers.n; i++)
        total += strlen(ri->headers.v[i].name) + strlen(ri->headers.v[i].value);
    if (total > server->max_header)
        return reject(ri, conn, 431, "request headers", server->max_header);
    cl = km__kvs_get(&ri->headers, "Content-Length");
    if (cl) {
        errno = 0;
        declared = strtoull(cl, &end, 10);
        if (errno == 0 && end != cl && declared > server->max_body)
            return reject(ri, conn, 413, "request body", server->max_body);
    }
    return MHD_YES;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn,
                                 const char *url, const char *method,
                                 const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls)
{
    struct km_server *server = cls;
    struct km__request_impl *ri = *con_cls;

    (void)version;
    if (!ri) /* the URI callback always runs first; be safe anyway */
        *con_cls = ri = on_uri(server, url, conn);
    if (!ri->req.impl)
        return first_call(ri, conn, url, method);
    if (ri->waiting)
        return (enum MHD_Result)km__flow_resume(ri, conn);
    if (ri->answered) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size && ri->too_large) {
        /* libmicrohttpd 0.9 cannot answer before the body ends: the rest
         * is read and dropped for a 413, but a body that goes on past
         * twice the limit (a never-ending chunked one) loses its
         * connection, journaled without a reply. */
        ri->dropped += *upload_size;
        *upload_size = 0;
        if (ri->dropped <= server->max_body)
            return MHD_YES;
        ri->answered = 1;
        km__exchange_journal(ri, km__journal_next_seq(server), NULL, NULL);
        return MHD_NO;
    }
    if (*upload_size) {
        /* Without a Content-Length (chunked) the size is only known as it
         * arrives: past the limit the rest is swallowed, then 413. */
        if (!ri->too_large && ri->body_len + *upload_size > server->max_body) {
            ri->too_large = 1;
            free(ri->body);
            ri->body = NULL;
            ri->body_len = ri->body_cap = 0;
        }
        if (!ri->too_large) {
            if (ri->body_len + *upload_size + 1 > ri->body_cap) {
                ri->body_cap = (ri->body_len + *upload_size + 1) * 2;
                ri->body = kx_xrealloc(ri->body, ri->body_cap);
            }
            memcpy(ri->body + ri->body_len, upload, *upload_size);
            ri->body_len += *upload_size;
            ri->body[ri->body_len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (ri->too_large)
        return reject(ri, conn, 413, "request body", server->max_body);
    ri->answered = 1;
    return (enum MHD_Result)km__flow_serve(ri, conn);
}

/* ---- lifecycle --------------------------------------------------------- */

/* Reads the numeric bind address (an IPv4-mapped IPv6 address binds as
 * the IPv4 address it carries) and writes its text for URLs into host:
 * the wildcard addresses become the loopback ones a client can reach. */
static int bind_address(struct sockaddr_storage *ss, socklen_t *len, int *ipv6,
                        char *host, size_t hostsz, const char *addr,
                        uint16_t port)
{
    int family = kx_addr_parse(ss, addr, port);
    const void *raw;

    if (family < 0)
        return -1;
    *ipv6 = family == AF_INET6;
    *len = *ipv6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    raw = *ipv6 ? (const void *)&((struct sockaddr_in6 *)ss)->sin6_addr
                : (const void *)&((struct sockaddr_in *)ss)->sin_addr;
    if (!inet_ntop(family, raw, host, (socklen_t)hostsz))
        return -1;
    if (strcmp(host, "0.0.0.0") == 0)
        snprintf(host, hostsz, "127.0.0.1");
    else if (strcmp(host, "::") == 0)
        snprintf(host, hostsz, "::1");
    return 0;
}

/* Threads of a server's pool: limits.threads when set (`kinsync serve`
 * sets one a core but one), else one a core, at least 2 and at most 8.
 * Handlers of one server take turns (the server lock) unless they only
 * read; reading requests, journaling and sending run side by side; a
 * fault's wait suspends its connection rather than holding a thread
 * (wait.c). */
static unsigned int pool_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    if (limits.threads)
        return limits.threads;
    return n < 2 ? 2u : n > 8 ? 8u : (unsigned int)n;
}

/* The server lock, preferring writers where the C library can (glibc):
 * with readers always in, a write would otherwise wait for a gap that a
 * steady load of reads never leaves. */
static void server_lock_init(pthread_rwlock_t *lock)
{
    pthread_rwlockattr_t attr;

    pthread_rwlockattr_init(&attr);
#ifdef __GLIBC__
    pthread_rwlockattr_setkind_np(&attr,
                                  PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
#endif
    pthread_rwlock_init(lock, &attr);
    pthread_rwlockattr_destroy(&attr);
}

static void server_free(struct km_server *server)
{
    km__faults_free(server);
    km__journal_free(server);
    pthread_rwlock_destroy(&server->lock);
    pthread_rwlock_destroy(&server->secrets_lock);
    pthread_mutex_destroy(&server->journal_lock);
    pthread_mutex_destroy(&server->faults_lock);
    km__wait_free(&server->waits);
    free(server->route_shapes);
    free(server->name);
    free(server);
}

int km_server_start(struct km_server **out,
                    const struct km_server_options *opts, char *err,
                    size_t errsz)
{
    struct km_server *server = kx_xcalloc(1, sizeof(*server));
    const char *addr = opts->bind_addr ? opts->bind_addr : "127.0.0.1";
    const union MHD_DaemonInfo *info;
    struct sockaddr_storage ss;
    socklen_t sslen;
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                         MHD_ALLOW_SUSPEND_RESUME;
    char host[INET6_ADDRSTRLEN];
    struct MHD_OptionItem tls[3];
    int ipv6;
    size_t pool;

    *out = NULL;
    if (errsz)
        err[0] = '\0';
    server->opts = *opts;
    server->route_shapes = kx_xcalloc(opts->nroutes ? opts->nroutes : 1,
                                      sizeof(*server->route_shapes));
    for (size_t i = 0; i < opts->nroutes; i++)
        km__route_shape_of(&server->route_shapes[i], opts->routes[i].pattern);
    server->name = kx_xstrdup(opts->name ? opts->name : "server");
    server->opts.name = server->name;
    server->clock = opts->clock;
    server->max_body = opts->max_body_bytes ? opts->max_body_bytes : 8u << 20;
    server->max_header =
        opts->max_header_bytes ? opts->max_header_bytes : 16u << 10;
    server->hang_ms = opts->hang_ms > 0 ? opts->hang_ms : 2000;
    atomic_init(&server->stopping, 0);
    server_lock_init(&server->lock);
    pthread_rwlock_init(&server->secrets_lock, NULL);
    pthread_mutex_init(&server->journal_lock, NULL);
    pthread_mutex_init(&server->faults_lock, NULL);
    km__wait_init(&server->waits);
    km__journal_init(server);
    if (bind_address(&ss, &sslen, &ipv6, host, sizeof(host), addr,
                     opts->port) != 0) {
        snprintf(err, errsz, "%s: bad bind address \"%s\"", server->name, addr);
        goto fail;
    }
    if (ipv6)
        flags |= MHD_USE_IPv6;
    if (km__tls_daemon_options(tls, &flags, opts->tls, err, errsz) != 0)
        goto fail;
    /* Room for a header block of max_header (plus the request line and
     * the line breaks and MHD's record of each header), so the 431 is
     * ours and not MHD's, and for the reply's header lines. No more:
     * MHD zeroes the whole pool after every request (it was 128 KiB and
     * 7-9 % of an OData page). unit.mocks.common.server_limits checks
     * the 431 at the default limit. */
    pool = server->max_header * 2 + (16u << 10);
    server->daemon = MHD_start_daemon(
        flags, opts->port, NULL, NULL, on_access, server, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&ss, MHD_OPTION_URI_LOG_CALLBACK, on_uri, server,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, server,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool, MHD_OPTION_CONNECTION_LIMIT,
        limits.connection_limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        limits.per_ip_connection_limit, MHD_OPTION_CONNECTION_TIMEOUT,
        limits.connection_timeout_s, MHD_OPTION_THREAD_POOL_SIZE,
        pool_threads(), MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
    if (!server->daemon) {
        snprintf(err, errsz, "%s: cannot listen on %s port %u: %s",
                 server->name, addr, (unsigned)opts->port, strerror(errno));
        goto fail;
    }
    info = MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_BIND_PORT);
    server->port = info ? info->port : opts->port;
    snprintf(server->url, sizeof(server->url),
             ipv6 ? "%s://[%s]:%u" : "%s://%s:%u", opts->tls ? "https" : "http",
             host, server->port);
    *out = server;
    return 0;
fail:
    server_free(server);
    return -1;
}

void km_server_stop(struct km_server *server)
{
    if (!server)
        return;
    atomic_store(&server->stopping, 1);
    km__wait_stop_all(&server->waits);
    if (server->daemon)
        MHD_stop_daemon(server->daemon);
    server_free(server);
}

const char *km_server_url(const struct km_server *server)
{
    return server->url;
}

uint16_t km_server_port(const struct km_server *server)
{
    return server->port;
}

const char *km_server_name(const struct km_server *server)
{
    return server->name;
}

struct ks_clock *km_server_clock(const struct km_server *server)
{
    return server->clock;
}

void km_server_set_observer(struct km_server *server, km_request_observer_fn fn,
                            void *userdata)
{
    pthread_mutex_lock(&server->journal_lock);
    server->observer = fn;
    server->observer_data = userdata;
    pthread_mutex_unlock(&server->journal_lock);
}

void km_server_lock(struct km_server *server)
{
    pthread_rwlock_wrlock(&server->lock);
}

void km_server_unlock(struct km_server *server)
{
    pthread_rwlock_unlock(&server->lock);
}
