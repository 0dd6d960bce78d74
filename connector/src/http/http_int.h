/* Shared by http/http.c (the transfer loop) and http/report.c (what is
 * logged and recorded about it). Not for other modules. */
#ifndef KS_HTTP_INT_H
#define KS_HTTP_INT_H

#include "../core/client_int.h"
#include "http.h"

/* Where one attempt's reply is collected. */
struct ks__http_sink {
    struct ks__buf body;
    struct curl_slist *headers; /* of the last response block */
    size_t max;                 /* 0: no limit */
    int too_big;
    int oom;
};

#ifdef KS_UNIT_TESTING
/* libcurl's write and header callbacks (static outside unit tests). */
size_t ks__http_on_body(char *ptr, size_t size, size_t nmemb, void *ud);
size_t ks__http_on_header(char *ptr, size_t size, size_t nmemb, void *ud);
#endif

/* The ks_rc of a final HTTP status (KS_OK for 2xx only). */
ks_rc ks__http_status_rc(long status);

/* A redacted copy of url (ks__free it), or NULL when out of memory, in
 * which case callers print KS_REDACTED instead. */
char *ks__http_redacted_url(const char *url);

/* Records a failure in the client's error slot (first one wins), with the
 * client's secrets masked in the whole formatted message. */
void ks__http_fail(struct ks_client *c, ks_rc rc, long status, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));

/* DEBUG line for one attempt: method, redacted URL, outcome; the payload
 * lists the sent and received headers, redacted. */
void ks__http_log_attempt(struct ks_client *c,
                          const struct ks__http_request *req, const char *url,
                          const struct curl_slist *sent,
                          const struct ks__http_reply *reply, CURLcode cc);

/* INFO line announcing a wait before the next attempt. */
void ks__http_log_retry(struct ks_client *c, const struct ks__http_request *req,
                        const char *url, const struct ks__http_reply *reply,
                        CURLcode cc, int64_t wait_ms, int attempt);

/* The one-line description of a failed call: method, redacted URL, status
 * or transport error, attempts, and a short excerpt of the remote body. */
void ks__http_record_failure(struct ks_client *c, ks_rc rc,
                             const struct ks__http_request *req,
                             const char *url,
                             const struct ks__http_reply *reply, CURLcode cc);

#endif
