/*
 * The JSON REST plumbing the storefront clients share (http/rest.c): URLs
 * with their query, credential headers, the platform's error body and one
 * JSON exchange, end to end against the loopback fixture.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "fixture.h"
#include "http/rest.h"

static void url_gets_query_then_more_pairs_encoded(void **state)
{
    struct fx *f = *state;
    const char *query[] = {"q", "a b&c", "page", "2", NULL};
    const char *more[] = {"key", "ck_1", NULL};
    char *url = NULL;

    assert_int_equal(ks__http_url_build(&url, f->client, "shop", "items",
                                        "https://x.example/v3/items", query,
                                        more),
                     KS_OK);
    assert_string_equal(url,
                        "https://x.example/v3/items?q=a+b%26c&page=2&key=ck_1");
    ks__free(url);
    assert_int_equal(ks__http_url_build(&url, f->client, "shop", "items",
                                        "https://x.example/", NULL, NULL),
                     KS_OK);
    assert_string_equal(url, "https://x.example/");
    ks__free(url);
}

static void refused_base_is_einval_naming_the_path(void **state)
{
    struct fx *f = *state;
    char *url = (char *)"untouched";

    assert_int_equal(ks__http_url_build(&url, f->client, "shop", "orders/7",
                                        "no scheme at all", NULL, NULL),
                     KS_EINVAL);
    assert_null(url);
    assert_string_equal(ks_client_last_error(f->client)->message,
                        "shop: bad URL for orders/7");
}

static void root_loses_its_trailing_slashes_only(void **state)
{
    char *root;

    (void)state;
    root = ks__http_root_dup("https://x.example/shop//");
    assert_string_equal(root, "https://x.example/shop");
    ks__free(root);
    root = ks__http_root_dup("https://x.example");
    assert_string_equal(root, "https://x.example");
    ks__free(root);
}

static void headers_are_formatted_and_a_null_line_is_enomem(void **state)
{
    struct curl_slist *headers = NULL;

    (void)state;
    assert_int_equal(ks__http_header_add(&headers, "X-Auth-Token", "t0k"),
                     KS_OK);
    assert_int_equal(ks__http_header_take(&headers, ks__strdup("A: b")), KS_OK);
    assert_int_equal(ks__http_header_take(&headers, NULL), KS_ENOMEM);
    assert_string_equal(headers->data, "X-Auth-Token: t0k");
    assert_string_equal(headers->next->data, "A: b");
    assert_null(headers->next->next);
    curl_slist_free_all(headers);
}

static void copy_message(struct ks_client *c, const cJSON *body)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(body, "message");

    if (cJSON_IsString(m))
        ks__http_set_remote_message(c, m->valuestring, NULL);
}

static void json_exchange_sends_body_and_parses_reply(void **state)
{
    struct fx *f = *state;
    cJSON *body = cJSON_Parse("{\"name\":\"Widget\"}");
    struct ks__http_json_request req = {
        "shop", "POST", "echo", fx_url(f, "/echo"), body,
        NULL,   -1,     0,      copy_message};
    cJSON *out = NULL;
    const cJSON *v;

    assert_int_equal(ks__http_json(&out, f->client, &req), KS_OK);
    v = cJSON_GetObjectItemCaseSensitive(out, "body_len");
    assert_int_equal((int)v->valuedouble, (int)strlen("{\"name\":\"Widget\"}"));
    v = cJSON_GetObjectItemCaseSensitive(out, "content_type");
    assert_string_equal(v->valuestring, "application/json");
    cJSON_Delete(out);
    cJSON_Delete(body);
}

static void platform_error_body_replaces_the_message(void **state)
{
    struct fx *f = *state;
    struct ks__http_json_request req = {
        "shop", "GET", "hello", fx_url(f, "/hello"), NULL,
        NULL,   -1,    0,       copy_message};
    cJSON *out = (cJSON *)&req;

    kt_faults(f->server, "{\"route\":\"GET /hello\",\"status\":422,"
                         "\"body\":{\"message\":\"sku taken\"}}");
    assert_int_equal(ks__http_json(&out, f->client, &req), KS_EREMOTE);
    assert_null(out);
    assert_int_equal(ks_client_last_error(f->client)->http_status, 422);
    assert_non_null(
        strstr(ks_client_last_error(f->client)->message, "sku taken"));
}

static void empty_reply_is_null_or_eparse_as_asked(void **state)
{
    struct fx *f = *state;
    struct ks__http_json_request req = {
        "shop", "DELETE", "hello/1", fx_url(f, "/hello"), NULL, NULL,
        -1,     1,        NULL};
    cJSON *out = NULL;

    kt_faults(f->server,
              "{\"route\":\"* /hello\",\"status\":200,\"body\":\"\"}");
    assert_int_equal(ks__http_json(&out, f->client, &req), KS_OK);
    assert_null(out);
    req.empty_ok = 0;
    assert_int_equal(ks__http_json(&out, f->client, &req), KS_EPARSE);
    assert_null(out);
    assert_string_equal(ks_client_last_error(f->client)->message,
                        "shop: DELETE hello/1: reply is not JSON");
}

#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(url_gets_query_then_more_pairs_encoded),
        T(refused_base_is_einval_naming_the_path),
        cmocka_unit_test(root_loses_its_trailing_slashes_only),
        cmocka_unit_test(headers_are_formatted_and_a_null_line_is_enomem),
        T(json_exchange_sends_body_and_parses_reply),
        T(platform_error_body_replaces_the_message),
        T(empty_reply_is_null_or_eparse_as_asked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
