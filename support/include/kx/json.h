/*
 * Typed readers over cJSON for every layer (connector, emulators, engine,
 * production command): the member when it has the type asked for, else
 * NULL or the default. o may be NULL. Nothing here allocates.
 */
#ifndef KX_JSON_H
#define KX_JSON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

static inline const char *kx_json_str(const cJSON *o, const char *name)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

static inline double kx_json_num(const cJSON *o, const char *name, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* The string member, or dflt when it is missing or not a string (the
 * emulators read "" for absent text). */
static inline const char *kx_json_str_or(const cJSON *o, const char *name,
                                         const char *dflt)
{
    const char *s = kx_json_str(o, name);

    return s ? s : dflt;
}

/* A number member, or a non-empty string member read by strtod (the
 * platforms send many amounts as "12.50"; 0 when the text does not start
 * with a number); dflt for anything else. */
static inline double kx_json_numeric(const cJSON *o, const char *name,
                                     double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

    if (cJSON_IsNumber(v))
        return cJSON_GetNumberValue(v);
    if (cJSON_IsString(v) && *cJSON_GetStringValue(v))
        return strtod(cJSON_GetStringValue(v), NULL);
    return dflt;
}

/* A number member truncated toward zero to int64_t, or dflt when it is
 * missing, not a number, or out of int64_t's range. */
static inline int64_t kx_json_int64(const cJSON *o, const char *name,
                                    int64_t dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    double d = cJSON_GetNumberValue(v);

    if (!cJSON_IsNumber(v) || !(d > -9223372036854775808.0) ||
        !(d < 9223372036854775808.0))
        return dflt;
    return (int64_t)d;
}

/* 1 for true, 0 for false, dflt for anything else. */
static inline int kx_json_bool(const cJSON *o, const char *name, int dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

    return cJSON_IsBool(v) ? cJSON_IsTrue(v) : dflt;
}

/* The member when it is an object (kx_json_obj) or an array
 * (kx_json_arr), else NULL; borrowed from o. */
static inline cJSON *kx_json_obj(const cJSON *o, const char *name)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

    return cJSON_IsObject(v) ? v : NULL;
}

static inline cJSON *kx_json_arr(const cJSON *o, const char *name)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

    return cJSON_IsArray(v) ? v : NULL;
}

/* Appends "/" and token, escaped as RFC 6901 asks ("~0", "~1"), to the
 * JSON pointer in buf; cuts it short rather than overflow. */
static inline void kx_json_pointer_append(char *buf, size_t bufsz,
                                          const char *token)
{
    size_t len = strlen(buf);

    if (len + 1 >= bufsz)
        return;
    buf[len++] = '/';
    for (const char *s = token; *s && len + 1 < bufsz; s++) {
        if (*s == '~' || *s == '/') {
            if (len + 2 >= bufsz)
                break;
            buf[len++] = '~';
            buf[len++] = *s == '~' ? '0' : '1';
        } else {
            buf[len++] = *s;
        }
    }
    buf[len] = '\0';
}

/* kx_json_pointer_append for an array index. */
static inline void kx_json_pointer_append_index(char *buf, size_t bufsz,
                                                size_t index)
{
    char token[32];

    snprintf(token, sizeof(token), "%zu", index);
    kx_json_pointer_append(buf, bufsz, token);
}

#endif
