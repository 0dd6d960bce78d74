/*
 * Internals of the OEE flows shared by connector/src/sync/oee_*.c
 * (ks__oee_flow_).
 *
 * The binding lives in the store, so a restart goes on measuring:
 *   map "oee.active": "SCOPE/WC" -> "JOB/ASM/OPR", the operation the work
 *                     centre measures now;
 *   map "oee.op":     "JOB/ASM/OPR" -> "SCOPE|WC|S|SINCE|NSEG|REASON",
 *                     S = R running, P paused, C completed, SINCE the
 *                     start of the open segment (ms), NSEG the closed
 *                     segments, REASON the open pause's;
 *   map "oee.seg":    "JOB/ASM/OPR#N" -> "S|FROM|TO|REASON".
 * Intents of kind "oee.summary" (source "JOB/ASM/OPR") make the
 * write-back (UD fields, and LaborDtl / PartTran when enabled) exactly
 * once.
 */
#ifndef KS_SYNC_OEE_INT_H
#define KS_SYNC_OEE_INT_H

#include "core/internal.h"
#include "kinsync/epicor.h"
#include "kinsync/oee.h"
#include "kinsync/store.h"

#define KS__OEE_FLOW "oee"
#define KS__OEE_MAP_ACTIVE "oee.active"
#define KS__OEE_MAP_OP "oee.op"
#define KS__OEE_MAP_SEG "oee.seg"
#define KS__OEE_INTENT "oee.summary"

struct ks_oee_flow {
    struct ks_oee_flow_options o;
    struct ks_error err;
};

/* The durable record of one operation. */
struct ks__oee_op {
    char key[KS_STORE_ID_MAX + 1]; /* "JOB/ASM/OPR" */
    char scope[64];
    char wc[64];
    char state; /* 'R', 'P', 'C'; 0: no record */
    int64_t since;
    int nseg;
    char reason[KS_OEE_REASON_MAX];
};

/* A record of the flow (key -> value) in an id map of the store, and its
 * value (ks_store_string_free it); KS_ENOTFOUND when none. */
ks_rc ks__oee_kv_put(struct ks_oee_flow *flow, const char *kind,
                     const char *key, const char *value);
ks_rc ks__oee_kv_get(char **value, struct ks_oee_flow *flow, const char *kind,
                     const char *key);

/* The operation's record (state 0 when none); key must not point into
 * op. */
ks_rc ks__oee_op_get(struct ks__oee_op *op, struct ks_oee_flow *flow,
                     const char *key);
ks_rc ks__oee_op_put(struct ks_oee_flow *flow, const struct ks__oee_op *op);
/* Closes the open segment at at_ms (stored as segment nseg). */
ks_rc ks__oee_op_close_segment(struct ks_oee_flow *flow, struct ks__oee_op *op,
                               int64_t at_ms);
/* "JOB/ASM/OPR" into out (KS_STORE_ID_MAX + 1). */
void ks__oee_op_key(char *out, const char *job, int assembly, int operation);

/* Records a failure of this event alone: outbox and audit; counts it. */
ks_rc ks__oee_flow_outbox(struct ks_oee_flow *flow,
                          struct ks_oee_flow_stats *stats, const char *kind,
                          const char *source_id, const char *reason);
/* A failure that stops the run (ks__sync_fatal), except a refusal (403):
 * a permission missing for one write is that record's failure, queued,
 * and the flow goes on with what it may do. */
int ks__oee_flow_fatal(ks_rc rc);
/* Sets flow->err from the client's last error; returns rc. */
ks_rc ks__oee_flow_fail(struct ks_oee_flow *flow, ks_rc rc);

/* ks_oee_flow_event; known: the event comes from what the flow read in
 * Epicor (the poll), so its operation is not looked up there. */
ks_rc ks__oee_flow_event(struct ks_oee_flow *flow,
                         const struct ks_oee_event *ev, int known,
                         struct ks_oee_flow_stats *stats);

/* job.closed (oee_close.c): every measured operation of the job summed,
 * posted and written back once. */
/* The same for the operations of job whose key is only (NULL: all),
 * from the job's GetByID reply (NULL: read here). */
ks_rc ks__oee_flow_close_ops(struct ks_oee_flow *flow, const char *job,
                             const cJSON *got, const char *only, int64_t at_ms,
                             struct ks_oee_flow_stats *stats);
/* JobEntry GetByID of job. */
ks_rc ks__oee_flow_job_get(cJSON **out, struct ks_oee_flow *flow,
                           const char *job);

/* The LaborDtl and PartTran of a closed operation when the options ask
 * for them (oee_report.c); pending: the summary intent was pending, so a
 * row already written (found by its mark) is not written again. */
ks_rc ks__oee_flow_report(struct ks_oee_flow *flow, const cJSON *head,
                          const struct ks_oee_op *op, const char *wc,
                          const struct ks_oee_summary *s, int pending,
                          struct ks_oee_flow_stats *stats);

/* Pattern 3 (oee_export.c): s of op queued for the DMT export and the
 * summary intent of key completed, in one store transaction. */
ks_rc ks__oee_flow_queue(struct ks_oee_flow *flow, const struct ks_oee_op *op,
                         const struct ks_oee_summary *s, const char *key);

ks_rc ks__oee_flow_close_job(struct ks_oee_flow *flow,
                             const struct ks_oee_event *ev,
                             struct ks_oee_flow_stats *stats);

#endif
