/*
 * The credential default: every scenario checks, without saying so, four
 * rules about the credentials configured in "given" (the connector's and
 * the emulators'), each named in a failure:
 *
 *   - no credential in the connector log;
 *   - no credential in a request URL (path, raw or decoded query);
 *   - a platform's credential goes to that platform only: none in any
 *     header (a Basic header decoded) or body (raw or form-decoded) of a
 *     request another platform's emulator received;
 *   - no credential in what an integration or exec step printed (its raw
 *     stdout and stderr; kh__credentials_check_output).
 *
 * "then.credentials_may_appear" turns the first two off, with a reason:
 * "log", "urls" (the URLs as sent; the journals' URLs, which reports show,
 * are then still checked) or "journal" (those too).
 *
 * Requests are looked at as they came in (km_server_set_observer), not in
 * the journal: the journal masks credentials, so a search there would
 * never find one. Explanations never show a credential: they say where
 * it was configured, and mask URLs before showing them.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <kx/alloc.h>
#include "run_int.h"

/* Names the check in explanations: no scenario says it. */
#define WHO "(credential check of every scenario)"
#define RULE_LOG "no credential in the connector log"
#define RULE_URL "no credential in a request URL"
#define RULE_PLATFORM "a platform's credential goes to that platform only"
#define RULE_OUTPUT "no credential in the integration's output"
#define LEAKS_SHOWN 5 /* leaks of one kind described per scenario */
#define NOT_EMULATED (1u << KH_MAX_SYSTEMS) /* owner bit: another system */

struct credential {
    const char *value; /* borrowed from the scenario document */
    size_t len;
    char where[256]; /* its JSON pointer in the scenario */
    unsigned owners; /* bit i: ctx->systems[i] may receive it */
};

/* What the observer of one emulator needs. */
struct watch {
    struct kh_credentials *cr;
    const char *system;
    unsigned bit;
};

/* Leaks of one kind, recorded on the servers' threads. */
struct leaks {
    struct kh_text text; /* described, credentials masked */
    size_t n;
};

struct kh_credentials {
    struct credential *v;
    size_t n;
    const char **values;  /* v[i].value, for ks_redact_mask */
    pthread_mutex_t lock; /* the observer runs on the servers' threads */
    struct leaks urls;    /* URLs that carried one */
    struct leaks foreign; /* requests carrying another platform's */
    struct watch watches[KH_MAX_SYSTEMS];
};

/* 1 when a member of this name holds a credential. */
static int names_credential(const char *name)
{
    static const char *const words[] = {"password", "secret", "token",
                                        "api_key",  "apikey", "consumer_key"};

    for (size_t i = 0; name && i < sizeof(words) / sizeof(words[0]); i++) {
        if (strstr(name, words[i]))
            return 1;
    }
    return 0;
}

static void add(struct kh_credentials *cr, const char *value, const char *where,
                unsigned owner)
{
    for (size_t i = 0; i < cr->n; i++) {
        if (strcmp(cr->v[i].value, value) == 0) {
            cr->v[i].owners |= owner; /* the connector's copy, or so */
            return;
        }
    }
    cr->v = kx_xrealloc(cr->v, (cr->n + 1) * sizeof(*cr->v));
    cr->v[cr->n].value = value;
    cr->v[cr->n].len = strlen(value);
    cr->v[cr->n].owners = owner;
    snprintf(cr->v[cr->n].where, sizeof(cr->v[cr->n].where), "%s", where);
    cr->n++;
}

/*
 * Every non-empty string below node held by a member whose name names a
 * credential ("password", "consumer_secret", "access_tokens": [...]), or
 * by a member "key" inside one ("api_keys": [{"key": ...}]). Array
 * elements count as held by the array's member.
 */
static void collect(struct kh_credentials *cr, const cJSON *node,
                    const char *holder, int inside, const char *pointer,
                    unsigned owner)
{
    const cJSON *child;
    size_t i = 0;

    cJSON_ArrayForEach(child, node)
    {
        const char *name = child->string ? child->string : holder;
        int is_cred = names_credential(name) ||
                      (inside && child->string && !strcmp(name, "key"));
        char here[256];

        snprintf(here, sizeof(here), "%s", pointer);
        if (child->string)
            kh_json_pointer_append(here, sizeof(here), child->string);
        else
            kh_json_pointer_append_index(here, sizeof(here), i);
        i++;
        if (cJSON_IsString(child) && is_cred && child->valuestring[0])
            add(cr, child->valuestring, here, owner);
        else if (cJSON_IsObject(child) || cJSON_IsArray(child))
            collect(cr, child, name, inside || names_credential(name), here,
                    owner);
    }
}

/* 1 when the n bytes at hay hold needle (len bytes). */
static int holds(const char *hay, size_t n, const char *needle, size_t len)
{
    for (size_t i = 0; hay && len && i + len <= n; i++) {
        if (hay[i] == needle[0] && memcmp(hay + i, needle, len) == 0)
            return 1;
    }
    return 0;
}

/* The first credential in the n bytes at text, or NULL; with mask set,
 * only those no bit of mask owns. */
static const struct credential *find_n(const struct kh_credentials *cr,
                                       const char *text, size_t n,
                                       unsigned mask)
{
    for (size_t i = 0; text && i < cr->n; i++) {
        if (!(cr->v[i].owners & mask) &&
            holds(text, n, cr->v[i].value, cr->v[i].len))
            return &cr->v[i];
    }
    return NULL;
}

static const struct credential *find(const struct kh_credentials *cr,
                                     const char *text)
{
    return text ? find_n(cr, text, strlen(text), 0) : NULL;
}

/* Also looks at the percent-decoded form (a query, a form body). */
static const struct credential *find_decoded(const struct kh_credentials *cr,
                                             const char *text, size_t n,
                                             unsigned mask)
{
    const struct credential *hit = find_n(cr, text, n, mask);
    char *decoded;
    int len = 0;

    if (hit || !text || n == 0 || n > 64 * 1024 * 1024)
        return hit;
    decoded = curl_easy_unescape(NULL, text, (int)n, &len);
    if (decoded) {
        /* '+' is a space in a form body and a query */
        for (int i = 0; i < len; i++)
            decoded[i] = decoded[i] == '+' ? ' ' : decoded[i];
        hit = find_n(cr, decoded, (size_t)len, mask);
    }
    curl_free(decoded);
    return hit;
}

/* Records a leak (line, which record frees), the text masked. */
static void record(struct kh_credentials *cr, struct leaks *l, char *line)
{
    ks_redact_mask(line, strlen(line), cr->values, cr->n);
    pthread_mutex_lock(&cr->lock);
    if (l->n++ < LEAKS_SHOWN)
        kh__text_printf(&l->text, "    %s\n", line);
    pthread_mutex_unlock(&cr->lock);
    free(line);
}

/* The user:password of an "Authorization: Basic" value, decoded into out
 * (outsz bytes), or "" when value is no Basic credential. */
static void basic_decoded(char *out, size_t outsz, const char *value)
{
    size_t n;

    out[0] = '\0';
    if (strncmp(value, "Basic ", 6) != 0 && strncmp(value, "basic ", 6) != 0)
        return;
    value += 6;
    n = strlen(value);
    if (n == 0 || n / 4 * 3 + 1 > outsz)
        return;
    if (EVP_DecodeBlock((unsigned char *)out, (const unsigned char *)value,
                        (int)n) < 0)
        out[0] = '\0';
    else
        out[n / 4 * 3] = '\0';
}

/* Another platform's credential in a header or the body. */
static void observe_foreign(struct watch *w,
                            const struct km_observed_request *req)
{
    struct kh_credentials *cr = w->cr;
    const struct credential *hit = NULL;
    const char *carrier = "its body";
    char basic[1024], head[160];

    for (size_t i = 0; !hit && i < req->nheaders; i++) {
        const char *value = req->header_values[i] ? req->header_values[i] : "";

        basic_decoded(basic, sizeof(basic), value);
        hit = find_n(cr, value, strlen(value), w->bit);
        if (!hit)
            hit = find_n(cr, basic, strlen(basic), w->bit);
        if (hit) {
            snprintf(head, sizeof(head), "header %.100s", req->header_names[i]);
            carrier = head;
        }
    }
    if (!hit)
        hit = find_decoded(cr, req->body, req->body_len, w->bit);
    if (hit) {
        char *what =
            kx_xasprintf("%s %s (%s)", req->method, req->path, w->system);

        record(cr, &cr->foreign,
               kx_xasprintf("%s carried %s in %s", what, hit->where, carrier));
        free(what);
    }
}

/* The observer of every emulator: records each URL that carries a
 * credential (path, raw or decoded query) and each request that carries
 * another platform's. */
static void observe(void *userdata, const struct km_observed_request *req)
{
    struct watch *w = userdata;
    struct kh_credentials *cr = w->cr;
    const char *query = req->query ? req->query : "";
    const struct credential *hit = find(cr, req->path);
    char *url;

    if (!hit)
        hit = find_decoded(cr, query, strlen(query), 0);
    if (hit) {
        url = kx_xasprintf("%s%s%s", req->path, query[0] ? "?" : "", query);
        record(cr, &cr->urls,
               kx_xasprintf("%s %s carried %s", req->method, url, hit->where));
        free(url);
    }
    observe_foreign(w, req);
}

/* The bit of the system a section of given names (its own name, or the
 * connector's entry for it); NOT_EMULATED when no emulator runs it. */
static unsigned owner_bit(const struct kh_ctx *ctx, const char *system)
{
    for (size_t i = 0; i < ctx->nsystems; i++) {
        if (strcmp(ctx->systems[i].name, system) == 0)
            return 1u << i;
    }
    return NOT_EMULATED;
}

void kh__credentials_open(struct kh_ctx *ctx)
{
    struct kh_credentials *cr = kx_xcalloc(1, sizeof(*cr));
    const cJSON *section, *sys;

    pthread_mutex_init(&cr->lock, NULL);
    cJSON_ArrayForEach(section, ctx->given)
    {
        char here[256] = "/given";

        kh_json_pointer_append(here, sizeof(here), section->string);
        if (strcmp(section->string, "clock") == 0)
            continue;
        if (strcmp(section->string, "connector") != 0) {
            collect(cr, section, section->string, 0, here,
                    owner_bit(ctx, section->string));
            continue;
        }
        cJSON_ArrayForEach(sys, section)
        {
            char at[256];

            snprintf(at, sizeof(at), "%s", here);
            kh_json_pointer_append(at, sizeof(at), sys->string);
            if (cJSON_IsObject(sys))
                collect(cr, sys, sys->string, 0, at,
                        owner_bit(ctx, sys->string));
        }
    }
    cr->values = kx_xcalloc(cr->n + 1, sizeof(*cr->values));
    for (size_t i = 0; i < cr->n; i++)
        cr->values[i] = cr->v[i].value;
    ctx->credentials = cr;
    for (size_t i = 0; i < ctx->nsystems; i++) {
        cr->watches[i].cr = cr;
        cr->watches[i].system = ctx->systems[i].name;
        cr->watches[i].bit = 1u << i;
        km_server_set_observer(ctx->systems[i].emu->server, observe,
                               &cr->watches[i]);
    }
}

void kh__credentials_close(struct kh_ctx *ctx)
{
    struct kh_credentials *cr = ctx->credentials;

    if (!cr)
        return;
    pthread_mutex_destroy(&cr->lock);
    kh__text_dispose(&cr->urls.text);
    kh__text_dispose(&cr->foreign.text);
    free(cr->values);
    free(cr->v);
    free(cr);
    ctx->credentials = NULL;
}

size_t kh__ctx_secrets(const struct kh_ctx *ctx, const char *const **out)
{
    static const char *const none[] = {NULL};

    *out = ctx->credentials ? ctx->credentials->values : none;
    return ctx->credentials ? ctx->credentials->n : 0;
}

/* ---- the checks ------------------------------------------------------ */

static void check_log(struct kh_ctx *ctx, const struct kh_credentials *cr)
{
    const char *log = kh__text_str(&ctx->log);
    struct kh_text found = {0};
    int bad = 0;

    for (size_t i = 0; i < cr->n; i++) {
        const char *at = strstr(log, cr->v[i].value);
        size_t line = 1;

        if (!at)
            continue;
        for (const char *c = log; c < at; c++)
            line += *c == '\n';
        /* Never print the credential: say where it was configured. */
        kh__text_printf(&found, "    %s is in the connector log, line %zu\n",
                        cr->v[i].where, line);
        bad++;
    }
    if (!kh__check(ctx, bad == 0,
                   RULE_LOG " %s: %d configured credential%s in the "
                            "connector log",
                   WHO, bad, bad == 1 ? " is" : "s are"))
        kh__text_printf(&ctx->details, "%s", kh__text_str(&found));
    kh__text_dispose(&found);
}

/* One kind of leak the observers recorded: a failure of rule when any. */
static void check_leaks(struct kh_ctx *ctx, struct kh_credentials *cr,
                        struct leaks *l, const char *rule, const char *what)
{
    pthread_mutex_lock(&cr->lock);
    if (!kh__check(ctx, l->n == 0, "%s %s: %zu %s%s%s:", rule, WHO, l->n, what,
                   l->n == 1 ? "" : "s",
                   l->n > LEAKS_SHOWN ? " (the first shown)" : ""))
        kh__text_printf(&ctx->details, "%s", kh__text_str(&l->text));
    pthread_mutex_unlock(&cr->lock);
}

/* The URLs as the journals keep them, which reports and recordings show:
 * checked even where credentials may travel in URLs. */
static void check_journal_urls(struct kh_ctx *ctx,
                               const struct kh_credentials *cr)
{
    int bad = 0;

    for (size_t i = 0; i < ctx->nsystems; i++) {
        cJSON *journal = km_server_journal(ctx->systems[i].emu->server);
        const cJSON *e;

        cJSON_ArrayForEach(e, journal)
        {
            const struct credential *hit = find(cr, kx_json_str(e, "path"));

            if (!hit)
                hit = find(cr, kx_json_str(e, "query"));
            if (!hit)
                continue;
            if (bad++ < LEAKS_SHOWN)
                kh__text_printf(
                    &ctx->details, "    %s request #%.0f shows %s in its URL\n",
                    ctx->systems[i].name, kx_json_num(e, "seq", 0), hit->where);
        }
        cJSON_Delete(journal);
    }
    kh__check(ctx, bad == 0,
              RULE_URL " %s: %d journal entr%s show%s a configured "
                       "credential in the URL",
              WHO, bad, bad == 1 ? "y" : "ies", bad == 1 ? "s" : "");
}

/* 1 when then.credentials_may_appear lists where ("log", "urls",
 * "journal"). */
static int may_appear(const cJSON *then, const char *where)
{
    const cJSON *opt =
        cJSON_GetObjectItemCaseSensitive(then, "credentials_may_appear");
    const cJSON *item;

    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(opt, "in"))
    {
        if (cJSON_IsString(item) && strcmp(item->valuestring, where) == 0)
            return 1;
    }
    return 0;
}

void kh__expect_no_credentials(struct kh_ctx *ctx, const cJSON *then)
{
    struct kh_credentials *cr = ctx->credentials;

    if (!cr)
        return;
    if (!may_appear(then, "log"))
        check_log(ctx, cr);
    /* What the URLs as sent did not carry, the journal cannot show. */
    if (!may_appear(then, "urls"))
        check_leaks(ctx, cr, &cr->urls, RULE_URL,
                    "request URL carried a configured credential");
    else if (!may_appear(then, "journal"))
        check_journal_urls(ctx, cr);
    check_leaks(ctx, cr, &cr->foreign, RULE_PLATFORM,
                "request carried another platform's credential");
}

int kh__credentials_check_output(struct kh_ctx *ctx, const char *where,
                                 const char *stream, const char *data,
                                 size_t len)
{
    struct kh_credentials *cr = ctx->credentials;
    int bad = 0;

    for (size_t i = 0; cr && i < cr->n; i++) {
        size_t line = 1, at;

        for (at = 0; at + cr->v[i].len <= len; at++) {
            if (data[at] == cr->v[i].value[0] &&
                memcmp(data + at, cr->v[i].value, cr->v[i].len) == 0)
                break;
        }
        if (at + cr->v[i].len > len)
            continue;
        for (size_t c = 0; c < at; c++)
            line += data[c] == '\n';
        /* Never print the credential: say where it was configured. */
        kh__check(ctx, 0, RULE_OUTPUT " %s: %s is in the %s of %s, line %zu",
                  WHO, cr->v[i].where, stream, where, line);
        bad++;
    }
    if (!bad)
        kh__check(ctx, 1, RULE_OUTPUT " %s: ", WHO);
    return bad;
}
