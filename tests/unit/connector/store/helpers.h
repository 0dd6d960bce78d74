/* The store unit tests' own helpers; temporary files are the kt_* of
 * tests/support. */
#ifndef KS_TEST_STORE_HELPERS_H
#define KS_TEST_STORE_HELPERS_H

#include <stddef.h>
#include <sys/types.h>
#include "kinsync/store.h"
#include "kt.h"
#include "kt_store.h"

/* Opens a fresh private store without a key (SQLite in memory, or a new
 * schema on PostgreSQL: kt_store.h); fails the test otherwise. */
struct ks_store *th_open_memory(void);
/* Opens the store location path (a SQLite file, or its PostgreSQL
 * schema) with optional key file; returns the rc, *out on success. */
int th_open_file(struct ks_store **out, const char *path, const char *key_file);

/* cmocka setup and teardown: an in-memory store as the state. */
int th_setup(void **state);
int th_teardown(void **state);
/* Removes the store directory dir (kt_rmdir) and the location path's
 * schema on PostgreSQL, and frees dir and path. */
void th_remove(char *dir, char *path);

/* Two handles on one store location, as two workers would have. */
struct th_pair {
    char *dir, *path;
    char *location; /* the state string (for forked processes) */
    struct ks_store *a, *b;
};
/* cmocka setup and teardown: *state is a struct th_pair. */
int th_pair_setup(void **state);
int th_pair_teardown(void **state);
/* Sleeps ms milliseconds (past a lease or visibility time). */
void th_sleep_ms(long ms);

/* A race of two worker processes, "w-1" and "w-2", on the store at
 * location: each runs worker(location, its id, fd), writing what it got
 * to fd, and exits with what worker returns. Returns the read end of
 * their pipe (read it to its end); th_race_wait closes it and asserts
 * both workers exited 0. */
int th_race_start(pid_t kids[2], const char *location,
                  int (*worker)(const char *location, const char *worker_id,
                                int fd));
void th_race_wait(const pid_t kids[2], int fd);

#endif
