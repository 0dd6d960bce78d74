/*
 * v2 orders: the whole order (its products and shipping addresses are
 * separate resources in v2) and the modified-since poll. v2 lists are bare
 * arrays without paging meta, and an empty page may come as 204 No Content
 * or as []; a page shorter than the limit is the last one.
 */
#include <inttypes.h>
#include <string.h>
#include "bigcommerce_int.h"

/*
 * Walks every page of a v2 list at path, calling fn per item. Stops at
 * 204, [] or a short page.
 */
static ks_rc v2_walk(struct ks_bigcommerce *bc, const char *path,
                     const char *const *extra, ks_bigcommerce_item_fn fn,
                     void *ud)
{
    const char *q[24];
    char limit[16], page[16] = "";
    ks_rc rc = KS_OK;

    ks__bc_page_query(q, 24, extra, bc, limit, page);
    for (int p = 1; p < 1000000; p++) {
        cJSON *reply = NULL;
        const cJSON *item;
        int count = 0, stop = 0;

        snprintf(page, sizeof(page), "%d", p);
        rc = ks_bigcommerce_request(&reply, bc, "GET", path, q, NULL);
        if (rc)
            break;
        if (reply && !cJSON_IsArray(reply)) {
            cJSON_Delete(reply);
            rc = ks__error_set(ks__client_error(bc->client), KS_EPARSE, 200,
                               "bigcommerce: %s is not a list", path);
            break;
        }
        cJSON_ArrayForEach(item, reply)
        {
            count++;
            if (!stop && fn(ud, item))
                stop = 1;
        }
        cJSON_Delete(reply);
        if (stop || count < bc->page_limit)
            break;
    }
    return rc;
}

struct collect {
    cJSON *arr;
    int oom;
};

static int append_copy(void *ud, const cJSON *item)
{
    struct collect *c = ud;
    cJSON *copy = cJSON_Duplicate(item, 1);

    if (!copy || !cJSON_AddItemToArray(c->arr, copy)) {
        cJSON_Delete(copy);
        c->oom = 1;
        return 1;
    }
    return 0;
}

/* Replaces order[name] (a {url, resource} link) by the listed array. */
static ks_rc inline_list(cJSON *order, struct ks_bigcommerce *bc,
                         int64_t order_id, const char *name)
{
    char path[96];
    cJSON *arr = cJSON_CreateArray();
    struct collect c = {arr, 0};
    ks_rc rc;

    if (!arr)
        return KS_ENOMEM;
    snprintf(path, sizeof(path), "v2/orders/%" PRId64 "/%s", order_id, name);
    rc = v2_walk(bc, path, NULL, append_copy, &c);
    if (!rc && c.oom)
        rc = KS_ENOMEM;
    if (rc) {
        cJSON_Delete(arr);
        return rc;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(order, name);
    if (!cJSON_AddItemToObject(order, name, arr)) {
        cJSON_Delete(arr);
        return KS_ENOMEM;
    }
    return KS_OK;
}

ks_rc ks_bigcommerce_order_get(cJSON **out, struct ks_bigcommerce *bc,
                               int64_t order_id)
{
    char path[64];
    cJSON *order = NULL;
    ks_rc rc;

    *out = NULL;
    if (order_id <= 0)
        return KS_EINVAL;
    snprintf(path, sizeof(path), "v2/orders/%" PRId64, order_id);
    rc = ks_bigcommerce_request(&order, bc, "GET", path, NULL, NULL);
    if (rc)
        goto out;
    if (!cJSON_IsObject(order)) {
        rc = ks__error_set(ks__client_error(bc->client), KS_EPARSE, 200,
                           "bigcommerce: order %" PRId64 " is not an object",
                           order_id);
        goto out;
    }
    rc = inline_list(order, bc, order_id, "products");
    if (!rc)
        rc = inline_list(order, bc, order_id, "shipping_addresses");
    if (rc)
        goto out;
    *out = order;
    order = NULL;
out:
    cJSON_Delete(order);
    return rc;
}

ks_rc ks_bigcommerce_orders_modified_since(struct ks_bigcommerce *bc,
                                           const char *since,
                                           ks_bigcommerce_item_fn fn,
                                           void *userdata)
{
    const char *q[] = {"min_date_modified", since, "sort", "date_modified:asc",
                       NULL};

    if (!since || !*since)
        return KS_EINVAL;
    return v2_walk(bc, "v2/orders", q, fn, userdata);
}
