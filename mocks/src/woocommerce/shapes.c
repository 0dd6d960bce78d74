/*
 * The full wc/v3 shape of every stored resource. WooCommerce answers every
 * field of a resource's view context, set or not (the docs tables, checked
 * by tests/schema/responses.mjs against tests/schema/shapes/); the
 * emulator stores what a client sent over a skeleton of those fields, and
 * adds at rendering what depends on the site URL (permalink, _links,
 * payment_url) or on other fields (purchasable, is_editable, ...).
 *
 * Each stored object names its skeleton in the private member "_shape".
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include <kx/time.h>
#include "woocommerce_emu.h"

#define ADDRESS                                                                \
    "\"first_name\":\"\",\"last_name\":\"\",\"company\":\"\","                 \
    "\"address_1\":\"\",\"address_2\":\"\",\"city\":\"\",\"state\":\"\","      \
    "\"postcode\":\"\",\"country\":\"\""
#define SALE_DATES                                                             \
    "\"date_on_sale_from\":null,\"date_on_sale_from_gmt\":null,"               \
    "\"date_on_sale_to\":null,\"date_on_sale_to_gmt\":null,"
#define STOCK                                                                  \
    "\"virtual\":false,\"downloadable\":false,\"downloads\":[],"               \
    "\"download_limit\":-1,\"download_expiry\":-1,\"tax_status\":"             \
    "\"taxable\",\"tax_class\":\"\",\"manage_stock\":false,"                   \
    "\"stock_quantity\":null,\"stock_status\":\"instock\",\"backorders\":"     \
    "\"no\",\"backorders_allowed\":false,\"backordered\":false,"               \
    "\"weight\":\"\",\"dimensions\":{\"length\":\"\",\"width\":\"\","          \
    "\"height\":\"\"},\"shipping_class\":\"\","

/* Defaults from the docs' property tables and the controllers' schema
 * defaults (WooCommerce answers "" for unset strings, -1 for unlimited
 * downloads, null for unset dates). Indexed by enum km__woocommerce_shape. */
static const char *const skeleton_text[KM__WOOCOMMERCE_NSHAPES] = {
    [KM__WOOCOMMERCE_PRODUCT] =
        "{\"name\":\"\",\"slug\":\"\",\"type\":\"simple\",\"status\":"
        "\"publish\",\"featured\":false,\"catalog_visibility\":\"visible\","
        "\"description\":\"\",\"short_description\":\"\",\"sku\":\"\","
        "\"price\":\"\",\"regular_price\":\"\",\"sale_price\":\"\"," SALE_DATES
        "\"price_html\":\"\",\"on_sale\":false,\"total_sales\":0,"
        "\"external_url\":\"\",\"button_text\":\"\"," STOCK
        "\"sold_individually\":false,\"shipping_required\":true,"
        "\"shipping_taxable\":true,\"shipping_class_id\":0,"
        "\"reviews_allowed\":true,\"average_rating\":\"0.00\","
        "\"rating_count\":0,\"related_ids\":[],\"upsell_ids\":[],"
        "\"cross_sell_ids\":[],\"parent_id\":0,\"purchase_note\":\"\","
        "\"categories\":[],\"tags\":[],\"images\":[],\"attributes\":[],"
        "\"default_attributes\":[],\"variations\":[],\"grouped_products\":[],"
        "\"menu_order\":0,\"meta_data\":[]}",
    [KM__WOOCOMMERCE_VARIATION] =
        "{\"name\":\"\",\"description\":\"\",\"sku\":\"\",\"price\":\"\","
        "\"regular_price\":\"\",\"sale_price\":\"\"," SALE_DATES
        "\"on_sale\":false,\"status\":\"publish\"," STOCK
        "\"shipping_class_id\":0,\"image\":null,\"attributes\":[],"
        "\"menu_order\":0,\"meta_data\":[],\"low_stock_amount\":null,"
        "\"parent_id\":0,\"type\":\"variation\"}",
    [KM__WOOCOMMERCE_CUSTOMER] =
        "{\"email\":\"\",\"first_name\":\"\",\"last_name\":\"\",\"role\":"
        "\"customer\",\"username\":\"\",\"billing\":{" ADDRESS
        ",\"email\":\"\",\"phone\":\"\"},\"shipping\":{" ADDRESS
        "},\"is_paying_customer\":false,\"avatar_url\":\"\","
        "\"meta_data\":[]}",
    [KM__WOOCOMMERCE_ORDER] =
        "{\"parent_id\":0,\"status\":\"pending\",\"currency\":\"USD\","
        "\"version\":\"8.9.0\",\"prices_include_tax\":false,\"customer_id\":0,"
        "\"customer_ip_address\":\"\",\"customer_user_agent\":\"\","
        "\"customer_note\":\"\",\"billing\":{" ADDRESS
        ",\"email\":\"\",\"phone\":\"\"},\"shipping\":{" ADDRESS
        ",\"phone\":\"\"},\"payment_method\":\"\",\"payment_method_title\":"
        "\"\",\"transaction_id\":\"\",\"date_paid\":null,"
        "\"date_paid_gmt\":null,\"date_completed\":null,"
        "\"date_completed_gmt\":null,\"cart_hash\":\"\",\"meta_data\":[],"
        "\"line_items\":[],\"tax_lines\":[],\"shipping_lines\":[],"
        "\"fee_lines\":[],\"coupon_lines\":[]}",
    [KM__WOOCOMMERCE_REFUND] =
        "{\"amount\":\"0.00\",\"reason\":\"\",\"refunded_by\":0,"
        "\"refunded_payment\":false,\"meta_data\":[],\"line_items\":[]}",
    [KM__WOOCOMMERCE_WEBHOOK] =
        "{\"name\":\"\",\"status\":\"active\",\"topic\":\"\",\"resource\":"
        "\"\",\"event\":\"\",\"hooks\":[],\"delivery_url\":\"\"}",
    [KM__WOOCOMMERCE_NOTE] = "{\"author\":\"system\",\"note\":\"\","
                             "\"customer_note\":false,\"added_by_user\":false}",
    [KM__WOOCOMMERCE_CATEGORY] =
        "{\"name\":\"\",\"slug\":\"\",\"parent\":0,\"description\":\"\","
        "\"display\":\"default\",\"image\":null,\"menu_order\":0,\"count\":0}",
};

static const char *const shape_name[KM__WOOCOMMERCE_NSHAPES] = {
    "product", "variation", "customer", "order",
    "refund",  "webhook",   "note",     "category"};

/* The members every element of a list member has (a client may send
 * fewer): which shape, which member, the element's defaults. */
static const struct {
    int shape;
    const char *member;
    const char *text;
} element_text[] = {
    {KM__WOOCOMMERCE_PRODUCT, "attributes",
     "{\"id\":0,\"name\":\"\",\"position\":0,\"visible\":true,"
     "\"variation\":false,\"options\":[]}"},
    {KM__WOOCOMMERCE_PRODUCT, "default_attributes",
     "{\"id\":0,\"name\":\"\",\"option\":\"\"}"},
    {KM__WOOCOMMERCE_PRODUCT, "categories",
     "{\"id\":0,\"name\":\"\",\"slug\":\"\"}"},
    {KM__WOOCOMMERCE_PRODUCT, "tags", "{\"id\":0,\"name\":\"\",\"slug\":\"\"}"},
    {KM__WOOCOMMERCE_PRODUCT, "images",
     "{\"id\":0,\"date_created\":null,\"date_created_gmt\":null,"
     "\"date_modified\":null,\"date_modified_gmt\":null,\"src\":\"\","
     "\"name\":\"\",\"alt\":\"\"}"},
    {KM__WOOCOMMERCE_VARIATION, "attributes",
     "{\"id\":0,\"name\":\"\",\"option\":\"\"}"},
};
#define NELEMENTS (sizeof(element_text) / sizeof(element_text[0]))

static cJSON *skeletons[KM__WOOCOMMERCE_NSHAPES];
static cJSON *elements[NELEMENTS];
static pthread_once_t skeletons_once = PTHREAD_ONCE_INIT;

static void parse_skeletons(void)
{
    for (int i = 0; i < KM__WOOCOMMERCE_NSHAPES; i++) {
        skeletons[i] = cJSON_Parse(skeleton_text[i]);
        if (!skeletons[i])
            abort(); /* a typo above, or out of memory */
    }
    for (size_t i = 0; i < NELEMENTS; i++) {
        elements[i] = cJSON_Parse(element_text[i].text);
        if (!elements[i])
            abort();
    }
}

/* Adds to obj every member of skel it lacks, and recurses into members
 * that are objects in both (billing, shipping, dimensions). */
static void fill(cJSON *obj, const cJSON *skel)
{
    const cJSON *s;

    cJSON_ArrayForEach(s, skel)
    {
        cJSON *have = cJSON_GetObjectItemCaseSensitive(obj, s->string);

        if (!have)
            cJSON_AddItemToObject(obj, s->string, cJSON_Duplicate(s, 1));
        else if (cJSON_IsObject(have) && cJSON_IsObject(s))
            fill(have, s);
    }
}

void km__woocommerce_complete(cJSON *obj, enum km__woocommerce_shape shape)
{
    pthread_once(&skeletons_once, parse_skeletons);
    if (!cJSON_GetObjectItemCaseSensitive(obj, "_shape"))
        cJSON_AddStringToObject(obj, "_shape", shape_name[shape]);
    fill(obj, skeletons[shape]);
}

static int shape_of(const cJSON *obj)
{
    const char *name = kx_json_str_or(obj, "_shape", "");

    for (int i = 0; i < KM__WOOCOMMERCE_NSHAPES; i++)
        if (strcmp(shape_name[i], name) == 0)
            return i;
    return -1;
}

/* {"href": url} as the only element of links[rel]. */
static void add_link(cJSON *links, const char *rel, const char *url)
{
    cJSON *arr = cJSON_AddArrayToObject(links, rel), *o = cJSON_CreateObject();

    cJSON_AddStringToObject(o, "href", url);
    cJSON_AddItemToArray(arr, o);
}

/* _links as WP_REST_Controller::prepare_links builds them: self and
 * collection, "up" to the parent resource, "customer" on an order with
 * one. */
static void add_links(const struct km__woocommerce_state *st, cJSON *out,
                      int shape, const cJSON *obj)
{
    const char *site = st->site_url ? st->site_url : "/";
    long long id = (long long)km__woocommerce_id(obj);
    long long parent = (long long)kx_json_numeric(obj, "parent_id", 0);
    long long order = (long long)kx_json_numeric(obj, "_order_id", 0);
    cJSON *links = cJSON_CreateObject();
    char coll[160], url[200];

    switch (shape) {
    case KM__WOOCOMMERCE_VARIATION:
        snprintf(coll, sizeof(coll), "products/%lld/variations", parent);
        break;
    case KM__WOOCOMMERCE_REFUND:
        snprintf(coll, sizeof(coll), "orders/%lld/refunds", order);
        break;
    case KM__WOOCOMMERCE_NOTE:
        snprintf(coll, sizeof(coll), "orders/%lld/notes", order);
        break;
    case KM__WOOCOMMERCE_CATEGORY:
        snprintf(coll, sizeof(coll), "products/categories");
        break;
    default:
        snprintf(coll, sizeof(coll), "%ss", shape_name[shape]);
    }
    snprintf(url, sizeof(url), "%swp-json/wc/v3/%s/%lld", site, coll, id);
    add_link(links, "self", url);
    snprintf(url, sizeof(url), "%swp-json/wc/v3/%s", site, coll);
    add_link(links, "collection", url);
    if (shape == KM__WOOCOMMERCE_VARIATION) {
        snprintf(url, sizeof(url), "%swp-json/wc/v3/products/%lld", site,
                 parent);
        add_link(links, "up", url);
    } else if (shape == KM__WOOCOMMERCE_REFUND ||
               shape == KM__WOOCOMMERCE_NOTE) {
        snprintf(url, sizeof(url), "%swp-json/wc/v3/orders/%lld", site, order);
        add_link(links, "up", url);
    } else if (shape == KM__WOOCOMMERCE_ORDER &&
               kx_json_numeric(obj, "customer_id", 0) > 0) {
        snprintf(url, sizeof(url), "%swp-json/wc/v3/customers/%lld", site,
                 (long long)kx_json_numeric(obj, "customer_id", 0));
        add_link(links, "customer", url);
    }
    km__storefront_set(out, "_links", links);
}

static int status_is(const cJSON *obj, const char *const *list)
{
    const char *s = kx_json_str_or(obj, "status", "");

    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], s) == 0)
            return 1;
    return 0;
}

/* An order's refunds as the order shows them: [{id, reason, total}],
 * total negative, newest first. */
static cJSON *refunds_summary(const struct km__woocommerce_state *st,
                              const cJSON *order)
{
    cJSON *list = cJSON_CreateArray();
    const cJSON *r;
    int64_t id = km__woocommerce_id(order);

    cJSON_ArrayForEach(r, st->refunds)
    {
        cJSON *e;
        char buf[32];

        if ((int64_t)kx_json_numeric(r, "_order_id", 0) != id)
            continue;
        e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "id", (double)km__woocommerce_id(r));
        cJSON_AddStringToObject(e, "reason", kx_json_str_or(r, "reason", ""));
        km__woocommerce_money(buf, -kx_json_numeric(r, "amount", 0));
        cJSON_AddStringToObject(e, "total", buf);
        cJSON_AddItemToArray(list, e);
    }
    return list;
}

/* A product's categories [{id, name, slug}] named from the stored
 * categories; a category's count of products that name it. */
static void categories(const struct km__woocommerce_state *st, cJSON *out,
                       int shape, const cJSON *obj)
{
    const cJSON *it, *c;
    int64_t id = km__woocommerce_id(obj);
    int n = 0;

    if (shape == KM__WOOCOMMERCE_PRODUCT) {
        cJSON_ArrayForEach(it,
                           cJSON_GetObjectItemCaseSensitive(out, "categories"))
        {
            const cJSON *cat =
                km__storefront_find(st->categories, km__woocommerce_id(it));

            if (cat && cJSON_IsObject(it)) {
                km__woocommerce_set_str((cJSON *)it, "name",
                                        kx_json_str_or(cat, "name", ""));
                km__woocommerce_set_str((cJSON *)it, "slug",
                                        kx_json_str_or(cat, "slug", ""));
            }
        }
        return;
    }
    cJSON_ArrayForEach(it, st->products)
    {
        cJSON_ArrayForEach(c,
                           cJSON_GetObjectItemCaseSensitive(it, "categories"))
        {
            n += km__woocommerce_id(c) == id;
        }
    }
    km__woocommerce_set_num(out, "count", n);
}

/* What WC_Product and WC_Order compute from other fields. */
static void derive(const struct km__woocommerce_state *st, cJSON *out,
                   int shape, const cJSON *obj)
{
    static const char *const editable[] = {"pending", "on-hold", "auto-draft",
                                           NULL};
    static const char *const unpaid[] = {"pending", "failed", NULL};
    const char *site = st->site_url ? st->site_url : "/";
    char url[400];

    if (shape == KM__WOOCOMMERCE_PRODUCT ||
        shape == KM__WOOCOMMERCE_VARIATION) {
        /* WC_Product::is_purchasable: published and priced. */
        km__storefront_set(
            out, "purchasable",
            cJSON_CreateBool(
                strcmp(kx_json_str_or(obj, "status", ""), "publish") == 0 &&
                *kx_json_str_or(obj, "price", "")));
        if (shape == KM__WOOCOMMERCE_PRODUCT)
            snprintf(url, sizeof(url), "%sproduct/%s/", site,
                     kx_json_str_or(obj, "slug", ""));
        else
            snprintf(url, sizeof(url), "%s?post_type=product_variation&p=%lld",
                     site, (long long)km__woocommerce_id(obj));
        km__woocommerce_set_str(out, "permalink", url);
    } else if (shape == KM__WOOCOMMERCE_ORDER) {
        snprintf(url, sizeof(url),
                 "%scheckout/order-pay/%lld/?pay_for_order=true&key=%s", site,
                 (long long)km__woocommerce_id(obj),
                 kx_json_str_or(obj, "order_key", ""));
        km__woocommerce_set_str(out, "payment_url", url);
        km__storefront_set(out, "is_editable",
                           cJSON_CreateBool(status_is(obj, editable)));
        km__storefront_set(
            out, "needs_payment",
            cJSON_CreateBool(status_is(obj, unpaid) &&
                             kx_json_numeric(obj, "total", 0) > 0));
        km__storefront_set(out, "needs_processing", cJSON_CreateTrue());
        km__storefront_set(out, "refunds", refunds_summary(st, obj));
    }
    if (shape == KM__WOOCOMMERCE_PRODUCT || shape == KM__WOOCOMMERCE_CATEGORY)
        categories(st, out, shape, obj);
}

/* Completes the elements of out's list members and gives meta_data
 * entries an id ([C] every meta_data entry has id, key, value). */
static void fill_elements(cJSON *out, int shape)
{
    cJSON *it;
    int i = 0;

    for (size_t e = 0; e < NELEMENTS; e++) {
        if (element_text[e].shape != shape)
            continue;
        cJSON_ArrayForEach(
            it, cJSON_GetObjectItemCaseSensitive(out, element_text[e].member))
        {
            if (cJSON_IsObject(it))
                fill(it, elements[e]);
        }
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(out, "meta_data"))
    {
        i++;
        if (cJSON_IsObject(it) && !cJSON_GetObjectItemCaseSensitive(it, "id"))
            cJSON_AddNumberToObject(it, "id", i);
    }
}

cJSON *km__woocommerce_public(const struct km__woocommerce_state *st,
                              const cJSON *obj)
{
    cJSON *out = km__storefront_public(obj);
    int shape = shape_of(obj);

    if (shape < 0)
        return out;
    pthread_once(&skeletons_once, parse_skeletons);
    fill_elements(out, shape);
    derive(st, out, shape, obj);
    add_links(st, out, shape, obj);
    return out;
}

void km__woocommerce_order_dates(cJSON *order, int64_t now_ms)
{
    static const char *const paid[] = {"processing", "completed", NULL};
    static const char *const done[] = {"completed", NULL};
    char iso[KX_ISO8601_MAX];

    kx_iso8601_format(iso, now_ms, 0);
    /* WC_Order::maybe_set_date_paid and maybe_set_date_completed. */
    if (status_is(order, paid) &&
        cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(order, "date_paid"))) {
        km__woocommerce_set_str(order, "date_paid", iso);
        km__woocommerce_set_str(order, "date_paid_gmt", iso);
    }
    if (status_is(order, done) && cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(
                                      order, "date_completed"))) {
        km__woocommerce_set_str(order, "date_completed", iso);
        km__woocommerce_set_str(order, "date_completed_gmt", iso);
    }
}
