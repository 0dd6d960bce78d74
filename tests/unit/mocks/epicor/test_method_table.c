/* unit.mocks.epicor.method_table: the BO method table (methods.c) is
 * consistent with the table definitions, and a method it lacks gets the
 * documented answer: 405 for a verb the method does not take (every verb
 * but POST when the method is unknown), else 404 ApiException "Method
 * '<name>' was not found in <service>.". */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <kx/json.h>
#include "epicor/epicor_emu.h"
#include "epi_test.h"

#define API_EXCEPTION "Epicor.RESTApi.ErrorHandling.ApiException"

static int setup(void **state)
{
    struct epi_env *env = calloc(1, sizeof(*env));

    epi_start(env, "{\"companies\":{\"EPIC06\":{\"parts\":[{\"PartNum\":"
                   "\"WIDGET-100\"}]}}}");
    *state = env;
    return 0;
}

static int teardown(void **state)
{
    epi_stop(*state);
    free(*state);
    return 0;
}

/* Each non-"*" row names a service of defs.c in its canonical spelling,
 * has a handler and takes POST; GET is offered only by read methods. */
static void every_row_names_a_known_service_and_takes_post(void **state)
{
    (void)state;
    assert_true(km__epicor_nmethods > 0);
    for (size_t i = 0; i < km__epicor_nmethods; i++) {
        const struct km__epicor_method_def *m = &km__epicor_methods[i];
        const char *canon = km__epicor_service_canon(m->service);

        if (strcmp(m->service, "*") != 0 &&
            (!canon || strcmp(canon, m->service) != 0))
            fail_msg("row %zu (%s): service '%s' is not in defs.c", i, m->name,
                     m->service);
        assert_non_null(m->handler);
        assert_true(m->name[0] != '\0');
        assert_true(m->verbs & KM_EPI_POST);
        if ((m->verbs & KM_EPI_GET) && strncmp(m->name, "Get", 3) != 0)
            fail_msg("row %zu: %s takes GET but does not read", i, m->name);
    }
}

/* No two rows of one scope (a service, or "*") can claim one name: equal
 * names, or a prefix rule covering another row of the same scope. */
static void no_two_rows_of_a_scope_overlap(void **state)
{
    (void)state;
    for (size_t i = 0; i < km__epicor_nmethods; i++) {
        const struct km__epicor_method_def *a = &km__epicor_methods[i];

        for (size_t j = 0; j < km__epicor_nmethods; j++) {
            const struct km__epicor_method_def *b = &km__epicor_methods[j];

            if (i == j || strcmp(a->service, b->service) != 0)
                continue;
            if (strcmp(a->name, b->name) == 0)
                fail_msg("rows %zu and %zu: %s %s twice", i, j, a->service,
                         a->name);
            if (a->match != KM_EPI_NAME &&
                strncmp(a->name, b->name, strlen(a->name)) == 0)
                fail_msg("rows %zu and %zu: prefix %s covers %s in %s", i, j,
                         a->name, b->name, a->service);
        }
    }
}

static void lookup_prefers_the_services_own_row(void **state)
{
    const struct km__epicor_method_def *m;

    (void)state;
    m = km__epicor_method_find("Erp.BO.LaborSvc", "GetNewLaborDtl");
    assert_non_null(m);
    assert_string_equal(m->service, "Erp.BO.LaborSvc");
    m = km__epicor_method_find("Erp.BO.LaborSvc", "GetNewLaborHed");
    assert_non_null(m);
    assert_string_equal(m->service, "*");
    assert_int_equal(m->match, KM_EPI_NEW_TABLE);
    m = km__epicor_method_find("Erp.BO.PartSvc", "GetBySysRowIDs");
    assert_non_null(m);
    assert_int_equal(m->match, KM_EPI_PREFIX);
    assert_true(m->verbs & KM_EPI_GET);
    m = km__epicor_method_find("Erp.BO.SalesOrderSvc", "Update");
    assert_non_null(m);
    assert_int_equal(m->verbs, KM_EPI_POST);
}

static void lookup_misses_what_the_table_lacks(void **state)
{
    (void)state;
    assert_null(km__epicor_method_find("Erp.BO.PartSvc", "NoSuchMethod"));
    assert_null(km__epicor_method_find("Erp.BO.PartSvc", "getbyid"));
    assert_null(km__epicor_method_find("Erp.BO.PartSvc", "MasterUpdate"));
    assert_null(km__epicor_method_find("Erp.BO.PartSvc", "GetNewOrderHed"));
    assert_null(km__epicor_method_find("Erp.BO.PartSvc", "GetNew"));
    assert_null(km__epicor_method_find("Erp.BO.POSvc", "UpdateMaster"));
}

/* Sends a v2 request and checks status, ErrorType and ErrorMessage. */
static void expect_error(struct epi_env *env, const char *verb,
                         const char *rest, const char *body, long status,
                         const char *type, const char *message)
{
    struct epi_resp r;

    epi_v2(&r, env, verb, rest, body);
    if (r.status != status)
        fail_msg("%s %s: status %ld, body %s", verb, rest, r.status, r.body);
    assert_non_null(r.json);
    assert_int_equal(kx_json_num(r.json, "HttpStatus", 0), status);
    assert_string_equal(kx_json_str_or(r.json, "ErrorType", "(none)"), type);
    assert_string_equal(kx_json_str_or(r.json, "ErrorMessage", "(none)"),
                        message);
    epi_resp_free(&r);
}

static void unknown_method_is_404_naming_method_and_service(void **state)
{
    expect_error(*state, "POST", "Erp.BO.PartSvc/NoSuchMethod", "{}", 404,
                 API_EXCEPTION,
                 "Method 'NoSuchMethod' was not found in Erp.BO.PartSvc.");
}

static void unknown_method_names_the_canonical_service(void **state)
{
    expect_error(*state, "POST", "erp.bo.partsvc/NoSuchMethod", "{}", 404,
                 API_EXCEPTION,
                 "Method 'NoSuchMethod' was not found in Erp.BO.PartSvc.");
}

static void method_names_are_case_sensitive(void **state)
{
    expect_error(*state, "POST", "Erp.BO.PartSvc/getbyid",
                 "{\"partNum\":\"WIDGET-100\"}", 404, API_EXCEPTION,
                 "Method 'getbyid' was not found in Erp.BO.PartSvc.");
}

static void another_services_method_is_unknown(void **state)
{
    expect_error(*state, "POST", "Erp.BO.PartSvc/MasterUpdate", "{\"ds\":{}}",
                 404, API_EXCEPTION,
                 "Method 'MasterUpdate' was not found in Erp.BO.PartSvc.");
    expect_error(*state, "POST", "Erp.BO.LaborSvc/ChangeVendor", "{}", 404,
                 API_EXCEPTION,
                 "Method 'ChangeVendor' was not found in Erp.BO.LaborSvc.");
}

static void get_new_of_a_table_outside_the_service_is_unknown(void **state)
{
    expect_error(*state, "POST", "Erp.BO.PartSvc/GetNewOrderHed", "{}", 404,
                 API_EXCEPTION,
                 "Method 'GetNewOrderHed' was not found in Erp.BO.PartSvc.");
}

static void unknown_method_by_get_is_405(void **state)
{
    expect_error(*state, "GET", "Erp.BO.PartSvc/NoSuchMethod", NULL, 405,
                 API_EXCEPTION,
                 "The requested resource does not support http method "
                 "'GET'.");
}

static void write_method_by_get_is_405(void **state)
{
    expect_error(*state, "GET", "Erp.BO.PartSvc/Update", NULL, 405,
                 API_EXCEPTION,
                 "The requested resource does not support http method "
                 "'GET'.");
}

static void unknown_method_with_bad_body_is_400(void **state)
{
    expect_error(*state, "POST", "Erp.BO.PartSvc/NoSuchMethod", "[1]", 400,
                 "Ice.Common.BusinessObjectException",
                 "Unable to deserialize the request body of NoSuchMethod.");
}

static void read_method_answers_get_on_v2_only(void **state)
{
    static const char *const hdrs[] = {EPI_BASIC, NULL};
    struct epi_resp r;

    epi_v2(&r, *state, "GET", "Erp.BO.PartSvc/GetByID?partNum=WIDGET-100",
           NULL);
    assert_int_equal(r.status, 200);
    epi_resp_free(&r);
    epi_http(&r, *state, "GET",
             "/SaaS5333/api/v1/Erp.BO.PartSvc/GetByID?partNum=WIDGET-100", hdrs,
             NULL);
    assert_int_equal(r.status, 405);
    epi_resp_free(&r);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_row_names_a_known_service_and_takes_post),
        cmocka_unit_test(no_two_rows_of_a_scope_overlap),
        cmocka_unit_test(lookup_prefers_the_services_own_row),
        cmocka_unit_test(lookup_misses_what_the_table_lacks),
        T(unknown_method_is_404_naming_method_and_service),
        T(unknown_method_names_the_canonical_service),
        T(method_names_are_case_sensitive),
        T(another_services_method_is_unknown),
        T(get_new_of_a_table_outside_the_service_is_unknown),
        T(unknown_method_by_get_is_405),
        T(write_method_by_get_is_405),
        T(unknown_method_with_bad_body_is_400),
        T(read_method_answers_get_on_v2_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
