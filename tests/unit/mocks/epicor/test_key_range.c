/*
 * unit.mocks.epicor.key_range: a whole-number range on a numeric first
 * key field (PONUM ge 100 and PONUM le 109) narrows the rows a filter
 * visits through the key order. Every answer is checked against the same
 * filter written so that no index applies (the range inside a "not"), so
 * a bound that loses or adds a row fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "epi_test.h"

#define NPOS 400

/* POs 1..400 of two lines each. */
static int setup(void **state)
{
    cJSON *cfg = cJSON_CreateObject(), *pos;

    pos = cJSON_AddArrayToObject(
        cJSON_AddObjectToObject(cJSON_AddObjectToObject(cfg, "companies"),
                                "EPIC06"),
        "pos");
    for (int i = 1; i <= NPOS; i++) {
        char text[256];

        snprintf(text, sizeof(text),
                 "{\"PONum\":%d,\"VendorNum\":1,\"PODetails\":["
                 "{\"POLine\":1,\"XOrderQty\":1},{\"POLine\":2,"
                 "\"XOrderQty\":2}]}",
                 i);
        cJSON_AddItemToArray(pos, cJSON_Parse(text));
    }
    return epi_setup(state, cfg);
}

/* The PONUM/POLine pairs a filter on PODetails selects, as text. */
static char *lines_of(struct epi_env *env, const char *filter)
{
    struct epi_resp r;
    char path[512], *out = calloc(1, 8192);
    size_t len = 0;
    const cJSON *row;

    snprintf(path, sizeof(path),
             "Erp.BO.POSvc/PODetails?$top=100&$orderby=PONUM,POLine"
             "&$filter=%s",
             filter);
    epi_v2(&r, env, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    cJSON_ArrayForEach(row, cJSON_GetObjectItem(r.json, "value"))
    {
        len += (size_t)snprintf(
            out + len, 8192 - len, "%d/%d ",
            (int)cJSON_GetObjectItem(row, "PONUM")->valuedouble,
            (int)cJSON_GetObjectItem(row, "POLine")->valuedouble);
        assert_true(len < 8192);
    }
    epi_resp_free(&r);
    return out;
}

/* filter and "not (not (filter))" (which no index reads) agree. */
static void agrees(struct epi_env *env, const char *filter, const char *want)
{
    char wrapped[256];
    char *a = lines_of(env, filter), *b;

    snprintf(wrapped, sizeof(wrapped), "not%%20(not%%20(%s))", filter);
    b = lines_of(env, wrapped);
    assert_string_equal(a, b);
    assert_string_equal(a, want);
    free(a);
    free(b);
}

static void ranges_on_the_first_key_keep_every_row(void **state)
{
    struct epi_env *env = *state;

    agrees(env, "PONUM%20ge%20100%20and%20PONUM%20le%20102",
           "100/1 100/2 101/1 101/2 102/1 102/2 ");
    agrees(env, "PONUM%20gt%20398", "399/1 399/2 400/1 400/2 ");
    agrees(env, "PONUM%20lt%203", "1/1 1/2 2/1 2/2 ");
    agrees(env, "PONUM%20ge%20200%20and%20PONUM%20lt%20200", "");
    agrees(env, "PONUM%20ge%20399%20and%20POLine%20eq%202", "399/2 400/2 ");
    /* past the last key and below the first */
    agrees(env, "PONUM%20gt%20400", "");
    agrees(env, "PONUM%20le%200", "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(ranges_on_the_first_key_keep_every_row,
                                        setup, epi_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
