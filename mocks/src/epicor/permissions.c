/*
 * Per-user and per-API-key method permissions (README.md, "Permissions"),
 * as Epicor's service and method security restricts an integration
 * account to named business objects and methods, and the PartTranSvc
 * write switch. Checked on every call once the caller and the service
 * are known, before any handler runs: a denied call changes nothing,
 * so nothing can stay locked behind it.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <kx/json.h>
#include "kinmock/server.h"
#include "shopfloor.h"

int km__epicor_set_permissions(void *state, const cJSON *v, char *err,
                               size_t errsz)
{
    struct km__epicor_jobs *sf = km__epicor_jobs_of(state);
    const cJSON *p, *svc, *m;
    int i = 0;

    cJSON_ArrayForEach(p, v)
    {
        const cJSON *services = cJSON_GetObjectItemCaseSensitive(p, "services");

        if (!kx_json_str(p, "user") && !kx_json_str(p, "api_key"))
            return km__epicor_errf(err, errsz,
                                   "/%d: needs \"user\" or \"api_key\"", i);
        if (!cJSON_IsObject(services))
            return km__epicor_errf(err, errsz,
                                   "/%d/services: an object of service name "
                                   "to \"*\" or a list of method names",
                                   i);
        cJSON_ArrayForEach(svc, services)
        {
            if (!km__epicor_service_canon(svc->string) &&
                strcmp(svc->string, "BaqSvc") != 0)
                return km__epicor_errf(err, errsz,
                                       "/%d/services/%s: no such service", i,
                                       svc->string);
            if (cJSON_IsString(svc) && strcmp(svc->valuestring, "*") == 0)
                continue;
            if (!cJSON_IsArray(svc))
                return km__epicor_errf(err, errsz,
                                       "/%d/services/%s: \"*\" or a list of "
                                       "method names",
                                       i, svc->string);
            cJSON_ArrayForEach(m, svc)
            {
                if (!cJSON_IsString(m))
                    return km__epicor_errf(err, errsz,
                                           "/%d/services/%s: method names "
                                           "are strings",
                                           i, svc->string);
            }
        }
        i++;
    }
    cJSON_Delete(sf->permissions);
    sf->permissions = cJSON_Duplicate(v, 1);
    return 0;
}

int km__epicor_set_denied_status(void *state, const cJSON *v, char *err,
                                 size_t errsz)
{
    int s = (int)v->valuedouble;

    if (s < 400 || s > 599)
        return km__epicor_errf(err, errsz, "a status from 400 to 599");
    km__epicor_jobs_of(state)->denied_status = s;
    return 0;
}

int km__epicor_set_part_tran_writes(void *state, const cJSON *v, char *err,
                                    size_t errsz)
{
    (void)err;
    (void)errsz;
    km__epicor_jobs_of(state)->part_tran_writes = cJSON_IsTrue(v);
    return 0;
}

/* The BO method a call runs: the {method} of the route, else what an
 * entity-set request stands for (the swagger names GetRows for a set,
 * GetByID for a keyed row, UpdateExt for POST and PATCH, DeleteByID for
 * DELETE). NULL for service documents and $metadata. */
static const char *method_of(const struct km__epicor_call *c)
{
    const char *m = km_request_param(c->req, "method");
    const char *set = km_request_param(c->req, "entity_set");
    const char *verb = c->req->method;

    if (m)
        return m;
    if (!set)
        return NULL;
    if (strcmp(verb, "POST") == 0 || strcmp(verb, "PATCH") == 0 ||
        strcmp(verb, "PUT") == 0)
        return "UpdateExt";
    if (strcmp(verb, "DELETE") == 0)
        return "DeleteByID";
    return strchr(set, '(') ? "GetByID" : "GetRows";
}

static int writes(const char *m)
{
    return strcmp(m, "Update") == 0 || strcmp(m, "UpdateExt") == 0 ||
           strcmp(m, "DeleteByID") == 0;
}

/* 1 when entry p allows method of service. */
static int allows(const cJSON *p, const char *service, const char *method)
{
    const cJSON *svc;

    cJSON_ArrayForEach(svc, cJSON_GetObjectItemCaseSensitive(p, "services"))
    {
        const cJSON *m;

        if (strcasecmp(svc->string, service) != 0)
            continue;
        if (cJSON_IsString(svc) || !method)
            return 1;
        cJSON_ArrayForEach(m, svc)
        {
            if (strcmp(m->valuestring, method) == 0)
                return 1;
        }
        return 0;
    }
    return 0;
}

static void deny(struct km__epicor_call *c, const char *service,
                 const char *method)
{
    struct km__epicor_jobs *sf = km__epicor_jobs_of(c->emu);
    cJSON *d = cJSON_CreateObject();

    cJSON_AddStringToObject(d, "user", c->user ? c->user : "");
    cJSON_AddStringToObject(d, "service", service);
    cJSON_AddStringToObject(d, "method", method ? method : "");
    cJSON_AddItemToArray(sf->denied, d);
    km__epicor_error(c, sf->denied_status,
                     "Ice.Common.UnauthorizedAccessException",
                     "Access denied: user '%s' is not allowed to run "
                     "%s%s%s.",
                     c->user ? c->user : "", service, method ? "/" : "",
                     method ? method : "");
}

int km__epicor_permitted(struct km__epicor_call *c, const char *resource)
{
    struct km__epicor_jobs *sf = km__epicor_jobs_of(c->emu);
    const char *method = method_of(c);
    const char *service = resource;
    char baq[128];
    const cJSON *p;

    /* Transitions compare with the state before the first call that can
     * write. A GET may run beside others under the shared server lock
     * (epi_shared), so it never seeds: reads change no job state. */
    if (strcmp(c->req->method, "GET") != 0)
        km__epicor_jobs_seed(c->emu);
    if (strncmp(resource, "BaqSvc/", 7) == 0) {
        snprintf(baq, sizeof(baq), "%s", resource + 7);
        service = "BaqSvc";
        method = baq;
    }
    cJSON_ArrayForEach(p, sf->permissions)
    {
        const char *user = kx_json_str(p, "user");
        const char *key = kx_json_str(p, "api_key");
        int applies = (user && c->user && strcasecmp(user, c->user) == 0) ||
                      (key && c->key && strcmp(key, c->key->key) == 0);

        if (applies && !allows(p, service, method)) {
            deny(c, service, method);
            return 0;
        }
    }
    if (!sf->part_tran_writes && method && writes(method) &&
        strcmp(service, "Erp.BO.PartTranSvc") == 0) {
        km__epicor_error(c, 400, NULL,
                         "Part transactions are written by the transactions "
                         "that move stock; PartTranSvc does not add or "
                         "change them.");
        return 0;
    }
    return 1;
}
