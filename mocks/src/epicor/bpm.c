/*
 * BPM as data (given.epicor.bpm): method directives and in-transaction
 * data directives, each a condition and one action.
 *
 * - Method directive {"kind":"method","service","method","when":"pre"|
 *   "post","table","condition","action",...}: pre-processing runs before
 *   the BO method on the rows of `table` in the input `ds`; post-
 *   processing on the rows of `table` in the reply's `parameters.ds` (or
 *   a tableset returnObj), after the method ran (a post exception reports
 *   the error, the method's writes stay, as base processing committed).
 * - Data directive {"kind":"data","table","condition","action",...}: runs
 *   on every row of `table` an Update, UpdateExt, MasterUpdate,
 *   UpdateMaster or OData write adds or changes (RowMod A/U), inside the
 *   transaction: an exception writes nothing.
 *
 * `condition` is an OData $filter over the row ("PONum eq ''"), absent:
 * always. `action` "exception" answers the BPM exception body (400,
 * Ice.Common.BusinessObjectException, `message`, the table in
 * ErrorDetails); "set_field" sets `field` to `value` on the matching
 * rows. Every directive that fired is recorded in the snapshot's
 * "bpm_fired".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <kx/json.h>
#include "epicor_emu.h"

#define BO_EXC "Ice.Common.BusinessObjectException"

int km__epicor_bpm_check(const cJSON *d, char *err, size_t errsz)
{
    const char *kind = kx_json_str_or(d, "kind", "method");
    const char *action = kx_json_str(d, "action");
    const char *cond = kx_json_str(d, "condition");
    struct km__odata_query q;
    char qerr[300];

    if (strcmp(kind, "method") == 0 &&
        (!kx_json_str(d, "service") || !kx_json_str(d, "method")))
        return km__epicor_errf(err, errsz,
                               "a method directive needs service and method");
    if (!kx_json_str(d, "table"))
        return km__epicor_errf(err, errsz, "a directive needs table");
    if (!action ||
        (strcmp(action, "exception") != 0 && strcmp(action, "set_field") != 0))
        return km__epicor_errf(err, errsz,
                               "action must be \"exception\" or "
                               "\"set_field\"");
    if (strcmp(action, "set_field") == 0 &&
        (!kx_json_str(d, "field") || !cJSON_GetObjectItem(d, "value")))
        return km__epicor_errf(err, errsz, "set_field needs field and value");
    if (km__odata_query_from_strings(&q, cond, NULL, qerr, sizeof(qerr)))
        return km__epicor_errf(err, errsz, "condition: %s", qerr);
    km__odata_query_dispose(&q);
    return 0;
}

static int row_matches(struct km__epicor *emu, const cJSON *d, const cJSON *row)
{
    struct km__odata_query q;
    char err[300];
    int hit;

    if (km__odata_query_from_strings(&q, kx_json_str(d, "condition"), NULL, err,
                                     sizeof(err)))
        return 0; /* checked when the configuration loaded */
    hit = km__odata_filter_eval(q.filter, row, emu->ci);
    km__odata_query_dispose(&q);
    return hit;
}

static void note_fired(struct km__epicor_call *c, const cJSON *d,
                       const char *where)
{
    cJSON *f = cJSON_CreateObject();

    cJSON_AddStringToObject(f, "kind", kx_json_str_or(d, "kind", "method"));
    cJSON_AddStringToObject(f, "where", where);
    cJSON_AddStringToObject(f, "table", kx_json_str_or(d, "table", ""));
    cJSON_AddStringToObject(f, "action", kx_json_str_or(d, "action", ""));
    cJSON_AddItemToArray(c->emu->bpm_fired, f);
}

/* Runs directive d over the rows of its table in ds; only_changed keeps
 * to rows with RowMod A or U. 1 when an exception was answered. */
static int run(struct km__epicor_call *c, const cJSON *d, cJSON *ds,
               int only_changed, const char *where)
{
    const char *table = kx_json_str(d, "table");
    cJSON *row, *rows = cJSON_GetObjectItemCaseSensitive(ds, table);
    int fired = 0;

    cJSON_ArrayForEach(row, rows)
    {
        const char *m = kx_json_str_or(row, "RowMod", "");

        if (only_changed && strcmp(m, "A") != 0 && strcmp(m, "U") != 0)
            continue;
        if (!row_matches(c->emu, d, row))
            continue;
        if (!fired++)
            note_fired(c, d, where);
        if (strcmp(kx_json_str(d, "action"), "set_field") == 0) {
            km__epicor_put(row, kx_json_str(d, "field"),
                           cJSON_Duplicate(cJSON_GetObjectItem(d, "value"), 1));
            continue;
        }
        km__epicor_bpm_error(c, table,
                             kx_json_str_or(d, "message", "BPM exception."));
        return 1;
    }
    return 0;
}

void km__epicor_bpm_error(struct km__epicor_call *c, const char *table,
                          const char *message)
{
    cJSON *body = km__epicor_error_body(c, 400, BO_EXC, message);
    cJSON *det = cJSON_GetArrayItem(
        cJSON_GetObjectItemCaseSensitive(body, "ErrorDetails"), 0);

    /* The detail names the table and method the directive sits on. */
    cJSON_AddStringToObject(det, "Table", table ? table : "");
    cJSON_AddStringToObject(det, "Program", "BPM");
    cJSON_AddStringToObject(det, "Method", c->method ? c->method : "");
    km__epicor_reply(c, 400, body);
}

static int method_matches(const struct km__epicor_call *c, const cJSON *d,
                          const char *when)
{
    return strcmp(kx_json_str_or(d, "kind", "method"), "method") == 0 &&
           strcmp(kx_json_str_or(d, "when", "pre"), when) == 0 && c->method &&
           strcasecmp(kx_json_str_or(d, "service", ""), c->service) == 0 &&
           strcmp(kx_json_str_or(d, "method", ""), c->method) == 0;
}

int km__epicor_bpm_pre(struct km__epicor_call *c, cJSON *params)
{
    const cJSON *d;

    cJSON_ArrayForEach(d, c->emu->bpm)
    {
        if (method_matches(c, d, "pre") &&
            run(c, d, cJSON_GetObjectItemCaseSensitive(params, "ds"), 0, "pre"))
            return -1;
    }
    return 0;
}

int km__epicor_bpm_post(struct km__epicor_call *c, cJSON *ret, cJSON *params)
{
    const cJSON *d;

    cJSON_ArrayForEach(d, c->emu->bpm)
    {
        cJSON *ds;

        if (!method_matches(c, d, "post"))
            continue;
        ds = cJSON_GetObjectItemCaseSensitive(params, "ds");
        if (!ds && cJSON_IsObject(ret))
            ds = ret;
        if (run(c, d, ds, 0, "post"))
            return -1;
    }
    return 0;
}

int km__epicor_bpm_data(struct km__epicor_call *c, cJSON *ds)
{
    const cJSON *d;

    cJSON_ArrayForEach(d, c->emu->bpm)
    {
        if (strcmp(kx_json_str_or(d, "kind", "method"), "data") == 0 &&
            run(c, d, ds, 1, "data"))
            return -1;
    }
    return 0;
}
