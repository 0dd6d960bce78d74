# The durable state store: cursors, id maps, exactly-once intents, audit
# trail, outbox, seen webhook deliveries, encrypted secrets, leases and the
# webhook queue of many workers. One store logic over a small database
# driver with two backends: SQLite (db_sqlite.c) and PostgreSQL through
# libpq (db_pg.c).
ks_module(ks_store
  src/store/store.c
  src/store/schema.c
  src/store/db_sqlite.c
  src/store/db_pg.c
  src/store/cursors.c
  src/store/intents.c
  src/store/audit.c
  src/store/outbox.c
  src/store/secrets.c
  src/store/retention.c
  src/store/workers.c
  src/store/deliveries.c)
target_link_libraries(ks_store PUBLIC ks_core PkgConfig::SQLITE
                      PkgConfig::LIBPQ OpenSSL::Crypto)
list(APPEND KS_MODULES ks_store)
