/*
 * What the BigCommerce and WooCommerce job sets share: the products a
 * scenario wants (given or generated), their split into creates and
 * updates by SKU, a listing's query from options and its result, a batch's
 * counts, and where hooks should deliver. Each storefront keeps only what
 * its API does differently (field names, one-by-one creates, ...).
 */
#include <stdio.h>
#include "jobs.h"

cJSON *kh_job_wanted_products(const cJSON *options, kh_job_product_fill_fn fill)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(options, "products");
    const cJSON *gen = cJSON_GetObjectItemCaseSensitive(options, "generate");
    const char *prefix = kx_json_str(gen, "prefix");
    cJSON *out;

    if (cJSON_IsArray(list))
        return cJSON_Duplicate(list, 1);
    out = cJSON_CreateArray();
    for (int i = 1; gen && i <= (int)kx_json_num(gen, "count", 0); i++) {
        cJSON *p = cJSON_CreateObject();
        char sku[96];

        snprintf(sku, sizeof(sku), "%s%05d", prefix ? prefix : "SKU-", i);
        cJSON_AddStringToObject(p, "sku", sku);
        fill(p, gen, i);
        cJSON_AddItemToArray(out, p);
    }
    return out;
}

void kh_job_upsert_init(struct kh_job_upsert *u, const cJSON *options,
                        kh_job_product_fill_fn fill)
{
    u->want = kh_job_wanted_products(options, fill);
    u->existing = (struct kh_job_collect){NULL, NULL, cJSON_CreateObject(), 0};
    u->create = cJSON_CreateArray();
    u->update = cJSON_CreateArray();
}

void kh_job_upsert_split(struct kh_job_upsert *u)
{
    const cJSON *p;

    cJSON_ArrayForEach(p, u->want)
    {
        const char *sku = kx_json_str(p, "sku");
        const cJSON *id =
            sku ? cJSON_GetObjectItemCaseSensitive(u->existing.map, sku) : NULL;
        cJSON *copy = cJSON_Duplicate(p, 1);

        if (id) {
            cJSON_DeleteItemFromObjectCaseSensitive(copy, "id");
            cJSON_AddNumberToObject(copy, "id", id->valuedouble);
            cJSON_AddItemToArray(u->update, copy);
        } else {
            cJSON_AddItemToArray(u->create, copy);
        }
    }
}

void kh_job_upsert_dispose(struct kh_job_upsert *u)
{
    cJSON_Delete(u->want);
    cJSON_Delete(u->existing.map);
    cJSON_Delete(u->create);
    cJSON_Delete(u->update);
    u->want = u->existing.map = u->create = u->update = NULL;
}

size_t kh_job_query(const char **q, size_t qsize, const cJSON *options,
                    const char *const *names)
{
    size_t n = 0;

    for (; *names && n + 2 < qsize; names++) {
        const char *v = kx_json_str(options, *names);

        if (v) {
            q[n++] = *names;
            q[n++] = v;
        }
    }
    q[n] = NULL;
    return n / 2;
}

ks_rc kh_job_listed(struct kh_ctx *ctx, ks_rc rc, struct kh_job_collect *c,
                    int pages, cJSON **result, char *err, size_t errsz)
{
    *result = cJSON_CreateObject();
    kh_job_collect_put(*result, c);
    if (pages >= 0)
        cJSON_AddNumberToObject(*result, "pages", pages);
    if (rc)
        rc = kh_job_failed(ctx, rc, result, err, errsz);
    return rc;
}

void kh_job_put_batch(cJSON *result, size_t requests, size_t ok, size_t failed)
{
    cJSON_AddNumberToObject(result, "requests", (double)requests);
    cJSON_AddNumberToObject(result, "ok", (double)ok);
    cJSON_AddNumberToObject(result, "failed", (double)failed);
}

ks_rc kh_job_hook_target(struct kh_job_hook_target *t, struct kh_ctx *ctx,
                         const cJSON *options, const struct kh_job_hook_keys *k,
                         char *err, size_t errsz)
{
    struct kh_job_receiver *r = kh_ctx_slot(ctx, k->receiver_slot);
    const char *announced = kh_ctx_slot(ctx, KH_SLOT_INTEGRATION_RECEIVER);
    const cJSON *topic;
    size_t n = 0;

    t->url = kx_json_str(options, k->url_key);
    if (!t->url && r)
        t->url = r->hook_url;
    if (!t->url && announced) {
        snprintf(t->url_buf, sizeof(t->url_buf), "%s/webhooks/%s", announced,
                 k->system);
        t->url = t->url_buf;
    }
    cJSON_ArrayForEach(topic,
                       cJSON_GetObjectItemCaseSensitive(options, k->topics_key))
    {
        if (cJSON_IsString(topic) && n < KH_JOB_HOOK_TOPICS_MAX)
            t->topics[n++] = topic->valuestring;
    }
    if (!n) {
        for (; k->default_topics[n]; n++)
            t->topics[n] = k->default_topics[n];
    }
    t->topics[n] = NULL;
    if (t->url)
        return KS_OK;
    snprintf(err, errsz,
             "%s: ensure_hooks needs %s, a started receiver or a running "
             "integration.start",
             k->system, k->url_key);
    return KS_EINVAL;
}
