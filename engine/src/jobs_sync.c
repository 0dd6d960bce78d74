/*
 * Scenario jobs over the sync engine (connector/include/kinsync/sync.h).
 *
 * Configuration, given.connector.sync (all optional):
 *   state           "file" (default): the state store is a SQLite file in
 *                   a private directory under $TMPDIR (or /tmp) that
 *                   lasts the whole scenario; "memory": an in-memory store.
 *   plant           only this plant's warehouses count towards stock
 *   bc_location_id  BigCommerce inventory location (default 1)
 * The clients are the other job modules' (kh_job_epicor() and its
 * siblings in jobs.h), shared with them through the same slots.
 *
 * Restart: a "connector.restart" step drops every slot not starting with
 * KH_DURABLE_SLOT_PREFIX. The file's location (and a memory store itself)
 * is kept in a durable slot; the open file handle, the clients and the
 * webhook receiver are not, so after a restart the next job reopens the
 * same file, as a restarted process would. The receiver's port is durable
 * too: a restarted receiver listens where the hooks deliver, as
 * `kinsync sync --watch` does on its configured receiver.port. A memory store
 * survives a restart but not a crash point (a crashed store refuses every
 * call), so options.crash_at needs state "file".
 *
 * Every job takes options.crash_at ("after_remote_write", "name:N", see
 * connector/src/store/internal.h): the store is reopened armed with it,
 * the job is expected to stop with KS_ECRASH, and the dead handle is
 * dropped. Results carry the run's stats {read, created, updated,
 * unchanged, failed, skipped}; on failure also {"error", "http_status",
 * "remote_id"} from ks_sync_last_error().
 */
#define _DEFAULT_SOURCE /* mkdtemp */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <kx/alloc.h>
#include "jobs.h"
#include "kinsync/testing.h"

#define STATE_SLOT KH_DURABLE_SLOT_PREFIX "sync.state"
#define STORE_SLOT "sync.store"
#define RECEIVER_SLOT "sync.receiver"
#define PORT_SLOT KH_DURABLE_SLOT_PREFIX "sync.receiver_port"
#define LIST_MAX 500 /* rows copied into a result */

/* What survives a restart: the store file's place, or the memory store. */
struct state {
    char *dir;
    char *path;
    struct ks_store *memory;
};

static void state_free(void *p)
{
    struct state *s = p;
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    char f[600];

    ks_store_close(s->memory);
    for (size_t i = 0; s->path && i < sizeof(suffix) / sizeof(suffix[0]); i++) {
        snprintf(f, sizeof(f), "%s%s", s->path, suffix[i]);
        unlink(f);
    }
    if (s->dir)
        rmdir(s->dir);
    free(s->dir);
    free(s->path);
    free(s);
}

static void store_free(void *p)
{
    ks_store_close(p);
}

static ks_rc open_file(struct ks_store **out, const char *path,
                       const char *crash_at, char *err, size_t errsz)
{
    struct ks_store_options o = KS_STORE_OPTIONS_INIT;
    struct ks_error e;
    ks_rc rc;

    memset(&e, 0, sizeof(e));
    o.path = path;
    o.error = &e;
    rc = ks_store_open(out, &o);
    /* A scenario's store is thrown away with it and its crash points are
     * simulated in-process: syncing each commit to disk buys nothing. */
    if (rc == KS_OK && (rc = ks_testing_store_unsynced(*out)) != KS_OK) {
        e = *ks_store_last_error(*out);
        ks_store_close(*out);
        *out = NULL;
    }
    if (rc == KS_OK && crash_at &&
        (rc = ks_testing_store_crash_arm(*out, crash_at)) != KS_OK) {
        e = *ks_store_last_error(*out);
        ks_store_close(*out);
        *out = NULL;
    }
    if (rc)
        snprintf(err, errsz, "sync: state store: %s", e.message);
    return rc;
}

/* The scenario's state store; crash_at (may be NULL) reopens it armed. */
static struct ks_store *store(struct kh_ctx *ctx, const char *crash_at,
                              ks_rc *rc, char *err, size_t errsz)
{
    const cJSON *cfg = kh_ctx_connector_config(ctx, "sync");
    const char *mode = kx_json_str(cfg, "state");
    struct state *s = kh_ctx_slot(ctx, STATE_SLOT);
    struct ks_store *st;
    const char *tmp = getenv("TMPDIR");
    char tmpl[512];

    *rc = KS_OK;
    if (!s) {
        s = kx_xcalloc(1, sizeof(*s));
        if (mode && strcmp(mode, "memory") == 0) {
            *rc = ks_store_open(&s->memory, NULL);
        } else if (mode && strcmp(mode, "file") != 0) {
            snprintf(err, errsz, "sync: state must be \"file\" or \"memory\"");
            *rc = KS_EINVAL;
        } else if (snprintf(tmpl, sizeof(tmpl), "%s/kinsync-sync-XXXXXX",
                            tmp && *tmp ? tmp : "/tmp") >= (int)sizeof(tmpl) ||
                   !mkdtemp(tmpl)) {
            snprintf(err, errsz, "sync: cannot make a state directory");
            *rc = KS_ESTATE;
        } else {
            s->dir = kx_xstrdup(tmpl);
            s->path = kx_xasprintf("%s/state.db", tmpl);
        }
        if (*rc) {
            state_free(s);
            return NULL;
        }
        kh_ctx_set_slot(ctx, STATE_SLOT, s, state_free);
    }
    if (s->memory) {
        if (crash_at) {
            snprintf(err, errsz,
                     "sync: crash_at needs given.connector.sync.state "
                     "\"file\" (a crashed memory store cannot reopen)");
            *rc = KS_EINVAL;
            return NULL;
        }
        return s->memory;
    }
    st = crash_at ? NULL : kh_ctx_slot(ctx, STORE_SLOT);
    if (!st) {
        kh_ctx_set_slot(ctx, STORE_SLOT, NULL, NULL); /* close the old one */
        *rc = open_file(&st, s->path, crash_at, err, errsz);
        if (*rc)
            return NULL;
        kh_ctx_set_slot(ctx, STORE_SLOT, st, store_free);
    }
    return st;
}

struct ks_store *kh_job_sync_store(struct kh_ctx *ctx, const char *crash_at,
                                   ks_rc *rc, char *err, size_t errsz)
{
    return store(ctx, crash_at, rc, err, errsz);
}

/* A run's handle: built per job over the kept store and clients, so a
 * restart or a replaced client slot never leaves it dangling. Storefronts
 * whose emulator does not run stay NULL. */
static struct ks_sync *engine(struct kh_ctx *ctx, const cJSON *options,
                              ks_rc *rc, char *err, size_t errsz)
{
    const cJSON *cfg = kh_ctx_connector_config(ctx, "sync");
    struct ks_sync_options o = KS_SYNC_OPTIONS_INIT;
    struct ks_sync *sync = NULL;
    int owned = 0;

    o.client = kh_ctx_client(ctx);
    o.plant = kx_json_str(cfg, "plant");
    o.bc_location_id = (int64_t)kx_json_num(cfg, "bc_location_id", 1);
    o.epicor = kh_job_epicor(ctx, 0, &owned, rc, err, errsz);
    if (!o.epicor)
        return NULL;
    if (kh_ctx_emulator(ctx, "bigcommerce") ||
        kh_ctx_connector_config(ctx, "bigcommerce")) {
        o.bigcommerce = kh_job_bigcommerce(ctx, 0, &owned, rc, err, errsz);
        if (!o.bigcommerce)
            return NULL;
    }
    if (kh_ctx_emulator(ctx, "woocommerce") ||
        kh_ctx_connector_config(ctx, "woocommerce")) {
        o.woocommerce = kh_job_woocommerce(ctx, 0, &owned, rc, err, errsz);
        if (!o.woocommerce)
            return NULL;
    }
    if (kh_ctx_emulator(ctx, "adobe") ||
        kh_ctx_connector_config(ctx, "adobe")) {
        o.adobe = kh_job_adobe(ctx, 0, &owned, rc, err, errsz);
        if (!o.adobe)
            return NULL;
        o.adobe_company_admin_id = (int64_t)kx_json_num(
            kh_ctx_connector_config(ctx, "adobe"), "company_admin_id", 0);
    }
    o.store = store(ctx, kx_json_str(options, "crash_at"), rc, err, errsz);
    if (!o.store)
        return NULL;
    *rc = ks_sync_new(&sync, &o);
    if (*rc)
        snprintf(err, errsz, "sync: %s", ks_rc_message(*rc));
    return sync;
}

/* The counters of struct ks_sync_stats, in the order results show them:
 * one table for the JSON and the sums. */
static const struct {
    const char *name;
    size_t offset;
} stat_fields[] = {
    {"read", offsetof(struct ks_sync_stats, read)},
    {"created", offsetof(struct ks_sync_stats, created)},
    {"updated", offsetof(struct ks_sync_stats, updated)},
    {"unchanged", offsetof(struct ks_sync_stats, unchanged)},
    {"failed", offsetof(struct ks_sync_stats, failed)},
    {"skipped", offsetof(struct ks_sync_stats, skipped)},
};
#define N_STAT_FIELDS (sizeof(stat_fields) / sizeof(stat_fields[0]))

static int64_t stat_get(const struct ks_sync_stats *s, size_t i)
{
    return *(const int64_t *)((const char *)s + stat_fields[i].offset);
}

static cJSON *stats_json(const struct ks_sync_stats *s)
{
    cJSON *o = cJSON_CreateObject();

    for (size_t i = 0; i < N_STAT_FIELDS; i++)
        cJSON_AddNumberToObject(o, stat_fields[i].name, (double)stat_get(s, i));
    return o;
}

static void stats_add(struct ks_sync_stats *to, const struct ks_sync_stats *s)
{
    for (size_t i = 0; i < N_STAT_FIELDS; i++)
        *(int64_t *)((char *)to + stat_fields[i].offset) += stat_get(s, i);
}

/* Ends a job: the totals at the top of the result, the error when rc is
 * set, and a crashed store dropped (a dead process keeps nothing open). */
static ks_rc finish(struct kh_ctx *ctx, struct ks_sync *sync, ks_rc rc,
                    const struct ks_sync_stats *total, cJSON **result,
                    char *err, size_t errsz)
{
    cJSON *t = stats_json(total), *it;

    if (!*result)
        *result = cJSON_CreateObject();
    while ((it = t->child) != NULL)
        cJSON_AddItemToObject(*result, it->string,
                              cJSON_DetachItemViaPointer(t, it));
    cJSON_Delete(t);
    if (rc && sync) {
        const struct ks_error *e = ks_sync_last_error(sync);

        snprintf(err, errsz, "%s", e->message[0] ? e->message : ks_rc_name(rc));
        cJSON_AddStringToObject(*result, "error", err);
        cJSON_AddNumberToObject(*result, "http_status", (double)e->http_status);
        cJSON_AddStringToObject(*result, "remote_id", e->remote_id);
    }
    if (rc == KS_ECRASH)
        kh_ctx_set_slot(ctx, STORE_SLOT, NULL, NULL);
    ks_sync_free(sync);
    return rc;
}

ks_rc kh_job_sync_run(struct kh_ctx *ctx, const cJSON *options, cJSON **result,
                      char *err, size_t errsz, kh_job_sync_fn fn, void *ud)
{
    struct ks_sync_stats s;
    ks_rc rc = KS_OK;
    struct ks_sync *sync = engine(ctx, options, &rc, err, errsz);

    memset(&s, 0, sizeof(s));
    if (!sync)
        return rc;
    rc = fn(&s, sync, ud);
    return finish(ctx, sync, rc, &s, result, err, errsz);
}

typedef ks_rc (*flow_fn)(struct ks_sync_stats *, struct ks_sync *);

/* Runs fn for each storefront named by options.target (a name, or
 * omitted: every storefront the handle has), stats per storefront under
 * its name and summed at the top. */
static ks_rc per_store(struct kh_ctx *ctx, const cJSON *options, cJSON **result,
                       char *err, size_t errsz, flow_fn bc, flow_fn wc,
                       const char *target_key)
{
    const char *target = kx_json_str(options, target_key);
    struct ks_sync_stats total, one;
    ks_rc rc = KS_OK;
    int ran = 0;
    struct ks_sync *sync = engine(ctx, options, &rc, err, errsz);

    memset(&total, 0, sizeof(total));
    if (!sync)
        return rc;
    *result = cJSON_CreateObject();
    if (bc && kh_ctx_slot(ctx, KH_SLOT_BIGCOMMERCE) &&
        (!target || !strcmp(target, "bigcommerce"))) {
        rc = bc(&one, sync);
        stats_add(&total, &one);
        cJSON_AddItemToObject(*result, "bigcommerce", stats_json(&one));
        ran++;
    }
    if (!rc && wc && kh_ctx_slot(ctx, KH_SLOT_WOOCOMMERCE) &&
        (!target || !strcmp(target, "woocommerce"))) {
        rc = wc(&one, sync);
        stats_add(&total, &one);
        cJSON_AddItemToObject(*result, "woocommerce", stats_json(&one));
        ran++;
    }
    if (!rc && !ran) {
        snprintf(err, errsz, "sync: no storefront to run against%s%s",
                 target ? " named " : "", target ? target : "");
        return finish(ctx, sync, KS_EINVAL, &total, result, err, errsz);
    }
    return finish(ctx, sync, rc, &total, result, err, errsz);
}

static ks_rc job_parts(struct kh_ctx *ctx, const cJSON *options, cJSON **result,
                       char *err, size_t errsz)
{
    return per_store(ctx, options, result, err, errsz,
                     ks_sync_parts_to_bigcommerce, ks_sync_parts_to_woocommerce,
                     "target");
}

static ks_rc job_customers(struct kh_ctx *ctx, const cJSON *options,
                           cJSON **result, char *err, size_t errsz)
{
    return per_store(ctx, options, result, err, errsz, NULL,
                     ks_sync_customers_to_woocommerce, "target");
}

static ks_rc job_refunds(struct kh_ctx *ctx, const cJSON *options,
                         cJSON **result, char *err, size_t errsz)
{
    return per_store(ctx, options, result, err, errsz, NULL,
                     ks_sync_refunds_from_woocommerce, "source");
}

/* ---- webhooks --------------------------------------------------------- */

/*
 * The connector's BigCommerce webhook receiver (jobs.h, kh_job_receiver):
 * it verifies each delivery on its own threads and queues verified order
 * events; sync.orders with from_webhooks imports the queue on the job's
 * thread. A duplicate the receiver recognises is answered 200 and not
 * queued; one it cannot recognise (after a restart) reaches the engine,
 * whose durable intents skip it. Unprocessed events die with the receiver
 * at a restart: the backfill poll is what catches them.
 */
static ks_rc job_start_receiver(struct kh_ctx *ctx, const cJSON *options,
                                cJSON **result, char *err, size_t errsz)
{
    const char *scopes[] = {"store/order/created", "store/order/updated", NULL};
    uint16_t *port = kh_ctx_slot(ctx, PORT_SLOT);
    struct kh_job_receiver *r;
    struct ks_bigcommerce *bc;
    cJSON *hooks = NULL;
    int owned = 0;
    ks_rc rc;

    r = kh_job_receiver(ctx, RECEIVER_SLOT, "bigcommerce", port ? *port : 0,
                        &rc, err, errsz);
    if (!r)
        return rc;
    if (!port) {
        port = kx_xmalloc(sizeof(*port));
        *port = kh_receiver_port(r->rcv);
        kh_ctx_set_slot(ctx, PORT_SLOT, port, free);
    }
    *result = cJSON_CreateObject();
    cJSON_AddStringToObject(*result, "url", r->hook_url);
    if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(options, "register")))
        return KS_OK;
    bc = kh_job_bigcommerce(ctx, 0, &owned, &rc, err, errsz);
    if (!bc)
        return rc;
    rc = ks_bigcommerce_hooks_ensure(&hooks, bc, scopes, r->hook_url, NULL);
    if (hooks)
        cJSON_AddItemToObject(*result, "hooks", hooks);
    if (rc)
        return kh_job_failed(ctx, rc, result, err, errsz);
    return KS_OK;
}

static ks_rc job_orders(struct kh_ctx *ctx, const cJSON *options,
                        cJSON **result, char *err, size_t errsz)
{
    struct kh_job_receiver *r = kh_ctx_slot(ctx, RECEIVER_SLOT);
    struct kh_receiver_item *q = NULL;
    struct ks_sync_stats total, one;
    struct ks_sync *sync;
    size_t n = 0, i;
    ks_rc rc = KS_OK;

    if (!cJSON_IsTrue(
            cJSON_GetObjectItemCaseSensitive(options, "from_webhooks")))
        return per_store(ctx, options, result, err, errsz,
                         ks_sync_orders_from_bigcommerce,
                         ks_sync_orders_from_woocommerce, "source");
    sync = engine(ctx, options, &rc, err, errsz);
    if (!sync)
        return rc;
    memset(&total, 0, sizeof(total));
    if (r)
        q = kh_job_receiver_drain(r, &n);
    for (i = 0; i < n && !rc; i++) {
        if (q[i].woocommerce)
            rc =
                ks_sync_order_from_woocommerce_id(&one, sync, q[i].wc_order_id);
        else
            rc = ks_sync_order_from_bigcommerce_event(&one, sync, &q[i].bc);
        stats_add(&total, &one);
    }
    free(q);
    *result = cJSON_CreateObject();
    cJSON_AddNumberToObject(*result, "events", (double)n);
    return finish(ctx, sync, rc, &total, result, err, errsz);
}

ks_rc kh_job_sync_listen(struct kh_ctx *ctx, const cJSON *options,
                         uint16_t port, char *err, size_t errsz)
{
    const char *source = kx_json_str(options, "source");
    ks_rc rc;

    kh_ctx_set_slot(ctx, RECEIVER_SLOT, NULL, NULL); /* a fresh one */
    kh_job_receiver(ctx, RECEIVER_SLOT, source ? source : "bigcommerce", port,
                    &rc, err, errsz);
    return rc;
}

ks_rc kh_job_sync_listen_end(struct kh_ctx *ctx, const cJSON *options,
                             cJSON **result, char *err, size_t errsz)
{
    cJSON *o = options ? cJSON_Duplicate(options, 1) : cJSON_CreateObject();
    ks_rc rc;

    cJSON_DeleteItemFromObjectCaseSensitive(o, "from_webhooks");
    cJSON_AddTrueToObject(o, "from_webhooks");
    rc = job_orders(ctx, o, result, err, errsz);
    kh_ctx_set_slot(ctx, RECEIVER_SLOT, NULL, NULL); /* stops it */
    cJSON_Delete(o);
    return rc;
}

static ks_rc job_replay(struct kh_ctx *ctx, const cJSON *options,
                        cJSON **result, char *err, size_t errsz)
{
    struct ks_sync_stats s;
    ks_rc rc = KS_OK;
    struct ks_sync *sync = engine(ctx, options, &rc, err, errsz);

    memset(&s, 0, sizeof(s));
    if (!sync)
        return rc;
    rc = ks_sync_replay_failed(&s, sync);
    return finish(ctx, sync, rc, &s, result, err, errsz);
}

/* ---- state read-back -------------------------------------------------- */

static int audit_row(const struct ks_audit_entry *e, int64_t id, void *ud)
{
    cJSON *rows = ud, *o;

    if (cJSON_GetArraySize(rows) >= LIST_MAX)
        return 1;
    o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)id);
    cJSON_AddStringToObject(o, "flow", e->flow);
    cJSON_AddStringToObject(o, "source_system", e->source_system);
    cJSON_AddStringToObject(o, "source_id", e->source_id);
    cJSON_AddStringToObject(o, "target_system", e->target_system);
    if (e->target_id)
        cJSON_AddStringToObject(o, "target_id", e->target_id);
    cJSON_AddStringToObject(o, "action", e->action);
    cJSON_AddStringToObject(o, "outcome", e->outcome);
    cJSON_AddNumberToObject(o, "attempt", e->attempt);
    if (e->detail)
        cJSON_AddStringToObject(o, "detail", e->detail);
    cJSON_AddNumberToObject(o, "at_ms", (double)e->at_ms);
    cJSON_AddItemToArray(rows, o);
    return 0;
}

/* The end of a read-back job: without a store (st NULL, err set) rows are
 * dropped and KS_ESTATE returned; else *result gets {"count": n, key:
 * rows} and err the store's error when rc is set. */
static ks_rc rows_result(cJSON **result, const char *key, int64_t n,
                         cJSON *rows, struct ks_store *st, ks_rc rc, char *err,
                         size_t errsz)
{
    if (!st) {
        cJSON_Delete(rows);
        return KS_ESTATE;
    }
    *result = cJSON_CreateObject();
    cJSON_AddNumberToObject(*result, "count", (double)n);
    cJSON_AddItemToObject(*result, key, rows);
    if (rc)
        snprintf(err, errsz, "sync: %s", ks_store_last_error(st)->message);
    return rc;
}

static ks_rc job_audit(struct kh_ctx *ctx, const cJSON *options, cJSON **result,
                       char *err, size_t errsz)
{
    struct ks_audit_filter f = {kx_json_str(options, "flow"),
                                kx_json_str(options, "outcome"), 0};
    struct ks_store *st = store(ctx, NULL, &(ks_rc){KS_OK}, err, errsz);
    cJSON *rows = cJSON_CreateArray();
    int64_t n = 0;
    ks_rc rc = st ? ks_store_audit_count(&n, st, &f) : KS_ESTATE;

    if (!rc)
        rc = ks_store_audit_each(st, &f, audit_row, rows);
    return rows_result(result, "rows", n, rows, st, rc, err, errsz);
}

static int outbox_row(const struct ks_outbox_item *it, void *ud)
{
    cJSON *rows = ud, *o;

    if (cJSON_GetArraySize(rows) >= LIST_MAX)
        return 1;
    o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)it->id);
    cJSON_AddStringToObject(o, "flow", it->flow);
    cJSON_AddStringToObject(o, "kind", it->kind);
    cJSON_AddStringToObject(o, "source_id", it->source_id);
    cJSON_AddStringToObject(o, "reason", it->reason ? it->reason : "");
    cJSON_AddNumberToObject(o, "attempts", it->attempts);
    cJSON_AddItemToArray(rows, o);
    return 0;
}

static ks_rc job_outbox(struct kh_ctx *ctx, const cJSON *options,
                        cJSON **result, char *err, size_t errsz)
{
    const char *flow = kx_json_str(options, "flow");
    struct ks_store *st = store(ctx, NULL, &(ks_rc){KS_OK}, err, errsz);
    cJSON *rows = cJSON_CreateArray();
    int64_t n = 0;
    ks_rc rc = st ? ks_store_outbox_count(&n, st, flow) : KS_ESTATE;

    if (!rc)
        rc = ks_store_outbox_each(st, flow, outbox_row, rows);
    return rows_result(result, "items", n, rows, st, rc, err, errsz);
}

/* Lets a scenario fix a mapping before sync.replay_failed. */
static ks_rc job_map(struct kh_ctx *ctx, const cJSON *options, cJSON **result,
                     char *err, size_t errsz)
{
    const char *kind = kx_json_str(options, "kind");
    const char *from = kx_json_str(options, "from");
    const char *to = kx_json_str(options, "to");
    struct ks_store *st = store(ctx, NULL, &(ks_rc){KS_OK}, err, errsz);
    ks_rc rc;

    (void)result;
    if (!st)
        return KS_ESTATE;
    rc = ks_store_map_put(st, kind ? kind : "sku_part", from ? from : "",
                          to ? to : "");
    if (rc)
        snprintf(err, errsz, "sync: %s", ks_store_last_error(st)->message);
    return rc;
}

/* The jobs that go through engine() list crash_at, which it reads; the
 * state read-backs open the store unarmed. */
const struct kh_job kh_jobs_sync[] = {
    {"sync.parts", job_parts,
     "parts, prices and stock changed since the cursor to the storefronts "
     "(options: target bigcommerce|woocommerce, crash_at)",
     "target crash_at"},
    {"sync.orders", job_orders,
     "web orders modified since the cursor to Epicor sales orders, or the "
     "queued webhook events (options: source, from_webhooks, crash_at)",
     "source from_webhooks crash_at"},
    {"sync.customers", job_customers,
     "Epicor customers changed since the cursor to WooCommerce",
     "target crash_at"},
    {"sync.refunds", job_refunds,
     "WooCommerce refunds noted on their Epicor sales orders",
     "source crash_at"},
    {"sync.replay_failed", job_replay,
     "replay every pending outbox item with its source read afresh",
     "crash_at"},
    {"sync.audit", job_audit,
     "the audit trail (options: flow, outcome); result {count, rows}",
     "flow outcome"},
    {"sync.outbox", job_outbox,
     "pending outbox items (options: flow); result {count, items}", "flow"},
    {"sync.map", job_map,
     "put an id map pair (options: kind (sku_part), from, to)", "kind from to"},
    {"sync.start_receiver", job_start_receiver,
     "start the BigCommerce webhook receiver that queues verified order "
     "events and register order hooks to it (options: register false to "
     "skip)",
     "register"},
    {NULL, NULL, NULL, NULL}};
