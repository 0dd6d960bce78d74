/*
 * The generic configuration applier (kinmock/config.h) over a made-up
 * emulator type: JSON types, unknown keys named by pointer with the known
 * ones, defaults, table order, declared members of objects and of array
 * items, setter errors passed on, and the JSON Schema it describes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "kinmock/config.h"
#include "kinmock/emulator.h"

struct fake {
    char log[512]; /* "key=value;" per setter call, in call order */
};

static int record(void *state, const char *key, const cJSON *v)
{
    struct fake *f = state;
    char *text = cJSON_PrintUnformatted(v);
    size_t used = strlen(f->log);

    assert_non_null(text);
    snprintf(f->log + used, sizeof(f->log) - used, "%s=%s;", key, text);
    cJSON_free(text);
    return 0;
}

static int set_name(void *state, const cJSON *v, char *err, size_t errsz)
{
    (void)err;
    (void)errsz;
    return record(state, "name", v);
}

static int set_limit(void *state, const cJSON *v, char *err, size_t errsz)
{
    if (v->valuedouble > 10) {
        snprintf(err, errsz, "must be at most 10");
        return -1;
    }
    return record(state, "limit", v);
}

static int set_ratio(void *state, const cJSON *v, char *err, size_t errsz)
{
    (void)err;
    (void)errsz;
    return record(state, "ratio", v);
}

static int set_depth(void *state, const cJSON *v, char *err, size_t errsz)
{
    (void)err;
    (void)errsz;
    return record(state, "depth", v);
}

static int set_users(void *state, const cJSON *v, char *err, size_t errsz)
{
    (void)err;
    (void)errsz;
    return record(state, "users", v);
}

static const struct km_config_key nested_keys[] = {
    {KM_CONFIG_KEY("depth", KM_CONFIG_INTEGER, "3", "How deep.", set_depth)},
    {KM_CONFIG_KEY("on", KM_CONFIG_BOOLEAN, NULL, "Whether on.", NULL)},
};

static const struct km_config_key user_keys[] = {
    {KM_CONFIG_KEY("id", KM_CONFIG_STRING, NULL, "Who.", NULL)},
};

static const struct km_config_key fake_keys[] = {
    {KM_CONFIG_KEY("name", KM_CONFIG_STRING, "\"anon\"", "A name.", set_name)},
    {KM_CONFIG_KEY("limit", KM_CONFIG_INTEGER, NULL, "A limit.", set_limit),
     .schema = "{\"maximum\": 10}"},
    {KM_CONFIG_KEY("ratio", KM_CONFIG_NUMBER | KM_CONFIG_STRING, NULL,
                   "A ratio.", set_ratio)},
    {KM_CONFIG_KEY("nested", KM_CONFIG_OBJECT, NULL, "Nested settings.", NULL),
     KM_CONFIG_MEMBERS(nested_keys)},
    {KM_CONFIG_KEY("users", KM_CONFIG_ARRAY, NULL, "Users.", set_users),
     KM_CONFIG_MEMBERS(user_keys)},
};

static const struct km_emulator_type fake_type = {
    .name = "fake",
    .config = fake_keys,
    .nconfig = sizeof(fake_keys) / sizeof(fake_keys[0]),
};

/* Applies json to a fresh fake; returns the applier's result. */
static int apply(struct fake *f, const char *json, char *err, size_t errsz)
{
    cJSON *config = json ? cJSON_Parse(json) : NULL;
    int rc;

    assert_true(!json || config);
    memset(f, 0, sizeof(*f));
    rc = km_config_apply(f, &fake_type, config, "", err, errsz);
    cJSON_Delete(config);
    return rc;
}

static void refused(const char *json, const char *want)
{
    struct fake f;
    char err[512];

    assert_int_equal(apply(&f, json, err, sizeof(err)), -1);
    if (strcmp(err, want) != 0)
        fail_msg("%s:\n  got  %s\n  want %s", json, err, want);
}

static void keys_are_applied_in_table_order_with_defaults(void **state)
{
    struct fake f;
    char err[256];

    (void)state;
    assert_int_equal(apply(&f,
                           "{\"users\": [{\"id\": \"u\"}], \"ratio\": \"1/2\", "
                           "\"limit\": 7, \"faults\": []}",
                           err, sizeof(err)),
                     0);
    /* name from its default, limit and ratio as given, nested.depth from
     * its default although nested is absent, users last. */
    assert_string_equal(f.log, "name=\"anon\";limit=7;ratio=\"1/2\";depth=3;"
                               "users=[{\"id\":\"u\"}];");
    assert_int_equal(apply(&f, NULL, err, sizeof(err)), 0);
    assert_string_equal(f.log, "name=\"anon\";depth=3;");
}

static void unknown_key_is_named_with_the_known_ones(void **state)
{
    (void)state;
    refused("{\"nmae\": \"x\"}",
            "fake: /nmae: unknown key; known keys: name, limit, ratio, "
            "nested, users, faults");
    refused("{\"nested\": {\"dpeth\": 1}}",
            "fake: /nested/dpeth: unknown key; known keys: depth, on");
    refused("{\"users\": [{\"id\": \"a\"}, {\"name\": \"b\"}]}",
            "fake: /users/1/name: unknown key; known keys: id");
    refused("{\"a/b~c\": 1}", "fake: /a~1b~0c: unknown key; known keys: "
                              "name, limit, ratio, nested, users, faults");
}

static void json_types_are_checked(void **state)
{
    (void)state;
    refused("{\"name\": 5}", "fake: /name: must be a string");
    refused("{\"limit\": 2.5}", "fake: /limit: must be an integer");
    refused("{\"limit\": \"3\"}", "fake: /limit: must be an integer");
    refused("{\"ratio\": true}", "fake: /ratio: must be a string or a number");
    refused("{\"nested\": {\"on\": 1}}", "fake: /nested/on: must be true or "
                                         "false");
    refused("{\"users\": [\"u\"]}", "fake: /users/0: must be an object");
    refused("{\"faults\": {}}", "fake: /faults: must be an array");
    refused("[]", "fake: configuration must be an object");
}

static void setter_error_is_passed_on_with_the_pointer(void **state)
{
    struct fake f;
    char err[256];

    (void)state;
    refused("{\"limit\": 11}", "fake: /limit: must be at most 10");
    /* Nothing after the failing key is applied. */
    assert_int_equal(
        apply(&f, "{\"limit\": 11, \"users\": []}", err, sizeof(err)), -1);
    assert_string_equal(f.log, "name=\"anon\";");
}

static void nothing_is_applied_when_a_key_is_wrong(void **state)
{
    struct fake f;
    char err[256];

    (void)state;
    assert_int_equal(
        apply(&f, "{\"name\": \"n\", \"limt\": 1}", err, sizeof(err)), -1);
    assert_string_equal(f.log, "");
}

struct problems {
    int n;
    char text[1024];
};

static void collect(void *ctx, const char *pointer, const char *message)
{
    struct problems *p = ctx;
    size_t used = strlen(p->text);

    p->n++;
    snprintf(p->text + used, sizeof(p->text) - used, "%s: %s\n", pointer,
             message);
}

static void check_reports_every_problem_under_the_pointer(void **state)
{
    cJSON *config = cJSON_Parse("{\"nmae\": 1, \"name\": 2, \"nested\": "
                                "{\"on\": \"yes\"}}");
    struct problems p = {0, ""};

    (void)state;
    assert_non_null(config);
    assert_int_equal(
        km_config_check(&fake_type, config, "/given/fake", collect, &p), 3);
    assert_int_equal(p.n, 3);
    assert_string_equal(p.text,
                        "/given/fake/nmae: unknown key; known keys: name, "
                        "limit, ratio, nested, users, faults\n"
                        "/given/fake/name: must be a string\n"
                        "/given/fake/nested/on: must be true or false\n");
    cJSON_Delete(config);
}

static void schema_declares_every_key_and_refuses_others(void **state)
{
    cJSON *schema = km_config_schema(&fake_type);
    cJSON *want = cJSON_Parse(
        "{\"if\": {\"$ref\": \"#/$defs/isFixture\"}, \"then\": {\"$ref\": "
        "\"#/$defs/fixture\"}, \"else\": {\"type\": \"integer\", "
        "\"maximum\": 10}, \"description\": \"A limit.\"}");
    const cJSON *props = cJSON_GetObjectItem(schema, "properties");
    const cJSON *ratio = cJSON_GetObjectItem(props, "ratio");
    const cJSON *users = cJSON_GetObjectItem(props, "users");
    const cJSON *item;

    (void)state;
    assert_non_null(want);
    assert_true(
        cJSON_IsFalse(cJSON_GetObjectItem(schema, "additionalProperties")));
    assert_int_equal(cJSON_GetArraySize(props), 6); /* five and faults */
    assert_true(cJSON_Compare(cJSON_GetObjectItem(props, "limit"), want, 1));
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(props, "name"), "default")
            ->valuestring,
        "anon");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(
                         cJSON_GetObjectItem(ratio, "else"), "anyOf")),
                     2);
    item = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(users, "else"), "items"),
        "else");
    assert_true(
        cJSON_IsFalse(cJSON_GetObjectItem(item, "additionalProperties")));
    assert_non_null(
        cJSON_GetObjectItem(cJSON_GetObjectItem(item, "properties"), "id"));
    cJSON_Delete(want);
    cJSON_Delete(schema);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys_are_applied_in_table_order_with_defaults),
        cmocka_unit_test(unknown_key_is_named_with_the_known_ones),
        cmocka_unit_test(json_types_are_checked),
        cmocka_unit_test(setter_error_is_passed_on_with_the_pointer),
        cmocka_unit_test(nothing_is_applied_when_a_key_is_wrong),
        cmocka_unit_test(check_reports_every_problem_under_the_pointer),
        cmocka_unit_test(schema_declares_every_key_and_refuses_others),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
