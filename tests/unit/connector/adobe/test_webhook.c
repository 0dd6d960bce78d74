/* unit.connector.adobe.webhook: ks_adobe_webhook_verify with a key pair
 * and a shared secret made here: the genuine signature verifies, a body
 * changed by one byte, another key's signature, a missing or malformed
 * signature are KS_EAUTH, a missing or unreadable key KS_EINVAL. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include "kinsync/adobe.h"

#define BODY                                                                   \
    "{\"eventName\":\"observer.sales_order_place_before\",\"data\":{"          \
    "\"order\":"                                                               \
    "{\"increment_id\":\"000000001\",\"items\":[{\"sku\":\"W-1\"}]}}}"

static EVP_PKEY *new_key(void)
{
    EVP_PKEY *k = EVP_RSA_gen(2048);

    assert_non_null(k);
    return k;
}

static void public_pem(char *out, size_t outsz, EVP_PKEY *k)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data;
    long n;

    assert_int_equal(PEM_write_bio_PUBKEY(bio, k), 1);
    n = BIO_get_mem_data(bio, &data);
    assert_true(n > 0 && (size_t)n < outsz);
    memcpy(out, data, (size_t)n);
    out[n] = '\0';
    BIO_free(bio);
}

/* base64 of raw into out. */
static void b64(char *out, const unsigned char *raw, size_t n)
{
    EVP_EncodeBlock((unsigned char *)out, raw, (int)n);
}

/* What Commerce sends: base64(RSA-SHA256(base64(body))). */
static void rsa_sign(char *out, EVP_PKEY *k, const char *body)
{
    char body64[1024];
    unsigned char sig[512];
    size_t n = sizeof(sig);
    EVP_MD_CTX *md = EVP_MD_CTX_new();

    b64(body64, (const unsigned char *)body, strlen(body));
    assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k), 1);
    assert_int_equal(
        EVP_DigestSign(md, sig, &n, (unsigned char *)body64, strlen(body64)),
        1);
    EVP_MD_CTX_free(md);
    b64(out, sig, n);
}

static void rsa_signature_verifies_and_a_changed_byte_does_not(void **state)
{
    EVP_PKEY *k = new_key(), *other = new_key();
    char pem[1024], sig[1024], other_sig[1024], body[] = BODY;

    (void)state;
    public_pem(pem, sizeof(pem), k);
    rsa_sign(sig, k, body);
    rsa_sign(other_sig, other, body);
    assert_int_equal(ks_adobe_webhook_verify(KS_ADOBE_SIGNING_RSA, pem, body,
                                             strlen(body), sig),
                     KS_OK);
    body[30] ^= 1;
    assert_int_equal(ks_adobe_webhook_verify(KS_ADOBE_SIGNING_RSA, pem, body,
                                             strlen(body), sig),
                     KS_EAUTH);
    body[30] ^= 1;
    assert_int_equal(ks_adobe_webhook_verify(KS_ADOBE_SIGNING_RSA, pem, body,
                                             strlen(body), other_sig),
                     KS_EAUTH);
    assert_int_equal(ks_adobe_webhook_verify(KS_ADOBE_SIGNING_RSA, pem, body,
                                             strlen(body), NULL),
                     KS_EAUTH);
    assert_int_equal(ks_adobe_webhook_verify(KS_ADOBE_SIGNING_RSA, pem, body,
                                             strlen(body), "not base64 !"),
                     KS_EAUTH);
    assert_int_equal(ks_adobe_webhook_verify(KS_ADOBE_SIGNING_RSA, "no key",
                                             body, strlen(body), sig),
                     KS_EINVAL);
    assert_int_equal(ks_adobe_webhook_verify(KS_ADOBE_SIGNING_RSA, NULL, body,
                                             strlen(body), sig),
                     KS_EINVAL);
    EVP_PKEY_free(k);
    EVP_PKEY_free(other);
}

static void hmac_signature_verifies_in_constant_time(void **state)
{
    const char *secret = "whsec-unit-7d1c";
    unsigned char mac[32];
    unsigned int n = sizeof(mac);
    char sig[64], body[] = BODY;

    (void)state;
    HMAC(EVP_sha256(), secret, (int)strlen(secret), (unsigned char *)body,
         strlen(body), mac, &n);
    b64(sig, mac, n);
    assert_int_equal(ks_adobe_webhook_verify(KS_ADOBE_SIGNING_HMAC, secret,
                                             body, strlen(body), sig),
                     KS_OK);
    assert_int_equal(ks_adobe_webhook_verify(KS_ADOBE_SIGNING_HMAC,
                                             "another-secret", body,
                                             strlen(body), sig),
                     KS_EAUTH);
    /* a truncated MAC (whole base64 groups) is not a shorter match */
    sig[20] = '\0';
    assert_int_equal(ks_adobe_webhook_verify(KS_ADOBE_SIGNING_HMAC, secret,
                                             body, strlen(body), sig),
                     KS_EAUTH);
    b64(sig, mac, n);
    body[0] = ' ';
    assert_int_equal(ks_adobe_webhook_verify(KS_ADOBE_SIGNING_HMAC, secret,
                                             body, strlen(body), sig),
                     KS_EAUTH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rsa_signature_verifies_and_a_changed_byte_does_not),
        cmocka_unit_test(hmac_signature_verifies_in_constant_time),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
