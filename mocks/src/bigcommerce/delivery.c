/*
 * Webhook delivery: thin payloads, Standard Webhooks signing, the retry
 * ladder and deactivation.
 *
 * - Payload ([C] shape): {"scope","store_id" (string),"data","hash",
 *   "created_at","producer":"stores/<hash>"}. hash is the SHA-1 hex of
 *   the same object printed without "hash" ([S]: "SHA-1 of the JSON
 *   payload", not keyed), so a duplicate delivery carries the same hash.
 * - Signing ([C] HTTPS Webhooks page, Standard Webhooks spec): headers
 *   webhook-id (one per event and hook, kept across retries),
 *   webhook-timestamp (unix seconds of the attempt) and webhook-signature
 *   "v1,<base64 HMAC-SHA256(client_secret, id.timestamp.body)>"; plus the
 *   hook's custom headers. X-BC-Signature (base64 HMAC-SHA256 of the body)
 *   only with sign_x_bc_signature: no vendor source documents it.
 * - Any 2xx is success. A failure is retried after retry_schedule_s[n]
 *   (default 60 s ... 86400 s, about 48 h in all) on the server clock; when
 *   the last retry fails the hook becomes is_active=false. A hook without
 *   a successful delivery for inactivity_days (90) is deactivated too.
 * - Not modelled: the domain blocklist (90 % success over 2 minutes after
 *   100 requests), the "up to a minute" before a new hook fires.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include "bigcommerce_emu.h"
#include "common/crypto.h"
#include "kinmock/webhook.h"

#define BC_STALE_S 3600 /* how far back a "timestamp" tamper signs */

int64_t km__bigcommerce_retry_delay_s(const int64_t *schedule, size_t n,
                                      int attempt)
{
    if (attempt < 1 || (size_t)attempt > n)
        return -1;
    return schedule[attempt - 1];
}

static char *xprint(const cJSON *o)
{
    char *t = cJSON_PrintUnformatted(o), *copy;

    if (!t)
        abort();
    copy = kx_xstrdup(t);
    cJSON_free(t);
    return copy;
}

static cJSON *payload_object(const char *scope, const char *store_id,
                             const cJSON *data, const char *hash,
                             int64_t created_at, const char *store_hash)
{
    cJSON *o = cJSON_CreateObject();
    char producer[160];

    snprintf(producer, sizeof(producer), "stores/%s", store_hash);
    cJSON_AddStringToObject(o, "scope", scope);
    cJSON_AddStringToObject(o, "store_id", store_id);
    cJSON_AddItemToObject(o, "data", cJSON_Duplicate(data, 1));
    if (hash) /* after data, where BigCommerce's sample has it */
        cJSON_AddStringToObject(o, "hash", hash);
    cJSON_AddNumberToObject(o, "created_at", (double)created_at);
    cJSON_AddStringToObject(o, "producer", producer);
    return o;
}

char *km__bigcommerce_payload(const char *scope, const char *store_id,
                              const cJSON *data, int64_t created_at,
                              const char *store_hash)
{
    cJSON *o =
        payload_object(scope, store_id, data, NULL, created_at, store_hash);
    char hash[41], *text = xprint(o);

    cJSON_Delete(o);
    km__digest_hex(hash, KM__SHA1, text, strlen(text));
    free(text);
    o = payload_object(scope, store_id, data, hash, created_at, store_hash);
    text = xprint(o);
    cJSON_Delete(o);
    return text;
}

static void enqueue(struct km__bigcommerce_state *st,
                    const struct km__bigcommerce_pending *p)
{
    st->queue = kx_xrealloc(st->queue, (st->nqueue + 1) * sizeof(*st->queue));
    st->queue[st->nqueue++] = *p;
}

static void pending_free(struct km__bigcommerce_pending *p)
{
    free(p->msg_id);
    free(p->scope);
    free(p->body);
    memset(p, 0, sizeof(*p));
}

static char *new_msg_id(struct km__bigcommerce_state *st)
{
    char id[40];

    snprintf(id, sizeof(id), "msg_%016llx%08llx",
             (unsigned long long)km__rng_next(&st->rng),
             (unsigned long long)(km__rng_next(&st->rng) & 0xffffffffULL));
    return kx_xstrdup(id);
}

void km__bigcommerce_fire(struct km__bigcommerce_state *st, const char *scope,
                          cJSON *data)
{
    int64_t now = ks_clock_now_ms(st->clock);
    char *body = NULL;
    const cJSON *h;

    cJSON_ArrayForEach(h, st->hooks)
    {
        struct km__bigcommerce_pending p;

        if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(h, "is_active")) ||
            !km__bigcommerce_scope_matches(kx_json_str_or(h, "scope", ""),
                                           scope))
            continue;
        if (!body)
            body = km__bigcommerce_payload(scope, st->store_id, data,
                                           now / 1000, st->store_hash);
        memset(&p, 0, sizeof(p));
        p.hook_id = km__bigcommerce_id(h);
        p.msg_id = new_msg_id(st);
        p.scope = kx_xstrdup(scope);
        p.body = kx_xstrdup(body);
        p.len = strlen(body);
        p.due_ms = now;
        enqueue(st, &p);
    }
    free(body);
    cJSON_Delete(data);
}

void km__bigcommerce_queue_free(struct km__bigcommerce_state *st)
{
    for (size_t i = 0; i < st->nqueue; i++)
        pending_free(&st->queue[i]);
    free(st->queue);
    st->queue = NULL;
    st->nqueue = 0;
    if (st->has_last)
        pending_free(&st->last);
    st->has_last = 0;
}

/* ---- one attempt ----------------------------------------------------------
 */

struct bc_job {
    struct km__bigcommerce_pending p;
    char *url;
    char **headers; /* "Name: value", NULL-terminated */
    char *body;     /* what is sent (a tampered copy differs) */
    size_t len;
    enum bc_tamper tamper;
    long status;
    char err[256];
};

static void add_header(char **list, size_t *n, const char *name,
                       const char *value)
{
    size_t len = strlen(name) + strlen(value) + 3;

    list[*n] = kx_xmalloc(len);
    snprintf(list[(*n)++], len, "%s: %s", name, value);
}

static char *b64_hmac(const char *key, const char *msg, size_t len)
{
    unsigned char mac[KM__SHA256_LEN];

    km__hmac(mac, KM__SHA256, key, strlen(key), msg, len);
    return km__base64_encode(mac, sizeof(mac));
}

/* Builds the request of one attempt under the lock. */
static void build(struct km__bigcommerce_state *st, struct bc_job *j,
                  const cJSON *hook, int64_t now)
{
    const cJSON *hdrs = cJSON_GetObjectItemCaseSensitive(hook, "headers"), *h;
    int64_t ts = now / 1000;
    size_t n = 0, cap = 8 + (size_t)cJSON_GetArraySize(hdrs);
    char tsbuf[32];

    j->url = kx_xstrdup(kx_json_str_or(hook, "destination", ""));
    j->headers = kx_xcalloc(cap, sizeof(char *));
    j->body = kx_xmalloc(j->p.len + 1);
    memcpy(j->body, j->p.body, j->p.len + 1);
    j->len = j->p.len;
    if (j->tamper == BC_TAMPER_TIMESTAMP)
        ts -= BC_STALE_S;
    snprintf(tsbuf, sizeof(tsbuf), "%lld", (long long)ts);
    add_header(j->headers, &n, "Content-Type", "application/json");
    add_header(j->headers, &n, "User-Agent", "kinsync-bigcommerce-emulator");
    if (st->sign_standard && st->client_secret) {
        size_t mlen = strlen(j->p.msg_id) + strlen(tsbuf) + j->len + 2;
        char *msg = kx_xmalloc(mlen + 1), *sig, *val;

        snprintf(msg, mlen + 1, "%s.%s.", j->p.msg_id, tsbuf);
        memcpy(msg + strlen(msg), j->body, j->len + 1);
        sig = b64_hmac(st->client_secret, msg, mlen);
        free(msg);
        if (j->tamper == BC_TAMPER_SIGNATURE)
            sig[0] = sig[0] == 'A' ? 'B' : 'A';
        val = kx_xmalloc(strlen(sig) + 4);
        snprintf(val, strlen(sig) + 4, "v1,%s", sig);
        add_header(j->headers, &n, "webhook-id", j->p.msg_id);
        add_header(j->headers, &n, "webhook-timestamp", tsbuf);
        add_header(j->headers, &n, "webhook-signature", val);
        free(val);
        free(sig);
    }
    if (st->sign_x_bc && st->client_secret) {
        char *sig = b64_hmac(st->client_secret, j->body, j->len);

        add_header(j->headers, &n, "X-BC-Signature", sig);
        free(sig);
    }
    cJSON_ArrayForEach(h, hdrs)
    {
        if (cJSON_IsString(h) && n + 1 < cap)
            add_header(j->headers, &n, h->string, h->valuestring);
    }
    /* Changed after signing: the receiver must refuse it. */
    if (j->tamper == BC_TAMPER_BODY && j->len > 1)
        j->body[1] ^= 0x01;
}

static void job_dispose(struct bc_job *j)
{
    for (size_t i = 0; j->headers && j->headers[i]; i++)
        free(j->headers[i]);
    free(j->headers);
    free(j->url);
    free(j->body);
    pending_free(&j->p);
}

static const char *tamper_name(enum bc_tamper t)
{
    static const char *const names[] = {"", "body", "signature", "timestamp",
                                        "replay"};

    return names[t];
}

static void drop_hook_queue(struct km__bigcommerce_state *st, int64_t hook_id)
{
    size_t k = 0;

    for (size_t i = 0; i < st->nqueue; i++) {
        if (st->queue[i].hook_id == hook_id)
            pending_free(&st->queue[i]);
        else
            st->queue[k++] = st->queue[i];
    }
    st->nqueue = k;
}

/* Records an attempt and moves the event on: done, retried or dropped
 * with its hook deactivated. Takes j->p. */
static void outcome(struct km__bigcommerce_state *st, struct bc_job *j,
                    int replay)
{
    cJSON *d = cJSON_CreateObject();
    cJSON *hook = km__storefront_find(st->hooks, j->p.hook_id);
    int64_t now = ks_clock_now_ms(st->clock), delay;
    int ok = j->status >= 200 && j->status < 300;

    km__storefront_touch(&st->texts); /* hooks may change; texts follow */
    cJSON_AddNumberToObject(d, "hook_id", (double)j->p.hook_id);
    cJSON_AddStringToObject(d, "scope", j->p.scope);
    cJSON_AddStringToObject(d, "webhook_id", j->p.msg_id);
    cJSON_AddNumberToObject(d, "attempt", j->p.attempts + 1);
    cJSON_AddNumberToObject(d, "status", (double)j->status);
    cJSON_AddNumberToObject(d, "at_ms", (double)now);
    cJSON_AddBoolToObject(d, "success", ok);
    if (j->err[0])
        cJSON_AddStringToObject(d, "error", j->err);
    if (j->tamper)
        cJSON_AddStringToObject(d, "tampered", tamper_name(j->tamper));
    if (replay)
        cJSON_AddTrueToObject(d, "replay");
    if (j->p.redelivery)
        cJSON_AddTrueToObject(d, "redelivery");
    cJSON_AddItemToArray(st->deliveries, d);
    if (replay)
        return;
    if (st->has_last)
        pending_free(&st->last);
    st->last.hook_id = j->p.hook_id;
    st->last.msg_id = kx_xstrdup(j->p.msg_id);
    st->last.scope = kx_xstrdup(j->p.scope);
    st->last.body = kx_xstrdup(j->p.body);
    st->last.len = j->p.len;
    st->has_last = 1;
    if (ok) {
        if (hook)
            km__storefront_set(hook, "_last_active_ms",
                               cJSON_CreateNumber((double)now));
        pending_free(&j->p);
        return;
    }
    j->p.attempts++;
    delay =
        km__bigcommerce_retry_delay_s(st->retry_s, st->nretry, j->p.attempts);
    if (delay < 0) {
        if (hook) {
            km__storefront_set(hook, "is_active", cJSON_CreateFalse());
            km__storefront_set(hook, "updated_at",
                               cJSON_CreateNumber((double)(now / 1000)));
            km__storefront_set(hook, "_deactivated",
                               cJSON_CreateString("retries_exhausted"));
            drop_hook_queue(st, j->p.hook_id);
        }
        cJSON_AddTrueToObject(d, "deactivated_hook");
        pending_free(&j->p);
        return;
    }
    j->p.due_ms = now + delay * 1000;
    cJSON_AddNumberToObject(d, "next_attempt_ms", (double)j->p.due_ms);
    enqueue(st, &j->p);
    memset(&j->p, 0, sizeof(j->p));
}

static int hook_active(struct km__bigcommerce_state *st, int64_t id,
                       const cJSON **hook)
{
    *hook = km__storefront_find(st->hooks, id);
    return *hook &&
           cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(*hook, "is_active"));
}

int km__bigcommerce_pump(void *state, struct km_server *server)
{
    struct km__bigcommerce_state *st = state;
    struct bc_job *jobs;
    size_t n = 0, k = 0;
    long timeout;
    unsigned flags;
    int sent = 0;

    km_server_lock(server);
    int64_t now = ks_clock_now_ms(st->clock);
    km__bigcommerce_hooks_expire(st, now);
    jobs = kx_xcalloc(st->nqueue + 1, sizeof(*jobs));
    for (size_t i = 0; i < st->nqueue; i++) {
        struct km__bigcommerce_pending *p = &st->queue[i];
        const cJSON *hook;

        if (!hook_active(st, p->hook_id, &hook)) {
            pending_free(p); /* a hook switched off gets nothing */
            continue;
        }
        if (p->due_ms > now) {
            st->queue[k++] = *p;
            continue;
        }
        jobs[n].p = *p;
        jobs[n].tamper = n == 0 ? st->tamper_next : BC_TAMPER_NONE;
        build(st, &jobs[n], hook, now);
        n++;
    }
    st->nqueue = k;
    if (n)
        st->tamper_next = BC_TAMPER_NONE;
    timeout = st->timeout_ms;
    flags = st->webhook_allow_private ? KM_WEBHOOK_ALLOW_PRIVATE : 0;
    km_server_unlock(server);

    for (size_t i = 0; i < n; i++) {
        struct bc_job *j = &jobs[i];
        long replay_status = 0;
        char replay_err[256] = "";

        j->status =
            km_webhook_post(j->url, (const char *const *)j->headers, j->body,
                            j->len, timeout, flags, j->err, sizeof(j->err));
        sent++;
        if (j->tamper == BC_TAMPER_REPLAY) {
            /* The same bytes again, headers included: a replay. */
            replay_status = km_webhook_post(
                j->url, (const char *const *)j->headers, j->body, j->len,
                timeout, flags, replay_err, sizeof(replay_err));
            sent++;
        }
        km_server_lock(server);
        if (j->tamper == BC_TAMPER_REPLAY) {
            struct bc_job r = *j;

            r.status = replay_status;
            snprintf(r.err, sizeof(r.err), "%s", replay_err);
            outcome(st, &r, 1);
        }
        outcome(st, j, 0);
        km_server_unlock(server);
        job_dispose(j);
    }
    free(jobs);
    return sent;
}

int km__bigcommerce_delivery_act(struct km__bigcommerce_state *st,
                                 const char *action, const cJSON *args,
                                 char *err, size_t errsz)
{
    if (strcmp(action, "tamper_next_webhook") == 0) {
        const char *mode = kx_json_str_or(args, "mode", "");

        if (!*mode || strcmp(mode, "body") == 0)
            st->tamper_next = BC_TAMPER_BODY;
        else if (strcmp(mode, "signature") == 0)
            st->tamper_next = BC_TAMPER_SIGNATURE;
        else if (strcmp(mode, "timestamp") == 0)
            st->tamper_next = BC_TAMPER_TIMESTAMP;
        else if (strcmp(mode, "replay") == 0)
            st->tamper_next = BC_TAMPER_REPLAY;
        else {
            snprintf(err, errsz,
                     "bigcommerce: tamper_next_webhook mode must be body, "
                     "signature, timestamp or replay");
            return -1;
        }
        return 0;
    }
    /* redeliver_last: the platform sends the last event again (same
     * webhook-id and body, fresh timestamp), as duplicates happen. */
    if (!st->has_last) {
        snprintf(err, errsz, "bigcommerce: no delivery to redeliver yet");
        return -1;
    }
    {
        struct km__bigcommerce_pending p = st->last;

        p.msg_id = kx_xstrdup(st->last.msg_id);
        p.scope = kx_xstrdup(st->last.scope);
        p.body = kx_xstrdup(st->last.body);
        p.attempts = 0;
        p.redelivery = 1;
        p.due_ms = ks_clock_now_ms(st->clock);
        enqueue(st, &p);
    }
    return 0;
}
