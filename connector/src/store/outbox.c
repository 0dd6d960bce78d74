/*
 * The outbox of failed writes (replayed by `kinsync replay-failed`) and
 * the set of webhook deliveries already processed.
 */
#include <string.h>
#include "store/internal.h"

ks_rc ks_store_outbox_add(int64_t *id_out, struct ks_store *st,
                          const char *flow, const char *kind,
                          const char *source_id, const char *payload_json,
                          const char *reason, int64_t at_ms)
{
    const char *texts[] = {flow, kind, source_id, payload_json, reason};
    struct ks__stmt *s;
    int64_t id = 0;
    ks_rc rc;

    if (id_out)
        *id_out = 0;
    rc = ks__store_enter(st);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "flow", flow, 0);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "kind", kind, 0);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "source_id", source_id, 0);
    if (rc == KS_OK)
        rc = ks__store_check_text(st, "payload", payload_json, 0);
    if (rc == KS_OK)
        rc = ks__store_check_text(st, "reason", reason, 1);
    if (rc)
        return rc;
    rc = ks__store_op_begin(st);
    if (rc)
        return rc;
    s = ks__store_stmt(st, KS__ST_OUTBOX_UPSERT);
    rc = ks__store_bind_texts(st, s, texts, 5);
    if (rc == KS_OK)
        rc = ks__store_bind_int64(s, 6, at_ms);
    if (rc == KS_OK)
        rc = ks__store_count(&id, s, "queueing a failed write");
    if (rc == KS_OK)
        rc = ks__store_exec(st, s, "queueing a failed write");
    ks__store_reset(s);
    rc = ks__store_op_end(st, rc, "store.outbox_add.before_commit");
    if (rc == KS_OK && id_out)
        *id_out = id;
    return rc;
}

static void item_from_row(struct ks_outbox_item *it, struct ks__stmt *s)
{
    it->id = ks__store_col_int64(s, 0);
    it->flow = ks__store_col_text(s, 1);
    it->kind = ks__store_col_text(s, 2);
    it->source_id = ks__store_col_text(s, 3);
    it->payload_json = ks__store_col_text(s, 4);
    it->reason = ks__store_col_text(s, 5);
    it->attempts = (int)ks__store_col_int64(s, 6);
    it->created_ms = ks__store_col_int64(s, 7);
    it->updated_ms = ks__store_col_int64(s, 8);
}

struct outbox_scan {
    ks_store_outbox_fn cb;
    void *ud;
};

/* The item borrows the row's text: the callback runs while it is
 * current. */
static int outbox_row(void *ctx, struct ks__stmt *s, int64_t *key)
{
    struct outbox_scan *o = ctx;
    struct ks_outbox_item it;

    item_from_row(&it, s);
    *key = it.id;
    return o->cb(&it, o->ud);
}

ks_rc ks_store_outbox_each(struct ks_store *st, const char *flow,
                           ks_store_outbox_fn cb, void *ud)
{
    struct outbox_scan o = {cb, ud};
    const struct ks__store_scan scan = {
        KS__IT_OUTBOX, KS__ST_OUTBOX_NEXT,   "outbox",   "flow",
        flow,          "reading the outbox", outbox_row, &o};

    return ks__store_scan(st, &scan, cb != NULL);
}

/* Runs an UPDATE keyed on the item id that must touch one pending row. */
static ks_rc update_item(struct ks_store *st, struct ks__stmt *s,
                         const char *what)
{
    ks_rc rc = ks__store_exec(st, s, what);

    if (rc == KS_OK && ks__store_changes(st) == 0)
        rc = ks__error_set(&st->err, KS_ENOTFOUND, 0,
                           "no pending outbox item with this id");
    return rc;
}

ks_rc ks_store_outbox_mark_attempt(struct ks_store *st, int64_t id,
                                   const char *reason, int64_t at_ms)
{
    struct ks__stmt *s;
    ks_rc rc;

    rc = ks__store_enter(st);
    if (rc == KS_OK)
        rc = ks__store_check_row_id(st, "outbox id", id);
    if (rc == KS_OK)
        rc = ks__store_check_text(st, "reason", reason, 1);
    if (rc)
        return rc;
    rc = ks__store_op_begin(st);
    if (rc)
        return rc;
    s = ks__store_stmt(st, KS__ST_OUTBOX_ATTEMPT);
    rc = ks__store_bind_int64(s, 1, id);
    if (rc == KS_OK)
        rc = ks__store_bind_int64(s, 3, at_ms);
    if (rc == KS_OK)
        rc = ks__store_bind_text(st, s, 2, reason);
    if (rc == KS_OK)
        rc = update_item(st, s, "recording a replay attempt");
    ks__store_reset(s);
    return ks__store_op_end(st, rc, NULL);
}

ks_rc ks_store_outbox_resolve(struct ks_store *st, int64_t id)
{
    struct ks__stmt *s;
    ks_rc rc;

    rc = ks__store_enter(st);
    if (rc == KS_OK)
        rc = ks__store_check_row_id(st, "outbox id", id);
    if (rc)
        return rc;
    rc = ks__store_op_begin(st);
    if (rc)
        return rc;
    s = ks__store_stmt(st, KS__ST_OUTBOX_RESOLVE);
    rc = ks__store_bind_int64(s, 1, id);
    if (rc == KS_OK)
        rc = update_item(st, s, "resolving an outbox item");
    ks__store_reset(s);
    return ks__store_op_end(st, rc, NULL);
}

ks_rc ks_store_outbox_count(int64_t *out, struct ks_store *st, const char *flow)
{
    struct ks__stmt *s;
    ks_rc rc;

    *out = 0;
    rc = ks__store_enter(st);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "flow", flow, 1);
    if (rc)
        return rc;
    s = ks__store_stmt(st, KS__ST_OUTBOX_COUNT);
    rc = ks__store_bind_text(st, s, 1, flow);
    if (rc == KS_OK)
        rc = ks__store_count(out, s, "counting the outbox");
    ks__store_reset(s);
    return rc;
}

/* ---- webhook deliveries seen ------------------------------------------- */

ks_rc ks_store_seen_add(struct ks_store *st, const char *source,
                        const char *delivery_id, int64_t at_ms)
{
    struct ks__stmt *s;
    ks_rc rc;

    rc = ks__store_enter(st);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "source", source, 0);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "delivery_id", delivery_id, 0);
    if (rc)
        return rc;
    rc = ks__store_op_begin(st);
    if (rc)
        return rc;
    s = ks__store_stmt(st, KS__ST_SEEN_ADD);
    rc = ks__store_bind_text(st, s, 1, source);
    if (rc == KS_OK)
        rc = ks__store_bind_text(st, s, 2, delivery_id);
    if (rc == KS_OK)
        rc = ks__store_bind_int64(s, 3, at_ms);
    if (rc == KS_OK)
        rc = ks__store_exec(st, s, "recording a delivery");
    if (rc == KS_OK && ks__store_changes(st) == 0)
        rc = ks__error_set(&st->err, KS_EDUPLICATE, 0,
                           "delivery %s from %s was already seen", delivery_id,
                           source);
    ks__store_reset(s);
    return ks__store_op_end(st, rc, NULL);
}

ks_rc ks_store_seen_prune(int64_t *removed_out, struct ks_store *st,
                          int64_t horizon_ms)
{
    struct ks__stmt *s;
    int64_t removed = 0;
    ks_rc rc;

    if (removed_out)
        *removed_out = 0;
    rc = ks__store_enter(st);
    if (rc)
        return rc;
    rc = ks__store_op_begin(st);
    if (rc)
        return rc;
    s = ks__store_stmt(st, KS__ST_SEEN_PRUNE);
    rc = ks__store_bind_int64(s, 1, horizon_ms);
    if (rc == KS_OK)
        rc = ks__store_exec(st, s, "pruning deliveries");
    if (rc == KS_OK)
        removed = ks__store_changes(st);
    ks__store_reset(s);
    rc = ks__store_op_end(st, rc, NULL);
    if (rc == KS_OK && removed_out)
        *removed_out = removed;
    return rc;
}
