/*
 * Helpers for the Kinetic client tests: an Epicor emulator on a virtual
 * clock, a client on the same clock whose log is captured, and a Kinetic
 * handle pointed at the emulator.
 */
#ifndef KS_TEST_KT_H
#define KS_TEST_KT_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include <kinsync.h>
#include "kinmock/emulator.h"

#define KT_USER "manager"
#define KT_PASSWORD "manager-Pa55word"
#define KT_API_KEY "kt-api-key-0123456789"
#define KT_CLIENT_SECRET "kt-client-secret-abcdef"

/* The emulator configuration's members for the test's user, key and IdP
 * client. */
#define KT_BASE_CONFIG                                                         \
    "\"users\":[{\"username\":\"" KT_USER "\",\"password\":\"" KT_PASSWORD     \
    "\"}],\"api_keys\":[{\"key\":\"" KT_API_KEY "\"}],"                        \
    "\"idp_clients\":[{\"client_id\":\"kt-client\",\"client_secret\":"         \
    "\"" KT_CLIENT_SECRET "\"}]"

struct kt_env {
    struct ks_clock *clock;
    struct km_emulator *emu;
    struct ks_client *client;
    struct ks_epicor *epi;
    char *log; /* every message and payload, one per line */
    size_t log_len;
};

/* Starts the emulator with KT_BASE_CONFIG, whose members extra (JSON
 * members without braces, may be NULL) adds to or replaces, and a
 * handle with auth and page_size (0: default). opts_fn (may be NULL)
 * adjusts the options before the handle is made. */
void kt_start(struct kt_env *env, const char *extra, enum ks_epicor_auth auth,
              int page_size, void (*opts_fn)(struct ks_epicor_options *));
void kt_stop(struct kt_env *env);

/* Requests in the journal whose "METHOD path" matches the glob. */
size_t kt_count(struct kt_env *env, const char *route_glob);
/* Requests matching the glob that lack the header (case-insensitive). */
size_t kt_count_without_header(struct kt_env *env, const char *route_glob,
                               const char *header);

/* Adds fault rules (JSON text). */
void kt_faults(struct kt_env *env, const char *rules);

/* Runs an emulator action with args (JSON text). */
void kt_act(struct kt_env *env, const char *action, const char *args);

/* The emulator's snapshot value at a JSON pointer-ish path of object keys
 * and array indexes separated by '/'; NULL when absent. Caller deletes the
 * returned snapshot via *snap. */
const cJSON *kt_snapshot_at(cJSON **snap, struct kt_env *env, const char *path);

/* 1 when no configured secret appears in the captured log. */
int kt_log_clean(const struct kt_env *env);

#endif
