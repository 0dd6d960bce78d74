/*
 * Literals (shared by $filter and key segments), ISO date helpers and the
 * BO where-clause translation.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <kx/alloc.h>
#include <kx/buf.h>
#include <kx/time.h>
#include "odata_filter.h"

static int lit_fail(struct km__odata_filter_err *err, size_t pos,
                    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int lit_fail(struct km__odata_filter_err *err, size_t pos,
                    const char *fmt, ...)
{
    va_list ap;

    err->pos = pos;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return -1;
}

static char *dup_n(const char *s, size_t n)
{
    char *d = kx_xmalloc(n + 1);

    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void km__odata_value_dispose(struct km__odata_value *v)
{
    if (!v)
        return;
    free(v->s);
    memset(v, 0, sizeof(*v));
}

cJSON *km__odata_value_to_json(const struct km__odata_value *v)
{
    char buf[32];

    switch (v->type) {
    case KM_OV_BOOL:
        return cJSON_CreateBool(v->b);
    case KM_OV_INT:
    case KM_OV_DEC:
        return cJSON_CreateNumber(v->d);
    case KM_OV_STR:
    case KM_OV_GUID:
        return cJSON_CreateString(v->s);
    case KM_OV_DATE:
        km__epicor_format_datetime(buf, sizeof(buf), v->ms, 0);
        return cJSON_CreateString(buf);
    default:
        return cJSON_CreateNull();
    }
}

/* ---- dates ----------------------------------------------------------- */

/* The project's one ISO 8601 parser (kx/time.h) with a date alone allowed,
 * and "T" as the only separator: OData writes no other, and in a $filter
 * a space ends the token anyway. */
int km__epicor_parse_datetime(int64_t *out_ms, const char *s, size_t len)
{
    if (len > 10 && s[10] != 'T')
        return -1;
    return kx_iso8601_parse_n(out_ms, s, len, KX_ISO8601_DATE_OK);
}

void km__epicor_format_datetime(char *buf, size_t bufsz, int64_t ms,
                                int date_only)
{
    char iso[KX_ISO8601_MAX];

    if (date_only) /* midnight of the day, also before 1970 */
        ms -= ((ms % 86400000) + 86400000) % 86400000;
    snprintf(buf, bufsz, "%s", kx_iso8601_format(iso, ms, 0));
}

/* ---- literals -------------------------------------------------------- */

static int is_hex_run(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!isxdigit((unsigned char)p[i]))
            return 0;
    }
    return 1;
}

static int is_guid(const char *p)
{
    return is_hex_run(p, 8) && p[8] == '-' && is_hex_run(p + 9, 4) &&
           p[13] == '-' && is_hex_run(p + 14, 4) && p[18] == '-' &&
           is_hex_run(p + 19, 4) && p[23] == '-' && is_hex_run(p + 24, 12) &&
           !isalnum((unsigned char)p[36]);
}

/* Reads a quoted string at *p ('' is an embedded quote). */
static int read_quoted(char **out, const char **p, const char *base,
                       struct km__odata_filter_err *err)
{
    const char *q = *p + 1, *start = *p;
    size_t n = 0;
    char *s = kx_xmalloc(strlen(q) + 1);

    for (;;) {
        if (*q == '\0') {
            free(s);
            return lit_fail(err, (size_t)(start - base),
                            "Unterminated string literal starting at "
                            "position %zu",
                            (size_t)(start - base));
        }
        if (*q == '\'') {
            if (q[1] != '\'')
                break;
            q++;
        }
        s[n++] = *q++;
    }
    s[n] = '\0';
    *out = s;
    *p = q + 1;
    return 0;
}

static int read_date(struct km__odata_value *out, const char *text, size_t len,
                     size_t pos, struct km__odata_filter_err *err)
{
    if (km__epicor_parse_datetime(&out->ms, text, len))
        return lit_fail(err, pos,
                        "Invalid datetime literal '%.*s' at position %zu",
                        (int)(len > 40 ? 40 : len), text, pos);
    out->type = KM_OV_DATE;
    out->s = dup_n(text, len);
    return 0;
}

static int read_number(struct km__odata_value *out, const char **p,
                       const char *base, struct km__odata_filter_err *err)
{
    const char *q = *p;
    int dec = 0;
    size_t pos = (size_t)(*p - base);
    char *end;
    char buf[64];
    size_t n;

    if (*q == '-')
        q++;
    if (!isdigit((unsigned char)*q))
        return lit_fail(err, pos, "Invalid literal at position %zu", pos);
    while (isdigit((unsigned char)*q))
        q++;
    if (*q == '.' && isdigit((unsigned char)q[1])) {
        dec = 1;
        for (q++; isdigit((unsigned char)*q);)
            q++;
    }
    if (*q == 'e' || *q == 'E') {
        const char *e = q + 1;

        if (*e == '+' || *e == '-')
            e++;
        if (isdigit((unsigned char)*e)) {
            dec = 1;
            for (q = e; isdigit((unsigned char)*q);)
                q++;
        }
    }
    n = (size_t)(q - *p);
    if (n >= sizeof(buf))
        return lit_fail(err, pos, "Number literal too long at position %zu",
                        pos);
    memcpy(buf, *p, n);
    buf[n] = '\0';
    /* OData v3 type suffixes: 5M (decimal), 5L (Int64), 5d, 5f. */
    if (strchr("mMlLdDfF", *q) && *q && !isalnum((unsigned char)q[1])) {
        dec |= *q != 'l' && *q != 'L';
        q++;
    }
    if (isalnum((unsigned char)*q) || *q == '_' || *q == '.')
        return lit_fail(err, pos, "Invalid number literal at position %zu",
                        pos);
    errno = 0;
    out->d = strtod(buf, &end);
    if (!dec) {
        long long v = strtoll(buf, &end, 10);

        if (errno == 0) {
            out->type = KM_OV_INT;
            out->i = v;
        } else {
            out->type = KM_OV_DEC;
        }
    } else {
        out->type = KM_OV_DEC;
    }
    *p = q;
    return 0;
}

int km__odata_filter_literal(struct km__odata_value *out, const char **p,
                             const char *base, struct km__odata_filter_err *err)
{
    const char *q = *p;
    size_t pos = (size_t)(q - base), n;
    char *inner = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    if (*q == '\'') {
        out->type = KM_OV_STR;
        return read_quoted(&out->s, p, base, err);
    }
    if (is_guid(q)) {
        out->type = KM_OV_GUID;
        out->s = dup_n(q, 36);
        *p = q + 36;
        return 0;
    }
    if (isdigit((unsigned char)q[0]) && isdigit((unsigned char)q[1]) &&
        isdigit((unsigned char)q[2]) && isdigit((unsigned char)q[3]) &&
        q[4] == '-') {
        n = strspn(q, "0123456789-:.TZ+");
        *p = q + n;
        return read_date(out, q, n, pos, err);
    }
    if (*q == '-' || isdigit((unsigned char)*q))
        return read_number(out, p, base, err);
    n = strspn(q, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
    if (n == 4 && strncmp(q, "true", 4) == 0 && !isalnum((unsigned char)q[4]))
        out->type = KM_OV_BOOL, out->b = 1;
    else if (n == 5 && strncmp(q, "false", 5) == 0 &&
             !isalnum((unsigned char)q[5]))
        out->type = KM_OV_BOOL, out->b = 0;
    else if (n == 4 && strncmp(q, "null", 4) == 0 &&
             !isalnum((unsigned char)q[4]))
        out->type = KM_OV_NULL;
    else if (q[n] == '\'') {
        const char *r = q + n;

        if (read_quoted(&inner, &r, base, err))
            return -1;
        if ((n == 8 && strncmp(q, "datetime", 8) == 0) ||
            (n == 14 && strncmp(q, "datetimeoffset", 14) == 0)) {
            rc = read_date(out, inner, strlen(inner), pos, err);
        } else if (n == 4 && strncmp(q, "guid", 4) == 0 && is_guid(inner) &&
                   strlen(inner) == 36) {
            out->type = KM_OV_GUID;
            out->s = inner;
            inner = NULL;
            rc = 0;
        } else {
            rc = lit_fail(err, pos,
                          "Unsupported literal type '%.*s' at position %zu",
                          (int)n, q, pos);
        }
        free(inner);
        if (rc == 0)
            *p = r;
        return rc;
    } else {
        return lit_fail(err, pos, "Invalid literal at position %zu", pos);
    }
    *p = q + n;
    return 0;
}

/* ---- where clauses --------------------------------------------------- */

static int word_is(const char *w, size_t n, const char *kw)
{
    return strlen(kw) == n && strncasecmp(w, kw, n) == 0;
}

int km__odata_where_to_filter(char **out_filter, char **out_orderby,
                              const char *where,
                              struct km__odata_filter_err *err)
{
    struct kx_buf f = KX_BUF_INIT, o = KX_BUF_INIT;
    struct kx_buf *cur = &f;
    const char *p = where ? where : "";
    int in_by = 0, rc = -1;

    *out_filter = *out_orderby = NULL;
    memset(err, 0, sizeof(*err));
    while (*p) {
        size_t pos = (size_t)(p - where), n;
        const char *op = NULL;

        if (isspace((unsigned char)*p)) {
            p++;
            continue;
        }
        if (*p == '\'') {
            const char *start = p;
            char *tmp;

            if (read_quoted(&tmp, &p, where, err))
                goto out;
            free(tmp);
            kx_buf_puts(cur, " ");
            kx_buf_add(cur, start, (size_t)(p - start));
            continue;
        }
        if (strncmp(p, "<>", 2) == 0 || strncmp(p, "!=", 2) == 0)
            op = " ne ", n = 2;
        else if (strncmp(p, ">=", 2) == 0)
            op = " ge ", n = 2;
        else if (strncmp(p, "<=", 2) == 0)
            op = " le ", n = 2;
        else if (*p == '=' || *p == '>' || *p == '<')
            op = *p == '=' ? " eq " : *p == '>' ? " gt " : " lt ", n = 1;
        if (op) {
            kx_buf_puts(cur, op);
            p += n;
            continue;
        }
        if (*p == '(' || *p == ')' || *p == ',') {
            kx_buf_add(cur, in_by && *p == ',' ? "," : p, 1);
            p++;
            continue;
        }
        if (*p == '-' || isdigit((unsigned char)*p)) {
            n = strspn(p + 1, "0123456789.") + 1;
            kx_buf_puts(cur, " ");
            kx_buf_add(cur, p, n);
            p += n;
            continue;
        }
        if (!isalpha((unsigned char)*p) && *p != '_') {
            lit_fail(err, pos,
                     "Unexpected character '%c' in where clause at "
                     "position %zu",
                     *p, pos);
            goto out;
        }
        n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                      "0123456789_.");
        if (word_is(p, n, "BY")) {
            in_by = 1;
            cur = &o;
            if (o.len)
                kx_buf_puts(&o, ",");
        } else if (in_by && (word_is(p, n, "DESC") || word_is(p, n, "ASC") ||
                             word_is(p, n, "DESCENDING"))) {
            kx_buf_puts(&o, tolower((unsigned char)p[1]) == 'e' ? " desc" : "");
        } else if (!in_by && (word_is(p, n, "AND") || word_is(p, n, "OR") ||
                              word_is(p, n, "NOT"))) {
            char w[4] = {0};

            for (size_t i = 0; i < n; i++)
                w[i] = (char)tolower((unsigned char)p[i]);
            kx_buf_puts(&f, " ");
            kx_buf_puts(&f, w);
        } else if (!in_by && (word_is(p, n, "TRUE") || word_is(p, n, "YES"))) {
            kx_buf_puts(&f, " true");
        } else if (!in_by && (word_is(p, n, "FALSE") || word_is(p, n, "NO"))) {
            kx_buf_puts(&f, " false");
        } else if (word_is(p, n, "LIKE") || word_is(p, n, "BEGINS") ||
                   word_is(p, n, "MATCHES") || word_is(p, n, "IN")) {
            lit_fail(err, pos,
                     "The where-clause operator '%.*s' is not supported at "
                     "position %zu",
                     (int)n, p, pos);
            goto out;
        } else {
            /* Table-qualified field ("Part.PartNum"): keep the field. */
            const char *dot = memchr(p, '.', n);
            const char *name = dot ? dot + 1 : p;

            if (in_by && o.len && o.data[o.len - 1] != ',')
                kx_buf_puts(&o, ",");
            kx_buf_puts(cur, cur == &f ? " " : "");
            kx_buf_add(cur, name, n - (size_t)(name - p));
        }
        p += n;
    }
    *out_filter = kx_buf_detach(&f);
    *out_orderby = kx_buf_detach(&o);
    rc = 0;
out:
    kx_buf_reset(&f);
    kx_buf_reset(&o);
    return rc;
}
