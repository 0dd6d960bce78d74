/*
 * The webhook receiver of `kinsync sync --watch`: a km_server (the
 * emulators' libmicrohttpd plumbing) with one route per storefront.
 *
 *   POST /webhooks/bigcommerce  ks_bigcommerce_webhook_verify
 *   POST /webhooks/woocommerce  ks_woocommerce_webhook_verify
 *
 * Verification runs on the server's threads with storefront handles and a
 * client of the receiver's own: the sync's handles are not thread-safe,
 * and the server's lock (held around every handler) makes sure only one
 * thread verifies at a time, as the verify functions require. A verified
 * order delivery is queued and answered 200 at once (platforms retry slow
 * receivers); the main thread drains the queue between flows. Answers:
 * 200 queued, duplicate or not an order event; 401 bad or missing
 * signature; 413 body too large; 400 a verified body without an order id;
 * 503 when the queue is full (the platform delivers again later).
 *
 * An event whose import then fails is not lost: the orders backfill poll
 * reads every order modified since its cursor, and its cursor never moves
 * past an order it did not handle.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <kinmock/server.h>
#include "ops.h"

#define QUEUE_MAX 10000
#define BODY_MAX ((size_t)1 << 20) /* the verify functions' default, too */

struct kh__receiver {
    struct km_server *server;
    struct ks_client *client; /* the handles below need one; never sends */
    struct ks_bigcommerce *bc;
    struct ks_woocommerce *wc;
    int wake_signal;
    struct km_route routes[2]; /* the server keeps a pointer to them */
    /* Under the server's lock: */
    struct kh__receiver_item *queue;
    size_t n, cap;
    struct kh__receiver_counts counts;
};

static const char *bc_header(void *ud, const char *name)
{
    return km_request_header(ud, name);
}

static void reply(struct km_response *res, int status, const char *text)
{
    km_response_set(res, status, "text/plain", text, strlen(text));
}

static void refused(struct kh__receiver *r, const char *system, ks_rc rc,
                    const char *reason)
{
    r->counts.refused++;
    snprintf(r->counts.last_refusal, sizeof(r->counts.last_refusal),
             "%s: %s%s%s", system, ks_rc_message(rc),
             reason && reason[0] ? ": " : "", reason ? reason : "");
    kill(getpid(), r->wake_signal); /* the main loop reports it */
}

/* Queues item; 0, or -1 when the queue is full. */
static int enqueue(struct kh__receiver *r, const struct kh__receiver_item *it)
{
    if (r->n == QUEUE_MAX)
        return -1;
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 16;
        r->queue = realloc(r->queue, r->cap * sizeof(*r->queue));
        if (!r->queue)
            abort(); /* the CLI may abort on out-of-memory */
    }
    r->queue[r->n++] = *it;
    r->counts.queued++;
    kill(getpid(), r->wake_signal); /* wakes the main loop's sigtimedwait */
    return 0;
}

static void on_bigcommerce(struct km_response *res,
                           const struct km_request *req, void *state)
{
    struct kh__receiver *r = state;
    struct kh__receiver_item it;
    ks_rc rc;

    memset(&it, 0, sizeof(it));
    rc = ks_bigcommerce_webhook_verify(&it.bc, r->bc, bc_header, (void *)req,
                                       req->body, req->body_len, 0);
    if (rc == KS_EDUPLICATE) {
        r->counts.duplicates++;
        reply(res, 200, "duplicate\n");
    } else if (rc) {
        refused(r, "bigcommerce", rc, ks_bigcommerce_webhook_reason(r->bc));
        reply(res,
              rc == KS_ETOOBIG  ? 413
              : rc == KS_EPARSE ? 400
                                : 401,
              rc == KS_ETOOBIG  ? "too large\n"
              : rc == KS_EPARSE ? "not a webhook payload\n"
                                : "signature missing or invalid\n");
    } else if (strncmp(it.bc.scope, "store/order/", 12) != 0) {
        r->counts.ignored++;
        reply(res, 200, "not an order event\n");
    } else if (enqueue(r, &it) != 0) {
        /* Not processed: its retry must verify as new, not as a
         * duplicate. */
        ks_bigcommerce_webhook_forget(r->bc, &it.bc);
        km_response_header(res, "Retry-After", "60");
        reply(res, 503, "queue full\n");
    } else {
        reply(res, 200, "queued\n");
    }
}

/* The order id of a verified WooCommerce order body, or 0. */
static int64_t wc_order_id(const struct km_request *req)
{
    cJSON *doc = km_request_json(req);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(doc, "id");
    int64_t v = 0;

    if (cJSON_IsNumber(id) && id->valuedouble >= 1 &&
        id->valuedouble < 9007199254740992.0)
        v = (int64_t)id->valuedouble;
    cJSON_Delete(doc);
    return v;
}

static void on_woocommerce(struct km_response *res,
                           const struct km_request *req, void *state)
{
    struct kh__receiver *r = state;
    struct ks_woocommerce_webhook_headers h;
    enum ks_woocommerce_webhook_kind kind = KS_WOOCOMMERCE_WEBHOOK_NONE;
    struct kh__receiver_item it;
    ks_rc rc;

    memset(&it, 0, sizeof(it));
    h.signature = km_request_header(req, "X-WC-Webhook-Signature");
    h.delivery_id = km_request_header(req, "X-WC-Webhook-Delivery-ID");
    h.topic = km_request_header(req, "X-WC-Webhook-Topic");
    h.resource = km_request_header(req, "X-WC-Webhook-Resource");
    h.event = km_request_header(req, "X-WC-Webhook-Event");
    h.webhook_id = km_request_header(req, "X-WC-Webhook-ID");
    h.source = km_request_header(req, "X-WC-Webhook-Source");
    rc = ks_woocommerce_webhook_verify(&kind, r->wc, &h, req->body,
                                       req->body_len);
    it.woocommerce = 1;
    if (rc == KS_EDUPLICATE) {
        r->counts.duplicates++;
        reply(res, 200, "duplicate\n");
    } else if (rc) {
        refused(r, "woocommerce", rc, NULL);
        reply(res, rc == KS_ETOOBIG ? 413 : 401,
              rc == KS_ETOOBIG ? "too large\n"
                               : "signature missing or invalid\n");
    } else if (kind != KS_WOOCOMMERCE_WEBHOOK_EVENT || !h.topic ||
               strncmp(h.topic, "order.", 6) != 0 ||
               strcmp(h.topic, "order.deleted") == 0) {
        r->counts.ignored++;
        reply(res, 200,
              kind == KS_WOOCOMMERCE_WEBHOOK_PING ? "pong\n"
                                                  : "not an order event\n");
    } else if ((it.wc_order_id = wc_order_id(req)) == 0) {
        refused(r, "woocommerce", KS_EPARSE, "order body without an id");
        reply(res, 400, "no order id\n");
    } else if (enqueue(r, &it) != 0) {
        km_response_header(res, "Retry-After", "60");
        reply(res, 503, "queue full\n");
    } else {
        reply(res, 200, "queued\n");
    }
}

static void on_other(struct km_response *res, const struct km_request *req,
                     void *state)
{
    (void)req;
    (void)state;
    reply(res, 404, "no such webhook route\n");
}

int kh__receiver_start(struct kh__receiver **out,
                       const struct kh__sync_env *env, int wake_signal,
                       char *err, size_t errsz)
{
    struct ks_client_options co = KS_CLIENT_OPTIONS_INIT;
    struct ks_bigcommerce_options bo = KS_BIGCOMMERCE_OPTIONS_INIT;
    struct ks_woocommerce_options wo = KS_WOOCOMMERCE_OPTIONS_INIT;
    struct km_server_options so;
    struct kh__receiver *r = calloc(1, sizeof(*r));
    size_t nroutes = 0;

    *out = NULL;
    if (!r)
        abort();
    r->wake_signal = wake_signal;
    if (ks_client_new(&r->client, &co) != KS_OK) {
        snprintf(err, errsz, "cannot create a client");
        goto fail;
    }
    if (env->bigcommerce) {
        kh__sync_bc_options(&bo, env);
        bo.webhook_max_body = BODY_MAX;
        if (ks_bigcommerce_new(&r->bc, r->client, &bo) != KS_OK) {
            snprintf(err, errsz, "cannot set up BigCommerce verification");
            goto fail;
        }
        r->routes[nroutes++] =
            (struct km_route){"POST", "/webhooks/bigcommerce", on_bigcommerce};
    }
    if (env->woocommerce) {
        kh__sync_wc_options(&wo, env);
        wo.webhook_max_body = BODY_MAX;
        if (ks_woocommerce_new(&r->wc, r->client, &wo) != KS_OK) {
            snprintf(err, errsz, "cannot set up WooCommerce verification");
            goto fail;
        }
        r->routes[nroutes++] =
            (struct km_route){"POST", "/webhooks/woocommerce", on_woocommerce};
    }
    memset(&so, 0, sizeof(so));
    so.name = "receiver";
    so.bind_addr = kh__sync_str(env->conf->receiver, "bind");
    if (so.bind_addr && strcmp(so.bind_addr, "localhost") == 0)
        so.bind_addr = "127.0.0.1"; /* as `kinsync serve --bind` reads it */
    so.port = (uint16_t)kh__sync_int(env->conf->receiver, "port", 0);
    so.routes = r->routes;
    so.nroutes = nroutes;
    so.state = r;
    so.not_found = on_other;
    so.max_body_bytes = BODY_MAX;
    if (km_server_start(&r->server, &so, err, errsz) != 0)
        goto fail;
    *out = r;
    return 0;
fail:
    kh__receiver_stop(r);
    return -1;
}

const char *kh__receiver_url(const struct kh__receiver *r)
{
    return km_server_url(r->server);
}

struct kh__receiver_item *kh__receiver_drain(struct kh__receiver *r, size_t *n)
{
    struct kh__receiver_item *q;

    km_server_lock(r->server);
    q = r->queue;
    *n = r->n;
    r->queue = NULL;
    r->n = r->cap = 0;
    /* Nobody reads the receiver's journal; keep its memory flat. */
    km_server_journal_clear(r->server);
    km_server_unlock(r->server);
    return q;
}

void kh__receiver_counts(struct kh__receiver_counts *out,
                         struct kh__receiver *r)
{
    km_server_lock(r->server);
    *out = r->counts;
    km_server_unlock(r->server);
}

void kh__receiver_stop(struct kh__receiver *r)
{
    if (!r)
        return;
    km_server_stop(r->server); /* no handler runs after this */
    ks_bigcommerce_free(r->bc);
    ks_woocommerce_free(r->wc);
    ks_client_free(r->client);
    free(r->queue);
    free(r);
}
