/*
 * Configuration: the scenario's given.epicor object (fixtures already
 * inlined) into emulator state, through the keys declared at the end of
 * this file (kinmock/config.h). Fixture rows load through rows.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include "epicor_emu.h"

static int load_company(struct km__epicor *emu, const cJSON *cfg, char *err,
                        size_t errsz)
{
    struct km__epicor_company *co = km__epicor_company_add(emu, cfg->string);
    const cJSON *it;

    if (!cJSON_IsObject(cfg))
        return km__epicor_errf(err, errsz, "companies.%s must be an object",
                               cfg->string);
    cJSON_ArrayForEach(it, cfg)
    {
        int tid = -1;

        for (int i = 0; i < T_COUNT; i++) {
            if (strcmp(km__epicor_defs[i].fixture, it->string) == 0)
                tid = i;
        }
        if (tid < 0)
            return km__epicor_errf(err, errsz,
                                   "unknown key '%s' in companies.%s",
                                   it->string, cfg->string);
    }
    /* Parents before children, whatever the order in the file. */
    for (int i = 0; i < T_COUNT; i++) {
        it = cJSON_GetObjectItemCaseSensitive(cfg, km__epicor_defs[i].fixture);
        if (it && km__epicor_load_rows(emu, co, (enum km__epicor_tid)i, it,
                                       NULL, err, errsz))
            return -1;
    }
    return 0;
}

/* ---- the declared keys ---------------------------------------------- */

/* Setters of the declared keys (kinmock/config.h): each gets a value of
 * its declared type. */

#define EMU(v) struct km__epicor *emu = (v)

static int set_instance(void *state, const cJSON *v, char *err, size_t errsz)
{
    EMU(state);

    if (!*v->valuestring || strchr(v->valuestring, '/'))
        return km__epicor_errf(err, errsz,
                               "must be a non-empty string without '/'");
    free(emu->instance);
    emu->instance = kx_xstrdup(v->valuestring);
    return 0;
}

/* An integer setting of at least min into *out. */
static int at_least(int64_t *out, const cJSON *v, int64_t min, char *err,
                    size_t errsz)
{
    if (v->valuedouble < (double)min || v->valuedouble > 2147483647.0) {
        km__epicor_errf(err, errsz, "must be an integer from %lld to %d",
                        (long long)min, 2147483647);
        return -1; /* said here: the callers read *out only on 0 */
    }
    *out = (int64_t)v->valuedouble;
    return 0;
}

static int set_int(int *out, const cJSON *v, int64_t min, char *err,
                   size_t errsz)
{
    int64_t n = 0;

    if (at_least(&n, v, min, err, errsz))
        return -1;
    *out = (int)n;
    return 0;
}

static int set_token_lifetime(void *state, const cJSON *v, char *err,
                              size_t errsz)
{
    return at_least(&((struct km__epicor *)state)->token_lifetime_s, v, 1, err,
                    errsz);
}

static int set_page_cap(void *state, const cJSON *v, char *err, size_t errsz)
{
    return set_int(&((struct km__epicor *)state)->page_cap, v, 1, err, errsz);
}

static int set_license_seats(void *state, const cJSON *v, char *err,
                             size_t errsz)
{
    return set_int(&((struct km__epicor *)state)->license_seats, v, 0, err,
                   errsz);
}

static int set_latency(void *state, const cJSON *v, char *err, size_t errsz)
{
    return at_least(&((struct km__epicor *)state)->latency_ms, v, 0, err,
                    errsz);
}

static int set_status(int *out, const cJSON *v, char *err, size_t errsz)
{
    if (v->valuedouble < 100 || v->valuedouble > 599)
        return km__epicor_errf(err, errsz,
                               "must be an HTTP status (100 to 599)");
    *out = (int)v->valuedouble;
    return 0;
}

static int set_key_missing(void *state, const cJSON *v, char *err, size_t errsz)
{
    return set_status(&((struct km__epicor *)state)->api_key_missing_status, v,
                      err, errsz);
}

static int set_key_scope(void *state, const cJSON *v, char *err, size_t errsz)
{
    return set_status(&((struct km__epicor *)state)->api_key_scope_status, v,
                      err, errsz);
}

static int set_conflict(void *state, const cJSON *v, char *err, size_t errsz)
{
    return set_status(&((struct km__epicor *)state)->conflict_status, v, err,
                      errsz);
}

static int set_seed(void *state, const cJSON *v, char *err, size_t errsz)
{
    EMU(state);
    int64_t seed = 0;

    if (at_least(&seed, v, 0, err, errsz))
        return -1;
    emu->rng = (uint64_t)seed * 0x2545F4914F6CDD1DULL + 1;
    emu->token_secret = km__epicor_rand(&emu->rng);
    return 0;
}

/* *out = 1 for the string a, 0 for b. */
static int choice(int *out, const cJSON *v, const char *a, const char *b,
                  char *err, size_t errsz)
{
    if (strcmp(v->valuestring, a) != 0 && strcmp(v->valuestring, b) != 0)
        return km__epicor_errf(err, errsz, "must be \"%s\" or \"%s\"", a, b);
    *out = strcmp(v->valuestring, a) == 0;
    return 0;
}

static int set_string_compare(void *state, const cJSON *v, char *err,
                              size_t errsz)
{
    return choice(&((struct km__epicor *)state)->ci, v, "ci", "cs", err, errsz);
}

static int set_default_order(void *state, const cJSON *v, char *err,
                             size_t errsz)
{
    return choice(&((struct km__epicor *)state)->order_by_key, v, "key",
                  "sysrevid", err, errsz);
}

static int set_pagesize0(void *state, const cJSON *v, char *err, size_t errsz)
{
    return choice(&((struct km__epicor *)state)->pagesize0_error, v, "error",
                  "all", err, errsz);
}

static int set_child_filter_quirk(void *state, const cJSON *v, char *err,
                                  size_t errsz)
{
    (void)err;
    (void)errsz;
    ((struct km__epicor *)state)->child_filter_quirk = cJSON_IsTrue(v);
    return 0;
}

/* The applier has checked the items' members; presence is checked here. */
static int set_users(void *state, const cJSON *v, char *err, size_t errsz)
{
    EMU(state);
    const cJSON *it;
    size_t i = 0;

    cJSON_ArrayForEach(it, v)
    {
        struct km__epicor_user *u;
        const char *company = kx_json_str(it, "company");

        if (!kx_json_str(it, "username") || !kx_json_str(it, "password"))
            return km__epicor_errf(err, errsz,
                                   "item %zu needs username and password", i);
        emu->users = kx_xrealloc(emu->users, (emu->nusers + 1) * sizeof(*u));
        u = &emu->users[emu->nusers++];
        u->username = kx_xstrdup(kx_json_str(it, "username"));
        u->password = kx_xstrdup(kx_json_str(it, "password"));
        u->company = kx_xstrdup(company); /* NULL stays NULL */
        i++;
    }
    return 0;
}

static int set_api_keys(void *state, const cJSON *v, char *err, size_t errsz)
{
    EMU(state);
    const cJSON *it;
    size_t i = 0;

    cJSON_ArrayForEach(it, v)
    {
        const cJSON *scope = cJSON_GetObjectItemCaseSensitive(it, "scope");
        struct km__epicor_key *k;

        if (!kx_json_str(it, "key"))
            return km__epicor_errf(err, errsz, "item %zu needs a key", i);
        emu->keys = kx_xrealloc(emu->keys, (emu->nkeys + 1) * sizeof(*k));
        k = &emu->keys[emu->nkeys++];
        memset(k, 0, sizeof(*k));
        k->key = kx_xstrdup(kx_json_str(it, "key"));
        k->scope = cJSON_IsArray(scope) ? cJSON_Duplicate(scope, 1) : NULL;
        i++;
    }
    return 0;
}

/* Each item of v must have the string members a and b (b may be NULL);
 * then *out becomes a copy of v. */
static int keep_list(cJSON **out, const cJSON *v, const char *a, const char *b,
                     char *err, size_t errsz)
{
    const cJSON *it;
    size_t i = 0;

    cJSON_ArrayForEach(it, v)
    {
        if (!kx_json_str(it, a) || (b && !kx_json_str(it, b)))
            return km__epicor_errf(err, errsz, "item %zu needs %s%s%s", i, a,
                                   b ? " and " : "", b ? b : "");
        i++;
    }
    cJSON_Delete(*out);
    *out = cJSON_Duplicate(v, 1);
    if (!*out)
        abort();
    return 0;
}

static int set_idp_clients(void *state, const cJSON *v, char *err, size_t errsz)
{
    return keep_list(&((struct km__epicor *)state)->idp_clients, v, "client_id",
                     "client_secret", err, errsz);
}

static int set_functions(void *state, const cJSON *v, char *err, size_t errsz)
{
    return keep_list(&((struct km__epicor *)state)->functions, v, "library",
                     "function", err, errsz);
}

static int set_baqs(void *state, const cJSON *v, char *err, size_t errsz)
{
    return keep_list(&((struct km__epicor *)state)->baqs, v, "id", NULL, err,
                     errsz);
}

static int set_counter(void *state, enum km__epicor_tid tid, const cJSON *v,
                       char *err, size_t errsz)
{
    return at_least(&((struct km__epicor *)state)->start_counter[tid], v, 1,
                    err, errsz);
}

static int set_start_order(void *state, const cJSON *v, char *err, size_t errsz)
{
    return set_counter(state, T_ORDERHED, v, err, errsz);
}

static int set_start_cust(void *state, const cJSON *v, char *err, size_t errsz)
{
    return set_counter(state, T_CUSTOMER, v, err, errsz);
}

static int set_start_vendor(void *state, const cJSON *v, char *err,
                            size_t errsz)
{
    return set_counter(state, T_VENDOR, v, err, errsz);
}

static int set_start_po(void *state, const cJSON *v, char *err, size_t errsz)
{
    return set_counter(state, T_POHEADER, v, err, errsz);
}

static int set_companies(void *state, const cJSON *v, char *err, size_t errsz)
{
    EMU(state);
    const cJSON *it;

    cJSON_ArrayForEach(it, v)
    {
        if (load_company(emu, it, err, errsz))
            return -1;
    }
    if (emu->ncompanies == 0) /* {} as good as the default */
        km__epicor_company_add(emu, "EPIC06");
    for (size_t i = 0; i < emu->ncompanies; i++) {
        for (int t = 0; t < T_COUNT; t++)
            km__epicor_table_sort(&emu->companies[i]->t[t]);
    }
    return 0;
}

static int set_generate(void *state, const cJSON *g, char *err, size_t errsz)
{
    EMU(state);
    double n = kx_json_num(g, "parts", -1);
    const char *company = kx_json_str(g, "company");
    struct km__epicor_company *co =
        company ? km__epicor_company_find(emu, company) : emu->companies[0];

    if (n < 0 || n > 5000000)
        return km__epicor_errf(err, errsz,
                               "needs \"parts\": a count from 0 to 5000000");
    if (!co)
        return km__epicor_errf(err, errsz, "company \"%s\" is not configured",
                               company);
    km__epicor_generate(emu, co, (uint32_t)n,
                        (uint64_t)kx_json_num(g, "seed", 1));
    return 0;
}
static int set_bpm(void *state, const cJSON *v, char *err, size_t errsz)
{
    EMU(state);
    const cJSON *d;
    int i = 0;

    cJSON_ArrayForEach(d, v)
    {
        char why[300];

        if (km__epicor_bpm_check(d, why, sizeof(why)))
            return km__epicor_errf(err, errsz, "/%d: %s", i, why);
        i++;
    }
    cJSON_Delete(emu->bpm);
    emu->bpm = cJSON_Duplicate(v, 1);
    return 0;
}

static int set_page_base(void *state, const cJSON *v, char *err, size_t errsz)
{
    (void)err;
    (void)errsz;
    ((struct km__epicor *)state)->absolute_page_base = v->valueint;
    return 0;
}

static int set_date_offset(void *state, const cJSON *v, char *err, size_t errsz)
{
    EMU(state);
    const char *s = v->valuestring;
    int ok = strcmp(s, "") == 0 || strcmp(s, "Z") == 0 ||
             (strlen(s) == 6 && (s[0] == '+' || s[0] == '-') && s[3] == ':');

    if (!ok)
        return km__epicor_errf(err, errsz,
                               "must be \"\", \"Z\" or \"+hh:mm\"/\"-hh:mm\"");
    snprintf(emu->v2_date_offset, sizeof(emu->v2_date_offset), "%s", s);
    return 0;
}

static const struct km_config_key bpm_members[] = {
    {KM_CONFIG_KEY("kind", KM_CONFIG_STRING, "\"method\"",
                   "\"method\" (a method directive) or \"data\" (an "
                   "in-transaction data directive).",
                   NULL),
     .schema = "{\"enum\": [\"method\", \"data\"]}"},
    {KM_CONFIG_KEY("service", KM_CONFIG_STRING, NULL,
                   "Method directive: the service (\"Erp.BO.SalesOrderSvc\").",
                   NULL)},
    {KM_CONFIG_KEY("method", KM_CONFIG_STRING, NULL,
                   "Method directive: the BO method (\"MasterUpdate\").",
                   NULL)},
    {KM_CONFIG_KEY("when", KM_CONFIG_STRING, "\"pre\"",
                   "Method directive: \"pre\" or \"post\" processing.", NULL),
     .schema = "{\"enum\": [\"pre\", \"post\"]}"},
    {KM_CONFIG_KEY("table", KM_CONFIG_STRING, NULL,
                   "The table whose rows the condition looks at (required).",
                   NULL)},
    {KM_CONFIG_KEY("condition", KM_CONFIG_STRING, NULL,
                   "An OData $filter over the row; absent: every row.", NULL)},
    {KM_CONFIG_KEY("action", KM_CONFIG_STRING, NULL,
                   "\"exception\" (the BPM exception, 400) or \"set_field\" "
                   "(required).",
                   NULL),
     .schema = "{\"enum\": [\"exception\", \"set_field\"]}"},
    {KM_CONFIG_KEY("message", KM_CONFIG_STRING, NULL,
                   "The exception's message.", NULL)},
    {KM_CONFIG_KEY("field", KM_CONFIG_STRING, NULL,
                   "set_field: the field to set.", NULL)},
    {KM_CONFIG_KEY("value", KM_CONFIG_ANY, NULL, "set_field: its new value.",
                   NULL)},
};

static const struct km_config_key user_members[] = {
    {KM_CONFIG_KEY("username", KM_CONFIG_STRING, NULL,
                   "The user name (required).", NULL)},
    {KM_CONFIG_KEY("password", KM_CONFIG_STRING, NULL,
                   "The password (required).", NULL)},
    {KM_CONFIG_KEY("company", KM_CONFIG_STRING, NULL,
                   "The user's default company for the v1 API.", NULL)},
};

static const struct km_config_key api_key_members[] = {
    {KM_CONFIG_KEY("key", KM_CONFIG_STRING, NULL,
                   "The X-API-Key value (required).", NULL)},
    {KM_CONFIG_KEY("scope", KM_CONFIG_ARRAY | KM_CONFIG_NULL, "null",
                   "null for everything, or the names the key may use: "
                   "services (\"Erp.BO.PartSvc\"), \"BaqSvc\" or "
                   "\"BaqSvc/ID\", \"efx\" or \"efx/LIB\".",
                   NULL)},
};

static const struct km_config_key idp_client_members[] = {
    {KM_CONFIG_KEY("client_id", KM_CONFIG_STRING, NULL,
                   "The OAuth client id (required).", NULL)},
    {KM_CONFIG_KEY("client_secret", KM_CONFIG_STRING, NULL,
                   "The OAuth client secret (required).", NULL)},
};

static const struct km_config_key function_members[] = {
    {KM_CONFIG_KEY("library", KM_CONFIG_STRING, NULL,
                   "The function library (required).", NULL)},
    {KM_CONFIG_KEY("function", KM_CONFIG_STRING, NULL,
                   "The function's name (required).", NULL)},
    {KM_CONFIG_KEY("published", KM_CONFIG_BOOLEAN, "true",
                   "false: the library is not published, calls get 404.",
                   NULL)},
    {KM_CONFIG_KEY("result", KM_CONFIG_ANY, NULL,
                   "The response body, or \"echo\" to return the request "
                   "body.",
                   NULL)},
    {KM_CONFIG_KEY("error", KM_CONFIG_OBJECT, NULL,
                   "{\"message\", \"status\"}: a BLException (400 unless "
                   "status says otherwise).",
                   NULL)},
    {KM_CONFIG_KEY("throw", KM_CONFIG_BOOLEAN, "false",
                   "true: an unexpected exception, 500.", NULL)},
    {KM_CONFIG_KEY("companies", KM_CONFIG_ARRAY, NULL,
                   "The companies the library is enabled for (default: "
                   "all).",
                   NULL)},
};

static const struct km_config_key baq_members[] = {
    {KM_CONFIG_KEY("id", KM_CONFIG_STRING, NULL, "The BAQ's id (required).",
                   NULL)},
    {KM_CONFIG_KEY("rows", KM_CONFIG_ARRAY, NULL,
                   "The rows it returns (not capped by page_cap).", NULL)},
    {KM_CONFIG_KEY("parameters", KM_CONFIG_ARRAY, NULL,
                   "[{\"name\", \"required\", \"column\": "
                   "\"Table_Field\"}]; a bare string is a required "
                   "parameter.",
                   NULL)},
    {KM_CONFIG_KEY("source", KM_CONFIG_STRING, NULL,
                   "Rows computed at each call instead of \"rows\": "
                   "\"active_operations\" (active labour joined with its "
                   "operation and job).",
                   NULL),
     .schema = "{\"enum\": [\"active_operations\"]}"},
};

static const struct km_config_key generate_members[] = {
    {KM_CONFIG_KEY("parts", KM_CONFIG_INTEGER, NULL,
                   "Number of parts GEN-000001..., each with one PartWhse "
                   "(MfgSys/MAIN) (required).",
                   NULL),
     .schema = "{\"minimum\": 0, \"maximum\": 5000000}"},
    {KM_CONFIG_KEY("seed", KM_CONFIG_INTEGER, "1",
                   "Seed of the generated data.", NULL),
     .schema = "{\"minimum\": 0}"},
    {KM_CONFIG_KEY("company", KM_CONFIG_STRING, NULL,
                   "The company to fill (default the first one).", NULL)},
};

static const struct km_config_key generate_jobs_members[] = {
    {KM_CONFIG_KEY("jobs", KM_CONFIG_INTEGER, NULL,
                   "Number of open, released jobs GJ-000001... (required).",
                   NULL),
     .schema = "{\"minimum\": 0, \"maximum\": 1000000}"},
    {KM_CONFIG_KEY("work_centres", KM_CONFIG_INTEGER, "500",
                   "Resource groups WC-0001... the operations run on.", NULL),
     .schema = "{\"minimum\": 1, \"maximum\": 100000}"},
    {KM_CONFIG_KEY("operations", KM_CONFIG_INTEGER, "3",
                   "Operations per job (OprSeq 10, 20, ...).", NULL),
     .schema = "{\"minimum\": 1, \"maximum\": 50}"},
    {KM_CONFIG_KEY("closed_jobs", KM_CONFIG_INTEGER, "0",
                   "Closed jobs GC-000001... added besides the open ones.",
                   NULL),
     .schema = "{\"minimum\": 0, \"maximum\": 1000000}"},
    {KM_CONFIG_KEY("plants", KM_CONFIG_ARRAY, "[\"MfgSys\"]",
                   "Plants the jobs and work centres are spread over.", NULL)},
    {KM_CONFIG_KEY("seed", KM_CONFIG_INTEGER, "1",
                   "Seed of the generated data.", NULL),
     .schema = "{\"minimum\": 0}"},
    {KM_CONFIG_KEY("company", KM_CONFIG_STRING, NULL,
                   "The company to fill (default the first one).", NULL)},
};

#define STATUS "{\"minimum\": 100, \"maximum\": 599}"

/* In the order they are applied: the seed before anything random, the
 * counters before the companies whose rows they number, the companies
 * before generate. */
const struct km_config_key km__epicor_config_keys[] = {
    {KM_CONFIG_KEY("instance", KM_CONFIG_STRING, "\"SaaS5333\"",
                   "The instance: the URL's first path segment "
                   "(case-insensitive).",
                   set_instance),
     .schema = "{\"pattern\": \"^[^/]+$\"}"},
    {KM_CONFIG_KEY("token_lifetime_s", KM_CONFIG_INTEGER, "3600",
                   "Lifetime of an issued bearer token in seconds.",
                   set_token_lifetime),
     .schema = "{\"minimum\": 1}"},
    {KM_CONFIG_KEY("page_cap", KM_CONFIG_INTEGER, "100",
                   "Default and maximum rows of an entity-set page (BAQs "
                   "are not capped).",
                   set_page_cap),
     .schema = "{\"minimum\": 1}"},
    {KM_CONFIG_KEY("license_seats", KM_CONFIG_INTEGER, "0",
                   "Concurrent sessions allowed (unexpired tokens plus "
                   "Basic users active within the token lifetime); 0 is "
                   "unlimited.",
                   set_license_seats),
     .schema = "{\"minimum\": 0}"},
    {KM_CONFIG_KEY("latency_ms", KM_CONFIG_INTEGER, "0",
                   "Virtual time each request takes (advances the clock).",
                   set_latency),
     .schema = "{\"minimum\": 0}"},
    {KM_CONFIG_KEY("api_key_missing_status", KM_CONFIG_INTEGER, "401",
                   "Status for a missing, unknown or revoked API key.",
                   set_key_missing),
     .schema = STATUS},
    {KM_CONFIG_KEY("api_key_scope_status", KM_CONFIG_INTEGER, "403",
                   "Status for an API key whose scope excludes the "
                   "resource.",
                   set_key_scope),
     .schema = STATUS},
    {KM_CONFIG_KEY("conflict_status", KM_CONFIG_INTEGER, "400",
                   "Status for an Update with a stale SysRevID (\"Row has "
                   "been modified by another user\").",
                   set_conflict),
     .schema = STATUS},
    {KM_CONFIG_KEY("seed", KM_CONFIG_INTEGER, "1",
                   "Seeds SysRowIDs, CorrelationIds and token secrets so "
                   "runs repeat.",
                   set_seed),
     .schema = "{\"minimum\": 0}"},
    {KM_CONFIG_KEY("string_compare", KM_CONFIG_STRING, "\"ci\"",
                   "\"ci\": $filter, keys and lookups ignore case, as SQL "
                   "Server's collation does; \"cs\": case-sensitive.",
                   set_string_compare),
     .schema = "{\"enum\": [\"ci\", \"cs\"]}"},
    {KM_CONFIG_KEY("default_order", KM_CONFIG_STRING, "\"key\"",
                   "Row order without $orderby: \"key\" (the primary key) "
                   "or \"sysrevid\".",
                   set_default_order),
     .schema = "{\"enum\": [\"key\", \"sysrevid\"]}"},
    {KM_CONFIG_KEY("getrows_pagesize0", KM_CONFIG_STRING, "\"error\"",
                   "GetRows/GetList with pageSize=0: \"error\" (400, as "
                   "seen live) or \"all\" (as the swagger says).",
                   set_pagesize0),
     .schema = "{\"enum\": [\"error\", \"all\"]}"},
    {KM_CONFIG_KEY("child_filter_quirk", KM_CONFIG_BOOLEAN, "false",
                   "true: $filter on a child set is bound to the parent "
                   "type, so child-only fields give 400.",
                   set_child_filter_quirk)},
    {KM_CONFIG_KEY("users", KM_CONFIG_ARRAY,
                   "[{\"username\": \"manager\", \"password\": "
                   "\"manager\"}]",
                   "Users that may sign in (Basic auth and the token "
                   "service).",
                   set_users),
     KM_CONFIG_MEMBERS(user_members)},
    {KM_CONFIG_KEY("api_keys", KM_CONFIG_ARRAY,
                   "[{\"key\": \"km-epicor-test-key\", \"scope\": null}]",
                   "Accepted API keys (X-API-Key, required by the v2 API).",
                   set_api_keys),
     KM_CONFIG_MEMBERS(api_key_members)},
    {KM_CONFIG_KEY("idp_clients", KM_CONFIG_ARRAY, "[]",
                   "OAuth clients of the identity provider's token "
                   "endpoint.",
                   set_idp_clients),
     KM_CONFIG_MEMBERS(idp_client_members)},
    {KM_CONFIG_KEY("functions", KM_CONFIG_ARRAY, "[]",
                   "Epicor Functions served under /api/v2/efx/.",
                   set_functions),
     KM_CONFIG_MEMBERS(function_members)},
    {KM_CONFIG_KEY("baqs", KM_CONFIG_ARRAY, "[]", "BAQs served by BaqSvc.",
                   set_baqs),
     KM_CONFIG_MEMBERS(baq_members)},
    {KM_CONFIG_KEY("start_order_num", KM_CONFIG_INTEGER, "5000",
                   "First OrderNum handed out (always above any fixture's).",
                   set_start_order),
     .schema = "{\"minimum\": 1}"},
    {KM_CONFIG_KEY("start_cust_num", KM_CONFIG_INTEGER, "100",
                   "First CustNum handed out (always above any fixture's).",
                   set_start_cust),
     .schema = "{\"minimum\": 1}"},
    {KM_CONFIG_KEY("start_vendor_num", KM_CONFIG_INTEGER, "1",
                   "First VendorNum handed out (always above any "
                   "fixture's).",
                   set_start_vendor),
     .schema = "{\"minimum\": 1}"},
    {KM_CONFIG_KEY("start_po_num", KM_CONFIG_INTEGER, "1",
                   "First PONum handed out (always above any fixture's).",
                   set_start_po),
     .schema = "{\"minimum\": 1}"},
    {KM_CONFIG_KEY("companies", KM_CONFIG_OBJECT, "{\"EPIC06\": {}}",
                   "Company id to its tables by fixture key (parts, "
                   "customers, orders, ...; see the README); rows may nest "
                   "their children by entity-set name.",
                   set_companies)},
    {KM_CONFIG_KEY("bpm", KM_CONFIG_ARRAY, "[]",
                   "BPM directives: method directives (pre/post on a BO "
                   "method) and in-transaction data directives, each a "
                   "condition and an action (exception or set_field).",
                   set_bpm),
     KM_CONFIG_MEMBERS(bpm_members)},
    {KM_CONFIG_KEY("absolute_page_base", KM_CONFIG_INTEGER, "0",
                   "GetList/GetRows absolutePage of the first page: 0, as "
                   "production clients count (TAIT), or 1.",
                   set_page_base),
     .schema = "{\"enum\": [0, 1]}"},
    {KM_CONFIG_KEY("v2_date_offset", KM_CONFIG_STRING, "\"Z\"",
                   "Offset written after v2 date-times, so they read as the "
                   "Edm.DateTimeOffset $metadata declares; \"\" writes them "
                   "bare and declares Edm.DateTime.",
                   set_date_offset)},
    {KM_CONFIG_KEY("generate", KM_CONFIG_OBJECT, NULL,
                   "Seeded generated parts GEN-000001..., kept virtual "
                   "until written.",
                   set_generate),
     KM_CONFIG_MEMBERS(generate_members)},
    {KM_CONFIG_KEY("generate_jobs", KM_CONFIG_OBJECT, NULL,
                   "Seeded generated open jobs with operations across work "
                   "centres (README.md, \"Generated jobs\").",
                   km__epicor_set_generate_jobs),
     KM_CONFIG_MEMBERS(generate_jobs_members)},
    {KM_CONFIG_KEY("ud_fields", KM_CONFIG_OBJECT, "{}",
                   "UD columns per table: {\"JobOper\": {\"Name_c\": "
                   "default}}; rows carry them, Update and $filter take "
                   "them.",
                   km__epicor_set_ud_fields)},
    {KM_CONFIG_KEY("permissions", KM_CONFIG_ARRAY, "[]",
                   "Users or API keys limited to named services and "
                   "methods: [{\"user\"|\"api_key\", \"services\": "
                   "{service: \"*\" | [methods]}}].",
                   km__epicor_set_permissions)},
    {KM_CONFIG_KEY("permission_denied_status", KM_CONFIG_INTEGER, "403",
                   "Status of a call its permissions deny "
                   "(UnauthorizedAccessException).",
                   km__epicor_set_denied_status),
     .schema = STATUS},
    {KM_CONFIG_KEY("part_tran_writes", KM_CONFIG_BOOLEAN, "false",
                   "true: PartTranSvc takes Update/UpdateExt/DeleteByID "
                   "and OData writes; false: 400.",
                   km__epicor_set_part_tran_writes)},
    {KM_CONFIG_KEY("event_functions", KM_CONFIG_ARRAY, "[]",
                   "Functions called on job transitions: [{\"event\", "
                   "\"url\", \"timeout_ms\", \"headers\", \"name\", "
                   "\"companies\", \"plants\", \"fault\"}] (README.md, "
                   "\"Event functions\"); fault {\"event\", \"times\" "
                   "(1), \"kind\": \"cut\"}: the call sends its headers "
                   "and half its body, then drops the connection (no reply, "
                   "attempted once).",
                   km__epicor_set_event_functions)},
};
_Static_assert(sizeof(km__epicor_config_keys) /
                       sizeof(km__epicor_config_keys[0]) ==
                   KM__EPICOR_NCONFIG,
               "KM__EPICOR_NCONFIG is the length of the table");

int km__epicor_config(struct km__epicor *emu, const cJSON *cfg, char *err,
                      size_t errsz)
{
    return km_config_apply(emu, &km_epicor_type, cfg, "", err, errsz);
}

void km__epicor_state_free(void *state)
{
    struct km__epicor *emu = state;

    if (!emu)
        return;
    for (size_t i = 0; i < emu->ncompanies; i++) {
        for (int t = 0; t < T_COUNT; t++)
            km__epicor_table_dispose(&emu->companies[i]->t[t]);
        free(emu->companies[i]->id);
        free(emu->companies[i]);
    }
    free(emu->companies);
    for (size_t i = 0; i < emu->nusers; i++) {
        free(emu->users[i].username);
        free(emu->users[i].password);
        free(emu->users[i].company);
    }
    free(emu->users);
    for (size_t i = 0; i < emu->nkeys; i++) {
        free(emu->keys[i].key);
        cJSON_Delete(emu->keys[i].scope);
    }
    free(emu->keys);
    km__epicor_token_text_free(emu); /* the tokens' strings */
    free(emu->tokens);
    free(emu->token_slots);
    for (size_t i = 0; i < emu->nsessions; i++)
        free(emu->sessions[i].user);
    free(emu->sessions);
    cJSON_Delete(emu->idp_clients);
    cJSON_Delete(emu->functions);
    cJSON_Delete(emu->baqs);
    cJSON_Delete(emu->efx_calls);
    cJSON_Delete(emu->session_mods);
    cJSON_Delete(emu->bpm);
    cJSON_Delete(emu->bpm_fired);
    km__epicor_jobs_free(emu);
    free(emu->instance);
    free(emu);
}
