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
