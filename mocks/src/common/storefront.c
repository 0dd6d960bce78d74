/* What the storefront emulators keep alike (see storefront.h). */
#include <stdio.h>
#include <stdlib.h>
#include <kx/json.h>
#include "storefront.h"
#include "crypto.h"

cJSON *km__storefront_public(const cJSON *obj)
{
    cJSON *copy = cJSON_Duplicate(obj, 1), *it, *next;

    if (!copy)
        abort();
    for (it = copy->child; it; it = next) {
        next = it->next;
        if (it->string && it->string[0] == '_')
            cJSON_Delete(cJSON_DetachItemViaPointer(copy, it));
    }
    return copy;
}

cJSON *km__storefront_public_list(const cJSON *arr)
{
    cJSON *out = cJSON_CreateArray();
    const cJSON *it;

    cJSON_ArrayForEach(it, arr)
        cJSON_AddItemToArray(out, km__storefront_public(it));
    return out;
}

void km__storefront_set(cJSON *obj, const char *name, cJSON *value)
{
    if (!value)
        abort();
    if (cJSON_GetObjectItemCaseSensitive(obj, name))
        cJSON_ReplaceItemInObjectCaseSensitive(obj, name, value);
    else
        cJSON_AddItemToObject(obj, name, value);
}

cJSON *km__storefront_find(const cJSON *arr, int64_t id)
{
    cJSON *it;

    cJSON_ArrayForEach(it, arr)
    {
        if (kx_json_int64(it, "id", 0) == id)
            return it;
    }
    return NULL;
}

int km__storefront_load(void *state, const cJSON *list, int64_t now,
                        km__storefront_store_fn *store, char *err, size_t errsz)
{
    const cJSON *it;
    int i = 0;

    cJSON_ArrayForEach(it, list)
    {
        char why[256] = "";

        if (!cJSON_IsObject(it)) {
            snprintf(err, errsz, "item %d must be an object", i);
            return -1;
        }
        if (store(state, it, now, why, sizeof(why))) {
            snprintf(err, errsz, "item %d: %s", i, why);
            return -1;
        }
        i++;
    }
    return 0;
}

int km__storefront_generate_read(struct km__storefront_generate *out,
                                 const cJSON *generate, int max, char *err,
                                 size_t errsz)
{
    double n = kx_json_num(generate, "products", -1);

    if (n < 0 || n > max) {
        snprintf(err, errsz, "needs \"products\": a count from 0 to %d", max);
        return -1;
    }
    out->products = (int)n;
    out->seed = (uint64_t)kx_json_num(generate, "seed", 1);
    return 0;
}

void km__storefront_product(struct km__storefront_product *out, int i,
                            int digits, int pad_name, uint64_t *rng)
{
    snprintf(out->sku, sizeof(out->sku), "GEN-%0*d", digits, i);
    snprintf(out->name, sizeof(out->name), "Generated product %0*d",
             pad_name ? digits : 0, i);
    out->price = 1.0 + (double)km__rng_below(rng, 50000) / 100.0;
    out->stock = (int64_t)km__rng_below(rng, 200);
}
