/*
 * Raw loopback sockets for load and attack tests (and bench/soak.c, which
 * compiles sock.c itself): a client from any 127.0.0.N, so that per-address
 * limits can be exercised and no port is taken on 127.0.0.1, closed with
 * RST (no TIME_WAIT left behind), with 5 s send and receive timeouts.
 * Plain C, no test framework: failures are return values.
 */
#ifndef KT_SOCK_H
#define KT_SOCK_H

#include <stddef.h>
#include <stdint.h>

/* A TCP socket from 127.0.0.<host> to 127.0.0.1:port; with nonblock the
 * connect may still be in progress. -1 when it cannot be made. */
int kt_sock_dial(uint16_t port, int host, int nonblock);

/* Sends all n bytes; 0, or -1 when the connection failed first. */
int kt_sock_send_all(int fd, const char *p, size_t n);

/* Reads one HTTP/1.x response (its head, then Content-Length bytes, or to
 * the end of the connection); its status, or 0 when none came whole. */
int kt_sock_read_status(int fd);

#endif
