/*
 * Internals of the WooCommerce client shared between its source files.
 */
#ifndef KS_WOOCOMMERCE_WC_H
#define KS_WOOCOMMERCE_WC_H

#include "kinsync/woocommerce.h"
#include "core/internal.h"
#include "core/crypto.h"
#include "http/rest.h"
#include "http/oauth1.h"
#include "core/seen.h"

struct ks_woocommerce {
    struct ks_client *client; /* borrowed */
    char *site_url;           /* without a trailing slash */
    char *consumer_key;
    struct ks_secret *consumer_secret;
    struct ks_secret *webhook_secret; /* NULL when not configured */
    enum ks_woocommerce_auth auth;
    int per_page;
    int batch_limit;
    int reenable_disabled_hooks;
    size_t webhook_max_body;
    struct ks__seen seen; /* recent webhook ids (and payload hashes) */
    uint64_t nonce_rng;
};

/* The oldest page size WooCommerce accepts and the largest. */
#define KS__WC_PER_PAGE_MAX 100
#define KS__WC_BATCH_LIMIT 100

/* ---- request plumbing (client.c) ------------------------------------ */

/* Absolute URL of site/wp-json/wc/v3/<path> with the query pairs (name,
 * value, ..., NULL) appended, each encoded by curl_url. With query auth the
 * key pair is appended too. */
ks_rc ks__wc_url(char **out, struct ks_woocommerce *wc, const char *path,
                 const char *const *query, int with_auth);

/* Sends one request with the handle's auth; the reply is the caller's.
 * On failure the WooCommerce error message ("code: message") replaces the
 * generic one. */
ks_rc ks__wc_send(struct ks__http_reply *reply, struct ks_woocommerce *wc,
                  const char *method, const char *url, const char *body,
                  size_t body_len);

/* ---- OAuth 1.0a (client.c, over http/oauth1.h) ----------------------- */

/* "Authorization: OAuth ..." as WooCommerce checks it over plain HTTP:
 * one-legged (no token), HMAC-SHA256, at timestamp (seconds) with nonce.
 * WooCommerce's key is consumer_secret + "&" unencoded; its secrets are
 * "cs_" and hex, which encoding leaves as they are, so the RFC 5849 key
 * of the shared signer is the same. */
ks_rc ks__wc_oauth_header(char **out, const char *consumer_key,
                          const char *consumer_secret, const char *method,
                          const char *url, int64_t timestamp,
                          const char *nonce);

/* ---- paging (paging.c) ---------------------------------------------- */

/* The URL of rel="next" in a Link header; KS_ENOTFOUND when there is
 * none, KS_ENOMEM. */
ks_rc ks__wc_link_next(char **out, const char *link);

/* X-WP-TotalPages (or X-WP-Total) as a number; -1 when absent or bad. */
long ks__wc_header_long(const char *value);

/* ---- batch (batch.c) ------------------------------------------------ */

/* Chunk index of a batch of ncreate + nupdate + ndelete items taken in
 * that order, limit items per request: which slice of each list it
 * carries. */
struct ks__wc_slice {
    size_t create_from, create_n;
    size_t update_from, update_n;
    size_t delete_from, delete_n;
};
size_t ks__wc_batch_chunks(size_t total, size_t limit);
void ks__wc_batch_slice(struct ks__wc_slice *out, size_t ncreate,
                        size_t nupdate, size_t ndelete, size_t limit,
                        size_t index);

#endif
