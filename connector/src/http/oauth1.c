/*
 * OAuth 1.0a signing (RFC 5849), see oauth1.h. WooCommerce verifies
 * one-legged requests (WC_REST_Authentication), Adobe Commerce
 * integrations two-legged ones with an access token; both build the base
 * string of RFC 5849 §3.4.1.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <openssl/rand.h>
#include "oauth1.h"

struct param {
    char *name;  /* rawurlencoded */
    char *value; /* rawurlencoded */
};

struct params {
    struct param *v;
    size_t n, cap;
};

/* RFC 3986 encoding: curl keeps exactly the unreserved set (ALPHA, DIGIT,
 * "-._~"), as PHP's rawurlencode does. */
static char *enc(const char *s, size_t len)
{
    char *c = curl_easy_escape(NULL, s, (int)len);
    char *r;

    if (!c)
        return NULL;
    r = ks__strdup(c);
    curl_free(c);
    return r;
}

/* Decodes a query component as PHP fills $_GET: '+' is a space. */
static char *dec(const char *s, size_t len)
{
    char *tmp = ks__strndup(s, len), *c, *r;
    int outlen = 0;

    if (!tmp)
        return NULL;
    for (char *p = tmp; *p; p++)
        if (*p == '+')
            *p = ' ';
    c = curl_easy_unescape(NULL, tmp, 0, &outlen);
    ks__free(tmp);
    if (!c)
        return NULL;
    r = ks__strndup(c, (size_t)outlen);
    curl_free(c);
    return r;
}

static ks_rc params_add(struct params *ps, const char *name, size_t nlen,
                        const char *value, size_t vlen)
{
    struct param p;

    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 16;
        struct param *grown = ks__realloc(ps->v, cap * sizeof(*grown));

        if (!grown)
            return KS_ENOMEM;
        ps->v = grown;
        ps->cap = cap;
    }
    p.name = enc(name, nlen);
    p.value = enc(value, vlen);
    if (!p.name || !p.value) {
        ks__free(p.name);
        ks__free(p.value);
        return KS_ENOMEM;
    }
    ps->v[ps->n++] = p;
    return KS_OK;
}

static void params_dispose(struct params *ps)
{
    for (size_t i = 0; i < ps->n; i++) {
        ks__free(ps->v[i].name);
        ks__free(ps->v[i].value);
    }
    ks__free(ps->v);
}

static ks_rc params_add_query(struct params *ps, const char *query)
{
    const char *p = query;

    while (p && *p) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t nlen = eq ? (size_t)(eq - p) : len;
        char *name = dec(p, nlen);
        char *value = dec(eq ? eq + 1 : "", eq ? len - nlen - 1 : 0);
        ks_rc rc = KS_ENOMEM;

        if (name && value && len > 0)
            rc = params_add(ps, name, strlen(name), value, strlen(value));
        else if (name && value)
            rc = KS_OK;
        ks__free(name);
        ks__free(value);
        if (rc)
            return rc;
        p = amp ? amp + 1 : NULL;
    }
    return KS_OK;
}

/* Sorted by the encoded name, then value (RFC 5849 3.4.1.3.2); equal
 * encoded names come from equal raw names, so this is the byte order of
 * the raw names WooCommerce uses except for names with reserved
 * characters, which API names never have. */
static int param_cmp(const void *a, const void *b)
{
    const struct param *x = a, *y = b;
    int c = strcmp(x->name, y->name);

    return c ? c : strcmp(x->value, y->value);
}

static void lower(char *s)
{
    for (; s && *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

ks_rc ks__oauth1_base_string(char **out, const char *method, const char *url,
                             const char *const *params)
{
    struct ks__buf b = KS__BUF_INIT, plist = KS__BUF_INIT;
    struct params ps = {NULL, 0, 0};
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
    char *query = NULL, *base = NULL, *base_enc = NULL, *plist_enc = NULL;
    ks_rc rc = KS_ENOMEM;

    *out = NULL;
    if (!u)
        goto out;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
        rc = KS_EINVAL;
        goto out;
    }
    curl_url_get(u, CURLUPART_PORT, &port, CURLU_NO_DEFAULT_PORT);
    curl_url_get(u, CURLUPART_QUERY, &query, 0);
    lower(scheme);
    lower(host);
    base = ks__aprintf("%s://%s%s%s%s", scheme, host, port ? ":" : "",
                       port ? port : "", path);
    if (!base)
        goto out;
    base_enc = enc(base, strlen(base));
    if (!base_enc)
        goto out;
    rc = params_add_query(&ps, query);
    for (size_t i = 0; !rc && params && params[i] && params[i + 1]; i += 2)
        rc = params_add(&ps, params[i], strlen(params[i]), params[i + 1],
                        strlen(params[i + 1]));
    if (rc)
        goto out;
    if (ps.n)
        qsort(ps.v, ps.n, sizeof(*ps.v), param_cmp);
    for (size_t i = 0; i < ps.n; i++)
        ks__buf_printf(&plist, "%s%s=%s", i ? "&" : "", ps.v[i].name,
                       ps.v[i].value);
    if (plist.oom) {
        rc = KS_ENOMEM;
        goto out;
    }
    plist_enc = enc(plist.data ? plist.data : "", plist.len);
    if (!plist_enc) {
        rc = KS_ENOMEM;
        goto out;
    }
    ks__buf_printf(&b, "%s&%s&%s", method, base_enc, plist_enc);
    if (b.oom || !b.data) {
        rc = KS_ENOMEM;
        goto out;
    }
    *out = ks__buf_detach(&b);
    rc = KS_OK;
out:
    ks__buf_dispose(&b);
    ks__buf_dispose(&plist);
    ks__free(plist_enc);
    params_dispose(&ps);
    ks__free(base);
    ks__free(base_enc);
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_free(query);
    curl_url_cleanup(u);
    return rc;
}

/* Each secret encoded, joined by '&' (RFC 5849 §3.4.2); NULL when out of
 * memory. A NULL token secret is the empty one. */
static char *signing_key(const char *consumer_secret, const char *token_secret)
{
    char *cs = enc(consumer_secret, strlen(consumer_secret));
    char *ts = token_secret ? enc(token_secret, strlen(token_secret)) : NULL;
    char *key = NULL;

    if (cs && (ts || !token_secret))
        key = ks__aprintf("%s&%s", cs, ts ? ts : "");
    if (cs) {
        memset(cs, 0, strlen(cs));
        ks__free(cs);
    }
    if (ts) {
        memset(ts, 0, strlen(ts));
        ks__free(ts);
    }
    return key;
}

ks_rc ks__oauth1_signature(char **out, enum ks__digest digest,
                           const char *consumer_secret,
                           const char *token_secret, const char *base)
{
    unsigned char mac[KS__SHA256_LEN];
    char *key;
    ks_rc rc;

    *out = NULL;
    key = signing_key(consumer_secret, token_secret);
    if (!key)
        return KS_ENOMEM;
    rc = ks__hmac(mac, digest, key, strlen(key), base, strlen(base));
    memset(key, 0, strlen(key));
    ks__free(key);
    if (rc)
        return rc;
    *out = ks__base64_encode(mac, digest == KS__SHA1 ? KS__SHA1_LEN
                                                     : KS__SHA256_LEN);
    return *out ? KS_OK : KS_ENOMEM;
}

/* The quoted, encoded k="v" pairs of the header, in the order given. */
static ks_rc header_pairs(struct ks__buf *b, const char *const *pairs)
{
    for (size_t i = 0; pairs[i] && pairs[i + 1]; i += 2) {
        char *v = enc(pairs[i + 1], strlen(pairs[i + 1]));

        if (!v)
            return KS_ENOMEM;
        ks__buf_printf(b, "%s%s=\"%s\"", i ? ", " : "", pairs[i], v);
        memset(v, 0, strlen(v));
        ks__free(v);
    }
    return b->oom ? KS_ENOMEM : KS_OK;
}

ks_rc ks__oauth1_header(char **out, const struct ks__oauth1_creds *creds,
                        enum ks__digest digest, const char *method,
                        const char *url, int64_t timestamp, const char *nonce)
{
    const char *sig_method = digest == KS__SHA1 ? "HMAC-SHA1" : "HMAC-SHA256";
    char ts[24];
    /* the signature goes last, once known; a one-legged request ends the
     * list before oauth_token */
    const char *p[] = {"oauth_consumer_key",
                       creds->consumer_key,
                       "oauth_nonce",
                       nonce,
                       "oauth_signature_method",
                       sig_method,
                       "oauth_timestamp",
                       ts,
                       "oauth_version",
                       "1.0",
                       creds->token ? "oauth_token" : NULL,
                       creds->token,
                       NULL,
                       NULL,
                       NULL};
    struct ks__buf b = KS__BUF_INIT;
    char *base = NULL, *sig = NULL;
    ks_rc rc;

    *out = NULL;
    snprintf(ts, sizeof(ts), "%lld", (long long)timestamp);
    rc = ks__oauth1_base_string(&base, method, url, p);
    if (!rc)
        rc = ks__oauth1_signature(&sig, digest, creds->consumer_secret,
                                  creds->token_secret, base);
    if (rc)
        goto out;
    p[creds->token ? 12 : 10] = "oauth_signature";
    p[creds->token ? 13 : 11] = sig;
    ks__buf_printf(&b, "Authorization: OAuth ");
    rc = header_pairs(&b, p);
    if (rc)
        goto out;
    *out = ks__buf_detach(&b);
    rc = *out ? KS_OK : KS_ENOMEM;
out:
    if (b.data)
        memset(b.data, 0, b.len);
    ks__buf_dispose(&b);
    ks__free(base);
    ks__free(sig);
    return rc;
}

ks_rc ks__oauth1_nonce(char out[33])
{
    unsigned char raw[16];

    if (RAND_bytes(raw, sizeof(raw)) != 1)
        return KS_ERROR;
    ks__hex_encode(out, raw, sizeof(raw));
    return KS_OK;
}
