/*
 * The generic configuration applier: checks a configuration object
 * against an emulator type's declared keys (kinmock/config.h), applies
 * it through the keys' setters, and describes it as JSON Schema.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include "kinmock/config.h"
#include "kinmock/emulator.h"

#define POINTER_MAX 512

const struct km_config_key km_config_core_keys[] = {
    {KM_CONFIG_KEY(
         "faults", KM_CONFIG_ARRAY, NULL,
         "Fault rules installed when the emulator starts (the rule format of "
         "mocks/include/kinmock/server.h); handled by the core.",
         NULL),
     .schema = "{\"items\": {\"$ref\": \"#/$defs/givenFaultRule\"}}"},
};
const size_t km_config_core_nkeys =
    sizeof(km_config_core_keys) / sizeof(km_config_core_keys[0]);

/* One level of keys: the declared ones, and at the top the core's. */
struct level {
    const struct km_config_key *keys;
    size_t nkeys;
    const struct km_config_key *more;
    size_t nmore;
};

static const struct km_config_key *level_find(const struct level *l,
                                              const char *name)
{
    for (size_t i = 0; i < l->nkeys; i++) {
        if (strcmp(l->keys[i].key, name) == 0)
            return &l->keys[i];
    }
    for (size_t i = 0; i < l->nmore; i++) {
        if (strcmp(l->more[i].key, name) == 0)
            return &l->more[i];
    }
    return NULL;
}

static int value_has_type(const cJSON *v, unsigned type)
{
    if (cJSON_IsString(v))
        return (type & KM_CONFIG_STRING) != 0;
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;

        if (type & KM_CONFIG_NUMBER)
            return 1;
        /* Exactly representable integers: |d| <= 2^53. */
        return (type & KM_CONFIG_INTEGER) && d >= -9007199254740992.0 &&
               d <= 9007199254740992.0 && d == (double)(long long)d;
    }
    if (cJSON_IsBool(v))
        return (type & KM_CONFIG_BOOLEAN) != 0;
    if (cJSON_IsObject(v))
        return (type & KM_CONFIG_OBJECT) != 0;
    if (cJSON_IsArray(v))
        return (type & KM_CONFIG_ARRAY) != 0;
    return cJSON_IsNull(v) && (type & KM_CONFIG_NULL);
}

static const struct {
    unsigned bit;
    const char *name; /* for messages */
    const char *json; /* JSON Schema's name */
} type_names[] = {
    {KM_CONFIG_STRING, "a string", "string"},
    {KM_CONFIG_INTEGER, "an integer", "integer"},
    {KM_CONFIG_NUMBER, "a number", "number"},
    {KM_CONFIG_BOOLEAN, "true or false", "boolean"},
    {KM_CONFIG_OBJECT, "an object", "object"},
    {KM_CONFIG_ARRAY, "an array", "array"},
    {KM_CONFIG_NULL, "null", "null"},
};
#define NTYPES (sizeof(type_names) / sizeof(type_names[0]))

/* A number covers the integers: list only the wider one. */
static unsigned type_plain(unsigned type)
{
    return type & KM_CONFIG_NUMBER ? type & ~(unsigned)KM_CONFIG_INTEGER : type;
}

void km_config_type_name(char *out, size_t outsz, unsigned type)
{
    size_t used = 0, left = 0, seen = 0;

    if (outsz)
        out[0] = '\0';
    if ((type & KM_CONFIG_ANY) == KM_CONFIG_ANY) {
        snprintf(out, outsz, "any JSON value");
        return;
    }
    type = type_plain(type);
    for (size_t i = 0; i < NTYPES; i++)
        left += (type & type_names[i].bit) != 0;
    for (size_t i = 0; i < NTYPES && used < outsz; i++) {
        if (!(type & type_names[i].bit))
            continue;
        seen++;
        int n = snprintf(out + used, outsz - used, "%s%s",
                         seen == 1      ? ""
                         : seen == left ? " or "
                                        : ", ",
                         type_names[i].name);
        if (n > 0)
            used += (size_t)n;
    }
}

/* ---- checking --------------------------------------------------------- */

struct check {
    km_config_report_fn *report;
    void *ctx;
    int problems;
};

static void report(struct check *c, const char *pointer, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void report(struct check *c, const char *pointer, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    c->problems++;
    c->report(c->ctx, pointer, msg);
}

static void report_unknown(struct check *c, const struct level *l,
                           const char *pointer)
{
    char known[768] = "";
    size_t used = 0;

    for (size_t i = 0; i < l->nkeys + l->nmore && used < sizeof(known); i++) {
        const struct km_config_key *k =
            i < l->nkeys ? &l->keys[i] : &l->more[i - l->nkeys];
        int n = snprintf(known + used, sizeof(known) - used, "%s%s",
                         i ? ", " : "", k->key);

        if (n > 0)
            used += (size_t)n;
    }
    report(c, pointer, "unknown key; known keys: %s", known);
}

static void check_level(struct check *c, const struct level *l,
                        const cJSON *obj, const char *pointer);

static void check_value(struct check *c, const struct km_config_key *k,
                        const cJSON *v, const char *pointer)
{
    struct level members = {k->members, k->nmembers, NULL, 0};
    char type[128], at[POINTER_MAX];
    const cJSON *item;
    size_t i = 0;

    if (!value_has_type(v, k->type)) {
        km_config_type_name(type, sizeof(type), k->type);
        report(c, pointer, "must be %s", type);
        return;
    }
    if (!k->members)
        return;
    if (!cJSON_IsArray(v)) {
        check_level(c, &members, v, pointer);
        return;
    }
    cJSON_ArrayForEach(item, v)
    {
        snprintf(at, sizeof(at), "%s", pointer);
        kx_json_pointer_append_index(at, sizeof(at), i++);
        if (!cJSON_IsObject(item))
            report(c, at, "must be an object");
        else
            check_level(c, &members, item, at);
    }
}

static void check_level(struct check *c, const struct level *l,
                        const cJSON *obj, const char *pointer)
{
    const cJSON *member;

    cJSON_ArrayForEach(member, obj)
    {
        const struct km_config_key *k = level_find(l, member->string);
        char at[POINTER_MAX];

        snprintf(at, sizeof(at), "%s", pointer);
        kx_json_pointer_append(at, sizeof(at), member->string);
        if (!k)
            report_unknown(c, l, at);
        else
            check_value(c, k, member, at);
    }
}

int km_config_check(const struct km_emulator_type *type, const cJSON *config,
                    const char *pointer, km_config_report_fn *report_fn,
                    void *ctx)
{
    struct check c = {report_fn, ctx, 0};
    struct level top = {type->config, type->nconfig, km_config_core_keys,
                        km_config_core_nkeys};

    if (config && !cJSON_IsObject(config))
        report(&c, pointer, "must be an object");
    else
        check_level(&c, &top, config, pointer);
    return c.problems;
}

/* ---- applying --------------------------------------------------------- */

struct first_problem {
    const char *name;
    char *err;
    size_t errsz;
};

static void keep_first(void *ctx, const char *pointer, const char *message)
{
    struct first_problem *f = ctx;

    if (!f->errsz || f->err[0])
        return;
    if (pointer[0])
        snprintf(f->err, f->errsz, "%s: %s: %s", f->name, pointer, message);
    else
        snprintf(f->err, f->errsz, "%s: configuration %s", f->name, message);
}

/* The value of key k in obj, or its parsed default (into *owned). */
static const cJSON *value_or_default(const struct km_config_key *k,
                                     const cJSON *obj, cJSON **owned)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, k->key);

    *owned = NULL;
    if (v || !k->dflt)
        return v;
    *owned = cJSON_Parse(k->dflt);
    if (!*owned) /* a table's mistake, caught by the tests */
        abort();
    return *owned;
}

static int apply_level(void *state, const struct km_config_key *keys,
                       size_t nkeys, const cJSON *obj, const char *pointer,
                       struct first_problem *f)
{
    for (size_t i = 0; i < nkeys; i++) {
        const struct km_config_key *k = &keys[i];
        char at[POINTER_MAX], why[512] = "";
        cJSON *owned;
        const cJSON *v = value_or_default(k, obj, &owned);
        int rc = 0;

        snprintf(at, sizeof(at), "%s", pointer);
        kx_json_pointer_append(at, sizeof(at), k->key);
        if (k->members && (k->type & KM_CONFIG_OBJECT) &&
            (!v || cJSON_IsObject(v)))
            rc = apply_level(state, k->members, k->nmembers, v, at, f);
        if (rc == 0 && v && k->set &&
            k->set((char *)state + k->field, v, why, sizeof(why))) {
            keep_first(f, at, why[0] ? why : "rejected");
            rc = -1;
        }
        cJSON_Delete(owned);
        if (rc)
            return -1;
    }
    return 0;
}

int km_config_set_flag(void *field, const cJSON *value, char *err, size_t errsz)
{
    (void)err;
    (void)errsz;
    *(int *)field = cJSON_IsTrue(value);
    return 0;
}

int km_config_set_string(void *field, const cJSON *value, char *err,
                         size_t errsz)
{
    char **dst = field;

    (void)err;
    (void)errsz;
    free(*dst);
    *dst = kx_xstrdup(cJSON_GetStringValue(value));
    return 0;
}

int km_config_apply(void *state, const struct km_emulator_type *type,
                    const cJSON *config, const char *pointer, char *err,
                    size_t errsz)
{
    struct first_problem f = {type->name, err, errsz};

    if (errsz)
        err[0] = '\0';
    if (km_config_check(type, config, pointer, keep_first, &f))
        return -1;
    return apply_level(state, type->config, type->nconfig, config, pointer, &f);
}

/* ---- describing ------------------------------------------------------- */

static cJSON *xadd(cJSON *obj, const char *name, cJSON *item)
{
    if (!item || !cJSON_AddItemToObject(obj, name, item))
        abort();
    return item;
}

static cJSON *xref(const char *where)
{
    cJSON *ref = cJSON_CreateObject();

    if (!ref)
        abort();
    xadd(ref, "$ref", cJSON_CreateString(where));
    return ref;
}

/* Any value in a configuration may be a fixture reference instead:
 * adds if/then/else to s, with schema for the other values; returns s. */
static cJSON *or_fixture(cJSON *s, cJSON *schema)
{
    xadd(s, "if", xref("#/$defs/isFixture"));
    xadd(s, "then", xref("#/$defs/fixture"));
    xadd(s, "else", schema);
    return s;
}

static cJSON *xobject(void)
{
    cJSON *o = cJSON_CreateObject();

    if (!o)
        abort();
    return o;
}

static cJSON *object_schema(const struct level *l);

/* "type": one name; several become an anyOf (Ajv's strict mode refuses
 * a list of types). */
static void add_type(cJSON *s, unsigned type)
{
    cJSON *any;
    size_t n = 0;

    if ((type & KM_CONFIG_ANY) == KM_CONFIG_ANY)
        return;
    type = type_plain(type);
    for (size_t i = 0; i < NTYPES; i++)
        n += (type & type_names[i].bit) != 0;
    any = n > 1 ? xadd(s, "anyOf", cJSON_CreateArray()) : NULL;
    for (size_t i = 0; i < NTYPES; i++) {
        cJSON *one;

        if (!(type & type_names[i].bit))
            continue;
        one = any ? xobject() : s;
        xadd(one, "type", cJSON_CreateString(type_names[i].json));
        if (any && !cJSON_AddItemToArray(any, one))
            abort();
    }
}

static cJSON *value_schema(const struct km_config_key *k)
{
    cJSON *s = xobject(), *extra, *item;
    struct level members = {k->members, k->nmembers, NULL, 0};

    add_type(s, k->type);
    if (k->members && (k->type & KM_CONFIG_OBJECT)) {
        cJSON *o = object_schema(&members);

        xadd(s, "properties", cJSON_DetachItemFromObject(o, "properties"));
        xadd(s, "additionalProperties", cJSON_CreateFalse());
        cJSON_Delete(o);
    } else if (k->members) {
        xadd(s, "items", or_fixture(xobject(), object_schema(&members)));
    }
    extra = k->schema ? cJSON_Parse(k->schema) : NULL;
    if (k->schema && !cJSON_IsObject(extra))
        abort(); /* a table's mistake, caught by the tests */
    while (extra && (item = extra->child)) {
        cJSON_DetachItemViaPointer(extra, item);
        cJSON_DeleteItemFromObjectCaseSensitive(s, item->string);
        if (!cJSON_AddItemToObject(s, item->string, item))
            abort();
    }
    cJSON_Delete(extra);
    return s;
}

static cJSON *key_schema(const struct km_config_key *k)
{
    cJSON *s = xobject(), *dflt = k->dflt ? cJSON_Parse(k->dflt) : NULL;

    if (k->dflt && !dflt)
        abort(); /* a table's mistake, caught by the tests */
    xadd(s, "description", cJSON_CreateString(k->description));
    if (dflt)
        xadd(s, "default", dflt);
    return or_fixture(s, value_schema(k));
}

static cJSON *object_schema(const struct level *l)
{
    cJSON *s = xobject(), *props;

    xadd(s, "type", cJSON_CreateString("object"));
    props = xadd(s, "properties", xobject());
    for (size_t i = 0; i < l->nkeys + l->nmore; i++) {
        const struct km_config_key *k =
            i < l->nkeys ? &l->keys[i] : &l->more[i - l->nkeys];

        xadd(props, k->key, key_schema(k));
    }
    xadd(s, "additionalProperties", cJSON_CreateFalse());
    return s;
}

cJSON *km_config_schema(const struct km_emulator_type *type)
{
    struct level top = {type->config, type->nconfig, km_config_core_keys,
                        km_config_core_nkeys};
    cJSON *s = xobject(), *body = object_schema(&top), *item;
    char *note = kx_xasprintf(
        "Generated from the %s emulator's declared configuration keys "
        "(`kinsync serve --describe %s --json`; "
        "tests/schema/update-emulators.mjs rewrites this section): change "
        "the table, not this.",
        type->name, type->name);

    xadd(s, "$comment", cJSON_CreateString(note));
    free(note);
    while ((item = body->child)) {
        cJSON_DetachItemViaPointer(body, item);
        if (!cJSON_AddItemToObject(s, item->string, item))
            abort();
    }
    cJSON_Delete(body);
    return s;
}
