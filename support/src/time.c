/*
 * ISO 8601 parsing and formatting on the proleptic Gregorian calendar,
 * with the day arithmetic done here (days_from_civil and its inverse) so
 * that neither timegm() nor the process's time zone is involved.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "kx/time.h"

/* Days since 1970-01-01 of a civil date (m 1..12). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : days[m - 1];
}

/* Reads exactly n digits at *p into *out; advances *p. */
static int digits(const char **p, const char *end, int n, int *out)
{
    int v = 0;

    if (end - *p < n)
        return -1;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];

        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

static int parse_zone(const char **p, const char *end, int64_t *offset_ms)
{
    int sign, h, m = 0;

    if (*p < end && **p == 'Z') {
        (*p)++;
        *offset_ms = 0;
        return 0;
    }
    if (*p >= end || (**p != '+' && **p != '-'))
        return -1;
    sign = **p == '-' ? -1 : 1;
    (*p)++;
    if (digits(p, end, 2, &h))
        return -1;
    if (*p < end && **p == ':')
        (*p)++;
    if (*p < end && digits(p, end, 2, &m))
        return -1;
    if (h > 23 || m > 59)
        return -1;
    *offset_ms = sign * ((int64_t)h * 3600 + m * 60) * 1000;
    return 0;
}

int kx_iso8601_parse_n(int64_t *out_ms, const char *s, size_t len, int flags)
{
    const char *p = s, *end = s + len;
    int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0, have_zone = 0;
    int64_t offset_ms = 0, days;

    if (!s || digits(&p, end, 4, &y) || p >= end || *p++ != '-' ||
        digits(&p, end, 2, &mo) || p >= end || *p++ != '-' ||
        digits(&p, end, 2, &d))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return -1;
    if (p == end) {
        if (!(flags & KX_ISO8601_DATE_OK))
            return -1;
        *out_ms = days_from_civil(y, mo, d) * 86400000;
        return 0;
    }
    if ((*p != 'T' && *p != ' ') || (++p, digits(&p, end, 2, &h)) || p >= end ||
        *p++ != ':' || digits(&p, end, 2, &mi))
        return -1;
    if (p < end && *p == ':') {
        p++;
        if (digits(&p, end, 2, &sec))
            return -1;
        if (p < end && (*p == '.' || *p == ',')) {
            int n = 0;

            for (p++; p < end && *p >= '0' && *p <= '9'; p++, n++) {
                if (n < 3)
                    ms = ms * 10 + (*p - '0');
            }
            if (n == 0)
                return -1;
            for (; n < 3; n++)
                ms *= 10;
        }
    }
    if (h > 23 || mi > 59 || sec > 60)
        return -1;
    if (p < end) {
        if (parse_zone(&p, end, &offset_ms) || p != end)
            return -1;
        have_zone = 1;
    }
    if (!have_zone && (flags & KX_ISO8601_ZONE_REQUIRED))
        return -1;
    days = days_from_civil(y, mo, d);
    *out_ms = ((days * 24 + h) * 60 + mi) * 60000 + (int64_t)sec * 1000 + ms -
              offset_ms;
    return 0;
}

int kx_iso8601_parse(int64_t *out_ms, const char *s, int flags)
{
    return s ? kx_iso8601_parse_n(out_ms, s, strlen(s), flags) : -1;
}

char *kx_iso8601_format(char out[KX_ISO8601_MAX], int64_t ms, int flags)
{
    int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
    int64_t rest = ms - days * 86400000, y;
    int m, d, n;

    civil_from_days(days, &y, &m, &d);
    n = snprintf(out, KX_ISO8601_MAX, "%04lld-%02d-%02dT%02d:%02d:%02d",
                 (long long)y, m, d, (int)(rest / 3600000),
                 (int)(rest / 60000 % 60), (int)(rest / 1000 % 60));
    if (flags & KX_ISO8601_MS)
        n += snprintf(out + n, (size_t)(KX_ISO8601_MAX - n), ".%03d",
                      (int)(rest % 1000));
    if (flags & KX_ISO8601_Z)
        snprintf(out + n, (size_t)(KX_ISO8601_MAX - n), "Z");
    else if (flags & KX_ISO8601_OFFSET)
        snprintf(out + n, (size_t)(KX_ISO8601_MAX - n), "+00:00");
    return out;
}

int64_t kx_monotonic_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t kx_wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
