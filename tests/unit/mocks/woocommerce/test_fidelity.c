/* What a client sees of the WooCommerce emulator beyond the status: the
 * Location of a 201, the Link rels of a page (past the end included),
 * _fields narrowing, the full shape of an order made through REST, and
 * updates sent as POST. Raw HTTP, so nothing of the connector hides it. */
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

extern const struct km_emulator_type km_woocommerce_type;

#define AUTH "Authorization: Basic Y2tfZ29vZDpjc19nb29k" /* ck_good:cs_good */
#define CONFIG                                                                 \
    "{\"keys\":[{\"consumer_key\":\"ck_good\",\"consumer_secret\":"            \
    "\"cs_good\"}],\"products\":[{\"name\":\"A\",\"sku\":\"A-1\","             \
    "\"regular_price\":\"1.00\",\"manage_stock\":true,\"stock_quantity\":9},"  \
    "{\"name\":\"B\",\"sku\":\"B-1\"},{\"name\":\"C\",\"sku\":\"C-1\"}]}"

struct fx {
    struct ks_clock *clock;
    struct km_emulator *emu;
    const char *url;
};

static void fx_start(struct fx *f)
{
    assert_int_equal(ks_clock_new_virtual(&f->clock, KT_START_MS), KS_OK);
    f->emu = kt_emulator_start(&km_woocommerce_type, CONFIG, f->clock);
    f->url = km_server_url(f->emu->server);
}

static void fx_stop(struct fx *f)
{
    km_emulator_stop(f->emu);
    ks_clock_free(f->clock);
}

/* method path [body] with Basic auth; the reply in r. */
static void call(struct fx *f, struct kt_reply *r, const char *method,
                 const char *path, const char *body)
{
    const char *headers[] = {AUTH, "Content-Type: application/json", NULL};
    struct kt_request rq = {.method = method, .headers = headers, .body = body};
    char url[512];

    snprintf(url, sizeof(url), "%s/wp-json/wc/v3%s", f->url, path);
    kt_http(r, url, &rq);
    assert_int_equal(r->cc, CURLE_OK);
}

static void create_answers_201_with_location_and_the_full_order(void **state)
{
    struct fx f;
    struct kt_reply r;
    char *loc, want[256];
    cJSON *o;

    (void)state;
    fx_start(&f);
    call(&f, &r, "POST", "/orders",
         "{\"set_paid\":true,\"billing\":{\"email\":\"a@example.com\"},"
         "\"line_items\":[{\"product_id\":100,\"quantity\":2}]}");
    assert_int_equal(r.status, 201);
    o = cJSON_Parse(r.body);
    snprintf(want, sizeof(want), "%s/wp-json/wc/v3/orders/%d", f.url,
             cJSON_GetObjectItem(o, "id")->valueint);
    loc = kt_reply_header(&r, "Location");
    assert_non_null(loc);
    assert_string_equal(loc, want);
    assert_string_equal(
        cJSON_GetObjectItem(
            cJSON_GetArrayItem(
                cJSON_GetObjectItem(cJSON_GetObjectItem(o, "_links"), "self"),
                0),
            "href")
            ->valuestring,
        want);
    assert_string_equal(cJSON_GetObjectItem(o, "status")->valuestring,
                        "processing");
    assert_true(cJSON_IsString(cJSON_GetObjectItem(o, "date_paid")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "date_completed")));
    /* billing: all eleven keys, the one sent kept */
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "billing")), 11);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(o, "billing"), "email")
            ->valuestring,
        "a@example.com");
    assert_non_null(cJSON_GetObjectItem(o, "cart_hash"));
    assert_non_null(cJSON_GetObjectItem(o, "customer_user_agent"));
    cJSON_Delete(o);
    free(loc);
    kt_reply_dispose(&r);
    call(&f, &r, "GET", "/products/100", NULL);
    o = cJSON_Parse(r.body);
    assert_int_equal(cJSON_GetObjectItem(o, "stock_quantity")->valueint, 7);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "purchasable")));
    assert_non_null(strstr(cJSON_GetObjectItem(o, "permalink")->valuestring,
                           "/product/a/"));
    assert_non_null(cJSON_GetObjectItem(o, "dimensions"));
    cJSON_Delete(o);
    kt_reply_dispose(&r);
    fx_stop(&f);
}

static void
link_has_prev_and_next_only_and_past_the_end_points_back(void **state)
{
    struct fx f;
    struct kt_reply r;
    char *link;

    (void)state;
    fx_start(&f);
    call(&f, &r, "GET", "/products?per_page=1&page=2", NULL);
    link = kt_reply_header(&r, "Link");
    assert_non_null(link);
    assert_non_null(strstr(link, "page=1>; rel=\"prev\""));
    assert_non_null(strstr(link, "page=3>; rel=\"next\""));
    assert_null(strstr(link, "rel=\"first\""));
    assert_null(strstr(link, "rel=\"last\""));
    free(link);
    kt_reply_dispose(&r);
    /* Page 9 of 3: [] with 200, and prev is the last page. */
    call(&f, &r, "GET", "/products?per_page=1&page=9", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "[]");
    link = kt_reply_header(&r, "Link");
    assert_non_null(link);
    assert_non_null(strstr(link, "page=3>; rel=\"prev\""));
    assert_null(strstr(link, "rel=\"next\""));
    free(link);
    kt_reply_dispose(&r);
    fx_stop(&f);
}

static void fields_keeps_the_members_named(void **state)
{
    struct fx f;
    struct kt_reply r;
    cJSON *o, *b;

    (void)state;
    fx_start(&f);
    call(&f, &r, "POST", "/orders",
         "{\"billing\":{\"email\":\"a@example.com\",\"city\":\"Oslo\"}}");
    kt_reply_dispose(&r);
    call(&f, &r, "GET", "/orders/103?_fields=id,billing.email", NULL);
    assert_int_equal(r.status, 200);
    o = cJSON_Parse(r.body);
    assert_int_equal(cJSON_GetArraySize(o), 2);
    b = cJSON_GetObjectItem(o, "billing");
    assert_int_equal(cJSON_GetArraySize(b), 1);
    assert_string_equal(cJSON_GetObjectItem(b, "email")->valuestring,
                        "a@example.com");
    cJSON_Delete(o);
    kt_reply_dispose(&r);
    /* A list: each element narrowed; an error: untouched. */
    call(&f, &r, "GET", "/products?_fields=sku", NULL);
    o = cJSON_Parse(r.body);
    assert_int_equal(cJSON_GetArraySize(o), 3);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetArrayItem(o, 0)), 1);
    cJSON_Delete(o);
    kt_reply_dispose(&r);
    call(&f, &r, "GET", "/orders/999?_fields=id", NULL);
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(r.body, "woocommerce_rest_shop_order_invalid_id"));
    kt_reply_dispose(&r);
    fx_stop(&f);
}

static void post_updates_like_put(void **state)
{
    struct fx f;
    struct kt_reply r;

    (void)state;
    fx_start(&f);
    call(&f, &r, "POST", "/products/101", "{\"regular_price\":\"2.50\"}");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"price\":\"2.50\""));
    kt_reply_dispose(&r);
    fx_stop(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_answers_201_with_location_and_the_full_order),
        cmocka_unit_test(
            link_has_prev_and_next_only_and_past_the_end_points_back),
        cmocka_unit_test(fields_keeps_the_members_named),
        cmocka_unit_test(post_updates_like_put),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
