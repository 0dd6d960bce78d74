/*
 * The durable webhook queue: verified deliveries committed before the
 * receiver answers 200, claimed by one worker at a time for a visibility
 * time, removed when imported (kinsync/store_workers.h).
 */
#include <string.h>
#include "store/internal.h"
#include "kinsync/store_workers.h"

ks_rc ks_store_delivery_enqueue(int64_t *id_out, struct ks_store *st,
                                const char *connection, const char *topic,
                                const char *resource_id, const char *body)
{
    const char *texts[] = {connection, topic, resource_id, body};
    struct ks__stmt *s;
    int64_t id = 0;
    ks_rc rc;

    if (id_out)
        *id_out = 0;
    rc = ks__store_enter(st);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "connection", connection, 0);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "topic", topic, 0);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "resource_id", resource_id, 0);
    if (rc == KS_OK)
        rc = ks__store_check_text(st, "body", body, 0);
    if (rc == KS_OK)
        rc = ks__store_op_begin(st);
    if (rc)
        return rc;
    s = ks__store_stmt(st, KS__ST_DELIVERY_ADD);
    rc = ks__store_bind_texts(st, s, texts, 4);
    if (rc == KS_OK)
        rc = ks__store_count(&id, s, "queueing a delivery");
    if (rc == KS_OK)
        rc = ks__store_exec(st, s, "queueing a delivery");
    ks__store_reset(s);
    rc = ks__store_op_end(st, rc, "store.delivery_enqueue.before_commit");
    if (rc == KS_OK && id_out)
        *id_out = id;
    return rc;
}

void ks_store_delivery_free(struct ks_delivery *d)
{
    if (!d)
        return;
    ks__free(d->connection);
    ks__free(d->topic);
    ks__free(d->resource_id);
    ks__free(d->body);
    ks__free(d);
}

/* Columns: id, connection, topic, resource_id, body, attempts,
 * created_ms. */
static ks_rc delivery_from_row(struct ks_delivery **out, struct ks_store *st,
                               struct ks__stmt *s)
{
    struct ks_delivery *d = ks__calloc(1, sizeof(*d));

    if (d) {
        d->id = ks__store_col_int64(s, 0);
        d->connection = ks__strdup(ks__store_col_text(s, 1));
        d->topic = ks__strdup(ks__store_col_text(s, 2));
        d->resource_id = ks__strdup(ks__store_col_text(s, 3));
        d->body = ks__strdup(ks__store_col_text(s, 4));
        d->attempts = (int)ks__store_col_int64(s, 5);
        d->created_ms = ks__store_col_int64(s, 6);
    }
    if (!d || !d->connection || !d->topic || !d->resource_id || !d->body) {
        ks_store_delivery_free(d);
        return ks__error_set(&st->err, KS_ENOMEM, 0,
                             "claiming a delivery: out of memory");
    }
    *out = d;
    return KS_OK;
}

ks_rc ks_store_delivery_claim(struct ks_delivery **out, struct ks_store *st,
                              const char *connection, const char *worker_id,
                              int64_t visibility_ms)
{
    const char *texts[] = {connection, worker_id};
    struct ks_delivery *d = NULL;
    struct ks__stmt *s;
    int src;
    ks_rc rc;

    *out = NULL;
    rc = ks__store_enter(st);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "connection", connection, 1);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "worker_id", worker_id, 0);
    if (rc == KS_OK)
        rc = ks__store_check_duration(st, "visibility time", visibility_ms);
    if (rc == KS_OK)
        rc = ks__store_op_begin(st);
    if (rc)
        return rc;
    s = ks__store_stmt(st, KS__ST_DELIVERY_CLAIM);
    rc = ks__store_bind_texts(st, s, texts, 2);
    if (rc == KS_OK)
        rc = ks__store_bind_int64(s, 3, visibility_ms);
    src = rc ? (int)rc : ks__store_step(s, "claiming a delivery");
    if (src == KS__DB_ROW)
        rc = delivery_from_row(&d, st, s);
    else if (src == KS__DB_DONE)
        rc = ks__error_set(&st->err, KS_ENOTFOUND, 0,
                           "no delivery waiting to be imported");
    else
        rc = (ks_rc)src;
    if (rc == KS_OK)
        rc = ks__store_exec(st, s, "claiming a delivery");
    ks__store_reset(s);
    /* ENOTFOUND changed nothing: commit the empty transaction, keep rc */
    if (rc == KS_ENOTFOUND) {
        rc = ks__store_op_end(st, KS_OK, NULL);
        return rc ? rc : KS_ENOTFOUND;
    }
    rc = ks__store_op_end(st, rc, "store.delivery_claim.before_commit");
    if (rc == KS_OK)
        *out = d;
    else
        ks_store_delivery_free(d);
    return rc;
}

ks_rc ks_store_delivery_done(struct ks_store *st, int64_t id)
{
    struct ks__stmt *s;
    ks_rc rc = ks__store_enter(st);

    if (rc == KS_OK)
        rc = ks__store_check_row_id(st, "delivery id", id);
    if (rc == KS_OK)
        rc = ks__store_op_begin(st);
    if (rc)
        return rc;
    s = ks__store_stmt(st, KS__ST_DELIVERY_DONE);
    rc = ks__store_bind_int64(s, 1, id);
    if (rc == KS_OK)
        rc = ks__store_exec(st, s, "marking a delivery done");
    ks__store_reset(s);
    return ks__store_op_end(st, rc, "store.delivery_done.before_commit");
}

ks_rc ks_store_delivery_release(struct ks_store *st, int64_t id,
                                const char *worker_id)
{
    struct ks__stmt *s;
    ks_rc rc = ks__store_enter(st);

    if (rc == KS_OK)
        rc = ks__store_check_row_id(st, "delivery id", id);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "worker_id", worker_id, 0);
    if (rc == KS_OK)
        rc = ks__store_op_begin(st);
    if (rc)
        return rc;
    s = ks__store_stmt(st, KS__ST_DELIVERY_RELEASE);
    rc = ks__store_bind_int64(s, 1, id);
    if (rc == KS_OK)
        rc = ks__store_bind_text(st, s, 2, worker_id);
    if (rc == KS_OK)
        rc = ks__store_exec(st, s, "releasing a delivery");
    ks__store_reset(s);
    return ks__store_op_end(st, rc, NULL);
}

ks_rc ks_store_delivery_count(int64_t *out, struct ks_store *st,
                              const char *connection)
{
    struct ks__stmt *s;
    ks_rc rc;

    *out = 0;
    rc = ks__store_enter(st);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "connection", connection, 1);
    if (rc)
        return rc;
    s = ks__store_stmt(st, KS__ST_DELIVERY_COUNT);
    rc = ks__store_bind_text(st, s, 1, connection);
    if (rc == KS_OK)
        rc = ks__store_count(out, s, "counting deliveries");
    ks__store_reset(s);
    return rc;
}
