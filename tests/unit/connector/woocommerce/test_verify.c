/* Webhook verification: signature, ping, replay, size limit. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "kinsync.h"

#define SECRET "whsec_test"
#define BODY "{\"id\":42,\"status\":\"processing\"}"
/* base64(HMAC-SHA256("whsec_test", BODY)), computed independently. */
#define SIG "ExS+CwkcGUrC1Tf5Sph3prswny0ldk1hRWHBBJBLYlM="

struct fx {
    struct ks_client *client;
    struct ks_woocommerce *wc;
};

static int setup_with(void **state, const char *secret, size_t max_body,
                      size_t seen)
{
    struct ks_client_options co = KS_CLIENT_OPTIONS_INIT;
    struct ks_woocommerce_options o = KS_WOOCOMMERCE_OPTIONS_INIT;
    struct fx *f = test_calloc(1, sizeof(*f));

    assert_int_equal(ks_client_new(&f->client, &co), KS_OK);
    o.site_url = "https://shop.example";
    o.consumer_key = "ck_1";
    o.consumer_secret = "cs_1";
    o.webhook_secret = secret;
    o.webhook_max_body = max_body;
    o.webhook_seen_max = seen;
    assert_int_equal(ks_woocommerce_new(&f->wc, f->client, &o), KS_OK);
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_with(state, SECRET, 0, 0);
}

static int setup_small(void **state)
{
    return setup_with(state, SECRET, 64, 2);
}

static int setup_nosecret(void **state)
{
    return setup_with(state, NULL, 0, 0);
}

static int teardown(void **state)
{
    struct fx *f = *state;

    ks_woocommerce_free(f->wc);
    ks_client_free(f->client);
    test_free(f);
    return 0;
}

static ks_rc verify(struct fx *f, const char *sig, const char *id,
                    const char *body, enum ks_woocommerce_webhook_kind *kind)
{
    struct ks_woocommerce_webhook_headers h = {0};

    h.signature = sig;
    h.delivery_id = id;
    h.topic = sig ? "order.updated" : NULL;
    return ks_woocommerce_webhook_verify(kind, f->wc, &h, body, strlen(body));
}

static void valid_signature_is_an_event(void **state)
{
    enum ks_woocommerce_webhook_kind kind;

    assert_int_equal(verify(*state, SIG, "d1", BODY, &kind), KS_OK);
    assert_int_equal(kind, KS_WOOCOMMERCE_WEBHOOK_EVENT);
}

static void tampered_body_is_esignature(void **state)
{
    enum ks_woocommerce_webhook_kind kind;

    assert_int_equal(verify(*state, SIG, "d1",
                            "{\"id\":43,\"status\":\"processing\"}", &kind),
                     KS_ESIGNATURE);
    assert_int_equal(kind, KS_WOOCOMMERCE_WEBHOOK_NONE);
}

static void wrong_secret_is_esignature(void **state)
{
    enum ks_woocommerce_webhook_kind kind;

    /* base64(HMAC-SHA256("other", BODY)) */
    assert_int_equal(
        verify(*state, "9D4+zxa1nNCrEHeOxT51UEty3HwHtI5jzg82Q2aAfNY=", "d1",
               BODY, &kind),
        KS_ESIGNATURE);
}

static void missing_signature_is_esignature(void **state)
{
    enum ks_woocommerce_webhook_kind kind;
    struct ks_woocommerce_webhook_headers h = {0};
    struct fx *f = *state;

    h.topic = "order.updated";
    assert_int_equal(
        ks_woocommerce_webhook_verify(&kind, f->wc, &h, BODY, strlen(BODY)),
        KS_ESIGNATURE);
}

static void ping_is_accepted_as_a_ping(void **state)
{
    enum ks_woocommerce_webhook_kind kind;

    assert_int_equal(verify(*state, NULL, NULL, "webhook_id=17", &kind), KS_OK);
    assert_int_equal(kind, KS_WOOCOMMERCE_WEBHOOK_PING);
}

static void ping_lookalike_with_text_is_refused(void **state)
{
    enum ks_woocommerce_webhook_kind kind;

    assert_int_equal(verify(*state, NULL, NULL, "webhook_id=17&x=1", &kind),
                     KS_ESIGNATURE);
}

static void replayed_delivery_id_is_eduplicate(void **state)
{
    enum ks_woocommerce_webhook_kind kind;

    assert_int_equal(verify(*state, SIG, "d1", BODY, &kind), KS_OK);
    assert_int_equal(verify(*state, SIG, "d1", BODY, &kind), KS_EDUPLICATE);
    assert_int_equal(verify(*state, SIG, "d2", BODY, &kind), KS_OK);
}

static void seen_set_forgets_the_oldest_when_full(void **state)
{
    enum ks_woocommerce_webhook_kind kind;

    /* capacity 2: d1 is pushed out by d2 and d3 */
    assert_int_equal(verify(*state, SIG, "d1", BODY, &kind), KS_OK);
    assert_int_equal(verify(*state, SIG, "d2", BODY, &kind), KS_OK);
    assert_int_equal(verify(*state, SIG, "d3", BODY, &kind), KS_OK);
    assert_int_equal(verify(*state, SIG, "d3", BODY, &kind), KS_EDUPLICATE);
    assert_int_equal(verify(*state, SIG, "d1", BODY, &kind), KS_OK);
}

static void forged_delivery_does_not_enter_the_seen_set(void **state)
{
    enum ks_woocommerce_webhook_kind kind;

    assert_int_equal(verify(*state, "bad", "d9", BODY, &kind), KS_ESIGNATURE);
    assert_int_equal(verify(*state, SIG, "d9", BODY, &kind), KS_OK);
}

static void oversized_body_is_etoobig(void **state)
{
    enum ks_woocommerce_webhook_kind kind;
    char big[100];

    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(verify(*state, SIG, "d1", big, &kind), KS_ETOOBIG);
}

static void without_a_secret_every_event_is_refused(void **state)
{
    enum ks_woocommerce_webhook_kind kind;

    assert_int_equal(verify(*state, SIG, "d1", BODY, &kind), KS_ESIGNATURE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(valid_signature_is_an_event, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(tampered_body_is_esignature, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(wrong_secret_is_esignature, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(missing_signature_is_esignature, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(ping_is_accepted_as_a_ping, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(ping_lookalike_with_text_is_refused,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(replayed_delivery_id_is_eduplicate,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(seen_set_forgets_the_oldest_when_full,
                                        setup_small, teardown),
        cmocka_unit_test_setup_teardown(
            forged_delivery_does_not_enter_the_seen_set, setup, teardown),
        cmocka_unit_test_setup_teardown(oversized_body_is_etoobig, setup_small,
                                        teardown),
        cmocka_unit_test_setup_teardown(without_a_secret_every_event_is_refused,
                                        setup_nosecret, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
