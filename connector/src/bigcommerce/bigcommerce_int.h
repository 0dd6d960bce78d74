/*
 * Internals of the BigCommerce client shared between its source files.
 */
#ifndef KS_BIGCOMMERCE_BC_H
#define KS_BIGCOMMERCE_BC_H

#include "kinsync/bigcommerce.h"
#include "core/internal.h"
#include "core/crypto.h"
#include "http/rest.h"
#include "core/seen.h"

struct ks_bigcommerce {
    struct ks_client *client; /* borrowed */
    char *base_url;           /* API root without a trailing slash */
    char *store_hash;
    struct ks_secret *access_token;
    struct ks_secret *client_secret; /* NULL when not configured */
    char *webhook_header_name;       /* NULL when not configured */
    struct ks_secret *webhook_header_value;
    int page_limit;
    int64_t webhook_tolerance_s;
    size_t webhook_max_body;
    struct ks__seen seen; /* recent webhook ids (and payload hashes) */
    char reason[160];     /* why the last verify failed */
};

#define KS__BC_DEFAULT_BASE "https://api.bigcommerce.com"

/* ---- request plumbing (client.c) ------------------------------------ */

/* Absolute URL <base>/stores/<hash>/<path>?<query pairs>, each pair
 * encoded by curl_url. */
ks_rc ks__bc_url(char **out, struct ks_bigcommerce *bc, const char *path,
                 const char *const *query);

/* Sends one request with X-Auth-Token; the reply is the caller's. On
 * failure the store's message (v3 "title" + "errors", v2 "message")
 * replaces the generic one. idempotent: -1 from the method, 1 for a write
 * the store itself refuses to apply twice (see the HTTP layer's README). */
ks_rc ks__bc_send(struct ks__http_reply *reply, struct ks_bigcommerce *bc,
                  const char *method, const char *url, const char *body,
                  size_t body_len, int idempotent);

/* ks_bigcommerce_request with the idempotent flag of ks__bc_send. */
ks_rc ks__bc_request(cJSON **out, struct ks_bigcommerce *bc, const char *method,
                     const char *path, const char *const *query,
                     const cJSON *body, int idempotent);

/* ---- paging and chunking (paging.c) --------------------------------- */

/*
 * Reads meta.pagination of a v3 reply: the page after current_page, or 0
 * when current_page >= total_pages (or the meta is missing, which ends
 * the listing after this page).
 */
int ks__bc_next_page(const cJSON *reply);

/*
 * The query of one page of a listing into q (cap entries): the (name,
 * value) pairs of extra (as many as leave room), then limit (written into
 * limit, the handle's page_limit) and page (the caller writes the page
 * number into it before each request), ended by NULL.
 */
void ks__bc_page_query(const char **q, size_t cap, const char *const *extra,
                       const struct ks_bigcommerce *bc, char limit[16],
                       const char *page);

/* Number of requests needed for total items at limit per request. */
size_t ks__bc_chunks(size_t total, size_t limit);

/* A new array with items [from, from + n) of arr (deep copies); NULL on
 * out-of-memory. */
cJSON *ks__bc_slice(const cJSON *arr, size_t from, size_t n);

/* Sends arr in chunks of limit with method to path; the replies' "data"
 * arrays (or single objects, or the whole reply when it has no "data")
 * are appended to data and their "errors" to
 * errors (either may be NULL). Counts into stats. wrap (may be NULL)
 * builds the request body around a chunk, taking it (freed on failure,
 * when it returns NULL). */
ks_rc ks__bc_chunked(cJSON *data, cJSON *errors,
                     struct ks_bigcommerce_batch_stats *stats,
                     struct ks_bigcommerce *bc, const char *method,
                     const char *path, const cJSON *arr, size_t limit,
                     cJSON *(*wrap)(cJSON *chunk, void *ud), void *ud);

/* ---- verify.c ------------------------------------------------------- */

/* Parses a thin payload into ev (without the header fields). */
ks_rc ks__bc_event_parse(struct ks_bigcommerce_event *ev, const char *body,
                         size_t len);

#endif
