/*
 * Outbound webhook delivery shared by the storefront emulators. Each
 * platform decides what to send, how to sign it and when to retry; this
 * only performs one POST.
 */
#ifndef KINMOCK_WEBHOOK_H
#define KINMOCK_WEBHOOK_H

#include <stddef.h>

/*
 * POSTs body to url with the given headers ("Name: value" strings, the
 * array ended by NULL). Redirects are not followed. Returns the HTTP status,
 * or 0 when no reply came (refused, reset, timed out), with the reason in
 * err. Never waits longer than timeout_ms of real time.
 */
long km_webhook_post(const char *url, const char *const *headers,
                     const char *body, size_t len, long timeout_ms, char *err,
                     size_t errsz);

#endif
