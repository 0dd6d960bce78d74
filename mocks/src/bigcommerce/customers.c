/*
 * v3 customers: list (email:in, id:in), create and update as JSON arrays
 * of at most 10 (413 above). A create or update with any invalid item
 * changes nothing and answers 422 with the spec's example title ("Create
 * customers failed.") and one "errors" entry per bad item ([I]: all or
 * nothing). E-mail addresses are unique, compared without case.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <kx/json.h>
#include <kx/time.h>
#include "bigcommerce_emu.h"

static const char *const customer_readonly[] = {
    "id", "date_created", "date_modified", "address_count", "attribute_count",
    NULL};

cJSON *km__bigcommerce_customer_by_email(struct km__bigcommerce_state *st,
                                         const char *email)
{
    cJSON *it;

    cJSON_ArrayForEach(it, st->customers)
    {
        if (strcasecmp(kx_json_str_or(it, "email", ""), email) == 0)
            return it;
    }
    return NULL;
}

static void merge(cJSON *obj, const cJSON *body)
{
    const cJSON *it;

    cJSON_ArrayForEach(it, body)
    {
        int skip = it->string[0] == '_';

        for (size_t i = 0; customer_readonly[i] && !skip; i++)
            skip = strcmp(customer_readonly[i], it->string) == 0;
        if (!skip)
            km__storefront_set(obj, it->string, cJSON_Duplicate(it, 1));
    }
}

/* Why body cannot become (or update) customer self; NULL when fine. */
static const char *invalid(struct km__bigcommerce_state *st, const cJSON *body,
                           const cJSON *self)
{
    const cJSON *email = cJSON_GetObjectItemCaseSensitive(body, "email");
    const cJSON *other;

    if (!self && (!cJSON_IsString(email) || !strchr(email->valuestring, '@')))
        return "email is missing or invalid";
    if (self && email &&
        (!cJSON_IsString(email) || !strchr(email->valuestring, '@')))
        return "email is invalid";
    if (!self && (!*kx_json_str_or(body, "first_name", "") ||
                  !*kx_json_str_or(body, "last_name", "")))
        return "first_name and last_name are required";
    if (cJSON_IsString(email)) {
        other = km__bigcommerce_customer_by_email(st, email->valuestring);
        if (other && other != self)
            return "The email address is already in use";
    }
    return NULL;
}

cJSON *km__bigcommerce_customer_store(struct km__bigcommerce_state *st,
                                      const cJSON *body, int64_t now, char *why,
                                      size_t whysz)
{
    const char *bad = invalid(st, body, NULL);
    int64_t id = km__bigcommerce_id(body);
    cJSON *c, *auth;
    char date[KX_ISO8601_MAX];

    if (bad) {
        snprintf(why, whysz, "%s", bad);
        return NULL;
    }
    if (id <= 0 || km__storefront_find(st->customers, id))
        id = st->next_customer_id++;
    else if (id >= st->next_customer_id)
        st->next_customer_id = id + 1;
    kx_iso8601_format(date, now, KX_ISO8601_OFFSET);
    c = cJSON_CreateObject();
    auth = cJSON_CreateObject();
    cJSON_AddNumberToObject(c, "id", (double)id);
    cJSON_AddStringToObject(c, "email", "");
    cJSON_AddStringToObject(c, "first_name", "");
    cJSON_AddStringToObject(c, "last_name", "");
    cJSON_AddStringToObject(c, "company", "");
    cJSON_AddStringToObject(c, "phone", "");
    cJSON_AddStringToObject(c, "registration_ip_address", "");
    cJSON_AddStringToObject(c, "notes", "");
    cJSON_AddStringToObject(c, "tax_exempt_category", "");
    cJSON_AddNumberToObject(c, "customer_group_id", 0);
    cJSON_AddStringToObject(c, "date_created", date);
    cJSON_AddStringToObject(c, "date_modified", date);
    cJSON_AddNumberToObject(c, "address_count", 0);
    cJSON_AddNumberToObject(c, "attribute_count", 0);
    cJSON_AddFalseToObject(auth, "force_password_reset");
    cJSON_AddItemToObject(c, "authentication", auth);
    cJSON_AddFalseToObject(c, "accepts_product_review_abandoned_cart_emails");
    cJSON_AddNumberToObject(c, "origin_channel_id", 1);
    cJSON_AddNullToObject(c, "channel_ids");
    merge(c, body);
    cJSON_AddItemToArray(st->customers, c);
    return c;
}

void km__bigcommerce_customers_list(struct km_response *res,
                                    const struct km_request *req, void *state)
{
    struct km__bigcommerce_call *c = KM__BIGCOMMERCE_CALL(res, req, state);
    const char *emails = km_request_arg(c->req, "email:in");
    const char *ids = km_request_arg(c->req, "id:in");
    int64_t list[250];
    size_t nid = ids ? km__bigcommerce_id_list(list, 250, ids) : 0;
    cJSON *all = cJSON_CreateArray();
    const cJSON *it;
    int limit, page;

    if (km__bigcommerce_paging(c, &limit, &page, 0) != 0) {
        cJSON_Delete(all);
        return;
    }
    cJSON_ArrayForEach(it, c->st->customers)
    {
        int keep = 1;

        if (emails) {
            const char *s = emails, *e = kx_json_str_or(it, "email", "");
            size_t n = strlen(e);

            keep = 0;
            while (*s && !keep) { /* case-insensitive list match */
                size_t len = strcspn(s, ",");

                keep = len == n && strncasecmp(s, e, n) == 0;
                s += len + (s[len] == ',');
            }
        }
        if (keep && ids) {
            keep = 0;
            for (size_t j = 0; j < nid && !keep; j++)
                keep = list[j] == km__bigcommerce_id(it);
        }
        if (keep)
            cJSON_AddItemToArray(all, km__storefront_public(it));
    }
    km__bigcommerce_send_page(c, all, limit, page);
}

static void failed(struct km__bigcommerce_call *c, const char *title,
                   cJSON *errors)
{
    km__bigcommerce_v3_error(c->res, 422, title, errors);
}

static int too_many(struct km__bigcommerce_call *c, const cJSON *body)
{
    if (cJSON_GetArraySize(body) <= 10)
        return 0;
    km__bigcommerce_v3_error(
        c->res, 413,
        "The request payload is too large. The maximum items "
        "allowed in the array is 10.",
        NULL);
    return 1;
}

void km__bigcommerce_customers_create(struct km_response *res,
                                      const struct km_request *req, void *state)
{
    struct km__bigcommerce_call *c = KM__BIGCOMMERCE_CALL(res, req, state);
    cJSON *body = km__bigcommerce_body(c, 1), *errors = NULL, *data;
    const cJSON *it, *prev;
    int i = 0;

    if (!body || too_many(c, body)) {
        cJSON_Delete(body);
        return;
    }
    cJSON_ArrayForEach(it, body)
    {
        const char *bad = invalid(c->st, it, NULL);
        char key[32];

        /* Two items of one request may not share an address either. */
        for (prev = body->child; !bad && prev != it; prev = prev->next)
            if (strcasecmp(kx_json_str_or(prev, "email", ""),
                           kx_json_str_or(it, "email", "")) == 0)
                bad = "The email address is already in use";
        if (bad) {
            if (!errors)
                errors = cJSON_CreateObject();
            snprintf(key, sizeof(key), "%d.customer_create", i);
            cJSON_AddStringToObject(errors, key, bad);
        }
        i++;
    }
    if (errors) {
        failed(c, "Create customers failed.", errors);
        cJSON_Delete(body);
        return;
    }
    data = cJSON_CreateArray();
    cJSON_ArrayForEach(it, body)
    {
        char why[128];
        cJSON *made = km__bigcommerce_customer_store(c->st, it, c->req->now_ms,
                                                     why, sizeof(why)),
              *ev = cJSON_CreateObject();

        cJSON_AddStringToObject(ev, "type", "customer");
        cJSON_AddNumberToObject(ev, "id", (double)km__bigcommerce_id(made));
        km__bigcommerce_fire(c->st, "store/customer/created", ev);
        cJSON_AddItemToArray(data, km__storefront_public(made));
    }
    cJSON_Delete(body);
    body = cJSON_CreateObject();
    cJSON_AddItemToObject(body, "data", data);
    cJSON_AddItemToObject(body, "meta", cJSON_CreateObject());
    km_response_json(c->res, 200, body);
}

void km__bigcommerce_customers_update(struct km_response *res,
                                      const struct km_request *req, void *state)
{
    struct km__bigcommerce_call *c = KM__BIGCOMMERCE_CALL(res, req, state);
    cJSON *body = km__bigcommerce_body(c, 1), *errors = NULL, *data;
    const cJSON *it;
    char date[KX_ISO8601_MAX];
    int i = 0;

    if (!body || too_many(c, body)) {
        cJSON_Delete(body);
        return;
    }
    cJSON_ArrayForEach(it, body)
    {
        cJSON *self =
            km__storefront_find(c->st->customers, km__bigcommerce_id(it));
        const char *bad = self ? invalid(c->st, it, self)
                               : "customer id is missing or unknown";
        char key[32];

        if (bad) {
            if (!errors)
                errors = cJSON_CreateObject();
            snprintf(key, sizeof(key), "%d.customer_update", i);
            cJSON_AddStringToObject(errors, key, bad);
        }
        i++;
    }
    if (errors) {
        failed(c, "Update customers failed.", errors);
        cJSON_Delete(body);
        return;
    }
    kx_iso8601_format(date, c->req->now_ms, KX_ISO8601_OFFSET);
    data = cJSON_CreateArray();
    cJSON_ArrayForEach(it, body)
    {
        cJSON *self =
            km__storefront_find(c->st->customers, km__bigcommerce_id(it));

        merge(self, it);
        km__storefront_set(self, "date_modified", cJSON_CreateString(date));
        cJSON_AddItemToArray(data, km__storefront_public(self));
    }
    cJSON_Delete(body);
    body = cJSON_CreateObject();
    cJSON_AddItemToObject(body, "data", data);
    cJSON_AddItemToObject(body, "meta", cJSON_CreateObject());
    km_response_json(c->res, 200, body);
}
