/* unit.epicor.alloc: every allocation of the client failing in turn (the
 * emulator allocates outside ks__malloc and is unaffected): the calls
 * return KS_ENOMEM or succeed, never crash, and leak nothing (ASan). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "core/internal.h"
#include "ke.h"

#define DATA                                                                   \
    "\"companies\":{\"EPIC06\":{"                                              \
    "\"parts\":[{\"PartNum\":\"A\",\"UnitPrice\":2},{\"PartNum\":\"B\"},"      \
    "{\"PartNum\":\"C\"}],"                                                    \
    "\"customers\":[{\"CustNum\":10,\"CustID\":\"ACME\",\"Name\":\"Acme\","    \
    "\"EMailAddress\":\"a@b.example\"}],"                                      \
    "\"vendors\":[{\"VendorNum\":1,\"VendorID\":\"V1\",\"Name\":\"V\"}],"      \
    "\"gl_accounts\":[{\"GLAccount1\":\"510000100\",\"SegValue1\":\"5100\","   \
    "\"SegValue2\":\"00\",\"SegValue3\":\"100\"}],"                            \
    "\"ap_inv_grps\":[{\"GroupID\":\"G1\"}]}}"

static int count_rows(void *ud, const cJSON *row)
{
    (void)row;
    (*(int *)ud)++;
    return 0;
}

typedef ks_rc (*op_fn)(struct ke_env *env);

static ks_rc op_read(struct ke_env *env)
{
    int n = 0;
    int64_t max = 0;
    ks_rc rc = ks_epicor_parts_changed_since(env->epi, 0, count_rows, &n, &max);

    if (!rc)
        assert_int_equal(n, 3);
    return rc;
}

static ks_rc op_lookup(struct ke_env *env)
{
    cJSON *c = NULL;
    ks_rc rc = ks_epicor_customer_find_by_email(&c, env->epi, "a@b.example");

    cJSON_Delete(c);
    return rc;
}

static ks_rc op_order(struct ke_env *env)
{
    struct ks_epicor_order_line line = {"A", 2, 3.5, "x", NULL};
    struct ks_epicor_order o = {0,     "ACME", "PO-1", "2026-01-05", NULL,
                                &line, 1,      NULL,   NULL};
    int64_t num = 0;

    return ks_epicor_sales_order_create(&num, env->epi, &o);
}

/* The same invoice each time: once a save went through, the next calls
 * find it and finish its GL coding (the exactly-once path). */
static ks_rc op_ap_invoice(struct ke_env *env)
{
    struct ks_epicor_ap_line line = {"Freight", 2, 40, "5100|00|100"};
    struct ks_epicor_ap_invoice inv = {1, "INV-1", "G1", NULL, &line, 1};
    cJSON *hed = NULL;
    int created = 0;
    ks_rc rc = ks_epicor_ap_invoice_enter(&hed, &created, env->epi, &inv);

    if (!rc)
        assert_non_null(hed);
    cJSON_Delete(hed);
    return rc;
}

static cJSON *upsert_fields; /* made before any failure is injected */

static ks_rc op_upsert(struct ke_env *env)
{
    /* B exists (update path); a new part each time would grow the table */
    return ks_epicor_part_upsert(NULL, env->epi, "B", upsert_fields);
}

/* Runs op with the n-th allocation failing, for n = 1.. until it succeeds
 * without any failure injected. A fresh handle each time so
 * the token fetch is exercised too. */
static void torture(op_fn op, enum ks_epicor_auth auth)
{
    struct ke_env env;
    int done = 0;

    ke_start(&env, DATA, auth, 2, NULL);
    for (uint64_t n = 1; n < 5000 && !done; n++) {
        struct ks_epicor_options o = KS_EPICOR_OPTIONS_INIT;
        char url[128];
        ks_rc rc;

        snprintf(url, sizeof(url), "%s", km_server_url(env.emu->server));
        ks_epicor_free(env.epi);
        env.epi = NULL;
        ke_options(&o, url, auth);
        o.page_size = 2;
        assert_int_equal(ks_epicor_new(&env.epi, env.client, &o), KS_OK);
        ks__alloc_fail_at(n);
        rc = op(&env);
        done = ks__alloc_count() < n; /* no failure was injected */
        ks__alloc_fail_at(0);
        if (rc != KS_OK && rc != KS_ENOMEM)
            fail_msg("allocation %llu: %s (%s)", (unsigned long long)n,
                     ks_rc_name(rc), ks_client_last_error(env.client)->message);
        if (done)
            assert_int_equal(rc, KS_OK);
    }
    assert_true(done);
    ke_stop(&env);
}

static void reads_survive_every_allocation_failure(void **state)
{
    (void)state;
    torture(op_read, KS_EPICOR_AUTH_TOKEN);
}

static void lookups_survive_every_allocation_failure(void **state)
{
    (void)state;
    torture(op_lookup, KS_EPICOR_AUTH_BASIC);
}

static void order_creation_survives_every_allocation_failure(void **state)
{
    (void)state;
    /* Basic auth: with tokens, every attempt would add one more token
     * to the emulator's journal mask and slow the run quadratically. */
    torture(op_order, KS_EPICOR_AUTH_BASIC);
}

static void ap_invoice_survives_every_allocation_failure(void **state)
{
    (void)state;
    torture(op_ap_invoice, KS_EPICOR_AUTH_BASIC);
}

static void part_upsert_survives_every_allocation_failure(void **state)
{
    (void)state;
    upsert_fields = cJSON_Parse("{\"UnitPrice\":7.25}");
    assert_non_null(upsert_fields);
    torture(op_upsert, KS_EPICOR_AUTH_BASIC);
    cJSON_Delete(upsert_fields);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_survive_every_allocation_failure),
        cmocka_unit_test(lookups_survive_every_allocation_failure),
        cmocka_unit_test(order_creation_survives_every_allocation_failure),
        cmocka_unit_test(part_upsert_survives_every_allocation_failure),
        cmocka_unit_test(ap_invoice_survives_every_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
