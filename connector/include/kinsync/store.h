/*
 * The connector's durable state store (SQLite or PostgreSQL).
 *
 * One store holds everything the connector must remember between runs:
 * sync cursors, id maps between the two systems, exactly-once intents for
 * records written into Epicor, an audit trail, an outbox of failed writes,
 * the webhook deliveries already seen, and credentials encrypted at rest.
 *
 * A store is a SQLite file (WAL journal, synchronous=FULL, so a committed
 * call survives a power cut), ":memory:" for tests, or a PostgreSQL
 * database ("postgresql://..."; many workers on many hosts share it, see
 * kinsync/store_workers.h). Both backends keep the same data with the
 * same guarantees behind this one API. Every call that changes
 * something runs in a transaction of its own unless the caller grouped
 * calls with ks_store_begin()/ks_store_commit(). A store is used by one
 * thread at a time; several processes may share a file or database
 * (writers wait up to busy_timeout_ms for each other's locks).
 *
 * Errors: every call returns a ks_rc; details (the database's message for
 * KS_ESTATE) are read with ks_store_last_error(). Messages name flows,
 * kinds and ids but never a secret value, a key or a password.
 *
 * Text arguments (flows, kinds, ids, names, cursor values, hashes) are
 * non-empty NUL-terminated strings of at most KS_STORE_ID_MAX bytes;
 * payloads and details may be up to KS_STORE_TEXT_MAX bytes. Anything else
 * fails with KS_EINVAL.
 *
 * ---- Exactly-once writes (intents) ----------------------------------
 *
 * Writing an order into Epicor is not idempotent, and the reply to a
 * write can be lost (timeout, crash) after Epicor committed it. The
 * protocol that makes a crash at any point safe:
 *
 *   1. ks_store_intent_begin(&in, st, "order", store_order_id, hash)
 *      is committed (fsync'd) BEFORE anything is sent to Epicor.
 *   2. in.state == KS_INTENT_DONE: the order was written before; skip it
 *      (in.target_id holds the Epicor OrderNum).
 *      in.state == KS_INTENT_PENDING: an earlier attempt may or may not
 *      have reached Epicor. The caller MUST first look for the record in
 *      Epicor by a reference it carried (e.g. the sales order whose PONum
 *      is the store order reference). Found: go to step 4 with its id.
 *      Not found: write it (step 3).
 *      in.state == KS_INTENT_NEW: no earlier attempt; write it.
 *   3. Write the record to Epicor, always carrying the reference.
 *   4. ks_store_intent_complete(st, "order", store_order_id, order_num).
 *
 * A crash before 1 leaves nothing (the order is picked up again); between
 * 1 and 4 leaves a pending intent, resolved by the check in 2; after 4 the
 * order is skipped. No order is written twice and none is lost.
 *
 * Step 1 must be committed before step 3 starts: do not call
 * ks_store_intent_begin() inside a ks_store_begin() group that stays open
 * across the remote write (a crash would roll the intent back).
 */
#ifndef KINSYNC_STORE_H
#define KINSYNC_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "common.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KS_STORE_ID_MAX 255
#define KS_STORE_TEXT_MAX ((size_t)8 << 20)

struct ks_store;

struct ks_store_options {
    unsigned int version;
    /* Where the state lives: a SQLite file path, NULL / ":memory:" for a
     * private in-memory SQLite store, or a PostgreSQL connection URI
     * ("postgresql://..." or "postgres://...": user, host, database;
     * a password may come from the URI, the PG* environment variables or
     * ~/.pgpass, as libpq reads them, and is never logged). */
    const char *path;
    /* Encryption key for secrets (AES-256). At most one of the two:
     * key_file holds 32 raw bytes or 64 hex characters (a trailing newline
     * is allowed); key_env names an environment variable holding 64 hex
     * characters. Neither: the store works but refuses secret calls. */
    const char *key_file;
    const char *key_env;
    /* How long a writer waits for another process's lock (PostgreSQL:
     * lock_timeout); 0: 5000 ms. */
    int busy_timeout_ms;
    /* Optional: receives the reason when ks_store_open() fails. */
    struct ks_error *error;
};

#define KS_STORE_OPTIONS_VERSION 1
#define KS_STORE_OPTIONS_INIT                                                  \
    {                                                                          \
        KS_STORE_OPTIONS_VERSION, NULL, NULL, NULL, 0, NULL                    \
    }

/* Opens (creating and migrating the schema if needed) a store. With a key,
 * the key is checked against the check value stored by the first keyed
 * open: a different key fails with KS_ECRYPTO ("wrong key") here, before
 * any secret is touched. A database written by a newer kinsync fails with
 * KS_ESTATE. */
KS_EXTERN ks_rc ks_store_open(struct ks_store **out,
                              const struct ks_store_options *opts);

/* NULL-safe. An uncommitted ks_store_begin() group is rolled back. */
KS_EXTERN void ks_store_close(struct ks_store *st);

/* The error of the last failed call; rc is KS_OK after a successful one.
 * Borrowed until the next call on st. */
KS_EXTERN const struct ks_error *ks_store_last_error(const struct ks_store *st);

/* Groups several calls into one transaction (no nesting: KS_EINVAL). A
 * call failing inside a group undoes only its own changes. */
KS_EXTERN ks_rc ks_store_begin(struct ks_store *st);
KS_EXTERN ks_rc ks_store_commit(struct ks_store *st);
KS_EXTERN ks_rc ks_store_rollback(struct ks_store *st);

/* ---- cursors ---------------------------------------------------------- */

/* The last position read from a source, per flow and entity: a SysRevID as
 * decimal text or an ISO-8601 date. *out is ks-allocated; free it with
 * ks_store_string_free(). KS_ENOTFOUND when none was set. */
KS_EXTERN ks_rc ks_store_cursor_get(char **out, struct ks_store *st,
                                    const char *flow, const char *entity);
/* Creates or replaces the cursor. */
KS_EXTERN ks_rc ks_store_cursor_set(struct ks_store *st, const char *flow,
                                    const char *entity, const char *value);

/* Frees a string returned by the store; NULL-safe. */
KS_EXTERN void ks_store_string_free(char *s);

/* ---- id maps ---------------------------------------------------------- */

/* Maps a_id (system A, e.g. the store's SKU or order id) to b_id (system
 * B, e.g. Epicor's PartNum or OrderNum) for a kind ("sku_part", "order",
 * "customer", "product", "variant", ...). Within a kind each a_id maps to
 * one b_id and each b_id to one a_id. Putting an existing pair again is
 * KS_OK; a pair that contradicts an existing one is KS_ECONFLICT. */
KS_EXTERN ks_rc ks_store_map_put(struct ks_store *st, const char *kind,
                                 const char *a_id, const char *b_id);
/* b_id for a_id; KS_ENOTFOUND when unmapped. Free with
 * ks_store_string_free(). */
KS_EXTERN ks_rc ks_store_map_get(char **b_out, struct ks_store *st,
                                 const char *kind, const char *a_id);
/* a_id for b_id; KS_ENOTFOUND when unmapped. */
KS_EXTERN ks_rc ks_store_map_find_reverse(char **a_out, struct ks_store *st,
                                          const char *kind, const char *b_id);
/* Removes the pair holding a_id (to re-map it); KS_ENOTFOUND if none. */
KS_EXTERN ks_rc ks_store_map_delete(struct ks_store *st, const char *kind,
                                    const char *a_id);

/* ---- exactly-once intents (see the protocol at the top) --------------- */

enum ks_intent_state {
    KS_INTENT_NEW = 0,     /* begin: no earlier attempt, now pending */
    KS_INTENT_PENDING = 1, /* an attempt began and never completed */
    KS_INTENT_DONE = 2     /* completed; target_id is set */
};

struct ks_intent {
    char kind[KS_STORE_ID_MAX + 1];
    char source_id[KS_STORE_ID_MAX + 1];
    enum ks_intent_state state;
    int attempts;        /* begins counted so far, this one included */
    int payload_changed; /* begin: the hash differs from the recorded one */
    char payload_hash[KS_STORE_ID_MAX + 1];
    char target_id[KS_STORE_ID_MAX + 1]; /* "" until done */
};

/*
 * Records, durably and before the remote write, that source_id of kind is
 * about to be written. out->state says what the caller must do:
 * KS_INTENT_NEW: write; KS_INTENT_PENDING: check the remote system by
 * reference, then complete or write; KS_INTENT_DONE: skip. NEW and PENDING
 * count an attempt and leave the intent pending; a pending intent takes
 * the new payload_hash (out->payload_changed tells it moved). A done
 * intent is left untouched, its recorded hash reported.
 */
KS_EXTERN ks_rc ks_store_intent_begin(struct ks_intent *out,
                                      struct ks_store *st, const char *kind,
                                      const char *source_id,
                                      const char *payload_hash);

/* Marks the intent done with the id the remote system gave the record.
 * KS_ENOTFOUND without a begin; completing a done intent again with the
 * same target_id is KS_OK, with another one KS_ECONFLICT. */
KS_EXTERN ks_rc ks_store_intent_complete(struct ks_store *st, const char *kind,
                                         const char *source_id,
                                         const char *target_id);

/* The recorded intent; KS_ENOTFOUND when none. */
KS_EXTERN ks_rc ks_store_intent_get(struct ks_intent *out, struct ks_store *st,
                                    const char *kind, const char *source_id);

/* Callbacks of the iterators: return 0 to go on, a positive value to stop
 * (the iterator returns KS_OK) or a negative ks_rc to stop with that code.
 * The callback may call other store functions, except the iterator that
 * called it. Row pointers are borrowed for the duration of the call. */
typedef int (*ks_store_intent_fn)(const struct ks_intent *intent, void *ud);

/* Pending intents (kind NULL: every kind), oldest first: what a recovery
 * sweep must resolve. */
KS_EXTERN ks_rc ks_store_intent_each_pending(struct ks_store *st,
                                             const char *kind,
                                             ks_store_intent_fn cb, void *ud);

/* ---- retention -------------------------------------------------------- */

/* What one ks_store_prune() deleted. */
struct ks_store_prune_counts {
    int64_t audit;   /* audit entries */
    int64_t intents; /* completed intents */
};

/*
 * Deletes, in one transaction, the audit entries recorded before
 * before_ms and the intents completed before before_ms (Unix ms, wall
 * clock). Pending intents are never deleted, whatever their age. Once
 * completed intents of a kind were deleted, ks_store_intent_begin()
 * answers KS_INTENT_PENDING instead of KS_INTENT_NEW for a source of that
 * kind it has no row for (it may have been completed before the cut), so
 * the caller looks the record up by reference before writing: exactly-once
 * holds across pruning, at the price of that look-up for new records.
 * out may be NULL. Crash point: store.prune.before_commit.
 */
KS_EXTERN ks_rc ks_store_prune(struct ks_store_prune_counts *out,
                               struct ks_store *st, int64_t before_ms);

/* ---- audit trail ------------------------------------------------------ */

/* One record moved (or not). The field order is part of the API: callers
 * initialise it positionally. outcome is one of "ok", "failed", "skipped",
 * "duplicate"; target_id and detail may be NULL. */
struct ks_audit_entry {
    const char *flow;
    const char *source_system;
    const char *source_id;
    const char *target_system;
    const char *target_id;
    const char *action;
    const char *outcome;
    int attempt;
    const char *detail;
    int64_t at_ms;
};

/* NULL fields and since_ms 0 match everything. */
struct ks_audit_filter {
    const char *flow;
    const char *outcome;
    int64_t since_ms; /* entries with at_ms >= since_ms */
};

/* id is the entry's position in the trail (increasing). */
typedef int (*ks_store_audit_fn)(const struct ks_audit_entry *entry, int64_t id,
                                 void *ud);

KS_EXTERN ks_rc ks_store_audit_add(struct ks_store *st,
                                   const struct ks_audit_entry *entry);
/* Entries matching filter (NULL: all) in insertion order. */
KS_EXTERN ks_rc ks_store_audit_each(struct ks_store *st,
                                    const struct ks_audit_filter *filter,
                                    ks_store_audit_fn cb, void *ud);
KS_EXTERN ks_rc ks_store_audit_count(int64_t *out, struct ks_store *st,
                                     const struct ks_audit_filter *filter);

/* ---- outbox of failed writes ------------------------------------------ */

struct ks_outbox_item {
    int64_t id;
    const char *flow;
    const char *kind;
    const char *source_id;
    const char *payload_json;
    const char *reason;
    int attempts;
    int64_t created_ms;
    int64_t updated_ms;
};

typedef int (*ks_store_outbox_fn)(const struct ks_outbox_item *item, void *ud);

/*
 * Keeps a write that failed so that it can be replayed. One item per
 * flow + kind + source_id: adding it again replaces payload and reason,
 * counts one more attempt and reopens it if it was resolved. *id_out
 * (may be NULL) receives the item's id. reason may be NULL.
 */
KS_EXTERN ks_rc ks_store_outbox_add(int64_t *id_out, struct ks_store *st,
                                    const char *flow, const char *kind,
                                    const char *source_id,
                                    const char *payload_json,
                                    const char *reason, int64_t at_ms);
/* Pending items (flow NULL: all flows), oldest first. The callback may
 * resolve or mark the item it is given. */
KS_EXTERN ks_rc ks_store_outbox_each(struct ks_store *st, const char *flow,
                                     ks_store_outbox_fn cb, void *ud);
/* Another replay attempt failed: counts it and records the reason (NULL
 * keeps the old one). KS_ENOTFOUND for an unknown or resolved id. */
KS_EXTERN ks_rc ks_store_outbox_mark_attempt(struct ks_store *st, int64_t id,
                                             const char *reason, int64_t at_ms);
/* The item was written after all; it leaves the pending list. */
KS_EXTERN ks_rc ks_store_outbox_resolve(struct ks_store *st, int64_t id);
/* Pending items (flow NULL: all flows). */
KS_EXTERN ks_rc ks_store_outbox_count(int64_t *out, struct ks_store *st,
                                      const char *flow);

/* ---- webhook deliveries seen ------------------------------------------ */

/* Records a delivery; KS_EDUPLICATE when (source, delivery_id) was seen
 * already (nothing changes then). */
KS_EXTERN ks_rc ks_store_seen_add(struct ks_store *st, const char *source,
                                  const char *delivery_id, int64_t at_ms);
/* Forgets deliveries seen before horizon_ms; *removed_out (may be NULL)
 * receives how many. */
KS_EXTERN ks_rc ks_store_seen_prune(int64_t *removed_out, struct ks_store *st,
                                    int64_t horizon_ms);

/* ---- encrypted credentials -------------------------------------------- */

/* Stores value encrypted with AES-256-GCM under the store's key (a fresh
 * random 96-bit nonce per value, the name bound as associated data).
 * KS_EINVAL when the store was opened without a key. */
KS_EXTERN ks_rc ks_store_secret_put(struct ks_store *st, const char *name,
                                    const char *value);
/* Decrypts a secret into *out; free it with ks_store_secret_dispose().
 * KS_ENOTFOUND when absent; KS_ECRYPTO when the ciphertext was altered or
 * moved to another name. Values longer than KS_STORE_TEXT_MAX are refused
 * by put. */
KS_EXTERN ks_rc ks_store_secret_get(char **out, struct ks_store *st,
                                    const char *name);
/* Zeroes and frees a decrypted secret; NULL-safe. */
KS_EXTERN void ks_store_secret_dispose(char *value);
/* Removes a secret; KS_ENOTFOUND when absent. Needs no key. */
KS_EXTERN ks_rc ks_store_secret_delete(struct ks_store *st, const char *name);

#ifdef __cplusplus
}
#endif

#endif
