/* unit.sync.parts: Epicor parts, prices and stock to BigCommerce and
 * WooCommerce products: a full sync, an incremental one with nothing
 * changed, and one after a price and a stock change. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "sx.h"

static double num(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

    if (cJSON_IsString(v))
        return strtod(v->valuestring, NULL);
    assert_true(cJSON_IsNumber(v));
    return v->valuedouble;
}

static void full_catalog_sync_to_bigcommerce(void **state)
{
    struct ks_sync_stats s;
    struct sx *x = *state;
    cJSON *snap = NULL;
    const cJSON *p;

    assert_int_equal(ks_sync_parts_to_bigcommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.created, 3);
    assert_int_equal(s.updated, 3); /* the three stock levels */
    assert_int_equal(s.failed, 0);
    assert_int_equal(
        kt_count(x->bc->server, "POST /stores/sx1/v3/catalog/products"), 3);
    /* one absolute adjustment carries all three stock levels */
    assert_int_equal(
        kt_count(x->bc->server,
                 "PUT /stores/sx1/v3/inventory/adjustments/absolute"),
        1);

    p = sx_product(&snap, x->bc, "WIDGET-100");
    assert_string_equal(cJSON_GetObjectItem(p, "name")->valuestring,
                        "Widget 100");
    assert_int_equal((long)(num(p, "price") * 100 + 0.5), 1250);
    assert_int_equal((long)num(p, "inventory_level"), 150); /* MAIN + EAST */
    cJSON_Delete(snap);
    p = sx_product(&snap, x->bc, "WIDGET-200");
    assert_int_equal((long)(num(p, "price") * 100 + 0.5), 1995);
    assert_int_equal((long)num(p, "inventory_level"), 0);
    cJSON_Delete(snap);
    p = sx_product(&snap, x->bc, "GADGET-1");
    assert_int_equal((long)num(p, "inventory_level"), 7);
    cJSON_Delete(snap);
    /* every product and every stock level has an audit row */
    assert_int_equal(sx_audit(x, "parts.bigcommerce", "ok"), 6);
}

static void incremental_sync_without_changes_reads_once_per_entity(void **state)
{
    struct ks_sync_stats s;
    struct sx *x = *state;
    size_t epi_before, bc_before;

    assert_int_equal(ks_sync_parts_to_bigcommerce(&s, x->sync), KS_OK);
    epi_before = kt_count(x->epi->server, "*");
    bc_before = kt_count(x->bc->server, "*");
    assert_int_equal(ks_sync_parts_to_bigcommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.read, 0);
    assert_int_equal(s.created + s.updated + s.failed, 0);
    /* one Parts read and one PartWhses read, nothing sent to the store */
    assert_int_equal(kt_count(x->epi->server, "*") - epi_before, 2);
    assert_int_equal(
        kt_count(x->epi->server, "GET */Erp.BO.PartSvc/Parts*") +
            kt_count(x->epi->server, "GET */Erp.BO.PartSvc/PartWhses*"),
        4);
    assert_int_equal(kt_count(x->bc->server, "*") - bc_before, 0);
}

static void price_and_stock_changes_are_sent_alone(void **state)
{
    struct ks_sync_stats s;
    struct sx *x = *state;
    cJSON *snap = NULL, *r;
    const cJSON *p;

    assert_int_equal(ks_sync_parts_to_bigcommerce(&s, x->sync), KS_OK);
    r = kt_act(x->epi, "change_part",
               "{\"part_num\":\"WIDGET-200\",\"fields\":{\"UnitPrice\":21.1}}");
    cJSON_Delete(r);
    r = kt_act(
        x->epi, "change_part",
        "{\"part_num\":\"GADGET-1\",\"fields\":{\"CommentText\":\"x\"}}");
    cJSON_Delete(r);
    r = kt_act(x->epi, "set_on_hand",
               "{\"part_num\":\"WIDGET-100\",\"warehouse\":\"EAST\","
               "\"qty\":5}");
    cJSON_Delete(r);
    assert_int_equal(ks_sync_parts_to_bigcommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.created, 0);
    assert_int_equal(s.updated, 2); /* WIDGET-200's price, WIDGET-100's stock */
    assert_int_equal(s.unchanged,
                     1); /* GADGET-1: a comment moved its SysRevID */
    assert_int_equal(
        kt_count(x->bc->server, "PUT /stores/sx1/v3/catalog/products"), 1);
    p = sx_product(&snap, x->bc, "WIDGET-200");
    assert_int_equal((long)(num(p, "price") * 100 + 0.5), 2110);
    cJSON_Delete(snap);
    p = sx_product(&snap, x->bc, "WIDGET-100");
    assert_int_equal((long)num(p, "inventory_level"), 125);
    cJSON_Delete(snap);
}

/* BigCommerce already sells WIDGET-100, made by hand. */
static int setup_store_with_widget_100(void **state)
{
    return sx_setup_with(
        state, NULL,
        "\"products\":[{\"name\":\"Old widget\",\"type\":\"physical\","
        "\"sku\":\"WIDGET-100\",\"price\":1,\"weight\":1,"
        "\"inventory_tracking\":\"product\"}]",
        NULL);
}

static void an_existing_store_product_is_matched_by_sku(void **state)
{
    struct ks_sync_stats s;
    struct sx *x = *state;

    assert_int_equal(ks_sync_parts_to_bigcommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.created, 2);
    assert_int_equal(s.updated, 1 + 3);
    assert_int_equal(
        kt_count(x->bc->server, "POST /stores/sx1/v3/catalog/products"), 2);
    assert_int_equal(kt_size(x->bc, "products"), 3);
}

static void full_and_incremental_sync_to_woocommerce(void **state)
{
    struct ks_sync_stats s;
    struct sx *x = *state;
    cJSON *snap = NULL, *r;
    const cJSON *p;
    size_t before;

    assert_int_equal(ks_sync_parts_to_woocommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.created, 3);
    assert_int_equal(s.updated, 3);
    /* one batch for the products, one for the stock */
    assert_int_equal(
        kt_count(x->wc->server, "POST /wp-json/wc/v3/products/batch"), 2);
    p = sx_product(&snap, x->wc, "WIDGET-200");
    assert_string_equal(cJSON_GetObjectItem(p, "regular_price")->valuestring,
                        "19.95");
    cJSON_Delete(snap);
    p = sx_product(&snap, x->wc, "WIDGET-100");
    assert_int_equal((long)num(p, "stock_quantity"), 150);
    cJSON_Delete(snap);

    before = kt_count(x->wc->server, "*");
    assert_int_equal(ks_sync_parts_to_woocommerce(&s, x->sync), KS_OK);
    assert_int_equal(kt_count(x->wc->server, "*"), before);
    assert_int_equal(s.created + s.updated, 0);

    r = kt_act(x->epi, "change_part",
               "{\"part_num\":\"GADGET-1\",\"fields\":{\"UnitPrice\":99.99}}");
    cJSON_Delete(r);
    assert_int_equal(ks_sync_parts_to_woocommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.updated, 1);
    p = sx_product(&snap, x->wc, "GADGET-1");
    assert_string_equal(cJSON_GetObjectItem(p, "regular_price")->valuestring,
                        "99.99");
    cJSON_Delete(snap);
}

static void inactive_part_hides_its_product_and_is_not_created(void **state)
{
    struct ks_sync_stats s;
    struct sx *x = *state;
    cJSON *snap = NULL;
    const cJSON *p;

    assert_int_equal(ks_sync_parts_to_bigcommerce(&s, x->sync), KS_OK);
    assert_int_equal(ks_sync_parts_to_woocommerce(&s, x->sync), KS_OK);
    cJSON_Delete(kt_act(x->epi, "change_part",
                        "{\"part_num\":\"GADGET-1\",\"fields\":{"
                        "\"InActive\":true}}"));
    cJSON_Delete(kt_act(x->epi, "add_part",
                        "{\"PartNum\":\"OLD-9\",\"PartDescription\":\"Old\","
                        "\"UnitPrice\":1,\"InActive\":true}"));
    assert_int_equal(ks_sync_parts_to_bigcommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.updated, 1);
    assert_int_equal(s.skipped, 1);
    assert_int_equal(s.created, 0);
    p = sx_product(&snap, x->bc, "GADGET-1");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(p, "is_visible")));
    cJSON_Delete(snap);
    assert_int_equal(kt_size(x->bc, "products"), 3);
    assert_int_equal(ks_sync_parts_to_woocommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.updated, 1);
    assert_int_equal(s.skipped, 1);
    p = sx_product(&snap, x->wc, "GADGET-1");
    assert_string_equal(cJSON_GetObjectItem(p, "status")->valuestring, "draft");
    cJSON_Delete(snap);

    /* active again: visible again */
    cJSON_Delete(kt_act(x->epi, "change_part",
                        "{\"part_num\":\"GADGET-1\",\"fields\":{"
                        "\"InActive\":false}}"));
    assert_int_equal(ks_sync_parts_to_bigcommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.updated, 1);
    p = sx_product(&snap, x->bc, "GADGET-1");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(p, "is_visible")));
    cJSON_Delete(snap);
}

/* 250 generated parts (and a PartWhse each): the companies object is
 * followed by the emulator's "generate" option in the same text. */
static int setup_250_parts(void **state)
{
    return sx_setup_with(
        state, "{\"EPIC06\":{}},\"generate\":{\"parts\":250,\"seed\":3}", NULL,
        NULL);
}

/* The catalogue goes in batches of KS__SYNC_BATCH parts, the cursor moving
 * after each: a run that fails in its second batch keeps the first, and
 * the next run resumes there, with no product made twice. */
static void catalogue_streams_in_batches_and_resumes(void **state)
{
    struct ks_sync_stats s;
    struct sx *x = *state;
    size_t parts_reads;

    /* every create after the 120th fails for good */
    kt_faults(x->bc->server,
              "{\"route\": \"POST /stores/*/v3/catalog/products\","
              " \"after\": 120, \"status\": 503}");
    assert_int_equal(ks_sync_parts_to_bigcommerce(&s, x->sync), KS_EUNAVAIL);
    assert_int_equal(s.created, 120);
    km_server_faults_clear(x->bc->server);
    parts_reads = kt_count(x->epi->server, "GET */Erp.BO.PartSvc/Parts");
    assert_int_equal(ks_sync_parts_to_bigcommerce(&s, x->sync), KS_OK);
    /* the first batch stayed done: only parts 101..250 were read again,
     * and 101..120 were found made already */
    assert_int_equal(s.created, 130);
    assert_int_equal(s.read - 250, 150); /* 150 parts + 250 stock rows */
    assert_int_equal(kt_count(x->epi->server, "GET */Erp.BO.PartSvc/Parts") -
                         parts_reads,
                     2); /* a batch of 100, then the last 50 */
    assert_int_equal(kt_size(x->bc, "products"), 250);
}

/* A stock change in one of a part's warehouses is folded into the part's
 * total without reading its other warehouses again. */
static void one_warehouse_change_moves_the_total(void **state)
{
    struct ks_sync_stats s;
    struct sx *x = *state;
    cJSON *snap = NULL, *r;
    size_t whse_reads;

    assert_int_equal(ks_sync_parts_to_bigcommerce(&s, x->sync), KS_OK);
    r = kt_act(x->epi, "set_on_hand",
               "{\"part_num\": \"WIDGET-100\", \"warehouse\": \"EAST\","
               " \"qty\": 5}");
    cJSON_Delete(r);
    whse_reads = kt_count(x->epi->server, "GET */Erp.BO.PartSvc/PartWhses*");
    assert_int_equal(ks_sync_parts_to_bigcommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.updated, 1);
    assert_int_equal(
        kt_count(x->epi->server, "GET */Erp.BO.PartSvc/PartWhses*") -
            whse_reads,
        1);
    assert_int_equal(
        (long)num(sx_product(&snap, x->bc, "WIDGET-100"), "inventory_level"),
        125); /* MAIN 120 + EAST 5 */
    cJSON_Delete(snap);
}

/* A create whose reply is lost after the store made the product is sent
 * again; the store answers 409 for the SKU and the part is matched to
 * the product that exists: one product, no outbox entry. */
static void lost_create_reply_is_resent_and_matched(void **state)
{
    struct ks_sync_stats s;
    struct sx *x = *state;

    kt_faults(x->bc->server,
              "{\"route\": \"POST /stores/*/v3/catalog/products\","
              " \"nth\": 1, \"action\": \"truncate\"}");
    assert_int_equal(ks_sync_parts_to_bigcommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.failed, 0);
    assert_int_equal(s.created, 2);
    assert_int_equal(s.unchanged, 1); /* the matched one */
    assert_int_equal(
        kt_count(x->bc->server, "POST /stores/sx1/v3/catalog/products"), 4);
    assert_int_equal(kt_size(x->bc, "products"), 3);
    assert_int_equal(sx_audit(x, "parts.bigcommerce", "ok"), 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SX_TEST(full_catalog_sync_to_bigcommerce),
        SX_TEST_WITH(catalogue_streams_in_batches_and_resumes, setup_250_parts),
        SX_TEST(one_warehouse_change_moves_the_total),
        SX_TEST(lost_create_reply_is_resent_and_matched),
        SX_TEST(incremental_sync_without_changes_reads_once_per_entity),
        SX_TEST(price_and_stock_changes_are_sent_alone),
        SX_TEST_WITH(an_existing_store_product_is_matched_by_sku,
                     setup_store_with_widget_100),
        SX_TEST(full_and_incremental_sync_to_woocommerce),
        SX_TEST(inactive_part_hides_its_product_and_is_not_created),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
