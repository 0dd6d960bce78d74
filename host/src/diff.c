/*
 * `kinsync diff FILE.har`: how far the emulators are from the system a
 * recording was made of. Each recorded system that has an emulator gets
 * one, seeded from a scenario's "given" (--scenario) or with the
 * configuration `kinsync serve` gives a system started by name; every
 * recorded request of that system is sent to it, in recording order, with
 * the recording's credential placeholders replaced by credentials the
 * emulator accepts (from given.connector.<system>, else serve's test
 * credentials), and the answer compared with the recorded one per route
 * template (diff_shape.c). The report (diff_report.c) says per route what
 * differed; the exit status says whether anything did.
 *
 * Seeding from a scenario, not from the recording itself: the state an
 * emulator needs to answer as the real system did is more than the
 * responses reveal (what a filter left out, what a write changed), and a
 * scenario says it exactly; `kinsync scenario from-har` writes one from a
 * recording, to be completed by hand where it falls short. --seed-from-har
 * takes that inference directly (kh_from_har_given).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <kx/alloc.h>
#include <kx/buf.h>
#include <kx/json.h>
#include <kx/opt.h>
#include <kinsync/clock.h>
#include <kinmock/emulator.h>
#include "diff.h"
#include "engine.h"
#include "host.h"
#include "replay.h"

#define EXIT_DIFFERS 1
#define EXIT_USAGE KX_EXIT_USAGE
#define DIFF_MAX_RESPONSE ((size_t)64 << 20)

/* The credentials of kinsync serve's named configurations, as a
 * connector would hold them (see serve --help). */
static const char default_connector[] =
    "{\"epicor\": {\"username\": \"manager\", \"password\": \"manager\", "
    "\"api_key\": \"km-epicor-test-key\"}, "
    "\"bigcommerce\": {\"access_token\": \"km-bigcommerce-test-token\"}, "
    "\"woocommerce\": {\"consumer_key\": \"ck_kinsync_test\", "
    "\"consumer_secret\": \"cs_kinsync_test\"}}";

/* Which connector setting a credential placeholder of this name (header,
 * query parameter or JSON member, any case) stands for. */
static const struct {
    const char *name, *setting;
} credential_names[] = {
    {"x-api-key", "api_key"},           {"api_key", "api_key"},
    {"x-auth-token", "access_token"},   {"access_token", "access_token"},
    {"consumer_key", "consumer_key"},   {"consumer_secret", "consumer_secret"},
    {"username", "username"},           {"password", "password"},
    {"client_secret", "client_secret"},
};

struct diff_opts {
    const char *file, *scenario, *fixtures, *html;
    int json;
    int seed_from_har; /* the state kinsync scenario from-har infers */
};

/* One system as diff runs it. */
struct diff_system {
    struct kh_replay_system *rec;
    const cJSON *creds; /* given.connector.<system>: borrowed */
    char bearer[2048];  /* the last access_token the emulator issued */
    struct km_emulator *emu;
};

/* Aborts on an allocation failure (x: a pointer or a cJSON success). */
#define must(x) must_((x) != 0)
static void must_(int ok)
{
    if (!ok) {
        fputs("kinsync diff: out of memory\n", stderr);
        abort();
    }
}

static const char *credential(const struct diff_system *ds, const char *name)
{
    for (size_t i = 0; i < sizeof(credential_names) / sizeof(*credential_names);
         i++) {
        if (strcasecmp(name, credential_names[i].name) == 0)
            return kx_json_str(ds->creds, credential_names[i].setting);
    }
    return NULL;
}

/* The Authorization value for a recorded "SCHEME kinsync-redacted". */
static char *authorization(const struct diff_system *ds, const char *value)
{
    const char *user = kx_json_str(ds->creds, "username");
    const char *pass = kx_json_str(ds->creds, "password");
    char *pair, *out;
    unsigned char *b64;
    size_t n;

    if (kh_replay_is_placeholder(value)) /* the journal masks the scheme too */
        value = user || kx_json_str(ds->creds, "consumer_key") ? "Basic "
                                                               : "Bearer ";
    if (strncasecmp(value, "Bearer ", 7) == 0)
        return kx_xasprintf("Bearer %s",
                            ds->bearer[0] ? ds->bearer
                            : kx_json_str(ds->creds, "access_token")
                                ? kx_json_str(ds->creds, "access_token")
                                : KH_REDACTED);
    if (strncasecmp(value, "Basic ", 6) != 0)
        return kx_xstrdup(value);
    if (!user) { /* WooCommerce: the key pair over Basic */
        user = kx_json_str(ds->creds, "consumer_key");
        pass = kx_json_str(ds->creds, "consumer_secret");
    }
    pair = kx_xasprintf("%s:%s", user ? user : "", pass ? pass : "");
    n = strlen(pair);
    b64 = kx_xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock(b64, (unsigned char *)pair, (int)n);
    out = kx_xasprintf("Basic %s", (char *)b64);
    free(b64);
    free(pair);
    return out;
}

/* JSON members holding a placeholder get the credential of their name. */
static void fill_json(const struct diff_system *ds, cJSON *node)
{
    cJSON *c;

    cJSON_ArrayForEach(c, node)
    {
        const char *v = c->string && cJSON_IsString(c) &&
                                kh_replay_is_placeholder(c->valuestring)
                            ? credential(ds, c->string)
                            : NULL;

        if (v)
            cJSON_SetValuestring(c, v);
        else if (cJSON_IsObject(c) || cJSON_IsArray(c))
            fill_json(ds, c);
    }
}

/* The recorded raw query with credential placeholders filled in. */
static char *fill_query(const struct diff_system *ds, const char *query)
{
    struct kx_buf out = KX_BUF_INIT;
    const char *p = query;

    while (*p) {
        size_t len = strcspn(p, "&"), eq = strcspn(p, "=");
        char *name = km_form_decode(p, eq < len ? eq : len);
        char *value = eq < len ? km_form_decode(p + eq + 1, len - eq - 1)
                               : kx_xstrdup("");
        const char *v =
            kh_replay_is_placeholder(value) ? credential(ds, name) : NULL;
        char *ev = v ? curl_easy_escape(NULL, v, 0) : NULL;

        if (ev)
            kx_buf_printf(&out, "%s%.*s=%s", out.len ? "&" : "", (int)eq, p,
                          ev);
        else if (len)
            kx_buf_printf(&out, "%s%.*s", out.len ? "&" : "", (int)len, p);
        curl_free(ev);
        free(name);
        free(value);
        p += len + (p[len] == '&');
    }
    kx_buf_puts(&out, "");
    return kx_buf_detach(&out);
}

/* What came back: the status, headers as a HAR list, the body. */
struct answer {
    long status;
    cJSON *headers;
    struct kx_buf body;
};

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    struct answer *a = ud;

    if (a->body.len + size * n > DIFF_MAX_RESPONSE)
        return 0;
    kx_buf_add(&a->body, data, size * n);
    return size * n;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
    struct answer *a = ud;
    size_t len = size * n, colon = strcspn(data, ":"), end = len;
    char *name, *value;
    cJSON *h;

    if (colon >= len || strncmp(data, "HTTP/", 5) == 0)
        return len;
    while (end > colon + 1 && (data[end - 1] == '\r' || data[end - 1] == '\n'))
        end--;
    name = kx_xstrndup(data, colon);
    colon++;
    while (colon < end && data[colon] == ' ')
        colon++;
    value = kx_xstrndup(data + colon, end - colon);
    h = cJSON_CreateObject();
    must(h && cJSON_AddStringToObject(h, "name", name) &&
         cJSON_AddStringToObject(h, "value", value));
    must(cJSON_AddItemToArray(a->headers, h));
    free(name);
    free(value);
    return len;
}

/* The recorded request's headers to send, placeholders filled in. */
static struct curl_slist *request_headers(struct diff_system *ds,
                                          const cJSON *list)
{
    struct curl_slist *out = NULL, *l;
    const cJSON *h;

    cJSON_ArrayForEach(h, list)
    {
        const char *name = kx_json_str(h, "name"), *v = kx_json_str(h, "value");
        char *line, *fill = NULL;

        if (!name || !v || kh_replay_hop_header(name) ||
            strcasecmp(name, "Host") == 0 || strcasecmp(name, "Expect") == 0 ||
            strcasecmp(name, "Accept-Encoding") == 0)
            continue;
        if (strcasecmp(name, "Authorization") == 0 &&
            (strstr(v, KH_REDACTED) || kh_replay_is_placeholder(v)))
            fill = authorization(ds, v);
        else if (kh_replay_is_placeholder(v) && credential(ds, name))
            fill = kx_xstrdup(credential(ds, name));
        line = kx_xasprintf("%s: %s", name, fill ? fill : v);
        must(l = curl_slist_append(out, line));
        out = l;
        free(line);
        free(fill);
    }
    return out;
}

/* Sends e to the emulator; 0, or -1 with the reason in err. */
static int send_entry(struct answer *a, CURL *curl, struct diff_system *ds,
                      const struct kh_replay_entry *e, char *err, size_t errsz)
{
    const char *url = kx_json_str(e->request, "url");
    const char *text = kx_json_str(
        cJSON_GetObjectItemCaseSensitive(e->request, "postData"), "text");
    const char *q = url ? strchr(url, '?') : NULL;
    const char *path = url ? strstr(url, "://") : NULL;
    struct curl_slist *hs =
        request_headers(ds, kx_json_arr(e->request, "headers"));
    char *query = fill_query(ds, q ? q + 1 : ""), *body = NULL, *full;
    cJSON *doc = text && *text ? cJSON_Parse(text) : NULL;
    CURLcode cc;

    path = path ? path + 3 + strcspn(path + 3, "/") : "/";
    full = kx_xasprintf("%s%.*s%s%s", km_server_url(ds->emu->server),
                        (int)(q ? q - path : (ptrdiff_t)strlen(path)), path,
                        *query ? "?" : "", query);
    if (doc) {
        fill_json(ds, doc);
        must(body = cJSON_PrintUnformatted(doc));
    }
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, full);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, e->method);
    curl_easy_setopt(curl, CURLOPT_NOBODY, strcmp(e->method, "HEAD") == 0);
    if (body || (text && *text)) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body ? body : text);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE,
                         (long)strlen(body ? body : text));
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, a);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, a);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
    cc = curl_easy_perform(curl);
    if (cc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &a->status);
    else
        snprintf(err, errsz, "%s %s: %s", e->method, e->path,
                 curl_easy_strerror(cc));
    curl_slist_free_all(hs);
    cJSON_free(body);
    cJSON_Delete(doc);
    free(query);
    free(full);
    return cc == CURLE_OK ? 0 : -1;
}

/* The route object of system and key in routes, added when new. */
static cJSON *route_of(cJSON *routes, const char *system, const char *key)
{
    cJSON *r;

    cJSON_ArrayForEach(r, routes)
    {
        if (strcmp(kx_json_str(r, "system"), system) == 0 &&
            strcmp(kx_json_str(r, "route"), key) == 0)
            return r;
    }
    r = cJSON_CreateObject();
    must(r && cJSON_AddStringToObject(r, "system", system) &&
         cJSON_AddStringToObject(r, "route", key) &&
         cJSON_AddNumberToObject(r, "requests", 0));
    must(cJSON_AddItemToArray(routes, r));
    return r;
}

/* Compares one exchange; 0, or -1 when the request could not be sent. */
static int diff_entry(cJSON *routes, CURL *curl, struct diff_system *ds,
                      const struct kh_replay_entry *e, char *err, size_t errsz)
{
    struct answer a = {0, cJSON_CreateArray(), KX_BUF_INIT};
    size_t ml = strlen(e->method);
    /* A journal's route names its method already ("GET /x"). */
    char *key =
        e->route && strncmp(e->route, e->method, ml) == 0 && e->route[ml] == ' '
            ? kx_xstrdup(e->route)
            : kx_xasprintf("%s %s", e->method, e->route ? e->route : e->path);
    cJSON *route = route_of(routes, ds->rec->name, key), *rec, *live;
    const char *text = kx_json_str(kx_json_obj(e->response, "content"), "text");
    int rc;

    must(a.headers);
    free(key);
    kx_buf_puts(&a.body, "");
    rc = send_entry(&a, curl, ds, e, err, errsz);
    if (rc == 0) {
        rec = text && *text ? cJSON_Parse(text) : NULL;
        live = a.body.len ? cJSON_Parse(kx_buf_str(&a.body)) : NULL;
        if (kx_json_str(live, "access_token"))
            snprintf(ds->bearer, sizeof(ds->bearer), "%s",
                     kx_json_str(live, "access_token"));
        cJSON_SetNumberValue(
            cJSON_GetObjectItemCaseSensitive(route, "requests"),
            kx_json_num(route, "requests", 0) + 1);
        kh_diff_status(route, e->status, (int)a.status);
        kh_diff_bodies(route, rec, live);
        kh_diff_headers(route, kx_json_arr(e->response, "headers"), a.headers);
        cJSON_Delete(rec);
        cJSON_Delete(live);
    }
    cJSON_Delete(a.headers);
    kx_buf_reset(&a.body);
    return rc;
}

/* Starts sys's emulator from its seed and sends it every recorded
 * request; what cannot be compared goes to report's "skipped". */
static void diff_system(cJSON *report, CURL *curl, struct ks_clock *clock,
                        struct kh_replay_system *sys, const cJSON *given,
                        const cJSON *creds)
{
    cJSON *skipped = kx_json_arr(report, "skipped");
    cJSON *config = NULL;
    struct diff_system ds;
    char err[512];

    memset(&ds, 0, sizeof(ds));
    ds.rec = sys;
    ds.creds = kx_json_obj(creds, sys->name);
    if (!sys->type) {
        snprintf(err, sizeof(err),
                 "%.63s: no emulator of that name (%zu requests)", sys->name,
                 sys->n);
        goto skip;
    }
    config = given ? cJSON_Duplicate(kx_json_obj(given, sys->name), 1) : NULL;
    if (!config)
        config = kh__serve_named_config(sys->name);
    must(config);
    if (km_emulator_start(&ds.emu, sys->type, config, clock, "127.0.0.1", 0,
                          err, sizeof(err) - 64) != 0) {
        char why[512];

        snprintf(why, sizeof(why), "%.400s", err);
        snprintf(err, sizeof(err), "%.63s: the emulator does not start: %.400s",
                 sys->name, why);
        goto skip;
    }
    for (size_t i = 0; i < sys->n; i++) {
        if (diff_entry(kx_json_arr(report, "routes"), curl, &ds,
                       &sys->entries[i], err, sizeof(err)) != 0) {
            char why[512];

            snprintf(why, sizeof(why), "%.400s", err);
            snprintf(err, sizeof(err), "%.63s: %.400s", sys->name, why);
            must(cJSON_AddItemToArray(skipped, cJSON_CreateString(err)));
        }
    }
    km_emulator_stop(ds.emu);
    cJSON_Delete(config);
    return;
skip:
    cJSON_Delete(config);
    must(cJSON_AddItemToArray(skipped, cJSON_CreateString(err)));
}

/* The summary of report, added to it; the number of routes that differ. */
static int summarise(cJSON *report)
{
    cJSON *sum = cJSON_CreateObject(), *r;
    int routes = 0, requests = 0, differ = 0;

    must(sum);
    cJSON_ArrayForEach(r, kx_json_arr(report, "routes"))
    {
        routes++;
        requests += (int)kx_json_num(r, "requests", 0);
        differ += kh_diff_route_differs(r);
    }
    must(cJSON_AddNumberToObject(sum, "routes", routes) &&
         cJSON_AddNumberToObject(sum, "requests", requests) &&
         cJSON_AddNumberToObject(sum, "differ", differ) &&
         cJSON_AddNumberToObject(
             sum, "skipped",
             cJSON_GetArraySize(kx_json_arr(report, "skipped"))));
    must(cJSON_AddItemToObject(report, "summary", sum));
    return differ;
}

/* The seed: the scenario's "given" and connector credentials, or the
 * given inferred from the recording (*inferred), else serve's defaults.
 * 0, or 1 with the reason printed. */
static int load_seed(struct kh_scenario **sc, cJSON **inferred, cJSON **creds,
                     const struct diff_opts *o)
{
    char err[4096] = "";

    *sc = NULL;
    *creds = NULL;
    *inferred = NULL;
    if (o->seed_from_har) {
        if (!(*inferred = kh_from_har_given(o->file, err, sizeof(err)))) {
            fprintf(stderr, "kinsync diff: --seed-from-har: %s\n", err);
            return 1;
        }
        must(*creds = cJSON_Duplicate(kx_json_obj(*inferred, "connector"), 1));
        return 0;
    }
    if (o->scenario &&
        kh_scenario_load(sc, o->scenario, o->fixtures, err, sizeof(err)) != 0) {
        fprintf(stderr, "kinsync diff: cannot load scenario %s:\n%s",
                o->scenario, err);
        return 1;
    }
    *creds = *sc ? cJSON_Duplicate(
                       kh_json_pointer((*sc)->doc, "/given/connector"), 1)
                 : cJSON_Parse(default_connector);
    if (!*creds)
        *creds = cJSON_CreateObject();
    must(*creds);
    return 0;
}

static int run(const struct diff_opts *o)
{
    struct kh_replay_system systems[KH_REPLAY_MAX_SYSTEMS];
    struct kh_scenario *sc = NULL;
    struct ks_clock *clock = NULL;
    cJSON *har = NULL, *creds = NULL, *report = NULL, *inferred = NULL;
    CURL *curl = NULL;
    char err[512];
    long len = 0;
    char *buf = kh_replay_read_file(o->file, &len);
    int n = -1, rc = 1;

    memset(systems, 0, sizeof(systems));
    if (!buf) {
        fprintf(stderr, "kinsync diff: %s: %s\n", o->file, strerror(errno));
        return 1;
    }
    if (!(har = cJSON_ParseWithLength(buf, (size_t)len)))
        fprintf(stderr, "kinsync diff: %s: not valid JSON\n", o->file);
    else if ((n = kh_replay_load(systems, har, err, sizeof(err))) < 0)
        fprintf(stderr, "kinsync diff: %s: %s\n", o->file, err);
    if (n < 0 || load_seed(&sc, &inferred, &creds, o) != 0)
        goto out;
    if (ks_clock_new_real(&clock) != KS_OK || !(curl = curl_easy_init())) {
        fputs("kinsync diff: cannot create a clock or a transfer\n", stderr);
        goto out;
    }
    report = cJSON_CreateObject();
    must(report && cJSON_AddStringToObject(report, "file", o->file) &&
         cJSON_AddStringToObject(report, "seed",
                                 o->scenario ? o->scenario
                                 : o->seed_from_har
                                     ? "the recording"
                                     : "kinsync serve's defaults") &&
         cJSON_AddArrayToObject(report, "routes") &&
         cJSON_AddArrayToObject(report, "skipped"));
    for (int i = 0; i < n; i++)
        diff_system(report, curl, clock, &systems[i],
                    sc ? kx_json_obj(sc->doc, "given") : inferred, creds);
    rc = summarise(report) ? EXIT_DIFFERS : 0;
    if (o->json)
        kh_diff_print_json(stdout, report);
    else
        kh_diff_print_text(stdout, report);
    if (o->html && kh_diff_write_html(o->html, report) != 0) {
        fprintf(stderr, "kinsync diff: cannot write %s: %s\n", o->html,
                strerror(errno));
        rc = 1;
    }
out:
    curl_easy_cleanup(curl);
    ks_clock_free(clock);
    kh_replay_dispose(systems, n);
    kh_scenario_free(sc);
    cJSON_Delete(inferred);
    cJSON_Delete(report);
    cJSON_Delete(creds);
    cJSON_Delete(har);
    free(buf);
    return rc;
}

static const char diff_usage[] =
    "usage: kinsync diff FILE.har [--scenario FILE | --seed-from-har]\n"
    "                    [--fixtures DIR] [--format text|json] [--html FILE]\n"
    "\n"
    "Sends every request of a recording (kinsync record, check --har, serve\n"
    "--record, or any HAR 1.2 file whose systems are named like emulators)\n"
    "to that system's emulator, in recording order, and reports per route\n"
    "template where the emulator answers differently: the status, the\n"
    "shape of a JSON body (members missing or extra, types changed, by JSON\n"
    "pointer with array elements as \"*\": /data/*/id) and the response\n"
    "headers (missing or extra; values of Content-Type's media type and of\n"
    "paging and rate-limit counts). Credential placeholders of the\n"
    "recording are replaced by credentials the emulator accepts.\n"
    "\n"
    "  --scenario FILE   seed the emulators from the scenario's \"given\"\n"
    "                    (fixtures resolved, fault rules applied) and take\n"
    "                    credentials from given.connector.SYSTEM; without\n"
    "                    it, each emulator gets the configuration of\n"
    "                    kinsync serve --system NAME and its test\n"
    "                    credentials\n"
    "  --seed-from-har   seed the emulators with the state kinsync scenario\n"
    "                    from-har infers from the recording itself (the rows\n"
    "                    its responses showed, fresh credentials, a fault\n"
    "                    rule per recorded 429 or 5xx)\n"
    "  --fixtures DIR    where the scenario's \"$fixture\" paths are read\n"
    "  --format FORMAT   text (default) or json, on stdout\n"
    "  --html FILE       also write the report as one self-contained HTML\n"
    "                    page\n"
    "  --help            print this text\n"
    "\n"
    "Exit status: 0 when nothing differs, 1 when something does (or the\n"
    "recording cannot be read), 2 on a usage error.\n";

/* 0, 1 after --help, or EXIT_USAGE (reported). */
static int parse_opts(struct diff_opts *o, int argc, char **argv)
{
    static const struct option options[] = {
        {"help", no_argument, NULL, 'h'},
        {"scenario", required_argument, NULL, 's'},
        {"fixtures", required_argument, NULL, 'f'},
        {"format", required_argument, NULL, 'F'},
        {"html", required_argument, NULL, 'H'},
        {"seed-from-har", no_argument, NULL, 'S'},
        {NULL, 0, NULL, 0}};
    int c;

    kx_opt_begin();
    while ((c = kx_opt_next(argc, argv, ":h", options, "diff")) != -1) {
        switch (c) {
        case 'h':
            fputs(diff_usage, stdout);
            return 1;
        case 's':
            o->scenario = optarg;
            break;
        case 'f':
            o->fixtures = optarg;
            break;
        case 'S':
            o->seed_from_har = 1;
            break;
        case 'H':
            o->html = optarg;
            break;
        case 'F':
            if (strcmp(optarg, "text") != 0 && strcmp(optarg, "json") != 0)
                return kx_usage_error("diff",
                                      "bad --format \"%s\" (expected text "
                                      "or json)",
                                      optarg);
            o->json = strcmp(optarg, "json") == 0;
            break;
        default:
            return EXIT_USAGE;
        }
    }
    if (o->seed_from_har && o->scenario)
        return kx_usage_error("diff", "--seed-from-har and --scenario both "
                                      "seed the emulators: give one");
    if (optind == argc)
        return kx_usage_error("diff", "the FILE.har to compare is missing");
    if (optind + 1 < argc)
        return kx_usage_error("diff", "unexpected argument \"%s\"",
                              argv[optind + 1]);
    o->file = argv[optind];
    return 0;
}

int kh_cli_diff(int argc, char **argv)
{
    struct diff_opts o;
    int rc;

    memset(&o, 0, sizeof(o));
    rc = parse_opts(&o, argc, argv);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    return run(&o);
}
