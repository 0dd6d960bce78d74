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

/* What both writes need. */
struct closing {
    struct ks_oee_flow *flow;
    const cJSON *head;
    const struct ks_oee_op *op;
    const char *wc;
    const struct ks_oee_summary *s;
    char mark[KS_STORE_ID_MAX + sizeof(MARK_PREFIX)];
};

static ks_rc write_labor(const struct closing *c)
{
    return labor_write(c->flow, c->op, c->wc, c->s, c->mark);
}

static ks_rc write_part_tran(const struct closing *c)
{
    return part_tran_write(c->flow, c->head, c->op, c->s, c->mark);
}

/* One of the writes: the row of service's entity_set marked in field. */
struct marked_write {
    const char *service, *entity_set, *field, *crash_point;
    ks_rc (*write)(const struct closing *c);
};

static const struct marked_write labor_row = {LABOR, "LaborDtls", "LaborNote",
                                              "oee.after_labor", write_labor};
static const struct marked_write part_tran_row = {
    PARTTRAN, "PartTrans", "TranReference", "oee.after_part_tran",
    write_part_tran};

/* w once: looked up by its mark first when pending; *written counts it. */
static ks_rc write_once(const struct closing *c, const struct marked_write *w,
                        int pending, int64_t *written)
{
    int found = 0;
    ks_rc rc = KS_OK;

    if (pending)
        rc = marked(&found, c->flow, w->service, w->entity_set, w->field,
                    c->mark);
    if (rc || found)
        return rc;
    rc = w->write(c);
    if (rc)
        return rc;
    (*written)++;
    return ks__store_crash_point(c->flow->o.store, w->crash_point);
}

ks_rc ks__oee_flow_report(struct ks_oee_flow *flow, const cJSON *head,
                          const struct ks_oee_op *op, const char *wc,
                          const struct ks_oee_summary *s, int pending,
                          struct ks_oee_flow_stats *stats)
{
    struct closing c = {flow, head, op, wc, s, ""};
    ks_rc rc = KS_OK;

    snprintf(c.mark, sizeof(c.mark), MARK_PREFIX "%s/%d/%d", op->job,
             op->assembly, op->operation);
    if (flow->o.labor)
        rc = write_once(&c, &labor_row, pending, &stats->labor_written);
    /* nothing good was made: no transaction */
    if (!rc && flow->o.part_tran && s->good > 0)
        rc = write_once(&c, &part_tran_row, pending, &stats->part_tran_written);
    return rc;
}
