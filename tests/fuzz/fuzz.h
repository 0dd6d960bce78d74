/*
 * Shared by the fuzz targets and replay.c: the libFuzzer entry point's
 * prototype and small helpers for cutting an input into an HTTP-like
 * message (a first line, "Name: value" header lines, a blank line, then
 * the body as raw bytes).
 *
 * Targets abort() through fuzz_violation() when an invariant breaks, so
 * that libFuzzer and the ctest replay both report it as a crash with the
 * reason on stderr.
 */
#ifndef KS_FUZZ_FUZZ_H
#define KS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_HEADERS 16

static inline void fuzz_violation(const char *target, const char *what)
{
    fprintf(stderr, "%s: invariant violated: %s\n", target, what);
    abort();
}

/* A NUL-terminated copy of n bytes (an embedded NUL ends the string for
 * C-string APIs, which is what they would see from a caller too). Test
 * code may abort on out-of-memory. */
static inline char *fuzz_strndup(const void *data, size_t n)
{
    char *s = malloc(n + 1);

    if (!s)
        abort();
    if (n)
        memcpy(s, data, n);
    s[n] = '\0';
    return s;
}

/* An input cut into a first line, headers and a body. Every string is
 * owned by the message; body points into the caller's data. */
struct fuzz_message {
    char *first; /* the first line, without its '\n' */
    size_t nheaders;
    char *name[FUZZ_MAX_HEADERS];
    char *value[FUZZ_MAX_HEADERS];
    const char *body;
    size_t body_len;
};

/* Takes one line starting at *pos; returns its length and moves *pos past
 * the '\n' (or to size). */
static inline size_t fuzz_line(const uint8_t *data, size_t size, size_t *pos,
                               const char **start)
{
    const uint8_t *nl;
    size_t n;

    *start = (const char *)data + *pos;
    nl = memchr(data + *pos, '\n', size - *pos);
    n = nl ? (size_t)(nl - (data + *pos)) : size - *pos;
    *pos += nl ? n + 1 : n;
    return n;
}

/* with_first: whether the input starts with a first line before the
 * headers. A header line without ':' is kept with an empty value; lines
 * past FUZZ_MAX_HEADERS are dropped. */
static inline void fuzz_message_parse(struct fuzz_message *m,
                                      const uint8_t *data, size_t size,
                                      int with_first)
{
    size_t pos = 0, n;
    const char *line;

    memset(m, 0, sizeof(*m));
    if (with_first) {
        n = fuzz_line(data, size, &pos, &line);
        m->first = fuzz_strndup(line, n);
    }
    while (pos < size) {
        const char *colon, *v;

        n = fuzz_line(data, size, &pos, &line);
        if (n == 0)
            break; /* the blank line before the body */
        if (m->nheaders == FUZZ_MAX_HEADERS)
            continue;
        colon = memchr(line, ':', n);
        v = colon ? colon + 1 : line + n;
        while (v < line + n && *v == ' ')
            v++;
        m->name[m->nheaders] =
            fuzz_strndup(line, colon ? (size_t)(colon - line) : n);
        m->value[m->nheaders] = fuzz_strndup(v, (size_t)(line + n - v));
        m->nheaders++;
    }
    m->body = (const char *)data + pos;
    m->body_len = size - pos;
}

/* The first header of that name (case-insensitive), or NULL. */
static inline const char *fuzz_message_header(const struct fuzz_message *m,
                                              const char *name)
{
    for (size_t i = 0; i < m->nheaders; i++) {
        if (strcasecmp(m->name[i], name) == 0)
            return m->value[i];
    }
    return NULL;
}

static inline void fuzz_message_dispose(struct fuzz_message *m)
{
    free(m->first);
    for (size_t i = 0; i < m->nheaders; i++) {
        free(m->name[i]);
        free(m->value[i]);
    }
    memset(m, 0, sizeof(*m));
}

/* 1 when needle (nlen bytes) occurs in hay (hlen bytes). */
static inline int fuzz_contains(const char *hay, size_t hlen,
                                const char *needle, size_t nlen)
{
    if (nlen == 0)
        return 1;
    for (size_t i = 0; i + nlen <= hlen; i++) {
        if (memcmp(hay + i, needle, nlen) == 0)
            return 1;
    }
    return 0;
}

#endif
