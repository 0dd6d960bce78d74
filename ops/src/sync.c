/*
 * `kinsync sync --config FILE [--once | --watch]`: the connector against
 * real endpoints.
 *
 * --once (the default) runs each configured flow once, in the fixed order
 * of kh__sync_flows, and prints one line per flow and a summary. --watch
 * runs the flows on their cadences and a webhook receiver (receiver.h)
 * until SIGINT or SIGTERM. Both block SIGINT and
 * SIGTERM before any thread exists (so every thread inherits the mask) and
 * look for them between flows: the flow in progress always finishes, since
 * stopping it half-way would only cost a re-read (the engine's cursors move
 * per batch and its intents let the next run finish a write a SIGKILL cut
 * short: connector/src/sync/README.md says what holds). The receiver wakes the
 * main thread's sigtimedwait() with SIGUSR1 when it queues a delivery; there is
 * no polling loop.
 *
 * Logging: the connector's log goes, every level, to --log FILE; WARN and
 * ERROR lines also go to stderr. On a terminal a progress line on stderr
 * counts the running flow's requests, redrawn at most four times a second
 * from the log callback (every request logs a DEBUG line).
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <kx/opt.h>
#include "run.h"

#define PROG KH__SYNC_PROG
#define WAKE_SIGNAL SIGUSR1

static void print_usage(FILE *out)
{
    fputs(
        "usage: kinsync sync --config FILE [--once | --watch] [--log FILE]\n"
        "                    [--connection NAME] [--metrics-port PORT\n"
        "                    [--metrics-bind ADDR]] [--help]\n"
        "\n"
        "Runs the connector's flows against the endpoints in FILE.\n"
        "\n"
        "  --config FILE  the configuration (JSON; see below)\n"
        "  --once         run each configured flow once, in the order\n"
        "                 parts.bigcommerce, parts.woocommerce,\n"
        "                 customers.woocommerce, orders.bigcommerce,\n"
        "                 orders.woocommerce, refunds.woocommerce,\n"
        "                 vendors.adobe, purchase_orders.adobe,\n"
        "                 ap_invoices.adobe, requisitions.epicor; one line\n"
        "                 per flow (read/created/updated/unchanged/failed/\n"
        "                 skipped, requests, wall time), then a summary.\n"
        "                 The default. A flow that fails does not stop the\n"
        "                 ones after it\n"
        "  --watch        run the flows on their cadences (every_s: the pause\n"
        "                 after a run ends; default 300 s for parts and\n"
        "                 customers, 60 s for the orders and refunds polls)\n"
        "                 and a webhook receiver on receiver.bind:port, whose\n"
        "                 URL is printed at start:\n"
        "                   POST /webhooks/bigcommerce  verified with\n"
        "                        bigcommerce.client_secret\n"
        "                   POST /webhooks/woocommerce  verified with\n"
        "                        woocommerce.webhook_secret\n"
        "                 A verified order event is queued and imported\n"
        "                 between flows; bad signature 401, too large (over\n"
        "                 1 MiB) 413, duplicates and other events 200 and\n"
        "                 ignored. Runs until SIGINT or SIGTERM: the flow in\n"
        "                 progress finishes, the summary is printed, exit 0.\n"
        "                 With \"connections\", the paths are\n"
        "                 /webhooks/NAME/bigcommerce and .../woocommerce.\n"
        "                 A delivery (order or Epicor job event) is committed\n"
        "                 to the connection's state before the 200, and any\n"
        "                 worker sharing it imports it. Each (connection, "
        "flow) runs under a lease of\n"
        "                 lease_s, renewed while it runs: several workers may\n"
        "                 share the states (see `kinsync workers`)\n"
        "  --connection NAME  run only this connection (default: all)\n"
        "  --metrics-port PORT  with --watch: GET /metrics (Prometheus\n"
        "                 text format) on PORT (0: any free one, printed)\n"
        "  --metrics-bind ADDR  its address (default 127.0.0.1)\n"
        "  --log FILE     append the connector's log, every level, secrets\n"
        "                 masked, to FILE (default: no log file; WARN and\n"
        "                 ERROR lines always go to stderr too)\n"
        "  --help         print this text\n"
        "\n",
        out);
    fputs(
        "Configuration (unknown keys are an error; relative paths are read\n"
        "beside the configuration file):\n"
        "  state        the SQLite state file (default kinsync-state.db;\n"
        "               created 0600, as are its WAL and --log)\n"
        "  key_file     a file holding the state key (64 hex characters);\n"
        "               refused when group or others may read it, unless\n"
        "               key_file_mode_check is false (then a warning)\n"
        "  retention_days  audit entries and completed intents older than\n"
        "               this are pruned, daily by --watch and by `kinsync\n"
        "               audit prune` (default 90; 0: kept forever)\n"
        "  key_env      the variable holding it (default KINSYNC_STATE_KEY)\n"
        "  lease_s      --watch: how long a worker's lease on a flow and\n"
        "               its claim on a delivery last (5..3600, default 60)\n"
        "  connections  {NAME: {epicor, bigcommerce, woocommerce, flows,\n"
        "               state}, ...}: several connections, each with its\n"
        "               own state (default: state with .NAME before its\n"
        "               extension) and secrets; then those sections are not\n"
        "               at the top. Without it the file is one connection\n"
        "               named \"default\"\n"
        "  epicor       server_url, instance, company (required), api_key,\n"
        "               auth basic|token|idp (default token), username,\n"
        "               password, client_id, client_secret, token_url,\n"
        "               scope, page_size 1..100, api_version 1|2, plant,\n"
        "               license_retries 0..20 (default 3) and\n"
        "               license_retry_wait_ms (default 5000, doubled for\n"
        "               each next wait): waits when no licence seat is free\n"
        "  bigcommerce  base_url (default https://api.bigcommerce.com),\n"
        "               store_hash, access_token (required), client_secret,\n"
        "               location_id (default 1), page_limit,\n"
        "               webhook_header_name, webhook_header_value\n"
        "  woocommerce  base_url, consumer_key, consumer_secret (required),\n"
        "               auth basic|query|oauth1 (default basic),\n"
        "               webhook_secret, per_page, batch_limit\n"
        "  adobe        base_url (required), deployment paas|saas (default\n"
        "               paas), store_code, tenant_id (saas), auth\n"
        "               oauth1|admin|ims (default oauth1; saas: ims),\n"
        "               consumer_key, consumer_secret, access_token,\n"
        "               access_token_secret (oauth1), username, password\n"
        "               (admin), client_id, client_secret, org_id,\n"
        "               ims_token_url, scope (ims), page_size,\n"
        "               company_admin_id (the super user of the companies\n"
        "               vendors become), webhook_public_key_file (RSA) or\n"
        "               webhook_secret (HMAC): --watch then serves\n"
        "               /webhooks/[NAME/]adobe for the order-placement\n"
        "               hook; its flows: vendors.adobe,\n"
        "               purchase_orders.adobe, ap_invoices.adobe and\n"
        "               requisitions.epicor (Adobe orders polled into\n"
        "               Epicor purchase requisitions)\n"
        "  oee          the shop floor of this Epicor company (one\n"
        "               connection per company code): pattern\n"
        "               poll|events|file (default poll), base_url,\n"
        "               api_key (required), api_key_header bearer|x-api-key,\n"
        "               plants {PLANT: SCOPE} and/or default_scope,\n"
        "               ud_fields {availability, performance, quality, oee,\n"
        "               good, scrap, top_loss}: JobOper UD columns,\n"
        "               poll {max_requests (20), breaker_failures (3),\n"
        "               breaker_cooldown_s (900)}, write_back {ud_fields,\n"
        "               part_tran, labor, employee} (part_tran and labor\n"
        "               off by default), file {directory (required by the\n"
        "               file pattern: the DMT files)},\n"
        "               events {secret (required by the events pattern),\n"
        "               header (default X-Kinsync-Event-Secret)}: Epicor's\n"
        "               event functions POST to /webhooks[/NAME]/epicor;\n"
        "               each event is committed to the state before the\n"
        "               200 and handled in order under the oee.events\n"
        "               lease (write_back.labor and part_tran: ignored,\n"
        "               with a warning, by the file pattern).\n"
        "               Flows oee.recover, oee.reasons, oee.poll (every_s\n"
        "               300: the poll cadence; not by default in the events\n"
        "               pattern), oee.export (every_s 86400: the file\n"
        "               pattern's DMT file of the operations closed since)\n"
        "  flows        [\"parts.bigcommerce\", ...] or "
        "{\"orders.bigcommerce\":\n"
        "               {\"every_s\": 30}, ...} (default: every flow whose\n"
        "               storefront is configured)\n"
        "  receiver     bind (default 127.0.0.1), port (default 0: any free\n"
        "               one), public_url (how the platforms reach it),\n"
        "               register (create the order webhooks on the\n"
        "               platforms, pointing at public_url or, without one,\n"
        "               the receiver's own URL; default: true when\n"
        "               public_url is set), connection_limit (1024),\n"
        "               per_ip_connection_limit (64), connection_timeout_s\n"
        "               (5: idle connections close), in_flight_max (32:\n"
        "               past it a delivery is answered 503 at once),\n"
        "               log_interval_s (60: one summary line of refused\n"
        "               deliveries per interval at most)\n"
        "Plain http:// to a host that is not loopback is refused in epicor,\n"
        "bigcommerce, woocommerce, adobe and oee (credentials would travel\n"
        "in clear text) unless that section sets allow_insecure_http (then a\n"
        "warning).\n"
        "Every credential (api_key, password, client_secret, access_token,\n"
        "webhook_header_value, consumer_key, consumer_secret, webhook_secret,\n"
        "access_token_secret, oee api_key and events.secret)\n"
        "is a string (accepted with a warning: it is plain text) or\n"
        "{\"$secret\": \"NAME\"}, read from the state file, where\n"
        "`kinsync secret set NAME` stored it encrypted (AES-256-GCM).\n"
        "\n"
        "Exit status: 0 when every flow ran (records queued in the outbox\n"
        "are reported, not a failure; see `kinsync outbox`), 1 when a flow\n"
        "or the set-up failed, or a stop signal cut a --once run short, 2 for\n"
        "bad usage or a bad configuration.\n",
        out);
}

/* ---- running flows ----------------------------------------------------- */

/* The metrics of every flow run and webhook import (metrics.h); labels:
 * the connection's name and the flow's ("webhook.bigcommerce" for the
 * imports of deliveries). */
static const struct kh_metric m_runs = {
    "kinsync_flow_runs_total",
    "Flow runs (and webhook imports) finished.",
    KH_METRIC_COUNTER,
    {"connection", "flow", NULL}};
static const struct kh_metric m_failures = {
    "kinsync_flow_failures_total",
    "Flow runs that stopped on a failure.",
    KH_METRIC_COUNTER,
    {"connection", "flow", NULL}};
static const struct kh_metric m_auth = {
    "kinsync_flow_auth_failures_total",
    "Flow runs stopped because a system refused the credentials (401) or "
    "the permission (403).",
    KH_METRIC_COUNTER,
    {"connection", "flow", NULL}};
static const struct kh_metric m_records = {
    "kinsync_flow_records_total",
    "Records handled by flow runs, by outcome (read, created, updated, "
    "unchanged, failed: sent to the outbox, skipped).",
    KH_METRIC_COUNTER,
    {"connection", "flow", "outcome", NULL}};
static const struct kh_metric m_requests = {"kinsync_flow_requests_total",
                                            "HTTP requests sent by flow runs.",
                                            KH_METRIC_COUNTER,
                                            {"connection", "flow", NULL}};
static const struct kh_metric m_last_ok = {
    "kinsync_flow_last_success_timestamp_seconds",
    "When the last successful run of the flow ended (Unix time).",
    KH_METRIC_GAUGE,
    {"connection", "flow", NULL}};
static const struct kh_metric m_outbox = {
    "kinsync_outbox_pending",
    "Records waiting in the outbox of the flow.",
    KH_METRIC_GAUGE,
    {"connection", "flow", NULL}};

static void stats_add(struct kh__sync_totals *t, const struct ks_sync_stats *s,
                      uint64_t requests, int64_t ms, ks_rc rc)
{
    t->runs++;
    t->failures += rc != KS_OK;
    t->s.read += s->read;
    t->s.created += s->created;
    t->s.updated += s->updated;
    t->s.unchanged += s->unchanged;
    t->s.failed += s->failed;
    t->s.skipped += s->skipped;
    t->requests += requests;
    t->ms += ms;
}

/* One run in the metrics. flow: the flow's own name. */
static void count_run(struct kh__sync_run *r, struct kh__sync_tenant *t,
                      const char *flow, const struct ks_sync_stats *s,
                      uint64_t requests, ks_rc rc)
{
    const char *l[] = {t->conf->name, flow, NULL};
    const char *outcomes[] = {"read",      "created", "updated",
                              "unchanged", "failed",  "skipped"};
    const int64_t n[] = {s->read,      s->created, s->updated,
                         s->unchanged, s->failed,  s->skipped};
    int64_t pending = 0;

    kh_metrics_add(r->metrics, &m_runs, l, 1);
    kh_metrics_add(r->metrics, &m_failures, l, rc != KS_OK);
    kh_metrics_add(r->metrics, &m_auth, l,
                   rc == KS_EAUTH || rc == KS_EFORBIDDEN);
    kh_metrics_add(r->metrics, &m_requests, l, (double)requests);
    for (int i = 0; i < 6; i++) {
        const char *lo[] = {t->conf->name, flow, outcomes[i]};

        kh_metrics_add(r->metrics, &m_records, lo, (double)n[i]);
    }
    if (rc == KS_OK)
        kh_metrics_set(r->metrics, &m_last_ok, l,
                       (double)kx_wall_ms() / 1000.0);
    if (strncmp(flow, "webhook.", 8) != 0 &&
        ks_store_outbox_count(&pending, t->env.store, flow) == KS_OK)
        kh_metrics_set(r->metrics, &m_outbox, l, (double)pending);
}

static void print_counts(const struct ks_sync_stats *s, uint64_t requests,
                         int64_t ms)
{
    printf("read %lld, created %lld, updated %lld, unchanged %lld, failed "
           "%lld, skipped %lld; %llu requests, %.1f s",
           (long long)s->read, (long long)s->created, (long long)s->updated,
           (long long)s->unchanged, (long long)s->failed, (long long)s->skipped,
           (unsigned long long)requests, (double)ms / 1000.0);
}

static int moved(const struct ks_sync_stats *s)
{
    return s->read || s->created || s->updated || s->failed || s->skipped;
}

void kh__sync_print_failure(struct kh__sync_tenant *t, const char *what,
                            ks_rc rc)
{
    const struct ks_error *e = ks_sync_last_error(t->env.sync);

    fprintf(stderr, "%s: %s failed: %s: %s", KH__SYNC_PROG, what,
            ks_rc_name(rc), e->message[0] ? e->message : ks_rc_message(rc));
    if (e->http_status)
        fprintf(stderr, " (HTTP %ld%s%s)", e->http_status,
                e->remote_id[0] ? ", request id " : "", e->remote_id);
    fputc('\n', stderr);
}

const char *const kh__sync_hook_flow[KH__HOOK_KINDS] = {
    [KH__HOOK_BIGCOMMERCE] = "webhook.bigcommerce",
    [KH__HOOK_WOOCOMMERCE] = "webhook.woocommerce",
    [KH__HOOK_EPICOR] = "webhook.epicor",
    [KH__HOOK_ADOBE] = "webhook.adobe",
};

enum kh__sync_hook_kind kh__sync_hook_kind(const struct kh_receiver_item *it)
{
    return it->epicor        ? KH__HOOK_EPICOR
           : it->adobe       ? KH__HOOK_ADOBE
           : it->woocommerce ? KH__HOOK_WOOCOMMERCE
                             : KH__HOOK_BIGCOMMERCE;
}

/* The flow (or webhook import) itself. */
static ks_rc run_flow(struct ks_sync_stats *s, struct kh__sync_run *r,
                      struct kh__sync_tenant *t, int flow,
                      const struct kh_receiver_item *item)
{
    if (flow >= 0 && !kh__sync_flows[flow].run)
        return kh__sync_oee_run(s, r, t, flow);
    if (flow >= 0)
        return kh__sync_flows[flow].run(s, t->env.sync);
    if (item->epicor)
        return kh__sync_oee_event(s, r, t, item);
    if (item->adobe)
        return ks_sync_requisition_from_adobe(s, t->env.sync,
                                              item->adobe_delivery);
    if (item->woocommerce)
        return ks_sync_order_from_woocommerce_id(s, t->env.sync,
                                                 item->wc_order_id);
    return ks_sync_order_from_bigcommerce_event(s, t->env.sync, &item->bc);
}

ks_rc kh__sync_run_one(struct kh__sync_run *r, struct kh__sync_tenant *t,
                       int flow, const struct kh_receiver_item *item)
{
    struct ks_client_stats before, after;
    struct ks_sync_stats s;
    int64_t start = kx_monotonic_ms(), ms;
    const char *base = flow >= 0 ? kh__sync_flows[flow].name
                                 : kh__sync_hook_flow[kh__sync_hook_kind(item)];
    int oee = flow >= 0 ? strcmp(kh__sync_flows[flow].needs, "oee") == 0
                        : item->epicor;
    char name[160], qname[160 + KH__SYNC_CONNECTION_MAX];
    struct kh__sync_totals *tot =
        flow >= 0 ? &t->flow[flow] : &t->hooks[kh__sync_hook_kind(item)];
    ks_rc rc;

    if (flow >= 0)
        snprintf(name, sizeof(name), "%s", base);
    else if (item->epicor)
        snprintf(name, sizeof(name), "%s:%s:%s", base, item->ev.type,
                 item->ev.job);
    else if (item->adobe)
        snprintf(
            name, sizeof(name), "%s:%s", base,
            kx_json_str_or(
                kx_json_obj(kx_json_obj(item->adobe_delivery, "data"), "order"),
                "increment_id", "?"));
    else
        snprintf(
            name, sizeof(name), "%s:%lld", base,
            (long long)(item->woocommerce ? item->wc_order_id : item->bc.id));
    kh__sync_qualified(qname, sizeof(qname), t->conf, name, r->cfg.named);
    memset(&s, 0, sizeof(s));
    r->log.client = t->env.client;
    ks_client_stats(&before, t->env.client);
    r->log.flow = qname;
    r->log.flow_start_ms = start;
    r->log.flow_requests0 = before.requests;
    kh__sync_progress(&r->log, 1);
    rc = run_flow(&s, r, t, flow, item);
    kh__sync_progress_clear(&r->log);
    r->log.flow = NULL;
    ks_client_stats(&after, t->env.client);
    ms = kx_monotonic_ms() - start;
    stats_add(tot, &s, after.requests - before.requests, ms, rc);
    count_run(r, t, base, &s, after.requests - before.requests, rc);
    if (!r->watch || rc || moved(&s)) {
        printf("%-22s ", qname);
        print_counts(&s, after.requests - before.requests, ms);
        fputs(rc ? " FAILED\n" : "\n", stdout);
        fflush(stdout);
    }
    if (rc && oee)
        kh__sync_oee_print_failure(t, qname, rc);
    else if (rc)
        kh__sync_print_failure(t, qname, rc);
    return rc;
}

static void totals_add(struct kh__sync_totals *all,
                       const struct kh__sync_totals *t)
{
    all->s.read += t->s.read;
    all->s.created += t->s.created;
    all->s.updated += t->s.updated;
    all->s.unchanged += t->s.unchanged;
    all->s.failed += t->s.failed;
    all->s.skipped += t->s.skipped;
    all->requests += t->requests;
    all->ms += t->ms;
}

/* --watch: one "total" line per flow of t that ran; adds them to all. */
static void tenant_totals(struct kh__sync_run *r, struct kh__sync_tenant *t,
                          struct kh__sync_totals *all, int *flows, int *failed)
{
    char q[160];

    for (int i = 0; i < KH__FLOW_COUNT + KH__HOOK_KINDS; i++) {
        struct kh__sync_totals *x =
            i < KH__FLOW_COUNT ? &t->flow[i] : &t->hooks[i - KH__FLOW_COUNT];

        if (!x->runs)
            continue;
        if (i < KH__FLOW_COUNT) {
            (*flows)++;
            *failed += x->failures > 0;
        }
        if (r->watch) {
            kh__sync_qualified(q, sizeof(q), t->conf,
                               i < KH__FLOW_COUNT
                                   ? kh__sync_flows[i].name
                                   : kh__sync_hook_flow[i - KH__FLOW_COUNT],
                               r->cfg.named);
            printf("total %-16s %d run%s, %d failed; ", q, x->runs,
                   x->runs == 1 ? "" : "s", x->failures);
            print_counts(&x->s, x->requests, x->ms);
            putchar('\n');
        }
        totals_add(all, x);
    }
}

/* The outbox line: how many records wait, and how to see them. */
static void print_outbox(struct kh__sync_run *r)
{
    int64_t total = 0;
    int known = 0;

    for (size_t k = 0; k < r->n; k++) {
        struct kh__sync_tenant *t = &r->t[k];
        int64_t pending = -1;

        if (ks_store_outbox_count(&pending, t->env.store, NULL) != KS_OK)
            continue;
        known = 1;
        total += pending;
        if (pending > 0)
            printf("outbox: %s%s%lld pending (list them with `kinsync outbox "
                   "--config %s%s%s`, retry with `kinsync outbox retry`)\n",
                   r->cfg.named ? t->conf->name : "", r->cfg.named ? ": " : "",
                   (long long)pending, r->cfg.path,
                   r->cfg.named ? " --connection " : "",
                   r->cfg.named ? t->conf->name : "");
    }
    if (known && total == 0)
        puts("outbox: empty");
}

void kh__sync_print_summary(struct kh__sync_run *r)
{
    struct kh__sync_totals all;
    int flows = 0, failed = 0;

    memset(&all, 0, sizeof(all));
    for (size_t k = 0; k < r->n; k++)
        tenant_totals(r, &r->t[k], &all, &flows, &failed);
    printf("summary: %d flow%s, %d ok, %d failed; ", flows,
           flows == 1 ? "" : "s", flows - failed, failed);
    print_counts(&all.s, all.requests, all.ms);
    putchar('\n');
    kh__sync_oee_summary(r);
    print_outbox(r);
    fflush(stdout);
}

static int run_once(struct kh__sync_run *r)
{
    int status = KH__SYNC_EXIT_OK;

    for (size_t k = 0; k < r->n; k++) {
        for (int i = 0; i < KH__FLOW_COUNT; i++) {
            if (!r->t[k].conf->enabled[i])
                continue;
            if (kh__sync_stop_pending()) {
                fprintf(stderr,
                        "%s: stop signal: the remaining flows did not "
                        "run\n",
                        KH__SYNC_PROG);
                status = KH__SYNC_EXIT_FAIL;
                goto out;
            }
            if (kh__sync_run_one(r, &r->t[k], i, NULL))
                status = KH__SYNC_EXIT_FAIL;
        }
    }
out:
    kh__sync_print_summary(r);
    return status;
}

/* ---- the command -------------------------------------------------------- */

struct sync_opts {
    const char *config, *log, *connection, *metrics_bind;
    int once, watch, help;
    long metrics_port; /* -1: none */
};

static int parse_port(long *out, const char *s)
{
    char *end;

    errno = 0;
    *out = strtol(s, &end, 10);
    return errno || end == s || *end || *out < 0 || *out > 65535 ? -1 : 0;
}

static int parse_opts(struct sync_opts *o, int argc, char **argv)
{
    static const struct option options[] = {
        {"help", no_argument, NULL, 'h'},
        {"once", no_argument, NULL, 'o'},
        {"watch", no_argument, NULL, 'w'},
        {"config", required_argument, NULL, 'c'},
        {"log", required_argument, NULL, 'l'},
        {"connection", required_argument, NULL, 'n'},
        {"metrics-port", required_argument, NULL, 'p'},
        {"metrics-bind", required_argument, NULL, 'b'},
        {NULL, 0, NULL, 0}};
    int c;

    memset(o, 0, sizeof(*o));
    o->metrics_port = -1;
    kx_opt_begin();
    while ((c = kx_opt_next(argc, argv, ":h", options, "sync")) != -1) {
        if (c == 'h')
            o->help = 1;
        else if (c == 'o')
            o->once = 1;
        else if (c == 'w')
            o->watch = 1;
        else if (c == 'c')
            o->config = optarg;
        else if (c == 'l')
            o->log = optarg;
        else if (c == 'n')
            o->connection = optarg;
        else if (c == 'b')
            o->metrics_bind = optarg;
        else if (c == 'p' && parse_port(&o->metrics_port, optarg) != 0)
            return kx_usage_error(
                "sync", "bad --metrics-port \"%s\" (0..65535)", optarg);
        else if (c != 'p')
            return KH__SYNC_EXIT_USAGE; /* kx_opt_next() has said why */
    }
    if (optind < argc)
        return kx_usage_error("sync", "unexpected argument \"%s\"",
                              argv[optind]);
    if (o->help)
        return 0;
    if (o->once && o->watch)
        return kx_usage_error("sync", "--once and --watch exclude each other");
    if (!o->watch && (o->metrics_port >= 0 || o->metrics_bind))
        return kx_usage_error("sync", "/metrics is served by --watch only");
    if (o->metrics_bind && o->metrics_port < 0)
        return kx_usage_error("sync", "--metrics-bind needs --metrics-port");
    if (!o->config)
        return kx_usage_error("sync", "--config FILE is required");
    return 0;
}

/* Opens the handles of every connection run (one, with --connection). */
static int open_tenants(struct kh__sync_run *r, const char *only)
{
    struct kh__sync_conf *one = NULL;

    if (only && !(one = kh__sync_config_pick(&r->cfg, only, PROG)))
        return KH__SYNC_EXIT_USAGE;
    r->t = kx_xcalloc(r->cfg.nconns, sizeof(*r->t));
    for (size_t i = 0; i < r->cfg.nconns; i++) {
        struct kh__sync_tenant *t = &r->t[r->n];
        int status;

        if (one && one != &r->cfg.conns[i])
            continue;
        t->conf = &r->cfg.conns[i];
        status = kh__sync_env_open(&t->env, t->conf, &r->log, PROG);
        if (status)
            return status;
        r->n++;
    }
    return 0;
}

static int sync_main(const struct sync_opts *o, const sigset_t *set)
{
    struct kh__sync_run *r = kx_xcalloc(1, sizeof(*r));
    int status;

    r->watch = o->watch;
    r->metrics = kh_metrics_new();
    r->metrics_port = (int)o->metrics_port;
    r->metrics_bind = o->metrics_bind;
    r->log.prog = PROG;
    r->log.progress = isatty(STDERR_FILENO);
    status = kh__sync_config_load(&r->cfg, PROG, o->config);
    if (status == 0 && o->log && !(r->log.file = kh__sync_log_open(o->log))) {
        fprintf(stderr, "%s: cannot open the log file %s: %s\n", PROG, o->log,
                strerror(errno));
        status = KH__SYNC_EXIT_FAIL;
    }
    if (status == 0)
        status = open_tenants(r, o->connection);
    r->lease_ms = kh__sync_int(r->cfg.doc, "lease_s", KH__SYNC_LEASE_S) * 1000;
    if (status == 0) {
        int any = 0;

        for (size_t k = 0; k < r->n; k++) {
            for (int i = 0; i < KH__FLOW_COUNT; i++)
                any |= r->t[k].conf->enabled[i];
        }
        if (!any && !o->watch)
            fprintf(stderr,
                    "%s: no flow configured: add a \"bigcommerce\" "
                    "or \"woocommerce\" section, or \"flows\"\n",
                    PROG);
        status = o->watch ? kh__sync_watch(r, set) : run_once(r);
    }
    for (size_t k = 0; r->t && k < r->cfg.nconns; k++)
        kh__sync_env_dispose(&r->t[k].env);
    free(r->t);
    if (r->log.file)
        fclose(r->log.file);
    kh__sync_config_dispose(&r->cfg);
    kh_metrics_free(r->metrics);
    free(r);
    return status;
}

/*
 * kinsync sync: see print_usage(). SIGINT, SIGTERM and the receiver's wake
 * signal are blocked for the whole run (before libcurl or the receiver
 * start threads); signals still pending at the end are consumed before
 * the mask is restored, so they do not kill the process after the fact.
 */
int kh_cli_sync(int argc, char **argv)
{
    struct sync_opts o;
    sigset_t set, old;
    struct timespec zero = {0, 0};
    int rc = parse_opts(&o, argc, argv);

    if (rc)
        return rc;
    if (o.help) {
        print_usage(stdout);
        return 0;
    }
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, WAKE_SIGNAL);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    rc = sync_main(&o, &set);
    while (sigtimedwait(&set, NULL, &zero) > 0)
        ;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}
