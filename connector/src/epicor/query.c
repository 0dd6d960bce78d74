/*
 * Reads: entity sets page by page ($top/$skip until a short page, since
 * Epicor sends no nextLink), keyset paging over SysRevID for change
 * polling, the convenience reads built on them, and BAQs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "epicor_int.h"

char *ks__epicor_filter_eq(const char *field, const char *value)
{
    struct ks__buf b = KS__BUF_INIT;

    /* OData string literal: quotes doubled. */
    ks__buf_printf(&b, "%s eq '", field);
    for (const char *p = value; p && *p; p++) {
        if (*p == '\'')
            ks__buf_puts(&b, "''");
        else
            ks__buf_append(&b, p, 1);
    }
    ks__buf_puts(&b, "'");
    if (b.oom) {
        ks__buf_dispose(&b);
        return NULL;
    }
    return ks__buf_detach(&b);
}

char *ks__epicor_keyset_filter(int64_t after, const char *extra)
{
    if (extra && *extra)
        return ks__aprintf("SysRevID gt %" PRId64 " and (%s)", after, extra);
    return ks__aprintf("SysRevID gt %" PRId64, after);
}

int64_t ks__epicor_sysrevid(const cJSON *row)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, "SysRevID");

    if (cJSON_IsNumber(v))
        return (int64_t)v->valuedouble;
    if (cJSON_IsString(v)) /* v1 sends Int64 as a string */
        return (int64_t)strtoll(v->valuestring, NULL, 10);
    return -1;
}

/*
 * The URL of one page: service/entity_set (or a BAQ's path) with params
 * (name, value, ..., NULL; may be NULL) and then the OData options of q
 * with $top/$skip (each left out when 0).
 */
static ks_rc page_url(char **out, struct ks_epicor *epi, const char *rest,
                      const char *const *params,
                      const struct ks_epicor_query *q, int top, long skip)
{
    char top_s[24], skip_s[24];
    const char *opts[11];
    size_t n = 0;
    CURLU *u = NULL;
    ks_rc rc;

    *out = NULL;
    snprintf(top_s, sizeof(top_s), "%d", top);
    snprintf(skip_s, sizeof(skip_s), "%ld", skip);
#define KIN_OPT(name, value)                                                   \
    do {                                                                       \
        opts[n++] = (name);                                                    \
        opts[n++] = (value);                                                   \
    } while (0)
    if (q && q->filter && *q->filter)
        KIN_OPT("$filter", q->filter);
    if (q && q->select && *q->select)
        KIN_OPT("$select", q->select);
    if (q && q->orderby && *q->orderby)
        KIN_OPT("$orderby", q->orderby);
    if (top > 0)
        KIN_OPT("$top", top_s);
    if (skip > 0)
        KIN_OPT("$skip", skip_s);
#undef KIN_OPT
    opts[n] = NULL;
    rc = ks__epicor_odata_begin(&u, epi, rest);
    if (rc)
        return rc;
    rc = ks__epicor_url_addv(epi, u, params);
    if (!rc)
        rc = ks__epicor_url_addv(epi, u, opts);
    if (rc) {
        curl_url_cleanup(u);
        return rc;
    }
    return ks__epicor_url_end(out, u);
}

/*
 * Fetches one page (url; what names it in errors) and hands each row of
 * "value" to fn. *nrows receives the rows in the page, *stopped 1 when fn
 * asked to stop, *last the SysRevID of the last row handed to fn (-1 when
 * none), so a stopped change poll resumes right after it.
 */
static ks_rc read_page(struct ks_epicor *epi, const char *what, const char *url,
                       ks_epicor_row_fn fn, void *ud, int *nrows, int *stopped,
                       int64_t *last)
{
    cJSON *json = NULL;
    const cJSON *value, *row;
    ks_rc rc;

    *nrows = 0;
    *stopped = 0;
    *last = -1;
    rc = ks__epicor_json(&json, epi, "GET", url, NULL);
    if (rc)
        goto out;
    epi->stats.pages++;
    value = cJSON_GetObjectItemCaseSensitive(json, "value");
    if (!cJSON_IsArray(value)) {
        rc = ks__error_set(ks__client_error(epi->client), KS_EPARSE, 200,
                           "epicor: GET %s: no \"value\" array in the reply",
                           what);
        goto out;
    }
    cJSON_ArrayForEach(row, value)
    {
        (*nrows)++;
        if (*stopped) /* rows after a stop are not seen */
            continue;
        *last = ks__epicor_sysrevid(row);
        if (fn && fn(ud, row))
            *stopped = 1;
    }
out:
    cJSON_Delete(json);
    return rc;
}

static char *set_path(const char *service, const char *entity_set)
{
    return ks__aprintf("%s/%s", service, entity_set);
}

ks_rc ks_epicor_query(struct ks_epicor *epi, const char *service,
                      const char *entity_set,
                      const struct ks_epicor_query *query, ks_epicor_row_fn fn,
                      void *userdata)
{
    char *rest = set_path(service, entity_set), *url = NULL;
    int limit = query && query->top > 0 ? query->top : 0;
    int page = epi->page_size;
    long done = 0;
    ks_rc rc = KS_ENOMEM;

    if (query && query->page_size > 0)
        page = query->page_size < KS__EPICOR_PAGE_MAX ? query->page_size
                                                      : KS__EPICOR_PAGE_MAX;
    if (!rest)
        goto out;
    for (;;) {
        int want = page, nrows, stopped;
        int64_t last;

        if (limit && limit - done < want)
            want = (int)(limit - done);
        ks__free(url);
        rc = page_url(&url, epi, rest, NULL, query, want, done);
        if (rc)
            goto out;
        rc = read_page(epi, rest, url, fn, userdata, &nrows, &stopped, &last);
        if (rc || stopped)
            goto out;
        done += nrows;
        /* A short page is the last: Epicor sends no nextLink. */
        if (nrows < want || (limit && done >= limit))
            break;
    }
out:
    ks__free(url);
    ks__free(rest);
    return rc;
}

/* select with SysRevID added when it lacks it; NULL select stays NULL. */
static ks_rc select_with_rev(char **out, const char *select)
{
    const char *p;
    size_t n = strlen("SysRevID");

    *out = NULL;
    if (!select || !*select)
        return KS_OK;
    for (p = select; *p; p++) {
        if (strncmp(p, "SysRevID", n) == 0 && (p == select || p[-1] == ',') &&
            (p[n] == '\0' || p[n] == ','))
            break;
    }
    *out = *p ? ks__strdup(select) : ks__aprintf("%s,SysRevID", select);
    return *out ? KS_OK : KS_ENOMEM;
}

ks_rc ks__epicor_keyset(struct ks_epicor *epi, const char *service,
                        const char *entity_set, const char *select,
                        const char *extra_filter, int64_t since,
                        ks_epicor_row_fn fn, void *userdata, int64_t *max_seen)
{
    struct ks_epicor_query q = KS_EPICOR_QUERY_INIT;
    char *rest = set_path(service, entity_set), *sel = NULL, *filter = NULL;
    char *url = NULL;
    int64_t cursor = since;
    ks_rc rc = KS_ENOMEM;

    if (max_seen)
        *max_seen = since;
    if (!rest)
        goto out;
    rc = select_with_rev(&sel, select);
    if (rc)
        goto out;
    q.select = sel;
    q.orderby = "SysRevID";
    for (;;) {
        int nrows, stopped;
        int64_t last;

        ks__free(filter);
        ks__free(url);
        url = NULL;
        filter = ks__epicor_keyset_filter(cursor, extra_filter);
        if (!filter) {
            rc = KS_ENOMEM;
            goto out;
        }
        q.filter = filter;
        rc = page_url(&url, epi, rest, NULL, &q, epi->page_size, 0);
        if (rc)
            goto out;
        rc = read_page(epi, rest, url, fn, userdata, &nrows, &stopped, &last);
        if (rc)
            goto out;
        if (nrows > 0 && last <= cursor) {
            /* The next page would repeat this one forever. */
            rc = ks__error_set(ks__client_error(epi->client), KS_EPARSE, 200,
                               "epicor: %s rows lack an increasing SysRevID",
                               rest);
            goto out;
        }
        if (nrows > 0)
            cursor = last;
        if (max_seen && cursor > *max_seen)
            *max_seen = cursor;
        if (stopped || nrows < epi->page_size)
            break;
    }
out:
    ks__free(url);
    ks__free(filter);
    ks__free(sel);
    ks__free(rest);
    return rc;
}

ks_rc ks_epicor_changed_since(struct ks_epicor *epi, const char *service,
                              const char *entity_set, const char *select,
                              int64_t since_sysrevid, ks_epicor_row_fn fn,
                              void *userdata, int64_t *max_seen)
{
    return ks__epicor_keyset(epi, service, entity_set, select, NULL,
                             since_sysrevid, fn, userdata, max_seen);
}

ks_rc ks_epicor_parts_changed_since(struct ks_epicor *epi,
                                    int64_t since_sysrevid, ks_epicor_row_fn fn,
                                    void *userdata, int64_t *max_seen)
{
    return ks__epicor_keyset(epi, "Erp.BO.PartSvc", "Parts", NULL, NULL,
                             since_sysrevid, fn, userdata, max_seen);
}

ks_rc ks_epicor_part_whses_changed_since(struct ks_epicor *epi,
                                         int64_t since_sysrevid,
                                         ks_epicor_row_fn fn, void *userdata,
                                         int64_t *max_seen)
{
    return ks__epicor_keyset(epi, "Erp.BO.PartSvc", "PartWhses", NULL, NULL,
                             since_sysrevid, fn, userdata, max_seen);
}

ks_rc ks_epicor_part_whses_for_part(struct ks_epicor *epi, const char *part_num,
                                    ks_epicor_row_fn fn, void *userdata)
{
    struct ks_epicor_query q = KS_EPICOR_QUERY_INIT;
    char *filter = ks__epicor_filter_eq("PartNum", part_num);
    ks_rc rc;

    if (!filter)
        return KS_ENOMEM;
    q.filter = filter;
    rc = ks_epicor_query(epi, "Erp.BO.PartSvc", "PartWhses", &q, fn, userdata);
    ks__free(filter);
    return rc;
}

ks_rc ks_epicor_customers_changed_since(struct ks_epicor *epi,
                                        int64_t since_sysrevid,
                                        ks_epicor_row_fn fn, void *userdata,
                                        int64_t *max_seen)
{
    return ks__epicor_keyset(epi, "Erp.BO.CustomerSvc", "Customers", NULL, NULL,
                             since_sysrevid, fn, userdata, max_seen);
}

/* Keeps the matching row with the lowest value of a numeric field. */
struct first {
    const char *field;
    cJSON *row;
    double best;
    int seen;
    int oom;
};

static int keep_lowest(void *ud, const cJSON *row)
{
    struct first *f = ud;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, f->field);
    double d = cJSON_IsNumber(v) ? v->valuedouble : 0;
    cJSON *copy;

    if (f->seen && d >= f->best)
        return 0;
    copy = cJSON_Duplicate(row, 1);
    if (!copy) {
        f->oom = 1;
        return 1;
    }
    cJSON_Delete(f->row);
    f->row = copy;
    f->best = d;
    f->seen = 1;
    return 0;
}

ks_rc ks__epicor_first(cJSON **out, struct ks_epicor *epi, const char *service,
                       const char *entity_set, const char *filter,
                       const char *lowest)
{
    struct ks_epicor_query q = KS_EPICOR_QUERY_INIT;
    struct first f = {lowest, NULL, 0, 0, 0};
    ks_rc rc;

    *out = NULL;
    /* All matches are read and the lowest kept here rather than asking
     * for $orderby + $top=1: lookups match a handful of rows, and the
     * answer then does not depend on the server's ordering. */
    q.filter = filter;
    rc = ks_epicor_query(epi, service, entity_set, &q, keep_lowest, &f);
    if (!rc && f.oom)
        rc = KS_ENOMEM;
    if (rc)
        goto out;
    if (!f.seen) {
        rc = ks__error_set(ks__client_error(epi->client), KS_ENOTFOUND, 0,
                           "epicor: no %s row where %s", entity_set, filter);
        goto out;
    }
    *out = f.row;
    f.row = NULL;
out:
    cJSON_Delete(f.row);
    return rc;
}

ks_rc ks_epicor_customer_find_by_email(cJSON **out, struct ks_epicor *epi,
                                       const char *email)
{
    char *filter = ks__epicor_filter_eq("EMailAddress", email);
    ks_rc rc;

    *out = NULL;
    if (!filter)
        return KS_ENOMEM;
    rc = ks__epicor_first(out, epi, "Erp.BO.CustomerSvc", "Customers", filter,
                          "CustNum");
    ks__free(filter);
    return rc;
}

ks_rc ks_epicor_sales_order_find_by_po(cJSON **out, struct ks_epicor *epi,
                                       const char *po_num)
{
    char *filter = ks__epicor_filter_eq("PONum", po_num);
    ks_rc rc;

    *out = NULL;
    if (!filter)
        return KS_ENOMEM;
    rc = ks__epicor_first(out, epi, "Erp.BO.SalesOrderSvc", "SalesOrders",
                          filter, "OrderNum");
    ks__free(filter);
    return rc;
}

ks_rc ks_epicor_baq(struct ks_epicor *epi, const char *baq_id,
                    const char *const *params,
                    const struct ks_epicor_query *query, ks_epicor_row_fn fn,
                    void *userdata)
{
    char *id = curl_easy_escape(NULL, baq_id, 0), *rest = NULL, *url = NULL;
    int nrows, stopped;
    int64_t last;
    ks_rc rc = KS_ENOMEM;

    if (!id)
        goto out;
    rest = ks__aprintf("BaqSvc/%s/Data", id);
    if (!rest)
        goto out;
    /* One request: a BAQ returns its rows whole (no page cap). */
    rc = page_url(&url, epi, rest, params, query, query ? query->top : 0, 0);
    if (!rc)
        rc = read_page(epi, rest, url, fn, userdata, &nrows, &stopped, &last);
out:
    ks__free(url);
    ks__free(rest);
    curl_free(id);
    return rc;
}
