/*
 * B2B companies, customers as company users, and products by SKU
 * (README.md, "Companies, customers, products").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include "adobe_emu.h"

#define SET(o, k, v) km__adobe_set((o), (k), (v))

/* The required members of a company (CompanyInterface validation). */
static const char *const company_required[] = {
    "company_name", "company_email", "street",        "city", "country_id",
    "postcode",     "telephone",     "super_user_id", NULL};

/* {"message": "One or more input exceptions have occurred.", "errors":
 * [...]} for every required member obj lacks; NULL when none lacks. */
static cJSON *missing(const cJSON *obj, const char *const *required)
{
    cJSON *errors = cJSON_CreateArray(), *o;

    for (size_t i = 0; required[i]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, required[i]);

        if (!v || cJSON_IsNull(v) || (cJSON_IsString(v) && !*v->valuestring)) {
            cJSON *e = cJSON_CreateObject(), *p = cJSON_CreateObject();

            cJSON_AddStringToObject(
                e, "message",
                "\"%fieldName\" is required. Enter and try again.");
            cJSON_AddStringToObject(p, "fieldName", required[i]);
            cJSON_AddItemToObject(e, "parameters", p);
            cJSON_AddItemToArray(errors, e);
        }
    }
    if (!cJSON_GetArraySize(errors)) {
        cJSON_Delete(errors);
        return NULL;
    }
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "message",
                            "One or more input exceptions have occurred.");
    cJSON_AddItemToObject(o, "errors", errors);
    return o;
}

/* Stores one resource from a request's wrapped member; NULL with why. */
typedef cJSON *create_fn(struct km__adobe_state *st, const cJSON *in,
                         int64_t now, char *why, size_t whysz);

/* POST {"<member>": {...}}: the member required, then each of required
 * (errors[]), then fn; answers the stored resource. */
static void create_from(struct km_response *res, const struct km_request *req,
                        void *state, const char *member,
                        const char *const *required, create_fn *fn)
{
    struct km__adobe_call call;
    cJSON *body, *in, *err, *c;
    char why[256];

    km__adobe_call_init(&call, res, req, state);
    if (!(body = km__adobe_body(&call)))
        return;
    in = cJSON_GetObjectItemCaseSensitive(body, member);
    if (!cJSON_IsObject(in))
        km__adobe_error1(res, 400,
                         "\"%fieldName\" is required. Enter and try again.",
                         "fieldName", member);
    else if (required && (err = missing(in, required)))
        km_response_json(res, 400, err);
    else if (!(c = fn(call.st, in, req->now_ms, why, sizeof(why))))
        km__adobe_error(res, 400, why, NULL);
    else
        km_response_json(res, 200, km__storefront_public(c));
    cJSON_Delete(body);
}

static void merge(cJSON *dst, const cJSON *src, const char *const *skip)
{
    const cJSON *it;

    cJSON_ArrayForEach(it, src)
    {
        int skipped = !it->string || it->string[0] == '_';

        for (size_t i = 0; skip[i] && !skipped; i++)
            skipped = strcmp(skip[i], it->string) == 0;
        if (!skipped)
            SET(dst, it->string, cJSON_Duplicate(it, 1));
    }
}

static const char *const company_readonly[] = {"id", NULL};

static cJSON *company_new(struct km__adobe_state *st, const cJSON *in,
                          int64_t now, char *why, size_t whysz)
{
    cJSON *c = cJSON_CreateObject(), *ext;

    (void)now;
    merge(c, in, company_readonly);
    if (km__adobe_custom_attributes_check(c, why, whysz) != 0) {
        cJSON_Delete(c);
        return NULL;
    }
    SET(c, "id", cJSON_CreateNumber((double)st->next_company_id++));
    if (!cJSON_GetObjectItemCaseSensitive(c, "status"))
        SET(c, "status", cJSON_CreateNumber(1));
    if (!cJSON_GetObjectItemCaseSensitive(c, "sales_representative_id"))
        SET(c, "sales_representative_id", cJSON_CreateNumber(1));
    if (!cJSON_GetObjectItemCaseSensitive(c, "reject_reason"))
        SET(c, "reject_reason", cJSON_CreateNull());
    if (!cJSON_GetObjectItemCaseSensitive(c, "rejected_at"))
        SET(c, "rejected_at", cJSON_CreateNull());
    ext = cJSON_GetObjectItemCaseSensitive(c, "extension_attributes");
    if (!cJSON_IsObject(ext)) {
        ext = cJSON_CreateObject();
        SET(c, "extension_attributes", ext);
    }
    if (!cJSON_GetObjectItemCaseSensitive(ext, "quote_config")) {
        cJSON *q = cJSON_CreateObject();

        cJSON_AddNumberToObject(q, "company_id", kx_json_num(c, "id", 0));
        cJSON_AddBoolToObject(q, "is_quote_enabled", 0);
        SET(ext, "quote_config", q);
    }
    if (!cJSON_GetObjectItemCaseSensitive(ext,
                                          "is_company_address_book_enabled"))
        SET(ext, "is_company_address_book_enabled", cJSON_CreateTrue());
    cJSON_AddItemToArray(st->companies, c);
    return c;
}

int km__adobe_company_fixture(void *state, const cJSON *item, int64_t now,
                              char *why, size_t whysz)
{
    return company_new(state, item, now, why, whysz) ? 0 : -1;
}

static cJSON *company_param(struct km__adobe_state *st,
                            const struct km_request *req,
                            struct km_response *res)
{
    cJSON *c = km__adobe_find(st->companies, "id",
                              km_request_param_id(req, "company_id"));

    if (!c)
        km__adobe_no_entity(res, "id", km_request_param(req, "company_id"));
    return c;
}

void km__adobe_companies_list(struct km_response *res,
                              const struct km_request *req, void *state)
{
    struct km__adobe_call c;

    km__adobe_call_init(&c, res, req, state);
    km__adobe_list(&c, c.st->companies, km__adobe_public);
}

void km__adobe_companies_get(struct km_response *res,
                             const struct km_request *req, void *state)
{
    cJSON *c = company_param(state, req, res);

    if (c)
        km_response_json(res, 200, km__storefront_public(c));
}

void km__adobe_companies_create(struct km_response *res,
                                const struct km_request *req, void *state)
{
    create_from(res, req, state, "company", company_required, company_new);
}

void km__adobe_companies_update(struct km_response *res,
                                const struct km_request *req, void *state)
{
    struct km__adobe_call call;
    cJSON *body, *in, *c, *copy;
    char why[256];

    km__adobe_call_init(&call, res, req, state);
    if (!(c = company_param(call.st, req, res)) ||
        !(body = km__adobe_body(&call)))
        return;
    in = cJSON_GetObjectItemCaseSensitive(body, "company");
    copy = cJSON_Duplicate(in, 1);
    if (!cJSON_IsObject(in))
        km__adobe_error1(res, 400,
                         "\"%fieldName\" is required. Enter and try again.",
                         "fieldName", "company");
    else if (km__adobe_custom_attributes_check(copy, why, sizeof(why)) != 0)
        km__adobe_error(res, 400, why, NULL);
    else {
        merge(c, copy, company_readonly);
        km_response_json(res, 200, km__storefront_public(c));
    }
    cJSON_Delete(copy);
    cJSON_Delete(body);
}

void km__adobe_companies_delete(struct km_response *res,
                                const struct km_request *req, void *state)
{
    struct km__adobe_state *st = state;
    cJSON *c = company_param(st, req, res);

    if (!c)
        return;
    cJSON_Delete(cJSON_DetachItemViaPointer(st->companies, c));
    km_response_set(res, 200, "application/json", "true", 4);
}

/* POST /V1/company/setCustomAttributes {"company_id" | "companyId",
 * "custom_attributes" | "customAttributes"}: replaces the company's
 * custom attributes; answers the company. */
void km__adobe_companies_custom(struct km_response *res,
                                const struct km_request *req, void *state)
{
    struct km__adobe_call call;
    cJSON *body, *attrs, *c, *holder;
    char why[256], idtext[32];
    double id;

    km__adobe_call_init(&call, res, req, state);
    if (!(body = km__adobe_body(&call)))
        return;
    id = kx_json_num(body, "company_id", kx_json_num(body, "companyId", -1));
    attrs = cJSON_GetObjectItemCaseSensitive(body, "custom_attributes");
    if (!attrs)
        attrs = cJSON_GetObjectItemCaseSensitive(body, "customAttributes");
    holder = cJSON_CreateObject();
    cJSON_AddItemToObject(holder, "custom_attributes",
                          attrs ? cJSON_Duplicate(attrs, 1)
                                : cJSON_CreateArray());
    snprintf(idtext, sizeof(idtext), "%.0f", id);
    if (!(c = km__adobe_find(call.st->companies, "id", (int64_t)id)))
        km__adobe_no_entity(res, "id", idtext);
    else if (km__adobe_custom_attributes_check(holder, why, sizeof(why)) != 0)
        km__adobe_error(res, 400, why, NULL);
    else {
        merge(c, holder, company_readonly);
        km_response_json(res, 200, km__storefront_public(c));
    }
    cJSON_Delete(holder);
    cJSON_Delete(body);
}

/* ---- customers (company users) ------------------------------------------- */

static const char *const customer_required[] = {"email", "firstname",
                                                "lastname", NULL};
static const char *const customer_readonly[] = {"id", NULL};

/* A customer; a company user when extension_attributes.company_attributes
 * names an existing company. NULL with why (and *notfound) when refused. */
static cJSON *customer_new(struct km__adobe_state *st, const cJSON *in,
                           int64_t now, char *why, size_t whysz)
{
    const cJSON *ca = cJSON_GetObjectItemCaseSensitive(
        kx_json_obj(in, "extension_attributes"), "company_attributes");
    cJSON *c;
    char date[32];

    if (ca && !km__adobe_find(st->companies, "id",
                              (int64_t)kx_json_num(ca, "company_id", -1))) {
        snprintf(why, whysz, "No such entity with companyId = %.0f",
                 kx_json_num(ca, "company_id", -1));
        return NULL;
    }
    c = cJSON_CreateObject();
    merge(c, in, customer_readonly);
    if (km__adobe_custom_attributes_check(c, why, whysz) != 0) {
        cJSON_Delete(c);
        return NULL;
    }
    km__adobe_date(date, now);
    SET(c, "id", cJSON_CreateNumber((double)st->next_customer_id));
    if (!cJSON_GetObjectItemCaseSensitive(c, "group_id"))
        SET(c, "group_id", cJSON_CreateNumber(1));
    if (!cJSON_GetObjectItemCaseSensitive(c, "website_id"))
        SET(c, "website_id", cJSON_CreateNumber(1));
    SET(c, "created_at", cJSON_CreateString(date));
    SET(c, "updated_at", cJSON_CreateString(date));
    ca = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(c, "extension_attributes"),
        "company_attributes");
    if (ca)
        SET((cJSON *)ca, "customer_id",
            cJSON_CreateNumber((double)st->next_customer_id));
    st->next_customer_id++;
    cJSON_AddItemToArray(st->customers, c);
    return c;
}

int km__adobe_customer_fixture(void *state, const cJSON *item, int64_t now,
                               char *why, size_t whysz)
{
    return customer_new(state, item, now, why, whysz) ? 0 : -1;
}

void km__adobe_customers_list(struct km_response *res,
                              const struct km_request *req, void *state)
{
    struct km__adobe_call c;

    km__adobe_call_init(&c, res, req, state);
    km__adobe_list(&c, c.st->customers, km__adobe_public);
}

void km__adobe_customers_get(struct km_response *res,
                             const struct km_request *req, void *state)
{
    struct km__adobe_state *st = state;
    cJSON *c = km__adobe_find(st->customers, "id",
                              km_request_param_id(req, "customer_id"));

    if (!c)
        km__adobe_no_entity(res, "customerId",
                            km_request_param(req, "customer_id"));
    else
        km_response_json(res, 200, km__storefront_public(c));
}

void km__adobe_customers_create(struct km_response *res,
                                const struct km_request *req, void *state)
{
    create_from(res, req, state, "customer", customer_required, customer_new);
}

/* ---- products -------------------------------------------------------------
 */

static cJSON *product_by_sku(struct km__adobe_state *st, const char *sku)
{
    cJSON *p;

    cJSON_ArrayForEach(p, st->products) if (strcmp(kx_json_str_or(p, "sku", ""),
                                                   sku) == 0) return p;
    return NULL;
}

static const char *const product_readonly[] = {"id", "created_at", NULL};

/* Creates the product of in's sku, or updates it when it exists. */
static cJSON *product_save(struct km__adobe_state *st, const cJSON *in,
                           int64_t now, char *why, size_t whysz)
{
    const char *sku = kx_json_str(in, "sku");
    cJSON *p, *copy;
    char date[32];

    if (!sku || !*sku) {
        snprintf(why, whysz, "The product's sku is required.");
        return NULL;
    }
    copy = cJSON_Duplicate(in, 1);
    if (km__adobe_custom_attributes_check(copy, why, whysz) != 0) {
        cJSON_Delete(copy);
        return NULL;
    }
    km__adobe_date(date, now);
    if (!(p = product_by_sku(st, sku))) {
        p = cJSON_CreateObject();
        SET(p, "id", cJSON_CreateNumber((double)st->next_product_id++));
        SET(p, "attribute_set_id", cJSON_CreateNumber(4));
        SET(p, "status", cJSON_CreateNumber(1));
        SET(p, "visibility", cJSON_CreateNumber(4));
        SET(p, "type_id", cJSON_CreateString("simple"));
        SET(p, "price", cJSON_CreateNumber(0));
        SET(p, "created_at", cJSON_CreateString(date));
        cJSON_AddItemToArray(st->products, p);
    }
    merge(p, copy, product_readonly);
    SET(p, "updated_at", cJSON_CreateString(date));
    cJSON_Delete(copy);
    return p;
}

int km__adobe_product_fixture(void *state, const cJSON *item, int64_t now,
                              char *why, size_t whysz)
{
    return product_save(state, item, now, why, whysz) ? 0 : -1;
}

void km__adobe_products_list(struct km_response *res,
                             const struct km_request *req, void *state)
{
    struct km__adobe_call c;

    km__adobe_call_init(&c, res, req, state);
    km__adobe_list(&c, c.st->products, km__adobe_public);
}

void km__adobe_products_get(struct km_response *res,
                            const struct km_request *req, void *state)
{
    cJSON *p = product_by_sku(state, km_request_param(req, "sku"));

    if (!p)
        km__adobe_error(res, 404,
                        "The product that was requested doesn't exist. Verify "
                        "the product and try again.",
                        NULL);
    else
        km_response_json(res, 200, km__storefront_public(p));
}

void km__adobe_products_create(struct km_response *res,
                               const struct km_request *req, void *state)
{
    create_from(res, req, state, "product", NULL, product_save);
}
