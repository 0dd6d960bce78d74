/*
 * fuzz.remote_error: what the connector makes of a failed reply, and the
 * redaction everything it says passes through.
 *
 * The input is a reply: a first line "STATUS URL" (the status of the
 * reply, the URL the request went to), "Name: value" header lines, a blank
 * line, then the body. It goes through the pure functions a failed call
 * takes without a network: ks__http_record_failure() (the generic message
 * with a body excerpt and the request id), ks__epicor_map_error() and
 * ks__epicor_remote_error() (Epicor's ErrorMessage/CorrelationId, the IdP's
 * OAuth2 error, licence and concurrency refusals). The BigCommerce and
 * WooCommerce error readers are static behind ks__bc_send/ks__wc_send and
 * so are not reached here (see README.md).
 *
 * Invariants: no configured secret appears in the recorded message or
 * request id; the message is one printable line; the mapped code is the
 * HTTP code except for the documented 400/409 refusals; a secret query
 * parameter's value never survives ks_redact_url(); a secret header's
 * value never survives ks_redact_header(); ks_redact_mask() leaves none
 * of its secrets behind; a truncated redaction is a prefix of the whole.
 */
#include "fuzz.h"
#include "epicor/epicor_int.h"
#include "http/http_int.h"

#define TARGET "fuzz_remote_error"
#define API_KEY "fz-apikey-3k9d0c"
#define PASSWORD "Fz-Pa55-word!"
#define EXTRA_SECRET "CorrSecret-77aa"
/* Appended as a secret parameter; the input must not hold it already. */
#define MARKER "QZXVmarker9J"

static const char *const secrets[] = {API_KEY, PASSWORD, EXTRA_SECRET};

static struct ks_client *client;
static struct ks_epicor *epi;

static void setup(void)
{
    struct ks_epicor_options o = KS_EPICOR_OPTIONS_INIT;

    if (epi)
        return;
    if (ks_client_new(&client, NULL) != KS_OK ||
        ks_client_add_secret(client, EXTRA_SECRET) != KS_OK)
        abort();
    o.server_url = "https://erp.example";
    o.instance = "SaaS5333";
    o.company = "EPIC06";
    o.api_key = API_KEY;
    o.auth = KS_EPICOR_AUTH_BASIC;
    o.username = "integration";
    o.password = PASSWORD;
    if (ks_epicor_new(&epi, client, &o) != KS_OK)
        abort();
}

static void no_secret_in(const char *text, const char *where)
{
    for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
        if (strstr(text, secrets[i]))
            fuzz_violation(TARGET, where);
    }
}

/* "STATUS URL": a status from 100 to 599 (else 400) and the rest. */
static long parse_first(const char *first, const char **url)
{
    long status = 0;
    const char *p = first;

    while (*p >= '0' && *p <= '9' && status < 1000)
        status = status * 10 + (*p++ - '0');
    if (p == first || status < 100 || status > 599)
        status = 400;
    while (*p == ' ')
        p++;
    *url = p;
    return status;
}

static void check_error(const struct ks_error *e, ks_rc mapped)
{
    if (e->rc != mapped)
        fuzz_violation(TARGET, "the slot's code is not the mapped code");
    if (e->message[0] == '\0')
        fuzz_violation(TARGET, "a failure without a message");
    for (const char *p = e->message; *p; p++) {
        if (*p == '\n' || *p == '\r')
            fuzz_violation(TARGET, "the message is not one line");
    }
    no_secret_in(e->message, "a secret in the error message");
    no_secret_in(e->remote_id, "a secret in the remote id");
}

static void fuzz_epicor(const struct fuzz_message *m, long status,
                        const char *url)
{
    struct ks__http_request req = KS__HTTP_REQUEST_INIT;
    struct ks__http_reply reply = KS__HTTP_REPLY_INIT;
    const char *msg, *corr;
    char *redacted;
    cJSON *json;
    ks_rc rc, mapped, direct;

    for (size_t i = 0; i < m->nheaders; i++) {
        size_t n = strlen(m->name[i]) + strlen(m->value[i]) + 3;
        char *line = malloc(n);
        struct curl_slist *grown;

        if (!line)
            abort();
        snprintf(line, n, "%s: %s", m->name[i], m->value[i]);
        grown = curl_slist_append(reply.headers, line);
        free(line);
        if (!grown)
            abort();
        reply.headers = grown;
    }
    reply.status = status;
    reply.body = fuzz_strndup(m->body, m->body_len);
    reply.len = m->body_len;
    reply.attempts = 1;
    req.url = url;
    rc = ks__http_status_rc(status);
    if (rc == KS_OK)
        rc = KS_EREMOTE;

    ks__error_clear(ks__client_error(client));
    redacted = ks__http_redacted_url(url);
    ks__http_record_failure(client, rc, &req, redacted, &reply, CURLE_OK);
    mapped = ks__epicor_remote_error(epi, &reply, rc);
    if (mapped != rc && !(mapped == KS_ELICENSE && status == 400) &&
        !(mapped == KS_ECONFLICT && (status == 400 || status == 409)))
        fuzz_violation(TARGET, "an unexpected mapping of an Epicor error");
    check_error(ks_client_last_error(client), mapped);

    direct = ks__epicor_map_error(&json, &msg, &corr, status, rc, reply.body,
                                  reply.len);
    if (direct != mapped)
        fuzz_violation(TARGET, "ks__epicor_map_error disagrees with itself");
    if ((msg || corr) && !cJSON_IsObject(json))
        fuzz_violation(TARGET, "a message from a body that is no object");
    cJSON_Delete(json);
    ks__free(redacted);
    free(reply.body);
    curl_slist_free_all(reply.headers);
}

/* ---- redaction ---------------------------------------------------------- */

static char *redact_url(const char *url)
{
    size_t need = ks_redact_url(NULL, 0, url);
    char *out = malloc(need + 1), small[16];

    if (!out)
        abort();
    if (ks_redact_url(out, need + 1, url) != need || strlen(out) != need)
        fuzz_violation(TARGET, "ks_redact_url: length contract broken");
    ks_redact_url(small, sizeof(small), url);
    if (strncmp(small, out, sizeof(small) - 1) != 0 ||
        strlen(small) != (need < sizeof(small) ? need : sizeof(small) - 1))
        fuzz_violation(TARGET, "ks_redact_url: truncation is no prefix");
    return out;
}

/* Redacts url with name=MARKER added to its query (before any '#') or,
 * when in_fragment, to its fragment (which is redacted like a query when
 * it looks like one); the marker must not come out. */
static void check_secret_param(const char *url, const char *name,
                               int in_fragment)
{
    size_t len = strlen(url), n = len + strlen(name) + sizeof(MARKER) + 3;
    const char *hash = strchr(url, '#');
    size_t cut = in_fragment || !hash ? len : (size_t)(hash - url);
    char *with = malloc(n), *out;
    char sep;

    if (!with)
        abort();
    if (in_fragment)
        sep = hash ? '&' : '#';
    else
        sep = memchr(url, '?', cut) ? '&' : '?';
    snprintf(with, n, "%.*s%c%s=%s%s", (int)cut, url, sep, name, MARKER,
             url + cut);
    out = redact_url(with);
    if (strstr(out, MARKER)) {
        fprintf(stderr, "%s: url \"%s\" redacted to \"%s\"\n", TARGET, with,
                out);
        fuzz_violation(TARGET, "a secret parameter survived redaction");
    }
    free(out);
    free(with);
}

static void fuzz_redact_url(const char *url)
{
    static const char *const names[] = {"consumer_secret", "api-key",
                                        "password", "access_token"};

    free(redact_url(url));
    if (strstr(url, MARKER))
        return;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        check_secret_param(url, names[i], 0);
    check_secret_param(url, "access_token", 1);
}

static void fuzz_redact_headers(const struct fuzz_message *m)
{
    for (size_t i = 0; i < m->nheaders; i++) {
        const char *name = m->name[i], *value = m->value[i];
        int secret = ks_redact_is_secret_header(name);
        size_t need = ks_redact_header(NULL, 0, name, value);
        size_t n = strlen(name) + strlen(value) + sizeof(KS_REDACTED) + 3;
        char *out = malloc(need + 1), *want = malloc(n);

        if (!out || !want)
            abort();
        ks_redact_header(out, need + 1, name, value);
        snprintf(want, n, "%s: %s", name, secret ? KS_REDACTED : value);
        if (strcmp(out, want) != 0)
            fuzz_violation(TARGET, "ks_redact_header: unexpected output");
        free(out);
        free(want);
    }
}

/* The header values (without '*', which the mask writes) as secrets:
 * none may remain in the masked body. */
static void fuzz_mask(const struct fuzz_message *m)
{
    const char *list[FUZZ_MAX_HEADERS];
    size_t n = 0;
    char *buf = fuzz_strndup(m->body, m->body_len);

    for (size_t i = 0; i < m->nheaders; i++) {
        if (!strchr(m->value[i], '*'))
            list[n++] = m->value[i];
    }
    ks_redact_mask(buf, m->body_len, list, n);
    for (size_t i = 0; i < n; i++) {
        if (list[i][0] &&
            fuzz_contains(buf, m->body_len, list[i], strlen(list[i])))
            fuzz_violation(TARGET, "ks_redact_mask left a secret behind");
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_message m;
    const char *url;
    long status;

    setup();
    fuzz_message_parse(&m, data, size, 1);
    status = parse_first(m.first, &url);
    fuzz_epicor(&m, status, url);
    fuzz_redact_url(url);
    fuzz_redact_headers(&m);
    fuzz_mask(&m);
    fuzz_message_dispose(&m);
    return 0;
}
