/* A small libcurl client for the emulator-core tests. */
#ifndef KM_TEST_CLIENT_H
#define KM_TEST_CLIENT_H

#include <stddef.h>
#include <curl/curl.h>

struct tc_reply {
    CURLcode cc;
    long status;
    char *body; /* NUL-terminated, "" when empty */
    size_t len;
    char *headers; /* raw response header block */
};

struct tc_request {
    const char *method;         /* NULL: GET, or POST with a body */
    const char *const *headers; /* "Name: value", NULL-terminated */
    const char *body;
    size_t len;
    int chunked;     /* send the body without Content-Length */
    long timeout_ms; /* 0: 5000 */
};

/* Performs one request on url; aborts only on out-of-memory. */
void tc_do(struct tc_reply *out, const char *url, const struct tc_request *rq);
/* A GET of base + path with the default options. */
void tc_get(struct tc_reply *out, const char *base, const char *path);
/* The value of a response header (case-insensitive) in a fresh string, or
 * NULL. Caller frees. */
char *tc_header(const struct tc_reply *r, const char *name);
void tc_reply_dispose(struct tc_reply *r);

#endif
