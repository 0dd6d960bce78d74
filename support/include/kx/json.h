/*
 * Typed readers over cJSON for every layer (connector, emulators, engine,
 * production command): the member when it has the type asked for, else
 * NULL or the default. o may be NULL. Nothing here allocates.
 */
#ifndef KX_JSON_H
#define KX_JSON_H

#include <stdlib.h>
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

/* The string member, or dflt when it is missing or not a string (a
 * caller that formats or compares the value passes ""). */
static inline const char *kx_json_str_or(const cJSON *o, const char *name,
                                         const char *dflt)
{
    const char *s = kx_json_str(o, name);

    return s ? s : dflt;
}

/* A number, or a non-empty string read by strtod (WooCommerce and Epicor
 * send many amounts as "12.50"); dflt otherwise. */
static inline double kx_json_decimal(const cJSON *o, const char *name,
                                     double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

    if (cJSON_IsNumber(v))
        return v->valuedouble;
    if (cJSON_IsString(v) && v->valuestring && *v->valuestring)
        return strtod(v->valuestring, NULL);
    return dflt;
}

#endif
