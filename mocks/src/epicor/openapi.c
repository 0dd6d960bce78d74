/*
 * OpenAPI 3.0 documents per service, generated from the emulator's own
 * definitions: the entity sets and GetNew templates of defs.c, the method
 * table of methods.c and the declared outputs of method_params.c. Served
 * at the swagger paths the platform uses (reference §9, SW downloaded
 * them): GET /{instance}/api/swagger/{v1|v2}/odata/{Service}.json (entity
 * sets) and .../methods/{Service}.json (BO methods). What a client
 * generator needs: paths, operations with unique operationIds,
 * parameters, request bodies and response schemas by $ref.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "epicor_emu.h"

#define API_EXC "Epicor.RESTApi.ErrorHandling.ApiException"

static cJSON *ref(const char *name)
{
    cJSON *o = cJSON_CreateObject();
    char buf[256];

    snprintf(buf, sizeof(buf), "#/components/schemas/%s", name);
    cJSON_AddStringToObject(o, "$ref", buf);
    return o;
}

static cJSON *typed(const char *type, const char *format)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddStringToObject(o, "type", type);
    if (format)
        cJSON_AddStringToObject(o, "format", format);
    return o;
}

/* A row's schema from the table's GetNew template (reference §6). */
static cJSON *row_schema(const struct km__epicor_table *t)
{
    cJSON *s = typed("object", NULL), *props = cJSON_CreateObject();
    const cJSON *f;

    cJSON_AddItemToObject(props, "Company", typed("string", NULL));
    cJSON_ArrayForEach(f, t->tmpl)
    {
        cJSON *p;

        if (cJSON_IsBool(f))
            p = typed("boolean", NULL);
        else if (cJSON_IsNumber(f))
            p = km__epicor_decimal_scale(f->string) >= 0
                    ? typed("number", "double")
                    : typed("integer", "int32");
        else if (cJSON_IsNull(f)) {
            p = typed("string", "date-time");
            cJSON_AddTrueToObject(p, "nullable");
        } else
            p = typed("string", NULL);
        cJSON_AddItemToObject(props, f->string, p);
    }
    cJSON_AddItemToObject(props, "SysRevID", typed("integer", "int64"));
    cJSON_AddItemToObject(props, "SysRowID", typed("string", "uuid"));
    cJSON_AddItemToObject(props, "RowMod", typed("string", NULL));
    cJSON_AddItemToObject(s, "properties", props);
    return s;
}

static cJSON *response(const char *desc, cJSON *schema)
{
    cJSON *r = cJSON_CreateObject(), *content, *mt;

    cJSON_AddStringToObject(r, "description", desc);
    if (schema) {
        content = cJSON_AddObjectToObject(r, "content");
        mt = cJSON_AddObjectToObject(content, "application/json");
        cJSON_AddItemToObject(mt, "schema", schema);
    }
    return r;
}

static cJSON *responses(cJSON *ok_schema, const char *ok_status)
{
    cJSON *rs = cJSON_CreateObject();

    cJSON_AddItemToObject(rs, ok_status, response("OK", ok_schema));
    cJSON_AddItemToObject(rs, "400",
                          response("Bad request", ref("ErrorResponse")));
    cJSON_AddItemToObject(rs, "401",
                          response("Unauthorized", ref("ErrorResponse")));
    cJSON_AddItemToObject(rs, "404",
                          response("Not found", ref("ErrorResponse")));
    return rs;
}

static cJSON *query_param(const char *name, const char *desc)
{
    cJSON *p = cJSON_CreateObject();

    cJSON_AddStringToObject(p, "name", name);
    cJSON_AddStringToObject(p, "in", "query");
    cJSON_AddStringToObject(p, "description", desc);
    cJSON_AddItemToObject(p, "schema", typed("string", NULL));
    return p;
}

static cJSON *error_schema(void)
{
    cJSON *s = typed("object", NULL), *props = cJSON_CreateObject();
    cJSON *det = typed("array", NULL), *item = typed("object", NULL);
    cJSON *ip = cJSON_CreateObject();
    static const char *const dfields[] = {"Message", "Type",    "Table",
                                          "Field",   "Program", "Method"};

    cJSON_AddItemToObject(props, "HttpStatus", typed("integer", "int32"));
    cJSON_AddItemToObject(props, "ReasonPhrase", typed("string", NULL));
    cJSON_AddItemToObject(props, "ErrorMessage", typed("string", NULL));
    cJSON_AddItemToObject(props, "ErrorType", typed("string", NULL));
    for (size_t i = 0; i < sizeof(dfields) / sizeof(dfields[0]); i++)
        cJSON_AddItemToObject(ip, dfields[i], typed("string", NULL));
    cJSON_AddItemToObject(item, "properties", ip);
    cJSON_AddItemToObject(det, "items", item);
    cJSON_AddItemToObject(props, "ErrorDetails", det);
    cJSON_AddItemToObject(props, "CorrelationId", typed("string", NULL));
    cJSON_AddItemToObject(s, "properties", props);
    return s;
}

/* The entity-set paths of service: collection GET/POST and the keyed
 * row GET/PATCH/DELETE. */
static void odata_paths(struct km__epicor_call *c, cJSON *paths, cJSON *schemas)
{
    for (int i = 0; i < T_COUNT; i++) {
        const struct km__epicor_tabledef *d = &km__epicor_defs[i];
        char path[400], name[160], set_schema[160];
        cJSON *item, *op, *params, *env, *ep;
        size_t n;

        if (strcmp(d->service, c->service) != 0)
            continue;
        snprintf(name, sizeof(name), "%sRow", d->table);
        cJSON_AddItemToObject(schemas, name, row_schema(&c->co->t[i]));
        snprintf(set_schema, sizeof(set_schema), "ODataSetResponse_%s",
                 d->table);
        env = typed("object", NULL);
        ep = cJSON_AddObjectToObject(env, "properties");
        cJSON_AddItemToObject(ep, c->v1 ? "odata.metadata" : "@odata.context",
                              typed("string", NULL));
        cJSON_AddItemToObject(ep, "value", typed("array", NULL));
        cJSON_AddItemToObject(cJSON_GetObjectItem(ep, "value"), "items",
                              ref(name));
        cJSON_AddItemToObject(schemas, set_schema, env);

        snprintf(path, sizeof(path), "/%s/%s", d->service, d->set);
        item = cJSON_AddObjectToObject(paths, path);
        op = cJSON_AddObjectToObject(item, "get");
        snprintf(name, sizeof(name), "Get%s", d->set);
        cJSON_AddStringToObject(op, "operationId", name);
        params = cJSON_AddArrayToObject(op, "parameters");
        cJSON_AddItemToArray(params, query_param("$select", "Fields"));
        cJSON_AddItemToArray(params, query_param("$filter", "OData filter"));
        cJSON_AddItemToArray(params, query_param("$expand", "Child sets"));
        cJSON_AddItemToArray(params, query_param("$orderby", "Order"));
        cJSON_AddItemToArray(params, query_param("$top", "Rows"));
        cJSON_AddItemToArray(params, query_param("$skip", "Rows to skip"));
        cJSON_AddItemToObject(op, "responses",
                              responses(ref(set_schema), "200"));
        op = cJSON_AddObjectToObject(item, "post");
        snprintf(name, sizeof(name), "Post%s", d->set);
        cJSON_AddStringToObject(op, "operationId", name);
        snprintf(name, sizeof(name), "%sRow", d->table);
        cJSON_AddItemToObject(
            cJSON_AddObjectToObject(
                cJSON_AddObjectToObject(
                    cJSON_AddObjectToObject(op, "requestBody"), "content"),
                "application/json"),
            "schema", ref(name));
        cJSON_AddItemToObject(op, "responses", responses(ref(name), "201"));

        /* Parts('{Company}','{PartNum}') */
        n = (size_t)snprintf(path, sizeof(path), "/%s/%s(", d->service, d->set);
        for (size_t k = 0; d->keys[k] && n < sizeof(path); k++)
            n +=
                (size_t)snprintf(path + n, sizeof(path) - n, "%s%s{%s}%s",
                                 k ? "," : "", (d->numeric >> k) & 1 ? "" : "'",
                                 d->keys[k], (d->numeric >> k) & 1 ? "" : "'");
        if (n < sizeof(path))
            snprintf(path + n, sizeof(path) - n, ")");
        item = cJSON_AddObjectToObject(paths, path);
        params = cJSON_AddArrayToObject(item, "parameters");
        for (size_t k = 0; d->keys[k]; k++) {
            cJSON *p = cJSON_CreateObject();

            cJSON_AddStringToObject(p, "name", d->keys[k]);
            cJSON_AddStringToObject(p, "in", "path");
            cJSON_AddTrueToObject(p, "required");
            cJSON_AddItemToObject(p, "schema",
                                  (d->numeric >> k) & 1
                                      ? typed("integer", "int32")
                                      : typed("string", NULL));
            cJSON_AddItemToArray(params, p);
        }
        op = cJSON_AddObjectToObject(item, "get");
        snprintf(name, sizeof(name), "Get%sByKey", d->set);
        cJSON_AddStringToObject(op, "operationId", name);
        snprintf(name, sizeof(name), "%sRow", d->table);
        cJSON_AddItemToObject(op, "responses", responses(ref(name), "200"));
        op = cJSON_AddObjectToObject(item, "delete");
        snprintf(name, sizeof(name), "Delete%s", d->set);
        cJSON_AddStringToObject(op, "operationId", name);
        cJSON_AddItemToObject(op, "responses", responses(NULL, "204"));
    }
}

/* <Method>_output: returnObj plus the declared parameters. */
static cJSON *output_schema(const char *service, const char *method)
{
    const struct km__epicor_out_params *p =
        km__epicor_out_params_find(service, method);
    cJSON *s = typed("object", NULL), *props = cJSON_CreateObject();

    cJSON_AddItemToObject(props, "returnObj", cJSON_CreateObject());
    if (p) {
        cJSON *pp = typed("object", NULL), *pprops = cJSON_CreateObject();
        const char *l = p->list;
        char name[64];

        while (*l) {
            size_t n = strcspn(l, " ");
            const char *colon = memchr(l, ':', n);
            char ty = colon ? colon[1] : 's';

            snprintf(name, sizeof(name), "%.*s",
                     (int)(colon ? (size_t)(colon - l) : n), l);
            cJSON_AddItemToObject(pprops, name,
                                  ty == 'b'   ? typed("boolean", NULL)
                                  : ty == 'n' ? typed("number", "double")
                                  : ty == 'o' ? typed("object", NULL)
                                              : typed("string", NULL));
            l += n + (l[n] == ' ');
        }
        cJSON_AddItemToObject(pp, "properties", pprops);
        cJSON_AddItemToObject(props, "parameters", pp);
    }
    cJSON_AddItemToObject(s, "properties", props);
    return s;
}

static void method_path(cJSON *paths, cJSON *schemas, const char *service,
                        const char *method)
{
    char path[300], name[200];
    cJSON *op;

    snprintf(path, sizeof(path), "/%s/%s", service, method);
    if (cJSON_GetObjectItemCaseSensitive(paths, path))
        return;
    op = cJSON_AddObjectToObject(cJSON_AddObjectToObject(paths, path), "post");
    cJSON_AddStringToObject(op, "operationId", method);
    snprintf(name, sizeof(name), "%s_input", method);
    cJSON_AddItemToObject(schemas, name, typed("object", NULL));
    cJSON_AddItemToObject(
        cJSON_AddObjectToObject(
            cJSON_AddObjectToObject(cJSON_AddObjectToObject(op, "requestBody"),
                                    "content"),
            "application/json"),
        "schema", ref(name));
    snprintf(name, sizeof(name), "%s_output", method);
    cJSON_AddItemToObject(schemas, name, output_schema(service, method));
    cJSON_AddItemToObject(op, "responses", responses(ref(name), "200"));
}

/* Every method of the table that answers in service (its own rows, and
 * the generic ones when it has a table). */
static void method_paths(struct km__epicor_call *c, cJSON *paths,
                         cJSON *schemas)
{
    int generic = km__epicor_primary(c->service) != NULL;
    char name[160];

    for (size_t i = 0; i < km__epicor_nmethods; i++) {
        const struct km__epicor_method_def *m = &km__epicor_methods[i];

        if (strcmp(m->service, c->service) != 0 &&
            !(generic && strcmp(m->service, "*") == 0))
            continue;
        if (m->match == KM_EPI_NEW_TABLE) {
            for (int t = 0; t < T_COUNT; t++) {
                if (strcmp(km__epicor_defs[t].service, c->service) != 0)
                    continue;
                snprintf(name, sizeof(name), "%s%s", m->name,
                         km__epicor_defs[t].table);
                method_path(paths, schemas, c->service, name);
            }
        } else {
            method_path(paths, schemas, c->service, m->name);
            if (m->match == KM_EPI_PREFIX) {
                snprintf(name, sizeof(name), "%ss", m->name);
                method_path(paths, schemas, c->service, name);
            }
        }
    }
}

void km__epicor_openapi(struct km__epicor_call *c, const char *kind)
{
    cJSON *doc = cJSON_CreateObject(), *info, *servers, *srv, *comp, *schemas;
    char url[600];

    cJSON_AddStringToObject(doc, "openapi", "3.0.1");
    info = cJSON_AddObjectToObject(doc, "info");
    cJSON_AddStringToObject(info, "title", c->service);
    cJSON_AddStringToObject(info, "version", c->v1 ? "v1" : "v2");
    servers = cJSON_AddArrayToObject(doc, "servers");
    srv = cJSON_CreateObject();
    if (c->v1)
        snprintf(url, sizeof(url), "%s/%s/api/v1", c->req->base_url,
                 c->emu->instance);
    else
        snprintf(url, sizeof(url), "%s/%s/api/v2/odata/%s", c->req->base_url,
                 c->emu->instance, c->co->id);
    cJSON_AddStringToObject(srv, "url", url);
    cJSON_AddItemToArray(servers, srv);
    cJSON_AddObjectToObject(doc, "paths");
    comp = cJSON_AddObjectToObject(doc, "components");
    schemas = cJSON_AddObjectToObject(comp, "schemas");
    cJSON_AddItemToObject(schemas, "ErrorResponse", error_schema());
    if (strcmp(kind, "odata") == 0)
        odata_paths(c, cJSON_GetObjectItem(doc, "paths"), schemas);
    else
        method_paths(c, cJSON_GetObjectItem(doc, "paths"), schemas);
    km__epicor_reply(c, 200, doc);
}
