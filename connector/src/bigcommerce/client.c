/*
 * The BigCommerce handle: options, URLs, the X-Auth-Token of each request
 * and the mapping of BigCommerce's two error shapes (v3 object, v2 array)
 * onto the client's error.
 */
#include <string.h>
#include <cjson/cJSON.h>
#include "bigcommerce_int.h"

static ks_rc add_secret(struct ks_secret **slot, struct ks_client *client,
                        const char *value)
{
    ks_rc rc;

    if (!value || !*value)
        return KS_OK;
    rc = ks__secret_new(slot, value);
    if (rc)
        return rc;
    return ks_client_add_secret(client, value);
}

ks_rc ks_bigcommerce_new(struct ks_bigcommerce **out, struct ks_client *client,
                         const struct ks_bigcommerce_options *opts)
{
    struct ks_bigcommerce *bc = NULL;
    const char *base;
    size_t n;
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
    bc->base_url = ks__strdup(base);
    bc->store_hash = ks__strdup(opts->store_hash);
    if (!bc->base_url || !bc->store_hash ||
        ks__seen_init(&bc->seen, opts->webhook_seen_max) != KS_OK)
        goto out;
    n = strlen(bc->base_url);
    while (n > 0 && bc->base_url[n - 1] == '/')
        bc->base_url[--n] = '\0';
    if (opts->webhook_header_name && *opts->webhook_header_name &&
        opts->webhook_header_value && *opts->webhook_header_value) {
        bc->webhook_header_name = ks__strdup(opts->webhook_header_name);
        if (!bc->webhook_header_name)
            goto out;
        rc = add_secret(&bc->webhook_header_value, client,
                        opts->webhook_header_value);
        if (rc)
            goto out;
    }
    rc = add_secret(&bc->access_token, client, opts->access_token);
    if (!rc)
        rc = add_secret(&bc->client_secret, client, opts->client_secret);
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
    CURLU *u = curl_url();
    char *base = NULL, *curl_out = NULL;
    ks_rc rc = KS_ENOMEM;

    *out = NULL;
    if (!u)
        goto out;
    base = ks__aprintf("%s/stores/%s/%s", bc->base_url, bc->store_hash,
                       path[0] == '/' ? path + 1 : path);
    if (!base)
        goto out;
    if (curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK) {
        rc = ks__error_set(ks__client_error(bc->client), KS_EINVAL, 0,
                           "bigcommerce: bad URL for %s", path);
        goto out;
    }
    rc = KS_OK;
    for (size_t i = 0; query && query[i] && query[i + 1] && !rc; i += 2)
        rc = ks__http_url_add_query(u, query[i], query[i + 1]);
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

static ks_rc auth_apply(void *userdata, struct curl_slist **headers,
                        int refresh)
{
    struct ks_bigcommerce *bc = userdata;
    struct curl_slist *grown;
    char *line;

    (void)refresh; /* an API account token does not expire: 401 is final */
    line = ks__aprintf("X-Auth-Token: %s", bc->access_token->value);
    if (!line)
        return KS_ENOMEM;
    grown = curl_slist_append(*headers, line);
    memset(line, 0, strlen(line));
    ks__free(line);
    if (!grown)
        return KS_ENOMEM;
    *headers = grown;
    return KS_OK;
}

/* "title: field message" from a v3 body, "message" from a v2 array. */
static void set_remote_error(struct ks_bigcommerce *bc,
                             const struct ks__http_reply *reply)
{
    cJSON *json;
    const cJSON *o, *title, *errors;
    char text[400];

    if (!reply->body || !reply->len)
        return;
    json = cJSON_ParseWithLength(reply->body, reply->len);
    if (!json)
        return;
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
        ks__http_set_remote_message(bc->client, text, NULL);
    }
    cJSON_Delete(json);
}

ks_rc ks__bc_send(struct ks__http_reply *reply, struct ks_bigcommerce *bc,
                  const char *method, const char *url, const char *body,
                  size_t body_len, int idempotent)
{
    struct ks__http_auth auth = {auth_apply, bc};
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
    req.idempotent = idempotent;
    rc = ks__http_send(reply, bc->client, &req);
    if (rc && rc != KS_ENOMEM)
        set_remote_error(bc, reply);
    curl_slist_free_all(headers);
    return rc;
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
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    char *url = NULL, *text = NULL;
    cJSON *json = NULL;
    ks_rc rc;

    if (out)
        *out = NULL;
    rc = ks__bc_url(&url, bc, path, query);
    if (rc)
        goto out;
    if (body) {
        text = cJSON_PrintUnformatted(body);
        if (!text) {
            rc = KS_ENOMEM;
            goto out;
        }
    }
    rc = ks__bc_send(&reply, bc, method, url, text, text ? strlen(text) : 0,
                     idempotent);
    if (rc || !out || reply.status == 204 || reply.len == 0)
        goto out;
    json = cJSON_ParseWithLength(reply.body, reply.len);
    if (!json) {
        rc = ks__error_set(
            ks__client_error(bc->client), KS_EPARSE, reply.status,
            "bigcommerce: %s %s: reply is not JSON", method, path);
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
