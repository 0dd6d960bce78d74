/* A growable, always NUL-terminated byte buffer. */
#include <stdio.h>
#include <string.h>
#include "internal.h"

static ks_rc buf_reserve(struct ks__buf *b, size_t extra)
{
    size_t need, cap;
    char *grown;

    if (b->oom)
        return KS_ENOMEM;
    if (extra > SIZE_MAX - b->len - 1)
        goto fail;
    need = b->len + extra + 1;
    if (need <= b->cap)
        return KS_OK;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    grown = ks__realloc(b->data, cap);
    if (!grown)
        goto fail;
    b->data = grown;
    b->cap = cap;
    return KS_OK;
fail:
    b->oom = 1;
    return KS_ENOMEM;
}

ks_rc ks__buf_append(struct ks__buf *b, const void *data, size_t len)
{
    ks_rc rc = buf_reserve(b, len);

    if (rc)
        return rc;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return KS_OK;
}

ks_rc ks__buf_puts(struct ks__buf *b, const char *s)
{
    return ks__buf_append(b, s, strlen(s));
}

ks_rc ks__buf_printf(struct ks__buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    ks_rc rc;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return KS_EINVAL;
    rc = buf_reserve(b, (size_t)n);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return KS_OK;
}

char *ks__buf_detach(struct ks__buf *b)
{
    char *data = b->oom ? NULL : b->data;

    if (b->oom)
        ks__free(b->data);
    else if (!data)
        data = ks__strdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
    return data;
}

void ks__buf_dispose(struct ks__buf *b)
{
    ks__free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}
