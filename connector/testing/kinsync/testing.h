/*
 * Test hooks of libkinsync. Not installed and not part of the ABI.
 *
 * Like SQLite's sqlite3_test_control(), these let the unit tests, the
 * scenario engine and the benches break the connector on purpose: a crash
 * point that kills the state store in the middle of the exactly-once
 * protocol, and a filter that drops request headers (mutation runs). They
 * are built into the static modules only; the shared library `kinsync`
 * exports none of them (they carry no KS_EXTERN) and `install()` does not
 * ship this folder. Production code never includes this header.
 */
#ifndef KINSYNC_TESTING_H
#define KINSYNC_TESTING_H

#include "kinsync.h"

/*
 * Error codes only a test hook produces, in the form of the public table
 * (kinsync/error.h): ks_rc_name(), ks_rc_message() and ks_rc_from_name()
 * know them too, so a scenario can expect "ECRASH". Each code also gets a
 * constant below; core/error.c checks that the two agree.
 */
#define KS_TESTING_ERRORS(X) X(ECRASH, -20, "simulated crash point reached")

#define KS_ECRASH ((ks_rc)-20)

/*
 * Arms a crash point on an open store: spec "name" fires the first time
 * the store or the sync reaches the point `name`, "name:N" the N-th time;
 * the name "*" stands for every point ("*:N": the N-th point reached,
 * whatever its name, so N = 1, 2, ... kills a run at each point in turn);
 * NULL disarms. When it fires, the open transaction is rolled back, the
 * call returns KS_ECRASH and so does every later call on the handle (a
 * dead process writes nothing more). Close and reopen the store unarmed
 * to "restart". The points are named in connector/src/store/internal.h.
 * Fails with KS_EINVAL on a bad count, KS_ENOMEM when out of memory.
 */
ks_rc ks_testing_store_crash_arm(struct ks_store *st, const char *spec);

/*
 * Stops the store syncing its file to disk (PRAGMA synchronous = OFF) for
 * the life of the handle: for the scenario engine's throwaway stores. A
 * crash point is simulated inside the process, where an unsynced commit
 * reads back exactly as a synced one, while an fdatasync per commit cost a
 * store-heavy scenario more wall time than its work. Fails with KS_ESTATE
 * when SQLite refuses.
 */
ks_rc ks_testing_store_unsynced(struct ks_store *st);

/*
 * Called with every header line ("Name: value") of every request, after
 * the credentials were applied; a nonzero return drops that header. For
 * mutation runs, which prove that a test suite notices a broken connector
 * (`kinsync check --mutate drop-header=x-api-key`). NULL removes the
 * filter.
 */
typedef int (*ks_testing_header_filter_fn)(void *userdata, const char *line);

void ks_testing_client_set_header_filter(struct ks_client *client,
                                         ks_testing_header_filter_fn fn,
                                         void *userdata);

#endif
