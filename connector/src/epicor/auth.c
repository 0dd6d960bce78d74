/*
 * Credentials of each request: Basic, or a Bearer token from
 * TokenResource.svc or the Epicor IdP, cached and renewed on the client's
 * clock; plus the v2 API key.
 *
 * One token request per expiry: the token is renewed shortly before it
 * expires (the margin), and after a 401 only when the token sent was not
 * fetched for this very request. A token that was just issued cannot be
 * stale, so a 401 then means the API key or the credentials are refused,
 * and fetching yet another token would only double the failed calls.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cjson/cJSON.h>
#include "core/crypto.h"
#include "http/token.h"
#include <kx/json.h>
#include "epicor_int.h"

int ks__epicor_token_due(int64_t now_ms, int64_t obtained_ms,
                         int64_t expires_ms, int64_t margin_ms, int have_token)
{
    return ks__token_due(now_ms, obtained_ms, expires_ms, margin_ms,
                         have_token);
}

/* Member a, else member b (Epicor spells some replies both ways). */
static const char *str_of(const cJSON *o, const char *a, const char *b)
{
    const char *s = kx_json_str(o, a);

    return s ? s : kx_json_str(o, b);
}

/* ExpiresIn in seconds; a number, or a numeric string. */
static int64_t expires_in_of(const cJSON *o)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "ExpiresIn");
    char *end;
    double d;

    if (!v)
        v = cJSON_GetObjectItemCaseSensitive(o, "expires_in");
    if (cJSON_IsNumber(v))
        return (int64_t)v->valuedouble;
    if (cJSON_IsString(v)) {
        d = strtod(v->valuestring, &end);
        if (end != v->valuestring && *end == '\0')
            return (int64_t)d;
    }
    return -1;
}

/* Takes the token out of a TokenResource or IdP reply. */
static ks_rc take_token(struct ks_epicor *epi,
                        const struct ks__http_reply *reply)
{
    struct ks_clock *clock = ks_client_clock(epi->client);
    cJSON *json =
        cJSON_ParseWithLength(reply->body ? reply->body : "", reply->len);
    const char *token, *type;
    int64_t life;
    ks_rc rc;

    token = str_of(json, "AccessToken", "access_token");
    type = str_of(json, "TokenType", "token_type");
    life = expires_in_of(json);
    if (!token || !*token || (type && strcasecmp(type, "Bearer") != 0)) {
        rc = ks__epicor_parse_error(epi, "token reply", reply);
        goto out;
    }
    if (life < 0) /* not sent: Epicor's default lifetime, one hour */
        life = 3600;
    ks__secret_free(epi->token);
    epi->token = NULL;
    rc = ks__secret_new(&epi->token, token);
    if (rc)
        goto out;
    epi->token_obtained_ms = ks_clock_now_ms(clock);
    epi->token_expires_ms = epi->token_obtained_ms + life * 1000;
    epi->token_fresh = 1;
    ks__log(epi->client, KS_LOG_INFO, NULL,
            "epicor: new access token, valid %lld s", (long long)life);
out:
    if (json && token) /* wipe the parsed copy of the token */
        memset((char *)token, 0, strlen(token));
    cJSON_Delete(json);
    return rc;
}

/* The IdP's form body; wiped by the caller. */
static char *idp_form(struct ks_epicor *epi)
{
    struct ks__buf b = KS__BUF_INIT;

    ks__epicor_form_add(&b, "grant_type", "client_credentials");
    ks__epicor_form_add(&b, "client_id", epi->client_id);
    ks__epicor_form_add(&b, "client_secret", epi->client_secret->value);
    if (epi->scope && *epi->scope)
        ks__epicor_form_add(&b, "scope", epi->scope);
    if (b.oom) {
        if (b.data)
            memset(b.data, 0, b.len);
        ks__buf_dispose(&b);
        return NULL;
    }
    return ks__buf_detach(&b);
}

static ks_rc fetch_token(struct ks_epicor *epi)
{
    struct ks__http_request req = KS__HTTP_REQUEST_INIT;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    struct curl_slist *headers = NULL;
    char *url = NULL, *form = NULL;
    ks_rc rc;

    epi->stats.token_requests++;
    if (epi->auth == KS_EPICOR_AUTH_IDP) {
        url = ks__strdup(epi->token_url);
        form = idp_form(epi);
        rc = url && form ? KS_OK : KS_ENOMEM;
        if (!rc)
            rc = ks__http_header_add(&headers, "Content-Type",
                                     "application/x-www-form-urlencoded");
    } else {
        /* Credentials in username/password headers, empty body (EMF,
         * Epicor's own client); the trailing slash is part of the URL. */
        rc = ks__epicor_root_url(&url, epi, "TokenResource.svc/");
        if (!rc)
            rc = ks__http_header_add(&headers, "username", epi->username);
        if (!rc)
            rc =
                ks__http_header_add(&headers, "password", epi->password->value);
        if (!rc && epi->api_key)
            rc =
                ks__http_header_add(&headers, "x-api-key", epi->api_key->value);
    }
    if (!rc)
        rc = ks__http_header_add(&headers, "Accept", "application/json");
    if (rc)
        goto out;
    req.method = "POST";
    req.url = url;
    req.headers = headers;
    req.body = form;
    req.body_len = form ? strlen(form) : 0;
    rc = ks__http_send(&reply, epi->client, &req);
    if (rc) {
        rc = ks__epicor_remote_error(epi, &reply, rc);
        goto out;
    }
    rc = take_token(epi, &reply);
out:
    if (form) {
        memset(form, 0, strlen(form));
        ks__free(form);
    }
    if (reply.body && reply.len) /* the token, if any */
        memset(reply.body, 0, reply.len);
    ks__http_reply_dispose(&reply);
    for (struct curl_slist *h = headers; h; h = h->next)
        memset(h->data, 0, strlen(h->data));
    curl_slist_free_all(headers);
    ks__free(url);
    return rc;
}

/* Basic base64(user:password) into a header. */
static ks_rc add_basic(struct ks_epicor *epi, struct curl_slist **headers)
{
    char *pair = ks__aprintf("%s:%s", epi->username, epi->password->value);
    char *b64 = NULL, *value = NULL;
    ks_rc rc = KS_ENOMEM;

    if (!pair)
        return KS_ENOMEM;
    b64 = ks__base64_encode(pair, strlen(pair));
    if (b64)
        value = ks__aprintf("Basic %s", b64);
    if (value)
        rc = ks__http_header_add(headers, "Authorization", value);
    memset(pair, 0, strlen(pair));
    ks__free(pair);
    if (b64) {
        memset(b64, 0, strlen(b64));
        ks__free(b64);
    }
    if (value) {
        memset(value, 0, strlen(value));
        ks__free(value);
    }
    return rc;
}

static ks_rc add_bearer(struct ks_epicor *epi, struct curl_slist **headers,
                        int refresh)
{
    int64_t now = ks_clock_now_ms(ks_client_clock(epi->client));
    char *value;
    ks_rc rc;

    if ((refresh && !epi->token_fresh) ||
        ks__epicor_token_due(now, epi->token_obtained_ms, epi->token_expires_ms,
                             epi->margin_ms, epi->token != NULL)) {
        ks__secret_free(epi->token);
        epi->token = NULL;
        rc = fetch_token(epi);
        if (rc)
            return rc;
    }
    value = ks__aprintf("Bearer %s", epi->token->value);
    if (!value)
        return KS_ENOMEM;
    rc = ks__http_header_add(headers, "Authorization", value);
    memset(value, 0, strlen(value));
    ks__free(value);
    return rc;
}

/* v1 takes the company from CallSettings: {"Company":"EPIC06"} (§1e). */
static ks_rc add_call_settings(struct ks_epicor *epi,
                               struct curl_slist **headers)
{
    cJSON *o = cJSON_CreateObject();
    char *text = NULL;
    ks_rc rc = KS_ENOMEM;

    if (o && cJSON_AddStringToObject(o, "Company", epi->company))
        text = cJSON_PrintUnformatted(o);
    if (text)
        rc = ks__http_header_add(headers, "CallSettings", text);
    if (text)
        cJSON_free(text);
    cJSON_Delete(o);
    return rc;
}

ks_rc ks__epicor_auth_apply(void *userdata, struct curl_slist **headers,
                            int refresh)
{
    struct ks_epicor *epi = userdata;
    ks_rc rc;

    if (epi->auth == KS_EPICOR_AUTH_BASIC)
        rc = add_basic(epi, headers); /* a 401 is final: same answer */
    else
        rc = add_bearer(epi, headers, refresh);
    if (!rc && epi->api_key)
        rc = ks__http_header_add(headers, "x-api-key", epi->api_key->value);
    if (!rc && epi->api_version == 1)
        rc = add_call_settings(epi, headers);
    return rc;
}
