/*
 * Every emulator's declared configuration keys against what is published
 * about them: the committed scenarios/scenario.schema.json must hold
 * exactly the schema the tables generate ($defs/emulator<Name>), and
 * every table must be well formed (defaults that parse and have the
 * declared type, extra schema keywords that parse, a description each).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "kinmock/config.h"
#include "kinmock/emulator.h"

#define SCHEMA KS_SOURCE_DIR "/scenarios/scenario.schema.json"

static cJSON *read_json(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *text;
    long size;
    cJSON *doc;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    assert_true(size > 0);
    rewind(f);
    text = malloc((size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
    text[size] = '\0';
    fclose(f);
    doc = cJSON_Parse(text);
    free(text);
    assert_non_null(doc);
    return doc;
}

static void no_problem(void *ctx, const char *pointer, const char *message)
{
    fail_msg("%s: default %s: %s", (const char *)ctx, pointer, message);
}

/* Each default goes through the same check as a configured value. */
static void check_table(const struct km_config_key *keys, size_t n,
                        const char *where)
{
    for (size_t i = 0; i < n; i++) {
        const struct km_config_key *k = &keys[i];
        char at[256];

        snprintf(at, sizeof(at), "%s/%s", where, k->key);
        if (!k->description || !k->description[0])
            fail_msg("%s has no description", at);
        if (k->schema) {
            cJSON *extra = cJSON_Parse(k->schema);

            if (!cJSON_IsObject(extra))
                fail_msg("%s: schema is not a JSON object", at);
            cJSON_Delete(extra);
        }
        if (k->dflt) {
            struct km_config_key alone = *k;
            struct km_emulator_type t = {
                .name = at, .config = &alone, .nconfig = 1};
            cJSON *v = cJSON_Parse(k->dflt), *o = cJSON_CreateObject();

            if (!v)
                fail_msg("%s: default %s is not JSON", at, k->dflt);
            alone.dflt = NULL;
            cJSON_AddItemToObject(o, k->key, v);
            km_config_check(&t, o, "", no_problem, at);
            cJSON_Delete(o);
        }
        if (k->members)
            check_table(k->members, k->nmembers, at);
    }
}

static void every_table_is_well_formed(void **state)
{
    (void)state;
    check_table(km_config_core_keys, km_config_core_nkeys, "core");
    for (size_t i = 0; km_emulator_types[i]; i++) {
        const struct km_emulator_type *t = km_emulator_types[i];

        if (t->nconfig == 0)
            fail_msg("%s declares no configuration keys", t->name);
        check_table(t->config, t->nconfig, t->name);
    }
}

static void committed_schema_matches_the_tables(void **state)
{
    cJSON *doc = read_json(SCHEMA);
    const cJSON *defs = cJSON_GetObjectItemCaseSensitive(doc, "$defs");
    int mismatches = 0;

    (void)state;
    for (size_t i = 0; km_emulator_types[i]; i++) {
        const struct km_emulator_type *t = km_emulator_types[i];
        cJSON *want = km_config_schema(t);
        char name[64];
        const cJSON *have;

        snprintf(name, sizeof(name), "emulator%s", t->name);
        name[8] = (char)toupper((unsigned char)name[8]);
        have = cJSON_GetObjectItemCaseSensitive(defs, name);
        if (!cJSON_Compare(have, want, 1)) {
            char *text = cJSON_PrintUnformatted(want);

            print_error("%s: $defs/%s differs from the %s emulator's "
                        "declared keys, which generate:\n%s\n",
                        SCHEMA, name, t->name, text);
            cJSON_free(text);
            mismatches++;
        }
        cJSON_Delete(want);
    }
    cJSON_Delete(doc);
    if (mismatches)
        fail_msg("%d emulator section(s) out of date: run `node "
                 "tests/schema/update-emulators.mjs BUILD/cli/kinsync`",
                 mismatches);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_table_is_well_formed),
        cmocka_unit_test(committed_schema_matches_the_tables),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
