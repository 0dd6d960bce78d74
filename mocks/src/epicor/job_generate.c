/*
 * Generated jobs ("generate_jobs", README.md "Generated jobs"): many open
 * released jobs, each with operations on work centres (resource groups)
 * spread over plants, plus closed jobs, deterministic per seed. As with
 * generated parts (generated.c), JobHead and JobOper rows keep only
 * their key and SysRevID until something reads or writes them whole;
 * every field is computed from the seed and the row's index, by
 * km__epicor_gen_job_field alone. Work centres and plants are ordinary
 * rows. Generated jobs carry no JobAsmbl rows and no labour.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include "shopfloor.h"

struct km__epicor_gen_jobs {
    uint32_t nclosed, nopen;
    int operations, nplants, work_centres;
    uint64_t seed;
    char **plants;
    char day[32];
};

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

void km__epicor_gen_jobs_free(struct km__epicor_gen_jobs *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->nplants; i++)
        free(g->plants[i]);
    free(g->plants);
    free(g);
}

/* Job j (0-based over closed then open jobs): closed or not, its number
 * within its kind, its hash, plant and quantity. */
struct gen_job {
    int closed;
    uint32_t num;
    uint64_t h;
    int plant;
    double qty;
};

static void job_at(const struct km__epicor_gen_jobs *g, uint32_t j,
                   struct gen_job *out)
{
    out->closed = j < g->nclosed;
    out->num = out->closed ? j : j - g->nclosed;
    out->h = mix(g->seed ^ ((uint64_t)out->num << 1) ^ (uint64_t)out->closed);
    out->plant = (int)(out->num % (uint32_t)g->nplants);
    out->qty = (double)(10 + out->h % 990);
}

static void job_num(char *buf, size_t n, const struct gen_job *job)
{
    snprintf(buf, n, "%s-%06" PRIu32, job->closed ? "GC" : "GJ", job->num + 1);
}

static const char *const head_fields[] = {"Company",
                                          "JobNum",
                                          "PartNum",
                                          "ProdQty",
                                          "Plant",
                                          "JobReleased",
                                          "JobEngineered",
                                          "StartDate",
                                          "CreateDate",
                                          "LastChangedOn",
                                          "QtyCompleted",
                                          "JobComplete",
                                          "JobClosed",
                                          "ClosedDate",
                                          "JobCompletionDate",
                                          "SysRowID",
                                          "SysRevID",
                                          "RowMod",
                                          NULL};
static const char *const oper_fields[] = {
    "Company",      "JobNum",       "AssemblySeq",
    "OprSeq",       "OpCode",       "PrimaryResourceGrpID",
    "RunQty",       "ProdStandard", "StdFormat",
    "EstProdHours", "QtyCompleted", "OpComplete",
    "ProdComplete", "JobComplete",  "SysRowID",
    "SysRevID",     "RowMod",       NULL};

const char *const *km__epicor_gen_job_fields(const struct km__epicor_table *t)
{
    return t->def->id == T_JOBHEAD ? head_fields : oper_fields;
}

static int set_bool(struct km__epicor_gen_value *out, int b)
{
    out->b = b;
    return 1;
}

static int set_num(struct km__epicor_gen_value *out, double d)
{
    out->s = NULL;
    out->d = d;
    return 1;
}

static int head_field(const struct km__epicor_gen_jobs *g,
                      const struct km__epicor_table *t,
                      const struct gen_job *job, const char *f,
                      struct km__epicor_gen_value *out, char *buf, size_t n)
{
    if (strcmp(f, "JobNum") == 0)
        job_num(buf, n, job);
    else if (strcmp(f, "PartNum") == 0)
        snprintf(buf, n, "GEN-%06" PRIu32, (uint32_t)(job->h >> 20) % 1000 + 1);
    else if (strcmp(f, "ProdQty") == 0)
        return set_num(out, job->qty);
    else if (strcmp(f, "Plant") == 0)
        out->s = g->plants[job->plant];
    else if (strcmp(f, "JobReleased") == 0 || strcmp(f, "JobEngineered") == 0)
        return set_bool(out, 1);
    else if (strcmp(f, "StartDate") == 0 || strcmp(f, "CreateDate") == 0)
        out->s = g->day;
    else if (strcmp(f, "LastChangedOn") == 0)
        out->s = t->gen_stamp;
    else if (strcmp(f, "QtyCompleted") == 0)
        return set_num(out, job->closed ? job->qty : 0);
    else if (strcmp(f, "JobComplete") == 0 || strcmp(f, "JobClosed") == 0)
        return set_bool(out, job->closed);
    else if (strcmp(f, "ClosedDate") == 0 ||
             strcmp(f, "JobCompletionDate") == 0) {
        if (!job->closed)
            return 0; /* null, the template's */
        out->s = g->day;
    } else
        return 0;
    return 1;
}

static int oper_field(const struct km__epicor_gen_jobs *g,
                      const struct gen_job *job, int k, const char *f,
                      struct km__epicor_gen_value *out, char *buf, size_t n)
{
    uint64_t hk = mix(job->h + (uint64_t)k);
    int per_plant = g->work_centres / g->nplants;
    double std = (double)(20 + (hk >> 24) % 100);

    if (strcmp(f, "JobNum") == 0) {
        job_num(buf, n, job);
    } else if (strcmp(f, "AssemblySeq") == 0) {
        return set_num(out, 0);
    } else if (strcmp(f, "OprSeq") == 0) {
        return set_num(out, 10.0 * (k + 1));
    } else if (strcmp(f, "OpCode") == 0) {
        snprintf(buf, n, "OP%02d", (int)((hk >> 16) % 20) + 1);
    } else if (strcmp(f, "PrimaryResourceGrpID") == 0) {
        /* a work centre of the job's own plant */
        int w = job->plant +
                g->nplants * (int)(hk % (uint64_t)(per_plant ? per_plant : 1));

        snprintf(buf, n, "WC-%04d", w % g->work_centres + 1);
    } else if (strcmp(f, "RunQty") == 0) {
        return set_num(out, job->qty);
    } else if (strcmp(f, "ProdStandard") == 0) {
        return set_num(out, std);
    } else if (strcmp(f, "StdFormat") == 0) {
        out->s = "PH";
    } else if (strcmp(f, "EstProdHours") == 0) {
        return set_num(out, round(job->qty / std * 100.0) / 100.0);
    } else if (strcmp(f, "QtyCompleted") == 0) {
        return set_num(out, job->closed ? job->qty : 0);
    } else if (strcmp(f, "OpComplete") == 0 || strcmp(f, "ProdComplete") == 0 ||
               strcmp(f, "JobComplete") == 0) {
        return set_bool(out, job->closed);
    } else {
        return 0;
    }
    return 1;
}

int km__epicor_gen_job_field(const struct km__epicor_table *t,
                             const struct km__epicor_row *r, const char *field,
                             struct km__epicor_gen_value *out, char *buf,
                             size_t bufsz)
{
    const struct km__epicor_gen_jobs *g = t->gen_jobs;
    uint32_t ops = (uint32_t)g->operations;
    struct gen_job job;

    if (strcmp(field, "Company") == 0 || strcmp(field, "SysRowID") == 0 ||
        strcmp(field, "SysRevID") == 0 || strcmp(field, "RowMod") == 0)
        return -1;
    if (t->def->id == T_JOBHEAD) {
        job_at(g, r->gen, &job);
        return head_field(g, t, &job, field, out, buf, bufsz);
    }
    job_at(g, r->gen / ops, &job);
    return oper_field(g, &job, (int)(r->gen % ops), field, out, buf, bufsz);
}

int km__epicor_gen_job_closed(const struct km__epicor_table *t,
                              const struct km__epicor_row *r, int *closed)
{
    const struct km__epicor_gen_jobs *g = t->gen_jobs;
    uint32_t j;

    if (!g || !r->pooled)
        return 0;
    j = t->def->id == T_JOBHEAD ? r->gen : r->gen / (uint32_t)g->operations;
    *closed = j < g->nclosed;
    return 1;
}

/* The key fields of generated row i (JobHead when ud's table is it). */
static cJSON *head_key(uint32_t i, const void *ud)
{
    struct gen_job job;
    char jn[32];
    cJSON *row = cJSON_CreateObject();

    job_at(ud, i, &job);
    job_num(jn, sizeof(jn), &job);
    cJSON_AddStringToObject(row, "JobNum", jn);
    return row;
}

static cJSON *oper_key(uint32_t i, const void *ud)
{
    const struct km__epicor_gen_jobs *g = ud;
    cJSON *row = head_key(i / (uint32_t)g->operations, ud);

    cJSON_AddNumberToObject(row, "AssemblySeq", 0);
    cJSON_AddNumberToObject(row, "OprSeq",
                            10.0 * (i % (uint32_t)g->operations + 1));
    return row;
}

/* Inserts a copy of tid's template with fields (taken) merged. */
static void put_row(struct km__epicor *emu, struct km__epicor_company *co,
                    int tid, cJSON *fields)
{
    struct km__epicor_table *t = &co->t[tid];
    cJSON *row = cJSON_Duplicate(t->tmpl, 1), *f;

    cJSON_ArrayForEach(f, fields)
        km__epicor_put(row, f->string, cJSON_Duplicate(f, 1));
    cJSON_Delete(fields);
    km__epicor_insert(emu, t, row);
}

/* The plants (when missing) and the work centres WC-0001..., work centre
 * w in plant w % nplants. */
static void work_centres(struct km__epicor *emu, struct km__epicor_company *co,
                         const struct km__epicor_gen_jobs *g)
{
    char id[32], desc[64];
    cJSON *vals = cJSON_CreateArray();

    cJSON_AddItemToArray(vals, cJSON_CreateString(""));
    for (int i = 0; i < g->nplants; i++) {
        cJSON *f;

        cJSON_ReplaceItemInArray(vals, 0, cJSON_CreateString(g->plants[i]));
        if (km__epicor_act_find(emu, co, T_PLANT, vals))
            continue;
        f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "Plant1", g->plants[i]);
        cJSON_AddStringToObject(f, "Name", g->plants[i]);
        put_row(emu, co, T_PLANT, f);
    }
    for (int w = 0; w < g->work_centres; w++) {
        cJSON *f;

        snprintf(id, sizeof(id), "WC-%04d", w + 1);
        cJSON_ReplaceItemInArray(vals, 0, cJSON_CreateString(id));
        if (km__epicor_act_find(emu, co, T_RESOURCEGRP, vals))
            continue;
        snprintf(desc, sizeof(desc), "Work centre %d", w + 1);
        f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "ResourceGrpID", id);
        cJSON_AddStringToObject(f, "Plant", g->plants[w % g->nplants]);
        cJSON_AddStringToObject(f, "Description", desc);
        cJSON_AddStringToObject(f, "JCDept", "PROD");
        put_row(emu, co, T_RESOURCEGRP, f);
    }
    cJSON_Delete(vals);
}

int km__epicor_set_generate_jobs(void *state, const cJSON *v, char *err,
                                 size_t errsz)
{
    struct km__epicor *emu = state;
    struct km__epicor_jobs *sf = km__epicor_jobs_of(emu);
    const char *company = kx_json_str(v, "company");
    const cJSON *plants = cJSON_GetObjectItemCaseSensitive(v, "plants"), *p;
    double n = kx_json_num(v, "jobs", -1);
    double closed = kx_json_num(v, "closed_jobs", 0);
    struct km__epicor_company *co =
        company ? km__epicor_company_find(emu, company) : emu->companies[0];
    struct km__epicor_gen_jobs *g;
    int i = 0;

    if (n < 0 || n > 1000000 || closed < 0 || closed > 1000000)
        return km__epicor_errf(err, errsz,
                               "needs \"jobs\": a count from 0 to 1000000");
    if (!co)
        return km__epicor_errf(err, errsz, "/company: \"%s\" is not configured",
                               company);
    if (sf->gen || co->t[T_JOBHEAD].pool)
        return km__epicor_errf(err, errsz, "jobs are generated once");
    g = kx_xcalloc(1, sizeof(*g));
    g->nclosed = (uint32_t)closed;
    g->nopen = (uint32_t)n;
    g->operations = (int)kx_json_num(v, "operations", 3);
    g->work_centres = (int)kx_json_num(v, "work_centres", 500);
    g->seed = (uint64_t)kx_json_num(v, "seed", 1);
    g->nplants = plants ? cJSON_GetArraySize(plants) : 1;
    g->plants = kx_xcalloc((size_t)g->nplants, sizeof(*g->plants));
    if (!plants)
        g->plants[0] = kx_xstrdup("MfgSys");
    cJSON_ArrayForEach(p, plants)
    {
        if (!cJSON_IsString(p) || !*p->valuestring) {
            km__epicor_gen_jobs_free(g);
            return km__epicor_errf(err, errsz,
                                   "/plants/%d: a plant name (non-empty "
                                   "string)",
                                   i);
        }
        g->plants[i++] = kx_xstrdup(p->valuestring);
    }
    if (g->nplants == 0 || g->nplants > g->work_centres || g->operations < 1 ||
        g->operations > 50 || g->work_centres < 1) {
        km__epicor_gen_jobs_free(g);
        return km__epicor_errf(err, errsz,
                               "1 to work_centres plants, 1 to 50 "
                               "operations");
    }
    km__epicor_format_datetime(g->day, sizeof(g->day), km__epicor_now(emu), 1);
    sf->gen = g;
    work_centres(emu, co, g);
    co->t[T_JOBHEAD].gen_jobs = g;
    co->t[T_JOBOPER].gen_jobs = g;
    km__epicor_generate_rows(emu, &co->t[T_JOBHEAD], g->nclosed + g->nopen,
                             g->seed, head_key, g);
    km__epicor_generate_rows(emu, &co->t[T_JOBOPER],
                             (g->nclosed + g->nopen) * (uint32_t)g->operations,
                             g->seed + 7919, oper_key, g);
    return 0;
}
