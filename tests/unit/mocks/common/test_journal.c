/* The request journal: its fields, order, limits and redaction. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <cmocka.h>
#include <kx/utf8.h>
#include "common/server_int.h"
#include <kinsync/log.h>
#include "kt.h"

#define ADDED_SECRET "added-s3cret-9f8e"

struct fixture {
    struct kt_served s; /* first: kt_served_teardown() */
};

/* Answers with the request body, so secrets come back in the reply too,
 * plus a cookie. */
static void echo(struct km_response *res, const struct km_request *req,
                 void *state)
{
    (void)state;
    km_response_set(res, 200, "text/plain", req->body, req->body_len);
    km_response_header(res, "Set-Cookie", "session=cookie-EEEE");
    km_response_header(res, "X-Plain", "plain-value");
}

static const struct km_route routes[] = {
    {"*", "/echo/*", echo},
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct km_server_options opts;
    assert_non_null(f);
    memset(&opts, 0, sizeof(opts));
    opts.name = "epicor";
    opts.routes = routes;
    opts.nroutes = 1;
    kt_served_start(&f->s, &opts);
    *state = f;
    return 0;
}

static void post(struct fixture *f, const char *path_query,
                 const char *const *headers, const char *body)
{
    struct kt_request rq = {
        .headers = headers, .body = body, .len = body ? strlen(body) : 0};
    struct kt_reply r;
    char url[512];

    snprintf(url, sizeof(url), "%s%s", km_server_url(f->s.server), path_query);
    kt_http(&r, url, &rq);
    assert_int_equal(r.cc, CURLE_OK);
    kt_reply_dispose(&r);
}

static void entry_has_every_documented_field(void **state)
{
    struct fixture *f = *state;
    const char *hdrs[] = {"X-Trace-Id: abc", NULL};
    cJSON *j, *e;

    ks_clock_advance_ms(f->s.clock, 5000);
    post(f, "/echo/x?a=1", hdrs, "hello");
    j = km_server_journal(f->s.server);
    assert_int_equal(cJSON_GetArraySize(j), 1);
    e = cJSON_GetArrayItem(j, 0);
    assert_int_equal(cJSON_GetObjectItem(e, "seq")->valueint, 1);
    assert_string_equal(cJSON_GetObjectItem(e, "system")->valuestring,
                        "epicor");
    assert_string_equal(cJSON_GetObjectItem(e, "method")->valuestring, "POST");
    assert_string_equal(cJSON_GetObjectItem(e, "path")->valuestring, "/echo/x");
    assert_string_equal(cJSON_GetObjectItem(e, "query")->valuestring, "a=1");
    /* The header name keeps the client's case. */
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(e, "headers"), "X-Trace-Id")
            ->valuestring,
        "abc");
    assert_non_null(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItem(e, "headers"), "X-Trace-Id"));
    assert_string_equal(cJSON_GetObjectItem(e, "body")->valuestring, "hello");
    assert_int_equal(cJSON_GetObjectItem(e, "status")->valueint, 200);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(e, "response_headers"),
                            "X-Plain")
            ->valuestring,
        "plain-value");
    assert_string_equal(cJSON_GetObjectItem(e, "response_body")->valuestring,
                        "hello");
    assert_true(cJSON_GetObjectItem(e, "virtual_ms")->valuedouble ==
                (double)(KT_START_MS + 5000));
    assert_true(cJSON_GetObjectItem(e, "wall_ms")->valuedouble > 1.6e12);
    assert_string_equal(cJSON_GetObjectItem(e, "route")->valuestring,
                        "POST /echo/*");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(e, "fault")));
    cJSON_Delete(j);
}

static void unrouted_request_has_null_route(void **state)
{
    struct fixture *f = *state;
    struct kt_reply r;
    cJSON *j, *e;

    kt_http_get(&r, km_server_url(f->s.server), "/nope");
    assert_int_equal(r.status, 404);
    kt_reply_dispose(&r);
    j = km_server_journal(f->s.server);
    e = cJSON_GetArrayItem(j, 0);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(e, "route")));
    assert_int_equal(cJSON_GetObjectItem(e, "status")->valueint, 404);
    cJSON_Delete(j);
}

static void entries_are_ordered_counted_and_cleared(void **state)
{
    struct fixture *f = *state;
    cJSON *j;

    post(f, "/echo/1", NULL, NULL);
    post(f, "/echo/2", NULL, NULL);
    post(f, "/echo/3", NULL, NULL);
    assert_int_equal(km_server_journal_count(f->s.server), 3);
    j = km_server_journal(f->s.server);
    for (int i = 0; i < 3; i++) {
        cJSON *e = cJSON_GetArrayItem(j, i);
        char want[16];
        snprintf(want, sizeof(want), "/echo/%d", i + 1);
        assert_string_equal(cJSON_GetObjectItem(e, "path")->valuestring, want);
        assert_int_equal(cJSON_GetObjectItem(e, "seq")->valueint, i + 1);
    }
    cJSON_Delete(j);
    km_server_journal_clear(f->s.server);
    assert_int_equal(km_server_journal_count(f->s.server), 0);
    post(f, "/echo/4", NULL, NULL);
    j = km_server_journal(f->s.server);
    /* seq keeps counting across a clear */
    assert_int_equal(
        cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "seq")->valueint, 4);
    cJSON_Delete(j);
}

/* How often the server's first fault rule fired. */
static int fired(struct km_server *server)
{
    cJSON *counts = km_server_faults_fired(server);
    int n = cJSON_GetArrayItem(counts, 0)->valueint;

    cJSON_Delete(counts);
    return n;
}

struct slow_call {
    const char *base;
    struct kt_reply reply;
};

static void *slow_get(void *arg)
{
    struct slow_call *c = arg;

    kt_http_get(&c->reply, c->base, "/echo/slow");
    return NULL;
}

/* A request that finishes after later ones is filed in seq order, in the
 * middle of the journal: a server's requests overlap freely. On a real
 * clock a delay fault really waits, outside the server lock. */
static void late_finisher_is_filed_in_seq_order(void **state)
{
    struct km_server_options opts;
    struct km_server *server;
    struct slow_call slow;
    struct kt_reply r;
    struct timespec nap = {0, 10 * 1000000};
    cJSON *rule = cJSON_Parse("{\"route\": \"GET /echo/slow\", "
                              "\"delay_ms\": 1000}");
    const char *expect[] = {"/echo/1", "/echo/slow", "/echo/3", "/echo/4"};
    pthread_t thread;
    char err[256];
    cJSON *j;

    (void)state;
    memset(&opts, 0, sizeof(opts));
    opts.name = "epicor";
    opts.routes = routes;
    opts.nroutes = 1;
    assert_int_equal(km_server_start(&server, &opts, err, sizeof(err)), 0);
    assert_int_equal(km_server_faults_add(server, rule, err, sizeof(err)), 0);
    cJSON_Delete(rule);
    slow.base = km_server_url(server);
    kt_http_get(&r, slow.base, "/echo/1");
    kt_reply_dispose(&r);
    assert_int_equal(pthread_create(&thread, NULL, slow_get, &slow), 0);
    /* The fault fires after the slow request took its seq and before its
     * delay: wait for that (bounded), then send the later ones. */
    for (int i = 0; i < 500 && fired(server) == 0; i++)
        nanosleep(&nap, NULL);
    assert_int_equal(fired(server), 1);
    kt_http_get(&r, slow.base, "/echo/3");
    kt_reply_dispose(&r);
    kt_http_get(&r, slow.base, "/echo/4");
    kt_reply_dispose(&r);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_int_equal(slow.reply.status, 200);
    kt_reply_dispose(&slow.reply);
    j = km_server_journal(server);
    assert_int_equal(cJSON_GetArraySize(j), 4);
    for (int i = 0; i < 4; i++) {
        cJSON *e = cJSON_GetArrayItem(j, i);

        assert_int_equal(cJSON_GetObjectItem(e, "seq")->valueint, i + 1);
        assert_string_equal(cJSON_GetObjectItem(e, "path")->valuestring,
                            expect[i]);
    }
    cJSON_Delete(j);
    km_server_stop(server);
}

static void a_bounded_journal_drops_the_oldest(void **state)
{
    struct fixture *f = *state;
    cJSON *j;

    km_server_set_journal_max(f->s.server, 3);
    for (int i = 1; i <= 5; i++) {
        char path[16];

        snprintf(path, sizeof(path), "/echo/%d", i);
        post(f, path, NULL, NULL);
    }
    assert_int_equal(km_server_journal_count(f->s.server), 3);
    assert_int_equal(km_server_journal_dropped(f->s.server), 2);
    j = km_server_journal(f->s.server);
    assert_int_equal(cJSON_GetArraySize(j), 3);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "path")->valuestring,
        "/echo/3");
    cJSON_Delete(j);
    km_server_set_journal_max(f->s.server, 1); /* shrinking drops at once */
    assert_int_equal(km_server_journal_count(f->s.server), 1);
    assert_int_equal(km_server_journal_dropped(f->s.server), 4);
}

/* The byte bound: 40 KiB bodies (the reply cut at 8 KiB) against a
 * 200 KiB bound keep the newest few entries, the count and the accounting
 * agree, and clearing resets it. */
static void a_journal_bounded_by_bytes_drops_the_oldest(void **state)
{
    struct fixture *f = *state;
    size_t n = 40 * 1024, bound = 200 * 1024, kept;
    char *big = malloc(n + 1), path[16];
    cJSON *j;

    assert_non_null(big);
    memset(big, 'b', n);
    big[n] = '\0';
    km_server_set_journal_max_bytes(f->s.server, bound);
    for (int i = 1; i <= 10; i++) {
        snprintf(path, sizeof(path), "/echo/%d", i);
        post(f, path, NULL, big); /* 48 KiB an entry: body and cut reply */
    }
    kept = km_server_journal_count(f->s.server);
    assert_true(kept >= 2 && kept <= 4);
    assert_int_equal(km_server_journal_dropped(f->s.server), 10 - kept);
    assert_true(km_server_journal_bytes(f->s.server) <= bound);
    assert_true(km_server_journal_bytes(f->s.server) >=
                kept * (n + KM_JOURNAL_RESPONSE_MAX));
    j = km_server_journal(f->s.server);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetArrayItem(j, (int)kept - 1), "path")
            ->valuestring,
        "/echo/10");
    cJSON_Delete(j);
    /* the newest stays even when it alone is over the bound */
    km_server_set_journal_max_bytes(f->s.server, 1);
    assert_int_equal(km_server_journal_count(f->s.server), 1);
    km_server_journal_clear(f->s.server);
    assert_int_equal(km_server_journal_bytes(f->s.server), 0);
    km_server_set_journal_max_bytes(f->s.server, 0); /* unbounded */
    for (int i = 0; i < 5; i++)
        post(f, "/echo/u", NULL, big);
    assert_int_equal(km_server_journal_count(f->s.server), 5);
    free(big);
}

/* The default bound holds a long run of full-size exchanges to 16 MiB. */
static void the_default_byte_bound_is_16_mib(void **state)
{
    struct fixture *f = *state;
    size_t n = 100 * 1024; /* cut to 64 KiB and 8 KiB in the journal */
    char *big = malloc(n + 1);

    assert_non_null(big);
    memset(big, 'd', n);
    big[n] = '\0';
    assert_int_equal(KM_JOURNAL_MAX_BYTES, 16u << 20);
    for (int i = 0; i < 300; i++)
        post(f, "/echo/d", NULL, big);
    assert_true(km_server_journal_bytes(f->s.server) <= KM_JOURNAL_MAX_BYTES);
    assert_true(km_server_journal_bytes(f->s.server) >
                KM_JOURNAL_MAX_BYTES - 200 * 1024);
    assert_true(km_server_journal_dropped(f->s.server) > 0);
    free(big);
}

static void secrets_never_appear_verbatim(void **state)
{
    struct fixture *f = *state;
    const char *hdrs[] = {
        "Authorization: Bearer tok-AAAA-1111",  "x-api-key: key-BBBB-2222",
        "X-Auth-Token: tok-CCCC-3333",          "X-Visible: shown-FFFF",
        "X-Carrier: pre-" ADDED_SECRET "-post", NULL};
    cJSON *j;
    char *text;
    static const char *const never[] = {"tok-AAAA-1111", "key-BBBB-2222",
                                        "tok-CCCC-3333", "cs-DDDD-4444",
                                        "cookie-EEEE",   ADDED_SECRET};

    km_server_add_secret(f->s.server, ADDED_SECRET);
    km_server_add_secret(f->s.server, ""); /* ignored */
    post(f,
         "/echo/" ADDED_SECRET "?consumer_key=ck_x&consumer_secret=cs-DDDD-4444"
         "&page=2&note=" ADDED_SECRET,
         hdrs, "{\"password\":\"" ADDED_SECRET "\",\"n\":1}");
    j = km_server_journal(f->s.server);
    text = cJSON_PrintUnformatted(j);
    for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
        if (strstr(text, never[i]))
            fail_msg("journal shows %s: %s", never[i], text);
    }
    /* The rest is still there, so the check above means something. */
    assert_non_null(strstr(text, "shown-FFFF"));
    assert_non_null(strstr(text, "page=2"));
    assert_non_null(strstr(
        cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "body")->valuestring,
        "\"n\":1"));
    assert_non_null(strstr(text, KS_REDACTED));
    assert_non_null(strstr(text, "\"Authorization\""));
    cJSON_free(text);
    cJSON_Delete(j);
}

/* Issued tokens are masked by form: after 10,000 of them the masking
 * scans for the same patterns as after one, and none shows. */
static void issued_tokens_masked_by_form_at_constant_cost(void **state)
{
    struct fixture *f = *state;
    enum { NTOKENS = 10000 };
    char first[64], last[64], buf[64], probe[] = "x kmtok.aaaa y";
    char hdr[128], path[160], body[256];
    const char *hdrs[] = {hdr, NULL};
    size_t cost_one, cost_many;
    cJSON *j;
    char *text;

    km_server_add_secret(f->s.server, ADDED_SECRET); /* one configured */
    km_server_add_secret_form(f->s.server, "kmtok.");
    snprintf(first, sizeof(first), "kmtok.%08d-Zq", 0);
    km_server_add_secret(f->s.server, first);
    cost_one = km__secrets_mask(f->s.server, probe, strlen(probe));
    assert_string_equal(probe, "x ********** y");
    for (int i = 1; i < NTOKENS; i++) {
        snprintf(buf, sizeof(buf), "kmtok.%08d-Zq", i);
        km_server_add_secret(f->s.server, buf);
    }
    snprintf(last, sizeof(last), "kmtok.%08d-Zq", NTOKENS - 1);
    snprintf(probe, sizeof(probe), "x kmtok.bbbb y");
    cost_many = km__secrets_mask(f->s.server, probe, strlen(probe));
    assert_int_equal(cost_many, cost_one);
    assert_int_equal(cost_one, 2); /* ADDED_SECRET and the form */

    snprintf(hdr, sizeof(hdr), "X-Carrier: %s", last);
    snprintf(path, sizeof(path), "/echo/%s?t=%s", first, last);
    snprintf(body, sizeof(body), "{\"AccessToken\":\"%s\",\"old\":\"%s\"}",
             last, first);
    post(f, path, hdrs, body);
    j = km_server_journal(f->s.server);
    text = cJSON_PrintUnformatted(j);
    if (strstr(text, "kmtok.") || strstr(text, "-Zq"))
        fail_msg("journal shows a token: %s", text);
    assert_non_null(strstr(text, "\\\"AccessToken\\\":\\\"*****"));
    cJSON_free(text);
    cJSON_Delete(j);
}

static void form_body_parameters_are_redacted(void **state)
{
    struct fixture *f = *state;
    const char *hdrs[] = {"Content-Type: application/x-www-form-urlencoded",
                          NULL};
    cJSON *j;
    const char *body;

    post(f, "/echo/token", hdrs,
         "grant_type=password&username=u&password=pw-GGGG-7777");
    j = km_server_journal(f->s.server);
    body = cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "body")->valuestring;
    assert_null(strstr(body, "pw-GGGG-7777"));
    assert_non_null(strstr(body, "grant_type=password"));
    assert_non_null(strstr(body, "password=" KS_REDACTED));
    cJSON_Delete(j);
}

static void long_bodies_are_cut_and_marked(void **state)
{
    struct fixture *f = *state;
    size_t n = 100 * 1024;
    char *big = malloc(n + 1);
    cJSON *j, *e;
    const char *body;

    assert_non_null(big);
    memset(big, 'x', n);
    big[n] = '\0';
    post(f, "/echo/big", NULL, big);
    j = km_server_journal(f->s.server);
    e = cJSON_GetArrayItem(j, 0);
    body = cJSON_GetObjectItem(e, "body")->valuestring;
    assert_true(strlen(body) < KM_JOURNAL_BODY_MAX + 100);
    assert_true(strlen(body) > KM_JOURNAL_BODY_MAX);
    assert_non_null(strstr(body, "...[cut: 65536 of 102400 bytes kept]"));
    assert_memory_equal(body, big, KM_JOURNAL_BODY_MAX);
    /* The reply is cut shorter: the emulator's own answer, not the
     * client's input. */
    body = cJSON_GetObjectItem(e, "response_body")->valuestring;
    assert_string_equal(body + KM_JOURNAL_RESPONSE_MAX,
                        "...[cut: 8192 of 102400 bytes kept]");
    assert_memory_equal(body, big, KM_JOURNAL_RESPONSE_MAX);
    cJSON_Delete(j);
    free(big);
}

/* The journal shows valid UTF-8 of a reply's kept part and reads no
 * further: a bad byte inside the cut is shown repaired (U+FFFD), one
 * beyond it is never looked at, and the marker counts the bytes sent. */
static void replies_are_checked_as_far_as_kept(void **state)
{
    struct fixture *f = *state;
    size_t n = 20 * 1024;
    char *big = malloc(n + 1);
    const char *body;
    cJSON *j;

    assert_non_null(big);
    memset(big, 'u', n);
    big[n] = '\0';
    big[n - 10] = (char)0xFF; /* beyond the response cut only */
    post(f, "/echo/beyond", NULL, big);
    j = km_server_journal(f->s.server);
    body = cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "response_body")
               ->valuestring;
    assert_memory_equal(body, big, KM_JOURNAL_RESPONSE_MAX);
    assert_string_equal(body + KM_JOURNAL_RESPONSE_MAX,
                        "...[cut: 8192 of 20480 bytes kept]");
    cJSON_Delete(j);
    big[100] = (char)0xFF; /* and now inside it too */
    post(f, "/echo/inside", NULL, big);
    j = km_server_journal(f->s.server);
    body = cJSON_GetObjectItem(cJSON_GetArrayItem(j, 1), "response_body")
               ->valuestring;
    assert_memory_equal(body, big, 100);
    assert_memory_equal(body + 100, "\xEF\xBF\xBD", 3);
    assert_true(kx_utf8_valid(body, strlen(body)));
    assert_non_null(strstr(body, "...[cut: 8192 of 20480 bytes kept]"));
    /* the kept bytes, the bad one shown as three */
    assert_int_equal(strstr(body, "...[cut") - body,
                     KM_JOURNAL_RESPONSE_MAX + 2);
    cJSON_Delete(j);
    free(big);
}

/* A recording wants whole pages: with the response cut raised, a 60 KB
 * reply is kept whole (masked), and the next entries follow the new cut
 * only. */
static void the_response_cut_can_be_raised(void **state)
{
    struct fixture *f = *state;
    size_t n = 60 * 1024;
    char *big = malloc(n + 1);
    const char *body;
    cJSON *j;

    assert_non_null(big);
    memset(big, 'r', n);
    big[n] = '\0';
    km_server_add_secret(f->s.server, ADDED_SECRET);
    memcpy(big + n - 100, ADDED_SECRET, strlen(ADDED_SECRET));
    post(f, "/echo/small-cut", NULL, big);
    km_server_set_journal_response_max(f->s.server, KM_JOURNAL_BODY_MAX);
    post(f, "/echo/whole", NULL, big);
    j = km_server_journal(f->s.server);
    body = cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "response_body")
               ->valuestring;
    assert_int_equal(strlen(body), KM_JOURNAL_RESPONSE_MAX +
                                       strlen("...[cut: 8192 of 61440 bytes "
                                              "kept]"));
    body = cJSON_GetObjectItem(cJSON_GetArrayItem(j, 1), "response_body")
               ->valuestring;
    assert_int_equal(strlen(body), n);
    assert_null(strstr(body, "cut"));
    assert_null(strstr(body, ADDED_SECRET));
    assert_memory_equal(body, big, n - 100);
    cJSON_Delete(j);
    free(big);
}

/* A reply is masked only as far as the journal keeps it, yet a secret or
 * a token the cut splits is masked up to the cut, and what lies beyond is
 * not kept at all. */
static void secrets_at_the_reply_cut_are_masked(void **state)
{
    struct fixture *f = *state;
    size_t n = 3 * KM_JOURNAL_RESPONSE_MAX, at = KM_JOURNAL_RESPONSE_MAX - 5;
    char *big = malloc(n + 1);
    const char *body;
    cJSON *j;

    assert_non_null(big);
    km_server_add_secret(f->s.server, ADDED_SECRET);
    km_server_add_secret_form(f->s.server, "kmtok.");
    memset(big, 'y', n);
    big[n] = '\0';
    memcpy(big + 10, ADDED_SECRET, strlen(ADDED_SECRET));
    memcpy(big + 100, "kmtok.abc", 9); /* a token that runs on: 'y' */
    memcpy(big + 200, "  ", 2);        /* ends the token */
    memcpy(big + at, ADDED_SECRET, strlen(ADDED_SECRET));
    memcpy(big + 2 * KM_JOURNAL_RESPONSE_MAX, ADDED_SECRET,
           strlen(ADDED_SECRET));
    post(f, "/echo/cut", NULL, big);
    j = km_server_journal(f->s.server);
    body = cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "response_body")
               ->valuestring;
    assert_null(strstr(body, "added-"));
    assert_null(strstr(body, "kmtok."));
    for (size_t i = 0; i < strlen(ADDED_SECRET); i++)
        assert_int_equal(body[10 + i], '*');
    for (size_t i = 100; i < 200; i++)
        assert_int_equal(body[i], '*');
    assert_memory_equal(body + 200, "  yy", 4);
    for (size_t i = at; i < KM_JOURNAL_RESPONSE_MAX; i++)
        assert_int_equal(body[i], '*');
    assert_memory_equal(body + at - 2, "yy*", 3);
    assert_non_null(strstr(body, "...[cut: 8192 of 24576 bytes kept]"));
    cJSON_Delete(j);
    free(big);
}

/* Entries are masked when they are read: a token running into the cut
 * is masked up to it and the marker stays whole; a token prefix the cut
 * splits is masked as far as it is kept; a secret added after a request
 * is masked in it too. */
static void tokens_at_the_cut_and_late_secrets_are_masked(void **state)
{
    struct fixture *f = *state;
    size_t n = 2 * KM_JOURNAL_RESPONSE_MAX, max = KM_JOURNAL_RESPONSE_MAX;
    char *big = malloc(n + 1);
    const char *body, *marker;
    cJSON *j;

    assert_non_null(big);
    km_server_add_secret_form(f->s.server, "kmtok.");
    memset(big, 'y', n);
    big[n] = '\0';
    memcpy(big + max - 40, "kmtok.", 6); /* runs on past the cut */
    post(f, "/echo/runs-on", NULL, big);
    memset(big, ' ', n);
    memcpy(big + max - 3, "kmtok.abc", 9); /* "kmt" kept */
    memcpy(big + 50, "late-secret-1234", 16);
    post(f, "/echo/split", NULL, big);
    km_server_add_secret(f->s.server, "late-secret-1234");
    j = km_server_journal(f->s.server);

    body = cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "response_body")
               ->valuestring;
    marker = body + max;
    for (size_t i = max - 40; i < max; i++)
        assert_int_equal(body[i], '*');
    assert_string_equal(marker, "...[cut: 8192 of 16384 bytes kept]");

    body = cJSON_GetObjectItem(cJSON_GetArrayItem(j, 1), "response_body")
               ->valuestring;
    assert_memory_equal(body + max - 4, " ***...[cut", 11);
    assert_null(strstr(body, "late-secret"));
    assert_memory_equal(body + 50, "****************", 16);
    cJSON_Delete(j);
    free(big);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, kt_served_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(entry_has_every_documented_field),
        T(unrouted_request_has_null_route),
        T(entries_are_ordered_counted_and_cleared),
        T(late_finisher_is_filed_in_seq_order),
        T(a_bounded_journal_drops_the_oldest),
        T(a_journal_bounded_by_bytes_drops_the_oldest),
        T(the_default_byte_bound_is_16_mib),
        T(secrets_never_appear_verbatim),
        T(issued_tokens_masked_by_form_at_constant_cost),
        T(form_body_parameters_are_redacted),
        T(long_bodies_are_cut_and_marked),
        T(replies_are_checked_as_far_as_kept),
        T(secrets_at_the_reply_cut_are_masked),
        T(tokens_at_the_cut_and_late_secrets_are_masked),
        T(the_response_cut_can_be_raised),
    };
    int rc;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
