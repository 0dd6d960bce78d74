/*
 * The JSON printer of every layer (kx/json_print.h): the same bytes as
 * cJSON_PrintUnformatted (unit.support.json_print compares them), faster
 * where a page or a request body spends its time. cJSON 1.7.15 prints every
 * number with the format "%1.15g", reads it back with sscanf and may print it
 * again with "%1.17g". Here an integer (plain digits in that format) is written
 * without printf; a price in cents (225.65), the common case in the
 * storefronts' pages, is written from its count of hundredths when that reads
 * back as the same double (cJSON's own test); everything else goes the cJSON
 * way with strtod in place of sscanf. The length comes out with the text, so no
 * strlen runs over a page.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json_print.h>

/* The text so far. After a failed allocation (nomem) every write is
 * dropped and the print ends as KX_JSON_PRINT_NOMEM. */
struct out {
    char *p;
    size_t len;
    size_t cap;
    int nomem;
};

/* 1 when n more bytes and the final NUL fit (grown if need be). */
static int reserve(struct out *o, size_t n)
{
    size_t cap = o->cap;
    char *p;

    if (o->nomem)
        return 0;
    if (o->len + n + 1 <= cap)
        return 1;
    while (o->len + n + 1 > cap)
        cap = cap ? cap * 2 : 4096;
    p = realloc(o->p, cap);
    if (!p) {
        o->nomem = 1;
        return 0;
    }
    o->p = p;
    o->cap = cap;
    return 1;
}

static void put(struct out *o, const char *s, size_t n)
{
    if (!reserve(o, n))
        return;
    memcpy(o->p + o->len, s, n);
    o->len += n;
}

static void putc_(struct out *o, char c)
{
    if (!reserve(o, 1))
        return;
    o->p[o->len++] = c;
}

/* Writes v in decimal. */
static void put_int(struct out *o, long long v)
{
    char tmp[24], *e = tmp + sizeof(tmp), *s = e;
    unsigned long long u =
        v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;

    do {
        *--s = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--s = '-';
    put(o, s, (size_t)(e - s));
}

/* cJSON's test that a printed number reads back as d. */
static int same_double(double a, double b)
{
    double max = fabs(a) > fabs(b) ? fabs(a) : fabs(b);

    return fabs(a - b) <= max * DBL_EPSILON;
}

/* d as a count of hundredths when that is what "%1.15g" prints: at most
 * 13 digits before the point (15 significant in all) and reading back as
 * d. Returns 1 and writes it, else 0. */
static int put_cents(struct out *o, double d)
{
    double scaled = d * 100.0;
    long long k;

    if (!(fabs(scaled) < 1e15))
        return 0;
    k = (long long)(scaled < 0 ? scaled - 0.5 : scaled + 0.5);
    if (k == 0 || !same_double((double)k / 100.0, d))
        return 0;
    if (k < 0) {
        putc_(o, '-');
        k = -k;
    }
    put_int(o, k / 100);
    if (k % 100) {
        char frac[3] = {(char)('0' + k % 100 / 10), (char)('0' + k % 10), 0};

        putc_(o, '.');
        put(o, frac, k % 10 ? 2 : 1);
    }
    return 1;
}

static void put_number(struct out *o, const cJSON *item)
{
    double d = item->valuedouble, back;
    char buf[32];
    int n;

    if (isnan(d) || isinf(d)) {
        put(o, "null", 4);
        return;
    }
    if (d == (double)item->valueint && !(d == 0 && signbit(d))) {
        put_int(o, item->valueint); /* what "%1.15g" prints for an int */
        return;
    }
    if (put_cents(o, d))
        return;
    n = snprintf(buf, sizeof(buf), "%1.15g", d);
    back = strtod(buf, NULL);
    if (!same_double(back, d))
        n = snprintf(buf, sizeof(buf), "%1.17g", d);
    put(o, buf, (size_t)n);
}

static void put_string(struct out *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    const unsigned char *run = p;

    putc_(o, '"');
    for (;; p++) {
        const char *esc = NULL;
        unsigned char c = *p;

        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        put(o, (const char *)run, (size_t)(p - run));
        if (!c)
            break;
        switch (c) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\b':
            esc = "\\b";
            break;
        case '\f':
            esc = "\\f";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\t':
            esc = "\\t";
            break;
        default:
            break;
        }
        if (esc) {
            put(o, esc, 2);
        } else {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

            put(o, u, 6);
        }
        run = p + 1;
    }
    putc_(o, '"');
}

/* 0 when item cannot be printed (cJSON fails there too: a raw item
 * without text, an unknown type). */
static int put_value(struct out *o, const cJSON *item)
{
    const cJSON *it;

    switch (item->type & 0xFF) {
    case cJSON_NULL:
        put(o, "null", 4);
        return 1;
    case cJSON_False:
        put(o, "false", 5);
        return 1;
    case cJSON_True:
        put(o, "true", 4);
        return 1;
    case cJSON_Number:
        put_number(o, item);
        return 1;
    case cJSON_String:
        put_string(o, item->valuestring);
        return 1;
    case cJSON_Raw:
        if (!item->valuestring)
            return 0;
        put(o, item->valuestring, strlen(item->valuestring));
        return 1;
    case cJSON_Array:
        putc_(o, '[');
        for (it = item->child; it; it = it->next) {
            if (!put_value(o, it))
                return 0;
            if (it->next)
                putc_(o, ',');
        }
        putc_(o, ']');
        return 1;
    case cJSON_Object:
        putc_(o, '{');
        for (it = item->child; it; it = it->next) {
            put_string(o, it->string);
            putc_(o, ':');
            if (!put_value(o, it))
                return 0;
            if (it->next)
                putc_(o, ',');
        }
        putc_(o, '}');
        return 1;
    default:
        return 0;
    }
}

int kx_json_print(char **out, size_t *len, const cJSON *item, size_t size_hint)
{
    struct out o = {NULL, 0, 0, 0};
    int rc = KX_JSON_PRINT_OK;

    *out = NULL;
    *len = 0;
    reserve(&o, size_hint);
    if (!item || !put_value(&o, item))
        rc = KX_JSON_PRINT_INVALID;
    else if (o.nomem)
        rc = KX_JSON_PRINT_NOMEM;
    if (rc) {
        free(o.p);
        return rc;
    }
    o.p[o.len] = '\0';
    *out = o.p;
    *len = o.len;
    return rc;
}
