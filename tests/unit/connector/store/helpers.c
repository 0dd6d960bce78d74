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
    struct ks_error e;
    char *state = kt_store_fresh();

    o.path = state;
    o.error = &e;
    if (ks_store_open(&st, &o) != KS_OK)
        fail_msg("opening a fresh %s store: %s", kt_store_backend(), e.message);
    free(state);
    assert_non_null(st);
    return st;
}

int th_open_file(struct ks_store **out, const char *path, const char *key_file)
{
    struct ks_store_options o = KS_STORE_OPTIONS_INIT;
    char *state = kt_store_state(path);
    int rc;

    o.path = state;
    o.key_file = key_file;
    rc = ks_store_open(out, &o);
    free(state);
    return rc;
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
    kt_store_forget(path);
    kt_rmdir(dir);
    free(path);
    free(dir);
}
