/*
 * The durable webhook intake of `kinsync sync --watch`: the receiver
 * commits each verified order event and Epicor job event to its
 * connection's store (ks_store_delivery_enqueue) before it answers 200,
 * and any worker sharing that store claims it, imports it and marks it
 * done. A worker killed after the 200 loses nothing; one killed mid-import
 * leaves a claim that expires after the lease time, and the next
 * claimant's import is kept exactly-once by the intents. A connection's
 * deliveries are claimed oldest first by one worker at a time, under the
 * leases of the connection's order polls and of its job events
 * ("oee.events"): two workers never import one order at once, and the job
 * events of one company are handled in the order Epicor sent them.
 *
 * What is queued is what the import needs, as a small JSON object (the
 * order is read afresh from the platform anyway): BigCommerce's event
 * fields, or WooCommerce's order id; an Adobe order-placement hook is
 * kept whole (its order exists only in the delivery: the hook runs
 * before Adobe saves the order), and imported by the requisitions flow
 * under the requisitions.epicor lease; an Epicor job event is kept whole
 * (Epicor sends it once and never again: ops/README.md, "OEE").
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

/* The lease an Adobe import runs under: the requisitions poll's, so a
 * poll and an import of the same order never run at once. */
#define ADOBE_LEASE "requisitions.epicor"
/* The lease the job events of a connection are handled under: one worker
 * at a time, so the events of one company never interleave. */
#define EVENTS_LEASE "oee.events"
/* Claims of one job event before it is given up when its handling keeps
 * failing (transport, authentication, the store): Epicor never sends it
 * again, but the connection's later deliveries must not wait forever. */
#define EVENT_ATTEMPTS 5
/* The topic of a queued job event. */
#define EVENT_TOPIC "epicor.job_event"

static void event_json(cJSON *o, const struct kh_receiver_epicor_event *ev)
{
    cJSON_AddStringToObject(o, "platform", "epicor");
    cJSON_AddStringToObject(o, "event", ev->type);
    cJSON_AddStringToObject(o, "plant", ev->plant);
    cJSON_AddStringToObject(o, "job", ev->job);
    cJSON_AddNumberToObject(o, "assembly", ev->assembly);
    cJSON_AddNumberToObject(o, "operation", ev->operation);
    cJSON_AddStringToObject(o, "op_code", ev->op_code);
    cJSON_AddStringToObject(o, "work_center", ev->work_center);
    cJSON_AddStringToObject(o, "reason", ev->reason);
    cJSON_AddNumberToObject(o, "at_ms", (double)ev->at_ms);
}

/* o's string member key into out (n bytes); -1 when it is missing or
 * does not fit. */
static int copy_member(char *out, size_t n, const cJSON *o, const char *key)
{
    const char *v = kx_json_str(o, key);

    return v && (size_t)snprintf(out, n, "%s", v) < n ? 0 : -1;
}

/* The job event a queued body describes; 0, or -1 when it is not one. */
static int event_parse(struct kh_receiver_epicor_event *ev, const cJSON *o)
{
    const cJSON *asm_ = cJSON_GetObjectItemCaseSensitive(o, "assembly");
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(o, "operation");
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(o, "at_ms");

    if (copy_member(ev->type, sizeof(ev->type), o, "event") || !ev->type[0] ||
        copy_member(ev->plant, sizeof(ev->plant), o, "plant") ||
        copy_member(ev->job, sizeof(ev->job), o, "job") ||
        copy_member(ev->op_code, sizeof(ev->op_code), o, "op_code") ||
        copy_member(ev->work_center, sizeof(ev->work_center), o,
                    "work_center") ||
        copy_member(ev->reason, sizeof(ev->reason), o, "reason") ||
        !cJSON_IsNumber(asm_) || !cJSON_IsNumber(op) || !cJSON_IsNumber(at))
        return -1;
    ev->assembly = asm_->valueint;
    ev->operation = op->valueint;
    ev->at_ms = kx_json_int64(o, "at_ms", 0);
    return 0;
}

static char *item_json(const struct kh_receiver_item *it)
{
    cJSON *o = cJSON_CreateObject();
    char *text;

    if (!o)
        abort(); /* the program aborts on out-of-memory */
    if (it->epicor) {
        event_json(o, &it->ev);
    } else if (it->adobe) {
        cJSON_AddStringToObject(o, "platform", "adobe");
        cJSON_AddItemToObject(o, "delivery",
                              cJSON_Duplicate(it->adobe_delivery, 1));
    } else if (it->woocommerce) {
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

int kh__sync_intake_parse(struct kh_receiver_item *it, const char *body)
{
    cJSON *o = cJSON_Parse(body);
    const char *platform = kx_json_str(o, "platform");
    int64_t id = kx_json_int64(o, "id", 0);
    int rc = -1;

    memset(it, 0, sizeof(*it));
    if (platform && strcmp(platform, "epicor") == 0) {
        it->epicor = 1;
        rc = event_parse(&it->ev, o);
    } else if (platform && strcmp(platform, "adobe") == 0 &&
               cJSON_IsObject(
                   cJSON_GetObjectItemCaseSensitive(o, "delivery"))) {
        it->adobe = 1;
        it->adobe_delivery = cJSON_DetachItemFromObject(o, "delivery");
        rc = 0;
    } else if (platform && strcmp(platform, "woocommerce") == 0 && id > 0) {
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

/* An Adobe delivery's order: its increment_id, else its entity_id. */
static void adobe_resource(char *out, size_t n, const cJSON *delivery)
{
    const cJSON *order = kx_json_obj(kx_json_obj(delivery, "data"), "order");
    const char *inc = kx_json_str(order, "increment_id");

    if (inc)
        snprintf(out, n, "%s", inc);
    else
        snprintf(out, n, "%lld",
                 (long long)kx_json_int64(order, "entity_id", 0));
}

int kh__sync_intake_commit(void *userdata, const struct kh_receiver_item *it)
{
    struct kh__sync_intake *in = userdata;
    struct ks_store *st = it->route < in->n ? in->stores[it->route] : NULL;
    char *body, resource[64];
    ks_rc rc;

    if (!st)
        return 1; /* no store for this route: the receiver's memory queue */
    body = item_json(it);
    snprintf(resource, sizeof(resource), "%lld",
             (long long)(it->woocommerce ? it->wc_order_id : it->bc.id));
    if (it->adobe)
        adobe_resource(resource, sizeof(resource), it->adobe_delivery);
    if (it->epicor)
        snprintf(resource, sizeof(resource), "%s", it->ev.job);
    rc = ks_store_delivery_enqueue(NULL, st, in->names[it->route],
                                   it->epicor        ? EVENT_TOPIC
                                   : it->adobe       ? "adobe.order_place"
                                   : it->woocommerce ? "woocommerce.order"
                                                     : it->bc.scope,
                                   resource[0] ? resource : "-", body);
    free(body);
    if (rc)
        fprintf(stderr, "%s: cannot queue a webhook delivery: %s\n",
                KH__SYNC_PROG, ks_store_last_error(st)->message);
    return rc == KS_OK ? 0 : -1;
}

/* A job event whose handling failed EVENT_ATTEMPTS times: given up
 * (marked done, said, counted as dropped by the flow), so that the
 * connection's later deliveries are not held back forever. 1 when given
 * up, 0 when it is to be tried again. */
static int give_up_event(struct kh__sync_run *r, struct kh__sync_tenant *t,
                         const struct ks_delivery *d,
                         const struct kh_receiver_item *it)
{
    if (d->attempts < EVENT_ATTEMPTS)
        return 0;
    fprintf(stderr,
            "%s: %s: warning: Epicor job event %s of job %s given up after "
            "%d failed attempts\n",
            KH__SYNC_PROG, t->conf->name, it->ev.type, it->ev.job, d->attempts);
    kh__sync_oee_count_dropped(r, t);
    return 1;
}

/* Claims and imports t's queued deliveries, oldest first, until none is
 * left, a stop is pending, or an import fails (its claim is given back, so
 * the next round, or another worker, tries it again before anything
 * committed after it). */
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
        if (kh__sync_intake_parse(&it, d->body) != 0) {
            fprintf(stderr,
                    "%s: %s: warning: queued delivery %lld is not one "
                    "kinsync wrote; dropped\n",
                    KH__SYNC_PROG, t->conf->name, (long long)d->id);
            rc = KS_OK;
        } else {
            rc = kh__sync_run_one(r, t, -1, &it);
            cJSON_Delete(it.adobe_delivery);
            if (rc && it.epicor && give_up_event(r, t, d, &it))
                rc = KS_OK;
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

/* The leases t's deliveries are imported under, into names (4 at most):
 * the order polls' (orders.bigcommerce, orders.woocommerce,
 * requisitions.epicor for Adobe's hook: an import and a poll of the same
 * orders must not run at once on two workers, or both write the same
 * order; intents keep one worker's retries exactly-once, not two workers
 * racing) and oee.events for the job events. How many. */
static size_t intake_leases(const char *names[4],
                            const struct kh__sync_tenant *t)
{
    size_t n = 0;

    if (t->env.adobe)
        names[n++] = ADOBE_LEASE;
    if (t->env.bigcommerce)
        names[n++] = "orders.bigcommerce";
    if (t->env.woocommerce)
        names[n++] = "orders.woocommerce";
    if (t->env.oee && t->env.creds.oee_event_secret)
        names[n++] = EVENTS_LEASE;
    return n;
}

void kh__sync_import_queued(struct kh__sync_run *r)
{
    for (size_t k = 0; k < r->n && !kh__sync_stop_pending(); k++) {
        struct kh__sync_tenant *t = &r->t[k];
        const char *l[] = {t->conf->name};
        const char *names[4];
        size_t n = intake_leases(names, t), held = 0;
        int64_t waiting = 0;

        if (!n)
            continue;
        /* All of them or none; a lease held elsewhere: its worker, or
         * this one next round, imports the deliveries once it is free. */
        while (held < n && kh__sync_lease_take(r, t, names[held]))
            held++;
        if (held == n)
            import_tenant(r, t);
        while (held > 0)
            kh__sync_lease_give(r, t, names[--held]);
        if (ks_store_delivery_count(&waiting, t->env.store, t->conf->name) ==
            KS_OK)
            kh_metrics_set(r->metrics, &m_queued, l, (double)waiting);
    }
}
