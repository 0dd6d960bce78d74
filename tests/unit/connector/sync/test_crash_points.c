/* unit.connector.sync.crash_points: every flow that writes (orders from
 * both storefronts, the catalogue to both, customers) killed at each crash
 * point it reaches in turn ("*:N", N = 1, 2, ... until a run reaches no
 * N-th point), then restarted: 0 duplicates, 0 lost, nothing in the
 * outbox and no intent left pending. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "sx.h"
#include <kinsync/testing.h>

/* Enough for every point of the largest workload; a flow that reaches
 * more is a test failure, not a silent cut. */
#define MAX_POINTS 200

/* A flow under test: its data, what it runs and what must hold after. */
struct workload {
    const char *name;
    const char *epicor; /* companies (NULL: SX_EPICOR_DATA) */
    const char *wc;     /* WooCommerce configuration members, or NULL */
    void (*given)(struct sx *x, char po[][SX_PO_SIZE]); /* unarmed set-up */
    ks_rc (*run)(struct ks_sync_stats *s, struct ks_sync *sync);
    void (*check)(struct sx *x, char po[][SX_PO_SIZE]);
    const char *const *must_reach; /* points the kills must include */
};

/* ---- what the emulators hold ------------------------------------------ */

static int count_where(struct km_emulator *emu, const char *path,
                       const char *field, const char *value)
{
    cJSON *snap = NULL;
    const cJSON *all = kt_at(&snap, emu, path), *row;
    int n = 0;

    cJSON_ArrayForEach(row, all)
    {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, field);

        n += cJSON_IsString(v) && strcmp(v->valuestring, value) == 0;
    }
    cJSON_Delete(snap);
    return n;
}

/* The one sales order with PONum po has exactly n lines, each POLine
 * once: no line lost, none written twice. */
static void order_whole(struct sx *x, const char *po, int n)
{
    cJSON *snap = NULL;
    const cJSON *dtls = cJSON_GetObjectItemCaseSensitive(
        sx_epicor_order(&snap, x, po), "OrderDtls");

    if (cJSON_GetArraySize(dtls) != n)
        fail_msg("%s has %d lines, not %d", po, cJSON_GetArraySize(dtls), n);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            assert_string_not_equal(
                cJSON_GetObjectItem(cJSON_GetArrayItem(dtls, i), "POLine")
                    ->valuestring,
                cJSON_GetObjectItem(cJSON_GetArrayItem(dtls, j), "POLine")
                    ->valuestring);
    cJSON_Delete(snap);
}

static double product_num(struct km_emulator *store, const char *sku,
                          const char *field)
{
    cJSON *snap = NULL;
    double v =
        cJSON_GetObjectItem(sx_product(&snap, store, sku), field)->valuedouble;

    cJSON_Delete(snap);
    return v;
}

/* Each of the three parts is one product with its stock. */
static void catalogue_whole(struct km_emulator *store, const char *qty_field)
{
    assert_int_equal(count_where(store, "products", "sku", "WIDGET-100"), 1);
    assert_int_equal(count_where(store, "products", "sku", "WIDGET-200"), 1);
    assert_int_equal(count_where(store, "products", "sku", "GADGET-1"), 1);
    assert_int_equal((long)product_num(store, "WIDGET-100", qty_field), 150);
    assert_int_equal((long)product_num(store, "GADGET-1", qty_field), 7);
}

/* ---- the workloads ---------------------------------------------------- */

/* A guest buyer Epicor does not know (the import creates the customer)
 * with three lines, and a known buyer with two. */
#define BC_ORDER_NEW                                                           \
    "{\"customer\":{\"email\":\"new@shop.example\",\"first_name\":\"Bo\"},"    \
    "\"billing_address\":{\"email\":\"new@shop.example\",\"first_name\":"      \
    "\"Bo\",\"last_name\":\"Ek\"},\"products\":[{\"sku\":\"WIDGET-100\","      \
    "\"quantity\":2,\"price\":12.5},{\"sku\":\"GADGET-1\",\"quantity\":1,"     \
    "\"price\":149},{\"sku\":\"WIDGET-200\",\"quantity\":3,\"price\":19.95}]}"
#define BC_ORDER_ACME                                                          \
    "{\"billing_address\":{\"email\":\"orders@acme.example\"},\"products\":"   \
    "[{\"sku\":\"GADGET-1\",\"quantity\":2,\"price\":149},{\"sku\":"           \
    "\"WIDGET-100\",\"quantity\":1,\"price\":12.5}]}"
#define WC_ORDER                                                               \
    "{\"billing\":{\"email\":\"new@shop.example\",\"first_name\":\"Bo\"},"     \
    "\"line_items\":[{\"sku\":\"WIDGET-100\",\"quantity\":2,\"price\":12.5},"  \
    "{\"sku\":\"WIDGET-200\",\"quantity\":1,\"price\":19.95},{\"sku\":"        \
    "\"GADGET-1\",\"quantity\":4,\"price\":149}]}"

static void bc_orders_given(struct sx *x, char po[][SX_PO_SIZE])
{
    sx_place_order(po[0], x, x->bc, BC_ORDER_NEW);
    sx_place_order(po[1], x, x->bc, BC_ORDER_ACME);
}

static void bc_orders_check(struct sx *x, char po[][SX_PO_SIZE])
{
    order_whole(x, po[0], 3);
    order_whole(x, po[1], 2);
    assert_int_equal(count_where(x->epi, "companies/EPIC06/Customers",
                                 "EMailAddress", "new@shop.example"),
                     1);
}

static void wc_orders_given(struct sx *x, char po[][SX_PO_SIZE])
{
    sx_place_order(po[0], x, x->wc, WC_ORDER);
}

static void wc_orders_check(struct sx *x, char po[][SX_PO_SIZE])
{
    order_whole(x, po[0], 3);
    assert_int_equal(count_where(x->epi, "companies/EPIC06/Customers",
                                 "EMailAddress", "new@shop.example"),
                     1);
}

static void bc_catalogue_check(struct sx *x, char po[][SX_PO_SIZE])
{
    (void)po;
    catalogue_whole(x->bc, "inventory_level");
}

static void wc_catalogue_check(struct sx *x, char po[][SX_PO_SIZE])
{
    (void)po;
    catalogue_whole(x->wc, "stock_quantity");
}

/* The catalogue synced once; then a price changes, so the armed run
 * updates products rather than creating them. */
static void bc_updates_given(struct sx *x, char po[][SX_PO_SIZE])
{
    struct ks_sync_stats s;
    cJSON *f = cJSON_Parse("{\"UnitPrice\":13.75}");

    (void)po;
    assert_int_equal(ks_sync_parts_to_bigcommerce(&s, x->sync), KS_OK);
    assert_int_equal(ks_epicor_part_upsert(NULL, x->epicor, "WIDGET-100", f),
                     KS_OK);
    cJSON_Delete(f);
}

static void bc_updates_check(struct sx *x, char po[][SX_PO_SIZE])
{
    bc_catalogue_check(x, po);
    assert_true(product_num(x->bc, "WIDGET-100", "price") == 13.75);
}

#define CUSTOMERS                                                              \
    "{\"EPIC06\":{\"customers\":["                                             \
    "{\"CustNum\":10,\"CustID\":\"ACME\",\"Name\":\"Acme Manufacturing\","     \
    "\"EMailAddress\":\"orders@acme.example\"},"                               \
    "{\"CustNum\":11,\"CustID\":\"BOLT\",\"Name\":\"Bolt\","                   \
    "\"EMailAddress\":\"ap@bolt.example\"},"                                   \
    "{\"CustNum\":13,\"CustID\":\"DYNA\",\"Name\":\"Dyna Corp\","              \
    "\"EMailAddress\":\"buy@dyna.example\"}]}}"

static void customers_check(struct sx *x, char po[][SX_PO_SIZE])
{
    (void)po;
    assert_int_equal(
        count_where(x->wc, "customers", "email", "orders@acme.example"), 1);
    assert_int_equal(
        count_where(x->wc, "customers", "email", "ap@bolt.example"), 1);
    assert_int_equal(
        count_where(x->wc, "customers", "email", "buy@dyna.example"), 1);
}

/* ---- the kill loop ---------------------------------------------------- */

static int count_pending(const struct ks_intent *in, void *ud)
{
    (void)in;
    ++*(int *)ud;
    return 0;
}

/* Nothing left for a person: no outbox item, no pending intent. */
static void nobody_needed(struct sx *x, const char *where)
{
    int64_t outbox = -1;
    int pending = 0;

    assert_int_equal(ks_store_outbox_count(&outbox, x->st, NULL), KS_OK);
    assert_int_equal(
        ks_store_intent_each_pending(x->st, NULL, count_pending, &pending),
        KS_OK);
    if (outbox || pending)
        fail_msg("%s: %lld outbox item(s), %d pending intent(s)", where,
                 (long long)outbox, pending);
}

/* Kills the workload at its n-th crash point and restarts it. Returns 0
 * when the run reached no n-th point (every point has been tried); else
 * 1, with the fired point's message in fired. */
static int kill_at(const struct workload *w, unsigned n, char *fired,
                   size_t firedsz)
{
    struct ks_sync_stats s;
    char po[2][SX_PO_SIZE] = {"", ""}, spec[32], where[400];
    struct sx x;
    ks_rc rc;

    sx_start(&x, w->epicor, NULL, w->wc);
    if (w->given)
        w->given(&x, po);
    snprintf(spec, sizeof(spec), "*:%u", n);
    sx_reopen(&x, spec);
    rc = w->run(&s, x.sync);
    snprintf(fired, firedsz, "%.150s", ks_sync_last_error(x.sync)->message);
    snprintf(where, sizeof(where), "%s killed at point %u (%s)", w->name, n,
             fired);
    if (rc != KS_ECRASH && rc != KS_OK)
        fail_msg("%s: the armed run gave %s", where, ks_rc_name(rc));
    sx_reopen(&x, NULL); /* the restarted process */
    rc = w->run(&s, x.sync);
    if (rc != KS_OK)
        fail_msg("%s: the rerun gave %s: %s", where, ks_rc_name(rc),
                 ks_sync_last_error(x.sync)->message);
    w->check(&x, po);
    nobody_needed(&x, where);
    /* and a third run writes nothing */
    assert_int_equal(w->run(&s, x.sync), KS_OK);
    assert_int_equal(s.created + s.failed, 0);
    w->check(&x, po);
    sx_stop(&x);
    return rc == KS_OK && strstr(fired, "crash") != NULL;
}

static void kill_everywhere(const struct workload *w)
{
    char fired[MAX_POINTS][160];
    unsigned n;

    for (n = 1; n <= MAX_POINTS; n++) {
        if (!kill_at(w, n, fired[n - 1], sizeof(fired[n - 1])))
            break;
    }
    if (n > MAX_POINTS)
        fail_msg("%s: more than %d crash points", w->name, MAX_POINTS);
    assert_true(n > 1);
    for (size_t i = 0; w->must_reach[i]; i++) {
        unsigned k;

        for (k = 0; k + 1 < n; k++)
            if (strstr(fired[k], w->must_reach[i]))
                break;
        if (k + 1 >= n)
            fail_msg("%s: no kill at %s", w->name, w->must_reach[i]);
    }
    print_message("%s: killed at %u points, each restart 0 duplicates, "
                  "0 lost, 0 needing a person\n",
                  w->name, n - 1);
}

static void bigcommerce_orders_killed_at_every_point(void **state)
{
    static const char *const reach[] = {"before_customer_create",
                                        "after_customer_create",
                                        "store.intent_begin.before_commit",
                                        "after_intent_begin",
                                        "after_order_header",
                                        "after_order_line",
                                        "after_remote_write",
                                        "store.intent_complete.before_commit",
                                        "after_intent_complete",
                                        NULL};
    const struct workload w = {"orders.bigcommerce",
                               NULL,
                               NULL,
                               bc_orders_given,
                               ks_sync_orders_from_bigcommerce,
                               bc_orders_check,
                               reach};

    (void)state;
    kill_everywhere(&w);
}

static void woocommerce_orders_killed_at_every_point(void **state)
{
    static const char *const reach[] = {"after_customer_create",
                                        "after_order_header",
                                        "after_order_line", NULL};
    const struct workload w = {"orders.woocommerce",
                               NULL,
                               NULL,
                               wc_orders_given,
                               ks_sync_orders_from_woocommerce,
                               wc_orders_check,
                               reach};

    (void)state;
    kill_everywhere(&w);
}

static void bigcommerce_catalogue_killed_at_every_point(void **state)
{
    static const char *const reach[] = {"after_product_create",
                                        "after_stock_send",
                                        "before_batch_commit", NULL};
    const struct workload w = {
        "parts.bigcommerce", NULL, NULL, NULL, ks_sync_parts_to_bigcommerce,
        bc_catalogue_check,  reach};

    (void)state;
    kill_everywhere(&w);
}

static void bigcommerce_catalogue_updates_killed_at_every_point(void **state)
{
    static const char *const reach[] = {"after_products_update",
                                        "before_batch_commit", NULL};
    const struct workload w = {"parts.bigcommerce (updates)",
                               NULL,
                               NULL,
                               bc_updates_given,
                               ks_sync_parts_to_bigcommerce,
                               bc_updates_check,
                               reach};

    (void)state;
    kill_everywhere(&w);
}

static void woocommerce_catalogue_killed_at_every_point(void **state)
{
    static const char *const reach[] = {"after_products_batch",
                                        "after_stock_send",
                                        "before_batch_commit", NULL};
    const struct workload w = {
        "parts.woocommerce", NULL, NULL, NULL, ks_sync_parts_to_woocommerce,
        wc_catalogue_check,  reach};

    (void)state;
    kill_everywhere(&w);
}

static void customers_killed_at_every_point(void **state)
{
    static const char *const reach[] = {"after_customers_batch", NULL};
    const struct workload w = {
        "customers.woocommerce",
        CUSTOMERS,
        "\"customers\":[{\"email\":\"ap@bolt.example\",\"first_name\":"
        "\"Old\"}]",
        NULL,
        ks_sync_customers_to_woocommerce,
        customers_check,
        reach};

    (void)state;
    kill_everywhere(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bigcommerce_orders_killed_at_every_point),
        cmocka_unit_test(woocommerce_orders_killed_at_every_point),
        cmocka_unit_test(bigcommerce_catalogue_killed_at_every_point),
        cmocka_unit_test(bigcommerce_catalogue_updates_killed_at_every_point),
        cmocka_unit_test(woocommerce_catalogue_killed_at_every_point),
        cmocka_unit_test(customers_killed_at_every_point),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
