/*
 * The catalog model: products and variants as C structs, their id and SKU
 * indexes, validation of v3 bodies, the v3 JSON shape, stock changes with
 * their inventory webhooks, and the seeded generator.
 *
 * Rules kept from BigCommerce ([C] unless marked): product names and SKUs
 * are unique (409); a product without options has one base variant whose
 * SKU is the product's (sku_id null); product-level inventory hooks fire
 * for products tracked by product, SKU-level ones for variants tracked by
 * variant; a product tracked by variant reports the sum of its variants'
 * stock ([I]).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include "bigcommerce_emu.h"

#define BC_MAX_STOCK 2147483647LL

/* ---- indexes ----------------------------------------------------------- */

struct km__bigcommerce_product *
km__bigcommerce_product_by_id(struct km__bigcommerce_state *st, int64_t id)
{
    size_t lo = 0, hi = st->nproducts;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (st->products[mid]->id == id)
            return st->products[mid];
        if (st->products[mid]->id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

struct km__bigcommerce_variant *
km__bigcommerce_variant_by_id(struct km__bigcommerce_state *st, int64_t id)
{
    size_t lo = 0, hi = st->nvariants;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (st->variants[mid]->id == id)
            return st->variants[mid];
        if (st->variants[mid]->id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

struct km__bigcommerce_variant *
km__bigcommerce_variant_by_sku(struct km__bigcommerce_state *st,
                               const char *sku)
{
    return sku && *sku ? km__bigcommerce_map_get(&st->variant_sku, sku) : NULL;
}

/* Inserts ptr into a sorted array of objects whose first member is the
 * int64 id; appending (the usual case) costs O(1). */
#define SORTED_INSERT(arr, n, cap, item)                                       \
    do {                                                                       \
        size_t pos_ = (n);                                                     \
        if ((n) == (cap)) {                                                    \
            (cap) = (cap) ? (cap)*2 : 64;                                      \
            (arr) = kx_xrealloc((arr), (cap) * sizeof(*(arr)));                \
        }                                                                      \
        while (pos_ > 0 && (arr)[pos_ - 1]->id > (item)->id)                   \
            pos_--;                                                            \
        memmove(&(arr)[pos_ + 1], &(arr)[pos_], ((n)-pos_) * sizeof(*(arr)));  \
        (arr)[pos_] = (item);                                                  \
        (n)++;                                                                 \
    } while (0)

static void remove_variant_index(struct km__bigcommerce_state *st,
                                 struct km__bigcommerce_variant *v)
{
    for (size_t i = 0; i < st->nvariants; i++) {
        if (st->variants[i] == v) {
            memmove(&st->variants[i], &st->variants[i + 1],
                    (st->nvariants - i - 1) * sizeof(*st->variants));
            st->nvariants--;
            break;
        }
    }
    if (v->sku && km__bigcommerce_map_get(&st->variant_sku, v->sku) == v)
        km__bigcommerce_map_del(&st->variant_sku, v->sku);
}

static void variant_free(struct km__bigcommerce_variant *v)
{
    if (!v)
        return;
    free(v->sku);
    cJSON_Delete(v->extra);
    free(v);
}

static void product_free(struct km__bigcommerce_product *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nvariants; i++)
        variant_free(p->variants[i]);
    free(p->variants);
    free(p->name);
    free(p->type);
    free(p->sku);
    cJSON_Delete(p->extra);
    cJSON_Delete(p->options);
    free(p);
}

void km__bigcommerce_catalog_free(struct km__bigcommerce_state *st)
{
    for (size_t i = 0; i < st->nproducts; i++)
        product_free(st->products[i]);
    free(st->products);
    free(st->variants);
    km__bigcommerce_map_dispose(&st->product_sku);
    km__bigcommerce_map_dispose(&st->variant_sku);
    km__bigcommerce_map_dispose(&st->product_name);
    st->products = NULL;
    st->variants = NULL;
    st->nproducts = st->nvariants = 0;
}

/* ---- validation -------------------------------------------------------- */

static void fail(cJSON **errors, const char *field, const char *msg)
{
    if (!*errors)
        *errors = cJSON_CreateObject();
    if (!cJSON_GetObjectItemCaseSensitive(*errors, field))
        cJSON_AddStringToObject(*errors, field, msg);
}

static int is_int_in(const cJSON *v, double lo, double hi)
{
    return cJSON_IsNumber(v) && v->valuedouble >= lo && v->valuedouble <= hi &&
           v->valuedouble == (double)(int64_t)v->valuedouble;
}

/* Checks the typed fields of a product body; creating also requires name,
 * type, weight and price. */
static cJSON *product_check(const cJSON *b, int creating)
{
    cJSON *errors = NULL;
    const cJSON *v;

    v = cJSON_GetObjectItemCaseSensitive(b, "name");
    if (v ? !cJSON_IsString(v) || !*v->valuestring ||
                strlen(v->valuestring) > 250
          : creating)
        fail(&errors, "name", v ? "error.path.invalid" : "error.path.missing");
    v = cJSON_GetObjectItemCaseSensitive(b, "type");
    if (v ? !cJSON_IsString(v) || (strcmp(v->valuestring, "physical") &&
                                   strcmp(v->valuestring, "digital"))
          : creating)
        fail(&errors, "type", v ? "error.path.invalid" : "error.path.missing");
    v = cJSON_GetObjectItemCaseSensitive(b, "sku");
    if (v && (!cJSON_IsString(v) || strlen(v->valuestring) > 255))
        fail(&errors, "sku", "error.path.invalid");
    v = cJSON_GetObjectItemCaseSensitive(b, "price");
    if (v ? !cJSON_IsNumber(v) || v->valuedouble < 0 : creating)
        fail(&errors, "price", v ? "error.path.invalid" : "error.path.missing");
    v = cJSON_GetObjectItemCaseSensitive(b, "weight");
    if (v ? !cJSON_IsNumber(v) || v->valuedouble < 0 : creating)
        fail(&errors, "weight",
             v ? "error.path.invalid" : "error.path.missing");
    v = cJSON_GetObjectItemCaseSensitive(b, "inventory_level");
    if (v && !is_int_in(v, 0, BC_MAX_STOCK))
        fail(&errors, "inventory_level", "error.path.invalid");
    v = cJSON_GetObjectItemCaseSensitive(b, "inventory_warning_level");
    if (v && !is_int_in(v, 0, BC_MAX_STOCK))
        fail(&errors, "inventory_warning_level", "error.path.invalid");
    v = cJSON_GetObjectItemCaseSensitive(b, "inventory_tracking");
    if (v && (!cJSON_IsString(v) || (strcmp(v->valuestring, "none") &&
                                     strcmp(v->valuestring, "product") &&
                                     strcmp(v->valuestring, "variant"))))
        fail(&errors, "inventory_tracking", "error.path.invalid");
    v = cJSON_GetObjectItemCaseSensitive(b, "is_visible");
    if (v && !cJSON_IsBool(v))
        fail(&errors, "is_visible", "error.path.invalid");
    v = cJSON_GetObjectItemCaseSensitive(b, "variants");
    if (v && !cJSON_IsArray(v))
        fail(&errors, "variants", "error.path.invalid");
    return errors;
}

/* 1 when sku belongs to a product or variant other than p. */
static int sku_taken(struct km__bigcommerce_state *st, const char *sku,
                     const struct km__bigcommerce_product *p)
{
    struct km__bigcommerce_product *other =
        km__bigcommerce_map_get(&st->product_sku, sku);
    struct km__bigcommerce_variant *v = km__bigcommerce_variant_by_sku(st, sku);

    return (other && other != p) || (v && v->product != p);
}

/* ---- products ---------------------------------------------------------- */

/* Replaces *dst by a copy of src ("" for NULL). */
static void set_str(char **dst, const char *src)
{
    free(*dst);
    *dst = kx_xstrdup(src ? src : "");
}

static const char *const product_readonly[] = {"id",
                                               "date_created",
                                               "date_modified",
                                               "calculated_price",
                                               "base_variant_id",
                                               "variants",
                                               NULL};

static int is_typed(const char *k)
{
    static const char *const typed[] = {"name",
                                        "type",
                                        "sku",
                                        "price",
                                        "weight",
                                        "inventory_level",
                                        "inventory_warning_level",
                                        "inventory_tracking",
                                        "is_visible",
                                        NULL};

    for (size_t i = 0; typed[i]; i++)
        if (strcmp(typed[i], k) == 0)
            return 1;
    for (size_t i = 0; product_readonly[i]; i++)
        if (strcmp(product_readonly[i], k) == 0)
            return 1;
    return 0;
}

struct km__bigcommerce_variant *
km__bigcommerce_variant_new(struct km__bigcommerce_state *st,
                            struct km__bigcommerce_product *p, const char *sku,
                            int base)
{
    struct km__bigcommerce_variant *v = kx_xcalloc(1, sizeof(*v));

    v->id = st->next_variant_id++;
    v->product = p;
    v->base = base;
    v->sku = kx_xstrdup(sku);
    if (!base)
        v->sku_id = st->next_sku_id++;
    p->variants = kx_xrealloc(p->variants, (p->nvariants + 1) * sizeof(v));
    p->variants[p->nvariants++] = v;
    SORTED_INSERT(st->variants, st->nvariants, st->capvariants, v);
    if (*v->sku)
        km__bigcommerce_map_put(&st->variant_sku, v->sku, v);
    return v;
}

/* Applies a checked body to p, keeping the indexes and the base variant in
 * step. Inventory changes go through km__bigcommerce_stock_set unless silent.
 */
static void product_apply(struct km__bigcommerce_state *st,
                          struct km__bigcommerce_product *p, const cJSON *b,
                          int64_t now, int silent)
{
    const cJSON *it, *lvl = NULL;

    cJSON_ArrayForEach(it, b)
    {
        const char *k = it->string;

        if (strcmp(k, "name") == 0) {
            km__bigcommerce_map_del(&st->product_name, p->name);
            set_str(&p->name, it->valuestring);
            km__bigcommerce_map_put(&st->product_name, p->name, p);
        } else if (strcmp(k, "type") == 0) {
            set_str(&p->type, it->valuestring);
        } else if (strcmp(k, "sku") == 0) {
            if (p->sku && *p->sku)
                km__bigcommerce_map_del(&st->product_sku, p->sku);
            set_str(&p->sku, it->valuestring);
            if (*p->sku)
                km__bigcommerce_map_put(&st->product_sku, p->sku, p);
            for (size_t i = 0; i < p->nvariants; i++) {
                struct km__bigcommerce_variant *v = p->variants[i];

                if (!v->base)
                    continue;
                if (*v->sku)
                    km__bigcommerce_map_del(&st->variant_sku, v->sku);
                set_str(&v->sku, p->sku);
                if (*v->sku)
                    km__bigcommerce_map_put(&st->variant_sku, v->sku, v);
            }
        } else if (strcmp(k, "price") == 0) {
            p->price = it->valuedouble;
        } else if (strcmp(k, "weight") == 0) {
            p->weight = it->valuedouble;
        } else if (strcmp(k, "inventory_level") == 0) {
            lvl = it;
        } else if (strcmp(k, "inventory_warning_level") == 0) {
            p->inventory_warning_level = (int64_t)it->valuedouble;
        } else if (strcmp(k, "inventory_tracking") == 0) {
            p->tracking =
                strcmp(it->valuestring, "product") == 0   ? BC_TRACK_PRODUCT
                : strcmp(it->valuestring, "variant") == 0 ? BC_TRACK_VARIANT
                                                          : BC_TRACK_NONE;
        } else if (strcmp(k, "is_visible") == 0) {
            p->is_visible = cJSON_IsTrue(it);
        } else if (!is_typed(k) && k[0] != '_') {
            if (!p->extra)
                p->extra = cJSON_CreateObject();
            km__storefront_set(p->extra, k, cJSON_Duplicate(it, 1));
        }
    }
    p->date_modified_ms = now;
    if (lvl) {
        if (silent || p->tracking != BC_TRACK_PRODUCT)
            p->inventory_level = (int64_t)lvl->valuedouble;
        else
            km__bigcommerce_stock_set(st, p, NULL, (int64_t)lvl->valuedouble,
                                      "absolute");
    }
}

/* Duplicate name or SKU → 409; a duplicate among variants too. */
static int product_conflict(struct km__bigcommerce_state *st,
                            const struct km__bigcommerce_product *p,
                            const cJSON *b, char *title, size_t titlesz,
                            cJSON **errors)
{
    const char *name = kx_json_str_or(b, "name", ""),
               *sku = kx_json_str_or(b, "sku", "");
    const cJSON *v;
    struct km__bigcommerce_product *other =
        *name ? km__bigcommerce_map_get(&st->product_name, name) : NULL;

    if (other && other != p) {
        snprintf(title, titlesz, "The product name is a duplicate");
        fail(errors, "name", "A product with this name already exists");
        return -1;
    }
    if (*sku && sku_taken(st, sku, p)) {
        snprintf(title, titlesz, "The product sku is a duplicate");
        fail(errors, "sku", "A product or variant with this sku exists");
        return -1;
    }
    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(b, "variants"))
    {
        const char *vs = kx_json_str_or(v, "sku", "");

        if (*vs && (sku_taken(st, vs, p) || strcmp(vs, sku) == 0)) {
            snprintf(title, titlesz, "The variant sku is a duplicate");
            fail(errors, "variants.sku", vs);
            return -1;
        }
    }
    return 0;
}

struct km__bigcommerce_product *
km__bigcommerce_product_create(struct km__bigcommerce_state *st,
                               const cJSON *body, int64_t now, int *status,
                               char *title, size_t titlesz, cJSON **errors)
{
    struct km__bigcommerce_product *p;
    const cJSON *v, *id = cJSON_GetObjectItemCaseSensitive(body, "id");
    const cJSON *vars = cJSON_GetObjectItemCaseSensitive(body, "variants");

    *errors = product_check(body, 1);
    if (*errors) {
        *status = 422;
        snprintf(title, titlesz, "JSON data is missing or invalid");
        return NULL;
    }
    if (product_conflict(st, NULL, body, title, titlesz, errors)) {
        *status = 409;
        return NULL;
    }
    p = kx_xcalloc(1, sizeof(*p));
    p->id = cJSON_IsNumber(id) && id->valuedouble > 0 &&
                    !km__bigcommerce_product_by_id(st, (int64_t)id->valuedouble)
                ? (int64_t)id->valuedouble
                : st->next_product_id;
    if (p->id >= st->next_product_id)
        st->next_product_id = p->id + 1;
    p->name = kx_xstrdup("");
    p->type = kx_xstrdup("physical");
    p->sku = kx_xstrdup("");
    p->is_visible = 1;
    p->date_created_ms = now;
    SORTED_INSERT(st->products, st->nproducts, st->capproducts, p);
    product_apply(st, p, body, now, 1);
    if (cJSON_GetArraySize(vars) == 0) {
        km__bigcommerce_variant_new(st, p, p->sku, 1);
    } else {
        cJSON_ArrayForEach(v, vars)
        {
            struct km__bigcommerce_variant *nv = km__bigcommerce_variant_new(
                st, p, kx_json_str_or(v, "sku", ""), 0);
            const cJSON *f;

            cJSON_ArrayForEach(f, v)
            {
                if (strcmp(f->string, "price") == 0 && cJSON_IsNumber(f)) {
                    nv->has_price = 1;
                    nv->price = f->valuedouble;
                } else if (strcmp(f->string, "inventory_level") == 0) {
                    nv->inventory_level =
                        (int64_t)kx_json_numeric(v, f->string, 0);
                } else if (strcmp(f->string, "sku") &&
                           strcmp(f->string, "id") &&
                           strcmp(f->string, "product_id")) {
                    if (!nv->extra)
                        nv->extra = cJSON_CreateObject();
                    km__storefront_set(nv->extra, f->string,
                                       cJSON_Duplicate(f, 1));
                }
            }
            km__bigcommerce_variant_options(st, nv);
        }
    }
    *status = 200;
    return p;
}

int km__bigcommerce_product_update(struct km__bigcommerce_state *st,
                                   struct km__bigcommerce_product *p,
                                   const cJSON *body, int64_t now, int *status,
                                   char *title, size_t titlesz, cJSON **errors)
{
    *errors = product_check(body, 0);
    if (*errors) {
        *status = 422;
        snprintf(title, titlesz, "JSON data is missing or invalid");
        return -1;
    }
    if (product_conflict(st, p, body, title, titlesz, errors)) {
        *status = 409;
        return -1;
    }
    product_apply(st, p, body, now, 0);
    *status = 200;
    return 0;
}

void km__bigcommerce_product_delete(struct km__bigcommerce_state *st,
                                    struct km__bigcommerce_product *p)
{
    for (size_t i = 0; i < p->nvariants; i++)
        remove_variant_index(st, p->variants[i]);
    if (*p->sku && km__bigcommerce_map_get(&st->product_sku, p->sku) == p)
        km__bigcommerce_map_del(&st->product_sku, p->sku);
    km__bigcommerce_map_del(&st->product_name, p->name);
    for (size_t i = 0; i < st->nproducts; i++) {
        if (st->products[i] == p) {
            memmove(&st->products[i], &st->products[i + 1],
                    (st->nproducts - i - 1) * sizeof(*st->products));
            st->nproducts--;
            break;
        }
    }
    product_free(p);
}

void km__bigcommerce_drop_base(struct km__bigcommerce_state *st,
                               struct km__bigcommerce_product *p)
{
    for (size_t i = 0; i < p->nvariants; i++) {
        struct km__bigcommerce_variant *v = p->variants[i];

        if (!v->base)
            continue;
        remove_variant_index(st, v);
        memmove(&p->variants[i], &p->variants[i + 1],
                (p->nvariants - i - 1) * sizeof(*p->variants));
        p->nvariants--;
        variant_free(v);
        return;
    }
}

/* ---- generator ---------------------------------------------------------- */

void km__bigcommerce_generate(struct km__bigcommerce_state *st, int n,
                              uint64_t seed)
{
    int64_t now = ks_clock_now_ms(st->clock);
    uint64_t rng = seed ? seed : 1;

    for (int i = 1; i <= n; i++) {
        struct km__bigcommerce_product *p = kx_xcalloc(1, sizeof(*p));
        struct km__storefront_product gen;

        km__storefront_product(&gen, i, 6, 1, &rng);
        p->id = st->next_product_id++;
        p->name = kx_xstrdup(gen.name);
        p->sku = kx_xstrdup(gen.sku);
        p->type = kx_xstrdup("physical");
        p->price = gen.price;
        p->weight = 1;
        p->inventory_level = gen.stock;
        p->tracking = BC_TRACK_PRODUCT;
        p->is_visible = 1;
        p->date_created_ms = p->date_modified_ms = now;
        SORTED_INSERT(st->products, st->nproducts, st->capproducts, p);
        km__bigcommerce_map_put(&st->product_sku, p->sku, p);
        km__bigcommerce_map_put(&st->product_name, p->name, p);
        km__bigcommerce_variant_new(st, p, p->sku, 1)->inventory_level =
            p->inventory_level;
    }
}
