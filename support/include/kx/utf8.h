/*
 * UTF-8 checks for bytes that came from outside (request bodies, paths,
 * header values) before they reach anything printed as JSON: cJSON copies
 * string bytes as they are, so one invalid byte makes the whole document
 * invalid JSON.
 *
 * Valid means RFC 3629: no overlong forms, no surrogates (U+D800..DFFF),
 * nothing past U+10FFFF. NUL bytes are valid UTF-8 (callers that need C
 * strings deal with them).
 */
#ifndef KX_UTF8_H
#define KX_UTF8_H

#include <stddef.h>

/* The offset of the first byte that does not start a valid sequence, or
 * len when all of s[0..len) is valid UTF-8. */
size_t kx_utf8_invalid_at(const char *s, size_t len);

/* 1 when s[0..len) is valid UTF-8. */
int kx_utf8_valid(const char *s, size_t len);

/* A NUL-terminated copy of s[0..len) in which every byte that is not part
 * of a valid sequence is replaced by U+FFFD (EF BF BD), the visible mark
 * of a repair; *out_len (may be NULL) its length. Aborts on out-of-memory
 * (kx/alloc.h), so not for libkinsync. */
char *kx_utf8_repair(const char *s, size_t len, size_t *out_len);

#endif
