/*
 * The summary of one job operation: availability, performance, quality,
 * OEE and the largest losses, from the planned time, the downtime by
 * reason, the units and the ideal cycle time (README.md, "Formulas").
 * Pure: no I/O, no clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oee_int.h"

/* The losses a summary ranks: every downtime reason, then the speed and
 * scrap losses. */
#define LOSS_SPEED "SPEED"
#define LOSS_SCRAP "SCRAP"

ks_rc ks_oee_ideal_cycle_ms(double *out, double prod_standard,
                            const char *std_format)
{
    *out = 0;
    if (!(prod_standard > 0) || !std_format)
        return KS_EINVAL;
    if (strcmp(std_format, "PH") == 0)
        *out = 3600000.0 / prod_standard;
    else if (strcmp(std_format, "PM") == 0)
        *out = 60000.0 / prod_standard;
    else if (strcmp(std_format, "HP") == 0)
        *out = prod_standard * 3600000.0;
    else if (strcmp(std_format, "MP") == 0)
        *out = prod_standard * 60000.0;
    else
        return KS_EINVAL;
    return KS_OK;
}

/* Adds ms to reason in l (n entries, room for cap), merging a reason
 * seen before. */
static void loss_add(struct ks_oee_loss *l, size_t *n, size_t cap,
                     const char *reason, int64_t ms)
{
    size_t i;

    if (ms <= 0)
        return;
    for (i = 0; i < *n; i++) {
        if (strncmp(l[i].reason, reason, KS_OEE_REASON_MAX - 1) == 0) {
            l[i].ms += ms;
            return;
        }
    }
    if (*n == cap)
        return;
    memset(&l[*n], 0, sizeof(l[*n]));
    strncpy(l[*n].reason, reason, KS_OEE_REASON_MAX - 1);
    l[*n].ms = ms;
    (*n)++;
}

/* Largest first; equal losses by reason, so the order never depends on
 * the input's. */
static int loss_cmp(const void *a, const void *b)
{
    const struct ks_oee_loss *x = a, *y = b;

    if (x->ms != y->ms)
        return x->ms > y->ms ? -1 : 1;
    return strcmp(x->reason, y->reason);
}

static ks_rc input_check(const struct ks_oee_input *in, int64_t *downtime)
{
    *downtime = 0;
    if (in->planned_ms < 0 || in->good < 0 || in->scrap < 0 ||
        !(in->ideal_cycle_ms > 0) || (in->ndowntime && !in->downtime))
        return KS_EINVAL;
    for (size_t i = 0; i < in->ndowntime; i++) {
        if (in->downtime[i].ms < 0)
            return KS_EINVAL;
        *downtime += in->downtime[i].ms;
    }
    return *downtime > in->planned_ms ? KS_EINVAL : KS_OK;
}

ks_rc ks_oee_summary_compute(struct ks_oee_summary *out,
                             const struct ks_oee_input *in)
{
    struct ks_oee_loss *all;
    size_t n = 0, cap = in->ndowntime + 2;
    double ideal_total;
    int64_t downtime;
    ks_rc rc;

    memset(out, 0, sizeof(*out));
    rc = input_check(in, &downtime);
    if (rc)
        return rc;
    all = ks__calloc(cap, sizeof(*all));
    if (!all)
        return KS_ENOMEM;
    out->planned_ms = in->planned_ms;
    out->downtime_ms = downtime;
    out->run_ms = in->planned_ms - downtime;
    out->good = in->good;
    out->scrap = in->scrap;
    out->total = in->good + in->scrap;
    ideal_total = in->ideal_cycle_ms * (double)out->total;
    if (out->planned_ms > 0)
        out->availability = (double)out->run_ms / (double)out->planned_ms;
    if (out->run_ms > 0)
        out->performance = ideal_total / (double)out->run_ms;
    if (out->performance > 1) {
        out->performance = 1;
        out->performance_capped = 1;
    }
    if (out->total > 0)
        out->quality = (double)out->good / (double)out->total;
    out->oee = out->availability * out->performance * out->quality;

    for (size_t i = 0; i < in->ndowntime; i++)
        loss_add(all, &n, cap, in->downtime[i].reason, in->downtime[i].ms);
    if ((double)out->run_ms > ideal_total)
        loss_add(all, &n, cap, LOSS_SPEED,
                 (int64_t)((double)out->run_ms - ideal_total + 0.5));
    loss_add(all, &n, cap, LOSS_SCRAP,
             (int64_t)(in->ideal_cycle_ms * (double)in->scrap + 0.5));
    qsort(all, n, sizeof(*all), loss_cmp);
    out->ntop = n < KS_OEE_TOP_LOSSES ? n : KS_OEE_TOP_LOSSES;
    memcpy(out->top, all, out->ntop * sizeof(*all));
    ks__free(all);
    return KS_OK;
}

/* A ratio rounded to four decimals (0.1 % is 0.001): what the API and
 * the UD fields carry. */
static double ratio4(double r)
{
    return (double)(int64_t)(r * 10000.0 + 0.5) / 10000.0;
}

ks_rc ks_oee_summary_json(cJSON **out, const char *wc,
                          const struct ks_oee_op *op,
                          const struct ks_oee_summary *s)
{
    cJSON *o = cJSON_CreateObject(), *losses = NULL;

    *out = NULL;
    if (!o || !cJSON_AddStringToObject(o, "job", op->job) ||
        !cJSON_AddNumberToObject(o, "assembly", op->assembly) ||
        !cJSON_AddNumberToObject(o, "operation", op->operation) ||
        (op->op_code && !cJSON_AddStringToObject(o, "op_code", op->op_code)) ||
        !cJSON_AddStringToObject(o, "work_center", wc) ||
        !cJSON_AddNumberToObject(o, "planned_ms", (double)s->planned_ms) ||
        !cJSON_AddNumberToObject(o, "run_ms", (double)s->run_ms) ||
        !cJSON_AddNumberToObject(o, "downtime_ms", (double)s->downtime_ms) ||
        !cJSON_AddNumberToObject(o, "good", (double)s->good) ||
        !cJSON_AddNumberToObject(o, "scrap", (double)s->scrap) ||
        !cJSON_AddNumberToObject(o, "availability", ratio4(s->availability)) ||
        !cJSON_AddNumberToObject(o, "performance", ratio4(s->performance)) ||
        !cJSON_AddNumberToObject(o, "quality", ratio4(s->quality)) ||
        !cJSON_AddNumberToObject(o, "oee", ratio4(s->oee)) ||
        !cJSON_AddBoolToObject(o, "performance_capped",
                               s->performance_capped) ||
        !(losses = cJSON_AddArrayToObject(o, "top_losses")))
        goto fail;
    for (size_t i = 0; i < s->ntop; i++) {
        cJSON *l = cJSON_CreateObject();

        if (!l || !cJSON_AddItemToArray(losses, l) ||
            !cJSON_AddStringToObject(l, "reason", s->top[i].reason) ||
            !cJSON_AddNumberToObject(l, "ms", (double)s->top[i].ms))
            goto fail;
    }
    *out = o;
    return KS_OK;
fail:
    cJSON_Delete(o);
    return KS_ENOMEM;
}

/* ---- the sums across segments ----------------------------------------- */

/* A reason past the last slot is counted under "OTHER" in that slot. */
static void acc_loss(struct ks_oee_acc *acc, const char *reason, int64_t ms)
{
    struct ks_oee_loss *last = &acc->down[KS_OEE_ACC_REASONS - 1];
    size_t before = acc->ndown;

    for (size_t i = 0; i < acc->ndown; i++) {
        if (strncmp(acc->down[i].reason, reason, KS_OEE_REASON_MAX - 1) == 0)
            before = i;
    }
    if (before < acc->ndown || acc->ndown < KS_OEE_ACC_REASONS) {
        loss_add(acc->down, &acc->ndown, KS_OEE_ACC_REASONS, reason, ms);
        return;
    }
    snprintf(last->reason, sizeof(last->reason), "OTHER");
    last->ms += ms;
}

ks_rc ks_oee_acc_timeline(struct ks_oee_acc *acc, const cJSON *timeline)
{
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(timeline, "window_ms");
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(timeline, "good");
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(timeline, "scrap");
    const cJSON *stops = cJSON_GetObjectItemCaseSensitive(timeline, "stops");
    const cJSON *it;

    if (!cJSON_IsNumber(w) || !cJSON_IsNumber(g) || !cJSON_IsNumber(s))
        return KS_EPARSE;
    acc->planned_ms += (int64_t)w->valuedouble;
    acc->good += (int64_t)g->valuedouble;
    acc->scrap += (int64_t)s->valuedouble;
    cJSON_ArrayForEach(it, stops)
    {
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(it, "reason");
        const cJSON *ms = cJSON_GetObjectItemCaseSensitive(it, "ms");

        if (cJSON_IsString(r) && cJSON_IsNumber(ms))
            acc_loss(acc, r->valuestring, (int64_t)ms->valuedouble);
    }
    return KS_OK;
}

void ks_oee_acc_pause(struct ks_oee_acc *acc, const char *reason, int64_t ms)
{
    if (ms <= 0)
        return;
    acc->planned_ms += ms;
    acc_loss(acc, reason && *reason ? reason : "PAUSED", ms);
}

void ks_oee_acc_input(struct ks_oee_input *in, const struct ks_oee_acc *acc,
                      double ideal_cycle_ms)
{
    in->planned_ms = acc->planned_ms;
    in->downtime = acc->down;
    in->ndowntime = acc->ndown;
    in->good = acc->good;
    in->scrap = acc->scrap;
    in->ideal_cycle_ms = ideal_cycle_ms;
}
