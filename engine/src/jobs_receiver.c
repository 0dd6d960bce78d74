/*
 * The webhook receiver as the scenario jobs run it: the connector's one
 * receiver module (ops/src/receiver.c), bound to loopback for one
 * storefront (or for Epicor's job events), kept in a kh_ctx slot and
 * reported as job results. The bigcommerce.*, woocommerce.* and sync.*
 * receiver jobs and oee.events in the background all go through here, so
 * a scenario sees exactly the answers production gives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/alloc.h>
#include "jobs.h"

static void receiver_free(void *p)
{
    struct kh_job_receiver *r = p;

    kh_receiver_stop(r->rcv); /* first: it verifies with the handle */
    ks_bigcommerce_free(r->bc);
    ks_woocommerce_free(r->wc);
    free(r->epicor_secret);
    free(r);
}

/* Epicor's job events (oee.events): one route, /webhooks/epicor, taking
 * deliveries whose X-Kinsync-Event-Secret is given.connector.oee.
 * event_secret; the receiver borrows the route and the secret from r. */
static ks_rc epicor_route(struct kh_job_receiver *r, struct kh_ctx *ctx,
                          struct kh_receiver_options *o, char *err,
                          size_t errsz)
{
    const char *secret =
        kx_json_str(kh_ctx_connector_config(ctx, "oee"), "event_secret");

    if (!secret || !*secret) {
        snprintf(err, errsz,
                 "/given/connector/oee/event_secret: required for Epicor's "
                 "job events (the X-Kinsync-Event-Secret their functions "
                 "send)");
        return KS_EINVAL;
    }
    r->epicor_secret = kx_xstrdup(secret);
    r->route.epicor_secret = r->epicor_secret;
    o->routes = &r->route;
    o->nroutes = 1;
    return KS_OK;
}

static ks_rc receiver_new(struct kh_job_receiver **out, struct kh_ctx *ctx,
                          const char *system, uint16_t port, char *err,
                          size_t errsz)
{
    struct kh_receiver_options o = KH_RECEIVER_OPTIONS_INIT;
    struct kh_job_receiver *r = kx_xcalloc(1, sizeof(*r));
    void *handle = NULL;
    int bigcommerce = strcmp(system, "bigcommerce") == 0;
    ks_rc rc = KS_EINVAL;

    *out = NULL;
    if (bigcommerce)
        rc = kh_job_bigcommerce_make(&handle, ctx, 0, err, errsz);
    else if (strcmp(system, "woocommerce") == 0)
        rc = kh_job_woocommerce_make(&handle, ctx, 0, err, errsz);
    else if (strcmp(system, "epicor") == 0)
        rc = epicor_route(r, ctx, &o, err, errsz);
    else
        snprintf(err, errsz, "receiver: no storefront \"%s\"", system);
    if (rc)
        goto fail;
    if (bigcommerce)
        r->bc = handle;
    else
        r->wc = handle;
    o.port = port;
    if (!o.routes) {
        o.bigcommerce = r->bc;
        o.woocommerce = r->wc;
    }
    if (kh_receiver_start(&r->rcv, &o, err, errsz) != 0) {
        rc = KS_ERROR;
        goto fail;
    }
    snprintf(r->hook_url, sizeof(r->hook_url), "%s/webhooks/%s",
             kh_receiver_url(r->rcv), system);
    *out = r;
    return KS_OK;
fail:
    receiver_free(r);
    return rc;
}

struct kh_job_receiver *kh_job_receiver(struct kh_ctx *ctx, const char *slot,
                                        const char *system, uint16_t port,
                                        ks_rc *rc, char *err, size_t errsz)
{
    struct kh_job_receiver *r = kh_ctx_slot(ctx, slot);

    *rc = KS_OK;
    if (r)
        return r;
    *rc = receiver_new(&r, ctx, system, port, err, errsz);
    if (r)
        kh_ctx_set_slot(ctx, slot, r, receiver_free);
    return r;
}

ks_rc kh_job_receiver_force(struct kh_job_receiver *r, const cJSON *options,
                            char *err, size_t errsz)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(options, "status");
    int status = 0;

    if (v && (!cJSON_IsNumber(v) || v->valuedouble != (int)v->valuedouble)) {
        snprintf(err, errsz, "receiver: options.status must be an integer");
        return KS_EINVAL;
    }
    if (v && (v->valueint < 200 || v->valueint > 299))
        status = v->valueint; /* 0 and 2xx: the normal answers */
    if (kh_receiver_force_status(r->rcv, status) != 0) {
        snprintf(err, errsz,
                 "receiver: options.status %d is not 0, 2xx or 400..599",
                 status);
        return KS_EINVAL;
    }
    return KS_OK;
}

struct kh_receiver_item *kh_job_receiver_drain(struct kh_job_receiver *r,
                                               size_t *n)
{
    struct kh_receiver_item *q = kh_receiver_drain(r->rcv, n);

    for (size_t i = *n; i > 0; i--) {
        if (!q[i - 1].woocommerce && !q[i - 1].epicor) {
            r->last_bc = q[i - 1].bc;
            r->have_last_bc = 1;
            break;
        }
    }
    return q;
}

static void add_counts(cJSON *result, const struct kh_receiver_counts *c)
{
    const struct {
        const char *name;
        uint64_t v;
    } * f, fields[] = {{"received", c->received},
                       {"verified", c->verified},
                       {"events", c->verified - c->pings},
                       {"queued", c->queued},
                       {"duplicates", c->duplicates},
                       {"ignored", c->ignored},
                       {"pings", c->pings},
                       {"rejected", c->rejected + c->unusable},
                       {"too_big", c->too_big},
                       {"busy", c->busy},
                       {"forced", c->forced},
                       {NULL, 0}};

    for (f = fields; f->name; f++)
        cJSON_AddNumberToObject(result, f->name, (double)f->v);
    cJSON_AddStringToObject(result, "last_rc", c->last_rc);
    cJSON_AddStringToObject(result, "last_reason", c->last_refusal);
}

ks_rc kh_job_receiver_start(struct kh_ctx *ctx, const char *slot,
                            const char *system, const cJSON *options,
                            cJSON **result, char *err, size_t errsz)
{
    ks_rc rc;
    struct kh_job_receiver *r =
        kh_job_receiver(ctx, slot, system, 0, &rc, err, errsz);

    if (!r)
        return rc;
    rc = kh_job_receiver_force(r, options, err, errsz);
    if (rc)
        return rc;
    *result = cJSON_CreateObject();
    cJSON_AddStringToObject(*result, "url", r->hook_url);
    cJSON_AddNumberToObject(*result, "status",
                            kx_json_num(options, "status", 0));
    return KS_OK;
}

struct kh_job_receiver *
kh_job_receiver_report(struct kh_ctx *ctx, const char *slot, const char *system,
                       cJSON **result, char *err, size_t errsz)
{
    struct kh_job_receiver *r = kh_ctx_slot(ctx, slot);
    struct kh_receiver_counts c;
    size_t n;

    if (!r) {
        snprintf(err, errsz, "%s: no receiver started", system);
        return NULL;
    }
    free(kh_job_receiver_drain(r, &n)); /* nothing here imports them */
    kh_receiver_counts(&c, r->rcv);
    *result = cJSON_CreateObject();
    add_counts(*result, &c);
    return r;
}
