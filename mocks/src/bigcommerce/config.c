/*
 * State of the BigCommerce emulator: configuration, fixtures, JSON and
 * date helpers, and the snapshot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include "bigcommerce_emu.h"

/* BigCommerce's documented retry delays after a failed delivery. */
static const int64_t bc_default_retry_s[] = {
    60, 180, 300, 600, 900, 1800, 3600, 7200, 21600, 50400, 86400};

char *km__bigcommerce_xstrdup(const char *s)
{
    char *p = strdup(s ? s : "");

    if (!p)
        abort();
    return p;
}

/* ---- dates ------------------------------------------------------------ */

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}

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

void km__bigcommerce_iso(char out[32], int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
}

static int parse_iso(int64_t *ms, const char *s)
{
    int y, mo, d, h = 0, mi = 0, se = 0, n = 0, oh = 0, om = 0;
    const char *z;

    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
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
    *ms = (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se -
           oh * 3600 - om * 60) *
          1000;
    return 0;
}

int km__bigcommerce_parse_date(int64_t *ms, const char *s)
{
    time_t t;
    char *end;
    long long v;

    if (!s || !*s)
        return -1;
    if (parse_iso(ms, s) == 0)
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

const char *km__bigcommerce_str(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

    return cJSON_IsString(v) ? v->valuestring : "";
}

double km__bigcommerce_num(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

    if (cJSON_IsNumber(v))
        return v->valuedouble;
    if (cJSON_IsString(v))
        return strtod(v->valuestring, NULL);
    return 0;
}

int64_t km__bigcommerce_id(const cJSON *obj)
{
    return (int64_t)km__bigcommerce_num(obj, "id");
}

cJSON *km__bigcommerce_find(const cJSON *arr, int64_t id)
{
    cJSON *it;

    cJSON_ArrayForEach(it, arr)
    {
        if (km__bigcommerce_id(it) == id)
            return it;
    }
    return NULL;
}

void km__bigcommerce_set(cJSON *obj, const char *name, cJSON *value)
{
    if (!value)
        abort();
    if (cJSON_GetObjectItemCaseSensitive(obj, name))
        cJSON_ReplaceItemInObjectCaseSensitive(obj, name, value);
    else
        cJSON_AddItemToObject(obj, name, value);
}

cJSON *km__bigcommerce_public(const cJSON *obj)
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

static int bad(char *err, size_t errsz, const char *key)
{
    snprintf(err, errsz, "bigcommerce: unknown or invalid key \"%s\"", key);
    return -1;
}

static int apply_rate_limit(struct km__bigcommerce_state *st, const cJSON *o,
                            char *err, size_t errsz)
{
    const cJSON *it;

    cJSON_ArrayForEach(it, o)
    {
        if (strcmp(it->string, "quota") == 0 && cJSON_IsNumber(it) &&
            it->valueint > 0)
            st->quota = it->valueint;
        else if (strcmp(it->string, "window_ms") == 0 && cJSON_IsNumber(it) &&
                 it->valuedouble > 0)
            st->window_ms = (int64_t)it->valuedouble;
        else
            return bad(err, errsz, it->string);
    }
    return 0;
}

static int apply_webhook(struct km__bigcommerce_state *st, const cJSON *o,
                         char *err, size_t errsz)
{
    const cJSON *it, *d;

    cJSON_ArrayForEach(it, o)
    {
        const char *k = it->string;

        if (strcmp(k, "retry_schedule_s") == 0 && cJSON_IsArray(it)) {
            size_t n = 0;

            free(st->retry_s);
            st->retry_s = calloc((size_t)cJSON_GetArraySize(it) + 1,
                                 sizeof(*st->retry_s));
            if (!st->retry_s)
                abort();
            cJSON_ArrayForEach(d, it)
            {
                if (!cJSON_IsNumber(d) || d->valuedouble < 0)
                    return bad(err, errsz, k);
                st->retry_s[n++] = (int64_t)d->valuedouble;
            }
            st->nretry = n;
        } else if (strcmp(k, "inactivity_days") == 0 && cJSON_IsNumber(it)) {
            st->inactivity_days = it->valueint;
        } else if (strcmp(k, "sign_standard") == 0 && cJSON_IsBool(it)) {
            st->sign_standard = cJSON_IsTrue(it);
        } else if (strcmp(k, "sign_x_bc_signature") == 0 && cJSON_IsBool(it)) {
            st->sign_x_bc = cJSON_IsTrue(it);
        } else if (strcmp(k, "timeout_ms") == 0 && cJSON_IsNumber(it) &&
                   it->valuedouble > 0) {
            st->timeout_ms = (long)it->valuedouble;
        } else {
            return bad(err, errsz, k);
        }
    }
    return 0;
}

static int apply_scalar(struct km__bigcommerce_state *st, const cJSON *it,
                        char *err, size_t errsz)
{
    const char *k = it->string;
    const cJSON *t;

    if (strcmp(k, "store_hash") == 0 && cJSON_IsString(it) &&
        *it->valuestring && !strchr(it->valuestring, '/')) {
        free(st->store_hash);
        st->store_hash = km__bigcommerce_xstrdup(it->valuestring);
    } else if (strcmp(k, "store_id") == 0 &&
               (cJSON_IsString(it) || cJSON_IsNumber(it))) {
        char num[32];

        snprintf(num, sizeof(num), "%.0f", it->valuedouble);
        free(st->store_id);
        st->store_id =
            km__bigcommerce_xstrdup(cJSON_IsString(it) ? it->valuestring : num);
    } else if (strcmp(k, "client_id") == 0 && cJSON_IsString(it)) {
        free(st->client_id);
        st->client_id = km__bigcommerce_xstrdup(it->valuestring);
    } else if (strcmp(k, "client_secret") == 0 && cJSON_IsString(it)) {
        free(st->client_secret);
        st->client_secret = km__bigcommerce_xstrdup(it->valuestring);
    } else if (strcmp(k, "access_tokens") == 0 && cJSON_IsArray(it)) {
        cJSON_ArrayForEach(t, it)
        {
            if (!cJSON_IsString(t) || !*t->valuestring)
                return bad(err, errsz, k);
            st->tokens =
                realloc(st->tokens, (st->ntokens + 1) * sizeof(char *));
            if (!st->tokens)
                abort();
            st->tokens[st->ntokens++] = km__bigcommerce_xstrdup(t->valuestring);
        }
    } else if (strcmp(k, "rate_limit") == 0 && cJSON_IsObject(it)) {
        return apply_rate_limit(st, it, err, errsz);
    } else if (strcmp(k, "webhook") == 0 && cJSON_IsObject(it)) {
        return apply_webhook(st, it, err, errsz);
    } else if (strcmp(k, "empty_list_204") == 0 && cJSON_IsBool(it)) {
        st->empty_list_204 = cJSON_IsTrue(it);
    } else if (strcmp(k, "limit_over_max_status") == 0 && cJSON_IsNumber(it)) {
        st->over_limit_status = it->valueint;
    } else if (strcmp(k, "require_https_destination") == 0 &&
               cJSON_IsBool(it)) {
        st->require_https = cJSON_IsTrue(it);
    } else if (strcmp(k, "faults") == 0 || strcmp(k, "products") == 0 ||
               strcmp(k, "customers") == 0 || strcmp(k, "orders") == 0 ||
               strcmp(k, "hooks") == 0 || strcmp(k, "generate") == 0) {
        return 0;
    } else {
        return bad(err, errsz, k);
    }
    return 0;
}

static int load(struct km__bigcommerce_state *st, const cJSON *list,
                const char *what, char *err, size_t errsz)
{
    const cJSON *it;
    int64_t now = ks_clock_now_ms(st->clock);
    char why[256] = "";

    if (!list)
        return 0;
    if (!cJSON_IsArray(list)) {
        snprintf(err, errsz, "bigcommerce: %s must be an array", what);
        return -1;
    }
    cJSON_ArrayForEach(it, list)
    {
        int ok, status = 0;

        if (!cJSON_IsObject(it)) {
            snprintf(err, errsz, "bigcommerce: %s[] must be objects", what);
            return -1;
        }
        if (strcmp(what, "products") == 0) {
            cJSON *errors = NULL;

            ok = km__bigcommerce_product_create(st, it, now, &status, why,
                                                sizeof(why), &errors) != NULL;
            cJSON_Delete(errors);
        } else if (strcmp(what, "customers") == 0) {
            ok = km__bigcommerce_customer_store(st, it, now, why,
                                                sizeof(why)) != NULL;
        } else if (strcmp(what, "orders") == 0) {
            ok = km__bigcommerce_order_store(st, it, now, why, sizeof(why)) !=
                 NULL;
        } else {
            ok = km__bigcommerce_hook_store(st, it, now, &status, why,
                                            sizeof(why)) != NULL;
        }
        if (!ok) {
            snprintf(err, errsz, "bigcommerce: %s[]: %s", what, why);
            return -1;
        }
    }
    return 0;
}

static int apply(struct km__bigcommerce_state *st, const cJSON *config,
                 char *err, size_t errsz)
{
    const cJSON *it, *g;

    cJSON_ArrayForEach(it, config)
    {
        if (apply_scalar(st, it, err, errsz) != 0)
            return -1;
    }
    if (load(st, cJSON_GetObjectItemCaseSensitive(config, "products"),
             "products", err, errsz))
        return -1;
    g = cJSON_GetObjectItemCaseSensitive(config, "generate");
    if (g) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(g, "products");
        const cJSON *seed = cJSON_GetObjectItemCaseSensitive(g, "seed");

        if (!cJSON_IsObject(g) || !cJSON_IsNumber(n) || n->valueint < 0)
            return bad(err, errsz, "generate");
        km__bigcommerce_generate(
            st, n->valueint,
            cJSON_IsNumber(seed) ? (uint64_t)seed->valuedouble : 1);
    }
    if (load(st, cJSON_GetObjectItemCaseSensitive(config, "customers"),
             "customers", err, errsz) ||
        load(st, cJSON_GetObjectItemCaseSensitive(config, "orders"), "orders",
             err, errsz) ||
        load(st, cJSON_GetObjectItemCaseSensitive(config, "hooks"), "hooks",
             err, errsz))
        return -1;
    return 0;
}

int km__bigcommerce_state_new(void **state, const cJSON *config,
                              struct ks_clock *clock, char *err, size_t errsz)
{
    struct km__bigcommerce_state *st = calloc(1, sizeof(*st));

    *state = NULL;
    if (!st)
        abort();
    st->clock = clock;
    st->store_hash = km__bigcommerce_xstrdup("abc123");
    st->store_id = km__bigcommerce_xstrdup("1000001");
    st->client_id = km__bigcommerce_xstrdup("kinsync-emulator-client");
    st->quota = 150;
    st->window_ms = 30000;
    st->nretry = sizeof(bc_default_retry_s) / sizeof(bc_default_retry_s[0]);
    st->retry_s = malloc(sizeof(bc_default_retry_s));
    if (!st->retry_s)
        abort();
    memcpy(st->retry_s, bc_default_retry_s, sizeof(bc_default_retry_s));
    st->inactivity_days = 90;
    st->sign_standard = 1;
    st->timeout_ms = 5000;
    st->empty_list_204 = 1;
    st->over_limit_status = 413;
    st->customers = cJSON_CreateArray();
    st->orders = cJSON_CreateArray();
    st->hooks = cJSON_CreateArray();
    st->deliveries = cJSON_CreateArray();
    st->next_product_id = 100;
    st->next_variant_id = 1000;
    st->next_sku_id = 1;
    st->next_customer_id = 1;
    st->next_order_id = 100;
    st->next_hook_id = 20000001;
    st->next_line_id = 1;
    st->rng = 0xb16c0;
    if (config && !cJSON_IsObject(config)) {
        snprintf(err, errsz, "bigcommerce: configuration must be an object");
        km__bigcommerce_state_free(st);
        return -1;
    }
    if (config && apply(st, config, err, errsz) != 0) {
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
    for (size_t i = 0; i < st->ntokens; i++)
        free(st->tokens[i]);
    free(st->tokens);
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

cJSON *km__bigcommerce_snapshot(void *state)
{
    struct km__bigcommerce_state *st = state;
    cJSON *snap = cJSON_CreateObject(), *arr = cJSON_CreateArray();
    cJSON *rl = cJSON_CreateObject();
    const cJSON *it;
    int64_t now = ks_clock_now_ms(st->clock);
    int live = st->window_start_ms && now < st->window_start_ms + st->window_ms;

    cJSON_AddStringToObject(snap, "store_hash", st->store_hash);
    cJSON_AddStringToObject(snap, "store_id", st->store_id);
    for (size_t i = 0; i < st->nproducts; i++)
        cJSON_AddItemToArray(arr,
                             km__bigcommerce_product_json(st->products[i], 1));
    cJSON_AddItemToObject(snap, "products", arr);
    arr = cJSON_CreateArray();
    cJSON_ArrayForEach(it, st->customers)
    {
        cJSON_AddItemToArray(arr, km__bigcommerce_public(it));
    }
    cJSON_AddItemToObject(snap, "customers", arr);
    arr = cJSON_CreateArray();
    cJSON_ArrayForEach(it, st->orders)
    {
        cJSON *o = km__bigcommerce_order_json(st, it);

        km__bigcommerce_set(
            o, "products",
            cJSON_Duplicate(cJSON_GetObjectItem(it, "_products"), 1));
        km__bigcommerce_set(
            o, "shipping_addresses",
            cJSON_Duplicate(cJSON_GetObjectItem(it, "_shipping_addresses"), 1));
        cJSON_AddItemToArray(arr, o);
    }
    cJSON_AddItemToObject(snap, "orders", arr);
    arr = cJSON_CreateArray();
    cJSON_ArrayForEach(it, st->hooks)
    {
        cJSON *h = km__bigcommerce_public(it);

        cJSON_AddNumberToObject(h, "last_active_ms",
                                km__bigcommerce_num(it, "_last_active_ms"));
        if (*km__bigcommerce_str(it, "_deactivated"))
            cJSON_AddStringToObject(h, "deactivated",
                                    km__bigcommerce_str(it, "_deactivated"));
        cJSON_AddItemToArray(arr, h);
    }
    cJSON_AddItemToObject(snap, "hooks", arr);
    cJSON_AddItemToObject(snap, "deliveries",
                          cJSON_Duplicate(st->deliveries, 1));
    cJSON_AddNumberToObject(snap, "pending_deliveries", (double)st->nqueue);
    cJSON_AddNumberToObject(rl, "quota", st->quota);
    cJSON_AddNumberToObject(rl, "window_ms", (double)st->window_ms);
    cJSON_AddNumberToObject(rl, "used", live ? st->used : 0);
    cJSON_AddNumberToObject(rl, "left",
                            live ? st->quota - st->used : st->quota);
    cJSON_AddItemToObject(snap, "rate_limit", rl);
    return snap;
}
