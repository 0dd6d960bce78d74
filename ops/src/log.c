/*
 * Helpers of the `kinsync sync` commands: option values, the monotonic
 * clock, and the log callback with its progress line.
 *
 * The progress line lives on stderr only when stderr is a terminal; every
 * other line printed while it is drawn erases it first, so the terminal
 * never shows a half-overwritten line.
 */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <kx/time.h>
#include "ops.h"

#define DRAW_INTERVAL_MS 250

/* ---- logging and progress -------------------------------------------- */

/* Opens the --log file for appending: created 0600, an existing one
 * stripped of group and other permissions (see ops.h). */
FILE *kh__sync_log_open(const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    struct stat sb;
    FILE *f;

    if (fd < 0)
        return NULL;
    /* A log an older kinsync made 0644 loses its group and other bits; only
     * a regular file is ours to change (not /dev/null). */
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 077))
        (void)fchmod(fd, sb.st_mode & 0700);
    f = fdopen(fd, "a");
    if (!f)
        close(fd);
    return f;
}

int kh__sync_stop_pending(void)
{
    sigset_t p;

    return sigpending(&p) == 0 &&
           (sigismember(&p, SIGINT) == 1 || sigismember(&p, SIGTERM) == 1);
}

void kh__sync_progress_clear(struct kh__sync_log *log)
{
    if (!log->progress_on)
        return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    log->progress_on = 0;
}

void kh__sync_progress(struct kh__sync_log *log, int force)
{
    struct ks_client_stats cs;
    int64_t now = kx_monotonic_ms();

    if (!log->progress || !log->flow || !log->client)
        return;
    if (!force && now - log->last_draw_ms < DRAW_INTERVAL_MS)
        return;
    log->last_draw_ms = now;
    if (!log->stop_pending)
        log->stop_pending = kh__sync_stop_pending();
    ks_client_stats(&cs, log->client);
    fprintf(stderr, "\r[%s] %llu requests, %lld s%s\033[K", log->flow,
            (unsigned long long)(cs.requests - log->flow_requests0),
            (long long)((now - log->flow_start_ms) / 1000),
            log->stop_pending ? " (stopping after this flow)" : "");
    fflush(stderr);
    log->progress_on = 1;
}

/* One log line: UTC time with milliseconds, level, message; the payload
 * (request and reply headers, redacted) indented below it. */
static void log_to_file(FILE *f, enum ks_log_level level, const char *msg,
                        const char *payload)
{
    char when[KX_ISO8601_MAX];

    kx_iso8601_format(when, kx_wall_ms(), KX_ISO8601_MS | KX_ISO8601_Z);
    fprintf(f, "%s %-5s %s\n", when, ks_log_level_name(level), msg);
    while (payload && *payload) {
        size_t n = strcspn(payload, "\n");

        fprintf(f, "    %.*s\n", (int)n, payload);
        payload += n + (payload[n] == '\n');
    }
    fflush(f); /* a crash keeps every line written so far */
}

void kh__sync_log_fn(enum ks_log_level level, const char *msg,
                     const char *payload, void *userdata)
{
    struct kh__sync_log *log = userdata;

    if (log->file)
        log_to_file(log->file, level, msg, payload);
    if (level >= KS_LOG_WARN) {
        kh__sync_progress_clear(log);
        fprintf(stderr, "%s: %s: %s\n", log->prog, ks_log_level_name(level),
                msg);
    }
    kh__sync_progress(log, 0);
}
