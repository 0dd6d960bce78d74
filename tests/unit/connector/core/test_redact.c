/* Redaction of headers, URLs and payloads before anything is logged. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "core/internal.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Fails unless is_secret(names[i]) is want (0 or 1) for every name. */
static void expect_secret(int (*is_secret)(const char *),
                          const char *const *names, size_t n, int want)
{
    for (size_t i = 0; i < n; i++) {
        if (!is_secret(names[i]) != !want)
            fail_msg("%s should %sbe secret", names[i], want ? "" : "not ");
    }
}

/* A URL and what ks_redact_url() must make of it. */
struct url_case {
    const char *url;
    const char *want;
};

/* Fails unless each case's URL redacts to exactly its want. */
static void expect_urls(const struct url_case *cases, size_t n)
{
    char out[512];

    for (size_t i = 0; i < n; i++) {
        ks_redact_url(out, sizeof(out), cases[i].url);
        assert_string_equal(out, cases[i].want);
    }
}

/* Fails if a redacted URL of urls still holds the secret "pw-1", or
 * (keep not NULL) no longer holds keep. */
static void expect_no_pw(const char *const *urls, size_t n, const char *keep)
{
    char out[256];

    for (size_t i = 0; i < n; i++) {
        ks_redact_url(out, sizeof(out), urls[i]);
        if (strstr(out, "pw-1"))
            fail_msg("%s -> %s", urls[i], out);
        if (keep)
            assert_non_null(strstr(out, keep));
    }
}

static void every_credential_header_is_secret_in_any_case(void **state)
{
    static const char *secret[] = {"Authorization",
                                   "authorization",
                                   "AUTHORIZATION",
                                   "Proxy-Authorization",
                                   "Cookie",
                                   "Set-Cookie",
                                   "x-api-key",
                                   "X-API-Key",
                                   "X-Auth-Token",
                                   "X-Auth-Client",
                                   "username",
                                   "password",
                                   "X-WC-Webhook-Signature",
                                   "webhook-signature",
                                   "x-adobe-commerce-webhook-signature",
                                   "api-key"};
    static const char *plain[] = {
        "Accept",         "Content-Type",
        "User-Agent",     "X-Rate-Limit-Requests-Left",
        "Link",           "X-Request-Id",
        "Content-Length", "X-WP-Total",
        "Retry-After",    "Keyboard"};

    (void)state;
    expect_secret(ks_redact_is_secret_header, secret, N(secret), 1);
    expect_secret(ks_redact_is_secret_header, plain, N(plain), 0);
    assert_false(ks_redact_is_secret_header(NULL));
    assert_false(ks_redact_is_secret_header(""));
}

static void headers_naming_a_credential_are_secret(void **state)
{
    static const char *secret[] = {"X-Shop-Secret",     "X-Refresh-Token",
                                   "My-TOKEN",          "X-Db-Password",
                                   "X-Partner-Api-Key", "client-secret-2"};

    (void)state;
    expect_secret(ks_redact_is_secret_header, secret, N(secret), 1);
}

static void every_credential_parameter_is_secret(void **state)
{
    static const char *secret[] = {"consumer_key",  "consumer_secret",
                                   "api-key",       "api_key",
                                   "apikey",        "password",
                                   "pass",          "token",
                                   "access_token",  "refresh_token",
                                   "client_secret", "oauth_signature",
                                   "oauth_token",   "oauth_consumer_key",
                                   "signature",     "secret",
                                   "key",           "CONSUMER_KEY",
                                   "Password",      "hub.verify_token",
                                   "x_api_key"};
    static const char *plain[] = {"page",    "per_page",  "$top",
                                  "$filter", "orderby",   "status",
                                  "keyword", "passenger", "after"};

    (void)state;
    expect_secret(ks_redact_is_secret_param, secret, N(secret), 1);
    expect_secret(ks_redact_is_secret_param, plain, N(plain), 0);
    assert_false(ks_redact_is_secret_param(NULL));
}

static void header_values_are_replaced(void **state)
{
    char out[128];

    (void)state;
    assert_int_equal(
        ks_redact_header(out, sizeof(out), "Authorization", "Bearer abc.def"),
        strlen("Authorization: " KS_REDACTED));
    assert_string_equal(out, "Authorization: " KS_REDACTED);
    ks_redact_header(out, sizeof(out), "set-cookie", "sid=1; HttpOnly");
    assert_string_equal(out, "set-cookie: " KS_REDACTED);
    ks_redact_header(out, sizeof(out), "Accept", "application/json");
    assert_string_equal(out, "Accept: application/json");
    ks_redact_header(out, sizeof(out), "X-Empty", NULL);
    assert_string_equal(out, "X-Empty: ");
}

static void secret_query_values_are_replaced(void **state)
{
    char out[512];

    (void)state;
    ks_redact_url(out, sizeof(out),
                  "https://shop.example/wp-json/wc/v3/orders?consumer_key="
                  "ck_1&consumer_secret=cs_2&page=3");
    assert_string_equal(out, "https://shop.example/wp-json/wc/v3/orders?"
                             "consumer_key=" KS_REDACTED
                             "&consumer_secret=" KS_REDACTED "&page=3");

    ks_redact_url(out, sizeof(out),
                  "http://h/x?oauth_signature=abc%3D&api-key=k1&Token=t9");
    assert_null(strstr(out, "abc"));
    assert_null(strstr(out, "k1"));
    assert_null(strstr(out, "t9"));
    assert_non_null(strstr(out, "Token=" KS_REDACTED));
}

static void odd_query_shapes_are_handled(void **state)
{
    char out[512];

    (void)state;
    /* repeated names, a value holding '=', an empty value, no value */
    ks_redact_url(out, sizeof(out),
                  "http://h/x?key=a&key=b&password=x=y&token=&flag&page=2");
    assert_string_equal(out, "http://h/x?key=" KS_REDACTED "&key=" KS_REDACTED
                             "&password=" KS_REDACTED "&token=" KS_REDACTED
                             "&flag&page=2");
    /* a percent-encoded name */
    ks_redact_url(out, sizeof(out), "/x?consumer%5Fsecret=cs_3&a=1");
    assert_null(strstr(out, "cs_3"));
    assert_non_null(strstr(out, "a=1"));
    /* an empty query and a lone '?' */
    ks_redact_url(out, sizeof(out), "/x?");
    assert_string_equal(out, "/x?");
}

static void userinfo_is_replaced(void **state)
{
    static const struct url_case cases[] = {
        {"https://manager:hunter2@erp.example/x",
         "https://" KS_REDACTED "@erp.example/x"},
        {"https://manager@erp.example/x?a=1",
         "https://" KS_REDACTED "@erp.example/x?a=1"},
        {"http://127.0.0.1:8080/a/b?c=d", "http://127.0.0.1:8080/a/b?c=d"},
    };

    (void)state;
    expect_urls(cases, N(cases));
}

static void urls_curl_cannot_parse_still_lose_their_userinfo(void **state)
{
    static const char *urls[] = {
        "http://us er:pw-1@host.example/x",      /* space: curl refuses */
        "http://user:pw-1@evil@host.example/x",  /* '@' twice */
        "//user:pw-1@host.example/x?token=pw-1", /* scheme-relative */
    };

    (void)state;
    expect_no_pw(urls, N(urls), "host.example/x");
}

/* A URL inside the query (a redirect target with an '@') is no
 * authority: the parameters after it are still redacted. */
static void urls_inside_a_query_do_not_hide_its_secrets(void **state)
{
    static const char *urls[] = {
        "/cb?next=https://u@h.example&password=pw-1",
        "?a://b@c&consumer_secret=pw-1",
        "/cb#state=https://u@h.example&access_token=pw-1",
    };
    char out[256];

    (void)state;
    expect_no_pw(urls, N(urls), NULL);
    ks_redact_url(out, sizeof(out), "/cb?next=https://u@h.example&password=x");
    assert_string_equal(out,
                        "/cb?next=https://u@h.example&password=" KS_REDACTED);
}

static void relative_urls_have_their_query_redacted(void **state)
{
    static const struct url_case cases[] = {
        {"/api/v2/odata?password=pw1&$top=5",
         "/api/v2/odata?password=" KS_REDACTED "&$top=5"},
        {"/no/query", "/no/query"},
        {"", ""},
        {NULL, ""},
    };

    (void)state;
    expect_urls(cases, N(cases));
}

static void fragments_shaped_like_queries_are_redacted(void **state)
{
    static const struct url_case cases[] = {
        {"/cb?a=1#access_token=at-9", "/cb?a=1#access_token=" KS_REDACTED},
        {"https://h.example/doc#section-2", "https://h.example/doc#section-2"},
    };
    char out[256];

    (void)state;
    ks_redact_url(out, sizeof(out),
                  "https://app.example/cb#access_token=at-9&state=s1");
    assert_null(strstr(out, "at-9"));
    assert_non_null(strstr(out, "state=s1"));
    expect_urls(cases, N(cases));
}

static void result_is_truncated_but_length_is_reported(void **state)
{
    char out[8];
    size_t need;

    (void)state;
    need = ks_redact_url(out, sizeof(out), "/abcdefghijklmnop");
    assert_int_equal(need, strlen("/abcdefghijklmnop"));
    assert_string_equal(out, "/abcdef");
    assert_int_equal(ks_redact_url(NULL, 0, "/x?key=1"),
                     strlen("/x?key=" KS_REDACTED));
    need = ks_redact_header(out, sizeof(out), "Cookie", "a=b");
    assert_int_equal(need, strlen("Cookie: " KS_REDACTED));
    assert_string_equal(out, "Cookie:");
}

static void mask_hides_every_occurrence(void **state)
{
    char buf[] = "token=abc123 again abc123abc123 and xyz";
    const char *secrets[] = {"abc123", NULL, "", "xyz"};

    (void)state;
    assert_int_equal(ks_redact_mask(buf, strlen(buf), secrets, 4), 4);
    assert_string_equal(buf, "token=****** again ************ and ***");
}

static void mask_stays_within_the_given_length(void **state)
{
    char buf[] = "secret|secret";
    const char *secrets[] = {"secret", "a-secret-longer-than-the-buffer"};

    (void)state;
    assert_int_equal(ks_redact_mask(buf, 6, secrets, 2), 1);
    assert_string_equal(buf, "******|secret");
    assert_int_equal(ks_redact_mask(buf, 0, secrets, 2), 0);
}

static void allocation_failure_redacts_everything(void **state)
{
    static const char *urls[] = {"/x?password=pw1",
                                 "https://u:pw1@h.example/?token=pw1"};
    char out[256];

    (void)state;
    for (size_t i = 0; i < N(urls); i++) {
        for (uint64_t n = 1; n < 40; n++) {
            ks__alloc_fail_at(n);
            ks_redact_url(out, sizeof(out), urls[i]);
            ks__alloc_fail_at(0);
            if (strstr(out, "pw1"))
                fail_msg("leak with allocation %d failing: %s", (int)n, out);
        }
        ks__alloc_fail_at(1);
        ks_redact_header(out, sizeof(out), "Authorization", "pw1");
        ks__alloc_fail_at(0);
        assert_null(strstr(out, "pw1"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_credential_header_is_secret_in_any_case),
        cmocka_unit_test(headers_naming_a_credential_are_secret),
        cmocka_unit_test(every_credential_parameter_is_secret),
        cmocka_unit_test(header_values_are_replaced),
        cmocka_unit_test(secret_query_values_are_replaced),
        cmocka_unit_test(odd_query_shapes_are_handled),
        cmocka_unit_test(userinfo_is_replaced),
        cmocka_unit_test(urls_curl_cannot_parse_still_lose_their_userinfo),
        cmocka_unit_test(relative_urls_have_their_query_redacted),
        cmocka_unit_test(urls_inside_a_query_do_not_hide_its_secrets),
        cmocka_unit_test(fragments_shaped_like_queries_are_redacted),
        cmocka_unit_test(result_is_truncated_but_length_is_reported),
        cmocka_unit_test(mask_hides_every_occurrence),
        cmocka_unit_test(mask_stays_within_the_given_length),
        cmocka_unit_test(allocation_failure_redacts_everything),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
