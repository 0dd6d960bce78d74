# The WooCommerce REST client (included by connector/CMakeLists.txt).
ks_module(ks_woocommerce
  src/woocommerce/client.c
  src/woocommerce/paging.c
  src/woocommerce/batch.c
  src/woocommerce/resources.c
  src/woocommerce/hooks.c
  src/woocommerce/verify.c)
target_link_libraries(ks_woocommerce PUBLIC ks_core)
# <kx/json.h> (header-only): never the aborting kx_x* allocators.
target_link_libraries(ks_woocommerce PRIVATE kx_support)
list(APPEND KS_MODULES ks_woocommerce)
