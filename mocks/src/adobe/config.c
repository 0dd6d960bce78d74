/*
 * The Adobe Commerce emulator's declared configuration (given.adobe),
 * its state and the snapshot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include "adobe_emu.h"

#define STATE(v) struct km__adobe_state *st = (v)

static int set_deployment(void *state, const cJSON *v, char *err, size_t errsz)
{
    STATE(state);

    if (strcmp(v->valuestring, "paas") == 0)
        st->deployment = KM__ADOBE_PAAS;
    else if (strcmp(v->valuestring, "saas") == 0)
        st->deployment = KM__ADOBE_SAAS;
    else {
        snprintf(err, errsz, "must be \"paas\" or \"saas\"");
        return -1;
    }
    return 0;
}

static int set_tenant(void *state, const cJSON *v, char *err, size_t errsz)
{
    STATE(state);

    if (!*v->valuestring || strchr(v->valuestring, '/')) {
        snprintf(err, errsz, "must be one non-empty path segment");
        return -1;
    }
    free(st->tenant_id);
    st->tenant_id = kx_xstrdup(v->valuestring);
    return 0;
}

/* Lists of objects kept by pointer into the state's copy of the
 * configuration (the applier hands over nodes of that copy). */
static int list_items_check(const cJSON *v, const char *must, char *err,
                            size_t errsz)
{
    const cJSON *it;
    int i = 0;

    cJSON_ArrayForEach(it, v)
    {
        if (must &&
            !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(it, must))) {
            snprintf(err, errsz, "/%d/%s: required, a string", i, must);
            return -1;
        }
        i++;
    }
    return 0;
}

static int set_stores(void *state, const cJSON *v, char *err, size_t errsz)
{
    STATE(state);
    const cJSON *it;
    int i = 0;

    cJSON_ArrayForEach(it, v)
    {
        if (!cJSON_IsString(it) || !*it->valuestring ||
            strchr(it->valuestring, '/') ||
            strcmp(it->valuestring, "all") == 0) {
            snprintf(err, errsz,
                     "/%d: must be a store code (not \"all\", no '/')", i);
            return -1;
        }
        i++;
    }
    st->stores = v;
    return 0;
}

#define LIST_SETTER(fn, member, must)                                          \
    static int fn(void *state, const cJSON *v, char *err, size_t errsz)        \
    {                                                                          \
        STATE(state);                                                          \
        if (list_items_check(v, must, err, errsz) != 0)                        \
            return -1;                                                         \
        st->member = v;                                                        \
        return 0;                                                              \
    }

LIST_SETTER(set_admins, admins, "username")
LIST_SETTER(set_integrations, integrations, "consumer_key")
LIST_SETTER(set_ims_clients, ims_clients, "client_id")
LIST_SETTER(set_webhooks, webhooks, "hook")

static int positive(int64_t *out, const cJSON *v, int64_t min, char *err,
                    size_t errsz)
{
    if (v->valuedouble < (double)min || v->valuedouble > 1e9) {
        snprintf(err, errsz, "must be an integer from %lld to 1000000000",
                 (long long)min);
        return -1;
    }
    *out = (int64_t)v->valuedouble;
    return 0;
}

#define INT_SETTER(fn, member, min)                                            \
    static int fn(void *state, const cJSON *v, char *err, size_t errsz)        \
    {                                                                          \
        STATE(state);                                                          \
        return positive(&st->member, v, min, err, errsz);                      \
    }

INT_SETTER(set_admin_life, admin_token_lifetime_s, 1)
INT_SETTER(set_ims_life, ims_token_lifetime_s, 1)
INT_SETTER(set_window, oauth_window_s, 0)
INT_SETTER(set_max_age, oauth_max_age_s, 0)
INT_SETTER(set_max_page, max_page_size, 1)

static int set_acl_status(void *state, const cJSON *v, char *err, size_t errsz)
{
    STATE(state);

    if (v->valuedouble != 401 && v->valuedouble != 403) {
        snprintf(err, errsz, "must be 401 or 403");
        return -1;
    }
    st->acl_denied_status = (int)v->valuedouble;
    return 0;
}

static int set_quota(void *state, const cJSON *v, char *err, size_t errsz)
{
    STATE(state);
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(v, "requests");
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(v, "window_s");

    if (!cJSON_IsNumber(r) || r->valuedouble < 1 || !cJSON_IsNumber(w) ||
        w->valuedouble < 1) {
        snprintf(err, errsz, "needs requests and window_s, integers from 1");
        return -1;
    }
    st->quota_requests = (int64_t)r->valuedouble;
    st->quota_window_s = (int64_t)w->valuedouble;
    return 0;
}

static int set_signing(void *state, const cJSON *v, char *err, size_t errsz)
{
    STATE(state);

    if (strcmp(v->valuestring, "rsa") != 0 &&
        strcmp(v->valuestring, "hmac") != 0 &&
        strcmp(v->valuestring, "none") != 0) {
        snprintf(err, errsz, "must be \"rsa\", \"hmac\" or \"none\"");
        return -1;
    }
    free(st->webhook_signing);
    st->webhook_signing = kx_xstrdup(v->valuestring);
    return 0;
}

KM__STOREFRONT_FIXTURES(set_products, struct km__adobe_state,
                        km__adobe_product_fixture)
KM__STOREFRONT_FIXTURES(set_customers, struct km__adobe_state,
                        km__adobe_customer_fixture)
KM__STOREFRONT_FIXTURES(set_companies, struct km__adobe_state,
                        km__adobe_company_fixture)
KM__STOREFRONT_FIXTURES(set_orders, struct km__adobe_state,
                        km__adobe_order_fixture)
KM__STOREFRONT_FIXTURES(set_invoices, struct km__adobe_state,
                        km__adobe_invoice_fixture)

#define S KM_CONFIG_STRING
#define I KM_CONFIG_INTEGER
#define B KM_CONFIG_BOOLEAN
#define A KM_CONFIG_ARRAY
#define O KM_CONFIG_OBJECT

static const struct km_config_key admin_keys[] = {
    {KM_CONFIG_KEY("username", S, NULL, "The admin user name.", NULL)},
    {KM_CONFIG_KEY("password", S, NULL, "Its password (a credential).", NULL)},
    {KM_CONFIG_KEY("resources", A, NULL,
                   "ACL resources granted (default: all).", NULL)},
};

static const struct km_config_key integration_keys[] = {
    {KM_CONFIG_KEY("name", S, NULL, "The integration's name.", NULL)},
    {KM_CONFIG_KEY("consumer_key", S, NULL, "OAuth consumer key.", NULL)},
    {KM_CONFIG_KEY("consumer_secret", S, NULL, "OAuth consumer secret.", NULL)},
    {KM_CONFIG_KEY("access_token", S, NULL, "OAuth access token.", NULL)},
    {KM_CONFIG_KEY("access_token_secret", S, NULL, "OAuth access token secret.",
                   NULL)},
    {KM_CONFIG_KEY(
        "resources", A, NULL,
        "ACL resources granted, e.g. \"Magento_Sales::actions_view\" "
        "(default: all).",
        NULL)},
};

static const struct km_config_key ims_keys[] = {
    {KM_CONFIG_KEY("client_id", S, NULL, "IMS client id (also the x-api-key).",
                   NULL)},
    {KM_CONFIG_KEY("client_secret", S, NULL, "IMS client secret.", NULL)},
    {KM_CONFIG_KEY("org_id", S, NULL, "The IMS organisation (x-gw-ims-org-id).",
                   NULL)},
    {KM_CONFIG_KEY("resources", A, NULL,
                   "ACL resources granted (default: all).", NULL)},
};

static const struct km_config_key quota_keys[] = {
    {KM_CONFIG_KEY("requests", I, NULL, "Requests allowed per window.", NULL)},
    {KM_CONFIG_KEY("window_s", I, NULL, "The window in seconds.", NULL)},
};

static const struct km_config_key webhook_keys[] = {
    {KM_CONFIG_KEY("hook", S, NULL,
                   "The hooked method: observer.sales_order_place_before or "
                   "observer.sales_order_invoice_save_before.",
                   NULL)},
    {KM_CONFIG_KEY("url", S, NULL, "Where the hook POSTs.", NULL)},
    {KM_CONFIG_KEY("timeout", I, NULL,
                   "Hard timeout in ms (0: none; capped at 30000).", NULL)},
    {KM_CONFIG_KEY("softTimeout", I, NULL,
                   "Soft timeout in ms: only noted in the call log.", NULL)},
    {KM_CONFIG_KEY("required", B, NULL,
                   "A failure or timeout aborts the action.", NULL)},
    {KM_CONFIG_KEY("fallbackErrorMessage", S, NULL,
                   "The message of an abort without one.", NULL)},
    {KM_CONFIG_KEY("headers", O, NULL, "Extra request headers.", NULL)},
};

const struct km_config_key km__adobe_config_keys[] = {
    {KM_CONFIG_KEY("deployment", S, "\"paas\"",
                   "\"paas\" (/rest/<store>/V1/...) or \"saas\" "
                   "(/<tenant-id>/V1/..., Store header, IMS tokens).",
                   set_deployment),
     .schema = "{\"enum\": [\"paas\", \"saas\"]}"},
    {KM_CONFIG_KEY("tenant_id", S, "\"kinsync-tenant\"",
                   "The SaaS tenant id, the first path segment.", set_tenant)},
    {KM_CONFIG_KEY("stores", A, NULL,
                   "Store view codes (default [\"default\"]); \"all\" is "
                   "always known.",
                   set_stores)},
    {KM_CONFIG_KEY("base_url", S, NULL,
                   "The URL OAuth 1.0a signatures cover (default: the "
                   "emulator's own).",
                   km_config_set_string),
     KM_CONFIG_FIELD(struct km__adobe_state, base_url)},
    {KM_CONFIG_KEY("admins", A, NULL, "Admin users for admin tokens.",
                   set_admins),
     KM_CONFIG_MEMBERS(admin_keys)},
    {KM_CONFIG_KEY("integrations", A, NULL, "OAuth 1.0a integrations (PaaS).",
                   set_integrations),
     KM_CONFIG_MEMBERS(integration_keys)},
    {KM_CONFIG_KEY("enable_integration_as_bearer", B, "false",
                   "Accept an integration's access token as a Bearer token "
                   "(oauth/consumer/enable_integration_as_bearer).",
                   km_config_set_flag),
     KM_CONFIG_FIELD(struct km__adobe_state, integration_as_bearer)},
    {KM_CONFIG_KEY("ims_clients", A, NULL,
                   "IMS server-to-server credentials (SaaS).", set_ims_clients),
     KM_CONFIG_MEMBERS(ims_keys)},
    {KM_CONFIG_KEY("admin_token_lifetime_s", I, "14400",
                   "Admin token life in seconds (4 h).", set_admin_life),
     .schema = "{\"minimum\": 1}"},
    {KM_CONFIG_KEY("ims_token_lifetime_s", I, "86399",
                   "IMS token life (expires_in) in seconds.", set_ims_life),
     .schema = "{\"minimum\": 1}"},
    {KM_CONFIG_KEY("oauth_timestamp_window_s", I, "600",
                   "How far in the future an oauth_timestamp may be.",
                   set_window),
     .schema = "{\"minimum\": 0}"},
    {KM_CONFIG_KEY("oauth_max_age_s", I, "0",
                   "How old an oauth_timestamp may be (0: no bound, as "
                   "Magento).",
                   set_max_age),
     .schema = "{\"minimum\": 0}"},
    {KM_CONFIG_KEY("acl_denied_status", I, "403",
                   "Status of a request its credential's ACL lacks (401 or "
                   "403).",
                   set_acl_status),
     .schema = "{\"enum\": [401, 403]}"},
    {KM_CONFIG_KEY("quota", O, NULL,
                   "SaaS only: requests per window before 429 with "
                   "Retry-After.",
                   set_quota),
     KM_CONFIG_MEMBERS(quota_keys)},
    {KM_CONFIG_KEY("input_limits", B, "false",
                   "Web API input limits: default pageSize 20, at most "
                   "max_page_size.",
                   km_config_set_flag),
     KM_CONFIG_FIELD(struct km__adobe_state, input_limits)},
    {KM_CONFIG_KEY("max_page_size", I, "300",
                   "The largest pageSize with input_limits.", set_max_page),
     .schema = "{\"minimum\": 1}"},
    {KM_CONFIG_KEY("webhooks", A, NULL,
                   "Synchronous webhooks (Adobe Commerce Webhooks).",
                   set_webhooks),
     KM_CONFIG_MEMBERS(webhook_keys)},
    {KM_CONFIG_KEY("webhook_signing", S, "\"rsa\"",
                   "\"rsa\" (x-adobe-commerce-webhook-signature, RSA-SHA256 "
                   "over base64(body)), \"hmac\" (HMAC-SHA256 with "
                   "webhook_secret) or \"none\".",
                   set_signing),
     .schema = "{\"enum\": [\"rsa\", \"hmac\", \"none\"]}"},
    {KM_CONFIG_KEY("webhook_secret", S, NULL,
                   "The shared secret of webhook_signing \"hmac\".",
                   km_config_set_string),
     KM_CONFIG_FIELD(struct km__adobe_state, webhook_secret)},
    {KM_CONFIG_KEY("products", A, NULL, "Products, as POST /V1/products.",
                   set_products)},
    {KM_CONFIG_KEY("customers", A, NULL,
                   "Customers (company users), as POST /V1/customers.",
                   set_customers)},
    {KM_CONFIG_KEY("companies", A, NULL, "B2B companies, as POST /V1/company.",
                   set_companies)},
    {KM_CONFIG_KEY("orders", A, NULL, "Orders, as POST /V1/orders's entity.",
                   set_orders)},
    {KM_CONFIG_KEY("invoices", A, NULL,
                   "Invoices: {order_id, items?, capture?}, as POST "
                   "/V1/order/{id}/invoice.",
                   set_invoices)},
};

_Static_assert(sizeof(km__adobe_config_keys) /
                       sizeof(km__adobe_config_keys[0]) ==
                   KM__ADOBE_NCONFIG,
               "KM__ADOBE_NCONFIG");

int km__adobe_store_id(const struct km__adobe_state *st, const char *code)
{
    const cJSON *it;
    int i = 1;

    if (strcmp(code, "all") == 0)
        return 0;
    if (!st->stores)
        return strcmp(code, "default") == 0 ? 1 : -1;
    cJSON_ArrayForEach(it, st->stores)
    {
        if (strcmp(it->valuestring, code) == 0)
            return i;
        i++;
    }
    return -1;
}

int km__adobe_state_new(void **state, const cJSON *config,
                        struct ks_clock *clock, char *err, size_t errsz)
{
    struct km__adobe_state *st = kx_xcalloc(1, sizeof(*st));

    *state = NULL;
    st->clock = clock;
    st->config = config ? cJSON_Duplicate(config, 1) : cJSON_CreateObject();
    st->orders = cJSON_CreateArray();
    st->invoices = cJSON_CreateArray();
    st->companies = cJSON_CreateArray();
    st->customers = cJSON_CreateArray();
    st->products = cJSON_CreateArray();
    st->hook_log = cJSON_CreateArray();
    st->subscribed = cJSON_CreateArray();
    st->next_order_id = st->next_item_id = st->next_invoice_id = 1;
    st->next_company_id = st->next_customer_id = st->next_product_id = 1;
    if (km_config_apply(st, &km_adobe_type, st->config, "", err, errsz) != 0) {
        km__adobe_state_free(st);
        return -1;
    }
    *state = st;
    return 0;
}

void km__adobe_state_free(void *state)
{
    STATE(state);

    if (!st)
        return;
    km__adobe_auth_free(st);
    km__adobe_hooks_free(st);
    cJSON_Delete(st->orders);
    cJSON_Delete(st->invoices);
    cJSON_Delete(st->companies);
    cJSON_Delete(st->customers);
    cJSON_Delete(st->products);
    cJSON_Delete(st->hook_log);
    cJSON_Delete(st->subscribed);
    cJSON_Delete(st->config);
    free(st->tenant_id);
    free(st->base_url);
    free(st->webhook_signing);
    free(st->webhook_secret);
    free(st);
}

cJSON *km__adobe_snapshot(void *state)
{
    STATE(state);
    cJSON *o = cJSON_CreateObject();
    const char *pem;

    cJSON_AddStringToObject(o, "deployment",
                            st->deployment == KM__ADOBE_SAAS ? "saas" : "paas");
    cJSON_AddItemToObject(o, "orders", km__storefront_public_list(st->orders));
    cJSON_AddItemToObject(o, "invoices",
                          km__storefront_public_list(st->invoices));
    cJSON_AddItemToObject(o, "companies",
                          km__storefront_public_list(st->companies));
    cJSON_AddItemToObject(o, "customers",
                          km__storefront_public_list(st->customers));
    cJSON_AddItemToObject(o, "products",
                          km__storefront_public_list(st->products));
    cJSON_AddItemToObject(o, "webhook_calls", cJSON_Duplicate(st->hook_log, 1));
    cJSON_AddNumberToObject(o, "tokens_issued", (double)st->ntokens);
    if ((pem = km__adobe_webhook_public_pem(st)))
        cJSON_AddStringToObject(o, "webhook_public_key", pem);
    return o;
}
