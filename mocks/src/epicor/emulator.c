/*
 * The Epicor Kinetic emulator's entry points: km_epicor_type, the URL
 * dispatch (TokenResource, IdP, v1, v2 OData, BAQ, EFx), the §4 error
 * body and the v1/v2 number conventions.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "epicor_emu.h"

/* ---- small helpers ---------------------------------------------------- */

uint64_t km__epicor_rand(uint64_t *state)
{
    uint64_t x = (*state += 0x9e3779b97f4a7c15ULL);

    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* Seeded, so snapshots and journals repeat from run to run. */
void km__epicor_guid(struct km__epicor *emu, char out[37])
{
    uint64_t a = km__epicor_rand(&emu->rng), b = km__epicor_rand(&emu->rng);

    snprintf(out, 37,
             "%08" PRIx64 "-%04" PRIx64 "-4%03" PRIx64 "-%04" PRIx64
             "-%012" PRIx64,
             a >> 32, (a >> 16) & 0xffff, a & 0xfff,
             ((b >> 48) & 0x3fff) | 0x8000, (uint64_t)(b & 0xffffffffffffULL));
}

int64_t km__epicor_now(const struct km__epicor *emu)
{
    return ks_clock_now_ms(emu->clock);
}

void km__epicor_put(cJSON *obj, const char *name, cJSON *item)
{
    if (!item)
        item = cJSON_CreateNull();
    cJSON_DeleteItemFromObjectCaseSensitive(obj, name);
    cJSON_AddItemToObject(obj, name, item);
}

void km__epicor_set_str(cJSON *obj, const char *name, const char *value)
{
    km__epicor_put(obj, name,
                   value ? cJSON_CreateString(value) : cJSON_CreateNull());
}

void km__epicor_set_num(cJSON *obj, const char *name, double value)
{
    km__epicor_put(obj, name, cJSON_CreateNumber(value));
}

void km__epicor_set_bool(cJSON *obj, const char *name, int value)
{
    km__epicor_put(obj, name, cJSON_CreateBool(value));
}

const char *km__epicor_str(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

double km__epicor_num(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

    if (cJSON_IsNumber(v))
        return v->valuedouble;
    if (cJSON_IsString(v))
        return strtod(v->valuestring, NULL);
    return 0;
}

/* v1 (OData v3 JSON): Edm.Decimal and Edm.Int64 travel as strings, the
 * decimals with the column's full scale. */
void km__epicor_outconv(const struct km__epicor_call *c, cJSON *json)
{
    cJSON *it;
    char buf[64];

    if (!c->v1 || !json)
        return;
    cJSON_ArrayForEach(it, json)
    {
        int scale;
        cJSON *tmp;

        if (cJSON_IsArray(it) || cJSON_IsObject(it)) {
            km__epicor_outconv(c, it);
            continue;
        }
        if (!cJSON_IsNumber(it) || !it->string)
            continue;
        if (strcmp(it->string, "SysRevID") == 0)
            snprintf(buf, sizeof(buf), "%.0f", it->valuedouble);
        else if ((scale = km__epicor_decimal_scale(it->string)) >= 0)
            snprintf(buf, sizeof(buf), "%.*f", scale, it->valuedouble);
        else
            continue;
        /* Turn the item into a string in place (keeps its key and place;
         * the text comes from cJSON's allocator). */
        tmp = cJSON_CreateString(buf);
        it->valuestring = tmp->valuestring;
        tmp->valuestring = NULL;
        cJSON_Delete(tmp);
        it->type = cJSON_String;
    }
}

void km__epicor_inconv(cJSON *json)
{
    cJSON *it;

    cJSON_ArrayForEach(it, json)
    {
        char *end;
        double d;

        if (cJSON_IsArray(it) || cJSON_IsObject(it)) {
            km__epicor_inconv(it);
            continue;
        }
        if (!cJSON_IsString(it) || !it->string || !it->valuestring[0] ||
            (strcmp(it->string, "SysRevID") != 0 &&
             km__epicor_decimal_scale(it->string) < 0))
            continue;
        d = strtod(it->valuestring, &end);
        if (*end != '\0')
            continue;
        cJSON_free(it->valuestring);
        it->valuestring = NULL;
        it->type = cJSON_Number;
        cJSON_SetNumberHelper(it, d);
    }
}

void km__epicor_reply(struct km__epicor_call *c, int status, cJSON *json)
{
    km__epicor_outconv(c, json);
    km_response_json(c->res, status, json);
    km_response_header(c->res, "Content-Type",
                       "application/json; charset=utf-8");
}

static const char *reason_type(int status)
{
    switch (status) {
    case 401:
    case 403:
        return "Ice.Common.UnauthorizedAccessException";
    case 404:
        return "Ice.Common.RecordNotFoundException";
    case 409:
        return "Ice.Common.DuplicateRecordException";
    default:
        return "Ice.Common.BusinessObjectException";
    }
}

void km__epicor_error(struct km__epicor_call *c, int status, const char *type,
                      const char *fmt, ...)
{
    cJSON *o = cJSON_CreateObject(), *details = cJSON_CreateArray();
    cJSON *d = cJSON_CreateObject();
    char msg[512], guid[37];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    km__epicor_guid(c->emu, guid);
    if (status == 500 && !type) {
        /* What a remote caller sees of an unexpected exception. */
        char tmp[512];

        snprintf(tmp, sizeof(tmp),
                 "We apologize, but an unexpected internal problem "
                 "occurred. Please provide your System Admin or Technical "
                 "Support this Correlation ID for further details. "
                 "Correlation ID: %s",
                 guid);
        memcpy(msg, tmp, sizeof(msg));
        type = "Epicor.RESTApi.ErrorHandling.ApiException";
    }
    cJSON_AddNumberToObject(o, "HttpStatus", status);
    cJSON_AddStringToObject(o, "ReasonPhrase", "REST API Exception");
    cJSON_AddStringToObject(o, "ErrorMessage", msg);
    cJSON_AddStringToObject(o, "ErrorType", type ? type : reason_type(status));
    cJSON_AddStringToObject(d, "Message", msg);
    cJSON_AddStringToObject(d, "Type", "Error");
    cJSON_AddItemToArray(details, d);
    cJSON_AddItemToObject(o, "ErrorDetails", details);
    cJSON_AddStringToObject(o, "CorrelationId", guid);
    km_response_json(c->res, status, o);
    km_response_header(c->res, "Content-Type",
                       "application/json; charset=utf-8");
}

/* ---- dispatch --------------------------------------------------------- */

/* Splits a path on '/', keeping slashes inside quoted key values. */
static size_t split_path(char ***out, const char *path)
{
    size_t n = 0, cap = 8;
    char **segs = malloc(cap * sizeof(*segs));
    const char *p = *path == '/' ? path + 1 : path;

    if (!segs)
        abort();
    for (;;) {
        const char *q = p;
        int quoted = 0;

        while (*q && (quoted || *q != '/')) {
            if (*q == '\'')
                quoted = !quoted;
            q++;
        }
        if (n + 1 >= cap) {
            cap *= 2;
            segs = realloc(segs, cap * sizeof(*segs));
            if (!segs)
                abort();
        }
        segs[n] = strndup(p, (size_t)(q - p));
        if (!segs[n])
            abort();
        n++;
        if (!*q)
            break;
        p = q + 1;
    }
    segs[n] = NULL;
    *out = segs;
    return n;
}

static struct km__epicor_company *default_company(struct km__epicor_call *c)
{
    const char *hdr = km_request_header(c->req, "CallSettings");
    struct km__epicor_company *co = NULL;

    if (hdr) {
        cJSON *cs = cJSON_Parse(hdr);
        const char *id = km__epicor_str(cs, "Company");

        if (id)
            co = km__epicor_company_find(c->emu, id);
        cJSON_Delete(cs);
        if (id || co)
            return co;
    }
    for (size_t i = 0; c->user && i < c->emu->nusers; i++) {
        if (strcmp(c->emu->users[i].username, c->user) == 0 &&
            c->emu->users[i].company)
            return km__epicor_company_find(c->emu, c->emu->users[i].company);
    }
    return c->emu->companies[0];
}

/* Everything under /{instance}/api/v1|v2/odata/{Company}/{Service}/... */
static void api_call(struct km__epicor_call *c, char **segs, size_t nseg,
                     const char *company)
{
    const char *svc = nseg ? segs[0] : "";

    if (km__epicor_auth(c))
        return;
    c->co =
        company ? km__epicor_company_find(c->emu, company) : default_company(c);
    if (!c->co) {
        km__epicor_error(c, 400, NULL,
                         "The company '%s' is not valid for this user.",
                         company ? company : "(CallSettings)");
        return;
    }
    if (!*svc) {
        c->service = NULL;
        km__epicor_service_doc(c);
        return;
    }
    if (strcasecmp(svc, "BaqSvc") == 0 ||
        strcasecmp(svc, "Ice.BO.BaqSvc") == 0) {
        char res[300];
        const char *id = nseg > 1 ? segs[1] : "";
        char *paren = strchr(id, '(');

        if (paren) /* v1 "BaqSvc/ID(Company)/Data" */
            *paren = '\0';
        snprintf(res, sizeof(res), "BaqSvc/%s", id);
        if (!km__epicor_scope_ok(c, res))
            return;
        km__epicor_baq(c, id, nseg > 2 && strcmp(segs[2], "Data") == 0);
        return;
    }
    c->service = km__epicor_service_canon(svc);
    if (!c->service) {
        km__epicor_error(c, 404, "Epicor.RESTApi.ErrorHandling.ApiException",
                         "Service '%s' was not found.", svc);
        return;
    }
    if (!km__epicor_scope_ok(c, c->service))
        return;
    c->seg = segs + 1;
    c->nseg = nseg - 1;
    if (c->nseg == 0 || (c->nseg == 1 && !*c->seg[0])) {
        km__epicor_service_doc(c);
    } else if (strcmp(c->seg[0], "$metadata") == 0) {
        km__epicor_metadata(c);
    } else {
        char name[128];
        size_t n = strcspn(c->seg[0], "(");

        snprintf(name, sizeof(name), "%.*s", (int)n, c->seg[0]);
        if (km__epicor_def_by_set(c->service, name) ||
            strcmp(name, "List") == 0)
            km__epicor_odata(c);
        else
            km__epicor_method(c, name);
    }
}

static void epi_dispatch(struct km_response *res, const struct km_request *req,
                         void *state)
{
    struct km__epicor *emu = state;
    struct km__epicor_call c = {.emu = emu, .res = res, .req = req};
    char **segs;
    size_t n = split_path(&segs, req->path);

    if (emu->latency_ms > 0)
        ks_clock_advance_ms(emu->clock, emu->latency_ms);
    if (n >= 2 && strcmp(segs[0], "connect") == 0 &&
        strcmp(segs[1], "token") == 0) {
        km__epicor_idp_token(&c);
    } else if (strcasecmp(segs[0], emu->instance) != 0 || n < 2) {
        km__epicor_error(&c, 404, "Epicor.RESTApi.ErrorHandling.ApiException",
                         "No application is served at '/%s'.", segs[0]);
    } else if (strcasecmp(segs[1], "TokenResource.svc") == 0) {
        km__epicor_token_resource(&c);
    } else if (n >= 3 && strcmp(segs[1], "api") == 0 &&
               strcasecmp(segs[2], "v1") == 0) {
        c.v1 = 1;
        api_call(&c, segs + 3, n - 3, NULL);
    } else if (n >= 5 && strcmp(segs[1], "api") == 0 &&
               strcasecmp(segs[2], "v2") == 0 &&
               strcasecmp(segs[3], "odata") == 0) {
        if (km__epicor_api_key(&c) == 0)
            api_call(&c, segs + 5, n - 5, segs[4]);
    } else if (n >= 6 && strcmp(segs[1], "api") == 0 &&
               strcasecmp(segs[2], "v2") == 0 &&
               strcasecmp(segs[3], "efx") == 0) {
        int staging = strcasecmp(segs[4], "staging") == 0;

        if (staging && n < 8)
            km__epicor_error(&c, 404,
                             "Epicor.RESTApi.ErrorHandling.ApiException",
                             "Function not found.");
        else if (km__epicor_api_key(&c) == 0 && km__epicor_auth(&c) == 0)
            km__epicor_efx(&c, segs[4 + staging], segs[5 + staging],
                           segs[6 + staging], staging);
    } else {
        km__epicor_error(&c, 404, "Epicor.RESTApi.ErrorHandling.ApiException",
                         "The resource '%s' was not found.", req->path);
    }
    for (size_t i = 0; i < n; i++)
        free(segs[i]);
    free(segs);
}

static int epi_state_new(void **state, const cJSON *config,
                         struct ks_clock *clock, char *err, size_t errsz)
{
    struct km__epicor *emu = calloc(1, sizeof(*emu));

    *state = NULL;
    if (!emu)
        abort();
    emu->clock = clock;
    emu->efx_calls = cJSON_CreateArray();
    if (km__epicor_config(emu, config, err, errsz)) {
        km__epicor_state_free(emu);
        return -1;
    }
    *state = emu;
    return 0;
}

static void epi_bound(void *state, struct km_server *server)
{
    struct km__epicor *emu = state;
    const cJSON *it;

    emu->server = server;
    for (size_t i = 0; i < emu->nusers; i++)
        km_server_add_secret(server, emu->users[i].password);
    for (size_t i = 0; i < emu->nkeys; i++)
        km_server_add_secret(server, emu->keys[i].key);
    cJSON_ArrayForEach(it, emu->idp_clients)
        km_server_add_secret(server, km__epicor_str(it, "client_secret"));
}

static const struct km_route epi_routes[] = {
    {"*", "/*", epi_dispatch},
};

const struct km_emulator_type km_epicor_type = {
    .name = "epicor",
    .config = km__epicor_config_keys,
    .nconfig = KM__EPICOR_NCONFIG,
    .state_new = epi_state_new,
    .state_free = km__epicor_state_free,
    .routes = epi_routes,

    .nroutes = sizeof(epi_routes) / sizeof(epi_routes[0]),
    .fault_action = km__epicor_fault,
    .not_found = epi_dispatch,

    .bound = epi_bound,
    .snapshot = km__epicor_snapshot,
    .act = km__epicor_act,
};
