/* The JSON REST plumbing the storefront clients share (see rest.h). */
#include <stdlib.h>
#include <string.h>
#include <kx/json_print.h>
#include "rest.h"

static ks_rc add_pairs(CURLU *u, const char *const *pairs)
{
    ks_rc rc = KS_OK;

    for (size_t i = 0; pairs && pairs[i] && pairs[i + 1] && !rc; i += 2)
        rc = ks__http_url_add_query(u, pairs[i], pairs[i + 1]);
    return rc;
}

ks_rc ks__http_url_build(char **out, struct ks_client *c, const char *who,
                         const char *what, const char *base,
                         const char *const *query, const char *const *more)
{
    CURLU *u = curl_url();
    char *curl_out = NULL;
    ks_rc rc = KS_ENOMEM;

    *out = NULL;
    if (!u)
        goto out;
    if (curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK) {
        rc = ks__error_set(ks__client_error(c), KS_EINVAL, 0,
                           "%s: bad URL for %s", who, what);
        goto out;
    }
    rc = add_pairs(u, query);
    if (!rc)
        rc = add_pairs(u, more);
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
    curl_url_cleanup(u);
    return rc;
}

char *ks__http_root_dup(const char *url)
{
    size_t n = strlen(url);

    while (n > 0 && url[n - 1] == '/')
        n--;
    return ks__strndup(url, n);
}

ks_rc ks__http_header_take(struct curl_slist **headers, char *line)
{
    struct curl_slist *grown;

    if (!line)
        return KS_ENOMEM;
    grown = curl_slist_append(*headers, line);
    memset(line, 0, strlen(line)); /* the line may hold a credential */
    ks__free(line);
    if (!grown)
        return KS_ENOMEM;
    *headers = grown;
    return KS_OK;
}

ks_rc ks__http_header_add(struct curl_slist **headers, const char *name,
                          const char *value)
{
    return ks__http_header_take(headers, ks__aprintf("%s: %s", name, value));
}

ks_rc ks__http_send_mapped(struct ks__http_reply *reply, struct ks_client *c,
                           const struct ks__http_request *req,
                           ks__http_remote_error_fn remote_error)
{
    ks_rc rc = ks__http_send(reply, c, req);
    cJSON *json;

    if (!rc || rc == KS_ENOMEM || !remote_error || !reply->body || !reply->len)
        return rc;
    json = cJSON_ParseWithLength(reply->body, reply->len);
    if (json)
        remote_error(c, json);
    cJSON_Delete(json);
    return rc;
}

ks_rc ks__http_json(cJSON **out, struct ks_client *c,
                    const struct ks__http_json_request *req)
{
    struct ks__http_request http = KS__HTTP_REQUEST_INIT;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    char *text = NULL;
    size_t text_len = 0;
    cJSON *json = NULL;
    ks_rc rc = KS_OK;

    if (out)
        *out = NULL;
    if (req->body && kx_json_print(&text, &text_len, req->body, 1024))
        return KS_ENOMEM; /* or unprintable: cJSON's NULL too */
    http.method = req->method;
    http.url = req->url;
    http.body = text;
    http.body_len = text_len;
    http.auth = req->auth;
    http.idempotent = req->idempotent;
    rc = ks__http_send_mapped(&reply, c, &http, req->remote_error);
    if (rc || !out)
        goto out;
    if (req->empty_ok && (reply.status == 204 || reply.len == 0))
        goto out;
    json = cJSON_ParseWithLength(reply.body ? reply.body : "", reply.len);
    if (!json) {
        rc = ks__error_set(ks__client_error(c), KS_EPARSE, reply.status,
                           "%s: %s %s: reply is not JSON", req->who,
                           req->method, req->path);
        goto out;
    }
    *out = json;
out:
    free(text);
    ks__http_reply_dispose(&reply);
    return rc;
}
