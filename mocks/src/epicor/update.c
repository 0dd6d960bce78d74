/*
 * The BO write path shared by Update, MasterUpdate, UpdateMaster and the
 * OData POST/PATCH/DELETE: rows of a tableset applied by RowMod ("A" add,
 * "U" update, "D" delete, "" unchanged), all-or-nothing.
 *
 * Pass 1 numbers new rows (company counters such as OrderNum, or the next
 * line under the parent), hands new header numbers down to child rows
 * that still say 0, and validates every row: the complete row (the
 * fields Update insists on), the stale-SysRevID check, parents present,
 * lookups valid. Pass 2 writes. Nothing is written when pass 1 fails.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "epicor_emu.h"

static int descends(int tid, int ancestor)
{
    for (int p = km__epicor_defs[tid].parent; p >= 0;
         p = km__epicor_defs[p].parent)
        if (p == ancestor)
            return 1;
    return 0;
}

static const char *rowmod(const cJSON *row)
{
    const char *m = kx_json_str(row, "RowMod");

    return m ? m : "";
}

static const char *sget(const cJSON *row, const char *f)
{
    const char *s = kx_json_str(row, f);

    return s ? s : "";
}

double km__epicor_round2(double v)
{
    return round(v * 100.0) / 100.0;
}

/* Derived columns Epicor computes on save. */
void km__epicor_derive(const struct km__epicor_tabledef *d, cJSON *row)
{
    if (d->id == T_ORDERDTL) {
        double sq = kx_json_numeric(row, "SellingQuantity", 0);
        double dup = kx_json_numeric(row, "DocUnitPrice", 0);

        if (sq > 0)
            km__epicor_set_num(row, "OrderQty", sq);
        if (dup == 0)
            dup = kx_json_numeric(row, "UnitPrice", 0);
        km__epicor_set_num(row, "DocUnitPrice", dup);
        km__epicor_set_num(row, "UnitPrice", dup);
        km__epicor_set_num(
            row, "ExtPriceDtl",
            km__epicor_round2(kx_json_numeric(row, "OrderQty", 0) * dup));
        km__epicor_set_num(row, "DocExtPriceDtl", km__epicor_round2(sq * dup));
    } else if (d->id == T_APINVDTL) {
        double q = kx_json_numeric(row, "ScrVendorQty", 0);
        double ext = kx_json_numeric(row, "ScrDocExtCost", 0);

        if (q == 0)
            q = kx_json_numeric(row, "VendorQty", 0);
        if (ext == 0)
            ext = km__epicor_round2(q * kx_json_numeric(row, "DocUnitCost", 0));
        km__epicor_set_num(row, "VendorQty", q);
        km__epicor_set_num(row, "OurQty", q);
        km__epicor_set_num(row, "DocExtCost", ext);
        km__epicor_set_num(row, "ExtCost", ext);
    } else if (d->id == T_PODETAIL) {
        double q = kx_json_numeric(row, "XOrderQty", 0);

        km__epicor_set_num(row, "OrderQty", q);
        if (kx_json_numeric(row, "DocUnitCost", 0) == 0)
            km__epicor_set_num(row, "DocUnitCost",
                               kx_json_numeric(row, "UnitCost", 0));
        km__epicor_set_num(row, "UnitCost",
                           kx_json_numeric(row, "DocUnitCost", 0));
    } else if (d->id == T_REQDETAIL) {
        double q = kx_json_numeric(row, "XOrderQty", 0);
        double cost = kx_json_numeric(row, "DocUnitCost", 0);

        km__epicor_set_num(row, "OrderQty", q);
        km__epicor_set_num(row, "UnitCost", cost);
        km__epicor_set_num(row, "DocExtCost", km__epicor_round2(q * cost));
        km__epicor_set_num(row, "ExtCost", km__epicor_round2(q * cost));
    }
}

static struct km__epicor_row *lookup(struct km__epicor_call *c, int tid,
                                     const char *field, const cJSON *value)
{
    cJSON *vals = cJSON_CreateArray();
    struct km__epicor_table *t = &c->co->t[tid];
    struct km__epicor_row *r;
    char *key;

    (void)field;
    cJSON_AddItemToArray(vals, cJSON_CreateString(c->co->id));
    cJSON_AddItemToArray(vals, cJSON_Duplicate(value, 1));
    key = km__epicor_key_of_values(t, vals, 2, c->emu->ci);
    r = km__epicor_find(t, key);
    free(key);
    cJSON_Delete(vals);
    return r;
}

/* Business checks of a row being added or updated; 0 or -1 with msg. */
static int check_row(struct km__epicor_call *c,
                     const struct km__epicor_tabledef *d, const cJSON *row,
                     char *msg, size_t n)
{
    const cJSON *v;

    switch (d->id) {
    case T_ORDERHED:
        v = cJSON_GetObjectItemCaseSensitive(row, "CustNum");
        if (!cJSON_IsNumber(v) || v->valuedouble <= 0) {
            snprintf(msg, n,
                     "Customer is required. Set the sold-to "
                     "customer (ChangeCustomer) before saving the "
                     "order.");
            return -1;
        }
        if (!lookup(c, T_CUSTOMER, "CustNum", v)) {
            snprintf(msg, n, "Customer %.0f is not valid.", v->valuedouble);
            return -1;
        }
        break;
    case T_ORDERDTL:
        if (!*sget(row, "PartNum") && !*sget(row, "LineDesc")) {
            snprintf(msg, n, "Part number or line description is required.");
            return -1;
        }
        break;
    case T_POHEADER:
    case T_APINVHED:
        v = cJSON_GetObjectItemCaseSensitive(row, "VendorNum");
        if (!v || !lookup(c, T_VENDOR, "VendorNum", v)) {
            snprintf(msg, n, "Supplier is not valid.");
            return -1;
        }
        break;
    case T_CUSTOMER:
        if (!*sget(row, "CustID")) {
            snprintf(msg, n, "Customer ID is required.");
            return -1;
        }
        break;
    case T_APINVEXPTGLC:
    case T_PORELTGLC:
        return km__epicor_check_tglc(c, row, msg, n);
    default:
        break;
    }
    return 0;
}

static int missing_fields(const struct km__epicor_tabledef *d, const cJSON *row,
                          char *msg, size_t n)
{
    const char *p = d->required;

    while (p && *p) {
        size_t len = strcspn(p, " ");
        char f[64];

        snprintf(f, sizeof(f), "%.*s", (int)len, p);
        if (!cJSON_HasObjectItem(row, f)) {
            snprintf(msg, n,
                     "%s.%s is missing. Update needs the complete row: get "
                     "it with GetNew%s or GetByID, change it, and send it "
                     "back whole.",
                     d->table, f, d->table);
            return -1;
        }
        p += len + strspn(p + len, " ");
    }
    return 0;
}

struct pass {
    int64_t counters[T_COUNT];
    cJSON *new_heads; /* [{"tid":..,"num":..}] for children with 0 */
};

/* Numbers an added row; passes new header numbers down. */
static void number_new(struct km__epicor_call *c, struct pass *ps,
                       const struct km__epicor_tabledef *d, cJSON *row,
                       const cJSON *earlier)
{
    size_t nk = km__epicor_nkeys(d);
    const char *last = d->keys[nk - 1];
    const cJSON *h;

    cJSON_ArrayForEach(h, ps->new_heads)
    {
        int tid = (int)kx_json_numeric(h, "tid", 0);
        const char *f = d->keys[1];
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, f);

        if (descends((int)d->id, tid) &&
            (!v || (cJSON_IsNumber(v) && v->valuedouble == 0)))
            km__epicor_set_num(row, f, kx_json_numeric(h, "num", 0));
    }
    if (d->autonum == AUTO_COUNTER && kx_json_numeric(row, last, 0) <= 0) {
        km__epicor_set_num(row, last, (double)ps->counters[d->id]);
        if (d->parent < 0) {
            cJSON *nh = cJSON_CreateObject();

            cJSON_AddNumberToObject(nh, "tid", d->id);
            cJSON_AddNumberToObject(nh, "num", (double)ps->counters[d->id]);
            cJSON_AddItemToArray(ps->new_heads, nh);
        }
        ps->counters[d->id]++;
    } else if (d->autonum == AUTO_LINE && kx_json_numeric(row, last, 0) <= 0) {
        struct km__epicor_table *t = &c->co->t[d->id];
        int64_t line = km__epicor_next_line(t, row, c->emu->ci);
        const cJSON *e;

        cJSON_ArrayForEach(e, earlier)
        {
            size_t k = 1;

            if (e == row)
                break;
            while (k + 1 < nk &&
                   km__odata_json_compare(
                       cJSON_GetObjectItemCaseSensitive(e, d->keys[k]),
                       cJSON_GetObjectItemCaseSensitive(row, d->keys[k]),
                       c->emu->ci) == 0)
                k++;
            if (k + 1 == nk && kx_json_numeric(e, last, 0) >= (double)line)
                line = (int64_t)kx_json_numeric(e, last, 0) + 1;
        }
        km__epicor_set_num(row, last, (double)line);
    }
}

static int parent_present(struct km__epicor_call *c,
                          const struct km__epicor_tabledef *d, const cJSON *row,
                          cJSON *ds)
{
    const struct km__epicor_tabledef *pd;
    struct km__epicor_table *pt;
    const cJSON *pr;
    char *pkey, *k;
    int found;

    if (d->parent < 0)
        return 1;
    pd = &km__epicor_defs[d->parent];
    pt = &c->co->t[pd->id];
    pkey = km__epicor_key_of_row(pt, row, c->emu->ci);
    if (!pkey) { /* child key fields are named like the parent's */
        cJSON *vals = cJSON_CreateArray();

        for (size_t i = 0; pd->keys[i]; i++)
            cJSON_AddItemToArray(
                vals,
                cJSON_Duplicate(
                    cJSON_GetObjectItemCaseSensitive(row, d->keys[i]), 1));
        pkey = km__epicor_key_of_values(pt, vals, km__epicor_nkeys(pd),
                                        c->emu->ci);
        cJSON_Delete(vals);
    }
    found = km__epicor_find(pt, pkey) != NULL;
    cJSON_ArrayForEach(pr, cJSON_GetObjectItemCaseSensitive(ds, pd->table))
    {
        if (found || strcmp(rowmod(pr), "A") != 0)
            continue;
        k = km__epicor_key_of_row(pt, pr, c->emu->ci);
        found = k && pkey && strcmp(k, pkey) == 0;
        free(k);
    }
    free(pkey);
    return found;
}

/* Pass 1 for one row. 0, or -1 after replying. */
static int validate(struct km__epicor_call *c, struct pass *ps,
                    const struct km__epicor_tabledef *d, cJSON *row, cJSON *ds,
                    const cJSON *rows)
{
    struct km__epicor_table *t = &c->co->t[d->id];
    const char *mod = rowmod(row);
    struct km__epicor_row *cur;
    char msg[400], *key;
    int rc = -1;

    km__epicor_set_str(row, "Company", c->co->id);
    km__epicor_inconv(row);
    if (strcmp(mod, "A") == 0) {
        if (d->autonum == AUTO_GUID)
            km__epicor_tglc_direct(c, row); /* the quirk: a row of its own */
        else
            number_new(c, ps, d, row, rows);
    }
    key = km__epicor_key_of_row(t, row, c->emu->ci);
    cur = km__epicor_find(t, key);
    if (!key) {
        km__epicor_error(c, 400, NULL, "%s: a key field is missing or empty.",
                         d->table);
    } else if (strcmp(mod, "D") == 0 || strcmp(mod, "U") == 0) {
        const cJSON *rev = cJSON_GetObjectItemCaseSensitive(row, "SysRevID");
        int tmp;
        cJSON *j = cur ? km__epicor_view(t, cur, &tmp) : NULL;

        if (!cur)
            km__epicor_error(c, 404, NULL, "Record not found: %s.", d->table);
        else if (strcmp(mod, "U") == 0 &&
                 missing_fields(d, row, msg, sizeof(msg)))
            km__epicor_error(c, 400, NULL, "%s", msg);
        else if (strcmp(mod, "U") == 0 &&
                 (!cJSON_IsNumber(rev) ||
                  (int64_t)rev->valuedouble != cur->revid))
            km__epicor_error(c, c->emu->conflict_status, NULL,
                             "Row has been modified by another user and "
                             "couldn't be updated.");
        else if (strcmp(mod, "U") == 0 &&
                 check_row(c, d, row, msg, sizeof(msg)))
            km__epicor_error(c, 400, NULL, "%s", msg);
        else
            rc = 0;
        if (j && tmp)
            cJSON_Delete(j);
    } else if (cur) {
        km__epicor_error(c, 409, NULL,
                         "A %s record with the same key already exists.",
                         d->table);
    } else if (missing_fields(d, row, msg, sizeof(msg)) ||
               check_row(c, d, row, msg, sizeof(msg))) {
        km__epicor_error(c, 400, NULL, "%s", msg);
    } else if (!parent_present(c, d, row, ds)) {
        km__epicor_error(c, 400, NULL, "%s not found for this %s.",
                         km__epicor_defs[d->parent].table, d->table);
    } else {
        rc = 0;
    }
    free(key);
    return rc;
}

/* Pass 2 for one row; returns the stored JSON (NULL after a delete). */
static const cJSON *apply(struct km__epicor_call *c,
                          const struct km__epicor_tabledef *d, cJSON *row)
{
    struct km__epicor_table *t = &c->co->t[d->id];
    const char *mod = rowmod(row);
    char *key = km__epicor_key_of_row(t, row, c->emu->ci);
    struct km__epicor_row *cur = km__epicor_find(t, key);
    cJSON *stored = NULL, *f;

    free(key);
    if (strcmp(mod, "D") == 0) {
        km__epicor_remove(t, cur);
        return NULL;
    }
    if (strcmp(mod, "A") == 0) {
        stored = cJSON_Duplicate(row, 1);
        km__epicor_fill_defaults(t, stored);
        km__epicor_derive(d, stored);
        km__epicor_stamp_row(c->emu, d, stored);
        cur = km__epicor_insert(c->emu, t, stored);
        km__epicor_added(c, d, cur->json);
        return cur->json;
    }
    stored = km__epicor_own(t, cur);
    cJSON_ArrayForEach(f, row)
    {
        if (strcmp(f->string, "Company") == 0 ||
            strcmp(f->string, "SysRowID") == 0 ||
            strcmp(f->string, "SysRevID") == 0 ||
            strcmp(f->string, "RowMod") == 0 || cJSON_IsArray(f))
            continue;
        km__epicor_put(stored, f->string, cJSON_Duplicate(f, 1));
    }
    km__epicor_derive(d, stored);
    km__epicor_touch(c->emu, t, cur);
    km__epicor_updated(c, d, stored);
    return stored;
}

int km__epicor_update_ds(struct km__epicor_call *c, cJSON *ds, cJSON *touched)
{
    struct pass ps;
    int rc = -1;

    if (!cJSON_IsObject(ds)) {
        km__epicor_error(c, 400, NULL,
                         "Unable to deserialize the tableset 'ds'.");
        return -1;
    }
    memcpy(ps.counters, c->co->counters, sizeof(ps.counters));
    ps.new_heads = cJSON_CreateArray();
    for (int i = 0; i < T_COUNT; i++) {
        const struct km__epicor_tabledef *d = &km__epicor_defs[i];
        cJSON *rows = cJSON_GetObjectItemCaseSensitive(ds, d->table), *row;

        if (strcmp(d->service, c->service) != 0 || !rows)
            continue;
        cJSON_ArrayForEach(row, rows)
        {
            const char *m = rowmod(row);

            if (!cJSON_IsObject(row) ||
                (*m && strcmp(m, "A") && strcmp(m, "U") && strcmp(m, "D"))) {
                km__epicor_error(c, 400, NULL, "%s: invalid RowMod '%s'.",
                                 d->table, m);
                goto out;
            }
            if (*m && validate(c, &ps, d, row, ds, rows))
                goto out;
        }
    }
    /* In-transaction data directives: after validation, before any row
     * is written, so an exception leaves everything as it was. */
    if (km__epicor_bpm_data(c, ds))
        goto out;
    memcpy(c->co->counters, ps.counters, sizeof(ps.counters));
    for (int i = 0; i < T_COUNT; i++) {
        const struct km__epicor_tabledef *d = &km__epicor_defs[i];
        cJSON *rows = cJSON_GetObjectItemCaseSensitive(ds, d->table), *row,
              *next;

        if (strcmp(d->service, c->service) != 0 || !rows)
            continue;
        for (row = rows->child; row; row = next) {
            const cJSON *stored;

            next = row->next;
            if (!*rowmod(row))
                continue;
            stored = apply(c, d, row);
            if (!stored) {
                cJSON_Delete(cJSON_DetachItemViaPointer(rows, row));
                continue;
            }
            if (touched && d->parent < 0) {
                char *k =
                    km__epicor_key_of_row(&c->co->t[i], stored, c->emu->ci);

                cJSON_AddItemToArray(touched, cJSON_CreateString(k));
                free(k);
            }
            cJSON_ReplaceItemViaPointer(rows, row, cJSON_Duplicate(stored, 1));
        }
    }
    km__epicor_after_update(c, ds);
    rc = 0;
out:
    cJSON_Delete(ps.new_heads);
    return rc;
}

cJSON *km__epicor_tableset(struct km__epicor_call *c,
                           const struct km__epicor_tabledef *def,
                           const char *key)
{
    cJSON *ds = cJSON_CreateObject();
    struct km__epicor_table *t = &c->co->t[def->id];
    struct km__epicor_row *r = km__epicor_find(t, key);
    int tmp;

    for (int i = 0; i < T_COUNT; i++) {
        const struct km__epicor_tabledef *d = &km__epicor_defs[i];
        cJSON *arr;

        if (strcmp(d->service, def->service) != 0)
            continue;
        arr = cJSON_AddArrayToObject(ds, d->table);
        if (!r)
            continue;
        if (d == def) {
            cJSON *j = km__epicor_view(t, r, &tmp);

            cJSON_AddItemToArray(arr, tmp ? j : cJSON_Duplicate(j, 1));
        } else if (descends(i, (int)def->id)) {
            km__epicor_children(arr, &c->co->t[i], key);
        }
    }
    km__epicor_tableset_complete(c->service, ds);
    if (!cJSON_GetObjectItemCaseSensitive(ds, "ExtensionTables"))
        cJSON_AddArrayToObject(ds, "ExtensionTables");
    return ds;
}

cJSON *km__epicor_new_row(struct km__epicor_call *c,
                          const struct km__epicor_tabledef *def, cJSON *ds,
                          const cJSON *keyvals)
{
    struct km__epicor_table *t = &c->co->t[def->id];
    cJSON *row = cJSON_Duplicate(t->tmpl, 1), *arr;
    const cJSON *v;
    size_t k = 1, nk = km__epicor_nkeys(def);
    char guid[37];

    km__epicor_set_str(row, "Company", c->co->id);
    cJSON_ArrayForEach(v, keyvals)
    {
        if (k >= nk)
            break;
        if (((def->numeric >> k) & 1) && cJSON_IsString(v))
            km__epicor_set_num(row, def->keys[k], strtod(v->valuestring, NULL));
        else
            km__epicor_put(row, def->keys[k], cJSON_Duplicate(v, 1));
        k++;
    }
    arr = cJSON_GetObjectItemCaseSensitive(ds, def->table);
    if (!cJSON_IsArray(arr)) {
        cJSON_DeleteItemFromObjectCaseSensitive(ds, def->table);
        arr = cJSON_AddArrayToObject(ds, def->table);
    }
    if (def->autonum == AUTO_LINE) {
        struct pass ps;

        memset(&ps, 0, sizeof(ps));
        ps.new_heads = cJSON_CreateArray();
        cJSON_AddItemToArray(arr, row); /* so ds lines count */
        number_new(c, &ps, def, row, arr);
        cJSON_DetachItemViaPointer(arr, row);
        cJSON_Delete(ps.new_heads);
    }
    km__epicor_guid(c->emu, guid);
    km__epicor_set_str(row, "SysRowID", guid);
    km__epicor_set_num(row, "SysRevID", 0);
    km__epicor_set_str(row, "RowMod", "A");
    km__epicor_new_defaults(c, def, row, ds);
    cJSON_AddItemToArray(arr, row);
    return row;
}
