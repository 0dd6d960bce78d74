/*
 * What a scenario step of kind "run" can call: named connector jobs.
 *
 * Each remote-system module contributes a table of jobs in
 * engine/src/jobs_<system>.c (`const struct kh_job kh_jobs_<system>[]`,
 * ended by an entry with a NULL name). A job reaches the running
 * emulators, the connector client and the scenario's configuration through
 * the kh_ctx accessors below.
 */
#ifndef KH_JOBS_H
#define KH_JOBS_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include <kinsync.h>
#include <kinmock/emulator.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include "receiver.h" /* ops/src: the webhook receiver */

struct kh_ctx;

/*
 * Runs the job. options is the step's "options" object (may be NULL).
 * *result may receive JSON (deleted by the caller) that the step can check
 * with "expect_result". Returns the connector's code; on failure a
 * one-line reason goes into err.
 */
typedef ks_rc (*kh_job_fn)(struct kh_ctx *ctx, const cJSON *options,
                           cJSON **result, char *err, size_t errsz);

/*
 * options lists, separated by single spaces, every top-level key of the
 * step's "options" the job reads, including those its helpers read (such
 * as the one-off handle's page size): "since page_size", or "" for none.
 * The loader refuses any other key, so a misspelt option fails the
 * scenario instead of being ignored; a key missing here makes a valid
 * scenario fail to load. NULL counts as "".
 */
struct kh_job {
    const char *name; /* "epicor.read_parts", "sync.orders", ... */
    kh_job_fn run;
    const char *summary; /* one line for `kinsync check --list-jobs` */
    const char *options;
};

/* The running emulator of a system ("epicor", ...), or NULL. */
struct km_emulator *kh_ctx_emulator(struct kh_ctx *ctx, const char *system);

/* The connector client of the scenario (shared clock, captured log). */
struct ks_client *kh_ctx_client(struct kh_ctx *ctx);
struct ks_clock *kh_ctx_clock(struct kh_ctx *ctx);

/* given.connector.<system>: how the connector reaches the system
 * (credentials, company, ...); NULL when absent. Borrowed. */
const cJSON *kh_ctx_connector_config(struct kh_ctx *ctx, const char *system);
/* given.<system>: the configuration the emulator was started with (what a
 * job reads there costs nothing, a snapshot of a big store a lot). */
const cJSON *kh_ctx_given(struct kh_ctx *ctx, const char *system);

/*
 * A place for jobs to keep objects across the steps of one scenario (a
 * logged-in Epicor handle, the state store, ...). set takes ownership and
 * calls free_fn at the end of the scenario (or when replaced). A
 * "connector.restart" step (a crash and restart of the connector) frees
 * every slot except those whose key starts with KH_DURABLE_SLOT_PREFIX:
 * those stand for what survives a crash on disk (the state store).
 */
#define KH_DURABLE_SLOT_PREFIX "durable."

void *kh_ctx_slot(struct kh_ctx *ctx, const char *key);
void kh_ctx_set_slot(struct kh_ctx *ctx, const char *key, void *value,
                     void (*free_fn)(void *));

/*
 * The handle a job module keeps in slot key, made by make on first use;
 * or, when override is nonzero, a one-off handle made with it, which the
 * caller frees (*owned is set). NULL with *rc and err on failure.
 */
typedef ks_rc (*kh_handle_make_fn)(void **out, struct kh_ctx *ctx, int override,
                                   char *err, size_t errsz);
void *kh_job_handle(struct kh_ctx *ctx, const char *key, kh_handle_make_fn make,
                    void (*free_fn)(void *), int override, int *owned,
                    ks_rc *rc, char *err, size_t errsz);

/*
 * The connector handles, one maker per system (in jobs_<system>.c), built
 * from given.connector.<system> and the running emulator and kept in the
 * slot below, so every job module shares them. A positive page size
 * (page_size, page_limit, per_page) makes a one-off handle with it, which
 * the caller frees (*owned is set). NULL with *rc and err on failure.
 */
/* given.connector.<system>.<key>, else the URL of the running emulator;
 * NULL with err when there is neither. Borrowed. */
const char *kh_job_remote_url(struct kh_ctx *ctx, const char *system,
                              const char *key, char *err, size_t errsz);

#define KH_SLOT_EPICOR "epicor.client"
#define KH_SLOT_BIGCOMMERCE "bigcommerce.client"
#define KH_SLOT_WOOCOMMERCE "woocommerce.client"
#define KH_SLOT_ADOBE "adobe.client"

struct ks_epicor *kh_job_epicor(struct kh_ctx *ctx, int page_size, int *owned,
                                ks_rc *rc, char *err, size_t errsz);
struct ks_bigcommerce *kh_job_bigcommerce(struct kh_ctx *ctx, int page_limit,
                                          int *owned, ks_rc *rc, char *err,
                                          size_t errsz);
struct ks_woocommerce *kh_job_woocommerce(struct kh_ctx *ctx, int per_page,
                                          int *owned, ks_rc *rc, char *err,
                                          size_t errsz);
/* given.connector.adobe (jobs_adobe.c): deployment, auth, credentials;
 * page_size > 0 makes a one-off handle. */
struct ks_adobe *kh_job_adobe(struct kh_ctx *ctx, int page_size, int *owned,
                              ks_rc *rc, char *err, size_t errsz);

/*
 * Runs one sync flow over the scenario's sync handle (jobs_sync.c: the
 * state store and the clients, options.crash_at honoured) and ends the
 * job as the sync jobs do: the run's stats at the top of *result, and the
 * error on failure.
 */
typedef ks_rc (*kh_job_sync_fn)(struct ks_sync_stats *stats,
                                struct ks_sync *sync, void *ud);
ks_rc kh_job_sync_run(struct kh_ctx *ctx, const cJSON *options, cJSON **result,
                      char *err, size_t errsz, kh_job_sync_fn fn, void *ud);

/*
 * The opening of a job over one of these handles: declares rc, owned and
 * var from getter with the page size in options' size_key, and returns
 * when there is no handle. KH_JOB_END frees a one-off handle.
 */
#define KH_JOB_BEGIN(type, var, getter, size_key)                              \
    int owned = 0;                                                             \
    ks_rc rc;                                                                  \
    type *var = getter(ctx, (int)kx_json_num(options, size_key, 0), &owned,    \
                       &rc, err, errsz);                                       \
    if (!var)                                                                  \
        return rc;
#define KH_JOB_END(var, free_fn)                                               \
    if (owned)                                                                 \
        free_fn(var);

/* Their makers (kh_handle_make_fn): a storefront handle of the caller's
 * own; page size 0 is the configured one. */
ks_rc kh_job_bigcommerce_make(void **out, struct kh_ctx *ctx, int page_limit,
                              char *err, size_t errsz);
ks_rc kh_job_woocommerce_make(void **out, struct kh_ctx *ctx, int per_page,
                              char *err, size_t errsz);

/*
 * The connector's webhook receiver (ops/src/receiver.h) as the jobs run
 * it (jobs_receiver.c): on loopback, for one storefront, verifying with a
 * handle of its own (the jobs' handles serve the scenario's thread while
 * the receiver verifies on its threads), kept in a slot of the caller's
 * choice. The scenario's client lends the handle its virtual clock, so
 * BigCommerce timestamps are judged on scenario time.
 */
struct kh_job_receiver {
    struct kh_receiver *rcv;
    struct ks_bigcommerce *bc;
    struct ks_woocommerce *wc;
    struct kh_receiver_route route; /* "epicor": its one route */
    char *epicor_secret;            /* borrowed by route */
    char hook_url[128]; /* where the platform delivers: URL/webhooks/SYS */
    struct ks_bigcommerce_event last_bc; /* the last one drained */
    int have_last_bc;
};

/* The receiver in slot, started for system ("bigcommerce", "woocommerce";
 * "epicor": Epicor's job events, checked with given.connector.oee.
 * event_secret) on port (0: any free one) unless it runs already. NULL
 * with *rc and err on failure. */
struct kh_job_receiver *kh_job_receiver(struct kh_ctx *ctx, const char *slot,
                                        const char *system, uint16_t port,
                                        ks_rc *rc, char *err, size_t errsz);

/* options.status: absent, 0 or 2xx answer normally; 400..599 make every
 * delivery fail with it (kh_receiver_force_status); anything else is
 * KS_EINVAL. */
ks_rc kh_job_receiver_force(struct kh_job_receiver *r, const cJSON *options,
                            char *err, size_t errsz);

/* Takes the queued deliveries (the caller frees them), remembering the
 * last BigCommerce event. */
struct kh_receiver_item *kh_job_receiver_drain(struct kh_job_receiver *r,
                                               size_t *n);

/* The start_receiver job of a storefront: the receiver in slot, started
 * unless it runs, with options.status applied; *result {"url" (where
 * hooks deliver), "status"}. */
ks_rc kh_job_receiver_start(struct kh_ctx *ctx, const char *slot,
                            const char *system, const cJSON *options,
                            cJSON **result, char *err, size_t errsz);

/* The report of the receiver in slot (NULL with err when none started):
 * its queue is taken (nothing imports it), and *result gets its counts:
 * received, verified, events (verified but pings), queued, duplicates,
 * ignored, pings, rejected (400 and 401), too_big, busy, forced, last_rc,
 * last_reason. */
struct kh_job_receiver *
kh_job_receiver_report(struct kh_ctx *ctx, const char *slot, const char *system,
                       cJSON **result, char *err, size_t errsz);

/*
 * A storefront listing's collector (kh_job_collect_item is a
 * ks_bigcommerce_item_fn and a ks_woocommerce_item_fn): counts the records
 * and keeps the first KH_JOB_COLLECT_MAX numeric "id"s in ids and "sku"s
 * in skus, and every non-empty sku -> id in map (first one wins). A NULL
 * member is not wanted.
 */
#define KH_JOB_COLLECT_MAX 500
struct kh_job_collect {
    cJSON *ids;
    cJSON *skus;
    cJSON *map;
    int count;
};
int kh_job_collect_item(void *userdata, const cJSON *item);
/* Moves what was collected into result: "count", and "ids" and "skus"
 * when wanted (map stays with the caller). */
void kh_job_collect_put(cJSON *result, struct kh_job_collect *c);

/*
 * What the storefront job sets share (jobs_store.c).
 *
 * The products a scenario wants: a copy of options.products, or
 * options.generate {count, prefix, ...} as count products with sku
 * prefix%05d ("SKU-" when no prefix) to which fill adds the storefront's
 * own fields (name, price) for the i-th one (from 1). The caller deletes.
 */
typedef void (*kh_job_product_fill_fn)(cJSON *product, const cJSON *generate,
                                       int i);
cJSON *kh_job_wanted_products(const cJSON *options,
                              kh_job_product_fill_fn fill);

/*
 * The working set of an upsert_products job: the wanted products, the
 * store's sku -> id (collect its listing into &existing with
 * kh_job_collect_item), and, after kh_job_upsert_split, copies of the
 * wanted products the store lacks in create and of the others, with the
 * store's "id", in update. init makes want (kh_job_wanted_products) and
 * the empty arrays; dispose frees them all.
 */
struct kh_job_upsert {
    cJSON *want;
    struct kh_job_collect existing;
    cJSON *create;
    cJSON *update;
};
void kh_job_upsert_init(struct kh_job_upsert *u, const cJSON *options,
                        kh_job_product_fill_fn fill);
void kh_job_upsert_split(struct kh_job_upsert *u);
void kh_job_upsert_dispose(struct kh_job_upsert *u);

/* A listing's query: for each of names (NULL-terminated) that options
 * has as a string, the pair name, value, while they fit in q (qsize
 * entries, the last left for the terminating NULL). Returns the pairs. */
size_t kh_job_query(const char **q, size_t qsize, const cJSON *options,
                    const char *const *names);

/* The end of a listing job: *result {"count", "ids"/"skus" when wanted,
 * "pages" unless pages < 0}, and kh_job_failed when rc is set. */
ks_rc kh_job_listed(struct kh_ctx *ctx, ks_rc rc, struct kh_job_collect *c,
                    int pages, cJSON **result, char *err, size_t errsz);

/* A batch's counts into result: "requests", "ok", "failed". */
void kh_job_put_batch(cJSON *result, size_t requests, size_t ok, size_t failed);

/*
 * The receiver address a running integration.start announced
 * (KINSYNC_RECEIVER_URL, a string), kept in this slot from its start to
 * its stop: the hooks a scenario registers then deliver to it.
 */
#define KH_SLOT_INTEGRATION_RECEIVER                                           \
    KH_DURABLE_SLOT_PREFIX "integration.receiver_url"

/*
 * Where an ensure_hooks job points hooks: options[url_key], else the URL
 * of the receiver started in receiver_slot, else <the URL in
 * KH_SLOT_INTEGRATION_RECEIVER>/webhooks/<system>; the string topics of
 * options[topics_key] (at most KH_JOB_HOOK_TOPICS_MAX), else
 * default_topics. Borrowed from options, the receiver and k. KS_EINVAL
 * with err when there is no URL.
 */
#define KH_JOB_HOOK_TOPICS_MAX 15
struct kh_job_hook_keys {
    const char *system; /* for the error: "bigcommerce" */
    const char *receiver_slot;
    const char *url_key;
    const char *topics_key;
    const char *default_topics[3]; /* NULL-terminated */
};
struct kh_job_hook_target {
    const char *url;
    char url_buf[300]; /* where url points when it is the integration's */
    const char *topics[KH_JOB_HOOK_TOPICS_MAX + 1]; /* NULL-terminated */
};
ks_rc kh_job_hook_target(struct kh_job_hook_target *t, struct kh_ctx *ctx,
                         const cJSON *options, const struct kh_job_hook_keys *k,
                         char *err, size_t errsz);

/*
 * jobs_sync.c: the reference connector in the place of a background
 * integration (integration.start / integration.stop under kinsync check).
 * listen starts the connector's receiver for options.source (default
 * bigcommerce) on port, with the handles of given.connector; listen_end
 * imports what it queued as sync.orders with from_webhooks does (result
 * as that job's), then stops it.
 */
ks_rc kh_job_sync_listen(struct kh_ctx *ctx, const cJSON *options,
                         uint16_t port, char *err, size_t errsz);
ks_rc kh_job_sync_listen_end(struct kh_ctx *ctx, const cJSON *options,
                             cJSON **result, char *err, size_t errsz);

/*
 * jobs_oee.c: the reference connector in the place of a background
 * oee.events integration (pattern 1 under kinsync check). listen starts
 * the connector's receiver on port with one route, /webhooks/epicor,
 * taking deliveries whose X-Kinsync-Event-Secret is
 * given.connector.oee.event_secret (KS_EINVAL with err when there is
 * none); listen_end stops it and puts what it queued, in arrival order,
 * through the OEE flow as oee.flow_events does (result as that job's).
 */
ks_rc kh_job_oee_listen(struct kh_ctx *ctx, const cJSON *options, uint16_t port,
                        char *err, size_t errsz);
ks_rc kh_job_oee_listen_end(struct kh_ctx *ctx, const cJSON *options,
                            cJSON **result, char *err, size_t errsz);

/* jobs_sync.c: the scenario's state store the sync jobs use (given.
 * connector.sync.state), shared with the other flows' jobs; crash_at (may
 * be NULL) reopens it armed with that crash point. NULL with *rc and err
 * on failure. */
struct ks_store *kh_job_sync_store(struct kh_ctx *ctx, const char *crash_at,
                                   ks_rc *rc, char *err, size_t errsz);

/* A failed job's return: copies the client's last error into err and into
 * *result ({"error", "http_status", "remote_id"}; created when NULL). */
ks_rc kh_job_failed(struct kh_ctx *ctx, ks_rc rc, cJSON **result, char *err,
                    size_t errsz);

#endif
