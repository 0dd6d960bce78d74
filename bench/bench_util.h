/*
 * What the benchmark programs share: the clocks they read, the child
 * process that serves the emulators, the emulator journal counts and the
 * cleanup of a run's state file. A benchmark dies on the first failure
 * (bench_die): it has no caller to hand an error to.
 *
 * Each program defines bench_program, the name bench_die prints.
 */
#ifndef KS_BENCH_UTIL_H
#define KS_BENCH_UTIL_H

#include <stdio.h>
#include <sys/types.h>
#include <cjson/cJSON.h>
#include <kinsync.h>
#include "kinmock/emulator.h"

extern const char *const bench_program;

/* Prints "<bench_program>: what: why" and exits 1. */
_Noreturn void bench_die(const char *what, const char *why);

/* Monotonic wall-clock seconds. */
double bench_now_s(void);
/* CPU seconds (user + system) this process used so far. */
double bench_cpu_s(void);
/* This process's peak resident set size so far, in KiB. */
long bench_peak_rss_kb(void);
long bench_ceil_div(long a, long b);

/* An Epicor account: the emulator is configured with it and the
 * connector signs in with it (HTTP Basic and the API key). */
struct bench_epicor_account {
    const char *instance, *company, *user, *password, *api_key;
};

/* Opens the connector's client (jitter seed 1) and its Epicor handle on
 * url as account a, page_size rows a page. */
void bench_epicor_open(struct ks_client **client, struct ks_epicor **epicor,
                       const char *url, const struct bench_epicor_account *a,
                       int page_size);

/* Starts an emulator of `type` from `cfg`, which it takes (frees). */
struct km_emulator *bench_start_emulator(const struct km_emulator_type *type,
                                         cJSON *cfg);
/* The requests in the emulator's journal whose "METHOD path" matches
 * `glob` (every request when glob is NULL). */
long bench_count_requests(struct km_emulator *emu, const char *glob);

/* Forks the child that serves the emulators: child(n, to_parent,
 * from_parent) runs in it and never returns. Returns the parent's end of
 * the child's report pipe as a stream; *to_child is the descriptor whose
 * close tells the child to report. */
FILE *bench_spawn_emulators(void (*child)(long n, int to_parent,
                                          int from_parent),
                            long n, pid_t *pid, int *to_child);

/* Removes a SQLite state file, its -wal and -shm files, and its folder. */
void bench_remove_state(const char *dir, const char *state);

/* Runs one(n, markdown) in a process of its own, so that each peak RSS is
 * its own; returns 0 when it exited 0, 1 otherwise. */
int bench_in_child(int (*one)(long n, int markdown), long n, int markdown);

#endif
