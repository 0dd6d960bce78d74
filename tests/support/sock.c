/* Raw loopback sockets for load and attack tests (see sock.h). */
#define _GNU_SOURCE /* strcasestr */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "sock.h"

int kt_sock_dial(uint16_t port, int host, int nonblock)
{
    struct sockaddr_in src, dst;
    struct timeval tv = {5, 0};
    struct linger reset = {1, 0}; /* close with RST: no TIME_WAIT left */
    int fd = socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);

    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    memset(&src, 0, sizeof(src));
    src.sin_family = AF_INET;
    src.sin_addr.s_addr = htonl(0x7f000000u | (uint32_t)host);
    memset(&dst, 0, sizeof(dst));
    dst.sin_family = AF_INET;
    dst.sin_port = htons(port);
    dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0 ||
        (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) != 0 &&
         errno != EINPROGRESS)) {
        close(fd);
        return -1;
    }
    return fd;
}

int kt_sock_send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);

        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int kt_sock_read_status(int fd)
{
    char buf[8192];
    size_t len = 0, need = 0; /* need (size_t)-1: to the end */
    int status = 0;

    for (;;) {
        ssize_t k = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
        char *end;

        if (k <= 0) /* ended: whole only when no length was promised */
            return status && need == (size_t)-1 ? status : 0;
        len += (size_t)k;
        buf[len] = '\0';
        if (!status) {
            const char *cl;

            if (!(end = strstr(buf, "\r\n\r\n"))) {
                if (len >= sizeof(buf) - 1)
                    return 0; /* a head larger than any answer here */
                continue;
            }
            if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
                return 0;
            cl = strcasestr(buf, "Content-Length: ");
            need = cl ? strtoul(cl + 16, NULL, 10) : (size_t)-1;
            len -= (size_t)(end + 4 - buf); /* the body bytes so far */
        }
        if (need != (size_t)-1) {
            if (len >= need)
                return status;
            need -= len;
        }
        len = 0; /* body bytes need no keeping */
    }
}
