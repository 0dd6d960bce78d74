/*
 * The webhook receiver on libmicrohttpd (see receiver.h for the answers).
 *
 * A request goes through on_access() three ways: the first call sees the
 * headers only (route, method and a declared Content-Length are judged
 * there, so an oversized body is refused before it is read); the calls
 * with upload data collect the body up to body_max; the last call (no
 * data) verifies and answers. libmicrohttpd 0.9.75 cannot answer before
 * the body has ended (MHD_queue_response() refuses a connection whose state
 * is neither "headers processed" nor "full request received"), so a
 * chunked body past the limit is no longer stored, only read and dropped,
 * then answered 413; a sender that goes on past twice the limit loses its
 * connection without an answer, so no body is read forever.
 *
 * The first call also takes an in-flight slot (released when the request
 * completes): past in_flight_max the delivery is answered 503 before its
 * body is read, which bounds the memory bodies can hold.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <kx/alloc.h>
#include <kx/buf.h>
#include <kx/json.h>
#include <kx/net.h>
#include <kx/time.h>
#include "receiver.h"

/* File descriptors kept free beside the connections (listen socket, the
 * epoll and signalling descriptors of the pool, logs, the state file). */
#define FD_RESERVE 64
/* Each connection's memory pool (request line, headers, read buffer):
 * webhook headers are a few hundred bytes; libmicrohttpd's default is
 * 32 KiB. Headers that do not fit get libmicrohttpd's 431. */
#define CONNECTION_POOL (16u << 10)

enum platform { NO_ROUTE = 0, BIGCOMMERCE, WOOCOMMERCE, EPICOR, ADOBE };

/* The answer Adobe Commerce's synchronous webhooks read as "go on". */
#define ADOBE_SUCCESS "{\"op\":\"success\"}"
#define ADOBE_SIGNATURE "x-adobe-commerce-webhook-signature"

/* What verification made of one delivery. */
enum verdict { QUEUE, DUPLICATE, IGNORED, PING, UNUSABLE, REJECTED, TOO_BIG };

struct kh_receiver {
    struct MHD_Daemon *daemon;
    struct kh_receiver_options o; /* defaults filled in */
    /* o.routes, or one made of o.bigcommerce and o.woocommerce */
    const struct kh_receiver_route *routes;
    struct kh_receiver_route single;
    size_t nroutes;
    struct kh_receiver_route_counts *route_counts; /* under the lock */
    char url[80];
    uint16_t port;
    pthread_mutex_t lock;
    /* Under the lock (and the handles' verify calls too): */
    struct kh_receiver_item *queue;
    size_t n, cap;
    int forced_status;
    struct kh_receiver_counts counts;
    struct kh_receiver_counts logged; /* counts at the last summary */
    int64_t next_log_ms;              /* no summary before it */
    atomic_uint in_flight;            /* requests past their headers */
};

/* Where a delivery's headers come from: the MHD connection, or (the fuzz
 * target) a parsed message. */
struct headers {
    ks_bigcommerce_header_fn get;
    void *ctx;
};

/* Per request, from the first call to NOTIFY_COMPLETED; it holds one
 * in-flight slot. */
struct delivery {
    enum platform platform;
    size_t route;
    struct kx_buf body;
    size_t dropped; /* bytes read past body_max */
};

/* ---- answering --------------------------------------------------------- */

static enum MHD_Result answer(struct MHD_Connection *conn, unsigned status,
                              const char *text, unsigned retry_after_s)
{
    struct MHD_Response *res = MHD_create_response_from_buffer(
        strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret;
    char secs[16];

    if (!res)
        return MHD_NO; /* out of memory: drop the connection */
    MHD_add_response_header(res, MHD_HTTP_HEADER_CONTENT_TYPE,
                            text[0] == '{' ? "application/json" : "text/plain");
    if (status == 503) {
        snprintf(secs, sizeof(secs), "%u", retry_after_s);
        MHD_add_response_header(res, MHD_HTTP_HEADER_RETRY_AFTER, secs);
    }
    if (status == 405)
        MHD_add_response_header(res, MHD_HTTP_HEADER_ALLOW, "POST");
    ret = MHD_queue_response(conn, status, res);
    MHD_destroy_response(res);
    return ret;
}

static unsigned verdict_status(enum verdict v)
{
    static const unsigned status[] = {200, 200, 200, 200, 400, 401, 413};

    return status[v];
}

static const char *verdict_text(enum verdict v)
{
    static const char *const text[] = {
        "queued\n",
        "duplicate\n",
        "ignored: not an order event\n",
        "pong\n",
        "verified, but not a usable order event\n",
        "signature or timestamp missing or invalid\n",
        "body too large\n"};

    return text[v];
}

/* Counts a refusal and keeps its reason (lock held). */
static void note_refusal(struct kh_receiver *r, enum platform p, size_t route,
                         enum verdict v, ks_rc rc, const char *reason)
{
    r->route_counts[route].refused++;
    r->route_counts[route].rejected += v == REJECTED;
    if (p == EPICOR) {
        r->route_counts[route].events_broken += v == UNUSABLE;
        r->route_counts[route].events_rejected += v == REJECTED;
    }
    r->counts.refused++;
    r->counts.unusable += v == UNUSABLE;
    r->counts.rejected += v == REJECTED;
    r->counts.too_big += v == TOO_BIG;
    snprintf(r->counts.last_refusal, sizeof(r->counts.last_refusal),
             "%s: %s%s%s",
             p == BIGCOMMERCE   ? "bigcommerce"
             : p == WOOCOMMERCE ? "woocommerce"
             : p == ADOBE       ? "adobe"
                                : "epicor",
             ks_rc_message(rc), reason && reason[0] ? ": " : "",
             reason ? reason : "");
}

/* ---- the refusal summary ----------------------------------------------- */

/* Writes the summary of refusals since the last one into line and marks
 * them logged; 0 when there are none or the interval has not passed (and
 * force is 0). Lock held. */
static int summary_take(struct kh_receiver *r, int force, char *line, size_t n)
{
    const struct kh_receiver_counts *c = &r->counts, *l = &r->logged;
    uint64_t refused = c->refused + c->busy - l->refused - l->busy;
    int64_t now = kx_monotonic_ms();

    if (!refused || (!force && now < r->next_log_ms))
        return 0;
    snprintf(line, n,
             "receiver: refused %llu webhook deliver%s (401: %llu, 413: %llu, "
             "400: %llu, 503: %llu); last: %s",
             (unsigned long long)refused, refused == 1 ? "y" : "ies",
             (unsigned long long)(c->rejected - l->rejected),
             (unsigned long long)(c->too_big - l->too_big),
             (unsigned long long)(c->unusable - l->unusable),
             (unsigned long long)(c->busy - l->busy),
             c->last_refusal[0] ? c->last_refusal : "busy");
    r->logged = *c;
    r->next_log_ms = now + (int64_t)r->o.log_interval_s * 1000;
    return 1;
}

/* Logs the refusals not yet logged when the interval allows (or force). */
static void log_refusals(struct kh_receiver *r, int force)
{
    char line[512];
    int due;

    if (!r->o.log)
        return;
    pthread_mutex_lock(&r->lock);
    due = summary_take(r, force, line, sizeof(line));
    pthread_mutex_unlock(&r->lock);
    if (due)
        r->o.log(r->o.userdata, line);
}

/* ---- verification (lock held) ------------------------------------------ */

static enum verdict from_rc(ks_rc rc)
{
    return rc == KS_EDUPLICATE ? DUPLICATE
           : rc == KS_ETOOBIG  ? TOO_BIG
           : rc == KS_EPARSE   ? UNUSABLE
                               : REJECTED;
}

static const char *mhd_header(void *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

static enum verdict verify_bigcommerce(struct kh_receiver *r,
                                       struct kh_receiver_item *it,
                                       const struct headers *hs,
                                       const struct delivery *d)
{
    struct ks_bigcommerce *bc = r->routes[d->route].bigcommerce;
    ks_rc rc = ks_bigcommerce_webhook_verify(&it->bc, bc, hs->get, hs->ctx,
                                             kx_buf_str(&d->body), d->body.len,
                                             0); /* 0: the client's clock */

    snprintf(r->counts.last_rc, sizeof(r->counts.last_rc), "%s",
             ks_rc_name(rc));
    if (rc && rc != KS_EDUPLICATE)
        note_refusal(r, BIGCOMMERCE, d->route, from_rc(rc), rc,
                     ks_bigcommerce_webhook_reason(bc));
    if (rc)
        return from_rc(rc);
    r->counts.verified++;
    if (strncmp(it->bc.scope, "store/order/", 12) != 0)
        return IGNORED;
    return QUEUE;
}

/* The order id of a verified WooCommerce order body, or 0. */
static int64_t wc_order_id(const struct delivery *d)
{
    cJSON *doc = cJSON_ParseWithLength(kx_buf_str(&d->body), d->body.len);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(doc, "id");
    int64_t v = 0;

    if (cJSON_IsNumber(id) && id->valuedouble >= 1 &&
        id->valuedouble < 9007199254740992.0 &&
        id->valuedouble == (double)(int64_t)id->valuedouble)
        v = (int64_t)id->valuedouble;
    cJSON_Delete(doc);
    return v;
}

static enum verdict verify_woocommerce(struct kh_receiver *r,
                                       struct kh_receiver_item *it,
                                       const struct headers *hs,
                                       const struct delivery *d)
{
    struct ks_woocommerce_webhook_headers h = {
        hs->get(hs->ctx, "X-WC-Webhook-Signature"),
        hs->get(hs->ctx, "X-WC-Webhook-Delivery-ID"),
        hs->get(hs->ctx, "X-WC-Webhook-Topic"),
        hs->get(hs->ctx, "X-WC-Webhook-Resource"),
        hs->get(hs->ctx, "X-WC-Webhook-Event"),
        hs->get(hs->ctx, "X-WC-Webhook-ID"),
        hs->get(hs->ctx, "X-WC-Webhook-Source")};
    enum ks_woocommerce_webhook_kind kind = KS_WOOCOMMERCE_WEBHOOK_NONE;
    ks_rc rc =
        ks_woocommerce_webhook_verify(&kind, r->routes[d->route].woocommerce,
                                      &h, kx_buf_str(&d->body), d->body.len);

    snprintf(r->counts.last_rc, sizeof(r->counts.last_rc), "%s",
             ks_rc_name(rc));
    it->woocommerce = 1;
    if (rc && rc != KS_EDUPLICATE)
        note_refusal(r, WOOCOMMERCE, d->route, from_rc(rc), rc, NULL);
    if (rc)
        return from_rc(rc);
    r->counts.verified++;
    if (kind == KS_WOOCOMMERCE_WEBHOOK_PING)
        return PING;
    if (!h.topic || strncmp(h.topic, "order.", 6) != 0 ||
        strcmp(h.topic, "order.deleted") == 0)
        return IGNORED;
    it->wc_order_id = wc_order_id(d);
    if (it->wc_order_id == 0) {
        note_refusal(r, WOOCOMMERCE, d->route, UNUSABLE, KS_EPARSE,
                     "order body without an id");
        return UNUSABLE;
    }
    return QUEUE;
}

/* Copies src into dst; 0 when it does not fit (or is NULL: ""). */
static int copy_field(char *dst, size_t size, const char *src)
{
    size_t n = src ? strlen(src) : 0;

    if (n >= size)
        return 0;
    memcpy(dst, src ? src : "", n + 1);
    return 1;
}

void kh_receiver_epicor_event_view(struct ks_oee_event *out,
                                   const struct kh_receiver_epicor_event *ev)
{
    out->type = ev->type;
    out->plant = ev->plant;
    out->job = ev->job;
    out->assembly = ev->assembly;
    out->operation = ev->operation;
    out->op_code = ev->op_code[0] ? ev->op_code : NULL;
    out->work_center = ev->work_center[0] ? ev->work_center : NULL;
    out->reason = ev->reason[0] ? ev->reason : NULL;
    out->at_ms = ev->at_ms;
}

/* An Epicor job event: the route's secret header (constant time), then
 * the payload read by the OEE client. No duplicate check here: the flow
 * skips an event it already applied. */
static enum verdict verify_epicor(struct kh_receiver *r,
                                  struct kh_receiver_item *it,
                                  const struct headers *hs,
                                  const struct delivery *d)
{
    const struct kh_receiver_route *rt = &r->routes[d->route];
    const char *got =
        hs->get(hs->ctx, rt->epicor_header ? rt->epicor_header
                                           : KH_RECEIVER_EPICOR_HEADER);
    size_t want = strlen(rt->epicor_secret);
    struct ks_oee_event ev;
    cJSON *doc = NULL;
    char why[160] = "";
    enum verdict v = QUEUE;

    it->epicor = 1;
    if (!got || strlen(got) != want ||
        CRYPTO_memcmp(got, rt->epicor_secret, want) != 0) {
        note_refusal(r, EPICOR, d->route, REJECTED, KS_EAUTH,
                     got ? "wrong event secret" : "no event secret header");
        return REJECTED;
    }
    r->counts.verified++;
    doc = cJSON_ParseWithLength(kx_buf_str(&d->body), d->body.len);
    if (!doc) {
        snprintf(why, sizeof(why), "body is not JSON");
        v = UNUSABLE;
    } else if (ks_oee_event_parse(&ev, doc, why, sizeof(why)) != KS_OK) {
        v = UNUSABLE;
    } else if (!copy_field(it->ev.type, sizeof(it->ev.type), ev.type) ||
               !copy_field(it->ev.plant, sizeof(it->ev.plant), ev.plant) ||
               !copy_field(it->ev.job, sizeof(it->ev.job), ev.job) ||
               !copy_field(it->ev.op_code, sizeof(it->ev.op_code),
                           ev.op_code) ||
               !copy_field(it->ev.work_center, sizeof(it->ev.work_center),
                           ev.work_center) ||
               !copy_field(it->ev.reason, sizeof(it->ev.reason), ev.reason)) {
        snprintf(why, sizeof(why), "a member is too long");
        v = UNUSABLE;
    } else {
        it->ev.assembly = ev.assembly;
        it->ev.operation = ev.operation;
        it->ev.at_ms = ev.at_ms;
    }
    cJSON_Delete(doc);
    snprintf(r->counts.last_rc, sizeof(r->counts.last_rc), "%s",
             ks_rc_name(v == QUEUE ? KS_OK : KS_EPARSE));
    if (v != QUEUE)
        note_refusal(r, EPICOR, d->route, v, KS_EPARSE, why);
    return v;
}

/* An Adobe order-placement hook: the signature over the raw body, then
 * the body parsed into it->adobe_delivery (the caller deletes it). */
static enum verdict verify_adobe(struct kh_receiver *r,
                                 struct kh_receiver_item *it,
                                 const struct headers *hs,
                                 const struct delivery *d)
{
    const struct kh_receiver_adobe *a = r->routes[d->route].adobe;
    ks_rc rc =
        ks_adobe_webhook_verify(a->mode, a->key, kx_buf_str(&d->body),
                                d->body.len, hs->get(hs->ctx, ADOBE_SIGNATURE));
    const char *event;

    snprintf(r->counts.last_rc, sizeof(r->counts.last_rc), "%s",
             ks_rc_name(rc));
    it->adobe = 1;
    if (rc) {
        note_refusal(r, ADOBE, d->route, REJECTED, rc, NULL);
        return REJECTED;
    }
    r->counts.verified++;
    it->adobe_delivery =
        cJSON_ParseWithLength(kx_buf_str(&d->body), d->body.len);
    event = kx_json_str(it->adobe_delivery, "eventName");
    if (event && !strstr(event, "sales_order_place"))
        return IGNORED;
    if (!event || !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(
                      kx_json_obj(it->adobe_delivery, "data"), "order"))) {
        note_refusal(r, ADOBE, d->route, UNUSABLE, KS_EPARSE,
                     "not an order-placement hook (eventName, data.order)");
        return UNUSABLE;
    }
    return QUEUE;
}

/* The durable intake's verdict on it (lock held): 1 without one. */
static int commit(struct kh_receiver *r, const struct kh_receiver_item *it)
{
    return r->o.commit ? r->o.commit(r->o.commit_userdata, it) : 1;
}

/* Verifies, counts and queues one whole delivery; the answer's status. */
static unsigned settle(struct kh_receiver *r, const struct headers *hs,
                       const struct delivery *d, const char **text)
{
    struct ks_bigcommerce *bc = r->routes[d->route].bigcommerce;
    struct kh_receiver_item it;
    enum verdict v;
    unsigned status;
    int committed = 1;

    memset(&it, 0, sizeof(it));
    it.route = d->route;
    pthread_mutex_lock(&r->lock);
    v = d->platform == BIGCOMMERCE   ? verify_bigcommerce(r, &it, hs, d)
        : d->platform == WOOCOMMERCE ? verify_woocommerce(r, &it, hs, d)
        : d->platform == ADOBE       ? verify_adobe(r, &it, hs, d)
                                     : verify_epicor(r, &it, hs, d);
    r->counts.duplicates += v == DUPLICATE;
    r->counts.ignored += v == IGNORED || v == PING;
    r->counts.pings += v == PING;
    status = verdict_status(v);
    *text = verdict_text(v);
    if (r->forced_status) {
        /* Not processed: the retry must verify as new. */
        if ((v == QUEUE || v == IGNORED) && d->platform == BIGCOMMERCE)
            ks_bigcommerce_webhook_forget(bc, &it.bc);
        r->counts.forced++;
        status = (unsigned)r->forced_status;
        *text = "forced answer\n";
    } else if (v == QUEUE && (committed = commit(r, &it)) == 0) {
        r->counts.queued++;
    } else if (v == QUEUE &&
               (committed < 0 || r->n >= r->o.queue_max || it.adobe)) {
        /* An Adobe item borrows its body: never in the memory queue. */
        if (d->platform == BIGCOMMERCE)
            ks_bigcommerce_webhook_forget(bc, &it.bc);
        r->counts.busy++;
        r->route_counts[d->route].events_dropped += d->platform == EPICOR;
        status = 503;
        *text = committed < 0 ? "cannot queue the delivery durably\n"
                : it.adobe    ? "no durable queue for adobe deliveries\n"
                              : "queue full\n";
    } else if (v == QUEUE) {
        r->queue = kx_xgrow(r->queue, &r->cap, r->n + 1, sizeof(*r->queue));
        r->queue[r->n++] = it;
        r->counts.queued++;
    }
    if (v == QUEUE && d->platform == EPICOR && status == 200)
        r->route_counts[d->route].events++;
    r->route_counts[d->route].accepted += status == 200;
    pthread_mutex_unlock(&r->lock);
    cJSON_Delete(it.adobe_delivery);
    if (d->platform == ADOBE && status == 200)
        *text = ADOBE_SUCCESS;
    if (status >= 400)
        log_refusals(r, 0);
    else if (r->o.notify && v == QUEUE)
        r->o.notify(r->o.userdata);
    return status;
}

/* ---- the request cycle ------------------------------------------------- */

/* "/webhooks/[NAME/]PLATFORM": the platform, and the route in *i. */
static enum platform route(const struct kh_receiver *r, const char *url,
                           size_t *i)
{
    const char *rest = strncmp(url, "/webhooks/", 10) == 0 ? url + 10 : "";
    const char *slash = strchr(rest, '/');
    const char *platform = slash ? slash + 1 : rest;
    size_t n = slash ? (size_t)(slash - rest) : 0;

    for (*i = 0; *i < r->nroutes; (*i)++) {
        const struct kh_receiver_route *rt = &r->routes[*i];

        if (slash ? !rt->name || strlen(rt->name) != n ||
                        memcmp(rt->name, rest, n) != 0
                  : rt->name != NULL)
            continue;
        if (rt->bigcommerce && strcmp(platform, "bigcommerce") == 0)
            return BIGCOMMERCE;
        if (rt->woocommerce && strcmp(platform, "woocommerce") == 0)
            return WOOCOMMERCE;
        if (rt->epicor_secret && strcmp(platform, "epicor") == 0)
            return EPICOR;
        if (rt->adobe && strcmp(platform, "adobe") == 0)
            return ADOBE;
        break;
    }
    return NO_ROUTE;
}

/* A body refused for its size (before or while it is read). */
static void count_too_big(struct kh_receiver *r, enum platform p, size_t rt)
{
    pthread_mutex_lock(&r->lock);
    note_refusal(r, p, rt, TOO_BIG, KS_ETOOBIG,
                 "body over the receiver's limit");
    pthread_mutex_unlock(&r->lock);
    log_refusals(r, 0);
}

/* Takes an in-flight slot; 0 (and a 503 counted) when none is free. */
static int take_slot(struct kh_receiver *r)
{
    if (atomic_fetch_add(&r->in_flight, 1) < r->o.in_flight_max)
        return 1;
    atomic_fetch_sub(&r->in_flight, 1);
    pthread_mutex_lock(&r->lock);
    r->counts.busy++;
    r->counts.saturated++;
    pthread_mutex_unlock(&r->lock);
    log_refusals(r, 0);
    return 0;
}

/* The headers only: route, method and the declared length. */
static enum MHD_Result first_call(struct kh_receiver *r,
                                  struct MHD_Connection *conn, const char *url,
                                  const char *method, void **con_cls)
{
    size_t rt;
    enum platform p = route(r, url, &rt);
    const char *cl;
    struct delivery *d;

    if (p == NO_ROUTE)
        return answer(conn, 404, "no such webhook route\n", 0);
    if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
        return answer(conn, 405, "webhooks are POSTed\n", 0);
    pthread_mutex_lock(&r->lock);
    r->counts.received++;
    pthread_mutex_unlock(&r->lock);
    cl = mhd_header(conn, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && strtoull(cl, NULL, 10) > r->o.body_max) {
        count_too_big(r, p, rt);
        return answer(conn, 413, verdict_text(TOO_BIG), 0);
    }
    if (!take_slot(r))
        return answer(conn, 503, "busy: too many deliveries in flight\n",
                      r->o.retry_after_s);
    d = kx_xcalloc(1, sizeof(*d));
    d->platform = p;
    d->route = rt;
    *con_cls = d;
    return MHD_YES;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn,
                                 const char *url, const char *method,
                                 const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls)
{
    struct kh_receiver *r = cls;
    struct delivery *d = *con_cls;
    const char *text;
    unsigned status;

    (void)version;
    if (!d)
        return first_call(r, conn, url, method, con_cls);
    if (*upload_size) {
        if (d->dropped || d->body.len + *upload_size > r->o.body_max)
            d->dropped += *upload_size;
        else
            kx_buf_add(&d->body, upload, *upload_size);
        *upload_size = 0;
        if (d->dropped > r->o.body_max) {
            count_too_big(r, d->platform, d->route);
            return MHD_NO; /* far past the limit: stop reading */
        }
        return MHD_YES;
    }
    if (d->dropped) {
        count_too_big(r, d->platform, d->route);
        return answer(conn, 413, verdict_text(TOO_BIG), 0);
    }
    {
        struct headers hs = {mhd_header, conn};

        status = settle(r, &hs, d, &text);
    }
    return answer(conn, status, text, r->o.retry_after_s);
}

unsigned kh__receiver_deliver(struct kh_receiver *r, const char *url,
                              ks_bigcommerce_header_fn get, void *ctx,
                              const char *body, size_t len, const char **text)
{
    struct headers hs = {get, ctx};
    struct delivery d;
    unsigned status;

    memset(&d, 0, sizeof(d));
    d.platform = route(r, url, &d.route);
    if (d.platform == NO_ROUTE) {
        *text = "no such webhook route\n";
        return 404;
    }
    pthread_mutex_lock(&r->lock);
    r->counts.received++;
    pthread_mutex_unlock(&r->lock);
    if (len > r->o.body_max) {
        count_too_big(r, d.platform, d.route);
        *text = verdict_text(TOO_BIG);
        return 413;
    }
    kx_buf_add(&d.body, body, len);
    status = settle(r, &hs, &d, text);
    kx_buf_reset(&d.body);
    return status;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct kh_receiver *r = cls;
    struct delivery *d = *con_cls;

    (void)conn;
    (void)toe;
    if (!d)
        return;
    atomic_fetch_sub(&r->in_flight, 1);
    kx_buf_reset(&d->body);
    free(d);
    *con_cls = NULL;
}

/* ---- lifecycle ---------------------------------------------------------- */

static void fill_defaults(struct kh_receiver_options *o)
{
    if (!o->bind_addr || strcmp(o->bind_addr, "localhost") == 0)
        o->bind_addr = "127.0.0.1";
    o->body_max = o->body_max ? o->body_max : KH_RECEIVER_BODY_MAX;
    o->queue_max = o->queue_max ? o->queue_max : KH_RECEIVER_QUEUE_MAX;
    o->threads = o->threads ? o->threads : 2;
    o->connection_limit = o->connection_limit ? o->connection_limit
                                              : KH_RECEIVER_CONNECTION_LIMIT;
    o->per_ip_connection_limit = o->per_ip_connection_limit
                                     ? o->per_ip_connection_limit
                                     : KH_RECEIVER_PER_IP_LIMIT;
    o->connection_timeout_s = o->connection_timeout_s
                                  ? o->connection_timeout_s
                                  : KH_RECEIVER_CONNECTION_TIMEOUT_S;
    o->in_flight_max =
        o->in_flight_max ? o->in_flight_max : KH_RECEIVER_IN_FLIGHT_MAX;
    o->log_interval_s =
        o->log_interval_s ? o->log_interval_s : KH_RECEIVER_LOG_INTERVAL_S;
    o->retry_after_s = o->retry_after_s ? o->retry_after_s : 60;
}

/*
 * Every connection is a descriptor: raises the soft RLIMIT_NOFILE (never
 * past the hard one) so that connection_limit fits, else lowers the limit
 * to what fits, so that the receiver refuses by its own limit instead of
 * failing accept() with EMFILE.
 */
static void fit_descriptors(struct kh_receiver_options *o)
{
    struct rlimit rl;
    rlim_t need = (rlim_t)o->connection_limit + FD_RESERVE;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need)
        return;
    if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need) {
        rl.rlim_cur = need;
        if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
            return;
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > 2 * FD_RESERVE)
        o->connection_limit = (unsigned)(rl.rlim_cur - FD_RESERVE);
    else
        o->connection_limit = FD_RESERVE;
}

static int any_handle(const struct kh_receiver *r)
{
    for (size_t i = 0; i < r->nroutes; i++) {
        if (r->routes[i].bigcommerce || r->routes[i].woocommerce ||
            r->routes[i].epicor_secret || r->routes[i].adobe)
            return 1;
    }
    return 0;
}

int kh_receiver_start(struct kh_receiver **out,
                      const struct kh_receiver_options *opts, char *err,
                      size_t errsz)
{
    struct kh_receiver *r = kx_xcalloc(1, sizeof(*r));
    struct sockaddr_storage ss;
    const union MHD_DaemonInfo *info;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
    char host[INET6_ADDRSTRLEN];
    int family;

    *out = NULL;
    r->o = *opts;
    fill_defaults(&r->o);
    fit_descriptors(&r->o);
    atomic_init(&r->in_flight, 0);
    pthread_mutex_init(&r->lock, NULL);
    r->single.bigcommerce = r->o.bigcommerce;
    r->single.woocommerce = r->o.woocommerce;
    r->routes = r->o.nroutes ? r->o.routes : &r->single;
    r->nroutes = r->o.nroutes ? r->o.nroutes : 1;
    r->route_counts = kx_xcalloc(r->nroutes, sizeof(*r->route_counts));
    if (!any_handle(r)) {
        snprintf(err, errsz, "receiver: no storefront to receive from");
        goto fail;
    }
    family = kx_addr_parse(&ss, r->o.bind_addr, r->o.port);
    if (family < 0) {
        snprintf(err, errsz, "receiver: bad bind address \"%s\"",
                 r->o.bind_addr);
        goto fail;
    }
    r->daemon = MHD_start_daemon(
        flags | (family == AF_INET6 ? MHD_USE_IPv6 : 0), r->o.port, NULL, NULL,
        on_access, r, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, r->o.threads, MHD_OPTION_CONNECTION_LIMIT,
        r->o.connection_limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        r->o.per_ip_connection_limit, MHD_OPTION_CONNECTION_TIMEOUT,
        r->o.connection_timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)CONNECTION_POOL, MHD_OPTION_NOTIFY_COMPLETED, on_completed, r,
        MHD_OPTION_END);
    if (!r->daemon) {
        snprintf(err, errsz, "receiver: cannot listen on %s port %u",
                 r->o.bind_addr, (unsigned)r->o.port);
        goto fail;
    }
    info = MHD_get_daemon_info(r->daemon, MHD_DAEMON_INFO_BIND_PORT);
    r->port = info ? info->port : r->o.port;
    /* The address as bound: ::ffff:127.0.0.1 listens as 127.0.0.1. */
    inet_ntop(family,
              family == AF_INET6
                  ? (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr
                  : (const void *)&((struct sockaddr_in *)&ss)->sin_addr,
              host, sizeof(host));
    snprintf(r->url, sizeof(r->url),
             family == AF_INET6 ? "http://[%s]:%u" : "http://%s:%u", host,
             (unsigned)r->port);
    *out = r;
    return 0;
fail:
    kh_receiver_stop(r);
    return -1;
}

const char *kh_receiver_url(const struct kh_receiver *r)
{
    return r->url;
}

uint16_t kh_receiver_port(const struct kh_receiver *r)
{
    return r->port;
}

struct kh_receiver_item *kh_receiver_drain(struct kh_receiver *r, size_t *n)
{
    struct kh_receiver_item *q;

    pthread_mutex_lock(&r->lock);
    q = r->queue;
    *n = r->n;
    r->queue = NULL;
    r->n = r->cap = 0;
    pthread_mutex_unlock(&r->lock);
    return q;
}

void kh_receiver_counts(struct kh_receiver_counts *out, struct kh_receiver *r)
{
    pthread_mutex_lock(&r->lock);
    *out = r->counts;
    pthread_mutex_unlock(&r->lock);
}

void kh_receiver_route_counts(struct kh_receiver_route_counts *out,
                              struct kh_receiver *r, size_t i)
{
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&r->lock);
    if (i < r->nroutes)
        *out = r->route_counts[i];
    pthread_mutex_unlock(&r->lock);
}

int kh_receiver_force_status(struct kh_receiver *r, int status)
{
    if (status != 0 && (status < 400 || status > 599))
        return -1;
    pthread_mutex_lock(&r->lock);
    r->forced_status = status;
    pthread_mutex_unlock(&r->lock);
    return 0;
}

void kh_receiver_log_pending(struct kh_receiver *r)
{
    log_refusals(r, 0);
}

void kh_receiver_stop(struct kh_receiver *r)
{
    if (!r)
        return;
    if (r->daemon)
        MHD_stop_daemon(r->daemon); /* first: no handler runs afterwards */
    if (r->daemon)
        log_refusals(r, 1);
    pthread_mutex_destroy(&r->lock);
    free(r->route_counts);
    free(r->queue);
    free(r);
}
