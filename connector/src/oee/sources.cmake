# The OEE platform client (included by connector/CMakeLists.txt).
ks_module(ks_oee
  src/oee/client.c
  src/oee/summary.c
  src/oee/dmt.c
  src/oee/event.c)
target_link_libraries(ks_oee PUBLIC ks_core)
# <kx/json.h>, <kx/time.h> (header-only / no allocation): never the
# aborting kx_x* allocators.
target_link_libraries(ks_oee PRIVATE kx_support)
list(APPEND KS_MODULES ks_oee)
