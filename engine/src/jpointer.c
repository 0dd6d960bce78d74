/*
 * RFC 6901 JSON pointers over cJSON: "/a/0/b~1c" names member "a", its
 * element 0, then member "b/c". Used by expectations and by the loader's
 * error messages.
 *
 * One extension, for expectations that must not depend on order: a
 * reference token "[name=value]" (after the ~0/~1 unescaping) selects the
 * one element of an array, or member value of an object, that is an object
 * whose member "name" holds value; see kh_json_pointer_select in engine.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine.h"

#define TOKEN_MAX 256
#define LISTED_MAX 5 /* candidates named when a selector finds nothing */

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

/* A token starting with '[' is a selector "[name=value]": name non-empty,
 * ended by the first '='; value everything up to the final ']'. Cuts tok
 * in place into *name and *value. Returns 1 for a selector, 0 for a plain
 * token, -1 for a token starting with '[' that is no selector. */
static int parse_selector(char **name, char **value, char *tok)
{
    size_t n = strlen(tok);
    char *eq = strchr(tok, '=');

    if (tok[0] != '[')
        return 0;
    if (n < 4 || tok[n - 1] != ']' || !eq || eq == tok + 1)
        return -1;
    tok[n - 1] = '\0';
    *eq = '\0';
    *name = tok + 1;
    *value = eq + 1;
    return 1;
}

/* 1 when field holds value: a string equal to it, or another JSON value
 * equal to value read as JSON ("100" matches 100, "true" matches true). */
static int field_matches(const cJSON *field, const char *value)
{
    cJSON *parsed;
    int ok;

    if (!field)
        return 0;
    if (cJSON_IsString(field))
        return strcmp(field->valuestring, value) == 0;
    parsed = cJSON_Parse(value);
    ok = parsed && !cJSON_IsString(parsed) && cJSON_Compare(parsed, field, 1);
    cJSON_Delete(parsed);
    return ok;
}

/* "message" into why, when the caller wants it. */
static void say(char *why, size_t whysz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(char *why, size_t whysz, const char *fmt, ...)
{
    va_list ap;

    if (!why || !whysz)
        return;
    va_start(ap, fmt);
    vsnprintf(why, whysz, fmt, ap);
    va_end(ap);
}

/* Appends to why what the candidates hold in name, so that a failure
 * shows the data that is there instead (at most LISTED_MAX of them). */
static void list_candidates(char *why, size_t whysz, const cJSON *set,
                            const char *name)
{
    const cJSON *e;
    size_t len, shown = 0;
    int total = cJSON_GetArraySize(set);

    if (!why || !whysz)
        return;
    len = strlen(why);
    snprintf(why + len, whysz - len, " (%d there%s", total, total ? "; " : ")");
    cJSON_ArrayForEach(e, set)
    {
        const cJSON *field = cJSON_GetObjectItemCaseSensitive(e, name);
        char *text;

        len = strlen(why);
        if (shown == LISTED_MAX) {
            snprintf(why + len, whysz - len, ", ...");
            break;
        }
        text = field ? cJSON_PrintUnformatted(field) : NULL;
        snprintf(why + len, whysz - len, "%s%s %s", shown ? ", " : "", name,
                 text ? text : "missing");
        cJSON_free(text);
        shown++;
    }
    len = strlen(why);
    if (total)
        snprintf(why + len, whysz - len, ")");
}

/* The one element (or member value) of set whose member name holds value;
 * at is set's pointer, for the explanation. */
static enum kh_pointer_status select_one(const cJSON **out, const cJSON *set,
                                         const char *name, const char *value,
                                         const char *at, char *why,
                                         size_t whysz)
{
    const cJSON *e, *found = NULL;
    int matches = 0, first = -1, second = -1, i = 0;

    *out = NULL;
    if (!cJSON_IsArray(set) && !cJSON_IsObject(set)) {
        say(why, whysz, "%s is no array or object to select %s \"%s\" from",
            at[0] ? at : "the document", name, value);
        return KH_POINTER_NOTHING;
    }
    cJSON_ArrayForEach(e, set)
    {
        if (field_matches(cJSON_GetObjectItemCaseSensitive(e, name), value)) {
            if (matches++ == 0) {
                found = e;
                first = i;
            } else if (matches == 2) {
                second = i;
            }
        }
        i++;
    }
    if (matches > 1) {
        say(why, whysz,
            "%d entries of %s have %s \"%s\" (the first two at %d and %d): "
            "a selector must pick exactly one",
            matches, at[0] ? at : "the document", name, value, first, second);
        return KH_POINTER_AMBIGUOUS;
    }
    if (!found) {
        say(why, whysz, "no entry of %s has %s \"%s\"",
            at[0] ? at : "the document", name, value);
        list_candidates(why, whysz, set, name);
        return KH_POINTER_NOTHING;
    }
    *out = found;
    return KH_POINTER_FOUND;
}

/* One plain reference token applied to cur (RFC 6901); NULL: nothing. */
static const cJSON *step_plain(const cJSON *cur, const char *tok)
{
    size_t index;

    if (cJSON_IsArray(cur)) {
        if (parse_index(&index, tok) != 0 ||
            index >= (size_t)cJSON_GetArraySize(cur))
            return NULL;
        return cJSON_GetArrayItem(cur, (int)index);
    }
    if (cJSON_IsObject(cur))
        return cJSON_GetObjectItemCaseSensitive(cur, tok);
    return NULL;
}

enum kh_pointer_status kh_json_pointer_select(const cJSON **out,
                                              const cJSON *doc,
                                              const char *pointer, char *why,
                                              size_t whysz)
{
    const char *p = pointer;
    const cJSON *cur = doc;
    char tok[TOKEN_MAX], at[512] = "";

    *out = NULL;
    say(why, whysz, "%s", "");
    if (kh_json_pointer_check(pointer, why, whysz) != 0)
        return KH_POINTER_BAD;
    while (*p && cur) {
        const char *start = p;
        char *name, *value;

        next_token(tok, sizeof(tok), &p); /* checked above */
        if (parse_selector(&name, &value, tok) == 1) {
            enum kh_pointer_status st =
                select_one(&cur, cur, name, value, at, why, whysz);

            if (st != KH_POINTER_FOUND)
                return st;
        } else {
            cur = step_plain(cur, tok);
        }
        snprintf(at + strlen(at), sizeof(at) - strlen(at), "%.*s",
                 (int)(p - start), start);
    }
    *out = cur;
    return cur ? KH_POINTER_FOUND : KH_POINTER_NOTHING;
}

int kh_json_pointer_check(const char *pointer, char *why, size_t whysz)
{
    const char *p = pointer;
    char tok[TOKEN_MAX];

    if (!p || (*p && *p != '/')) {
        say(why, whysz, "it must be \"\" or start with '/'");
        return -1;
    }
    while (*p) {
        char *name, *value;

        if (next_token(tok, sizeof(tok), &p) != 0) {
            say(why, whysz,
                "'~' may only be written ~0 or ~1, and a reference token "
                "holds at most %d characters",
                TOKEN_MAX - 1);
            return -1;
        }
        if (parse_selector(&name, &value, tok) < 0) {
            say(why, whysz,
                "a reference token starting with '[' selects an entry by a "
                "member and must read [name=value], such as "
                "[sku=WIDGET-100]");
            return -1;
        }
    }
    return 0;
}

const cJSON *kh_json_pointer(const cJSON *doc, const char *pointer)
{
    const cJSON *found;

    if (!doc)
        return NULL;
    return kh_json_pointer_select(&found, doc, pointer, NULL, 0) ==
                   KH_POINTER_FOUND
               ? found
               : NULL;
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
