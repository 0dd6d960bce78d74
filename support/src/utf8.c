/* UTF-8 validation and repair (see kx/utf8.h). */
#include <stdint.h>
#include <string.h>
#include "kx/alloc.h"
#include "kx/utf8.h"

/* The length of the valid sequence at s[0..left), or 0 when the bytes
 * there do not form one (RFC 3629, table 3-7 of the Unicode standard). */
static size_t sequence_len(const unsigned char *s, size_t left)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xBF;
    size_t n;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4;
    else
        return 0; /* a continuation byte, C0/C1 (overlong) or F5..FF */
    if (c == 0xE0)
        lo = 0xA0; /* overlong below U+0800 */
    else if (c == 0xED)
        hi = 0x9F; /* surrogates */
    else if (c == 0xF0)
        lo = 0x90; /* overlong below U+10000 */
    else if (c == 0xF4)
        hi = 0x8F; /* past U+10FFFF */
    if (left < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++) {
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    }
    return n;
}

size_t kx_utf8_invalid_at(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        size_t n;
        uint64_t w;

        /* The common case, ASCII: 32 bytes at a time (four words tested
         * at once, which compilers turn into vector code), then eight,
         * then one. */
        while (len - i >= 32) {
            uint64_t v[4];

            memcpy(v, p + i, sizeof(v));
            if ((v[0] | v[1] | v[2] | v[3]) & 0x8080808080808080u)
                break;
            i += 32;
        }
        if (len - i >= 8 &&
            (memcpy(&w, p + i, 8), !(w & 0x8080808080808080u))) {
            i += 8;
            continue;
        }
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        n = sequence_len(p + i, len - i);
        if (!n)
            return i;
        i += n;
    }
    return len;
}

int kx_utf8_valid(const char *s, size_t len)
{
    return kx_utf8_invalid_at(s, len) == len;
}

char *kx_utf8_repair(const char *s, size_t len, size_t *out_len)
{
    const unsigned char *p = (const unsigned char *)s;
    /* Each invalid byte grows to three. */
    char *out = kx_xmalloc(len * 3 + 1), *o = out;
    size_t i = 0;

    while (i < len) {
        size_t n = sequence_len(p + i, len - i);

        if (n) {
            memcpy(o, p + i, n);
            o += n;
            i += n;
        } else {
            memcpy(o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    *o = '\0';
    if (out_len)
        *out_len = (size_t)(o - out);
    return out;
}
