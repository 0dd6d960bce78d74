/* Webhook verification: Standard Webhooks signature, timestamp tolerance,
 * duplicates, size limit, the shared-header fallback. The vectors were
 * computed independently (Python hmac/hashlib). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>
#include "kinsync.h"
#include "core/internal.h"

#define SECRET "bc_client_secret_test"
#define TS "1767600000"
#define NOW_MS 1767600000000LL
#define BODY                                                                   \
    "{\"scope\":\"store/order/created\",\"store_id\":\"1000001\",\"data\":{"   \
    "\"type\":\"order\",\"id\":250},\"hash\":"                                 \
    "\"7e5fe85589910975fb113a909be28a4d615113e0\",\"created_at\":1767600000,"  \
    "\"producer\":\"stores/abc123\"}"
#define BODY2                                                                  \
    "{\"scope\":\"store/order/created\",\"store_id\":\"1000001\",\"data\":{"   \
    "\"type\":\"order\",\"id\":251},\"hash\":"                                 \
    "\"bda8e4b376cb69c70723b786dc0072075323d9ae\",\"created_at\":1767600000,"  \
    "\"producer\":\"stores/abc123\"}"
/* base64(HMAC-SHA256(SECRET, id "." TS "." body)) */
#define SIG "v1,/0uLj9HwrXVFB3R7dD63RlqATPYyOlCqhtt6jimvm5Q=" /* msg_2Kk4 */
#define SIG_WRONG "v1,CIgqNScX+csD8UNrZnBd8+BpMKwTsJhqewmDY4SYK8g=" /* key */
#define SIG_OTHER_ID "v1,Wou2GrOHc0FhggJ0wtZRqjFeWzkaDVRSDHGJ0E650JM="
#define SIG_B2 "v1,859MJzkBr9FAP4QT0o6ZFbGswwCaLbddj8S0dWzO33o=" /* msg_b2 */
#define SIG_NOTJSON "v1,RtTt1hSffLwcY8gDIRTIv1nJ/kmZeMvn1BhDizXVstY="

struct hdrs {
    const char *id, *ts, *sig;
    const char *custom_name, *custom_value;
};

static const char *get(void *ud, const char *name)
{
    const struct hdrs *h = ud;

    if (strcasecmp(name, "webhook-id") == 0)
        return h->id;
    if (strcasecmp(name, "webhook-timestamp") == 0)
        return h->ts;
    if (strcasecmp(name, "webhook-signature") == 0)
        return h->sig;
    if (h->custom_name && strcasecmp(name, h->custom_name) == 0)
        return h->custom_value;
    return NULL;
}

struct fx {
    struct ks_client *client;
    struct ks_bigcommerce *bc;
};

static int setup_with(void **state, const char *secret, size_t max_body,
                      size_t seen, const char *hname, const char *hvalue)
{
    struct ks_client_options co = KS_CLIENT_OPTIONS_INIT;
    struct ks_bigcommerce_options o = KS_BIGCOMMERCE_OPTIONS_INIT;
    struct fx *f = test_calloc(1, sizeof(*f));

    assert_int_equal(ks_client_new(&f->client, &co), KS_OK);
    o.store_hash = "abc123";
    o.access_token = "tok_1";
    o.client_secret = secret;
    o.webhook_max_body = max_body;
    o.webhook_seen_max = seen;
    o.webhook_header_name = hname;
    o.webhook_header_value = hvalue;
    assert_int_equal(ks_bigcommerce_new(&f->bc, f->client, &o), KS_OK);
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_with(state, SECRET, 0, 0, NULL, NULL);
}

static int setup_small(void **state)
{
    return setup_with(state, SECRET, 400, 2, NULL, NULL);
}

static int setup_header(void **state)
{
    return setup_with(state, NULL, 0, 0, "X-Kinsync-Hook", "hook-secret-9");
}

static int teardown(void **state)
{
    struct fx *f = *state;

    ks_bigcommerce_free(f->bc);
    ks_client_free(f->client);
    test_free(f);
    return 0;
}

static ks_rc verify(struct fx *f, struct ks_bigcommerce_event *ev,
                    const struct hdrs *h, const char *body, int64_t now)
{
    return ks_bigcommerce_webhook_verify(ev, f->bc, get, (void *)h, body,
                                         strlen(body), now);
}

static void valid_signature_is_ok_and_parsed(void **state)
{
    struct fx *f = *state;
    struct hdrs h = {"msg_2Kk4", TS, SIG, NULL, NULL};
    struct ks_bigcommerce_event ev;

    assert_int_equal(verify(f, &ev, &h, BODY, NOW_MS), KS_OK);
    assert_int_equal(ev.auth, KS_BIGCOMMERCE_WEBHOOK_SIGNATURE);
    assert_string_equal(ev.scope, "store/order/created");
    assert_string_equal(ev.type, "order");
    assert_int_equal(ev.id, 250);
    assert_string_equal(ev.store_id, "1000001");
    assert_string_equal(ev.producer, "stores/abc123");
    assert_string_equal(ev.hash, "7e5fe85589910975fb113a909be28a4d615113e0");
    assert_string_equal(ev.webhook_id, "msg_2Kk4");
    assert_int_equal(ev.created_at, 1767600000);
    assert_string_equal(ks_bigcommerce_webhook_reason(f->bc), "");
}

static void tampered_body_is_esignature(void **state)
{
    struct fx *f = *state;
    struct hdrs h = {"msg_2Kk4", TS, SIG, NULL, NULL};
    struct ks_bigcommerce_event ev;
    char body[] = BODY;

    body[strlen(body) - 3] ^= 0x01; /* one bit in "abc123" */
    assert_int_equal(verify(f, &ev, &h, body, NOW_MS), KS_ESIGNATURE);
    assert_non_null(strstr(ks_bigcommerce_webhook_reason(f->bc), "match"));
}

static void changed_id_or_timestamp_is_esignature(void **state)
{
    struct fx *f = *state;
    struct hdrs h1 = {"msg_2Kk5", TS, SIG, NULL, NULL};
    struct hdrs h2 = {"msg_2Kk4", "1767600001", SIG, NULL, NULL};
    struct ks_bigcommerce_event ev;

    assert_int_equal(verify(f, &ev, &h1, BODY, NOW_MS), KS_ESIGNATURE);
    assert_int_equal(verify(f, &ev, &h2, BODY, NOW_MS), KS_ESIGNATURE);
}

static void wrong_secret_is_esignature(void **state)
{
    struct fx *f = *state;
    struct hdrs h = {"msg_2Kk4", TS, SIG_WRONG, NULL, NULL};
    struct ks_bigcommerce_event ev;

    assert_int_equal(verify(f, &ev, &h, BODY, NOW_MS), KS_ESIGNATURE);
}

static void stale_or_future_timestamp_is_esignature(void **state)
{
    struct fx *f = *state;
    struct hdrs h = {"msg_2Kk4", TS, SIG, NULL, NULL};
    struct ks_bigcommerce_event ev;

    assert_int_equal(verify(f, &ev, &h, BODY, NOW_MS + 301000), KS_ESIGNATURE);
    assert_non_null(strstr(ks_bigcommerce_webhook_reason(f->bc), "tolerance"));
    assert_int_equal(verify(f, &ev, &h, BODY, NOW_MS - 301000), KS_ESIGNATURE);
    /* Refused deliveries were not remembered: inside the window it passes. */
    assert_int_equal(verify(f, &ev, &h, BODY, NOW_MS + 299000), KS_OK);
}

static void replayed_id_is_eduplicate(void **state)
{
    struct fx *f = *state;
    struct hdrs h = {"msg_2Kk4", TS, SIG, NULL, NULL};
    struct ks_bigcommerce_event ev;

    assert_int_equal(verify(f, &ev, &h, BODY, NOW_MS), KS_OK);
    memset(&ev, 0, sizeof(ev));
    assert_int_equal(verify(f, &ev, &h, BODY, NOW_MS + 1000), KS_EDUPLICATE);
    assert_int_equal(ev.id, 250); /* still parsed, for the caller's log */
}

static void forgotten_delivery_verifies_again(void **state)
{
    struct fx *f = *state;
    struct hdrs h = {"msg_2Kk4", TS, SIG, NULL, NULL};
    struct hdrs other = {"msg_other", TS, SIG_OTHER_ID, NULL, NULL};
    struct ks_bigcommerce_event ev;

    assert_int_equal(verify(f, &ev, &h, BODY, NOW_MS), KS_OK);
    ks_bigcommerce_webhook_forget(f->bc, &ev);
    assert_int_equal(verify(f, &ev, &h, BODY, NOW_MS), KS_OK);
    /* the same hash was forgotten too */
    ks_bigcommerce_webhook_forget(f->bc, &ev);
    assert_int_equal(verify(f, &ev, &other, BODY, NOW_MS), KS_OK);
    assert_int_equal(verify(f, &ev, &h, BODY, NOW_MS), KS_EDUPLICATE);
}

static void same_payload_hash_under_new_id_is_eduplicate(void **state)
{
    struct fx *f = *state;
    struct hdrs h1 = {"msg_2Kk4", TS, SIG, NULL, NULL};
    struct hdrs h2 = {"msg_other", TS, SIG_OTHER_ID, NULL, NULL};
    struct ks_bigcommerce_event ev;

    assert_int_equal(verify(f, &ev, &h1, BODY, NOW_MS), KS_OK);
    assert_int_equal(verify(f, &ev, &h2, BODY, NOW_MS), KS_EDUPLICATE);
}

static void any_of_several_v1_signatures_matches(void **state)
{
    struct fx *f = *state;
    struct hdrs h = {"msg_2Kk4", TS, "v1a,abcd " SIG_WRONG " " SIG, NULL, NULL};
    struct ks_bigcommerce_event ev;

    assert_int_equal(verify(f, &ev, &h, BODY, NOW_MS), KS_OK);
}

static void malformed_signature_header_is_esignature(void **state)
{
    struct fx *f = *state;
    const char *bad[] = {"/0uLj9HwrXVFB3R7dD63RlqATPYyOlCqhtt6jimvm5Q=", "v1,",
                         "v2,/0uLj9HwrXVFB3R7dD63RlqATPYyOlCqhtt6jimvm5Q=",
                         "v1,not base64!", ""};
    struct ks_bigcommerce_event ev;

    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        struct hdrs h = {"msg_2Kk4", TS, bad[i], NULL, NULL};

        assert_int_equal(verify(f, &ev, &h, BODY, NOW_MS), KS_ESIGNATURE);
    }
}

static void missing_or_malformed_id_and_timestamp_is_esignature(void **state)
{
    struct fx *f = *state;
    struct hdrs no_id = {NULL, TS, SIG, NULL, NULL};
    struct hdrs no_ts = {"msg_2Kk4", NULL, SIG, NULL, NULL};
    struct hdrs bad_ts = {"msg_2Kk4", "17676e5", SIG, NULL, NULL};
    struct hdrs no_sig = {"msg_2Kk4", TS, NULL, NULL, NULL};
    struct hdrs huge_ts = {"msg_2Kk4", "99999999999999999999", SIG, NULL, NULL};
    struct ks_bigcommerce_event ev;

    assert_int_equal(verify(f, &ev, &no_id, BODY, NOW_MS), KS_ESIGNATURE);
    assert_int_equal(verify(f, &ev, &no_ts, BODY, NOW_MS), KS_ESIGNATURE);
    assert_int_equal(verify(f, &ev, &bad_ts, BODY, NOW_MS), KS_ESIGNATURE);
    assert_int_equal(verify(f, &ev, &no_sig, BODY, NOW_MS), KS_ESIGNATURE);
    assert_int_equal(verify(f, &ev, &huge_ts, BODY, NOW_MS), KS_ESIGNATURE);
}

static void signed_body_that_is_not_a_payload_is_eparse(void **state)
{
    struct fx *f = *state;
    struct hdrs h = {"msg_nj", TS, SIG_NOTJSON, NULL, NULL};
    struct ks_bigcommerce_event ev;

    assert_int_equal(verify(f, &ev, &h, "not json", NOW_MS), KS_EPARSE);
}

static void oversized_body_is_etoobig_before_any_check(void **state)
{
    struct fx *f = *state;
    struct hdrs h = {"msg_2Kk4", TS, SIG, NULL, NULL};
    struct ks_bigcommerce_event ev;
    char big[600];

    memset(big, ' ', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(verify(f, &ev, &h, big, NOW_MS), KS_ETOOBIG);
    /* The limit is 400 here: the real body still fits. */
    assert_int_equal(verify(f, &ev, &h, BODY, NOW_MS), KS_OK);
}

static void seen_set_is_bounded(void **state)
{
    struct fx *f = *state;
    struct hdrs a = {"msg_2Kk4", TS, SIG, NULL, NULL};
    struct hdrs b = {"msg_b2", TS, SIG_B2, NULL, NULL};
    struct ks_bigcommerce_event ev;

    /* Two slots: each delivery fills both (its id and its hash). */
    assert_int_equal(verify(f, &ev, &a, BODY, NOW_MS), KS_OK);
    assert_int_equal(verify(f, &ev, &a, BODY, NOW_MS), KS_EDUPLICATE);
    assert_int_equal(verify(f, &ev, &b, BODY2, NOW_MS), KS_OK);
    assert_int_equal(verify(f, &ev, &a, BODY, NOW_MS), KS_OK); /* forgotten */
}

static void no_secret_and_no_header_refuses_everything(void **state)
{
    struct ks_client_options co = KS_CLIENT_OPTIONS_INIT;
    struct ks_bigcommerce_options o = KS_BIGCOMMERCE_OPTIONS_INIT;
    struct ks_client *client = NULL;
    struct ks_bigcommerce *bc = NULL;
    struct hdrs h = {"msg_2Kk4", TS, SIG, NULL, NULL};
    struct hdrs none = {NULL, NULL, NULL, NULL, NULL};
    struct ks_bigcommerce_event ev;

    (void)state;
    assert_int_equal(ks_client_new(&client, &co), KS_OK);
    o.store_hash = "abc123";
    o.access_token = "tok_1";
    assert_int_equal(ks_bigcommerce_new(&bc, client, &o), KS_OK);
    assert_int_equal(ks_bigcommerce_webhook_verify(&ev, bc, get, &h, BODY,
                                                   strlen(BODY), NOW_MS),
                     KS_ESIGNATURE);
    assert_int_equal(ks_bigcommerce_webhook_verify(&ev, bc, get, &none, BODY,
                                                   strlen(BODY), NOW_MS),
                     KS_ESIGNATURE);
    ks_bigcommerce_free(bc);
    ks_client_free(client);
}

static void shared_header_fallback_without_signature_headers(void **state)
{
    struct fx *f = *state;
    struct hdrs good = {NULL, NULL, NULL, "X-Kinsync-Hook", "hook-secret-9"};
    struct hdrs bad = {NULL, NULL, NULL, "X-Kinsync-Hook", "hook-secret-8"};
    struct hdrs absent = {NULL, NULL, NULL, NULL, NULL};
    struct hdrs signed_ = {"msg_2Kk4", TS, SIG, "X-Kinsync-Hook",
                           "hook-secret-9"};
    struct ks_bigcommerce_event ev;

    assert_int_equal(verify(f, &ev, &bad, BODY, NOW_MS), KS_ESIGNATURE);
    assert_int_equal(verify(f, &ev, &absent, BODY, NOW_MS), KS_ESIGNATURE);
    /* Signature headers present: they must verify, and this handle has no
     * client secret, so the header does not rescue them. */
    assert_int_equal(verify(f, &ev, &signed_, BODY, NOW_MS), KS_ESIGNATURE);
    assert_int_equal(verify(f, &ev, &good, BODY, NOW_MS), KS_OK);
    assert_int_equal(ev.auth, KS_BIGCOMMERCE_WEBHOOK_HEADER);
    assert_int_equal(ev.id, 250);
    /* No webhook-id on this path: the payload hash dedupes. */
    assert_int_equal(verify(f, &ev, &good, BODY, NOW_MS), KS_EDUPLICATE);
}

/* Every allocation of new + verify failing in turn: ENOMEM (or EPARSE
 * when cJSON itself ran out while parsing), never a crash or a leak, and
 * OK once nothing fails. */
static void verify_survives_every_allocation_failure(void **state)
{
    struct ks_client_options co = KS_CLIENT_OPTIONS_INIT;
    struct ks_bigcommerce_options o = KS_BIGCOMMERCE_OPTIONS_INIT;
    struct ks_client *client = NULL;
    struct hdrs h = {"msg_2Kk4", TS, SIG, NULL, NULL};
    struct ks_bigcommerce_event ev;
    ks_rc rc = KS_ENOMEM;
    uint64_t n;

    (void)state;
    assert_int_equal(ks_client_new(&client, &co), KS_OK);
    o.store_hash = "abc123";
    o.access_token = "tok_1";
    o.client_secret = SECRET;
    ks__alloc_init_cjson();
    for (n = 1; n < 1000 && rc != KS_OK; n++) {
        struct ks_bigcommerce *bc = NULL;

        ks__alloc_fail_at(n);
        rc = ks_bigcommerce_new(&bc, client, &o);
        if (!rc)
            rc = ks_bigcommerce_webhook_verify(&ev, bc, get, &h, BODY,
                                               strlen(BODY), NOW_MS);
        ks__alloc_fail_at(0);
        ks_bigcommerce_free(bc);
        assert_true(rc == KS_OK || rc == KS_ENOMEM || rc == KS_EPARSE);
    }
    assert_int_equal(rc, KS_OK);
    assert_true(n > 3); /* some allocations were really made to fail */
    ks_client_free(client);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(valid_signature_is_ok_and_parsed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(tampered_body_is_esignature, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(changed_id_or_timestamp_is_esignature,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(wrong_secret_is_esignature, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(stale_or_future_timestamp_is_esignature,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(replayed_id_is_eduplicate, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            same_payload_hash_under_new_id_is_eduplicate, setup, teardown),
        cmocka_unit_test_setup_teardown(forgotten_delivery_verifies_again,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(any_of_several_v1_signatures_matches,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            malformed_signature_header_is_esignature, setup, teardown),
        cmocka_unit_test_setup_teardown(
            missing_or_malformed_id_and_timestamp_is_esignature, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            signed_body_that_is_not_a_payload_is_eparse, setup, teardown),
        cmocka_unit_test_setup_teardown(
            oversized_body_is_etoobig_before_any_check, setup_small, teardown),
        cmocka_unit_test_setup_teardown(seen_set_is_bounded, setup_small,
                                        teardown),
        cmocka_unit_test(no_secret_and_no_header_refuses_everything),
        cmocka_unit_test_setup_teardown(
            shared_header_fallback_without_signature_headers, setup_header,
            teardown),
        cmocka_unit_test(verify_survives_every_allocation_failure),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
