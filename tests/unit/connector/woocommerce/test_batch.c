/* Batch chunking: at most `limit` items per request across the lists. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "woocommerce/woocommerce_int.h"

static void chunk_count_rounds_up(void **state)
{
    (void)state;
    assert_int_equal(ks__wc_batch_chunks(0, 100), 0);
    assert_int_equal(ks__wc_batch_chunks(100, 100), 1);
    assert_int_equal(ks__wc_batch_chunks(101, 100), 2);
    assert_int_equal(ks__wc_batch_chunks(250, 100), 3);
}

static void two_hundred_fifty_creates_split_100_100_50(void **state)
{
    struct ks__wc_slice s;

    (void)state;
    ks__wc_batch_slice(&s, 250, 0, 0, 100, 0);
    assert_int_equal(s.create_from, 0);
    assert_int_equal(s.create_n, 100);
    ks__wc_batch_slice(&s, 250, 0, 0, 100, 2);
    assert_int_equal(s.create_from, 200);
    assert_int_equal(s.create_n, 50);
    assert_int_equal(s.update_n, 0);
    assert_int_equal(s.delete_n, 0);
}

static void a_chunk_spans_create_update_and_delete(void **state)
{
    struct ks__wc_slice s;

    (void)state;
    /* 60 creates, 30 updates, 30 deletes, limit 100 */
    ks__wc_batch_slice(&s, 60, 30, 30, 100, 0);
    assert_int_equal(s.create_n, 60);
    assert_int_equal(s.update_from, 0);
    assert_int_equal(s.update_n, 30);
    assert_int_equal(s.delete_from, 0);
    assert_int_equal(s.delete_n, 10);
    ks__wc_batch_slice(&s, 60, 30, 30, 100, 1);
    assert_int_equal(s.create_n, 0);
    assert_int_equal(s.update_n, 0);
    assert_int_equal(s.delete_from, 10);
    assert_int_equal(s.delete_n, 20);
}

static void every_item_lands_in_exactly_one_chunk(void **state)
{
    size_t nc = 37, nu = 81, nd = 5, limit = 17, seen = 0;

    (void)state;
    for (size_t i = 0; i < ks__wc_batch_chunks(nc + nu + nd, limit); i++) {
        struct ks__wc_slice s;
        size_t n;

        ks__wc_batch_slice(&s, nc, nu, nd, limit, i);
        n = s.create_n + s.update_n + s.delete_n;
        assert_true(n > 0 && n <= limit);
        seen += n;
    }
    assert_int_equal(seen, nc + nu + nd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(chunk_count_rounds_up),
        cmocka_unit_test(two_hundred_fifty_creates_split_100_100_50),
        cmocka_unit_test(a_chunk_spans_create_update_and_delete),
        cmocka_unit_test(every_item_lands_in_exactly_one_chunk),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
