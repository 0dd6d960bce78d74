# The OEE platform emulator (included by mocks/CMakeLists.txt).
add_library(km_oee STATIC
  src/oee/state.c
  src/oee/api.c)
target_include_directories(km_oee PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(km_oee PUBLIC km_common)
list(APPEND KM_EMULATORS km_oee)
