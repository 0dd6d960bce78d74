/*
 * The reason-code dictionary sync: Epicor's scrap reasons (ReasonSvc
 * Reasons, ReasonType "S") and downtime codes (IndirectSvc Indirects
 * with DownTime true; Epicor has no downtime reason type, downtime is
 * indirect labour: mocks/src/epicor/README.md) become the OEE scope's
 * dictionary, so its loss Paretos use Epicor's codes. Both reads are
 * filtered by Epicor; the upload replaces the scope's dictionary whole
 * and only when it changed (its hash is kept in the store).
 */
#include <stdio.h>
#include <string.h>
#include <kx/json.h>
#include "oee_int.h"
#include "sync_int.h"

struct codes {
    cJSON *arr;
    const char *type; /* "scrap" / "downtime" */
    const char *code_field;
};

static int add_code(void *ud, const cJSON *row)
{
    struct codes *c = ud;
    const char *code = kx_json_str(row, c->code_field);
    cJSON *o;

    if (!code || !*code)
        return 0;
    o = cJSON_CreateObject();
    if (!o || !cJSON_AddItemToArray(c->arr, o) ||
        !cJSON_AddStringToObject(o, "code", code) ||
        !cJSON_AddStringToObject(o, "type", c->type) ||
        !cJSON_AddStringToObject(o, "description",
                                 kx_json_str_or(row, "Description", "")))
        return 1; /* out of memory: stop */
    return 0;
}

static ks_rc read_codes(struct codes *c, struct ks_oee_flow *flow,
                        const char *service, const char *set,
                        const char *filter, const char *select)
{
    struct ks_epicor_query q = KS_EPICOR_QUERY_INIT;
    int before = cJSON_GetArraySize(c->arr);
    ks_rc rc;

    q.filter = filter;
    q.select = select;
    rc = ks_epicor_query(flow->o.epi, service, set, &q, add_code, c);
    if (!rc && cJSON_GetArraySize(c->arr) < before)
        rc = KS_ENOMEM;
    return rc;
}

ks_rc ks_oee_flow_sync_reasons(struct ks_oee_flow *flow, const char *scope,
                               struct ks_oee_flow_stats *stats)
{
    struct codes c = {cJSON_CreateArray(), "scrap", "ReasonCode"};
    char hash[65], entity[KS_STORE_ID_MAX + 1], *text = NULL, *old = NULL;
    ks_rc rc;

    memset(&flow->err, 0, sizeof(flow->err));
    if (!c.arr)
        return KS_ENOMEM;
    rc = read_codes(&c, flow, "Erp.BO.ReasonSvc", "Reasons",
                    "ReasonType eq 'S'", "ReasonType,ReasonCode,Description");
    c.type = "downtime";
    c.code_field = "IndirectCode";
    if (!rc)
        rc = read_codes(&c, flow, "Erp.BO.IndirectSvc", "Indirects",
                        "DownTime eq true", "IndirectCode,Description");
    if (!rc && !(text = cJSON_PrintUnformatted(c.arr)))
        rc = KS_ENOMEM;
    if (!rc)
        rc = ks__sync_hash(hash, text);
    snprintf(entity, sizeof(entity), "reasons.%.200s", scope);
    if (!rc)
        rc = ks_store_cursor_get(&old, flow->o.store, KS__OEE_FLOW, entity);
    if (rc == KS_ENOTFOUND)
        rc = KS_OK;
    stats->events += cJSON_GetArraySize(c.arr);
    if (!rc && old && strcmp(old, hash) == 0) {
        stats->skipped++; /* the scope has this dictionary already */
        goto out;
    }
    if (!rc)
        rc = ks_oee_reason_codes_put(flow->o.oee, scope, c.arr);
    if (!rc)
        rc = ks_store_cursor_set(flow->o.store, KS__OEE_FLOW, entity, hash);
out:
    ks_store_string_free(old);
    cJSON_free(text);
    cJSON_Delete(c.arr);
    return rc ? ks__oee_flow_fail(flow, rc) : KS_OK;
}
