/* unit.sync.orders: web orders from BigCommerce and WooCommerce become
 * exactly one Epicor sales order each, with the right lines, customer and
 * totals to the cent; duplicate and out-of-order webhook events. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "sx.h"
#include "sync/sync_int.h"

/* BigCommerce: 3 x WIDGET-100 at 12.50 and 1 x GADGET-1 at 149.00, 7.25
 * shipping (not a line in Epicor). */
#define BC_ORDER(email, status)                                                \
    "{\"customer\":{\"email\":\"" email "\",\"first_name\":\"Ann\","           \
    "\"last_name\":\"Lee\"},\"status_id\":" #status ",\"shipping_cost\":7.25," \
    "\"billing_address\":{\"email\":\"" email "\",\"first_name\":\"Ann\","     \
    "\"last_name\":\"Lee\",\"city\":\"Duluth\"},\"products\":["                \
    "{\"sku\":\"WIDGET-100\",\"quantity\":3,\"price\":12.5},"                  \
    "{\"sku\":\"GADGET-1\",\"quantity\":1,\"price\":149}]}"

static long cents(const cJSON *v)
{
    double d =
        cJSON_IsString(v) ? strtod(v->valuestring, NULL) : v->valuedouble;

    return (long)(d * 100 + (d < 0 ? -0.5 : 0.5));
}

static void check_lines(const cJSON *order)
{
    const cJSON *dtls = cJSON_GetObjectItem(order, "OrderDtls");
    const cJSON *l0 = cJSON_GetArrayItem(dtls, 0),
                *l1 = cJSON_GetArrayItem(dtls, 1);

    assert_int_equal(cJSON_GetArraySize(dtls), 2);
    assert_string_equal(cJSON_GetObjectItem(l0, "PartNum")->valuestring,
                        "WIDGET-100");
    assert_int_equal(cents(cJSON_GetObjectItem(l0, "SellingQuantity")), 300);
    assert_int_equal(cents(cJSON_GetObjectItem(l0, "DocUnitPrice")), 1250);
    assert_string_equal(cJSON_GetObjectItem(l1, "PartNum")->valuestring,
                        "GADGET-1");
    assert_int_equal(cents(cJSON_GetObjectItem(l1, "DocUnitPrice")), 14900);
    /* goods total to the cent: 3 x 12.50 + 149.00 */
    assert_int_equal(cents(cJSON_GetObjectItem(order, "OrderAmt")), 18650);
}

static void bigcommerce_order_becomes_one_sales_order(void **state)
{
    struct ks_sync_stats s;
    struct sx *x = *state;
    cJSON *snap = NULL;
    const cJSON *o;
    char po[SX_PO_SIZE];

    sx_place_order(po, x, x->bc, BC_ORDER("orders@acme.example", 11));
    assert_int_equal(ks_sync_orders_from_bigcommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.created, 1);
    assert_int_equal(s.failed, 0);
    o = sx_epicor_order(&snap, x, po);
    /* the buyer's e-mail is ACME's: no new customer */
    assert_int_equal((long)cJSON_GetObjectItem(o, "CustNum")->valuedouble, 10);
    check_lines(o);
    cJSON_Delete(snap);
    assert_int_equal(sx_audit(x, "orders.bigcommerce", "ok"), 1);

    /* the next poll sees the order again (inclusive cursor) and skips it
     * without fetching it */
    assert_int_equal(ks_sync_orders_from_bigcommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.created, 0);
    assert_int_equal(s.skipped, 1);
    assert_int_equal(
        kt_count(x->bc->server, "GET /stores/sx1/v2/orders/*/products*"), 1);
    assert_int_equal(sx_orders_with_po(x, po), 1);
}

static void new_buyer_is_created_once_and_reused(void **state)
{
    struct ks_sync_stats s;
    struct sx *x = *state;
    cJSON *snap = NULL;
    const cJSON *c, *all;
    int n = 0;
    int64_t num = 0;

    sx_place_order(NULL, x, x->bc, BC_ORDER("ann@shop.example", 11));
    sx_place_order(NULL, x, x->bc, BC_ORDER("ann@shop.example", 11));
    assert_int_equal(ks_sync_orders_from_bigcommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.created, 2);
    all = kt_at(&snap, x->epi, "companies/EPIC06/Customers");
    cJSON_ArrayForEach(c, all)
    {
        if (strcmp(cJSON_GetObjectItem(c, "EMailAddress")->valuestring,
                   "ann@shop.example") == 0) {
            n++;
            num = (int64_t)cJSON_GetObjectItem(c, "CustNum")->valuedouble;
            assert_string_equal(cJSON_GetObjectItem(c, "Name")->valuestring,
                                "Ann Lee");
        }
    }
    assert_int_equal(n, 1);
    cJSON_Delete(snap);
    all = kt_at(&snap, x->epi, "companies/EPIC06/SalesOrders");
    n = 0;
    cJSON_ArrayForEach(c, all)
    {
        n += (int64_t)cJSON_GetObjectItem(c, "CustNum")->valuedouble == num;
    }
    cJSON_Delete(snap);
    assert_int_equal(n, 2);
}

static void event(struct ks_bigcommerce_event *ev, const char *scope,
                  const char *webhook_id, int64_t id)
{
    memset(ev, 0, sizeof(*ev));
    ev->auth = KS_BIGCOMMERCE_WEBHOOK_SIGNATURE;
    snprintf(ev->scope, sizeof(ev->scope), "%s", scope);
    snprintf(ev->webhook_id, sizeof(ev->webhook_id), "%s", webhook_id);
    snprintf(ev->type, sizeof(ev->type), "order");
    ev->id = id;
    snprintf(ev->id_str, sizeof(ev->id_str), "%lld", (long long)id);
}

static void duplicate_and_out_of_order_events_make_one_order(void **state)
{
    struct ks_bigcommerce_event created, updated;
    struct ks_sync_stats s;
    struct sx *x = *state;
    char po[SX_PO_SIZE], args[96];
    int64_t id;

    /* placed as Pending (1): not an order to fulfil yet */
    id = sx_place_order(po, x, x->bc, BC_ORDER("orders@acme.example", 1));
    event(&created, "store/order/created", "msg_1", id);
    event(&updated, "store/order/statusUpdated", "msg_2", id);
    assert_int_equal(
        ks_sync_order_from_bigcommerce_event(&s, x->sync, &created), KS_OK);
    assert_int_equal(s.skipped, 1);
    assert_int_equal(sx_orders_with_po(x, po), 0);

    /* paid: the status event arrives and imports the order as it is now */
    snprintf(args, sizeof(args), "{\"id\":%lld,\"status_id\":11}",
             (long long)id);
    cJSON_Delete(kt_act(x->bc, "update_order_status", args));
    assert_int_equal(
        ks_sync_order_from_bigcommerce_event(&s, x->sync, &updated), KS_OK);
    assert_int_equal(s.created, 1);
    assert_int_equal(sx_orders_with_po(x, po), 1);

    /* a platform retry of the same delivery, and the first event again
     * late: both are duplicates and cost no request */
    {
        size_t before =
            kt_count(x->bc->server, "*") + kt_count(x->epi->server, "*");

        assert_int_equal(
            ks_sync_order_from_bigcommerce_event(&s, x->sync, &updated), KS_OK);
        assert_int_equal(s.skipped, 1);
        assert_int_equal(
            ks_sync_order_from_bigcommerce_event(&s, x->sync, &created), KS_OK);
        assert_int_equal(s.skipped, 1);
        assert_int_equal(kt_count(x->bc->server, "*") +
                             kt_count(x->epi->server, "*"),
                         before);
    }
    assert_int_equal(sx_orders_with_po(x, po), 1);
    assert_int_equal(sx_audit(x, "orders.bigcommerce", "duplicate"), 2);
    /* the backfill poll agrees */
    assert_int_equal(ks_sync_orders_from_bigcommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.created, 0);
    assert_int_equal(sx_orders_with_po(x, po), 1);
}

static void non_order_events_are_skipped(void **state)
{
    struct ks_bigcommerce_event ev;
    struct ks_sync_stats s;
    struct sx *x = *state;

    event(&ev, "store/product/updated", "msg_9", 101);
    snprintf(ev.type, sizeof(ev.type), "product");
    assert_int_equal(ks_sync_order_from_bigcommerce_event(&s, x->sync, &ev),
                     KS_OK);
    assert_int_equal(s.skipped, 1);
    assert_int_equal(kt_count(x->bc->server, "*"), 0);
}

static void woocommerce_order_becomes_one_sales_order(void **state)
{
    struct ks_sync_stats s;
    struct sx *x = *state;
    cJSON *snap = NULL;
    const cJSON *o;
    char po[SX_PO_SIZE];
    int64_t id;

    id =
        sx_place_order(po, x, x->wc,
                       "{\"billing\":{\"email\":\"orders@acme.example\","
                       "\"first_name\":\"Ann\"},\"shipping_total\":\"4.00\","
                       "\"line_items\":[{\"sku\":\"WIDGET-100\",\"quantity\":3,"
                       "\"price\":12.5},{\"sku\":\"GADGET-1\",\"quantity\":1,"
                       "\"price\":149}]}");
    assert_int_equal(ks_sync_orders_from_woocommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.created, 1);
    o = sx_epicor_order(&snap, x, po);
    assert_int_equal((long)cJSON_GetObjectItem(o, "CustNum")->valuedouble, 10);
    check_lines(o);
    cJSON_Delete(snap);
    /* again: the order is seen (one second of overlap) and skipped */
    assert_int_equal(ks_sync_orders_from_woocommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.created, 0);
    assert_int_equal(sx_orders_with_po(x, po), 1);
    /* and by id, as a webhook would name it */
    assert_int_equal(ks_sync_order_from_woocommerce_id(&s, x->sync, id), KS_OK);
    assert_int_equal(s.skipped, 1);
    assert_int_equal(sx_orders_with_po(x, po), 1);
}

static void woocommerce_pending_order_waits_for_payment(void **state)
{
    struct ks_sync_stats s;
    struct sx *x = *state;
    char po[SX_PO_SIZE], args[96];
    int64_t id;

    id = sx_place_order(po, x, x->wc,
                        "{\"status\":\"pending\",\"billing\":{\"email\":"
                        "\"orders@acme.example\"},\"line_items\":[{\"sku\":"
                        "\"GADGET-1\",\"quantity\":2,\"price\":149}]}");
    assert_int_equal(ks_sync_orders_from_woocommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.skipped, 1);
    assert_int_equal(sx_orders_with_po(x, po), 0);
    ks_clock_advance_ms(x->clock, 60000);
    snprintf(args, sizeof(args), "{\"id\":%lld,\"status\":\"processing\"}",
             (long long)id);
    cJSON_Delete(kt_act(x->wc, "update_order", args));
    assert_int_equal(ks_sync_orders_from_woocommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.created, 1);
    assert_int_equal(sx_orders_with_po(x, po), 1);
}

/* WooCommerce's modified_after is exclusive: the poll asks from one second
 * before the cursor, across day and year boundaries. */
static void poll_starts_one_second_before_the_cursor(void **state)
{
    char out[32];

    (void)state;
    ks__sync_second_before(out, "2026-01-05T08:00:00");
    assert_string_equal(out, "2026-01-05T07:59:59");
    ks__sync_second_before(out, "2000-01-01T00:00:00");
    assert_string_equal(out, "1999-12-31T23:59:59");
    ks__sync_second_before(out, "2024-03-01T00:00:00.250");
    assert_string_equal(out, "2024-02-29T23:59:59");
    ks__sync_second_before(out, "not a date");
    assert_string_equal(out, "not a date");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(poll_starts_one_second_before_the_cursor),
        SX_TEST(bigcommerce_order_becomes_one_sales_order),
        SX_TEST(new_buyer_is_created_once_and_reused),
        SX_TEST(duplicate_and_out_of_order_events_make_one_order),
        SX_TEST(non_order_events_are_skipped),
        SX_TEST(woocommerce_order_becomes_one_sales_order),
        SX_TEST(woocommerce_pending_order_waits_for_payment),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
