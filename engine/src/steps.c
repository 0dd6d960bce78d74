/*
 * The "when" steps of a scenario. The loader (scenario.c) has checked
 * every step's shape, so these only act and compare.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <curl/curl.h>
#include <kx/alloc.h>
#include "run_int.h"

#define HTTP_REPLY_SHOWN 4096 /* bytes of a raw request's reply shown */

static void show_result(struct kh_ctx *ctx, const cJSON *result)
{
    char *s;

    if (!result)
        return;
    s = cJSON_PrintUnformatted(result);
    if (s) {
        kh__text_printf(&ctx->details, "    result: %.1500s%s\n", s,
                        strlen(s) > 1500 ? "..." : "");
        cJSON_free(s);
    }
}

/* A step's "expect_result" pointer map against what it returned. */
static int expect_result(struct kh_ctx *ctx, const cJSON *expected,
                         const cJSON *result, const char *where)
{
    char here[128];

    snprintf(here, sizeof(here), "%s/expect_result", where);
    return kh__expect_pointers(ctx, expected, result, "result", here, 0);
}

int kh__step_job(struct kh_ctx *ctx, const cJSON *step, const char *where)
{
    const char *name = kx_json_str(step, "job");
    const char *want_name = kx_json_str(step, "expect_rc");
    const cJSON *options = cJSON_GetObjectItemCaseSensitive(step, "options");
    const cJSON *expected =
        cJSON_GetObjectItemCaseSensitive(step, "expect_result");
    const struct kh_job *job = kh__job_find(name);
    cJSON *result = NULL;
    char err[1024] = "";
    ks_rc rc, want = KS_OK;
    int ok;

    if (want_name)
        ks_rc_from_name(&want, want_name);
    rc = job->run(ctx, options, &result, err, sizeof(err));
    ok = kh__check(ctx, rc == want, "%s: job %s returned %s%s%s%s, expected %s",
                   where, name, ks_rc_name(rc), err[0] ? " (" : "", err,
                   err[0] ? ")" : "", ks_rc_name(want));
    if (expected)
        ok &= expect_result(ctx, expected, result, where);
    if (!ok)
        show_result(ctx, result);
    cJSON_Delete(result);
    return ok ? 0 : -1;
}

#define RECEIVER_VAR "$KINSYNC_RECEIVER_URL"

/* The value of one string of an action's args or a raw request: a
 * "$KINSYNC_URL_<SYSTEM>" prefix (exec's name for the system's base URL)
 * becomes that URL, a "$KINSYNC_RECEIVER_URL" prefix the announced
 * receiver of the running integration (integration.start), so that an
 * action can point one system at another (Epicor's event functions at a
 * receiver); a whole "$secret:system.key" becomes that string of
 * given.connector (a credential the scenario configures once). A new
 * string, or NULL when s is none of them; -1 in *bad with err when s
 * names something that is not there. */
static char *expanded(struct kh_ctx *ctx, const char *s, int *bad, char *err,
                      size_t errsz)
{
    const char *v;

    if (strncmp(s, RECEIVER_VAR, sizeof(RECEIVER_VAR) - 1) == 0) {
        v = kh_ctx_slot(ctx, KH_SLOT_INTEGRATION_RECEIVER);
        if (v)
            return kx_xasprintf("%s%s", v, s + sizeof(RECEIVER_VAR) - 1);
        snprintf(err, errsz,
                 "%s names the receiver of a running integration, and none "
                 "runs here (integration.start comes first)",
                 RECEIVER_VAR);
        *bad = -1;
        return NULL;
    }
    if (strncmp(s, "$secret:", 8) == 0) {
        v = kh__ctx_resolve(ctx, s);
        if (v)
            return kx_xstrdup(v);
        snprintf(err, errsz,
                 "%.80s: not a string of /given/connector (\"$secret:"
                 "system.key\")",
                 s);
        *bad = -1;
        return NULL;
    }
    if (strncmp(s, "$KINSYNC_URL_", 13) != 0)
        return NULL;
    for (size_t i = 0; i < ctx->nsystems; i++) {
        const char *name = ctx->systems[i].name;
        size_t n = strlen(name);

        if (strncasecmp(s + 13, name, n) == 0 &&
            !isalnum((unsigned char)s[13 + n]) && s[13 + n] != '_')
            return kx_xasprintf(
                "%s%s", km_server_url(ctx->systems[i].emu->server), s + 13 + n);
    }
    return NULL;
}

/* Every string of node (in place) as expanded() says; 0, or -1 with err
 * naming the first string that could not be. */
static int expand(struct kh_ctx *ctx, cJSON *node, char *err, size_t errsz)
{
    cJSON *it;
    int bad = 0;

    if (cJSON_IsString(node)) {
        char *v = expanded(ctx, node->valuestring, &bad, err, errsz);

        if (v)
            cJSON_SetValuestring(node, v);
        free(v);
        return bad;
    }
    cJSON_ArrayForEach(it, node)
    {
        if (expand(ctx, it, err, errsz) != 0)
            return -1;
    }
    return 0;
}

static int step_act(struct kh_ctx *ctx, const cJSON *step, const char *where)
{
    const char *system = kx_json_str(step, "system");
    const char *action = kx_json_str(step, "action");
    const cJSON *expected =
        cJSON_GetObjectItemCaseSensitive(step, "expect_result");
    struct km_emulator *emu = kh__system(ctx, system);
    cJSON *result = NULL;
    cJSON *args =
        cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(step, "args"), 1);
    char err[512] = "";
    int ok;

    if (expand(ctx, args, err, sizeof(err)) != 0)
        ok = kh__check(ctx, 0, "%s/args: %s", where, err);
    else
        ok = kh__check(
            ctx,
            km_emulator_act(emu, action, args, &result, err, sizeof(err)) == 0,
            "%s: %s action %s failed: %s", where, system, action, err);
    cJSON_Delete(args);
    if (ok && expected)
        ok = expect_result(ctx, expected, result, where);
    if (!ok)
        show_result(ctx, result);
    cJSON_Delete(result);
    return ok ? 0 : -1;
}

/* Pumps the webhooks of one system, or of all when system is NULL. */
static void pump(struct kh_ctx *ctx, const char *system)
{
    for (size_t i = 0; i < ctx->nsystems; i++) {
        if (system && strcmp(system, ctx->systems[i].name) != 0)
            continue;
        if (ctx->systems[i].emu->type->pump)
            km_emulator_pump(ctx->systems[i].emu);
    }
}

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    struct kh_text *body = ud;

    if (body->len < HTTP_REPLY_SHOWN)
        kh__text_append(body, p, size * n);
    return size * n;
}

/* Where a raw request goes: an emulator's URL, or for system
 * "integration" the announced receiver of the running integration
 * (integration.start). NULL with a check failed when none runs. */
static const char *http_base(struct kh_ctx *ctx, const char *system,
                             const char *where)
{
    const char *url;

    if (strcmp(system, "integration") != 0)
        return km_server_url(kh__system(ctx, system)->server);
    url = kh_ctx_slot(ctx, KH_SLOT_INTEGRATION_RECEIVER);
    if (!url)
        kh__check(ctx, 0,
                  "%s: system \"integration\" is the receiver of a running "
                  "integration, and none runs here (integration.start comes "
                  "first)",
                  where);
    return url;
}

/* A raw request to an emulator, as any integration would send it, or to
 * the running integration's receiver, as a platform would. Headers and
 * body are expanded as an action's args are. */
static int step_http(struct kh_ctx *ctx, const cJSON *step, const char *where)
{
    const char *system = kx_json_str(step, "system");
    cJSON *body =
        cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(step, "body"), 1);
    cJSON *hs =
        cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(step, "headers"), 1);
    const cJSON *h;
    const char *base = http_base(ctx, system, where);
    struct curl_slist *headers = NULL;
    struct kh_text reply = {0};
    char url[2048], *json = NULL, err[512] = "";
    long status = 0;
    long want = (long)kx_json_num(step, "expect_status", 200);
    CURL *curl = NULL;
    CURLcode cc;
    int ok = 0;

    if (!base)
        goto out;
    if (expand(ctx, hs, err, sizeof(err)) != 0 ||
        expand(ctx, body, err, sizeof(err)) != 0) {
        kh__check(ctx, 0, "%s: %s", where, err);
        goto out;
    }
    curl = curl_easy_init();
    if (!curl) {
        kh__check(ctx, 0, "%s: curl_easy_init failed", where);
        goto out;
    }
    snprintf(url, sizeof(url), "%s%s", base, kx_json_str(step, "path"));
    cJSON_ArrayForEach(h, hs)
    {
        char line[1024];

        snprintf(line, sizeof(line), "%s: %s", h->string,
                 cJSON_IsString(h) ? h->valuestring : "");
        headers = curl_slist_append(headers, line);
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, kx_json_str(step, "method"));
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    if (ctx->ca_file)
        curl_easy_setopt(curl, CURLOPT_CAINFO, ctx->ca_file);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply);
    if (body) {
        json = cJSON_IsString(body) ? NULL : cJSON_PrintUnformatted(body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS,
                         json ? json : body->valuestring);
    }
    cc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    ok = kh__check(ctx, cc == CURLE_OK && status == want,
                   "%s: %s %s: expected HTTP %ld, got %ld%s%s", where,
                   kx_json_str(step, "method"), kx_json_str(step, "path"), want,
                   status, cc == CURLE_OK ? "" : ": ",
                   cc == CURLE_OK ? "" : curl_easy_strerror(cc));
    if (!ok)
        kh__text_printf(&ctx->details, "    reply: %.800s\n",
                        kh__text_str(&reply));
    cJSON_free(json);
    kh__text_dispose(&reply);
    curl_slist_free_all(headers);
out:
    curl_easy_cleanup(curl);
    cJSON_Delete(hs);
    cJSON_Delete(body);
    return ok ? 0 : -1;
}

static int step_faults(struct kh_ctx *ctx, const cJSON *step, const char *where,
                       int set)
{
    const char *system = kx_json_str(step, "system");
    struct km_emulator *emu = kh__system(ctx, system);
    char err[512] = "";

    if (!set) {
        km_server_faults_clear(emu->server);
        return 0;
    }
    return kh__check(ctx,
                     km_server_faults_add(
                         emu->server,
                         cJSON_GetObjectItemCaseSensitive(step, "rules"), err,
                         sizeof(err)) == 0,
                     "%s: fault rules refused: %s", where, err)
               ? 0
               : -1;
}

/* Waits, on the virtual clock, until an expectation on state holds:
 * advance step_ms, deliver due webhooks, look again, up to max_ms. */
static int step_wait(struct kh_ctx *ctx, const cJSON *step, const char *where)
{
    const cJSON *until = cJSON_GetObjectItemCaseSensitive(step, "until");
    int64_t max_ms = (int64_t)kx_json_num(step, "max_ms", 60000);
    int64_t step_ms = (int64_t)kx_json_num(step, "step_ms", 1000);
    int64_t waited = 0;
    char here[128];

    if (step_ms <= 0)
        step_ms = 1000;
    snprintf(here, sizeof(here), "%s/until", where);
    while (!kh__expect_states(ctx, until, here, 1)) {
        if (waited >= max_ms) {
            kh__text_printf(&ctx->details,
                            "%s: still not so after %lld ms of waiting\n",
                            where, (long long)waited);
            kh__expect_states(ctx, until, here, 0);
            return -1;
        }
        ks_clock_advance_ms(ctx->clock, step_ms);
        waited += step_ms;
        pump(ctx, NULL);
    }
    ctx->checks++;
    return 0;
}

int kh__step_run(struct kh_ctx *ctx, const cJSON *step, const char *where)
{
    const char *kind = kx_json_str(step, "do");
    char err[512];

    if (ctx->verbose)
        fprintf(stderr, "  %s %s%s%s\n", where, kind,
                kx_json_str(step, "job") ? " " : "",
                kx_json_str(step, "job") ? kx_json_str(step, "job") : "");
    if (strcmp(kind, "run") == 0)
        return kh__step_job(ctx, step, where);
    if (strcmp(kind, "act") == 0)
        return step_act(ctx, step, where);
    if (strcmp(kind, "clock.advance") == 0) {
        ks_clock_advance_ms(ctx->clock, (int64_t)kx_json_num(step, "ms", 0));
        return 0;
    }
    if (strcmp(kind, "webhooks.pump") == 0) {
        pump(ctx, kx_json_str(step, "system"));
        return 0;
    }
    if (strcmp(kind, "http.request") == 0)
        return step_http(ctx, step, where);
    if (strcmp(kind, "exec") == 0)
        return kh__step_exec(ctx, step, where);
    if (strcmp(kind, "integration") == 0)
        return kh__step_integration(ctx, step, where);
    if (strcmp(kind, "integration.start") == 0)
        return kh__step_integration_start(ctx, step, where);
    if (strcmp(kind, "integration.stop") == 0)
        return kh__step_integration_stop(ctx, step, where);
    if (strcmp(kind, "faults.set") == 0)
        return step_faults(ctx, step, where, 1);
    if (strcmp(kind, "faults.clear") == 0)
        return step_faults(ctx, step, where, 0);
    if (strcmp(kind, "wait") == 0)
        return step_wait(ctx, step, where);
    if (strcmp(kind, "connector.restart") == 0) {
        if (kh__ctx_restart_connector(ctx, err, sizeof(err)) != 0)
            return kh__check(ctx, 0, "%s: restart failed: %s", where, err) - 1;
        return 0;
    }
    return kh__check(ctx, 0, "%s: unknown step \"%s\"", where, kind) - 1;
}
