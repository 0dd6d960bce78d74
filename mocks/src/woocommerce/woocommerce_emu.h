/*
 * Internals of the WooCommerce emulator shared between its files
 * (km__woocommerce_ prefix). See README.md for the behaviour and its sources.
 */
#ifndef KM_WOOCOMMERCE_WC_EMU_H
#define KM_WOOCOMMERCE_WC_EMU_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "kinmock/config.h"
#include "kinmock/emulator.h"
#include "common/storefront.h" /* stored objects, fixtures, generation */

struct km__woocommerce_nonce {
    char *nonce;
    int64_t ts; /* seconds */
};

struct km__woocommerce_key {
    char *ck;
    char *cs;
    int can_read;
    int can_write;
    struct km__woocommerce_nonce *nonces;
    size_t nnonces;
};

struct km__woocommerce_job {
    int64_t hook_id;
    int ping;
    int tampered;
    char *url;
    char *topic;
    char *delivery_id;
    char *signature;
    char *body;
    size_t len;
    char **headers; /* "Name: value", NULL-terminated */
};

struct km__woocommerce_state {
    struct km_server *server;
    struct ks_clock *clock;
    char *site_url; /* home URL with a trailing slash */
    int https;
    int wrong_method_status; /* 404 (WordPress) or 405 */
    int max_failures;
    int batch_limit;
    long delivery_timeout_ms;
    int webhook_allow_private; /* deliveries may reach private ranges */
    struct km__woocommerce_key *keys;
    size_t nkeys;
    cJSON *products;   /* stored objects; "_" keys are private */
    cJSON *variations; /* each with parent_id */
    cJSON *customers;
    cJSON *orders;
    cJSON *refunds;       /* each with "_order_id" */
    cJSON *notes;         /* order notes, each with "_order_id" */
    cJSON *categories;    /* product categories (terms) */
    cJSON *webhooks;      /* with "_secret", "_failure_count" */
    cJSON *deliveries;    /* record of every attempt */
    int64_t next_post_id; /* products, variations, orders, refunds */
    int64_t next_customer_id;
    int64_t next_webhook_id;
    int64_t next_item_id;
    int64_t next_note_id; /* comments */
    int64_t next_term_id; /* terms */
    uint64_t rng;
    uint64_t delivery_seq;
    int tamper_next;
    struct km__woocommerce_job *queue;
    size_t nqueue;
    /* Each listed object's printed public JSON, kept until the next write
     * (touched in emulator.c's hooks and action, and when a delivery is
     * recorded). */
    struct km__storefront_texts texts;
    /* What the order list filters and sorts by, read once per write:
     * valid while order_rows_at == texts.writes + 1 (orders.c). */
    struct km__woocommerce_order_row *order_rows;
    size_t norder_rows;
    uint64_t order_rows_at;
};

/* An order's members the order list filters and sorts by. */
struct km__woocommerce_order_row {
    const cJSON *obj;
    const char *status, *created, *modified; /* "" when absent */
    int64_t customer_id;
};

/* A failure to report, in a batch slot or as the whole reply. */
struct km__woocommerce_err {
    int status;
    const char *code;
    char message[256];
    int64_t resource_id; /* >0: data.resource_id (duplicate SKU) */
    char unique_sku[96]; /* non-empty: data.unique_sku */
};

struct km__woocommerce_call {
    struct km_response *res;
    const struct km_request *req;
    struct km__woocommerce_state *st;
};

/* The call of a route handler (a km_handler_fn): its reply, request and
 * state together, for the helpers below. Path parameters are read with
 * km_request_param_id(c->req, "id"). */
#define KM__WOOCOMMERCE_CALL(res, req, state)                                  \
    (&(struct km__woocommerce_call){(res), (req), (state)})

/* ---- emulator.c ---------------------------------------------------- */

void km__woocommerce_error(struct km_response *res, int status,
                           const char *code, const char *message);
void km__woocommerce_err_set(struct km__woocommerce_err *err, int status,
                             const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void km__woocommerce_reply_err(struct km_response *res,
                               const struct km__woocommerce_err *err);
cJSON *km__woocommerce_err_json(const struct km__woocommerce_err *err);

/* Validates per_page/page; on a bad value answers 400 and returns -1. */
int km__woocommerce_paging(struct km__woocommerce_call *c, int *per_page,
                           int *page);
/* Answers 200 with items[offset..] of a JSON array of public objects
 * (taken), setting X-WP-Total, X-WP-TotalPages and Link. */
void km__woocommerce_send_page(struct km__woocommerce_call *c, cJSON *all,
                               int per_page, int page);
/* The objects a listing keeps, and how it answers them. The caller sets
 * sort_field and public_json; the rest is _start's. */
struct km__woocommerce_match {
    const cJSON *obj;
    const char *key; /* obj's sort_field, read once; "" when absent */
    int64_t id;
};
struct km__woocommerce_matches {
    /* The string member the list is sorted by, then by id (NULL: by id
     * only); newest (greatest) first unless order=asc, WooCommerce's
     * default order=desc. Set before _add. */
    const char *sort_field;
    /* Each one's JSON; NULL: km__woocommerce_public. */
    cJSON *(*public_json)(struct km__woocommerce_state *st, const cJSON *obj);
    struct km__woocommerce_match *v; /* owned; freed by _add on failure
                                      * and by _send */
    size_t n;
    int per_page, page;
};
/* Reads per_page and page (-1 when they are bad: 400 answered, nothing
 * held) and makes room in m for every object of the array src. */
int km__woocommerce_matches_start(struct km__woocommerce_call *c,
                                  struct km__woocommerce_matches *m,
                                  const cJSON *src);
/* Keeps obj unless modified_after (since; NULL: no filter) drops it;
 * key is its sort_field's value when the caller has it (NULL: read from
 * obj). Returns 0, or -1 when since is malformed: 400 answered, m freed. */
int km__woocommerce_matches_add(struct km__woocommerce_call *c,
                                struct km__woocommerce_matches *m,
                                const cJSON *obj, const char *key,
                                const char *since);
/* Sorts the matches (ascending with order=asc, else descending) and
 * answers the page of their JSON as km__woocommerce_send_page; frees m. */
void km__woocommerce_matches_send(struct km__woocommerce_call *c,
                                  struct km__woocommerce_matches *m);

/* ---- config.c ------------------------------------------------------ */

/* The configuration keys (given.woocommerce), in the order applied. */
#define KM__WOOCOMMERCE_NCONFIG 13
extern const struct km_config_key km__woocommerce_config_keys[];
/* Dates are "YYYY-MM-DDTHH:MM:SS", UTC (the site runs on UTC):
 * kx_iso8601_format(..., 0). */
void km__woocommerce_set_dates(cJSON *obj, int64_t now_ms, int created);
int64_t km__woocommerce_id(const cJSON *obj);
void km__woocommerce_set_str(cJSON *obj, const char *name, const char *value);
void km__woocommerce_set_num(cJSON *obj, const char *name, double value);
void km__woocommerce_money(char out[32], double v);
/* Copies the fields of body onto obj, skipping read-only names (NULL
 * terminated list). */
void km__woocommerce_merge(cJSON *obj, const cJSON *body,
                           const char *const *skip);
/* 1 when args[name] is "true"/"1". */
int km__woocommerce_arg_true(const struct km_request *req, const char *name);
/* Checks modified_after: 1 keep, 0 drop; -1 malformed. */
int km__woocommerce_modified_after(const cJSON *obj, const char *since);

/* ---- shapes.c: the full wc/v3 shapes ------------------------------ */

enum km__woocommerce_shape {
    KM__WOOCOMMERCE_PRODUCT,
    KM__WOOCOMMERCE_VARIATION,
    KM__WOOCOMMERCE_CUSTOMER,
    KM__WOOCOMMERCE_ORDER,
    KM__WOOCOMMERCE_REFUND,
    KM__WOOCOMMERCE_WEBHOOK,
    KM__WOOCOMMERCE_NOTE,
    KM__WOOCOMMERCE_CATEGORY,
    KM__WOOCOMMERCE_NSHAPES
};

/* Adds every field of the resource's wc/v3 shape that obj lacks (with
 * WooCommerce's default), recursing into billing, shipping and
 * dimensions, and records the shape in obj's private "_shape". */
void km__woocommerce_complete(cJSON *obj, enum km__woocommerce_shape shape);
/* The public JSON of a stored object (km__storefront_public) plus what
 * its shape derives at rendering: permalink, purchasable, _links, an
 * order's payment_url, is_editable, needs_payment, needs_processing. */
cJSON *km__woocommerce_public(const struct km__woocommerce_state *st,
                              const cJSON *obj);
/* Sets an order's date_paid / date_completed (and _gmt) to now when its
 * status first reaches processing|completed / completed. */
void km__woocommerce_order_dates(cJSON *order, int64_t now_ms);

/* ---- auth.c -------------------------------------------------------- */

/* Authenticates and checks permissions; answers 401 and returns -1 on
 * failure. */
int km__woocommerce_authenticate(struct km__woocommerce_call *c);

/* ---- catalog.c, people.c, orders.c, refunds.c ---------------------- */

/* A resource the generic create/get/update/delete/batch handlers serve. */
struct km__woocommerce_kind {
    const char *resource;   /* webhook resource: "product", "customer" */
    const char *invalid_id; /* code for an unknown id */
    int trash;              /* DELETE without force trashes (else 501) */
    cJSON *(*find)(struct km__woocommerce_state *st, int64_t parent,
                   int64_t id);
    cJSON *(*create)(struct km__woocommerce_state *st, int64_t parent,
                     const cJSON *body, int64_t now,
                     struct km__woocommerce_err *err);
    /* Applies body to the stored object; 0 or -1 with err. */
    int (*update)(struct km__woocommerce_state *st, cJSON *obj,
                  const cJSON *body, int64_t now,
                  struct km__woocommerce_err *err);
    /* Detaches and frees the stored object. */
    void (*remove)(struct km__woocommerce_state *st, cJSON *obj);
    /* The 501 message of a DELETE without force when !trash; NULL: "<resource>s
     * do not support trashing." */
    const char *no_trash;
    /* 1: the kind does not publish webhooks (notes, categories). */
    int quiet;
};

void km__woocommerce_item_create(struct km__woocommerce_call *c,
                                 const struct km__woocommerce_kind *k,
                                 int64_t parent);
void km__woocommerce_item_get(struct km__woocommerce_call *c,
                              const struct km__woocommerce_kind *k,
                              int64_t parent, int64_t id);
void km__woocommerce_item_update(struct km__woocommerce_call *c,
                                 const struct km__woocommerce_kind *k,
                                 int64_t parent, int64_t id);
void km__woocommerce_item_delete(struct km__woocommerce_call *c,
                                 const struct km__woocommerce_kind *k,
                                 int64_t parent, int64_t id);
void km__woocommerce_batch(struct km__woocommerce_call *c,
                           const struct km__woocommerce_kind *k,
                           int64_t parent);

void km__woocommerce_products_list(struct km_response *res,
                                   const struct km_request *req, void *state);
void km__woocommerce_products_create(struct km_response *res,
                                     const struct km_request *req, void *state);
void km__woocommerce_products_get(struct km_response *res,
                                  const struct km_request *req, void *state);
void km__woocommerce_products_update(struct km_response *res,
                                     const struct km_request *req, void *state);
void km__woocommerce_products_delete(struct km_response *res,
                                     const struct km_request *req, void *state);
void km__woocommerce_products_batch(struct km_response *res,
                                    const struct km_request *req, void *state);
void km__woocommerce_variations_list(struct km_response *res,
                                     const struct km_request *req, void *state);
void km__woocommerce_variations_create(struct km_response *res,
                                       const struct km_request *req,
                                       void *state);
void km__woocommerce_variations_get(struct km_response *res,
                                    const struct km_request *req, void *state);
void km__woocommerce_variations_update(struct km_response *res,
                                       const struct km_request *req,
                                       void *state);
void km__woocommerce_variations_delete(struct km_response *res,
                                       const struct km_request *req,
                                       void *state);
void km__woocommerce_variations_batch(struct km_response *res,
                                      const struct km_request *req,
                                      void *state);
cJSON *km__woocommerce_product_store(struct km__woocommerce_state *st,
                                     int64_t parent, const cJSON *body,
                                     int64_t now,
                                     struct km__woocommerce_err *err);
/* Recomputes price, on_sale and stock_status. */
void km__woocommerce_product_normalize(cJSON *p);

void km__woocommerce_customers_list(struct km_response *res,
                                    const struct km_request *req, void *state);
void km__woocommerce_customers_create(struct km_response *res,
                                      const struct km_request *req,
                                      void *state);
void km__woocommerce_customers_get(struct km_response *res,
                                   const struct km_request *req, void *state);
void km__woocommerce_customers_update(struct km_response *res,
                                      const struct km_request *req,
                                      void *state);
void km__woocommerce_customers_delete(struct km_response *res,
                                      const struct km_request *req,
                                      void *state);
void km__woocommerce_customers_batch(struct km_response *res,
                                     const struct km_request *req, void *state);
cJSON *km__woocommerce_customer_store(struct km__woocommerce_state *st,
                                      const cJSON *body, int64_t now,
                                      struct km__woocommerce_err *err);

void km__woocommerce_orders_list(struct km_response *res,
                                 const struct km_request *req, void *state);
void km__woocommerce_orders_get(struct km_response *res,
                                const struct km_request *req, void *state);
void km__woocommerce_orders_update(struct km_response *res,
                                   const struct km_request *req, void *state);
/* The order the path names ({order_id} under refunds, else {id}), or an
 * answered error of that status and NULL. */
cJSON *km__woocommerce_order_or_404(struct km__woocommerce_call *c, int status);
/* refunds.c */
void km__woocommerce_refunds_list(struct km_response *res,
                                  const struct km_request *req, void *state);
void km__woocommerce_refunds_create(struct km_response *res,
                                    const struct km_request *req, void *state);
void km__woocommerce_refunds_get(struct km_response *res,
                                 const struct km_request *req, void *state);
cJSON *km__woocommerce_order_public(struct km__woocommerce_state *st,
                                    const cJSON *order);
/* How an order is stored: made at the storefront's checkout (else
 * through REST or a fixture), and whether its stock is taken (checkout,
 * or a REST create with set_paid). */
#define KM__WOOCOMMERCE_CHECKOUT 1
#define KM__WOOCOMMERCE_REDUCE_STOCK 2
cJSON *km__woocommerce_order_store(struct km__woocommerce_state *st,
                                   const cJSON *body, int64_t now, int how,
                                   struct km__woocommerce_err *err);
void km__woocommerce_orders_create(struct km_response *res,
                                   const struct km_request *req, void *state);
void km__woocommerce_orders_delete(struct km_response *res,
                                   const struct km_request *req, void *state);
void km__woocommerce_orders_batch(struct km_response *res,
                                  const struct km_request *req, void *state);

/* ---- notes.c: order notes and product categories -------------------- */

void km__woocommerce_notes_list(struct km_response *res,
                                const struct km_request *req, void *state);
void km__woocommerce_notes_create(struct km_response *res,
                                  const struct km_request *req, void *state);
void km__woocommerce_notes_get(struct km_response *res,
                               const struct km_request *req, void *state);
void km__woocommerce_notes_delete(struct km_response *res,
                                  const struct km_request *req, void *state);
void km__woocommerce_categories_list(struct km_response *res,
                                     const struct km_request *req, void *state);
void km__woocommerce_categories_create(struct km_response *res,
                                       const struct km_request *req,
                                       void *state);
void km__woocommerce_categories_get(struct km_response *res,
                                    const struct km_request *req, void *state);
void km__woocommerce_categories_update(struct km_response *res,
                                       const struct km_request *req,
                                       void *state);
void km__woocommerce_categories_delete(struct km_response *res,
                                       const struct km_request *req,
                                       void *state);
void km__woocommerce_categories_batch(struct km_response *res,
                                      const struct km_request *req,
                                      void *state);
/* Drops the notes of a deleted order. */
void km__woocommerce_notes_drop(struct km__woocommerce_state *st,
                                int64_t order_id);
/* The Location of a 201: the _links.self href of the rendered object. */
void km__woocommerce_location(struct km_response *res, const cJSON *rendered);
cJSON *km__woocommerce_refund_store(struct km__woocommerce_state *st,
                                    cJSON *order, const cJSON *body,
                                    int64_t now,
                                    struct km__woocommerce_err *err);
int km__woocommerce_order_act(struct km__woocommerce_state *st,
                              const char *action, const cJSON *args,
                              cJSON **result, char *err, size_t errsz);

/* ---- webhooks.c ---------------------------------------------------- */

void km__woocommerce_webhooks_list(struct km_response *res,
                                   const struct km_request *req, void *state);
void km__woocommerce_webhooks_create(struct km_response *res,
                                     const struct km_request *req, void *state);
void km__woocommerce_webhooks_get(struct km_response *res,
                                  const struct km_request *req, void *state);
void km__woocommerce_webhooks_update(struct km_response *res,
                                     const struct km_request *req, void *state);
void km__woocommerce_webhooks_delete(struct km_response *res,
                                     const struct km_request *req, void *state);
cJSON *km__woocommerce_webhook_store(struct km__woocommerce_state *st,
                                     const cJSON *body, int64_t now,
                                     struct km__woocommerce_err *err);
/* Queues a delivery of resource.event to every active hook on it. The
 * payload is the resource's public JSON (not taken). */
void km__woocommerce_fire(struct km__woocommerce_state *st,
                          const char *resource, const char *event,
                          const cJSON *payload);
/* The rule of WC_Webhook::failed_delivery(): when the stored count is
 * already above max_failures the hook is disabled (returns 1, count
 * unchanged); otherwise the count grows by one (returns 0). */
int km__woocommerce_failure_disables(int *count, int max_failures);
int km__woocommerce_pump(void *state, struct km_server *server);
void km__woocommerce_queue_free(struct km__woocommerce_state *st);

/* ---- the type ------------------------------------------------------ */

extern const struct km_emulator_type km_woocommerce_type;
int km__woocommerce_state_new(void **state, const cJSON *config,
                              struct ks_clock *clock, char *err, size_t errsz);
void km__woocommerce_state_free(void *state);
cJSON *km__woocommerce_snapshot(void *state);

#endif
