/*
 * The secrets the journal masks: exact strings (km_server_add_secret)
 * and issued tokens by form (km_server_add_secret_form), and the masking
 * itself, with memmem over only what the journal keeps, when an entry is
 * read (journal.c).
 */
#define _GNU_SOURCE /* memmem */
#include <string.h>
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

    /* a token may run on past end: at is then beyond it */
    while (at < end && (size_t)(end - at) >= slen &&
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

void km__secrets_mask_split(struct km_server *server, char *dst,
                            const char *src, size_t len, size_t keep)
{
    pthread_rwlock_rdlock(&server->secrets_lock);
    for (size_t i = 0; keep < len && i < server->nsecrets + server->nforms;
         i++) {
        int form = i >= server->nsecrets;
        const char *s =
            form ? server->forms[i - server->nsecrets] : server->secrets[i];
        size_t from = strlen(s) < keep ? keep - strlen(s) + 1 : 0;

        /* only what starts in the last strlen(s) - 1 bytes kept can
         * reach past the cut */
        mask(dst + from, src + from, len - from, keep - from, s, form);
    }
    pthread_rwlock_unlock(&server->secrets_lock);
}

size_t km__secrets_mask(struct km_server *server, char *buf, size_t len)
{
    return km__secrets_mask_cut(server, buf, buf, len, len);
}

void km__secrets_free(struct km_server *server)
{
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
