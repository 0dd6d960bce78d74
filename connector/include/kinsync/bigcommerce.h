/*
 * The BigCommerce client (REST v3 catalog, inventory, customers and hooks;
 * v2 orders).
 *
 * A handle borrows a ks_client (clock, log, retry policy, HTTP connection;
 * 429 waits on X-Rate-Limit-Time-Reset-Ms happen there) and holds the API
 * root, the store hash, the access token and the webhook keys. Records
 * travel as cJSON in BigCommerce's own shapes: they are wide and a fixed C
 * struct would drop fields a caller may need. Everything returned through
 * `cJSON **out` belongs to the caller (cJSON_Delete).
 *
 * Not thread-safe, like the client it borrows. ks_bigcommerce_webhook_verify
 * does not touch the client and may run on another thread than the other
 * calls as long as only one thread verifies at a time.
 */
#ifndef KINSYNC_BIGCOMMERCE_H
#define KINSYNC_BIGCOMMERCE_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "common.h"
#include "error.h"
#include "client.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ks_bigcommerce;

struct ks_bigcommerce_options {
    unsigned int version;
    const char *base_url;      /* API root; NULL: https://api.bigcommerce.com */
    const char *store_hash;    /* required */
    const char *access_token;  /* X-Auth-Token; required; kept in a ks_secret */
    const char *client_secret; /* Standard Webhooks key; NULL: no signature
                                  verification (only the header fallback) */
    int page_limit;            /* listing page size; clamped to 1..250 */
    /* Fallback authentication of webhooks that carry no Standard Webhooks
     * headers: a custom header registered with the hook and its value. */
    const char *webhook_header_name;
    const char *webhook_header_value;
    int64_t webhook_tolerance_s; /* 0: 300 (Standard Webhooks' 5 minutes) */
    size_t webhook_max_body;     /* 0: 1 MiB; larger bodies are ETOOBIG */
    size_t webhook_seen_max;     /* 0: 1024 remembered ids and hashes */
};

#define KS_BIGCOMMERCE_OPTIONS_VERSION 1
#define KS_BIGCOMMERCE_OPTIONS_INIT                                            \
    {                                                                          \
        KS_BIGCOMMERCE_OPTIONS_VERSION, NULL, NULL, NULL, NULL, 250, NULL,     \
            NULL, 0, 0, 0                                                      \
    }

/* The platform's limits the client chunks by. */
#define KS_BIGCOMMERCE_PAGE_LIMIT_MAX 250
#define KS_BIGCOMMERCE_PRODUCTS_BATCH 10
#define KS_BIGCOMMERCE_VARIANTS_BATCH 50
#define KS_BIGCOMMERCE_CUSTOMERS_BATCH 10
#define KS_BIGCOMMERCE_INVENTORY_BATCH 2000

/* The access token, client secret and webhook header value are registered
 * with the client as log secrets. EINVAL when store_hash or access_token is
 * missing. */
KS_EXTERN ks_rc ks_bigcommerce_new(struct ks_bigcommerce **out,
                                   struct ks_client *client,
                                   const struct ks_bigcommerce_options *opts);
KS_EXTERN void ks_bigcommerce_free(struct ks_bigcommerce *bc); /* NULL-safe */

/* ---- generic calls ---------------------------------------------------- */

/* Called once per listed item, in the server's order. Return nonzero to
 * stop early (the call then returns KS_OK). */
typedef int (*ks_bigcommerce_item_fn)(void *userdata, const cJSON *item);

/*
 * One request to <base>/stores/<hash>/<path> ("v3/catalog/products",
 * "v2/orders/12"); query holds name, value pairs ended by NULL (may be
 * NULL); body (may be NULL) is sent as JSON. *out (out may be NULL) gets
 * the parsed reply, or NULL for 204 No Content. On failure the store's
 * message (v3 title / v2 message) is in ks_client_last_error().
 */
KS_EXTERN ks_rc ks_bigcommerce_request(cJSON **out, struct ks_bigcommerce *bc,
                                       const char *method, const char *path,
                                       const char *const *query,
                                       const cJSON *body);

/*
 * Lists a v3 collection ("v3/catalog/products", "v3/customers", ...) page
 * by page with limit = page_limit, following meta.pagination until
 * current_page reaches total_pages. *pages (may be NULL) gets the number
 * of pages fetched. Items are handed over one by one, so memory stays
 * flat however long the list.
 */
KS_EXTERN ks_rc ks_bigcommerce_list(struct ks_bigcommerce *bc, const char *path,
                                    const char *const *query,
                                    ks_bigcommerce_item_fn fn, void *userdata,
                                    int *pages);

/* ---- catalog and inventory -------------------------------------------- */

/* Per-call counters of the chunked writes below. */
struct ks_bigcommerce_batch_stats {
    size_t requests; /* requests sent (chunks) */
    size_t ok;       /* items the store accepted */
    size_t failed;   /* items reported in "errors" of a 207 */
};

KS_EXTERN ks_rc ks_bigcommerce_products_list(struct ks_bigcommerce *bc,
                                             const char *const *query,
                                             ks_bigcommerce_item_fn fn,
                                             void *userdata, int *pages);

/* The variant (any product's, base variants included) whose SKU is sku,
 * through GET /v3/catalog/variants?sku=; ENOTFOUND when none. The variant
 * carries product_id. */
KS_EXTERN ks_rc ks_bigcommerce_variant_find_by_sku(cJSON **out,
                                                   struct ks_bigcommerce *bc,
                                                   const char *sku);

/* POST /v3/catalog/products (one product; nested variants allowed).
 * *out gets the created product ("data"). ECONFLICT on a duplicate name or
 * SKU (409), EREMOTE on missing fields (422). A product with a "sku" is
 * sent as a retry-safe write (the store refuses a second one with 409), so
 * it reuses connections and is retried after transport failures. */
KS_EXTERN ks_rc ks_bigcommerce_product_create(cJSON **out,
                                              struct ks_bigcommerce *bc,
                                              const cJSON *product);

/*
 * Batch updates: PUT /v3/catalog/products in chunks of 10 (each item needs
 * "id"), PUT /v3/catalog/variants in chunks of 50. *out (may be NULL) gets
 * {"data": [...], "errors": [...]} gathered over the chunks. A 207 partial
 * success counts its errors in stats->failed and does not fail the call;
 * a chunk refused as a whole does, after the earlier chunks were written.
 */
KS_EXTERN ks_rc ks_bigcommerce_products_update(
    cJSON **out, struct ks_bigcommerce_batch_stats *stats,
    struct ks_bigcommerce *bc, const cJSON *products);
KS_EXTERN ks_rc ks_bigcommerce_variants_update(
    cJSON **out, struct ks_bigcommerce_batch_stats *stats,
    struct ks_bigcommerce *bc, const cJSON *variants);

/*
 * PUT /v3/inventory/adjustments/absolute in chunks of 2000 items. Each
 * item is {"location_id", "quantity"} plus exactly one of "sku",
 * "variant_id", "product_id". *out (may be NULL) gets the array of the
 * transaction ids returned. A 422 (an item at the wrong tracking level)
 * fails the call with EREMOTE and the store's title.
 */
KS_EXTERN ks_rc ks_bigcommerce_inventory_absolute(
    cJSON **out, struct ks_bigcommerce_batch_stats *stats,
    struct ks_bigcommerce *bc, const char *reason, const cJSON *items);

/* ---- customers -------------------------------------------------------- */

/* The customer with this e-mail (GET /v3/customers?email:in=); ENOTFOUND
 * when none. */
KS_EXTERN ks_rc ks_bigcommerce_customer_find_by_email(cJSON **out,
                                                      struct ks_bigcommerce *bc,
                                                      const char *email);

/* POST /v3/customers in chunks of 10; *out (may be NULL) gets the created
 * customers in order. */
KS_EXTERN ks_rc ks_bigcommerce_customers_create(
    cJSON **out, struct ks_bigcommerce_batch_stats *stats,
    struct ks_bigcommerce *bc, const cJSON *customers);

/* ---- orders (v2) ------------------------------------------------------ */

/*
 * The whole order: GET /v2/orders/{id}, then its products and shipping
 * addresses, which v2 gives only as links. *out is the order object with
 * "products" and "shipping_addresses" replaced by the arrays. Money stays
 * as BigCommerce's 4-decimal strings. ENOTFOUND for an unknown id.
 */
KS_EXTERN ks_rc ks_bigcommerce_order_get(cJSON **out, struct ks_bigcommerce *bc,
                                         int64_t order_id);

/*
 * Orders modified at or after since (RFC 2822 or ISO 8601, passed as
 * min_date_modified), oldest change first: the backfill poll behind the
 * webhooks. An empty page may come as 204 No Content or as []; both end
 * the listing.
 */
KS_EXTERN ks_rc ks_bigcommerce_orders_modified_since(struct ks_bigcommerce *bc,
                                                     const char *since,
                                                     ks_bigcommerce_item_fn fn,
                                                     void *userdata);

/* ---- webhooks (management) -------------------------------------------- */

KS_EXTERN ks_rc ks_bigcommerce_hooks_list(struct ks_bigcommerce *bc,
                                          ks_bigcommerce_item_fn fn,
                                          void *userdata);

/* POST /v3/hooks; headers (may be NULL) is an object of custom headers
 * sent with every delivery. *out gets the hook ("data"). */
KS_EXTERN ks_rc ks_bigcommerce_hook_create(cJSON **out,
                                           struct ks_bigcommerce *bc,
                                           const char *scope,
                                           const char *destination,
                                           const cJSON *headers);

KS_EXTERN ks_rc ks_bigcommerce_hook_set_active(cJSON **out,
                                               struct ks_bigcommerce *bc,
                                               int64_t hook_id, int active);

KS_EXTERN ks_rc ks_bigcommerce_hook_delete(struct ks_bigcommerce *bc,
                                           int64_t hook_id);

/*
 * The hook health check: makes sure one active hook per scope (scopes
 * ended by NULL) delivers to destination. A missing hook is created; one
 * BigCommerce deactivated (after its ~48 h retry ladder, or 90 days of
 * inactivity) is set is_active:true again, or re-created when that PUT
 * finds it gone. *out gets [{"id", "scope", "is_active", "action":
 * "ok"|"created"|"reactivated"|"recreated"}]. Each repair logs a WARN line.
 */
KS_EXTERN ks_rc ks_bigcommerce_hooks_ensure(cJSON **out,
                                            struct ks_bigcommerce *bc,
                                            const char *const *scopes,
                                            const char *destination,
                                            const cJSON *headers);

/* ---- webhooks (receiving) --------------------------------------------- */

/* Value of a request header (case-insensitive name) or NULL. */
typedef const char *(*ks_bigcommerce_header_fn)(void *userdata,
                                                const char *name);

enum ks_bigcommerce_webhook_auth {
    KS_BIGCOMMERCE_WEBHOOK_NONE = 0,
    KS_BIGCOMMERCE_WEBHOOK_SIGNATURE = 1, /* Standard Webhooks signature */
    KS_BIGCOMMERCE_WEBHOOK_HEADER = 2     /* the custom shared header */
};

/* The thin payload of one delivery. */
struct ks_bigcommerce_event {
    enum ks_bigcommerce_webhook_auth auth;
    char webhook_id[128]; /* webhook-id; "" on the header path */
    char scope[128];      /* "store/order/created" */
    char store_id[32];
    char producer[96]; /* "stores/<hash>" */
    char type[32];     /* data.type: "order", "product", "sku", ... */
    int64_t id;        /* data.id when numeric, else 0 */
    char id_str[64];   /* data.id as text (cart ids are strings) */
    char hash[48];     /* payload "hash" (SHA-1 hex), "" if absent */
    int64_t created_at;
    int64_t previous_status_id; /* statusUpdated; -1 when absent */
    int64_t new_status_id;
    int64_t product_id; /* inventory events; 0 when absent */
    int64_t variant_id;
};

/*
 * Verifies and parses one received webhook, in this order:
 * 1. body over webhook_max_body: ETOOBIG;
 * 2. with a webhook-signature header: HMAC-SHA256 over
 *    "<webhook-id>.<webhook-timestamp>.<body>" keyed with the client
 *    secret, compared in constant time with every "v1,<base64>" entry
 *    (ESIGNATURE if none matches, the header is malformed or no secret is
 *    configured); a webhook-timestamp further than webhook_tolerance_s from
 *    now_ms (0: the client's clock) is ESIGNATURE (replay protection);
 *    without Standard Webhooks headers: the configured custom header must
 *    match (constant time), else ESIGNATURE;
 * 3. the body must be the thin payload: EPARSE;
 * 4. a webhook-id or payload hash among the last webhook_seen_max verified
 *    ones: EDUPLICATE (answer it 2xx). Only verified deliveries are
 *    remembered. This set is a first filter; the durable dedupe belongs to
 *    the sync engine.
 * *event is filled on KS_OK and on EDUPLICATE. Never logs; the reason of
 * the last refusal is in ks_bigcommerce_webhook_reason().
 */
KS_EXTERN ks_rc ks_bigcommerce_webhook_verify(
    struct ks_bigcommerce_event *event, struct ks_bigcommerce *bc,
    ks_bigcommerce_header_fn get_header, void *header_userdata,
    const char *body, size_t len, int64_t now_ms);

/*
 * Forgets a verified delivery's webhook-id and hash, for a receiver that
 * could not process it and answers non-2xx: BigCommerce's retry must then
 * verify as new instead of being dropped as a duplicate.
 */
KS_EXTERN void
ks_bigcommerce_webhook_forget(struct ks_bigcommerce *bc,
                              const struct ks_bigcommerce_event *event);

/* One line on why the last ks_bigcommerce_webhook_verify failed; "" after
 * a success. Borrowed until the next verify. */
KS_EXTERN const char *
ks_bigcommerce_webhook_reason(const struct ks_bigcommerce *bc);

/*
 * The SHA-1 hex (41 bytes with the NUL) of a thin payload without its
 * "hash" member, printed as compact JSON in the received key order: how the
 * kinsync emulator computes "hash". BigCommerce documents the field only
 * as "SHA-1 of the payload", so do not refuse a delivery on a mismatch; it
 * is a dedupe key. EPARSE when body is not a JSON object.
 */
KS_EXTERN ks_rc ks_bigcommerce_payload_hash(char out[41], const char *body,
                                            size_t len);

#ifdef __cplusplus
}
#endif

#endif
