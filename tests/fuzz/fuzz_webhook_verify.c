/*
 * fuzz.webhook_verify: the connector's WooCommerce and BigCommerce webhook
 * verification (connector/src/woocommerce/verify.c, bigcommerce/verify.c
 * and the thin-payload parser) on arbitrary deliveries.
 *
 * The input is a delivery: "Name: value" header lines, a blank line, then
 * the raw body. A signature header whose value is "@sign" (WooCommerce)
 * or "v1,@sign" (BigCommerce) is replaced by the correct signature,
 * computed here with OpenSSL directly rather than with the connector's
 * own helpers, so that the fuzzer also reaches what lies behind a valid
 * signature.
 *
 * Invariants: a delivery is accepted only with a signature this file
 * computed itself (or, for BigCommerce's fallback, the exact shared
 * header, and for WooCommerce's ping, the unsigned ping shape); a correct
 * signature is never refused as wrong; changing one body byte under it
 * always is; a verified id is a duplicate the second time and new again
 * after ks_bigcommerce_webhook_forget().
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "fuzz.h"
#include "kinsync.h"

#define TARGET "fuzz_webhook_verify"
#define WC_SECRET "whsec_fuzz_7Qk2"
#define BC_SECRET "bc_client_secret_fuzz_91x"
#define BC_HEADER "X-Kinsync-Hook"
#define BC_HEADER_VALUE "hook-shared-value-5d1"
#define NOW_MS INT64_C(1767600000000)
#define TOLERANCE_S 300
#define MAX_BODY ((size_t)16 << 10)

static struct ks_client *client(void)
{
    static struct ks_client *c;

    if (!c && ks_client_new(&c, NULL) != KS_OK)
        abort();
    return c;
}

/* base64(HMAC-SHA256(key, msg)) into out (at least 45 bytes). */
static void sign(char *out, const char *key, const void *msg, size_t len)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;

    if (!HMAC(EVP_sha256(), key, (int)strlen(key), msg, len, mac, &maclen))
        abort();
    EVP_EncodeBlock((unsigned char *)out, mac, (int)maclen);
}

/* A copy of body with its last byte changed (one byte added when empty). */
static char *tampered(const char *body, size_t len, size_t *outlen)
{
    char *t = fuzz_strndup(body, len);

    if (len == 0) {
        free(t);
        t = fuzz_strndup("x", 1);
        *outlen = 1;
        return t;
    }
    t[len - 1] ^= 0x01;
    *outlen = len;
    return t;
}

/* ---- WooCommerce ------------------------------------------------------ */

static struct ks_woocommerce *wc_new(const char *secret)
{
    struct ks_woocommerce_options o = KS_WOOCOMMERCE_OPTIONS_INIT;
    struct ks_woocommerce *wc;

    o.site_url = "https://shop.example";
    o.consumer_key = "ck_fuzz";
    o.consumer_secret = "cs_fuzz";
    o.webhook_secret = secret;
    o.webhook_max_body = MAX_BODY;
    o.webhook_seen_max = 4;
    if (ks_woocommerce_new(&wc, client(), &o) != KS_OK)
        abort();
    return wc;
}

/* The unsigned creation ping: "webhook_id=" and 1 to 20 digits. */
static int is_ping_shape(const char *body, size_t len)
{
    if (len <= 11 || len > 31 || memcmp(body, "webhook_id=", 11) != 0)
        return 0;
    for (size_t i = 11; i < len; i++) {
        if (body[i] < '0' || body[i] > '9')
            return 0;
    }
    return 1;
}

static void fuzz_woocommerce(const struct fuzz_message *m)
{
    struct ks_woocommerce_webhook_headers h = {0};
    enum ks_woocommerce_webhook_kind kind;
    struct ks_woocommerce *wc = wc_new(WC_SECRET), *nosecret;
    char expected[64];
    size_t tlen;
    char *t;
    ks_rc rc;
    int forged;

    h.signature = fuzz_message_header(m, "X-WC-Webhook-Signature");
    h.delivery_id = fuzz_message_header(m, "X-WC-Webhook-Delivery-ID");
    h.topic = fuzz_message_header(m, "X-WC-Webhook-Topic");
    h.resource = fuzz_message_header(m, "X-WC-Webhook-Resource");
    h.event = fuzz_message_header(m, "X-WC-Webhook-Event");
    h.webhook_id = fuzz_message_header(m, "X-WC-Webhook-ID");
    h.source = fuzz_message_header(m, "X-WC-Webhook-Source");
    sign(expected, WC_SECRET, m->body, m->body_len);
    forged = h.signature && strcmp(h.signature, "@sign") == 0;
    if (forged)
        h.signature = expected;

    rc = ks_woocommerce_webhook_verify(&kind, wc, &h, m->body, m->body_len);
    if (kind == KS_WOOCOMMERCE_WEBHOOK_EVENT &&
        (rc != KS_OK || !h.signature || strcmp(h.signature, expected) != 0))
        fuzz_violation(TARGET, "woocommerce accepted a wrong signature");
    if (kind == KS_WOOCOMMERCE_WEBHOOK_PING &&
        (rc != KS_OK || h.signature || h.topic || h.delivery_id ||
         !is_ping_shape(m->body, m->body_len)))
        fuzz_violation(TARGET, "woocommerce took a delivery for a ping");
    if (rc == KS_OK && kind == KS_WOOCOMMERCE_WEBHOOK_NONE)
        fuzz_violation(TARGET, "woocommerce: KS_OK without a kind");
    if (forged && m->body_len <= MAX_BODY) {
        if (rc != KS_OK || kind != KS_WOOCOMMERCE_WEBHOOK_EVENT)
            fuzz_violation(TARGET, "woocommerce refused a correct signature");
        rc = ks_woocommerce_webhook_verify(&kind, wc, &h, m->body, m->body_len);
        if (h.delivery_id && *h.delivery_id ? rc != KS_EDUPLICATE : rc != KS_OK)
            fuzz_violation(TARGET, "woocommerce: wrong replay verdict");
        t = tampered(m->body, m->body_len, &tlen);
        rc = ks_woocommerce_webhook_verify(&kind, wc, &h, t, tlen);
        if (rc != KS_ESIGNATURE && rc != KS_ETOOBIG)
            fuzz_violation(TARGET, "woocommerce accepted a tampered body");
        free(t);
    }
    ks_woocommerce_free(wc);

    /* Without a secret nothing verifies, whatever the headers say. */
    nosecret = wc_new(NULL);
    rc = ks_woocommerce_webhook_verify(&kind, nosecret, &h, m->body,
                                       m->body_len);
    if (kind == KS_WOOCOMMERCE_WEBHOOK_EVENT)
        fuzz_violation(TARGET, "woocommerce verified without a secret");
    ks_woocommerce_free(nosecret);
}

/* ---- BigCommerce ------------------------------------------------------ */

struct bc_headers {
    const struct fuzz_message *m;
    char *sig; /* replaces webhook-signature when set */
};

static const char *bc_get(void *ud, const char *name)
{
    const struct bc_headers *h = ud;

    if (h->sig && strcasecmp(name, "webhook-signature") == 0)
        return h->sig;
    return fuzz_message_header(h->m, name);
}

static struct ks_bigcommerce *bc_new(void)
{
    struct ks_bigcommerce_options o = KS_BIGCOMMERCE_OPTIONS_INIT;
    struct ks_bigcommerce *bc;

    o.store_hash = "abc123";
    o.access_token = "tok_fuzz";
    o.client_secret = BC_SECRET;
    o.webhook_header_name = BC_HEADER;
    o.webhook_header_value = BC_HEADER_VALUE;
    o.webhook_tolerance_s = TOLERANCE_S;
    o.webhook_max_body = MAX_BODY;
    o.webhook_seen_max = 4;
    if (ks_bigcommerce_new(&bc, client(), &o) != KS_OK)
        abort();
    return bc;
}

/* The signature over "<id>.<ts>.<body>" as "v1,<base64>" (out: 64). */
static void bc_sign(char *out, const char *id, const char *ts, const char *body,
                    size_t len)
{
    size_t idlen = strlen(id), tslen = strlen(ts);
    char *msg = malloc(idlen + tslen + len + 2);

    if (!msg)
        abort();
    memcpy(msg, id, idlen);
    msg[idlen] = '.';
    memcpy(msg + idlen + 1, ts, tslen);
    msg[idlen + 1 + tslen] = '.';
    if (len)
        memcpy(msg + idlen + tslen + 2, body, len);
    memcpy(out, "v1,", 3);
    sign(out + 3, BC_SECRET, msg, idlen + tslen + 2 + len);
    free(msg);
}

/* 1 when one space-separated entry of header is exactly expected. */
static int has_entry(const char *header, const char *expected)
{
    size_t n = strlen(expected);

    for (const char *p = header; (p = strstr(p, expected)) != NULL; p++) {
        if ((p == header || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return 1;
    }
    return 0;
}

/* header with every "v1,@sign" entry replaced by good (malloc'd). */
static char *with_signature(const char *header, const char *good)
{
    size_t n = strlen(header), glen = strlen(good), used = 0;
    char *out = malloc(n / 8 * glen + n + 1);
    const char *p = header;

    if (!out)
        abort();
    while (*p) {
        size_t len = strcspn(p, " ");

        if (len == 8 && memcmp(p, "v1,@sign", 8) == 0) {
            memcpy(out + used, good, glen);
            used += glen;
        } else {
            memcpy(out + used, p, len);
            used += len;
        }
        p += len;
        while (*p == ' ')
            out[used++] = *p++;
    }
    out[used] = '\0';
    return out;
}

/* 1 when ts is a timestamp the verifier must accept at NOW_MS: decimal
 * digits only, not past year 5000, within the tolerance. */
static int ts_acceptable(const char *ts)
{
    char *end;
    long long t;

    if (!ts || *ts < '0' || *ts > '9')
        return 0;
    t = strtoll(ts, &end, 10);
    if (*end || t > 95617584000LL)
        return 0;
    return t * 1000 >= NOW_MS - TOLERANCE_S * 1000 &&
           t * 1000 <= NOW_MS + TOLERANCE_S * 1000;
}

static void bc_check_accepted(const struct ks_bigcommerce_event *ev,
                              const struct bc_headers *h, const char *good)
{
    const char *sig = bc_get((void *)h, "webhook-signature");

    if (ev->auth == KS_BIGCOMMERCE_WEBHOOK_SIGNATURE) {
        if (!sig || !has_entry(sig, good))
            fuzz_violation(TARGET, "bigcommerce accepted a wrong signature");
    } else if (ev->auth == KS_BIGCOMMERCE_WEBHOOK_HEADER) {
        const char *v = fuzz_message_header(h->m, BC_HEADER);

        if (sig || fuzz_message_header(h->m, "webhook-id") ||
            fuzz_message_header(h->m, "webhook-timestamp") || !v ||
            strcmp(v, BC_HEADER_VALUE) != 0)
            fuzz_violation(TARGET, "bigcommerce accepted a wrong header");
    } else {
        fuzz_violation(TARGET, "bigcommerce accepted without a method");
    }
}

static void fuzz_bigcommerce(const struct fuzz_message *m)
{
    struct ks_bigcommerce *bc = bc_new();
    struct ks_bigcommerce_event ev;
    struct bc_headers h = {m, NULL};
    const char *id = fuzz_message_header(m, "webhook-id");
    const char *ts = fuzz_message_header(m, "webhook-timestamp");
    const char *sig = fuzz_message_header(m, "webhook-signature");
    char good[64], hash[41];
    size_t tlen;
    char *t;
    ks_rc rc;

    bc_sign(good, id ? id : "", ts ? ts : "", m->body, m->body_len);
    if (sig && has_entry(sig, "v1,@sign"))
        h.sig = with_signature(sig, good);
    rc = ks_bigcommerce_webhook_verify(&ev, bc, bc_get, &h, m->body,
                                       m->body_len, NOW_MS);
    if (rc == KS_OK || rc == KS_EDUPLICATE)
        bc_check_accepted(&ev, &h, good);
    else if (ks_bigcommerce_webhook_reason(bc)[0] == '\0' && rc != KS_ENOMEM)
        fuzz_violation(TARGET, "bigcommerce refused without a reason");

    if (h.sig && id && *id && ts_acceptable(ts) && m->body_len <= MAX_BODY) {
        if (rc != KS_OK && rc != KS_EPARSE)
            fuzz_violation(TARGET, "bigcommerce refused a correct signature");
        if (rc == KS_OK) {
            rc = ks_bigcommerce_webhook_verify(&ev, bc, bc_get, &h, m->body,
                                               m->body_len, NOW_MS);
            if (rc != KS_EDUPLICATE)
                fuzz_violation(TARGET, "bigcommerce: replay not a duplicate");
            ks_bigcommerce_webhook_forget(bc, &ev);
            rc = ks_bigcommerce_webhook_verify(&ev, bc, bc_get, &h, m->body,
                                               m->body_len, NOW_MS);
            if (rc != KS_OK)
                fuzz_violation(TARGET, "bigcommerce: forgotten id refused");
        }
        t = tampered(m->body, m->body_len, &tlen);
        rc =
            ks_bigcommerce_webhook_verify(&ev, bc, bc_get, &h, t, tlen, NOW_MS);
        if (rc != KS_ESIGNATURE && rc != KS_ETOOBIG)
            fuzz_violation(TARGET, "bigcommerce accepted a tampered body");
        free(t);
    }
    if (ks_bigcommerce_payload_hash(hash, m->body, m->body_len) == KS_OK &&
        strlen(hash) != 40)
        fuzz_violation(TARGET, "payload hash is not 40 hex digits");
    free(h.sig);
    ks_bigcommerce_free(bc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_message m;

    fuzz_message_parse(&m, data, size, 0);
    fuzz_woocommerce(&m);
    fuzz_bigcommerce(&m);
    fuzz_message_dispose(&m);
    return 0;
}
