/*
 * The credential default: every scenario checks, without saying so, that
 * no credential configured in "given" (the connector's and the
 * emulators') reaches the connector's log or the URL of any request an
 * emulator received. "then.credentials_may_appear" turns a part off, with
 * a reason: "log", "urls" (the URLs as sent; the journals' URLs, which
 * reports show, are then still checked) or "journal" (those too).
 *
 * The URLs are looked at as they came in (km_server_set_observer), not in
 * the journal: the journal masks credentials, so a search there would
 * never find one.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <kx/alloc.h>
#include "run_int.h"

/* Names the check in explanations: no scenario says it. */
#define WHO "credential check (of every scenario)"
#define LEAKS_SHOWN 5 /* URLs with a credential described per scenario */

struct credential {
    const char *value; /* borrowed from the scenario document */
    char where[256];   /* its JSON pointer in the scenario */
};

struct kh_credentials {
    struct credential *v;
    size_t n;
    const char **values;  /* v[i].value, for ks_redact_mask */
    pthread_mutex_t lock; /* the observer runs on the servers' threads */
    struct kh_text leaks; /* URLs that carried one, credentials masked */
    size_t nleaks;
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

static void add(struct kh_credentials *cr, const char *value, const char *where)
{
    for (size_t i = 0; i < cr->n; i++) {
        if (strcmp(cr->v[i].value, value) == 0)
            return; /* the connector's copy of an emulator's, or so */
    }
    cr->v = kx_xrealloc(cr->v, (cr->n + 1) * sizeof(*cr->v));
    cr->v[cr->n].value = value;
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
                    const char *holder, int inside, const char *pointer)
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
            add(cr, child->valuestring, here);
        else if (cJSON_IsObject(child) || cJSON_IsArray(child))
            collect(cr, child, name, inside || names_credential(name), here);
    }
}

/* The first credential in text, or NULL. */
static const struct credential *find(const struct kh_credentials *cr,
                                     const char *text)
{
    for (size_t i = 0; text && i < cr->n; i++) {
        if (strstr(text, cr->v[i].value))
            return &cr->v[i];
    }
    return NULL;
}

/* The observer of every emulator: records each URL that carries a
 * credential, in its path, its raw query or its decoded query. */
static void observe(void *userdata, const char *method, const char *path,
                    const char *query)
{
    struct kh_credentials *cr = userdata;
    char *decoded = curl_easy_unescape(NULL, query ? query : "", 0, NULL);
    const struct credential *hit = find(cr, path);
    char *url;

    if (!hit)
        hit = find(cr, query);
    if (!hit)
        hit = find(cr, decoded);
    curl_free(decoded);
    if (!hit)
        return;
    url = kx_xasprintf("%s%s%s", path, query && query[0] ? "?" : "",
                       query ? query : "");
    ks_redact_mask(url, strlen(url), cr->values, cr->n);
    pthread_mutex_lock(&cr->lock);
    if (cr->nleaks++ < LEAKS_SHOWN)
        kh__text_printf(&cr->leaks, "    %s %s carried %s\n", method, url,
                        hit->where);
    pthread_mutex_unlock(&cr->lock);
    free(url);
}

void kh__credentials_open(struct kh_ctx *ctx)
{
    struct kh_credentials *cr = kx_xcalloc(1, sizeof(*cr));
    const cJSON *section;

    pthread_mutex_init(&cr->lock, NULL);
    cJSON_ArrayForEach(section, ctx->given)
    {
        char here[256] = "/given";

        kh_json_pointer_append(here, sizeof(here), section->string);
        if (strcmp(section->string, "clock") != 0)
            collect(cr, section, section->string, 0, here);
    }
    cr->values = kx_xcalloc(cr->n + 1, sizeof(*cr->values));
    for (size_t i = 0; i < cr->n; i++)
        cr->values[i] = cr->v[i].value;
    ctx->credentials = cr;
    for (size_t i = 0; i < ctx->nsystems; i++)
        km_server_set_observer(ctx->systems[i].emu->server, observe, cr);
}

void kh__credentials_close(struct kh_ctx *ctx)
{
    struct kh_credentials *cr = ctx->credentials;

    if (!cr)
        return;
    pthread_mutex_destroy(&cr->lock);
    kh__text_dispose(&cr->leaks);
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
                   "%s: %d configured credential%s in the connector log", WHO,
                   bad, bad == 1 ? " is" : "s are"))
        kh__text_printf(&ctx->details, "%s", kh__text_str(&found));
    kh__text_dispose(&found);
}

static void check_urls(struct kh_ctx *ctx, struct kh_credentials *cr)
{
    pthread_mutex_lock(&cr->lock);
    if (!kh__check(ctx, cr->nleaks == 0,
                   "%s: %zu request URL%s carried a configured "
                   "credential%s:",
                   WHO, cr->nleaks, cr->nleaks == 1 ? "" : "s",
                   cr->nleaks > LEAKS_SHOWN ? " (the first shown)" : ""))
        kh__text_printf(&ctx->details, "%s", kh__text_str(&cr->leaks));
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
              "%s: %d journal entr%s show%s a configured "
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
        check_urls(ctx, cr);
    else if (!may_appear(then, "journal"))
        check_journal_urls(ctx, cr);
}
