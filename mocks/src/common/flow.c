/*
 * What every request of km_server goes through once its body is in
 * (server.c): the route found, then under the server lock the before
 * hook, the fault rules (a reset or hang ends it there; a delay waits,
 * wait.c, and resumes here), the emulator's fault action, the fault's
 * reply or the route's handler, the after hook; then, without the lock,
 * the journal and the reply. The lock is taken exclusively unless the
 * emulator's shared hook admits the request as one that only reads: then
 * its read side, beside other such requests; a fault action that fires
 * for it moves it to the exclusive side first.
 */
#include <stdio.h>
#include <strings.h>
#include <microhttpd.h>
#include "server_int.h"

/* The server lock on the request's side (ri->shared). */
static void request_lock(struct km__request_impl *ri)
{
    if (ri->shared)
        pthread_rwlock_rdlock(&ri->server->lock);
    else
        km_server_lock(ri->server);
}

/* What a "malformed" fault sends instead of the real body. */
static const char km_malformed_body[] =
    "{\"kinmock\": \"malformed\", \"data\": [1, 2,";

/* Adds a route's methods to the Allow list (once each). */
static void allow_add(char *allow, size_t n, const char *methods)
{
    const char *p = methods;

    while (*p) {
        size_t len = strcspn(p, ",");
        char one[16];

        while (*p == ' ' && len > 0) {
            p++;
            len--;
        }
        snprintf(one, sizeof(one), "%.*s", (int)len, p);
        if (one[0] && !km__method_listed(allow[0] ? allow : ",", one))
            snprintf(allow + strlen(allow), n - strlen(allow), "%s%s",
                     allow[0] ? ", " : "", one);
        p += len;
        if (*p == ',')
            p++;
    }
}

static void params_expose(struct km__request_impl *ri)
{
    for (size_t c = 0; c < ri->caps.n; c++) {
        ri->req.captures[c] = ri->caps.values[c];
        ri->req.capture_names[c] = ri->caps.names[c];
    }
    ri->req.ncaptures = ri->caps.n;
}

/* The path the table sees: route_path's answer, and without one trailing
 * slash when the server routes "/x/" like "/x". */
static const char *routed_path(struct km_server *server,
                               struct km__request_impl *ri)
{
    const struct km_server_options *o = &server->opts;
    size_t n;

    if (o->route_path)
        ri->route_path = o->route_path(&ri->req, o->state);
    if (!ri->route_path)
        ri->route_path = kx_xstrdup(ri->path);
    n = strlen(ri->route_path);
    if (o->trailing_slash && n > 1 && ri->route_path[n - 1] == '/')
        ri->route_path[n - 1] = '\0';
    return ri->route_path;
}

/*
 * Finds the first route whose pattern, method and accept hook take the
 * request. Without one, ri->allow lists the methods of the routes that
 * have the path (so the answer is 405 rather than 404).
 */
static const struct km_route *route_find(struct km_server *server,
                                         struct km__request_impl *ri)
{
    const struct km_server_options *o = &server->opts;
    const char *path = routed_path(server, ri);
    unsigned flags = o->nocase ? KM__ROUTE_NOCASE : 0;
    size_t slashes = 0;
    int quoted = 0;

    for (const char *c = path; *c; c++) {
        slashes += *c == '/';
        quoted |= *c == '\'';
    }
    for (size_t i = 0; i < o->nroutes; i++) {
        const struct km_route *r = &o->routes[i];

        if (!km__route_shape_may_match(&server->route_shapes[i], slashes,
                                       quoted) ||
            !km__route_match(r->pattern, path, flags, &ri->caps))
            continue;
        params_expose(ri);
        if (o->accept && !o->accept(r, &ri->req, o->state)) {
            km__captures_dispose(&ri->caps);
            ri->req.ncaptures = 0;
            continue;
        }
        if (!km__method_listed(r->method, ri->req.method)) {
            allow_add(ri->allow, sizeof(ri->allow), r->method);
            km__captures_dispose(&ri->caps);
            ri->req.ncaptures = 0;
            continue;
        }
        ri->req.route = r->pattern;
        ri->route_name = kx_xasprintf("%s %s", ri->req.method, r->pattern);
        return r;
    }
    return NULL;
}

/* No route serves the request: 405 with Allow when routes have its path,
 * else 404, in the platform's shape when the server has an error hook
 * (which may answer a 405 as its platform does, e.g. WordPress's 404; Allow
 * goes only on an answer that stays 405). */
static void route_error(struct km_server *server, struct km__request_impl *ri,
                        struct km_response *res)
{
    const struct km_server_options *o = &server->opts;
    int status = ri->allow[0] ? 405 : 404;
    char msg[600];

    if (o->route_error) {
        o->route_error(res, &ri->req, status, o->state);
    } else if (o->not_found) {
        o->not_found(res, &ri->req, o->state);
    } else {
        snprintf(msg, sizeof(msg), "%s %s %s",
                 status == 405 ? "method not allowed:" : "no route for",
                 ri->req.method, ri->path);
        km__response_error(res, status, msg);
    }
    if (status == 405 && res->status == 405)
        km_response_header(res, "Allow", ri->allow);
}

static void fault_reply(struct km_response *res,
                        const struct km__fault_hit *hit)
{
    const char *type = "text/plain; charset=utf-8";
    cJSON *probe;

    if (hit->body_is_json) {
        type = "application/json";
    } else if (hit->body &&
               (probe = cJSON_ParseWithLength(hit->body, hit->body_len))) {
        type = "application/json";
        cJSON_Delete(probe);
    }
    km_response_set(res, hit->status, hit->body ? type : NULL, hit->body,
                    hit->body_len);
    for (size_t i = 0; i < hit->headers.n; i++)
        km_response_header(res, hit->headers.v[i].name,
                           hit->headers.v[i].value);
}

/* Runs an emulator's own fault action; an unknown one becomes a 500 so
 * that the scenario fails visibly instead of silently doing nothing. */
static int emulator_fault(struct km_server *server, struct km_response *res,
                          const struct km__fault_hit *hit)
{
    const struct km_server_options *o = &server->opts;
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(hit->rule, "args");
    char msg[200];

    /* The action sees the rule's "args" object, the same shape the
     * emulator's act() receives, so both forms take the same options. */
    if (o->fault_action &&
        o->fault_action(o->state, hit->action, args ? args : hit->rule) == 0)
        return 0;
    snprintf(msg, sizeof(msg), "%s: unknown fault action \"%s\"", server->name,
             hit->action);
    km__response_error(res, 500, msg);
    return 1;
}

/* The rest of a request, under the server lock (released here): the
 * emulator's fault action, the fault's reply or the route, the after
 * hook; then journal and queue the reply. */
static int answer(struct km__request_impl *ri, struct MHD_Connection *conn,
                  struct km_response *res, int answered)
{
    struct km_server *server = ri->server;
    const struct km_server_options *o = &server->opts;
    const struct km__fault_hit *hit = ri->hit;

    if (hit->fired && hit->kind == KM__FAULT_EMULATOR)
        answered = emulator_fault(server, res, hit);
    if (!answered && hit->fired && hit->status) {
        fault_reply(res, hit);
        answered = 1;
    }
    if (!answered && ri->route)
        ri->route->handler(res, &ri->req, o->state);
    else if (!answered)
        route_error(server, ri, res);
    if (res->status == 0)
        km__response_error(res, 500, "handler set no reply");
    if (o->after)
        o->after(res, &ri->req, o->state);
    km_server_unlock(server);

    if (hit->fired && hit->kind == KM__FAULT_MALFORMED)
        km_response_set(res, res->status, "application/json", km_malformed_body,
                        strlen(km_malformed_body));
    km__exchange_journal(ri, ri->seq, res, hit->fired ? hit->desc : NULL);
    return km__reply_queue(conn, res,
                           hit->fired && hit->kind == KM__FAULT_TRUNCATE);
}

/* Where a fault made the request wait (wait.c), libmicrohttpd calls the
 * access handler again when the wait ends: a hang drops the connection,
 * a delay answers, with the clock read again, unless the server is
 * stopping (then the waiting client sees its connection end). */
int km__flow_resume(struct km__request_impl *ri, struct MHD_Connection *conn)
{
    struct km_server *server = ri->server;
    struct km_response res;
    int ret;

    if (ri->waiting == KM__WAIT_HANG || atomic_load(&server->stopping))
        return MHD_NO; /* MHD drops the connection */
    ri->waiting = 0;
    memset(&res, 0, sizeof(res));
    request_lock(ri);
    ri->req.now_ms = ks_clock_now_ms(server->clock);
    ret = answer(ri, conn, &res, 0);
    km__response_dispose(&res);
    return ret;
}

/* Suspends the connection for ms of real time (the pool thread serves
 * others meanwhile); 0 when the server is stopping, which ends the wait
 * and the connection at once. */
static int wait_for(struct km__request_impl *ri, struct MHD_Connection *conn,
                    int64_t ms, int kind)
{
    ri->waiting = kind;
    if (km__wait_suspend(&ri->server->waits, conn, ms))
        return 1;
    ri->waiting = 0;
    return 0;
}

int km__flow_serve(struct km__request_impl *ri, struct MHD_Connection *conn)
{
    struct km_server *server = ri->server;
    const struct km_server_options *o = &server->opts;
    struct km__fault_hit *hit = kx_xcalloc(1, sizeof(*hit));
    struct km_response res;
    int answered = 0;
    int ret;

    memset(&res, 0, sizeof(res));
    ri->hit = hit;
    ri->seq = km__journal_next_seq(server);
    ri->req.body = ri->body ? ri->body : "";
    ri->req.body_len = ri->body_len;
    ri->route = route_find(server, ri);
    ri->shared =
        ri->route && o->shared && o->shared(ri->route, &ri->req, o->state);

    request_lock(ri);
    if (o->before)
        answered = o->before(&res, &ri->req, o->state);
    if (!answered)
        km__faults_pick(server, ri->req.method, ri->path, ri->req.route, hit);
    if (ri->shared && hit->fired && hit->kind == KM__FAULT_EMULATOR) {
        /* the action writes: the exclusive side, for the rest too */
        km_server_unlock(server);
        ri->shared = 0;
        km_server_lock(server);
    }
    if (hit->fired &&
        (hit->kind == KM__FAULT_RESET || hit->kind == KM__FAULT_HANG)) {
        km_server_unlock(server);
        km__exchange_journal(ri, ri->seq, NULL, hit->desc);
        if (hit->kind == KM__FAULT_HANG &&
            wait_for(ri, conn, server->hang_ms, KM__WAIT_HANG))
            return MHD_YES; /* km__flow_resume drops it */
        return MHD_NO;      /* MHD drops the connection */
    }
    if (hit->fired && hit->delay_ms > 0) {
        if (!ks_clock_is_virtual(server->clock)) {
            km_server_unlock(server);
            if (wait_for(ri, conn, hit->delay_ms, KM__WAIT_DELAY))
                return MHD_YES; /* km__flow_resume answers */
            return MHD_NO;      /* stopping: the wait is cut short */
        } else {
            /* a virtual clock advances at once, without the lock */
            km_server_unlock(server);
            ks_clock_sleep_ms(server->clock, hit->delay_ms);
            request_lock(ri);
        }
        ri->req.now_ms = ks_clock_now_ms(server->clock);
    }
    ret = answer(ri, conn, &res, answered);
    km__response_dispose(&res);
    return ret;
}
