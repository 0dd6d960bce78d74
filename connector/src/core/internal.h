/*
 * Internals shared between the connector's source files (ks__ prefix).
 * Nothing here is part of the public API.
 */
#ifndef KS_CORE_INTERNAL_H
#define KS_CORE_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "kinsync.h"

/* Internals that unit tests reach are KS_TESTABLE instead of static. */
#ifdef KS_UNIT_TESTING
#define KS_TESTABLE
#else
#define KS_TESTABLE static
#endif

/* ---- allocation (core/alloc.c) -------------------------------------- */

/* Every allocation of the library goes through these. They return NULL on
 * failure and never abort. */
void *ks__malloc(size_t size);
void *ks__calloc(size_t n, size_t size);
void *ks__realloc(void *ptr, size_t size);
void ks__free(void *ptr);
char *ks__strdup(const char *s); /* NULL for NULL */
char *ks__strndup(const char *s, size_t n);
char *ks__aprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *ks__vaprintf(const char *fmt, va_list ap);

/*
 * Fault injection for tests: after ks__alloc_fail_at(n), the n-th
 * allocation from now (1-based) and every later one fail until
 * ks__alloc_fail_at(0). ks__alloc_count() counts allocations since the
 * last call to ks__alloc_fail_at(). Process-wide; tests only.
 */
void ks__alloc_fail_at(uint64_t n);
uint64_t ks__alloc_count(void);

/* Installs cJSON hooks that route its allocations through ks__malloc. */
void ks__alloc_init_cjson(void);

/* ---- growable buffer ------------------------------------------------- */

struct ks__buf {
    char *data; /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
    int oom; /* set once an append failed; later appends do nothing */
};
#define KS__BUF_INIT                                                           \
    {                                                                          \
        NULL, 0, 0, 0                                                          \
    }

ks_rc ks__buf_append(struct ks__buf *b, const void *data, size_t len);
ks_rc ks__buf_puts(struct ks__buf *b, const char *s);
ks_rc ks__buf_printf(struct ks__buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Hands the data to the caller (who ks__free()s it) and resets b. */
char *ks__buf_detach(struct ks__buf *b);
void ks__buf_dispose(struct ks__buf *b);

/* ---- errors (core/error.c) ------------------------------------------ */

/* Records a failure unless err already holds one (the first, lowest-level
 * description wins). Returns rc so callers can write
 * `return ks__error_set(...)`. */
ks_rc ks__error_set(struct ks_error *err, ks_rc rc, long http_status,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void ks__error_clear(struct ks_error *err);

/* ---- secrets (core/secret.c) ---------------------------------------- */

/* A credential held in memory; zeroed before it is freed. */
struct ks_secret {
    char *value;
    size_t len;
};

ks_rc ks__secret_new(struct ks_secret **out, const char *value);
void ks__secret_free(struct ks_secret *secret); /* NULL-safe, zeroes */
/* A configured credential: copied into *slot (the caller frees it with
 * ks__secret_free, also after a failure) and added to the client's
 * masked strings. NULL or "" (not configured): KS_OK, *slot untouched. */
ks_rc ks__secret_register(struct ks_secret **slot, struct ks_client *c,
                          const char *value);
/* Constant-time comparison of two byte strings of possibly different
 * length; 1 when equal. */
int ks__secure_equal(const void *a, size_t alen, const void *b, size_t blen);

/* ---- seeded random numbers (core/rng.c) ----------------------------- */

/* splitmix64: deterministic for a given seed, for jitter and sampling. */
uint64_t ks__rng_next(uint64_t *state);
/* Uniform in [0, bound); bound 0 gives 0. */
uint64_t ks__rng_below(uint64_t *state, uint64_t bound);

/* ---- logging (core/log.c) ------------------------------------------- */

struct ks_client;
/* Formats, masks the client's secrets in msg and payload, and calls the
 * client's callback. Does nothing when no callback is set or the level is
 * below the client's threshold. */
void ks__log(struct ks_client *c, enum ks_log_level level, const char *payload,
             const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The client's error slot, for modules that fail outside an HTTP call. */
struct ks_error *ks__client_error(struct ks_client *c);

#endif
