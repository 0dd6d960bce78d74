/*
 * What operators do on the shop floor, as act() actions for scenarios
 * (README.md, "act()"): clock in and out of setup or production on an
 * operation, report quantities, complete an operation. Each writes the
 * rows Epicor's screens write (LaborHed, LaborDtl, JobOper, and JobHead
 * for the last operation), stamps them as the API's write path does, and
 * fires the event functions of the transitions it makes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "shopfloor.h"

/* The arguments every job action reads. */
struct job_args {
    const char *job;
    int assembly, opr;
    const char *employee;
};

static void read_args(struct job_args *a, const cJSON *args)
{
    a->job = kx_json_str(args, "job_num");
    a->assembly = (int)kx_json_num(args, "assembly_seq", 0);
    a->opr = (int)kx_json_num(args, "opr_seq", 0);
    a->employee = kx_json_str(args, "employee");
}

/* Epicor's clock times are decimal hours of the day ("hours.hundredths",
 * reference §6); ClockInMInute counts minutes, here since the epoch, so
 * that durations across midnight subtract. */
static double hours_of_day(int64_t ms)
{
    int64_t s = ((ms / 1000) % 86400 + 86400) % 86400;

    return floor((double)s / 36.0) / 100.0;
}

void km__epicor_sf_clock(struct km__epicor *emu, cJSON *row, const char *date,
                         const char *time, const char *minute)
{
    int64_t now = km__epicor_now(emu);
    char day[32];

    km__epicor_format_datetime(day, sizeof(day), now, 1);
    if (date)
        km__epicor_set_str(row, date, day);
    km__epicor_set_num(row, time, hours_of_day(now));
    if (minute)
        km__epicor_set_num(row, minute, (double)(now / 60000));
}

static cJSON *job_json(struct km__epicor *emu, struct km__epicor_company *co,
                       const char *job)
{
    struct km__epicor_row *r =
        job ? km__epicor_job_row(emu, co, T_JOBHEAD, job, 0, 0) : NULL;

    return r ? km__epicor_own(&co->t[T_JOBHEAD], r) : NULL;
}

/* The operation of a, checked usable for labour; NULL with err. */
static struct km__epicor_row *usable_op(struct km__epicor *emu,
                                        struct km__epicor_company *co,
                                        const struct job_args *a, char *err,
                                        size_t errsz)
{
    const cJSON *job = job_json(emu, co, a->job);
    struct km__epicor_row *op;

    if (!job) {
        km__epicor_errf(err, errsz, "no job '%s'", a->job ? a->job : "");
        return NULL;
    }
    op = km__epicor_job_row(emu, co, T_JOBOPER, a->job, a->assembly, a->opr);
    if (!op)
        km__epicor_errf(err, errsz, "job %s has no operation %d/%d", a->job,
                        a->assembly, a->opr);
    else if (kx_json_bool(job, "JobClosed", 0) == 1)
        km__epicor_errf(err, errsz, "job %s is closed", a->job);
    else if (kx_json_bool(job, "JobReleased", 0) != 1)
        km__epicor_errf(err, errsz, "job %s is not released", a->job);
    else
        return op;
    return NULL;
}

/* Active labour of employee (any operation when a->job is NULL), or of
 * anyone on a's operation when employee is NULL; the first in key order. */
static struct km__epicor_row *active_labor(struct km__epicor_company *co,
                                           const char *employee,
                                           const struct job_args *a)
{
    struct km__epicor_table *t = &co->t[T_LABORDTL];

    for (size_t i = 0; i < t->n; i++) {
        const cJSON *j = km__epicor_own(t, t->by_key[i]);

        if (kx_json_bool(j, "ActiveTrans", 0) != 1 ||
            (employee &&
             strcmp(kx_json_str_or(j, "EmployeeNum", ""), employee) != 0))
            continue;
        if (a && a->job &&
            (strcmp(kx_json_str_or(j, "JobNum", ""), a->job) != 0 ||
             (int)kx_json_numeric(j, "AssemblySeq", 0) != a->assembly ||
             (int)kx_json_numeric(j, "OprSeq", 0) != a->opr))
            continue;
        return t->by_key[i];
    }
    return NULL;
}

/* The employee's LaborHed clocked in now, or a new one. */
static struct km__epicor_row *labor_head(struct km__epicor *emu,
                                         struct km__epicor_company *co,
                                         const char *employee, int active,
                                         char *err, size_t errsz)
{
    struct km__epicor_table *t = &co->t[T_LABORHED];
    cJSON *h;

    for (size_t i = 0; i < t->n; i++) {
        const cJSON *j = km__epicor_own(t, t->by_key[i]);

        if (kx_json_bool(j, "ActiveTrans", 0) == 1 &&
            strcmp(kx_json_str_or(j, "EmployeeNum", ""), employee) == 0)
            return t->by_key[i];
    }
    h = cJSON_CreateObject();
    km__epicor_set_str(h, "EmployeeNum", employee);
    km__epicor_sf_clock(emu, h, "PayrollDate", "ClockInTime", NULL);
    km__epicor_sf_clock(emu, h, "ClockInDate", "ActualClockInTime", NULL);
    km__epicor_sf_clock(emu, h, "ActualClockinDate", "ClockInTime", NULL);
    km__epicor_set_bool(h, "ActiveTrans", active);
    return km__epicor_sf_add(emu, co, T_LABORHED, h, err, errsz);
}

/* A new LaborDtl of header hed on a's operation oj (the work centre is
 * the operation's primary resource group). */
static cJSON *labor_row(const struct km__epicor_row *hed,
                        const struct job_args *a, const cJSON *oj)
{
    cJSON *row = cJSON_CreateObject();

    km__epicor_set_num(row, "LaborHedSeq",
                       kx_json_numeric(hed->json, "LaborHedSeq", 0));
    km__epicor_set_str(row, "EmployeeNum", a->employee ? a->employee : "");
    km__epicor_set_str(row, "JobNum", a->job);
    km__epicor_set_num(row, "AssemblySeq", a->assembly);
    km__epicor_set_num(row, "OprSeq", a->opr);
    km__epicor_set_str(row, "OpCode", kx_json_str_or(oj, "OpCode", ""));
    km__epicor_set_str(row, "ResourceGrpID",
                       kx_json_str_or(oj, "PrimaryResourceGrpID", ""));
    return row;
}

static const char *labor_type_arg(const cJSON *args)
{
    const char *lt = kx_json_str(args, "labor_type");

    return lt ? lt : "P";
}

/* clock_in {employee, job_num, assembly_seq?, opr_seq, labor_type? (P|S),
 * resource_id?} */
int km__epicor_act_clock_in(struct km__epicor *emu,
                            struct km__epicor_company *co, const cJSON *args,
                            cJSON **result, char *err, size_t errsz)
{
    struct job_args a;
    const char *lt = labor_type_arg(args);
    struct km__epicor_row *op, *hed, *dtl;
    const cJSON *oj;
    cJSON *row;
    struct km__epicor_cause who;

    read_args(&a, args);
    if (!a.employee || !a.job)
        return km__epicor_errf(err, errsz,
                               "clock_in needs employee, job_num and opr_seq");
    if (strcmp(lt, "P") != 0 && strcmp(lt, "S") != 0)
        return km__epicor_errf(err, errsz,
                               "clock_in: labor_type is \"P\" (production) "
                               "or \"S\" (setup), not \"%s\"",
                               lt);
    if (!(op = usable_op(emu, co, &a, err, errsz)))
        return -1;
    oj = km__epicor_own(&co->t[T_JOBOPER], op);
    if (kx_json_bool(oj, "OpComplete", 0) == 1)
        return km__epicor_errf(err, errsz, "operation %d of job %s is complete",
                               a.opr, a.job);
    if (active_labor(co, a.employee, &a))
        return km__epicor_errf(err, errsz,
                               "employee %s is already clocked in to "
                               "operation %d of job %s",
                               a.employee, a.opr, a.job);
    if (!(hed = labor_head(emu, co, a.employee, 1, err, errsz)))
        return -1;
    row = labor_row(hed, &a, oj);
    km__epicor_set_str(row, "LaborType", lt);
    km__epicor_set_str(row, "LaborTypePseudo", lt);
    km__epicor_set_str(row, "ResourceID",
                       kx_json_str_or(args, "resource_id", ""));
    km__epicor_sf_clock(emu, row, "ClockInDate", "ClockinTime",
                        "ClockInMInute");
    km__epicor_sf_clock(emu, row, "PayrollDate", "CreateTime", NULL);
    km__epicor_sf_clock(emu, row, "CreateDate", "CreateTime", NULL);
    km__epicor_set_num(row, "CreateTime",
                       (double)((km__epicor_now(emu) / 1000) % 86400));
    km__epicor_set_bool(row, "ActiveTrans", 1);
    if (!(dtl = km__epicor_sf_add(emu, co, T_LABORDTL, row, err, errsz)))
        return -1;
    if (!kx_json_str(oj, "ActualStartDate")) {
        cJSON *f = cJSON_CreateObject();

        km__epicor_sf_clock(emu, f, "ActualStartDate", "ActualStartHour", NULL);
        km__epicor_sf_merge(emu, &co->t[T_JOBOPER], op, f);
    }
    who.employee = a.employee;
    who.labor_type = lt;
    km__epicor_job_check(emu, co, a.job, &who);
    if (result)
        *result = cJSON_Duplicate(dtl->json, 1);
    return 0;
}

/* 1 when op is the highest OprSeq of assembly 0 of its job. */
static int is_last_op(struct km__epicor_company *co, const cJSON *op)
{
    char *k = km__epicor_key_of_row(&co->t[T_JOBHEAD], op, 0);
    cJSON *kids = cJSON_CreateArray();
    const cJSON *it;
    double max = -1;

    if (k)
        km__epicor_children(kids, &co->t[T_JOBOPER], k);
    cJSON_ArrayForEach(it, kids)
    {
        if (kx_json_numeric(it, "AssemblySeq", 0) == 0 &&
            kx_json_numeric(it, "OprSeq", 0) > max)
            max = kx_json_numeric(it, "OprSeq", 0);
    }
    free(k);
    cJSON_Delete(kids);
    return kx_json_numeric(op, "AssemblySeq", 0) == 0 &&
           max == kx_json_numeric(op, "OprSeq", 0);
}

/* What a saved labour transaction adds to its operation (Epicor keeps
 * these sums by write triggers on LaborDtl, SW's JobOper descriptions):
 * completed quantity (production only), scrap, hours, the last labour
 * date and completion flags; for the last operation of assembly 0 also
 * the job's completed quantity [I]. */
static void post_to_op(struct km__epicor *emu, struct km__epicor_company *co,
                       struct km__epicor_row *op, int setup, double hrs,
                       double good, double scrap, int complete)
{
    cJSON *oj = km__epicor_own(&co->t[T_JOBOPER], op);
    cJSON *f = cJSON_CreateObject();
    const char *hours = setup ? "ActSetupHours" : "ActProdHours";

    if (!setup && good != 0 && is_last_op(co, oj)) {
        struct km__epicor_row *h = km__epicor_job_row(
            emu, co, T_JOBHEAD, kx_json_str_or(oj, "JobNum", ""), 0, 0);
        cJSON *hf = cJSON_CreateObject();

        cJSON_AddNumberToObject(
            hf, "QtyCompleted",
            kx_json_numeric(km__epicor_own(&co->t[T_JOBHEAD], h),
                            "QtyCompleted", 0) +
                good);
        km__epicor_sf_merge(emu, &co->t[T_JOBHEAD], h, hf);
    }
    if (!setup)
        cJSON_AddNumberToObject(f, "QtyCompleted",
                                kx_json_numeric(oj, "QtyCompleted", 0) + good);
    cJSON_AddNumberToObject(f, "ActScrapQty",
                            kx_json_numeric(oj, "ActScrapQty", 0) + scrap);
    cJSON_AddNumberToObject(f, hours, kx_json_numeric(oj, hours, 0) + hrs);
    km__epicor_sf_clock(emu, f, "LastLaborDate", "ActualEndHour", NULL);
    cJSON_DeleteItemFromObjectCaseSensitive(f, "ActualEndHour");
    if (complete && setup)
        cJSON_AddTrueToObject(f, "SetupComplete");
    if (complete && !setup) {
        cJSON_AddTrueToObject(f, "OpComplete");
        cJSON_AddTrueToObject(f, "ProdComplete");
        km__epicor_sf_clock(emu, f, "ActualEndDate", "ActualEndHour", NULL);
    }
    km__epicor_sf_merge(emu, &co->t[T_JOBOPER], op, f);
}

/* Ends one active LaborDtl: clock-out stamps, hours, quantities, then
 * posts them to the operation. */
static void end_labor(struct km__epicor *emu, struct km__epicor_company *co,
                      struct km__epicor_row *dtl, double good, double scrap,
                      const char *reason, int complete)
{
    cJSON *d = km__epicor_own(&co->t[T_LABORDTL], dtl), *f;
    int setup = strcmp(kx_json_str_or(d, "LaborType", "P"), "S") == 0;
    double mins = (double)(km__epicor_now(emu) / 60000) -
                  kx_json_numeric(d, "ClockInMInute", 0);
    double hrs = round((mins > 0 ? mins : 0) / 60.0 * 100.0) / 100.0;
    struct km__epicor_row *op =
        km__epicor_job_row(emu, co, T_JOBOPER, kx_json_str_or(d, "JobNum", ""),
                           (int)kx_json_numeric(d, "AssemblySeq", 0),
                           (int)kx_json_numeric(d, "OprSeq", 0));

    f = cJSON_CreateObject();
    cJSON_AddFalseToObject(f, "ActiveTrans");
    km__epicor_sf_clock(emu, f, NULL, "ClockOutTime", "ClockOutMinute");
    cJSON_AddNumberToObject(f, "LaborHrs", hrs);
    cJSON_AddNumberToObject(f, "BurdenHrs", hrs);
    cJSON_AddNumberToObject(f, "LaborQty",
                            kx_json_numeric(d, "LaborQty", 0) + good);
    cJSON_AddNumberToObject(f, "ScrapQty",
                            kx_json_numeric(d, "ScrapQty", 0) + scrap);
    if (reason)
        cJSON_AddStringToObject(f, "ScrapReasonCode", reason);
    cJSON_AddBoolToObject(f, "OpComplete", complete && !setup);
    cJSON_AddBoolToObject(f, "Complete", complete);
    km__epicor_sf_merge(emu, &co->t[T_LABORDTL], dtl, f);
    if (op)
        post_to_op(emu, co, op, setup, hrs, good, scrap, complete);
}

/* A scrap reason must be a Reason of type "S" when any reason is kept
 * (Epicor checks LaborDtl.ScrapReasonCode against Reason; an emulator
 * without reason codes takes any). 0, or -1 with err. */
static int check_reason(struct km__epicor *emu, struct km__epicor_company *co,
                        const char *reason, char *err, size_t errsz)
{
    cJSON *vals;
    int ok;

    if (!reason || !*reason || co->t[T_REASON].n == 0)
        return 0;
    vals = cJSON_CreateArray();
    cJSON_AddItemToArray(vals, cJSON_CreateString("S"));
    cJSON_AddItemToArray(vals, cJSON_CreateString(reason));
    ok = km__epicor_act_find(emu, co, T_REASON, vals) != NULL;
    cJSON_Delete(vals);
    return ok ? 0
              : km__epicor_errf(err, errsz, "scrap reason '%s' is not valid",
                                reason);
}

/* clock_out {employee, job_num?, assembly_seq?, opr_seq?, good?, scrap?,
 * scrap_reason?, complete?, end_shift?} */
int km__epicor_act_clock_out(struct km__epicor *emu,
                             struct km__epicor_company *co, const cJSON *args,
                             cJSON **result, char *err, size_t errsz)
{
    struct job_args a;
    struct km__epicor_row *dtl;
    const char *reason = kx_json_str(args, "scrap_reason");
    struct km__epicor_cause who;
    char job[128], lt[4];

    read_args(&a, args);
    if (!a.employee)
        return km__epicor_errf(err, errsz, "clock_out needs employee");
    dtl = active_labor(co, a.employee, &a);
    if (!dtl)
        return km__epicor_errf(err, errsz, "employee %s is not clocked in%s%s",
                               a.employee, a.job ? " to job " : "",
                               a.job ? a.job : "");
    if (check_reason(emu, co, reason, err, errsz))
        return -1;
    snprintf(job, sizeof(job), "%s", kx_json_str_or(dtl->json, "JobNum", ""));
    snprintf(lt, sizeof(lt), "%s", kx_json_str_or(dtl->json, "LaborType", ""));
    end_labor(emu, co, dtl, kx_json_num(args, "good", 0),
              kx_json_num(args, "scrap", 0), reason,
              kx_json_bool(args, "complete", 0) == 1);
    if (kx_json_bool(args, "end_shift", 0) == 1) {
        struct km__epicor_row *h =
            labor_head(emu, co, a.employee, 1, err, errsz);
        cJSON *f = cJSON_CreateObject();

        cJSON_AddFalseToObject(f, "ActiveTrans");
        km__epicor_sf_clock(emu, f, NULL, "ClockOutTime", NULL);
        km__epicor_sf_clock(emu, f, NULL, "ActualClockOutTime", NULL);
        if (h)
            km__epicor_sf_merge(emu, &co->t[T_LABORHED], h, f);
        else
            cJSON_Delete(f);
    }
    who.employee = a.employee;
    who.labor_type = lt;
    km__epicor_job_check(emu, co, job, &who);
    if (result)
        *result = cJSON_Duplicate(dtl->json, 1);
    return 0;
}

/* report_quantity {job_num, assembly_seq?, opr_seq, good?, scrap?,
 * scrap_reason?, employee?}: a quantity-only LaborDtl (LaborEntryMethod
 * "Q", no hours), as MES "Report Quantity" records it, posted to the
 * operation at once. */
int km__epicor_act_report_quantity(struct km__epicor *emu,
                                   struct km__epicor_company *co,
                                   const cJSON *args, cJSON **result, char *err,
                                   size_t errsz)
{
    struct job_args a;
    struct km__epicor_row *op, *hed, *dtl;
    const char *reason = kx_json_str(args, "scrap_reason");
    const cJSON *oj;
    cJSON *row;
    double good = kx_json_num(args, "good", 0);
    double scrap = kx_json_num(args, "scrap", 0);

    read_args(&a, args);
    if (!a.job)
        return km__epicor_errf(err, errsz,
                               "report_quantity needs job_num and opr_seq");
    if (!(op = usable_op(emu, co, &a, err, errsz)) ||
        check_reason(emu, co, reason, err, errsz))
        return -1;
    if (good < 0 || scrap < 0)
        return km__epicor_errf(err, errsz,
                               "report_quantity: good and scrap are not "
                               "negative");
    oj = km__epicor_own(&co->t[T_JOBOPER], op);
    if (!(hed =
              labor_head(emu, co, a.employee ? a.employee : "", 0, err, errsz)))
        return -1;
    row = labor_row(hed, &a, oj);
    km__epicor_set_str(row, "LaborEntryMethod", "Q");
    km__epicor_set_num(row, "LaborQty", good);
    km__epicor_set_num(row, "ScrapQty", scrap);
    km__epicor_set_str(row, "ScrapReasonCode", reason ? reason : "");
    km__epicor_sf_clock(emu, row, "ClockInDate", "ClockinTime",
                        "ClockInMInute");
    km__epicor_sf_clock(emu, row, "PayrollDate", "ClockOutTime",
                        "ClockOutMinute");
    if (!(dtl = km__epicor_sf_add(emu, co, T_LABORDTL, row, err, errsz)))
        return -1;
    post_to_op(emu, co, op, 0, 0, good, scrap, 0);
    if (result)
        *result = cJSON_Duplicate(dtl->json, 1);
    return 0;
}

/* complete_operation {job_num, assembly_seq?, opr_seq, good?, scrap?,
 * scrap_reason?}: every active labour on the operation ends (the first
 * one carries the quantities), and the operation is complete. */
int km__epicor_act_complete_operation(struct km__epicor *emu,
                                      struct km__epicor_company *co,
                                      const cJSON *args, cJSON **result,
                                      char *err, size_t errsz)
{
    struct job_args a;
    struct km__epicor_row *op, *dtl;
    const char *reason = kx_json_str(args, "scrap_reason");
    double good = kx_json_num(args, "good", 0);
    double scrap = kx_json_num(args, "scrap", 0);
    struct km__epicor_cause who = {"", ""};
    char emp[128] = "", lt[4] = "";

    read_args(&a, args);
    if (!a.job)
        return km__epicor_errf(err, errsz,
                               "complete_operation needs job_num and opr_seq");
    if (!(op = usable_op(emu, co, &a, err, errsz)) ||
        check_reason(emu, co, reason, err, errsz))
        return -1;
    while ((dtl = active_labor(co, NULL, &a)) != NULL) {
        snprintf(emp, sizeof(emp), "%s",
                 kx_json_str_or(dtl->json, "EmployeeNum", ""));
        snprintf(lt, sizeof(lt), "%s",
                 kx_json_str_or(dtl->json, "LaborType", ""));
        end_labor(emu, co, dtl, good, scrap, reason, 1);
        good = scrap = 0;
    }
    if (kx_json_bool(km__epicor_own(&co->t[T_JOBOPER], op), "OpComplete", 0) !=
        1)
        post_to_op(emu, co, op, 0, 0, good, scrap, 1);
    who.employee = emp;
    who.labor_type = lt;
    km__epicor_job_check(emu, co, a.job, &who);
    if (result)
        *result = cJSON_Duplicate(op->json, 1);
    return 0;
}
