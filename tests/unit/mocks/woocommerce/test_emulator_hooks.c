/* WooCommerce webhooks end to end: ping, signed deliveries checked by the
 * connector's verifier, tampering, the consecutive-failure disable and
 * the health-check alert. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>
#include "emulator_fixture.h"

/* A receiver that verifies with its own handle and answers `status`. */
struct recv {
    struct km_server *server;
    struct ks_woocommerce *wc;
    int status; /* 0: 200 for good deliveries, 401 for bad ones */
    int events, pings, rejected;
    int saw_wc_header_on_ping;
};

static void on_post(struct km_response *res, const struct km_request *req,
                    void *state)
{
    struct recv *r = state;
    struct ks_woocommerce_webhook_headers h = {0};
    enum ks_woocommerce_webhook_kind kind;
    ks_rc rc;

    h.signature = km_request_header(req, "X-WC-Webhook-Signature");
    h.delivery_id = km_request_header(req, "X-WC-Webhook-Delivery-ID");
    h.topic = km_request_header(req, "X-WC-Webhook-Topic");
    rc = ks_woocommerce_webhook_verify(&kind, r->wc, &h, req->body,
                                       req->body_len);
    if (rc == KS_OK && kind == KS_WOOCOMMERCE_WEBHOOK_PING) {
        r->pings++;
        r->saw_wc_header_on_ping |= h.topic != NULL;
    } else if (rc == KS_OK) {
        r->events++;
    } else {
        r->rejected++;
    }
    km_response_set(res, r->status ? r->status : (rc ? 401 : 200), "text/plain",
                    "ok", 2);
}

static const struct km_route recv_routes[] = {{"POST", "/*", on_post}};

static void recv_start(struct recv *r, struct wc_fx *f)
{
    struct km_server_options so;
    struct ks_woocommerce_options o = KS_WOOCOMMERCE_OPTIONS_INIT;
    char err[128];

    memset(r, 0, sizeof(*r));
    memset(&so, 0, sizeof(so));
    so.name = "receiver";
    so.clock = f->clock;
    so.routes = recv_routes;
    so.nroutes = 1;
    so.state = r;
    o.site_url = "http://unused.example";
    o.consumer_key = "ck";
    o.consumer_secret = "cs";
    o.webhook_secret = "whsec_test";
    assert_int_equal(ks_woocommerce_new(&r->wc, f->client, &o), KS_OK);
    assert_int_equal(km_server_start(&r->server, &so, err, sizeof(err)), 0);
}

static void recv_stop(struct recv *r)
{
    km_server_stop(r->server);
    ks_woocommerce_free(r->wc);
}

static void place_order(struct wc_fx *f)
{
    cJSON *args = cJSON_Parse("{\"line_items\":[{\"product_id\":1,"
                              "\"quantity\":1,\"price\":3}]}");
    cJSON *res = NULL;
    char err[128];

    assert_int_equal(
        km_emulator_act(f->emu, "place_order", args, &res, err, sizeof(err)),
        0);
    cJSON_Delete(res);
    cJSON_Delete(args);
}

static cJSON *hook_in_snapshot(struct wc_fx *f, cJSON **snap)
{
    *snap = km_emulator_snapshot(f->emu);
    return cJSON_GetArrayItem(
        cJSON_GetObjectItemCaseSensitive(*snap, "webhooks"), 0);
}

static void created_hook_pings_then_signed_delivery_verifies(void **state)
{
    struct wc_fx f;
    struct recv r;
    const char *topics[] = {"order.created", NULL};
    char url[256];
    cJSON *hooks = NULL;

    (void)state;
    wc_fx_start(&f, "{" WC_KEYS "}", KS_WOOCOMMERCE_AUTH_BASIC, 10, NULL);
    recv_start(&r, &f);
    snprintf(url, sizeof(url), "%s/hooks", km_server_url(r.server));
    assert_int_equal(ks_woocommerce_hooks_ensure(&hooks, f.wc, topics, url),
                     KS_OK);
    assert_int_equal(cJSON_GetArraySize(hooks), 1);
    cJSON_Delete(hooks);
    /* a second ensure finds the hook and creates nothing */
    assert_int_equal(ks_woocommerce_hooks_ensure(&hooks, f.wc, topics, url),
                     KS_OK);
    cJSON_Delete(hooks);
    assert_int_equal(wc_fx_count(&f, "webhooks"), 1);
    assert_int_equal(km_emulator_pump(f.emu), 1); /* the ping */
    assert_int_equal(r.pings, 1);
    assert_int_equal(r.saw_wc_header_on_ping, 0);
    place_order(&f);
    assert_int_equal(km_emulator_pump(f.emu), 1);
    assert_int_equal(r.events, 1);
    assert_int_equal(r.rejected, 0);
    recv_stop(&r);
    wc_fx_stop(&f);
}

static void tampered_delivery_is_rejected_and_counted(void **state)
{
    struct wc_fx f;
    struct recv r;
    char cfg[1024];
    cJSON *snap, *hook, *args = cJSON_CreateObject(), *res = NULL;
    char err[64];

    (void)state;
    wc_fx_start(&f, "{" WC_KEYS "}", KS_WOOCOMMERCE_AUTH_BASIC, 10, NULL);
    recv_start(&r, &f);
    snprintf(cfg, sizeof(cfg),
             "{" WC_KEYS ",\"webhooks\":[{\"topic\":\"order.created\","
             "\"delivery_url\":\"%s/h\",\"secret\":\"whsec_test\"}]}",
             km_server_url(r.server));
    wc_fx_restart(&f, cfg);
    assert_int_equal(km_emulator_act(f.emu, "tamper_next_webhook", args, &res,
                                     err, sizeof(err)),
                     0);
    place_order(&f);
    place_order(&f);
    assert_int_equal(km_emulator_pump(f.emu), 2);
    assert_int_equal(r.rejected, 1);
    assert_int_equal(r.events, 1);
    hook = hook_in_snapshot(&f, &snap);
    /* the rejected one failed, the good one reset the count */
    assert_int_equal(
        cJSON_GetObjectItemCaseSensitive(hook, "failure_count")->valueint, 0);
    cJSON_Delete(snap);
    cJSON_Delete(args);
    recv_stop(&r);
    wc_fx_stop(&f);
}

static void seventh_failure_disables_and_health_check_alerts(void **state)
{
    struct wc_fx f;
    struct recv r;
    char cfg[1024];
    cJSON *snap, *hook, *report = NULL;
    int alert = 0;

    (void)state;
    wc_fx_start(&f, "{" WC_KEYS "}", KS_WOOCOMMERCE_AUTH_BASIC, 10, NULL);
    recv_start(&r, &f);
    r.status = 500;
    snprintf(cfg, sizeof(cfg),
             "{" WC_KEYS ",\"webhooks\":[{\"topic\":\"order.created\","
             "\"delivery_url\":\"%s/h\",\"secret\":\"whsec_test\"}]}",
             km_server_url(r.server));
    wc_fx_restart(&f, cfg);
    for (int i = 1; i <= 6; i++) {
        place_order(&f);
        assert_int_equal(km_emulator_pump(f.emu), 1);
        hook = hook_in_snapshot(&f, &snap);
        assert_string_equal(
            cJSON_GetObjectItemCaseSensitive(hook, "status")->valuestring,
            "active");
        assert_int_equal(
            cJSON_GetObjectItemCaseSensitive(hook, "failure_count")->valueint,
            i);
        cJSON_Delete(snap);
    }
    assert_int_equal(ks_woocommerce_hooks_check(&report, &alert, f.wc), KS_OK);
    assert_int_equal(alert, 0);
    cJSON_Delete(report);
    place_order(&f);
    assert_int_equal(km_emulator_pump(f.emu), 1);
    hook = hook_in_snapshot(&f, &snap);
    assert_string_equal(
        cJSON_GetObjectItemCaseSensitive(hook, "status")->valuestring,
        "disabled");
    cJSON_Delete(snap);
    /* a disabled hook gets no more deliveries, and nothing is retried */
    place_order(&f);
    assert_int_equal(km_emulator_pump(f.emu), 0);
    assert_int_equal(ks_woocommerce_hooks_check(&report, &alert, f.wc), KS_OK);
    assert_int_equal(alert, 1);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetArrayItem(report, 0), "alert")));
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetArrayItem(report, 0), "reenabled")));
    cJSON_Delete(report);
    recv_stop(&r);
    wc_fx_stop(&f);
}

static void webhook_delete_needs_force_and_bad_status_is_400(void **state)
{
    struct wc_fx f;
    cJSON *out = NULL, *made = NULL;
    const char *force[] = {"force", "true", NULL};
    char path[64];
    int64_t id;

    (void)state;
    wc_fx_start(&f, "{" WC_KEYS "}", KS_WOOCOMMERCE_AUTH_BASIC, 10, NULL);
    assert_int_equal(ks_woocommerce_webhook_create(&made, f.wc, "n",
                                                   "order.updated",
                                                   "http://127.0.0.1:9/x"),
                     KS_OK);
    assert_null(cJSON_GetObjectItemCaseSensitive(made, "secret"));
    id = (int64_t)cJSON_GetObjectItemCaseSensitive(made, "id")->valuedouble;
    assert_int_equal(ks_woocommerce_webhook_set_status(&out, f.wc, id, "zzz"),
                     KS_EREMOTE);
    assert_int_equal(ks_woocommerce_webhook_create(&out, f.wc, "n", "nope",
                                                   "http://127.0.0.1:9/x"),
                     KS_EREMOTE);
    snprintf(path, sizeof(path), "webhooks/%lld", (long long)id);
    assert_int_equal(
        ks_woocommerce_request(&out, f.wc, "DELETE", path, NULL, NULL),
        KS_EREMOTE);
    assert_int_equal(ks_client_last_error(f.client)->http_status, 501);
    assert_int_equal(
        ks_woocommerce_request(&out, f.wc, "DELETE", path, force, NULL), KS_OK);
    cJSON_Delete(out);
    cJSON_Delete(made);
    assert_int_equal(wc_fx_count(&f, "webhooks"), 0);
    wc_fx_stop(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(created_hook_pings_then_signed_delivery_verifies),
        cmocka_unit_test(tampered_delivery_is_rejected_and_counted),
        cmocka_unit_test(seventh_failure_disables_and_health_check_alerts),
        cmocka_unit_test(webhook_delete_needs_force_and_bad_status_is_400),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
