/* unit.sync.crash: a crash injected at every point around the remote
 * writes of an order import (store crash points), then a restart and a
 * rerun: exactly one sales order, one customer, and the intent done. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "sx.h"
#include <kinsync/testing.h>

/* A guest buyer Epicor does not know, so the import also creates a
 * customer: both remote writes are covered. */
#define ORDER                                                                  \
    "{\"customer\":{\"email\":\"new@shop.example\",\"first_name\":\"Bo\"},"    \
    "\"billing_address\":{\"email\":\"new@shop.example\",\"first_name\":"      \
    "\"Bo\",\"last_name\":\"Ek\"},\"products\":[{\"sku\":\"WIDGET-100\","      \
    "\"quantity\":2,\"price\":12.5}]}"

static int customers_with_email(struct sx *x, const char *email)
{
    cJSON *snap = NULL;
    const cJSON *all = kt_at(&snap, x->epi, "companies/EPIC06/Customers"), *c;
    int n = 0;

    cJSON_ArrayForEach(c, all)
    {
        n += strcmp(cJSON_GetObjectItem(c, "EMailAddress")->valuestring,
                    email) == 0;
    }
    cJSON_Delete(snap);
    return n;
}

static void crash_then_rerun(const char *point, int bigcommerce)
{
    struct ks_sync_stats s;
    struct ks_intent in;
    struct sx x;
    char po[SX_PO_SIZE];
    ks_rc rc;

    sx_start(&x, NULL, NULL, NULL);
    if (bigcommerce) {
        sx_place_order(po, &x, x.bc, ORDER);
    } else {
        sx_place_order(po, &x, x.wc,
                       "{\"billing\":{\"email\":\"new@shop.example\","
                       "\"first_name\":\"Bo\"},\"line_items\":[{\"sku\":"
                       "\"WIDGET-100\",\"quantity\":2,\"price\":12.5}]}");
    }

    sx_reopen(&x, point);
    rc = bigcommerce ? ks_sync_orders_from_bigcommerce(&s, x.sync)
                     : ks_sync_orders_from_woocommerce(&s, x.sync);
    if (rc != KS_ECRASH)
        fail_msg("%s: expected KS_ECRASH, got %s", point, ks_rc_name(rc));

    sx_reopen(&x, NULL); /* the restarted process */
    rc = bigcommerce ? ks_sync_orders_from_bigcommerce(&s, x.sync)
                     : ks_sync_orders_from_woocommerce(&s, x.sync);
    if (rc != KS_OK)
        fail_msg("%s: rerun gave %s: %s", point, ks_rc_name(rc),
                 ks_sync_last_error(x.sync)->message);
    assert_int_equal(s.failed, 0);
    if (sx_orders_with_po(&x, po) != 1)
        fail_msg("%s: %d sales orders for %s", point, sx_orders_with_po(&x, po),
                 po);
    assert_int_equal(customers_with_email(&x, "new@shop.example"), 1);
    assert_int_equal(ks_store_intent_get(&in, x.st, "order", po), KS_OK);
    assert_int_equal(in.state, KS_INTENT_DONE);

    /* and once more: still one */
    rc = bigcommerce ? ks_sync_orders_from_bigcommerce(&s, x.sync)
                     : ks_sync_orders_from_woocommerce(&s, x.sync);
    assert_int_equal(rc, KS_OK);
    assert_int_equal(sx_orders_with_po(&x, po), 1);
    sx_stop(&x);
}

static const char *const points[] = {
    "before_customer_create",
    "after_customer_create",
    "store.intent_begin.before_commit",
    "after_intent_begin", /* before the sales order write */
    "after_remote_write",
    "store.intent_complete.before_commit",
    "after_intent_complete",
};

static void bigcommerce_order_survives_a_crash_at_every_point(void **s0)
{
    (void)s0;
    for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++)
        crash_then_rerun(points[i], 1);
}

static void woocommerce_order_survives_a_crash_at_every_point(void **s0)
{
    (void)s0;
    for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++)
        crash_then_rerun(points[i], 0);
}

/* The crash after the write is the dangerous one: the order exists in
 * Epicor but the intent is pending. The rerun must find it by PONum
 * instead of writing it again, and say so in the audit trail. */
static void pending_intent_is_resolved_by_po_lookup(void **state)
{
    struct ks_sync_stats s;
    struct sx *x = *state;
    size_t posts;

    sx_place_order(NULL, x, x->bc, ORDER);
    sx_reopen(x, "after_remote_write");
    assert_int_equal(ks_sync_orders_from_bigcommerce(&s, x->sync), KS_ECRASH);
    posts = kt_count(x->epi->server, "POST */GetNewOrderHed");
    assert_int_equal(posts, 1);
    sx_reopen(x, NULL);
    assert_int_equal(ks_sync_orders_from_bigcommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.created, 1);
    assert_int_equal(kt_count(x->epi->server, "POST */GetNewOrderHed"), 1);
    assert_int_equal(kt_count(x->epi->server, "GET */SalesOrders*"), 2);
    /* customer.create and order.recover */
    assert_int_equal(sx_audit(x, "orders.bigcommerce", "ok"), 2);
}

static void a_second_order_crash_loses_neither(void **state)
{
    struct ks_sync_stats s;
    struct sx *x = *state;
    char pa[SX_PO_SIZE], pb[SX_PO_SIZE];

    sx_place_order(pa, x, x->bc, ORDER);
    sx_place_order(pb, x, x->bc, ORDER);
    /* the second order's write reaches Epicor, then the process dies */
    sx_reopen(x, "after_remote_write:2");
    assert_int_equal(ks_sync_orders_from_bigcommerce(&s, x->sync), KS_ECRASH);
    assert_int_equal(sx_orders_with_po(x, pa), 1);
    sx_reopen(x, NULL);
    assert_int_equal(ks_sync_orders_from_bigcommerce(&s, x->sync), KS_OK);
    assert_int_equal(sx_orders_with_po(x, pa), 1);
    assert_int_equal(sx_orders_with_po(x, pb), 1);
}

/* A sales order an earlier kinsync cut short after its first line, with
 * no line keys (it saved the lines in order): the pending intent's rerun
 * counts that line by its position and adds the other two, once. */
static void order_cut_short_before_line_keys_is_completed(void **state)
{
    struct ks_sync_stats s;
    struct sx *x = *state;
    struct ks_epicor_order_line first = {"GADGET-1", 2, 149, NULL, NULL};
    struct ks_epicor_order old;
    struct ks_intent in;
    char po[SX_PO_SIZE];
    int64_t num = 0;
    cJSON *snap = NULL;
    const cJSON *dtls;

    sx_place_order(po, x, x->bc,
                   "{\"billing_address\":{\"email\":\"orders@acme.example\"},"
                   "\"products\":[{\"sku\":\"GADGET-1\",\"quantity\":2,"
                   "\"price\":149},{\"sku\":\"WIDGET-100\",\"quantity\":1,"
                   "\"price\":12.5},{\"sku\":\"WIDGET-200\",\"quantity\":4,"
                   "\"price\":19.95}]}");
    memset(&old, 0, sizeof(old));
    old.cust_num = 10;
    old.po_num = po;
    old.lines = &first;
    old.nlines = 1;
    assert_int_equal(ks_epicor_sales_order_create(&num, x->epicor, &old),
                     KS_OK);
    assert_int_equal(
        ks_store_intent_begin(&in, x->st, "order", po, "from-an-older-run"),
        KS_OK);

    assert_int_equal(ks_sync_orders_from_bigcommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.created, 1);
    assert_int_equal(s.failed, 0);
    dtls = cJSON_GetObjectItem(sx_epicor_order(&snap, x, po), "OrderDtls");
    assert_int_equal(cJSON_GetArraySize(dtls), 3);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetArrayItem(dtls, 0), "PartNum")
            ->valuestring,
        "GADGET-1");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetArrayItem(dtls, 1), "PartNum")
            ->valuestring,
        "WIDGET-100");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetArrayItem(dtls, 2), "PartNum")
            ->valuestring,
        "WIDGET-200");
    cJSON_Delete(snap);
    assert_int_equal(kt_count(x->epi->server, "POST */GetNewOrderHed"), 1);
    assert_int_equal(ks_store_intent_get(&in, x->st, "order", po), KS_OK);
    assert_int_equal(in.state, KS_INTENT_DONE);
    assert_int_equal(sx_audit(x, "orders.bigcommerce", "ok"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bigcommerce_order_survives_a_crash_at_every_point),
        cmocka_unit_test(woocommerce_order_survives_a_crash_at_every_point),
        SX_TEST(pending_intent_is_resolved_by_po_lookup),
        SX_TEST(a_second_order_crash_loses_neither),
        SX_TEST(order_cut_short_before_line_keys_is_completed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
