/* Credentials encrypted at rest (AES-256-GCM). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "kinsync/store.h"
#include "helpers.h"

#define KEY_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define KEY_B "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define PASSWORD "Tr0ub4dor&3-epicor-password"

struct fixture {
    char *dir;
    char *db;
    char *state; /* the store's state string for db (kt_store.h) */
    char *key_a;
    char *key_b;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    f->dir = kt_tmpdir("ks-store");
    f->db = kt_path(f->dir, "state.db");
    f->state = kt_store_state(f->db);
    f->key_a = kt_path(f->dir, "a.key");
    f->key_b = kt_path(f->dir, "b.key");
    kt_write_file(f->key_a, KEY_A "\n", strlen(KEY_A) + 1);
    kt_write_file(f->key_b, KEY_B, strlen(KEY_B));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    kt_store_forget(f->db);
    kt_rmdir(f->dir);
    free(f->dir);
    free(f->db);
    free(f->state);
    free(f->key_a);
    free(f->key_b);
    free(f);
    return 0;
}

static void put_secret(const char *db, const char *key, const char *name,
                       const char *value)
{
    struct ks_store *st = NULL;

    assert_int_equal(th_open_file(&st, db, key), KS_OK);
    assert_int_equal(ks_store_secret_put(st, name, value), KS_OK);
    ks_store_close(st);
}

/* Changes one row behind the store's back: sqlite_sql on SQLite, pg_sql
 * (NULL: the same) on PostgreSQL. */
static void run_sql(const char *db, const char *sqlite_sql, const char *pg_sql)
{
    assert_int_equal(kt_store_sql(db, sqlite_sql, pg_sql), 1);
}

/* The nonce of secret k as hex. */
static char *nonce_hex(const char *db)
{
    char *hex = kt_store_sql_value(
        db, "SELECT lower(hex(nonce)) FROM secrets WHERE name = 'k'",
        "SELECT encode(nonce, 'hex') FROM secrets WHERE name = 'k'");

    assert_non_null(hex);
    assert_int_equal(strlen(hex), 24); /* 12 bytes */
    return hex;
}

static void secret_round_trips_after_reopen(void **state)
{
    struct fixture *f = *state;
    struct ks_store *st = NULL;
    char *v = NULL;

    put_secret(f->db, f->key_a, "epicor.password", PASSWORD);
    put_secret(f->db, f->key_a, "empty", "");
    assert_int_equal(th_open_file(&st, f->db, f->key_a), KS_OK);
    assert_int_equal(ks_store_secret_get(&v, st, "epicor.password"), KS_OK);
    assert_string_equal(v, PASSWORD);
    ks_store_secret_dispose(v);
    assert_int_equal(ks_store_secret_get(&v, st, "empty"), KS_OK);
    assert_string_equal(v, "");
    ks_store_secret_dispose(v);
    assert_int_equal(ks_store_secret_get(&v, st, "missing"), KS_ENOTFOUND);
    assert_null(v);
    ks_store_close(st);
}

static void put_replaces_the_value_with_a_fresh_nonce(void **state)
{
    struct fixture *f = *state;
    struct ks_store *st = NULL;
    char *n1, *n2;
    char *v = NULL;

    assert_int_equal(th_open_file(&st, f->db, f->key_a), KS_OK);
    assert_int_equal(ks_store_secret_put(st, "k", "same"), KS_OK);
    n1 = nonce_hex(f->db);
    assert_int_equal(ks_store_secret_put(st, "k", "same"), KS_OK);
    n2 = nonce_hex(f->db);
    assert_string_not_equal(n1, n2);
    free(n1);
    free(n2);
    assert_int_equal(ks_store_secret_put(st, "k", "other"), KS_OK);
    assert_int_equal(ks_store_secret_get(&v, st, "k"), KS_OK);
    assert_string_equal(v, "other");
    ks_store_secret_dispose(v);
    ks_store_close(st);
}

static void wrong_key_is_refused_at_open_with_ecrypto(void **state)
{
    struct fixture *f = *state;
    struct ks_store_options o = KS_STORE_OPTIONS_INIT;
    struct ks_store *st = NULL;
    struct ks_error err;

    put_secret(f->db, f->key_a, "epicor.password", PASSWORD);
    o.path = f->state;
    o.key_file = f->key_b;
    o.error = &err;
    assert_int_equal(ks_store_open(&st, &o), KS_ECRYPTO);
    assert_null(st);
    assert_int_equal(err.rc, KS_ECRYPTO);
    assert_non_null(strstr(err.message, "wrong key"));
    assert_null(strstr(err.message, KEY_A));
    assert_null(strstr(err.message, KEY_B));
}

static void tampered_ciphertext_fails_with_ecrypto(void **state)
{
    struct fixture *f = *state;
    struct ks_store *st = NULL;
    char *v = NULL;

    put_secret(f->db, f->key_a, "epicor.password", PASSWORD);
    /* The first byte changes whatever it was (the nonce is random: a
     * fixed replacement byte would equal it one run in 256). */
    run_sql(f->db,
            "UPDATE secrets SET ciphertext = "
            "(CASE WHEN substr(ciphertext, 1, 1) = X'00' "
            "THEN X'01' ELSE X'00' END) || substr(ciphertext, 2) "
            "WHERE name = 'epicor.password'",
            "UPDATE secrets SET ciphertext = set_byte(ciphertext, 0, "
            "(get_byte(ciphertext, 0) + 1) % 256) "
            "WHERE name = 'epicor.password'");
    assert_int_equal(th_open_file(&st, f->db, f->key_a), KS_OK);
    assert_int_equal(ks_store_secret_get(&v, st, "epicor.password"),
                     KS_ECRYPTO);
    assert_null(v);
    assert_non_null(strstr(ks_store_last_error(st)->message, "epicor"));
    ks_store_close(st);
}

static void tampered_tag_fails_with_ecrypto(void **state)
{
    struct fixture *f = *state;
    struct ks_store *st = NULL;
    char *v = NULL;

    put_secret(f->db, f->key_a, "epicor.password", PASSWORD);
    run_sql(f->db, "UPDATE secrets SET tag = zeroblob(16)",
            "UPDATE secrets SET tag = decode(repeat('00', 16), 'hex')");
    assert_int_equal(th_open_file(&st, f->db, f->key_a), KS_OK);
    assert_int_equal(ks_store_secret_get(&v, st, "epicor.password"),
                     KS_ECRYPTO);
    ks_store_close(st);
}

static void ciphertext_moved_to_another_name_fails_with_ecrypto(void **state)
{
    struct fixture *f = *state;
    struct ks_store *st = NULL;
    char *v = NULL;

    put_secret(f->db, f->key_a, "epicor.password", PASSWORD);
    run_sql(f->db, "UPDATE secrets SET name = 'woocommerce.secret'", NULL);
    assert_int_equal(th_open_file(&st, f->db, f->key_a), KS_OK);
    assert_int_equal(ks_store_secret_get(&v, st, "woocommerce.secret"),
                     KS_ECRYPTO);
    ks_store_close(st);
}

static void database_files_never_hold_the_plaintext(void **state)
{
    struct fixture *f = *state;
    struct ks_store *st = NULL;

    assert_int_equal(th_open_file(&st, f->db, f->key_a), KS_OK);
    assert_int_equal(ks_store_secret_put(st, "epicor.password", PASSWORD),
                     KS_OK);
    if (kt_store_is_pg()) {
        /* No column of the row holds the plaintext; the probe itself
         * works: the name is stored in clear. */
        const char *probe =
            "SELECT count(*) FROM secrets WHERE position(convert_to('" PASSWORD
            "', 'UTF8') IN nonce || ciphertext || tag) > 0";
        char *n = kt_store_sql_value(f->db, NULL, probe);

        assert_string_equal(n, "0");
        free(n);
        n = kt_store_sql_value(f->db, NULL,
                               "SELECT count(*) FROM secrets WHERE "
                               "name = 'epicor.password'");
        assert_string_equal(n, "1");
        free(n);
        ks_store_close(st);
        return;
    }
    /* While open, the write sits in the WAL file; check every file. */
    assert_false(kt_dir_contains(f->dir, PASSWORD, strlen(PASSWORD)));
    ks_store_close(st);
    assert_false(kt_dir_contains(f->dir, PASSWORD, strlen(PASSWORD)));
    /* The probe itself works: the name is stored in clear. */
    assert_true(kt_dir_contains(f->dir, "epicor.password", 15));
}

static void store_without_key_refuses_secrets_with_einval(void **state)
{
    struct fixture *f = *state;
    struct ks_store *st = NULL;
    char *v = NULL;

    put_secret(f->db, f->key_a, "epicor.password", PASSWORD);
    assert_int_equal(th_open_file(&st, f->db, NULL), KS_OK);
    assert_int_equal(ks_store_secret_put(st, "x", "y"), KS_EINVAL);
    assert_non_null(strstr(ks_store_last_error(st)->message, "key"));
    assert_int_equal(ks_store_secret_get(&v, st, "epicor.password"), KS_EINVAL);
    assert_int_equal(ks_store_cursor_set(st, "f", "e", "1"), KS_OK);
    assert_int_equal(ks_store_secret_delete(st, "epicor.password"), KS_OK);
    assert_int_equal(ks_store_secret_delete(st, "epicor.password"),
                     KS_ENOTFOUND);
    ks_store_close(st);
}

static void raw_key_file_and_hex_env_key_are_the_same_key(void **state)
{
    struct fixture *f = *state;
    struct ks_store_options o = KS_STORE_OPTIONS_INIT;
    unsigned char raw[32];
    char *raw_path = kt_path(f->dir, "raw.key");
    struct ks_store *st = NULL;
    char *v = NULL;
    int i;

    for (i = 0; i < 32; i++)
        raw[i] = (unsigned char)i;
    kt_write_file(raw_path, raw, sizeof(raw));
    put_secret(f->db, raw_path, "n", "v");
    assert_int_equal(setenv("KS_TEST_STORE_KEY", KEY_A, 1), 0);
    o.path = f->state;
    o.key_env = "KS_TEST_STORE_KEY";
    assert_int_equal(ks_store_open(&st, &o), KS_OK);
    assert_int_equal(ks_store_secret_get(&v, st, "n"), KS_OK);
    assert_string_equal(v, "v");
    ks_store_secret_dispose(v);
    ks_store_close(st);
    unsetenv("KS_TEST_STORE_KEY");
    free(raw_path);
}

static void bad_key_configuration_is_einval(void **state)
{
    struct fixture *f = *state;
    struct ks_store_options o = KS_STORE_OPTIONS_INIT;
    char *short_key = kt_path(f->dir, "short.key");
    struct ks_store *st = NULL;

    kt_write_file(short_key, "abcd", 4);
    o.path = f->state;
    o.key_file = short_key;
    assert_int_equal(ks_store_open(&st, &o), KS_EINVAL);
    kt_write_file(short_key, KEY_A "\n" KEY_A, 2 * strlen(KEY_A) + 1);
    assert_int_equal(ks_store_open(&st, &o), KS_EINVAL);
    o.key_file = f->key_a;
    o.key_env = "KS_TEST_STORE_KEY";
    assert_int_equal(ks_store_open(&st, &o), KS_EINVAL);
    o.key_file = NULL;
    unsetenv("KS_TEST_STORE_KEY");
    assert_int_equal(ks_store_open(&st, &o), KS_EINVAL);
    assert_int_equal(setenv("KS_TEST_STORE_KEY", "not-hex", 1), 0);
    assert_int_equal(ks_store_open(&st, &o), KS_EINVAL);
    unsetenv("KS_TEST_STORE_KEY");
    o.key_env = NULL;
    o.key_file = "/nonexistent/kinsync.key";
    assert_int_equal(ks_store_open(&st, &o), KS_EINVAL);
    assert_null(st);
    free(short_key);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(secret_round_trips_after_reopen),
        T(put_replaces_the_value_with_a_fresh_nonce),
        T(wrong_key_is_refused_at_open_with_ecrypto),
        T(tampered_ciphertext_fails_with_ecrypto),
        T(tampered_tag_fails_with_ecrypto),
        T(ciphertext_moved_to_another_name_fails_with_ecrypto),
        T(database_files_never_hold_the_plaintext),
        T(store_without_key_refuses_secrets_with_einval),
        T(raw_key_file_and_hex_env_key_are_the_same_key),
        T(bad_key_configuration_is_einval),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
