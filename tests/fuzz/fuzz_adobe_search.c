/*
 * fuzz.adobe_search: the Adobe Commerce emulator's searchCriteria parser,
 * matcher and pager, and its `fields=` filter (mocks/src/adobe/search.c),
 * on arbitrary text. The input's first line is a query string, the rest a
 * fields specification.
 *
 * Invariants, beyond "no crash, no leak, no sanitizer report":
 * - a refused query leaves a message; an accepted one that passes the
 *   check yields a result whose total_count counts the matching fixed
 *   items, whose page holds at most pageSize of them, and whose echo
 *   has filter_groups;
 * - matching an item twice gives the same answer;
 * - a fields specification is accepted or refused as a whole: a refused
 *   one leaves the document unchanged, an accepted one never adds a
 *   member.
 */
#include "fuzz.h"
#include <cjson/cJSON.h>
#include "adobe/search.h"

#define TARGET "fuzz_adobe_search"

static const char items_json[] =
    "[{\"id\":1,\"sku\":\"A-1\",\"price\":10.5,\"status\":\"pending\","
    "\"tags\":\"a,b\",\"note\":null,\"flag\":true},"
    "{\"id\":2,\"sku\":\"b_2\",\"price\":-3,\"status\":\"\",\"obj\":{\"x\":1}},"
    "{\"id\":3,\"sku\":\"%\",\"price\":1e300,\"status\":\"PENDING\"}]";

static void fuzz_search(const char *query)
{
    struct km__adobe_search s;
    struct km__adobe_search_err err;
    cJSON *items = cJSON_Parse(items_json), *out;
    const cJSON *v[3];
    int matched = 0, page;

    for (int i = 0; i < 3; i++)
        v[i] = cJSON_GetArrayItem(items, i);
    if (km__adobe_search_parse(&s, query, &err) != 0 ||
        km__adobe_search_check(&s, &err) != 0) {
        if (!err.message[0])
            fuzz_violation(TARGET, "a refused query without a message");
        goto out;
    }
    for (int i = 0; i < 3; i++) {
        int a = km__adobe_search_match(&s, v[i]);

        if (a != km__adobe_search_match(&s, v[i]) || (a != 0 && a != 1))
            fuzz_violation(TARGET, "matching is not a stable 0 or 1");
        matched += a;
    }
    out = km__adobe_search_result(&s, v, 3, NULL, NULL);
    page = cJSON_GetArraySize(cJSON_GetObjectItem(out, "items"));
    if (cJSON_GetObjectItem(out, "total_count")->valueint != matched)
        fuzz_violation(TARGET, "total_count is not the number of matches");
    if (page > matched || (s.page_size > 0 && page > s.page_size))
        fuzz_violation(TARGET, "a page larger than its size");
    if (!cJSON_IsArray(cJSON_GetObjectItem(
            cJSON_GetObjectItem(out, "search_criteria"), "filter_groups")))
        fuzz_violation(TARGET, "the echo has no filter_groups");
    cJSON_Delete(out);
out:
    km__adobe_search_dispose(&s);
    cJSON_Delete(items);
}

static int count_nodes(const cJSON *n)
{
    int c = 1;

    for (const cJSON *it = n ? n->child : NULL; it; it = it->next)
        c += count_nodes(it);
    return c;
}

static void fuzz_fields(const char *spec)
{
    cJSON *doc = cJSON_Parse(
        "{\"items\":[{\"entity_id\":1,\"items\":[{\"sku\":\"A\"}]}],"
        "\"total_count\":1,\"search_criteria\":{\"filter_groups\":[]}}");
    char *before = cJSON_PrintUnformatted(doc), *after;
    int nodes = count_nodes(doc);
    int rc = km__adobe_fields_apply(doc, spec);

    after = cJSON_PrintUnformatted(doc);
    if (rc != 0 && strcmp(before, after) != 0)
        fuzz_violation(TARGET, "a refused fields list changed the document");
    if (count_nodes(doc) > nodes)
        fuzz_violation(TARGET, "fields added a member");
    free(before);
    free(after);
    cJSON_Delete(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);
    char *nl = strchr(text, '\n');

    if (nl)
        *nl = '\0';
    fuzz_search(text);
    if (nl)
        fuzz_fields(nl + 1);
    free(text);
    return 0;
}
