/*
 * The webhook receiver over loopback, driven with libcurl as the platforms
 * would: genuine deliveries signed here with OpenSSL (the platform's side),
 * forged, oversized (declared and chunked), duplicate and unusable ones, a
 * full queue and the forced status.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <pthread.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "kinsync.h"
#include "receiver.h"

#define BC_SECRET "bc_client_secret_test"
#define WC_SECRET "whsec_test"
#define NOW_S 1767600000LL
#define BODY_MAX 4096

struct fx {
    struct ks_clock *clock;
    struct ks_client *client;
    struct ks_bigcommerce *bc;
    struct ks_woocommerce *wc;
    struct kh_receiver *rcv;
    atomic_int notified;
};

/* One answer as curl saw it. */
struct reply {
    long status; /* 0: no answer */
    char body[128];
    char retry_after[16];
};

static void notify(void *userdata)
{
    struct fx *f = userdata;

    atomic_fetch_add(&f->notified, 1);
}

static void start(struct fx *f, size_t queue_max)
{
    struct kh_receiver_options o = KH_RECEIVER_OPTIONS_INIT;
    char err[256];

    o.bigcommerce = f->bc;
    o.woocommerce = f->wc;
    o.body_max = BODY_MAX;
    o.queue_max = queue_max;
    o.retry_after_s = 7;
    o.notify = notify;
    o.userdata = f;
    assert_int_equal(kh_receiver_start(&f->rcv, &o, err, sizeof(err)), 0);
}

static int setup(void **state)
{
    struct ks_client_options co = KS_CLIENT_OPTIONS_INIT;
    struct ks_bigcommerce_options bo = KS_BIGCOMMERCE_OPTIONS_INIT;
    struct ks_woocommerce_options wo = KS_WOOCOMMERCE_OPTIONS_INIT;
    struct fx *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    /* BigCommerce timestamps are judged on the client's clock. */
    assert_int_equal(ks_clock_new_virtual(&f->clock, NOW_S * 1000), KS_OK);
    co.clock = f->clock;
    assert_int_equal(ks_client_new(&f->client, &co), KS_OK);
    bo.store_hash = "abc123";
    bo.access_token = "tok_1";
    bo.client_secret = BC_SECRET;
    assert_int_equal(ks_bigcommerce_new(&f->bc, f->client, &bo), KS_OK);
    wo.site_url = "https://shop.example";
    wo.consumer_key = "ck_1";
    wo.consumer_secret = "cs_1";
    wo.webhook_secret = WC_SECRET;
    assert_int_equal(ks_woocommerce_new(&f->wc, f->client, &wo), KS_OK);
    start(f, 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    kh_receiver_stop(f->rcv);
    ks_bigcommerce_free(f->bc);
    ks_woocommerce_free(f->wc);
    ks_client_free(f->client);
    ks_clock_free(f->clock);
    free(f);
    return 0;
}

/* Restarts the fixture's receiver with another queue size. */
static void restart(struct fx *f, size_t queue_max)
{
    kh_receiver_stop(f->rcv);
    f->rcv = NULL;
    start(f, queue_max);
}

/* base64(HMAC-SHA256(key, msg)) */
static void sign(char *out, const char *key, const char *msg)
{
    unsigned char mac[32];
    unsigned maclen = 0;

    HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)msg,
         strlen(msg), mac, &maclen);
    EVP_EncodeBlock((unsigned char *)out, mac, (int)maclen);
}

/* ---- HTTP, as the platforms send it ------------------------------------ */

struct upload {
    const char *data;
    size_t len, off;
};

static size_t read_piece(char *buf, size_t size, size_t n, void *ud)
{
    struct upload *u = ud;
    size_t k = u->len - u->off;

    if (k > size * n)
        k = size * n;
    if (k > 1000)
        k = 1000; /* several chunks */
    memcpy(buf, u->data + u->off, k);
    u->off += k;
    return k;
}

static size_t keep_body(char *data, size_t size, size_t n, void *ud)
{
    struct reply *r = ud;
    size_t have = strlen(r->body), k = size * n;

    if (have + k < sizeof(r->body))
        memcpy(r->body + have, data, k);
    return size * n;
}

static size_t keep_header(char *data, size_t size, size_t n, void *ud)
{
    struct reply *r = ud;
    size_t k = size * n;

    if (k > 13 && strncasecmp(data, "Retry-After: ", 13) == 0)
        snprintf(r->retry_after, sizeof(r->retry_after), "%.*s",
                 (int)strcspn(data + 13, "\r\n"), data + 13);
    return k;
}

/* POSTs body (method NULL) to path with headers (NULL-ended), chunked
 * when asked. */
static struct reply send_to(struct fx *f, const char *method, const char *path,
                            const char *const *headers, const char *body,
                            size_t len, int chunked)
{
    struct reply r;
    struct upload up = {body, len, 0};
    struct curl_slist *hl = NULL;
    char url[256];
    CURL *h = curl_easy_init();

    memset(&r, 0, sizeof(r));
    assert_non_null(h);
    snprintf(url, sizeof(url), "%s%s", kh_receiver_url(f->rcv), path);
    for (size_t i = 0; headers && headers[i]; i++)
        hl = curl_slist_append(hl, headers[i]);
    if (chunked) {
        hl = curl_slist_append(hl, "Transfer-Encoding: chunked");
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, read_piece);
        curl_easy_setopt(h, CURLOPT_READDATA, &up);
    } else if (!method) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)len);
    } else {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, keep_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(hl);
    curl_easy_cleanup(h);
    return r;
}

/* A BigCommerce thin payload for order id in scope, signed with key under
 * webhook-id msg_id. */
static struct reply bc_send(struct fx *f, const char *key, const char *msg_id,
                            const char *scope, int64_t id)
{
    char body[400], msg[600], sig[64], h_id[80], h_ts[64], h_sig[100];
    const char *headers[] = {h_id, h_ts, h_sig, NULL};

    snprintf(body, sizeof(body),
             "{\"scope\":\"%s\",\"store_id\":\"1000001\",\"data\":{\"type\":"
             "\"order\",\"id\":%lld},\"hash\":\"%040lld\",\"created_at\":%lld,"
             "\"producer\":\"stores/abc123\"}",
             scope, (long long)id, (long long)id, NOW_S);
    snprintf(msg, sizeof(msg), "%s.%lld.%s", msg_id, NOW_S, body);
    sign(sig, key, msg);
    snprintf(h_id, sizeof(h_id), "webhook-id: %s", msg_id);
    snprintf(h_ts, sizeof(h_ts), "webhook-timestamp: %lld", NOW_S);
    snprintf(h_sig, sizeof(h_sig), "webhook-signature: v1,%s", sig);
    return send_to(f, NULL, "/webhooks/bigcommerce", headers, body,
                   strlen(body), 0);
}

/* A WooCommerce delivery of body on topic, signed with key, to path. */
static struct reply wc_send_to(struct fx *f, const char *path, const char *key,
                               const char *delivery, const char *topic,
                               const char *body)
{
    char sig[64], h_sig[100], h_id[80], h_topic[80];
    const char *headers[] = {h_sig, h_id, h_topic, NULL};

    sign(sig, key, body);
    snprintf(h_sig, sizeof(h_sig), "X-WC-Webhook-Signature: %s", sig);
    snprintf(h_id, sizeof(h_id), "X-WC-Webhook-Delivery-ID: %s", delivery);
    snprintf(h_topic, sizeof(h_topic), "X-WC-Webhook-Topic: %s", topic);
    return send_to(f, NULL, path, headers, body, strlen(body), 0);
}

static struct reply wc_send(struct fx *f, const char *key, const char *delivery,
                            const char *topic, const char *body)
{
    return wc_send_to(f, "/webhooks/woocommerce", key, delivery, topic, body);
}

#define WC_ORDER "{\"id\":42,\"status\":\"processing\"}"

static struct kh_receiver_counts counts(struct fx *f)
{
    struct kh_receiver_counts c;

    kh_receiver_counts(&c, f->rcv);
    return c;
}

/* Asserts r was answered "queued" and the queue holds exactly one item,
 * which is taken and returned. */
static struct kh_receiver_item queued_one(struct fx *f, struct reply r)
{
    struct kh_receiver_item it, *q;
    size_t n;

    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "queued\n");
    q = kh_receiver_drain(f->rcv, &n);
    assert_int_equal(n, 1);
    it = q[0];
    free(q);
    return it;
}

/* ---- the tests ---------------------------------------------------------- */

static void genuine_bigcommerce_order_event_is_queued(void **state)
{
    struct fx *f = *state;
    struct kh_receiver_item it = queued_one(
        f, bc_send(f, BC_SECRET, "msg_1", "store/order/created", 250));

    assert_false(it.woocommerce);
    assert_int_equal(it.bc.id, 250);
    assert_string_equal(it.bc.scope, "store/order/created");
    assert_int_equal(counts(f).queued, 1);
    assert_int_equal(counts(f).verified, 1);
    assert_int_equal(atomic_load(&f->notified), 1);
}

static void genuine_woocommerce_order_event_is_queued(void **state)
{
    struct fx *f = *state;
    struct kh_receiver_item it =
        queued_one(f, wc_send(f, WC_SECRET, "d1", "order.created", WC_ORDER));
    size_t n;

    assert_true(it.woocommerce);
    assert_int_equal(it.wc_order_id, 42);
    assert_null(kh_receiver_drain(f->rcv, &n));
    assert_int_equal(n, 0);
}

static void forged_deliveries_are_401_and_not_queued(void **state)
{
    struct fx *f = *state;
    size_t n;

    assert_int_equal(
        bc_send(f, "not_the_secret", "msg_1", "store/order/created", 250)
            .status,
        401);
    assert_int_equal(
        wc_send(f, "not_the_secret", "d1", "order.created", WC_ORDER).status,
        401);
    assert_null(kh_receiver_drain(f->rcv, &n));
    assert_int_equal(counts(f).rejected, 2);
    assert_int_equal(counts(f).refused, 2);
    assert_string_equal(counts(f).last_rc, "KS_ESIGNATURE");
    assert_non_null(strstr(counts(f).last_refusal, "woocommerce: "));
    /* The forged one was not remembered: the genuine one is news. */
    assert_int_equal(
        bc_send(f, BC_SECRET, "msg_1", "store/order/created", 250).status, 200);
}

static void body_over_the_limit_is_413(void **state)
{
    struct fx *f = *state;
    char *big = malloc(BODY_MAX * 2);
    struct reply r;
    size_t n;

    memset(big, 'x', BODY_MAX * 2);
    r = send_to(f, NULL, "/webhooks/woocommerce", NULL, big, BODY_MAX * 2, 0);
    assert_int_equal(r.status, 413);
    assert_int_equal(counts(f).too_big, 1);
    assert_null(kh_receiver_drain(f->rcv, &n));
    free(big);
}

static void chunked_body_over_the_limit_is_413(void **state)
{
    struct fx *f = *state;
    char *big = malloc(BODY_MAX + BODY_MAX / 2);
    struct reply r;

    memset(big, 'x', BODY_MAX + BODY_MAX / 2);
    r = send_to(f, NULL, "/webhooks/bigcommerce", NULL, big,
                BODY_MAX + BODY_MAX / 2, 1);
    assert_int_equal(r.status, 413);
    assert_int_equal(counts(f).too_big, 1);
    free(big);
}

static void chunked_body_far_past_the_limit_is_cut_off(void **state)
{
    struct fx *f = *state;
    size_t len = BODY_MAX * 16;
    char *big = malloc(len);
    struct reply r;

    memset(big, 'x', len);
    r = send_to(f, NULL, "/webhooks/bigcommerce", NULL, big, len, 1);
    assert_true(r.status != 200);
    assert_int_equal(counts(f).too_big, 1);
    assert_int_equal(counts(f).verified, 0);
    free(big);
}

static void full_queue_is_503_with_retry_after(void **state)
{
    struct fx *f = *state;
    struct reply r;
    struct kh_receiver_item *q;
    size_t n;

    restart(f, 1);
    assert_int_equal(
        wc_send(f, WC_SECRET, "d1", "order.created", WC_ORDER).status, 200);
    r = wc_send(f, WC_SECRET, "d2", "order.updated", WC_ORDER);
    assert_int_equal(r.status, 503);
    assert_string_equal(r.retry_after, "7");
    r = bc_send(f, BC_SECRET, "msg_1", "store/order/created", 250);
    assert_int_equal(r.status, 503);
    assert_int_equal(counts(f).busy, 2);
    q = kh_receiver_drain(f->rcv, &n);
    assert_int_equal(n, 1);
    free(q);
    /* The refused delivery was forgotten: its retry is processed. */
    r = bc_send(f, BC_SECRET, "msg_1", "store/order/created", 250);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "queued\n");
    free(kh_receiver_drain(f->rcv, &n));
    assert_int_equal(n, 1);
}

static void duplicate_is_200_and_queued_once(void **state)
{
    struct fx *f = *state;
    struct reply r;
    size_t n;

    assert_int_equal(
        wc_send(f, WC_SECRET, "d1", "order.created", WC_ORDER).status, 200);
    r = wc_send(f, WC_SECRET, "d1", "order.created", WC_ORDER);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "duplicate\n");
    assert_int_equal(
        bc_send(f, BC_SECRET, "msg_1", "store/order/created", 250).status, 200);
    r = bc_send(f, BC_SECRET, "msg_1", "store/order/created", 250);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "duplicate\n");
    free(kh_receiver_drain(f->rcv, &n));
    assert_int_equal(n, 2);
    assert_int_equal(counts(f).duplicates, 2);
    assert_int_equal(counts(f).queued, 2);
}

static void other_events_and_pings_are_200_and_not_queued(void **state)
{
    struct fx *f = *state;
    const char *ping_headers[] = {
        "Content-Type: application/x-www-form-urlencoded", NULL};
    struct reply r;
    size_t n;

    r = bc_send(f, BC_SECRET, "msg_1", "store/product/updated", 7);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "ignored: not an order event\n");
    assert_int_equal(
        wc_send(f, WC_SECRET, "d1", "product.updated", WC_ORDER).status, 200);
    assert_int_equal(
        wc_send(f, WC_SECRET, "d2", "order.deleted", WC_ORDER).status, 200);
    r = send_to(f, NULL, "/webhooks/woocommerce", ping_headers, "webhook_id=3",
                12, 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "pong\n");
    assert_null(kh_receiver_drain(f->rcv, &n));
    assert_int_equal(counts(f).ignored, 4);
    assert_int_equal(counts(f).pings, 1);
}

static void verified_but_unusable_is_400(void **state)
{
    struct fx *f = *state;
    char sig[64], h_id[] = "webhook-id: msg_9", h_ts[64], h_sig[100], msg[200];
    const char *headers[] = {h_id, h_ts, h_sig, NULL};
    size_t n;

    assert_int_equal(wc_send(f, WC_SECRET, "d1", "order.created",
                             "{\"status\":\"processing\"}")
                         .status,
                     400);
    snprintf(msg, sizeof(msg), "msg_9.%lld.[]", NOW_S);
    sign(sig, BC_SECRET, msg);
    snprintf(h_ts, sizeof(h_ts), "webhook-timestamp: %lld", NOW_S);
    snprintf(h_sig, sizeof(h_sig), "webhook-signature: v1,%s", sig);
    assert_int_equal(
        send_to(f, NULL, "/webhooks/bigcommerce", headers, "[]", 2, 0).status,
        400);
    assert_null(kh_receiver_drain(f->rcv, &n));
    assert_int_equal(counts(f).unusable, 2);
}

static void forced_status_fails_deliveries_until_cleared(void **state)
{
    struct fx *f = *state;
    struct reply r;
    size_t n;

    assert_int_equal(kh_receiver_force_status(f->rcv, 500), 0);
    r = bc_send(f, BC_SECRET, "msg_1", "store/order/created", 250);
    assert_int_equal(r.status, 500);
    assert_null(kh_receiver_drain(f->rcv, &n));
    assert_int_equal(kh_receiver_force_status(f->rcv, 503), 0);
    r = wc_send(f, WC_SECRET, "d1", "order.created", WC_ORDER);
    assert_int_equal(r.status, 503);
    assert_string_equal(r.retry_after, "7");
    assert_int_equal(kh_receiver_force_status(f->rcv, 200), -1);
    assert_int_equal(kh_receiver_force_status(f->rcv, 0), 0);
    /* The BigCommerce retry is processed like a first attempt. */
    r = bc_send(f, BC_SECRET, "msg_1", "store/order/created", 250);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "queued\n");
    assert_int_equal(counts(f).forced, 2);
    assert_int_equal(counts(f).verified, 3);
}

static void other_routes_and_methods_are_refused(void **state)
{
    struct fx *f = *state;

    assert_int_equal(
        send_to(f, "GET", "/webhooks/bigcommerce", NULL, NULL, 0, 0).status,
        405);
    assert_int_equal(send_to(f, NULL, "/hooks", NULL, "{}", 2, 0).status, 404);
    assert_int_equal(counts(f).received, 0);
}

/* Two connections on one receiver: each verifies with its own secret at
 * /webhooks/NAME/<platform>, items say which route they came by, and the
 * counts are kept per route. */
static void routes_verify_each_connection_with_its_own_secret(void **state)
{
    struct fx *f = *state;
    struct ks_woocommerce_options wo = KS_WOOCOMMERCE_OPTIONS_INIT;
    struct ks_woocommerce *beta_wc = NULL;
    struct kh_receiver_options o = KH_RECEIVER_OPTIONS_INIT;
    struct kh_receiver_route routes[2] = {{"acme", NULL, NULL, NULL, NULL},
                                          {"beta", NULL, NULL, NULL, NULL}};
    struct kh_receiver_route_counts acme, beta;
    struct kh_receiver_item it;
    char err[256];

    wo.site_url = "https://beta.example";
    wo.consumer_key = "ck_2";
    wo.consumer_secret = "cs_2";
    wo.webhook_secret = "whsec_beta";
    assert_int_equal(ks_woocommerce_new(&beta_wc, f->client, &wo), KS_OK);
    routes[0].bigcommerce = f->bc;
    routes[0].woocommerce = f->wc;
    routes[1].woocommerce = beta_wc;
    kh_receiver_stop(f->rcv);
    o.routes = routes;
    o.nroutes = 2;
    assert_int_equal(kh_receiver_start(&f->rcv, &o, err, sizeof(err)), 0);

    it = queued_one(f, wc_send_to(f, "/webhooks/acme/woocommerce", WC_SECRET,
                                  "a1", "order.created", WC_ORDER));
    assert_int_equal(it.route, 0);
    assert_int_equal(it.wc_order_id, 42);
    it = queued_one(f, wc_send_to(f, "/webhooks/beta/woocommerce", "whsec_beta",
                                  "b1", "order.created", WC_ORDER));
    assert_int_equal(it.route, 1);
    /* acme's secret is no good for beta, and the unnamed paths are gone */
    assert_int_equal(wc_send_to(f, "/webhooks/beta/woocommerce", WC_SECRET,
                                "b2", "order.created", WC_ORDER)
                         .status,
                     401);
    assert_int_equal(
        wc_send(f, WC_SECRET, "a2", "order.created", WC_ORDER).status, 404);
    assert_int_equal(
        send_to(f, NULL, "/webhooks/beta/bigcommerce", NULL, "{}", 2, 0).status,
        404);
    assert_int_equal(wc_send_to(f, "/webhooks/gamma/woocommerce", WC_SECRET,
                                "g1", "order.created", WC_ORDER)
                         .status,
                     404);
    kh_receiver_route_counts(&acme, f->rcv, 0);
    kh_receiver_route_counts(&beta, f->rcv, 1);
    assert_int_equal(acme.accepted, 1);
    assert_int_equal(acme.refused, 0);
    assert_int_equal(beta.accepted, 1);
    assert_int_equal(beta.refused, 1);
    assert_int_equal(beta.rejected, 1);
    kh_receiver_stop(f->rcv);
    f->rcv = NULL;
    ks_woocommerce_free(beta_wc);
}

/* What the durable intake answers, and what it was given. */
struct intake {
    int answer; /* 0 committed, 1 memory queue, -1 failed */
    int calls;
    int64_t last_id;
};

static int intake_commit(void *userdata, const struct kh_receiver_item *it)
{
    struct intake *in = userdata;

    in->calls++;
    in->last_id = it->bc.id;
    return in->answer;
}

/* With commit: 0 answers 200 without the memory queue; -1 answers 503 and
 * forgets the delivery (its retry verifies as new, not as a duplicate);
 * 1 falls back to the memory queue. */
static void commit_decides_between_200_503_and_the_memory_queue(void **state)
{
    struct fx *f = *state;
    struct kh_receiver_options o = KH_RECEIVER_OPTIONS_INIT;
    struct intake in = {-1, 0, 0};
    struct reply r;
    size_t n;
    char err[256];

    kh_receiver_stop(f->rcv);
    o.bigcommerce = f->bc;
    o.woocommerce = f->wc;
    o.body_max = BODY_MAX;
    o.retry_after_s = 7;
    o.commit = intake_commit;
    o.commit_userdata = &in;
    assert_int_equal(kh_receiver_start(&f->rcv, &o, err, sizeof(err)), 0);

    r = bc_send(f, BC_SECRET, "msg_c1", "store/order/created", 301);
    assert_int_equal(r.status, 503);
    assert_string_equal(r.retry_after, "7");
    assert_int_equal(in.calls, 1);
    in.answer = 0; /* the platform's retry: new, committed this time */
    r = bc_send(f, BC_SECRET, "msg_c1", "store/order/created", 301);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "queued\n");
    assert_int_equal(in.calls, 2);
    assert_int_equal(in.last_id, 301);
    assert_null(kh_receiver_drain(f->rcv, &n));
    assert_int_equal(n, 0);
    in.answer = 1;
    queued_one(f, bc_send(f, BC_SECRET, "msg_c2", "store/order/created", 302));
    assert_int_equal(in.calls, 3);
    /* refusals never reach the intake */
    assert_int_equal(
        bc_send(f, "wrong", "msg_c3", "store/order/created", 303).status, 401);
    assert_int_equal(in.calls, 3);
}

#define SENDERS 4
#define SENT 10 /* per sender */

struct sender {
    struct fx *f;
    int id;
    int not_queued; /* answers other than 200 "queued" */
    atomic_int *done;
};

/* Sends SENT WooCommerce orders, ids (id + 1) * 100 + i (an order id is
 * positive), each its own delivery. */
static void *sender_run(void *ud)
{
    struct sender *s = ud;
    char body[80], delivery[32];
    struct reply r;

    for (int i = 0; i < SENT; i++) {
        snprintf(body, sizeof(body), "{\"id\":%d,\"status\":\"processing\"}",
                 (s->id + 1) * 100 + i);
        snprintf(delivery, sizeof(delivery), "c%d-%d", s->id, i);
        r = wc_send(s->f, WC_SECRET, delivery, "order.created", body);
        s->not_queued += r.status != 200 || strcmp(r.body, "queued\n") != 0;
    }
    atomic_fetch_add(s->done, 1);
    return NULL;
}

/* Takes what is queued; marks each order id seen (counting repeats). */
static void drain_into(struct fx *f, int seen[SENDERS * 100])
{
    struct kh_receiver_item *items;
    size_t n;

    items = kh_receiver_drain(f->rcv, &n);
    for (size_t i = 0; i < n; i++) {
        assert_true(items[i].woocommerce);
        assert_in_range(items[i].wc_order_id, 100, SENDERS * 100 + 99);
        seen[items[i].wc_order_id - 100]++;
    }
    free(items);
}

static void concurrent_deliveries_are_each_queued_once(void **state)
{
    struct fx *f = *state;
    struct sender senders[SENDERS];
    pthread_t threads[SENDERS];
    struct timespec ms = {0, 1000000L};
    atomic_int done = 0;
    int seen[SENDERS * 100] = {0};

    for (int i = 0; i < SENDERS; i++) {
        senders[i] = (struct sender){.f = f, .id = i, .done = &done};
        assert_int_equal(
            pthread_create(&threads[i], NULL, sender_run, &senders[i]), 0);
    }
    /* Drain while the deliveries arrive, as kinsync sync does. */
    while (atomic_load(&done) < SENDERS) {
        drain_into(f, seen);
        assert_true(counts(f).received <= SENDERS * SENT);
        nanosleep(&ms, NULL);
    }
    for (int i = 0; i < SENDERS; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(senders[i].not_queued, 0);
    }
    drain_into(f, seen);
    for (int t = 0; t < SENDERS; t++) {
        for (int i = 0; i < 100; i++)
            assert_int_equal(seen[t * 100 + i], i < SENT);
    }
    assert_int_equal(counts(f).queued, SENDERS * SENT);
    assert_int_equal(atomic_load(&f->notified), SENDERS * SENT);
}

static void start_refuses_a_bad_address_and_no_storefront(void **state)
{
    struct kh_receiver_options o = KH_RECEIVER_OPTIONS_INIT;
    struct kh_receiver *r = NULL;
    char err[256];

    (void)state;
    assert_int_equal(kh_receiver_start(&r, &o, err, sizeof(err)), -1);
    assert_null(r);
    assert_non_null(strstr(err, "no storefront"));
    o.woocommerce = ((struct fx *)*state)->wc;
    o.bind_addr = "not-an-address";
    assert_int_equal(kh_receiver_start(&r, &o, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not-an-address"));
}

/* An IPv4-mapped loopback address passes every loopback check, so it must
 * also bind: as the IPv4 address it carries, with that in the URL. */
static void ipv4_mapped_bind_listens_on_ipv4(void **state)
{
    struct kh_receiver_options o = KH_RECEIVER_OPTIONS_INIT;
    struct kh_receiver *r = NULL;
    char err[256] = "", prefix[64];

    o.woocommerce = ((struct fx *)*state)->wc;
    o.bind_addr = "::ffff:127.0.0.1";
    if (kh_receiver_start(&r, &o, err, sizeof(err)) != 0)
        fail_msg("::ffff:127.0.0.1 refused: %s", err);
    snprintf(prefix, sizeof(prefix), "http://127.0.0.1:%u",
             (unsigned)kh_receiver_port(r));
    assert_string_equal(kh_receiver_url(r), prefix);
    kh_receiver_stop(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(genuine_bigcommerce_order_event_is_queued),
        T(genuine_woocommerce_order_event_is_queued),
        T(forged_deliveries_are_401_and_not_queued),
        T(body_over_the_limit_is_413),
        T(chunked_body_over_the_limit_is_413),
        T(chunked_body_far_past_the_limit_is_cut_off),
        T(full_queue_is_503_with_retry_after),
        T(duplicate_is_200_and_queued_once),
        T(other_events_and_pings_are_200_and_not_queued),
        T(verified_but_unusable_is_400),
        T(forced_status_fails_deliveries_until_cleared),
        T(other_routes_and_methods_are_refused),
        T(routes_verify_each_connection_with_its_own_secret),
        T(commit_decides_between_200_503_and_the_memory_queue),
        T(concurrent_deliveries_are_each_queued_once),
        T(start_refuses_a_bad_address_and_no_storefront),
        T(ipv4_mapped_bind_listens_on_ipv4),
#undef T
    };
    int rc;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
