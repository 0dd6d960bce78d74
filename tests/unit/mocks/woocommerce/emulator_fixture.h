/* Shared set-up of the emulator-over-HTTP tests: a WooCommerce emulator
 * on loopback, a virtual clock, a connector client and handle. */
#ifndef TEST_WC_FIXTURE_H
#define TEST_WC_FIXTURE_H

#include <stdlib.h>
#include <string.h>
#include "kinsync.h"
#include "kinmock/emulator.h"

extern const struct km_emulator_type km_woocommerce_type;

struct wc_fx {
    struct ks_clock *clock;
    struct km_emulator *emu;
    struct ks_client *client;
    struct ks_woocommerce *wc;
};

#define WC_FX_START_MS 1767600000000LL /* 2026-01-05T08:00:00Z */

/* Starts the emulator from config text and a handle with auth/per_page;
 * secret NULL uses the configured "cs_good". */
static inline void wc_fx_start(struct wc_fx *f, const char *config,
                               enum ks_woocommerce_auth auth, int per_page,
                               const char *secret)
{
    struct ks_client_options co = KS_CLIENT_OPTIONS_INIT;
    struct ks_woocommerce_options o = KS_WOOCOMMERCE_OPTIONS_INIT;
    cJSON *cfg = cJSON_Parse(config);
    char err[256] = "";

    memset(f, 0, sizeof(*f));
    if (!cfg || ks_clock_new_virtual(&f->clock, WC_FX_START_MS) != KS_OK)
        abort();
    if (km_emulator_start(&f->emu, &km_woocommerce_type, cfg, f->clock, NULL, 0,
                          err, sizeof(err)) != 0) {
        fprintf(stderr, "emulator: %s\n", err);
        abort();
    }
    cJSON_Delete(cfg);
    co.clock = f->clock;
    co.retry.base_delay_ms = 10;
    if (ks_client_new(&f->client, &co) != KS_OK)
        abort();
    o.site_url = km_server_url(f->emu->server);
    o.consumer_key = "ck_good";
    o.consumer_secret = secret ? secret : "cs_good";
    o.auth = auth;
    o.per_page = per_page;
    o.webhook_secret = "whsec_test";
    if (ks_woocommerce_new(&f->wc, f->client, &o) != KS_OK)
        abort();
}

/* Replaces the emulator by one built from config (e.g. with a receiver
 * URL known only now) and points the handle at it. */
static inline void wc_fx_restart(struct wc_fx *f, const char *config)
{
    struct ks_woocommerce_options o = KS_WOOCOMMERCE_OPTIONS_INIT;
    cJSON *cfg = cJSON_Parse(config);
    char err[256] = "";

    km_emulator_stop(f->emu);
    ks_woocommerce_free(f->wc);
    if (!cfg || km_emulator_start(&f->emu, &km_woocommerce_type, cfg, f->clock,
                                  NULL, 0, err, sizeof(err)) != 0) {
        fprintf(stderr, "emulator: %s\n", err);
        abort();
    }
    cJSON_Delete(cfg);
    o.site_url = km_server_url(f->emu->server);
    o.consumer_key = "ck_good";
    o.consumer_secret = "cs_good";
    o.webhook_secret = "whsec_test";
    if (ks_woocommerce_new(&f->wc, f->client, &o) != KS_OK)
        abort();
}

static inline void wc_fx_stop(struct wc_fx *f)
{
    ks_woocommerce_free(f->wc);
    ks_client_free(f->client);
    km_emulator_stop(f->emu);
    ks_clock_free(f->clock);
}

/* Count of a snapshot array ("products", "deliveries", ...). */
static inline int wc_fx_count(struct wc_fx *f, const char *name)
{
    cJSON *snap = km_emulator_snapshot(f->emu);
    int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(snap, name));

    cJSON_Delete(snap);
    return n;
}

#define WC_KEYS                                                                \
    "\"keys\":[{\"consumer_key\":\"ck_good\",\"consumer_secret\":"             \
    "\"cs_good\",\"permissions\":\"read_write\"},{\"consumer_key\":"           \
    "\"ck_ro\",\"consumer_secret\":\"cs_ro\",\"permissions\":\"read\"}]"

#endif
