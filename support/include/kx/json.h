/*
 * Typed readers over cJSON for every layer (connector, emulators, engine,
 * production command): the member when it has the type asked for, else
 * NULL or the default. o may be NULL. Nothing here allocates.
 */
#ifndef KX_JSON_H
#define KX_JSON_H

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

#endif
