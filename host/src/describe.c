/*
 * `kinsync serve --describe SYSTEM [--json]`: the configuration keys an
 * emulator takes, from its declared table (kinmock/config.h). As text for
 * users: key, JSON type, default and description; with --json, the JSON
 * Schema fragment that scenarios/scenario.schema.json holds under
 * $defs/emulator<Name> (tests/schema/update-emulators.mjs pastes it).
 */
#include <stdio.h>
#include <string.h>
#include <kinmock/config.h>
#include <kinmock/emulator.h>
#include "host.h"

#define EXIT_USAGE 2
#define WRAP 72 /* columns of a wrapped description */

/* Prints text wrapped at WRAP columns, each line indented by 6. */
static void print_wrapped(FILE *out, const char *text)
{
    while (*text) {
        size_t len = strlen(text), cut = len;

        if (len > WRAP) {
            cut = WRAP;
            while (cut > 0 && text[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = strcspn(text, " ");
        }
        fprintf(out, "      %.*s\n", (int)cut, text);
        text += cut;
        while (*text == ' ')
            text++;
    }
}

static void print_keys(FILE *out, const struct km_config_key *keys, size_t n,
                       const char *prefix)
{
    for (size_t i = 0; i < n; i++) {
        const struct km_config_key *k = &keys[i];
        char name[128], type[96];

        snprintf(name, sizeof(name), "%s%s", prefix, k->key);
        km_config_type_name(type, sizeof(type), k->type);
        fprintf(out, "  %-28s %s; default %s\n", name, type,
                k->dflt ? k->dflt : "none");
        print_wrapped(out, k->description);
        if (k->members) {
            char sub[160];

            snprintf(sub, sizeof(sub), "%s%s", name,
                     k->type & KM_CONFIG_OBJECT ? "." : "[].");
            print_keys(out, k->members, k->nmembers, sub);
        }
    }
}

static void print_text(FILE *out, const struct km_emulator_type *type)
{
    fprintf(out,
            "Configuration of the %s emulator (given.%s in a scenario, or "
            "a reset body).\nUnknown keys are refused. Keys are applied in "
            "this order.\n\n",
            type->name, type->name);
    print_keys(out, type->config, type->nconfig, "");
    print_keys(out, km_config_core_keys, km_config_core_nkeys, "");
}

static int print_json(FILE *out, const struct km_emulator_type *type)
{
    cJSON *schema = km_config_schema(type);
    char *text = cJSON_Print(schema);
    int rc = text ? 0 : 1;

    if (text)
        fprintf(out, "%s\n", text);
    cJSON_free(text);
    cJSON_Delete(schema);
    return rc;
}

int kh__serve_describe(const char *system, int json)
{
    const struct km_emulator_type *type = km_emulator_type_find(system);

    if (!type) {
        fprintf(stderr,
                "kinsync serve: --describe: unknown system \"%s\"; "
                "the systems compiled in:",
                system);
        for (size_t i = 0; km_emulator_types[i]; i++)
            fprintf(stderr, " %s", km_emulator_types[i]->name);
        fputc('\n', stderr);
        return EXIT_USAGE;
    }
    if (json)
        return print_json(stdout, type);
    print_text(stdout, type);
    return 0;
}
