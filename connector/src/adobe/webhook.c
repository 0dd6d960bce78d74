/*
 * Verifying the signature of an Adobe Commerce synchronous webhook
 * delivery (x-adobe-commerce-webhook-signature).
 *
 * Commerce signs the base64 of the body with RSA-SHA256 under a key pair
 * the merchant generates, and sends the base64 of the signature; the
 * receiver holds the PEM public key. The HMAC mode is the shared-secret
 * reading integrators give the documentation: base64 of HMAC-SHA256 of the
 * raw body.
 */
#include <string.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include "adobe_int.h"
#include "core/crypto.h"

static ks_rc verify_hmac(const char *secret, const char *body, size_t len,
                         const unsigned char *sig, size_t siglen)
{
    unsigned char mac[32];

    if (ks__hmac(mac, KS__SHA256, secret, strlen(secret), body, len) != KS_OK)
        return KS_ERROR;
    if (siglen != sizeof(mac) || CRYPTO_memcmp(mac, sig, sizeof(mac)) != 0)
        return KS_EAUTH;
    return KS_OK;
}

static ks_rc verify_rsa(const char *pem, const char *body, size_t len,
                        const unsigned char *sig, size_t siglen)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *pub = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    char *b64 = ks__base64_encode(body, len);
    ks_rc rc = KS_EAUTH;

    if (!bio || !md || !b64)
        rc = KS_ENOMEM;
    else if (!pub)
        rc = KS_EINVAL; /* not a public key: the configuration's fault */
    else if (EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub) == 1 &&
             EVP_DigestVerify(md, sig, siglen, (const unsigned char *)b64,
                              strlen(b64)) == 1)
        rc = KS_OK;
    ks__free(b64);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pub);
    BIO_free(bio);
    return rc;
}

ks_rc ks_adobe_webhook_verify(enum ks_adobe_signing mode, const char *key,
                              const char *body, size_t len,
                              const char *signature)
{
    unsigned char *sig = NULL;
    size_t siglen = 0;
    ks_rc rc;

    if (!key || !*key || !body)
        return KS_EINVAL;
    if (!signature || !*signature)
        return KS_EAUTH;
    rc = ks__base64_decode(&sig, &siglen, signature);
    if (rc == KS_ENOMEM)
        return rc;
    if (rc != KS_OK || siglen == 0) {
        ks__free(sig);
        return KS_EAUTH;
    }
    rc = mode == KS_ADOBE_SIGNING_HMAC
             ? verify_hmac(key, body, len, sig, siglen)
             : verify_rsa(key, body, len, sig, siglen);
    ks__free(sig);
    return rc;
}
