/*
 * Thin wrappers over OpenSSL for the digests, MACs and encodings that
 * webhook signing and verification need on both sides (connector and
 * emulators). Nothing here is hand-rolled cryptography.
 */
#ifndef KS_CORE_CRYPTO_H
#define KS_CORE_CRYPTO_H

#include <stddef.h>
#include "internal.h"

#define KS__SHA256_LEN 32
#define KS__SHA1_LEN 20

enum ks__digest { KS__SHA1, KS__SHA256 };

/* HMAC of msg under key; out must hold 32 bytes (SHA-256) or 20 (SHA-1).
 * Returns KS_OK or KS_ERROR when OpenSSL fails. */
ks_rc ks__hmac(unsigned char *out, enum ks__digest digest, const void *key,
               size_t keylen, const void *msg, size_t msglen);

/* Plain digest of msg as lower-case hex into out (41 or 65 bytes). */
ks_rc ks__digest_hex(char *out, size_t outsz, enum ks__digest digest,
                     const void *msg, size_t msglen);

/* Standard base64 (with padding) of data; caller ks__free()s. NULL on
 * out-of-memory. */
char *ks__base64_encode(const void *data, size_t len);

/* Decodes standard base64 (padding required, whitespace not allowed).
 * *out is ks__malloc'd; returns KS_OK, KS_EPARSE on bad input, KS_ENOMEM. */
ks_rc ks__base64_decode(unsigned char **out, size_t *outlen, const char *b64);

/* Lower-case hex of data into out (2*len+1 bytes needed). */
void ks__hex_encode(char *out, const void *data, size_t len);

#endif
