/*
 * Internals of the emulator core shared by server.c, route.c, journal.c,
 * faults.c and emulator.c (km__ prefix). Emulators may include it for the
 * route matcher; nothing here is a stable interface.
 */
#ifndef KM_COMMON_SERVER_INT_H
#define KM_COMMON_SERVER_INT_H

/* kinmock/server.h documents a route glob ending in "/" "*" inside a
 * comment, which -Wcomment flags; the header is fixed, so silence it here
 * for every file of the core. */
#pragma GCC diagnostic ignored "-Wcomment"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <kx/alloc.h>
#include "kinmock/server.h"

/* ---- small containers -------------------------------------------------- */

struct km__kv {
    char *name;
    char *value;
};

/* An ordered list of name/value pairs (headers, query arguments). */
struct km__kvs {
    struct km__kv *v;
    size_t n;
    size_t cap;
};

void km__kvs_add(struct km__kvs *l, const char *name, size_t nlen,
                 const char *value, size_t vlen);
/* Replaces the value of the first pair named name (case-insensitive) or
 * appends one. */
void km__kvs_set(struct km__kvs *l, const char *name, const char *value);
const char *km__kvs_get(const struct km__kvs *l, const char *name);
void km__kvs_dispose(struct km__kvs *l);

/* Splits a raw query string ("a=1&b=x%20y") into decoded pairs; '+' is a
 * space as in HTML forms. */
void km__query_parse(struct km__kvs *out, const char *query);

/* ---- responses --------------------------------------------------------- */

struct km_response {
    int status; /* 0 until a handler set it */
    char *body; /* NUL-terminated; NULL when empty */
    size_t len;
    struct km__kvs headers;
};

void km__response_dispose(struct km_response *res);
/* kx_json_print (the bytes of cJSON_PrintUnformatted, in a buffer of
 * size_hint bytes first), aborting on out-of-memory as the emulators do:
 * the text, its length in *len; NULL where cJSON fails too. Caller
 * frees (print.c). */
char *km__json_print(const cJSON *item, size_t size_hint, size_t *len);
/* {"error": msg} with the given status. */
void km__response_error(struct km_response *res, int status, const char *msg);

/* ---- routes ------------------------------------------------------------ */

struct km__captures {
    char *names[KM_MAX_CAPTURES]; /* "id" of "{id}" */
    char *values[KM_MAX_CAPTURES];
    size_t n;
};

/* Flags of km__route_match. */
#define KM__ROUTE_NOCASE 1u /* literals match in any case */

/*
 * Matches path against a route pattern ("{name}" = one non-empty segment,
 * which runs to the next '/' outside single quotes; trailing '*' = the
 * rest, possibly empty). On a match returns 1 and fills caps (freed with
 * km__captures_dispose); 0 otherwise, caps left empty.
 */
int km__route_match(const char *pattern, const char *path, unsigned flags,
                    struct km__captures *caps);
void km__captures_dispose(struct km__captures *caps);

/*
 * How many '/' a path needs for a pattern to match it, so that a router
 * can pass over most patterns without trying them: every '/' of the
 * pattern matches one of the path's, a capture takes none unless the
 * path has a single quote, and only a trailing '*' takes any number.
 */
struct km__route_shape {
    size_t slashes; /* the pattern's '/'s */
    int open;       /* it ends in "*": the path may have more */
};
void km__route_shape_of(struct km__route_shape *out, const char *pattern);
/* 0 when no path with path_slashes '/'s (quoted: the path has a single
 * quote) can match a pattern of this shape; 1 when one may. */
int km__route_shape_may_match(const struct km__route_shape *shape,
                              size_t path_slashes, int quoted);
/* 1 when method is in a route's method list ("GET", "PUT,PATCH", "*"). */
int km__method_listed(const char *list, const char *method);

/* ---- the server -------------------------------------------------------- */

struct km__fault;
struct km__wait;
struct km__jrec;
struct MHD_Connection;

/* Connections suspended by a fault, and the thread that resumes them
 * (wait.c). */
struct km__waits {
    pthread_mutex_t lock; /* leaf lock */
    pthread_cond_t cond;  /* on CLOCK_MONOTONIC */
    pthread_t thread;
    int started;
    int stopping;
    struct km__wait *v;
    size_t n;
    size_t cap;
};

void km__wait_init(struct km__waits *w);
/* Suspends conn (from its access handler) and resumes it ms of real time
 * later, so that libmicrohttpd calls the handler again. Returns 1, or 0
 * without suspending once the server is stopping (the caller goes on at
 * once, as a stop cuts a wait short). */
int km__wait_suspend(struct km__waits *w, struct MHD_Connection *conn,
                     int64_t ms);
/* Resumes every waiting connection now, refuses further waits and ends
 * the thread. Before MHD_stop_daemon. */
void km__wait_stop_all(struct km__waits *w);
void km__wait_free(struct km__waits *w);

struct km_server {
    char *name;
    char url[80];
    uint16_t port;
    struct ks_clock *clock;
    struct MHD_Daemon *daemon;
    struct km_server_options opts; /* routes/state/hooks; name not owned */
    struct km__route_shape *route_shapes; /* one per opts.routes */
    size_t max_body;
    size_t max_header;
    int64_t hang_ms;
    atomic_int stopping;             /* a resumed wait then drops */
    km_request_observer_fn observer; /* under journal_lock; may be NULL */
    void *observer_data;

    /* Handlers, hooks, fault actions: written exclusively; read by the
     * requests the shared hook admits (flow.c). Prefers writers, so a
     * stream of reads never starves a write. */
    pthread_rwlock_t lock;

    /* Leaf locks: never call out holding. Masking reads the lists under
     * the read lock, so threads mask bodies at once. */
    pthread_rwlock_t secrets_lock;
    char **secrets; /* exact: the configured credentials, a handful */
    size_t nsecrets;
    char **forms; /* prefixes of issued tokens (km_server_add_secret_form) */
    size_t nforms;

    pthread_mutex_t journal_lock;
    struct km__journal_entry *journal; /* ring, oldest at journal_head */
    size_t journal_cap;
    size_t journal_head;
    size_t journal_len;
    size_t journal_max;                 /* entries; 0: unbounded */
    size_t journal_max_bytes;           /* 0: unbounded; KM_JOURNAL_MAX_BYTES */
    atomic_size_t journal_response_max; /* KM_JOURNAL_RESPONSE_MAX */
    size_t journal_bytes;               /* what the entries hold, roughly */
    uint64_t journal_dropped; /* oldest entries dropped to stay in max */
    /* The text block of an entry dropped at the bounds, kept for the
     * next entry: once the journal is full every entry drops one, and
     * reusing a block of about the same size saves a malloc and a free
     * of a few KiB per request (NULL: none kept). */
    char *journal_spare;
    size_t journal_spare_cap;
    uint64_t seq;

    pthread_mutex_t faults_lock;
    struct km__fault **faults;
    size_t nfaults;

    struct km__waits waits;
};

/* Per-request state, created when MHD sees the request line and freed in
 * the request-completed callback. req.impl points back here. */
struct km__request_impl {
    struct km_server *server;
    char *uri; /* raw request target, query included */
    char *path;
    char *query;
    struct km__kvs headers;
    struct km__kvs args;
    char *body;
    size_t body_len;
    size_t body_cap;
    int too_large;  /* the body passed max_body: swallowed, then 413 */
    size_t dropped; /* bytes swallowed; past max_body more: cut off */
    int answered;   /* a reply was queued */
    int64_t wall_ms;
    int64_t virtual_ms;
    struct km__captures caps;
    char *route_path; /* what route_path returned, or NULL */
    char *route_name; /* "METHOD pattern" of the matched route, or NULL */
    char allow[128];  /* methods of routes that have the path, for 405 */
    struct km_request req;
    /* Kept across a suspension (wait.c): the request resumes where the
     * fault's wait began. */
    uint64_t seq;
    const struct km_route *route;
    struct km__fault_hit *hit; /* NULL until the fault rules ran */
    int waiting;               /* KM__WAIT_DELAY or KM__WAIT_HANG, else 0 */
    int shared;                /* holds the server lock's read side */
};

#define KM__WAIT_DELAY 1
#define KM__WAIT_HANG 2

/* The request once its body is in (flow.c), and again when a fault's wait
 * ends; each returns what the access handler returns (MHD_YES, MHD_NO). */
int km__flow_serve(struct km__request_impl *ri, struct MHD_Connection *conn);
int km__flow_resume(struct km__request_impl *ri, struct MHD_Connection *conn);
/* Queues res on conn (server.c); its body goes to libmicrohttpd without a
 * copy (res->body is NULL after). truncate: declare the whole length, send
 * half, cut the connection. Returns MHD_YES or MHD_NO. */
int km__reply_queue(struct MHD_Connection *conn, struct km_response *res,
                    int truncate);
/* Shows the request to the observer and journals the exchange (res NULL:
 * no reply; server.c). */
void km__exchange_journal(struct km__request_impl *ri, uint64_t seq,
                          const struct km_response *res, const char *fault);

/* Masks every added secret and every token of an added form in buf (in
 * place, same length). Returns the number of patterns it scanned for (the
 * work per byte), which issuing tokens does not grow. */
size_t km__secrets_mask(struct km_server *server, char *buf, size_t len);
/* The same for a body the journal keeps only keep bytes of: dst holds a
 * copy of src's first keep bytes and gets masked wherever a secret or
 * token in src[0..len) starts before keep, so the cost is that of the
 * kept part, and a secret the cut splits is still masked. dst may be
 * src. */
size_t km__secrets_mask_cut(struct km_server *server, char *dst,
                            const char *src, size_t len, size_t keep);
/* Only what the cut at keep splits (keep < len): each secret or token
 * prefix in src that starts before keep and ends after it, masked in dst
 * (src's first keep bytes) up to the cut; the rest is left for
 * km__secrets_mask_cut over the kept bytes alone. */
void km__secrets_mask_split(struct km_server *server, char *dst,
                            const char *src, size_t len, size_t keep);
void km__secrets_free(struct km_server *server);

/* ---- journal ----------------------------------------------------------- */

/* One journaled exchange, redacted (journal.c), and what it costs in
 * memory. */
struct km__journal_entry {
    uint64_t seq;
    size_t bytes;
    struct km__jrec *rec;
};

/* What the journal needs to know about one exchange. */
struct km__exchange {
    uint64_t seq;
    const char *method;
    const char *path;
    const char *query;
    const struct km__kvs *headers;
    const char *content_type;
    const char *body;
    size_t body_len;
    int status; /* 0: no reply (connection dropped) */
    const struct km__kvs *response_headers;
    const char *response_body;
    size_t response_len;
    int64_t virtual_ms;
    int64_t wall_ms;
    const char *route; /* "METHOD pattern" of the matched route, or NULL */
    const char *fault;
};

uint64_t km__journal_next_seq(struct km_server *server);
/* Redacts and appends one entry, keeping the journal ordered by seq. */
void km__journal_add(struct km_server *server, const struct km__exchange *x);
void km__journal_init(struct km_server *server);
void km__journal_free(struct km_server *server);

/* ---- faults ------------------------------------------------------------ */

enum km__fault_kind {
    KM__FAULT_NONE = 0,
    KM__FAULT_RESET,
    KM__FAULT_TRUNCATE,
    KM__FAULT_MALFORMED,
    KM__FAULT_HANG,
    KM__FAULT_EMULATOR /* an action the emulator performs */
};

/* A copy of what the fired rule asks for, owned by one request. */
struct km__fault_hit {
    int fired;
    int index;  /* position of the rule, 0-based */
    int status; /* 0: keep the real reply */
    struct km__kvs headers;
    char *body;
    size_t body_len;
    int body_is_json;
    int64_t delay_ms; /* -1: none */
    enum km__fault_kind kind;
    char *action;
    cJSON *rule;    /* the rule as given, for the emulator's action */
    char desc[160]; /* the journal's "fault" field */
};

/* Counts the request against every matching rule and copies the first
 * rule that fires into hit (hit->fired = 0 when none does). */
void km__faults_pick(struct km_server *server, const char *method,
                     const char *path, const char *template,
                     struct km__fault_hit *hit);
void km__fault_hit_dispose(struct km__fault_hit *hit);
void km__faults_free(struct km_server *server);

#endif
