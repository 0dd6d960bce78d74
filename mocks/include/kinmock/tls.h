/*
 * HTTPS for the emulators: a throwaway certificate authority and one
 * server certificate it signs, made in memory when a server set starts
 * (`kinsync serve --tls`, a scenario with "tls": true).
 *
 * The CA's private key is dropped as soon as the server certificate is
 * signed, so nothing can sign another certificate with it: trusting the
 * CA file trusts this one certificate only, for as long as it is valid.
 * The server certificate names localhost, 127.0.0.1 and ::1, plus the
 * names the caller adds (a vendor host name a client hard-codes, pointed
 * at loopback through /etc/hosts or curl --resolve).
 */
#ifndef KINMOCK_TLS_H
#define KINMOCK_TLS_H

#include <stddef.h>

/* PEM text, owned by the struct. */
struct km_tls {
    char *ca_pem;   /* the CA certificate clients are told to trust */
    char *cert_pem; /* the server certificate (subjectAltName as above) */
    char *key_pem;  /* its private key, PKCS#8 */
};

/* How long the certificates are valid, from one hour before the start. */
#define KM_TLS_VALID_DAYS 30

/* 1 when libmicrohttpd was built with TLS (MHD_FEATURE_TLS), else 0. */
int km_tls_supported(void);

/* 0 when name is an IPv4/IPv6 literal or a DNS host name (letters,
 * digits, '-', '.', an optional leading "*."), else -1 with the reason. */
int km_tls_name_check(const char *name, char *err, size_t errsz);

/*
 * Makes the CA and the server certificate (ECDSA P-256, SHA-256), adding
 * names[0..nnames) to the subjectAltName. Returns 0, or -1 with a
 * one-line reason in err (a bad name, or OpenSSL's error). Aborts on
 * out-of-memory like the rest of the emulators.
 */
int km_tls_new(struct km_tls **out, const char *const *names, size_t nnames,
               char *err, size_t errsz);
void km_tls_free(struct km_tls *tls); /* NULL-safe */

/* Writes the CA certificate to path (mode 0644: it is public). 0, or -1
 * with the reason. */
int km_tls_write_ca(const struct km_tls *tls, const char *path, char *err,
                    size_t errsz);

#endif
