/* Shared set-up of the emulator-over-HTTP tests: a BigCommerce emulator
 * on loopback, a virtual clock, a connector client and handle, and a
 * loopback receiver that records webhook deliveries. Emulator and client
 * come from tests/support (kt_emulator_start, kt_client_new). */
#ifndef TEST_BC_EMU_FIXTURE_H
#define TEST_BC_EMU_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kinsync.h"
#include "kinmock/emulator.h"
#include "kt.h"

extern const struct km_emulator_type km_bigcommerce_type;

#define BC_FX_START_MS KT_START_MS
#define BC_FX_TOKEN "tok_emulator_good"
#define BC_FX_SECRET "cs_emulator_signing"
#define BC_FX_AUTH                                                             \
    "\"store_hash\":\"abc123\",\"access_tokens\":[\"" BC_FX_TOKEN "\"],"       \
    "\"client_secret\":\"" BC_FX_SECRET "\""

/* The last delivery a receiver got, and what it answers. */
struct bc_fx_recv {
    struct km_server *server;
    int status; /* answer; 0: 200 */
    int count;
    char *body;
    size_t len;
    cJSON *headers; /* name (lower case) -> value */
};

struct bc_fx {
    struct ks_clock *clock;
    struct km_emulator *emu;
    struct ks_client *client;
    struct ks_bigcommerce *bc;
    struct bc_fx_recv recv;
};

static inline void bc_fx_handle(struct bc_fx *f, const char *token,
                                int page_limit)
{
    struct ks_bigcommerce_options o = KS_BIGCOMMERCE_OPTIONS_INIT;

    ks_bigcommerce_free(f->bc);
    o.base_url = km_server_url(f->emu->server);
    o.store_hash = "abc123";
    o.access_token = token ? token : BC_FX_TOKEN;
    o.client_secret = BC_FX_SECRET;
    o.page_limit = page_limit ? page_limit : 250;
    if (ks_bigcommerce_new(&f->bc, f->client, &o) != KS_OK)
        abort();
}

/* Starts the emulator from config text (the auth keys are added). */
static inline void bc_fx_start(struct bc_fx *f, const char *config_rest)
{
    char text[8192];

    memset(f, 0, sizeof(*f));
    snprintf(text, sizeof(text), "{" BC_FX_AUTH "%s%s}",
             config_rest && *config_rest ? "," : "",
             config_rest ? config_rest : "");
    if (ks_clock_new_virtual(&f->clock, BC_FX_START_MS) != KS_OK)
        abort();
    f->emu = kt_emulator_start(&km_bigcommerce_type, text, f->clock);
    f->client = kt_client_new(f->clock);
    bc_fx_handle(f, NULL, 250);
}

static inline void bc_fx_receive(struct km_response *res,
                                 const struct km_request *req, void *state)
{
    struct bc_fx_recv *r = state;
    static const char *const names[] = {"webhook-id",
                                        "webhook-timestamp",
                                        "webhook-signature",
                                        "x-bc-signature",
                                        "x-shared",
                                        "content-type",
                                        NULL};

    r->count++;
    free(r->body);
    r->body = malloc(req->body_len + 1);
    if (!r->body)
        abort();
    memcpy(r->body, req->body, req->body_len + 1);
    r->len = req->body_len;
    cJSON_Delete(r->headers);
    r->headers = cJSON_CreateObject();
    for (size_t i = 0; names[i]; i++) {
        const char *v = km_request_header(req, names[i]);

        if (v)
            cJSON_AddStringToObject(r->headers, names[i], v);
    }
    km_response_set(res, r->status ? r->status : 200, "text/plain", "ok", 2);
}

static const struct km_route bc_fx_recv_routes[] = {
    {"POST", "/*", bc_fx_receive}};

/* Starts the receiver; returns its URL (borrowed). */
static inline const char *bc_fx_recv_start(struct bc_fx *f, int status)
{
    struct km_server_options so;
    char err[256];

    memset(&so, 0, sizeof(so));
    f->recv.status = status;
    so.name = "receiver";
    so.clock = f->clock;
    so.routes = bc_fx_recv_routes;
    so.nroutes = 1;
    so.state = &f->recv;
    if (km_server_start(&f->recv.server, &so, err, sizeof(err)) != 0)
        abort();
    return km_server_url(f->recv.server);
}

static inline const char *bc_fx_recv_header(struct bc_fx *f, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(f->recv.headers, name);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static inline void bc_fx_stop(struct bc_fx *f)
{
    km_server_stop(f->recv.server);
    free(f->recv.body);
    cJSON_Delete(f->recv.headers);
    ks_bigcommerce_free(f->bc);
    ks_client_free(f->client);
    km_emulator_stop(f->emu);
    ks_clock_free(f->clock);
}

/* A value of the snapshot by JSON-pointer-like path of names/indexes,
 * e.g. bc_fx_snap_num(f, "hooks", 0, "is_active"). */
static inline cJSON *bc_fx_snapshot(struct bc_fx *f)
{
    return km_emulator_snapshot(f->emu);
}

static inline int bc_fx_count(struct bc_fx *f, const char *name)
{
    cJSON *snap = km_emulator_snapshot(f->emu);
    int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(snap, name));

    cJSON_Delete(snap);
    return n;
}

/* Journal entries whose method and path prefix match. */
static inline int bc_fx_journal_count(struct bc_fx *f, const char *method,
                                      const char *path_prefix)
{
    cJSON *j = km_server_journal(f->emu->server);
    const cJSON *e;
    int n = 0;

    cJSON_ArrayForEach(e, j)
    {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "method");
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(e, "path");

        if (cJSON_IsString(m) && cJSON_IsString(p) &&
            strcmp(m->valuestring, method) == 0 &&
            strncmp(p->valuestring, path_prefix, strlen(path_prefix)) == 0)
            n++;
    }
    cJSON_Delete(j);
    return n;
}

#endif
