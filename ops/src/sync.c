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
#include "ops.h"
#include <kx/opt.h>
#include "receiver.h"

#define PROG "kinsync sync"
#define WAKE_SIGNAL SIGUSR1

static void print_usage(FILE *out)
{
    fputs(
        "usage: kinsync sync --config FILE [--once | --watch] [--log FILE]\n"
        "                    [--help]\n"
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
        "                 progress finishes, the summary is printed, exit 0\n"
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
        "               vendors become); its flows: vendors.adobe,\n"
        "               purchase_orders.adobe, ap_invoices.adobe and\n"
        "               requisitions.epicor (Adobe orders polled into\n"
        "               Epicor purchase requisitions)\n"
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
        "bigcommerce, woocommerce and adobe (credentials would travel in\n"
        "clear text) unless that section sets allow_insecure_http (then a\n"
        "warning).\n"
        "Every credential (api_key, password, client_secret, access_token,\n"
        "webhook_header_value, consumer_key, consumer_secret, webhook_secret,\n"
        "access_token_secret)\n"
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

struct totals {
    int runs, failures;
    struct ks_sync_stats s;
    uint64_t requests;
    int64_t ms;
};

struct run {
    struct kh__sync_conf conf;
    struct kh__sync_env env;
    struct kh__sync_log log;
    struct totals flow[KH__FLOW_COUNT];
    struct totals hooks[2]; /* webhook imports: BigCommerce, WooCommerce */
    int watch;
};

static void stats_add(struct totals *t, const struct ks_sync_stats *s,
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

static void print_failure(struct run *r, const char *what, ks_rc rc)
{
    const struct ks_error *e = ks_sync_last_error(r->env.sync);

    fprintf(stderr, "%s: %s failed: %s: %s", PROG, what, ks_rc_name(rc),
            e->message[0] ? e->message : ks_rc_message(rc));
    if (e->http_status)
        fprintf(stderr, " (HTTP %ld%s%s)", e->http_status,
                e->remote_id[0] ? ", request id " : "", e->remote_id);
    fputc('\n', stderr);
}

/* Runs one flow (or one webhook import when flow < 0) with the progress
 * line on, and prints its line: always with --once, with --watch only
 * when it moved something or failed. */
static ks_rc run_one(struct run *r, const char *name, struct totals *t,
                     int flow, const struct kh_receiver_item *item)
{
    struct ks_client_stats before, after;
    struct ks_sync_stats s;
    int64_t start = kx_monotonic_ms(), ms;
    ks_rc rc;

    memset(&s, 0, sizeof(s));
    ks_client_stats(&before, r->env.client);
    r->log.flow = name;
    r->log.flow_start_ms = start;
    r->log.flow_requests0 = before.requests;
    kh__sync_progress(&r->log, 1);
    if (flow >= 0)
        rc = kh__sync_flows[flow].run(&s, r->env.sync);
    else if (item->woocommerce)
        rc = ks_sync_order_from_woocommerce_id(&s, r->env.sync,
                                               item->wc_order_id);
    else
        rc = ks_sync_order_from_bigcommerce_event(&s, r->env.sync, &item->bc);
    kh__sync_progress_clear(&r->log);
    r->log.flow = NULL;
    ks_client_stats(&after, r->env.client);
    ms = kx_monotonic_ms() - start;
    stats_add(t, &s, after.requests - before.requests, ms, rc);
    if (!r->watch || rc || moved(&s)) {
        printf("%-22s ", name);
        print_counts(&s, after.requests - before.requests, ms);
        fputs(rc ? " FAILED\n" : "\n", stdout);
        fflush(stdout);
    }
    if (rc)
        print_failure(r, name, rc);
    return rc;
}

static void print_summary(struct run *r)
{
    struct totals all;
    int flows = 0, failed = 0;
    int64_t pending = -1;

    memset(&all, 0, sizeof(all));
    for (int i = 0; i < KH__FLOW_COUNT + 2; i++) {
        struct totals *t =
            i < KH__FLOW_COUNT ? &r->flow[i] : &r->hooks[i - KH__FLOW_COUNT];

        if (!t->runs)
            continue;
        if (i < KH__FLOW_COUNT) {
            flows++;
            failed += t->failures > 0;
        }
        if (r->watch) {
            printf("total %-16s %d run%s, %d failed; ",
                   i < KH__FLOW_COUNT    ? kh__sync_flows[i].name
                   : i == KH__FLOW_COUNT ? "webhook.bigcommerce"
                                         : "webhook.woocommerce",
                   t->runs, t->runs == 1 ? "" : "s", t->failures);
            print_counts(&t->s, t->requests, t->ms);
            putchar('\n');
        }
        all.s.read += t->s.read;
        all.s.created += t->s.created;
        all.s.updated += t->s.updated;
        all.s.unchanged += t->s.unchanged;
        all.s.failed += t->s.failed;
        all.s.skipped += t->s.skipped;
        all.requests += t->requests;
        all.ms += t->ms;
    }
    ks_store_outbox_count(&pending, r->env.store, NULL);
    printf("summary: %d flow%s, %d ok, %d failed; ", flows,
           flows == 1 ? "" : "s", flows - failed, failed);
    print_counts(&all.s, all.requests, all.ms);
    putchar('\n');
    if (pending > 0)
        printf("outbox: %lld pending (list them with `kinsync outbox "
               "--config %s`, retry with `kinsync outbox retry`)\n",
               (long long)pending, r->conf.path);
    else if (pending == 0)
        puts("outbox: empty");
    fflush(stdout);
}

static int run_once(struct run *r)
{
    int status = KH__SYNC_EXIT_OK;

    for (int i = 0; i < KH__FLOW_COUNT; i++) {
        if (!r->conf.enabled[i])
            continue;
        if (kh__sync_stop_pending()) {
            fprintf(stderr,
                    "%s: stop signal: the remaining flows did not "
                    "run\n",
                    PROG);
            status = KH__SYNC_EXIT_FAIL;
            break;
        }
        if (run_one(r, kh__sync_flows[i].name, &r->flow[i], i, NULL))
            status = KH__SYNC_EXIT_FAIL;
    }
    print_summary(r);
    return status;
}

/* ---- --watch ----------------------------------------------------------- */

/* receiver.register, or by default: only when public_url says where the
 * platforms reach the receiver (a loopback URL is useless to them). */
static int want_register(const struct kh__sync_conf *c)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->receiver, "register");

    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v);
    return kx_json_str(c->receiver, "public_url") != NULL;
}

/* Makes sure the platforms send order events to the receiver. A failure
 * is a warning: the backfill polls still bring every order in. */
static void register_hooks(struct run *r, const char *base)
{
    static const char *const bc_scopes[] = {"store/order/created",
                                            "store/order/updated", NULL};
    static const char *const wc_topics[] = {"order.created", "order.updated",
                                            NULL};
    char url[2048];
    cJSON *out = NULL;
    size_t n = strlen(base);
    ks_rc rc;

    while (n > 0 && base[n - 1] == '/') /* "https://x/" + "/webhooks/..." */
        n--;

    if (r->env.bigcommerce) {
        const char *hname =
            kx_json_str(r->conf.bigcommerce, "webhook_header_name");
        cJSON *headers = NULL;

        /* The custom-header fallback only works if the hook sends it. */
        if (hname && r->env.creds.bc_header_value) {
            headers = cJSON_CreateObject();
            if (!headers || !cJSON_AddStringToObject(
                                headers, hname, r->env.creds.bc_header_value))
                abort(); /* the CLI may abort on out-of-memory */
        }
        snprintf(url, sizeof(url), "%.*s/webhooks/bigcommerce", (int)n, base);
        rc = ks_bigcommerce_hooks_ensure(&out, r->env.bigcommerce, bc_scopes,
                                         url, headers);
        if (headers) /* it holds a credential */
            memset(headers->child->valuestring, 0,
                   strlen(headers->child->valuestring));
        cJSON_Delete(headers);
        cJSON_Delete(out);
        out = NULL;
        if (rc)
            print_failure(r, "registering the BigCommerce webhooks", rc);
        else
            fprintf(stderr, "%s: BigCommerce order webhooks deliver to %s\n",
                    PROG, url);
    }
    if (r->env.woocommerce && !r->env.creds.wc_webhook_secret) {
        fprintf(stderr,
                "%s: warning: not registering WooCommerce webhooks: "
                "woocommerce.webhook_secret is not set\n",
                PROG);
    } else if (r->env.woocommerce) {
        snprintf(url, sizeof(url), "%.*s/webhooks/woocommerce", (int)n, base);
        rc = ks_woocommerce_hooks_ensure(&out, r->env.woocommerce, wc_topics,
                                         url);
        cJSON_Delete(out);
        if (rc)
            print_failure(r, "registering the WooCommerce webhooks", rc);
        else
            fprintf(stderr, "%s: WooCommerce order webhooks deliver to %s\n",
                    PROG, url);
    }
}

static void receiver_warnings(const struct run *r)
{
    const struct kh__sync_creds *k = &r->env.creds;

    if (r->env.bigcommerce && !k->bc_client_secret && !k->bc_header_value)
        fprintf(stderr,
                "%s: warning: bigcommerce.client_secret is not set: the "
                "receiver refuses every BigCommerce delivery (the "
                "orders.bigcommerce poll still runs)\n",
                PROG);
    if (r->env.woocommerce && !k->wc_webhook_secret)
        fprintf(stderr,
                "%s: warning: woocommerce.webhook_secret is not set: the "
                "receiver refuses every WooCommerce delivery (the "
                "orders.woocommerce poll still runs)\n",
                PROG);
}

/*
 * The receiver of --watch with the handles it verifies with: handles of
 * its own on a client of its own (which never sends), since the sync's
 * are not thread-safe.
 */
struct watch_receiver {
    struct kh_receiver *rcv;
    struct ks_client *client;
    struct ks_bigcommerce *bc;
    struct ks_woocommerce *wc;
};

/* Imports what the receiver queued; lets it log refusals not yet logged
 * (it rate-limits them itself). */
static void drain(struct run *r, struct watch_receiver *w)
{
    struct kh_receiver_item *q;
    size_t n;
    char name[64];

    if (!w->rcv)
        return;
    q = kh_receiver_drain(w->rcv, &n);
    for (size_t i = 0; i < n; i++) {
        int wc = q[i].woocommerce;

        snprintf(name, sizeof(name), "webhook.%s:%lld",
                 wc ? "woocommerce" : "bigcommerce",
                 (long long)(wc ? q[i].wc_order_id : q[i].bc.id));
        run_one(r, name, &r->hooks[wc], -1, &q[i]);
    }
    free(q);
    kh_receiver_log_pending(w->rcv);
}

/* The receiver's summary of refusals, at most one line per interval: on
 * stderr and in the --log file (both FILE streams lock per call, so a
 * receiver thread may write). */
static void receiver_log(void *userdata, const char *line)
{
    const struct kh__sync_log *log = userdata;

    fprintf(stderr, "%s: warning: %s\n", PROG, line);
    if (log->file) {
        fprintf(log->file, "WARN %s\n", line);
        fflush(log->file);
    }
}

/* The receiver's notify: wakes the main loop's sigtimedwait. */
static void wake_main(void *unused)
{
    (void)unused;
    kill(getpid(), WAKE_SIGNAL);
}

static void stop_receiver(struct watch_receiver *w)
{
    kh_receiver_stop(w->rcv); /* first: it verifies with the handles */
    ks_bigcommerce_free(w->bc);
    ks_woocommerce_free(w->wc);
    ks_client_free(w->client);
    memset(w, 0, sizeof(*w));
}

/* Builds the verification handles and starts the receiver on
 * receiver.bind:port; 0, or -1 with the reason in err. */
static int open_receiver(struct watch_receiver *w, struct run *r, char *err,
                         size_t errsz)
{
    struct ks_client_options co = KS_CLIENT_OPTIONS_INIT;
    struct ks_bigcommerce_options bo = KS_BIGCOMMERCE_OPTIONS_INIT;
    struct ks_woocommerce_options wo = KS_WOOCOMMERCE_OPTIONS_INIT;
    struct kh_receiver_options ro = KH_RECEIVER_OPTIONS_INIT;

    if (ks_client_new(&w->client, &co) != KS_OK) {
        snprintf(err, errsz, "cannot create a client");
        return -1;
    }
    if (r->env.bigcommerce) {
        kh__sync_bc_options(&bo, &r->env);
        bo.webhook_max_body = KH_RECEIVER_BODY_MAX;
        if (ks_bigcommerce_new(&w->bc, w->client, &bo) != KS_OK) {
            snprintf(err, errsz, "cannot set up BigCommerce verification");
            return -1;
        }
    }
    if (r->env.woocommerce) {
        kh__sync_wc_options(&wo, &r->env);
        wo.webhook_max_body = KH_RECEIVER_BODY_MAX;
        if (ks_woocommerce_new(&w->wc, w->client, &wo) != KS_OK) {
            snprintf(err, errsz, "cannot set up WooCommerce verification");
            return -1;
        }
    }
    ro.bind_addr = kx_json_str(r->conf.receiver, "bind");
    ro.port = (uint16_t)kh__sync_int(r->conf.receiver, "port", 0);
    ro.bigcommerce = w->bc;
    ro.woocommerce = w->wc;
    ro.connection_limit =
        (unsigned)kh__sync_int(r->conf.receiver, "connection_limit", 0);
    ro.per_ip_connection_limit =
        (unsigned)kh__sync_int(r->conf.receiver, "per_ip_connection_limit", 0);
    ro.connection_timeout_s =
        (unsigned)kh__sync_int(r->conf.receiver, "connection_timeout_s", 0);
    ro.in_flight_max =
        (unsigned)kh__sync_int(r->conf.receiver, "in_flight_max", 0);
    ro.log_interval_s =
        (unsigned)kh__sync_int(r->conf.receiver, "log_interval_s", 0);
    ro.notify = wake_main;
    ro.log = receiver_log;
    ro.userdata = &r->log;
    return kh_receiver_start(&w->rcv, &ro, err, errsz);
}

static int start_receiver(struct watch_receiver *w, struct run *r)
{
    const char *pub = kx_json_str(r->conf.receiver, "public_url");
    char err[512];

    memset(w, 0, sizeof(*w));
    if (!r->env.bigcommerce && !r->env.woocommerce)
        return 0; /* nothing could deliver to it */
    if (open_receiver(w, r, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: cannot start the webhook receiver: %s\n", PROG,
                err);
        stop_receiver(w);
        return KH__SYNC_EXIT_FAIL;
    }
    printf("receiver %s\n", kh_receiver_url(w->rcv));
    fflush(stdout);
    receiver_warnings(r);
    if (want_register(&r->conf))
        register_hooks(r, pub ? pub : kh_receiver_url(w->rcv));
    return 0;
}

/* Runs due flows and queued webhooks until SIGINT or SIGTERM. */
static int run_watch(struct run *r, const sigset_t *set)
{
    int64_t next[KH__FLOW_COUNT];
    struct watch_receiver rcv;
    int64_t next_prune = kx_monotonic_ms(); /* a first prune at start */
    int status = start_receiver(&rcv, r), sig = 0;

    if (status)
        return status;
    for (int i = 0; i < KH__FLOW_COUNT; i++)
        next[i] = kx_monotonic_ms(); /* everything runs at start */
    fprintf(stderr, "%s: watching; stop with Ctrl-C or SIGTERM\n", PROG);
    while (!sig) {
        int64_t wait = INT64_MAX, now;
        struct timespec ts;

        drain(r, &rcv);
        if (r->conf.retention_days && next_prune <= kx_monotonic_ms()) {
            kh__sync_prune(r->env.store, r->conf.retention_days, PROG, 1);
            next_prune = kx_monotonic_ms() + KH__SYNC_PRUNE_EVERY_MS;
        }
        for (int i = 0; i < KH__FLOW_COUNT && !kh__sync_stop_pending(); i++) {
            if (!r->conf.enabled[i] || next[i] > kx_monotonic_ms())
                continue;
            run_one(r, kh__sync_flows[i].name, &r->flow[i], i, NULL);
            next[i] = kx_monotonic_ms() + r->conf.every_s[i] * 1000;
            drain(r, &rcv); /* webhooks do not wait for a round */
        }
        now = kx_monotonic_ms();
        for (int i = 0; i < KH__FLOW_COUNT; i++) {
            if (r->conf.enabled[i] && next[i] - now < wait)
                wait = next[i] - now;
        }
        if (wait < 0)
            wait = 0;
        if (wait > 3600000)
            wait = 3600000;
        ts.tv_sec = (time_t)(wait / 1000);
        ts.tv_nsec = (long)(wait % 1000) * 1000000L;
        sig = sigtimedwait(set, NULL, &ts);
        if (sig == WAKE_SIGNAL || sig < 0)
            sig = 0; /* a queued delivery, the timeout, or EINTR */
    }
    fprintf(stderr, "%s: %s, stopping\n", PROG,
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    stop_receiver(&rcv);
    print_summary(r);
    return KH__SYNC_EXIT_OK;
}

/* ---- the command -------------------------------------------------------- */

struct sync_opts {
    const char *config, *log;
    int once, watch, help;
};

static int parse_opts(struct sync_opts *o, int argc, char **argv)
{
    static const struct option options[] = {
        {"help", no_argument, NULL, 'h'},
        {"once", no_argument, NULL, 'o'},
        {"watch", no_argument, NULL, 'w'},
        {"config", required_argument, NULL, 'c'},
        {"log", required_argument, NULL, 'l'},
        {NULL, 0, NULL, 0}};
    int c;

    memset(o, 0, sizeof(*o));
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
        else
            return KH__SYNC_EXIT_USAGE; /* kx_opt_next() has said why */
    }
    if (optind < argc)
        return kx_usage_error("sync", "unexpected argument \"%s\"",
                              argv[optind]);
    if (o->help)
        return 0;
    if (o->once && o->watch)
        return kx_usage_error("sync", "--once and --watch exclude each other");
    if (!o->config)
        return kx_usage_error("sync", "--config FILE is required");
    return 0;
}

static int sync_main(const struct sync_opts *o, const sigset_t *set)
{
    struct run *r = kx_xcalloc(1, sizeof(*r));
    int status;

    r->watch = o->watch;
    r->log.prog = PROG;
    r->log.progress = isatty(STDERR_FILENO);
    status = kh__sync_conf_load(&r->conf, PROG, o->config);
    if (status == 0 && o->log && !(r->log.file = kh__sync_log_open(o->log))) {
        fprintf(stderr, "%s: cannot open the log file %s: %s\n", PROG, o->log,
                strerror(errno));
        status = KH__SYNC_EXIT_FAIL;
    }
    if (status == 0)
        status = kh__sync_env_open(&r->env, &r->conf, &r->log, PROG);
    if (status == 0) {
        int any = 0;

        for (int i = 0; i < KH__FLOW_COUNT; i++)
            any |= r->conf.enabled[i];
        if (!any && !o->watch)
            fprintf(stderr,
                    "%s: no flow configured: add a \"bigcommerce\" "
                    "or \"woocommerce\" section, or \"flows\"\n",
                    PROG);
        status = o->watch ? run_watch(r, set) : run_once(r);
    }
    kh__sync_env_dispose(&r->env);
    if (r->log.file)
        fclose(r->log.file);
    kh__sync_conf_dispose(&r->conf);
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
