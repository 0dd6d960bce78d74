/*
 * The store's database driver over SQLite: a file (WAL, synchronous=FULL,
 * private to its owner) or a private in-memory database. The contract of
 * each function is the one of struct ks__db_driver (store/internal.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include "store/internal.h"

#define DEFAULT_BUSY_TIMEOUT_MS 5000
#define PATH_MAX_BYTES 4096

static sqlite3 *db_of(struct ks_store *st)
{
    return st->db;
}

static sqlite3_stmt *stmt_of(struct ks__stmt *s)
{
    return s->impl;
}

static ks_rc sq_err(struct ks_store *st, const char *what)
{
    int code = sqlite3_errcode(db_of(st));

    if (code == SQLITE_NOMEM)
        return ks__error_set(&st->err, KS_ENOMEM, 0, "%s: out of memory", what);
    return ks__error_set(&st->err, KS_ESTATE, 0, "%s: %s", what,
                         sqlite3_errmsg(db_of(st)));
}

static int sq_last_was_unique(struct ks_store *st)
{
    int code = sqlite3_extended_errcode(db_of(st));

    return code == SQLITE_CONSTRAINT_UNIQUE ||
           code == SQLITE_CONSTRAINT_PRIMARYKEY;
}

static ks_rc sq_exec(struct ks_store *st, const char *sql, const char *what)
{
    if (sqlite3_exec(db_of(st), sql, NULL, NULL, NULL) != SQLITE_OK)
        return sq_err(st, what);
    return KS_OK;
}

static const char *const sq_tokens[] = {
    "NOW_MS", "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)",
    "SKIP_LOCKED", "", NULL};

static ks_rc sq_prepare(struct ks__stmt *s, const char *sql)
{
    sqlite3_stmt *ps = NULL;
    char *text = ks__store_sql_rewrite(sql, '?', sq_tokens);

    if (!text)
        return ks__error_set(&s->st->err, KS_ENOMEM, 0,
                             "preparing a statement: out of memory");
    if (sqlite3_prepare_v3(db_of(s->st), text, -1, SQLITE_PREPARE_PERSISTENT,
                           &ps, NULL) != SQLITE_OK) {
        ks__free(text);
        return sq_err(s->st, "preparing a statement");
    }
    ks__free(text);
    s->impl = ps;
    return KS_OK;
}

static void sq_finalize(struct ks__stmt *s)
{
    sqlite3_finalize(stmt_of(s));
    s->impl = NULL;
}

static void sq_reset(struct ks__stmt *s)
{
    sqlite3_reset(stmt_of(s));
    sqlite3_clear_bindings(stmt_of(s));
}

static ks_rc sq_bind_text(struct ks__stmt *s, int idx, const char *text)
{
    int src = text ? sqlite3_bind_text(stmt_of(s), idx, text, -1, SQLITE_STATIC)
                   : sqlite3_bind_null(stmt_of(s), idx);

    return src == SQLITE_OK ? KS_OK : sq_err(s->st, "binding a parameter");
}

static ks_rc sq_bind_int64(struct ks__stmt *s, int idx, int64_t v)
{
    if (sqlite3_bind_int64(stmt_of(s), idx, v) != SQLITE_OK)
        return sq_err(s->st, "binding a parameter");
    return KS_OK;
}

static ks_rc sq_bind_blob(struct ks__stmt *s, int idx, const void *p, size_t n)
{
    if (n > KS_STORE_TEXT_MAX || sqlite3_bind_blob(stmt_of(s), idx, p, (int)n,
                                                   SQLITE_STATIC) != SQLITE_OK)
        return sq_err(s->st, "binding a parameter");
    return KS_OK;
}

static int sq_step(struct ks__stmt *s, const char *what)
{
    int src = sqlite3_step(stmt_of(s));

    if (src == SQLITE_ROW)
        return KS__DB_ROW;
    if (src == SQLITE_DONE)
        return KS__DB_DONE;
    return (int)sq_err(s->st, what);
}

static const char *sq_col_text(struct ks__stmt *s, int col)
{
    return (const char *)sqlite3_column_text(stmt_of(s), col);
}

static int64_t sq_col_int64(struct ks__stmt *s, int col)
{
    return sqlite3_column_int64(stmt_of(s), col);
}

static const void *sq_col_blob(struct ks__stmt *s, int col, size_t *len)
{
    const void *p = sqlite3_column_blob(stmt_of(s), col);

    *len = (size_t)sqlite3_column_bytes(stmt_of(s), col);
    return p;
}

static int64_t sq_changes(struct ks_store *st)
{
    return sqlite3_changes64(db_of(st));
}

static int sq_in_transaction(struct ks_store *st)
{
    return !sqlite3_get_autocommit(db_of(st));
}

static ks_rc sq_version_get(int *out, struct ks_store *st)
{
    sqlite3_stmt *s = NULL;
    ks_rc rc = KS_OK;

    *out = 0;
    if (sqlite3_prepare_v2(db_of(st), "PRAGMA user_version", -1, &s, NULL) !=
        SQLITE_OK)
        return sq_err(st, "reading the schema version");
    if (sqlite3_step(s) == SQLITE_ROW)
        *out = sqlite3_column_int(s, 0);
    else
        rc = sq_err(st, "reading the schema version");
    sqlite3_finalize(s);
    return rc;
}

/* The version lives in PRAGMA user_version (files of every kinsync
 * release have it there). */
static ks_rc sq_version_set(struct ks_store *st, int version)
{
    char sql[48];

    snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version);
    return sq_exec(st, sql, "recording the schema version");
}

/* Makes path private to its owner: created 0600 when absent (the umask
 * can only narrow that), group and other permissions removed from an
 * existing regular file (an older kinsync created them 0644). create 0:
 * only an existing file is touched. */
/* Never opens and closes an existing file: closing any descriptor of a
 * file drops every POSIX lock this process holds on it, so a second store
 * handle in the same process would lose SQLite's locks and another process
 * could checkpoint and delete the WAL under it. An existing file is
 * tightened by name; an absent one is created exclusively, so no handle of
 * this process can have it open yet. */
static ks_rc private_file(struct ks_store *st, const char *path, int create)
{
    struct stat sb;
    int fd;

    if (stat(path, &sb) == 0) {
        if (S_ISREG(sb.st_mode) && (sb.st_mode & 077))
            (void)chmod(path, sb.st_mode & 0700);
        return KS_OK;
    }
    if (!create)
        return KS_OK;
    fd = open(path, O_RDWR | O_CLOEXEC | O_CREAT | O_EXCL, 0600);
    if (fd < 0 && errno != EEXIST)
        return ks__error_set(&st->err, KS_ESTATE, 0,
                             "creating the store file: %s", strerror(errno));
    if (fd >= 0)
        close(fd);
    return KS_OK;
}

/* The state file, its WAL and its shared-memory index hold payloads,
 * customer e-mails and the audit trail: owner only. SQLite creates the
 * -wal and -shm files with the database file's permissions, so they
 * follow the main file once it is private; existing ones are tightened
 * here too. */
static ks_rc private_files(struct ks_store *st, const char *path)
{
    static const char *const suffix[] = {"-wal", "-shm"};
    ks_rc rc = private_file(st, path, 1);

    for (size_t i = 0; rc == KS_OK && i < 2; i++) {
        char *side = ks__aprintf("%s%s", path, suffix[i]);

        if (!side)
            return ks__error_set(&st->err, KS_ENOMEM, 0,
                                 "opening the store: out of memory");
        rc = private_file(st, side, 0);
        ks__free(side);
    }
    return rc;
}

static ks_rc sq_open(struct ks_store *st, const struct ks_store_options *o)
{
    const char *path = o->path ? o->path : ":memory:";
    int in_memory = strcmp(path, ":memory:") == 0;
    sqlite3 *db = NULL;
    int src;
    ks_rc rc;

    if (!*path || strnlen(path, PATH_MAX_BYTES + 1) > PATH_MAX_BYTES)
        return ks__error_set(&st->err, KS_EINVAL, 0,
                             "store path is empty or too long");
    if (!in_memory) {
        rc = private_files(st, path);
        if (rc)
            return rc;
    }
    src = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                          NULL);
    st->db = db;
    if (src != SQLITE_OK) {
        if (!db)
            return ks__error_set(&st->err, KS_ENOMEM, 0,
                                 "opening the store: out of memory");
        return sq_err(st, "opening the store");
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, o->busy_timeout_ms > 0 ? o->busy_timeout_ms
                                                    : DEFAULT_BUSY_TIMEOUT_MS);
    /* WAL lets readers run beside the writer; FULL syncs the WAL on every
     * commit, so an intent is on disk before the remote write it guards. */
    rc = in_memory ? KS_OK
                   : sq_exec(st, "PRAGMA journal_mode = WAL",
                             "configuring the database");
    if (rc == KS_OK)
        rc = sq_exec(st, "PRAGMA synchronous = FULL",
                     "configuring the database");
    return rc;
}

static void sq_close(struct ks_store *st)
{
    sqlite3_close(db_of(st));
    st->db = NULL;
}

const struct ks__db_driver ks__db_sqlite = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .prepare = sq_prepare,
    .finalize = sq_finalize,
    .reset = sq_reset,
    .bind_text = sq_bind_text,
    .bind_int64 = sq_bind_int64,
    .bind_blob = sq_bind_blob,
    .step = sq_step,
    .col_text = sq_col_text,
    .col_int64 = sq_col_int64,
    .col_blob = sq_col_blob,
    .changes = sq_changes,
    .exec = sq_exec,
    .in_transaction = sq_in_transaction,
    .err = sq_err,
    .last_was_unique = sq_last_was_unique,
    .version_get = sq_version_get,
    .version_set = sq_version_set,
    /* Writers take the lock up front: waits happen here, never as a
     * deadlock on lock upgrade. */
    .begin_sql = "BEGIN IMMEDIATE",
    .migrate_lock = NULL,
    .unsynced_sql = "PRAGMA synchronous = OFF",
    .migrations = ks__store_sqlite_migrations,
    .tokens = sq_tokens,
};
