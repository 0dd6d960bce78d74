/*
 * The WooCommerce handle: options, URLs, authentication of each request
 * and the mapping of WooCommerce's error body onto the client's error.
 */
#include <string.h>
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
    wc->site_url = ks__http_root_dup(opts->site_url);
    wc->consumer_key = ks__strdup(opts->consumer_key);
    if (!wc->site_url || !wc->consumer_key)
        goto out;
    rc = ks__seen_init(&wc->seen, opts->webhook_seen_max);
    if (!rc)
        rc = ks__secret_register(&wc->consumer_secret, client,
                                 opts->consumer_secret);
    if (!rc)
        rc = ks__secret_register(&wc->webhook_secret, client,
                                 opts->webhook_secret);
    if (rc)
        goto out;
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
    const char *key_pairs[] = {"consumer_key", wc->consumer_key,
                               "consumer_secret", wc->consumer_secret->value,
                               NULL};
    char *base;
    ks_rc rc;

    *out = NULL;
    if (strncmp(path, "http://", 7) == 0 || strncmp(path, "https://", 8) == 0)
        base = ks__strdup(path); /* a Link URL taken as it is */
    else
        base = ks__aprintf("%s/wp-json/wc/v3/%s", wc->site_url, path);
    if (!base)
        return KS_ENOMEM;
    rc = ks__http_url_build(
        out, wc->client, "woocommerce", path, base, query,
        with_auth && wc->auth == KS_WOOCOMMERCE_AUTH_QUERY ? key_pairs : NULL);
    ks__free(base);
    return rc;
}

ks_rc ks__wc_oauth_header(char **out, const char *consumer_key,
                          const char *consumer_secret, const char *method,
                          const char *url, int64_t timestamp, const char *nonce)
{
    const struct ks__oauth1_creds creds = {consumer_key, consumer_secret, NULL,
                                           NULL};

    return ks__oauth1_header(out, &creds, KS__SHA256, method, url, timestamp,
                             nonce);
}

struct auth_ctx {
    struct ks_woocommerce *wc;
    const char *method;
    const char *url;
};

static ks_rc auth_apply(void *userdata, struct curl_slist **headers,
                        int refresh)
{
    struct auth_ctx *ctx = userdata;
    struct ks_woocommerce *wc = ctx->wc;
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
        return ks__http_header_take(headers, line);
    case KS_WOOCOMMERCE_AUTH_OAUTH1:
        /* A fresh nonce and timestamp per attempt: WooCommerce refuses a
         * nonce it saw in the last 15 minutes, retries included. */
        rc = ks__oauth1_nonce(nonce);
        if (rc)
            return rc;
        rc = ks__wc_oauth_header(
            &line, wc->consumer_key, wc->consumer_secret->value, ctx->method,
            ctx->url, ks_clock_now_ms(ks_client_clock(wc->client)) / 1000,
            nonce);
        if (rc)
            return rc;
        return ks__http_header_take(headers, line);
    case KS_WOOCOMMERCE_AUTH_QUERY:
    default:
        return KS_OK; /* already in the URL */
    }
}

/* Replaces the generic HTTP failure text with WooCommerce's own
 * {"code","message","data":{"status"}} when the body has it. */
static void remote_error(struct ks_client *client, const cJSON *json)
{
    const cJSON *code, *message;
    char text[400];

    code = cJSON_GetObjectItemCaseSensitive(json, "code");
    message = cJSON_GetObjectItemCaseSensitive(json, "message");
    if (cJSON_IsString(code) && cJSON_IsString(message)) {
        snprintf(text, sizeof(text), "woocommerce: %s: %s", code->valuestring,
                 message->valuestring);
        ks__http_set_remote_message(client, text, NULL);
    }
}

ks_rc ks__wc_send(struct ks__http_reply *reply, struct ks_woocommerce *wc,
                  const char *method, const char *url, const char *body,
                  size_t body_len)
{
    struct auth_ctx ctx = {wc, method, url};
    struct ks__http_auth auth = {auth_apply, &ctx};
    /* idempotent -1: decided by the method */
    const struct ks__http_request req = {method,   url,   NULL, body,
                                         body_len, &auth, -1};

    return ks__http_send_mapped(reply, wc->client, &req, remote_error);
}

ks_rc ks_woocommerce_request(cJSON **out, struct ks_woocommerce *wc,
                             const char *method, const char *path,
                             const char *const *query, const cJSON *body)
{
    struct auth_ctx ctx = {wc, method, NULL};
    struct ks__http_auth auth = {auth_apply, &ctx};
    struct ks__http_json_request req = {
        "woocommerce", method, path, NULL, body, &auth, -1, 0, remote_error};
    char *url = NULL;
    ks_rc rc;

    if (out)
        *out = NULL;
    rc = ks__wc_url(&url, wc, path, query, 1);
    if (rc)
        return rc;
    ctx.url = url;
    req.url = url;
    rc = ks__http_json(out, wc->client, &req);
    ks__free(url);
    return rc;
}
