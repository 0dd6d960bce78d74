/* Route patterns, named parameters, the router's order and 404/405, the
 * template-or-glob selector, and query parsing of the emulator core. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "common/server_int.h"
#include "kt.h"

static int matches(const char *pattern, const char *path)
{
    struct km__captures caps;
    int m = km__route_match(pattern, path, 0, &caps);

    km__captures_dispose(&caps);
    return m;
}

static void literal_pattern_matches_only_the_same_path(void **state)
{
    (void)state;
    assert_true(matches("/ping", "/ping"));
    assert_false(matches("/ping", "/pong"));
    assert_false(matches("/ping", "/ping/"));
    assert_false(matches("/ping", "/pin"));
    assert_false(matches("/ping/", "/ping"));
}

static void brace_segment_captures_one_non_empty_segment(void **state)
{
    struct km__captures caps;

    (void)state;
    assert_true(km__route_match("/stores/{hash}/v3/catalog/products/{id}",
                                "/stores/abc123/v3/catalog/products/77", 0,
                                &caps));
    assert_int_equal(caps.n, 2);
    assert_string_equal(caps.values[0], "abc123");
    assert_string_equal(caps.values[1], "77");
    km__captures_dispose(&caps);
    assert_int_equal(caps.n, 0);

    assert_false(km__route_match("/items/{id}", "/items/", 0, &caps));
    assert_int_equal(caps.n, 0);
    assert_false(km__route_match("/items/{id}", "/items/1/2", 0, &caps));
    assert_int_equal(caps.n, 0);
}

static void brace_segment_may_sit_between_literals(void **state)
{
    struct km__captures caps;

    (void)state;
    assert_true(km__route_match("/{company}/api/v2/odata/{co}/Parts",
                                "/EPIC06/api/v2/odata/EPIC06/Parts", 0, &caps));
    assert_int_equal(caps.n, 2);
    assert_string_equal(caps.values[0], "EPIC06");
    km__captures_dispose(&caps);
}

static void trailing_star_matches_the_rest_or_nothing(void **state)
{
    struct km__captures caps;

    (void)state;
    assert_true(matches("/wp-json/*", "/wp-json/wc/v3/orders"));
    assert_true(matches("/wp-json/*", "/wp-json/"));
    assert_false(matches("/wp-json/*", "/wp-json"));
    assert_true(matches("*", "/anything/at/all"));
    assert_true(km__route_match("/a/{x}/*", "/a/b/c/d", 0, &caps));
    assert_int_equal(caps.n, 1);
    assert_string_equal(caps.values[0], "b");
    km__captures_dispose(&caps);
}

static void star_inside_a_pattern_is_literal(void **state)
{
    (void)state;
    assert_true(matches("/a*b", "/a*b"));
    assert_false(matches("/a*b", "/axxb"));
}

static void more_captures_than_the_limit_do_not_match(void **state)
{
    char pattern[256], path[256];
    size_t pn = 0, sn = 0;

    (void)state;
    for (int i = 0; i <= KM_MAX_CAPTURES; i++) {
        pn += (size_t)snprintf(pattern + pn, sizeof(pattern) - pn, "/{x}");
        sn += (size_t)snprintf(path + sn, sizeof(path) - sn, "/v");
    }
    assert_false(matches(pattern, path));
}

static void several_named_params_are_read_by_name(void **state)
{
    struct km__captures caps;

    (void)state;
    assert_true(km__route_match(
        "/{instance}/api/v2/odata/{company}/{service}/{entity_set}",
        "/SaaS/api/v2/odata/EPIC06/Erp.BO.PartSvc/Parts('EPIC06','A/B')", 0,
        &caps));
    assert_int_equal(caps.n, 4);
    assert_string_equal(caps.names[0], "instance");
    assert_string_equal(caps.names[3], "entity_set");
    assert_string_equal(caps.values[2], "Erp.BO.PartSvc");
    /* A quoted key keeps its '/' inside the one segment. */
    assert_string_equal(caps.values[3], "Parts('EPIC06','A/B')");
    km__captures_dispose(&caps);
}

static void nocase_flag_matches_literals_in_any_case(void **state)
{
    struct km__captures caps;

    (void)state;
    assert_false(km__route_match("/{i}/api/v1", "/X/API/V1", 0, &caps));
    assert_true(
        km__route_match("/{i}/api/v1", "/X/API/V1", KM__ROUTE_NOCASE, &caps));
    assert_string_equal(caps.values[0], "X");
    km__captures_dispose(&caps);
}

static void method_lists_name_one_or_several_methods(void **state)
{
    (void)state;
    assert_true(km__method_listed("GET", "GET"));
    assert_false(km__method_listed("GET", "GE"));
    assert_true(km__method_listed("PUT,PATCH", "PATCH"));
    assert_true(km__method_listed("PUT, PATCH", "PUT"));
    assert_false(km__method_listed("PUT,PATCH", "POST"));
    assert_true(km__method_listed("*", "MERGE"));
}

static void selector_is_a_template_or_a_glob(void **state)
{
    const char *t = "/stores/{store_hash}/v3/catalog/products/{product_id}";

    (void)state;
    /* A template matches exactly its routed requests. */
    assert_true(km_route_select("GET", t, "GET", "/stores/a/v3/catalog/x", t));
    assert_false(km_route_select("GET", t, "GET",
                                 "/stores/a/v3/catalog/products/1", NULL));
    assert_false(km_route_select("GET", "/x/{id}", "GET", "/x/1", "/x/{n}"));
    assert_false(km_route_select("POST", t, "GET", "/", t));
    assert_true(km_route_select("*", t, "DELETE", "/", t));
    /* With a glob character it is a glob of the concrete path. */
    assert_true(km_route_select("GET", "/stores/*/v2/orders/{id}", "get",
                                "/stores/a/v2/orders/7", NULL));
    assert_true(km_route_select("GET", "/stores/*", "GET", "/stores/a/b",
                                "/stores/{store_hash}/b"));
    assert_false(
        km_route_select("GET", "/stores/*/x", "GET", "/stores/a/y", NULL));
}

static void numeric_ids_are_accepted_only_as_integers(void **state)
{
    struct km_request req;

    (void)state;
    memset(&req, 0, sizeof(req));
    req.ncaptures = 2;
    req.capture_names[0] = "store_hash";
    req.captures[0] = "abc";
    req.capture_names[1] = "product_id";
    req.captures[1] = "77";
    assert_true(km_route_accept_numeric_ids(NULL, &req, NULL));
    assert_int_equal(km_request_param_id(&req, "product_id"), 77);
    assert_string_equal(km_request_param(&req, "store_hash"), "abc");
    assert_null(km_request_param(&req, "id"));
    req.captures[1] = "7x";
    assert_false(km_route_accept_numeric_ids(NULL, &req, NULL));
    assert_int_equal(km_request_param_id(&req, "product_id"), 0);
}

/* ---- the router over HTTP ------------------------------------------------ */

static void answer(struct km_response *res, const struct km_request *req,
                   const char *who)
{
    char text[256];

    snprintf(text, sizeof(text), "%s %s", who,
             req->ncaptures ? req->captures[req->ncaptures - 1] : "-");
    km_response_set(res, 200, "text/plain", text, strlen(text));
}

static void batch(struct km_response *res, const struct km_request *req,
                  void *state)
{
    (void)state;
    answer(res, req, "batch");
}

static void item(struct km_response *res, const struct km_request *req,
                 void *state)
{
    (void)state;
    answer(res, req, "item");
}

static void sub(struct km_response *res, const struct km_request *req,
                void *state)
{
    (void)state;
    answer(res, req, "sub");
}

static const struct km_route order_routes[] = {
    {"POST", "/p/batch", batch},
    {"GET,POST", "/p/{id}", item},
    {"DELETE", "/p/{id}", item},
    {"GET", "/p/{pid}/v/{id}", sub},
};

static struct km_server *start(int trailing_slash)
{
    struct km_server_options opts;
    struct km_server *server;
    char err[256];

    memset(&opts, 0, sizeof(opts));
    opts.routes = order_routes;
    opts.nroutes = sizeof(order_routes) / sizeof(order_routes[0]);
    opts.trailing_slash = trailing_slash;
    assert_int_equal(km_server_start(&server, &opts, err, sizeof(err)), 0);
    return server;
}

static long request(struct km_server *server, const char *method,
                    const char *path, char *body, size_t bodysz)
{
    struct kt_request rq = {.method = method};
    struct kt_reply r;
    char url[256];
    long status;

    snprintf(url, sizeof(url), "%s%s", km_server_url(server), path);
    kt_http(&r, url, &rq);
    status = r.status;
    snprintf(body, bodysz, "%s", r.body);
    kt_reply_dispose(&r);
    return status;
}

static void first_match_wins_and_params_reach_the_handler(void **state)
{
    struct km_server *server = start(0);
    char body[256];

    (void)state;
    assert_int_equal(request(server, "POST", "/p/batch", body, sizeof(body)),
                     200);
    assert_string_equal(body, "batch -");
    assert_int_equal(request(server, "GET", "/p/batch", body, sizeof(body)),
                     200);
    assert_string_equal(body, "item batch");
    assert_int_equal(request(server, "GET", "/p/4/v/9", body, sizeof(body)),
                     200);
    assert_string_equal(body, "sub 9");
    km_server_stop(server);
}

static void wrong_method_is_405_listing_every_route_of_the_path(void **state)
{
    struct km_server *server = start(0);
    struct kt_request rq = {.method = "PUT"};
    struct kt_reply r;
    char url[256], *allow;

    (void)state;
    snprintf(url, sizeof(url), "%s/p/3", km_server_url(server));
    kt_http(&r, url, &rq);
    assert_int_equal(r.status, 405);
    allow = kt_reply_header(&r, "Allow");
    assert_non_null(allow);
    assert_string_equal(allow, "GET, POST, DELETE");
    free(allow);
    kt_reply_dispose(&r);
    snprintf(url, sizeof(url), "%s/q/3", km_server_url(server));
    kt_http(&r, url, &rq);
    assert_int_equal(r.status, 404);
    assert_null(kt_reply_header(&r, "Allow"));
    kt_reply_dispose(&r);
    km_server_stop(server);
}

static void trailing_slash_routes_only_when_the_server_says_so(void **state)
{
    struct km_server *strict = start(0), *loose = start(1);
    char body[256];

    (void)state;
    assert_int_equal(request(strict, "GET", "/p/5/", body, sizeof(body)), 404);
    assert_int_equal(request(loose, "GET", "/p/5/", body, sizeof(body)), 200);
    assert_string_equal(body, "item 5");
    assert_int_equal(request(loose, "GET", "/p/5//", body, sizeof(body)), 404);
    km_server_stop(strict);
    km_server_stop(loose);
}

static void query_parse_decodes_names_values_and_plus(void **state)
{
    struct km__kvs kv = {0};

    (void)state;
    km__query_parse(&kv, "a=1&b=x%20y&c=p+q&flag&a=2&&e=");
    assert_int_equal(kv.n, 6);
    assert_string_equal(kv.v[0].name, "a");
    assert_string_equal(kv.v[0].value, "1");
    assert_string_equal(kv.v[1].value, "x y");
    assert_string_equal(kv.v[2].value, "p q");
    assert_string_equal(kv.v[3].name, "flag");
    assert_string_equal(kv.v[3].value, "");
    assert_string_equal(kv.v[4].value, "2");
    assert_string_equal(kv.v[5].name, "e");
    assert_string_equal(km__kvs_get(&kv, "B"), "x y");
    km__kvs_dispose(&kv);
}

static void kvs_set_replaces_case_insensitively(void **state)
{
    struct km__kvs kv = {0};

    (void)state;
    km__kvs_set(&kv, "Content-Type", "text/plain");
    km__kvs_set(&kv, "content-type", "application/json");
    assert_int_equal(kv.n, 1);
    assert_string_equal(kv.v[0].name, "Content-Type");
    assert_string_equal(kv.v[0].value, "application/json");
    km__kvs_dispose(&kv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(literal_pattern_matches_only_the_same_path),
        cmocka_unit_test(brace_segment_captures_one_non_empty_segment),
        cmocka_unit_test(brace_segment_may_sit_between_literals),
        cmocka_unit_test(trailing_star_matches_the_rest_or_nothing),
        cmocka_unit_test(star_inside_a_pattern_is_literal),
        cmocka_unit_test(more_captures_than_the_limit_do_not_match),
        cmocka_unit_test(several_named_params_are_read_by_name),
        cmocka_unit_test(nocase_flag_matches_literals_in_any_case),
        cmocka_unit_test(method_lists_name_one_or_several_methods),
        cmocka_unit_test(selector_is_a_template_or_a_glob),
        cmocka_unit_test(numeric_ids_are_accepted_only_as_integers),
        cmocka_unit_test(first_match_wins_and_params_reach_the_handler),
        cmocka_unit_test(wrong_method_is_405_listing_every_route_of_the_path),
        cmocka_unit_test(trailing_slash_routes_only_when_the_server_says_so),
        cmocka_unit_test(query_parse_decodes_names_values_and_plus),
        cmocka_unit_test(kvs_set_replaces_case_insensitively),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
