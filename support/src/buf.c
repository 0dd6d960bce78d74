/* The aborting growable buffer (see kx/buf.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kx/alloc.h"
#include "kx/buf.h"

static void reserve(struct kx_buf *b, size_t more)
{
    if (more > (size_t)-1 - b->len - 1)
        abort();
    b->data = kx_xgrow(b->data, &b->cap, b->len + more + 1, 1);
}

void kx_buf_reserve(struct kx_buf *b, size_t more)
{
    reserve(b, more);
    b->data[b->len] = '\0';
}

void kx_buf_add(struct kx_buf *b, const void *data, size_t len)
{
    reserve(b, len);
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void kx_buf_puts(struct kx_buf *b, const char *s)
{
    kx_buf_add(b, s, strlen(s));
}

void kx_buf_vprintf(struct kx_buf *b, const char *fmt, va_list ap)
{
    va_list copy;
    int n;

    va_copy(copy, ap);
    n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        abort();
    reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void kx_buf_printf(struct kx_buf *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    kx_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

const char *kx_buf_str(const struct kx_buf *b)
{
    return b->data ? b->data : "";
}

char *kx_buf_detach(struct kx_buf *b)
{
    char *s = b->data ? b->data : kx_xstrdup("");

    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}

void kx_buf_reset(struct kx_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
