/*
 * Internals of the Adobe Commerce client shared between its source
 * files.
 */
#ifndef KS_ADOBE_INT_H
#define KS_ADOBE_INT_H

#include "kinsync/adobe.h"
#include "core/internal.h"
#include "http/rest.h"

/* A bearer token cached on the client's clock (admin or IMS). */
struct ks__adobe_token {
    struct ks_secret *value; /* NULL: none yet */
    int64_t obtained_ms;
    int64_t expires_ms;
    int fresh; /* fetched for the request being sent */
};

struct ks_adobe {
    struct ks_client *client; /* borrowed */
    enum ks_adobe_deployment deployment;
    enum ks_adobe_auth auth;
    char *root;       /* ".../rest/<store>/V1" or ".../<tenant>/V1" */
    char *store_code; /* the Store header of SaaS */
    char *consumer_key, *access_token;
    struct ks_secret *consumer_secret, *access_token_secret;
    char *username;
    struct ks_secret *password;
    char *ims_token_url, *client_id, *org_id, *scope;
    struct ks_secret *client_secret;
    int64_t admin_life_ms;
    int64_t margin_ms;
    int page_size;
    struct ks__adobe_token token;
    int token_requests;
};

#define KS__ADOBE_PAGE_SIZE 100
#define KS__ADOBE_ADMIN_LIFE_S 14400
#define KS__ADOBE_IMS_URL "https://ims-na1.adobelogin.com/ims/token/v3"
#define KS__ADOBE_IMS_SCOPE                                                    \
    "openid,AdobeID,email,profile,additional_info.roles,"                      \
    "additional_info.projectedProductContext,commerce.accs"

/* ---- auth.c ---------------------------------------------------------- */

/* The ks__http_auth context of one request: the handle and what an OAuth
 * signature covers. */
struct ks__adobe_auth_ctx {
    struct ks_adobe *ad;
    const char *method;
    const char *url;
};

/* The apply hook: OAuth header, or a bearer token (fetched when due, and
 * after a 401 unless it was fetched for this very request) with the IMS
 * headers; the Store header of SaaS. */
ks_rc ks__adobe_auth_apply(void *userdata, struct curl_slist **headers,
                           int refresh);

/* ---- errors.c -------------------------------------------------------- */

/* Adobe's message with its placeholders filled: %1.. from a parameters
 * list, %name from a parameters object; unknown placeholders stay.
 * NULL when out of memory. */
char *ks__adobe_phrase(const char *message, const cJSON *parameters);

/* The ks__http_remote_error_fn of Adobe's bodies: {"message",
 * "parameters", "errors": [...]} and IMS's {"error",
 * "error_description"}. */
void ks__adobe_remote_error(struct ks_client *c, const cJSON *body);

/* ---- client.c -------------------------------------------------------- */

/* root + "/" + path with the query pairs (NULL-ended; may be NULL), each
 * escaped by curl_url. */
ks_rc ks__adobe_url(char **out, struct ks_adobe *ad, const char *path,
                    const char *const *query);

/* One JSON exchange on an absolute url; see ks_adobe_request. */
ks_rc ks__adobe_json(cJSON **out, struct ks_adobe *ad, const char *method,
                     const char *path, const char *url, const cJSON *body);

/* ---- search.c -------------------------------------------------------- */

/* The (name, value, ..., NULL) pairs of s at page with page_size, in one
 * block the caller ks__frees (the strings live in s and in the block). */
ks_rc ks__adobe_search_pairs(const char ***out, const struct ks_adobe_search *s,
                             int page_size, int page, char numbers[2][24]);

/* The page size and first page s asks for; 0 when it does not. */
int ks__adobe_search_page_size(const struct ks_adobe_search *s);
int ks__adobe_search_first_page(const struct ks_adobe_search *s);

#endif
