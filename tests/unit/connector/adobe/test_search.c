/* unit.connector.adobe.search: the searchCriteria builder's query and
 * the filling of Adobe's message placeholders, without a server. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "adobe/adobe_int.h"

static struct ks_adobe *handle(struct ks_client **client)
{
    struct ks_adobe_options o = KS_ADOBE_OPTIONS_INIT;
    struct ks_adobe *ad = NULL;

    assert_int_equal(ks_client_new(client, NULL), KS_OK);
    o.base_url = "https://shop.example/";
    o.store_code = "de";
    o.auth = KS_ADOBE_AUTH_ADMIN;
    o.username = "u";
    o.password = "p";
    o.page_size = 50;
    assert_int_equal(ks_adobe_new(&ad, *client, &o), KS_OK);
    return ad;
}

static void groups_and_filters_number_as_adobe_reads_them(void **state)
{
    struct ks_client *client = NULL;
    struct ks_adobe *ad = handle(&client);
    struct ks_adobe_search *s = NULL;
    char *url = NULL;

    (void)state;
    assert_int_equal(ks_adobe_search_new(&s), KS_OK);
    /* (status = pending OR status = processing) AND grand_total >= 10 */
    assert_int_equal(
        ks_adobe_search_filter(s, "status", KS_ADOBE_EQ, "pending"), KS_OK);
    assert_int_equal(
        ks_adobe_search_filter(s, "status", KS_ADOBE_EQ, "processing"), KS_OK);
    assert_int_equal(ks_adobe_search_and(s), KS_OK);
    assert_int_equal(
        ks_adobe_search_filter(s, "grand_total", KS_ADOBE_GTEQ, "10"), KS_OK);
    assert_int_equal(ks_adobe_search_sort(s, "created_at", 1), KS_OK);
    assert_int_equal(ks_adobe_search_url(&url, ad, "orders", s, 3), KS_OK);
    assert_string_equal(
        url,
        "https://shop.example/rest/de/V1/orders?"
        "searchCriteria%5bfilter_groups%5d%5b0%5d%5bfilters%5d%5b0%5d%5bfield%"
        "5d=status&"
        "searchCriteria%5bfilter_groups%5d%5b0%5d%5bfilters%5d%5b0%5d%5bvalue%"
        "5d=pending&"
        "searchCriteria%5bfilter_groups%5d%5b0%5d%5bfilters%5d%5b0%5d%"
        "5bcondition_type%5d=eq&"
        "searchCriteria%5bfilter_groups%5d%5b0%5d%5bfilters%5d%5b1%5d%5bfield%"
        "5d=status&"
        "searchCriteria%5bfilter_groups%5d%5b0%5d%5bfilters%5d%5b1%5d%5bvalue%"
        "5d=processing&"
        "searchCriteria%5bfilter_groups%5d%5b0%5d%5bfilters%5d%5b1%5d%"
        "5bcondition_type%5d=eq&"
        "searchCriteria%5bfilter_groups%5d%5b1%5d%5bfilters%5d%5b0%5d%5bfield%"
        "5d=grand_total&"
        "searchCriteria%5bfilter_groups%5d%5b1%5d%5bfilters%5d%5b0%5d%5bvalue%"
        "5d=10&"
        "searchCriteria%5bfilter_groups%5d%5b1%5d%5bfilters%5d%5b0%5d%"
        "5bcondition_type%5d=gteq&"
        "searchCriteria%5bsortOrders%5d%5b0%5d%5bfield%5d=created_at&"
        "searchCriteria%5bsortOrders%5d%5b0%5d%5bdirection%5d=DESC&"
        "searchCriteria%5bpageSize%5d=50&searchCriteria%5bcurrentPage%5d=3");
    ks_adobe_string_free(url);
    ks_adobe_search_free(s);
    ks_adobe_free(ad);
    ks_client_free(client);
}

static void values_are_escaped_and_valueless_conditions_send_none(void **state)
{
    struct ks_client *client = NULL;
    struct ks_adobe *ad = handle(&client);
    struct ks_adobe_search *s = NULL;
    char *url = NULL;

    (void)state;
    assert_int_equal(ks_adobe_search_new(&s), KS_OK);
    assert_int_equal(
        ks_adobe_search_filter(s, "email", KS_ADOBE_LIKE, "a&b=%+c@x y"),
        KS_OK);
    assert_int_equal(ks_adobe_search_and(s), KS_OK);
    assert_int_equal(ks_adobe_search_filter(s, "note", KS_ADOBE_NULL, NULL),
                     KS_OK);
    ks_adobe_search_page(s, 7, 0);
    assert_int_equal(ks_adobe_search_url(&url, ad, "orders", s, 1), KS_OK);
    assert_non_null(strstr(url, "%5bvalue%5d=a%26b%3d%25%2bc%40x+y&"));
    assert_null(strstr(url, "%5b1%5d%5bfilters%5d%5b0%5d%5bvalue"));
    assert_non_null(
        strstr(url, "%5b1%5d%5bfilters%5d%5b0%5d%5bcondition_type%5d=null"));
    assert_non_null(strstr(url, "pageSize%5d=7&"));
    ks_adobe_string_free(url);
    ks_adobe_search_free(s);
    ks_adobe_free(ad);
    ks_client_free(client);
}

static void bad_filters_are_einval_and_leave_nothing(void **state)
{
    struct ks_adobe_search *s = NULL;

    (void)state;
    assert_int_equal(ks_adobe_search_new(&s), KS_OK);
    assert_int_equal(ks_adobe_search_filter(s, "status", KS_ADOBE_EQ, NULL),
                     KS_EINVAL);
    assert_int_equal(ks_adobe_search_filter(s, "", KS_ADOBE_EQ, "x"),
                     KS_EINVAL);
    assert_int_equal(ks_adobe_search_filter(s, "x", KS_ADOBE_NCONDITIONS, "x"),
                     KS_EINVAL);
    assert_int_equal(ks_adobe_search_sort(s, NULL, 0), KS_EINVAL);
    ks_adobe_search_free(s);
}

static void every_condition_has_its_adobe_name(void **state)
{
    static const char *const names[] = {
        "eq", "neq",    "like",    "nlike", "in",     "nin",
        "gt", "gteq",   "moreq",   "lt",    "lteq",   "from",
        "to", "finset", "nfinset", "null",  "notnull"};

    (void)state;
    assert_int_equal(KS_ADOBE_NCONDITIONS, sizeof(names) / sizeof(names[0]));
    for (int i = 0; i < KS_ADOBE_NCONDITIONS; i++)
        assert_string_equal(ks_adobe_condition_name(i), names[i]);
    assert_null(ks_adobe_condition_name(KS_ADOBE_NCONDITIONS));
}

static void phrase(const char *message, const char *params, const char *want)
{
    cJSON *p = params ? cJSON_Parse(params) : NULL;
    char *got = ks__adobe_phrase(message, p);

    assert_non_null(got);
    assert_string_equal(got, want);
    ks__free(got);
    cJSON_Delete(p);
}

static void placeholders_are_filled_by_position_and_name(void **state)
{
    (void)state;
    phrase("The consumer isn't authorized to access %resources.",
           "{\"resources\":\"Magento_Sales::actions_view\"}",
           "The consumer isn't authorized to access "
           "Magento_Sales::actions_view.");
    phrase("No such entity with %fieldName = %fieldValue",
           "{\"fieldName\":\"id\",\"fieldValue\":42}",
           "No such entity with id = 42");
    phrase("The sort order \"%1\" is not supported, %2 and %10.",
           "[\"UP\",\"x\"]",
           "The sort order \"UP\" is not supported, x and %10.");
    phrase("100% sure, %missing stays", "{}", "100% sure, %missing stays");
    phrase("no parameters %1", NULL, "no parameters %1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(groups_and_filters_number_as_adobe_reads_them),
        cmocka_unit_test(values_are_escaped_and_valueless_conditions_send_none),
        cmocka_unit_test(bad_filters_are_einval_and_leave_nothing),
        cmocka_unit_test(every_condition_has_its_adobe_name),
        cmocka_unit_test(placeholders_are_filled_by_position_and_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
