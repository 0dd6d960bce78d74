#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ka.h"

extern const struct km_emulator_type km_adobe_type;

void ka_options(struct ks_adobe_options *o, const char *url,
                enum ks_adobe_auth auth)
{
    static char token_url[256];

    o->base_url = url;
    o->auth = auth;
    o->consumer_key = "ka-ck";
    o->consumer_secret = KA_CS;
    o->access_token = "ka-at";
    o->access_token_secret = KA_ATS;
    o->username = "admin";
    o->password = KA_ADMIN_PW;
    o->client_id = "ka-client";
    o->client_secret = KA_IMS_SECRET;
    o->org_id = "ka-org@AdobeOrg";
    snprintf(token_url, sizeof(token_url), "%s/ims/token/v3", url);
    o->ims_token_url = token_url;
    o->tenant_id = "kinsync-tenant";
    o->deployment = auth == KS_ADOBE_AUTH_IMS ? KS_ADOBE_SAAS : KS_ADOBE_PAAS;
}

void ka_start(struct ka_env *env, const char *extra, enum ks_adobe_auth auth)
{
    struct ks_client_options co = KS_CLIENT_OPTIONS_INIT;
    struct ks_adobe_options o = KS_ADOBE_OPTIONS_INIT;
    /* extra's members replace the credentials' */
    char *text = kt_config_merge(KA_CREDENTIALS, extra);

    memset(env, 0, sizeof(*env));
    assert_int_equal(ks_clock_new_virtual(&env->clock, KT_START_MS), 0);
    env->emu = kt_emulator_start(&km_adobe_type, text, env->clock);
    free(text);
    co.clock = env->clock;
    co.log_fn = kt_log_fn;
    co.log_userdata = &env->log;
    co.log_level = KS_LOG_DEBUG;
    co.jitter_seed = 7;
    co.retry.max_attempts = 4;
    assert_int_equal(ks_client_new(&env->client, &co), KS_OK);
    ka_options(&o, km_server_url(env->emu->server), auth);
    assert_int_equal(ks_adobe_new(&env->ad, env->client, &o), KS_OK);
}

void ka_stop(struct ka_env *env)
{
    ks_adobe_free(env->ad);
    ks_client_free(env->client);
    km_emulator_stop(env->emu);
    ks_clock_free(env->clock);
    kt_log_dispose(&env->log);
    memset(env, 0, sizeof(*env));
}

int ka_log_clean(const struct ka_env *env)
{
    static const char *const secrets[] = {KA_ADMIN_PW, KA_CS, KA_ATS,
                                          KA_IMS_SECRET, NULL};

    return kt_log_clean(&env->log, secrets);
}
