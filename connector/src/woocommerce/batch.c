/*
 * Batch writes: POST <resource>/batch with {"create","update","delete"}.
 * WooCommerce accepts at most 100 items per request across the three
 * lists (413 woocommerce_rest_request_entity_too_large otherwise), and
 * answers 200 even when single items fail, each failure standing in its
 * slot as {"id", "error": {...}}.
 */
#include <string.h>
#include "woocommerce_int.h"

size_t ks__wc_batch_chunks(size_t total, size_t limit)
{
    if (limit == 0)
        limit = 1;
    return (total + limit - 1) / limit;
}

/* The items are numbered create, then update, then delete; chunk index
 * covers [index*limit, (index+1)*limit) of that sequence. */
void ks__wc_batch_slice(struct ks__wc_slice *out, size_t ncreate,
                        size_t nupdate, size_t ndelete, size_t limit,
                        size_t index)
{
    size_t total = ncreate + nupdate + ndelete;
    size_t from, to;
    size_t bounds[4] = {0, ncreate, ncreate + nupdate, total};
    size_t f[3], n[3];

    if (limit == 0)
        limit = 1;
    from = index * limit;
    to = from + limit;
    if (from > total)
        from = total;
    if (to > total)
        to = total;
    for (int i = 0; i < 3; i++) {
        size_t lo = from > bounds[i] ? from : bounds[i];
        size_t hi = to < bounds[i + 1] ? to : bounds[i + 1];

        f[i] = lo - bounds[i];
        n[i] = hi > lo ? hi - lo : 0;
        if (!n[i])
            f[i] = 0;
    }
    out->create_from = f[0];
    out->create_n = n[0];
    out->update_from = f[1];
    out->update_n = n[1];
    out->delete_from = f[2];
    out->delete_n = n[2];
}

/* Adds copies of list[from .. from+n) under name; nothing when n is 0. */
static ks_rc add_slice(cJSON *body, const char *name, const cJSON *list,
                       size_t from, size_t n)
{
    cJSON *arr;

    if (!n)
        return KS_OK;
    arr = cJSON_AddArrayToObject(body, name);
    if (!arr)
        return KS_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        cJSON *copy =
            cJSON_Duplicate(cJSON_GetArrayItem(list, (int)(from + i)), 1);

        if (!copy || !cJSON_AddItemToArray(arr, copy)) {
            cJSON_Delete(copy);
            return KS_ENOMEM;
        }
    }
    return KS_OK;
}

static int list_size(const cJSON *list)
{
    return cJSON_IsArray(list) ? cJSON_GetArraySize(list) : 0;
}

/* Moves the items of reply[name] into result[name], counting the ones
 * that carry an error and logging each. */
static void take_results(cJSON *result, cJSON *reply, const char *name,
                         struct ks_woocommerce_batch_stats *stats,
                         struct ks_woocommerce *wc)
{
    cJSON *src = cJSON_GetObjectItemCaseSensitive(reply, name);
    cJSON *dst = cJSON_GetObjectItemCaseSensitive(result, name);
    cJSON *item;

    if (!cJSON_IsArray(src) || !dst)
        return;
    while ((item = cJSON_DetachItemFromArray(src, 0)) != NULL) {
        const cJSON *err = cJSON_GetObjectItemCaseSensitive(item, "error");

        if (cJSON_IsObject(err)) {
            const cJSON *code = cJSON_GetObjectItemCaseSensitive(err, "code");
            const cJSON *msg = cJSON_GetObjectItemCaseSensitive(err, "message");
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "id");

            stats->failed++;
            ks__log(wc->client, KS_LOG_WARN, NULL,
                    "woocommerce: batch %s item (id %.0f) refused: %s: %s",
                    name, cJSON_IsNumber(id) ? id->valuedouble : 0.0,
                    cJSON_IsString(code) ? code->valuestring : "?",
                    cJSON_IsString(msg) ? msg->valuestring : "?");
        } else {
            stats->ok++;
        }
        if (!cJSON_AddItemToArray(dst, item))
            cJSON_Delete(item);
    }
}

ks_rc ks_woocommerce_batch(cJSON **out,
                           struct ks_woocommerce_batch_stats *stats,
                           struct ks_woocommerce *wc, const char *path,
                           const cJSON *create, const cJSON *update,
                           const cJSON *del)
{
    struct ks_woocommerce_batch_stats local = {0, 0, 0};
    size_t nc = (size_t)list_size(create), nu = (size_t)list_size(update);
    size_t nd = (size_t)list_size(del), chunks;
    cJSON *result = cJSON_CreateObject(), *body = NULL, *reply = NULL;
    ks_rc rc = KS_ENOMEM;

    *out = NULL;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof(*stats));
    if (!result || (create && !cJSON_AddArrayToObject(result, "create")) ||
        (update && !cJSON_AddArrayToObject(result, "update")) ||
        (del && !cJSON_AddArrayToObject(result, "delete")))
        goto out;
    chunks = ks__wc_batch_chunks(nc + nu + nd, (size_t)wc->batch_limit);
    rc = KS_OK;
    for (size_t i = 0; i < chunks && !rc; i++) {
        struct ks__wc_slice s;

        ks__wc_batch_slice(&s, nc, nu, nd, (size_t)wc->batch_limit, i);
        body = cJSON_CreateObject();
        if (!body) {
            rc = KS_ENOMEM;
            break;
        }
        rc = add_slice(body, "create", create, s.create_from, s.create_n);
        if (!rc)
            rc = add_slice(body, "update", update, s.update_from, s.update_n);
        if (!rc)
            rc = add_slice(body, "delete", del, s.delete_from, s.delete_n);
        if (!rc)
            rc = ks_woocommerce_request(&reply, wc, "POST", path, NULL, body);
        if (!rc) {
            stats->requests++;
            take_results(result, reply, "create", stats, wc);
            take_results(result, reply, "update", stats, wc);
            take_results(result, reply, "delete", stats, wc);
        }
        cJSON_Delete(body);
        body = NULL;
        cJSON_Delete(reply);
        reply = NULL;
    }
    if (rc)
        goto out;
    *out = result;
    result = NULL;
out:
    cJSON_Delete(result);
    return rc;
}

ks_rc ks_woocommerce_products_batch(cJSON **out,
                                    struct ks_woocommerce_batch_stats *stats,
                                    struct ks_woocommerce *wc,
                                    const cJSON *create, const cJSON *update,
                                    const cJSON *del)
{
    return ks_woocommerce_batch(out, stats, wc, "products/batch", create,
                                update, del);
}

ks_rc ks_woocommerce_variations_batch(cJSON **out,
                                      struct ks_woocommerce_batch_stats *stats,
                                      struct ks_woocommerce *wc,
                                      int64_t product_id, const cJSON *create,
                                      const cJSON *update, const cJSON *del)
{
    char path[64];

    snprintf(path, sizeof(path), "products/%lld/variations/batch",
             (long long)product_id);
    return ks_woocommerce_batch(out, stats, wc, path, create, update, del);
}

ks_rc ks_woocommerce_customers_batch(cJSON **out,
                                     struct ks_woocommerce_batch_stats *stats,
                                     struct ks_woocommerce *wc,
                                     const cJSON *create, const cJSON *update,
                                     const cJSON *del)
{
    return ks_woocommerce_batch(out, stats, wc, "customers/batch", create,
                                update, del);
}
