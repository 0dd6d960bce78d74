/*
 * URLs of the Kinetic client, built with curl's URL API.
 *
 * Query parameters are appended one by one with CURLU_APPENDQUERY. Each
 * value is escaped by curl_easy_escape first (a space becomes %20) and
 * handed to curl without CURLU_URLENCODE: curl's own encoder writes a
 * space in a query as '+', which Epicor may read literally in a $filter
 * (reference §3, §11.12). curl keeps the escapes (it lower-cases their
 * hex digits, which is equivalent) and the '$' of OData option names.
 */
#include <string.h>
#include "http/token.h"
#include "epicor_int.h"

static ks_rc url_rc(struct ks_epicor *epi, CURLUcode uc, const char *what)
{
    if (uc == CURLUE_OK)
        return KS_OK;
    if (uc == CURLUE_OUT_OF_MEMORY)
        return KS_ENOMEM;
    return ks__error_set(ks__client_error(epi->client), KS_EINVAL, 0,
                         "epicor: %s (%s)", what, curl_url_strerror(uc));
}

ks_rc ks__epicor_url_begin(CURLU **out, struct ks_epicor *epi, const char *base)
{
    CURLU *u = curl_url();
    ks_rc rc;

    *out = NULL;
    if (!u)
        return KS_ENOMEM;
    rc = url_rc(epi, curl_url_set(u, CURLUPART_URL, base, 0),
                "bad URL, check server_url");
    if (rc) {
        curl_url_cleanup(u);
        return rc;
    }
    *out = u;
    return KS_OK;
}

ks_rc ks__epicor_url_add(struct ks_epicor *epi, CURLU *u, const char *name,
                         const char *value)
{
    char *esc = curl_easy_escape(NULL, value ? value : "", 0);
    char *pair = NULL;
    ks_rc rc = KS_ENOMEM;

    if (!esc)
        goto out;
    pair = ks__aprintf("%s=%s", name, esc);
    if (!pair)
        goto out;
    rc = url_rc(epi, curl_url_set(u, CURLUPART_QUERY, pair, CURLU_APPENDQUERY),
                "bad query parameter");
out:
    ks__free(pair);
    curl_free(esc);
    return rc;
}

ks_rc ks__epicor_url_addv(struct ks_epicor *epi, CURLU *u,
                          const char *const *pairs)
{
    ks_rc rc = KS_OK;

    for (size_t i = 0; !rc && pairs && pairs[i] && pairs[i + 1]; i += 2)
        rc = ks__epicor_url_add(epi, u, pairs[i], pairs[i + 1]);
    return rc;
}

ks_rc ks__epicor_url_end(char **out, CURLU *u)
{
    char *text = NULL;
    CURLUcode uc;

    *out = NULL;
    uc = curl_url_get(u, CURLUPART_URL, &text, 0);
    curl_url_cleanup(u);
    if (uc != CURLUE_OK)
        return KS_ENOMEM; /* a URL curl parsed can only fail on memory */
    *out = ks__strdup(text);
    curl_free(text);
    return *out ? KS_OK : KS_ENOMEM;
}

ks_rc ks__epicor_form_add(struct ks__buf *form, const char *name,
                          const char *value)
{
    return ks__http_form_add(form, name, value);
}

/* A path segment escaped: a company ID or instance is free-form. */
static char *segment(const char *s)
{
    char *esc = curl_easy_escape(NULL, s, 0), *out;

    if (!esc)
        return NULL;
    out = ks__strdup(esc);
    curl_free(esc);
    return out;
}

ks_rc ks__epicor_odata_begin(CURLU **out, struct ks_epicor *epi,
                             const char *rest)
{
    char *co = segment(epi->company), *inst = segment(epi->instance);
    char *base = NULL;
    ks_rc rc = KS_ENOMEM;

    *out = NULL;
    if (!co || !inst)
        goto out;
    /* v1 names no company in the URL: the CallSettings header does. */
    if (epi->api_version == 1)
        base = ks__aprintf("%s/%s/api/v1/%s", epi->server_url, inst, rest);
    else
        base = ks__aprintf("%s/%s/api/v2/odata/%s/%s", epi->server_url, inst,
                           co, rest);
    if (base)
        rc = ks__epicor_url_begin(out, epi, base);
out:
    ks__free(base);
    ks__free(co);
    ks__free(inst);
    return rc;
}

ks_rc ks__epicor_odata_url(char **out, struct ks_epicor *epi, const char *rest,
                           const char *const *pairs)
{
    CURLU *u = NULL;
    ks_rc rc;

    *out = NULL;
    rc = ks__epicor_odata_begin(&u, epi, rest);
    if (rc)
        return rc;
    rc = ks__epicor_url_addv(epi, u, pairs);
    if (rc) {
        curl_url_cleanup(u);
        return rc;
    }
    return ks__epicor_url_end(out, u);
}

ks_rc ks__epicor_root_url(char **out, struct ks_epicor *epi, const char *rest)
{
    char *inst = segment(epi->instance), *base = NULL;
    CURLU *u = NULL;
    ks_rc rc = KS_ENOMEM;

    *out = NULL;
    if (!inst)
        goto out;
    base = ks__aprintf("%s/%s/%s", epi->server_url, inst, rest);
    if (!base)
        goto out;
    rc = ks__epicor_url_begin(&u, epi, base);
    if (!rc)
        rc = ks__epicor_url_end(out, u);
out:
    ks__free(base);
    ks__free(inst);
    return rc;
}
