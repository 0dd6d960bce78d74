/*
 * Products, customers, orders and refunds: thin calls over the generic
 * request and listing functions.
 */
#include <string.h>
#include "woocommerce_int.h"

/* Keeps a copy of the first listed item and stops the listing. */
static int take_first(void *userdata, const cJSON *item)
{
    cJSON **slot = userdata;

    *slot = cJSON_Duplicate(item, 1);
    return 1;
}

static ks_rc find_one(cJSON **out, struct ks_woocommerce *wc, const char *path,
                      const char *const *query, const char *what,
                      const char *key)
{
    cJSON *found = NULL;
    int pages = 0;
    ks_rc rc;

    *out = NULL;
    rc = ks_woocommerce_list(wc, path, query, take_first, &found, &pages);
    if (rc) {
        cJSON_Delete(found);
        return rc;
    }
    if (!found)
        return ks__error_set(ks__client_error(wc->client), KS_ENOTFOUND, 0,
                             "woocommerce: no %s with %s", what, key);
    *out = found;
    return KS_OK;
}

ks_rc ks_woocommerce_product_find_by_sku(cJSON **out, struct ks_woocommerce *wc,
                                         const char *sku)
{
    const char *query[] = {"sku", sku, NULL};

    return find_one(out, wc, "products", query, "product", "this SKU");
}

ks_rc ks_woocommerce_stock_set(cJSON **out, struct ks_woocommerce *wc,
                               int64_t product_id, int64_t variation_id,
                               int64_t quantity)
{
    char path[80];
    cJSON *body = cJSON_CreateObject();
    ks_rc rc = KS_ENOMEM;

    if (out)
        *out = NULL;
    if (!body || !cJSON_AddTrueToObject(body, "manage_stock") ||
        !cJSON_AddNumberToObject(body, "stock_quantity", (double)quantity))
        goto out;
    if (variation_id > 0)
        snprintf(path, sizeof(path), "products/%lld/variations/%lld",
                 (long long)product_id, (long long)variation_id);
    else
        snprintf(path, sizeof(path), "products/%lld", (long long)product_id);
    rc = ks_woocommerce_request(out, wc, "PUT", path, NULL, body);
out:
    cJSON_Delete(body);
    return rc;
}

ks_rc ks_woocommerce_customer_find_by_email(cJSON **out,
                                            struct ks_woocommerce *wc,
                                            const char *email)
{
    /* role=all: a shopper who also has another role is still the same
     * person; the default role filter is "customer" only. */
    const char *query[] = {"email", email, "role", "all", NULL};

    return find_one(out, wc, "customers", query, "customer",
                    "this e-mail address");
}

ks_rc ks_woocommerce_customer_upsert(cJSON **out, int *created,
                                     struct ks_woocommerce *wc,
                                     const cJSON *customer)
{
    const cJSON *email = cJSON_GetObjectItemCaseSensitive(customer, "email");
    const cJSON *id;
    cJSON *existing = NULL;
    char path[48];
    ks_rc rc;

    *out = NULL;
    if (created)
        *created = 0;
    if (!cJSON_IsString(email) || !*email->valuestring)
        return ks__error_set(ks__client_error(wc->client), KS_EINVAL, 0,
                             "woocommerce: a customer needs an email");
    rc = ks_woocommerce_customer_find_by_email(&existing, wc,
                                               email->valuestring);
    if (rc == KS_ENOTFOUND) {
        ks__error_clear(ks__client_error(wc->client));
        rc = ks_woocommerce_request(out, wc, "POST", "customers", NULL,
                                    customer);
        if (!rc && created)
            *created = 1;
        return rc;
    }
    if (rc)
        return rc;
    id = cJSON_GetObjectItemCaseSensitive(existing, "id");
    if (!cJSON_IsNumber(id)) {
        rc = ks__error_set(ks__client_error(wc->client), KS_EPARSE, 0,
                           "woocommerce: customer without an id");
    } else {
        snprintf(path, sizeof(path), "customers/%.0f", id->valuedouble);
        rc = ks_woocommerce_request(out, wc, "PUT", path, NULL, customer);
    }
    cJSON_Delete(existing);
    return rc;
}

ks_rc ks_woocommerce_order_get(cJSON **out, struct ks_woocommerce *wc,
                               int64_t order_id)
{
    char path[48];

    snprintf(path, sizeof(path), "orders/%lld", (long long)order_id);
    return ks_woocommerce_request(out, wc, "GET", path, NULL, NULL);
}

ks_rc ks_woocommerce_orders_modified_since(struct ks_woocommerce *wc,
                                           const char *since,
                                           ks_woocommerce_item_fn fn,
                                           void *userdata)
{
    /* Oldest change first, so a poll interrupted half-way can resume from
     * the last date it saw without skipping anything. */
    const char *query[] = {"modified_after", since,   "orderby",
                           "modified",       "order", "asc",
                           "status",         "any",   NULL};

    if (!since || !*since)
        return ks__error_set(ks__client_error(wc->client), KS_EINVAL, 0,
                             "woocommerce: modified_since needs a date");
    return ks_woocommerce_list(wc, "orders", query, fn, userdata, NULL);
}

ks_rc ks_woocommerce_refunds_list(struct ks_woocommerce *wc, int64_t order_id,
                                  ks_woocommerce_item_fn fn, void *userdata)
{
    char path[48];

    snprintf(path, sizeof(path), "orders/%lld/refunds", (long long)order_id);
    return ks_woocommerce_list(wc, path, NULL, fn, userdata, NULL);
}
