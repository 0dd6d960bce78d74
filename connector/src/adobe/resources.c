/*
 * Orders, invoices, companies and products (storefronts.md §3.5, §3.6)
 * over the generic request and search calls, and custom attributes,
 * whose values Adobe keeps as strings.
 */
#include <stdio.h>
#include <string.h>
#include <kx/json.h>
#include "adobe_int.h"

ks_rc ks_adobe_custom_attribute_set(cJSON *record, const char *code,
                                    const char *value)
{
    cJSON *list = cJSON_GetObjectItemCaseSensitive(record, "custom_attributes");
    cJSON *it, *entry;

    if (!list) {
        list = cJSON_AddArrayToObject(record, "custom_attributes");
        if (!list)
            return KS_ENOMEM;
    }
    if (!cJSON_IsArray(list))
        return KS_EINVAL;
    cJSON_ArrayForEach(it, list)
    {
        if (strcmp(kx_json_str_or(it, "attribute_code", ""), code) == 0) {
            cJSON *v = cJSON_CreateString(value);

            if (!v)
                return KS_ENOMEM;
            if (cJSON_GetObjectItemCaseSensitive(it, "value"))
                cJSON_ReplaceItemInObjectCaseSensitive(it, "value", v);
            else
                cJSON_AddItemToObject(it, "value", v);
            return KS_OK;
        }
    }
    entry = cJSON_CreateObject();
    if (!entry || !cJSON_AddStringToObject(entry, "attribute_code", code) ||
        !cJSON_AddStringToObject(entry, "value", value) ||
        !cJSON_AddItemToArray(list, entry)) {
        cJSON_Delete(entry);
        return KS_ENOMEM;
    }
    return KS_OK;
}

const char *ks_adobe_custom_attribute_get(const cJSON *record, const char *code)
{
    const cJSON *it;

    cJSON_ArrayForEach(
        it, cJSON_GetObjectItemCaseSensitive(record, "custom_attributes"))
    {
        if (strcmp(kx_json_str_or(it, "attribute_code", ""), code) == 0)
            return kx_json_str(it, "value");
    }
    return NULL;
}

/* Numbers and booleans of custom_attributes values become their text, in
 * record (a copy the caller made) and in its items. */
static ks_rc values_as_strings(cJSON *record)
{
    cJSON *it, *item;

    cJSON_ArrayForEach(
        it, cJSON_GetObjectItemCaseSensitive(record, "custom_attributes"))
    {
        cJSON *v = cJSON_GetObjectItemCaseSensitive(it, "value");
        char buf[32];
        cJSON *s;

        if (cJSON_IsNumber(v))
            snprintf(buf, sizeof(buf), "%.15g", v->valuedouble);
        else if (cJSON_IsBool(v))
            snprintf(buf, sizeof(buf), "%d", cJSON_IsTrue(v) ? 1 : 0);
        else
            continue;
        s = cJSON_CreateString(buf);
        if (!s)
            return KS_ENOMEM;
        cJSON_ReplaceItemInObjectCaseSensitive(it, "value", s);
    }
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(record, "items"))
    {
        ks_rc rc = values_as_strings(item);

        if (rc)
            return rc;
    }
    return KS_OK;
}

/* {"<wrapper>": copy of record}, custom attribute values as strings. */
static ks_rc wrap(cJSON **out, const char *wrapper, const cJSON *record)
{
    cJSON *body = cJSON_CreateObject();
    cJSON *copy = cJSON_Duplicate(record, 1);
    ks_rc rc = KS_ENOMEM;

    *out = NULL;
    if (!body || !copy)
        goto out;
    rc = values_as_strings(copy);
    if (rc)
        goto out;
    if (!cJSON_AddItemToObject(body, wrapper, copy)) {
        rc = KS_ENOMEM;
        goto out;
    }
    copy = NULL;
    *out = body;
    body = NULL;
out:
    cJSON_Delete(copy);
    cJSON_Delete(body);
    return rc;
}

static ks_rc send_wrapped(cJSON **out, struct ks_adobe *ad, const char *method,
                          const char *path, const char *wrapper,
                          const cJSON *record)
{
    cJSON *body = NULL;
    ks_rc rc;

    if (out)
        *out = NULL;
    if (!path)
        return KS_ENOMEM;
    rc = wrap(&body, wrapper, record);
    if (!rc)
        rc = ks_adobe_request(out, ad, method, path, body);
    cJSON_Delete(body);
    return rc;
}

/* GET <collection>/<id>. */
static ks_rc get_by_id(cJSON **out, struct ks_adobe *ad, const char *collection,
                       int64_t id)
{
    char path[64];

    snprintf(path, sizeof(path), "%s/%lld", collection, (long long)id);
    return ks_adobe_request(out, ad, "GET", path, NULL);
}

ks_rc ks_adobe_order_get(cJSON **out, struct ks_adobe *ad, int64_t entity_id)
{
    return get_by_id(out, ad, "orders", entity_id);
}

ks_rc ks_adobe_order_save(cJSON **out, struct ks_adobe *ad, const cJSON *order)
{
    return send_wrapped(out, ad, "POST", "orders", "entity", order);
}

/* Keeps a copy of the first item and stops the listing. */
static int take_first(void *userdata, const cJSON *item)
{
    cJSON **slot = userdata;

    *slot = cJSON_Duplicate(item, 1);
    return 1;
}

ks_rc ks_adobe_order_find(cJSON **out, struct ks_adobe *ad,
                          const char *increment_id)
{
    struct ks_adobe_search *s = NULL;
    cJSON *found = NULL;
    ks_rc rc;

    *out = NULL;
    rc = ks_adobe_search_new(&s);
    if (!rc)
        rc = ks_adobe_search_filter(s, "increment_id", KS_ADOBE_EQ,
                                    increment_id);
    if (!rc)
        rc = ks_adobe_search_each(ad, "orders", s, take_first, &found, NULL);
    if (!rc && !found)
        rc =
            ks__error_set(ks__client_error(ad->client), KS_ENOTFOUND, 0,
                          "adobe: no order with increment_id %s", increment_id);
    if (!rc)
        *out = found;
    else
        cJSON_Delete(found);
    ks_adobe_search_free(s);
    return rc;
}

/* The invoice id Adobe answers as a bare scalar: a number or a string of
 * digits ([I]: the emulator answers "2"). */
static ks_rc scalar_id(int64_t *out, struct ks_adobe *ad, const cJSON *v)
{
    const char *s = cJSON_IsString(v) ? v->valuestring : NULL;
    char *end = NULL;
    long long id = -1;

    if (cJSON_IsNumber(v))
        id = (long long)v->valuedouble;
    else if (s && *s)
        id = strtoll(s, &end, 10);
    if (id <= 0 || (s && *end))
        return ks__error_set(ks__client_error(ad->client), KS_EPARSE, 200,
                             "adobe: invoice reply is not an id");
    *out = id;
    return KS_OK;
}

ks_rc ks_adobe_invoice_create(int64_t *invoice_id, struct ks_adobe *ad,
                              int64_t order_id, const cJSON *items, int capture)
{
    cJSON *body = cJSON_CreateObject(), *copy = NULL, *reply = NULL;
    char path[64];
    ks_rc rc = KS_ENOMEM;

    *invoice_id = 0;
    if (!body || !cJSON_AddBoolToObject(body, "capture", capture))
        goto out;
    if (items) {
        copy = cJSON_Duplicate(items, 1);
        if (!copy || !cJSON_AddItemToObject(body, "items", copy))
            goto out;
        copy = NULL;
    }
    snprintf(path, sizeof(path), "order/%lld/invoice", (long long)order_id);
    rc = ks_adobe_request(&reply, ad, "POST", path, body);
    if (!rc)
        rc = scalar_id(invoice_id, ad, reply);
out:
    cJSON_Delete(copy);
    cJSON_Delete(body);
    cJSON_Delete(reply);
    return rc;
}

ks_rc ks_adobe_company_create(cJSON **out, struct ks_adobe *ad,
                              const cJSON *company)
{
    return send_wrapped(out, ad, "POST", "company/", "company", company);
}

ks_rc ks_adobe_company_get(cJSON **out, struct ks_adobe *ad, int64_t company_id)
{
    return get_by_id(out, ad, "company", company_id);
}

ks_rc ks_adobe_company_update(cJSON **out, struct ks_adobe *ad,
                              int64_t company_id, const cJSON *company)
{
    char path[64];

    snprintf(path, sizeof(path), "company/%lld", (long long)company_id);
    return send_wrapped(out, ad, "PUT", path, "company", company);
}

struct attr_match {
    const char *code, *value;
    cJSON *found;
};

static int match_attribute(void *userdata, const cJSON *item)
{
    struct attr_match *m = userdata;
    const char *v = ks_adobe_custom_attribute_get(item, m->code);

    if (!v || strcmp(v, m->value) != 0)
        return 0;
    m->found = cJSON_Duplicate(item, 1);
    return 1;
}

/* Custom attributes are not among the fields searchCriteria is known to
 * filter on (storefronts.md §3.5 says nothing of it), so the companies
 * are listed and matched here. */
ks_rc ks_adobe_company_find(cJSON **out, struct ks_adobe *ad, const char *code,
                            const char *value)
{
    struct attr_match m = {code, value, NULL};
    ks_rc rc;

    *out = NULL;
    rc = ks_adobe_search_each(ad, "company", NULL, match_attribute, &m, NULL);
    if (!rc && !m.found)
        rc = ks__error_set(ks__client_error(ad->client), KS_ENOTFOUND, 0,
                           "adobe: no company with %s = %s", code, value);
    if (!rc)
        *out = m.found;
    else
        cJSON_Delete(m.found);
    return rc;
}

ks_rc ks_adobe_product_get(cJSON **out, struct ks_adobe *ad, const char *sku)
{
    char *esc = curl_easy_escape(NULL, sku, 0);
    char *path = esc ? ks__aprintf("products/%s", esc) : NULL;
    ks_rc rc = KS_ENOMEM;

    *out = NULL;
    if (path)
        rc = ks_adobe_request(out, ad, "GET", path, NULL);
    ks__free(path);
    curl_free(esc);
    return rc;
}
