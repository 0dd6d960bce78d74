/*
 * WC_REST_Authentication as the emulator plays it.
 *
 * Over "HTTPS" (config https: true, the default, since the emulator itself
 * speaks plain HTTP on loopback) Basic auth and the query pair
 * consumer_key/consumer_secret are tried first (the query pair wins);
 * an unknown key there is not an error by itself. Then, on either scheme,
 * OAuth 1.0a one-legged from the query string and/or an
 * "Authorization: OAuth" header. Without credentials the request is
 * refused by the route's permission check with 401
 * woocommerce_rest_cannot_<verb>.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <kx/alloc.h>
#include "woocommerce_emu.h"
#include "common/crypto.h"
#include "common/oauth1.h"

#define WC_OAUTH_WINDOW_S (15 * 60)
#define WC_MAX_PARAMS 64

struct kv {
    char *k;
    char *v;
};

struct kvs {
    struct kv v[WC_MAX_PARAMS];
    size_t n;
};

static void kvs_put(struct kvs *s, const char *k, const char *v)
{
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->v[i].k, k) == 0) { /* PHP arrays: the last wins */
            free(s->v[i].v);
            s->v[i].v = kx_xstrdup(v);
            return;
        }
    }
    if (s->n == WC_MAX_PARAMS)
        return;
    s->v[s->n].k = kx_xstrdup(k);
    s->v[s->n].v = kx_xstrdup(v);
    s->n++;
}

static const char *kvs_get(const struct kvs *s, const char *k)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i].k, k) == 0)
            return s->v[i].v;
    return NULL;
}

static void kvs_free(struct kvs *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i].k);
        free(s->v[i].v);
    }
    s->n = 0;
}

static int collect_arg(void *ud, const char *name, const char *value)
{
    kvs_put(ud, name, value);
    return 0;
}

static char *unescape(const char *s, size_t len)
{
    int n = 0;
    char *c = curl_easy_unescape(NULL, s, (int)len, &n);
    char *r;

    if (!c)
        abort();
    r = kx_xstrndup(c, (size_t)n);
    curl_free(c);
    return r;
}

/* Authorization: OAuth k="v", k2="v2" (values percent-encoded). */
static void parse_oauth_header(struct kvs *s, const char *h)
{
    const char *p = h + 6;

    while (*p) {
        const char *eq, *q1, *q2;
        char *k, *v;

        while (*p == ' ' || *p == ',')
            p++;
        eq = strchr(p, '=');
        if (!eq)
            return;
        q1 = eq + 1;
        if (*q1 == '"') {
            q1++;
            q2 = strchr(q1, '"');
        } else {
            q2 = q1 + strcspn(q1, ",");
        }
        if (!q2)
            return;
        k = unescape(p, (size_t)(eq - p));
        v = unescape(q1, (size_t)(q2 - q1));
        if (strcmp(k, "realm") != 0)
            kvs_put(s, k, v);
        free(k);
        free(v);
        p = *q2 == '"' ? q2 + 1 : q2;
    }
}

static struct km__woocommerce_key *find_key(struct km__woocommerce_state *st,
                                            const char *ck)
{
    for (size_t i = 0; ck && i < st->nkeys; i++)
        if (strcmp(st->keys[i].ck, ck) == 0)
            return &st->keys[i];
    return NULL;
}

/*
 * The string WC_REST_Authentication::check_oauth_signature signs, which is
 * RFC 5849 section 3.4.1: METHOD & enc(home URL + path) & enc(the
 * parameter string), where the parameter string joins enc(key)=enc(value)
 * with '&'. Every value is therefore encoded twice ("2026-01-01T00:00:00"
 * appears as 2026-01-01T00%253A00%253A00). WooCommerce sorts by the raw
 * key (uksort with strcmp); a PHP array has one value per key, so keys
 * never tie.
 */
static char *base_string(struct km__woocommerce_state *st,
                         const struct km_request *req, const struct kvs *params)
{
    struct km__oauth1_param p[WC_MAX_PARAMS];
    char *base;
    /* home URL (trailing slash dropped) + the request path */
    char *full = kx_xasprintf("%.*s%s", (int)(strlen(st->site_url) - 1),
                              st->site_url, req->path);

    for (size_t i = 0; i < params->n; i++)
        p[i] = (struct km__oauth1_param){params->v[i].k, params->v[i].v};
    base = km__oauth1_base_string(req->method, full, p, params->n,
                                  KM__OAUTH1_SORT_RAW_NAME);
    free(full);
    return base;
}

static void fail(struct km_response *res, const char *code, const char *message,
                 int basic_realm)
{
    km__woocommerce_error(res, 401, code, message);
    if (basic_realm)
        km_response_header(
            res, "WWW-Authenticate",
            "Basic realm=\"WooCommerce API - Use a consumer key in the "
            "username field and a consumer secret in the password field.\"");
}

/* Removes nonces older than the window, then records this one unless it
 * was seen. Returns -1 when the nonce was used already. */
static int nonce_use(struct km__woocommerce_key *key, const char *nonce,
                     int64_t ts, int64_t now_s)
{
    size_t w = 0;

    for (size_t i = 0; i < key->nnonces; i++) {
        if (key->nonces[i].ts < now_s - WC_OAUTH_WINDOW_S) {
            free(key->nonces[i].nonce);
            continue;
        }
        key->nonces[w++] = key->nonces[i];
    }
    key->nnonces = w;
    for (size_t i = 0; i < key->nnonces; i++)
        if (strcmp(key->nonces[i].nonce, nonce) == 0)
            return -1;
    key->nonces =
        kx_xrealloc(key->nonces, (key->nnonces + 1) * sizeof(*key->nonces));
    key->nonces[key->nnonces].nonce = kx_xstrdup(nonce);
    key->nonces[key->nnonces].ts = ts;
    key->nnonces++;
    return 0;
}

/* Returns the key, NULL after answering 401, or NULL with *none = 1 when
 * no OAuth parameter was given at all. */
static struct km__woocommerce_key *oauth(struct km__woocommerce_call *c,
                                         int *none)
{
    static const char *const required[] = {
        "oauth_consumer_key", "oauth_timestamp", "oauth_nonce",
        "oauth_signature", "oauth_signature_method"};
    struct kvs params = {.n = 0};
    const char *auth = km_request_header(c->req, "Authorization");
    char missing[160] = "", *base = NULL, *expected = NULL, *given = NULL;
    struct km__woocommerce_key *key = NULL;
    const char *method;
    unsigned char mac[KM__SHA256_LEN];
    size_t nmissing = 0;
    long long ts;

    *none = 0;
    km_request_args_each(c->req, collect_arg, &params);
    if (auth && strncmp(auth, "OAuth ", 6) == 0)
        parse_oauth_header(&params, auth);
    for (size_t i = 0; i < 5; i++) {
        const char *v = kvs_get(&params, required[i]);

        if (!v || !*v) {
            size_t l = strlen(missing);

            snprintf(missing + l, sizeof(missing) - l, "%s%s", l ? ", " : "",
                     required[i]);
            nmissing++;
        }
    }
    if (nmissing == 5) {
        *none = 1;
        goto out;
    }
    if (nmissing) {
        char msg[220];

        snprintf(msg, sizeof(msg), "Missing OAuth parameter(s) %s", missing);
        fail(c->res, "woocommerce_rest_authentication_missing_parameter", msg,
             0);
        goto out;
    }
    key = find_key(c->st, kvs_get(&params, "oauth_consumer_key"));
    if (!key) {
        fail(c->res, "woocommerce_rest_authentication_error",
             "Consumer key is invalid.", 0);
        goto out;
    }
    method = kvs_get(&params, "oauth_signature_method");
    if (strcmp(method, "HMAC-SHA1") != 0 &&
        strcmp(method, "HMAC-SHA256") != 0) {
        fail(c->res, "woocommerce_rest_authentication_error",
             "Invalid signature - signature method is invalid.", 0);
        key = NULL;
        goto out;
    }
    base = base_string(c->st, c->req, &params);
    {
        char *k = kx_xasprintf("%s&", key->cs);
        enum km__digest d =
            strcmp(method, "HMAC-SHA1") == 0 ? KM__SHA1 : KM__SHA256;
        size_t maclen = km__hmac(mac, d, k, strlen(k), base, strlen(base));

        free(k);
        expected = km__base64_encode(mac, maclen);
    }
    /* A '+' sent unencoded in the query arrives as a space. */
    given = kx_xstrdup(kvs_get(&params, "oauth_signature"));
    for (char *p = given; *p; p++)
        if (*p == ' ')
            *p = '+';
    if (!km__secret_equal(expected, given)) {
        fail(c->res, "woocommerce_rest_authentication_error",
             "Invalid signature - provided signature does not match.", 0);
        key = NULL;
        goto out;
    }
    ts = strtoll(kvs_get(&params, "oauth_timestamp"), NULL, 10);
    if (ts < c->req->now_ms / 1000 - WC_OAUTH_WINDOW_S ||
        ts > c->req->now_ms / 1000 + WC_OAUTH_WINDOW_S) {
        fail(c->res, "woocommerce_rest_authentication_error",
             "Invalid timestamp.", 0);
        key = NULL;
        goto out;
    }
    if (nonce_use(key, kvs_get(&params, "oauth_nonce"), ts,
                  c->req->now_ms / 1000) != 0) {
        fail(c->res, "woocommerce_rest_authentication_error",
             "Invalid nonce - nonce has already been used.", 0);
        key = NULL;
        goto out;
    }
out:
    free(base);
    free(expected);
    free(given);
    kvs_free(&params);
    return key;
}

/* Basic or the query pair. Returns the key, NULL with *failed = 1 after
 * answering 401 for a wrong secret, or NULL when not attempted / the key
 * is unknown. */
static struct km__woocommerce_key *basic(struct km__woocommerce_call *c,
                                         int *failed)
{
    const char *qk = km_request_arg(c->req, "consumer_key");
    const char *qs = km_request_arg(c->req, "consumer_secret");
    const char *h = km_request_header(c->req, "Authorization");
    char *ck = NULL, *cs = NULL;
    struct km__woocommerce_key *key = NULL;

    *failed = 0;
    if (qk && *qk && qs && *qs) {
        ck = kx_xstrdup(qk);
        cs = kx_xstrdup(qs);
    } else if (h && strncmp(h, "Basic ", 6) == 0) {
        unsigned char *raw = NULL;
        size_t rawlen = 0;
        char *colon;

        if (km__base64_decode(&raw, &rawlen, h + 6) == 0) {
            char *pair = kx_xstrndup((char *)raw, rawlen);

            colon = strchr(pair, ':');
            if (colon && colon != pair && colon[1]) {
                *colon = '\0';
                ck = kx_xstrdup(pair);
                cs = kx_xstrdup(colon + 1);
            }
            free(pair);
        }
        free(raw);
    }
    if (!ck)
        goto out;
    key = find_key(c->st, ck);
    if (key && !km__secret_equal(key->cs, cs)) {
        key = NULL;
        *failed = 1;
        fail(c->res, "woocommerce_rest_authentication_error",
             "Consumer secret is invalid.", 1);
    }
out:
    free(ck);
    free(cs);
    return key;
}

static int permitted(struct km__woocommerce_call *c,
                     const struct km__woocommerce_key *key)
{
    int read = strcmp(c->req->method, "GET") == 0 ||
               strcmp(c->req->method, "HEAD") == 0;

    if (read && !key->can_read) {
        fail(c->res, "woocommerce_rest_authentication_error",
             "The API key provided does not have read permissions.", 0);
        return -1;
    }
    if (!read && !key->can_write) {
        fail(c->res, "woocommerce_rest_authentication_error",
             "The API key provided does not have write permissions.", 0);
        return -1;
    }
    return 0;
}

static void unauthenticated(struct km_response *res, const char *method)
{
    if (strcmp(method, "GET") == 0)
        km__woocommerce_error(res, 401, "woocommerce_rest_cannot_view",
                              "Sorry, you cannot list resources.");
    else if (strcmp(method, "POST") == 0)
        km__woocommerce_error(
            res, 401, "woocommerce_rest_cannot_create",
            "Sorry, you are not allowed to create resources.");
    else if (strcmp(method, "DELETE") == 0)
        km__woocommerce_error(
            res, 401, "woocommerce_rest_cannot_delete",
            "Sorry, you are not allowed to delete this resource.");
    else
        km__woocommerce_error(
            res, 401, "woocommerce_rest_cannot_edit",
            "Sorry, you are not allowed to edit this resource.");
}

int km__woocommerce_authenticate(struct km__woocommerce_call *c)
{
    struct km__woocommerce_key *key = NULL;
    int failed = 0, none = 0;

    if (c->st->https) {
        key = basic(c, &failed);
        if (key)
            return permitted(c, key);
    }
    /* A wrong secret over Basic is the answer (WooCommerce would still
     * try OAuth parameters sent alongside; no client mixes the two). */
    if (failed)
        return -1;
    key = oauth(c, &none);
    if (key)
        return permitted(c, key);
    if (none)
        unauthenticated(c->res, c->req->method);
    return -1;
}
