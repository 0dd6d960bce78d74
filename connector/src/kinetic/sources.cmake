# The Epicor Kinetic REST client (included by connector/CMakeLists.txt).
ks_module(ks_kinetic
  src/kinetic/client.c
  src/kinetic/url.c
  src/kinetic/auth.c
  src/kinetic/query.c
  src/kinetic/methods.c
  src/kinetic/orders.c)
target_link_libraries(ks_kinetic PUBLIC ks_core)
list(APPEND KS_MODULES ks_kinetic)
