/*
 * Request journals as HAR 1.2 (the HTTP Archive format browsers and HTTP
 * tools read), so recorded traffic can be looked at, diffed and shared.
 * Journals are redacted when written, so a HAR made from them is too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <kx/alloc.h>
#include <kx/time.h>
#include "engine.h"
#include "jobs.h"

static void must(int ok)
{
    if (!ok) {
        fputs("kinsync: out of memory\n", stderr);
        abort();
    }
}

static cJSON *pair(const char *name, const char *value)
{
    cJSON *o = cJSON_CreateObject();

    must(o && cJSON_AddStringToObject(o, "name", name) &&
         cJSON_AddStringToObject(o, "value", value));
    return o;
}

/* {"Name": "value"} -> [{"name", "value"}]; the Content-Type into *type. */
static cJSON *header_list(const cJSON *headers, const char **type)
{
    cJSON *list = cJSON_CreateArray();
    const cJSON *h;

    must(list != NULL);
    cJSON_ArrayForEach(h, headers)
    {
        const char *v = cJSON_IsString(h) ? h->valuestring : "";

        if (type && strcasecmp(h->string, "Content-Type") == 0)
            *type = v;
        must(cJSON_AddItemToArray(list, pair(h->string, v)));
    }
    return list;
}

/* "a=1&b=2" -> [{"name":"a","value":"1"}, ...], still percent-encoded
 * (HAR keeps the text as sent). */
static cJSON *query_list(const char *query)
{
    cJSON *list = cJSON_CreateArray();

    must(list != NULL);
    while (query && *query) {
        size_t len = strcspn(query, "&"), eq = strcspn(query, "=");
        char name[512], value[2048];

        if (eq > len)
            eq = len;
        snprintf(name, sizeof(name), "%.*s", (int)eq, query);
        snprintf(value, sizeof(value), "%.*s",
                 eq < len ? (int)(len - eq - 1) : 0,
                 eq < len ? query + eq + 1 : "");
        if (len)
            must(cJSON_AddItemToArray(list, pair(name, value)));
        query += len + (query[len] == '&');
    }
    return list;
}

cJSON *kh_har_entry(const cJSON *e, const char *base_url)
{
    const char *query = kx_json_str(e, "query"), *body = kx_json_str(e, "body");
    const char *rbody = kx_json_str(e, "response_body");
    const char *req_type = NULL, *res_type = NULL;
    cJSON *out = cJSON_CreateObject(), *req, *res, *content, *comment;
    char url[8192], when[KX_ISO8601_MAX];

    must(out != NULL);
    snprintf(url, sizeof(url), "%s%s%s%s", base_url, kx_json_str(e, "path"),
             query && *query ? "?" : "", query ? query : "");
    kx_iso8601_format(when, (int64_t)kx_json_num(e, "wall_ms", 0),
                      KX_ISO8601_MS | KX_ISO8601_Z);
    req = cJSON_CreateObject();
    res = cJSON_CreateObject();
    content = cJSON_CreateObject();
    must(req && res && content);
    must(cJSON_AddStringToObject(req, "method", kx_json_str(e, "method")) &&
         cJSON_AddStringToObject(req, "url", url) &&
         cJSON_AddStringToObject(req, "httpVersion", "HTTP/1.1") &&
         cJSON_AddItemToObject(req, "cookies", cJSON_CreateArray()) &&
         cJSON_AddItemToObject(
             req, "headers",
             header_list(cJSON_GetObjectItemCaseSensitive(e, "headers"),
                         &req_type)) &&
         cJSON_AddItemToObject(req, "queryString", query_list(query)) &&
         cJSON_AddNumberToObject(req, "headersSize", -1) &&
         cJSON_AddNumberToObject(req, "bodySize",
                                 body ? (double)strlen(body) : 0));
    if (body && *body) {
        cJSON *post = cJSON_CreateObject();

        must(post &&
             cJSON_AddStringToObject(post, "mimeType",
                                     req_type ? req_type : "") &&
             cJSON_AddStringToObject(post, "text", body) &&
             cJSON_AddItemToObject(req, "postData", post));
    }
    must(cJSON_AddNumberToObject(res, "status", kx_json_num(e, "status", 0)) &&
         cJSON_AddStringToObject(res, "statusText", "") &&
         cJSON_AddStringToObject(res, "httpVersion", "HTTP/1.1") &&
         cJSON_AddItemToObject(res, "cookies", cJSON_CreateArray()) &&
         cJSON_AddItemToObject(res, "headers",
                               header_list(cJSON_GetObjectItemCaseSensitive(
                                               e, "response_headers"),
                                           &res_type)));
    must(cJSON_AddNumberToObject(content, "size",
                                 rbody ? (double)strlen(rbody) : 0) &&
         cJSON_AddStringToObject(content, "mimeType",
                                 res_type ? res_type : "") &&
         cJSON_AddStringToObject(content, "text", rbody ? rbody : "") &&
         cJSON_AddItemToObject(res, "content", content) &&
         cJSON_AddStringToObject(res, "redirectURL", "") &&
         cJSON_AddNumberToObject(res, "headersSize", -1) &&
         cJSON_AddNumberToObject(res, "bodySize",
                                 rbody ? (double)strlen(rbody) : 0));
    comment = cJSON_CreateObject();
    must(comment != NULL);
    /* What HAR has no field for: the emulator, the virtual time and the
     * fault that answered, in the entry's "_kinsync" extension. */
    must(cJSON_AddStringToObject(comment, "system", kx_json_str(e, "system")) &&
         cJSON_AddNumberToObject(comment, "seq", kx_json_num(e, "seq", 0)) &&
         cJSON_AddNumberToObject(comment, "virtual_ms",
                                 kx_json_num(e, "virtual_ms", 0)));
    if (kx_json_str(e, "route"))
        must(cJSON_AddStringToObject(comment, "route",
                                     kx_json_str(e, "route")) != NULL);
    if (kx_json_str(e, "fault"))
        must(cJSON_AddStringToObject(comment, "fault",
                                     kx_json_str(e, "fault")) != NULL);
    must(cJSON_AddStringToObject(out, "startedDateTime", when) &&
         cJSON_AddNumberToObject(out, "time", 0) &&
         cJSON_AddItemToObject(out, "request", req) &&
         cJSON_AddItemToObject(out, "response", res) &&
         cJSON_AddItemToObject(out, "cache", cJSON_CreateObject()));
    {
        cJSON *t = cJSON_CreateObject();

        must(t && cJSON_AddNumberToObject(t, "send", 0) &&
             cJSON_AddNumberToObject(t, "wait", 0) &&
             cJSON_AddNumberToObject(t, "receive", 0) &&
             cJSON_AddItemToObject(out, "timings", t));
    }
    must(cJSON_AddItemToObject(out, "_kinsync", comment));
    return out;
}

cJSON *kh_har_new(void)
{
    cJSON *har = cJSON_CreateObject(), *log = cJSON_CreateObject();
    cJSON *creator = cJSON_CreateObject();

    must(har && log && creator &&
         cJSON_AddStringToObject(log, "version", "1.2") &&
         cJSON_AddStringToObject(creator, "name", "kinsync") &&
         cJSON_AddStringToObject(creator, "version", KS_VERSION_STRING) &&
         cJSON_AddItemToObject(log, "creator", creator) &&
         cJSON_AddItemToObject(log, "entries", cJSON_CreateArray()) &&
         cJSON_AddItemToObject(har, "log", log));
    return har;
}

void kh_har_add_journal(cJSON *har, const cJSON *journal, const char *base_url)
{
    cJSON *entries = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(har, "log"), "entries");
    const cJSON *e;

    cJSON_ArrayForEach(e, journal)
    {
        must(cJSON_AddItemToArray(entries, kh_har_entry(e, base_url)));
    }
}

static int by_time(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    int c = strcmp(kx_json_str(x, "startedDateTime"),
                   kx_json_str(y, "startedDateTime"));
    const cJSON *kx = cJSON_GetObjectItemCaseSensitive(x, "_kinsync");
    const cJSON *ky = cJSON_GetObjectItemCaseSensitive(y, "_kinsync");

    if (c)
        return c;
    c = strcmp(kx_json_str(kx, "system"), kx_json_str(ky, "system"));
    if (c)
        return c;
    return (kx_json_num(kx, "seq", 0) > kx_json_num(ky, "seq", 0)) -
           (kx_json_num(kx, "seq", 0) < kx_json_num(ky, "seq", 0));
}

void kh_har_finish(cJSON *har)
{
    cJSON *entries = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(har, "log"), "entries");
    int n = cJSON_GetArraySize(entries);
    cJSON **v;

    if (n < 2)
        return;
    v = kx_xcalloc((size_t)n, sizeof(*v));
    must(v != NULL);
    for (int i = 0; i < n; i++)
        v[i] = cJSON_DetachItemFromArray(entries, 0);
    qsort(v, (size_t)n, sizeof(*v), by_time);
    for (int i = 0; i < n; i++)
        must(cJSON_AddItemToArray(entries, v[i]));
    free(v);
}
