/*
 * Webhook management: list, create, change status, make sure the hooks
 * the connector needs exist, and watch for hooks WooCommerce disabled
 * after consecutive delivery failures (it never retries a failed
 * delivery and never re-enables a hook by itself).
 */
#include <string.h>
#include <kx/json.h>
#include "woocommerce_int.h"

ks_rc ks_woocommerce_webhooks_list(struct ks_woocommerce *wc,
                                   ks_woocommerce_item_fn fn, void *userdata)
{
    const char *query[] = {"status", "all", NULL};

    return ks_woocommerce_list(wc, "webhooks", query, fn, userdata, NULL);
}

ks_rc ks_woocommerce_webhook_create(cJSON **out, struct ks_woocommerce *wc,
                                    const char *name, const char *topic,
                                    const char *delivery_url)
{
    cJSON *body = cJSON_CreateObject();
    ks_rc rc = KS_ENOMEM;

    if (out)
        *out = NULL;
    if (!wc->webhook_secret) {
        rc = ks__error_set(ks__client_error(wc->client), KS_EINVAL, 0,
                           "woocommerce: webhook_secret is not configured");
        goto out;
    }
    if (!body || !cJSON_AddStringToObject(body, "name", name ? name : topic) ||
        !cJSON_AddStringToObject(body, "topic", topic) ||
        !cJSON_AddStringToObject(body, "delivery_url", delivery_url) ||
        !cJSON_AddStringToObject(body, "secret", wc->webhook_secret->value) ||
        !cJSON_AddStringToObject(body, "status", "active"))
        goto out;
    rc = ks_woocommerce_request(out, wc, "POST", "webhooks", NULL, body);
out:
    if (body) {
        /* The printed copy is gone; wipe the secret in the tree too. */
        cJSON *secret = cJSON_GetObjectItemCaseSensitive(body, "secret");

        if (cJSON_IsString(secret))
            memset(secret->valuestring, 0, strlen(secret->valuestring));
    }
    cJSON_Delete(body);
    return rc;
}

ks_rc ks_woocommerce_webhook_set_status(cJSON **out, struct ks_woocommerce *wc,
                                        int64_t webhook_id, const char *status)
{
    char path[48];
    cJSON *body = cJSON_CreateObject();
    ks_rc rc = KS_ENOMEM;

    if (out)
        *out = NULL;
    if (body && cJSON_AddStringToObject(body, "status", status)) {
        snprintf(path, sizeof(path), "webhooks/%lld", (long long)webhook_id);
        rc = ks_woocommerce_request(out, wc, "PUT", path, NULL, body);
    }
    cJSON_Delete(body);
    return rc;
}

static int collect(void *userdata, const cJSON *item)
{
    cJSON *arr = userdata;
    cJSON *copy = cJSON_Duplicate(item, 1);

    if (!copy || !cJSON_AddItemToArray(arr, copy)) {
        cJSON_Delete(copy);
        return 1; /* out of memory: stop; the caller notices the count */
    }
    return 0;
}

ks_rc ks_woocommerce_hooks_ensure(cJSON **out, struct ks_woocommerce *wc,
                                  const char *const *topics,
                                  const char *delivery_url)
{
    cJSON *all = cJSON_CreateArray(), *result = cJSON_CreateArray();
    cJSON *made = NULL;
    const cJSON *hook;
    ks_rc rc = KS_ENOMEM;

    *out = NULL;
    if (!all || !result)
        goto out;
    rc = ks_woocommerce_webhooks_list(wc, collect, all);
    if (rc)
        goto out;
    for (size_t i = 0; topics && topics[i]; i++) {
        cJSON *found = NULL;

        cJSON_ArrayForEach(hook, all)
        {
            if (strcmp(kx_json_str_or(hook, "topic", ""), topics[i]) == 0 &&
                strcmp(kx_json_str_or(hook, "delivery_url", ""),
                       delivery_url) == 0) {
                found = cJSON_Duplicate(hook, 1);
                break;
            }
        }
        if (!found) {
            rc = ks_woocommerce_webhook_create(&made, wc, topics[i], topics[i],
                                               delivery_url);
            if (rc)
                goto out;
            ks__log(wc->client, KS_LOG_INFO, NULL,
                    "woocommerce: created webhook for %s", topics[i]);
            found = made;
            made = NULL;
        }
        if (!found || !cJSON_AddItemToArray(result, found)) {
            cJSON_Delete(found);
            rc = KS_ENOMEM;
            goto out;
        }
    }
    *out = result;
    result = NULL;
out:
    cJSON_Delete(all);
    cJSON_Delete(result);
    return rc;
}

static ks_rc check_one(cJSON *report, int *alert, struct ks_woocommerce *wc,
                       const cJSON *hook)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(hook, "id");
    const char *status = kx_json_str_or(hook, "status", "");
    int disabled = strcmp(status, "disabled") == 0, reenabled = 0;
    cJSON *entry = cJSON_CreateObject(), *updated = NULL;
    ks_rc rc = KS_OK;

    if (!entry)
        return KS_ENOMEM;
    if (disabled) {
        *alert = 1;
        ks__log(wc->client, KS_LOG_ERROR, NULL,
                "woocommerce: webhook %.0f (%s) is disabled after repeated "
                "delivery failures; events for it are no longer sent",
                cJSON_IsNumber(id) ? id->valuedouble : 0.0,
                kx_json_str_or(hook, "topic", ""));
        if (wc->reenable_disabled_hooks && cJSON_IsNumber(id)) {
            rc = ks_woocommerce_webhook_set_status(
                &updated, wc, (int64_t)id->valuedouble, "active");
            cJSON_Delete(updated);
            reenabled = rc == KS_OK;
        }
    }
    if (!cJSON_AddNumberToObject(entry, "id",
                                 cJSON_IsNumber(id) ? id->valuedouble : 0) ||
        !cJSON_AddStringToObject(entry, "topic",
                                 kx_json_str_or(hook, "topic", "")) ||
        !cJSON_AddStringToObject(entry, "status",
                                 reenabled ? "active" : status) ||
        !cJSON_AddStringToObject(entry, "delivery_url",
                                 kx_json_str_or(hook, "delivery_url", "")) ||
        !cJSON_AddBoolToObject(entry, "alert", disabled) ||
        !cJSON_AddBoolToObject(entry, "reenabled", reenabled) ||
        !cJSON_AddItemToArray(report, entry)) {
        cJSON_Delete(entry);
        return rc ? rc : KS_ENOMEM;
    }
    return rc;
}

ks_rc ks_woocommerce_hooks_check(cJSON **out, int *alert,
                                 struct ks_woocommerce *wc)
{
    cJSON *all = cJSON_CreateArray(), *report = cJSON_CreateArray();
    const cJSON *hook;
    int local = 0;
    ks_rc rc = KS_ENOMEM;

    *out = NULL;
    if (!alert)
        alert = &local;
    *alert = 0;
    if (!all || !report)
        goto out;
    rc = ks_woocommerce_webhooks_list(wc, collect, all);
    if (rc)
        goto out;
    cJSON_ArrayForEach(hook, all)
    {
        rc = check_one(report, alert, wc, hook);
        if (rc)
            goto out;
    }
    *out = report;
    report = NULL;
out:
    cJSON_Delete(all);
    cJSON_Delete(report);
    return rc;
}
