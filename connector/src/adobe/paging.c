/*
 * Listing by searchCriteria pages (storefronts.md §3.4): the reply is
 * {"items", "search_criteria", "total_count"}. A page past the end is
 * answered with the last page again (the collection clamps [I]), so an
 * empty page can never be waited for: the listing stops by total_count.
 */
#include <string.h>
#include <kx/json.h>
#include "adobe_int.h"

/* Hard stop against a server whose total_count keeps growing. */
#define KS__ADOBE_MAX_PAGES 100000

/* Fetches and parses one page; *items is borrowed from *json. */
static ks_rc page_get(cJSON **json, const cJSON **items, long long *total,
                      struct ks_adobe *ad, const char *path,
                      const struct ks_adobe_search *s, int size, int page)
{
    char numbers[2][24];
    const char **q = NULL;
    char *url = NULL;
    ks_rc rc;

    *json = NULL;
    rc = ks__adobe_search_pairs(&q, s, size, page, numbers);
    if (!rc)
        rc = ks__adobe_url(&url, ad, path, q);
    if (!rc)
        rc = ks__adobe_json(json, ad, "GET", path, url, NULL);
    ks__free(q);
    ks__free(url);
    if (rc)
        return rc;
    *items = cJSON_GetObjectItemCaseSensitive(*json, "items");
    *total = (long long)kx_json_numeric(*json, "total_count", -1);
    if (!cJSON_IsArray(*items) || *total < 0) {
        cJSON_Delete(*json);
        *json = NULL;
        return ks__error_set(ks__client_error(ad->client), KS_EPARSE, 200,
                             "adobe: GET %s page %d: expected items and "
                             "total_count",
                             path, page);
    }
    return KS_OK;
}

ks_rc ks_adobe_search_each(struct ks_adobe *ad, const char *path,
                           const struct ks_adobe_search *s, ks_adobe_item_fn fn,
                           void *userdata, struct ks_adobe_list_stats *stats)
{
    struct ks_adobe_list_stats st = {0, 0, 0};
    int size = ks__adobe_search_page_size(s);
    int page = ks__adobe_search_first_page(s);
    int stop = 0;
    ks_rc rc = KS_OK;

    if (size <= 0)
        size = ad->page_size;
    if (page <= 0)
        page = 1;
    while (!stop && st.pages < KS__ADOBE_MAX_PAGES) {
        const cJSON *items = NULL, *item;
        cJSON *json = NULL;

        rc = page_get(&json, &items, &st.total, ad, path, s, size, page);
        if (rc)
            break;
        st.pages++;
        /* Past the end the items repeat the last page: not delivered. */
        if ((long long)(page - 1) * size >= st.total) {
            cJSON_Delete(json);
            break;
        }
        stop = cJSON_GetArraySize(items) == 0 ||
               (long long)page * size >= st.total;
        cJSON_ArrayForEach(item, items)
        {
            st.delivered++;
            if (fn && fn(userdata, item)) {
                stop = 1;
                break;
            }
        }
        cJSON_Delete(json);
        page++;
    }
    if (stats)
        *stats = st;
    return rc;
}
