/*
 * The HTTP layer: one libcurl easy handle per client (so connections are
 * reused), timeouts, redacted logging and the retry policy of
 * kinsync/client.h. Every remote-system module sends through
 * ks__http_send().
 */
#ifndef KS_HTTP_H
#define KS_HTTP_H

#include <curl/curl.h>
#include "../core/internal.h"

struct ks__http_reply {
    long status; /* final HTTP status; 0 if none */
    char *body;  /* NUL-terminated, may be NULL */
    size_t len;
    struct curl_slist *headers; /* "Name: value" lines of the final reply */
    int attempts;               /* how many attempts the call took */
};
#define KS__HTTP_REPLY_INIT                                                    \
    {                                                                          \
        0, NULL, 0, NULL, 0                                                    \
    }

/* Value of a reply header (case-insensitive name), trimmed; borrowed from
 * the reply. NULL when absent. */
const char *ks__http_reply_header(const struct ks__http_reply *reply,
                                  const char *name);
void ks__http_reply_dispose(struct ks__http_reply *reply);

/*
 * Credentials for a request. apply() adds the auth headers to *headers
 * (a list owned by the HTTP layer for this attempt). It is called before
 * every attempt with refresh = 0, and once with refresh = 1 after a 401 so
 * that a token can be fetched anew. It returns KS_OK or the failure (e.g.
 * KS_EAUTH when a token request is refused).
 */
struct ks__http_auth {
    ks_rc (*apply)(void *userdata, struct curl_slist **headers, int refresh);
    void *userdata;
};

struct ks__http_request {
    const char *method;               /* "GET", "POST", "PUT", ... */
    const char *url;                  /* absolute URL */
    const struct curl_slist *headers; /* extra headers; borrowed */
    const char *body;                 /* NULL for none */
    size_t body_len;
    const struct ks__http_auth *auth; /* NULL for none */
    int idempotent; /* -1: from the method (GET/PUT/DELETE/HEAD) */
};
#define KS__HTTP_REQUEST_INIT                                                  \
    {                                                                          \
        "GET", NULL, NULL, NULL, 0, NULL, -1                                   \
    }

/*
 * Sends req, applying the retry policy. On KS_OK the reply holds a 2xx
 * status. On failure the reply still holds the last status and body (so
 * the caller can parse the remote error shape), and the client's error
 * slot holds the description. Codes: EAUTH (401 after refresh),
 * EFORBIDDEN (403), ENOTFOUND (404), ECONFLICT (409/412), ETOOBIG (413),
 * ERATELIMIT (429 past the attempts), EUNAVAIL (5xx past the attempts),
 * ETRANSPORT / ETIMEOUT, EREMOTE (other 4xx and 5xx), ENOMEM.
 */
ks_rc ks__http_send(struct ks__http_reply *reply, struct ks_client *c,
                    const struct ks__http_request *req);

/* Lets a remote module replace the message recorded for a failed reply
 * with the remote system's own (e.g. Epicor's ErrorMessage). */
void ks__http_set_remote_message(struct ks_client *c, const char *message,
                                 const char *remote_id);

/* Appends name=value to u's query, the value percent-encoded by libcurl
 * (CURLU_URLENCODE); a NULL value is "". ENOMEM, or EINVAL when curl
 * refuses the pair. */
ks_rc ks__http_url_add_query(CURLU *u, const char *name, const char *value);

#endif
