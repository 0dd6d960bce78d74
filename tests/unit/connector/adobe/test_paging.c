/* unit.connector.adobe.paging: searchCriteria round trips and paging by
 * total_count against the adobe emulator, including the page past the
 * end that Adobe answers with the last page again. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "ka.h"

/* Five companies; name, city and the vendor id attribute vary. */
#define CO(n, city)                                                            \
    "{\"company_name\":\"Co " #n "\",\"company_email\":\"c" #n                 \
    "@x.example\",\"street\":[\"1 Road\"],\"city\":\"" city "\","              \
    "\"country_id\":\"US\",\"postcode\":\"1000" #n "\",\"telephone\":\"1\","   \
    "\"super_user_id\":1,\"custom_attributes\":[{\"attribute_code\":"          \
    "\"epicor_vendor_id\",\"value\":\"V" #n "\"}]}"
#define COMPANIES                                                              \
    "\"companies\":[" CO(1, "Austin") "," CO(2, "Boston") "," CO(              \
        3, "New York") "," CO(4, "Austin") "," CO(5, "Denver") "]"

struct seen {
    char names[16][32];
    int n;
};

static int collect(void *ud, const cJSON *item)
{
    struct seen *s = ud;

    if (s->n < 16)
        snprintf(s->names[s->n], sizeof(s->names[0]), "%s",
                 cJSON_GetObjectItem(item, "company_name")->valuestring);
    s->n++;
    return 0;
}

static void pages_stop_by_total_count(void **state)
{
    struct ka_env env;
    struct ks_adobe_search *s = NULL;
    struct ks_adobe_list_stats st;
    struct seen seen = {.n = 0};

    (void)state;
    ka_start(&env, COMPANIES, KS_ADOBE_AUTH_OAUTH1);
    assert_int_equal(ks_adobe_search_new(&s), KS_OK);
    ks_adobe_search_page(s, 2, 0);
    assert_int_equal(
        ks_adobe_search_each(env.ad, "company", s, collect, &seen, &st), KS_OK);
    /* 2 + 2 + 1: three requests, never a fourth for an empty page */
    assert_int_equal(st.pages, 3);
    assert_int_equal(st.total, 5);
    assert_int_equal(seen.n, 5);
    assert_string_equal(seen.names[4], "Co 5");
    assert_int_equal(kt_count(env.emu->server, "GET /rest/*/V1/company"), 3);
    ks_adobe_search_free(s);
    ka_stop(&env);
}

static void exact_multiple_of_the_page_size_takes_no_extra_page(void **state)
{
    struct ka_env env;
    struct ks_adobe_search *s = NULL;
    struct ks_adobe_list_stats st;

    (void)state;
    ka_start(&env, COMPANIES, KS_ADOBE_AUTH_ADMIN);
    assert_int_equal(ks_adobe_search_new(&s), KS_OK);
    ks_adobe_search_page(s, 5, 0);
    assert_int_equal(
        ks_adobe_search_each(env.ad, "company", s, NULL, NULL, &st), KS_OK);
    assert_int_equal(st.pages, 1);
    assert_int_equal(st.delivered, 5);
    ks_adobe_search_free(s);
    ka_stop(&env);
}

static void a_first_page_past_the_end_delivers_nothing(void **state)
{
    struct ka_env env;
    struct ks_adobe_search *s = NULL;
    struct ks_adobe_list_stats st;

    (void)state;
    ka_start(&env, COMPANIES, KS_ADOBE_AUTH_ADMIN);
    assert_int_equal(ks_adobe_search_new(&s), KS_OK);
    ks_adobe_search_page(s, 2, 9); /* Adobe answers page 3 again */
    assert_int_equal(
        ks_adobe_search_each(env.ad, "company", s, NULL, NULL, &st), KS_OK);
    assert_int_equal(st.pages, 1);
    assert_int_equal(st.delivered, 0);
    ks_adobe_search_free(s);
    ka_stop(&env);
}

/* Deletes companies 1 to 3 through a second handle after the first
 * page, so that the listing's next page lies past the shrunken end. */
struct shrink {
    struct ka_env *env;
    struct ks_adobe *other;
    int n;
};

static int delete_after_first_page(void *ud, const cJSON *item)
{
    struct shrink *sh = ud;

    (void)item;
    if (++sh->n == 2) {
        assert_int_equal(
            ks_adobe_request(NULL, sh->other, "DELETE", "company/1", NULL),
            KS_OK);
        assert_int_equal(
            ks_adobe_request(NULL, sh->other, "DELETE", "company/2", NULL),
            KS_OK);
        assert_int_equal(
            ks_adobe_request(NULL, sh->other, "DELETE", "company/3", NULL),
            KS_OK);
    }
    return 0;
}

static void a_listing_whose_end_shrinks_never_delivers_twice(void **state)
{
    struct ka_env env;
    struct ks_adobe_search *s = NULL;
    struct ks_adobe_list_stats st;
    struct ks_adobe_options o = KS_ADOBE_OPTIONS_INIT;
    struct ks_client *client;
    struct shrink sh = {&env, NULL, 0};

    (void)state;
    ka_start(&env, COMPANIES, KS_ADOBE_AUTH_ADMIN);
    client = kt_client_new(env.clock);
    ka_options(&o, km_server_url(env.emu->server), KS_ADOBE_AUTH_ADMIN);
    assert_int_equal(ks_adobe_new(&sh.other, client, &o), KS_OK);
    assert_int_equal(ks_adobe_search_new(&s), KS_OK);
    ks_adobe_search_page(s, 2, 0);
    /* page 1: Co 1, Co 2 (total 5); then Co 4 and Co 5 are left, so
     * page 2 is past the end and Adobe answers page 1 (Co 4, Co 5) again:
     * those are not delivered, and the listing ends */
    assert_int_equal(ks_adobe_search_each(env.ad, "company", s,
                                          delete_after_first_page, &sh, &st),
                     KS_OK);
    assert_int_equal(st.total, 2);
    assert_int_equal(sh.n, 2);
    assert_int_equal(st.pages, 2);
    ks_adobe_search_free(s);
    ks_adobe_free(sh.other);
    ks_client_free(client);
    ka_stop(&env);
}

static void or_inside_groups_and_between_groups_round_trip(void **state)
{
    struct ka_env env;
    struct ks_adobe_search *s = NULL;
    struct ks_adobe_list_stats st;
    struct seen seen = {.n = 0};

    (void)state;
    ka_start(&env, COMPANIES, KS_ADOBE_AUTH_OAUTH1);
    assert_int_equal(ks_adobe_search_new(&s), KS_OK);
    /* (city = Austin OR city like "new %") AND postcode != 10004,
     * newest name first; the space and % travel escaped and signed */
    assert_int_equal(ks_adobe_search_filter(s, "city", KS_ADOBE_EQ, "Austin"),
                     KS_OK);
    assert_int_equal(ks_adobe_search_filter(s, "city", KS_ADOBE_LIKE, "new %"),
                     KS_OK);
    assert_int_equal(ks_adobe_search_and(s), KS_OK);
    assert_int_equal(
        ks_adobe_search_filter(s, "postcode", KS_ADOBE_NIN, "10004,10009"),
        KS_OK);
    assert_int_equal(ks_adobe_search_sort(s, "company_name", 1), KS_OK);
    assert_int_equal(
        ks_adobe_search_each(env.ad, "company", s, collect, &seen, &st), KS_OK);
    assert_int_equal(seen.n, 2);
    assert_string_equal(seen.names[0], "Co 3");
    assert_string_equal(seen.names[1], "Co 1");
    ks_adobe_search_free(s);
    ka_stop(&env);
}

static void company_is_found_by_its_custom_attribute(void **state)
{
    struct ka_env env;
    cJSON *c = NULL;

    (void)state;
    ka_start(&env, COMPANIES, KS_ADOBE_AUTH_OAUTH1);
    assert_int_equal(
        ks_adobe_company_find(&c, env.ad, "epicor_vendor_id", "V4"), KS_OK);
    assert_string_equal(cJSON_GetObjectItem(c, "company_name")->valuestring,
                        "Co 4");
    cJSON_Delete(c);
    assert_int_equal(
        ks_adobe_company_find(&c, env.ad, "epicor_vendor_id", "V9"),
        KS_ENOTFOUND);
    assert_null(c);
    ka_stop(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pages_stop_by_total_count),
        cmocka_unit_test(exact_multiple_of_the_page_size_takes_no_extra_page),
        cmocka_unit_test(a_first_page_past_the_end_delivers_nothing),
        cmocka_unit_test(a_listing_whose_end_shrinks_never_delivers_twice),
        cmocka_unit_test(or_inside_groups_and_between_groups_round_trip),
        cmocka_unit_test(company_is_found_by_its_custom_attribute),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
