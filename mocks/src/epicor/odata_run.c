/*
 * Running an OData query over a table: which rows to visit, the filter,
 * $orderby, $skip/$top and $count.
 *
 * The rows are walked in the order of the reply: SysRevID order (from a
 * binary-searched start) when the order is SysRevID, by $orderby or the
 * "sysrevid" default order; key order otherwise. Then, cheapest first:
 *
 * - No filter (or, in SysRevID order, only "SysRevID gt/ge N"): every
 *   row of the range matches, so $skip is an index, $count a
 *   subtraction; O(page) whatever the offset.
 * - An index narrows the candidates when the filter's top-level
 *   conjuncts allow it: equality on the first key fields (PartNum eq
 *   'X'; the key range, by_key), a range of whole numbers on a numeric
 *   first key field (PONUM ge 7 and PONUM le 9; by_key), "SysRevID gt
 *   N" (by_rev) or a range on
 *   the change stamp with a date literal (ChangedOn, ChangeDate,
 *   LastChangedOn: by_stamp). The smallest range is used when it is
 *   under a quarter of the rows; its rows are put in the reply's order
 *   and the whole filter is still tested on each, so an index only ever
 *   saves work. O(c log c) for c candidates.
 * - Otherwise every row of the range is tested: linear, but on the
 *   stored values (generated rows are never built as JSON to be tested
 *   or skipped); only the rows of the page are built.
 *
 * An explicit $orderby on other fields sorts every match.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/alloc.h>
#include "common/joined.h"
#include "epicor_emu.h"

struct hit {
    cJSON *row;
    size_t idx;
};

static _Thread_local const struct km__odata_query *sort_q;
static _Thread_local int sort_ci;

static int cmp_hits(const void *a, const void *b)
{
    const struct hit *x = a, *y = b;

    for (size_t i = 0; i < sort_q->norder; i++) {
        const char *f = sort_q->order[i].field;
        int r = km__odata_json_compare(
            cJSON_GetObjectItemCaseSensitive(x->row, f),
            cJSON_GetObjectItemCaseSensitive(y->row, f), sort_ci);
        if (r)
            return sort_q->order[i].desc ? -r : r;
    }
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static long page_limit(const struct km__odata_query *q, long cap)
{
    return q->top >= 0 && q->top < cap ? q->top : cap;
}

static int order_is_revid(const struct km__odata_query *q)
{
    return q->norder == 1 && !q->order[0].desc &&
           strcmp(q->order[0].field, "SysRevID") == 0;
}

/* A row for the result: the view itself when it is a temporary, else a
 * copy, or with share a reference to the stored row (no copy). */
static cJSON *result_row(const struct km__epicor_table *t,
                         struct km__epicor_row *r, int share)
{
    int tmp;
    cJSON *view = km__epicor_view(t, r, &tmp);
    cJSON *row = tmp     ? view
                 : share ? cJSON_CreateObjectReference(view->child)
                         : cJSON_Duplicate(view, 1);

    if (!row)
        abort();
    return row;
}

/* The rows of an unsorted result, in order: items of a JSON array, or
 * with share the rows' kept v2 texts joined (common/joined.h). */
struct page {
    cJSON *array;
    struct km__joined texts;
    int share;
};

static void page_add(struct page *p, struct km__epicor *emu,
                     const struct km__epicor_table *t, struct km__epicor_row *r,
                     long limit)
{
    char *printed = NULL;
    const char *text;
    size_t len;

    if (!p->share) {
        cJSON_AddItemToArray(p->array, result_row(t, r, 0));
        return;
    }
    if (r->json) {
        text = km__epicor_row_text(emu, r, &len);
    } else { /* generated: printed for this page only */
        int tmp;
        cJSON *view = km__epicor_view(t, r, &tmp);

        text = printed = km__epicor_v2_text(emu, view);
        len = strlen(text);
        cJSON_Delete(view);
    }
    km__joined_add(&p->texts, text, len, (size_t)limit);
    cJSON_free(printed);
}

/* The result: the array, or the raw item of the joined texts. */
static cJSON *page_end(struct page *p)
{
    cJSON *raw;

    if (!p->texts.n)
        return p->array;
    raw = km__joined_end(&p->texts);
    raw->valueint = KM__EPICOR_V2_TEXT;
    cJSON_Delete(p->array);
    return raw;
}

/* ---- index plans ----------------------------------------------------- */

/* What the filter's top-level conjuncts say about the indexed fields. */
struct plan {
    const struct km__epicor_table *t;
    const struct km__odata_value *keyval[KM_EPI_MAX_KEYS];
    /* a whole-number range on the first key field (PONUM ge 7 and PONUM
     * le 9): [from, to], INT64_MIN / INT64_MAX when open */
    int64_t key1_from, key1_to;
    int64_t stamp_from, stamp_to; /* [from, to) holds every match */
    int stamp_bounded;
};

static void note_conjunct(void *ud, const char *field, enum km__odata_cmp op,
                          const struct km__odata_value *lit)
{
    struct plan *p = ud;
    const struct km__epicor_tabledef *d = p->t->def;
    const char *stamp = km__epicor_stamp_field(d);

    for (size_t i = 1; d->keys[i]; i++) {
        int numeric = (d->numeric >> i) & 1;

        /* Only a literal of the key's own type: the key's encoding of
         * anything else need not bound the rows the filter matches. */
        if (op == KM_OC_EQ && strcmp(field, d->keys[i]) == 0 &&
            (numeric ? lit->type == KM_OV_INT || lit->type == KM_OV_DEC
                     : lit->type == KM_OV_STR))
            p->keyval[i] = lit;
    }
    /* Non-negative whole numbers only: their key encoding (zero-padded)
     * sorts as they do. */
    if (d->keys[1] && ((d->numeric >> 1) & 1) &&
        strcmp(field, d->keys[1]) == 0 && lit->type == KM_OV_INT &&
        lit->i >= 0 && lit->i < INT64_MAX) {
        if ((op == KM_OC_GE || op == KM_OC_GT) &&
            lit->i + (op == KM_OC_GT) > p->key1_from)
            p->key1_from = lit->i + (op == KM_OC_GT);
        if ((op == KM_OC_LE || op == KM_OC_LT) &&
            lit->i - (op == KM_OC_LT) < p->key1_to)
            p->key1_to = lit->i - (op == KM_OC_LT);
    }
    if (stamp && strcmp(field, stamp) == 0 && lit->type == KM_OV_DATE &&
        op != KM_OC_NE) {
        /* ChangeDate is a date and the stamp adds ChangeTime: a bound
         * from above widens by a day. */
        int64_t slack = d->stamp == STAMP_DATE_TIME ? 86400000 : 1;

        if ((op == KM_OC_GT || op == KM_OC_GE || op == KM_OC_EQ) &&
            lit->ms > p->stamp_from)
            p->stamp_from = lit->ms;
        if ((op == KM_OC_LT || op == KM_OC_LE || op == KM_OC_EQ) &&
            lit->ms + slack < p->stamp_to)
            p->stamp_to = lit->ms + slack;
        p->stamp_bounded = 1;
    }
}

/* The by_key range of the rows whose first key fields equal the filter's
 * "Key eq literal" conjuncts, or 0 when there is none. */
static int key_range(const struct plan *p, size_t *lo, size_t *hi, int ci)
{
    const struct km__epicor_table *t = p->t;
    cJSON *vals = cJSON_CreateArray();
    size_t m = 1, len;
    char *key;

    if (!vals)
        abort();
    cJSON_AddItemToArray(vals, cJSON_CreateNull()); /* Company */
    while (t->def->keys[m] && p->keyval[m])
        cJSON_AddItemToArray(vals, km__odata_value_to_json(p->keyval[m++]));
    key = m > 1 ? km__epicor_key_of_values(t, vals, m, ci) : NULL;
    cJSON_Delete(vals);
    if (!key)
        return 0;
    /* The key itself and every key it prefixes (\x01 joins parts; \x02
     * sorts after all of them). */
    len = strlen(key);
    *lo = km__epicor_lower_bound(t, key);
    key = kx_xrealloc(key, len + 2);
    key[len] = '\x02';
    key[len + 1] = '\0';
    *hi = km__epicor_lower_bound(t, key);
    free(key);
    return 1;
}

/* The by_key range of the rows whose first key field lies in the
 * filter's whole-number range, or 0 when it gives none. */
static int key1_range(const struct plan *p, size_t *lo, size_t *hi)
{
    char key[48];

    if (p->key1_from == INT64_MIN && p->key1_to == INT64_MAX)
        return 0;
    *lo = 0;
    *hi = p->t->n;
    if (p->key1_from > 0) {
        snprintf(key, sizeof(key), "%020" PRId64, p->key1_from);
        *lo = km__epicor_lower_bound(p->t, key);
    }
    if (p->key1_to < 0) {
        *hi = *lo;
    } else if (p->key1_to != INT64_MAX) {
        /* the key and every key it prefixes (\x02 sorts after \x01) */
        snprintf(key, sizeof(key), "%020" PRId64 "\x02", p->key1_to);
        *hi = km__epicor_lower_bound(p->t, key);
    }
    if (*hi < *lo)
        *hi = *lo;
    return 1;
}

/* Candidates from the narrowest index range, in the walk's order (a
 * malloc'ed array of *n rows), or NULL when walking is cheaper. */
static struct km__epicor_row **
index_candidates(const struct km__odata_query *q, const struct km__epicor *emu,
                 const struct km__epicor_table *t, int by_rev, int64_t floor,
                 size_t walk, size_t *n)
{
    struct plan p = {.t = t,
                     .stamp_from = INT64_MIN,
                     .stamp_to = INT64_MAX,
                     .key1_from = INT64_MIN,
                     .key1_to = INT64_MAX};
    struct km__epicor_row **src = NULL, **out;
    size_t lo = 0, hi = 0, best = walk / 4, a, b;
    int sorted = 0;

    km__odata_filter_conjuncts_each(q->filter, note_conjunct, &p);
    if (key_range(&p, &a, &b, emu->ci) && b - a < best) {
        src = t->by_key, lo = a, hi = b, best = b - a;
        sorted = !by_rev;
    }
    if (key1_range(&p, &a, &b) && b - a < best) {
        src = t->by_key, lo = a, hi = b, best = b - a;
        sorted = !by_rev;
    }
    if (!by_rev && floor != INT64_MIN &&
        (a = km__epicor_rev_bound(t, floor)) < t->n && t->n - a < best) {
        src = t->by_rev, lo = a, hi = t->n, best = t->n - a;
        sorted = 0;
    }
    if (p.stamp_bounded) {
        km__epicor_stamp_range(t, p.stamp_from, p.stamp_to, &a, &b);
        if (b - a < best || (b == a && best > 0)) {
            src = t->by_stamp, lo = a, hi = b, best = b - a;
            sorted = 0;
        }
    }
    if (!src)
        return NULL;
    *n = hi - lo;
    out = kx_xmalloc((*n ? *n : 1) * sizeof(*out));
    memcpy(out, src + lo, *n * sizeof(*out));
    if (!sorted)
        qsort(out, *n, sizeof(*out),
              by_rev ? km__epicor_cmp_rev : km__epicor_cmp_key);
    return out;
}

/* ---- running --------------------------------------------------------- */

cJSON *km__odata_query_run(const struct km__odata_query *q,
                           struct km__epicor *emu, struct km__epicor_table *t,
                           const char *pkey, long cap, int share, long *count)
{
    struct page page = {cJSON_CreateArray(), KM__JOINED_INIT, share};
    int64_t floor = km__odata_filter_revid_floor(q->filter);
    long limit = page_limit(q, cap), matched = 0, taken = 0;
    int by_rev =
        !pkey && (order_is_revid(q) || (q->norder == 0 && !emu->order_by_key));
    int sorting = q->norder > 0 && !(by_rev && order_is_revid(q));
    struct km__epicor_row **walk = by_rev ? t->by_rev : t->by_key,
                          **cands = NULL;
    struct hit *hits = NULL;
    size_t nhits = 0, cap_hits = 0, start = 0, end = t->n;

    if (pkey) {
        size_t plen = strlen(pkey);
        char *prefix = kx_xmalloc(plen + 2);

        /* The children: keys that start with pkey \x01. */
        memcpy(prefix, pkey, plen);
        prefix[plen] = '\x01';
        prefix[plen + 1] = '\0';
        start = km__epicor_lower_bound(t, prefix);
        prefix[plen] = '\x02';
        end = km__epicor_lower_bound(t, prefix);
        free(prefix);
    } else if (by_rev) {
        start = km__epicor_rev_bound(t, floor);
    }
    if (!sorting && (!q->filter ||
                     (by_rev && km__odata_filter_is_revid_floor(q->filter)))) {
        /* Every row of the range matches: the page is a slice. */
        size_t from = start + (size_t)q->skip;

        for (size_t i = from; i < end && taken < limit; i++, taken++)
            page_add(&page, emu, t, walk[i], limit);
        *count = (long)(end - start);
        return page_end(&page);
    }
    if (!pkey && q->filter) {
        size_t n;

        cands = index_candidates(q, emu, t, by_rev, floor, end - start, &n);
        if (cands)
            walk = cands, start = 0, end = n;
    }
    for (size_t i = start; i < end; i++) {
        struct km__epicor_row *r = walk[i];

        if (r->revid <= floor ||
            !km__epicor_row_matches(q->filter, t, r, emu->ci))
            continue;
        matched++;
        if (sorting) {
            if (nhits == cap_hits) {
                cap_hits = cap_hits ? cap_hits * 2 : 64;
                hits = kx_xrealloc(hits, cap_hits * sizeof(*hits));
            }
            hits[nhits].row = result_row(t, r, share);
            hits[nhits].idx = nhits;
            nhits++;
            continue;
        }
        if (matched > q->skip && taken < limit) {
            page_add(&page, emu, t, r, limit);
            taken++;
        }
        if (taken >= limit && !q->count)
            break;
    }
    if (sorting) {
        sort_q = q;
        sort_ci = emu->ci;
        /* qsort's array is declared nonnull: with no match hits is NULL */
        if (nhits > 0)
            qsort(hits, nhits, sizeof(*hits), cmp_hits);
        for (size_t i = 0; i < nhits; i++) {
            if ((long)i >= q->skip && taken < limit) {
                cJSON_AddItemToArray(page.array, hits[i].row);
                taken++;
            } else {
                cJSON_Delete(hits[i].row);
            }
        }
    }
    free(hits);
    free(cands);
    *count = matched;
    return page_end(&page);
}

cJSON *km__odata_query_run_array(const struct km__odata_query *q,
                                 struct km__epicor *emu, const cJSON *rows,
                                 long cap, long *count)
{
    cJSON *out = cJSON_CreateArray();
    struct hit *hits =
        kx_xcalloc((size_t)cJSON_GetArraySize(rows) + 1, sizeof(*hits));
    size_t n = 0;
    long limit = page_limit(q, cap), taken = 0;
    const cJSON *r;

    cJSON_ArrayForEach(r, rows)
    {
        if (km__odata_filter_eval(q->filter, r, emu->ci)) {
            hits[n].row = (cJSON *)r;
            hits[n].idx = n;
            n++;
        }
    }
    if (q->norder) {
        sort_q = q;
        sort_ci = emu->ci;
        qsort(hits, n, sizeof(*hits), cmp_hits);
    }
    for (size_t i = (size_t)q->skip; i < n && taken < limit; i++, taken++)
        cJSON_AddItemToArray(out, cJSON_Duplicate(hits[i].row, 1));
    free(hits);
    *count = (long)n;
    return out;
}

void km__odata_query_project(const struct km__odata_query *q, cJSON *rows)
{
    cJSON *row;

    if (!q->nselect)
        return;
    for (size_t i = 0; i < q->nselect; i++) {
        if (strcmp(q->select[i], "*") == 0)
            return;
    }
    cJSON_ArrayForEach(row, rows)
    {
        cJSON *f = row->child, *next;

        for (; f; f = next) {
            size_t i = 0;

            next = f->next;
            while (i < q->nselect && strcmp(q->select[i], f->string) != 0)
                i++;
            if (i == q->nselect && !cJSON_IsArray(f))
                cJSON_Delete(cJSON_DetachItemViaPointer(row, f));
        }
    }
}
