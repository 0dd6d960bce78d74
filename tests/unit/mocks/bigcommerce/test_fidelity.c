/* What a client sees of the BigCommerce emulator beyond the status: the
 * 403 of a missing scope in the v2 and v3 shapes, include_fields and
 * exclude_fields, GET /v3/inventory/items and the relative adjustment,
 * hook destinations, shipments and the coupons link. Raw HTTP. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include "kinsync.h"
#include "kinmock/emulator.h"
#include "kt.h"

extern const struct km_emulator_type km_bigcommerce_type;

#define CONFIG                                                                 \
    "{\"store_hash\":\"h1\",\"access_tokens\":[\"tok_all\",\"tok_ro\"],"       \
    "\"token_scopes\":[{\"token\":\"tok_ro\",\"scopes\":"                      \
    "[\"store_v2_products_read_only\"]}],\"products\":[{\"name\":\"Bolt\","    \
    "\"type\":\"physical\",\"sku\":\"B1\",\"price\":1,\"weight\":1,"           \
    "\"inventory_tracking\":\"product\",\"inventory_level\":10},{\"name\":"    \
    "\"Nut\",\"type\":\"physical\",\"sku\":\"N1\",\"price\":1,\"weight\":1}]"  \
    "%s}"

struct fx {
    struct ks_clock *clock;
    struct km_emulator *emu;
    const char *url;
};

static void fx_start(struct fx *f, const char *more)
{
    char config[2048];

    snprintf(config, sizeof(config), CONFIG, more);
    assert_int_equal(ks_clock_new_virtual(&f->clock, KT_START_MS), KS_OK);
    f->emu = kt_emulator_start(&km_bigcommerce_type, config, f->clock);
    f->url = km_server_url(f->emu->server);
}

static void fx_stop(struct fx *f)
{
    km_emulator_stop(f->emu);
    ks_clock_free(f->clock);
}

static void call(struct fx *f, struct kt_reply *r, const char *token,
                 const char *method, const char *path, const char *body)
{
    char auth[64], url[512];
    const char *headers[] = {auth, "Content-Type: application/json", NULL};
    struct kt_request rq = {.method = method, .headers = headers, .body = body};

    snprintf(auth, sizeof(auth), "X-Auth-Token: %s", token);
    snprintf(url, sizeof(url), "%s/stores/h1%s", f->url, path);
    kt_http(r, url, &rq);
    assert_int_equal(r->cc, CURLE_OK);
}

static void missing_scope_is_403_in_each_shape(void **state)
{
    struct fx f;
    struct kt_reply r;

    (void)state;
    fx_start(&f, "");
    call(&f, &r, "tok_ro", "GET", "/v3/catalog/products/100", NULL);
    assert_int_equal(r.status, 200);
    kt_reply_dispose(&r);
    call(&f, &r, "tok_ro", "PUT", "/v3/catalog/products/100", "{\"price\":2}");
    assert_int_equal(r.status, 403);
    assert_non_null(strstr(r.body, "\"status\":403,\"title\":\"You don't "
                                   "have a required scope to access the "
                                   "endpoint\""));
    kt_reply_dispose(&r);
    call(&f, &r, "tok_ro", "GET", "/v2/orders", NULL);
    assert_int_equal(r.status, 403);
    assert_string_equal(r.body, "[{\"status\":403,\"message\":\"You don't "
                                "have a required scope to access the "
                                "endpoint\"}]");
    kt_reply_dispose(&r);
    call(&f, &r, "tok_all", "PUT", "/v3/catalog/products/100", "{\"price\":2}");
    assert_int_equal(r.status, 200);
    kt_reply_dispose(&r);
    fx_stop(&f);
}

static void include_and_exclude_fields(void **state)
{
    struct fx f;
    struct kt_reply r;
    cJSON *o, *d;

    (void)state;
    fx_start(&f, "");
    call(&f, &r, "tok_all", "GET",
         "/v3/catalog/products?include_fields=sku,price", NULL);
    o = cJSON_Parse(r.body);
    d = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "data"), 0);
    assert_int_equal(cJSON_GetArraySize(d), 3); /* id, sku, price */
    assert_non_null(cJSON_GetObjectItem(d, "id"));
    assert_non_null(cJSON_GetObjectItem(d, "price"));
    assert_non_null(cJSON_GetObjectItem(o, "meta"));
    cJSON_Delete(o);
    kt_reply_dispose(&r);
    call(&f, &r, "tok_all", "GET",
         "/v3/catalog/products/100?exclude_fields=id,name", NULL);
    o = cJSON_Parse(r.body);
    d = cJSON_GetObjectItem(o, "data");
    assert_non_null(cJSON_GetObjectItem(d, "id")); /* never excluded */
    assert_null(cJSON_GetObjectItem(d, "name"));
    assert_non_null(cJSON_GetObjectItem(d, "sku"));
    cJSON_Delete(o);
    kt_reply_dispose(&r);
    fx_stop(&f);
}

static int level_of(struct fx *f, const char *sku)
{
    struct kt_reply r;
    char path[128];
    cJSON *o, *loc;
    int v;

    snprintf(path, sizeof(path), "/v3/inventory/items?sku:in=%s", sku);
    call(f, &r, "tok_all", "GET", path, NULL);
    assert_int_equal(r.status, 200);
    o = cJSON_Parse(r.body);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "data")), 1);
    loc = cJSON_GetArrayItem(
        cJSON_GetObjectItem(
            cJSON_GetArrayItem(cJSON_GetObjectItem(o, "data"), 0), "locations"),
        0);
    assert_int_equal(cJSON_GetObjectItem(loc, "location_id")->valueint, 1);
    v = cJSON_GetObjectItem(loc, "available_to_sell")->valueint;
    cJSON_Delete(o);
    kt_reply_dispose(&r);
    return v;
}

static void relative_moves_what_items_reports(void **state)
{
    struct fx f;
    struct kt_reply r;
    char *ct;

    (void)state;
    fx_start(&f, "");
    assert_int_equal(level_of(&f, "B1"), 10);
    call(
        &f, &r, "tok_all", "POST", "/v3/inventory/adjustments/relative",
        "{\"items\":[{\"location_id\":1,\"product_id\":100,\"quantity\":-4}]}");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "transaction_id"));
    kt_reply_dispose(&r);
    assert_int_equal(level_of(&f, "B1"), 6);
    call(
        &f, &r, "tok_all", "POST", "/v3/inventory/adjustments/relative",
        "{\"items\":[{\"location_id\":1,\"product_id\":100,\"quantity\":-7}]}");
    assert_int_equal(r.status, 422);
    ct = kt_reply_header(&r, "Content-Type");
    assert_non_null(ct);
    assert_string_equal(ct, "application/problem+json");
    free(ct);
    kt_reply_dispose(&r);
    assert_int_equal(level_of(&f, "B1"), 6);
    fx_stop(&f);
}

static int hook_status(struct fx *f, const char *dest)
{
    struct kt_reply r;
    char body[256];
    int s;

    snprintf(body, sizeof(body),
             "{\"scope\":\"store/order/created\",\"destination\":\"%s\"}",
             dest);
    call(f, &r, "tok_all", "POST", "/v3/hooks", body);
    s = (int)r.status;
    kt_reply_dispose(&r);
    return s;
}

static void destinations_as_the_platform_checks_them(void **state)
{
    struct fx f;

    (void)state;
    fx_start(&f, "");
    assert_int_equal(hook_status(&f, "https://hooks.example.com/a"), 200);
    assert_int_equal(hook_status(&f, "https://hooks.example.com:443/b"), 200);
    assert_int_equal(hook_status(&f, "https://hooks.example.com:8443/c"), 422);
    assert_int_equal(hook_status(&f, "http://hooks.example.com/d"), 422);
    assert_int_equal(hook_status(&f, "http://10.0.0.5/e"), 422);
    assert_int_equal(hook_status(&f, "ftp://hooks.example.com/f"), 422);
    assert_int_equal(hook_status(&f, "not a url"), 422);
    assert_int_equal(hook_status(&f, "http://127.0.0.1:9000/g"), 200);
    assert_int_equal(hook_status(&f, "http://[::1]:9000/h"), 200);
    fx_stop(&f);
    fx_start(&f, ",\"allow_http_loopback_destination\":false");
    assert_int_equal(hook_status(&f, "http://127.0.0.1:9000/g"), 422);
    assert_int_equal(hook_status(&f, "https://hooks.example.com/a"), 200);
    fx_stop(&f);
}

static void non_json_body_is_415(void **state)
{
    struct fx f;
    struct kt_reply r;
    const char *headers[] = {"X-Auth-Token: tok_all",
                             "Content-Type: text/plain", NULL};
    struct kt_request rq = {
        .method = "PUT", .headers = headers, .body = "{\"price\":3}"};
    char url[256];

    (void)state;
    fx_start(&f, "");
    snprintf(url, sizeof(url), "%s/stores/h1/v3/catalog/products/100", f.url);
    kt_http(&r, url, &rq);
    assert_int_equal(r.status, 415);
    kt_reply_dispose(&r);
    /* a charset parameter is still JSON */
    headers[1] = "Content-Type: application/json; charset=utf-8";
    kt_http(&r, url, &rq);
    assert_int_equal(r.status, 200);
    kt_reply_dispose(&r);
    fx_stop(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(missing_scope_is_403_in_each_shape),
        cmocka_unit_test(include_and_exclude_fields),
        cmocka_unit_test(relative_moves_what_items_reports),
        cmocka_unit_test(destinations_as_the_platform_checks_them),
        cmocka_unit_test(non_json_body_is_415),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
