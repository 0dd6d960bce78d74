/*
 * The retry decision as a pure function, so that every class of the
 * policy can be unit-tested without a network.
 */
#ifndef KS_HTTP_RETRY_H
#define KS_HTTP_RETRY_H

#include "../core/internal.h"

enum ks__retry_action {
    KS__RETRY_DONE,   /* success, or a failure not worth repeating */
    KS__RETRY_REAUTH, /* refresh credentials, then retry at once */
    KS__RETRY_WAIT    /* sleep *wait_ms, then retry */
};

struct ks__retry_state {
    int attempt;  /* attempts made so far (1 after the first) */
    int reauthed; /* a refresh after 401 was already done */
    uint64_t rng; /* jitter source */
};

/*
 * What to do after an attempt that ended with HTTP status (0 when no reply
 * came) and transport (KS_OK, KS_ETRANSPORT or KS_ETIMEOUT). The header
 * values may be NULL. now_ms is used to turn an HTTP-date Retry-After into
 * a delay.
 */
enum ks__retry_action
ks__retry_decide(int64_t *wait_ms, struct ks__retry_state *state,
                 const struct ks_retry_policy *policy, long status,
                 ks_rc transport, int idempotent, const char *reset_ms_header,
                 const char *retry_after_header, int64_t now_ms);

/* Backoff for the n-th retry (n >= 1): uniform in [d/2, d] with
 * d = min(max, base * 2^(n-1)). */
int64_t ks__retry_backoff_ms(const struct ks_retry_policy *policy, int n,
                             uint64_t *rng);

#endif
