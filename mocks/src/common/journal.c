/*
 * The request journal. A snapshot can be handed to reports and
 * recordings as it is: secret headers and query parameters go through
 * core/redact.c when an entry is written, and every secret and issued
 * token (secrets.c) is masked wherever it appears when an entry is read
 * (and, where a cut splits one, when it is written). A request body is
 * kept up to KM_JOURNAL_BODY_MAX, a response body up to
 * KM_JOURNAL_RESPONSE_MAX (or what km_server_set_journal_response_max
 * says), the rest cut and marked.
 *
 * An entry is a packed record: its redacted strings in one block, their
 * offsets in another, so adding one costs two allocations and dropping
 * one two frees, and the cJSON form is built only for a snapshot. Bounded
 * by entries and by bytes, oldest dropped first.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <kinsync/log.h>
#include <kx/utf8.h>
#include "server_int.h"

/* The strings of a record, in this order; then each header's name and
 * value, request headers first. */
enum {
    F_METHOD,
    F_PATH,
    F_QUERY,
    F_BODY,
    F_RESPONSE_BODY,
    F_ROUTE,
    F_FAULT,
    F_HEADERS
};

struct km__jrec {
    uint64_t seq;
    int status;
    int has_route;
    int has_fault;
    int64_t virtual_ms;
    int64_t wall_ms;
    size_t nheaders;          /* request headers */
    size_t nresponse_headers; /* after them */
    char *text;               /* every string, NUL-terminated */
    size_t text_len;
    size_t text_cap; /* what text holds allocated */
    /* The bodies' bytes before their cut markers (their whole length
     * when not cut): what is masked when the entry is read. */
    size_t body_kept, response_kept;
    size_t off[]; /* F_HEADERS + 2 per header */
};

/* The text block under construction: a string is appended, then masked
 * in place. */
struct pack {
    struct km_server *server;
    char *p;
    size_t len;
    size_t cap;
    size_t kept; /* of the string appended last, without its marker */
};

static char *pack_room(struct pack *pk, size_t n)
{
    if (pk->len + n > pk->cap) {
        while (pk->len + n > pk->cap)
            pk->cap = pk->cap ? pk->cap * 2 : 1024;
        pk->p = kx_xrealloc(pk->p, pk->cap);
    }
    return pk->p + pk->len;
}

/* Appends the first keep bytes of src (len bytes) and, when keep < len,
 * the cut marker. Secrets are masked when the entry is read
 * (record_json); only those the cut splits are masked now, while the
 * whole of them can be seen. Returns the string's offset. */
static size_t pack_cut(struct pack *pk, const char *src, size_t len,
                       size_t keep)
{
    char marker[64] = "";
    size_t mlen = 0, at = pk->len;
    char *dst;

    if (keep < len)
        mlen = (size_t)snprintf(marker, sizeof(marker),
                                "...[cut: %zu of %zu bytes kept]", keep, len);
    dst = pack_room(pk, keep + mlen + 1);
    memcpy(dst, src ? src : "", keep);
    if (keep < len)
        km__secrets_mask_split(pk->server, dst, src, len, keep);
    memcpy(dst + keep, marker, mlen + 1);
    pk->len += keep + mlen + 1;
    pk->kept = keep;
    return at;
}

static size_t pack_str(struct pack *pk, const char *s)
{
    size_t n = strlen(s);

    return pack_cut(pk, s, n, n);
}

/* Appends text copied as it is (no masking: method, route, fault). */
static size_t pack_plain(struct pack *pk, const char *s)
{
    size_t n = strlen(s), at = pk->len;

    memcpy(pack_room(pk, n + 1), s, n + 1);
    pk->len += n + 1;
    return at;
}

/* The query ("a=1&consumer_secret=x") with secret parameters redacted by
 * ks_redact_url (given as a relative URL, so curl does not normalise the
 * rest), masked, cut at max. */
static size_t pack_query(struct pack *pk, const char *query, size_t len,
                         size_t max)
{
    char small[1024], *url, *out = small, *q;
    size_t cap = sizeof(small), need, at;

    url = kx_xmalloc(len + 2);
    url[0] = '?';
    memcpy(url + 1, query, len);
    url[len + 1] = '\0';
    need = ks_redact_url(out, cap, url);
    if (need >= cap) {
        out = kx_xmalloc(need + 1);
        ks_redact_url(out, need + 1, url);
    }
    q = strchr(out, '?');
    q = q ? q + 1 : (char *)"";
    len = strlen(q);
    at = pack_cut(pk, q, len, len <= max ? len : max);
    if (out != small)
        free(out);
    free(url);
    return at;
}

/* A header's value as ks_redact_header would show it (KS_REDACTED for a
 * secret header), masked. */
static size_t pack_header_value(struct pack *pk, const char *name,
                                const char *value)
{
    return pack_str(pk, ks_redact_is_secret_header(name) ? KS_REDACTED
                        : value                          ? value
                                                         : "");
}

/* A body cut at max; a form body redacted like a query first (names such
 * as "password" hide their values). */
static size_t pack_body(struct pack *pk, const char *body, size_t len,
                        const char *content_type, size_t max)
{
    if (content_type &&
        strncasecmp(content_type, "application/x-www-form-urlencoded", 33) ==
            0) {
        char *q = kx_xstrndup(body ? body : "", len);
        size_t at = pack_query(pk, q, len, max);

        free(q);
        return at;
    }
    return pack_cut(pk, body, len, len <= max ? len : max);
}

static void pack_headers(struct pack *pk, size_t *off, const struct km__kvs *h)
{
    for (size_t i = 0; h && i < h->n; i++) {
        off[2 * i] = pack_plain(pk, h->v[i].name);
        off[2 * i + 1] = pack_header_value(pk, h->v[i].name, h->v[i].value);
    }
}

/* Room a record may leave unused rather than be reallocated (the
 * estimate below is close; a kept block may be larger). */
#define SPARE_ROOM_MAX 4096

/* About what record_new writes: every string, the cut bodies and their
 * markers, each header value at least as long as KS_REDACTED. A query
 * redacted longer than it came grows the block. */
static size_t text_estimate(const struct km__exchange *x, size_t rkeep)
{
    const struct km__kvs *lists[2] = {x->headers, x->response_headers};
    size_t n = strlen(x->method) + strlen(x->path) + strlen(x->query) +
               (x->route ? strlen(x->route) : 0) +
               (x->fault ? strlen(x->fault) : 0) + rkeep +
               (x->body_len < KM_JOURNAL_BODY_MAX ? x->body_len
                                                  : KM_JOURNAL_BODY_MAX) +
               256; /* NULs and the two cut markers */

    for (size_t l = 0; l < 2; l++) {
        for (size_t i = 0; lists[l] && i < lists[l]->n; i++) {
            size_t v = lists[l]->v[i].value ? strlen(lists[l]->v[i].value) : 0;

            n += strlen(lists[l]->v[i].name) +
                 (v > sizeof(KS_REDACTED) ? v : sizeof(KS_REDACTED)) + 2;
        }
    }
    return n;
}

/* Starts pk with room for need bytes: the kept block of a dropped entry
 * when it is large enough and not much larger, else a new one. */
static void pack_start(struct pack *pk, size_t need)
{
    struct km_server *server = pk->server;

    pthread_mutex_lock(&server->journal_lock);
    if (server->journal_spare && server->journal_spare_cap >= need &&
        server->journal_spare_cap - need <= SPARE_ROOM_MAX) {
        pk->p = server->journal_spare;
        pk->cap = server->journal_spare_cap;
        server->journal_spare = NULL;
        server->journal_spare_cap = 0;
    }
    pthread_mutex_unlock(&server->journal_lock);
    if (!pk->p)
        pack_room(pk, need);
}

static struct km__jrec *record_new(struct km_server *server,
                                   const struct km__exchange *x)
{
    size_t nh = x->headers ? x->headers->n : 0;
    size_t nr = x->response_headers ? x->response_headers->n : 0;
    struct km__jrec *r = kx_xcalloc(
        1, sizeof(*r) + (F_HEADERS + 2 * (nh + nr)) * sizeof(size_t));
    struct pack pk = {server, NULL, 0, 0, 0};
    const char *rtype = x->response_headers
                            ? km__kvs_get(x->response_headers, "Content-Type")
                            : NULL;
    size_t rmax = atomic_load(&server->journal_response_max);
    size_t rkeep = x->response_len < rmax ? x->response_len : rmax;

    pack_start(&pk, text_estimate(x, rkeep));
    r->seq = x->seq;
    r->status = x->status;
    r->virtual_ms = x->virtual_ms;
    r->wall_ms = x->wall_ms;
    r->nheaders = nh;
    r->nresponse_headers = nr;
    r->off[F_METHOD] = pack_plain(&pk, x->method);
    r->off[F_PATH] = pack_str(&pk, x->path);
    r->off[F_QUERY] = pack_query(&pk, x->query, strlen(x->query), (size_t)-1);
    r->off[F_BODY] = pack_body(&pk, x->body, x->body_len, x->content_type,
                               KM_JOURNAL_BODY_MAX);
    r->body_kept = pk.kept;
    r->off[F_RESPONSE_BODY] =
        pack_body(&pk, x->response_body, x->response_len, rtype, rmax);
    r->response_kept = pk.kept;
    r->has_route = x->route != NULL;
    r->off[F_ROUTE] = pack_plain(&pk, x->route ? x->route : "");
    r->has_fault = x->fault != NULL;
    r->off[F_FAULT] = pack_plain(&pk, x->fault ? x->fault : "");
    pack_headers(&pk, r->off + F_HEADERS, x->headers);
    pack_headers(&pk, r->off + F_HEADERS + 2 * nh, x->response_headers);
    if (pk.cap - pk.len > SPARE_ROOM_MAX) {
        pk.p = kx_xrealloc(pk.p, pk.len); /* gives back the spare room */
        pk.cap = pk.len;
    }
    r->text = pk.p;
    r->text_len = pk.len;
    r->text_cap = pk.cap;
    return r;
}

static void record_free(struct km__jrec *r)
{
    if (r) {
        free(r->text);
        free(r);
    }
}

/* What malloc takes for n bytes (glibc on 64 bits: an 8-byte header,
 * 16-byte steps, 32 at least), so the byte bound is close to the memory
 * the journal really holds. */
static size_t chunk(size_t n)
{
    n = (n + 8 + 15) & ~(size_t)15;
    return n < 32 ? 32 : n;
}

static size_t record_bytes(const struct km__jrec *r)
{
    size_t n = F_HEADERS + 2 * (r->nheaders + r->nresponse_headers);

    return chunk(sizeof(*r) + n * sizeof(size_t)) + chunk(r->text_cap);
}

static const char *field(const struct km__jrec *r, size_t i)
{
    return r->text + r->off[i];
}

static void add(cJSON *obj, const char *key, cJSON *item)
{
    if (!item || !cJSON_AddItemToObject(obj, key, item))
        abort();
}

/* A string of an entry as it is shown: every secret and issued token in
 * its first kept bytes masked (what follows is the cut marker), invalid
 * UTF-8 (a binary or hostile body, a character the cut split) repaired,
 * U+FFFD marking each bad byte. Done here rather than when the entry is
 * made: most entries are never read, and masking a 8 KiB reply was a
 * fifth of a served page. */
static cJSON *text_json(struct km_server *server, const char *s, size_t kept)
{
    size_t len = strlen(s);
    char *shown = kx_xstrndup(s, len), *fixed;
    cJSON *item;

    kept = kept < len ? kept : len;
    km__secrets_mask_cut(server, shown, shown, kept, kept);
    if (!kx_utf8_valid(shown, len)) {
        fixed = kx_utf8_repair(shown, len, NULL);
        free(shown);
        shown = fixed;
    }
    item = cJSON_CreateString(shown);
    free(shown);
    return item;
}

static cJSON *field_json(struct km_server *server, const struct km__jrec *r,
                         size_t i)
{
    return text_json(server, field(r, i), (size_t)-1);
}

static cJSON *headers_json(struct km_server *server, const struct km__jrec *r,
                           size_t from, size_t n)
{
    cJSON *obj = cJSON_CreateObject();

    if (!obj)
        abort();
    for (size_t i = 0; i < n; i++)
        add(obj, field(r, F_HEADERS + 2 * (from + i)),
            field_json(server, r, F_HEADERS + 2 * (from + i) + 1));
    return obj;
}

/* The entry as km_server_journal documents it. */
static cJSON *record_json(struct km_server *server, const struct km__jrec *r)
{
    cJSON *e = cJSON_CreateObject();

    if (!e)
        abort();
    add(e, "seq", cJSON_CreateNumber((double)r->seq));
    add(e, "system", cJSON_CreateString(server->name));
    add(e, "method", cJSON_CreateString(field(r, F_METHOD)));
    add(e, "path", field_json(server, r, F_PATH));
    add(e, "query", field_json(server, r, F_QUERY));
    add(e, "headers", headers_json(server, r, 0, r->nheaders));
    add(e, "body", text_json(server, field(r, F_BODY), r->body_kept));
    add(e, "status", cJSON_CreateNumber(r->status));
    add(e, "response_headers",
        headers_json(server, r, r->nheaders, r->nresponse_headers));
    add(e, "response_body",
        text_json(server, field(r, F_RESPONSE_BODY), r->response_kept));
    add(e, "virtual_ms", cJSON_CreateNumber((double)r->virtual_ms));
    add(e, "wall_ms", cJSON_CreateNumber((double)r->wall_ms));
    add(e, "route",
        r->has_route ? cJSON_CreateString(field(r, F_ROUTE))
                     : cJSON_CreateNull());
    add(e, "fault",
        r->has_fault ? cJSON_CreateString(field(r, F_FAULT))
                     : cJSON_CreateNull());
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

/* The i-th entry, oldest first. Under journal_lock. */
static struct km__journal_entry *entry_at(struct km_server *server, size_t i)
{
    return &server->journal[(server->journal_head + i) % server->journal_cap];
}

/* Frees r but keeps its text block as the spare (the newest dropped
 * block: the next entry is most like it). Under journal_lock. */
static void record_drop(struct km_server *server, struct km__jrec *r)
{
    free(server->journal_spare);
    server->journal_spare = r->text;
    server->journal_spare_cap = r->text_cap;
    free(r);
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
        record_drop(server, old->rec);
        old->rec = NULL;
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
    struct km__journal_entry e = {x->seq, 0, record_new(server, x)};
    size_t i;

    e.bytes = record_bytes(e.rec);
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
        cJSON *e = record_json(server, entry_at(server, i)->rec);

        if (!cJSON_AddItemToArray(copy, e))
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
        record_free(entry_at(server, i)->rec);
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

void km_server_set_journal_response_max(struct km_server *server, size_t max)
{
    atomic_store(&server->journal_response_max, max ? max : 1);
}

void km__journal_init(struct km_server *server)
{
    atomic_init(&server->journal_response_max, KM_JOURNAL_RESPONSE_MAX);
    server->journal = NULL;
    server->journal_cap = server->journal_head = server->journal_len = 0;
    server->journal_max_bytes = KM_JOURNAL_MAX_BYTES;
    server->journal_spare = NULL;
    server->journal_spare_cap = 0;
}

void km__journal_free(struct km_server *server)
{
    ring_clear(server);
    free(server->journal);
    server->journal = NULL;
    free(server->journal_spare);
    server->journal_spare = NULL;
    server->journal_spare_cap = 0;
    km__secrets_free(server);
}
