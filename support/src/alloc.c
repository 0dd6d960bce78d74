/* Aborting allocation (see kx/alloc.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kx/alloc.h"

void *kx_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (!p)
        abort();
    return p;
}

void *kx_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);

    if (!p)
        abort();
    return p;
}

void *kx_xrealloc(void *ptr, size_t n)
{
    void *p = realloc(ptr, n ? n : 1);

    if (!p)
        abort();
    return p;
}

void *kx_xgrow(void *array, size_t *cap, size_t need, size_t size)
{
    size_t n = *cap ? *cap : 8;

    if (need <= *cap)
        return array;
    while (n < need) {
        if (n > ((size_t)-1 / 2) / (size ? size : 1))
            abort();
        n *= 2;
    }
    array = kx_xrealloc(array, n * size);
    *cap = n;
    return array;
}

char *kx_xstrndup(const char *s, size_t n)
{
    char *p = kx_xmalloc(n + 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *kx_xstrdup(const char *s)
{
    return s ? kx_xstrndup(s, strlen(s)) : NULL;
}

char *kx_xasprintf(const char *fmt, ...)
{
    va_list ap, copy;
    int n;
    char *out;

    va_start(ap, fmt);
    va_copy(copy, ap);
    n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        abort();
    out = kx_xmalloc((size_t)n + 1);
    vsnprintf(out, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return out;
}
