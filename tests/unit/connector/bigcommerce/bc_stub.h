/* A scripted BigCommerce stand-in for the client tests: a km_server with
 * the test's own routes, a virtual clock, a client and a handle on it. The
 * client is tested against this stub, independently of the emulator. */
#ifndef TEST_BC_STUB_H
#define TEST_BC_STUB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kinsync.h"
#include "kinmock/server.h"
#include "kt.h"

#define STUB_START_MS KT_START_MS

struct stub {
    struct ks_clock *clock;
    struct km_server *server;
    struct ks_client *client;
    struct ks_bigcommerce *bc;
};

static inline void stub_start(struct stub *s, const struct km_route *routes,
                              size_t n, void *state, int page_limit)
{
    struct km_server_options so = {0};
    struct ks_bigcommerce_options o = KS_BIGCOMMERCE_OPTIONS_INIT;
    char err[256] = "";

    memset(s, 0, sizeof(*s));
    if (ks_clock_new_virtual(&s->clock, STUB_START_MS) != KS_OK)
        abort();
    so.name = "bc-stub";
    so.clock = s->clock;
    so.routes = routes;
    so.nroutes = n;
    so.state = state;
    if (km_server_start(&s->server, &so, err, sizeof(err)) != 0) {
        fprintf(stderr, "stub: %s\n", err);
        abort();
    }
    s->client = kt_client_new(s->clock);
    o.base_url = km_server_url(s->server);
    o.store_hash = "abc123";
    o.access_token = "tok_stub_secret";
    o.page_limit = page_limit;
    if (ks_bigcommerce_new(&s->bc, s->client, &o) != KS_OK)
        abort();
}

static inline void stub_stop(struct stub *s)
{
    ks_bigcommerce_free(s->bc);
    ks_client_free(s->client);
    km_server_stop(s->server);
    ks_clock_free(s->clock);
}

/* Journal entries whose method and path match, in order; caller deletes. */
static inline cJSON *stub_requests(struct stub *s, const char *method,
                                   const char *path)
{
    cJSON *all = km_server_journal(s->server), *out = cJSON_CreateArray();
    const cJSON *e;

    cJSON_ArrayForEach(e, all)
    {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "method");
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(e, "path");

        if (cJSON_IsString(m) && cJSON_IsString(p) &&
            strcmp(m->valuestring, method) == 0 &&
            strcmp(p->valuestring, path) == 0)
            cJSON_AddItemToArray(out, cJSON_Duplicate(e, 1));
    }
    cJSON_Delete(all);
    return out;
}

/* The request body of a journal entry, parsed; caller deletes. */
static inline cJSON *stub_body(const cJSON *entry)
{
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(entry, "body");

    return cJSON_IsString(b) ? cJSON_Parse(b->valuestring) : NULL;
}

static inline const char *stub_query(const cJSON *entry)
{
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(entry, "query");

    return cJSON_IsString(q) ? q->valuestring : "";
}

#endif
