/* Shared set-up of the emulator-over-HTTP tests: a WooCommerce emulator
 * on loopback, a virtual clock, a connector client and handle. */
#ifndef TEST_WC_FIXTURE_H
#define TEST_WC_FIXTURE_H

#include <stdlib.h>
#include <string.h>
#include "kinsync.h"
#include "kinmock/emulator.h"
#include "kt.h"

extern const struct km_emulator_type km_woocommerce_type;

struct wc_fx {
    struct ks_clock *clock;
    struct km_emulator *emu;
    struct ks_client *client;
    struct ks_woocommerce *wc;
};

#define WC_FX_START_MS KT_START_MS

/* Points a new handle at the emulator; secret NULL uses the configured
 * "cs_good". */
static inline void wc_fx_handle(struct wc_fx *f, enum ks_woocommerce_auth auth,
                                int per_page, const char *secret)
{
    struct ks_woocommerce_options o = KS_WOOCOMMERCE_OPTIONS_INIT;

    ks_woocommerce_free(f->wc);
    o.site_url = km_server_url(f->emu->server);
    o.consumer_key = "ck_good";
    o.consumer_secret = secret ? secret : "cs_good";
    o.auth = auth;
    o.per_page = per_page;
    o.webhook_secret = "whsec_test";
    if (ks_woocommerce_new(&f->wc, f->client, &o) != KS_OK)
        abort();
}

/* Starts the emulator from config text and a handle with auth/per_page;
 * secret NULL uses the configured "cs_good". */
static inline void wc_fx_start(struct wc_fx *f, const char *config,
                               enum ks_woocommerce_auth auth, int per_page,
                               const char *secret)
{
    memset(f, 0, sizeof(*f));
    if (ks_clock_new_virtual(&f->clock, WC_FX_START_MS) != KS_OK)
        abort();
    f->emu = kt_emulator_start(&km_woocommerce_type, config, f->clock);
    f->client = kt_client_new(f->clock);
    wc_fx_handle(f, auth, per_page, secret);
}

/* Replaces the emulator by one built from config (e.g. with a receiver
 * URL known only now) and points a default handle at it. */
static inline void wc_fx_restart(struct wc_fx *f, const char *config)
{
    km_emulator_stop(f->emu);
    f->emu = kt_emulator_start(&km_woocommerce_type, config, f->clock);
    wc_fx_handle(f, KS_WOOCOMMERCE_AUTH_BASIC, 100, NULL); /* the defaults */
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
