# The BigCommerce REST client (included by connector/CMakeLists.txt).
ks_module(ks_bigcommerce
  src/bigcommerce/client.c
  src/bigcommerce/paging.c
  src/bigcommerce/catalog.c
  src/bigcommerce/orders.c
  src/bigcommerce/hooks.c
  src/bigcommerce/verify.c
  src/bigcommerce/payload.c)
target_link_libraries(ks_bigcommerce PUBLIC ks_core PRIVATE kx_support)
list(APPEND KS_MODULES ks_bigcommerce)
