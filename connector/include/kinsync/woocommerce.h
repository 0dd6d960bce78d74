/*
 * The WooCommerce REST client (wc/v3).
 *
 * A handle borrows a ks_client (clock, log, retry policy, HTTP connection)
 * and holds the store's URL, the API key pair and the webhook secret.
 * Resources travel as cJSON objects in the wc/v3 shape: WooCommerce's
 * records are wide and versioned, and a fixed C struct would drop fields a
 * caller may need. Everything returned through `cJSON **out` belongs to
 * the caller (cJSON_Delete).
 *
 * Not thread-safe, like the client it borrows; ks_woocommerce_webhook_verify
 * does not touch the client and may run on another thread than the other
 * calls as long as only one thread verifies at a time.
 */
#ifndef KINSYNC_WOOCOMMERCE_H
#define KINSYNC_WOOCOMMERCE_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "common.h"
#include "error.h"
#include "client.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ks_woocommerce;

/*
 * How requests prove who they are. WooCommerce accepts Basic and the query
 * string pair only over HTTPS; over plain HTTP it accepts only OAuth 1.0a
 * one-legged signatures.
 */
enum ks_woocommerce_auth {
    KS_WOOCOMMERCE_AUTH_BASIC = 0, /* Authorization: Basic ck:cs */
    KS_WOOCOMMERCE_AUTH_QUERY = 1, /* ?consumer_key=..&consumer_secret=.. */
    KS_WOOCOMMERCE_AUTH_OAUTH1 = 2 /* OAuth 1.0a, HMAC-SHA256, header */
};

struct ks_woocommerce_options {
    unsigned int version;
    const char *site_url;        /* home URL, e.g. "https://shop.example" */
    const char *consumer_key;    /* ck_... */
    const char *consumer_secret; /* cs_...; copied into a ks_secret */
    enum ks_woocommerce_auth auth;
    int per_page;                /* listing page size; clamped to 1..100 */
    const char *webhook_secret;  /* NULL: webhook verification refuses all */
    int reenable_disabled_hooks; /* hooks_check sets them active again */
    size_t webhook_max_body;     /* 0: 1 MiB; larger bodies are ETOOBIG */
    size_t webhook_seen_max;     /* 0: 1024 remembered delivery ids */
    int batch_limit;             /* items per batch request; 0: 100 */
};

#define KS_WOOCOMMERCE_OPTIONS_VERSION 1
#define KS_WOOCOMMERCE_OPTIONS_INIT                                            \
    {                                                                          \
        KS_WOOCOMMERCE_OPTIONS_VERSION, NULL, NULL, NULL,                      \
            KS_WOOCOMMERCE_AUTH_BASIC, 100, NULL, 0, 0, 0, 0                   \
    }

/* "basic", "query" or "oauth1" to the enum; -1 when unknown. */
KS_EXTERN int ks_woocommerce_auth_from_name(enum ks_woocommerce_auth *out,
                                            const char *name);

/* The consumer secret is registered with the client as a log secret.
 * EINVAL when site_url, consumer_key or consumer_secret is missing. */
KS_EXTERN ks_rc ks_woocommerce_new(struct ks_woocommerce **out,
                                   struct ks_client *client,
                                   const struct ks_woocommerce_options *opts);
KS_EXTERN void ks_woocommerce_free(struct ks_woocommerce *wc); /* NULL-safe */

/* ---- generic calls ---------------------------------------------------- */

/* Called once per listed item, in the server's order. Return nonzero to
 * stop the listing early (the call then returns KS_OK). */
typedef int (*ks_woocommerce_item_fn)(void *userdata, const cJSON *item);

/*
 * Lists a collection page by page, following the Link rel="next" header
 * (or X-WP-TotalPages when there is no Link). path is relative to
 * /wp-json/wc/v3/ ("products", "orders/12/refunds"); query holds name,
 * value pairs ended by NULL (may be NULL). per_page and page are set by
 * the client. *pages (may be NULL) receives the number of pages fetched.
 */
KS_EXTERN ks_rc ks_woocommerce_list(struct ks_woocommerce *wc, const char *path,
                                    const char *const *query,
                                    ks_woocommerce_item_fn fn, void *userdata,
                                    int *pages);

/* One request; body (may be NULL) is sent as JSON; *out gets the parsed
 * reply (may be NULL when out is NULL). The remote error message is in
 * ks_client_last_error(). */
KS_EXTERN ks_rc ks_woocommerce_request(cJSON **out, struct ks_woocommerce *wc,
                                       const char *method, const char *path,
                                       const char *const *query,
                                       const cJSON *body);

/* ---- batch ------------------------------------------------------------ */

struct ks_woocommerce_batch_stats {
    size_t requests; /* batch requests sent */
    size_t ok;       /* items the store accepted */
    size_t failed;   /* items answered with an "error" object */
};

/*
 * POSTs {"create","update","delete"} to path ("products/batch", ...) in
 * chunks of at most batch_limit items in total. *out gets one object with
 * the three result arrays concatenated in order; an item the store
 * refused is {"id": .., "error": {"code", "message", "data"}} and is
 * counted in stats->failed: a refused item does not fail the call. Any of
 * create/update/delete may be NULL.
 */
KS_EXTERN ks_rc ks_woocommerce_batch(cJSON **out,
                                     struct ks_woocommerce_batch_stats *stats,
                                     struct ks_woocommerce *wc,
                                     const char *path, const cJSON *create,
                                     const cJSON *update, const cJSON *del);

KS_EXTERN ks_rc ks_woocommerce_products_batch(
    cJSON **out, struct ks_woocommerce_batch_stats *stats,
    struct ks_woocommerce *wc, const cJSON *create, const cJSON *update,
    const cJSON *del);
KS_EXTERN ks_rc ks_woocommerce_variations_batch(
    cJSON **out, struct ks_woocommerce_batch_stats *stats,
    struct ks_woocommerce *wc, int64_t product_id, const cJSON *create,
    const cJSON *update, const cJSON *del);
KS_EXTERN ks_rc ks_woocommerce_customers_batch(
    cJSON **out, struct ks_woocommerce_batch_stats *stats,
    struct ks_woocommerce *wc, const cJSON *create, const cJSON *update,
    const cJSON *del);

/* ---- products, customers, orders, refunds ---------------------------- */

/* The product whose main SKU is sku; ENOTFOUND when none. */
KS_EXTERN ks_rc ks_woocommerce_product_find_by_sku(cJSON **out,
                                                   struct ks_woocommerce *wc,
                                                   const char *sku);

/* Sets stock_quantity (and manage_stock) of a product, or of a variation
 * when variation_id > 0. */
KS_EXTERN ks_rc ks_woocommerce_stock_set(cJSON **out, struct ks_woocommerce *wc,
                                         int64_t product_id,
                                         int64_t variation_id,
                                         int64_t quantity);

/* The customer with this e-mail address; ENOTFOUND when none. */
KS_EXTERN ks_rc ks_woocommerce_customer_find_by_email(cJSON **out,
                                                      struct ks_woocommerce *wc,
                                                      const char *email);

/* Creates the customer, or updates the one with the same e-mail. *created
 * (may be NULL) is 1 when a new record was made. */
KS_EXTERN ks_rc ks_woocommerce_customer_upsert(cJSON **out, int *created,
                                               struct ks_woocommerce *wc,
                                               const cJSON *customer);

KS_EXTERN ks_rc ks_woocommerce_order_get(cJSON **out, struct ks_woocommerce *wc,
                                         int64_t order_id);

/* Orders modified after since (ISO 8601, UTC when no zone is given),
 * oldest change first: the backfill poll behind the webhooks. */
KS_EXTERN ks_rc ks_woocommerce_orders_modified_since(struct ks_woocommerce *wc,
                                                     const char *since,
                                                     ks_woocommerce_item_fn fn,
                                                     void *userdata);

KS_EXTERN ks_rc ks_woocommerce_refunds_list(struct ks_woocommerce *wc,
                                            int64_t order_id,
                                            ks_woocommerce_item_fn fn,
                                            void *userdata);

/* ---- webhooks (management) -------------------------------------------- */

KS_EXTERN ks_rc ks_woocommerce_webhooks_list(struct ks_woocommerce *wc,
                                             ks_woocommerce_item_fn fn,
                                             void *userdata);

/* Creates a hook signed with the handle's webhook_secret. */
KS_EXTERN ks_rc ks_woocommerce_webhook_create(cJSON **out,
                                              struct ks_woocommerce *wc,
                                              const char *name,
                                              const char *topic,
                                              const char *delivery_url);

/* status: "active", "paused" or "disabled". */
KS_EXTERN ks_rc ks_woocommerce_webhook_set_status(cJSON **out,
                                                  struct ks_woocommerce *wc,
                                                  int64_t webhook_id,
                                                  const char *status);

/*
 * Makes sure one hook per topic (topics ended by NULL) delivers to
 * delivery_url; creates the missing ones. *out gets the array of hooks
 * for those topics (existing and created).
 */
KS_EXTERN ks_rc ks_woocommerce_hooks_ensure(cJSON **out,
                                            struct ks_woocommerce *wc,
                                            const char *const *topics,
                                            const char *delivery_url);

/*
 * Health check of every hook. A hook WooCommerce disabled after repeated
 * delivery failures raises an alert: an ERROR log line and *alert = 1.
 * It is set active again only when reenable_disabled_hooks is on: by
 * default a human should first fix the receiver, since re-enabling a hook
 * whose receiver still fails only burns its next failures silently.
 * *out gets [{"id","topic","status","delivery_url","alert","reenabled"}].
 */
KS_EXTERN ks_rc ks_woocommerce_hooks_check(cJSON **out, int *alert,
                                           struct ks_woocommerce *wc);

/* ---- webhooks (receiving) --------------------------------------------- */

/* The X-WC-Webhook-* request headers; any may be NULL when absent. */
struct ks_woocommerce_webhook_headers {
    const char *signature;   /* X-WC-Webhook-Signature */
    const char *delivery_id; /* X-WC-Webhook-Delivery-ID */
    const char *topic;       /* X-WC-Webhook-Topic */
    const char *resource;    /* X-WC-Webhook-Resource */
    const char *event;       /* X-WC-Webhook-Event */
    const char *webhook_id;  /* X-WC-Webhook-ID */
    const char *source;      /* X-WC-Webhook-Source */
};

enum ks_woocommerce_webhook_kind {
    KS_WOOCOMMERCE_WEBHOOK_NONE = 0,
    KS_WOOCOMMERCE_WEBHOOK_EVENT = 1, /* a signed delivery, verified */
    KS_WOOCOMMERCE_WEBHOOK_PING = 2   /* the unsigned creation ping */
};

/*
 * Verifies one received webhook. KS_OK with *kind EVENT when the
 * signature (base64 HMAC-SHA256 of the raw body under webhook_secret)
 * matches, compared in constant time; KS_OK with *kind PING for the
 * unsigned "webhook_id=<n>" ping WooCommerce sends when a hook is made
 * (answer it 200). Failures: ETOOBIG (body over webhook_max_body),
 * ESIGNATURE (signature missing or wrong, or no secret configured),
 * EDUPLICATE (a delivery id seen before; the most recent webhook_seen_max
 * ids are remembered, only after a valid signature). Never logs.
 */
KS_EXTERN ks_rc ks_woocommerce_webhook_verify(
    enum ks_woocommerce_webhook_kind *kind, struct ks_woocommerce *wc,
    const struct ks_woocommerce_webhook_headers *headers, const char *body,
    size_t len);

#ifdef __cplusplus
}
#endif

#endif
