/*
 * Webhooks: management routes and delivery, following class-wc-webhook.php.
 *
 * - A REST create queues an unsigned ping (body "webhook_id=<id>", form
 *   encoded, no X-WC-* headers); its result is recorded but never counts.
 * - Events are queued when a write happens and sent by the next pump,
 *   signed base64(HMAC-SHA256(secret, body)).
 * - Success is a status in 200..302 and resets failure_count. Anything
 *   else (transport errors included) is a failure: when failure_count is
 *   already above max_delivery_failures the hook becomes "disabled",
 *   otherwise the count grows. With the default 5 the 7th consecutive
 *   failure disables. Failed deliveries are never retried.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/time.h>
#include "woocommerce_emu.h"
#include <kx/alloc.h>
#include <kx/json.h>
#include "common/crypto.h"
#include "kinmock/webhook.h"

static const char *const hook_readonly[] = {"id",
                                            "resource",
                                            "event",
                                            "hooks",
                                            "date_created",
                                            "date_created_gmt",
                                            "date_modified",
                                            "date_modified_gmt",
                                            "secret",
                                            "failure_count",
                                            NULL};

int km__woocommerce_failure_disables(int *count, int max_failures)
{
    if (*count > max_failures)
        return 1;
    (*count)++;
    return 0;
}

static int valid_topic(const char *t)
{
    static const char *const res[] = {"coupon", "customer", "order", "product",
                                      NULL};
    static const char *const ev[] = {"created", "updated", "deleted",
                                     "restored", NULL};
    const char *dot = strchr(t, '.');

    if (strncmp(t, "action.woocommerce_", 19) == 0 ||
        strncmp(t, "action.wc_", 10) == 0)
        return 1;
    if (strcmp(t, "product.published") == 0)
        return 1;
    if (!dot)
        return 0;
    for (size_t i = 0; res[i]; i++) {
        if (strlen(res[i]) != (size_t)(dot - t) ||
            strncmp(res[i], t, (size_t)(dot - t)) != 0)
            continue;
        for (size_t j = 0; ev[j]; j++)
            if (strcmp(ev[j], dot + 1) == 0)
                return 1;
    }
    return 0;
}

static int valid_status(const char *s)
{
    return strcmp(s, "active") == 0 || strcmp(s, "paused") == 0 ||
           strcmp(s, "disabled") == 0;
}

/* Sets resource, event and hooks from the topic. */
static void derive(cJSON *h)
{
    const char *topic = kx_json_str_or(h, "topic", "");
    const char *dot = strchr(topic, '.');
    char resource[64] = "", event[128] = "", hook[256];
    cJSON *hooks = cJSON_CreateArray();

    if (dot) {
        snprintf(resource, sizeof(resource), "%.*s", (int)(dot - topic), topic);
        snprintf(event, sizeof(event), "%s", dot + 1);
    }
    if (strcmp(resource, "action") == 0)
        snprintf(hook, sizeof(hook), "%s", event);
    else
        snprintf(hook, sizeof(hook), "woocommerce_%s_%s",
                 strcmp(event, "created") == 0 ? "new" : event, resource);
    cJSON_AddItemToArray(hooks, cJSON_CreateString(hook));
    km__woocommerce_set_str(h, "resource", resource);
    km__woocommerce_set_str(h, "event", event);
    km__storefront_set(h, "hooks", hooks);
}

static int check(const cJSON *body, int creating,
                 struct km__woocommerce_err *err)
{
    const cJSON *topic = cJSON_GetObjectItemCaseSensitive(body, "topic");
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(body, "delivery_url");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(body, "status");

    if ((creating || topic) &&
        (!cJSON_IsString(topic) || !valid_topic(topic->valuestring))) {
        km__woocommerce_err_set(err, 400,
                                "woocommerce_rest_webhook_invalid_topic",
                                "Webhook topic is required and must be valid.");
        return -1;
    }
    if ((creating || url) &&
        (!cJSON_IsString(url) ||
         (strncmp(url->valuestring, "http://", 7) != 0 &&
          strncmp(url->valuestring, "https://", 8) != 0))) {
        km__woocommerce_err_set(
            err, 400, "woocommerce_rest_webhook_invalid_delivery_url",
            "Webhook delivery URL must be a valid URL starting "
            "with http:// or https://.");
        return -1;
    }
    if (status &&
        (!cJSON_IsString(status) || !valid_status(status->valuestring))) {
        km__woocommerce_err_set(err, 400,
                                "woocommerce_rest_webhook_invalid_status",
                                "Webhook status must be valid.");
        return -1;
    }
    return 0;
}

/* wp_generate_password(50, true, true) stand-in, seeded. */
static void gen_secret(struct km__woocommerce_state *st, char out[51])
{
    static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ"
                                "RSTUVWXYZ0123456789!@#$%^&*()-_[]{}<>~+=";

    for (int i = 0; i < 50; i++)
        out[i] = chars[km__rng_below(&st->rng, sizeof(chars) - 1)];
    out[50] = '\0';
}

cJSON *km__woocommerce_webhook_store(struct km__woocommerce_state *st,
                                     const cJSON *body, int64_t now,
                                     struct km__woocommerce_err *err)
{
    const cJSON *secret = cJSON_GetObjectItemCaseSensitive(body, "secret");
    const cJSON *fc = cJSON_GetObjectItemCaseSensitive(body, "failure_count");
    int64_t id = km__woocommerce_id(body);
    char gen[51];
    cJSON *h;

    if (check(body, 1, err) != 0)
        return NULL;
    if (id <= 0 || km__storefront_find(st->webhooks, id))
        id = st->next_webhook_id++;
    else if (id >= st->next_webhook_id)
        st->next_webhook_id = id + 1;
    h = cJSON_CreateObject();
    cJSON_AddNumberToObject(h, "id", (double)id);
    cJSON_AddStringToObject(h, "name", "");
    cJSON_AddStringToObject(h, "status", "active");
    km__woocommerce_merge(h, body, hook_readonly);
    if (!*kx_json_str_or(h, "name", "")) {
        char name[96];

        snprintf(name, sizeof(name), "Webhook created via REST %s",
                 kx_json_str_or(body, "topic", ""));
        km__woocommerce_set_str(h, "name", name);
    }
    derive(h);
    if (cJSON_IsString(secret) && *secret->valuestring) {
        cJSON_AddStringToObject(h, "_secret", secret->valuestring);
    } else {
        gen_secret(st, gen);
        cJSON_AddStringToObject(h, "_secret", gen);
    }
    if (st->server)
        km_server_add_secret(st->server, kx_json_str_or(h, "_secret", ""));
    cJSON_AddNumberToObject(h, "_failure_count",
                            cJSON_IsNumber(fc) ? fc->valuedouble : 0);
    km__woocommerce_complete(h, KM__WOOCOMMERCE_WEBHOOK);
    km__woocommerce_set_dates(h, now, 1);
    cJSON_AddItemToArray(st->webhooks, h);
    return h;
}

/* "Name: value", malloc'd. */
static char *hdr(const char *name, const char *value)
{
    return kx_xasprintf("%s: %s", name, value);
}

static void enqueue(struct km__woocommerce_state *st,
                    struct km__woocommerce_job *job)
{
    st->queue = kx_xrealloc(st->queue, (st->nqueue + 1) * sizeof(*st->queue));
    st->queue[st->nqueue++] = *job;
}

static void queue_ping(struct km__woocommerce_state *st, const cJSON *h)
{
    struct km__woocommerce_job job;
    char body[48];

    memset(&job, 0, sizeof(job));
    snprintf(body, sizeof(body), "webhook_id=%lld",
             (long long)km__woocommerce_id(h));
    job.hook_id = km__woocommerce_id(h);
    job.ping = 1;
    job.url = kx_xstrdup(kx_json_str_or(h, "delivery_url", ""));
    job.topic = kx_xstrdup(kx_json_str_or(h, "topic", ""));
    job.body = kx_xstrdup(body);
    job.len = strlen(body);
    job.headers = kx_xcalloc(3, sizeof(char *));
    job.headers[0] =
        kx_xstrdup("Content-Type: application/x-www-form-urlencoded");
    job.headers[1] = kx_xstrdup("User-Agent: WooCommerce/8.9.0 Hookshot "
                                "(WordPress/6.5.0)");
    enqueue(st, &job);
}

void km__woocommerce_fire(struct km__woocommerce_state *st,
                          const char *resource, const char *event,
                          const cJSON *payload)
{
    char topic[96], iso[KX_ISO8601_MAX], seed[96], did[65], *text;
    unsigned char mac[KM__SHA256_LEN];
    cJSON *pub;
    const cJSON *h;

    snprintf(topic, sizeof(topic), "%s.%s", resource, event);
    if (strcmp(event, "deleted") == 0) {
        pub = cJSON_CreateObject();
        cJSON_AddNumberToObject(pub, "id", (double)km__woocommerce_id(payload));
    } else if (strcmp(resource, "order") == 0) {
        pub = km__woocommerce_order_public(st, payload);
    } else {
        pub = km__woocommerce_public(st, payload);
    }
    text = cJSON_PrintUnformatted(pub);
    cJSON_Delete(pub);
    if (!text)
        abort();
    cJSON_ArrayForEach(h, st->webhooks)
    {
        struct km__woocommerce_job job;
        char *b64, idbuf[32];
        size_t n = 0;

        if (strcmp(kx_json_str_or(h, "status", ""), "active") != 0 ||
            strcmp(kx_json_str_or(h, "topic", ""), topic) != 0)
            continue;
        memset(&job, 0, sizeof(job));
        /* wp_hash(id . time): 32 hex characters. */
        kx_iso8601_format(iso, ks_clock_now_ms(st->clock), 0);
        snprintf(seed, sizeof(seed), "%lld|%s|%llu",
                 (long long)km__woocommerce_id(h), iso,
                 (unsigned long long)++st->delivery_seq);
        km__digest_hex(did, KM__SHA256, seed, strlen(seed));
        did[32] = '\0';
        km__hmac(mac, KM__SHA256, kx_json_str_or(h, "_secret", ""),
                 strlen(kx_json_str_or(h, "_secret", "")), text, strlen(text));
        b64 = km__base64_encode(mac, sizeof(mac));
        job.hook_id = km__woocommerce_id(h);
        job.url = kx_xstrdup(kx_json_str_or(h, "delivery_url", ""));
        job.topic = kx_xstrdup(topic);
        job.delivery_id = kx_xstrdup(did);
        job.signature = kx_xstrdup(b64);
        job.body = kx_xstrdup(text);
        job.len = strlen(text);
        if (st->tamper_next) {
            /* Changed after signing: the receiver must refuse it. */
            st->tamper_next = 0;
            job.tampered = 1;
            job.body[job.len > 1 ? 1 : 0] ^= 0x01;
        }
        job.headers = kx_xcalloc(11, sizeof(char *));
        snprintf(idbuf, sizeof(idbuf), "%lld", (long long)job.hook_id);
        job.headers[n++] = kx_xstrdup("Content-Type: application/json");
        job.headers[n++] = kx_xstrdup("User-Agent: WooCommerce/8.9.0 Hookshot "
                                      "(WordPress/6.5.0)");
        job.headers[n++] =
            hdr("X-WC-Webhook-Source", st->site_url ? st->site_url : "");
        job.headers[n++] = hdr("X-WC-Webhook-Topic", topic);
        job.headers[n++] = hdr("X-WC-Webhook-Resource", resource);
        job.headers[n++] = hdr("X-WC-Webhook-Event", event);
        job.headers[n++] = hdr("X-WC-Webhook-Signature", b64);
        job.headers[n++] = hdr("X-WC-Webhook-ID", idbuf);
        job.headers[n++] = hdr("X-WC-Webhook-Delivery-ID", did);
        free(b64);
        enqueue(st, &job);
    }
    cJSON_free(text);
}

static void job_free(struct km__woocommerce_job *j)
{
    for (size_t i = 0; j->headers && j->headers[i]; i++)
        free(j->headers[i]);
    free(j->headers);
    free(j->url);
    free(j->topic);
    free(j->delivery_id);
    free(j->signature);
    free(j->body);
}

void km__woocommerce_queue_free(struct km__woocommerce_state *st)
{
    for (size_t i = 0; i < st->nqueue; i++)
        job_free(&st->queue[i]);
    free(st->queue);
    st->queue = NULL;
    st->nqueue = 0;
}

/* Records one attempt and applies the success / failure rule. */
static void record(struct km__woocommerce_state *st,
                   const struct km__woocommerce_job *j, long status,
                   const char *error)
{
    cJSON *d = cJSON_CreateObject();
    cJSON *h = km__storefront_find(st->webhooks, j->hook_id);
    int ok = j->ping ? status == 200 : status >= 200 && status < 303;

    cJSON_AddStringToObject(d, "delivery_id",
                            j->delivery_id ? j->delivery_id : "");
    cJSON_AddNumberToObject(d, "webhook_id", (double)j->hook_id);
    cJSON_AddStringToObject(d, "topic", j->ping ? "ping" : j->topic);
    cJSON_AddBoolToObject(d, "ping", j->ping);
    cJSON_AddStringToObject(d, "delivery_url", j->url);
    cJSON_AddNumberToObject(d, "status", (double)status);
    if (error && *error)
        cJSON_AddStringToObject(d, "error", error);
    else
        cJSON_AddNullToObject(d, "error");
    cJSON_AddBoolToObject(d, "success", ok);
    cJSON_AddBoolToObject(d, "tampered", j->tampered);
    cJSON_AddStringToObject(d, "signature", j->signature ? j->signature : "");
    cJSON_AddStringToObject(d, "body", j->body);
    cJSON_AddNumberToObject(d, "virtual_ms",
                            (double)ks_clock_now_ms(st->clock));
    if (h && !j->ping) {
        int count = (int)kx_json_numeric(h, "_failure_count", 0);

        if (ok) {
            count = 0;
        } else if (km__woocommerce_failure_disables(&count, st->max_failures)) {
            km__woocommerce_set_str(h, "status", "disabled");
            cJSON_AddBoolToObject(d, "disabled_hook", 1);
        }
        km__woocommerce_set_num(h, "_failure_count", count);
        cJSON_AddNumberToObject(d, "failure_count", count);
    }
    cJSON_AddItemToArray(st->deliveries, d);
}

int km__woocommerce_pump(void *state, struct km_server *server)
{
    struct km__woocommerce_state *st = state;
    struct km__woocommerce_job *jobs;
    size_t n;
    long timeout;
    unsigned flags;

    km_server_lock(server);
    jobs = st->queue;
    n = st->nqueue;
    st->queue = NULL;
    st->nqueue = 0;
    timeout = st->delivery_timeout_ms;
    flags = st->webhook_allow_private ? KM_WEBHOOK_ALLOW_PRIVATE : 0;
    km_server_unlock(server);
    for (size_t i = 0; i < n; i++) {
        char err[256];
        long status = km_webhook_post(
            jobs[i].url, (const char *const *)jobs[i].headers, jobs[i].body,
            jobs[i].len, timeout, flags, err, sizeof(err));

        km_server_lock(server);
        km__storefront_touch(&st->texts); /* a webhook may be disabled */
        record(st, &jobs[i], status, status ? NULL : err);
        km_server_unlock(server);
        job_free(&jobs[i]);
    }
    free(jobs);
    return (int)n;
}

/* ---- routes ----------------------------------------------------------- */

static cJSON *hook_or_404(struct km__woocommerce_call *c)
{
    cJSON *h =
        km__storefront_find(c->st->webhooks, km_request_param_id(c->req, "id"));

    if (!h)
        km__woocommerce_error(
            c->res, 404, "woocommerce_rest_webhook_invalid_id", "Invalid ID.");
    return h;
}

void km__woocommerce_webhooks_list(struct km_response *res,
                                   const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    const char *status = km_request_arg(c->req, "status");
    cJSON *all = cJSON_CreateArray();
    const cJSON *h;
    int per_page, page;

    if (km__woocommerce_paging(c, &per_page, &page) != 0) {
        cJSON_Delete(all);
        return;
    }
    if (status && strcmp(status, "all") && !valid_status(status)) {
        km__woocommerce_error(c->res, 400, "rest_invalid_param",
                              "Invalid parameter(s): status");
        cJSON_Delete(all);
        return;
    }
    /* Newest first (orderby date desc). */
    cJSON_ArrayForEach(h, c->st->webhooks)
    {
        if (status && strcmp(status, "all") &&
            strcmp(kx_json_str_or(h, "status", ""), status))
            continue;
        cJSON_InsertItemInArray(all, 0, km__woocommerce_public(c->st, h));
    }
    km__woocommerce_send_page(c, all, per_page, page);
}

void km__woocommerce_webhooks_create(struct km_response *res,
                                     const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    cJSON *body = km_request_json(c->req), *h;
    struct km__woocommerce_err err;
    char loc[512];

    if (!cJSON_IsObject(body)) {
        km__woocommerce_error(c->res, 400, "rest_invalid_json",
                              "Invalid JSON body passed.");
        cJSON_Delete(body);
        return;
    }
    h = km__woocommerce_webhook_store(c->st, body, c->req->now_ms, &err);
    cJSON_Delete(body);
    if (!h) {
        km__woocommerce_reply_err(c->res, &err);
        return;
    }
    queue_ping(c->st, h);
    snprintf(loc, sizeof(loc), "%swp-json/wc/v3/webhooks/%lld", c->st->site_url,
             (long long)km__woocommerce_id(h));
    km_response_header(c->res, "Location", loc);
    km_response_json(c->res, 201, km__woocommerce_public(c->st, h));
}

void km__woocommerce_webhooks_get(struct km_response *res,
                                  const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    cJSON *h = hook_or_404(c);

    if (h)
        km_response_json(c->res, 200, km__woocommerce_public(c->st, h));
}

void km__woocommerce_webhooks_update(struct km_response *res,
                                     const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    cJSON *h = hook_or_404(c), *body;
    const cJSON *secret;
    struct km__woocommerce_err err;

    if (!h)
        return;
    body = km_request_json(c->req);
    if (!cJSON_IsObject(body)) {
        km__woocommerce_error(c->res, 400, "rest_invalid_json",
                              "Invalid JSON body passed.");
    } else if (check(body, 0, &err) != 0) {
        km__woocommerce_reply_err(c->res, &err);
    } else {
        secret = cJSON_GetObjectItemCaseSensitive(body, "secret");
        km__woocommerce_merge(h, body, hook_readonly);
        if (cJSON_IsString(secret) && *secret->valuestring) {
            km__woocommerce_set_str(h, "_secret", secret->valuestring);
            km_server_add_secret(c->st->server, secret->valuestring);
        }
        derive(h);
        km__woocommerce_set_dates(h, c->req->now_ms, 0);
        km_response_json(c->res, 200, km__woocommerce_public(c->st, h));
    }
    cJSON_Delete(body);
}

void km__woocommerce_webhooks_delete(struct km_response *res,
                                     const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    cJSON *h = hook_or_404(c), *copy;

    if (!h)
        return;
    if (!km__woocommerce_arg_true(c->req, "force")) {
        km__woocommerce_error(c->res, 501,
                              "woocommerce_rest_trash_not_supported",
                              "Webhooks do not support trashing.");
        return;
    }
    copy = km__woocommerce_public(c->st, h);
    cJSON_Delete(cJSON_DetachItemViaPointer(c->st->webhooks, h));
    km_response_json(c->res, 200, copy);
}
