/*
 * The admin API of `kinsync serve`: a km_server of its own ("admin") that
 * shows and steers the running emulators. JSON in and out; every error is
 * {"error": "..."} with 400 (bad request), 404 (unknown route or system),
 * 500 (a reset that could not rebind) or 503 (a system left down by such a
 * reset). The routes are listed in admin_routes[] at the bottom and
 * explained in `kinsync serve --help`.
 *
 * Handlers run on the admin server's threads, one at a time. They reach an
 * emulator's state only through the km_emulator_* and km_server_*
 * functions, which take that emulator's own lock; see serve.h for the
 * table lock that keeps a reset from racing a pump.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <kx/time.h>
#include "engine.h"
#include "host.h"

/* Ten years: enough for any retry ladder or inactivity rule, far from
 * overflowing the clock's int64 milliseconds. */
#define ADVANCE_MAX_MS (10LL * 366 * 24 * 3600 * 1000)
#define REBIND_TRIES 20   /* attempts to get the port back after a reset */
#define REBIND_WAIT_MS 50 /* between them */

__attribute__((format(printf, 3, 4))) static void
reply_error(struct km_response *res, int status, const char *fmt, ...)
{
    char msg[512];
    cJSON *o = cJSON_CreateObject();
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!o || !cJSON_AddStringToObject(o, "error", msg))
        abort(); /* the harness may abort on out-of-memory */
    km_response_json(res, status, o);
}

static cJSON *must(cJSON *item)
{
    if (!item)
        abort();
    return item;
}

static struct kh__serve_system *find(struct kh__serve *sv, const char *name)
{
    for (size_t i = 0; i < sv->nsystems; i++) {
        if (strcmp(sv->systems[i].type->name, name) == 0)
            return &sv->systems[i];
    }
    return NULL;
}

static void reply_unknown_system(struct km_response *res, struct kh__serve *sv,
                                 const char *name)
{
    char names[256] = "";
    size_t len = 0;

    for (size_t i = 0; i < sv->nsystems && len < sizeof(names); i++) {
        int n = snprintf(names + len, sizeof(names) - len, "%s%s",
                         i ? ", " : "", sv->systems[i].type->name);
        if (n < 0)
            break;
        len += (size_t)n;
    }
    reply_error(res, 404, "unknown system \"%s\" (serving: %s)", name, names);
}

/*
 * The system named by the route's {system} with table_lock held shared
 * and a live emulator; or NULL with the error reply set and no lock held.
 * A non-NULL result is released with release().
 */
static struct kh__serve_system *acquire(struct km_response *res,
                                        const struct km_request *req,
                                        struct kh__serve *sv)
{
    struct kh__serve_system *sys = find(sv, req->captures[0]);

    if (!sys) {
        reply_unknown_system(res, sv, req->captures[0]);
        return NULL;
    }
    pthread_rwlock_rdlock(&sv->table_lock);
    if (!sys->emu) {
        reply_error(res, 503, "%s is down: %s; POST /admin/reset/%s to retry",
                    sys->type->name, sys->down, sys->type->name);
        pthread_rwlock_unlock(&sv->table_lock);
        return NULL;
    }
    return sys;
}

static void release(struct kh__serve *sv)
{
    pthread_rwlock_unlock(&sv->table_lock);
}

/* The body as JSON, or NULL with a 400 reply set. */
static cJSON *body_json(struct km_response *res, const struct km_request *req)
{
    cJSON *json = km_request_json(req);

    if (!json)
        reply_error(res, 400, "the body must be JSON");
    return json;
}

static int body_empty(const struct km_request *req)
{
    return req->body[strspn(req->body, " \t\r\n")] == '\0';
}

/* ---- systems and clock ---------------------------------------------- */

static void h_systems(struct km_response *res, const struct km_request *req,
                      void *state)
{
    struct kh__serve *sv = state;
    cJSON *list = must(cJSON_CreateArray());

    (void)req;
    pthread_rwlock_rdlock(&sv->table_lock);
    for (size_t i = 0; i < sv->nsystems; i++) {
        struct kh__serve_system *sys = &sv->systems[i];
        cJSON *o = must(cJSON_CreateObject());

        must(cJSON_AddStringToObject(o, "name", sys->type->name));
        must(cJSON_AddStringToObject(o, "url", sys->url));
        if (!sys->emu)
            must(cJSON_AddStringToObject(o, "down", sys->down));
        cJSON_AddItemToArray(list, o);
    }
    pthread_rwlock_unlock(&sv->table_lock);
    km_response_json(res, 200, list);
}

static cJSON *clock_json(struct ks_clock *clock)
{
    int64_t now = ks_clock_now_ms(clock);
    cJSON *o = must(cJSON_CreateObject());
    char iso[KX_ISO8601_MAX];

    kx_iso8601_format(iso, now, KX_ISO8601_MS | KX_ISO8601_Z);
    must(cJSON_AddNumberToObject(o, "now_ms", (double)now));
    must(cJSON_AddStringToObject(o, "iso", iso));
    return o;
}

static void h_clock(struct km_response *res, const struct km_request *req,
                    void *state)
{
    struct kh__serve *sv = state;

    (void)req;
    km_response_json(res, 200, clock_json(sv->clock));
}

/* The clock is shared, so every emulator sees the jump at once (token
 * expiry, rate-limit windows, webhook retry ladders). */
static void h_clock_advance(struct km_response *res,
                            const struct km_request *req, void *state)
{
    struct kh__serve *sv = state;
    cJSON *body = body_json(res, req);
    const cJSON *ms;
    double v;

    if (!body)
        return;
    ms = cJSON_GetObjectItemCaseSensitive(body, "ms");
    v = cJSON_IsNumber(ms) ? ms->valuedouble : -1;
    if (!cJSON_IsObject(body) || !cJSON_IsNumber(ms) || v < 0 ||
        v > (double)ADVANCE_MAX_MS || v != (double)(int64_t)v) {
        reply_error(res, 400,
                    "expected {\"ms\": N} with N a whole number of "
                    "milliseconds from 0 to %lld (the clock only moves "
                    "forward)",
                    (long long)ADVANCE_MAX_MS);
    } else {
        ks_clock_advance_ms(sv->clock, (int64_t)v);
        km_response_json(res, 200, clock_json(sv->clock));
    }
    cJSON_Delete(body);
}

/* ---- journal --------------------------------------------------------- */

/* Parses a decimal sequence number; 0 on success. */
static int parse_seq(const char *s, double *out)
{
    char *end;
    unsigned long long v;

    if (!s || s[0] < '0' || s[0] > '9')
        return -1;
    v = strtoull(s, &end, 10);
    if (*end != '\0' || v > (1ULL << 53))
        return -1;
    *out = (double)v;
    return 0;
}

static void h_journal_get(struct km_response *res, const struct km_request *req,
                          void *state)
{
    struct kh__serve *sv = state;
    const char *since_arg = km_request_arg(req, "since");
    struct kh__serve_system *sys;
    cJSON *journal, *kept, *e;
    double since = -1;

    if (since_arg && parse_seq(since_arg, &since) != 0) {
        reply_error(res, 400,
                    "since must be a journal sequence number, not "
                    "\"%s\"",
                    since_arg);
        return;
    }
    if (!(sys = acquire(res, req, sv)))
        return;
    journal = km_server_journal(sys->emu->server);
    release(sv);
    kept = must(cJSON_CreateArray());
    while ((e = journal->child)) {
        const cJSON *seq = cJSON_GetObjectItemCaseSensitive(e, "seq");

        cJSON_DetachItemViaPointer(journal, e);
        if (cJSON_IsNumber(seq) && seq->valuedouble <= since)
            cJSON_Delete(e);
        else
            cJSON_AddItemToArray(kept, e);
    }
    cJSON_Delete(journal);
    km_response_json(res, 200, kept);
}

/* A DELETE of the system's journal or fault rules: clear on its server,
 * answered {"cleared": true}. */
static void reply_cleared(struct km_response *res, const struct km_request *req,
                          struct kh__serve *sv,
                          void (*clear)(struct km_server *))
{
    struct kh__serve_system *sys = acquire(res, req, sv);
    cJSON *o;

    if (!sys)
        return;
    clear(sys->emu->server);
    release(sv);
    o = must(cJSON_CreateObject());
    must(cJSON_AddTrueToObject(o, "cleared"));
    km_response_json(res, 200, o);
}

static void h_journal_clear(struct km_response *res,
                            const struct km_request *req, void *state)
{
    reply_cleared(res, req, state, km_server_journal_clear);
}

/* ---- faults ---------------------------------------------------------- */

static void h_faults_add(struct km_response *res, const struct km_request *req,
                         void *state)
{
    struct kh__serve *sv = state;
    struct kh__serve_system *sys;
    cJSON *rules = body_json(res, req), *o;
    char err[512];
    int rc;

    if (!rules)
        return;
    if (!(sys = acquire(res, req, sv))) {
        cJSON_Delete(rules);
        return;
    }
    rc = km_server_faults_add(sys->emu->server, rules, err, sizeof(err));
    release(sv);
    if (rc != 0) {
        reply_error(res, 400, "%s", err);
    } else {
        o = must(cJSON_CreateObject());
        must(cJSON_AddNumberToObject(
            o, "added", cJSON_IsArray(rules) ? cJSON_GetArraySize(rules) : 1));
        km_response_json(res, 200, o);
    }
    cJSON_Delete(rules);
}

static void h_faults_clear(struct km_response *res,
                           const struct km_request *req, void *state)
{
    reply_cleared(res, req, state, km_server_faults_clear);
}

static void h_faults_fired(struct km_response *res,
                           const struct km_request *req, void *state)
{
    struct kh__serve *sv = state;
    struct kh__serve_system *sys = acquire(res, req, sv);
    cJSON *o;

    if (!sys)
        return;
    o = must(cJSON_CreateObject());
    cJSON_AddItemToObject(o, "fired",
                          must(km_server_faults_fired(sys->emu->server)));
    release(sv);
    km_response_json(res, 200, o);
}

/* ---- state, actions, webhooks ------------------------------------- */

static void h_state(struct km_response *res, const struct km_request *req,
                    void *state)
{
    struct kh__serve *sv = state;
    struct kh__serve_system *sys = acquire(res, req, sv);
    cJSON *snap;

    if (!sys)
        return;
    snap = km_emulator_snapshot(sys->emu);
    release(sv);
    if (snap)
        km_response_json(res, 200, snap);
    else
        reply_error(res, 404, "%s offers no state snapshot", sys->type->name);
}

static void h_act(struct km_response *res, const struct km_request *req,
                  void *state)
{
    struct kh__serve *sv = state;
    struct kh__serve_system *sys;
    cJSON *body = body_json(res, req), *result = NULL, *o;
    const cJSON *action, *args;
    char err[512];
    int rc;

    if (!body)
        return;
    action = cJSON_GetObjectItemCaseSensitive(body, "action");
    args = cJSON_GetObjectItemCaseSensitive(body, "args");
    if (!cJSON_IsString(action) || (args && !cJSON_IsObject(args))) {
        reply_error(res, 400,
                    "expected {\"action\": \"name\", \"args\": "
                    "{...}} (args optional)");
        cJSON_Delete(body);
        return;
    }
    if (!(sys = acquire(res, req, sv))) {
        cJSON_Delete(body);
        return;
    }
    if (!args) /* actions read their arguments from an object */
        args = must(cJSON_AddObjectToObject(body, "args"));
    rc = km_emulator_act(sys->emu, action->valuestring, args, &result, err,
                         sizeof(err));
    release(sv);
    if (rc != 0) {
        reply_error(res, 400, "%s", err[0] ? err : "action failed");
    } else {
        o = must(cJSON_CreateObject());
        cJSON_AddItemToObject(o, "result",
                              result ? result : must(cJSON_CreateNull()));
        result = NULL;
        km_response_json(res, 200, o);
    }
    cJSON_Delete(result);
    cJSON_Delete(body);
}

int kh__serve_pump(struct kh__serve *sv, struct kh__serve_system *sys)
{
    int n = -1;

    pthread_rwlock_rdlock(&sv->table_lock);
    if (sys->emu) {
        pthread_mutex_lock(&sv->pump_lock);
        n = km_emulator_pump(sys->emu);
        pthread_mutex_unlock(&sv->pump_lock);
    }
    pthread_rwlock_unlock(&sv->table_lock);
    return n;
}

static void h_pump(struct km_response *res, const struct km_request *req,
                   void *state)
{
    struct kh__serve *sv = state;
    struct kh__serve_system *sys = find(sv, req->captures[0]);
    cJSON *o;
    int n;

    if (!sys) {
        reply_unknown_system(res, sv, req->captures[0]);
        return;
    }
    n = kh__serve_pump(sv, sys);
    if (n < 0) {
        reply_error(res, 503, "%s is down: %s", sys->type->name, sys->down);
        return;
    }
    o = must(cJSON_CreateObject());
    must(cJSON_AddNumberToObject(o, "delivered", n));
    km_response_json(res, 200, o);
}

/* ---- reset ----------------------------------------------------------- */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* The configuration a reset starts from: the body (fixtures resolved), or
 * a copy of the start-up configuration when the body is empty. NULL with a
 * 400 reply set when the body is unusable. */
static cJSON *reset_config(struct km_response *res,
                           const struct km_request *req, struct kh__serve *sv,
                           const struct kh__serve_system *sys)
{
    cJSON *cfg;
    char err[512];

    if (body_empty(req))
        return must(cJSON_Duplicate(sys->config, 1));
    if (!(cfg = body_json(res, req)))
        return NULL;
    if (!cJSON_IsObject(cfg)) {
        reply_error(res, 400,
                    "the body must be a configuration object for "
                    "%s (or empty for the start-up one)",
                    sys->type->name);
    } else if (kh_fixtures_resolve(&cfg, sv->fixtures_dir, err, sizeof(err)) !=
               0) {
        reply_error(res, 400, "%s", err);
    } else {
        return cfg;
    }
    cJSON_Delete(cfg);
    return NULL;
}

/*
 * Stops the system's emulator and starts a fresh one on the same port, so
 * an integration under test keeps its base URL. The new configuration is
 * first tried on an ephemeral port: a bad one is refused with 400 while
 * the running emulator stays untouched. Only then is the old one stopped
 * (under table_lock held exclusively) and the port taken back, retrying
 * briefly in case the kernel is slow to let go of it.
 */
static void h_reset(struct km_response *res, const struct km_request *req,
                    void *state)
{
    struct kh__serve *sv = state;
    struct kh__serve_system *sys = find(sv, req->captures[0]);
    struct km_emulator *emu = NULL;
    char err[512];
    cJSON *cfg, *o;

    if (!sys) {
        reply_unknown_system(res, sv, req->captures[0]);
        return;
    }
    if (!(cfg = reset_config(res, req, sv, sys)))
        return;
    if (km_emulator_start_tls(&emu, sys->type, cfg, sv->clock, sv->bind_addr, 0,
                              sv->tls, err, sizeof(err)) != 0) {
        reply_error(res, 400, "%s", err);
        cJSON_Delete(cfg);
        return;
    }
    km_emulator_stop(emu);
    emu = NULL;

    pthread_rwlock_wrlock(&sv->table_lock);
    km_emulator_stop(sys->emu);
    sys->emu = NULL;
    for (int i = 0; i < REBIND_TRIES && !emu; i++) {
        if (i)
            sleep_ms(REBIND_WAIT_MS);
        km_emulator_start_tls(&emu, sys->type, cfg, sv->clock, sv->bind_addr,
                              sys->port, sv->tls, err, sizeof(err));
    }
    sys->emu = emu;
    if (emu) {
        km_server_set_journal_max(emu->server, sv->journal_max);
        km_server_set_journal_response_max(emu->server,
                                           sv->journal_response_max);
        sys->down[0] = '\0';
        /* Bound to sys->port, so this is the announced URL; read back
         * from the server so the reply states what really listens. */
        snprintf(sys->url, sizeof(sys->url), "%s", km_server_url(emu->server));
    } else
        snprintf(sys->down, sizeof(sys->down), "%s", err);
    pthread_rwlock_unlock(&sv->table_lock);
    cJSON_Delete(cfg);

    if (!emu) {
        reply_error(res, 500, "%s stopped but could not restart: %s",
                    sys->type->name, sys->down);
        return;
    }
    o = must(cJSON_CreateObject());
    must(cJSON_AddStringToObject(o, "name", sys->type->name));
    must(cJSON_AddStringToObject(o, "url", sys->url));
    km_response_json(res, 200, o);
}

/* ---- the server ------------------------------------------------------ */

static void h_not_found(struct km_response *res, const struct km_request *req,
                        void *state)
{
    (void)state;
    reply_error(res, 404,
                "no admin route %s %s (`kinsync serve --help` lists them)",
                req->method, req->path);
}

cJSON *kh__serve_har(struct kh__serve *sv)
{
    cJSON *har = kh_har_new();

    pthread_rwlock_rdlock(&sv->table_lock);
    for (size_t i = 0; i < sv->nsystems; i++) {
        struct kh__serve_system *sys = &sv->systems[i];
        cJSON *journal;

        if (!sys->emu)
            continue;
        journal = km_server_journal(sys->emu->server);
        kh_har_add_journal(har, journal, sys->url);
        cJSON_Delete(journal);
    }
    pthread_rwlock_unlock(&sv->table_lock);
    kh_har_finish(har);
    return har;
}

/* GET /admin/har: every system's journal as one HAR 1.2 log. */
static void h_har(struct km_response *res, const struct km_request *req,
                  void *state)
{
    (void)req;
    km_response_json(res, 200, kh__serve_har(state));
}

static const struct km_route admin_routes[] = {
    {"GET", "/admin/har", h_har},
    {"GET", "/admin/systems", h_systems},
    {"GET", "/admin/clock", h_clock},
    {"POST", "/admin/clock/advance", h_clock_advance},
    {"GET", "/admin/journal/{system}", h_journal_get},
    {"DELETE", "/admin/journal/{system}", h_journal_clear},
    {"POST", "/admin/faults/{system}", h_faults_add},
    {"DELETE", "/admin/faults/{system}", h_faults_clear},
    {"GET", "/admin/faults/{system}", h_faults_fired},
    {"GET", "/admin/state/{system}", h_state},
    {"POST", "/admin/act/{system}", h_act},
    {"POST", "/admin/pump/{system}", h_pump},
    {"POST", "/admin/reset/{system}", h_reset},
};

int kh__serve_admin_start(struct kh__serve *sv, uint16_t port, char *err,
                          size_t errsz)
{
    struct km_server_options opts;

    memset(&opts, 0, sizeof(opts));
    opts.name = "admin";
    opts.bind_addr = sv->bind_addr;
    opts.port = port;
    opts.clock = sv->clock;
    opts.routes = admin_routes;
    opts.nroutes = sizeof(admin_routes) / sizeof(admin_routes[0]);
    opts.state = sv;
    opts.not_found = h_not_found;
    opts.before = kh__admin_guard;
    opts.tls = sv->tls; /* the admin API follows --tls */
    if (km_server_start(&sv->admin, &opts, err, errsz) != 0)
        return -1;
    /* Its own journal is cleared at every pump; bounded between pumps
     * too, so a flood of admin requests cannot grow it. */
    km_server_set_journal_max(sv->admin, KH__ADMIN_JOURNAL_MAX);
    km_server_set_journal_max_bytes(sv->admin, KH__ADMIN_JOURNAL_MAX_BYTES);
    if (sv->admin_token) /* kept out of the admin journal */
        km_server_add_secret(sv->admin, sv->admin_token);
    return 0;
}
