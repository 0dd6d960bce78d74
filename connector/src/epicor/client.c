/*
 * The Kinetic handle: options, URLs, sending with credentials and the
 * licence retry, and the mapping of Epicor's error body onto the client's
 * error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cjson/cJSON.h>
#include <kx/json.h>
#include <kx/json_print.h>
#include "epicor_int.h"

int ks_epicor_auth_from_name(enum ks_epicor_auth *out, const char *name)
{
    if (!name)
        return -1;
    if (strcmp(name, "basic") == 0)
        *out = KS_EPICOR_AUTH_BASIC;
    else if (strcmp(name, "token") == 0)
        *out = KS_EPICOR_AUTH_TOKEN;
    else if (strcmp(name, "idp") == 0)
        *out = KS_EPICOR_AUTH_IDP;
    else
        return -1;
    return 0;
}

static int given(const char *s)
{
    return s && *s;
}

static ks_rc invalid(struct ks_client *client, const char *what)
{
    if (client) {
        ks__error_clear(ks__client_error(client));
        ks__error_set(ks__client_error(client), KS_EINVAL, 0, "epicor: %s",
                      what);
    }
    return KS_EINVAL;
}

static ks_rc check_options(struct ks_client *client,
                           const struct ks_epicor_options *o)
{
    if (!client || !o)
        return invalid(client, "client and options are required");
    if (!given(o->server_url) || !given(o->instance) || !given(o->company))
        return invalid(client, "server_url, instance and company are required");
    switch (o->auth) {
    case KS_EPICOR_AUTH_BASIC:
    case KS_EPICOR_AUTH_TOKEN:
        if (!given(o->username) || !given(o->password))
            return invalid(client, "username and password are required");
        break;
    case KS_EPICOR_AUTH_IDP:
        if (!given(o->client_id) || !given(o->client_secret))
            return invalid(client, "client_id and client_secret are required");
        break;
    default:
        return invalid(client, "unknown auth");
    }
    if (o->api_version != 0 && o->api_version != 1 && o->api_version != 2)
        return invalid(client, "api_version must be 1 or 2");
    return KS_OK;
}

/* Copies a secret into the handle and registers it with the client's log
 * mask. NULL or empty values are left out. */
static ks_rc dup_opt(char **out, const char *s)
{
    *out = NULL;
    if (!s)
        return KS_OK;
    *out = ks__strdup(s);
    return *out ? KS_OK : KS_ENOMEM;
}

ks_rc ks_epicor_new(struct ks_epicor **out, struct ks_client *client,
                    const struct ks_epicor_options *opts)
{
    struct ks_epicor *epi = NULL;
    ks_rc rc;

    *out = NULL;
    rc = check_options(client, opts);
    if (rc)
        return rc;
    epi = ks__calloc(1, sizeof(*epi));
    if (!epi)
        return KS_ENOMEM;
    epi->client = client;
    epi->auth = opts->auth;
    epi->margin_ms =
        opts->token_refresh_margin_ms >= 0 ? opts->token_refresh_margin_ms : 0;
    /* Epicor caps a page at 100 rows: asking for more would come back
     * "short" and end a listing early. */
    epi->page_size = opts->page_size;
    if (epi->page_size < 1)
        epi->page_size = 1;
    if (epi->page_size > KS__EPICOR_PAGE_MAX)
        epi->page_size = KS__EPICOR_PAGE_MAX;
    epi->license_retries =
        opts->license_retries > 0 ? opts->license_retries : 0;
    epi->license_wait_ms =
        opts->license_retry_wait_ms > 0 ? opts->license_retry_wait_ms : 0;
    if (epi->license_wait_ms > KS_EPICOR_LICENSE_WAIT_MAX_MS)
        epi->license_wait_ms = KS_EPICOR_LICENSE_WAIT_MAX_MS;
    epi->api_version = opts->api_version == 1 ? 1 : 2;
    epi->server_url = ks__http_root_dup(opts->server_url);
    rc = epi->server_url ? KS_OK : KS_ENOMEM;
    if (!rc)
        rc = dup_opt(&epi->instance, opts->instance);
    if (!rc)
        rc = dup_opt(&epi->company, opts->company);
    if (!rc)
        rc = dup_opt(&epi->username, opts->username);
    if (!rc)
        rc = dup_opt(&epi->client_id, opts->client_id);
    if (!rc)
        rc = dup_opt(&epi->token_url, given(opts->token_url)
                                          ? opts->token_url
                                          : KS_EPICOR_IDP_TOKEN_URL);
    if (!rc)
        rc = dup_opt(&epi->scope, opts->scope ? opts->scope : "epicor_erp");
    if (!rc)
        rc = ks__secret_register(&epi->api_key, client, opts->api_key);
    if (!rc)
        rc = ks__secret_register(&epi->password, client, opts->password);
    if (!rc)
        rc = ks__secret_register(&epi->client_secret, client,
                                 opts->client_secret);
    if (rc)
        goto out;
    *out = epi;
    epi = NULL;
out:
    ks_epicor_free(epi);
    return rc;
}

void ks_epicor_free(struct ks_epicor *epi)
{
    if (!epi)
        return;
    ks__secret_free(epi->token);
    ks__secret_free(epi->api_key);
    ks__secret_free(epi->password);
    ks__secret_free(epi->client_secret);
    ks__free(epi->server_url);
    ks__free(epi->instance);
    ks__free(epi->company);
    ks__free(epi->username);
    ks__free(epi->client_id);
    ks__free(epi->token_url);
    ks__free(epi->scope);
    ks__free(epi);
}

void ks_epicor_stats(struct ks_epicor_stats *out, const struct ks_epicor *epi)
{
    *out = epi->stats;
}

/* ---- errors ----------------------------------------------------------- */

static int contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);

    for (; hay && *hay; hay++) {
        if (strncasecmp(hay, needle, n) == 0)
            return 1;
    }
    return 0;
}

ks_rc ks__epicor_map_error(cJSON **json, const char **message,
                           const char **correlation, long status, ks_rc http_rc,
                           const char *body, size_t len)
{
    const char *type = NULL, *msg = NULL, *corr = NULL;
    const char *text = body;

    *json = NULL;
    if (message)
        *message = NULL;
    if (correlation)
        *correlation = NULL;
    if (body && len)
        *json = cJSON_ParseWithLength(body, len);
    if (cJSON_IsObject(*json)) {
        type = kx_json_str(*json, "ErrorType");
        msg = kx_json_str(*json, "ErrorMessage");
        corr = kx_json_str(*json, "CorrelationId");
        if (!msg) /* the IdP's OAuth2 error */
            msg = kx_json_str(*json, "error_description");
        if (!msg)
            msg = kx_json_str(*json, "error");
        text = msg;
    }
    if (message)
        *message = msg;
    if (correlation)
        *correlation = corr;
    if (status == 400 && (contains(type, "LicenseAccessException") ||
                          contains(text, "LicenseAccessException") ||
                          contains(text, "Maximum users exceeded")))
        return KS_ELICENSE;
    if ((status == 400 || status == 409) &&
        contains(text, "modified by another user"))
        return KS_ECONFLICT;
    return http_rc;
}

ks_rc ks__epicor_remote_error(struct ks_epicor *epi,
                              const struct ks__http_reply *reply, ks_rc rc)
{
    struct ks_error *err = ks__client_error(epi->client);
    const char *msg = NULL, *corr = NULL;
    cJSON *json = NULL;
    char *text = NULL;
    ks_rc mapped;

    if (rc == KS_ENOMEM || reply->status == 0)
        return rc;
    mapped = ks__epicor_map_error(&json, &msg, &corr, reply->status, rc,
                                  reply->body, reply->len);
    if (msg) {
        text = ks__aprintf("epicor: %s", msg);
        ks__http_set_remote_message(epi->client, text ? text : msg, corr);
    } else if (corr) {
        ks__http_set_remote_message(epi->client, NULL, corr);
    }
    /* The HTTP layer recorded the status's generic code; a licence or
     * concurrency refusal is a 400 whose meaning is in the body. */
    if (err->rc == rc)
        err->rc = mapped;
    ks__free(text);
    cJSON_Delete(json);
    return mapped;
}

ks_rc ks__epicor_parse_error(struct ks_epicor *epi, const char *what,
                             const struct ks__http_reply *reply)
{
    return ks__error_set(
        ks__client_error(epi->client), KS_EPARSE, reply->status,
        "epicor: %s: reply is not the JSON expected (%zu bytes%s)", what,
        reply->len,
        reply->len && reply->body && reply->body[reply->len - 1] != '}' &&
                reply->body[reply->len - 1] != ']'
            ? ", cut short or malformed"
            : "");
}

/* ---- sending ---------------------------------------------------------- */

static ks_rc send_once(struct ks__http_reply *reply, struct ks_epicor *epi,
                       const char *method, const char *url, const char *body)
{
    struct ks__http_auth auth = {ks__epicor_auth_apply, epi};
    struct ks__http_request req = KS__HTTP_REQUEST_INIT;
    ks_rc rc;

    req.method = method;
    req.url = url;
    req.body = body;
    req.body_len = body ? strlen(body) : 0;
    req.auth = &auth;
    epi->token_fresh = 0;
    rc = ks__http_send(reply, epi->client, &req);
    if (rc == KS_ELICENSE) /* refused at the token request */
        return rc;
    if (rc)
        rc = ks__epicor_remote_error(epi, reply, rc);
    return rc;
}

ks_rc ks__epicor_send(struct ks__http_reply *reply, struct ks_epicor *epi,
                      const char *method, const char *url, const char *body)
{
    struct ks_clock *clock = ks_client_clock(epi->client);
    int64_t wait = epi->license_wait_ms;
    ks_rc rc;

    /* A licence refusal means Epicor did not run the call, so repeating
     * it is safe even for a POST. Seats free up when other sessions end,
     * which takes minutes rather than seconds: the wait doubles. */
    for (int attempt = 0;; attempt++) {
        rc = send_once(reply, epi, method, url, body);
        if (rc != KS_ELICENSE || attempt >= epi->license_retries)
            break;
        ks__log(epi->client, KS_LOG_WARN, NULL,
                "epicor: no licence seat free, retrying in %lld ms "
                "(%d of %d)",
                (long long)wait, attempt + 1, epi->license_retries);
        epi->stats.license_waits++;
        ks_clock_sleep_ms(clock, wait);
        ks__http_reply_dispose(reply);
        wait = wait > KS_EPICOR_LICENSE_WAIT_MAX_MS / 2
                   ? KS_EPICOR_LICENSE_WAIT_MAX_MS
                   : wait * 2;
    }
    return rc;
}

ks_rc ks__epicor_json(cJSON **out, struct ks_epicor *epi, const char *method,
                      const char *url, const cJSON *body)
{
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    char *text = NULL;
    size_t len;
    cJSON *json = NULL;
    ks_rc rc;

    *out = NULL;
    if (body && kx_json_print(&text, &len, body, 1024))
        return KS_ENOMEM; /* or unprintable: cJSON's NULL too */
    rc = ks__epicor_send(&reply, epi, method, url, text);
    if (rc)
        goto out;
    json = cJSON_ParseWithLength(reply.body ? reply.body : "", reply.len);
    if (!cJSON_IsObject(json)) {
        char what[320];
        size_t n = (size_t)snprintf(what, sizeof(what), "%s ", method);

        ks_redact_url(what + n, sizeof(what) - n, url);
        rc = ks__epicor_parse_error(epi, what, &reply);
        goto out;
    }
    *out = json;
    json = NULL;
out:
    cJSON_Delete(json);
    free(text);
    ks__http_reply_dispose(&reply);
    return rc;
}
