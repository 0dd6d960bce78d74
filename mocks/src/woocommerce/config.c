/*
 * State of the WooCommerce emulator: configuration, fixtures, seeded
 * generation, JSON helpers and the snapshot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "woocommerce_emu.h"
#include "common/crypto.h"

/* ---- dates ----------------------------------------------------------- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}

void km__woocommerce_iso(char out[20], int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 20, "%Y-%m-%dT%H:%M:%S", &tm);
}

int km__woocommerce_parse_iso(int64_t *ms, const char *s)
{
    int y, mo, d, h = 0, mi = 0, se = 0, n = 0, oh = 0, om = 0;
    const char *z;
    int64_t secs;

    if (!s || sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
        return -1;
    z = s + n;
    if (*z == 'T' || *z == ' ') {
        if (sscanf(z + 1, "%2d:%2d:%2d%n", &h, &mi, &se, &n) != 3)
            return -1;
        z += 1 + n;
        if (*z == '.')
            for (z++; *z >= '0' && *z <= '9'; z++)
                ;
    }
    if (*z == '+' || *z == '-') {
        if (sscanf(z + 1, "%2d:%2d", &oh, &om) != 2)
            return -1;
        if (*z == '-') {
            oh = -oh;
            om = -om;
        }
        z += 6;
    } else if (*z == 'Z') {
        z++;
    }
    if (*z || mo < 1 || mo > 12 || d < 1 || d > 31)
        return -1;
    secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se -
           oh * 3600 - om * 60;
    *ms = secs * 1000;
    return 0;
}

void km__woocommerce_set_dates(cJSON *obj, int64_t now_ms, int created)
{
    char iso[20];

    km__woocommerce_iso(iso, now_ms);
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

    if (km__woocommerce_parse_iso(&a, since) != 0)
        return -1;
    if (km__woocommerce_parse_iso(
            &b, km__woocommerce_str(obj, "date_modified_gmt")) != 0)
        return 0;
    return b > a;
}

/* ---- JSON helpers ---------------------------------------------------- */

cJSON *km__woocommerce_public(const cJSON *obj)
{
    cJSON *copy = cJSON_Duplicate(obj, 1), *it, *next;

    if (!copy)
        abort();
    for (it = copy->child; it; it = next) {
        next = it->next;
        if (it->string && it->string[0] == '_')
            cJSON_Delete(cJSON_DetachItemViaPointer(copy, it));
    }
    return copy;
}

int64_t km__woocommerce_id(const cJSON *obj)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(obj, "id");

    return cJSON_IsNumber(id) ? (int64_t)id->valuedouble : 0;
}

cJSON *km__woocommerce_find(const cJSON *arr, int64_t id)
{
    cJSON *it;

    cJSON_ArrayForEach(it, arr)
    {
        if (km__woocommerce_id(it) == id)
            return it;
    }
    return NULL;
}

const char *km__woocommerce_str(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

    return cJSON_IsString(v) ? v->valuestring : "";
}

double km__woocommerce_num(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

    if (cJSON_IsNumber(v))
        return v->valuedouble;
    if (cJSON_IsString(v))
        return strtod(v->valuestring, NULL);
    return 0;
}

void km__woocommerce_set(cJSON *obj, const char *name, cJSON *value)
{
    if (!value)
        abort();
    if (cJSON_GetObjectItemCaseSensitive(obj, name))
        cJSON_ReplaceItemInObjectCaseSensitive(obj, name, value);
    else
        cJSON_AddItemToObject(obj, name, value);
}

void km__woocommerce_set_str(cJSON *obj, const char *name, const char *value)
{
    km__woocommerce_set(obj, name, cJSON_CreateString(value ? value : ""));
}

void km__woocommerce_set_num(cJSON *obj, const char *name, double value)
{
    km__woocommerce_set(obj, name, cJSON_CreateNumber(value));
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
        if (!skipped)
            km__woocommerce_set(obj, it->string, cJSON_Duplicate(it, 1));
    }
}

int km__woocommerce_arg_true(const struct km_request *req, const char *name)
{
    const char *v = km_request_arg(req, name);

    return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* ---- configuration --------------------------------------------------- */

static int key_new(struct km__woocommerce_state *st, const cJSON *k, char *err,
                   size_t errsz)
{
    const cJSON *it;
    const char *ck = NULL, *cs = NULL, *perm = "read_write";
    struct km__woocommerce_key *key;

    cJSON_ArrayForEach(it, k)
    {
        if (strcmp(it->string, "consumer_key") == 0 && cJSON_IsString(it))
            ck = it->valuestring;
        else if (strcmp(it->string, "consumer_secret") == 0 &&
                 cJSON_IsString(it))
            cs = it->valuestring;
        else if (strcmp(it->string, "permissions") == 0 && cJSON_IsString(it))
            perm = it->valuestring;
        else if (strcmp(it->string, "description") != 0) {
            snprintf(err, errsz, "woocommerce: keys[]: unknown key \"%s\"",
                     it->string);
            return -1;
        }
    }
    if (!ck || !cs) {
        snprintf(err, errsz,
                 "woocommerce: keys[] needs consumer_key and consumer_secret");
        return -1;
    }
    if (strcmp(perm, "read") && strcmp(perm, "write") &&
        strcmp(perm, "read_write")) {
        snprintf(err, errsz,
                 "woocommerce: keys[].permissions \"%s\" is not "
                 "read, write or read_write",
                 perm);
        return -1;
    }
    st->keys = realloc(st->keys, (st->nkeys + 1) * sizeof(*st->keys));
    if (!st->keys)
        abort();
    key = &st->keys[st->nkeys++];
    memset(key, 0, sizeof(*key));
    key->ck = strdup(ck);
    key->cs = strdup(cs);
    key->can_read = strcmp(perm, "write") != 0;
    key->can_write = strcmp(perm, "read") != 0;
    if (st->server) {
        km_server_add_secret(st->server, cs);
    }
    return 0;
}

static int load_list(struct km__woocommerce_state *st, const cJSON *list,
                     const char *what, char *err, size_t errsz)
{
    const cJSON *it;
    struct km__woocommerce_err e;
    int64_t now = ks_clock_now_ms(st->clock);

    if (!cJSON_IsArray(list)) {
        snprintf(err, errsz, "woocommerce: %s must be an array", what);
        return -1;
    }
    cJSON_ArrayForEach(it, list)
    {
        cJSON *made = NULL;

        if (!cJSON_IsObject(it)) {
            snprintf(err, errsz, "woocommerce: %s[] must be objects", what);
            return -1;
        }
        if (strcmp(what, "products") == 0)
            made = km__woocommerce_product_store(st, 0, it, now, &e);
        else if (strcmp(what, "customers") == 0)
            made = km__woocommerce_customer_store(st, it, now, &e);
        else if (strcmp(what, "orders") == 0)
            made = km__woocommerce_order_store(st, it, now, 0, &e);
        else
            made = km__woocommerce_webhook_store(st, it, now, &e);
        if (!made) {
            snprintf(err, errsz, "woocommerce: %s[]: %s", what, e.message);
            return -1;
        }
    }
    return 0;
}

static void generate(struct km__woocommerce_state *st, const cJSON *g)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(g, "products");
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(g, "seed");
    uint64_t rng = cJSON_IsNumber(seed) ? (uint64_t)seed->valuedouble : 1;
    int64_t now = ks_clock_now_ms(st->clock);
    int count = cJSON_IsNumber(n) ? n->valueint : 0;
    struct km__woocommerce_err e;

    for (int i = 1; i <= count && i <= 100000; i++) {
        cJSON *p = cJSON_CreateObject();
        char buf[64];

        snprintf(buf, sizeof(buf), "Generated product %d", i);
        cJSON_AddStringToObject(p, "name", buf);
        snprintf(buf, sizeof(buf), "GEN-%05d", i);
        cJSON_AddStringToObject(p, "sku", buf);
        km__woocommerce_money(buf,
                              1.0 + (double)km__rng_below(&rng, 50000) / 100.0);
        cJSON_AddStringToObject(p, "regular_price", buf);
        cJSON_AddTrueToObject(p, "manage_stock");
        cJSON_AddNumberToObject(p, "stock_quantity",
                                (double)km__rng_below(&rng, 200));
        km__woocommerce_product_store(st, 0, p, now, &e);
        cJSON_Delete(p);
    }
}

static int config_bool(const cJSON *v, int *out)
{
    if (!cJSON_IsBool(v))
        return -1;
    *out = cJSON_IsTrue(v);
    return 0;
}

static int apply(struct km__woocommerce_state *st, const cJSON *config,
                 char *err, size_t errsz)
{
    const cJSON *it;

    /* Scalars first: the fixtures depend on batch limits and the like. */
    cJSON_ArrayForEach(it, config)
    {
        const char *k = it->string;

        if (strcmp(k, "site_url") == 0 && cJSON_IsString(it)) {
            size_t n = strlen(it->valuestring);

            st->site_url = malloc(n + 2);
            if (!st->site_url)
                abort();
            snprintf(st->site_url, n + 2, "%s%s", it->valuestring,
                     n && it->valuestring[n - 1] == '/' ? "" : "/");
        } else if (strcmp(k, "https") == 0) {
            if (config_bool(it, &st->https))
                goto bad;
        } else if (strcmp(k, "max_delivery_failures") == 0 &&
                   cJSON_IsNumber(it)) {
            st->max_failures = it->valueint;
        } else if (strcmp(k, "batch_limit") == 0 && cJSON_IsNumber(it)) {
            st->batch_limit = it->valueint;
        } else if (strcmp(k, "delivery_timeout_ms") == 0 &&
                   cJSON_IsNumber(it)) {
            st->delivery_timeout_ms = (long)it->valuedouble;
        } else if (strcmp(k, "oauth_base_string") == 0 && cJSON_IsString(it)) {
            if (strcmp(it->valuestring, "woocommerce") == 0)
                st->oauth_rfc5849 = 0;
            else if (strcmp(it->valuestring, "rfc5849") == 0)
                st->oauth_rfc5849 = 1;
            else
                goto bad;
        } else if (strcmp(k, "keys") == 0 && cJSON_IsArray(it)) {
            const cJSON *k2;

            cJSON_ArrayForEach(k2, it)
            {
                if (key_new(st, k2, err, errsz) != 0)
                    return -1;
            }
        } else if (strcmp(k, "faults") == 0 || strcmp(k, "products") == 0 ||
                   strcmp(k, "customers") == 0 || strcmp(k, "orders") == 0 ||
                   strcmp(k, "webhooks") == 0 || strcmp(k, "generate") == 0) {
            continue;
        } else {
            goto bad;
        }
        continue;
    bad:
        snprintf(err, errsz, "woocommerce: unknown or invalid key \"%s\"", k);
        return -1;
    }
    it = cJSON_GetObjectItemCaseSensitive(config, "products");
    if (it && load_list(st, it, "products", err, errsz))
        return -1;
    it = cJSON_GetObjectItemCaseSensitive(config, "generate");
    if (it)
        generate(st, it);
    it = cJSON_GetObjectItemCaseSensitive(config, "customers");
    if (it && load_list(st, it, "customers", err, errsz))
        return -1;
    it = cJSON_GetObjectItemCaseSensitive(config, "orders");
    if (it && load_list(st, it, "orders", err, errsz))
        return -1;
    it = cJSON_GetObjectItemCaseSensitive(config, "webhooks");
    if (it && load_list(st, it, "webhooks", err, errsz))
        return -1;
    return 0;
}

int km__woocommerce_state_new(void **state, const cJSON *config,
                              struct ks_clock *clock, char *err, size_t errsz)
{
    struct km__woocommerce_state *st = calloc(1, sizeof(*st));

    *state = NULL;
    if (!st)
        abort();
    st->clock = clock;
    st->https = 1;
    st->max_failures = 5;
    st->batch_limit = 100;
    st->delivery_timeout_ms = 5000;
    st->products = cJSON_CreateArray();
    st->variations = cJSON_CreateArray();
    st->customers = cJSON_CreateArray();
    st->orders = cJSON_CreateArray();
    st->refunds = cJSON_CreateArray();
    st->webhooks = cJSON_CreateArray();
    st->deliveries = cJSON_CreateArray();
    st->next_post_id = 100;
    st->next_customer_id = 1;
    st->next_webhook_id = 1;
    st->next_item_id = 1;
    st->rng = 0x5eed;
    if (config && !cJSON_IsObject(config)) {
        snprintf(err, errsz, "woocommerce: configuration must be an object");
        km__woocommerce_state_free(st);
        return -1;
    }
    if (config && apply(st, config, err, errsz) != 0) {
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
        cJSON_AddItemToArray(out, km__woocommerce_public(it));
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
        cJSON *r = km__woocommerce_public(it);

        cJSON_AddNumberToObject(r, "order_id",
                                km__woocommerce_num(it, "_order_id"));
        cJSON_AddItemToArray(refunds, r);
    }
    cJSON_AddItemToObject(snap, "refunds", refunds);
    cJSON_ArrayForEach(it, st->webhooks)
    {
        cJSON *h = km__woocommerce_public(it);

        cJSON_AddNumberToObject(h, "failure_count",
                                km__woocommerce_num(it, "_failure_count"));
        cJSON_AddItemToArray(hooks, h);
    }
    cJSON_AddItemToObject(snap, "webhooks", hooks);
    cJSON_AddItemToObject(snap, "deliveries",
                          cJSON_Duplicate(st->deliveries, 1));
    cJSON_AddNumberToObject(snap, "pending_deliveries", (double)st->nqueue);
    return snap;
}
