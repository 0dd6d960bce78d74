/*
 * The shop floor of the Epicor emulator (README.md, "Shop floor"): jobs
 * and their operations moving through release, labour and closure, the
 * event functions those transitions fire, UD columns, and per-user
 * method permissions. Internal to jobs.c, job_events.c, job_acts.c and
 * permissions.c; the rest of the emulator sees the few functions
 * epicor_emu.h declares.
 */
#ifndef KM_EPICOR_SHOPFLOOR_H
#define KM_EPICOR_SHOPFLOOR_H

#include <stdint.h>
#include "epicor_emu.h"

/* What was last seen of a job or of one of its operations: transitions
 * are told apart by comparing the state after a write with this. */
struct km__epicor_seen {
    char *key;    /* company \x01 job [\x01 assembly \x01 operation] */
    int released; /* jobs */
    int closed;
    int complete; /* operations */
    int ever;     /* an operation that had labour before */
    int active;   /* active labour transactions on it */
};

struct km__epicor_jobs {
    cJSON *ud;          /* {"JobOper": {"Name_c": default}} */
    cJSON *functions;   /* event functions (config or act) */
    cJSON *events;      /* every event call, for the snapshot */
    cJSON *permissions; /* [{user|api_key, services{}}] */
    cJSON *denied;      /* denied calls, for the snapshot */
    int denied_status;
    int part_tran_writes;
    int64_t sequence; /* events fired so far */
    int open_calls;   /* event calls in progress (0 between calls) */
    int seeded;
    struct km__epicor_seen *seen; /* open addressing, key NULL = empty */
    size_t nseen, cap;
    struct km__epicor_gen_jobs *gen; /* generate_jobs, or NULL */
};

/* Who caused an operation transition, for the payload (may be blank). */
struct km__epicor_cause {
    const char *employee;
    const char *labor_type; /* "P" production, "S" setup, or "" */
};

/* The shop-floor state of emu, created on first use. */
struct km__epicor_jobs *km__epicor_jobs_of(struct km__epicor *emu);

/* jobs.c: compares the state of job job_num of co with what was last
 * seen and fires the events of the differences (creation, release,
 * operations started / paused / resumed / completed, closure), then
 * remembers the new state. cause may be NULL. */
void km__epicor_job_check(struct km__epicor *emu, struct km__epicor_company *co,
                          const char *job_num,
                          const struct km__epicor_cause *cause);
/* Remembers the state of every job of every company without firing:
 * what the configuration loaded is the starting point. Idempotent. */
void km__epicor_jobs_seed(struct km__epicor *emu);
/* A stored row of tid by its key values after Company (strings and
 * numbers), or NULL. */
struct km__epicor_row *km__epicor_job_row(struct km__epicor *emu,
                                          struct km__epicor_company *co,
                                          int tid, const char *job_num,
                                          int assembly, int opr);

/* job_generate.c: 1 when r is a generated JobHead or JobOper row, with
 * *closed telling whether its job was generated closed (the state the
 * generator gave it: released, not worked on); 0 otherwise. */
int km__epicor_gen_job_closed(const struct km__epicor_table *t,
                              const struct km__epicor_row *r, int *closed);
void km__epicor_gen_jobs_free(struct km__epicor_gen_jobs *g);

/* job_acts.c: merges fields (taken) into a stored row and marks it
 * written; adds one row (taken) to tid through the fixture path (numbers
 * and defaults assigned), returning it, or NULL with err. */
void km__epicor_sf_merge(struct km__epicor *emu, struct km__epicor_table *t,
                         struct km__epicor_row *r, cJSON *fields);
struct km__epicor_row *km__epicor_sf_add(struct km__epicor *emu,
                                         struct km__epicor_company *co, int tid,
                                         cJSON *row, char *err, size_t errsz);
/* job_labor.c: sets row[time] to the server clock's decimal hours of the
 * day, row[date] (when not NULL) to its day, row[minute] (when not
 * NULL) to its minutes since the epoch. */
void km__epicor_sf_clock(struct km__epicor *emu, cJSON *row, const char *date,
                         const char *time, const char *minute);
/* The operators' actions (README.md, act()): 0 done, or -1 with err. */
int km__epicor_act_clock_in(struct km__epicor *emu,
                            struct km__epicor_company *co, const cJSON *args,
                            cJSON **result, char *err, size_t errsz);
int km__epicor_act_clock_out(struct km__epicor *emu,
                             struct km__epicor_company *co, const cJSON *args,
                             cJSON **result, char *err, size_t errsz);
int km__epicor_act_report_quantity(struct km__epicor *emu,
                                   struct km__epicor_company *co,
                                   const cJSON *args, cJSON **result, char *err,
                                   size_t errsz);
int km__epicor_act_complete_operation(struct km__epicor *emu,
                                      struct km__epicor_company *co,
                                      const cJSON *args, cJSON **result,
                                      char *err, size_t errsz);

/* job_events.c: POSTs event (e.g. "operation.started") to every event
 * function that takes it, synchronously, once, and records each call.
 * job is the JobHead row; op the JobOper row or NULL for job events. */
void km__epicor_event_fire(struct km__epicor *emu,
                           struct km__epicor_company *co, const char *event,
                           const cJSON *job, const cJSON *op,
                           const struct km__epicor_cause *cause);
/* Validates a list of event functions: 0, or -1 with the reason (and the
 * index) in err. */
int km__epicor_event_functions_check(const cJSON *list, char *err,
                                     size_t errsz);

#endif
