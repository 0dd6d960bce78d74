/*
 * What `kinsync sync` runs on, shared by sync.c (the command, --once, one
 * flow run and the summary) and watch.c (--watch: cadences, the webhook
 * receiver, /metrics): the configuration and one tenant per connection,
 * each with its own handles, totals and schedule.
 */
#ifndef KH_OPS_RUN_H
#define KH_OPS_RUN_H

#include <signal.h>
#include "ops.h"
#include "metrics.h"
#include "receiver.h"

#define KH__SYNC_PROG "kinsync sync"

struct kh__sync_totals {
    int runs, failures;
    struct ks_sync_stats s;
    uint64_t requests;
    int64_t ms;
};

/* The webhook imports, counted apart per platform (tenant.hooks). */
enum kh__sync_hook_kind {
    KH__HOOK_BIGCOMMERCE = 0,
    KH__HOOK_WOOCOMMERCE,
    KH__HOOK_EPICOR,
    KH__HOOK_ADOBE,
    KH__HOOK_KINDS
};

/* What a received item is, and the flow name its imports run under
 * ("webhook.bigcommerce"...). sync.c */
enum kh__sync_hook_kind kh__sync_hook_kind(const struct kh_receiver_item *it);
extern const char *const kh__sync_hook_flow[KH__HOOK_KINDS];

/* One connection being run. */
struct kh__sync_tenant {
    struct kh__sync_conf *conf;
    struct kh__sync_env env;
    struct kh__sync_totals flow[KH__FLOW_COUNT];
    struct kh__sync_totals hooks[KH__HOOK_KINDS]; /* webhook imports */
    int64_t next[KH__FLOW_COUNT]; /* --watch: when each flow is due */
    int64_t next_prune;
};

/* The stores the receiver commits deliveries to: one handle per tenant
 * (receiver threads only, under the receiver's lock). queue.c */
struct kh__sync_intake {
    struct ks_store **stores;
    const char **names;
    size_t n;
};

/* The thread that renews the running flow's lease and heartbeats the
 * worker while the main thread runs flows. workers.c */
struct kh__sync_keeper;

struct kh__sync_run {
    struct kh__sync_config cfg;
    struct kh__sync_log log;
    struct kh__sync_tenant *t; /* the connections run, in file order */
    size_t n;
    struct kh_metrics *metrics;
    int watch;
    const char *metrics_bind; /* --metrics-bind; NULL: 127.0.0.1 */
    int metrics_port;         /* --metrics-port; -1: no /metrics */
    /* --watch: who this worker is, how long its leases and claims last */
    char worker_id[128];
    int64_t lease_ms;
    struct kh__sync_keeper *keeper;
};

/* The lease time by default ("lease_s"), and its bounds. */
#define KH__SYNC_LEASE_S 60
#define KH__SYNC_LEASE_S_MIN 5
#define KH__SYNC_LEASE_S_MAX 3600

/* Runs one flow of t (or, flow < 0, the import of one queued webhook
 * item), prints its line (always with --once; with --watch when it moved
 * something or failed) and counts it in totals and the metrics. */
ks_rc kh__sync_run_one(struct kh__sync_run *r, struct kh__sync_tenant *t,
                       int flow, const struct kh_receiver_item *item);

/* The per-flow totals (--watch), the summary and the outbox line. */
void kh__sync_print_summary(struct kh__sync_run *r);

/* Prints why what failed, from t's sync handle. */
void kh__sync_print_failure(struct kh__sync_tenant *t, const char *what,
                            ks_rc rc);

/* The receiver's commit (receiver.h): the delivery into the store of its
 * connection; 0 once committed, 1 for a route without a store (the
 * receiver's memory queue then), -1 on failure. queue.c */
int kh__sync_intake_commit(void *userdata, const struct kh_receiver_item *it);
/* The item a queued body (as kh__sync_intake_commit wrote it)
 * describes; 0, or -1 when it is not one. An Adobe item's delivery is the
 * caller's to cJSON_Delete. queue.c */
int kh__sync_intake_parse(struct kh_receiver_item *it, const char *body);
/* Claims, imports and marks done the queued deliveries of every tenant
 * with a storefront or an Epicor job event route, oldest first, under the
 * leases of its order polls and "oee.events". queue.c */
void kh__sync_import_queued(struct kh__sync_run *r);

/* Names this worker ("host:pid:random") into r->worker_id, heartbeats it
 * in every tenant's store and starts the keeper thread; 0, or
 * KH__SYNC_EXIT_FAIL after printing why. workers.c */
int kh__sync_workers_start(struct kh__sync_run *r);
/* Stops the keeper, removes the worker's rows and leases. NULL-safe. */
void kh__sync_workers_stop(struct kh__sync_run *r);
/* Takes the lease on (t, flow) for this worker and tells the keeper to
 * renew it; 1 held, 0 another worker holds it (or the store failed: said on
 * stderr). */
int kh__sync_lease_take(struct kh__sync_run *r, struct kh__sync_tenant *t,
                        const char *flow);
/* The flow ended: the keeper stops renewing, the lease is released. */
void kh__sync_lease_give(struct kh__sync_run *r, struct kh__sync_tenant *t,
                         const char *flow);

/* ---- OEE (oee.c) ---- */

/* Runs OEE flow (KH__FLOW_OEE_*) of t; its stats in the flow line's terms
 * (read: events, created: summaries, updated: rows written back). */
ks_rc kh__sync_oee_run(struct ks_sync_stats *s, struct kh__sync_run *r,
                       struct kh__sync_tenant *t, int flow);
/* Applies one Epicor job event the receiver queued for t; a failure
 * leaves it to the caller to try again or give up. */
ks_rc kh__sync_oee_event(struct ks_sync_stats *s, struct kh__sync_run *r,
                         struct kh__sync_tenant *t,
                         const struct kh_receiver_item *it);
/* One job event of t given up (its handling kept failing): counted as
 * dropped by the flow. */
void kh__sync_oee_count_dropped(struct kh__sync_run *r,
                                struct kh__sync_tenant *t);
/* Prints why an OEE flow or event failed, from t's OEE flow. */
void kh__sync_oee_print_failure(struct kh__sync_tenant *t, const char *what,
                                ks_rc rc);
/* The receiver's Epicor route counts of conn into the metrics. */
void kh__sync_oee_collect_route(struct kh_metrics *m, const char *conn,
                                const struct kh_receiver_route_counts *c);
/* One "oee:" line per connection with an OEE section (the summary). */
void kh__sync_oee_summary(struct kh__sync_run *r);

/* --watch until SIGINT or SIGTERM (set: the blocked signals). watch.c */
int kh__sync_watch(struct kh__sync_run *r, const sigset_t *set);

#endif
