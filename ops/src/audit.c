/*
 * Retention of the state file: `kinsync audit prune` and the daily prune
 * of `kinsync sync --watch`. Both delete the audit entries and completed
 * intents older than retention_days (or --older-than); pending intents
 * stay, and the store keeps exactly-once across the cut
 * (ks_store_prune).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <kx/opt.h>
#include <kx/time.h>
#include "ops.h"

#define DAY_MS ((int64_t)86400000)

int kh__sync_prune(struct ks_store *st, int64_t days, const char *prog,
                   const char *conn, int quiet)
{
    struct ks_store_prune_counts n;
    char before[KX_ISO8601_MAX];
    int64_t cut = kx_wall_ms() - days * DAY_MS;
    ks_rc rc = ks_store_prune(&n, st, cut);

    if (rc) {
        fprintf(stderr, "%s: pruning the state file failed: %s\n", prog,
                ks_store_last_error(st)->message[0]
                    ? ks_store_last_error(st)->message
                    : ks_rc_message(rc));
        return KH__SYNC_EXIT_FAIL;
    }
    kx_iso8601_format(before, cut, KX_ISO8601_Z);
    if (!quiet || n.audit || n.intents)
        fprintf(quiet ? stderr : stdout,
                "%s%s%s%spruned %lld audit entr%s and %lld completed intent%s "
                "older than %lld day%s (before %s)\n",
                quiet ? prog : "", quiet ? ": " : "", conn ? conn : "",
                conn ? ": " : "", (long long)n.audit,
                n.audit == 1 ? "y" : "ies", (long long)n.intents,
                n.intents == 1 ? "" : "s", (long long)days,
                days == 1 ? "" : "s", before);
    return 0;
}

static void audit_usage(FILE *out)
{
    fprintf(out,
            "usage: kinsync audit prune --config FILE [--connection NAME]\n"
            "                           [--older-than DAYS]\n"
            "       kinsync audit --help\n"
            "\n"
            "Deletes from the state file named in FILE the audit entries\n"
            "and the completed exactly-once intents older than DAYS\n"
            "(default: retention_days of FILE, itself 90 by default; 0\n"
            "there keeps everything). Intents still pending are never\n"
            "deleted, and a record seen again after its intent was pruned\n"
            "is looked up in Epicor before anything is written, so nothing\n"
            "is written twice. `kinsync sync --watch` does the same once a\n"
            "day. Needs no state key and contacts nothing.\n"
            "\n"
            "  --config FILE      the configuration of `kinsync sync`\n"
            "  --connection NAME  prune only this connection's state\n"
            "                     (default: every connection's, each line\n"
            "                     then starts with its name)\n"
            "  --older-than DAYS  0..%d (0: everything up to now)\n"
            "  --help             print this text\n"
            "\n"
            "Exit status: 0 pruned (also when nothing was old enough), 1 the\n"
            "state file cannot be opened or written, 2 bad usage.\n",
            KH__SYNC_RETENTION_DAYS_MAX);
}

struct audit_opts {
    const char *config, *connection;
    long days; /* -1: retention_days of the configuration */
    int help;
};

static int parse_opts(struct audit_opts *o, int argc, char **argv)
{
    static const struct option options[] = {
        {"config", required_argument, NULL, 'c'},
        {"connection", required_argument, NULL, 'n'},
        {"older-than", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    char *end;
    int c;

    memset(o, 0, sizeof(*o));
    o->days = -1;
    kx_opt_begin();
    while ((c = kx_opt_next(argc, argv, ":h", options, "audit")) != -1) {
        if (c == 'h') {
            o->help = 1;
        } else if (c == 'c') {
            o->config = optarg;
        } else if (c == 'n') {
            o->connection = optarg;
        } else if (c == 'o') {
            errno = 0;
            o->days = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || o->days < 0 ||
                o->days > KH__SYNC_RETENTION_DAYS_MAX)
                return kx_usage_error("audit",
                                      "bad --older-than \"%s\" (expected "
                                      "0..%d days)",
                                      optarg, KH__SYNC_RETENTION_DAYS_MAX);
        } else {
            return KH__SYNC_EXIT_USAGE; /* kx_opt_next() has said why */
        }
    }
    if (o->help)
        return 0;
    if (optind == argc || strcmp(argv[optind], "prune") != 0)
        return kx_usage_error("audit", "expected the action \"prune\"");
    if (optind + 1 < argc)
        return kx_usage_error("audit", "unexpected argument \"%s\"",
                              argv[optind + 1]);
    if (!o->config)
        return kx_usage_error("audit", "--config FILE is required");
    return 0;
}

/* Prunes one connection's state; 0 or KH__SYNC_EXIT_FAIL. */
static int prune_one(const struct kh__sync_conf *conf, int64_t days, int named)
{
    struct ks_store *st = NULL;
    int status = kh__sync_store_open(&st, conf, "kinsync audit", KH__KEY_NONE);

    if (status == 0)
        status = kh__sync_prune(st, days, "kinsync audit",
                                named ? conf->name : NULL, 0);
    ks_store_close(st);
    return status;
}

int kh_cli_audit(int argc, char **argv)
{
    struct audit_opts o;
    struct kh__sync_config cfg;
    const struct kh__sync_conf *one = NULL;
    int64_t days;
    int status = parse_opts(&o, argc, argv);

    if (status || o.help) {
        if (o.help)
            audit_usage(stdout);
        return status;
    }
    status = kh__sync_config_load(&cfg, "kinsync audit", o.config);
    if (status)
        return status;
    if (o.connection &&
        !(one = kh__sync_config_pick(&cfg, o.connection, "kinsync audit"))) {
        kh__sync_config_dispose(&cfg);
        return KH__SYNC_EXIT_USAGE;
    }
    days = o.days >= 0 ? o.days : cfg.conns[0].retention_days;
    if (o.days < 0 && days == 0) {
        printf("retention_days is 0 in %s: everything is kept (prune with "
               "--older-than DAYS)\n",
               o.config);
    } else {
        for (size_t i = 0; i < cfg.nconns; i++) {
            if (one && one != &cfg.conns[i])
                continue;
            if (prune_one(&cfg.conns[i], days, cfg.named))
                status = KH__SYNC_EXIT_FAIL;
        }
    }
    kh__sync_config_dispose(&cfg);
    return status;
}
