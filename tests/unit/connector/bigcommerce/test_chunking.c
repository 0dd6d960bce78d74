/* Batch writes are cut at the platform's limits: 10 products, 50
 * variants, 2000 inventory items, 10 customers per request; 207 partial
 * successes are counted, a chunk refused as a whole stops the call. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "bc_stub.h"
#include "bigcommerce/bigcommerce_int.h"

struct rec {
    int sizes[64];
    int n;
    int refuse_call; /* 1-based call answered 413; 0: none */
    char reason[64];
};

static struct rec rec;

static void answer_batch(struct km_response *res, const struct km_request *req)
{
    cJSON *body = km_request_json(req), *data, *errors, *out;
    const cJSON *it;
    int nerr = 0, nok = 0;

    rec.sizes[rec.n++] = cJSON_GetArraySize(body);
    if (rec.n == rec.refuse_call) {
        const char *t = "{\"status\":413,\"title\":\"The request payload is "
                        "too large. The maximum items allowed in the array "
                        "is 10.\",\"type\":\"x\"}";

        km_response_set(res, 413, "application/json", t, strlen(t));
        cJSON_Delete(body);
        return;
    }
    out = cJSON_CreateObject();
    data = cJSON_AddArrayToObject(out, "data");
    errors = cJSON_CreateArray();
    cJSON_ArrayForEach(it, body)
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "name");

        if (cJSON_IsString(name) && strcmp(name->valuestring, "FAIL") == 0) {
            cJSON *e = cJSON_CreateObject();

            cJSON_AddNumberToObject(e, "status", 422);
            cJSON_AddStringToObject(e, "title", "refused");
            cJSON_AddItemToArray(errors, e);
            nerr++;
        } else {
            cJSON_AddItemToArray(data, cJSON_Duplicate(it, 1));
            nok++;
        }
    }
    if (nerr)
        cJSON_AddItemToObject(out, "errors", errors);
    else
        cJSON_Delete(errors);
    cJSON_AddObjectToObject(out, "meta");
    km_response_json(res, nerr && nok ? 207 : 200, out);
    cJSON_Delete(body);
}

static void h_products(struct km_response *res, const struct km_request *req,
                       void *st)
{
    (void)st;
    answer_batch(res, req);
}

static void h_inventory(struct km_response *res, const struct km_request *req,
                        void *st)
{
    cJSON *body = km_request_json(req), *out = cJSON_CreateObject();
    const cJSON *reason = cJSON_GetObjectItemCaseSensitive(body, "reason");
    char tx[32];

    (void)st;
    rec.sizes[rec.n++] =
        cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(body, "items"));
    if (cJSON_IsString(reason))
        snprintf(rec.reason, sizeof(rec.reason), "%s", reason->valuestring);
    snprintf(tx, sizeof(tx), "tx-%d", rec.n);
    cJSON_AddStringToObject(out, "transaction_id", tx);
    km_response_json(res, 200, out);
    cJSON_Delete(body);
}

static const struct km_route routes[] = {
    {"PUT", "/stores/{hash}/v3/catalog/products", h_products},
    {"PUT", "/stores/{hash}/v3/catalog/variants", h_products},
    {"POST", "/stores/{hash}/v3/customers", h_products},
    {"PUT", "/stores/{hash}/v3/inventory/adjustments/absolute", h_inventory},
};

static cJSON *items(int n, const char *fail_name_at)
{
    cJSON *arr = cJSON_CreateArray();

    for (int i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();

        cJSON_AddNumberToObject(o, "id", 100 + i);
        cJSON_AddStringToObject(
            o, "name", fail_name_at && fail_name_at[i] == 'x' ? "FAIL" : "ok");
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

static int setup(void **state)
{
    struct stub *s = test_malloc(sizeof(*s));

    memset(&rec, 0, sizeof(rec));
    stub_start(s, routes, sizeof(routes) / sizeof(*routes), NULL, 250);
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    stub_stop(*state);
    test_free(*state);
    return 0;
}

static void chunk_count_is_ceiling_of_total_over_limit(void **state)
{
    (void)state;
    assert_int_equal(ks__bc_chunks(0, 10), 0);
    assert_int_equal(ks__bc_chunks(1, 10), 1);
    assert_int_equal(ks__bc_chunks(10, 10), 1);
    assert_int_equal(ks__bc_chunks(23, 10), 3);
    assert_int_equal(ks__bc_chunks(2001, 2000), 2);
    assert_int_equal(ks__bc_chunks(5, 0), 0);
}

static void slice_copies_the_requested_window(void **state)
{
    cJSON *all = items(5, NULL), *s = ks__bc_slice(all, 3, 10);

    (void)state;
    assert_int_equal(cJSON_GetArraySize(s), 2);
    assert_int_equal(
        cJSON_GetObjectItem(cJSON_GetArrayItem(s, 0), "id")->valueint, 103);
    cJSON_Delete(s);
    cJSON_Delete(all);
}

static void twenty_three_products_take_three_puts(void **state)
{
    struct stub *s = *state;
    struct ks_bigcommerce_batch_stats st = {0, 0, 0};
    cJSON *in = items(23, NULL), *out = NULL;

    assert_int_equal(ks_bigcommerce_products_update(&out, &st, s->bc, in),
                     KS_OK);
    assert_int_equal(rec.n, 3);
    assert_int_equal(rec.sizes[0], 10);
    assert_int_equal(rec.sizes[1], 10);
    assert_int_equal(rec.sizes[2], 3);
    assert_int_equal(st.requests, 3);
    assert_int_equal(st.ok, 23);
    assert_int_equal(st.failed, 0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(out, "data")), 23);
    cJSON_Delete(out);
    cJSON_Delete(in);
}

static void variants_go_fifty_at_a_time(void **state)
{
    struct stub *s = *state;
    struct ks_bigcommerce_batch_stats st = {0, 0, 0};
    cJSON *in = items(120, NULL);

    assert_int_equal(ks_bigcommerce_variants_update(NULL, &st, s->bc, in),
                     KS_OK);
    assert_int_equal(rec.n, 3);
    assert_int_equal(rec.sizes[0], 50);
    assert_int_equal(rec.sizes[2], 20);
    cJSON_Delete(in);
}

static void partial_success_counts_failures_without_failing(void **state)
{
    struct stub *s = *state;
    struct ks_bigcommerce_batch_stats st = {0, 0, 0};
    /* items 2 and 12 refused, in two different chunks */
    cJSON *in = items(15, "..x.........x.."), *out = NULL;

    assert_int_equal(ks_bigcommerce_products_update(&out, &st, s->bc, in),
                     KS_OK);
    assert_int_equal(st.requests, 2);
    assert_int_equal(st.ok, 13);
    assert_int_equal(st.failed, 2);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(out, "errors")), 2);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(out, "data")), 13);
    cJSON_Delete(out);
    cJSON_Delete(in);
}

static void refused_chunk_stops_with_etoobig_after_earlier_ones(void **state)
{
    struct stub *s = *state;
    struct ks_bigcommerce_batch_stats st = {0, 0, 0};
    cJSON *in = items(30, NULL), *out = NULL;

    rec.refuse_call = 2;
    assert_int_equal(ks_bigcommerce_products_update(&out, &st, s->bc, in),
                     KS_ETOOBIG);
    assert_int_equal(rec.n, 2); /* the third chunk was never sent */
    assert_int_equal(st.ok, 10);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(out, "data")), 10);
    assert_non_null(strstr(ks_client_last_error(s->client)->message,
                           "maximum items allowed"));
    cJSON_Delete(out);
    cJSON_Delete(in);
}

static void inventory_over_2000_items_is_split(void **state)
{
    struct stub *s = *state;
    struct ks_bigcommerce_batch_stats st = {0, 0, 0};
    cJSON *in = cJSON_CreateArray(), *ids = NULL;

    for (int i = 0; i < 4500; i++) {
        cJSON *o = cJSON_CreateObject();

        cJSON_AddNumberToObject(o, "location_id", 1);
        cJSON_AddNumberToObject(o, "variant_id", 1000 + i);
        cJSON_AddNumberToObject(o, "quantity", i % 7);
        cJSON_AddItemToArray(in, o);
    }
    assert_int_equal(
        ks_bigcommerce_inventory_absolute(&ids, &st, s->bc, "erp sync", in),
        KS_OK);
    assert_int_equal(rec.n, 3);
    assert_int_equal(rec.sizes[0], 2000);
    assert_int_equal(rec.sizes[1], 2000);
    assert_int_equal(rec.sizes[2], 500);
    assert_string_equal(rec.reason, "erp sync");
    assert_int_equal(cJSON_GetArraySize(ids), 3);
    assert_string_equal(cJSON_GetArrayItem(ids, 2)->valuestring, "tx-3");
    cJSON_Delete(ids);
    cJSON_Delete(in);
}

static void customers_are_created_ten_at_a_time(void **state)
{
    struct stub *s = *state;
    struct ks_bigcommerce_batch_stats st = {0, 0, 0};
    cJSON *in = items(25, NULL), *out = NULL;

    assert_int_equal(ks_bigcommerce_customers_create(&out, &st, s->bc, in),
                     KS_OK);
    assert_int_equal(rec.n, 3);
    assert_int_equal(rec.sizes[2], 5);
    assert_int_equal(cJSON_GetArraySize(out), 25);
    cJSON_Delete(out);
    cJSON_Delete(in);
}

static void empty_input_sends_nothing(void **state)
{
    struct stub *s = *state;
    struct ks_bigcommerce_batch_stats st = {0, 0, 0};
    cJSON *in = cJSON_CreateArray();

    assert_int_equal(ks_bigcommerce_products_update(NULL, &st, s->bc, in),
                     KS_OK);
    assert_int_equal(rec.n, 0);
    assert_int_equal(st.requests, 0);
    cJSON_Delete(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(chunk_count_is_ceiling_of_total_over_limit),
        cmocka_unit_test(slice_copies_the_requested_window),
        cmocka_unit_test_setup_teardown(twenty_three_products_take_three_puts,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(variants_go_fifty_at_a_time, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            partial_success_counts_failures_without_failing, setup, teardown),
        cmocka_unit_test_setup_teardown(
            refused_chunk_stops_with_etoobig_after_earlier_ones, setup,
            teardown),
        cmocka_unit_test_setup_teardown(inventory_over_2000_items_is_split,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(customers_are_created_ten_at_a_time,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(empty_input_sends_nothing, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
