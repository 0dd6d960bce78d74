/*
 * Logging and redaction.
 *
 * The library never prints. It hands each message to the callback set on
 * the client, after passing every URL, header and payload through the
 * redaction functions below, so that no credential ever reaches a log.
 */
#ifndef KINSYNC_LOG_H
#define KINSYNC_LOG_H

#include <stddef.h>
#include "common.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ks_log_level {
    KS_LOG_DEBUG = 0,
    KS_LOG_INFO = 1,
    KS_LOG_WARN = 2,
    KS_LOG_ERROR = 3
};

/* msg is one line; payload (may be NULL) is the redacted request or
 * response detail. Both are valid only during the call. */
typedef void (*ks_log_fn)(enum ks_log_level level, const char *msg,
                          const char *payload, void *userdata);

KS_EXTERN const char *ks_log_level_name(enum ks_log_level level);

/* The text that replaces every secret. */
#define KS_REDACTED "(redacted)"

/* 1 when a header of this name carries a credential (Authorization,
 * Proxy-Authorization, Cookie, Set-Cookie, x-api-key, X-Auth-Token,
 * X-Auth-Client, password, username, webhook signatures, ...), compared
 * case-insensitively; 0 otherwise. */
KS_EXTERN int ks_redact_is_secret_header(const char *name);

/* 1 when a query or form parameter of this name carries a credential
 * (consumer_key, consumer_secret, api-key, password, token, access_token,
 * client_secret, oauth_signature, ...); 0 otherwise. */
KS_EXTERN int ks_redact_is_secret_param(const char *name);

/*
 * Writes into out (size outsz, always NUL-terminated) a copy of url with
 * userinfo and the values of secret query parameters replaced by
 * KS_REDACTED. Returns the length the full result needs (like snprintf);
 * a result that did not fit is truncated.
 */
KS_EXTERN size_t ks_redact_url(char *out, size_t outsz, const char *url);

/*
 * Writes "Name: value" into out with the value redacted when the header
 * is secret. Same return contract as ks_redact_url().
 */
KS_EXTERN size_t ks_redact_header(char *out, size_t outsz, const char *name,
                                  const char *value);

/*
 * Replaces, in place, every occurrence of each of the n NUL-terminated
 * secrets (NULL or empty entries are skipped) in buf with '*' characters
 * of the same length. Used as a last line of defence on payloads.
 * Returns how many occurrences were masked.
 */
KS_EXTERN size_t ks_redact_mask(char *buf, size_t len,
                                const char *const *secrets, size_t n);

#ifdef __cplusplus
}
#endif

#endif
