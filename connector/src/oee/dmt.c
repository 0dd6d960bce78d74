/*
 * The Data Management Tool export of OEE summaries: a CSV whose header
 * row names Epicor fields (the JobOper key, then the UD columns the
 * figures go to), RFC 4180 quoting; and its parser, so a test (and an
 * operator) can read back what a file holds.
 */
#include <stdio.h>
#include <string.h>
#include "oee_int.h"

#define NCOLS 11 /* the JobOper key (4) and the UD fields (7) */

static const char *field_or(const char *name, const char *dflt)
{
    return name && *name ? name : dflt;
}

/* One value, quoted when it holds a comma, a quote or a line break. */
static ks_rc put_value(struct ks__buf *b, const char *v, int last)
{
    ks_rc rc = KS_OK;

    if (strpbrk(v, ",\"\r\n")) {
        rc = ks__buf_puts(b, "\"");
        for (const char *p = v; !rc && *p; p++)
            rc = *p == '"' ? ks__buf_puts(b, "\"\"") : ks__buf_append(b, p, 1);
        if (!rc)
            rc = ks__buf_puts(b, "\"");
    } else {
        rc = ks__buf_puts(b, v);
    }
    if (!rc)
        rc = ks__buf_puts(b, last ? "\r\n" : ",");
    return rc;
}

static ks_rc put_row(struct ks__buf *b, const char *const *v)
{
    ks_rc rc = KS_OK;

    for (size_t i = 0; !rc && i < NCOLS; i++)
        rc = put_value(b, v[i], i + 1 == NCOLS);
    return rc;
}

ks_rc ks_oee_dmt_export(char **out, const struct ks_oee_dmt_row *rows,
                        size_t nrows, const struct ks_oee_ud_fields *fields)
{
    static const struct ks_oee_ud_fields none = {0};
    const struct ks_oee_ud_fields *f = fields ? fields : &none;
    const char *header[NCOLS] = {
        "Company",
        "JobNum",
        "AssemblySeq",
        "OprSeq",
        field_or(f->availability, "OEE_Availability_c"),
        field_or(f->performance, "OEE_Performance_c"),
        field_or(f->quality, "OEE_Quality_c"),
        field_or(f->oee, "OEE_OEE_c"),
        field_or(f->good, "OEE_GoodQty_c"),
        field_or(f->scrap, "OEE_ScrapQty_c"),
        field_or(f->top_loss, "OEE_TopLoss_c")};
    struct ks__buf b = {0};
    ks_rc rc;

    *out = NULL;
    rc = put_row(&b, header);
    for (size_t i = 0; !rc && i < nrows; i++) {
        const struct ks_oee_dmt_row *r = &rows[i];
        const struct ks_oee_summary *s = &r->summary;
        char num[7][32];
        const char *v[NCOLS];

        if (!r->op.job || !*r->op.job) {
            rc = KS_EINVAL;
            break;
        }
        snprintf(num[0], 32, "%d", r->op.assembly);
        snprintf(num[1], 32, "%d", r->op.operation);
        snprintf(num[2], 32, "%.2f", s->availability * 100.0);
        snprintf(num[3], 32, "%.2f", s->performance * 100.0);
        snprintf(num[4], 32, "%.2f", s->quality * 100.0);
        snprintf(num[5], 32, "%.2f", s->oee * 100.0);
        snprintf(num[6], 32, "%lld", (long long)s->good);
        v[0] = r->company ? r->company : "";
        v[1] = r->op.job;
        v[2] = num[0];
        v[3] = num[1];
        v[4] = num[2];
        v[5] = num[3];
        v[6] = num[4];
        v[7] = num[5];
        v[8] = num[6];
        {
            char scrap[32];

            snprintf(scrap, sizeof(scrap), "%lld", (long long)s->scrap);
            v[9] = scrap;
            v[10] = s->ntop ? s->top[0].reason : "";
            rc = put_row(&b, v);
        }
    }
    if (!rc && !(*out = ks__buf_detach(&b)))
        rc = KS_ENOMEM;
    ks__buf_dispose(&b);
    return rc;
}

/* ---- the parser ------------------------------------------------------------
 */

struct csv {
    const char *p;
    int line, col;
};

/* One field into b (emptied first); *end: the record ended after it. */
static ks_rc csv_field(struct csv *c, struct ks__buf *b, int *end)
{
    ks_rc rc = KS_OK;

    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
    *end = 0;
    if (*c->p == '"') {
        c->p++;
        for (;;) {
            if (!*c->p)
                return KS_EPARSE; /* an unterminated quote */
            if (*c->p == '"' && c->p[1] == '"') {
                rc = ks__buf_append(b, "\"", 1);
                c->p += 2;
            } else if (*c->p == '"') {
                c->p++;
                break;
            } else {
                if (*c->p == '\n')
                    c->line++;
                rc = ks__buf_append(b, c->p++, 1);
            }
            if (rc)
                return rc;
        }
    } else {
        size_t n = strcspn(c->p, ",\"\r\n");

        if (c->p[n] == '"')
            return KS_EPARSE; /* a quote inside an unquoted field */
        rc = n ? ks__buf_append(b, c->p, n) : ks__buf_puts(b, "");
        c->p += n;
        if (rc)
            return rc;
    }
    if (*c->p == ',') {
        c->p++;
        c->col++;
        return KS_OK;
    }
    if (*c->p == '\r' && c->p[1] == '\n')
        c->p++;
    if (*c->p && *c->p != '\n')
        return KS_EPARSE; /* text after a closing quote */
    if (*c->p)
        c->p++;
    *end = 1;
    return KS_OK;
}

/* One record: its fields appended to arr as strings. */
static ks_rc csv_record(struct csv *c, cJSON *arr, struct ks__buf *b)
{
    int end = 0;
    ks_rc rc;

    c->col = 1;
    while (!end) {
        rc = csv_field(c, b, &end);
        if (rc)
            return rc;
        if (!cJSON_AddItemToArray(arr,
                                  cJSON_CreateString(b->data ? b->data : "")))
            return KS_ENOMEM;
    }
    c->line++;
    return KS_OK;
}

ks_rc ks_oee_dmt_parse(cJSON **out, const char *csv, char *why, size_t whysz)
{
    struct csv c = {csv, 1, 1};
    struct ks__buf b = {0};
    cJSON *header = cJSON_CreateArray(), *rows = cJSON_CreateArray();
    cJSON *fields = NULL;
    ks_rc rc = KS_ENOMEM;

    *out = NULL;
    if (whysz)
        *why = '\0';
    if (!header || !rows)
        goto out;
    rc = csv_record(&c, header, &b);
    while (!rc && *c.p) {
        int n = cJSON_GetArraySize(header), i = 0;
        cJSON *row, *it;

        rc = KS_ENOMEM;
        fields = cJSON_CreateArray();
        row = cJSON_CreateObject();
        if (!fields || !row || !cJSON_AddItemToArray(rows, row))
            break;
        rc = csv_record(&c, fields, &b);
        if (rc)
            break;
        if (cJSON_GetArraySize(fields) != n) {
            snprintf(why, whysz, "line %d: %d fields, the header has %d",
                     c.line - 1, cJSON_GetArraySize(fields), n);
            rc = KS_EPARSE;
            break;
        }
        cJSON_ArrayForEach(it, fields)
        {
            cJSON *h = cJSON_GetArrayItem(header, i++);

            if (!cJSON_AddStringToObject(row, h->valuestring,
                                         it->valuestring)) {
                rc = KS_ENOMEM;
                break;
            }
        }
        cJSON_Delete(fields);
        fields = NULL;
    }
    if (rc == KS_EPARSE && !*why)
        snprintf(why, whysz, "line %d, field %d: malformed CSV", c.line, c.col);
    if (!rc) {
        *out = rows;
        rows = NULL;
    }
out:
    cJSON_Delete(fields);
    cJSON_Delete(header);
    cJSON_Delete(rows);
    ks__buf_dispose(&b);
    return rc;
}
