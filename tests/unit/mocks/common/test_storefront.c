/*
 * What the storefront emulators share (mocks/src/common/storefront.c) and
 * the generic field setters of the declared configuration
 * (km_config_set_flag, km_config_set_string): public copies, find and
 * set on stored objects, fixture lists loaded item by item with the
 * failing item named, the "generate" object read against its maximum and
 * its members' schema, and the seeded generated products.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common/storefront.h"
#include "kinmock/emulator.h"

static cJSON *parse(const char *json)
{
    cJSON *v = cJSON_Parse(json);

    assert_non_null(v);
    return v;
}

static void public_drops_private_members_only(void **state)
{
    cJSON *obj = parse("{\"id\": 3, \"_secret\": \"x\", \"name\": \"n\", "
                       "\"_count\": 2, \"nested\": {\"_kept\": 1}}");
    cJSON *pub = km__storefront_public(obj);
    char *text = cJSON_PrintUnformatted(pub);

    (void)state;
    assert_string_equal(text,
                        "{\"id\":3,\"name\":\"n\",\"nested\":{\"_kept\":1}}");
    /* the stored object keeps its bookkeeping */
    assert_non_null(cJSON_GetObjectItemCaseSensitive(obj, "_secret"));
    cJSON_free(text);
    cJSON_Delete(pub);
    cJSON_Delete(obj);
}

static void set_replaces_or_adds_and_find_reads_numeric_ids(void **state)
{
    cJSON *arr = parse("[{\"id\": 1}, {\"id\": \"2\"}, {\"id\": 2}]");
    cJSON *two = cJSON_GetArrayItem(arr, 2);

    (void)state;
    assert_ptr_equal(km__storefront_find(arr, 2), two);
    assert_ptr_equal(km__storefront_find(arr, 1), cJSON_GetArrayItem(arr, 0));
    assert_null(km__storefront_find(arr, 7));
    km__storefront_set(two, "name", cJSON_CreateString("a"));
    km__storefront_set(two, "name", cJSON_CreateString("b"));
    assert_int_equal(cJSON_GetArraySize(two), 2);
    assert_string_equal(
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(two, "name")),
        "b");
    cJSON_Delete(arr);
}

/* A store that keeps the names it is given and refuses "bad". */
struct names {
    char seen[128];
    int64_t now;
};

static int store_name(void *state, const cJSON *item, int64_t now, char *why,
                      size_t whysz)
{
    struct names *n = state;
    const char *name =
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "name"));

    n->now = now;
    if (name && strcmp(name, "bad") == 0) {
        snprintf(why, whysz, "name \"bad\" is taken");
        return -1;
    }
    strncat(n->seen, name ? name : "?", sizeof(n->seen) - strlen(n->seen) - 1);
    return 0;
}

static void load_stores_every_item_and_names_the_failing_one(void **state)
{
    struct names n = {"", 0};
    cJSON *ok = parse("[{\"name\": \"a\"}, {\"name\": \"b\"}]");
    cJSON *refused = parse("[{\"name\": \"a\"}, {\"name\": \"bad\"}]");
    cJSON *not_object = parse("[{\"name\": \"a\"}, 5]");
    char err[128];

    (void)state;
    assert_int_equal(
        km__storefront_load(&n, ok, 42, store_name, err, sizeof(err)), 0);
    assert_string_equal(n.seen, "ab");
    assert_int_equal(n.now, 42);
    assert_int_equal(
        km__storefront_load(&n, refused, 1, store_name, err, sizeof(err)), -1);
    assert_string_equal(err, "item 1: name \"bad\" is taken");
    assert_int_equal(
        km__storefront_load(&n, not_object, 1, store_name, err, sizeof(err)),
        -1);
    assert_string_equal(err, "item 1 must be an object");
    cJSON_Delete(ok);
    cJSON_Delete(refused);
    cJSON_Delete(not_object);
}

static void generate_is_read_against_its_maximum(void **state)
{
    struct km__storefront_generate g = {0, 0};
    cJSON *fine = parse("{\"products\": 12, \"seed\": 9}");
    cJSON *unseeded = parse("{\"products\": 0}");
    cJSON *over = parse("{\"products\": 101}");
    cJSON *missing = parse("{\"seed\": 3}");
    char err[128];

    (void)state;
    assert_int_equal(km__storefront_generate_read(&g, fine, 100, err, 128), 0);
    assert_int_equal(g.products, 12);
    assert_int_equal(g.seed, 9);
    assert_int_equal(km__storefront_generate_read(&g, unseeded, 100, err, 128),
                     0);
    assert_int_equal(g.products, 0);
    assert_int_equal(g.seed, 1);
    assert_int_equal(km__storefront_generate_read(&g, over, 100, err, 128), -1);
    assert_string_equal(err, "needs \"products\": a count from 0 to 100");
    assert_int_equal(km__storefront_generate_read(&g, missing, 100, err, 128),
                     -1);
    cJSON_Delete(fine);
    cJSON_Delete(unseeded);
    cJSON_Delete(over);
    cJSON_Delete(missing);
}

#define TEST_GENERATE_MAX 250

static const struct km_config_key generate_keys[] = {
    KM__STOREFRONT_GENERATE_KEYS("How many.", TEST_GENERATE_MAX),
};

static void generate_members_declare_the_maximum_and_the_seed(void **state)
{
    (void)state;
    assert_string_equal(generate_keys[0].key, "products");
    assert_string_equal(generate_keys[0].description, "How many.");
    assert_null(generate_keys[0].dflt);
    assert_string_equal(generate_keys[0].schema,
                        "{\"minimum\": 0, \"maximum\": 250}");
    assert_string_equal(generate_keys[1].key, "seed");
    assert_string_equal(generate_keys[1].dflt, "1");
    assert_string_equal(generate_keys[1].schema, "{\"minimum\": 0}");
}

static void generated_products_repeat_per_seed_and_stay_in_range(void **state)
{
    struct km__storefront_product a, b;
    uint64_t rng_a = 7, rng_b = 7, rng_c = 8;
    int differs = 0;

    (void)state;
    km__storefront_product(&a, 42, 6, 1, &rng_a);
    assert_string_equal(a.sku, "GEN-000042");
    assert_string_equal(a.name, "Generated product 000042");
    km__storefront_product(&b, 42, 5, 0, &rng_b);
    assert_string_equal(b.sku, "GEN-00042");
    assert_string_equal(b.name, "Generated product 42");
    /* the same seed draws the same price and stock */
    assert_true(a.price == b.price);
    assert_int_equal(a.stock, b.stock);
    for (int i = 1; i <= 50; i++) {
        km__storefront_product(&a, i, 6, 1, &rng_a);
        km__storefront_product(&b, i, 6, 1, &rng_c);
        assert_true(a.price >= 1.0 && a.price <= 500.99);
        assert_true(a.stock >= 0 && a.stock <= 199);
        differs |= a.price != b.price || a.stock != b.stock;
    }
    assert_true(differs); /* another seed, another catalogue */
}

/* ---- generic field setters ------------------------------------------ */

struct settings {
    int before;
    char *label;
    int enabled;
};

static const struct km_config_key field_keys[] = {
    {KM_CONFIG_KEY("label", KM_CONFIG_STRING, "\"none\"", "A label.",
                   km_config_set_string),
     KM_CONFIG_FIELD(struct settings, label)},
    {KM_CONFIG_KEY("enabled", KM_CONFIG_BOOLEAN, "true", "Whether on.",
                   km_config_set_flag),
     KM_CONFIG_FIELD(struct settings, enabled)},
};

static const struct km_emulator_type field_type = {
    .name = "fields",
    .config = field_keys,
    .nconfig = sizeof(field_keys) / sizeof(field_keys[0]),
};

static void field_setters_store_into_their_declared_fields(void **state)
{
    struct settings s = {7, NULL, 0};
    cJSON *config = parse("{\"label\": \"shop\", \"enabled\": false}");
    char err[128];

    (void)state;
    assert_int_equal(km_config_apply(&s, &field_type, NULL, "", err, 128), 0);
    assert_string_equal(s.label, "none");
    assert_int_equal(s.enabled, 1);
    /* applying again replaces the string (the old copy is freed) */
    assert_int_equal(km_config_apply(&s, &field_type, config, "", err, 128), 0);
    assert_string_equal(s.label, "shop");
    assert_int_equal(s.enabled, 0);
    assert_int_equal(s.before, 7); /* nothing else is touched */
    free(s.label);
    cJSON_Delete(config);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(public_drops_private_members_only),
        cmocka_unit_test(set_replaces_or_adds_and_find_reads_numeric_ids),
        cmocka_unit_test(load_stores_every_item_and_names_the_failing_one),
        cmocka_unit_test(generate_is_read_against_its_maximum),
        cmocka_unit_test(generate_members_declare_the_maximum_and_the_seed),
        cmocka_unit_test(generated_products_repeat_per_seed_and_stay_in_range),
        cmocka_unit_test(field_setters_store_into_their_declared_fields),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
