/*
 * What the storefront job sets share (engine/src/jobs_store.c): wanted
 * products given or generated, the upsert's split by SKU, a listing's
 * query from options, a batch's counts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "jobs.h"

static cJSON *parse(const char *text)
{
    cJSON *j = cJSON_Parse(text);

    assert_non_null(j);
    return j;
}

/* Records the calls and adds "n": i, so the test sees each product's i. */
static int fill_calls;

static void fill_index(cJSON *p, const cJSON *gen, int i)
{
    fill_calls++;
    assert_non_null(gen);
    cJSON_AddNumberToObject(p, "n", i);
}

static void wanted_products_copies_the_given_list(void **state)
{
    cJSON *o = parse("{\"products\":[{\"sku\":\"A\"},{\"sku\":\"B\"}],"
                     "\"generate\":{\"count\":5}}");
    cJSON *want;

    (void)state;
    fill_calls = 0;
    want = kh_job_wanted_products(o, fill_index);
    assert_int_equal(cJSON_GetArraySize(want), 2);
    assert_string_equal(kx_json_str(cJSON_GetArrayItem(want, 1), "sku"), "B");
    assert_int_equal(fill_calls, 0);
    assert_true(cJSON_GetArrayItem(want, 0) !=
                cJSON_GetArrayItem(cJSON_GetObjectItem(o, "products"), 0));
    cJSON_Delete(want);
    cJSON_Delete(o);
}

static void wanted_products_generates_numbered_skus(void **state)
{
    cJSON *o = parse("{\"generate\":{\"count\":3,\"prefix\":\"X-\"}}");
    cJSON *d = parse("{\"generate\":{\"count\":1}}");
    cJSON *want, *dflt;

    (void)state;
    fill_calls = 0;
    want = kh_job_wanted_products(o, fill_index);
    dflt = kh_job_wanted_products(d, fill_index);
    assert_int_equal(cJSON_GetArraySize(want), 3);
    assert_string_equal(kx_json_str(cJSON_GetArrayItem(want, 0), "sku"),
                        "X-00001");
    assert_string_equal(kx_json_str(cJSON_GetArrayItem(want, 2), "sku"),
                        "X-00003");
    assert_int_equal(kx_json_num(cJSON_GetArrayItem(want, 2), "n", 0), 3);
    assert_string_equal(kx_json_str(cJSON_GetArrayItem(dflt, 0), "sku"),
                        "SKU-00001");
    assert_int_equal(fill_calls, 4);
    cJSON_Delete(want);
    cJSON_Delete(dflt);
    cJSON_Delete(o);
    cJSON_Delete(d);
}

static void wanted_products_is_empty_without_either(void **state)
{
    cJSON *want = kh_job_wanted_products(NULL, fill_index);

    (void)state;
    assert_true(cJSON_IsArray(want));
    assert_int_equal(cJSON_GetArraySize(want), 0);
    cJSON_Delete(want);
}

static void upsert_split_sends_known_skus_to_update_with_their_id(void **state)
{
    cJSON *o =
        parse("{\"products\":[{\"sku\":\"NEW\"},"
              "{\"sku\":\"OLD\",\"id\":1,\"price\":2},{\"name\":\"x\"}]}");
    cJSON *listed = parse("{\"id\":42,\"sku\":\"OLD\"}");
    struct kh_job_upsert u;
    const cJSON *upd;

    (void)state;
    kh_job_upsert_init(&u, o, fill_index);
    kh_job_collect_item(&u.existing, listed);
    kh_job_upsert_split(&u);
    assert_int_equal(cJSON_GetArraySize(u.create), 2);
    assert_string_equal(kx_json_str(cJSON_GetArrayItem(u.create, 0), "sku"),
                        "NEW");
    assert_int_equal(cJSON_GetArraySize(u.update), 1);
    upd = cJSON_GetArrayItem(u.update, 0);
    assert_int_equal(kx_json_num(upd, "id", 0), 42);
    assert_int_equal(kx_json_num(upd, "price", 0), 2);
    /* the wanted "id" is replaced, not doubled */
    assert_int_equal(cJSON_GetArraySize(upd), 3);
    /* the wanted list itself is left as it was */
    assert_int_equal(kx_json_num(cJSON_GetArrayItem(u.want, 1), "id", 0), 1);
    kh_job_upsert_dispose(&u);
    assert_null(u.want);
    cJSON_Delete(listed);
    cJSON_Delete(o);
}

static void query_takes_string_options_while_they_fit(void **state)
{
    static const char *const names[] = {"a", "b", "c", "d", NULL};
    cJSON *o = parse("{\"a\":\"1\",\"b\":2,\"c\":\"3\",\"d\":\"4\"}");
    const char *q[5];

    (void)state;
    assert_int_equal(kh_job_query(q, 5, o, names), 2);
    assert_string_equal(q[0], "a");
    assert_string_equal(q[1], "1");
    assert_string_equal(q[2], "c");
    assert_string_equal(q[3], "3");
    assert_null(q[4]);
    assert_int_equal(kh_job_query(q, 5, NULL, names), 0);
    assert_null(q[0]);
    cJSON_Delete(o);
}

static void put_batch_adds_the_three_counts(void **state)
{
    cJSON *r = cJSON_CreateObject();

    (void)state;
    kh_job_put_batch(r, 3, 20, 1);
    assert_int_equal(kx_json_num(r, "requests", -1), 3);
    assert_int_equal(kx_json_num(r, "ok", -1), 20);
    assert_int_equal(kx_json_num(r, "failed", -1), 1);
    cJSON_Delete(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wanted_products_copies_the_given_list),
        cmocka_unit_test(wanted_products_generates_numbered_skus),
        cmocka_unit_test(wanted_products_is_empty_without_either),
        cmocka_unit_test(upsert_split_sends_known_skus_to_update_with_their_id),
        cmocka_unit_test(query_takes_string_options_while_they_fit),
        cmocka_unit_test(put_batch_adds_the_three_counts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
