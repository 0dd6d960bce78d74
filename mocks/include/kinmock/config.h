/*
 * Declared configuration. Every key an emulator reads from its
 * configuration object (a scenario's given.<system>, or the object
 * `kinsync serve` starts it with) is declared once, in a table of
 * struct km_config_key that the emulator type points to. From that one
 * table come the checks (unknown keys, JSON types) when a scenario loads
 * and when an emulator starts, the defaults, the listing of
 * `kinsync serve --describe SYSTEM`, and the emulator's section of
 * scenarios/scenario.schema.json.
 *
 * "faults" is a key of every emulator; the core declares and handles it
 * (km_emulator_start), so no emulator's table lists it.
 */
#ifndef KINMOCK_CONFIG_H
#define KINMOCK_CONFIG_H

#include <stddef.h>
#include <cjson/cJSON.h>

struct km_emulator_type;

/* The JSON types a key accepts, or-ed together. */
enum km_config_type {
    KM_CONFIG_STRING = 1 << 0,
    KM_CONFIG_INTEGER = 1 << 1, /* a number without a fraction */
    KM_CONFIG_NUMBER = 1 << 2,  /* any number, integers included */
    KM_CONFIG_BOOLEAN = 1 << 3,
    KM_CONFIG_OBJECT = 1 << 4,
    KM_CONFIG_ARRAY = 1 << 5,
    KM_CONFIG_NULL = 1 << 6,
    KM_CONFIG_ANY = (1 << 7) - 1
};

/*
 * Stores value, already known to be of a declared type, into state (the
 * emulator's state plus the key's field offset, which is 0 unless the
 * key declares one with KM_CONFIG_FIELD). Returns 0, or -1 with the
 * reason in err ("must be positive"); the applier puts the key's JSON
 * pointer in front.
 */
typedef int km_config_set_fn(void *state, const cJSON *value, char *err,
                             size_t errsz);

struct km_config_key {
    const char *key;
    unsigned type; /* enum km_config_type values, or-ed */
    /* The value applied (through set) when the key is absent, as JSON
     * text; NULL when absence means "none" and set is not called. */
    const char *dflt;
    const char *description; /* one line, for users */
    /* NULL when the key is read by its parent's setter (members of an
     * object handled as a whole) or by the core. */
    km_config_set_fn *set;
    /* For an object: its members. For an array: the members of each of
     * its items, which must be objects; those are checked and
     * documented, and the array's setter reads them. NULL: free-form. */
    const struct km_config_key *members;
    size_t nmembers;
    /* More JSON Schema keywords for the value, as JSON text merged into
     * the generated schema ("{\"minimum\": 1}"), or NULL. They document
     * what set enforces; they are not checked apart from the schema. */
    const char *schema;
    /* Offset added to the state pointer set receives: with it, one
     * generic setter (km_config_set_flag, km_config_set_string) serves
     * every key that only copies its value into a field. */
    size_t field;
};

/* A table's entry: {KM_CONFIG_KEY(...)} or {KM_CONFIG_KEY(...), .schema =
 * ..., KM_CONFIG_MEMBERS(list)}. */
#define KM_CONFIG_KEY(name, types, default_json, text, setter)                 \
    .key = (name), .type = (types), .dflt = (default_json),                    \
    .description = (text), .set = (setter)

/* In a table's entry: .members = list, .nmembers = its length. */
#define KM_CONFIG_MEMBERS(list)                                                \
    .members = (list), .nmembers = sizeof(list) / sizeof((list)[0])

/* In a table's entry: set receives &((type *)state)->member. */
#define KM_CONFIG_FIELD(type, member) .field = offsetof(type, member)

/* Generic setters for keys declared with KM_CONFIG_FIELD. */
/* A boolean into an int field: 1 for true, 0 for false. */
int km_config_set_flag(void *field, const cJSON *value, char *err,
                       size_t errsz);
/* A string into a char * field, replacing (and freeing) what it held;
 * the state's owner frees the copy. */
int km_config_set_string(void *field, const cJSON *value, char *err,
                         size_t errsz);

/* The keys the core handles for every emulator ("faults"). */
extern const struct km_config_key km_config_core_keys[];
extern const size_t km_config_core_nkeys;

/* Called once per problem found: where (a JSON pointer) and what. */
typedef void km_config_report_fn(void *ctx, const char *pointer,
                                 const char *message);

/*
 * Checks config (an object; NULL counts as {}) against type's table and
 * the core's keys without applying anything: every unknown key (with
 * the keys known there), every value of a wrong JSON type, every
 * non-object item of an array declared with members. pointer is where
 * config sits in its document ("/given/bigcommerce", or "" for a
 * document of its own); each problem's pointer starts with it. Returns
 * the number of problems.
 */
int km_config_check(const struct km_emulator_type *type, const cJSON *config,
                    const char *pointer, km_config_report_fn *report,
                    void *ctx);

/*
 * Checks config as km_config_check does, then applies it to state in
 * table order (so a key can rely on those declared before it): for each
 * key present, or absent but with a default, its setter is called; an
 * object with declared members applies them first. Returns 0, or -1 with
 * "NAME: POINTER: reason" in err (the first problem found; "NAME:
 * reason" for the object itself), NAME being type's name. pointer as for
 * km_config_check.
 */
int km_config_apply(void *state, const struct km_emulator_type *type,
                    const cJSON *config, const char *pointer, char *err,
                    size_t errsz);

/*
 * The JSON Schema (draft 2020-12) of type's configuration object, as
 * committed in scenarios/scenario.schema.json under
 * $defs/emulator<Name>: each key with its description, type, extra
 * keywords and default, and no other key allowed. Any value may instead
 * be a fixture reference ($defs/isFixture, $defs/fixture). The caller
 * deletes it.
 */
cJSON *km_config_schema(const struct km_emulator_type *type);

/* The name of a set of JSON types ("an integer or a string") into out. */
void km_config_type_name(char *out, size_t outsz, unsigned type);

#endif
