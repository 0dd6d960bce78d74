/* Opening, migrating, reopening and closing the state store. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>
#include <sys/stat.h>
#include <kinsync/testing.h>
#include "kinsync/store.h"
#include "helpers.h"

/* The schema version of location path: PRAGMA user_version (SQLite),
 * the table schema_version (PostgreSQL); 0 when there is none yet. */
static int schema_version(const char *path)
{
    char *v = NULL;
    int n = 0;

    if (!kt_store_is_pg()) {
        v = kt_store_sql_value(path, "PRAGMA user_version", NULL);
    } else {
        char *exists = kt_store_sql_value(
            path, NULL, "SELECT to_regclass('schema_version') IS NOT NULL");

        if (strcmp(exists, "t") == 0)
            v = kt_store_sql_value(path, NULL,
                                   "SELECT max(version) FROM schema_version");
        free(exists);
    }
    if (v)
        n = (int)strtol(v, NULL, 10);
    free(v);
    return n;
}

static void set_schema_version(const char *path, int v)
{
    char sqlite_sql[64], pg_sql[64];

    snprintf(sqlite_sql, sizeof(sqlite_sql), "PRAGMA user_version = %d", v);
    snprintf(pg_sql, sizeof(pg_sql), "UPDATE schema_version SET version = %d",
             v);
    kt_store_sql(path, sqlite_sql, pg_sql);
}

/* Tests of SQLite's files themselves (journal, locks, file modes) have
 * no PostgreSQL counterpart: the run on PostgreSQL reports them skipped. */
#define SQLITE_ONLY()                                                          \
    do {                                                                       \
        if (kt_store_is_pg())                                                  \
            skip();                                                            \
    } while (0)

static void open_with_null_options_gives_a_memory_store(void **state)
{
    struct ks_store *st = NULL;
    char *v = NULL;

    (void)state;
    assert_int_equal(ks_store_open(&st, NULL), KS_OK);
    assert_int_equal(ks_store_cursor_set(st, "parts", "Part", "42"), KS_OK);
    assert_int_equal(ks_store_cursor_get(&v, st, "parts", "Part"), KS_OK);
    assert_string_equal(v, "42");
    assert_int_equal(ks_store_last_error(st)->rc, KS_OK);
    ks_store_string_free(v);
    ks_store_close(st);
}

static void close_accepts_null(void **state)
{
    (void)state;
    ks_store_close(NULL);
    ks_store_string_free(NULL);
    ks_store_secret_dispose(NULL);
}

static void open_rejects_unknown_options_version(void **state)
{
    struct ks_store_options o = KS_STORE_OPTIONS_INIT;
    struct ks_error err;
    struct ks_store *st = (struct ks_store *)&o;

    (void)state;
    o.version = 99;
    o.error = &err;
    assert_int_equal(ks_store_open(&st, &o), KS_EINVAL);
    assert_null(st);
    assert_int_equal(err.rc, KS_EINVAL);
    assert_non_null(strstr(err.message, "version"));
}

static void open_rejects_an_empty_path(void **state)
{
    struct ks_store_options o = KS_STORE_OPTIONS_INIT;
    struct ks_store *st = NULL;

    (void)state;
    o.path = "";
    assert_int_equal(ks_store_open(&st, &o), KS_EINVAL);
    assert_null(st);
}

/* An empty file (SQLite) or an empty schema (PostgreSQL). */
static void empty_file_is_migrated_to_the_current_schema(void **state)
{
    char *dir = kt_tmpdir("ks-store");
    char *path = kt_path(dir, "state.db");
    struct ks_store *st = NULL;

    (void)state;
    if (!kt_store_is_pg())
        kt_write_file(path, "", 0);
    assert_int_equal(schema_version(path), 0);
    assert_int_equal(th_open_file(&st, path, NULL), KS_OK);
    assert_int_equal(ks_store_map_put(st, "order", "100", "5001"), KS_OK);
    ks_store_close(st);
    /* 1: initial, 2: retention, 3: leases, workers, webhook queue */
    assert_int_equal(schema_version(path), 3);
    th_remove(dir, path);
}

/* A PostgreSQL URI that cannot be reached fails with one line naming the
 * reason, never the password it carries (on both runs: it needs no
 * server). */
static void
an_unreachable_postgresql_uri_fails_without_its_password(void **state)
{
    struct ks_store_options o = KS_STORE_OPTIONS_INIT;
    struct ks_store *st = NULL;
    struct ks_error err;

    (void)state;
    o.path = "postgresql://kinsync:Sekr1t-pw@127.0.0.1:1/state"
             "?connect_timeout=5";
    o.error = &err;
    assert_int_equal(ks_store_open(&st, &o), KS_ESTATE);
    assert_null(st);
    assert_non_null(strstr(err.message, "connecting to PostgreSQL"));
    assert_null(strstr(err.message, "Sekr1t-pw"));
    assert_null(strchr(err.message, '\n'));
    o.path = "postgres://nobody@127.0.0.1:1/state";
    assert_int_equal(ks_store_open(&st, &o), KS_ESTATE);
    /* libpq quotes a malformed URI's text: the store does not repeat it */
    o.path = "postgresql://kinsync:Sekr1t%zz-pw@127.0.0.1:1/state";
    assert_int_equal(ks_store_open(&st, &o), KS_EINVAL);
    assert_non_null(strstr(err.message, "URI"));
    assert_null(strstr(err.message, "Sekr1t"));
}

/* A current database is only read on open: another process's write
 * transaction does not make the open wait for it (it did when every open
 * took the write lock to check the version). */
static void current_file_opens_beside_a_writer_holding_the_lock(void **state)
{
    char *dir, *path;
    struct ks_store_options o = KS_STORE_OPTIONS_INIT;
    struct ks_store *st = NULL;
    sqlite3 *writer = NULL;
    char *v = NULL;

    (void)state;
    SQLITE_ONLY();
    dir = kt_tmpdir("ks-store");
    path = kt_path(dir, "state.db");
    assert_int_equal(th_open_file(&st, path, NULL), KS_OK);
    assert_int_equal(ks_store_cursor_set(st, "parts", "Part", "7"), KS_OK);
    ks_store_close(st);
    assert_int_equal(sqlite3_open(path, &writer), SQLITE_OK);
    assert_int_equal(sqlite3_exec(writer, "BEGIN IMMEDIATE", NULL, NULL, NULL),
                     SQLITE_OK);
    o.path = path;
    o.busy_timeout_ms = 50;
    assert_int_equal(ks_store_open(&st, &o), KS_OK);
    assert_int_equal(ks_store_cursor_get(&v, st, "parts", "Part"), KS_OK);
    assert_string_equal(v, "7");
    ks_store_string_free(v);
    ks_store_close(st);
    sqlite3_exec(writer, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(writer);
    th_remove(dir, path);
}

/* The scenario engine's unsynced stores: the pragma takes, and what is
 * written reads back after a reopen as from any store. */
static void unsynced_store_keeps_its_writes(void **state)
{
    char *dir = kt_tmpdir("ks-store");
    char *path = kt_path(dir, "state.db");
    struct ks_store *st = NULL;
    char *v = NULL;

    (void)state;
    assert_int_equal(th_open_file(&st, path, NULL), KS_OK);
    assert_int_equal(ks_testing_store_unsynced(st), KS_OK);
    assert_int_equal(ks_store_map_put(st, "order", "100", "5001"), KS_OK);
    ks_store_close(st);
    assert_int_equal(th_open_file(&st, path, NULL), KS_OK);
    assert_int_equal(ks_store_map_get(&v, st, "order", "100"), KS_OK);
    assert_string_equal(v, "5001");
    ks_store_string_free(v);
    ks_store_close(st);
    th_remove(dir, path);
}

static void file_store_keeps_everything_after_reopen(void **state)
{
    char *dir = kt_tmpdir("ks-store");
    char *path = kt_path(dir, "state.db");
    struct ks_store *st = NULL;
    struct ks_intent in;
    int64_t n = 0;
    char *v = NULL;

    (void)state;
    assert_int_equal(th_open_file(&st, path, NULL), KS_OK);
    assert_int_equal(ks_store_cursor_set(st, "parts", "Part", "981"), KS_OK);
    assert_int_equal(ks_store_map_put(st, "sku_part", "SKU-1", "P-1"), KS_OK);
    assert_int_equal(ks_store_intent_begin(&in, st, "order", "100", "h1"),
                     KS_OK);
    assert_int_equal(ks_store_intent_complete(st, "order", "100", "5001"),
                     KS_OK);
    assert_int_equal(
        ks_store_audit_add(st, &(struct ks_audit_entry){"orders", "bigcommerce",
                                                        "100", "epicor", "5001",
                                                        "create", "ok", 1, NULL,
                                                        1000}),
        KS_OK);
    assert_int_equal(ks_store_outbox_add(NULL, st, "orders", "order", "101",
                                         "{}", "HTTP 500", 1000),
                     KS_OK);
    assert_int_equal(ks_store_seen_add(st, "bigcommerce", "d-1", 1000), KS_OK);
    ks_store_close(st);

    st = NULL;
    assert_int_equal(th_open_file(&st, path, NULL), KS_OK);
    assert_int_equal(ks_store_cursor_get(&v, st, "parts", "Part"), KS_OK);
    assert_string_equal(v, "981");
    ks_store_string_free(v);
    assert_int_equal(ks_store_map_get(&v, st, "sku_part", "SKU-1"), KS_OK);
    assert_string_equal(v, "P-1");
    ks_store_string_free(v);
    assert_int_equal(ks_store_intent_get(&in, st, "order", "100"), KS_OK);
    assert_int_equal(in.state, KS_INTENT_DONE);
    assert_string_equal(in.target_id, "5001");
    assert_int_equal(ks_store_audit_count(&n, st, NULL), KS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ks_store_outbox_count(&n, st, NULL), KS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ks_store_seen_add(st, "bigcommerce", "d-1", 2000),
                     KS_EDUPLICATE);
    ks_store_close(st);
    th_remove(dir, path);
}

static void file_store_uses_the_wal_journal(void **state)
{
    char *dir, *path;
    struct ks_store *st = NULL;
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;

    (void)state;
    SQLITE_ONLY();
    dir = kt_tmpdir("ks-store");
    path = kt_path(dir, "state.db");
    assert_int_equal(th_open_file(&st, path, NULL), KS_OK);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
    sqlite3_finalize(s);
    sqlite3_close(db);
    ks_store_close(st);
    th_remove(dir, path);
}

static void newer_schema_version_is_refused_with_estate(void **state)
{
    char *dir = kt_tmpdir("ks-store");
    char *path = kt_path(dir, "state.db");
    struct ks_store_options o = KS_STORE_OPTIONS_INIT;
    struct ks_store *st = NULL;
    struct ks_error err;
    char *location;

    (void)state;
    assert_int_equal(th_open_file(&st, path, NULL), KS_OK);
    ks_store_close(st);
    st = NULL;
    set_schema_version(path, 7);
    location = kt_store_state(path);
    o.path = location;
    o.error = &err;
    assert_int_equal(ks_store_open(&st, &o), KS_ESTATE);
    free(location);
    assert_null(st);
    assert_int_equal(err.rc, KS_ESTATE);
    assert_non_null(strstr(err.message, "newer"));
    th_remove(dir, path);
}

static void a_file_that_is_not_a_database_fails_with_estate(void **state)
{
    char *dir, *path;
    struct ks_store_options o = KS_STORE_OPTIONS_INIT;
    struct ks_store *st = NULL;
    struct ks_error err;
    char junk[4096];

    (void)state;
    SQLITE_ONLY();
    dir = kt_tmpdir("ks-store");
    path = kt_path(dir, "state.db");
    memset(junk, 'x', sizeof(junk));
    kt_write_file(path, junk, sizeof(junk));
    o.path = path;
    o.error = &err;
    assert_int_equal(ks_store_open(&st, &o), KS_ESTATE);
    assert_null(st);
    assert_non_null(strstr(err.message, "not a database"));
    th_remove(dir, path);
}

static void two_handles_on_one_file_see_each_others_writes(void **state)
{
    char *dir = kt_tmpdir("ks-store");
    char *path = kt_path(dir, "state.db");
    struct ks_store *a = NULL, *b = NULL;
    char *v = NULL;

    (void)state;
    assert_int_equal(th_open_file(&a, path, NULL), KS_OK);
    assert_int_equal(th_open_file(&b, path, NULL), KS_OK);
    assert_int_equal(ks_store_cursor_set(a, "f", "e", "1"), KS_OK);
    assert_int_equal(ks_store_cursor_get(&v, b, "f", "e"), KS_OK);
    assert_string_equal(v, "1");
    ks_store_string_free(v);
    ks_store_close(a);
    ks_store_close(b);
    th_remove(dir, path);
}

static unsigned file_mode(const char *path, const char *suffix)
{
    char full[4096];
    struct stat sb;

    snprintf(full, sizeof(full), "%s%s", path, suffix);
    if (stat(full, &sb) != 0)
        fail_msg("%s: missing", full);
    return (unsigned)(sb.st_mode & 07777);
}

/* The state file, its WAL and its shared-memory index are owner-only even
 * under a permissive umask, and stay so while the store is in use. */
static void state_files_are_private_whatever_the_umask(void **state)
{
    char *dir, *path;
    struct ks_store *st = NULL;
    mode_t old;

    (void)state;
    SQLITE_ONLY();
    dir = kt_tmpdir("ks-store");
    path = kt_path(dir, "state.db");
    old = umask(0);
    assert_int_equal(th_open_file(&st, path, NULL), KS_OK);
    assert_int_equal(ks_store_cursor_set(st, "f", "e", "1"), KS_OK);
    umask(old);
    assert_int_equal(file_mode(path, ""), 0600);
    assert_int_equal(file_mode(path, "-wal"), 0600);
    assert_int_equal(file_mode(path, "-shm"), 0600);
    ks_store_close(st);
    th_remove(dir, path);
}

/* A state file (and WAL) left world-readable by an older kinsync loses
 * its group and other permissions at the next open. */
static void an_existing_readable_state_file_is_tightened(void **state)
{
    char *dir, *path;
    struct ks_store *st = NULL;

    (void)state;
    SQLITE_ONLY();
    dir = kt_tmpdir("ks-store");
    path = kt_path(dir, "state.db");
    assert_int_equal(th_open_file(&st, path, NULL), KS_OK);
    assert_int_equal(ks_store_cursor_set(st, "f", "e", "1"), KS_OK);
    assert_int_equal(chmod(path, 0644), 0);
    ks_store_close(st);
    assert_int_equal(file_mode(path, ""), 0644);
    assert_int_equal(th_open_file(&st, path, NULL), KS_OK);
    assert_int_equal(file_mode(path, ""), 0600);
    assert_int_equal(ks_store_cursor_set(st, "f", "e", "2"), KS_OK);
    assert_int_equal(file_mode(path, "-wal"), 0600);
    ks_store_close(st);
    th_remove(dir, path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(open_with_null_options_gives_a_memory_store),
        cmocka_unit_test(close_accepts_null),
        cmocka_unit_test(open_rejects_unknown_options_version),
        cmocka_unit_test(open_rejects_an_empty_path),
        cmocka_unit_test(empty_file_is_migrated_to_the_current_schema),
        cmocka_unit_test(file_store_keeps_everything_after_reopen),
        cmocka_unit_test(file_store_uses_the_wal_journal),
        cmocka_unit_test(newer_schema_version_is_refused_with_estate),
        cmocka_unit_test(a_file_that_is_not_a_database_fails_with_estate),
        cmocka_unit_test(
            an_unreachable_postgresql_uri_fails_without_its_password),
        cmocka_unit_test(two_handles_on_one_file_see_each_others_writes),
        cmocka_unit_test(state_files_are_private_whatever_the_umask),
        cmocka_unit_test(an_existing_readable_state_file_is_tightened),
        cmocka_unit_test(current_file_opens_beside_a_writer_holding_the_lock),
        cmocka_unit_test(unsynced_store_keeps_its_writes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
