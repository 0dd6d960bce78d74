/* The emulators' OpenSSL wrappers and seeded generator (see crypto.h). */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <kx/alloc.h>
#include "crypto.h"

static const EVP_MD *md_of(enum km__digest digest)
{
    return digest == KM__SHA1 ? EVP_sha1() : EVP_sha256();
}

size_t km__digest_len(enum km__digest digest)
{
    return digest == KM__SHA1 ? KM__SHA1_LEN : KM__SHA256_LEN;
}

size_t km__hmac(unsigned char *out, enum km__digest digest, const void *key,
                size_t keylen, const void *msg, size_t msglen)
{
    unsigned int outlen = 0;

    if (keylen > INT32_MAX ||
        !HMAC(md_of(digest), key, (int)keylen, msg, msglen, out, &outlen))
        abort();
    return outlen;
}

void km__hex_encode(char *out, const void *data, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *p = data;

    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 0x0f];
    }
    out[2 * len] = '\0';
}

void km__digest_hex(char *out, enum km__digest digest, const void *msg,
                    size_t msglen)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (!EVP_Digest(msg, msglen, md, &mdlen, md_of(digest), NULL))
        abort();
    km__hex_encode(out, md, mdlen);
}

char *km__base64_encode(const void *data, size_t len)
{
    char *out;

    if (len > INT32_MAX / 4 * 3 - 3)
        abort();
    out = kx_xmalloc(4 * ((len + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

char *km__base64url_encode(const void *data, size_t len)
{
    char *out = km__base64_encode(data, len);
    char *eq = strchr(out, '=');

    if (eq)
        *eq = '\0';
    for (char *p = out; *p; p++)
        *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
    return out;
}

/* Whether b64 (len bytes, a multiple of 4) uses only the standard
 * alphabet with at most two '=' at the very end; *pad gets their count. */
static int well_formed(const char *b64, size_t len, size_t *pad)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "abcdefghijklmnopqrstuvwxyz0123456789+/";

    *pad = 0;
    while (*pad < 2 && *pad < len && b64[len - 1 - *pad] == '=')
        (*pad)++;
    for (size_t i = 0; i < len - *pad; i++) {
        if (!b64[i] || !strchr(alphabet, b64[i]))
            return 0;
    }
    return 1;
}

int km__base64_decode(unsigned char **out, size_t *outlen, const char *b64)
{
    size_t len = strlen(b64), pad;
    unsigned char *buf;
    int n;

    *out = NULL;
    *outlen = 0;
    if (len % 4 != 0 || len > INT32_MAX || !well_formed(b64, len, &pad))
        return -1;
    buf = kx_xmalloc(len / 4 * 3 + 1);
    /* EVP_DecodeBlock counts the padding as zero bytes; drop them. */
    n = EVP_DecodeBlock(buf, (const unsigned char *)b64, (int)len);
    if (n < 0 || (size_t)n < pad) {
        free(buf);
        return -1;
    }
    *outlen = (size_t)n - pad;
    buf[*outlen] = '\0';
    *out = buf;
    return 0;
}

int km__secret_equal(const char *a, const char *b)
{
    size_t len = strlen(a);

    return len == strlen(b) && CRYPTO_memcmp(a, b, len) == 0;
}

uint64_t km__rng_next(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

uint64_t km__rng_below(uint64_t *state, uint64_t bound)
{
    return bound ? km__rng_next(state) % bound : 0;
}
