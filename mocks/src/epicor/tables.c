/*
 * The generic table engine: rows kept in two sorted arrays, by SysRevID
 * (so "SysRevID gt N" pages start with a binary search) and by key (key
 * lookups, children ranges, the default order). Keys are encoded into one
 * string per row that sorts like the composite key: integers zero-padded,
 * parts joined by \x01 (below every printable character, so a parent's
 * key plus \x01 prefixes exactly its children).
 *
 * Generated rows ("generate": {"parts": N}) stay virtual until written:
 * only their key, SysRevID and index are stored and their JSON is built
 * on demand, so 100k parts cost a few MB instead of a few hundred.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include "epicor_emu.h"

void km__epicor_table_init(struct km__epicor_table *t,
                           const struct km__epicor_tabledef *def,
                           struct km__epicor_company *co)
{
    memset(t, 0, sizeof(*t));
    t->def = def;
    t->co = co;
    t->tmpl = cJSON_Parse(def->defaults);
    if (!t->tmpl)
        abort(); /* the templates are compiled in */
    t->fields = cJSON_CreateObject();
    cJSON_AddTrueToObject(t->fields, "Company");
    cJSON_AddTrueToObject(t->fields, "SysRowID");
    cJSON_AddTrueToObject(t->fields, "SysRevID");
    cJSON_AddTrueToObject(t->fields, "RowMod");
    km__epicor_fields_note(t, t->tmpl);
}

void km__epicor_table_dispose(struct km__epicor_table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        cJSON_Delete(t->by_rev[i]->json);
        free(t->by_rev[i]->text);
        free(t->by_rev[i]->key);
        free(t->by_rev[i]);
    }
    free(t->by_rev);
    free(t->by_key);
    cJSON_Delete(t->fields);
    cJSON_Delete(t->tmpl);
    memset(t, 0, sizeof(*t));
}

void km__epicor_fields_note(struct km__epicor_table *t, const cJSON *row)
{
    const cJSON *f;

    cJSON_ArrayForEach(f, row)
    {
        if (f->string && !cJSON_HasObjectItem(t->fields, f->string) &&
            !cJSON_IsArray(f))
            cJSON_AddTrueToObject(t->fields, f->string);
    }
}

/* Appends one key part; -1 when the value cannot be a key. */
static int key_part(char **buf, size_t *len, const cJSON *v, int numeric,
                    int ci)
{
    char tmp[40];
    const char *s = tmp;
    size_t n;

    if (numeric) {
        double d;

        if (cJSON_IsNumber(v))
            d = v->valuedouble;
        else if (cJSON_IsString(v) && v->valuestring[0])
            d = strtod(v->valuestring, NULL);
        else
            return -1;
        snprintf(tmp, sizeof(tmp), "%020" PRId64, (int64_t)d);
    } else if (cJSON_IsString(v)) {
        s = v->valuestring;
    } else if (cJSON_IsNumber(v)) {
        snprintf(tmp, sizeof(tmp), "%.15g", v->valuedouble);
    } else {
        return -1;
    }
    n = strlen(s);
    *buf = kx_xrealloc(*buf, *len + n + 2);
    if (*len)
        (*buf)[(*len)++] = '\x01';
    for (size_t i = 0; i < n; i++)
        (*buf)[(*len)++] = ci ? (char)toupper((unsigned char)s[i]) : s[i];
    (*buf)[*len] = '\0';
    return 0;
}

char *km__epicor_key_of_values(const struct km__epicor_table *t,
                               const cJSON *values, size_t nvalues, int ci)
{
    char *buf = NULL;
    size_t len = 0;

    for (size_t i = 1; i < nvalues && t->def->keys[i]; i++) {
        if (key_part(&buf, &len, cJSON_GetArrayItem(values, (int)i),
                     (t->def->numeric >> i) & 1, ci)) {
            free(buf);
            return NULL;
        }
    }
    if (!buf) {
        buf = kx_xcalloc(1, 1);
    }
    return buf;
}

char *km__epicor_key_of_row(const struct km__epicor_table *t, const cJSON *row,
                            int ci)
{
    char *buf = NULL;
    size_t len = 0;

    for (size_t i = 1; t->def->keys[i]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, t->def->keys[i]);

        if (key_part(&buf, &len, v, (t->def->numeric >> i) & 1, ci)) {
            free(buf);
            return NULL;
        }
    }
    return buf;
}

size_t km__epicor_lower_bound(const struct km__epicor_table *t, const char *key)
{
    size_t lo = 0, hi = t->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (strcmp(t->by_key[mid]->key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t km__epicor_rev_bound(const struct km__epicor_table *t, int64_t floor)
{
    size_t lo = 0, hi = t->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (t->by_rev[mid]->revid <= floor)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

struct km__epicor_row *km__epicor_find(const struct km__epicor_table *t,
                                       const char *key)
{
    size_t i;

    if (!key)
        return NULL;
    i = km__epicor_lower_bound(t, key);
    if (i < t->n && strcmp(t->by_key[i]->key, key) == 0)
        return t->by_key[i];
    return NULL;
}

/* ---- generated rows -------------------------------------------------- */

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static void gen_partnum(char *buf, size_t n, uint32_t i)
{
    snprintf(buf, n, "GEN-%06" PRIu32, i + 1);
}

static cJSON *gen_row(const struct km__epicor_table *t,
                      const struct km__epicor_row *r)
{
    uint64_t h = mix(t->gen.seed ^ ((uint64_t)r->gen << 1));
    cJSON *o = cJSON_Duplicate(t->tmpl, 1);
    char pn[32], buf[96];

    gen_partnum(pn, sizeof(pn), r->gen);
    km__epicor_set_str(o, "Company", t->co->id);
    km__epicor_set_str(o, "PartNum", pn);
    if (t->def->id == T_PART) {
        snprintf(buf, sizeof(buf), "Generated part %" PRIu32 " (%04x)",
                 r->gen + 1, (unsigned)(h & 0xffff));
        km__epicor_set_str(o, "PartDescription", buf);
        km__epicor_set_str(o, "SearchWord", pn);
        km__epicor_set_str(o, "ClassID", (h >> 16) % 3 == 0 ? "RAW" : "FG");
        km__epicor_set_str(o, "ProdCode",
                           (h >> 20) % 2 ? "WIDGETS" : "GADGETS");
        km__epicor_set_num(o, "UnitPrice",
                           (double)(100 + (h >> 24) % 99900) / 100.0);
        km__epicor_set_str(o, "ChangedOn", t->gen_stamp);
        km__epicor_set_str(o, "CreatedOn", t->gen_stamp);
    } else {
        km__epicor_set_str(o, "WarehouseCode", "MAIN");
        km__epicor_set_num(o, "OnHandQty", (double)((h >> 8) % 500));
    }
    snprintf(buf, sizeof(buf), "%08x-%04x-4%03x-8%03x-%012" PRIx64,
             (unsigned)(h >> 32), (unsigned)(h >> 16) & 0xffff,
             (unsigned)h & 0xfff, (unsigned)(r->gen & 0xfff),
             (uint64_t)(mix(h) & 0xffffffffffffULL));
    km__epicor_set_str(o, "SysRowID", buf);
    km__epicor_set_num(o, "SysRevID", (double)r->revid);
    km__epicor_set_str(o, "RowMod", "");
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

static void grow(struct km__epicor_table *t)
{
    if (t->n < t->cap)
        return;
    t->cap = t->cap ? t->cap * 2 : 64;
    t->by_rev = kx_xrealloc(t->by_rev, t->cap * sizeof(*t->by_rev));
    t->by_key = kx_xrealloc(t->by_key, t->cap * sizeof(*t->by_key));
}

static struct km__epicor_row *append_raw(struct km__epicor_table *t,
                                         cJSON *json, char *key, int64_t revid)
{
    struct km__epicor_row *r = kx_xcalloc(1, sizeof(*r));

    r->json = json;
    r->key = key;
    r->revid = revid;
    grow(t);
    t->by_rev[t->n] = r;
    t->by_key[t->n] = r;
    t->n++;
    return r;
}

static int cmp_rev(const void *a, const void *b)
{
    const struct km__epicor_row *x = *(struct km__epicor_row *const *)a;
    const struct km__epicor_row *y = *(struct km__epicor_row *const *)b;

    return x->revid < y->revid ? -1 : x->revid > y->revid;
}

static int cmp_key(const void *a, const void *b)
{
    const struct km__epicor_row *x = *(struct km__epicor_row *const *)a;
    const struct km__epicor_row *y = *(struct km__epicor_row *const *)b;

    return strcmp(x->key, y->key);
}

void km__epicor_table_sort(struct km__epicor_table *t)
{
    if (t->n < 2)
        return;
    qsort(t->by_rev, t->n, sizeof(*t->by_rev), cmp_rev);
    qsort(t->by_key, t->n, sizeof(*t->by_key), cmp_key);
}

void km__epicor_generate(struct km__epicor *emu, struct km__epicor_company *co,
                         uint32_t nparts, uint64_t seed)
{
    enum km__epicor_tid tids[2] = {T_PART, T_PARTWHSE};
    char pn[32];

    for (int k = 0; k < 2; k++) {
        struct km__epicor_table *t = &co->t[tids[k]];

        t->gen.seed = seed + (uint64_t)k * 7919;
        t->gen.count = nparts;
        t->gen.base_revid = co->revid;
        km__epicor_format_datetime(t->gen_stamp, sizeof(t->gen_stamp),
                                   km__epicor_now(emu), 0);
        for (uint32_t i = 0; i < nparts; i++) {
            struct km__epicor_row *r;
            size_t n;
            char *key;

            gen_partnum(pn, sizeof(pn), i);
            n = strlen(pn);
            key = kx_xmalloc(n + 16);
            if (k == 0)
                memcpy(key, pn, n + 1);
            else
                snprintf(key, n + 16, "%s%c%s%cMAIN", pn, 1,
                         emu->ci ? "MFGSYS" : "MfgSys", 1);
            r = append_raw(t, NULL, key, ++co->revid);
            r->gen = i;
        }
        km__epicor_table_sort(t);
    }
}

/* ---- writes ---------------------------------------------------------- */

void km__epicor_stamp_row(struct km__epicor *emu,
                          const struct km__epicor_tabledef *d, cJSON *row)
{
    int64_t now = km__epicor_now(emu);
    char buf[32];

    switch (d->stamp) {
    case STAMP_CHANGEDON:
        km__epicor_format_datetime(buf, sizeof(buf), now, 0);
        km__epicor_set_str(row, "ChangedOn", buf);
        break;
    case STAMP_DATE_TIME:
        km__epicor_format_datetime(buf, sizeof(buf), now, 1);
        km__epicor_set_str(row, "ChangeDate", buf);
        km__epicor_set_num(row, "ChangeTime",
                           (double)(((now / 1000) % 86400 + 86400) % 86400));
        break;
    case STAMP_DATE:
        km__epicor_format_datetime(buf, sizeof(buf), now, 1);
        km__epicor_set_str(row, "ChangeDate", buf);
        break;
    case STAMP_LASTCHANGED:
        km__epicor_format_datetime(buf, sizeof(buf), now, 0);
        km__epicor_set_str(row, "LastChangedOn", buf);
        break;
    case STAMP_NONE:
        break;
    }
}

struct km__epicor_row *km__epicor_insert(struct km__epicor *emu,
                                         struct km__epicor_table *t,
                                         cJSON *json)
{
    const char *sysrowid = kx_json_str(json, "SysRowID");
    struct km__epicor_row *r;
    char guid[37];
    char *key;
    size_t at;

    km__epicor_set_str(json, "Company", t->co->id);
    if (!sysrowid || !*sysrowid) {
        km__epicor_guid(emu, guid);
        km__epicor_set_str(json, "SysRowID", guid);
    }
    km__epicor_set_num(json, "SysRevID", (double)++t->co->revid);
    km__epicor_set_str(json, "RowMod", "");
    km__epicor_fields_note(t, json);
    key = km__epicor_key_of_row(t, json, emu->ci);
    if (!key)
        abort(); /* callers validate keys first */
    r = append_raw(t, json, key, t->co->revid);
    /* by_rev: the new SysRevID is the largest, so the append is sorted;
     * by_key: move into place. */
    at = km__epicor_lower_bound(t, key);
    if (at < t->n - 1 && t->by_key[at] != r) {
        memmove(&t->by_key[at + 1], &t->by_key[at],
                (t->n - 1 - at) * sizeof(*t->by_key));
        t->by_key[at] = r;
    }
    return r;
}

static size_t rev_index(const struct km__epicor_table *t,
                        const struct km__epicor_row *r)
{
    size_t i = km__epicor_rev_bound(t, r->revid - 1);

    while (i < t->n && t->by_rev[i] != r)
        i++;
    return i;
}

static size_t key_index(const struct km__epicor_table *t,
                        const struct km__epicor_row *r)
{
    size_t i = km__epicor_lower_bound(t, r->key);

    while (i < t->n && t->by_key[i] != r)
        i++;
    return i;
}

void km__epicor_touch(struct km__epicor *emu, struct km__epicor_table *t,
                      struct km__epicor_row *r)
{
    size_t i = rev_index(t, r);
    cJSON *json = km__epicor_own(t, r);

    memmove(&t->by_rev[i], &t->by_rev[i + 1],
            (t->n - i - 1) * sizeof(*t->by_rev));
    t->by_rev[t->n - 1] = r;
    r->revid = ++t->co->revid;
    km__epicor_set_num(json, "SysRevID", (double)r->revid);
    km__epicor_stamp_row(emu, t->def, json);
    km__epicor_fields_note(t, json);
}

void km__epicor_remove(struct km__epicor_table *t, struct km__epicor_row *r)
{
    size_t i;
    char *prefix;
    size_t plen = strlen(r->key);

    /* Children first: every table whose parent is this one. */
    prefix = kx_xmalloc(plen + 2);
    memcpy(prefix, r->key, plen);
    prefix[plen] = '\x01';
    prefix[plen + 1] = '\0';
    for (int c = 0; c < T_COUNT; c++) {
        struct km__epicor_table *ct = &t->co->t[c];

        if (ct->def->parent != (int)t->def->id)
            continue;
        for (;;) {
            size_t at = km__epicor_lower_bound(ct, prefix);

            if (at >= ct->n ||
                strncmp(ct->by_key[at]->key, prefix, plen + 1) != 0)
                break;
            km__epicor_remove(ct, ct->by_key[at]);
        }
    }
    free(prefix);
    i = rev_index(t, r);
    memmove(&t->by_rev[i], &t->by_rev[i + 1],
            (t->n - i - 1) * sizeof(*t->by_rev));
    i = key_index(t, r);
    memmove(&t->by_key[i], &t->by_key[i + 1],
            (t->n - i - 1) * sizeof(*t->by_key));
    t->n--;
    cJSON_Delete(r->json);
    free(r->text);
    free(r->key);
    free(r);
}

void km__epicor_children(cJSON *arr, struct km__epicor_table *ct,
                         const char *pkey)
{
    size_t plen = strlen(pkey);
    char *prefix = kx_xmalloc(plen + 2);

    memcpy(prefix, pkey, plen);
    prefix[plen] = '\x01';
    prefix[plen + 1] = '\0';
    for (size_t i = km__epicor_lower_bound(ct, prefix); i < ct->n; i++) {
        struct km__epicor_row *r = ct->by_key[i];
        int tmp;
        cJSON *j;

        if (strncmp(r->key, prefix, plen + 1) != 0)
            break;
        j = km__epicor_view(ct, r, &tmp);
        cJSON_AddItemToArray(arr, tmp ? j : cJSON_Duplicate(j, 1));
    }
    free(prefix);
}

int64_t km__epicor_next_line(const struct km__epicor_table *t, const cJSON *row,
                             int ci)
{
    size_t nk = km__epicor_nkeys(t->def), len = 0;
    char *prefix = NULL;
    int64_t max = 0, step;

    step = strcmp(t->def->keys[nk - 1], "OprSeq") == 0 ? 10 : 1;
    for (size_t i = 1; i + 1 < nk; i++) {
        if (key_part(&prefix, &len,
                     cJSON_GetObjectItemCaseSensitive(row, t->def->keys[i]),
                     (t->def->numeric >> i) & 1, ci)) {
            free(prefix);
            return step;
        }
    }
    prefix = kx_xrealloc(prefix, len + 2);
    prefix[len++] = '\x01';
    prefix[len] = '\0';
    for (size_t i = km__epicor_lower_bound(t, prefix); i < t->n; i++) {
        const char *k = t->by_key[i]->key, *last;

        if (strncmp(k, prefix, len) != 0)
            break;
        last = strrchr(k, '\x01');
        if (last && strtoll(last + 1, NULL, 10) > max)
            max = strtoll(last + 1, NULL, 10);
    }
    free(prefix);
    return max + step;
}
