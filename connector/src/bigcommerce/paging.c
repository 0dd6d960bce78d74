/*
 * v3 listing by meta.pagination and the chunking of batch writes to the
 * platform's per-request limits.
 */
#include <string.h>
#include "bigcommerce_int.h"

static double num(const cJSON *o, const char *name, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

void ks__bc_page_query(const char **q, size_t cap, const char *const *extra,
                       const struct ks_bigcommerce *bc, char limit[16],
                       const char *page)
{
    size_t n = 0;

    for (size_t i = 0; extra && extra[i] && extra[i + 1] && n + 7 <= cap;
         i += 2) {
        q[n++] = extra[i];
        q[n++] = extra[i + 1];
    }
    snprintf(limit, 16, "%d", bc->page_limit);
    q[n++] = "limit";
    q[n++] = limit;
    q[n++] = "page";
    q[n++] = page;
    q[n] = NULL;
}

int ks__bc_next_page(const cJSON *reply)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(reply, "meta");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(meta, "pagination");
    double current = num(p, "current_page", 0);
    double total = num(p, "total_pages", 0);

    /* The page number is counted, not taken from links.next: the links
     * are relative query strings whose shape has varied. */
    if (!cJSON_IsObject(p) || current < 1 || current >= total || current > 1e9)
        return 0;
    return (int)current + 1;
}

size_t ks__bc_chunks(size_t total, size_t limit)
{
    if (!limit)
        return 0;
    return (total + limit - 1) / limit;
}

cJSON *ks__bc_slice(const cJSON *arr, size_t from, size_t n)
{
    cJSON *out = cJSON_CreateArray();
    const cJSON *it = arr ? arr->child : NULL;
    size_t i = 0;

    if (!out)
        return NULL;
    for (; it && i < from + n; it = it->next, i++) {
        cJSON *copy;

        if (i < from)
            continue;
        copy = cJSON_Duplicate(it, 1);
        if (!copy || !cJSON_AddItemToArray(out, copy)) {
            cJSON_Delete(copy);
            cJSON_Delete(out);
            return NULL;
        }
    }
    return out;
}

ks_rc ks_bigcommerce_list(struct ks_bigcommerce *bc, const char *path,
                          const char *const *query, ks_bigcommerce_item_fn fn,
                          void *userdata, int *pages)
{
    const char *q[42];
    char limit[16], page[16] = "";
    int next = 1;
    ks_rc rc = KS_OK;

    if (pages)
        *pages = 0;
    ks__bc_page_query(q, 42, query, bc, limit, page);
    while (next > 0) {
        cJSON *reply = NULL;
        const cJSON *item;
        int stop = 0;

        snprintf(page, sizeof(page), "%d", next);
        rc = ks_bigcommerce_request(&reply, bc, "GET", path, q, NULL);
        if (rc)
            return rc;
        if (pages)
            (*pages)++;
        cJSON_ArrayForEach(item,
                           cJSON_GetObjectItemCaseSensitive(reply, "data"))
        {
            if (fn(userdata, item)) {
                stop = 1;
                break;
            }
        }
        next = stop ? 0 : ks__bc_next_page(reply);
        cJSON_Delete(reply);
    }
    return rc;
}

ks_rc ks_bigcommerce_products_list(struct ks_bigcommerce *bc,
                                   const char *const *query,
                                   ks_bigcommerce_item_fn fn, void *userdata,
                                   int *pages)
{
    return ks_bigcommerce_list(bc, "v3/catalog/products", query, fn, userdata,
                               pages);
}

/* Moves the items of src (an array, or one object) to the end of dst. */
static ks_rc gather(cJSON *dst, cJSON *reply, const char *name)
{
    cJSON *src = cJSON_DetachItemFromObjectCaseSensitive(reply, name);
    cJSON *it;

    if (!dst || !src) {
        cJSON_Delete(src);
        return KS_OK;
    }
    if (!cJSON_IsArray(src)) {
        if (!cJSON_AddItemToArray(dst, src)) {
            cJSON_Delete(src);
            return KS_ENOMEM;
        }
        return KS_OK;
    }
    while ((it = src->child) != NULL) {
        cJSON_DetachItemViaPointer(src, it);
        if (!cJSON_AddItemToArray(dst, it)) {
            cJSON_Delete(it);
            cJSON_Delete(src);
            return KS_ENOMEM;
        }
    }
    cJSON_Delete(src);
    return KS_OK;
}

ks_rc ks__bc_chunked(cJSON *data, cJSON *errors,
                     struct ks_bigcommerce_batch_stats *stats,
                     struct ks_bigcommerce *bc, const char *method,
                     const char *path, const cJSON *arr, size_t limit,
                     cJSON *(*wrap)(cJSON *chunk, void *ud), void *ud)
{
    size_t total = (size_t)cJSON_GetArraySize(arr);
    size_t chunks = ks__bc_chunks(total, limit);
    ks_rc rc = KS_OK;

    for (size_t c = 0; c < chunks && !rc; c++) {
        size_t from = c * limit;
        size_t n = total - from < limit ? total - from : limit;
        cJSON *chunk = ks__bc_slice(arr, from, n), *body, *reply = NULL;
        int nerr;

        if (!chunk)
            return KS_ENOMEM;
        body = wrap ? wrap(chunk, ud) : chunk; /* wrap takes chunk */
        if (!body)
            return KS_ENOMEM;
        rc = ks_bigcommerce_request(&reply, bc, method, path, NULL, body);
        cJSON_Delete(body);
        if (stats)
            stats->requests++;
        if (rc) {
            cJSON_Delete(reply);
            break;
        }
        nerr = cJSON_GetArraySize(
            cJSON_GetObjectItemCaseSensitive(reply, "errors"));
        if (stats) {
            stats->failed += (size_t)nerr;
            stats->ok += n > (size_t)nerr ? n - (size_t)nerr : 0;
        }
        if (data && cJSON_IsObject(reply) &&
            !cJSON_GetObjectItemCaseSensitive(reply, "data")) {
            /* A reply without "data" ({"transaction_id"}) is the item. */
            cJSON *copy = cJSON_Duplicate(reply, 1);

            rc = copy && cJSON_AddItemToArray(data, copy) ? KS_OK : KS_ENOMEM;
            if (rc)
                cJSON_Delete(copy);
        } else {
            rc = gather(data, reply, "data");
        }
        if (!rc)
            rc = gather(errors, reply, "errors");
        cJSON_Delete(reply);
    }
    return rc;
}
