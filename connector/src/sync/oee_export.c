/*
 * Pattern 3, file-based (connector/src/oee/README.md "DMT export"): at
 * closure the summary is queued in the store instead of being written
 * into Epicor, in the same store transaction that completes its intent
 * (so it is queued exactly once); ks_oee_flow_export writes what was
 * queued since the last export as one Data Management Tool CSV.
 *
 * The store holds (map "oee.export"):
 *   "next"     the number of the next queued summary (from 1);
 *   "cursor"   the last number exported;
 *   "pending"  "FIRST|LAST|FILE" of an export begun and not finished;
 *   "%012lld"  one summary: "JOB|ASM|OPR|A|P|Q|OEE|GOOD|SCRAP|TOPLOSS".
 * An export records "pending" first, writes the file (temporary file,
 * fsync, rename, mode 0600) and then moves the cursor and clears
 * "pending" together. A crash in between is finished by the next export:
 * the same rows into the same file name, so a file is never lost and
 * never written twice under two names.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <kx/file.h>
#include <kx/time.h>
#include "oee_int.h"
#include "store/internal.h"

#define MAP "oee.export"

static ks_rc kv_int(int64_t *out, struct ks_oee_flow *flow, const char *key)
{
    char *v = NULL;
    ks_rc rc = ks__oee_kv_get(&v, flow, MAP, key);

    *out = 0;
    if (rc == KS_ENOTFOUND)
        return KS_OK;
    if (!rc)
        *out = strtoll(v, NULL, 10);
    ks_store_string_free(v);
    return rc;
}

static ks_rc kv_put_int(struct ks_oee_flow *flow, const char *key, int64_t n)
{
    char v[32];

    snprintf(v, sizeof(v), "%" PRId64, n);
    return ks__oee_kv_put(flow, MAP, key, v);
}

ks_rc ks__oee_flow_queue(struct ks_oee_flow *flow, const struct ks_oee_op *op,
                         const struct ks_oee_summary *s, const char *key)
{
    char rec[KS_STORE_ID_MAX + 1], seq[32];
    int64_t next = 0;
    ks_rc rc = ks_store_begin(flow->o.store);

    if (rc)
        return rc;
    rc = kv_int(&next, flow, "next");
    if (!rc && next < 1)
        next = 1;
    snprintf(seq, sizeof(seq), "%012" PRId64, next);
    if ((size_t)snprintf(rec, sizeof(rec) - 32,
                         "%s|%d|%d|%.6f|%.6f|%.6f|%.6f|%" PRId64 "|%" PRId64
                         "|%s",
                         op->job, op->assembly, op->operation, s->availability,
                         s->performance, s->quality, s->oee, s->good, s->scrap,
                         s->ntop ? s->top[0].reason : "") >= sizeof(rec) - 32)
        rc = rc ? rc : KS_EINVAL;
    if (!rc)
        rc = ks__oee_kv_put(flow, MAP, seq, rec);
    if (!rc)
        rc = kv_put_int(flow, "next", next + 1);
    if (!rc)
        rc = ks_store_intent_complete(flow->o.store, KS__OEE_INTENT, key, key);
    if (rc) {
        ks_store_rollback(flow->o.store);
        return rc;
    }
    return ks_store_commit(flow->o.store);
}

/* One queued record into row (strings point into rec, which it edits). */
static ks_rc parse_rec(struct ks_oee_dmt_row *row, char *rec)
{
    char *f[10], *p = rec;
    int n = 0;

    memset(row, 0, sizeof(*row));
    for (; n < 10; n++) {
        char *bar = strchr(p, '|');

        f[n] = p;
        if (!bar)
            break;
        *bar = '\0';
        p = bar + 1;
    }
    if (n != 9)
        return KS_ESTATE;
    row->op.job = f[0];
    row->op.assembly = (int)strtol(f[1], NULL, 10);
    row->op.operation = (int)strtol(f[2], NULL, 10);
    row->summary.availability = strtod(f[3], NULL);
    row->summary.performance = strtod(f[4], NULL);
    row->summary.quality = strtod(f[5], NULL);
    row->summary.oee = strtod(f[6], NULL);
    row->summary.good = strtoll(f[7], NULL, 10);
    row->summary.scrap = strtoll(f[8], NULL, 10);
    snprintf(row->summary.top[0].reason, sizeof(row->summary.top[0].reason),
             "%s", f[9]);
    row->summary.ntop = f[9][0] != '\0';
    return KS_OK;
}

/* text into dir/name atomically (kx/file.h), the directory synced so the
 * file survives a crash once the export is recorded; the file is the
 * owner's only (it names jobs and their figures). */
static ks_rc write_atomic(struct ks_oee_flow *flow, const char *dir,
                          const char *name, const char *text)
{
    char path[4096], why[4400];

    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
        sizeof(path))
        return KS_EINVAL;
    if (kx_file_write_atomic(path, text, strlen(text), 0600, KX_FILE_SYNC_DIR,
                             why, sizeof(why)) == 0)
        return KS_OK;
    ks__error_set(&flow->err, KS_ERROR, 0, "oee: %s", why);
    return KS_ERROR;
}

/* The CSV of records first..last. */
static ks_rc build(char **csv, struct ks_oee_flow *flow, int64_t first,
                   int64_t last)
{
    size_t n = (size_t)(last - first + 1), got = 0;
    struct ks_oee_dmt_row *rows = ks__calloc(n ? n : 1, sizeof(*rows));
    char **recs = ks__calloc(n ? n : 1, sizeof(*recs));
    ks_rc rc = rows && recs ? KS_OK : KS_ENOMEM;

    *csv = NULL;
    for (int64_t i = first; !rc && i <= last; i++) {
        char seq[32];

        snprintf(seq, sizeof(seq), "%012" PRId64, i);
        rc = ks__oee_kv_get(&recs[got], flow, MAP, seq);
        if (!rc)
            rc = parse_rec(&rows[got], recs[got]);
        if (!rc)
            rows[got++].company = flow->o.company;
    }
    if (!rc)
        rc = ks_oee_dmt_export(csv, rows, got, &flow->o.ud);
    for (size_t i = 0; recs && i < n; i++)
        ks_store_string_free(recs[i]);
    ks__free(recs);
    ks__free(rows);
    return rc;
}

ks_rc ks_oee_flow_export(struct ks_oee_flow *flow, const char *directory,
                         struct ks_oee_export_report *report)
{
    int64_t cursor = 0, next = 0, first, last;
    char *pending = NULL, *csv = NULL, day[KX_ISO8601_MAX], v[400];
    ks_rc rc;

    memset(&flow->err, 0, sizeof(flow->err));
    memset(report, 0, sizeof(*report));
    if (!directory || !*directory)
        return KS_EINVAL;
    rc = ks__oee_kv_get(&pending, flow, MAP, "pending");
    if (!rc) { /* an export a crash interrupted: finish that one */
        long long a = 0, b = 0;
        int at = 0;

        if (sscanf(pending, "%lld|%lld|%n", &a, &b, &at) < 2 || !at ||
            (size_t)snprintf(report->file, sizeof(report->file), "%s",
                             pending + at) >= sizeof(report->file))
            rc = KS_ESTATE;
        first = a;
        last = b;
        ks_store_string_free(pending);
    } else if (rc == KS_ENOTFOUND) {
        rc = kv_int(&cursor, flow, "cursor");
        if (!rc)
            rc = kv_int(&next, flow, "next");
        if (rc || next <= cursor + 1)
            return rc ? ks__oee_flow_fail(flow, rc) : KS_OK; /* nothing */
        first = cursor + 1;
        last = next - 1;
        kx_iso8601_format(day, ks_clock_now_ms(ks_client_clock(flow->o.client)),
                          0);
        day[10] = '\0';
        snprintf(report->file, sizeof(report->file),
                 "oee-dmt-%s-%012" PRId64 ".csv", day, last);
        snprintf(v, sizeof(v), "%" PRId64 "|%" PRId64 "|%s", first, last,
                 report->file);
        rc = ks__oee_kv_put(flow, MAP, "pending", v);
    }
    if (!rc)
        rc = ks__store_crash_point(flow->o.store, "oee.before_export_file");
    if (!rc)
        rc = build(&csv, flow, first, last);
    if (!rc)
        rc = write_atomic(flow, directory, report->file, csv);
    ks_oee_string_free(csv);
    if (rc == KS_ERROR)
        return rc; /* flow->err says which file; "pending" stays */
    if (!rc)
        rc = ks__store_crash_point(flow->o.store, "oee.after_export_file");
    if (!rc)
        rc = ks_store_begin(flow->o.store);
    if (!rc) {
        rc = kv_put_int(flow, "cursor", last);
        if (!rc)
            rc = ks_store_map_delete(flow->o.store, MAP, "pending");
        rc = rc ? (ks_store_rollback(flow->o.store), rc)
                : ks_store_commit(flow->o.store);
    }
    if (rc)
        return ks__oee_flow_fail(flow, rc);
    report->rows = last - first + 1;
    report->written = 1;
    return KS_OK;
}
