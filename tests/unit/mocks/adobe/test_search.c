/* searchCriteria and fields= (mocks/src/adobe/search.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "adobe/search.h"

static const char items_json[] =
    "[{\"id\":1,\"sku\":\"WIDGET-1\",\"price\":10,\"status\":\"pending\","
    "\"tags\":\"a,b\",\"note\":null},"
    "{\"id\":2,\"sku\":\"widget-2\",\"price\":2.5,\"status\":\"processing\","
    "\"tags\":\"b\"},"
    "{\"id\":3,\"sku\":\"GADGET-1\",\"price\":100,\"status\":\"pending\","
    "\"tags\":\"c\",\"note\":\"x\"}]";

/* Runs query over the three items; returns the result object. */
static cJSON *run(const char *query)
{
    struct km__adobe_search s;
    struct km__adobe_search_err err;
    cJSON *items = cJSON_Parse(items_json), *out;
    const cJSON *v[3];

    for (int i = 0; i < 3; i++)
        v[i] = cJSON_GetArrayItem(items, i);
    assert_int_equal(km__adobe_search_parse(&s, query, &err), 0);
    assert_int_equal(km__adobe_search_check(&s, &err), 0);
    out = km__adobe_search_result(&s, v, 3, NULL, NULL);
    km__adobe_search_dispose(&s);
    cJSON_Delete(items);
    return out;
}

/* The ids of a result's items, as "1,3". */
static void ids(const cJSON *out, char *buf, size_t n)
{
    const cJSON *it;

    buf[0] = '\0';
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(out, "items"))
    {
        size_t l = strlen(buf);

        snprintf(buf + l, n - l, "%s%d", l ? "," : "",
                 cJSON_GetObjectItem(it, "id")->valueint);
    }
}

/* One filter of a query: group, index in the group, field, value and
 * condition type (NULL: not given). */
struct flt {
    int g, f;
    const char *field, *value, *cond;
};

/* The searchCriteria query of n filters. */
static void query_of(char *out, size_t outsz, const struct flt *v, size_t n)
{
    static const char pre[] = "searchCriteria[filter_groups]";
    size_t len = 0;

    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        len += (size_t)snprintf(
            out + len, outsz - len, "%s%s[%d][filters][%d][field]=%s",
            len ? "&" : "", pre, v[i].g, v[i].f, v[i].field);
        if (v[i].value)
            len += (size_t)snprintf(out + len, outsz - len,
                                    "&%s[%d][filters][%d][value]=%s", pre,
                                    v[i].g, v[i].f, v[i].value);
        if (v[i].cond)
            len += (size_t)snprintf(out + len, outsz - len,
                                    "&%s[%d][filters][%d][condition_type]=%s",
                                    pre, v[i].g, v[i].f, v[i].cond);
    }
}

static void expect_ids(const char *query, const char *want, int total)
{
    char buf[64];
    cJSON *out = run(query);

    ids(out, buf, sizeof(buf));
    assert_string_equal(buf, want);
    assert_int_equal(cJSON_GetObjectItem(out, "total_count")->valueint, total);
    cJSON_Delete(out);
}

/* expect_ids over the query of one filter. */
static void one(const char *field, const char *value, const char *cond,
                const char *want, int total)
{
    struct flt f = {0, 0, field, value, cond};
    char q[1024];

    query_of(q, sizeof(q), &f, 1);
    expect_ids(q, want, total);
}

static void or_inside_a_group_and_between_groups(void **state)
{
    /* (status = pending OR price < 5) AND sku like %1 */
    const struct flt v[] = {{0, 0, "status", "pending", NULL},
                            {0, 1, "price", "5", "lt"},
                            {1, 0, "sku", "%251", "like"}};
    char q[1024];

    (void)state;
    query_of(q, sizeof(q), v, 3);
    expect_ids(q, "1,3", 2);
    query_of(q, sizeof(q), v, 2);
    expect_ids(q, "1,2,3", 3);
}

static void every_condition_type(void **state)
{
    const struct flt range[] = {{0, 0, "price", "10", "from"},
                                {1, 0, "price", "100", "to"}};
    char q[1024];

    (void)state;
    one("sku", "widget-1", NULL, "1", 1);
    one("status", "pending", "neq", "2", 1);
    one("sku", "WIDGET_%25", "like", "1,2", 2);
    one("sku", "W%25", "nlike", "3", 1);
    one("id", "1,3", "in", "1,3", 2);
    one("id", "1,3", "nin", "2", 1);
    one("price", "10", "gt", "3", 1);
    one("price", "10", "gteq", "1,3", 2);
    one("price", "10", "moreq", "1,3", 2);
    one("price", "10", "lteq", "1,2", 2);
    one("price", "9", "lt", "2", 1); /* numbers compare as numbers */
    query_of(q, sizeof(q), range, 2);
    expect_ids(q, "1,3", 2);
    one("tags", "b", "finset", "1,2", 2);
    one("tags", "b", "nfinset", "3", 1);
    one("note", NULL, "null", "1,2", 2);
    one("note", NULL, "notnull", "3", 1);
}

static void sort_orders_and_pages(void **state)
{
    cJSON *out;
    const cJSON *echo;

    (void)state;
    expect_ids("searchCriteria[sortOrders][0][field]=price&"
               "searchCriteria[sortOrders][0][direction]=DESC",
               "3,1,2", 3);
    expect_ids("searchCriteria[sortOrders][0][field]=status&"
               "searchCriteria[sortOrders][1][field]=price&"
               "searchCriteria[sortOrders][1][direction]=desc",
               "3,1,2", 3);
    expect_ids("searchCriteria[pageSize]=2&searchCriteria[currentPage]=2", "3",
               3);
    /* a page past the end is the last page again */
    expect_ids("searchCriteria[pageSize]=2&searchCriteria[currentPage]=9", "3",
               3);
    out = run("searchCriteria[pageSize]=2&searchCriteria[filter_groups][0]"
              "[filters][0][field]=id&searchCriteria[filter_groups][0]"
              "[filters][0][value]=2&searchCriteria[sortOrders][0][field]=id");
    echo = cJSON_GetObjectItem(out, "search_criteria");
    assert_int_equal(cJSON_GetObjectItem(echo, "page_size")->valueint, 2);
    assert_null(cJSON_GetObjectItem(echo, "current_page"));
    assert_string_equal(
        cJSON_GetObjectItem(
            cJSON_GetArrayItem(
                cJSON_GetObjectItem(
                    cJSON_GetArrayItem(
                        cJSON_GetObjectItem(echo, "filter_groups"), 0),
                    "filters"),
                0),
            "condition_type")
            ->valuestring,
        "eq");
    assert_string_equal(
        cJSON_GetObjectItem(
            cJSON_GetArrayItem(cJSON_GetObjectItem(echo, "sort_orders"), 0),
            "direction")
            ->valuestring,
        "ASC");
    cJSON_Delete(out);
}

static void bad_input_is_refused_with_magento_messages(void **state)
{
    struct km__adobe_search s;
    struct km__adobe_search_err err;

    (void)state;
    assert_int_equal(
        km__adobe_search_parse(&s, "searchCriteria[pageSise]=2", &err), -1);
    assert_string_equal(err.param_value, "pageSise");
    assert_non_null(strstr(err.message, "is not supported"));
    km__adobe_search_dispose(&s);
    assert_int_equal(
        km__adobe_search_parse(&s, "searchCriteria[pageSize]=x", &err), -1);
    assert_non_null(strstr(err.message, "type is invalid"));
    km__adobe_search_dispose(&s);
    assert_int_equal(
        km__adobe_search_parse(
            &s,
            "searchCriteria[filter_groups][0][filters][0][field]=a&"
            "searchCriteria[filter_groups][0][filters][0][condition_type]=eqq",
            &err),
        0);
    assert_int_equal(km__adobe_search_check(&s, &err), -1);
    assert_string_equal(err.param_value, "eqq");
    km__adobe_search_dispose(&s);
    assert_int_equal(
        km__adobe_search_parse(&s, "searchCriteria[pageSize]=500", &err), 0);
    assert_int_equal(km__adobe_search_limit(&s, 300, &err), -1);
    assert_string_equal(err.param_value, "300");
    km__adobe_search_dispose(&s);
    assert_int_equal(km__adobe_search_parse(&s, "", &err), 0);
    assert_int_equal(km__adobe_search_limit(&s, 300, &err), 0);
    assert_int_equal(s.page_size, 20);
    km__adobe_search_dispose(&s);
}

static void fields_keep_only_what_is_named(void **state)
{
    cJSON *doc = cJSON_Parse(
        "{\"items\":[{\"entity_id\":1,\"increment_id\":\"1\",\"x\":2,"
        "\"items\":[{\"sku\":\"A\",\"qty\":1}]}],\"total_count\":1,"
        "\"search_criteria\":{}}");
    char *text;

    (void)state;
    assert_int_equal(km__adobe_fields_apply(doc, "items[entity_id,items[sku]],"
                                                 "total_count"),
                     0);
    text = cJSON_PrintUnformatted(doc);
    assert_string_equal(text, "{\"items\":[{\"entity_id\":1,\"items\":[{"
                              "\"sku\":\"A\"}]}],\"total_count\":1}");
    free(text);
    assert_int_equal(km__adobe_fields_apply(doc, "items[entity_id"), -1);
    assert_int_equal(km__adobe_fields_apply(doc, "a,,b"), -1);
    assert_int_equal(km__adobe_fields_apply(doc, "a]"), -1);
    cJSON_Delete(doc);
}

static void form_values_are_decoded(void **state)
{
    char *v;

    (void)state;
    v = km__adobe_form_value("a=1&scope=openid%2Ccommerce.accs&b=x+y", "scope");
    assert_string_equal(v, "openid,commerce.accs");
    free(v);
    v = km__adobe_form_value("a=1&b=x+y", "b");
    assert_string_equal(v, "x y");
    free(v);
    assert_null(km__adobe_form_value("a=1", "b"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(or_inside_a_group_and_between_groups),
        cmocka_unit_test(every_condition_type),
        cmocka_unit_test(sort_orders_and_pages),
        cmocka_unit_test(bad_input_is_refused_with_magento_messages),
        cmocka_unit_test(fields_keep_only_what_is_named),
        cmocka_unit_test(form_values_are_decoded),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
