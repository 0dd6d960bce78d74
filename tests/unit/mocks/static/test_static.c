/* The "static" emulator, started through km_emulator_start. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "common/server_int.h"
#include "kinmock/emulator.h"
#include "kt.h"

extern const struct km_emulator_type km_static_type;

struct fixture {
    struct ks_clock *clock;
    struct km_emulator *emu;
};

static const char config_json[] =
    "{\"routes\": ["
    "  {\"route\": \"GET /ping\", \"body\": \"pong\","
    "   \"headers\": {\"X-Served-By\": \"static\"}},"
    "  {\"route\": \"GET /items/{id}\", \"status\": 200,"
    "   \"body\": {\"id\": \"any\", \"n\": [1, 2]}},"
    "  {\"route\": \"POST /orders\", \"status\": 201,"
    "   \"headers\": {\"Content-Type\": \"application/vnd.x+json\"},"
    "   \"body\": \"{}\"}"
    " ],"
    " \"faults\": [{\"route\": \"GET /ping\", \"nth\": 2, \"status\": 503}]}";

static int start(struct fixture *f, const char *json, char *err, size_t errsz)
{
    cJSON *config = json ? cJSON_Parse(json) : NULL;
    int rc;

    assert_true(!json || config);
    rc = km_emulator_start(&f->emu, &km_static_type, config, f->clock, NULL, 0,
                           err, errsz);
    cJSON_Delete(config);
    return rc;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char err[256];

    assert_non_null(f);
    assert_int_equal(ks_clock_new_virtual(&f->clock, 1767600000000LL), 0);
    if (start(f, config_json, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    km_emulator_stop(f->emu);
    ks_clock_free(f->clock);
    free(f);
    return 0;
}

static const char *base(struct fixture *f)
{
    return km_server_url(f->emu->server);
}

static void registry_type_is_named_static(void **state)
{
    (void)state;
    assert_string_equal(km_static_type.name, "static");
}

static void configured_route_answers_with_body_and_headers(void **state)
{
    struct fixture *f = *state;
    struct kt_reply r;
    char *h;

    kt_http_get(&r, base(f), "/ping");
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "pong");
    h = kt_reply_header(&r, "X-Served-By");
    assert_string_equal(h, "static");
    free(h);
    h = kt_reply_header(&r, "Content-Type");
    assert_non_null(strstr(h, "text/plain"));
    free(h);
    kt_reply_dispose(&r);
}

static void json_body_and_captures_and_content_type_override(void **state)
{
    struct fixture *f = *state;
    struct kt_request rq = {.body = "{\"a\":1}", .len = 7};
    struct kt_reply r;
    char url[256], *h;

    kt_http_get(&r, base(f), "/items/42");
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"id\":\"any\",\"n\":[1,2]}");
    h = kt_reply_header(&r, "Content-Type");
    assert_string_equal(h, "application/json");
    free(h);
    kt_reply_dispose(&r);

    snprintf(url, sizeof(url), "%s/orders", base(f));
    kt_http(&r, url, &rq);
    assert_int_equal(r.status, 201);
    h = kt_reply_header(&r, "Content-Type");
    assert_string_equal(h, "application/vnd.x+json");
    free(h);
    kt_reply_dispose(&r);
}

static void unknown_path_is_404_without_echo(void **state)
{
    struct fixture *f = *state;
    struct kt_reply r;

    kt_http_get(&r, base(f), "/nothing");
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(r.body, "no route for GET /nothing"));
    kt_reply_dispose(&r);
}

static void config_faults_are_applied(void **state)
{
    struct fixture *f = *state;
    struct kt_reply r;

    kt_http_get(&r, base(f), "/ping");
    assert_int_equal(r.status, 200);
    kt_reply_dispose(&r);
    kt_http_get(&r, base(f), "/ping");
    assert_int_equal(r.status, 503);
    kt_reply_dispose(&r);
}

static void snapshot_counts_hits_per_route(void **state)
{
    struct fixture *f = *state;
    struct kt_reply r;
    cJSON *snap, *hits;

    kt_http_get(&r, base(f), "/ping");
    kt_reply_dispose(&r);
    kt_http_get(&r, base(f), "/items/1");
    kt_reply_dispose(&r);
    kt_http_get(&r, base(f), "/items/2");
    kt_reply_dispose(&r);
    kt_http_get(&r, base(f), "/missing");
    kt_reply_dispose(&r);
    snap = km_emulator_snapshot(f->emu);
    hits = cJSON_GetObjectItem(snap, "hits");
    assert_int_equal(cJSON_GetObjectItem(hits, "GET /ping")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItem(hits, "GET /items/{id}")->valueint, 2);
    assert_int_equal(cJSON_GetObjectItem(hits, "POST /orders")->valueint, 0);
    assert_int_equal(cJSON_GetObjectItem(snap, "unmatched")->valueint, 1);
    cJSON_Delete(snap);
}

static void set_route_replaces_or_adds_a_route(void **state)
{
    struct fixture *f = *state;
    cJSON *args, *result = NULL;
    struct kt_reply r;
    char err[256];

    args = cJSON_Parse("{\"route\":\"GET /ping\",\"status\":418,"
                       "\"body\":\"teapot\"}");
    assert_int_equal(
        km_emulator_act(f->emu, "set_route", args, &result, err, sizeof(err)),
        0);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(result, "replaced")));
    cJSON_Delete(result);
    cJSON_Delete(args);
    kt_http_get(&r, base(f), "/ping");
    assert_int_equal(r.status, 418);
    assert_string_equal(r.body, "teapot");
    kt_reply_dispose(&r);

    args = cJSON_Parse("{\"route\":\"DELETE /new\",\"status\":204}");
    assert_int_equal(
        km_emulator_act(f->emu, "set_route", args, NULL, err, sizeof(err)), 0);
    cJSON_Delete(args);
    {
        struct kt_request rq = {.method = "DELETE"};
        char url[256];
        snprintf(url, sizeof(url), "%s/new", base(f));
        kt_http(&r, url, &rq);
        assert_int_equal(r.status, 204);
        kt_reply_dispose(&r);
    }
}

static void bad_actions_fail_with_a_reason(void **state)
{
    struct fixture *f = *state;
    cJSON *args = cJSON_Parse("{\"route\":\"GET /x\",\"colour\":\"red\"}");
    cJSON *result = NULL;
    char err[256];

    assert_int_equal(
        km_emulator_act(f->emu, "set_route", args, &result, err, sizeof(err)),
        -1);
    assert_non_null(strstr(err, "colour"));
    assert_null(result);
    assert_int_equal(
        km_emulator_act(f->emu, "explode", args, &result, err, sizeof(err)),
        -1);
    assert_non_null(strstr(err, "explode"));
    cJSON_Delete(args);
    assert_int_equal(km_emulator_pump(f->emu), 0);
}

static void echo_describes_unmatched_requests(void **state)
{
    struct fixture *f = *state;
    const char *hdrs[] = {"X-Probe: 1", NULL};
    struct kt_request rq = {.headers = hdrs, .body = "abc", .len = 3};
    struct kt_reply r;
    char err[256], url[256];
    cJSON *o;

    km_emulator_stop(f->emu);
    f->emu = NULL;
    assert_int_equal(start(f, "{\"echo\": true}", err, sizeof(err)), 0);
    snprintf(url, sizeof(url), "%s/any/where?x=1", base(f));
    kt_http(&r, url, &rq);
    assert_int_equal(r.status, 200);
    o = cJSON_Parse(r.body);
    assert_non_null(o);
    assert_string_equal(cJSON_GetObjectItem(o, "method")->valuestring, "POST");
    assert_string_equal(cJSON_GetObjectItem(o, "path")->valuestring,
                        "/any/where");
    assert_string_equal(cJSON_GetObjectItem(o, "query")->valuestring, "x=1");
    assert_string_equal(cJSON_GetObjectItem(o, "body")->valuestring, "abc");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(o, "headers"), "X-Probe")
            ->valuestring,
        "1");
    cJSON_Delete(o);
    kt_reply_dispose(&r);
}

static void bad_configs_are_rejected_naming_the_key(void **state)
{
    static const struct {
        const char *json;
        const char *needle;
    } cases[] = {
        {"{\"colour\": 1}", "/colour: unknown key"},
        {"{\"echo\": 1}", "/echo: must be true or false"},
        {"{\"routes\": {}}", "/routes: must be an array"},
        {"{\"routes\": [1]}", "/routes/0: must be an object"},
        {"{\"routes\": [{\"route\": \"/ping\"}]}", "\"route\""},
        {"{\"routes\": [{\"route\": \"GET /a\", \"status\": 42}]}",
         "\"status\""},
        {"{\"routes\": [{\"route\": \"GET /a\", \"headers\": {\"A\": 1}}]}",
         "\"headers\""},
        {"{\"routes\": [{\"route\": \"GET /a\", \"x\": 1}]}",
         "/routes/0/x: unknown key"},
        {"{\"routes\": [{\"route\": \"GET /a\"}, {\"route\": \"GET /a\"}]}",
         "twice"},
        {"{\"faults\": [{\"route\": \"GET /a\", \"nth\": 0, \"status\": 500}]}",
         "\"nth\""},
        {"[]", "object"},
    };
    struct fixture *f = *state;
    char err[256];

    km_emulator_stop(f->emu);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        f->emu = (struct km_emulator *)f;
        err[0] = '\0';
        if (start(f, cases[i].json, err, sizeof(err)) != -1)
            fail_msg("accepted: %s", cases[i].json);
        assert_null(f->emu);
        if (!strstr(err, cases[i].needle))
            fail_msg("%s: \"%s\" lacks %s", cases[i].json, err,
                     cases[i].needle);
    }
    /* No configuration at all is an empty static server. */
    assert_int_equal(start(f, NULL, err, sizeof(err)), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(registry_type_is_named_static),
        T(configured_route_answers_with_body_and_headers),
        T(json_body_and_captures_and_content_type_override),
        T(unknown_path_is_404_without_echo),
        T(config_faults_are_applied),
        T(snapshot_counts_hits_per_route),
        T(set_route_replaces_or_adds_a_route),
        T(bad_actions_fail_with_a_reason),
        T(echo_describes_unmatched_requests),
        T(bad_configs_are_rejected_naming_the_key),
    };
    int rc;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
