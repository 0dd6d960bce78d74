/*
 * The Adobe Commerce handle: options, the deployments' URL forms and one
 * JSON exchange.
 */
#include <string.h>
#include "adobe_int.h"

static int given(const char *s)
{
    return s && *s;
}

/* The name of the first credential the mode needs and lacks, or NULL. */
static const char *missing(const struct ks_adobe_options *o)
{
    if (!given(o->base_url))
        return "base_url";
    if (o->deployment == KS_ADOBE_SAAS && !given(o->tenant_id))
        return "tenant_id";
    switch (o->auth) {
    case KS_ADOBE_AUTH_OAUTH1:
        if (!given(o->consumer_key) || !given(o->consumer_secret) ||
            !given(o->access_token) || !given(o->access_token_secret))
            return "consumer_key, consumer_secret, access_token and "
                   "access_token_secret";
        return NULL;
    case KS_ADOBE_AUTH_ADMIN:
        return given(o->username) && given(o->password) ? NULL
                                                        : "username and "
                                                          "password";
    case KS_ADOBE_AUTH_IMS:
        return given(o->client_id) && given(o->client_secret) &&
                       given(o->org_id)
                   ? NULL
                   : "client_id, client_secret and org_id";
    default:
        return "a known auth mode";
    }
}

static ks_rc check_options(struct ks_client *client,
                           const struct ks_adobe_options *o)
{
    const char *what = missing(o);

    if (what)
        return ks__error_set(ks__client_error(client), KS_EINVAL, 0,
                             "adobe: %s required", what);
    /* PaaS has no IMS; SaaS has neither integrations nor admin tokens. */
    if ((o->auth == KS_ADOBE_AUTH_IMS) != (o->deployment == KS_ADOBE_SAAS))
        return ks__error_set(ks__client_error(client), KS_EINVAL, 0,
                             "adobe: IMS tokens are the only authentication "
                             "of the SaaS deployment");
    return KS_OK;
}

/* Copies the mode's names and secrets; secrets are registered with the
 * client so that the log masks them. */
static ks_rc copy_credentials(struct ks_adobe *ad,
                              const struct ks_adobe_options *o)
{
    struct ks_client *c = ad->client;
    ks_rc rc;

    ad->consumer_key = o->consumer_key ? ks__strdup(o->consumer_key) : NULL;
    ad->access_token = o->access_token ? ks__strdup(o->access_token) : NULL;
    ad->username = o->username ? ks__strdup(o->username) : NULL;
    ad->client_id = o->client_id ? ks__strdup(o->client_id) : NULL;
    ad->org_id = o->org_id ? ks__strdup(o->org_id) : NULL;
    ad->scope = ks__strdup(given(o->scope) ? o->scope : KS__ADOBE_IMS_SCOPE);
    ad->ims_token_url = ks__strdup(given(o->ims_token_url) ? o->ims_token_url
                                                           : KS__ADOBE_IMS_URL);
    if ((o->consumer_key && !ad->consumer_key) ||
        (o->access_token && !ad->access_token) ||
        (o->username && !ad->username) || (o->client_id && !ad->client_id) ||
        (o->org_id && !ad->org_id) || !ad->scope || !ad->ims_token_url)
        return KS_ENOMEM;
    rc = ks__secret_register(&ad->consumer_secret, c, o->consumer_secret);
    if (!rc)
        rc = ks__secret_register(&ad->access_token_secret, c,
                                 o->access_token_secret);
    /* the access token signs nothing alone, but it is a bearer credential
     * where Adobe allows integration tokens as Bearer */
    if (!rc && o->access_token)
        rc = ks_client_add_secret(c, o->access_token);
    if (!rc)
        rc = ks__secret_register(&ad->password, c, o->password);
    if (!rc)
        rc = ks__secret_register(&ad->client_secret, c, o->client_secret);
    return rc;
}

ks_rc ks_adobe_new(struct ks_adobe **out, struct ks_client *client,
                   const struct ks_adobe_options *opts)
{
    struct ks_adobe *ad = NULL;
    char *base = NULL;
    const char *store;
    ks_rc rc;

    *out = NULL;
    if (!client || !opts)
        return KS_EINVAL;
    rc = check_options(client, opts);
    if (rc)
        return rc;
    rc = KS_ENOMEM;
    store = given(opts->store_code) ? opts->store_code : "default";
    ad = ks__calloc(1, sizeof(*ad));
    if (!ad)
        goto out;
    ad->client = client;
    ad->deployment = opts->deployment;
    ad->auth = opts->auth;
    ad->page_size = opts->page_size > 0 ? opts->page_size : KS__ADOBE_PAGE_SIZE;
    ad->admin_life_ms =
        (opts->admin_token_lifetime_s > 0 ? opts->admin_token_lifetime_s
                                          : KS__ADOBE_ADMIN_LIFE_S) *
        1000;
    ad->margin_ms = opts->token_margin_ms > 0 ? opts->token_margin_ms : 60000;
    base = ks__http_root_dup(opts->base_url);
    ad->store_code = ks__strdup(store);
    if (!base || !ad->store_code)
        goto out;
    /* the store code and tenant are single path segments as configured */
    ad->root = opts->deployment == KS_ADOBE_SAAS
                   ? ks__aprintf("%s/%s/V1", base, opts->tenant_id)
                   : ks__aprintf("%s/rest/%s/V1", base, store);
    if (!ad->root)
        goto out;
    rc = copy_credentials(ad, opts);
    if (rc)
        goto out;
    *out = ad;
    ad = NULL;
out:
    ks__free(base);
    ks_adobe_free(ad);
    return rc;
}

void ks_adobe_free(struct ks_adobe *ad)
{
    if (!ad)
        return;
    ks__secret_free(ad->token.value);
    ks__secret_free(ad->consumer_secret);
    ks__secret_free(ad->access_token_secret);
    ks__secret_free(ad->password);
    ks__secret_free(ad->client_secret);
    ks__free(ad->consumer_key);
    ks__free(ad->access_token);
    ks__free(ad->username);
    ks__free(ad->client_id);
    ks__free(ad->org_id);
    ks__free(ad->scope);
    ks__free(ad->ims_token_url);
    ks__free(ad->store_code);
    ks__free(ad->root);
    ks__free(ad);
}

int ks_adobe_token_requests(const struct ks_adobe *ad)
{
    return ad->token_requests;
}

ks_rc ks__adobe_url(char **out, struct ks_adobe *ad, const char *path,
                    const char *const *query)
{
    char *base = ks__aprintf("%s/%s", ad->root, path);
    ks_rc rc;

    *out = NULL;
    if (!base)
        return KS_ENOMEM;
    rc = ks__http_url_build(out, ad->client, "adobe", path, base, query, NULL);
    ks__free(base);
    return rc;
}

ks_rc ks__adobe_json(cJSON **out, struct ks_adobe *ad, const char *method,
                     const char *path, const char *url, const cJSON *body)
{
    struct ks__adobe_auth_ctx ctx = {ad, method, url};
    struct ks__http_auth auth = {ks__adobe_auth_apply, &ctx};
    const struct ks__http_json_request req = {
        "adobe", method, path, url, body, &auth, -1, 1, ks__adobe_remote_error};

    return ks__http_json(out, ad->client, &req);
}

ks_rc ks_adobe_request(cJSON **out, struct ks_adobe *ad, const char *method,
                       const char *path, const cJSON *body)
{
    char *url = NULL;
    ks_rc rc;

    if (out)
        *out = NULL;
    rc = ks__adobe_url(&url, ad, path, NULL);
    if (!rc)
        rc = ks__adobe_json(out, ad, method, path, url, body);
    ks__free(url);
    return rc;
}
