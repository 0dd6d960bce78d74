/*
 * Jobs moving through the shop floor: what was last seen of each job and
 * operation, the transitions a write makes (README.md, "Shop floor"),
 * assembly 0 of a new job, UD columns, and the shop floor's part of the
 * snapshot.
 *
 * An operation is "in process" or "in setup" only because active labour
 * says so: Epicor keeps no such flag on JobOper; LaborDtl.ActiveTrans
 * marks a transaction an operator is clocked into, and its LaborType
 * (P production, S setup) says which (SW's field descriptions, [C]).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include "shopfloor.h"

struct km__epicor_jobs *km__epicor_jobs_of(struct km__epicor *emu)
{
    struct km__epicor_jobs *j = emu->jobs;

    if (j)
        return j;
    j = kx_xcalloc(1, sizeof(*j));
    j->ud = cJSON_CreateObject();
    j->functions = cJSON_CreateArray();
    j->events = cJSON_CreateArray();
    j->permissions = cJSON_CreateArray();
    j->denied = cJSON_CreateArray();
    j->denied_status = 403;
    emu->jobs = j;
    return j;
}

void km__epicor_jobs_free(struct km__epicor *emu)
{
    struct km__epicor_jobs *j = emu->jobs;

    if (!j)
        return;
    cJSON_Delete(j->ud);
    cJSON_Delete(j->functions);
    cJSON_Delete(j->events);
    cJSON_Delete(j->permissions);
    cJSON_Delete(j->denied);
    km__epicor_gen_jobs_free(j->gen);
    for (size_t i = 0; i < j->cap; i++)
        free(j->seen[i].key);
    free(j->seen);
    free(j);
    emu->jobs = NULL;
}

/* ---- what was seen: open addressing over FNV-1a --------------------- */

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static struct km__epicor_seen *slot(struct km__epicor_jobs *j, const char *key)
{
    size_t i = (size_t)fnv1a(key) & (j->cap - 1);

    while (j->seen[i].key && strcmp(j->seen[i].key, key) != 0)
        i = (i + 1) & (j->cap - 1);
    return &j->seen[i];
}

static void grow(struct km__epicor_jobs *j)
{
    struct km__epicor_seen *old = j->seen;
    size_t n = j->cap;

    j->cap = n ? n * 2 : 1024;
    j->seen = kx_xcalloc(j->cap, sizeof(*j->seen));
    for (size_t i = 0; i < n; i++) {
        if (old[i].key)
            *slot(j, old[i].key) = old[i];
    }
    free(old);
}

/* The entry of key, added (all zero) when missing; *fresh says which. */
static struct km__epicor_seen *seen_get(struct km__epicor_jobs *j,
                                        const char *key, int *fresh)
{
    struct km__epicor_seen *s;

    if ((j->nseen + 1) * 2 > j->cap)
        grow(j);
    s = slot(j, key);
    *fresh = s->key == NULL;
    if (*fresh) {
        s->key = kx_xstrdup(key);
        j->nseen++;
    }
    return s;
}

/* company \x01 job [\x01 assembly \x01 operation], upper-cased when
 * strings compare without case (job numbers then match as keys do). */
static char *seen_key(const struct km__epicor *emu, const char *co,
                      const char *job, int assembly, int opr)
{
    char *k = assembly < 0 ? kx_xasprintf("%s\x01%s", co, job)
                           : kx_xasprintf("%s\x01%s\x01%d\x01%d", co, job,
                                          assembly, opr);

    for (char *p = k; emu->ci && *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    return k;
}

/* ---- the state now --------------------------------------------------- */

struct km__epicor_row *km__epicor_job_row(struct km__epicor *emu,
                                          struct km__epicor_company *co,
                                          int tid, const char *job_num,
                                          int assembly, int opr)
{
    cJSON *vals = cJSON_CreateArray();
    struct km__epicor_row *r;

    cJSON_AddItemToArray(vals, cJSON_CreateString(job_num));
    if (tid != T_JOBHEAD)
        cJSON_AddItemToArray(vals, cJSON_CreateNumber(assembly));
    if (tid == T_JOBOPER)
        cJSON_AddItemToArray(vals, cJSON_CreateNumber(opr));
    r = km__epicor_act_find(emu, co, tid, vals);
    cJSON_Delete(vals);
    return r;
}

/* Labour on one operation: how many transactions are active, whether
 * there ever was any, and the latest transaction (active first). */
struct op_labor {
    int assembly, opr, active, ever;
    int64_t best_rev;
    int best_active;
    const cJSON *latest;
};

/* The LaborDtl rows of job, summed per operation into ops (n_ops
 * entries, assembly/opr preset). */
static void labor_of(struct km__epicor *emu, struct km__epicor_company *co,
                     const char *job, struct op_labor *ops, size_t n_ops)
{
    struct km__epicor_table *t = &co->t[T_LABORDTL];

    for (size_t i = 0; i < t->n; i++) {
        struct km__epicor_row *r = t->by_key[i];
        const cJSON *j = km__epicor_own(t, r);
        const char *jn = kx_json_str_or(j, "JobNum", "");
        int asmb = (int)kx_json_numeric(j, "AssemblySeq", 0);
        int opr = (int)kx_json_numeric(j, "OprSeq", 0);
        int active = kx_json_bool(j, "ActiveTrans", 0) == 1;

        if (emu->ci ? strcasecmp(jn, job) != 0 : strcmp(jn, job) != 0)
            continue;
        for (size_t k = 0; k < n_ops; k++) {
            struct op_labor *o = &ops[k];

            if (o->assembly != asmb || o->opr != opr)
                continue;
            o->ever = 1;
            o->active += active;
            if (!o->latest || active > o->best_active ||
                (active == o->best_active && r->revid > o->best_rev)) {
                o->latest = j;
                o->best_rev = r->revid;
                o->best_active = active;
            }
        }
    }
}

/* Labour was reported on op before (its actual start is set). */
static int started_before(const cJSON *op)
{
    const char *d = kx_json_str(op, "ActualStartDate");

    return d && *d;
}

/* ---- transitions ----------------------------------------------------- */

/* The operation event of old → now, or NULL. */
static const char *op_event(const struct km__epicor_seen *old, int fresh,
                            int complete, int active)
{
    if (complete && !old->complete)
        return fresh ? NULL : "operation.completed";
    if (complete)
        return NULL;
    if (active > 0 && old->active == 0)
        return old->ever ? "operation.resumed" : "operation.started";
    if (active == 0 && old->active > 0)
        return "operation.paused";
    return NULL;
}

static void check_ops(struct km__epicor *emu, struct km__epicor_company *co,
                      const cJSON *job, const char *job_num, int fire,
                      const struct km__epicor_cause *cause)
{
    struct km__epicor_jobs *sf = km__epicor_jobs_of(emu);
    char *pkey = km__epicor_key_of_row(&co->t[T_JOBHEAD], job, emu->ci);
    cJSON *ops = cJSON_CreateArray(), *op;
    struct op_labor *lab;
    size_t n = 0, k = 0;

    if (pkey)
        km__epicor_children(ops, &co->t[T_JOBOPER], pkey);
    free(pkey);
    n = (size_t)cJSON_GetArraySize(ops);
    lab = kx_xcalloc(n ? n : 1, sizeof(*lab));
    cJSON_ArrayForEach(op, ops)
    {
        lab[k].assembly = (int)kx_json_numeric(op, "AssemblySeq", 0);
        lab[k++].opr = (int)kx_json_numeric(op, "OprSeq", 0);
    }
    labor_of(emu, co, job_num, lab, n);
    k = 0;
    cJSON_ArrayForEach(op, ops)
    {
        struct op_labor *l = &lab[k++];
        char *key = seen_key(emu, co->id, job_num, l->assembly, l->opr);
        int fresh, complete = kx_json_bool(op, "OpComplete", 0) == 1;
        struct km__epicor_seen *s = seen_get(sf, key, &fresh);
        struct km__epicor_row *row = km__epicor_job_row(
            emu, co, T_JOBOPER, job_num, l->assembly, l->opr);
        int gen_closed;
        const char *ev;

        if (fresh && row &&
            km__epicor_gen_job_closed(&co->t[T_JOBOPER], row, &gen_closed)) {
            fresh = 0; /* as generated: no labour, complete when closed */
            s->complete = gen_closed;
        }
        ev = op_event(s, fresh, complete, l->active);
        struct km__epicor_cause who = {"", ""};

        if (l->latest) {
            who.employee = kx_json_str_or(l->latest, "EmployeeNum", "");
            who.labor_type = kx_json_str_or(l->latest, "LaborType", "");
        }
        if (cause && cause->employee && *cause->employee)
            who = *cause;
        s->complete = complete;
        s->active = l->active;
        s->ever = s->ever || l->ever || started_before(op);
        free(key);
        if (ev && fire)
            km__epicor_event_fire(emu, co, ev, job, op, &who);
    }
    free(lab);
    cJSON_Delete(ops);
}

void km__epicor_job_check(struct km__epicor *emu, struct km__epicor_company *co,
                          const char *job_num,
                          const struct km__epicor_cause *cause)
{
    struct km__epicor_jobs *sf = km__epicor_jobs_of(emu);
    struct km__epicor_row *r =
        km__epicor_job_row(emu, co, T_JOBHEAD, job_num, 0, 0);
    char *key;
    struct km__epicor_seen *s;
    int fresh, released, closed, gen_closed;
    cJSON *job;

    if (!r)
        return;
    job = cJSON_Duplicate(km__epicor_own(&co->t[T_JOBHEAD], r), 1);
    released = kx_json_bool(job, "JobReleased", 0) == 1;
    closed = kx_json_bool(job, "JobClosed", 0) == 1;
    key = seen_key(emu, co->id, job_num, -1, 0);
    s = seen_get(sf, key, &fresh);
    free(key);
    if (fresh && km__epicor_gen_job_closed(&co->t[T_JOBHEAD], r, &gen_closed)) {
        /* first look at a generated job: it was as generated */
        fresh = 0;
        s->released = 1;
        s->closed = gen_closed;
    }
    if (fresh)
        km__epicor_event_fire(emu, co, "job.created", job, NULL, cause);
    if (released && (fresh || !s->released))
        km__epicor_event_fire(emu, co, "job.released", job, NULL, cause);
    s->released = released;
    /* s may move while events run (nothing adds entries then, but the
     * operations below do): read what is needed before. */
    {
        int was_closed = s->closed;

        s->closed = closed;
        check_ops(emu, co, job, job_num, 1, cause);
        if (closed && !was_closed)
            km__epicor_event_fire(emu, co, "job.closed", job, NULL, cause);
    }
    cJSON_Delete(job);
}

void km__epicor_jobs_seed(struct km__epicor *emu)
{
    struct km__epicor_jobs *sf = km__epicor_jobs_of(emu);

    if (sf->seeded)
        return;
    sf->seeded = 1;
    for (size_t c = 0; c < emu->ncompanies; c++) {
        struct km__epicor_company *co = emu->companies[c];
        struct km__epicor_table *t = &co->t[T_JOBHEAD];

        for (size_t i = 0; i < t->n; i++) {
            int tmp, fresh, gen_closed;
            cJSON *job;
            const char *jn;
            char *key;
            struct km__epicor_seen *s;

            /* generated jobs are seen as generated when first checked */
            if (km__epicor_gen_job_closed(t, t->by_key[i], &gen_closed))
                continue;
            job = km__epicor_view(t, t->by_key[i], &tmp);
            jn = kx_json_str_or(job, "JobNum", "");
            key = seen_key(emu, co->id, jn, -1, 0);
            s = seen_get(sf, key, &fresh);

            s->released = kx_json_bool(job, "JobReleased", 0) == 1;
            s->closed = kx_json_bool(job, "JobClosed", 0) == 1;
            free(key);
            check_ops(emu, co, job, jn, 0, NULL);
            if (tmp)
                cJSON_Delete(job);
        }
    }
}

/* ---- hooks of the write path ------------------------------------------ */

void km__epicor_job_assembly0(struct km__epicor *emu,
                              struct km__epicor_company *co, const cJSON *job)
{
    const char *jn = kx_json_str_or(job, "JobNum", "");
    cJSON *asmb;

    if (km__epicor_job_row(emu, co, T_JOBASMBL, jn, 0, 0))
        return;
    /* Epicor keeps the job's own part as assembly 0 (JobAsmbl). */
    asmb = cJSON_Duplicate(co->t[T_JOBASMBL].tmpl, 1);
    km__epicor_set_str(asmb, "JobNum", jn);
    km__epicor_set_str(asmb, "PartNum", kx_json_str_or(job, "PartNum", ""));
    km__epicor_set_str(asmb, "Description",
                       kx_json_str_or(job, "PartDescription", ""));
    km__epicor_set_str(asmb, "RevisionNum",
                       kx_json_str_or(job, "RevisionNum", ""));
    km__epicor_set_num(asmb, "RequiredQty", kx_json_numeric(job, "ProdQty", 0));
    km__epicor_insert(emu, &co->t[T_JOBASMBL], asmb);
}

/* Adds job_num to jobs (an array of strings) once. */
static void note_job(cJSON *jobs, const char *job_num)
{
    const cJSON *it;

    if (!job_num || !*job_num)
        return;
    cJSON_ArrayForEach(it, jobs)
    {
        if (strcmp(it->valuestring, job_num) == 0)
            return;
    }
    cJSON_AddItemToArray(jobs, cJSON_CreateString(job_num));
}

void km__epicor_jobs_after_update(struct km__epicor_call *c, cJSON *ds)
{
    static const char *const tables[] = {"JobHead", "JobAsmbl", "JobOper",
                                         "LaborDtl"};
    cJSON *jobs, *it;
    const cJSON *row;

    if (strcmp(c->service, "Erp.BO.JobEntrySvc") != 0 &&
        strcmp(c->service, "Erp.BO.LaborSvc") != 0)
        return;
    jobs = cJSON_CreateArray();
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
        cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(ds, tables[i]))
            note_job(jobs, kx_json_str(row, "JobNum"));
    cJSON_ArrayForEach(it, jobs)
        km__epicor_job_check(c->emu, c->co, it->valuestring, NULL);
    cJSON_Delete(jobs);
}

/* ---- UD columns -------------------------------------------------------- */

static int ud_table(const char *name)
{
    for (int t = 0; t < T_COUNT; t++) {
        if (strcmp(km__epicor_defs[t].table, name) == 0 ||
            strcmp(km__epicor_defs[t].set, name) == 0)
            return t;
    }
    return -1;
}

int km__epicor_set_ud_fields(void *state, const cJSON *v, char *err,
                             size_t errsz)
{
    struct km__epicor *emu = state;
    const cJSON *tab, *f;

    cJSON_ArrayForEach(tab, v)
    {
        int tid = ud_table(tab->string);

        if (tid < 0)
            return km__epicor_errf(err, errsz, "/%s: no such table",
                                   tab->string);
        if (!cJSON_IsObject(tab))
            return km__epicor_errf(err, errsz,
                                   "/%s: must be an object of field name to "
                                   "default value",
                                   tab->string);
        cJSON_ArrayForEach(f, tab)
        {
            size_t n = strlen(f->string);

            if (n < 3 || strcmp(f->string + n - 2, "_c") != 0)
                return km__epicor_errf(err, errsz,
                                       "/%s/%s: a UD column's name ends in "
                                       "\"_c\"",
                                       tab->string, f->string);
            if (cJSON_IsArray(f) || cJSON_IsObject(f))
                return km__epicor_errf(err, errsz,
                                       "/%s/%s: the default must be a "
                                       "string, number, boolean or null",
                                       tab->string, f->string);
        }
    }
    cJSON_Delete(km__epicor_jobs_of(emu)->ud);
    km__epicor_jobs_of(emu)->ud = cJSON_Duplicate(v, 1);
    for (size_t c = 0; c < emu->ncompanies; c++) {
        cJSON_ArrayForEach(tab, v)
        {
            struct km__epicor_table *t =
                &emu->companies[c]->t[ud_table(tab->string)];

            cJSON_ArrayForEach(f, tab)
            {
                if (!cJSON_HasObjectItem(t->tmpl, f->string))
                    cJSON_AddItemToObject(t->tmpl, f->string,
                                          cJSON_Duplicate(f, 1));
            }
            km__epicor_fields_note(t, t->tmpl);
            for (size_t i = 0; i < t->n; i++) {
                if (t->by_key[i]->json)
                    km__epicor_fill_defaults(t, t->by_key[i]->json);
            }
        }
    }
    return 0;
}

/* ---- the active-operations BAQ ------------------------------------------ */

static void column(cJSON *row, const char *table, const char *field,
                   const cJSON *src)
{
    char name[96];

    snprintf(name, sizeof(name), "%s_%s", table, field);
    cJSON_AddItemToObject(
        row, name,
        cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(src, field), 1));
}

/* One row per active LaborDtl, joined with its JobOper and JobHead, in
 * BAQ column naming (Table_Field): what a site's "active operations" BAQ
 * answers, so a poller reads every active operation in one request. */
static cJSON *active_operations(struct km__epicor_call *c)
{
    static const char *const dtl[] = {
        "EmployeeNum", "LaborType",     "JobNum",      "AssemblySeq",
        "OprSeq",      "ResourceGrpID", "ClockInDate", "ClockinTime",
        "LaborHedSeq", "LaborDtlSeq",   NULL};
    static const char *const head[] = {"Plant", "PartNum", "ProdQty", NULL};
    static const char *const oper[] = {
        "OpCode",    "RunQty", "QtyCompleted", "ActScrapQty", "ProdStandard",
        "StdFormat", NULL};
    struct km__epicor_table *t = &c->co->t[T_LABORDTL];
    cJSON *rows = cJSON_CreateArray();

    for (size_t i = 0; i < t->n; i++) {
        const cJSON *d = km__epicor_own(t, t->by_key[i]);
        const char *jn = kx_json_str_or(d, "JobNum", "");
        int asmb = (int)kx_json_numeric(d, "AssemblySeq", 0);
        int opr = (int)kx_json_numeric(d, "OprSeq", 0);
        struct km__epicor_row *h, *o;
        cJSON *row;

        if (kx_json_bool(d, "ActiveTrans", 0) != 1 || !*jn)
            continue;
        h = km__epicor_job_row(c->emu, c->co, T_JOBHEAD, jn, 0, 0);
        o = km__epicor_job_row(c->emu, c->co, T_JOBOPER, jn, asmb, opr);
        if (!h || !o)
            continue;
        row = cJSON_CreateObject();
        for (size_t k = 0; dtl[k]; k++)
            column(row, "LaborDtl", dtl[k], d);
        for (size_t k = 0; head[k]; k++)
            column(row, "JobHead", head[k],
                   km__epicor_own(&c->co->t[T_JOBHEAD], h));
        for (size_t k = 0; oper[k]; k++)
            column(row, "JobOper", oper[k],
                   km__epicor_own(&c->co->t[T_JOBOPER], o));
        cJSON_AddItemToArray(rows, row);
    }
    return rows;
}

cJSON *km__epicor_baq_source(struct km__epicor_call *c, const char *source)
{
    if (source && strcmp(source, "active_operations") == 0)
        return active_operations(c);
    return NULL;
}

/* ---- snapshot ---------------------------------------------------------- */

void km__epicor_jobs_snapshot(struct km__epicor *emu, cJSON *o)
{
    struct km__epicor_jobs *sf = km__epicor_jobs_of(emu);

    cJSON_AddItemToObject(o, "job_events", cJSON_Duplicate(sf->events, 1));
    cJSON_AddItemToObject(o, "denied_calls", cJSON_Duplicate(sf->denied, 1));
    cJSON_AddNumberToObject(o, "open_event_calls", sf->open_calls);
    cJSON_AddItemToObject(o, "event_functions",
                          cJSON_Duplicate(sf->functions, 1));
}
