/*
 * The closure write-backs that are off by default (flow options
 * part_tran and labor; connector/src/oee/README.md "Write-back"): the
 * production quantity of a closed operation as one PartTran (PartTranSvc
 * Update, where the site lets PartTranSvc write) and its labour time as
 * one LaborDtl (LaborSvc GetNewLaborHed1, GetNewLaborDtlWithHdr, one
 * Update saving header and detail together, so a refusal leaves neither).
 *
 * Both run inside the summary intent of oee_close.c. Neither row can be
 * "held" the way a UD field is, so each carries a mark
 * ("kinsync-oee:JOB/ASM/OPR", in PartTran.TranReference and
 * LaborDtl.LaborNote): when the intent is pending (a crash or a failure
 * came before it completed), the mark is looked for first and a row that
 * has it is not written again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include <kx/time.h>
#include "epicor/epicor_int.h"
#include "oee_int.h"
#include "store/internal.h"

#define LABOR "Erp.BO.LaborSvc"
#define PARTTRAN "Erp.BO.PartTranSvc"
#define MARK_PREFIX "kinsync-oee:"
#define MS_PER_HOUR 3600000.0

static int found_row(void *ud, const cJSON *row)
{
    (void)row;
    *(int *)ud = 1;
    return 1;
}

/* *found 1 when entity_set of service has a row whose field is mark. */
static ks_rc marked(int *found, struct ks_oee_flow *flow, const char *service,
                    const char *entity_set, const char *field, const char *mark)
{
    struct ks_epicor_query q = KS_EPICOR_QUERY_INIT;
    char *filter = ks__epicor_filter_eq(field, mark);
    ks_rc rc;

    *found = 0;
    if (!filter)
        return KS_ENOMEM;
    q.filter = filter;
    q.top = 1;
    rc =
        ks_epicor_query(flow->o.epi, service, entity_set, &q, found_row, found);
    free(filter);
    return rc;
}

/* The ds a LaborSvc method answered (parameters.ds), detached from *reply
 * (which is freed); NULL when it has none. */
static cJSON *take_ds(cJSON **reply)
{
    cJSON *params = cJSON_GetObjectItemCaseSensitive(*reply, "parameters");
    cJSON *ds = cJSON_DetachItemFromObjectCaseSensitive(params, "ds");

    cJSON_Delete(*reply);
    *reply = NULL;
    return cJSON_IsObject(ds) ? ds : (cJSON_Delete(ds), NULL);
}

/* Sets name on obj to a number or string (replacing it); 0 on no memory. */
static int put(cJSON *obj, const char *name, cJSON *v)
{
    if (!v)
        return 0;
    cJSON_DeleteItemFromObjectCaseSensitive(obj, name);
    return cJSON_AddItemToObject(obj, name, v);
}

/* The LaborDtl of the operation's labour: production ("P") on the
 * operation and its work centre, LaborHrs the planned time (every bound
 * segment, running or paused) in hours to the hundredth, the good and
 * scrap counts as its quantities. */
static int labor_fill(cJSON *dtl, const struct ks_oee_op *op, const char *wc,
                      const struct ks_oee_summary *s, const char *mark)
{
    double hrs =
        (double)(int64_t)((double)s->planned_ms / MS_PER_HOUR * 100.0 + 0.5) /
        100.0;

    return put(dtl, "LaborType", cJSON_CreateString("P")) &&
           put(dtl, "LaborTypePseudo", cJSON_CreateString("P")) &&
           put(dtl, "JobNum", cJSON_CreateString(op->job)) &&
           put(dtl, "AssemblySeq", cJSON_CreateNumber(op->assembly)) &&
           put(dtl, "OprSeq", cJSON_CreateNumber(op->operation)) &&
           put(dtl, "OpCode",
               cJSON_CreateString(op->op_code ? op->op_code : "")) &&
           put(dtl, "ResourceGrpID", cJSON_CreateString(wc)) &&
           put(dtl, "LaborHrs", cJSON_CreateNumber(hrs)) &&
           put(dtl, "LaborQty", cJSON_CreateNumber((double)s->good)) &&
           put(dtl, "ScrapQty", cJSON_CreateNumber((double)s->scrap)) &&
           put(dtl, "LaborNote", cJSON_CreateString(mark)) &&
           put(dtl, "RowMod", cJSON_CreateString("A"));
}

/* GetNewLaborHed1, GetNewLaborDtlWithHdr, the detail filled, Update. */
static ks_rc labor_write(struct ks_oee_flow *flow, const struct ks_oee_op *op,
                         const char *wc, const struct ks_oee_summary *s,
                         const char *mark)
{
    char day[KX_ISO8601_MAX];
    cJSON *body = cJSON_CreateObject(), *reply = NULL, *ds = NULL, *dtl;
    ks_rc rc = KS_ENOMEM;

    kx_iso8601_format(day, ks_clock_now_ms(ks_client_clock(flow->o.client)), 0);
    day[10] = '\0'; /* the date alone */
    if (!body || !cJSON_AddObjectToObject(body, "ds") ||
        !cJSON_AddStringToObject(body, "EmployeeNum", flow->o.labor_employee) ||
        !cJSON_AddFalseToObject(body, "ShopFloor") ||
        !cJSON_AddStringToObject(body, "payrollDate", day))
        goto out;
    rc = ks_epicor_call(&reply, flow->o.epi, LABOR, "GetNewLaborHed1", body);
    cJSON_Delete(body);
    body = NULL;
    if (rc)
        goto out;
    rc = KS_EPARSE;
    if (!(ds = take_ds(&reply)))
        goto out;
    rc = KS_ENOMEM;
    if (!(body = cJSON_CreateObject()))
        goto out;
    cJSON_AddItemToObject(body, "ds", ds);
    ds = NULL;
    if (!cJSON_AddStringToObject(body, "ipClockInDate", day) ||
        !cJSON_AddNumberToObject(body, "ipClockInTime", 0) ||
        !cJSON_AddStringToObject(body, "ipClockOutDate", day) ||
        !cJSON_AddNumberToObject(body, "ipClockOutTime", 0) ||
        !cJSON_AddNumberToObject(body, "ipLaborHedSeq", 0))
        goto out;
    rc = ks_epicor_call(&reply, flow->o.epi, LABOR, "GetNewLaborDtlWithHdr",
                        body);
    cJSON_Delete(body);
    body = NULL;
    if (rc)
        goto out;
    rc = KS_EPARSE;
    if (!(ds = take_ds(&reply)))
        goto out;
    dtl = cJSON_GetArrayItem(kx_json_arr(ds, "LaborDtl"), 0);
    if (!dtl)
        goto out;
    rc = KS_ENOMEM;
    if (!labor_fill(dtl, op, wc, s, mark) || !(body = cJSON_CreateObject()))
        goto out;
    cJSON_AddItemToObject(body, "ds", ds);
    ds = NULL;
    rc = ks_epicor_call(&reply, flow->o.epi, LABOR, "Update", body);
out:
    cJSON_Delete(body);
    cJSON_Delete(ds);
    cJSON_Delete(reply);
    return rc;
}

/* PartTranSvc Update adding one PartTran: the good quantity received from
 * the job ("MFG-STK"). */
static ks_rc part_tran_write(struct ks_oee_flow *flow, const cJSON *head,
                             const struct ks_oee_op *op,
                             const struct ks_oee_summary *s, const char *mark)
{
    char day[KX_ISO8601_MAX];
    cJSON *body = cJSON_CreateObject(), *ds, *rows, *row, *reply = NULL;
    int64_t now = ks_clock_now_ms(ks_client_clock(flow->o.client));
    ks_rc rc = KS_ENOMEM;

    kx_iso8601_format(day, now, 0);
    day[10] = '\0';
    if (!body || !(ds = cJSON_AddObjectToObject(body, "ds")) ||
        !(rows = cJSON_AddArrayToObject(ds, "PartTran")) ||
        !(row = cJSON_CreateObject()))
        goto out;
    cJSON_AddItemToArray(rows, row);
    /* SysDate and SysTime (seconds since midnight), the creation stamp,
     * are part of the key: given, as Epicor's own transactions stamp
     * them. */
    if (!put(row, "SysDate", cJSON_CreateString(day)) ||
        !put(row, "SysTime",
             cJSON_CreateNumber((double)((now / 1000) % 86400))) ||
        !put(row, "PartNum",
             cJSON_CreateString(kx_json_str_or(head, "PartNum", ""))) ||
        !put(row, "Plant",
             cJSON_CreateString(kx_json_str_or(head, "Plant", ""))) ||
        !put(row, "TranType", cJSON_CreateString("MFG-STK")) ||
        !put(row, "TranDate", cJSON_CreateString(day)) ||
        !put(row, "TranQty", cJSON_CreateNumber((double)s->good)) ||
        !put(row, "JobNum", cJSON_CreateString(op->job)) ||
        !put(row, "AssemblySeq", cJSON_CreateNumber(op->assembly)) ||
        !put(row, "TranReference", cJSON_CreateString(mark)) ||
        !put(row, "RowMod", cJSON_CreateString("A")))
        goto out;
    rc = ks_epicor_call(&reply, flow->o.epi, PARTTRAN, "Update", body);
out:
    cJSON_Delete(body);
    cJSON_Delete(reply);
    return rc;
}

ks_rc ks__oee_flow_report(struct ks_oee_flow *flow, const cJSON *head,
                          const struct ks_oee_op *op, const char *wc,
                          const struct ks_oee_summary *s, int pending,
                          struct ks_oee_flow_stats *stats)
{
    char mark[KS_STORE_ID_MAX + sizeof(MARK_PREFIX)];
    int found = 0;
    ks_rc rc = KS_OK;

    snprintf(mark, sizeof(mark), MARK_PREFIX "%s/%d/%d", op->job, op->assembly,
             op->operation);
    if (flow->o.labor) {
        if (pending)
            rc = marked(&found, flow, LABOR, "LaborDtls", "LaborNote", mark);
        if (!rc && !found) {
            rc = labor_write(flow, op, wc, s, mark);
            if (!rc)
                stats->labor_written++;
            if (!rc)
                rc = ks__store_crash_point(flow->o.store, "oee.after_labor");
        }
        if (rc)
            return rc;
    }
    if (!flow->o.part_tran || s->good <= 0)
        return KS_OK; /* nothing was produced: no transaction */
    found = 0;
    if (pending)
        rc = marked(&found, flow, PARTTRAN, "PartTrans", "TranReference", mark);
    if (!rc && !found) {
        rc = part_tran_write(flow, head, op, s, mark);
        if (!rc)
            stats->part_tran_written++;
        if (!rc)
            rc = ks__store_crash_point(flow->o.store, "oee.after_part_tran");
    }
    return rc;
}
