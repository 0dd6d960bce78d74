#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>
#include "kt.h"

extern const struct km_emulator_type km_epicor_type;

static void on_log(enum ks_log_level level, const char *msg,
                   const char *payload, void *ud)
{
    struct kt_env *env = ud;
    size_t need = strlen(msg) + (payload ? strlen(payload) : 0) + 4;

    (void)level;
    env->log = realloc(env->log, env->log_len + need + 1);
    assert_non_null(env->log);
    env->log_len += (size_t)snprintf(env->log + env->log_len, need + 1,
                                     "%s\n%s\n", msg, payload ? payload : "");
}

void kt_start(struct kt_env *env, const char *extra, enum ks_epicor_auth auth,
              int page_size, void (*opts_fn)(struct ks_epicor_options *))
{
    struct ks_client_options co = KS_CLIENT_OPTIONS_INIT;
    struct ks_epicor_options o = KS_EPICOR_OPTIONS_INIT;
    char *text, err[512] = "", token_url[256];
    size_t n;
    cJSON *cfg, *over;

    memset(env, 0, sizeof(*env));
    cfg = cJSON_Parse("{" KT_BASE_CONFIG "}");
    assert_non_null(cfg);
    n = (extra ? strlen(extra) : 0) + 3;
    text = malloc(n);
    assert_non_null(text);
    snprintf(text, n, "{%s}", extra ? extra : "");
    over = cJSON_Parse(text);
    if (!over)
        fail_msg("bad emulator config: %s", text);
    free(text);
    /* extra's members replace the base's */
    while (over->child) {
        cJSON *item = cJSON_DetachItemViaPointer(over, over->child);

        cJSON_DeleteItemFromObjectCaseSensitive(cfg, item->string);
        cJSON_AddItemToObject(cfg, item->string, item);
    }
    cJSON_Delete(over);
    assert_int_equal(ks_clock_new_virtual(&env->clock, 1767600000000LL), 0);
    if (km_emulator_start(&env->emu, &km_epicor_type, cfg, env->clock, NULL, 0,
                          err, sizeof(err)))
        fail_msg("emulator start: %s", err);
    cJSON_Delete(cfg);

    co.clock = env->clock;
    co.log_fn = on_log;
    co.log_userdata = env;
    co.log_level = KS_LOG_DEBUG;
    co.jitter_seed = 7;
    co.retry.max_attempts = 4;
    assert_int_equal(ks_client_new(&env->client, &co), KS_OK);

    snprintf(token_url, sizeof(token_url), "%s/connect/token",
             km_server_url(env->emu->server));
    o.server_url = km_server_url(env->emu->server);
    o.instance = "SaaS5333";
    o.company = "EPIC06";
    o.api_key = KT_API_KEY;
    o.auth = auth;
    o.username = KT_USER;
    o.password = KT_PASSWORD;
    o.client_id = "kt-client";
    o.client_secret = KT_CLIENT_SECRET;
    o.token_url = token_url;
    if (page_size)
        o.page_size = page_size;
    if (opts_fn)
        opts_fn(&o);
    assert_int_equal(ks_epicor_new(&env->epi, env->client, &o), KS_OK);
}

void kt_stop(struct kt_env *env)
{
    ks_epicor_free(env->epi);
    ks_client_free(env->client);
    km_emulator_stop(env->emu);
    ks_clock_free(env->clock);
    free(env->log);
    memset(env, 0, sizeof(*env));
}

static size_t count(struct kt_env *env, const char *glob, const char *header)
{
    cJSON *journal = km_server_journal(env->emu->server);
    const cJSON *e;
    size_t n = 0;
    char route[1024];

    cJSON_ArrayForEach(e, journal)
    {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "method");
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(e, "path");
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(e, "headers"), *hv;
        int has = 0;

        snprintf(route, sizeof(route), "%s %s", m->valuestring, p->valuestring);
        if (!km_glob_match(glob, route))
            continue;
        if (!header) {
            n++;
            continue;
        }
        cJSON_ArrayForEach(hv, h)
        {
            if (strcasecmp(hv->string, header) == 0)
                has = 1;
        }
        n += !has;
    }
    cJSON_Delete(journal);
    return n;
}

size_t kt_count(struct kt_env *env, const char *route_glob)
{
    return count(env, route_glob, NULL);
}

size_t kt_count_without_header(struct kt_env *env, const char *route_glob,
                               const char *header)
{
    return count(env, route_glob, header);
}

void kt_faults(struct kt_env *env, const char *rules)
{
    cJSON *r = cJSON_Parse(rules);
    char err[256] = "";

    assert_non_null(r);
    if (km_server_faults_add(env->emu->server, r, err, sizeof(err)))
        fail_msg("faults: %s", err);
    cJSON_Delete(r);
}

void kt_act(struct kt_env *env, const char *action, const char *args)
{
    cJSON *a = cJSON_Parse(args ? args : "{}"), *result = NULL;
    char err[256] = "";

    assert_non_null(a);
    if (km_emulator_act(env->emu, action, a, &result, err, sizeof(err)))
        fail_msg("act %s: %s", action, err);
    cJSON_Delete(result);
    cJSON_Delete(a);
}

const cJSON *kt_snapshot_at(cJSON **snap, struct kt_env *env, const char *path)
{
    const cJSON *at;
    char buf[512], *save = NULL, *part;

    *snap = km_emulator_snapshot(env->emu);
    at = *snap;
    snprintf(buf, sizeof(buf), "%s", path);
    for (part = strtok_r(buf, "/", &save); part && at;
         part = strtok_r(NULL, "/", &save)) {
        if (cJSON_IsArray(at))
            at = cJSON_GetArrayItem(at, (int)strtol(part, NULL, 10));
        else
            at = cJSON_GetObjectItemCaseSensitive(at, part);
    }
    return at;
}

int kt_log_clean(const struct kt_env *env)
{
    static const char *const secrets[] = {KT_PASSWORD, KT_API_KEY,
                                          KT_CLIENT_SECRET};

    for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
        if (env->log && strstr(env->log, secrets[i]))
            return 0;
    }
    return 1;
}
