/* The BigCommerce emulator driven over HTTP by the connector's client:
 * auth, paging, batch limits, 207 partial success, inventory chunks and
 * tracking errors, rate-limit headers and 429, v2 orders. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <strings.h>
#include <cmocka.h>
#include "emulator_fixture.h"
#include "bigcommerce/bigcommerce_emu.h"

static int count_item(void *ud, const cJSON *item)
{
    (void)item;
    (*(int *)ud)++;
    return 0;
}

static const char *last_message(struct bc_fx *f)
{
    return ks_client_last_error(f->client)->message;
}

static cJSON *price_updates(int64_t first_id, int n, double price)
{
    cJSON *arr = cJSON_CreateArray();

    for (int i = 0; i < n; i++) {
        cJSON *p = cJSON_CreateObject();

        cJSON_AddNumberToObject(p, "id", (double)(first_id + i));
        cJSON_AddNumberToObject(p, "price", price);
        cJSON_AddItemToArray(arr, p);
    }
    return arr;
}

static void wrong_token_is_eauth_with_the_v3_title(void **state)
{
    struct bc_fx f;
    int n = 0;

    (void)state;
    bc_fx_start(&f, "\"generate\":{\"products\":3}");
    bc_fx_handle(&f, "tok_wrong", 250);
    assert_int_equal(
        ks_bigcommerce_products_list(f.bc, NULL, count_item, &n, NULL),
        KS_EAUTH);
    assert_int_equal(ks_client_last_error(f.client)->http_status, 401);
    assert_non_null(strstr(last_message(&f), "No valid credentials"));
    assert_null(strstr(last_message(&f), "tok_wrong"));
    assert_int_equal(n, 0);
    bc_fx_stop(&f);
}

static void wrong_token_on_v2_is_eauth_with_the_v2_message(void **state)
{
    struct bc_fx f;
    cJSON *out = NULL;

    (void)state;
    bc_fx_start(&f, NULL);
    bc_fx_handle(&f, "tok_wrong", 250);
    assert_int_equal(
        ks_bigcommerce_request(&out, f.bc, "GET", "v2/orders", NULL, NULL),
        KS_EAUTH);
    assert_non_null(strstr(last_message(&f), "X-Auth-Token"));
    assert_null(out);
    bc_fx_stop(&f);
}

static void listing_600_products_takes_three_pages(void **state)
{
    struct bc_fx f;
    int n = 0, pages = 0;

    (void)state;
    bc_fx_start(&f, "\"generate\":{\"products\":600,\"seed\":3}");
    assert_int_equal(
        ks_bigcommerce_products_list(f.bc, NULL, count_item, &n, &pages),
        KS_OK);
    assert_int_equal(n, 600);
    assert_int_equal(pages, 3);
    bc_fx_stop(&f);
}

/* variants?sku:in= finds each named variant once, in id order, skipping
 * unknown SKUs and repeats. */
static void variants_sku_in_lists_each_named_variant_once(void **state)
{
    const char *q[] = {"sku:in", "GEN-000007,nope,GEN-000002,GEN-000007", NULL};
    struct bc_fx f;
    cJSON *reply = NULL, *data;

    (void)state;
    bc_fx_start(&f, "\"generate\":{\"products\":10,\"seed\":3}");
    assert_int_equal(ks_bigcommerce_request(&reply, f.bc, "GET",
                                            "v3/catalog/variants", q, NULL),
                     KS_OK);
    data = cJSON_GetObjectItem(reply, "data");
    assert_int_equal(cJSON_GetArraySize(data), 2);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetArrayItem(data, 0), "sku")->valuestring,
        "GEN-000002");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetArrayItem(data, 1), "sku")->valuestring,
        "GEN-000007");
    cJSON_Delete(reply);
    bc_fx_stop(&f);
}

static void limit_over_250_is_413(void **state)
{
    struct bc_fx f;
    const char *q[] = {"limit", "251", NULL};
    cJSON *out = NULL;

    (void)state;
    bc_fx_start(&f, NULL);
    assert_int_equal(ks_bigcommerce_request(&out, f.bc, "GET",
                                            "v3/catalog/products", q, NULL),
                     KS_ETOOBIG);
    assert_int_equal(ks_client_last_error(f.client)->http_status, 413);
    bc_fx_stop(&f);
}

static void pagination_meta_links_keep_filters(void **state)
{
    cJSON *p = km__bigcommerce_pagination(600, 250, 2, "sku%3Ain=A");
    const cJSON *links = cJSON_GetObjectItemCaseSensitive(p, "links");

    (void)state;
    assert_int_equal(cJSON_GetObjectItem(p, "total")->valueint, 600);
    assert_int_equal(cJSON_GetObjectItem(p, "count")->valueint, 250);
    assert_int_equal(cJSON_GetObjectItem(p, "total_pages")->valueint, 3);
    assert_string_equal(cJSON_GetObjectItem(links, "next")->valuestring,
                        "?page=3&limit=250&sku%3Ain=A");
    assert_string_equal(cJSON_GetObjectItem(links, "previous")->valuestring,
                        "?page=1&limit=250&sku%3Ain=A");
    cJSON_Delete(p);
    p = km__bigcommerce_pagination(600, 250, 3, "");
    links = cJSON_GetObjectItemCaseSensitive(p, "links");
    assert_int_equal(cJSON_GetObjectItem(p, "count")->valueint, 100);
    assert_null(cJSON_GetObjectItem(links, "next"));
    cJSON_Delete(p);
}

static void batch_of_23_products_is_three_puts(void **state)
{
    struct bc_fx f;
    struct ks_bigcommerce_batch_stats st = {0, 0, 0};
    cJSON *upd, *out = NULL, *snap;

    (void)state;
    bc_fx_start(&f, "\"generate\":{\"products\":30}");
    upd = price_updates(100, 23, 42.5);
    assert_int_equal(ks_bigcommerce_products_update(&out, &st, f.bc, upd),
                     KS_OK);
    assert_int_equal(st.requests, 3);
    assert_int_equal(st.ok, 23);
    assert_int_equal(st.failed, 0);
    assert_int_equal(
        bc_fx_journal_count(&f, "PUT", "/stores/abc123/v3/catalog/products"),
        3);
    snap = bc_fx_snapshot(&f);
    assert_int_equal(
        (int)cJSON_GetObjectItem(
            cJSON_GetArrayItem(cJSON_GetObjectItem(snap, "products"), 22),
            "price")
            ->valuedouble,
        42);
    cJSON_Delete(snap);
    cJSON_Delete(out);
    cJSON_Delete(upd);
    bc_fx_stop(&f);
}

static void batch_of_11_is_413_with_the_documented_title(void **state)
{
    struct bc_fx f;
    cJSON *upd, *out = NULL;

    (void)state;
    bc_fx_start(&f, "\"generate\":{\"products\":11}");
    upd = price_updates(100, 11, 1);
    assert_int_equal(ks_bigcommerce_request(&out, f.bc, "PUT",
                                            "v3/catalog/products", NULL, upd),
                     KS_ETOOBIG);
    assert_non_null(strstr(last_message(&f),
                           "The maximum items allowed in the array is 10."));
    cJSON_Delete(upd);
    bc_fx_stop(&f);
}

static void unknown_id_in_a_batch_is_207_partial(void **state)
{
    struct bc_fx f;
    cJSON *upd, *out = NULL;

    (void)state;
    bc_fx_start(&f, "\"generate\":{\"products\":2}");
    upd = price_updates(100, 3, 5); /* 102 does not exist */
    assert_int_equal(ks_bigcommerce_request(&out, f.bc, "PUT",
                                            "v3/catalog/products", NULL, upd),
                     KS_OK);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(out, "data")), 2);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(out, "errors")), 1);
    assert_int_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(out, "meta"), "failed")
            ->valueint,
        1);
    cJSON_Delete(out);
    cJSON_Delete(upd);
    bc_fx_stop(&f);
}

static void duplicate_sku_on_create_is_econflict(void **state)
{
    struct bc_fx f;
    cJSON *p = cJSON_Parse("{\"name\":\"Other\",\"type\":\"physical\","
                           "\"weight\":1,\"price\":2,\"sku\":\"GEN-000001\"}");
    cJSON *out = NULL;

    (void)state;
    bc_fx_start(&f, "\"generate\":{\"products\":1}");
    assert_int_equal(ks_bigcommerce_product_create(&out, f.bc, p),
                     KS_ECONFLICT);
    assert_null(out);
    cJSON_Delete(p);
    bc_fx_stop(&f);
}

static void missing_required_fields_on_create_is_422(void **state)
{
    struct bc_fx f;
    cJSON *p = cJSON_Parse("{\"name\":\"No price\"}"), *out = NULL;

    (void)state;
    bc_fx_start(&f, NULL);
    assert_int_equal(ks_bigcommerce_product_create(&out, f.bc, p), KS_EREMOTE);
    assert_int_equal(ks_client_last_error(f.client)->http_status, 422);
    cJSON_Delete(p);
    bc_fx_stop(&f);
}

static void variant_lookup_by_sku_finds_the_base_variant(void **state)
{
    struct bc_fx f;
    cJSON *v = NULL;

    (void)state;
    bc_fx_start(&f, "\"generate\":{\"products\":5}");
    assert_int_equal(ks_bigcommerce_variant_find_by_sku(&v, f.bc, "GEN-000004"),
                     KS_OK);
    assert_int_equal(cJSON_GetObjectItem(v, "product_id")->valueint, 103);
    cJSON_Delete(v);
    assert_int_equal(ks_bigcommerce_variant_find_by_sku(&v, f.bc, "NOPE"),
                     KS_ENOTFOUND);
    bc_fx_stop(&f);
}

static void inventory_of_4500_items_is_three_requests(void **state)
{
    struct bc_fx f;
    struct ks_bigcommerce_batch_stats st = {0, 0, 0};
    cJSON *items = cJSON_CreateArray(), *out = NULL, *snap, *last;

    (void)state;
    bc_fx_start(&f, "\"generate\":{\"products\":4500}");
    for (int i = 1; i <= 4500; i++) {
        cJSON *it = cJSON_CreateObject();
        char sku[32];

        snprintf(sku, sizeof(sku), "GEN-%06d", i);
        cJSON_AddStringToObject(it, "sku", sku);
        cJSON_AddNumberToObject(it, "location_id", 1);
        cJSON_AddNumberToObject(it, "quantity", 7);
        cJSON_AddItemToArray(items, it);
    }
    assert_int_equal(
        ks_bigcommerce_inventory_absolute(&out, &st, f.bc, "sync", items),
        KS_OK);
    assert_int_equal(st.requests, 3);
    assert_int_equal(cJSON_GetArraySize(out), 3); /* transaction ids */
    snap = bc_fx_snapshot(&f);
    last = cJSON_GetArrayItem(cJSON_GetObjectItem(snap, "products"), 4499);
    assert_int_equal(cJSON_GetObjectItem(last, "inventory_level")->valueint, 7);
    cJSON_Delete(snap);
    cJSON_Delete(out);
    cJSON_Delete(items);
    bc_fx_stop(&f);
}

static void variant_id_on_a_product_tracked_product_is_422(void **state)
{
    struct bc_fx f;
    cJSON *items = cJSON_Parse("[{\"variant_id\":1000,\"location_id\":1,"
                               "\"quantity\":3}]");
    cJSON *out = NULL;

    (void)state;
    bc_fx_start(&f, "\"generate\":{\"products\":1}");
    assert_int_equal(
        ks_bigcommerce_inventory_absolute(&out, NULL, f.bc, "sync", items),
        KS_EREMOTE);
    assert_int_equal(ks_client_last_error(f.client)->http_status, 422);
    assert_non_null(strstr(last_message(&f), "is tracked by product"));
    cJSON_Delete(out);
    cJSON_Delete(items);
    bc_fx_stop(&f);
}

/* The journal's response header of entry i, or NULL. */
static const char *resp_header(const cJSON *journal, int i, const char *name)
{
    const cJSON *h =
        cJSON_GetObjectItem(cJSON_GetArrayItem(journal, i), "response_headers");
    const cJSON *v;

    cJSON_ArrayForEach(v, h)
    {
        if (strcasecmp(v->string, name) == 0)
            return v->valuestring;
    }
    return NULL;
}

static void quota_exhausted_is_429_then_retry_after_the_reset(void **state)
{
    struct bc_fx f;
    cJSON *out = NULL, *j;
    const cJSON *e3, *e4;

    (void)state;
    bc_fx_start(&f, "\"generate\":{\"products\":1},\"rate_limit\":{\"quota\":2,"
                    "\"window_ms\":1500}");
    for (int i = 0; i < 3; i++) {
        assert_int_equal(ks_bigcommerce_request(&out, f.bc, "GET",
                                                "v3/catalog/products", NULL,
                                                NULL),
                         KS_OK);
        cJSON_Delete(out);
    }
    j = km_server_journal(f.emu->server);
    assert_int_equal(cJSON_GetArraySize(j), 4);
    assert_string_equal(resp_header(j, 0, "X-Rate-Limit-Requests-Left"), "1");
    assert_string_equal(resp_header(j, 0, "X-Rate-Limit-Requests-Quota"), "2");
    assert_string_equal(resp_header(j, 0, "X-Rate-Limit-Time-Window-Ms"),
                        "1500");
    e3 = cJSON_GetArrayItem(j, 2);
    e4 = cJSON_GetArrayItem(j, 3);
    assert_int_equal(cJSON_GetObjectItem(e3, "status")->valueint, 429);
    assert_string_equal(resp_header(j, 2, "X-Rate-Limit-Time-Reset-Ms"),
                        "1500");
    assert_string_equal(resp_header(j, 2, "X-Retry-After"), "2");
    assert_int_equal(cJSON_GetObjectItem(e4, "status")->valueint, 200);
    assert_true(cJSON_GetObjectItem(e4, "virtual_ms")->valuedouble -
                    cJSON_GetObjectItem(e3, "virtual_ms")->valuedouble >=
                1500);
    cJSON_Delete(j);
    bc_fx_stop(&f);
}

static void empty_order_list_is_204_and_tolerated(void **state)
{
    struct bc_fx f;
    int n = 0;

    (void)state;
    bc_fx_start(&f, NULL);
    assert_int_equal(ks_bigcommerce_orders_modified_since(
                         f.bc, "2026-01-01T00:00:00Z", count_item, &n),
                     KS_OK);
    assert_int_equal(n, 0);
    bc_fx_stop(&f);
}

static void placed_order_comes_back_whole_with_v2_money_and_dates(void **state)
{
    struct bc_fx f;
    cJSON *args = cJSON_Parse(
        "{\"customer\":{\"email\":\"ann@example.com\",\"first_name\":\"Ann\","
        "\"last_name\":\"Lee\"},\"lines\":[{\"sku\":\"GEN-000002\","
        "\"quantity\":2,\"price\":12.5}],\"shipping_cost\":5}");
    cJSON *res = NULL, *order = NULL;
    const cJSON *prods;
    char err[256];
    int n = 0;

    (void)state;
    bc_fx_start(&f, "\"generate\":{\"products\":3}");
    assert_int_equal(
        km_emulator_act(f.emu, "place_order", args, &res, err, sizeof(err)), 0);
    assert_int_equal(
        ks_bigcommerce_order_get(
            &order, f.bc, (int64_t)cJSON_GetObjectItem(res, "id")->valuedouble),
        KS_OK);
    assert_string_equal(
        cJSON_GetObjectItem(order, "total_inc_tax")->valuestring, "30.0000");
    assert_non_null(strstr(
        cJSON_GetObjectItem(order, "date_created")->valuestring, "+0000"));
    prods = cJSON_GetObjectItem(order, "products");
    assert_true(cJSON_IsArray(prods));
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetArrayItem(prods, 0), "sku")->valuestring,
        "GEN-000002");
    assert_int_equal(
        cJSON_GetArraySize(cJSON_GetObjectItem(order, "shipping_addresses")),
        1);
    assert_int_equal(
        ks_bigcommerce_orders_modified_since(
            f.bc, "Mon, 05 Jan 2026 08:00:00 +0000", count_item, &n),
        KS_OK);
    assert_int_equal(n, 1);
    cJSON_Delete(order);
    assert_int_equal(ks_bigcommerce_order_get(&order, f.bc, 4242),
                     KS_ENOTFOUND);
    cJSON_Delete(res);
    cJSON_Delete(args);
    bc_fx_stop(&f);
}

static void twelve_customers_go_out_as_two_posts(void **state)
{
    struct bc_fx f;
    struct ks_bigcommerce_batch_stats st = {0, 0, 0};
    cJSON *list = cJSON_CreateArray(), *out = NULL, *found = NULL;

    (void)state;
    bc_fx_start(&f, NULL);
    for (int i = 0; i < 12; i++) {
        cJSON *c = cJSON_CreateObject();
        char email[64];

        snprintf(email, sizeof(email), "c%02d@example.com", i);
        cJSON_AddStringToObject(c, "email", email);
        cJSON_AddStringToObject(c, "first_name", "C");
        cJSON_AddStringToObject(c, "last_name", "D");
        cJSON_AddItemToArray(list, c);
    }
    assert_int_equal(ks_bigcommerce_customers_create(&out, &st, f.bc, list),
                     KS_OK);
    assert_int_equal(st.requests, 2);
    assert_int_equal(bc_fx_count(&f, "customers"), 12);
    assert_int_equal(
        ks_bigcommerce_customer_find_by_email(&found, f.bc, "C11@example.com"),
        KS_OK);
    assert_int_equal(cJSON_GetObjectItem(found, "id")->valueint, 12);
    cJSON_Delete(found);
    cJSON_Delete(out);
    cJSON_Delete(list);
    bc_fx_stop(&f);
}

static void unknown_config_key_is_refused_by_name(void **state)
{
    void *st = NULL;
    cJSON *cfg = cJSON_Parse("{\"store_hash\":\"x\",\"bogus\":1}");
    char err[256] = "";

    (void)state;
    assert_int_equal(
        km_bigcommerce_type.state_new(&st, cfg, NULL, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "bogus"));
    assert_null(st);
    cJSON_Delete(cfg);
}

static cJSON *fixture(const char *rel)
{
    char path[512], *text;
    FILE *fp;
    long n;
    cJSON *json;

    snprintf(path, sizeof(path), "%s/fixtures/bigcommerce/%s", KS_SOURCE_DIR,
             rel);
    fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    text = calloc(1, (size_t)n + 1);
    assert_int_equal(fread(text, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    json = cJSON_Parse(text);
    free(text);
    assert_non_null(json);
    return json;
}

static void fixtures_load_into_a_consistent_store(void **state)
{
    cJSON *cfg = cJSON_CreateObject(), *snap, *order;
    struct km_emulator *emu = NULL;
    struct ks_clock *clock = NULL;
    char err[256] = "";

    (void)state;
    cJSON_AddItemToObject(cfg, "products", fixture("products/three.json"));
    cJSON_AddItemToObject(cfg, "customers", fixture("customers/one.json"));
    cJSON_AddItemToObject(cfg, "orders",
                          fixture("orders/one-awaiting-fulfillment.json"));
    assert_int_equal(ks_clock_new_virtual(&clock, BC_FX_START_MS), KS_OK);
    assert_int_equal(km_emulator_start(&emu, &km_bigcommerce_type, cfg, clock,
                                       NULL, 0, err, sizeof(err)),
                     0);
    snap = km_emulator_snapshot(emu);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(snap, "products")),
                     3);
    order = cJSON_GetArrayItem(cJSON_GetObjectItem(snap, "orders"), 0);
    assert_int_equal(cJSON_GetObjectItem(order, "customer_id")->valueint, 1);
    assert_string_equal(
        cJSON_GetObjectItem(order, "total_inc_tax")->valuestring, "50.5000");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(order, "products")),
                     2);
    cJSON_Delete(snap);
    km_emulator_stop(emu);
    cJSON_Delete(cfg);
    cfg = cJSON_CreateObject();
    cJSON_AddItemToObject(cfg, "products",
                          fixture("products/with-variants.json"));
    cJSON_AddItemToObject(cfg, "more", fixture("products/twenty-three.json"));
    assert_int_equal(km_emulator_start(&emu, &km_bigcommerce_type, cfg, clock,
                                       NULL, 0, err, sizeof(err)),
                     -1); /* "more" is not a key */
    cJSON_DeleteItemFromObject(cfg, "more");
    assert_int_equal(km_emulator_start(&emu, &km_bigcommerce_type, cfg, clock,
                                       NULL, 0, err, sizeof(err)),
                     0);
    snap = km_emulator_snapshot(emu);
    order = cJSON_GetArrayItem(cJSON_GetObjectItem(snap, "products"), 0);
    assert_int_equal(cJSON_GetObjectItem(order, "inventory_level")->valueint,
                     42); /* 30 + 12 over the variants */
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(order, "variants")),
                     2);
    cJSON_Delete(snap);
    km_emulator_stop(emu);
    cJSON_Delete(cfg);
    ks_clock_free(clock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wrong_token_is_eauth_with_the_v3_title),
        cmocka_unit_test(wrong_token_on_v2_is_eauth_with_the_v2_message),
        cmocka_unit_test(listing_600_products_takes_three_pages),
        cmocka_unit_test(variants_sku_in_lists_each_named_variant_once),
        cmocka_unit_test(limit_over_250_is_413),
        cmocka_unit_test(pagination_meta_links_keep_filters),
        cmocka_unit_test(batch_of_23_products_is_three_puts),
        cmocka_unit_test(batch_of_11_is_413_with_the_documented_title),
        cmocka_unit_test(unknown_id_in_a_batch_is_207_partial),
        cmocka_unit_test(duplicate_sku_on_create_is_econflict),
        cmocka_unit_test(missing_required_fields_on_create_is_422),
        cmocka_unit_test(variant_lookup_by_sku_finds_the_base_variant),
        cmocka_unit_test(inventory_of_4500_items_is_three_requests),
        cmocka_unit_test(variant_id_on_a_product_tracked_product_is_422),
        cmocka_unit_test(quota_exhausted_is_429_then_retry_after_the_reset),
        cmocka_unit_test(empty_order_list_is_204_and_tolerated),
        cmocka_unit_test(placed_order_comes_back_whole_with_v2_money_and_dates),
        cmocka_unit_test(twelve_customers_go_out_as_two_posts),
        cmocka_unit_test(unknown_config_key_is_refused_by_name),
        cmocka_unit_test(fixtures_load_into_a_consistent_store),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
