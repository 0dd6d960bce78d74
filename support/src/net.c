/* Loopback checks and numeric bind addresses (see kx/net.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "kx/net.h"

/* host without the brackets of a URL's IPv6 literal, into buf. */
static const char *unbracket(char *buf, size_t bufsz, const char *host)
{
    size_t n = strlen(host);

    if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 1 <= bufsz) {
        memcpy(buf, host + 1, n - 2);
        buf[n - 2] = '\0';
        return buf;
    }
    return host;
}

int kx_host_is_loopback(const char *host)
{
    struct sockaddr_storage ss;
    char buf[INET6_ADDRSTRLEN + 8];
    const char *h;

    if (!host)
        return 0;
    if (strcasecmp(host, "localhost") == 0 ||
        strcasecmp(host, "localhost.") == 0)
        return 1;
    h = unbracket(buf, sizeof(buf), host);
    switch (kx_addr_parse(&ss, h, 0)) {
    case AF_INET:
        return (ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24) ==
               127;
    case AF_INET6:
        return IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&ss)->sin6_addr);
    default:
        return 0;
    }
}

int kx_addr_parse(struct sockaddr_storage *ss, const char *addr, uint16_t port)
{
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    struct in6_addr a6;

    memset(ss, 0, sizeof(*ss));
    if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        return AF_INET;
    }
    if (inet_pton(AF_INET6, addr, &a6) != 1)
        return -1;
    if (IN6_IS_ADDR_V4MAPPED(&a6)) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        memcpy(&v4->sin_addr, &a6.s6_addr[12], 4);
        return AF_INET;
    }
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    v6->sin6_addr = a6;
    return AF_INET6;
}
