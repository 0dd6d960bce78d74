/*
 * The audit trail: one row per record moved, skipped or refused.
 */
#include <string.h>
#include "store/internal.h"

static int outcome_valid(const char *outcome)
{
    static const char *const known[] = {"ok", "failed", "skipped", "duplicate"};
    size_t i;

    for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(outcome, known[i]) == 0)
            return 1;
    return 0;
}

static ks_rc check_outcome(struct ks_store *st, const char *outcome,
                           int optional)
{
    ks_rc rc = ks__store_check_id(st, "outcome", outcome, optional);

    if (rc == KS_OK && outcome && !outcome_valid(outcome))
        rc = ks__error_set(&st->err, KS_EINVAL, 0,
                           "outcome must be ok, failed, skipped or "
                           "duplicate");
    return rc;
}

static ks_rc check_entry(struct ks_store *st, const struct ks_audit_entry *e)
{
    ks_rc rc = KS_OK;

    if (!e)
        return ks__error_set(&st->err, KS_EINVAL, 0, "audit entry is missing");
    rc = ks__store_check_id(st, "flow", e->flow, 0);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "source_system", e->source_system, 0);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "source_id", e->source_id, 0);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "target_system", e->target_system, 0);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "target_id", e->target_id, 1);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "action", e->action, 0);
    if (rc == KS_OK)
        rc = check_outcome(st, e->outcome, 0);
    if (rc == KS_OK)
        rc = ks__store_check_text(st, "detail", e->detail, 1);
    if (rc == KS_OK && e->attempt < 0)
        rc = ks__error_set(&st->err, KS_EINVAL, 0, "attempt is negative");
    return rc;
}

ks_rc ks_store_audit_add(struct ks_store *st,
                         const struct ks_audit_entry *entry)
{
    const char *text[9];
    struct ks__stmt *s;
    int i;
    ks_rc rc;

    rc = ks__store_enter(st);
    if (rc == KS_OK)
        rc = check_entry(st, entry);
    if (rc)
        return rc;
    text[0] = entry->flow;
    text[1] = entry->source_system;
    text[2] = entry->source_id;
    text[3] = entry->target_system;
    text[4] = entry->target_id;
    text[5] = entry->action;
    text[6] = entry->outcome;
    rc = ks__store_op_begin(st);
    if (rc)
        return rc;
    s = ks__store_stmt(st, KS__ST_AUDIT_ADD);
    for (i = 0; rc == KS_OK && i < 7; i++)
        rc = ks__store_bind_text(st, s, i + 1, text[i]);
    if (rc == KS_OK)
        rc = ks__store_bind_int64(s, 8, entry->attempt);
    if (rc == KS_OK)
        rc = ks__store_bind_int64(s, 10, entry->at_ms);
    if (rc == KS_OK)
        rc = ks__store_bind_text(st, s, 9, entry->detail);
    if (rc == KS_OK)
        rc = ks__store_exec(st, s, "adding to the audit trail");
    ks__store_reset(s);
    return ks__store_op_end(st, rc, NULL);
}

/* Binds the filter at positions first (flow), first + 1 (outcome) and
 * first + 2 (since_ms). */
static ks_rc bind_filter(struct ks_store *st, struct ks__stmt *s, int first,
                         const struct ks_audit_filter *f)
{
    ks_rc rc;

    rc = ks__store_bind_text(st, s, first, f ? f->flow : NULL);
    if (rc == KS_OK)
        rc = ks__store_bind_text(st, s, first + 1, f ? f->outcome : NULL);
    if (rc == KS_OK)
        rc = ks__store_bind_int64(s, first + 2,
                                  f && f->since_ms ? f->since_ms : INT64_MIN);
    return rc;
}

static ks_rc check_filter(struct ks_store *st, const struct ks_audit_filter *f)
{
    ks_rc rc = ks__store_enter(st);

    if (rc == KS_OK && f)
        rc = ks__store_check_id(st, "flow", f->flow, 1);
    if (rc == KS_OK && f)
        rc = check_outcome(st, f->outcome, 1);
    return rc;
}

static const char *col_text(struct ks__stmt *s, int col)
{
    return ks__store_col_text(s, col);
}

static void entry_from_row(struct ks_audit_entry *e, struct ks__stmt *s)
{
    e->flow = col_text(s, 0);
    e->source_system = col_text(s, 1);
    e->source_id = col_text(s, 2);
    e->target_system = col_text(s, 3);
    e->target_id = col_text(s, 4);
    e->action = col_text(s, 5);
    e->outcome = col_text(s, 6);
    e->attempt = (int)ks__store_col_int64(s, 7);
    e->detail = col_text(s, 8);
    e->at_ms = ks__store_col_int64(s, 9);
}

ks_rc ks_store_audit_each(struct ks_store *st,
                          const struct ks_audit_filter *filter,
                          ks_store_audit_fn cb, void *ud)
{
    struct ks_audit_entry e;
    struct ks__stmt *s;
    int64_t last = 0;
    int src, stop = 0;
    ks_rc rc;

    rc = check_filter(st, filter);
    if (rc == KS_OK)
        rc = ks__store_iter_start(st, KS__IT_AUDIT, cb != NULL, "audit");
    if (rc)
        return rc;
    /* One row per query keyed on the last id: entries appended by the
     * callback are visited too, and no scan spans the callback's writes.
     * The row stays current during the callback (its strings live in the
     * statement), which is why this iterator is not re-entrant. */
    while (rc == KS_OK && !stop) {
        s = ks__store_stmt(st, KS__ST_AUDIT_NEXT);
        rc = ks__store_bind_int64(s, 1, last);
        if (rc == KS_OK)
            rc = bind_filter(st, s, 2, filter);
        if (rc)
            break;
        src = ks__store_step(s, "reading the audit trail");
        if (src == KS__DB_ROW) {
            entry_from_row(&e, s);
            last = ks__store_col_int64(s, 10);
            stop = cb(&e, last, ud);
            if (stop < 0)
                rc = (ks_rc)stop;
        } else if (src == KS__DB_DONE) {
            stop = 1;
        } else {
            rc = (ks_rc)src;
        }
        ks__store_reset(s);
    }
    st->iterating[KS__IT_AUDIT] = 0;
    return rc;
}

ks_rc ks_store_audit_count(int64_t *out, struct ks_store *st,
                           const struct ks_audit_filter *filter)
{
    struct ks__stmt *s;
    ks_rc rc;

    *out = 0;
    rc = check_filter(st, filter);
    if (rc)
        return rc;
    s = ks__store_stmt(st, KS__ST_AUDIT_COUNT);
    rc = bind_filter(st, s, 1, filter);
    if (rc == KS_OK)
        rc = ks__store_count(out, s, "counting the audit trail");
    ks__store_reset(s);
    return rc;
}
