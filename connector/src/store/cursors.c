/*
 * Sync cursors and the id maps between the two systems.
 */
#include <string.h>
#include "store/internal.h"

/* Runs a one-column lookup bound to (k1, k2) and copies the text into
 * *out; KS_ENOTFOUND (with `missing` as the message) when no row. */
static ks_rc lookup_text(char **out, struct ks_store *st,
                         enum ks__store_stmt_id id, const char *k1,
                         const char *k2, const char *missing)
{
    struct ks__stmt *s = ks__store_stmt(st, id);
    ks_rc rc;
    int src;

    rc = ks__store_bind_text(st, s, 1, k1);
    if (rc == KS_OK)
        rc = ks__store_bind_text(st, s, 2, k2);
    if (rc)
        goto out;
    src = ks__store_step(s, "reading the store");
    if (src == KS__DB_ROW) {
        *out = ks__strdup(ks__store_col_text(s, 0));
        if (!*out)
            rc = ks__error_set(&st->err, KS_ENOMEM, 0,
                               "reading %s: out of memory", missing);
    } else if (src == KS__DB_DONE) {
        rc = ks__error_set(&st->err, KS_ENOTFOUND, 0, "no %s", missing);
    } else {
        rc = (ks_rc)src;
    }
out:
    ks__store_reset(s);
    return rc;
}

ks_rc ks_store_cursor_get(char **out, struct ks_store *st, const char *flow,
                          const char *entity)
{
    ks_rc rc;

    *out = NULL;
    rc = ks__store_enter(st);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "flow", flow, 0);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "entity", entity, 0);
    if (rc == KS_OK)
        rc = lookup_text(out, st, KS__ST_CURSOR_GET, flow, entity,
                         "cursor for this flow and entity");
    return rc;
}

ks_rc ks_store_cursor_set(struct ks_store *st, const char *flow,
                          const char *entity, const char *value)
{
    const char *texts[] = {flow, entity, value};
    ks_rc rc;

    rc = ks__store_enter(st);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "flow", flow, 0);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "entity", entity, 0);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "cursor value", value, 0);
    if (rc)
        return rc;
    rc = ks__store_op_begin(st);
    if (rc)
        return rc;
    rc = ks__store_run(st, KS__ST_CURSOR_SET, "saving a cursor", texts, 3);
    return ks__store_op_end(st, rc, NULL);
}

/* ---- id maps ----------------------------------------------------------- */

static ks_rc check_map_args(struct ks_store *st, const char *kind,
                            const char *a_id, const char *a_what,
                            const char *b_id)
{
    ks_rc rc = ks__store_enter(st);

    if (rc == KS_OK)
        rc = ks__store_check_id(st, "kind", kind, 0);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, a_what, a_id, 0);
    if (rc == KS_OK && b_id)
        rc = ks__store_check_id(st, "b_id", b_id, 0);
    return rc;
}

/* 1 when the lookup found a row equal to want, 0 when no row, and
 * KS_ECONFLICT (as a negative rc) when a different one. */
static ks_rc existing_pair(int *found, struct ks_store *st,
                           enum ks__store_stmt_id id, const char *kind,
                           const char *key, const char *want, const char *side)
{
    char *have = NULL;
    ks_rc rc;

    *found = 0;
    rc = lookup_text(&have, st, id, kind, key, "mapping");
    if (rc == KS_ENOTFOUND) {
        ks__error_clear(&st->err);
        return KS_OK;
    }
    if (rc)
        return rc;
    if (strcmp(have, want) == 0)
        *found = 1;
    else
        rc = ks__error_set(&st->err, KS_ECONFLICT, 0,
                           "%s \"%s\" of kind %s is already mapped to "
                           "\"%s\"",
                           side, key, kind, have);
    ks__free(have);
    return rc;
}

ks_rc ks_store_map_put(struct ks_store *st, const char *kind, const char *a_id,
                       const char *b_id)
{
    int found_a = 0, found_b = 0;
    ks_rc rc;

    rc = check_map_args(st, kind, a_id, "a_id", b_id);
    if (rc == KS_OK && !b_id)
        rc = ks__store_check_id(st, "b_id", b_id, 0);
    if (rc)
        return rc;
    rc = ks__store_op_begin(st);
    if (rc)
        return rc;
    rc = existing_pair(&found_a, st, KS__ST_MAP_GET, kind, a_id, b_id, "a_id");
    if (rc == KS_OK)
        rc = existing_pair(&found_b, st, KS__ST_MAP_REVERSE, kind, b_id, a_id,
                           "b_id");
    if (rc == KS_OK && !found_a) {
        const char *texts[] = {kind, a_id, b_id};

        rc = ks__store_run(st, KS__ST_MAP_INSERT, "saving a mapping", texts, 3);
        if (rc == KS_ESTATE && ks__store_unique_violation(st))
            rc = ks__store_reset_error(st, KS_ECONFLICT,
                                       "another worker mapped this id at the "
                                       "same moment");
    }
    return ks__store_op_end(st, rc, NULL);
}

ks_rc ks_store_map_get(char **b_out, struct ks_store *st, const char *kind,
                       const char *a_id)
{
    ks_rc rc;

    *b_out = NULL;
    rc = check_map_args(st, kind, a_id, "a_id", NULL);
    if (rc == KS_OK)
        rc = lookup_text(b_out, st, KS__ST_MAP_GET, kind, a_id,
                         "mapping for this a_id");
    return rc;
}

ks_rc ks_store_map_find_reverse(char **a_out, struct ks_store *st,
                                const char *kind, const char *b_id)
{
    ks_rc rc;

    *a_out = NULL;
    rc = check_map_args(st, kind, b_id, "b_id", NULL);
    if (rc == KS_OK)
        rc = lookup_text(a_out, st, KS__ST_MAP_REVERSE, kind, b_id,
                         "mapping for this b_id");
    return rc;
}

ks_rc ks_store_map_delete(struct ks_store *st, const char *kind,
                          const char *a_id)
{
    const char *texts[] = {kind, a_id};
    ks_rc rc;

    rc = check_map_args(st, kind, a_id, "a_id", NULL);
    if (rc)
        return rc;
    rc = ks__store_op_begin(st);
    if (rc)
        return rc;
    rc = ks__store_run(st, KS__ST_MAP_DELETE, "removing a mapping", texts, 2);
    if (rc == KS_OK && ks__store_changes(st) == 0)
        rc = ks__error_set(&st->err, KS_ENOTFOUND, 0,
                           "no mapping for this a_id");
    return ks__store_op_end(st, rc, NULL);
}
