/*
 * Shared by the end-to-end tests of the HTTP layer: an emulator core on
 * loopback with a few routes, a client on the same virtual clock, and a
 * log callback that keeps everything it was handed (kt_log of
 * tests/support; fault rules: kt_faults(f->server, ...)).
 */
#ifndef KS_TEST_HTTP_FIXTURE_H
#define KS_TEST_HTTP_FIXTURE_H

#include <stddef.h>
#include "core/client_int.h"
#include "http/http.h"
#include "kinmock/server.h"
#include "kt.h"

#define FX_TOKEN_OLD "tok-old-4f1c"
#define FX_TOKEN_NEW "tok-new-9a2e"
#define FX_MAX_ATTEMPTS 4
#define FX_MAX_RESPONSE 4096

struct fx {
    struct ks_clock *clock;
    struct km_server *server;
    struct ks_client *client;
    const char *valid_token; /* what /secure accepts */
    struct kt_log log;       /* every log line: "level msg\npayload\n" */
    char url[512];
};

/*
 * Routes: "* /echo" answers {"method","body_len","accept","user_agent",
 * "content_type","authorization"} from the request; "GET /hello" answers
 * {"ok":true} with X-Request-Id and Set-Cookie; "GET /big" answers 8 KiB;
 * "GET /secure" wants "Authorization: Bearer <valid_token>".
 */
int fx_setup(void **state);
int fx_teardown(void **state);

const char *fx_url(struct fx *f, const char *path);
/* Sends method to path, with a small JSON body for POST/PUT/PATCH. */
ks_rc fx_send(struct ks__http_reply *reply, struct fx *f, const char *method,
              const char *path);
/* The n-th journal entry's virtual time (0-based). */
int64_t fx_journal_ms(struct fx *f, int n);

/* An auth provider adding "Authorization: Bearer <token>": the old token,
 * and the new one after a refresh, which /secure then accepts. With
 * fail_refresh set, the refresh itself fails with KS_EAUTH. */
struct fx_auth {
    struct fx *f;
    int refreshes;
    int applied;
    int fail_refresh;
    int refresh_works;
};
ks_rc fx_apply_token(void *ud, struct curl_slist **headers, int refresh);

#endif
