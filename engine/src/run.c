/*
 * Running one scenario: open the context (clock, emulators, client), run
 * the steps in order, stop at the first step that fails (later steps
 * build on earlier ones), check "then", and close everything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <kx/alloc.h>
#include "run_int.h"

static char *copy(const char *s)
{
    size_t n = strlen(s ? s : "") + 1;
    char *d = kx_xmalloc(n);

    memcpy(d, s ? s : "", n);
    return d;
}

void kh_result_dispose(struct kh_result *res)
{
    if (!res)
        return;
    free(res->path);
    free(res->name);
    free(res->details);
    free(res->log);
    free(res->out);
    free(res->err);
    for (size_t i = 0; i < res->nrules; i++)
        free(res->rules[i].rule);
    free(res->rules);
    memset(res, 0, sizeof(*res));
}

/* Writes text to path; a failure is a note in the details, not a
 * failure of the scenario. */
static void save_text(struct kh_ctx *ctx, const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    if (!f || !text || fputs(text, f) < 0 || fputc('\n', f) < 0)
        kh__text_printf(&ctx->details, "(could not write %s)\n", path);
    if (f && fclose(f) != 0)
        kh__text_printf(&ctx->details, "(could not write %s)\n", path);
}

/* The journals of the run: one JSON file per emulator under journal_dir,
 * one HAR under har_dir (both redacted, as the journals are). */
static void save_traffic(struct kh_ctx *ctx, const struct kh_run_options *opts)
{
    const char *base = strrchr(ctx->sc->path, '/');
    cJSON *har = opts->har_dir ? kh_har_new() : NULL;
    char stem[256], path[4096];
    size_t n;

    base = base ? base + 1 : ctx->sc->path;
    n = strcspn(base, ".");
    snprintf(stem, sizeof(stem), "%.*s", (int)n, base);
    for (size_t i = 0; i < ctx->nsystems; i++) {
        struct km_server *server = ctx->systems[i].emu->server;
        cJSON *journal = km_server_journal(server);

        if (opts->journal_dir) {
            char *text = cJSON_Print(journal);

            snprintf(path, sizeof(path), "%s/%s.%s.json", opts->journal_dir,
                     stem, ctx->systems[i].name);
            save_text(ctx, path, text);
            cJSON_free(text);
        }
        if (har)
            kh_har_add_journal(har, journal, km_server_url(server));
        cJSON_Delete(journal);
    }
    if (har) {
        char *text;

        kh_har_finish(har);
        text = cJSON_Print(har);
        snprintf(path, sizeof(path), "%s/%s.har", opts->har_dir, stem);
        save_text(ctx, path, text);
        cJSON_free(text);
        cJSON_Delete(har);
    }
}

/* CPU time of this process, every thread of it, in ms. */
static double process_cpu_ms(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        return 0;
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int kh_scenario_run(struct kh_result *res, const struct kh_scenario *sc,
                    const struct kh_run_options *opts)
{
    struct kh_ctx ctx;
    const cJSON *then = cJSON_GetObjectItemCaseSensitive(sc->doc, "then");
    const cJSON *step;
    int64_t t0 = kx_monotonic_ms();
    double cpu0 = process_cpu_ms();
    char err[1024];
    size_t i = 0;

    memset(res, 0, sizeof(*res));
    res->path = copy(sc->path);
    res->name = copy(sc->name);
    if (kh__ctx_open(&ctx, sc, opts, err, sizeof(err)) != 0) {
        kh__text_printf(&ctx.details, "%s: could not set up: %s\n", sc->path,
                        err);
        res->outcome = KH_ERROR;
        goto out;
    }
    kh__credentials_open(&ctx);
    cJSON_ArrayForEach(step, cJSON_GetObjectItemCaseSensitive(sc->doc, "when"))
    {
        char where[64];

        snprintf(where, sizeof(where), "/when/%zu", i++);
        res->steps_run++;
        if (kh__step_run(&ctx, step, where) != 0) {
            kh__text_printf(&ctx.details,
                            "(steps after %s were not run; \"then\" was not "
                            "checked)\n",
                            where);
            break;
        }
    }
    kh__background_end(&ctx); /* an integration.start left running */
    if (ctx.failures == 0)
        kh__expect_then(&ctx, then);
    /* Even after a failed step: a leak is worth knowing about. */
    kh__expect_no_credentials(&ctx, then);
    res->outcome = ctx.failures ? KH_FAIL : KH_PASS;
    if (opts && (opts->journal_dir || opts->har_dir))
        save_traffic(&ctx, opts);
out:
    res->checks = ctx.checks;
    res->failures = ctx.failures;
    res->virtual_ms = ctx.clock ? ks_clock_now_ms(ctx.clock) - ctx.start_ms : 0;
    kh__ctx_close(&ctx); /* its teardown may still log */
    kh__credentials_close(&ctx);
    res->log = kh__text_take(&ctx.log);
    res->details = kh__text_take(&ctx.details);
    res->out = kh__text_take(&ctx.out);
    res->err = kh__text_take(&ctx.err);
    res->rules = kx_xcalloc(ctx.nrules + 1, sizeof(*res->rules));
    for (size_t r = 0; r < ctx.nrules; r++) {
        res->rules[r].rule = ctx.rules[r].rule;
        res->rules[r].passed = !ctx.rules[r].failed;
        ctx.rules[r].rule = NULL;
    }
    res->nrules = ctx.nrules;
    kh__ctx_release(&ctx);
    res->wall_ms = kx_monotonic_ms() - t0;
    res->cpu_ms = process_cpu_ms() - cpu0;
    return res->outcome == KH_PASS ? 0 : -1;
}

int kh_run_file(struct kh_result *res, const char *path,
                const struct kh_run_options *opts)
{
    struct kh_scenario *sc = NULL;
    char err[8192];
    int rc;

    if (kh_scenario_load(&sc, path, opts->fixtures_dir, err, sizeof(err)) !=
        0) {
        memset(res, 0, sizeof(*res));
        res->path = copy(path);
        res->name = copy(path);
        res->outcome = KH_ERROR;
        res->details = copy(err);
        res->log = copy("");
        res->out = copy("");
        res->err = copy("");
        return -1;
    }
    rc = kh_scenario_run(res, sc, opts);
    kh_scenario_free(sc);
    return rc;
}

/* The meaning of a variable, from kh__env_docs: its own row, else the
 * family it belongs to. */
static const char *env_meaning(const char *var)
{
    size_t n = strcspn(var, "=");

    for (size_t i = 0; kh__env_docs[i].name; i++) {
        if (strlen(kh__env_docs[i].name) == n &&
            strncmp(kh__env_docs[i].name, var, n) == 0)
            return kh__env_docs[i].meaning;
    }
    if (strncmp(var, "KINSYNC_URL_", 12) == 0)
        return kh__env_docs[0].meaning;
    for (size_t i = 0; kh__env_docs[i].name; i++) {
        if (strcmp(kh__env_docs[i].name, "KINSYNC_<SYSTEM>_<KEY>") == 0)
            return kh__env_docs[i].meaning;
    }
    return "";
}

int kh_print_env(FILE *f, const char *path, const struct kh_run_options *opts)
{
    static char *const placeholder[] = {"(the integration)", NULL};
    struct kh_run_options o = *opts;
    struct kh_scenario *sc = NULL;
    struct kh_ctx ctx;
    const cJSON *step, *first = NULL;
    char err[8192], **env;
    int rc = -1;

    if (kh_scenario_load(&sc, path, opts->fixtures_dir, err, sizeof(err)) !=
        0) {
        fprintf(stderr, "%s", err);
        return -1;
    }
    cJSON_ArrayForEach(step, cJSON_GetObjectItemCaseSensitive(sc->doc, "when"))
    {
        const char *kind = kx_json_str(step, "do");

        if (!first && kind && strncmp(kind, "integration", 11) == 0 &&
            strcmp(kind, "integration.stop") != 0)
            first = step;
    }
    if (!first) {
        fprintf(stderr, "kinsync verify: %s: no integration step\n", path);
        kh_scenario_free(sc);
        return -1;
    }
    o.integration = placeholder;
    if (kh__ctx_open(&ctx, sc, &o, err, sizeof(err)) != 0 ||
        !kh__ctx_work_dir(&ctx, err, sizeof(err))) {
        fprintf(stderr, "kinsync verify: %s: could not set up: %s\n", path,
                err);
        goto out;
    }
    fprintf(
        f,
        "# %s (%s): the environment of its first integration step,\n"
        "# credentials included (your integration needs them). Ports and\n"
        "# directories are new in every run; TMPDIR is new in every step.\n",
        sc->name, path);
    env = kh__integration_env(
        &ctx, first, "<the step's own directory>/tmp",
        strcmp(kx_json_str(first, "do"), "integration.start") == 0
            ? kh__free_port()
            : 0);
    for (size_t i = 0; env[i]; i++) {
        fprintf(f, "%s\n    %s\n", env[i], env_meaning(env[i]));
        free(env[i]);
    }
    free(env);
    rc = 0;
out:
    kh__ctx_close(&ctx);
    kh__text_dispose(&ctx.log);
    kh__text_dispose(&ctx.details);
    kh__ctx_release(&ctx);
    kh_scenario_free(sc);
    return rc;
}
