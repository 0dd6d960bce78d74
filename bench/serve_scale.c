/*
 * Benchmark: the Epicor emulator at scale. For each N, a fresh process
 * generates N parts (the documented `generate` key), then asks the
 * emulator, over loopback HTTP with one kept-alive libcurl handle, for:
 *
 *   skip       Parts?$top=100&$skip=N-100 (the last page by offset)
 *   key        Parts?$filter=PartNum eq 'GEN-<middle>'
 *   revid      Parts?$filter=SysRevID gt <last-50>  (key order)
 *   stamp      Parts?$filter=ChangedOn gt datetime'2099-01-01T00:00:00'
 *   unindexed  Parts?$filter=PartDescription eq 'none' (visits every row)
 *   count      Parts?$count=true&$top=1
 *
 * Each request runs REPS times; the median wall time is reported, with
 * the load time (generation, from the configuration to a listening
 * server) and the RSS the emulator added. With several N, every figure
 * is also given as a ratio to the first N (the reference run in the same
 * session): an indexed request stays near 1, a linear one grows with N.
 *
 * Usage: bench_serve_scale [--markdown] N [N...]
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#include "kinmock/emulator.h"

extern const struct km_emulator_type km_epicor_type;

#define NREQ 6

/* Repetitions of each request (median taken); KS_BENCH_REPS overrides,
 * and KS_BENCH_ONLY=name runs that request alone (for a profiler). */
static int reps = 15;
static const char *only;

static const char *const req_names[NREQ] = {"skip",  "key",       "revid",
                                            "stamp", "unindexed", "count"};

struct figures {
    long n;
    double load_ms;
    double rss_mib;
    double req_ms[NREQ];
    long bytes[NREQ];
};

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = 0;

    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    }
    fclose(f);
    return kb;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_serve_scale: %s\n", what);
    exit(1);
}

static size_t sink(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    *(long *)ud += (long)(size * n);
    return size * n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* Median wall time of reps GETs of base + query; bytes of the last. */
static double timed_get(CURL *h, const char *base, const char *query,
                        long *bytes)
{
    double *t = calloc((size_t)reps, sizeof(*t));
    char url[1024];
    long status = 0;
    double median;

    snprintf(url, sizeof(url), "%s?%s", base, query);
    if (!t)
        die("out of memory");
    for (int i = 0; i < reps; i++) {
        double t0;

        *bytes = 0;
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, bytes);
        t0 = now_ms();
        if (curl_easy_perform(h) != CURLE_OK)
            die("request failed");
        t[i] = now_ms() - t0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        if (status != 200) {
            fprintf(stderr, "bench_serve_scale: %s: HTTP %ld\n", url, status);
            exit(1);
        }
    }
    qsort(t, (size_t)reps, sizeof(t[0]), cmp_double);
    median = t[reps / 2];
    free(t);
    return median;
}

/* The query of request k at n parts, URL-encoded where OData needs it. */
static void query_of(char *out, size_t outsz, int k, long n)
{
    switch (k) {
    case 0:
        snprintf(out, outsz, "$top=100&$skip=%ld", n - 100);
        break;
    case 1:
        snprintf(out, outsz, "$filter=PartNum%%20eq%%20%%27GEN-%06ld%%27",
                 n / 2);
        break;
    case 2:
        snprintf(out, outsz, "$filter=SysRevID%%20gt%%20%ld", n - 50);
        break;
    case 3:
        snprintf(out, outsz,
                 "$filter=ChangedOn%%20gt%%20datetime%%272099-01-01T00:00:00"
                 "%%27");
        break;
    case 4:
        snprintf(out, outsz, "$filter=PartDescription%%20eq%%20%%27none%%27");
        break;
    default:
        snprintf(out, outsz, "$count=true&$top=1");
        break;
    }
}

static void measure(struct figures *fig, long n)
{
    struct km_emulator *emu = NULL;
    char cfgtext[256], err[256], base[512], query[256];
    cJSON *cfg;
    long rss0 = rss_kb();
    double t0;
    CURL *h;

    snprintf(cfgtext, sizeof(cfgtext), "{\"generate\":{\"parts\":%ld}}", n);
    cfg = cJSON_Parse(cfgtext);
    t0 = now_ms();
    if (km_emulator_start(&emu, &km_epicor_type, cfg, NULL, NULL, 0, err,
                          sizeof(err)))
        die(err);
    fig->load_ms = now_ms() - t0;
    fig->rss_mib = (double)(rss_kb() - rss0) / 1024.0;
    cJSON_Delete(cfg);
    fig->n = n;
    snprintf(base, sizeof(base),
             "%s/SaaS5333/api/v2/odata/EPIC06/Erp.BO.PartSvc/Parts",
             km_server_url(emu->server));
    h = curl_easy_init();
    if (!h)
        die("curl_easy_init");
    curl_easy_setopt(h, CURLOPT_USERPWD, "manager:manager");
    {
        struct curl_slist *hdrs =
            curl_slist_append(NULL, "x-api-key: km-epicor-test-key");

        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
        for (int k = 0; k < NREQ; k++) {
            if (only && strcmp(only, req_names[k]) != 0)
                continue;
            query_of(query, sizeof(query), k, n);
            fig->req_ms[k] = timed_get(h, base, query, &fig->bytes[k]);
        }
        curl_easy_cleanup(h);
        curl_slist_free_all(hdrs);
    }
    km_emulator_stop(emu);
}

/* Runs measure in a child (a fresh heap per N) and reads its figures
 * back through a pipe. */
static void measure_fresh(struct figures *fig, long n)
{
    int fd[2];
    pid_t pid;
    int status;

    if (pipe(fd))
        die("pipe");
    pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        close(fd[0]);
        measure(fig, n);
        if (write(fd[1], fig, sizeof(*fig)) != (ssize_t)sizeof(*fig))
            _exit(1);
        _exit(0);
    }
    close(fd[1]);
    if (read(fd[0], fig, sizeof(*fig)) != (ssize_t)sizeof(*fig))
        die("the measuring process failed");
    close(fd[0]);
    waitpid(pid, &status, 0);
}

int main(int argc, char **argv)
{
    int markdown = 0, first = 1;
    struct figures ref = {0};

    if (argc > 1 && strcmp(argv[1], "--markdown") == 0)
        markdown = 1, first = 2;
    if (first >= argc) {
        fprintf(stderr, "usage: bench_serve_scale [--markdown] N [N...]\n");
        return 2;
    }
    if (getenv("KS_BENCH_REPS")) {
        long v = strtol(getenv("KS_BENCH_REPS"), NULL, 10);

        if (v > 0 && v < 100000)
            reps = (int)v;
    }
    only = getenv("KS_BENCH_ONLY");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (markdown) {
        printf("| parts | load | RSS added |");
        for (int k = 0; k < NREQ; k++)
            printf(" %s |", req_names[k]);
        printf("\n|---:|---:|---:|");
        for (int k = 0; k < NREQ; k++)
            printf("---:|");
        printf("\n");
    }
    for (int a = first; a < argc; a++) {
        struct figures fig = {0};
        long n = strtol(argv[a], NULL, 10);

        if (n < 200)
            die("N must be at least 200");
        measure_fresh(&fig, n);
        if (a == first)
            ref = fig;
        if (markdown) {
            printf("| %ld | %.0f ms | %.0f MiB |", n, fig.load_ms, fig.rss_mib);
            for (int k = 0; k < NREQ; k++)
                printf(" %.3f ms (×%.1f) |", fig.req_ms[k],
                       fig.req_ms[k] / ref.req_ms[k]);
            printf("\n");
        } else {
            printf("n=%ld load_ms=%.1f rss_mib=%.1f", n, fig.load_ms,
                   fig.rss_mib);
            for (int k = 0; k < NREQ; k++)
                printf(" %s_ms=%.3f", req_names[k], fig.req_ms[k]);
            printf(" unindexed_ns_per_row=%.1f\n",
                   fig.req_ms[4] * 1e6 / (double)n);
        }
        fflush(stdout);
    }
    curl_global_cleanup();
    return 0;
}
