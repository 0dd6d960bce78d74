/*
 * What planners do to jobs, as act() actions for scenarios (README.md,
 * "act()"): create, release and close a job; the operators' actions are
 * in job_labor.c. Each write stamps the rows as the API's write path
 * does and fires the event functions of the transitions it makes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include "shopfloor.h"

/* Merges fields (taken) into a stored row and marks it written. */
void km__epicor_sf_merge(struct km__epicor *emu, struct km__epicor_table *t,
                         struct km__epicor_row *r, cJSON *fields)
{
    km__epicor_act_merge(emu, t, r, fields);
    cJSON_Delete(fields);
}

/* Adds one row (taken) to tid through the fixture path (numbers and
 * defaults assigned); returns the stored row, or NULL with err. */
struct km__epicor_row *km__epicor_sf_add(struct km__epicor *emu,
                                         struct km__epicor_company *co, int tid,
                                         cJSON *row, char *err, size_t errsz)
{
    cJSON *rows = cJSON_CreateArray();
    struct km__epicor_table *t = &co->t[tid];
    int rc;

    cJSON_AddItemToArray(rows, row);
    rc = km__epicor_load_rows(emu, co, (enum km__epicor_tid)tid, rows, NULL,
                              err, errsz);
    cJSON_Delete(rows);
    return rc ? NULL : t->by_rev[t->n - 1];
}

/* Saves fields_json (a JSON object's text) on a job's head and, when
 * tid >= 0, child_json on each of its rows of tid (JobOper, JobAsmbl). */
static void set_job(struct km__epicor *emu, struct km__epicor_company *co,
                    struct km__epicor_row *head, const char *fields_json,
                    int tid, const char *child_json)
{
    km__epicor_sf_merge(emu, &co->t[T_JOBHEAD], head, cJSON_Parse(fields_json));
    if (tid >= 0) {
        char *k = km__epicor_key_of_row(&co->t[T_JOBHEAD], head->json, emu->ci);
        struct km__epicor_table *t = &co->t[tid];
        size_t len = k ? strlen(k) : 0;

        for (size_t i = k ? km__epicor_lower_bound(t, k) : t->n; i < t->n;
             i++) {
            if (strncmp(t->by_key[i]->key, k, len) != 0 ||
                t->by_key[i]->key[len] != '\x01')
                break;
            km__epicor_sf_merge(emu, t, t->by_key[i], cJSON_Parse(child_json));
        }
        free(k);
    }
}

/* create_job {job: {JobNum, PartNum, ProdQty, Plant, ..., "JobOpers":
 * [...], "JobAsmbls": [...]}}: a job as Job Entry saves it (assembly 0
 * added when missing); released when the row says JobReleased. */
static int create_job(struct km__epicor *emu, struct km__epicor_company *co,
                      const cJSON *args, cJSON **result, char *err,
                      size_t errsz)
{
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(args, "job");
    const char *jn = kx_json_str(src, "JobNum");
    struct km__epicor_row *r;
    cJSON *row;
    char day[32];

    if (!cJSON_IsObject(src) || !jn || !*jn)
        return km__epicor_errf(err, errsz,
                               "create_job needs job: an object with JobNum");
    if (km__epicor_job_row(emu, co, T_JOBHEAD, jn, 0, 0))
        return km__epicor_errf(err, errsz, "job '%s' exists", jn);
    row = cJSON_Duplicate(src, 1);
    km__epicor_format_datetime(day, sizeof(day), km__epicor_now(emu), 1);
    if (!kx_json_str(row, "CreateDate"))
        km__epicor_set_str(row, "CreateDate", day);
    if (!(r = km__epicor_sf_add(emu, co, T_JOBHEAD, row, err, errsz)))
        return -1;
    km__epicor_job_assembly0(emu, co, r->json);
    km__epicor_job_check(emu, co, jn, NULL);
    if (result)
        *result = cJSON_Duplicate(r->json, 1);
    return 0;
}

/* release_job {job_num}: Job Entry's Released box (engineered and firm
 * come with it). */
static int release_job(struct km__epicor *emu, struct km__epicor_company *co,
                       const cJSON *args, cJSON **result, char *err,
                       size_t errsz)
{
    const char *jn = kx_json_str(args, "job_num");
    struct km__epicor_row *r =
        jn ? km__epicor_job_row(emu, co, T_JOBHEAD, jn, 0, 0) : NULL;

    if (!r)
        return km__epicor_errf(err, errsz, "release_job: no job '%s'",
                               jn ? jn : "");
    if (kx_json_bool(km__epicor_own(&co->t[T_JOBHEAD], r), "JobClosed", 0) == 1)
        return km__epicor_errf(err, errsz, "release_job: job %s is closed", jn);
    set_job(emu, co, r,
            "{\"JobReleased\":true,\"JobEngineered\":true,\"JobFirm\":true}",
            -1, NULL);
    km__epicor_job_check(emu, co, jn, NULL);
    if (result)
        *result = cJSON_Duplicate(r->json, 1);
    return 0;
}

/* close_job {job_num}: Job Closing: complete and closed, the flags
 * mirrored on the job's operations and assemblies. Refused while
 * labour is active on it [I]. */
static int close_job(struct km__epicor *emu, struct km__epicor_company *co,
                     const cJSON *args, cJSON **result, char *err, size_t errsz)
{
    const char *jn = kx_json_str(args, "job_num");
    struct km__epicor_row *r =
        jn ? km__epicor_job_row(emu, co, T_JOBHEAD, jn, 0, 0) : NULL;
    struct km__epicor_table *lt = &co->t[T_LABORDTL];
    char day[32], *fields;

    if (!r)
        return km__epicor_errf(err, errsz, "close_job: no job '%s'",
                               jn ? jn : "");
    for (size_t i = 0; i < lt->n; i++) {
        const cJSON *j = km__epicor_own(lt, lt->by_key[i]);

        if (kx_json_bool(j, "ActiveTrans", 0) == 1 &&
            strcmp(kx_json_str_or(j, "JobNum", ""), jn) == 0)
            return km__epicor_errf(err, errsz,
                                   "close_job: job %s has active labour "
                                   "(employee %s)",
                                   jn, kx_json_str_or(j, "EmployeeNum", ""));
    }
    km__epicor_format_datetime(day, sizeof(day), km__epicor_now(emu), 1);
    fields = kx_xasprintf("{\"JobComplete\":true,\"JobCompletionDate\":\"%s\","
                          "\"JobClosed\":true,\"ClosedDate\":\"%s\"}",
                          day, day);
    set_job(emu, co, r, fields, T_JOBOPER, "{\"JobComplete\":true}");
    free(fields);
    set_job(emu, co, r, "{}", T_JOBASMBL, "{\"JobComplete\":true}");
    km__epicor_job_check(emu, co, jn, NULL);
    if (result)
        *result = cJSON_Duplicate(r->json, 1);
    return 0;
}

int km__epicor_act_jobs(struct km__epicor *emu, struct km__epicor_company *co,
                        const char *action, const cJSON *args, cJSON **result,
                        char *err, size_t errsz)
{
    static const struct {
        const char *name;
        int (*fn)(struct km__epicor *, struct km__epicor_company *,
                  const cJSON *, cJSON **, char *, size_t);
    } acts[] = {
        {"create_job", create_job},
        {"release_job", release_job},
        {"clock_in", km__epicor_act_clock_in},
        {"clock_out", km__epicor_act_clock_out},
        {"report_quantity", km__epicor_act_report_quantity},
        {"complete_operation", km__epicor_act_complete_operation},
        {"close_job", close_job},
    };

    if (strcmp(action, "set_event_functions") == 0) {
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(args, "functions");
        char why[256];

        if (km__epicor_set_event_functions(emu, list, why, sizeof(why)))
            return km__epicor_errf(err, errsz,
                                   "set_event_functions: functions%s%s",
                                   why[0] == '/' ? "" : ": ", why);
        return 0;
    }
    for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
        if (strcmp(acts[i].name, action) == 0) {
            km__epicor_jobs_seed(emu);
            return acts[i].fn(emu, co, args, result, err, errsz);
        }
    }
    return 1;
}
