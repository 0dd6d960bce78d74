/*
 * `kinsync sync --watch`: every connection's flows on their cadences, one
 * webhook receiver for all of them (a connection's deliveries come to
 * /webhooks/NAME/<platform>; the implicit connection of a single-tenant
 * file keeps /webhooks/<platform>), and /metrics when --metrics-port is
 * given. The receiver wakes the main thread's sigtimedwait() with SIGUSR1
 * when it queues a delivery; there is no polling loop. Stop signals are
 * looked at between flows: the flow in progress always finishes.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "run.h"

#define PROG KH__SYNC_PROG
#define WAKE_SIGNAL SIGUSR1
/* How often a worker looks for deliveries another worker's receiver
 * committed (its own receiver wakes it at once). */
#define QUEUE_POLL_MS 5000

/* The receiver's metrics, per connection: deliveries answered 200
 * (accepted) or refused (400, 401, 413), and the 401s among them. */
static const struct kh_metric m_deliveries = {
    "kinsync_webhook_deliveries_total",
    "Webhook deliveries verified and accepted, or refused (bad signature, "
    "too large, unusable).",
    KH_METRIC_COUNTER,
    {"connection", "result", NULL}};
static const struct kh_metric m_hook_auth = {
    "kinsync_webhook_auth_failures_total",
    "Webhook deliveries refused for a missing or wrong signature or "
    "timestamp (401).",
    KH_METRIC_COUNTER,
    {"connection", NULL}};

/* receiver.register, or by default: only when public_url says where the
 * platforms reach the receiver (a loopback URL is useless to them). */
static int want_register(const struct kh__sync_conf *c)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->receiver, "register");

    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v);
    return kx_json_str(c->receiver, "public_url") != NULL;
}

/* "BASE/webhooks/[NAME/]PLATFORM" into url. */
static void hook_url(char *url, size_t size, const char *base,
                     const struct kh__sync_run *r,
                     const struct kh__sync_tenant *t, const char *platform)
{
    size_t n = strlen(base);

    while (n > 0 && base[n - 1] == '/') /* "https://x/" + "/webhooks/..." */
        n--;
    snprintf(url, size, "%.*s/webhooks/%s%s%s", (int)n, base,
             r->cfg.named ? t->conf->name : "", r->cfg.named ? "/" : "",
             platform);
}

static void register_bigcommerce(struct kh__sync_tenant *t, const char *url)
{
    static const char *const scopes[] = {"store/order/created",
                                         "store/order/updated", NULL};
    const char *hname =
        kx_json_str(t->conf->bigcommerce, "webhook_header_name");
    cJSON *headers = NULL, *out = NULL;
    ks_rc rc;

    /* The custom-header fallback only works if the hook sends it. */
    if (hname && t->env.creds.bc_header_value) {
        headers = cJSON_CreateObject();
        if (!headers || !cJSON_AddStringToObject(headers, hname,
                                                 t->env.creds.bc_header_value))
            abort(); /* the CLI may abort on out-of-memory */
    }
    rc = ks_bigcommerce_hooks_ensure(&out, t->env.bigcommerce, scopes, url,
                                     headers);
    if (headers) /* it holds a credential */
        memset(headers->child->valuestring, 0,
               strlen(headers->child->valuestring));
    cJSON_Delete(headers);
    cJSON_Delete(out);
    if (rc)
        kh__sync_print_failure(t, "registering the BigCommerce webhooks", rc);
    else
        fprintf(stderr, "%s: BigCommerce order webhooks deliver to %s\n", PROG,
                url);
}

/* Makes sure the platforms send order events to the receiver. A failure
 * is a warning: the backfill polls still bring every order in. */
static void register_hooks(struct kh__sync_run *r, struct kh__sync_tenant *t,
                           const char *base)
{
    static const char *const wc_topics[] = {"order.created", "order.updated",
                                            NULL};
    char url[2048];
    cJSON *out = NULL;
    ks_rc rc;

    if (t->env.bigcommerce) {
        hook_url(url, sizeof(url), base, r, t, "bigcommerce");
        register_bigcommerce(t, url);
    }
    if (t->env.woocommerce && !t->env.creds.wc_webhook_secret) {
        fprintf(stderr,
                "%s: warning: not registering WooCommerce webhooks: "
                "%s/woocommerce/webhook_secret is not set\n",
                PROG, t->conf->pointer);
    } else if (t->env.woocommerce) {
        hook_url(url, sizeof(url), base, r, t, "woocommerce");
        rc = ks_woocommerce_hooks_ensure(&out, t->env.woocommerce, wc_topics,
                                         url);
        cJSON_Delete(out);
        if (rc)
            kh__sync_print_failure(t, "registering the WooCommerce webhooks",
                                   rc);
        else
            fprintf(stderr, "%s: WooCommerce order webhooks deliver to %s\n",
                    PROG, url);
    }
}

static void receiver_warnings(const struct kh__sync_tenant *t)
{
    const struct kh__sync_creds *k = &t->env.creds;

    if (t->env.bigcommerce && !k->bc_client_secret && !k->bc_header_value)
        fprintf(stderr,
                "%s: warning: %s/bigcommerce/client_secret is not set: the "
                "receiver refuses every BigCommerce delivery (the "
                "orders.bigcommerce poll still runs)\n",
                PROG, t->conf->pointer);
    if (t->env.woocommerce && !k->wc_webhook_secret)
        fprintf(stderr,
                "%s: warning: %s/woocommerce/webhook_secret is not set: the "
                "receiver refuses every WooCommerce delivery (the "
                "orders.woocommerce poll still runs)\n",
                PROG, t->conf->pointer);
}

/*
 * The receiver of --watch with the handles it verifies with: handles of
 * its own on a client of its own (which never sends), since the sync's
 * are not thread-safe; one route per connection with a storefront.
 */
struct watch_receiver {
    struct kh_receiver *rcv;
    struct ks_client *client;
    struct kh_receiver_route *routes; /* one per tenant, same order */
    struct kh__sync_intake intake;    /* where deliveries are committed */
    struct kh__sync_run *run;
    struct kh_metrics_server *metrics;
    /* Per tenant: the Adobe webhook key of its route and the PEM read
     * for it (NULL when none). */
    struct kh_receiver_adobe *adobe;
    char **adobe_pem;
};

/* Imports the deliveries committed to the queue (by this worker's
 * receiver or another's); lets the receiver log refusals not yet logged
 * (it rate-limits them itself). */
static void drain(struct kh__sync_run *r, struct watch_receiver *w)
{
    struct kh_receiver_item *q;
    size_t n = 0;

    kh__sync_import_queued(r);
    if (!w->rcv)
        return;
    /* what the intake did not commit (a route without a state): handled
     * once, a job event whose handling fails is lost */
    q = kh_receiver_drain(w->rcv, &n);
    for (size_t i = 0; i < n; i++) {
        if (q[i].route < r->n &&
            kh__sync_run_one(r, &r->t[q[i].route], -1, &q[i]) != KS_OK &&
            q[i].epicor)
            kh__sync_oee_count_dropped(r, &r->t[q[i].route]);
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

/* Collector: the receiver's per-connection counts into the metrics. */
static void collect_receiver(struct kh_metrics *m, void *userdata)
{
    struct watch_receiver *w = userdata;
    struct kh_receiver_route_counts c;

    for (size_t i = 0; w->rcv && i < w->run->n; i++) {
        const char *name = w->run->t[i].conf->name;
        const char *ok[] = {name, "accepted"}, *no[] = {name, "refused"};

        if (!w->routes[i].bigcommerce && !w->routes[i].woocommerce &&
            !w->routes[i].epicor_secret && !w->routes[i].adobe)
            continue;
        kh_receiver_route_counts(&c, w->rcv, w->run->cfg.named ? i : 0);
        if (w->routes[i].epicor_secret)
            kh__sync_oee_collect_route(m, name, &c);
        kh_metrics_set(m, &m_deliveries, ok, (double)c.accepted);
        kh_metrics_set(m, &m_deliveries, no, (double)c.refused);
        kh_metrics_set(m, &m_hook_auth, ok, (double)c.rejected);
    }
}

static void stop_receiver(struct watch_receiver *w)
{
    kh_metrics_server_stop(w->metrics); /* first: it reads the receiver */
    kh_receiver_stop(w->rcv);           /* then: it verifies with these */
    for (size_t i = 0; w->routes && i < w->run->n; i++) {
        ks_bigcommerce_free(w->routes[i].bigcommerce);
        ks_woocommerce_free(w->routes[i].woocommerce);
        ks_store_close(w->intake.stores[i]);
        if (w->adobe_pem)
            free(w->adobe_pem[i]);
    }
    free(w->adobe);
    free(w->adobe_pem);
    free(w->routes);
    free(w->intake.stores);
    free(w->intake.names);
    ks_client_free(w->client);
    memset(w, 0, sizeof(*w));
}

/* The verifying handles of t, on the receiver's client; 0 or -1. */
static int route_handles(struct kh_receiver_route *rt,
                         const struct kh__sync_tenant *t,
                         struct ks_client *client, char *err, size_t errsz)
{
    struct ks_bigcommerce_options bo = KS_BIGCOMMERCE_OPTIONS_INIT;
    struct ks_woocommerce_options wo = KS_WOOCOMMERCE_OPTIONS_INIT;

    if (t->env.bigcommerce) {
        kh__sync_bc_options(&bo, &t->env);
        bo.webhook_max_body = KH_RECEIVER_BODY_MAX;
        if (ks_bigcommerce_new(&rt->bigcommerce, client, &bo) != KS_OK) {
            snprintf(err, errsz, "cannot set up BigCommerce verification");
            return -1;
        }
    }
    if (t->env.oee && t->env.creds.oee_event_secret) {
        rt->epicor_header =
            kx_json_str(kx_json_obj(t->conf->oee, "events"), "header");
        rt->epicor_secret = t->env.creds.oee_event_secret;
    }
    if (t->env.woocommerce) {
        kh__sync_wc_options(&wo, &t->env);
        wo.webhook_max_body = KH_RECEIVER_BODY_MAX;
        if (ks_woocommerce_new(&rt->woocommerce, client, &wo) != KS_OK) {
            snprintf(err, errsz, "cannot set up WooCommerce verification");
            return -1;
        }
    }
    return 0;
}

/* The Adobe route of tenant i, when its adobe section names a webhook
 * key; 0, or -1 (the reason printed) when the key cannot be read. */
static int adobe_route(struct watch_receiver *w, struct kh__sync_tenant *t,
                       size_t i)
{
    struct kh_receiver_adobe *a = &w->adobe[i];

    if (!t->env.adobe || !kh__sync_adobe_hooked(t->conf))
        return 0;
    if (kh__sync_adobe_hook_key(&a->mode, &a->key, &w->adobe_pem[i], &t->env,
                                PROG) != 0)
        return -1;
    w->routes[i].adobe = a;
    return 0;
}

/* Builds the verification handles and starts the receiver on
 * receiver.bind:port; 0, or -1 with the reason in err. */
static int open_receiver(struct watch_receiver *w, struct kh__sync_run *r,
                         char *err, size_t errsz)
{
    struct ks_client_options co = KS_CLIENT_OPTIONS_INIT;
    struct kh_receiver_options ro = KH_RECEIVER_OPTIONS_INIT;
    const cJSON *rc = r->t[0].conf->receiver;

    if (ks_client_new(&w->client, &co) != KS_OK) {
        snprintf(err, errsz, "cannot create a client");
        return -1;
    }
    w->routes = kx_xcalloc(r->n, sizeof(*w->routes));
    w->intake.stores = kx_xcalloc(r->n, sizeof(*w->intake.stores));
    w->intake.names = kx_xcalloc(r->n, sizeof(*w->intake.names));
    w->intake.n = r->n;
    w->adobe = kx_xcalloc(r->n, sizeof(*w->adobe));
    w->adobe_pem = kx_xcalloc(r->n, sizeof(*w->adobe_pem));
    for (size_t i = 0; i < r->n; i++) {
        w->routes[i].name = r->t[i].conf->name;
        w->intake.names[i] = r->t[i].conf->name;
        if (route_handles(&w->routes[i], &r->t[i], w->client, err, errsz))
            return -1;
        if (adobe_route(w, &r->t[i], i) != 0) {
            snprintf(err, errsz, "no Adobe webhook key for %s",
                     r->t[i].conf->name);
            return -1;
        }
        /* the receiver threads' own handle on the state */
        if (kh__sync_store_open(&w->intake.stores[i], r->t[i].conf, PROG,
                                KH__KEY_NONE) != 0) {
            snprintf(err, errsz, "cannot open the state of %s",
                     r->t[i].conf->name);
            return -1;
        }
    }
    if (!r->cfg.named)
        w->routes[0].name = NULL; /* the paths /webhooks/<platform> */
    ro.routes = w->routes;
    ro.nroutes = r->n;
    ro.bind_addr = kx_json_str(rc, "bind");
    ro.port = (uint16_t)kh__sync_int(rc, "port", 0);
    ro.connection_limit = (unsigned)kh__sync_int(rc, "connection_limit", 0);
    ro.per_ip_connection_limit =
        (unsigned)kh__sync_int(rc, "per_ip_connection_limit", 0);
    ro.connection_timeout_s =
        (unsigned)kh__sync_int(rc, "connection_timeout_s", 0);
    ro.in_flight_max = (unsigned)kh__sync_int(rc, "in_flight_max", 0);
    ro.log_interval_s = (unsigned)kh__sync_int(rc, "log_interval_s", 0);
    ro.notify = wake_main;
    ro.log = receiver_log;
    ro.userdata = &r->log;
    ro.commit = kh__sync_intake_commit;
    ro.commit_userdata = &w->intake;
    return kh_receiver_start(&w->rcv, &ro, err, errsz);
}

static int start_receiver(struct watch_receiver *w, struct kh__sync_run *r)
{
    const char *pub = kx_json_str(r->t[0].conf->receiver, "public_url");
    int any = 0;
    char err[512];

    for (size_t i = 0; i < r->n; i++)
        any |= r->t[i].env.bigcommerce || r->t[i].env.woocommerce ||
               (r->t[i].env.oee && r->t[i].env.creds.oee_event_secret) ||
               (r->t[i].env.adobe && kh__sync_adobe_hooked(r->t[i].conf));
    if (!any)
        return 0; /* nothing could deliver to it */
    if (open_receiver(w, r, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: cannot start the webhook receiver: %s\n", PROG,
                err);
        stop_receiver(w);
        return KH__SYNC_EXIT_FAIL;
    }
    printf("receiver %s\n", kh_receiver_url(w->rcv));
    fflush(stdout);
    for (size_t i = 0; i < r->n; i++) {
        receiver_warnings(&r->t[i]);
        if (r->t[i].env.oee && r->t[i].env.creds.oee_event_secret) {
            char url[2048];

            hook_url(url, sizeof(url), pub ? pub : kh_receiver_url(w->rcv), r,
                     &r->t[i], "epicor");
            fprintf(stderr,
                    "%s: Epicor job events: the event functions POST to %s "
                    "with header %s\n",
                    PROG, url,
                    w->routes[i].epicor_header ? w->routes[i].epicor_header
                                               : KH_RECEIVER_EPICOR_HEADER);
        }
        if (want_register(r->t[i].conf))
            register_hooks(r, &r->t[i], pub ? pub : kh_receiver_url(w->rcv));
    }
    return 0;
}

/* /metrics on --metrics-bind:--metrics-port; 0 or KH__SYNC_EXIT_FAIL. */
static int start_metrics(struct watch_receiver *w, struct kh__sync_run *r)
{
    char err[256];

    kh_metrics_collector(r->metrics, collect_receiver, w);
    if (r->metrics_port < 0)
        return 0;
    if (kh_metrics_serve(&w->metrics, r->metrics, r->metrics_bind,
                         (uint16_t)r->metrics_port, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: cannot serve /metrics: %s\n", PROG, err);
        return KH__SYNC_EXIT_FAIL;
    }
    printf("metrics %s\n", kh_metrics_server_url(w->metrics));
    fflush(stdout);
    return 0;
}

/* Runs t's due flows (and prunes when due); webhooks go between flows. */
static void run_due(struct kh__sync_run *r, struct kh__sync_tenant *t,
                    struct watch_receiver *w)
{
    const struct kh__sync_conf *c = t->conf;

    if (c->retention_days && t->next_prune <= kx_monotonic_ms()) {
        kh__sync_prune(t->env.store, c->retention_days, PROG,
                       r->cfg.named ? c->name : NULL, 1);
        t->next_prune = kx_monotonic_ms() + KH__SYNC_PRUNE_EVERY_MS;
    }
    for (int i = 0; i < KH__FLOW_COUNT && !kh__sync_stop_pending(); i++) {
        const char *flow = kh__sync_flows[i].name;

        if (!c->enabled[i] || t->next[i] > kx_monotonic_ms())
            continue;
        if (!kh__sync_lease_take(r, t, flow)) {
            /* another worker runs it: look again every third of the
             * lease time, so a dead holder's lease (expiring at most
             * lease_s after it died) is taken over within 4/3 lease_s */
            int64_t again = r->lease_ms / 3;

            if (c->every_s[i] * 1000 < again)
                again = c->every_s[i] * 1000;
            t->next[i] = kx_monotonic_ms() + again;
            continue;
        }
        kh__sync_run_one(r, t, i, NULL);
        kh__sync_lease_give(r, t, flow);
        t->next[i] = kx_monotonic_ms() + c->every_s[i] * 1000;
        drain(r, w); /* webhooks do not wait for a round */
    }
}

/* How long until the next flow of any connection is due (ms, capped). */
static int64_t next_wait(const struct kh__sync_run *r)
{
    int64_t wait = 3600000, now = kx_monotonic_ms();

    if (r->n)
        wait = QUEUE_POLL_MS; /* other workers' deliveries */
    for (size_t k = 0; k < r->n; k++) {
        for (int i = 0; i < KH__FLOW_COUNT; i++) {
            if (r->t[k].conf->enabled[i] && r->t[k].next[i] - now < wait)
                wait = r->t[k].next[i] - now;
        }
    }
    return wait < 0 ? 0 : wait;
}

int kh__sync_watch(struct kh__sync_run *r, const sigset_t *set)
{
    struct watch_receiver w;
    int status, sig = 0;

    memset(&w, 0, sizeof(w));
    w.run = r;
    status = kh__sync_workers_start(r);
    if (status == 0)
        status = start_receiver(&w, r);
    if (status == 0)
        status = start_metrics(&w, r);
    if (status) {
        stop_receiver(&w);
        kh__sync_workers_stop(r);
        return status;
    }
    for (size_t k = 0; k < r->n; k++) {
        r->t[k].next_prune = kx_monotonic_ms(); /* a first prune at start */
        for (int i = 0; i < KH__FLOW_COUNT; i++)
            r->t[k].next[i] = kx_monotonic_ms(); /* everything runs now */
    }
    fprintf(stderr, "%s: watching; stop with Ctrl-C or SIGTERM\n", PROG);
    while (!sig) {
        int64_t wait;
        struct timespec ts;

        drain(r, &w);
        for (size_t k = 0; k < r->n && !kh__sync_stop_pending(); k++)
            run_due(r, &r->t[k], &w);
        wait = next_wait(r);
        ts.tv_sec = (time_t)(wait / 1000);
        ts.tv_nsec = (long)(wait % 1000) * 1000000L;
        sig = sigtimedwait(set, NULL, &ts);
        if (sig == WAKE_SIGNAL || sig < 0)
            sig = 0; /* a queued delivery, the timeout, or EINTR */
    }
    fprintf(stderr, "%s: %s, stopping\n", PROG,
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    stop_receiver(&w);
    kh__sync_workers_stop(r);
    kh__sync_print_summary(r);
    return KH__SYNC_EXIT_OK;
}
