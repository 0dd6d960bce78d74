/*
 * What the clients that fetch bearer tokens share: when a cached token is
 * renewed, and the form body of a token request.
 */
#ifndef KS_HTTP_TOKEN_H
#define KS_HTTP_TOKEN_H

#include "../core/internal.h"

/* 1 when a cached token must be renewed before use at now_ms: none yet,
 * or within the margin of its expiry (the margin capped at half the
 * token's lifetime, so a short-lived token is not renewed on every
 * call). */
int ks__token_due(int64_t now_ms, int64_t obtained_ms, int64_t expires_ms,
                  int64_t margin_ms, int have_token);

/* Appends name=value to an application/x-www-form-urlencoded body, the
 * value escaped by libcurl; the escaped copy is wiped (a form may carry
 * a client secret). */
ks_rc ks__http_form_add(struct ks__buf *form, const char *name,
                        const char *value);

#endif
