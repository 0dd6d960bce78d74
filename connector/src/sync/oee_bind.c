/*
 * The OEE flow's handle and pattern 1's binding: each job transition
 * moves the durable record of its operation (oee_int.h) and tells the
 * OEE side what its work centre now measures. Started -> paused ->
 * started stays one operation: a pause closes the running segment and
 * opens a paused one under its reason; a resume opens a running one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "oee_int.h"
#include "sync_int.h"

ks_rc ks_oee_flow_new(struct ks_oee_flow **out,
                      const struct ks_oee_flow_options *opts)
{
    struct ks_oee_flow *f;

    *out = NULL;
    if (!opts || !opts->client || !opts->store || !opts->epi || !opts->oee ||
        (opts->labor && (!opts->labor_employee || !*opts->labor_employee)))
        return KS_EINVAL;
    f = ks__calloc(1, sizeof(*f));
    if (!f)
        return KS_ENOMEM;
    f->o = *opts;
    *out = f;
    return KS_OK;
}

void ks_oee_flow_free(struct ks_oee_flow *flow)
{
    ks__free(flow);
}

const struct ks_error *ks_oee_flow_last_error(const struct ks_oee_flow *flow)
{
    return &flow->err;
}

int ks__oee_flow_fatal(ks_rc rc)
{
    return rc != KS_EFORBIDDEN && ks__sync_fatal(rc);
}

ks_rc ks__oee_flow_fail(struct ks_oee_flow *flow, ks_rc rc)
{
    const struct ks_error *e = ks_client_last_error(flow->o.client);

    if (rc == KS_ESTATE)
        e = ks_store_last_error(flow->o.store);
    if (rc)
        ks__error_set(&flow->err, rc, e->http_status, "%s",
                      e->message[0] ? e->message : ks_rc_name(rc));
    return rc;
}

ks_rc ks__oee_flow_outbox(struct ks_oee_flow *flow,
                          struct ks_oee_flow_stats *stats, const char *kind,
                          const char *source_id, const char *reason)
{
    int64_t now = ks_clock_now_ms(ks_client_clock(flow->o.client));
    const struct ks_audit_entry a = {KS__OEE_FLOW, "epicor", source_id, "oee",
                                     NULL,         kind,     "failed",  1,
                                     reason,       now};
    ks_rc rc = ks_store_outbox_add(NULL, flow->o.store, KS__OEE_FLOW, kind,
                                   source_id, "{}", reason, now);

    if (!rc)
        rc = ks_store_audit_add(flow->o.store, &a);
    if (rc)
        return ks__oee_flow_fail(flow, rc);
    stats->failed++;
    ks__log(flow->o.client, KS_LOG_WARN, NULL, "oee: %s %s to the outbox: %s",
            kind, source_id, reason);
    return KS_OK;
}

/* The store's id maps pair each a_id with one b_id and each b_id with one
 * a_id; the flow's records are key -> value, so a value carries its key
 * ("VALUE|@KEY") to stay unique, and a new value replaces the old. */
ks_rc ks__oee_kv_put(struct ks_oee_flow *flow, const char *kind,
                     const char *key, const char *value)
{
    char b[KS_STORE_ID_MAX + 1];
    ks_rc rc;

    if ((size_t)snprintf(b, sizeof(b), "%s|@%s", value, key) >= sizeof(b))
        return KS_EINVAL;
    rc = ks_store_map_delete(flow->o.store, kind, key);
    if (rc && rc != KS_ENOTFOUND)
        return rc;
    return ks_store_map_put(flow->o.store, kind, key, b);
}

ks_rc ks__oee_kv_get(char **value, struct ks_oee_flow *flow, const char *kind,
                     const char *key)
{
    ks_rc rc = ks_store_map_get(value, flow->o.store, kind, key);
    char *at;

    if (!rc && (at = strstr(*value, "|@")) != NULL)
        *at = '\0';
    return rc;
}

void ks__oee_op_key(char *out, const char *job, int assembly, int operation)
{
    snprintf(out, KS_STORE_ID_MAX + 1, "%s/%d/%d", job, assembly, operation);
}

ks_rc ks__oee_op_get(struct ks__oee_op *op, struct ks_oee_flow *flow,
                     const char *key)
{
    char *v = NULL, state[2] = {0};
    long long since = 0;
    int nseg = 0, n;
    ks_rc rc;

    memset(op, 0, sizeof(*op));
    snprintf(op->key, sizeof(op->key), "%s", key);
    rc = ks__oee_kv_get(&v, flow, KS__OEE_MAP_OP, key);
    if (rc == KS_ENOTFOUND)
        return KS_OK;
    if (rc)
        return rc;
    /* SCOPE|WC|S|SINCE|NSEG|REASON (REASON may be empty) */
    n = sscanf(v, "%63[^|]|%63[^|]|%1[RPC]|%lld|%d|%47[^|]", op->scope, op->wc,
               state, &since, &nseg, op->reason);
    ks_store_string_free(v);
    if (n < 5)
        return KS_ESTATE;
    op->state = state[0];
    op->since = since;
    op->nseg = nseg;
    return KS_OK;
}

ks_rc ks__oee_op_put(struct ks_oee_flow *flow, const struct ks__oee_op *op)
{
    char v[KS_STORE_ID_MAX + 1];

    snprintf(v, sizeof(v), "%s|%s|%c|%lld|%d|%s", op->scope, op->wc, op->state,
             (long long)op->since, op->nseg, op->reason);
    return ks__oee_kv_put(flow, KS__OEE_MAP_OP, op->key, v);
}

ks_rc ks__oee_op_close_segment(struct ks_oee_flow *flow, struct ks__oee_op *op,
                               int64_t at_ms)
{
    char k[KS_STORE_ID_MAX + 1], v[KS_STORE_ID_MAX + 1];
    ks_rc rc;

    if (at_ms > op->since) {
        snprintf(k, sizeof(k), "%.240s#%d", op->key, op->nseg);
        snprintf(v, sizeof(v), "%c|%lld|%lld|%s", op->state,
                 (long long)op->since, (long long)at_ms, op->reason);
        rc = ks__oee_kv_put(flow, KS__OEE_MAP_SEG, k, v);
        if (rc)
            return rc;
        op->nseg++;
    }
    op->since = at_ms;
    return KS_OK;
}

/* The OEE scope of an Epicor plant; NULL when none is configured. */
static const char *scope_of(const struct ks_oee_flow *flow, const char *plant)
{
    for (size_t i = 0; plant && i < flow->o.nplants; i++) {
        if (strcmp(flow->o.plants[i].plant, plant) == 0)
            return flow->o.plants[i].scope;
    }
    return flow->o.default_scope;
}

static int id_ok(const char *s)
{
    return s && *s && strlen(s) < 64 && !strpbrk(s, "|/#");
}

/* The operation running on the work centre other than key, if any. */
static ks_rc other_running(struct ks__oee_op *other, struct ks_oee_flow *flow,
                           const char *wc_key, const char *key)
{
    char *active = NULL;
    ks_rc rc;

    memset(other, 0, sizeof(*other));
    rc = ks__oee_kv_get(&active, flow, KS__OEE_MAP_ACTIVE, wc_key);
    if (rc == KS_ENOTFOUND)
        return KS_OK;
    if (rc)
        return rc;
    if (strcmp(active, key) != 0)
        rc = ks__oee_op_get(other, flow, active);
    ks_store_string_free(active);
    if (!rc && other->state != 'R')
        memset(other, 0, sizeof(*other));
    return rc;
}

/* Whether Epicor has the job operation of ev (an operation the flow
 * has not seen yet: an event can name one Epicor does not have, a forged
 * or stale call, or a job deleted since). KS_OK with *found; a refusal
 * that is this record's alone (not found, forbidden) goes to the outbox
 * with Epicor's message and *found 0; a fatal one is returned. */
static ks_rc op_exists(int *found, struct ks_oee_flow *flow,
                       const struct ks_oee_event *ev, const char *key,
                       struct ks_oee_flow_stats *stats)
{
    cJSON *got = NULL;
    const cJSON *row;
    char why[900];
    ks_rc rc = ks__oee_flow_job_get(&got, flow, ev->job);

    *found = 0;
    if (rc) {
        snprintf(why, sizeof(why), "no job operation found: %s: %s", key,
                 ks_client_last_error(flow->o.client)->message);
        return ks__oee_flow_fatal(rc)
                   ? ks__oee_flow_fail(flow, rc)
                   : ks__oee_flow_outbox(flow, stats, "binding", key, why);
    }
    cJSON_ArrayForEach(row,
                       kx_json_arr(kx_json_obj(got, "returnObj"), "JobOper"))
    {
        if ((int)kx_json_num(row, "AssemblySeq", -1) == ev->assembly &&
            (int)kx_json_num(row, "OprSeq", -1) == ev->operation)
            *found = 1;
    }
    cJSON_Delete(got);
    if (*found)
        return KS_OK;
    snprintf(why, sizeof(why),
             "no job operation found: job %s has no assembly %d operation %d",
             ev->job, ev->assembly, ev->operation);
    return ks__oee_flow_outbox(flow, stats, "binding", key, why);
}

/* started / resumed: running from at_ms, the work centre bound to it
 * unless another operation runs there (ambiguous: reported, not
 * guessed). An operation not seen before is looked up in Epicor first,
 * unless known (the poll read it from Epicor). */
static ks_rc on_run(struct ks_oee_flow *flow, const struct ks_oee_event *ev,
                    struct ks__oee_op *op, const char *scope, int known,
                    struct ks_oee_flow_stats *stats)
{
    const struct ks_oee_op ref = {ev->job, ev->assembly, ev->operation,
                                  ev->op_code};
    char wc_key[KS_STORE_ID_MAX + 1], why[1000];
    struct ks__oee_op other;
    ks_rc rc;

    if (op->state == 'R' || op->state == 'C') {
        stats->skipped++; /* a duplicate, or late after completion */
        return KS_OK;
    }
    if (!op->state) {
        int found = 1;

        rc = known ? KS_OK : op_exists(&found, flow, ev, op->key, stats);
        if (rc || !found)
            return rc;
        snprintf(op->scope, sizeof(op->scope), "%s", scope);
        snprintf(op->wc, sizeof(op->wc), "%s", ev->work_center);
        op->since = ev->at_ms;
    }
    snprintf(wc_key, sizeof(wc_key), "%s/%s", op->scope, op->wc);
    rc = other_running(&other, flow, wc_key, op->key);
    if (rc)
        return ks__oee_flow_fail(flow, rc);
    if (other.state) {
        snprintf(why, sizeof(why),
                 "ambiguous work-centre binding: %s has %s running and %s "
                 "started; neither is guessed",
                 wc_key, other.key, op->key);
        stats->ambiguous++;
        return ks__oee_flow_outbox(flow, stats, "binding", op->key, why);
    }
    rc = ks_oee_bind(flow->o.oee, op->scope, op->wc, &ref, 0, NULL, ev->at_ms);
    if (rc)
        return ks__oee_flow_fatal(rc)
                   ? ks__oee_flow_fail(flow, rc)
                   : ks__oee_flow_outbox(
                         flow, stats, "binding", op->key,
                         ks_client_last_error(flow->o.client)->message);
    rc = ks_store_begin(flow->o.store);
    if (!rc && op->state == 'P')
        rc = ks__oee_op_close_segment(flow, op, ev->at_ms);
    op->state = 'R';
    op->reason[0] = '\0';
    if (!rc)
        rc = ks__oee_op_put(flow, op);
    if (!rc)
        rc = ks__oee_kv_put(flow, KS__OEE_MAP_ACTIVE, wc_key, op->key);
    rc = rc ? (ks_store_rollback(flow->o.store), rc)
            : ks_store_commit(flow->o.store);
    if (rc)
        return ks__oee_flow_fail(flow, rc);
    stats->bound++;
    return KS_OK;
}

/* paused / completed: the running segment closes at at_ms. */
static ks_rc on_stop(struct ks_oee_flow *flow, const struct ks_oee_event *ev,
                     struct ks__oee_op *op, int complete,
                     struct ks_oee_flow_stats *stats)
{
    const struct ks_oee_op ref = {ev->job, ev->assembly, ev->operation,
                                  ev->op_code};
    char wc_key[KS_STORE_ID_MAX + 1];
    ks_rc rc;

    if (!op->state || op->state == 'C' || (!complete && op->state == 'P')) {
        stats->skipped++;
        return KS_OK;
    }
    snprintf(wc_key, sizeof(wc_key), "%s/%s", op->scope, op->wc);
    rc = complete ? ks_oee_unbind(flow->o.oee, op->scope, op->wc)
                  : ks_oee_bind(flow->o.oee, op->scope, op->wc, &ref, 1,
                                ev->reason, ev->at_ms);
    if (rc && ks__oee_flow_fatal(rc))
        return ks__oee_flow_fail(flow, rc);
    rc = ks_store_begin(flow->o.store);
    if (!rc)
        rc = ks__oee_op_close_segment(flow, op, ev->at_ms);
    op->state = complete ? 'C' : 'P';
    snprintf(op->reason, sizeof(op->reason), "%s",
             !complete && ev->reason ? ev->reason : "");
    if (!rc)
        rc = ks__oee_op_put(flow, op);
    if (!rc && complete) {
        rc = ks_store_map_delete(flow->o.store, KS__OEE_MAP_ACTIVE, wc_key);
        rc = rc == KS_ENOTFOUND ? KS_OK : rc;
    }
    rc = rc ? (ks_store_rollback(flow->o.store), rc)
            : ks_store_commit(flow->o.store);
    if (rc)
        return ks__oee_flow_fail(flow, rc);
    if (complete)
        stats->completed++;
    else
        stats->paused++;
    return KS_OK;
}

static ks_rc on_job(struct ks_oee_flow *flow, const struct ks_oee_event *ev,
                    const char *scope, struct ks_oee_flow_stats *stats)
{
    cJSON *extra = cJSON_CreateObject();
    ks_rc rc = KS_ENOMEM;

    if (!extra ||
        (ev->plant && !cJSON_AddStringToObject(extra, "plant", ev->plant)))
        goto out;
    rc = ks_oee_acknowledge(
        flow->o.oee, scope, ev->job,
        strcmp(ev->type, "job.created") == 0 ? "created" : "released", extra);
    if (!rc)
        stats->acknowledged++;
    else if (!ks__oee_flow_fatal(rc))
        rc = ks__oee_flow_outbox(flow, stats, "acknowledgement", ev->job,
                                 ks_client_last_error(flow->o.client)->message);
    else
        rc = ks__oee_flow_fail(flow, rc);
out:
    cJSON_Delete(extra);
    return rc;
}

ks_rc ks_oee_flow_event(struct ks_oee_flow *flow, const struct ks_oee_event *ev,
                        struct ks_oee_flow_stats *stats)
{
    return ks__oee_flow_event(flow, ev, 0, stats);
}

ks_rc ks__oee_flow_event(struct ks_oee_flow *flow,
                         const struct ks_oee_event *ev, int known,
                         struct ks_oee_flow_stats *stats)
{
    struct ks__oee_op op;
    char key[KS_STORE_ID_MAX + 1], why[600];
    const char *scope = scope_of(flow, ev->plant);
    const char *t = ev->type ? ev->type : "";
    int job_event =
        strcmp(t, "job.created") == 0 || strcmp(t, "job.released") == 0;
    ks_rc rc;

    memset(&flow->err, 0, sizeof(flow->err));
    memset(&op, 0, sizeof(op));
    stats->events++;
    if (!id_ok(ev->job)) {
        snprintf(why, sizeof(why), "event %s: no usable JobNum", t);
        return ks__oee_flow_outbox(flow, stats, "event", "-", why);
    }
    if (strcmp(t, "job.closed") == 0)
        return ks__oee_flow_close_job(flow, ev, stats);
    ks__oee_op_key(key, ev->job, ev->assembly, ev->operation);
    if (!job_event &&
        (strncmp(t, "operation.", 10) != 0 || ev->operation <= 0)) {
        stats->skipped++;
        return KS_OK;
    }
    if (!job_event && (rc = ks__oee_op_get(&op, flow, key)) != KS_OK)
        return ks__oee_flow_fail(flow, rc);
    /* the scope and work centre of an operation seen before are its
     * record's: only a new one needs them from the event */
    if (!op.state && !scope) {
        snprintf(why, sizeof(why), "plant \"%s\" has no OEE scope",
                 ev->plant ? ev->plant : "");
        return ks__oee_flow_outbox(flow, stats, "event", ev->job, why);
    }
    if (job_event)
        return on_job(flow, ev, scope, stats);
    if (!op.state && !id_ok(ev->work_center)) {
        snprintf(why, sizeof(why),
                 "%s: no work centre (ResourceGrpID) on the operation", key);
        return ks__oee_flow_outbox(flow, stats, "binding", key, why);
    }
    if (strcmp(t, "operation.started") == 0 ||
        strcmp(t, "operation.resumed") == 0)
        return on_run(flow, ev, &op, scope, known, stats);
    if (strcmp(t, "operation.paused") == 0)
        return on_stop(flow, ev, &op, 0, stats);
    if (strcmp(t, "operation.completed") == 0)
        return on_stop(flow, ev, &op, 1, stats);
    stats->skipped++;
    return KS_OK;
}
