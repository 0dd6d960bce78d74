# The Epicor Kinetic REST client (included by connector/CMakeLists.txt).
ks_module(ks_epicor
  src/epicor/client.c
  src/epicor/url.c
  src/epicor/auth.c
  src/epicor/query.c
  src/epicor/methods.c
  src/epicor/orders.c
  src/epicor/ap_invoices.c)
target_link_libraries(ks_epicor PUBLIC ks_core)
# <kx/json.h> (header-only): never the aborting kx_x* allocators.
target_link_libraries(ks_epicor PRIVATE kx_support)
list(APPEND KS_MODULES ks_epicor)
