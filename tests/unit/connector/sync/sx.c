#define _DEFAULT_SOURCE /* mkdtemp */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "sx.h"
#include <kinsync/testing.h>

extern const struct km_emulator_type km_epicor_type;
extern const struct km_emulator_type km_bigcommerce_type;
extern const struct km_emulator_type km_woocommerce_type;

#define EPI_KEY "sx-api-key-0123"
#define EPI_USER "manager"
#define EPI_PASS "manager-Pa55"

static struct km_emulator *start(const struct km_emulator_type *type,
                                 const char *text, struct ks_clock *clock)
{
    cJSON *cfg = cJSON_Parse(text);
    struct km_emulator *emu = NULL;
    char err[256] = "";

    if (!cfg)
        fail_msg("bad config: %s", text);
    if (km_emulator_start(&emu, type, cfg, clock, NULL, 0, err, sizeof(err)))
        fail_msg("%s emulator: %s", type->name, err);
    cJSON_Delete(cfg);
    return emu;
}

static void open_store(struct sx *x, const char *crash_at)
{
    struct ks_store_options so = KS_STORE_OPTIONS_INIT;
    struct ks_sync_options o = KS_SYNC_OPTIONS_INIT;

    so.path = x->path;
    assert_int_equal(ks_store_open(&x->st, &so), KS_OK);
    assert_int_equal(ks_testing_store_crash_arm(x->st, crash_at), KS_OK);
    o.client = x->client;
    o.store = x->st;
    o.epicor = x->epicor;
    o.bigcommerce = x->bch;
    o.woocommerce = x->wch;
    assert_int_equal(ks_sync_new(&x->sync, &o), KS_OK);
}

void sx_start(struct sx *x, const char *epicor_companies, const char *bc_extra,
              const char *wc_extra)
{
    struct ks_client_options co = KS_CLIENT_OPTIONS_INIT;
    struct ks_epicor_options ko = KS_EPICOR_OPTIONS_INIT;
    struct ks_bigcommerce_options bo = KS_BIGCOMMERCE_OPTIONS_INIT;
    struct ks_woocommerce_options wo = KS_WOOCOMMERCE_OPTIONS_INIT;
    const char *tmp = getenv("TMPDIR");
    char *text, tmpl[512];
    size_t n;

    memset(x, 0, sizeof(*x));
    assert_int_equal(ks_clock_new_virtual(&x->clock, SX_START_MS), KS_OK);
    n = strlen(epicor_companies ? epicor_companies : SX_EPICOR_DATA) + 512;
    text = malloc(n);
    assert_non_null(text);
    snprintf(text, n,
             "{\"users\":[{\"username\":\"" EPI_USER
             "\",\"password\":\"" EPI_PASS
             "\"}],\"api_keys\":[{\"key\":\"" EPI_KEY "\"}],\"companies\":%s}",
             epicor_companies ? epicor_companies : SX_EPICOR_DATA);
    x->epi = start(&km_epicor_type, text, x->clock);
    free(text);
    n = (bc_extra ? strlen(bc_extra) : 0) + 256;
    text = malloc(n);
    assert_non_null(text);
    snprintf(text, n,
             "{\"store_hash\":\"sx1\",\"access_tokens\":[\"tok_sx\"],"
             "\"client_secret\":\"cs_sx\"%s%s}",
             bc_extra ? "," : "", bc_extra ? bc_extra : "");
    x->bc = start(&km_bigcommerce_type, text, x->clock);
    free(text);
    n = (wc_extra ? strlen(wc_extra) : 0) + 256;
    text = malloc(n);
    assert_non_null(text);
    snprintf(text, n,
             "{\"keys\":[{\"consumer_key\":\"ck_sx\",\"consumer_secret\":"
             "\"cs_sx\",\"permissions\":\"read_write\"}]%s%s}",
             wc_extra ? "," : "", wc_extra ? wc_extra : "");
    x->wc = start(&km_woocommerce_type, text, x->clock);
    free(text);

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

    snprintf(tmpl, sizeof(tmpl), "%s/ks-sync-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(tmpl));
    x->dir = strdup(tmpl);
    assert_non_null(x->dir);
    n = strlen(x->dir) + 16;
    x->path = malloc(n);
    assert_non_null(x->path);
    snprintf(x->path, n, "%s/state.db", x->dir);
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
    static const char *const files[] = {"state.db", "state.db-wal",
                                        "state.db-shm", "state.db-journal"};
    char p[512];

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
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", x->dir, files[i]);
        unlink(p);
    }
    rmdir(x->dir);
    free(x->dir);
    free(x->path);
    memset(x, 0, sizeof(*x));
}

size_t sx_count(struct km_emulator *emu, const char *glob)
{
    cJSON *journal = km_server_journal(emu->server);
    const cJSON *e;
    size_t n = 0;
    char route[1024];

    cJSON_ArrayForEach(e, journal)
    {
        snprintf(route, sizeof(route), "%s %s",
                 cJSON_GetObjectItemCaseSensitive(e, "method")->valuestring,
                 cJSON_GetObjectItemCaseSensitive(e, "path")->valuestring);
        n += km_glob_match(glob, route) ? 1 : 0;
    }
    cJSON_Delete(journal);
    return n;
}

cJSON *sx_act(struct km_emulator *emu, const char *action, const char *args)
{
    cJSON *a = cJSON_Parse(args ? args : "{}"), *result = NULL;
    char err[256] = "";

    assert_non_null(a);
    if (km_emulator_act(emu, action, a, &result, err, sizeof(err)))
        fail_msg("act %s: %s", action, err);
    cJSON_Delete(a);
    return result;
}

void sx_faults(struct km_emulator *emu, const char *rules)
{
    cJSON *r = cJSON_Parse(rules);
    char err[256] = "";

    assert_non_null(r);
    if (km_server_faults_add(emu->server, r, err, sizeof(err)))
        fail_msg("faults: %s", err);
    cJSON_Delete(r);
}

const cJSON *sx_at(cJSON **snap, struct km_emulator *emu, const char *path)
{
    const cJSON *at;
    char buf[512], *save = NULL, *part;

    *snap = km_emulator_snapshot(emu);
    at = *snap;
    snprintf(buf, sizeof(buf), "%s", path);
    for (part = strtok_r(buf, "/", &save); part && at;
         part = strtok_r(NULL, "/", &save)) {
        if (cJSON_IsArray(at))
            at = cJSON_GetArrayItem(at, (int)strtol(part, NULL, 10));
        else
            at = cJSON_GetObjectItemCaseSensitive(at, part);
    }
    return at;
}

int sx_orders_with_po(struct sx *x, const char *po)
{
    cJSON *snap = NULL;
    const cJSON *orders = sx_at(&snap, x->epi, "companies/EPIC06/SalesOrders");
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

int64_t sx_audit(struct sx *x, const char *flow, const char *outcome)
{
    struct ks_audit_filter f = {flow, outcome, 0};
    int64_t n = -1;

    assert_int_equal(ks_store_audit_count(&n, x->st, &f), KS_OK);
    return n;
}
