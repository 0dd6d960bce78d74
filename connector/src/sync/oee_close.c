/*
 * Job closure: each measured operation of the job is summed over its
 * bound segments (running ones read from the OEE side, paused ones as
 * downtime under their reason), posted to the OEE side and written into
 * the JobOper's UD fields with JobEntry Update, exactly once through an
 * "oee.summary" intent. A pending intent (a crash between computing and
 * writing back) is resolved by ks_oee_flow_recover.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "oee_int.h"
#include "store/internal.h"
#include "sync_int.h"

#define JOBENTRY "Erp.BO.JobEntrySvc"

static const char *ud_or(const char *name, const char *dflt)
{
    return name && *name ? name : dflt;
}

/* The summary of op over its stored segments. */
static ks_rc op_sum(struct ks_oee_summary *s, struct ks_oee_flow *flow,
                    const struct ks__oee_op *op, double ideal)
{
    struct ks_oee_acc acc;
    struct ks_oee_input in;
    ks_rc rc = KS_OK;

    memset(&acc, 0, sizeof(acc));
    for (int i = 0; !rc && i < op->nseg; i++) {
        char k[KS_STORE_ID_MAX + 1], *v = NULL, state[2] = {0};
        char reason[KS_OEE_REASON_MAX] = "";
        long long from = 0, to = 0;
        cJSON *t = NULL;

        snprintf(k, sizeof(k), "%.240s#%d", op->key, i);
        rc = ks__oee_kv_get(&v, flow, KS__OEE_MAP_SEG, k);
        if (rc)
            break;
        if (sscanf(v, "%1[RP]|%lld|%lld|%47[^|]", state, &from, &to, reason) <
            3)
            rc = KS_ESTATE;
        ks_store_string_free(v);
        if (rc)
            break;
        if (state[0] == 'P') {
            ks_oee_acc_pause(&acc, reason, to - from);
            continue;
        }
        rc = ks_oee_timeline(&t, flow->o.oee, op->scope, op->wc, from, to);
        if (!rc)
            rc = ks_oee_acc_timeline(&acc, t);
        cJSON_Delete(t);
    }
    if (rc)
        return rc;
    ks_oee_acc_input(&in, &acc, ideal);
    return ks_oee_summary_compute(s, &in);
}

/* A ratio as the percentage the UD fields (and the DMT file) carry: two
 * decimals. */
static double pct2(double ratio)
{
    return (double)(int64_t)(ratio * 10000.0 + 0.5) / 100.0;
}

static int set_num(cJSON *row, const char *name, double v)
{
    cJSON *n = cJSON_CreateNumber(v);

    if (!n)
        return 0;
    cJSON_DeleteItemFromObjectCaseSensitive(row, name);
    return cJSON_AddItemToObject(row, name, n);
}

/* The UD fields of row set from s (RowMod "U"); 0 when out of memory. */
static int row_fill(cJSON *row, const struct ks_oee_ud_fields *ud,
                    const struct ks_oee_summary *s)
{
    cJSON *loss = cJSON_CreateString(s->ntop ? s->top[0].reason : "");
    cJSON *mod = cJSON_CreateString("U");
    const char *lname = ud_or(ud->top_loss, "OEE_TopLoss_c");

    if (!loss || !mod) {
        cJSON_Delete(loss);
        cJSON_Delete(mod);
        return 0;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(row, lname);
    cJSON_AddItemToObject(row, lname, loss);
    cJSON_DeleteItemFromObjectCaseSensitive(row, "RowMod");
    cJSON_AddItemToObject(row, "RowMod", mod);
    return set_num(row, ud_or(ud->availability, "OEE_Availability_c"),
                   pct2(s->availability)) &&
           set_num(row, ud_or(ud->performance, "OEE_Performance_c"),
                   pct2(s->performance)) &&
           set_num(row, ud_or(ud->quality, "OEE_Quality_c"),
                   pct2(s->quality)) &&
           set_num(row, ud_or(ud->oee, "OEE_OEE_c"), pct2(s->oee)) &&
           set_num(row, ud_or(ud->good, "OEE_GoodQty_c"), (double)s->good) &&
           set_num(row, ud_or(ud->scrap, "OEE_ScrapQty_c"), (double)s->scrap);
}

/* 1 when row already holds s (a write whose reply was lost). */
static int row_holds(const cJSON *row, const struct ks_oee_ud_fields *ud,
                     const struct ks_oee_summary *s)
{
    double oee = kx_json_num(row, ud_or(ud->oee, "OEE_OEE_c"), -1);
    double good = kx_json_num(row, ud_or(ud->good, "OEE_GoodQty_c"), -1);

    return oee >= 0 &&
           (int64_t)(oee * 100 + 0.5) == (int64_t)(s->oee * 10000 + 0.5) &&
           (int64_t)good == s->good;
}

/* JobEntry Update of head and the one changed JobOper row, with the
 * SysRevID read by GetByID: a row changed since is ECONFLICT. */
static ks_rc write_back(struct ks_oee_flow *flow, const cJSON *head,
                        const cJSON *row, const struct ks_oee_summary *s)
{
    cJSON *body = cJSON_CreateObject(), *ds = NULL, *heads, *opers;
    cJSON *r = cJSON_Duplicate(row, 1), *out = NULL;
    ks_rc rc = KS_ENOMEM;

    if (!body || !r || !(ds = cJSON_AddObjectToObject(body, "ds")) ||
        !(heads = cJSON_AddArrayToObject(ds, "JobHead")) ||
        !(opers = cJSON_AddArrayToObject(ds, "JobOper")) ||
        !row_fill(r, &flow->o.ud, s))
        goto out;
    cJSON_AddItemToArray(opers, r);
    r = NULL;
    if (head && !cJSON_AddItemToArray(heads, cJSON_Duplicate(head, 1)))
        goto out;
    rc = ks_epicor_call(&out, flow->o.epi, JOBENTRY, "Update", body);
out:
    cJSON_Delete(r);
    cJSON_Delete(body);
    cJSON_Delete(out);
    return rc;
}

/* One JobOper row of the closed job. */
static ks_rc close_op(struct ks_oee_flow *flow, const cJSON *head,
                      const cJSON *row, int64_t at_ms,
                      struct ks_oee_flow_stats *stats)
{
    const char *job = kx_json_str(row, "JobNum");
    struct ks_oee_op ref = {job, (int)kx_json_num(row, "AssemblySeq", 0),
                            (int)kx_json_num(row, "OprSeq", 0),
                            kx_json_str(row, "OpCode")};
    struct ks_oee_summary s;
    struct ks__oee_op op;
    struct ks_intent in;
    char hash[65], why[400], key[KS_STORE_ID_MAX + 1];
    cJSON *json = NULL;
    char *text = NULL;
    double ideal;
    ks_rc rc;

    if (!job)
        return KS_OK;
    ks__oee_op_key(key, job, ref.assembly, ref.operation);
    rc = ks__oee_op_get(&op, flow, key);
    if (rc || !op.state)
        return rc ? ks__oee_flow_fail(flow, rc) : KS_OK; /* not measured */
    if (op.state != 'C') {
        rc = ks__oee_op_close_segment(flow, &op, at_ms);
        op.state = 'C';
        if (!rc)
            rc = ks__oee_op_put(flow, &op);
        if (rc)
            return ks__oee_flow_fail(flow, rc);
    }
    if (ks_oee_ideal_cycle_ms(&ideal, kx_json_num(row, "ProdStandard", 0),
                              kx_json_str(row, "StdFormat"))) {
        snprintf(why, sizeof(why),
                 "%s: no usable production standard (ProdStandard %g, "
                 "StdFormat %s)",
                 op.key, kx_json_num(row, "ProdStandard", 0),
                 kx_json_str_or(row, "StdFormat", "none"));
        return ks__oee_flow_outbox(flow, stats, "summary", op.key, why);
    }
    rc = op_sum(&s, flow, &op, ideal);
    if (!rc)
        rc = ks_oee_summary_json(&json, op.wc, &ref, &s);
    if (!rc && !(text = cJSON_PrintUnformatted(json)))
        rc = KS_ENOMEM;
    if (!rc)
        rc = ks__sync_hash(hash, text);
    cJSON_free(text);
    cJSON_Delete(json);
    if (rc)
        return ks__oee_flow_fatal(rc)
                   ? ks__oee_flow_fail(flow, rc)
                   : ks__oee_flow_outbox(flow, stats, "summary", op.key,
                                         ks_rc_name(rc));
    rc =
        ks_store_intent_begin(&in, flow->o.store, KS__OEE_INTENT, op.key, hash);
    if (rc)
        return ks__oee_flow_fail(flow, rc);
    if (in.state == KS_INTENT_DONE) {
        stats->skipped++;
        return KS_OK;
    }
    stats->summaries++;
    rc = ks_oee_summary_post(flow->o.oee, op.scope, op.wc, &ref, &s);
    if (!rc && flow->o.file_export) { /* pattern 3: Epicor imports a file */
        rc = ks__oee_flow_queue(flow, &ref, &s, op.key);
        stats->queued += rc == KS_OK;
        return rc ? ks__oee_flow_fail(flow, rc) : KS_OK;
    }
    if (!rc &&
        !(in.state == KS_INTENT_PENDING && row_holds(row, &flow->o.ud, &s))) {
        rc = ks__store_crash_point(flow->o.store, "oee.before_write_back");
        if (!rc)
            rc = write_back(flow, head, row, &s);
        if (!rc)
            stats->written_back++;
        if (!rc)
            rc = ks__store_crash_point(flow->o.store, "oee.after_write_back");
    }
    if (!rc)
        rc = ks__oee_flow_report(flow, head, &ref, op.wc, &s,
                                 in.state == KS_INTENT_PENDING, stats);
    if (rc)
        return ks__oee_flow_fatal(rc)
                   ? ks__oee_flow_fail(flow, rc)
                   : ks__oee_flow_outbox(
                         flow, stats, "summary", op.key,
                         ks_client_last_error(flow->o.client)->message);
    rc =
        ks_store_intent_complete(flow->o.store, KS__OEE_INTENT, op.key, op.key);
    return rc ? ks__oee_flow_fail(flow, rc) : KS_OK;
}

ks_rc ks__oee_flow_job_get(cJSON **out, struct ks_oee_flow *flow,
                           const char *job)
{
    cJSON *body = cJSON_CreateObject();
    ks_rc rc = KS_ENOMEM;

    *out = NULL;
    if (body && cJSON_AddStringToObject(body, "jobNum", job))
        rc = ks_epicor_call(out, flow->o.epi, JOBENTRY, "GetByID", body);
    cJSON_Delete(body);
    return rc;
}

ks_rc ks__oee_flow_close_ops(struct ks_oee_flow *flow, const char *job,
                             const cJSON *got, const char *only, int64_t at_ms,
                             struct ks_oee_flow_stats *stats)
{
    const cJSON *ret, *head, *row;
    cJSON *mine = NULL;
    char why[900], key[KS_STORE_ID_MAX + 1];
    ks_rc rc = KS_OK;

    if (!got) {
        rc = ks__oee_flow_job_get(&mine, flow, job);
        got = mine;
    }
    if (rc) {
        snprintf(why, sizeof(why), "job %s: %s", job,
                 ks_client_last_error(flow->o.client)->message);
        rc = ks__oee_flow_fatal(rc)
                 ? ks__oee_flow_fail(flow, rc)
                 : ks__oee_flow_outbox(flow, stats, "summary", job, why);
        goto out;
    }
    ret = kx_json_obj(got, "returnObj");
    head = cJSON_GetArrayItem(kx_json_arr(ret, "JobHead"), 0);
    cJSON_ArrayForEach(row, kx_json_arr(ret, "JobOper"))
    {
        ks__oee_op_key(key, kx_json_str_or(row, "JobNum", ""),
                       (int)kx_json_num(row, "AssemblySeq", 0),
                       (int)kx_json_num(row, "OprSeq", 0));
        if (only && strcmp(key, only) != 0)
            continue;
        rc = close_op(flow, head, row, at_ms, stats);
        if (rc)
            break;
    }
out:
    cJSON_Delete(mine);
    return rc;
}

ks_rc ks__oee_flow_close_job(struct ks_oee_flow *flow,
                             const struct ks_oee_event *ev,
                             struct ks_oee_flow_stats *stats)
{
    return ks__oee_flow_close_ops(flow, ev->job, NULL, NULL, ev->at_ms, stats);
}

struct pending {
    char jobs[16][KS_STORE_ID_MAX + 1];
    size_t n;
};

static int pending_add(const struct ks_intent *in, void *ud)
{
    struct pending *p = ud;
    char job[KS_STORE_ID_MAX + 1];
    const char *slash = strchr(in->source_id, '/');
    size_t len = slash ? (size_t)(slash - in->source_id) : 0;

    if (!len || len >= sizeof(job) || p->n == 16)
        return 0;
    memcpy(job, in->source_id, len);
    job[len] = '\0';
    for (size_t i = 0; i < p->n; i++) {
        if (strcmp(p->jobs[i], job) == 0)
            return 0;
    }
    memcpy(p->jobs[p->n++], job, len + 1);
    return 0;
}

ks_rc ks_oee_flow_recover(struct ks_oee_flow *flow,
                          struct ks_oee_flow_stats *stats)
{
    struct pending p;
    int64_t now = ks_clock_now_ms(ks_client_clock(flow->o.client));
    ks_rc rc;

    memset(&flow->err, 0, sizeof(flow->err));
    memset(&p, 0, sizeof(p));
    rc = ks_store_intent_each_pending(flow->o.store, KS__OEE_INTENT,
                                      pending_add, &p);
    if (rc)
        return ks__oee_flow_fail(flow, rc);
    for (size_t i = 0; !rc && i < p.n; i++)
        rc = ks__oee_flow_close_ops(flow, p.jobs[i], NULL, NULL, now, stats);
    return rc;
}
