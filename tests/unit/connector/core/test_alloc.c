/*
 * Allocation: the fail-at-N test mode, the torture pattern over every
 * allocating helper of the core (fail the N-th allocation for every N
 * until the operation succeeds; each failure must be reported, nothing may
 * leak - LeakSanitizer checks at exit), buffers and the cJSON hooks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include "core/internal.h"

typedef ks_rc (*op_fn)(void);

/* Runs op failing at N = 1, 2, ... and returns the first N at which it
 * succeeded; every earlier run must have returned KS_ENOMEM. */
static uint64_t torture(op_fn op)
{
    for (uint64_t n = 1; n < 1000; n++) {
        ks_rc rc;

        ks__alloc_fail_at(n);
        rc = op();
        ks__alloc_fail_at(0);
        if (rc == KS_OK)
            return n;
        assert_int_equal(rc, KS_ENOMEM);
    }
    fail_msg("operation never succeeded");
    return 0;
}

static void nth_allocation_and_every_later_one_fail(void **state)
{
    void *a, *b, *c;

    (void)state;
    ks__alloc_fail_at(2);
    a = ks__malloc(8);
    b = ks__calloc(2, 8);
    c = ks__malloc(8);
    assert_int_equal(ks__alloc_count(), 3);
    ks__alloc_fail_at(0);
    assert_non_null(a);
    assert_null(b);
    assert_null(c);
    ks__free(a);
    a = ks__malloc(8);
    assert_non_null(a);
    ks__free(a);
    ks__free(NULL);
}

static void realloc_failure_keeps_the_old_block(void **state)
{
    char *p = ks__malloc(4), *grown;

    (void)state;
    assert_non_null(p);
    memcpy(p, "abc", 4);
    ks__alloc_fail_at(1);
    grown = ks__realloc(p, 1 << 20);
    ks__alloc_fail_at(0);
    assert_null(grown);
    assert_string_equal(p, "abc");
    ks__free(p);
}

static ks_rc op_aprintf(void)
{
    char *s = ks__aprintf("%s-%d", "abc", 42);
    ks_rc rc = s ? KS_OK : KS_ENOMEM;

    if (s)
        assert_string_equal(s, "abc-42");
    ks__free(s);
    return rc;
}

static void aprintf_fails_cleanly_at_every_allocation(void **state)
{
    (void)state;
    assert_int_equal(torture(op_aprintf), 2); /* exactly one allocation */
}

static ks_rc op_strings(void)
{
    char *a = ks__strdup("hello"), *b = ks__strndup("world!", 5);
    ks_rc rc = a && b ? KS_OK : KS_ENOMEM;

    if (!rc) {
        assert_string_equal(a, "hello");
        assert_string_equal(b, "world");
    }
    ks__free(a);
    ks__free(b);
    return rc;
}

static void string_copies_fail_cleanly(void **state)
{
    (void)state;
    assert_int_equal(torture(op_strings), 3);
    assert_null(ks__strdup(NULL));
}

static ks_rc op_buf(void)
{
    struct ks__buf b = KS__BUF_INIT;
    char *out;

    for (int i = 0; i < 200; i++)
        ks__buf_puts(&b, "0123456789");
    ks__buf_printf(&b, "[%d]", 7);
    out = ks__buf_detach(&b); /* NULL when any append failed */
    if (!out)
        return KS_ENOMEM;
    assert_int_equal(strlen(out), 2003);
    assert_string_equal(out + 2000, "[7]");
    ks__free(out);
    return KS_OK;
}

static void buffer_fails_cleanly_at_every_growth(void **state)
{
    (void)state;
    assert_true(torture(op_buf) > 3); /* it grew several times */
}

static void buffer_failure_is_sticky(void **state)
{
    struct ks__buf b = KS__BUF_INIT;

    (void)state;
    ks__alloc_fail_at(1);
    assert_int_equal(ks__buf_puts(&b, "a"), KS_ENOMEM);
    ks__alloc_fail_at(0);
    assert_int_equal(ks__buf_puts(&b, "b"), KS_ENOMEM);
    assert_int_equal(b.oom, 1);
    assert_null(ks__buf_detach(&b));
    assert_int_equal(ks__buf_puts(&b, "c"), KS_OK); /* detach resets */
    assert_string_equal(b.data, "c");
    ks__buf_dispose(&b);
}

static void empty_buffer_detaches_as_empty_string(void **state)
{
    struct ks__buf b = KS__BUF_INIT;
    char *s = ks__buf_detach(&b);

    (void)state;
    assert_non_null(s);
    assert_string_equal(s, "");
    ks__free(s);
}

static void buffer_holds_binary_data(void **state)
{
    struct ks__buf b = KS__BUF_INIT;

    (void)state;
    assert_int_equal(ks__buf_append(&b, "a\0b", 3), KS_OK);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "a\0b", 4);
    ks__buf_dispose(&b);
    assert_null(b.data);
}

static ks_rc op_client(void)
{
    struct ks_client *client = NULL;
    struct ks_client_options opts = KS_CLIENT_OPTIONS_INIT;
    ks_rc rc;

    opts.user_agent = "torture/1";
    rc = ks_client_new(&client, &opts);
    if (rc == KS_OK)
        rc = ks_client_add_secret(client, "s3cret-1");
    if (rc == KS_OK)
        rc = ks_client_add_secret(client, "s3cret-2");
    if (rc != KS_OK)
        assert_true(rc == KS_ENOMEM);
    ks_client_free(client);
    return rc;
}

static void client_creation_fails_cleanly(void **state)
{
    (void)state;
    assert_true(torture(op_client) > 3);
}

static ks_rc op_secret(void)
{
    struct ks_secret *secret = NULL;
    ks_rc rc = ks__secret_new(&secret, "pa55word");

    if (rc == KS_OK)
        assert_string_equal(secret->value, "pa55word");
    else
        assert_null(secret);
    ks__secret_free(secret);
    return rc;
}

static void secret_creation_fails_cleanly(void **state)
{
    (void)state;
    assert_int_equal(torture(op_secret), 3);
}

static ks_rc op_cjson(void)
{
    cJSON *doc = cJSON_Parse("{\"a\":[1,2,{\"b\":\"c\"}],\"d\":null}");
    char *text = doc ? cJSON_PrintUnformatted(doc) : NULL;
    ks_rc rc = text ? KS_OK : KS_ENOMEM;

    if (text)
        assert_string_equal(text, "{\"a\":[1,2,{\"b\":\"c\"}],\"d\":null}");
    ks__free(text);
    cJSON_Delete(doc);
    return rc;
}

static void cjson_allocates_through_the_hooks(void **state)
{
    (void)state;
    ks__alloc_init_cjson();
    assert_true(torture(op_cjson) > 5);
    cJSON_InitHooks(NULL);
}

struct counter_arg {
    int n;
    int got;
};

static void *allocate_many(void *arg)
{
    struct counter_arg *a = arg;

    for (int i = 0; i < a->n; i++) {
        void *p = ks__malloc(16);
        if (p)
            a->got++;
        ks__free(p);
    }
    return NULL;
}

static void counters_are_exact_across_threads(void **state)
{
    struct counter_arg args[4] = {{1000, 0}, {1000, 0}, {1000, 0}, {1000, 0}};
    pthread_t t[4];
    int got = 0;

    (void)state;
    ks__alloc_fail_at(2501);
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, allocate_many, &args[i]),
                         0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(ks__alloc_count(), 4000);
    ks__alloc_fail_at(0);
    for (int i = 0; i < 4; i++)
        got += args[i].got;
    assert_int_equal(got, 2500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nth_allocation_and_every_later_one_fail),
        cmocka_unit_test(realloc_failure_keeps_the_old_block),
        cmocka_unit_test(aprintf_fails_cleanly_at_every_allocation),
        cmocka_unit_test(string_copies_fail_cleanly),
        cmocka_unit_test(buffer_fails_cleanly_at_every_growth),
        cmocka_unit_test(buffer_failure_is_sticky),
        cmocka_unit_test(empty_buffer_detaches_as_empty_string),
        cmocka_unit_test(buffer_holds_binary_data),
        cmocka_unit_test(client_creation_fails_cleanly),
        cmocka_unit_test(secret_creation_fails_cleanly),
        cmocka_unit_test(cjson_allocates_through_the_hooks),
        cmocka_unit_test(counters_are_exact_across_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
