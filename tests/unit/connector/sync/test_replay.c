/* unit.sync.replay: records that cannot be mapped or written go to the
 * outbox with a clear reason, never silently dropped, and a replay after
 * the cause is fixed writes each of them exactly once. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "sx.h"

struct first {
    char reason[512];
    char source[256];
    int attempts;
    int n;
};

static int first_item(const struct ks_outbox_item *it, void *ud)
{
    struct first *f = ud;

    if (f->n++ == 0) {
        snprintf(f->reason, sizeof(f->reason), "%s", it->reason);
        snprintf(f->source, sizeof(f->source), "%s", it->source_id);
        f->attempts = it->attempts;
    }
    return 0;
}

static struct first outbox(struct sx *x)
{
    struct first f;

    memset(&f, 0, sizeof(f));
    assert_int_equal(ks_store_outbox_each(x->st, NULL, first_item, &f), KS_OK);
    return f;
}

/* Places order (JSON text) on store (x->bc or x->wc) and runs that
 * store's order import, which goes through with the order failed and
 * queued; po (may be NULL) receives its PONum. */
static void import_failing(struct ks_sync_stats *s, char *po, struct sx *x,
                           struct km_emulator *store, const char *order)
{
    sx_place_order(po, x, store, order);
    assert_int_equal(store == x->bc
                         ? ks_sync_orders_from_bigcommerce(s, x->sync)
                         : ks_sync_orders_from_woocommerce(s, x->sync),
                     KS_OK);
    assert_int_equal(s->failed, 1);
}

static void unknown_sku_is_queued_then_replayed_once(void **state)
{
    struct ks_sync_stats s;
    struct first f;
    struct sx *x = *state;
    cJSON *snap = NULL;
    const cJSON *line;
    char po[SX_PO_SIZE];

    import_failing(&s, po, x, x->bc,
                   "{\"billing_address\":{\"email\":\"orders@acme.example\"},"
                   "\"products\":[{\"sku\":\"WIDGET-100\",\"quantity\":1,"
                   "\"price\":12.5},{\"sku\":\"WEB-W100\",\"quantity\":2,"
                   "\"price\":12.5}]}");
    assert_int_equal(s.created, 0);
    /* the run went through: the record's failure is in stats, not here */
    assert_int_equal(ks_sync_last_error(x->sync)->rc, KS_OK);
    assert_int_equal(sx_orders_with_po(x, po), 0);
    f = outbox(x);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.source, po);
    assert_non_null(strstr(f.reason, "unknown SKU 'WEB-W100' on line 2"));
    assert_int_equal(sx_audit(x, "orders.bigcommerce", "failed"), 1);

    /* nothing fixed yet: it stays, one attempt more */
    assert_int_equal(ks_sync_replay_failed(&s, x->sync), KS_OK);
    assert_int_equal(s.failed, 1);
    f = outbox(x);
    assert_int_equal(f.n, 1);
    assert_int_equal(f.attempts, 2);
    assert_int_equal(sx_orders_with_po(x, po), 0);

    /* the mapping is fixed: the replay writes it, once */
    assert_int_equal(
        ks_store_map_put(x->st, "sku_part", "WEB-W100", "WIDGET-100"), KS_OK);
    assert_int_equal(ks_sync_replay_failed(&s, x->sync), KS_OK);
    assert_int_equal(s.created, 1);
    assert_int_equal(outbox(x).n, 0);
    assert_int_equal(sx_orders_with_po(x, po), 1);
    line = kt_at(&snap, x->epi, "companies/EPIC06/SalesOrders/0/OrderDtls/1");
    assert_string_equal(cJSON_GetObjectItem(line, "PartNum")->valuestring,
                        "WIDGET-100");
    cJSON_Delete(snap);

    assert_int_equal(ks_sync_replay_failed(&s, x->sync), KS_OK);
    assert_int_equal(s.read + s.created + s.failed, 0);
    assert_int_equal(ks_sync_orders_from_bigcommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.created, 0);
    assert_int_equal(sx_orders_with_po(x, po), 1);
}

static void a_new_part_in_epicor_fixes_the_sku_too(void **state)
{
    struct ks_sync_stats s;
    struct sx *x = *state;

    import_failing(&s, NULL, x, x->wc,
                   "{\"billing\":{\"email\":\"orders@acme.example\"},"
                   "\"line_items\":[{\"sku\":\"NEW-1\",\"quantity\":1,"
                   "\"price\":5}]}");
    cJSON_Delete(kt_act(x->epi, "add_part",
                        "{\"PartNum\":\"NEW-1\",\"PartDescription\":\"New\","
                        "\"UnitPrice\":5}"));
    assert_int_equal(ks_sync_replay_failed(&s, x->sync), KS_OK);
    assert_int_equal(s.created, 1);
    assert_int_equal(outbox(x).n, 0);
}

static void totals_that_do_not_add_up_are_not_imported(void **state)
{
    struct ks_sync_stats s;
    struct sx *x = *state;

    /* a 10.00 discount the lines do not show */
    import_failing(&s, NULL, x, x->wc,
                   "{\"billing\":{\"email\":\"orders@acme.example\"},"
                   "\"discount_total\":\"10.00\",\"line_items\":[{\"sku\":"
                   "\"GADGET-1\",\"quantity\":1,\"price\":149}]}");
    assert_non_null(strstr(outbox(x).reason,
                           "lines add up to 149.00 but the order's "
                           "goods total is 139.00"));
    assert_int_equal(kt_size(x->epi, "companies/EPIC06/SalesOrders"), 0);
}

static void order_without_buyer_email_is_queued(void **state)
{
    struct ks_sync_stats s;
    struct sx *x = *state;

    import_failing(&s, NULL, x, x->bc,
                   "{\"products\":[{\"sku\":\"GADGET-1\",\"quantity\":1,"
                   "\"price\":149}]}");
    assert_non_null(strstr(outbox(x).reason, "no buyer e-mail"));
}

static void refused_product_is_queued_and_replayed(void **state)
{
    struct ks_sync_stats s;
    struct sx *x = *state;

    kt_faults(x->bc->server,
              "{\"route\":\"POST /stores/sx1/v3/catalog/products\","
              "\"nth\":2,\"status\":422,\"body\":{\"status\":422,"
              "\"title\":\"JSON data is missing or invalid\"}}");
    assert_int_equal(ks_sync_parts_to_bigcommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.created, 2);
    assert_int_equal(s.failed, 1);
    assert_int_equal(kt_size(x->bc, "products"), 2);
    assert_non_null(strstr(outbox(x).reason, "JSON data is missing"));
    assert_string_equal(outbox(x).source, "WIDGET-200");

    /* the cursor moved on; the replay writes the product and its stock */
    assert_int_equal(ks_sync_replay_failed(&s, x->sync), KS_OK);
    assert_int_equal(s.created, 1);
    assert_int_equal(s.updated, 1);
    assert_int_equal(outbox(x).n, 0);
    assert_int_equal(kt_size(x->bc, "products"), 3);
}

/* BigCommerce wants unique product names: a rename onto another
 * product's name is refused for that item alone (a 207 in the batch). */
static void product_refused_inside_a_batch_is_queued_alone(void **state)
{
    struct ks_sync_stats s;
    struct sx *x = *state;
    struct first f;

    assert_int_equal(ks_sync_parts_to_bigcommerce(&s, x->sync), KS_OK);
    cJSON_Delete(kt_act(x->epi, "change_part",
                        "{\"part_num\":\"WIDGET-200\",\"fields\":{"
                        "\"PartDescription\":\"Widget 100\"}}"));
    cJSON_Delete(kt_act(x->epi, "change_part",
                        "{\"part_num\":\"GADGET-1\",\"fields\":{"
                        "\"UnitPrice\":150}}"));
    assert_int_equal(ks_sync_parts_to_bigcommerce(&s, x->sync), KS_OK);
    assert_int_equal(s.updated, 1);
    assert_int_equal(s.failed, 1);
    assert_int_equal(
        kt_count(x->bc->server, "PUT /stores/sx1/v3/catalog/products"), 1);
    f = outbox(x);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.source, "WIDGET-200");
    assert_non_null(strstr(f.reason, "bigcommerce refused the update: "
                                     "The product name is a duplicate"));
    /* still refused on replay: it stays, with the store's reason */
    assert_int_equal(ks_sync_replay_failed(&s, x->sync), KS_OK);
    assert_int_equal(s.failed, 1);
    assert_int_equal(outbox(x).attempts, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SX_TEST(unknown_sku_is_queued_then_replayed_once),
        SX_TEST(a_new_part_in_epicor_fixes_the_sku_too),
        SX_TEST(totals_that_do_not_add_up_are_not_imported),
        SX_TEST(order_without_buyer_email_is_queued),
        SX_TEST(refused_product_is_queued_and_replayed),
        SX_TEST(product_refused_inside_a_batch_is_queued_alone),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
