/*
 * The OEE client (`ks_oee`): the neutral OEE platform API of
 * mocks/src/oee/README.md (bearer token or API key, JSON), the summary
 * of one job operation (a pure function, formulas in
 * connector/src/oee/README.md), the production standard, and the Data
 * Management Tool export of summaries (CSV whose headers are Epicor field
 * names) with its parser.
 *
 * A handle borrows a ks_client (clock, log, retry policy, connection).
 * Failures: the HTTP layer's codes (EAUTH 401, EFORBIDDEN 403, ENOTFOUND
 * 404, EREMOTE 400/422, ERATELIMIT 429, EUNAVAIL 503 after the retries);
 * ks_client_last_error() then holds "oee: CODE: message" from the API's
 * {"error": {"code", "message"}}. Not thread-safe, like the client.
 */
#ifndef KINSYNC_OEE_H
#define KINSYNC_OEE_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "common.h"
#include "error.h"
#include "client.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ks_oee;

struct ks_oee_options {
    unsigned int version;
    const char *base_url; /* the API root, before /api/v1 */
    const char *api_key;  /* registered as a log secret */
    int api_key_header;   /* 0: Authorization: Bearer; 1: X-API-Key */
};

#define KS_OEE_OPTIONS_VERSION 1
#define KS_OEE_OPTIONS_INIT                                                    \
    {                                                                          \
        KS_OEE_OPTIONS_VERSION, NULL, NULL, 0                                  \
    }

/* EINVAL (with a message) when base_url or api_key is missing. */
KS_EXTERN ks_rc ks_oee_new(struct ks_oee **out, struct ks_client *client,
                           const struct ks_oee_options *opts);
KS_EXTERN void ks_oee_free(struct ks_oee *oee); /* NULL-safe */
/* Requests sent by the handle (each HTTP exchange, retries apart). */
KS_EXTERN long ks_oee_requests(const struct ks_oee *oee);

/* A job operation: Epicor's JobNum, AssemblySeq, OprSeq (and OpCode). */
struct ks_oee_op {
    const char *job;
    int assembly;
    int operation;
    const char *op_code; /* may be NULL */
};

/* POST acknowledgements {job, event, ...extra}: the OEE side learns of a
 * job (event "created", "released"); the same job and event again is
 * answered with the stored one, never a second acknowledgement. extra
 * (may be NULL) adds members (part, quantity, plant). */
KS_EXTERN ks_rc ks_oee_acknowledge(struct ks_oee *oee, const char *scope,
                                   const char *job, const char *event,
                                   const cJSON *extra);

/* PUT binding: work centre wc of scope measures op from since_ms,
 * running or paused (with reason). */
KS_EXTERN ks_rc ks_oee_bind(struct ks_oee *oee, const char *scope,
                            const char *wc, const struct ks_oee_op *op,
                            int paused, const char *reason, int64_t since_ms);
/* DELETE binding. */
KS_EXTERN ks_rc ks_oee_unbind(struct ks_oee *oee, const char *scope,
                              const char *wc);

/* GET timeline over (from_ms, to_ms]: {running_ms, stopped_ms, stops
 * [{reason, ms, count}], good, scrap, scrap_by_reason, states}. */
KS_EXTERN ks_rc ks_oee_timeline(cJSON **out, struct ks_oee *oee,
                                const char *scope, const char *wc,
                                int64_t from_ms, int64_t to_ms);

/* PUT reason-codes {"codes": codes} ([{code, type, description}]). */
KS_EXTERN ks_rc ks_oee_reason_codes_put(struct ks_oee *oee, const char *scope,
                                        const cJSON *codes);

/* GET summaries?job=: the stored summaries of a job ("summaries" array). */
KS_EXTERN ks_rc ks_oee_summaries_get(cJSON **out, struct ks_oee *oee,
                                     const char *scope, const char *job);

/* ---- the summary (pure) ------------------------------------------------ */

#define KS_OEE_REASON_MAX 48
#define KS_OEE_TOP_LOSSES 3

/* Time lost to one cause, in ms. */
struct ks_oee_loss {
    char reason[KS_OEE_REASON_MAX];
    int64_t ms;
};

/*
 * What a summary is computed from: the operation's planned time (every
 * bound segment, running or paused, from the first start to closure),
 * its downtime by reason (machine stops while bound and running, and
 * operation pauses under their pause reason), the units counted while
 * bound and running, and the ideal cycle time from the production
 * standard (ks_oee_ideal_cycle_ms).
 */
struct ks_oee_input {
    int64_t planned_ms;
    const struct ks_oee_loss *downtime;
    size_t ndowntime;
    int64_t good;
    int64_t scrap;
    double ideal_cycle_ms; /* > 0 */
};

struct ks_oee_summary {
    int64_t planned_ms, downtime_ms, run_ms;
    int64_t good, scrap, total;
    double availability, performance, quality, oee; /* 0..1 */
    int performance_capped; /* the count beat the standard: P held at 1 */
    struct ks_oee_loss top[KS_OEE_TOP_LOSSES]; /* largest first */
    size_t ntop;
};

/*
 * The summary (formulas in connector/src/oee/README.md). EINVAL for a
 * negative time or count, downtime over the planned time, or an ideal
 * cycle time that is not positive.
 */
KS_EXTERN ks_rc ks_oee_summary_compute(struct ks_oee_summary *out,
                                       const struct ks_oee_input *in);

/* The ideal time per piece of Epicor's JobOper.ProdStandard in
 * StdFormat: "PH" pieces/hour, "PM" pieces/minute, "HP" hours/piece, "MP"
 * minutes/piece. EINVAL for another format or a standard not above 0. */
KS_EXTERN ks_rc ks_oee_ideal_cycle_ms(double *out, double prod_standard,
                                      const char *std_format);

/*
 * The sums of one operation across its bound segments, so that started
 * -> paused -> started measures on: each running segment adds the
 * timeline the OEE side answered for it (its window to the planned time,
 * its stops to the downtime by reason, its units), each pause its length
 * to the planned time and to the downtime under the pause's reason.
 */
#define KS_OEE_ACC_REASONS 32
struct ks_oee_acc {
    int64_t planned_ms, good, scrap;
    struct ks_oee_loss down[KS_OEE_ACC_REASONS];
    size_t ndown; /* past KS_OEE_ACC_REASONS reasons: under "OTHER" */
};
/* EPARSE when timeline lacks window_ms, good or scrap. */
KS_EXTERN ks_rc ks_oee_acc_timeline(struct ks_oee_acc *acc,
                                    const cJSON *timeline);
KS_EXTERN void ks_oee_acc_pause(struct ks_oee_acc *acc, const char *reason,
                                int64_t ms);
/* The input of ks_oee_summary_compute (borrows acc's losses). */
KS_EXTERN void ks_oee_acc_input(struct ks_oee_input *in,
                                const struct ks_oee_acc *acc,
                                double ideal_cycle_ms);

/* POST summaries: s of op on wc, as {job, assembly, operation,
 * work_center, planned_ms, run_ms, good, scrap, availability, ...,
 * top_losses}. Idempotent on the OEE side by (scope, job, asm, opr). */
KS_EXTERN ks_rc ks_oee_summary_post(struct ks_oee *oee, const char *scope,
                                    const char *wc, const struct ks_oee_op *op,
                                    const struct ks_oee_summary *s);

/* The summary as JSON (the body ks_oee_summary_post sends). */
KS_EXTERN ks_rc ks_oee_summary_json(cJSON **out, const char *wc,
                                    const struct ks_oee_op *op,
                                    const struct ks_oee_summary *s);

/* ---- the Data Management Tool export --------------------------------------
 */

/* One row of the export: an operation and its summary. */
struct ks_oee_dmt_row {
    struct ks_oee_op op;
    const char *company;
    struct ks_oee_summary summary;
};

/* Names of the UD fields the OEE figures go to (JobOper UD columns);
 * NULL members take the defaults "OEE_Availability_c", ... */
struct ks_oee_ud_fields {
    const char *availability, *performance, *quality, *oee, *good, *scrap,
        *top_loss;
};

/*
 * The CSV a DMT "Job Operation" import reads: header Company, JobNum,
 * AssemblySeq, OprSeq, then the UD fields; ratios as percentages with two
 * decimals, quantities as integers, the top loss as its reason code.
 * RFC 4180 quoting. *out is the caller's (ks_oee_string_free).
 */
KS_EXTERN ks_rc ks_oee_dmt_export(char **out, const struct ks_oee_dmt_row *rows,
                                  size_t nrows,
                                  const struct ks_oee_ud_fields *fields);
/*
 * Parses such a CSV back into an array of objects keyed by the header's
 * field names (values as strings). EPARSE with the line and field in why
 * when it is not well-formed CSV or a row's field count differs.
 */
KS_EXTERN ks_rc ks_oee_dmt_parse(cJSON **out, const char *csv, char *why,
                                 size_t whysz);
KS_EXTERN void ks_oee_string_free(char *s);

/* ---- the flows (connector/src/sync/oee_*.c, built into ks_sync) -------- */

struct ks_epicor; /* kinsync/epicor.h */
struct ks_store;  /* kinsync/store.h */
struct ks_oee_flow;

/* An Epicor plant and the OEE scope its work centres report to. */
struct ks_oee_plant {
    const char *plant;
    const char *scope;
};

struct ks_oee_flow_options {
    unsigned int version;
    struct ks_client *client; /* the one the handles below share */
    struct ks_store *store;
    struct ks_epicor *epi;
    struct ks_oee *oee;
    const struct ks_oee_plant *plants; /* NULL: every plant -> default */
    size_t nplants;
    const char *default_scope; /* a plant not listed; NULL: refused */
    struct ks_oee_ud_fields ud;
    /* Off by default: labour and production reporting stay in Epicor.
     * part_tran: at closure the good quantity as one PartTran (PartTranSvc
     * must be allowed to write); labor: the operation's planned time and
     * counts as one production LaborDtl of labor_employee (required then).
     * Each exactly once, inside the summary's intent. */
    int part_tran;
    int labor;
    const char *labor_employee;
    /* Pattern 3: nothing is written into Epicor; each closed operation's
     * summary is queued (with its intent, so once) for
     * ks_oee_flow_export, whose file names company in its Company
     * column. */
    int file_export;
    const char *company;
};

#define KS_OEE_FLOW_OPTIONS_VERSION 1

/* What a flow call did. */
struct ks_oee_flow_stats {
    int64_t events;       /* events handled */
    int64_t acknowledged; /* jobs acknowledged to the OEE side */
    int64_t bound;        /* work centres bound (start or resume) */
    int64_t paused;
    int64_t completed;
    int64_t summaries;         /* summaries computed and posted */
    int64_t written_back;      /* JobOper rows updated in Epicor */
    int64_t ambiguous;         /* two active operations on one work centre */
    int64_t failed;            /* sent to the outbox */
    int64_t skipped;           /* duplicates, late or unknown events */
    int64_t labor_written;     /* LaborDtl rows added (write-back labor) */
    int64_t part_tran_written; /* PartTran rows added (write-back part_tran) */
    int64_t queued; /* summaries queued for the DMT export (file_export) */
};

/* A job transition, as the event functions report it (or as the poll
 * derives it): type "job.created", "job.released", "operation.started",
 * "operation.paused", "operation.resumed", "operation.completed",
 * "job.closed". Strings borrowed. */
struct ks_oee_event {
    const char *type;
    const char *plant;
    const char *job;
    int assembly;
    int operation;
    const char *op_code;
    const char *work_center; /* JobOper's resource group */
    const char *reason;      /* a pause's reason code, or NULL */
    int64_t at_ms;
};

/*
 * Reads an event function's payload (mocks/src/epicor/README.md, "Event
 * functions"): event, plant, job, assembly, operation, op_code,
 * resource_group, time (ISO 8601). Strings borrowed from payload.
 * EPARSE with the JSON pointer in why when a member is missing or of the
 * wrong type.
 */
KS_EXTERN ks_rc ks_oee_event_parse(struct ks_oee_event *ev,
                                   const cJSON *payload, char *why,
                                   size_t whysz);

/* Borrows everything in opts. EINVAL without client, store, epi or oee,
 * or with labor but no labor_employee. */
KS_EXTERN ks_rc ks_oee_flow_new(struct ks_oee_flow **out,
                                const struct ks_oee_flow_options *opts);
KS_EXTERN void ks_oee_flow_free(struct ks_oee_flow *flow); /* NULL-safe */
/* Why the last failed call failed; borrowed. */
KS_EXTERN const struct ks_error *
ks_oee_flow_last_error(const struct ks_oee_flow *flow);

/*
 * Pattern 1: one event. The binding (work centre -> active operation) is
 * kept in the store: started binds, paused closes the running segment and
 * opens a paused one with its reason, resumed (or started again) goes on
 * measuring the same operation, completed closes it; a start on a work
 * centre whose bound operation runs is ambiguous: reported (outbox,
 * stats.ambiguous), nothing bound. job.closed computes each measured
 * operation's summary, posts it to the OEE side and writes it into the
 * JobOper's UD fields (JobEntry GetByID, Update with the SysRevID read),
 * then, when enabled, its LaborDtl and PartTran (options labor,
 * part_tran), all exactly once through the store's intents. A failure of this
 * event alone goes to the outbox with its reason; run-stopping ones (transport,
 * auth, store) are returned.
 */
KS_EXTERN ks_rc ks_oee_flow_event(struct ks_oee_flow *flow,
                                  const struct ks_oee_event *ev,
                                  struct ks_oee_flow_stats *stats);

/* Pattern 2: the polling fallback. */
struct ks_oee_poll_options {
    unsigned int version;
    int64_t interval_ms;         /* a poll sooner than this after the last is
                                  * skipped; 0: 300000 (5 min); -1: never */
    int max_requests;            /* Epicor requests one poll may make; 0: 20 */
    int breaker_failures;        /* failed polls in a row that open the
                                  * breaker; 0: 3 */
    int64_t breaker_cooldown_ms; /* open this long, then one half-open
                                  * try; 0: 900000 (15 min) */
};
#define KS_OEE_POLL_OPTIONS_VERSION 1

/* What one poll did, besides the flow stats. */
struct ks_oee_poll_report {
    int ran;             /* 0: skipped (interval, or the breaker open) */
    int epicor_requests; /* Epicor requests made */
    int active;          /* operations in process or in setup read */
    int deferred;        /* the budget ran out: more left for next poll */
    int denied;          /* reads refused (403) and gone without */
    char breaker[12];    /* "closed", "open", "half-open" after the poll */
};

/*
 * One poll: reads ONLY the active labour (LaborSvc LaborDtls filtered
 * server-side on ActiveTrans eq true: the operations in process or in
 * setup), the plants of work centres not seen before (ResourceGroups by
 * id, kept in the store), and the job of each operation that stopped
 * since the last poll; never the job table. The differences with the
 * stored bindings become the flow's events (started, resumed, paused,
 * completed; a completed operation is summed and written back at once,
 * since a poll never sees a job close). Within max_requests; past it the
 * rest waits for the next poll (report->deferred). A poll that fails as
 * a whole (transport, 5xx, 429, 401, LaborSvc refused) counts toward the
 * breaker; open, polls are skipped without a request until the cooldown
 * ends, then one half-open poll closes it on success or opens it again.
 * The breaker and the last poll's time are kept in the store.
 */
KS_EXTERN ks_rc ks_oee_flow_poll(struct ks_oee_flow *flow,
                                 const struct ks_oee_poll_options *opts,
                                 struct ks_oee_flow_stats *stats,
                                 struct ks_oee_poll_report *report);

/*
 * The reason-code dictionary: Epicor's scrap reasons (ReasonSvc Reasons,
 * ReasonType 'S') and downtime codes (IndirectSvc Indirects, DownTime
 * true) uploaded as scope's dictionary ([{code, type "scrap" |
 * "downtime", description}]), when it changed since the last upload
 * (stats->skipped otherwise); stats->events counts the codes read.
 */
KS_EXTERN ks_rc ks_oee_flow_sync_reasons(struct ks_oee_flow *flow,
                                         const char *scope,
                                         struct ks_oee_flow_stats *stats);

/* What one export did. */
struct ks_oee_export_report {
    int written;   /* a file was written */
    int64_t rows;  /* job operations in it */
    char file[96]; /* its name in the directory */
};

/*
 * Pattern 3: the summaries queued since the last export (option
 * file_export) as one Data Management Tool CSV (ks_oee_dmt_export) in
 * directory, named oee-dmt-YYYY-MM-DD-NNNNNNNNNNNN.csv (the date of the
 * flow clock, the number of the last row), written to a temporary file,
 * synced and renamed (mode 0600). The cursor moves only after the rename;
 * an export a crash interrupted is finished first, into the same name,
 * with the same rows: no file lost, none duplicated. Nothing queued: no
 * file (report->written 0). KS_ERROR (with the path) when the file cannot
 * be written.
 */
KS_EXTERN ks_rc ks_oee_flow_export(struct ks_oee_flow *flow,
                                   const char *directory,
                                   struct ks_oee_export_report *report);

/* After a restart: every operation whose summary intent is pending (a
 * crash between computing and writing back) is closed again; a row that
 * already holds the summary is not written twice. */
KS_EXTERN ks_rc ks_oee_flow_recover(struct ks_oee_flow *flow,
                                    struct ks_oee_flow_stats *stats);

#ifdef __cplusplus
}
#endif

#endif
