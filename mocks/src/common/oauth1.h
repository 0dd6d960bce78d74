/*
 * The OAuth 1.0a signature base string (RFC 5849 section 3.4.1), one
 * function for every emulator that verifies OAuth 1.0a requests
 * (WooCommerce, Adobe Commerce). The emulators keep it apart from the
 * connector's signer on purpose (see crypto.h). Out-of-memory aborts.
 */
#ifndef KM_COMMON_OAUTH1_H
#define KM_COMMON_OAUTH1_H

#include <stddef.h>

struct km__oauth1_param {
    const char *name;
    const char *value;
};

/* How the parameters are ordered. */
enum km__oauth1_sort {
    /* RFC 5849 3.4.1.3.2: by encoded name, then encoded value. */
    KM__OAUTH1_SORT_ENCODED,
    /* By the raw name (WooCommerce: uksort with strcmp; one value per
     * name). */
    KM__OAUTH1_SORT_RAW_NAME
};

/*
 * METHOD & enc(url) & enc(the parameter string), where the parameter
 * string joins enc(name)=enc(value) with '&' in the order sort says and
 * leaves out "oauth_signature". url is the base string URI (scheme,
 * host, port when not the default, path). enc is RFC 3986 percent-
 * encoding of everything but the unreserved characters. The caller
 * frees the result.
 */
char *km__oauth1_base_string(const char *method, const char *url,
                             const struct km__oauth1_param *params, size_t n,
                             enum km__oauth1_sort sort);

#endif
