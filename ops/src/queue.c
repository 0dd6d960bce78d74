/*
 * The durable webhook intake of `kinsync sync --watch`: the receiver
 * commits each verified order event to its connection's store
 * (ks_store_delivery_enqueue) before it answers 200, and any worker
 * sharing that store claims it, imports it and marks it done. A worker
 * killed after the 200 loses nothing; one killed mid-import leaves a
 * claim that expires after the lease time, and the next claimant's import
 * is kept exactly-once by the intents. Imports run under the leases of the
 * connection's order polls, so two workers never import one order at once.
 *
 * What is queued is what the import needs, as a small JSON object (the
 * order is read afresh from the platform anyway): BigCommerce's event
 * fields, or WooCommerce's order id.
 */
#include <stdlib.h>
#include <string.h>
#include <kinsync/store_workers.h>
#include <kx/alloc.h>
#include "run.h"

/* Deliveries committed and not imported yet, per connection, as this
 * worker last counted them. */
static const struct kh_metric m_queued = {
    "kinsync_webhook_queue_pending",
    "Webhook deliveries committed to the state and not imported "
    "yet.",
    KH_METRIC_GAUGE,
    {"connection", NULL}};

static char *item_json(const struct kh_receiver_item *it)
{
    cJSON *o = cJSON_CreateObject();
    char *text;

    if (!o)
        abort(); /* the program aborts on out-of-memory */
    if (it->woocommerce) {
        cJSON_AddStringToObject(o, "platform", "woocommerce");
        cJSON_AddNumberToObject(o, "id", (double)it->wc_order_id);
    } else {
        cJSON_AddStringToObject(o, "platform", "bigcommerce");
        cJSON_AddStringToObject(o, "scope", it->bc.scope);
        cJSON_AddStringToObject(o, "type", it->bc.type);
        cJSON_AddNumberToObject(o, "id", (double)it->bc.id);
        cJSON_AddStringToObject(o, "webhook_id", it->bc.webhook_id);
        cJSON_AddStringToObject(o, "hash", it->bc.hash);
    }
    text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!text)
        abort();
    return text;
}

/* The item a queued body describes; 0, or -1 when it is not one. */
static int item_parse(struct kh_receiver_item *it, const char *body)
{
    cJSON *o = cJSON_Parse(body);
    const char *platform = kx_json_str(o, "platform");
    int64_t id = kx_json_int64(o, "id", 0);
    int rc = -1;

    memset(it, 0, sizeof(*it));
    if (platform && strcmp(platform, "woocommerce") == 0 && id > 0) {
        it->woocommerce = 1;
        it->wc_order_id = id;
        rc = 0;
    } else if (platform && strcmp(platform, "bigcommerce") == 0) {
        snprintf(it->bc.scope, sizeof(it->bc.scope), "%s",
                 kx_json_str_or(o, "scope", ""));
        snprintf(it->bc.type, sizeof(it->bc.type), "%s",
                 kx_json_str_or(o, "type", ""));
        snprintf(it->bc.webhook_id, sizeof(it->bc.webhook_id), "%s",
                 kx_json_str_or(o, "webhook_id", ""));
        snprintf(it->bc.hash, sizeof(it->bc.hash), "%s",
                 kx_json_str_or(o, "hash", ""));
        it->bc.id = id;
        snprintf(it->bc.id_str, sizeof(it->bc.id_str), "%lld", (long long)id);
        rc = 0;
    }
    cJSON_Delete(o);
    return rc;
}

int kh__sync_intake_commit(void *userdata, const struct kh_receiver_item *it)
{
    struct kh__sync_intake *in = userdata;
    struct ks_store *st = it->route < in->n ? in->stores[it->route] : NULL;
    char *body, resource[32];
    ks_rc rc;

    if (!st)
        return 1; /* no store for this route: the receiver's memory queue */
    if (it->epicor)
        return 1; /* job events: the memory queue (ops/README.md, "OEE") */
    body = item_json(it);
    snprintf(resource, sizeof(resource), "%lld",
             (long long)(it->woocommerce ? it->wc_order_id : it->bc.id));
    rc = ks_store_delivery_enqueue(
        NULL, st, in->names[it->route],
        it->woocommerce ? "woocommerce.order" : it->bc.scope, resource, body);
    free(body);
    if (rc)
        fprintf(stderr, "%s: cannot queue a webhook delivery: %s\n",
                KH__SYNC_PROG, ks_store_last_error(st)->message);
    return rc == KS_OK ? 0 : -1;
}

/* Claims and imports t's queued deliveries until none is left, a stop
 * is pending, or an import fails (its claim is given back, so the next
 * round, or another worker, tries again). */
static void import_tenant(struct kh__sync_run *r, struct kh__sync_tenant *t)
{
    struct ks_delivery *d = NULL;
    struct kh_receiver_item it;
    ks_rc rc;

    while (!kh__sync_stop_pending()) {
        rc = ks_store_delivery_claim(&d, t->env.store, t->conf->name,
                                     r->worker_id, r->lease_ms);
        if (rc == KS_ENOTFOUND)
            return;
        if (rc) {
            fprintf(stderr, "%s: %s: cannot claim a queued delivery: %s\n",
                    KH__SYNC_PROG, t->conf->name,
                    ks_store_last_error(t->env.store)->message);
            return;
        }
        if (item_parse(&it, d->body) != 0) {
            fprintf(stderr,
                    "%s: %s: warning: queued delivery %lld is not one "
                    "kinsync wrote; dropped\n",
                    KH__SYNC_PROG, t->conf->name, (long long)d->id);
            rc = KS_OK;
        } else {
            rc = kh__sync_run_one(r, t, -1, &it);
        }
        rc =
            rc == KS_OK
                ? ks_store_delivery_done(t->env.store, d->id)
                : (ks_store_delivery_release(t->env.store, d->id, r->worker_id),
                   KS_ERROR);
        ks_store_delivery_free(d);
        d = NULL;
        if (rc)
            return;
    }
}

/* Takes the leases of t's order polls (orders.bigcommerce,
 * orders.woocommerce, as t has the platform): a webhook import and a poll
 * of the same orders must not run at once on two workers, or both write
 * the same order (intents keep one worker's retries exactly-once, not two
 * workers racing). 1 when every lease is held, else 0 with none held. */
static int take_order_leases(struct kh__sync_run *r, struct kh__sync_tenant *t)
{
    if (t->env.bigcommerce && !kh__sync_lease_take(r, t, "orders.bigcommerce"))
        return 0;
    if (t->env.woocommerce &&
        !kh__sync_lease_take(r, t, "orders.woocommerce")) {
        if (t->env.bigcommerce)
            kh__sync_lease_give(r, t, "orders.bigcommerce");
        return 0;
    }
    return 1;
}

static void give_order_leases(struct kh__sync_run *r, struct kh__sync_tenant *t)
{
    if (t->env.woocommerce)
        kh__sync_lease_give(r, t, "orders.woocommerce");
    if (t->env.bigcommerce)
        kh__sync_lease_give(r, t, "orders.bigcommerce");
}

void kh__sync_import_queued(struct kh__sync_run *r)
{
    for (size_t k = 0; k < r->n && !kh__sync_stop_pending(); k++) {
        struct kh__sync_tenant *t = &r->t[k];
        const char *l[] = {t->conf->name};
        int64_t n = 0;

        if (!t->env.bigcommerce && !t->env.woocommerce)
            continue;
        /* A poll running elsewhere: its worker, or this one next round,
         * imports the deliveries once the lease is free. */
        if (take_order_leases(r, t)) {
            import_tenant(r, t);
            give_order_leases(r, t);
        }
        if (ks_store_delivery_count(&n, t->env.store, t->conf->name) == KS_OK)
            kh_metrics_set(r->metrics, &m_queued, l, (double)n);
    }
}
