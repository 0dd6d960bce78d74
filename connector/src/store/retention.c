/*
 * Retention: the audit trail and completed intents older than a cut are
 * deleted, in one transaction, so the state file stops growing with
 * every record ever moved. Pending intents are never deleted: they are
 * exactly the writes whose outcome is still unknown.
 *
 * A deleted done intent no longer tells a later begin that the record was
 * written. So the kinds ever pruned are remembered (intents_pruned), and
 * for them begin answers PENDING, never NEW, for a source it has no row
 * for: the caller checks the remote system by reference before writing,
 * as after a crash, and a record seen again after the cut is found there
 * instead of written twice (intents.c).
 */
#include <string.h>
#include "store/internal.h"

/* Runs statement id bound to before_ms; the changed rows into *changed. */
static ks_rc run_cut(int64_t *changed, struct ks_store *st,
                     enum ks__store_stmt_id id, int64_t before_ms,
                     const char *what)
{
    struct ks__stmt *s = ks__store_stmt(st, id);
    ks_rc rc;

    *changed = 0;
    rc = ks__store_bind_int64(s, 1, before_ms);
    if (rc == KS_OK)
        rc = ks__store_exec(st, s, what);
    if (rc == KS_OK)
        *changed = ks__store_changes(st);
    ks__store_reset(s);
    return rc;
}

ks_rc ks_store_prune(struct ks_store_prune_counts *out, struct ks_store *st,
                     int64_t before_ms)
{
    struct ks_store_prune_counts n = {0, 0};
    int64_t marked = 0;
    ks_rc rc;

    if (out)
        memset(out, 0, sizeof(*out));
    rc = ks__store_enter(st);
    if (rc == KS_OK)
        rc = ks__store_op_begin(st);
    if (rc)
        return rc;
    rc = run_cut(&n.audit, st, KS__ST_AUDIT_PRUNE, before_ms,
                 "pruning the audit trail");
    /* The kinds first, in the same transaction as the delete: a crash
     * between the two would otherwise forget that a kind was pruned. */
    if (rc == KS_OK)
        rc = run_cut(&marked, st, KS__ST_INTENT_PRUNE_MARK, before_ms,
                     "recording pruned intent kinds");
    if (rc == KS_OK)
        rc = run_cut(&n.intents, st, KS__ST_INTENT_PRUNE, before_ms,
                     "pruning completed intents");
    rc = ks__store_op_end(st, rc, "store.prune.before_commit");
    if (rc == KS_OK && out)
        *out = n;
    return rc;
}

ks_rc ks__store_intent_kind_pruned(int *pruned, struct ks_store *st,
                                   const char *kind)
{
    struct ks__stmt *s = ks__store_stmt(st, KS__ST_INTENT_PRUNED);
    ks_rc rc = ks__store_bind_text(st, s, 1, kind);
    int src;

    *pruned = 0;
    if (rc == KS_OK) {
        src = ks__store_step(s, "reading pruned intent kinds");
        if (src == KS__DB_ROW)
            *pruned = 1;
        else if (src != KS__DB_DONE)
            rc = (ks_rc)src;
    }
    ks__store_reset(s);
    return rc;
}
