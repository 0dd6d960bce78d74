/*
 * Redaction of credentials before anything is logged or journaled.
 * Names are matched case-insensitively. On any internal failure the whole
 * value is replaced, so a failure can never let a secret through.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include "internal.h"

static const char *const secret_headers[] = {
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "api-key",
    "x-auth-token",
    "x-auth-client",
    "username",
    "password",
    "x-wc-webhook-signature",
    "webhook-signature",
    "x-adobe-commerce-webhook-signature",
    "x-bc-signature",
    "license",
    NULL};

/* Any header whose name contains one of these is treated as secret too. */
static const char *const secret_header_parts[] = {
    "secret", "token", "password", "api-key", "apikey", NULL};

static const char *const secret_params[] = {"consumer_key",
                                            "consumer_secret",
                                            "api-key",
                                            "api_key",
                                            "apikey",
                                            "password",
                                            "pass",
                                            "passwd",
                                            "token",
                                            "access_token",
                                            "refresh_token",
                                            "id_token",
                                            "client_secret",
                                            "oauth_signature",
                                            "oauth_token",
                                            "oauth_consumer_key",
                                            "signature",
                                            "secret",
                                            "key",
                                            "sig",
                                            NULL};

/* Any parameter whose name contains one of these is secret too, so that
 * variants (hub.verify_token, x_api_key, user_password) are covered. */
static const char *const secret_param_parts[] = {
    "secret",  "token",  "password", "passwd", "signature",
    "api_key", "apikey", "api-key",  NULL};

static int name_in(const char *const *list, const char *name, size_t len)
{
    for (size_t i = 0; list[i]; i++) {
        if (strlen(list[i]) == len && strncasecmp(list[i], name, len) == 0)
            return 1;
    }
    return 0;
}

/* 1 when hay (len bytes, not necessarily NUL-terminated) contains one of
 * the needles, case-insensitively. */
static int contains_any(const char *hay, size_t len, const char *const *parts)
{
    for (size_t i = 0; parts[i]; i++) {
        size_t n = strlen(parts[i]);

        for (size_t at = 0; at + n <= len; at++) {
            if (strncasecmp(hay + at, parts[i], n) == 0)
                return 1;
        }
    }
    return 0;
}

int ks_redact_is_secret_header(const char *name)
{
    if (!name)
        return 0;
    return name_in(secret_headers, name, strlen(name)) ||
           contains_any(name, strlen(name), secret_header_parts);
}

static int param_name_is_secret(const char *name, size_t len)
{
    return name_in(secret_params, name, len) ||
           contains_any(name, len, secret_param_parts);
}

static int param_is_secret(const char *name, size_t len)
{
    char *decoded;
    int outlen = 0, secret;

    if (len > 256)
        return 1; /* absurd names are not worth the risk */
    decoded = curl_easy_unescape(NULL, name, (int)len, &outlen);
    if (!decoded)
        return 1;
    secret = param_name_is_secret(decoded, (size_t)outlen);
    curl_free(decoded);
    return secret;
}

int ks_redact_is_secret_param(const char *name)
{
    return name && param_name_is_secret(name, strlen(name));
}

/* Appends query (len bytes, no leading '?') with secret values replaced. */
static void redact_query(struct ks__buf *b, const char *query, size_t len)
{
    const char *p = query, *end = query + len;

    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        size_t namelen = (size_t)((eq ? eq : stop) - p);

        if (p != query)
            ks__buf_puts(b, "&");
        if (eq && param_is_secret(p, namelen)) {
            ks__buf_append(b, p, namelen);
            ks__buf_puts(b, "=" KS_REDACTED);
        } else {
            ks__buf_append(b, p, (size_t)(stop - p));
        }
        p = amp ? amp + 1 : end;
    }
}

/* A fragment that looks like a query ("#access_token=...", as OAuth
 * implicit flows return) is redacted like one; any other is kept. */
static void redact_fragment(struct ks__buf *b, const char *frag, size_t len)
{
    if (memchr(frag, '=', len))
        redact_query(b, frag, len);
    else
        ks__buf_append(b, frag, len);
}

/*
 * Strings curl cannot parse: relative URLs ("/api/x?password=..."), and
 * broken absolute ones ("http://us er:pw@host/", "http://a:b@c@host/").
 * Only the query and fragment are parsed by hand. For the broken absolute
 * ones, an '@' before the path still means userinfo, and everything
 * before the last such '@' is replaced: guessing wrong costs a less
 * useful log line, not a leaked password.
 */
static void redact_plain(struct ks__buf *b, const char *url)
{
    const char *rest = url, *auth = strstr(url, "://"), *q, *frag, *at;
    size_t authlen;

    /* A "://" inside the query or fragment ("/cb?next=https://u@h&...")
     * is data, not the end of a scheme: taking it for one would skip the
     * redaction of everything after its last '@'. */
    if (auth && (size_t)(auth - url) >= strcspn(url, "?#"))
        auth = NULL;
    if (auth)
        auth += 3;
    else if (url[0] == '/' && url[1] == '/')
        auth = url + 2;
    if (auth) {
        authlen = strcspn(auth, "/?#");
        at = NULL;
        for (const char *p = auth; p < auth + authlen; p++) {
            if (*p == '@')
                at = p;
        }
        if (at) {
            ks__buf_append(b, url, (size_t)(auth - url));
            ks__buf_puts(b, KS_REDACTED);
            rest = at;
        }
    }
    q = rest + strcspn(rest, "?#");
    ks__buf_append(b, rest, (size_t)(q - rest));
    if (*q == '?') {
        frag = strchr(q, '#');
        ks__buf_puts(b, "?");
        redact_query(b, q + 1, frag ? (size_t)(frag - q - 1) : strlen(q + 1));
        q = frag ? frag : q + strlen(q);
    }
    if (*q == '#') {
        ks__buf_puts(b, "#");
        redact_fragment(b, q + 1, strlen(q + 1));
    }
}

/* Replaces a URL part (query or fragment) by its redacted form. */
static int redact_part(CURLU *h, CURLUPart what)
{
    struct ks__buf redacted = KS__BUF_INIT;
    char *value = NULL;
    CURLUcode uc;
    int ok = 0;

    uc = curl_url_get(h, what, &value, 0);
    if (uc == CURLUE_NO_QUERY || uc == CURLUE_NO_FRAGMENT)
        return 1;
    if (uc != CURLUE_OK)
        return 0;
    if (what == CURLUPART_QUERY)
        redact_query(&redacted, value, strlen(value));
    else
        redact_fragment(&redacted, value, strlen(value));
    if (!redacted.oom &&
        curl_url_set(h, what, redacted.data ? redacted.data : "", 0) ==
            CURLUE_OK)
        ok = 1;
    curl_free(value);
    ks__buf_dispose(&redacted);
    return ok;
}

/* Absolute URLs, through curl's URL API: userinfo becomes KS_REDACTED
 * (password dropped), then the query and fragment are redacted. */
static int redact_absolute(struct ks__buf *b, const char *url)
{
    CURLU *h = curl_url();
    char *user = NULL, *full = NULL;
    int ok = 0;

    if (!h || curl_url_set(h, CURLUPART_URL, url,
                           CURLU_NON_SUPPORT_SCHEME | CURLU_PATH_AS_IS))
        goto out;
    if (curl_url_get(h, CURLUPART_USER, &user, 0) == CURLUE_OK) {
        if (curl_url_set(h, CURLUPART_USER, KS_REDACTED, 0) ||
            curl_url_set(h, CURLUPART_PASSWORD, NULL, 0))
            goto out;
    }
    if (!redact_part(h, CURLUPART_QUERY) || !redact_part(h, CURLUPART_FRAGMENT))
        goto out;
    if (curl_url_get(h, CURLUPART_URL, &full, 0) != CURLUE_OK)
        goto out;
    ks__buf_puts(b, full);
    ok = 1;
out:
    curl_free(full);
    curl_free(user);
    curl_url_cleanup(h);
    return ok;
}

static size_t emit(char *out, size_t outsz, struct ks__buf *b)
{
    const char *text = b->oom || !b->data ? KS_REDACTED : b->data;
    size_t len = strlen(text);

    if (outsz) {
        size_t n = len < outsz - 1 ? len : outsz - 1;

        memcpy(out, text, n);
        out[n] = '\0';
    }
    ks__buf_dispose(b);
    return len;
}

size_t ks_redact_url(char *out, size_t outsz, const char *url)
{
    struct ks__buf b = KS__BUF_INIT;

    if (!url)
        url = "";
    if (strstr(url, "://") == NULL || !redact_absolute(&b, url)) {
        ks__buf_dispose(&b);
        redact_plain(&b, url);
    }
    return emit(out, outsz, &b);
}

size_t ks_redact_header(char *out, size_t outsz, const char *name,
                        const char *value)
{
    struct ks__buf b = KS__BUF_INIT;

    ks__buf_printf(&b, "%s: %s", name ? name : "",
                   ks_redact_is_secret_header(name) ? KS_REDACTED
                   : value                          ? value
                                                    : "");
    return emit(out, outsz, &b);
}

size_t ks_redact_mask(char *buf, size_t len, const char *const *secrets,
                      size_t n)
{
    size_t masked = 0;

    for (size_t i = 0; i < n; i++) {
        const char *s = secrets[i];
        size_t slen = s ? strlen(s) : 0;

        if (slen == 0 || slen > len)
            continue;
        for (size_t at = 0; at + slen <= len;) {
            if (memcmp(buf + at, s, slen) == 0) {
                memset(buf + at, '*', slen);
                masked++;
                at += slen;
            } else {
                at++;
            }
        }
    }
    return masked;
}
