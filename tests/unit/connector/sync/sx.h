/*
 * Shared set-up of the sync engine tests: the Epicor, BigCommerce and
 * WooCommerce emulators in-process on one virtual clock, one connector
 * client with the three handles on it, a file state store in a private
 * temporary directory (so a test can "crash" and reopen it), and the sync
 * handle. Plain malloc; failures abort the test. Journal counts, actions,
 * fault rules and snapshot paths are kt_count, kt_act, kt_faults and kt_at
 * of tests/support.
 */
#ifndef KS_TEST_SX_H
#define KS_TEST_SX_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include <kinsync.h>
#include "kinmock/emulator.h"
#include "kt.h"

#define SX_START_MS KT_START_MS

/* Three parts with stock: WIDGET-100 (12.50, 120+30 on hand), WIDGET-200
 * (19.95, 0), GADGET-1 (149.00, 7), and customer 10 ACME. */
#define SX_EPICOR_DATA                                                         \
    "{\"EPIC06\":{\"parts\":["                                                 \
    "{\"PartNum\":\"WIDGET-100\",\"PartDescription\":\"Widget 100\","          \
    "\"UnitPrice\":12.5,\"PartWhses\":[{\"Plant\":\"MfgSys\","                 \
    "\"WarehouseCode\":\"MAIN\",\"OnHandQty\":120},{\"Plant\":\"MfgSys\","     \
    "\"WarehouseCode\":\"EAST\",\"OnHandQty\":30}]},"                          \
    "{\"PartNum\":\"WIDGET-200\",\"PartDescription\":\"Widget 200\","          \
    "\"UnitPrice\":19.95,\"PartWhses\":[{\"Plant\":\"MfgSys\","                \
    "\"WarehouseCode\":\"MAIN\",\"OnHandQty\":0}]},"                           \
    "{\"PartNum\":\"GADGET-1\",\"PartDescription\":\"Gadget\","                \
    "\"UnitPrice\":149,\"PartWhses\":[{\"Plant\":\"MfgSys\","                  \
    "\"WarehouseCode\":\"MAIN\",\"OnHandQty\":7}]}],"                          \
    "\"customers\":[{\"CustNum\":10,\"CustID\":\"ACME\",\"Name\":\"Acme "      \
    "Manufacturing\",\"EMailAddress\":\"orders@acme.example\"}]}}"

struct sx {
    struct ks_clock *clock;
    struct km_emulator *epi, *bc, *wc;
    struct ks_client *client;
    struct ks_epicor *epicor;
    struct ks_bigcommerce *bch;
    struct ks_woocommerce *wch;
    char *dir, *path; /* the store's directory and file */
    struct ks_store *st;
    struct ks_sync *sync;
};

/* cmocka fixtures: *state is a calloc'd struct sx, started with the
 * default data (sx_setup) or with sx_setup_with()'s arguments, which a
 * test file's named setups pass on. Failures fail the test. */
int sx_setup(void **state);
int sx_setup_with(void **state, const char *epicor_companies,
                  const char *bc_extra, const char *wc_extra);
int sx_teardown(void **state);
/* A test with the default fixture, or with a named setup. */
#define SX_TEST(name)                                                          \
    cmocka_unit_test_setup_teardown(name, sx_setup, sx_teardown)
#define SX_TEST_WITH(name, setup)                                              \
    cmocka_unit_test_setup_teardown(name, setup, sx_teardown)

/* Starts everything (for a test that starts more than one fixture in
 * turn; others use sx_setup). epicor_companies: the Epicor "companies" object
 * (NULL: SX_EPICOR_DATA); bc_extra / wc_extra: more members of the
 * storefront configurations (may be NULL). */
void sx_start(struct sx *x, const char *epicor_companies, const char *bc_extra,
              const char *wc_extra);
/* Closes the sync handle and the store and opens them again, armed with
 * crash_at (NULL: none): what a restarted process does. */
void sx_reopen(struct sx *x, const char *crash_at);
void sx_stop(struct sx *x);

/* Room for a PONum such as "BC-123" (with its NUL). */
#define SX_PO_SIZE 32

/* Places an order (JSON text) on store, x->bc or x->wc; returns its id
 * and, when po is not NULL, writes the PONum its Epicor sales order gets
 * ("BC-<id>" or "WC-<id>"). */
int64_t sx_place_order(char *po, struct sx *x, struct km_emulator *store,
                       const char *order);
/* The product of store (x->bc or x->wc) whose SKU is sku, borrowed from
 * *snap (caller deletes); fails the test when there is none. */
const cJSON *sx_product(cJSON **snap, struct km_emulator *store,
                        const char *sku);
/* The one Epicor sales order whose PONum is po, borrowed from *snap
 * (caller deletes); fails the test unless there is exactly one. */
const cJSON *sx_epicor_order(cJSON **snap, struct sx *x, const char *po);
/* The Epicor sales orders whose PONum is po. */
int sx_orders_with_po(struct sx *x, const char *po);
/* Audit rows of a flow with an outcome (NULL: any). */
int64_t sx_audit(struct sx *x, const char *flow, const char *outcome);

#endif
