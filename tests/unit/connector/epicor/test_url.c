/* unit.epicor.url: query strings, URLs, OData literals and the keyset
 * filter, built without a network. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "epicor/epicor_int.h"

struct fix {
    struct ks_client *client;
    struct ks_epicor *epi;
};

static int setup(void **state)
{
    struct ks_epicor_options o = KS_EPICOR_OPTIONS_INIT;
    struct fix *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    assert_int_equal(ks_client_new(&f->client, NULL), KS_OK);
    o.server_url = "https://centralusdtapp73.epicorsaas.com/";
    o.instance = "SaaS5333";
    o.company = "EPIC 06";
    o.api_key = "key";
    o.username = "u";
    o.password = "p";
    assert_int_equal(ks_epicor_new(&f->epi, f->client, &o), KS_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;

    ks_epicor_free(f->epi);
    ks_client_free(f->client);
    free(f);
    return 0;
}

static char *url_with(struct fix *f, const char *const *pairs)
{
    char *url = NULL;

    assert_int_equal(
        ks__epicor_odata_url(&url, f->epi, "Erp.BO.PartSvc/Parts", pairs),
        KS_OK);
    return url;
}

static void query_value_space_is_percent_20_never_plus(void **state)
{
    static const char *const q[] = {"$filter", "PartNum eq 'A+B'", NULL};
    char *url = url_with(*state, q);

    /* curl lower-cases the hex of escapes it keeps: %2b is '+' escaped */
    assert_non_null(strstr(url, "?$filter=PartNum%20eq%20%27A%2bB%27"));
    assert_null(strchr(url, '+'));
    assert_null(strchr(url, ' '));
    ks__free(url);
}

static void query_pairs_are_appended_in_order_with_ampersands(void **state)
{
    static const char *const q[] = {"$top", "2", "CurrentPlant", "Mfg Sys&x=1",
                                    NULL};
    char *url = url_with(*state, q);

    /* '&' and '=' inside a value are escaped, so they cannot start a new
     * parameter */
    assert_non_null(strstr(url, "?$top=2&CurrentPlant=Mfg%20Sys%26x%3d1"));
    ks__free(url);
}

static void odata_url_has_instance_company_and_service(void **state)
{
    static const char *const q[] = {"$top", "2", "$skip", "4", NULL};
    char *url = url_with(*state, q);

    /* trailing slash of server_url dropped; company segment escaped */
    assert_string_equal(url, "https://centralusdtapp73.epicorsaas.com/SaaS5333"
                             "/api/v2/odata/EPIC%2006/Erp.BO.PartSvc/Parts"
                             "?$top=2&$skip=4");
    ks__free(url);
}

static void odata_url_without_pairs_has_no_query(void **state)
{
    char *url = url_with(*state, NULL);

    assert_null(strchr(url, '?'));
    ks__free(url);
}

static void odata_url_v1_names_no_company(void **state)
{
    struct fix *f = *state;
    struct ks_epicor_options o = KS_EPICOR_OPTIONS_INIT;
    struct ks_epicor *epi = NULL;
    char *url = NULL;

    o.server_url = "https://h";
    o.instance = "SaaS5333";
    o.company = "EPIC06";
    o.username = "u";
    o.password = "p";
    o.api_version = 1;
    assert_int_equal(ks_epicor_new(&epi, f->client, &o), KS_OK);
    assert_int_equal(
        ks__epicor_odata_url(&url, epi, "Erp.BO.PartSvc/Parts", NULL), KS_OK);
    assert_string_equal(url, "https://h/SaaS5333/api/v1/Erp.BO.PartSvc/Parts");
    ks__free(url);
    ks_epicor_free(epi);
}

static void form_add_escapes_for_a_form_body(void **state)
{
    struct ks__buf b = KS__BUF_INIT;

    (void)state;
    assert_int_equal(
        ks__epicor_form_add(&b, "grant_type", "client_credentials"), KS_OK);
    assert_int_equal(ks__epicor_form_add(&b, "client_secret", "a b&c"), KS_OK);
    assert_string_equal(
        b.data, "grant_type=client_credentials&client_secret=a%20b%26c");
    ks__buf_dispose(&b);
}

static void root_url_reaches_token_resource_with_trailing_slash(void **state)
{
    struct fix *f = *state;
    char *url = NULL;

    assert_int_equal(ks__epicor_root_url(&url, f->epi, "TokenResource.svc/"),
                     KS_OK);
    assert_string_equal(url, "https://centralusdtapp73.epicorsaas.com/SaaS5333"
                             "/TokenResource.svc/");
    ks__free(url);
}

static void filter_eq_doubles_single_quotes(void **state)
{
    char *f = ks__epicor_filter_eq("EMailAddress", "o'brien@x.example");

    (void)state;
    assert_string_equal(f, "EMailAddress eq 'o''brien@x.example'");
    ks__free(f);
    f = ks__epicor_filter_eq("PONum", "''");
    assert_string_equal(f, "PONum eq ''''''");
    ks__free(f);
}

static void keyset_filter_starts_after_the_cursor(void **state)
{
    char *f = ks__epicor_keyset_filter(41, NULL);

    (void)state;
    assert_string_equal(f, "SysRevID gt 41");
    ks__free(f);
    f = ks__epicor_keyset_filter(9000000000LL, "PartNum eq 'A or B'");
    assert_string_equal(f, "SysRevID gt 9000000000 and (PartNum eq 'A or B')");
    ks__free(f);
}

static void sysrevid_reads_numbers_and_v1_strings(void **state)
{
    cJSON *a = cJSON_Parse("{\"SysRevID\":1234}");
    cJSON *b = cJSON_Parse("{\"SysRevID\":\"9000000001\"}");
    cJSON *c = cJSON_Parse("{}");

    (void)state;
    assert_int_equal(ks__epicor_sysrevid(a), 1234);
    assert_int_equal(ks__epicor_sysrevid(b), 9000000001LL);
    assert_int_equal(ks__epicor_sysrevid(c), -1);
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_Delete(c);
}

static void new_refuses_missing_credentials(void **state)
{
    struct fix *f = *state;
    struct ks_epicor_options o = KS_EPICOR_OPTIONS_INIT;
    struct ks_epicor *epi = (struct ks_epicor *)1;

    o.server_url = "https://h";
    o.instance = "I";
    o.company = "C";
    o.auth = KS_EPICOR_AUTH_IDP;
    o.client_id = "id";
    assert_int_equal(ks_epicor_new(&epi, f->client, &o), KS_EINVAL);
    assert_null(epi);
    assert_non_null(
        strstr(ks_client_last_error(f->client)->message, "client_secret"));
}

static void new_refuses_an_unknown_api_version(void **state)
{
    struct fix *f = *state;
    struct ks_epicor_options o = KS_EPICOR_OPTIONS_INIT;
    struct ks_epicor *epi = NULL;

    o.server_url = "https://h";
    o.instance = "I";
    o.company = "C";
    o.username = "u";
    o.password = "p";
    o.api_version = 3;
    assert_int_equal(ks_epicor_new(&epi, f->client, &o), KS_EINVAL);
    assert_null(epi);
}

static void auth_names_parse(void **state)
{
    enum ks_epicor_auth a;

    (void)state;
    assert_int_equal(ks_epicor_auth_from_name(&a, "idp"), 0);
    assert_int_equal(a, KS_EPICOR_AUTH_IDP);
    assert_int_equal(ks_epicor_auth_from_name(&a, "basic"), 0);
    assert_int_equal(a, KS_EPICOR_AUTH_BASIC);
    assert_int_equal(ks_epicor_auth_from_name(&a, "oauth"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            query_value_space_is_percent_20_never_plus, setup, teardown),
        cmocka_unit_test_setup_teardown(
            query_pairs_are_appended_in_order_with_ampersands, setup, teardown),
        cmocka_unit_test_setup_teardown(
            odata_url_has_instance_company_and_service, setup, teardown),
        cmocka_unit_test_setup_teardown(odata_url_without_pairs_has_no_query,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(odata_url_v1_names_no_company, setup,
                                        teardown),
        cmocka_unit_test(form_add_escapes_for_a_form_body),
        cmocka_unit_test_setup_teardown(
            root_url_reaches_token_resource_with_trailing_slash, setup,
            teardown),
        cmocka_unit_test(filter_eq_doubles_single_quotes),
        cmocka_unit_test(keyset_filter_starts_after_the_cursor),
        cmocka_unit_test(sysrevid_reads_numbers_and_v1_strings),
        cmocka_unit_test_setup_teardown(new_refuses_missing_credentials, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(new_refuses_an_unknown_api_version,
                                        setup, teardown),
        cmocka_unit_test(auth_names_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
