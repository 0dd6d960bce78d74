/*
 * v3 variant routes: per product list/get/create/update, the store-wide
 * GET /v3/catalog/variants (SKU lookup) and the batch PUT of at most 50.
 * Creating an option variant removes the product's base variant; stock
 * set through a variant goes to whatever the product tracks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include "bigcommerce_emu.h"

#define BC_MAX_IDS 250

/* ---- option values --------------------------------------------------------
 */

/* The entry of arr whose string member name equals value, or NULL. */
static cJSON *entry_named(cJSON *arr, const char *name, const char *value)
{
    cJSON *it;

    cJSON_ArrayForEach(it, arr)
    {
        if (strcmp(kx_json_str_or(it, name, ""), value) == 0)
            return it;
    }
    return NULL;
}

/* {"id": next, name: value, ...} appended to arr. */
static cJSON *entry_add(struct km__bigcommerce_state *st, cJSON *arr,
                        const char *name, const char *value)
{
    cJSON *e = cJSON_CreateObject();

    cJSON_AddNumberToObject(e, "id", (double)st->next_option_id++);
    cJSON_AddStringToObject(e, name, value);
    cJSON_AddItemToArray(arr, e);
    return e;
}

void km__bigcommerce_variant_options(struct km__bigcommerce_state *st,
                                     struct km__bigcommerce_variant *v)
{
    struct km__bigcommerce_product *p = v->product;
    cJSON *values = cJSON_GetObjectItemCaseSensitive(v->extra, "option_values");
    cJSON *ov;

    if (!cJSON_IsArray(values))
        return;
    if (!p->options)
        p->options = cJSON_CreateArray();
    /* Each option (by display name) and each of its values (by label)
     * gets one id for the whole product, as the catalog's product options
     * do; every variant naming them shares those ids. */
    cJSON_ArrayForEach(ov, values)
    {
        const char *name = kx_json_str_or(ov, "option_display_name", "");
        const char *label = kx_json_str_or(ov, "label", "");
        cJSON *opt, *vals, *val;

        if (!cJSON_IsObject(ov))
            continue;
        if (!*name)
            name = "Option";
        opt = entry_named(p->options, "display_name", name);
        if (!opt) {
            opt = entry_add(st, p->options, "display_name", name);
            cJSON_AddItemToObject(opt, "values", cJSON_CreateArray());
        }
        vals = cJSON_GetObjectItemCaseSensitive(opt, "values");
        val = entry_named(vals, "label", label);
        if (!val)
            val = entry_add(st, vals, "label", label);
        km__storefront_set(ov, "option_display_name", cJSON_CreateString(name));
        km__storefront_set(ov, "label", cJSON_CreateString(label));
        km__storefront_set(ov, "id",
                           cJSON_CreateNumber(kx_json_numeric(val, "id", 0)));
        km__storefront_set(ov, "option_id",
                           cJSON_CreateNumber(kx_json_numeric(opt, "id", 0)));
    }
}

/* ---- variants ----------------------------------------------------------- */

static int variant_conflict(struct km__bigcommerce_state *st,
                            const struct km__bigcommerce_variant *v,
                            const struct km__bigcommerce_product *p,
                            const char *sku)
{
    struct km__bigcommerce_variant *other =
        km__bigcommerce_variant_by_sku(st, sku);
    struct km__bigcommerce_product *po =
        km__bigcommerce_map_get(&st->product_sku, sku);

    return *sku && ((other && other != v) || (po && po != p));
}

/* Applies a variant body; 0 or -1 with status/title. */
static int variant_update(struct km__bigcommerce_state *st,
                          struct km__bigcommerce_variant *v, const cJSON *b,
                          int *status, char *title, size_t titlesz)
{
    struct km__bigcommerce_product *p = v->product;
    const cJSON *sku = cJSON_GetObjectItemCaseSensitive(b, "sku");
    const cJSON *lvl = cJSON_GetObjectItemCaseSensitive(b, "inventory_level");
    const cJSON *price = cJSON_GetObjectItemCaseSensitive(b, "price");
    const cJSON *it;

    *status = 422;
    snprintf(title, titlesz, "JSON data is missing or invalid");
    if ((sku && !cJSON_IsString(sku)) ||
        (lvl && (!cJSON_IsNumber(lvl) || lvl->valuedouble < 0 ||
                 lvl->valuedouble > 2147483647.0)) ||
        (price && !cJSON_IsNumber(price) && !cJSON_IsNull(price)))
        return -1;
    if (sku && variant_conflict(st, v, p, sku->valuestring)) {
        *status = 409;
        snprintf(title, titlesz, "The variant sku is a duplicate");
        return -1;
    }
    if (sku && !v->base) {
        if (*v->sku)
            km__bigcommerce_map_del(&st->variant_sku, v->sku);
        free(v->sku);
        v->sku = kx_xstrdup(sku->valuestring);
        if (*v->sku)
            km__bigcommerce_map_put(&st->variant_sku, v->sku, v);
    }
    if (price) {
        v->has_price = cJSON_IsNumber(price);
        v->price = v->has_price ? price->valuedouble : 0;
    }
    cJSON_ArrayForEach(it, b)
    {
        const char *k = it->string;

        if (strcmp(k, "inventory_warning_level") == 0)
            v->inventory_warning_level = (int64_t)kx_json_numeric(b, k, 0);
        else if (strcmp(k, "purchasing_disabled") == 0)
            v->purchasing_disabled = cJSON_IsTrue(it);
        else if (strcmp(k, "id") && strcmp(k, "product_id") &&
                 strcmp(k, "sku_id") && strcmp(k, "sku") &&
                 strcmp(k, "price") && strcmp(k, "inventory_level") &&
                 strcmp(k, "calculated_price") && k[0] != '_') {
            if (!v->extra)
                v->extra = cJSON_CreateObject();
            km__storefront_set(v->extra, k, cJSON_Duplicate(it, 1));
        }
    }
    km__bigcommerce_variant_options(st, v);
    if (lvl) {
        int64_t level = (int64_t)lvl->valuedouble;

        if (p->tracking == BC_TRACK_VARIANT)
            km__bigcommerce_stock_set(st, p, v, level, "absolute");
        else if (v->base && p->tracking == BC_TRACK_PRODUCT)
            km__bigcommerce_stock_set(st, p, NULL, level, "absolute");
        else if (v->base)
            p->inventory_level = v->inventory_level = level;
        else
            v->inventory_level = level;
    }
    p->date_modified_ms = ks_clock_now_ms(st->clock);
    *status = 200;
    return 0;
}

static struct km__bigcommerce_variant *
product_variant_or_404(struct km__bigcommerce_call *c,
                       struct km__bigcommerce_product *p)
{
    struct km__bigcommerce_variant *v = km__bigcommerce_variant_by_id(
        c->st, km_request_param_id(c->req, "variant_id"));

    if (!v || v->product != p) {
        km__bigcommerce_v3_error(c->res, 404,
                                 "The requested variant was not found.", NULL);
        return NULL;
    }
    return v;
}

void km__bigcommerce_product_variants_list(struct km_response *res,
                                           const struct km_request *req,
                                           void *state)
{
    struct km__bigcommerce_call *c = KM__BIGCOMMERCE_CALL(res, req, state);
    struct km__bigcommerce_product *p = km__bigcommerce_product_or_404(c);
    cJSON *all;
    int limit, page;

    if (!p || km__bigcommerce_paging(c, &limit, &page, 0) != 0)
        return;
    all = cJSON_CreateArray();
    for (size_t i = 0; i < p->nvariants; i++)
        cJSON_AddItemToArray(all, km__bigcommerce_variant_json(p->variants[i]));
    km__bigcommerce_send_page(c, all, limit, page);
}

void km__bigcommerce_product_variants_get(struct km_response *res,
                                          const struct km_request *req,
                                          void *state)
{
    struct km__bigcommerce_call *c = KM__BIGCOMMERCE_CALL(res, req, state);
    struct km__bigcommerce_product *p = km__bigcommerce_product_or_404(c);
    struct km__bigcommerce_variant *v = p ? product_variant_or_404(c, p) : NULL;

    if (v)
        km__bigcommerce_reply_data(c, 200, km__bigcommerce_variant_json(v));
}

void km__bigcommerce_product_variants_create(struct km_response *res,
                                             const struct km_request *req,
                                             void *state)
{
    struct km__bigcommerce_call *c = KM__BIGCOMMERCE_CALL(res, req, state);
    struct km__bigcommerce_product *p = km__bigcommerce_product_or_404(c);
    cJSON *body;
    struct km__bigcommerce_variant *v;
    const char *sku;
    char title[160];
    int status;

    if (!p || !(body = km__bigcommerce_body(c, 0)))
        return;
    sku = kx_json_str_or(body, "sku", "");
    if (!*sku) {
        cJSON *e = cJSON_CreateObject();

        cJSON_AddStringToObject(e, "sku", "error.path.missing");
        km__bigcommerce_v3_error(c->res, 422, "JSON data is missing or invalid",
                                 e);
    } else if (variant_conflict(c->st, NULL, p, sku) ||
               strcmp(sku, p->sku) == 0) {
        km__bigcommerce_v3_error(c->res, 409, "The variant sku is a duplicate",
                                 NULL);
    } else {
        km__bigcommerce_drop_base(c->st, p);
        v = km__bigcommerce_variant_new(c->st, p, sku, 0);
        if (variant_update(c->st, v, body, &status, title, sizeof(title)))
            km__bigcommerce_v3_error(c->res, status, title, NULL);
        else
            km__bigcommerce_reply_data(c, 200, km__bigcommerce_variant_json(v));
    }
    cJSON_Delete(body);
}

void km__bigcommerce_product_variants_update(struct km_response *res,
                                             const struct km_request *req,
                                             void *state)
{
    struct km__bigcommerce_call *c = KM__BIGCOMMERCE_CALL(res, req, state);
    struct km__bigcommerce_product *p = km__bigcommerce_product_or_404(c);
    struct km__bigcommerce_variant *v = p ? product_variant_or_404(c, p) : NULL;
    cJSON *body;
    char title[160];
    int status;

    if (!v || !(body = km__bigcommerce_body(c, 0)))
        return;
    if (variant_update(c->st, v, body, &status, title, sizeof(title)))
        km__bigcommerce_v3_error(c->res, status, title, NULL);
    else
        km__bigcommerce_reply_data(c, 200, km__bigcommerce_variant_json(v));
    cJSON_Delete(body);
}

static int by_variant_id(const void *a, const void *b)
{
    const struct km__bigcommerce_variant *x =
        *(struct km__bigcommerce_variant *const *)a;
    const struct km__bigcommerce_variant *y =
        *(struct km__bigcommerce_variant *const *)b;

    return (x->id > y->id) - (x->id < y->id);
}

/* The variants named by a sku:in list, through the SKU index (a scan of
 * every variant per lookup made a catalogue sync quadratic), in id order
 * like a full listing, each once. Caller frees. */
static struct km__bigcommerce_variant **
sku_candidates(struct km__bigcommerce_state *st, const char *skus, size_t *n)
{
    size_t cap = 1;
    struct km__bigcommerce_variant **out;

    for (const char *s = skus; *s; s++)
        cap += *s == ',';
    out = kx_xcalloc(cap, sizeof(*out));
    *n = 0;
    for (const char *s = skus; *s && *n < cap;) {
        size_t len = strcspn(s, ",");
        char *tok = kx_xstrndup(s, len);
        struct km__bigcommerce_variant *v;
        int seen = 0;

        v = km__bigcommerce_variant_by_sku(st, tok);
        for (size_t i = 0; v && i < *n && !seen; i++)
            seen = out[i] == v;
        if (v && !seen)
            out[(*n)++] = v;
        free(tok);
        s += len;
        if (*s == ',')
            s++;
    }
    qsort(out, *n, sizeof(*out), by_variant_id);
    return out;
}

/* GET /v3/catalog/variants: sku (exact, any variant), sku:in, id, id:in,
 * product_id:in. */
void km__bigcommerce_variants_list(struct km_response *res,
                                   const struct km_request *req, void *state)
{
    struct km__bigcommerce_call *c = KM__BIGCOMMERCE_CALL(res, req, state);
    const char *sku = km_request_arg(c->req, "sku");
    const char *skus = km_request_arg(c->req, "sku:in");
    const char *ids = km_request_arg(c->req, "id:in");
    const char *pids = km_request_arg(c->req, "product_id:in");
    int64_t list[BC_MAX_IDS], plist[BC_MAX_IDS];
    size_t nid = 0, npid = 0, total = 0, from, ncands = 0;
    struct km__bigcommerce_variant **cands = NULL;
    int limit, page;
    cJSON *data;

    if (km__bigcommerce_paging(c, &limit, &page, 0) != 0)
        return;
    if (!ids)
        ids = km_request_arg(c->req, "id");
    if (ids)
        nid = km__bigcommerce_id_list(list, BC_MAX_IDS, ids);
    if (pids)
        npid = km__bigcommerce_id_list(plist, BC_MAX_IDS, pids);
    data = cJSON_CreateArray();
    from = (size_t)(page - 1) * (size_t)limit;
    if (sku) {
        struct km__bigcommerce_variant *v =
            km__bigcommerce_variant_by_sku(c->st, sku);

        if (v && page == 1)
            cJSON_AddItemToArray(data, km__bigcommerce_variant_json(v));
        km__bigcommerce_send_data(c, data, v ? 1 : 0, limit, page);
        return;
    }
    if (skus)
        cands = sku_candidates(c->st, skus, &ncands);
    for (size_t i = 0; i < (skus ? ncands : c->st->nvariants); i++) {
        struct km__bigcommerce_variant *v =
            skus ? cands[i] : c->st->variants[i];
        int keep = 1;

        if (keep && ids) {
            keep = 0;
            for (size_t j = 0; j < nid && !keep; j++)
                keep = list[j] == v->id;
        }
        if (keep && pids) {
            keep = 0;
            for (size_t j = 0; j < npid && !keep; j++)
                keep = plist[j] == v->product->id;
        }
        if (!keep)
            continue;
        if (total >= from && total < from + (size_t)limit)
            cJSON_AddItemToArray(data, km__bigcommerce_variant_json(v));
        total++;
    }
    free(cands);
    km__bigcommerce_send_data(c, data, (int)total, limit, page);
}

/* One item of PUT /v3/catalog/variants (see km__bigcommerce_batch_fn). */
static cJSON *variant_batch_update(struct km__bigcommerce_call *c,
                                   const cJSON *item, int64_t id, cJSON **error)
{
    struct km__bigcommerce_variant *v =
        id > 0 ? km__bigcommerce_variant_by_id(c->st, id) : NULL;
    char title[160];
    int status;

    if (!v) {
        *error = km__bigcommerce_item_error(
            id > 0 ? 404 : 422,
            id > 0 ? "Variant not found" : "JSON data is missing or invalid",
            NULL, id);
        return NULL;
    }
    if (variant_update(c->st, v, item, &status, title, sizeof(title))) {
        *error = km__bigcommerce_item_error(status, title, NULL, id);
        return NULL;
    }
    return km__bigcommerce_variant_json(v);
}

void km__bigcommerce_variants_batch(struct km_response *res,
                                    const struct km_request *req, void *state)
{
    km__bigcommerce_batch_update(KM__BIGCOMMERCE_CALL(res, req, state), 50,
                                 variant_batch_update);
}
