/*
 * Companies and their rows from fixtures: the "companies" configuration
 * key and the add_row action load rows through here, numbered, stamped
 * and filled with the GetNew template's defaults as Epicor would; and
 * each stored row's kept page text.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include <kx/json_print.h>
#include <strings.h>
#include <kx/alloc.h>
#include "epicor_emu.h"

int km__epicor_errf(char *err, size_t errsz, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errsz, fmt, ap);
    va_end(ap);
    return -1;
}

struct km__epicor_company *km__epicor_company_find(struct km__epicor *emu,
                                                   const char *id)
{
    for (size_t i = 0; i < emu->ncompanies; i++) {
        if (strcasecmp(emu->companies[i]->id, id) == 0)
            return emu->companies[i];
    }
    return NULL;
}

struct km__epicor_company *km__epicor_company_add(struct km__epicor *emu,
                                                  const char *id)
{
    struct km__epicor_company *co = kx_xcalloc(1, sizeof(*co));

    co->id = kx_xstrdup(id);
    for (int i = 0; i < T_COUNT; i++) {
        km__epicor_table_init(&co->t[i], &km__epicor_defs[i], co);
        co->counters[i] = emu->start_counter[i] > 0 ? emu->start_counter[i] : 1;
    }
    emu->companies =
        kx_xrealloc(emu->companies, (emu->ncompanies + 1) * sizeof(co));
    emu->companies[emu->ncompanies++] = co;
    return co;
}

/* Fills the counter or line key of a row being added when it is 0 or
 * missing; keeps counters above every number seen. */
static void number_row(struct km__epicor *emu, struct km__epicor_table *t,
                       cJSON *row)
{
    const struct km__epicor_tabledef *d = t->def;
    const char *last = d->keys[km__epicor_nkeys(d) - 1];
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, last);
    int64_t *ctr = &t->co->counters[d->id];
    char guid[37];

    if (d->autonum == AUTO_COUNTER) {
        if (cJSON_IsNumber(v) && v->valuedouble > 0) {
            if ((int64_t)v->valuedouble >= *ctr)
                *ctr = (int64_t)v->valuedouble + 1;
        } else {
            km__epicor_set_num(row, last, (double)(*ctr)++);
        }
    } else if (d->autonum == AUTO_LINE) {
        if (!cJSON_IsNumber(v) || v->valuedouble <= 0)
            km__epicor_set_num(row, last,
                               (double)km__epicor_next_line(t, row, emu->ci));
    } else if (d->autonum == AUTO_GUID) {
        if (!cJSON_IsString(v) || !v->valuestring[0]) {
            km__epicor_guid(emu, guid);
            km__epicor_set_str(row, last, guid);
        }
    }
}

void km__epicor_fill_defaults(const struct km__epicor_table *t, cJSON *row)
{
    const cJSON *f;

    cJSON_ArrayForEach(f, t->tmpl)
    {
        if (!cJSON_HasObjectItem(row, f->string))
            cJSON_AddItemToObject(row, f->string, cJSON_Duplicate(f, 1));
    }
}

int km__epicor_load_rows(struct km__epicor *emu, struct km__epicor_company *co,
                         enum km__epicor_tid tid, const cJSON *rows,
                         const cJSON *parent, char *err, size_t errsz)
{
    struct km__epicor_table *t = &co->t[tid];
    const struct km__epicor_tabledef *d = t->def;
    const cJSON *src;
    int idx = 0;

    if (!cJSON_IsArray(rows))
        return km__epicor_errf(err, errsz, "companies.%s.%s must be an array",
                               co->id, d->fixture);
    cJSON_ArrayForEach(src, rows)
    {
        cJSON *row, *kids = cJSON_CreateObject(), *rev;
        struct km__epicor_row *r;
        char *key;
        int rc = 0;

        if (!cJSON_IsObject(src)) {
            cJSON_Delete(kids);
            return km__epicor_errf(err, errsz,
                                   "companies.%s.%s[%d] must be an object",
                                   co->id, d->fixture, idx);
        }
        row = cJSON_Duplicate(src, 1);
        /* Nested children ("OrderDtls": [...]) load after the row. */
        for (int c = 0; c < T_COUNT; c++) {
            if (km__epicor_defs[c].parent == (int)tid &&
                cJSON_HasObjectItem(row, km__epicor_defs[c].set))
                cJSON_AddItemToObject(kids, km__epicor_defs[c].set,
                                      cJSON_DetachItemFromObjectCaseSensitive(
                                          row, km__epicor_defs[c].set));
        }
        if (parent) {
            const struct km__epicor_tabledef *pd = &km__epicor_defs[d->parent];

            for (size_t k = 1; pd->keys[k]; k++)
                km__epicor_put(row, d->keys[k],
                               cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(
                                                   parent, pd->keys[k]),
                                               1));
        }
        km__epicor_inconv(row);
        km__epicor_fill_defaults(t, row);
        number_row(emu, t, row);
        key = km__epicor_key_of_row(t, row, emu->ci);
        if (!key || km__epicor_find(t, key)) {
            rc = km__epicor_errf(err, errsz, "companies.%s.%s[%d]: %s key (%s)",
                                 co->id, d->fixture, idx,
                                 key ? "duplicate" : "incomplete",
                                 d->keys[km__epicor_nkeys(d) - 1]);
            free(key);
            cJSON_Delete(row);
            cJSON_Delete(kids);
            return rc;
        }
        free(key);
        rev = cJSON_GetObjectItemCaseSensitive(row, "SysRevID");
        if (cJSON_IsNumber(rev) && rev->valuedouble > (double)co->revid)
            co->revid = (int64_t)rev->valuedouble - 1;
        {
            const char *stamp = km__epicor_stamp_field(d);

            if (stamp && !kx_json_str(row, stamp))
                km__epicor_stamp_row(emu, d, row);
        }
        r = km__epicor_insert(emu, t, row);
        for (int c = 0; c < T_COUNT && rc == 0; c++) {
            const cJSON *k =
                cJSON_GetObjectItemCaseSensitive(kids, km__epicor_defs[c].set);

            if (k)
                rc = km__epicor_load_rows(emu, co, (enum km__epicor_tid)c, k,
                                          r->json, err, errsz);
        }
        cJSON_Delete(kids);
        if (rc)
            return rc;
        idx++;
    }
    return 0;
}

/* Serialises refills of kept row texts (a leaf lock, held only to
 * print one row); a text that is valid is read without it. */
static pthread_mutex_t text_lock = PTHREAD_MUTEX_INITIALIZER;

char *km__epicor_v2_text(struct km__epicor *emu, const cJSON *row)
{
    char *text, *dated;
    size_t len;

    if (kx_json_print(&text, &len, row, 1024))
        abort(); /* out of memory, as kx/alloc.h does */
    if (!emu->v2_date_offset[0])
        return text;
    dated = km__epicor_v2_dated(text, len, emu->v2_date_offset, &len);
    free(text);
    return dated;
}

/*
 * Requests that only read (epi_shared, emulator.c) run at once under the
 * server's read lock, during which the emulator's writes stay as they
 * are; a write (under the write lock) outdates every kept text at once
 * by counting. A text is published before the count that makes it valid
 * (release; read with acquire), and under text_lock a valid text is
 * never replaced: so a reader that finds the count valid finds that text,
 * and the one a refill frees was stale for every reader.
 */
/* The kept form of a row's text: its length, then the text. */
static char *kept_text(struct km__epicor *emu, const cJSON *row)
{
    char *text = km__epicor_v2_text(emu, row), *kept;
    size_t len = strlen(text);

    kept = kx_xmalloc(sizeof(len) + len + 1);
    memcpy(kept, &len, sizeof(len));
    memcpy(kept + sizeof(len), text, len + 1);
    cJSON_free(text);
    return kept;
}

const char *km__epicor_row_text(struct km__epicor *emu,
                                struct km__epicor_row *r, size_t *len)
{
    uint64_t writes = emu->writes;
    char *text = NULL;

    if (atomic_load_explicit(&r->text_writes, memory_order_acquire) == writes)
        text = atomic_load_explicit(&r->text, memory_order_acquire);
    if (!text) {
        pthread_mutex_lock(&text_lock);
        text = atomic_load_explicit(&r->text, memory_order_acquire);
        if (!text || atomic_load_explicit(&r->text_writes,
                                          memory_order_acquire) != writes) {
            char *old = text;

            text = kept_text(emu, r->json);
            atomic_store_explicit(&r->text, text, memory_order_release);
            atomic_store_explicit(&r->text_writes, writes,
                                  memory_order_release);
            free(old);
        }
        pthread_mutex_unlock(&text_lock);
    }
    memcpy(len, text, sizeof(*len));
    return text + sizeof(*len);
}
