/*
 * OData entity sets of a service: GET collections (with the v2
 * "@odata.context"/"value" envelope or v1's "odata.metadata"), single
 * rows by key (positional or named), navigation to child sets, $expand,
 * the /List alias, and POST (201) / PATCH (204) / DELETE (204), which go
 * through the same write path as Update. No "@odata.nextLink" is ever
 * sent: integrators report that Epicor does not send one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "epicor_emu.h"

static void context_url(struct km__epicor_call *c, char *buf, size_t n,
                        const char *set, int entity)
{
    if (c->v1)
        snprintf(buf, n, "%s/%s/api/v1/%s/$metadata#%s%s", c->req->base_url,
                 c->emu->instance, c->service, set, entity ? "/@Element" : "");
    else
        snprintf(buf, n, "%s/%s/api/v2/odata/%s/%s/$metadata#%s%s",
                 c->req->base_url, c->emu->instance, c->co->id, c->service, set,
                 entity ? "/$entity" : "");
}

/* Adds the children named in $expand to each row. 0 or -1 (replied). */
static int expand(struct km__epicor_call *c, const struct km__odata_query *q,
                  struct km__epicor_table *t, cJSON *rows)
{
    for (size_t i = 0; i < q->nexpand; i++) {
        const struct km__epicor_tabledef *cd =
            km__epicor_def_by_set(c->service, q->expand[i]);
        struct km__odata_query sub;
        const char *opts = q->expand_opts ? q->expand_opts[i] : NULL;
        cJSON *row;

        if (!cd || cd->parent != (int)t->def->id) {
            km__epicor_error(c, 400,
                             "Epicor.RESTApi.ErrorHandling.ApiException",
                             "Could not find a navigation property named '%s' "
                             "on type 'Erp.Tablesets.%sRow'.",
                             q->expand[i], t->def->table);
            return -1;
        }
        if (opts && km__odata_expand_parse(&sub, c, opts, &c->co->t[cd->id]))
            return -1;
        cJSON_ArrayForEach(row, rows)
        {
            char *k = km__epicor_key_of_row(t, row, c->emu->ci);
            cJSON *arr = cJSON_CreateArray();

            if (k)
                km__epicor_children(arr, &c->co->t[cd->id], k);
            if (opts) /* odata_expand.c */
                arr = km__odata_expand_apply(&sub, c->emu, arr);
            km__epicor_put(row, q->expand[i], arr);
            free(k);
        }
        if (opts)
            km__odata_query_dispose(&sub);
    }
    return 0;
}

void km__epicor_envelope(struct km__epicor_call *c, const char *set,
                         cJSON *rows, int count, long n)
{
    cJSON *o = cJSON_CreateObject();
    char ctx[600], buf[32];

    context_url(c, ctx, sizeof(ctx), set, 0);
    cJSON_AddStringToObject(o, c->v1 ? "odata.metadata" : "@odata.context",
                            ctx);
    if (count && c->v1) {
        snprintf(buf, sizeof(buf), "%ld", n);
        cJSON_AddStringToObject(o, "odata.count", buf);
    } else if (count) {
        cJSON_AddNumberToObject(o, "@odata.count", (double)n);
    }
    cJSON_AddItemToObject(o, "value", rows);
    km__epicor_reply(c, 200, o);
}

/* Finds the row named by a key segment; replies on failure. */
static struct km__epicor_row *keyed_row(struct km__epicor_call *c,
                                        struct km__epicor_table *t,
                                        const char *keytext)
{
    char err[400], *key;
    cJSON *vals;
    struct km__epicor_row *r;
    const char *co;

    if (km__epicor_parse_keys(&vals, t->def, keytext, err, sizeof(err))) {
        km__epicor_error(c, 400, "Epicor.RESTApi.ErrorHandling.ApiException",
                         "%s", err);
        return NULL;
    }
    co = cJSON_GetArrayItem(vals, 0)->valuestring;
    key = km__epicor_key_of_values(t, vals, (size_t)cJSON_GetArraySize(vals),
                                   c->emu->ci);
    /* A row of another company is not found in this one. */
    r = co && strcasecmp(co, c->co->id) == 0 ? km__epicor_find(t, key) : NULL;
    free(key);
    cJSON_Delete(vals);
    if (!r)
        km__epicor_error(c, 404, NULL, "Record not found.");
    return r;
}

static void get(struct km__epicor_call *c, struct km__epicor_table *t,
                const char *keytext, const char *nav)
{
    struct km__odata_query q;
    struct km__epicor_table *qt = t;
    struct km__epicor_row *r = NULL;
    cJSON *rows;
    long count;

    if (keytext && !(r = keyed_row(c, t, keytext)))
        return;
    if (nav) {
        const struct km__epicor_tabledef *cd =
            km__epicor_def_by_set(c->service, nav);

        if (!cd || cd->parent != (int)t->def->id) {
            km__epicor_error(
                c, 404, "Epicor.RESTApi.ErrorHandling.ApiException",
                "Could not find a navigation property named '%s'.", nav);
            return;
        }
        qt = &c->co->t[cd->id];
    }
    if (km__odata_query_from_request(&q, c))
        return;
    if (km__odata_query_validate(c, &q, qt))
        goto out;
    if (r && !nav) {
        int tmp;
        cJSON *j = km__epicor_view(t, r, &tmp), *arr = cJSON_CreateArray(),
              *one;
        char ctx[600];

        cJSON_AddItemToArray(arr, tmp ? j : cJSON_Duplicate(j, 1));
        if (expand(c, &q, t, arr)) {
            cJSON_Delete(arr);
            goto out;
        }
        km__odata_query_project(&q, arr);
        one = cJSON_DetachItemFromArray(arr, 0);
        cJSON_Delete(arr);
        if (!c->v1) { /* the context first, as OData writers put it */
            cJSON *ctxi;

            context_url(c, ctx, sizeof(ctx), t->def->set, 1);
            cJSON_AddStringToObject(one, "@odata.context", ctx);
            ctxi =
                cJSON_DetachItemFromObjectCaseSensitive(one, "@odata.context");
            cJSON_InsertItemInArray(one, 0, ctxi);
        }
        km__epicor_reply(c, 200, one);
        goto out;
    }
    /* Without $expand, $select and v1's number-to-string conversion
     * (km__epicor_outconv) nothing changes the rows before they are
     * printed: share them instead of copying. */
    rows =
        km__odata_query_run(&q, c->emu, qt, r ? r->key : NULL, c->emu->page_cap,
                            !c->v1 && !q.nexpand && !q.nselect, &count);
    if (expand(c, &q, qt, rows)) {
        cJSON_Delete(rows);
        goto out;
    }
    km__odata_query_project(&q, rows);
    km__epicor_envelope(c, qt->def->set, rows, q.count, count);
out:
    km__odata_query_dispose(&q);
}

/* POST (create), PATCH (merge) and DELETE through the Update path. */
static void write_entity(struct km__epicor_call *c, struct km__epicor_table *t,
                         const char *keytext)
{
    const char *m = c->req->method;
    cJSON *ds, *rows, *row = NULL;
    struct km__epicor_row *r = NULL;
    int tmp;

    if (strcmp(m, "POST") == 0 && keytext) {
        km__epicor_error(c, 405, "Epicor.RESTApi.ErrorHandling.ApiException",
                         "POST is not supported on a single entity.");
        return;
    }
    if (strcmp(m, "POST") != 0 && (!keytext || !(r = keyed_row(c, t, keytext))))
        return;
    if (strcmp(m, "DELETE") != 0) {
        row = km_request_json(c->req);
        if (!cJSON_IsObject(row)) {
            cJSON_Delete(row);
            km__epicor_error(c, 400, NULL, "Unable to deserialize entity.");
            return;
        }
    }
    if (r) { /* PATCH merges into the stored row; DELETE sends it whole */
        cJSON *j = km__epicor_view(t, r, &tmp), *base = cJSON_Duplicate(j, 1);
        const cJSON *f;

        if (tmp)
            cJSON_Delete(j);
        cJSON_ArrayForEach(f, row)
            km__epicor_put(base, f->string, cJSON_Duplicate(f, 1));
        cJSON_Delete(row);
        row = base;
    }
    km__epicor_set_str(row, "RowMod",
                       strcmp(m, "POST") == 0     ? "A"
                       : strcmp(m, "DELETE") == 0 ? "D"
                                                  : "U");
    ds = cJSON_CreateObject();
    rows = cJSON_AddArrayToObject(ds, t->def->table);
    cJSON_AddItemToArray(rows, row);
    if (km__epicor_update_ds(c, ds, NULL) == 0) {
        if (strcmp(m, "POST") == 0) {
            cJSON *out = cJSON_DetachItemFromArray(rows, 0);

            km__epicor_reply(c, 201, out ? out : cJSON_CreateObject());
        } else {
            km_response_set(c->res, 204, NULL, "", 0);
        }
    }
    cJSON_Delete(ds);
}

void km__epicor_odata(struct km__epicor_call *c)
{
    char set[128];
    const char *seg = km_request_param(c->req, "entity_set");
    const char *paren = strchr(seg, '(');
    const char *nav = km_request_param(c->req, "navigation");
    const struct km__epicor_tabledef *d;
    const char *m = c->req->method;

    snprintf(set, sizeof(set), "%.*s",
             (int)(paren ? (size_t)(paren - seg) : strlen(seg)), seg);
    d = strcmp(set, "List") == 0 ? km__epicor_primary(c->service)
                                 : km__epicor_def_by_set(c->service, set);
    if (nav && !paren) {
        km__epicor_error(c, 404, "Epicor.RESTApi.ErrorHandling.ApiException",
                         "The resource '%s' was not found.", c->req->path);
    } else if (strcmp(m, "GET") == 0) {
        get(c, &c->co->t[d->id], paren, nav);
    } else if (!nav && strcmp(set, "List") != 0 &&
               (strcmp(m, "POST") == 0 || strcmp(m, "PATCH") == 0 ||
                strcmp(m, "MERGE") == 0 || strcmp(m, "DELETE") == 0)) {
        write_entity(c, &c->co->t[d->id], paren);
    } else {
        km__epicor_error(c, 405, "Epicor.RESTApi.ErrorHandling.ApiException",
                         "The requested resource does not support http "
                         "method '%s'.",
                         m);
    }
}
