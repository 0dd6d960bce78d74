/*
 * The set-up of the Adobe Commerce client tests: an `adobe` emulator on a
 * virtual clock, a client on the same clock whose log is captured, and an
 * Adobe handle pointed at it. Journal counts, fault rules and actions are
 * the kt_* helpers of tests/support.
 */
#ifndef KS_TEST_KA_H
#define KS_TEST_KA_H

#include <cjson/cJSON.h>
#include <kinsync.h>
#include "kinmock/emulator.h"
#include "kt.h"

#define KA_ADMIN_PW "ka-admin-Pa55word"
#define KA_CS "ka-consumer-secret"
#define KA_ATS "ka-token-secret"
#define KA_IMS_SECRET "ka-ims-client-secret"

/* The credentials every emulator of these tests knows. */
#define KA_CREDENTIALS                                                         \
    "\"admins\":[{\"username\":\"admin\",\"password\":\"" KA_ADMIN_PW "\"}],"  \
    "\"integrations\":[{\"name\":\"kinsync\",\"consumer_key\":\"ka-ck\","      \
    "\"consumer_secret\":\"" KA_CS "\",\"access_token\":\"ka-at\","            \
    "\"access_token_secret\":\"" KA_ATS "\"}],"                                \
    "\"ims_clients\":[{\"client_id\":\"ka-client\",\"client_secret\":"         \
    "\"" KA_IMS_SECRET "\",\"org_id\":\"ka-org@AdobeOrg\"}]"

struct ka_env {
    struct ks_clock *clock;
    struct km_emulator *emu;
    struct ks_client *client;
    struct ks_adobe *ad;
    struct kt_log log;
};

/* Starts the emulator with KA_CREDENTIALS, whose members extra (JSON
 * members without braces, may be NULL; "deployment":"saas" for SaaS)
 * adds to or replaces, and a handle of auth on the same deployment. */
void ka_start(struct ka_env *env, const char *extra, enum ks_adobe_auth auth);
void ka_stop(struct ka_env *env);

/* Fills *o for the emulator at url with auth (and the deployment IMS
 * implies). */
void ka_options(struct ks_adobe_options *o, const char *url,
                enum ks_adobe_auth auth);

/* 1 when no configured secret appears in the captured log. */
int ka_log_clean(const struct ka_env *env);

#endif
