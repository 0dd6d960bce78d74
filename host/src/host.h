/*
 * Internals of `kinsync serve` shared by cli_serve.c (options, start-up,
 * the main loop) and serve_admin.c (the admin API). kh__ prefix; not an
 * interface.
 *
 * Threads: the main thread waits for signals and pumps webhooks; the
 * admin server's handlers run on its own MHD threads, one at a time (the
 * admin server's lock). The table of systems is fixed at start-up; only
 * each entry's emulator is replaced, by a reset. `table_lock` guards those
 * emulator pointers: readers (pumps, journal, faults, state, act) hold it
 * shared, a reset holds it exclusively, so no pump ever runs on an
 * emulator being stopped.
 */
#ifndef KH_SERVE_H
#define KH_SERVE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include <kinmock/emulator.h>

/* One emulated system ("epicor", ...) as served. */
struct kh__serve_system {
    const struct km_emulator_type *type;
    cJSON *config;           /* start-up configuration, owned */
    struct km_emulator *emu; /* NULL after a reset that could not rebind */
    uint16_t port;           /* kept across resets */
    char url[96];            /* kept across resets */
    char down[512];          /* why emu is NULL, else "" */
};

struct kh__serve {
    struct kh__serve_system *systems;
    size_t nsystems;
    struct ks_clock *clock; /* real, shared by every emulator */
    const char *bind_addr;
    const char *fixtures_dir;
    /* --admin-token: the bearer token every admin request must carry, or
     * NULL when none is required (Host, Origin and content type are
     * checked always; see admin_guard.c). */
    const char *admin_token;
    size_t journal_max; /* entries each emulator's journal keeps */
    /* the longest response body an entry keeps: whole pages up to
     * KM_JOURNAL_BODY_MAX with --record (a recording replays them) */
    size_t journal_response_max;
    struct km_server *admin;
    /* --tls: the certificate every server (emulators, admin API, resets)
     * starts with; NULL for plain HTTP. */
    struct km_tls *tls;
    pthread_rwlock_t table_lock;
    pthread_mutex_t pump_lock; /* pumps never overlap */
};

/* Starts the admin API on bind_addr:port (0 = ephemeral). Returns 0, or
 * -1 with a one-line reason in err. */
int kh__serve_admin_start(struct kh__serve *sv, uint16_t port, char *err,
                          size_t errsz);

/* The admin server's before hook (admin_guard.c): refuses a request that
 * is not addressed to loopback (403), comes from another site (403), lacks
 * the admin token when one is set (401) or has a body that does not
 * declare JSON (415), answering it; 0 lets it through. */
int kh__admin_guard(struct km_response *res, const struct km_request *req,
                    void *state);

/* The admin API's own journal: entries and bytes kept between pumps. */
#define KH__ADMIN_JOURNAL_MAX 1000
#define KH__ADMIN_JOURNAL_MAX_BYTES ((size_t)4 << 20)

/* A fresh admin token: KH__ADMIN_TOKEN_BYTES random bytes (OpenSSL's
 * RAND_bytes) as lowercase hex into out (outsz > twice that). 0, or -1
 * when the generator fails. */
#define KH__ADMIN_TOKEN_BYTES 32
int kh__admin_token_generate(char *out, size_t outsz);

/* Delivers the due webhooks of one system; the number attempted. Takes
 * table_lock shared and pump_lock itself. */
int kh__serve_pump(struct kh__serve *sv, struct kh__serve_system *sys);

/* Every system's journal as one HAR 1.2 log (caller deletes). Takes
 * table_lock shared. */
cJSON *kh__serve_har(struct kh__serve *sv);

/* The configuration serve gives a system started by name (serve.c): {}
 * but for one test credential of each storefront. Caller deletes. */
cJSON *kh__serve_named_config(const char *system);

/* ---- commands ------------------------------------------------------ */

int kh_cli_serve(int argc, char **argv); /* serve.c */
/* `kinsync serve --describe SYSTEM [--json]` (describe.c): prints the
 * system's declared configuration keys as a table, or as the JSON Schema
 * of given.<system>; returns the exit status (2: unknown system). */
int kh__serve_describe(const char *system, int json);
int kh_cli_replay(int argc, char **argv); /* replay.c */
int kh_cli_record(int argc, char **argv); /* record.c */
int kh_cli_diff(int argc, char **argv);   /* diff.c */

#endif
