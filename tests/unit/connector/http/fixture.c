/* The shared fixture of the HTTP end-to-end tests (see fixture.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "fixture.h"

static void add_header(cJSON *o, const char *key, const struct km_request *req,
                       const char *name)
{
    const char *v = km_request_header(req, name);

    cJSON_AddItemToObject(o, key,
                          v ? cJSON_CreateString(v) : cJSON_CreateNull());
}

static void echo(struct km_response *res, const struct km_request *req,
                 void *state)
{
    cJSON *o = cJSON_CreateObject();

    (void)state;
    if (!o)
        abort();
    cJSON_AddStringToObject(o, "method", req->method);
    cJSON_AddNumberToObject(o, "body_len", (double)req->body_len);
    cJSON_AddBoolToObject(o, "body_has_nul", req->body_len > strlen(req->body));
    add_header(o, "accept", req, "Accept");
    add_header(o, "user_agent", req, "User-Agent");
    add_header(o, "content_type", req, "Content-Type");
    add_header(o, "authorization", req, "Authorization");
    km_response_json(res, 200, o);
}

static void hello(struct km_response *res, const struct km_request *req,
                  void *state)
{
    (void)req;
    (void)state;
    km_response_header(res, "X-Request-Id", "req-77");
    km_response_header(res, "Set-Cookie", "sid=cookie-5e1f; HttpOnly");
    km_response_json(res, 200, cJSON_Parse("{\"ok\":true}"));
}

static void big(struct km_response *res, const struct km_request *req,
                void *state)
{
    static char body[8192];

    (void)req;
    (void)state;
    memset(body, 'x', sizeof(body) - 1);
    km_response_set(res, 200, "text/plain", body, sizeof(body) - 1);
}

static void secure(struct km_response *res, const struct km_request *req,
                   void *state)
{
    struct fx *f = state;
    const char *auth = km_request_header(req, "Authorization");
    char want[64];

    snprintf(want, sizeof(want), "Bearer %s", f->valid_token);
    if (!auth || strcmp(auth, want) != 0)
        km_response_json(res, 401, cJSON_Parse("{\"error\":\"expired\"}"));
    else
        km_response_json(res, 200, cJSON_Parse("{\"ok\":true}"));
}

static const struct km_route routes[] = {
    {"*", "/echo", echo},
    {"GET", "/hello", hello},
    {"GET", "/big", big},
    {"GET", "/secure", secure},
};

int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct km_server_options so = {0};
    struct ks_client_options co = KS_CLIENT_OPTIONS_INIT;
    char err[256];

    assert_non_null(f);
    f->log.text = calloc(1, 1); /* "" before the first line */
    assert_non_null(f->log.text);
    assert_int_equal(ks_clock_new_virtual(&f->clock, 1700000000000), KS_OK);
    so.name = "test";
    so.clock = f->clock;
    so.routes = routes;
    so.nroutes = sizeof(routes) / sizeof(routes[0]);
    so.state = f;
    so.hang_ms = 1000; /* real time; the client gives up well before */
    assert_int_equal(km_server_start(&f->server, &so, err, sizeof(err)), 0);
    co.clock = f->clock;
    co.log_fn = kt_log_fn;
    co.log_userdata = &f->log;
    co.log_level = KS_LOG_DEBUG;
    co.jitter_seed = 99;
    co.timeout_ms = 3000;
    co.max_response_bytes = FX_MAX_RESPONSE;
    co.retry.max_attempts = FX_MAX_ATTEMPTS;
    assert_int_equal(ks_client_new(&f->client, &co), KS_OK);
    f->valid_token = FX_TOKEN_OLD;
    *state = f;
    return 0;
}

int fx_teardown(void **state)
{
    struct fx *f = *state;

    ks_client_free(f->client);
    km_server_stop(f->server);
    ks_clock_free(f->clock);
    kt_log_dispose(&f->log);
    free(f);
    return 0;
}

const char *fx_url(struct fx *f, const char *path)
{
    snprintf(f->url, sizeof(f->url), "%s%s", km_server_url(f->server), path);
    return f->url;
}

ks_rc fx_send(struct ks__http_reply *reply, struct fx *f, const char *method,
              const char *path)
{
    struct ks__http_request req = KS__HTTP_REQUEST_INIT;

    req.method = method;
    req.url = fx_url(f, path);
    if (!strcmp(method, "POST") || !strcmp(method, "PUT") ||
        !strcmp(method, "PATCH")) {
        req.body = "{\"a\":1}";
        req.body_len = strlen(req.body);
    }
    return ks__http_send(reply, f->client, &req);
}

int64_t fx_journal_ms(struct fx *f, int n)
{
    cJSON *journal = km_server_journal(f->server);
    cJSON *entry = cJSON_GetArrayItem(journal, n);
    cJSON *ms = cJSON_GetObjectItemCaseSensitive(entry, "virtual_ms");
    int64_t value;

    assert_non_null(ms);
    value = (int64_t)ms->valuedouble;
    cJSON_Delete(journal);
    return value;
}

ks_rc fx_apply_token(void *ud, struct curl_slist **headers, int refresh)
{
    struct fx_auth *a = ud;
    struct curl_slist *grown;

    a->applied++;
    if (refresh) {
        a->refreshes++;
        if (a->fail_refresh)
            return KS_EAUTH;
        if (a->refresh_works)
            a->f->valid_token = FX_TOKEN_NEW;
    }
    grown = curl_slist_append(
        *headers, a->refreshes ? "Authorization: Bearer " FX_TOKEN_NEW
                               : "Authorization: Bearer " FX_TOKEN_OLD);
    if (!grown)
        return KS_ENOMEM;
    *headers = grown;
    return KS_OK;
}
