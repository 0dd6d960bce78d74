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

/* Starts everything. epicor_companies: the Epicor "companies" object
 * (NULL: SX_EPICOR_DATA); bc_extra / wc_extra: more members of the
 * storefront configurations (may be NULL). */
void sx_start(struct sx *x, const char *epicor_companies, const char *bc_extra,
              const char *wc_extra);
/* Closes the sync handle and the store and opens them again, armed with
 * crash_at (NULL: none): what a restarted process does. */
void sx_reopen(struct sx *x, const char *crash_at);
void sx_stop(struct sx *x);

/* The Epicor sales orders whose PONum is po. */
int sx_orders_with_po(struct sx *x, const char *po);
/* Audit rows of a flow with an outcome (NULL: any). */
int64_t sx_audit(struct sx *x, const char *flow, const char *outcome);

#endif
