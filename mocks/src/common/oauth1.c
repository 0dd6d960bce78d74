/* The OAuth 1.0a signature base string (oauth1.h). */
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <kx/alloc.h>
#include <kx/buf.h>
#include "oauth1.h"

struct encoded {
    char *name;
    char *value;
    const char *raw_name;
};

static char *enc(const char *s)
{
    char *c = curl_easy_escape(NULL, s, 0);
    char *r;

    if (!c)
        abort();
    r = kx_xstrdup(c);
    curl_free(c);
    return r;
}

static int cmp_encoded(const void *a, const void *b)
{
    const struct encoded *x = a, *y = b;
    int c = strcmp(x->name, y->name);

    return c ? c : strcmp(x->value, y->value);
}

static int cmp_raw_name(const void *a, const void *b)
{
    const struct encoded *x = a, *y = b;

    return strcmp(x->raw_name, y->raw_name);
}

char *km__oauth1_base_string(const char *method, const char *url,
                             const struct km__oauth1_param *params, size_t n,
                             enum km__oauth1_sort sort)
{
    struct encoded *v = kx_xcalloc(n + 1, sizeof(*v));
    struct kx_buf list = KX_BUF_INIT, out = KX_BUF_INIT;
    char *eurl, *elist;
    size_t m = 0;

    for (size_t i = 0; i < n; i++) {
        if (strcmp(params[i].name, "oauth_signature") == 0)
            continue;
        v[m].name = enc(params[i].name);
        v[m].value = enc(params[i].value);
        v[m].raw_name = params[i].name;
        m++;
    }
    if (m > 1)
        qsort(v, m, sizeof(*v),
              sort == KM__OAUTH1_SORT_ENCODED ? cmp_encoded : cmp_raw_name);
    kx_buf_puts(&list, "");
    for (size_t i = 0; i < m; i++) {
        kx_buf_printf(&list, "%s%s=%s", i ? "&" : "", v[i].name, v[i].value);
        free(v[i].name);
        free(v[i].value);
    }
    free(v);
    eurl = enc(url);
    elist = enc(kx_buf_str(&list));
    kx_buf_printf(&out, "%s&%s&%s", method, eurl, elist);
    free(eurl);
    free(elist);
    kx_buf_reset(&list);
    return kx_buf_detach(&out);
}
