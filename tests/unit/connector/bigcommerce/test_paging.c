/* v3 listing by meta.pagination: page counting, limits, early stop. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>
#include "bc_stub.h"
#include "bigcommerce/bigcommerce_int.h"

#define TOTAL 23

/* Serves TOTAL products with the limit and page it is asked for. */
static void h_products(struct km_response *res, const struct km_request *req,
                       void *st)
{
    const char *l = km_request_arg(req, "limit");
    const char *p = km_request_arg(req, "page");
    int limit = l ? (int)strtol(l, NULL, 10) : 50;
    int page = p ? (int)strtol(p, NULL, 10) : 1;
    int pages = (TOTAL + limit - 1) / limit;
    cJSON *out = cJSON_CreateObject(),
          *data = cJSON_AddArrayToObject(out, "data");
    cJSON *meta = cJSON_AddObjectToObject(out, "meta");
    cJSON *pg = cJSON_AddObjectToObject(meta, "pagination");

    (void)st;
    for (int i = (page - 1) * limit; i < TOTAL && i < page * limit; i++) {
        cJSON *o = cJSON_CreateObject();

        cJSON_AddNumberToObject(o, "id", 100 + i);
        cJSON_AddItemToArray(data, o);
    }
    cJSON_AddNumberToObject(pg, "total", TOTAL);
    cJSON_AddNumberToObject(pg, "count", cJSON_GetArraySize(data));
    cJSON_AddNumberToObject(pg, "per_page", limit);
    cJSON_AddNumberToObject(pg, "current_page", page);
    cJSON_AddNumberToObject(pg, "total_pages", pages);
    km_response_json(res, 200, out);
}

static const struct km_route routes[] = {
    {"GET", "/stores/{hash}/v3/catalog/products", h_products},
};

static int count_item(void *ud, const cJSON *item)
{
    (void)item;
    (*(int *)ud)++;
    return 0;
}

static int stop_at_12(void *ud, const cJSON *item)
{
    (void)item;
    return ++(*(int *)ud) == 12;
}

static cJSON *meta_of(const char *json)
{
    cJSON *o = cJSON_Parse(json);

    assert_non_null(o);
    return o;
}

static void next_page_follows_current_and_total(void **state)
{
    const char *cases[][2] = {
        {"{\"meta\":{\"pagination\":{\"current_page\":1,\"total_pages\":3}}}",
         "2"},
        {"{\"meta\":{\"pagination\":{\"current_page\":3,\"total_pages\":3}}}",
         "0"},
        {"{\"meta\":{\"pagination\":{\"current_page\":1,\"total_pages\":0}}}",
         "0"},
        {"{\"meta\":{}}", "0"},
        {"{\"data\":[]}", "0"},
        {"{\"meta\":{\"pagination\":{\"current_page\":\"1\","
         "\"total_pages\":3}}}",
         "0"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        cJSON *o = meta_of(cases[i][0]);

        assert_int_equal(ks__bc_next_page(o), strtol(cases[i][1], NULL, 10));
        cJSON_Delete(o);
    }
}

static void list_walks_every_page(void **state)
{
    struct stub s;
    int n = 0, pages = 0;
    cJSON *reqs;

    (void)state;
    stub_start(&s, routes, 1, NULL, 10);
    assert_int_equal(
        ks_bigcommerce_products_list(s.bc, NULL, count_item, &n, &pages),
        KS_OK);
    assert_int_equal(n, TOTAL);
    assert_int_equal(pages, 3);
    reqs = stub_requests(&s, "GET", "/stores/abc123/v3/catalog/products");
    assert_int_equal(cJSON_GetArraySize(reqs), 3);
    assert_string_equal(stub_query(cJSON_GetArrayItem(reqs, 2)),
                        "limit=10&page=3");
    cJSON_Delete(reqs);
    stub_stop(&s);
}

static void caller_filters_come_before_paging(void **state)
{
    struct stub s;
    int n = 0;
    const char *q[] = {"sku:in", "A-1,B 2", NULL};
    cJSON *reqs;

    (void)state;
    stub_start(&s, routes, 1, NULL, 250);
    assert_int_equal(
        ks_bigcommerce_products_list(s.bc, q, count_item, &n, NULL), KS_OK);
    reqs = stub_requests(&s, "GET", "/stores/abc123/v3/catalog/products");
    assert_int_equal(cJSON_GetArraySize(reqs), 1);
    assert_string_equal(stub_query(cJSON_GetArrayItem(reqs, 0)),
                        "sku%3ain=A-1%2cB+2&limit=250&page=1");
    cJSON_Delete(reqs);
    stub_stop(&s);
}

static void page_limit_is_clamped_to_250(void **state)
{
    struct stub s;
    int n = 0;
    cJSON *reqs;

    (void)state;
    stub_start(&s, routes, 1, NULL, 1000);
    assert_int_equal(
        ks_bigcommerce_products_list(s.bc, NULL, count_item, &n, NULL), KS_OK);
    reqs = stub_requests(&s, "GET", "/stores/abc123/v3/catalog/products");
    assert_string_equal(stub_query(cJSON_GetArrayItem(reqs, 0)),
                        "limit=250&page=1");
    cJSON_Delete(reqs);
    stub_stop(&s);
}

static void callback_can_stop_the_listing(void **state)
{
    struct stub s;
    int n = 0, pages = 0;

    (void)state;
    stub_start(&s, routes, 1, NULL, 10);
    assert_int_equal(
        ks_bigcommerce_products_list(s.bc, NULL, stop_at_12, &n, &pages),
        KS_OK);
    assert_int_equal(n, 12);
    assert_int_equal(pages, 2);
    stub_stop(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(next_page_follows_current_and_total),
        cmocka_unit_test(list_walks_every_page),
        cmocka_unit_test(caller_filters_come_before_paging),
        cmocka_unit_test(page_limit_is_clamped_to_250),
        cmocka_unit_test(callback_can_stop_the_listing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
