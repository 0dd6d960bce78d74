/*
 * `kinsync scenario from-har`: a scenario inferred from a recording
 * (kinsync record, serve --record, check --har). from_har.c reads the
 * recording into exchanges and infers the steps and the "then";
 * from_har_state.c infers each emulator's initial state from what the
 * responses revealed; from_har_cli.c writes the scenario and its fixtures
 * and runs it. kh__fh_ prefix: internals of these files, plus the two
 * entry points kh_from_har_given (kinsync diff --seed-from-har) and
 * kh_cli_scenario.
 */
#ifndef KH_FROM_HAR_H
#define KH_FROM_HAR_H

#include <stddef.h>
#include <cjson/cJSON.h>

/* Aborts with "out of memory" unless ok (x: a pointer or a cJSON success):
 * the program aborts on allocation failure, as the emulators do. */
void kh__fh_must(int ok);
#define KH__FH_MUST(x) kh__fh_must((x) != 0)

/* The HAR document at path, or NULL with one line in err (cannot be read,
 * not valid JSON). Caller deletes. */
cJSON *kh__fh_parse_file(const char *path, char *err, size_t errsz);

/* One recorded request and its answer, as the inference reads it. */
struct kh__fh_exchange {
    const char *system; /* _kinsync.system; borrowed from the HAR */
    const char *method; /* borrowed */
    char *path;         /* without the query, percent-decoded; owned */
    char *query;        /* raw, "" when none; owned */
    char *route;        /* "METHOD template", or NULL; owned */
    int status;
    double ms;       /* when: _kinsync.virtual_ms, else startedDateTime; -1 */
    cJSON *req_body; /* the request body as JSON, or NULL; owned */
    cJSON *res_body; /* the response body as JSON, or NULL; owned */
};

/* A recording read for inference. */
struct kh__fh_recording {
    struct kh__fh_exchange *x;
    size_t n;
    const char *first_time;  /* the first entry's startedDateTime */
    double first_virtual_ms; /* its _kinsync.virtual_ms, else -1 */
};

/* Reads har's entries (har must outlive rec). 0, or -1 with one line in
 * err naming the entry by its JSON pointer. Aborts on out-of-memory. */
int kh__fh_read(struct kh__fh_recording *rec, const cJSON *har, char *err,
                size_t errsz);
void kh__fh_dispose(struct kh__fh_recording *rec);

/* 1 when the recording has requests of system. */
int kh__fh_has(const struct kh__fh_recording *rec, const char *system);

/* The i-th '/'-separated segment of path (0 is the first after the
 * leading '/'), into out; "" when there is none. */
void kh__fh_segment(char *out, size_t outsz, const char *path, int i);

/* 1 when the exchange was answered 2xx. */
int kh__fh_ok(const struct kh__fh_exchange *x);

/*
 * The emulators' initial state the responses revealed, as given sections
 * with the tables inline: {"epicor": {"companies": {...}}, "bigcommerce":
 * {"products", "customers", "orders"}, "woocommerce": {...}}, one member per
 * recorded system that has rows. A row counts when a response showed it
 * before any write of the recording touched it (the first showing wins;
 * later ones add only members it lacked); rows the recording wrote first
 * are the job's doing, not the state it started from. Also the records
 * the writes left, as "then.state" pointer maps per system, into
 * *written. Caller deletes both.
 */
cJSON *kh__fh_state(cJSON **written, const struct kh__fh_recording *rec,
                    cJSON *notes);

/* The kept rows (system/.../table/{key: row}) as given sections in the
 * emulators' fixture formats; what cannot be seeded goes to notes. */
cJSON *kh__fh_seed_sections(const cJSON *seeds, cJSON *notes);

/*
 * given for the recording: the inferred state, fresh test credentials in
 * given.connector.<system> and in each emulator's configuration (the
 * recording's are placeholders), the instance, company and store hash
 * the URLs name, the clock at the first request, fault rules for the
 * 429 and 5xx answers recorded. *written (may be NULL): kh__fh_state's.
 * Notes (an array) gets what could not be inferred. Caller deletes.
 */
cJSON *kh__fh_given(cJSON **written, const struct kh__fh_recording *rec,
                    cJSON *notes);

/*
 * The steps of a recording of several runs of a flow (a second poll,
 * `kinsync sync --watch` cadences, a scenario's repeated run steps): the
 * walks of the flows' source lists from their first pages, one run step
 * per walk (consecutive walks of one job merged), in recorded order, with
 * a clock.advance before a walk that started later than the clock (1 s
 * or more). NULL when the recording holds each job's walk at most once,
 * in the order `kinsync sync --once` runs them: one pass, which the
 * caller infers as a whole.
 */
/* Appends {"do": "run", "job": job, "expect_rc": "OK"} to when, with
 * options.<option> = only when only is not NULL. */
void kh__fh_add_job(cJSON *when, const char *job, const char *option,
                    const char *only);

cJSON *kh__fh_runs(const struct kh__fh_recording *rec);

/* The whole scenario for rec, named name; *notes gets what could not be
 * inferred (an array of strings). Caller deletes both. */
cJSON *kh__fh_scenario(cJSON **notes, const struct kh__fh_recording *rec,
                       const char *name, const char *file);

#endif
