/*
 * The store's schema, its migrations and the SQL of every statement.
 *
 * The statements are shared by both backends (the drivers rewrite the
 * placeholders and tokens, store/internal.h); the DDL is each backend's
 * own, with the same versions. The schema version lives in PRAGMA
 * user_version (SQLite) or the table schema_version (PostgreSQL).
 * Migration i takes a database from version i to i + 1; the pending ones
 * run in one transaction together with the version bump, so a crash
 * mid-migration leaves the old version.
 */
#include "store/internal.h"

/*
 * The tables both backends' schemas have in common, in each one's types:
 * ID the type of an integer key the database assigns, INT64 a 64-bit
 * integer, NO_ROWID what follows a table kept in its primary key's order
 * (SQLite's WITHOUT ROWID; nothing in PostgreSQL).
 */
/* Part of 0 -> 1: cursors, the id map, intents, audit and the outbox. */
#define SYNC_TABLES(ID, INT64, NO_ROWID)                                       \
    "CREATE TABLE cursors("                                                    \
    "  flow TEXT NOT NULL, entity TEXT NOT NULL, value TEXT NOT NULL,"         \
    "  PRIMARY KEY(flow, entity))" NO_ROWID ";"                                \
    "CREATE TABLE id_map("                                                     \
    "  kind TEXT NOT NULL, a_id TEXT NOT NULL, b_id TEXT NOT NULL,"            \
    "  PRIMARY KEY(kind, a_id), UNIQUE(kind, b_id));"                          \
    "CREATE TABLE intents("                                                    \
    "  seq " ID ","                                                            \
    "  kind TEXT NOT NULL, source_id TEXT NOT NULL,"                           \
    "  state INTEGER NOT NULL CHECK(state IN (1, 2)),"                         \
    "  attempts INTEGER NOT NULL, payload_hash TEXT NOT NULL,"                 \
    "  target_id TEXT, UNIQUE(kind, source_id));"                              \
    "CREATE INDEX intents_pending ON intents(state, seq);"                     \
    "CREATE TABLE audit("                                                      \
    "  id " ID ", at_ms " INT64 " NOT NULL,"                                   \
    "  flow TEXT NOT NULL, source_system TEXT NOT NULL,"                       \
    "  source_id TEXT NOT NULL, target_system TEXT NOT NULL,"                  \
    "  target_id TEXT, action TEXT NOT NULL,"                                  \
    "  outcome TEXT NOT NULL"                                                  \
    "    CHECK(outcome IN ('ok','failed','skipped','duplicate')),"             \
    "  attempt INTEGER NOT NULL, detail TEXT);"                                \
    "CREATE INDEX audit_flow ON audit(flow, id);"                              \
    "CREATE TABLE outbox("                                                     \
    "  id " ID ", flow TEXT NOT NULL, kind TEXT NOT NULL,"                     \
    "  source_id TEXT NOT NULL, payload TEXT NOT NULL, reason TEXT,"           \
    "  attempts INTEGER NOT NULL, created_ms " INT64 " NOT NULL,"              \
    "  updated_ms " INT64 " NOT NULL, resolved INTEGER NOT NULL DEFAULT 0,"    \
    "  UNIQUE(flow, kind, source_id));"                                        \
    "CREATE INDEX outbox_pending ON outbox(resolved, id);"

/* 1 -> 2: retention. Intents get the time they completed (those done
 * already count as done at the migration), and the kinds whose done
 * intents were ever pruned are remembered: for them an unknown source
 * may have been written before, so begin answers PENDING. */
#define RETENTION(INT64, NO_ROWID)                                             \
    "ALTER TABLE intents ADD COLUMN done_ms " INT64 ";"                        \
    "UPDATE intents SET done_ms = NOW_MS WHERE state = 2;"                     \
    "CREATE INDEX intents_done ON intents(state, done_ms);"                    \
    "CREATE INDEX audit_at ON audit(at_ms);"                                   \
    "CREATE TABLE intents_pruned(kind TEXT PRIMARY KEY)" NO_ROWID ";"

/* 2 -> 3: many workers. Leases on (connection, flow), worker heartbeats,
 * the durable webhook queue (kinsync/store_workers.h). */
#define WORKERS_TABLES(ID)                                                     \
    "CREATE TABLE leases("                                                     \
    "  connection TEXT NOT NULL, flow TEXT NOT NULL,"                          \
    "  worker_id TEXT NOT NULL, acquired_ms BIGINT NOT NULL,"                  \
    "  expires_ms BIGINT NOT NULL, PRIMARY KEY(connection, flow));"            \
    "CREATE INDEX leases_worker ON leases(worker_id);"                         \
    "CREATE TABLE workers("                                                    \
    "  worker_id TEXT PRIMARY KEY, host TEXT NOT NULL, pid BIGINT NOT NULL,"   \
    "  started_ms BIGINT NOT NULL, last_seen_ms BIGINT NOT NULL);"             \
    "CREATE TABLE deliveries("                                                 \
    "  id " ID ", connection TEXT NOT NULL,"                                   \
    "  topic TEXT NOT NULL, resource_id TEXT NOT NULL, body TEXT NOT NULL,"    \
    "  attempts INTEGER NOT NULL, created_ms BIGINT NOT NULL,"                 \
    "  claimed_by TEXT, claim_expires_ms BIGINT);"                             \
    "CREATE INDEX deliveries_claim ON deliveries(claim_expires_ms, id);"

/* SQLite's own tables of 0 -> 1, before and after the shared ones. */
#define SQLITE_META                                                            \
    "CREATE TABLE meta("                                                       \
    "  key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;"
#define SQLITE_SEEN_SECRETS                                                    \
    "CREATE TABLE seen("                                                       \
    "  source TEXT NOT NULL, delivery_id TEXT NOT NULL,"                       \
    "  at_ms INTEGER NOT NULL,"                                                \
    "  PRIMARY KEY(source, delivery_id)) WITHOUT ROWID;"                       \
    "CREATE INDEX seen_at ON seen(at_ms);"                                     \
    "CREATE TABLE secrets("                                                    \
    "  name TEXT PRIMARY KEY, nonce BLOB NOT NULL,"                            \
    "  ciphertext BLOB NOT NULL, tag BLOB NOT NULL) WITHOUT ROWID;"

const char *const ks__store_sqlite_migrations[KS__STORE_SCHEMA_VERSION] = {
    /* 0 -> 1: the initial schema. */
    SQLITE_META SYNC_TABLES("INTEGER PRIMARY KEY", "INTEGER", " WITHOUT ROWID")
        SQLITE_SEEN_SECRETS,
    /* 1 -> 2: retention. */
    RETENTION("INTEGER", " WITHOUT ROWID"),
    WORKERS_TABLES("INTEGER PRIMARY KEY"),
};

/* The same schema in PostgreSQL's types: 64-bit integers where SQLite's
 * INTEGER is, bytea for BLOB, identity columns for INTEGER PRIMARY KEY. */
#define PG_ID "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
#define PG_META "CREATE TABLE meta(key TEXT PRIMARY KEY, value BYTEA NOT NULL);"
#define PG_SEEN_SECRETS                                                        \
    "CREATE TABLE seen("                                                       \
    "  source TEXT NOT NULL, delivery_id TEXT NOT NULL,"                       \
    "  at_ms BIGINT NOT NULL, PRIMARY KEY(source, delivery_id));"              \
    "CREATE INDEX seen_at ON seen(at_ms);"                                     \
    "CREATE TABLE secrets("                                                    \
    "  name TEXT PRIMARY KEY, nonce BYTEA NOT NULL,"                           \
    "  ciphertext BYTEA NOT NULL, tag BYTEA NOT NULL);"

const char *const ks__store_pg_migrations[KS__STORE_SCHEMA_VERSION] = {
    PG_META SYNC_TABLES(PG_ID, "BIGINT", "") PG_SEEN_SECRETS,
    RETENTION("BIGINT", ""),
    WORKERS_TABLES(PG_ID),
};

/* An optional filter is "(CAST(?N AS TEXT) IS NULL OR col = ?N)": the
 * cast gives PostgreSQL the parameter's type, which it cannot infer from
 * IS NULL alone. */
const char *const ks__store_sql[KS__ST_COUNT] = {
    [KS__ST_BEGIN] = "BEGIN IMMEDIATE",
    [KS__ST_COMMIT] = "COMMIT",
    [KS__ST_ROLLBACK] = "ROLLBACK",
    [KS__ST_SAVEPOINT] = "SAVEPOINT ks_op",
    [KS__ST_RELEASE] = "RELEASE ks_op",
    [KS__ST_ROLLBACK_TO] = "ROLLBACK TO ks_op",
    [KS__ST_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [KS__ST_META_PUT] = "INSERT INTO meta(key, value) VALUES(?1, ?2) "
                        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    [KS__ST_CURSOR_GET] = "SELECT value FROM cursors "
                          "WHERE flow = ?1 AND entity = ?2",
    [KS__ST_CURSOR_SET] = "INSERT INTO cursors(flow, entity, value) "
                          "VALUES(?1, ?2, ?3) ON CONFLICT(flow, entity) "
                          "DO UPDATE SET value = excluded.value",
    [KS__ST_MAP_GET] = "SELECT b_id FROM id_map WHERE kind = ?1 AND a_id = ?2",
    [KS__ST_MAP_REVERSE] = "SELECT a_id FROM id_map "
                           "WHERE kind = ?1 AND b_id = ?2",
    [KS__ST_MAP_INSERT] = "INSERT INTO id_map(kind, a_id, b_id) "
                          "VALUES(?1, ?2, ?3)",
    [KS__ST_MAP_DELETE] = "DELETE FROM id_map WHERE kind = ?1 AND a_id = ?2",
    [KS__ST_INTENT_GET] = "SELECT kind, source_id, state, attempts, "
                          "payload_hash, target_id FROM intents "
                          "WHERE kind = ?1 AND source_id = ?2",
    [KS__ST_INTENT_INSERT] = "INSERT INTO intents(kind, source_id, state, "
                             "attempts, payload_hash) "
                             "VALUES(?1, ?2, 1, 1, ?3)",
    [KS__ST_INTENT_RETRY] = "UPDATE intents SET attempts = attempts + 1, "
                            "payload_hash = ?3 "
                            "WHERE kind = ?1 AND source_id = ?2 "
                            "AND state = 1",
    [KS__ST_INTENT_DONE] = "UPDATE intents SET state = 2, target_id = ?3, "
                           "done_ms = NOW_MS "
                           "WHERE kind = ?1 AND source_id = ?2 "
                           "AND state = 1",
    [KS__ST_INTENT_PRUNED] = "SELECT 1 FROM intents_pruned WHERE kind = ?1",
    [KS__ST_INTENT_PRUNE_MARK] =
        "INSERT INTO intents_pruned(kind) SELECT DISTINCT kind "
        "FROM intents WHERE state = 2 AND done_ms < ?1 ON CONFLICT DO NOTHING",
    [KS__ST_INTENT_PRUNE] = "DELETE FROM intents WHERE state = 2 "
                            "AND done_ms < ?1",
    [KS__ST_AUDIT_PRUNE] = "DELETE FROM audit WHERE at_ms < ?1",
    [KS__ST_INTENT_NEXT_PENDING] =
        "SELECT kind, source_id, state, attempts, payload_hash, target_id, "
        "seq FROM intents WHERE state = 1 AND seq > ?1 "
        "AND (CAST(?2 AS TEXT) IS NULL OR kind = ?2) ORDER BY seq LIMIT 1",
    [KS__ST_AUDIT_ADD] =
        "INSERT INTO audit(flow, source_system, source_id, target_system, "
        "target_id, action, outcome, attempt, detail, at_ms) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [KS__ST_AUDIT_NEXT] =
        "SELECT flow, source_system, source_id, target_system, target_id, "
        "action, outcome, attempt, detail, at_ms, id FROM audit "
        "WHERE id > ?1 AND (CAST(?2 AS TEXT) IS NULL OR flow = ?2) "
        "AND (CAST(?3 AS TEXT) IS NULL OR outcome = ?3) AND at_ms >= ?4 "
        "ORDER BY id LIMIT 1",
    [KS__ST_AUDIT_COUNT] = "SELECT count(*) FROM audit "
                           "WHERE (CAST(?1 AS TEXT) IS NULL OR flow = ?1) "
                           "AND (CAST(?2 AS TEXT) IS NULL OR outcome = ?2) "
                           "AND at_ms >= ?3",
    [KS__ST_OUTBOX_UPSERT] =
        "INSERT INTO outbox(flow, kind, source_id, payload, reason, "
        "attempts, created_ms, updated_ms) VALUES(?1, ?2, ?3, ?4, ?5, 1, "
        "?6, ?6) ON CONFLICT(flow, kind, source_id) DO UPDATE SET "
        "payload = excluded.payload, reason = excluded.reason, "
        "attempts = outbox.attempts + 1, updated_ms = excluded.updated_ms, "
        "resolved = 0 RETURNING id",
    [KS__ST_OUTBOX_NEXT] =
        "SELECT id, flow, kind, source_id, payload, reason, attempts, "
        "created_ms, updated_ms FROM outbox WHERE resolved = 0 AND id > ?1 "
        "AND (CAST(?2 AS TEXT) IS NULL OR flow = ?2) ORDER BY id LIMIT 1",
    [KS__ST_OUTBOX_ATTEMPT] = "UPDATE outbox SET attempts = attempts + 1, "
                              "reason = coalesce(?2, reason), updated_ms = ?3 "
                              "WHERE id = ?1 AND resolved = 0",
    [KS__ST_OUTBOX_RESOLVE] = "UPDATE outbox SET resolved = 1 "
                              "WHERE id = ?1 AND resolved = 0",
    [KS__ST_OUTBOX_COUNT] = "SELECT count(*) FROM outbox WHERE resolved = 0 "
                            "AND (CAST(?1 AS TEXT) IS NULL OR flow = ?1)",
    [KS__ST_SEEN_ADD] = "INSERT INTO seen(source, delivery_id, at_ms) "
                        "VALUES(?1, ?2, ?3) ON CONFLICT DO NOTHING",
    [KS__ST_SEEN_PRUNE] = "DELETE FROM seen WHERE at_ms < ?1",
    [KS__ST_SECRET_GET] = "SELECT nonce, ciphertext, tag FROM secrets "
                          "WHERE name = ?1",
    [KS__ST_SECRET_PUT] = "INSERT INTO secrets(name, nonce, ciphertext, tag) "
                          "VALUES(?1, ?2, ?3, ?4) ON CONFLICT(name) DO UPDATE "
                          "SET nonce = excluded.nonce, "
                          "ciphertext = excluded.ciphertext, "
                          "tag = excluded.tag",
    [KS__ST_SECRET_DELETE] = "DELETE FROM secrets WHERE name = ?1",
    /* A free, expired or own lease changes hands (or is renewed) in one
     * statement: the conflict's WHERE decides, atomically; 0 rows changed
     * means another worker holds it. */
    [KS__ST_LEASE_TAKE] =
        "INSERT INTO leases(connection, flow, worker_id, acquired_ms, "
        "expires_ms) VALUES(?1, ?2, ?3, NOW_MS, NOW_MS + ?4) "
        "ON CONFLICT(connection, flow) DO UPDATE SET "
        "worker_id = excluded.worker_id, "
        "acquired_ms = CASE WHEN leases.worker_id = excluded.worker_id "
        "THEN leases.acquired_ms ELSE excluded.acquired_ms END, "
        "expires_ms = excluded.expires_ms "
        "WHERE leases.worker_id = excluded.worker_id "
        "OR leases.expires_ms <= NOW_MS",
    [KS__ST_LEASE_GET] = "SELECT connection, flow, worker_id, acquired_ms, "
                         "expires_ms, expires_ms > NOW_MS FROM leases "
                         "WHERE connection = ?1 AND flow = ?2",
    [KS__ST_LEASE_RENEW] = "UPDATE leases SET expires_ms = NOW_MS + ?4 "
                           "WHERE connection = ?1 AND flow = ?2 "
                           "AND worker_id = ?3",
    [KS__ST_LEASE_RELEASE] = "DELETE FROM leases WHERE connection = ?1 "
                             "AND flow = ?2 AND worker_id = ?3",
    [KS__ST_LEASE_NEXT] = "SELECT connection, flow, worker_id, acquired_ms, "
                          "expires_ms, expires_ms > NOW_MS FROM leases "
                          "WHERE (connection, flow) > (?1, ?2) "
                          "ORDER BY connection, flow LIMIT 1",
    [KS__ST_LEASE_RELEASE_ALL] = "DELETE FROM leases WHERE worker_id = ?1",
    [KS__ST_WORKER_BEAT] =
        "INSERT INTO workers(worker_id, host, pid, started_ms, last_seen_ms) "
        "VALUES(?1, ?2, ?3, NOW_MS, NOW_MS) ON CONFLICT(worker_id) DO UPDATE "
        "SET host = excluded.host, pid = excluded.pid, "
        "last_seen_ms = excluded.last_seen_ms",
    [KS__ST_WORKER_DELETE] = "DELETE FROM workers WHERE worker_id = ?1",
    [KS__ST_WORKER_NEXT] = "SELECT worker_id, host, pid, started_ms, "
                           "last_seen_ms, NOW_MS - last_seen_ms FROM workers "
                           "WHERE worker_id > ?1 "
                           "ORDER BY worker_id LIMIT 1",
    [KS__ST_DELIVERY_ADD] =
        "INSERT INTO deliveries(connection, topic, resource_id, body, "
        "attempts, created_ms) VALUES(?1, ?2, ?3, ?4, 0, NOW_MS) RETURNING id",
    /* The oldest unclaimed or expired delivery, locked so that workers
     * claiming at once skip each other's rows instead of waiting. */
    [KS__ST_DELIVERY_CLAIM] =
        "UPDATE deliveries SET claimed_by = ?2, "
        "claim_expires_ms = NOW_MS + ?3, attempts = attempts + 1 "
        "WHERE id = (SELECT id FROM deliveries "
        "WHERE (claim_expires_ms IS NULL OR claim_expires_ms <= NOW_MS) "
        "AND (CAST(?1 AS TEXT) IS NULL OR connection = ?1) ORDER BY id LIMIT 1 "
        "SKIP_LOCKED) RETURNING id, connection, topic, resource_id, body, "
        "attempts, created_ms",
    [KS__ST_DELIVERY_DONE] = "DELETE FROM deliveries WHERE id = ?1",
    [KS__ST_DELIVERY_RELEASE] =
        "UPDATE deliveries SET claimed_by = NULL, claim_expires_ms = NULL "
        "WHERE id = ?1 AND claimed_by = ?2",
    [KS__ST_DELIVERY_COUNT] =
        "SELECT count(*) FROM deliveries "
        "WHERE (CAST(?1 AS TEXT) IS NULL OR connection = ?1)",
};

/* Runs migration i in the driver's dialect. */
static ks_rc run_migration(struct ks_store *st, int i)
{
    char *sql =
        ks__store_sql_rewrite(st->drv->migrations[i], '?', st->drv->tokens);
    ks_rc rc;

    if (!sql)
        return ks__error_set(&st->err, KS_ENOMEM, 0,
                             "migrating the schema: out of memory");
    rc = st->drv->exec(st, sql, "migrating the schema");
    ks__free(sql);
    return rc;
}

static ks_rc newer_than_supported(struct ks_store *st, int version)
{
    return ks__error_set(&st->err, KS_ESTATE, 0,
                         "database schema version %d is newer than "
                         "this kinsync supports (%d)",
                         version, KS__STORE_SCHEMA_VERSION);
}

/* A current database is only read (no write lock, no commit: every open
 * of a scenario's or a restarted process's store). Otherwise every
 * pending migration runs in ONE write transaction with the version bump,
 * re-reading the version inside it (after the driver's migration lock)
 * so that two processes opening a new database at once do not both
 * migrate it; a crash leaves the old version. */
ks_rc ks__store_migrate(struct ks_store *st)
{
    const struct ks__db_driver *drv = st->drv;
    int version;
    ks_rc rc = drv->version_get(&version, st);

    if (rc == KS_OK && version > KS__STORE_SCHEMA_VERSION)
        return newer_than_supported(st, version);
    if (rc || version == KS__STORE_SCHEMA_VERSION)
        return rc;
    rc = drv->exec(st, drv->begin_sql, "starting a migration");
    if (rc)
        return rc;
    if (drv->migrate_lock)
        rc = drv->exec(st, drv->migrate_lock, "locking the schema");
    if (rc == KS_OK)
        rc = drv->version_get(&version, st);
    if (rc == KS_OK && version > KS__STORE_SCHEMA_VERSION)
        rc = newer_than_supported(st, version);
    for (; rc == KS_OK && version < KS__STORE_SCHEMA_VERSION; version++)
        rc = run_migration(st, version);
    if (rc == KS_OK)
        rc = drv->version_set(st, KS__STORE_SCHEMA_VERSION);
    if (rc == KS_OK)
        rc = drv->exec(st, "COMMIT", "committing a migration");
    if (rc && drv->in_transaction(st))
        (void)drv->exec(st, "ROLLBACK", "rolling back a migration");
    return rc;
}
