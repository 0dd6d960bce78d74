/* The job tables of every connector module, searched in order. */
#include <stdio.h>
#include <string.h>
#include "run_int.h"

extern const struct kh_job kh_jobs_epicor[];
extern const struct kh_job kh_jobs_bigcommerce[];
extern const struct kh_job kh_jobs_woocommerce[];
extern const struct kh_job kh_jobs_sync[];
extern const struct kh_job kh_jobs_adobe[];
extern const struct kh_job kh_jobs_oee[];

const struct kh_job *const kh__job_tables[] = {kh_jobs_epicor,
                                               kh_jobs_bigcommerce,
                                               kh_jobs_woocommerce,
                                               kh_jobs_sync,
                                               kh_jobs_adobe,
                                               kh_jobs_oee,
                                               NULL};

const struct kh_job *kh__job_find(const char *name)
{
    for (size_t t = 0; kh__job_tables[t]; t++) {
        for (const struct kh_job *j = kh__job_tables[t]; j->name; j++) {
            if (strcmp(j->name, name) == 0)
                return j;
        }
    }
    return NULL;
}

void *kh_job_handle(struct kh_ctx *ctx, const char *key, kh_handle_make_fn make,
                    void (*free_fn)(void *), int override, int *owned,
                    ks_rc *rc, char *err, size_t errsz)
{
    void *h = kh_ctx_slot(ctx, key);

    *owned = 0;
    *rc = KS_OK;
    if (override) {
        h = NULL;
        *rc = make(&h, ctx, override, err, errsz);
        *owned = h != NULL;
        return h;
    }
    if (!h) {
        *rc = make(&h, ctx, 0, err, errsz);
        if (h)
            kh_ctx_set_slot(ctx, key, h, free_fn);
    }
    return h;
}

const char *kh_job_remote_url(struct kh_ctx *ctx, const char *system,
                              const char *key, char *err, size_t errsz)
{
    const char *url = kx_json_str(kh_ctx_connector_config(ctx, system), key);
    struct km_emulator *emu = kh_ctx_emulator(ctx, system);

    if (!url && emu)
        url = km_server_url(emu->server);
    if (!url)
        snprintf(err, errsz, "%s: no %s emulator runs and no %s is given",
                 system, system, key);
    return url;
}

int kh_job_collect_item(void *userdata, const cJSON *item)
{
    struct kh_job_collect *c = userdata;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "id");
    const char *sku = kx_json_str(item, "sku");
    int keep = ++c->count <= KH_JOB_COLLECT_MAX;

    if (c->ids && keep && cJSON_IsNumber(id))
        cJSON_AddItemToArray(c->ids, cJSON_CreateNumber(id->valuedouble));
    if (c->skus && keep && sku)
        cJSON_AddItemToArray(c->skus, cJSON_CreateString(sku));
    if (c->map && sku && *sku && cJSON_IsNumber(id) &&
        !cJSON_GetObjectItemCaseSensitive(c->map, sku))
        cJSON_AddNumberToObject(c->map, sku, id->valuedouble);
    return 0;
}

void kh_job_collect_put(cJSON *result, struct kh_job_collect *c)
{
    cJSON_AddNumberToObject(result, "count", c->count);
    if (c->ids)
        cJSON_AddItemToObject(result, "ids", c->ids);
    if (c->skus)
        cJSON_AddItemToObject(result, "skus", c->skus);
    c->ids = c->skus = NULL;
}

ks_rc kh_job_failed(struct kh_ctx *ctx, ks_rc rc, cJSON **result, char *err,
                    size_t errsz)
{
    const struct ks_error *e = ks_client_last_error(kh_ctx_client(ctx));

    snprintf(err, errsz, "%s", e->message[0] ? e->message : ks_rc_name(rc));
    if (!*result)
        *result = cJSON_CreateObject();
    cJSON_AddStringToObject(*result, "error", err);
    cJSON_AddNumberToObject(*result, "http_status", (double)e->http_status);
    cJSON_AddStringToObject(*result, "remote_id", e->remote_id);
    return rc;
}
