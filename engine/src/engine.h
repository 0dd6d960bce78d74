/*
 * The scenario engine: load a scenario file, run it against in-process
 * emulators and the reference connector on a virtual clock, and say what
 * happened.
 *
 * A scenario is JSON with "name", "description", "tags", "given", "when"
 * and "then" (see scenarios/README.md and scenarios/scenario.schema.json).
 * Loading resolves every {"$fixture": "system/resource/case.json"} object
 * against the fixtures directory and checks the whole document, so a run
 * never meets a malformed step.
 */
#ifndef KH_ENGINE_H
#define KH_ENGINE_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include <kx/time.h>
#include <kx/json.h>

/* A loaded, validated scenario. */
struct kh_scenario {
    char *path;  /* as given to kh_scenario_load */
    char *name;  /* the "name" member */
    cJSON *doc;  /* the whole document with fixtures resolved */
    cJSON *tags; /* borrowed from doc; an array of strings (may be NULL) */
};

/*
 * Reads and validates the scenario at path; "$fixture" references are
 * read from fixtures_dir (NULL: the nearest "fixtures" folder beside or
 * above the scenario file, else the source tree's fixtures/). On failure
 * returns -1 and writes into err one line per problem (at most errsz bytes),
 * each "FILE: POINTER: what is wrong" with POINTER an RFC 6901 JSON pointer
 * into the document; nothing is allocated then. Never crashes on bad input.
 */
int kh_scenario_load(struct kh_scenario **out, const char *path,
                     const char *fixtures_dir, char *err, size_t errsz);
void kh_scenario_free(struct kh_scenario *sc); /* NULL-safe */

/*
 * The file stem a scenario of this name must have (the loader refuses a
 * file named otherwise, so that the ctest name scenario.<area>.<stem> and
 * the name say the same): ASCII letters lower-cased, digits kept,
 * apostrophes dropped, every other run of characters one '-', none at
 * either end. "The store's quota: 429" gives "the-stores-quota-429".
 * Always NUL-terminates out (cut at outsz).
 */
void kh_scenario_stem(char *out, size_t outsz, const char *name);

/* The fixtures directory of a scenario file given none: the nearest
 * "fixtures" folder beside it or up to four levels above, else the
 * suite's own (kh_data_dir). path may be NULL (then the suite's own). */
void kh_fixtures_dir_for(char *out, size_t outsz, const char *path);

/* The folder of the suite kinsync comes with (scenarios/, fixtures/):
 * DATADIR/kinsync relative to an installed program, the source tree for
 * one in the build tree. */
void kh_data_dir(char *out, size_t outsz);

/* What `kinsync check` runs given no file: ./scenarios when it exists,
 * else kh_data_dir()'s scenarios. */
void kh_default_suite(char *out, size_t outsz);

/*
 * Replaces every {"$fixture": "system/resource/case.json"} in *doc (*doc
 * itself included) by that file's JSON under dir; fixtures may name
 * fixtures, to a small depth. Paths must be relative, without "..".
 * Returns 0, or -1 with one line per problem in err; *doc stays a valid
 * tree owned by the caller either way.
 */
int kh_fixtures_resolve(cJSON **doc, const char *dir, char *err, size_t errsz);

enum kh_outcome { KH_PASS = 0, KH_FAIL = 1, KH_ERROR = 2 };

/* One rule of a scenario (a step's expectation, an entry of "then", a
 * credential rule) and whether every check of it held. */
struct kh_rule_result {
    char *rule; /* its JSON pointer ("/then/requests/0") or its name */
    int passed;
};

/* What one scenario run came to. */
struct kh_result {
    char *path;
    char *name;
    enum kh_outcome outcome;
    int64_t virtual_ms; /* virtual time the run took */
    int64_t wall_ms;    /* real time the run took */
    /* CPU time the kinsync process (all its threads: emulators, receivers,
     * connector) spent during the run; processes that steps start are not
     * counted. */
    double cpu_ms;
    size_t steps_run;
    size_t checks;   /* expectations evaluated */
    size_t failures; /* of those, how many failed */
    /* Multi-line explanation of every failure (what was expected, what
     * was found, the relevant journal lines); "" on a pass. */
    char *details;
    /* The connector log captured during the run (secrets are masked by
     * the connector itself; the run checks that). */
    char *log;
    /* What the integration and exec steps printed on stdout and on
     * stderr, each step's under a "== /when/N ... ==" line, credentials
     * masked; "" when nothing. */
    char *out;
    char *err;
    /* The rules checked, in the order first checked. */
    struct kh_rule_result *rules;
    size_t nrules;
};

void kh_result_dispose(struct kh_result *res); /* zeroes; NULL-safe */

struct kh_run_options {
    const char *fixtures_dir;
    int verbose; /* print each step as it runs (stderr) */
    /* A mutation run: the connector never sends a header of this name
     * (case-insensitive), to prove that the scenarios notice. NULL: off. */
    const char *drop_header;
    /* When set, each emulator's journal of each run is written to
     * DIR/<scenario file stem>.<system>.json (secrets redacted). */
    const char *journal_dir;
    /* When set, each run's traffic is written as HAR 1.2 to
     * DIR/<scenario file stem>.har. */
    const char *har_dir;
    /* Verify mode (kinsync verify): "integration" steps run this command
     * (NULL-terminated argv) instead of the reference connector's job, and
     * the clock is the real one (the integration lives in real time),
     * still moved forward by "clock.advance". NULL: check mode. */
    char *const *integration;
    /* The longest an integration or exec step may run, in real
     * milliseconds, unless the step gives timeout_ms (0: the default,
     * KH_STEP_TIMEOUT_MS). */
    int64_t step_timeout_ms;
    /* Keep each scenario's scratch directory (KINSYNC_STATE_DIR, each
     * step's TMPDIR and output) instead of removing it; its path is
     * printed in the details. */
    int keep_work;
};

#define KH_STEP_TIMEOUT_MS 60000

/*
 * Runs a loaded scenario in isolation: its own virtual clock, its own
 * emulators on ephemeral loopback ports, its own connector client.
 * Fills *res (the caller disposes it). Returns 0 when it passed.
 */
int kh_scenario_run(struct kh_result *res, const struct kh_scenario *sc,
                    const struct kh_run_options *opts);

/* Prints the environment the first integration step of the scenario at
 * path gets in verify mode, one "NAME=value" line each with its meaning
 * below it (credentials shown: the integration needs them). The emulators
 * are started to know their URLs, whose ports change every run. Returns
 * 0, or -1 after saying why on stderr. */
int kh_print_env(FILE *f, const char *path, const struct kh_run_options *opts);

/* Loads and runs path; a scenario that fails to load is a KH_ERROR
 * result whose details are the loader's messages. */
int kh_run_file(struct kh_result *res, const char *path,
                const struct kh_run_options *opts);

/* ---- reports (report.c) ---------------------------------------------- */

/* Writes JUnit XML for the results (one testsuite "kinsync", one
 * testcase per scenario). Returns 0, or -1 with errno set. */
int kh_report_junit(const char *file, const struct kh_result *results,
                    size_t n);

/* What a published grade says about the suite it was made with. */
struct kh_suite_info {
    const char *command;      /* "check" or "verify" */
    const char *digest;       /* kh_suite_digest's, or NULL */
    size_t nfiles;            /* scenario and fixture files digested */
    char *const *integration; /* verify's command (NULL-ended), or NULL */
};

/* Writes a self-contained HTML report (no external resources); with
 * suite, a summary of the suite (version, digest) at the top. */
/* Writes s (NULL: nothing) to f as HTML or XML text: invalid UTF-8 and
 * forbidden characters as U+FFFD, markup characters escaped. */
void kh_report_put_escaped(FILE *f, const char *s);

int kh_report_html(const char *file, const struct kh_result *results, size_t n,
                   const struct kh_suite_info *suite);

/* Writes the JSON grade of a run (report_json.c): kinsync's version, the
 * suite's digest, and per scenario and per rule pass or fail with
 * timings. Returns 0, or -1 with errno set. */
int kh_report_json(const char *file, const struct kh_result *results, size_t n,
                   const struct kh_suite_info *suite);

/*
 * The SHA-256 (hex, into out of 65 bytes) of a suite: the scenario files
 * given and every fixture they (and those fixtures) name, in byte order
 * of their names relative to the fixtures directory or as given, each
 * hashed as name, NUL, length, NUL, content. The same files give the same
 * digest on any machine. *nfiles: how many were hashed. Returns 0, or -1
 * with a one-line reason in err.
 */
int kh_suite_digest(char out[65], size_t *nfiles, char *const *paths,
                    size_t npaths, const char *fixtures_dir, char *err,
                    size_t errsz);

/* ---- JSON pointer (jpointer.c) ------------------------------------- */

/* The value at an RFC 6901 pointer ("" is the document itself), or NULL
 * (also when a selector, below, finds nothing or more than one entry). */
const cJSON *kh_json_pointer(const cJSON *doc, const char *pointer);

enum kh_pointer_status {
    KH_POINTER_FOUND,
    KH_POINTER_NOTHING,   /* nothing there (why says so for a selector) */
    KH_POINTER_AMBIGUOUS, /* a selector matched more than one entry */
    KH_POINTER_BAD        /* not a pointer (kh_json_pointer_check) */
};

/*
 * The value at pointer, where a reference token of the form "[name=value]"
 * (after RFC 6901 unescaping: "~1" is '/', "~0" is '~') selects, instead of
 * a position, the one element of an array (or member value of an object)
 * that is an object whose member name holds value: a string equal to it,
 * or any other JSON value equal to value read as JSON ("[id=100]" matches
 * 100). name ends at the first '='; value runs to the token's final ']'.
 * "/products/[sku=WIDGET-100]/price". *out is set only when FOUND. Unless
 * FOUND, why (may be NULL) says what is wrong: "no entry of /products has
 * sku "X" (3 there; sku "A", ...)", or which entries matched.
 */
enum kh_pointer_status kh_json_pointer_select(const cJSON **out,
                                              const cJSON *doc,
                                              const char *pointer, char *why,
                                              size_t whysz);

/* 0 when pointer is "" or '/'-separated tokens with '~' only in "~0" and
 * "~1", each token that starts with '[' a well-formed selector; else -1
 * and why (may be NULL) says what is wrong. */
int kh_json_pointer_check(const char *pointer, char *why, size_t whysz);

/* Appends the RFC 6901 escape of token to a pointer being built in buf. */
void kh_json_pointer_append(char *buf, size_t bufsz, const char *token);

/* Like kh_json_pointer_append for an array index. */
void kh_json_pointer_append_index(char *buf, size_t bufsz, size_t index);

/* ---- HAR 1.2 (har.c) ------------------------------------------------- */

/* An empty HAR log ({"log": {"version": "1.2", "creator", "entries"}}). */
cJSON *kh_har_new(void);
/* Adds a km_server_journal() array; base_url is the server's
 * ("http://127.0.0.1:PORT"). Each entry keeps the emulator's name, seq,
 * virtual time and fault in an "_kinsync" object. */
void kh_har_add_journal(cJSON *har, const cJSON *journal, const char *base_url);
/* One HAR entry from one journal entry (the same fields; "route" kept in
 * "_kinsync"), for a recorder that writes entries as they come. */
cJSON *kh_har_entry(const cJSON *journal_entry, const char *base_url);
/* Orders the entries by time, as HAR readers expect. */
void kh_har_finish(cJSON *har);

/* ---- commands (check.c) --------------------------------------------- */

int kh_cli_check(int argc, char **argv);
int kh_cli_verify(int argc, char **argv);
/* `kinsync scenario from-har FILE.har` (from_har_cli.c). */
int kh_cli_scenario(int argc, char **argv);

/* The "given" `kinsync scenario from-har` infers from the HAR at path
 * (from_har.c), tables inline, credentials in given.connector; for
 * `kinsync diff --seed-from-har`. NULL with one line in err when the
 * file cannot be read as a recording. Caller deletes. */
cJSON *kh_from_har_given(const char *path, char *err, size_t errsz);

#endif
