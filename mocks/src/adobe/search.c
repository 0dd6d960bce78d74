/*
 * searchCriteria: parsing the query string, matching, sorting, paging
 * and the echoed criteria; and the `fields=` filter. The rules and their
 * sources are in README.md ("searchCriteria").
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include <kx/alloc.h>
#include "search.h"

/* More segments or groups than any client sends is refused as input. */
#define MAX_SEGMENTS 8
#define MAX_ENTRIES 256

static void err_set(struct km__adobe_search_err *err, const char *message,
                    const char *name, const char *value)
{
    /* cut to the fields (a value may be long user input) */
    memset(err, 0, sizeof(*err));
    snprintf(err->message, sizeof(err->message), "%.*s",
             (int)sizeof(err->message) - 1, message);
    snprintf(err->param_name, sizeof(err->param_name), "%.*s",
             (int)sizeof(err->param_name) - 1, name);
    snprintf(err->param_value, sizeof(err->param_value), "%.*s",
             (int)sizeof(err->param_value) - 1, value);
}

static void unsupported(struct km__adobe_search_err *err, const char *field)
{
    err_set(err,
            "\"%fieldName\" is not supported. Correct the field name and try "
            "again.",
            "fieldName", field);
}

/* Percent-decoding as PHP's query parser does it ('+' is a space). */
static char *decode(const char *s, size_t len)
{
    char *plus = kx_xstrndup(s, len), *c, *r;
    int n = 0;

    for (char *p = plus; *p; p++)
        if (*p == '+')
            *p = ' ';
    c = curl_easy_unescape(NULL, plus, 0, &n);
    free(plus);
    if (!c)
        abort();
    r = kx_xstrndup(c, (size_t)n);
    curl_free(c);
    return r;
}

/* Splits "searchCriteria[a][b]" into its bracketed segments; -1 when the
 * name is not of that form. */
static int segments(const char *name, char seg[MAX_SEGMENTS][64], size_t *n)
{
    const char *p = name + strlen("searchCriteria");

    *n = 0;
    while (*p == '[') {
        const char *close = strchr(p, ']');

        if (!close || *n == MAX_SEGMENTS || (size_t)(close - p - 1) >= 64)
            return -1;
        snprintf(seg[*n], 64, "%.*s", (int)(close - p - 1), p + 1);
        (*n)++;
        p = close + 1;
    }
    return *p || *n == 0 ? -1 : 0;
}

static int is_index(const char *s)
{
    if (!*s || strlen(s) > 9)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

static struct km__adobe_filter_group *group_at(struct km__adobe_search *s,
                                               const char *key)
{
    for (size_t i = 0; i < s->ngroups; i++)
        if (strcmp(s->groups[i].key, key) == 0)
            return &s->groups[i];
    if (s->ngroups == MAX_ENTRIES)
        return NULL;
    s->groups = kx_xrealloc(s->groups, (s->ngroups + 1) * sizeof(*s->groups));
    memset(&s->groups[s->ngroups], 0, sizeof(*s->groups));
    s->groups[s->ngroups].key = kx_xstrdup(key);
    return &s->groups[s->ngroups++];
}

static struct km__adobe_filter *filter_at(struct km__adobe_filter_group *g,
                                          const char *key)
{
    for (size_t i = 0; i < g->nfilters; i++)
        if (strcmp(g->filter_keys[i], key) == 0)
            return &g->filters[i];
    if (g->nfilters == MAX_ENTRIES)
        return NULL;
    g->filters =
        kx_xrealloc(g->filters, (g->nfilters + 1) * sizeof(*g->filters));
    g->filter_keys = kx_xrealloc(g->filter_keys,
                                 (g->nfilters + 1) * sizeof(*g->filter_keys));
    memset(&g->filters[g->nfilters], 0, sizeof(*g->filters));
    g->filter_keys[g->nfilters] = kx_xstrdup(key);
    return &g->filters[g->nfilters++];
}

static struct km__adobe_sort *sort_at(struct km__adobe_search *s,
                                      const char *key)
{
    for (size_t i = 0; i < s->nsorts; i++)
        if (strcmp(s->sorts[i].key, key) == 0)
            return &s->sorts[i];
    if (s->nsorts == MAX_ENTRIES)
        return NULL;
    s->sorts = kx_xrealloc(s->sorts, (s->nsorts + 1) * sizeof(*s->sorts));
    memset(&s->sorts[s->nsorts], 0, sizeof(*s->sorts));
    s->sorts[s->nsorts].key = kx_xstrdup(key);
    return &s->sorts[s->nsorts++];
}

/* Sets *slot to a copy of value (PHP: the last of a repeated name). */
static void put(char **slot, const char *value)
{
    free(*slot);
    *slot = kx_xstrdup(value);
}

static int either(const char *s, const char *snake, const char *camel)
{
    return strcmp(s, snake) == 0 || strcmp(s, camel) == 0;
}

static int integer(int64_t *out, const char *value,
                   struct km__adobe_search_err *err)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(value, &end, 10);
    if (!*value || *end || errno || v < 0 || v > 1000000000) {
        err_set(err,
                "The \"%value\" value's type is invalid. The \"%type\" type "
                "was expected. Verify and try again.",
                "value", value);
        snprintf(err->param2_name, sizeof(err->param2_name), "type");
        snprintf(err->param2_value, sizeof(err->param2_value), "int");
        return -1;
    }
    *out = v;
    return 0;
}

static int assign(struct km__adobe_search *s, char seg[MAX_SEGMENTS][64],
                  size_t n, const char *value, struct km__adobe_search_err *err)
{
    if (either(seg[0], "filter_groups", "filterGroups")) {
        struct km__adobe_filter_group *g;
        struct km__adobe_filter *f;

        if (n != 5 || !is_index(seg[1]) || strcmp(seg[2], "filters") != 0 ||
            !is_index(seg[3])) {
            unsupported(err, n > 2 ? seg[2] : seg[0]);
            return -1;
        }
        if (!(g = group_at(s, seg[1])) || !(f = filter_at(g, seg[3]))) {
            unsupported(err, seg[0]);
            return -1;
        }
        if (strcmp(seg[4], "field") == 0)
            put(&f->field, value);
        else if (strcmp(seg[4], "value") == 0)
            put(&f->value, value);
        else if (either(seg[4], "condition_type", "conditionType"))
            put(&f->condition, value);
        else {
            unsupported(err, seg[4]);
            return -1;
        }
        return 0;
    }
    if (either(seg[0], "sort_orders", "sortOrders")) {
        struct km__adobe_sort *o;

        if (n != 3 || !is_index(seg[1]) || !(o = sort_at(s, seg[1]))) {
            unsupported(err, seg[0]);
            return -1;
        }
        if (strcmp(seg[2], "field") == 0)
            put(&o->field, value);
        else if (strcmp(seg[2], "direction") == 0)
            put(&o->direction, value);
        else {
            unsupported(err, seg[2]);
            return -1;
        }
        return 0;
    }
    if (n == 1 && either(seg[0], "page_size", "pageSize"))
        return integer(&s->page_size, value, err);
    if (n == 1 && either(seg[0], "current_page", "currentPage"))
        return integer(&s->current_page, value, err);
    unsupported(err, seg[0]);
    return -1;
}

int km__adobe_search_parse(struct km__adobe_search *out, const char *query,
                           struct km__adobe_search_err *err)
{
    const char *p = query ? query : "";

    memset(out, 0, sizeof(*out));
    memset(err, 0, sizeof(*err));
    while (*p) {
        size_t len = strcspn(p, "&");
        const char *eq = memchr(p, '=', len);
        size_t nlen = eq ? (size_t)(eq - p) : len;
        char *name = decode(p, nlen);
        char *value = eq ? decode(eq + 1, len - nlen - 1) : kx_xstrdup("");
        char seg[MAX_SEGMENTS][64];
        size_t nseg;
        int rc = 0;

        if (strncmp(name, "searchCriteria", 14) == 0) {
            if (segments(name, seg, &nseg) != 0) {
                unsupported(err, name);
                rc = -1;
            } else {
                rc = assign(out, seg, nseg, value, err);
            }
        }
        free(name);
        free(value);
        if (rc != 0)
            return -1;
        p += len + (p[len] == '&');
    }
    return 0;
}

void km__adobe_search_dispose(struct km__adobe_search *s)
{
    for (size_t i = 0; i < s->ngroups; i++) {
        struct km__adobe_filter_group *g = &s->groups[i];

        for (size_t j = 0; j < g->nfilters; j++) {
            free(g->filters[j].field);
            free(g->filters[j].value);
            free(g->filters[j].condition);
            free(g->filter_keys[j]);
        }
        free(g->filters);
        free(g->filter_keys);
        free(g->key);
    }
    for (size_t i = 0; i < s->nsorts; i++) {
        free(s->sorts[i].key);
        free(s->sorts[i].field);
        free(s->sorts[i].direction);
    }
    free(s->groups);
    free(s->sorts);
    memset(s, 0, sizeof(*s));
}

/* ---- conditions ------------------------------------------------------- */

static const char *const conditions[] = {
    "eq",      "neq",  "like", "nlike", "in",      "nin",
    "gt",      "gteq", "lt",   "lteq",  "moreq",   "finset",
    "nfinset", "from", "to",   "null",  "notnull", NULL};

int km__adobe_search_check(const struct km__adobe_search *s,
                           struct km__adobe_search_err *err)
{
    for (size_t i = 0; i < s->ngroups; i++) {
        for (size_t j = 0; j < s->groups[i].nfilters; j++) {
            const struct km__adobe_filter *f = &s->groups[i].filters[j];
            int known = !f->condition;

            for (size_t k = 0; conditions[k] && !known; k++)
                known = strcmp(conditions[k], f->condition) == 0;
            if (!known) {
                err_set(err,
                        "Invalid value of \"%value\" provided for the "
                        "%fieldName field.",
                        "value", f->condition);
                snprintf(err->param2_name, sizeof(err->param2_name),
                         "fieldName");
                snprintf(err->param2_value, sizeof(err->param2_value),
                         "condition_type");
                return -1;
            }
            if (!f->field || !*f->field) {
                err_set(err, "\"%fieldName\" is required. Enter and try again.",
                        "fieldName", "field");
                return -1;
            }
        }
    }
    for (size_t i = 0; i < s->nsorts; i++) {
        const char *d = s->sorts[i].direction;

        if (d && strcasecmp(d, "ASC") != 0 && strcasecmp(d, "DESC") != 0) {
            err_set(err,
                    "The sort order \"%1\" is not supported. Verify and try "
                    "again.",
                    "1", d);
            return -1;
        }
    }
    return 0;
}

int km__adobe_search_limit(struct km__adobe_search *s, int64_t max_page_size,
                           struct km__adobe_search_err *err)
{
    char num[32];

    if (!s->page_size)
        s->page_size = 20;
    if (s->page_size > max_page_size) {
        snprintf(num, sizeof(num), "%lld", (long long)max_page_size);
        err_set(err, "Maximum SearchCriteria pageSize is %max", "max", num);
        return -1;
    }
    return 0;
}

/* The text a member compares by: strings as they are, numbers as
 * printed, booleans as MySQL stores them (1/0); NULL for null/absent. */
static const char *text_of(const cJSON *v, char buf[64])
{
    if (cJSON_IsString(v))
        return v->valuestring;
    if (cJSON_IsNumber(v)) {
        if (v->valuedouble == floor(v->valuedouble) &&
            fabs(v->valuedouble) < 1e15)
            snprintf(buf, 64, "%lld", (long long)v->valuedouble);
        else
            snprintf(buf, 64, "%.17g", v->valuedouble);
        return buf;
    }
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v) ? "1" : "0";
    return NULL;
}

static int number(const char *s, double *out)
{
    char *end;

    if (!*s)
        return 0;
    *out = strtod(s, &end);
    return *end == '\0' && isfinite(*out);
}

/* MySQL compares a number with a number, else text by a case-insensitive
 * collation. */
static int compare(const char *a, const char *b)
{
    double x, y;

    if (number(a, &x) && number(b, &y))
        return (x > y) - (x < y);
    return strcasecmp(a, b);
}

/* SQL LIKE: % any run, _ one character, case-insensitive, backslash
 * escapes. */
static int like(const char *pat, const char *s)
{
    for (; *pat; pat++, s++) {
        if (*pat == '%') {
            while (pat[1] == '%')
                pat++;
            if (!pat[1])
                return 1;
            for (; *s; s++)
                if (like(pat + 1, s))
                    return 1;
            return like(pat + 1, s);
        }
        if (!*s)
            return 0;
        if (*pat == '\\' && pat[1])
            pat++;
        else if (*pat == '_')
            continue;
        if (tolower((unsigned char)*pat) != tolower((unsigned char)*s))
            return 0;
    }
    return *s == '\0';
}

/* 1 when needle is one of the comma-separated entries of list. */
static int in_list(const char *list, const char *needle)
{
    const char *p = list;

    for (;;) {
        size_t n = strcspn(p, ",");
        char entry[256];

        snprintf(entry, sizeof(entry), "%.*s", (int)n, p);
        if (compare(entry, needle) == 0)
            return 1;
        if (!p[n])
            return 0;
        p += n + 1;
    }
}

static int filter_match(const struct km__adobe_filter *f, const cJSON *item)
{
    const char *c = f->condition ? f->condition : "eq";
    const char *want = f->value ? f->value : "";
    char buf[64];
    const char *have =
        text_of(cJSON_GetObjectItemCaseSensitive(item, f->field), buf);

    if (strcmp(c, "null") == 0)
        return have == NULL;
    if (strcmp(c, "notnull") == 0)
        return have != NULL;
    if (!have) /* SQL: a comparison with NULL is never true */
        return 0;
    if (strcmp(c, "eq") == 0)
        return compare(have, want) == 0;
    if (strcmp(c, "neq") == 0)
        return compare(have, want) != 0;
    if (strcmp(c, "like") == 0)
        return like(want, have);
    if (strcmp(c, "nlike") == 0)
        return !like(want, have);
    if (strcmp(c, "in") == 0)
        return in_list(want, have);
    if (strcmp(c, "nin") == 0)
        return !in_list(want, have);
    if (strcmp(c, "gt") == 0)
        return compare(have, want) > 0;
    if (strcmp(c, "lt") == 0)
        return compare(have, want) < 0;
    if (strcmp(c, "lteq") == 0 || strcmp(c, "to") == 0)
        return compare(have, want) <= 0;
    if (strcmp(c, "gteq") == 0 || strcmp(c, "moreq") == 0 ||
        strcmp(c, "from") == 0)
        return compare(have, want) >= 0;
    if (strcmp(c, "finset") == 0)
        return in_list(have, want);
    if (strcmp(c, "nfinset") == 0)
        return !in_list(have, want);
    return 0;
}

int km__adobe_search_match(const struct km__adobe_search *s, const cJSON *item)
{
    for (size_t i = 0; i < s->ngroups; i++) {
        const struct km__adobe_filter_group *g = &s->groups[i];
        int any = g->nfilters == 0;

        for (size_t j = 0; j < g->nfilters && !any; j++)
            any = filter_match(&g->filters[j], item);
        if (!any)
            return 0;
    }
    return 1;
}

/* ---- sorting, paging, echo ------------------------------------------------
 */

struct sort_entry {
    const cJSON *item;
    size_t pos; /* stable order: insertion */
};

/* qsort has no context argument; the criteria of the sort running. The
 * server lock serialises handlers, and the fuzz target is one thread. */
static _Thread_local const struct km__adobe_search *sorting;

static int sort_cmp(const void *a, const void *b)
{
    const struct sort_entry *x = a, *y = b;

    for (size_t i = 0; i < sorting->nsorts; i++) {
        const struct km__adobe_sort *o = &sorting->sorts[i];
        char ba[64], bb[64];
        const char *va, *vb;
        int c;

        if (!o->field)
            continue;
        va = text_of(cJSON_GetObjectItemCaseSensitive(x->item, o->field), ba);
        vb = text_of(cJSON_GetObjectItemCaseSensitive(y->item, o->field), bb);
        /* NULL sorts first ascending, as in MySQL */
        c = !va || !vb ? (va != NULL) - (vb != NULL) : compare(va, vb);
        if (o->direction && strcasecmp(o->direction, "DESC") == 0)
            c = -c;
        if (c)
            return c;
    }
    return (x->pos > y->pos) - (x->pos < y->pos);
}

cJSON *km__adobe_search_echo(const struct km__adobe_search *s)
{
    cJSON *o = cJSON_CreateObject(), *groups = cJSON_CreateArray();

    for (size_t i = 0; i < s->ngroups; i++) {
        cJSON *g = cJSON_CreateObject(), *fs = cJSON_CreateArray();

        for (size_t j = 0; j < s->groups[i].nfilters; j++) {
            const struct km__adobe_filter *f = &s->groups[i].filters[j];
            cJSON *fo = cJSON_CreateObject();

            cJSON_AddStringToObject(fo, "field", f->field ? f->field : "");
            cJSON_AddStringToObject(fo, "value", f->value ? f->value : "");
            cJSON_AddStringToObject(fo, "condition_type",
                                    f->condition ? f->condition : "eq");
            cJSON_AddItemToArray(fs, fo);
        }
        cJSON_AddItemToObject(g, "filters", fs);
        cJSON_AddItemToArray(groups, g);
    }
    cJSON_AddItemToObject(o, "filter_groups", groups);
    if (s->nsorts) {
        cJSON *sorts = cJSON_CreateArray();

        for (size_t i = 0; i < s->nsorts; i++) {
            cJSON *so = cJSON_CreateObject();

            cJSON_AddStringToObject(so, "field",
                                    s->sorts[i].field ? s->sorts[i].field : "");
            cJSON_AddStringToObject(
                so, "direction",
                s->sorts[i].direction &&
                        strcasecmp(s->sorts[i].direction, "DESC") == 0
                    ? "DESC"
                    : "ASC");
            cJSON_AddItemToArray(sorts, so);
        }
        cJSON_AddItemToObject(o, "sort_orders", sorts);
    }
    if (s->page_size)
        cJSON_AddNumberToObject(o, "page_size", (double)s->page_size);
    if (s->current_page)
        cJSON_AddNumberToObject(o, "current_page", (double)s->current_page);
    return o;
}

cJSON *km__adobe_search_result(const struct km__adobe_search *s,
                               const cJSON *const *items, size_t n,
                               km__adobe_render_fn *render, void *ud)
{
    struct sort_entry *v = kx_xcalloc(n + 1, sizeof(*v));
    size_t m = 0, from = 0, to;
    cJSON *out = cJSON_CreateObject(), *list = cJSON_CreateArray();

    for (size_t i = 0; i < n; i++)
        if (km__adobe_search_match(s, items[i]))
            v[m++] = (struct sort_entry){items[i], i};
    if (m > 1 && s->nsorts) {
        sorting = s;
        qsort(v, m, sizeof(*v), sort_cmp);
        sorting = NULL;
    }
    to = m;
    if (s->page_size > 0 && m > 0) {
        /* The collection clamps a page past the end to the last page. */
        int64_t last = ((int64_t)m + s->page_size - 1) / s->page_size;
        int64_t page = s->current_page < 1 ? 1 : s->current_page;

        if (page > last)
            page = last;
        from = (size_t)((page - 1) * s->page_size);
        to = from + (size_t)s->page_size < m ? from + (size_t)s->page_size : m;
    }
    for (size_t i = from; i < to; i++)
        cJSON_AddItemToArray(list, render ? render(ud, v[i].item)
                                          : cJSON_Duplicate(v[i].item, 1));
    free(v);
    cJSON_AddItemToObject(out, "items", list);
    cJSON_AddItemToObject(out, "search_criteria", km__adobe_search_echo(s));
    cJSON_AddNumberToObject(out, "total_count", (double)m);
    return out;
}

/* ---- fields= ---------------------------------------------------------- */

/* One level of a fields list: names, each with the text of its own list
 * (between its brackets) or none. */
struct field_spec {
    char name[128];
    const char *sub; /* start of the sub-list, or NULL */
    size_t sublen;
};

#define MAX_FIELDS 64
#define MAX_DEPTH 8

/* Splits spec[0..len) at top-level commas; -1 when malformed. */
static int split(const char *spec, size_t len, struct field_spec *out,
                 size_t *n)
{
    size_t i = 0;

    *n = 0;
    while (i < len) {
        size_t start = i, namelen;
        struct field_spec *f;

        while (i < len && spec[i] != ',' && spec[i] != '[' && spec[i] != ']')
            i++;
        namelen = i - start;
        if (!namelen || namelen >= sizeof(out->name) || *n == MAX_FIELDS)
            return -1;
        f = &out[(*n)++];
        snprintf(f->name, sizeof(f->name), "%.*s", (int)namelen, spec + start);
        f->sub = NULL;
        f->sublen = 0;
        if (i < len && spec[i] == '[') {
            int depth = 1;
            size_t sub = ++i;

            while (i < len && depth) {
                depth += spec[i] == '[';
                depth -= spec[i] == ']';
                i++;
            }
            if (depth)
                return -1;
            f->sub = spec + sub;
            f->sublen = i - 1 - sub;
        }
        if (i < len && spec[i] == ']')
            return -1;
        if (i < len && spec[i] == ',' && ++i == len)
            return -1;
    }
    return *n ? 0 : -1;
}

/* Checks the whole specification before anything is removed. */
static int valid(const char *spec, size_t len, int depth)
{
    struct field_spec f[MAX_FIELDS];
    size_t n;

    if (depth > MAX_DEPTH || split(spec, len, f, &n) != 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (f[i].sub && !valid(f[i].sub, f[i].sublen, depth + 1))
            return 0;
    return 1;
}

static void apply(cJSON *doc, const char *spec, size_t len)
{
    struct field_spec f[MAX_FIELDS];
    size_t n;
    cJSON *it, *next;

    if (split(spec, len, f, &n) != 0)
        return;
    if (cJSON_IsArray(doc)) {
        cJSON_ArrayForEach(it, doc) apply(it, spec, len);
        return;
    }
    if (!cJSON_IsObject(doc))
        return;
    for (it = doc->child; it; it = next) {
        const struct field_spec *hit = NULL;

        next = it->next;
        for (size_t i = 0; i < n && !hit; i++)
            if (it->string && strcmp(f[i].name, it->string) == 0)
                hit = &f[i];
        if (!hit)
            cJSON_Delete(cJSON_DetachItemViaPointer(doc, it));
        else if (hit->sub)
            apply(it, hit->sub, hit->sublen);
    }
}

int km__adobe_fields_apply(cJSON *doc, const char *spec)
{
    size_t len = strlen(spec);

    if (!valid(spec, len, 0))
        return -1;
    apply(doc, spec, len);
    return 0;
}

char *km__adobe_form_value(const char *form, const char *name)
{
    const char *p = form ? form : "";
    char *found = NULL;

    while (*p) {
        size_t len = strcspn(p, "&");
        const char *eq = memchr(p, '=', len);
        size_t nlen = eq ? (size_t)(eq - p) : len;
        char *k = decode(p, nlen);

        if (strcmp(k, name) == 0) {
            free(found);
            found = eq ? decode(eq + 1, len - nlen - 1) : kx_xstrdup("");
        }
        free(k);
        p += len + (p[len] == '&');
    }
    return found;
}
