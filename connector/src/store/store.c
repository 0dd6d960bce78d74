/*
 * Opening and closing the state store, transactions, errors and crash
 * points. The tables themselves are handled by the topic files next to
 * this one (cursors.c, intents.c, audit.c, outbox.c, secrets.c).
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"
#include "kinsync/testing.h"

ks_rc ks__store_sqlerr(struct ks_store *st, const char *what)
{
    return st->drv->err(st, what);
}

struct ks__stmt *ks__store_stmt(struct ks_store *st, enum ks__store_stmt_id id)
{
    struct ks__stmt *s = &st->stmt[id];

    st->drv->reset(s);
    return s;
}

void ks__store_reset(struct ks__stmt *s)
{
    s->st->drv->reset(s);
}

int ks__store_step(struct ks__stmt *s, const char *what)
{
    return s->st->drv->step(s, what);
}

ks_rc ks__store_exec(struct ks_store *st, struct ks__stmt *s, const char *what)
{
    int src;

    (void)st; /* the statement knows its store */
    do
        src = ks__store_step(s, what);
    while (src == KS__DB_ROW);
    ks__store_reset(s);
    return src < 0 ? (ks_rc)src : KS_OK;
}

ks_rc ks__store_bind_text(struct ks_store *st, struct ks__stmt *s, int idx,
                          const char *text)
{
    (void)st; /* the statement knows its store */
    return s->st->drv->bind_text(s, idx, text);
}

ks_rc ks__store_bind_int64(struct ks__stmt *s, int idx, int64_t v)
{
    return s->st->drv->bind_int64(s, idx, v);
}

ks_rc ks__store_bind_blob(struct ks__stmt *s, int idx, const void *p, size_t n)
{
    return s->st->drv->bind_blob(s, idx, p, n);
}

const char *ks__store_col_text(struct ks__stmt *s, int col)
{
    return s->st->drv->col_text(s, col);
}

int64_t ks__store_col_int64(struct ks__stmt *s, int col)
{
    return s->st->drv->col_int64(s, col);
}

const void *ks__store_col_blob(struct ks__stmt *s, int col, size_t *len)
{
    return s->st->drv->col_blob(s, col, len);
}

ks_rc ks__store_count(int64_t *out, struct ks__stmt *s, const char *what)
{
    int src = ks__store_step(s, what);

    *out = 0;
    if (src == KS__DB_ROW) {
        *out = ks__store_col_int64(s, 0);
        return KS_OK;
    }
    if (src == KS__DB_DONE)
        return ks__error_set(&s->st->err, KS_ESTATE, 0, "%s: no result", what);
    return (ks_rc)src;
}

int ks__store_unique_violation(struct ks_store *st)
{
    return st->drv->last_was_unique(st);
}

ks_rc ks__store_reset_error(struct ks_store *st, ks_rc rc, const char *message)
{
    ks__error_clear(&st->err);
    return ks__error_set(&st->err, rc, 0, "%s", message);
}

int64_t ks__store_changes(struct ks_store *st)
{
    return st->drv->changes(st);
}

/* The value of the token at sql (an upper-case word), or NULL. */
static const char *token_at(const char *sql, const char *const *tokens,
                            size_t *len)
{
    for (size_t i = 0; tokens && tokens[i]; i += 2) {
        size_t n = strlen(tokens[i]);

        if (strncmp(sql, tokens[i], n) == 0 &&
            !(sql[n] == '_' || (sql[n] >= 'A' && sql[n] <= 'Z'))) {
            *len = n;
            return tokens[i + 1];
        }
    }
    return NULL;
}

char *ks__store_sql_rewrite(const char *sql, char param_prefix,
                            const char *const *tokens)
{
    struct ks__buf b = KS__BUF_INIT;
    const char *value;
    size_t len;

    for (const char *p = sql; *p; p++) {
        if (*p == '?') {
            ks__buf_append(&b, &param_prefix, 1);
        } else if ((p == sql ||
                    !(p[-1] == '_' || (p[-1] >= 'A' && p[-1] <= 'Z'))) &&
                   (value = token_at(p, tokens, &len)) != NULL) {
            ks__buf_puts(&b, value);
            p += len - 1;
        } else {
            ks__buf_append(&b, p, 1);
        }
    }
    if (b.oom) {
        ks__buf_dispose(&b);
        return NULL;
    }
    return ks__buf_detach(&b);
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

ks_rc ks__store_check_row_id(struct ks_store *st, const char *what, int64_t id)
{
    if (id <= 0)
        return ks__error_set(&st->err, KS_EINVAL, 0, "%s must be positive",
                             what);
    return KS_OK;
}

ks_rc ks__store_check_duration(struct ks_store *st, const char *what,
                               int64_t ms)
{
    /* a year at most: NOW_MS + ms must not overflow */
    if (ms <= 0 || ms > (int64_t)366 * 24 * 3600 * 1000)
        return ks__error_set(&st->err, KS_EINVAL, 0,
                             "%s must be between 1 ms and a year", what);
    return KS_OK;
}

void ks__store_copy_field(char *dst, const char *src)
{
    size_t n = src ? strnlen(src, KS_STORE_ID_MAX) : 0;

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
    /* Undo this operation only; errors here must not replace rc, so they
     * are recorded into a scratch copy of the error. */
    {
        struct ks_error keep = st->err;

        if (st->in_group) {
            (void)ks__store_exec(st, ks__store_stmt(st, KS__ST_ROLLBACK_TO),
                                 "rolling back");
            (void)ks__store_exec(st, ks__store_stmt(st, KS__ST_RELEASE),
                                 "rolling back");
        } else if (st->drv->in_transaction(st)) {
            (void)ks__store_exec(st, ks__store_stmt(st, KS__ST_ROLLBACK),
                                 "rolling back");
        }
        st->err = keep;
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
    if (rc == KS_OK || !st->drv->in_transaction(st))
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

ks_rc ks__store_bind_texts(struct ks_store *st, struct ks__stmt *s,
                           const char *const *texts, int n)
{
    ks_rc rc = KS_OK;

    for (int i = 0; i < n && rc == KS_OK; i++)
        rc = ks__store_bind_text(st, s, i + 1, texts[i]);
    return rc;
}

ks_rc ks__store_run(struct ks_store *st, enum ks__store_stmt_id id,
                    const char *what, const char *const *texts, int n)
{
    struct ks__stmt *s = ks__store_stmt(st, id);
    ks_rc rc = ks__store_bind_texts(st, s, texts, n);

    if (rc == KS_OK)
        rc = ks__store_exec(st, s, what);
    ks__store_reset(s);
    return rc;
}

/* ---- listings ---------------------------------------------------------- */

static ks_rc scan_rows(struct ks_store *st, const struct ks__store_scan *scan)
{
    int64_t last = 0;
    int src, stop = 0;
    ks_rc rc = KS_OK;

    while (rc == KS_OK && !stop) {
        struct ks__stmt *s = ks__store_stmt(st, scan->stmt);

        rc = ks__store_bind_int64(s, 1, last);
        if (rc == KS_OK)
            rc = ks__store_bind_text(st, s, 2, scan->filter);
        if (rc)
            break;
        src = ks__store_step(s, scan->what);
        if (src == KS__DB_ROW) {
            stop = scan->row(scan->ctx, s, &last);
            if (stop < 0)
                rc = (ks_rc)stop;
        } else if (src == KS__DB_DONE) {
            stop = 1;
        } else {
            rc = (ks_rc)src;
        }
        ks__store_reset(s);
    }
    return rc;
}

ks_rc ks__store_iter_start(struct ks_store *st, enum ks__store_iter iter,
                           int cb_given, const char *noun)
{
    if (!cb_given)
        return ks__error_set(&st->err, KS_EINVAL, 0, "callback is missing");
    if (st->iterating[iter])
        return ks__error_set(&st->err, KS_EINVAL, 0,
                             "%s iteration is not re-entrant", noun);
    st->iterating[iter] = 1;
    return KS_OK;
}

ks_rc ks__store_scan(struct ks_store *st, const struct ks__store_scan *scan,
                     int cb_given)
{
    ks_rc rc = ks__store_enter(st);

    if (rc == KS_OK)
        rc = ks__store_check_id(st, scan->filter_name, scan->filter, 1);
    if (rc == KS_OK)
        rc = ks__store_iter_start(st, scan->iter, cb_given, scan->noun);
    if (rc)
        return rc;
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
    if (st->drv->in_transaction(st))
        (void)st->drv->exec(st, "ROLLBACK", "rolling back");
    st->in_group = 0;
    ks__error_clear(&st->err);
    return ks__error_set(&st->err, KS_ECRASH, 0, "simulated crash at %s", name);
}

int ks__store_crashed(const struct ks_store *st)
{
    return st && st->crashed;
}

/* ---- open / close ------------------------------------------------------ */

/* Test hook (kinsync/testing.h). */
ks_rc ks_testing_store_unsynced(struct ks_store *st)
{
    assert(st);
    return st->drv->exec(st, st->drv->unsynced_sql, "configuring the database");
}

/* "postgresql://..." or "postgres://...": PostgreSQL; anything else is a
 * SQLite path. */
static const struct ks__db_driver *driver_for(const char *path)
{
    if (path && (strncmp(path, "postgresql://", 13) == 0 ||
                 strncmp(path, "postgres://", 11) == 0))
        return &ks__db_pg;
    return &ks__db_sqlite;
}

static ks_rc prepare_all(struct ks_store *st)
{
    ks_rc rc = KS_OK;

    for (int i = 0; rc == KS_OK && i < KS__ST_COUNT; i++) {
        st->stmt[i].st = st;
        rc = st->drv->prepare(&st->stmt[i], i == KS__ST_BEGIN
                                                ? st->drv->begin_sql
                                                : ks__store_sql[i]);
    }
    return rc;
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
    st->drv = driver_for(o->path);
    rc = st->drv->open(st, o);
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
    if (!st)
        return;
    if (st->db) {
        if (st->drv->in_transaction(st))
            (void)st->drv->exec(st, "ROLLBACK", "rolling back");
        for (int i = 0; i < KS__ST_COUNT; i++)
            if (st->stmt[i].impl)
                st->drv->finalize(&st->stmt[i]);
        st->drv->close(st);
    }
    ks__secret_free(st->key_hex);
    ks__free(st->crash_name);
    ks__free(st);
}
