/* unit.sync.faults: 401, 429 and 503 on the endpoints the flows use;
 * nothing is lost and nothing is written twice. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "sx.h"

#define ORDER                                                                  \
    "{\"billing_address\":{\"email\":\"orders@acme.example\"},\"products\":["  \
    "{\"sku\":\"WIDGET-100\",\"quantity\":3,\"price\":12.5},"                  \
    "{\"sku\":\"GADGET-1\",\"quantity\":1,\"price\":149}]}"

/* Places ORDER on BigCommerce, adds the fault rules of each server (NULL:
 * none) and runs the order import, which must return rc; po receives the
 * order's PONum. */
static void import_under_faults(struct ks_sync_stats *s, char *po, struct sx *x,
                                const char *bc_rules, const char *epi_rules,
                                ks_rc rc)
{
    sx_place_order(po, x, x->bc, ORDER);
    if (bc_rules)
        kt_faults(x->bc->server, bc_rules);
    if (epi_rules)
        kt_faults(x->epi->server, epi_rules);
    assert_int_equal(ks_sync_orders_from_bigcommerce(s, x->sync), rc);
}

/* The systems are back: their faults go and the import runs again, OK. */
static void import_again(struct ks_sync_stats *s, struct sx *x)
{
    km_server_faults_clear(x->bc->server);
    km_server_faults_clear(x->epi->server);
    assert_int_equal(ks_sync_orders_from_bigcommerce(s, x->sync), KS_OK);
}

/* How many lines the one Epicor sales order with PONum po has. */
static int lines_of(struct sx *x, const char *po)
{
    cJSON *snap = NULL;
    int n = cJSON_GetArraySize(
        cJSON_GetObjectItem(sx_epicor_order(&snap, x, po), "OrderDtls"));

    cJSON_Delete(snap);
    return n;
}

static void transient_faults_on_every_system_are_ridden_out(void **state)
{
    struct ks_sync_stats s;
    struct sx *x = *state;
    char po[SX_PO_SIZE];

    import_under_faults(
        &s, po, x,
        "[{\"route\":\"GET /stores/sx1/v2/orders\",\"nth\":1,"
        "\"status\":429,\"headers\":{\"X-Rate-Limit-Time-Reset-Ms\":"
        "\"1500\"}},{\"route\":\"GET /stores/sx1/v2/orders/*\","
        "\"nth\":1,\"status\":503}]",
        "[{\"route\":\"GET */Erp.BO.CustomerSvc/Customers*\","
        "\"nth\":1,\"status\":401},{\"route\":\"POST "
        "*/Erp.BO.SalesOrderSvc/MasterUpdate\",\"nth\":2,"
        "\"status\":503}]",
        KS_OK);
    assert_int_equal(s.created, 1);
    assert_int_equal(s.failed, 0);
    assert_int_equal(sx_orders_with_po(x, po), 1);
    assert_int_equal(lines_of(x, po), 2);
    /* each fault cost exactly one repeat */
    assert_int_equal(kt_count(x->bc->server, "GET /stores/sx1/v2/orders"), 2);
    assert_int_equal(
        kt_count(x->epi->server, "POST */Erp.BO.SalesOrderSvc/MasterUpdate"),
        4);
}

static void epicor_down_at_the_write_then_back(void **state)
{
    struct ks_sync_stats s;
    struct ks_intent in;
    struct sx *x = *state;
    char po[SX_PO_SIZE];

    import_under_faults(
        &s, po, x, NULL,
        "{\"route\":\"POST */Erp.BO.SalesOrderSvc/GetNewOrderHed\","
        "\"status\":503}",
        KS_EUNAVAIL);
    assert_int_equal(ks_sync_last_error(x->sync)->http_status, 503);
    assert_int_equal(sx_orders_with_po(x, po), 0);
    /* the order is not lost: its intent waits, the cursor did not pass it */
    assert_int_equal(ks_store_intent_get(&in, x->st, "order", po), KS_OK);
    assert_int_equal(in.state, KS_INTENT_PENDING);
    import_again(&s, x);
    assert_int_equal(s.created, 1);
    assert_int_equal(sx_orders_with_po(x, po), 1);
    assert_int_equal(lines_of(x, po), 2);
}

static void epicor_down_between_header_and_lines_is_never_doubled(void **state)
{
    struct ks_sync_stats s;
    struct sx *x = *state;
    char po[SX_PO_SIZE];

    /* the header saves, every line save fails */
    import_under_faults(
        &s, po, x, NULL,
        "{\"route\":\"POST */Erp.BO.SalesOrderSvc/MasterUpdate\","
        "\"after\":1,\"status\":503}",
        KS_EUNAVAIL);
    assert_int_equal(lines_of(x, po), 0);
    /* the rerun finds the half-written order by PONum and adds the lines
     * it lacks instead of writing a second order or asking a person */
    import_again(&s, x);
    assert_int_equal(s.failed, 0);
    assert_int_equal(s.created, 1);
    assert_int_equal(sx_orders_with_po(x, po), 1);
    assert_int_equal(lines_of(x, po), 2);
    assert_int_equal(sx_audit(x, "orders.bigcommerce", "failed"), 0);
    assert_int_equal(kt_count(x->epi->server, "POST */GetNewOrderHed"), 1);
    import_again(&s, x);
    assert_int_equal(sx_orders_with_po(x, po), 1);
    assert_int_equal(lines_of(x, po), 2);
}

static void storefront_down_mid_catalog_then_back(void **state)
{
    struct ks_sync_stats s;
    struct sx *x = *state;

    kt_faults(x->wc->server,
              "{\"route\":\"POST /wp-json/wc/v3/products/batch\","
              "\"status\":503}");
    assert_int_equal(ks_sync_parts_to_woocommerce(&s, x->sync), KS_EUNAVAIL);
    km_server_faults_clear(x->wc->server);
    assert_int_equal(ks_sync_parts_to_woocommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.created, 3);
    assert_int_equal(kt_size(x->wc, "products"), 3);
}

static void rejected_credentials_stop_the_run_and_lose_nothing(void **state)
{
    struct ks_sync_stats s;
    struct sx *x = *state;
    char po[SX_PO_SIZE];

    import_under_faults(&s, po, x,
                        "{\"route\":\"GET /stores/sx1/v2/orders/*\","
                        "\"status\":401}",
                        NULL, KS_EAUTH);
    assert_int_equal(sx_orders_with_po(x, po), 0);
    import_again(&s, x);
    assert_int_equal(sx_orders_with_po(x, po), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SX_TEST(transient_faults_on_every_system_are_ridden_out),
        SX_TEST(epicor_down_at_the_write_then_back),
        SX_TEST(epicor_down_between_header_and_lines_is_never_doubled),
        SX_TEST(storefront_down_mid_catalog_then_back),
        SX_TEST(rejected_credentials_stop_the_run_and_lose_nothing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
