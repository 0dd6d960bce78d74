/* Error table, allocation failure injection, buffers, clocks, secrets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <string.h>
#include <cmocka.h>
#include "core/internal.h"

static void error_names_round_trip(void **state)
{
    static const ks_rc codes[] = {KS_OK,        KS_ENOMEM,     KS_EAUTH,
                                  KS_ENOTFOUND, KS_ERATELIMIT, KS_EUNAVAIL,
                                  KS_ECRASH};
    ks_rc back;

    (void)state;
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        assert_int_equal(ks_rc_from_name(&back, ks_rc_name(codes[i])), 0);
        assert_int_equal(back, codes[i]);
        assert_int_equal(ks_rc_from_name(&back, ks_rc_name(codes[i]) + 3), 0);
        assert_int_equal(back, codes[i]);
        assert_true(strlen(ks_rc_message(codes[i])) > 0);
    }
    assert_string_equal(ks_rc_name((ks_rc)-999), "KS_UNKNOWN");
    assert_int_equal(ks_rc_from_name(&back, "ENOSUCH"), -1);
}

static void first_error_is_kept(void **state)
{
    struct ks_error err = {0};

    (void)state;
    assert_int_equal(ks__error_set(&err, KS_ETRANSPORT, 0, "socket %d", 3),
                     KS_ETRANSPORT);
    assert_int_equal(ks__error_set(&err, KS_ERROR, 500, "wrapper"), KS_ERROR);
    assert_int_equal(err.rc, KS_ETRANSPORT);
    assert_string_equal(err.message, "socket 3");
    ks__error_clear(&err);
    assert_int_equal(err.rc, KS_OK);
}

/* The torture pattern: fail the N-th allocation for every N until the
 * operation succeeds; each failure must be reported, never crash or leak. */
static void every_allocation_failure_is_reported(void **state)
{
    int succeeded = 0;

    (void)state;
    for (uint64_t n = 1; n < 64 && !succeeded; n++) {
        struct ks_client *client = NULL;
        struct ks_client_options opts = KS_CLIENT_OPTIONS_INIT;
        struct ks__buf b = KS__BUF_INIT;
        char *text = NULL;
        ks_rc rc;

        ks__alloc_fail_at(n);
        rc = ks_client_new(&client, &opts);
        if (rc == KS_OK)
            rc = ks_client_add_secret(client, "s3cret");
        if (rc == KS_OK)
            rc = ks__buf_printf(&b, "%s-%d", "x", 42);
        if (rc == KS_OK) {
            text = ks__aprintf("%s", b.data);
            rc = text ? KS_OK : KS_ENOMEM;
        }
        ks__alloc_fail_at(0);
        if (rc == KS_OK) {
            assert_string_equal(text, "x-42");
            succeeded = 1;
        } else {
            assert_int_equal(rc, KS_ENOMEM);
        }
        ks__free(text);
        ks__buf_dispose(&b);
        ks_client_free(client);
    }
    assert_true(succeeded);
}

static void buffer_grows_and_detaches(void **state)
{
    struct ks__buf b = KS__BUF_INIT;
    char *s;

    (void)state;
    for (int i = 0; i < 1000; i++)
        assert_int_equal(ks__buf_puts(&b, "ab"), KS_OK);
    assert_int_equal(b.len, 2000);
    s = ks__buf_detach(&b);
    assert_int_equal(strlen(s), 2000);
    assert_null(b.data);
    ks__free(s);
}

static void virtual_clock_moves_only_when_told(void **state)
{
    struct ks_clock *clock;

    (void)state;
    assert_int_equal(ks_clock_new_virtual(&clock, 1000), KS_OK);
    assert_true(ks_clock_is_virtual(clock));
    assert_int_equal(ks_clock_now_ms(clock), 1000);
    ks_clock_sleep_ms(clock, 3600 * 1000);
    assert_int_equal(ks_clock_now_ms(clock), 1000 + 3600 * 1000);
    ks_clock_advance_ms(clock, -5);
    ks_clock_advance_ms(clock, 5);
    assert_int_equal(ks_clock_now_ms(clock), 1000 + 3600 * 1000 + 5);
    ks_clock_free(clock);
    ks_clock_free(NULL);
}

static void *advance_many(void *arg)
{
    for (int i = 0; i < 10000; i++)
        ks_clock_advance_ms(arg, 1);
    return NULL;
}

static void virtual_clock_is_safe_across_threads(void **state)
{
    struct ks_clock *clock;
    pthread_t t[4];

    (void)state;
    assert_int_equal(ks_clock_new_virtual(&clock, 0), KS_OK);
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, advance_many, clock), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(ks_clock_now_ms(clock), 40000);
    ks_clock_free(clock);
}

static void real_clock_can_be_pushed_forward(void **state)
{
    struct ks_clock *clock;
    int64_t before;

    (void)state;
    assert_int_equal(ks_clock_new_real(&clock), KS_OK);
    assert_false(ks_clock_is_virtual(clock));
    before = ks_clock_now_ms(clock);
    ks_clock_advance_ms(clock, 86400000);
    assert_true(ks_clock_now_ms(clock) - before >= 86400000);
    ks_clock_free(clock);
}

static void secure_equal_compares_content_and_length(void **state)
{
    (void)state;
    assert_true(ks__secure_equal("abc", 3, "abc", 3));
    assert_false(ks__secure_equal("abc", 3, "abd", 3));
    assert_false(ks__secure_equal("abc", 3, "abcd", 4));
    assert_false(ks__secure_equal("abcd", 4, "abc", 3));
    assert_true(ks__secure_equal("", 0, "", 0));
}

static void secret_copies_its_value(void **state)
{
    struct ks_secret *secret;
    char source[] = "pa55word";

    (void)state;
    assert_int_equal(ks__secret_new(&secret, source), KS_OK);
    memset(source, 0, sizeof(source));
    assert_string_equal(secret->value, "pa55word");
    assert_int_equal(secret->len, 8);
    ks__secret_free(secret);
    ks__secret_free(NULL);
    assert_int_equal(ks__secret_new(&secret, NULL), KS_EINVAL);
    assert_null(secret);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(error_names_round_trip),
        cmocka_unit_test(first_error_is_kept),
        cmocka_unit_test(every_allocation_failure_is_reported),
        cmocka_unit_test(buffer_grows_and_detaches),
        cmocka_unit_test(virtual_clock_moves_only_when_told),
        cmocka_unit_test(virtual_clock_is_safe_across_threads),
        cmocka_unit_test(real_clock_can_be_pushed_forward),
        cmocka_unit_test(secure_equal_compares_content_and_length),
        cmocka_unit_test(secret_copies_its_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
