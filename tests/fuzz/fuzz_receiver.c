/*
 * fuzz.receiver: the webhook receiver's handling of one delivery
 * (ops/src/receiver.c through kh__receiver_deliver: routing, the body
 * limit, verification, the WooCommerce order id, the queue), fed directly
 * without HTTP.
 *
 * Input: the request path on the first line, "Name: value" header lines,
 * a blank line, the body. One receiver (127.0.0.1, port 0, a 4 KiB body
 * limit, both storefronts) is started once; its queue is drained after
 * every input.
 *
 * Invariants: the status is one of 200, 400, 401, 404, 413 and its text
 * one line; 404 exactly for a path that is not a webhook route, 413 for
 * every body over the limit; a routed input counts as received once; at
 * most one item is queued and only with "queued"; a queued WooCommerce
 * delivery carries a signature computed here with OpenSSL and an order id
 * >= 1; a queued BigCommerce one is an order event.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "fuzz.h"
#include "kinsync.h"
#include "receiver.h"

#define TARGET "fuzz_receiver"
#define WC_SECRET "whsec_fuzz_receiver_3c"
#define BC_SECRET "bc_client_secret_fuzz_receiver"
#define BODY_MAX 4096

static struct kh_receiver *receiver(void)
{
    static struct kh_receiver *r;
    struct ks_bigcommerce_options bo = KS_BIGCOMMERCE_OPTIONS_INIT;
    struct ks_woocommerce_options wo = KS_WOOCOMMERCE_OPTIONS_INIT;
    struct kh_receiver_options o = KH_RECEIVER_OPTIONS_INIT;
    struct ks_client *c = NULL;
    char err[256];

    if (r)
        return r;
    bo.store_hash = "abc123";
    bo.access_token = "tok_fuzz";
    bo.client_secret = BC_SECRET;
    wo.site_url = "https://shop.example";
    wo.consumer_key = "ck_fuzz";
    wo.consumer_secret = "cs_fuzz";
    wo.webhook_secret = WC_SECRET;
    o.body_max = BODY_MAX;
    if (ks_client_new(&c, NULL) != KS_OK ||
        ks_bigcommerce_new(&o.bigcommerce, c, &bo) != KS_OK ||
        ks_woocommerce_new(&o.woocommerce, c, &wo) != KS_OK ||
        kh_receiver_start(&r, &o, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: cannot start a receiver\n", TARGET);
        abort();
    }
    return r; /* kept for the whole run, like its handles */
}

static const char *lookup(void *ctx, const char *name)
{
    return fuzz_message_header(ctx, name);
}

/* 1 when the message carries base64(HMAC-SHA256(WC_SECRET, body)). */
static int wc_signed(const struct fuzz_message *m)
{
    const char *sig = fuzz_message_header(m, "X-WC-Webhook-Signature");
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    char want[64];

    if (!sig ||
        !HMAC(EVP_sha256(), WC_SECRET, (int)strlen(WC_SECRET),
              (const unsigned char *)m->body, m->body_len, mac, &maclen))
        return 0;
    EVP_EncodeBlock((unsigned char *)want, mac, (int)maclen);
    return strcmp(sig, want) == 0;
}

static int is_route(const char *path)
{
    return strcmp(path, "/webhooks/bigcommerce") == 0 ||
           strcmp(path, "/webhooks/woocommerce") == 0;
}

static void check_queue(struct kh_receiver *r, const struct fuzz_message *m,
                        const char *text)
{
    size_t n = 0;
    struct kh_receiver_item *q = kh_receiver_drain(r, &n);

    if (n > 1 || (n == 1) != (strcmp(text, "queued\n") == 0))
        fuzz_violation(TARGET, "queued without saying so, or twice");
    if (n == 1 && q[0].woocommerce && (!wc_signed(m) || q[0].wc_order_id < 1))
        fuzz_violation(TARGET, "a WooCommerce delivery queued unsigned "
                               "or without an order id");
    if (n == 1 && !q[0].woocommerce &&
        strncmp(q[0].bc.scope, "store/order/", 12) != 0)
        fuzz_violation(TARGET, "a BigCommerce event queued that is no order");
    free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kh_receiver *r = receiver();
    struct kh_receiver_counts before, after;
    struct fuzz_message m;
    const char *text = NULL;
    unsigned status;

    fuzz_message_parse(&m, data, size, 1);
    kh_receiver_counts(&before, r);
    status =
        kh__receiver_deliver(r, m.first, lookup, &m, m.body, m.body_len, &text);
    kh_receiver_counts(&after, r);
    if (status != 200 && status != 400 && status != 401 && status != 404 &&
        status != 413)
        fuzz_violation(TARGET, "an unexpected status");
    if (!text || !*text || strchr(text, '\n') != text + strlen(text) - 1)
        fuzz_violation(TARGET, "an answer that is not one line");
    if ((status == 404) != !is_route(m.first))
        fuzz_violation(TARGET, "404 for a route, or a non-route served");
    if (is_route(m.first) && m.body_len > BODY_MAX && status != 413)
        fuzz_violation(TARGET, "a body over the limit not refused with 413");
    if (after.received != before.received + (status != 404))
        fuzz_violation(TARGET, "received not counted once");
    check_queue(r, &m, text);
    fuzz_message_dispose(&m);
    return 0;
}
