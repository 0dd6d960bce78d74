/*
 * Options nested in $expand: `$expand=OrderDtls($select=A,B;$filter=...;
 * $top=N;$skip=N;$orderby=F desc)` (OData v4 §5.1.2; KDO uses
 * `$expand=UserComps($select=Company)` against a live v2 instance). The
 * options apply to each parent's own children: $top 1 keeps one line per
 * order. Options are separated by ';' outside parentheses and quotes; an
 * unknown option is 400 as at the top level.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/alloc.h>
#include "epicor_emu.h"

#define API_EXC "Epicor.RESTApi.ErrorHandling.ApiException"

/* Next option of opts at *pos: its name and value (malloc'ed). */
static int next_option(const char **pos, char **name, char **value)
{
    const char *s = *pos, *eq, *end = s;
    int depth = 0, quoted = 0;

    if (!*s)
        return 0;
    while (*end && (depth || quoted || *end != ';')) {
        if (*end == '\'')
            quoted = !quoted;
        else if (!quoted)
            depth += *end == '(' ? 1 : *end == ')' ? -1 : 0;
        end++;
    }
    eq = memchr(s, '=', (size_t)(end - s));
    *name = kx_xstrndup(s, eq ? (size_t)(eq - s) : (size_t)(end - s));
    *value = eq ? kx_xstrndup(eq + 1, (size_t)(end - eq - 1)) : kx_xstrdup("");
    *pos = *end ? end + 1 : end;
    return 1;
}

static int count_of(long *out, const char *v)
{
    char *end;
    long n = strtol(v, &end, 10);

    if (!*v || *end || n < 0)
        return -1;
    *out = n;
    return 0;
}

/* Splits a $select list (commas) into sub->select. */
static void select_list(struct km__odata_query *sub, const char *v)
{
    const char *p = v;

    while (*p) {
        size_t n = strcspn(p, ",");

        sub->select =
            kx_xrealloc(sub->select, (sub->nselect + 1) * sizeof(char *));
        sub->select[sub->nselect++] = kx_xstrndup(p, n);
        p += n + (p[n] == ',');
    }
}

int km__odata_expand_parse(struct km__odata_query *sub,
                           struct km__epicor_call *c, const char *opts,
                           struct km__epicor_table *t)
{
    const char *pos = opts;
    char *name, *value, *filter = NULL, *orderby = NULL, *sel = NULL;
    char err[400] = "";
    long top = -1, skip = 0;
    int quirk = c->emu->child_filter_quirk, rc = -1;

    memset(sub, 0, sizeof(*sub));
    sub->top = -1;
    while (!err[0] && next_option(&pos, &name, &value)) {
        char **slot = strcmp(name, "$filter") == 0    ? &filter
                      : strcmp(name, "$orderby") == 0 ? &orderby
                      : strcmp(name, "$select") == 0  ? &sel
                                                      : NULL;

        if (slot) {
            free(*slot);
            *slot = value;
            value = NULL;
        } else if (strcmp(name, "$top") == 0 ? count_of(&top, value)
                   : strcmp(name, "$skip") == 0
                       ? count_of(&skip, value)
                       : (snprintf(err, sizeof(err),
                                   "The query option '%s' is not supported "
                                   "inside $expand.",
                                   name),
                          0)) {
            snprintf(err, sizeof(err), "Invalid value for %s: '%s'", name,
                     value);
        }
        free(name);
        free(value);
    }
    if (!err[0] &&
        km__odata_query_from_strings(sub, filter, orderby, err, sizeof(err)))
        memset(sub, 0, sizeof(*sub));
    if (err[0]) {
        km__epicor_error(c, 400, API_EXC, "%s", err);
        goto out;
    }
    sub->top = top;
    sub->skip = skip;
    if (sel)
        select_list(sub, sel);
    /* Bound to the child's own type, whatever child_filter_quirk says of
     * child sets reached through their parent's service. */
    c->emu->child_filter_quirk = 0;
    rc = km__odata_query_validate(c, sub, t);
    c->emu->child_filter_quirk = quirk;
out:
    free(filter);
    free(orderby);
    free(sel);
    return rc;
}

cJSON *km__odata_expand_apply(const struct km__odata_query *sub,
                              struct km__epicor *emu, cJSON *children)
{
    long count;
    cJSON *out =
        km__odata_query_run_array(sub, emu, children, LONG_MAX, &count);

    km__odata_query_project(sub, out);
    cJSON_Delete(children);
    return out;
}
