/*
 * The steps that run a command: "exec" (any program, with the emulators'
 * URLs) and, under kinsync verify, "integration" (the integration under
 * test, with the environment of kh__env_docs). Each runs in its own
 * directory under the scenario's scratch directory, with a TMPDIR of its
 * own, bounded in time; its stdout and stderr are checked for credentials
 * byte for byte, then kept masked for the reports.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <kx/alloc.h>
#include "run_int.h"

extern char **environ;

#define EXEC_OUTPUT_MAX 4096         /* bytes of each stream in details */
#define EXEC_OUTPUT_KEPT (64 * 1024) /* bytes of each stream in reports */
/* bytes of each stream read for the credential check */
#define EXEC_OUTPUT_CHECKED (256 * 1024 * 1024)

/* The variables an integration step gets: the table behind
 * kinsync verify --print-env, its --help and the README's table. */
const struct kh_env_doc kh__env_docs[] = {
    {"KINSYNC_URL_<SYSTEM>",
     "an emulator's base URL (KINSYNC_URL_EPICOR, KINSYNC_URL_BIGCOMMERCE, "
     "...); a new port every run"},
    {"KINSYNC_JOB", "the work to do, named like the reference connector's job: "
                    "sync.parts, sync.orders, ...; in the background "
                    "(integration.start) sync.orders or oee.events"},
    {"KINSYNC_OPTIONS", "the step's options as JSON ({} when none)"},
    {"KINSYNC_SCENARIO", "the scenario's name (for your logs)"},
    {"KINSYNC_STATE_DIR",
     "a directory for durable state, empty at the scenario's start and kept "
     "across its steps (a restart included), removed after it"},
    {"TMPDIR", "a fresh, empty directory for this step only, removed after the "
               "scenario"},
    {"KINSYNC_STEP_TIMEOUT_MS",
     "real milliseconds the step may take before it is killed (--step-timeout, "
     "default 60000, or the step's timeout_ms)"},
    {"KINSYNC_EPICOR_INSTANCE",
     "the Epicor instance, the first path segment: "
     "$KINSYNC_URL_EPICOR/<instance>/api/v2/odata/<company>/..."},
    {"KINSYNC_EPICOR_COMPANY", "the Epicor company id in every v2 URL"},
    {"KINSYNC_EPICOR_AUTH",
     "basic: send Authorization: Basic USERNAME:PASSWORD on every call; "
     "token: POST USERNAME and PASSWORD to <instance>/TokenResource.svc/ "
     "for a bearer token, send Authorization: Bearer, and fetch a new one "
     "after a 401 for an expired token"},
    {"KINSYNC_EPICOR_USERNAME", "the Epicor user"},
    {"KINSYNC_EPICOR_PASSWORD", "the Epicor user's password (a credential)"},
    {"KINSYNC_EPICOR_API_KEY",
     "the Epicor API key, sent as the x-api-key header on every v2 call, "
     "never in a URL (a credential)"},
    {"KINSYNC_BIGCOMMERCE_STORE_HASH",
     "the store: $KINSYNC_URL_BIGCOMMERCE/stores/<hash>/v3/...; distinct "
     "per scenario unless the scenario pins it"},
    {"KINSYNC_BIGCOMMERCE_ACCESS_TOKEN",
     "sent as the X-Auth-Token header on every store call, never in a URL "
     "(a credential)"},
    {"KINSYNC_BIGCOMMERCE_CLIENT_SECRET",
     "the key webhooks are signed with (a credential; never sent)"},
    {"KINSYNC_WOOCOMMERCE_CONSUMER_KEY",
     "the REST API key: Basic auth user, or consumer_key in the query where "
     "the scenario allows it (a credential)"},
    {"KINSYNC_WOOCOMMERCE_CONSUMER_SECRET",
     "the REST API secret: Basic auth password (a credential)"},
    {"KINSYNC_RETRY_MAX_ATTEMPTS",
     "tries of one call in all, the first included, before giving up"},
    {"KINSYNC_RETRY_BASE_DELAY_MS",
     "the pause before the first retry after a 502, 503, 504 or a dropped "
     "connection, doubled for each next one (the reference connector waits "
     "between half of it and all of it)"},
    {"KINSYNC_RETRY_MAX_DELAY_MS", "the longest such pause"},
    {"KINSYNC_RETRY_RATE_LIMIT_DEFAULT_WAIT_MS",
     "the wait after a 429 without a reset header"},
    {"KINSYNC_RETRY_RATE_LIMIT_MAX_WAIT_MS",
     "the longest one wait after a 429 may be"},
    {"KINSYNC_RETRY_JITTER_SEED", "the reference connector's jitter seed"},
    {"KINSYNC_RECEIVER_PORT",
     "integration.start only: the loopback port your webhook receiver must "
     "listen on (127.0.0.1), picked free for the step; the step waits until "
     "something accepts connections there"},
    {"KINSYNC_CA_FILE",
     "with \"tls\": true only: the PEM file of the CA the emulators' "
     "certificate chains to; also set as NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, "
     "REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE"},
    {"KINSYNC_RECEIVER_URL",
     "integration.start only: http://127.0.0.1:<port>; the scenario's hooks "
     "deliver to $KINSYNC_RECEIVER_URL/webhooks/bigcommerce and "
     "/webhooks/woocommerce until integration.stop sends SIGTERM; for "
     "oee.events, Epicor's event functions POST job events to "
     "$KINSYNC_RECEIVER_URL/webhooks/epicor: answer 2xx at once, act on "
     "each whole event as pattern 1 does"},
    {"KINSYNC_OEE_EVENT_SECRET",
     "oee.events only: the value of the X-Kinsync-Event-Secret header every "
     "genuine Epicor job event carries (given.connector.oee.event_secret; a "
     "credential); refuse a delivery without it (401)"},
    {"KINSYNC_<SYSTEM>_<KEY>",
     "any other value of the scenario's given.connector.<system>, the key "
     "upper-cased, '.' and '-' as '_'"},
    {NULL, NULL}};

/* Added variables, NULL-ended; env_add aborts on out-of-memory. */
struct env_list {
    char **v;
    size_t n;
};

/* Adds NAME=value; NAME is upper-cased, with '.' and '-' as '_'. */
static void env_add(struct env_list *e, const char *name, const char *value)
{
    char *var = kx_xasprintf("%s=%s", name, value);

    e->v = kx_xrealloc(e->v, (e->n + 2) * sizeof(*e->v));
    for (char *c = var; *c != '='; c++)
        *c = *c == '.' || *c == '-' ? '_' : (char)toupper((unsigned char)*c);
    e->v[e->n++] = var;
    e->v[e->n] = NULL;
}

static void env_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

/* The CA of a "tls": true scenario as KINSYNC_CA_FILE and in the
 * variables unmodified clients read: Node adds NODE_EXTRA_CA_CERTS to its
 * store; OpenSSL (SSL_CERT_FILE), Python requests (REQUESTS_CA_BUNDLE)
 * and the curl tool (CURL_CA_BUNDLE) use it instead of theirs, which is
 * what a command that talks only to the emulators needs. */
static const char *const ca_vars[] = {"KINSYNC_CA_FILE", "NODE_EXTRA_CA_CERTS",
                                      "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE",
                                      "CURL_CA_BUNDLE"};

/* KINSYNC_URL_<SYSTEM> for every emulator, and the CA variables. */
static void env_urls(struct env_list *e, struct kh_ctx *ctx)
{
    for (size_t i = 0; ctx->ca_file && i < sizeof(ca_vars) / sizeof(*ca_vars);
         i++)
        env_add(e, ca_vars[i], ctx->ca_file);
    for (size_t i = 0; i < ctx->nsystems; i++) {
        char name[96];

        snprintf(name, sizeof(name), "KINSYNC_URL_%s", ctx->systems[i].name);
        env_add(e, name, km_server_url(ctx->systems[i].emu->server));
    }
}

/* TMPDIR, KINSYNC_STATE_DIR and KINSYNC_STEP_TIMEOUT_MS of a step. */
static void env_dirs(struct env_list *e, struct kh_ctx *ctx, const char *tmp,
                     int64_t timeout)
{
    char num[32];

    env_add(e, "TMPDIR", tmp);
    if (ctx->work_dir) {
        char *state = kx_xasprintf("%s/state", ctx->work_dir);

        env_add(e, "KINSYNC_STATE_DIR", state);
        free(state);
    }
    snprintf(num, sizeof(num), "%lld", (long long)timeout);
    env_add(e, "KINSYNC_STEP_TIMEOUT_MS", num);
}

int64_t kh__step_timeout(const struct kh_ctx *ctx, const cJSON *step)
{
    return (int64_t)kx_json_num(step, "timeout_ms",
                                (double)ctx->step_timeout_ms);
}

char **kh__integration_env(struct kh_ctx *ctx, const cJSON *step,
                           const char *tmpdir, uint16_t receiver_port)
{
    const cJSON *conn =
        cJSON_GetObjectItemCaseSensitive(ctx->given, "connector");
    const cJSON *options = cJSON_GetObjectItemCaseSensitive(step, "options");
    const cJSON *sys, *v;
    struct env_list env = {kx_xcalloc(1, sizeof(char *)), 0};
    char *json;

    env_urls(&env, ctx);
    cJSON_ArrayForEach(sys, conn)
    {
        cJSON_ArrayForEach(v, sys)
        {
            char name[160], num[32];

            if (!v->string)
                continue;
            snprintf(name, sizeof(name), "KINSYNC_%s_%s", sys->string,
                     v->string);
            if (cJSON_IsString(v)) {
                env_add(&env, name, v->valuestring);
            } else if (cJSON_IsNumber(v)) {
                snprintf(num, sizeof(num), "%.17g", v->valuedouble);
                env_add(&env, name, num);
            } else if (cJSON_IsBool(v)) {
                env_add(&env, name, cJSON_IsTrue(v) ? "true" : "false");
            }
        }
    }
    env_add(&env, "KINSYNC_JOB", kx_json_str(step, "job"));
    json = options ? cJSON_PrintUnformatted(options) : NULL;
    env_add(&env, "KINSYNC_OPTIONS", json ? json : "{}");
    cJSON_free(json);
    env_add(&env, "KINSYNC_SCENARIO", ctx->sc->name);
    env_dirs(&env, ctx, tmpdir, kh__step_timeout(ctx, step));
    if (receiver_port) {
        char port[16], url[64];

        snprintf(port, sizeof(port), "%u", (unsigned)receiver_port);
        kh__receiver_url(url, sizeof(url), receiver_port);
        env_add(&env, "KINSYNC_RECEIVER_PORT", port);
        env_add(&env, "KINSYNC_RECEIVER_URL", url);
    }
    return env.v;
}

/* The child's environment: the added variables, then ours but those
 * they replace (getenv takes the first of a name). Borrows both. */
static char **env_merge(char **added)
{
    size_t n = 0, k = 0, a;
    char **v;

    while (environ[n])
        n++;
    for (a = 0; added[a]; a++)
        ;
    v = kx_xcalloc(n + a + 1, sizeof(*v));
    for (size_t i = 0; i < a; i++)
        v[k++] = added[i];
    for (size_t i = 0; i < n; i++) {
        size_t len = strcspn(environ[i], "=");
        int replaced = 0;

        for (size_t j = 0; j < a && !replaced; j++)
            replaced = strncmp(added[j], environ[i], len + 1) == 0;
        if (!replaced)
            v[k++] = environ[i];
    }
    return v;
}

int kh__step_dirs_make(struct kh_step_dirs *d, struct kh_ctx *ctx,
                       const char *where)
{
    char err[1200];
    const char *work = kh__ctx_work_dir(ctx, err, sizeof(err));

    if (!work)
        return kh__check(ctx, 0, "%s: %s", where, err) - 1;
    snprintf(d->dir, sizeof(d->dir), "%s/step-%zu", work, ++ctx->steps_spawned);
    snprintf(d->tmp, sizeof(d->tmp), "%s/tmp", d->dir);
    if (mkdir(d->dir, 0700) != 0 || mkdir(d->tmp, 0700) != 0)
        return kh__check(ctx, 0, "%s: cannot create %s: %s", where, d->tmp,
                         strerror(errno)) -
               1;
    return 0;
}

/* The whole of an output file (to the credential check), up to a bound. */
static char *slurp(const char *path, size_t *len)
{
    struct kh_text t = {0};
    char buf[65536];
    FILE *f = fopen(path, "rb");
    size_t n;

    while (f && t.len < EXEC_OUTPUT_CHECKED &&
           (n = fread(buf, 1, sizeof(buf), f)) > 0)
        kh__text_append(&t, buf, n);
    if (f)
        fclose(f);
    *len = t.len;
    return kh__text_take(&t);
}

/* Checks one stream's raw bytes for credentials, then keeps it masked
 * (the first EXEC_OUTPUT_KEPT bytes) in keep under a heading; shown in
 * details too (the last EXEC_OUTPUT_MAX bytes) when show is set. */
static void take_output(struct kh_ctx *ctx, struct kh_text *keep,
                        const char *path, const char *stream,
                        const char *heading, const char *where, int show)
{
    const char *const *secrets;
    size_t nsecrets = kh__ctx_secrets(ctx, &secrets), len;
    char *raw = slurp(path, &len);
    size_t kept = len > EXEC_OUTPUT_KEPT ? EXEC_OUTPUT_KEPT : len;
    size_t from = len > EXEC_OUTPUT_MAX ? len - EXEC_OUTPUT_MAX : 0;

    kh__credentials_check_output(ctx, where, stream, raw, len);
    /* The command had the credentials (verify passes them on): what it
     * printed goes into reports, so mask them first. */
    ks_redact_mask(raw, len, secrets, nsecrets);
    if (len) {
        kh__text_printf(keep, "== %s %s (%s) ==\n", where, stream, heading);
        kh__text_append(keep, raw, kept);
        kh__text_printf(keep, "%s%s", kept && raw[kept - 1] != '\n' ? "\n" : "",
                        kept < len ? "(cut)\n" : "");
    }
    if (show)
        kh__text_printf(&ctx->details, "    %s%s:\n%s%s\n", stream,
                        from ? " (its end)" : "", raw + from,
                        len ? "" : "(nothing)");
    if (ctx->verbose && len)
        fprintf(stderr, "    %s %s:\n%s%s", where, stream, raw,
                raw[len - 1] == '\n' ? "" : "\n");
    free(raw);
}

/* Starts argv in its own process group with stdout and stderr to files
 * under d->dir; returns the pid, or -1 with errno's text in why. */
static pid_t spawn(char *const *argv, char **env, const struct kh_step_dirs *d,
                   char *why, size_t whysz)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    char out[1100], err[1100];
    pid_t pid = -1;
    int rc;

    snprintf(out, sizeof(out), "%s/stdout", d->dir);
    snprintf(err, sizeof(err), "%s/stderr", d->dir);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv, env);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        snprintf(why, whysz, "could not be started: %s", strerror(rc));
        return -1;
    }
    return pid;
}

pid_t kh__command_spawn(struct kh_ctx *ctx, char *const *argv, char **added,
                        const struct kh_step_dirs *d, size_t *before, char *why,
                        size_t whysz)
{
    char **env = env_merge(added);
    pid_t pid;

    for (size_t i = 0; i < ctx->nsystems; i++)
        before[i] = km_server_journal_count(ctx->systems[i].emu->server);
    pid = spawn(argv, env, d, why, whysz);
    free(env);
    env_free(added);
    return pid;
}

int kh__command_wait(pid_t pid, int64_t timeout, int *status)
{
    int64_t deadline = kx_monotonic_ms() + timeout;
    pid_t done;

    while ((done = waitpid(pid, status, WNOHANG)) == 0 &&
           kx_monotonic_ms() < deadline) {
        struct timespec nap = {0, 10 * 1000000};

        nanosleep(&nap, NULL);
    }
    return done > 0;
}

/* Waits for pid up to timeout ms, then kills its process group. Returns
 * the exit status (-1: a signal), *timed_out set when killed. */
static int wait_bounded(pid_t pid, int64_t timeout, int *timed_out)
{
    int status = 0;
    int done = kh__command_wait(pid, timeout, &status);

    *timed_out = !done;
    if (!done) {
        kill(-pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    kill(-pid, SIGKILL); /* what it left running in the background */
    return done && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int kh__command_collect(struct kh_ctx *ctx, int ok, const char *why,
                        const struct kh_step_dirs *d, const char *where,
                        int64_t t0, const size_t *before, int integration)
{
    char path[1100], heading[1024];

    snprintf(heading, sizeof(heading), "%s: %s, %.1f s",
             integration ? "integration" : "exec", why,
             (double)(kx_monotonic_ms() - t0) / 1000);
    snprintf(path, sizeof(path), "%s/stdout", d->dir);
    take_output(ctx, &ctx->out, path, "stdout", heading, where, !ok);
    snprintf(path, sizeof(path), "%s/stderr", d->dir);
    take_output(ctx, &ctx->err, path, "stderr", heading, where, !ok);
    if (!ok && integration)
        kh__explain_answers(ctx, before);
    return ok ? 0 : -1;
}

/* Runs argv (any language) against the emulators with the added
 * variables (freed here) in d; keeps its stdout and stderr (credentials
 * checked, then masked), and shows them when the exit status is not
 * want; an integration's failure also lists the 4xx/5xx answers it got. */
static int run_command(struct kh_ctx *ctx, char *const *argv, char **added,
                       const struct kh_step_dirs *d, int want, int64_t timeout,
                       const char *where, int integration)
{
    size_t before[KH_MAX_SYSTEMS];
    char why[512] = "";
    int64_t t0 = kx_monotonic_ms();
    int code = -1, timed_out = 0, ok;
    pid_t pid =
        kh__command_spawn(ctx, argv, added, d, before, why, sizeof(why));

    if (pid > 0)
        code = wait_bounded(pid, timeout, &timed_out);
    if (timed_out)
        snprintf(why, sizeof(why),
                 "timed out after %lld ms and was killed (--step-timeout, or "
                 "the step's timeout_ms)",
                 (long long)timeout);
    else if (pid > 0 && code < 0)
        snprintf(why, sizeof(why), "died of a signal");
    else if (pid > 0)
        snprintf(why, sizeof(why), "exited with status %d", code);
    ok = kh__check(ctx, code == want, "%s: %s %s (expected exit %d)", where,
                   argv[0], why, want);
    return kh__command_collect(ctx, ok, why, d, where, t0, before, integration);
}

/* An external command with KINSYNC_URL_<SYSTEM> and its own TMPDIR. */
int kh__step_exec(struct kh_ctx *ctx, const cJSON *step, const char *where)
{
    const cJSON *argv_json = cJSON_GetObjectItemCaseSensitive(step, "argv");
    size_t argc = (size_t)cJSON_GetArraySize(argv_json), i = 0;
    char **argv = kx_xcalloc(argc + 1, sizeof(*argv));
    struct env_list env = {kx_xcalloc(1, sizeof(char *)), 0};
    struct kh_step_dirs d;
    const cJSON *a;
    int rc = -1;

    cJSON_ArrayForEach(a, argv_json)
    {
        argv[i++] = a->valuestring;
    }
    if (kh__step_dirs_make(&d, ctx, where) == 0) {
        env_urls(&env, ctx);
        env_dirs(&env, ctx, d.tmp, kh__step_timeout(ctx, step));
        rc = run_command(ctx, argv, env.v, &d,
                         (int)kx_json_num(step, "expect_exit", 0),
                         kh__step_timeout(ctx, step), where, 0);
        env.v = NULL;
    }
    env_free(env.v);
    free(argv);
    return rc;
}

/*
 * The integration under test does the step's work. Check mode: the
 * reference connector's job. Verify mode: the command given to kinsync
 * verify, with the variables of kh__env_docs (credentials included: the
 * integration needs them); it must exit 0.
 */
int kh__step_integration(struct kh_ctx *ctx, const cJSON *step,
                         const char *where)
{
    struct kh_step_dirs d;

    if (!ctx->integration)
        return kh__step_job(ctx, step, where);
    if (kh__step_dirs_make(&d, ctx, where) != 0)
        return -1;
    return run_command(ctx, ctx->integration,
                       kh__integration_env(ctx, step, d.tmp, 0), &d, 0,
                       kh__step_timeout(ctx, step), where, 1);
}
