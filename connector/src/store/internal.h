/*
 * Internals of the state store shared between its source files, and the
 * crash-point hook other modules (the sync engine, the harness) call.
 */
#ifndef KS_STORE_INTERNAL_H
#define KS_STORE_INTERNAL_H

#include <stdint.h>
#include "core/internal.h"
#include "kinsync/store.h"

/* Every statement the store runs, prepared once at open. */
enum ks__store_stmt_id {
    KS__ST_BEGIN,
    KS__ST_COMMIT,
    KS__ST_ROLLBACK,
    KS__ST_SAVEPOINT,
    KS__ST_RELEASE,
    KS__ST_ROLLBACK_TO,
    KS__ST_META_GET,
    KS__ST_META_PUT,
    KS__ST_CURSOR_GET,
    KS__ST_CURSOR_SET,
    KS__ST_MAP_GET,
    KS__ST_MAP_REVERSE,
    KS__ST_MAP_INSERT,
    KS__ST_MAP_DELETE,
    KS__ST_INTENT_GET,
    KS__ST_INTENT_INSERT,
    KS__ST_INTENT_RETRY,
    KS__ST_INTENT_DONE,
    KS__ST_INTENT_NEXT_PENDING,
    KS__ST_INTENT_PRUNED,
    KS__ST_INTENT_PRUNE_MARK,
    KS__ST_INTENT_PRUNE,
    KS__ST_AUDIT_PRUNE,
    KS__ST_AUDIT_ADD,
    KS__ST_AUDIT_NEXT,
    KS__ST_AUDIT_COUNT,
    KS__ST_OUTBOX_UPSERT,
    KS__ST_OUTBOX_NEXT,
    KS__ST_OUTBOX_ATTEMPT,
    KS__ST_OUTBOX_RESOLVE,
    KS__ST_OUTBOX_COUNT,
    KS__ST_SEEN_ADD,
    KS__ST_SEEN_PRUNE,
    KS__ST_SECRET_GET,
    KS__ST_SECRET_PUT,
    KS__ST_SECRET_DELETE,
    KS__ST_LEASE_TAKE,
    KS__ST_LEASE_GET,
    KS__ST_LEASE_RENEW,
    KS__ST_LEASE_RELEASE,
    KS__ST_LEASE_NEXT,
    KS__ST_LEASE_RELEASE_ALL,
    KS__ST_WORKER_BEAT,
    KS__ST_WORKER_DELETE,
    KS__ST_WORKER_NEXT,
    KS__ST_DELIVERY_ADD,
    KS__ST_DELIVERY_CLAIM,
    KS__ST_DELIVERY_DONE,
    KS__ST_DELIVERY_RELEASE,
    KS__ST_DELIVERY_COUNT,
    KS__ST_COUNT
};

/* Iterators that must not be re-entered from their own callback. */
enum ks__store_iter {
    KS__IT_INTENT,
    KS__IT_AUDIT,
    KS__IT_OUTBOX,
    KS__IT_LEASE,
    KS__IT_WORKER,
    KS__IT_COUNT
};

/*
 * ---- the database driver ------------------------------------------------
 *
 * The store's logic is written once, against this small driver; one
 * implementation per backend: db_sqlite.c (a file or :memory:) and
 * db_pg.c (libpq, "postgresql://..."). The SQL of the statements is
 * shared (schema.c), written with ?N placeholders and two tokens, NOW_MS
 * (the database's wall clock in Unix ms) and SKIP_LOCKED (PostgreSQL's
 * row lock that skips rows other transactions hold; nothing on SQLite,
 * whose write transactions are serial), which each driver rewrites into
 * its own dialect when it prepares them; only the schema's DDL differs.
 *
 * A statement is bound, then stepped: step gives KS__DB_ROW while rows
 * come, KS__DB_DONE at the end, or a negative ks_rc recorded in st->err.
 * Column values are borrowed until the next reset of that statement.
 * Every failure is recorded through err(), one line, never the URI or a
 * password.
 */
enum { KS__DB_DONE = 0, KS__DB_ROW = 1 };

struct ks__stmt {
    struct ks_store *st;
    void *impl; /* the driver's prepared statement */
};

struct ks__db_driver {
    const char *name; /* "sqlite", "postgresql" */
    ks_rc (*open)(struct ks_store *st, const struct ks_store_options *o);
    void (*close)(struct ks_store *st);
    /* Prepares sql (shared dialect) into s->impl. */
    ks_rc (*prepare)(struct ks__stmt *s, const char *sql);
    void (*finalize)(struct ks__stmt *s);
    void (*reset)(struct ks__stmt *s); /* also clears the bindings */
    /* idx is 1-based; the values are borrowed until the next reset. */
    ks_rc (*bind_text)(struct ks__stmt *s, int idx, const char *text);
    ks_rc (*bind_int64)(struct ks__stmt *s, int idx, int64_t v);
    ks_rc (*bind_blob)(struct ks__stmt *s, int idx, const void *p, size_t n);
    int (*step)(struct ks__stmt *s, const char *what);
    const char *(*col_text)(struct ks__stmt *s, int col); /* NULL: NULL */
    int64_t (*col_int64)(struct ks__stmt *s, int col);
    const void *(*col_blob)(struct ks__stmt *s, int col, size_t *len);
    /* Rows changed by the last statement that finished. */
    int64_t (*changes)(struct ks_store *st);
    /* Runs SQL without parameters (several statements allowed). */
    ks_rc (*exec)(struct ks_store *st, const char *sql, const char *what);
    /* 1 while a transaction is open (or failed and not rolled back). */
    int (*in_transaction)(struct ks_store *st);
    /* Records the driver's current error as "<what>: <message>". */
    ks_rc (*err)(struct ks_store *st, const char *what);
    /* 1 when the last failure was a unique-constraint violation. */
    int (*last_was_unique)(struct ks_store *st);
    /* The schema version, 0 for an empty database; and its update
     * (inside the migration transaction). */
    ks_rc (*version_get)(int *out, struct ks_store *st);
    ks_rc (*version_set)(struct ks_store *st, int version);
    const char *begin_sql;         /* a write transaction, locks taken early */
    const char *migrate_lock;      /* run after begin_sql when migrating */
    const char *unsynced_sql;      /* commits without waiting for the disk */
    const char *const *migrations; /* DDL: migration i takes i to i + 1 */
    const char *const *tokens;     /* for ks__store_sql_rewrite() */
};

/* Both backends' schemas have the same versions, each its own DDL
 * (schema.c); KS__STORE_SCHEMA_VERSION migrations each. */
#define KS__STORE_SCHEMA_VERSION 3
extern const char *const ks__store_sqlite_migrations[];
extern const char *const ks__store_pg_migrations[];

extern const struct ks__db_driver ks__db_sqlite;
extern const struct ks__db_driver ks__db_pg;

/* Rewrites shared SQL into a driver's dialect: "?N" becomes
 * param_prefix N, and each token (upper-case words: tokens holds name,
 * value, name, value, ..., NULL) its value. ks-allocated; NULL when out
 * of memory. */
char *ks__store_sql_rewrite(const char *sql, char param_prefix,
                            const char *const *tokens);

struct ks_store {
    const struct ks__db_driver *drv;
    void *db; /* the driver's connection */
    struct ks__stmt stmt[KS__ST_COUNT];
    struct ks_error err;
    int in_group; /* ks_store_begin() is open */
    int iterating[KS__IT_COUNT];
    struct ks_secret *key_hex; /* 64 hex chars; NULL without a key */
    char *crash_name;          /* armed crash point, or NULL */
    unsigned long crash_nth;   /* fire on this hit (1-based) */
    unsigned long crash_hits;
    int crashed; /* a crash point fired: store is dead */
};

/* SQL of each statement in the shared dialect (store/schema.c). */
extern const char *const ks__store_sql[KS__ST_COUNT];

/* Brings the schema to the latest version; fails on a newer database. */
ks_rc ks__store_migrate(struct ks_store *st);

/* Start of every public call: clears the last error, refuses a crashed
 * store. */
ks_rc ks__store_enter(struct ks_store *st);

/* The statement, reset and with bindings cleared. */
struct ks__stmt *ks__store_stmt(struct ks_store *st, enum ks__store_stmt_id id);

/* Records the database's current error for a failed step/bind: KS_ENOMEM
 * when it ran out of memory, KS_ESTATE with "<what>: <message>" otherwise. */
ks_rc ks__store_sqlerr(struct ks_store *st, const char *what);

/* Steps a statement expected to finish without rows (or whose rows are
 * ignored), then resets it. */
ks_rc ks__store_exec(struct ks_store *st, struct ks__stmt *s, const char *what);

/* Binds texts[0..n) to the parameters 1..n of statement id and runs it
 * like ks__store_exec (the statement is reset either way). */
ks_rc ks__store_run(struct ks_store *st, enum ks__store_stmt_id id,
                    const char *what, const char *const *texts, int n);

/* Binds text (borrowed: the caller keeps it alive until reset); NULL
 * binds SQL NULL. */
ks_rc ks__store_bind_text(struct ks_store *st, struct ks__stmt *s, int idx,
                          const char *text);
/* Binds texts[0..n) to the parameters 1..n of s, like ks__store_bind_text. */
ks_rc ks__store_bind_texts(struct ks_store *st, struct ks__stmt *s,
                           const char *const *texts, int n);
ks_rc ks__store_bind_int64(struct ks__stmt *s, int idx, int64_t v);
ks_rc ks__store_bind_blob(struct ks__stmt *s, int idx, const void *p, size_t n);
/* KS__DB_ROW, KS__DB_DONE, or a negative ks_rc (recorded, with what). */
int ks__store_step(struct ks__stmt *s, const char *what);
const char *ks__store_col_text(struct ks__stmt *s, int col);
int64_t ks__store_col_int64(struct ks__stmt *s, int col);
const void *ks__store_col_blob(struct ks__stmt *s, int col, size_t *len);
void ks__store_reset(struct ks__stmt *s);
/* Steps s once and reads the first column of the row it must give
 * (count(*), RETURNING id) into *out; s is not reset. */
ks_rc ks__store_count(int64_t *out, struct ks__stmt *s, const char *what);
/* 1 when the last failure was a unique-constraint violation (two
 * workers inserting the same key at once: the second one loses). */
int ks__store_unique_violation(struct ks_store *st);
/* Replaces the recorded error with rc and message (one line). */
ks_rc ks__store_reset_error(struct ks_store *st, ks_rc rc, const char *message);
/* Rows changed by the last finished statement. */
int64_t ks__store_changes(struct ks_store *st);

/* Validates a required id-like argument: non-NULL, non-empty, at most
 * KS_STORE_ID_MAX bytes. Optional ones pass NULL through when optional. */
ks_rc ks__store_check_id(struct ks_store *st, const char *what,
                         const char *value, int optional);
/* Same for payloads and details (KS_STORE_TEXT_MAX, may be empty). */
ks_rc ks__store_check_text(struct ks_store *st, const char *what,
                           const char *value, int optional);

/* Validates a row id argument (outbox item, delivery): positive; what
 * names it in the error ("outbox id"). */
ks_rc ks__store_check_row_id(struct ks_store *st, const char *what, int64_t id);
/* Validates a time span in ms added to the database's clock (lease time,
 * visibility time): 1 ms to a year, so NOW_MS + ms cannot overflow. */
ks_rc ks__store_check_duration(struct ks_store *st, const char *what,
                               int64_t ms);

/* Copies a bounded string into a fixed field of KS_STORE_ID_MAX + 1. */
void ks__store_copy_field(char *dst, const char *src);

/*
 * One atomic operation: BEGIN IMMEDIATE outside a group, a savepoint
 * inside one. op_end commits when rc is KS_OK (checking crash point
 * `crash` first, if non-NULL) and rolls back otherwise; it returns the
 * final code.
 */
ks_rc ks__store_op_begin(struct ks_store *st);
ks_rc ks__store_op_end(struct ks_store *st, ks_rc rc, const char *crash);

/* *pruned: 1 when done intents of kind were ever pruned (retention.c). */
ks_rc ks__store_intent_kind_pruned(int *pruned, struct ks_store *st,
                                   const char *kind);

/* Loads the key named by the options into st->key_hex and checks or
 * records its check value (store/secrets.c). */
ks_rc ks__store_key_init(struct ks_store *st,
                         const struct ks_store_options *opts);

/*
 * A listing the caller's callback may change as it goes (resolve the
 * outbox item it is handed, complete the intent): one row per query of
 * stmt, bound to (key of the last row, filter), so no statement is left
 * mid-scan across the callback. row() reads the current row, sets *key,
 * and returns the caller's verdict (0 go on, > 0 stop, < 0 a ks_rc to
 * return); it may reset the statement first when it copied the row.
 */
struct ks__store_scan {
    enum ks__store_iter iter;    /* not re-entrant from its own callback */
    enum ks__store_stmt_id stmt; /* ?1 last key, ?2 filter */
    const char *noun;            /* "intent": "intent iteration is ..." */
    const char *filter_name;     /* "kind": in the message of a bad filter */
    const char *filter;          /* NULL: every row */
    const char *what;            /* "listing intents": the SQL error */
    int (*row)(void *ctx, struct ks__stmt *s, int64_t *key);
    void *ctx;
};

/* Starts listing iter: KS_EINVAL when cb_given is 0 (the caller's
 * callback is missing) or the listing is already running; otherwise
 * marks it running (the caller clears st->iterating[iter] at the end). */
ks_rc ks__store_iter_start(struct ks_store *st, enum ks__store_iter iter,
                           int cb_given, const char *noun);
/* Runs a scan; KS_EINVAL when cb_given is 0 (the caller's callback is
 * missing) or the listing is already running. */
ks_rc ks__store_scan(struct ks_store *st, const struct ks__store_scan *scan,
                     int cb_given);

/*
 * ---- crash points (tests only) ----------------------------------------
 *
 * A crash point is a named place in a protocol where a real process could
 * die. ks__store_crash_point() returns KS_OK unless a test armed the store
 * (ks_testing_store_crash_arm() in kinsync/testing.h) with this point,
 * "name" (first hit) or "name:N" (N-th hit), "*" for any name. When it fires it
 * returns KS_ECRASH, rolls back any open transaction (what a dead process
 * loses) and marks the store dead: every later call returns KS_ECRASH, so code
 * that ignores the code cannot go on writing. The test then closes the store
 * and reopens it unarmed, as a restarted process would.
 *
 * Points inside the store itself:
 *   store.intent_begin.before_commit    intent not recorded
 *   store.intent_complete.before_commit intent stays pending
 *   store.outbox_add.before_commit      failed write not queued
 * Points the sync engine checks (connector/src/sync/README.md lists
 * them with their flows): after_intent_begin, after_order_header,
 * after_order_line, after_remote_write, after_intent_complete, ... The
 * name "*" armed matches every point ("*:N": the N-th point reached).
 */
ks_rc ks__store_crash_point(struct ks_store *st, const char *name);
/* 1 once a crash point fired. */
int ks__store_crashed(const struct ks_store *st);

#endif
