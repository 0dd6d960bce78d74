/*
 * `kinsync record`: a recording reverse proxy. Each --system gets a
 * loopback server (the emulator core's, libmicrohttpd underneath) that
 * forwards every request to its --target with libcurl (TLS verified),
 * answers with what came back, and appends the exchange to one HAR 1.2
 * file, credentials and personal data replaced first (redact.c). Entries
 * are written as they complete, so memory holds one exchange per system
 * at a time: a request body up to the server's limit (8 MiB), a response
 * up to RECORD_MAX_RESPONSE (larger: 502, not recorded).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <kx/alloc.h>
#include <kx/buf.h>
#include <kx/opt.h>
#include <kx/time.h>
#include <kinmock/server.h>
#include "engine.h"
#include "host.h"
#include "redact.h"
#include "replay.h"

#define RECORD_MAX_RESPONSE ((size_t)32 << 20)
#define MAX_SYSTEMS KH_REPLAY_MAX_SYSTEMS

struct recorder;

struct rec_system {
    const char *name, *target;
    long port;
    struct km_server *server;
    struct recorder *rec;
    long recorded, failed;
};

struct recorder {
    struct rec_system systems[MAX_SYSTEMS];
    int n;
    const char *cacert;
    struct kh_redactor *redactor;
    FILE *out;
    pthread_mutex_t lock; /* out and entries */
    long entries, seq;
};

static const char record_usage[] =
    "usage: kinsync record --system NAME --target URL [--port N]\n"
    "                      [--system NAME --target URL [--port N]]...\n"
    "                      --out FILE.har [--cacert FILE] [--bind ADDR]\n"
    "                      [--pseudonymise FIELD]... [--redact NAME]...\n"
    "\n"
    "A recording reverse proxy: each --system listens on loopback and\n"
    "forwards every request to its --target (an origin, scheme://host[:port],\n"
    "TLS verified), answering with what came back and appending the exchange\n"
    "to FILE.har (HAR 1.2, written as exchanges complete, mode 0600). Point\n"
    "kinsync sync (or any client) at the printed URLs; stop with SIGINT or\n"
    "SIGTERM. `kinsync replay FILE.har` serves the recording back.\n"
    "\n"
    "Credentials never reach the file: headers, query parameters and JSON\n"
    "members named like credentials (Authorization, x-api-key,\n"
    "X-Auth-Token, username, password, *token*, *secret*, *signature*,\n"
    "oauth_*, consumer_key, cookies) become \"" KH_REDACTED "\" and their\n"
    "values are masked wherever they appear again. Personal data is\n"
    "pseudonymised with HMAC-SHA256 under a random salt that is never\n"
    "stored, the same value always to the same pseudonym: every e-mail\n"
    "address in any string or URL, and these fields (JSON members and\n"
    "query parameters), word by word:\n"
    "%s"
    "and the same in query values of searches (\"query\" lines above) and\n"
    "in OData $filter literals compared to a field (Name eq 'Ann Lee').\n"
    "\n"
    "  --system NAME        a system (its emulator's name, e.g. epicor, so\n"
    "                       replay and reports know its routes)\n"
    "  --target URL         where that system's requests go\n"
    "  --port N             that system's port (default 0: ephemeral)\n"
    "  --out FILE.har       the recording (required)\n"
    "  --cacert FILE        CA certificates to verify the targets with\n"
    "  --bind ADDR          numeric loopback address (default 127.0.0.1)\n"
    "  --pseudonymise FIELD one more personal field, every system\n"
    "  --redact NAME        one more credential name\n"
    "  --help               print this text\n"
    "\n"
    "Prints \"NAME URL\" per system (also into KINSYNC_SERVE_READY_FILE when\n"
    "set). Exit status: 0 after a clean stop, 1 when it cannot start, 2 on a\n"
    "usage error.\n";

/* Headers that describe one hop, not the exchange. */
static int hop(const char *name)
{
    static const char *const skip[] = {
        "Host",       "Content-Length", "Connection",      "Transfer-Encoding",
        "Keep-Alive", "Expect",         "Accept-Encoding", "Date"};

    for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++) {
        if (strcasecmp(name, skip[i]) == 0)
            return 1;
    }
    return 0;
}

struct exchange {
    struct curl_slist *send;
    cJSON *sent, *got; /* header objects, journal form */
    struct kx_buf body;
    int too_large;
};

static int forward_header(void *ud, const char *name, const char *value)
{
    struct exchange *x = ud;
    char *line;
    struct curl_slist *l;

    if (!cJSON_AddStringToObject(x->sent, name, value))
        abort();
    if (hop(name))
        return 0;
    line = kx_xasprintf("%s: %s", name, value);
    l = curl_slist_append(x->send, line);
    free(line);
    if (!l)
        abort();
    x->send = l;
    return 0;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
    struct exchange *x = ud;
    size_t len = size * n, colon;
    char *name, *value;

    colon = strcspn(data, ":");
    if (colon >= len || strncmp(data, "HTTP/", 5) == 0)
        return len;
    name = kx_xstrndup(data, colon);
    value = kx_xstrndup(data + colon + 1, len - colon - 1);
    for (size_t e = strlen(value); e && strchr("\r\n \t", value[e - 1]); e--)
        value[e - 1] = '\0';
    if (!hop(name)) {
        cJSON_DeleteItemFromObjectCaseSensitive(x->got, name);
        if (!cJSON_AddStringToObject(x->got, name,
                                     value + strspn(value, " \t")))
            abort();
    }
    free(name);
    free(value);
    return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    struct exchange *x = ud;

    if (x->body.len + size * n > RECORD_MAX_RESPONSE) {
        x->too_large = 1;
        return 0;
    }
    kx_buf_add(&x->body, data, size * n);
    return size * n;
}

/* The path as sent upstream: percent-encoded again. */
static char *encode_path(const char *path)
{
    struct kx_buf b = KX_BUF_INIT;

    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
            (*p >= '0' && *p <= '9') || strchr("/-._~:@!$&'()*+,;=", *p))
            kx_buf_add(&b, p, 1);
        else
            kx_buf_printf(&b, "%%%02X", *p);
    }
    return kx_buf_detach(&b);
}

/* Appends one exchange to the file, redacted. */
static void append(struct rec_system *sys, const struct km_request *req,
                   const char *path, struct exchange *x, long status)
{
    struct recorder *rec = sys->rec;
    cJSON *j = cJSON_CreateObject(), *entry;
    char *text;

    pthread_mutex_lock(&rec->lock);
    if (!j || !cJSON_AddStringToObject(j, "system", sys->name) ||
        !cJSON_AddNumberToObject(j, "seq", (double)++rec->seq) ||
        !cJSON_AddStringToObject(j, "method", req->method) ||
        !cJSON_AddStringToObject(j, "path", path) ||
        !cJSON_AddStringToObject(j, "query", req->query) ||
        !cJSON_AddItemReferenceToObject(j, "headers", x->sent) ||
        !cJSON_AddStringToObject(j, "body", req->body) ||
        !cJSON_AddNumberToObject(j, "status", (double)status) ||
        !cJSON_AddItemReferenceToObject(j, "response_headers", x->got) ||
        !cJSON_AddStringToObject(j, "response_body", kx_buf_str(&x->body)) ||
        !cJSON_AddNumberToObject(j, "wall_ms", (double)kx_wall_ms()))
        abort();
    entry = kh_har_entry(j, sys->target);
    kh_redact_entry(rec->redactor, sys->name, entry);
    text = cJSON_PrintUnformatted(entry);
    if (!text)
        abort();
    fprintf(rec->out, "%s%s", rec->entries++ ? ",\n" : "", text);
    fflush(rec->out);
    sys->recorded++;
    pthread_mutex_unlock(&rec->lock);
    free(text);
    cJSON_Delete(entry);
    cJSON_Delete(j);
}

static const char upstream_failed[] =
    "{\"error\":\"kinsync record: the target did not answer\"}";

static void proxy(struct km_response *res, const struct km_request *req,
                  void *state)
{
    struct rec_system *sys = state;
    struct exchange x = {NULL, cJSON_CreateObject(), cJSON_CreateObject(),
                         KX_BUF_INIT, 0};
    char *path = encode_path(req->path), *url, err[CURL_ERROR_SIZE] = "";
    CURL *c = curl_easy_init();
    const cJSON *h;
    long status = 0;
    CURLcode rc;

    if (!c || !x.sent || !x.got)
        abort();
    url = kx_xasprintf("%s%s%s%s", sys->target, path, *req->query ? "?" : "",
                       req->query);
    km_request_headers_each(req, forward_header, &x);
    x.send = curl_slist_append(x.send, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, x.send);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
    if (sys->rec->cacert)
        curl_easy_setopt(c, CURLOPT_CAINFO, sys->rec->cacert);
    if (strcmp(req->method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    else if (req->body_len || strcmp(req->method, "GET") != 0) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)req->body_len);
    }
    rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK || status < 100 || status > 599) {
        snprintf(err + strlen(err), sizeof(err) - strlen(err), "%s",
                 x.too_large ? " (response over the recording limit)" : "");
        fprintf(stderr, "kinsync record: %s: %s %s: %s\n", sys->name,
                req->method, req->path, err[0] ? err : curl_easy_strerror(rc));
        sys->failed++;
        km_response_set(res, 502, "application/json", upstream_failed,
                        strlen(upstream_failed));
        goto out;
    }
    cJSON_ArrayForEach(h, x.got)
    {
        if (strcasecmp(h->string, "Content-Type") != 0)
            km_response_header(res, h->string, h->valuestring);
    }
    km_response_set(res, (int)status, kx_json_str(x.got, "Content-Type"),
                    kx_buf_str(&x.body), x.body.len);
    append(sys, req, path, &x, status);
out:
    curl_easy_cleanup(c);
    curl_slist_free_all(x.send);
    cJSON_Delete(x.sent);
    cJSON_Delete(x.got);
    kx_buf_reset(&x.body);
    free(url);
    free(path);
}

/* The field list of the usage text. */
static void usage(void)
{
    char *fields = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&fields, &len);

    if (!m)
        abort();
    kh_redact_fields_print(m);
    fclose(m);
    printf(record_usage, fields);
    free(fields);
}

/* A --target: http(s)://host[:port] with no path, query or credentials. */
static int bad_target(const char *url)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *path = NULL, *user = NULL, *query = NULL;
    int bad = !u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
              curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
              (strcmp(scheme, "http") && strcmp(scheme, "https")) ||
              curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK ||
              strcmp(path, "/") != 0 ||
              curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
              curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK ||
              url[strlen(url) - 1] == '/';

    curl_free(scheme);
    curl_free(path);
    curl_free(user);
    curl_free(query);
    curl_url_cleanup(u);
    return bad;
}

/* Reads the options into rec and *file; 0, 1 after --help, or
 * KX_EXIT_USAGE (reported). */
static int parse_opts(struct recorder *rec, const char **file,
                      const char **bind, int argc, char **argv)
{
    static const struct option options[] = {
        {"help", no_argument, NULL, 'h'},
        {"system", required_argument, NULL, 's'},
        {"target", required_argument, NULL, 't'},
        {"port", required_argument, NULL, 'p'},
        {"out", required_argument, NULL, 'o'},
        {"cacert", required_argument, NULL, 'c'},
        {"bind", required_argument, NULL, 'b'},
        {"pseudonymise", required_argument, NULL, 'f'},
        {"redact", required_argument, NULL, 'r'},
        {NULL, 0, NULL, 0}};
    struct rec_system *cur = NULL;
    char *end;
    int c;

    kx_opt_begin();
    while ((c = kx_opt_next(argc, argv, ":h", options, "record")) != -1) {
        if ((c == 't' || c == 'p') && !cur)
            return kx_usage_error("record", "--%s before any --system",
                                  c == 't' ? "target" : "port");
        switch (c) {
        case 'h':
            usage();
            return 1;
        case 's':
            if (rec->n == MAX_SYSTEMS)
                return kx_usage_error("record", "more than %d systems",
                                      MAX_SYSTEMS);
            cur = &rec->systems[rec->n++];
            cur->name = optarg;
            cur->rec = rec;
            break;
        case 't':
            if (bad_target(optarg))
                return kx_usage_error("record",
                                      "bad --target \"%s\" (expected "
                                      "http(s)://host[:port], no path)",
                                      optarg);
            cur->target = optarg;
            break;
        case 'p':
            errno = 0;
            cur->port = strtol(optarg, &end, 10);
            if (errno || *end || cur->port < 0 || cur->port > 65535)
                return kx_usage_error(
                    "record", "bad --port \"%s\" (expected 0..65535)", optarg);
            break;
        case 'o':
            *file = optarg;
            break;
        case 'c':
            rec->cacert = optarg;
            break;
        case 'b':
            if (kh_loopback_bind(bind, optarg) != 0)
                return kx_usage_error("record",
                                      "--bind takes a numeric loopback "
                                      "address, not \"%s\"",
                                      optarg);
            break;
        case 'f':
            kh_redactor_add_field(rec->redactor, optarg);
            break;
        case 'r':
            kh_redactor_add_credential(rec->redactor, optarg);
            break;
        default:
            return KX_EXIT_USAGE;
        }
    }
    if (optind < argc)
        return kx_usage_error("record", "unexpected argument \"%s\"",
                              argv[optind]);
    if (!rec->n)
        return kx_usage_error("record", "no --system to record");
    for (int i = 0; i < rec->n; i++) {
        if (!rec->systems[i].target)
            return kx_usage_error("record", "--system %s has no --target",
                                  rec->systems[i].name);
    }
    if (!*file)
        return kx_usage_error("record", "--out FILE.har is missing");
    return 0;
}

static FILE *open_private(const char *file)
{
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

    if (fd >= 0 && !f)
        close(fd);
    return f;
}

static int run(struct recorder *rec, const char *file, const char *bind,
               const sigset_t *set)
{
    const char *ready = getenv("KINSYNC_SERVE_READY_FILE");
    struct kx_buf lines = KX_BUF_INIT;
    cJSON *head;
    char err[256], *text;
    int started = 0, rc = 1;

    if (!(rec->out = open_private(file))) {
        fprintf(stderr, "kinsync record: %s: %s\n", file, strerror(errno));
        return 1;
    }
    head = kh_har_new();
    text = cJSON_PrintUnformatted(head);
    /* "...,"entries":[]}}": everything before the "]}}" the stop writes. */
    if (!text || strlen(text) < 3 || strcmp(text + strlen(text) - 3, "]}}"))
        abort();
    fprintf(rec->out, "%.*s\n", (int)strlen(text) - 3, text);
    free(text);
    cJSON_Delete(head);
    for (; started < rec->n; started++) {
        struct rec_system *sys = &rec->systems[started];
        struct km_server_options o;

        memset(&o, 0, sizeof(o));
        o.name = sys->name;
        o.bind_addr = bind;
        o.port = (uint16_t)sys->port;
        o.state = sys;
        o.not_found = proxy;
        if (km_server_start(&sys->server, &o, err, sizeof(err)) != 0) {
            fprintf(stderr, "kinsync record: %s: %s\n", sys->name, err);
            goto out;
        }
        km_server_set_journal_max(sys->server, 1);
        kx_buf_printf(&lines, "%s %s\n", sys->name, km_server_url(sys->server));
    }
    fputs(kx_buf_str(&lines), stdout);
    fflush(stdout);
    if (ready && *ready && kh_write_text(ready, kx_buf_str(&lines))) {
        fprintf(stderr, "kinsync record: cannot write %s\n", ready);
        goto out;
    }
    fprintf(stderr, "kinsync record: recording into %s; stop with Ctrl-C\n",
            file);
    kh_wait_for_stop(set);
    rc = 0;
out:
    for (int i = 0; i < started; i++) {
        km_server_stop(rec->systems[i].server); /* handlers done */
        if (rc == 0)
            fprintf(stderr, "kinsync record: %s: %ld recorded, %ld failed\n",
                    rec->systems[i].name, rec->systems[i].recorded,
                    rec->systems[i].failed);
    }
    fputs("\n]}}\n", rec->out);
    if (fclose(rec->out) != 0 && rc == 0) {
        fprintf(stderr, "kinsync record: %s: %s\n", file, strerror(errno));
        rc = 1;
    }
    if (ready && *ready)
        remove(ready);
    kx_buf_reset(&lines);
    return rc;
}

int kh_cli_record(int argc, char **argv)
{
    static struct recorder rec; /* large; one per process */
    unsigned char salt[32];
    const char *file = NULL, *bind = "127.0.0.1";
    sigset_t set, old;
    int rc;

    memset(&rec, 0, sizeof(rec));
    if (RAND_bytes(salt, sizeof(salt)) != 1) {
        fputs("kinsync record: no random salt (OpenSSL RNG)\n", stderr);
        return 1;
    }
    rec.redactor = kh_redactor_new(salt, sizeof(salt));
    OPENSSL_cleanse(salt, sizeof(salt));
    pthread_mutex_init(&rec.lock, NULL);
    rc = parse_opts(&rec, &file, &bind, argc, argv);
    if (rc == 0) {
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &set, &old);
        rc = run(&rec, file, bind, &set);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    } else if (rc == 1) {
        rc = 0;
    }
    kh_redactor_free(rec.redactor);
    pthread_mutex_destroy(&rec.lock);
    return rc;
}
