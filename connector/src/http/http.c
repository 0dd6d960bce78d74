/*
 * One HTTP call with the retry policy: build the request on the client's
 * reused curl handle, collect the final reply, decide, wait on the
 * client's clock, repeat. Logging and the error message live in
 * report.c.
 */
#include <string.h>
#include <strings.h>
#include "http_int.h"
#include "retry.h"

KS_TESTABLE size_t ks__http_on_body(char *ptr, size_t size, size_t nmemb,
                                    void *ud)
{
    struct ks__http_sink *s = ud;
    size_t n = size * nmemb;

    if (s->max && (n > s->max || s->body.len > s->max - n)) {
        s->too_big = 1;
        return 0; /* makes curl abort the transfer */
    }
    if (ks__buf_append(&s->body, ptr, n) != KS_OK) {
        s->oom = 1;
        return 0;
    }
    return n;
}

/*
 * Keeps the header lines of the last response block only: a status line
 * starts a new block (after 100 Continue, a redirect or a proxy's
 * CONNECT reply) and drops what was collected before.
 */
KS_TESTABLE size_t ks__http_on_header(char *ptr, size_t size, size_t nmemb,
                                      void *ud)
{
    struct ks__http_sink *s = ud;
    size_t n = size * nmemb, len = n;
    struct curl_slist *grown;
    char *line;

    while (len && (ptr[len - 1] == '\r' || ptr[len - 1] == '\n' ||
                   ptr[len - 1] == ' ' || ptr[len - 1] == '\t'))
        len--; /* values are kept trimmed */
    if (len >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
        curl_slist_free_all(s->headers);
        s->headers = NULL;
        return n;
    }
    if (len == 0 || !memchr(ptr, ':', len))
        return n;
    line = ks__strndup(ptr, len);
    if (!line) {
        s->oom = 1;
        return 0;
    }
    grown = curl_slist_append(s->headers, line);
    ks__free(line);
    if (!grown) {
        s->oom = 1;
        return 0;
    }
    s->headers = grown;
    return n;
}

const char *ks__http_reply_header(const struct ks__http_reply *reply,
                                  const char *name)
{
    size_t n = strlen(name);

    for (const struct curl_slist *h = reply->headers; h; h = h->next) {
        if (strncasecmp(h->data, name, n) == 0 && h->data[n] == ':') {
            const char *v = h->data + n + 1;

            while (*v == ' ' || *v == '\t')
                v++;
            return v;
        }
    }
    return NULL;
}

void ks__http_reply_dispose(struct ks__http_reply *reply)
{
    ks__free(reply->body);
    curl_slist_free_all(reply->headers);
    reply->body = NULL;
    reply->headers = NULL;
    reply->len = 0;
    reply->status = 0;
}

static int list_has(const struct curl_slist *l, const char *name)
{
    size_t n = strlen(name);

    for (; l; l = l->next) {
        if (strncasecmp(l->data, name, n) == 0 &&
            (l->data[n] == ':' || l->data[n] == ';'))
            return 1;
    }
    return 0;
}

static ks_rc list_add(struct curl_slist **l, const char *line)
{
    struct curl_slist *grown = curl_slist_append(*l, line);

    if (!grown)
        return KS_ENOMEM;
    *l = grown;
    return KS_OK;
}

/* The caller's headers, then the defaults the caller did not set. */
static ks_rc build_headers(struct curl_slist **out,
                           const struct ks__http_request *req)
{
    ks_rc rc = KS_OK;

    *out = NULL;
    for (const struct curl_slist *h = req->headers; h && !rc; h = h->next)
        rc = list_add(out, h->data);
    if (!rc && !list_has(*out, "Accept"))
        rc = list_add(out, "Accept: application/json");
    if (!rc && req->body && !list_has(*out, "Content-Type"))
        rc = list_add(out, "Content-Type: application/json");
    if (!rc && !list_has(*out, "Expect")) /* no 100-continue round trip */
        rc = list_add(out, "Expect:");
    return rc;
}

/* Drops the headers the client's filter refuses (see client.h). */
static ks_rc filter_headers(struct curl_slist **headers,
                            const struct ks_client *c)
{
    struct curl_slist *kept = NULL;
    ks_rc rc = KS_OK;

    if (!c->header_filter)
        return KS_OK;
    for (const struct curl_slist *h = *headers; h && !rc; h = h->next) {
        if (!c->header_filter(c->header_filter_userdata, h->data))
            rc = list_add(&kept, h->data);
    }
    curl_slist_free_all(rc ? kept : *headers);
    if (!rc)
        *headers = kept;
    return rc;
}

static int method_is_idempotent(const char *m)
{
    return !strcmp(m, "GET") || !strcmp(m, "HEAD") || !strcmp(m, "PUT") ||
           !strcmp(m, "DELETE") || !strcmp(m, "OPTIONS");
}

/*
 * Prepares the reused handle for one attempt. libcurl silently re-sends a
 * request whose reused connection turns out to be dead; for a write that
 * is not idempotent that could duplicate it, so such writes always go on
 * a fresh connection (which is then kept for later requests) and fail
 * visibly instead.
 */
static ks_rc setup(struct ks_client *c, const struct ks__http_request *req,
                   struct curl_slist *headers, struct ks__http_sink *sink,
                   int idempotent)
{
    CURL *h = c->curl;
    int is_get = !strcmp(req->method, "GET");

    curl_easy_reset(h); /* keeps the connection cache */
    if (curl_easy_setopt(h, CURLOPT_URL, req->url) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent) != CURLE_OK)
        return KS_ENOMEM;
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (!idempotent)
        curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)c->opts.connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)c->opts.timeout_ms);
    if (c->opts.ca_file &&
        curl_easy_setopt(h, CURLOPT_CAINFO, c->opts.ca_file) != CURLE_OK)
        return KS_ENOMEM;
    if (sink->max) /* refuses at once when Content-Length says too big */
        curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)sink->max);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, ks__http_on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, ks__http_on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, sink);
    if (!strcmp(req->method, "HEAD"))
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    else if (!is_get || req->body)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
    if (req->body || !strcmp(req->method, "POST")) {
        /* Explicit size: bodies may hold NUL bytes, and curl must not
         * strlen() them. */
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)(req->body ? req->body_len : 0));
    }
    return KS_OK;
}

/* The code of a curl failure; only ETRANSPORT and ETIMEOUT are retried. A
 * certificate the configured trust does not accept is configuration (a
 * wrong ca_file or URL, or somebody in the middle): asking again cannot
 * help, so it is EINVAL like a malformed URL. */
static ks_rc transport_rc(CURLcode cc)
{
    switch (cc) {
    case CURLE_OK:
        return KS_OK;
    case CURLE_OPERATION_TIMEDOUT:
        return KS_ETIMEOUT;
    case CURLE_OUT_OF_MEMORY:
        return KS_ENOMEM;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        return KS_EINVAL;
    default:
        return KS_ETRANSPORT;
    }
}

ks_rc ks__http_status_rc(long status)
{
    if (status >= 200 && status < 300)
        return KS_OK;
    switch (status) {
    case 401:
        return KS_EAUTH;
    case 403:
        return KS_EFORBIDDEN;
    case 404:
    case 410:
        return KS_ENOTFOUND;
    case 409:
    case 412:
        return KS_ECONFLICT;
    case 413:
        return KS_ETOOBIG;
    case 429:
        return KS_ERATELIMIT;
    case 502:
    case 503:
    case 504:
        return KS_EUNAVAIL;
    default: /* 3xx included: redirects are not followed */
        return KS_EREMOTE;
    }
}

/* Moves what the sink collected into the reply. */
static void take_reply(struct ks__http_reply *reply, struct ks__http_sink *sink)
{
    reply->headers = sink->headers;
    reply->body = sink->body.data;
    reply->len = sink->body.len;
    sink->headers = NULL;
    sink->body.data = NULL;
    sink->body.len = sink->body.cap = 0;
}

/* The 429 reset hint: Retry-After, else BigCommerce-style X-Retry-After. */
static const char *retry_after_of(const struct ks__http_reply *reply)
{
    const char *v = ks__http_reply_header(reply, "Retry-After");

    return v ? v : ks__http_reply_header(reply, "X-Retry-After");
}

ks_rc ks__http_send(struct ks__http_reply *reply, struct ks_client *c,
                    const struct ks__http_request *req)
{
    struct ks__retry_state state = {0, 0, 0};
    struct curl_slist *headers = NULL;
    struct ks__http_sink sink;
    int refresh = 0, idempotent;
    char *url;
    CURLcode cc = CURLE_OK;
    ks_rc rc = KS_OK, transport = KS_OK;

    memset(reply, 0, sizeof(*reply));
    memset(&sink, 0, sizeof(sink));
    ks__error_clear(&c->error);
    idempotent = req->idempotent >= 0 ? req->idempotent
                                      : method_is_idempotent(req->method);
    state.rng = c->rng;
    url = ks__http_redacted_url(req->url);
    for (;;) {
        enum ks__retry_action action;
        int64_t wait = 0;

        ks__http_reply_dispose(reply);
        sink.max = c->opts.max_response_bytes;
        rc = build_headers(&headers, req);
        if (!rc && req->auth)
            rc = req->auth->apply(req->auth->userdata, &headers, refresh);
        refresh = 0;
        if (!rc)
            rc = filter_headers(&headers, c);
        if (!rc)
            rc = setup(c, req, headers, &sink, idempotent);
        if (rc) {
            ks__http_fail(c, rc, 0, "%s %s: %s before sending", req->method,
                          url ? url : KS_REDACTED, ks_rc_message(rc));
            goto out;
        }
        c->stats.requests++;
        if (state.attempt > 0)
            c->stats.retries++;
        c->stats.bytes_out += req->body ? req->body_len : 0;
        cc = curl_easy_perform(c->curl);
        state.attempt++;
        reply->attempts = state.attempt;
        take_reply(reply, &sink);
        c->stats.bytes_in += reply->len;
        if (sink.oom)
            cc = CURLE_OUT_OF_MEMORY;
        else if (sink.too_big || cc == CURLE_FILESIZE_EXCEEDED)
            cc = CURLE_FILESIZE_EXCEEDED;
        transport =
            cc == CURLE_FILESIZE_EXCEEDED ? KS_ETOOBIG : transport_rc(cc);
        if (transport == KS_OK || transport == KS_ETOOBIG)
            curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &reply->status);
        ks__http_log_attempt(c, req, url, headers, reply, cc);
        curl_slist_free_all(headers);
        headers = NULL;
        if (transport == KS_ENOMEM || transport == KS_ETOOBIG) {
            rc = transport;
            ks__http_record_failure(c, rc, req, url, reply, cc);
            goto out;
        }

        action = ks__retry_decide(
            &wait, &state, &c->opts.retry, reply->status, transport, idempotent,
            ks__http_reply_header(reply, "X-Rate-Limit-Time-Reset-Ms"),
            retry_after_of(reply), ks_clock_now_ms(c->opts.clock));
        if (action == KS__RETRY_DONE)
            break;
        if (action == KS__RETRY_REAUTH) {
            c->stats.reauths++;
            refresh = 1;
            ks__log(c, KS_LOG_INFO, NULL,
                    "%s %s: HTTP 401, refreshing credentials", req->method,
                    url ? url : KS_REDACTED);
            continue;
        }
        ks__http_log_retry(c, req, url, reply, cc, wait, state.attempt);
        ks_clock_sleep_ms(c->opts.clock, wait);
        c->stats.waited_ms += wait;
    }

    rc = transport ? transport : ks__http_status_rc(reply->status);
    if (rc)
        ks__http_record_failure(c, rc, req, url, reply, cc);
out:
    c->rng = state.rng;
    curl_slist_free_all(headers);
    curl_slist_free_all(sink.headers);
    ks__buf_dispose(&sink.body);
    ks__free(url);
    return rc;
}
