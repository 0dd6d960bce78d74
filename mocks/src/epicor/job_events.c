/*
 * Event functions (README.md, "Event functions"): what an Epicor
 * Function or a method directive with an outbound REST call does when a
 * job moves. Each configured function that takes the event gets one
 * POST of the payload, synchronously (the transition waits for it), with
 * the function's timeout and no retry: such a call is a plain HTTP
 * request from server code, and nothing in Epicor queues or repeats it.
 * A failed call does not undo the transition (the save is committed
 * before post-processing runs). Every call is kept for the snapshot's
 * job_events.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include "kinmock/webhook.h"
#include "shopfloor.h"

#define DEFAULT_TIMEOUT_MS 10000

static const char *const events[] = {"job.created",       "job.released",
                                     "operation.started", "operation.paused",
                                     "operation.resumed", "operation.completed",
                                     "job.closed",        NULL};

static int known_event(const char *name)
{
    if (strcmp(name, "*") == 0)
        return 1;
    for (size_t i = 0; events[i]; i++) {
        if (strcmp(events[i], name) == 0)
            return 1;
    }
    return 0;
}

/* 1 when list (a string or an array of strings) holds want or "*". */
static int in_list(const cJSON *list, const char *want, int ci)
{
    const cJSON *it;

    if (cJSON_IsString(list))
        return strcmp(list->valuestring, "*") == 0 ||
               (ci ? strcasecmp(list->valuestring, want)
                   : strcmp(list->valuestring, want)) == 0;
    cJSON_ArrayForEach(it, list)
    {
        if (in_list(it, want, ci))
            return 1;
    }
    return 0;
}

/* e: an event name, "*" or a list of names (at /i/what). */
static int events_check(const cJSON *e, int i, const char *what, char *err,
                        size_t errsz)
{
    const cJSON *ev;

    if (!cJSON_IsString(e) && !cJSON_IsArray(e))
        return km__epicor_errf(err, errsz,
                               "/%d/%s: an event name or a list of them is "
                               "required",
                               i, what);
    if (cJSON_IsString(e) && !known_event(e->valuestring))
        return km__epicor_errf(err, errsz, "/%d/%s: unknown event '%s'", i,
                               what, e->valuestring);
    for (ev = cJSON_IsArray(e) ? e->child : NULL; ev; ev = ev->next) {
        if (!cJSON_IsString(ev) || !known_event(ev->valuestring))
            return km__epicor_errf(
                err, errsz, "/%d/%s: unknown event '%s'", i, what,
                cJSON_IsString(ev) ? ev->valuestring : "(not a string)");
    }
    return 0;
}

/* A function's "fault": {"event", "times" (1), "kind": "cut"}. */
static int fault_check(const cJSON *f, int i, char *err, size_t errsz)
{
    const cJSON *times = cJSON_GetObjectItemCaseSensitive(f, "times");
    const cJSON *it;

    if (!f)
        return 0;
    if (!cJSON_IsObject(f))
        return km__epicor_errf(err, errsz,
                               "/%d/fault: must be an object {\"event\", "
                               "\"times\", \"kind\": \"cut\"}",
                               i);
    cJSON_ArrayForEach(it, f)
    {
        if (strcmp(it->string, "event") && strcmp(it->string, "times") &&
            strcmp(it->string, "kind"))
            return km__epicor_errf(err, errsz,
                                   "/%d/fault/%s: unknown member (event, "
                                   "times, kind)",
                                   i, it->string);
    }
    if (strcmp(kx_json_str_or(f, "kind", ""), "cut") != 0)
        return km__epicor_errf(err, errsz,
                               "/%d/fault/kind: must be \"cut\" (the "
                               "connection closed halfway through the body)",
                               i);
    if (times && (!cJSON_IsNumber(times) || times->valuedouble < 1 ||
                  times->valuedouble != (double)(long)times->valuedouble))
        return km__epicor_errf(
            err, errsz, "/%d/fault/times: a whole number, at least 1", i);
    return events_check(cJSON_GetObjectItemCaseSensitive(f, "event"), i,
                        "fault/event", err, errsz);
}

int km__epicor_event_functions_check(const cJSON *list, char *err, size_t errsz)
{
    const cJSON *fn;
    int i = 0;

    if (!cJSON_IsArray(list))
        return km__epicor_errf(err, errsz, "must be an array");
    cJSON_ArrayForEach(fn, list)
    {
        const cJSON *url = cJSON_GetObjectItemCaseSensitive(fn, "url");
        const cJSON *to = cJSON_GetObjectItemCaseSensitive(fn, "timeout_ms");
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(fn, "event");

        if (!cJSON_IsObject(fn))
            return km__epicor_errf(err, errsz, "/%d: must be an object", i);
        if (!cJSON_IsString(url) || strncmp(url->valuestring, "http", 4) != 0)
            return km__epicor_errf(err, errsz,
                                   "/%d/url: an http:// or https:// URL is "
                                   "required",
                                   i);
        if (to && (!cJSON_IsNumber(to) || to->valuedouble < 1 ||
                   to->valuedouble != (double)(long)to->valuedouble))
            return km__epicor_errf(err, errsz,
                                   "/%d/timeout_ms: a whole number of "
                                   "milliseconds, at least 1",
                                   i);
        if (events_check(e, i, "event", err, errsz) ||
            fault_check(cJSON_GetObjectItemCaseSensitive(fn, "fault"), i, err,
                        errsz))
            return -1;
        i++;
    }
    return 0;
}

int km__epicor_set_event_functions(void *state, const cJSON *v, char *err,
                                   size_t errsz)
{
    struct km__epicor_jobs *sf = km__epicor_jobs_of(state);

    if (km__epicor_event_functions_check(v, err, errsz))
        return -1;
    cJSON_Delete(sf->functions);
    sf->functions = cJSON_Duplicate(v, 1);
    return 0;
}

/* ---- the payload ------------------------------------------------------- */

static void add_num_or_null(cJSON *o, const char *name, const cJSON *row,
                            const char *field)
{
    if (row)
        cJSON_AddNumberToObject(o, name, kx_json_numeric(row, field, 0));
    else
        cJSON_AddNullToObject(o, name);
}

static void add_str_or_null(cJSON *o, const char *name, const cJSON *row,
                            const char *field)
{
    if (row)
        cJSON_AddStringToObject(o, name, kx_json_str_or(row, field, ""));
    else
        cJSON_AddNullToObject(o, name);
}

/* The operations of a job, for job.created and job.released. */
static cJSON *operations_of(struct km__epicor *emu,
                            struct km__epicor_company *co, const cJSON *job)
{
    char *pkey = km__epicor_key_of_row(&co->t[T_JOBHEAD], job, emu->ci);
    cJSON *ops = cJSON_CreateArray(), *out = cJSON_CreateArray();
    const cJSON *op;

    if (pkey)
        km__epicor_children(ops, &co->t[T_JOBOPER], pkey);
    free(pkey);
    cJSON_ArrayForEach(op, ops)
    {
        cJSON *o = cJSON_CreateObject();

        add_num_or_null(o, "assembly", op, "AssemblySeq");
        add_num_or_null(o, "operation", op, "OprSeq");
        add_str_or_null(o, "op_code", op, "OpCode");
        add_str_or_null(o, "resource_group", op, "PrimaryResourceGrpID");
        add_num_or_null(o, "run_qty", op, "RunQty");
        add_num_or_null(o, "prod_standard", op, "ProdStandard");
        add_str_or_null(o, "std_format", op, "StdFormat");
        cJSON_AddBoolToObject(o, "complete",
                              kx_json_bool(op, "OpComplete", 0) == 1);
        cJSON_AddItemToArray(out, o);
    }
    cJSON_Delete(ops);
    return out;
}

static cJSON *payload(struct km__epicor *emu, struct km__epicor_company *co,
                      const char *event, int64_t seq, const cJSON *job,
                      const cJSON *op, const struct km__epicor_cause *cause)
{
    cJSON *p = cJSON_CreateObject(), *q;
    char stamp[32], when[40], guid[37];

    km__epicor_format_datetime(stamp, sizeof(stamp), km__epicor_now(emu), 0);
    snprintf(when, sizeof(when), "%sZ", stamp);
    km__epicor_guid(emu, guid);
    cJSON_AddStringToObject(p, "event", event);
    cJSON_AddStringToObject(p, "event_id", guid);
    cJSON_AddNumberToObject(p, "sequence", (double)seq);
    cJSON_AddStringToObject(p, "time", when);
    cJSON_AddStringToObject(p, "company", co->id);
    cJSON_AddStringToObject(p, "plant", kx_json_str_or(job, "Plant", ""));
    cJSON_AddStringToObject(p, "job", kx_json_str_or(job, "JobNum", ""));
    cJSON_AddStringToObject(p, "part", kx_json_str_or(job, "PartNum", ""));
    add_num_or_null(p, "assembly", op, "AssemblySeq");
    add_num_or_null(p, "operation", op, "OprSeq");
    add_str_or_null(p, "op_code", op, "OpCode");
    add_str_or_null(p, "resource_group", op, "PrimaryResourceGrpID");
    cJSON_AddStringToObject(
        p, "labor_type", cause && cause->labor_type ? cause->labor_type : "");
    cJSON_AddStringToObject(p, "employee",
                            cause && cause->employee ? cause->employee : "");
    q = cJSON_AddObjectToObject(p, "quantities");
    cJSON_AddNumberToObject(q, "prod_qty", kx_json_numeric(job, "ProdQty", 0));
    add_num_or_null(q, "run_qty", op, "RunQty");
    cJSON_AddNumberToObject(q, "completed",
                            kx_json_numeric(op ? op : job, "QtyCompleted", 0));
    add_num_or_null(q, "scrap", op, "ActScrapQty");
    if (op) {
        q = cJSON_AddObjectToObject(p, "standard");
        cJSON_AddNumberToObject(q, "prod_standard",
                                kx_json_numeric(op, "ProdStandard", 0));
        cJSON_AddStringToObject(q, "std_format",
                                kx_json_str_or(op, "StdFormat", ""));
    } else {
        cJSON_AddNullToObject(p, "standard");
    }
    if (strcmp(event, "job.created") == 0 || strcmp(event, "job.released") == 0)
        cJSON_AddItemToObject(p, "operations", operations_of(emu, co, job));
    return p;
}

/* ---- one call ---------------------------------------------------------- */

/* 1 when fn's fault takes this event and has cuts left: the cuts made
 * are counted in the function's own copy ("cuts_done", shown in the
 * snapshot), up to the fault's "times". */
static int fault_due(cJSON *fn, const char *event)
{
    cJSON *f = cJSON_GetObjectItemCaseSensitive(fn, "fault");
    cJSON *done = cJSON_GetObjectItemCaseSensitive(fn, "cuts_done");
    double n = done ? done->valuedouble : 0;

    if (!f ||
        !in_list(cJSON_GetObjectItemCaseSensitive(f, "event"), event, 0) ||
        n >= kx_json_num(f, "times", 1))
        return 0;
    if (done)
        cJSON_SetNumberValue(done, n + 1);
    else
        cJSON_AddNumberToObject(fn, "cuts_done", 1);
    return 1;
}

static cJSON *call(struct km__epicor *emu, cJSON *fn, const char *event,
                   const char *body)
{
    struct km__epicor_jobs *sf = km__epicor_jobs_of(emu);
    long timeout = (long)kx_json_num(fn, "timeout_ms", DEFAULT_TIMEOUT_MS);
    const char *headers[34];
    char *owned[32], err[256] = "";
    const cJSON *h;
    size_t nh = 0, no = 0;
    int64_t t0 = km__epicor_now(emu), elapsed;
    long status;
    const char *outcome;
    cJSON *rec = cJSON_CreateObject();

    headers[nh++] = "Content-Type: application/json";
    cJSON_ArrayForEach(h, kx_json_obj(fn, "headers"))
    {
        if (cJSON_IsString(h) && no < 32) {
            owned[no] = kx_xasprintf("%s: %s", h->string, h->valuestring);
            headers[nh++] = owned[no++];
        }
    }
    headers[nh] = NULL;
    sf->open_calls++;
    if (fault_due(fn, event))
        status =
            km_webhook_post_cut(kx_json_str_or(fn, "url", ""), headers, body,
                                strlen(body), timeout, 0, err, sizeof(err));
    else
        status = km_webhook_post(kx_json_str_or(fn, "url", ""), headers, body,
                                 strlen(body), timeout, 0, err, sizeof(err));
    sf->open_calls--;
    /* A receiver that answers later than the timeout on the server clock
     * (a delay_ms fault) is one the caller stopped waiting for. */
    elapsed = km__epicor_now(emu) - t0;
    if (status == 0 && (strstr(err, "imed out") || strstr(err, "imeout")))
        outcome = "timeout";
    else if (status == 0)
        outcome = "no reply";
    else if (elapsed > timeout)
        outcome = "timeout";
    else if (status >= 200 && status <= 299)
        outcome = "delivered";
    else
        outcome = "rejected";
    cJSON_AddStringToObject(rec, "function", kx_json_str_or(fn, "name", ""));
    cJSON_AddStringToObject(rec, "url", kx_json_str_or(fn, "url", ""));
    cJSON_AddNumberToObject(rec, "status", (double)status);
    cJSON_AddStringToObject(rec, "outcome", outcome);
    cJSON_AddNumberToObject(rec, "attempts", 1);
    cJSON_AddNumberToObject(rec, "timeout_ms", (double)timeout);
    cJSON_AddNumberToObject(rec, "elapsed_ms", (double)elapsed);
    cJSON_AddStringToObject(rec, "error", status ? "" : err);
    for (size_t i = 0; i < no; i++)
        free(owned[i]);
    return rec;
}

void km__epicor_event_fire(struct km__epicor *emu,
                           struct km__epicor_company *co, const char *event,
                           const cJSON *job, const cJSON *op,
                           const struct km__epicor_cause *cause)
{
    struct km__epicor_jobs *sf = km__epicor_jobs_of(emu);
    const char *plant = kx_json_str_or(job, "Plant", "");
    cJSON *p = payload(emu, co, event, ++sf->sequence, job, op, cause);
    cJSON *entry = cJSON_CreateObject(), *calls;
    cJSON *fn;
    char *body = cJSON_PrintUnformatted(p);

    cJSON_AddNumberToObject(entry, "sequence", (double)sf->sequence);
    cJSON_AddStringToObject(entry, "event", event);
    cJSON_AddItemToObject(entry, "payload", p);
    calls = cJSON_AddArrayToObject(entry, "calls");
    cJSON_ArrayForEach(fn, sf->functions)
    {
        const cJSON *cos = cJSON_GetObjectItemCaseSensitive(fn, "companies");
        const cJSON *plants = cJSON_GetObjectItemCaseSensitive(fn, "plants");

        if (!in_list(cJSON_GetObjectItemCaseSensitive(fn, "event"), event, 0) ||
            (cos && !in_list(cos, co->id, emu->ci)) ||
            (plants && !in_list(plants, plant, emu->ci)))
            continue;
        cJSON_AddItemToArray(calls, call(emu, fn, event, body));
    }
    cJSON_free(body);
    cJSON_AddItemToArray(sf->events, entry);
}
