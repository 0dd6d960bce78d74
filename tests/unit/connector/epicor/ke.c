#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ke.h"

extern const struct km_emulator_type km_epicor_type;

void ke_start(struct ke_env *env, const char *extra, enum ks_epicor_auth auth,
              int page_size, void (*opts_fn)(struct ks_epicor_options *))
{
    struct ks_client_options co = KS_CLIENT_OPTIONS_INIT;
    struct ks_epicor_options o = KS_EPICOR_OPTIONS_INIT;
    char *text, token_url[256];

    memset(env, 0, sizeof(*env));
    /* extra's members replace the base's */
    text = kt_config_merge(KE_BASE_CONFIG, extra);
    assert_int_equal(ks_clock_new_virtual(&env->clock, KT_START_MS), 0);
    env->emu = kt_emulator_start(&km_epicor_type, text, env->clock);
    free(text);

    co.clock = env->clock;
    co.log_fn = kt_log_fn;
    co.log_userdata = &env->log;
    co.log_level = KS_LOG_DEBUG;
    co.jitter_seed = 7;
    co.retry.max_attempts = 4;
    assert_int_equal(ks_client_new(&env->client, &co), KS_OK);

    snprintf(token_url, sizeof(token_url), "%s/connect/token",
             km_server_url(env->emu->server));
    ke_options(&o, km_server_url(env->emu->server), auth);
    o.client_id = "kt-client";
    o.client_secret = KE_CLIENT_SECRET;
    o.token_url = token_url;
    if (page_size)
        o.page_size = page_size;
    if (opts_fn)
        opts_fn(&o);
    assert_int_equal(ks_epicor_new(&env->epi, env->client, &o), KS_OK);
}

void ke_stop(struct ke_env *env)
{
    ks_epicor_free(env->epi);
    ks_client_free(env->client);
    km_emulator_stop(env->emu);
    ks_clock_free(env->clock);
    kt_log_dispose(&env->log);
    memset(env, 0, sizeof(*env));
}

void ke_options(struct ks_epicor_options *o, const char *server_url,
                enum ks_epicor_auth auth)
{
    o->server_url = server_url;
    o->instance = "SaaS5333";
    o->company = "EPIC06";
    o->api_key = KE_API_KEY;
    o->auth = auth;
    o->username = KE_USER;
    o->password = KE_PASSWORD;
}

int ke_log_clean(const struct ke_env *env)
{
    static const char *const secrets[] = {KE_PASSWORD, KE_API_KEY,
                                          KE_CLIENT_SECRET, NULL};

    return kt_log_clean(&env->log, secrets);
}
