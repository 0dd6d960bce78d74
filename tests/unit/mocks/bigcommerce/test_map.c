/* The catalog's string-keyed hash map: every key found after the table grew
 * many times, replaced values, deleted keys gone and their slots reused,
 * and keys whose hashes collide in the table told apart by their text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "bigcommerce/bigcommerce_emu.h"

#define N 10000

static void *value_of(int i)
{
    return (void *)(uintptr_t)(i + 1);
}

static void keys_survive_growth_replacement_and_deletion(void **state)
{
    struct km__bigcommerce_map m;
    char key[32];

    (void)state;
    memset(&m, 0, sizeof(m));
    assert_null(km__bigcommerce_map_get(&m, "GEN-000001")); /* empty */
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof(key), "GEN-%06d", i);
        km__bigcommerce_map_put(&m, key, value_of(i));
    }
    assert_true(m.cap >= N);
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof(key), "GEN-%06d", i);
        assert_ptr_equal(km__bigcommerce_map_get(&m, key), value_of(i));
    }
    assert_null(km__bigcommerce_map_get(&m, "GEN-010000"));
    assert_null(km__bigcommerce_map_get(&m, "GEN-00000")); /* a prefix */
    /* Replace the even ones, delete every third. */
    for (int i = 0; i < N; i += 2) {
        snprintf(key, sizeof(key), "GEN-%06d", i);
        km__bigcommerce_map_put(&m, key, value_of(N + i));
    }
    for (int i = 0; i < N; i += 3) {
        snprintf(key, sizeof(key), "GEN-%06d", i);
        km__bigcommerce_map_del(&m, key);
    }
    for (int i = 0; i < N; i++) {
        void *want = i % 3 == 0   ? NULL
                     : i % 2 == 0 ? value_of(N + i)
                                  : value_of(i);

        snprintf(key, sizeof(key), "GEN-%06d", i);
        assert_ptr_equal(km__bigcommerce_map_get(&m, key), want);
    }
    /* Deleted keys come back (into tombstones or fresh slots). */
    for (int i = 0; i < N; i += 3) {
        snprintf(key, sizeof(key), "GEN-%06d", i);
        km__bigcommerce_map_put(&m, key, value_of(2 * N + i));
    }
    for (int i = 0; i < N; i += 3) {
        snprintf(key, sizeof(key), "GEN-%06d", i);
        assert_ptr_equal(km__bigcommerce_map_get(&m, key), value_of(2 * N + i));
    }
    km__bigcommerce_map_del(&m, "not there"); /* no effect */
    km__bigcommerce_map_del(&m, NULL);
    assert_null(km__bigcommerce_map_get(&m, NULL));
    km__bigcommerce_map_dispose(&m);
    assert_int_equal(m.cap, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys_survive_growth_replacement_and_deletion),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
