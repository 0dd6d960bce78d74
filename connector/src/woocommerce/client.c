/*
 * The WooCommerce handle: options, URLs, authentication of each request
 * and the mapping of WooCommerce's error body onto the client's error.
 */
#include <string.h>
#include <openssl/rand.h>
#include <cjson/cJSON.h>
#include "woocommerce_int.h"

int ks_woocommerce_auth_from_name(enum ks_woocommerce_auth *out,
                                  const char *name)
{
    if (!name)
        return -1;
    if (strcmp(name, "basic") == 0)
        *out = KS_WOOCOMMERCE_AUTH_BASIC;
    else if (strcmp(name, "query") == 0)
        *out = KS_WOOCOMMERCE_AUTH_QUERY;
    else if (strcmp(name, "oauth1") == 0)
        *out = KS_WOOCOMMERCE_AUTH_OAUTH1;
    else
        return -1;
    return 0;
}

ks_rc ks_woocommerce_new(struct ks_woocommerce **out, struct ks_client *client,
                         const struct ks_woocommerce_options *opts)
{
    struct ks_woocommerce *wc = NULL;
    size_t n;
    ks_rc rc = KS_ENOMEM;

    *out = NULL;
    if (!client || !opts || !opts->site_url || !*opts->site_url ||
        !opts->consumer_key || !*opts->consumer_key || !opts->consumer_secret ||
        !*opts->consumer_secret) {
        if (client)
            ks__error_set(ks__client_error(client), KS_EINVAL, 0,
                          "woocommerce: site_url, consumer_key and "
                          "consumer_secret are required");
        return KS_EINVAL;
    }
    wc = ks__calloc(1, sizeof(*wc));
    if (!wc)
        goto out;
    wc->client = client;
    wc->auth = opts->auth;
    /* WooCommerce refuses per_page outside 1..100 with a 400; clamping
     * here means the client can never send such a value. */
    wc->per_page = opts->per_page;
    if (wc->per_page < 1)
        wc->per_page = 1;
    if (wc->per_page > KS__WC_PER_PAGE_MAX)
        wc->per_page = KS__WC_PER_PAGE_MAX;
    wc->batch_limit =
        opts->batch_limit > 0 ? opts->batch_limit : KS__WC_BATCH_LIMIT;
    wc->reenable_disabled_hooks = opts->reenable_disabled_hooks;
    wc->webhook_max_body =
        opts->webhook_max_body ? opts->webhook_max_body : (size_t)1 << 20;
    wc->site_url = ks__strdup(opts->site_url);
    wc->consumer_key = ks__strdup(opts->consumer_key);
    if (!wc->site_url || !wc->consumer_key)
        goto out;
    n = strlen(wc->site_url);
    while (n > 0 && wc->site_url[n - 1] == '/')
        wc->site_url[--n] = '\0';
    rc = ks__secret_new(&wc->consumer_secret, opts->consumer_secret);
    if (rc)
        goto out;
    if (opts->webhook_secret && *opts->webhook_secret) {
        rc = ks__secret_new(&wc->webhook_secret, opts->webhook_secret);
        if (rc)
            goto out;
    }
    rc = ks__seen_init(&wc->seen, opts->webhook_seen_max);
    if (rc)
        goto out;
    rc = ks_client_add_secret(client, opts->consumer_secret);
    if (rc)
        goto out;
    if (opts->webhook_secret && *opts->webhook_secret) {
        rc = ks_client_add_secret(client, opts->webhook_secret);
        if (rc)
            goto out;
    }
    *out = wc;
    wc = NULL;
out:
    ks_woocommerce_free(wc);
    return rc;
}

void ks_woocommerce_free(struct ks_woocommerce *wc)
{
    if (!wc)
        return;
    ks__seen_dispose(&wc->seen);
    ks__secret_free(wc->consumer_secret);
    ks__secret_free(wc->webhook_secret);
    ks__free(wc->consumer_key);
    ks__free(wc->site_url);
    ks__free(wc);
}

ks_rc ks__wc_url(char **out, struct ks_woocommerce *wc, const char *path,
                 const char *const *query, int with_auth)
{
    CURLU *u = curl_url();
    char *base = NULL, *curl_out = NULL;
    ks_rc rc = KS_ENOMEM;

    *out = NULL;
    if (!u)
        goto out;
    if (strncmp(path, "http://", 7) == 0 || strncmp(path, "https://", 8) == 0)
        base = ks__strdup(path); /* a Link URL taken as it is */
    else
        base = ks__aprintf("%s/wp-json/wc/v3/%s", wc->site_url, path);
    if (!base)
        goto out;
    if (curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK) {
        rc = ks__error_set(ks__client_error(wc->client), KS_EINVAL, 0,
                           "woocommerce: bad URL for %s", path);
        goto out;
    }
    rc = KS_OK;
    for (size_t i = 0; query && query[i] && query[i + 1] && !rc; i += 2)
        rc = ks__http_url_add_query(u, query[i], query[i + 1]);
    if (!rc && with_auth && wc->auth == KS_WOOCOMMERCE_AUTH_QUERY) {
        rc = ks__http_url_add_query(u, "consumer_key", wc->consumer_key);
        if (!rc)
            rc = ks__http_url_add_query(u, "consumer_secret",
                                        wc->consumer_secret->value);
    }
    if (rc)
        goto out;
    if (curl_url_get(u, CURLUPART_URL, &curl_out, 0) != CURLUE_OK) {
        rc = KS_ENOMEM;
        goto out;
    }
    *out = ks__strdup(curl_out);
    rc = *out ? KS_OK : KS_ENOMEM;
out:
    curl_free(curl_out);
    ks__free(base);
    curl_url_cleanup(u);
    return rc;
}

struct auth_ctx {
    struct ks_woocommerce *wc;
    const char *method;
    const char *url;
};

static ks_rc add_header(struct curl_slist **headers, char *line)
{
    struct curl_slist *grown;

    if (!line)
        return KS_ENOMEM;
    grown = curl_slist_append(*headers, line);
    /* The line may hold a credential: wipe the copy we made. */
    memset(line, 0, strlen(line));
    ks__free(line);
    if (!grown)
        return KS_ENOMEM;
    *headers = grown;
    return KS_OK;
}

static ks_rc auth_apply(void *userdata, struct curl_slist **headers,
                        int refresh)
{
    struct auth_ctx *ctx = userdata;
    struct ks_woocommerce *wc = ctx->wc;
    unsigned char raw[16];
    char nonce[33];
    char *pair, *b64, *line = NULL;
    ks_rc rc;

    (void)refresh; /* API keys do not expire: a 401 is final */
    switch (wc->auth) {
    case KS_WOOCOMMERCE_AUTH_BASIC:
        pair =
            ks__aprintf("%s:%s", wc->consumer_key, wc->consumer_secret->value);
        if (!pair)
            return KS_ENOMEM;
        b64 = ks__base64_encode(pair, strlen(pair));
        memset(pair, 0, strlen(pair));
        ks__free(pair);
        if (!b64)
            return KS_ENOMEM;
        line = ks__aprintf("Authorization: Basic %s", b64);
        memset(b64, 0, strlen(b64));
        ks__free(b64);
        return add_header(headers, line);
    case KS_WOOCOMMERCE_AUTH_OAUTH1:
        /* A fresh nonce and timestamp per attempt: WooCommerce refuses a
         * nonce it saw in the last 15 minutes, retries included. */
        if (RAND_bytes(raw, sizeof(raw)) != 1)
            return KS_ERROR;
        ks__hex_encode(nonce, raw, sizeof(raw));
        rc = ks__wc_oauth_header(
            &line, wc->consumer_key, wc->consumer_secret->value, ctx->method,
            ctx->url, ks_clock_now_ms(ks_client_clock(wc->client)) / 1000,
            nonce);
        if (rc)
            return rc;
        return add_header(headers, line);
    case KS_WOOCOMMERCE_AUTH_QUERY:
    default:
        return KS_OK; /* already in the URL */
    }
}

/* Replaces the generic HTTP failure text with WooCommerce's own
 * {"code","message","data":{"status"}} when the body has it. */
static void set_remote_error(struct ks_woocommerce *wc,
                             const struct ks__http_reply *reply)
{
    cJSON *json;
    const cJSON *code, *message;
    char text[400];

    if (!reply->body || !reply->len)
        return;
    json = cJSON_ParseWithLength(reply->body, reply->len);
    if (!json)
        return;
    code = cJSON_GetObjectItemCaseSensitive(json, "code");
    message = cJSON_GetObjectItemCaseSensitive(json, "message");
    if (cJSON_IsString(code) && cJSON_IsString(message)) {
        snprintf(text, sizeof(text), "woocommerce: %s: %s", code->valuestring,
                 message->valuestring);
        ks__http_set_remote_message(wc->client, text, NULL);
    }
    cJSON_Delete(json);
}

ks_rc ks__wc_send(struct ks__http_reply *reply, struct ks_woocommerce *wc,
                  const char *method, const char *url, const char *body,
                  size_t body_len)
{
    struct auth_ctx ctx = {wc, method, url};
    struct ks__http_auth auth = {auth_apply, &ctx};
    struct ks__http_request req = KS__HTTP_REQUEST_INIT;
    struct curl_slist *headers = NULL, *grown;
    ks_rc rc;

    grown = curl_slist_append(NULL, "Accept: application/json");
    if (!grown)
        return KS_ENOMEM;
    headers = grown;
    if (body) {
        grown = curl_slist_append(headers, "Content-Type: application/json");
        if (!grown) {
            curl_slist_free_all(headers);
            return KS_ENOMEM;
        }
        headers = grown;
    }
    req.method = method;
    req.url = url;
    req.headers = headers;
    req.body = body;
    req.body_len = body_len;
    req.auth = &auth;
    rc = ks__http_send(reply, wc->client, &req);
    if (rc && rc != KS_ENOMEM)
        set_remote_error(wc, reply);
    curl_slist_free_all(headers);
    return rc;
}

ks_rc ks_woocommerce_request(cJSON **out, struct ks_woocommerce *wc,
                             const char *method, const char *path,
                             const char *const *query, const cJSON *body)
{
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    char *url = NULL, *text = NULL;
    cJSON *json = NULL;
    ks_rc rc;

    if (out)
        *out = NULL;
    rc = ks__wc_url(&url, wc, path, query, 1);
    if (rc)
        goto out;
    if (body) {
        text = cJSON_PrintUnformatted(body);
        if (!text) {
            rc = KS_ENOMEM;
            goto out;
        }
    }
    rc = ks__wc_send(&reply, wc, method, url, text, text ? strlen(text) : 0);
    if (rc || !out)
        goto out;
    json = cJSON_ParseWithLength(reply.body ? reply.body : "", reply.len);
    if (!json) {
        rc =
            ks__error_set(ks__client_error(wc->client), KS_EPARSE, reply.status,
                          "woocommerce: %s %s: reply is not "
                          "JSON",
                          method, path);
        goto out;
    }
    *out = json;
out:
    if (text)
        cJSON_free(text);
    ks__free(url);
    ks__http_reply_dispose(&reply);
    return rc;
}
