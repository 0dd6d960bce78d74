/*
 * The metrics registry and its exposition (see metrics.h). Series are
 * kept in a flat array searched linearly: a configuration has a few
 * hundred series at most (connections x flows x metrics), and each
 * update is one flow run or one delivery.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include <kx/alloc.h>
#include <kx/net.h>
#include "metrics.h"

struct series {
    const struct kh_metric *metric;
    char *values[KH_METRIC_LABELS_MAX];
    double v;
};

struct collector {
    void (*fn)(struct kh_metrics *, void *);
    void *userdata;
};

struct kh_metrics {
    pthread_mutex_t lock;
    struct series *s; /* in order of first use */
    size_t n, cap;
    struct collector collectors[KH_METRICS_COLLECTORS_MAX];
    size_t ncollectors;
};

struct kh_metrics *kh_metrics_new(void)
{
    struct kh_metrics *m = kx_xcalloc(1, sizeof(*m));

    pthread_mutex_init(&m->lock, NULL);
    return m;
}

void kh_metrics_free(struct kh_metrics *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++) {
        for (int l = 0; l < KH_METRIC_LABELS_MAX; l++)
            free(m->s[i].values[l]);
    }
    free(m->s);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

static int nlabels(const struct kh_metric *metric)
{
    int n = 0;

    while (n < KH_METRIC_LABELS_MAX && metric->labels[n])
        n++;
    return n;
}

/* The series of metric with values, made on first use (lock held). */
static struct series *find(struct kh_metrics *m, const struct kh_metric *metric,
                           const char *const *values)
{
    int nl = nlabels(metric);
    struct series *s;

    for (size_t i = 0; i < m->n; i++) {
        int l = 0;

        if (m->s[i].metric != metric)
            continue;
        while (l < nl && strcmp(m->s[i].values[l], values[l]) == 0)
            l++;
        if (l == nl)
            return &m->s[i];
    }
    m->s = kx_xgrow(m->s, &m->cap, m->n + 1, sizeof(*m->s));
    s = &m->s[m->n++];
    memset(s, 0, sizeof(*s));
    s->metric = metric;
    for (int l = 0; l < nl; l++)
        s->values[l] = kx_xstrdup(values[l]);
    return s;
}

void kh_metrics_add(struct kh_metrics *m, const struct kh_metric *metric,
                    const char *const *values, double delta)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->lock);
    find(m, metric, values)->v += delta;
    pthread_mutex_unlock(&m->lock);
}

void kh_metrics_set(struct kh_metrics *m, const struct kh_metric *metric,
                    const char *const *values, double v)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->lock);
    find(m, metric, values)->v = v;
    pthread_mutex_unlock(&m->lock);
}

void kh_metrics_collector(struct kh_metrics *m,
                          void (*fn)(struct kh_metrics *, void *),
                          void *userdata)
{
    if (m->ncollectors < KH_METRICS_COLLECTORS_MAX)
        m->collectors[m->ncollectors++] = (struct collector){fn, userdata};
}

/* A label value as the format wants it: \\, \" and \n escaped. */
static void put_value(struct kx_buf *out, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            kx_buf_printf(out, "\\%c", *v);
        else if (*v == '\n')
            kx_buf_puts(out, "\\n");
        else
            kx_buf_add(out, v, 1);
    }
}

static void put_series(struct kx_buf *out, const struct series *s)
{
    int nl = nlabels(s->metric);

    kx_buf_puts(out, s->metric->name);
    for (int l = 0; l < nl; l++) {
        kx_buf_printf(out, "%c%s=\"", l ? ',' : '{', s->metric->labels[l]);
        put_value(out, s->values[l]);
        kx_buf_puts(out, "\"");
    }
    kx_buf_printf(out, "%s %.17g\n", nl ? "}" : "", s->v);
}

void kh_metrics_render(struct kx_buf *out, struct kh_metrics *m)
{
    for (size_t c = 0; c < m->ncollectors; c++)
        m->collectors[c].fn(m, m->collectors[c].userdata);
    pthread_mutex_lock(&m->lock);
    /* One family at a time, its series together (the format asks it). */
    for (size_t i = 0; i < m->n; i++) {
        const struct kh_metric *f = m->s[i].metric;
        size_t first = 0;

        while (m->s[first].metric != f)
            first++;
        if (first < i)
            continue; /* written with its family */
        kx_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help,
                      f->name,
                      f->type == KH_METRIC_COUNTER ? "counter" : "gauge");
        for (size_t j = i; j < m->n; j++) {
            if (m->s[j].metric == f)
                put_series(out, &m->s[j]);
        }
    }
    pthread_mutex_unlock(&m->lock);
}

/* ---- the /metrics endpoint --------------------------------------------- */

struct kh_metrics_server {
    struct MHD_Daemon *daemon;
    struct kh_metrics *m;
    char url[96];
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status,
                             char *text, size_t len, const char *type)
{
    struct MHD_Response *res =
        MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    enum MHD_Result ret;

    if (!res) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(res, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (status == 405)
        MHD_add_response_header(res, MHD_HTTP_HEADER_ALLOW, "GET");
    ret = MHD_queue_response(conn, status, res);
    MHD_destroy_response(res);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct kh_metrics_server *s = cls;
    struct kx_buf b = KX_BUF_INIT;
    size_t len;

    (void)version;
    (void)upload;
    (void)upload_size;
    (void)con_cls;
    if (strcmp(url, "/metrics") != 0)
        return reply(conn, 404, kx_xstrdup("not found\n"), 10, "text/plain");
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
        strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return reply(conn, 405, kx_xstrdup("GET /metrics\n"), 13, "text/plain");
    kh_metrics_render(&b, s->m);
    len = b.len;
    return reply(conn, 200, b.data ? kx_buf_detach(&b) : kx_xstrdup(""), len,
                 "text/plain; version=0.0.4; charset=utf-8");
}

int kh_metrics_serve(struct kh_metrics_server **out, struct kh_metrics *m,
                     const char *bind, uint16_t port, char *err, size_t errsz)
{
    struct kh_metrics_server *s = kx_xcalloc(1, sizeof(*s));
    struct sockaddr_storage ss;
    const union MHD_DaemonInfo *info;
    char host[INET6_ADDRSTRLEN];
    int family;

    *out = NULL;
    s->m = m;
    if (!bind || strcmp(bind, "localhost") == 0)
        bind = "127.0.0.1";
    family = kx_addr_parse(&ss, bind, port);
    if (family < 0) {
        snprintf(err, errsz, "metrics: bad bind address \"%s\"", bind);
        free(s);
        return -1;
    }
    s->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
            (family == AF_INET6 ? MHD_USE_IPv6 : 0),
        port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT, 16u,
        MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, errsz, "metrics: cannot listen on %s port %u", bind,
                 (unsigned)port);
        free(s);
        return -1;
    }
    info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    inet_ntop(family,
              family == AF_INET6
                  ? (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr
                  : (const void *)&((struct sockaddr_in *)&ss)->sin_addr,
              host, sizeof(host));
    snprintf(s->url, sizeof(s->url),
             family == AF_INET6 ? "http://[%s]:%u/metrics"
                                : "http://%s:%u/metrics",
             host, (unsigned)(info ? info->port : port));
    *out = s;
    return 0;
}

const char *kh_metrics_server_url(const struct kh_metrics_server *s)
{
    return s->url;
}

void kh_metrics_server_stop(struct kh_metrics_server *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->daemon);
    free(s);
}
