#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "sx.h"
#include "kt_store.h"
#include <kx/alloc.h>
#include <kinsync/testing.h>

extern const struct km_emulator_type km_epicor_type;
extern const struct km_emulator_type km_bigcommerce_type;
extern const struct km_emulator_type km_woocommerce_type;

#define EPI_KEY "sx-api-key-0123"
#define EPI_USER "manager"
#define EPI_PASS "manager-Pa55"

static void open_store(struct sx *x, const char *crash_at)
{
    struct ks_store_options so = KS_STORE_OPTIONS_INIT;
    struct ks_sync_options o = KS_SYNC_OPTIONS_INIT;
    char *location = kt_store_state(x->path); /* SQLite or PostgreSQL */

    so.path = location;
    assert_int_equal(ks_store_open(&x->st, &so), KS_OK);
    free(location);
    assert_int_equal(ks_testing_store_crash_arm(x->st, crash_at), KS_OK);
    o.client = x->client;
    o.store = x->st;
    o.epicor = x->epicor;
    o.bigcommerce = x->bch;
    o.woocommerce = x->wch;
    assert_int_equal(ks_sync_new(&x->sync, &o), KS_OK);
}

/* The three emulators on x's clock; see sx_start() for the arguments. */
static void start_emulators(struct sx *x, const char *epicor_companies,
                            const char *bc_extra, const char *wc_extra)
{
    char *text;

    text = kx_xasprintf(
        "{\"users\":[{\"username\":\"" EPI_USER "\",\"password\":\"" EPI_PASS
        "\"}],\"api_keys\":[{\"key\":\"" EPI_KEY "\"}],\"companies\":%s}",
        epicor_companies ? epicor_companies : SX_EPICOR_DATA);
    x->epi = kt_emulator_start(&km_epicor_type, text, x->clock);
    free(text);
    text =
        kx_xasprintf("{\"store_hash\":\"sx1\",\"access_tokens\":[\"tok_sx\"],"
                     "\"client_secret\":\"cs_sx\"%s%s}",
                     bc_extra ? "," : "", bc_extra ? bc_extra : "");
    x->bc = kt_emulator_start(&km_bigcommerce_type, text, x->clock);
    free(text);
    text = kx_xasprintf("{\"keys\":[{\"consumer_key\":\"ck_sx\",\"consumer_"
                        "secret\":\"cs_sx\",\"permissions\":\"read_write\"}]"
                        "%s%s}",
                        wc_extra ? "," : "", wc_extra ? wc_extra : "");
    x->wc = kt_emulator_start(&km_woocommerce_type, text, x->clock);
    free(text);
}

/* One client with a handle for each emulator. */
static void open_clients(struct sx *x)
{
    struct ks_client_options co = KS_CLIENT_OPTIONS_INIT;
    struct ks_epicor_options ko = KS_EPICOR_OPTIONS_INIT;
    struct ks_bigcommerce_options bo = KS_BIGCOMMERCE_OPTIONS_INIT;
    struct ks_woocommerce_options wo = KS_WOOCOMMERCE_OPTIONS_INIT;

    co.clock = x->clock;
    co.jitter_seed = 11;
    co.retry.base_delay_ms = 100;
    assert_int_equal(ks_client_new(&x->client, &co), KS_OK);
    ko.server_url = km_server_url(x->epi->server);
    ko.instance = "SaaS5333";
    ko.company = "EPIC06";
    ko.api_key = EPI_KEY;
    ko.auth = KS_EPICOR_AUTH_BASIC;
    ko.username = EPI_USER;
    ko.password = EPI_PASS;
    assert_int_equal(ks_epicor_new(&x->epicor, x->client, &ko), KS_OK);
    bo.base_url = km_server_url(x->bc->server);
    bo.store_hash = "sx1";
    bo.access_token = "tok_sx";
    bo.client_secret = "cs_sx";
    assert_int_equal(ks_bigcommerce_new(&x->bch, x->client, &bo), KS_OK);
    wo.site_url = km_server_url(x->wc->server);
    wo.consumer_key = "ck_sx";
    wo.consumer_secret = "cs_sx";
    wo.webhook_secret = "whsec_sx";
    assert_int_equal(ks_woocommerce_new(&x->wch, x->client, &wo), KS_OK);
}

void sx_start(struct sx *x, const char *epicor_companies, const char *bc_extra,
              const char *wc_extra)
{
    memset(x, 0, sizeof(*x));
    assert_int_equal(ks_clock_new_virtual(&x->clock, SX_START_MS), KS_OK);
    start_emulators(x, epicor_companies, bc_extra, wc_extra);
    open_clients(x);
    x->dir = kt_tmpdir("ks-sync");
    x->path = kt_path(x->dir, "state.db");
    open_store(x, NULL);
}

void sx_reopen(struct sx *x, const char *crash_at)
{
    ks_sync_free(x->sync);
    ks_store_close(x->st);
    x->sync = NULL;
    x->st = NULL;
    open_store(x, crash_at);
}

void sx_stop(struct sx *x)
{
    ks_sync_free(x->sync);
    ks_store_close(x->st);
    ks_epicor_free(x->epicor);
    ks_bigcommerce_free(x->bch);
    ks_woocommerce_free(x->wch);
    ks_client_free(x->client);
    km_emulator_stop(x->epi);
    km_emulator_stop(x->bc);
    km_emulator_stop(x->wc);
    ks_clock_free(x->clock);
    kt_rmdir(x->dir);
    free(x->dir);
    free(x->path);
    memset(x, 0, sizeof(*x));
}

int sx_setup_with(void **state, const char *epicor_companies,
                  const char *bc_extra, const char *wc_extra)
{
    struct sx *x = calloc(1, sizeof(*x));

    assert_non_null(x);
    *state = x;
    sx_start(x, epicor_companies, bc_extra, wc_extra);
    return 0;
}

int sx_setup(void **state)
{
    return sx_setup_with(state, NULL, NULL, NULL);
}

int sx_teardown(void **state)
{
    sx_stop(*state);
    free(*state);
    return 0;
}

int sx_orders_with_po(struct sx *x, const char *po)
{
    cJSON *snap = NULL;
    const cJSON *orders = kt_at(&snap, x->epi, "companies/EPIC06/SalesOrders");
    const cJSON *o;
    int n = 0;

    cJSON_ArrayForEach(o, orders)
    {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "PONum");

        n += cJSON_IsString(p) && strcmp(p->valuestring, po) == 0;
    }
    cJSON_Delete(snap);
    return n;
}

int64_t sx_place_order(char *po, struct sx *x, struct km_emulator *store,
                       const char *order)
{
    cJSON *o;
    int64_t id;

    assert_true(store == x->bc || store == x->wc);
    o = kt_act(store, "place_order", order);
    id = (int64_t)cJSON_GetObjectItem(o, "id")->valuedouble;
    cJSON_Delete(o);
    if (po)
        snprintf(po, SX_PO_SIZE, "%s-%lld", store == x->bc ? "BC" : "WC",
                 (long long)id);
    return id;
}

const cJSON *sx_product(cJSON **snap, struct km_emulator *store,
                        const char *sku)
{
    const cJSON *all = kt_at(snap, store, "products"), *p;

    cJSON_ArrayForEach(p, all)
    {
        if (strcmp(cJSON_GetObjectItem(p, "sku")->valuestring, sku) == 0)
            return p;
    }
    fail_msg("no product %s", sku);
    return NULL;
}

const cJSON *sx_epicor_order(cJSON **snap, struct sx *x, const char *po)
{
    const cJSON *all = kt_at(snap, x->epi, "companies/EPIC06/SalesOrders");
    const cJSON *o, *found = NULL;
    int n = 0;

    cJSON_ArrayForEach(o, all)
    {
        if (strcmp(cJSON_GetObjectItem(o, "PONum")->valuestring, po) == 0) {
            found = o;
            n++;
        }
    }
    assert_int_equal(n, 1);
    return found;
}

int64_t sx_audit(struct sx *x, const char *flow, const char *outcome)
{
    struct ks_audit_filter f = {flow, outcome, 0};
    int64_t n = -1;

    assert_int_equal(ks_store_audit_count(&n, x->st, &f), KS_OK);
    return n;
}
