/*
 * Report writers: JUnit XML for CI systems and one self-contained HTML
 * page for people, both from an array of kh_result.
 *
 * No string in a result is trusted to be well-formed: names and details
 * come from scenario files and remote replies, logs from the connector.
 * Every string goes through one sanitizer that decodes UTF-8 and writes
 * U+FFFD in place of each byte that does not start a valid sequence
 * (RFC 3629: no overlong forms, surrogates or values above U+10FFFF) and
 * in place of each code point XML 1.0 forbids or discourages: C0 controls
 * other than tab, newline and carriage return, DEL, C1 controls, U+FFFE
 * and U+FFFF. HTML5 calls the same characters parse errors, so both
 * writers share the rule. Markup characters are then escaped.
 *
 * A report is written to a temporary file beside the target and renamed
 * over it, so a reader (a CI step collecting results, a browser being
 * refreshed) sees the previous report or the new one, never a part.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <kx/alloc.h>
#include <kx/file.h>
#include "engine.h"
#include "report_int.h"

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD in UTF-8 */

/* ---- text sanitizing and escaping ---------------------------------- */

/*
 * Length of the valid UTF-8 sequence at s (n bytes available) with its
 * code point in *cp, or 0 when s does not start one.
 */
static size_t utf8_decode(uint32_t *cp, const unsigned char *s, size_t n)
{
    uint32_t c = s[0], min;
    size_t len, i;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        c &= 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        c &= 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        c &= 0x07;
        min = 0x10000;
    } else {
        return 0; /* a continuation byte, 0xC0/0xC1 or 0xF5.. */
    }
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

/* Whether a report may carry the code point as it is (see the top). */
static int char_allowed(uint32_t c)
{
    if (c == '\t' || c == '\n' || c == '\r')
        return 1;
    if (c < 0x20 || (c >= 0x7F && c <= 0x9F))
        return 0;
    return c != 0xFFFE && c != 0xFFFF;
}

enum esc_mode {
    ESC_TEXT, /* element content */
    ESC_ATTR  /* a double-quoted attribute value */
};

/*
 * Writes the n bytes at s to f, sanitized and escaped. Quotes are escaped
 * in text too, so one routine serves XML and HTML. In attributes tab,
 * newline and carriage return become character references, since
 * attribute-value normalisation would otherwise turn them into spaces.
 */
static void put_escaped_n(FILE *f, const char *s, size_t n, enum esc_mode mode)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, len;
    uint32_t cp;

    while (i < n) {
        len = utf8_decode(&cp, p + i, n - i);
        if (len == 0 || !char_allowed(cp)) {
            fputs(REPLACEMENT, f);
            i += len ? len : 1; /* an invalid byte is replaced alone */
            continue;
        }
        if (cp == '&')
            fputs("&amp;", f);
        else if (cp == '<')
            fputs("&lt;", f);
        else if (cp == '>')
            fputs("&gt;", f);
        else if (cp == '"')
            fputs("&quot;", f);
        else if (cp == '\'')
            fputs("&#39;", f); /* &apos; is not HTML 4; this is both */
        else if (mode == ESC_ATTR && (cp == '\t' || cp == '\n' || cp == '\r'))
            fprintf(f, "&#%u;", (unsigned)cp);
        else
            fwrite(p + i, 1, len, f);
        i += len;
    }
}

/* As put_escaped_n for a NUL-terminated string; NULL writes nothing. */
static void put_escaped(FILE *f, const char *s, enum esc_mode mode)
{
    if (s)
        put_escaped_n(f, s, strlen(s), mode);
}

void kh_report_put_escaped(FILE *f, const char *s)
{
    put_escaped(f, s, ESC_TEXT);
}

/* ---- what the writers say about a result --------------------------- */

/* An outcome outside the enum counts as an error: the run said nothing
 * that could be taken for a pass. */
static enum kh_outcome outcome_of(const struct kh_result *r)
{
    return r->outcome == KH_PASS || r->outcome == KH_FAIL ? r->outcome
                                                          : KH_ERROR;
}

/* The name shown for a result: its name, else its path. */
static const char *name_of(const struct kh_result *r)
{
    if (r->name && r->name[0])
        return r->name;
    if (r->path && r->path[0])
        return r->path;
    return "(unnamed)";
}

/*
 * The scenario's area: the name of the directory that holds path
 * ("scenarios/epicor/x.json" gives "epicor"). *len is 0 when path is NULL
 * or names no directory ("x.json", "./x.json").
 */
static const char *area_of(const struct kh_result *r, size_t *len)
{
    const char *path = r->path, *end, *start;

    *len = 0;
    if (!path || !(end = strrchr(path, '/')))
        return "";
    while (end > path && end[-1] == '/')
        end--;
    start = end;
    while (start > path && start[-1] != '/')
        start--;
    if ((end - start == 1 && start[0] == '.') ||
        (end - start == 2 && start[0] == '.' && start[1] == '.'))
        return "";
    *len = (size_t)(end - start);
    return start;
}

struct totals {
    size_t passed, failed, errored;
    int64_t wall_ms, virtual_ms;
};

/* Negative durations cannot happen; a bad one must not subtract from the
 * totals or print as a negative time. */
static int64_t non_negative(int64_t ms)
{
    return ms < 0 ? 0 : ms;
}

static void totals_of(struct totals *t, const struct kh_result *results,
                      size_t n)
{
    memset(t, 0, sizeof(*t));
    for (size_t i = 0; i < n; i++) {
        switch (outcome_of(&results[i])) {
        case KH_PASS:
            t->passed++;
            break;
        case KH_FAIL:
            t->failed++;
            break;
        default:
            t->errored++;
            break;
        }
        t->wall_ms += non_negative(results[i].wall_ms);
        t->virtual_ms += non_negative(results[i].virtual_ms);
    }
}

/* Seconds with three decimals, as JUnit's time attributes want. */
static void put_seconds(FILE *f, int64_t ms)
{
    ms = non_negative(ms);
    fprintf(f, "%" PRId64 ".%03d", ms / 1000, (int)(ms % 1000));
}

/*
 * A duration for people: "1.500 s" under a minute, then "2m 03.500s",
 * "1h 02m 03.500s" and, since a virtual run can span weeks (a 90-day
 * webhook inactivity), "90d 00h 00m 00.000s". Negative counts as 0.
 */
static void format_duration(char *buf, size_t bufsz, int64_t ms)
{
    uint64_t v = (uint64_t)non_negative(ms), s = v / 1000;
    unsigned frac = (unsigned)(v % 1000), sec = (unsigned)(s % 60);
    unsigned min = (unsigned)(s / 60 % 60), hr = (unsigned)(s / 3600 % 24);

    if (s < 60)
        snprintf(buf, bufsz, "%u.%03u s", sec, frac);
    else if (s < 3600)
        snprintf(buf, bufsz, "%um %02u.%03us", min, sec, frac);
    else if (s < 86400)
        snprintf(buf, bufsz, "%uh %02um %02u.%03us", hr, min, sec, frac);
    else
        snprintf(buf, bufsz, "%" PRIu64 "d %02uh %02um %02u.%03us", s / 86400,
                 hr, min, sec, frac);
}

/* ---- writing a file atomically ------------------------------------- */

/* What a report is made of. */
struct report_input {
    const struct kh_result *results;
    size_t n;
    const struct kh_suite_info *suite; /* may be NULL */
    const char *text;                  /* kh__report_write_text's */
};

typedef void (*body_fn)(FILE *f, const struct report_input *in);

/*
 * Renders body in memory and writes it to file atomically (kx/file.h):
 * created with mode 0666, so the caller's umask applies as it would to a
 * report opened with fopen. On any failure file is left as it was and -1
 * is returned with errno from the step that failed (EIO when a write
 * failed without saying why).
 */
static int write_atomically(const char *file, body_fn body,
                            const struct report_input *in)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f;
    int rc = -1, saved;

    if (!file || !file[0] || (!in->results && in->n)) {
        errno = EINVAL;
        return -1;
    }
    f = open_memstream(&text, &len);
    if (!f)
        return -1; /* errno is ENOMEM */
    errno = 0;
    body(f, in);
    saved = ferror(f) ? (errno ? errno : EIO) : 0;
    if (fclose(f) != 0 && !saved)
        saved = errno ? errno : ENOMEM;
    if (!saved)
        rc = kx_file_write_atomic(file, text, len, 0666, 0, NULL, 0);
    else
        errno = saved;
    saved = errno;
    free(text);
    errno = saved;
    return rc;
}

/* ---- JUnit XML ------------------------------------------------------ */

/* The first line of details, or dflt when there is none. */
static void put_first_line(FILE *f, const char *details, const char *dflt)
{
    size_t n = details ? strcspn(details, "\r\n") : 0;

    if (n)
        put_escaped_n(f, details, n, ESC_ATTR);
    else
        put_escaped(f, dflt, ESC_ATTR);
}

static void junit_case(FILE *f, const struct kh_result *r)
{
    enum kh_outcome outcome = outcome_of(r);
    size_t area_len;
    const char *area = area_of(r, &area_len);

    fputs("    <testcase classname=\"", f);
    if (area_len)
        put_escaped_n(f, area, area_len, ESC_ATTR);
    else
        fputs("kinsync", f); /* consumers group by it; never leave it "" */
    fputs("\" name=\"", f);
    put_escaped(f, name_of(r), ESC_ATTR);
    if (r->path) {
        fputs("\" file=\"", f);
        put_escaped(f, r->path, ESC_ATTR);
    }
    fputs("\" time=\"", f);
    put_seconds(f, r->wall_ms);
    fputs("\">\n", f);
    if (outcome != KH_PASS) {
        const char *el = outcome == KH_FAIL ? "failure" : "error";

        fprintf(f, "      <%s message=\"", el);
        put_first_line(f, r->details,
                       outcome == KH_FAIL ? "scenario failed"
                                          : "scenario could not run");
        fprintf(f, "\" type=\"%s\">", el);
        put_escaped(f, r->details, ESC_TEXT);
        fprintf(f, "</%s>\n", el);
    }
    if ((r->log && r->log[0]) || (r->out && r->out[0])) {
        fputs("      <system-out>", f);
        put_escaped(f, r->log, ESC_TEXT);
        put_escaped(f, r->out, ESC_TEXT);
        fputs("</system-out>\n", f);
    }
    if (r->err && r->err[0]) {
        fputs("      <system-err>", f);
        put_escaped(f, r->err, ESC_TEXT);
        fputs("</system-err>\n", f);
    }
    fputs("    </testcase>\n", f);
}

static void junit_body(FILE *f, const struct report_input *in)
{
    const struct kh_result *results = in->results;
    size_t n = in->n;
    struct totals t;

    totals_of(&t, results, n);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    fprintf(f,
            "<testsuites name=\"kinsync\" tests=\"%zu\" failures=\"%zu\" "
            "errors=\"%zu\" time=\"",
            n, t.failed, t.errored);
    put_seconds(f, t.wall_ms);
    fprintf(f,
            "\">\n  <testsuite name=\"kinsync\" tests=\"%zu\" "
            "failures=\"%zu\" errors=\"%zu\" skipped=\"0\" time=\"",
            n, t.failed, t.errored);
    put_seconds(f, t.wall_ms);
    fputs("\">\n", f);
    for (size_t i = 0; i < n; i++)
        junit_case(f, &results[i]);
    fputs("  </testsuite>\n</testsuites>\n", f);
}

int kh_report_junit(const char *file, const struct kh_result *results, size_t n)
{
    struct report_input in = {results, n, NULL, NULL};

    return write_atomically(file, junit_body, &in);
}

/* ---- HTML ----------------------------------------------------------- */

static const char html_head[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\">\n"
    "<head>\n"
    "<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, "
    "initial-scale=1\">\n"
    "<title>kinsync scenario report</title>\n"
    "<style>\n"
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222}\n"
    "table{border-collapse:collapse;margin:1em 0}\n"
    "th,td{border:1px solid #ccc;padding:.3em .7em;text-align:left}\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    "tr.pass td.result{background:#d8f5d8;color:#145214}\n"
    "tr.fail td.result{background:#fadada;color:#8a1010}\n"
    "tr.error td.result{background:#fde8c8;color:#7a4300}\n"
    ".count.pass{color:#145214}.count.fail{color:#8a1010}"
    ".count.error{color:#7a4300}\n"
    "section{border-left:.4em solid #8a1010;padding-left:1em;margin:1.5em 0}\n"
    "section.error{border-left-color:#c77700}\n"
    "section.pass{border-left-color:#2a8a2a}\n"
    "pre{background:#f6f6f6;padding:.7em;overflow-x:auto;"
    "white-space:pre-wrap;word-break:break-word}\n"
    ".path{color:#666;font-family:monospace}\n"
    "</style>\n"
    "</head>\n"
    "<body>\n"
    "<h1>kinsync scenario report</h1>\n";

/* 1 when the HTML report has a section for r (a failure, or output). */
static int has_section(const struct kh_result *r)
{
    return outcome_of(r) != KH_PASS || (r->out && r->out[0]) ||
           (r->err && r->err[0]);
}

static const char *outcome_class(enum kh_outcome o)
{
    return o == KH_PASS ? "pass" : o == KH_FAIL ? "fail" : "error";
}

static const char *outcome_word(enum kh_outcome o)
{
    return o == KH_PASS ? "passed" : o == KH_FAIL ? "failed" : "error";
}

static void html_summary(FILE *f, const struct kh_result *results, size_t n)
{
    struct totals t;
    char wall[64], virt[64];

    totals_of(&t, results, n);
    format_duration(wall, sizeof(wall), t.wall_ms);
    format_duration(virt, sizeof(virt), t.virtual_ms);
    fprintf(f,
            "<p class=\"summary\">%zu scenario%s: "
            "<span class=\"count pass\">%zu passed</span>, "
            "<span class=\"count fail\">%zu failed</span>, "
            "<span class=\"count error\">%zu errored</span>. "
            "Wall time %s, virtual time %s.</p>\n",
            n, n == 1 ? "" : "s", t.passed, t.failed, t.errored, wall, virt);
}

static void html_row(FILE *f, const struct kh_result *r, size_t index)
{
    enum kh_outcome o = outcome_of(r);
    char virt[64], wall[64];
    size_t area_len;
    const char *area = area_of(r, &area_len);

    format_duration(virt, sizeof(virt), r->virtual_ms);
    format_duration(wall, sizeof(wall), r->wall_ms);
    fprintf(f, "<tr class=\"%s\"><td>", outcome_class(o));
    if (has_section(r))
        fprintf(f, "<a href=\"#scenario-%zu\">", index);
    put_escaped(f, name_of(r), ESC_TEXT);
    if (has_section(r))
        fputs("</a>", f);
    fputs("</td><td>", f);
    put_escaped_n(f, area, area_len, ESC_TEXT);
    fprintf(f,
            "</td><td class=\"result\">%s</td><td class=\"num\">%s</td>"
            "<td class=\"num\">%s</td></tr>\n",
            outcome_word(o), virt, wall);
}

/* The integration's output of a scenario, each stream folded. */
static void html_output(FILE *f, const struct kh_result *r)
{
    if (r->out && r->out[0]) {
        fputs("<details><summary>Integration stdout</summary><pre>", f);
        put_escaped(f, r->out, ESC_TEXT);
        fputs("</pre></details>\n", f);
    }
    if (r->err && r->err[0]) {
        fputs("<details><summary>Integration stderr</summary><pre>", f);
        put_escaped(f, r->err, ESC_TEXT);
        fputs("</pre></details>\n", f);
    }
}

/* A passing scenario's section, when its integration printed something. */
static void html_passed(FILE *f, const struct kh_result *r, size_t index)
{
    fprintf(f, "<section class=\"pass\" id=\"scenario-%zu\">\n<h2>", index);
    put_escaped(f, name_of(r), ESC_TEXT);
    fputs("</h2>\n", f);
    html_output(f, r);
    fputs("</section>\n", f);
}

/* What went wrong in one non-passing scenario, with its log folded. */
static void html_detail(FILE *f, const struct kh_result *r, size_t index)
{
    enum kh_outcome o = outcome_of(r);

    fprintf(f, "<section class=\"%s\" id=\"scenario-%zu\">\n<h2>",
            outcome_class(o), index);
    put_escaped(f, name_of(r), ESC_TEXT);
    fputs("</h2>\n", f);
    if (r->path) {
        fputs("<p class=\"path\">", f);
        put_escaped(f, r->path, ESC_TEXT);
        fputs("</p>\n", f);
    }
    fprintf(f, "<p>%s after %zu step%s; %zu of %zu check%s failed.</p>\n",
            o == KH_FAIL ? "Failed" : "Errored", r->steps_run,
            r->steps_run == 1 ? "" : "s", r->failures, r->checks,
            r->checks == 1 ? "" : "s");
    fputs("<pre>", f);
    if (r->details && r->details[0])
        put_escaped(f, r->details, ESC_TEXT);
    else
        fputs("(no details)", f);
    fputs("</pre>\n", f);
    if (r->log && r->log[0]) {
        fputs("<details><summary>Connector log</summary><pre>", f);
        put_escaped(f, r->log, ESC_TEXT);
        fputs("</pre></details>\n", f);
    }
    html_output(f, r);
    fputs("</section>\n", f);
}

/* The suite a grade was made with, for a published report. */
static void html_suite(FILE *f, const struct kh_suite_info *suite)
{
    if (!suite)
        return;
    fprintf(f, "<p class=\"suite\">kinsync %s (kinsync ", KS_VERSION_STRING);
    put_escaped(f, suite->command, ESC_TEXT);
    fprintf(f, "), suite SHA-256 <code>");
    put_escaped(f, suite->digest ? suite->digest : "(none)", ESC_TEXT);
    fprintf(f,
            "</code> over %zu file%s (scenarios and the fixtures they use). "
            "Anyone with this version and a suite of this digest gets the "
            "same checks.</p>\n",
            suite->nfiles, suite->nfiles == 1 ? "" : "s");
}

static void html_body(FILE *f, const struct report_input *in)
{
    const struct kh_result *results = in->results;
    size_t n = in->n, i;

    fputs(html_head, f);
    html_suite(f, in->suite);
    html_summary(f, results, n);
    fputs("<table>\n<thead><tr><th>Scenario</th><th>Area</th>"
          "<th>Result</th><th>Virtual time</th><th>Wall time</th></tr>"
          "</thead>\n<tbody>\n",
          f);
    for (i = 0; i < n; i++)
        html_row(f, &results[i], i);
    fputs("</tbody>\n</table>\n", f);
    for (i = 0; i < n; i++) {
        if (outcome_of(&results[i]) != KH_PASS)
            html_detail(f, &results[i], i);
        else if (has_section(&results[i]))
            html_passed(f, &results[i], i);
    }
    fputs("</body>\n</html>\n", f);
}

int kh_report_html(const char *file, const struct kh_result *results, size_t n,
                   const struct kh_suite_info *suite)
{
    struct report_input in = {results, n, suite, NULL};

    return write_atomically(file, html_body, &in);
}

static void text_body(FILE *f, const struct report_input *in)
{
    fputs(in->text, f);
}

int kh__report_write_text(const char *file, const char *text)
{
    struct report_input in = {NULL, 0, NULL, text};

    return write_atomically(file, text_body, &in);
}
