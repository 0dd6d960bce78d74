/*
 * The Adobe Commerce (Magento 2) REST client, both deployments: PaaS /
 * on-premises (`<base>/rest/<store_code>/V1/...`) and Adobe Commerce as a
 * Cloud Service (`<base>/<tenant_id>/V1/...`, scope in the `Store`
 * header).
 *
 * A handle borrows a ks_client (clock, log, retry policy, connection) and
 * holds the credentials of one of three modes: an OAuth 1.0a integration
 * (every request signed with HMAC-SHA256), an admin token (fetched with
 * user name and password, renewed before its lifetime ends and after a
 * 401), or an IMS server-to-server token (SaaS; renewed before
 * expires_in). Records travel as cJSON objects in Adobe's shape;
 * whatever comes back through `cJSON **out` is the caller's.
 *
 * Failures: the HTTP layer's codes (EAUTH 401, EFORBIDDEN 403, ENOTFOUND
 * 404, EREMOTE 400/500, ERATELIMIT 429 after waiting Retry-After,
 * EUNAVAIL 503 after the retries); ks_client_last_error() then holds
 * Adobe's message with its %1 / %name placeholders filled in.
 *
 * Not thread-safe, like the client it borrows.
 */
#ifndef KINSYNC_ADOBE_H
#define KINSYNC_ADOBE_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "common.h"
#include "error.h"
#include "client.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ks_adobe;

enum ks_adobe_deployment {
    KS_ADOBE_PAAS = 0, /* /rest/<store_code>/V1/... */
    KS_ADOBE_SAAS = 1  /* /<tenant_id>/V1/..., Store header */
};

enum ks_adobe_auth {
    KS_ADOBE_AUTH_OAUTH1 = 0, /* integration: OAuth 1.0a, HMAC-SHA256 */
    KS_ADOBE_AUTH_ADMIN = 1,  /* POST /V1/integration/admin/token */
    KS_ADOBE_AUTH_IMS = 2     /* IMS client credentials (SaaS) */
};

struct ks_adobe_options {
    unsigned int version;
    enum ks_adobe_deployment deployment;
    const char *base_url;   /* "https://shop.example" (PaaS, before /rest)
                             * or the SaaS API host */
    const char *store_code; /* PaaS path segment, SaaS Store header;
                             * NULL: "default" */
    const char *tenant_id;  /* SaaS: the first path segment */
    enum ks_adobe_auth auth;
    /* OAUTH1: the integration's four values (secrets copied) */
    const char *consumer_key;
    const char *consumer_secret;
    const char *access_token;
    const char *access_token_secret;
    /* ADMIN */
    const char *username;
    const char *password;
    int64_t admin_token_lifetime_s; /* 0: 14400 (Adobe's default, 4 h) */
    /* IMS */
    const char *ims_token_url; /* NULL: Adobe's IMS token endpoint */
    const char *client_id;     /* also sent as x-api-key */
    const char *client_secret;
    const char *org_id; /* x-gw-ims-org-id */
    const char *scope;  /* NULL: the server-to-server scopes incl.
                         * commerce.accs */
    /* Tokens are renewed this long before they expire (capped at half
     * their lifetime); 0: 60 s. */
    int64_t token_margin_ms;
    int page_size; /* searchCriteria[pageSize] of listings; 0: 100 */
};

#define KS_ADOBE_OPTIONS_VERSION 1
#define KS_ADOBE_OPTIONS_INIT                                                  \
    {                                                                          \
        KS_ADOBE_OPTIONS_VERSION, KS_ADOBE_PAAS, NULL, NULL, NULL,             \
            KS_ADOBE_AUTH_OAUTH1, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, \
            NULL, NULL, NULL, NULL, 0, 0                                       \
    }

/* The secrets are registered with the client as log secrets. EINVAL
 * (with a message naming what is missing) when base_url, the tenant of a
 * SaaS deployment or a credential of the chosen mode is missing, or
 * when IMS is asked of PaaS. */
KS_EXTERN ks_rc ks_adobe_new(struct ks_adobe **out, struct ks_client *client,
                             const struct ks_adobe_options *opts);
KS_EXTERN void ks_adobe_free(struct ks_adobe *ad); /* NULL-safe */

/* How many token requests the handle made (admin or IMS). */
KS_EXTERN int ks_adobe_token_requests(const struct ks_adobe *ad);

/* ---- searchCriteria ------------------------------------------------- */

#define KS_ADOBE_CONDITIONS(X)                                                 \
    X(EQ, "eq")                                                                \
    X(NEQ, "neq")                                                              \
    X(LIKE, "like")                                                            \
    X(NLIKE, "nlike")                                                          \
    X(IN, "in")                                                                \
    X(NIN, "nin")                                                              \
    X(GT, "gt")                                                                \
    X(GTEQ, "gteq")                                                            \
    X(MOREQ, "moreq")                                                          \
    X(LT, "lt")                                                                \
    X(LTEQ, "lteq")                                                            \
    X(FROM, "from")                                                            \
    X(TO, "to")                                                                \
    X(FINSET, "finset")                                                        \
    X(NFINSET, "nfinset")                                                      \
    X(NULL, "null")                                                            \
    X(NOTNULL, "notnull")

enum ks_adobe_condition {
#define KS_ADOBE_COND_ENUM(name, text) KS_ADOBE_##name,
    KS_ADOBE_CONDITIONS(KS_ADOBE_COND_ENUM)
#undef KS_ADOBE_COND_ENUM
        KS_ADOBE_NCONDITIONS
};

/* "eq" for KS_ADOBE_EQ, ...; NULL when out of range. */
KS_EXTERN const char *ks_adobe_condition_name(enum ks_adobe_condition c);

/* A search: filter groups (filters inside a group are OR-ed, groups are
 * AND-ed), sort orders, and optionally a page size and a first page. */
struct ks_adobe_search;

KS_EXTERN ks_rc ks_adobe_search_new(struct ks_adobe_search **out);
KS_EXTERN void ks_adobe_search_free(struct ks_adobe_search *s); /* NULL-safe */

/* Starts a new filter group: the next filters are AND-ed with the
 * previous groups. The first filter needs no call. */
KS_EXTERN ks_rc ks_adobe_search_and(struct ks_adobe_search *s);

/* Adds field <condition> value to the current group (OR-ed with its other
 * filters). value may be NULL for null / notnull; "in"/"nin" take a
 * comma list. EINVAL for a condition out of range or a missing value. */
KS_EXTERN ks_rc ks_adobe_search_filter(struct ks_adobe_search *s,
                                       const char *field,
                                       enum ks_adobe_condition condition,
                                       const char *value);

/* Adds a sort order (after the ones already given). */
KS_EXTERN ks_rc ks_adobe_search_sort(struct ks_adobe_search *s,
                                     const char *field, int descending);

/* page_size 0: the handle's; first_page 0: 1. */
KS_EXTERN void ks_adobe_search_page(struct ks_adobe_search *s, int page_size,
                                    int first_page);

/* The URL of a search on path (relative to V1, e.g. "orders") at page:
 * every searchCriteria parameter escaped by curl_url. For checks and
 * logs; the caller frees it with ks_adobe_string_free. */
KS_EXTERN ks_rc ks_adobe_search_url(char **out, struct ks_adobe *ad,
                                    const char *path,
                                    const struct ks_adobe_search *s, int page);
KS_EXTERN void ks_adobe_string_free(char *s);

/* Called once per item, in the server's order; nonzero stops the listing
 * early (the call then returns KS_OK). */
typedef int (*ks_adobe_item_fn)(void *userdata, const cJSON *item);

struct ks_adobe_list_stats {
    int pages;           /* pages fetched */
    long long total;     /* the last total_count */
    long long delivered; /* items given to fn */
};

/*
 * GETs path?searchCriteria... page by page (s may be NULL: everything),
 * calling fn per item. It stops when pages × pageSize reaches
 * total_count, on an empty page, or when a page lies past the end (Adobe
 * then answers the last page again: its items are not delivered twice).
 * stats may be NULL.
 */
KS_EXTERN ks_rc ks_adobe_search_each(struct ks_adobe *ad, const char *path,
                                     const struct ks_adobe_search *s,
                                     ks_adobe_item_fn fn, void *userdata,
                                     struct ks_adobe_list_stats *stats);

/* One request on path relative to V1 ("orders/12"); body (may be NULL)
 * sent as JSON; *out gets the parsed reply, which may be a bare scalar
 * (out may be NULL). */
KS_EXTERN ks_rc ks_adobe_request(cJSON **out, struct ks_adobe *ad,
                                 const char *method, const char *path,
                                 const cJSON *body);

/* ---- custom attributes ---------------------------------------------- */

/* Sets attribute code of record's custom_attributes to value (always a
 * string, as Adobe stores them), replacing an earlier value. */
KS_EXTERN ks_rc ks_adobe_custom_attribute_set(cJSON *record, const char *code,
                                              const char *value);
/* The value of code in record's custom_attributes; NULL when absent.
 * Borrowed from record. */
KS_EXTERN const char *ks_adobe_custom_attribute_get(const cJSON *record,
                                                    const char *code);

/* ---- orders, invoices, companies, products -------------------------- */

/* GET /V1/orders/{entity_id}. */
KS_EXTERN ks_rc ks_adobe_order_get(cJSON **out, struct ks_adobe *ad,
                                   int64_t entity_id);
/* The order whose increment_id ("000000003") is given, by a search;
 * ENOTFOUND when none. */
KS_EXTERN ks_rc ks_adobe_order_find(cJSON **out, struct ks_adobe *ad,
                                    const char *increment_id);
/* POST /V1/orders {"entity": order}: creates, or updates the order of
 * order's entity_id. Custom attribute values that are numbers or
 * booleans are sent as strings. */
KS_EXTERN ks_rc ks_adobe_order_save(cJSON **out, struct ks_adobe *ad,
                                    const cJSON *order);

/* POST /V1/order/{order_id}/invoice with items ([{order_item_id, qty}],
 * NULL: everything open) and capture; *invoice_id gets the new id Adobe
 * answers as a bare JSON scalar. */
KS_EXTERN ks_rc ks_adobe_invoice_create(int64_t *invoice_id,
                                        struct ks_adobe *ad, int64_t order_id,
                                        const cJSON *items, int capture);

/* POST /V1/company/ {"company": company}. */
KS_EXTERN ks_rc ks_adobe_company_create(cJSON **out, struct ks_adobe *ad,
                                        const cJSON *company);
KS_EXTERN ks_rc ks_adobe_company_get(cJSON **out, struct ks_adobe *ad,
                                     int64_t company_id);
/* PUT /V1/company/{company_id} {"company": company}. */
KS_EXTERN ks_rc ks_adobe_company_update(cJSON **out, struct ks_adobe *ad,
                                        int64_t company_id,
                                        const cJSON *company);
/* The company whose custom attribute code equals value (the first when
 * several); ENOTFOUND when none. */
KS_EXTERN ks_rc ks_adobe_company_find(cJSON **out, struct ks_adobe *ad,
                                      const char *code, const char *value);

/* GET /V1/products/{sku} (the SKU escaped as a path segment). */
KS_EXTERN ks_rc ks_adobe_product_get(cJSON **out, struct ks_adobe *ad,
                                     const char *sku);

/* ---- webhooks --------------------------------------------------------- */

enum ks_adobe_signing {
    KS_ADOBE_SIGNING_RSA = 0, /* RSA-SHA256 over the base64 of the body */
    KS_ADOBE_SIGNING_HMAC = 1 /* HMAC-SHA256 of the raw body, shared secret */
};

/*
 * Checks the x-adobe-commerce-webhook-signature of a synchronous webhook
 * delivery. RSA: key is the PEM public key Commerce signs with, and the
 * signature the base64 of an RSA-SHA256 signature over the base64 of the
 * body. HMAC: key is the shared secret and the signature the base64 of
 * HMAC-SHA256 of the raw body (compared in constant time). KS_OK when it
 * matches; KS_EAUTH when the signature is missing, malformed or wrong;
 * KS_EINVAL without a key.
 */
KS_EXTERN ks_rc ks_adobe_webhook_verify(enum ks_adobe_signing mode,
                                        const char *key, const char *body,
                                        size_t len, const char *signature);

#ifdef __cplusplus
}
#endif

#endif
