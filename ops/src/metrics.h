/*
 * A small metrics registry and its Prometheus text exposition (format
 * 0.0.4), served on GET /metrics by `kinsync sync --watch --metrics-port`.
 *
 * A metric is declared once, as a static const struct kh_metric (name,
 * help, type, label names); code that counts something calls
 * kh_metrics_add() or kh_metrics_set() with the label values. Series
 * appear on first use, families in the order of their first use; the
 * exposition code knows no metric by name, so a new flow (Adobe, OEE)
 * declares its own metrics next to its code and counts, nothing more.
 * Values that live elsewhere (the receiver's counts) are refreshed by a
 * collector called before each exposition.
 *
 * Thread-safe: one mutex covers the registry; collectors run without it.
 */
#ifndef KH_OPS_METRICS_H
#define KH_OPS_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <kx/buf.h>

#define KH_METRIC_LABELS_MAX 4

enum kh_metric_type { KH_METRIC_COUNTER, KH_METRIC_GAUGE };

struct kh_metric {
    const char *name; /* [a-zA-Z_:][a-zA-Z0-9_:]*; counters end in _total */
    const char *help; /* one line */
    enum kh_metric_type type;
    /* label names, NULL-terminated: [a-zA-Z_][a-zA-Z0-9_]* */
    const char *labels[KH_METRIC_LABELS_MAX + 1];
};

struct kh_metrics;

struct kh_metrics *kh_metrics_new(void);
void kh_metrics_free(struct kh_metrics *m); /* NULL-safe */

/* Adds delta to the series of metric with the label values (one per
 * label name, copied); creates it at 0 first. m NULL: nothing. */
void kh_metrics_add(struct kh_metrics *m, const struct kh_metric *metric,
                    const char *const *values, double delta);
/* Sets the series to v (gauges, or a counter read from elsewhere). */
void kh_metrics_set(struct kh_metrics *m, const struct kh_metric *metric,
                    const char *const *values, double v);

/* fn(m, userdata) runs before each exposition, outside the lock, to
 * refresh values kept elsewhere; at most KH_METRICS_COLLECTORS_MAX. */
#define KH_METRICS_COLLECTORS_MAX 8
void kh_metrics_collector(struct kh_metrics *m,
                          void (*fn)(struct kh_metrics *, void *),
                          void *userdata);

/* Appends the exposition of every series to out. */
void kh_metrics_render(struct kx_buf *out, struct kh_metrics *m);

/* GET /metrics on bind:port (bind NULL: 127.0.0.1; port 0: any free
 * one) on a thread of libmicrohttpd's; 404 elsewhere, 405 for another
 * method. 0, or -1 with the reason in err. */
struct kh_metrics_server;
int kh_metrics_serve(struct kh_metrics_server **out, struct kh_metrics *m,
                     const char *bind, uint16_t port, char *err, size_t errsz);
/* "http://ADDR:PORT/metrics"; borrowed. */
const char *kh_metrics_server_url(const struct kh_metrics_server *s);
void kh_metrics_server_stop(struct kh_metrics_server *s); /* NULL-safe */

#endif
