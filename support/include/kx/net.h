/*
 * Addresses: which hosts are loopback, and numeric bind addresses read
 * into a socket address. Nothing here resolves a name or allocates.
 */
#ifndef KX_NET_H
#define KX_NET_H

#include <stdint.h>
#include <sys/socket.h>

/* 1 when host is loopback: "localhost" (any case, an optional trailing
 * dot), 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104 (IPv6 with or without
 * the brackets of a URL); 0 for anything else, names included. */
int kx_host_is_loopback(const char *host);

/* Reads the numeric address addr and port into ss. An IPv4-mapped IPv6
 * address (::ffff:a.b.c.d) becomes the IPv4 address it carries, since a
 * socket that listens on IPv6 only cannot bind it. Returns AF_INET or
 * AF_INET6, or -1 when addr is not a numeric address. */
int kx_addr_parse(struct sockaddr_storage *ss, const char *addr, uint16_t port);

#endif
