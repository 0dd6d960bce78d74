/*
 * `kinsync replay FILE.har`: serves recorded traffic back. Each system of
 * the recording (the "_kinsync" system of its entries, else the origin of
 * their URLs) gets a loopback server that answers a request with the
 * recorded response of the entry replay_match.c picks, so an integration
 * can be run again against exactly what the platforms answered, faults
 * included. A request the recording does not have gets 404, naming the
 * nearest recorded one, and is counted.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <curl/curl.h>
#include <kx/alloc.h>
#include <kx/net.h>
#include <kinmock/emulator.h>
#include "engine.h"
#include "jobs.h"
#include "host.h"
#include "replay.h"
#include <kx/opt.h>

#define REPLAY_MAX_BYTES ((long)256 << 20)
#define MAX_SYSTEMS KH_REPLAY_MAX_SYSTEMS

static void must(const void *p)
{
    if (!p) {
        fputs("kinsync replay: out of memory\n", stderr);
        abort();
    }
}

int kh_replay_hop_header(const char *name)
{
    static const char *const skip[] = {"Content-Length", "Connection",
                                       "Transfer-Encoding", "Date",
                                       "Keep-Alive"};

    for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++) {
        if (strcasecmp(name, skip[i]) == 0)
            return 1;
    }
    return 0;
}

/* The options replay runs with, shared by its servers. */
static enum kh_replay_mode replay_mode = KH_REPLAY_STRICT;

static void answer(struct km_response *res, const struct km_request *req,
                   void *state)
{
    struct kh_replay_system *sys = state;
    struct kh_replay_request live = {req->method, req->path, req->query,
                                     req->body, req->body_len};
    struct kh_replay_entry *pick;
    const cJSON *h, *content;
    const char *type = NULL, *text;
    char why[600];
    cJSON *err;

    pick = kh_replay_pick(sys, &live, replay_mode, why, sizeof(why));
    if (!pick) {
        fprintf(stderr, "kinsync replay: %s: not in the recording: %s %s: %s\n",
                sys->name, req->method, req->path, why);
        err = cJSON_CreateObject();
        must(err);
        must(cJSON_AddStringToObject(err, "error", "not in the recording"));
        must(cJSON_AddStringToObject(err, "request", req->method));
        must(cJSON_AddStringToObject(err, "path", req->path));
        must(cJSON_AddStringToObject(err, "nearest", why));
        km_response_json(res, 404, err);
        return;
    }
    content = cJSON_GetObjectItemCaseSensitive(pick->response, "content");
    cJSON_ArrayForEach(
        h, cJSON_GetObjectItemCaseSensitive(pick->response, "headers"))
    {
        const char *name = kx_json_str(h, "name"),
                   *value = kx_json_str(h, "value");

        if (!name || !value || kh_replay_hop_header(name))
            continue;
        if (strcasecmp(name, "Content-Type") == 0)
            type = value;
        else
            km_response_header(res, name, value);
    }
    text = kx_json_str(content, "text");
    km_response_set(res, pick->status,
                    type ? type : kx_json_str(content, "mimeType"),
                    text ? text : "", text ? strlen(text) : 0);
}

/* The system an entry belongs to: its "_kinsync" system, else the URL's
 * host and port. path (decoded, without query) into *path, the raw query
 * into *query. */
static int entry_system(char *name, size_t namesz, char **path, char **query,
                        const cJSON *entry)
{
    const char *url = kx_json_str(kh_json_pointer(entry, "/request"), "url");
    const char *sys = kx_json_str(
        cJSON_GetObjectItemCaseSensitive(entry, "_kinsync"), "system");
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL, *p = NULL, *q = NULL;
    int rc = -1;

    must(u);
    if (url && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PATH, &p, CURLU_URLDECODE) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        curl_url_get(u, CURLUPART_PORT, &port, 0);
        if (sys && *sys)
            snprintf(name, namesz, "%s", sys);
        else
            snprintf(name, namesz, "%s-%s", host, port ? port : "80");
        curl_url_get(u, CURLUPART_QUERY, &q, 0);
        *path = kx_xstrdup(p);
        *query = kx_xstrdup(q ? q : "");
        rc = 0;
    }
    curl_free(q);
    curl_free(p);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return rc;
}

static struct kh_replay_system *system_of(struct kh_replay_system *systems,
                                          size_t *n, const char *name)
{
    for (size_t i = 0; i < *n; i++) {
        if (strcmp(systems[i].name, name) == 0)
            return &systems[i];
    }
    if (*n == MAX_SYSTEMS)
        return NULL;
    snprintf(systems[*n].name, sizeof(systems[*n].name), "%s", name);
    systems[*n].type = km_emulator_type_find(name);
    return &systems[(*n)++];
}

/* The entry's response status: absent is 200, else a whole number
 * 100..599 (a HAR number may be anything JSON allows, 1e300 included).
 * 0, or -1 with the reason in err. */
static int entry_status(int *status, const cJSON *response, size_t i, char *err,
                        size_t errsz)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(response, "status");
    double d = cJSON_GetNumberValue(v);

    *status = 200;
    if (!v)
        return 0;
    if (!cJSON_IsNumber(v) || !(d >= 100 && d <= 599) || d != (int)d) {
        snprintf(err, errsz,
                 "/log/entries/%zu/response/status: not an HTTP status "
                 "(a whole number 100..599)",
                 i);
        return -1;
    }
    *status = (int)d;
    return 0;
}

/* One entry into its system; 0, or -1 with the reason in err. */
static int load_entry(struct kh_replay_system *systems, size_t *n,
                      const cJSON *e, size_t i, char *err, size_t errsz)
{
    const char *method = kx_json_str(kh_json_pointer(e, "/request"), "method");
    const cJSON *response = cJSON_GetObjectItemCaseSensitive(e, "response");
    const cJSON *post = kh_json_pointer(e, "/request/postData");
    const char *text = kx_json_str(post, "text");
    struct kh_replay_system *sys;
    struct kh_replay_entry *r;
    char name[64], *path = NULL, *query = NULL;
    int status;

    if (!method || !cJSON_IsObject(response) ||
        entry_system(name, sizeof(name), &path, &query, e) != 0) {
        snprintf(err, errsz,
                 "/log/entries/%zu: needs request.method, request.url and "
                 "response",
                 i);
        return -1;
    }
    sys = system_of(systems, n, name);
    if (!sys || entry_status(&status, response, i, err, errsz) != 0) {
        if (!sys)
            snprintf(err, errsz, "/log/entries/%zu: more than %d systems", i,
                     MAX_SYSTEMS);
        free(path);
        free(query);
        return -1;
    }
    sys->entries =
        kx_xgrow(sys->entries, &sys->cap, sys->n + 1, sizeof(*sys->entries));
    r = &sys->entries[sys->n++];
    memset(r, 0, sizeof(*r));
    r->method = method;
    r->request = cJSON_GetObjectItemCaseSensitive(e, "request");
    r->path = path;
    r->route =
        kx_json_str(cJSON_GetObjectItemCaseSensitive(e, "_kinsync"), "route");
    if (!r->route)
        r->route = kh_replay_route(sys, method, path);
    kh_pairs_parse(&r->query, query, strlen(query));
    free(query);
    r->body = text && *text ? cJSON_Parse(text) : NULL;
    if (!r->body)
        kh_pairs_parse(&r->form, text ? text : "", text ? strlen(text) : 0);
    r->response = response;
    r->status = status;
    return 0;
}

int kh_replay_load(struct kh_replay_system *systems, const cJSON *har,
                   char *err, size_t errsz)
{
    const cJSON *entries = kh_json_pointer(har, "/log/entries"), *e;
    size_t n = 0, i = 0;

    if (!cJSON_IsArray(entries)) {
        snprintf(err, errsz, "no /log/entries array (not HAR)");
        return -1;
    }
    cJSON_ArrayForEach(e, entries)
    {
        if (load_entry(systems, &n, e, i++, err, errsz) != 0) {
            kh_replay_dispose(systems, (int)n);
            return -1;
        }
    }
    return (int)n;
}

void kh_replay_dispose(struct kh_replay_system *systems, int n)
{
    for (int i = 0; i < n; i++) {
        for (size_t k = 0; k < systems[i].n; k++) {
            struct kh_replay_entry *r = &systems[i].entries[k];

            free(r->path);
            kh_pairs_dispose(&r->query);
            kh_pairs_dispose(&r->form);
            cJSON_Delete(r->body);
        }
        free(systems[i].entries);
        systems[i].entries = NULL;
        systems[i].n = systems[i].cap = 0;
    }
}

static const char replay_usage[] =
    "usage: kinsync replay FILE.har [--mode strict|lenient] [--port-base N]\n"
    "                      [--bind ADDR]\n"
    "\n"
    "Serves a recording (kinsync record, kinsync check --har, kinsync serve\n"
    "--record, or any HAR 1.2 file, a browser's included) back on loopback:\n"
    "one server per recorded system. A request gets the answer of the next\n"
    "unused recorded request with the same method, path, query (decoded,\n"
    "in any order) and body (JSON compared as a tree); once those are used\n"
    "up, the last one repeats. A recorded credential placeholder\n"
    "(\"" KH_REDACTED "\") matches any value. Prints one line per system,\n"
    "\"NAME URL\", and runs until SIGINT or SIGTERM, then says per system how\n"
    "many requests were served, repeated and unmatched, and how many\n"
    "recorded ones were never asked for. KINSYNC_SERVE_READY_FILE, when set,\n"
    "gets the same lines once listening.\n"
    "\n"
    "  --mode strict   anything unmatched gets 404 with the nearest recorded\n"
    "                  request and what differed (default)\n"
    "  --mode lenient  a request whose query or body differs gets the answer\n"
    "                  of one with the same method and path (counted)\n"
    "  --port-base N   system i listens on port N+i (default 0: ephemeral)\n"
    "  --bind ADDR     numeric loopback address (default 127.0.0.1)\n"
    "  --help          print this text\n"
    "\n"
    "Exit status: 0 after a clean stop, 1 when the file cannot be served,\n"
    "2 on a usage error.\n";

char *kh_replay_read_file(const char *path, long *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (*len = ftell(f)) >= 0 &&
        *len <= REPLAY_MAX_BYTES && fseek(f, 0, SEEK_SET) == 0) {
        buf = kx_xmalloc((size_t)*len + 1);
        if (buf && fread(buf, 1, (size_t)*len, f) == (size_t)*len)
            buf[*len] = '\0';
        else {
            free(buf);
            buf = NULL;
        }
    } else {
        errno = EFBIG;
    }
    fclose(f);
    return buf;
}

int kh_write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    if (!f)
        return -1;
    if (fputs(text, f) < 0) {
        fclose(f);
        return -1;
    }
    return fclose(f) == 0 ? 0 : -1;
}

/* Waits for SIGINT or SIGTERM (blocked by the caller). */
int kh_wait_for_stop(const sigset_t *set)
{
    int sig = 0;

    while (sigwait(set, &sig) != 0)
        ;
    return sig;
}

/* The stop summary of one system, on stderr. */
static void summary(const struct kh_replay_system *sys)
{
    size_t unused = 0;

    for (size_t k = 0; k < sys->n; k++)
        unused += !sys->entries[k].used;
    fprintf(stderr,
            "kinsync replay: %s: %ld served, %ld repeated, %ld not in the "
            "recording",
            sys->name, sys->served, sys->repeated, sys->unmatched);
    if (replay_mode == KH_REPLAY_LENIENT)
        fprintf(stderr, ", %ld by method and path only", sys->nearest);
    fprintf(stderr, "; %zu of %zu recorded never asked for\n", unused, sys->n);
}

static int run(const char *file, long port_base, const char *bind,
               const sigset_t *set)
{
    struct kh_replay_system systems[MAX_SYSTEMS];
    const char *ready = getenv("KINSYNC_SERVE_READY_FILE");
    char text[4096] = "", err[256];
    size_t used = 0;
    long len = 0;
    char *buf = kh_replay_read_file(file, &len);
    cJSON *har = buf ? cJSON_ParseWithLength(buf, (size_t)len) : NULL;
    int n = -1, rc = 1;

    memset(systems, 0, sizeof(systems));
    if (!buf)
        fprintf(stderr, "kinsync replay: %s: %s\n", file, strerror(errno));
    else if (!har)
        fprintf(stderr, "kinsync replay: %s: not valid JSON\n", file);
    else if ((n = kh_replay_load(systems, har, err, sizeof(err))) < 0)
        fprintf(stderr, "kinsync replay: %s: %s\n", file, err);
    for (int i = 0; i < n; i++) {
        struct km_server_options o;

        memset(&o, 0, sizeof(o));
        o.name = systems[i].name;
        o.bind_addr = bind;
        o.port = port_base ? (uint16_t)(port_base + i) : 0;
        o.state = &systems[i];
        o.not_found = answer;
        if (km_server_start(&systems[i].server, &o, err, sizeof(err)) != 0) {
            fprintf(stderr, "kinsync replay: %s: %s\n", systems[i].name, err);
            goto out;
        }
        used +=
            (size_t)snprintf(text + used, sizeof(text) - used, "%s %s\n",
                             systems[i].name, km_server_url(systems[i].server));
        if (used >= sizeof(text))
            used = sizeof(text) - 1;
    }
    if (n < 0)
        goto out;
    fputs(text, stdout);
    fflush(stdout);
    if (ready && *ready && kh_write_text(ready, text) != 0) {
        fprintf(stderr, "kinsync replay: cannot write %s\n", ready);
        goto out;
    }
    fprintf(stderr, "kinsync replay: %d system%s from %s; stop with Ctrl-C\n",
            n, n == 1 ? "" : "s", file);
    kh_wait_for_stop(set);
    rc = 0;
out:
    for (int i = 0; i < n; i++) {
        km_server_stop(systems[i].server); /* handlers done: counts final */
        if (rc == 0)
            summary(&systems[i]);
    }
    kh_replay_dispose(systems, n);
    if (ready && *ready)
        remove(ready);
    cJSON_Delete(har);
    free(buf);
    return rc;
}

int kh_loopback_bind(const char **bind, const char *addr)
{
    static char v4[INET_ADDRSTRLEN];
    struct sockaddr_storage ss;
    int family = kx_addr_parse(&ss, addr, 0);

    if (family < 0 || !kx_host_is_loopback(addr))
        return -1;
    *bind = addr;
    if (family == AF_INET && strchr(addr, ':')) {
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, v4,
                  sizeof(v4));
        *bind = v4;
    }
    return 0;
}

/* Reads the options of kinsync replay into *file, *port_base and *bind.
 * Returns 0, 1 after --help (printed), or KX_EXIT_USAGE (reported). */
static int parse_opts(const char **file, long *port_base, const char **bind,
                      int argc, char **argv)
{
    static const struct option options[] = {
        {"help", no_argument, NULL, 'h'},
        {"port-base", required_argument, NULL, 'p'},
        {"bind", required_argument, NULL, 'b'},
        {"mode", required_argument, NULL, 'm'},
        {NULL, 0, NULL, 0}};
    char *end;
    int c;

    kx_opt_begin();
    while ((c = kx_opt_next(argc, argv, ":h", options, "replay")) != -1) {
        switch (c) {
        case 'h':
            fputs(replay_usage, stdout);
            return 1;
        case 'p':
            errno = 0;
            *port_base = strtol(optarg, &end, 10);
            if (errno || *end || *port_base < 0 ||
                *port_base > 65535 - MAX_SYSTEMS)
                return kx_usage_error("replay",
                                      "bad --port-base \"%s\" (expected "
                                      "0..%d)",
                                      optarg, 65535 - MAX_SYSTEMS);
            break;
        case 'm':
            if (strcmp(optarg, "strict") == 0)
                replay_mode = KH_REPLAY_STRICT;
            else if (strcmp(optarg, "lenient") == 0)
                replay_mode = KH_REPLAY_LENIENT;
            else
                return kx_usage_error("replay",
                                      "bad --mode \"%s\" (expected strict "
                                      "or lenient)",
                                      optarg);
            break;
        case 'b':
            if (kh_loopback_bind(bind, optarg) != 0)
                return kx_usage_error("replay",
                                      "--bind takes a numeric loopback "
                                      "address (127.x.x.x or ::1), not "
                                      "\"%s\"",
                                      optarg);
            break;
        default:
            return KX_EXIT_USAGE;
        }
    }
    if (optind == argc)
        return kx_usage_error("replay", "the FILE.har to serve is missing");
    if (optind + 1 < argc)
        return kx_usage_error("replay", "unexpected argument \"%s\"",
                              argv[optind + 1]);
    *file = argv[optind];
    return 0;
}

int kh_cli_replay(int argc, char **argv)
{
    const char *file = NULL, *bind = "127.0.0.1";
    long port_base = 0;
    sigset_t set, old;
    int rc = parse_opts(&file, &port_base, &bind, argc, argv);

    if (rc != 0)
        return rc == 1 ? 0 : rc;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    rc = run(file, port_base, bind, &set);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}
