/* unit.connector.adobe.alloc: every allocation of the client failing in
 * turn (the emulator allocates outside ks__malloc and is unaffected):
 * the calls return KS_ENOMEM or succeed, never crash, and leak nothing
 * (ASan). A fresh handle each time, so token fetches are exercised. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "core/internal.h"
#include "ka.h"

#define DATA                                                                   \
    "\"products\":[{\"sku\":\"A\",\"name\":\"A\",\"price\":5}],"               \
    "\"orders\":[{\"customer_email\":\"b@x.example\",\"items\":[{\"sku\":"     \
    "\"A\",\"qty_ordered\":100000}]},{\"customer_email\":\"c@x.example\","     \
    "\"items\":[{\"sku\":\"A\",\"qty_ordered\":1}]},{\"customer_email\":"      \
    "\"d@x.example\",\"items\":[{\"sku\":\"A\",\"qty_ordered\":1}]}]"

typedef ks_rc (*op_fn)(struct ks_adobe *ad);

static ks_rc op_search(struct ks_adobe *ad)
{
    struct ks_adobe_search *s = NULL;
    struct ks_adobe_list_stats st = {0, 0, 0};
    ks_rc rc = ks_adobe_search_new(&s);

    if (!rc)
        rc = ks_adobe_search_filter(s, "customer_email", KS_ADOBE_LIKE, "%x%");
    if (!rc)
        rc = ks_adobe_search_and(s);
    if (!rc)
        rc = ks_adobe_search_filter(s, "status", KS_ADOBE_NOTNULL, NULL);
    if (!rc)
        rc = ks_adobe_search_sort(s, "entity_id", 0);
    if (!rc) {
        ks_adobe_search_page(s, 2, 0);
        rc = ks_adobe_search_each(ad, "orders", s, NULL, NULL, &st);
    }
    if (!rc)
        assert_int_equal(st.delivered, 3);
    ks_adobe_search_free(s);
    return rc;
}

static ks_rc op_order(struct ks_adobe *ad)
{
    cJSON *found = NULL, *saved = NULL;
    ks_rc rc = ks_adobe_order_find(&found, ad, "000000002");

    if (!rc)
        rc = ks_adobe_custom_attribute_set(found, "epicor_po", "PO-1");
    if (!rc)
        rc = ks_adobe_order_save(&saved, ad, found);
    cJSON_Delete(found);
    cJSON_Delete(saved);
    return rc;
}

static ks_rc op_invoice(struct ks_adobe *ad)
{
    cJSON *items = cJSON_Parse("[{\"order_item_id\":1,\"qty\":1}]");
    int64_t id = 0;
    ks_rc rc =
        items ? ks_adobe_invoice_create(&id, ad, 1, items, 1) : KS_ENOMEM;

    cJSON_Delete(items);
    return rc;
}

static ks_rc op_error(struct ks_adobe *ad)
{
    cJSON *c = NULL;
    ks_rc rc = ks_adobe_company_get(&c, ad, 99);

    /* the error path (message with placeholders) is what is tortured */
    return rc == KS_ENOTFOUND ? KS_OK : rc;
}

/* Runs op with the n-th allocation failing, n = 1.. until it succeeds
 * with no failure injected. */
static void torture(op_fn op, enum ks_adobe_auth auth, const char *extra)
{
    struct ka_env env;
    int done = 0;
    uint64_t n;

    ka_start(&env, extra, auth);
    for (n = 1; n < 20000 && !done; n++) {
        struct ks_adobe_options o = KS_ADOBE_OPTIONS_INIT;
        ks_rc rc;

        ks_adobe_free(env.ad);
        env.ad = NULL;
        ks__alloc_fail_at(n);
        ka_options(&o, km_server_url(env.emu->server), auth);
        rc = ks_adobe_new(&env.ad, env.client, &o);
        if (!rc)
            rc = op(env.ad);
        done = ks__alloc_count() < n; /* no failure was injected */
        ks__alloc_fail_at(0);
        if (rc != KS_OK && rc != KS_ENOMEM)
            fail_msg("allocation %llu: %s (%s)", (unsigned long long)n,
                     ks_rc_name(rc), ks_client_last_error(env.client)->message);
        if (done)
            assert_int_equal(rc, KS_OK);
    }
    assert_true(done);
    /* the operation allocates: failures were injected at every step */
    assert_true(n > 20);
    ka_stop(&env);
}

static void search_survives_every_allocation_failure(void **state)
{
    (void)state;
    torture(op_search, KS_ADOBE_AUTH_OAUTH1, DATA);
}

static void order_update_survives_every_allocation_failure(void **state)
{
    (void)state;
    torture(op_order, KS_ADOBE_AUTH_ADMIN, DATA);
}

static void invoice_survives_every_allocation_failure(void **state)
{
    (void)state;
    torture(op_invoice, KS_ADOBE_AUTH_OAUTH1, DATA);
}

static void ims_error_path_survives_every_allocation_failure(void **state)
{
    (void)state;
    torture(op_error, KS_ADOBE_AUTH_IMS, "\"deployment\":\"saas\"," DATA);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(search_survives_every_allocation_failure),
        cmocka_unit_test(order_update_survives_every_allocation_failure),
        cmocka_unit_test(invoice_survives_every_allocation_failure),
        cmocka_unit_test(ims_error_path_survives_every_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
