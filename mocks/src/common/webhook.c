#include <stdio.h>
#include <curl/curl.h>
#include "kinmock/webhook.h"

/* The receiver's reply body is not needed; discarding it keeps a large or
 * slow reply from piling up in memory. */
static size_t discard(char *ptr, size_t size, size_t nmemb, void *ud)
{
    (void)ptr;
    (void)ud;
    return size * nmemb;
}

long km_webhook_post(const char *url, const char *const *headers,
                     const char *body, size_t len, long timeout_ms, char *err,
                     size_t errsz)
{
    struct curl_slist *list = NULL, *grown;
    CURL *curl = curl_easy_init();
    long status = 0;
    CURLcode cc;

    if (errsz)
        err[0] = '\0';
    if (!curl) {
        snprintf(err, errsz, "curl_easy_init failed");
        return 0;
    }
    for (size_t i = 0; headers && headers[i]; i++) {
        grown = curl_slist_append(list, headers[i]);
        if (!grown) {
            snprintf(err, errsz, "out of memory building headers");
            goto out;
        }
        list = grown;
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body ? body : "");
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    cc = curl_easy_perform(curl);
    if (cc != CURLE_OK)
        snprintf(err, errsz, "%s", curl_easy_strerror(cc));
    else
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
out:
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    return status;
}
