/* The store unit tests' own helpers (see helpers.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "helpers.h"

struct ks_store *th_open_memory(void)
{
    struct ks_store_options o = KS_STORE_OPTIONS_INIT;
    struct ks_store *st = NULL;

    assert_int_equal(ks_store_open(&st, &o), KS_OK);
    assert_non_null(st);
    return st;
}

int th_open_file(struct ks_store **out, const char *path, const char *key_file)
{
    struct ks_store_options o = KS_STORE_OPTIONS_INIT;

    o.path = path;
    o.key_file = key_file;
    return ks_store_open(out, &o);
}

int th_setup(void **state)
{
    *state = th_open_memory();
    return 0;
}

int th_teardown(void **state)
{
    ks_store_close(*state);
    return 0;
}

void th_remove(char *dir, char *path)
{
    kt_rmdir(dir);
    free(path);
    free(dir);
}
