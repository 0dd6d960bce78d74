/*
 * The v2 order model: a placed order stored with its lines, addresses and
 * coupons (km__bigcommerce_order_store), the status names, and the order's
 * v2 JSON with its sub-resource links. The routes and the shopper actions
 * over it are in orders.c.
 *
 * v2 conventions ([C]): money as 4-decimal strings, dates as RFC 2822,
 * sub-resources as {url, resource} links.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include "bigcommerce_emu.h"

const char *km__bigcommerce_status_name(int id)
{
    static const char *const names[] = {"Incomplete",
                                        "Pending",
                                        "Shipped",
                                        "Partially Shipped",
                                        "Refunded",
                                        "Cancelled",
                                        "Declined",
                                        "Awaiting Payment",
                                        "Awaiting Pickup",
                                        "Awaiting Shipment",
                                        "Completed",
                                        "Awaiting Fulfillment",
                                        "Manual Verification Required",
                                        "Disputed",
                                        "Partially Refunded"};

    return id >= 0 && id <= 14 ? names[id] : NULL;
}

void km__bigcommerce_order_set_date(cJSON *o, const char *name,
                                    const char *ms_name, int64_t ms)
{
    char d[40];

    km__bigcommerce_rfc2822(d, ms);
    km__storefront_set(o, name, cJSON_CreateString(d));
    km__storefront_set(o, ms_name, cJSON_CreateNumber((double)ms));
}

static cJSON *address(const cJSON *given, const cJSON *customer)
{
    static const char *const fields[] = {
        "first_name", "last_name", "company", "street_1", "street_2",
        "city",       "state",     "zip",     "country",  "country_iso2",
        "phone",      "email",     NULL};
    cJSON *a = cJSON_CreateObject();
    const cJSON *it;

    for (size_t i = 0; fields[i]; i++)
        cJSON_AddStringToObject(a, fields[i],
                                kx_json_str_or(customer, fields[i], ""));
    if (!*kx_json_str_or(a, "country", "")) {
        km__storefront_set(a, "country", cJSON_CreateString("United States"));
        km__storefront_set(a, "country_iso2", cJSON_CreateString("US"));
    }
    cJSON_ArrayForEach(it, given)
    {
        km__storefront_set(a, it->string, cJSON_Duplicate(it, 1));
    }
    return a;
}

/* One order line from {sku | product_id, quantity, price, name}. */
static cJSON *line(struct km__bigcommerce_state *st, const cJSON *in,
                   int64_t order_id, double *subtotal, char *why, size_t whysz)
{
    const char *sku = kx_json_str_or(in, "sku", "");
    struct km__bigcommerce_variant *v = km__bigcommerce_variant_by_sku(st, sku);
    struct km__bigcommerce_product *p =
        v ? v->product
          : (*sku ? km__bigcommerce_map_get(&st->product_sku, sku)
                  : km__bigcommerce_product_by_id(
                        st, (int64_t)kx_json_numeric(in, "product_id", 0)));
    double qty = kx_json_numeric(in, "quantity", 0);
    const cJSON *price = cJSON_GetObjectItemCaseSensitive(in, "price");
    double each;
    cJSON *l;
    const char *name;

    if (qty < 1) {
        snprintf(why, whysz, "line quantity must be at least 1");
        return NULL;
    }
    if (cJSON_IsNumber(price) || cJSON_IsString(price))
        each = kx_json_numeric(in, "price", 0);
    else
        each = v && v->has_price ? v->price : p ? p->price : 0;
    name = *kx_json_str_or(in, "name", "") ? kx_json_str_or(in, "name", "")
           : p                             ? p->name
                                           : sku;
    l = cJSON_CreateObject();
    cJSON_AddNumberToObject(l, "id", (double)st->next_line_id++);
    cJSON_AddNumberToObject(l, "order_id", (double)order_id);
    cJSON_AddNumberToObject(l, "product_id", p ? (double)p->id : 0);
    cJSON_AddNumberToObject(l, "variant_id", v ? (double)v->id : 0);
    cJSON_AddNumberToObject(l, "order_address_id", 0);
    cJSON_AddStringToObject(l, "name", name);
    cJSON_AddStringToObject(l, "name_customer", name);
    cJSON_AddStringToObject(l, "name_merchant", name);
    cJSON_AddStringToObject(l, "sku", v ? v->sku : p ? p->sku : sku);
    cJSON_AddStringToObject(l, "upc", "");
    cJSON_AddStringToObject(l, "type", "physical");
    km__bigcommerce_set_money(l, "base_price", each);
    km__bigcommerce_set_money(l, "price_ex_tax", each);
    km__bigcommerce_set_money(l, "price_inc_tax", each);
    km__bigcommerce_set_money(l, "price_tax", 0);
    km__bigcommerce_set_money(l, "base_total", each * qty);
    km__bigcommerce_set_money(l, "total_ex_tax", each * qty);
    km__bigcommerce_set_money(l, "total_inc_tax", each * qty);
    km__bigcommerce_set_money(l, "total_tax", 0);
    km__bigcommerce_set_money(l, "weight", p ? p->weight : 0);
    cJSON_AddNumberToObject(l, "quantity", qty);
    km__bigcommerce_set_money(l, "base_cost_price", 0);
    cJSON_AddFalseToObject(l, "is_refunded");
    cJSON_AddNumberToObject(l, "quantity_refunded", 0);
    km__bigcommerce_set_money(l, "refund_amount", 0);
    cJSON_AddNumberToObject(l, "quantity_shipped", 0);
    km__bigcommerce_set_money(l, "fixed_shipping_cost", 0);
    cJSON_AddFalseToObject(l, "is_bundled_product");
    cJSON_AddItemToObject(l, "applied_discounts", cJSON_CreateArray());
    cJSON_AddItemToObject(l, "product_options",
                          km__bigcommerce_product_options(st, v, l));
    *subtotal += each * qty;
    return l;
}

cJSON *km__bigcommerce_order_store(struct km__bigcommerce_state *st,
                                   const cJSON *body, int64_t now, char *why,
                                   size_t whysz)
{
    const cJSON *lines = cJSON_GetObjectItemCaseSensitive(body, "products");
    const cJSON *cust = cJSON_GetObjectItemCaseSensitive(body, "customer");
    const cJSON *ships =
        cJSON_GetObjectItemCaseSensitive(body, "shipping_addresses");
    const cJSON *it, *known = NULL;
    int64_t id = km__bigcommerce_id(body), created = now;
    int status = cJSON_GetObjectItemCaseSensitive(body, "status_id")
                     ? (int)kx_json_numeric(body, "status_id", 0)
                     : 11;
    double subtotal = 0, ship = kx_json_numeric(body, "shipping_cost", 0);
    double discount = 0;
    cJSON *o, *prods, *addrs, *bill, *a, *coupons;
    int n = 0;

    if (!lines)
        lines = cJSON_GetObjectItemCaseSensitive(body, "lines");
    if (!cJSON_IsArray(lines) || cJSON_GetArraySize(lines) == 0) {
        snprintf(why, whysz, "an order needs products (lines)");
        return NULL;
    }
    if (!km__bigcommerce_status_name(status)) {
        snprintf(why, whysz, "unknown status_id %d", status);
        return NULL;
    }
    if (*kx_json_str_or(body, "date_created", "") &&
        km__bigcommerce_parse_date(
            &created, kx_json_str_or(body, "date_created", "")) != 0) {
        snprintf(why, whysz, "date_created is not a date");
        return NULL;
    }
    if (id <= 0 || km__storefront_find(st->orders, id))
        id = st->next_order_id++;
    else if (id >= st->next_order_id)
        st->next_order_id = id + 1;
    if (cJSON_IsObject(cust) && *kx_json_str_or(cust, "email", ""))
        known = km__bigcommerce_customer_by_email(
            st, kx_json_str_or(cust, "email", ""));
    prods = cJSON_CreateArray();
    cJSON_ArrayForEach(it, lines)
    {
        cJSON *l = line(st, it, id, &subtotal, why, whysz);

        if (!l) {
            cJSON_Delete(prods);
            return NULL;
        }
        cJSON_AddItemToArray(prods, l);
    }
    coupons = km__bigcommerce_coupons_make(
        st, id, cJSON_GetObjectItemCaseSensitive(body, "coupons"), &discount);
    o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)id);
    cJSON_AddNumberToObject(o, "customer_id",
                            known ? kx_json_numeric(known, "id", 0)
                                  : kx_json_numeric(body, "customer_id", 0));
    km__bigcommerce_order_set_date(o, "date_created", "_created_ms", created);
    km__bigcommerce_order_set_date(o, "date_modified", "_modified_ms",
                                   now > created ? now : created);
    cJSON_AddStringToObject(o, "date_shipped", "");
    cJSON_AddNumberToObject(o, "status_id", status);
    cJSON_AddStringToObject(o, "status", km__bigcommerce_status_name(status));
    cJSON_AddStringToObject(o, "custom_status",
                            km__bigcommerce_status_name(status));
    km__bigcommerce_set_money(o, "subtotal_ex_tax", subtotal);
    km__bigcommerce_set_money(o, "subtotal_inc_tax", subtotal);
    km__bigcommerce_set_money(o, "subtotal_tax", 0);
    km__bigcommerce_set_money(o, "base_shipping_cost", ship);
    km__bigcommerce_set_money(o, "shipping_cost_ex_tax", ship);
    km__bigcommerce_set_money(o, "shipping_cost_inc_tax", ship);
    km__bigcommerce_set_money(o, "shipping_cost_tax", 0);
    km__bigcommerce_set_money(o, "handling_cost_ex_tax", 0);
    km__bigcommerce_set_money(o, "handling_cost_inc_tax", 0);
    km__bigcommerce_set_money(o, "wrapping_cost_ex_tax", 0);
    km__bigcommerce_set_money(o, "wrapping_cost_inc_tax", 0);
    km__bigcommerce_set_money(o, "total_ex_tax", subtotal + ship - discount);
    km__bigcommerce_set_money(o, "total_inc_tax", subtotal + ship - discount);
    km__bigcommerce_set_money(o, "total_tax", 0);
    cJSON_AddFalseToObject(o, "is_tax_inclusive_pricing");
    cJSON_AddNumberToObject(o, "items_total", 0);
    cJSON_AddNumberToObject(o, "items_shipped", 0);
    cJSON_AddStringToObject(o, "payment_method",
                            *kx_json_str_or(body, "payment_method", "")
                                ? kx_json_str_or(body, "payment_method", "")
                                : "Manual");
    cJSON_AddStringToObject(o, "payment_status", "captured");
    km__bigcommerce_set_money(o, "refunded_amount", 0);
    cJSON_AddFalseToObject(o, "order_is_digital");
    cJSON_AddStringToObject(o, "currency_code", "USD");
    cJSON_AddNumberToObject(o, "currency_id", 1);
    cJSON_AddStringToObject(o, "currency_exchange_rate", "1.0000000000");
    cJSON_AddStringToObject(o, "default_currency_code", "USD");
    cJSON_AddStringToObject(o, "store_default_currency_code", "USD");
    km__bigcommerce_set_money(o, "discount_amount", discount);
    km__bigcommerce_set_money(o, "coupon_discount", discount);
    cJSON_AddStringToObject(o, "customer_message",
                            kx_json_str_or(body, "customer_message", ""));
    cJSON_AddStringToObject(o, "staff_notes",
                            kx_json_str_or(body, "staff_notes", ""));
    cJSON_AddStringToObject(o, "order_source", "www");
    cJSON_AddNumberToObject(o, "channel_id", 1);
    cJSON_AddNullToObject(o, "external_source");
    cJSON_AddNullToObject(o, "external_id");
    bill = address(cJSON_GetObjectItemCaseSensitive(body, "billing_address"),
                   cust);
    cJSON_AddItemToObject(o, "billing_address", bill);
    cJSON_AddFalseToObject(o, "is_email_opt_in");
    addrs = cJSON_CreateArray();
    if (cJSON_IsArray(ships) && cJSON_GetArraySize(ships) > 0) {
        cJSON_ArrayForEach(it, ships)
        {
            cJSON_AddItemToArray(addrs, address(it, bill));
        }
    } else {
        cJSON_AddItemToArray(addrs, address(NULL, bill));
    }
    cJSON_ArrayForEach(a, addrs)
    {
        km__storefront_set(a, "id",
                           cJSON_CreateNumber((double)(id * 10 + n++)));
        km__storefront_set(a, "order_id", cJSON_CreateNumber((double)id));
        km__storefront_set(a, "items_total", cJSON_CreateNumber(0));
        km__storefront_set(a, "items_shipped", cJSON_CreateNumber(0));
        km__storefront_set(a, "shipping_method",
                           cJSON_CreateString("Flat Rate"));
        km__bigcommerce_set_money(a, "base_cost", n == 1 ? ship : 0);
        km__bigcommerce_set_money(a, "cost_ex_tax", n == 1 ? ship : 0);
        km__bigcommerce_set_money(a, "cost_inc_tax", n == 1 ? ship : 0);
        km__storefront_set(a, "form_fields", cJSON_CreateArray());
    }
    cJSON_ArrayForEach(a, prods)
    {
        km__storefront_set(a, "order_address_id",
                           cJSON_CreateNumber((double)(id * 10)));
        km__storefront_set(
            o, "items_total",
            cJSON_CreateNumber(kx_json_numeric(o, "items_total", 0) +
                               kx_json_numeric(a, "quantity", 0)));
    }
    cJSON_AddNumberToObject(o, "shipping_address_count",
                            cJSON_GetArraySize(addrs));
    cJSON_AddItemToObject(o, "_products", prods);
    cJSON_AddItemToObject(o, "_shipping_addresses", addrs);
    cJSON_AddItemToObject(o, "_coupons", coupons);
    cJSON_AddItemToObject(o, "_shipments", cJSON_CreateArray());
    cJSON_AddItemToArray(st->orders, o);
    return o;
}

static cJSON *link(struct km__bigcommerce_state *st, int64_t id,
                   const char *sub)
{
    cJSON *l = cJSON_CreateObject();
    char res[96], url[512];

    snprintf(res, sizeof(res), "/orders/%lld/%s", (long long)id, sub);
    snprintf(url, sizeof(url), "%s/stores/%s/v2%s",
             st->server ? km_server_url(st->server) : "", st->store_hash, res);
    cJSON_AddStringToObject(l, "url", url);
    cJSON_AddStringToObject(l, "resource", res);
    return l;
}

cJSON *km__bigcommerce_order_json(struct km__bigcommerce_state *st,
                                  const cJSON *order)
{
    cJSON *o = km__storefront_public(order);
    int64_t id = km__bigcommerce_id(order);

    cJSON_AddItemToObject(o, "products", link(st, id, "products"));
    cJSON_AddItemToObject(o, "shipping_addresses",
                          link(st, id, "shipping_addresses"));
    cJSON_AddItemToObject(o, "coupons", link(st, id, "coupons"));
    return o;
}
