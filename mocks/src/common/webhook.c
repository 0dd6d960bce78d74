/*
 * One webhook POST over libcurl, to allowed destinations only (see
 * kinmock/webhook.h). The destination check runs in curl's open-socket
 * callback: it sees each address curl is about to connect to, after name
 * resolution, so what is checked is what would be connected.
 */
#include <arpa/inet.h>
#include <poll.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <curl/curl.h>
#include <kx/alloc.h>
#include <kx/buf.h>
#include <kx/time.h>
#include "kinmock/webhook.h"

static atomic_int allow_private_default;

void km_webhook_allow_private_default(int allow)
{
    atomic_store(&allow_private_default, allow != 0);
}

enum dest_kind { DEST_OK, DEST_PRIVATE, DEST_REFUSED };

struct v4_range {
    uint32_t net;
    unsigned bits;
    enum dest_kind kind;
    const char *what;
};

/* Checked in order; the first match decides. Not listed: public. */
static const struct v4_range v4_ranges[] = {
    {0x7f000000, 8, DEST_OK, "loopback"},
    {0xa9fea9fe, 32, DEST_REFUSED, "the cloud metadata service"},
    {0x646464c8, 32, DEST_REFUSED, "a cloud metadata service"},
    {0x00000000, 8, DEST_REFUSED, "unspecified (\"this network\")"},
    {0xa9fe0000, 16, DEST_REFUSED, "link-local"},
    {0xe0000000, 4, DEST_REFUSED, "multicast"},
    {0xf0000000, 4, DEST_REFUSED, "reserved or broadcast"},
    {0x0a000000, 8, DEST_PRIVATE, "private"},
    {0xac100000, 12, DEST_PRIVATE, "private"},
    {0xc0a80000, 16, DEST_PRIVATE, "private"},
    {0x64400000, 10, DEST_PRIVATE, "shared (carrier-grade NAT)"},
};

static enum dest_kind classify_v4(uint32_t a, const char **what)
{
    for (size_t i = 0; i < sizeof(v4_ranges) / sizeof(v4_ranges[0]); i++) {
        const struct v4_range *r = &v4_ranges[i];
        uint32_t mask = r->bits ? 0xffffffffu << (32 - r->bits) : 0;

        if ((a & mask) == r->net) {
            *what = r->what;
            return r->kind;
        }
    }
    *what = "public";
    return DEST_OK;
}

static uint32_t v4_at(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 |
           b[3];
}

static enum dest_kind classify_v6(const struct in6_addr *a, const char **what)
{
    static const uint8_t nat64[12] = {0x00, 0x64, 0xff, 0x9b};
    static const uint8_t aws_metadata[16] = {0xfd, 0x00, 0x0e,
                                             0xc2, [14] = 0x02};
    const uint8_t *b = a->s6_addr;

    if (IN6_IS_ADDR_LOOPBACK(a)) {
        *what = "loopback";
        return DEST_OK;
    }
    if (IN6_IS_ADDR_V4MAPPED(a) || memcmp(b, nat64, sizeof(nat64)) == 0)
        return classify_v4(v4_at(b + 12), what);
    if (memcmp(b, aws_metadata, 15) == 0 && b[15] == 0x54) {
        *what = "the cloud metadata service";
        return DEST_REFUSED;
    }
    if (IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_V4COMPAT(a)) {
        *what = "unspecified or deprecated IPv4-compatible";
        return DEST_REFUSED;
    }
    if (IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_SITELOCAL(a)) {
        *what = "link-local";
        return DEST_REFUSED;
    }
    if (IN6_IS_ADDR_MULTICAST(a)) {
        *what = "multicast";
        return DEST_REFUSED;
    }
    if ((b[0] & 0xfe) == 0xfc) {
        *what = "private (unique local)";
        return DEST_PRIVATE;
    }
    *what = "public";
    return DEST_OK;
}

int km_webhook_address_check(const struct sockaddr *sa, unsigned flags,
                             char *why, size_t whysz)
{
    char text[INET6_ADDRSTRLEN] = "?";
    const char *what = "not an IP address";
    enum dest_kind kind = DEST_REFUSED;

    if (sa && sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

        inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
        kind = classify_v4(ntohl(in->sin_addr.s_addr), &what);
    } else if (sa && sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

        inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
        kind = classify_v6(&in6->sin6_addr, &what);
    }
    if (kind == DEST_PRIVATE && ((flags & KM_WEBHOOK_ALLOW_PRIVATE) ||
                                 atomic_load(&allow_private_default)))
        kind = DEST_OK;
    if (kind == DEST_OK)
        return 0;
    snprintf(
        why, whysz, "webhook destination %s refused: it is %s%s", text, what,
        kind == DEST_PRIVATE ? " (allow private destinations in the emulator's "
                               "configuration or with kinsync serve "
                               "--allow-private-webhooks)"
                             : "");
    return -1;
}

struct guard {
    unsigned flags;
    char why[256]; /* the first refusal, "" when none */
};

/* curl's open-socket callback: a socket only for an allowed address. */
static curl_socket_t open_checked(void *ud, curlsocktype purpose,
                                  struct curl_sockaddr *addr)
{
    struct guard *g = ud;
    char why[256];

    (void)purpose;
    if (km_webhook_address_check(&addr->addr, g->flags, why, sizeof(why))) {
        if (!g->why[0])
            snprintf(g->why, sizeof(g->why), "%s", why);
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype, addr->protocol);
}

/* The receiver's reply body is not needed; discarding it keeps a large or
 * slow reply from piling up in memory. */
static size_t discard(char *ptr, size_t size, size_t nmemb, void *ud)
{
    (void)ptr;
    (void)ud;
    return size * nmemb;
}

/* Keeps the first max bytes of a reply (synchronous webhooks read their
 * answer); the rest is read and dropped. */
struct kept {
    char *data;
    size_t len, max;
};

static size_t keep(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct kept *k = ud;
    size_t n = size * nmemb, room = k->max - k->len;
    size_t take = n < room ? n : room;

    if (take) {
        k->data = kx_xrealloc(k->data, k->len + take + 1);
        memcpy(k->data + k->len, ptr, take);
        k->len += take;
        k->data[k->len] = '\0';
    }
    return n;
}

/* What every request of this file sets: the URL, the destination check
 * on each socket curl opens, no proxy, the time limits. */
static void connect_checked(CURL *curl, const char *url, struct guard *guard,
                            long timeout_ms)
{
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    /* A proxy would be what the check saw, not the destination. */
    curl_easy_setopt(curl, CURLOPT_PROXY, "");
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, open_checked);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, guard);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
}

long km_webhook_post(const char *url, const char *const *headers,
                     const char *body, size_t len, long timeout_ms,
                     unsigned flags, char *err, size_t errsz)
{
    return km_webhook_post_reply(url, headers, body, len, timeout_ms, flags,
                                 NULL, 0, err, errsz);
}

long km_webhook_post_reply(const char *url, const char *const *headers,
                           const char *body, size_t len, long timeout_ms,
                           unsigned flags, char **reply, size_t max_reply,
                           char *err, size_t errsz)
{
    struct kept kept = {NULL, 0, max_reply};
    struct curl_slist *list = NULL, *grown;
    struct guard guard = {flags, ""};
    CURL *curl = curl_easy_init();
    long status = 0;
    CURLcode cc;

    if (errsz)
        err[0] = '\0';
    if (reply)
        *reply = NULL;
    if (!curl) {
        snprintf(err, errsz, "curl_easy_init failed");
        return 0;
    }
    for (size_t i = 0; headers && headers[i]; i++) {
        grown = curl_slist_append(list, headers[i]);
        if (!grown) {
            snprintf(err, errsz, "out of memory building headers");
            goto out;
        }
        list = grown;
    }
    connect_checked(curl, url, &guard, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body ? body : "");
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    if (reply) {
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keep);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &kept);
    } else {
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    }
    cc = curl_easy_perform(curl);
    if (cc != CURLE_OK)
        snprintf(err, errsz, "%s",
                 guard.why[0] ? guard.why : curl_easy_strerror(cc));
    else
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
out:
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    if (reply && status)
        *reply = kept.data ? kept.data : kx_xstrdup("");
    else
        free(kept.data);
    return status;
}

/* ---- a cut upload ------------------------------------------------------ */

/* The request line and headers km_webhook_post() would send for url, with
 * Content-Length len, into b; -1 when url has no host. */
static int request_head(struct kx_buf *b, const char *url,
                        const char *const *headers, size_t len)
{
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL, *path = NULL, *query = NULL;
    int rc = -1;

    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK) {
        curl_url_get(u, CURLUPART_PORT, &port, 0); /* only when explicit */
        curl_url_get(u, CURLUPART_QUERY, &query, 0);
        kx_buf_printf(b, "POST %s%s%s HTTP/1.1\r\nHost: %s%s%s\r\n", path,
                      query ? "?" : "", query ? query : "", host,
                      port ? ":" : "", port ? port : "");
        kx_buf_puts(b, "Accept: */*\r\n");
        for (size_t i = 0; headers && headers[i]; i++)
            kx_buf_printf(b, "%s\r\n", headers[i]);
        kx_buf_printf(b, "Content-Length: %zu\r\n\r\n", len);
        rc = 0;
    }
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_free(query);
    curl_url_cleanup(u);
    return rc;
}

/* Sends all of data over curl's connection (CONNECT_ONLY), waiting for
 * the socket when it is full, up to deadline (kx_monotonic_ms). */
static CURLcode send_all(CURL *curl, const char *data, size_t len,
                         int64_t deadline)
{
    curl_socket_t fd = CURL_SOCKET_BAD;
    CURLcode cc = CURLE_OK;
    size_t sent;

    curl_easy_getinfo(curl, CURLINFO_ACTIVESOCKET, &fd);
    while (len && cc == CURLE_OK) {
        cc = curl_easy_send(curl, data, len, &sent);
        if (cc == CURLE_AGAIN) {
            struct pollfd p = {fd, POLLOUT, 0};
            int64_t left = deadline - kx_monotonic_ms();

            if (left <= 0)
                return CURLE_OPERATION_TIMEDOUT;
            poll(&p, 1, (int)left);
            cc = CURLE_OK;
            continue;
        }
        data += sent;
        len -= sent;
    }
    return cc;
}

long km_webhook_post_cut(const char *url, const char *const *headers,
                         const char *body, size_t len, long timeout_ms,
                         unsigned flags, char *err, size_t errsz)
{
    struct guard guard = {flags, ""};
    struct kx_buf req = KX_BUF_INIT;
    int64_t deadline = kx_monotonic_ms() + timeout_ms;
    size_t half = len / 2;
    CURL *curl = curl_easy_init();
    CURLcode cc;

    if (errsz)
        err[0] = '\0';
    if (!curl) {
        snprintf(err, errsz, "curl_easy_init failed");
        return 0;
    }
    if (request_head(&req, url, headers, len) != 0) {
        snprintf(err, errsz, "not a URL with a host: %s", url);
        goto out;
    }
    kx_buf_add(&req, body, half);
    connect_checked(curl, url, &guard, timeout_ms);
    /* connect (and TLS) only: the bytes are ours to send */
    curl_easy_setopt(curl, CURLOPT_CONNECT_ONLY, 1L);
    cc = curl_easy_perform(curl);
    if (cc == CURLE_OK)
        cc = send_all(curl, kx_buf_str(&req), req.len, deadline);
    if (cc != CURLE_OK)
        snprintf(err, errsz, "%s",
                 guard.why[0] ? guard.why : curl_easy_strerror(cc));
    else
        snprintf(err, errsz,
                 "connection cut after %zu of %zu bytes of the body (a cut "
                 "fault)",
                 half, len);
out:
    kx_buf_reset(&req);
    curl_easy_cleanup(curl); /* closes the connection */
    return 0;
}
