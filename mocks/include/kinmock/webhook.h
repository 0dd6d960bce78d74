/*
 * Outbound webhook delivery shared by the storefront emulators. Each
 * platform decides what to send, how to sign it and when to retry; this
 * only performs one POST, and only to a destination it may reach.
 *
 * Destinations. Whoever registers a hook chooses where the emulator sends
 * requests, and whoever drives `kinsync serve` may be a web page the
 * developer visits; so by default a webhook reaches only loopback and the
 * public internet. Refused always: link-local (169.254.0.0/16, fe80::/10,
 * which holds the cloud metadata service 169.254.169.254), other cloud
 * metadata addresses (100.100.100.200, fd00:ec2::254), unspecified,
 * multicast, broadcast and reserved addresses. Refused unless allowed
 * (KM_WEBHOOK_ALLOW_PRIVATE, km_webhook_allow_private_default()): the
 * private ranges 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, the shared
 * 100.64.0.0/10 and fc00::/7. IPv4 inside IPv6 (::ffff:a.b.c.d,
 * 64:ff9b::/96) is judged as the IPv4 address. The check is made on each
 * address at the moment a socket for it is opened, after name
 * resolution, so a name that resolves to a refused address (DNS
 * rebinding) is refused too; proxies from the environment are not used.
 */
#ifndef KINMOCK_WEBHOOK_H
#define KINMOCK_WEBHOOK_H

#include <stddef.h>

struct sockaddr;

/* km_webhook_post() flags. */
#define KM_WEBHOOK_ALLOW_PRIVATE 1u /* private ranges may be reached */

/*
 * POSTs body to url with the given headers ("Name: value" strings, the
 * array ended by NULL). Redirects are not followed. Returns the HTTP status,
 * or 0 when no reply came (refused, reset, timed out, or a destination
 * refused as above, without any connection being attempted), with the
 * reason in err. Never waits longer than timeout_ms of real time.
 */
long km_webhook_post(const char *url, const char *const *headers,
                     const char *body, size_t len, long timeout_ms,
                     unsigned flags, char *err, size_t errsz);

/*
 * The same, keeping the reply: on a reply (status > 0) *reply holds its
 * first max_reply bytes, NUL-terminated (the caller frees it); NULL
 * otherwise. For synchronous webhooks, whose answer says what to do.
 */
long km_webhook_post_reply(const char *url, const char *const *headers,
                           const char *body, size_t len, long timeout_ms,
                           unsigned flags, char **reply, size_t max_reply,
                           char *err, size_t errsz);

/*
 * A network drop in the middle of the upload, on purpose: connects to url
 * as km_webhook_post() would (the same destination checks), sends the
 * request line and headers of that POST with "Content-Length: len" and
 * only the first len / 2 bytes of body, then closes the connection
 * without reading an answer. The receiver sees an incomplete request and
 * never a body it could act on. Returns 0 (no reply) with err saying how
 * much was sent, or why the connection failed.
 */
long km_webhook_post_cut(const char *url, const char *const *headers,
                         const char *body, size_t len, long timeout_ms,
                         unsigned flags, char *err, size_t errsz);

/*
 * Whether a webhook may be sent to the address sa (AF_INET or AF_INET6;
 * anything else is refused): 0 when it may, -1 when not, with why naming
 * the address and its kind ("169.254.169.254 is link-local (the cloud
 * metadata service)"). Private ranges pass when flags has
 * KM_WEBHOOK_ALLOW_PRIVATE or the process default allows them.
 */
int km_webhook_address_check(const struct sockaddr *sa, unsigned flags,
                             char *why, size_t whysz);

/* Sets the process-wide default for private ranges (off at start), which
 * every emulator in the process then follows even when its own
 * configuration does not allow them: `kinsync serve
 * --allow-private-webhooks`. Safe to call while deliveries run. */
void km_webhook_allow_private_default(int allow);

#endif
