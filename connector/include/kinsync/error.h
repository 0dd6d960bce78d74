/*
 * Error codes of libkinsync.
 *
 * One table generates the enum, the names and the messages. A code exists
 * only for a failure a caller handles differently; details (HTTP status,
 * the remote system's message, its request id) travel in struct ks_error,
 * read from the handle that failed.
 */
#ifndef KINSYNC_ERROR_H
#define KINSYNC_ERROR_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KS_ERRORS(X)                                                           \
    X(OK, 0, "success")                                                        \
    X(ERROR, -1, "unexpected failure")                                         \
    X(ENOMEM, -2, "out of memory")                                             \
    X(EINVAL, -3, "invalid argument or configuration")                         \
    X(EAUTH, -4, "credentials rejected")                                       \
    X(EFORBIDDEN, -5, "access denied")                                         \
    X(ENOTFOUND, -6, "not found")                                              \
    X(ECONFLICT, -7, "conflict with the current state of the record")          \
    X(ERATELIMIT, -8, "rate limit still exceeded after waiting")               \
    X(EUNAVAIL, -9, "service unavailable after retries")                       \
    X(ETRANSPORT, -10, "network transfer failed")                              \
    X(ETIMEOUT, -11, "request timed out")                                      \
    X(EPARSE, -12, "malformed or truncated data")                              \
    X(EREMOTE, -13, "request rejected by the remote system")                   \
    X(ETOOBIG, -14, "payload larger than allowed")                             \
    X(ESIGNATURE, -15, "signature missing or invalid")                         \
    X(ESTATE, -16, "state store failure")                                      \
    X(ECRYPTO, -17, "decryption failed (wrong key or damaged data)")           \
    X(ELICENSE, -18, "no licence seat available")                              \
    X(EDUPLICATE, -19, "already processed")

typedef enum {
#define KS__ERROR_ENUM(name, value, text) KS_##name = value,
    KS_ERRORS(KS__ERROR_ENUM)
#undef KS__ERROR_ENUM
} ks_rc;

/* "KS_ENOTFOUND" for KS_ENOTFOUND; "KS_UNKNOWN" for a value not in the
 * table. The string is static. */
KS_EXTERN const char *ks_rc_name(ks_rc rc);

/* One-line English description of a code; static, never NULL. */
KS_EXTERN const char *ks_rc_message(ks_rc rc);

/* Parses "ENOTFOUND", "KS_ENOTFOUND" or "OK" back into a code. Returns 0 and
 * sets *out on success, -1 if the name is unknown. */
KS_EXTERN int ks_rc_from_name(ks_rc *out, const char *name);

/*
 * What went wrong in the last failed call on a handle. Strings are
 * NUL-terminated, truncated to fit and never contain secrets.
 */
struct ks_error {
    ks_rc rc;
    long http_status;   /* 0 when no HTTP reply was received */
    char message[512];  /* the first, lowest-level description */
    char remote_id[96]; /* correlation / request id from the remote */
};

#ifdef __cplusplus
}
#endif

#endif
