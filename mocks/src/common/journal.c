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
    pthread_rwlock_wrlock(&server->secrets_lock);
    if (!form_covers(server, secret))
        list_add(&server->secrets, &server->nsecrets, secret);
    pthread_rwlock_unlock(&server->secrets_lock);
}

void km_server_add_secret_form(struct km_server *server, const char *prefix)
{
    if (!prefix || !prefix[0])
        return;
    pthread_rwlock_wrlock(&server->secrets_lock);
    list_add(&server->forms, &server->nforms, prefix);
    pthread_rwlock_unlock(&server->secrets_lock);
}

/* Masks in dst, a copy of src's first keep bytes, each occurrence of s
 * in src[0..len) that starts before keep (so one the cut splits is masked
 * too), and with form the token characters after it. Searching src, not
 * dst, lets a body be masked only as far as the journal keeps it; dst may
 * be src. memmem, not a byte-by-byte compare: memory speed. */
static void mask(char *dst, const char *src, size_t len, size_t keep,
                 const char *s, int form)
{
    size_t slen = strlen(s);
    const char *at = src, *all = src + len;
    const char *end = keep + slen - 1 < len ? src + keep + slen - 1 : all;

    while ((size_t)(end - at) >= slen &&
           (at = memmem(at, (size_t)(end - at), s, slen)) != NULL) {
        const char *stop = at + slen;

        while (form && stop < all && token_char((unsigned char)*stop))
            stop++;
        if ((size_t)(at - src) < keep)
            memset(dst + (at - src), '*',
                   (size_t)((size_t)(stop - src) < keep ? stop - at
                                                        : src + keep - at));
        at = stop;
    }
}

size_t km__secrets_mask_cut(struct km_server *server, char *dst,
                            const char *src, size_t len, size_t keep)
{
    size_t patterns;

    pthread_rwlock_rdlock(&server->secrets_lock);
    patterns = server->nsecrets + server->nforms;
    for (size_t i = 0; src && len && i < server->nsecrets; i++)
        mask(dst, src, len, keep, server->secrets[i], 0);
    for (size_t i = 0; src && len && i < server->nforms; i++)
        mask(dst, src, len, keep, server->forms[i], 1);
    pthread_rwlock_unlock(&server->secrets_lock);
    return patterns;
}

size_t km__secrets_mask(struct km_server *server, char *buf, size_t len)
{
    return km__secrets_mask_cut(server, buf, buf, len, len);
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

/* Text of max bytes or fewer for the journal, as a string item: the first
 * keep bytes of body masked (secrets that start before the cut included)
 * and, when the body is longer than max, a marker saying so. The copy is
 * made once, into a buffer the item owns. */
static cJSON *cut_item(struct km_server *server, const char *body, size_t len,
                       size_t max)
{
    size_t keep = len <= max ? len : max;
    char marker[64] = "", *copy;
    size_t mlen = 0;
    cJSON *item;

    if (len > max)
        mlen = (size_t)snprintf(marker, sizeof(marker),
                                "...[cut: %zu of %zu bytes kept]", max, len);
    copy = cJSON_malloc(keep + mlen + 1);
    item = cJSON_CreateNull();
    if (!copy || !item)
        abort();
    memcpy(copy, body ? body : "", keep);
    km__secrets_mask_cut(server, copy, body, len, keep);
    memcpy(copy + keep, marker, mlen + 1);
    item->type = cJSON_String;
    item->valuestring = copy;
    return item;
}

/* A body for the journal, cut at max: a form body redacted like a query
 * first (names such as "password" hide their values). */
static cJSON *body_item(struct km_server *server, const char *body, size_t len,
                        const char *content_type, size_t max)
{
    char *q, *redacted;
    cJSON *item;

    if (!(content_type &&
          strncasecmp(content_type, "application/x-www-form-urlencoded", 33) ==
              0))
        return cut_item(server, body, len, max);
    q = kx_xstrndup(body ? body : "", len);
    redacted = redact_query(server, q);
    item = cut_item(server, redacted, strlen(redacted), max);
    free(redacted);
    free(q);
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
    add(e, "body",
        body_item(server, x->body, x->body_len, x->content_type,
                  KM_JOURNAL_BODY_MAX));
    add(e, "status", cJSON_CreateNumber(x->status));
    add(e, "response_headers", headers_item(server, x->response_headers));
    add(e, "response_body",
        body_item(server, x->response_body, x->response_len, rtype,
                  KM_JOURNAL_RESPONSE_MAX));
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

/* What malloc takes for n bytes (glibc on 64 bits: an 8-byte header,
 * 16-byte steps, 32 at least), so the byte bound is close to the memory
 * the journal really holds: an entry of small strings costs about twice
 * what its characters do. */
static size_t chunk(size_t n)
{
    n = (n + 8 + 15) & ~(size_t)15;
    return n < 32 ? 32 : n;
}

/* What an entry costs in memory: its nodes and its strings. */
static size_t entry_bytes(const cJSON *item)
{
    size_t n = 0;

    for (; item; item = item->next) {
        n += chunk(sizeof(*item));
        n += item->string ? chunk(strlen(item->string) + 1) : 0;
        n += item->valuestring ? chunk(strlen(item->valuestring) + 1) : 0;
        n += entry_bytes(item->child);
    }
    return n;
}

/* The i-th entry, oldest first. Under journal_lock. */
static struct km__journal_entry *entry_at(struct km_server *server, size_t i)
{
    return &server->journal[(server->journal_head + i) % server->journal_cap];
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
        struct km__journal_entry *old = entry_at(server, 0);

        server->journal_bytes -= old->bytes;
        cJSON_Delete(old->json);
        old->json = NULL;
        server->journal_head = (server->journal_head + 1) % server->journal_cap;
        server->journal_len--;
        server->journal_dropped++;
    }
}

/* Room for one more entry: the ring doubles, unrolled oldest first.
 * Under journal_lock. */
static void ring_reserve(struct km_server *server)
{
    struct km__journal_entry *grown;
    size_t cap;

    if (server->journal_len < server->journal_cap)
        return;
    cap = server->journal_cap ? server->journal_cap * 2 : 64;
    grown = kx_xcalloc(cap, sizeof(*grown));
    for (size_t i = 0; i < server->journal_len; i++)
        grown[i] = *entry_at(server, i);
    free(server->journal);
    server->journal = grown;
    server->journal_cap = cap;
    server->journal_head = 0;
}

void km__journal_add(struct km_server *server, const struct km__exchange *x)
{
    struct km__journal_entry e = {x->seq, 0, entry_new(server, x)};
    size_t i;

    e.bytes = entry_bytes(e.json->child) + chunk(sizeof(*e.json));
    pthread_mutex_lock(&server->journal_lock);
    ring_reserve(server);
    /* Requests finish out of order; keep the ring sorted by seq. Nearly
     * always the entry goes last, so look from the end. */
    for (i = server->journal_len; i > 0 && entry_at(server, i - 1)->seq > e.seq;
         i--)
        *entry_at(server, i) = *entry_at(server, i - 1);
    *entry_at(server, i) = e;
    server->journal_len++;
    server->journal_bytes += e.bytes;
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
    cJSON *copy = cJSON_CreateArray();

    if (!copy)
        abort();
    pthread_mutex_lock(&server->journal_lock);
    for (size_t i = 0; i < server->journal_len; i++) {
        cJSON *e = cJSON_Duplicate(entry_at(server, i)->json, 1);

        if (!e || !cJSON_AddItemToArray(copy, e))
            abort();
    }
    pthread_mutex_unlock(&server->journal_lock);
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

/* Empties the ring. Under journal_lock. */
static void ring_clear(struct km_server *server)
{
    for (size_t i = 0; i < server->journal_len; i++)
        cJSON_Delete(entry_at(server, i)->json);
    server->journal_head = 0;
    server->journal_len = 0;
    server->journal_bytes = 0;
}

void km_server_journal_clear(struct km_server *server)
{
    pthread_mutex_lock(&server->journal_lock);
    ring_clear(server);
    pthread_mutex_unlock(&server->journal_lock);
}

void km__journal_init(struct km_server *server)
{
    server->journal = NULL;
    server->journal_cap = server->journal_head = server->journal_len = 0;
    server->journal_max_bytes = KM_JOURNAL_MAX_BYTES;
}

void km__journal_free(struct km_server *server)
{
    ring_clear(server);
    free(server->journal);
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
