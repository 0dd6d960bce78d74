/*
 * searchCriteria, as the Adobe Commerce (Magento 2) REST API reads it
 * from a query string, and the `fields=` filter of its replies. Pure
 * functions over cJSON, no server: unit-tested and fuzzed on their own
 * (tests/unit/mocks/adobe/test_search.c, tests/fuzz/fuzz_adobe_search.c).
 * Out-of-memory aborts (kx/alloc.h).
 */
#ifndef KM_ADOBE_SEARCH_H
#define KM_ADOBE_SEARCH_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

struct km__adobe_filter {
    char *field;
    char *value;
    char *condition; /* "eq" when not given */
};

/* Filters of one group are OR-ed; groups are AND-ed. */
struct km__adobe_filter_group {
    char *key; /* the index as written ("0", "7") */
    struct km__adobe_filter *filters;
    char **filter_keys;
    size_t nfilters;
};

struct km__adobe_sort {
    char *key;
    char *field;
    char *direction; /* "ASC" or "DESC" as given (any case); NULL: ASC */
};

struct km__adobe_search {
    struct km__adobe_filter_group *groups;
    size_t ngroups;
    struct km__adobe_sort *sorts;
    size_t nsorts;
    int64_t page_size;    /* 0: not given */
    int64_t current_page; /* 0: not given */
};

/* What a bad searchCriteria is answered with: a Magento message with
 * %name placeholders and the values that fill them. */
struct km__adobe_search_err {
    char message[160];
    char param_name[32];
    char param_value[160];
    char param2_name[32];
    char param2_value[64];
};

/*
 * Parses the searchCriteria[...] arguments of a raw query string (other
 * arguments are ignored). Returns 0, or -1 with err filled; *out is
 * always valid and must be disposed.
 */
int km__adobe_search_parse(struct km__adobe_search *out, const char *query,
                           struct km__adobe_search_err *err);
void km__adobe_search_dispose(struct km__adobe_search *s);

/* Checks the filters' condition types and the sort directions; 0 or -1
 * with err. */
int km__adobe_search_check(const struct km__adobe_search *s,
                           struct km__adobe_search_err *err);

/* 1 when item (an object) passes every group of s. */
int km__adobe_search_match(const struct km__adobe_search *s, const cJSON *item);

/* Input limits (api-security.md): without a page size the default 20,
 * and at most max_page_size. 0 or -1 with err. */
int km__adobe_search_limit(struct km__adobe_search *s, int64_t max_page_size,
                           struct km__adobe_search_err *err);

/* Renders one stored item as the API shows it (a new cJSON). */
typedef cJSON *km__adobe_render_fn(void *ud, const cJSON *item);

/*
 * The reply of a list endpoint: {"items": [...], "search_criteria":
 * {...}, "total_count": N} over items[0..n) (the stored objects), matched,
 * sorted and paged as s says; each kept item rendered by render.
 */
cJSON *km__adobe_search_result(const struct km__adobe_search *s,
                               const cJSON *const *items, size_t n,
                               km__adobe_render_fn *render, void *ud);

/* The echo of s as Magento prints a SearchCriteria. */
cJSON *km__adobe_search_echo(const struct km__adobe_search *s);

/*
 * Applies a `fields=` specification ("items[entity_id,increment_id],
 * total_count", nested brackets allowed) to doc in place: an object keeps
 * only the members named (with their own sub-lists applied), an array
 * applies the list to each element. Returns 0, or -1 when the
 * specification is malformed (doc unchanged).
 */
int km__adobe_fields_apply(cJSON *doc, const char *spec);

/* The decoded value of name in a form-encoded (or query) string, or NULL;
 * the caller frees it. For a repeated name, the last (as PHP). */
char *km__adobe_form_value(const char *form, const char *name);

#endif
