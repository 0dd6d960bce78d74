/*
 * Generated jobs ("generate_jobs", README.md "Generated jobs"): many open
 * released jobs, each with operations on work centres (resource groups)
 * spread over plants, plus closed jobs, deterministic per seed. Rows are
 * made in key order, so each insert appends (no table is re-sorted):
 * 20,000 jobs of three operations load in a fraction of a second.
 * Generated jobs carry no JobAsmbl rows and no labour.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "shopfloor.h"

struct gen_jobs {
    struct km__epicor *emu;
    struct km__epicor_company *co;
    const cJSON *plants;
    int nplants, work_centres, operations;
    uint64_t seed;
    char day[32];
};

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static const char *plant_at(const struct gen_jobs *g, int i)
{
    return cJSON_GetArrayItem(g->plants, i % g->nplants)->valuestring;
}

/* Inserts a copy of tid's template with fields (taken) merged. */
static void put_row(const struct gen_jobs *g, int tid, cJSON *fields)
{
    struct km__epicor_table *t = &g->co->t[tid];
    cJSON *row = cJSON_Duplicate(t->tmpl, 1), *f;

    cJSON_ArrayForEach(f, fields)
        km__epicor_put(row, f->string, cJSON_Duplicate(f, 1));
    cJSON_Delete(fields);
    km__epicor_stamp_row(g->emu, t->def, row);
    km__epicor_insert(g->emu, t, row);
}

/* Work centre w (0-based) of plant w % nplants: WC-0001... */
static void work_centres(const struct gen_jobs *g)
{
    char id[32], desc[64];
    cJSON *vals = cJSON_CreateArray();

    cJSON_AddItemToArray(vals, cJSON_CreateString(""));
    for (int i = 0; i < g->nplants; i++) {
        cJSON *f;

        cJSON_ReplaceItemInArray(vals, 0, cJSON_CreateString(plant_at(g, i)));
        if (km__epicor_act_find(g->emu, g->co, T_PLANT, vals))
            continue;
        f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "Plant1", plant_at(g, i));
        cJSON_AddStringToObject(f, "Name", plant_at(g, i));
        put_row(g, T_PLANT, f);
    }
    for (int w = 0; w < g->work_centres; w++) {
        cJSON *f;

        snprintf(id, sizeof(id), "WC-%04d", w + 1);
        cJSON_ReplaceItemInArray(vals, 0, cJSON_CreateString(id));
        if (km__epicor_act_find(g->emu, g->co, T_RESOURCEGRP, vals))
            continue;
        snprintf(desc, sizeof(desc), "Work centre %d", w + 1);
        f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "ResourceGrpID", id);
        cJSON_AddStringToObject(f, "Plant", plant_at(g, w));
        cJSON_AddStringToObject(f, "Description", desc);
        cJSON_AddStringToObject(f, "JCDept", "PROD");
        put_row(g, T_RESOURCEGRP, f);
    }
    cJSON_Delete(vals);
}

/* One job (closed or open) and its operations. */
static void job(const struct gen_jobs *g, uint32_t i, int closed)
{
    uint64_t h = mix(g->seed ^ ((uint64_t)i << 1) ^ (uint64_t)closed);
    int plant = (int)(i % (uint32_t)g->nplants);
    int per_plant = g->work_centres / g->nplants;
    double qty = (double)(10 + h % 990);
    char jn[32], part[32], wc[32], code[16];
    cJSON *f = cJSON_CreateObject();

    snprintf(jn, sizeof(jn), "%s-%06" PRIu32, closed ? "GC" : "GJ", i + 1);
    snprintf(part, sizeof(part), "GEN-%06" PRIu32,
             (uint32_t)(h >> 20) % 1000 + 1);
    cJSON_AddStringToObject(f, "JobNum", jn);
    cJSON_AddStringToObject(f, "PartNum", part);
    cJSON_AddNumberToObject(f, "ProdQty", qty);
    cJSON_AddStringToObject(f, "Plant", plant_at(g, plant));
    cJSON_AddBoolToObject(f, "JobReleased", 1);
    cJSON_AddBoolToObject(f, "JobEngineered", 1);
    cJSON_AddStringToObject(f, "StartDate", g->day);
    cJSON_AddStringToObject(f, "CreateDate", g->day);
    if (closed) {
        cJSON_AddNumberToObject(f, "QtyCompleted", qty);
        cJSON_AddBoolToObject(f, "JobComplete", 1);
        cJSON_AddBoolToObject(f, "JobClosed", 1);
        cJSON_AddStringToObject(f, "ClosedDate", g->day);
        cJSON_AddStringToObject(f, "JobCompletionDate", g->day);
    }
    put_row(g, T_JOBHEAD, f);
    for (int k = 0; k < g->operations; k++) {
        uint64_t hk = mix(h + (uint64_t)k);
        /* a work centre of the job's plant */
        int w = plant +
                g->nplants * (int)(hk % (uint64_t)(per_plant ? per_plant : 1));

        snprintf(wc, sizeof(wc), "WC-%04d", w % g->work_centres + 1);
        snprintf(code, sizeof(code), "OP%02d", (int)(hk >> 16) % 20 + 1);
        f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "JobNum", jn);
        cJSON_AddNumberToObject(f, "AssemblySeq", 0);
        cJSON_AddNumberToObject(f, "OprSeq", 10 * (k + 1));
        cJSON_AddStringToObject(f, "OpCode", code);
        cJSON_AddStringToObject(f, "PrimaryResourceGrpID", wc);
        cJSON_AddNumberToObject(f, "RunQty", qty);
        cJSON_AddNumberToObject(f, "ProdStandard",
                                (double)(20 + (hk >> 24) % 100));
        cJSON_AddStringToObject(f, "StdFormat", "PH");
        cJSON_AddNumberToObject(f, "EstProdHours",
                                qty / (double)(20 + (hk >> 24) % 100));
        if (closed) {
            cJSON_AddNumberToObject(f, "QtyCompleted", qty);
            cJSON_AddBoolToObject(f, "OpComplete", 1);
            cJSON_AddBoolToObject(f, "ProdComplete", 1);
            cJSON_AddBoolToObject(f, "JobComplete", 1);
        }
        put_row(g, T_JOBOPER, f);
    }
}

int km__epicor_set_generate_jobs(void *state, const cJSON *v, char *err,
                                 size_t errsz)
{
    struct km__epicor *emu = state;
    const char *company = kx_json_str(v, "company");
    const cJSON *plants = cJSON_GetObjectItemCaseSensitive(v, "plants"), *p;
    double n = kx_json_num(v, "jobs", -1);
    double closed = kx_json_num(v, "closed_jobs", 0);
    struct gen_jobs g = {emu,
                         NULL,
                         plants,
                         0,
                         (int)kx_json_num(v, "work_centres", 500),
                         (int)kx_json_num(v, "operations", 3),
                         (uint64_t)kx_json_num(v, "seed", 1),
                         ""};
    cJSON *dflt = NULL;

    g.co = company ? km__epicor_company_find(emu, company) : emu->companies[0];
    if (n < 0 || n > 1000000 || closed < 0 || closed > 1000000)
        return km__epicor_errf(err, errsz,
                               "needs \"jobs\": a count from 0 to 1000000");
    if (!g.co)
        return km__epicor_errf(err, errsz, "/company: \"%s\" is not configured",
                               company);
    if (g.work_centres < 1 || g.operations < 1 || g.operations > 50)
        return km__epicor_errf(err, errsz,
                               "work_centres at least 1, operations 1 to 50");
    if (!plants)
        plants = g.plants = dflt = cJSON_Parse("[\"MfgSys\"]");
    cJSON_ArrayForEach(p, plants)
    {
        if (!cJSON_IsString(p) || !*p->valuestring) {
            cJSON_Delete(dflt);
            return km__epicor_errf(err, errsz,
                                   "/plants: plant names are non-empty "
                                   "strings");
        }
        g.nplants++;
    }
    if (g.nplants == 0 || g.nplants > g.work_centres) {
        cJSON_Delete(dflt);
        return km__epicor_errf(err, errsz, "/plants: 1 to work_centres plants");
    }
    km__epicor_format_datetime(g.day, sizeof(g.day), km__epicor_now(emu), 1);
    work_centres(&g);
    for (uint32_t i = 0; i < (uint32_t)closed; i++)
        job(&g, i, 1);
    for (uint32_t i = 0; i < (uint32_t)n; i++)
        job(&g, i, 0);
    cJSON_Delete(dflt);
    return 0;
}
