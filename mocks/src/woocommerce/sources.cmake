# The WooCommerce emulator (included by mocks/CMakeLists.txt).
add_library(km_woocommerce STATIC
  src/woocommerce/emulator.c
  src/woocommerce/auth.c
  src/woocommerce/config.c
  src/woocommerce/items.c
  src/woocommerce/catalog.c
  src/woocommerce/people.c
  src/woocommerce/orders.c
  src/woocommerce/refunds.c
  src/woocommerce/webhooks.c
  src/woocommerce/shapes.c
  src/woocommerce/notes.c)
# common/crypto.h: the emulators' OpenSSL wrappers and seeded generator.
target_include_directories(km_woocommerce PRIVATE
  ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(km_woocommerce PUBLIC km_common)
list(APPEND KM_EMULATORS km_woocommerce)
