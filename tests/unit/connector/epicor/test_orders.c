/* unit.epicor.orders: customers and sales orders written through the BO
 * method sequences, read back, and refunds recorded idempotently. */
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
    "\"parts\":[{\"PartNum\":\"WIDGET-100\",\"PartDescription\":\"Widget\","   \
    "\"UnitPrice\":12.5},{\"PartNum\":\"GADGET-1\",\"PartDescription\":"       \
    "\"Gadget\",\"UnitPrice\":149}],"                                          \
    "\"customers\":[{\"CustNum\":10,\"CustID\":\"ACME\",\"Name\":\"Acme\","    \
    "\"EMailAddress\":\"orders@acme.example\",\"TermsCode\":\"N30\"}]}}"

static const cJSON *get(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

    if (!v)
        fail_msg("no field %s", name);
    return v;
}

static void sales_order_created_and_read_back(void **state)
{
    struct ke_env env;
    struct ks_epicor_order_line lines[] = {
        {"WIDGET-100", 3, 11.0, NULL, NULL},
        {"GADGET-1", 1, -1, "Gadget, gift wrapped", NULL},
    };
    struct ks_epicor_order o = {
        0,     "ACME", "WEB-1001", "2026-01-05", "2026-01-09",
        lines, 2,      NULL,       NULL};
    int64_t num = 0;
    cJSON *order = NULL, *snap = NULL;
    const cJSON *dtls, *l0, *l1;

    (void)state;
    ke_start(&env, DATA ",\"start_order_num\":5000", KS_EPICOR_AUTH_TOKEN, 0,
             NULL);
    assert_int_equal(ks_epicor_sales_order_create(&num, env.epi, &o), KS_OK);
    assert_int_equal(num, 5000);
    assert_int_equal(ks_epicor_sales_order_get(&order, env.epi, num), KS_OK);
    assert_string_equal(get(order, "PONum")->valuestring, "WEB-1001");
    assert_int_equal(get(order, "CustNum")->valueint, 10);
    assert_string_equal(get(order, "TermsCode")->valuestring, "N30");
    assert_null(cJSON_GetObjectItemCaseSensitive(order, "@odata.context"));
    dtls = get(order, "OrderDtls");
    assert_int_equal(cJSON_GetArraySize(dtls), 2);
    l0 = cJSON_GetArrayItem(dtls, 0);
    l1 = cJSON_GetArrayItem(dtls, 1);
    assert_string_equal(get(l0, "PartNum")->valuestring, "WIDGET-100");
    assert_true(get(l0, "SellingQuantity")->valuedouble == 3);
    assert_true(get(l0, "DocUnitPrice")->valuedouble == 11.0);
    assert_true(get(l1, "DocUnitPrice")->valuedouble == 149); /* Epicor's */
    assert_string_equal(get(l1, "LineDesc")->valuestring,
                        "Gadget, gift wrapped");
    assert_true(get(order, "OrderAmt")->valuedouble == 33 + 149);
    cJSON_Delete(order);
    /* the screen's sequence, one MasterUpdate for the header and per line */
    assert_int_equal(kt_count(env.emu->server, "POST */GetNewOrderHed"), 1);
    assert_int_equal(
        kt_count(env.emu->server, "POST */ChangeOrderHedCustomerCustID"), 1);
    assert_int_equal(kt_count(env.emu->server, "POST */GetNewOrderDtl"), 2);
    assert_int_equal(kt_count(env.emu->server, "POST */ChangePartNum"), 2);
    assert_int_equal(kt_count(env.emu->server, "POST */ChangeSellingQuantity"),
                     2);
    assert_int_equal(kt_count(env.emu->server, "POST */MasterUpdate"), 3);
    assert_int_equal(
        cJSON_GetArraySize(kt_at(&snap, env.emu, "companies/EPIC06/orders")),
        1);
    cJSON_Delete(snap);
    assert_true(ke_log_clean(&env));
    ke_stop(&env);
}

/* A write stopped after the header (on_saved) is finished by
 * add_lines: the lines carry their POLine keys, the header is untouched,
 * and the order ends with each line once. */
static ks_rc stop_after_header(void *ud, int64_t order_num, size_t saved)
{
    (void)ud;
    (void)order_num;
    return saved == 0 ? KS_ECONFLICT : KS_OK;
}

static void lines_added_to_an_order_cut_short(void **state)
{
    struct ke_env env;
    struct ks_epicor_order_line lines[] = {
        {"WIDGET-100", 3, 11.0, NULL, "801"},
        {"GADGET-1", 1, -1, NULL, "802"},
    };
    struct ks_epicor_order o = {0,     "ACME", "WEB-7",           NULL, NULL,
                                lines, 2,      stop_after_header, NULL};
    int64_t num = 0;
    size_t saved = 9;
    cJSON *order = NULL;
    const cJSON *dtls;

    (void)state;
    ke_start(&env, DATA ",\"start_order_num\":5000", KS_EPICOR_AUTH_TOKEN, 0,
             NULL);
    assert_int_equal(ks_epicor_sales_order_create(&num, env.epi, &o),
                     KS_ECONFLICT);
    assert_int_equal(num, 5000); /* the header is saved */
    assert_int_equal(kt_count(env.emu->server, "POST */GetNewOrderDtl"), 0);
    o.on_saved = NULL;
    assert_int_equal(ks_epicor_sales_order_add_lines(&saved, env.epi, num, &o),
                     KS_OK);
    assert_int_equal(saved, 2);
    assert_int_equal(ks_epicor_sales_order_get(&order, env.epi, num), KS_OK);
    assert_int_equal(get(order, "CustNum")->valueint, 10);
    assert_string_equal(get(order, "PONum")->valuestring, "WEB-7");
    dtls = get(order, "OrderDtls");
    assert_int_equal(cJSON_GetArraySize(dtls), 2);
    assert_string_equal(get(cJSON_GetArrayItem(dtls, 0), "POLine")->valuestring,
                        "801");
    assert_string_equal(get(cJSON_GetArrayItem(dtls, 1), "POLine")->valuestring,
                        "802");
    assert_true(get(order, "OrderAmt")->valuedouble == 33 + 149);
    cJSON_Delete(order);
    /* a missing order is ENOTFOUND and saves nothing */
    assert_int_equal(ks_epicor_sales_order_add_lines(&saved, env.epi, 4242, &o),
                     KS_ENOTFOUND);
    assert_int_equal(saved, 0);
    assert_true(ke_log_clean(&env));
    ke_stop(&env);
}

static void sales_order_by_cust_num_and_found_by_po(void **state)
{
    struct ke_env env;
    struct ks_epicor_order_line line = {"GADGET-1", 2, -1, NULL, NULL};
    struct ks_epicor_order o = {10,    NULL, "PO-'7'", NULL, NULL,
                                &line, 1,    NULL,     NULL};
    int64_t num = 0;
    cJSON *found = NULL;

    (void)state;
    ke_start(&env, DATA, KS_EPICOR_AUTH_BASIC, 0, NULL);
    assert_int_equal(ks_epicor_sales_order_create(&num, env.epi, &o), KS_OK);
    assert_true(num > 0);
    assert_int_equal(kt_count(env.emu->server, "POST */ChangeCustomer"), 1);
    assert_int_equal(
        ks_epicor_sales_order_find_by_po(&found, env.epi, "PO-'7'"), KS_OK);
    assert_int_equal(get(found, "OrderNum")->valueint, (int)num);
    assert_string_equal(get(found, "CustomerCustID")->valuestring, "ACME");
    cJSON_Delete(found);
    assert_int_equal(ks_epicor_sales_order_find_by_po(&found, env.epi, "NONE"),
                     KS_ENOTFOUND);
    ke_stop(&env);
}

static void unknown_part_fails_after_the_header_is_saved(void **state)
{
    struct ke_env env;
    struct ks_epicor_order_line line = {"NO-SUCH-PART", 1, 5, NULL, NULL};
    struct ks_epicor_order o = {0,     "ACME", "WEB-2", NULL, NULL,
                                &line, 1,      NULL,    NULL};
    const struct ks_error *e;
    int64_t num = 0;

    (void)state;
    ke_start(&env, DATA, KS_EPICOR_AUTH_TOKEN, 0, NULL);
    assert_int_equal(ks_epicor_sales_order_create(&num, env.epi, &o),
                     KS_EREMOTE);
    assert_true(num > 0); /* the caller can find and finish or void it */
    e = ks_client_last_error(env.client);
    assert_int_equal(e->http_status, 400);
    assert_non_null(strstr(e->message, "NO-SUCH-PART"));
    assert_true(e->remote_id[0] != '\0');
    ke_stop(&env);
}

static void unknown_customer_is_refused_before_any_save(void **state)
{
    struct ke_env env;
    struct ks_epicor_order_line line = {"GADGET-1", 1, 5, NULL, NULL};
    struct ks_epicor_order o = {0,     "NOBODY", "WEB-3", NULL, NULL,
                                &line, 1,        NULL,    NULL};
    int64_t num = 0;

    (void)state;
    ke_start(&env, DATA, KS_EPICOR_AUTH_TOKEN, 0, NULL);
    assert_int_equal(ks_epicor_sales_order_create(&num, env.epi, &o),
                     KS_EREMOTE);
    assert_int_equal(num, 0);
    assert_int_equal(kt_count(env.emu->server, "POST */MasterUpdate"), 0);
    o.cust_id = NULL;
    assert_int_equal(ks_epicor_sales_order_create(&num, env.epi, &o),
                     KS_EINVAL);
    ke_stop(&env);
}

static void missing_order_is_enotfound(void **state)
{
    struct ke_env env;
    cJSON *order = NULL;

    (void)state;
    ke_start(&env, DATA, KS_EPICOR_AUTH_TOKEN, 0, NULL);
    assert_int_equal(ks_epicor_sales_order_get(&order, env.epi, 424242),
                     KS_ENOTFOUND);
    assert_null(order);
    ke_stop(&env);
}

static void refund_recorded_once_per_reference(void **state)
{
    struct ke_env env;
    struct ks_epicor_order_line line = {"GADGET-1", 1, -1, NULL, NULL};
    struct ks_epicor_order o = {0,     "ACME", "WEB-9", NULL, NULL,
                                &line, 1,      NULL,    NULL};
    int64_t num = 0;
    int recorded = -1;
    cJSON *order = NULL;
    const char *comment;

    (void)state;
    ke_start(&env, DATA, KS_EPICOR_AUTH_TOKEN, 0, NULL);
    assert_int_equal(ks_epicor_sales_order_create(&num, env.epi, &o), KS_OK);
    assert_int_equal(ks_epicor_order_record_refund(&recorded, env.epi, num,
                                                   "R-1", 20.5, "damaged"),
                     KS_OK);
    assert_int_equal(recorded, 1);
    assert_int_equal(ks_epicor_order_record_refund(&recorded, env.epi, num,
                                                   "R-1", 20.5, "damaged"),
                     KS_OK);
    assert_int_equal(recorded, 0);
    assert_int_equal(
        ks_epicor_order_record_refund(&recorded, env.epi, num, "R-2", 5, NULL),
        KS_OK);
    assert_int_equal(recorded, 1);
    assert_int_equal(ks_epicor_sales_order_get(&order, env.epi, num), KS_OK);
    comment = get(order, "OrderComment")->valuestring;
    assert_non_null(strstr(comment, "[kinsync refund R-1: 20.50 damaged]"));
    assert_non_null(strstr(comment, "[kinsync refund R-2: 5.00]"));
    assert_null(strstr(strstr(comment, "R-1") + 1, "R-1"));
    /* totals untouched */
    assert_true(get(order, "OrderAmt")->valuedouble == 149);
    cJSON_Delete(order);
    ke_stop(&env);
}

static void customer_created_with_assigned_number(void **state)
{
    struct ke_env env;
    cJSON *fields = cJSON_Parse("{\"CustID\":\"WEB-77\",\"Name\":\"Jo Web\","
                                "\"EMailAddress\":\"jo@web.example\"}");
    cJSON *found = NULL;
    int64_t num = 0;

    (void)state;
    ke_start(&env, DATA ",\"start_cust_num\":300", KS_EPICOR_AUTH_TOKEN, 0,
             NULL);
    assert_int_equal(ks_epicor_customer_create(&num, env.epi, fields), KS_OK);
    assert_true(num >= 300);
    assert_int_equal(
        ks_epicor_customer_find_by_email(&found, env.epi, "jo@web.example"),
        KS_OK);
    assert_int_equal(get(found, "CustNum")->valueint, (int)num);
    assert_string_equal(get(found, "CustID")->valuestring, "WEB-77");
    cJSON_Delete(found);
    cJSON_Delete(fields);
    /* a CustID is required by Epicor */
    fields = cJSON_Parse("{\"Name\":\"No Id\"}");
    assert_int_equal(ks_epicor_customer_create(&num, env.epi, fields),
                     KS_EREMOTE);
    assert_int_equal(num, 0);
    cJSON_Delete(fields);
    ke_stop(&env);
}

static void stale_update_is_econflict(void **state)
{
    struct ke_env env;
    cJSON *c = NULL, *body, *ds, *rows, *reply = NULL;

    (void)state;
    ke_start(&env, DATA, KS_EPICOR_AUTH_TOKEN, 0, NULL);
    assert_int_equal(
        ks_epicor_customer_find_by_email(&c, env.epi, "orders@acme.example"),
        KS_OK);
    cJSON_Delete(kt_act(env.emu, "change_row",
                        "{\"entity_set\":\"Customers\",\"keys\":[10],"
                        "\"fields\":{\"Name\":\"Acme Inc\"}}"));
    cJSON_ReplaceItemInObjectCaseSensitive(c, "RowMod",
                                           cJSON_CreateString("U"));
    body = cJSON_CreateObject();
    ds = cJSON_AddObjectToObject(body, "ds");
    rows = cJSON_AddArrayToObject(ds, "Customer");
    cJSON_AddItemToArray(rows, c);
    assert_int_equal(
        ks_epicor_call(&reply, env.epi, "Erp.BO.CustomerSvc", "Update", body),
        KS_ECONFLICT);
    assert_int_equal(ks_client_last_error(env.client)->rc, KS_ECONFLICT);
    assert_non_null(strstr(ks_client_last_error(env.client)->message,
                           "modified by another user"));
    cJSON_Delete(body);
    ke_stop(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sales_order_created_and_read_back),
        cmocka_unit_test(sales_order_by_cust_num_and_found_by_po),
        cmocka_unit_test(lines_added_to_an_order_cut_short),
        cmocka_unit_test(unknown_part_fails_after_the_header_is_saved),
        cmocka_unit_test(unknown_customer_is_refused_before_any_save),
        cmocka_unit_test(missing_order_is_enotfound),
        cmocka_unit_test(refund_recorded_once_per_reference),
        cmocka_unit_test(customer_created_with_assigned_number),
        cmocka_unit_test(stale_update_is_econflict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
