/* unit.sync.customers: Epicor customers to WooCommerce customers, matched
 * by id map then e-mail, batched, and unchanged ones not sent again. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "sx.h"

#define DATA                                                                   \
    "{\"EPIC06\":{\"customers\":["                                             \
    "{\"CustNum\":10,\"CustID\":\"ACME\",\"Name\":\"Acme Manufacturing\","     \
    "\"EMailAddress\":\"orders@acme.example\",\"City\":\"Minneapolis\"},"      \
    "{\"CustNum\":11,\"CustID\":\"BOLT\",\"Name\":\"Bolt\","                   \
    "\"EMailAddress\":\"ap@bolt.example\"},"                                   \
    "{\"CustNum\":12,\"CustID\":\"CASH\",\"Name\":\"Cash sale\"}]}}"

/* Three Epicor customers, and one WooCommerce customer with Bolt's
 * e-mail. */
static int setup_customers(void **state)
{
    return sx_setup_with(state, DATA, NULL,
                         "\"customers\":[{\"email\":\"ap@bolt.example\","
                         "\"first_name\":\"Old\"}]");
}

static const cJSON *wc_customer(cJSON **snap, struct sx *x, const char *email)
{
    const cJSON *all = kt_at(snap, x->wc, "customers"), *c;

    cJSON_ArrayForEach(c, all)
    {
        if (strcmp(cJSON_GetObjectItem(c, "email")->valuestring, email) == 0)
            return c;
    }
    return NULL;
}

static void customers_are_created_then_only_changes_sent(void **state)
{
    struct ks_sync_stats s;
    struct sx *x = *state;
    cJSON *snap = NULL;
    const cJSON *c;
    size_t before;

    assert_int_equal(ks_sync_customers_to_woocommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.read, 3);
    assert_int_equal(s.created, 1); /* ACME */
    assert_int_equal(s.updated, 1); /* Bolt, found by e-mail */
    assert_int_equal(s.skipped, 1); /* no e-mail */
    assert_int_equal(
        kt_count(x->wc->server, "POST /wp-json/wc/v3/customers/batch"), 1);
    c = wc_customer(&snap, x, "orders@acme.example");
    assert_non_null(c);
    assert_string_equal(cJSON_GetObjectItem(c, "first_name")->valuestring,
                        "Acme");
    assert_string_equal(cJSON_GetObjectItem(c, "last_name")->valuestring,
                        "Manufacturing");
    cJSON_Delete(snap);
    c = wc_customer(&snap, x, "ap@bolt.example");
    assert_string_equal(cJSON_GetObjectItem(c, "first_name")->valuestring,
                        "Bolt");
    cJSON_Delete(snap);
    assert_int_equal(cJSON_GetArraySize(kt_at(&snap, x->wc, "customers")), 2);
    cJSON_Delete(snap);

    before = kt_count(x->wc->server, "*");
    assert_int_equal(ks_sync_customers_to_woocommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.read, 0);
    assert_int_equal(kt_count(x->wc->server, "*"), before);

    /* a change Epicor makes that the store does not show: no write */
    cJSON_Delete(kt_act(x->epi, "change_row",
                        "{\"entity_set\":\"Customers\",\"keys\":[10],"
                        "\"fields\":{\"TermsCode\":\"N30\"}}"));
    cJSON_Delete(kt_act(x->epi, "change_row",
                        "{\"entity_set\":\"Customers\",\"keys\":[11],"
                        "\"fields\":{\"City\":\"Duluth\"}}"));
    assert_int_equal(ks_sync_customers_to_woocommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.read, 2);
    assert_int_equal(s.unchanged, 1);
    assert_int_equal(s.updated, 1);
    c = wc_customer(&snap, x, "ap@bolt.example");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(c, "billing"), "city")
            ->valuestring,
        "Duluth");
    cJSON_Delete(snap);
    assert_int_equal(sx_audit(x, "customers.woocommerce", "ok"), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SX_TEST_WITH(customers_are_created_then_only_changes_sent,
                     setup_customers),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
