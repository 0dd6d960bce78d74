/*
 * Webhook management (/v3/hooks) and the health check that repairs hooks
 * BigCommerce deactivated.
 */
#include <inttypes.h>
#include <string.h>
#include <kx/json.h>
#include "bigcommerce_int.h"

ks_rc ks_bigcommerce_hooks_list(struct ks_bigcommerce *bc,
                                ks_bigcommerce_item_fn fn, void *userdata)
{
    return ks_bigcommerce_list(bc, "v3/hooks", NULL, fn, userdata, NULL);
}

static ks_rc take_data(cJSON **out, struct ks_bigcommerce *bc, cJSON *reply)
{
    cJSON *data = cJSON_DetachItemFromObjectCaseSensitive(reply, "data");

    if (!cJSON_IsObject(data)) {
        cJSON_Delete(data);
        return ks__error_set(ks__client_error(bc->client), KS_EPARSE, 0,
                             "bigcommerce: hook reply without data");
    }
    *out = data;
    return KS_OK;
}

ks_rc ks_bigcommerce_hook_create(cJSON **out, struct ks_bigcommerce *bc,
                                 const char *scope, const char *destination,
                                 const cJSON *headers)
{
    cJSON *body = cJSON_CreateObject(), *reply = NULL, *h;
    ks_rc rc = KS_ENOMEM;

    *out = NULL;
    if (!body)
        goto out;
    if (!cJSON_AddStringToObject(body, "scope", scope) ||
        !cJSON_AddStringToObject(body, "destination", destination) ||
        !cJSON_AddBoolToObject(body, "is_active", 1))
        goto out;
    if (cJSON_IsObject(headers)) {
        h = cJSON_Duplicate(headers, 1);
        if (!h || !cJSON_AddItemToObject(body, "headers", h)) {
            cJSON_Delete(h);
            goto out;
        }
    }
    rc = ks_bigcommerce_request(&reply, bc, "POST", "v3/hooks", NULL, body);
    if (!rc)
        rc = take_data(out, bc, reply);
out:
    cJSON_Delete(reply);
    cJSON_Delete(body);
    return rc;
}

ks_rc ks_bigcommerce_hook_set_active(cJSON **out, struct ks_bigcommerce *bc,
                                     int64_t hook_id, int active)
{
    cJSON *body = cJSON_CreateObject(), *reply = NULL, *data = NULL;
    char path[64];
    ks_rc rc = KS_ENOMEM;

    if (out)
        *out = NULL;
    if (!body || !cJSON_AddBoolToObject(body, "is_active", active))
        goto out;
    snprintf(path, sizeof(path), "v3/hooks/%" PRId64, hook_id);
    rc = ks_bigcommerce_request(&reply, bc, "PUT", path, NULL, body);
    if (!rc)
        rc = take_data(&data, bc, reply);
    if (!rc && out) {
        *out = data;
        data = NULL;
    }
out:
    cJSON_Delete(data);
    cJSON_Delete(reply);
    cJSON_Delete(body);
    return rc;
}

ks_rc ks_bigcommerce_hook_delete(struct ks_bigcommerce *bc, int64_t hook_id)
{
    char path[64];

    snprintf(path, sizeof(path), "v3/hooks/%" PRId64, hook_id);
    return ks_bigcommerce_request(NULL, bc, "DELETE", path, NULL, NULL);
}

static int keep_copy(void *ud, const cJSON *item)
{
    cJSON *copy = cJSON_Duplicate(item, 1);

    if (!copy || !cJSON_AddItemToArray(ud, copy)) {
        cJSON_Delete(copy);
        return 1;
    }
    return 0;
}

static int64_t id_of(const cJSON *o)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "id");

    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

static ks_rc report(cJSON *arr, const cJSON *hook, const char *scope,
                    const char *action)
{
    cJSON *r = cJSON_CreateObject();

    if (!r || !cJSON_AddNumberToObject(r, "id", (double)id_of(hook)) ||
        !cJSON_AddStringToObject(r, "scope", scope) ||
        !cJSON_AddBoolToObject(r, "is_active",
                               cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
                                   hook, "is_active"))) ||
        !cJSON_AddStringToObject(r, "action", action) ||
        !cJSON_AddItemToArray(arr, r)) {
        cJSON_Delete(r);
        return KS_ENOMEM;
    }
    return KS_OK;
}

/* Brings one scope to an active hook; *action says what it took. */
static ks_rc ensure_one(cJSON **hook, const char **action,
                        struct ks_bigcommerce *bc, const cJSON *existing,
                        const char *scope, const char *destination,
                        const cJSON *headers)
{
    const cJSON *h, *found = NULL;
    ks_rc rc;

    *hook = NULL;
    cJSON_ArrayForEach(h, existing)
    {
        if (strcmp(kx_json_str_or(h, "scope", ""), scope) == 0 &&
            strcmp(kx_json_str_or(h, "destination", ""), destination) == 0) {
            found = h;
            break;
        }
    }
    if (!found) {
        *action = "created";
        return ks_bigcommerce_hook_create(hook, bc, scope, destination,
                                          headers);
    }
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(found, "is_active"))) {
        *action = "ok";
        *hook = cJSON_Duplicate(found, 1);
        return *hook ? KS_OK : KS_ENOMEM;
    }
    ks__log(bc->client, KS_LOG_WARN, NULL,
            "bigcommerce: hook %" PRId64 " (%s) was deactivated; "
            "re-enabling it",
            id_of(found), scope);
    *action = "reactivated";
    rc = ks_bigcommerce_hook_set_active(hook, bc, id_of(found), 1);
    if (rc == KS_ENOTFOUND) {
        /* Deleted between the listing and the PUT (app reinstalled). */
        *action = "recreated";
        rc = ks_bigcommerce_hook_create(hook, bc, scope, destination, headers);
    }
    return rc;
}

ks_rc ks_bigcommerce_hooks_ensure(cJSON **out, struct ks_bigcommerce *bc,
                                  const char *const *scopes,
                                  const char *destination, const cJSON *headers)
{
    cJSON *existing = cJSON_CreateArray(), *result = cJSON_CreateArray();
    ks_rc rc = KS_ENOMEM;

    *out = NULL;
    if (!existing || !result)
        goto out;
    if (!scopes || !destination || !*destination) {
        rc = KS_EINVAL;
        goto out;
    }
    rc = ks_bigcommerce_hooks_list(bc, keep_copy, existing);
    for (size_t i = 0; !rc && scopes[i]; i++) {
        cJSON *hook = NULL;
        const char *action = "ok";

        rc = ensure_one(&hook, &action, bc, existing, scopes[i], destination,
                        headers);
        if (!rc)
            rc = report(result, hook, scopes[i], action);
        cJSON_Delete(hook);
    }
    if (rc)
        goto out;
    *out = result;
    result = NULL;
out:
    cJSON_Delete(existing);
    cJSON_Delete(result);
    return rc;
}
