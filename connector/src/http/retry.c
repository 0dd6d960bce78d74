/* The retry policy of kinsync/client.h as a pure decision. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <curl/curl.h>
#include "retry.h"

int64_t ks__retry_backoff_ms(const struct ks_retry_policy *policy, int n,
                             uint64_t *rng)
{
    int64_t d = policy->base_delay_ms > 0 ? policy->base_delay_ms : 1;
    int64_t half;

    for (int i = 1; i < n && d < policy->max_delay_ms; i++)
        d = d > INT64_MAX / 2 ? INT64_MAX : d * 2;
    if (policy->max_delay_ms > 0 && d > policy->max_delay_ms)
        d = policy->max_delay_ms;
    half = d / 2;
    return half + (int64_t)ks__rng_below(rng, (uint64_t)(d - half) + 1);
}

/* A non-negative decimal integer, or -1. */
static int64_t parse_count(const char *s)
{
    char *end;
    long long v;

    if (!s)
        return -1;
    while (isspace((unsigned char)*s))
        s++;
    if (!isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (errno || *end)
        return -1;
    return (int64_t)v;
}

/* Retry-After: delta-seconds or an HTTP date; -1 when unreadable. */
static int64_t retry_after_ms(const char *value, int64_t now_ms)
{
    int64_t secs = parse_count(value);
    time_t when;

    if (secs >= 0)
        return secs > INT64_MAX / 1000 ? INT64_MAX : secs * 1000;
    if (!value)
        return -1;
    when = curl_getdate(value, NULL);
    if (when == -1)
        return -1;
    return (int64_t)when * 1000 > now_ms ? (int64_t)when * 1000 - now_ms : 0;
}

static int64_t clamp_wait(int64_t wait, int64_t cap)
{
    if (wait < 0)
        wait = 0;
    return cap > 0 && wait > cap ? cap : wait;
}

enum ks__retry_action
ks__retry_decide(int64_t *wait_ms, struct ks__retry_state *state,
                 const struct ks_retry_policy *policy, long status,
                 ks_rc transport, int idempotent, const char *reset_ms_header,
                 const char *retry_after_header, int64_t now_ms)
{
    int64_t wait;

    *wait_ms = 0;
    if (transport == KS_OK && status >= 200 && status < 400)
        return KS__RETRY_DONE;
    if (transport == KS_OK && status == 401) {
        if (state->reauthed || state->attempt >= policy->max_attempts)
            return KS__RETRY_DONE;
        state->reauthed = 1;
        return KS__RETRY_REAUTH;
    }
    if (state->attempt >= policy->max_attempts)
        return KS__RETRY_DONE;

    if (transport == KS_OK && status == 429) {
        wait = parse_count(reset_ms_header);
        if (wait < 0)
            wait = retry_after_ms(retry_after_header, now_ms);
        if (wait < 0)
            wait = policy->rate_limit_default_wait_ms;
        *wait_ms = clamp_wait(wait, policy->rate_limit_max_wait_ms);
        return KS__RETRY_WAIT;
    }
    if (transport == KS_OK &&
        (status == 502 || status == 503 || status == 504)) {
        wait = ks__retry_backoff_ms(policy, state->attempt, &state->rng);
        /* A server that says when to come back is believed, within the
         * rate-limit cap. */
        int64_t asked = retry_after_ms(retry_after_header, now_ms);
        if (asked > wait)
            wait = clamp_wait(asked, policy->rate_limit_max_wait_ms);
        *wait_ms = wait;
        return KS__RETRY_WAIT;
    }
    if ((transport == KS_ETRANSPORT || transport == KS_ETIMEOUT) &&
        idempotent) {
        *wait_ms = ks__retry_backoff_ms(policy, state->attempt, &state->rng);
        return KS__RETRY_WAIT;
    }
    return KS__RETRY_DONE;
}
