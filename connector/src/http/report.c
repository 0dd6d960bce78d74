/*
 * What the HTTP layer says about a call: DEBUG lines per attempt with the
 * headers redacted, INFO lines per wait, and the one-line failure recorded
 * in the client's error slot. Every URL goes through ks_redact_url() and
 * every text through the client's secret mask before it leaves, and the
 * mask is applied to the whole text before any truncation, so a secret
 * cut in half by a buffer's end cannot leak its first half.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "http_int.h"

#define EXCERPT_MAX 160 /* bytes of the remote body quoted in a message */

static const char *const *secrets_of(const struct ks_client *c)
{
    return (const char *const *)c->secrets;
}

static void mask(const struct ks_client *c, char *text, size_t len)
{
    ks_redact_mask(text, len, secrets_of(c), c->nsecrets);
}

static int log_on(const struct ks_client *c, enum ks_log_level level)
{
    return c->opts.log_fn && level >= c->opts.log_level;
}

char *ks__http_redacted_url(const char *url)
{
    size_t need = ks_redact_url(NULL, 0, url);
    char *out = ks__malloc(need + 1);

    if (out)
        ks_redact_url(out, need + 1, url);
    return out;
}

void ks__http_fail(struct ks_client *c, ks_rc rc, long status, const char *fmt,
                   ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = ks__vaprintf(fmt, ap);
    va_end(ap);
    if (msg) {
        mask(c, msg, strlen(msg));
        ks__error_set(&c->error, rc, status, "%s", msg);
        ks__free(msg);
    } else {
        ks__error_set(&c->error, rc, status, "%s", ks_rc_message(rc));
    }
}

/* Appends "<prefix>Name: value\n" with the value redacted when the header
 * carries a credential. Lines that are not headers are left out. */
static void add_header_line(struct ks__buf *b, const char *prefix,
                            const char *line)
{
    const char *colon = strchr(line, ':'), *value;
    char *name = NULL, *text = NULL;
    size_t need;

    if (!colon)
        return;
    value = colon + 1;
    while (*value == ' ' || *value == '\t')
        value++;
    name = ks__strndup(line, (size_t)(colon - line));
    if (name) {
        need = ks_redact_header(NULL, 0, name, value);
        text = ks__malloc(need + 1);
    }
    if (!text) {
        b->oom = 1; /* the payload is dropped, never sent half-redacted */
        goto out;
    }
    ks_redact_header(text, need + 1, name, value);
    ks__buf_printf(b, "%s%s\n", prefix, text);
out:
    ks__free(text);
    ks__free(name);
}

void ks__http_log_attempt(struct ks_client *c,
                          const struct ks__http_request *req, const char *url,
                          const struct curl_slist *sent,
                          const struct ks__http_reply *reply, CURLcode cc)
{
    struct ks__buf payload = KS__BUF_INIT;
    char *text;

    if (!log_on(c, KS_LOG_DEBUG))
        return;
    ks__buf_printf(&payload, "> %s %s\n", req->method, url ? url : KS_REDACTED);
    for (; sent; sent = sent->next)
        add_header_line(&payload, "> ", sent->data);
    if (reply->status)
        ks__buf_printf(&payload, "< HTTP %ld\n", reply->status);
    for (const struct curl_slist *h = reply->headers; h; h = h->next)
        add_header_line(&payload, "< ", h->data);
    text = ks__buf_detach(&payload); /* NULL after an append failed */
    if (cc == CURLE_OK)
        ks__log(c, KS_LOG_DEBUG, text, "%s %s -> HTTP %ld (attempt %d)",
                req->method, url ? url : KS_REDACTED, reply->status,
                reply->attempts);
    else
        ks__log(c, KS_LOG_DEBUG, text, "%s %s -> %s (attempt %d)", req->method,
                url ? url : KS_REDACTED, curl_easy_strerror(cc),
                reply->attempts);
    ks__free(text);
}

void ks__http_log_retry(struct ks_client *c, const struct ks__http_request *req,
                        const char *url, const struct ks__http_reply *reply,
                        CURLcode cc, int64_t wait_ms, int attempt)
{
    if (!log_on(c, KS_LOG_INFO))
        return;
    if (cc == CURLE_OK)
        ks__log(c, KS_LOG_INFO, NULL,
                "%s %s: HTTP %ld, retrying in %lld ms (attempt %d of %d)",
                req->method, url ? url : KS_REDACTED, reply->status,
                (long long)wait_ms, attempt + 1, c->opts.retry.max_attempts);
    else
        ks__log(c, KS_LOG_INFO, NULL,
                "%s %s: %s, retrying in %lld ms (attempt %d of %d)",
                req->method, url ? url : KS_REDACTED, curl_easy_strerror(cc),
                (long long)wait_ms, attempt + 1, c->opts.retry.max_attempts);
}

static size_t longest_secret(const struct ks_client *c)
{
    size_t longest = 0;

    for (size_t i = 0; i < c->nsecrets; i++) {
        size_t n = strlen(c->secrets[i]);
        if (n > longest)
            longest = n;
    }
    return longest;
}

/*
 * The start of the remote body on one line (whitespace runs and control
 * bytes collapsed to one space), "..." when cut. The masked window
 * reaches past the excerpt by the longest secret so that a secret
 * straddling the cut is masked whole. out holds EXCERPT_MAX + 4 bytes.
 */
static void body_excerpt(char *out, const struct ks_client *c,
                         const struct ks__http_reply *reply)
{
    size_t window = reply->len, longest = longest_secret(c), n = 0;
    char *copy;

    out[0] = '\0';
    if (!reply->body || reply->len == 0)
        return;
    if (window > EXCERPT_MAX && window - EXCERPT_MAX > longest)
        window = EXCERPT_MAX + longest;
    copy = ks__strndup(reply->body, window);
    if (!copy)
        return;
    mask(c, copy, window);
    for (size_t i = 0; i < window && n < EXCERPT_MAX; i++) {
        int space = !isprint((unsigned char)copy[i]) || copy[i] == ' ';

        if (space && (n == 0 || out[n - 1] == ' '))
            continue;
        out[n++] = space ? ' ' : copy[i];
    }
    while (n && out[n - 1] == ' ')
        n--;
    if (n == EXCERPT_MAX && reply->len > EXCERPT_MAX) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
    ks__free(copy);
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

void ks__http_record_failure(struct ks_client *c, ks_rc rc,
                             const struct ks__http_request *req,
                             const char *url,
                             const struct ks__http_reply *reply, CURLcode cc)
{
    char excerpt[EXCERPT_MAX + 4];
    const char *shown = url ? url : KS_REDACTED, *id;

    if (c->error.rc != KS_OK)
        return; /* a lower-level failure (e.g. the token request) wins */
    if (rc == KS_ENOMEM) {
        ks__http_fail(c, rc, reply->status, "%s %s: out of memory", req->method,
                      shown);
    } else if (cc == CURLE_FILESIZE_EXCEEDED) {
        ks__http_fail(c, rc, reply->status,
                      "%s %s: response larger than %zu bytes", req->method,
                      shown, c->opts.max_response_bytes);
    } else if (cc != CURLE_OK) {
        ks__http_fail(c, rc, 0, "%s %s: %s after %d attempt(s)", req->method,
                      shown, curl_easy_strerror(cc), reply->attempts);
    } else {
        body_excerpt(excerpt, c, reply);
        ks__http_fail(c, rc, reply->status,
                      "%s %s: HTTP %ld after %d attempt(s)%s%s", req->method,
                      shown, reply->status, reply->attempts,
                      excerpt[0] ? ": " : "", excerpt);
    }
    id = remote_id_of(reply);
    if (id && c->error.remote_id[0] == '\0') {
        snprintf(c->error.remote_id, sizeof(c->error.remote_id), "%s", id);
        mask(c, c->error.remote_id, strlen(c->error.remote_id));
    }
}

/*
 * The one place a recorded message is replaced rather than kept: the
 * remote system's own words (e.g. Epicor's ErrorMessage) describe the
 * same failure more precisely than the generic summary written by
 * ks__http_record_failure(). It only rewrites a message that the failed
 * HTTP call left in the slot; the code and status stay.
 */
void ks__http_set_remote_message(struct ks_client *c, const char *message,
                                 const char *remote_id)
{
    char *text;

    if (c->error.rc == KS_OK)
        return;
    if (message && *message) {
        text = ks__aprintf("%s (HTTP %ld)", message, c->error.http_status);
        if (text) {
            for (char *p = text; *p; p++) {
                if (!isprint((unsigned char)*p))
                    *p = ' '; /* messages are one line */
            }
            mask(c, text, strlen(text));
            snprintf(c->error.message, sizeof(c->error.message), "%s", text);
            ks__free(text);
        }
    }
    if (remote_id && *remote_id) {
        snprintf(c->error.remote_id, sizeof(c->error.remote_id), "%s",
                 remote_id);
        mask(c, c->error.remote_id, strlen(c->error.remote_id));
    }
}
