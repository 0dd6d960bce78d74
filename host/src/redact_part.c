/*
 * Bodies `kinsync record` keeps in part (its --body-max): redacted like
 * whole ones as far as they go, and cut back where the cut falls inside
 * something redaction must see whole. Contract in redact_int.h; the
 * reasons in the host README ("record: streaming and memory").
 */
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include <kx/alloc.h>
#include <kx/buf.h>
#include "redact.h"
#include "redact_int.h"

/* ---- bodies kept in part ---------------------------------------------
 * record keeps the first --body-max bytes of a longer body. Such a prefix
 * ends anywhere: inside a JSON string, an e-mail address, a secret. What
 * redaction cannot see whole is cut off rather than written: the last,
 * unfinished JSON string; a form's unfinished pair; in text, a tail that
 * could begin a known secret or an address. */

/* n, less the bytes of a UTF-8 sequence the cut left unfinished. */
static size_t utf8_whole(const char *t, size_t n)
{
    size_t lead = n, want;
    unsigned char c;

    while (lead > 0 && ((unsigned char)t[lead - 1] & 0xC0) == 0x80)
        lead--;
    if (lead == 0)
        return n;
    c = (unsigned char)t[lead - 1];
    want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return n - (lead - 1) < want ? lead - 1 : n;
}

/* n, less the tail of t[0..n) that could begin a known secret or an
 * e-mail address. Lock held. */
static size_t cut_partial(const struct kh_redactor *r, const char *t, size_t n)
{
    size_t cut = n;

    for (size_t k = 0; k < r->nsecrets; k++) {
        size_t len = strlen(r->secrets[k]);

        for (size_t m = len - 1 < n ? len - 1 : n; m >= 1; m--) {
            if (memcmp(t + n - m, r->secrets[k], m) == 0) {
                cut = n - m < cut ? n - m : cut;
                break;
            }
        }
    }
    while (cut > 0 && (kh__redact_local_char(t[cut - 1]) || t[cut - 1] == '@'))
        cut--;
    return utf8_whole(t, cut);
}

/* One complete JSON string token t[0..n) as a value of member name (NULL
 * in an array), redacted like walk() does, onto out. */
static void json_value(struct kx_buf *out, struct kh_redactor *r,
                       const char *system, const char *name, const char *t,
                       size_t n)
{
    cJSON *tok = cJSON_ParseWithLength(t, n), *v;
    char *s, *enc;

    if (!cJSON_IsString(tok)) {
        cJSON_Delete(tok);
        return;
    }
    s = kh__redact_member(r, system, name, tok->valuestring);
    v = cJSON_CreateString(s);
    enc = v ? cJSON_PrintUnformatted(v) : NULL;
    if (!enc)
        abort();
    kx_buf_puts(out, enc);
    free(enc);
    free(s);
    cJSON_Delete(v);
    cJSON_Delete(tok);
}

/* The end of the string token starting at t[i] (a quote): the index past
 * its closing quote, or 0 when it does not end before n. */
static size_t string_end(const char *t, size_t i, size_t n)
{
    for (i++; i < n; i++) {
        if (t[i] == '\\')
            i++;
        else if (t[i] == '"')
            return i + 1;
    }
    return 0;
}

/* A JSON document's prefix t[0..n), its complete strings redacted by the
 * member they belong to; NULL when t is not JSON as far as it goes. */
static char *json_prefix(struct kh_redactor *r, const char *system,
                         const char *t, size_t n)
{
    struct kx_buf out = KX_BUF_INIT;
    char stack[256], *key = NULL; /* '{' or '[' per level */
    size_t depth = 0, i = 0;
    int want_key = 0;

    while (i < n) {
        char c = t[i];
        size_t end;

        if (c == '"') {
            if (!(end = string_end(t, i, n)))
                break; /* unfinished: left out */
            if (want_key) {
                cJSON *k = cJSON_ParseWithLength(t + i, end - i);

                free(key);
                key = kx_xstrdup(cJSON_IsString(k) ? k->valuestring : "");
                cJSON_Delete(k);
                kx_buf_add(&out, t + i, end - i);
            } else {
                json_value(&out, r, system,
                           depth && stack[depth - 1] == '{' ? key : NULL, t + i,
                           end - i);
            }
            i = end;
            continue;
        }
        if (c == '{' || c == '[') {
            if (depth == sizeof(stack))
                goto bad;
            stack[depth++] = c;
            want_key = c == '{';
        } else if (c == '}' || c == ']') {
            if (!depth || stack[--depth] != (c == '}' ? '{' : '['))
                goto bad;
            want_key = 0;
        } else if (c == ',') {
            want_key = depth && stack[depth - 1] == '{';
        } else if (c == ':') {
            want_key = 0;
        } else if (!strchr(" \t\r\n-+.0123456789eEtruefalsn", c)) {
            goto bad;
        }
        kx_buf_add(&out, &c, 1);
        i++;
    }
    free(key);
    return kx_buf_detach(&out);
bad:
    free(key);
    kx_buf_reset(&out);
    return NULL;
}

/* A body kept in part, redacted as far as it can be whole; fresh. Lock
 * held. */
char *kh__redact_part(struct kh_redactor *r, const char *system,
                      const char *text, int form)
{
    size_t n = strlen(text), lead = strspn(text, " \t\r\n");
    char *cut, *out;

    if ((text[lead] == '{' || text[lead] == '[') &&
        (out = json_prefix(r, system, text, n)) != NULL)
        return out;
    if (form) {
        const char *amp = strrchr(text, '&');

        cut = kx_xstrndup(text, amp ? (size_t)(amp - text) : 0);
        out = kh__redact_pairs(r, system, cut, NULL);
    } else {
        cut = kx_xstrndup(text, cut_partial(r, text, n));
        out = kh__redact_scrub(r, cut);
    }
    free(cut);
    return out;
}
