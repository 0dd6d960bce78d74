/* The helpers every benchmark program shares (see bench_util.h). */
#include "bench_util.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void bench_die(const char *what, const char *why)
{
    fprintf(stderr, "%s: %s: %s\n", bench_program, what, why);
    exit(1);
}

double bench_now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double bench_cpu_s(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

long bench_peak_rss_kb(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

long bench_ceil_div(long a, long b)
{
    return (a + b - 1) / b;
}

struct km_emulator *bench_start_emulator(const struct km_emulator_type *type,
                                         cJSON *cfg)
{
    struct km_emulator *emu = NULL;
    char err[256];

    if (!cfg)
        bench_die(type->name, "bad configuration");
    if (km_emulator_start(&emu, type, cfg, NULL, NULL, 0, err, sizeof(err)))
        bench_die(type->name, err);
    cJSON_Delete(cfg);
    return emu;
}

long bench_count_requests(struct km_emulator *emu, const char *glob)
{
    cJSON *journal = km_server_journal(emu->server), *e;
    long n = 0;

    cJSON_ArrayForEach(e, journal)
    {
        char line[1024];

        snprintf(line, sizeof(line), "%s %s",
                 cJSON_GetObjectItem(e, "method")->valuestring,
                 cJSON_GetObjectItem(e, "path")->valuestring);
        n += glob ? km_glob_match(glob, line) : 1;
    }
    cJSON_Delete(journal);
    return n;
}

FILE *bench_spawn_emulators(void (*child)(long n, int to_parent,
                                          int from_parent),
                            long n, pid_t *pid, int *to_child)
{
    int down[2], up[2];
    FILE *in;

    if (pipe(down) || pipe(up))
        bench_die("pipe", strerror(errno));
    if ((*pid = fork()) < 0)
        bench_die("fork", strerror(errno));
    if (*pid == 0) {
        close(down[1]);
        close(up[0]);
        child(n, up[1], down[0]);
        _exit(1); /* child() does not return */
    }
    close(down[0]);
    close(up[1]);
    if (!(in = fdopen(up[0], "r")))
        bench_die("fdopen", strerror(errno));
    *to_child = down[1];
    return in;
}

void bench_remove_state(const char *dir, const char *state)
{
    static const char *const suffix[] = {"", "-wal", "-shm"};
    char f[256];

    for (size_t i = 0; i < sizeof(suffix) / sizeof(*suffix); i++) {
        snprintf(f, sizeof(f), "%s%s", state, suffix[i]);
        unlink(f);
    }
    rmdir(dir);
}

int bench_in_child(int (*one)(long n, int markdown), long n, int markdown)
{
    pid_t pid;
    int st = 0;

    fflush(stdout);
    pid = fork();
    if (pid == 0)
        _exit(one(n, markdown));
    if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
        WEXITSTATUS(st) != 0)
        return 1;
    return 0;
}

void bench_epicor_open(struct ks_client **client, struct ks_epicor **epicor,
                       const char *url, const struct bench_epicor_account *a,
                       int page_size)
{
    struct ks_client_options co = KS_CLIENT_OPTIONS_INIT;
    struct ks_epicor_options ko = KS_EPICOR_OPTIONS_INIT;

    co.jitter_seed = 1;
    if (ks_client_new(client, &co))
        bench_die("client", "cannot create");
    ko.server_url = url;
    ko.instance = a->instance;
    ko.company = a->company;
    ko.api_key = a->api_key;
    ko.auth = KS_EPICOR_AUTH_BASIC;
    ko.username = a->user;
    ko.password = a->password;
    ko.page_size = page_size;
    if (ks_epicor_new(epicor, *client, &ko))
        bench_die("kinetic", ks_client_last_error(*client)->message);
}
