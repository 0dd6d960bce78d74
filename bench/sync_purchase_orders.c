/*
 * Benchmark: approved Epicor purchase orders of 5 lines to Adobe Commerce
 * orders (ks_sync_purchase_orders_to_adobe) against the Epicor and Adobe
 * emulators over loopback HTTP, and the fixture generator of such POs.
 *
 * The emulators run in a child process, so the parent's peak RSS is the
 * connector's alone (client, sync engine, SQLite state file); it must
 * stay flat across N, since POs are read a page at a time. Both sides
 * use the real clock. The POs are made by po_row() below: PO n has 5
 * lines (part P-<k>, quantity 1..9, unit cost in cents), one release each
 * coded to one of four GL accounts, vendor 1 + n % vendors, approved, and
 * a DocTotalOrder that is the lines' sum to the cent. The connector
 * signs in with an admin token: the emulator keeps every OAuth 1.0a
 * nonce it saw in a list it scans, which at 100k requests would measure
 * the emulator, not the connector.
 *
 * Usage:
 *   bench_sync_purchase_orders [--markdown] N...   a fresh pair of
 *       processes per N; one line of figures per N (a table row with
 *       --markdown)
 *   bench_sync_purchase_orders --jsonl DIR N       writes DIR/vendors.jsonl
 *       and DIR/pos.jsonl, Epicor emulator fixtures (a scenario's
 *       "vendors": {"$fixture": ".../vendors.jsonl"}, "pos": {...})
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
extern const struct km_emulator_type km_adobe_type;

#define LINES 5
#define PAGE 100
#define POS_PER_VENDOR 20
#define FIRST_PO 10000

/* One description of the accounts for both sides. */
static const struct {
    struct bench_epicor_account epicor;
    const char *admin, *admin_password;
} account = {{"SaaS5333", "EPIC06", "bench", "bench-Pa55", "bench-api-key"},
             "erp-admin",
             "bench-admin-Pa55"};

static const char *const gl[] = {"5100|00|100", "6200|00|100", "5100|00|200",
                                 "6200|00|200"};

const char *const bench_program = "bench_sync_purchase_orders";

static long vendors_for(long n)
{
    return n / POS_PER_VENDOR + 1;
}

/* ---- the generator ---------------------------------------------------- */

static cJSON *vendor_row(long v)
{
    char id[32], name[48], mail[64];
    cJSON *r = cJSON_CreateObject();

    snprintf(id, sizeof(id), "V%05ld", v);
    snprintf(name, sizeof(name), "Vendor %ld", v);
    snprintf(mail, sizeof(mail), "ap@v%ld.example", v);
    cJSON_AddNumberToObject(r, "VendorNum", (double)v);
    cJSON_AddStringToObject(r, "VendorID", id);
    cJSON_AddStringToObject(r, "Name", name);
    cJSON_AddStringToObject(r, "EMailAddress", mail);
    cJSON_AddStringToObject(r, "Country", "USA");
    return r;
}

/* PO i (0-based) of a set of n. */
static cJSON *po_row(long i, long n)
{
    long num = FIRST_PO + i, vendor = 1 + i % vendors_for(n), total = 0;
    cJSON *po = cJSON_CreateObject(), *lines = cJSON_CreateArray();
    char vid[32], part[32];

    snprintf(vid, sizeof(vid), "V%05ld", vendor);
    cJSON_AddNumberToObject(po, "PONum", (double)num);
    cJSON_AddNumberToObject(po, "VendorNum", (double)vendor);
    cJSON_AddStringToObject(po, "VendorVendorID", vid);
    cJSON_AddTrueToObject(po, "Approve");
    cJSON_AddStringToObject(po, "ApprovalStatus", "A");
    cJSON_AddStringToObject(po, "OrderDate", "2026-01-02T00:00:00");
    cJSON_AddStringToObject(po, "ChangeDate", "2026-01-02T00:00:00");
    for (int l = 1; l <= LINES; l++) {
        long qty = 1 + (i + l) % 9, cents = 100 + (i * 7 + l * 13) % 9900;
        cJSON *d = cJSON_CreateObject(), *rels = cJSON_CreateArray();
        cJSON *rel = cJSON_CreateObject(), *tglcs = cJSON_CreateArray();
        cJSON *t = cJSON_CreateObject();

        snprintf(part, sizeof(part), "P-%ld", (i + l) % 500);
        cJSON_AddNumberToObject(d, "POLine", l);
        cJSON_AddStringToObject(d, "PartNum", part);
        cJSON_AddNumberToObject(d, "XOrderQty", (double)qty);
        cJSON_AddNumberToObject(d, "OrderQty", (double)qty);
        cJSON_AddNumberToObject(d, "DocUnitCost", (double)cents / 100.0);
        cJSON_AddNumberToObject(d, "UnitCost", (double)cents / 100.0);
        cJSON_AddStringToObject(d, "ChangeDate", "2026-01-02T00:00:00");
        cJSON_AddNumberToObject(rel, "PORelNum", 1);
        cJSON_AddStringToObject(t, "BookID", "MAIN");
        cJSON_AddStringToObject(t, "GLAccount", gl[(i + l) % 4]);
        cJSON_AddItemToArray(tglcs, t);
        cJSON_AddItemToObject(rel, "PORelTGLCs", tglcs);
        cJSON_AddItemToArray(rels, rel);
        cJSON_AddItemToObject(d, "PORels", rels);
        cJSON_AddItemToArray(lines, d);
        total += qty * cents;
    }
    cJSON_AddNumberToObject(po, "DocTotalOrder", (double)total / 100.0);
    cJSON_AddNumberToObject(po, "TotalOrder", (double)total / 100.0);
    cJSON_AddItemToObject(po, "PODetails", lines);
    return po;
}

static void write_lines(const char *dir, const char *file, long count,
                        cJSON *(*row)(long, long), long n, long first)
{
    char path[1024];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, file);
    if (!(f = fopen(path, "w")))
        bench_die(path, strerror(errno));
    for (long i = 0; i < count; i++) {
        cJSON *r = row(first + i, n);
        char *text = cJSON_PrintUnformatted(r);

        fprintf(f, "%s\n", text);
        cJSON_free(text);
        cJSON_Delete(r);
    }
    if (fclose(f))
        bench_die(path, strerror(errno));
}

static cJSON *vendor_of_set(long v, long n)
{
    (void)n;
    return vendor_row(v);
}

/* ---- the run ---------------------------------------------------------- */

/* The child: both emulators with N POs; reports the journal counts and
 * the orders Adobe holds when the parent closes its pipe. */
static void run_emulators(long n, int to_parent, int from_parent)
{
    cJSON *epi_cfg = cJSON_CreateObject(), *co, *vendors, *pos, *ad_cfg, *in;
    struct km_emulator *epi, *ad;
    FILE *out = fdopen(to_parent, "w");
    char buf[16], text[512];
    double t0 = bench_now_s();

    cJSON_AddStringToObject(epi_cfg, "instance", account.epicor.instance);
    snprintf(text, sizeof(text),
             "{\"users\":[{\"username\":\"%s\",\"password\":\"%s\"}],"
             "\"api_keys\":[{\"key\":\"%s\"}]}",
             account.epicor.user, account.epicor.password,
             account.epicor.api_key);
    in = cJSON_Parse(text);
    cJSON_AddItemToObject(epi_cfg, "users",
                          cJSON_DetachItemFromObject(in, "users"));
    cJSON_AddItemToObject(epi_cfg, "api_keys",
                          cJSON_DetachItemFromObject(in, "api_keys"));
    cJSON_Delete(in);
    co = cJSON_AddObjectToObject(cJSON_AddObjectToObject(epi_cfg, "companies"),
                                 account.epicor.company);
    vendors = cJSON_AddArrayToObject(co, "vendors");
    for (long v = 1; v <= vendors_for(n); v++)
        cJSON_AddItemToArray(vendors, vendor_row(v));
    pos = cJSON_AddArrayToObject(co, "pos");
    for (long i = 0; i < n; i++)
        cJSON_AddItemToArray(pos, po_row(i, n));
    epi = bench_start_emulator(&km_epicor_type, epi_cfg);
    snprintf(text, sizeof(text),
             "{\"admins\":[{\"username\":\"%s\",\"password\":\"%s\"}]}",
             account.admin, account.admin_password);
    ad_cfg = cJSON_Parse(text);
    ad = bench_start_emulator(&km_adobe_type, ad_cfg);
    fprintf(out, "%s %s %.1f\n", km_server_url(epi->server),
            km_server_url(ad->server), bench_now_s() - t0);
    fflush(out);
    while (read(from_parent, buf, sizeof(buf)) > 0)
        ;
    {
        cJSON *snap = km_emulator_snapshot(ad);

        fprintf(out, "%ld %ld %ld %ld %d %ld\n",
                bench_count_requests(epi, NULL),
                bench_count_requests(epi, "GET /*/Erp.BO.POSvc/POes"),
                bench_count_requests(ad, NULL),
                bench_count_requests(ad, "POST /rest/*V1/orders"),
                cJSON_GetArraySize(cJSON_GetObjectItem(snap, "orders")),
                bench_peak_rss_kb());
        cJSON_Delete(snap);
    }
    fclose(out);
    km_emulator_stop(ad);
    km_emulator_stop(epi);
    _exit(0);
}

struct connector {
    struct ks_client *client;
    struct ks_epicor *epicor;
    struct ks_adobe *adobe;
    struct ks_store *store;
    struct ks_sync *sync;
};

static void connector_open(struct connector *x, const char *epi_url,
                           const char *ad_url, const char *state_path)
{
    struct ks_adobe_options ao = KS_ADOBE_OPTIONS_INIT;
    struct ks_store_options so = KS_STORE_OPTIONS_INIT;
    struct ks_sync_options o = KS_SYNC_OPTIONS_INIT;

    bench_epicor_open(&x->client, &x->epicor, epi_url, &account.epicor, PAGE);
    ao.base_url = ad_url;
    ao.auth = KS_ADOBE_AUTH_ADMIN;
    ao.username = account.admin;
    ao.password = account.admin_password;
    if (ks_adobe_new(&x->adobe, x->client, &ao))
        bench_die("adobe", ks_client_last_error(x->client)->message);
    so.path = state_path;
    if (ks_store_open(&x->store, &so))
        bench_die("store", state_path);
    o.client = x->client;
    o.store = x->store;
    o.epicor = x->epicor;
    o.adobe = x->adobe;
    if (ks_sync_new(&x->sync, &o))
        bench_die("sync", "cannot create");
}

static void connector_close(struct connector *x)
{
    ks_sync_free(x->sync);
    ks_store_close(x->store);
    ks_adobe_free(x->adobe);
    ks_epicor_free(x->epicor);
    ks_client_free(x->client);
}

/* One N: the child serves, this process syncs (and once more, to show
 * what a run without changes costs). */
static int bench_one(long n, int markdown)
{
    int to_child, status = 0, orders = 0;
    long epi_req, po_pages, ad_req, creates, emu_rss, minimum, rss;
    struct ks_sync_stats stats, again;
    struct ks_client_stats cs0, cs1;
    struct connector x;
    char epi_url[128], ad_url[128], dir[] = "/tmp/kinsync-bench-XXXXXX";
    char state[sizeof(dir) + 16];
    double t0, wall, wall2, load_s, cpu0, cpu;
    FILE *in;
    pid_t pid;

    in = bench_spawn_emulators(run_emulators, n, &pid, &to_child);
    if (fscanf(in, "%127s %127s %lf", epi_url, ad_url, &load_s) != 3)
        bench_die("emulators", "did not start");
    if (!mkdtemp(dir))
        bench_die("mkdtemp", strerror(errno));
    snprintf(state, sizeof(state), "%s/state.db", dir);
    connector_open(&x, epi_url, ad_url, state);
    t0 = bench_now_s();
    cpu0 = bench_cpu_s();
    if (ks_sync_purchase_orders_to_adobe(&stats, x.sync))
        bench_die("sync", ks_sync_last_error(x.sync)->message);
    wall = bench_now_s() - t0;
    cpu = bench_cpu_s() - cpu0;
    rss = bench_peak_rss_kb();
    ks_client_stats(&cs0, x.client);
    t0 = bench_now_s();
    if (ks_sync_purchase_orders_to_adobe(&again, x.sync))
        bench_die("second sync", ks_sync_last_error(x.sync)->message);
    wall2 = bench_now_s() - t0;
    ks_client_stats(&cs1, x.client);
    connector_close(&x);
    close(to_child); /* tells the child to report */
    if (fscanf(in, "%ld %ld %ld %ld %d %ld", &epi_req, &po_pages, &ad_req,
               &creates, &orders, &emu_rss) != 6)
        bench_die("emulators", "no report");
    fclose(in);
    waitpid(pid, &status, 0);
    bench_remove_state(dir, state);
    /* The fewest requests one run can make: one create per order (Adobe
     * has no batch create), the admin token, the PO pages (the last one
     * short, or empty when N is a multiple of the page), and the 5N lines
     * and 5N GL rows and the vendors in pages of 100. The journals are
     * bounded, so the per-emulator counts undercount large runs; the
     * client's count is the figure. */
    minimum = 1 + n + (n / PAGE + 1) + 2 * bench_ceil_div(LINES * n, PAGE) +
              bench_ceil_div(vendors_for(n), PAGE);
    if (markdown)
        printf("| %ld | %.1f s | %.0f | %.1f s | %.0f | %llu | %ld | %.3f | "
               "%llu | %.2f s | %ld MiB | %ld MiB | %.0f s |\n",
               n, wall, (double)n / wall, cpu, (double)n / cpu,
               (unsigned long long)cs0.requests, minimum,
               (double)cs0.requests / (double)minimum,
               (unsigned long long)(cs1.requests - cs0.requests), wall2,
               rss / 1024, emu_rss / 1024, load_s);
    else
        printf("N=%ld lines=%d wall=%.2fs POs/s=%.0f connector_cpu=%.2fs "
               "POs/cpu_s=%.0f created=%lld "
               "requests=%llu (epicor %ld, %ld PO pages; adobe %ld, %ld "
               "creates) minimum=%ld ratio=%.3f second_run_requests=%llu "
               "second_run_wall=%.2fs unchanged=%lld connector_rss=%ld KiB "
               "emulator_rss=%ld KiB emulator_load=%.1fs adobe_orders=%d\n",
               n, LINES, wall, (double)n / wall, cpu, (double)n / cpu,
               (long long)stats.created, (unsigned long long)cs0.requests,
               epi_req, po_pages, ad_req, creates, minimum,
               (double)cs0.requests / (double)minimum,
               (unsigned long long)(cs1.requests - cs0.requests), wall2,
               (long long)again.unchanged, rss, emu_rss, load_s, orders);
    fflush(stdout);
    return stats.created == n && orders == n && again.created == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    int markdown = 0, status = 0, ran = 0;

    signal(SIGPIPE, SIG_IGN);
    if (argc == 4 && strcmp(argv[1], "--jsonl") == 0) {
        long n = strtol(argv[3], NULL, 10);

        if (n <= 0)
            bench_die("--jsonl", "N must be positive");
        write_lines(argv[2], "vendors.jsonl", vendors_for(n), vendor_of_set, n,
                    1);
        write_lines(argv[2], "pos.jsonl", n, po_row, n, 0);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        char *end;
        long n;

        if (strcmp(argv[i], "--markdown") == 0) {
            markdown = 1;
            continue;
        }
        n = strtol(argv[i], &end, 10);
        if (*end || n <= 0 || n > 1000000) {
            fprintf(stderr, "usage: bench_sync_purchase_orders [--markdown] "
                            "N... | --jsonl DIR N\n");
            return 2;
        }
        if (markdown && !ran)
            printf(
                "| POs (5 lines) | wall | POs/s | connector CPU | POs/CPU s "
                "| requests | minimum | "
                "ratio | second run requests | second run wall | "
                "connector peak RSS | emulators peak RSS | emulator load "
                "|\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        /* A process per N, so that each peak RSS is its own. */
        if (bench_in_child(bench_one, n, markdown))
            status = 1;
        ran = 1;
    }
    if (!ran) {
        fprintf(stderr, "usage: bench_sync_purchase_orders [--markdown] N... "
                        "| --jsonl DIR N\n");
        return 2;
    }
    return status;
}
