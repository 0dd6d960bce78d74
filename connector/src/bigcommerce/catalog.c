/*
 * Catalog, inventory and customer calls: lookups, creates and the chunked
 * batch writes at the platform's limits (10 products, 50 variants, 2000
 * inventory items, 10 customers per request).
 */
#include <string.h>
#include "bigcommerce_int.h"

/* The first element of reply.data, detached into *out; ENOTFOUND when the
 * list is empty. */
static ks_rc first_of(cJSON **out, struct ks_bigcommerce *bc, cJSON *reply,
                      const char *what, const char *key)
{
    cJSON *data = cJSON_GetObjectItemCaseSensitive(reply, "data");
    cJSON *first = cJSON_IsArray(data) ? data->child : NULL;

    if (!first)
        return ks__error_set(ks__client_error(bc->client), KS_ENOTFOUND, 0,
                             "bigcommerce: no %s with %s", what, key);
    *out = cJSON_DetachItemViaPointer(data, first);
    return KS_OK;
}

ks_rc ks_bigcommerce_variant_find_by_sku(cJSON **out, struct ks_bigcommerce *bc,
                                         const char *sku)
{
    const char *q[] = {"sku", sku, "limit", "1", NULL};
    cJSON *reply = NULL;
    ks_rc rc;

    *out = NULL;
    if (!sku || !*sku)
        return KS_EINVAL;
    /* /v3/catalog/variants?sku= matches variant SKUs, base variants
     * included; products?sku= would match only a product's main SKU. */
    rc = ks_bigcommerce_request(&reply, bc, "GET", "v3/catalog/variants", q,
                                NULL);
    if (!rc)
        rc = first_of(out, bc, reply, "variant", "that SKU");
    cJSON_Delete(reply);
    return rc;
}

/* Moves reply.data into *out. */
static ks_rc take_data(cJSON **out, struct ks_bigcommerce *bc, cJSON *reply,
                       const char *what)
{
    cJSON *data = cJSON_DetachItemFromObjectCaseSensitive(reply, "data");

    if (!data)
        return ks__error_set(ks__client_error(bc->client), KS_EPARSE, 0,
                             "bigcommerce: %s reply without data", what);
    *out = data;
    return KS_OK;
}

ks_rc ks_bigcommerce_product_create(cJSON **out, struct ks_bigcommerce *bc,
                                    const cJSON *product)
{
    cJSON *reply = NULL;
    ks_rc rc;

    *out = NULL;
    /* BigCommerce keeps product SKUs unique (a second create is 409), so a
     * create that names its SKU cannot make a product twice: it may go on
     * a reused connection and be re-sent after a lost reply. */
    rc = ks__bc_request(
        &reply, bc, "POST", "v3/catalog/products", NULL, product,
        cJSON_IsString(cJSON_GetObjectItemCaseSensitive(product, "sku")) ? 1
                                                                         : -1);
    if (!rc)
        rc = take_data(out, bc, reply, "product create");
    cJSON_Delete(reply);
    return rc;
}

static ks_rc batch(cJSON **out, struct ks_bigcommerce_batch_stats *stats,
                   struct ks_bigcommerce *bc, const char *method,
                   const char *path, const cJSON *arr, size_t limit,
                   cJSON *(*wrap)(cJSON *chunk, void *ud), void *ud)
{
    cJSON *result = NULL, *data = NULL, *errors = NULL;
    ks_rc rc = KS_ENOMEM;

    if (stats)
        memset(stats, 0, sizeof(*stats));
    if (out) {
        *out = NULL;
        result = cJSON_CreateObject();
        data = cJSON_AddArrayToObject(result, "data");
        errors = cJSON_AddArrayToObject(result, "errors");
        if (!data || !errors)
            goto out;
    }
    if (arr && !cJSON_IsArray(arr)) {
        rc = KS_EINVAL;
        goto out;
    }
    rc = ks__bc_chunked(data, errors, stats, bc, method, path, arr, limit, wrap,
                        ud);
    if (out) {
        *out = result; /* what was written before a failure is reported */
        result = NULL;
    }
out:
    cJSON_Delete(result);
    return rc;
}

ks_rc ks_bigcommerce_products_update(cJSON **out,
                                     struct ks_bigcommerce_batch_stats *stats,
                                     struct ks_bigcommerce *bc,
                                     const cJSON *products)
{
    return batch(out, stats, bc, "PUT", "v3/catalog/products", products,
                 KS_BIGCOMMERCE_PRODUCTS_BATCH, NULL, NULL);
}

ks_rc ks_bigcommerce_variants_update(cJSON **out,
                                     struct ks_bigcommerce_batch_stats *stats,
                                     struct ks_bigcommerce *bc,
                                     const cJSON *variants)
{
    return batch(out, stats, bc, "PUT", "v3/catalog/variants", variants,
                 KS_BIGCOMMERCE_VARIANTS_BATCH, NULL, NULL);
}

/* {"reason": ..., "items": chunk}; takes chunk. */
static cJSON *wrap_adjustment(cJSON *chunk, void *ud)
{
    const char *reason = ud;
    cJSON *body = cJSON_CreateObject();

    if (!body || !cJSON_AddStringToObject(body, "reason", reason) ||
        !cJSON_AddItemToObject(body, "items", chunk)) {
        cJSON_Delete(body);
        cJSON_Delete(chunk);
        return NULL;
    }
    return body;
}

ks_rc ks_bigcommerce_inventory_absolute(
    cJSON **out, struct ks_bigcommerce_batch_stats *stats,
    struct ks_bigcommerce *bc, const char *reason, const cJSON *items)
{
    cJSON *result = NULL, *ids = NULL;
    const cJSON *it;
    ks_rc rc;

    if (out)
        *out = NULL;
    rc = batch(out ? &result : NULL, stats, bc, "PUT",
               "v3/inventory/adjustments/absolute", items,
               KS_BIGCOMMERCE_INVENTORY_BATCH, wrap_adjustment,
               (void *)(reason ? reason : "kinsync"));
    if (!out)
        return rc;
    /* Each chunk answers {"transaction_id": ...}, gathered as "data". */
    ids = cJSON_CreateArray();
    if (!ids) {
        cJSON_Delete(result);
        return KS_ENOMEM;
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(result, "data"))
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(it, "transaction_id");
        cJSON *copy =
            cJSON_IsString(t) ? cJSON_CreateString(t->valuestring) : NULL;

        if (copy && !cJSON_AddItemToArray(ids, copy))
            cJSON_Delete(copy);
    }
    cJSON_Delete(result);
    *out = ids;
    return rc;
}

ks_rc ks_bigcommerce_customer_find_by_email(cJSON **out,
                                            struct ks_bigcommerce *bc,
                                            const char *email)
{
    const char *q[] = {"email:in", email, "limit", "1", NULL};
    cJSON *reply = NULL;
    ks_rc rc;

    *out = NULL;
    if (!email || !*email || strchr(email, ','))
        return KS_EINVAL; /* a comma would turn it into a list */
    rc = ks_bigcommerce_request(&reply, bc, "GET", "v3/customers", q, NULL);
    if (!rc)
        rc = first_of(out, bc, reply, "customer", "that e-mail");
    cJSON_Delete(reply);
    return rc;
}

ks_rc ks_bigcommerce_customers_create(cJSON **out,
                                      struct ks_bigcommerce_batch_stats *stats,
                                      struct ks_bigcommerce *bc,
                                      const cJSON *customers)
{
    cJSON *result = NULL;
    ks_rc rc;

    if (!cJSON_IsArray(customers)) {
        if (stats)
            memset(stats, 0, sizeof(*stats));
        if (out)
            *out = NULL;
        return KS_EINVAL;
    }
    rc = batch(out ? &result : NULL, stats, bc, "POST", "v3/customers",
               customers, KS_BIGCOMMERCE_CUSTOMERS_BATCH, NULL, NULL);
    if (out) /* the created customers alone, also after a failure */
        *out = cJSON_DetachItemFromObjectCaseSensitive(result, "data");
    cJSON_Delete(result);
    return rc;
}
