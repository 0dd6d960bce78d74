/* v2 orders (whole order, modified-since poll with 204 or [] at the end),
 * the store's error shapes, and the hook health check. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>
#include "bc_stub.h"

struct script {
    int orders;        /* how many orders the listing has */
    int empty_as_204;  /* an empty page: 204 (1) or [] (0) */
    int put_hook_404;  /* PUT /v3/hooks/{id} answers 404 */
    int created_hooks; /* POST /v3/hooks seen */
};

static struct script sc;

static void h_orders(struct km_response *res, const struct km_request *req,
                     void *st)
{
    const char *l = km_request_arg(req, "limit");
    const char *p = km_request_arg(req, "page");
    long limit = l ? strtol(l, NULL, 10) : 50,
         page = p ? strtol(p, NULL, 10) : 1;
    cJSON *arr = cJSON_CreateArray();

    (void)st;
    for (long i = (page - 1) * limit; i < sc.orders && i < page * limit; i++) {
        cJSON *o = cJSON_CreateObject();

        cJSON_AddNumberToObject(o, "id", (double)(100 + i));
        cJSON_AddItemToArray(arr, o);
    }
    if (cJSON_GetArraySize(arr) == 0 && sc.empty_as_204) {
        cJSON_Delete(arr);
        km_response_set(res, 204, NULL, "", 0);
        return;
    }
    km_response_json(res, 200, arr);
}

static void h_order(struct km_response *res, const struct km_request *req,
                    void *st)
{
    const char *notfound =
        "[{\"status\":404,\"message\":\"The requested resource was not "
        "found.\"}]";
    const char *order =
        "{\"id\":250,\"status_id\":11,\"total_inc_tax\":\"69.8400\","
        "\"products\":{\"url\":\"x\",\"resource\":\"/orders/250/products\"},"
        "\"shipping_addresses\":{\"url\":\"x\",\"resource\":"
        "\"/orders/250/shipping_addresses\"}}";

    (void)st;
    if (strcmp(req->captures[1], "250") != 0)
        km_response_set(res, 404, "application/json", notfound,
                        strlen(notfound));
    else
        km_response_set(res, 200, "application/json", order, strlen(order));
}

static void h_order_products(struct km_response *res,
                             const struct km_request *req, void *st)
{
    const char *p = km_request_arg(req, "page");
    const char *lines = "[{\"id\":1,\"sku\":\"BOLT-M8\",\"quantity\":2,"
                        "\"base_price\":\"12.5000\"},{\"id\":2,\"sku\":"
                        "\"NUT-M8\",\"quantity\":4,\"base_price\":\"1.2100\"}]";

    (void)st;
    if (p && strcmp(p, "1") != 0)
        km_response_set(res, 204, NULL, "", 0);
    else
        km_response_set(res, 200, "application/json", lines, strlen(lines));
}

static void h_order_addresses(struct km_response *res,
                              const struct km_request *req, void *st)
{
    const char *a = "[{\"id\":9,\"order_id\":250,\"city\":\"Austin\"}]";

    (void)req;
    (void)st;
    km_response_set(res, 200, "application/json", a, strlen(a));
}

static void h_product_create(struct km_response *res,
                             const struct km_request *req, void *st)
{
    const char *dup = "{\"status\":409,\"title\":\"The product sku is a "
                      "duplicate\",\"type\":\"/api-docs/x\",\"errors\":"
                      "{\"sku\":\"BOLT-M8 is in use\"}}";

    (void)req;
    (void)st;
    km_response_set(res, 409, "application/json", dup, strlen(dup));
}

static void h_hooks_list(struct km_response *res, const struct km_request *req,
                         void *st)
{
    const char *hooks =
        "{\"data\":[{\"id\":1,\"scope\":\"store/order/created\","
        "\"destination\":\"https://r.example/h\",\"is_active\":true},"
        "{\"id\":2,\"scope\":\"store/order/updated\",\"destination\":"
        "\"https://r.example/h\",\"is_active\":false},"
        "{\"id\":3,\"scope\":\"store/product/*\",\"destination\":"
        "\"https://other.example/h\",\"is_active\":true}],\"meta\":{}}";

    (void)req;
    (void)st;
    km_response_set(res, 200, "application/json", hooks, strlen(hooks));
}

static void h_hook_put(struct km_response *res, const struct km_request *req,
                       void *st)
{
    cJSON *body = km_request_json(req), *out = cJSON_CreateObject();
    cJSON *data = cJSON_AddObjectToObject(out, "data");

    (void)st;
    if (sc.put_hook_404) {
        const char *nf = "{\"status\":404,\"title\":\"Webhook with id [2] "
                         "not found\",\"type\":\"x\"}";

        cJSON_Delete(out);
        cJSON_Delete(body);
        km_response_set(res, 404, "application/json", nf, strlen(nf));
        return;
    }
    cJSON_AddNumberToObject(data, "id", strtol(req->captures[1], NULL, 10));
    cJSON_AddStringToObject(data, "scope", "store/order/updated");
    cJSON_AddBoolToObject(
        data, "is_active",
        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body, "is_active")));
    cJSON_Delete(body);
    km_response_json(res, 200, out);
}

static void h_hook_create(struct km_response *res, const struct km_request *req,
                          void *st)
{
    cJSON *body = km_request_json(req), *out = cJSON_CreateObject();
    cJSON *data = cJSON_Duplicate(body, 1);

    (void)st;
    cJSON_AddNumberToObject(data, "id", 10 + ++sc.created_hooks);
    cJSON_AddItemToObject(out, "data", data);
    cJSON_Delete(body);
    km_response_json(res, 200, out);
}

static const struct km_route routes[] = {
    {"GET", "/stores/{hash}/v2/orders", h_orders},
    {"GET", "/stores/{hash}/v2/orders/{id}", h_order},
    {"GET", "/stores/{hash}/v2/orders/{id}/products", h_order_products},
    {"GET", "/stores/{hash}/v2/orders/{id}/shipping_addresses",
     h_order_addresses},
    {"POST", "/stores/{hash}/v3/catalog/products", h_product_create},
    {"GET", "/stores/{hash}/v3/hooks", h_hooks_list},
    {"PUT", "/stores/{hash}/v3/hooks/{id}", h_hook_put},
    {"POST", "/stores/{hash}/v3/hooks", h_hook_create},
};

static int setup(void **state)
{
    struct stub *s = test_malloc(sizeof(*s));

    memset(&sc, 0, sizeof(sc));
    stub_start(s, routes, sizeof(routes) / sizeof(*routes), NULL, 10);
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    stub_stop(*state);
    test_free(*state);
    return 0;
}

static int count_item(void *ud, const cJSON *item)
{
    (void)item;
    (*(int *)ud)++;
    return 0;
}

static int orders_requests(struct stub *s)
{
    cJSON *r = stub_requests(s, "GET", "/stores/abc123/v2/orders");
    int n = cJSON_GetArraySize(r);

    cJSON_Delete(r);
    return n;
}

static void poll_ends_on_204_after_full_pages(void **state)
{
    struct stub *s = *state;
    int n = 0;

    sc.orders = 20;
    sc.empty_as_204 = 1;
    assert_int_equal(
        ks_bigcommerce_orders_modified_since(
            s->bc, "Mon, 05 Jan 2026 08:00:00 +0000", count_item, &n),
        KS_OK);
    assert_int_equal(n, 20);
    assert_int_equal(orders_requests(s), 3); /* 10 + 10 + 204 */
}

static void poll_ends_on_empty_array_too(void **state)
{
    struct stub *s = *state;
    int n = 0;

    sc.orders = 10;
    assert_int_equal(ks_bigcommerce_orders_modified_since(
                         s->bc, "2026-01-05T08:00:00+00:00", count_item, &n),
                     KS_OK);
    assert_int_equal(n, 10);
    assert_int_equal(orders_requests(s), 2);
}

static void poll_stops_after_a_short_page(void **state)
{
    struct stub *s = *state;
    int n = 0;
    cJSON *r;

    sc.orders = 13;
    assert_int_equal(ks_bigcommerce_orders_modified_since(
                         s->bc, "2026-01-05T08:00:00+00:00", count_item, &n),
                     KS_OK);
    assert_int_equal(n, 13);
    assert_int_equal(orders_requests(s), 2);
    r = stub_requests(s, "GET", "/stores/abc123/v2/orders");
    assert_non_null(strstr(stub_query(cJSON_GetArrayItem(r, 0)),
                           "sort=date_modified%3aasc"));
    cJSON_Delete(r);
}

static void nothing_modified_is_one_204(void **state)
{
    struct stub *s = *state;
    int n = 0;

    sc.empty_as_204 = 1;
    assert_int_equal(ks_bigcommerce_orders_modified_since(
                         s->bc, "2026-01-05T08:00:00+00:00", count_item, &n),
                     KS_OK);
    assert_int_equal(n, 0);
    assert_int_equal(orders_requests(s), 1);
}

static void order_get_inlines_products_and_addresses(void **state)
{
    struct stub *s = *state;
    cJSON *o = NULL;
    const cJSON *lines;

    assert_int_equal(ks_bigcommerce_order_get(&o, s->bc, 250), KS_OK);
    lines = cJSON_GetObjectItem(o, "products");
    assert_true(cJSON_IsArray(lines));
    assert_int_equal(cJSON_GetArraySize(lines), 2);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetArrayItem(lines, 1), "sku")->valuestring,
        "NUT-M8");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "shipping_"
                                                               "addresses")),
                     1);
    assert_string_equal(cJSON_GetObjectItem(o, "total_inc_tax")->valuestring,
                        "69.8400");
    cJSON_Delete(o);
}

static void unknown_order_is_enotfound_with_v2_message(void **state)
{
    struct stub *s = *state;
    cJSON *o = NULL;
    const struct ks_error *e;

    assert_int_equal(ks_bigcommerce_order_get(&o, s->bc, 999), KS_ENOTFOUND);
    assert_null(o);
    e = ks_client_last_error(s->client);
    assert_int_equal(e->http_status, 404);
    assert_string_equal(e->message, "bigcommerce: The requested resource was "
                                    "not found. (HTTP 404)");
}

static void duplicate_sku_is_econflict_with_v3_title_and_field(void **state)
{
    struct stub *s = *state;
    cJSON *p = cJSON_Parse("{\"name\":\"Bolt\",\"sku\":\"BOLT-M8\"}"), *out;

    assert_int_equal(ks_bigcommerce_product_create(&out, s->bc, p),
                     KS_ECONFLICT);
    assert_string_equal(ks_client_last_error(s->client)->message,
                        "bigcommerce: The product sku is a duplicate (sku: "
                        "BOLT-M8 is in use) (HTTP 409)");
    cJSON_Delete(p);
}

static const char *action_of(const cJSON *report, size_t i)
{
    return cJSON_GetObjectItem(cJSON_GetArrayItem(report, (int)i), "action")
        ->valuestring;
}

static void hooks_ensure_keeps_reactivates_and_creates(void **state)
{
    struct stub *s = *state;
    const char *scopes[] = {"store/order/created", "store/order/updated",
                            "store/product/*", NULL};
    cJSON *report = NULL, *puts;

    assert_int_equal(ks_bigcommerce_hooks_ensure(&report, s->bc, scopes,
                                                 "https://r.example/h", NULL),
                     KS_OK);
    assert_int_equal(cJSON_GetArraySize(report), 3);
    assert_string_equal(action_of(report, 0), "ok");
    assert_string_equal(action_of(report, 1), "reactivated");
    /* the product wildcard hook exists, but for another destination */
    assert_string_equal(action_of(report, 2), "created");
    assert_int_equal(sc.created_hooks, 1);
    puts = stub_requests(s, "PUT", "/stores/abc123/v3/hooks/2");
    assert_int_equal(cJSON_GetArraySize(puts), 1);
    cJSON_Delete(puts);
    cJSON_Delete(report);
}

static void hooks_ensure_recreates_a_hook_gone_meanwhile(void **state)
{
    struct stub *s = *state;
    const char *scopes[] = {"store/order/updated", NULL};
    cJSON *report = NULL;

    sc.put_hook_404 = 1;
    assert_int_equal(ks_bigcommerce_hooks_ensure(&report, s->bc, scopes,
                                                 "https://r.example/h", NULL),
                     KS_OK);
    assert_string_equal(action_of(report, 0), "recreated");
    assert_int_equal(sc.created_hooks, 1);
    assert_true(cJSON_IsTrue(
        cJSON_GetObjectItem(cJSON_GetArrayItem(report, 0), "is_active")));
    cJSON_Delete(report);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(poll_ends_on_204_after_full_pages,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(poll_ends_on_empty_array_too, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(poll_stops_after_a_short_page, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(nothing_modified_is_one_204, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            order_get_inlines_products_and_addresses, setup, teardown),
        cmocka_unit_test_setup_teardown(
            unknown_order_is_enotfound_with_v2_message, setup, teardown),
        cmocka_unit_test_setup_teardown(
            duplicate_sku_is_econflict_with_v3_title_and_field, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            hooks_ensure_keeps_reactivates_and_creates, setup, teardown),
        cmocka_unit_test_setup_teardown(
            hooks_ensure_recreates_a_hook_gone_meanwhile, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
