/*
 * The Epicor Kinetic emulator's entry points: km_epicor_type, the
 * endpoint table (TokenResource, IdP, v1, v2 OData, BAQ, EFx), the §4
 * error body and the v1/v2 number conventions.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include <kx/json_print.h>
#include <strings.h>
#include <kx/alloc.h>
#include <kx/buf.h>
#include "epicor_emu.h"

/* ---- small helpers ---------------------------------------------------- */

#define RAND_STEP 0x9e3779b97f4a7c15ULL

static uint64_t rand_mix(uint64_t x)
{
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* The step is one atomic add: requests that only read the state run
 * concurrently (epi_shared) and may still draw, e.g. the GUID of
 * an error body; each draw then gets its own number of the sequence. */
uint64_t km__epicor_rand(uint64_t *state)
{
    return rand_mix(__atomic_add_fetch(state, RAND_STEP, __ATOMIC_RELAXED));
}

/* Seeded, so snapshots and journals repeat from run to run. Both halves
 * come from one atomic add, so a GUID is two consecutive draws even when
 * another request draws at the same time. */
void km__epicor_guid(struct km__epicor *emu, char out[37])
{
    uint64_t x = __atomic_add_fetch(&emu->rng, 2 * RAND_STEP, __ATOMIC_RELAXED);
    uint64_t a = rand_mix(x - RAND_STEP), b = rand_mix(x);

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

/* Length of the date-time at s, "2026-01-05T08:00:00" with an optional
 * fraction; 0 when s does not start with one. */
static size_t datetime_len(const char *s)
{
    static const char form[] = "dddd-dd-ddTdd:dd:dd";
    size_t n = 0;

    for (; form[n]; n++) {
        if (form[n] == 'd' ? !isdigit((unsigned char)s[n]) : s[n] != form[n])
            return 0;
    }
    if (s[n] == '.') {
        n++;
        while (isdigit((unsigned char)s[n]))
            n++;
    }
    return n;
}

/* Length of a bare date-time string's text at s (just after its opening
 * quote) when the closing quote follows; else 0. */
static size_t bare_datetime(const char *s)
{
    size_t n = datetime_len(s);

    return n && s[n] == '"' ? n : 0;
}

/* The next bare date-time string in text[0..end) from p: its first
 * character (after the quote), its length in *n; NULL when none is left.
 * Found by its 'T' (10 characters after the quote): a page has far fewer
 * of those than quotes. An escaped quote opens no string; an unescaped
 * one is always a string's, as JSON has no other quotes. */
static const char *next_datetime(const char *text, const char *p,
                                 const char *end, size_t *n)
{
    const char *t, *q;

    while (end - p > 11 && (t = memchr(p + 11, 'T', (size_t)(end - p) - 11))) {
        q = t - 11; /* the quote would be here; at p or after */
        if (*q == '"' && !(q > text && q[-1] == '\\') &&
            (*n = bare_datetime(q + 1)))
            return q + 1;
        p = q + 1;
    }
    return NULL;
}

char *km__epicor_v2_dated(const char *text, size_t len, const char *offset,
                          size_t *out_len)
{
    const char *p, *d, *end = text + len;
    size_t olen = strlen(offset), n, hits = 0, w = 0;
    char *out;

    for (p = text; (d = next_datetime(text, p, end, &n)); p = d + n)
        hits++;
    out = cJSON_malloc(len + hits * olen + 1);
    if (!out)
        abort();
    for (p = text; (d = next_datetime(text, p, end, &n)); p = d + n) {
        memcpy(out + w, p, (size_t)(d - p) + n);
        w += (size_t)(d - p) + n;
        memcpy(out + w, offset, olen);
        w += olen;
    }
    memcpy(out + w, p, (size_t)(end - p));
    w += (size_t)(end - p);
    out[w] = '\0';
    *out_len = w;
    return out;
}

/* A string of cJSON's allocator holding s and then offset. */
static char *with_offset(const char *s, const char *offset)
{
    size_t n = strlen(s), olen = strlen(offset);
    char *out = cJSON_malloc(n + olen + 1);

    if (!out)
        abort();
    memcpy(out, s, n);
    memcpy(out + n, offset, olen + 1);
    return out;
}

/* 1 when s is exactly a bare date-time ("2026-01-05T08:00:00[.fff]"). */
static int is_bare_datetime(const char *s)
{
    size_t n = datetime_len(s);

    return n && s[n] == '\0';
}

/* Makes a container that shares its children with the store (a
 * reference item) the reply's own, so that they may be changed. */
static void own_children(cJSON *it)
{
    cJSON *dup;

    if (!(it->type & cJSON_IsReference))
        return;
    dup = cJSON_Duplicate(it, 1);
    if (!dup)
        abort();
    it->child = dup->child;
    dup->child = NULL;
    cJSON_Delete(dup);
    it->type &= ~cJSON_IsReference;
}

/* Replaces the text of a string or raw item (the old one freed unless
 * the item only references it). */
static void set_text(cJSON *it, char *text)
{
    if (!(it->type & cJSON_IsReference))
        cJSON_free(it->valuestring);
    it->type &= ~cJSON_IsReference;
    it->valuestring = text;
}

/*
 * The v2 date offset on a reply tree, before it is printed: offset after
 * every string and member name that is a bare date-time, the values the
 * emulator stores bare (as v1 shows them), so they read as the
 * Edm.DateTimeOffset that v2's $metadata declares; the same strings the
 * pass over the printed text found before. What is shared with the store
 * is copied before it changes. A raw text gets the pass on its text,
 * except the kept row texts that already have it (KM__EPICOR_V2_TEXT,
 * km__epicor_row_text): a page of them prints as it is.
 */
static void v2_dates(cJSON *it, const char *offset)
{
    size_t n;

    if (it->string && !(it->type & cJSON_StringIsConst) &&
        is_bare_datetime(it->string)) {
        char *key = with_offset(it->string, offset);

        cJSON_free(it->string);
        it->string = key;
    }
    if (cJSON_IsRaw(it) && it->valuestring &&
        it->valueint != KM__EPICOR_V2_TEXT) {
        set_text(it, km__epicor_v2_dated(it->valuestring,
                                         strlen(it->valuestring), offset, &n));
    } else if (cJSON_IsString(it) && it->valuestring &&
               is_bare_datetime(it->valuestring)) {
        set_text(it, with_offset(it->valuestring, offset));
    } else if ((cJSON_IsArray(it) || cJSON_IsObject(it)) && it->child) {
        own_children(it);
        for (cJSON *kid = it->child; kid; kid = kid->next)
            v2_dates(kid, offset);
    }
}

void km__epicor_reply(struct km__epicor_call *c, int status, cJSON *json)
{
    km__epicor_outconv(c, json);
    if (!c->v1 && c->emu->v2_date_offset[0] && json)
        v2_dates(json, c->emu->v2_date_offset);
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
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    km_response_json(c->res, status,
                     km__epicor_error_body(c, status, type, msg));
    km_response_header(c->res, "Content-Type",
                       "application/json; charset=utf-8");
}

cJSON *km__epicor_error_body(struct km__epicor_call *c, int status,
                             const char *type, const char *text)
{
    cJSON *o = cJSON_CreateObject(), *details = cJSON_CreateArray();
    cJSON *d = cJSON_CreateObject();
    char msg[512], guid[37];

    snprintf(msg, sizeof(msg), "%s", text);
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
    return o;
}

/* ---- routes ----------------------------------------------------------- */

/* Starts a call: every request the emulator answers costs its latency. */
static void call_init(struct km__epicor_call *c, struct km_response *res,
                      const struct km_request *req, void *state)
{
    memset(c, 0, sizeof(*c));
    c->emu = state;
    c->res = res;
    c->req = req;
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
        c->emu->writes++;
    if (c->emu->latency_ms > 0)
        ks_clock_advance_ms(c->emu->clock, c->emu->latency_ms);
}

static struct km__epicor_company *default_company(struct km__epicor_call *c)
{
    const char *hdr = km_request_header(c->req, "CallSettings");
    struct km__epicor_company *co = NULL;

    if (hdr) {
        cJSON *cs = cJSON_Parse(hdr);
        const char *id = kx_json_str(cs, "Company");

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

/*
 * Starts a call under /api/v1 or /api/v2/odata/{company}: the v2 API key,
 * the user, the company (v1: CallSettings or the user's), then the
 * {service} when the route has one, with its scope. 0, or -1 when it
 * answered.
 */
static int api_begin(struct km__epicor_call *c, struct km_response *res,
                     const struct km_request *req, void *state)
{
    const char *company = km_request_param(req, "company");
    const char *svc = km_request_param(req, "service");

    call_init(c, res, req, state);
    c->v1 = company == NULL;
    if ((!c->v1 && km__epicor_api_key(c)) || km__epicor_auth(c))
        return -1;
    c->co =
        company ? km__epicor_company_find(c->emu, company) : default_company(c);
    if (!c->co) {
        km__epicor_error(c, 400, NULL,
                         "The company '%s' is not valid for this user.",
                         company ? company : "(CallSettings)");
        return -1;
    }
    if (!svc)
        return 0;
    c->service = km__epicor_service_canon(svc);
    if (!c->service) {
        km__epicor_error(c, 404, "Epicor.RESTApi.ErrorHandling.ApiException",
                         "Service '%s' was not found.", svc);
        return -1;
    }
    return km__epicor_scope_ok(c, c->service) ? 0 : -1;
}

static void services(struct km_response *res, const struct km_request *req,
                     void *state)
{
    struct km__epicor_call c;

    if (api_begin(&c, res, req, state) == 0)
        km__epicor_service_doc(&c);
}

static void metadata(struct km_response *res, const struct km_request *req,
                     void *state)
{
    struct km__epicor_call c;

    if (api_begin(&c, res, req, state) == 0)
        km__epicor_metadata(&c);
}

static void entity_set(struct km_response *res, const struct km_request *req,
                       void *state)
{
    struct km__epicor_call c;

    const char *set = km_request_param(req, "entity_set");
    char name[128];

    if (api_begin(&c, res, req, state) != 0)
        return;
    snprintf(name, sizeof(name), "%.*s", (int)strcspn(set, "("), set);
    if (km__epicor_extra_has_set(c.service, name))
        km__epicor_extra_odata(&c);
    else
        km__epicor_odata(&c);
}

static void method(struct km_response *res, const struct km_request *req,
                   void *state)
{
    struct km__epicor_call c;

    if (api_begin(&c, res, req, state) == 0)
        km__epicor_method(&c, km_request_param(req, "method"));
}

/* GET .../BaqSvc/{baq_id}[/Data]; v1 also names it "{baq_id}(Company)".
 * v1 answers rows on every form (TAIT and RGEN read rows from
 * BaqSvc/{ID}/, GAS from BaqSvc/{ID}('C')); only v2 without /Data is a
 * resource descriptor (OCA, live). */
static void baq(struct km_response *res, const struct km_request *req,
                void *state)
{
    struct km__epicor_call c;
    const char *id = km_request_param(req, "baq_id");
    size_t n = strcspn(id, "(");
    char *scope;

    if (api_begin(&c, res, req, state) != 0)
        return;
    scope = kx_xasprintf("BaqSvc/%.*s", (int)n, id);
    if (km__epicor_scope_ok(&c, scope))
        km__epicor_baq(&c, scope + 7,
                       c.v1 || (strlen(req->route) > 5 &&
                                strcmp(req->route + strlen(req->route) - 5,
                                       "/Data") == 0));
    free(scope);
}

static void efx_call(struct km_response *res, const struct km_request *req,
                     void *state, int staging)
{
    struct km__epicor_call c;

    call_init(&c, res, req, state);
    if (km__epicor_api_key(&c) == 0 && km__epicor_auth(&c) == 0)
        km__epicor_efx(&c, km_request_param(req, "company"),
                       km_request_param(req, "library"),
                       km_request_param(req, "function"), staging);
}

static void efx(struct km_response *res, const struct km_request *req,
                void *state)
{
    efx_call(res, req, state, 0);
}

static void efx_staging(struct km_response *res, const struct km_request *req,
                        void *state)
{
    efx_call(res, req, state, 1);
}

/* GET .../efx/{company}[/{library}]: the libraries and their functions. */
static void efx_list(struct km_response *res, const struct km_request *req,
                     void *state)
{
    struct km__epicor_call c;

    call_init(&c, res, req, state);
    if (km__epicor_api_key(&c) == 0 && km__epicor_auth(&c) == 0)
        km__epicor_efx_list(&c, km_request_param(req, "company"),
                            km_request_param(req, "library"));
}

/* GET /{instance}/api/swagger/{v1|v2}/{odata|methods}/{Service}.json:
 * the service's OpenAPI document (openapi.c). Signed in as any call,
 * without the v2 API key (the help pages are browsed). */
static void swagger(struct km_response *res, const struct km_request *req,
                    void *state)
{
    struct km__epicor_call c;
    const char *version = km_request_param(req, "version");
    const char *kind = km_request_param(req, "kind");
    const char *file = km_request_param(req, "file");
    size_t n = strlen(file);
    char name[160];

    call_init(&c, res, req, state);
    if (km__epicor_auth(&c))
        return;
    c.v1 = strcmp(version, "v1") == 0;
    c.co = default_company(&c);
    snprintf(name, sizeof(name), "%.*s",
             (int)(n > 5 && strcmp(file + n - 5, ".json") == 0 ? n - 5 : n),
             file);
    c.service = km__epicor_service_canon(name);
    if (!c.service || !c.co || (!c.v1 && strcmp(version, "v2") != 0) ||
        (strcmp(kind, "odata") != 0 && strcmp(kind, "methods") != 0)) {
        km__epicor_error(&c, 404, "Epicor.RESTApi.ErrorHandling.ApiException",
                         "The resource '%s' was not found.", req->path);
        return;
    }
    km__epicor_openapi(&c, kind);
}

static void token_resource(struct km_response *res,
                           const struct km_request *req, void *state)
{
    struct km__epicor_call c;

    call_init(&c, res, req, state);
    km__epicor_token_resource(&c);
}

static void idp_token(struct km_response *res, const struct km_request *req,
                      void *state)
{
    struct km__epicor_call c;

    call_init(&c, res, req, state);
    km__epicor_idp_token(&c);
}

/*
 * Every endpoint: one row. The instance's routes sit under /{instance}
 * (literals match in any case, as IIS does); the IdP's /connect/token
 * outside it. Services, their entity sets and methods are data
 * (defs.c, methods*.c): accept() sends {entity_set} to the sets a service
 * has and everything else to {method}. Rows with method "*" let their
 * handler answer 405 itself, after authentication, as Epicor does. First
 * match wins.
 */
#define INST "/{instance}"
#define V1 INST "/api/v1"
#define V2 INST "/api/v2/odata/{company}"

static const struct km_route epi_routes[] = {
    {"*", "/connect/token", idp_token},
    {"POST", INST "/TokenResource.svc", token_resource},
    {"POST", INST "/api/v2/efx/staging/{company}/{library}/{function}",
     efx_staging},
    {"POST", INST "/api/v2/efx/{company}/{library}/{function}", efx},
    {"GET", INST "/api/v2/efx/{company}", efx_list},
    {"GET", INST "/api/swagger/{version}/{kind}/{file}", swagger},
    {"GET", INST "/api/v2/efx/{company}/{library}", efx_list},

    {"*", V1, services},
    {"*", V1 "/$metadata", metadata},
    {"*", V1 "/BaqSvc/{baq_id}", baq},
    {"*", V1 "/BaqSvc/{baq_id}/Data", baq},
    {"*", V1 "/Ice.BO.BaqSvc/{baq_id}", baq},
    {"*", V1 "/Ice.BO.BaqSvc/{baq_id}/Data", baq},
    {"*", V1 "/{service}", services},
    {"*", V1 "/{service}/$metadata", metadata},
    {"*", V1 "/{service}/{entity_set}", entity_set},
    {"*", V1 "/{service}/{entity_set}/{navigation}", entity_set},
    {"*", V1 "/{service}/{method}", method},

    {"*", V2, services},
    {"*", V2 "/$metadata", metadata},
    {"*", V2 "/BaqSvc/{baq_id}", baq},
    {"*", V2 "/BaqSvc/{baq_id}/Data", baq},
    {"*", V2 "/Ice.BO.BaqSvc/{baq_id}", baq},
    {"*", V2 "/Ice.BO.BaqSvc/{baq_id}/Data", baq},
    {"*", V2 "/{service}", services},
    {"*", V2 "/{service}/$metadata", metadata},
    {"*", V2 "/{service}/{entity_set}", entity_set},
    {"*", V2 "/{service}/{entity_set}/{navigation}", entity_set},
    {"*", V2 "/{service}/{method}", method},
};

/* The instance must be this one; an {entity_set} must be a set (or the
 * "List" alias) of a known {service}; efx's {company} is not "staging". */
static int epi_accept(const struct km_route *route,
                      const struct km_request *req, void *state)
{
    struct km__epicor *emu = state;
    const char *inst = km_request_param(req, "instance");
    const char *set = km_request_param(req, "entity_set");
    const char *company = km_request_param(req, "company");
    const char *svc;
    char name[128];

    if (inst && strcasecmp(inst, emu->instance) != 0)
        return 0;
    if (route->handler == efx && strcasecmp(company, "staging") == 0)
        return 0;
    if (!set)
        return 1;
    svc = km__epicor_service_canon(km_request_param(req, "service"));
    snprintf(name, sizeof(name), "%.*s", (int)strcspn(set, "("), set);
    return svc && (km__epicor_def_by_set(svc, name) ||
                   km__epicor_extra_has_set(svc, name) ||
                   (strcmp(name, "List") == 0 && km__epicor_primary(svc)));
}

/*
 * The requests served beside each other under the server's read lock
 * (kinmock/server.h): GETs of an entity set of the emulator's own tables
 * without $expand, of $metadata and of the service documents. What they
 * still write is safe at once: a kept row text is published atomically
 * (km__epicor_row_text) and a GUID is one atomic draw (km__epicor_guid).
 * Left exclusive: Basic auth (it opens a licence session), $expand (it
 * switches child_filter_quirk while it validates), the sets of
 * services_extra.c, and everything when each call advances the clock by
 * latency_ms (the call's time must stay its own). Reads only the request
 * and the configuration, which no request changes.
 */
static int epi_shared(const struct km_route *route,
                      const struct km_request *req, void *state)
{
    const struct km__epicor *emu = state;
    const char *auth = km_request_header(req, "Authorization");
    const char *set = km_request_param(req, "entity_set");
    const char *svc = km_request_param(req, "service");
    char name[128];

    if (strcmp(req->method, "GET") != 0 || emu->latency_ms > 0 ||
        (auth && strncasecmp(auth, "Basic ", 6) == 0))
        return 0;
    if (route->handler == metadata || route->handler == services)
        return 1;
    if (route->handler != entity_set || !set || !svc ||
        km_request_arg(req, "$expand") ||
        !(svc = km__epicor_service_canon(svc)))
        return 0;
    snprintf(name, sizeof(name), "%.*s", (int)strcspn(set, "("), set);
    return !km__epicor_extra_has_set(svc, name);
}

/* 404 and 405 in Epicor's error body. */
static void epi_route_error(struct km_response *res,
                            const struct km_request *req, int status,
                            void *state)
{
    struct km__epicor *emu = state;
    struct km__epicor_call c;
    const char *p = req->path + (req->path[0] == '/');
    size_t n = strcspn(p, "/");

    call_init(&c, res, req, state);
    if (status == 405)
        km__epicor_error(&c, 405, "Epicor.RESTApi.ErrorHandling.ApiException",
                         "The requested resource does not support http "
                         "method '%s'.",
                         req->method);
    else if (n != strlen(emu->instance) || strncasecmp(p, emu->instance, n) ||
             !p[n])
        km__epicor_error(&c, 404, "Epicor.RESTApi.ErrorHandling.ApiException",
                         "No application is served at '/%.*s'.", (int)n, p);
    else
        km__epicor_error(&c, 404, "Epicor.RESTApi.ErrorHandling.ApiException",
                         "The resource '%s' was not found.", req->path);
}

static int epi_state_new(void **state, const cJSON *config,
                         struct ks_clock *clock, char *err, size_t errsz)
{
    struct km__epicor *emu = kx_xcalloc(1, sizeof(*emu));

    *state = NULL;
    emu->clock = clock;
    emu->efx_calls = cJSON_CreateArray();
    emu->session_mods = cJSON_CreateArray();
    emu->bpm = cJSON_CreateArray();
    emu->bpm_fired = cJSON_CreateArray();
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

    char *prefix = km__epicor_token_prefix();

    emu->server = server;
    km_server_add_secret_form(server, prefix); /* before any token */
    free(prefix);
    for (size_t i = 0; i < emu->nusers; i++)
        km_server_add_secret(server, emu->users[i].password);
    for (size_t i = 0; i < emu->nkeys; i++)
        km_server_add_secret(server, emu->keys[i].key);
    cJSON_ArrayForEach(it, emu->idp_clients)
        km_server_add_secret(server, kx_json_str(it, "client_secret"));
}

const struct km_emulator_type km_epicor_type = {
    .name = "epicor",
    .config = km__epicor_config_keys,
    .nconfig = KM__EPICOR_NCONFIG,
    .state_new = epi_state_new,
    .state_free = km__epicor_state_free,
    .routes = epi_routes,
    .nroutes = sizeof(epi_routes) / sizeof(epi_routes[0]),
    .accept = epi_accept,
    .nocase = 1,
    .trailing_slash = 1,
    .route_error = epi_route_error,
    .fault_action = km__epicor_fault,
    .shared = epi_shared,

    .bound = epi_bound,
    .snapshot = km__epicor_snapshot,
    .act = km__epicor_act,
};
