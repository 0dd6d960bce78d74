/*
 * The harness's view of the emulator: snapshot() (layout in README.md)
 * and act(), the changes an ERP user makes (change a part, set stock,
 * add a part or customer, ...) plus the auth faults as actions.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "epicor_emu.h"

/* Row copy with its child sets embedded (recursively). */
static cJSON *embed(struct km__epicor_company *co, int tid, const cJSON *row,
                    int ci)
{
    cJSON *out = cJSON_Duplicate(row, 1);
    char *key = km__epicor_key_of_row(&co->t[tid], row, ci);

    for (int c = 0; key && c < T_COUNT; c++) {
        cJSON *kids, *k, *arr;

        if (km__epicor_defs[c].parent != tid)
            continue;
        kids = cJSON_CreateArray();
        km__epicor_children(kids, &co->t[c], key);
        arr = cJSON_AddArrayToObject(out, km__epicor_defs[c].set);
        cJSON_ArrayForEach(k, kids)
            cJSON_AddItemToArray(arr, embed(co, c, k, ci));
        cJSON_Delete(kids);
    }
    free(key);
    return out;
}

cJSON *km__epicor_snapshot(void *state)
{
    struct km__epicor *emu = state;
    cJSON *o = cJSON_CreateObject(), *cos;

    cJSON_AddStringToObject(o, "instance", emu->instance);
    cJSON_AddNumberToObject(o, "tokens_issued", (double)emu->tokens_issued);
    cJSON_AddNumberToObject(o, "tokens_active",
                            (double)km__epicor_tokens_active(emu));
    cJSON_AddNumberToObject(o, "licenses_in_use",
                            km__epicor_licenses_in_use(emu));
    cJSON_AddItemToObject(o, "efx_calls", cJSON_Duplicate(emu->efx_calls, 1));
    cJSON_AddItemToObject(o, "bpm_fired", cJSON_Duplicate(emu->bpm_fired, 1));
    cJSON_AddItemToObject(o, "sessions", cJSON_Duplicate(emu->session_mods, 1));
    km__epicor_jobs_snapshot(emu, o);
    cos = cJSON_AddObjectToObject(o, "companies");
    for (size_t i = 0; i < emu->ncompanies; i++) {
        struct km__epicor_company *co = emu->companies[i];
        cJSON *cj = cJSON_AddObjectToObject(cos, co->id);

        for (int t = 0; t < T_COUNT; t++) {
            struct km__epicor_table *tb = &co->t[t];
            const struct km__epicor_tabledef *d = tb->def;
            cJSON *arr = cJSON_AddArrayToObject(cj, d->set);

            for (size_t r = 0; r < tb->n; r++) {
                int tmp;
                cJSON *j = km__epicor_view(tb, tb->by_key[r], &tmp);

                cJSON_AddItemToArray(arr, d->parent < 0
                                              ? embed(co, t, j, emu->ci)
                                              : cJSON_Duplicate(j, 1));
                if (tmp)
                    cJSON_Delete(j);
            }
            /* The config's name for the same rows ("orders", "parts"). */
            cJSON_AddItemToObject(cj, d->fixture, cJSON_Duplicate(arr, 1));
        }
    }
    return o;
}

static int act_fail(char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int act_fail(char *err, size_t errsz, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errsz, fmt, ap);
    va_end(ap);
    return -1;
}

static struct km__epicor_company *company_arg(struct km__epicor *emu,
                                              const cJSON *args)
{
    const char *id = kx_json_str(args, "company");

    return id ? km__epicor_company_find(emu, id) : emu->companies[0];
}

struct km__epicor_row *km__epicor_act_find(struct km__epicor *emu,
                                           struct km__epicor_company *co,
                                           int tid, const cJSON *vals)
{
    cJSON *all = cJSON_CreateArray();
    const cJSON *v;
    struct km__epicor_row *r;
    char *key;

    cJSON_AddItemToArray(all, cJSON_CreateString(co->id));
    cJSON_ArrayForEach(v, vals)
        cJSON_AddItemToArray(all, cJSON_Duplicate(v, 1));
    key = km__epicor_key_of_values(&co->t[tid], all,
                                   (size_t)cJSON_GetArraySize(all), emu->ci);
    r = (size_t)cJSON_GetArraySize(all) ==
                km__epicor_nkeys(&km__epicor_defs[tid])
            ? km__epicor_find(&co->t[tid], key)
            : NULL;
    free(key);
    cJSON_Delete(all);
    return r;
}

void km__epicor_act_merge(struct km__epicor *emu, struct km__epicor_table *t,
                          struct km__epicor_row *r, const cJSON *fields)
{
    cJSON *j = km__epicor_own(t, r);
    const cJSON *f;

    cJSON_ArrayForEach(f, fields)
    {
        if (strcmp(f->string, "SysRevID") && strcmp(f->string, "SysRowID") &&
            strcmp(f->string, "Company"))
            km__epicor_put(j, f->string, cJSON_Duplicate(f, 1));
    }
    km__epicor_inconv(j);
    km__epicor_touch(emu, t, r);
}

static int add_row(struct km__epicor *emu, struct km__epicor_company *co,
                   int tid, const cJSON *args, cJSON **result, char *err,
                   size_t errsz)
{
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(args, "row");
    cJSON *rows = cJSON_CreateArray(), *row;
    int rc;

    row = cJSON_Duplicate(src ? src : args, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(row, "company");
    cJSON_DeleteItemFromObjectCaseSensitive(row, "entity_set");
    cJSON_AddItemToArray(rows, row);
    rc = km__epicor_load_rows(emu, co, (enum km__epicor_tid)tid, rows, NULL,
                              err, errsz);
    cJSON_Delete(rows);
    if (rc == 0 && result)
        *result = cJSON_Duplicate(co->t[tid].by_rev[co->t[tid].n - 1]->json, 1);
    return rc;
}

static int set_on_hand(struct km__epicor *emu, struct km__epicor_company *co,
                       const cJSON *args, cJSON **result, char *err,
                       size_t errsz)
{
    const char *pn = kx_json_str(args, "part_num");
    const char *wh = kx_json_str(args, "warehouse");
    const char *plant = kx_json_str(args, "plant");
    const cJSON *qty = cJSON_GetObjectItemCaseSensitive(args, "qty");
    cJSON *vals, *fields;
    struct km__epicor_row *r;

    if (!pn || !wh || !cJSON_IsNumber(qty))
        return act_fail(err, errsz,
                        "set_on_hand needs part_num, warehouse "
                        "and a numeric qty");
    vals = cJSON_CreateArray();
    cJSON_AddItemToArray(vals, cJSON_CreateString(pn));
    if (!km__epicor_act_find(emu, co, T_PART, vals)) {
        cJSON_Delete(vals);
        return act_fail(err, errsz, "set_on_hand: no part '%s'", pn);
    }
    cJSON_AddItemToArray(vals, cJSON_CreateString(plant ? plant : "MfgSys"));
    cJSON_AddItemToArray(vals, cJSON_CreateString(wh));
    r = km__epicor_act_find(emu, co, T_PARTWHSE, vals);
    cJSON_Delete(vals);
    fields = cJSON_CreateObject();
    cJSON_AddNumberToObject(fields, "OnHandQty", qty->valuedouble);
    if (r) {
        km__epicor_act_merge(emu, &co->t[T_PARTWHSE], r, fields);
        if (result)
            *result = cJSON_Duplicate(r->json, 1);
        cJSON_Delete(fields);
        return 0;
    }
    cJSON_AddStringToObject(fields, "PartNum", pn);
    cJSON_AddStringToObject(fields, "Plant", plant ? plant : "MfgSys");
    cJSON_AddStringToObject(fields, "WarehouseCode", wh);
    {
        int rc = add_row(emu, co, T_PARTWHSE, fields, result, err, errsz);

        cJSON_Delete(fields);
        return rc;
    }
}

int km__epicor_act(void *state, const char *action, const cJSON *args,
                   cJSON **result, char *err, size_t errsz)
{
    struct km__epicor *emu = state;
    struct km__epicor_company *co = company_arg(emu, args);
    const struct km__epicor_tabledef *d = NULL;

    emu->writes++;
    const char *set = kx_json_str(args, "entity_set");

    if (result)
        *result = NULL;
    if (!co)
        return act_fail(err, errsz, "%s: unknown company", action);
    for (int i = 0; set && i < T_COUNT; i++) {
        if (strcmp(km__epicor_defs[i].set, set) == 0 ||
            strcmp(km__epicor_defs[i].table, set) == 0)
            d = &km__epicor_defs[i];
    }
    if (strcmp(action, "change_part") == 0 ||
        strcmp(action, "change_row") == 0) {
        const cJSON *fields = cJSON_GetObjectItemCaseSensitive(args, "fields");
        cJSON *vals;
        struct km__epicor_row *r;
        int tid = d ? (int)d->id : T_PART;

        if (action[7] == 'r' && !d)
            return act_fail(err, errsz, "change_row needs entity_set");
        if (!cJSON_IsObject(fields))
            return act_fail(err, errsz, "%s needs a fields object", action);
        vals = action[7] == 'r'
                   ? cJSON_Duplicate(
                         cJSON_GetObjectItemCaseSensitive(args, "keys"), 1)
                   : cJSON_CreateArray();
        if (action[7] == 'p')
            cJSON_AddItemToArray(
                vals, cJSON_CreateString(kx_json_str(args, "part_num")
                                             ? kx_json_str(args, "part_num")
                                             : ""));
        r = km__epicor_act_find(emu, co, tid, vals);
        cJSON_Delete(vals);
        if (!r)
            return act_fail(err, errsz, "%s: row not found", action);
        km__epicor_act_merge(emu, &co->t[tid], r, fields);
        if (result)
            *result = cJSON_Duplicate(r->json, 1);
        return 0;
    }
    switch (
        km__epicor_act_purchasing(emu, co, action, args, result, err, errsz)) {
    case 0:
        return 0;
    case -1:
        return -1;
    default: /* not a purchasing action */
        break;
    }
    switch (km__epicor_act_jobs(emu, co, action, args, result, err, errsz)) {
    case 0:
        return 0;
    case -1:
        return -1;
    default: /* not a shop-floor action */
        break;
    }
    if (strcmp(action, "set_on_hand") == 0)
        return set_on_hand(emu, co, args, result, err, errsz);
    if (strcmp(action, "add_part") == 0)
        return add_row(emu, co, T_PART, args, result, err, errsz);
    if (strcmp(action, "add_customer") == 0)
        return add_row(emu, co, T_CUSTOMER, args, result, err, errsz);
    if (strcmp(action, "add_row") == 0) {
        if (!d)
            return act_fail(err, errsz, "add_row needs entity_set");
        return add_row(emu, co, (int)d->id, args, result, err, errsz);
    }
    if (strcmp(action, "delete_row") == 0) {
        struct km__epicor_row *r =
            d ? km__epicor_act_find(
                    emu, co, (int)d->id,
                    cJSON_GetObjectItemCaseSensitive(args, "keys"))
              : NULL;

        if (!r)
            return act_fail(err, errsz, "delete_row: row not found");
        km__epicor_remove(&co->t[d->id], r);
        return 0;
    }
    if (strcmp(action, "expire_tokens") == 0 ||
        strcmp(action, "revoke_key") == 0 ||
        strcmp(action, "exhaust_licenses") == 0)
        return km__epicor_fault(emu, action, args);
    if (strcmp(action, "release_licenses") == 0) {
        emu->licenses_exhausted_until = 0;
        return 0;
    }
    if (strcmp(action, "publish_function") == 0 ||
        strcmp(action, "demote_function") == 0) {
        cJSON *it;

        cJSON_ArrayForEach(it, emu->functions)
        {
            if (strcmp(kx_json_str(it, "library"),
                       kx_json_str(args, "library")
                           ? kx_json_str(args, "library")
                           : "") == 0 &&
                strcmp(kx_json_str(it, "function"),
                       kx_json_str(args, "function")
                           ? kx_json_str(args, "function")
                           : "") == 0) {
                km__epicor_put(it, "published",
                               cJSON_CreateBool(action[0] == 'p'));
                return 0;
            }
        }
        return act_fail(err, errsz, "%s: no such function", action);
    }
    return act_fail(err, errsz, "epicor: unknown action '%s'", action);
}
