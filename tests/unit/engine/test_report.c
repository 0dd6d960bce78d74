/* The JUnit and HTML report writers: what the files say, that hostile
 * text cannot break them, and that they appear atomically or not at all.
 * Every test writes into its own mkdtemp directory and reads the file
 * back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "engine.h"

/* A name with every markup character, a control character (ESC) and a
 * byte that cannot occur in UTF-8 (0xFF). */
#define HOSTILE "a<&>\"' \x1b[31m\xff!"
/* The same after the writers: escaped, ESC and 0xFF each become U+FFFD. */
#define HOSTILE_ESCAPED                                                        \
    "a&lt;&amp;&gt;&quot;&#39; \xEF\xBF\xBD[31m\xEF\xBF\xBD!"

struct tmp {
    char dir[4096];
};

static int setup(void **state)
{
    const char *base = getenv("TMPDIR");
    struct tmp *t = calloc(1, sizeof(*t));

    if (!t)
        return -1;
    snprintf(t->dir, sizeof(t->dir), "%s/kh-report-XXXXXX",
             base && base[0] ? base : "/tmp");
    if (!mkdtemp(t->dir)) {
        free(t);
        return -1;
    }
    *state = t;
    return 0;
}

/* Removes the directory and whatever files and empty directories a test
 * left in it. */
static int teardown(void **state)
{
    struct tmp *t = *state;
    struct dirent *e;
    char path[8192];
    DIR *d = opendir(t->dir);

    while (d && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", t->dir, e->d_name);
        if (unlink(path) != 0)
            rmdir(path);
    }
    if (d)
        closedir(d);
    rmdir(t->dir);
    free(t);
    return 0;
}

static void path_in(char *buf, size_t sz, const struct tmp *t, const char *name)
{
    snprintf(buf, sz, "%s/%s", t->dir, name);
}

/* The whole file as a NUL-terminated string; fails the test if absent. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* How many entries the directory holds besides "." and "..". */
static size_t entries_in(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;

    assert_non_null(d);
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    }
    closedir(d);
    return n;
}

static size_t occurrences(const char *hay, const char *needle)
{
    size_t n = 0, len = strlen(needle);

    for (const char *p = strstr(hay, needle); p; p = strstr(p + len, needle))
        n++;
    return n;
}

/* Whether glibc's converter accepts the text as UTF-8 (an independent
 * check of the writers' sanitizer). */
static int valid_utf8(const char *s)
{
    iconv_t cd = iconv_open("UTF-8", "UTF-8");
    char out[4096];
    char *in = (char *)s;
    size_t inleft = strlen(s);
    int ok = 1;

    assert_true(cd != (iconv_t)-1);
    while (inleft > 0 && ok) {
        char *o = out;
        size_t oleft = sizeof(out);

        if (iconv(cd, &in, &inleft, &o, &oleft) == (size_t)-1 && errno != E2BIG)
            ok = 0;
    }
    iconv_close(cd);
    return ok;
}

/* A bit of the text starting at the testcase element named name and
 * ending at its </testcase>; the caller frees it. */
static char *testcase_named(const char *xml, const char *name)
{
    char key[256];
    const char *start, *end;
    char *out;

    snprintf(key, sizeof(key), "name=\"%s\"", name);
    start = strstr(xml, key);
    assert_non_null(start);
    end = strstr(start, "</testcase>");
    assert_non_null(end);
    out = strndup(start, (size_t)(end - start));
    assert_non_null(out);
    return out;
}

/* Three results: one of each outcome. */
/* Writes r[0..n) as an HTML (html) or JUnit report into t's directory
 * and returns its text; free it. */
static char *report(const struct tmp *t, int html, const struct kh_result *r,
                    size_t n)
{
    char path[8192];

    path_in(path, sizeof(path), t, html ? "report.html" : "junit.xml");
    if (html)
        assert_int_equal(kh_report_html(path, r, n, NULL), 0);
    else
        assert_int_equal(kh_report_junit(path, r, n), 0);
    return slurp(path);
}

static void three_results(struct kh_result r[3])
{
    memset(r, 0, 3 * sizeof(*r));
    r[0].path = "scenarios/epicor/basic-auth-reads-parts.json";
    r[0].name = "basic auth reads parts";
    r[0].outcome = KH_PASS;
    r[0].wall_ms = 1234;
    r[0].virtual_ms = 1500;
    r[0].details = "";
    r[0].log = "";
    r[1].path = "scenarios/woocommerce/per-page.json";
    r[1].name = "per page over 100 rejected";
    r[1].outcome = KH_FAIL;
    r[1].wall_ms = 20;
    r[1].virtual_ms = 3723500;
    r[1].steps_run = 2;
    r[1].checks = 5;
    r[1].failures = 1;
    r[1].details = "/then/requests/0: expected 3 requests\nfound 4 requests";
    r[1].log = "GET /wp-json/wc/v3/products -> 200";
    r[2].path = "scenarios/bigcommerce/broken.json";
    r[2].name = "broken scenario";
    r[2].outcome = KH_ERROR;
    r[2].wall_ms = 7;
    r[2].virtual_ms = 0;
    r[2].details = "broken.json: /when/0/do: unknown step kind \"jump\"";
}

/* ---- JUnit ---------------------------------------------------------- */

static void junit_testsuite_counts_each_outcome(void **state)
{
    struct tmp *t = *state;
    struct kh_result r[3];
    char *xml;

    three_results(r);
    xml = report(t, 0, r, 3);
    assert_true(strncmp(xml, "<?xml version=\"1.0\"", 19) == 0);
    assert_non_null(strstr(xml, "<testsuites"));
    assert_non_null(strstr(xml, "<testsuite name=\"kinsync\" tests=\"3\" "
                                "failures=\"1\" errors=\"1\""));
    /* 1234 + 20 + 7 ms of wall time. */
    assert_non_null(strstr(xml, "time=\"1.261\""));
    assert_int_equal(occurrences(xml, "<testcase "), 3);
    assert_non_null(strstr(xml, "</testsuites>\n"));
    free(xml);
}

static void junit_testcase_names_area_file_and_time(void **state)
{
    struct tmp *t = *state;
    struct kh_result r[3];
    char *xml;

    three_results(r);
    xml = report(t, 0, r, 3);
    assert_non_null(strstr(
        xml, "<testcase classname=\"epicor\" name=\"basic auth reads parts\" "
             "file=\"scenarios/epicor/basic-auth-reads-parts.json\" "
             "time=\"1.234\">"));
    assert_non_null(strstr(xml, "classname=\"woocommerce\""));
    assert_non_null(strstr(xml, "time=\"0.007\""));
    free(xml);
}

static void junit_failure_and_error_elements_differ(void **state)
{
    struct tmp *t = *state;
    struct kh_result r[3];
    char *xml, *pass, *fail, *err;

    three_results(r);
    xml = report(t, 0, r, 3);
    pass = testcase_named(xml, "basic auth reads parts");
    fail = testcase_named(xml, "per page over 100 rejected");
    err = testcase_named(xml, "broken scenario");

    assert_null(strstr(pass, "<failure"));
    assert_null(strstr(pass, "<error"));
    /* The message is the first line only; the element holds them all. */
    assert_non_null(strstr(fail, "<failure message=\"/then/requests/0: "
                                 "expected 3 requests\""));
    assert_non_null(strstr(fail, "expected 3 requests\nfound 4 requests"
                                 "</failure>"));
    assert_null(strstr(fail, "<error"));
    assert_non_null(strstr(err, "<error message=\"broken.json: /when/0/do: "
                                "unknown step kind &quot;jump&quot;\""));
    assert_null(strstr(err, "<failure"));
    free(pass);
    free(fail);
    free(err);
    free(xml);
}

static void junit_log_goes_to_system_out_when_present(void **state)
{
    struct tmp *t = *state;
    struct kh_result r[3];
    char *xml, *fail;

    three_results(r);
    r[1].log = "line one\nline <two>";
    xml = report(t, 0, r, 3);
    fail = testcase_named(xml, "per page over 100 rejected");
    assert_non_null(
        strstr(fail, "<system-out>line one\nline &lt;two&gt;</system-out>"));
    /* "" and NULL logs give no element. */
    assert_int_equal(occurrences(xml, "<system-out>"), 1);
    free(fail);
    free(xml);
}

static void junit_escapes_markup_controls_and_bad_utf8(void **state)
{
    struct tmp *t = *state;
    struct kh_result r;
    char *xml;

    memset(&r, 0, sizeof(r));
    r.path = "scenarios/odd/x.json";
    r.name = HOSTILE;
    r.outcome = KH_FAIL;
    r.details =
        HOSTILE "\nsecond\tline \x01\x7f\xc0\xaf\xed\xa0\x80 \xef\xbf\xbe end";
    r.log = "log " HOSTILE;
    xml = report(t, 0, &r, 1);

    assert_non_null(strstr(xml, "name=\"" HOSTILE_ESCAPED "\""));
    assert_non_null(strstr(xml, "<failure message=\"" HOSTILE_ESCAPED "\""));
    /* In element text the tab stays; SOH and DEL, the two bytes of an
     * overlong '/' and the three of an encoded surrogate each become one
     * U+FFFD; the noncharacter U+FFFE becomes one. */
    assert_non_null(strstr(xml, ">" HOSTILE_ESCAPED "\nsecond\tline "
                                "\xEF\xBF\xBD\xEF\xBF\xBD"
                                "\xEF\xBF\xBD\xEF\xBF\xBD"
                                "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD "
                                "\xEF\xBF\xBD end</failure>"));
    assert_non_null(
        strstr(xml, "<system-out>log " HOSTILE_ESCAPED "</system-out>"));
    assert_null(memchr(xml, 0x1b, strlen(xml)));
    assert_null(memchr(xml, 0x01, strlen(xml)));
    assert_null(strchr(xml, '\''));
    assert_true(valid_utf8(xml));
    assert_false(valid_utf8("ok \xff")); /* the checker itself can fail */
    free(xml);
}

static void junit_attribute_keeps_newlines_as_references(void **state)
{
    struct tmp *t = *state;
    struct kh_result r;
    char *xml;

    memset(&r, 0, sizeof(r));
    r.name = "two\nlines\tand tab";
    r.outcome = KH_PASS;
    xml = report(t, 0, &r, 1);
    assert_non_null(strstr(xml, "name=\"two&#10;lines&#9;and tab\""));
    free(xml);
}

static void junit_null_fields_are_safe(void **state)
{
    struct tmp *t = *state;
    struct kh_result r[2];
    char *xml;

    memset(r, 0, sizeof(r));
    r[0].outcome = KH_FAIL;
    r[1].outcome = KH_ERROR;
    r[1].path = "lonely.json"; /* no directory: no area */
    xml = report(t, 0, r, 2);
    assert_non_null(strstr(xml, "tests=\"2\" failures=\"1\" errors=\"1\""));
    assert_non_null(strstr(xml, "classname=\"kinsync\" name=\"(unnamed)\""));
    assert_non_null(strstr(xml, "<failure message=\"scenario failed\""));
    /* Without a name the path names the case. */
    assert_non_null(strstr(xml, "name=\"lonely.json\" file=\"lonely.json\""));
    assert_non_null(strstr(xml, "<error message=\"scenario could not run\""));
    free(xml);
}

static void junit_with_no_results_is_an_empty_suite(void **state)
{
    struct tmp *t = *state;
    char *xml;

    xml = report(t, 0, NULL, 0);
    assert_non_null(strstr(xml, "tests=\"0\" failures=\"0\" errors=\"0\""));
    assert_null(strstr(xml, "<testcase"));
    free(xml);
}

/* ---- HTML ----------------------------------------------------------- */

static void html_has_one_row_per_result_with_its_outcome(void **state)
{
    struct tmp *t = *state;
    struct kh_result r[3];
    char *html;

    three_results(r);
    html = report(t, 1, r, 3);
    assert_true(strncmp(html, "<!DOCTYPE html>", 15) == 0);
    assert_non_null(strstr(html, "<title>"));
    assert_non_null(strstr(html, "<style>"));
    assert_int_equal(occurrences(html, "<tr class=\""), 3);
    assert_non_null(strstr(html, "<tr class=\"pass\"><td>basic auth reads "
                                 "parts</td><td>epicor</td>"
                                 "<td class=\"result\">passed</td>"));
    assert_non_null(strstr(html, "<tr class=\"fail\"><td><a href=\"#scenario-"
                                 "1\">per page over 100 rejected</a></td>"
                                 "<td>woocommerce</td>"
                                 "<td class=\"result\">failed</td>"));
    assert_non_null(strstr(html, "<tr class=\"error\">"));
    assert_non_null(strstr(html, "<td class=\"result\">error</td>"));
    free(html);
}

static void html_summary_counts_and_totals(void **state)
{
    struct tmp *t = *state;
    struct kh_result r[3];
    char *html;

    three_results(r);
    html = report(t, 1, r, 3);
    assert_non_null(strstr(html, "3 scenarios"));
    assert_non_null(strstr(html, "1 passed"));
    assert_non_null(strstr(html, "1 failed"));
    assert_non_null(strstr(html, "1 errored"));
    /* Wall 1261 ms; virtual 1500 + 3723500 + 0 ms. */
    assert_non_null(strstr(html, "Wall time 1.261 s"));
    assert_non_null(strstr(html, "virtual time 1h 02m 05.000s"));
    free(html);
}

static void html_shows_details_only_for_non_passing(void **state)
{
    struct tmp *t = *state;
    struct kh_result r[3];
    char *html;

    three_results(r);
    r[0].details = "passing details must not be shown";
    html = report(t, 1, r, 3);
    assert_non_null(strstr(html, "id=\"scenario-1\""));
    assert_non_null(strstr(html, "id=\"scenario-2\""));
    assert_null(strstr(html, "id=\"scenario-0\""));
    assert_null(strstr(html, "passing details must not be shown"));
    assert_non_null(strstr(html, "<pre>/then/requests/0: expected 3 requests"
                                 "\nfound 4 requests</pre>"));
    assert_non_null(strstr(html, "1 of 5 checks failed"));
    assert_non_null(strstr(html, "<summary>Connector log</summary><pre>GET "
                                 "/wp-json/wc/v3/products -&gt; 200</pre>"));
    assert_non_null(strstr(html, "unknown step kind &quot;jump&quot;"));
    free(html);
}

static void html_escapes_everything(void **state)
{
    struct tmp *t = *state;
    struct kh_result r;
    char *html;

    memset(&r, 0, sizeof(r));
    r.path = "scenarios/<b>/x.json";
    r.name = HOSTILE;
    r.outcome = KH_FAIL;
    r.details = "<script>alert(1)</script> " HOSTILE;
    r.log = "</pre><img src=x>";
    html = report(t, 1, &r, 1);
    assert_non_null(strstr(html, ">" HOSTILE_ESCAPED "</a>"));
    assert_non_null(strstr(html, "<h2>" HOSTILE_ESCAPED "</h2>"));
    assert_non_null(strstr(html, "<td>&lt;b&gt;</td>"));
    assert_non_null(
        strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt; " HOSTILE_ESCAPED));
    assert_non_null(strstr(html, "&lt;/pre&gt;&lt;img src=x&gt;"));
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "<img"));
    assert_null(strstr(html, "<b>"));
    assert_true(valid_utf8(html));
    free(html);
}

static void html_is_self_contained(void **state)
{
    struct tmp *t = *state;
    struct kh_result r[3];
    char *html;

    three_results(r);
    html = report(t, 1, r, 3);
    assert_null(strstr(html, "http://"));
    assert_null(strstr(html, "https://"));
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "<link"));
    assert_null(strstr(html, "src="));
    assert_non_null(strstr(html, "<meta charset=\"utf-8\">"));
    assert_non_null(strstr(html, "</html>\n"));
    free(html);
}

/* The virtual-time column, one scenario per width of the format. */
static void html_formats_virtual_time_for_people(void **state)
{
    static const struct {
        int64_t ms;
        const char *text;
    } cases[] = {
        {0, "<td class=\"num\">0.000 s</td>"},
        {1500, "<td class=\"num\">1.500 s</td>"},
        {59999, "<td class=\"num\">59.999 s</td>"},
        {123500, "<td class=\"num\">2m 03.500s</td>"},
        {3723500, "<td class=\"num\">1h 02m 03.500s</td>"},
        {7776000000LL, "<td class=\"num\">90d 00h 00m 00.000s</td>"},
        {-5, "<td class=\"num\">0.000 s</td>"},
    };
    struct tmp *t = *state;
    struct kh_result r;
    char *html;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&r, 0, sizeof(r));
        r.name = "timed";
        r.virtual_ms = cases[i].ms;
        r.wall_ms = 1;
        html = report(t, 1, &r, 1);
        if (!strstr(html, cases[i].text))
            fail_msg("virtual_ms %lld: no \"%s\"", (long long)cases[i].ms,
                     cases[i].text);
        free(html);
    }
}

/* ---- files ---------------------------------------------------------- */

static void missing_directory_is_enoent_and_creates_nothing(void **state)
{
    struct tmp *t = *state;
    struct kh_result r[3];
    char path[8192];

    three_results(r);
    path_in(path, sizeof(path), t, "no-such-dir/junit.xml");
    errno = 0;
    assert_int_equal(kh_report_junit(path, r, 3), -1);
    assert_int_equal(errno, ENOENT);
    errno = 0;
    assert_int_equal(kh_report_html(path, r, 3, NULL), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(entries_in(t->dir), 0);
}

/* A directory in the target's place: the temporary file is written, the
 * rename fails, and the temporary file must not be left behind. */
static void failed_rename_removes_the_temporary_file(void **state)
{
    struct tmp *t = *state;
    struct kh_result r[3];
    char path[8192];

    three_results(r);
    path_in(path, sizeof(path), t, "occupied");
    assert_int_equal(mkdir(path, 0755), 0);
    errno = 0;
    assert_int_equal(kh_report_junit(path, r, 3), -1);
    assert_int_not_equal(errno, 0);
    errno = 0;
    assert_int_equal(kh_report_html(path, r, 3, NULL), -1);
    assert_int_not_equal(errno, 0);
    assert_int_equal(entries_in(t->dir), 1); /* only the directory */
}

static void bad_arguments_are_einval(void **state)
{
    struct tmp *t = *state;
    char path[8192];

    path_in(path, sizeof(path), t, "x.xml");
    errno = 0;
    assert_int_equal(kh_report_junit(NULL, NULL, 0), -1);
    assert_int_equal(errno, EINVAL);
    errno = 0;
    assert_int_equal(kh_report_html("", NULL, 0, NULL), -1);
    assert_int_equal(errno, EINVAL);
    errno = 0;
    assert_int_equal(kh_report_html(path, NULL, 2, NULL), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(entries_in(t->dir), 0);
}

/* A report replaces the previous one whole, and only the report remains
 * in the directory afterwards (the temporary name is gone). */
static void report_replaces_the_old_one_and_leaves_no_temporary(void **state)
{
    struct tmp *t = *state;
    struct kh_result r[3];
    char path[8192];
    char *text;
    FILE *f;

    three_results(r);
    path_in(path, sizeof(path), t, "report.html");
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("OLD REPORT", f);
    assert_int_equal(fclose(f), 0);

    assert_int_equal(kh_report_html(path, r, 3, NULL), 0);
    text = slurp(path);
    assert_null(strstr(text, "OLD REPORT"));
    assert_non_null(strstr(text, "</html>"));
    free(text);
    assert_int_equal(entries_in(t->dir), 1);

    path_in(path, sizeof(path), t, "junit.xml");
    assert_int_equal(kh_report_junit(path, r, 3), 0);
    assert_int_equal(entries_in(t->dir), 2);
}

/* A report gets the mode fopen would give it: 0666 less the umask. */
static void report_mode_follows_the_umask(void **state)
{
    struct tmp *t = *state;
    struct kh_result r[3];
    struct stat st;
    char path[8192];
    mode_t old = umask(022);

    three_results(r);
    path_in(path, sizeof(path), t, "shared.xml");
    assert_int_equal(kh_report_junit(path, r, 3), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);

    umask(077);
    path_in(path, sizeof(path), t, "private.html");
    assert_int_equal(kh_report_html(path, r, 3, NULL), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    umask(old);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(junit_testsuite_counts_each_outcome),
        T(junit_testcase_names_area_file_and_time),
        T(junit_failure_and_error_elements_differ),
        T(junit_log_goes_to_system_out_when_present),
        T(junit_escapes_markup_controls_and_bad_utf8),
        T(junit_attribute_keeps_newlines_as_references),
        T(junit_null_fields_are_safe),
        T(junit_with_no_results_is_an_empty_suite),
        T(html_has_one_row_per_result_with_its_outcome),
        T(html_summary_counts_and_totals),
        T(html_shows_details_only_for_non_passing),
        T(html_escapes_everything),
        T(html_is_self_contained),
        T(html_formats_virtual_time_for_people),
        T(missing_directory_is_enoent_and_creates_nothing),
        T(failed_rename_removes_the_temporary_file),
        T(bad_arguments_are_einval),
        T(report_replaces_the_old_one_and_leaves_no_temporary),
        T(report_mode_follows_the_umask),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
