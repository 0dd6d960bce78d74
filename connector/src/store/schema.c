/*
 * The store's schema, its migrations and the SQL of every statement.
 *
 * The schema version lives in PRAGMA user_version. Migration i takes a
 * database from version i to i + 1; the pending ones run in one
 * transaction together with the version bump, so a crash mid-migration
 * leaves the old version.
 */
#include <stdio.h>
#include "store/internal.h"

static const char *const migrations[] = {
    /* 0 -> 1: the initial schema. */
    "CREATE TABLE meta("
    "  key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE cursors("
    "  flow TEXT NOT NULL, entity TEXT NOT NULL, value TEXT NOT NULL,"
    "  PRIMARY KEY(flow, entity)) WITHOUT ROWID;"
    "CREATE TABLE id_map("
    "  kind TEXT NOT NULL, a_id TEXT NOT NULL, b_id TEXT NOT NULL,"
    "  PRIMARY KEY(kind, a_id), UNIQUE(kind, b_id));"
    "CREATE TABLE intents("
    "  seq INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL, source_id TEXT NOT NULL,"
    "  state INTEGER NOT NULL CHECK(state IN (1, 2)),"
    "  attempts INTEGER NOT NULL, payload_hash TEXT NOT NULL,"
    "  target_id TEXT, UNIQUE(kind, source_id));"
    "CREATE INDEX intents_pending ON intents(state, seq);"
    "CREATE TABLE audit("
    "  id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL,"
    "  flow TEXT NOT NULL, source_system TEXT NOT NULL,"
    "  source_id TEXT NOT NULL, target_system TEXT NOT NULL,"
    "  target_id TEXT, action TEXT NOT NULL,"
    "  outcome TEXT NOT NULL"
    "    CHECK(outcome IN ('ok','failed','skipped','duplicate')),"
    "  attempt INTEGER NOT NULL, detail TEXT);"
    "CREATE INDEX audit_flow ON audit(flow, id);"
    "CREATE TABLE outbox("
    "  id INTEGER PRIMARY KEY, flow TEXT NOT NULL, kind TEXT NOT NULL,"
    "  source_id TEXT NOT NULL, payload TEXT NOT NULL, reason TEXT,"
    "  attempts INTEGER NOT NULL, created_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL, resolved INTEGER NOT NULL DEFAULT 0,"
    "  UNIQUE(flow, kind, source_id));"
    "CREATE INDEX outbox_pending ON outbox(resolved, id);"
    "CREATE TABLE seen("
    "  source TEXT NOT NULL, delivery_id TEXT NOT NULL,"
    "  at_ms INTEGER NOT NULL,"
    "  PRIMARY KEY(source, delivery_id)) WITHOUT ROWID;"
    "CREATE INDEX seen_at ON seen(at_ms);"
    "CREATE TABLE secrets("
    "  name TEXT PRIMARY KEY, nonce BLOB NOT NULL,"
    "  ciphertext BLOB NOT NULL, tag BLOB NOT NULL) WITHOUT ROWID;",
    /* 1 -> 2: retention. Intents get the time they completed (those done
     * already count as done at the migration), and the kinds whose done
     * intents were ever pruned are remembered: for them an unknown source
     * may have been written before, so begin answers PENDING. */
    "ALTER TABLE intents ADD COLUMN done_ms INTEGER;"
    "UPDATE intents SET done_ms = " KS__STORE_NOW_MS " WHERE state = 2;"
    "CREATE INDEX intents_done ON intents(state, done_ms);"
    "CREATE INDEX audit_at ON audit(at_ms);"
    "CREATE TABLE intents_pruned(kind TEXT PRIMARY KEY) WITHOUT ROWID;",
};

#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

const char *const ks__store_sql[KS__ST_COUNT] = {
    [KS__ST_BEGIN] = "BEGIN IMMEDIATE",
    [KS__ST_COMMIT] = "COMMIT",
    [KS__ST_ROLLBACK] = "ROLLBACK",
    [KS__ST_SAVEPOINT] = "SAVEPOINT ks_op",
    [KS__ST_RELEASE] = "RELEASE ks_op",
    [KS__ST_ROLLBACK_TO] = "ROLLBACK TO ks_op",
    [KS__ST_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [KS__ST_META_PUT] = "INSERT OR REPLACE INTO meta(key, value) "
                        "VALUES(?1, ?2)",
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
                           "done_ms = " KS__STORE_NOW_MS " "
                           "WHERE kind = ?1 AND source_id = ?2 "
                           "AND state = 1",
    [KS__ST_INTENT_PRUNED] = "SELECT 1 FROM intents_pruned WHERE kind = ?1",
    [KS__ST_INTENT_PRUNE_MARK] =
        "INSERT OR IGNORE INTO intents_pruned(kind) SELECT DISTINCT kind "
        "FROM intents WHERE state = 2 AND done_ms < ?1",
    [KS__ST_INTENT_PRUNE] = "DELETE FROM intents WHERE state = 2 "
                            "AND done_ms < ?1",
    [KS__ST_AUDIT_PRUNE] = "DELETE FROM audit WHERE at_ms < ?1",
    [KS__ST_INTENT_NEXT_PENDING] =
        "SELECT kind, source_id, state, attempts, payload_hash, target_id, "
        "seq FROM intents WHERE state = 1 AND seq > ?1 "
        "AND (?2 IS NULL OR kind = ?2) ORDER BY seq LIMIT 1",
    [KS__ST_AUDIT_ADD] =
        "INSERT INTO audit(flow, source_system, source_id, target_system, "
        "target_id, action, outcome, attempt, detail, at_ms) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [KS__ST_AUDIT_NEXT] =
        "SELECT flow, source_system, source_id, target_system, target_id, "
        "action, outcome, attempt, detail, at_ms, id FROM audit "
        "WHERE id > ?1 AND (?2 IS NULL OR flow = ?2) "
        "AND (?3 IS NULL OR outcome = ?3) AND at_ms >= ?4 "
        "ORDER BY id LIMIT 1",
    [KS__ST_AUDIT_COUNT] = "SELECT count(*) FROM audit "
                           "WHERE (?1 IS NULL OR flow = ?1) "
                           "AND (?2 IS NULL OR outcome = ?2) "
                           "AND at_ms >= ?3",
    [KS__ST_OUTBOX_UPSERT] =
        "INSERT INTO outbox(flow, kind, source_id, payload, reason, "
        "attempts, created_ms, updated_ms) VALUES(?1, ?2, ?3, ?4, ?5, 1, "
        "?6, ?6) ON CONFLICT(flow, kind, source_id) DO UPDATE SET "
        "payload = excluded.payload, reason = excluded.reason, "
        "attempts = attempts + 1, updated_ms = excluded.updated_ms, "
        "resolved = 0 RETURNING id",
    [KS__ST_OUTBOX_NEXT] =
        "SELECT id, flow, kind, source_id, payload, reason, attempts, "
        "created_ms, updated_ms FROM outbox WHERE resolved = 0 AND id > ?1 "
        "AND (?2 IS NULL OR flow = ?2) ORDER BY id LIMIT 1",
    [KS__ST_OUTBOX_ATTEMPT] = "UPDATE outbox SET attempts = attempts + 1, "
                              "reason = coalesce(?2, reason), updated_ms = ?3 "
                              "WHERE id = ?1 AND resolved = 0",
    [KS__ST_OUTBOX_RESOLVE] = "UPDATE outbox SET resolved = 1 "
                              "WHERE id = ?1 AND resolved = 0",
    [KS__ST_OUTBOX_COUNT] = "SELECT count(*) FROM outbox WHERE resolved = 0 "
                            "AND (?1 IS NULL OR flow = ?1)",
    [KS__ST_SEEN_ADD] = "INSERT INTO seen(source, delivery_id, at_ms) "
                        "VALUES(?1, ?2, ?3) ON CONFLICT DO NOTHING",
    [KS__ST_SEEN_PRUNE] = "DELETE FROM seen WHERE at_ms < ?1",
    [KS__ST_SECRET_GET] = "SELECT nonce, ciphertext, tag FROM secrets "
                          "WHERE name = ?1",
    [KS__ST_SECRET_PUT] = "INSERT OR REPLACE INTO secrets(name, nonce, "
                          "ciphertext, tag) VALUES(?1, ?2, ?3, ?4)",
    [KS__ST_SECRET_DELETE] = "DELETE FROM secrets WHERE name = ?1",
};

static ks_rc exec_sql(struct ks_store *st, const char *sql, const char *what)
{
    if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return ks__store_sqlerr(st, what);
    return KS_OK;
}

static ks_rc read_version(int *out, struct ks_store *st)
{
    sqlite3_stmt *s = NULL;
    ks_rc rc = KS_OK;

    *out = 0;
    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) !=
        SQLITE_OK)
        return ks__store_sqlerr(st, "reading the schema version");
    if (sqlite3_step(s) == SQLITE_ROW)
        *out = sqlite3_column_int(s, 0);
    else
        rc = ks__store_sqlerr(st, "reading the schema version");
    sqlite3_finalize(s);
    return rc;
}

static ks_rc newer_than_supported(struct ks_store *st, int version)
{
    return ks__error_set(&st->err, KS_ESTATE, 0,
                         "database schema version %d is newer than "
                         "this kinsync supports (%d)",
                         version, SCHEMA_VERSION);
}

/* A current database is only read (no write lock, no commit: every open
 * of a scenario's or a restarted process's store). Otherwise every
 * pending migration runs in ONE write transaction with the version bump,
 * re-reading the version inside it so that two processes opening a new
 * file at once do not both migrate it; a crash leaves the old version. */
ks_rc ks__store_migrate(struct ks_store *st)
{
    char bump[48];
    int version;
    ks_rc rc = read_version(&version, st);

    if (rc == KS_OK && version > SCHEMA_VERSION)
        return newer_than_supported(st, version);
    if (rc || version == SCHEMA_VERSION)
        return rc;
    rc = exec_sql(st, "BEGIN IMMEDIATE", "starting a migration");
    if (rc)
        return rc;
    rc = read_version(&version, st);
    if (rc == KS_OK && version > SCHEMA_VERSION)
        rc = newer_than_supported(st, version);
    for (; rc == KS_OK && version < SCHEMA_VERSION; version++)
        rc = exec_sql(st, migrations[version], "migrating the schema");
    snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", SCHEMA_VERSION);
    if (rc == KS_OK)
        rc = exec_sql(st, bump, "recording the schema version");
    if (rc == KS_OK)
        rc = exec_sql(st, "COMMIT", "committing a migration");
    if (rc)
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}
