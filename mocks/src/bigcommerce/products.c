/*
 * v3 catalog routes: products (list with filters, get, create, update,
 * delete, batch update of at most 10) and variants (per product, the
 * store-wide SKU lookup, batch update of at most 50).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/alloc.h>
#include "bigcommerce_emu.h"
#include "common/joined.h"

#define BC_MAX_IDS 250

void km__bigcommerce_fields(const struct km__bigcommerce_call *c, cJSON *item)
{
    const char *inc = km_request_arg(c->req, "include_fields");
    const char *exc = km_request_arg(c->req, "exclude_fields");
    const char *subs = km_request_arg(c->req, "include");
    cJSON *m, *next;

    /* [C] common-query-params: include_fields returns the id and the
     * fields listed; exclude_fields drops the fields listed but never the
     * id. Only the catalog takes them. */
    if ((!inc && !exc) || !cJSON_IsObject(item) ||
        !strstr(c->req->path, "/v3/catalog/"))
        return;
    for (m = item->child; m; m = next) {
        next = m->next;
        if (strcmp(m->string, "id") == 0)
            continue;
        if ((inc && !km__bigcommerce_in_list(inc, m->string) &&
             !(subs && km__bigcommerce_in_list(subs, m->string))) ||
            (exc && km__bigcommerce_in_list(exc, m->string)))
            cJSON_Delete(cJSON_DetachItemViaPointer(item, m));
    }
}

void km__bigcommerce_reply_data(struct km__bigcommerce_call *c, int status,
                                cJSON *data)
{
    cJSON *o = cJSON_CreateObject();

    km__bigcommerce_fields(c, data);
    cJSON_AddItemToObject(o, "data", data);
    cJSON_AddItemToObject(o, "meta", cJSON_CreateObject());
    km_response_json(c->res, status, o);
}

static int wants_variants(const struct km__bigcommerce_call *c)
{
    const char *inc = km_request_arg(c->req, "include");

    return inc && km__bigcommerce_in_list(inc, "variants");
}

static cJSON *build_product(void *ctx, const void *item, int with_variants)
{
    (void)ctx;
    return km__bigcommerce_product_json(item, with_variants);
}

/* The products of a listing: their kept texts joined, unless
 * include_fields or exclude_fields narrow them (their trees, which
 * send_data narrows). */
struct listing {
    cJSON *trees; /* NULL: texts */
    struct km__joined texts;
};

static void listing_start(struct listing *l, struct km__bigcommerce_call *c)
{
    struct km__joined none = KM__JOINED_INIT;

    l->texts = none;
    l->trees = km_request_arg(c->req, "include_fields") ||
                       km_request_arg(c->req, "exclude_fields")
                   ? cJSON_CreateArray()
                   : NULL;
}

static void listing_add(struct listing *l, struct km__bigcommerce_call *c,
                        const struct km__bigcommerce_product *p,
                        int with_variants, size_t limit)
{
    const char *text;
    size_t len;

    if (l->trees) {
        cJSON_AddItemToArray(l->trees,
                             km__bigcommerce_product_json(p, with_variants));
        return;
    }
    text = km__storefront_text(&c->st->texts, p, with_variants, build_product,
                               NULL, &len);
    km__joined_add(&l->texts, text, len, limit);
}

static cJSON *listing_end(struct listing *l)
{
    return l->trees ? l->trees : km__joined_end(&l->texts);
}

struct km__bigcommerce_product *
km__bigcommerce_product_or_404(struct km__bigcommerce_call *c)
{
    struct km__bigcommerce_product *p = km__bigcommerce_product_by_id(
        c->st, km_request_param_id(c->req, "product_id"));

    if (!p)
        km__bigcommerce_v3_error(c->res, 404,
                                 "The requested product was not found.", NULL);
    return p;
}

/* ---- products list ------------------------------------------------------ */

struct pfilter {
    const char *name;
    int64_t min_mod, max_mod;
    int visible; /* -1: any */
};

static int keep_product(const struct km__bigcommerce_product *p,
                        const struct pfilter *f)
{
    if (f->name && strcmp(p->name, f->name) != 0)
        return 0;
    if (f->min_mod >= 0 && p->date_modified_ms < f->min_mod)
        return 0;
    if (f->max_mod >= 0 && p->date_modified_ms > f->max_mod)
        return 0;
    if (f->visible >= 0 && p->is_visible != f->visible)
        return 0;
    return 1;
}

static int cmp_product(const void *a, const void *b)
{
    const struct km__bigcommerce_product *x =
        *(struct km__bigcommerce_product *const *)a;
    const struct km__bigcommerce_product *y =
        *(struct km__bigcommerce_product *const *)b;

    return (x->id > y->id) - (x->id < y->id);
}

/* Candidates from the id / sku filters (which use the indexes), or NULL
 * when there are none (every product is a candidate). */
static struct km__bigcommerce_product **
candidates(struct km__bigcommerce_call *c, size_t *n)
{
    const char *sku = km_request_arg(c->req, "sku");
    const char *skus = km_request_arg(c->req, "sku:in");
    const char *id = km_request_arg(c->req, "id");
    const char *ids = km_request_arg(c->req, "id:in");
    struct km__bigcommerce_product **out;
    int64_t list[BC_MAX_IDS];
    size_t k;

    *n = 0;
    if (!sku && !skus && !id && !ids)
        return NULL;
    out = kx_xcalloc(2 * BC_MAX_IDS + 2, sizeof(*out));
    if (sku) {
        struct km__bigcommerce_product *p =
            km__bigcommerce_map_get(&c->st->product_sku, sku);

        if (p)
            out[(*n)++] = p;
    } else if (skus) {
        const char *s = skus;

        while (*s && *n < 2 * BC_MAX_IDS) {
            size_t len = strcspn(s, ",");
            char *tok = kx_xstrndup(s, len);
            struct km__bigcommerce_product *p;

            p = km__bigcommerce_map_get(&c->st->product_sku, tok);
            if (p)
                out[(*n)++] = p;
            free(tok);
            s += len;
            if (*s == ',')
                s++;
        }
    }
    if (id || ids) {
        struct km__bigcommerce_product *found[BC_MAX_IDS];
        size_t nf = 0;

        k = km__bigcommerce_id_list(list, BC_MAX_IDS, id ? id : ids);
        for (size_t i = 0; i < k; i++) {
            struct km__bigcommerce_product *p =
                km__bigcommerce_product_by_id(c->st, list[i]);

            if (p)
                found[nf++] = p;
        }
        if (sku || skus) { /* both given: the intersection */
            size_t m = 0;

            for (size_t i = 0; i < *n; i++)
                for (size_t j = 0; j < nf; j++)
                    if (out[i] == found[j]) {
                        out[m++] = out[i];
                        break;
                    }
            *n = m;
        } else {
            memcpy(out, found, nf * sizeof(*found));
            *n = nf;
        }
    }
    qsort(out, *n, sizeof(*out), cmp_product);
    k = 0; /* drop repeats */
    for (size_t i = 0; i < *n; i++)
        if (!k || out[k - 1] != out[i])
            out[k++] = out[i];
    *n = k;
    return out;
}

static int date_arg(struct km__bigcommerce_call *c, const char *name,
                    int64_t *out)
{
    const char *v = km_request_arg(c->req, name);

    *out = -1;
    if (!v)
        return 0;
    if (km__bigcommerce_parse_date(out, v) != 0) {
        km__bigcommerce_v3_error(c->res, 422, "The filter value is invalid",
                                 NULL);
        return -1;
    }
    return 0;
}

void km__bigcommerce_products_list(struct km_response *res,
                                   const struct km_request *req, void *state)
{
    struct km__bigcommerce_call *c = KM__BIGCOMMERCE_CALL(res, req, state);
    struct pfilter f = {km_request_arg(c->req, "name"), -1, -1, -1};
    const char *vis = km_request_arg(c->req, "is_visible");
    struct km__bigcommerce_product **cand, **all;
    size_t ncand, total = 0, from;
    int limit, page, with_v = wants_variants(c);
    struct listing listed;

    if (km__bigcommerce_paging(c, &limit, &page, 0) != 0 ||
        date_arg(c, "date_modified:min", &f.min_mod) != 0 ||
        date_arg(c, "date_modified:max", &f.max_mod) != 0)
        return;
    if (f.min_mod < 0 && km_request_arg(c->req, "date_modified") &&
        date_arg(c, "date_modified", &f.min_mod) != 0)
        return;
    if (vis)
        f.visible = strcmp(vis, "true") == 0 || strcmp(vis, "1") == 0;
    cand = candidates(c, &ncand);
    all = cand ? cand : c->st->products;
    if (!cand)
        ncand = c->st->nproducts;
    listing_start(&listed, c);
    from = (size_t)(page - 1) * (size_t)limit;
    for (size_t i = 0; i < ncand; i++) {
        if (!keep_product(all[i], &f))
            continue;
        if (total >= from && total < from + (size_t)limit)
            listing_add(&listed, c, all[i], with_v, (size_t)limit);
        total++;
    }
    free(cand);
    km__bigcommerce_send_data(c, listing_end(&listed), (int)total, limit, page);
}

void km__bigcommerce_products_get(struct km_response *res,
                                  const struct km_request *req, void *state)
{
    struct km__bigcommerce_call *c = KM__BIGCOMMERCE_CALL(res, req, state);
    struct km__bigcommerce_product *p = km__bigcommerce_product_or_404(c);

    if (p)
        km__bigcommerce_reply_data(
            c, 200, km__bigcommerce_product_json(p, wants_variants(c)));
}

void km__bigcommerce_products_create(struct km_response *res,
                                     const struct km_request *req, void *state)
{
    struct km__bigcommerce_call *c = KM__BIGCOMMERCE_CALL(res, req, state);
    cJSON *body = km__bigcommerce_body(c, 0), *errors = NULL;
    struct km__bigcommerce_product *p;
    char title[160];
    int status;

    if (!body)
        return;
    p = km__bigcommerce_product_create(c->st, body, c->req->now_ms, &status,
                                       title, sizeof(title), &errors);
    cJSON_Delete(body);
    if (!p) {
        km__bigcommerce_v3_error(c->res, status, title, errors);
        return;
    }
    {
        cJSON *data = cJSON_CreateObject();

        cJSON_AddStringToObject(data, "type", "product");
        cJSON_AddNumberToObject(data, "id", (double)p->id);
        km__bigcommerce_fire(c->st, "store/product/created", data);
    }
    km__bigcommerce_reply_data(c, 200, km__bigcommerce_product_json(p, 1));
}

void km__bigcommerce_products_update(struct km_response *res,
                                     const struct km_request *req, void *state)
{
    struct km__bigcommerce_call *c = KM__BIGCOMMERCE_CALL(res, req, state);
    struct km__bigcommerce_product *p = km__bigcommerce_product_or_404(c);
    cJSON *body, *errors = NULL, *data;
    char title[160];
    int status;

    if (!p || !(body = km__bigcommerce_body(c, 0)))
        return;
    if (km__bigcommerce_product_update(c->st, p, body, c->req->now_ms, &status,
                                       title, sizeof(title), &errors) != 0) {
        km__bigcommerce_v3_error(c->res, status, title, errors);
    } else {
        data = cJSON_CreateObject();
        cJSON_AddStringToObject(data, "type", "product");
        cJSON_AddNumberToObject(data, "id", (double)p->id);
        km__bigcommerce_fire(c->st, "store/product/updated", data);
        km__bigcommerce_reply_data(
            c, 200, km__bigcommerce_product_json(p, wants_variants(c)));
    }
    cJSON_Delete(body);
}

void km__bigcommerce_products_delete(struct km_response *res,
                                     const struct km_request *req, void *state)
{
    struct km__bigcommerce_call *c = KM__BIGCOMMERCE_CALL(res, req, state);
    struct km__bigcommerce_product *p = km__bigcommerce_product_or_404(c);

    if (!p)
        return;
    km__bigcommerce_product_delete(c->st, p);
    km_response_set(c->res, 204, NULL, NULL, 0);
}

void km__bigcommerce_products_delete_many(struct km_response *res,
                                          const struct km_request *req,
                                          void *state)
{
    struct km__bigcommerce_call *c = KM__BIGCOMMERCE_CALL(res, req, state);
    const char *ids = km_request_arg(req, "id:in");
    const char *sku = km_request_arg(req, "sku");
    const char *name = km_request_arg(req, "name");
    int64_t want[BC_MAX_IDS + 1];
    size_t n = ids ? km__bigcommerce_id_list(want, BC_MAX_IDS + 1, ids) : 0;
    struct km__bigcommerce_product *p;

    /* [C] products_catalog.v3.yml: filters pick what goes, up to 250 ids
     * at once. [I] without a filter nothing would narrow the delete to
     * less than the whole catalog, so the emulator refuses it (422). */
    if (!ids && !sku && !name) {
        km__bigcommerce_v3_error(
            c->res, 422, "A filter (id:in, sku or name) is required", NULL);
        return;
    }
    if (n > BC_MAX_IDS) {
        km__bigcommerce_too_many(c, BC_MAX_IDS);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        p = km__bigcommerce_product_by_id(c->st, want[i]);
        if (p && (!sku || strcmp(p->sku ? p->sku : "", sku) == 0) &&
            (!name || strcmp(p->name, name) == 0))
            km__bigcommerce_product_delete(c->st, p);
    }
    if (!ids && sku &&
        (p = km__bigcommerce_map_get(&c->st->product_sku, sku)) &&
        (!name || strcmp(p->name, name) == 0))
        km__bigcommerce_product_delete(c->st, p);
    else if (!ids && !sku &&
             (p = km__bigcommerce_map_get(&c->st->product_name, name)))
        km__bigcommerce_product_delete(c->st, p);
    km_response_set(c->res, 204, NULL, NULL, 0);
}

/* One failed item of a batch: the v3 error with the item's id. */
cJSON *km__bigcommerce_item_error(int status, const char *title, cJSON *errors,
                                  int64_t id)
{
    cJSON *e = cJSON_CreateObject(), *d = cJSON_CreateObject();

    cJSON_AddNumberToObject(e, "status", status);
    cJSON_AddStringToObject(e, "title", title);
    cJSON_AddStringToObject(e, "type",
                            "https://developer.bigcommerce.com/api-docs/"
                            "getting-started/api-status-codes");
    cJSON_AddItemToObject(e, "errors", errors ? errors : cJSON_CreateObject());
    cJSON_AddNumberToObject(d, "id", (double)id);
    cJSON_AddItemToObject(e, "data", d);
    return e;
}

/* 200 {data, meta} when every item passed; otherwise 207 with data (the
 * items that passed), errors (one per failed item) and meta counts. */
void km__bigcommerce_reply_batch(struct km__bigcommerce_call *c, cJSON *data,
                                 cJSON *errors)
{
    cJSON *o, *meta;
    int nok = cJSON_GetArraySize(data), nbad = cJSON_GetArraySize(errors);

    if (!nbad) {
        cJSON_Delete(errors);
        km__bigcommerce_reply_data(c, 200, data);
        return;
    }
    o = cJSON_CreateObject();
    meta = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "data", data);
    cJSON_AddItemToObject(o, "errors", errors);
    cJSON_AddNumberToObject(meta, "total", nok + nbad);
    cJSON_AddNumberToObject(meta, "success", nok);
    cJSON_AddNumberToObject(meta, "failed", nbad);
    cJSON_AddItemToObject(o, "meta", meta);
    km_response_json(c->res, 207, o);
}

void km__bigcommerce_too_many(struct km__bigcommerce_call *c, int max)
{
    char title[128];

    snprintf(title, sizeof(title),
             "The request payload is too large. The maximum items allowed "
             "in the array is %d.",
             max);
    km__bigcommerce_v3_error(c->res, 413, title, NULL);
}

void km__bigcommerce_batch_update(struct km__bigcommerce_call *c, int max,
                                  km__bigcommerce_batch_fn *update)
{
    cJSON *body = km__bigcommerce_body(c, 1), *data, *errs;
    const cJSON *it;

    if (!body)
        return;
    if (cJSON_GetArraySize(body) > max) {
        km__bigcommerce_too_many(c, max);
        cJSON_Delete(body);
        return;
    }
    data = cJSON_CreateArray();
    errs = cJSON_CreateArray();
    cJSON_ArrayForEach(it, body)
    {
        cJSON *error = NULL;
        cJSON *done = update(c, it, km__bigcommerce_id(it), &error);

        if (done)
            cJSON_AddItemToArray(data, done);
        else
            cJSON_AddItemToArray(errs, error);
    }
    cJSON_Delete(body);
    km__bigcommerce_reply_batch(c, data, errs);
}

/* One item of PUT /v3/catalog/products (see km__bigcommerce_batch_fn). */
static cJSON *product_batch_update(struct km__bigcommerce_call *c,
                                   const cJSON *item, int64_t id, cJSON **error)
{
    struct km__bigcommerce_product *p =
        id > 0 ? km__bigcommerce_product_by_id(c->st, id) : NULL;
    cJSON *errors = NULL;
    char title[160];
    int status;

    if (!p) {
        cJSON *e = cJSON_CreateObject();

        cJSON_AddStringToObject(
            e, "id", id > 0 ? "error.not_found" : "error.path.missing");
        *error = km__bigcommerce_item_error(
            id > 0 ? 404 : 422,
            id > 0 ? "Product not found" : "JSON data is missing or invalid", e,
            id);
        return NULL;
    }
    if (km__bigcommerce_product_update(c->st, p, item, c->req->now_ms, &status,
                                       title, sizeof(title), &errors) != 0) {
        *error = km__bigcommerce_item_error(status, title, errors, id);
        return NULL;
    }
    errors = cJSON_CreateObject();
    cJSON_AddStringToObject(errors, "type", "product");
    cJSON_AddNumberToObject(errors, "id", (double)id);
    km__bigcommerce_fire(c->st, "store/product/updated", errors);
    return km__bigcommerce_product_json(p, 0);
}

void km__bigcommerce_products_batch(struct km_response *res,
                                    const struct km_request *req, void *state)
{
    km__bigcommerce_batch_update(KM__BIGCOMMERCE_CALL(res, req, state), 10,
                                 product_batch_update);
}
