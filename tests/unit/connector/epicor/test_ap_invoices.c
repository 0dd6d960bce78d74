/* unit.connector.epicor.ap_invoices: AP invoices entered with GetNew +
 * UpdateMaster, their GL coding landing on the application's APInvExpTGLC
 * row (not a second one), exactly once per supplier invoice number. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "ke.h"

#define DATA                                                                   \
    "\"companies\":{\"EPIC06\":{"                                              \
    "\"vendors\":[{\"VendorNum\":1,\"VendorID\":\"STEELINC\",\"Name\":"        \
    "\"Steel Inc\",\"TermsCode\":\"N30\"}],"                                   \
    "\"gl_accounts\":[{\"COACode\":\"MainBook\",\"GLAccount1\":\"510000100\"," \
    "\"SegValue1\":\"5100\",\"SegValue2\":\"00\",\"SegValue3\":\"100\"},"      \
    "{\"COACode\":\"MainBook\",\"GLAccount1\":\"620000100\",\"SegValue1\":"    \
    "\"6200\",\"SegValue2\":\"00\",\"SegValue3\":\"100\"}],"                   \
    "\"ap_inv_grps\":[{\"GroupID\":\"KS01\"}]}}"

#define CO "companies/EPIC06/"

static const char *str_at(struct ke_env *env, const char *path)
{
    static char buf[128];
    cJSON *snap = NULL;
    const cJSON *v = kt_at(&snap, env->emu, path);

    if (!cJSON_IsString(v))
        fail_msg("no string at %s", path);
    snprintf(buf, sizeof(buf), "%s", v->valuestring);
    cJSON_Delete(snap);
    return buf;
}

static double num_at(struct ke_env *env, const char *path)
{
    cJSON *snap = NULL;
    const cJSON *v = kt_at(&snap, env->emu, path);
    double d;

    if (!cJSON_IsNumber(v))
        fail_msg("no number at %s", path);
    d = v->valuedouble;
    cJSON_Delete(snap);
    return d;
}

static void gl_account_lands_on_the_applications_row(void **state)
{
    struct ke_env env;
    struct ks_epicor_ap_line lines[] = {
        {"Freight", 1, 80, "5100|00|100"},
        {"Paper", 4, 12.5, "6200|00|100"},
    };
    struct ks_epicor_ap_invoice inv = {1,     "INV-1", "KS01", "2026-01-05",
                                       lines, 2};
    cJSON *hed = NULL;
    int created = 0;

    (void)state;
    ke_start(&env, DATA, KS_EPICOR_AUTH_TOKEN, 0, NULL);
    assert_int_equal(ks_epicor_ap_invoice_enter(&hed, &created, env.epi, &inv),
                     KS_OK);
    assert_int_equal(created, 1);
    assert_string_equal(
        cJSON_GetObjectItemCaseSensitive(hed, "InvoiceNum")->valuestring,
        "INV-1");
    assert_true(
        cJSON_GetObjectItemCaseSensitive(hed, "InvoiceAmt")->valuedouble ==
        130);
    cJSON_Delete(hed);
    /* one TGLC row per expense, Epicor's own, carrying the account */
    assert_int_equal(kt_size(env.emu, CO "APInvExpTGLCs"), 2);
    assert_string_equal(str_at(&env, CO "APInvExps/0/GLAccount"),
                        "5100|00|100");
    assert_string_equal(str_at(&env, CO "APInvExps/1/GLAccount"),
                        "6200|00|100");
    assert_true(num_at(&env, CO "APInvExps/1/DocExpAmt") == 50);
    assert_true(num_at(&env, CO "APInvExpTGLCs/0/TGLCTranNum") == 1);
    assert_true(num_at(&env, CO "APInvExpTGLCs/1/TGLCTranNum") == 1);
    assert_string_equal(str_at(&env, CO "APInvExpTGLCs/0/SegValue1"), "5100");
    /* the screen's sequence; never a direct write to the TGLC entity set */
    assert_int_equal(kt_count(env.emu->server, "POST */GetNewAPInvHed"), 1);
    assert_int_equal(kt_count(env.emu->server, "POST */GetNewAPInvDtl"), 2);
    assert_int_equal(kt_count(env.emu->server, "POST */GetNewAPInvExp"), 2);
    assert_int_equal(kt_count(env.emu->server, "POST */UpdateMaster"), 2);
    assert_int_equal(kt_count(env.emu->server, "POST */APInvExpTGLCs"), 0);
    assert_true(ke_log_clean(&env));
    ke_stop(&env);
}

static void entered_once_and_coding_finished_on_a_second_call(void **state)
{
    struct ke_env env;
    struct ks_epicor_ap_line bare[] = {{"Freight", 1, 80, NULL}};
    struct ks_epicor_ap_line coded[] = {{"Freight", 1, 80, "5100|00|100"}};
    struct ks_epicor_ap_invoice inv = {1, "INV-2", "KS01", NULL, bare, 1};
    int created = 9;

    (void)state;
    ke_start(&env, DATA, KS_EPICOR_AUTH_TOKEN, 0, NULL);
    /* a write cut short after the first save: the invoice, no coding */
    assert_int_equal(ks_epicor_ap_invoice_enter(NULL, &created, env.epi, &inv),
                     KS_OK);
    assert_int_equal(created, 1);
    assert_string_equal(str_at(&env, CO "APInvExps/0/GLAccount"), "");
    inv.lines = coded;
    assert_int_equal(ks_epicor_ap_invoice_enter(NULL, &created, env.epi, &inv),
                     KS_OK);
    assert_int_equal(created, 0);
    assert_string_equal(str_at(&env, CO "APInvExps/0/GLAccount"),
                        "5100|00|100");
    /* and once more: nothing left to write */
    assert_int_equal(ks_epicor_ap_invoice_enter(NULL, &created, env.epi, &inv),
                     KS_OK);
    assert_int_equal(created, 0);
    assert_int_equal(kt_size(env.emu, CO "APInvoices"), 1);
    assert_int_equal(kt_size(env.emu, CO "APInvExpTGLCs"), 1);
    assert_int_equal(kt_count(env.emu->server, "POST */GetNewAPInvHed"), 1);
    assert_int_equal(kt_count(env.emu->server, "POST */UpdateMaster"), 2);
    ke_stop(&env);
}

static void unknown_account_is_refused_and_named(void **state)
{
    struct ke_env env;
    struct ks_epicor_ap_line lines[] = {{"Freight", 1, 80, "9999|00|100"}};
    struct ks_epicor_ap_invoice inv = {1, "INV-3", "KS01", NULL, lines, 1};
    const struct ks_error *e;
    int created = 0;
    ks_rc rc;

    (void)state;
    ke_start(&env, DATA, KS_EPICOR_AUTH_TOKEN, 0, NULL);
    rc = ks_epicor_ap_invoice_enter(NULL, &created, env.epi, &inv);
    assert_int_not_equal(rc, KS_OK);
    e = ks_client_last_error(env.client);
    assert_non_null(strstr(e->message, "9999|00|100"));
    assert_string_equal(str_at(&env, CO "APInvExps/0/GLAccount"), "");
    ke_stop(&env);
}

static void bad_input_is_einval_before_any_request(void **state)
{
    struct ke_env env;
    struct ks_epicor_ap_line lines[] = {{"Freight", 1, 80, "5100||100"}};
    struct ks_epicor_ap_invoice inv = {1, "INV-4", "KS01", NULL, lines, 1};
    int created = 0;

    (void)state;
    ke_start(&env, DATA, KS_EPICOR_AUTH_TOKEN, 0, NULL);
    assert_int_equal(ks_epicor_ap_invoice_enter(NULL, &created, env.epi, &inv),
                     KS_EINVAL);
    inv.lines = NULL;
    assert_int_equal(ks_epicor_ap_invoice_enter(NULL, &created, env.epi, &inv),
                     KS_EINVAL);
    assert_int_equal(kt_count(env.emu->server, "POST *"), 0);
    ke_stop(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gl_account_lands_on_the_applications_row),
        cmocka_unit_test(entered_once_and_coding_finished_on_a_second_call),
        cmocka_unit_test(unknown_account_is_refused_and_named),
        cmocka_unit_test(bad_input_is_einval_before_any_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
