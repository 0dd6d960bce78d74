/*
 * How `kinsync diff` reports (the report's form is in diff.h): text for
 * people at a terminal, JSON for tools, and one self-contained HTML page
 * (no script, no external file) written as every report is, through a
 * temporary file renamed over the target.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "diff.h"
#include "engine.h"
#include "report_int.h"

static const char *or_none(const char *s)
{
    return s ? s : "(none)";
}

static long count_of(const cJSON *d)
{
    return (long)kx_json_num(d, "count", 0);
}

/* One difference in words: "missing /data/ID (number)". */
static void describe(char *out, size_t outsz, const cJSON *d, const char *key)
{
    const char *change = kx_json_str(d, "change"), *at = kx_json_str(d, key);
    const char *rec = kx_json_str(d, "recorded"),
               *emu = kx_json_str(d, "emulator");

    if (strcmp(key, "pointer") != 0 && strcmp(change, "value") == 0)
        snprintf(out, outsz, "header %s: recorded \"%s\", emulator \"%s\"", at,
                 or_none(rec), or_none(emu));
    else if (strcmp(change, "type") == 0)
        snprintf(out, outsz, "type    %s: recorded %s, emulator %s", at,
                 or_none(rec), or_none(emu));
    else
        snprintf(out, outsz, "%s%s %s%s%s%s", key[0] == 'p' ? "" : "header ",
                 change, at, key[0] == 'p' ? " (" : "",
                 key[0] == 'p' ? or_none(rec ? rec : emu) : "",
                 key[0] == 'p' ? ")" : "");
}

/* The lines of one route's differences, each through line(). */
static void each_line(const cJSON *route,
                      void (*line)(void *ud, const char *text, long count),
                      void *ud)
{
    const cJSON *d;
    char text[1400];

    cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(route, "status"))
    {
        snprintf(text, sizeof(text), "status: recorded %d, emulator %d",
                 (int)kx_json_num(d, "recorded", 0),
                 (int)kx_json_num(d, "emulator", 0));
        line(ud, text, count_of(d));
    }
    cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(route, "fields"))
    {
        describe(text, sizeof(text), d, "pointer");
        line(ud, text, count_of(d));
    }
    cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(route, "headers"))
    {
        describe(text, sizeof(text), d, "name");
        line(ud, text, count_of(d));
    }
}

static void text_line(void *ud, const char *text, long count)
{
    fprintf(ud, "  %s (%ld time%s)\n", text, count, count == 1 ? "" : "s");
}

void kh_diff_print_text(FILE *f, const cJSON *report)
{
    const cJSON *r, *sum = cJSON_GetObjectItemCaseSensitive(report, "summary");

    fprintf(f, "kinsync diff: %s against the emulators seeded from %s\n",
            kx_json_str(report, "file"), kx_json_str(report, "seed"));
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(report, "routes"))
    {
        long n = (long)kx_json_num(r, "requests", 0);
        int differs = kh_diff_route_differs(r);

        fprintf(f, "%s %s %s: %ld request%s%s\n", differs ? "DIFF" : "same",
                kx_json_str(r, "system"), kx_json_str(r, "route"), n,
                n == 1 ? "" : "s", differs ? "" : ", no difference");
        each_line(r, text_line, f);
    }
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(report, "skipped"))
    {
        fprintf(f, "skipped %s\n", r->valuestring);
    }
    fprintf(f,
            "summary: %d route%s, %d request%s, %d route%s differ%s, %d "
            "skipped\n",
            (int)kx_json_num(sum, "routes", 0),
            kx_json_num(sum, "routes", 0) == 1 ? "" : "s",
            (int)kx_json_num(sum, "requests", 0),
            kx_json_num(sum, "requests", 0) == 1 ? "" : "s",
            (int)kx_json_num(sum, "differ", 0),
            kx_json_num(sum, "differ", 0) == 1 ? "" : "s",
            kx_json_num(sum, "differ", 0) == 1 ? "s" : "",
            (int)kx_json_num(sum, "skipped", 0));
}

void kh_diff_print_json(FILE *f, const cJSON *report)
{
    char *text = cJSON_Print(report);

    if (!text) {
        fputs("kinsync diff: out of memory\n", stderr);
        abort();
    }
    fprintf(f, "%s\n", text);
    cJSON_free(text);
}

static const char html_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<title>kinsync diff</title>\n<style>\n"
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222}\n"
    "table{border-collapse:collapse;width:100%}\n"
    "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;"
    "vertical-align:top}\n"
    "tr.diff td.o{background:#fdd}tr.same td.o{background:#dfd}\n"
    "code{font-family:ui-monospace,monospace}ul{margin:0;padding-left:1.2em}\n"
    "</style></head><body>\n";

static void html_line(void *ud, const char *text, long count)
{
    fputs("<li><code>", ud);
    kh_report_put_escaped(ud, text);
    fprintf(ud, "</code> (%ld&times;)</li>\n", count);
}

static void html_body(FILE *f, const cJSON *report)
{
    const cJSON *r, *sum = cJSON_GetObjectItemCaseSensitive(report, "summary");

    fputs(html_head, f);
    fputs("<h1>kinsync diff</h1>\n<p>Recording <code>", f);
    kh_report_put_escaped(f, kx_json_str(report, "file"));
    fputs("</code> against the emulators seeded from <code>", f);
    kh_report_put_escaped(f, kx_json_str(report, "seed"));
    fprintf(f,
            "</code>: %d routes, %d requests, <strong>%d differ</strong>, "
            "%d skipped.</p>\n<table><tr><th>outcome</th><th>system</th>"
            "<th>route</th><th>requests</th><th>differences</th></tr>\n",
            (int)kx_json_num(sum, "routes", 0),
            (int)kx_json_num(sum, "requests", 0),
            (int)kx_json_num(sum, "differ", 0),
            (int)kx_json_num(sum, "skipped", 0));
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(report, "routes"))
    {
        int differs = kh_diff_route_differs(r);

        fprintf(f, "<tr class=\"%s\"><td class=\"o\">%s</td><td>",
                differs ? "diff" : "same", differs ? "differs" : "same");
        kh_report_put_escaped(f, kx_json_str(r, "system"));
        fputs("</td><td><code>", f);
        kh_report_put_escaped(f, kx_json_str(r, "route"));
        fprintf(f, "</code></td><td>%d</td><td><ul>\n",
                (int)kx_json_num(r, "requests", 0));
        each_line(r, html_line, f);
        fputs("</ul></td></tr>\n", f);
    }
    fputs("</table>\n", f);
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(report, "skipped"))
    {
        fputs("<p>Skipped: ", f);
        kh_report_put_escaped(f, r->valuestring);
        fputs("</p>\n", f);
    }
    fputs("</body></html>\n", f);
}

int kh_diff_write_html(const char *file, const cJSON *report)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    int rc;

    if (!f)
        return -1;
    html_body(f, report);
    if (fclose(f) != 0) {
        free(text);
        return -1;
    }
    rc = kh__report_write_text(file, text);
    free(text);
    return rc;
}
