/*
 * The DMT export: header of Epicor field names, values as a DMT import
 * reads them, and a round trip through the parser (quotes, commas).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <kinsync/oee.h>

static const char *field(const cJSON *row, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, name);

    assert_true(cJSON_IsString(v));
    return v->valuestring;
}

static void round_trip(void **state)
{
    struct ks_oee_dmt_row rows[2];
    const struct ks_oee_ud_fields ud = {.oee = "OEEPct_c"};
    char *csv = NULL, why[128];
    cJSON *back = NULL, *r;

    (void)state;
    memset(rows, 0, sizeof(rows));
    rows[0].company = "EPIC06";
    rows[0].op = (struct ks_oee_op){"J100", 0, 10, NULL};
    rows[0].summary.availability = 0.875;
    rows[0].summary.performance = 24.0 / 25.2;
    rows[0].summary.quality = 0.95;
    rows[0].summary.oee = 22.8 / 28.8;
    rows[0].summary.good = 380;
    rows[0].summary.scrap = 20;
    rows[0].summary.ntop = 1;
    snprintf(rows[0].summary.top[0].reason,
             sizeof(rows[0].summary.top[0].reason), "JAM");
    rows[1].company = "EPIC06";
    rows[1].op = (struct ks_oee_op){"J,2 \"rush\"", 1, 20, NULL};
    rows[1].summary.oee = 1;
    assert_int_equal(ks_oee_dmt_export(&csv, rows, 2, &ud), KS_OK);
    assert_memory_equal(csv,
                        "Company,JobNum,AssemblySeq,OprSeq,OEE_Availability_c,"
                        "OEE_Performance_c,OEE_Quality_c,OEEPct_c,"
                        "OEE_GoodQty_c,OEE_ScrapQty_c,OEE_TopLoss_c\r\n"
                        "EPIC06,J100,0,10,87.50,95.24,95.00,79.17,380,20,JAM"
                        "\r\n",
                        strlen("Company,JobNum,AssemblySeq,OprSeq,"
                               "OEE_Availability_c,OEE_Performance_c,"
                               "OEE_Quality_c,OEEPct_c,OEE_GoodQty_c,"
                               "OEE_ScrapQty_c,OEE_TopLoss_c\r\nEPIC06,J100,0,"
                               "10,87.50,95.24,95.00,79.17,380,20,JAM\r\n"));
    assert_non_null(strstr(csv, "\"J,2 \"\"rush\"\"\""));
    assert_int_equal(ks_oee_dmt_parse(&back, csv, why, sizeof(why)), KS_OK);
    assert_int_equal(cJSON_GetArraySize(back), 2);
    r = cJSON_GetArrayItem(back, 0);
    assert_string_equal(field(r, "JobNum"), "J100");
    assert_string_equal(field(r, "OEEPct_c"), "79.17");
    assert_string_equal(field(r, "OEE_TopLoss_c"), "JAM");
    r = cJSON_GetArrayItem(back, 1);
    assert_string_equal(field(r, "JobNum"), "J,2 \"rush\"");
    assert_string_equal(field(r, "AssemblySeq"), "1");
    assert_string_equal(field(r, "OprSeq"), "20");
    assert_string_equal(field(r, "OEEPct_c"), "100.00");
    assert_string_equal(field(r, "OEE_TopLoss_c"), "");
    cJSON_Delete(back);
    ks_oee_string_free(csv);
}

static void malformed(void **state)
{
    cJSON *back = NULL;
    char why[128];

    (void)state;
    assert_int_equal(
        ks_oee_dmt_parse(&back, "A,B\r\n1,2,3\r\n", why, sizeof(why)),
        KS_EPARSE);
    assert_null(back);
    assert_non_null(strstr(why, "line 2"));
    assert_int_equal(
        ks_oee_dmt_parse(&back, "A,B\r\n\"open,2\r\n", why, sizeof(why)),
        KS_EPARSE);
    assert_int_equal(
        ks_oee_dmt_parse(&back, "A,B\r\n1,x\"y\r\n", why, sizeof(why)),
        KS_EPARSE);
    assert_non_null(strstr(why, "field 2"));
}

static void job_required(void **state)
{
    struct ks_oee_dmt_row row;
    char *csv = NULL;

    (void)state;
    memset(&row, 0, sizeof(row));
    assert_int_equal(ks_oee_dmt_export(&csv, &row, 1, NULL), KS_EINVAL);
    assert_null(csv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(malformed),
        cmocka_unit_test(job_required),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
