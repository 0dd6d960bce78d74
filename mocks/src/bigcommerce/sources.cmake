# The BigCommerce emulator (included by mocks/CMakeLists.txt).
add_library(km_bigcommerce STATIC
  src/bigcommerce/emulator.c
  src/bigcommerce/config.c
  src/bigcommerce/snapshot.c
  src/bigcommerce/map.c
  src/bigcommerce/catalog.c
  src/bigcommerce/catalog_json.c
  src/bigcommerce/products.c
  src/bigcommerce/variants.c
  src/bigcommerce/inventory.c
  src/bigcommerce/customers.c
  src/bigcommerce/orders.c
  src/bigcommerce/order_model.c
  src/bigcommerce/fulfil.c
  src/bigcommerce/hooks.c
  src/bigcommerce/delivery.c)
# common/crypto.h: the emulators' OpenSSL wrappers and seeded generator;
# common/server_int.h to read back a reply header (rate-limit headers a
# fault rule set are kept).
target_include_directories(km_bigcommerce PRIVATE
  ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(km_bigcommerce PUBLIC km_common)
list(APPEND KM_EMULATORS km_bigcommerce)
