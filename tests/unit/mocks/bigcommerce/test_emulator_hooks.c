/* BigCommerce webhooks end to end: the emulator delivers to a loopback
 * receiver, the connector's verifier checks what arrived; the retry ladder
 * and inactivity deactivate hooks, the health check repairs them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "emulator_fixture.h"
#include "bigcommerce/bigcommerce_emu.h"

#define DAY_MS 86400000LL

static const char *get_header(void *ud, const char *name)
{
    struct bc_fx *f = ud;
    char lower[64];
    size_t i;

    for (i = 0; name[i] && i < sizeof(lower) - 1; i++)
        lower[i] =
            (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
    lower[i] = '\0';
    return bc_fx_recv_header(f, lower);
}

static ks_rc verify_last(struct bc_fx *f, struct ks_bigcommerce_event *ev)
{
    return ks_bigcommerce_webhook_verify(ev, f->bc, get_header, f, f->recv.body,
                                         f->recv.len,
                                         ks_clock_now_ms(f->clock));
}

/* Starts emulator + receiver with one hook on scope to the receiver. */
static void start_with_hook(struct bc_fx *f, const char *scope, int status,
                            const char *extra)
{
    const char *url;
    cJSON *hook = NULL;
    cJSON *hdrs = cJSON_Parse("{\"X-Shared\":\"shared-value\"}");

    bc_fx_start(f, extra);
    url = bc_fx_recv_start(f, status);
    assert_int_equal(ks_bigcommerce_hook_create(&hook, f->bc, scope, url, hdrs),
                     KS_OK);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(hook, "is_active")));
    cJSON_Delete(hook);
    cJSON_Delete(hdrs);
}

static void place_order(struct bc_fx *f)
{
    cJSON *args = cJSON_Parse("{\"customer\":{\"email\":\"a@b.c\"},\"lines\":"
                              "[{\"sku\":\"GEN-000001\",\"quantity\":1}]}");
    cJSON *res = NULL;
    char err[256];

    assert_int_equal(
        km_emulator_act(f->emu, "place_order", args, &res, err, sizeof(err)),
        0);
    cJSON_Delete(res);
    cJSON_Delete(args);
}

static void act(struct bc_fx *f, const char *action, const char *args_text)
{
    cJSON *args = cJSON_Parse(args_text), *res = NULL;
    char err[256];

    assert_int_equal(
        km_emulator_act(f->emu, action, args, &res, err, sizeof(err)), 0);
    cJSON_Delete(res);
    cJSON_Delete(args);
}

static cJSON *hook0(cJSON *snap)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItem(snap, "hooks"), 0);
}

static void order_created_arrives_signed_and_thin(void **state)
{
    struct bc_fx f;
    struct ks_bigcommerce_event ev;
    cJSON *body;
    char hash[41];

    (void)state;
    start_with_hook(&f, "store/order/created", 200,
                    "\"generate\":{\"products\":1}");
    place_order(&f);
    assert_int_equal(km_emulator_pump(f.emu), 1);
    assert_int_equal(f.recv.count, 1);
    assert_non_null(bc_fx_recv_header(&f, "webhook-id"));
    assert_non_null(bc_fx_recv_header(&f, "webhook-timestamp"));
    assert_memory_equal(bc_fx_recv_header(&f, "webhook-signature"), "v1,", 3);
    assert_string_equal(bc_fx_recv_header(&f, "x-shared"), "shared-value");
    assert_null(bc_fx_recv_header(&f, "x-bc-signature"));
    assert_int_equal(verify_last(&f, &ev), KS_OK);
    assert_string_equal(ev.scope, "store/order/created");
    assert_string_equal(ev.type, "order");
    assert_int_equal(ev.id, 100);
    body = cJSON_Parse(f.recv.body);
    assert_string_equal(cJSON_GetObjectItem(body, "store_id")->valuestring,
                        "1000001");
    assert_string_equal(cJSON_GetObjectItem(body, "producer")->valuestring,
                        "stores/abc123");
    assert_int_equal(ks_bigcommerce_payload_hash(hash, f.recv.body, f.recv.len),
                     KS_OK);
    assert_string_equal(cJSON_GetObjectItem(body, "hash")->valuestring, hash);
    cJSON_Delete(body);
    bc_fx_stop(&f);
}

static void wildcard_scope_gets_created_updated_and_status(void **state)
{
    struct bc_fx f;
    cJSON *snap;

    (void)state;
    start_with_hook(&f, "store/order/*", 200, "\"generate\":{\"products\":1}");
    place_order(&f);
    act(&f, "update_order_status", "{\"id\":100,\"status_id\":2}");
    assert_int_equal(km_emulator_pump(f.emu), 3);
    snap = bc_fx_snapshot(&f);
    assert_string_equal(
        cJSON_GetObjectItem(
            cJSON_GetArrayItem(cJSON_GetObjectItem(snap, "deliveries"), 2),
            "scope")
            ->valuestring,
        "store/order/statusUpdated");
    cJSON_Delete(snap);
    bc_fx_stop(&f);
}

static void inventory_change_emits_product_inventory_updated(void **state)
{
    struct bc_fx f;
    struct ks_bigcommerce_event ev;
    cJSON *items = cJSON_Parse("[{\"sku\":\"GEN-000001\",\"location_id\":1,"
                               "\"quantity\":500}]");

    (void)state;
    start_with_hook(&f, "store/product/inventory/updated", 200,
                    "\"generate\":{\"products\":1}");
    assert_int_equal(
        ks_bigcommerce_inventory_absolute(NULL, NULL, f.bc, "test", items),
        KS_OK);
    assert_int_equal(km_emulator_pump(f.emu), 1);
    assert_int_equal(verify_last(&f, &ev), KS_OK);
    assert_string_equal(ev.type, "product");
    assert_int_equal(ev.product_id, 100);
    cJSON_Delete(items);
    bc_fx_stop(&f);
}

static void tampered_body_and_signature_are_refused(void **state)
{
    struct bc_fx f;
    struct ks_bigcommerce_event ev;

    (void)state;
    start_with_hook(&f, "store/order/created", 200,
                    "\"generate\":{\"products\":1}");
    act(&f, "tamper_next_webhook", "{\"mode\":\"body\"}");
    place_order(&f);
    km_emulator_pump(f.emu);
    assert_int_equal(verify_last(&f, &ev), KS_ESIGNATURE);
    act(&f, "tamper_next_webhook", "{\"mode\":\"signature\"}");
    place_order(&f);
    km_emulator_pump(f.emu);
    assert_int_equal(verify_last(&f, &ev), KS_ESIGNATURE);
    act(&f, "tamper_next_webhook", "{\"mode\":\"timestamp\"}");
    place_order(&f);
    km_emulator_pump(f.emu);
    assert_int_equal(verify_last(&f, &ev), KS_ESIGNATURE);
    bc_fx_stop(&f);
}

static void replay_and_redelivery_keep_the_webhook_id(void **state)
{
    struct bc_fx f;
    struct ks_bigcommerce_event ev;
    char first[128];

    (void)state;
    start_with_hook(&f, "store/order/created", 200,
                    "\"generate\":{\"products\":1}");
    place_order(&f);
    km_emulator_pump(f.emu);
    assert_int_equal(verify_last(&f, &ev), KS_OK);
    snprintf(first, sizeof(first), "%s", bc_fx_recv_header(&f, "webhook-id"));
    ks_clock_advance_ms(f.clock, 1000);
    act(&f, "redeliver_last", "{}");
    assert_int_equal(km_emulator_pump(f.emu), 1);
    assert_string_equal(bc_fx_recv_header(&f, "webhook-id"), first);
    assert_int_equal(verify_last(&f, &ev), KS_EDUPLICATE);
    act(&f, "tamper_next_webhook", "{\"mode\":\"replay\"}");
    place_order(&f);
    assert_int_equal(km_emulator_pump(f.emu), 2); /* sent twice */
    assert_int_equal(f.recv.count, 4);
    /* Both copies are byte-identical: the first passes, the replayed one
     * is a duplicate. */
    assert_int_equal(verify_last(&f, &ev), KS_OK);
    assert_int_equal(verify_last(&f, &ev), KS_EDUPLICATE);
    bc_fx_stop(&f);
}

static void failing_receiver_deactivates_after_the_48h_ladder(void **state)
{
    struct bc_fx f;
    const int64_t ladder[] = {60,   180,  300,   600,   900,  1800,
                              3600, 7200, 21600, 50400, 86400};
    int64_t start;
    cJSON *snap, *report = NULL, *d;
    const char *scopes[] = {"store/order/created", NULL};

    (void)state;
    start_with_hook(&f, "store/order/created", 500,
                    "\"generate\":{\"products\":1}");
    place_order(&f);
    start = ks_clock_now_ms(f.clock);
    assert_int_equal(km_emulator_pump(f.emu), 1);
    for (size_t i = 0; i < 11; i++) {
        ks_clock_advance_ms(f.clock, ladder[i] * 1000 - 1);
        assert_int_equal(km_emulator_pump(f.emu), 0); /* not due yet */
        ks_clock_advance_ms(f.clock, 1);
        assert_int_equal(km_emulator_pump(f.emu), 1);
    }
    assert_int_equal(ks_clock_now_ms(f.clock) - start, 173040LL * 1000);
    snap = bc_fx_snapshot(&f);
    d = cJSON_GetObjectItem(snap, "deliveries");
    assert_int_equal(cJSON_GetArraySize(d), 12);
    assert_true(cJSON_IsTrue(
        cJSON_GetObjectItem(cJSON_GetArrayItem(d, 11), "deactivated_hook")));
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(hook0(snap), "is_active")));
    assert_string_equal(
        cJSON_GetObjectItem(hook0(snap), "deactivated")->valuestring,
        "retries_exhausted");
    cJSON_Delete(snap);
    /* Nothing more is sent to an inactive hook. */
    place_order(&f);
    assert_int_equal(km_emulator_pump(f.emu), 0);
    /* The health check switches it on again. */
    assert_int_equal(ks_bigcommerce_hooks_ensure(&report, f.bc, scopes,
                                                 km_server_url(f.recv.server),
                                                 NULL),
                     KS_OK);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetArrayItem(report, 0), "action")
            ->valuestring,
        "reactivated");
    cJSON_Delete(report);
    snap = bc_fx_snapshot(&f);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(hook0(snap), "is_active")));
    cJSON_Delete(snap);
    bc_fx_stop(&f);
}

static void ninety_days_without_success_deactivates(void **state)
{
    struct bc_fx f;
    cJSON *snap;

    (void)state;
    start_with_hook(&f, "store/order/created", 200,
                    "\"generate\":{\"products\":1}");
    ks_clock_advance_ms(f.clock, 90 * DAY_MS - 1000);
    km_emulator_pump(f.emu);
    snap = bc_fx_snapshot(&f);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(hook0(snap), "is_active")));
    cJSON_Delete(snap);
    ks_clock_advance_ms(f.clock, 1000);
    km_emulator_pump(f.emu);
    snap = bc_fx_snapshot(&f);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(hook0(snap), "is_active")));
    assert_string_equal(
        cJSON_GetObjectItem(hook0(snap), "deactivated")->valuestring,
        "inactivity");
    cJSON_Delete(snap);
    bc_fx_stop(&f);
}

static void same_scope_and_destination_twice_is_409(void **state)
{
    struct bc_fx f;
    cJSON *hook = NULL;

    (void)state;
    start_with_hook(&f, "store/order/created", 200, NULL);
    assert_int_equal(
        ks_bigcommerce_hook_create(&hook, f.bc, "store/order/created",
                                   km_server_url(f.recv.server), NULL),
        KS_ECONFLICT);
    assert_null(hook);
    bc_fx_stop(&f);
}

static void legacy_events_history_enabled_is_echoed(void **state)
{
    struct bc_fx f;
    cJSON *body = cJSON_Parse("{\"scope\":\"store/product/*\",\"destination\":"
                              "\"https://hooks.example/bc\","
                              "\"events_history_enabled\":true}");
    cJSON *out = NULL;

    (void)state;
    bc_fx_start(&f, NULL);
    assert_int_equal(
        ks_bigcommerce_request(&out, f.bc, "POST", "v3/hooks", NULL, body),
        KS_OK);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(
        cJSON_GetObjectItem(out, "data"), "events_history_enabled")));
    cJSON_Delete(out);
    cJSON_Delete(body);
    bc_fx_stop(&f);
}

static void x_bc_signature_only_when_enabled(void **state)
{
    struct bc_fx f;

    (void)state;
    start_with_hook(&f, "store/order/created", 200,
                    "\"generate\":{\"products\":1},\"webhook\":{"
                    "\"sign_x_bc_signature\":true}");
    place_order(&f);
    km_emulator_pump(f.emu);
    assert_non_null(bc_fx_recv_header(&f, "x-bc-signature"));
    bc_fx_stop(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(order_created_arrives_signed_and_thin),
        cmocka_unit_test(wildcard_scope_gets_created_updated_and_status),
        cmocka_unit_test(inventory_change_emits_product_inventory_updated),
        cmocka_unit_test(tampered_body_and_signature_are_refused),
        cmocka_unit_test(replay_and_redelivery_keep_the_webhook_id),
        cmocka_unit_test(failing_receiver_deactivates_after_the_48h_ladder),
        cmocka_unit_test(ninety_days_without_success_deactivates),
        cmocka_unit_test(same_scope_and_destination_twice_is_409),
        cmocka_unit_test(legacy_events_history_enabled_is_echoed),
        cmocka_unit_test(x_bc_signature_only_when_enabled),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
