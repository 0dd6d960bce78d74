/*
 * The store's database driver over PostgreSQL (libpq): the state string
 * "postgresql://..." or "postgres://..." is handed to libpq as it is, so
 * the user, host, database and password come from the URI, the PG*
 * environment variables or ~/.pgpass exactly as libpq reads them. The URI
 * is never copied into a message (it may hold a password). The contract
 * of each function is the one of struct ks__db_driver (store/internal.h).
 *
 * Statements are prepared on the server once per connection and run with
 * PQexecPrepared: parameters as text (integers formatted here) or binary
 * (bytea), results in binary so that bytea and integers need no
 * unescaping; libpq ends every value with a NUL, so text columns are C
 * strings. A result is fetched whole and its rows are handed out by step.
 * Transactions run at READ COMMITTED; the statements that must be atomic
 * across workers are single statements (INSERT ... ON CONFLICT ... WHERE,
 * UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED)).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>
#include "store/internal.h"

#define DEFAULT_LOCK_TIMEOUT_MS 5000
#define MAX_PARAMS 12
#define MSG_MAX 400
/* Serialises the migrations of processes opening one database at once. */
#define MIGRATION_LOCK_KEY "7305872641"

struct pg_db {
    PGconn *conn;
    int64_t changes;
    int prepared; /* statements prepared so far: their names */
    int nomem;    /* the last failure was libpq running out of memory */
    char sqlstate[6];
    char msg[MSG_MAX];
};

struct pg_stmt {
    char name[16];
    int nparams;
    const char *values[MAX_PARAMS];
    int lengths[MAX_PARAMS];
    int formats[MAX_PARAMS];
    char ints[MAX_PARAMS][24];
    PGresult *res;
    int row; /* rows handed out; the current one is row - 1 */
    int ntuples;
};

static struct pg_db *db_of(struct ks_store *st)
{
    return st->db;
}

static struct pg_stmt *stmt_of(struct ks__stmt *s)
{
    return s->impl;
}

/* Keeps text as the last error message: one line, at most MSG_MAX. */
static void keep_message(struct pg_db *db, const char *text)
{
    size_t n = 0;

    for (const char *p = text ? text : "unknown error"; *p && n + 1 < MSG_MAX;
         p++)
        db->msg[n++] = (*p == '\n' || *p == '\r' || *p == '\t') ? ' ' : *p;
    while (n > 0 && db->msg[n - 1] == ' ')
        n--;
    db->msg[n] = '\0';
}

static ks_rc pg_err(struct ks_store *st, const char *what)
{
    struct pg_db *db = db_of(st);

    if (db->nomem)
        return ks__error_set(&st->err, KS_ENOMEM, 0, "%s: out of memory", what);
    return ks__error_set(&st->err, KS_ESTATE, 0, "%s: %s", what, db->msg);
}

/* Records the failure of res (NULL: libpq returned no result) and
 * returns its code. */
static ks_rc record_failure(struct ks_store *st, const PGresult *res,
                            const char *what)
{
    struct pg_db *db = db_of(st);
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary =
        res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

    db->nomem = !res && PQstatus(db->conn) == CONNECTION_OK;
    snprintf(db->sqlstate, sizeof(db->sqlstate), "%s", state ? state : "");
    keep_message(db, primary ? primary : PQerrorMessage(db->conn));
    return pg_err(st, what);
}

static int result_ok(const PGresult *res)
{
    ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

static int64_t rows_changed(const PGresult *res)
{
    const char *n = PQcmdTuples((PGresult *)res);

    return n && *n ? strtoll(n, NULL, 10) : 0;
}

static int pg_last_was_unique(struct ks_store *st)
{
    return strcmp(db_of(st)->sqlstate, "23505") == 0;
}

static ks_rc pg_exec(struct ks_store *st, const char *sql, const char *what)
{
    PGresult *res = PQexec(db_of(st)->conn, sql);
    ks_rc rc = KS_OK;

    if (!result_ok(res))
        rc = record_failure(st, res, what);
    else
        db_of(st)->changes = rows_changed(res);
    PQclear(res);
    return rc;
}

/* The database's clock at the start of the statement (the same value
 * everywhere in one statement), in Unix ms. */
static const char *const pg_tokens[] = {
    "NOW_MS", "(extract(epoch from statement_timestamp()) * 1000)::bigint",
    "SKIP_LOCKED", "FOR UPDATE SKIP LOCKED", NULL};

/* The highest $N in sql: the statement's number of parameters. */
static int count_params(const char *sql)
{
    int max = 0;

    for (const char *p = strchr(sql, '$'); p; p = strchr(p + 1, '$')) {
        int n = (int)strtol(p + 1, NULL, 10);

        if (n > max)
            max = n;
    }
    return max;
}

static ks_rc pg_prepare(struct ks__stmt *s, const char *sql)
{
    struct pg_db *db = db_of(s->st);
    struct pg_stmt *ps = NULL;
    PGresult *res = NULL;
    char *text = ks__store_sql_rewrite(sql, '$', pg_tokens);
    ks_rc rc = KS_OK;

    ps = text ? ks__calloc(1, sizeof(*ps)) : NULL;
    if (!ps) {
        rc = ks__error_set(&s->st->err, KS_ENOMEM, 0,
                           "preparing a statement: out of memory");
        goto out;
    }
    ps->nparams = count_params(text);
    if (ps->nparams > MAX_PARAMS) {
        rc = ks__error_set(&s->st->err, KS_ESTATE, 0,
                           "preparing a statement: too many parameters");
        goto out;
    }
    snprintf(ps->name, sizeof(ps->name), "ks_%d", db->prepared++);
    res = PQprepare(db->conn, ps->name, text, ps->nparams, NULL);
    if (!result_ok(res)) {
        rc = record_failure(s->st, res, "preparing a statement");
        goto out;
    }
    s->impl = ps;
    ps = NULL;
out:
    PQclear(res);
    ks__free(ps);
    ks__free(text);
    return rc;
}

static void pg_reset(struct ks__stmt *s)
{
    struct pg_stmt *ps = stmt_of(s);

    PQclear(ps->res);
    ps->res = NULL;
    ps->row = ps->ntuples = 0;
    memset(ps->values, 0, sizeof(ps->values));
    memset(ps->lengths, 0, sizeof(ps->lengths));
    memset(ps->formats, 0, sizeof(ps->formats));
}

static void pg_finalize(struct ks__stmt *s)
{
    pg_reset(s);
    ks__free(s->impl);
    s->impl = NULL;
}

static ks_rc check_index(struct ks__stmt *s, int idx)
{
    if (idx < 1 || idx > stmt_of(s)->nparams)
        return ks__error_set(&s->st->err, KS_ESTATE, 0,
                             "binding a parameter: no parameter %d", idx);
    return KS_OK;
}

static ks_rc pg_bind_text(struct ks__stmt *s, int idx, const char *text)
{
    ks_rc rc = check_index(s, idx);

    if (rc == KS_OK) {
        stmt_of(s)->values[idx - 1] = text;
        stmt_of(s)->formats[idx - 1] = 0;
    }
    return rc;
}

static ks_rc pg_bind_int64(struct ks__stmt *s, int idx, int64_t v)
{
    struct pg_stmt *ps = stmt_of(s);
    ks_rc rc = check_index(s, idx);

    if (rc == KS_OK) {
        snprintf(ps->ints[idx - 1], sizeof(ps->ints[0]), "%lld", (long long)v);
        ps->values[idx - 1] = ps->ints[idx - 1];
        ps->formats[idx - 1] = 0;
    }
    return rc;
}

static ks_rc pg_bind_blob(struct ks__stmt *s, int idx, const void *p, size_t n)
{
    struct pg_stmt *ps = stmt_of(s);
    ks_rc rc = check_index(s, idx);

    if (rc == KS_OK && n > KS_STORE_TEXT_MAX)
        rc = ks__error_set(&s->st->err, KS_ESTATE, 0,
                           "binding a parameter: value too long");
    if (rc == KS_OK) {
        ps->values[idx - 1] = p ? p : "";
        ps->lengths[idx - 1] = (int)n;
        ps->formats[idx - 1] = 1;
    }
    return rc;
}

static int pg_step(struct ks__stmt *s, const char *what)
{
    struct pg_stmt *ps = stmt_of(s);
    struct pg_db *db = db_of(s->st);

    if (!ps->res) {
        ps->res = PQexecPrepared(db->conn, ps->name, ps->nparams, ps->values,
                                 ps->lengths, ps->formats, 1);
        if (!result_ok(ps->res)) {
            ks_rc rc = record_failure(s->st, ps->res, what);

            PQclear(ps->res);
            ps->res = NULL;
            return (int)rc;
        }
        db->changes = rows_changed(ps->res);
        ps->ntuples = PQntuples(ps->res);
        ps->row = 0;
    }
    if (ps->row < ps->ntuples) {
        ps->row++;
        return KS__DB_ROW;
    }
    return KS__DB_DONE;
}

/* The current row's column, or NULL for SQL NULL (or no row). */
static const char *value_at(struct ks__stmt *s, int col, size_t *len)
{
    struct pg_stmt *ps = stmt_of(s);
    int row = ps->row - 1;

    *len = 0;
    if (!ps->res || row < 0 || col >= PQnfields(ps->res) ||
        PQgetisnull(ps->res, row, col))
        return NULL;
    *len = (size_t)PQgetlength(ps->res, row, col);
    return PQgetvalue(ps->res, row, col);
}

static const char *pg_col_text(struct ks__stmt *s, int col)
{
    size_t len;

    return value_at(s, col, &len);
}

/* Binary integers are big-endian, 2, 4 or 8 bytes; a boolean is 1. */
static int64_t pg_col_int64(struct ks__stmt *s, int col)
{
    size_t len;
    const unsigned char *p = (const unsigned char *)value_at(s, col, &len);
    uint64_t v = 0;

    if (!p || (len != 1 && len != 2 && len != 4 && len != 8))
        return 0;
    if (len == 1)
        return p[0];
    for (size_t i = 0; i < len; i++)
        v = (v << 8) | p[i];
    if (len < 8 && (p[0] & 0x80)) /* sign-extend */
        v |= ~(uint64_t)0 << (8 * len);
    return (int64_t)v;
}

static const void *pg_col_blob(struct ks__stmt *s, int col, size_t *len)
{
    return value_at(s, col, len);
}

static int64_t pg_changes(struct ks_store *st)
{
    return db_of(st)->changes;
}

static int pg_in_transaction(struct ks_store *st)
{
    PGTransactionStatusType t = PQtransactionStatus(db_of(st)->conn);

    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

/* Runs a one-value query (text result) into *out; 0 when no row or NULL. */
static ks_rc query_int(int *out, struct ks_store *st, const char *sql)
{
    PGresult *res = PQexec(db_of(st)->conn, sql);
    ks_rc rc = KS_OK;

    *out = 0;
    if (!result_ok(res))
        rc = record_failure(st, res, "reading the schema version");
    else if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
        *out = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return rc;
}

/* The version lives in the one-row table schema_version, created by the
 * first migration's lock step. */
static ks_rc pg_version_get(int *out, struct ks_store *st)
{
    int exists = 0;
    ks_rc rc = query_int(&exists, st,
                         "SELECT CASE WHEN to_regclass('schema_version') IS "
                         "NULL THEN 0 ELSE 1 END");

    *out = 0;
    if (rc == KS_OK && exists)
        rc = query_int(out, st, "SELECT max(version) FROM schema_version");
    return rc;
}

static ks_rc pg_version_set(struct ks_store *st, int version)
{
    char sql[96];

    snprintf(sql, sizeof(sql),
             "DELETE FROM schema_version; "
             "INSERT INTO schema_version(version) VALUES(%d)",
             version);
    return pg_exec(st, sql, "recording the schema version");
}

/* libpq prints server notices on stderr by default; the store keeps
 * quiet (errors come back as results). */
static void quiet_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Masks every occurrence of secret in db->msg with "***". */
static void mask_in_message(struct pg_db *db, const char *secret)
{
    size_t n = secret ? strlen(secret) : 0;
    char *hit;

    while (n && (hit = strstr(db->msg, secret)) != NULL) {
        size_t tail = strlen(hit + n);

        memcpy(hit, "***", 3);
        memmove(hit + 3, hit + n, tail + 1);
        if (n < 3) /* "***" could contain a short secret: stop */
            break;
    }
}

/* Checks the URI's syntax first: libpq's syntax errors quote the text
 * they stumbled on, which may be the password, so they are not
 * repeated. *password receives the URI's password (or NULL) to mask it
 * from later messages; free it with PQconninfoFree(*opts). */
static ks_rc parse_uri(PQconninfoOption **opts, const char **password,
                       struct ks_store *st, const char *uri)
{
    char *why = NULL;

    *password = NULL;
    *opts = PQconninfoParse(uri, &why);
    if (!*opts) {
        int nomem = why == NULL;

        PQfreemem(why);
        return nomem ? ks__error_set(&st->err, KS_ENOMEM, 0,
                                     "opening the store: out of memory")
                     : ks__error_set(&st->err, KS_EINVAL, 0,
                                     "the PostgreSQL URI of the state is not "
                                     "valid (its text is not repeated: it "
                                     "may hold a password)");
    }
    for (PQconninfoOption *o = *opts; o->keyword; o++)
        if (strcmp(o->keyword, "password") == 0)
            *password = o->val;
    return KS_OK;
}

static ks_rc pg_open(struct ks_store *st, const struct ks_store_options *o)
{
    struct pg_db *db = ks__calloc(1, sizeof(*db));
    PQconninfoOption *opts = NULL;
    const char *password = NULL;
    char sql[96];
    ks_rc rc;

    if (!db)
        return ks__error_set(&st->err, KS_ENOMEM, 0,
                             "opening the store: out of memory");
    st->db = db;
    rc = parse_uri(&opts, &password, st, o->path);
    if (rc)
        return rc;
    db->conn = PQconnectdb(o->path);
    if (!db->conn)
        rc = ks__error_set(&st->err, KS_ENOMEM, 0,
                           "opening the store: out of memory");
    else if (PQstatus(db->conn) != CONNECTION_OK) {
        keep_message(db, PQerrorMessage(db->conn));
        mask_in_message(db, password);
        rc = ks__error_set(&st->err, KS_ESTATE, 0,
                           "connecting to PostgreSQL: %s", db->msg);
    }
    PQconninfoFree(opts);
    if (rc)
        return rc;
    PQsetNoticeProcessor(db->conn, quiet_notices, NULL);
    snprintf(sql, sizeof(sql),
             "SET lock_timeout = %d; SET client_min_messages = warning",
             o->busy_timeout_ms > 0 ? o->busy_timeout_ms
                                    : DEFAULT_LOCK_TIMEOUT_MS);
    return pg_exec(st, sql, "configuring the connection");
}

static void pg_close(struct ks_store *st)
{
    struct pg_db *db = db_of(st);

    PQfinish(db->conn);
    ks__free(db);
    st->db = NULL;
}

const struct ks__db_driver ks__db_pg = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .reset = pg_reset,
    .bind_text = pg_bind_text,
    .bind_int64 = pg_bind_int64,
    .bind_blob = pg_bind_blob,
    .step = pg_step,
    .col_text = pg_col_text,
    .col_int64 = pg_col_int64,
    .col_blob = pg_col_blob,
    .changes = pg_changes,
    .exec = pg_exec,
    .in_transaction = pg_in_transaction,
    .err = pg_err,
    .last_was_unique = pg_last_was_unique,
    .version_get = pg_version_get,
    .version_set = pg_version_set,
    .begin_sql = "BEGIN",
    .migrate_lock = "SELECT pg_advisory_xact_lock(" MIGRATION_LOCK_KEY "); "
                    "CREATE TABLE IF NOT EXISTS schema_version("
                    "version INTEGER NOT NULL)",
    .unsynced_sql = "SET synchronous_commit = off",
    .migrations = ks__store_pg_migrations,
    .tokens = pg_tokens,
};
