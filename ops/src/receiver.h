/*
 * The webhook receiver: one HTTP server that verifies storefront webhook
 * deliveries with the connector and queues the order events for a
 * consumer thread. `kinsync sync --watch` runs it in production; the
 * scenario jobs run the same module against the emulators.
 *
 *   POST /webhooks/bigcommerce  ks_bigcommerce_webhook_verify
 *   POST /webhooks/woocommerce  ks_woocommerce_webhook_verify
 *   POST /webhooks/NAME/bigcommerce, /webhooks/NAME/woocommerce
 *        the same for the route (connection) called NAME, when routes
 *        are given
 *   POST /webhooks/[NAME/]adobe  ks_adobe_webhook_verify: an Adobe
 *        Commerce synchronous webhook (order placement), for a route with
 *        an adobe key; its 200 carries {"op":"success"} (application/json),
 *        the answer Adobe's webhooks read as "go on"
 *
 * Answers (text/plain, one word or phrase):
 *   200 queued      a verified order event, now in the queue
 *   200 duplicate   a delivery the handle verified before (not queued again)
 *   200 ignored     verified, but not an order event (or WooCommerce's
 *                   creation ping, answered "pong")
 *   400             verified but unusable (a body that is not a webhook
 *                   payload, a WooCommerce order without an id)
 *   401             signature or timestamp wrong or missing
 *   413             body over body_max: at once when Content-Length says
 *                   so; a chunked body is stored only up to the limit
 *   503             the queue is full, or in_flight_max deliveries are
 *                   being read already (Retry-After: retry_after_s); the
 *                   platform delivers again later
 *   404 / 405       another path / another method
 * The platforms retry every non-2xx answer on their own schedules.
 *
 * Threads: libmicrohttpd's internal thread pool (epoll where available)
 * serves the connections; a connection costs a socket and a small memory
 * pool, never a thread, so slow clients cannot starve the others. The
 * storefront handles are not thread-safe, so one mutex covers every
 * verify call, the queue and the counts; verifying is one HMAC, so the
 * lock is short.
 *
 * Limits, and what a client sees at each (options below, sync keys in
 * ops/README.md):
 *   per_ip_connection_limit  a further connection from that address is
 *                            accepted and closed at once by libmicrohttpd
 *                            (no HTTP answer: it never sent a request)
 *   connection_limit         libmicrohttpd stops accepting: a further
 *                            connection waits in the kernel's listen
 *                            backlog until one closes (or its client gives
 *                            up); clamped to what RLIMIT_NOFILE allows
 *   connection_timeout_s     a connection idle that long (headers or body
 *                            not progressing, keep-alive unused) is closed
 *   in_flight_max            requests past their headers at once (bodies
 *                            being read or verified): past it a delivery
 *                            is answered 503 + Retry-After at once, before
 *                            its body is read
 *   body_max                 413 (at once when declared; chunked: see
 *                            receiver.c)
 * So memory stays within about connection_limit x 16 KiB (connection
 * pools) + in_flight_max x body_max (bodies) + the queue, whatever the
 * traffic. There is no journal: refusals are counted (counts) and
 * summarised through the log callback at most once per log_interval_s.
 */
#ifndef KH_RECEIVER_H
#define KH_RECEIVER_H

#include <stddef.h>
#include <stdint.h>
#include <kinsync.h>

#define KH_RECEIVER_BODY_MAX ((size_t)1 << 20) /* the verify functions' too */
#define KH_RECEIVER_QUEUE_MAX 10000
#define KH_RECEIVER_CONNECTION_LIMIT 1024
#define KH_RECEIVER_PER_IP_LIMIT 64
#define KH_RECEIVER_CONNECTION_TIMEOUT_S 5
#define KH_RECEIVER_IN_FLIGHT_MAX 32
#define KH_RECEIVER_LOG_INTERVAL_S 60

struct kh_receiver;
struct kh_receiver_item;

/* One named set of verifying handles (a connection of `kinsync sync`):
 * its deliveries come to /webhooks/NAME/<platform>; a NULL name takes
 * /webhooks/<platform>. Borrowed, like the handles. */
struct kh_receiver_route {
    const char *name;
    struct ks_bigcommerce *bigcommerce;
    struct ks_woocommerce *woocommerce;
    /* Epicor's job events ("/webhooks/[NAME/]epicor"): an event function
     * sends no signature (mocks/src/epicor/README.md, "Event functions"),
     * so a delivery must carry header epicor_header (NULL:
     * KH_RECEIVER_EPICOR_HEADER) with the value epicor_secret, compared in
     * constant time. NULL epicor_secret: no Epicor route. */
    const char *epicor_header;
    const char *epicor_secret;
    /* NULL: no adobe route. An Adobe delivery is accepted only through
     * the durable commit (its body is borrowed for the commit call):
     * without commit, or when commit returns 1, it is answered 503. */
    const struct kh_receiver_adobe *adobe;
};

/* How a route's Adobe Commerce webhooks are signed: the PEM public key
 * (RSA) or the shared secret (HMAC); borrowed. */
struct kh_receiver_adobe {
    enum ks_adobe_signing mode;
    const char *key;
};

#define KH_RECEIVER_EPICOR_HEADER "X-Kinsync-Event-Secret"

struct kh_receiver_options {
    const char *bind_addr; /* NULL: 127.0.0.1; "localhost" is read as that */
    uint16_t port;         /* 0: any free port */
    /* The handles that verify deliveries, borrowed: NULL leaves the
     * platform's route out (404). They must outlive the receiver and must
     * not verify on another thread meanwhile; other calls on them are the
     * caller's business (the receiver only verifies and forgets). */
    struct ks_bigcommerce *bigcommerce;
    struct ks_woocommerce *woocommerce;
    size_t body_max;               /* 0: KH_RECEIVER_BODY_MAX */
    size_t queue_max;              /* 0: KH_RECEIVER_QUEUE_MAX */
    unsigned threads;              /* 0: 2 */
    unsigned connection_limit;     /* 0: KH_RECEIVER_CONNECTION_LIMIT */
    unsigned connection_timeout_s; /* 0: KH_RECEIVER_CONNECTION_TIMEOUT_S */
    unsigned retry_after_s;        /* Retry-After of a 503; 0: 60 */
    /* Called on a receiver thread, without the lock, after a delivery was
     * queued (so a waiting consumer can wake); never for a refusal; may be
     * NULL. */
    void (*notify)(void *userdata);
    void *userdata;
    unsigned per_ip_connection_limit; /* 0: KH_RECEIVER_PER_IP_LIMIT */
    unsigned in_flight_max;           /* 0: KH_RECEIVER_IN_FLIGHT_MAX */
    /* One summary line of the refusals (no newline), at most once per
     * log_interval_s, on a receiver thread or in kh_receiver_log_pending()
     * / kh_receiver_stop(); may be NULL. Same userdata as notify. */
    void (*log)(void *userdata, const char *line);
    unsigned log_interval_s; /* 0: KH_RECEIVER_LOG_INTERVAL_S */
    /* Several routes instead of bigcommerce/woocommerce above (which must
     * then be NULL); a queued item says which route it came by. */
    const struct kh_receiver_route *routes;
    size_t nroutes;
    /* Durable intake: when set, a verified order event is handed to
     * commit first (on a receiver thread, the receiver's lock held, so
     * calls never overlap): 0 committed (answered 200, not in the memory
     * queue), 1 not for commit (queued in memory as without commit), -1
     * failed (503 + Retry-After, and the delivery is forgotten so that
     * the platform's retry verifies as new). notify wakes either way. */
    int (*commit)(void *commit_userdata, const struct kh_receiver_item *it);
    void *commit_userdata;
};

#define KH_RECEIVER_OPTIONS_INIT                                               \
    {                                                                          \
        NULL, 0, NULL, NULL, 0, 0, 0, 0, 0, 0, NULL, NULL, 0, 0, NULL, 0,      \
            NULL, 0, NULL, NULL                                                \
    }

/* An Epicor job event as the receiver queues it (ks_oee_event's strings
 * copied; a payload whose strings do not fit is refused as unusable). */
struct kh_receiver_epicor_event {
    char type[32], plant[64], job[64], op_code[32], work_center[64];
    char reason[32];
    int assembly, operation;
    int64_t at_ms;
};

/* The queued event as the OEE flow takes it (ks_oee_flow_event): strings
 * borrowed from ev, empty ones as NULL. */
void kh_receiver_epicor_event_view(struct ks_oee_event *out,
                                   const struct kh_receiver_epicor_event *ev);

/* One queued delivery: a BigCommerce order event or a WooCommerce order
 * id. */
struct kh_receiver_item {
    int woocommerce;
    struct ks_bigcommerce_event bc;
    int64_t wc_order_id;
    size_t route; /* index in options.routes (0 without routes) */
    int epicor;   /* an Epicor job event (ev); woocommerce is 0 */
    struct kh_receiver_epicor_event ev;
    /* An Adobe order-placement delivery: the verified body, parsed
     * ({"eventName", "data": {"order"}}); owned by whoever made the item
     * (the receiver during commit, the importer while importing). */
    int adobe;
    cJSON *adobe_delivery;
};

/* What one route's deliveries came to (the metrics of `sync --watch`). */
struct kh_receiver_route_counts {
    uint64_t accepted; /* answered 200: queued, duplicate, ignored, ping */
    uint64_t refused;  /* 400, 401, 413 */
    uint64_t rejected; /* of refused: 401, signature or timestamp wrong */
    /* The Epicor route apart (also in the counts above): */
    uint64_t events;          /* job events queued */
    uint64_t events_broken;   /* 400: not a readable job event */
    uint64_t events_rejected; /* 401: secret header missing or wrong */
    uint64_t events_dropped;  /* 503: queue full (Epicor never retries) */
};

/* What the receiver did so far (every platform together). */
struct kh_receiver_counts {
    uint64_t received; /* POSTs to a webhook route */
    uint64_t verified; /* signature good (pings and ignored ones too) */
    uint64_t queued;
    uint64_t duplicates;
    uint64_t ignored; /* verified, not an order event; pings included */
    uint64_t pings;   /* WooCommerce creation pings */
    uint64_t refused; /* unusable + rejected + too_big */
    uint64_t unusable, rejected, too_big; /* 400, 401, 413 */
    uint64_t busy;          /* 503: the queue was full, or in_flight_max */
    uint64_t saturated;     /* of busy: in_flight_max reached */
    uint64_t forced;        /* answered with the forced status */
    char last_rc[32];       /* ks_rc_name() of the last verification */
    char last_refusal[200]; /* "bigcommerce: <why>" of the last refusal */
};

/*
 * Starts the receiver on bind_addr:port. Returns 0, or -1 with a one-line
 * reason in err (bad address, port taken, no handle given).
 */
int kh_receiver_start(struct kh_receiver **out,
                      const struct kh_receiver_options *opts, char *err,
                      size_t errsz);

/* "http://ADDR:PORT" the receiver listens on; borrowed. */
const char *kh_receiver_url(const struct kh_receiver *r);
uint16_t kh_receiver_port(const struct kh_receiver *r);

/* Takes every queued item, oldest first (the caller frees the array;
 * NULL with *n 0 when the queue is empty). */
struct kh_receiver_item *kh_receiver_drain(struct kh_receiver *r, size_t *n);

void kh_receiver_counts(struct kh_receiver_counts *out, struct kh_receiver *r);
/* The counts of route i (0 without routes); zero for an unknown i. */
void kh_receiver_route_counts(struct kh_receiver_route_counts *out,
                              struct kh_receiver *r, size_t i);

/* Logs the summary of refusals not yet logged, if log_interval_s has
 * passed since the last summary (a consumer calls it now and then, so the
 * tail of a burst is not held back until the next refusal). */
void kh_receiver_log_pending(struct kh_receiver *r);

/*
 * A receiver that fails on purpose, to rehearse how the platforms react
 * (retry ladders, hooks deactivated or disabled): with status 400..599
 * every delivery is still verified and counted, then answered status
 * instead of its own answer, and nothing is queued; a verified BigCommerce
 * delivery is forgotten, so the platform's retry is processed like a
 * first attempt. 503 carries Retry-After, as when paused for maintenance.
 * status 0 restores the normal answers. Returns 0, or -1 for another
 * status (left unchanged).
 */
int kh_receiver_force_status(struct kh_receiver *r, int status);

/* Stops serving (no handler runs after it returns), logs refusals not yet
 * logged, and frees; queued items are dropped. NULL-safe. */
void kh_receiver_stop(struct kh_receiver *r);

/* Internal, for the fuzz target (tests/fuzz/fuzz_receiver.c): one POST
 * to url with its headers (get(ctx, name), case-insensitive) and whole
 * body, judged, verified and queued exactly as over HTTP. Returns the
 * status; *text the answer's body. */
unsigned kh__receiver_deliver(struct kh_receiver *r, const char *url,
                              ks_bigcommerce_header_fn get, void *ctx,
                              const char *body, size_t len, const char **text);

#endif
