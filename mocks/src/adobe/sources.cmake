# The Adobe Commerce emulator (included by mocks/CMakeLists.txt).
add_library(km_adobe STATIC
  src/adobe/emulator.c
  src/adobe/auth.c
  src/adobe/config.c
  src/adobe/search.c
  src/adobe/orders.c
  src/adobe/company.c
  src/adobe/hooks.c)
target_include_directories(km_adobe PRIVATE
  ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(km_adobe PUBLIC km_common m)
list(APPEND KM_EMULATORS km_adobe)
