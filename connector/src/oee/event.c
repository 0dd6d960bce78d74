/*
 * The payload of Epicor's job-transition event functions read into a
 * struct ks_oee_event (the flow's input, whichever way it came).
 */
#include <stdio.h>
#include <string.h>
#include <kx/json.h>
#include <kx/time.h>
#include "oee_int.h"

static int need_str(const char **out, const cJSON *p, const char *name,
                    int nullable, char *why, size_t whysz)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, name);

    *out = NULL;
    if (cJSON_IsString(v)) {
        *out = v->valuestring;
        return 0;
    }
    if (nullable && (!v || cJSON_IsNull(v)))
        return 0;
    snprintf(why, whysz, "/%s: %s", name,
             nullable ? "must be a string or null" : "required, a string");
    return -1;
}

static int need_int(int *out, const cJSON *p, const char *name, char *why,
                    size_t whysz)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, name);

    *out = 0;
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsNumber(v) || v->valuedouble != (double)(int)v->valuedouble) {
        snprintf(why, whysz, "/%s: must be an integer or null", name);
        return -1;
    }
    *out = (int)v->valuedouble;
    return 0;
}

ks_rc ks_oee_event_parse(struct ks_oee_event *ev, const cJSON *payload,
                         char *why, size_t whysz)
{
    const char *time = NULL;

    memset(ev, 0, sizeof(*ev));
    if (!cJSON_IsObject(payload)) {
        snprintf(why, whysz, ": the payload must be an object");
        return KS_EPARSE;
    }
    if (need_str(&ev->type, payload, "event", 0, why, whysz) ||
        need_str(&ev->job, payload, "job", 0, why, whysz) ||
        need_str(&ev->plant, payload, "plant", 1, why, whysz) ||
        need_str(&ev->op_code, payload, "op_code", 1, why, whysz) ||
        need_str(&ev->work_center, payload, "resource_group", 1, why, whysz) ||
        need_str(&ev->reason, payload, "reason", 1, why, whysz) ||
        need_int(&ev->assembly, payload, "assembly", why, whysz) ||
        need_int(&ev->operation, payload, "operation", why, whysz) ||
        need_str(&time, payload, "time", 0, why, whysz))
        return KS_EPARSE;
    if (kx_iso8601_parse(&ev->at_ms, time, 0) != 0) {
        snprintf(why, whysz, "/time: not an ISO 8601 date-time");
        return KS_EPARSE;
    }
    return KS_OK;
}
