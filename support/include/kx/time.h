/*
 * ISO 8601 timestamps, the one parser and formatter of the project (the
 * connector's cursors, the emulators' dates, scenario clocks, logs).
 * Times are milliseconds since the Unix epoch, UTC. Nothing allocates.
 */
#ifndef KX_TIME_H
#define KX_TIME_H

#include <stddef.h>
#include <stdint.h>

enum kx_iso8601_flags {
    /* Parsing: a zone ("Z" or "+HH:MM"/"-HH:MM"/"+HHMM") must be present;
     * without this flag a time without zone is taken as UTC. */
    KX_ISO8601_ZONE_REQUIRED = 1 << 0,
    /* Parsing: a date alone ("2026-01-05") is accepted as midnight UTC. */
    KX_ISO8601_DATE_OK = 1 << 1,
    /* Formatting: add ".mmm". */
    KX_ISO8601_MS = 1 << 2,
    /* Formatting: end with "Z" ... */
    KX_ISO8601_Z = 1 << 3,
    /* ... or with "+00:00". Without either, no zone is written. */
    KX_ISO8601_OFFSET = 1 << 4
};

/* Big enough for any formatted time, NUL included. */
#define KX_ISO8601_MAX 40

/*
 * Parses len bytes of s ("2026-01-05T08:00:00Z", "2026-01-05T08:00:00.5",
 * "2026-01-05T10:00:00+02:00", with KX_ISO8601_DATE_OK "2026-01-05"):
 * "T" or a space between date and time, seconds optional, any number of
 * fraction digits (kept to the millisecond). The whole text must be one
 * timestamp. Returns 0, or -1 on anything else (*out_ms untouched).
 */
int kx_iso8601_parse_n(int64_t *out_ms, const char *s, size_t len, int flags);
int kx_iso8601_parse(int64_t *out_ms, const char *s, int flags);

/* Writes ms as "YYYY-MM-DDTHH:MM:SS" plus what flags ask for into out
 * (KX_ISO8601_MAX bytes); returns out. */
char *kx_iso8601_format(char out[KX_ISO8601_MAX], int64_t ms, int flags);

/* Milliseconds of CLOCK_MONOTONIC: for elapsed real time. */
int64_t kx_monotonic_ms(void);
/* Milliseconds of CLOCK_REALTIME. */
int64_t kx_wall_ms(void);

#endif
