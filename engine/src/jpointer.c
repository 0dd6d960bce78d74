/*
 * RFC 6901 JSON pointers over cJSON: "/a/0/b~1c" names member "a", its
 * element 0, then member "b/c". Used by expectations and by the loader's
 * error messages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine.h"

/* Copies the next reference token of *p (after its leading '/') into tok,
 * unescaping ~1 and ~0, and moves *p past it. Returns -1 when the token
 * does not fit or has a bad escape. */
static int next_token(char *tok, size_t toksz, const char **p)
{
    const char *s = *p + 1;
    size_t n = 0;

    while (*s && *s != '/') {
        char c = *s++;

        if (c == '~') {
            if (*s == '0')
                c = '~';
            else if (*s == '1')
                c = '/';
            else
                return -1;
            s++;
        }
        if (n + 1 >= toksz)
            return -1;
        tok[n++] = c;
    }
    tok[n] = '\0';
    *p = s;
    return 0;
}

/* An array index per RFC 6901: "0" or digits without a leading zero. */
static int parse_index(size_t *out, const char *tok)
{
    char *end;
    unsigned long v;

    if (!*tok || (tok[0] == '0' && tok[1]) || tok[0] < '0' || tok[0] > '9')
        return -1;
    v = strtoul(tok, &end, 10);
    if (*end)
        return -1;
    *out = (size_t)v;
    return 0;
}

const cJSON *kh_json_pointer(const cJSON *doc, const char *pointer)
{
    const char *p = pointer;
    const cJSON *cur = doc;
    char tok[256];

    if (!doc || !pointer)
        return NULL;
    if (*p && *p != '/')
        return NULL;
    while (*p && cur) {
        size_t index;

        if (next_token(tok, sizeof(tok), &p) != 0)
            return NULL;
        if (cJSON_IsArray(cur)) {
            if (parse_index(&index, tok) != 0 ||
                index >= (size_t)cJSON_GetArraySize(cur))
                return NULL;
            cur = cJSON_GetArrayItem(cur, (int)index);
        } else if (cJSON_IsObject(cur)) {
            cur = cJSON_GetObjectItemCaseSensitive(cur, tok);
        } else {
            return NULL;
        }
    }
    return cur;
}

/* Kept for the engine's callers; the one implementation is in
 * <kx/json.h>. */
void kh_json_pointer_append(char *buf, size_t bufsz, const char *token)
{
    kx_json_pointer_append(buf, bufsz, token);
}

void kh_json_pointer_append_index(char *buf, size_t bufsz, size_t index)
{
    kx_json_pointer_append_index(buf, bufsz, index);
}
