/*
 * What the JSON REST clients (BigCommerce, WooCommerce) share on top of
 * ks__http_send(): building a URL with its query, adding a header that may
 * hold a credential, mapping a platform's error body, and one JSON
 * exchange (body printed, reply parsed). Each client keeps only what is
 * its own: its URL layout, its credentials and its error shape.
 */
#ifndef KS_HTTP_REST_H
#define KS_HTTP_REST_H

#include <cjson/cJSON.h>
#include "http.h"

/*
 * *out = base with the (name, value) pairs of query and then of more
 * appended, each value percent-encoded by curl_url; a list ends at a NULL
 * name (or a name without a value), and either list may be NULL. A base
 * curl refuses is KS_EINVAL, recorded on c as "<who>: bad URL for
 * <what>"; ENOMEM otherwise. The URL is the caller's (ks__free).
 */
ks_rc ks__http_url_build(char **out, struct ks_client *c, const char *who,
                         const char *what, const char *base,
                         const char *const *query, const char *const *more);

/* A copy of a configured API root without its trailing slashes, so that
 * "<root>/<path>" has exactly one; NULL when out of memory. */
char *ks__http_root_dup(const char *url);

/*
 * Appends "<name>: <value>" to *headers. The formatted copy is wiped
 * before it is freed, since the value may be a credential.
 */
ks_rc ks__http_header_add(struct curl_slist **headers, const char *name,
                          const char *value);

/* Appends line to *headers and takes it: wiped and freed whatever
 * happens. A NULL line (a failed ks__aprintf) is KS_ENOMEM. */
ks_rc ks__http_header_take(struct curl_slist **headers, char *line);

/*
 * A platform's reading of its error body: given the parsed body of a
 * failed reply, it may replace the generic message with the platform's
 * own (ks__http_set_remote_message).
 */
typedef void (*ks__http_remote_error_fn)(struct ks_client *c,
                                         const cJSON *body);

/* ks__http_send(), then on a failure other than ENOMEM the reply's body,
 * when it is JSON, goes to remote_error (may be NULL). */
ks_rc ks__http_send_mapped(struct ks__http_reply *reply, struct ks_client *c,
                           const struct ks__http_request *req,
                           ks__http_remote_error_fn remote_error);

/* One JSON exchange of ks__http_json(). */
struct ks__http_json_request {
    const char *who;    /* "bigcommerce": starts every message */
    const char *method; /* "GET", "POST", ... */
    const char *path;   /* as the caller named it, for messages */
    const char *url;    /* absolute */
    const cJSON *body;  /* NULL: none */
    const struct ks__http_auth *auth;
    int idempotent; /* as in struct ks__http_request */
    /* 1: a 204 or an empty reply leaves *out NULL; 0: it is EPARSE. */
    int empty_ok;
    ks__http_remote_error_fn remote_error; /* may be NULL */
};

/*
 * Sends req->body (printed unformatted) to req->url and parses the reply
 * into *out (out may be NULL: the reply is dropped). A reply that is not
 * JSON is KS_EPARSE, "<who>: <method> <path>: reply is not JSON".
 */
ks_rc ks__http_json(cJSON **out, struct ks_client *c,
                    const struct ks__http_json_request *req);

#endif
