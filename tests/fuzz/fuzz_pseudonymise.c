/*
 * fuzz.pseudonymise: what `kinsync record` does to an exchange
 * (kh_redact_entry and kh_pseudonym in host/src/redact.c) on arbitrary
 * bytes: the first line is a credential, sent as a Bearer token and as an
 * access_token query parameter; the rest is both bodies.
 *
 * A body is also sent as a search query value and as the literal of an
 * OData $filter on a personal field (first_name eq '...').
 *
 * Invariants: the credential's header and parameter become the
 * placeholder; the search value (of a body without '@' or quote, the
 * others stay out of the URL) is the pseudonym of the body, as a personal
 * field's value in a body would be, and so is the filter's literal; a JSON body
 * stays JSON; the same input under the same salt gives the same recording
 * (pseudonyms are stable); a pseudonym of text without '@' keeps its length and
 * its spaces, and does not depend on case; nothing leaks (LeakSanitizer).
 */
#include <ctype.h>
#include <curl/curl.h>
#include "fuzz.h"
#include <kx/alloc.h>
#include <kx/json.h>
#include "engine.h"
#include "redact.h"
#include "replay.h"

#define TARGET "fuzz_pseudonymise"

static cJSON *exchange(const char *secret, const char *body)
{
    char *esc = kx_xstrdup(secret), *text, *search, *filter, *efilter, *url;
    int personal;
    cJSON *e;

    for (char *p = esc; *p; p++) {
        if (!isalnum((unsigned char)*p))
            *p = 'x'; /* a URL- and header-safe credential */
    }
    text = kx_xasprintf(
        "{\"request\":{\"method\":\"POST\",\"url\":\"http://h/p?a=1&"
        "access_token=%s\",\"headers\":[{\"name\":\"Authorization\","
        "\"value\":\"Bearer %s\"}],\"postData\":{\"text\":\"\"}},"
        "\"response\":{\"status\":200,\"headers\":[],\"content\":{\"text\":"
        "\"\"}}}",
        esc, esc);
    e = cJSON_Parse(text);
    if (!e)
        fuzz_violation(TARGET, "test set-up: the exchange is not JSON");
    /* Only text pseudonymised word by word goes into the URL: scrubbed
     * text ('@', or after a quote in the filter) is masked by the secrets
     * learned so far, later bodies included, so a and b would differ. */
    personal = !strpbrk(body, "@'");
    search = curl_easy_escape(NULL, personal ? body : "", 0);
    filter = kx_xasprintf("first_name eq '%s'", personal ? body : "");
    efilter = curl_easy_escape(NULL, filter, 0);
    if (!search || !efilter)
        fuzz_violation(TARGET, "test set-up: cannot escape the body");
    url = kx_xasprintf("http://h/p?a=1&access_token=%s&search=%s&%%24filter=%s",
                       esc, search, efilter);
    cJSON_ReplaceItemInObject((cJSON *)kh_json_pointer(e, "/request"), "url",
                              cJSON_CreateString(url));
    curl_free(search);
    curl_free(efilter);
    free(filter);
    free(url);
    cJSON_ReplaceItemInObject((cJSON *)kh_json_pointer(e, "/request/postData"),
                              "text", cJSON_CreateString(body));
    cJSON_ReplaceItemInObject((cJSON *)kh_json_pointer(e, "/response/content"),
                              "text", cJSON_CreateString(body));
    free(text);
    free(esc);
    return e;
}

static void check_pseudonym(struct kh_redactor *r, const char *text)
{
    char *p = kh_pseudonym(r, text), *lower = kx_xstrdup(text), *q;

    if (!strchr(text, '@')) {
        if (strlen(p) != strlen(text))
            fuzz_violation(TARGET, "a pseudonym of another length");
        for (size_t i = 0; text[i]; i++) {
            if ((text[i] == ' ') != (p[i] == ' '))
                fuzz_violation(TARGET, "a pseudonym moved a space");
        }
        for (char *c = lower; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        q = kh_pseudonym(r, lower);
        for (size_t i = 0; p[i]; i++) {
            if (tolower((unsigned char)p[i]) != tolower((unsigned char)q[i]))
                fuzz_violation(TARGET, "a pseudonym depends on case");
        }
        free(q);
    }
    free(lower);
    free(p);
}

/* The search parameter and the filter's literal, as recorded, against
 * the pseudonym of the body (queryString holds them decoded). */
static void check_query(struct kh_redactor *r, const cJSON *entry,
                        const char *body)
{
    const char *search =
        kx_json_str(kh_json_pointer(entry, "/request/queryString/2"), "value");
    const char *filter =
        kx_json_str(kh_json_pointer(entry, "/request/queryString/3"), "value");
    char *p, *want;

    if (strpbrk(body, "@'"))
        return; /* not in the URL (exchange) */
    p = kh_pseudonym(r, body);
    if (!search || strcmp(search, p) != 0)
        fuzz_violation(TARGET, "a search value is not the body's pseudonym");
    want = kx_xasprintf("first_name eq '%s'", p);
    if (!filter || strcmp(filter, want) != 0)
        fuzz_violation(TARGET,
                       "a filter on first_name kept or changed its literal");
    free(want);
    free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned char salt[] = "fuzz salt, fixed";
    char *in = kx_xstrndup((const char *)data, size), *nl = strchr(in, '\n');
    struct kh_redactor *r = kh_redactor_new(salt, sizeof(salt));
    cJSON *a, *b, *probe;
    char *pa, *pb;
    const char *v;

    if (nl)
        *nl = '\0';
    a = exchange(in, nl ? nl + 1 : "");
    b = cJSON_Duplicate(a, 1);
    kh_redact_entry(r, "woocommerce", a);
    kh_redact_entry(r, "woocommerce", b);
    v = kx_json_str(kh_json_pointer(a, "/request/headers/0"), "value");
    if ((!v || strcmp(v, "Bearer " KH_REDACTED) != 0))
        fuzz_violation(TARGET, "the Authorization header kept its token");
    v = kx_json_str(kh_json_pointer(a, "/request/queryString/1"), "value");
    if (!v || strcmp(v, KH_REDACTED) != 0)
        fuzz_violation(TARGET, "the access_token parameter kept its value");
    if (nl && (probe = cJSON_Parse(nl + 1)) != NULL) {
        cJSON_Delete(probe);
        probe = cJSON_Parse(
            kx_json_str(kh_json_pointer(a, "/request/postData"), "text"));
        if (!probe)
            fuzz_violation(TARGET, "a JSON body is no longer JSON");
        cJSON_Delete(probe);
    }
    check_query(r, a, nl ? nl + 1 : "");
    pa = cJSON_PrintUnformatted(a);
    pb = cJSON_PrintUnformatted(b);
    if (!pa || !pb || strcmp(pa, pb) != 0)
        fuzz_violation(TARGET, "the same exchange recorded differently");
    check_pseudonym(r, nl ? nl + 1 : in);
    free(pa);
    free(pb);
    cJSON_Delete(a);
    cJSON_Delete(b);
    kh_redactor_free(r);
    free(in);
    return 0;
}
