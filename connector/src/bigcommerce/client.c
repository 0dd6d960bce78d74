/*
 * The BigCommerce handle: options, URLs, the X-Auth-Token of each request
 * and the mapping of BigCommerce's two error shapes (v3 object, v2 array)
 * onto the client's error.
 */
#include <string.h>
#include <cjson/cJSON.h>
#include "bigcommerce_int.h"

ks_rc ks_bigcommerce_new(struct ks_bigcommerce **out, struct ks_client *client,
                         const struct ks_bigcommerce_options *opts)
{
    struct ks_bigcommerce *bc = NULL;
    const char *base;
    ks_rc rc = KS_ENOMEM;

    *out = NULL;
    if (!client || !opts || !opts->store_hash || !*opts->store_hash ||
        !opts->access_token || !*opts->access_token ||
        strchr(opts->store_hash, '/')) {
        if (client)
            ks__error_set(ks__client_error(client), KS_EINVAL, 0,
                          "bigcommerce: store_hash and access_token are "
                          "required");
        return KS_EINVAL;
    }
    bc = ks__calloc(1, sizeof(*bc));
    if (!bc)
        goto out;
    bc->client = client;
    /* BigCommerce refuses limit over 250; clamping means the client can
     * never send such a value. */
    bc->page_limit = opts->page_limit;
    if (bc->page_limit < 1)
        bc->page_limit = 1;
    if (bc->page_limit > KS_BIGCOMMERCE_PAGE_LIMIT_MAX)
        bc->page_limit = KS_BIGCOMMERCE_PAGE_LIMIT_MAX;
    bc->webhook_tolerance_s =
        opts->webhook_tolerance_s > 0 ? opts->webhook_tolerance_s : 300;
    bc->webhook_max_body =
        opts->webhook_max_body ? opts->webhook_max_body : (size_t)1 << 20;
    base = opts->base_url && *opts->base_url ? opts->base_url
                                             : KS__BC_DEFAULT_BASE;
    bc->base_url = ks__http_root_dup(base);
    bc->store_hash = ks__strdup(opts->store_hash);
    if (!bc->base_url || !bc->store_hash ||
        ks__seen_init(&bc->seen, opts->webhook_seen_max) != KS_OK)
        goto out;
    if (opts->webhook_header_name && *opts->webhook_header_name &&
        opts->webhook_header_value && *opts->webhook_header_value) {
        bc->webhook_header_name = ks__strdup(opts->webhook_header_name);
        if (!bc->webhook_header_name)
            goto out;
        rc = ks__secret_register(&bc->webhook_header_value, client,
                                 opts->webhook_header_value);
        if (rc)
            goto out;
    }
    rc = ks__secret_register(&bc->access_token, client, opts->access_token);
    if (!rc)
        rc = ks__secret_register(&bc->client_secret, client,
                                 opts->client_secret);
    if (rc)
        goto out;
    *out = bc;
    bc = NULL;
out:
    ks_bigcommerce_free(bc);
    return rc;
}

void ks_bigcommerce_free(struct ks_bigcommerce *bc)
{
    if (!bc)
        return;
    ks__seen_dispose(&bc->seen);
    ks__secret_free(bc->access_token);
    ks__secret_free(bc->client_secret);
    ks__secret_free(bc->webhook_header_value);
    ks__free(bc->webhook_header_name);
    ks__free(bc->store_hash);
    ks__free(bc->base_url);
    ks__free(bc);
}

ks_rc ks__bc_url(char **out, struct ks_bigcommerce *bc, const char *path,
                 const char *const *query)
{
    char *base;
    ks_rc rc;

    *out = NULL;
    base = ks__aprintf("%s/stores/%s/%s", bc->base_url, bc->store_hash,
                       path[0] == '/' ? path + 1 : path);
    if (!base)
        return KS_ENOMEM;
    rc = ks__http_url_build(out, bc->client, "bigcommerce", path, base, query,
                            NULL);
    ks__free(base);
    return rc;
}

static ks_rc auth_apply(void *userdata, struct curl_slist **headers,
                        int refresh)
{
    struct ks_bigcommerce *bc = userdata;

    (void)refresh; /* an API account token does not expire: 401 is final */
    return ks__http_header_add(headers, "X-Auth-Token",
                               bc->access_token->value);
}

/* "title: field message" from a v3 body, "message" from a v2 array. */
static void remote_error(struct ks_client *client, const cJSON *json)
{
    const cJSON *o, *title, *errors;
    char text[400];

    o = cJSON_IsArray(json) ? cJSON_GetArrayItem(json, 0) : json;
    title = cJSON_GetObjectItemCaseSensitive(o, "title");
    if (!cJSON_IsString(title))
        title = cJSON_GetObjectItemCaseSensitive(o, "message");
    errors = cJSON_GetObjectItemCaseSensitive(o, "errors");
    if (cJSON_IsString(title)) {
        const cJSON *first = cJSON_IsObject(errors) ? errors->child : NULL;

        if (first && cJSON_IsString(first) && first->string)
            snprintf(text, sizeof(text), "bigcommerce: %s (%s: %s)",
                     title->valuestring, first->string, first->valuestring);
        else
            snprintf(text, sizeof(text), "bigcommerce: %s", title->valuestring);
        ks__http_set_remote_message(client, text, NULL);
    }
}

ks_rc ks__bc_send(struct ks__http_reply *reply, struct ks_bigcommerce *bc,
                  const char *method, const char *url, const char *body,
                  size_t body_len, int idempotent)
{
    struct ks__http_auth auth = {auth_apply, bc};
    const struct ks__http_request req = {method,   url,   NULL,      body,
                                         body_len, &auth, idempotent};

    return ks__http_send_mapped(reply, bc->client, &req, remote_error);
}

ks_rc ks_bigcommerce_request(cJSON **out, struct ks_bigcommerce *bc,
                             const char *method, const char *path,
                             const char *const *query, const cJSON *body)
{
    return ks__bc_request(out, bc, method, path, query, body, -1);
}

ks_rc ks__bc_request(cJSON **out, struct ks_bigcommerce *bc, const char *method,
                     const char *path, const char *const *query,
                     const cJSON *body, int idempotent)
{
    struct ks__http_auth auth = {auth_apply, bc};
    struct ks__http_json_request req = {"bigcommerce", method, path,
                                        NULL,          body,   &auth,
                                        idempotent,    1,      remote_error};
    char *url = NULL;
    ks_rc rc;

    if (out)
        *out = NULL;
    rc = ks__bc_url(&url, bc, path, query);
    if (rc)
        return rc;
    req.url = url;
    rc = ks__http_json(out, bc->client, &req);
    ks__free(url);
    return rc;
}
