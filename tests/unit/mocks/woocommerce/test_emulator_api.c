/* The WooCommerce emulator driven over HTTP by the connector's client:
 * paging, per_page bounds, batches, auth schemes, lookups. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>
#include <curl/curl.h>
#include "emulator_fixture.h"
#include "woocommerce/woocommerce_int.h"

static int count_item(void *ud, const cJSON *item)
{
    (void)item;
    (*(int *)ud)++;
    return 0;
}

static const char *last_message(struct wc_fx *f)
{
    return ks_client_last_error(f->client)->message;
}

static void list_walks_150_products_in_two_pages(void **state)
{
    struct wc_fx f;
    int n = 0, pages = 0;

    (void)state;
    wc_fx_start(&f, "{" WC_KEYS ",\"generate\":{\"products\":150,\"seed\":7}}",
                KS_WOOCOMMERCE_AUTH_BASIC, 500, NULL);
    assert_int_equal(
        ks_woocommerce_list(f.wc, "products", NULL, count_item, &n, &pages),
        KS_OK);
    assert_int_equal(n, 150);
    assert_int_equal(pages, 2); /* per_page 500 was clamped to 100 */
    wc_fx_stop(&f);
}

static void per_page_101_is_rest_invalid_param(void **state)
{
    struct wc_fx f;
    const char *q[] = {"per_page", "101", NULL};
    cJSON *out = NULL;

    (void)state;
    wc_fx_start(&f, "{" WC_KEYS "}", KS_WOOCOMMERCE_AUTH_BASIC, 10, NULL);
    assert_int_equal(
        ks_woocommerce_request(&out, f.wc, "GET", "products", q, NULL),
        KS_EREMOTE);
    assert_int_equal(ks_client_last_error(f.client)->http_status, 400);
    assert_non_null(strstr(last_message(&f), "rest_invalid_param"));
    assert_null(out);
    wc_fx_stop(&f);
}

static void page_past_the_end_is_empty(void **state)
{
    struct wc_fx f;
    const char *q[] = {"page", "9", NULL};
    cJSON *out = NULL;

    (void)state;
    wc_fx_start(&f, "{" WC_KEYS ",\"generate\":{\"products\":3}}",
                KS_WOOCOMMERCE_AUTH_BASIC, 10, NULL);
    assert_int_equal(
        ks_woocommerce_request(&out, f.wc, "GET", "products", q, NULL), KS_OK);
    assert_int_equal(cJSON_GetArraySize(out), 0);
    cJSON_Delete(out);
    wc_fx_stop(&f);
}

static void batch_of_250_creates_takes_three_requests(void **state)
{
    struct wc_fx f;
    struct ks_woocommerce_batch_stats st;
    cJSON *create = cJSON_CreateArray(), *out = NULL;

    (void)state;
    wc_fx_start(&f, "{" WC_KEYS "}", KS_WOOCOMMERCE_AUTH_BASIC, 100, NULL);
    for (int i = 0; i < 250; i++) {
        cJSON *p = cJSON_CreateObject();
        char sku[32];

        snprintf(sku, sizeof(sku), "B-%03d", i);
        cJSON_AddStringToObject(p, "sku", sku);
        cJSON_AddItemToArray(create, p);
    }
    assert_int_equal(
        ks_woocommerce_products_batch(&out, &st, f.wc, create, NULL, NULL),
        KS_OK);
    assert_int_equal(st.requests, 3);
    assert_int_equal(st.ok, 250);
    assert_int_equal(st.failed, 0);
    assert_int_equal(
        cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(out, "create")),
        250);
    assert_int_equal(wc_fx_count(&f, "products"), 250);
    cJSON_Delete(out);
    cJSON_Delete(create);
    wc_fx_stop(&f);
}

static void duplicate_sku_fails_only_that_item(void **state)
{
    struct wc_fx f;
    struct ks_woocommerce_batch_stats st;
    cJSON *create = cJSON_Parse("[{\"sku\":\"N-1\"},{\"sku\":\"DUP\"},"
                                "{\"sku\":\"N-2\"}]");
    cJSON *out = NULL;
    const cJSON *slot, *e;

    (void)state;
    wc_fx_start(&f, "{" WC_KEYS ",\"products\":[{\"sku\":\"DUP\"}]}",
                KS_WOOCOMMERCE_AUTH_BASIC, 100, NULL);
    assert_int_equal(
        ks_woocommerce_products_batch(&out, &st, f.wc, create, NULL, NULL),
        KS_OK);
    assert_int_equal(st.ok, 2);
    assert_int_equal(st.failed, 1);
    slot =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(out, "create"), 1);
    e = cJSON_GetObjectItemCaseSensitive(slot, "error");
    assert_string_equal(
        cJSON_GetObjectItemCaseSensitive(e, "code")->valuestring,
        "product_invalid_sku");
    assert_int_equal(wc_fx_count(&f, "products"), 3);
    cJSON_Delete(out);
    cJSON_Delete(create);
    wc_fx_stop(&f);
}

static void batch_over_the_limit_is_etoobig(void **state)
{
    struct wc_fx f;
    cJSON *body = cJSON_CreateObject(), *arr, *out = NULL;

    (void)state;
    wc_fx_start(&f, "{" WC_KEYS "}", KS_WOOCOMMERCE_AUTH_BASIC, 100, NULL);
    arr = cJSON_AddArrayToObject(body, "create");
    for (int i = 0; i < 101; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateObject());
    assert_int_equal(ks_woocommerce_request(&out, f.wc, "POST",
                                            "products/batch", NULL, body),
                     KS_ETOOBIG);
    assert_non_null(
        strstr(last_message(&f), "woocommerce_rest_request_entity_too_large"));
    cJSON_Delete(body);
    wc_fx_stop(&f);
}

static void bad_secret_is_eauth_with_the_store_message(void **state)
{
    struct wc_fx f;
    int n = 0;

    (void)state;
    wc_fx_start(&f, "{" WC_KEYS "}", KS_WOOCOMMERCE_AUTH_QUERY, 10, "cs_wrong");
    assert_int_equal(
        ks_woocommerce_list(f.wc, "products", NULL, count_item, &n, NULL),
        KS_EAUTH);
    assert_non_null(strstr(last_message(&f), "Consumer secret is invalid."));
    assert_null(strstr(last_message(&f), "cs_wrong"));
    wc_fx_stop(&f);
}

static void read_only_key_cannot_write(void **state)
{
    struct wc_fx f;
    struct ks_client_options co = KS_CLIENT_OPTIONS_INIT;
    struct ks_woocommerce_options o = KS_WOOCOMMERCE_OPTIONS_INIT;
    struct ks_woocommerce *ro = NULL;
    cJSON *body = cJSON_Parse("{\"name\":\"x\"}"), *out = NULL;

    (void)state;
    (void)co;
    wc_fx_start(&f, "{" WC_KEYS "}", KS_WOOCOMMERCE_AUTH_BASIC, 10, NULL);
    o.site_url = km_server_url(f.emu->server);
    o.consumer_key = "ck_ro";
    o.consumer_secret = "cs_ro";
    assert_int_equal(ks_woocommerce_new(&ro, f.client, &o), KS_OK);
    assert_int_equal(
        ks_woocommerce_request(&out, ro, "POST", "products", NULL, body),
        KS_EAUTH);
    assert_non_null(strstr(last_message(&f), "does not have write"));
    ks_woocommerce_free(ro);
    cJSON_Delete(body);
    wc_fx_stop(&f);
}

static void oauth1_works_over_plain_http(void **state)
{
    struct wc_fx f;
    int n = 0;
    const char *q[] = {"modified_after", "2020-01-01T00:00:00", NULL};

    (void)state;
    wc_fx_start(&f,
                "{" WC_KEYS ",\"https\":false,\"generate\":{\"products\":5}}",
                KS_WOOCOMMERCE_AUTH_OAUTH1, 2, NULL);
    /* three pages, each signed with its own nonce; the ':' in the date
     * only verifies when signed the way WooCommerce builds its string */
    assert_int_equal(
        ks_woocommerce_list(f.wc, "products", q, count_item, &n, NULL), KS_OK);
    assert_int_equal(n, 5);
    wc_fx_stop(&f);
}

static void basic_over_plain_http_is_refused(void **state)
{
    struct wc_fx f;
    int n = 0;

    (void)state;
    wc_fx_start(&f, "{" WC_KEYS ",\"https\":false}", KS_WOOCOMMERCE_AUTH_BASIC,
                10, NULL);
    assert_int_equal(
        ks_woocommerce_list(f.wc, "products", NULL, count_item, &n, NULL),
        KS_EAUTH);
    assert_non_null(strstr(last_message(&f), "woocommerce_rest_cannot_view"));
    wc_fx_stop(&f);
}

static size_t sink(char *p, size_t s, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return s * n;
}

static long raw_get(const char *url, const char *header)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, header);
    long status = 0;

    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return status;
}

static void reused_nonce_and_stale_timestamp_are_refused(void **state)
{
    struct wc_fx f;
    char url[256], *h = NULL;

    (void)state;
    wc_fx_start(&f, "{" WC_KEYS ",\"https\":false}", KS_WOOCOMMERCE_AUTH_OAUTH1,
                10, NULL);
    snprintf(url, sizeof(url), "%s/wp-json/wc/v3/products",
             km_server_url(f.emu->server));
    assert_int_equal(ks__wc_oauth_header(&h, "ck_good", "cs_good", "GET", url,
                                         WC_FX_START_MS / 1000, "n0nce"),
                     KS_OK);
    assert_int_equal(raw_get(url, h), 200);
    assert_int_equal(raw_get(url, h), 401); /* same nonce */
    ks__free(h);
    assert_int_equal(ks__wc_oauth_header(&h, "ck_good", "cs_good", "GET", url,
                                         WC_FX_START_MS / 1000 - 16 * 60,
                                         "fresh"),
                     KS_OK);
    assert_int_equal(raw_get(url, h), 401); /* outside the 15 min window */
    ks__free(h);
    assert_int_equal(ks__wc_oauth_header(&h, "ck_good", "cs_bad", "GET", url,
                                         WC_FX_START_MS / 1000, "other"),
                     KS_OK);
    assert_int_equal(raw_get(url, h), 401); /* wrong signature */
    ks__free(h);
    wc_fx_stop(&f);
}

static void rest_route_form_and_unknown_route(void **state)
{
    struct wc_fx f;
    char url[256];

    (void)state;
    wc_fx_start(&f, "{" WC_KEYS "}", KS_WOOCOMMERCE_AUTH_BASIC, 10, NULL);
    snprintf(url, sizeof(url),
             "%s/?rest_route=/wc/v3/products&consumer_key=ck_good&"
             "consumer_secret=cs_good",
             km_server_url(f.emu->server));
    assert_int_equal(raw_get(url, "Accept: application/json"), 200);
    snprintf(url, sizeof(url),
             "%s/wp-json/wc/v3/nothing?consumer_key=ck_good&"
             "consumer_secret=cs_good",
             km_server_url(f.emu->server));
    assert_int_equal(raw_get(url, "Accept: application/json"), 404);
    wc_fx_stop(&f);
}

static void sku_lookup_stock_and_customers(void **state)
{
    struct wc_fx f;
    cJSON *p = NULL, *s = NULL, *c = NULL;
    cJSON *cust = cJSON_Parse("{\"email\":\"a@example.com\","
                              "\"first_name\":\"Ann\"}");
    int created = -1;

    (void)state;
    wc_fx_start(&f,
                "{" WC_KEYS ",\"products\":[{\"sku\":\"P-1\",\"name\":\"One\","
                "\"regular_price\":\"5.00\"}]}",
                KS_WOOCOMMERCE_AUTH_BASIC, 10, NULL);
    assert_int_equal(ks_woocommerce_product_find_by_sku(&p, f.wc, "P-1"),
                     KS_OK);
    assert_int_equal(ks_woocommerce_product_find_by_sku(&s, f.wc, "NOPE"),
                     KS_ENOTFOUND);
    assert_int_equal(
        ks_woocommerce_stock_set(
            &s, f.wc,
            (int64_t)cJSON_GetObjectItemCaseSensitive(p, "id")->valuedouble, 0,
            0),
        KS_OK);
    assert_string_equal(
        cJSON_GetObjectItemCaseSensitive(s, "stock_status")->valuestring,
        "outofstock");
    assert_int_equal(ks_woocommerce_customer_upsert(&c, &created, f.wc, cust),
                     KS_OK);
    assert_int_equal(created, 1);
    cJSON_Delete(c);
    assert_int_equal(ks_woocommerce_customer_upsert(&c, &created, f.wc, cust),
                     KS_OK);
    assert_int_equal(created, 0);
    assert_int_equal(wc_fx_count(&f, "customers"), 1);
    cJSON_Delete(c);
    cJSON_Delete(cust);
    cJSON_Delete(p);
    cJSON_Delete(s);
    wc_fx_stop(&f);
}

static void orders_since_and_refunds(void **state)
{
    struct wc_fx f;
    cJSON *args = cJSON_Parse("{\"line_items\":[{\"sku\":\"P-1\","
                              "\"quantity\":2}]}");
    cJSON *res = NULL, *o = NULL;
    char err[128];
    int n = 0;
    int64_t id;

    (void)state;
    wc_fx_start(&f,
                "{" WC_KEYS ",\"products\":[{\"sku\":\"P-1\",\"regular_price\":"
                "\"5.00\"}]}",
                KS_WOOCOMMERCE_AUTH_BASIC, 10, NULL);
    assert_int_equal(
        km_emulator_act(f.emu, "place_order", args, &res, err, sizeof(err)), 0);
    id = (int64_t)cJSON_GetObjectItemCaseSensitive(res, "id")->valuedouble;
    assert_string_equal(
        cJSON_GetObjectItemCaseSensitive(res, "total")->valuestring, "10.00");
    cJSON_Delete(res);
    assert_int_equal(ks_woocommerce_orders_modified_since(
                         f.wc, "2026-01-05T07:59:00", count_item, &n),
                     KS_OK);
    assert_int_equal(n, 1);
    n = 0;
    assert_int_equal(ks_woocommerce_orders_modified_since(
                         f.wc, "2026-01-05T08:00:00Z", count_item, &n),
                     KS_OK);
    assert_int_equal(n, 0);
    cJSON_Delete(args);
    args = cJSON_CreateObject();
    cJSON_AddNumberToObject(args, "order_id", (double)id);
    cJSON_AddStringToObject(args, "amount", "4.00");
    assert_int_equal(
        km_emulator_act(f.emu, "add_refund", args, &res, err, sizeof(err)), 0);
    cJSON_Delete(res);
    n = 0;
    assert_int_equal(ks_woocommerce_refunds_list(f.wc, id, count_item, &n),
                     KS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ks_woocommerce_order_get(&o, f.wc, id), KS_OK);
    assert_int_equal(
        cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "refunds")), 1);
    cJSON_Delete(o);
    cJSON_Delete(args);
    wc_fx_stop(&f);
}

/* The names of a listing's items, in order ("A,B"), into out. */
static void names_of(char *out, size_t outsz, struct wc_fx *f, const char *path,
                     const char *const *q)
{
    cJSON *list = NULL;
    const cJSON *it;
    size_t used = 0;

    assert_int_equal(ks_woocommerce_request(&list, f->wc, "GET", path, q, NULL),
                     KS_OK);
    out[0] = '\0';
    cJSON_ArrayForEach(it, list)
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "name");
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");

        if (cJSON_IsString(name))
            used += (size_t)snprintf(out + used, outsz - used, "%s%s",
                                     used ? "," : "", name->valuestring);
        else
            used += (size_t)snprintf(out + used, outsz - used, "%s%.0f",
                                     used ? "," : "", id->valuedouble);
    }
    cJSON_Delete(list);
}

static void listings_sort_as_order_asks_and_check_modified_after(void **state)
{
    struct wc_fx f;
    const char *asc[] = {"order", "asc", NULL};
    const char *since_old[] = {"modified_after", "2000-01-01T00:00:00", NULL};
    const char *since_bad[] = {"modified_after", "yesterday", NULL};
    const char *ids_desc[] = {"orderby", "id", NULL};
    const char *ids_asc[] = {"orderby", "id", "order", "asc", NULL};
    cJSON *body = cJSON_CreateObject(), *out = NULL;
    char names[128];

    (void)state;
    wc_fx_start(&f,
                "{" WC_KEYS ",\"orders\":[{\"status\":\"processing\"},"
                "{\"status\":\"processing\"}]}",
                KS_WOOCOMMERCE_AUTH_BASIC, 10, NULL);
    cJSON_AddStringToObject(body, "name", "A");
    assert_int_equal(
        ks_woocommerce_request(&out, f.wc, "POST", "products", NULL, body),
        KS_OK);
    cJSON_Delete(out);
    ks_clock_advance_ms(f.clock, 5000);
    cJSON_ReplaceItemInObject(body, "name", cJSON_CreateString("B"));
    assert_int_equal(
        ks_woocommerce_request(&out, f.wc, "POST", "products", NULL, body),
        KS_OK);
    cJSON_Delete(out);
    /* products: newest first, oldest first with order=asc */
    names_of(names, sizeof(names), &f, "products", NULL);
    assert_string_equal(names, "B,A");
    names_of(names, sizeof(names), &f, "products", asc);
    assert_string_equal(names, "A,B");
    names_of(names, sizeof(names), &f, "products", since_old);
    assert_string_equal(names, "B,A");
    /* orders: orderby=id, descending unless order=asc */
    names_of(names, sizeof(names), &f, "orders", ids_desc);
    assert_string_equal(names, "101,100");
    names_of(names, sizeof(names), &f, "orders", ids_asc);
    assert_string_equal(names, "100,101");
    /* a malformed modified_after is refused by both listings */
    assert_int_equal(
        ks_woocommerce_request(&out, f.wc, "GET", "products", since_bad, NULL),
        KS_EREMOTE);
    assert_int_equal(ks_client_last_error(f.client)->http_status, 400);
    assert_non_null(strstr(last_message(&f), "modified_after"));
    assert_int_equal(
        ks_woocommerce_request(&out, f.wc, "GET", "orders", since_bad, NULL),
        KS_EREMOTE);
    assert_int_equal(ks_client_last_error(f.client)->http_status, 400);
    assert_null(out);
    cJSON_Delete(body);
    wc_fx_stop(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(list_walks_150_products_in_two_pages),
        cmocka_unit_test(per_page_101_is_rest_invalid_param),
        cmocka_unit_test(page_past_the_end_is_empty),
        cmocka_unit_test(batch_of_250_creates_takes_three_requests),
        cmocka_unit_test(duplicate_sku_fails_only_that_item),
        cmocka_unit_test(batch_over_the_limit_is_etoobig),
        cmocka_unit_test(bad_secret_is_eauth_with_the_store_message),
        cmocka_unit_test(read_only_key_cannot_write),
        cmocka_unit_test(oauth1_works_over_plain_http),
        cmocka_unit_test(basic_over_plain_http_is_refused),
        cmocka_unit_test(reused_nonce_and_stale_timestamp_are_refused),
        cmocka_unit_test(rest_route_form_and_unknown_route),
        cmocka_unit_test(sku_lookup_stock_and_customers),
        cmocka_unit_test(orders_since_and_refunds),
        cmocka_unit_test(listings_sort_as_order_asks_and_check_modified_after),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
