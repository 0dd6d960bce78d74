/* The Epicor emulator tests' set-up and requests (see epi_test.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include "epi_test.h"

extern const struct km_emulator_type km_epicor_type;

void epi_start(struct epi_env *env, const char *config)
{
    assert_int_equal(ks_clock_new_virtual(&env->clock, KT_START_MS), 0);
    env->emu = kt_emulator_start(&km_epicor_type, config, env->clock);
}

void epi_stop(struct epi_env *env)
{
    km_emulator_stop(env->emu);
    ks_clock_free(env->clock);
    memset(env, 0, sizeof(*env));
}

int epi_setup(void **state, cJSON *config)
{
    struct epi_env *env = calloc(1, sizeof(*env));
    char *text = cJSON_PrintUnformatted(config);

    assert_non_null(env);
    assert_non_null(text);
    epi_start(env, text);
    free(text);
    cJSON_Delete(config);
    *state = env;
    return 0;
}

int epi_teardown(void **state)
{
    epi_stop(*state);
    free(*state);
    return 0;
}

void epi_http(struct epi_resp *r, struct epi_env *env, const char *method,
              const char *path, const char *const *headers, const char *body)
{
    struct kt_request rq = {0};
    struct kt_reply reply;
    const char *all[32];
    size_t n = 0;
    char url[2048];

    if (body)
        all[n++] = "Content-Type: application/json";
    for (size_t i = 0; headers && headers[i]; i++) {
        assert_true(n + 1 < sizeof(all) / sizeof(all[0]));
        all[n++] = headers[i];
    }
    all[n] = NULL;
    snprintf(url, sizeof(url), "%s%s", km_server_url(env->emu->server), path);
    rq.method = method;
    rq.headers = all;
    rq.body = body;
    rq.timeout_ms = 20000;
    kt_http(&reply, url, &rq);
    assert_int_equal(reply.cc, CURLE_OK);
    r->status = reply.status;
    r->body = reply.body; /* ownership moves to r */
    r->json = cJSON_Parse(reply.body);
    free(reply.headers);
}

void epi_v2(struct epi_resp *r, struct epi_env *env, const char *method,
            const char *rest, const char *body)
{
    const char *hdrs[] = {EPI_BASIC, EPI_KEY, NULL};
    char path[2048];

    snprintf(path, sizeof(path), "/SaaS5333/api/v2/odata/EPIC06/%s", rest);
    epi_http(r, env, method, path, hdrs, body);
}

void epi_resp_free(struct epi_resp *r)
{
    free(r->body);
    cJSON_Delete(r->json);
    memset(r, 0, sizeof(*r));
}

cJSON *epi_call(struct epi_env *env, const char *svc_method, cJSON *body,
                long status)
{
    struct epi_resp r;
    char *text = cJSON_PrintUnformatted(body);
    cJSON *out;

    epi_v2(&r, env, "POST", svc_method, text);
    free(text);
    cJSON_Delete(body);
    if (r.status != status)
        fail_msg("%s: status %ld, body %s", svc_method, r.status, r.body);
    out = r.json;
    r.json = NULL;
    epi_resp_free(&r);
    return out;
}

cJSON *epi_ds_body(cJSON *reply)
{
    cJSON *b = cJSON_CreateObject();

    cJSON_AddItemToObject(b, "ds",
                          cJSON_DetachItemFromObject(
                              cJSON_GetObjectItem(reply, "parameters"), "ds"));
    cJSON_Delete(reply);
    return b;
}

/* ---- the shop floor (test_jobs.c, test_job_events.c) ------------- */

/* The emulator with the shop-floor fixtures in EPIC06 (and a second
 * company EPIC07), users manager and oee, and extra configuration
 * members (JSON text without braces, or ""). */
void epi_start_shopfloor(struct epi_env *env, const char *extra)
{
    cJSON *cfg = cJSON_CreateObject(), *cos, *co, *users, *u;
    char *text, *merged, *base;

    cos = cJSON_AddObjectToObject(cfg, "companies");
    co = cJSON_AddObjectToObject(cos, "EPIC06");
    cJSON_AddItemToObject(co, "plants",
                          kt_fixture("epicor/shopfloor/plants.json"));
    cJSON_AddItemToObject(co, "resource_groups",
                          kt_fixture("epicor/shopfloor/resource-groups.json"));
    cJSON_AddItemToObject(co, "reasons",
                          kt_fixture("epicor/shopfloor/reasons.json"));
    cJSON_AddItemToObject(co, "indirects",
                          kt_fixture("epicor/shopfloor/indirects.json"));
    cJSON_AddItemToObject(co, "jobs", kt_fixture("epicor/shopfloor/jobs.json"));
    co = cJSON_AddObjectToObject(cos, "EPIC07");
    cJSON_AddItemToObject(
        co, "jobs", kt_fixture("epicor/shopfloor/jobs-other-company.json"));
    users = cJSON_AddArrayToObject(cfg, "users");
    u = cJSON_CreateObject();
    cJSON_AddStringToObject(u, "username", "manager");
    cJSON_AddStringToObject(u, "password", "manager");
    cJSON_AddItemToArray(users, u);
    u = cJSON_CreateObject();
    cJSON_AddStringToObject(u, "username", "oee");
    cJSON_AddStringToObject(u, "password", "oee");
    cJSON_AddItemToArray(users, u);
    text = cJSON_PrintUnformatted(cfg);
    cJSON_Delete(cfg);
    /* members of text without its braces, then extra's */
    base = strndup(text + 1, strlen(text) - 2);
    merged = kt_config_merge(base, extra);
    epi_start(env, merged);
    free(merged);
    free(base);
    free(text);
}

cJSON *epi_snapshot(struct epi_env *env)
{
    cJSON *s = km_emulator_snapshot(env->emu);

    assert_non_null(s);
    return s;
}

/* Runs an action; fails the test unless it returns want (0 or -1). */
cJSON *epi_act(struct epi_env *env, const char *action, const char *args,
               int want)
{
    cJSON *a = cJSON_Parse(args), *result = NULL;
    char err[512] = "";
    int rc = km_emulator_act(env->emu, action, a, &result, err, sizeof(err));

    cJSON_Delete(a);
    if (rc != want)
        fail_msg("%s %s: rc %d (%s)", action, args, rc, err);
    return result;
}

/* GET rest over v2; fails unless status; returns the JSON (caller
 * deletes). */
cJSON *epi_get(struct epi_env *env, const char *rest, long status)
{
    struct epi_resp r;
    cJSON *j;

    epi_v2(&r, env, "GET", rest, NULL);
    if (r.status != status)
        fail_msg("GET %s: %ld %s", rest, r.status, r.body);
    j = r.json;
    r.json = NULL;
    epi_resp_free(&r);
    return j;
}

/* {"ds": the tableset GetByID answers for job_num}. */
cJSON *epi_job_ds(struct epi_env *env, const char *job_num)
{
    char *params = kx_xasprintf("{\"jobNum\":\"%s\"}", job_num);
    cJSON *reply =
        epi_call(env, "Erp.BO.JobEntrySvc/GetByID", cJSON_Parse(params), 200);
    cJSON *b = cJSON_CreateObject();

    free(params);
    cJSON_AddItemToObject(b, "ds",
                          cJSON_DetachItemFromObject(reply, "returnObj"));
    cJSON_Delete(reply);
    return b;
}

int epi_count(const cJSON *page)
{
    return cJSON_GetArraySize(cJSON_GetObjectItem(page, "value"));
}
