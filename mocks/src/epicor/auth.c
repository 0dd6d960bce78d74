/*
 * Authentication: TokenResource.svc, the Epicor IdP token endpoint, Basic
 * and Bearer on every call, v2 API keys with access scopes, licence seats
 * and the auth-related fault actions.
 *
 * Seats: every unexpired token holds one, and so does a Basic-auth user
 * for token_lifetime_s after its last call. "exhaust_licenses" models
 * another program taking every seat: while it lasts each REST call (which
 * claims a licence for its duration in Epicor) and each token request
 * fails with the licence error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include "common/crypto.h"
#include "epicor_emu.h"

#define LICENSE_TYPE "Ice.Common.LicenseAccessException"

static void license_error(struct km__epicor_call *c)
{
    km__epicor_error(c, 400, LICENSE_TYPE,
                     "LicenseAccessException: Maximum users exceeded. All "
                     "licenses of this type are in use; try again later.");
}

int64_t km__epicor_tokens_active(struct km__epicor *emu)
{
    int64_t now = km__epicor_now(emu), n = 0;

    for (size_t i = 0; i < emu->ntokens; i++)
        n += !emu->tokens[i].revoked && emu->tokens[i].expires_ms > now;
    return n;
}

int km__epicor_licenses_in_use(struct km__epicor *emu)
{
    int64_t now = km__epicor_now(emu), n = km__epicor_tokens_active(emu);

    for (size_t i = 0; i < emu->nsessions; i++)
        n += now - emu->sessions[i].last_ms < emu->token_lifetime_s * 1000;
    return (int)n;
}

static int exhausted(struct km__epicor *emu)
{
    return km__epicor_now(emu) < emu->licenses_exhausted_until;
}

static int seat_free(struct km__epicor *emu)
{
    return !exhausted(emu) &&
           (emu->license_seats == 0 ||
            km__epicor_licenses_in_use(emu) < emu->license_seats);
}

static const struct km__epicor_user *
check_user(struct km__epicor *emu, const char *user, const char *pass)
{
    for (size_t i = 0; user && pass && i < emu->nusers; i++) {
        if (strcasecmp(emu->users[i].username, user) == 0 &&
            strcmp(emu->users[i].password, pass) == 0)
            return &emu->users[i];
    }
    return NULL;
}

/* Splits "Basic base64(user:pass)" into malloc'ed parts. */
static int basic_creds(char **user, char **pass, const char *hdr)
{
    unsigned char *raw;
    size_t len;
    char *colon;

    *user = *pass = NULL;
    if (!hdr || strncasecmp(hdr, "Basic ", 6) != 0 ||
        km__base64_decode(&raw, &len, hdr + 6) != 0)
        return -1;
    colon = strchr((char *)raw, ':');
    if (colon) {
        *colon = '\0';
        *user = kx_xstrdup((char *)raw);
        *pass = kx_xstrdup(colon + 1);
    }
    free(raw);
    return colon ? 0 : -1;
}

/* Value of a form field in an x-www-form-urlencoded body, malloc'ed. */
static char *form_field(const char *body, const char *name)
{
    size_t nl = strlen(name);

    for (const char *p = body; p && *p;) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);

        if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            char *raw = kx_xstrndup(p + nl + 1, len - nl - 1), *dec, *out;

            for (char *q = raw; *q; q++)
                *q = *q == '+' ? ' ' : *q;
            dec = curl_easy_unescape(NULL, raw, 0, NULL);
            free(raw);
            out = kx_xstrdup(dec ? dec : "");
            curl_free(dec);
            return out;
        }
        p = end ? end + 1 : NULL;
    }
    return NULL;
}

/* The claims of a token, built as JSON so that any user name (quotes and
 * backslashes included) stays one string. Returned text is malloc'ed. */
/* A copy of s in the tokens' text blocks (emu->token_text), freed with
 * them when the emulator is reset or freed. */
static char *token_text(struct km__epicor *emu, const char *s)
{
    enum { BLOCK = 64 * 1024 };
    struct km__epicor_text_block *b = emu->token_text;
    size_t n = strlen(s) + 1;
    char *out;

    if (!b || b->cap - b->used < n) {
        size_t cap = n > BLOCK ? n : BLOCK;

        b = kx_xmalloc(sizeof(*b) + cap);
        b->next = emu->token_text;
        b->used = 0;
        b->cap = cap;
        emu->token_text = b;
    }
    out = b->text + b->used;
    memcpy(out, s, n);
    b->used += n;
    return out;
}

void km__epicor_token_text_free(struct km__epicor *emu)
{
    while (emu->token_text) {
        struct km__epicor_text_block *next = emu->token_text->next;

        free(emu->token_text);
        emu->token_text = next;
    }
}

/* FNV-1a: tokens are looked up by hash, so a request costs the same after
 * 10,000 tokens as after one. */
static size_t token_hash(const char *s)
{
    uint64_t h = 1469598103934665603u;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return (size_t)h;
}

static void slot_put(struct km__epicor *emu, size_t index)
{
    size_t mask = emu->token_nslots - 1;
    size_t at = token_hash(emu->tokens[index].token) & mask;

    while (emu->token_slots[at])
        at = (at + 1) & mask;
    emu->token_slots[at] = index + 1;
}

/* Indexes tokens[ntokens - 1], growing the table to keep it half empty. */
static void token_index_add(struct km__epicor *emu)
{
    if (emu->ntokens * 2 > emu->token_nslots) {
        free(emu->token_slots);
        emu->token_nslots = emu->token_nslots ? emu->token_nslots * 2 : 64;
        emu->token_slots =
            kx_xcalloc(emu->token_nslots, sizeof(*emu->token_slots));
        for (size_t i = 0; i + 1 < emu->ntokens; i++)
            slot_put(emu, i);
    }
    slot_put(emu, emu->ntokens - 1);
}

static struct km__epicor_token *token_find(struct km__epicor *emu,
                                           const char *tok)
{
    size_t mask = emu->token_nslots - 1, at;

    if (!emu->token_nslots)
        return NULL;
    for (at = token_hash(tok) & mask; emu->token_slots[at];
         at = (at + 1) & mask) {
        struct km__epicor_token *t = &emu->tokens[emu->token_slots[at] - 1];

        if (strcmp(t->token, tok) == 0)
            return t;
    }
    return NULL;
}

/* Every token's header, and the start its payload always has (iss is its
 * first claim). */
#define JWT_HEADER "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
#define JWT_PAYLOAD_START "{\"iss\":\"kinsync-epicor-emulator\",\"sub\":\""

char *km__epicor_token_prefix(void)
{
    /* base64 of whole 3-byte groups does not depend on what follows */
    size_t n = strlen(JWT_PAYLOAD_START) / 3 * 3;
    char *h64 = km__base64url_encode(JWT_HEADER, strlen(JWT_HEADER));
    char *p64 = km__base64url_encode(JWT_PAYLOAD_START, n);
    char *prefix = kx_xasprintf("%s.%s", h64, p64);

    free(h64);
    free(p64);
    return prefix;
}

static char *jwt_payload(const char *user, const char *instance, int64_t now_s,
                         int64_t lifetime_s, int64_t jti)
{
    cJSON *o = cJSON_CreateObject();
    char *text;

    if (!o || !cJSON_AddStringToObject(o, "iss", "kinsync-epicor-emulator") ||
        !cJSON_AddStringToObject(o, "sub", user) ||
        !cJSON_AddStringToObject(o, "inst", instance) ||
        !cJSON_AddNumberToObject(o, "iat", (double)now_s) ||
        !cJSON_AddNumberToObject(o, "exp", (double)(now_s + lifetime_s)) ||
        !cJSON_AddNumberToObject(o, "jti", (double)jti))
        abort();
    text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!text)
        abort();
    return text;
}

/* A JWT (HS256 over header.payload, base64url without padding), signed
 * with the emulator's secret; the server only ever looks it up in its
 * table. */
static struct km__epicor_token *issue_token(struct km__epicor *emu,
                                            const char *user)
{
    static const char hdr[] = JWT_HEADER;
    unsigned char mac[KM__SHA256_LEN];
    int64_t now = km__epicor_now(emu);
    char *payload, *h64, *p64, *s64, *input, *tok;
    struct km__epicor_token *t;

    payload = jwt_payload(user, emu->instance, now / 1000,
                          emu->token_lifetime_s, emu->tokens_issued + 1);
    h64 = km__base64url_encode(hdr, strlen(hdr));
    p64 = km__base64url_encode(payload, strlen(payload));
    input = kx_xasprintf("%s.%s", h64, p64);
    km__hmac(mac, KM__SHA256, &emu->token_secret, sizeof(emu->token_secret),
             input, strlen(input));
    s64 = km__base64url_encode(mac, sizeof(mac));
    tok = kx_xasprintf("%s.%s", input, s64);
    free(payload);
    free(h64);
    free(p64);
    free(input);
    free(s64);
    emu->tokens = kx_xgrow(emu->tokens, &emu->tokens_cap, emu->ntokens + 1,
                           sizeof(*emu->tokens));
    t = &emu->tokens[emu->ntokens++];
    t->token = token_text(emu, tok);
    t->user = token_text(emu, user);
    free(tok);
    tok = t->token;
    t->expires_ms = now + emu->token_lifetime_s * 1000;
    t->revoked = 0;
    token_index_add(emu);
    emu->tokens_issued++;
    if (emu->server) /* masked by its form (km__epicor_token_prefix) */
        km_server_add_secret(emu->server, tok);
    return t;
}

const char *km__epicor_issue_token(struct km__epicor *emu, const char *user)
{
    return issue_token(emu, user)->token;
}

int km__epicor_token_live(struct km__epicor *emu, const char *token,
                          const char *user)
{
    struct km__epicor_token *t = token ? token_find(emu, token) : NULL;

    return t && !t->revoked && t->expires_ms > km__epicor_now(emu) &&
           (!user || strcasecmp(t->user, user) == 0);
}

void km__epicor_token_resource(struct km__epicor_call *c)
{
    const struct km_request *req = c->req;
    const char *accept = km_request_header(req, "Accept");
    char *user = NULL, *pass = NULL;
    const struct km__epicor_user *u;
    struct km__epicor_token *t;

    if (strcmp(req->method, "POST") != 0) {
        km__epicor_error(c, 405, "Epicor.RESTApi.ErrorHandling.ApiException",
                         "The requested resource does not support http "
                         "method '%s'.",
                         req->method);
        return;
    }
    if (km_request_header(req, "username")) {
        user = kx_xstrdup(km_request_header(req, "username"));
        pass = kx_xstrdup(km_request_header(req, "password")
                              ? km_request_header(req, "password")
                              : "");
    } else if (basic_creds(&user, &pass,
                           km_request_header(req, "Authorization"))) {
        user = form_field(req->body, "username");
        pass = form_field(req->body, "password");
    }
    u = check_user(c->emu, user, pass);
    if (!u) {
        km__epicor_error(c, 401, NULL, "Invalid user ID or password.");
    } else if (!seat_free(c->emu)) {
        license_error(c);
    } else {
        t = issue_token(c->emu, u->username);
        if (accept && !strstr(accept, "json") &&
            (strstr(accept, "xml") || strstr(accept, "text/html"))) {
            char xml[2048];

            snprintf(xml, sizeof(xml),
                     "<Token><AccessToken>%s</AccessToken><ExpiresIn>%lld"
                     "</ExpiresIn><TokenType>Bearer</TokenType></Token>",
                     t->token, (long long)c->emu->token_lifetime_s);
            km_response_set(c->res, 200, "application/xml", xml, strlen(xml));
        } else {
            cJSON *o = cJSON_CreateObject();

            cJSON_AddStringToObject(o, "AccessToken", t->token);
            cJSON_AddNumberToObject(o, "ExpiresIn",
                                    (double)c->emu->token_lifetime_s);
            cJSON_AddStringToObject(o, "TokenType", "Bearer");
            km__epicor_reply(c, 200, o);
        }
    }
    free(user);
    free(pass);
}

static void oauth_error(struct km__epicor_call *c, int status, const char *code)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddStringToObject(o, "error", code);
    km__epicor_reply(c, status, o);
}

void km__epicor_idp_token(struct km__epicor_call *c)
{
    const char *body = c->req->body;
    char *grant = form_field(body, "grant_type");
    char *id = form_field(body, "client_id");
    char *secret = form_field(body, "client_secret");
    char *scope = form_field(body, "scope");
    char *user = NULL, *pass = NULL;
    int via_header = 0, ok = 0;
    const cJSON *it;
    const char *sub = NULL;

    if (!id && basic_creds(&user, &pass,
                           km_request_header(c->req, "Authorization")) == 0) {
        id = user;
        secret = pass;
        user = pass = NULL;
        via_header = 1;
    }
    cJSON_ArrayForEach(it, c->emu->idp_clients)
    {
        ok |= id && secret && strcmp(kx_json_str(it, "client_id"), id) == 0 &&
              strcmp(kx_json_str(it, "client_secret"), secret) == 0;
    }
    if (strcmp(c->req->method, "POST") != 0 || !grant) {
        oauth_error(c, 400, "invalid_request");
    } else if (strcmp(grant, "client_credentials") != 0 &&
               strcmp(grant, "password") != 0) {
        oauth_error(c, 400, "unsupported_grant_type");
    } else if (!ok) {
        /* RFC 6749 §5.2: 401 when the client authenticated by header. */
        oauth_error(c, via_header ? 401 : 400, "invalid_client");
    } else {
        sub = id;
        if (strcmp(grant, "password") == 0) {
            char *u = form_field(body, "username"),
                 *p = form_field(body, "password");
            const struct km__epicor_user *eu = check_user(c->emu, u, p);

            sub = eu ? eu->username : NULL;
            free(u);
            free(p);
        }
        if (!sub) {
            oauth_error(c, 400, "invalid_grant");
        } else {
            struct km__epicor_token *t = issue_token(c->emu, sub);
            cJSON *o = cJSON_CreateObject();

            cJSON_AddStringToObject(o, "access_token", t->token);
            cJSON_AddNumberToObject(o, "expires_in",
                                    (double)c->emu->token_lifetime_s);
            cJSON_AddStringToObject(o, "token_type", "Bearer");
            cJSON_AddStringToObject(o, "scope",
                                    scope && *scope ? scope : "epicor_erp");
            km__epicor_reply(c, 200, o);
        }
    }
    free(grant);
    free(id);
    free(secret);
    free(scope);
    free(user);
    free(pass);
}

int km__epicor_api_key(struct km__epicor_call *c)
{
    const char *key = km_request_header(c->req, "x-api-key");

    if (!key)
        key = km_request_arg(c->req, "api-key");
    if (!key || !*key) {
        km__epicor_error(c, c->emu->api_key_missing_status,
                         "Epicor.RESTApi.ErrorHandling.ApiException",
                         "An API key is required for REST API v2 (x-api-key "
                         "header).");
        return -1;
    }
    for (size_t i = 0; i < c->emu->nkeys; i++) {
        if (!c->emu->keys[i].revoked && strcmp(c->emu->keys[i].key, key) == 0) {
            c->key = &c->emu->keys[i];
            return 0;
        }
    }
    km__epicor_error(c, c->emu->api_key_missing_status,
                     "Epicor.RESTApi.ErrorHandling.ApiException",
                     "The API key is not valid.");
    return -1;
}

/* Scope entries name services ("Erp.BO.PartSvc"), BAQs ("BaqSvc/ID" or
 * "BaqSvc" for all) and function libraries ("efx/LIB" or "efx"). */
int km__epicor_scope_ok(struct km__epicor_call *c, const char *resource)
{
    const cJSON *it;
    size_t n;

    if (!c->key || !c->key->scope)
        return km__epicor_permitted(c, resource);
    cJSON_ArrayForEach(it, c->key->scope)
    {
        if (!cJSON_IsString(it))
            continue;
        n = strlen(it->valuestring);
        if (strcasecmp(it->valuestring, resource) == 0 ||
            (strncasecmp(it->valuestring, resource, n) == 0 &&
             resource[n] == '/'))
            return km__epicor_permitted(c, resource);
    }
    km__epicor_error(c, c->emu->api_key_scope_status,
                     "Ice.Common.UnauthorizedAccessException",
                     "The API key's access scope does not include '%s'.",
                     resource);
    return 0;
}

static int basic_session(struct km__epicor_call *c, const char *user)
{
    struct km__epicor *emu = c->emu;
    int64_t now = km__epicor_now(emu);
    struct km__epicor_session *s;

    for (size_t i = 0; i < emu->nsessions; i++) {
        s = &emu->sessions[i];
        if (strcmp(s->user, user) == 0 &&
            now - s->last_ms < emu->token_lifetime_s * 1000) {
            s->last_ms = now;
            return 0;
        }
    }
    if (!seat_free(emu))
        return -1;
    for (size_t i = 0; i < emu->nsessions; i++) {
        if (strcmp(emu->sessions[i].user, user) == 0) {
            emu->sessions[i].last_ms = now;
            return 0;
        }
    }
    emu->sessions =
        kx_xrealloc(emu->sessions, (emu->nsessions + 1) * sizeof(*s));
    s = &emu->sessions[emu->nsessions++];
    s->user = kx_xstrdup(user);
    s->last_ms = now;
    return 0;
}

int km__epicor_auth(struct km__epicor_call *c)
{
    const char *hdr = km_request_header(c->req, "Authorization");
    int64_t now = km__epicor_now(c->emu);

    if (hdr && strncasecmp(hdr, "Bearer ", 7) == 0) {
        struct km__epicor_token *t = token_find(c->emu, hdr + 7);

        if (t && !t->revoked && t->expires_ms > now) {
            if (exhausted(c->emu)) {
                license_error(c);
                return -1;
            }
            c->user = t->user;
            return 0;
        }
        km__epicor_error(c, 401, NULL,
                         "The access token is invalid or has expired.");
        return -1;
    }
    if (hdr && strncasecmp(hdr, "Basic ", 6) == 0) {
        char *user, *pass;
        const struct km__epicor_user *u = NULL;

        if (basic_creds(&user, &pass, hdr) == 0)
            u = check_user(c->emu, user, pass);
        free(user);
        free(pass);
        if (!u) {
            km__epicor_error(c, 401, NULL, "Invalid user ID or password.");
            return -1;
        }
        if (basic_session(c, u->username)) {
            license_error(c);
            return -1;
        }
        c->user = u->username;
        return 0;
    }
    km__epicor_error(c, 401, NULL,
                     "Authorization has been denied for this request.");
    return -1;
}

void km__epicor_expire_tokens(struct km__epicor *emu)
{
    int64_t now = km__epicor_now(emu);

    for (size_t i = 0; i < emu->ntokens; i++) {
        if (emu->tokens[i].expires_ms > now)
            emu->tokens[i].expires_ms = now;
    }
}

void km__epicor_revoke_keys(struct km__epicor *emu, const char *key)
{
    for (size_t i = 0; i < emu->nkeys; i++) {
        if (!key || strcmp(emu->keys[i].key, key) == 0)
            emu->keys[i].revoked = 1;
    }
}

int km__epicor_fault(void *state, const char *action, const cJSON *rule)
{
    struct km__epicor *emu = state;
    const cJSON *v;

    emu->writes++;
    if (strcmp(action, "expire_tokens") == 0) {
        km__epicor_expire_tokens(emu);
    } else if (strcmp(action, "revoke_key") == 0) {
        km__epicor_revoke_keys(emu, kx_json_str(rule, "key"));
    } else if (strcmp(action, "exhaust_licenses") == 0) {
        v = cJSON_GetObjectItemCaseSensitive(rule, "for_ms");
        emu->licenses_exhausted_until =
            km__epicor_now(emu) +
            (cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 60000);
    } else {
        return -1;
    }
    return 0;
}
