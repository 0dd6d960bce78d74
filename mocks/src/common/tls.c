/*
 * The emulators' certificate authority and server certificate
 * (kinmock/tls.h), made with OpenSSL's EVP_PKEY and X509 APIs. The
 * extensions follow what strict verifiers ask of a CA and a leaf (Python
 * 3.13's VERIFY_X509_STRICT, .NET, Node): a critical basicConstraints,
 * keyUsage, subject and authority key identifiers, and serverAuth.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <kx/alloc.h>
#include <kx/buf.h>
#include "tls_int.h"

int km_tls_supported(void)
{
    return MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES;
}

int km_tls_name_check(const char *name, char *err, size_t errsz)
{
    unsigned char ip[16];
    const char *p = name;

    if (inet_pton(AF_INET, name, ip) == 1 || inet_pton(AF_INET6, name, ip) == 1)
        return 0;
    if (strncmp(p, "*.", 2) == 0)
        p += 2;
    if (!*p || strlen(name) > 253 || *p == '.' || *p == '-')
        goto bad;
    for (; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
            goto bad;
    }
    return 0;
bad:
    snprintf(err, errsz,
             "\"%s\" is neither an IP address nor a DNS host name (letters, "
             "digits, '-' and '.', optionally after \"*.\")",
             name);
    return -1;
}

/* err <- what + OpenSSL's first queued error; returns -1. */
static int ossl_fail(char *err, size_t errsz, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[256] = "unknown error";

    if (e)
        ERR_error_string_n(e, buf, sizeof(buf));
    ERR_clear_error();
    snprintf(err, errsz, "TLS: %s: %s", what, buf);
    return -1;
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *ext;
    int ok;

    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext)
        return -1;
    ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

/* A version 3 certificate for key with subject CN=cn, a random 127-bit
 * serial and the validity window; issuer and signature come later. */
static X509 *cert_begin(EVP_PKEY *key, const char *cn)
{
    X509 *cert = X509_new();
    BIGNUM *serial = BN_new();
    X509_NAME *name = X509_NAME_new();
    int ok = cert && serial && name && X509_set_version(cert, 2) &&
             BN_rand(serial, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
             BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert)) &&
             X509_gmtime_adj(X509_getm_notBefore(cert), -3600) &&
             X509_gmtime_adj(X509_getm_notAfter(cert),
                             (long)KM_TLS_VALID_DAYS * 86400) &&
             X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                        (const unsigned char *)"kinsync", -1,
                                        -1, 0) &&
             X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                        (const unsigned char *)cn, -1, -1, 0) &&
             X509_set_subject_name(cert, name) && X509_set_pubkey(cert, key);

    BN_free(serial);
    X509_NAME_free(name);
    if (!ok) {
        X509_free(cert);
        return NULL;
    }
    return cert;
}

/* The subjectAltName value: the loopback names, then the caller's. */
static char *san_value(const char *const *names, size_t nnames)
{
    struct kx_buf b = KX_BUF_INIT;
    unsigned char ip[16];

    kx_buf_puts(&b, "DNS:localhost,IP:127.0.0.1,IP:::1");
    for (size_t i = 0; i < nnames; i++) {
        int is_ip = inet_pton(AF_INET, names[i], ip) == 1 ||
                    inet_pton(AF_INET6, names[i], ip) == 1;

        kx_buf_printf(&b, ",%s:%s", is_ip ? "IP" : "DNS", names[i]);
    }
    return kx_buf_detach(&b);
}

static X509 *make_ca(EVP_PKEY *key)
{
    X509 *ca = cert_begin(key, "kinsync emulators test CA");

    if (!ca || !X509_set_issuer_name(ca, X509_get_subject_name(ca)) ||
        add_ext(ca, ca, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
        add_ext(ca, ca, NID_key_usage, "critical,keyCertSign,cRLSign") ||
        add_ext(ca, ca, NID_subject_key_identifier, "hash") ||
        add_ext(ca, ca, NID_authority_key_identifier, "keyid:always") ||
        !X509_sign(ca, key, EVP_sha256())) {
        X509_free(ca);
        return NULL;
    }
    return ca;
}

static X509 *make_leaf(EVP_PKEY *key, X509 *ca, EVP_PKEY *ca_key,
                       const char *san)
{
    X509 *leaf = cert_begin(key, "localhost");

    if (!leaf || !X509_set_issuer_name(leaf, X509_get_subject_name(ca)) ||
        add_ext(leaf, ca, NID_basic_constraints, "critical,CA:FALSE") ||
        add_ext(leaf, ca, NID_key_usage, "critical,digitalSignature") ||
        add_ext(leaf, ca, NID_ext_key_usage, "serverAuth") ||
        add_ext(leaf, ca, NID_subject_key_identifier, "hash") ||
        add_ext(leaf, ca, NID_authority_key_identifier, "keyid:always") ||
        add_ext(leaf, ca, NID_subject_alt_name, san) ||
        !X509_sign(leaf, ca_key, EVP_sha256())) {
        X509_free(leaf);
        return NULL;
    }
    return leaf;
}

/* PEM text of a certificate (cert) or a private key (key); NULL when
 * OpenSSL fails. */
static char *to_pem(X509 *cert, EVP_PKEY *key)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL, *pem = NULL;
    long len;
    int ok;

    if (!bio)
        return NULL;
    ok = cert ? PEM_write_bio_X509(bio, cert)
              : PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
    len = BIO_get_mem_data(bio, &data);
    if (ok && len > 0)
        pem = kx_xstrndup(data, (size_t)len);
    BIO_free(bio);
    return pem;
}

int km_tls_new(struct km_tls **out, const char *const *names, size_t nnames,
               char *err, size_t errsz)
{
    struct km_tls *tls = NULL;
    EVP_PKEY *ca_key = NULL, *key = NULL;
    X509 *ca = NULL, *leaf = NULL;
    char *san = NULL;
    int rc = -1;

    *out = NULL;
    for (size_t i = 0; i < nnames; i++)
        if (km_tls_name_check(names[i], err, errsz) != 0)
            return -1;
    san = san_value(names, nnames);
    if (!(ca_key = EVP_EC_gen("P-256")) || !(key = EVP_EC_gen("P-256"))) {
        rc = ossl_fail(err, errsz, "cannot make a P-256 key");
        goto out;
    }
    if (!(ca = make_ca(ca_key)) || !(leaf = make_leaf(key, ca, ca_key, san))) {
        rc = ossl_fail(err, errsz, "cannot make the certificates");
        goto out;
    }
    tls = kx_xcalloc(1, sizeof(*tls));
    tls->ca_pem = to_pem(ca, NULL);
    tls->cert_pem = to_pem(leaf, NULL);
    tls->key_pem = to_pem(NULL, key);
    if (!tls->ca_pem || !tls->cert_pem || !tls->key_pem) {
        rc = ossl_fail(err, errsz, "cannot write PEM");
        goto out;
    }
    *out = tls;
    tls = NULL;
    rc = 0;
out:
    km_tls_free(tls);
    free(san);
    X509_free(ca);
    X509_free(leaf);
    EVP_PKEY_free(ca_key); /* the CA signs nothing else */
    EVP_PKEY_free(key);
    return rc;
}

void km_tls_free(struct km_tls *tls)
{
    if (!tls)
        return;
    free(tls->ca_pem);
    free(tls->cert_pem);
    if (tls->key_pem)
        OPENSSL_cleanse(tls->key_pem, strlen(tls->key_pem));
    free(tls->key_pem);
    free(tls);
}

int km_tls_write_ca(const struct km_tls *tls, const char *path, char *err,
                    size_t errsz)
{
    size_t len = strlen(tls->ca_pem), done = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

    if (fd < 0)
        goto fail;
    while (done < len) {
        ssize_t n = write(fd, tls->ca_pem + done, len - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto fail;
        done += (size_t)n;
    }
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    return 0;
fail:
    snprintf(err, errsz, "cannot write the CA certificate to %s: %s", path,
             strerror(errno));
    if (fd >= 0)
        close(fd);
    return -1;
}

int km__tls_daemon_options(struct MHD_OptionItem items[3], unsigned int *flags,
                           const struct km_tls *tls, char *err, size_t errsz)
{
    for (int i = 0; i < 3; i++)
        items[i] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    if (!tls)
        return 0;
    if (!km_tls_supported()) {
        snprintf(err, errsz,
                 "HTTPS requested, but this libmicrohttpd was built without "
                 "TLS (MHD_FEATURE_TLS); install one built with GnuTLS");
        return -1;
    }
    *flags |= MHD_USE_TLS;
    items[0] =
        (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, tls->key_pem};
    items[1] =
        (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, tls->cert_pem};
    return 0;
}
