/* What the storefront emulators keep alike (see storefront.h). */
#include <stdio.h>
#include <stdlib.h>
#include <kx/json.h>
#include "storefront.h"
#include "crypto.h"
#include "server_int.h"

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

/* ---- printed texts ---------------------------------------------------- */

struct km__storefront_text {
    const void *item; /* NULL: a free slot */
    int variant;
    char *text;
    size_t len;
};

static size_t text_slot(const struct km__storefront_texts *t, const void *item,
                        int variant)
{
    uint64_t h = ((uint64_t)(uintptr_t)item ^ (uint64_t)variant) *
                 UINT64_C(0x9E3779B97F4A7C15);
    size_t i = (size_t)(h >> 32) & (t->cap - 1);

    while (t->slots[i].item &&
           (t->slots[i].item != item || t->slots[i].variant != variant))
        i = (i + 1) & (t->cap - 1);
    return i;
}

/* Drops every text, keeping the slots. */
static void texts_clear(struct km__storefront_texts *t)
{
    for (size_t i = 0; i < t->cap && t->n; i++) {
        if (t->slots[i].item) {
            free(t->slots[i].text);
            t->slots[i] = (struct km__storefront_text){0};
            t->n--;
        }
    }
}

/* Doubles the slots (16 at first), so at most half are used. */
static void texts_grow(struct km__storefront_texts *t)
{
    struct km__storefront_texts old = *t;

    t->cap = old.cap ? old.cap * 2 : 16;
    t->slots = kx_xcalloc(t->cap, sizeof(*t->slots));
    for (size_t i = 0; i < old.cap; i++) {
        if (old.slots[i].item)
            t->slots[text_slot(t, old.slots[i].item, old.slots[i].variant)] =
                old.slots[i];
    }
    free(old.slots);
}

void km__storefront_touch(struct km__storefront_texts *t)
{
    t->writes++;
}

const char *km__storefront_text(struct km__storefront_texts *t,
                                const void *item, int variant,
                                km__storefront_build_fn *build, void *ctx,
                                size_t *len)
{
    struct km__storefront_text *slot;

    if (t->printed != t->writes) {
        texts_clear(t);
        t->printed = t->writes;
    }
    if ((t->n + 1) * 2 > t->cap)
        texts_grow(t);
    slot = &t->slots[text_slot(t, item, variant)];
    if (!slot->item) {
        cJSON *tree = build(ctx, item, variant);

        slot->text = km__json_print(tree, 1024, &slot->len);
        cJSON_Delete(tree);
        if (!slot->text)
            abort();
        slot->item = item;
        slot->variant = variant;
        t->n++;
    }
    *len = slot->len;
    return slot->text;
}

void km__storefront_texts_free(struct km__storefront_texts *t)
{
    texts_clear(t);
    free(t->slots);
    t->slots = NULL;
    t->cap = 0;
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
