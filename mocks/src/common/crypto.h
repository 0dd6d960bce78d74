/*
 * The emulators' own digests, MACs, encodings and seeded random numbers,
 * thin wrappers over OpenSSL. They are deliberately separate from the
 * connector's helpers: an emulator that signed and verified with the
 * connector's code would mirror any bug there, and no test could see it.
 * Failures of OpenSSL and out-of-memory abort (see kx/alloc.h).
 */
#ifndef KM_COMMON_CRYPTO_H
#define KM_COMMON_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define KM__SHA1_LEN 20
#define KM__SHA256_LEN 32

enum km__digest { KM__SHA1, KM__SHA256 };

/* Length in bytes of a digest (and of its HMAC). */
size_t km__digest_len(enum km__digest digest);

/* HMAC of msg under key into out, which must hold km__digest_len(digest)
 * bytes; returns that length. */
size_t km__hmac(unsigned char *out, enum km__digest digest, const void *key,
                size_t keylen, const void *msg, size_t msglen);

/* Lower-case hex of the digest of msg into out, which must hold
 * 2 * km__digest_len(digest) + 1 bytes. */
void km__digest_hex(char *out, enum km__digest digest, const void *msg,
                    size_t msglen);

/* Lower-case hex of data into out (2 * len + 1 bytes). */
void km__hex_encode(char *out, const void *data, size_t len);

/* Standard base64 (RFC 4648 §4, with padding) of data; the caller
 * free()s it. */
char *km__base64_encode(const void *data, size_t len);

/* The URL-safe alphabet without padding (RFC 4648 §5, as JWTs use it);
 * the caller free()s it. */
char *km__base64url_encode(const void *data, size_t len);

/* Decodes standard base64 with padding and nothing else (no whitespace,
 * no other alphabet). On success *out (NUL-terminated for convenience,
 * the caller free()s it) and *outlen are set and 0 is returned; on bad
 * input -1, with *out NULL. */
int km__base64_decode(unsigned char **out, size_t *outlen, const char *b64);

/* Constant-time comparison of two NUL-terminated secrets (CRYPTO_memcmp):
 * 1 when equal. Only the length may leak. */
int km__secret_equal(const char *a, const char *b);

/* A seeded splitmix64 generator: the same seed gives the same sequence on
 * every run, so generated data, ids and fault draws repeat. Not for
 * secrets. */
uint64_t km__rng_next(uint64_t *state);
/* A number in [0, bound) (0 when bound is 0). */
uint64_t km__rng_below(uint64_t *state, uint64_t bound);

#endif
