/*
 * `kinsync workers --config FILE [--connection NAME]`: the workers that
 * share each connection's state, the leases they hold and what waits:
 * for each worker how long ago it last showed it was alive (live: within
 * the lease time), for each lease its holder and when it expires, and the
 * webhook deliveries not imported yet. Reads the state only; needs no
 * key.
 */
#include <string.h>
#include <kinsync/store_workers.h>
#include <kx/opt.h>
#include <kx/time.h>
#include "run.h"

#define PROG "kinsync workers"

static void workers_usage(FILE *out)
{
    fputs("usage: kinsync workers --config FILE [--connection NAME]\n"
          "       kinsync workers --help\n"
          "\n"
          "Lists, for each connection of FILE (the configuration of `kinsync\n"
          "sync`), the `kinsync sync --watch` workers sharing its state:\n"
          "  WORKER    host:pid:random, as the worker printed at start\n"
          "  LAST SEEN seconds since its last heartbeat (its lag; a live\n"
          "            worker beats every third of lease_s)\n"
          "  STATE     live, or stale (not seen for lease_s: dead or cut\n"
          "            off; its leases expire and are taken over)\n"
          "then each lease (FLOW, HOLDER, EXPIRES IN seconds, live or\n"
          "expired) and the webhook deliveries committed but not imported.\n"
          "\n"
          "  --config FILE      the configuration (required)\n"
          "  --connection NAME  only this connection (default: every one)\n"
          "  --help             print this text\n"
          "\n"
          "Exit status: 0 listed, 1 a state cannot be read, 2 bad usage.\n",
          out);
}

struct listing {
    int64_t now_ms, lease_ms;
    int n;
};

static int print_worker(const struct ks_worker *w, void *ud)
{
    struct listing *l = ud;
    int64_t ago = l->now_ms - w->last_seen_ms;

    if (!l->n++)
        printf("  %-40s %-20s %8s %10s  %s\n", "WORKER", "HOST", "PID",
               "LAST SEEN", "STATE");
    printf("  %-40s %-20s %8lld %8.1f s  %s\n", w->worker_id, w->host,
           (long long)w->pid, (double)(ago > 0 ? ago : 0) / 1000.0,
           ago <= l->lease_ms ? "live" : "stale");
    return 0;
}

static int print_lease(const struct ks_lease *le, void *ud)
{
    struct listing *l = ud;

    if (!l->n++)
        printf("  %-24s %-40s %10s  %s\n", "FLOW", "HOLDER", "EXPIRES IN",
               "STATE");
    printf("  %-24s %-40s %8.1f s  %s\n", le->flow, le->worker_id,
           (double)(le->expires_ms - l->now_ms) / 1000.0,
           le->live ? "live" : "expired");
    return 0;
}

static int list_one(const struct kh__sync_conf *c, int64_t lease_ms)
{
    struct ks_store *st = NULL;
    struct listing l = {kx_wall_ms(), lease_ms, 0};
    int64_t queued = 0;
    ks_rc rc;

    if (kh__sync_store_open(&st, c, PROG, KH__KEY_NONE) != 0)
        return KH__SYNC_EXIT_FAIL;
    printf("connection %s (state %s)\n", c->name, c->state_shown);
    rc = ks_store_worker_each(st, print_worker, &l);
    if (rc == KS_OK && !l.n)
        puts("  no worker");
    l.n = 0;
    if (rc == KS_OK)
        rc = ks_store_lease_each(st, print_lease, &l);
    if (rc == KS_OK && !l.n)
        puts("  no lease");
    if (rc == KS_OK)
        rc = ks_store_delivery_count(&queued, st, c->name);
    if (rc == KS_OK)
        printf("  webhook deliveries waiting: %lld\n", (long long)queued);
    else
        fprintf(stderr, "%s: %s: %s\n", PROG, c->name,
                ks_store_last_error(st)->message);
    ks_store_close(st);
    return rc == KS_OK ? 0 : KH__SYNC_EXIT_FAIL;
}

int kh_cli_workers(int argc, char **argv)
{
    static const struct option options[] = {
        {"config", required_argument, NULL, 'c'},
        {"connection", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *config = NULL, *only = NULL;
    struct kh__sync_config cfg;
    const struct kh__sync_conf *one = NULL;
    int c, help = 0, status;

    kx_opt_begin();
    while ((c = kx_opt_next(argc, argv, ":h", options, "workers")) != -1) {
        if (c == 'h')
            help = 1;
        else if (c == 'c')
            config = optarg;
        else if (c == 'n')
            only = optarg;
        else
            return KH__SYNC_EXIT_USAGE; /* kx_opt_next() has said why */
    }
    if (help) {
        workers_usage(stdout);
        return 0;
    }
    if (optind < argc)
        return kx_usage_error("workers", "unexpected argument \"%s\"",
                              argv[optind]);
    if (!config)
        return kx_usage_error("workers", "--config FILE is required");
    status = kh__sync_config_load(&cfg, PROG, config);
    if (status)
        return status;
    if (only && !(one = kh__sync_config_pick(&cfg, only, PROG))) {
        kh__sync_config_dispose(&cfg);
        return KH__SYNC_EXIT_USAGE;
    }
    for (size_t i = 0; i < cfg.nconns; i++) {
        if ((!one || one == &cfg.conns[i]) &&
            list_one(&cfg.conns[i],
                     kh__sync_int(cfg.doc, "lease_s", KH__SYNC_LEASE_S) *
                         1000) != 0)
            status = KH__SYNC_EXIT_FAIL;
    }
    kh__sync_config_dispose(&cfg);
    return status;
}
