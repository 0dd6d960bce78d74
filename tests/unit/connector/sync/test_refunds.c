/* unit.sync.refunds: WooCommerce refunds are noted once on the Epicor
 * sales order of their web order; a refund of an order not imported yet
 * waits in the outbox. */
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

#define ORDER                                                                  \
    "{\"billing\":{\"email\":\"orders@acme.example\"},\"line_items\":[{"       \
    "\"sku\":\"GADGET-1\",\"quantity\":2,\"price\":149}]}"

static void refund(struct sx *x, int64_t order, const char *amount,
                   const char *reason)
{
    char args[160];

    ks_clock_advance_ms(x->clock, 5000);
    snprintf(args, sizeof(args),
             "{\"order_id\":%lld,\"amount\":\"%s\",\"reason\":\"%s\"}",
             (long long)order, amount, reason);
    cJSON_Delete(kt_act(x->wc, "add_refund", args));
}

/* The OrderComment of the one order (borrowed from *snap). */
static const char *comment(cJSON **snap, struct sx *x)
{
    const cJSON *c =
        kt_at(snap, x->epi, "companies/EPIC06/SalesOrders/0/OrderComment");

    return cJSON_IsString(c) ? c->valuestring : "";
}

static int count(const char *hay, const char *needle)
{
    int n = 0;

    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void refunds_are_recorded_once_each(void **state)
{
    struct ks_sync_stats s;
    struct sx *x = *state;
    cJSON *snap = NULL;
    const char *c;
    int64_t id;

    id = sx_place_order(NULL, x, x->wc, ORDER);
    assert_int_equal(ks_sync_orders_from_woocommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.created, 1);
    refund(x, id, "20.50", "damaged box");
    assert_int_equal(ks_sync_refunds_from_woocommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.created, 1);
    c = comment(&snap, x);
    assert_int_equal(count(c, "[kinsync refund WC-R"), 1);
    assert_non_null(strstr(c, "20.5"));
    assert_non_null(strstr(c, "damaged box"));
    cJSON_Delete(snap);

    /* a second refund: only it is written */
    refund(x, id, "5.00", "late");
    assert_int_equal(ks_sync_refunds_from_woocommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.created, 1);
    assert_int_equal(s.unchanged, 1);
    c = comment(&snap, x);
    assert_int_equal(count(c, "[kinsync refund WC-R"), 2);
    cJSON_Delete(snap);
    /* nothing new: no Epicor write */
    {
        size_t before = kt_count(x->epi->server, "POST *");

        assert_int_equal(ks_sync_refunds_from_woocommerce(&s, x->sync), KS_OK);
        assert_int_equal(s.created, 0);
        assert_int_equal(kt_count(x->epi->server, "POST *"), before);
    }
    assert_int_equal(sx_audit(x, "refunds.woocommerce", "ok"), 2);
    /* the order's totals are untouched */
    {
        const cJSON *amt =
            kt_at(&snap, x->epi, "companies/EPIC06/SalesOrders/0/OrderAmt");

        assert_int_equal((long)(amt->valuedouble * 100 + 0.5), 29800);
        cJSON_Delete(snap);
    }
}

static void refund_before_import_waits_in_the_outbox(void **state)
{
    struct ks_sync_stats s;
    struct sx *x = *state;
    cJSON *snap = NULL;
    int64_t id, n = 0;

    id = sx_place_order(NULL, x, x->wc, ORDER);
    refund(x, id, "10.00", "goodwill");
    assert_int_equal(ks_sync_refunds_from_woocommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.failed, 1);
    assert_int_equal(ks_store_outbox_count(&n, x->st, "refunds.woocommerce"),
                     KS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ks_sync_orders_from_woocommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.created, 1);
    assert_int_equal(ks_sync_replay_failed(&s, x->sync), KS_OK);
    assert_int_equal(s.created, 1);
    assert_int_equal(ks_store_outbox_count(&n, x->st, NULL), KS_OK);
    assert_int_equal(n, 0);
    assert_int_equal(count(comment(&snap, x), "[kinsync refund WC-R"), 1);
    cJSON_Delete(snap);
}

static void crash_after_the_refund_write_records_it_once(void **state)
{
    struct ks_sync_stats s;
    struct sx *x = *state;
    cJSON *snap = NULL;
    int64_t id;

    id = sx_place_order(NULL, x, x->wc, ORDER);
    assert_int_equal(ks_sync_orders_from_woocommerce(&s, x->sync), KS_OK);
    refund(x, id, "1.99", "scratch");
    sx_reopen(x, "after_remote_write");
    assert_int_equal(ks_sync_refunds_from_woocommerce(&s, x->sync), KS_ECRASH);
    sx_reopen(x, NULL);
    assert_int_equal(ks_sync_refunds_from_woocommerce(&s, x->sync), KS_OK);
    assert_int_equal(count(comment(&snap, x), "[kinsync refund WC-R"), 1);
    cJSON_Delete(snap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SX_TEST(refunds_are_recorded_once_each),
        SX_TEST(refund_before_import_waits_in_the_outbox),
        SX_TEST(crash_after_the_refund_write_records_it_once),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
