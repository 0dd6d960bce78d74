/*
 * One HTTP call with the retry policy: build the request on the client's
 * reused curl handle, collect the final reply, decide, wait on the
 * client's clock, repeat.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include "../core/client_int.h"
#include "http.h"
#include "retry.h"

struct sink {
    struct ks__buf body;
    struct curl_slist *headers;
    size_t max;
    int too_big;
    int oom;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct sink *s = ud;
    size_t n = size * nmemb;

    if (s->body.len + n > s->max) {
        s->too_big = 1;
        return 0;
    }
    if (ks__buf_append(&s->body, ptr, n) != KS_OK) {
        s->oom = 1;
        return 0;
    }
    return n;
}

/* Keeps the header lines of the last response block only, trimmed. */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct sink *s = ud;
    size_t n = size * nmemb, len = n;
    struct curl_slist *grown;
    char *line;

    while (len && (ptr[len - 1] == '\r' || ptr[len - 1] == '\n'))
        len--;
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
        if (strncasecmp(l->data, name, n) == 0 && l->data[n] == ':')
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
    if (!rc) /* no 100-continue round trip on small JSON bodies */
        rc = list_add(out, "Expect:");
    return rc;
}

static int method_is_idempotent(const char *m)
{
    return !strcmp(m, "GET") || !strcmp(m, "HEAD") || !strcmp(m, "PUT") ||
           !strcmp(m, "DELETE") || !strcmp(m, "OPTIONS");
}

/*
 * libcurl silently re-sends a request whose reused connection turns out to
 * be dead. For a write that could duplicate it, so writes that are not
 * idempotent always go on a fresh connection and fail visibly instead.
 */
static void setup(struct ks_client *c, const struct ks__http_request *req,
                  struct curl_slist *headers, struct sink *sink, int idempotent)
{
    CURL *h = c->curl;

    curl_easy_reset(h); /* keeps the connection cache */
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (!idempotent)
        curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)c->opts.connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)c->opts.timeout_ms);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, sink);
    if (!strcmp(req->method, "HEAD"))
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    else if (strcmp(req->method, "GET") != 0)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
    if (req->body || !strcmp(req->method, "POST")) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)(req->body ? req->body_len : 0));
    }
}

static ks_rc status_rc(long status)
{
    if (status >= 200 && status < 400)
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
    default:
        return KS_EREMOTE;
    }
}

static const char *remote_id_of(const struct ks__http_reply *reply)
{
    static const char *const names[] = {"X-Request-Id", "X-Correlation-Id",
                                        "Request-Id", "CorrelationId", NULL};

    for (size_t i = 0; names[i]; i++) {
        const char *v = ks__http_reply_header(reply, names[i]);
        if (v)
            return v;
    }
    return NULL;
}

/* One line describing the failure: method, redacted URL, status, and the
 * start of the remote body with the client's secrets masked. */
static void record_failure(struct ks_client *c, ks_rc rc,
                           const struct ks__http_request *req,
                           const struct ks__http_reply *reply,
                           const char *transport_msg)
{
    char url[256], excerpt[161] = "";
    const char *id;
    size_t n = 0;

    ks_redact_url(url, sizeof(url), req->url);
    if (reply->body) {
        for (size_t i = 0; reply->body[i] && n < sizeof(excerpt) - 1; i++)
            excerpt[n++] =
                isprint((unsigned char)reply->body[i]) ? reply->body[i] : ' ';
        excerpt[n] = '\0';
        ks_redact_mask(excerpt, n, (const char *const *)c->secrets,
                       c->nsecrets);
    }
    if (transport_msg)
        ks__error_set(&c->error, rc, 0, "%s %s: %s after %d attempt(s)",
                      req->method, url, transport_msg, reply->attempts);
    else
        ks__error_set(&c->error, rc, reply->status,
                      "%s %s: HTTP %ld after %d attempt(s)%s%s", req->method,
                      url, reply->status, reply->attempts, n ? ": " : "",
                      excerpt);
    id = remote_id_of(reply);
    if (id && c->error.remote_id[0] == '\0')
        snprintf(c->error.remote_id, sizeof(c->error.remote_id), "%s", id);
}

ks_rc ks__http_send(struct ks__http_reply *reply, struct ks_client *c,
                    const struct ks__http_request *req)
{
    struct ks__retry_state state = {0, 0, 0};
    struct curl_slist *headers = NULL;
    struct sink sink;
    int refresh = 0, idempotent;
    const char *transport_msg = NULL;
    char url[256];
    ks_rc rc = KS_OK, transport;

    memset(reply, 0, sizeof(*reply));
    ks__error_clear(&c->error);
    idempotent = req->idempotent >= 0 ? req->idempotent
                                      : method_is_idempotent(req->method);
    state.rng = c->rng;
    ks_redact_url(url, sizeof(url), req->url);
    for (;;) {
        enum ks__retry_action action;
        int64_t wait = 0;
        CURLcode cc;

        ks__http_reply_dispose(reply);
        memset(&sink, 0, sizeof(sink));
        sink.max = c->opts.max_response_bytes;
        rc = build_headers(&headers, req);
        if (!rc && req->auth)
            rc = req->auth->apply(req->auth->userdata, &headers, refresh);
        if (rc) {
            if (rc != KS_ENOMEM)
                ks__error_set(&c->error, rc, 0, "%s %s: credentials: %s",
                              req->method, url, ks_rc_message(rc));
            goto out;
        }
        refresh = 0;
        setup(c, req, headers, &sink, idempotent);
        c->stats.requests++;
        if (state.attempt > 0)
            c->stats.retries++;
        c->stats.bytes_out += req->body ? req->body_len : 0;
        cc = curl_easy_perform(c->curl);
        state.attempt++;
        reply->attempts = state.attempt;
        reply->headers = sink.headers;
        reply->body = sink.body.data;
        reply->len = sink.body.len;
        sink.body.data = NULL;
        c->stats.bytes_in += reply->len;
        curl_slist_free_all(headers);
        headers = NULL;

        transport = KS_OK;
        transport_msg = NULL;
        if (sink.oom) {
            rc = KS_ENOMEM;
            goto out;
        } else if (sink.too_big) {
            rc = ks__error_set(&c->error, KS_ETOOBIG, 0,
                               "%s %s: response larger than %zu bytes",
                               req->method, url, sink.max);
            goto out;
        } else if (cc == CURLE_OPERATION_TIMEDOUT) {
            transport = KS_ETIMEOUT;
        } else if (cc != CURLE_OK) {
            transport = KS_ETRANSPORT;
        }
        if (transport) {
            transport_msg = curl_easy_strerror(cc);
            reply->status = 0;
        } else {
            curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &reply->status);
        }
        ks__log(c, KS_LOG_DEBUG, NULL, "%s %s -> %ld%s%s (attempt %d)",
                req->method, url, reply->status, transport ? " " : "",
                transport ? transport_msg : "", state.attempt);

        action = ks__retry_decide(
            &wait, &state, &c->opts.retry, reply->status, transport, idempotent,
            ks__http_reply_header(reply, "X-Rate-Limit-Time-Reset-Ms"),
            ks__http_reply_header(reply, "Retry-After")
                ? ks__http_reply_header(reply, "Retry-After")
                : ks__http_reply_header(reply, "X-Retry-After"),
            ks_clock_now_ms(c->opts.clock));
        if (action == KS__RETRY_DONE)
            break;
        if (action == KS__RETRY_REAUTH) {
            c->stats.reauths++;
            refresh = 1;
            ks__log(c, KS_LOG_INFO, NULL, "%s %s: 401, refreshing credentials",
                    req->method, url);
            continue;
        }
        ks__log(c, KS_LOG_INFO, NULL, "%s %s: %s, retrying in %lld ms",
                req->method, url,
                transport ? transport_msg
                          : (reply->status == 429 ? "rate limited"
                                                  : "service unavailable"),
                (long long)wait);
        ks_clock_sleep_ms(c->opts.clock, wait);
        c->stats.waited_ms += wait;
    }

    rc = transport ? transport : status_rc(reply->status);
    if (rc)
        record_failure(c, rc, req, reply, transport_msg);
out:
    c->rng = state.rng;
    curl_slist_free_all(headers);
    ks__buf_dispose(&sink.body);
    return rc;
}

void ks__http_set_remote_message(struct ks_client *c, const char *message,
                                 const char *remote_id)
{
    char *masked;

    /* The remote's own words are more precise than our generic summary,
     * so this is the one place a recorded message is replaced. */
    if (message && *message && c->error.rc != KS_OK) {
        masked = ks__aprintf("%s (HTTP %ld)", message, c->error.http_status);
        if (masked) {
            ks_redact_mask(masked, strlen(masked),
                           (const char *const *)c->secrets, c->nsecrets);
            snprintf(c->error.message, sizeof(c->error.message), "%s", masked);
            ks__free(masked);
        }
    }
    if (remote_id && *remote_id)
        snprintf(c->error.remote_id, sizeof(c->error.remote_id), "%s",
                 remote_id);
}
