/*
 * Internals of `kinsync record` shared by record.c (options, start-up,
 * the HAR file) and record_proxy.c (the streaming proxy). kh__ prefix;
 * not an interface.
 *
 * Memory: an exchange holds two pipes of KH__RECORD_PIPE bytes (request
 * body upstream, response body to the client) and, for the HAR, the
 * first body_max bytes of each body; everything beyond streams through
 * the pipes and is counted, not kept. See the host README ("record:
 * streaming and memory").
 */
#ifndef KH_RECORD_H
#define KH_RECORD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cjson/cJSON.h>

#define KH__RECORD_MAX_SYSTEMS 16
/* Bytes in flight per direction of one exchange. */
#define KH__RECORD_PIPE ((size_t)256 << 10)
/* The default and the largest --body-max: bytes of each body kept. */
#define KH__RECORD_BODY_MAX ((size_t)1 << 20)
#define KH__RECORD_BODY_MAX_LIMIT ((size_t)32 << 20)
/* Seconds one side may wait for the other before the exchange is given
 * up (a client that stops reading, an upstream that stops sending). */
#define KH__RECORD_STALL_S 120

struct kh__recorder;

struct kh__rec_system {
    const char *name, *target;
    long port;
    struct MHD_Daemon *daemon;
    char url[96];
    struct kh__recorder *rec;
    atomic_long recorded, failed;
};

struct kh__recorder {
    struct kh__rec_system systems[KH__RECORD_MAX_SYSTEMS];
    int n;
    const char *cacert;
    size_t body_max;
    struct kh_redactor *redactor;
    atomic_int stopping; /* set before the servers stop: waits give up */
    FILE *out;
    pthread_mutex_t lock; /* out, entries, seq */
    long entries, seq;
};

/* Starts sys's proxy on bind (numeric loopback) and fills sys->url.
 * 0, or -1 with a one-line reason in err. */
int kh__record_proxy_start(struct kh__rec_system *sys, const char *bind,
                           char *err, size_t errsz);
/* Stops it; returns when every exchange has ended. NULL-safe daemon. */
void kh__record_proxy_stop(struct kh__rec_system *sys);

/* One finished exchange, as the proxy hands it to the HAR: journal
 * (kh_har_entry's journal form; its bodies the kept prefixes) and the
 * bodies' full sizes. Redacts and appends it under the recorder's lock. */
void kh__record_append(struct kh__rec_system *sys, cJSON *journal,
                       uint64_t request_size, uint64_t response_size);

#endif
