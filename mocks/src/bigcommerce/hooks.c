/*
 * /v3/hooks: list (is_active, scope, destination), create, get, update,
 * delete (answers the deleted hook). Objects are {id, client_id,
 * store_hash, scope, destination, headers, is_active, created_at,
 * updated_at} with unix-second dates ([C]); the legacy
 * events_history_enabled is accepted and echoed, nothing else ([C] it
 * left the spec in 2024; clients still send it).
 *
 * [I] choices: a second hook with the same scope and destination is 409
 * (the docs say only one may exist, not which status refuses it); an 11th
 * hook on one scope is 422. Destinations are checked as the platform does
 * (valid_destination below), with a test option for loopback http.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <kx/json.h>
#include <kx/net.h>
#include "bigcommerce_emu.h"

#define DAY_MS 86400000LL

int km__bigcommerce_scope_matches(const char *hook_scope, const char *scope)
{
    size_t n = strlen(hook_scope);

    if (strcmp(hook_scope, scope) == 0)
        return 1;
    return n >= 2 && hook_scope[n - 1] == '*' && hook_scope[n - 2] == '/' &&
           strncmp(hook_scope, scope, n - 1) == 0;
}

void km__bigcommerce_hooks_expire(struct km__bigcommerce_state *st, int64_t now)
{
    cJSON *h;
    int64_t limit = (int64_t)st->inactivity_days * DAY_MS;

    if (st->inactivity_days <= 0)
        return;
    cJSON_ArrayForEach(h, st->hooks)
    {
        if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(h, "is_active")))
            continue;
        if (now - (int64_t)kx_json_numeric(h, "_last_active_ms", 0) < limit)
            continue;
        km__storefront_set(h, "is_active", cJSON_CreateFalse());
        km__storefront_set(h, "updated_at",
                           cJSON_CreateNumber((double)(now / 1000)));
        km__storefront_set(h, "_deactivated", cJSON_CreateString("inactivity"));
    }
}

/* [C] overview.mdx: a destination is https on port 443, no custom
 * ports. The test option allow_http_loopback_destination (on by default,
 * for the in-process receivers) also takes http on a loopback host, any
 * port; nothing else. */
static int valid_destination(const struct km__bigcommerce_state *st,
                             const char *d)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;
    int ok = 0;

    if (!u)
        abort();
    if (curl_url_set(u, CURLUPART_URL, d, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host)
        goto out;
    if (curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
        goto out;
    if (strcmp(scheme, "https") == 0)
        ok = strcmp(port, "443") == 0;
    else if (strcmp(scheme, "http") == 0 && st->allow_http_loopback)
        ok = kx_host_is_loopback(host);
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return ok;
}

/* Checks a create (all) or update (present fields) body; returns the
 * status to refuse with (0 when fine) and the reason. */
static int check(struct km__bigcommerce_state *st, const cJSON *b,
                 const cJSON *self, char *why, size_t whysz)
{
    const cJSON *scope = cJSON_GetObjectItemCaseSensitive(b, "scope");
    const cJSON *dest = cJSON_GetObjectItemCaseSensitive(b, "destination");
    const cJSON *hdrs = cJSON_GetObjectItemCaseSensitive(b, "headers");
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(b, "is_active");
    const cJSON *ev =
        cJSON_GetObjectItemCaseSensitive(b, "events_history_enabled");
    const cJSON *h, *v;
    const char *s, *d;
    int same_scope = 0;

    if ((scope || !self) &&
        (!cJSON_IsString(scope) || strncmp(scope->valuestring, "store/", 6))) {
        snprintf(why, whysz, "scope");
        return 422;
    }
    if ((dest || !self) &&
        (!cJSON_IsString(dest) || !valid_destination(st, dest->valuestring))) {
        snprintf(why, whysz, "destination");
        return 422;
    }
    if (hdrs && !cJSON_IsNull(hdrs)) {
        if (!cJSON_IsObject(hdrs)) {
            snprintf(why, whysz, "headers");
            return 422;
        }
        cJSON_ArrayForEach(v, hdrs)
        {
            if (!cJSON_IsString(v)) {
                snprintf(why, whysz, "headers");
                return 422;
            }
        }
    }
    if ((act && !cJSON_IsBool(act)) || (ev && !cJSON_IsBool(ev))) {
        snprintf(why, whysz,
                 act && !cJSON_IsBool(act) ? "is_active"
                                           : "events_history_enabled");
        return 422;
    }
    if (self && !scope && !dest && !hdrs && !act && !ev) {
        snprintf(why, whysz, "at least one field is required");
        return 422;
    }
    s = scope ? scope->valuestring : kx_json_str_or(self, "scope", "");
    d = dest ? dest->valuestring : kx_json_str_or(self, "destination", "");
    cJSON_ArrayForEach(h, st->hooks)
    {
        if (h == self || strcmp(kx_json_str_or(h, "scope", ""), s) != 0)
            continue;
        same_scope++;
        if (strcmp(kx_json_str_or(h, "destination", ""), d) == 0) {
            snprintf(why, whysz,
                     "A webhook for this scope and destination already "
                     "exists (id %lld)",
                     (long long)km__bigcommerce_id(h));
            return 409;
        }
    }
    if (same_scope >= 10) {
        snprintf(why, whysz, "at most 10 hooks per scope");
        return 422;
    }
    return 0;
}

static void apply(cJSON *h, const cJSON *b, int64_t now)
{
    static const char *const fields[] = {"scope",
                                         "destination",
                                         "headers",
                                         "is_active",
                                         "events_history_enabled",
                                         NULL};
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(b, "is_active");

    for (size_t i = 0; fields[i]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(b, fields[i]);

        if (v)
            km__storefront_set(h, fields[i], cJSON_Duplicate(v, 1));
    }
    /* Turning a hook on again restarts its inactivity clock. */
    if (cJSON_IsTrue(act)) {
        km__storefront_set(h, "_last_active_ms",
                           cJSON_CreateNumber((double)now));
        km__storefront_set(h, "_deactivated", cJSON_CreateString(""));
    }
    km__storefront_set(h, "updated_at",
                       cJSON_CreateNumber((double)(now / 1000)));
}

cJSON *km__bigcommerce_hook_store(struct km__bigcommerce_state *st,
                                  const cJSON *body, int64_t now, int *status,
                                  char *why, size_t whysz)
{
    int64_t id = km__bigcommerce_id(body);
    cJSON *h;

    *status = check(st, body, NULL, why, whysz);
    if (*status)
        return NULL;
    if (id <= 0 || km__storefront_find(st->hooks, id))
        id = st->next_hook_id++;
    else if (id >= st->next_hook_id)
        st->next_hook_id = id + 1;
    h = cJSON_CreateObject();
    cJSON_AddNumberToObject(h, "id", (double)id);
    cJSON_AddStringToObject(h, "client_id", st->client_id);
    cJSON_AddStringToObject(h, "store_hash", st->store_hash);
    cJSON_AddStringToObject(h, "scope", "");
    cJSON_AddStringToObject(h, "destination", "");
    cJSON_AddNullToObject(h, "headers");
    cJSON_AddTrueToObject(h, "is_active");
    cJSON_AddNumberToObject(h, "created_at", (double)(now / 1000));
    cJSON_AddNumberToObject(h, "updated_at", (double)(now / 1000));
    cJSON_AddNumberToObject(h, "_last_active_ms", (double)now);
    apply(h, body, now);
    cJSON_AddItemToArray(st->hooks, h);
    *status = 200;
    return h;
}

/* ---- routes ---------------------------------------------------------------
 */

static void reply_hook(struct km__bigcommerce_call *c, const cJSON *h)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddItemToObject(o, "data", km__storefront_public(h));
    cJSON_AddItemToObject(o, "meta", cJSON_CreateObject());
    km_response_json(c->res, 200, o);
}

static void refuse(struct km__bigcommerce_call *c, int status, const char *why)
{
    cJSON *errors = NULL;

    if (status == 422) {
        errors = cJSON_CreateObject();
        cJSON_AddStringToObject(errors, why, "error.path.invalid");
    }
    km__bigcommerce_v3_error(
        c->res, status, status == 422 ? "JSON data is missing or invalid" : why,
        errors);
}

static cJSON *hook_or_404(struct km__bigcommerce_call *c)
{
    cJSON *h;
    char title[96];

    km__bigcommerce_hooks_expire(c->st, c->req->now_ms);
    h = km__storefront_find(c->st->hooks,
                            km_request_param_id(c->req, "webhook_id"));
    if (!h) {
        snprintf(title, sizeof(title), "Webhook with id [%lld] not found",
                 (long long)km_request_param_id(c->req, "webhook_id"));
        km__bigcommerce_v3_error(c->res, 404, title, NULL);
    }
    return h;
}

void km__bigcommerce_hooks_list(struct km_response *res,
                                const struct km_request *req, void *state)
{
    struct km__bigcommerce_call *c = KM__BIGCOMMERCE_CALL(res, req, state);
    const char *active = km_request_arg(c->req, "is_active");
    const char *scope = km_request_arg(c->req, "scope");
    const char *dest = km_request_arg(c->req, "destination");
    cJSON *all;
    const cJSON *h;
    int limit, page;

    km__bigcommerce_hooks_expire(c->st, c->req->now_ms);
    if (km__bigcommerce_paging(c, &limit, &page, 0) != 0)
        return;
    all = cJSON_CreateArray();
    cJSON_ArrayForEach(h, c->st->hooks)
    {
        int on = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(h, "is_active"));

        if (active && on != (strcmp(active, "true") == 0))
            continue;
        if (scope && strcmp(kx_json_str_or(h, "scope", ""), scope) != 0)
            continue;
        if (dest && strcmp(kx_json_str_or(h, "destination", ""), dest) != 0)
            continue;
        cJSON_AddItemToArray(all, km__storefront_public(h));
    }
    km__bigcommerce_send_page(c, all, limit, page);
}

void km__bigcommerce_hooks_create(struct km_response *res,
                                  const struct km_request *req, void *state)
{
    struct km__bigcommerce_call *c = KM__BIGCOMMERCE_CALL(res, req, state);
    cJSON *body = km__bigcommerce_body(c, 0), *h;
    char why[160];
    int status;

    if (!body)
        return;
    km__bigcommerce_hooks_expire(c->st, c->req->now_ms);
    h = km__bigcommerce_hook_store(c->st, body, c->req->now_ms, &status, why,
                                   sizeof(why));
    cJSON_Delete(body);
    if (!h)
        refuse(c, status, why);
    else
        reply_hook(c, h);
}

void km__bigcommerce_hooks_get(struct km_response *res,
                               const struct km_request *req, void *state)
{
    struct km__bigcommerce_call *c = KM__BIGCOMMERCE_CALL(res, req, state);
    cJSON *h = hook_or_404(c);

    if (h)
        reply_hook(c, h);
}

void km__bigcommerce_hooks_update(struct km_response *res,
                                  const struct km_request *req, void *state)
{
    struct km__bigcommerce_call *c = KM__BIGCOMMERCE_CALL(res, req, state);
    cJSON *h = hook_or_404(c), *body;
    char why[160];
    int status;

    if (!h || !(body = km__bigcommerce_body(c, 0)))
        return;
    status = check(c->st, body, h, why, sizeof(why));
    if (status) {
        refuse(c, status, why);
    } else {
        apply(h, body, c->req->now_ms);
        reply_hook(c, h);
    }
    cJSON_Delete(body);
}

void km__bigcommerce_hooks_delete(struct km_response *res,
                                  const struct km_request *req, void *state)
{
    struct km__bigcommerce_call *c = KM__BIGCOMMERCE_CALL(res, req, state);
    cJSON *h = hook_or_404(c);

    if (!h)
        return;
    reply_hook(c, h);
    cJSON_Delete(cJSON_DetachItemViaPointer(c->st->hooks, h));
}
