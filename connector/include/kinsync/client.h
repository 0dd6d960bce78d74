/*
 * The client context every remote-system handle is built on.
 *
 * A client holds the clock, the log callback, the HTTP connection (reused
 * between requests), timeouts and the retry policy. It is not thread-safe:
 * use one client per thread.
 */
#ifndef KINSYNC_CLIENT_H
#define KINSYNC_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include "common.h"
#include "error.h"
#include "clock.h"
#include "log.h"
#include "kinsync/version.h" /* generated */

#ifdef __cplusplus
extern "C" {
#endif

/*
 * When a request is tried again:
 * - 401: the credentials are refreshed once, then the call fails (EAUTH).
 * - 429: wait for the platform's reset header (X-Rate-Limit-Time-Reset-Ms,
 *   Retry-After in seconds or as an HTTP date, X-Retry-After), or
 *   rate_limit_default_wait_ms without one, then retry; never longer than
 *   rate_limit_max_wait_ms per wait.
 * - 502/503/504 and transport failures: capped exponential backoff
 *   (base_delay_ms * 2^n, at most max_delay_ms), jittered over its upper
 *   half by a seeded generator. Transport failures are retried only for
 * idempotent requests, since a lost reply to a POST may hide a completed write.
 * - other 4xx: no retry.
 * max_attempts bounds the attempts of one call across all classes.
 */
struct ks_retry_policy {
    int max_attempts;
    int64_t base_delay_ms;
    int64_t max_delay_ms;
    int64_t rate_limit_default_wait_ms;
    int64_t rate_limit_max_wait_ms;
};

#define KS_RETRY_POLICY_INIT                                                   \
    {                                                                          \
        6, 500, 30000, 1000, 120000                                            \
    }

struct ks_client_options {
    unsigned int version;
    struct ks_clock *clock; /* borrowed; NULL reads the real time */
    ks_log_fn log_fn;       /* NULL: messages are dropped */
    void *log_userdata;
    enum ks_log_level log_level; /* messages below it are not built */
    int64_t connect_timeout_ms;
    int64_t timeout_ms;        /* whole transfer */
    size_t max_response_bytes; /* larger bodies fail with ETOOBIG */
    struct ks_retry_policy retry;
    uint64_t jitter_seed;   /* 0: seeded from the time */
    const char *user_agent; /* NULL: "kinsync/<version>" */
    /* Version 2: a PEM file of the CAs that HTTPS servers must chain to,
     * instead of the system's store (a test CA such as `kinsync serve
     * --tls` writes). NULL: the system's store. The client keeps a copy. */
    const char *ca_file;
};

/* 2 added ca_file; ks_client_new still takes version 1 options, which
 * end before it. */
#define KS_CLIENT_OPTIONS_VERSION 2
#define KS_CLIENT_OPTIONS_INIT                                                 \
    {                                                                          \
        KS_CLIENT_OPTIONS_VERSION, NULL, NULL, NULL, KS_LOG_INFO, 10000,       \
            60000, (size_t)64 << 20, KS_RETRY_POLICY_INIT, 0, NULL, NULL       \
    }

/* Counters since the client was created. */
struct ks_client_stats {
    uint64_t requests; /* HTTP attempts sent, retries included */
    uint64_t retries;  /* attempts that repeated an earlier one */
    uint64_t reauths;  /* credential refreshes after a 401 */
    uint64_t bytes_in;
    uint64_t bytes_out;
    int64_t waited_ms; /* time spent in backoff and rate-limit waits */
};

struct ks_client;

KS_EXTERN ks_rc ks_client_new(struct ks_client **out,
                              const struct ks_client_options *opts);

/* NULL-safe. */
KS_EXTERN void ks_client_free(struct ks_client *client);

/* The error of the last failed call made through this client; borrowed
 * until the next call. rc is KS_OK when nothing failed yet. */
KS_EXTERN const struct ks_error *
ks_client_last_error(const struct ks_client *client);

KS_EXTERN struct ks_clock *ks_client_clock(const struct ks_client *client);

KS_EXTERN void ks_client_stats(struct ks_client_stats *out,
                               const struct ks_client *client);

/*
 * Adds a string that must never appear in a log message; it is masked in
 * every payload handed to the log callback. The client keeps a copy,
 * zeroed when the client is freed.
 */
KS_EXTERN ks_rc ks_client_add_secret(struct ks_client *client,
                                     const char *secret);

/* The version of the library linked, e.g. "0.1.0"; KS_VERSION (in
 * kinsync/version.h) is the version compiled against. */
KS_EXTERN const char *ks_version(void);

#ifdef __cplusplus
}
#endif

#endif
