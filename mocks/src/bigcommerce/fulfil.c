/*
 * What happens to a v2 order after checkout: shipments (create, list),
 * its coupons, the options chosen for each product, and GET
 * /v2/orders/count.
 *
 * A shipment names one of the order's shipping addresses
 * (order_address_id) and items [{order_product_id, quantity}] ([C]
 * orders.v2.oas2.yml, both required). Each item may ship at most what is
 * left of its line (quantity - quantity_shipped); otherwise 400 and
 * nothing changes ([I]: the spec documents only 201). A shipment adds to
 * the line's quantity_shipped, the address's and the order's
 * items_shipped, and moves the order to Shipped (2) once every item has
 * shipped, else to Partially Shipped (3), with the order webhooks of a
 * status change; date_shipped is set when the order becomes Shipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "bigcommerce_emu.h"

/* ---- chosen options ----------------------------------------------------- */

cJSON *km__bigcommerce_product_options(struct km__bigcommerce_state *st,
                                       const struct km__bigcommerce_variant *v,
                                       const cJSON *line)
{
    cJSON *out = cJSON_CreateArray();
    const cJSON *ov,
        *values =
            v ? cJSON_GetObjectItemCaseSensitive(v->extra, "option_values")
              : NULL;
    char num[32];

    /* One entry per option value of the variant, in the fields of the
     * order product example ([C] orders.v2); "type" and "display_style"
     * as a dropdown option reports them ([I]). */
    cJSON_ArrayForEach(ov, values)
    {
        cJSON *o = cJSON_CreateObject();
        const char *name = kx_json_str_or(ov, "option_display_name", "");
        const char *label = kx_json_str_or(ov, "label", "");

        cJSON_AddNumberToObject(o, "id", (double)st->next_line_id++);
        cJSON_AddNumberToObject(o, "option_id",
                                kx_json_numeric(ov, "option_id", 0));
        cJSON_AddNumberToObject(o, "order_product_id",
                                kx_json_numeric(line, "id", 0));
        cJSON_AddNumberToObject(o, "product_option_id",
                                kx_json_numeric(ov, "option_id", 0));
        cJSON_AddStringToObject(o, "display_name", name);
        cJSON_AddStringToObject(o, "display_name_customer", name);
        cJSON_AddStringToObject(o, "display_name_merchant", name);
        cJSON_AddStringToObject(o, "display_value", label);
        cJSON_AddStringToObject(o, "display_value_customer", label);
        cJSON_AddStringToObject(o, "display_value_merchant", label);
        snprintf(num, sizeof(num), "%lld",
                 (long long)kx_json_numeric(ov, "id", 0));
        cJSON_AddStringToObject(o, "value", num);
        cJSON_AddStringToObject(o, "type", "Multiple choice");
        cJSON_AddStringToObject(o, "name", name);
        cJSON_AddStringToObject(o, "display_style", "Dropdown");
        cJSON_AddItemToArray(out, o);
    }
    return out;
}

/* ---- coupons ------------------------------------------------------------ */

cJSON *km__bigcommerce_coupons_make(struct km__bigcommerce_state *st,
                                    int64_t order_id, const cJSON *given,
                                    double *discount)
{
    cJSON *out = cJSON_CreateArray();
    const cJSON *g;

    *discount = 0;
    cJSON_ArrayForEach(g, given)
    {
        cJSON *c = cJSON_CreateObject();
        double amount = kx_json_numeric(g, "amount", 0);
        int64_t id = st->next_line_id++;

        cJSON_AddNumberToObject(c, "id", (double)id);
        cJSON_AddNumberToObject(c, "coupon_id",
                                kx_json_numeric(g, "coupon_id", (double)id));
        cJSON_AddNumberToObject(c, "order_id", (double)order_id);
        cJSON_AddStringToObject(c, "code", kx_json_str_or(g, "code", ""));
        km__bigcommerce_set_money(c, "amount", amount);
        /* type: 0 per item, 1 percentage, 2 per total, 3 shipping, 4 free
         * shipping, 5 promotion ([C] the enum of orders.v2). */
        cJSON_AddNumberToObject(c, "type", kx_json_numeric(g, "type", 2));
        cJSON_AddNumberToObject(c, "discount", amount);
        cJSON_AddItemToArray(out, c);
        *discount += amount;
    }
    return out;
}

void km__bigcommerce_order_coupons(struct km_response *res,
                                   const struct km_request *req, void *state)
{
    km__bigcommerce_order_sub_list(KM__BIGCOMMERCE_CALL(res, req, state),
                                   "_coupons");
}

/* ---- count -------------------------------------------------------------- */

void km__bigcommerce_orders_count(struct km_response *res,
                                  const struct km_request *req, void *state)
{
    struct km__bigcommerce_call *c = KM__BIGCOMMERCE_CALL(res, req, state);
    cJSON *out = cJSON_CreateObject(), *statuses;
    const cJSON *o;
    int counts[15] = {0}, total = 0;

    cJSON_ArrayForEach(o, c->st->orders)
    {
        int s = (int)kx_json_numeric(o, "status_id", 0);

        if (s >= 0 && s < 15)
            counts[s]++;
        total++;
    }
    /* {"statuses": [{id, name, system_label, custom_label,
     * system_description, count, sort_order}], "count"} ([C] orders.v2). */
    statuses = cJSON_AddArrayToObject(out, "statuses");
    for (int s = 0; s < 15; s++) {
        cJSON *e = cJSON_CreateObject();
        const char *name = km__bigcommerce_status_name(s);

        cJSON_AddNumberToObject(e, "id", s);
        cJSON_AddStringToObject(e, "name", name);
        cJSON_AddStringToObject(e, "system_label", name);
        cJSON_AddStringToObject(e, "custom_label", name);
        cJSON_AddStringToObject(e, "system_description", "");
        cJSON_AddNumberToObject(e, "count", counts[s]);
        cJSON_AddNumberToObject(e, "sort_order", s);
        cJSON_AddItemToArray(statuses, e);
    }
    cJSON_AddNumberToObject(out, "count", total);
    km_response_json(c->res, 200, out);
}

/* ---- shipments ---------------------------------------------------------- */

void km__bigcommerce_shipments_list(struct km_response *res,
                                    const struct km_request *req, void *state)
{
    km__bigcommerce_order_sub_list(KM__BIGCOMMERCE_CALL(res, req, state),
                                   "_shipments");
}

/* The v2 address fields of a shipment's billing or shipping address. */
static cJSON *shipment_address(const cJSON *from)
{
    static const char *const fields[] = {
        "first_name", "last_name", "company", "street_1", "street_2",
        "city",       "state",     "zip",     "country",  "country_iso2",
        "phone",      "email",     NULL};
    cJSON *a = cJSON_CreateObject();

    for (size_t i = 0; fields[i]; i++)
        cJSON_AddStringToObject(a, fields[i],
                                kx_json_str_or(from, fields[i], ""));
    return a;
}

/* Checks the items against what is left to ship; 0, or -1 with why. */
static int check_items(cJSON *o, const cJSON *items, char *why, size_t whysz)
{
    const cJSON *it;

    if (!cJSON_IsArray(items) || cJSON_GetArraySize(items) == 0) {
        snprintf(why, whysz, "The field 'items' is invalid.");
        return -1;
    }
    cJSON_ArrayForEach(it, items)
    {
        cJSON *line = km__storefront_find(
            cJSON_GetObjectItemCaseSensitive(o, "_products"),
            (int64_t)kx_json_numeric(it, "order_product_id", 0));
        double q = kx_json_numeric(it, "quantity", 0);

        if (!line) {
            snprintf(why, whysz, "Order product %.0f is not in this order.",
                     kx_json_numeric(it, "order_product_id", 0));
            return -1;
        }
        if (q < 1 || q > kx_json_numeric(line, "quantity", 0) -
                             kx_json_numeric(line, "quantity_shipped", 0)) {
            snprintf(why, whysz,
                     "The quantity to ship of order product %.0f is more "
                     "than is left to ship.",
                     kx_json_numeric(it, "order_product_id", 0));
            return -1;
        }
    }
    return 0;
}

static void add_number(cJSON *o, const char *name, double delta)
{
    km__storefront_set(o, name,
                       cJSON_CreateNumber(kx_json_numeric(o, name, 0) + delta));
}

/* Moves the quantities and the order's status; returns the shipment's
 * items as the response lists them. */
static cJSON *ship(struct km__bigcommerce_state *st, cJSON *o, cJSON *addr,
                   const cJSON *items, int64_t now)
{
    cJSON *out = cJSON_CreateArray();
    const cJSON *it;
    double left = 0;

    cJSON_ArrayForEach(it, items)
    {
        cJSON *line = km__storefront_find(
            cJSON_GetObjectItemCaseSensitive(o, "_products"),
            (int64_t)kx_json_numeric(it, "order_product_id", 0));
        double q = kx_json_numeric(it, "quantity", 0);
        cJSON *e = cJSON_CreateObject();

        add_number(line, "quantity_shipped", q);
        add_number(addr, "items_shipped", q);
        add_number(o, "items_shipped", q);
        cJSON_AddNumberToObject(e, "order_product_id",
                                kx_json_numeric(line, "id", 0));
        cJSON_AddNumberToObject(e, "product_id",
                                kx_json_numeric(line, "product_id", 0));
        cJSON_AddNumberToObject(e, "quantity", q);
        cJSON_AddItemToArray(out, e);
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "_products"))
    {
        left += kx_json_numeric(it, "quantity", 0) -
                kx_json_numeric(it, "quantity_shipped", 0);
    }
    if (left <= 0) {
        char d[40];

        km__bigcommerce_rfc2822(d, now);
        km__storefront_set(o, "date_shipped", cJSON_CreateString(d));
    }
    km__bigcommerce_order_set_status(st, o, left <= 0 ? 2 : 3, now);
    return out;
}

static cJSON *shipment_new(struct km__bigcommerce_state *st, cJSON *o,
                           cJSON *addr, const cJSON *body, int64_t now)
{
    cJSON *s = cJSON_CreateObject();
    char d[40];

    cJSON_AddNumberToObject(s, "id", (double)st->next_line_id++);
    cJSON_AddNumberToObject(s, "order_id", (double)km__bigcommerce_id(o));
    cJSON_AddNumberToObject(s, "customer_id",
                            kx_json_numeric(o, "customer_id", 0));
    cJSON_AddNumberToObject(s, "order_address_id",
                            (double)km__bigcommerce_id(addr));
    km__bigcommerce_rfc2822(d, now);
    cJSON_AddStringToObject(s, "date_created", d);
    cJSON_AddStringToObject(s, "tracking_number",
                            kx_json_str_or(body, "tracking_number", ""));
    km__bigcommerce_set_money(s, "merchant_shipping_cost", 0);
    cJSON_AddStringToObject(s, "shipping_method",
                            kx_json_str_or(body, "shipping_method", ""));
    cJSON_AddStringToObject(s, "shipping_provider",
                            kx_json_str_or(body, "shipping_provider", ""));
    cJSON_AddStringToObject(s, "tracking_carrier",
                            kx_json_str_or(body, "tracking_carrier", ""));
    cJSON_AddStringToObject(s, "tracking_link", "");
    cJSON_AddStringToObject(s, "comments",
                            kx_json_str_or(body, "comments", ""));
    cJSON_AddItemToObject(s, "billing_address",
                          shipment_address(cJSON_GetObjectItemCaseSensitive(
                              o, "billing_address")));
    cJSON_AddItemToObject(s, "shipping_address", shipment_address(addr));
    cJSON_AddStringToObject(s, "shipping_provider_display_name",
                            kx_json_str_or(body, "shipping_provider", ""));
    cJSON_AddStringToObject(s, "generated_tracking_link", "");
    return s;
}

void km__bigcommerce_shipments_create(struct km_response *res,
                                      const struct km_request *req, void *state)
{
    struct km__bigcommerce_call *c = KM__BIGCOMMERCE_CALL(res, req, state);
    cJSON *o = km__bigcommerce_order_or_404(c), *body, *addr, *s;
    const cJSON *items;
    char why[200];

    if (!o)
        return;
    if (!(body = km__bigcommerce_v2_body(c)))
        return;
    addr = km__storefront_find(
        cJSON_GetObjectItemCaseSensitive(o, "_shipping_addresses"),
        (int64_t)kx_json_numeric(body, "order_address_id", 0));
    items = cJSON_GetObjectItemCaseSensitive(body, "items");
    if (!addr) {
        km__bigcommerce_v2_error(c->res, 400,
                                 "The field 'order_address_id' is invalid.");
        goto out;
    }
    if (check_items(o, items, why, sizeof(why)) != 0) {
        km__bigcommerce_v2_error(c->res, 400, why);
        goto out;
    }
    s = shipment_new(c->st, o, addr, body, c->req->now_ms);
    cJSON_AddItemToObject(s, "items",
                          ship(c->st, o, addr, items, c->req->now_ms));
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(o, "_shipments"), s);
    km_response_json(c->res, 201, cJSON_Duplicate(s, 1));
out:
    cJSON_Delete(body);
}
