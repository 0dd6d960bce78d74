/*
 * Configuration: the scenario's given.epicor object (fixtures already
 * inlined) into emulator state. Unknown keys are rejected by name, at
 * every level that has a fixed set of keys.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "epicor_emu.h"

static int cfg_fail(char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int cfg_fail(char *err, size_t errsz, const char *fmt, ...)
{
    va_list ap;
    int n;

    n = snprintf(err, errsz, "epicor: ");
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < errsz)
        vsnprintf(err + n, errsz - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");

    if (!d)
        abort();
    return d;
}

static const char *const top_keys[] = {"instance",
                                       "companies",
                                       "users",
                                       "api_keys",
                                       "idp_clients",
                                       "token_lifetime_s",
                                       "page_cap",
                                       "license_seats",
                                       "latency_ms",
                                       "api_key_missing_status",
                                       "api_key_scope_status",
                                       "functions",
                                       "baqs",
                                       "start_order_num",
                                       "start_cust_num",
                                       "start_vendor_num",
                                       "start_po_num",
                                       "generate",
                                       "seed",
                                       "conflict_status",
                                       "default_order",
                                       "string_compare",
                                       "getrows_pagesize0",
                                       "child_filter_quirk",
                                       "faults",
                                       NULL};

static int check_keys(const cJSON *obj, const char *const *allowed,
                      const char *where, char *err, size_t errsz)
{
    const cJSON *it;

    if (!cJSON_IsObject(obj))
        return cfg_fail(err, errsz, "%s must be an object", where);
    cJSON_ArrayForEach(it, obj)
    {
        size_t i = 0;

        while (allowed[i] && strcmp(allowed[i], it->string) != 0)
            i++;
        if (!allowed[i])
            return cfg_fail(err, errsz, "unknown key '%s' in %s", it->string,
                            where);
    }
    return 0;
}

static int get_int(int64_t *out, const cJSON *cfg, const char *name,
                   int64_t def, int64_t min, char *err, size_t errsz)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, name);

    *out = def;
    if (!v)
        return 0;
    if (!cJSON_IsNumber(v) || v->valuedouble < (double)min)
        return cfg_fail(err, errsz, "'%s' must be a number >= %lld", name,
                        (long long)min);
    *out = (int64_t)v->valuedouble;
    return 0;
}

static int get_choice(int *out, const cJSON *cfg, const char *name,
                      const char *a, const char *b, char *err, size_t errsz)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, name);

    if (!v)
        return 0; /* *out keeps its default */
    if (cJSON_IsString(v) && strcmp(v->valuestring, a) == 0)
        *out = 1;
    else if (cJSON_IsString(v) && strcmp(v->valuestring, b) == 0)
        *out = 0;
    else
        return cfg_fail(err, errsz, "'%s' must be \"%s\" or \"%s\"", name, a,
                        b);
    return 0;
}

struct km__epicor_company *km__epicor_company_find(struct km__epicor *emu,
                                                   const char *id)
{
    for (size_t i = 0; i < emu->ncompanies; i++) {
        if (strcasecmp(emu->companies[i]->id, id) == 0)
            return emu->companies[i];
    }
    return NULL;
}

struct km__epicor_company *km__epicor_company_add(struct km__epicor *emu,
                                                  const char *id)
{
    struct km__epicor_company *co = calloc(1, sizeof(*co));

    if (!co)
        abort();
    co->id = xstrdup(id);
    for (int i = 0; i < T_COUNT; i++) {
        km__epicor_table_init(&co->t[i], &km__epicor_defs[i], co);
        co->counters[i] = emu->start_counter[i] > 0 ? emu->start_counter[i] : 1;
    }
    emu->companies =
        realloc(emu->companies, (emu->ncompanies + 1) * sizeof(co));
    if (!emu->companies)
        abort();
    emu->companies[emu->ncompanies++] = co;
    return co;
}

/* Fills the counter or line key of a row being added when it is 0 or
 * missing; keeps counters above every number seen. */
static void number_row(struct km__epicor *emu, struct km__epicor_table *t,
                       cJSON *row)
{
    const struct km__epicor_tabledef *d = t->def;
    const char *last = d->keys[km__epicor_nkeys(d) - 1];
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, last);
    int64_t *ctr = &t->co->counters[d->id];
    char guid[37];

    if (d->autonum == AUTO_COUNTER) {
        if (cJSON_IsNumber(v) && v->valuedouble > 0) {
            if ((int64_t)v->valuedouble >= *ctr)
                *ctr = (int64_t)v->valuedouble + 1;
        } else {
            km__epicor_set_num(row, last, (double)(*ctr)++);
        }
    } else if (d->autonum == AUTO_LINE) {
        if (!cJSON_IsNumber(v) || v->valuedouble <= 0)
            km__epicor_set_num(row, last,
                               (double)km__epicor_next_line(t, row, emu->ci));
    } else if (d->autonum == AUTO_GUID) {
        if (!cJSON_IsString(v) || !v->valuestring[0]) {
            km__epicor_guid(emu, guid);
            km__epicor_set_str(row, last, guid);
        }
    }
}

void km__epicor_fill_defaults(const struct km__epicor_table *t, cJSON *row)
{
    const cJSON *f;

    cJSON_ArrayForEach(f, t->tmpl)
    {
        if (!cJSON_HasObjectItem(row, f->string))
            cJSON_AddItemToObject(row, f->string, cJSON_Duplicate(f, 1));
    }
}

int km__epicor_load_rows(struct km__epicor *emu, struct km__epicor_company *co,
                         enum km__epicor_tid tid, const cJSON *rows,
                         const cJSON *parent, char *err, size_t errsz)
{
    struct km__epicor_table *t = &co->t[tid];
    const struct km__epicor_tabledef *d = t->def;
    const cJSON *src;
    int idx = 0;

    if (!cJSON_IsArray(rows))
        return cfg_fail(err, errsz, "companies.%s.%s must be an array", co->id,
                        d->fixture);
    cJSON_ArrayForEach(src, rows)
    {
        cJSON *row, *kids = cJSON_CreateObject(), *rev;
        struct km__epicor_row *r;
        char *key;
        int rc = 0;

        if (!cJSON_IsObject(src)) {
            cJSON_Delete(kids);
            return cfg_fail(err, errsz, "companies.%s.%s[%d] must be an object",
                            co->id, d->fixture, idx);
        }
        row = cJSON_Duplicate(src, 1);
        /* Nested children ("OrderDtls": [...]) load after the row. */
        for (int c = 0; c < T_COUNT; c++) {
            if (km__epicor_defs[c].parent == (int)tid &&
                cJSON_HasObjectItem(row, km__epicor_defs[c].set))
                cJSON_AddItemToObject(kids, km__epicor_defs[c].set,
                                      cJSON_DetachItemFromObjectCaseSensitive(
                                          row, km__epicor_defs[c].set));
        }
        if (parent) {
            const struct km__epicor_tabledef *pd = &km__epicor_defs[d->parent];

            for (size_t k = 1; pd->keys[k]; k++)
                km__epicor_put(row, d->keys[k],
                               cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(
                                                   parent, pd->keys[k]),
                                               1));
        }
        km__epicor_inconv(row);
        km__epicor_fill_defaults(t, row);
        number_row(emu, t, row);
        key = km__epicor_key_of_row(t, row, emu->ci);
        if (!key || km__epicor_find(t, key)) {
            rc =
                cfg_fail(err, errsz, "companies.%s.%s[%d]: %s key (%s)", co->id,
                         d->fixture, idx, key ? "duplicate" : "incomplete",
                         d->keys[km__epicor_nkeys(d) - 1]);
            free(key);
            cJSON_Delete(row);
            cJSON_Delete(kids);
            return rc;
        }
        free(key);
        rev = cJSON_GetObjectItemCaseSensitive(row, "SysRevID");
        if (cJSON_IsNumber(rev) && rev->valuedouble > (double)co->revid)
            co->revid = (int64_t)rev->valuedouble - 1;
        {
            const char *stamp = d->stamp == STAMP_CHANGEDON ? "ChangedOn"
                                : d->stamp == STAMP_LASTCHANGED
                                    ? "LastChangedOn"
                                : d->stamp == STAMP_NONE ? NULL
                                                         : "ChangeDate";
            if (stamp && !km__epicor_str(row, stamp))
                km__epicor_stamp_row(emu, d, row);
        }
        r = km__epicor_insert(emu, t, row);
        for (int c = 0; c < T_COUNT && rc == 0; c++) {
            const cJSON *k =
                cJSON_GetObjectItemCaseSensitive(kids, km__epicor_defs[c].set);

            if (k)
                rc = km__epicor_load_rows(emu, co, (enum km__epicor_tid)c, k,
                                          r->json, err, errsz);
        }
        cJSON_Delete(kids);
        if (rc)
            return rc;
        idx++;
    }
    return 0;
}

static int load_company(struct km__epicor *emu, const cJSON *cfg, char *err,
                        size_t errsz)
{
    struct km__epicor_company *co = km__epicor_company_add(emu, cfg->string);
    const cJSON *it;

    if (!cJSON_IsObject(cfg))
        return cfg_fail(err, errsz, "companies.%s must be an object",
                        cfg->string);
    cJSON_ArrayForEach(it, cfg)
    {
        int tid = -1;

        for (int i = 0; i < T_COUNT; i++) {
            if (strcmp(km__epicor_defs[i].fixture, it->string) == 0)
                tid = i;
        }
        if (tid < 0)
            return cfg_fail(err, errsz, "unknown key '%s' in companies.%s",
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

static int load_auth(struct km__epicor *emu, const cJSON *cfg, char *err,
                     size_t errsz)
{
    static const char *const ukeys[] = {"username", "password", "company",
                                        NULL};
    static const char *const kkeys[] = {"key", "scope", NULL};
    const cJSON *users = cJSON_GetObjectItemCaseSensitive(cfg, "users");
    const cJSON *keys = cJSON_GetObjectItemCaseSensitive(cfg, "api_keys");
    const cJSON *idp = cJSON_GetObjectItemCaseSensitive(cfg, "idp_clients");
    const cJSON *it;

    if ((users && !cJSON_IsArray(users)) || (keys && !cJSON_IsArray(keys)) ||
        (idp && !cJSON_IsArray(idp)))
        return cfg_fail(err, errsz,
                        "users, api_keys and idp_clients must be arrays");
    if (!users) {
        emu->users = calloc(1, sizeof(*emu->users));
        emu->users[0].username = xstrdup("manager");
        emu->users[0].password = xstrdup("manager");
        emu->nusers = 1;
    }
    cJSON_ArrayForEach(it, users)
    {
        struct km__epicor_user *u;

        if (check_keys(it, ukeys, "users[]", err, errsz))
            return -1;
        if (!km__epicor_str(it, "username") || !km__epicor_str(it, "password"))
            return cfg_fail(err, errsz,
                            "users[] needs username and password strings");
        emu->users = realloc(emu->users, (emu->nusers + 1) * sizeof(*u));
        if (!emu->users)
            abort();
        u = &emu->users[emu->nusers++];
        u->username = xstrdup(km__epicor_str(it, "username"));
        u->password = xstrdup(km__epicor_str(it, "password"));
        u->company = km__epicor_str(it, "company")
                         ? xstrdup(km__epicor_str(it, "company"))
                         : NULL;
    }
    if (!keys) {
        emu->keys = calloc(1, sizeof(*emu->keys));
        emu->keys[0].key = xstrdup("km-epicor-test-key");
        emu->nkeys = 1;
    }
    cJSON_ArrayForEach(it, keys)
    {
        const cJSON *scope = cJSON_GetObjectItemCaseSensitive(it, "scope");
        struct km__epicor_key *k;

        if (check_keys(it, kkeys, "api_keys[]", err, errsz))
            return -1;
        if (!km__epicor_str(it, "key"))
            return cfg_fail(err, errsz, "api_keys[] needs a key string");
        if (scope && !cJSON_IsNull(scope) && !cJSON_IsArray(scope))
            return cfg_fail(err, errsz,
                            "api_keys[].scope must be null or "
                            "an array of names");
        emu->keys = realloc(emu->keys, (emu->nkeys + 1) * sizeof(*k));
        if (!emu->keys)
            abort();
        k = &emu->keys[emu->nkeys++];
        memset(k, 0, sizeof(*k));
        k->key = xstrdup(km__epicor_str(it, "key"));
        k->scope = cJSON_IsArray(scope) ? cJSON_Duplicate(scope, 1) : NULL;
    }
    cJSON_ArrayForEach(it, idp)
    {
        if (!km__epicor_str(it, "client_id") ||
            !km__epicor_str(it, "client_secret"))
            return cfg_fail(err, errsz,
                            "idp_clients[] needs client_id and "
                            "client_secret");
    }
    emu->idp_clients = idp ? cJSON_Duplicate(idp, 1) : cJSON_CreateArray();
    return 0;
}

static int load_ext(struct km__epicor *emu, const cJSON *cfg, char *err,
                    size_t errsz)
{
    static const char *const fkeys[] = {"library",   "function", "published",
                                        "result",    "error",    "throw",
                                        "companies", NULL};
    static const char *const bkeys[] = {"id", "rows", "parameters", NULL};
    const cJSON *fns = cJSON_GetObjectItemCaseSensitive(cfg, "functions");
    const cJSON *baqs = cJSON_GetObjectItemCaseSensitive(cfg, "baqs");
    const cJSON *it;

    if ((fns && !cJSON_IsArray(fns)) || (baqs && !cJSON_IsArray(baqs)))
        return cfg_fail(err, errsz, "functions and baqs must be arrays");
    cJSON_ArrayForEach(it, fns)
    {
        if (check_keys(it, fkeys, "functions[]", err, errsz))
            return -1;
        if (!km__epicor_str(it, "library") || !km__epicor_str(it, "function"))
            return cfg_fail(err, errsz,
                            "functions[] needs library and function");
    }
    cJSON_ArrayForEach(it, baqs)
    {
        if (check_keys(it, bkeys, "baqs[]", err, errsz))
            return -1;
        if (!km__epicor_str(it, "id"))
            return cfg_fail(err, errsz, "baqs[] needs an id");
    }
    emu->functions = fns ? cJSON_Duplicate(fns, 1) : cJSON_CreateArray();
    emu->baqs = baqs ? cJSON_Duplicate(baqs, 1) : cJSON_CreateArray();
    return 0;
}

static int load_generate(struct km__epicor *emu, const cJSON *cfg, char *err,
                         size_t errsz)
{
    static const char *const gkeys[] = {"parts", "seed", "company", NULL};
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(cfg, "generate");
    struct km__epicor_company *co;
    int64_t n, seed;

    if (!g)
        return 0;
    if (check_keys(g, gkeys, "generate", err, errsz) ||
        get_int(&n, g, "parts", 0, 0, err, errsz) ||
        get_int(&seed, g, "seed", 1, 0, err, errsz))
        return -1;
    if (n > 5000000)
        return cfg_fail(err, errsz, "generate.parts is capped at 5000000");
    co = km__epicor_str(g, "company")
             ? km__epicor_company_find(emu, km__epicor_str(g, "company"))
             : emu->companies[0];
    if (!co)
        return cfg_fail(err, errsz, "generate.company is not a company");
    km__epicor_generate(emu, co, (uint32_t)n, (uint64_t)seed);
    return 0;
}

int km__epicor_config(struct km__epicor *emu, const cJSON *cfg, char *err,
                      size_t errsz)
{
    const cJSON *companies, *it;
    int64_t v, seed;

    if (cfg && check_keys(cfg, top_keys, "given.epicor", err, errsz))
        return -1;
    emu->instance = xstrdup(km__epicor_str(cfg, "instance")
                                ? km__epicor_str(cfg, "instance")
                                : "SaaS5333");
    if (get_int(&emu->token_lifetime_s, cfg, "token_lifetime_s", 3600, 1, err,
                errsz) ||
        get_int(&v, cfg, "page_cap", 100, 1, err, errsz))
        return -1;
    emu->page_cap = (int)v;
    if (get_int(&v, cfg, "license_seats", 0, 0, err, errsz))
        return -1;
    emu->license_seats = (int)v;
    if (get_int(&emu->latency_ms, cfg, "latency_ms", 0, 0, err, errsz) ||
        get_int(&v, cfg, "api_key_missing_status", 401, 100, err, errsz))
        return -1;
    emu->api_key_missing_status = (int)v;
    if (get_int(&v, cfg, "api_key_scope_status", 403, 100, err, errsz))
        return -1;
    emu->api_key_scope_status = (int)v;
    if (get_int(&v, cfg, "conflict_status", 400, 100, err, errsz))
        return -1;
    emu->conflict_status = (int)v;
    if (get_int(&seed, cfg, "seed", 1, 0, err, errsz))
        return -1;
    emu->rng = (uint64_t)seed * 0x2545F4914F6CDD1DULL + 1;
    emu->token_secret = km__epicor_rand(&emu->rng);
    emu->ci = 1;
    emu->order_by_key = 1;
    emu->pagesize0_error = 1;
    if (get_choice(&emu->ci, cfg, "string_compare", "ci", "cs", err, errsz) ||
        get_choice(&emu->order_by_key, cfg, "default_order", "key", "sysrevid",
                   err, errsz) ||
        get_choice(&emu->pagesize0_error, cfg, "getrows_pagesize0", "error",
                   "all", err, errsz))
        return -1;
    it = cJSON_GetObjectItemCaseSensitive(cfg, "child_filter_quirk");
    if (it && !cJSON_IsBool(it))
        return cfg_fail(err, errsz, "'child_filter_quirk' must be a boolean");
    emu->child_filter_quirk = cJSON_IsTrue(it);
    if (load_auth(emu, cfg, err, errsz) || load_ext(emu, cfg, err, errsz) ||
        get_int(&emu->start_counter[T_ORDERHED], cfg, "start_order_num", 5000,
                1, err, errsz) ||
        get_int(&emu->start_counter[T_CUSTOMER], cfg, "start_cust_num", 100, 1,
                err, errsz) ||
        get_int(&emu->start_counter[T_VENDOR], cfg, "start_vendor_num", 1, 1,
                err, errsz) ||
        get_int(&emu->start_counter[T_POHEADER], cfg, "start_po_num", 1, 1, err,
                errsz))
        return -1;
    companies = cJSON_GetObjectItemCaseSensitive(cfg, "companies");
    if (companies && !cJSON_IsObject(companies))
        return cfg_fail(err, errsz, "'companies' must be an object");
    cJSON_ArrayForEach(it, companies)
    {
        if (load_company(emu, it, err, errsz))
            return -1;
    }
    if (emu->ncompanies == 0)
        km__epicor_company_add(emu, "EPIC06");
    for (size_t i = 0; i < emu->ncompanies; i++) {
        for (int t = 0; t < T_COUNT; t++)
            km__epicor_table_sort(&emu->companies[i]->t[t]);
    }
    return load_generate(emu, cfg, err, errsz);
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
    for (size_t i = 0; i < emu->ntokens; i++) {
        free(emu->tokens[i].token);
        free(emu->tokens[i].user);
    }
    free(emu->tokens);
    for (size_t i = 0; i < emu->nsessions; i++)
        free(emu->sessions[i].user);
    free(emu->sessions);
    cJSON_Delete(emu->idp_clients);
    cJSON_Delete(emu->functions);
    cJSON_Delete(emu->baqs);
    cJSON_Delete(emu->efx_calls);
    free(emu->instance);
    free(emu);
}
