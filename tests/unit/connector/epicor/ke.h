/*
 * The set-up of the Kinetic client tests: an Epicor emulator on a virtual
 * clock, a client on the same clock whose log is captured, and a Kinetic
 * handle pointed at the emulator. Journal counts, fault rules, actions and
 * snapshot paths are the kt_* helpers of tests/support.
 */
#ifndef KS_TEST_KE_H
#define KS_TEST_KE_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include <kinsync.h>
#include "kinmock/emulator.h"
#include "kt.h"

#define KE_USER "manager"
#define KE_PASSWORD "manager-Pa55word"
#define KE_API_KEY "kt-api-key-0123456789"
#define KE_CLIENT_SECRET "kt-client-secret-abcdef"

/* The emulator configuration's members for the test's user, key and IdP
 * client. */
#define KE_BASE_CONFIG                                                         \
    "\"users\":[{\"username\":\"" KE_USER "\",\"password\":\"" KE_PASSWORD     \
    "\"}],\"api_keys\":[{\"key\":\"" KE_API_KEY "\"}],"                        \
    "\"idp_clients\":[{\"client_id\":\"kt-client\",\"client_secret\":"         \
    "\"" KE_CLIENT_SECRET "\"}]"

struct ke_env {
    struct ks_clock *clock;
    struct km_emulator *emu;
    struct ks_client *client;
    struct ks_epicor *epi;
    struct kt_log log; /* everything the client logged */
};

/* Starts the emulator with KE_BASE_CONFIG, whose members extra (JSON
 * members without braces, may be NULL) adds to or replaces, and a
 * handle with auth and page_size (0: default). opts_fn (may be NULL)
 * adjusts the options before the handle is made. */
void ke_start(struct ke_env *env, const char *extra, enum ks_epicor_auth auth,
              int page_size, void (*opts_fn)(struct ks_epicor_options *));
void ke_stop(struct ke_env *env);

/* Fills *o for the emulator at server_url: instance, company, the test's
 * API key and user, and auth. */
void ke_options(struct ks_epicor_options *o, const char *server_url,
                enum ks_epicor_auth auth);

/* 1 when no configured secret appears in the captured log. */
int ke_log_clean(const struct ke_env *env);

#endif
