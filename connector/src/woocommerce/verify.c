/*
 * Verification of received WooCommerce webhooks.
 *
 * WooCommerce signs a delivery with base64(HMAC-SHA256(secret, body)) in
 * X-WC-Webhook-Signature, computed over the exact bytes sent (its JSON
 * escapes '/' and non-ASCII, so the body must never be re-serialised
 * before checking). The creation ping carries no X-WC-* header and a
 * form body "webhook_id=<n>"; it must be answered 200 or the store shows
 * the hook as broken. WooCommerce never retries, so a repeated delivery
 * id means a replay and is refused.
 */
#include <string.h>
#include "woocommerce_int.h"

static int is_ping(const struct ks_woocommerce_webhook_headers *h,
                   const char *body, size_t len)
{
    static const char prefix[] = "webhook_id=";
    size_t plen = sizeof(prefix) - 1;

    if (h && (h->signature || h->topic || h->delivery_id))
        return 0;
    if (len <= plen || len > plen + 20 || memcmp(body, prefix, plen) != 0)
        return 0;
    for (size_t i = plen; i < len; i++)
        if (body[i] < '0' || body[i] > '9')
            return 0;
    return 1;
}

ks_rc ks_woocommerce_webhook_verify(
    enum ks_woocommerce_webhook_kind *kind, struct ks_woocommerce *wc,
    const struct ks_woocommerce_webhook_headers *headers, const char *body,
    size_t len)
{
    unsigned char mac[KS__SHA256_LEN];
    char *expected = NULL;
    const char *sig = headers ? headers->signature : NULL;
    ks_rc rc;

    *kind = KS_WOOCOMMERCE_WEBHOOK_NONE;
    if (!body)
        body = "";
    if (len > wc->webhook_max_body)
        return KS_ETOOBIG;
    if (is_ping(headers, body, len)) {
        *kind = KS_WOOCOMMERCE_WEBHOOK_PING;
        return KS_OK;
    }
    if (!wc->webhook_secret || !sig || !*sig)
        return KS_ESIGNATURE;
    rc = ks__hmac(mac, KS__SHA256, wc->webhook_secret->value,
                  wc->webhook_secret->len, body, len);
    if (rc)
        return rc;
    expected = ks__base64_encode(mac, sizeof(mac));
    if (!expected)
        return KS_ENOMEM;
    if (!ks__secure_equal(expected, strlen(expected), sig, strlen(sig))) {
        rc = KS_ESIGNATURE;
        goto out;
    }
    /* Only a verified delivery may enter the seen-set: otherwise forged
     * requests could push real ids out of it. */
    if (headers->delivery_id && *headers->delivery_id) {
        if (ks__seen_has(&wc->seen, headers->delivery_id)) {
            rc = KS_EDUPLICATE;
            goto out;
        }
        rc = ks__seen_add(&wc->seen, headers->delivery_id);
        if (rc)
            goto out;
    }
    *kind = KS_WOOCOMMERCE_WEBHOOK_EVENT;
    rc = KS_OK;
out:
    ks__free(expected);
    return rc;
}
