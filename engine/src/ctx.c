/*
 * The context of one scenario run: clock, emulators, the connector's
 * client with its captured log, the job slots, and the tally of checks.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <kx/alloc.h>
#include <kx/time.h>
#include "kinsync/testing.h"
#include "kinmock/tls.h"
#include "run_int.h"

void kh__text_append(struct kh_text *t, const char *s, size_t n)
{
    t->s = kx_xgrow(t->s, &t->cap, t->len + n + 1, 1);
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

void kh__text_printf(struct kh_text *t, const char *fmt, ...)
{
    va_list ap;
    char *text;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    text = kx_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(text, (size_t)n + 1, fmt, ap);
    va_end(ap);
    kh__text_append(t, text, (size_t)n);
    free(text);
}

const char *kh__text_str(const struct kh_text *t)
{
    return t->s ? t->s : "";
}

char *kh__text_take(struct kh_text *t)
{
    char *s = t->s ? t->s : kx_xstrdup("");

    memset(t, 0, sizeof(*t));
    return s;
}

void kh__text_dispose(struct kh_text *t)
{
    free(t->s);
    memset(t, 0, sizeof(*t));
}

/* Marks the rule named by the start of line as checked, failed or not. */
static void rule_note(struct kh_ctx *ctx, const char *line, int ok)
{
    size_t n =
        strstr(line, ": ") ? (size_t)(strstr(line, ": ") - line) : strlen(line);

    for (size_t i = 0; i < ctx->nrules; i++) {
        if (strlen(ctx->rules[i].rule) == n &&
            strncmp(ctx->rules[i].rule, line, n) == 0) {
            ctx->rules[i].failed |= !ok;
            return;
        }
    }
    ctx->rules =
        kx_xrealloc(ctx->rules, (ctx->nrules + 1) * sizeof(*ctx->rules));
    ctx->rules[ctx->nrules].rule = kx_xstrndup(line, n);
    ctx->rules[ctx->nrules].failed = !ok;
    ctx->nrules++;
}

int kh__check(struct kh_ctx *ctx, int ok, const char *fmt, ...)
{
    char line[2048];
    va_list ap;

    ctx->checks++;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    rule_note(ctx, line, ok);
    if (!ok) {
        ctx->failures++;
        kh__text_printf(&ctx->details, "%s\n", line);
    }
    return ok;
}

/* ---- the jobs' view (jobs.h) ----------------------------------------- */

struct km_emulator *kh__system(struct kh_ctx *ctx, const char *name)
{
    for (size_t i = 0; i < ctx->nsystems; i++) {
        if (strcmp(ctx->systems[i].name, name) == 0)
            return ctx->systems[i].emu;
    }
    return NULL;
}

const cJSON *kh__journal(struct kh_ctx *ctx, struct km_emulator *emu)
{
    for (size_t i = 0; i < ctx->nsystems; i++) {
        struct kh_system *sys = &ctx->systems[i];
        size_t count;
        uint64_t dropped;

        if (sys->emu != emu)
            continue;
        count = km_server_journal_count(emu->server);
        dropped = km_server_journal_dropped(emu->server);
        if (!sys->journal || count != sys->journal_count ||
            dropped != sys->journal_dropped) {
            cJSON_Delete(sys->journal);
            sys->journal = km_server_journal(emu->server);
            sys->journal_count = count;
            sys->journal_dropped = dropped;
        }
        return sys->journal;
    }
    return NULL;
}

struct km_emulator *kh_ctx_emulator(struct kh_ctx *ctx, const char *system)
{
    return kh__system(ctx, system);
}

struct ks_client *kh_ctx_client(struct kh_ctx *ctx)
{
    return ctx->client;
}

struct ks_clock *kh_ctx_clock(struct kh_ctx *ctx)
{
    return ctx->clock;
}

const cJSON *kh_ctx_connector_config(struct kh_ctx *ctx, const char *system)
{
    const cJSON *conn =
        cJSON_GetObjectItemCaseSensitive(ctx->given, "connector");

    return cJSON_GetObjectItemCaseSensitive(conn, system);
}

const cJSON *kh_ctx_given(struct kh_ctx *ctx, const char *system)
{
    return cJSON_GetObjectItemCaseSensitive(ctx->given, system);
}

void *kh_ctx_slot(struct kh_ctx *ctx, const char *key)
{
    for (struct kh_slot *s = ctx->slots; s; s = s->next) {
        if (strcmp(s->key, key) == 0)
            return s->value;
    }
    return NULL;
}

static void slot_free(struct kh_slot *s)
{
    if (s->free_fn && s->value)
        s->free_fn(s->value);
    free(s->key);
    free(s);
}

void kh_ctx_set_slot(struct kh_ctx *ctx, const char *key, void *value,
                     void (*free_fn)(void *))
{
    struct kh_slot **pp = &ctx->slots;
    struct kh_slot *s;
    size_t n = strlen(key);

    for (; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->key, key) == 0) {
            s = *pp;
            *pp = s->next;
            slot_free(s);
            break;
        }
    }
    if (!value)
        return;
    s = kx_xmalloc(sizeof(*s));
    s->key = kx_xstrndup(key, n);
    s->value = value;
    s->free_fn = free_fn;
    /* Newest first, so that freeing from the head releases what was made
     * last (a receiver before the handle it calls) first. */
    s->next = ctx->slots;
    ctx->slots = s;
}

/* Frees the slots; with keep_durable, those marked durable stay. */
static void slots_drop(struct kh_ctx *ctx, int keep_durable)
{
    struct kh_slot **pp = &ctx->slots;
    size_t plen = strlen(KH_DURABLE_SLOT_PREFIX);

    while (*pp) {
        struct kh_slot *s = *pp;

        if (keep_durable &&
            strncmp(s->key, KH_DURABLE_SLOT_PREFIX, plen) == 0) {
            pp = &s->next;
            continue;
        }
        *pp = s->next;
        slot_free(s);
    }
}

/* ---- secrets --------------------------------------------------------- */

const char *kh__ctx_resolve(const struct kh_ctx *ctx, const char *s)
{
    static const char prefix[] = "$secret:";
    const cJSON *conn, *sys, *v;
    char system[64];
    const char *dot;

    if (strncmp(s, prefix, sizeof(prefix) - 1) != 0)
        return s;
    s += sizeof(prefix) - 1;
    dot = strchr(s, '.');
    if (!dot || (size_t)(dot - s) >= sizeof(system))
        return NULL;
    memcpy(system, s, (size_t)(dot - s));
    system[dot - s] = '\0';
    conn = cJSON_GetObjectItemCaseSensitive(ctx->given, "connector");
    sys = cJSON_GetObjectItemCaseSensitive(conn, system);
    v = cJSON_GetObjectItemCaseSensitive(sys, dot + 1);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- the scenario's scratch directory -------------------------------- */

/* Removes path and everything below it (symbolic links are not
 * followed). Best effort: what cannot be removed stays. */
static void remove_tree(const char *path)
{
    struct stat st;
    struct dirent *d;
    DIR *dir;

    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode) && (dir = opendir(path)) != NULL) {
        while ((d = readdir(dir)) != NULL) {
            char *child;

            if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
                continue;
            child = kx_xasprintf("%s/%s", path, d->d_name);
            remove_tree(child);
            free(child);
        }
        closedir(dir);
    }
    remove(path);
}

const char *kh__ctx_work_dir(struct kh_ctx *ctx, char *err, size_t errsz)
{
    const char *tmp = getenv("TMPDIR");
    char stem[96], *dir, *state;

    if (ctx->work_dir)
        return ctx->work_dir;
    kh_scenario_stem(stem, sizeof(stem), ctx->sc->name);
    dir =
        kx_xasprintf("%s/kinsync-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", stem);
    if (!mkdtemp(dir)) {
        snprintf(err, errsz, "cannot create a scratch directory %s: %s", dir,
                 strerror(errno));
        free(dir);
        return NULL;
    }
    state = kx_xasprintf("%s/state", dir);
    if (mkdir(state, 0700) != 0) {
        snprintf(err, errsz, "cannot create %s: %s", state, strerror(errno));
        remove_tree(dir);
        free(state);
        free(dir);
        return NULL;
    }
    free(state);
    ctx->work_dir = dir;
    return dir;
}

/*
 * Values the engine derives per scenario (check and verify alike) when a
 * scenario pins them neither in the emulator's section nor in
 * given.connector, so
 * that an integration remembering what it did (a store hash, an order
 * number) across runs meets new ones in each scenario. Derived from the
 * scenario's file stem, so every run of a scenario gets the same.
 */
static const struct derived {
    const char *system;
    const char *key;           /* in given.<system> */
    const char *connector_key; /* in given.connector.<system>, or NULL */
    int number;                /* 1: an integer, else a string */
} derived[] = {{"bigcommerce", "store_hash", "store_hash", 0},
               {"epicor", "start_order_num", NULL, 1},
               {"epicor", "start_cust_num", NULL, 1},
               {NULL, NULL, NULL, 0}};

static uint32_t fnv1a(const char *s)
{
    uint32_t h = 2166136261u;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Adds the derived values a verify run needs to a copy of given. */
static void derive_values(struct kh_ctx *ctx)
{
    char stem[128];
    uint32_t h;
    cJSON *conn;

    kh_scenario_stem(stem, sizeof(stem), ctx->sc->name);
    h = fnv1a(stem);
    ctx->given_own = cJSON_Duplicate(ctx->given, 1);
    if (!ctx->given_own)
        abort();
    conn = cJSON_GetObjectItemCaseSensitive(ctx->given_own, "connector");
    for (const struct derived *d = derived; d->system; d++) {
        cJSON *sys =
            cJSON_GetObjectItemCaseSensitive(ctx->given_own, d->system);
        cJSON *csys = cJSON_GetObjectItemCaseSensitive(conn, d->system);
        char value[32];

        if (!cJSON_IsObject(sys) ||
            cJSON_GetObjectItemCaseSensitive(sys, d->key) ||
            (d->connector_key &&
             cJSON_GetObjectItemCaseSensitive(csys, d->connector_key)))
            continue;
        if (d->number) {
            /* far from the emulators' defaults (5000, 100), 10 apart */
            cJSON_AddNumberToObject(sys, d->key,
                                    100000 + (double)(h % 90000) * 10);
            continue;
        }
        snprintf(value, sizeof(value), "kv%07x", (unsigned)(h & 0xfffffff));
        cJSON_AddStringToObject(sys, d->key, value);
        if (d->connector_key && cJSON_IsObject(csys))
            cJSON_AddStringToObject(csys, d->connector_key, value);
    }
    ctx->given = ctx->given_own;
}

/* ---- lifecycle ------------------------------------------------------- */

int kh__parse_time(int64_t *out_ms, const char *s)
{
    size_t len = strlen(s);

    /* kx_iso8601_parse with the RFC 3339 UTC shape the scenarios use:
     * "T", seconds, and "Z" as the only zone. */
    if (len < 20 || s[10] != 'T' || s[16] != ':' || s[len - 1] != 'Z')
        return -1;
    return kx_iso8601_parse(out_ms, s, KX_ISO8601_ZONE_REQUIRED);
}

static void capture_log(enum ks_log_level level, const char *msg,
                        const char *payload, void *userdata)
{
    struct kh_ctx *ctx = userdata;

    kh__text_printf(&ctx->log, "%s %s\n", ks_log_level_name(level), msg);
    if (payload && payload[0])
        kh__text_printf(&ctx->log, "    %s\n", payload);
}

/* The mutation filter: refuses the header named by ctx->drop_header. */
static int drop_named_header(void *userdata, const char *line)
{
    const struct kh_ctx *ctx = userdata;
    size_t n = strlen(ctx->drop_header);

    return strncasecmp(line, ctx->drop_header, n) == 0 &&
           (line[n] == ':' || line[n] == ';');
}

/* The retry policy from given.connector.retry over the library defaults.
 * The jitter seed is fixed unless given, so runs repeat exactly. */
static int client_open(struct kh_ctx *ctx, char *err, size_t errsz)
{
    struct ks_client_options o = KS_CLIENT_OPTIONS_INIT;
    const cJSON *retry = kh_ctx_connector_config(ctx, "retry");
    ks_rc rc;

    o.clock = ctx->clock;
    o.ca_file = ctx->ca_file;
    o.log_fn = capture_log;
    o.log_userdata = ctx;
    o.log_level = KS_LOG_DEBUG;
    o.jitter_seed = (uint64_t)kx_json_num(retry, "jitter_seed", 1);
    o.retry.max_attempts =
        (int)kx_json_num(retry, "max_attempts", o.retry.max_attempts);
    o.retry.base_delay_ms = (int64_t)kx_json_num(retry, "base_delay_ms",
                                                 (double)o.retry.base_delay_ms);
    o.retry.max_delay_ms = (int64_t)kx_json_num(retry, "max_delay_ms",
                                                (double)o.retry.max_delay_ms);
    o.retry.rate_limit_default_wait_ms =
        (int64_t)kx_json_num(retry, "rate_limit_default_wait_ms",
                             (double)o.retry.rate_limit_default_wait_ms);
    o.retry.rate_limit_max_wait_ms =
        (int64_t)kx_json_num(retry, "rate_limit_max_wait_ms",
                             (double)o.retry.rate_limit_max_wait_ms);
    rc = ks_client_new(&ctx->client, &o);
    if (rc) {
        snprintf(err, errsz, "connector client: %s", ks_rc_message(rc));
        return -1;
    }
    if (ctx->drop_header)
        ks_testing_client_set_header_filter(ctx->client, drop_named_header,
                                            ctx);
    return 0;
}

/* The scenario's "tls": true: a certificate for every emulator and its CA
 * in the scratch directory. */
static int tls_open(struct kh_ctx *ctx, char *err, size_t errsz)
{
    const char *dir;
    char why[512];

    if (!kx_json_bool(ctx->sc->doc, "tls", 0))
        return 0;
    if (!km_tls_supported()) {
        snprintf(err, errsz,
                 "/tls: this libmicrohttpd was built without TLS "
                 "(MHD_FEATURE_TLS)");
        return -1;
    }
    if (km_tls_new(&ctx->tls, NULL, 0, why, sizeof(why)) != 0) {
        snprintf(err, errsz, "/tls: %s", why);
        return -1;
    }
    if (!(dir = kh__ctx_work_dir(ctx, err, errsz)))
        return -1;
    ctx->ca_file = kx_xasprintf("%s/ca.pem", dir);
    if (km_tls_write_ca(ctx->tls, ctx->ca_file, why, sizeof(why)) != 0) {
        snprintf(err, errsz, "/tls: %s", why);
        return -1;
    }
    return 0;
}

int kh__ctx_open(struct kh_ctx *ctx, const struct kh_scenario *sc,
                 const struct kh_run_options *opts, char *err, size_t errsz)
{
    const cJSON *clock, *sys;
    const char *start;

    memset(ctx, 0, sizeof(*ctx));
    ctx->sc = sc;
    ctx->verbose = opts && opts->verbose;
    ctx->drop_header = opts ? opts->drop_header : NULL;
    ctx->integration = opts ? opts->integration : NULL;
    ctx->step_timeout_ms = opts && opts->step_timeout_ms > 0
                               ? opts->step_timeout_ms
                               : KH_STEP_TIMEOUT_MS;
    ctx->keep_work = opts && opts->keep_work;
    ctx->given = cJSON_GetObjectItemCaseSensitive(sc->doc, "given");
    derive_values(ctx);
    clock = cJSON_GetObjectItemCaseSensitive(ctx->given, "clock");
    start = kx_json_str(clock, "start");
    ctx->start_ms = 1767225600000; /* 2026-01-01T00:00:00Z */
    if (start && kh__parse_time(&ctx->start_ms, start) != 0) {
        snprintf(err, errsz, "/given/clock/start: not an RFC 3339 UTC time");
        return -1;
    }
    /* An external integration sleeps and times out in real time, so it
     * gets the real clock; "clock.advance" still moves it forward. */
    if (ctx->integration) {
        if (ks_clock_new_real(&ctx->clock) != KS_OK) {
            snprintf(err, errsz, "out of memory");
            return -1;
        }
        ctx->start_ms = ks_clock_now_ms(ctx->clock);
    } else if (ks_clock_new_virtual(&ctx->clock, ctx->start_ms) != KS_OK) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    if (tls_open(ctx, err, errsz) != 0)
        return -1;
    cJSON_ArrayForEach(sys, ctx->given)
    {
        const struct km_emulator_type *type;
        struct kh_system *s;
        char why[512];

        if (strcmp(sys->string, "clock") == 0 ||
            strcmp(sys->string, "connector") == 0)
            continue;
        type = km_emulator_type_find(sys->string);
        if (!type || ctx->nsystems == KH_MAX_SYSTEMS) {
            snprintf(err, errsz, "/given/%s: no such emulator", sys->string);
            return -1;
        }
        s = &ctx->systems[ctx->nsystems];
        if (km_emulator_start_tls(&s->emu, type, sys, ctx->clock, NULL, 0,
                                  ctx->tls, why, sizeof(why)) != 0) {
            snprintf(err, errsz, "/given/%s: %s", sys->string, why);
            return -1;
        }
        /* A recording (--har, --journal) keeps pages whole, as serve
         * --record does, so that it replays and validates as sent. */
        if (opts && (opts->har_dir || opts->journal_dir))
            km_server_set_journal_response_max(s->emu->server,
                                               KM_JOURNAL_BODY_MAX);
        s->name = sys->string;
        ctx->nsystems++;
    }
    return client_open(ctx, err, errsz);
}

int kh__ctx_restart_connector(struct kh_ctx *ctx, char *err, size_t errsz)
{
    slots_drop(ctx, 1);
    ks_client_free(ctx->client);
    ctx->client = NULL;
    return client_open(ctx, err, errsz);
}

void kh__ctx_close(struct kh_ctx *ctx)
{
    /* Jobs' objects first: they hold the client and may serve requests
     * (webhook receivers) that reach the emulators. */
    kh__background_kill(ctx);
    slots_drop(ctx, 0);
    ks_client_free(ctx->client);
    ctx->client = NULL;
    for (size_t i = ctx->nsystems; i-- > 0;) {
        km_emulator_stop(ctx->systems[i].emu);
        cJSON_Delete(ctx->systems[i].journal);
        ctx->systems[i].journal = NULL;
    }
    ctx->nsystems = 0;
    km_tls_free(ctx->tls);
    ctx->tls = NULL;
    free(ctx->ca_file);
    ctx->ca_file = NULL;
    ks_clock_free(ctx->clock);
    ctx->clock = NULL;
    if (ctx->work_dir && ctx->keep_work)
        fprintf(stderr, "kinsync: %s: scratch directory kept: %s\n",
                ctx->sc->path, ctx->work_dir);
    else if (ctx->work_dir)
        remove_tree(ctx->work_dir);
    free(ctx->work_dir);
    ctx->work_dir = NULL;
}

/* Called after the credential check, which needs given. */
void kh__ctx_release(struct kh_ctx *ctx)
{
    cJSON_Delete(ctx->given_own);
    ctx->given_own = NULL;
    ctx->given = NULL;
    for (size_t i = 0; i < ctx->nrules; i++)
        free(ctx->rules[i].rule);
    free(ctx->rules);
    ctx->rules = NULL;
    ctx->nrules = 0;
    kh__text_dispose(&ctx->out);
    kh__text_dispose(&ctx->err);
}
