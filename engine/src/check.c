/*
 * `kinsync check`: run scenarios, show a live progress line and a summary
 * table, write JUnit XML and HTML reports, exit 0 only when all pass.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "run_int.h"
#include <kx/opt.h>

static const char check_usage[] =
    "usage: kinsync check [options] [FILE|DIR]...\n"
    "\n"
    "Runs scenario files (DIRs are searched for *.json, recursively; the\n"
    "default is ./scenarios, or the suite installed with kinsync when there\n"
    "is none) against in-process emulators and the reference connector on\n"
    "a virtual clock. Exit status: 0 when every scenario passed, 1 when any\n"
    "failed or could not be loaded, 2 on a usage error.\n"
    "\n";

/* The options kinsync check and kinsync verify share. */
static const char suite_options[] =
    "  --junit FILE     write a JUnit XML report (default: none)\n"
    "  --html FILE      write a self-contained HTML report (default: none)\n"
    "  --fixtures DIR   where \"$fixture\" references are read from\n"
    "                   (default: the nearest fixtures/ beside or above\n"
    "                   each scenario file)\n"
    "  -q, --quiet      print only failures and the summary line\n"
    "  -v, --verbose    print every step as it runs, and what each\n"
    "                   command step printed\n"
    "  --show-log       print the connector log of failed scenarios, and\n"
    "                   every scenario's integration and exec output\n"
    "                   (stdout, stderr; credentials masked)\n"
    "  --journal DIR    write each emulator's request journal of each\n"
    "                   scenario to DIR/<scenario>.<system>.json (default:\n"
    "                   none; DIR is created)\n"
    "  --har DIR        write each scenario's traffic as HAR 1.2 to\n"
    "                   DIR/<scenario>.har, secrets redacted (default:\n"
    "                   none; DIR is created)\n"
    "  --report FILE    write the grade as JSON: kinsync's version, the\n"
    "                   suite's SHA-256 (scenarios and their fixtures), per\n"
    "                   scenario and rule pass or fail, timings (default:\n"
    "                   none)\n"
    "  --step-timeout SECONDS\n"
    "                   the longest an integration or exec step may run\n"
    "                   before it is killed, unless the step says\n"
    "                   timeout_ms (default: 60)\n"
    "  --keep-work      keep each scenario's scratch directory (state,\n"
    "                   each step's TMPDIR and output) and print its path\n"
    "                   (default: removed after the scenario)\n"
    "  --mutate drop-header=NAME\n"
    "                   a mutation run: the connector never sends header\n"
    "                   NAME; the scenarios that depend on it must fail\n"
    "                   (default: no mutation)\n"
    "  --list-jobs      list the jobs a \"run\" step can call, with the\n"
    "                   options each takes, and exit\n"
    "  -h, --help       this text\n"
    "\n"
    "NO_COLOR set to anything but the empty string turns colour off.\n";

struct file_list {
    char **v;
    size_t n;
    size_t cap;
};

static void list_add(struct file_list *l, const char *path)
{
    size_t len = strlen(path) + 1;

    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = kx_xrealloc(l->v, l->cap * sizeof(*l->v));
    }
    l->v[l->n] = kx_xmalloc(len);
    memcpy(l->v[l->n++], path, len);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);

    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Scenario files under dir: *.json but not *.schema.json. */
static int collect(struct file_list *l, const char *path)
{
    struct stat st;
    struct dirent *d;
    DIR *dir;

    if (stat(path, &st) != 0) {
        fprintf(stderr, "kinsync check: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        list_add(l, path);
        return 0;
    }
    dir = opendir(path);
    if (!dir) {
        fprintf(stderr, "kinsync check: %s: %s\n", path, strerror(errno));
        return -1;
    }
    while ((d = readdir(dir)) != NULL) {
        char child[4096];

        if (d->d_name[0] == '.')
            continue;
        snprintf(child, sizeof(child), "%s/%s", path, d->d_name);
        if (stat(child, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            collect(l, child);
        else if (ends_with(d->d_name, ".json") &&
                 !ends_with(d->d_name, ".schema.json"))
            list_add(l, child);
    }
    closedir(dir);
    return 0;
}

/* The NO_COLOR convention (no-color.org): set and not empty. */
static int no_color(void)
{
    const char *v = getenv("NO_COLOR");

    return v && v[0];
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One line per job, then the option keys its steps may give (the loader
 * refuses others), indented under the summary. */
static void list_jobs(void)
{
    for (size_t t = 0; kh__job_tables[t]; t++) {
        for (const struct kh_job *j = kh__job_tables[t]; j->name; j++) {
            printf("%-34s %s\n", j->name, j->summary);
            printf("%-34s options: %s\n", "",
                   j->options && j->options[0] ? j->options : "(none)");
        }
    }
}

static void format_ms(char *buf, size_t bufsz, int64_t ms)
{
    if (ms < 60000)
        snprintf(buf, bufsz, "%.3f s", (double)ms / 1000);
    else if (ms < 3600000)
        snprintf(buf, bufsz, "%lldm %02llds", (long long)(ms / 60000),
                 (long long)(ms / 1000 % 60));
    else
        snprintf(buf, bufsz, "%lldh %02lldm", (long long)(ms / 3600000),
                 (long long)(ms / 60000 % 60));
}

struct style {
    const char *pass, *fail, *dim, *off;
    int progress; /* a terminal: redraw a progress line */
};

static const char *outcome_word(enum kh_outcome o)
{
    return o == KH_PASS ? "PASS" : o == KH_FAIL ? "FAIL" : "ERROR";
}

static void print_table(const struct kh_result *r, size_t n,
                        const struct style *st, int quiet)
{
    size_t width = 8;

    for (size_t i = 0; i < n; i++) {
        if (strlen(r[i].path) > width)
            width = strlen(r[i].path);
    }
    if (width > 90)
        width = 90;
    if (!quiet)
        printf("%-6s %12s %9s  %s\n", "RESULT", "VIRTUAL", "WALL", "SCENARIO");
    for (size_t i = 0; i < n; i++) {
        char v[32], w[32];

        if (quiet && r[i].outcome == KH_PASS)
            continue;
        format_ms(v, sizeof(v), r[i].virtual_ms);
        format_ms(w, sizeof(w), r[i].wall_ms);
        printf("%s%-6s%s %12s %9s  %s %s(%s)%s\n",
               r[i].outcome == KH_PASS ? st->pass : st->fail,
               outcome_word(r[i].outcome), st->off, v, w, r[i].path, st->dim,
               r[i].name, st->off);
    }
}

/* What each scenario's command steps printed (--show-log). */
static void print_outputs(const struct kh_result *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if ((!r[i].out || !r[i].out[0]) && (!r[i].err || !r[i].err[0]))
            continue;
        printf("\n--- output of %s (%s):\n%s%s", r[i].path, r[i].name,
               r[i].out ? r[i].out : "", r[i].err ? r[i].err : "");
    }
}

static void print_failures(const struct kh_result *r, size_t n, int show_log)
{
    for (size_t i = 0; i < n; i++) {
        if (r[i].outcome == KH_PASS)
            continue;
        printf("\n--- %s: %s (%s)\n%s", outcome_word(r[i].outcome), r[i].path,
               r[i].name, r[i].details);
        if (show_log && r[i].log && r[i].log[0])
            printf("    connector log:\n%s", r[i].log);
    }
}

static const char verify_usage[] =
    "usage: kinsync verify [options] FILE|DIR... -- COMMAND [ARGS]\n"
    "       kinsync verify --print-env SCENARIO\n"
    "\n"
    "Grades an integration written in any language: runs the scenarios'\n"
    "emulators (on the real clock) and, at each \"integration\" step, the\n"
    "COMMAND instead of the reference connector, then checks the same\n"
    "expectations. Scenarios without an integration step are skipped.\n"
    "The command must exit 0 within the step timeout; its stdout and\n"
    "stderr are kept (--verbose, --show-log, the reports) and, like every\n"
    "request it sends, checked for credentials where they must not be.\n"
    "Everything after \"--\" is the command, never an option of verify.\n"
    "Exit status: 0 when every scenario passed, 1 otherwise, 2 on a usage\n"
    "error.\n"
    "\n"
    "  --print-env SCENARIO\n"
    "                   print every variable an integration step of\n"
    "                   SCENARIO gets, with its value (credentials\n"
    "                   included: your integration needs them) and meaning\n"
    "  --env-table      print the table below in Markdown (the README's)\n"
    "\n"
    "The command's environment (beyond yours):\n";

/* The table of kh__env_docs in Markdown, as the README holds it. */
static void print_env_table(FILE *f)
{
    fputs("| variable | what |\n|---|---|\n", f);
    for (size_t i = 0; kh__env_docs[i].name; i++)
        fprintf(f, "| `%s` | %s |\n", kh__env_docs[i].name,
                kh__env_docs[i].meaning);
}

/* The table of kh__env_docs, for --help. */
static void print_env_docs(FILE *f)
{
    for (size_t i = 0; kh__env_docs[i].name; i++)
        fprintf(f, "  %s\n      %s\n", kh__env_docs[i].name,
                kh__env_docs[i].meaning);
    fputs("\n", f);
}

/* 1 when the scenario at path has an "integration" step (or does not
 * load: then the run reports why). */
static int wants_integration(const char *path, const char *fixtures)
{
    struct kh_scenario *sc = NULL;
    const cJSON *step;
    char err[256];
    int found = 0;

    if (kh_scenario_load(&sc, path, fixtures, err, sizeof(err)) != 0)
        return 1;
    cJSON_ArrayForEach(step, cJSON_GetObjectItemCaseSensitive(sc->doc, "when"))
    {
        const char *kind = kx_json_str(step, "do");

        found |= kind && (strcmp(kind, "integration") == 0 ||
                          strcmp(kind, "integration.start") == 0);
    }
    kh_scenario_free(sc);
    return found;
}

/* What the arguments of kinsync check or verify say. */
struct suite_args {
    struct kh_run_options run;
    const char *junit, *html, *report, *print_env;
    int quiet, show_log;
    char **paths; /* the FILE|DIR arguments, npaths of them */
    int npaths;
};

enum {
    OPT_SHOW_LOG = 256,
    OPT_LIST_JOBS,
    OPT_MUTATE,
    OPT_JUNIT,
    OPT_HTML,
    OPT_FIXTURES,
    OPT_JOURNAL,
    OPT_HAR,
    OPT_REPORT,
    OPT_STEP_TIMEOUT,
    OPT_KEEP_WORK,
    OPT_PRINT_ENV,
    OPT_ENV_TABLE
};

/* mkdir -p: path and every missing parent. Returns 0, or -1 with errno. */
static int make_dirs(const char *path)
{
    char buf[4096];
    struct stat st;
    size_t n = strlen(path);

    if (n == 0 || n >= sizeof(buf)) {
        errno = n ? ENAMETOOLONG : ENOENT;
        return -1;
    }
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return -1;
    if (stat(buf, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

/* One option of check or verify, its value in optarg, into *a. Returns 0,
 * 1 after --help or --list-jobs (done), or KX_EXIT_USAGE (reported). */
static int take_opt(struct suite_args *a, int c, const char *cmd)
{
    switch (c) {
    case 'h':
        fputs(strcmp(cmd, "verify") == 0 ? verify_usage : check_usage, stdout);
        if (strcmp(cmd, "verify") == 0)
            print_env_docs(stdout);
        fputs(suite_options, stdout);
        return 1;
    case OPT_LIST_JOBS:
        list_jobs();
        return 1;
    case 'q':
        a->quiet = 1;
        return 0;
    case 'v':
        a->run.verbose = 1;
        return 0;
    case OPT_SHOW_LOG:
        a->show_log = 1;
        return 0;
    case OPT_MUTATE:
        if (strncmp(optarg, "drop-header=", 12) != 0 || !optarg[12])
            return kx_usage_error(cmd,
                                  "--mutate takes drop-header=NAME, not "
                                  "\"%s\"",
                                  optarg);
        a->run.drop_header = optarg + 12;
        return 0;
    case OPT_JUNIT:
        a->junit = optarg;
        return 0;
    case OPT_HTML:
        a->html = optarg;
        return 0;
    case OPT_FIXTURES:
        a->run.fixtures_dir = optarg;
        return 0;
    case OPT_JOURNAL:
    case OPT_HAR:
        if (make_dirs(optarg) != 0)
            return kx_usage_error(cmd, "--%s %s: cannot create: %s",
                                  c == OPT_HAR ? "har" : "journal", optarg,
                                  strerror(errno));
        *(c == OPT_HAR ? &a->run.har_dir : &a->run.journal_dir) = optarg;
        return 0;
    case OPT_REPORT:
        a->report = optarg;
        return 0;
    case OPT_STEP_TIMEOUT: {
        char *end;
        double s = strtod(optarg, &end);

        if (end == optarg || *end || !(s > 0) || s > 86400)
            return kx_usage_error(cmd,
                                  "--step-timeout takes seconds (0 < s <= "
                                  "86400), not \"%s\"",
                                  optarg);
        a->run.step_timeout_ms = (int64_t)(s * 1000);
        return 0;
    }
    case OPT_KEEP_WORK:
        a->run.keep_work = 1;
        return 0;
    case OPT_PRINT_ENV:
        a->print_env = optarg;
        return 0;
    case OPT_ENV_TABLE:
        print_env_table(stdout);
        return 1;
    default:
        return KX_EXIT_USAGE; /* kx_opt_next() has said why */
    }
}

/* Parses argv into *a. For verify the options and paths end at "--", and
 * the integration's command follows. Returns as take_opt() does. */
static int parse_suite_args(struct suite_args *a, int argc, char **argv,
                            int verify)
{
    static const struct option options[] = {
        {"help", no_argument, NULL, 'h'},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"show-log", no_argument, NULL, OPT_SHOW_LOG},
        {"list-jobs", no_argument, NULL, OPT_LIST_JOBS},
        {"mutate", required_argument, NULL, OPT_MUTATE},
        {"junit", required_argument, NULL, OPT_JUNIT},
        {"html", required_argument, NULL, OPT_HTML},
        {"fixtures", required_argument, NULL, OPT_FIXTURES},
        {"journal", required_argument, NULL, OPT_JOURNAL},
        {"har", required_argument, NULL, OPT_HAR},
        {"report", required_argument, NULL, OPT_REPORT},
        {"step-timeout", required_argument, NULL, OPT_STEP_TIMEOUT},
        {"keep-work", no_argument, NULL, OPT_KEEP_WORK},
        {"print-env", required_argument, NULL, OPT_PRINT_ENV},
        {"env-table", no_argument, NULL, OPT_ENV_TABLE},
        {NULL, 0, NULL, 0}};
    const char *cmd = verify ? "verify" : "check";
    int end = argc, c, rc;

    memset(a, 0, sizeof(*a));
    if (verify) {
        /* getopt would take the command's own options for ours */
        for (end = 1; end < argc && strcmp(argv[end], "--") != 0; end++)
            ;
    }
    kx_opt_begin();
    while ((c = kx_opt_next(end, argv, ":hqv", options, cmd)) != -1) {
        rc = take_opt(a, c, cmd);
        if (rc)
            return rc;
    }
    if (a->print_env && !verify)
        return kx_usage_error(cmd, "--print-env is an option of verify");
    if (a->print_env)
        return kh_print_env(stdout, a->print_env, &a->run) == 0 ? 1 : 3;
    if (verify && end + 1 >= argc)
        return kx_usage_error(cmd, "give the integration's command after --");
    if (verify)
        a->run.integration = &argv[end + 1];
    a->paths = &argv[optind];
    a->npaths = end - optind;
    return 0;
}

/* The HTML and JSON reports, with the suite's digest. Returns 0 or -1
 * (said on stderr). */
static int write_grades(const struct suite_args *a,
                        const struct file_list *files,
                        const struct kh_result *results, int verify)
{
    const char *prog = verify ? "kinsync verify" : "kinsync check";
    struct kh_suite_info suite = {verify ? "verify" : "check", NULL, 0,
                                  a->run.integration};
    char digest[65], err[1024];
    int rc = 0;

    if (kh_suite_digest(digest, &suite.nfiles, files->v, files->n,
                        a->run.fixtures_dir, err, sizeof(err)) == 0)
        suite.digest = digest;
    else
        fprintf(stderr, "%s: no suite digest: %s\n", prog, err);
    if (a->html && kh_report_html(a->html, results, files->n, &suite) != 0) {
        fprintf(stderr, "%s: cannot write %s: %s\n", prog, a->html,
                strerror(errno));
        rc = -1;
    }
    if (a->report && !suite.digest)
        rc = -1;
    else if (a->report &&
             kh_report_json(a->report, results, files->n, &suite) != 0) {
        fprintf(stderr, "%s: cannot write %s: %s\n", prog, a->report,
                strerror(errno));
        rc = -1;
    }
    return rc;
}

static int run_suite(int argc, char **argv, int verify)
{
    const char *prog = verify ? "kinsync verify" : "kinsync check";
    struct suite_args args;
    struct kh_run_options opts;
    struct file_list files = {0};
    struct kh_result *results = NULL;
    const char *junit;
    struct style st = {"", "", "", "", 0};
    int quiet, show_log, status = parse_suite_args(&args, argc, argv, verify);
    size_t passed = 0;
    int64_t wall = 0;

    if (status)
        return status == 1 ? 0 : status == 3 ? 1 : status;
    opts = args.run;
    junit = args.junit;
    quiet = args.quiet;
    show_log = args.show_log;
    if (args.npaths == 0) {
        char suite[4096];

        kh_default_suite(suite, sizeof(suite));
        if (collect(&files, suite) != 0)
            status = 2;
    }
    for (int i = 0; i < args.npaths; i++) {
        if (collect(&files, args.paths[i]) != 0)
            status = 2;
    }
    if (verify && !status) {
        size_t kept = 0, skipped = 0;

        for (size_t k = 0; k < files.n; k++) {
            if (wants_integration(files.v[k], opts.fixtures_dir)) {
                files.v[kept++] = files.v[k];
            } else {
                free(files.v[k]);
                skipped++;
            }
        }
        files.n = kept;
        if (skipped)
            fprintf(stderr,
                    "%s: %zu scenario%s without an integration step skipped\n",
                    prog, skipped, skipped == 1 ? "" : "s");
    }
    if (status)
        goto out;
    if (files.n == 0) {
        fprintf(stderr, "%s: no scenario files found\n", prog);
        status = 2;
        goto out;
    }
    qsort(files.v, files.n, sizeof(*files.v), by_name);
    if (!no_color() && isatty(STDOUT_FILENO)) {
        st.pass = "\033[32m";
        st.fail = "\033[1;31m";
        st.dim = "\033[2m";
        st.off = "\033[0m";
    }
    st.progress = isatty(STDERR_FILENO) && !opts.verbose;
    results = kx_xcalloc(files.n, sizeof(*results));
    for (size_t k = 0; k < files.n; k++) {
        if (st.progress)
            fprintf(stderr, "\r\033[K[%zu/%zu] %zu passed, running %s", k + 1,
                    files.n, passed, files.v[k]);
        else if (opts.verbose)
            fprintf(stderr, "[%zu/%zu] %s\n", k + 1, files.n, files.v[k]);
        kh_run_file(&results[k], files.v[k], &opts);
        passed += results[k].outcome == KH_PASS;
        wall += results[k].wall_ms;
    }
    if (st.progress)
        fprintf(stderr, "\r\033[K");
    print_table(results, files.n, &st, quiet);
    print_failures(results, files.n, show_log);
    if (show_log)
        print_outputs(results, files.n);
    {
        char w[32];

        format_ms(w, sizeof(w), wall);
        printf("\n%s%zu of %zu scenarios passed%s (%s)\n",
               passed == files.n ? st.pass : st.fail, passed, files.n, st.off,
               w);
    }
    if (junit && kh_report_junit(junit, results, files.n) != 0) {
        fprintf(stderr, "%s: cannot write %s: %s\n", prog, junit,
                strerror(errno));
        status = 1;
    }
    if ((args.html || args.report) &&
        write_grades(&args, &files, results, verify) != 0)
        status = 1;
    if (passed != files.n)
        status = 1;
out:
    for (size_t k = 0; k < files.n; k++) {
        free(files.v[k]);
        if (results)
            kh_result_dispose(&results[k]);
    }
    free(files.v);
    free(results);
    return status;
}

int kh_cli_check(int argc, char **argv)
{
    return run_suite(argc, argv, 0);
}

int kh_cli_verify(int argc, char **argv)
{
    return run_suite(argc, argv, 1);
}
