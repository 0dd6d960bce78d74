/*
 * Typed readers over cJSON for every layer (connector, emulators, engine,
 * production command): the member when it has the type asked for, else
 * NULL or the default. o may be NULL. Nothing here allocates.
 */
#ifndef KX_JSON_H
#define KX_JSON_H

#include <stdio.h>
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
