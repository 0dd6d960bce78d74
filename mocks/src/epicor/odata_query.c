/*
 * OData query options ($filter $select $orderby $top $skip $count
 * $expand): reading them from a request or from strings, checking their
 * fields against an entity type; and key segments. Running a query over
 * a table is odata_run.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <kx/alloc.h>
#include "epicor_emu.h"

static const char *const known_opts[] = {
    "$filter", "$select", "$orderby", "$top",         "$skip",
    "$count",  "$expand", "$format",  "$inlinecount", NULL};

static char *trim_dup(const char *s, size_t n)
{
    char *d;

    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    d = kx_xstrndup(s, n);
    return d;
}

/* Splits on commas outside parentheses. */
static size_t split_list(char ***out, const char *s)
{
    size_t n = 0;
    char **v = NULL;

    while (s && *s) {
        const char *p = s;
        int depth = 0;

        while (*p && (depth || *p != ',')) {
            depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
            p++;
        }
        v = kx_xrealloc(v, (n + 1) * sizeof(*v));
        v[n++] = trim_dup(s, (size_t)(p - s));
        s = *p ? p + 1 : p;
    }
    *out = v;
    return n;
}

void km__odata_query_dispose(struct km__odata_query *q)
{
    km__odata_filter_free(q->filter);
    free(q->filter_text);
    for (size_t i = 0; i < q->nselect; i++)
        free(q->select[i]);
    free(q->select);
    for (size_t i = 0; i < q->norder; i++)
        free(q->order[i].field);
    free(q->order);
    for (size_t i = 0; i < q->nexpand; i++) {
        free(q->expand[i]);
        free(q->expand_opts ? q->expand_opts[i] : NULL);
    }
    free(q->expand_opts);
    free(q->expand);
    memset(q, 0, sizeof(*q));
    q->top = -1;
}

static int parse_orderby(struct km__odata_query *q, const char *text, char *err,
                         size_t errsz)
{
    char **items;
    size_t n = split_list(&items, text);
    int rc = 0;

    q->order = kx_xcalloc(n ? n : 1, sizeof(*q->order));
    for (size_t i = 0; i < n; i++) {
        char *sp = strchr(items[i], ' ');

        if (sp) {
            char *dir = sp + strspn(sp, " ");

            *sp = '\0';
            if (strcmp(dir, "desc") == 0)
                q->order[q->norder].desc = 1;
            else if (strcmp(dir, "asc") != 0 && rc == 0)
                rc = -1, snprintf(err, errsz,
                                  "Invalid $orderby direction '%s' (asc or "
                                  "desc)",
                                  dir);
        }
        q->order[q->norder++].field = items[i];
    }
    free(items);
    return rc;
}

static int parse_filter(struct km__odata_query *q, const char *text, char *err,
                        size_t errsz)
{
    struct km__odata_filter_err fe;

    q->filter_text = kx_xstrdup(text);
    if (km__odata_filter_parse(&q->filter, text, &fe)) {
        snprintf(err, errsz, "Invalid $filter '%.200s': %.150s", text, fe.msg);
        return -1;
    }
    return 0;
}

int km__odata_query_from_strings(struct km__odata_query *q, const char *filter,
                                 const char *orderby, char *err, size_t errsz)
{
    memset(q, 0, sizeof(*q));
    q->top = -1;
    if (filter && filter[strspn(filter, " ")] &&
        parse_filter(q, filter, err, errsz))
        return -1;
    if (orderby && *orderby && parse_orderby(q, orderby, err, errsz))
        return -1;
    return 0;
}

struct optcheck {
    char bad[64];
};

static int check_opt(void *ud, const char *name, const char *value)
{
    struct optcheck *oc = ud;

    (void)value;
    if (name[0] != '$')
        return 0;
    for (size_t i = 0; known_opts[i]; i++) {
        if (strcmp(known_opts[i], name) == 0)
            return 0;
    }
    snprintf(oc->bad, sizeof(oc->bad), "%s", name);
    return 1;
}

static int parse_count(long *out, const char *s)
{
    char *end;
    long v;

    if (!s)
        return 0;
    v = strtol(s, &end, 10);
    if (!*s || *end || v < 0)
        return -1;
    *out = v;
    return 0;
}

int km__odata_query_from_request(struct km__odata_query *q,
                                 struct km__epicor_call *c)
{
    const struct km_request *req = c->req;
    struct optcheck oc = {{0}};
    const char *v;
    char err[400] = "";

    memset(q, 0, sizeof(*q));
    q->top = -1;
    km_request_args_each(req, check_opt, &oc);
    if (oc.bad[0]) {
        snprintf(err, sizeof(err), "The query parameter '%s' is not supported.",
                 oc.bad);
        goto fail;
    }
    if ((v = km_request_arg(req, "$filter")) &&
        parse_filter(q, v, err, sizeof(err)))
        goto fail;
    if ((v = km_request_arg(req, "$orderby")) &&
        parse_orderby(q, v, err, sizeof(err)))
        goto fail;
    if ((v = km_request_arg(req, "$select")))
        q->nselect = split_list(&q->select, v);
    if ((v = km_request_arg(req, "$expand"))) {
        q->nexpand = split_list(&q->expand, v);
        q->expand_opts =
            kx_xcalloc(q->nexpand ? q->nexpand : 1, sizeof(char *));
        for (size_t i = 0; i < q->nexpand; i++) {
            char *paren = strchr(q->expand[i], '('), *close;

            if (paren && (close = strrchr(paren, ')')) && close > paren + 1)
                q->expand_opts[i] =
                    kx_xstrndup(paren + 1, (size_t)(close - paren - 1));
            if (paren)
                *paren = '\0';
        }
    }
    if (parse_count(&q->top, km_request_arg(req, "$top"))) {
        snprintf(err, sizeof(err), "Invalid value for $top: '%s'",
                 km_request_arg(req, "$top"));
        goto fail;
    }
    if (parse_count(&q->skip, km_request_arg(req, "$skip"))) {
        snprintf(err, sizeof(err), "Invalid value for $skip: '%s'",
                 km_request_arg(req, "$skip"));
        goto fail;
    }
    v = km_request_arg(req, "$count");
    if (v && strcmp(v, "true") != 0 && strcmp(v, "false") != 0) {
        snprintf(err, sizeof(err), "Invalid value for $count: '%s'", v);
        goto fail;
    }
    q->count = v && strcmp(v, "true") == 0;
    v = km_request_arg(req, "$inlinecount");
    q->count |= v && strcmp(v, "allpages") == 0;
    return 0;
fail:
    km__odata_query_dispose(q);
    km__epicor_error(c, 400, "Epicor.RESTApi.ErrorHandling.ApiException", "%s",
                     err);
    return -1;
}

struct vctx {
    const struct km__epicor_table *t;
    const char *bad;
    size_t pos;
};

static int field_known(void *ud, const char *field, size_t pos)
{
    struct vctx *v = ud;

    if (cJSON_HasObjectItem(v->t->fields, field))
        return 0;
    v->bad = field;
    v->pos = pos;
    return 1;
}

int km__odata_query_validate(struct km__epicor_call *c,
                             const struct km__odata_query *q,
                             const struct km__epicor_table *t)
{
    struct vctx v = {.t = t};
    const struct km__epicor_table *ft = t;

    /* Reported quirk: a child set's $filter is bound to the parent type. */
    if (c->emu->child_filter_quirk && t->def->parent >= 0)
        ft = &t->co->t[t->def->parent];
    v.t = ft;
    if (km__odata_filter_fields_each(q->filter, field_known, &v)) {
        km__epicor_error(
            c, 400, "Epicor.RESTApi.ErrorHandling.ApiException",
            "Invalid $filter: could not find a property named '%s' "
            "on type 'Erp.Tablesets.%sRow' (position %zu).",
            v.bad, ft->def->table, v.pos);
        return -1;
    }
    v.t = t;
    for (size_t i = 0; i < q->nselect + q->norder; i++) {
        const char *f =
            i < q->nselect ? q->select[i] : q->order[i - q->nselect].field;

        if (strcmp(f, "*") != 0 && field_known(&v, f, 0)) {
            km__epicor_error(c, 400,
                             "Epicor.RESTApi.ErrorHandling.ApiException",
                             "Could not find a property named '%s' on type "
                             "'Erp.Tablesets.%sRow'.",
                             f, t->def->table);
            return -1;
        }
    }
    return 0;
}

/* ---- keys ------------------------------------------------------------ */

int km__epicor_parse_keys(cJSON **out, const struct km__epicor_tabledef *def,
                          const char *text, char *err, size_t errsz)
{
    size_t nk = km__epicor_nkeys(def), n = 0;
    cJSON *vals[KM_EPI_MAX_KEYS] = {0};
    const char *p = text;
    int named = -1, rc = -1;

    *out = NULL;
    if (*p++ != '(') {
        snprintf(err, errsz, "Malformed key segment '%s'", text);
        return -1;
    }
    while (*p && *p != ')') {
        struct km__odata_value v;
        struct km__odata_filter_err fe;
        size_t slot = n;
        const char *eq = p + strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij"
                                       "klmnopqrstuvwxyz0123456789_");

        if (*eq == '=' && eq > p) { /* Name=value */
            if (named == 0)
                goto mixed;
            named = 1;
            for (slot = 0; slot < nk; slot++) {
                if (strlen(def->keys[slot]) == (size_t)(eq - p) &&
                    strncasecmp(def->keys[slot], p, (size_t)(eq - p)) == 0)
                    break;
            }
            if (slot == nk) {
                snprintf(err, errsz,
                         "'%.*s' is not a key property of "
                         "'Erp.Tablesets.%sRow'",
                         (int)(eq - p), p, def->table);
                goto out;
            }
            p = eq + 1;
        } else {
            if (named == 1)
                goto mixed;
            named = 0;
        }
        if (km__odata_filter_literal(&v, &p, text, &fe)) {
            snprintf(err, errsz, "Malformed key segment: %s", fe.msg);
            goto out;
        }
        if (slot >= nk || vals[slot]) {
            km__odata_value_dispose(&v);
            goto count;
        }
        if (((def->numeric >> slot) & 1) && v.type != KM_OV_INT &&
            v.type != KM_OV_DEC) {
            snprintf(err, errsz, "Key property '%s' expects a number",
                     def->keys[slot]);
            km__odata_value_dispose(&v);
            goto out;
        }
        vals[slot] = km__odata_value_to_json(&v);
        km__odata_value_dispose(&v);
        n++;
        p += strspn(p, " ");
        if (*p == ',')
            p++;
    }
    if (*p != ')' || p[1]) {
        snprintf(err, errsz, "Malformed key segment '%s'", text);
        goto out;
    }
    if (n != nk)
        goto count;
    *out = cJSON_CreateArray();
    for (size_t i = 0; i < nk; i++) {
        cJSON_AddItemToArray(*out, vals[i]);
        vals[i] = NULL;
    }
    rc = 0;
    goto out;
mixed:
    snprintf(err, errsz, "Key values must be all positional or all named");
    goto out;
count:
    snprintf(err, errsz,
             "The number of keys specified in the URI does not match number "
             "of key properties for the resource 'Erp.Tablesets.%sRow' "
             "(%zu expected: %s...).",
             def->table, nk, def->keys[0]);
out:
    for (size_t i = 0; i < nk; i++)
        cJSON_Delete(vals[i]);
    return rc;
}
