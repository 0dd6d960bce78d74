# The sync engine: the flows between Epicor and the storefronts (included
# by connector/CMakeLists.txt).
ks_module(ks_sync
  src/sync/sync.c
  src/sync/orders.c
  src/sync/orders_poll.c
  src/sync/parts.c
  src/sync/parts_bc.c
  src/sync/parts_wc.c
  src/sync/customers.c
  src/sync/refunds.c
  src/sync/replay.c
  src/sync/oee_bind.c
  src/sync/oee_close.c
  src/sync/oee_report.c
  src/sync/oee_export.c
  src/sync/oee_poll.c
  src/sync/oee_reasons.c
  src/sync/adobe_common.c
  src/sync/purchase_orders_adobe.c
  src/sync/adobe_orders.c
  src/sync/ap_invoices_adobe.c
  src/sync/vendors_adobe.c
  src/sync/requisitions_epicor.c)
target_link_libraries(ks_sync PUBLIC ks_epicor ks_bigcommerce ks_woocommerce
                      ks_adobe ks_oee ks_store)
# <kx/time.h> and <kx/json.h> only: the library never calls the aborting
# kx_x* allocators of kx_support.
target_link_libraries(ks_sync PRIVATE kx_support)
list(APPEND KS_MODULES ks_sync)
