/*
 * State of the BigCommerce emulator: configuration, fixtures, JSON and
 * date helpers (the snapshot is in snapshot.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include <kx/time.h>
#include "bigcommerce_emu.h"

char *km__bigcommerce_xstrdup(const char *s)
{
    return kx_xstrdup(s ? s : "");
}

/* ---- dates ------------------------------------------------------------ */

void km__bigcommerce_rfc2822(char out[40], int64_t ms)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed",
                                       "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
                                         "May", "Jun", "Jul", "Aug",
                                         "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    gmtime_r(&t, &tm);
    snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday],
             tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
}

int km__bigcommerce_parse_date(int64_t *ms, const char *s)
{
    time_t t;
    char *end;
    long long v;

    if (!s || !*s)
        return -1;
    if (kx_iso8601_parse(ms, s, KX_ISO8601_DATE_OK) == 0)
        return 0;
    v = strtoll(s, &end, 10);
    if (!*end) {
        *ms = (int64_t)v * 1000;
        return 0;
    }
    t = curl_getdate(s, NULL);
    if (t == -1)
        return -1;
    *ms = (int64_t)t * 1000;
    return 0;
}

/* ---- JSON helpers ------------------------------------------------------ */

void km__bigcommerce_money(char out[32], double v)
{
    snprintf(out, 32, "%.4f", v);
}

void km__bigcommerce_set_money(cJSON *o, const char *name, double v)
{
    char m[32];

    km__bigcommerce_money(m, v);
    km__storefront_set(o, name, cJSON_CreateString(m));
}

cJSON *km__bigcommerce_v2_body(struct km__bigcommerce_call *c)
{
    cJSON *body = km_request_json(c->req);

    if (cJSON_IsObject(body))
        return body;
    cJSON_Delete(body);
    km__bigcommerce_v2_error(c->res, 400,
                             "The request body is not valid JSON.");
    return NULL;
}

int64_t km__bigcommerce_id(const cJSON *obj)
{
    return (int64_t)kx_json_numeric(obj, "id", 0);
}

size_t km__bigcommerce_id_list(int64_t *out, size_t max, const char *s)
{
    size_t n = 0;

    while (s && *s && n < max) {
        char *end;
        long long v = strtoll(s, &end, 10);

        if (end != s)
            out[n++] = v;
        s = strchr(end, ',');
        if (s)
            s++;
    }
    return n;
}

int km__bigcommerce_in_list(const char *list, const char *needle)
{
    size_t n = strlen(needle);

    while (list && *list) {
        const char *comma = strchr(list, ',');
        size_t len = comma ? (size_t)(comma - list) : strlen(list);

        if (len == n && strncmp(list, needle, n) == 0)
            return 1;
        list = comma ? comma + 1 : NULL;
    }
    return 0;
}

/* ---- configuration ----------------------------------------------------- */

/* Setters of the declared keys (kinmock/config.h): each gets a value of
 * its declared type and rejects what the platform would not accept. */

static void replace_str(char **dst, const char *value)
{
    free(*dst);
    *dst = kx_xstrdup(value);
}

#define STATE(v) struct km__bigcommerce_state *st = (v)
#define FIELD(member) KM_CONFIG_FIELD(struct km__bigcommerce_state, member)

/* The largest "generate" count. */
#define GENERATE_MAX 1000000

static int set_store_hash(void *state, const cJSON *v, char *err, size_t errsz)
{
    STATE(state);

    if (!*v->valuestring || strchr(v->valuestring, '/')) {
        snprintf(err, errsz, "must be a non-empty string without '/'");
        return -1;
    }
    replace_str(&st->store_hash, v->valuestring);
    return 0;
}

static int set_store_id(void *state, const cJSON *v, char *err, size_t errsz)
{
    STATE(state);
    char num[32];

    (void)err;
    (void)errsz;
    snprintf(num, sizeof(num), "%.0f", v->valuedouble);
    replace_str(&st->store_id, cJSON_IsString(v) ? v->valuestring : num);
    return 0;
}

static int set_access_tokens(void *state, const cJSON *v, char *err,
                             size_t errsz)
{
    STATE(state);
    const cJSON *t;

    cJSON_ArrayForEach(t, v)
    {
        if (!cJSON_IsString(t) || !*t->valuestring) {
            snprintf(err, errsz, "must hold non-empty strings");
            return -1;
        }
    }
    cJSON_ArrayForEach(t, v)
    {
        st->tokens =
            kx_xrealloc(st->tokens, (st->ntokens + 1) * sizeof(*st->tokens));
        st->tokens[st->ntokens++] = kx_xstrdup(t->valuestring);
    }
    return 0;
}

static int set_token_scopes(void *state, const cJSON *v, char *err,
                            size_t errsz)
{
    STATE(state);
    const cJSON *t, *s;

    cJSON_ArrayForEach(t, v)
    {
        const cJSON *scopes = cJSON_GetObjectItemCaseSensitive(t, "scopes");

        if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(t, "token")) ||
            !cJSON_IsArray(scopes)) {
            snprintf(err, errsz, "items need \"token\" and \"scopes\"");
            return -1;
        }
        cJSON_ArrayForEach(s, scopes)
        {
            if (!cJSON_IsString(s)) {
                snprintf(err, errsz, "scopes must be strings");
                return -1;
            }
        }
    }
    cJSON_Delete(st->token_scopes);
    st->token_scopes = cJSON_Duplicate(v, 1);
    return 0;
}

static int positive(const cJSON *v, char *err, size_t errsz)
{
    if (v->valuedouble > 0 && v->valuedouble <= 2147483647.0)
        return 0;
    snprintf(err, errsz, "must be a positive integer");
    return -1;
}

static int set_quota(void *state, const cJSON *v, char *err, size_t errsz)
{
    STATE(state);

    if (positive(v, err, errsz))
        return -1;
    st->quota = (int)v->valuedouble;
    return 0;
}

static int set_window_ms(void *state, const cJSON *v, char *err, size_t errsz)
{
    STATE(state);

    if (positive(v, err, errsz))
        return -1;
    st->window_ms = (int64_t)v->valuedouble;
    return 0;
}

static int set_retry_schedule(void *state, const cJSON *v, char *err,
                              size_t errsz)
{
    STATE(state);
    const cJSON *d;
    size_t n = 0;

    cJSON_ArrayForEach(d, v)
    {
        if (!cJSON_IsNumber(d) || d->valuedouble < 0) {
            snprintf(err, errsz, "must hold numbers of seconds >= 0");
            return -1;
        }
    }
    free(st->retry_s);
    st->retry_s =
        kx_xcalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(*st->retry_s));
    cJSON_ArrayForEach(d, v)
    {
        st->retry_s[n++] = (int64_t)d->valuedouble;
    }
    st->nretry = n;
    return 0;
}

static int set_inactivity_days(void *state, const cJSON *v, char *err,
                               size_t errsz)
{
    STATE(state);

    if (v->valuedouble < 0 || v->valuedouble > 100000) {
        snprintf(err, errsz, "must be a number of days from 0 to 100000");
        return -1;
    }
    st->inactivity_days = (int)v->valuedouble;
    return 0;
}

static int set_timeout_ms(void *state, const cJSON *v, char *err, size_t errsz)
{
    STATE(state);

    if (positive(v, err, errsz))
        return -1;
    st->timeout_ms = (long)v->valuedouble;
    return 0;
}

static int set_over_limit_status(void *state, const cJSON *v, char *err,
                                 size_t errsz)
{
    STATE(state);
    int status = (int)v->valuedouble;

    if (status != 0 && (status < 100 || status > 599)) {
        snprintf(err, errsz, "must be 0 or an HTTP status from 100 to 599");
        return -1;
    }
    st->over_limit_status = status;
    return 0;
}

/* Fixture items, stored as the REST API would (common/storefront.h). */

static int store_product(void *state, const cJSON *item, int64_t now, char *why,
                         size_t whysz)
{
    cJSON *errors = NULL;
    int status = 0;
    int ok = km__bigcommerce_product_create(state, item, now, &status, why,
                                            whysz, &errors) != NULL;

    cJSON_Delete(errors);
    return ok ? 0 : -1;
}

static int store_customer(void *state, const cJSON *item, int64_t now,
                          char *why, size_t whysz)
{
    return km__bigcommerce_customer_store(state, item, now, why, whysz) ? 0
                                                                        : -1;
}

static int store_order(void *state, const cJSON *item, int64_t now, char *why,
                       size_t whysz)
{
    return km__bigcommerce_order_store(state, item, now, why, whysz) ? 0 : -1;
}

static int store_hook(void *state, const cJSON *item, int64_t now, char *why,
                      size_t whysz)
{
    int status = 0;

    return km__bigcommerce_hook_store(state, item, now, &status, why, whysz)
               ? 0
               : -1;
}

KM__STOREFRONT_FIXTURES(set_products, struct km__bigcommerce_state,
                        store_product)
KM__STOREFRONT_FIXTURES(set_customers, struct km__bigcommerce_state,
                        store_customer)
KM__STOREFRONT_FIXTURES(set_orders, struct km__bigcommerce_state, store_order)
KM__STOREFRONT_FIXTURES(set_hooks, struct km__bigcommerce_state, store_hook)

static int set_generate(void *state, const cJSON *v, char *err, size_t errsz)
{
    struct km__storefront_generate g;

    if (km__storefront_generate_read(&g, v, GENERATE_MAX, err, errsz))
        return -1;
    km__bigcommerce_generate(state, g.products, g.seed);
    return 0;
}

static const struct km_config_key rate_limit_keys[] = {
    {KM_CONFIG_KEY(
         "quota", KM_CONFIG_INTEGER, "150",
         "Requests allowed per window and store (Standard/Plus plan).",
         set_quota),
     .schema = "{\"minimum\": 1}"},
    {KM_CONFIG_KEY("window_ms", KM_CONFIG_INTEGER, "30000",
                   "Length of the rate-limit window in milliseconds.",
                   set_window_ms),
     .schema = "{\"minimum\": 1}"},
};

static const struct km_config_key webhook_keys[] = {
    {KM_CONFIG_KEY(
         "retry_schedule_s", KM_CONFIG_ARRAY,
         "[60, 180, 300, 600, 900, 1800, 3600, 7200, 21600, 50400, 86400]",
         "Delays in seconds after each failed delivery; the hook gives up "
         "when they run out.",
         set_retry_schedule),
     .schema = "{\"items\": {\"type\": \"number\", \"minimum\": 0}}"},
    {KM_CONFIG_KEY("inactivity_days", KM_CONFIG_INTEGER, "90",
                   "Days without a successful delivery after which a hook is "
                   "deactivated; 0 never deactivates.",
                   set_inactivity_days),
     .schema = "{\"minimum\": 0, \"maximum\": 100000}"},
    {KM_CONFIG_KEY(
         "sign_standard", KM_CONFIG_BOOLEAN, "true",
         "Send the Standard Webhooks headers webhook-id, webhook-timestamp and "
         "webhook-signature (signed with client_secret).",
         km_config_set_flag),
     FIELD(sign_standard)},
    {KM_CONFIG_KEY(
         "sign_x_bc_signature", KM_CONFIG_BOOLEAN, "false",
         "Also send X-BC-Signature: base64(HMAC-SHA256(client_secret, body)); "
         "no vendor source documents it.",
         km_config_set_flag),
     FIELD(sign_x_bc)},
    {KM_CONFIG_KEY("timeout_ms", KM_CONFIG_INTEGER, "5000",
                   "Real-time bound of one delivery POST in milliseconds.",
                   set_timeout_ms),
     .schema = "{\"minimum\": 1}"},
    {KM_CONFIG_KEY("allow_private_destinations", KM_CONFIG_BOOLEAN, "false",
                   "Deliver to private addresses (10/8, 172.16/12, 192.168/16, "
                   "100.64/10, fc00::/7) too; loopback and public ones always, "
                   "link-local and cloud metadata addresses never.",
                   km_config_set_flag),
     FIELD(webhook_allow_private)},
};

static const struct km_config_key generate_keys[] = {
    KM__STOREFRONT_GENERATE_KEYS(
        "Number of products GEN-000001... to generate (required).",
        GENERATE_MAX),
};

/* In the order they are applied: settings before the data that uses
 * them, products before the orders that name them. */
const struct km_config_key km__bigcommerce_config_keys[] = {
    {KM_CONFIG_KEY(
         "store_hash", KM_CONFIG_STRING, "\"abc123\"",
         "The store hash: the path segment /stores/<hash>/ and the producer of "
         "webhook payloads.",
         set_store_hash),
     .schema = "{\"pattern\": \"^[^/]+$\"}"},
    {KM_CONFIG_KEY(
        "store_id", KM_CONFIG_STRING | KM_CONFIG_INTEGER, "\"1000001\"",
        "The store_id of webhook payloads (sent as a string).", set_store_id)},
    {KM_CONFIG_KEY("client_id", KM_CONFIG_STRING, "\"kinsync-emulator-client\"",
                   "The app's client id, echoed in hook objects.",
                   km_config_set_string),
     FIELD(client_id)},
    {KM_CONFIG_KEY(
         "client_secret", KM_CONFIG_STRING, NULL,
         "The app's client secret, the Standard Webhooks signing key; without "
         "it deliveries are unsigned.",
         km_config_set_string),
     FIELD(client_secret)},
    {KM_CONFIG_KEY(
         "access_tokens", KM_CONFIG_ARRAY, "[]",
         "Accepted X-Auth-Token values; none means every request gets 401.",
         set_access_tokens),
     .schema = "{\"items\": {\"type\": \"string\", \"minLength\": 1}}"},
    {KM_CONFIG_KEY(
         "token_scopes", KM_CONFIG_ARRAY, "[]",
         "OAuth scopes of access tokens, [{token, scopes}]; a token not listed "
         "has every scope. A request outside its token's scopes gets 403.",
         set_token_scopes),
     .schema =
         "{\"items\": {\"type\": \"object\", \"required\": "
         "[\"token\", \"scopes\"], \"additionalProperties\": false, "
         "\"properties\": {\"token\": {\"description\": \"An access "
         "token of access_tokens.\", \"type\": \"string\", "
         "\"minLength\": 1}, \"scopes\": {\"description\": \"Its "
         "scopes: store_v2_orders, store_v2_products, store_v2_customers, "
         "store_inventory, each also _read_only.\", \"type\": "
         "\"array\", \"items\": {\"type\": \"string\"}}}}}"},
    {KM_CONFIG_KEY("rate_limit", KM_CONFIG_OBJECT, NULL,
                   "The store's request quota, per window.", NULL),
     KM_CONFIG_MEMBERS(rate_limit_keys)},
    {KM_CONFIG_KEY(
         "webhook", KM_CONFIG_OBJECT, NULL,
         "How webhooks are delivered, retried, signed and deactivated.", NULL),
     KM_CONFIG_MEMBERS(webhook_keys)},
    {KM_CONFIG_KEY(
         "empty_list_204", KM_CONFIG_BOOLEAN, "true",
         "Answer an empty v2 list with 204 No Content (widely reported, not in "
         "the spec); false answers [].",
         km_config_set_flag),
     FIELD(empty_list_204)},
    {KM_CONFIG_KEY(
         "limit_over_max_status", KM_CONFIG_INTEGER, "413",
         "Status for a limit above 250 (the status-codes page says 413); 0 "
         "clamps the limit to 250 instead.",
         set_over_limit_status),
     .schema = "{\"minimum\": 0, \"maximum\": 599}"},
    {KM_CONFIG_KEY(
         "allow_http_loopback_destination", KM_CONFIG_BOOLEAN, "true",
         "Test option: also accept hook destinations http://<loopback>[:port] "
         "(the in-process receivers); false applies only the platform's rule, "
         "https on port 443.",
         km_config_set_flag),
     FIELD(allow_http_loopback)},
    {KM_CONFIG_KEY("products", KM_CONFIG_ARRAY, NULL,
                   "Products as v3 create bodies, variants nested.",
                   set_products)},
    {KM_CONFIG_KEY(
         "generate", KM_CONFIG_OBJECT, NULL,
         "Seeded generated products GEN-000001... (tracked by product, seeded "
         "price and stock).",
         set_generate),
     KM_CONFIG_MEMBERS(generate_keys)},
    {KM_CONFIG_KEY("customers", KM_CONFIG_ARRAY, NULL,
                   "Customers as v3 customer bodies.", set_customers)},
    {KM_CONFIG_KEY("orders", KM_CONFIG_ARRAY, NULL,
                   "Orders as for the place_order action.", set_orders)},
    {KM_CONFIG_KEY("hooks", KM_CONFIG_ARRAY, NULL,
                   "Webhooks as v3 hook bodies.", set_hooks)},
};
_Static_assert(sizeof(km__bigcommerce_config_keys) /
                       sizeof(km__bigcommerce_config_keys[0]) ==
                   KM__BIGCOMMERCE_NCONFIG,
               "KM__BIGCOMMERCE_NCONFIG is the length of the table");

int km__bigcommerce_state_new(void **state, const cJSON *config,
                              struct ks_clock *clock, char *err, size_t errsz)
{
    struct km__bigcommerce_state *st = kx_xcalloc(1, sizeof(*st));

    *state = NULL;
    st->clock = clock;
    st->customers = cJSON_CreateArray();
    st->orders = cJSON_CreateArray();
    st->hooks = cJSON_CreateArray();
    st->deliveries = cJSON_CreateArray();
    st->next_product_id = 100;
    st->next_variant_id = 1000;
    st->next_sku_id = 1;
    st->next_option_id = 100; /* [I]: the platform does not say */
    st->next_customer_id = 1;
    st->next_order_id = 100;
    st->next_hook_id = 20000001;
    st->next_line_id = 1;
    st->rng = 0xb16c0;
    if (km_config_apply(st, &km_bigcommerce_type, config, "", err, errsz)) {
        km__bigcommerce_state_free(st);
        return -1;
    }
    km__bigcommerce_queue_free(st); /* fixtures fire nothing */
    *state = st;
    return 0;
}

void km__bigcommerce_state_free(void *state)
{
    struct km__bigcommerce_state *st = state;

    if (!st)
        return;
    km__bigcommerce_queue_free(st);
    km__bigcommerce_catalog_free(st);
    km__storefront_texts_free(&st->texts);
    for (size_t i = 0; i < st->ntokens; i++)
        free(st->tokens[i]);
    free(st->tokens);
    cJSON_Delete(st->token_scopes);
    free(st->retry_s);
    free(st->store_hash);
    free(st->store_id);
    free(st->client_id);
    free(st->client_secret);
    cJSON_Delete(st->customers);
    cJSON_Delete(st->orders);
    cJSON_Delete(st->hooks);
    cJSON_Delete(st->deliveries);
    free(st);
}
