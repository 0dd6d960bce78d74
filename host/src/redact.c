/*
 * Credentials out, personal data pseudonymised: the contract is in
 * redact.h; the lists are documented in the README ("Recording a real
 * system") and printed by `kinsync record --help`.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <kx/alloc.h>
#include <kx/buf.h>
#include <kx/json.h>
#include <kinmock/server.h>
#include "redact.h"
#include "redact_int.h"
#include "replay.h"

/* The personal fields of each system: JSON members (any depth) and query
 * parameters whose values are pseudonymised word by word. "*" is every
 * system. */
static const struct {
    const char *system, *fields;
} personal[] = {
    {"*", "email first_name last_name phone"},
    {"epicor", "EMailAddress Name CustomerName ContactName BTName OTSName "
               "Address1 Address2 Address3 City Zip PhoneNum FaxNum "
               "ShipToName"},
    {"bigcommerce", "company street_1 street_2 address1 address2 city zip "
                    "postal_code"},
    {"woocommerce", "company address_1 address_2 city postcode username "
                    "display_name"},
    {"adobe", "firstname lastname customer_firstname customer_lastname "
              "customer_email company_email street city postcode telephone"},
};

/* Query parameters whose values are personal besides those fields:
 * searches by name or e-mail. A BigCommerce filter suffix counts as its
 * field ("name:like" as "name", "email:in" as "email"), and in an OData
 * $filter the quoted literal compared to a personal field is
 * pseudonymised ("Name eq 'Ann Lee'", "startswith(City,'Spring')"). */
static const struct {
    const char *system, *params;
} personal_params[] = {
    {"*", "search name phone"},
    {"bigcommerce", "keyword"},
    {"woocommerce", "search_name"},
};

/* Parts of names that make a header, parameter or member a credential. */
static const char *const credential_words[] = {
    "token",   "secret", "password",      "passwd",        "api-key",
    "api_key", "apikey", "authorization", "signature",     "consumer_key",
    "cookie",  "oauth_", "x-auth-",       "client-secret",
};

struct kh_redactor *kh_redactor_new(const unsigned char *salt, size_t saltlen)
{
    struct kh_redactor *r = kx_xcalloc(1, sizeof(*r));

    pthread_mutex_init(&r->lock, NULL);
    r->salt = kx_xmalloc(saltlen);
    memcpy(r->salt, salt, saltlen);
    r->saltlen = saltlen;
    return r;
}

void kh_redactor_free(struct kh_redactor *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nsecrets; i++)
        free(r->secrets[i]);
    for (size_t i = 0; i < r->nfields; i++)
        free(r->fields[i]);
    for (size_t i = 0; i < r->ncredentials; i++)
        free(r->credentials[i]);
    OPENSSL_cleanse(r->salt, r->saltlen);
    free(r->salt);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

void kh_redactor_add_field(struct kh_redactor *r, const char *name)
{
    if (r->nfields < MAX_NAMES)
        r->fields[r->nfields++] = kx_xstrdup(name);
}

void kh_redactor_add_credential(struct kh_redactor *r, const char *name)
{
    if (r->ncredentials < MAX_NAMES)
        r->credentials[r->ncredentials++] = kx_xstrdup(name);
}

void kh_redact_fields_print(FILE *out)
{
    for (size_t i = 0; i < sizeof(personal) / sizeof(personal[0]); i++)
        fprintf(out, "  %-12s %s\n",
                strcmp(personal[i].system, "*") ? personal[i].system : "all",
                personal[i].fields);
    for (size_t i = 0; i < sizeof(personal_params) / sizeof(personal_params[0]);
         i++)
        fprintf(out, "  query %-6s %s\n",
                strcmp(personal_params[i].system, "*")
                    ? personal_params[i].system
                    : "all",
                personal_params[i].params);
}

static int has_word_ci(const char *hay, const char *word)
{
    size_t n = strlen(word);

    for (; *hay; hay++) {
        if (strncasecmp(hay, word, n) == 0)
            return 1;
    }
    return 0;
}

int kh_redact_is_credential(const struct kh_redactor *r, const char *name)
{
    if (strcasecmp(name, "username") == 0)
        return 1;
    for (size_t i = 0; i < sizeof(credential_words) / sizeof(char *); i++) {
        if (has_word_ci(name, credential_words[i]))
            return 1;
    }
    for (size_t i = 0; i < r->ncredentials; i++) {
        if (strcasecmp(name, r->credentials[i]) == 0)
            return 1;
    }
    return 0;
}

/* 1 when the space-separated list has name[0..n) (any case). */
static int listed(const char *list, const char *name, size_t n)
{
    while (*list) {
        size_t len = strcspn(list, " ");

        if (len == n && strncasecmp(list, name, n) == 0)
            return 1;
        list += len + (list[len] == ' ');
    }
    return 0;
}

/* 1 when the table row applies to system ("*": every one). */
static int applies(const char *row, const char *system)
{
    return strcmp(row, "*") == 0 || (system && strcmp(row, system) == 0);
}

static int is_personal_n(const struct kh_redactor *r, const char *system,
                         const char *name, size_t n)
{
    for (size_t i = 0; i < sizeof(personal) / sizeof(personal[0]); i++) {
        if (applies(personal[i].system, system) &&
            listed(personal[i].fields, name, n))
            return 1;
    }
    for (size_t i = 0; i < r->nfields; i++) {
        if (strlen(r->fields[i]) == n &&
            strncasecmp(name, r->fields[i], n) == 0)
            return 1;
    }
    return 0;
}

int kh__redact_is_personal(const struct kh_redactor *r, const char *system,
                           const char *name)
{
    return is_personal_n(r, system, name, strlen(name));
}

/* 1 when query parameter name holds a personal value. */
static int is_personal_param(const struct kh_redactor *r, const char *system,
                             const char *name)
{
    size_t n = strcspn(name, ":"); /* BigCommerce's "name:like" */

    for (size_t i = 0; i < sizeof(personal_params) / sizeof(personal_params[0]);
         i++) {
        if (applies(personal_params[i].system, system) &&
            listed(personal_params[i].params, name, n))
            return 1;
    }
    return is_personal_n(r, system, name, n);
}

/* HMAC-SHA256(salt, kind ":" lowercase(text[0..n))) into mac[32]. */
static void keyed(unsigned char mac[32], const struct kh_redactor *r, char kind,
                  const char *text, size_t n)
{
    char *in = kx_xmalloc(n + 2);
    unsigned int len = 32;

    in[0] = kind;
    in[1] = ':';
    for (size_t i = 0; i < n; i++)
        in[i + 2] = (char)tolower((unsigned char)text[i]);
    if (!HMAC(EVP_sha256(), r->salt, (int)r->saltlen, (unsigned char *)in,
              n + 2, mac, &len))
        abort();
    free(in);
}

static void add_email(struct kx_buf *out, const struct kh_redactor *r,
                      const char *email, size_t n)
{
    unsigned char mac[32];

    keyed(mac, r, 'e', email, n);
    kx_buf_puts(out, "p");
    for (int i = 0; i < 6; i++)
        kx_buf_printf(out, "%02x", mac[i]);
    kx_buf_puts(out, "@example.invalid");
}

static void add_word(struct kx_buf *out, const struct kh_redactor *r,
                     const char *word, size_t n)
{
    unsigned char mac[32];

    keyed(mac, r, 'w', word, n);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)word[i], h = mac[i % 32];
        char o = (char)c;

        if (isdigit(c))
            o = (char)('0' + h % 10);
        else if (isalpha(c))
            o = (char)((isupper(c) ? 'A' : 'a') + h % 26);
        kx_buf_add(out, &o, 1);
    }
}

int kh__redact_local_char(char c)
{
    return isalnum((unsigned char)c) || strchr("._%+-", c);
}

static int domain_char(char c)
{
    return isalnum((unsigned char)c) || c == '.' || c == '-';
}

/* Copies s with every known secret masked and every e-mail address
 * replaced by its pseudonym; fresh string. Called with the lock held. */
char *kh__redact_scrub(const struct kh_redactor *r, const char *s)
{
    struct kx_buf out = KX_BUF_INIT;
    size_t i = 0, from = 0, n = strlen(s);

    while (i < n) {
        size_t k, l, e, dot = 0;

        for (k = 0; k < r->nsecrets; k++) {
            if (strncmp(s + i, r->secrets[k], strlen(r->secrets[k])) == 0)
                break;
        }
        if (k < r->nsecrets) {
            kx_buf_add(&out, s + from, i - from);
            kx_buf_puts(&out, KH_REDACTED);
            i += strlen(r->secrets[k]);
            from = i;
            continue;
        }
        if (s[i] != '@') {
            i++;
            continue;
        }
        for (l = i; l > from && kh__redact_local_char(s[l - 1]); l--)
            ;
        for (e = i + 1; e < n && domain_char(s[e]); e++)
            dot = s[e] == '.' && e > i + 1 ? e : dot;
        while (e > i + 1 && s[e - 1] == '.')
            e--;
        if (l == i || !dot || dot >= e - 1) {
            i++;
            continue;
        }
        kx_buf_add(&out, s + from, l - from);
        add_email(&out, r, s + l, e - l);
        i = from = e;
    }
    kx_buf_add(&out, s + from, n - from);
    return kx_buf_detach(&out);
}

/* The pseudonym, lock held. */
char *kh__redact_pseudonym(const struct kh_redactor *r, const char *value)
{
    struct kx_buf out = KX_BUF_INIT;
    const char *p = value;

    if (strchr(value, '@'))
        return kh__redact_scrub(r, value);
    while (*p) {
        size_t sp = strspn(p, " \t\n"), w;

        kx_buf_add(&out, p, sp);
        p += sp;
        w = strcspn(p, " \t\n");
        add_word(&out, r, p, w);
        p += w;
    }
    return kx_buf_detach(&out);
}

char *kh_pseudonym(struct kh_redactor *r, const char *value)
{
    char *out;

    pthread_mutex_lock(&r->lock);
    out = kh__redact_pseudonym(r, value);
    pthread_mutex_unlock(&r->lock);
    return out;
}

/* 1 when v is one e-mail address and nothing else. */
static int whole_address(const char *v)
{
    size_t l = 0, d;

    while (v[l] &&
           kh__redact_local_char(v[l])) /* kh__redact_local_char('\0') is 1 */
        l++;
    if (!l || v[l] != '@')
        return 0;
    for (d = l + 1; domain_char(v[d]); d++)
        ;
    return !v[d] && strchr(v + l + 1, '.') && v[d - 1] != '.';
}

/* Remembers a credential value to mask wherever it appears again. An
 * e-mail address (a WooCommerce customer's "username") is not: every
 * address anywhere gets its pseudonym already, which keeps the customer
 * the same customer in the rest of the recording. */
void kh__redact_remember(struct kh_redactor *r, const char *value)
{
    if (strlen(value) < MIN_SECRET || r->nsecrets == MAX_SECRETS ||
        whole_address(value) ||
        strncmp(value, KH_REDACTED, sizeof(KH_REDACTED) - 1) == 0)
        return;
    for (size_t i = 0; i < r->nsecrets; i++) {
        if (strcmp(r->secrets[i], value) == 0)
            return;
    }
    r->secrets[r->nsecrets++] = kx_xstrdup(value);
}

static void set_string(cJSON *obj, const char *name, char *fresh)
{
    cJSON *v = cJSON_CreateString(fresh);

    free(fresh);
    if (!v || !cJSON_ReplaceItemInObjectCaseSensitive(obj, name, v))
        abort();
}

/* "Basic dXNlcjpwYXNz" keeps its scheme; the decoded "user:pass" of
 * Basic is remembered in its parts too. */
static char *redact_header(struct kh_redactor *r, const char *value)
{
    const char *sp = strchr(value, ' ');
    unsigned char dec[1024];
    int n;

    if (!sp || sp == value)
        return kh__redact_remember(r, value), kx_xstrdup(KH_REDACTED);
    kh__redact_remember(r, sp + 1);
    if (strncasecmp(value, "Basic ", 6) == 0 && strlen(sp + 1) < 1300 &&
        (n = EVP_DecodeBlock(dec, (const unsigned char *)sp + 1,
                             (int)strlen(sp + 1))) > 0) {
        char *colon;

        dec[n] = '\0';
        colon = strchr((char *)dec, ':');
        if (colon)
            kh__redact_remember(r, colon + 1);
        OPENSSL_cleanse(dec, sizeof(dec));
    }
    return kx_xasprintf("%.*s %s", (int)(sp - value), value, KH_REDACTED);
}

static void headers(struct kh_redactor *r, cJSON *list)
{
    cJSON *h;

    cJSON_ArrayForEach(h, list)
    {
        const char *name = kx_json_str(h, "name"), *v = kx_json_str(h, "value");

        if (!name || !v)
            continue;
        set_string(h, "value",
                   kh_redact_is_credential(r, name) ? redact_header(r, v)
                                                    : kh__redact_scrub(r, v));
    }
}

char *kh__redact_member(struct kh_redactor *r, const char *system,
                        const char *name, const char *value)
{
    if (name && kh_redact_is_credential(r, name)) {
        kh__redact_remember(r, value);
        return kx_xstrdup(KH_REDACTED);
    }
    if (name && kh__redact_is_personal(r, system, name))
        return kh__redact_pseudonym(r, value);
    return kh__redact_scrub(r, value);
}

/* A JSON document, in place (strings changed where they are, so the
 * iteration stays valid). */
static void walk(struct kh_redactor *r, const char *system, cJSON *node)
{
    cJSON *c;

    cJSON_ArrayForEach(c, node)
    {
        const char *name = c->string;
        char *s;

        if (cJSON_IsString(c)) {
            s = kh__redact_member(r, system, name, c->valuestring);
            cJSON_free(c->valuestring);
            c->valuestring = s;
        } else if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
            walk(r, system, c);
        }
    }
}

/* The field a quoted literal at q is compared to: the identifier before
 * the operator word ("Name eq '...'") or the comma ("startswith(City,
 * '...')"), as [*id, q-ish); its length, 0 when there is none. */
static size_t filter_field(const char **id, const char *f, const char *q)
{
    const char *b = q;

    while (b > f && b[-1] == ' ')
        b--;
    if (b > f && b[-1] == ',') {
        b--;
    } else {
        while (b > f && isalpha((unsigned char)b[-1]))
            b--;
    }
    while (b > f && b[-1] == ' ')
        b--;
    *id = b;
    while (*id > f && (isalnum((unsigned char)(*id)[-1]) || (*id)[-1] == '_'))
        (*id)--;
    return (size_t)(b - *id);
}

/* An OData $filter with the quoted literals compared to personal fields
 * pseudonymised ("Name eq 'Ann Lee'"), everything scrubbed; fresh
 * string. Lock held. */
static char *odata_filter(struct kh_redactor *r, const char *system,
                          const char *f)
{
    struct kx_buf out = KX_BUF_INIT;
    const char *p = f, *q, *end, *id;
    char *tail;

    while ((q = strchr(p, '\'')) != NULL) {
        size_t idlen = filter_field(&id, f, q);
        char *text, *lit;

        /* the literal ends at a quote that is not a doubled one */
        for (end = q + 1; *end && !(*end == '\'' && end[1] != '\'');
             end += 1 + (*end == '\''))
            ;
        text = kx_xstrndup(p, (size_t)(q + 1 - p)); /* up to the quote */
        lit = kh__redact_scrub(r, text);
        kx_buf_puts(&out, lit);
        free(lit);
        free(text);
        text = kx_xstrndup(q + 1, (size_t)(end - q - 1));
        lit = idlen && is_personal_n(r, system, id, idlen)
                  ? kh__redact_pseudonym(r, text)
                  : kh__redact_scrub(r, text);
        kx_buf_puts(&out, lit);
        free(lit);
        free(text);
        p = *end ? end + 1 : end;
        if (*end)
            kx_buf_puts(&out, "'");
    }
    tail = kh__redact_scrub(r, p);
    kx_buf_puts(&out, tail);
    free(tail);
    return kx_buf_detach(&out);
}

/* A query or form text: each pair decoded, redacted or pseudonymised,
 * encoded again; the decoded pairs appended to list when given. */
char *kh__redact_pairs(struct kh_redactor *r, const char *system,
                       const char *text, cJSON *list)
{
    struct kx_buf out = KX_BUF_INIT;
    const char *p = text;

    while (*p) {
        size_t len = strcspn(p, "&"), eq = strcspn(p, "=");
        char *name, *value, *v, *en, *ev;

        eq = eq < len ? eq : len;
        name = km_form_decode(p, eq);
        value = eq < len ? km_form_decode(p + eq + 1, len - eq - 1)
                         : kx_xstrdup("");
        if (kh_redact_is_credential(r, name)) {
            kh__redact_remember(r, value);
            v = kx_xstrdup(KH_REDACTED);
        } else {
            v = is_personal_param(r, system, name)
                    ? kh__redact_pseudonym(r, value)
                : strcasecmp(name, "$filter") == 0
                    ? odata_filter(r, system, value)
                    : kh__redact_scrub(r, value);
        }
        en = curl_easy_escape(NULL, name, 0);
        ev = curl_easy_escape(NULL, v, 0);
        if (!en || !ev)
            abort();
        if (len)
            kx_buf_printf(&out, "%s%s%s%s", out.len ? "&" : "", en,
                          eq < len ? "=" : "", eq < len ? ev : "");
        if (len && list) {
            cJSON *pair = cJSON_CreateObject();

            if (!pair || !cJSON_AddStringToObject(pair, "name", name) ||
                !cJSON_AddStringToObject(pair, "value", v) ||
                !cJSON_AddItemToArray(list, pair))
                abort();
        }
        curl_free(en);
        curl_free(ev);
        free(name);
        free(value);
        free(v);
        p += len + (p[len] == '&');
    }
    return kx_buf_detach(&out);
}

static void url(struct kh_redactor *r, const char *system, cJSON *req)
{
    const char *u = kx_json_str(req, "url");
    char *q = u ? strchr(u, '?') : NULL, *base, *query, *whole;
    cJSON *list = cJSON_CreateArray();

    if (!u || !list)
        abort();
    base = kx_xstrndup(u, q ? (size_t)(q - u) : strlen(u));
    query = kh__redact_pairs(r, system, q ? q + 1 : "", list);
    whole = kh__redact_scrub(r, base);
    free(base);
    base = whole;
    whole = kx_xasprintf("%s%s%s", base, *query ? "?" : "", query);
    set_string(req, "url", whole);
    free(base);
    free(query);
    if (!cJSON_ReplaceItemInObjectCaseSensitive(req, "queryString", list) &&
        !cJSON_AddItemToObject(req, "queryString", list))
        abort();
}

/* A body text ("text" of obj): JSON walked, a form as pairs, else
 * scrubbed; one kept in part (record's "_truncated") is cut back first
 * (redact_part.c). */
static void body(struct kh_redactor *r, const char *system, cJSON *obj)
{
    const char *text = kx_json_str(obj, "text");
    const char *type = kx_json_str(obj, "mimeType");
    int form = type && strstr(type, "x-www-form-urlencoded");
    cJSON *doc;
    char *out;

    if (!text || !*text)
        return;
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, "_truncated"))) {
        set_string(obj, "text", kh__redact_part(r, system, text, form));
        return; /* "size" stays the whole body's */
    }
    if ((doc = cJSON_Parse(text)) != NULL) {
        walk(r, system, doc);
        out = cJSON_PrintUnformatted(doc);
        cJSON_Delete(doc);
        if (!out)
            abort();
    } else if (form) {
        out = kh__redact_pairs(r, system, text, NULL);
    } else {
        out = kh__redact_scrub(r, text);
    }
    set_string(obj, "text", out);
    if (cJSON_GetObjectItemCaseSensitive(obj, "size"))
        cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(obj, "size"),
                             (double)strlen(kx_json_str(obj, "text")));
}

/* Every part of one entry, lock held. */
static void entry_parts(struct kh_redactor *r, const char *system, cJSON *entry)
{
    cJSON *req = cJSON_GetObjectItemCaseSensitive(entry, "request");
    cJSON *res = cJSON_GetObjectItemCaseSensitive(entry, "response");

    headers(r, cJSON_GetObjectItemCaseSensitive(req, "headers"));
    if (kx_json_str(req, "url"))
        url(r, system, req);
    body(r, system, cJSON_GetObjectItemCaseSensitive(req, "postData"));
    headers(r, cJSON_GetObjectItemCaseSensitive(res, "headers"));
    body(r, system, cJSON_GetObjectItemCaseSensitive(res, "content"));
}

/* Twice: the first pass, over a copy that is thrown away, learns every
 * credential of the exchange (a token the response issues, a password in
 * a member after the one that echoes it), so that the second masks them
 * in the parts that come before where they are named too. */
void kh_redact_entry(struct kh_redactor *r, const char *system, cJSON *entry)
{
    cJSON *dry = cJSON_Duplicate(entry, 1);

    if (!dry)
        abort();
    pthread_mutex_lock(&r->lock);
    entry_parts(r, system, dry);
    entry_parts(r, system, entry);
    pthread_mutex_unlock(&r->lock);
    cJSON_Delete(dry);
}
