/* Journals as HAR 1.2: the log's shape, each entry's request and
 * response, the kinsync extension, and time order across systems. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "engine.h"

static const char epicor_journal[] =
    "[{\"seq\":1,\"system\":\"epicor\",\"method\":\"POST\","
    "\"path\":\"/SaaS5333/TokenResource.svc/\",\"query\":\"\","
    "\"headers\":{\"username\":\"(redacted)\",\"Content-Type\":"
    "\"application/json\"},\"body\":\"{}\",\"status\":200,"
    "\"response_headers\":{\"Content-Type\":\"application/json\"},"
    "\"response_body\":\"{\\\"AccessToken\\\":\\\"(redacted)\\\"}\","
    "\"virtual_ms\":1767600000000,\"wall_ms\":1780000000300,\"route\":null,"
    "\"fault\":null},"
    "{\"seq\":2,\"system\":\"epicor\",\"method\":\"GET\","
    "\"path\":\"/SaaS5333/api/v2/odata/EPIC06/Erp.BO.PartSvc/Parts\","
    "\"query\":\"%24top=2&%24select=PartNum&flag\",\"headers\":{},\"body\":"
    "\"\","
    "\"status\":503,\"response_headers\":{},\"response_body\":\"\","
    "\"virtual_ms\":1767600000500,\"wall_ms\":1780000000500,\"route\":null,"
    "\"fault\":\"status 503\"}]";

static const char bc_journal[] =
    "[{\"seq\":1,\"system\":\"bigcommerce\",\"method\":\"GET\","
    "\"path\":\"/stores/s1/v3/hooks\",\"query\":\"\",\"headers\":{},"
    "\"body\":\"\",\"status\":200,\"response_headers\":{},"
    "\"response_body\":\"[]\",\"virtual_ms\":1767600000100,"
    "\"wall_ms\":1780000000400,\"route\":null,\"fault\":null}]";

static const char *str(const cJSON *o, const char *pointer)
{
    const cJSON *v = kh_json_pointer(o, pointer);

    assert_true(cJSON_IsString(v));
    return v->valuestring;
}

static double num(const cJSON *o, const char *pointer)
{
    const cJSON *v = kh_json_pointer(o, pointer);

    assert_true(cJSON_IsNumber(v));
    return v->valuedouble;
}

static void journals_become_a_har_log_in_time_order(void **state)
{
    cJSON *har = kh_har_new();
    cJSON *epi = cJSON_Parse(epicor_journal), *bc = cJSON_Parse(bc_journal);
    const cJSON *entries;

    (void)state;
    assert_non_null(epi);
    assert_non_null(bc);
    kh_har_add_journal(har, epi, "http://127.0.0.1:1111");
    kh_har_add_journal(har, bc, "http://127.0.0.1:2222");
    kh_har_finish(har);
    assert_string_equal(str(har, "/log/version"), "1.2");
    assert_string_equal(str(har, "/log/creator/name"), "kinsync");
    entries = kh_json_pointer(har, "/log/entries");
    assert_int_equal(cJSON_GetArraySize(entries), 3);
    /* wall-clock order across the two systems: token, hooks, parts */
    assert_string_equal(str(har, "/log/entries/0/_kinsync/system"), "epicor");
    assert_string_equal(str(har, "/log/entries/1/_kinsync/system"),
                        "bigcommerce");
    assert_string_equal(str(har, "/log/entries/0/startedDateTime"),
                        "2026-05-28T20:26:40.300Z");
    /* the request: URL with the query, headers as name/value pairs, the
     * body as postData with its type */
    assert_string_equal(str(har, "/log/entries/2/request/url"),
                        "http://127.0.0.1:1111/SaaS5333/api/v2/odata/EPIC06/"
                        "Erp.BO.PartSvc/Parts?%24top=2&%24select=PartNum&flag");
    assert_string_equal(str(har, "/log/entries/2/request/queryString/0/name"),
                        "%24top");
    assert_string_equal(str(har, "/log/entries/2/request/queryString/0/value"),
                        "2");
    assert_string_equal(str(har, "/log/entries/2/request/queryString/2/name"),
                        "flag");
    assert_string_equal(str(har, "/log/entries/2/request/queryString/2/value"),
                        "");
    assert_null(kh_json_pointer(har, "/log/entries/2/request/postData"));
    assert_string_equal(str(har, "/log/entries/0/request/headers/0/name"),
                        "username");
    assert_string_equal(str(har, "/log/entries/0/request/headers/0/value"),
                        "(redacted)");
    assert_string_equal(str(har, "/log/entries/0/request/postData/mimeType"),
                        "application/json");
    /* the response and the extension */
    assert_int_equal((int)num(har, "/log/entries/2/response/status"), 503);
    assert_string_equal(str(har, "/log/entries/2/_kinsync/fault"),
                        "status 503");
    assert_null(kh_json_pointer(har, "/log/entries/0/_kinsync/fault"));
    assert_int_equal((long long)num(har, "/log/entries/2/_kinsync/virtual_ms"),
                     1767600000500LL);
    assert_string_equal(str(har, "/log/entries/1/response/content/text"), "[]");
    assert_int_equal((int)num(har, "/log/entries/1/response/content/size"), 2);
    cJSON_Delete(epi);
    cJSON_Delete(bc);
    cJSON_Delete(har);
}

static void an_empty_journal_gives_an_empty_log(void **state)
{
    cJSON *har = kh_har_new(), *empty = cJSON_CreateArray();

    (void)state;
    kh_har_add_journal(har, empty, "http://127.0.0.1:1");
    kh_har_finish(har);
    assert_int_equal(cJSON_GetArraySize(kh_json_pointer(har, "/log/entries")),
                     0);
    cJSON_Delete(empty);
    cJSON_Delete(har);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(journals_become_a_har_log_in_time_order),
        cmocka_unit_test(an_empty_journal_gives_an_empty_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
