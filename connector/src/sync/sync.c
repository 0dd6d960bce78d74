/*
 * The sync handle and what every flow shares: errors, money in cents,
 * payload hashes, cursors, the audit and outbox helpers, part lookups and
 * crash points.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "sync_int.h"
#include "core/crypto.h"
#include "store/internal.h"
#include "epicor/epicor_int.h"

ks_rc ks_sync_new(struct ks_sync **out, const struct ks_sync_options *opts)
{
    struct ks_sync *sync;

    *out = NULL;
    if (!opts || !opts->client || !opts->store || !opts->epicor)
        return KS_EINVAL;
    sync = ks__calloc(1, sizeof(*sync));
    if (!sync)
        return KS_ENOMEM;
    sync->client = opts->client;
    sync->store = opts->store;
    sync->epi = opts->epicor;
    sync->bc = opts->bigcommerce;
    sync->wc = opts->woocommerce;
    sync->adobe = opts->adobe;
    sync->adobe_company_admin_id =
        opts->adobe_company_admin_id > 0 ? opts->adobe_company_admin_id : 1;
    sync->bc_location_id = opts->bc_location_id > 0 ? opts->bc_location_id : 1;
    if (opts->plant && *opts->plant) {
        sync->plant = ks__strdup(opts->plant);
        if (!sync->plant) {
            ks__free(sync);
            return KS_ENOMEM;
        }
    }
    *out = sync;
    return KS_OK;
}

void ks_sync_free(struct ks_sync *sync)
{
    if (!sync)
        return;
    ks__free(sync->plant);
    ks__free(sync);
}

const struct ks_error *ks_sync_last_error(const struct ks_sync *sync)
{
    return &sync->err;
}

void ks__sync_enter(struct ks_sync *sync, struct ks_sync_stats *stats)
{
    ks__error_clear(&sync->err);
    memset(stats, 0, sizeof(*stats));
}

ks_rc ks__sync_leave(struct ks_sync *sync, ks_rc rc)
{
    if (rc == KS_OK)
        ks__error_clear(&sync->err); /* per-record failures are in stats */
    else if (sync->err.rc == KS_OK)
        ks__error_set(&sync->err, rc, 0, "sync: %s", ks_rc_message(rc));
    return rc;
}

ks_rc ks__sync_fail(struct ks_sync *sync, ks_rc rc, int from_store)
{
    const struct ks_error *e;

    if (rc == KS_OK)
        return rc;
    e = from_store ? ks_store_last_error(sync->store)
                   : ks_client_last_error(sync->client);
    if (e->rc != KS_OK && e->message[0])
        ks__error_set(&sync->err, rc, e->http_status, "%s", e->message);
    else
        ks__error_set(&sync->err, rc, 0, "sync: %s", ks_rc_message(rc));
    if (!from_store && sync->err.remote_id[0] == '\0')
        snprintf(sync->err.remote_id, sizeof(sync->err.remote_id), "%s",
                 e->remote_id);
    return rc;
}

int ks__sync_fatal(ks_rc rc)
{
    switch (rc) {
    case KS_OK:
    case KS_EREMOTE:
    case KS_ECONFLICT:
    case KS_ENOTFOUND:
    case KS_EINVAL:
    case KS_EPARSE:
    case KS_ETOOBIG:
        return 0;
    default:
        return 1;
    }
}

const char *ks__sync_client_message(struct ks_sync *sync)
{
    const struct ks_error *e = ks_client_last_error(sync->client);

    return e->message[0] ? e->message : ks_rc_message(e->rc);
}

/* ---- money ------------------------------------------------------------ */

ks_rc ks__sync_cents(int64_t *out, const char *text)
{
    const char *p = text;
    int neg = 0, digits = 0, frac = 0, round_up = 0;
    int64_t units = 0, cents = 0;

    *out = 0;
    if (!p)
        return KS_EPARSE;
    while (*p == ' ')
        p++;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    for (; *p >= '0' && *p <= '9'; p++, digits++) {
        if (units > (INT64_MAX / 100 - 9) / 10)
            return KS_EPARSE;
        units = units * 10 + (*p - '0');
    }
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++, frac++) {
            if (frac < 2)
                cents = cents * 10 + (*p - '0');
            else if (frac == 2)
                round_up = *p >= '5';
        }
    }
    if (frac == 1)
        cents *= 10;
    if ((digits == 0 && frac == 0) || *p != '\0')
        return KS_EPARSE;
    cents += units * 100 + round_up;
    *out = neg ? -cents : cents;
    return KS_OK;
}

ks_rc ks__sync_json_cents(int64_t *out, const cJSON *v)
{
    char buf[64];

    *out = 0;
    if (cJSON_IsString(v))
        return ks__sync_cents(out, v->valuestring);
    if (!cJSON_IsNumber(v))
        return KS_EPARSE;
    /* A JSON number is printed with enough digits to round-trip, then read
     * as decimal text: no float arithmetic decides a cent. */
    snprintf(buf, sizeof(buf), "%.6f", v->valuedouble);
    return ks__sync_cents(out, buf);
}

void ks__sync_cents_str(char out[32], int64_t cents)
{
    int64_t a = cents < 0 ? -cents : cents;

    snprintf(out, 32, "%s%lld.%02lld", cents < 0 ? "-" : "",
             (long long)(a / 100), (long long)(a % 100));
}

ks_rc ks__sync_hash(char out[65], const char *text)
{
    return ks__digest_hex(out, 65, KS__SHA256, text, strlen(text));
}

/* ---- store helpers ---------------------------------------------------- */

ks_rc ks__sync_cursor_int(int64_t *out, struct ks_sync *sync, const char *flow,
                          const char *entity)
{
    char *v = NULL, *end;
    ks_rc rc;

    *out = 0;
    rc = ks_store_cursor_get(&v, sync->store, flow, entity);
    if (rc == KS_ENOTFOUND)
        return KS_OK;
    if (rc)
        return ks__sync_fail(sync, rc, 1);
    *out = strtoll(v, &end, 10);
    if (*end != '\0' || *out < 0) {
        ks__error_set(&sync->err, KS_ESTATE, 0,
                      "sync: cursor %s/%s is not a SysRevID", flow, entity);
        rc = KS_ESTATE;
    }
    ks_store_string_free(v);
    return rc;
}

ks_rc ks__sync_cursor_set_int(struct ks_sync *sync, const char *flow,
                              const char *entity, int64_t value)
{
    char buf[32];

    snprintf(buf, sizeof(buf), "%lld", (long long)value);
    return ks__sync_fail(
        sync, ks_store_cursor_set(sync->store, flow, entity, buf), 1);
}

/* The system a flow writes to: Epicor for the inbound flows, else the
 * storefront named after the dot ("parts.bigcommerce"). */
static const char *flow_target(const char *flow)
{
    const char *dot = strchr(flow, '.');

    if (strncmp(flow, "orders.", 7) == 0 || strncmp(flow, "refunds.", 8) == 0)
        return "epicor";
    return dot && dot[1] ? dot + 1 : flow;
}

ks_rc ks__sync_audit(struct ks_sync *sync, const char *flow,
                     const char *source_system, const char *source_id,
                     const char *target_system, const char *target_id,
                     const char *action, const char *outcome, int attempt,
                     const char *detail)
{
    if (!target_system)
        target_system = flow_target(flow);
    struct ks_audit_entry e = {flow,
                               source_system,
                               source_id,
                               target_system,
                               target_id && *target_id ? target_id : NULL,
                               action,
                               outcome,
                               attempt,
                               detail && *detail ? detail : NULL,
                               ks_clock_now_ms(ks_client_clock(sync->client))};

    return ks__sync_fail(sync, ks_store_audit_add(sync->store, &e), 1);
}

ks_rc ks__sync_outbox(struct ks_sync *sync, struct ks_sync_stats *stats,
                      const char *flow, const char *kind,
                      const char *source_system, const char *source_id,
                      const cJSON *payload, const char *reason)
{
    char *text = payload ? cJSON_PrintUnformatted(payload) : NULL;
    ks_rc rc;

    if (payload && !text)
        return KS_ENOMEM;
    rc = ks_store_outbox_add(NULL, sync->store, flow, kind, source_id,
                             text ? text : "{}", reason,
                             ks_clock_now_ms(ks_client_clock(sync->client)));
    cJSON_free(text);
    if (rc)
        return ks__sync_fail(sync, rc, 1);
    stats->failed++;
    ks__log(sync->client, KS_LOG_WARN, NULL, "sync: %s %s to the outbox: %s",
            flow, source_id, reason ? reason : "");
    return ks__sync_audit(sync, flow, source_system, source_id, NULL, NULL,
                          kind, "failed", 1, reason);
}

ks_rc ks__sync_value_get(char **value, struct ks_sync *sync, const char *kind,
                         const char *key)
{
    char *b = NULL;
    size_t n = strlen(key);
    ks_rc rc;

    *value = NULL;
    rc = ks_store_map_get(&b, sync->store, kind, key);
    if (rc == KS_ENOTFOUND)
        return KS_OK;
    if (rc)
        return ks__sync_fail(sync, rc, 1);
    if (strncmp(b, key, n) == 0 && b[n] == '#')
        *value = ks__strdup(b + n + 1);
    else
        *value = ks__strdup(""); /* not written by value_put: no value */
    ks_store_string_free(b);
    return *value ? KS_OK : KS_ENOMEM;
}

ks_rc ks__sync_value_put(struct ks_sync *sync, const char *kind,
                         const char *key, const char *value)
{
    /* b_id is "key#value": map values are unique within a kind, and two
     * keys may well hold the same value. */
    char *b = ks__aprintf("%s#%s", key, value);
    ks_rc rc;

    if (!b)
        return KS_ENOMEM;
    rc = ks_store_map_delete(sync->store, kind, key);
    if (rc == KS_ENOTFOUND || rc == KS_OK)
        rc = ks_store_map_put(sync->store, kind, key, b);
    ks__free(b);
    return ks__sync_fail(sync, rc, 1);
}

ks_rc ks__sync_sent_same(int *same, struct ks_sync *sync, const char *key,
                         const char *hash)
{
    char *v = NULL;
    ks_rc rc = ks__sync_value_get(&v, sync, KS__MAP_SENT, key);

    *same = !rc && v && strcmp(v, hash) == 0;
    ks__free(v);
    return rc;
}

ks_rc ks__sync_sent_put(struct ks_sync *sync, const char *key, const char *hash)
{
    return ks__sync_value_put(sync, KS__MAP_SENT, key, hash);
}

static int first_row(void *ud, const cJSON *row)
{
    (void)row;
    *(int *)ud = 1;
    return 1;
}

ks_rc ks__sync_part_exists(int *exists, struct ks_sync *sync,
                           const char *part_num)
{
    struct ks_epicor_query q = KS_EPICOR_QUERY_INIT;
    char *filter = ks__epicor_filter_eq("PartNum", part_num);
    ks_rc rc;

    *exists = 0;
    if (!filter)
        return KS_ENOMEM;
    q.filter = filter;
    q.select = "PartNum";
    q.top = 1;
    rc = ks_epicor_query(sync->epi, "Erp.BO.PartSvc", "Parts", &q, first_row,
                         exists);
    ks__free(filter);
    return ks__sync_fail(sync, rc, 0);
}

int ks__sync_collect(void *array, const cJSON *item)
{
    cJSON *copy = cJSON_Duplicate(item, 1);

    if (!copy || !cJSON_AddItemToArray(array, copy)) {
        cJSON_Delete(copy);
        return 1;
    }
    return 0;
}

ks_rc ks__sync_crash(struct ks_sync *sync, const char *name)
{
    ks_rc rc = ks__store_crash_point(sync->store, name);

    if (rc)
        ks__error_set(&sync->err, rc, 0, "sync: crash point %s", name);
    return rc;
}
