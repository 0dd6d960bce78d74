/*
 * Scenario jobs over the connector's Adobe Commerce client and the
 * procure-to-invoice flows (connector/include/kinsync/adobe.h, sync.h).
 *
 * The handle is built from given.connector.adobe:
 *   deployment   "paas" (default) | "saas"
 *   base_url     default: the running "adobe" emulator's URL
 *   store_code, tenant_id
 *   auth         "oauth1" (default) | "admin" | "ims"
 *   consumer_key, consumer_secret, access_token, access_token_secret
 *   username, password, admin_token_lifetime_s
 *   client_id, client_secret, org_id, scope, ims_token_url (default: the
 *                emulator's /ims/token/v3)
 *   page_size, token_margin_ms
 *   company_admin_id   the super user of the companies vendors become
 *   webhook_signing    "rsa" (default) | "hmac"
 *   webhook_public_key PEM (rsa; default: the adobe emulator's key)
 *   webhook_secret     (hmac)
 *
 * adobe.start_hook_receiver starts a loopback receiver of Adobe's
 * synchronous webhooks (a private static emulator that answers
 * [{"op":"success"}], or options.status) and subscribes the
 * order-placement hook to it through the client; each delivery (body and
 * x-adobe-commerce-webhook-signature) is kept in arrival order.
 * sync.requisitions verifies each kept delivery with the configured key
 * and turns the genuine ones into requisitions; refused ones are counted
 * ("refused") and never reach the flow.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <kinmock/server.h>
#include "jobs.h"

#define HOOKS_SLOT "adobe.hooks"
#define SIGNATURE_HEADER "x-adobe-commerce-webhook-signature"

static void handle_free(void *p)
{
    ks_adobe_free(p);
}

static int enum_of(int *out, const char *text, const char *const *names,
                   int def)
{
    *out = def;
    for (int i = 0; text && names[i]; i++) {
        if (strcmp(text, names[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    return text ? -1 : 0;
}

static ks_rc adobe_make(void **out, struct kh_ctx *ctx, int page_size,
                        char *err, size_t errsz)
{
    static const char *const deployments[] = {"paas", "saas", NULL};
    static const char *const auths[] = {"oauth1", "admin", "ims", NULL};
    const cJSON *cfg = kh_ctx_connector_config(ctx, "adobe");
    struct ks_adobe_options o = KS_ADOBE_OPTIONS_INIT;
    struct ks_adobe *ad = NULL;
    char *ims_url = NULL;
    int dep, auth;
    ks_rc rc;

    *out = NULL;
    o.base_url = kh_job_remote_url(ctx, "adobe", "base_url", err, errsz);
    if (!o.base_url)
        return KS_EINVAL;
    if (enum_of(&dep, kx_json_str(cfg, "deployment"), deployments, 0) ||
        enum_of(&auth, kx_json_str(cfg, "auth"), auths, 0)) {
        snprintf(err, errsz,
                 "adobe: deployment must be paas|saas and auth "
                 "oauth1|admin|ims");
        return KS_EINVAL;
    }
    o.deployment = (enum ks_adobe_deployment)dep;
    o.auth = (enum ks_adobe_auth)auth;
    o.store_code = kx_json_str(cfg, "store_code");
    o.tenant_id = kx_json_str(cfg, "tenant_id");
    o.consumer_key = kx_json_str(cfg, "consumer_key");
    o.consumer_secret = kx_json_str(cfg, "consumer_secret");
    o.access_token = kx_json_str(cfg, "access_token");
    o.access_token_secret = kx_json_str(cfg, "access_token_secret");
    o.username = kx_json_str(cfg, "username");
    o.password = kx_json_str(cfg, "password");
    o.admin_token_lifetime_s =
        (int64_t)kx_json_num(cfg, "admin_token_lifetime_s", 0);
    o.client_id = kx_json_str(cfg, "client_id");
    o.client_secret = kx_json_str(cfg, "client_secret");
    o.org_id = kx_json_str(cfg, "org_id");
    o.scope = kx_json_str(cfg, "scope");
    o.ims_token_url = kx_json_str(cfg, "ims_token_url");
    if (!o.ims_token_url && o.auth == KS_ADOBE_AUTH_IMS)
        o.ims_token_url = ims_url = kx_xasprintf("%s/ims/token/v3", o.base_url);
    o.token_margin_ms = (int64_t)kx_json_num(cfg, "token_margin_ms", 0);
    o.page_size =
        page_size > 0 ? page_size : (int)kx_json_num(cfg, "page_size", 0);
    rc = ks_adobe_new(&ad, kh_ctx_client(ctx), &o);
    if (rc)
        snprintf(err, errsz, "adobe: %s",
                 ks_client_last_error(kh_ctx_client(ctx))->message);
    free(ims_url);
    *out = ad;
    return rc;
}

struct ks_adobe *kh_job_adobe(struct kh_ctx *ctx, int page_size, int *owned,
                              ks_rc *rc, char *err, size_t errsz)
{
    return kh_job_handle(ctx, KH_SLOT_ADOBE, adobe_make, handle_free, page_size,
                         owned, rc, err, errsz);
}

/* ---- the flows -------------------------------------------------------- */

struct flow_call {
    ks_rc (*fn)(struct ks_sync_stats *, struct ks_sync *);
};

static ks_rc flow(struct ks_sync_stats *stats, struct ks_sync *sync, void *ud)
{
    const struct flow_call *c = ud;

    return c->fn(stats, sync);
}

static ks_rc job_vendors(struct kh_ctx *ctx, const cJSON *options,
                         cJSON **result, char *err, size_t errsz)
{
    struct flow_call c = {ks_sync_vendors_to_adobe};

    return kh_job_sync_run(ctx, options, result, err, errsz, flow, &c);
}

static ks_rc job_purchase_orders(struct kh_ctx *ctx, const cJSON *options,
                                 cJSON **result, char *err, size_t errsz)
{
    struct flow_call c = {ks_sync_purchase_orders_to_adobe};

    return kh_job_sync_run(ctx, options, result, err, errsz, flow, &c);
}

static ks_rc job_ap_invoices(struct kh_ctx *ctx, const cJSON *options,
                             cJSON **result, char *err, size_t errsz)
{
    struct flow_call c = {ks_sync_ap_invoices_to_adobe};

    return kh_job_sync_run(ctx, options, result, err, errsz, flow, &c);
}

/* ---- synchronous webhooks --------------------------------------------- */

/* The deliveries the hook receiver saw: {body, signature} in order. */
struct hooks {
    struct km_emulator *emu;
    pthread_mutex_t lock;
    cJSON *kept;
    char url[160];
};

static void hooks_free(void *p)
{
    struct hooks *h = p;

    km_emulator_stop(h->emu); /* no observer call runs after this */
    pthread_mutex_destroy(&h->lock);
    cJSON_Delete(h->kept);
    free(h);
}

/* On the receiver's threads: keeps each delivery as it came in. */
static void observe(void *ud, const struct km_observed_request *rq)
{
    struct hooks *h = ud;
    cJSON *d = cJSON_CreateObject();
    char *body = kx_xstrndup(rq->body ? rq->body : "", rq->body_len);

    cJSON_AddStringToObject(d, "body", body);
    for (size_t i = 0; i < rq->nheaders; i++)
        if (strcasecmp(rq->header_names[i], SIGNATURE_HEADER) == 0)
            cJSON_AddStringToObject(d, "signature", rq->header_values[i]);
    free(body);
    pthread_mutex_lock(&h->lock);
    cJSON_AddItemToArray(h->kept, d);
    pthread_mutex_unlock(&h->lock);
}

static ks_rc job_start_hook_receiver(struct kh_ctx *ctx, const cJSON *options,
                                     cJSON **result, char *err, size_t errsz)
{
    struct hooks *h = kh_ctx_slot(ctx, HOOKS_SLOT);
    int status = (int)kx_json_num(options, "status", 200);
    cJSON *cfg, *sub, *w, *reply = NULL;
    KH_JOB_BEGIN(struct ks_adobe, ad, kh_job_adobe, "page_size")

    if (!h) {
        h = kx_xcalloc(1, sizeof(*h));
        pthread_mutex_init(&h->lock, NULL);
        h->kept = cJSON_CreateArray();
        cfg = cJSON_Parse("{\"routes\":[{\"route\":\"POST /webhooks/adobe\","
                          "\"body\":[{\"op\":\"success\"}]}]}");
        cJSON_AddNumberToObject(
            cJSON_GetArrayItem(cJSON_GetObjectItem(cfg, "routes"), 0), "status",
            status);
        if (km_emulator_start(&h->emu, km_emulator_type_find("static"), cfg,
                              kh_ctx_clock(ctx), NULL, 0, err, errsz) != 0) {
            cJSON_Delete(cfg);
            hooks_free(h);
            KH_JOB_END(ad, ks_adobe_free)
            return KS_EINVAL;
        }
        cJSON_Delete(cfg);
        km_server_set_observer(h->emu->server, observe, h);
        snprintf(h->url, sizeof(h->url), "%s/webhooks/adobe",
                 km_server_url(h->emu->server));
        kh_ctx_set_slot(ctx, HOOKS_SLOT, h, hooks_free);
    }
    sub = cJSON_CreateObject();
    w = cJSON_AddObjectToObject(sub, "webhook");
    cJSON_AddStringToObject(w, "webhook_method", "observer.sales_order_place");
    cJSON_AddStringToObject(w, "webhook_type", "before");
    cJSON_AddStringToObject(w, "url", h->url);
    cJSON_AddNumberToObject(w, "timeout",
                            kx_json_num(options, "timeout", 2000));
    cJSON_AddBoolToObject(w, "required", kx_json_bool(options, "required", 0));
    cJSON_AddStringToObject(w, "fallback_error_message",
                            "The purchasing system did not answer");
    rc = ks_adobe_request(&reply, ad, "POST", "webhooks/subscribe", sub);
    cJSON_Delete(sub);
    cJSON_Delete(reply);
    *result = cJSON_CreateObject();
    cJSON_AddStringToObject(*result, "url", h->url);
    KH_JOB_END(ad, ks_adobe_free)
    if (rc)
        return kh_job_failed(ctx, rc, result, err, errsz);
    return KS_OK;
}

/* The key deliveries are checked with: configured, else the adobe
 * emulator's own public key. *pem is the caller's to free. */
static ks_rc hook_key(char **key, enum ks_adobe_signing *mode,
                      struct kh_ctx *ctx, char *err, size_t errsz)
{
    const cJSON *cfg = kh_ctx_connector_config(ctx, "adobe");
    const char *signing = kx_json_str(cfg, "webhook_signing");
    struct km_emulator *emu = kh_ctx_emulator(ctx, "adobe");
    const char *k;

    *key = NULL;
    *mode = signing && strcmp(signing, "hmac") == 0 ? KS_ADOBE_SIGNING_HMAC
                                                    : KS_ADOBE_SIGNING_RSA;
    k = kx_json_str(cfg, *mode == KS_ADOBE_SIGNING_HMAC ? "webhook_secret"
                                                        : "webhook_public_key");
    if (k) {
        *key = kx_xstrdup(k);
    } else if (emu && *mode == KS_ADOBE_SIGNING_RSA) {
        cJSON *snap = km_emulator_snapshot(emu);
        const char *pem = kx_json_str(snap, "webhook_public_key");

        *key = pem ? kx_xstrdup(pem) : NULL;
        cJSON_Delete(snap);
    }
    if (!*key) {
        snprintf(err, errsz,
                 "adobe: no webhook key (given.connector.adobe."
                 "webhook_public_key or webhook_secret)");
        return KS_EINVAL;
    }
    return KS_OK;
}

struct deliveries {
    cJSON *list;
    const char *key;
    enum ks_adobe_signing mode;
    int tamper;
    int refused;
};

/* Verifies each delivery and runs the genuine ones through the flow. */
static ks_rc requisitions(struct ks_sync_stats *stats, struct ks_sync *sync,
                          void *ud)
{
    struct deliveries *d = ud;
    const cJSON *it;
    ks_rc rc = KS_OK;

    memset(stats, 0, sizeof(*stats));
    cJSON_ArrayForEach(it, d->list)
    {
        struct ks_sync_stats one;
        char *body = kx_xstrdup(kx_json_str_or(it, "body", ""));
        cJSON *delivery;

        if (d->tamper && *body) /* a changed byte, as on a hostile path */
            body[strlen(body) / 2] ^= 1;
        if (ks_adobe_webhook_verify(d->mode, d->key, body, strlen(body),
                                    kx_json_str(it, "signature")) != KS_OK ||
            !(delivery = cJSON_Parse(body))) {
            d->refused++;
            free(body);
            continue;
        }
        free(body);
        rc = ks_sync_requisition_from_adobe(&one, sync, delivery);
        cJSON_Delete(delivery);
        stats->read += one.read;
        stats->created += one.created;
        stats->skipped += one.skipped;
        stats->failed += one.failed;
        if (rc)
            break;
    }
    return rc;
}

static ks_rc job_requisitions(struct kh_ctx *ctx, const cJSON *options,
                              cJSON **result, char *err, size_t errsz)
{
    struct hooks *h = kh_ctx_slot(ctx, HOOKS_SLOT);
    struct deliveries d = {NULL, NULL, KS_ADOBE_SIGNING_RSA,
                           kx_json_bool(options, "tamper", 0), 0};
    struct flow_call poll = {ks_sync_requisitions_from_adobe};
    char *key = NULL;
    ks_rc rc;

    if (kx_json_bool(options, "poll", 0))
        return kh_job_sync_run(ctx, options, result, err, errsz, flow, &poll);
    if (!h) {
        snprintf(err, errsz,
                 "sync.requisitions: run adobe.start_hook_receiver "
                 "first");
        return KS_EINVAL;
    }
    rc = hook_key(&key, &d.mode, ctx, err, errsz);
    if (rc)
        return rc;
    d.key = key;
    pthread_mutex_lock(&h->lock);
    d.list = h->kept;
    h->kept = cJSON_CreateArray();
    pthread_mutex_unlock(&h->lock);
    rc = kh_job_sync_run(ctx, options, result, err, errsz, requisitions, &d);
    if (*result) {
        cJSON_AddNumberToObject(*result, "deliveries",
                                cJSON_GetArraySize(d.list));
        cJSON_AddNumberToObject(*result, "refused", d.refused);
    }
    cJSON_Delete(d.list);
    free(key);
    return rc;
}

/* ---- reads ------------------------------------------------------------ */

static ks_rc job_find_order(struct kh_ctx *ctx, const cJSON *options,
                            cJSON **result, char *err, size_t errsz)
{
    cJSON *o = NULL;
    KH_JOB_BEGIN(struct ks_adobe, ad, kh_job_adobe, "page_size")

    rc = ks_adobe_order_find(&o, ad,
                             kx_json_str_or(options, "increment_id", ""));
    KH_JOB_END(ad, ks_adobe_free)
    if (rc)
        return kh_job_failed(ctx, rc, result, err, errsz);
    *result = o;
    return KS_OK;
}

const struct kh_job kh_jobs_adobe[] = {
    {"sync.vendors", job_vendors,
     "Epicor vendors changed since the cursor to Adobe companies, and "
     "companies changed in Adobe back to their vendors (options: crash_at)",
     "crash_at"},
    {"sync.purchase_orders", job_purchase_orders,
     "approved Epicor POs changed since the cursor's day to Adobe orders "
     "(options: crash_at)",
     "crash_at"},
    {"sync.ap_invoices", job_ap_invoices,
     "Epicor AP invoices changed since the cursor's day to Adobe invoices "
     "on their PO's order (options: crash_at)",
     "crash_at"},
    {"sync.requisitions", job_requisitions,
     "the order-placement hook deliveries kept by adobe.start_hook_receiver, "
     "verified, to Epicor requisitions, or with poll the orders created "
     "since the cursor (options: poll, tamper, crash_at); result adds "
     "deliveries, refused",
     "poll tamper crash_at"},
    {"adobe.start_hook_receiver", job_start_hook_receiver,
     "start a loopback receiver of Adobe's synchronous webhooks and "
     "subscribe the order-placement hook to it (options: status, required, "
     "timeout)",
     "status required timeout page_size"},
    {"adobe.find_order", job_find_order,
     "the Adobe order with this increment_id (options: increment_id)",
     "increment_id page_size"},
    {NULL, NULL, NULL, NULL}};
