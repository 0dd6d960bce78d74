/* unit.support.buf: the growable buffer and the aborting allocators. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "kx/alloc.h"
#include "kx/buf.h"

static void buffer_appends_formats_and_detaches(void **state)
{
    struct kx_buf b = KX_BUF_INIT;
    char *s;

    (void)state;
    assert_string_equal(kx_buf_str(&b), "");
    for (int i = 0; i < 1000; i++)
        kx_buf_printf(&b, "%d,", i % 10);
    assert_int_equal(b.len, 2000);
    assert_int_equal(strlen(kx_buf_str(&b)), 2000);
    assert_memory_equal(b.data + 1990, "5,6,7,8,9,", 10);
    kx_buf_add(&b, "x\0y", 3);
    assert_int_equal(b.len, 2003);
    s = kx_buf_detach(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(s[2001], '\0');
    free(s);
    s = kx_buf_detach(&b); /* an empty buffer detaches as "" */
    assert_string_equal(s, "");
    free(s);
    kx_buf_puts(&b, "again");
    assert_string_equal(kx_buf_str(&b), "again");
    kx_buf_reset(&b);
    assert_null(b.data);
}

static void grow_doubles_and_keeps_contents(void **state)
{
    size_t cap = 0;
    int *a = NULL;
    char *s;

    (void)state;
    for (int i = 0; i < 100; i++) {
        a = kx_xgrow(a, &cap, (size_t)i + 1, sizeof(*a));
        a[i] = i;
    }
    assert_true(cap >= 100 && cap <= 128);
    for (int i = 0; i < 100; i++)
        assert_int_equal(a[i], i);
    free(a);
    s = kx_xasprintf("%s-%03d", "po", 7);
    assert_string_equal(s, "po-007");
    free(s);
    assert_null(kx_xstrdup(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buffer_appends_formats_and_detaches),
        cmocka_unit_test(grow_doubles_and_keeps_contents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
