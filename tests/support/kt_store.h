/*
 * The state store's backend for a test run, so that one test suite runs
 * on both backends (tests/support/README.md):
 *
 *   KS_TEST_STORE unset or "sqlite"  SQLite files and :memory:
 *   KS_TEST_STORE=postgresql         the throwaway cluster started by
 *                                    pg_cluster.sh (its admin URI in
 *                                    KS_TEST_PG_URI or in the file named
 *                                    by KS_TEST_PG_URI_FILE)
 *
 * A test names a store LOCATION by a file path (in its kt_tmpdir); on
 * PostgreSQL the location is a schema of its own, named after the path,
 * reached through the URI's search_path. Failures fail the test
 * (cmocka); a missing cluster is a failure, never a skip.
 */
#ifndef KT_STORE_H
#define KT_STORE_H

/* 1 when this run uses PostgreSQL. */
int kt_store_is_pg(void);
/* "sqlite" or "postgresql". */
const char *kt_store_backend(void);

/* The state string (ks_store_options.path) for location path: SQLite the
 * path itself, PostgreSQL a URI to the location's schema (created when
 * absent). Free with free(). */
char *kt_store_state(const char *path);
/* The state string of a fresh private store: ":memory:" on SQLite, a new
 * schema on PostgreSQL. Free with free(). */
char *kt_store_fresh(void);
/* Forgets location path on PostgreSQL (drops its schema); SQLite files
 * go with their directory (kt_rmdir). */
void kt_store_forget(const char *path);

/* Runs sql on location path, in the backend's dialect (pg_sql NULL: the
 * same text on both), outside the store; returns the rows it changed. */
long kt_store_sql(const char *path, const char *sqlite_sql, const char *pg_sql);
/* The first column of the first row as text (malloc'd), NULL if no row. */
char *kt_store_sql_value(const char *path, const char *sqlite_sql,
                         const char *pg_sql);

#endif
