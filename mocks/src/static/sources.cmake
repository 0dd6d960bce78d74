# The "static" emulator (included by mocks/CMakeLists.txt, in its scope).
add_library(km_static STATIC src/static/static_emu.c)
target_include_directories(km_static PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(km_static PUBLIC km_common)
list(APPEND KM_EMULATORS km_static)

