/*
 * The searchCriteria builder: filters, sort orders and paging as the
 * (name, value) query pairs Adobe Commerce reads (MGD
 * performing-searches.md), escaped later by curl_url.
 */
#include <stdio.h>
#include <string.h>
#include "adobe_int.h"

struct ks_adobe_search {
    char **pairs; /* name, value, name, value, ... (owned) */
    size_t n, cap;
    int groups;  /* filter groups begun */
    int filters; /* filters in the current group */
    int sorts;
    int page_size;
    int first_page;
    int want_group; /* ks_adobe_search_and was called */
};

static const char *const condition_names[] = {
#define KS_ADOBE_COND_NAME(name, text) text,
    KS_ADOBE_CONDITIONS(KS_ADOBE_COND_NAME)
#undef KS_ADOBE_COND_NAME
};

const char *ks_adobe_condition_name(enum ks_adobe_condition c)
{
    if ((int)c < 0 || c >= KS_ADOBE_NCONDITIONS)
        return NULL;
    return condition_names[c];
}

ks_rc ks_adobe_search_new(struct ks_adobe_search **out)
{
    *out = ks__calloc(1, sizeof(**out));
    return *out ? KS_OK : KS_ENOMEM;
}

void ks_adobe_search_free(struct ks_adobe_search *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        ks__free(s->pairs[i]);
    ks__free(s->pairs);
    ks__free(s);
}

/* Appends one pair, both strings taken (freed on failure). */
static ks_rc pair_take(struct ks_adobe_search *s, char *name, char *value)
{
    if (name && value && s->n + 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        char **grown = ks__realloc(s->pairs, cap * sizeof(*grown));

        if (grown) {
            s->pairs = grown;
            s->cap = cap;
        }
    }
    if (!name || !value || s->n + 2 > s->cap) {
        ks__free(name);
        ks__free(value);
        return KS_ENOMEM;
    }
    s->pairs[s->n++] = name;
    s->pairs[s->n++] = value;
    return KS_OK;
}

ks_rc ks_adobe_search_and(struct ks_adobe_search *s)
{
    if (s->groups > 0)
        s->want_group = 1;
    return KS_OK;
}

/* Adds searchCriteria[filter_groups][g][filters][f][member] = value. */
static ks_rc filter_member(struct ks_adobe_search *s, const char *member,
                           const char *value)
{
    return pair_take(
        s,
        ks__aprintf("searchCriteria[filter_groups][%d][filters][%d][%s]",
                    s->groups - 1, s->filters, member),
        ks__strdup(value));
}

ks_rc ks_adobe_search_filter(struct ks_adobe_search *s, const char *field,
                             enum ks_adobe_condition condition,
                             const char *value)
{
    const char *cond = ks_adobe_condition_name(condition);
    int valueless = condition == KS_ADOBE_NULL || condition == KS_ADOBE_NOTNULL;
    size_t mark = s->n;
    ks_rc rc;

    if (!cond || !field || !*field || (!value && !valueless))
        return KS_EINVAL;
    if (s->groups == 0 || s->want_group) {
        s->groups++;
        s->filters = 0;
        s->want_group = 0;
    }
    rc = filter_member(s, "field", field);
    if (!rc && value)
        rc = filter_member(s, "value", value);
    if (!rc)
        rc = filter_member(s, "condition_type", cond);
    if (rc) { /* no half filter stays behind */
        while (s->n > mark)
            ks__free(s->pairs[--s->n]);
        if (s->filters == 0)
            s->groups--;
        return rc;
    }
    s->filters++;
    return KS_OK;
}

ks_rc ks_adobe_search_sort(struct ks_adobe_search *s, const char *field,
                           int descending)
{
    size_t mark = s->n;
    ks_rc rc;

    if (!field || !*field)
        return KS_EINVAL;
    rc = pair_take(
        s, ks__aprintf("searchCriteria[sortOrders][%d][field]", s->sorts),
        ks__strdup(field));
    if (!rc)
        rc = pair_take(
            s,
            ks__aprintf("searchCriteria[sortOrders][%d][direction]", s->sorts),
            ks__strdup(descending ? "DESC" : "ASC"));
    if (rc) {
        while (s->n > mark)
            ks__free(s->pairs[--s->n]);
        return rc;
    }
    s->sorts++;
    return KS_OK;
}

void ks_adobe_search_page(struct ks_adobe_search *s, int page_size,
                          int first_page)
{
    s->page_size = page_size > 0 ? page_size : 0;
    s->first_page = first_page > 0 ? first_page : 0;
}

int ks__adobe_search_page_size(const struct ks_adobe_search *s)
{
    return s ? s->page_size : 0;
}

int ks__adobe_search_first_page(const struct ks_adobe_search *s)
{
    return s ? s->first_page : 0;
}

ks_rc ks__adobe_search_pairs(const char ***out, const struct ks_adobe_search *s,
                             int page_size, int page, char numbers[2][24])
{
    size_t n = s ? s->n : 0;
    const char **q = ks__calloc(n + 5, sizeof(*q));

    *out = NULL;
    if (!q)
        return KS_ENOMEM;
    for (size_t i = 0; i < n; i++)
        q[i] = s->pairs[i];
    snprintf(numbers[0], 24, "%d", page_size);
    snprintf(numbers[1], 24, "%d", page);
    q[n] = "searchCriteria[pageSize]";
    q[n + 1] = numbers[0];
    q[n + 2] = "searchCriteria[currentPage]";
    q[n + 3] = numbers[1];
    *out = q;
    return KS_OK;
}

ks_rc ks_adobe_search_url(char **out, struct ks_adobe *ad, const char *path,
                          const struct ks_adobe_search *s, int page)
{
    char numbers[2][24];
    const char **q = NULL;
    int size = ks__adobe_search_page_size(s);
    ks_rc rc;

    *out = NULL;
    rc = ks__adobe_search_pairs(&q, s, size ? size : ad->page_size,
                                page > 0 ? page : 1, numbers);
    if (!rc)
        rc = ks__adobe_url(out, ad, path, q);
    ks__free(q);
    return rc;
}

void ks_adobe_string_free(char *s)
{
    ks__free(s);
}
