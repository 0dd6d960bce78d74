/*
 * The request journal. Entries are redacted when written, so a snapshot
 * can be handed to reports and recordings as it is: secret headers and
 * query parameters go through core/redact.c, and every string added with
 * km_server_add_secret, and every token of a form added with
 * km_server_add_secret_form, is masked wherever it appears. Bounded by
 * entries and by bytes, oldest dropped first.
 */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <kinsync/log.h>
#include "server_int.h"

/* Longest body kept per entry; the rest is cut and marked. */
#define KM_JOURNAL_BODY_MAX (64 * 1024)

/* Characters of an issued token after its form's prefix: base64url and
 * '.', the alphabet of a JWT. */
static int token_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/* Whether a form masks all of s: s starts with its prefix and the rest
 * are token characters. Under secrets_lock. */
static int form_covers(const struct km_server *server, const char *s)
{
    for (size_t i = 0; i < server->nforms; i++) {
        const char *p = server->forms[i];
        size_t plen = strlen(p), j;

        if (strncmp(s, p, plen) != 0)
            continue;
        for (j = plen; s[j] && token_char((unsigned char)s[j]); j++)
            ;
        if (!s[j])
            return 1;
    }
    return 0;
}

/* Adds s to list (n entries) unless it is there. Under secrets_lock. */
static void list_add(char ***list, size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++) {
        if (strcmp((*list)[i], s) == 0)
            return;
    }
    *list = kx_xrealloc(*list, (*n + 1) * sizeof(**list));
    (*list)[(*n)++] = kx_xstrdup(s);
}

/* A secret a form already masks is not listed: an emulator may add every
 * token it issues and the list (and the cost of masking) stays the
 * handful of configured credentials. */
void km_server_add_secret(struct km_server *server, const char *secret)
{
    if (!secret || !secret[0])
        return;
    pthread_mutex_lock(&server->secrets_lock);
    if (!form_covers(server, secret))
        list_add(&server->secrets, &server->nsecrets, secret);
    pthread_mutex_unlock(&server->secrets_lock);
}

void km_server_add_secret_form(struct km_server *server, const char *prefix)
{
    if (!prefix || !prefix[0])
        return;
    pthread_mutex_lock(&server->secrets_lock);
    list_add(&server->forms, &server->nforms, prefix);
    pthread_mutex_unlock(&server->secrets_lock);
}

/* Masks each occurrence of s with '*', and with form the token
 * characters after it too. memmem, not a byte-by-byte compare: a 60 KB
 * body is scanned at memory speed. */
static void mask(char *buf, size_t len, const char *s, int form)
{
    size_t slen = strlen(s);
    char *at = buf, *end = buf + len;

    while ((size_t)(end - at) >= slen &&
           (at = memmem(at, (size_t)(end - at), s, slen)) != NULL) {
        memset(at, '*', slen);
        for (at += slen; form && at < end && token_char((unsigned char)*at);
             at++)
            *at = '*';
    }
}

size_t km__secrets_mask(struct km_server *server, char *buf, size_t len)
{
    size_t patterns;

    pthread_mutex_lock(&server->secrets_lock);
    patterns = server->nsecrets + server->nforms;
    for (size_t i = 0; buf && len && i < server->nsecrets; i++)
        mask(buf, len, server->secrets[i], 0);
    for (size_t i = 0; buf && len && i < server->nforms; i++)
        mask(buf, len, server->forms[i], 1);
    pthread_mutex_unlock(&server->secrets_lock);
    return patterns;
}

/* A query string ("a=1&consumer_secret=x") with secret parameters
 * redacted by ks_redact_url (given as a relative URL, so curl does not
 * normalise the rest), then masked. Caller frees. */
static char *redact_query(struct km_server *server, const char *query)
{
    size_t n = strlen(query) + 2, cap = n + 64, need;
    char *url = kx_xmalloc(n), *out = kx_xmalloc(cap), *q, *res;

    snprintf(url, n, "?%s", query);
    need = ks_redact_url(out, cap, url);
    if (need >= cap) {
        out = kx_xrealloc(out, need + 1);
        ks_redact_url(out, need + 1, url);
    }
    q = strchr(out, '?');
    res = kx_xstrdup(q ? q + 1 : "");
    free(out);
    free(url);
    km__secrets_mask(server, res, strlen(res));
    return res;
}

/* The value part of ks_redact_header's "Name: value", masked. */
static char *redact_header(struct km_server *server, const char *name,
                           const char *value)
{
    size_t nlen = strlen(name), cap = nlen + strlen(value) + 64, need;
    char *line = kx_xmalloc(cap), *res;

    need = ks_redact_header(line, cap, name, value);
    if (need >= cap) {
        line = kx_xrealloc(line, need + 1);
        ks_redact_header(line, need + 1, name, value);
    }
    if (strncmp(line, name, nlen) == 0 && line[nlen] == ':')
        res = kx_xstrdup(line + nlen + 1 + (line[nlen + 1] == ' '));
    else
        res =
            kx_xstrdup(ks_redact_is_secret_header(name) ? KS_REDACTED : value);
    free(line);
    km__secrets_mask(server, res, strlen(res));
    return res;
}

/* A body for the journal: form bodies redacted like a query, secrets
 * masked over the whole body (so no secret straddles the cut), then cut at
 * KM_JOURNAL_BODY_MAX with a marker. */
static cJSON *body_item(struct km_server *server, const char *body, size_t len,
                        const char *content_type)
{
    char *copy, marker[64];
    cJSON *item;

    if (len <= KM_JOURNAL_BODY_MAX &&
        !(content_type &&
          strncasecmp(content_type, "application/x-www-form-urlencoded", 33) ==
              0)) {
        /* The common case, copied once: masked in a buffer from cJSON's
         * allocator that the item then owns. */
        copy = cJSON_malloc(len + 1);
        item = cJSON_CreateNull();
        if (!copy || !item)
            abort();
        memcpy(copy, body ? body : "", len);
        copy[len] = '\0';
        km__secrets_mask(server, copy, len);
        item->type = cJSON_String;
        item->valuestring = copy;
        return item;
    }
    if (content_type &&
        strncasecmp(content_type, "application/x-www-form-urlencoded", 33) ==
            0) {
        char *q = kx_xstrndup(body ? body : "", len);
        copy = redact_query(server, q);
        free(q);
        len = strlen(copy);
    } else {
        copy = kx_xstrndup(body ? body : "", len);
        km__secrets_mask(server, copy, len);
    }
    if (len > KM_JOURNAL_BODY_MAX) {
        snprintf(marker, sizeof(marker), "...[cut: %zu of %zu bytes kept]",
                 (size_t)KM_JOURNAL_BODY_MAX, len);
        copy = kx_xrealloc(copy, KM_JOURNAL_BODY_MAX + sizeof(marker));
        memcpy(copy + KM_JOURNAL_BODY_MAX, marker, strlen(marker) + 1);
    }
    item = cJSON_CreateString(copy);
    free(copy);
    if (!item)
        abort();
    return item;
}

static cJSON *headers_item(struct km_server *server, const struct km__kvs *h)
{
    cJSON *obj = cJSON_CreateObject(), *v;

    if (!obj)
        abort();
    for (size_t i = 0; h && i < h->n; i++) {
        char *value = redact_header(server, h->v[i].name, h->v[i].value);
        v = cJSON_CreateString(value);
        free(value);
        if (!v || !cJSON_AddItemToObject(obj, h->v[i].name, v))
            abort();
    }
    return obj;
}

static void add(cJSON *obj, const char *key, cJSON *item)
{
    if (!item || !cJSON_AddItemToObject(obj, key, item))
        abort();
}

static cJSON *string_or_null(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *entry_new(struct km_server *server, const struct km__exchange *x)
{
    cJSON *e = cJSON_CreateObject();
    char *path = kx_xstrdup(x->path), *query = redact_query(server, x->query);
    const char *rtype = x->response_headers
                            ? km__kvs_get(x->response_headers, "Content-Type")
                            : NULL;

    if (!e)
        abort();
    km__secrets_mask(server, path, strlen(path));
    add(e, "seq", cJSON_CreateNumber((double)x->seq));
    add(e, "system", cJSON_CreateString(server->name));
    add(e, "method", cJSON_CreateString(x->method));
    add(e, "path", cJSON_CreateString(path));
    add(e, "query", cJSON_CreateString(query));
    add(e, "headers", headers_item(server, x->headers));
    add(e, "body", body_item(server, x->body, x->body_len, x->content_type));
    add(e, "status", cJSON_CreateNumber(x->status));
    add(e, "response_headers", headers_item(server, x->response_headers));
    add(e, "response_body",
        body_item(server, x->response_body, x->response_len, rtype));
    add(e, "virtual_ms", cJSON_CreateNumber((double)x->virtual_ms));
    add(e, "wall_ms", cJSON_CreateNumber((double)x->wall_ms));
    add(e, "route", string_or_null(x->route));
    add(e, "fault", string_or_null(x->fault));
    free(path);
    free(query);
    return e;
}

uint64_t km__journal_next_seq(struct km_server *server)
{
    uint64_t seq;

    pthread_mutex_lock(&server->journal_lock);
    seq = ++server->seq;
    pthread_mutex_unlock(&server->journal_lock);
    return seq;
}

static double seq_of(const cJSON *entry)
{
    return cJSON_GetObjectItemCaseSensitive(entry, "seq")->valuedouble;
}

/* Links e into cJSON's list right before at (at is in array). Done by
 * hand: Debian 12's libcjson (1.7.15-1+deb12u4) refuses
 * cJSON_InsertItemInArray at any index but 0. */
static void insert_before(cJSON *array, cJSON *at, cJSON *e)
{
    e->next = at;
    if (at == array->child) {
        e->prev = at->prev; /* the head's prev is the tail */
        array->child = e;
    } else {
        e->prev = at->prev;
        at->prev->next = e;
    }
    at->prev = e;
}

/* What an entry costs in memory, roughly: its strings and its nodes. */
static size_t entry_bytes(const cJSON *item)
{
    size_t n = 0;

    for (; item; item = item->next) {
        n += sizeof(*item);
        n += item->string ? strlen(item->string) + 1 : 0;
        n += item->valuestring ? strlen(item->valuestring) + 1 : 0;
        n += entry_bytes(item->child);
    }
    return n;
}

/* Drops the oldest entries until both bounds hold, keeping the newest
 * entry whatever its size. Under journal_lock. */
static void enforce_bounds(struct km_server *server)
{
    while (
        server->journal_len > 0 &&
        ((server->journal_max && server->journal_len > server->journal_max) ||
         (server->journal_max_bytes && server->journal_len > 1 &&
          server->journal_bytes > server->journal_max_bytes))) {
        cJSON *old =
            cJSON_DetachItemViaPointer(server->journal, server->journal->child);

        server->journal_bytes -= entry_bytes(old->child) + sizeof(*old);
        cJSON_Delete(old);
        server->journal_len--;
        server->journal_dropped++;
    }
}

void km__journal_add(struct km_server *server, const struct km__exchange *x)
{
    cJSON *e = entry_new(server, x), *at, *before = NULL;
    size_t bytes = entry_bytes(e->child) + sizeof(*e);

    pthread_mutex_lock(&server->journal_lock);
    /* Requests finish out of order; keep the array sorted by seq. Nearly
     * always the entry goes last, so look from the end (child->prev is the
     * last item in cJSON's list). */
    at = server->journal->child ? server->journal->child->prev : NULL;
    while (at && seq_of(at) > (double)x->seq) {
        before = at;
        at = at == server->journal->child ? NULL : at->prev;
    }
    if (before)
        insert_before(server->journal, before, e);
    else if (!cJSON_AddItemToArray(server->journal, e))
        abort();
    server->journal_len++;
    server->journal_bytes += bytes;
    enforce_bounds(server);
    pthread_mutex_unlock(&server->journal_lock);
}

void km_server_set_journal_max(struct km_server *server, size_t max)
{
    pthread_mutex_lock(&server->journal_lock);
    server->journal_max = max;
    enforce_bounds(server);
    pthread_mutex_unlock(&server->journal_lock);
}

void km_server_set_journal_max_bytes(struct km_server *server, size_t max)
{
    pthread_mutex_lock(&server->journal_lock);
    server->journal_max_bytes = max;
    enforce_bounds(server);
    pthread_mutex_unlock(&server->journal_lock);
}

size_t km_server_journal_bytes(struct km_server *server)
{
    size_t n;

    pthread_mutex_lock(&server->journal_lock);
    n = server->journal_bytes;
    pthread_mutex_unlock(&server->journal_lock);
    return n;
}

uint64_t km_server_journal_dropped(struct km_server *server)
{
    uint64_t n;

    pthread_mutex_lock(&server->journal_lock);
    n = server->journal_dropped;
    pthread_mutex_unlock(&server->journal_lock);
    return n;
}

cJSON *km_server_journal(struct km_server *server)
{
    cJSON *copy;

    pthread_mutex_lock(&server->journal_lock);
    copy = cJSON_Duplicate(server->journal, 1);
    pthread_mutex_unlock(&server->journal_lock);
    if (!copy)
        abort();
    return copy;
}

size_t km_server_journal_count(struct km_server *server)
{
    size_t n;

    pthread_mutex_lock(&server->journal_lock);
    n = server->journal_len;
    pthread_mutex_unlock(&server->journal_lock);
    return n;
}

void km_server_journal_clear(struct km_server *server)
{
    cJSON *empty = cJSON_CreateArray(), *old;

    if (!empty)
        abort();
    pthread_mutex_lock(&server->journal_lock);
    old = server->journal;
    server->journal = empty;
    server->journal_len = 0;
    server->journal_bytes = 0;
    pthread_mutex_unlock(&server->journal_lock);
    cJSON_Delete(old);
}

void km__journal_free(struct km_server *server)
{
    cJSON_Delete(server->journal);
    server->journal = NULL;
    for (size_t i = 0; i < server->nsecrets; i++)
        free(server->secrets[i]);
    free(server->secrets);
    server->secrets = NULL;
    server->nsecrets = 0;
    for (size_t i = 0; i < server->nforms; i++)
        free(server->forms[i]);
    free(server->forms);
    server->forms = NULL;
    server->nforms = 0;
}
