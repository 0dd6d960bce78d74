/*
 * Internals of the BigCommerce emulator shared between its files
 * (km__bigcommerce_ prefix). See README.md for the behaviour and its sources.
 *
 * The catalog is kept in C structs with sorted id arrays and a SKU hash
 * index rather than in cJSON, so that 100k generated products stay cheap:
 * lookups by id are binary searches, by SKU a hash probe, and the JSON a
 * client sees is built only when a reply needs it.
 */
#ifndef KM_BIGCOMMERCE_BC_EMU_H
#define KM_BIGCOMMERCE_BC_EMU_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "kinmock/config.h"
#include "kinmock/emulator.h"
#include "common/storefront.h" /* stored objects, fixtures, generation */

/* ---- string-keyed hash map (map.c) ---------------------------------- */

struct km__bigcommerce_map_slot {
    char *key; /* NULL: empty; a private tombstone: deleted */
    void *value;
    size_t hash; /* of key: most slots a probe passes are told apart by it */
};

struct km__bigcommerce_map {
    struct km__bigcommerce_map_slot *slots;
    size_t cap;  /* power of two */
    size_t used; /* live + tombstones */
};

void *km__bigcommerce_map_get(const struct km__bigcommerce_map *m,
                              const char *key);
void km__bigcommerce_map_put(struct km__bigcommerce_map *m, const char *key,
                             void *value);
void km__bigcommerce_map_del(struct km__bigcommerce_map *m, const char *key);
void km__bigcommerce_map_dispose(struct km__bigcommerce_map *m);

/* ---- catalog -------------------------------------------------------- */

enum bc_tracking { BC_TRACK_NONE, BC_TRACK_PRODUCT, BC_TRACK_VARIANT };

struct km__bigcommerce_product;

/* id first: the sorted-array helpers rely on it. */
struct km__bigcommerce_variant {
    int64_t id;
    int64_t sku_id; /* v2 SKU id; 0 (null) for the base variant */
    struct km__bigcommerce_product *product;
    char *sku;
    int has_price; /* 0: price null, inherits the product's */
    double price;
    int64_t inventory_level;
    int64_t inventory_warning_level;
    int purchasing_disabled;
    int base;     /* the product's base variant (no options) */
    cJSON *extra; /* other fields as given (upc, option_values, ...) */
};

struct km__bigcommerce_product {
    int64_t id;
    char *name;
    char *type; /* "physical" | "digital" */
    char *sku;
    double price;
    double weight;
    int64_t inventory_level;
    int64_t inventory_warning_level;
    enum bc_tracking tracking;
    int is_visible;
    int64_t date_created_ms;
    int64_t date_modified_ms;
    int64_t total_sold;
    struct km__bigcommerce_variant **variants;
    size_t nvariants;
    cJSON *extra;   /* other fields as given (categories, upc, ...) */
    cJSON *options; /* [{id, display_name, values: [{id, label}]}]; NULL */
};

/* ---- webhook delivery ----------------------------------------------- */

enum bc_tamper {
    BC_TAMPER_NONE,
    BC_TAMPER_BODY,
    BC_TAMPER_SIGNATURE,
    BC_TAMPER_TIMESTAMP,
    BC_TAMPER_REPLAY
};

struct km__bigcommerce_pending {
    int64_t hook_id;
    char *msg_id; /* webhook-id: the same on every retry */
    char *scope;
    char *body;
    size_t len;
    int attempts; /* made so far */
    int64_t due_ms;
    int redelivery; /* queued by "redeliver_last" */
};

struct km__bigcommerce_state {
    struct km_server *server;
    struct ks_clock *clock;
    char *store_hash;
    char *store_id;
    char *client_id;
    char **tokens;
    size_t ntokens;
    char *client_secret; /* Standard Webhooks key; NULL: unsigned */
    /* options */
    int quota;
    int64_t window_ms;
    int64_t *retry_s;
    size_t nretry;
    int inactivity_days;
    int sign_standard;
    int sign_x_bc;
    long timeout_ms;
    int webhook_allow_private; /* deliveries may reach private ranges */
    int empty_list_204;
    int over_limit_status;   /* 0: clamp limit to 250 */
    int allow_http_loopback; /* hooks may point at http on loopback */
    cJSON *token_scopes;     /* [{token, scopes}]; others have every scope */
    /* rate limit window */
    int64_t window_start_ms;
    int used;
    /* catalog */
    struct km__bigcommerce_product **products; /* sorted by id */
    size_t nproducts, capproducts;
    struct km__bigcommerce_variant **variants; /* sorted by id */
    size_t nvariants, capvariants;
    struct km__bigcommerce_map product_sku; /* main SKU -> product */
    struct km__bigcommerce_map variant_sku; /* variant SKU -> variant */
    struct km__bigcommerce_map product_name;
    int64_t next_product_id;
    int64_t next_variant_id;
    int64_t next_sku_id;
    int64_t next_option_id; /* product options and their values */
    /* Each product's printed JSON (variant 1: with its variants) for the
     * product list, kept until the next write (touched in emulator.c's
     * hooks, act, fault action and delivery outcomes). */
    struct km__storefront_texts texts;
    /* other resources (cJSON; "_" keys private) */
    cJSON *customers;
    cJSON *orders; /* each with "_products", "_shipping_addresses" */
    cJSON *hooks;  /* each with "_last_active_ms", "_deactivated" */
    cJSON *deliveries;
    int64_t next_customer_id;
    int64_t next_order_id;
    int64_t next_hook_id;
    int64_t next_line_id;
    uint64_t rng;
    /* delivery queue */
    struct km__bigcommerce_pending *queue;
    size_t nqueue;
    enum bc_tamper tamper_next;
    struct km__bigcommerce_pending
        last; /* the last event sent (redeliver_last) */
    int has_last;
};

/* One request under /stores/{hash}/. */
struct km__bigcommerce_call {
    struct km_response *res;
    const struct km_request *req;
    struct km__bigcommerce_state *st;
};

/* The call of a route handler (a km_handler_fn): its reply, request and
 * state together, for the helpers below. Path parameters are read with
 * km_request_param_id(c->req, "product_id"). */
#define KM__BIGCOMMERCE_CALL(res, req, state)                                  \
    (&(struct km__bigcommerce_call){(res), (req), (state)})

/* ---- emulator.c: errors, paging ------------------------------------- */

/* v3 {"status","title","type"} plus errors (taken, may be NULL). */
void km__bigcommerce_v3_error(struct km_response *res, int status,
                              const char *title, cJSON *errors);
/* v2 [{"status","message"}]. */
void km__bigcommerce_v2_error(struct km_response *res, int status,
                              const char *message);
/* Reads limit (default 50, max 250) and page; answers the error and
 * returns -1 when out of range. */
int km__bigcommerce_paging(struct km__bigcommerce_call *c, int *limit,
                           int *page, int v2);
/* The same with another maximum (inventory items: 1000). */
int km__bigcommerce_paging_max(struct km__bigcommerce_call *c, int *limit,
                               int *page, int v2, int max);
/* {"data": page (taken), "meta": {"pagination": ...}} for total items. */
void km__bigcommerce_send_data(struct km__bigcommerce_call *c, cJSON *page,
                               int total, int limit, int pagenum);
/* {"data": items[from..], "meta": {"pagination": ...}}; takes all. */
void km__bigcommerce_send_page(struct km__bigcommerce_call *c, cJSON *all,
                               int limit, int page);
/* meta.pagination of a listing (exposed for tests); query holds the other
 * arguments, already encoded, repeated in the links. */
cJSON *km__bigcommerce_pagination(int total, int limit, int page,
                                  const char *query);
/* A JSON body of the given kind, or an answered 422 and NULL. */
cJSON *km__bigcommerce_body(struct km__bigcommerce_call *c, int want_array);

/* ---- config.c: state, helpers ---------------------------------------- */

int km__bigcommerce_state_new(void **state, const cJSON *config,
                              struct ks_clock *clock, char *err, size_t errsz);
void km__bigcommerce_state_free(void *state);
/* snapshot.c: the whole state as JSON, or what want names of it (see
 * snapshot_some in kinmock/emulator.h). */
cJSON *km__bigcommerce_snapshot(void *state);
cJSON *km__bigcommerce_snapshot_some(void *state,
                                     const struct km_snapshot_want *want);
/* The configuration keys (given.bigcommerce), in the order applied. */
#define KM__BIGCOMMERCE_NCONFIG 16
extern const struct km_config_key km__bigcommerce_config_keys[];
/* RFC 2822 "Tue, 05 Mar 2019 21:40:11 +0000" of a time in ms (ISO 8601
 * dates are kx_iso8601_format(..., KX_ISO8601_OFFSET)). */
void km__bigcommerce_rfc2822(char out[40], int64_t ms);
/* Parses ISO 8601, unix seconds or an HTTP/RFC 2822 date; -1 when
 * unreadable. */
int km__bigcommerce_parse_date(int64_t *ms, const char *s);
void km__bigcommerce_money(char out[32], double v); /* "12.5000" */
/* obj[name] = the 4-decimal money string of v. */
void km__bigcommerce_set_money(cJSON *o, const char *name, double v);
/* The request's JSON object body, or an answered v2 400 and NULL. */
cJSON *km__bigcommerce_v2_body(struct km__bigcommerce_call *c);
int64_t km__bigcommerce_id(const cJSON *obj);
/* Comma list of integers; returns how many went into out (<= max). */
size_t km__bigcommerce_id_list(int64_t *out, size_t max, const char *s);
/* 1 when needle is one of the comma-separated values of list. */
int km__bigcommerce_in_list(const char *list, const char *needle);
char *km__bigcommerce_xstrdup(const char *s); /* "" for NULL; aborts on OOM */

/* ---- catalog.c ------------------------------------------------------ */

struct km__bigcommerce_product *
km__bigcommerce_product_by_id(struct km__bigcommerce_state *st, int64_t id);
struct km__bigcommerce_variant *
km__bigcommerce_variant_by_id(struct km__bigcommerce_state *st, int64_t id);
struct km__bigcommerce_variant *
km__bigcommerce_variant_by_sku(struct km__bigcommerce_state *st,
                               const char *sku);
/* Creates a product from a v3 body; NULL with *status and the v3 error
 * (title, errors) on failure. */
struct km__bigcommerce_product *
km__bigcommerce_product_create(struct km__bigcommerce_state *st,
                               const cJSON *body, int64_t now, int *status,
                               char *title, size_t titlesz, cJSON **errors);
/* Generates n products "GEN-000001"... tracked by product. */
void km__bigcommerce_generate(struct km__bigcommerce_state *st, int n,
                              uint64_t seed);
cJSON *km__bigcommerce_product_json(const struct km__bigcommerce_product *p,
                                    int with_variants);
cJSON *km__bigcommerce_variant_json(const struct km__bigcommerce_variant *v);
void km__bigcommerce_catalog_free(struct km__bigcommerce_state *st);
/* Adds a variant (the base one when base) to p and the indexes. */
struct km__bigcommerce_variant *
km__bigcommerce_variant_new(struct km__bigcommerce_state *st,
                            struct km__bigcommerce_product *p, const char *sku,
                            int base);
/* Validates and applies an update; 0, or -1 with status/title/errors. */
int km__bigcommerce_product_update(struct km__bigcommerce_state *st,
                                   struct km__bigcommerce_product *p,
                                   const cJSON *body, int64_t now, int *status,
                                   char *title, size_t titlesz, cJSON **errors);
void km__bigcommerce_product_delete(struct km__bigcommerce_state *st,
                                    struct km__bigcommerce_product *p);
/* Gives each of v's option_values its option's and its value's id
 * ("option_id", "id"), one per option name and label in the product
 * (variants.c). */
void km__bigcommerce_variant_options(struct km__bigcommerce_state *st,
                                     struct km__bigcommerce_variant *v);
/* Drops the base variant once a product gets option variants. */
void km__bigcommerce_drop_base(struct km__bigcommerce_state *st,
                               struct km__bigcommerce_product *p);
/* Sets the stock the product (v NULL) or variant tracks and emits the
 * inventory webhook (method "absolute" or "relative"). */
void km__bigcommerce_stock_set(struct km__bigcommerce_state *st,
                               struct km__bigcommerce_product *p,
                               struct km__bigcommerce_variant *v, int64_t level,
                               const char *method);

/* products.c helpers shared with variants.c */
void km__bigcommerce_reply_data(struct km__bigcommerce_call *c, int status,
                                cJSON *data);
struct km__bigcommerce_product *
km__bigcommerce_product_or_404(struct km__bigcommerce_call *c);
/* One failed batch item: the v3 error (errors taken) with data.id. */
cJSON *km__bigcommerce_item_error(int status, const char *title, cJSON *errors,
                                  int64_t id);
/* 200 {data} when errors is empty, else 207 {data, errors, meta}. */
void km__bigcommerce_reply_batch(struct km__bigcommerce_call *c, cJSON *data,
                                 cJSON *errors);
/* 413 "... The maximum items allowed in the array is <max>." */
void km__bigcommerce_too_many(struct km__bigcommerce_call *c, int max);
/* Updates one item (its id already read) of a batch PUT: the item's JSON
 * for data, or NULL with *error set to its failed item
 * (km__bigcommerce_item_error). */
typedef cJSON *km__bigcommerce_batch_fn(struct km__bigcommerce_call *c,
                                        const cJSON *item, int64_t id,
                                        cJSON **error);
/* A batch PUT: a JSON array of at most max items (else 413), each updated
 * through update; answers as km__bigcommerce_reply_batch. */
void km__bigcommerce_batch_update(struct km__bigcommerce_call *c, int max,
                                  km__bigcommerce_batch_fn *update);

void km__bigcommerce_products_list(struct km_response *res,
                                   const struct km_request *req, void *state);
void km__bigcommerce_products_create(struct km_response *res,
                                     const struct km_request *req, void *state);
void km__bigcommerce_products_batch(struct km_response *res,
                                    const struct km_request *req, void *state);
void km__bigcommerce_products_get(struct km_response *res,
                                  const struct km_request *req, void *state);
void km__bigcommerce_products_update(struct km_response *res,
                                     const struct km_request *req, void *state);
/* DELETE /v3/catalog/products?id:in=... (or sku, name): up to 250. */
void km__bigcommerce_products_delete_many(struct km_response *res,
                                          const struct km_request *req,
                                          void *state);
/* Applies include_fields / exclude_fields to a v3 catalog item (id always
 * kept; members the "include" argument adds are kept too). */
void km__bigcommerce_fields(const struct km__bigcommerce_call *c, cJSON *item);
void km__bigcommerce_products_delete(struct km_response *res,
                                     const struct km_request *req, void *state);
void km__bigcommerce_product_variants_list(struct km_response *res,
                                           const struct km_request *req,
                                           void *state);
void km__bigcommerce_product_variants_create(struct km_response *res,
                                             const struct km_request *req,
                                             void *state);
void km__bigcommerce_product_variants_get(struct km_response *res,
                                          const struct km_request *req,
                                          void *state);
void km__bigcommerce_product_variants_update(struct km_response *res,
                                             const struct km_request *req,
                                             void *state);
void km__bigcommerce_variants_list(struct km_response *res,
                                   const struct km_request *req, void *state);
void km__bigcommerce_variants_batch(struct km_response *res,
                                    const struct km_request *req, void *state);

/* ---- inventory.c ---------------------------------------------------- */

void km__bigcommerce_inventory_absolute(struct km_response *res,
                                        const struct km_request *req,
                                        void *state);
void km__bigcommerce_inventory_relative(struct km_response *res,
                                        const struct km_request *req,
                                        void *state);
void km__bigcommerce_inventory_items(struct km_response *res,
                                     const struct km_request *req, void *state);
int km__bigcommerce_set_inventory_act(struct km__bigcommerce_state *st,
                                      const cJSON *args, cJSON **result,
                                      char *err, size_t errsz);

/* ---- customers.c ---------------------------------------------------- */

void km__bigcommerce_customers_list(struct km_response *res,
                                    const struct km_request *req, void *state);
void km__bigcommerce_customers_create(struct km_response *res,
                                      const struct km_request *req,
                                      void *state);
void km__bigcommerce_customers_update(struct km_response *res,
                                      const struct km_request *req,
                                      void *state);
cJSON *km__bigcommerce_customer_store(struct km__bigcommerce_state *st,
                                      const cJSON *body, int64_t now, char *why,
                                      size_t whysz);
cJSON *km__bigcommerce_customer_by_email(struct km__bigcommerce_state *st,
                                         const char *email);

/* ---- orders.c ------------------------------------------------------- */

void km__bigcommerce_orders_list(struct km_response *res,
                                 const struct km_request *req, void *state);
void km__bigcommerce_orders_get(struct km_response *res,
                                const struct km_request *req, void *state);
void km__bigcommerce_orders_update(struct km_response *res,
                                   const struct km_request *req, void *state);
void km__bigcommerce_order_products(struct km_response *res,
                                    const struct km_request *req, void *state);
void km__bigcommerce_order_shipping(struct km_response *res,
                                    const struct km_request *req, void *state);
/* order_model.c: a placed order stored (NULL with why when refused); a
 * date set as RFC 2822 under name and as ms under ms_name. */
cJSON *km__bigcommerce_order_store(struct km__bigcommerce_state *st,
                                   const cJSON *body, int64_t now, char *why,
                                   size_t whysz);
void km__bigcommerce_order_set_date(cJSON *o, const char *name,
                                    const char *ms_name, int64_t ms);
/* The v2 shape: public fields plus {url, resource} links. */
/* Shared with fulfil.c: the v2 status name of id (NULL when unknown);
 * the order of the path's {order_id} or an answered 404; a v2 list of
 * the order's private array name, paged (204 when empty and
 * empty_list_204); the status change with its webhooks (-1 when the
 * status is unknown). */
const char *km__bigcommerce_status_name(int id);
cJSON *km__bigcommerce_order_or_404(struct km__bigcommerce_call *c);
void km__bigcommerce_order_sub_list(struct km__bigcommerce_call *c,
                                    const char *name);
int km__bigcommerce_order_set_status(struct km__bigcommerce_state *st, cJSON *o,
                                     int status, int64_t now);

/* ---- fulfil.c: shipments, coupons, count, chosen options ------------ */

/* The order product's product_options, from v's option values (an
 * empty array for a product without options). */
cJSON *km__bigcommerce_product_options(struct km__bigcommerce_state *st,
                                       const struct km__bigcommerce_variant *v,
                                       const cJSON *line);
/* The coupon lines of a new order from place_order's "coupons" ([{code,
 * amount, type}]); *discount gets their sum. */
cJSON *km__bigcommerce_coupons_make(struct km__bigcommerce_state *st,
                                    int64_t order_id, const cJSON *given,
                                    double *discount);
void km__bigcommerce_orders_count(struct km_response *res,
                                  const struct km_request *req, void *state);
void km__bigcommerce_order_coupons(struct km_response *res,
                                   const struct km_request *req, void *state);
void km__bigcommerce_shipments_list(struct km_response *res,
                                    const struct km_request *req, void *state);
void km__bigcommerce_shipments_create(struct km_response *res,
                                      const struct km_request *req,
                                      void *state);

cJSON *km__bigcommerce_order_json(struct km__bigcommerce_state *st,
                                  const cJSON *order);
int km__bigcommerce_order_act(struct km__bigcommerce_state *st,
                              const char *action, const cJSON *args,
                              cJSON **result, char *err, size_t errsz);

/* ---- hooks.c -------------------------------------------------------- */

void km__bigcommerce_hooks_list(struct km_response *res,
                                const struct km_request *req, void *state);
void km__bigcommerce_hooks_create(struct km_response *res,
                                  const struct km_request *req, void *state);
void km__bigcommerce_hooks_get(struct km_response *res,
                               const struct km_request *req, void *state);
void km__bigcommerce_hooks_update(struct km_response *res,
                                  const struct km_request *req, void *state);
void km__bigcommerce_hooks_delete(struct km_response *res,
                                  const struct km_request *req, void *state);
cJSON *km__bigcommerce_hook_store(struct km__bigcommerce_state *st,
                                  const cJSON *body, int64_t now, int *status,
                                  char *why, size_t whysz);
/* Deactivates hooks without a successful delivery for inactivity_days. */
void km__bigcommerce_hooks_expire(struct km__bigcommerce_state *st,
                                  int64_t now);
/* 1 when a hook's scope (exact, or a prefix ending in "/" plus "*") covers the
 * event's scope. */
int km__bigcommerce_scope_matches(const char *hook_scope, const char *scope);

/* ---- delivery.c ----------------------------------------------------- */

/* Queues scope with data (taken) for every active hook that covers it. */
void km__bigcommerce_fire(struct km__bigcommerce_state *st, const char *scope,
                          cJSON *data);
/* The thin payload text with its "hash": SHA-1 hex of the same object
 * printed without the hash (exposed for tests). Caller frees. */
char *km__bigcommerce_payload(const char *scope, const char *store_id,
                              const cJSON *data, int64_t created_at,
                              const char *store_hash);
/* Delay in seconds before the retry that follows failed attempt n
 * (1-based), or -1 once the schedule is spent. */
int64_t km__bigcommerce_retry_delay_s(const int64_t *schedule, size_t n,
                                      int attempt);
int km__bigcommerce_pump(void *state, struct km_server *server);
int km__bigcommerce_delivery_act(struct km__bigcommerce_state *st,
                                 const char *action, const cJSON *args,
                                 char *err, size_t errsz);
void km__bigcommerce_queue_free(struct km__bigcommerce_state *st);

extern const struct km_emulator_type km_bigcommerce_type;

#endif
