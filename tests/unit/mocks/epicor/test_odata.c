/* unit.mocks.epicor.odata: entity sets, query options, keys and metadata. */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "epi_test.h"

static int setup(void **state)
{
    cJSON *cfg = cJSON_CreateObject(), *cos, *co;

    cJSON_AddNumberToObject(cfg, "page_cap", 5);
    cos = cJSON_AddObjectToObject(cfg, "companies");
    co = cJSON_AddObjectToObject(cos, "EPIC06");
    cJSON_AddItemToObject(co, "parts",
                          kt_fixture("epicor/parts/with-stock.json"));
    cJSON_AddItemToObject(co, "customers",
                          kt_fixture("epicor/customers/two.json"));
    cJSON_AddItemToObject(co, "orders",
                          kt_fixture("epicor/orders/one-open.json"));
    cJSON_AddObjectToObject(cos, "OTHER");
    cJSON_AddItemToObject(cfg, "generate",
                          cJSON_Parse("{\"parts\":12,\"seed\":7}"));
    return epi_setup(state, cfg);
}

static int nvalues(const struct epi_resp *r)
{
    return cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "value"));
}

static const char *value_str(const struct epi_resp *r, int i, const char *f)
{
    cJSON *row = cJSON_GetArrayItem(cJSON_GetObjectItem(r->json, "value"), i);

    return cJSON_GetObjectItem(row, f)->valuestring;
}

static void collection_has_context_and_value_and_no_next_link(void **state)
{
    struct epi_resp r;

    epi_v2(&r, *state, "GET", "Erp.BO.PartSvc/Parts?$top=2", NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(nvalues(&r), 2);
    assert_non_null(
        strstr(cJSON_GetObjectItem(r.json, "@odata.context")->valuestring,
               "/SaaS5333/api/v2/odata/EPIC06/Erp.BO.PartSvc/$metadata#Parts"));
    assert_null(cJSON_GetObjectItem(r.json, "@odata.nextLink"));
    epi_resp_free(&r);
}

static void page_cap_limits_rows_and_count_reports_all(void **state)
{
    struct epi_resp r;

    epi_v2(&r, *state, "GET", "Erp.BO.PartSvc/Parts?$count=true", NULL);
    assert_int_equal(nvalues(&r), 5); /* page_cap */
    assert_int_equal(cJSON_GetObjectItem(r.json, "@odata.count")->valueint, 15);
    epi_resp_free(&r);
    epi_v2(&r, *state, "GET", "Erp.BO.PartSvc/Parts?$top=50", NULL);
    assert_int_equal(nvalues(&r), 5);
    epi_resp_free(&r);
}

/* Pages reuse each stored row's printed text until the next write: a
 * PATCH and an action both show on the next page, and GETs in between
 * keep showing the same. */
static double price_of(void **state, const char *part)
{
    struct epi_resp r;
    char path[160];
    double price;

    snprintf(path, sizeof(path),
             "Erp.BO.PartSvc/Parts?$filter=PartNum%%20eq%%20'%s'", part);
    epi_v2(&r, *state, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(nvalues(&r), 1);
    price = cJSON_GetObjectItem(
                cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "value"), 0),
                "UnitPrice")
                ->valuedouble;
    epi_resp_free(&r);
    return price;
}

static void pages_show_every_write_at_once(void **state)
{
    struct epi_env *env = *state;
    struct epi_resp r;
    char err[256];
    cJSON *args;

    epi_v2(&r, env, "PATCH", "Erp.BO.PartSvc/Parts('EPIC06','WIDGET-100')",
           "{\"UnitPrice\":11.25}");
    assert_true(r.status == 200 || r.status == 204);
    epi_resp_free(&r);
    assert_true(price_of(state, "WIDGET-100") == 11.25);
    assert_true(price_of(state, "WIDGET-100") == 11.25);
    epi_v2(&r, env, "PATCH", "Erp.BO.PartSvc/Parts('EPIC06','WIDGET-100')",
           "{\"UnitPrice\":12.5}");
    epi_resp_free(&r);
    assert_true(price_of(state, "WIDGET-100") == 12.5);
    args = cJSON_Parse("{\"company\":\"EPIC06\",\"part_num\":\"WIDGET-100\","
                       "\"fields\":{\"UnitPrice\":155}}");
    assert_int_equal(
        km_emulator_act(env->emu, "change_part", args, NULL, err, sizeof(err)),
        0);
    cJSON_Delete(args);
    assert_true(price_of(state, "WIDGET-100") == 155);
}

/* Readers of one part's page on their own threads (a bearer token: the
 * requests the server lets run at once) while PATCHes raise its price. */
#define READERS 3
#define WRITES 20

struct reader {
    const char *url;
    const char *auth;
    int pages;   /* 200 pages read */
    int bad;     /* anything else, or a page not as expected */
    int back;    /* a price lower than one read before */
    int dates;   /* ChangedOn without exactly one offset */
    double last; /* the last price read */
};

static void *read_pages(void *ud)
{
    struct reader *rd = ud;
    const char *hdrs[] = {rd->auth, EPI_KEY, NULL};
    struct kt_request rq = {.headers = hdrs, .timeout_ms = 20000};

    for (int i = 0; i < 3 * WRITES; i++) {
        struct kt_reply reply;
        cJSON *page, *row;
        const char *changed;
        double price;

        kt_http(&reply, rd->url, &rq);
        page = reply.status == 200 ? cJSON_Parse(reply.body) : NULL;
        row = cJSON_GetArrayItem(cJSON_GetObjectItem(page, "value"), 0);
        changed = cJSON_GetStringValue(cJSON_GetObjectItem(row, "ChangedOn"));
        if (!row || !cJSON_IsNumber(cJSON_GetObjectItem(row, "UnitPrice"))) {
            rd->bad++;
        } else {
            price = cJSON_GetObjectItem(row, "UnitPrice")->valuedouble;
            rd->back += price < rd->last;
            rd->last = price;
            rd->dates += !changed || strlen(changed) != 20 ||
                         changed[19] != 'Z' ||
                         strchr(changed, 'Z') != changed + 19;
            rd->pages++;
        }
        cJSON_Delete(page);
        kt_reply_dispose(&reply);
    }
    return NULL;
}

static void pages_read_at_once_follow_the_writes(void **state)
{
    struct epi_env *env = *state;
    const char *login[] = {"username: manager", "password: manager",
                           "Accept: application/json", NULL};
    struct reader readers[READERS];
    pthread_t threads[READERS];
    struct epi_resp r;
    char url[512], auth[2048], body[64];

    epi_http(&r, env, "POST", "/SaaS5333/TokenResource.svc/", login, "");
    assert_int_equal(r.status, 200);
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
             cJSON_GetObjectItem(r.json, "AccessToken")->valuestring);
    epi_resp_free(&r);
    snprintf(url, sizeof(url),
             "%s/SaaS5333/api/v2/odata/EPIC06/Erp.BO.PartSvc/"
             "Parts?$filter=PartNum%%20eq%%20'WIDGET-100'",
             km_server_url(env->emu->server));
    for (int i = 0; i < READERS; i++) {
        readers[i] = (struct reader){.url = url, .auth = auth};
        assert_int_equal(
            pthread_create(&threads[i], NULL, read_pages, &readers[i]), 0);
    }
    for (int i = 1; i <= WRITES; i++) {
        snprintf(body, sizeof(body), "{\"UnitPrice\":%d}", 1000 + i);
        epi_v2(&r, env, "PATCH", "Erp.BO.PartSvc/Parts('EPIC06','WIDGET-100')",
               body);
        assert_true(r.status == 200 || r.status == 204);
        epi_resp_free(&r);
    }
    for (int i = 0; i < READERS; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(readers[i].bad, 0);
        assert_int_equal(readers[i].pages, 3 * WRITES);
        assert_int_equal(readers[i].back, 0);
        assert_int_equal(readers[i].dates, 0);
    }
    assert_true(price_of(state, "WIDGET-100") == 1000 + WRITES);
}

static void top_and_skip_page_in_key_order(void **state)
{
    struct epi_resp r;

    epi_v2(&r, *state, "GET", "Erp.BO.PartSvc/Parts?$top=2&$skip=3", NULL);
    assert_int_equal(nvalues(&r), 2);
    /* key order: GADGET-1, GEN-000001.., WIDGET-100, WIDGET-200 */
    assert_string_equal(value_str(&r, 0, "PartNum"), "GEN-000003");
    assert_string_equal(value_str(&r, 1, "PartNum"), "GEN-000004");
    epi_resp_free(&r);
    epi_v2(&r, *state, "GET", "Erp.BO.PartSvc/Parts?$skip=14", NULL);
    assert_int_equal(nvalues(&r), 1);
    assert_string_equal(value_str(&r, 0, "PartNum"), "WIDGET-200");
    epi_resp_free(&r);
}

static void sysrevid_paging_visits_every_row_once(void **state)
{
    struct epi_resp r;
    char path[256];
    long last = 0;
    int seen = 0;

    for (int page = 0; page < 10; page++) {
        cJSON *row;

        snprintf(path, sizeof(path),
                 "Erp.BO.PartSvc/Parts?$filter=SysRevID%%20gt%%20%ld"
                 "&$orderby=SysRevID&$top=4&$select=PartNum,SysRevID",
                 last);
        epi_v2(&r, *state, "GET", path, NULL);
        assert_int_equal(r.status, 200);
        cJSON_ArrayForEach(row, cJSON_GetObjectItem(r.json, "value"))
        {
            long rev = (long)cJSON_GetObjectItem(row, "SysRevID")->valuedouble;

            assert_true(rev > last);
            assert_null(cJSON_GetObjectItem(row, "UnitPrice"));
            last = rev;
            seen++;
        }
        if (nvalues(&r) < 4) {
            epi_resp_free(&r);
            break;
        }
        epi_resp_free(&r);
    }
    assert_int_equal(seen, 15);
}

static void orderby_several_keys(void **state)
{
    struct epi_resp r;

    epi_v2(&r, *state, "GET",
           "Erp.BO.PartSvc/PartWhses?$filter=startswith(PartNum,'W')"
           "&$orderby=OnHandQty%20desc,WarehouseCode",
           NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(nvalues(&r), 3);
    assert_string_equal(value_str(&r, 0, "WarehouseCode"), "MAIN");
    assert_string_equal(value_str(&r, 1, "WarehouseCode"), "EAST");
    assert_string_equal(value_str(&r, 2, "PartNum"), "WIDGET-200");
    epi_resp_free(&r);
}

/* A sorted query matching no row: an empty page (no sort of nothing; the
 * sanitizer build refuses qsort on a NULL array). */
static void orderby_with_no_match_is_an_empty_page(void **state)
{
    struct epi_resp r;

    epi_v2(&r, *state, "GET",
           "Erp.BO.PartSvc/Parts?$filter=PartNum%20eq%20'NO-SUCH-PART'"
           "&$orderby=SysRevID%20desc&$count=true",
           NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(nvalues(&r), 0);
    epi_resp_free(&r);
}

static void filter_errors_are_400_with_position(void **state)
{
    struct epi_resp r;
    const char *msg;

    epi_v2(&r, *state, "GET",
           "Erp.BO.PartSvc/Parts?$filter=PartNum%20eq%20'abc", NULL);
    assert_int_equal(r.status, 400);
    msg = cJSON_GetObjectItem(r.json, "ErrorMessage")->valuestring;
    assert_non_null(strstr(msg, "Unterminated string"));
    assert_non_null(strstr(msg, "position 11"));
    assert_non_null(cJSON_GetObjectItem(r.json, "CorrelationId"));
    epi_resp_free(&r);
    epi_v2(&r, *state, "GET",
           "Erp.BO.PartSvc/Parts?$filter=NoSuchField%20eq%201", NULL);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "NoSuchField"));
    epi_resp_free(&r);
    epi_v2(&r, *state, "GET", "Erp.BO.PartSvc/Parts?$search=x", NULL);
    assert_int_equal(r.status, 400);
    epi_resp_free(&r);
}

static void key_lookup_positional_and_named(void **state)
{
    struct epi_resp r;

    epi_v2(&r, *state, "GET", "Erp.BO.PartSvc/Parts('EPIC06','WIDGET-100')",
           NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(
        cJSON_GetObjectItem(r.json, "PartDescription")->valuestring,
        "Widget, steel, 100 mm");
    assert_non_null(cJSON_GetObjectItem(r.json, "@odata.context"));
    epi_resp_free(&r);
    epi_v2(&r, *state, "GET",
           "Erp.BO.PartSvc/Parts(Company='EPIC06',PartNum='GEN-000002')", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(cJSON_GetObjectItem(r.json, "PartNum")->valuestring,
                        "GEN-000002");
    epi_resp_free(&r);
    epi_v2(&r, *state, "GET", "Erp.BO.SalesOrderSvc/SalesOrders('EPIC06',4990)",
           NULL);
    assert_int_equal(r.status, 200);
    epi_resp_free(&r);
}

static void missing_key_is_404_and_bad_key_400(void **state)
{
    struct epi_resp r;

    epi_v2(&r, *state, "GET", "Erp.BO.PartSvc/Parts('EPIC06','NOPE')", NULL);
    assert_int_equal(r.status, 404);
    assert_non_null(
        strstr(cJSON_GetObjectItem(r.json, "ErrorType")->valuestring,
               "RecordNotFound"));
    epi_resp_free(&r);
    epi_v2(&r, *state, "GET", "Erp.BO.PartSvc/Parts('WIDGET-100')", NULL);
    assert_int_equal(r.status, 400);
    epi_resp_free(&r);
    epi_v2(&r, *state, "GET", "Erp.BO.SalesOrderSvc/SalesOrders('EPIC06','x')",
           NULL);
    assert_int_equal(r.status, 400);
    epi_resp_free(&r);
}

static void navigation_and_expand(void **state)
{
    struct epi_resp r;
    cJSON *row;

    epi_v2(&r, *state, "GET",
           "Erp.BO.PartSvc/Parts('EPIC06','WIDGET-100')/PartWhses", NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(nvalues(&r), 2);
    epi_resp_free(&r);
    epi_v2(&r, *state, "GET",
           "Erp.BO.SalesOrderSvc/SalesOrders?$expand=OrderDtls", NULL);
    row = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "value"), 0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(row, "OrderDtls")),
                     1);
    epi_resp_free(&r);
}

static void companies_are_separate(void **state)
{
    struct epi_resp r;
    const char *hdrs[] = {EPI_BASIC, EPI_KEY, NULL};

    epi_http(&r, *state, "GET",
             "/SaaS5333/api/v2/odata/OTHER/Erp.BO.PartSvc/Parts", hdrs, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(nvalues(&r), 0);
    epi_resp_free(&r);
    epi_http(&r, *state, "GET",
             "/SaaS5333/api/v2/odata/NOPE/Erp.BO.PartSvc/Parts", hdrs, NULL);
    assert_int_equal(r.status, 400);
    epi_resp_free(&r);
}

static void v1_uses_callsettings_and_string_decimals(void **state)
{
    const char *hdrs[] = {EPI_BASIC, "CallSettings: {\"Company\":\"EPIC06\"}",
                          NULL};
    const char *other[] = {EPI_BASIC, "CallSettings: {\"Company\":\"OTHER\"}",
                           NULL};
    struct epi_resp r;
    cJSON *row;

    epi_http(&r, *state, "GET",
             "/SaaS5333/api/v1/Erp.BO.PartSvc/PartWhses?$filter=OnHandQty%20"
             "eq%20120&$inlinecount=allpages",
             hdrs, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(cJSON_GetObjectItem(r.json, "odata.metadata"));
    assert_string_equal(cJSON_GetObjectItem(r.json, "odata.count")->valuestring,
                        "1");
    row = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "value"), 0);
    assert_string_equal(cJSON_GetObjectItem(row, "OnHandQty")->valuestring,
                        "120.00000000");
    assert_true(cJSON_IsString(cJSON_GetObjectItem(row, "SysRevID")));
    epi_resp_free(&r);
    epi_http(&r, *state, "GET",
             "/SaaS5333/api/v1/Erp.BO.PartSvc/Parts?$filter=ChangedOn%20ge%20"
             "datetime'2025-12-02T00:00:00'%20and%20ClassID%20eq%20'FG'",
             other, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(nvalues(&r), 0);
    epi_resp_free(&r);
}

static void metadata_and_service_document(void **state)
{
    struct epi_resp r;

    epi_v2(&r, *state, "GET", "Erp.BO.POSvc/$metadata", NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "<EntitySet Name=\"POes\""));
    assert_non_null(strstr(r.body, "<PropertyRef Name=\"PONUM\"/>"));
    epi_resp_free(&r);
    epi_v2(&r, *state, "GET", "Erp.BO.PartSvc/", NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"PartWhses\""));
    epi_resp_free(&r);
    epi_v2(&r, *state, "GET", "Erp.BO.NoSuchSvc/Things", NULL);
    assert_int_equal(r.status, 404);
    epi_resp_free(&r);
}

static void odata_post_patch_delete(void **state)
{
    struct epi_resp r;
    double rev;

    epi_v2(&r, *state, "POST", "Erp.BO.CustomerSvc/Customers",
           "{\"CustID\":\"NEWCO\",\"Name\":\"New Co\"}");
    assert_int_equal(r.status, 201);
    assert_int_equal(cJSON_GetObjectItem(r.json, "CustNum")->valueint, 100);
    rev = cJSON_GetObjectItem(r.json, "SysRevID")->valuedouble;
    assert_non_null(cJSON_GetObjectItem(r.json, "ChangeDate")->valuestring);
    epi_resp_free(&r);
    epi_v2(&r, *state, "PATCH", "Erp.BO.CustomerSvc/Customers('EPIC06',100)",
           "{\"Name\":\"New Co Ltd\"}");
    assert_int_equal(r.status, 204);
    epi_resp_free(&r);
    epi_v2(&r, *state, "GET", "Erp.BO.CustomerSvc/Customers('EPIC06',100)",
           NULL);
    assert_string_equal(cJSON_GetObjectItem(r.json, "Name")->valuestring,
                        "New Co Ltd");
    assert_true(cJSON_GetObjectItem(r.json, "SysRevID")->valuedouble > rev);
    epi_resp_free(&r);
    epi_v2(&r, *state, "DELETE", "Erp.BO.CustomerSvc/Customers('EPIC06',100)",
           NULL);
    assert_int_equal(r.status, 204);
    epi_resp_free(&r);
    epi_v2(&r, *state, "GET", "Erp.BO.CustomerSvc/Customers('EPIC06',100)",
           NULL);
    assert_int_equal(r.status, 404);
    epi_resp_free(&r);
}

static void v1_methods_root_list_and_delete_cascade(void **state)
{
    const char *hdrs[] = {EPI_BASIC, "CallSettings: {\"Company\":\"EPIC06\"}",
                          NULL};
    struct epi_resp r;
    cJSON *snap;
    cJSON *orders;

    epi_http(&r, *state, "POST",
             "/SaaS5333/api/v1/Erp.BO.SalesOrderSvc/GetByID", hdrs,
             "{\"orderNum\":4990}");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"OrderAmt\":\"50.000\""));
    assert_non_null(strstr(r.body, "\"SellingQuantity\":\"4.00000000\""));
    epi_resp_free(&r);
    epi_http(&r, *state, "GET", "/SaaS5333/api/v1/", hdrs, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "<collection href=\"Erp.BO.PartSvc\">"));
    epi_resp_free(&r);
    epi_v2(&r, *state, "GET", "Erp.BO.SalesOrderSvc/List?$select=OrderNum",
           NULL);
    assert_int_equal(nvalues(&r), 1);
    epi_resp_free(&r);
    epi_v2(&r, *state, "POST", "Erp.BO.SalesOrderSvc/DeleteByID",
           "{\"orderNum\":4990}");
    assert_int_equal(r.status, 200);
    epi_resp_free(&r);
    snap = km_emulator_snapshot(((struct epi_env *)*state)->emu);
    orders = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(snap, "companies"), "EPIC06"),
        "OrderDtls");
    assert_int_equal(cJSON_GetArraySize(orders), 0);
    cJSON_Delete(snap);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, epi_teardown)
    const struct CMUnitTest tests[] = {
        T(collection_has_context_and_value_and_no_next_link),
        T(page_cap_limits_rows_and_count_reports_all),
        T(pages_show_every_write_at_once),
        T(pages_read_at_once_follow_the_writes),
        T(top_and_skip_page_in_key_order),
        T(sysrevid_paging_visits_every_row_once),
        T(orderby_several_keys),
        T(orderby_with_no_match_is_an_empty_page),
        T(filter_errors_are_400_with_position),
        T(key_lookup_positional_and_named),
        T(missing_key_is_404_and_bad_key_400),
        T(navigation_and_expand),
        T(companies_are_separate),
        T(v1_uses_callsettings_and_string_decimals),
        T(metadata_and_service_document),
        T(odata_post_patch_delete),
        T(v1_methods_root_list_and_delete_cascade),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
