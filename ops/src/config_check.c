/*
 * The generic half of the configuration checker: a member checked against
 * its section's key table (known, given once, of the right kind, within
 * range), credentials as plain strings or {"$secret": NAME}, and the one
 * problem reporter every check prints through.
 */
#include <stdarg.h>
#include <string.h>
#include "config.h"

#define CONF_STR_MAX 8192 /* any string value */
#define SECRET_NAME_MAX 128

void kh__conf_problem(struct kh__conf_check *ck, const char *where,
                      const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: %s: %s%s", ck->prog, ck->path, where,
            where[0] ? ": " : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    ck->problems++;
}

void kh__conf_where(char where[KH__CONF_WHERE_MAX], const char *pointer,
                    const char *key)
{
    char token[201];

    snprintf(where, KH__CONF_WHERE_MAX, "%s", pointer);
    snprintf(token, sizeof(token), "%s", key); /* cut at 200 bytes */
    kx_json_pointer_append(where, KH__CONF_WHERE_MAX, token);
}

static const char *kind_name(enum kh__conf_kind k)
{
    switch (k) {
    case KH__CONF_STR:
        return "a string";
    case KH__CONF_CRED:
        return "a string or {\"$secret\": \"NAME\"}";
    case KH__CONF_INT:
        return "a whole number";
    case KH__CONF_BOOL:
        return "true or false";
    case KH__CONF_OBJ:
        return "an object";
    case KH__CONF_ANY:
        break;
    }
    return "a value";
}

/* A secret name: 1..128 of [A-Za-z0-9._-], so it is safe in messages. */
int kh__sync_secret_name_ok(const char *s)
{
    size_t n = 0;

    for (; s[n]; n++) {
        char c = s[n];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return n > 0 && n <= SECRET_NAME_MAX;
}

static void check_cred(struct kh__conf_check *ck, const char *where,
                       const cJSON *v)
{
    const cJSON *name = v->child;

    if (cJSON_IsString(v)) {
        if (strlen(v->valuestring) > CONF_STR_MAX)
            kh__conf_problem(ck, where, "longer than %d bytes", CONF_STR_MAX);
        else if (!v->valuestring[0])
            kh__conf_problem(ck, where, "empty");
        else
            fprintf(stderr,
                    "%s: warning: %s: %s is kept in plain text in the config; "
                    "prefer `kinsync secret set NAME` and {\"$secret\": "
                    "\"NAME\"}\n",
                    ck->prog, ck->path, where);
        return;
    }
    if (!cJSON_IsObject(v) || !name || name->next ||
        strcmp(name->string, "$secret") != 0 || !cJSON_IsString(name)) {
        kh__conf_problem(ck, where, "must be %s", kind_name(KH__CONF_CRED));
        return;
    }
    if (!kh__sync_secret_name_ok(name->valuestring)) {
        kh__conf_problem(ck, where,
                         "secret name \"%.64s\" must be 1..%d letters, "
                         "digits, '.', '_' or '-'",
                         name->valuestring, SECRET_NAME_MAX);
        return;
    }
    ck->secret_refs++;
}

/* The value of one known member against its kind. */
static void check_value(struct kh__conf_check *ck, const char *where,
                        const struct kh__conf_key *k, const cJSON *it)
{
    switch (k->kind) {
    case KH__CONF_STR:
        if (!cJSON_IsString(it) || !it->valuestring[0])
            kh__conf_problem(ck, where, "must be a non-empty string");
        else if (strlen(it->valuestring) > CONF_STR_MAX)
            kh__conf_problem(ck, where, "longer than %d bytes", CONF_STR_MAX);
        break;
    case KH__CONF_CRED:
        check_cred(ck, where, it);
        break;
    case KH__CONF_INT:
        /* the range first: casting 1e300 to int64_t is undefined */
        if (!cJSON_IsNumber(it) ||
            !(it->valuedouble >= (double)k->min &&
              it->valuedouble <= (double)k->max) ||
            it->valuedouble != (double)(int64_t)it->valuedouble)
            kh__conf_problem(ck, where, "must be a whole number %lld..%lld",
                             (long long)k->min, (long long)k->max);
        break;
    case KH__CONF_BOOL:
        if (!cJSON_IsBool(it))
            kh__conf_problem(ck, where, "must be true or false");
        break;
    case KH__CONF_OBJ:
        if (!cJSON_IsObject(it))
            kh__conf_problem(ck, where, "must be an object");
        break;
    case KH__CONF_ANY:
        break;
    }
}

void kh__conf_check_object(struct kh__conf_check *ck, const cJSON *obj,
                           const struct kh__conf_key *keys, const char *pointer)
{
    char where[KH__CONF_WHERE_MAX];
    const cJSON *it, *o;

    cJSON_ArrayForEach(it, obj)
    {
        const struct kh__conf_key *k = keys;

        kh__conf_where(where, pointer, it->string);
        for (o = obj->child; o != it; o = o->next) {
            if (strcmp(o->string, it->string) == 0)
                break;
        }
        if (o != it) {
            kh__conf_problem(ck, where, "given twice");
            continue;
        }
        while (k->name && strcmp(k->name, it->string) != 0)
            k++;
        if (!k->name)
            kh__conf_problem(ck, where,
                             "unknown key (see `kinsync sync --help`)");
        else
            check_value(ck, where, k, it);
    }
    for (const struct kh__conf_key *k = keys; k->name; k++) {
        if (k->required && !cJSON_GetObjectItemCaseSensitive(obj, k->name)) {
            kh__conf_where(where, pointer, k->name);
            kh__conf_problem(ck, where, "missing (required)");
        }
    }
}

/* Also before the checks ran (check_epicor reads api_version): a number
 * outside int64_t reads as dflt, never through an undefined cast. */
int64_t kh__sync_int(const cJSON *section, const char *name, int64_t dflt)
{
    return kx_json_int64(section, name, dflt);
}
