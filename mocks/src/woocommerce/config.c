/*
 * State of the WooCommerce emulator: configuration, fixtures, seeded
 * generation, JSON helpers and the snapshot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include <kx/time.h>
#include "woocommerce_emu.h"

/* ---- dates ----------------------------------------------------------- */

void km__woocommerce_set_dates(cJSON *obj, int64_t now_ms, int created)
{
    char iso[KX_ISO8601_MAX];

    kx_iso8601_format(iso, now_ms, 0); /* the site's zone, UTC */
    if (created || !cJSON_GetObjectItemCaseSensitive(obj, "date_created")) {
        km__woocommerce_set_str(obj, "date_created", iso);
        km__woocommerce_set_str(obj, "date_created_gmt", iso);
    }
    km__woocommerce_set_str(obj, "date_modified", iso);
    km__woocommerce_set_str(obj, "date_modified_gmt", iso);
}

int km__woocommerce_modified_after(const cJSON *obj, const char *since)
{
    int64_t a, b;

    if (kx_iso8601_parse(&a, since, KX_ISO8601_DATE_OK) != 0)
        return -1;
    if (kx_iso8601_parse(&b, kx_json_str_or(obj, "date_modified_gmt", ""),
                         KX_ISO8601_DATE_OK) != 0)
        return 0;
    return b > a;
}

/* ---- JSON helpers ---------------------------------------------------- */

int64_t km__woocommerce_id(const cJSON *obj)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(obj, "id");

    return cJSON_IsNumber(id) ? (int64_t)id->valuedouble : 0;
}

void km__woocommerce_set_str(cJSON *obj, const char *name, const char *value)
{
    km__storefront_set(obj, name, cJSON_CreateString(value ? value : ""));
}

void km__woocommerce_set_num(cJSON *obj, const char *name, double value)
{
    km__storefront_set(obj, name, cJSON_CreateNumber(value));
}

void km__woocommerce_money(char out[32], double v)
{
    snprintf(out, 32, "%.2f", v);
}

void km__woocommerce_merge(cJSON *obj, const cJSON *body,
                           const char *const *skip)
{
    const cJSON *it;

    cJSON_ArrayForEach(it, body)
    {
        int skipped = !it->string || it->string[0] == '_';

        for (size_t i = 0; skip && skip[i] && !skipped; i++)
            skipped = strcmp(skip[i], it->string) == 0;
        if (skipped)
            continue;
        /* An object member (billing, shipping, dimensions) is updated
         * field by field, as WooCommerce sets each prop it is sent. */
        if (cJSON_IsObject(it) &&
            cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(obj, it->string)))
            km__woocommerce_merge(
                cJSON_GetObjectItemCaseSensitive(obj, it->string), it, NULL);
        else
            km__storefront_set(obj, it->string, cJSON_Duplicate(it, 1));
    }
}

int km__woocommerce_arg_true(const struct km_request *req, const char *name)
{
    const char *v = km_request_arg(req, name);

    return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* ---- configuration --------------------------------------------------- */

/* Setters of the declared keys (kinmock/config.h). */

#define STATE(v) struct km__woocommerce_state *st = (v)

/* The largest "generate" count. */
#define GENERATE_MAX 100000

static int set_site_url(void *state, const cJSON *v, char *err, size_t errsz)
{
    STATE(state);
    size_t n = strlen(v->valuestring);

    (void)err;
    (void)errsz;
    free(st->site_url);
    st->site_url = kx_xasprintf("%s%s", v->valuestring,
                                n && v->valuestring[n - 1] == '/' ? "" : "/");
    return 0;
}

/* WordPress's REST server answers a route it knows, asked with a method
 * none of its handlers takes, like an unknown route: 404 rest_no_route.
 * 405 with Allow is offered for clients that want the HTTP answer. */
static int set_wrong_method_status(void *state, const cJSON *v, char *err,
                                   size_t errsz)
{
    STATE(state);

    if (v->valuedouble != 404 && v->valuedouble != 405) {
        snprintf(err, errsz, "must be 404 or 405");
        return -1;
    }
    st->wrong_method_status = (int)v->valuedouble;
    return 0;
}

/* A count from min to 1000000 into *out. */
static int count(int *out, const cJSON *v, int min, char *err, size_t errsz)
{
    if (v->valuedouble < min || v->valuedouble > 1000000) {
        snprintf(err, errsz, "must be an integer from %d to 1000000", min);
        return -1;
    }
    *out = (int)v->valuedouble;
    return 0;
}

static int set_max_failures(void *state, const cJSON *v, char *err,
                            size_t errsz)
{
    STATE(state);

    return count(&st->max_failures, v, 0, err, errsz);
}

static int set_batch_limit(void *state, const cJSON *v, char *err, size_t errsz)
{
    STATE(state);

    return count(&st->batch_limit, v, 1, err, errsz);
}

static int set_delivery_timeout(void *state, const cJSON *v, char *err,
                                size_t errsz)
{
    STATE(state);
    int ms;

    if (count(&ms, v, 1, err, errsz))
        return -1;
    st->delivery_timeout_ms = ms;
    return 0;
}

/* One REST API key; the applier has checked its members' names and
 * types. */
static int key_new(struct km__woocommerce_state *st, const cJSON *k,
                   size_t index, char *err, size_t errsz)
{
    const char *ck = kx_json_str(k, "consumer_key");
    const char *cs = kx_json_str(k, "consumer_secret");
    const char *perm = kx_json_str(k, "permissions");
    struct km__woocommerce_key *key;

    if (!ck || !cs) {
        snprintf(err, errsz, "item %zu needs consumer_key and consumer_secret",
                 index);
        return -1;
    }
    if (!perm)
        perm = "read_write";
    if (strcmp(perm, "read") && strcmp(perm, "write") &&
        strcmp(perm, "read_write")) {
        snprintf(err, errsz,
                 "item %zu: permissions \"%s\" is not read, write or "
                 "read_write",
                 index, perm);
        return -1;
    }
    st->keys = kx_xrealloc(st->keys, (st->nkeys + 1) * sizeof(*st->keys));
    key = &st->keys[st->nkeys++];
    memset(key, 0, sizeof(*key));
    key->ck = kx_xstrdup(ck);
    key->cs = kx_xstrdup(cs);
    key->can_read = strcmp(perm, "write") != 0;
    key->can_write = strcmp(perm, "read") != 0;
    if (st->server)
        km_server_add_secret(st->server, cs);
    return 0;
}

static int set_keys(void *state, const cJSON *v, char *err, size_t errsz)
{
    const cJSON *k;
    size_t i = 0;

    cJSON_ArrayForEach(k, v)
    {
        if (key_new(state, k, i++, err, errsz))
            return -1;
    }
    return 0;
}

/* Fixture items, stored as the REST API would (common/storefront.h). */

static int stored(const cJSON *made, const struct km__woocommerce_err *e,
                  char *why, size_t whysz)
{
    if (made)
        return 0;
    snprintf(why, whysz, "%s", e->message);
    return -1;
}

static int store_product(void *state, const cJSON *item, int64_t now, char *why,
                         size_t whysz)
{
    struct km__woocommerce_err e;

    return stored(km__woocommerce_product_store(state, 0, item, now, &e), &e,
                  why, whysz);
}

static int store_customer(void *state, const cJSON *item, int64_t now,
                          char *why, size_t whysz)
{
    struct km__woocommerce_err e;

    return stored(km__woocommerce_customer_store(state, item, now, &e), &e, why,
                  whysz);
}

static int store_order(void *state, const cJSON *item, int64_t now, char *why,
                       size_t whysz)
{
    struct km__woocommerce_err e;

    return stored(km__woocommerce_order_store(state, item, now, 0, &e), &e, why,
                  whysz);
}

static int store_webhook(void *state, const cJSON *item, int64_t now, char *why,
                         size_t whysz)
{
    struct km__woocommerce_err e;

    return stored(km__woocommerce_webhook_store(state, item, now, &e), &e, why,
                  whysz);
}

KM__STOREFRONT_FIXTURES(set_products, struct km__woocommerce_state,
                        store_product)
KM__STOREFRONT_FIXTURES(set_customers, struct km__woocommerce_state,
                        store_customer)
KM__STOREFRONT_FIXTURES(set_orders, struct km__woocommerce_state, store_order)
KM__STOREFRONT_FIXTURES(set_webhooks, struct km__woocommerce_state,
                        store_webhook)

/* {"products": N, "seed": S}: N seeded simple products GEN-00001... */
static int set_generate(void *state, const cJSON *v, char *err, size_t errsz)
{
    STATE(state);
    struct km__storefront_generate g;
    int64_t now = ks_clock_now_ms(st->clock);
    struct km__woocommerce_err e;

    if (km__storefront_generate_read(&g, v, GENERATE_MAX, err, errsz))
        return -1;
    for (int i = 1; i <= g.products; i++) {
        cJSON *p = cJSON_CreateObject();
        struct km__storefront_product gen;
        char price[32];

        km__storefront_product(&gen, i, 5, 0, &g.seed);
        cJSON_AddStringToObject(p, "name", gen.name);
        cJSON_AddStringToObject(p, "sku", gen.sku);
        km__woocommerce_money(price, gen.price);
        cJSON_AddStringToObject(p, "regular_price", price);
        cJSON_AddTrueToObject(p, "manage_stock");
        cJSON_AddNumberToObject(p, "stock_quantity", (double)gen.stock);
        km__woocommerce_product_store(st, 0, p, now, &e);
        cJSON_Delete(p);
    }
    return 0;
}

static const struct km_config_key key_members[] = {
    {KM_CONFIG_KEY("consumer_key", KM_CONFIG_STRING, NULL,
                   "The key's consumer key (ck_...; required).", NULL)},
    {KM_CONFIG_KEY("consumer_secret", KM_CONFIG_STRING, NULL,
                   "The key's consumer secret (cs_...; required).", NULL)},
    {KM_CONFIG_KEY("permissions", KM_CONFIG_STRING, "\"read_write\"",
                   "What the key may do: read, write or read_write.", NULL),
     .schema = "{\"enum\": [\"read\", \"write\", \"read_write\"]}"},
    {KM_CONFIG_KEY("description", KM_CONFIG_STRING, NULL,
                   "A note for readers, as in WooCommerce's key list.", NULL)},
};

static const struct km_config_key generate_members[] = {
    KM__STOREFRONT_GENERATE_KEYS(
        "Number of simple products GEN-00001... (required).", GENERATE_MAX),
};

/* In the order they are applied: settings and keys before the data. */
const struct km_config_key km__woocommerce_config_keys[] = {
    {KM_CONFIG_KEY("site_url", KM_CONFIG_STRING, NULL,
                   "The home URL (a '/' is added): X-WC-Webhook-Source, "
                   "Link and Location headers, and the URL of OAuth base "
                   "strings; default the server's URL.",
                   set_site_url)},
    {KM_CONFIG_KEY("https", KM_CONFIG_BOOLEAN, "true",
                   "Requests count as arriving over TLS (is_ssl()), real "
                   "TLS (serve --tls) or not: Basic and query-string keys "
                   "are accepted; false accepts only OAuth 1.0a, as "
                   "WooCommerce on plain HTTP.",
                   km_config_set_flag),
     KM_CONFIG_FIELD(struct km__woocommerce_state, https)},
    {KM_CONFIG_KEY("wrong_method_status", KM_CONFIG_INTEGER, "404",
                   "The answer to a known route asked with a method it does "
                   "not take: 404 rest_no_route, as WordPress's REST server "
                   "does, or 405 rest_no_route with Allow.",
                   set_wrong_method_status),
     .schema = "{\"enum\": [404, 405]}"},
    {KM_CONFIG_KEY("max_delivery_failures", KM_CONFIG_INTEGER, "5",
                   "Failed deliveries a webhook survives before it is "
                   "disabled (the woocommerce_max_webhook_delivery_failures "
                   "filter).",
                   set_max_failures),
     .schema = "{\"minimum\": 0, \"maximum\": 1000000}"},
    {KM_CONFIG_KEY("batch_limit", KM_CONFIG_INTEGER, "100",
                   "Items per batch request, create, update and delete "
                   "together.",
                   set_batch_limit),
     .schema = "{\"minimum\": 1, \"maximum\": 1000000}"},
    {KM_CONFIG_KEY("delivery_timeout_ms", KM_CONFIG_INTEGER, "5000",
                   "Real-time bound of one webhook POST in milliseconds "
                   "(WooCommerce waits 60 s).",
                   set_delivery_timeout),
     .schema = "{\"minimum\": 1, \"maximum\": 1000000}"},
    {KM_CONFIG_KEY(
         "allow_private_webhook_destinations", KM_CONFIG_BOOLEAN, "false",
         "Deliver webhooks to private addresses (10/8, 172.16/12, "
         "192.168/16, 100.64/10, fc00::/7) too; loopback and public ones "
         "always, link-local and cloud metadata addresses never.",
         km_config_set_flag),
     KM_CONFIG_FIELD(struct km__woocommerce_state, webhook_allow_private)},
    {KM_CONFIG_KEY("keys", KM_CONFIG_ARRAY, NULL,
                   "REST API keys; without any, every request gets 401.",
                   set_keys),
     KM_CONFIG_MEMBERS(key_members)},
    {KM_CONFIG_KEY("products", KM_CONFIG_ARRAY, NULL,
                   "Products as REST bodies; variable products may nest "
                   "their variation objects.",
                   set_products)},
    {KM_CONFIG_KEY("generate", KM_CONFIG_OBJECT, NULL,
                   "Seeded generated simple products GEN-00001...",
                   set_generate),
     KM_CONFIG_MEMBERS(generate_members)},
    {KM_CONFIG_KEY("customers", KM_CONFIG_ARRAY, NULL,
                   "Customers as REST bodies.", set_customers)},
    {KM_CONFIG_KEY("orders", KM_CONFIG_ARRAY, NULL,
                   "Orders as REST bodies; they may carry refunds, and line "
                   "items may name a product by sku.",
                   set_orders)},
    {KM_CONFIG_KEY("webhooks", KM_CONFIG_ARRAY, NULL,
                   "Webhooks as REST bodies (a fixture webhook sends no "
                   "ping).",
                   set_webhooks)},
};
_Static_assert(sizeof(km__woocommerce_config_keys) /
                       sizeof(km__woocommerce_config_keys[0]) ==
                   KM__WOOCOMMERCE_NCONFIG,
               "KM__WOOCOMMERCE_NCONFIG is the length of the table");

int km__woocommerce_state_new(void **state, const cJSON *config,
                              struct ks_clock *clock, char *err, size_t errsz)
{
    struct km__woocommerce_state *st = kx_xcalloc(1, sizeof(*st));

    *state = NULL;
    st->clock = clock;
    st->products = cJSON_CreateArray();
    st->variations = cJSON_CreateArray();
    st->customers = cJSON_CreateArray();
    st->orders = cJSON_CreateArray();
    st->refunds = cJSON_CreateArray();
    st->notes = cJSON_CreateArray();
    st->categories = cJSON_CreateArray();
    st->webhooks = cJSON_CreateArray();
    st->deliveries = cJSON_CreateArray();
    st->next_post_id = 100;
    st->next_customer_id = 1;
    st->next_webhook_id = 1;
    st->next_item_id = 1;
    st->next_note_id = 1;
    st->next_term_id = 15; /* [I] after WordPress's own first terms */
    st->rng = 0x5eed;
    if (km_config_apply(st, &km_woocommerce_type, config, "", err, errsz)) {
        km__woocommerce_state_free(st);
        return -1;
    }
    /* Fixture hooks must not ping: only a REST create does. */
    km__woocommerce_queue_free(st);
    *state = st;
    return 0;
}

void km__woocommerce_state_free(void *state)
{
    struct km__woocommerce_state *st = state;

    if (!st)
        return;
    km__woocommerce_queue_free(st);
    km__storefront_texts_free(&st->texts);
    free(st->order_rows);
    for (size_t i = 0; i < st->nkeys; i++) {
        for (size_t j = 0; j < st->keys[i].nnonces; j++)
            free(st->keys[i].nonces[j].nonce);
        free(st->keys[i].nonces);
        free(st->keys[i].ck);
        free(st->keys[i].cs);
    }
    free(st->keys);
    cJSON_Delete(st->products);
    cJSON_Delete(st->variations);
    cJSON_Delete(st->customers);
    cJSON_Delete(st->orders);
    cJSON_Delete(st->refunds);
    cJSON_Delete(st->notes);
    cJSON_Delete(st->categories);
    cJSON_Delete(st->webhooks);
    cJSON_Delete(st->deliveries);
    free(st->site_url);
    free(st);
}

static cJSON *public_list(const cJSON *arr)
{
    cJSON *out = cJSON_CreateArray();
    const cJSON *it;

    cJSON_ArrayForEach(it, arr)
    {
        cJSON_AddItemToArray(out, km__storefront_public(it));
    }
    return out;
}

cJSON *km__woocommerce_snapshot(void *state)
{
    struct km__woocommerce_state *st = state;
    cJSON *snap = cJSON_CreateObject(), *orders = cJSON_CreateArray();
    cJSON *hooks = cJSON_CreateArray(), *refunds = cJSON_CreateArray();
    const cJSON *it;

    cJSON_AddItemToObject(snap, "products", public_list(st->products));
    cJSON_AddItemToObject(snap, "variations", public_list(st->variations));
    cJSON_AddItemToObject(snap, "customers", public_list(st->customers));
    cJSON_ArrayForEach(it, st->orders)
    {
        cJSON_AddItemToArray(orders, km__woocommerce_order_public(st, it));
    }
    cJSON_AddItemToObject(snap, "orders", orders);
    cJSON_ArrayForEach(it, st->refunds)
    {
        cJSON *r = km__storefront_public(it);

        cJSON_AddNumberToObject(r, "order_id",
                                kx_json_numeric(it, "_order_id", 0));
        cJSON_AddItemToArray(refunds, r);
    }
    cJSON_AddItemToObject(snap, "refunds", refunds);
    refunds = cJSON_AddArrayToObject(snap, "notes");
    cJSON_ArrayForEach(it, st->notes)
    {
        cJSON *n = km__storefront_public(it);

        cJSON_AddNumberToObject(n, "order_id",
                                kx_json_numeric(it, "_order_id", 0));
        cJSON_AddItemToArray(refunds, n);
    }
    refunds = cJSON_AddArrayToObject(snap, "categories");
    cJSON_ArrayForEach(it, st->categories)
    {
        cJSON_AddItemToArray(refunds, km__woocommerce_public(st, it));
    }
    cJSON_ArrayForEach(it, st->webhooks)
    {
        cJSON *h = km__storefront_public(it);

        cJSON_AddNumberToObject(h, "failure_count",
                                kx_json_numeric(it, "_failure_count", 0));
        cJSON_AddItemToArray(hooks, h);
    }
    cJSON_AddItemToObject(snap, "webhooks", hooks);
    cJSON_AddItemToObject(snap, "deliveries",
                          cJSON_Duplicate(st->deliveries, 1));
    cJSON_AddNumberToObject(snap, "pending_deliveries", (double)st->nqueue);
    return snap;
}
