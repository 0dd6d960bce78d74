/* The thin webhook payload: its hash and the scope-specific data. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "bigcommerce/bigcommerce_int.h"

#define BODY                                                                   \
    "{\"scope\":\"store/order/created\",\"store_id\":\"1000001\",\"data\":{"   \
    "\"type\":\"order\",\"id\":250},\"hash\":"                                 \
    "\"7e5fe85589910975fb113a909be28a4d615113e0\",\"created_at\":1767600000,"  \
    "\"producer\":\"stores/abc123\"}"

static void payload_hash_is_sha1_of_the_payload_without_hash(void **state)
{
    char hex[41];

    (void)state;
    /* sha1 of the same JSON without "hash", computed with Python. */
    assert_int_equal(ks_bigcommerce_payload_hash(hex, BODY, strlen(BODY)),
                     KS_OK);
    assert_string_equal(hex, "7e5fe85589910975fb113a909be28a4d615113e0");
}

static void payload_hash_ignores_whitespace_but_not_content(void **state)
{
    const char *spaced =
        "{ \"scope\": \"store/order/created\", \"store_id\": \"1000001\", "
        "\"data\": {\"type\": \"order\", \"id\": 250}, \"created_at\": "
        "1767600000, \"producer\": \"stores/abc123\" }";
    const char *other =
        "{\"scope\":\"store/order/created\",\"store_id\":\"1000001\","
        "\"data\":{\"type\":\"order\",\"id\":251},\"created_at\":1767600000,"
        "\"producer\":\"stores/abc123\"}";
    char a[41], b[41];

    (void)state;
    assert_int_equal(ks_bigcommerce_payload_hash(a, spaced, strlen(spaced)),
                     KS_OK);
    assert_string_equal(a, "7e5fe85589910975fb113a909be28a4d615113e0");
    assert_int_equal(ks_bigcommerce_payload_hash(b, other, strlen(other)),
                     KS_OK);
    assert_string_not_equal(a, b);
}

static void payload_hash_of_non_object_is_eparse(void **state)
{
    char hex[41];

    (void)state;
    assert_int_equal(ks_bigcommerce_payload_hash(hex, "[1]", 3), KS_EPARSE);
    assert_int_equal(ks_bigcommerce_payload_hash(hex, "{", 1), KS_EPARSE);
    assert_string_equal(hex, "");
}

static void status_updated_carries_both_status_ids(void **state)
{
    const char *body = "{\"scope\":\"store/order/statusUpdated\","
                       "\"store_id\":\"7\",\"data\":{\"type\":\"order\","
                       "\"id\":12,\"status\":{\"previous_status_id\":1,"
                       "\"new_status_id\":11}},\"created_at\":5}";
    struct ks_bigcommerce_event ev;

    (void)state;
    memset(&ev, 0, sizeof(ev));
    assert_int_equal(ks__bc_event_parse(&ev, body, strlen(body)), KS_OK);
    assert_int_equal(ev.id, 12);
    assert_int_equal(ev.previous_status_id, 1);
    assert_int_equal(ev.new_status_id, 11);
    assert_string_equal(ev.hash, "");
}

static void sku_inventory_event_names_product_and_variant(void **state)
{
    const char *body =
        "{\"scope\":\"store/sku/inventory/updated\",\"store_id\":\"7\","
        "\"data\":{\"type\":\"sku\",\"id\":461,\"inventory\":{\"product_id\":"
        "167,\"variant_id\":509,\"method\":\"absolute\",\"value\":-2}}}";
    struct ks_bigcommerce_event ev;

    (void)state;
    memset(&ev, 0, sizeof(ev));
    assert_int_equal(ks__bc_event_parse(&ev, body, strlen(body)), KS_OK);
    assert_string_equal(ev.type, "sku");
    assert_int_equal(ev.id, 461); /* the v2 SKU id, not the variant id */
    assert_int_equal(ev.product_id, 167);
    assert_int_equal(ev.variant_id, 509);
}

static void cart_ids_are_strings(void **state)
{
    const char *body = "{\"scope\":\"store/cart/converted\",\"store_id\":"
                       "\"7\",\"data\":{\"type\":\"cart\",\"id\":"
                       "\"09346904-4175-44fd-be53-f7e598531b6c\","
                       "\"orderId\":252}}";
    struct ks_bigcommerce_event ev;

    (void)state;
    memset(&ev, 0, sizeof(ev));
    assert_int_equal(ks__bc_event_parse(&ev, body, strlen(body)), KS_OK);
    assert_int_equal(ev.id, 0);
    assert_string_equal(ev.id_str, "09346904-4175-44fd-be53-f7e598531b6c");
}

/* Numbers beyond int64_t (never converted: that would be undefined
 * behaviour) read as absent: id 0 with no text, the fields' defaults. */
static void numbers_out_of_int64_range_read_as_absent(void **state)
{
    const char *body =
        "{\"scope\":\"store/sku/inventory/updated\",\"created_at\":1e300,"
        "\"data\":{\"type\":\"sku\",\"id\":1e300,\"inventory\":{"
        "\"product_id\":-1e300,\"variant_id\":9.3e18},\"status\":{"
        "\"previous_status_id\":1e19,\"new_status_id\":11}}}";
    struct ks_bigcommerce_event ev;

    (void)state;
    memset(&ev, 0, sizeof(ev));
    assert_int_equal(ks__bc_event_parse(&ev, body, strlen(body)), KS_OK);
    assert_int_equal(ev.id, 0);
    assert_string_equal(ev.id_str, "");
    assert_int_equal(ev.created_at, 0);
    assert_int_equal(ev.product_id, 0);
    assert_int_equal(ev.variant_id, 0);
    assert_int_equal(ev.previous_status_id, -1);
    assert_int_equal(ev.new_status_id, 11);
}

static void payload_without_scope_or_data_is_eparse(void **state)
{
    const char *no_scope = "{\"data\":{\"type\":\"order\",\"id\":1}}";
    const char *no_data = "{\"scope\":\"store/order/created\"}";
    struct ks_bigcommerce_event ev;

    (void)state;
    assert_int_equal(ks__bc_event_parse(&ev, no_scope, strlen(no_scope)),
                     KS_EPARSE);
    assert_int_equal(ks__bc_event_parse(&ev, no_data, strlen(no_data)),
                     KS_EPARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(payload_hash_is_sha1_of_the_payload_without_hash),
        cmocka_unit_test(payload_hash_ignores_whitespace_but_not_content),
        cmocka_unit_test(payload_hash_of_non_object_is_eparse),
        cmocka_unit_test(status_updated_carries_both_status_ids),
        cmocka_unit_test(sku_inventory_event_names_product_and_variant),
        cmocka_unit_test(cart_ids_are_strings),
        cmocka_unit_test(payload_without_scope_or_data_is_eparse),
        cmocka_unit_test(numbers_out_of_int64_range_read_as_absent),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
