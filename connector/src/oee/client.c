/*
 * The OEE handle: options, authentication (bearer token or X-API-Key),
 * the API's error shape, and the calls of kinsync/oee.h over the shared
 * REST layer.
 */
#include <stdio.h>
#include <string.h>
#include <curl/curl.h>
#include <kx/json.h>
#include <kx/time.h>
#include "oee_int.h"

ks_rc ks_oee_new(struct ks_oee **out, struct ks_client *client,
                 const struct ks_oee_options *opts)
{
    struct ks_oee *oee = NULL;
    ks_rc rc = KS_ENOMEM;

    *out = NULL;
    if (!client || !opts || !opts->base_url || !*opts->base_url ||
        !opts->api_key || !*opts->api_key) {
        if (client)
            ks__error_set(ks__client_error(client), KS_EINVAL, 0,
                          "oee: base_url and api_key are required");
        return KS_EINVAL;
    }
    oee = ks__calloc(1, sizeof(*oee));
    if (!oee)
        goto out;
    oee->client = client;
    oee->api_key_header = opts->api_key_header;
    oee->root = ks__http_root_dup(opts->base_url);
    if (!oee->root)
        goto out;
    rc = ks__secret_register(&oee->api_key, client, opts->api_key);
    if (rc)
        goto out;
    *out = oee;
    oee = NULL;
out:
    ks_oee_free(oee);
    return rc;
}

void ks_oee_free(struct ks_oee *oee)
{
    if (!oee)
        return;
    ks__secret_free(oee->api_key);
    ks__free(oee->root);
    ks__free(oee);
}

long ks_oee_requests(const struct ks_oee *oee)
{
    return oee ? oee->requests : 0;
}

void ks_oee_string_free(char *s)
{
    ks__free(s);
}

static ks_rc auth_apply(void *userdata, struct curl_slist **headers,
                        int refresh)
{
    struct ks_oee *oee = userdata;

    (void)refresh; /* an API key does not expire: a 401 is final */
    if (oee->api_key_header)
        return ks__http_header_add(headers, "X-API-Key", oee->api_key->value);
    return ks__http_header_take(
        headers, ks__aprintf("Authorization: Bearer %s", oee->api_key->value));
}

/* {"error": {"code", "message"}} -> "oee: code: message". */
static void remote_error(struct ks_client *client, const cJSON *json)
{
    const cJSON *e = kx_json_obj(json, "error");
    const char *code = kx_json_str(e, "code"), *msg = kx_json_str(e, "message");
    char text[400];

    if (code && msg) {
        snprintf(text, sizeof(text), "oee: %s: %s", code, msg);
        ks__http_set_remote_message(client, text, NULL);
    }
}

char *ks__oee_segment(const char *s)
{
    CURL *curl = curl_easy_init();
    char *esc, *copy;

    if (!curl)
        return NULL;
    esc = curl_easy_escape(curl, s, 0);
    copy = esc ? ks__strdup(esc) : NULL;
    curl_free(esc);
    curl_easy_cleanup(curl);
    return copy;
}

ks_rc ks__oee_call(cJSON **out, struct ks_oee *oee, const char *method,
                   const char *path, const char *const *query,
                   const cJSON *body)
{
    struct ks__http_auth auth = {auth_apply, oee};
    struct ks__http_json_request req = {"oee", method, path, NULL,        body,
                                        &auth, -1,     1,    remote_error};
    char *base = ks__aprintf("%s/api/v1/%s", oee->root, path), *url = NULL;
    ks_rc rc;

    if (out)
        *out = NULL;
    if (!base)
        return KS_ENOMEM;
    rc = ks__http_url_build(&url, oee->client, "oee", path, base, query, NULL);
    ks__free(base);
    if (rc)
        return rc;
    /* every write of the API is idempotent by its key (an
     * acknowledgement, a summary, a binding), so retries are safe */
    req.idempotent = 1;
    req.url = url;
    oee->requests++;
    rc = ks__http_json(out, oee->client, &req);
    ks__free(url);
    return rc;
}

/* "scopes/<scope>/<rest>" with scope escaped; NULL when out of memory. */
static char *scope_path(const char *scope, const char *wc, const char *rest)
{
    char *s = ks__oee_segment(scope), *w = wc ? ks__oee_segment(wc) : NULL;
    char *p = NULL;

    if (s && (!wc || w))
        p = wc ? ks__aprintf("scopes/%s/work-centers/%s%s", s, w, rest)
               : ks__aprintf("scopes/%s/%s", s, rest);
    ks__free(s);
    ks__free(w);
    return p;
}

static ks_rc call_at(cJSON **out, struct ks_oee *oee, const char *method,
                     const char *scope, const char *wc, const char *rest,
                     const char *const *query, const cJSON *body)
{
    char *path = scope_path(scope, wc, rest);
    ks_rc rc;

    if (!path)
        return KS_ENOMEM;
    rc = ks__oee_call(out, oee, method, path, query, body);
    ks__free(path);
    return rc;
}

ks_rc ks_oee_acknowledge(struct ks_oee *oee, const char *scope, const char *job,
                         const char *event, const cJSON *extra)
{
    cJSON *body = extra ? cJSON_Duplicate(extra, 1) : cJSON_CreateObject();
    ks_rc rc = KS_ENOMEM;

    if (!body || !cJSON_IsObject(body))
        goto out;
    cJSON_DeleteItemFromObjectCaseSensitive(body, "job");
    cJSON_DeleteItemFromObjectCaseSensitive(body, "event");
    if (!cJSON_AddStringToObject(body, "job", job) ||
        !cJSON_AddStringToObject(body, "event", event))
        goto out;
    rc =
        call_at(NULL, oee, "POST", scope, NULL, "acknowledgements", NULL, body);
out:
    cJSON_Delete(body);
    return rc;
}

static int add_op(cJSON *o, const struct ks_oee_op *op)
{
    return cJSON_AddStringToObject(o, "job", op->job) &&
           cJSON_AddNumberToObject(o, "assembly", op->assembly) &&
           cJSON_AddNumberToObject(o, "operation", op->operation) &&
           (!op->op_code || cJSON_AddStringToObject(o, "op_code", op->op_code));
}

static int add_iso(cJSON *o, const char *name, int64_t ms)
{
    char iso[KX_ISO8601_MAX];

    kx_iso8601_format(iso, ms, 0);
    return cJSON_AddStringToObject(o, name, iso) != NULL;
}

ks_rc ks_oee_bind(struct ks_oee *oee, const char *scope, const char *wc,
                  const struct ks_oee_op *op, int paused, const char *reason,
                  int64_t since_ms)
{
    cJSON *body = cJSON_CreateObject();
    ks_rc rc = KS_ENOMEM;

    if (!body || !add_op(body, op) ||
        !cJSON_AddStringToObject(body, "state",
                                 paused ? "paused" : "running") ||
        (reason && !cJSON_AddStringToObject(body, "reason", reason)) ||
        !add_iso(body, "since", since_ms))
        goto out;
    rc = call_at(NULL, oee, "PUT", scope, wc, "/binding", NULL, body);
out:
    cJSON_Delete(body);
    return rc;
}

ks_rc ks_oee_unbind(struct ks_oee *oee, const char *scope, const char *wc)
{
    return call_at(NULL, oee, "DELETE", scope, wc, "/binding", NULL, NULL);
}

ks_rc ks_oee_timeline(cJSON **out, struct ks_oee *oee, const char *scope,
                      const char *wc, int64_t from_ms, int64_t to_ms)
{
    char from[KX_ISO8601_MAX], to[KX_ISO8601_MAX];
    const char *q[] = {"from", from, "to", to, NULL};

    kx_iso8601_format(from, from_ms, 0);
    kx_iso8601_format(to, to_ms, 0);
    return call_at(out, oee, "GET", scope, wc, "/timeline", q, NULL);
}

ks_rc ks_oee_reason_codes_put(struct ks_oee *oee, const char *scope,
                              const cJSON *codes)
{
    cJSON *body = cJSON_CreateObject();
    cJSON *copy = cJSON_Duplicate(codes, 1);
    ks_rc rc = KS_ENOMEM;

    if (!body || !copy || !cJSON_AddItemToObject(body, "codes", copy)) {
        cJSON_Delete(copy);
        goto out;
    }
    rc = call_at(NULL, oee, "PUT", scope, NULL, "reason-codes", NULL, body);
out:
    cJSON_Delete(body);
    return rc;
}

ks_rc ks_oee_summaries_get(cJSON **out, struct ks_oee *oee, const char *scope,
                           const char *job)
{
    const char *q[] = {"job", job, NULL};

    return call_at(out, oee, "GET", scope, NULL, "summaries", job ? q : NULL,
                   NULL);
}

ks_rc ks_oee_summary_post(struct ks_oee *oee, const char *scope, const char *wc,
                          const struct ks_oee_op *op,
                          const struct ks_oee_summary *s)
{
    cJSON *body = NULL;
    ks_rc rc = ks_oee_summary_json(&body, wc, op, s);

    if (!rc)
        rc = call_at(NULL, oee, "POST", scope, NULL, "summaries", NULL, body);
    cJSON_Delete(body);
    return rc;
}
