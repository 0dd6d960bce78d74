# The Adobe Commerce REST client (included by connector/CMakeLists.txt).
ks_module(ks_adobe
  src/adobe/client.c
  src/adobe/auth.c
  src/adobe/errors.c
  src/adobe/search.c
  src/adobe/paging.c
  src/adobe/resources.c
  src/adobe/webhook.c)
target_link_libraries(ks_adobe PUBLIC ks_core)
# <kx/json.h> (header-only): never the aborting kx_x* allocators.
target_link_libraries(ks_adobe PRIVATE kx_support)
list(APPEND KS_MODULES ks_adobe)
