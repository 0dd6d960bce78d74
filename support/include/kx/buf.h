/*
 * A growable byte buffer, always NUL-terminated, that aborts on
 * out-of-memory (see kx/alloc.h): for the emulators and the program.
 */
#ifndef KX_BUF_H
#define KX_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct kx_buf {
    char *data; /* NULL until something is added; then NUL-terminated */
    size_t len;
    size_t cap;
};

#define KX_BUF_INIT                                                            \
    {                                                                          \
        NULL, 0, 0                                                             \
    }

void kx_buf_add(struct kx_buf *b, const void *data, size_t len);
/* Room for more bytes after the text, so that adds of a size known in
 * advance do not grow the buffer step by step. */
void kx_buf_reserve(struct kx_buf *b, size_t more);
void kx_buf_puts(struct kx_buf *b, const char *s);
void kx_buf_printf(struct kx_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void kx_buf_vprintf(struct kx_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* The text so far ("" when empty); borrowed until the next change. */
const char *kx_buf_str(const struct kx_buf *b);
/* Hands the text to the caller (free()) and empties the buffer. */
char *kx_buf_detach(struct kx_buf *b);
void kx_buf_reset(struct kx_buf *b); /* frees; the buffer is reusable */

#endif
