/*
 * Customers: WordPress users with the customer role. The e-mail address
 * is unique; the list is filtered to role=customer unless asked for
 * role=all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <kx/json.h>
#include "woocommerce_emu.h"

static const char *const customer_readonly[] = {"id",
                                                "date_created",
                                                "date_created_gmt",
                                                "date_modified",
                                                "date_modified_gmt",
                                                "is_paying_customer",
                                                "password",
                                                NULL};

static const cJSON *email_owner(struct km__woocommerce_state *st,
                                const char *email, const cJSON *self)
{
    const cJSON *it;

    cJSON_ArrayForEach(it, st->customers)
    {
        if (it != self &&
            strcasecmp(kx_json_str_or(it, "email", ""), email) == 0)
            return it;
    }
    return NULL;
}

static int check_email(struct km__woocommerce_state *st, const cJSON *body,
                       const cJSON *self, struct km__woocommerce_err *err)
{
    const cJSON *email = cJSON_GetObjectItemCaseSensitive(body, "email");

    if (!email)
        return 0;
    if (!cJSON_IsString(email) || !strchr(email->valuestring, '@')) {
        km__woocommerce_err_set(err, 400, "rest_invalid_param",
                                "Invalid parameter(s): email");
        return -1;
    }
    if (email_owner(st, email->valuestring, self)) {
        km__woocommerce_err_set(
            err, 400, "registration-error-email-exists",
            "An account is already registered with your email "
            "address. Please log in.");
        return -1;
    }
    return 0;
}

static cJSON *address(int with_email)
{
    static const char *const f[] = {
        "first_name", "last_name", "company", "address_1", "address_2", "city",
        "state",      "postcode",  "country", "phone",     NULL};
    cJSON *a = cJSON_CreateObject();

    for (size_t i = 0; f[i]; i++)
        cJSON_AddStringToObject(a, f[i], "");
    if (with_email)
        cJSON_AddStringToObject(a, "email", "");
    return a;
}

cJSON *km__woocommerce_customer_store(struct km__woocommerce_state *st,
                                      const cJSON *body, int64_t now,
                                      struct km__woocommerce_err *err)
{
    const cJSON *email = cJSON_GetObjectItemCaseSensitive(body, "email");
    int64_t id = km__woocommerce_id(body);
    cJSON *cu;

    if (!cJSON_IsString(email) || !*email->valuestring) {
        km__woocommerce_err_set(err, 400, "rest_missing_callback_param",
                                "Missing parameter(s): email");
        return NULL;
    }
    if (check_email(st, body, NULL, err) != 0)
        return NULL;
    if (id <= 0 || km__storefront_find(st->customers, id))
        id = st->next_customer_id++;
    else if (id >= st->next_customer_id)
        st->next_customer_id = id + 1;
    cu = cJSON_CreateObject();
    cJSON_AddNumberToObject(cu, "id", (double)id);
    cJSON_AddStringToObject(cu, "email", "");
    cJSON_AddStringToObject(cu, "first_name", "");
    cJSON_AddStringToObject(cu, "last_name", "");
    cJSON_AddStringToObject(cu, "role", "customer");
    cJSON_AddStringToObject(cu, "username", email->valuestring);
    cJSON_AddItemToObject(cu, "billing", address(1));
    cJSON_AddItemToObject(cu, "shipping", address(0));
    cJSON_AddFalseToObject(cu, "is_paying_customer");
    cJSON_AddStringToObject(cu, "avatar_url", "");
    cJSON_AddItemToObject(cu, "meta_data", cJSON_CreateArray());
    km__woocommerce_merge(cu, body, customer_readonly);
    km__woocommerce_complete(cu, KM__WOOCOMMERCE_CUSTOMER);
    km__woocommerce_set_dates(cu, now, 1);
    cJSON_AddItemToArray(st->customers, cu);
    return cu;
}

static cJSON *customer_find(struct km__woocommerce_state *st, int64_t parent,
                            int64_t id)
{
    (void)parent;
    return km__storefront_find(st->customers, id);
}

static cJSON *customer_create(struct km__woocommerce_state *st, int64_t parent,
                              const cJSON *body, int64_t now,
                              struct km__woocommerce_err *err)
{
    (void)parent;
    return km__woocommerce_customer_store(st, body, now, err);
}

static int customer_update(struct km__woocommerce_state *st, cJSON *obj,
                           const cJSON *body, int64_t now,
                           struct km__woocommerce_err *err)
{
    if (check_email(st, body, obj, err) != 0)
        return -1;
    /* The username cannot change once made. */
    if (cJSON_GetObjectItemCaseSensitive(body, "username") &&
        strcmp(kx_json_str_or(body, "username", ""),
               kx_json_str_or(obj, "username", ""))) {
        km__woocommerce_err_set(err, 400,
                                "woocommerce_rest_customer_invalid_argument",
                                "Username isn't editable.");
        return -1;
    }
    km__woocommerce_merge(obj, body, customer_readonly);
    km__woocommerce_set_dates(obj, now, 0);
    return 0;
}

static void customer_remove(struct km__woocommerce_state *st, cJSON *obj)
{
    cJSON_Delete(cJSON_DetachItemViaPointer(st->customers, obj));
}

static const struct km__woocommerce_kind customer_kind = {
    "customer",
    "woocommerce_rest_invalid_id",
    0,
    customer_find,
    customer_create,
    customer_update,
    customer_remove,
    NULL,
    0};

void km__woocommerce_customers_list(struct km_response *res,
                                    const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    const char *email = km_request_arg(c->req, "email");
    const char *role = km_request_arg(c->req, "role");
    const char *order = km_request_arg(c->req, "order");
    cJSON *all = cJSON_CreateArray();
    const cJSON *it;
    int per_page, page;

    if (km__woocommerce_paging(c, &per_page, &page) != 0) {
        cJSON_Delete(all);
        return;
    }
    if (!role)
        role = "customer";
    /* Users list ordered by name ascending by default; id order stands in
     * for it (names are often empty here). */
    cJSON_ArrayForEach(it, c->st->customers)
    {
        if (email && strcasecmp(kx_json_str_or(it, "email", ""), email) != 0)
            continue;
        if (strcmp(role, "all") != 0 &&
            strcmp(kx_json_str_or(it, "role", ""), role) != 0)
            continue;
        if (order && strcmp(order, "desc") == 0)
            cJSON_InsertItemInArray(all, 0, km__woocommerce_public(c->st, it));
        else
            cJSON_AddItemToArray(all, km__woocommerce_public(c->st, it));
    }
    km__woocommerce_send_page(c, all, per_page, page);
}

void km__woocommerce_customers_create(struct km_response *res,
                                      const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    km__woocommerce_item_create(c, &customer_kind, 0);
}

void km__woocommerce_customers_get(struct km_response *res,
                                   const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    km__woocommerce_item_get(c, &customer_kind, 0,
                             km_request_param_id(c->req, "id"));
}

void km__woocommerce_customers_update(struct km_response *res,
                                      const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    km__woocommerce_item_update(c, &customer_kind, 0,
                                km_request_param_id(c->req, "id"));
}

void km__woocommerce_customers_delete(struct km_response *res,
                                      const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    km__woocommerce_item_delete(c, &customer_kind, 0,
                                km_request_param_id(c->req, "id"));
}

void km__woocommerce_customers_batch(struct km_response *res,
                                     const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    km__woocommerce_batch(c, &customer_kind, 0);
}
