/*
 * Authentication as Adobe Commerce does it (README.md, "Authentication"):
 * admin tokens, OAuth 1.0a integrations (HMAC-SHA256), integration access
 * tokens as Bearer when enabled, IMS server-to-server tokens on SaaS, and
 * the ACL resource each route needs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include <openssl/rand.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include "adobe_emu.h"
#include "common/crypto.h"
#include "common/oauth1.h"

#define MAX_PARAMS 64
#define NOT_AUTHORIZED "The consumer isn't authorized to access %resources."

/* ---- ACL ------------------------------------------------------------------
 */

/* The ACL resource of each route (Magento's webapi.xml of each module). */
static const struct {
    const char *method, *route, *resource;
} acl[] = {
    {"GET", "/V1/orders", "Magento_Sales::actions_view"},
    {"POST", "/V1/orders", "Magento_Sales::create"},
    {"GET", "/V1/orders/", "Magento_Sales::actions_view"},
    {"POST", "/V1/order/", "Magento_Sales::sales_invoice"},
    {"GET", "/V1/invoices", "Magento_Sales::sales_invoice"},
    {"GET", "/V1/company", "Magento_Company::view"},
    {"POST", "/V1/company", "Magento_Company::manage"},
    {"PUT", "/V1/company", "Magento_Company::manage"},
    {"DELETE", "/V1/company", "Magento_Company::delete"},
    {"GET", "/V1/customers", "Magento_Customer::customer"},
    {"POST", "/V1/customers", "Magento_Customer::manage"},
    {"GET", "/V1/products", "Magento_Catalog::products"},
    {"POST", "/V1/products", "Magento_Catalog::products"},
    {"GET", "/V1/webhooks", "Magento_AdobeCommerceWebhooks::webhooks"},
    {"POST", "/V1/webhooks", "Magento_AdobeCommerceWebhooks::webhooks"},
};

/* The resource of a routed request: the longest matching prefix row. */
static const char *resource_of(const struct km_request *req)
{
    const char *best = "Magento_Backend::admin";
    size_t bestlen = 0;

    for (size_t i = 0; i < sizeof(acl) / sizeof(acl[0]); i++) {
        size_t n = strlen(acl[i].route);

        if (strcmp(acl[i].method, req->method) == 0 &&
            strncmp(req->route, acl[i].route, n) == 0 && n > bestlen) {
            best = acl[i].resource;
            bestlen = n;
        }
    }
    return best;
}

/* NULL resources or "Magento_Backend::all" grant everything. */
static int granted(const cJSON *resources, const char *resource)
{
    const cJSON *it;

    if (!cJSON_IsArray(resources))
        return 1;
    cJSON_ArrayForEach(it, resources)
    {
        const char *s = cJSON_GetStringValue(it);

        if (s && (strcmp(s, resource) == 0 ||
                  strcmp(s, "Magento_Backend::all") == 0))
            return 1;
    }
    return 0;
}

static int not_authorized(struct km__adobe_call *c, int status)
{
    km__adobe_error1(c->res, status, NOT_AUTHORIZED, "resources",
                     resource_of(c->req));
    return -1;
}

static int check_acl(struct km__adobe_call *c, const cJSON *subject)
{
    if (granted(cJSON_GetObjectItemCaseSensitive(subject, "resources"),
                resource_of(c->req)))
        return 0;
    return not_authorized(c, c->st->acl_denied_status);
}

/* ---- tokens -----------------------------------------------------------------
 */

static char *new_token(struct km__adobe_state *st)
{
    unsigned char raw[24];
    char *b64, *tok;

    if (RAND_bytes(raw, sizeof(raw)) != 1)
        abort();
    b64 = km__base64url_encode(raw, sizeof(raw));
    /* the prefix is the secret form the journal masks (adobe_bound) */
    tok =
        kx_xasprintf("kmadobe%llu%s", (unsigned long long)++st->token_seq, b64);
    free(b64);
    return tok;
}

static const char *issue(struct km__adobe_state *st, const cJSON *subject,
                         int64_t now, int64_t lifetime_s)
{
    struct km__adobe_token *t;

    st->tokens = kx_xrealloc(st->tokens, (st->ntokens + 1) * sizeof(*t));
    t = &st->tokens[st->ntokens++];
    t->token = new_token(st);
    t->expires_ms = now + lifetime_s * 1000;
    t->subject = subject;
    return t->token;
}

static const struct km__adobe_token *token_find(struct km__adobe_state *st,
                                                const char *token, int64_t now)
{
    for (size_t i = 0; i < st->ntokens; i++)
        if (km__secret_equal(st->tokens[i].token, token))
            return st->tokens[i].expires_ms > now ? &st->tokens[i] : NULL;
    return NULL;
}

void km__adobe_expire_tokens(struct km__adobe_state *st)
{
    for (size_t i = 0; i < st->ntokens; i++)
        st->tokens[i].expires_ms = 0;
}

void km__adobe_auth_free(struct km__adobe_state *st)
{
    for (size_t i = 0; i < st->ntokens; i++)
        free(st->tokens[i].token);
    free(st->tokens);
    for (size_t i = 0; i < st->nnonces; i++) {
        free(st->nonces[i].consumer_key);
        free(st->nonces[i].nonce);
    }
    free(st->nonces);
}

/* The member of list whose field equals value, or NULL. */
static const cJSON *find_by(const cJSON *list, const char *field,
                            const char *value)
{
    const cJSON *it;

    cJSON_ArrayForEach(it, list)
    {
        const char *s = kx_json_str(it, field);

        if (s && value && km__secret_equal(s, value))
            return it;
    }
    return NULL;
}

/* POST /V1/integration/admin/token {"username", "password"}: the token as
 * a JSON string. */
void km__adobe_admin_token(struct km_response *res,
                           const struct km_request *req, void *state)
{
    struct km__adobe_call c;
    cJSON *body, *errors;
    const char *user, *pass;
    const cJSON *admin;
    char *quoted;

    km__adobe_call_init(&c, res, req, state);
    if (!(body = km__adobe_body(&c)))
        return;
    user = kx_json_str(body, "username");
    pass = kx_json_str(body, "password");
    errors = cJSON_CreateArray();
    for (int i = 0; i < 2; i++) {
        const char *v = i ? pass : user;

        if (!v || !*v) {
            cJSON *e = cJSON_CreateObject(), *p = cJSON_CreateObject();

            cJSON_AddStringToObject(
                e, "message",
                "\"%fieldName\" is required. Enter and try again.");
            cJSON_AddStringToObject(p, "fieldName",
                                    i ? "password" : "username");
            cJSON_AddItemToObject(e, "parameters", p);
            cJSON_AddItemToArray(errors, e);
        }
    }
    if (cJSON_GetArraySize(errors)) {
        cJSON *o = cJSON_CreateObject();

        cJSON_AddStringToObject(o, "message",
                                "One or more input exceptions have occurred.");
        cJSON_AddItemToObject(o, "errors", errors);
        km_response_json(res, 400, o);
        goto out;
    }
    cJSON_Delete(errors);
    admin = find_by(c.st->admins, "username", user);
    if (!admin ||
        !km__secret_equal(kx_json_str_or(admin, "password", ""), pass)) {
        km__adobe_error(res, 401,
                        "The account sign-in was incorrect or your account is "
                        "disabled temporarily. Please wait and try again "
                        "later.",
                        NULL);
        goto out;
    }
    quoted = kx_xasprintf("\"%s\"", issue(c.st, admin, req->now_ms,
                                          c.st->admin_token_lifetime_s));
    km_response_set(res, 200, "application/json", quoted, strlen(quoted));
    free(quoted);
out:
    cJSON_Delete(body);
}

/* IMS answers in its own shape: {"error", "error_description"}. */
static void ims_error(struct km_response *res, int status, const char *error,
                      const char *description)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddStringToObject(o, "error", error);
    cJSON_AddStringToObject(o, "error_description", description);
    km_response_json(res, status, o);
}

static int has_scope(const char *scopes, const char *want)
{
    const char *p = scopes;
    size_t n = strlen(want);

    while (p && *p) {
        size_t len = strcspn(p, ", ");

        if (len == n && strncmp(p, want, n) == 0)
            return 1;
        p += len;
        p += strspn(p, ", ");
    }
    return 0;
}

/* POST /ims/token/v3, form-encoded client credentials (SaaS). */
void km__adobe_ims_token(struct km_response *res, const struct km_request *req,
                         void *state)
{
    struct km__adobe_state *st = state;
    char *id = km__adobe_form_value(req->body, "client_id");
    char *secret = km__adobe_form_value(req->body, "client_secret");
    char *grant = km__adobe_form_value(req->body, "grant_type");
    char *scope = km__adobe_form_value(req->body, "scope");
    const cJSON *client = find_by(st->ims_clients, "client_id", id);
    cJSON *o;

    if (!grant || strcmp(grant, "client_credentials") != 0)
        ims_error(res, 400, "unsupported_grant_type",
                  "grant_type must be client_credentials");
    else if (!client)
        ims_error(res, 400, "invalid_client", "invalid client_id parameter");
    else if (!km__secret_equal(kx_json_str_or(client, "client_secret", ""),
                               secret ? secret : ""))
        ims_error(res, 401, "invalid_client",
                  "invalid client_secret parameter");
    else if (!has_scope(scope, "commerce.accs"))
        ims_error(res, 400, "invalid_scope",
                  "the commerce.accs scope is required");
    else {
        o = cJSON_CreateObject();
        cJSON_AddStringToObject(
            o, "access_token",
            issue(st, client, req->now_ms, st->ims_token_lifetime_s));
        cJSON_AddStringToObject(o, "token_type", "bearer");
        cJSON_AddNumberToObject(o, "expires_in",
                                (double)st->ims_token_lifetime_s);
        km_response_json(res, 200, o);
    }
    free(id);
    free(secret);
    free(grant);
    free(scope);
}

/* ---- OAuth 1.0a -------------------------------------------------------------
 */

struct oauth_params {
    struct km__oauth1_param v[MAX_PARAMS];
    char *owned[2 * MAX_PARAMS];
    size_t n, nowned;
};

static const char *own(struct oauth_params *p, char *s)
{
    if (p->nowned < 2 * MAX_PARAMS)
        p->owned[p->nowned++] = s;
    return s;
}

static void add_param(struct oauth_params *p, char *name, char *value)
{
    if (p->n == MAX_PARAMS) {
        free(name);
        free(value);
        return;
    }
    p->v[p->n].name = own(p, name);
    p->v[p->n].value = own(p, value);
    p->n++;
}

static const char *param(const struct oauth_params *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->v[i].name, name) == 0)
            return p->v[i].value;
    return NULL;
}

static char *unescape(const char *s, size_t len)
{
    int n = 0;
    char *c = curl_easy_unescape(NULL, s, (int)len, &n), *r;

    if (!c)
        abort();
    r = kx_xstrndup(c, (size_t)n);
    curl_free(c);
    return r;
}

static int collect_arg(void *ud, const char *name, const char *value)
{
    add_param(ud, kx_xstrdup(name), kx_xstrdup(value));
    return 0;
}

/* Authorization: OAuth k="v", ... (realm is not signed). */
static void parse_header(struct oauth_params *p, const char *h)
{
    const char *s = h + 6;

    while (*s) {
        const char *eq, *v, *end;

        s += strspn(s, " ,");
        if (!(eq = strchr(s, '=')))
            return;
        v = eq + 1;
        if (*v == '"') {
            v++;
            if (!(end = strchr(v, '"')))
                return;
        } else {
            end = v + strcspn(v, ",");
        }
        if ((size_t)(eq - s) != 5 || strncmp(s, "realm", 5) != 0)
            add_param(p, unescape(s, (size_t)(eq - s)),
                      unescape(v, (size_t)(end - v)));
        s = *end == '"' ? end + 1 : end;
    }
}

static int oauth_problem(struct km__adobe_call *c, int status,
                         const char *problem)
{
    char msg[128];

    snprintf(msg, sizeof(msg), "oauth_problem=%s", problem);
    km__adobe_error(c->res, status, msg, NULL);
    return -1;
}

/* Records the nonce of a consumer; -1 when it was used (the table never
 * forgets within a run: Magento keeps nonces until a cron purges them). */
static int nonce_use(struct km__adobe_state *st, const char *ck,
                     const char *nonce, int64_t ts)
{
    struct km__adobe_nonce *n;

    for (size_t i = 0; i < st->nnonces; i++)
        if (strcmp(st->nonces[i].consumer_key, ck) == 0 &&
            strcmp(st->nonces[i].nonce, nonce) == 0)
            return -1;
    st->nonces = kx_xrealloc(st->nonces, (st->nnonces + 1) * sizeof(*n));
    n = &st->nonces[st->nnonces++];
    n->consumer_key = kx_xstrdup(ck);
    n->nonce = kx_xstrdup(nonce);
    n->ts = ts;
    return 0;
}

static int oauth_verify(struct km__adobe_call *c, const char *header,
                        const cJSON **subject)
{
    static const char *const required[] = {
        "oauth_consumer_key", "oauth_signature_method", "oauth_signature",
        "oauth_nonce",        "oauth_timestamp",        "oauth_token"};
    struct oauth_params p = {.n = 0};
    const char *v, *ck, *tok;
    const cJSON *integ;
    char *url = NULL, *base = NULL, *key = NULL, *expected = NULL;
    unsigned char mac[KM__SHA256_LEN];
    long long ts;
    int64_t now_s = c->req->now_ms / 1000;
    int rc = -1;

    km_request_args_each(c->req, collect_arg, &p);
    parse_header(&p, header);
    if ((v = param(&p, "oauth_version")) && strcmp(v, "1.0") != 0) {
        oauth_problem(c, 400, "version_rejected");
        goto out;
    }
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        if (!(v = param(&p, required[i])) || !*v) {
            char msg[96];

            snprintf(msg, sizeof(msg),
                     "parameter_absent&oauth_parameters_absent=%s",
                     required[i]);
            oauth_problem(c, 400, msg);
            goto out;
        }
    }
    if (strcmp(param(&p, "oauth_signature_method"), "HMAC-SHA256") != 0) {
        oauth_problem(c, 400, "signature_method_rejected");
        goto out;
    }
    ck = param(&p, "oauth_consumer_key");
    if (!(integ = find_by(c->st->integrations, "consumer_key", ck))) {
        oauth_problem(c, 401, "consumer_key_rejected");
        goto out;
    }
    ts = strtoll(param(&p, "oauth_timestamp"), NULL, 10);
    if (ts <= 0 || ts > now_s + c->st->oauth_window_s ||
        (c->st->oauth_max_age_s > 0 && ts < now_s - c->st->oauth_max_age_s)) {
        oauth_problem(c, 400, "timestamp_refused");
        goto out;
    }
    if (nonce_use(c->st, ck, param(&p, "oauth_nonce"), ts) != 0) {
        oauth_problem(c, 401, "nonce_used");
        goto out;
    }
    tok = param(&p, "oauth_token");
    if (!km__secret_equal(kx_json_str_or(integ, "access_token", ""), tok)) {
        oauth_problem(c, 401, "token_rejected");
        goto out;
    }
    url = kx_xasprintf("%s%s",
                       c->st->base_url ? c->st->base_url : c->req->base_url,
                       c->req->path);
    base = km__oauth1_base_string(c->req->method, url, p.v, p.n,
                                  KM__OAUTH1_SORT_ENCODED);
    {
        char *cs = curl_easy_escape(
            NULL, kx_json_str_or(integ, "consumer_secret", ""), 0);
        char *ts2 = curl_easy_escape(
            NULL, kx_json_str_or(integ, "access_token_secret", ""), 0);

        if (!cs || !ts2)
            abort();
        key = kx_xasprintf("%s&%s", cs, ts2);
        curl_free(cs);
        curl_free(ts2);
    }
    expected = km__base64_encode(
        mac, km__hmac(mac, KM__SHA256, key, strlen(key), base, strlen(base)));
    if (!km__secret_equal(expected, param(&p, "oauth_signature"))) {
        oauth_problem(c, 401, "signature_invalid");
        goto out;
    }
    *subject = integ;
    rc = 0;
out:
    for (size_t i = 0; i < p.nowned; i++)
        free(p.owned[i]);
    free(url);
    free(base);
    free(key);
    free(expected);
    return rc;
}

/* ---- the request --------------------------------------------------------- */

static int bearer_saas(struct km__adobe_call *c, const char *token)
{
    const struct km__adobe_token *t = token_find(c->st, token, c->req->now_ms);
    const char *key = km_request_header(c->req, "x-api-key");
    const char *org = km_request_header(c->req, "x-gw-ims-org-id");

    if (!t)
        return not_authorized(c, 401);
    if (!key ||
        !km__secret_equal(kx_json_str_or(t->subject, "client_id", ""), key)) {
        km__adobe_error(c->res, 403, "Api Key is invalid", NULL);
        return -1;
    }
    if (!org || strcmp(kx_json_str_or(t->subject, "org_id", ""), org) != 0) {
        km__adobe_error(c->res, 403, "Invalid x-gw-ims-org-id header", NULL);
        return -1;
    }
    return check_acl(c, t->subject);
}

static int bearer_paas(struct km__adobe_call *c, const char *token)
{
    const struct km__adobe_token *t = token_find(c->st, token, c->req->now_ms);
    const cJSON *integ;

    if (t)
        return check_acl(c, t->subject);
    /* an integration's access token, only when allowed (2.4.4+) */
    integ = find_by(c->st->integrations, "access_token", token);
    if (integ && c->st->integration_as_bearer)
        return check_acl(c, integ);
    return not_authorized(c, 401);
}

int km__adobe_authenticate(struct km__adobe_call *c)
{
    const char *h = km_request_header(c->req, "Authorization");
    const cJSON *subject = NULL;

    if (h && strncasecmp(h, "Bearer ", 7) == 0)
        return c->st->deployment == KM__ADOBE_SAAS ? bearer_saas(c, h + 7)
                                                   : bearer_paas(c, h + 7);
    if (h && strncmp(h, "OAuth ", 6) == 0 &&
        c->st->deployment == KM__ADOBE_PAAS) {
        if (oauth_verify(c, h, &subject) != 0)
            return -1;
        return check_acl(c, subject);
    }
    return not_authorized(c, 401);
}
