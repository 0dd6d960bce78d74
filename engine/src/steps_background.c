/*
 * A long-running integration: "integration.start" picks a free loopback
 * port, announces it (KINSYNC_RECEIVER_PORT, KINSYNC_RECEIVER_URL) and
 * waits until something listens there; the steps after it register that
 * address as the hooks' destination and deliver webhooks to it;
 * "integration.stop" (or the scenario's end) waits until its "until"
 * holds, then sends SIGTERM, and SIGKILL after STOP_GRACE_MS, and keeps
 * the output and checks the exit as the other command steps do.
 *
 * Under kinsync verify the command is the integration under test; under
 * kinsync check it is the reference connector: the connector's receiver
 * (ops/src/receiver.c) on the announced port, importing what it queued at
 * the stop (job sync.orders: kh_job_sync_listen, kh_job_sync_listen_end;
 * job oee.events, Epicor's job events through the OEE flow:
 * kh_job_oee_listen, kh_job_oee_listen_end).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <kx/alloc.h>
#include "run_int.h"

#define STOP_GRACE_MS 5000 /* from SIGTERM to SIGKILL */
#define POLL_MS 20         /* between looks: listening yet? until holds? */

struct kh_background {
    char where[64];     /* the integration.start step's pointer */
    const cJSON *step;  /* borrowed from the scenario */
    pid_t pid;          /* verify: the command; 0 under check */
    int exited, status; /* when it ended on its own (verify) */
    struct kh_step_dirs d;
    size_t before[KH_MAX_SYSTEMS];
    int64_t t0, deadline; /* monotonic ms: started, must be stopped by */
    uint16_t port;
};

/* 1 when 127.0.0.1:port (0: any) can be bound now; *bound receives the
 * port the kernel gave. */
static int try_bind(uint16_t port, uint16_t *bound)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
         getsockname(fd, (struct sockaddr *)&a, &len) == 0;
    if (ok)
        *bound = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return ok;
}

/* The lowest port the kernel hands out by itself (port 0 binds and
 * outgoing connections), from ip_local_port_range; 32768 (Linux's
 * default) when it cannot be read. */
static unsigned ephemeral_low(void)
{
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    unsigned low = 32768, high;

    if (f) {
        if (fscanf(f, "%u %u", &low, &high) != 2)
            low = 32768;
        fclose(f);
    }
    return low;
}

uint16_t kh__free_port(void)
{
    enum { FIRST = 10000, TRIES = 64 };
    unsigned low = ephemeral_low();
    uint16_t port = 0;

    /* Between this look and the integration's own bind the port is free
     * for anyone; a port below the ephemeral range is one the kernel never
     * gives to a port-0 server or an outgoing connection (the emulators,
     * libcurl, other tests running beside), so only another explicit
     * choice can take it. Random, so that parallel runs rarely choose
     * alike. */
    for (int i = 0; low > FIRST + TRIES && i < TRIES; i++) {
        uint16_t want = 0;

        if (getrandom(&want, sizeof(want), 0) != (ssize_t)sizeof(want))
            break;
        want = (uint16_t)(FIRST + want % (low - FIRST));
        if (try_bind(want, &port))
            return port;
    }
    return try_bind(0, &port) ? port : 0;
}

void kh__receiver_url(char *out, size_t outsz, uint16_t port)
{
    snprintf(out, outsz, "http://127.0.0.1:%u", (unsigned)port);
}

/* 1 when something accepts connections on 127.0.0.1:port. */
static int listening(uint16_t port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

static void nap(void)
{
    struct timespec ts = {0, POLL_MS * 1000000L};

    nanosleep(&ts, NULL);
}

static void announce(struct kh_ctx *ctx, uint16_t port)
{
    char url[64];

    kh__receiver_url(url, sizeof(url), port);
    kh_ctx_set_slot(ctx, KH_SLOT_INTEGRATION_RECEIVER, kx_xstrdup(url), free);
}

/* Verify mode: starts the command and waits until it listens. */
static int start_command(struct kh_ctx *ctx, struct kh_background *bg)
{
    char why[512] = "";
    int status;

    if (kh__step_dirs_make(&bg->d, ctx, bg->where) != 0)
        return -1;
    bg->pid = kh__command_spawn(
        ctx, ctx->integration,
        kh__integration_env(ctx, bg->step, bg->d.tmp, bg->port), &bg->d,
        bg->before, why, sizeof(why));
    if (bg->pid < 0) {
        bg->pid = 0;
        kh__check(ctx, 0, "%s: %s %s", bg->where, ctx->integration[0], why);
        return kh__command_collect(ctx, 0, why, &bg->d, bg->where, bg->t0,
                                   bg->before, 1);
    }
    while (!listening(bg->port)) {
        if (kh__command_wait(bg->pid, 0, &status)) {
            bg->exited = 1;
            bg->status = status;
            snprintf(why, sizeof(why),
                     "ended (%s %d) before anything listened on "
                     "127.0.0.1:%u (KINSYNC_RECEIVER_PORT)",
                     WIFEXITED(status) ? "exit status" : "signal",
                     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
                     (unsigned)bg->port);
            break;
        }
        if (kx_monotonic_ms() >= bg->deadline) {
            snprintf(why, sizeof(why),
                     "did not listen on 127.0.0.1:%u (KINSYNC_RECEIVER_PORT) "
                     "within %lld ms (--step-timeout, or the step's "
                     "timeout_ms) and was killed",
                     (unsigned)bg->port, (long long)(bg->deadline - bg->t0));
            break;
        }
        nap();
    }
    if (!why[0])
        return 0;
    kill(-bg->pid, SIGKILL);
    if (!bg->exited)
        waitpid(bg->pid, NULL, 0);
    bg->pid = 0;
    kh__check(ctx, 0, "%s: %s %s", bg->where, ctx->integration[0], why);
    return kh__command_collect(ctx, 0, why, &bg->d, bg->where, bg->t0,
                               bg->before, 1);
}

/* 1 for an integration.start of job oee.events (Epicor's job events),
 * 0 for sync.orders (storefront order webhooks). */
static int oee_events(const cJSON *step)
{
    return strcmp(kx_json_str_or(step, "job", ""), "oee.events") == 0;
}

int kh__step_integration_start(struct kh_ctx *ctx, const cJSON *step,
                               const char *where)
{
    struct kh_background *bg;
    char err[1024] = "";
    ks_rc rc;

    if (ctx->background)
        return kh__check(ctx, 0, "%s: an integration started at %s still runs",
                         where, ctx->background->where) -
               1;
    bg = kx_xcalloc(1, sizeof(*bg));
    snprintf(bg->where, sizeof(bg->where), "%s", where);
    bg->step = step;
    bg->t0 = kx_monotonic_ms();
    bg->deadline = bg->t0 + kh__step_timeout(ctx, step);
    bg->port = kh__free_port();
    ctx->background = bg;
    if (!bg->port)
        return kh__check(ctx, 0, "%s: no free loopback port: %s", where,
                         strerror(errno)) -
               1;
    if (ctx->integration) {
        if (start_command(ctx, bg) != 0) {
            kh__background_kill(ctx);
            return -1;
        }
    } else {
        rc = (oee_events(step) ? kh_job_oee_listen : kh_job_sync_listen)(
            ctx, cJSON_GetObjectItemCaseSensitive(step, "options"), bg->port,
            err, sizeof(err));
        if (!kh__check(ctx, rc == KS_OK,
                       "%s: the reference connector's receiver: %s", where,
                       err)) {
            kh__background_kill(ctx);
            return -1;
        }
    }
    announce(ctx, bg->port);
    return 0;
}

/* Until "until" holds (looked at every POLL_MS while the command runs,
 * up to its deadline); 1 when it does (or there is none). */
static int wait_until(struct kh_ctx *ctx, struct kh_background *bg,
                      const cJSON *until, const char *where)
{
    char here[128];

    if (!until)
        return 1;
    snprintf(here, sizeof(here), "%s/until", where);
    while (!kh__expect_states(ctx, until, here, 1)) {
        if (!bg->pid || bg->exited || kx_monotonic_ms() >= bg->deadline) {
            kh__text_printf(&ctx->details,
                            "%s: still not so when the integration was "
                            "stopped\n",
                            where);
            kh__expect_states(ctx, until, here, 0);
            return 0;
        }
        if (kh__command_wait(bg->pid, 0, &bg->status))
            bg->exited = 1;
        else
            nap();
    }
    ctx->checks++;
    return 1;
}

/* Verify mode: SIGTERM, then SIGKILL after STOP_GRACE_MS; the output
 * kept and the end checked: exit 0 or death by the SIGTERM. */
static int stop_command(struct kh_ctx *ctx, struct kh_background *bg,
                        const char *where)
{
    char why[512];
    int ok = 0, killed = 0;

    if (bg->exited) {
        snprintf(why, sizeof(why), "ended on its own (%s %d) before %s",
                 WIFEXITED(bg->status) ? "exit status" : "signal",
                 WIFEXITED(bg->status) ? WEXITSTATUS(bg->status)
                                       : WTERMSIG(bg->status),
                 where);
    } else {
        kill(-bg->pid, SIGTERM);
        if (!kh__command_wait(bg->pid, STOP_GRACE_MS, &bg->status)) {
            kill(-bg->pid, SIGKILL);
            waitpid(bg->pid, &bg->status, 0);
            killed = 1;
        }
        ok = !killed &&
             ((WIFEXITED(bg->status) && !WEXITSTATUS(bg->status)) ||
              (WIFSIGNALED(bg->status) && WTERMSIG(bg->status) == SIGTERM));
        if (killed)
            snprintf(why, sizeof(why),
                     "did not end within %d ms of SIGTERM and was killed",
                     STOP_GRACE_MS);
        else if (WIFEXITED(bg->status))
            snprintf(why, sizeof(why), "exited with status %d after SIGTERM",
                     WEXITSTATUS(bg->status));
        else
            snprintf(why, sizeof(why), "died of signal %d after SIGTERM",
                     WTERMSIG(bg->status));
    }
    kill(-bg->pid, SIGKILL); /* what it left running */
    bg->pid = 0;
    kh__check(ctx, ok,
              "%s: %s %s (expected to run until stopped, then exit 0 or end "
              "by the SIGTERM)",
              bg->where, ctx->integration[0], why);
    return kh__command_collect(ctx, ok, why, &bg->d, bg->where, bg->t0,
                               bg->before, 1);
}

/* Check mode: the reference connector imports what its receiver queued. */
static int stop_reference(struct kh_ctx *ctx, struct kh_background *bg)
{
    cJSON *result = NULL;
    char err[1024] = "";
    ks_rc rc =
        (oee_events(bg->step) ? kh_job_oee_listen_end : kh_job_sync_listen_end)(
            ctx, cJSON_GetObjectItemCaseSensitive(bg->step, "options"), &result,
            err, sizeof(err));
    int ok = kh__check(ctx, rc == KS_OK,
                       "%s: the reference connector's handling of what its "
                       "receiver took returned %s%s%s",
                       bg->where, ks_rc_name(rc), err[0] ? ": " : "", err);

    cJSON_Delete(result);
    return ok ? 0 : -1;
}

static int stop(struct kh_ctx *ctx, const cJSON *step, const char *where)
{
    struct kh_background *bg = ctx->background;
    const cJSON *until = cJSON_GetObjectItemCaseSensitive(step, "until");
    int held, rc;

    if (!bg)
        return kh__check(ctx, 0, "%s: no integration runs (integration.start)",
                         where) -
               1;
    if (ctx->integration) {
        held = wait_until(ctx, bg, until, where);
        rc = stop_command(ctx, bg, where);
    } else {
        rc = stop_reference(ctx, bg);
        held = wait_until(ctx, bg, until, where);
    }
    kh__background_kill(ctx);
    return held && rc == 0 ? 0 : -1;
}

int kh__step_integration_stop(struct kh_ctx *ctx, const cJSON *step,
                              const char *where)
{
    return stop(ctx, step, where);
}

void kh__background_end(struct kh_ctx *ctx)
{
    if (ctx->background)
        stop(ctx, NULL, "the end of the scenario");
}

void kh__background_kill(struct kh_ctx *ctx)
{
    struct kh_background *bg = ctx->background;

    if (!bg)
        return;
    if (bg->pid > 0) {
        kill(-bg->pid, SIGKILL);
        waitpid(bg->pid, NULL, 0);
    }
    kh_ctx_set_slot(ctx, KH_SLOT_INTEGRATION_RECEIVER, NULL, NULL);
    free(bg);
    ctx->background = NULL;
}
