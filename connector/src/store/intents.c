/*
 * Exactly-once intents: the durable "about to write X" markers of the
 * protocol described in kinsync/store.h and store/README.md.
 *
 * Rows hold state 1 (pending) or 2 (done); KS_INTENT_NEW is never stored,
 * it only tells the caller of begin that no earlier attempt existed.
 */
#include <string.h>
#include "store/internal.h"

static ks_rc check_key(struct ks_store *st, const char *kind,
                       const char *source_id)
{
    ks_rc rc = ks__store_enter(st);

    if (rc == KS_OK)
        rc = ks__store_check_id(st, "kind", kind, 0);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "source_id", source_id, 0);
    return rc;
}

/* Columns: kind, source_id, state, attempts, payload_hash, target_id. */
static void intent_from_row(struct ks_intent *out, struct ks__stmt *s)
{
    memset(out, 0, sizeof(*out));
    ks__store_copy_field(out->kind, ks__store_col_text(s, 0));
    ks__store_copy_field(out->source_id, ks__store_col_text(s, 1));
    out->state =
        ks__store_col_int64(s, 2) == 2 ? KS_INTENT_DONE : KS_INTENT_PENDING;
    out->attempts = (int)ks__store_col_int64(s, 3);
    ks__store_copy_field(out->payload_hash, ks__store_col_text(s, 4));
    ks__store_copy_field(out->target_id, ks__store_col_text(s, 5));
}

/* Reads the intent into *out; *found is 0 when there is none. */
static ks_rc read_intent(int *found, struct ks_intent *out, struct ks_store *st,
                         const char *kind, const char *source_id)
{
    struct ks__stmt *s = ks__store_stmt(st, KS__ST_INTENT_GET);
    ks_rc rc;
    int src;

    *found = 0;
    rc = ks__store_bind_text(st, s, 1, kind);
    if (rc == KS_OK)
        rc = ks__store_bind_text(st, s, 2, source_id);
    if (rc)
        goto out;
    src = ks__store_step(s, "reading an intent");
    if (src == KS__DB_ROW) {
        intent_from_row(out, s);
        *found = 1;
    } else if (src != KS__DB_DONE) {
        rc = (ks_rc)src;
    }
out:
    ks__store_reset(s);
    return rc;
}

/* Runs an intent statement bound to (kind, source_id, third). */
static ks_rc write_intent(struct ks_store *st, enum ks__store_stmt_id id,
                          const char *kind, const char *source_id,
                          const char *third, const char *what)
{
    const char *texts[] = {kind, source_id, third};

    return ks__store_run(st, id, what, texts, 3);
}

ks_rc ks_store_intent_begin(struct ks_intent *out, struct ks_store *st,
                            const char *kind, const char *source_id,
                            const char *payload_hash)
{
    struct ks_intent cur;
    int found = 0;
    ks_rc rc;

    memset(out, 0, sizeof(*out));
    memset(&cur, 0, sizeof(cur));
    rc = check_key(st, kind, source_id);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "payload_hash", payload_hash, 0);
    if (rc)
        return rc;
    rc = ks__store_op_begin(st);
    if (rc)
        return rc;
    rc = read_intent(&found, &cur, st, kind, source_id);
    if (rc)
        goto out;
    if (!found) {
        int pruned = 0;

        rc = ks__store_intent_kind_pruned(&pruned, st, kind);
        if (rc == KS_OK)
            rc = write_intent(st, KS__ST_INTENT_INSERT, kind, source_id,
                              payload_hash, "recording an intent");
        if (rc == KS_ESTATE && ks__store_unique_violation(st))
            rc = ks__store_reset_error(
                st, KS_ECONFLICT,
                "the intent of this record was begun by another "
                "worker at the same moment");
        ks__store_copy_field(cur.kind, kind);
        ks__store_copy_field(cur.source_id, source_id);
        ks__store_copy_field(cur.payload_hash, payload_hash);
        /* after pruning, "no row" may mean "completed before the cut" */
        cur.state = pruned ? KS_INTENT_PENDING : KS_INTENT_NEW;
        cur.attempts = 1;
        cur.payload_changed = 0;
        cur.target_id[0] = '\0';
    } else {
        cur.payload_changed = strcmp(cur.payload_hash, payload_hash) != 0;
        if (cur.state == KS_INTENT_PENDING) {
            rc = write_intent(st, KS__ST_INTENT_RETRY, kind, source_id,
                              payload_hash, "recording an intent");
            cur.attempts++;
            ks__store_copy_field(cur.payload_hash, payload_hash);
        }
    }
out:
    rc = ks__store_op_end(st, rc, "store.intent_begin.before_commit");
    if (rc == KS_OK)
        *out = cur;
    return rc;
}

ks_rc ks_store_intent_complete(struct ks_store *st, const char *kind,
                               const char *source_id, const char *target_id)
{
    struct ks_intent cur;
    int found = 0;
    ks_rc rc;

    memset(&cur, 0, sizeof(cur));
    rc = check_key(st, kind, source_id);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "target_id", target_id, 0);
    if (rc)
        return rc;
    rc = ks__store_op_begin(st);
    if (rc)
        return rc;
    rc = read_intent(&found, &cur, st, kind, source_id);
    if (rc == KS_OK && !found)
        rc = ks__error_set(&st->err, KS_ENOTFOUND, 0, "no intent for %s \"%s\"",
                           kind, source_id);
    if (rc == KS_OK && cur.state == KS_INTENT_DONE &&
        strcmp(cur.target_id, target_id) != 0)
        rc = ks__error_set(&st->err, KS_ECONFLICT, 0,
                           "%s \"%s\" was already completed as \"%s\"", kind,
                           source_id, cur.target_id);
    if (rc == KS_OK && cur.state == KS_INTENT_PENDING)
        rc = write_intent(st, KS__ST_INTENT_DONE, kind, source_id, target_id,
                          "completing an intent");
    return ks__store_op_end(st, rc, "store.intent_complete.before_commit");
}

ks_rc ks_store_intent_get(struct ks_intent *out, struct ks_store *st,
                          const char *kind, const char *source_id)
{
    int found = 0;
    ks_rc rc;

    memset(out, 0, sizeof(*out));
    rc = check_key(st, kind, source_id);
    if (rc == KS_OK)
        rc = read_intent(&found, out, st, kind, source_id);
    if (rc == KS_OK && !found)
        rc = ks__error_set(&st->err, KS_ENOTFOUND, 0, "no intent for %s \"%s\"",
                           kind, source_id);
    return rc;
}

struct pending_scan {
    ks_store_intent_fn cb;
    void *ud;
};

/* Copies the row and resets the statement before the callback runs, so
 * the callback may complete the intent. */
static int pending_row(void *ctx, struct ks__stmt *s, int64_t *key)
{
    struct pending_scan *p = ctx;
    struct ks_intent in;

    intent_from_row(&in, s);
    *key = ks__store_col_int64(s, 6);
    ks__store_reset(s);
    return p->cb(&in, p->ud);
}

ks_rc ks_store_intent_each_pending(struct ks_store *st, const char *kind,
                                   ks_store_intent_fn cb, void *ud)
{
    struct pending_scan p = {cb, ud};
    const struct ks__store_scan scan = {
        KS__IT_INTENT, KS__ST_INTENT_NEXT_PENDING, "intent",    "kind",
        kind,          "listing intents",          pending_row, &p};

    return ks__store_scan(st, &scan, cb != NULL);
}
