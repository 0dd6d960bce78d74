/*
 * Credentials of each request (storefronts.md §3.2): an OAuth 1.0a
 * integration signature (HMAC-SHA256 only, as Adobe accepts), an admin
 * token, or an IMS server-to-server token with its x-api-key and
 * x-gw-ims-org-id headers; and the Store header of SaaS.
 *
 * Tokens are cached on the client's clock and renewed margin_ms before
 * they expire. After a 401 a token is fetched anew only when the one
 * sent was not fetched for this very request: a token just issued cannot
 * be stale, so the 401 is about the credentials, and another token
 * request would only double the failed calls (as the Epicor client).
 */
#include <string.h>
#include <kx/json.h>
#include "http/oauth1.h"
#include "http/token.h"
#include "adobe_int.h"

static ks_rc oauth_header(struct ks__adobe_auth_ctx *ctx,
                          struct curl_slist **headers)
{
    struct ks_adobe *ad = ctx->ad;
    const struct ks__oauth1_creds creds = {
        ad->consumer_key, ad->consumer_secret->value, ad->access_token,
        ad->access_token_secret->value};
    char nonce[33], *line = NULL;
    ks_rc rc;

    /* A fresh nonce and the client's clock on every attempt, retries
     * included: Adobe refuses a nonce its consumer used before. */
    rc = ks__oauth1_nonce(nonce);
    if (!rc)
        rc = ks__oauth1_header(
            &line, &creds, KS__SHA256, ctx->method, ctx->url,
            ks_clock_now_ms(ks_client_clock(ad->client)) / 1000, nonce);
    if (rc)
        return rc;
    return ks__http_header_take(headers, line);
}

/* Keeps token as the handle's, valid life_s seconds from now. */
static ks_rc token_keep(struct ks_adobe *ad, const char *token, int64_t life_s)
{
    int64_t now = ks_clock_now_ms(ks_client_clock(ad->client));
    ks_rc rc;

    ks__secret_free(ad->token.value);
    ad->token.value = NULL;
    rc = ks__secret_new(&ad->token.value, token);
    if (rc)
        return rc;
    ad->token.obtained_ms = now;
    ad->token.expires_ms = now + life_s * 1000;
    ad->token.fresh = 1;
    ks__log(ad->client, KS_LOG_INFO, NULL, "adobe: new %s token, valid %lld s",
            ad->auth == KS_ADOBE_AUTH_IMS ? "IMS" : "admin", (long long)life_s);
    return KS_OK;
}

static ks_rc token_send(struct ks__http_reply *reply, struct ks_adobe *ad,
                        const char *url, const char *content_type,
                        const char *body)
{
    struct ks__http_request req = KS__HTTP_REQUEST_INIT;
    struct curl_slist *headers = NULL;
    ks_rc rc;

    ad->token_requests++;
    rc = ks__http_header_add(&headers, "Content-Type", content_type);
    if (!rc && ad->deployment == KS_ADOBE_SAAS)
        rc = ks__http_header_add(&headers, "Store", ad->store_code);
    if (!rc) {
        req.method = "POST";
        req.url = url;
        req.headers = headers;
        req.body = body;
        req.body_len = strlen(body);
        /* a token request changes nothing: safe to repeat */
        req.idempotent = 1;
        rc = ks__http_send(reply, ad->client, &req);
        if (rc && rc != KS_ENOMEM && reply->body && reply->len) {
            cJSON *json = cJSON_ParseWithLength(reply->body, reply->len);

            if (json)
                ks__adobe_remote_error(ad->client, json);
            cJSON_Delete(json);
        }
    }
    curl_slist_free_all(headers);
    return rc;
}

/* POST /V1/integration/admin/token {"username","password"}: the token
 * as a JSON string, valid 4 h by default (MGD). */
static ks_rc admin_fetch(struct ks_adobe *ad)
{
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    cJSON *body = cJSON_CreateObject(), *json = NULL;
    char *url = NULL, *text = NULL;
    ks_rc rc = KS_ENOMEM;

    if (!body || !cJSON_AddStringToObject(body, "username", ad->username) ||
        !cJSON_AddStringToObject(body, "password", ad->password->value))
        goto out;
    text = cJSON_PrintUnformatted(body);
    url = ks__aprintf("%s/integration/admin/token", ad->root);
    if (!text || !url)
        goto out;
    rc = token_send(&reply, ad, url, "application/json", text);
    if (rc)
        goto out;
    json = cJSON_ParseWithLength(reply.body ? reply.body : "", reply.len);
    if (!cJSON_IsString(json) || !*json->valuestring) {
        rc =
            ks__error_set(ks__client_error(ad->client), KS_EPARSE, reply.status,
                          "adobe: admin token reply is not a JSON string");
        goto out;
    }
    rc = token_keep(ad, json->valuestring, ad->admin_life_ms / 1000);
out:
    if (json && cJSON_IsString(json))
        memset(json->valuestring, 0, strlen(json->valuestring));
    cJSON_Delete(json);
    if (text) {
        memset(text, 0, strlen(text));
        cJSON_free(text);
    }
    if (body) { /* the password inside */
        cJSON *pw = cJSON_GetObjectItemCaseSensitive(body, "password");

        if (cJSON_IsString(pw))
            memset(pw->valuestring, 0, strlen(pw->valuestring));
    }
    cJSON_Delete(body);
    if (reply.body)
        memset(reply.body, 0, reply.len);
    ks__http_reply_dispose(&reply);
    ks__free(url);
    return rc;
}

/* IMS client credentials, form-encoded (MGD server-to-server.md):
 * access_token and expires_in (seconds). */
static ks_rc ims_fetch(struct ks_adobe *ad)
{
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    struct ks__buf form = KS__BUF_INIT;
    cJSON *json = NULL;
    const char *token;
    double life;
    ks_rc rc;

    ks__http_form_add(&form, "client_id", ad->client_id);
    ks__http_form_add(&form, "client_secret", ad->client_secret->value);
    ks__http_form_add(&form, "grant_type", "client_credentials");
    ks__http_form_add(&form, "scope", ad->scope);
    rc = form.oom ? KS_ENOMEM : KS_OK;
    if (!rc)
        rc = token_send(&reply, ad, ad->ims_token_url,
                        "application/x-www-form-urlencoded", form.data);
    if (rc)
        goto out;
    json = cJSON_ParseWithLength(reply.body ? reply.body : "", reply.len);
    token = kx_json_str(json, "access_token");
    life = kx_json_numeric(json, "expires_in", -1);
    if (!token || !*token || life <= 0) {
        rc =
            ks__error_set(ks__client_error(ad->client), KS_EPARSE, reply.status,
                          "adobe: IMS token reply lacks access_token or "
                          "expires_in");
        goto out;
    }
    rc = token_keep(ad, token, (int64_t)life);
out:
    if (json && (token = kx_json_str(json, "access_token")) != NULL)
        memset((char *)token, 0, strlen(token));
    cJSON_Delete(json);
    if (form.data)
        memset(form.data, 0, form.len);
    ks__buf_dispose(&form);
    if (reply.body)
        memset(reply.body, 0, reply.len);
    ks__http_reply_dispose(&reply);
    return rc;
}

static ks_rc bearer_headers(struct ks_adobe *ad, struct curl_slist **headers,
                            int refresh)
{
    int64_t now = ks_clock_now_ms(ks_client_clock(ad->client));
    char *value;
    ks_rc rc;

    if (!refresh)
        ad->token.fresh = 0;
    if ((refresh && !ad->token.fresh) ||
        ks__token_due(now, ad->token.obtained_ms, ad->token.expires_ms,
                      ad->margin_ms, ad->token.value != NULL)) {
        rc = ad->auth == KS_ADOBE_AUTH_IMS ? ims_fetch(ad) : admin_fetch(ad);
        if (rc)
            return rc;
    }
    value = ks__aprintf("Bearer %s", ad->token.value->value);
    if (!value)
        return KS_ENOMEM;
    rc = ks__http_header_add(headers, "Authorization", value);
    memset(value, 0, strlen(value));
    ks__free(value);
    if (!rc && ad->auth == KS_ADOBE_AUTH_IMS)
        rc = ks__http_header_add(headers, "x-api-key", ad->client_id);
    if (!rc && ad->auth == KS_ADOBE_AUTH_IMS)
        rc = ks__http_header_add(headers, "x-gw-ims-org-id", ad->org_id);
    return rc;
}

ks_rc ks__adobe_auth_apply(void *userdata, struct curl_slist **headers,
                           int refresh)
{
    struct ks__adobe_auth_ctx *ctx = userdata;
    struct ks_adobe *ad = ctx->ad;
    ks_rc rc;

    if (ad->auth == KS_ADOBE_AUTH_OAUTH1)
        rc = oauth_header(ctx, headers);
    else
        rc = bearer_headers(ad, headers, refresh);
    if (!rc && ad->deployment == KS_ADOBE_SAAS)
        rc = ks__http_header_add(headers, "Store", ad->store_code);
    return rc;
}
