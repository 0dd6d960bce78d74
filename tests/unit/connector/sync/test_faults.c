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

static void place(struct sx *x, char po[32])
{
    cJSON *o = kt_act(x->bc, "place_order", ORDER);

    snprintf(po, 32, "BC-%lld",
             (long long)cJSON_GetObjectItem(o, "id")->valuedouble);
    cJSON_Delete(o);
}

static int lines_of(struct sx *x, const char *po)
{
    cJSON *snap = NULL;
    const cJSON *all = kt_at(&snap, x->epi, "companies/EPIC06/SalesOrders"), *o;
    int n = -1;

    cJSON_ArrayForEach(o, all)
    {
        if (strcmp(cJSON_GetObjectItem(o, "PONum")->valuestring, po) == 0)
            n = cJSON_GetArraySize(cJSON_GetObjectItem(o, "OrderDtls"));
    }
    cJSON_Delete(snap);
    return n;
}

static void transient_faults_on_every_system_are_ridden_out(void **s0)
{
    struct ks_sync_stats s;
    struct sx x;
    char po[32];

    (void)s0;
    sx_start(&x, NULL, NULL, NULL);
    place(&x, po);
    kt_faults(x.bc->server,
              "[{\"route\":\"GET /stores/sx1/v2/orders\",\"nth\":1,"
              "\"status\":429,\"headers\":{\"X-Rate-Limit-Time-Reset-Ms\":"
              "\"1500\"}},{\"route\":\"GET /stores/sx1/v2/orders/*\","
              "\"nth\":1,\"status\":503}]");
    kt_faults(x.epi->server,
              "[{\"route\":\"GET */Erp.BO.CustomerSvc/Customers*\","
              "\"nth\":1,\"status\":401},{\"route\":\"POST "
              "*/Erp.BO.SalesOrderSvc/MasterUpdate\",\"nth\":2,"
              "\"status\":503}]");
    assert_int_equal(ks_sync_orders_from_bigcommerce(&s, x.sync), KS_OK);
    assert_int_equal(s.created, 1);
    assert_int_equal(s.failed, 0);
    assert_int_equal(sx_orders_with_po(&x, po), 1);
    assert_int_equal(lines_of(&x, po), 2);
    /* each fault cost exactly one repeat */
    assert_int_equal(kt_count(x.bc->server, "GET /stores/sx1/v2/orders"), 2);
    assert_int_equal(
        kt_count(x.epi->server, "POST */Erp.BO.SalesOrderSvc/MasterUpdate"), 4);
    sx_stop(&x);
}

static void epicor_down_at_the_write_then_back(void **s0)
{
    struct ks_sync_stats s;
    struct ks_intent in;
    struct sx x;
    char po[32];

    (void)s0;
    sx_start(&x, NULL, NULL, NULL);
    place(&x, po);
    kt_faults(x.epi->server,
              "{\"route\":\"POST */Erp.BO.SalesOrderSvc/GetNewOrderHed\","
              "\"status\":503}");
    assert_int_equal(ks_sync_orders_from_bigcommerce(&s, x.sync), KS_EUNAVAIL);
    assert_int_equal(ks_sync_last_error(x.sync)->http_status, 503);
    assert_int_equal(sx_orders_with_po(&x, po), 0);
    /* the order is not lost: its intent waits, the cursor did not pass it */
    assert_int_equal(ks_store_intent_get(&in, x.st, "order", po), KS_OK);
    assert_int_equal(in.state, KS_INTENT_PENDING);
    km_server_faults_clear(x.epi->server);
    assert_int_equal(ks_sync_orders_from_bigcommerce(&s, x.sync), KS_OK);
    assert_int_equal(s.created, 1);
    assert_int_equal(sx_orders_with_po(&x, po), 1);
    assert_int_equal(lines_of(&x, po), 2);
    sx_stop(&x);
}

static void epicor_down_between_header_and_lines_is_never_doubled(void **s0)
{
    struct ks_sync_stats s;
    struct sx x;
    char po[32];
    struct ks_audit_filter f = {"orders.bigcommerce", "failed", 0};
    int64_t n = 0;

    (void)s0;
    sx_start(&x, NULL, NULL, NULL);
    place(&x, po);
    /* the header saves, every line save fails */
    kt_faults(x.epi->server,
              "{\"route\":\"POST */Erp.BO.SalesOrderSvc/MasterUpdate\","
              "\"after\":1,\"status\":503}");
    assert_int_equal(ks_sync_orders_from_bigcommerce(&s, x.sync), KS_EUNAVAIL);
    assert_int_equal(lines_of(&x, po), 0);
    km_server_faults_clear(x.epi->server);
    /* the rerun finds the half-written order by PONum and hands it to a
     * person instead of writing a second one */
    assert_int_equal(ks_sync_orders_from_bigcommerce(&s, x.sync), KS_OK);
    assert_int_equal(s.failed, 1);
    assert_int_equal(sx_orders_with_po(&x, po), 1);
    assert_int_equal(ks_store_audit_count(&n, x.st, &f), KS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ks_sync_replay_failed(&s, x.sync), KS_OK);
    assert_int_equal(sx_orders_with_po(&x, po), 1);
    sx_stop(&x);
}

static void storefront_down_mid_catalog_then_back(void **s0)
{
    struct ks_sync_stats s;
    struct sx x;
    cJSON *snap = NULL;

    (void)s0;
    sx_start(&x, NULL, NULL, NULL);
    kt_faults(x.wc->server, "{\"route\":\"POST /wp-json/wc/v3/products/batch\","
                            "\"status\":503}");
    assert_int_equal(ks_sync_parts_to_woocommerce(&s, x.sync), KS_EUNAVAIL);
    km_server_faults_clear(x.wc->server);
    assert_int_equal(ks_sync_parts_to_woocommerce(&s, x.sync), KS_OK);
    assert_int_equal(s.created, 3);
    assert_int_equal(cJSON_GetArraySize(kt_at(&snap, x.wc, "products")), 3);
    cJSON_Delete(snap);
    sx_stop(&x);
}

static void rejected_credentials_stop_the_run_and_lose_nothing(void **s0)
{
    struct ks_sync_stats s;
    struct sx x;
    char po[32];

    (void)s0;
    sx_start(&x, NULL, NULL, NULL);
    place(&x, po);
    kt_faults(x.bc->server, "{\"route\":\"GET /stores/sx1/v2/orders/*\","
                            "\"status\":401}");
    assert_int_equal(ks_sync_orders_from_bigcommerce(&s, x.sync), KS_EAUTH);
    assert_int_equal(sx_orders_with_po(&x, po), 0);
    km_server_faults_clear(x.bc->server);
    assert_int_equal(ks_sync_orders_from_bigcommerce(&s, x.sync), KS_OK);
    assert_int_equal(sx_orders_with_po(&x, po), 1);
    sx_stop(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(transient_faults_on_every_system_are_ridden_out),
        cmocka_unit_test(epicor_down_at_the_write_then_back),
        cmocka_unit_test(epicor_down_between_header_and_lines_is_never_doubled),
        cmocka_unit_test(storefront_down_mid_catalog_then_back),
        cmocka_unit_test(rejected_credentials_stop_the_run_and_lose_nothing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
