/*
 * Opening and closing the state store, transactions, errors and crash
 * points. The tables themselves are handled by the topic files next to
 * this one (cursors.c, intents.c, audit.c, outbox.c, secrets.c).
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "store/internal.h"
#include "kinsync/testing.h"

#define DEFAULT_BUSY_TIMEOUT_MS 5000
#define PATH_MAX_BYTES 4096

ks_rc ks__store_sqlerr(struct ks_store *st, const char *what)
{
    int code = sqlite3_errcode(st->db);

    if (code == SQLITE_NOMEM)
        return ks__error_set(&st->err, KS_ENOMEM, 0, "%s: out of memory", what);
    return ks__error_set(&st->err, KS_ESTATE, 0, "%s: %s", what,
                         sqlite3_errmsg(st->db));
}

sqlite3_stmt *ks__store_stmt(struct ks_store *st, enum ks__store_stmt_id id)
{
    sqlite3_stmt *s = st->stmt[id];

    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return s;
}

ks_rc ks__store_exec(struct ks_store *st, sqlite3_stmt *s, const char *what)
{
    int src;
    ks_rc rc = KS_OK;

    do
        src = sqlite3_step(s);
    while (src == SQLITE_ROW);
    if (src != SQLITE_DONE)
        rc = ks__store_sqlerr(st, what);
    sqlite3_reset(s);
    return rc;
}

ks_rc ks__store_bind_text(struct ks_store *st, sqlite3_stmt *s, int idx,
                          const char *text)
{
    int src = text ? sqlite3_bind_text(s, idx, text, -1, SQLITE_STATIC)
                   : sqlite3_bind_null(s, idx);

    if (src != SQLITE_OK)
        return ks__store_sqlerr(st, "binding a parameter");
    return KS_OK;
}

static ks_rc check_len(struct ks_store *st, const char *what, const char *value,
                       int optional, size_t max, int allow_empty)
{
    size_t len;

    if (!value) {
        if (optional)
            return KS_OK;
        return ks__error_set(&st->err, KS_EINVAL, 0, "%s is missing", what);
    }
    len = strnlen(value, max + 1);
    if (len > max)
        return ks__error_set(&st->err, KS_EINVAL, 0,
                             "%s is longer than %zu bytes", what, max);
    if (len == 0 && !allow_empty)
        return ks__error_set(&st->err, KS_EINVAL, 0, "%s is empty", what);
    return KS_OK;
}

ks_rc ks__store_check_id(struct ks_store *st, const char *what,
                         const char *value, int optional)
{
    return check_len(st, what, value, optional, KS_STORE_ID_MAX, 0);
}

ks_rc ks__store_check_text(struct ks_store *st, const char *what,
                           const char *value, int optional)
{
    return check_len(st, what, value, optional, KS_STORE_TEXT_MAX, 1);
}

void ks__store_copy_field(char *dst, const unsigned char *src)
{
    size_t n = src ? strnlen((const char *)src, KS_STORE_ID_MAX) : 0;

    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

ks_rc ks__store_enter(struct ks_store *st)
{
    assert(st);
    ks__error_clear(&st->err);
    if (st->crashed)
        return ks__error_set(&st->err, KS_ECRASH, 0,
                             "store is dead after simulated crash at %s; "
                             "reopen it",
                             st->crash_name ? st->crash_name : "?");
    return KS_OK;
}

ks_rc ks__store_op_begin(struct ks_store *st)
{
    enum ks__store_stmt_id id = st->in_group ? KS__ST_SAVEPOINT : KS__ST_BEGIN;

    return ks__store_exec(st, ks__store_stmt(st, id), "starting a transaction");
}

ks_rc ks__store_op_end(struct ks_store *st, ks_rc rc, const char *crash)
{
    if (rc == KS_OK && crash)
        rc = ks__store_crash_point(st, crash);
    if (st->crashed)
        return KS_ECRASH; /* the crash already rolled everything back */
    if (rc == KS_OK) {
        rc = ks__store_exec(
            st,
            ks__store_stmt(st, st->in_group ? KS__ST_RELEASE : KS__ST_COMMIT),
            "committing");
        if (rc == KS_OK)
            return KS_OK;
    }
    /* Undo this operation only; errors here must not replace rc. */
    if (st->in_group) {
        sqlite3_step(ks__store_stmt(st, KS__ST_ROLLBACK_TO));
        sqlite3_step(ks__store_stmt(st, KS__ST_RELEASE));
        sqlite3_reset(st->stmt[KS__ST_RELEASE]);
        sqlite3_reset(st->stmt[KS__ST_ROLLBACK_TO]);
    } else if (!sqlite3_get_autocommit(st->db)) {
        sqlite3_step(ks__store_stmt(st, KS__ST_ROLLBACK));
        sqlite3_reset(st->stmt[KS__ST_ROLLBACK]);
    }
    return rc;
}

/* ---- groups ------------------------------------------------------------ */

ks_rc ks_store_begin(struct ks_store *st)
{
    ks_rc rc = ks__store_enter(st);

    if (rc)
        return rc;
    if (st->in_group)
        return ks__error_set(&st->err, KS_EINVAL, 0,
                             "a transaction is already open");
    rc = ks__store_exec(st, ks__store_stmt(st, KS__ST_BEGIN),
                        "starting a transaction");
    if (rc == KS_OK)
        st->in_group = 1;
    return rc;
}

ks_rc ks_store_commit(struct ks_store *st)
{
    ks_rc rc = ks__store_enter(st);

    if (rc)
        return rc;
    if (!st->in_group)
        return ks__error_set(&st->err, KS_EINVAL, 0, "no transaction is open");
    rc = ks__store_exec(st, ks__store_stmt(st, KS__ST_COMMIT), "committing");
    if (rc == KS_OK || sqlite3_get_autocommit(st->db))
        st->in_group = 0;
    return rc;
}

ks_rc ks_store_rollback(struct ks_store *st)
{
    ks_rc rc = ks__store_enter(st);

    if (rc)
        return rc;
    if (!st->in_group)
        return ks__error_set(&st->err, KS_EINVAL, 0, "no transaction is open");
    rc =
        ks__store_exec(st, ks__store_stmt(st, KS__ST_ROLLBACK), "rolling back");
    st->in_group = 0;
    return rc;
}

const struct ks_error *ks_store_last_error(const struct ks_store *st)
{
    assert(st);
    return &st->err;
}

void ks_store_string_free(char *s)
{
    ks__free(s);
}

ks_rc ks__store_run(struct ks_store *st, enum ks__store_stmt_id id,
                    const char *what, const char *const *texts, int n)
{
    sqlite3_stmt *s = ks__store_stmt(st, id);
    ks_rc rc = KS_OK;

    for (int i = 0; i < n && rc == KS_OK; i++)
        rc = ks__store_bind_text(st, s, i + 1, texts[i]);
    if (rc == KS_OK)
        rc = ks__store_exec(st, s, what);
    sqlite3_reset(s);
    return rc;
}

/* ---- listings ---------------------------------------------------------- */

static ks_rc scan_rows(struct ks_store *st, const struct ks__store_scan *scan)
{
    sqlite3_int64 last = 0;
    int src, stop = 0;
    ks_rc rc = KS_OK;

    while (rc == KS_OK && !stop) {
        sqlite3_stmt *s = ks__store_stmt(st, scan->stmt);

        if (sqlite3_bind_int64(s, 1, last))
            rc = ks__store_sqlerr(st, "binding a parameter");
        if (rc == KS_OK)
            rc = ks__store_bind_text(st, s, 2, scan->filter);
        if (rc)
            break;
        src = sqlite3_step(s);
        if (src == SQLITE_ROW) {
            stop = scan->row(scan->ctx, s, &last);
            if (stop < 0)
                rc = (ks_rc)stop;
        } else if (src == SQLITE_DONE) {
            stop = 1;
        } else {
            rc = ks__store_sqlerr(st, scan->what);
        }
        sqlite3_reset(s);
    }
    return rc;
}

ks_rc ks__store_scan(struct ks_store *st, const struct ks__store_scan *scan,
                     int cb_given)
{
    ks_rc rc = ks__store_enter(st);

    if (rc == KS_OK)
        rc = ks__store_check_id(st, scan->filter_name, scan->filter, 1);
    if (rc == KS_OK && !cb_given)
        rc = ks__error_set(&st->err, KS_EINVAL, 0, "callback is missing");
    if (rc == KS_OK && st->iterating[scan->iter])
        rc = ks__error_set(&st->err, KS_EINVAL, 0,
                           "%s iteration is not re-entrant", scan->noun);
    if (rc)
        return rc;
    st->iterating[scan->iter] = 1;
    rc = scan_rows(st, scan);
    st->iterating[scan->iter] = 0;
    return rc;
}

/* ---- crash points ------------------------------------------------------ */

ks_rc ks_testing_store_crash_arm(struct ks_store *st, const char *spec)
{
    const char *colon;
    char *name = NULL;
    unsigned long nth = 1;
    char *end;

    assert(st);
    if (spec) {
        colon = strrchr(spec, ':');
        if (colon) {
            errno = 0;
            nth = strtoul(colon + 1, &end, 10);
            if (errno || end == colon + 1 || *end || nth == 0)
                return ks__error_set(&st->err, KS_EINVAL, 0,
                                     "crash_at \"%s\": bad hit count", spec);
        }
        name = ks__strndup(spec, colon ? (size_t)(colon - spec) : strlen(spec));
        if (!name)
            return ks__error_set(&st->err, KS_ENOMEM, 0,
                                 "arming a crash point: out of memory");
    }
    ks__free(st->crash_name);
    st->crash_name = name;
    st->crash_nth = nth;
    st->crash_hits = 0;
    return KS_OK;
}

ks_rc ks__store_crash_point(struct ks_store *st, const char *name)
{
    assert(st && name);
    if (st->crashed)
        return KS_ECRASH;
    if (!st->crash_name ||
        (strcmp(st->crash_name, "*") != 0 && strcmp(st->crash_name, name) != 0))
        return KS_OK;
    if (++st->crash_hits < st->crash_nth)
        return KS_OK;
    st->crashed = 1;
    if (!sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    st->in_group = 0;
    ks__error_clear(&st->err);
    return ks__error_set(&st->err, KS_ECRASH, 0, "simulated crash at %s", name);
}

int ks__store_crashed(const struct ks_store *st)
{
    return st && st->crashed;
}

/* ---- open / close ------------------------------------------------------ */

static ks_rc exec_pragma(struct ks_store *st, const char *sql)
{
    if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return ks__store_sqlerr(st, "configuring the database");
    return KS_OK;
}

/* Test hook (kinsync/testing.h). */
ks_rc ks_testing_store_unsynced(struct ks_store *st)
{
    assert(st);
    return exec_pragma(st, "PRAGMA synchronous = OFF");
}

/* Makes path private to its owner: created 0600 when absent (the umask
 * can only narrow that), group and other permissions removed from an
 * existing regular file (an older kinsync created them 0644). create 0:
 * only an existing file is touched. */
static ks_rc private_file(struct ks_store *st, const char *path, int create)
{
    int fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0600);
    struct stat sb;

    if (fd < 0)
        return create ? ks__error_set(&st->err, KS_ESTATE, 0,
                                      "creating the store file: %s",
                                      strerror(errno))
                      : KS_OK;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 077))
        (void)fchmod(fd, sb.st_mode & 0700);
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

static ks_rc open_db(struct ks_store *st, const struct ks_store_options *o)
{
    const char *path = o->path ? o->path : ":memory:";
    int in_memory = strcmp(path, ":memory:") == 0;
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
    src = sqlite3_open_v2(path, &st->db,
                          SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (src != SQLITE_OK) {
        if (!st->db)
            return ks__error_set(&st->err, KS_ENOMEM, 0,
                                 "opening the store: out of memory");
        return ks__store_sqlerr(st, "opening the store");
    }
    sqlite3_extended_result_codes(st->db, 1);
    sqlite3_busy_timeout(st->db, o->busy_timeout_ms > 0
                                     ? o->busy_timeout_ms
                                     : DEFAULT_BUSY_TIMEOUT_MS);
    /* WAL lets readers run beside the writer; FULL syncs the WAL on every
     * commit, so an intent is on disk before the remote write it guards. */
    rc = in_memory ? KS_OK : exec_pragma(st, "PRAGMA journal_mode = WAL");
    if (rc == KS_OK)
        rc = exec_pragma(st, "PRAGMA synchronous = FULL");
    return rc;
}

static ks_rc prepare_all(struct ks_store *st)
{
    int i;

    for (i = 0; i < KS__ST_COUNT; i++) {
        if (sqlite3_prepare_v3(st->db, ks__store_sql[i], -1,
                               SQLITE_PREPARE_PERSISTENT, &st->stmt[i],
                               NULL) != SQLITE_OK)
            return ks__store_sqlerr(st, "preparing a statement");
    }
    return KS_OK;
}

ks_rc ks_store_open(struct ks_store **out, const struct ks_store_options *opts)
{
    static const struct ks_store_options defaults = KS_STORE_OPTIONS_INIT;
    const struct ks_store_options *o = opts ? opts : &defaults;
    struct ks_store *st = NULL;
    ks_rc rc;

    *out = NULL;
    if (o->error)
        ks__error_clear(o->error);
    if (o->version != KS_STORE_OPTIONS_VERSION) {
        if (o->error)
            ks__error_set(o->error, KS_EINVAL, 0,
                          "unsupported ks_store_options version %u",
                          o->version);
        return KS_EINVAL;
    }
    st = ks__calloc(1, sizeof(*st));
    if (!st) {
        if (o->error)
            ks__error_set(o->error, KS_ENOMEM, 0,
                          "opening the store: out of memory");
        return KS_ENOMEM;
    }
    rc = open_db(st, o);
    if (rc == KS_OK)
        rc = ks__store_migrate(st);
    if (rc == KS_OK)
        rc = prepare_all(st);
    if (rc == KS_OK)
        rc = ks__store_key_init(st, o);
    if (rc) {
        if (o->error)
            *o->error = st->err;
        goto out;
    }
    *out = st;
    st = NULL;
out:
    ks_store_close(st);
    return rc;
}

void ks_store_close(struct ks_store *st)
{
    int i;

    if (!st)
        return;
    if (st->db) {
        if (!sqlite3_get_autocommit(st->db))
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        for (i = 0; i < KS__ST_COUNT; i++)
            sqlite3_finalize(st->stmt[i]);
        sqlite3_close(st->db);
    }
    ks__secret_free(st->key_hex);
    ks__free(st->crash_name);
    ks__free(st);
}
