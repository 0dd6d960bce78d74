/* An HTTP client over libcurl for loopback calls (see kt.h). */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "kt.h"

struct sink {
    char *data;
    size_t len;
};

static size_t collect(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct sink *s = ud;
    size_t n = size * nmemb;

    s->data = realloc(s->data, s->len + n + 1);
    if (!s->data)
        abort();
    memcpy(s->data + s->len, ptr, n);
    s->len += n;
    s->data[s->len] = '\0';
    return n;
}

struct source {
    const char *data;
    size_t len;
    size_t pos;
};

static size_t feed(char *buf, size_t size, size_t nmemb, void *ud)
{
    struct source *s = ud;
    size_t n = size * nmemb;

    if (n > s->len - s->pos)
        n = s->len - s->pos;
    memcpy(buf, s->data + s->pos, n);
    s->pos += n;
    return n;
}

void kt_http(struct kt_reply *out, const char *url, const struct kt_request *rq)
{
    CURL *curl = curl_easy_init();
    struct curl_slist *list = NULL;
    struct sink body = {NULL, 0}, head = {NULL, 0};
    size_t len = rq->body && !rq->len ? strlen(rq->body) : rq->len;
    struct source src = {rq->body, len, 0};
    int expect = 0;

    if (!curl)
        abort();
    for (size_t i = 0; rq->headers && rq->headers[i]; i++) {
        list = curl_slist_append(list, rq->headers[i]);
        expect |= strncasecmp(rq->headers[i], "Expect:", 7) == 0;
    }
    if (rq->chunked)
        list = curl_slist_append(list, "Transfer-Encoding: chunked");
    /* No 100-continue round trip unless the caller asks for one: the
     * server may answer before the body. */
    if (!expect)
        list = curl_slist_append(list, "Expect:");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                     rq->timeout_ms ? rq->timeout_ms : 5000L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &head);
    if (rq->body && rq->chunked) {
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, feed);
        curl_easy_setopt(curl, CURLOPT_READDATA, &src);
    } else if (rq->body) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, rq->body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    if (rq->method)
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, rq->method);
    memset(out, 0, sizeof(*out));
    out->cc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->status);
    out->body = body.data ? body.data : calloc(1, 1);
    out->len = body.len;
    out->headers = head.data ? head.data : calloc(1, 1);
    if (!out->body || !out->headers)
        abort();
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
}

void kt_http_get(struct kt_reply *out, const char *base, const char *path)
{
    struct kt_request rq = {0};
    char url[1024];

    snprintf(url, sizeof(url), "%s%s", base, path);
    kt_http(out, url, &rq);
}

char *kt_reply_header(const struct kt_reply *r, const char *name)
{
    size_t n = strlen(name);

    for (const char *line = r->headers; line && *line;) {
        const char *eol = strstr(line, "\r\n");
        size_t len = eol ? (size_t)(eol - line) : strlen(line);

        if (len > n && strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            char *copy;
            while (*v == ' ')
                v++;
            copy = strndup(v, (size_t)(line + len - v));
            if (!copy)
                abort();
            return copy;
        }
        line = eol ? eol + 2 : line + len;
    }
    return NULL;
}

void kt_reply_dispose(struct kt_reply *r)
{
    free(r->body);
    free(r->headers);
    memset(r, 0, sizeof(*r));
}
