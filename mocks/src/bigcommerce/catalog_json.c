/*
 * The v3 JSON shape of products and variants, built from the catalog
 * structs only when a reply or the snapshot needs it. Fields the emulator
 * does not model get BigCommerce's defaults; fields a client sent that it
 * does not model are echoed from "extra".
 */
#include <stdio.h>
#include <string.h>
#include <kx/time.h>
#include "bigcommerce_emu.h"

/* ---- JSON shape -------------------------------------------------------- */

static void overlay(cJSON *obj, const cJSON *extra)
{
    const cJSON *it;

    cJSON_ArrayForEach(it, extra)
    {
        km__storefront_set(obj, it->string, cJSON_Duplicate(it, 1));
    }
}

static int64_t product_stock(const struct km__bigcommerce_product *p)
{
    int64_t sum = 0;

    if (p->tracking != BC_TRACK_VARIANT)
        return p->inventory_level;
    for (size_t i = 0; i < p->nvariants; i++)
        sum += p->variants[i]->inventory_level;
    return sum;
}

cJSON *km__bigcommerce_variant_json(const struct km__bigcommerce_variant *v)
{
    cJSON *o = cJSON_CreateObject();
    const struct km__bigcommerce_product *p = v->product;

    cJSON_AddNumberToObject(o, "id", (double)v->id);
    cJSON_AddNumberToObject(o, "product_id", (double)p->id);
    cJSON_AddStringToObject(o, "sku", v->sku ? v->sku : "");
    if (v->sku_id)
        cJSON_AddNumberToObject(o, "sku_id", (double)v->sku_id);
    else
        cJSON_AddNullToObject(o, "sku_id");
    if (v->has_price)
        cJSON_AddNumberToObject(o, "price", v->price);
    else
        cJSON_AddNullToObject(o, "price");
    cJSON_AddNumberToObject(o, "calculated_price",
                            v->has_price ? v->price : p->price);
    cJSON_AddNullToObject(o, "sale_price");
    cJSON_AddNullToObject(o, "retail_price");
    cJSON_AddNullToObject(o, "weight");
    cJSON_AddNumberToObject(o, "calculated_weight", p->weight);
    cJSON_AddNumberToObject(o, "inventory_level",
                            (double)(v->base && p->tracking != BC_TRACK_VARIANT
                                         ? p->inventory_level
                                         : v->inventory_level));
    cJSON_AddNumberToObject(o, "inventory_warning_level",
                            (double)v->inventory_warning_level);
    cJSON_AddBoolToObject(o, "purchasing_disabled", v->purchasing_disabled);
    cJSON_AddStringToObject(o, "purchasing_disabled_message", "");
    cJSON_AddStringToObject(o, "upc", "");
    cJSON_AddStringToObject(o, "mpn", "");
    cJSON_AddStringToObject(o, "gtin", "");
    cJSON_AddStringToObject(o, "bin_picking_number", "");
    cJSON_AddItemToObject(o, "option_values", cJSON_CreateArray());
    overlay(o, v->extra);
    return o;
}

static const char *tracking_name(enum bc_tracking t)
{
    return t == BC_TRACK_PRODUCT   ? "product"
           : t == BC_TRACK_VARIANT ? "variant"
                                   : "none";
}

cJSON *km__bigcommerce_product_json(const struct km__bigcommerce_product *p,
                                    int with_variants)
{
    cJSON *o = cJSON_CreateObject(), *url = cJSON_CreateObject();
    char date[KX_ISO8601_MAX], path[300];
    int64_t base = 0;

    for (size_t i = 0; i < p->nvariants; i++)
        if (p->variants[i]->base)
            base = p->variants[i]->id;
    cJSON_AddNumberToObject(o, "id", (double)p->id);
    cJSON_AddStringToObject(o, "name", p->name);
    cJSON_AddStringToObject(o, "type", p->type);
    cJSON_AddStringToObject(o, "sku", p->sku ? p->sku : "");
    cJSON_AddStringToObject(o, "description", "");
    cJSON_AddNumberToObject(o, "weight", p->weight);
    cJSON_AddNumberToObject(o, "width", 0);
    cJSON_AddNumberToObject(o, "depth", 0);
    cJSON_AddNumberToObject(o, "height", 0);
    cJSON_AddNumberToObject(o, "price", p->price);
    cJSON_AddNumberToObject(o, "cost_price", 0);
    cJSON_AddNumberToObject(o, "retail_price", 0);
    cJSON_AddNumberToObject(o, "sale_price", 0);
    cJSON_AddNumberToObject(o, "calculated_price", p->price);
    cJSON_AddItemToObject(o, "categories", cJSON_CreateArray());
    cJSON_AddNumberToObject(o, "brand_id", 0);
    cJSON_AddNumberToObject(o, "inventory_level", (double)product_stock(p));
    cJSON_AddNumberToObject(o, "inventory_warning_level",
                            (double)p->inventory_warning_level);
    cJSON_AddStringToObject(o, "inventory_tracking",
                            tracking_name(p->tracking));
    cJSON_AddBoolToObject(o, "is_visible", p->is_visible);
    cJSON_AddStringToObject(o, "availability", "available");
    cJSON_AddStringToObject(o, "upc", "");
    cJSON_AddStringToObject(o, "mpn", "");
    cJSON_AddStringToObject(o, "gtin", "");
    if (base)
        cJSON_AddNumberToObject(o, "base_variant_id", (double)base);
    else
        cJSON_AddNullToObject(o, "base_variant_id");
    kx_iso8601_format(date, p->date_created_ms, KX_ISO8601_OFFSET);
    cJSON_AddStringToObject(o, "date_created", date);
    kx_iso8601_format(date, p->date_modified_ms, KX_ISO8601_OFFSET);
    cJSON_AddStringToObject(o, "date_modified", date);
    cJSON_AddNumberToObject(o, "total_sold", (double)p->total_sold);
    snprintf(path, sizeof(path), "/product-%lld/", (long long)p->id);
    cJSON_AddStringToObject(url, "url", path);
    cJSON_AddFalseToObject(url, "is_customized");
    cJSON_AddItemToObject(o, "custom_url", url);
    overlay(o, p->extra);
    if (with_variants) {
        cJSON *vs = cJSON_CreateArray();

        for (size_t i = 0; i < p->nvariants; i++)
            cJSON_AddItemToArray(vs,
                                 km__bigcommerce_variant_json(p->variants[i]));
        cJSON_AddItemToObject(o, "variants", vs);
    }
    return o;
}
