/* The store backend of a test run (see kt_store.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include "kt_store.h"
#include "kx/alloc.h"

static PGconn *admin;
static char *admin_uri;

int kt_store_is_pg(void)
{
    const char *b = getenv("KS_TEST_STORE");

    if (!b || !*b || strcmp(b, "sqlite") == 0)
        return 0;
    if (strcmp(b, "postgresql") != 0)
        fail_msg("KS_TEST_STORE=%s: use sqlite or postgresql", b);
    return 1;
}

const char *kt_store_backend(void)
{
    return kt_store_is_pg() ? "postgresql" : "sqlite";
}

/* The cluster's admin URI, read once. */
static const char *base_uri(void)
{
    const char *uri = getenv("KS_TEST_PG_URI");
    const char *file = getenv("KS_TEST_PG_URI_FILE");
    char line[1024];
    FILE *f;

    if (admin_uri)
        return admin_uri;
    if (uri && *uri) {
        admin_uri = kx_xstrdup(uri);
        return admin_uri;
    }
    f = file ? fopen(file, "r") : NULL;
    if (!f) {
        fail_msg("KS_TEST_STORE=postgresql but no cluster: set KS_TEST_PG_URI "
                 "or KS_TEST_PG_URI_FILE (tests/support/pg_cluster.sh "
                 "starts one)%s%s",
                 file ? "; cannot read " : "", file ? file : "");
        return NULL;
    }
    if (!fgets(line, sizeof(line), f))
        line[0] = '\0';
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    if (!line[0])
        fail_msg("%s is empty: the PostgreSQL cluster did not start", file);
    admin_uri = kx_xstrdup(line);
    return admin_uri;
}

static PGconn *admin_conn(void)
{
    if (admin && PQstatus(admin) == CONNECTION_OK)
        return admin;
    PQfinish(admin);
    admin = PQconnectdb(base_uri());
    if (!admin || PQstatus(admin) != CONNECTION_OK)
        fail_msg("cannot connect to the test PostgreSQL cluster: %s",
                 admin ? PQerrorMessage(admin) : "out of memory");
    PQclear(PQexec(admin, "SET client_min_messages = warning"));
    return admin;
}

/* Runs sql on the admin connection (with search_path set to schema
 * when non-NULL); the result is the caller's. */
static PGresult *admin_exec(const char *schema, const char *sql)
{
    PGconn *c = admin_conn();
    char *full = schema ? kx_xasprintf("SET search_path = %s; %s", schema, sql)
                        : kx_xstrdup(sql);
    PGresult *res = PQexec(c, full);
    ExecStatusType s = PQresultStatus(res);

    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
        fail_msg("PostgreSQL: %s: %s", sql, PQerrorMessage(c));
    free(full);
    return res;
}

/* The schema of location path: "t_" and a 64-bit FNV-1a hash of it. */
static char *schema_of(const char *path)
{
    uint64_t h = 14695981039346656037ULL;

    for (const char *p = path; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return kx_xasprintf("t_%016llx", (unsigned long long)h);
}

static char *uri_for_schema(const char *schema)
{
    char *sql = kx_xasprintf("CREATE SCHEMA IF NOT EXISTS %s", schema);

    PQclear(admin_exec(NULL, sql));
    free(sql);
    return kx_xasprintf("%s&options=-csearch_path%%3D%s", base_uri(), schema);
}

char *kt_store_state(const char *path)
{
    char *schema, *uri;

    if (!kt_store_is_pg())
        return kx_xstrdup(path);
    schema = schema_of(path);
    uri = uri_for_schema(schema);
    free(schema);
    return uri;
}

char *kt_store_fresh(void)
{
    static unsigned long n;
    char *schema, *uri;

    if (!kt_store_is_pg())
        return kx_xstrdup(":memory:");
    schema = kx_xasprintf("m_%ld_%lu", (long)getpid(), ++n);
    uri = uri_for_schema(schema);
    free(schema);
    return uri;
}

void kt_store_forget(const char *path)
{
    char *schema, *sql;

    if (!kt_store_is_pg())
        return;
    schema = schema_of(path);
    sql = kx_xasprintf("DROP SCHEMA IF EXISTS %s CASCADE", schema);
    PQclear(admin_exec(NULL, sql));
    free(sql);
    free(schema);
}

long kt_store_sql(const char *path, const char *sqlite_sql, const char *pg_sql)
{
    long changed;

    if (kt_store_is_pg()) {
        char *schema = schema_of(path);
        PGresult *res = admin_exec(schema, pg_sql ? pg_sql : sqlite_sql);

        changed = strtol(PQcmdTuples(res), NULL, 10);
        PQclear(res);
        free(schema);
    } else {
        sqlite3 *h = NULL;

        assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
        if (sqlite3_exec(h, sqlite_sql, NULL, NULL, NULL) != SQLITE_OK)
            fail_msg("SQLite: %s: %s", sqlite_sql, sqlite3_errmsg(h));
        changed = (long)sqlite3_changes(h);
        sqlite3_close(h);
    }
    return changed;
}

char *kt_store_sql_value(const char *path, const char *sqlite_sql,
                         const char *pg_sql)
{
    char *out = NULL;

    if (kt_store_is_pg()) {
        char *schema = schema_of(path);
        PGresult *res = admin_exec(schema, pg_sql ? pg_sql : sqlite_sql);

        if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
            out = kx_xstrdup(PQgetvalue(res, 0, 0));
        PQclear(res);
        free(schema);
    } else {
        sqlite3 *h = NULL;
        sqlite3_stmt *s = NULL;

        assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
        if (sqlite3_prepare_v2(h, sqlite_sql, -1, &s, NULL) != SQLITE_OK)
            fail_msg("SQLite: %s: %s", sqlite_sql, sqlite3_errmsg(h));
        if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
            out = kx_xstrdup((const char *)sqlite3_column_text(s, 0));
        sqlite3_finalize(s);
        sqlite3_close(h);
    }
    return out;
}
