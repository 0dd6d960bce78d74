#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "crypto.h"

static const EVP_MD *ks__md(enum ks__digest digest)
{
    return digest == KS__SHA1 ? EVP_sha1() : EVP_sha256();
}

ks_rc ks__hmac(unsigned char *out, enum ks__digest digest, const void *key,
               size_t keylen, const void *msg, size_t msglen)
{
    unsigned int outlen = 0;

    if (keylen > (size_t)INT32_MAX)
        return KS_EINVAL;
    if (!HMAC(ks__md(digest), key, (int)keylen, msg, msglen, out, &outlen))
        return KS_ERROR;
    return KS_OK;
}

void ks__hex_encode(char *out, const void *data, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *p = data;

    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 0x0f];
    }
    out[2 * len] = '\0';
}

ks_rc ks__digest_hex(char *out, size_t outsz, enum ks__digest digest,
                     const void *msg, size_t msglen)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (!EVP_Digest(msg, msglen, md, &mdlen, ks__md(digest), NULL))
        return KS_ERROR;
    if (outsz < 2 * (size_t)mdlen + 1)
        return KS_EINVAL;
    ks__hex_encode(out, md, mdlen);
    return KS_OK;
}

char *ks__base64_encode(const void *data, size_t len)
{
    size_t outlen = 4 * ((len + 2) / 3) + 1;
    char *out;

    if (len > (size_t)INT32_MAX)
        return NULL;
    out = ks__malloc(outlen);
    if (!out)
        return NULL;
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

ks_rc ks__base64_decode(unsigned char **out, size_t *outlen, const char *b64)
{
    size_t len = strlen(b64);
    unsigned char *buf;
    int n;

    *out = NULL;
    *outlen = 0;
    if (len % 4 != 0 || len > (size_t)INT32_MAX)
        return KS_EPARSE;
    buf = ks__malloc(len / 4 * 3 + 1);
    if (!buf)
        return KS_ENOMEM;
    /* EVP_DecodeBlock counts padding as zero bytes; subtract it. */
    n = EVP_DecodeBlock(buf, (const unsigned char *)b64, (int)len);
    if (n < 0) {
        ks__free(buf);
        return KS_EPARSE;
    }
    if (len >= 1 && b64[len - 1] == '=')
        n--;
    if (len >= 2 && b64[len - 2] == '=')
        n--;
    *out = buf;
    *outlen = (size_t)n;
    return KS_OK;
}
