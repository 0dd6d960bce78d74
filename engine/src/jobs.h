/*
 * What a scenario step of kind "run" can call: named connector jobs.
 *
 * Each remote-system module contributes a table of jobs in
 * harness/src/jobs_<system>.c (`const struct kh_job kh_jobs_<system>[]`,
 * ended by an entry with a NULL name). A job reaches the running
 * emulators, the connector client and the scenario's configuration through
 * the kh_ctx accessors below.
 */
#ifndef KH_JOBS_H
#define KH_JOBS_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include <kinsync.h>
#include <kinmock/emulator.h>
#include <kx/json.h>

struct kh_ctx;

/*
 * Runs the job. options is the step's "options" object (may be NULL).
 * *result may receive JSON (deleted by the caller) that the step can check
 * with "expect_result". Returns the connector's code; on failure a
 * one-line reason goes into err.
 */
typedef ks_rc (*kh_job_fn)(struct kh_ctx *ctx, const cJSON *options,
                           cJSON **result, char *err, size_t errsz);

/*
 * options lists, separated by single spaces, every top-level key of the
 * step's "options" the job reads, including those its helpers read (such
 * as the one-off handle's page size): "since page_size", or "" for none.
 * The loader refuses any other key, so a misspelt option fails the
 * scenario instead of being ignored; a key missing here makes a valid
 * scenario fail to load. NULL counts as "".
 */
struct kh_job {
    const char *name; /* "epicor.read_parts", "sync.orders", ... */
    kh_job_fn run;
    const char *summary; /* one line for `kinsync check --list-jobs` */
    const char *options;
};

/* The running emulator of a system ("epicor", ...), or NULL. */
struct km_emulator *kh_ctx_emulator(struct kh_ctx *ctx, const char *system);

/* The connector client of the scenario (shared clock, captured log). */
struct ks_client *kh_ctx_client(struct kh_ctx *ctx);
struct ks_clock *kh_ctx_clock(struct kh_ctx *ctx);

/* given.connector.<system>: how the connector reaches the system
 * (credentials, company, ...); NULL when absent. Borrowed. */
const cJSON *kh_ctx_connector_config(struct kh_ctx *ctx, const char *system);

/*
 * A place for jobs to keep objects across the steps of one scenario (a
 * logged-in Epicor handle, the state store, ...). set takes ownership and
 * calls free_fn at the end of the scenario (or when replaced). A
 * "connector.restart" step (a crash and restart of the connector) frees
 * every slot except those whose key starts with KH_DURABLE_SLOT_PREFIX:
 * those stand for what survives a crash on disk (the state store).
 */
#define KH_DURABLE_SLOT_PREFIX "durable."

void *kh_ctx_slot(struct kh_ctx *ctx, const char *key);
void kh_ctx_set_slot(struct kh_ctx *ctx, const char *key, void *value,
                     void (*free_fn)(void *));

/*
 * The handle a job module keeps in slot key, made by make on first use;
 * or, when override is nonzero, a one-off handle made with it, which the
 * caller frees (*owned is set). NULL with *rc and err on failure.
 */
typedef ks_rc (*kh_handle_make_fn)(void **out, struct kh_ctx *ctx, int override,
                                   char *err, size_t errsz);
void *kh_job_handle(struct kh_ctx *ctx, const char *key, kh_handle_make_fn make,
                    void (*free_fn)(void *), int override, int *owned,
                    ks_rc *rc, char *err, size_t errsz);

/* A failed job's return: copies the client's last error into err and into
 * *result ({"error", "http_status", "remote_id"}; created when NULL). */
ks_rc kh_job_failed(struct kh_ctx *ctx, ks_rc rc, cJSON **result, char *err,
                    size_t errsz);

#endif
