/* The retry decision: every class of the policy in kinsync/client.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "http/retry.h"

static const struct ks_retry_policy policy = {5, 500, 8000, 1000, 60000};

static enum ks__retry_action decide(int64_t *wait, struct ks__retry_state *st,
                                    long status, ks_rc transport,
                                    int idempotent, const char *reset,
                                    const char *after)
{
    st->attempt++;
    return ks__retry_decide(wait, st, &policy, status, transport, idempotent,
                            reset, after, 1700000000000);
}

static void success_and_redirects_are_done(void **state)
{
    struct ks__retry_state st = {0, 0, 1};
    int64_t wait = -1;

    (void)state;
    assert_int_equal(decide(&wait, &st, 200, KS_OK, 1, NULL, NULL),
                     KS__RETRY_DONE);
    assert_int_equal(wait, 0);
    assert_int_equal(decide(&wait, &st, 204, KS_OK, 0, NULL, NULL),
                     KS__RETRY_DONE);
}

static void rate_limit_waits_for_the_reset_ms_header(void **state)
{
    struct ks__retry_state st = {0, 0, 1};
    int64_t wait = 0;

    (void)state;
    assert_int_equal(decide(&wait, &st, 429, KS_OK, 0, "1500", "7"),
                     KS__RETRY_WAIT);
    assert_int_equal(wait, 1500); /* the millisecond header wins */
}

static void rate_limit_reads_retry_after_seconds_and_dates(void **state)
{
    struct ks__retry_state st = {0, 0, 1};
    int64_t wait = 0;

    (void)state;
    assert_int_equal(decide(&wait, &st, 429, KS_OK, 1, NULL, "3"),
                     KS__RETRY_WAIT);
    assert_int_equal(wait, 3000);
    /* 1700000000 is Tue, 14 Nov 2023 22:13:20 GMT; ask for 10 s later. */
    assert_int_equal(decide(&wait, &st, 429, KS_OK, 1, NULL,
                            "Tue, 14 Nov 2023 22:13:30 GMT"),
                     KS__RETRY_WAIT);
    assert_int_equal(wait, 10000);
}

static void rate_limit_without_header_uses_the_default(void **state)
{
    struct ks__retry_state st = {0, 0, 1};
    int64_t wait = 0;

    (void)state;
    assert_int_equal(decide(&wait, &st, 429, KS_OK, 1, NULL, "soon"),
                     KS__RETRY_WAIT);
    assert_int_equal(wait, policy.rate_limit_default_wait_ms);
}

static void rate_limit_wait_is_capped(void **state)
{
    struct ks__retry_state st = {0, 0, 1};
    int64_t wait = 0;

    (void)state;
    assert_int_equal(decide(&wait, &st, 429, KS_OK, 1, "999999999", NULL),
                     KS__RETRY_WAIT);
    assert_int_equal(wait, policy.rate_limit_max_wait_ms);
}

static void unauthorized_reauthenticates_once_then_gives_up(void **state)
{
    struct ks__retry_state st = {0, 0, 1};
    int64_t wait = 0;

    (void)state;
    assert_int_equal(decide(&wait, &st, 401, KS_OK, 1, NULL, NULL),
                     KS__RETRY_REAUTH);
    assert_int_equal(decide(&wait, &st, 401, KS_OK, 1, NULL, NULL),
                     KS__RETRY_DONE);
}

static void unavailable_backs_off_within_growing_bounds(void **state)
{
    static const long codes[] = {502, 503, 504};

    (void)state;
    for (size_t c = 0; c < 3; c++) {
        struct ks__retry_state st = {0, 0, 42};
        int64_t cap = policy.base_delay_ms, wait = 0;

        for (int n = 1; n < policy.max_attempts; n++) {
            assert_int_equal(decide(&wait, &st, codes[c], KS_OK, 0, NULL, NULL),
                             KS__RETRY_WAIT);
            assert_true(wait >= cap / 2 && wait <= cap);
            cap = cap * 2 > policy.max_delay_ms ? policy.max_delay_ms : cap * 2;
        }
    }
}

static void unavailable_honours_a_longer_retry_after(void **state)
{
    struct ks__retry_state st = {0, 0, 1};
    int64_t wait = 0;

    (void)state;
    assert_int_equal(decide(&wait, &st, 503, KS_OK, 1, NULL, "20"),
                     KS__RETRY_WAIT);
    assert_int_equal(wait, 20000);
}

static void jitter_repeats_for_the_same_seed(void **state)
{
    uint64_t a = 7, b = 7, c = 8;
    int same_as_other_seed = 1;

    (void)state;
    for (int n = 1; n <= 6; n++) {
        int64_t x = ks__retry_backoff_ms(&policy, n, &a);
        int64_t y = ks__retry_backoff_ms(&policy, n, &b);
        int64_t z = ks__retry_backoff_ms(&policy, n, &c);

        assert_int_equal(x, y);
        if (x != z)
            same_as_other_seed = 0;
    }
    assert_false(same_as_other_seed);
}

static void transport_errors_retry_only_idempotent_requests(void **state)
{
    struct ks__retry_state st = {0, 0, 1};
    int64_t wait = 0;

    (void)state;
    assert_int_equal(decide(&wait, &st, 0, KS_ETRANSPORT, 1, NULL, NULL),
                     KS__RETRY_WAIT);
    assert_true(wait > 0);
    assert_int_equal(decide(&wait, &st, 0, KS_ETIMEOUT, 1, NULL, NULL),
                     KS__RETRY_WAIT);
    assert_int_equal(decide(&wait, &st, 0, KS_ETRANSPORT, 0, NULL, NULL),
                     KS__RETRY_DONE);
}

static void gives_up_after_max_attempts(void **state)
{
    struct ks__retry_state st = {0, 0, 1};
    int64_t wait = 0;
    int waits = 0;

    (void)state;
    while (decide(&wait, &st, 503, KS_OK, 1, NULL, NULL) == KS__RETRY_WAIT)
        waits++;
    assert_int_equal(waits, policy.max_attempts - 1);
    assert_int_equal(st.attempt, policy.max_attempts);
}

static void other_client_errors_are_not_retried(void **state)
{
    static const long codes[] = {400, 403, 404, 409, 413, 422, 500};

    (void)state;
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        struct ks__retry_state st = {0, 0, 1};
        int64_t wait = 0;

        assert_int_equal(decide(&wait, &st, codes[i], KS_OK, 1, NULL, NULL),
                         KS__RETRY_DONE);
    }
}

static void reset_header_is_read_leniently_and_falls_back(void **state)
{
    struct ks__retry_state st = {0, 0, 1};
    int64_t wait = 0;

    (void)state;
    assert_int_equal(decide(&wait, &st, 429, KS_OK, 1, " 1500 ", NULL),
                     KS__RETRY_WAIT);
    assert_int_equal(wait, 1500);
    /* unreadable milliseconds: Retry-After decides */
    assert_int_equal(decide(&wait, &st, 429, KS_OK, 1, "soon", "2"),
                     KS__RETRY_WAIT);
    assert_int_equal(wait, 2000);
    assert_int_equal(decide(&wait, &st, 429, KS_OK, 1, "-5", NULL),
                     KS__RETRY_WAIT);
    assert_int_equal(wait, policy.rate_limit_default_wait_ms);
}

static void retry_after_date_in_the_past_means_now(void **state)
{
    struct ks__retry_state st = {0, 0, 1};
    int64_t wait = -1;

    (void)state;
    assert_int_equal(decide(&wait, &st, 429, KS_OK, 1, NULL,
                            "Tue, 14 Nov 2023 22:00:00 GMT"),
                     KS__RETRY_WAIT);
    assert_int_equal(wait, 0);
    /* a date far ahead is capped like any other wait */
    assert_int_equal(decide(&wait, &st, 429, KS_OK, 1, NULL,
                            "Fri, 01 Jan 2100 00:00:00 GMT"),
                     KS__RETRY_WAIT);
    assert_int_equal(wait, policy.rate_limit_max_wait_ms);
}

static void rate_limit_stops_at_max_attempts(void **state)
{
    struct ks__retry_state st = {0, 0, 1};
    int64_t wait = 0;
    int waits = 0;

    (void)state;
    while (decide(&wait, &st, 429, KS_OK, 1, "10", NULL) == KS__RETRY_WAIT)
        waits++;
    assert_int_equal(waits, policy.max_attempts - 1);
    assert_int_equal(wait, 0);
}

static void unauthorized_on_the_last_attempt_is_done(void **state)
{
    static const struct ks_retry_policy one = {1, 500, 8000, 1000, 60000};
    struct ks__retry_state st = {1, 0, 1};
    int64_t wait = 0;

    (void)state;
    assert_int_equal(
        ks__retry_decide(&wait, &st, &one, 401, KS_OK, 1, NULL, NULL, 0),
        KS__RETRY_DONE);
    assert_int_equal(st.reauthed, 0);
}

static void backoff_grows_to_its_cap_without_overflow(void **state)
{
    uint64_t rng = 5;
    int64_t last = 0;

    (void)state;
    /* wait(n) is in [d/2, d] and d doubles, so it never shrinks before the
     * cap: wait(n+1) >= d(n+1)/2 = d(n) >= wait(n). */
    for (int n = 1; n <= 5; n++) {
        int64_t w = ks__retry_backoff_ms(&policy, n, &rng);

        assert_true(w >= last);
        last = w;
    }
    for (int n = 6; n < 200; n += 17) {
        int64_t w = ks__retry_backoff_ms(&policy, n, &rng);

        assert_true(w >= policy.max_delay_ms / 2);
        assert_true(w <= policy.max_delay_ms);
    }
}

static void decisions_repeat_for_the_same_seed(void **state)
{
    struct ks__retry_state a = {0, 0, 2024}, b = {0, 0, 2024};
    int64_t wa = 0, wb = 0;

    (void)state;
    for (int i = 0; i < policy.max_attempts - 1; i++) {
        decide(&wa, &a, 503, KS_OK, 1, NULL, NULL);
        decide(&wb, &b, 503, KS_OK, 1, NULL, NULL);
        assert_int_equal(wa, wb);
    }
    assert_true(a.rng == b.rng);
}

static void failures_that_are_not_transport_are_done(void **state)
{
    struct ks__retry_state st = {0, 0, 1};
    int64_t wait = 0;

    (void)state;
    assert_int_equal(decide(&wait, &st, 0, KS_EINVAL, 1, NULL, NULL),
                     KS__RETRY_DONE);
    assert_int_equal(decide(&wait, &st, 0, KS_ENOMEM, 1, NULL, NULL),
                     KS__RETRY_DONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(success_and_redirects_are_done),
        cmocka_unit_test(rate_limit_waits_for_the_reset_ms_header),
        cmocka_unit_test(rate_limit_reads_retry_after_seconds_and_dates),
        cmocka_unit_test(rate_limit_without_header_uses_the_default),
        cmocka_unit_test(rate_limit_wait_is_capped),
        cmocka_unit_test(unauthorized_reauthenticates_once_then_gives_up),
        cmocka_unit_test(unavailable_backs_off_within_growing_bounds),
        cmocka_unit_test(unavailable_honours_a_longer_retry_after),
        cmocka_unit_test(jitter_repeats_for_the_same_seed),
        cmocka_unit_test(transport_errors_retry_only_idempotent_requests),
        cmocka_unit_test(gives_up_after_max_attempts),
        cmocka_unit_test(other_client_errors_are_not_retried),
        cmocka_unit_test(reset_header_is_read_leniently_and_falls_back),
        cmocka_unit_test(retry_after_date_in_the_past_means_now),
        cmocka_unit_test(rate_limit_stops_at_max_attempts),
        cmocka_unit_test(unauthorized_on_the_last_attempt_is_done),
        cmocka_unit_test(backoff_grows_to_its_cap_without_overflow),
        cmocka_unit_test(decisions_repeat_for_the_same_seed),
        cmocka_unit_test(failures_that_are_not_transport_are_done),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
