/* URL helpers the remote-system modules share, over libcurl's URL API. */
#include "http.h"

ks_rc ks__http_url_add_query(CURLU *u, const char *name, const char *value)
{
    char *pair = ks__aprintf("%s=%s", name, value ? value : "");
    CURLUcode uc;

    if (!pair)
        return KS_ENOMEM;
    /* CURLU_URLENCODE escapes the value (and only the part after '='). */
    uc = curl_url_set(u, CURLUPART_QUERY, pair,
                      CURLU_APPENDQUERY | CURLU_URLENCODE);
    ks__free(pair);
    return uc == CURLUE_OK
               ? KS_OK
               : (uc == CURLUE_OUT_OF_MEMORY ? KS_ENOMEM : KS_EINVAL);
}
