# The durable state store (SQLite): cursors, id maps, exactly-once intents,
# audit trail, outbox, seen webhook deliveries, encrypted secrets.
ks_module(ks_store
  src/store/store.c
  src/store/schema.c
  src/store/cursors.c
  src/store/intents.c
  src/store/audit.c
  src/store/outbox.c
  src/store/secrets.c
  src/store/retention.c)
target_link_libraries(ks_store PUBLIC ks_core PkgConfig::SQLITE OpenSSL::Crypto)
list(APPEND KS_MODULES ks_store)
