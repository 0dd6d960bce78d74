/*
 * Verification of received BigCommerce webhooks.
 *
 * BigCommerce's HTTPS webhook page says deliveries are signed per the
 * Standard Webhooks spec: webhook-id, webhook-timestamp (unix seconds) and
 * webhook-signature ("v1,<base64>" entries separated by spaces), the MAC
 * being HMAC-SHA256 over "<id>.<timestamp>.<raw body>". Its samples hand
 * base64(client_secret) to the Standard Webhooks library, which decodes it
 * again: the key is the raw client secret. Older setups authenticate with
 * a custom header registered on the hook, so that path stays available
 * when no Standard Webhooks headers come. X-BC-Signature is not checked:
 * no vendor source documents it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bigcommerce_int.h"

static ks_rc refuse(struct ks_bigcommerce *bc, ks_rc rc, const char *why)
{
    snprintf(bc->reason, sizeof(bc->reason), "%s", why);
    return rc;
}

const char *ks_bigcommerce_webhook_reason(const struct ks_bigcommerce *bc)
{
    return bc->reason;
}

/* Strict decimal; -1 when malformed. */
static int parse_i64(int64_t *out, const char *s)
{
    char *end;
    long long v;

    if (!s || *s < '0' || *s > '9')
        return -1;
    v = strtoll(s, &end, 10);
    if (*end)
        return -1;
    *out = (int64_t)v;
    return 0;
}

/* 1 when one of the "v1,<base64>" entries of header equals mac. *entries
 * counts the v1 entries seen (0 means the header is malformed). */
static int any_match(int *entries, const char *header,
                     const unsigned char mac[KS__SHA256_LEN])
{
    const char *p = header;
    int match = 0;

    *entries = 0;
    while (*p) {
        const char *end;
        char token[256];
        unsigned char *raw = NULL;
        size_t rawlen = 0, n;

        while (*p == ' ')
            p++;
        end = strchr(p, ' ');
        n = end ? (size_t)(end - p) : strlen(p);
        if (n > 3 && n < sizeof(token) && strncmp(p, "v1,", 3) == 0) {
            memcpy(token, p + 3, n - 3);
            token[n - 3] = '\0';
            (*entries)++;
            if (ks__base64_decode(&raw, &rawlen, token) == KS_OK) {
                /* Every entry is compared, in constant time each, so the
                 * position of a match does not show in the timing. */
                match |= ks__secure_equal(raw, rawlen, mac, KS__SHA256_LEN);
                ks__free(raw);
            }
        }
        p += n;
    }
    return match;
}

static ks_rc verify_signature(struct ks_bigcommerce *bc, const char *id,
                              const char *ts, const char *sig, const char *body,
                              size_t len, int64_t now_ms)
{
    unsigned char mac[KS__SHA256_LEN];
    int64_t t;
    size_t idlen, tslen;
    char *msg;
    int entries = 0, ok;
    ks_rc rc;

    if (!bc->client_secret)
        return refuse(bc, KS_ESIGNATURE, "no client secret configured");
    if (!id || !*id || !ts || !sig)
        return refuse(bc, KS_ESIGNATURE, "incomplete webhook-* headers");
    /* Beyond year 5000 is malformed, and keeps t * 1000 from overflowing. */
    if (parse_i64(&t, ts) != 0 || t > INT64_C(95617584000))
        return refuse(bc, KS_ESIGNATURE, "malformed webhook-timestamp");
    if (t * 1000 < now_ms - bc->webhook_tolerance_s * 1000 ||
        t * 1000 > now_ms + bc->webhook_tolerance_s * 1000)
        return refuse(bc, KS_ESIGNATURE,
                      "webhook-timestamp outside the tolerance (replay?)");
    idlen = strlen(id);
    tslen = strlen(ts);
    msg = ks__malloc(idlen + tslen + len + 3);
    if (!msg)
        return KS_ENOMEM;
    memcpy(msg, id, idlen);
    msg[idlen] = '.';
    memcpy(msg + idlen + 1, ts, tslen);
    msg[idlen + 1 + tslen] = '.';
    memcpy(msg + idlen + tslen + 2, body, len);
    rc = ks__hmac(mac, KS__SHA256, bc->client_secret->value,
                  bc->client_secret->len, msg, idlen + tslen + 2 + len);
    ks__free(msg);
    if (rc)
        return rc;
    ok = any_match(&entries, sig, mac);
    if (!entries)
        return refuse(bc, KS_ESIGNATURE, "malformed webhook-signature");
    if (!ok)
        return refuse(bc, KS_ESIGNATURE, "webhook-signature does not match");
    return KS_OK;
}

/* Checks and records the delivery id and the payload hash. */
static ks_rc dedupe(struct ks_bigcommerce *bc,
                    const struct ks_bigcommerce_event *ev)
{
    char idkey[140], hashkey[56];
    ks_rc rc = KS_OK;

    snprintf(idkey, sizeof(idkey), "id:%s", ev->webhook_id);
    snprintf(hashkey, sizeof(hashkey), "hash:%s", ev->hash);
    if ((ev->webhook_id[0] && ks__seen_has(&bc->seen, idkey)) ||
        (ev->hash[0] && ks__seen_has(&bc->seen, hashkey)))
        return refuse(bc, KS_EDUPLICATE, "delivery seen before");
    if (ev->webhook_id[0])
        rc = ks__seen_add(&bc->seen, idkey);
    if (!rc && ev->hash[0])
        rc = ks__seen_add(&bc->seen, hashkey);
    return rc;
}

void ks_bigcommerce_webhook_forget(struct ks_bigcommerce *bc,
                                   const struct ks_bigcommerce_event *ev)
{
    char idkey[140], hashkey[56];

    if (ev->webhook_id[0]) {
        snprintf(idkey, sizeof(idkey), "id:%s", ev->webhook_id);
        ks__seen_remove(&bc->seen, idkey);
    }
    if (ev->hash[0]) {
        snprintf(hashkey, sizeof(hashkey), "hash:%s", ev->hash);
        ks__seen_remove(&bc->seen, hashkey);
    }
}

ks_rc ks_bigcommerce_webhook_verify(struct ks_bigcommerce_event *event,
                                    struct ks_bigcommerce *bc,
                                    ks_bigcommerce_header_fn get_header,
                                    void *header_userdata, const char *body,
                                    size_t len, int64_t now_ms)
{
    const char *id, *ts, *sig;
    ks_rc rc;

    memset(event, 0, sizeof(*event));
    event->previous_status_id = event->new_status_id = -1;
    bc->reason[0] = '\0';
    if (!body)
        body = "";
    if (!now_ms)
        now_ms = ks_clock_now_ms(ks_client_clock(bc->client));
    if (len > bc->webhook_max_body)
        return refuse(bc, KS_ETOOBIG, "body larger than webhook_max_body");
    id = get_header(header_userdata, "webhook-id");
    ts = get_header(header_userdata, "webhook-timestamp");
    sig = get_header(header_userdata, "webhook-signature");
    if (sig || id || ts) {
        rc = verify_signature(bc, id, ts, sig, body, len, now_ms);
        if (rc)
            return rc;
        event->auth = KS_BIGCOMMERCE_WEBHOOK_SIGNATURE;
        snprintf(event->webhook_id, sizeof(event->webhook_id), "%s", id);
    } else if (bc->webhook_header_name) {
        const char *v = get_header(header_userdata, bc->webhook_header_name);

        if (!v ||
            !ks__secure_equal(v, strlen(v), bc->webhook_header_value->value,
                              bc->webhook_header_value->len))
            return refuse(bc, KS_ESIGNATURE, "shared header missing or wrong");
        event->auth = KS_BIGCOMMERCE_WEBHOOK_HEADER;
    } else {
        return refuse(bc, KS_ESIGNATURE,
                      "no webhook-signature and no shared header configured");
    }
    rc = ks__bc_event_parse(event, body, len);
    if (rc == KS_EPARSE)
        return refuse(bc, rc, "body is not a BigCommerce webhook payload");
    if (rc)
        return rc;
    /* Only a verified delivery may enter the seen-set: otherwise forged
     * requests could push real ids out of it. */
    return dedupe(bc, event);
}
