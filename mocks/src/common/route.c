/*
 * Route matching and the request/response accessors handlers use.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <strings.h>
#include <curl/curl.h>
#include <kx/utf8.h>
#include "server_int.h"

/* ---- name/value lists -------------------------------------------------- */

void km__kvs_add(struct km__kvs *l, const char *name, size_t nlen,
                 const char *value, size_t vlen)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = kx_xrealloc(l->v, l->cap * sizeof(*l->v));
    }
    l->v[l->n].name = kx_xstrndup(name, nlen);
    l->v[l->n].value = kx_xstrndup(value, vlen);
    l->n++;
}

void km__kvs_set(struct km__kvs *l, const char *name, const char *value)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcasecmp(l->v[i].name, name) == 0) {
            free(l->v[i].value);
            l->v[i].value = kx_xstrdup(value);
            return;
        }
    }
    km__kvs_add(l, name, strlen(name), value, strlen(value));
}

const char *km__kvs_get(const struct km__kvs *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcasecmp(l->v[i].name, name) == 0)
            return l->v[i].value;
    }
    return NULL;
}

void km__kvs_dispose(struct km__kvs *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].name);
        free(l->v[i].value);
    }
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

/* Decodes one form-encoded component into a fresh string. */
char *km_form_decode(const char *s, size_t n)
{
    char *plus = kx_xstrndup(s, n), *dec, *out;
    int len = 0;

    for (char *p = plus; *p; p++) {
        if (*p == '+')
            *p = ' ';
    }
    dec = curl_easy_unescape(NULL, plus, (int)strlen(plus), &len);
    if (!dec)
        abort();
    out = kx_xstrndup(dec, (size_t)len);
    curl_free(dec);
    free(plus);
    return out;
}

void km__query_parse(struct km__kvs *out, const char *query)
{
    const char *p = query ? query : "";

    while (*p) {
        const char *amp = strchr(p, '&');
        size_t n = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        size_t nlen = eq ? (size_t)(eq - p) : n;
        char *name, *value;

        if (n > 0) {
            name = km_form_decode(p, nlen);
            value = eq ? km_form_decode(eq + 1, n - nlen - 1) : kx_xstrdup("");
            km__kvs_add(out, name, strlen(name), value, strlen(value));
            free(name);
            free(value);
        }
        p += n;
        if (*p == '&')
            p++;
    }
}

/* ---- requests ---------------------------------------------------------- */

const char *km_request_header(const struct km_request *req, const char *name)
{
    const struct km__request_impl *impl = req->impl;
    return km__kvs_get(&impl->headers, name);
}

const char *km_request_arg(const struct km_request *req, const char *name)
{
    const struct km__request_impl *impl = req->impl;

    for (size_t i = 0; i < impl->args.n; i++) {
        if (strcmp(impl->args.v[i].name, name) == 0)
            return impl->args.v[i].value;
    }
    return NULL;
}

void km_request_args_each(const struct km_request *req,
                          int (*fn)(void *ud, const char *name,
                                    const char *value),
                          void *ud)
{
    const struct km__request_impl *impl = req->impl;

    for (size_t i = 0; i < impl->args.n; i++) {
        if (fn(ud, impl->args.v[i].name, impl->args.v[i].value))
            return;
    }
}

void km_request_headers_each(const struct km_request *req,
                             int (*fn)(void *ud, const char *name,
                                       const char *value),
                             void *ud)
{
    const struct km__request_impl *impl = req->impl;

    for (size_t i = 0; i < impl->headers.n; i++) {
        if (fn(ud, impl->headers.v[i].name, impl->headers.v[i].value))
            return;
    }
}

cJSON *km_request_json(const struct km_request *req)
{
    /* cJSON takes invalid UTF-8 inside strings and prints it back as is,
     * which would store it and echo it as invalid JSON; the platforms'
     * JSON decoders refuse such a body, so it is malformed here too. */
    if (!req->body_len || !kx_utf8_valid(req->body, req->body_len))
        return NULL;
    return cJSON_ParseWithLength(req->body, req->body_len);
}

/* ---- responses --------------------------------------------------------- */

void km_response_set(struct km_response *res, int status,
                     const char *content_type, const char *body, size_t len)
{
    res->status = status;
    free(res->body);
    res->body = NULL;
    res->len = 0;
    if (body && len) {
        res->body = kx_xstrndup(body, len);
        res->len = len;
    }
    if (content_type)
        km__kvs_set(&res->headers, "Content-Type", content_type);
}

/* The size of the last JSON reply, as the first guess for the next: a
 * page is printed once into a buffer that fits (print.c), then handed to
 * the response and on to libmicrohttpd without a copy. */
static _Atomic size_t json_size_hint = 4096;

void km_response_json(struct km_response *res, int status, cJSON *json)
{
    size_t len;
    char *text;

    km_response_set(res, status, "application/json", NULL, 0);
    if (!json)
        return;
    if (cJSON_IsRaw(json) && !(json->type & cJSON_IsReference) &&
        json->valuestring) {
        /* a raw item is its own text (a page joined from kept texts,
         * common/joined.h): the body, not printed again */
        res->body = json->valuestring;
        res->len = strlen(res->body);
        json->valuestring = NULL;
        cJSON_Delete(json);
        return;
    }
    text = km__json_print(json, json_size_hint + json_size_hint / 8 + 64, &len);
    if (!text)
        abort(); /* a handler built a tree cJSON could not print either */
    res->len = len;
    res->body = text;
    json_size_hint = len;
    cJSON_Delete(json);
}

void km_response_header(struct km_response *res, const char *name,
                        const char *value)
{
    km__kvs_set(&res->headers, name, value ? value : "");
}

int km_response_status(const struct km_response *res)
{
    return res->status;
}

void km__response_dispose(struct km_response *res)
{
    free(res->body);
    res->body = NULL;
    res->len = 0;
    km__kvs_dispose(&res->headers);
}

void km__response_error(struct km_response *res, int status, const char *msg)
{
    cJSON *o = cJSON_CreateObject();

    if (!o || !cJSON_AddStringToObject(o, "error", msg))
        abort();
    km_response_json(res, status, o);
}

/* ---- route patterns ---------------------------------------------------- */

void km__captures_dispose(struct km__captures *caps)
{
    for (size_t i = 0; i < caps->n; i++) {
        free(caps->names[i]);
        free(caps->values[i]);
    }
    caps->n = 0;
}

/* Length of the segment at s: up to the next '/' outside single quotes. */
static size_t segment_len(const char *s)
{
    size_t n = 0;
    int quoted = 0;

    while (s[n] && (quoted || s[n] != '/')) {
        if (s[n] == '\'')
            quoted = !quoted;
        n++;
    }
    return n;
}

/* ASCII case folding only, as IIS compares URL paths; inline, because
 * every route is tried character by character until one matches. */
static int same_char(char a, char b, unsigned flags)
{
    unsigned char x = (unsigned char)a, y = (unsigned char)b;

    if (x == y)
        return 1;
    if (!(flags & KM__ROUTE_NOCASE))
        return 0;
    x = x >= 'A' && x <= 'Z' ? (unsigned char)(x | 0x20) : x;
    y = y >= 'A' && y <= 'Z' ? (unsigned char)(y | 0x20) : y;
    return x == y;
}

int km__route_match(const char *pattern, const char *path, unsigned flags,
                    struct km__captures *caps)
{
    const char *p = pattern, *s = path;
    /* Where each "{name}" and its value lie; copied only on a match, as
     * most routes tried do not match. */
    const char *name[KM_MAX_CAPTURES], *value[KM_MAX_CAPTURES];
    size_t name_len[KM_MAX_CAPTURES], value_len[KM_MAX_CAPTURES], n = 0;

    caps->n = 0;
    while (*p) {
        if (*p == '*' && p[1] == '\0')
            goto match; /* the rest of the path, possibly empty */
        if (*p == '{') {
            const char *close = strchr(p, '}');
            size_t seg = segment_len(s);

            if (!close)
                goto literal;
            if (seg == 0 || n == KM_MAX_CAPTURES)
                return 0;
            name[n] = p + 1;
            name_len[n] = (size_t)(close - p - 1);
            value[n] = s;
            value_len[n++] = seg;
            s += seg;
            p = close + 1;
            continue;
        }
    literal:
        if (!*s || !same_char(*p, *s, flags))
            return 0;
        p++;
        s++;
    }
    if (*s != '\0')
        return 0;
match:
    for (size_t i = 0; i < n; i++) {
        caps->names[i] = kx_xstrndup(name[i], name_len[i]);
        caps->values[i] = kx_xstrndup(value[i], value_len[i]);
    }
    caps->n = n;
    return 1;
}

void km__route_shape_of(struct km__route_shape *out, const char *pattern)
{
    size_t n = strlen(pattern);

    out->slashes = 0;
    for (const char *p = pattern; *p; p++)
        out->slashes += *p == '/';
    out->open = n > 0 && pattern[n - 1] == '*';
}

int km__route_shape_may_match(const struct km__route_shape *shape,
                              size_t path_slashes, int quoted)
{
    if (path_slashes < shape->slashes)
        return 0;
    return shape->open || quoted || path_slashes == shape->slashes;
}

int km__method_listed(const char *list, const char *method)
{
    const char *p = list;
    size_t n = strlen(method);

    if (strcmp(list, "*") == 0)
        return 1;
    while (*p) {
        size_t len = strcspn(p, ",");
        const char *end = p + len;

        while (*p == ' ')
            p++;
        if ((size_t)(end - p) >= n && strncmp(p, method, n) == 0) {
            const char *q = p + n;
            while (q < end && *q == ' ')
                q++;
            if (q == end)
                return 1;
        }
        p = *end ? end + 1 : end;
    }
    return 0;
}

const char *km_route_template(const struct km_route *routes, size_t n,
                              int nocase, int trailing_slash,
                              const char *method, const char *path)
{
    unsigned flags = nocase ? KM__ROUTE_NOCASE : 0;
    struct km__captures caps = {0};
    size_t len = strlen(path);
    char *p = kx_xstrdup(path);
    const char *found = NULL;

    if (trailing_slash && len > 1 && p[len - 1] == '/')
        p[len - 1] = '\0';
    for (size_t i = 0; i < n && !found; i++) {
        if (!km__route_match(routes[i].pattern, p, flags, &caps))
            continue;
        km__captures_dispose(&caps);
        if (km__method_listed(routes[i].method, method))
            found = routes[i].pattern;
    }
    free(p);
    return found;
}

/* ---- path parameters --------------------------------------------------- */

const char *km_request_param(const struct km_request *req, const char *name)
{
    for (size_t i = 0; i < req->ncaptures; i++) {
        if (strcmp(req->capture_names[i], name) == 0)
            return req->captures[i];
    }
    return NULL;
}

/* A decimal integer with an optional sign, as the platforms' ids are. */
static int parse_id(const char *s, int64_t *out)
{
    char *end;
    long long v;

    if (!s || !*s || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int64_t km_request_param_id(const struct km_request *req, const char *name)
{
    int64_t v = 0;

    return parse_id(km_request_param(req, name), &v) == 0 ? v : 0;
}

static int is_id_name(const char *name)
{
    size_t n = strlen(name);

    return strcmp(name, "id") == 0 ||
           (n > 3 && strcmp(name + n - 3, "_id") == 0);
}

int km_route_accept_numeric_ids(const struct km_route *route,
                                const struct km_request *req, void *state)
{
    int64_t v;

    (void)route;
    (void)state;
    for (size_t i = 0; i < req->ncaptures; i++) {
        if (is_id_name(req->capture_names[i]) &&
            parse_id(req->captures[i], &v) != 0)
            return 0;
    }
    return 1;
}
