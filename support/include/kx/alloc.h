/*
 * Allocation that aborts on failure, for the emulators and the kinsync
 * program (as Redis and jq do): they cannot do anything useful without
 * memory. libkinsync never uses these; it returns KS_ENOMEM instead
 * (ci/lint checks this).
 */
#ifndef KX_ALLOC_H
#define KX_ALLOC_H

#include <stddef.h>

void *kx_xmalloc(size_t n);
void *kx_xcalloc(size_t n, size_t size);
void *kx_xrealloc(void *ptr, size_t n);
/* Grows an array of *cap elements of size bytes so that it holds at least
 * need, doubling; returns the (possibly moved) array. */
void *kx_xgrow(void *array, size_t *cap, size_t need, size_t size);
char *kx_xstrndup(const char *s, size_t n);
char *kx_xstrdup(const char *s); /* NULL stays NULL */
/* A printf into a fresh string. */
char *kx_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
