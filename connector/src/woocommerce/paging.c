/*
 * Paged listing. WooCommerce pages with per_page (1..100) and page, and
 * says how far it goes with X-WP-Total, X-WP-TotalPages and a Link header
 * (rel="next", "prev", "first", "last").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "woocommerce_int.h"

/* Hard stop against a server that always says there is a next page. */
#define KS__WC_MAX_PAGES 100000

long ks__wc_header_long(const char *value)
{
    char *end;
    long v;

    if (!value || !*value)
        return -1;
    errno = 0;
    v = strtol(value, &end, 10);
    while (*end == ' ')
        end++;
    if (errno || *end || v < 0)
        return -1;
    return v;
}

/* Walks `<url>; rel="x"; ..., <url>; rel="y"` entries. */
ks_rc ks__wc_link_next(char **out, const char *link)
{
    const char *p = link;

    *out = NULL;
    while (p && *p) {
        const char *lt = strchr(p, '<'), *gt, *end, *rel;

        if (!lt)
            break;
        gt = strchr(lt, '>');
        if (!gt)
            break;
        /* The parameters of this entry run to the next '<' (URLs inside
         * <> may hold commas, so splitting on ',' would be wrong). */
        end = strchr(gt, '<');
        if (!end)
            end = gt + strlen(gt);
        rel = gt;
        while ((rel = strstr(rel, "rel=")) != NULL && rel < end) {
            const char *v = rel + 4;
            size_t vlen;

            if (*v == '"')
                v++;
            vlen = strcspn(v, "\"; ,");
            if (vlen == 4 && strncmp(v, "next", 4) == 0) {
                *out = ks__strndup(lt + 1, (size_t)(gt - lt - 1));
                return *out ? KS_OK : KS_ENOMEM;
            }
            rel = v;
        }
        p = end;
    }
    return KS_ENOTFOUND;
}

static int has_next(const struct ks__http_reply *reply, int page, int count,
                    int per_page)
{
    const char *link = ks__http_reply_header(reply, "Link");
    long total_pages;
    char *next = NULL;

    if (count == 0)
        return 0;
    if (link) {
        ks_rc rc = ks__wc_link_next(&next, link);

        ks__free(next);
        if (rc == KS_OK || rc == KS_ENOTFOUND)
            return rc == KS_OK;
    }
    total_pages =
        ks__wc_header_long(ks__http_reply_header(reply, "X-WP-TotalPages"));
    if (total_pages >= 0)
        return page < total_pages;
    return count >= per_page;
}

ks_rc ks_woocommerce_list(struct ks_woocommerce *wc, const char *path,
                          const char *const *query, ks_woocommerce_item_fn fn,
                          void *userdata, int *pages)
{
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    const char **q = NULL;
    char per_page[16], page_s[16];
    char *url = NULL;
    cJSON *json = NULL;
    size_t nq = 0;
    int page = 1, more = 1, stop = 0;
    ks_rc rc = KS_ENOMEM;

    if (pages)
        *pages = 0;
    while (query && query[nq] && query[nq + 1])
        nq += 2;
    q = ks__calloc(nq + 5, sizeof(*q));
    if (!q)
        goto out;
    if (nq)
        memcpy(q, query, nq * sizeof(*q));
    snprintf(per_page, sizeof(per_page), "%d", wc->per_page);
    q[nq] = "per_page";
    q[nq + 1] = per_page;
    q[nq + 2] = "page";
    q[nq + 3] = page_s;
    rc = KS_OK;
    while (more && !stop && page <= KS__WC_MAX_PAGES) {
        int count = 0;
        const cJSON *item;

        snprintf(page_s, sizeof(page_s), "%d", page);
        rc = ks__wc_url(&url, wc, path, q, 1);
        if (rc)
            goto out;
        rc = ks__wc_send(&reply, wc, "GET", url, NULL, 0);
        if (rc)
            goto out;
        json = cJSON_ParseWithLength(reply.body ? reply.body : "", reply.len);
        if (!cJSON_IsArray(json)) {
            rc = ks__error_set(ks__client_error(wc->client), KS_EPARSE,
                               reply.status,
                               "woocommerce: GET %s page %d: expected a JSON "
                               "array",
                               path, page);
            goto out;
        }
        if (pages)
            (*pages)++;
        cJSON_ArrayForEach(item, json)
        {
            count++;
            if (fn && fn(userdata, item)) {
                stop = 1;
                break;
            }
        }
        more = has_next(&reply, page, count, wc->per_page);
        cJSON_Delete(json);
        json = NULL;
        ks__http_reply_dispose(&reply);
        reply = (struct ks__http_reply)KS__HTTP_REPLY_INIT;
        ks__free(url);
        url = NULL;
        page++;
    }
out:
    cJSON_Delete(json);
    ks__http_reply_dispose(&reply);
    ks__free(url);
    ks__free(q);
    return rc;
}
