/*
 * The generic table engine: rows kept in two sorted arrays, by SysRevID
 * (so "SysRevID gt N" pages start with a binary search) and by key (key
 * lookups, children ranges, the default order). Keys are encoded into one
 * string per row that sorts like the composite key: integers zero-padded,
 * parts joined by \x01 (below every printable character, so a parent's
 * key plus \x01 prefixes exactly its children).
 *
 * A third array orders the rows of tables with a change stamp by (stamp,
 * SysRevID), so "ChangedOn gt X" / "ChangeDate ge X" start with a binary
 * search too. Every write keeps the three in order (insert, touch,
 * remove: a binary search and a memmove of pointers each).
 *
 * Generated rows ("generate": {"parts": N}) stay virtual until written:
 * only their key, SysRevID and index are stored, in one pooled block per
 * table, and their fields are computed on demand (generated.c), so a
 * million parts take about 100 MB and well under a second to load.
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

/* Frees a row (its JSON, text, and key and itself unless pooled). */
static void row_free(struct km__epicor_row *r)
{
    cJSON_Delete(r->json);
    free(r->text);
    if (!r->pooled) {
        free(r->key);
        free(r);
    }
}

void km__epicor_table_dispose(struct km__epicor_table *t)
{
    for (size_t i = 0; i < t->n; i++)
        row_free(t->by_rev[i]);
    free(t->pool);
    free(t->pool_keys);
    free(t->by_rev);
    free(t->by_key);
    free(t->by_stamp);
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

/* Makes room for at least need rows in the order arrays. */
static void reserve(struct km__epicor_table *t, size_t need)
{
    if (need <= t->cap)
        return;
    t->cap = t->cap ? t->cap * 2 : 64;
    if (t->cap < need)
        t->cap = need;
    t->by_rev = kx_xrealloc(t->by_rev, t->cap * sizeof(*t->by_rev));
    t->by_key = kx_xrealloc(t->by_key, t->cap * sizeof(*t->by_key));
    if (t->def->stamp != STAMP_NONE)
        t->by_stamp = kx_xrealloc(t->by_stamp, t->cap * sizeof(*t->by_stamp));
}

/* Appends r at the end of by_rev and by_key (callers put it in place in
 * by_key; by_stamp is theirs to fill). */
static void append_row(struct km__epicor_table *t, struct km__epicor_row *r)
{
    reserve(t, t->n + 1);
    t->by_rev[t->n] = r;
    t->by_key[t->n] = r;
    t->n++;
}

static struct km__epicor_row *append_raw(struct km__epicor_table *t,
                                         cJSON *json, char *key, int64_t revid)
{
    struct km__epicor_row *r = kx_xcalloc(1, sizeof(*r));

    r->json = json;
    r->key = key;
    r->revid = revid;
    r->stamp = INT64_MIN;
    append_row(t, r);
    return r;
}

/* ---- change stamps --------------------------------------------------- */

const char *km__epicor_stamp_field(const struct km__epicor_tabledef *def)
{
    switch (def->stamp) {
    case STAMP_CHANGEDON:
        return "ChangedOn";
    case STAMP_DATE_TIME:
    case STAMP_DATE:
        return "ChangeDate";
    case STAMP_LASTCHANGED:
        return "LastChangedOn";
    case STAMP_NONE:
        break;
    }
    return NULL;
}

int64_t km__epicor_stamp_of(const struct km__epicor_table *t, const cJSON *row)
{
    const char *field = km__epicor_stamp_field(t->def);
    const char *s = field ? kx_json_str(row, field) : NULL;
    const cJSON *time;
    int64_t ms;

    if (!s || km__epicor_parse_datetime(&ms, s, strlen(s)))
        return INT64_MIN;
    time = cJSON_GetObjectItemCaseSensitive(row, "ChangeTime");
    /* Seconds since midnight stay inside the day, so (ChangeDate,
     * ChangeTime) order is the order of the sum. */
    if (t->def->stamp == STAMP_DATE_TIME && cJSON_IsNumber(time) &&
        time->valuedouble >= 0 && time->valuedouble < 86400)
        ms += (int64_t)time->valuedouble * 1000;
    return ms;
}

/* First index of by_stamp (first count entries) not before (stamp,
 * revid). */
static size_t stamp_pos(const struct km__epicor_table *t, size_t count,
                        int64_t stamp, int64_t revid)
{
    size_t lo = 0, hi = count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct km__epicor_row *m = t->by_stamp[mid];

        if (m->stamp < stamp || (m->stamp == stamp && m->revid < revid))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void km__epicor_stamp_range(const struct km__epicor_table *t, int64_t from,
                            int64_t to, size_t *lo, size_t *hi)
{
    *lo = *hi = 0;
    if (!t->by_stamp || from >= to)
        return;
    *lo = stamp_pos(t, t->n, from, INT64_MIN);
    *hi = stamp_pos(t, t->n, to, INT64_MIN);
}

/* Puts r into by_stamp, whose first count entries are in order. */
static void stamp_insert(struct km__epicor_table *t, size_t count,
                         struct km__epicor_row *r)
{
    size_t at;

    if (!t->by_stamp)
        return;
    at = stamp_pos(t, count, r->stamp, r->revid);
    memmove(&t->by_stamp[at + 1], &t->by_stamp[at],
            (count - at) * sizeof(*t->by_stamp));
    t->by_stamp[at] = r;
}

/* Takes r out of by_stamp (t->n entries). */
static void stamp_remove(struct km__epicor_table *t, struct km__epicor_row *r)
{
    size_t i;

    if (!t->by_stamp)
        return;
    i = stamp_pos(t, t->n, r->stamp, r->revid);
    while (i < t->n && t->by_stamp[i] != r)
        i++;
    if (i == t->n)
        abort(); /* every row of the table is in by_stamp */
    memmove(&t->by_stamp[i], &t->by_stamp[i + 1],
            (t->n - i - 1) * sizeof(*t->by_stamp));
}

int km__epicor_cmp_rev(const void *a, const void *b)
{
    const struct km__epicor_row *x = *(struct km__epicor_row *const *)a;
    const struct km__epicor_row *y = *(struct km__epicor_row *const *)b;

    return x->revid < y->revid ? -1 : x->revid > y->revid;
}

int km__epicor_cmp_key(const void *a, const void *b)
{
    const struct km__epicor_row *x = *(struct km__epicor_row *const *)a;
    const struct km__epicor_row *y = *(struct km__epicor_row *const *)b;

    return strcmp(x->key, y->key);
}

static int cmp_stamp(const void *a, const void *b)
{
    const struct km__epicor_row *x = *(struct km__epicor_row *const *)a;
    const struct km__epicor_row *y = *(struct km__epicor_row *const *)b;

    if (x->stamp != y->stamp)
        return x->stamp < y->stamp ? -1 : 1;
    return x->revid < y->revid ? -1 : x->revid > y->revid;
}

/* Sorts v unless it is in order already (generated rows mostly are, and
 * the check is much cheaper than the sort). */
static void sort_rows(struct km__epicor_row **v, size_t n,
                      int (*cmp)(const void *, const void *))
{
    for (size_t i = 1; i < n; i++) {
        if (cmp(&v[i - 1], &v[i]) > 0) {
            qsort(v, n, sizeof(*v), cmp);
            return;
        }
    }
}

void km__epicor_table_sort(struct km__epicor_table *t)
{
    sort_rows(t->by_rev, t->n, km__epicor_cmp_rev);
    sort_rows(t->by_key, t->n, km__epicor_cmp_key);
    if (t->by_stamp) {
        memcpy(t->by_stamp, t->by_rev, t->n * sizeof(*t->by_stamp));
        sort_rows(t->by_stamp, t->n, cmp_stamp);
    }
}

/* Key bytes of one generated row: "GEN-nnnnnnn" \x01 plant \x01 "MAIN". */
#define GEN_KEY_STRIDE 32

/* Makes room for n generated rows of t, in one allocation for the rows
 * and one for their keys (stride bytes each); the rows are stamped with
 * the time now. Returns their change stamp. */
static int64_t pool_open(struct km__epicor *emu, struct km__epicor_table *t,
                         uint32_t n, uint64_t seed, size_t stride)
{
    int64_t stamp = INT64_MIN;

    if (t->pool)
        abort(); /* the configuration generates a table once */
    t->gen.seed = seed;
    t->gen.count = n;
    t->gen.base_revid = t->co->revid;
    km__epicor_format_datetime(t->gen_stamp, sizeof(t->gen_stamp),
                               km__epicor_now(emu), 0);
    if (t->def->stamp != STAMP_NONE &&
        km__epicor_parse_datetime(&stamp, t->gen_stamp, strlen(t->gen_stamp)))
        stamp = INT64_MIN;
    t->pool = kx_xcalloc(n ? n : 1, sizeof(*t->pool));
    t->pool_keys = kx_xmalloc((size_t)(n ? n : 1) * stride);
    reserve(t, t->n + n);
    return stamp;
}

/* Row i of the pool, with its key already written at key. */
static void pool_add(struct km__epicor_table *t, uint32_t i, char *key,
                     int64_t stamp)
{
    struct km__epicor_row *r = &t->pool[i];

    r->key = key;
    r->revid = ++t->co->revid;
    r->stamp = stamp;
    r->gen = i;
    r->pooled = 1;
    append_row(t, r);
}

void km__epicor_generate(struct km__epicor *emu, struct km__epicor_company *co,
                         uint32_t nparts, uint64_t seed)
{
    enum km__epicor_tid tids[2] = {T_PART, T_PARTWHSE};
    char pn[16]; /* "GEN-" and up to 10 digits */

    for (int k = 0; k < 2; k++) {
        struct km__epicor_table *t = &co->t[tids[k]];
        int64_t stamp = pool_open(emu, t, nparts, seed + (uint64_t)k * 7919,
                                  GEN_KEY_STRIDE);

        if (t->def->stamp != STAMP_CHANGEDON)
            stamp = INT64_MIN;
        /* One allocation for the rows and one for their keys: a million
         * parts load in a fraction of a second. */
        for (uint32_t i = 0; i < nparts; i++) {
            char *key = t->pool_keys + (size_t)i * GEN_KEY_STRIDE;

            km__epicor_gen_partnum(pn, sizeof(pn), i);
            if (k == 0)
                snprintf(key, GEN_KEY_STRIDE, "%s", pn);
            else
                snprintf(key, GEN_KEY_STRIDE, "%s%c%s%cMAIN", pn, 1,
                         emu->ci ? "MFGSYS" : "MfgSys", 1);
            pool_add(t, i, key, stamp);
        }
        km__epicor_table_sort(t);
    }
}

/* The longest key of a generic generated row. */
#define GEN_ROW_KEY_MAX 64

void km__epicor_generate_rows(struct km__epicor *emu,
                              struct km__epicor_table *t, uint32_t n,
                              uint64_t seed,
                              cJSON *(*key_row)(uint32_t i, const void *ud),
                              const void *ud)
{
    int64_t stamp = pool_open(emu, t, n, seed, GEN_ROW_KEY_MAX);

    for (uint32_t i = 0; i < n; i++) {
        cJSON *row = key_row(i, ud);
        char *k = km__epicor_key_of_row(t, row, emu->ci);
        char *key = t->pool_keys + (size_t)i * GEN_ROW_KEY_MAX;

        if (!k || strlen(k) >= GEN_ROW_KEY_MAX)
            abort(); /* the generators make short complete keys */
        memcpy(key, k, strlen(k) + 1);
        free(k);
        cJSON_Delete(row);
        pool_add(t, i, key, stamp);
    }
    km__epicor_table_sort(t);
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
    r->stamp = km__epicor_stamp_of(t, json);
    stamp_insert(t, t->n - 1, r);
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
    stamp_remove(t, r);
    r->revid = ++t->co->revid;
    km__epicor_set_num(json, "SysRevID", (double)r->revid);
    km__epicor_stamp_row(emu, t->def, json);
    km__epicor_fields_note(t, json);
    r->stamp = km__epicor_stamp_of(t, json);
    stamp_insert(t, t->n - 1, r);
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
    stamp_remove(t, r);
    t->n--;
    row_free(r);
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
