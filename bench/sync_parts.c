/*
 * Benchmark: a full sync of N generated Epicor parts to BigCommerce
 * (products, prices, stock), ks_sync_parts_to_bigcommerce against the
 * emulators over loopback HTTP.
 *
 * The emulators run in a child process, so the parent's peak RSS is the
 * connector's alone (client, sync engine, SQLite state file) and can be
 * compared across N: it must stay flat, since parts are streamed page by
 * page and state lives on disk. Both sides use the real clock; the
 * BigCommerce emulator is given a quota no run reaches, so the figures
 * measure the connector, not a rate limit (the report also says how long
 * the same requests would take at the Standard plan's 150 per 30 s).
 *
 * Usage: bench_sync_parts N [N...]      (each N in a fresh pair of
 * processes); prints one line of figures per N and, with --markdown, a
 * table row.
 */
#define _DEFAULT_SOURCE /* mkdtemp */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <kinsync.h>
#include <kinsync/sync.h>
#include "bench_util.h"

extern const struct km_emulator_type km_epicor_type;
extern const struct km_emulator_type km_bigcommerce_type;

const char *const bench_program = "bench_sync_parts";

/* The accounts the emulators are configured with and the connector signs
 * in with: one description for both sides, so they cannot drift apart. */
static const struct bench_accounts {
    struct bench_epicor_account epicor;
    const char *bc_store_hash;
    const char *bc_token;
} account = {.epicor = {.instance = "SaaS5333",
                        .company = "EPIC06",
                        .user = "bench",
                        .password = "bench-Pa55",
                        .api_key = "bench-api-key"},
             .bc_store_hash = "bench1",
             .bc_token = "tok_bench"};
#define PAGE 100            /* Epicor rows per page (the page cap) */
#define BC_STOCK_BATCH 2000 /* items per absolute-adjustments call */

struct emulator_counts {
    long epicor_requests;
    long epicor_part_pages;
    long epicor_whse_pages;
    long bc_requests;
    long bc_creates;
    long bc_stock_calls;
    long rss_kb;
};

/* The child: serves both emulators, tells the parent their URLs, and when
 * the parent is done (its end of the pipe closes) reports the journal
 * counts and its own peak RSS. */
static void run_emulators(long n, int to_parent, int from_parent)
{
    struct emulator_counts c;
    struct km_emulator *epi, *bc;
    char text[512], buf[16];
    FILE *out = fdopen(to_parent, "w");

    snprintf(text, sizeof(text),
             "{\"instance\":\"%s\",\"companies\":{\"%s\":{}},"
             "\"users\":[{\"username\":\"%s\",\"password\":\"%s\"}],"
             "\"api_keys\":[{\"key\":\"%s\"}],"
             "\"generate\":{\"parts\":%ld,\"seed\":7}}",
             account.epicor.instance, account.epicor.company,
             account.epicor.user, account.epicor.password,
             account.epicor.api_key, n);
    epi = bench_start_emulator(&km_epicor_type, cJSON_Parse(text));
    snprintf(text, sizeof(text),
             "{\"store_hash\":\"%s\",\"access_tokens\":[\"%s\"],"
             "\"rate_limit\":{\"quota\":1000000000,\"window_ms\":1000}}",
             account.bc_store_hash, account.bc_token);
    bc = bench_start_emulator(&km_bigcommerce_type, cJSON_Parse(text));
    fprintf(out, "%s %s\n", km_server_url(epi->server),
            km_server_url(bc->server));
    fflush(out);
    while (read(from_parent, buf, sizeof(buf)) > 0)
        ;
    c.epicor_requests = bench_count_requests(epi, NULL);
    c.epicor_part_pages =
        bench_count_requests(epi, "GET /*/Erp.BO.PartSvc/Parts");
    c.epicor_whse_pages =
        bench_count_requests(epi, "GET /*/Erp.BO.PartSvc/PartWhses");
    c.bc_requests = bench_count_requests(bc, NULL);
    c.bc_creates =
        bench_count_requests(bc, "POST /stores/*/v3/catalog/products");
    c.bc_stock_calls =
        bench_count_requests(bc, "PUT /stores/*/v3/inventory/adjustments/*");
    c.rss_kb = bench_peak_rss_kb();
    fprintf(out, "%ld %ld %ld %ld %ld %ld %ld\n", c.epicor_requests,
            c.epicor_part_pages, c.epicor_whse_pages, c.bc_requests,
            c.bc_creates, c.bc_stock_calls, c.rss_kb);
    fclose(out);
    km_emulator_stop(bc);
    km_emulator_stop(epi);
    _exit(0);
}

struct connector {
    struct ks_client *client;
    struct ks_epicor *epicor;
    struct ks_bigcommerce *bc;
    struct ks_store *store;
    struct ks_sync *sync;
};

static void connector_open(struct connector *x, const char *epi_url,
                           const char *bc_url, const char *state_path)
{
    struct ks_bigcommerce_options bo = KS_BIGCOMMERCE_OPTIONS_INIT;
    struct ks_store_options so = KS_STORE_OPTIONS_INIT;
    struct ks_sync_options o = KS_SYNC_OPTIONS_INIT;
    char base[256];

    bench_epicor_open(&x->client, &x->epicor, epi_url, &account.epicor, PAGE);
    snprintf(base, sizeof(base), "%s", bc_url);
    bo.base_url = base;
    bo.store_hash = account.bc_store_hash;
    bo.access_token = account.bc_token;
    if (ks_bigcommerce_new(&x->bc, x->client, &bo))
        bench_die("bigcommerce", ks_client_last_error(x->client)->message);
    so.path = state_path;
    if (ks_store_open(&x->store, &so))
        bench_die("store", state_path);
    o.client = x->client;
    o.store = x->store;
    o.epicor = x->epicor;
    o.bigcommerce = x->bc;
    if (ks_sync_new(&x->sync, &o))
        bench_die("sync", "cannot create");
}

static void connector_close(struct connector *x)
{
    ks_sync_free(x->sync);
    ks_store_close(x->store);
    ks_bigcommerce_free(x->bc);
    ks_epicor_free(x->epicor);
    ks_client_free(x->client);
}

/* One N: the child serves, this process syncs. */
static int bench_one(long n, int markdown)
{
    int to_child, status = 0;
    struct emulator_counts c;
    struct ks_sync_stats stats;
    struct ks_client_stats cs;
    struct connector x;
    char epi_url[128], bc_url[128], dir[] = "/tmp/kinsync-bench-XXXXXX";
    char state[sizeof(dir) + 16];
    long rss_before, rss_after, minimum;
    double t0, wall, cpu0, cpu;
    FILE *in;
    pid_t pid;
    ks_rc rc;

    in = bench_spawn_emulators(run_emulators, n, &pid, &to_child);
    if (fscanf(in, "%127s %127s", epi_url, bc_url) != 2)
        bench_die("emulators", "did not start");
    if (!mkdtemp(dir))
        bench_die("mkdtemp", strerror(errno));
    snprintf(state, sizeof(state), "%s/state.db", dir);
    connector_open(&x, epi_url, bc_url, state);
    rss_before = bench_peak_rss_kb();
    t0 = bench_now_s();
    cpu0 = bench_cpu_s();
    rc = ks_sync_parts_to_bigcommerce(&stats, x.sync);
    wall = bench_now_s() - t0;
    cpu = bench_cpu_s() - cpu0;
    rss_after = bench_peak_rss_kb();
    if (rc)
        bench_die("sync", ks_sync_last_error(x.sync)->message);
    ks_client_stats(&cs, x.client);
    connector_close(&x);
    close(to_child); /* tells the child to report */
    if (fscanf(in, "%ld %ld %ld %ld %ld %ld %ld", &c.epicor_requests,
               &c.epicor_part_pages, &c.epicor_whse_pages, &c.bc_requests,
               &c.bc_creates, &c.bc_stock_calls, &c.rss_kb) != 7)
        bench_die("emulators", "no report");
    fclose(in);
    waitpid(pid, &status, 0);
    bench_remove_state(dir, state);
    /* The fewest requests the job can make: every page of parts and of
     * stock rows (the last one short, or one empty page when N is a
     * multiple of the page), one create per product (BigCommerce has no
     * batch create), and the stock in chunks of 2000. */
    minimum = (n / PAGE + 1) * 2 + n + bench_ceil_div(n, BC_STOCK_BATCH);
    if (markdown)
        printf("| %ld | %.2f s | %.0f | %.2f s | %.0f | %ld | %ld | %.3f | "
               "%ld MiB | %ld MiB | %.1f h |\n",
               n, wall, (double)n / wall, cpu, (double)n / cpu,
               c.epicor_requests + c.bc_requests, minimum,
               (double)(c.epicor_requests + c.bc_requests) / (double)minimum,
               rss_after / 1024, c.rss_kb / 1024,
               (double)c.bc_requests / 150.0 * 30.0 / 3600.0);
    else
        printf("N=%ld wall=%.2fs records/s=%.0f connector_cpu=%.2fs "
               "records/cpu_s=%.0f created=%lld "
               "requests=%ld (epicor %ld: %ld part pages, %ld stock pages; "
               "bigcommerce %ld: %ld creates, %ld stock calls) minimum=%ld "
               "ratio=%.3f connector_rss=%ld KiB (before sync %ld KiB) "
               "emulator_rss=%ld KiB client_requests=%llu retries=%llu\n",
               n, wall, (double)n / wall, cpu, (double)n / cpu,
               (long long)stats.created, c.epicor_requests + c.bc_requests,
               c.epicor_requests, c.epicor_part_pages, c.epicor_whse_pages,
               c.bc_requests, c.bc_creates, c.bc_stock_calls, minimum,
               (double)(c.epicor_requests + c.bc_requests) / (double)minimum,
               rss_after, rss_before, c.rss_kb, (unsigned long long)cs.requests,
               (unsigned long long)cs.retries);
    fflush(stdout);
    return stats.created == n ? 0 : 1;
}

int main(int argc, char **argv)
{
    int markdown = 0, status = 0, ran = 0;

    signal(SIGPIPE, SIG_IGN);
    for (int i = 1; i < argc; i++) {
        char *end;
        long n;

        if (strcmp(argv[i], "--markdown") == 0) {
            markdown = 1;
            continue;
        }
        n = strtol(argv[i], &end, 10);
        if (*end || n <= 0 || n > 5000000) {
            fprintf(stderr, "usage: bench_sync_parts [--markdown] N...\n");
            return 2;
        }
        if (markdown && !ran)
            printf("| parts | wall | records/s | connector CPU | records/CPU s "
                   "| requests | minimum | ratio | connector peak RSS | "
                   "emulators peak RSS | at 150 req/30 s |\n"
                   "|---|---|---|---|---|---|---|---|---|---|---|\n");
        /* A process per N, so that each peak RSS is its own. */
        if (bench_in_child(bench_one, n, markdown))
            status = 1;
        ran = 1;
    }
    if (!ran) {
        fprintf(stderr, "usage: bench_sync_parts [--markdown] N...\n");
        return 2;
    }
    return status;
}
