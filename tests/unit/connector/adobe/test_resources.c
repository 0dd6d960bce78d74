/* unit.connector.adobe.resources: orders (create, find by increment_id,
 * update, custom attributes as strings), invoices (the bare scalar id),
 * companies and products against the adobe emulator. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "ka.h"

#define DATA                                                                   \
    "\"products\":[{\"sku\":\"A 1+x\",\"name\":\"A\",\"price\":5},"            \
    "{\"sku\":\"B-2\",\"name\":\"B\",\"price\":7}]"

#define ORDER                                                                  \
    "{\"customer_email\":\"buyer@x.example\",\"order_currency_code\":"         \
    "\"USD\",\"custom_attributes\":[{\"attribute_code\":\"epicor_po\","        \
    "\"value\":4711}],\"items\":[{\"sku\":\"A 1+x\",\"qty_ordered\":2,"        \
    "\"custom_attributes\":[{\"attribute_code\":\"gl_account\",\"value\":"     \
    "6100}]},{\"sku\":\"B-2\",\"qty_ordered\":1}]}"

static void order_is_created_found_updated_and_invoiced(void **state)
{
    struct ka_env env;
    cJSON *order = cJSON_Parse(ORDER), *made = NULL, *found = NULL;
    cJSON *items = NULL, *got = NULL;
    const char *increment;
    int64_t id, invoice = 0;
    char text[160];

    (void)state;
    ka_start(&env, DATA, KS_ADOBE_AUTH_OAUTH1);
    assert_int_equal(ks_adobe_order_save(&made, env.ad, order), KS_OK);
    /* numbers became strings on the way; the caller's object is as it was */
    assert_string_equal(ks_adobe_custom_attribute_get(made, "epicor_po"),
                        "4711");
    assert_string_equal(
        ks_adobe_custom_attribute_get(
            cJSON_GetArrayItem(cJSON_GetObjectItem(made, "items"), 0),
            "gl_account"),
        "6100");
    assert_null(ks_adobe_custom_attribute_get(order, "epicor_po"));
    id = (int64_t)cJSON_GetObjectItem(made, "entity_id")->valuedouble;
    increment = cJSON_GetObjectItem(made, "increment_id")->valuestring;

    assert_int_equal(ks_adobe_order_find(&found, env.ad, increment), KS_OK);
    assert_int_equal(
        (int64_t)cJSON_GetObjectItem(found, "entity_id")->valuedouble, id);
    assert_int_equal(ks_adobe_order_find(&got, env.ad, "999999999"),
                     KS_ENOTFOUND);

    /* an update by entity_id, the attribute replaced */
    assert_int_equal(ks_adobe_custom_attribute_set(found, "epicor_po", "4712"),
                     KS_OK);
    cJSON_Delete(made);
    made = NULL;
    assert_int_equal(ks_adobe_order_save(&made, env.ad, found), KS_OK);
    assert_int_equal(ks_adobe_order_get(&got, env.ad, id), KS_OK);
    assert_string_equal(ks_adobe_custom_attribute_get(got, "epicor_po"),
                        "4712");

    /* invoice one of the two A's */
    snprintf(
        text, sizeof(text), "[{\"order_item_id\":%d,\"qty\":1}]",
        (int)cJSON_GetObjectItem(
            cJSON_GetArrayItem(cJSON_GetObjectItem(got, "items"), 0), "item_id")
            ->valuedouble);
    items = cJSON_Parse(text);
    assert_int_equal(ks_adobe_invoice_create(&invoice, env.ad, id, items, 1),
                     KS_OK);
    assert_true(invoice > 0);
    assert_int_equal(kt_size(env.emu, "invoices"), 1);
    /* more than is open: Adobe's 400, the id untouched */
    assert_int_equal(ks_adobe_invoice_create(&invoice, env.ad, id, items, 1),
                     KS_OK);
    assert_int_equal(ks_adobe_invoice_create(&invoice, env.ad, id, items, 1),
                     KS_EREMOTE);
    assert_int_equal(invoice, 0);
    cJSON_Delete(items);
    cJSON_Delete(got);
    cJSON_Delete(found);
    cJSON_Delete(made);
    cJSON_Delete(order);
    assert_true(ka_log_clean(&env));
    ka_stop(&env);
}

static void company_is_created_read_and_updated(void **state)
{
    struct ka_env env;
    cJSON *co = cJSON_Parse(
        "{\"company_name\":\"Vendor A\",\"company_email\":\"v@x.example\","
        "\"street\":[\"1 Road\"],\"city\":\"Austin\",\"country_id\":\"US\","
        "\"postcode\":\"78701\",\"telephone\":\"1\",\"super_user_id\":1}");
    cJSON *made = NULL, *got = NULL, *upd = NULL;
    int64_t id;

    (void)state;
    ka_start(&env, NULL, KS_ADOBE_AUTH_ADMIN);
    assert_int_equal(
        ks_adobe_custom_attribute_set(co, "epicor_vendor_id", "V1"), KS_OK);
    assert_int_equal(ks_adobe_company_create(&made, env.ad, co), KS_OK);
    id = (int64_t)cJSON_GetObjectItem(made, "id")->valuedouble;
    assert_true(id > 0);
    cJSON_ReplaceItemInObject(co, "city", cJSON_CreateString("Dallas"));
    assert_int_equal(ks_adobe_company_update(&upd, env.ad, id, co), KS_OK);
    assert_int_equal(ks_adobe_company_get(&got, env.ad, id), KS_OK);
    assert_string_equal(cJSON_GetObjectItem(got, "city")->valuestring,
                        "Dallas");
    assert_string_equal(ks_adobe_custom_attribute_get(got, "epicor_vendor_id"),
                        "V1");
    cJSON_Delete(co);
    cJSON_Delete(made);
    cJSON_Delete(upd);
    cJSON_Delete(got);
    ka_stop(&env);
}

static void product_sku_is_escaped_as_one_path_segment(void **state)
{
    struct ka_env env;
    cJSON *p = NULL;

    (void)state;
    /* admin auth: the emulator's OAuth check signs the decoded path, so an
     * escaped path segment would not verify there (see the README) */
    ka_start(&env, DATA, KS_ADOBE_AUTH_ADMIN);
    assert_int_equal(ks_adobe_product_get(&p, env.ad, "A 1+x"), KS_OK);
    assert_string_equal(cJSON_GetObjectItem(p, "name")->valuestring, "A");
    cJSON_Delete(p);
    assert_int_equal(ks_adobe_product_get(&p, env.ad, "nope"), KS_ENOTFOUND);
    assert_non_null(strstr(ks_client_last_error(env.client)->message,
                           "product that was requested doesn't exist"));
    ka_stop(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(order_is_created_found_updated_and_invoiced),
        cmocka_unit_test(company_is_created_read_and_updated),
        cmocka_unit_test(product_sku_is_escaped_as_one_path_segment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
