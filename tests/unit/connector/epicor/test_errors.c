/* unit.epicor.errors: Epicor error bodies mapped to codes and messages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "epicor/epicor_int.h"

static ks_rc map(const char *body, long status, ks_rc http_rc, const char **msg,
                 const char **corr, cJSON **json)
{
    return ks__epicor_map_error(json, msg, corr, status, http_rc, body,
                                body ? strlen(body) : 0);
}

static void license_exception_type_is_elicense(void **state)
{
    const char *msg, *corr;
    cJSON *json;

    (void)state;
    assert_int_equal(
        map("{\"HttpStatus\":400,\"ErrorMessage\":\"All licenses in use\","
            "\"ErrorType\":\"Ice.Common.LicenseAccessException\","
            "\"CorrelationId\":\"c-1\"}",
            400, KS_EREMOTE, &msg, &corr, &json),
        KS_ELICENSE);
    assert_string_equal(msg, "All licenses in use");
    assert_string_equal(corr, "c-1");
    cJSON_Delete(json);
}

static void maximum_users_text_is_elicense(void **state)
{
    cJSON *json;

    (void)state;
    assert_int_equal(map("{\"ErrorMessage\":\"Maximum users exceeded\","
                         "\"ErrorType\":\"Ice.BLException\"}",
                         400, KS_EREMOTE, NULL, NULL, &json),
                     KS_ELICENSE);
    cJSON_Delete(json);
    /* a plain-text body says the same */
    assert_int_equal(map("LicenseAccessException: Maximum users exceeded", 400,
                         KS_EREMOTE, NULL, NULL, &json),
                     KS_ELICENSE);
    assert_null(json);
}

static void licence_words_on_a_500_are_not_elicense(void **state)
{
    cJSON *json;

    (void)state;
    assert_int_equal(map("{\"ErrorMessage\":\"LicenseAccessException\"}", 500,
                         KS_EUNAVAIL, NULL, NULL, &json),
                     KS_EUNAVAIL);
    cJSON_Delete(json);
}

static void modified_by_another_user_is_econflict(void **state)
{
    const char *msg;
    cJSON *json;

    (void)state;
    assert_int_equal(
        map("{\"ErrorMessage\":\"Row has been modified by another user and "
            "couldn't be updated.\",\"ErrorType\":"
            "\"Ice.Common.BusinessObjectException\"}",
            400, KS_EREMOTE, &msg, NULL, &json),
        KS_ECONFLICT);
    assert_non_null(strstr(msg, "another user"));
    cJSON_Delete(json);
}

static void other_business_error_stays_eremote(void **state)
{
    const char *msg, *corr;
    cJSON *json;

    (void)state;
    assert_int_equal(map("{\"ErrorMessage\":\"Part 'X' is not valid.\","
                         "\"ErrorType\":\"Ice.Common.BusinessObjectException\","
                         "\"CorrelationId\":\"abc\"}",
                         400, KS_EREMOTE, &msg, &corr, &json),
                     KS_EREMOTE);
    assert_string_equal(msg, "Part 'X' is not valid.");
    assert_string_equal(corr, "abc");
    cJSON_Delete(json);
}

static void status_codes_keep_the_http_code(void **state)
{
    cJSON *json;

    (void)state;
    assert_int_equal(map("{\"ErrorMessage\":\"Record not found.\"}", 404,
                         KS_ENOTFOUND, NULL, NULL, &json),
                     KS_ENOTFOUND);
    cJSON_Delete(json);
    assert_int_equal(map("{\"ErrorMessage\":\"denied\"}", 403, KS_EFORBIDDEN,
                         NULL, NULL, &json),
                     KS_EFORBIDDEN);
    cJSON_Delete(json);
    assert_int_equal(
        map("{\"ErrorMessage\":\"x\"}", 401, KS_EAUTH, NULL, NULL, &json),
        KS_EAUTH);
    cJSON_Delete(json);
}

static void oauth_error_field_becomes_the_message(void **state)
{
    const char *msg;
    cJSON *json;

    (void)state;
    assert_int_equal(
        map("{\"error\":\"invalid_client\"}", 401, KS_EAUTH, &msg, NULL, &json),
        KS_EAUTH);
    assert_string_equal(msg, "invalid_client");
    cJSON_Delete(json);
}

static void body_that_is_not_json_gives_no_message(void **state)
{
    const char *msg = "x", *corr = "y";
    cJSON *json;

    (void)state;
    assert_int_equal(map("<html>Service Unavailable</html>", 503, KS_EUNAVAIL,
                         &msg, &corr, &json),
                     KS_EUNAVAIL);
    assert_null(msg);
    assert_null(corr);
    assert_null(json);
    assert_int_equal(map(NULL, 400, KS_EREMOTE, &msg, &corr, &json),
                     KS_EREMOTE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(license_exception_type_is_elicense),
        cmocka_unit_test(maximum_users_text_is_elicense),
        cmocka_unit_test(licence_words_on_a_500_are_not_elicense),
        cmocka_unit_test(modified_by_another_user_is_econflict),
        cmocka_unit_test(other_business_error_stays_eremote),
        cmocka_unit_test(status_codes_keep_the_http_code),
        cmocka_unit_test(oauth_error_field_becomes_the_message),
        cmocka_unit_test(body_that_is_not_json_gives_no_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
