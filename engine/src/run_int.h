/*
 * Internals of the scenario runner shared by ctx.c, steps.c, expect.c and
 * run.c (prefix kh__). The runner is a test tool: it aborts on
 * out-of-memory rather than unwinding, as the emulators do.
 */
#ifndef KH_RUN_INT_H
#define KH_RUN_INT_H

#include <stdarg.h>
#include <stdint.h>
#include <sys/types.h>
#include "engine.h"
#include "jobs.h"

/* Growable text; kh__text_* abort on out-of-memory. */
struct kh_text {
    char *s; /* NUL-terminated once anything was appended; may be NULL */
    size_t len;
    size_t cap;
};

void kh__text_append(struct kh_text *t, const char *s, size_t n);
void kh__text_printf(struct kh_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
const char *kh__text_str(const struct kh_text *t); /* "" when empty */
char *kh__text_take(struct kh_text *t);            /* caller frees */
void kh__text_dispose(struct kh_text *t);

#define KH_MAX_SYSTEMS 8

struct kh_system {
    const char *name; /* borrowed from the scenario document */
    struct km_emulator *emu;
    /* kh__journal's copy, and the journal's count and dropped count when
     * it was taken. */
    cJSON *journal;
    size_t journal_count;
    uint64_t journal_dropped;
};

struct kh_slot {
    char *key;
    void *value;
    void (*free_fn)(void *);
    struct kh_slot *next;
};

/* A rule and whether it held so far (see kh__check). */
struct kh_rule {
    char *rule;
    int failed;
};

struct kh_ctx {
    const struct kh_scenario *sc;
    const cJSON *given; /* sc's, or given_own */
    cJSON *given_own;   /* given with derived values (verify mode), or NULL */
    struct ks_clock *clock;
    int64_t start_ms;
    struct ks_client *client;
    struct kh_system systems[KH_MAX_SYSTEMS];
    size_t nsystems;
    struct kh_slot *slots;
    struct kh_text log;     /* everything the connector logged */
    struct kh_text details; /* explanations of failed checks */
    size_t checks;
    size_t failures;
    int verbose;
    struct kh_credentials *credentials; /* credentials.c */
    const char *drop_header;            /* see kh_run_options */
    char *const *integration;           /* see kh_run_options */
    int64_t step_timeout_ms;            /* see kh_run_options */
    int keep_work;                      /* see kh_run_options */
    char *work_dir; /* the scenario's scratch directory, or NULL */
    /* "tls": true: the emulators' certificate and its CA file in
     * work_dir (trusted by the connector, http.request steps and, through
     * the environment, commands); both NULL otherwise. */
    struct km_tls *tls;
    char *ca_file;
    size_t steps_spawned; /* commands run so far (names their TMPDIRs) */
    struct kh_text out;   /* what integration and exec steps printed */
    struct kh_text err;
    struct kh_rule *rules; /* see kh__check */
    size_t nrules;
    struct kh_background *background; /* integration.start .. stop, or NULL */
};

/* ctx.c */
int kh__ctx_open(struct kh_ctx *ctx, const struct kh_scenario *sc,
                 const struct kh_run_options *opts, char *err, size_t errsz);
/* Frees everything but the log and details texts, which the caller takes
 * or disposes. */
void kh__ctx_close(struct kh_ctx *ctx);
/* Frees what kh__ctx_close leaves for the credential check (given with
 * its derived values) and for the result (rules, outputs). */
void kh__ctx_release(struct kh_ctx *ctx);
/* Drops the connector's client and every slot not marked durable (see
 * jobs.h), then builds a fresh client: what a restart after a crash keeps. */
int kh__ctx_restart_connector(struct kh_ctx *ctx, char *err, size_t errsz);
/* Records the outcome of one check; on failure appends the explanation
 * (printf-style) to ctx->details. The text before the explanation's first
 * ": " names the rule the check belongs to (a JSON pointer such as
 * "/then/requests/0", or a rule's name), so it must be the same whether
 * the check passes or not. Returns ok. */
int kh__check(struct kh_ctx *ctx, int ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* credentials.c: the credentials configured in given (the connector's
 * and the emulators'), found by the names of the members holding them;
 * open also watches every emulator's URLs (call it once the emulators
 * run), close frees (after the emulators stopped; NULL-safe). */
void kh__credentials_open(struct kh_ctx *ctx);
void kh__credentials_close(struct kh_ctx *ctx);
/* The credentials' values (*out, borrowed); returns how many. */
size_t kh__ctx_secrets(const struct kh_ctx *ctx, const char *const **out);
/* The check of every scenario: no credential in the connector log or a
 * request URL, but where then.credentials_may_appear allows it. */
void kh__expect_no_credentials(struct kh_ctx *ctx, const cJSON *then);
/* The check of a command's raw output (stream "stdout" or "stderr" of
 * the step at where) before anything masks it: each configured credential
 * in it is a failure naming the rule. Returns how many were found. */
int kh__credentials_check_output(struct kh_ctx *ctx, const char *where,
                                 const char *stream, const char *data,
                                 size_t len);
/* Resolves "$secret:system.key" to given.connector.system.key; other
 * strings come back unchanged. NULL when the reference does not resolve. */
const char *kh__ctx_resolve(const struct kh_ctx *ctx, const char *s);

/* The scenario's scratch directory (KINSYNC_STATE_DIR lives in it),
 * created at the first call; NULL (with a reason in err) when it cannot
 * be. Removed by kh__ctx_close unless ctx->keep_work. */
const char *kh__ctx_work_dir(struct kh_ctx *ctx, char *err, size_t errsz);

/* One variable of an integration step's environment: its name (a
 * pattern for the families, "KINSYNC_URL_<SYSTEM>"), its meaning. The
 * table behind kinsync verify --print-env and --help; NULL-ended. */
struct kh_env_doc {
    const char *name;
    const char *meaning;
};
extern const struct kh_env_doc kh__env_docs[];

/* The environment an integration step of this scenario gets, beyond the
 * caller's: "NAME=value" strings, NULL-ended, each freed by the caller as
 * is the array. tmpdir is the step's TMPDIR; a nonzero receiver_port adds
 * KINSYNC_RECEIVER_PORT and _URL (integration.start). */
char **kh__integration_env(struct kh_ctx *ctx, const cJSON *step,
                           const char *tmpdir, uint16_t receiver_port);

/* steps.c: runs one step; 0 when it did what it expected. The step's
 * pointer (e.g. "/when/3") prefixes every explanation. */
int kh__step_run(struct kh_ctx *ctx, const cJSON *step, const char *where);

/* steps.c: a "run" step (the reference connector's job). */
int kh__step_job(struct kh_ctx *ctx, const cJSON *step, const char *where);
/* steps_command.c: the "exec" and "integration" steps. */
int kh__step_exec(struct kh_ctx *ctx, const cJSON *step, const char *where);
int kh__step_integration(struct kh_ctx *ctx, const cJSON *step,
                         const char *where);

/* steps_command.c: what the command steps share with
 * steps_background.c. Where one command step runs: its directory under
 * the scenario's scratch directory, with tmp/ (its TMPDIR) and its output
 * files; 0, or -1 after recording the failure. */
struct kh_step_dirs {
    char dir[1024];
    char tmp[1100];
};
int kh__step_dirs_make(struct kh_step_dirs *d, struct kh_ctx *ctx,
                       const char *where);
/* The step's timeout_ms, else --step-timeout (real milliseconds). */
int64_t kh__step_timeout(const struct kh_ctx *ctx, const cJSON *step);
/* Starts argv in its own process group in d with our environment plus
 * added (freed here), noting each journal's length in before[]; the pid,
 * or -1 with the reason in why. */
pid_t kh__command_spawn(struct kh_ctx *ctx, char *const *argv, char **added,
                        const struct kh_step_dirs *d, size_t *before, char *why,
                        size_t whysz);
/* Waits up to timeout ms for pid; 1 (with *status) when it ended. */
int kh__command_wait(pid_t pid, int64_t timeout, int *status);
/* After a command ended: its stdout and stderr checked for credentials
 * and kept masked under a heading saying why it ended, shown when !ok;
 * an integration's failure lists the error answers it got since before[].
 * Returns 0 when ok, else -1. */
int kh__command_collect(struct kh_ctx *ctx, int ok, const char *why,
                        const struct kh_step_dirs *d, const char *where,
                        int64_t t0, const size_t *before, int integration);

/* steps_background.c: "integration.start" and "integration.stop". */
int kh__step_integration_start(struct kh_ctx *ctx, const cJSON *step,
                               const char *where);
int kh__step_integration_stop(struct kh_ctx *ctx, const cJSON *step,
                              const char *where);
/* At the scenario's end: stops an integration still running as
 * integration.stop would (its output collected, its exit checked). */
void kh__background_end(struct kh_ctx *ctx);
/* Teardown: kills what is still running, unchecked (NULL-safe). */
void kh__background_kill(struct kh_ctx *ctx);
/* A free loopback port, bound and released, chosen at random below the
 * kernel's ephemeral range so that no port-0 server or outgoing connection
 * can take it before the integration binds it (another explicit choice
 * still could); 0 when none could be had. */
uint16_t kh__free_port(void);
/* "http://127.0.0.1:PORT", the address KINSYNC_RECEIVER_URL announces. */
void kh__receiver_url(char *out, size_t outsz, uint16_t port);

/* expect.c */
void kh__expect_then(struct kh_ctx *ctx, const cJSON *then);

/*
 * Pointer maps: the one way a scenario asserts values inside a JSON
 * document (a job's result, an emulator's state). Each member maps an
 * RFC 6901 pointer to what must be there: a JSON value (equal to it), or
 * a matcher, an object of one "$" member: {"$count": n} (an array or
 * object of n entries) or {"$absent": true} (nothing at all).
 */
enum kh_match {
    KH_MATCH_EQUALS,
    KH_MATCH_COUNT,
    KH_MATCH_ABSENT,
    KH_MATCH_INVALID /* a "$" object that is no matcher (the loader refuses) */
};
enum kh_match kh__match_kind(const cJSON *expected);
/* Checks every entry of the map expected against doc; what names doc in
 * explanations ("result", "epicor state"), where is the map's pointer in
 * the scenario. With quiet set, records nothing (used by "wait").
 * Returns 1 when all hold. */
int kh__expect_pointers(struct kh_ctx *ctx, const cJSON *expected,
                        const cJSON *doc, const char *what, const char *where,
                        int quiet);
/* {"<system>": {pointer map}} against each emulator's state snapshot
 * (then.state, wait.until). Returns 1 when all hold. */
int kh__expect_states(struct kh_ctx *ctx, const cJSON *by_system,
                      const char *where, int quiet);
/* Prints journal lines of system (those matching route when given) into
 * t, at most max of them, the newest last. */
void kh__journal_excerpt(struct kh_text *t, struct kh_ctx *ctx,
                         const char *system, const char *route, size_t max);
/* 1 when a journal entry's "METHOD path" matches a route glob. */
int kh__route_matches(const char *route, const cJSON *entry);

/* After an integration step failed: the 4xx and 5xx answers it got (the
 * journal entries after before[i] of each system) and, for each, the
 * rules of "then" it relates to, into ctx->details. */
void kh__explain_answers(struct kh_ctx *ctx, const size_t *before);

/* jobs.c */
const struct kh_job *kh__job_find(const char *name);
/* The job tables in order, for listings. */
extern const struct kh_job *const kh__job_tables[];

/* Parses an RFC 3339 UTC time ("2026-01-05T08:00:00Z", optional
 * fraction) into milliseconds since the epoch. Returns 0 or -1. */
int kh__parse_time(int64_t *out_ms, const char *s);

/* The emulator of a configured system, or NULL. */
struct km_emulator *kh__system(struct kh_ctx *ctx, const char *name);
/* The journal of emu (one of ctx's systems) as km_server_journal gives
 * it, borrowed: copied once and again only after requests were journaled
 * or dropped, so the checks of a "then" share one copy (a scenario never
 * clears a journal). Valid until the next call for emu. */
const cJSON *kh__journal(struct kh_ctx *ctx, struct km_emulator *emu);

#endif
