/*
 * Allocation-failure torture: the n-th allocation of the library fails,
 * for every n, over open and a round of operations. Each run must end in
 * KS_OK or KS_ENOMEM without a crash or a leak (ASan checks the leaks).
 * Only the library's own allocations (ks__malloc) fail; SQLite, libpq and
 * OpenSSL keep their allocators.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <kinsync/testing.h>
#include "core/internal.h"
#include "kinsync/store.h"
#include "kinsync/store_workers.h"
#include "kt_store.h"

#define KEY "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static int noop(const struct ks_outbox_item *it, void *ud)
{
    (void)it;
    (void)ud;
    return 0;
}

#define STEP(call)                                                             \
    do {                                                                       \
        rc = (call);                                                           \
        if (rc)                                                                \
            goto out;                                                          \
    } while (0)

static ks_rc run_once(const char *state)
{
    struct ks_store_options o = KS_STORE_OPTIONS_INIT;
    struct ks_store *st = NULL;
    struct ks_delivery *d = NULL;
    struct ks_lease lease;
    struct ks_intent in;
    char *v = NULL;
    ks_rc rc;

    o.path = state;
    o.key_env = "KS_TEST_ALLOC_KEY";
    STEP(ks_store_open(&st, &o));
    STEP(ks_testing_store_crash_arm(st, "never_reached"));
    STEP(ks_store_cursor_set(st, "parts", "Part", "1"));
    STEP(ks_store_cursor_get(&v, st, "parts", "Part"));
    ks_store_string_free(v);
    v = NULL;
    STEP(ks_store_map_put(st, "order", "1", "2"));
    STEP(ks_store_map_get(&v, st, "order", "1"));
    ks_store_string_free(v);
    v = NULL;
    STEP(ks_store_map_find_reverse(&v, st, "order", "2"));
    ks_store_string_free(v);
    v = NULL;
    STEP(ks_store_intent_begin(&in, st, "order", "1", "h"));
    STEP(ks_store_intent_complete(st, "order", "1", "2"));
    STEP(ks_store_outbox_add(NULL, st, "orders", "order", "3", "{}", "x", 1));
    STEP(ks_store_outbox_each(st, NULL, noop, NULL));
    STEP(ks_store_seen_add(st, "bc", "d", 1));
    STEP(ks_store_secret_put(st, "epicor.password", "hunter2"));
    STEP(ks_store_secret_get(&v, st, "epicor.password"));
    assert_string_equal(v, "hunter2");
    ks_store_secret_dispose(v);
    v = NULL;
    STEP(ks_store_lease_acquire(&lease, st, "acme", "orders", "w1", 1000));
    STEP(ks_store_delivery_enqueue(NULL, st, "acme", "order", "1", "{}"));
    STEP(ks_store_delivery_claim(&d, st, NULL, "w1", 1000));
    STEP(ks_store_delivery_done(st, d->id));
out:
    ks_store_delivery_free(d);
    ks_store_close(st);
    return rc;
}

static void every_allocation_failure_unwinds_cleanly(void **state)
{
    uint64_t n;
    int enomem = 0;
    ks_rc rc = KS_ERROR;

    (void)state;
    assert_int_equal(setenv("KS_TEST_ALLOC_KEY", KEY, 1), 0);
    for (n = 1; n < 1000; n++) {
        char *fresh = kt_store_fresh(); /* before the failures start */

        ks__alloc_fail_at(n);
        rc = run_once(fresh);
        ks__alloc_fail_at(0);
        free(fresh);
        if (rc == KS_OK)
            break;
        assert_int_equal(rc, KS_ENOMEM);
        enomem++;
    }
    assert_int_equal(rc, KS_OK);
    assert_true(enomem > 0);
    unsetenv("KS_TEST_ALLOC_KEY");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_allocation_failure_unwinds_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
