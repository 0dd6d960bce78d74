/*
 * `kinsync scenario from-har FILE.har`: writes the scenario inferred from
 * a recording (from_har.c) and its fixtures, then runs it as `kinsync
 * check` would. Exit 0 when it passes; 1 when the emulators do not
 * reproduce the recording (each failed expectation said in recorded
 * terms: "recorded: 3 requests to bigcommerce POST ...") or the recording
 * cannot be read; 2 on a usage error.
 *
 * Fixtures go to the fixtures folder the written scenario will be read
 * with (the nearest "fixtures" beside or above it, as kh_fixtures_dir_for
 * looks), else a new DIR/fixtures, one file per table named after the
 * scenario: fixtures/<system>/<table>/<stem>.json (Epicor's per company,
 * <stem>-<company>.json).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include <kx/opt.h>
#include "engine.h"
#include "from_har.h"

#define EXIT_DIFFERS 1

#define must KH__FH_MUST

struct fh_opts {
    const char *file, *out, *name;
};

/* mkdir -p of dir; 0 or -1 with errno. */
static int make_dirs(const char *dir)
{
    char *p = kx_xstrdup(dir), *s;
    int rc = 0;

    for (s = p + 1; rc == 0 && *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            rc = -1;
        *s = '/';
    }
    if (rc == 0 && mkdir(p, 0755) != 0 && errno != EEXIST)
        rc = -1;
    free(p);
    return rc;
}

/* doc as the suite's files are written: two spaces a level, ": " after
 * a name (cJSON prints tabs; a tab inside a string is printed "\t"). */
static int write_json(const char *path, const cJSON *doc)
{
    char *text = cJSON_Print(doc);
    FILE *f = fopen(path, "w");
    int rc = -1;

    must(text);
    if (f) {
        rc = 0;
        for (const char *c = text; *c && rc == 0; c++) {
            if (*c == '\t')
                rc = fputs(c > text && c[-1] == ':' ? " " : "  ", f) >= 0 ? 0
                                                                          : -1;
            else
                rc = fputc(*c, f) != EOF ? 0 : -1;
        }
        rc = rc == 0 && fputc('\n', f) != EOF ? 0 : -1;
        if (fclose(f) != 0)
            rc = -1;
    }
    cJSON_free(text);
    return rc;
}

/* The fixtures folder for the scenario at path: an existing one beside
 * or above it (the loader's rule), else DIR/fixtures. */
static void fixtures_for(char *out, size_t outsz, const char *path,
                         const char *dir)
{
    size_t len;

    kh_fixtures_dir_for(out, outsz, path);
    len = strlen(out) - strlen("/fixtures");
    /* Only a folder on the scenario's own path: the loader's fallbacks
     * (the working directory, the suite's own) are someone else's. */
    if ((strncmp(path, out, len) == 0 && path[len] == '/') ||
        (strcmp(out, "./fixtures") == 0 && path[0] != '/' &&
         strncmp(path, "../", 3) != 0))
        return;
    snprintf(out, outsz, "%s/fixtures", dir);
}

/* Moves the table at parent/name into a fixture file rel under fixtures
 * and puts {"$fixture": rel} in its place. 0, or -1 with errno. */
static int to_fixture(cJSON *parent, const char *name, const char *fixtures,
                      const char *rel)
{
    cJSON *rows = cJSON_GetObjectItemCaseSensitive(parent, name), *ref;
    char path[4096], *slash;

    if (!cJSON_IsArray(rows))
        return 0;
    snprintf(path, sizeof(path), "%s/%s", fixtures, rel);
    slash = strrchr(path, '/');
    *slash = '\0';
    if (make_dirs(path) != 0)
        return -1;
    *slash = '/';
    if (write_json(path, rows) != 0)
        return -1;
    must(ref = cJSON_CreateObject());
    must(cJSON_AddStringToObject(ref, "$fixture", rel));
    must(cJSON_ReplaceItemInObjectCaseSensitive(parent, name, ref));
    return 0;
}

/* Every table of given into fixture files; 0, or -1 with errno. */
static int write_fixtures(cJSON *given, const char *fixtures, const char *stem)
{
    static const char *const stores[] = {"bigcommerce", "woocommerce"};
    static const char *const tables[] = {"products", "customers", "orders"};
    cJSON *co, *tbl, *next;
    char rel[1024], lower[128];

    cJSON_ArrayForEach(co,
                       kx_json_obj(kx_json_obj(given, "epicor"), "companies"))
    {
        size_t i;

        for (i = 0; co->string[i] && i + 1 < sizeof(lower); i++)
            lower[i] = (char)tolower((unsigned char)co->string[i]);
        lower[i] = '\0';
        for (tbl = co->child; tbl; tbl = next) {
            next = tbl->next; /* to_fixture replaces tbl */
            snprintf(rel, sizeof(rel), "epicor/%s/%s-%s.json", tbl->string,
                     stem, lower);
            if (to_fixture(co, tbl->string, fixtures, rel) != 0)
                return -1;
        }
    }
    for (size_t s = 0; s < 2; s++) {
        for (size_t t = 0; t < 3; t++) {
            snprintf(rel, sizeof(rel), "%s/%s/%s.json", stores[s], tables[t],
                     stem);
            if (to_fixture(kx_json_obj(given, stores[s]), tables[t], fixtures,
                           rel) != 0)
                return -1;
        }
    }
    return 0;
}

/* What a failed rule of the written scenario stands for in the
 * recording. */
static void explain(FILE *f, const cJSON *sc, const char *rule)
{
    const cJSON *r = kh_json_pointer(sc, rule);
    const char *comment = kx_json_str(r, "comment");

    if (comment)
        fprintf(f, "  - %s, the emulators got another number (%s)\n", comment,
                rule);
    else if (strcmp(rule, "/then/state") == 0)
        fprintf(f, "  - the records the recorded writes left (%s)\n", rule);
    else if (strncmp(rule, "/when/", 6) == 0 && kx_json_str(r, "job"))
        fprintf(f, "  - the job %s as recorded, answered without error (%s)\n",
                kx_json_str(r, "job"), rule);
    else
        fprintf(f, "  - %s\n", rule);
}

/* Runs the written scenario; the exit status. */
static int check(const char *path, const char *fixtures, const cJSON *sc)
{
    struct kh_run_options o;
    struct kh_result res;
    int rc;

    memset(&o, 0, sizeof(o));
    memset(&res, 0, sizeof(res));
    o.fixtures_dir = fixtures;
    kh_run_file(&res, path, &o);
    if (res.outcome == KH_PASS) {
        printf("pass: the emulators reproduce the recording (%zu checks)\n",
               res.checks);
        rc = 0;
    } else {
        fprintf(stderr,
                "kinsync scenario from-har: the emulators do not reproduce "
                "the recording:\n");
        for (size_t i = 0; i < res.nrules; i++)
            if (!res.rules[i].passed)
                explain(stderr, sc, res.rules[i].rule);
        fprintf(stderr, "%s", res.details);
        rc = EXIT_DIFFERS;
    }
    kh_result_dispose(&res);
    return rc;
}

/* The default name: "recorded " and the file's stem. */
static char *default_name(const char *file)
{
    const char *base = strrchr(file, '/');
    size_t len;

    base = base ? base + 1 : file;
    len = strcspn(base, ".");
    return kx_xasprintf("recorded %.*s", (int)len, base);
}

static int run(const struct fh_opts *o)
{
    struct kh__fh_recording rec;
    char err[512], stem[256], path[4096], fixtures[4096];
    char *name = o->name ? kx_xstrdup(o->name) : default_name(o->file);
    cJSON *har = kh__fh_parse_file(o->file, err, sizeof(err));
    cJSON *sc = NULL, *notes = NULL, *copy = NULL, *n;
    int rc = EXIT_DIFFERS;

    if (!har || kh__fh_read(&rec, har, err, sizeof(err)) != 0) {
        fprintf(stderr, "kinsync scenario from-har: %s%s%s\n",
                har ? o->file : "", har ? ": " : "", err);
        goto out;
    }
    sc = kh__fh_scenario(&notes, &rec, name, o->file);
    kh__fh_dispose(&rec);
    kh_scenario_stem(stem, sizeof(stem), name);
    snprintf(path, sizeof(path), "%s/%s.json", o->out, stem);
    if (make_dirs(o->out) != 0) {
        fprintf(stderr, "kinsync scenario from-har: %s: %s\n", o->out,
                strerror(errno));
        goto out;
    }
    fixtures_for(fixtures, sizeof(fixtures), path, o->out);
    must(copy = cJSON_Duplicate(sc, 1));
    if (write_fixtures(kx_json_obj(copy, "given"), fixtures, stem) != 0 ||
        write_json(path, copy) != 0) {
        fprintf(stderr,
                "kinsync scenario from-har: cannot write under %s: %s\n",
                o->out, strerror(errno));
        goto out;
    }
    cJSON_ArrayForEach(n, notes)
    {
        fprintf(stderr, "note: %s\n", n->valuestring);
    }
    printf("wrote %s (fixtures under %s)\n", path, fixtures);
    rc = check(path, fixtures, sc);
out:
    cJSON_Delete(copy);
    cJSON_Delete(notes);
    cJSON_Delete(sc);
    cJSON_Delete(har);
    free(name);
    return rc;
}

static const char from_har_usage[] =
    "usage: kinsync scenario from-har FILE.har [--out DIR] [--name NAME]\n"
    "\n"
    "Writes a scenario (and its fixtures) from a recording made by kinsync\n"
    "record, serve --record or check --har, then runs it as kinsync check\n"
    "does:\n"
    "  given  the emulators' initial state from what the responses showed\n"
    "         (Epicor OData rows per company and table; BigCommerce\n"
    "         products, variants, customers, v2 orders with their products\n"
    "         and shipping addresses; WooCommerce products, customers,\n"
    "         orders and refunds), leaving out rows the recording wrote\n"
    "         before it showed them; fresh test credentials in\n"
    "         given.connector and in each emulator; a fault rule per\n"
    "         recorded 429 or 5xx answer\n"
    "  when   the connector jobs whose routes the recording has (sync.parts,\n"
    "         sync.customers, sync.orders, sync.refunds), once each, else an\n"
    "         integration step\n"
    "  then   the requests per route as recorded, and the records the\n"
    "         recorded writes left\n"
    "\n"
    "  --out DIR     where the scenario goes (default .); fixtures go to the\n"
    "                fixtures folder beside or above it, else DIR/fixtures\n"
    "  --name NAME   the scenario's name (default \"recorded FILE-STEM\"); "
    "the\n"
    "                file is named after it\n"
    "  --help        print this text\n"
    "\n"
    "Exit status: 0 when the emulators reproduce the recording, 1 when they\n"
    "do not (each expectation that failed is named in recorded terms) or the\n"
    "recording cannot be read, 2 on a usage error.\n";

static const char scenario_usage[] =
    "usage: kinsync scenario COMMAND [ARGS]\n"
    "\n"
    "Commands:\n"
    "  from-har FILE.har [--out DIR] [--name NAME]\n"
    "                write a scenario from a recording and check it\n";

static int cli_from_har(int argc, char **argv)
{
    static const struct option options[] = {
        {"help", no_argument, NULL, 'h'},
        {"out", required_argument, NULL, 'o'},
        {"name", required_argument, NULL, 'n'},
        {NULL, 0, NULL, 0}};
    struct fh_opts o = {NULL, ".", NULL};
    int c;

    kx_opt_begin();
    while ((c = kx_opt_next(argc, argv, ":h", options, "scenario from-har")) !=
           -1) {
        switch (c) {
        case 'h':
            fputs(from_har_usage, stdout);
            return 0;
        case 'o':
            o.out = optarg;
            break;
        case 'n':
            o.name = optarg;
            if (!strpbrk(optarg, "abcdefghijklmnopqrstuvwxyz"
                                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
                return kx_usage_error("scenario from-har",
                                      "--name \"%s\" has no letter or digit",
                                      optarg);
            break;
        default:
            return KX_EXIT_USAGE;
        }
    }
    if (optind == argc)
        return kx_usage_error("scenario from-har",
                              "the FILE.har to read is missing");
    if (optind + 1 < argc)
        return kx_usage_error("scenario from-har", "unexpected argument \"%s\"",
                              argv[optind + 1]);
    o.file = argv[optind];
    return run(&o);
}

int kh_cli_scenario(int argc, char **argv)
{
    if (argc < 2)
        return kx_usage_error("scenario", "a COMMAND is missing (from-har)");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(scenario_usage, stdout);
        return 0;
    }
    if (strcmp(argv[1], "from-har") == 0)
        return cli_from_har(argc - 1, argv + 1);
    return kx_usage_error("scenario", "unknown command \"%s\" (from-har)",
                          argv[1]);
}
