/*
 * Pattern 2, the polling fallback (kinsync/oee.h, ks_oee_flow_poll): the
 * operations in process or in setup are those with active labour, read
 * filtered server-side; what changed since the last poll becomes the
 * flow's operation events. A request budget bounds each poll, and a
 * circuit breaker kept in the store stops polling a failing Epicor.
 *
 * Store records (cursors of flow "oee"): "breaker" = "STATE|FAILS|AT"
 * (closed / open, failed polls in a row, when it opened), "last_poll" =
 * ms, "running.n" = chunks, "running.<i>" = "KEY;KEY;..." the operations
 * running at the last poll. Map "oee.rg_plant": ResourceGrpID -> plant.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "oee_int.h"
#include "sync_int.h"

#define LABOR "Erp.BO.LaborSvc"
#define RGRP "Erp.BO.ResourceGroupSvc"
#define MAP_RG_PLANT "oee.rg_plant"
#define PAGE 100
#define RG_PER_REQUEST 20
#define CHUNK 200 /* bytes of keys per running.<i> cursor */

struct poll {
    struct ks_oee_flow *flow;
    struct ks_oee_flow_stats *stats;
    struct ks_oee_poll_report *report;
    int budget;
    uint64_t client_before;
    long oee_before;
    int64_t now;
    cJSON *active;  /* {KEY: {JobNum, AssemblySeq, OprSeq, OpCode, RG}} */
    cJSON *running; /* ["KEY", ...] of the last poll */
};

static int epicor_requests(const struct poll *p)
{
    struct ks_client_stats cs;

    ks_client_stats(&cs, p->flow->o.client);
    return (int)(cs.requests - p->client_before) -
           (int)(ks_oee_requests(p->flow->o.oee) - p->oee_before);
}

static int budget_left(const struct poll *p)
{
    return p->budget - epicor_requests(p);
}

/* ---- durable records ------------------------------------------------------
 */

static ks_rc cursor_get(char **out, struct ks_oee_flow *flow,
                        const char *entity)
{
    ks_rc rc = ks_store_cursor_get(out, flow->o.store, KS__OEE_FLOW, entity);

    if (rc == KS_ENOTFOUND) {
        *out = NULL;
        return KS_OK;
    }
    return rc;
}

static ks_rc running_load(struct poll *p)
{
    char *n = NULL, entity[32];
    int chunks = 0;
    ks_rc rc = cursor_get(&n, p->flow, "running.n");

    p->running = cJSON_CreateArray();
    if (!p->running)
        rc = rc ? rc : KS_ENOMEM;
    if (n)
        chunks = (int)strtol(n, NULL, 10);
    ks_store_string_free(n);
    for (int i = 0; !rc && i < chunks; i++) {
        char *v = NULL, *save = NULL, *tok;

        snprintf(entity, sizeof(entity), "running.%d", i);
        rc = cursor_get(&v, p->flow, entity);
        for (tok = v ? strtok_r(v, ";", &save) : NULL; !rc && tok;
             tok = strtok_r(NULL, ";", &save)) {
            if (strcmp(tok, "-") != 0 &&
                !cJSON_AddItemToArray(p->running, cJSON_CreateString(tok)))
                rc = KS_ENOMEM;
        }
        ks_store_string_free(v);
    }
    return rc;
}

/* The operations running now (the active ones), in chunks of keys. */
static ks_rc running_save(struct poll *p)
{
    struct ks__buf b = KS__BUF_INIT;
    char entity[32], n[16];
    const cJSON *it;
    int chunks = 0;
    ks_rc rc = KS_OK;

    cJSON_ArrayForEach(it, p->active)
    {
        if (b.len + strlen(it->string) + 1 > CHUNK) {
            snprintf(entity, sizeof(entity), "running.%d", chunks++);
            rc = ks_store_cursor_set(p->flow->o.store, KS__OEE_FLOW, entity,
                                     b.data);
            b.len = 0;
            if (rc)
                break;
        }
        rc = ks__buf_printf(&b, "%s;", it->string);
        if (rc)
            break;
    }
    if (!rc && b.len) {
        snprintf(entity, sizeof(entity), "running.%d", chunks++);
        rc =
            ks_store_cursor_set(p->flow->o.store, KS__OEE_FLOW, entity, b.data);
    }
    snprintf(n, sizeof(n), "%d", chunks);
    if (!rc)
        rc =
            ks_store_cursor_set(p->flow->o.store, KS__OEE_FLOW, "running.n", n);
    ks__buf_dispose(&b);
    return rc;
}

struct breaker {
    int open;
    int fails;
    long long at;
};

static ks_rc breaker_get(struct breaker *b, struct ks_oee_flow *flow)
{
    char *v = NULL, state[8] = "";
    ks_rc rc = cursor_get(&v, flow, "breaker");

    memset(b, 0, sizeof(*b));
    if (!rc && v && sscanf(v, "%7[a-z]|%d|%lld", state, &b->fails, &b->at) == 3)
        b->open = strcmp(state, "open") == 0;
    ks_store_string_free(v);
    return rc;
}

static ks_rc breaker_put(const struct breaker *b, struct ks_oee_flow *flow)
{
    char v[64];

    snprintf(v, sizeof(v), "%s|%d|%lld", b->open ? "open" : "closed", b->fails,
             b->at);
    return ks_store_cursor_set(flow->o.store, KS__OEE_FLOW, "breaker", v);
}

/* ---- reads
 * -------------------------------------------------------------------- */

static int active_row(void *ud, const cJSON *row)
{
    struct poll *p = ud;
    char key[KS_STORE_ID_MAX + 1];
    cJSON *o;

    ks__oee_op_key(key, kx_json_str_or(row, "JobNum", ""),
                   (int)kx_json_num(row, "AssemblySeq", 0),
                   (int)kx_json_num(row, "OprSeq", 0));
    if (!kx_json_str(row, "JobNum") ||
        cJSON_GetObjectItemCaseSensitive(p->active, key))
        return 0; /* two operators on one operation: one operation */
    o = cJSON_Duplicate(row, 1);
    return !o || !cJSON_AddItemToObject(p->active, key, o);
}

/* Active labour: the operations in process or in setup, filtered by
 * Epicor, within the budget (one request for the plants kept). */
static ks_rc read_active(struct poll *p)
{
    struct ks_epicor_query q = KS_EPICOR_QUERY_INIT;
    int pages = budget_left(p) - 1;

    if (pages < 1)
        pages = 1;
    q.filter = "ActiveTrans eq true";
    q.select = "JobNum,AssemblySeq,OprSeq,OpCode,ResourceGrpID,LaborType";
    q.page_size = PAGE;
    q.top = pages * PAGE;
    return ks_epicor_query(p->flow->o.epi, LABOR, "LaborDtls", &q, active_row,
                           p);
}

static int rg_row(void *ud, const cJSON *row)
{
    struct poll *p = ud;
    const char *rg = kx_json_str(row, "ResourceGrpID");
    const char *plant = kx_json_str(row, "Plant");

    if (rg && plant && *rg && *plant)
        ks__oee_kv_put(p->flow, MAP_RG_PLANT, rg, plant);
    return 0;
}

/* The plants of the active work centres not known yet, RG_PER_REQUEST
 * ids a request. A refusal (403) leaves them unknown: their operations
 * go to the default scope, and the poll goes on. */
static ks_rc learn_plants(struct poll *p)
{
    struct ks__buf f = KS__BUF_INIT;
    const cJSON *it;
    int n = 0;
    ks_rc rc = KS_OK;

    for (it = p->active ? p->active->child : NULL;; it = it->next) {
        const char *rg = it ? kx_json_str(it, "ResourceGrpID") : NULL;
        char *known = NULL;

        if (it && (!rg || !*rg || strchr(rg, '\'')))
            continue;
        if (it && ks__oee_kv_get(&known, p->flow, MAP_RG_PLANT, rg) == KS_OK) {
            ks_store_string_free(known);
            continue;
        }
        if (it && !(f.data && strstr(f.data, rg))) {
            rc = ks__buf_printf(&f, "%sResourceGrpID eq '%s'", n ? " or " : "",
                                rg);
            n++;
        }
        if (!rc && n && (!it || n == RG_PER_REQUEST)) {
            struct ks_epicor_query q = KS_EPICOR_QUERY_INIT;

            if (budget_left(p) < 1) {
                p->report->deferred = 1;
                break;
            }
            q.filter = f.data;
            q.select = "ResourceGrpID,Plant";
            rc = ks_epicor_query(p->flow->o.epi, RGRP, "ResourceGroups", &q,
                                 rg_row, p);
            if (rc == KS_EFORBIDDEN) {
                p->report->denied++;
                rc = KS_OK;
            }
            f.len = 0;
            f.data[0] = '\0';
            n = 0;
        }
        if (rc || !it)
            break;
    }
    ks__buf_dispose(&f);
    return rc;
}

/* ---- the differences as events ---------------------------------------- */

static ks_rc event_for(struct poll *p, const char *type, const char *key,
                       const cJSON *row)
{
    struct ks_oee_event ev;
    char *plant = NULL, job[KS_STORE_ID_MAX + 1];
    int asm_seq = 0, opr = 0;
    ks_rc rc;

    memset(&ev, 0, sizeof(ev));
    if (sscanf(key, "%255[^/]/%d/%d", job, &asm_seq, &opr) != 3)
        return KS_OK;
    ev.type = type;
    ev.job = job;
    ev.assembly = asm_seq;
    ev.operation = opr;
    ev.op_code = kx_json_str(row, "OpCode");
    ev.work_center = kx_json_str(row, "ResourceGrpID");
    if (!ev.work_center) /* a JobOper row */
        ev.work_center = kx_json_str(row, "PrimaryResourceGrpID");
    ev.at_ms = p->now;
    if (ev.work_center &&
        ks__oee_kv_get(&plant, p->flow, MAP_RG_PLANT, ev.work_center) == KS_OK)
        ev.plant = plant;
    rc = ks__oee_flow_event(p->flow, &ev, 1, p->stats);
    ks_store_string_free(plant);
    return rc;
}

/* An operation that ran at the last poll and has no active labour now:
 * its job says whether it completed (summed and written back now) or
 * paused. */
static ks_rc stopped(struct poll *p, const char *key)
{
    char job[KS_STORE_ID_MAX + 1];
    const cJSON *row;
    cJSON *got = NULL;
    ks_rc rc;

    if (budget_left(p) < 1) {
        p->report->deferred = 1;
        return KS_OK;
    }
    snprintf(job, sizeof(job), "%s", key);
    *strchr(job, '/') = '\0';
    rc = ks__oee_flow_job_get(&got, p->flow, job);
    if (rc == KS_EFORBIDDEN) {
        p->report->denied++;
        return KS_OK;
    }
    if (rc)
        return ks__oee_flow_fatal(rc) ? rc : KS_OK;
    cJSON_ArrayForEach(row,
                       kx_json_arr(kx_json_obj(got, "returnObj"), "JobOper"))
    {
        char k[KS_STORE_ID_MAX + 1];

        ks__oee_op_key(k, kx_json_str_or(row, "JobNum", ""),
                       (int)kx_json_num(row, "AssemblySeq", 0),
                       (int)kx_json_num(row, "OprSeq", 0));
        if (strcmp(k, key) != 0)
            continue;
        if (kx_json_bool(row, "OpComplete", 0)) {
            rc = event_for(p, "operation.completed", key, row);
            if (!rc)
                rc = ks__oee_flow_close_ops(p->flow, job, got, key, p->now,
                                            p->stats);
        } else {
            rc = event_for(p, "operation.paused", key, row);
        }
        break;
    }
    cJSON_Delete(got);
    return rc;
}

static ks_rc diff(struct poll *p)
{
    const cJSON *it;
    ks_rc rc = KS_OK;

    cJSON_ArrayForEach(it, p->active)
    {
        struct ks__oee_op op;

        rc = ks__oee_op_get(&op, p->flow, it->string);
        if (!rc && op.state != 'R')
            rc = event_for(
                p, op.state == 'P' ? "operation.resumed" : "operation.started",
                it->string, it);
        if (rc)
            return rc;
    }
    cJSON_ArrayForEach(it, p->running)
    {
        if (!cJSON_GetObjectItemCaseSensitive(p->active, it->valuestring)) {
            rc = stopped(p, it->valuestring);
            if (rc)
                return rc;
        }
    }
    return KS_OK;
}

/* ---- the poll
 * ------------------------------------------------------------------ */

static void report_done(struct poll *p, const struct breaker *b,
                        int64_t cooldown)
{
    p->report->epicor_requests = epicor_requests(p);
    p->report->active = cJSON_GetArraySize(p->active);
    snprintf(p->report->breaker, sizeof(p->report->breaker), "%s",
             !b->open                     ? "closed"
             : p->now >= b->at + cooldown ? "half-open"
                                          : "open");
}

ks_rc ks_oee_flow_poll(struct ks_oee_flow *flow,
                       const struct ks_oee_poll_options *opts,
                       struct ks_oee_flow_stats *stats,
                       struct ks_oee_poll_report *report)
{
    struct ks_client_stats cs;
    struct breaker b;
    struct poll p;
    int64_t interval = opts && opts->interval_ms ? opts->interval_ms : 300000;
    int64_t cooldown =
        opts && opts->breaker_cooldown_ms ? opts->breaker_cooldown_ms : 900000;
    int threshold = opts && opts->breaker_failures ? opts->breaker_failures : 3;
    char *last = NULL, when[32];
    ks_rc rc, prc;

    memset(&flow->err, 0, sizeof(flow->err));
    memset(report, 0, sizeof(*report));
    memset(&p, 0, sizeof(p));
    ks_client_stats(&cs, flow->o.client);
    p.flow = flow;
    p.stats = stats;
    p.report = report;
    p.budget = opts && opts->max_requests > 0 ? opts->max_requests : 20;
    p.client_before = cs.requests;
    p.oee_before = ks_oee_requests(flow->o.oee);
    p.now = ks_clock_now_ms(ks_client_clock(flow->o.client));
    rc = breaker_get(&b, flow);
    if (!rc)
        rc = cursor_get(&last, flow, "last_poll");
    if (rc)
        return ks__oee_flow_fail(flow, rc);
    if ((last && interval > 0 && p.now < strtoll(last, NULL, 10) + interval) ||
        (b.open && p.now < b.at + cooldown)) {
        ks_store_string_free(last);
        report_done(&p, &b, cooldown);
        return KS_OK; /* not due, or the breaker is open: no request */
    }
    ks_store_string_free(last);
    report->ran = 1;
    p.active = cJSON_CreateObject();
    rc = p.active ? read_active(&p) : KS_ENOMEM;
    if (!rc && cJSON_GetArraySize(p.active) >=
                   (p.budget - 1 > 0 ? p.budget - 1 : 1) * PAGE)
        report->deferred = 1;
    if (!rc)
        rc = running_load(&p);
    if (!rc)
        rc = learn_plants(&p);
    if (!rc)
        rc = diff(&p);
    if (!rc && !report->deferred)
        rc = running_save(&p);
    prc = rc;
    /* the breaker counts polls that failed as a whole */
    if (ks__sync_fatal(prc) && prc != KS_ENOMEM && prc != KS_ESTATE) {
        b.fails++;
        if (b.open || b.fails >= threshold) {
            b.open = 1;
            b.at = p.now;
        }
    } else if (!prc) {
        b.open = 0;
        b.fails = 0;
    }
    snprintf(when, sizeof(when), "%lld", (long long)p.now);
    rc = breaker_put(&b, flow);
    if (!rc)
        rc =
            ks_store_cursor_set(flow->o.store, KS__OEE_FLOW, "last_poll", when);
    report_done(&p, &b, cooldown);
    cJSON_Delete(p.active);
    cJSON_Delete(p.running);
    if (prc)
        return ks__oee_flow_fail(flow, prc);
    return rc ? ks__oee_flow_fail(flow, rc) : KS_OK;
}
