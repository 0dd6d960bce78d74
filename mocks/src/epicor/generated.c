/*
 * Generated rows ("generate": {"parts": N}): only their key, SysRevID and
 * index are stored; each field is computed from the seed and the index
 * when asked. gen_field is the one description of a generated row: the
 * JSON of a row (km__epicor_view, when a row goes into a reply or is
 * written) and the values a $filter reads (km__epicor_row_matches, which
 * never builds JSON) both come from it, so they cannot disagree.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/alloc.h>
#include "epicor_emu.h"

/* The fields the generator sets, in the order they are set on a copy of
 * the GetNew template (the rest keep the template's value). */
static const char *const part_fields[] = {
    "Company",   "PartNum",  "PartDescription", "SearchWord",
    "ClassID",   "ProdCode", "UnitPrice",       "ChangedOn",
    "CreatedOn", "SysRowID", "SysRevID",        "RowMod",
    NULL};
static const char *const whse_fields[] = {
    "Company",  "PartNum",  "WarehouseCode", "OnHandQty",
    "SysRowID", "SysRevID", "RowMod",        NULL};

#define gen_value km__epicor_gen_value

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

void km__epicor_gen_partnum(char *buf, size_t n, uint32_t i)
{
    snprintf(buf, n, "GEN-%06" PRIu32, i + 1);
}

/* The value of field in generated row r: 1 with *out set (strings in
 * buf, bufsz >= 96), or 0 when the generator leaves the field at the
 * template's value. */
static int gen_field(const struct km__epicor_table *t,
                     const struct km__epicor_row *r, const char *field,
                     struct gen_value *out, char *buf, size_t bufsz)
{
    uint64_t h = mix(t->gen.seed ^ ((uint64_t)r->gen << 1));
    int part = t->def->id == T_PART;

    out->s = buf;
    out->d = 0;
    out->b = -1;
    if (t->gen_jobs) {
        int rc = km__epicor_gen_job_field(t, r, field, out, buf, bufsz);

        if (rc >= 0) /* else a field every generated row has */
            return rc;
    }
    if (strcmp(field, "Company") == 0) {
        out->s = t->co->id;
    } else if (strcmp(field, "PartNum") == 0 ||
               (part && strcmp(field, "SearchWord") == 0)) {
        km__epicor_gen_partnum(buf, bufsz, r->gen);
    } else if (strcmp(field, "SysRowID") == 0) {
        snprintf(buf, bufsz, "%08x-%04x-4%03x-8%03x-%012" PRIx64,
                 (unsigned)(h >> 32), (unsigned)(h >> 16) & 0xffff,
                 (unsigned)h & 0xfff, (unsigned)(r->gen & 0xfff),
                 (uint64_t)(mix(h) & 0xffffffffffffULL));
    } else if (strcmp(field, "SysRevID") == 0) {
        out->s = NULL;
        out->d = (double)r->revid;
    } else if (strcmp(field, "RowMod") == 0) {
        out->s = "";
    } else if (!part) {
        if (strcmp(field, "WarehouseCode") == 0)
            out->s = "MAIN";
        else if (strcmp(field, "OnHandQty") == 0)
            out->s = NULL, out->d = (double)((h >> 8) % 500);
        else
            return 0;
    } else if (strcmp(field, "PartDescription") == 0) {
        snprintf(buf, bufsz, "Generated part %" PRIu32 " (%04x)", r->gen + 1,
                 (unsigned)(h & 0xffff));
    } else if (strcmp(field, "ClassID") == 0) {
        out->s = (h >> 16) % 3 == 0 ? "RAW" : "FG";
    } else if (strcmp(field, "ProdCode") == 0) {
        out->s = (h >> 20) % 2 ? "WIDGETS" : "GADGETS";
    } else if (strcmp(field, "UnitPrice") == 0) {
        out->s = NULL;
        out->d = (double)(100 + (h >> 24) % 99900) / 100.0;
    } else if (strcmp(field, "ChangedOn") == 0 ||
               strcmp(field, "CreatedOn") == 0) {
        out->s = t->gen_stamp;
    } else {
        return 0;
    }
    return 1;
}

static cJSON *gen_row(const struct km__epicor_table *t,
                      const struct km__epicor_row *r)
{
    const char *const *names = t->gen_jobs ? km__epicor_gen_job_fields(t)
                               : t->def->id == T_PART ? part_fields
                                                      : whse_fields;
    cJSON *o = cJSON_Duplicate(t->tmpl, 1);
    char buf[96];

    if (!o)
        abort();
    for (size_t i = 0; names[i]; i++) {
        struct gen_value v;

        if (!gen_field(t, r, names[i], &v, buf, sizeof(buf)))
            continue; /* this row keeps the template's value */
        if (v.b >= 0)
            km__epicor_set_bool(o, names[i], v.b);
        else if (v.s)
            km__epicor_set_str(o, names[i], v.s);
        else
            km__epicor_set_num(o, names[i], v.d);
    }
    return o;
}

cJSON *km__epicor_view(const struct km__epicor_table *t,
                       const struct km__epicor_row *r, int *tmp)
{
    *tmp = r->json == NULL;
    return r->json ? r->json : gen_row(t, r);
}

cJSON *km__epicor_own(struct km__epicor_table *t, struct km__epicor_row *r)
{
    if (!r->json)
        r->json = gen_row(t, r);
    return r->json;
}

/* A stored row as the $filter evaluator reads it. Generated strings live
 * in a ring of buffers: a comparison reads two operands, a function two,
 * and nothing holds a value beyond its comparison. */
struct row_reader {
    const struct km__epicor_table *t;
    const struct km__epicor_row *r;
    char bufs[4][96];
    unsigned next;
};

static void read_field(void *ud, const char *field, struct km__odata_value *v)
{
    struct row_reader *rd = ud;
    struct gen_value g;
    char *buf = rd->bufs[rd->next++ % 4];

    if (rd->r->json) {
        km__odata_value_of_json(
            v, cJSON_GetObjectItemCaseSensitive(rd->r->json, field));
    } else if (gen_field(rd->t, rd->r, field, &g, buf, sizeof(rd->bufs[0]))) {
        if (g.b >= 0) {
            memset(v, 0, sizeof(*v));
            v->type = KM_OV_BOOL;
            v->b = g.b;
        } else if (g.s) {
            memset(v, 0, sizeof(*v));
            v->type = KM_OV_STR;
            v->s = (char *)g.s;
        } else {
            km__odata_value_of_number(v, g.d);
        }
    } else {
        km__odata_value_of_json(
            v, cJSON_GetObjectItemCaseSensitive(rd->t->tmpl, field));
    }
}

int km__epicor_row_matches(const struct km__odata_filter *f,
                           const struct km__epicor_table *t,
                           const struct km__epicor_row *r, int ci)
{
    struct row_reader rd;
    struct km__odata_row_src src = {read_field, &rd};

    if (!f)
        return 1;
    rd.t = t;
    rd.r = r;
    rd.next = 0;
    return km__odata_filter_eval_src(f, &src, ci);
}
