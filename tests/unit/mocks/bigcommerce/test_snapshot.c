/* The snapshot restricted to a list of JSON pointers (snapshot_some): which
 * members and entries a pointer list asks for, and that the restricted
 * snapshot agrees with the whole one at every pointer it was built for. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <kinsync/clock.h>
#include "bigcommerce/bigcommerce_emu.h"
#include "kinmock/emulator.h"

#define START_MS 1767600000000LL /* 2026-01-05T08:00:00Z */

static struct km_snapshot_want want_of(const char *const *pointers, size_t n)
{
    struct km_snapshot_want w = {pointers, n};

    return w;
}

static void members_and_entries_follow_the_pointers(void **state)
{
    static const char *const p[] = {"/products/2/sku", "/store_hash", "/a~1b/0",
                                    "/hooks/10"};
    static const char *const sel[] = {"/products/[sku=X]/id"};
    static const char *const lead[] = {"/products/02/id"};
    static const char *const whole[] = {"/orders"};
    static const char *const root[] = {""};
    struct km_snapshot_want w = want_of(p, 4);
    struct km_snapshot_want s = want_of(sel, 1), l = want_of(lead, 1);
    struct km_snapshot_want a = want_of(whole, 1), r = want_of(root, 1);

    (void)state;
    assert_true(km_snapshot_wants(&w, "products"));
    assert_true(km_snapshot_wants(&w, "store_hash"));
    assert_true(km_snapshot_wants(&w, "a/b")); /* ~1 is '/' */
    assert_false(km_snapshot_wants(&w, "orders"));
    assert_false(km_snapshot_wants(&w, "product"));
    assert_false(km_snapshot_wants(&w, "products2"));
    assert_true(km_snapshot_wants_entry(&w, "products", 2));
    assert_false(km_snapshot_wants_entry(&w, "products", 0));
    assert_false(km_snapshot_wants_entry(&w, "products", 20));
    assert_true(km_snapshot_wants_entry(&w, "hooks", 10));
    assert_false(km_snapshot_wants_entry(&w, "hooks", 1));
    assert_false(km_snapshot_wants_entry(&w, "orders", 0));
    /* A selector, a token that is no RFC 6901 index, the array itself and
     * the whole document read every entry. */
    assert_true(km_snapshot_wants_entry(&s, "products", 7));
    assert_true(km_snapshot_wants_entry(&l, "products", 0));
    assert_true(km_snapshot_wants_entry(&l, "products", 5));
    assert_true(km_snapshot_wants_entry(&a, "orders", 3));
    assert_true(km_snapshot_wants(&r, "rate_limit"));
    assert_true(km_snapshot_wants_entry(&r, "products", 1));
    /* No list: everything. */
    assert_true(km_snapshot_wants(NULL, "anything"));
    assert_true(km_snapshot_wants_entry(NULL, "products", 99));
}

/* The value at a pointer of plain tokens (no escapes, no selectors). */
static const cJSON *at(const cJSON *doc, const char *pointer)
{
    char tok[64];
    const char *p = pointer;

    while (doc && *p == '/') {
        size_t n = strcspn(p + 1, "/");

        assert_true(n < sizeof(tok));
        memcpy(tok, p + 1, n);
        tok[n] = '\0';
        p += n + 1;
        doc = cJSON_IsArray(doc)
                  ? cJSON_GetArrayItem(doc, (int)strtol(tok, NULL, 10))
                  : cJSON_GetObjectItemCaseSensitive(doc, tok);
    }
    return doc;
}

static void restricted_snapshot_agrees_with_the_whole(void **state)
{
    static const char *const p[] = {"/products/0/inventory_level",
                                    "/products/39/sku",
                                    "/products/17",
                                    "/products/40/sku",
                                    "/rate_limit/quota",
                                    "/pending_deliveries",
                                    "/customers/0/email",
                                    "/orders/0/products/1/sku",
                                    "/hooks",
                                    "/store_hash"};
    const char *cfg_text =
        "{\"store_hash\": \"snap1\", \"generate\": {\"products\": 40},"
        " \"customers\": [{\"email\": \"ann@example.com\", \"first_name\":"
        " \"Ann\", \"last_name\": \"Buyer\"}],"
        " \"orders\": [{\"customer\": {\"email\": \"ann@example.com\"},"
        " \"products\": [{\"sku\": \"GEN-000001\", \"quantity\": 1},"
        " {\"sku\": \"GEN-000002\", \"quantity\": 2}]}]}";
    cJSON *cfg = cJSON_Parse(cfg_text), *whole, *some;
    struct km_snapshot_want w = want_of(p, sizeof(p) / sizeof(p[0]));
    struct km_emulator *emu = NULL;
    struct ks_clock *clock = NULL;
    char err[256] = "";

    (void)state;
    assert_non_null(cfg);
    assert_int_equal(ks_clock_new_virtual(&clock, START_MS), KS_OK);
    assert_int_equal(km_emulator_start(&emu, &km_bigcommerce_type, cfg, clock,
                                       NULL, 0, err, sizeof(err)),
                     0);
    whole = km_emulator_snapshot(emu);
    some = km_emulator_snapshot_some(emu, &w);
    for (size_t i = 0; i < w.npointers; i++) {
        const cJSON *a = at(whole, p[i]), *b = at(some, p[i]);

        if (strcmp(p[i], "/products/40/sku") == 0) {
            assert_null(a); /* past the end in both */
            assert_null(b);
            continue;
        }
        assert_non_null(a);
        assert_non_null(b);
        assert_true(cJSON_Compare(a, b, 1));
    }
    /* Lengths stay those of the whole snapshot; entries not named are null;
     * members not named are left out. */
    assert_int_equal(cJSON_GetArraySize(at(some, "/products")), 40);
    assert_true(cJSON_IsNull(at(some, "/products/1")));
    assert_false(cJSON_IsNull(at(whole, "/products/1")));
    assert_null(at(some, "/deliveries"));
    assert_null(at(some, "/store_id"));
    assert_non_null(at(whole, "/store_id"));
    cJSON_Delete(whole);
    cJSON_Delete(some);
    km_emulator_stop(emu);
    ks_clock_free(clock);
    cJSON_Delete(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(members_and_entries_follow_the_pointers),
        cmocka_unit_test(restricted_snapshot_agrees_with_the_whole),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
