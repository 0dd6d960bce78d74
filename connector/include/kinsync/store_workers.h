/*
 * The state store's calls for many workers sharing one store (usually a
 * PostgreSQL database, "state": "postgresql://..."; they work on a SQLite
 * file too, for one host): leases on (connection, flow), worker heartbeat
 * rows, and the durable queue of verified webhook deliveries.
 *
 * Time: every expiry and heartbeat is measured on the DATABASE's wall
 * clock (PostgreSQL's clock_timestamp(), SQLite's julianday('now')), never
 * on the caller's, so workers on hosts whose clocks differ agree on when a
 * lease expired. The *_ms fields below are that clock, Unix milliseconds.
 *
 * Worker ids are chosen by the caller and must be unique per process
 * (e.g. "<host>:<pid>:<random>"); 1 to KS_STORE_ID_MAX bytes, like the
 * connection, flow, topic and resource id arguments. Errors as in
 * kinsync/store.h (ks_store_last_error()).
 */
#ifndef KINSYNC_STORE_WORKERS_H
#define KINSYNC_STORE_WORKERS_H

#include <stdint.h>
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- leases: each (connection, flow) runs on one worker at a time ----- */

struct ks_lease {
    char connection[KS_STORE_ID_MAX + 1];
    char flow[KS_STORE_ID_MAX + 1];
    char worker_id[KS_STORE_ID_MAX + 1]; /* the holder (maybe expired) */
    int64_t acquired_ms;                 /* when this holder took it */
    int64_t expires_ms;                  /* the holder loses it at this time */
    int held; /* acquire: 1 when worker_id asked is the holder */
    int live; /* expires_ms is still in the future */
};

/*
 * Takes the lease on (connection, flow) for worker_id for ttl_ms (> 0)
 * when it is free, expired, or already held by worker_id (then it is
 * renewed). Atomic across processes and hosts: of any number of workers
 * calling at once, exactly one gets it. out->held says the outcome: 1 the
 * caller holds it until out->expires_ms; 0 another worker holds a live
 * lease (out->worker_id, out->expires_ms say who and until when). A lease
 * taken over after its expiry resumes from the durable cursor: leases
 * guard who runs, the intents guard what is written. KS_OK either way.
 */
KS_EXTERN ks_rc ks_store_lease_acquire(struct ks_lease *out,
                                       struct ks_store *st,
                                       const char *connection, const char *flow,
                                       const char *worker_id, int64_t ttl_ms);
/*
 * Extends worker_id's lease to now + ttl_ms. KS_ECONFLICT when worker_id
 * no longer holds it (another worker took it over after it expired, or it
 * was released): the caller must stop the flow at once. A lease that
 * expired but was not taken over is renewed (nobody else ran the flow).
 */
KS_EXTERN ks_rc ks_store_lease_renew(struct ks_store *st,
                                     const char *connection, const char *flow,
                                     const char *worker_id, int64_t ttl_ms);
/* Gives the lease up if worker_id holds it; KS_OK when it did not (a
 * release never touches another worker's lease). */
KS_EXTERN ks_rc ks_store_lease_release(struct ks_store *st,
                                       const char *connection, const char *flow,
                                       const char *worker_id);

/* Callback of the listings: 0 go on, > 0 stop (KS_OK), < 0 stop with that
 * ks_rc. The pointed-to row is borrowed for the call. */
typedef int (*ks_store_lease_fn)(const struct ks_lease *lease, void *ud);
/* Every lease row, live or expired (live says which), ordered by
 * connection then flow; out->held is 0. */
KS_EXTERN ks_rc ks_store_lease_each(struct ks_store *st, ks_store_lease_fn cb,
                                    void *ud);

/* ---- worker heartbeats ------------------------------------------------ */

struct ks_worker {
    char worker_id[KS_STORE_ID_MAX + 1];
    char host[KS_STORE_ID_MAX + 1];
    int64_t pid;
    int64_t started_ms;   /* first heartbeat of this worker id */
    int64_t last_seen_ms; /* latest heartbeat */
};

/* Records that worker_id (on host, process pid) is alive now: creates its
 * row or moves last_seen_ms. */
KS_EXTERN ks_rc ks_store_worker_heartbeat(struct ks_store *st,
                                          const char *worker_id,
                                          const char *host, int64_t pid);
/* Removes worker_id's row and releases all its leases, in one
 * transaction (a clean shutdown). KS_OK when it had none. */
KS_EXTERN ks_rc ks_store_worker_remove(struct ks_store *st,
                                       const char *worker_id);
typedef int (*ks_store_worker_fn)(const struct ks_worker *worker, void *ud);
/* Every worker row, ordered by worker id; stale ones too (compare
 * last_seen_ms with the lease time to call one dead). */
KS_EXTERN ks_rc ks_store_worker_each(struct ks_store *st, ks_store_worker_fn cb,
                                     void *ud);

/* ---- the durable webhook queue ---------------------------------------- */

/* A claimed delivery; owned by the caller, free with
 * ks_store_delivery_free(). */
struct ks_delivery {
    int64_t id;
    char *connection;
    char *topic;       /* e.g. "store/order/created" */
    char *resource_id; /* e.g. the order id the event names */
    char *body;        /* the verified request body */
    int attempts;      /* claims so far, this one included */
    int64_t created_ms;
};

/*
 * Commits a verified delivery to the queue and only then returns KS_OK:
 * the receiver answers 200 after this call, so a crash after the 200
 * loses nothing. body may be empty (up to KS_STORE_TEXT_MAX bytes). Inside
 * a ks_store_begin() group the delivery is committed with the group.
 * *id_out (may be NULL) receives its id.
 */
KS_EXTERN ks_rc ks_store_delivery_enqueue(int64_t *id_out, struct ks_store *st,
                                          const char *connection,
                                          const char *topic,
                                          const char *resource_id,
                                          const char *body);
/*
 * Claims the oldest delivery not done and not claimed by a live claim
 * (connection NULL: any connection) for worker_id for visibility_ms (> 0),
 * and commits the claim: no other worker is handed it until it is done or
 * the visibility time passed (a worker killed mid-import: another claims
 * it again then, and the intents keep that import exactly-once).
 * KS_ENOTFOUND when nothing is claimable; *out is NULL then.
 */
KS_EXTERN ks_rc ks_store_delivery_claim(struct ks_delivery **out,
                                        struct ks_store *st,
                                        const char *connection,
                                        const char *worker_id,
                                        int64_t visibility_ms);
/*
 * Removes the delivery from the queue: it is imported. Call it inside the
 * ks_store_begin() group that records the import's own store effects
 * (cursor, maps, audit) where the protocol allows, so both commit
 * together. KS_OK also when it is already gone (done by a worker that
 * claimed it after this one's claim expired).
 */
KS_EXTERN ks_rc ks_store_delivery_done(struct ks_store *st, int64_t id);
/* Gives the claim back (a failed import to be retried): the delivery is
 * claimable at once. Only worker_id's own claim is released; KS_OK when
 * the delivery is not (or no longer) claimed by it. */
KS_EXTERN ks_rc ks_store_delivery_release(struct ks_store *st, int64_t id,
                                          const char *worker_id);
/* Deliveries not done yet, claimed or not (connection NULL: all). */
KS_EXTERN ks_rc ks_store_delivery_count(int64_t *out, struct ks_store *st,
                                        const char *connection);
/* NULL-safe. */
KS_EXTERN void ks_store_delivery_free(struct ks_delivery *d);

#ifdef __cplusplus
}
#endif

#endif
