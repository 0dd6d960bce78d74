/*
 * `kinsync record`: a recording reverse proxy. Each --system gets a
 * loopback proxy (record_proxy.c) that streams every request to its
 * --target with libcurl (TLS verified) and the answer back, and this file
 * appends each exchange to one HAR 1.2 file as it completes, credentials
 * and personal data replaced first (redact.c). Bodies of any size pass
 * through; the HAR keeps the first --body-max bytes of each (record.h
 * has the memory bound).
 */
#include <errno.h>
#include <inttypes.h>
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
#include <kx/json.h>
#include <kx/opt.h>
#include <kx/time.h>
#include "engine.h"
#include "host.h"
#include "record.h"
#include "redact.h"
#include "replay.h"

static const char record_usage[] =
    "usage: kinsync record --system NAME --target URL [--port N]\n"
    "                      [--system NAME --target URL [--port N]]...\n"
    "                      --out FILE.har [--cacert FILE] [--bind ADDR]\n"
    "                      [--pseudonymise FIELD]... [--redact NAME]...\n"
    "                      [--body-max BYTES]\n"
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
    "  --body-max BYTES     bytes of each body the HAR keeps (default 1 MiB,\n"
    "                       at most 32 MiB); bodies stream through whole\n"
    "                       whatever their size, a longer one is recorded\n"
    "                       cut, marked \"_truncated\"\n"
    "  --help               print this text\n"
    "\n"
    "Prints \"NAME URL\" per system (also into KINSYNC_SERVE_READY_FILE when\n"
    "set). Exit status: 0 after a clean stop, 1 when it cannot start, 2 on a\n"
    "usage error.\n";

/* Marks a body kept in part (obj: postData or content): its full size
 * and why the text is shorter. redact.c cuts such a text back to what it
 * can redact whole. */
static void mark_truncated(cJSON *obj, const char *size_key, uint64_t size,
                           size_t kept)
{
    char note[128];

    if (!obj || size <= kept)
        return;
    snprintf(note, sizeof(note),
             "kinsync record kept the first %zu of %" PRIu64 " bytes", kept,
             size);
    if (size_key)
        cJSON_DeleteItemFromObjectCaseSensitive(obj, size_key);
    if ((size_key && !cJSON_AddNumberToObject(obj, size_key, (double)size)) ||
        !cJSON_AddTrueToObject(obj, "_truncated") ||
        !cJSON_AddStringToObject(obj, "comment", note))
        abort();
}

void kh__record_append(struct kh__rec_system *sys, cJSON *journal,
                       uint64_t request_size, uint64_t response_size)
{
    struct kh__recorder *rec = sys->rec;
    cJSON *entry, *req, *res;
    char *text;

    entry = kh_har_entry(journal, sys->target);
    req = cJSON_GetObjectItemCaseSensitive(entry, "request");
    res = cJSON_GetObjectItemCaseSensitive(entry, "response");
    mark_truncated(cJSON_GetObjectItemCaseSensitive(req, "postData"), NULL,
                   request_size, strlen(kx_json_str(journal, "body")));
    if (request_size > strlen(kx_json_str(journal, "body")))
        cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(req, "bodySize"),
                             (double)request_size);
    mark_truncated(cJSON_GetObjectItemCaseSensitive(res, "content"), "size",
                   response_size,
                   strlen(kx_json_str(journal, "response_body")));
    if (response_size > strlen(kx_json_str(journal, "response_body")))
        cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(res, "bodySize"),
                             (double)response_size);
    kh_redact_entry(rec->redactor, sys->name, entry);
    pthread_mutex_lock(&rec->lock);
    cJSON_SetNumberValue(
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(entry, "_kinsync"), "seq"),
        (double)++rec->seq);
    text = cJSON_PrintUnformatted(entry);
    if (!text)
        abort();
    fprintf(rec->out, "%s%s", rec->entries++ ? ",\n" : "", text);
    fflush(rec->out);
    pthread_mutex_unlock(&rec->lock);
    atomic_fetch_add(&sys->recorded, 1);
    free(text);
    cJSON_Delete(entry);
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
static int parse_opts(struct kh__recorder *rec, const char **file,
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
        {"body-max", required_argument, NULL, 'm'},
        {NULL, 0, NULL, 0}};
    struct kh__rec_system *cur = NULL;
    long long max;
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
            if (rec->n == KH__RECORD_MAX_SYSTEMS)
                return kx_usage_error("record", "more than %d systems",
                                      KH__RECORD_MAX_SYSTEMS);
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
        case 'm':
            errno = 0;
            max = strtoll(optarg, &end, 10);
            if (errno || end == optarg || *end || max < 0 ||
                (unsigned long long)max > KH__RECORD_BODY_MAX_LIMIT)
                return kx_usage_error("record",
                                      "bad --body-max \"%s\" (expected "
                                      "0..%zu bytes)",
                                      optarg, KH__RECORD_BODY_MAX_LIMIT);
            rec->body_max = (size_t)max;
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

static int run(struct kh__recorder *rec, const char *file, const char *bind,
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
        struct kh__rec_system *sys = &rec->systems[started];

        if (kh__record_proxy_start(sys, bind, err, sizeof(err)) != 0) {
            fprintf(stderr, "kinsync record: %s: %s\n", sys->name, err);
            goto out;
        }
        kx_buf_printf(&lines, "%s %s\n", sys->name, sys->url);
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
    atomic_store(&rec->stopping, 1);
    for (int i = 0; i < started; i++) {
        kh__record_proxy_stop(&rec->systems[i]); /* exchanges done */
        if (rc == 0)
            fprintf(stderr, "kinsync record: %s: %ld recorded, %ld failed\n",
                    rec->systems[i].name,
                    atomic_load(&rec->systems[i].recorded),
                    atomic_load(&rec->systems[i].failed));
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
    static struct kh__recorder rec; /* large; one per process */
    unsigned char salt[32];
    const char *file = NULL, *bind = "127.0.0.1";
    sigset_t set, old;
    int rc;

    memset(&rec, 0, sizeof(rec));
    rec.body_max = KH__RECORD_BODY_MAX;
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
