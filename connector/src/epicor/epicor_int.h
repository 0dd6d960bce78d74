/*
 * Internals of the Epicor Kinetic client shared between its source files.
 */
#ifndef KS_EPICOR_KIN_H
#define KS_EPICOR_KIN_H

#include "kinsync/epicor.h"
#include "core/internal.h"
#include "http/rest.h"

struct ks_epicor {
    struct ks_client *client; /* borrowed */
    char *server_url;         /* without a trailing slash */
    char *instance;
    char *company;
    struct ks_secret *api_key; /* NULL: no x-api-key (v1 only) */
    enum ks_epicor_auth auth;
    char *username;
    struct ks_secret *password;
    char *client_id;
    struct ks_secret *client_secret;
    char *token_url; /* idp */
    char *scope;
    int64_t margin_ms;
    int page_size;
    int license_retries;
    int64_t license_wait_ms;
    int api_version; /* 2, or 1 (no API key needed, company in CallSettings) */
    /* The cached access token (token and idp auth). */
    struct ks_secret *token;
    int64_t token_obtained_ms;
    int64_t token_expires_ms;
    int token_fresh; /* fetched during the request being sent */
    struct ks_epicor_stats stats;
};

/* Epicor's page cap for entity sets (EPG [S]); larger pages would come
 * back short and end the listing early. */
#define KS__EPICOR_PAGE_MAX 100

/* ---- URLs (url.c) ----------------------------------------------------- */

/* A curl URL handle for base (absolute, escaped already); EINVAL when
 * curl refuses it. */
ks_rc ks__epicor_url_begin(CURLU **out, struct ks_epicor *epi,
                           const char *base);

/* Appends name=value to u's query (CURLU_APPENDQUERY): the value escaped
 * by curl_easy_escape (spaces as %20, never '+', which Epicor may refuse),
 * the name as it is ($-options keep their '$'). */
ks_rc ks__epicor_url_add(struct ks_epicor *epi, CURLU *u, const char *name,
                         const char *value);

/* ks__epicor_url_add for each pair of name, value, ..., NULL (may be NULL). */
ks_rc ks__epicor_url_addv(struct ks_epicor *epi, CURLU *u,
                          const char *const *pairs);

/* *out = the URL as text (ks__free); u is cleaned up in every case. */
ks_rc ks__epicor_url_end(char **out, CURLU *u);

/* Appends name=value to an application/x-www-form-urlencoded body. */
ks_rc ks__epicor_form_add(struct ks__buf *form, const char *name,
                          const char *value);

/* {server}/{instance}/api/v2/odata/{company}/{rest} begun (v1:
 * {server}/{instance}/api/v1/{rest}); rest is appended as it is (callers
 * escape key values). */
ks_rc ks__epicor_odata_begin(CURLU **out, struct ks_epicor *epi,
                             const char *rest);

/* ks__epicor_odata_begin, the query pairs (may be NULL), ks__epicor_url_end. */
ks_rc ks__epicor_odata_url(char **out, struct ks_epicor *epi, const char *rest,
                           const char *const *pairs);

/* {server}/{instance}/{rest} ("TokenResource.svc/", "api/v2/efx/..");
 * rest is appended as it is. */
ks_rc ks__epicor_root_url(char **out, struct ks_epicor *epi, const char *rest);

/* ---- requests (client.c) --------------------------------------------- */

/* Sends one request with the handle's credentials and API key, retrying
 * licence refusals license_retries times (waiting on the client clock).
 * On failure the client's error holds Epicor's ErrorMessage and
 * CorrelationId and the code is mapped (ELICENSE, ECONFLICT, ...). */
ks_rc ks__epicor_send(struct ks__http_reply *reply, struct ks_epicor *epi,
                      const char *method, const char *url, const char *body);

/* ks__epicor_send + parse: *out gets the reply as JSON (EPARSE otherwise). */
ks_rc ks__epicor_json(cJSON **out, struct ks_epicor *epi, const char *method,
                      const char *url, const cJSON *body);

/* After a failed ks__http_send: puts Epicor's ErrorMessage and
 * CorrelationId in the client's error and returns the mapped code (also
 * written to the error slot). */
ks_rc ks__epicor_remote_error(struct ks_epicor *epi,
                              const struct ks__http_reply *reply, ks_rc rc);

/* Records an EPARSE in the client's error slot. */
ks_rc ks__epicor_parse_error(struct ks_epicor *epi, const char *what,
                             const struct ks__http_reply *reply);

/*
 * The code of a failed Epicor reply: status and the error body's
 * ErrorType/ErrorMessage. 400 licence refusals (LicenseAccessException,
 * "Maximum users exceeded") are ELICENSE, "modified by another user" is
 * ECONFLICT, other statuses keep http_rc. *message and *correlation
 * (may be NULL) receive borrowed pointers into *json (which the caller
 * deletes; NULL when the body is not JSON).
 */
ks_rc ks__epicor_map_error(cJSON **json, const char **message,
                           const char **correlation, long status, ks_rc http_rc,
                           const char *body, size_t len);

/* ---- authentication (auth.c) ----------------------------------------- */

/* 1 when a cached token must be renewed before use at now_ms: none yet,
 * or within the margin of its expiry (the margin capped at half the
 * token's lifetime). */
int ks__epicor_token_due(int64_t now_ms, int64_t obtained_ms,
                         int64_t expires_ms, int64_t margin_ms, int have_token);

/* The ks__http_auth apply hook: Basic or Bearer (fetching a token when
 * due or after a 401) plus x-api-key. userdata is the handle. */
ks_rc ks__epicor_auth_apply(void *userdata, struct curl_slist **headers,
                            int refresh);

/* ---- reads (query.c) -------------------------------------------------- */

/* $filter text: "Field eq '<value with ' doubled>'"; ks__free it. */
char *ks__epicor_filter_eq(const char *field, const char *value);

/* Keyset paging over SysRevID with an optional extra filter ANDed in. */
ks_rc ks__epicor_keyset(struct ks_epicor *epi, const char *service,
                        const char *entity_set, const char *select,
                        const char *extra_filter, int64_t since,
                        ks_epicor_row_fn fn, void *userdata, int64_t *max_seen);

/* "SysRevID gt N" ANDed with extra (may be NULL); ks__free it. */
char *ks__epicor_keyset_filter(int64_t after, const char *extra);

/* Of the rows matching filter, a copy of the one with the lowest numeric
 * field "lowest"; ENOTFOUND when none matches. */
ks_rc ks__epicor_first(cJSON **out, struct ks_epicor *epi, const char *service,
                       const char *entity_set, const char *filter,
                       const char *lowest);

/* A SysRevID field as an integer (v2 sends a number, v1 a string); -1
 * when absent. */
int64_t ks__epicor_sysrevid(const cJSON *row);

/* ---- methods (methods.c) -------------------------------------------- */

/* Calls service/method with body (consumed: deleted by the caller, NULL
 * means the caller ran out of memory building it) and detaches the
 * reply's parameters.ds into *ds (EPARSE without one); *params (may be
 * NULL) gets the rest of "parameters". */
ks_rc ks__epicor_call_ds(cJSON **ds, cJSON **params, struct ks_epicor *epi,
                         const char *service, const char *method, cJSON *body);

/* The row of a tableset's table that a method works on: the first with
 * RowMod "A" or "U", else the last (as Epicor's BOs pick it). */
cJSON *ks__epicor_ds_row(cJSON *ds, const char *table);

/* Sets field to value (taken; deleted on failure) on a row. */
ks_rc ks__epicor_set(cJSON *row, const char *field, cJSON *value);

/* {"ds": {}}: the body of a GetNew that starts a tableset. NULL on OOM. */
cJSON *ks__epicor_body_new_ds(void);

/* {"ds": <reference to ds>}; delete it before ds. NULL on OOM. */
cJSON *ks__epicor_body_ds(cJSON *ds);

/* Runs service/method with body (which references *ds; deleted here,
 * NULL meaning out of memory) and replaces *ds by the reply's tableset:
 * one step of a screen's GetNew / Change* / save sequence. */
ks_rc ks__epicor_step(cJSON **ds, struct ks_epicor *epi, const char *service,
                      const char *method, cJSON *body);

/* {"ds": <reference to ds>, name: value}; value is taken (deleted on
 * failure). NULL on OOM. */
cJSON *ks__epicor_body_ds_with(cJSON *ds, const char *name, cJSON *value);

/* ks__epicor_set with a string; a NULL value sets nothing. */
ks_rc ks__epicor_set_str(cJSON *row, const char *field, const char *value);

/* A positive number field of a saved row; EPARSE when missing. */
ks_rc ks__epicor_row_num(int64_t *out, struct ks_epicor *epi, const cJSON *row,
                         const char *field);

#endif
