/* Fault rules as data: validation, and when a rule fires. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "common/server_int.h"

static struct km_server *start(void)
{
    struct km_server_options opts;
    struct km_server *server = NULL;
    char err[256];

    memset(&opts, 0, sizeof(opts));
    opts.name = "rules";
    assert_int_equal(km_server_start(&server, &opts, err, sizeof(err)), 0);
    return server;
}

static int add(struct km_server *server, const char *json, char *err,
               size_t errsz)
{
    cJSON *rules = cJSON_Parse(json);
    int rc;

    assert_non_null(rules);
    rc = km_server_faults_add(server, rules, err, errsz);
    cJSON_Delete(rules);
    return rc;
}

static void add_ok(struct km_server *server, const char *json)
{
    char err[256];

    assert_int_equal(add(server, json, err, sizeof(err)), 0);
    assert_string_equal(err, "");
}

/* Index of the rule that fires for the request, or -1. */
static int pick(struct km_server *server, const char *method, const char *path)
{
    struct km__fault_hit hit;
    int index;

    km__faults_pick(server, method, path, NULL, &hit);
    index = hit.fired ? hit.index : -1;
    km__fault_hit_dispose(&hit);
    return index;
}

static size_t rule_count(struct km_server *server)
{
    cJSON *fired = km_server_faults_fired(server);
    size_t n = (size_t)cJSON_GetArraySize(fired);

    cJSON_Delete(fired);
    return n;
}

static void each_invalid_rule_is_rejected_naming_the_key(void **state)
{
    static const struct {
        const char *json;
        const char *needle;
    } cases[] = {
        {"{\"route\":\"GET /x\",\"status\":429,\"bogus\":1}", "\"bogus\""},
        {"{\"route\":\"GET\",\"status\":500}", "\"route\""},
        {"{\"route\":5,\"status\":500}", "\"route\""},
        {"{\"route\":\"GET /x\",\"method\":\"GET\",\"status\":500}",
         "\"route\""},
        {"{\"method\":\"\",\"status\":500}", "\"method\""},
        {"{\"path\":7,\"status\":500}", "\"path\""},
        {"{\"nth\":0,\"status\":500}", "\"nth\""},
        {"{\"nth\":1.5,\"status\":500}", "\"nth\""},
        {"{\"nth\":\"2\",\"status\":500}", "\"nth\""},
        {"{\"nth\":2,\"every\":true,\"status\":500}", "\"nth\""},
        {"{\"nth\":2,\"after\":1,\"status\":500}", "\"nth\""},
        {"{\"after\":-1,\"status\":500}", "\"after\""},
        {"{\"times\":0,\"status\":500}", "\"times\""},
        {"{\"every\":\"yes\",\"status\":500}", "\"every\""},
        {"{\"probability\":1.5,\"status\":500}", "\"probability\""},
        {"{\"probability\":\"half\",\"status\":500}", "\"probability\""},
        {"{\"seed\":3,\"status\":500}", "\"seed\""},
        {"{\"probability\":0.5,\"seed\":-1,\"status\":500}", "\"seed\""},
        {"{\"status\":99}", "\"status\""},
        {"{\"status\":600}", "\"status\""},
        {"{\"status\":\"429\"}", "\"status\""},
        {"{\"headers\":{\"Retry-After\":\"1\"}}", "\"headers\""},
        {"{\"status\":429,\"headers\":{\"Retry-After\":5}}", "\"headers\""},
        {"{\"status\":429,\"headers\":[]}", "\"headers\""},
        {"{\"body\":\"x\"}", "\"body\""},
        {"{\"delay_ms\":-5}", "\"delay_ms\""},
        {"{\"delay_ms\":\"soon\"}", "\"delay_ms\""},
        {"{\"action\":\"\"}", "\"action\""},
        {"{\"action\":3}", "\"action\""},
        {"{\"action\":\"reset\",\"status\":500}", "\"status\""},
        {"{\"action\":\"hang\",\"status\":500}", "\"status\""},
        {"{\"route\":\"GET /x\",\"nth\":1}", "\"status\""},
        {"[1]", "faults[0]"},
        {"[{\"status\":500},{\"status\":500,\"nope\":true}]", "faults[1]"},
        {"\"GET /x\"", "object or an array"},
    };
    struct km_server *server = start();
    char err[256];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        err[0] = '\0';
        if (add(server, cases[i].json, err, sizeof(err)) != -1)
            fail_msg("accepted: %s", cases[i].json);
        if (!strstr(err, cases[i].needle))
            fail_msg("%s: error \"%s\" lacks %s", cases[i].json, err,
                     cases[i].needle);
        assert_non_null(strstr(err, "rules"));
    }
    /* Nothing is added on failure, even from an array's valid rules. */
    assert_int_equal(rule_count(server), 0);
    km_server_stop(server);
}

static void valid_rules_are_added_from_an_object_or_an_array(void **state)
{
    struct km_server *server = start();

    (void)state;
    add_ok(server, "{\"route\":\"GET /x\",\"status\":429,"
                   "\"headers\":{\"Retry-After\":\"3\"},\"body\":{\"a\":1}}");
    add_ok(server, "[{\"method\":\"POST\",\"path\":\"/y/*\",\"nth\":2,"
                   "\"delay_ms\":1500,\"status\":503,\"body\":\"busy\"},"
                   "{\"every\":true,\"after\":3,\"times\":2,"
                   "\"probability\":0.25,\"seed\":9,\"action\":\"truncate\"},"
                   "{\"action\":\"expire_tokens\"}]");
    assert_int_equal(rule_count(server), 4);
    km_server_faults_clear(server);
    assert_int_equal(rule_count(server), 0);
    km_server_stop(server);
}

static void a_fired_rule_hands_over_its_act(void **state)
{
    struct km_server *server = start();
    struct km__fault_hit hit;

    (void)state;
    add_ok(server, "{\"route\":\"POST /y/*\",\"delay_ms\":1500,\"status\":503,"
                   "\"headers\":{\"Retry-After\":\"2\"},\"body\":{\"e\":1}}");
    km__faults_pick(server, "POST", "/y/z", NULL, &hit);
    assert_true(hit.fired);
    assert_int_equal(hit.index, 0);
    assert_int_equal(hit.status, 503);
    assert_int_equal(hit.delay_ms, 1500);
    assert_string_equal(km__kvs_get(&hit.headers, "retry-after"), "2");
    assert_string_equal(hit.body, "{\"e\":1}");
    assert_true(hit.body_is_json);
    assert_int_equal(hit.kind, KM__FAULT_NONE);
    assert_string_equal(hit.desc, "delay_ms 1500 + status 503");
    km__fault_hit_dispose(&hit);

    km_server_faults_clear(server);
    add_ok(server, "{\"action\":\"revoke_key\"}");
    km__faults_pick(server, "GET", "/", NULL, &hit);
    assert_int_equal(hit.kind, KM__FAULT_EMULATOR);
    assert_string_equal(hit.action, "revoke_key");
    assert_non_null(cJSON_GetObjectItem(hit.rule, "action"));
    assert_string_equal(hit.desc, "revoke_key");
    km__fault_hit_dispose(&hit);
    km_server_stop(server);
}

static void without_nth_every_or_after_a_rule_fires_on_every_match(void **state)
{
    struct km_server *server = start();

    (void)state;
    add_ok(server, "{\"route\":\"GET /a/*\",\"status\":500}");
    for (int i = 0; i < 4; i++)
        assert_int_equal(pick(server, "GET", "/a/x"), 0);
    assert_int_equal(pick(server, "POST", "/a/x"), -1);
    assert_int_equal(pick(server, "GET", "/b/x"), -1);
    km_server_stop(server);
}

static void nth_fires_only_on_that_match_of_the_rule(void **state)
{
    struct km_server *server = start();
    cJSON *fired;

    (void)state;
    add_ok(server, "{\"route\":\"GET /a\",\"nth\":2,\"status\":500}");
    assert_int_equal(pick(server, "GET", "/a"), -1);
    assert_int_equal(pick(server, "GET", "/other"), -1); /* not counted */
    assert_int_equal(pick(server, "GET", "/a"), 0);
    assert_int_equal(pick(server, "GET", "/a"), -1);
    fired = km_server_faults_fired(server);
    assert_int_equal(cJSON_GetArrayItem(fired, 0)->valueint, 1);
    cJSON_Delete(fired);
    km_server_stop(server);
}

static void every_and_after_fire_past_the_first_n(void **state)
{
    struct km_server *server = start();

    (void)state;
    add_ok(server, "{\"route\":\"* /a\",\"every\":true,\"after\":2,"
                   "\"status\":500}");
    assert_int_equal(pick(server, "GET", "/a"), -1);
    assert_int_equal(pick(server, "PUT", "/a"), -1);
    assert_int_equal(pick(server, "GET", "/a"), 0);
    assert_int_equal(pick(server, "DELETE", "/a"), 0);
    km_server_faults_clear(server);
    add_ok(server, "{\"route\":\"GET /a\",\"every\":true,\"status\":500}");
    assert_int_equal(pick(server, "GET", "/a"), 0);
    assert_int_equal(pick(server, "GET", "/a"), 0);
    km_server_stop(server);
}

static void times_limits_how_often_a_rule_fires(void **state)
{
    struct km_server *server = start();
    cJSON *fired;

    (void)state;
    add_ok(server, "{\"route\":\"GET /a\",\"times\":2,\"status\":500}");
    add_ok(server, "{\"route\":\"GET /a\",\"after\":1,\"times\":1,"
                   "\"status\":503}");
    assert_int_equal(pick(server, "GET", "/a"), 0);
    assert_int_equal(pick(server, "GET", "/a"), 0);
    assert_int_equal(pick(server, "GET", "/a"), 1);
    assert_int_equal(pick(server, "GET", "/a"), -1);
    fired = km_server_faults_fired(server);
    assert_int_equal(cJSON_GetArrayItem(fired, 0)->valueint, 2);
    assert_int_equal(cJSON_GetArrayItem(fired, 1)->valueint, 1);
    cJSON_Delete(fired);
    km_server_stop(server);
}

static void
every_matching_rule_counts_but_the_first_firing_one_wins(void **state)
{
    struct km_server *server = start();

    (void)state;
    add_ok(server, "[{\"route\":\"GET /x\",\"nth\":1,\"status\":500},"
                   "{\"route\":\"GET /x\",\"nth\":1,\"status\":503},"
                   "{\"route\":\"GET /x\",\"nth\":2,\"status\":502}]");
    assert_int_equal(pick(server, "GET", "/x"), 0);
    assert_int_equal(pick(server, "GET", "/x"), 2);
    assert_int_equal(pick(server, "GET", "/x"), -1);
    km_server_stop(server);
}

static void sample(struct km_server *server, const char *rule, char *out,
                   size_t n)
{
    km_server_faults_clear(server);
    add_ok(server, rule);
    for (size_t i = 0; i < n; i++)
        out[i] = pick(server, "GET", "/p") == 0 ? '1' : '0';
    out[n] = '\0';
}

static void probability_is_repeatable_for_a_seed(void **state)
{
    struct km_server *server = start();
    char a[65], b[65], c[65];
    size_t ones = 0;

    (void)state;
    sample(server, "{\"probability\":0.5,\"seed\":42,\"status\":500}", a, 64);
    sample(server, "{\"probability\":0.5,\"seed\":42,\"status\":500}", b, 64);
    sample(server, "{\"probability\":0.5,\"seed\":7,\"status\":500}", c, 64);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    for (size_t i = 0; i < 64; i++)
        ones += a[i] == '1';
    assert_true(ones > 0 && ones < 64);
    sample(server, "{\"probability\":0,\"seed\":1,\"status\":500}", a, 64);
    assert_null(strchr(a, '1'));
    sample(server, "{\"probability\":1,\"status\":500}", a, 64);
    assert_null(strchr(a, '0'));
    km_server_stop(server);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_invalid_rule_is_rejected_naming_the_key),
        cmocka_unit_test(valid_rules_are_added_from_an_object_or_an_array),
        cmocka_unit_test(a_fired_rule_hands_over_its_act),
        cmocka_unit_test(
            without_nth_every_or_after_a_rule_fires_on_every_match),
        cmocka_unit_test(nth_fires_only_on_that_match_of_the_rule),
        cmocka_unit_test(every_and_after_fire_past_the_first_n),
        cmocka_unit_test(times_limits_how_often_a_rule_fires),
        cmocka_unit_test(
            every_matching_rule_counts_but_the_first_firing_one_wins),
        cmocka_unit_test(probability_is_repeatable_for_a_seed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
