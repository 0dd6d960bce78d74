/*
 * OAuth 1.0a request signing (RFC 5849), shared by the clients that sign:
 * WooCommerce (one-legged, over plain HTTP) and Adobe Commerce
 * integrations (with an access token). Only the HMAC methods; which one
 * is the caller's choice, since each platform accepts exactly one.
 */
#ifndef KS_HTTP_OAUTH1_H
#define KS_HTTP_OAUTH1_H

#include <stdint.h>
#include "../core/crypto.h"

/* What signs one request. token and token_secret are NULL for a
 * one-legged request (no oauth_token is sent; the key ends in "&"). */
struct ks__oauth1_creds {
    const char *consumer_key;
    const char *consumer_secret;
    const char *token;
    const char *token_secret;
};

/*
 * The signature base string of RFC 5849 §3.4.1: METHOD & enc(base URI) &
 * enc(parameter string), the parameter string being the URL's query plus
 * params (name, value pairs ended by NULL), each name and value encoded
 * (RFC 3986 unreserved set kept), sorted by encoded name then value and
 * joined as name=value with '&'. Values are thereby encoded twice (':'
 * ends as %253A). Scheme and host are lower-cased, default ports dropped.
 * EINVAL for a URL curl cannot parse.
 */
ks_rc ks__oauth1_base_string(char **out, const char *method, const char *url,
                             const char *const *params);

/* base64(HMAC(enc(consumer_secret) "&" enc(token_secret), base)), RFC
 * 5849 §3.4.2; token_secret may be NULL (one-legged). */
ks_rc ks__oauth1_signature(char **out, enum ks__digest digest,
                           const char *consumer_secret,
                           const char *token_secret, const char *base);

/*
 * The whole "Authorization: OAuth ..." line of one request at timestamp
 * (seconds) with nonce, signed with digest ("HMAC-SHA1" or
 * "HMAC-SHA256" as oauth_signature_method). The URL's query takes part
 * in the signature; the oauth_* parameters travel only in the header.
 */
ks_rc ks__oauth1_header(char **out, const struct ks__oauth1_creds *creds,
                        enum ks__digest digest, const char *method,
                        const char *url, int64_t timestamp, const char *nonce);

/* A fresh nonce from OpenSSL's RNG: 32 lower-case hex digits into out
 * (33 bytes). KS_ERROR when the RNG fails. */
ks_rc ks__oauth1_nonce(char out[33]);

#endif
