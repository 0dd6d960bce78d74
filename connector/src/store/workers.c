/*
 * Leases on (connection, flow) and worker heartbeats: what lets many
 * workers share one store with each flow running on one of them at a
 * time (kinsync/store_workers.h). Expiry is the database's clock.
 */
#include <string.h>
#include "store/internal.h"
#include "kinsync/store_workers.h"

static ks_rc check_lease_key(struct ks_store *st, const char *connection,
                             const char *flow, const char *worker_id)
{
    ks_rc rc = ks__store_enter(st);

    if (rc == KS_OK)
        rc = ks__store_check_id(st, "connection", connection, 0);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "flow", flow, 0);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "worker_id", worker_id, 0);
    return rc;
}

/* Columns: connection, flow, worker_id, acquired_ms, expires_ms, live. */
static void lease_from_row(struct ks_lease *out, struct ks__stmt *s)
{
    memset(out, 0, sizeof(*out));
    ks__store_copy_field(out->connection, ks__store_col_text(s, 0));
    ks__store_copy_field(out->flow, ks__store_col_text(s, 1));
    ks__store_copy_field(out->worker_id, ks__store_col_text(s, 2));
    out->acquired_ms = ks__store_col_int64(s, 3);
    out->expires_ms = ks__store_col_int64(s, 4);
    out->live = ks__store_col_int64(s, 5) != 0;
}

/* Runs a lease statement bound to (connection, flow, worker_id, ttl). */
static ks_rc run_lease(struct ks_store *st, enum ks__store_stmt_id id,
                       const char *connection, const char *flow,
                       const char *worker_id, int64_t ttl_ms, const char *what)
{
    const char *texts[] = {connection, flow, worker_id};
    struct ks__stmt *s = ks__store_stmt(st, id);
    ks_rc rc = ks__store_bind_texts(st, s, texts, 3);

    if (rc == KS_OK && ttl_ms > 0)
        rc = ks__store_bind_int64(s, 4, ttl_ms);
    if (rc == KS_OK)
        rc = ks__store_exec(st, s, what);
    ks__store_reset(s);
    return rc;
}

static ks_rc read_lease(struct ks_lease *out, struct ks_store *st,
                        const char *connection, const char *flow)
{
    const char *texts[] = {connection, flow};
    struct ks__stmt *s = ks__store_stmt(st, KS__ST_LEASE_GET);
    ks_rc rc = ks__store_bind_texts(st, s, texts, 2);
    int src;

    if (rc == KS_OK) {
        src = ks__store_step(s, "reading a lease");
        if (src == KS__DB_ROW)
            lease_from_row(out, s);
        else
            rc = src < 0 ? (ks_rc)src
                         : ks__error_set(&st->err, KS_ESTATE, 0,
                                         "reading a lease: it vanished");
    }
    ks__store_reset(s);
    return rc;
}

ks_rc ks_store_lease_acquire(struct ks_lease *out, struct ks_store *st,
                             const char *connection, const char *flow,
                             const char *worker_id, int64_t ttl_ms)
{
    struct ks_lease cur;
    int64_t taken = 0;
    ks_rc rc;

    memset(out, 0, sizeof(*out));
    rc = check_lease_key(st, connection, flow, worker_id);
    if (rc == KS_OK)
        rc = ks__store_check_duration(st, "lease time", ttl_ms);
    if (rc == KS_OK)
        rc = ks__store_op_begin(st);
    if (rc)
        return rc;
    rc = run_lease(st, KS__ST_LEASE_TAKE, connection, flow, worker_id, ttl_ms,
                   "taking a lease");
    if (rc == KS_OK)
        taken = ks__store_changes(st);
    if (rc == KS_OK)
        rc = read_lease(&cur, st, connection, flow);
    rc = ks__store_op_end(st, rc, NULL);
    if (rc == KS_OK) {
        *out = cur;
        out->held = taken > 0 && strcmp(cur.worker_id, worker_id) == 0;
    }
    return rc;
}

ks_rc ks_store_lease_renew(struct ks_store *st, const char *connection,
                           const char *flow, const char *worker_id,
                           int64_t ttl_ms)
{
    ks_rc rc = check_lease_key(st, connection, flow, worker_id);

    if (rc == KS_OK)
        rc = ks__store_check_duration(st, "lease time", ttl_ms);
    if (rc == KS_OK)
        rc = ks__store_op_begin(st);
    if (rc)
        return rc;
    rc = run_lease(st, KS__ST_LEASE_RENEW, connection, flow, worker_id, ttl_ms,
                   "renewing a lease");
    if (rc == KS_OK && ks__store_changes(st) == 0)
        rc = ks__error_set(&st->err, KS_ECONFLICT, 0,
                           "worker %s no longer holds the lease on %s/%s",
                           worker_id, connection, flow);
    return ks__store_op_end(st, rc, NULL);
}

ks_rc ks_store_lease_release(struct ks_store *st, const char *connection,
                             const char *flow, const char *worker_id)
{
    ks_rc rc = check_lease_key(st, connection, flow, worker_id);

    if (rc == KS_OK)
        rc = ks__store_op_begin(st);
    if (rc)
        return rc;
    rc = run_lease(st, KS__ST_LEASE_RELEASE, connection, flow, worker_id, 0,
                   "releasing a lease");
    return ks__store_op_end(st, rc, NULL);
}

/*
 * A listing keyed on text columns (leases: connection and flow; workers:
 * the worker id): each query, bound to the last row's keys, gives the
 * next row. read() copies the row into ctx and points keys into the
 * copy; the caller's callback (emit) runs after the statement is reset,
 * so it may write to the store.
 */
struct keyed_listing {
    enum ks__store_iter iter;
    enum ks__store_stmt_id stmt;
    int nkeys;        /* 1 or 2 */
    const char *noun; /* "lease": "lease iteration is not re-entrant" */
    const char *what; /* "listing leases": the database error */
    void (*read)(void *ctx, struct ks__stmt *s, const char **keys);
    int (*emit)(void *ctx);
    void *ctx;
};

static ks_rc next_rows(struct ks_store *st, const struct keyed_listing *l)
{
    char last[2][KS_STORE_ID_MAX + 1] = {"", ""};
    const char *keys[2] = {NULL, NULL};
    int src, stop = 0;
    ks_rc rc = KS_OK;

    while (rc == KS_OK && !stop) {
        struct ks__stmt *s = ks__store_stmt(st, l->stmt);

        for (int i = 0; rc == KS_OK && i < l->nkeys; i++)
            rc = ks__store_bind_text(st, s, i + 1, last[i]);
        src = rc ? (int)rc : ks__store_step(s, l->what);
        if (src == KS__DB_ROW)
            l->read(l->ctx, s, keys);
        ks__store_reset(s);
        if (src == KS__DB_ROW) {
            for (int i = 0; i < l->nkeys; i++)
                ks__store_copy_field(last[i], keys[i]);
            stop = l->emit(l->ctx);
            if (stop < 0)
                rc = (ks_rc)stop;
        } else if (src == KS__DB_DONE) {
            stop = 1;
        } else {
            rc = (ks_rc)src;
        }
    }
    return rc;
}

/* Runs a listing; KS_EINVAL without a callback or when re-entered. */
static ks_rc run_listing(struct ks_store *st, const struct keyed_listing *l,
                         int cb_given)
{
    ks_rc rc = ks__store_enter(st);

    if (rc == KS_OK)
        rc = ks__store_iter_start(st, l->iter, cb_given, l->noun);
    if (rc)
        return rc;
    rc = next_rows(st, l);
    st->iterating[l->iter] = 0;
    return rc;
}

struct lease_listing {
    struct ks_lease row;
    ks_store_lease_fn cb;
    void *ud;
};

static void read_lease_row(void *ctx, struct ks__stmt *s, const char **keys)
{
    struct lease_listing *l = ctx;

    lease_from_row(&l->row, s);
    keys[0] = l->row.connection;
    keys[1] = l->row.flow;
}

static int emit_lease(void *ctx)
{
    struct lease_listing *l = ctx;

    return l->cb(&l->row, l->ud);
}

ks_rc ks_store_lease_each(struct ks_store *st, ks_store_lease_fn cb, void *ud)
{
    struct lease_listing ctx = {.cb = cb, .ud = ud};
    const struct keyed_listing l = {
        KS__IT_LEASE,     KS__ST_LEASE_NEXT, 2,          "lease",
        "listing leases", read_lease_row,    emit_lease, &ctx};

    return run_listing(st, &l, cb != NULL);
}

/* ---- worker heartbeats ------------------------------------------------- */

ks_rc ks_store_worker_heartbeat(struct ks_store *st, const char *worker_id,
                                const char *host, int64_t pid)
{
    const char *texts[] = {worker_id, host};
    struct ks__stmt *s;
    ks_rc rc = ks__store_enter(st);

    if (rc == KS_OK)
        rc = ks__store_check_id(st, "worker_id", worker_id, 0);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "host", host, 0);
    if (rc == KS_OK)
        rc = ks__store_op_begin(st);
    if (rc)
        return rc;
    s = ks__store_stmt(st, KS__ST_WORKER_BEAT);
    rc = ks__store_bind_texts(st, s, texts, 2);
    if (rc == KS_OK)
        rc = ks__store_bind_int64(s, 3, pid);
    if (rc == KS_OK)
        rc = ks__store_exec(st, s, "recording a heartbeat");
    ks__store_reset(s);
    return ks__store_op_end(st, rc, NULL);
}

ks_rc ks_store_worker_remove(struct ks_store *st, const char *worker_id)
{
    const char *texts[] = {worker_id};
    ks_rc rc = ks__store_enter(st);

    if (rc == KS_OK)
        rc = ks__store_check_id(st, "worker_id", worker_id, 0);
    if (rc == KS_OK)
        rc = ks__store_op_begin(st);
    if (rc)
        return rc;
    rc = ks__store_run(st, KS__ST_LEASE_RELEASE_ALL, "releasing leases", texts,
                       1);
    if (rc == KS_OK)
        rc = ks__store_run(st, KS__ST_WORKER_DELETE, "removing a worker", texts,
                           1);
    return ks__store_op_end(st, rc, NULL);
}

struct worker_listing {
    struct ks_worker row;
    ks_store_worker_fn cb;
    void *ud;
};

/* Columns: worker_id, host, pid, started_ms, last_seen_ms, silent_ms. */
static void read_worker_row(void *ctx, struct ks__stmt *s, const char **keys)
{
    struct worker_listing *l = ctx;

    memset(&l->row, 0, sizeof(l->row));
    ks__store_copy_field(l->row.worker_id, ks__store_col_text(s, 0));
    ks__store_copy_field(l->row.host, ks__store_col_text(s, 1));
    l->row.pid = ks__store_col_int64(s, 2);
    l->row.started_ms = ks__store_col_int64(s, 3);
    l->row.last_seen_ms = ks__store_col_int64(s, 4);
    l->row.silent_ms = ks__store_col_int64(s, 5);
    keys[0] = l->row.worker_id;
}

static int emit_worker(void *ctx)
{
    struct worker_listing *l = ctx;

    return l->cb(&l->row, l->ud);
}

ks_rc ks_store_worker_each(struct ks_store *st, ks_store_worker_fn cb, void *ud)
{
    struct worker_listing ctx = {.cb = cb, .ud = ud};
    const struct keyed_listing l = {
        KS__IT_WORKER,     KS__ST_WORKER_NEXT, 1,           "worker",
        "listing workers", read_worker_row,    emit_worker, &ctx};

    return run_listing(st, &l, cb != NULL);
}
