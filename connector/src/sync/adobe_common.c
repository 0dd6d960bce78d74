/*
 * What the Adobe Commerce flows share: the handle check, the day cursors
 * of the ChangeDate tables, the PO -> order map, and the read of an
 * Epicor dataset to update.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sync_int.h"

#define FIRST_DAY "2000-01-01"

ks_rc ks__sync_adobe_enter(struct ks_sync *sync, struct ks_sync_stats *stats)
{
    ks__sync_enter(sync, stats);
    if (!sync->adobe)
        return ks__error_set(&sync->err, KS_EINVAL, 0,
                             "sync: no Adobe Commerce handle");
    return KS_OK;
}

/* 1 when text starts with YYYY-MM-DD. */
static int is_day(const char *text)
{
    static const char shape[] = "dddd-dd-dd";

    if (!text)
        return 0;
    for (size_t i = 0; shape[i]; i++) {
        if (shape[i] == 'd' ? !isdigit((unsigned char)text[i])
                            : text[i] != shape[i])
            return 0;
    }
    return 1;
}

ks_rc ks__sync_cursor_day(char day[11], struct ks_sync *sync, const char *flow,
                          const char *entity)
{
    char *v = NULL;
    ks_rc rc = ks_store_cursor_get(&v, sync->store, flow, entity);

    snprintf(day, 11, "%s", FIRST_DAY);
    if (rc == KS_ENOTFOUND)
        return KS_OK;
    if (rc)
        return ks__sync_fail(sync, rc, 1);
    if (!is_day(v) || v[10] != '\0')
        rc = ks__error_set(&sync->err, KS_ESTATE, 0,
                           "sync: cursor %s/%s is not a day (YYYY-MM-DD)", flow,
                           entity);
    else
        memcpy(day, v, 11);
    ks_store_string_free(v);
    return rc;
}

void ks__sync_day_max(char day[11], const char *iso)
{
    if (is_day(iso) && strncmp(iso, day, 10) > 0) {
        memcpy(day, iso, 10);
        day[10] = '\0';
    }
}

ks_rc ks__sync_ad_order_of_po(int64_t *entity_id, struct ks_sync *sync,
                              int64_t po_num)
{
    char key[32], *v = NULL;
    ks_rc rc;

    *entity_id = 0;
    snprintf(key, sizeof(key), "%lld", (long long)po_num);
    rc = ks_store_map_get(&v, sync->store, KS__MAP_AD_ORDER, key);
    if (rc == KS_ENOTFOUND)
        return KS_OK;
    if (rc)
        return ks__sync_fail(sync, rc, 1);
    *entity_id = strtoll(v, NULL, 10);
    ks_store_string_free(v);
    return KS_OK;
}

ks_rc ks__sync_once(int64_t *id, enum ks__sync_once_how *how,
                    struct ks_sync *sync, struct ks__sync_once *o)
{
    struct ks_intent in;
    char num[32];
    ks_rc rc;

    *id = 0;
    *how = KS__ONCE_DONE;
    rc = ks__sync_fail(
        sync, ks_store_intent_begin(&in, sync->store, o->kind, o->ref, o->hash),
        1);
    if (rc)
        return rc;
    o->changed = in.payload_changed;
    if (in.state == KS_INTENT_DONE) {
        *id = strtoll(in.target_id, NULL, 10);
        return KS_OK;
    }
    rc = ks__sync_crash(sync, "after_intent_begin");
    if (!rc && in.state == KS_INTENT_PENDING) {
        /* an earlier attempt may have reached the remote: look first */
        rc = o->find(id, sync, o->ud);
        *how = KS__ONCE_RECOVERED;
    }
    if (!rc && *id == 0) {
        *how = KS__ONCE_CREATED;
        rc = o->create(id, sync, o->ud);
        if (!rc)
            rc = ks__sync_crash(sync, "after_remote_write");
    }
    if (rc)
        return rc;
    snprintf(num, sizeof(num), "%lld", (long long)*id);
    rc = ks__sync_fail(
        sync, ks_store_intent_complete(sync->store, o->kind, o->ref, num), 1);
    return rc ? rc : ks__sync_crash(sync, "after_intent_complete");
}

ks_rc ks__sync_once_record(struct ks_sync_stats *stats, struct ks_sync *sync,
                           struct ks__sync_once *once, const cJSON *payload,
                           const struct ks__sync_record *r, char *why,
                           size_t whysz)
{
    enum ks__sync_once_how how = KS__ONCE_DONE;
    char hash[65], num[32], action[64];
    int64_t id = 0;
    ks_rc rc = KS_OK;

    if (!*why) {
        char *text = cJSON_PrintUnformatted(payload);

        rc = text ? ks__sync_hash(hash, text) : KS_ENOMEM;
        cJSON_free(text);
        once->hash = hash;
        if (!rc)
            rc = ks__sync_once(&id, &how, sync, once);
        if (rc && !ks__sync_fatal(rc))
            snprintf(why, whysz, "%s", ks__sync_client_message(sync));
    }
    if (*why)
        return ks__sync_outbox(sync, stats, r->flow, r->kind, r->source_system,
                               once->ref, r->source, why);
    if (rc)
        return rc;
    snprintf(num, sizeof(num), "%lld", (long long)id);
    snprintf(action, sizeof(action), "%s.%s", r->kind,
             how == KS__ONCE_RECOVERED ? "recover" : "create");
    stats->created++;
    return ks__sync_audit(sync, r->flow, r->source_system, once->ref,
                          r->target_system, num, action, "ok", 1, NULL);
}

ks_rc ks__sync_epicor_ds_row(cJSON **ds, cJSON **row, struct ks_sync *sync,
                             const char *svc, const char *method,
                             const cJSON *body, const char *holder,
                             const char *ds_key, const char *table)
{
    cJSON *reply = NULL;
    ks_rc rc;

    *ds = NULL;
    *row = NULL;
    rc = ks__sync_fail(sync,
                       ks_epicor_call(&reply, sync->epi, svc, method, body), 0);
    *ds = cJSON_DetachItemFromObjectCaseSensitive(
        holder ? cJSON_GetObjectItemCaseSensitive(reply, holder) : reply,
        ds_key);
    cJSON_Delete(reply);
    *row = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(*ds, table), 0);
    if (!rc && !*row)
        rc = ks__error_set(&sync->err, KS_EPARSE, 0,
                           "epicor: %s answered no %s row", method, table);
    return rc;
}
