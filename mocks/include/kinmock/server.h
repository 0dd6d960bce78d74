/*
 * The emulator core: an HTTP server on loopback (libmicrohttpd, its own
 * threads), a route table, a request journal with secrets redacted, fault
 * rules given as data, and limits on request size.
 *
 * Handlers of one server never run concurrently with a write: the server
 * holds its lock around every handler, hook and fault action, exclusively
 * unless the server's shared hook admits the request as one that only
 * reads (then under the lock's read side, beside other such requests).
 * Code outside the server (the harness, an admin API) that touches the
 * emulator's state takes the lock exclusively with km_server_lock().
 */
#ifndef KINMOCK_SERVER_H
#define KINMOCK_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include <kinsync/clock.h>

struct km_server;
struct km_tls; /* kinmock/tls.h */
struct km_request;
struct km_route;

/* A reply under construction. Handlers fill it with the functions below. */
struct km_response;

/* Path parameters: "{name}" segments of the matched route, in order. */
#define KM_MAX_CAPTURES 8

struct km_request {
    const char *method;
    const char *path;  /* percent-decoded, without the query */
    const char *query; /* raw query string without '?', or "" */
    const char *body;  /* NUL-terminated copy; "" when empty */
    size_t body_len;
    const char *base_url; /* "http://127.0.0.1:PORT" */
    int64_t now_ms;       /* the server clock when the request came */
    const char *route;    /* pattern of the matched route, or NULL */
    const char *captures[KM_MAX_CAPTURES];      /* values, in order */
    const char *capture_names[KM_MAX_CAPTURES]; /* "id" for "{id}" */
    size_t ncaptures;
    void *impl; /* private to the server */
};

/* Header value (case-insensitive name) or NULL. */
const char *km_request_header(const struct km_request *req, const char *name);
/* Decoded query argument or NULL. For a repeated name, the first. */
const char *km_request_arg(const struct km_request *req, const char *name);
/* Calls fn for every query argument in order; stops when fn returns
 * nonzero. */
void km_request_args_each(const struct km_request *req,
                          int (*fn)(void *ud, const char *name,
                                    const char *value),
                          void *ud);
/* Calls fn for every request header as the client sent it, in order;
 * stops when fn returns nonzero (a proxy forwards them all). */
void km_request_headers_each(const struct km_request *req,
                             int (*fn)(void *ud, const char *name,
                                       const char *value),
                             void *ud);
/* The value of the matched route's "{name}" parameter, or NULL. */
const char *km_request_param(const struct km_request *req, const char *name);
/* The "{name}" parameter as a decimal integer; 0 when it is absent or not
 * one (routes that take numeric ids refuse other values in their accept
 * hook, km_route_accept_numeric_ids, so their handlers see a number). */
int64_t km_request_param_id(const struct km_request *req, const char *name);
/* Parses the body as JSON; NULL if empty, malformed or not valid UTF-8
 * (the emulators answer that as their platform answers invalid JSON).
 * Caller deletes. */
cJSON *km_request_json(const struct km_request *req);

/* Sets status and a copy of the body with its Content-Type. */
void km_response_set(struct km_response *res, int status,
                     const char *content_type, const char *body, size_t len);
/* Sets status and the printed JSON; takes ownership of json (deleted). */
void km_response_json(struct km_response *res, int status, cJSON *json);
/* Adds a header (copied). A later header of the same name replaces it. */
void km_response_header(struct km_response *res, const char *name,
                        const char *value);
int km_response_status(const struct km_response *res);

typedef void (*km_handler_fn)(struct km_response *res,
                              const struct km_request *req, void *state);

/* Runs before routing and faults; returns nonzero when it answered the
 * request itself (e.g. 401), which then skips the route. */
typedef int (*km_before_fn)(struct km_response *res,
                            const struct km_request *req, void *state);

/* Runs after the reply is built, faults included (e.g. to add rate-limit
 * headers to every reply). */
typedef void (*km_after_fn)(struct km_response *res,
                            const struct km_request *req, void *state);

/* Says whether a route whose pattern matched may serve the request (its
 * parameters are readable through req); a refused route is skipped as if
 * its pattern had not matched. Nonzero accepts. */
typedef int (*km_accept_fn)(const struct km_route *route,
                            const struct km_request *req, void *state);

/* Accepts when every parameter named "id" or ending in "_id" is a decimal
 * integer, as the platforms' numeric-id routes do. */
int km_route_accept_numeric_ids(const struct km_route *route,
                                const struct km_request *req, void *state);

/* The path to route instead of req->path (WordPress's "?rest_route="
 * form), as a fresh string the server frees, or NULL to route req->path. */
typedef char *(*km_route_path_fn)(const struct km_request *req, void *state);

/* Answers a request no route serves, in the platform's own error shape:
 * status 404 (no route has the path) or 405 (routes have the path, not the
 * method). The hook may answer a 405 as its platform does (another status);
 * when the answer stays 405 the server adds the "Allow" header. */
typedef void (*km_route_error_fn)(struct km_response *res,
                                  const struct km_request *req, int status,
                                  void *state);

/*
 * Says whether a request (its route found, its parameters readable
 * through req) may be served under the read side of the server lock,
 * beside other requests so admitted: nonzero when its handler, the
 * before and after hooks and the route error hook only read the state,
 * or keep what they change consistent themselves (atomics, a lock of
 * their own). Called without the lock: it may read the request and what
 * never changes once the state is made. A fault action that fires for
 * the request still runs under the exclusive lock. NULL: every request
 * takes the lock exclusively.
 */
typedef int (*km_shared_fn)(const struct km_route *route,
                            const struct km_request *req, void *state);

/* Performs an emulator-specific fault action ("expire_tokens",
 * "revoke_key", ...). Returns 0 when known, -1 otherwise. */
typedef int (*km_fault_action_fn)(void *state, const char *action,
                                  const cJSON *rule);

/*
 * A route. pattern is a path template in which "{name}" matches one
 * non-empty segment (a segment runs to the next '/' outside single quotes,
 * so OData keys such as Parts('A/B') stay one segment) and a trailing "*"
 * matches the rest of the path. method is one method, several separated
 * by commas ("PUT,PATCH"), or "*" for any. Routes are tried in order; the
 * first whose pattern and method match (and that the accept hook takes)
 * serves the request. The journal shows it as "METHOD pattern" with the
 * request's method.
 */
struct km_route {
    const char *method;
    const char *pattern;
    km_handler_fn handler;
};

struct km_server_options {
    const char *name;       /* "epicor", ...: journal and messages */
    const char *bind_addr;  /* NULL: "127.0.0.1" */
    uint16_t port;          /* 0: ephemeral */
    struct ks_clock *clock; /* borrowed; NULL: real time */
    const struct km_route *routes;
    size_t nroutes;
    void *state; /* handed to every handler and hook */
    km_before_fn before;
    km_after_fn after;
    km_fault_action_fn fault_action;
    km_accept_fn accept;           /* NULL: every matching route serves */
    km_route_path_fn route_path;   /* NULL: route req->path */
    int nocase;                    /* literals of patterns match any case */
    int trailing_slash;            /* "/x/" routes like "/x" */
    km_route_error_fn route_error; /* 404/405 in the platform's shape */
    km_handler_fn not_found;       /* without route_error: answers 404 and 405
                                    * itself; neither: {"error":...} */
    size_t max_body_bytes;         /* 0: 8 MiB; larger bodies get 413 */
    size_t max_header_bytes;       /* 0: 16 KiB; larger headers get 431 */
    int64_t hang_ms;               /* 0: 2000; real time a "hang" stalls */
    const struct km_tls *tls;      /* NULL: plain HTTP; else HTTPS with its
                                    * certificate (kinmock/tls.h); borrowed
                                    * until the server stops */
    km_shared_fn shared;           /* NULL: every request exclusive */
};

/*
 * Connection limits of every server (emulators and the admin API alike),
 * each a libmicrohttpd option. A server runs a thread per connection, so
 * they bound the threads slow clients can hold:
 *   connection_limit         past it libmicrohttpd stops accepting; a new
 *                            connection waits in the listen backlog until
 *                            one closes (0: 256)
 *   per_ip_connection_limit  past it a new connection from that address
 *                            is accepted and closed at once (0: none; on
 *                            loopback every client shares one address)
 *   connection_timeout_s     a connection idle that long is closed (0: 60)
 *   threads                  the pool's threads (0: one a core, 2..8)
 */
struct km_server_limits {
    unsigned connection_limit;
    unsigned per_ip_connection_limit;
    unsigned connection_timeout_s;
    unsigned threads;
};

#define KM_SERVER_LIMITS_DEFAULT                                               \
    {                                                                          \
        256, 0, 60, 0                                                          \
    }

/* Sets the limits of servers started afterwards (call it before starting
 * any, from one thread; `kinsync serve` does from its options). */
void km_server_set_limits(const struct km_server_limits *limits);

/*
 * Starts the server. Returns 0, or -1 with a one-line reason in err.
 * Mocks may abort on out-of-memory.
 */
int km_server_start(struct km_server **out,
                    const struct km_server_options *opts, char *err,
                    size_t errsz);

/* "http://127.0.0.1:PORT" ("https://" with tls); borrowed until stop. */
const char *km_server_url(const struct km_server *server);
uint16_t km_server_port(const struct km_server *server);
const char *km_server_name(const struct km_server *server);
struct ks_clock *km_server_clock(const struct km_server *server);

/* Stops the threads and frees everything. NULL-safe. */
void km_server_stop(struct km_server *server);

void km_server_lock(struct km_server *server);
void km_server_unlock(struct km_server *server);

/* A string that must never be written to the journal verbatim (masked in
 * bodies, URLs and headers in addition to the named-header redaction). */
void km_server_add_secret(struct km_server *server, const char *secret);
/* Issued tokens by form: every prefix followed by token characters
 * (base64url and '.', a JWT's alphabet) is masked up to its last token
 * character. An emulator registers the fixed start of the tokens it
 * issues once; km_server_add_secret then ignores a string a form already
 * masks, so masking costs the same after 1 or 10,000 tokens. */
void km_server_add_secret_form(struct km_server *server, const char *prefix);

/*
 * What the observer sees of one request: everything that came in, before
 * any redaction. The path is percent-decoded, the query raw ("" when
 * none), the headers as the client sent them (nheaders of each), the body
 * body_len bytes (it may hold NULs; NULL when empty).
 */
struct km_observed_request {
    const char *method;
    const char *path;
    const char *query;
    const char *const *header_names;
    const char *const *header_values;
    size_t nheaders;
    const char *body;
    size_t body_len;
};

/*
 * Called for every request the journal records, with the request as it
 * came in. Runs on the server's threads, possibly at once for two
 * requests; everything lives only during the call. For a harness that
 * must prove that no credential travels where it must not (a URL, another
 * platform's headers), which the redacted journal cannot show. It may be
 * set while requests run (a request being journaled then sees the old or
 * the new one); NULL removes it.
 */
typedef void (*km_request_observer_fn)(void *userdata,
                                       const struct km_observed_request *req);
void km_server_set_observer(struct km_server *server, km_request_observer_fn fn,
                            void *userdata);

/* ---- journal -------------------------------------------------------- */

/*
 * A snapshot of the journal as a JSON array, oldest first. Each entry:
 *   {"seq":1, "system":"epicor", "method":"GET", "path":"/x",
 *    "query":"a=1", "headers":{"Name":"value",...}, "body":"...",
 *    "status":200, "response_headers":{...}, "response_body":"...",
 *    "virtual_ms":..., "wall_ms":..., "route":"GET /x/{id}" | null,
 *    "fault":"status 429" | null}
 * Header names keep the case the client sent. Secrets are redacted.
 * A request body longer than KM_JOURNAL_BODY_MAX and a response body
 * longer than KM_JOURNAL_RESPONSE_MAX are cut there and end with
 * "...[cut: KEPT of LEN bytes kept]". Caller deletes.
 */
#define KM_JOURNAL_BODY_MAX ((size_t)64 * 1024)
#define KM_JOURNAL_RESPONSE_MAX ((size_t)8 * 1024)
/* The longest response body an entry keeps (KM_JOURNAL_RESPONSE_MAX by
 * default; at least 1): a recording meant for replay wants whole pages
 * (kinsync serve --record raises it to KM_JOURNAL_BODY_MAX), the journal
 * of a long-running server wants a small cut. Applies to entries added
 * after the call. */
void km_server_set_journal_response_max(struct km_server *server, size_t max);
cJSON *km_server_journal(struct km_server *server);
size_t km_server_journal_count(struct km_server *server);
void km_server_journal_clear(struct km_server *server);
/* Keeps at most max entries (0: unbounded, the default), dropping the
 * oldest, so a long-running standalone server does not grow without end;
 * km_server_journal_dropped() counts what was dropped. */
void km_server_set_journal_max(struct km_server *server, size_t max);
/* The journal is bounded by bytes too: what its entries take from malloc
 * (their redacted strings, packed) stays within max (default
 * KM_JOURNAL_MAX_BYTES, 16 MiB; 0: unbounded), dropping the oldest and
 * counting them as dropped; the newest entry is always kept. With the
 * bodies cut as above that is at least about 200 of the largest
 * exchanges, and some 1,500 requests for a 100-row page. */
#define KM_JOURNAL_MAX_BYTES ((size_t)16 * 1024 * 1024)
void km_server_set_journal_max_bytes(struct km_server *server, size_t max);
size_t km_server_journal_bytes(struct km_server *server);
uint64_t km_server_journal_dropped(struct km_server *server);

/* ---- faults --------------------------------------------------------- */

/*
 * Adds fault rules from JSON (one object or an array of them):
 *   match:  "route": "METHOD path" (or "method" and "path"), where the
 *           path is either a route template (it has a "{name}" and no '*'
 *           or '?': the rule matches only requests routed to exactly that
 *           template) or a glob of the concrete path ('*' any run of
 *           characters, '?' one, "{x}" one segment); see
 *           km_route_select. "nth": N (only the N-th match, 1-based),
 *           "every": true, "after": N (every match after the first N),
 *           "times": N (stop after firing N times), "probability": p
 *           with "seed": s (seeded, so runs repeat).
 *           Without nth/every/after a rule fires on every match.
 *   act:    "status" + optional "headers" {name: value} + "body" (string
 *           or JSON); "delay_ms" (advance the server clock, then answer
 *           normally unless status is given); "action": "reset" (drop the
 *           connection), "truncate" (send part of the real body, then
 *           close), "malformed" (replace the body by broken JSON),
 *           "hang" (stall hang_ms real time, then drop), or any action the
 *           emulator knows ("expire_tokens", "revoke_key", ...), which
 *           then answers normally; the rule's "args" object (when given)
 *           is what the action receives, as with the emulator's act().
 * Unknown keys are rejected. Returns 0, or -1 with the reason (and the
 * offending key) in err; nothing is added on failure.
 */
int km_server_faults_add(struct km_server *server, const cJSON *rules,
                         char *err, size_t errsz);
void km_server_faults_clear(struct km_server *server);
/* How many times each rule fired, as a JSON array of numbers. */
cJSON *km_server_faults_fired(struct km_server *server);

/* Glob match used by fault rules (exposed for tests). 1 on match. */
int km_glob_match(const char *pattern, const char *text);

/*
 * The one rule by which fault rules and scenario expectations select
 * requests. method_sel is "*" or a method (any case); path_sel is a
 * declared route template when it contains a "{name}" and no '*' or '?'
 * (then it must equal template, the pattern the request was routed to,
 * NULL when none), else a glob of the concrete path. 1 on match.
 */
int km_route_select(const char *method_sel, const char *path_sel,
                    const char *method, const char *path, const char *template);

/*
 * The pattern of the first of routes[0..n) whose pattern and method take
 * method and path (a trailing '/' dropped when trailing_slash), matched as
 * the server matches them, or NULL. Without a server's state, accept and
 * route_path hooks do not run: for recordings and reports, which name a
 * request by its template, not for serving it.
 */
const char *km_route_template(const struct km_route *routes, size_t n,
                              int nocase, int trailing_slash,
                              const char *method, const char *path);

/* One form-encoded component (a query or form name or value) of n bytes,
 * decoded: '+' is a space, %XX the byte. A fresh string (aborts on
 * out-of-memory). Also what `kinsync replay`, `record` and `diff` read
 * recorded queries with, so they decode as the emulators do. */
char *km_form_decode(const char *s, size_t n);

#endif
