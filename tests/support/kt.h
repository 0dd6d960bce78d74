/*
 * The support module of the unit tests (prefix kt_): emulators started
 * from inline JSON on a virtual clock and what tests ask of them, an HTTP
 * client over libcurl for loopback calls, temporary directories and files,
 * and a connector log captured with a check for secrets. Built once as the
 * static library kt_support (tests/CMakeLists.txt).
 *
 * Failures fail the running cmocka test (fail_msg, assert_*): include
 * <cmocka.h>'s prerequisites before this header. Plain malloc; running
 * out of memory aborts.
 */
#ifndef KT_H
#define KT_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <kinsync.h>
#include "kinmock/emulator.h"

/* 2026-01-05T08:00:00Z: where the virtual clocks of the tests start. */
#define KT_START_MS 1767600000000LL

/* ---- emulators (emulator.c) ------------------------------------------- */

/* Starts an emulator of type from config (JSON text) on clock; fails the
 * test with the emulator's reason when the text or the start fails. */
struct km_emulator *kt_emulator_start(const struct km_emulator_type *type,
                                      const char *config,
                                      struct ks_clock *clock);
/* "{base_members}" with each member of "{extra_members}" (NULL: none)
 * replacing the one of the same name, printed; the caller frees it. Fails
 * the test when either is not a JSON object's members. */
char *kt_config_merge(const char *base_members, const char *extra_members);
/* A connector client on clock whose first retry waits 10 ms; fails the
 * test if it cannot be made. */
struct ks_client *kt_client_new(struct ks_clock *clock);
/* Runs an emulator action with args (JSON text, NULL: {}); fails the test
 * when it is refused. Returns its result (caller deletes; may be NULL). */
cJSON *kt_act(struct km_emulator *emu, const char *action, const char *args);
/* Adds fault rules (JSON text) to a server; fails the test when refused. */
void kt_faults(struct km_server *server, const char *rules);
/* The snapshot value at a '/'-separated path of object keys and array
 * indexes, NULL when absent; *snap is the whole snapshot (caller
 * deletes). */
const cJSON *kt_at(cJSON **snap, struct km_emulator *emu, const char *path);
/* How many items the array (or members the object) at path holds in a
 * fresh snapshot; 0 when path is absent. */
int kt_size(struct km_emulator *emu, const char *path);
/* Journal entries of server whose "METHOD path" matches route_glob. */
size_t kt_count(struct km_server *server, const char *route_glob);
/* Of those, the ones without the request header (case-insensitive). */
size_t kt_count_without_header(struct km_server *server, const char *route_glob,
                               const char *header);
/* fixtures/<rel> of the source tree, parsed (fails the test if absent). */
cJSON *kt_fixture(const char *rel);

/* A km_server on a virtual clock of its own, for the tests of the
 * emulator core. A test's fixture may start with one, so that cmocka's
 * state is both (see kt_served_teardown()). */
struct kt_served {
    struct ks_clock *clock;
    struct km_server *server;
};

/* Starts a server with opts on a new virtual clock at KT_START_MS (set as
 * opts->clock); fails the test with the server's reason. */
void kt_served_start(struct kt_served *s, struct km_server_options *opts);
void kt_served_stop(struct kt_served *s);
/* A cmocka teardown for a malloc'd fixture that starts with a struct
 * kt_served: stops it and frees the fixture. */
int kt_served_teardown(void **state);

/* ---- an HTTP client (http.c) --------------------------------------------- */

struct kt_reply {
    CURLcode cc;
    long status;
    char *body; /* NUL-terminated, "" when empty */
    size_t len;
    char *headers; /* raw response header block */
};

struct kt_request {
    const char *method;         /* NULL: GET, or POST with a body */
    const char *const *headers; /* "Name: value", NULL-terminated; with an
                                 * "Expect" one the 100-continue is kept */
    const char *body;
    size_t len;      /* of body; 0 with a body: strlen(body) */
    int chunked;     /* send the body without Content-Length */
    long timeout_ms; /* 0: 5000 */
};

/* Performs one request on url (the transfer's outcome is out->cc). */
void kt_http(struct kt_reply *out, const char *url,
             const struct kt_request *rq);
/* A GET of base + path with the default options. */
void kt_http_get(struct kt_reply *out, const char *base, const char *path);
/* The value of a response header (case-insensitive) in a fresh string, or
 * NULL. Caller frees. */
char *kt_reply_header(const struct kt_reply *r, const char *name);
void kt_reply_dispose(struct kt_reply *r);

/* ---- temporary files (files.c) ------------------------------------------- */

/* A fresh private directory under $TMPDIR (or /tmp) named prefix-XXXXXX;
 * free() the result. */
char *kt_tmpdir(const char *prefix);
/* dir + "/" + name; free() the result. */
char *kt_path(const char *dir, const char *name);
/* Removes every file in dir, then dir itself; fails the test if it
 * cannot. */
void kt_rmdir(const char *dir);
/* Writes len bytes to path; fails the test on error. */
void kt_write_file(const char *path, const void *data, size_t len);
/* 1 when some file in dir contains the len bytes of needle. */
int kt_dir_contains(const char *dir, const void *needle, size_t len);
/* A string of n copies of c; free() the result. */
char *kt_repeat(char c, size_t n);

/* ---- the connector's log (log.c) ----------------------------------------- */

/* Everything a client logged: "LEVEL message\npayload\n" per call. */
struct kt_log {
    char *text; /* NUL-terminated; NULL before the first line */
    size_t len;
};

/* A ks_log_fn: set client options' log_fn to it and log_userdata to a
 * struct kt_log (zeroed). */
void kt_log_fn(enum ks_log_level level, const char *msg, const char *payload,
               void *ud);
/* 1 when none of the NULL-terminated secrets appears in the log. */
int kt_log_clean(const struct kt_log *log, const char *const *secrets);
void kt_log_dispose(struct kt_log *log);

#endif
