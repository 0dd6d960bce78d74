/*
 * The emulators' endpoint tables through the core router: the journal
 * names the matched template, unknown paths get 404 and known paths with
 * another method 405 (with Allow) in each platform's error shape, and a
 * fault rule that names a template fires on that endpoint only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include "kinmock/emulator.h"
#include "kt.h"

extern const struct km_emulator_type km_bigcommerce_type;
extern const struct km_emulator_type km_woocommerce_type;
extern const struct km_emulator_type km_epicor_type;

#define BC_TOKEN "X-Auth-Token: tok_routes"
#define BC_CONFIG                                                              \
    "{\"store_hash\":\"abc123\",\"access_tokens\":[\"tok_routes\"],"           \
    "\"generate\":{\"products\":2}"
#define WC_CONFIG                                                              \
    "{\"https\":true,\"keys\":[{\"consumer_key\":\"ck_r\","                    \
    "\"consumer_secret\":\"cs_r\",\"permissions\":\"read_write\"}]}"
#define WC_BASIC "Authorization: Basic Y2tfcjpjc19y" /* ck_r:cs_r */
#define EPI_BASIC "Authorization: Basic bWFuYWdlcjptYW5hZ2Vy"
#define EPI_KEY "x-api-key: km-epicor-test-key"

struct emu {
    struct ks_clock *clock;
    struct km_emulator *emu;
};

static void emu_start(struct emu *e, const struct km_emulator_type *type,
                      const char *config)
{
    cJSON *cfg = cJSON_Parse(config);
    char err[256];

    assert_non_null(cfg);
    assert_int_equal(ks_clock_new_virtual(&e->clock, 1767600000000LL), KS_OK);
    if (km_emulator_start(&e->emu, type, cfg, e->clock, NULL, 0, err,
                          sizeof(err)) != 0)
        fail_msg("%s", err);
    cJSON_Delete(cfg);
}

static void emu_stop(struct emu *e)
{
    km_emulator_stop(e->emu);
    ks_clock_free(e->clock);
}

/* One request; method NULL is GET. */
static void call(struct kt_reply *r, struct emu *e, const char *method,
                 const char *path, const char *const *headers)
{
    struct kt_request rq = {.method = method, .headers = headers};
    char url[512];

    snprintf(url, sizeof(url), "%s%s", km_server_url(e->emu->server), path);
    kt_http(r, url, &rq);
    assert_int_equal(r->cc, CURLE_OK);
}

/* The journal's last entry's field, as a string or NULL (JSON null). */
static char *last(struct emu *e, const char *field)
{
    cJSON *j = km_server_journal(e->emu->server);
    cJSON *v = cJSON_GetObjectItem(
        cJSON_GetArrayItem(j, cJSON_GetArraySize(j) - 1), field);
    char *out = cJSON_IsString(v) ? strdup(v->valuestring) : NULL;

    assert_true(cJSON_IsString(v) || cJSON_IsNull(v));
    cJSON_Delete(j);
    return out;
}

static void assert_last_route(struct emu *e, const char *want)
{
    char *route = last(e, "route");

    if (want) {
        assert_non_null(route);
        assert_string_equal(route, want);
    } else {
        assert_null(route);
    }
    free(route);
}

static void assert_allow(const struct kt_reply *r, const char *want)
{
    char *allow = kt_reply_header(r, "Allow");

    assert_non_null(allow);
    assert_string_equal(allow, want);
    free(allow);
}

static const char *json_str(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItem(o, name);

    assert_true(cJSON_IsString(v));
    return v->valuestring;
}

/* ---- the journal ------------------------------------------------------ */

static void journal_names_the_template_and_the_concrete_path(void **state)
{
    const char *hdrs[] = {BC_TOKEN, NULL};
    struct emu e;
    struct kt_reply r;
    char *path;

    (void)state;
    emu_start(&e, &km_bigcommerce_type, BC_CONFIG "}");
    call(&r, &e, NULL, "/stores/abc123/v3/catalog/products/100", hdrs);
    assert_int_equal(r.status, 200);
    kt_reply_dispose(&r);
    assert_last_route(
        &e, "GET /stores/{store_hash}/v3/catalog/products/{product_id}");
    path = last(&e, "path");
    assert_string_equal(path, "/stores/abc123/v3/catalog/products/100");
    free(path);

    /* A non-numeric id is no product route: nothing matched. */
    call(&r, &e, NULL, "/stores/abc123/v3/catalog/products/abc", hdrs);
    assert_int_equal(r.status, 404);
    kt_reply_dispose(&r);
    assert_last_route(&e, NULL);
    emu_stop(&e);
}

static void rest_route_form_routes_to_the_same_template(void **state)
{
    const char *hdrs[] = {WC_BASIC, NULL};
    struct emu e;
    struct kt_reply r;

    (void)state;
    emu_start(&e, &km_woocommerce_type, WC_CONFIG);
    call(&r, &e, NULL, "/?rest_route=/wc/v3/products/", hdrs);
    assert_int_equal(r.status, 200);
    kt_reply_dispose(&r);
    assert_last_route(&e, "GET /wp-json/wc/v3/products");
    /* PATCH is an update, as PUT is. */
    call(&r, &e, "PATCH", "/wp-json/wc/v3/orders/999", hdrs);
    assert_int_not_equal(r.status, 405);
    kt_reply_dispose(&r);
    assert_last_route(&e, "PATCH /wp-json/wc/v3/orders/{id}");
    emu_stop(&e);
}

static void epicor_services_are_data_behind_templates(void **state)
{
    const char *hdrs[] = {EPI_BASIC, EPI_KEY, NULL};
    struct emu e;
    struct kt_reply r;

    (void)state;
    emu_start(&e, &km_epicor_type, "{}");
    call(&r, &e, NULL, "/SaaS5333/api/v2/odata/EPIC06/Erp.BO.PartSvc/Parts",
         hdrs);
    assert_int_equal(r.status, 200);
    kt_reply_dispose(&r);
    assert_last_route(
        &e, "GET /{instance}/api/v2/odata/{company}/{service}/{entity_set}");
    call(&r, &e, "POST", "/saas5333/API/v1/Erp.BO.PartSvc/GetByID", hdrs);
    kt_reply_dispose(&r);
    assert_last_route(&e, "POST /{instance}/api/v1/{service}/{method}");
    emu_stop(&e);
}

/* ---- 404 and 405 -------------------------------------------------------- */

static void bigcommerce_405_and_404_in_v3_and_v2_shapes(void **state)
{
    const char *hdrs[] = {BC_TOKEN, NULL};
    struct emu e;
    struct kt_reply r;
    cJSON *o;

    (void)state;
    emu_start(&e, &km_bigcommerce_type, BC_CONFIG "}");
    call(&r, &e, "PATCH", "/stores/abc123/v3/catalog/products", hdrs);
    assert_int_equal(r.status, 405);
    assert_allow(&r, "GET, POST, PUT, DELETE");
    o = cJSON_Parse(r.body);
    assert_int_equal(cJSON_GetObjectItem(o, "status")->valueint, 405);
    assert_string_equal(json_str(o, "title"),
                        "The requested method is not allowed.");
    cJSON_Delete(o);
    kt_reply_dispose(&r);
    assert_last_route(&e, NULL);

    call(&r, &e, "POST", "/stores/abc123/v2/orders/7", hdrs);
    assert_int_equal(r.status, 405);
    assert_allow(&r, "GET, PUT");
    o = cJSON_Parse(r.body);
    assert_true(cJSON_IsArray(o));
    assert_int_equal(
        cJSON_GetObjectItem(cJSON_GetArrayItem(o, 0), "status")->valueint, 405);
    cJSON_Delete(o);
    kt_reply_dispose(&r);

    call(&r, &e, NULL, "/stores/abc123/v3/catalog/nothing", hdrs);
    assert_int_equal(r.status, 404);
    assert_null(strstr(r.headers, "Allow:"));
    o = cJSON_Parse(r.body);
    assert_string_equal(json_str(o, "title"),
                        "The route is not found, check the URL");
    cJSON_Delete(o);
    kt_reply_dispose(&r);
    emu_stop(&e);
}

/* WordPress answers a known route asked with a method it does not take
 * like an unknown one (404 rest_no_route); wrong_method_status 405 gives
 * the HTTP answer with Allow instead. */
static void woocommerce_wrong_method_is_404_as_wordpress_or_405(void **state)
{
    static const char *const configs[] = {
        WC_CONFIG, "{\"https\":true,\"wrong_method_status\":405,\"keys\":[{"
                   "\"consumer_key\":\"ck_r\",\"consumer_secret\":\"cs_r\","
                   "\"permissions\":\"read_write\"}]}"};
    const char *hdrs[] = {WC_BASIC, NULL};
    struct emu e;
    struct kt_reply r;
    cJSON *o;

    (void)state;
    for (int i = 0; i < 2; i++) {
        int want = i == 0 ? 404 : 405;
        char *allow;

        emu_start(&e, &km_woocommerce_type, configs[i]);
        /* Order notes cannot be edited (WooCommerce has no update
         * handler for them). */
        call(&r, &e, "PUT", "/wp-json/wc/v3/orders/5/notes/1", hdrs);
        assert_int_equal(r.status, want);
        allow = kt_reply_header(&r, "Allow");
        if (want == 405)
            assert_allow(&r, "GET, DELETE");
        else
            assert_null(allow);
        free(allow);
        o = cJSON_Parse(r.body);
        assert_string_equal(json_str(o, "code"), "rest_no_route");
        assert_int_equal(
            cJSON_GetObjectItem(cJSON_GetObjectItem(o, "data"), "status")
                ->valueint,
            want);
        cJSON_Delete(o);
        kt_reply_dispose(&r);

        call(&r, &e, NULL, "/wp-json/wc/v3/nothing", hdrs);
        assert_int_equal(r.status, 404);
        o = cJSON_Parse(r.body);
        assert_string_equal(json_str(o, "code"), "rest_no_route");
        cJSON_Delete(o);
        kt_reply_dispose(&r);
        emu_stop(&e);
    }
}

static void epicor_405_and_404_in_its_error_body(void **state)
{
    const char *hdrs[] = {EPI_BASIC, EPI_KEY, NULL};
    struct emu e;
    struct kt_reply r;
    cJSON *o;

    (void)state;
    emu_start(&e, &km_epicor_type, "{}");
    call(&r, &e, NULL, "/SaaS5333/api/v2/efx/EPIC06/Lib/Fn", hdrs);
    assert_int_equal(r.status, 405);
    assert_allow(&r, "POST");
    o = cJSON_Parse(r.body);
    assert_int_equal(cJSON_GetObjectItem(o, "HttpStatus")->valueint, 405);
    assert_string_equal(json_str(o, "ErrorType"),
                        "Epicor.RESTApi.ErrorHandling.ApiException");
    cJSON_Delete(o);
    kt_reply_dispose(&r);

    call(&r, &e, NULL, "/SaaS5333/api/v9/whatever", hdrs);
    assert_int_equal(r.status, 404);
    o = cJSON_Parse(r.body);
    assert_int_equal(cJSON_GetObjectItem(o, "HttpStatus")->valueint, 404);
    assert_string_equal(json_str(o, "ErrorMessage"),
                        "The resource '/SaaS5333/api/v9/whatever' was not "
                        "found.");
    cJSON_Delete(o);
    kt_reply_dispose(&r);
    emu_stop(&e);
}

/* ---- faults by template ---------------------------------------------------
 */

static void fault_rule_by_template_fires_on_that_endpoint_only(void **state)
{
    const char *hdrs[] = {BC_TOKEN, NULL};
    struct emu e;
    struct kt_reply r;

    (void)state;
    emu_start(&e, &km_bigcommerce_type,
              BC_CONFIG
              ",\"faults\":[{\"route\":\"GET /stores/{store_hash}"
              "/v3/catalog/products/{product_id}\",\"status\":503}]}");
    call(&r, &e, NULL, "/stores/abc123/v3/catalog/products/101", hdrs);
    assert_int_equal(r.status, 503);
    kt_reply_dispose(&r);
    /* Same shape of path, other endpoints: untouched. */
    call(&r, &e, NULL, "/stores/abc123/v3/catalog/products/101/variants", hdrs);
    assert_int_equal(r.status, 200);
    kt_reply_dispose(&r);
    call(&r, &e, NULL, "/stores/abc123/v3/catalog/products", hdrs);
    assert_int_equal(r.status, 200);
    kt_reply_dispose(&r);
    call(&r, &e, NULL, "/stores/abc123/v3/catalog/products/x", hdrs);
    assert_int_equal(r.status, 404);
    kt_reply_dispose(&r);
    call(&r, &e, NULL, "/stores/abc123/v3/hooks/2", hdrs);
    assert_int_not_equal(r.status, 503);
    kt_reply_dispose(&r);
    emu_stop(&e);
}

/* Epicor's entity sets and methods share one path shape; the template
 * tells them apart where a glob cannot. */
static void template_tells_epicor_methods_from_entity_sets(void **state)
{
    const char *hdrs[] = {EPI_BASIC, EPI_KEY, NULL};
    struct emu e;
    struct kt_reply r;

    (void)state;
    emu_start(&e, &km_epicor_type,
              "{\"faults\":[{\"route\":\"GET /{instance}/api/v2/odata/"
              "{company}/{service}/{entity_set}\",\"status\":502}]}");
    call(&r, &e, NULL, "/SaaS5333/api/v2/odata/EPIC06/Erp.BO.PartSvc/Parts",
         hdrs);
    assert_int_equal(r.status, 502);
    kt_reply_dispose(&r);
    call(&r, &e, NULL,
         "/SaaS5333/api/v2/odata/EPIC06/Erp.BO.PartSvc/GetList?whereClause=",
         hdrs);
    assert_int_not_equal(r.status, 502);
    kt_reply_dispose(&r);
    emu_stop(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(journal_names_the_template_and_the_concrete_path),
        cmocka_unit_test(rest_route_form_routes_to_the_same_template),
        cmocka_unit_test(epicor_services_are_data_behind_templates),
        cmocka_unit_test(bigcommerce_405_and_404_in_v3_and_v2_shapes),
        cmocka_unit_test(woocommerce_wrong_method_is_404_as_wordpress_or_405),
        cmocka_unit_test(epicor_405_and_404_in_its_error_body),
        cmocka_unit_test(fault_rule_by_template_fires_on_that_endpoint_only),
        cmocka_unit_test(template_tells_epicor_methods_from_entity_sets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
