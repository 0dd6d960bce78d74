/* Token timing and form bodies the token-fetching clients share. */
#include <string.h>
#include <curl/curl.h>
#include "token.h"

int ks__token_due(int64_t now_ms, int64_t obtained_ms, int64_t expires_ms,
                  int64_t margin_ms, int have_token)
{
    int64_t life = expires_ms - obtained_ms;

    if (!have_token)
        return 1;
    if (life < 0)
        life = 0;
    /* A margin as long as the lifetime would renew on every call. */
    if (margin_ms > life / 2)
        margin_ms = life / 2;
    return now_ms >= expires_ms - margin_ms;
}

ks_rc ks__http_form_add(struct ks__buf *form, const char *name,
                        const char *value)
{
    char *esc = curl_easy_escape(NULL, value ? value : "", 0);
    ks_rc rc;

    if (!esc)
        return KS_ENOMEM;
    rc = ks__buf_printf(form, "%s%s=%s", form->len ? "&" : "", name, esc);
    memset(esc, 0, strlen(esc));
    curl_free(esc);
    return rc;
}
