/*
 * Internals of the Adobe Commerce (Magento 2) emulator shared by its
 * files (prefix km__adobe_). Resources are cJSON objects in arrays of the
 * state; members starting with '_' are private and never shown.
 */
#ifndef KM_ADOBE_EMU_H
#define KM_ADOBE_EMU_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <cjson/cJSON.h>
#include "common/server_int.h"
#include "common/storefront.h"
#include "kinmock/config.h"
#include "kinmock/emulator.h"
#include "search.h"

enum km__adobe_deployment { KM__ADOBE_PAAS, KM__ADOBE_SAAS };

/* Who a request is authenticated as: the ACL resources it holds. */
struct km__adobe_principal {
    const char *name;
    const cJSON *resources; /* array of ACL ids, or NULL: every resource */
};

struct km__adobe_nonce {
    char *consumer_key;
    char *nonce;
    int64_t ts;
};

struct km__adobe_token {
    char *token;
    int64_t expires_ms;   /* 0: never */
    const cJSON *subject; /* the admin or IMS client object */
};

struct km__adobe_state {
    struct ks_clock *clock;
    struct km_server *server;
    cJSON *config; /* a copy: admins, integrations, ims_clients, webhooks */
    enum km__adobe_deployment deployment;
    char *tenant_id;
    const cJSON *stores;       /* config's "stores" (array of codes) */
    const cJSON *admins;       /* [{username, password, resources}] */
    const cJSON *integrations; /* [{consumer_key, ..., resources}] */
    const cJSON *ims_clients;  /* [{client_id, client_secret, org_id, ...}] */
    const cJSON *webhooks;     /* config's [{hook, url, timeout, ...}] */
    cJSON *subscribed;         /* added by POST /V1/webhooks/subscribe */
    int integration_as_bearer;
    int input_limits;
    int64_t max_page_size;
    int64_t admin_token_lifetime_s;
    int64_t ims_token_lifetime_s;
    int64_t oauth_window_s;
    int64_t oauth_max_age_s; /* 0: no lower bound on oauth_timestamp */
    char *base_url;          /* the URL OAuth signatures cover; NULL: own */
    int acl_denied_status;
    int64_t quota_requests; /* 0: no quota */
    int64_t quota_window_s;
    int64_t quota_window_start_ms;
    int64_t quota_used;
    char *webhook_signing; /* "rsa", "hmac", "none" */
    char *webhook_secret;
    EVP_PKEY *webhook_key; /* made on first use */
    char *webhook_public_pem;

    struct km__adobe_token *tokens;
    size_t ntokens;
    uint64_t token_seq;
    struct km__adobe_nonce *nonces;
    size_t nnonces;

    cJSON *orders, *invoices, *companies, *customers, *products;
    cJSON *hook_log; /* one entry per synchronous webhook call */
    int64_t next_order_id, next_item_id, next_invoice_id, next_company_id,
        next_customer_id, next_product_id;
};

/* One request being served: the reply, the request, the state, and what
 * the before hook found out (scope, principal). */
struct km__adobe_call {
    struct km_response *res;
    const struct km_request *req;
    struct km__adobe_state *st;
    const char *store; /* the store code in scope ("default", "all", ...) */
};

void km__adobe_call_init(struct km__adobe_call *c, struct km_response *res,
                         const struct km_request *req, void *state);

/* ---- errors (emulator.c) --------------------------------------------- */

/* {"message": message, "parameters": params} (params taken; NULL: none). */
void km__adobe_error(struct km_response *res, int status, const char *message,
                     cJSON *params);
/* One %name parameter. */
void km__adobe_error1(struct km_response *res, int status, const char *message,
                      const char *name, const char *value);
/* 404 for an entity id that does not exist. */
void km__adobe_no_entity(struct km_response *res, const char *field,
                         const char *value);
/* A bad searchCriteria answered as Magento does (400). */
void km__adobe_search_error(struct km_response *res,
                            const struct km__adobe_search_err *err);
/* The body as a JSON object, or NULL after answering 400. */
cJSON *km__adobe_body(struct km__adobe_call *c);
/* Answers a list endpoint over arr with the request's searchCriteria. */
void km__adobe_list(struct km__adobe_call *c, const cJSON *arr,
                    km__adobe_render_fn *render);
/* Dates as Magento stores them: "YYYY-MM-DD HH:MM:SS", UTC. */
void km__adobe_date(char out[32], int64_t ms);
/* The public copy of a stored object (no '_' members). */
cJSON *km__adobe_public(void *ud, const cJSON *obj);
cJSON *km__adobe_find(const cJSON *arr, const char *field, int64_t id);
void km__adobe_set(cJSON *obj, const char *name, cJSON *value);

/* ---- auth.c ------------------------------------------------------------ */

/* Authenticates the request and checks the route's ACL resource; answers
 * and returns -1 when refused. */
int km__adobe_authenticate(struct km__adobe_call *c);
void km__adobe_admin_token(struct km_response *res,
                           const struct km_request *req, void *state);
void km__adobe_ims_token(struct km_response *res, const struct km_request *req,
                         void *state);
void km__adobe_auth_free(struct km__adobe_state *st);
/* Fault action "expire_tokens": every issued token expires now. */
void km__adobe_expire_tokens(struct km__adobe_state *st);

/* ---- orders.c ----------------------------------------------------------- */

void km__adobe_orders_list(struct km_response *res,
                           const struct km_request *req, void *state);
void km__adobe_orders_get(struct km_response *res, const struct km_request *req,
                          void *state);
void km__adobe_orders_save(struct km_response *res,
                           const struct km_request *req, void *state);
void km__adobe_order_items_get(struct km_response *res,
                               const struct km_request *req, void *state);
void km__adobe_invoice_create(struct km_response *res,
                              const struct km_request *req, void *state);
void km__adobe_invoices_list(struct km_response *res,
                             const struct km_request *req, void *state);
void km__adobe_invoices_get(struct km_response *res,
                            const struct km_request *req, void *state);
/* Stores an order from an "entity" object (fixture, REST or action);
 * NULL with why when refused. */
cJSON *km__adobe_order_store(struct km__adobe_state *st, const cJSON *entity,
                             int64_t now, char *why, size_t whysz);
int km__adobe_order_fixture(void *state, const cJSON *item, int64_t now,
                            char *why, size_t whysz);
int km__adobe_invoice_fixture(void *state, const cJSON *item, int64_t now,
                              char *why, size_t whysz);
int km__adobe_orders_act(struct km__adobe_state *st, const char *action,
                         const cJSON *args, cJSON **result, char *err,
                         size_t errsz);

/* ---- company.c: companies, customers, products --------------------------- */

void km__adobe_companies_list(struct km_response *res,
                              const struct km_request *req, void *state);
void km__adobe_companies_create(struct km_response *res,
                                const struct km_request *req, void *state);
void km__adobe_companies_get(struct km_response *res,
                             const struct km_request *req, void *state);
void km__adobe_companies_update(struct km_response *res,
                                const struct km_request *req, void *state);
void km__adobe_companies_delete(struct km_response *res,
                                const struct km_request *req, void *state);
void km__adobe_companies_custom(struct km_response *res,
                                const struct km_request *req, void *state);
void km__adobe_customers_list(struct km_response *res,
                              const struct km_request *req, void *state);
void km__adobe_customers_get(struct km_response *res,
                             const struct km_request *req, void *state);
void km__adobe_customers_create(struct km_response *res,
                                const struct km_request *req, void *state);
void km__adobe_products_list(struct km_response *res,
                             const struct km_request *req, void *state);
void km__adobe_products_get(struct km_response *res,
                            const struct km_request *req, void *state);
void km__adobe_products_create(struct km_response *res,
                               const struct km_request *req, void *state);
int km__adobe_company_fixture(void *state, const cJSON *item, int64_t now,
                              char *why, size_t whysz);
int km__adobe_customer_fixture(void *state, const cJSON *item, int64_t now,
                               char *why, size_t whysz);
int km__adobe_product_fixture(void *state, const cJSON *item, int64_t now,
                              char *why, size_t whysz);
/* Checks custom_attributes ([{attribute_code, value}], values strings);
 * 0 or -1 with why. */
int km__adobe_custom_attributes_check(const cJSON *obj, char *why,
                                      size_t whysz);

/* ---- hooks.c: synchronous webhooks ----------------------------------------
 */

/*
 * Calls every hook configured for event (e.g.
 * "observer.sales_order_place_before") with obj (the order or invoice
 * being saved, changed in place by the hooks' add/replace/remove
 * operations). Returns 0 to go on, or -1 with why when a hook aborts the
 * action (an "exception" operation, or a required hook that failed or
 * timed out).
 */
int km__adobe_hooks_run(struct km__adobe_state *st, const char *event,
                        cJSON *obj, char *why, size_t whysz);
/* The PEM of the public key webhooks are signed with (made on first use). */
const char *km__adobe_webhook_public_pem(struct km__adobe_state *st);
void km__adobe_hooks_free(struct km__adobe_state *st);
void km__adobe_webhooks_subscribe(struct km_response *res,
                                  const struct km_request *req, void *state);
void km__adobe_webhooks_list(struct km_response *res,
                             const struct km_request *req, void *state);

/* ---- config.c ------------------------------------------------------------ */

#define KM__ADOBE_NCONFIG 24
extern const struct km_config_key km__adobe_config_keys[];
int km__adobe_state_new(void **state, const cJSON *config,
                        struct ks_clock *clock, char *err, size_t errsz);
void km__adobe_state_free(void *state);
cJSON *km__adobe_snapshot(void *state);
/* The store id of a code (default 1, "all" 0), -1 when unknown. */
int km__adobe_store_id(const struct km__adobe_state *st, const char *code);

extern const struct km_emulator_type km_adobe_type;

#endif
