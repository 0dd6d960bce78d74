/* unit.sync.alloc: every allocation of the connector failing in turn
 * (the emulators allocate outside ks__malloc and are unaffected) during an
 * order import and a catalog sync, state kept between the attempts as a
 * real retry would keep it: each run returns KS_ENOMEM or succeeds, never
 * crashes, leaks nothing (ASan), and no attempt ever writes a second
 * sales order or a second product. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "core/internal.h"
#include "sx.h"

typedef ks_rc (*flow_fn)(struct ks_sync_stats *, struct ks_sync *);

/* Runs flow with the n-th allocation failing for n = 1.. until a run
 * sees no failure; check() asserts the invariant after every run. */
static void torture(struct sx *x, flow_fn flow,
                    void (*check)(struct sx *x, int final))
{
    int done = 0;
    uint64_t n;

    for (n = 1; n < 20000 && !done; n++) {
        struct ks_sync_stats s;
        ks_rc rc;

        ks__alloc_fail_at(n);
        rc = flow(&s, x->sync);
        done = ks__alloc_count() < n;
        ks__alloc_fail_at(0);
        if (rc != KS_OK && rc != KS_ENOMEM)
            fail_msg("allocation %llu: %s (%s)", (unsigned long long)n,
                     ks_rc_name(rc), ks_sync_last_error(x->sync)->message);
        check(x, 0);
    }
    assert_true(done);
    /* the flow allocates: the loop went through real failure points */
    assert_true(n > 20);
    fprintf(stderr, "# %llu allocation points\n", (unsigned long long)n - 1);
    check(x, 1);
}

static void one_order_at_most(struct sx *x, int final)
{
    int n = sx_orders_with_po(x, "BC-100");
    int64_t queued = 0;

    assert_true(n <= 1);
    if (!final)
        return;
    /* imported, or (if a failure split header and lines) in the outbox */
    assert_int_equal(n, 1);
    assert_int_equal(ks_store_outbox_count(&queued, x->st, NULL), KS_OK);
    if (queued == 0) {
        struct ks_intent in;

        assert_int_equal(ks_store_intent_get(&in, x->st, "order", "BC-100"),
                         KS_OK);
        assert_int_equal(in.state, KS_INTENT_DONE);
    }
}

static void order_import_survives_every_allocation_failure(void **state)
{
    struct sx *x = *state;

    sx_place_order(NULL, x, x->bc,
                   "{\"billing_address\":{\"email\":\"new@shop.example\","
                   "\"first_name\":\"Bo\"},\"products\":[{\"sku\":"
                   "\"WIDGET-100\",\"quantity\":2,\"price\":12.5}]}");
    torture(x, ks_sync_orders_from_bigcommerce, one_order_at_most);
}

static void three_products_at_most(struct sx *x, int final)
{
    int n = kt_size(x->bc, "products");

    assert_true(n <= 3);
    if (final)
        assert_int_equal(n, 3);
}

static void catalog_sync_survives_every_allocation_failure(void **state)
{
    struct sx *x = *state;

    torture(x, ks_sync_parts_to_bigcommerce, three_products_at_most);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SX_TEST(order_import_survives_every_allocation_failure),
        SX_TEST(catalog_sync_survives_every_allocation_failure),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
