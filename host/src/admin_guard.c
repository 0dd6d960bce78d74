/*
 * Who may use the admin API of `kinsync serve`: the checks every admin
 * request passes before its route runs (the admin server's before hook).
 *
 * The admin API listens on loopback, but a web page the developer visits
 * can still reach it: a cross-site POST from the page (the browser sends
 * it, with an Origin header, even if the page may not read the answer),
 * or DNS rebinding (the page's own name re-pointed at 127.0.0.1, so the
 * browser sends the page's name as Host and treats the API as
 * same-origin). Either would let the page steer the emulators, e.g. make
 * a storefront deliver webhooks wherever it likes. So, in this order:
 *   1. Host must name loopback (127.0.0.0/8, [::1], localhost, any port)
 *      or be the --bind address: 403 otherwise (defeats DNS rebinding);
 *   2. Origin, when sent, must be an http(s) origin on such a host, and
 *      Sec-Fetch-Site must not be "cross-site": 403 otherwise (defeats
 *      cross-site requests);
 *   3. with --admin-token, "Authorization: Bearer TOKEN": 401 otherwise
 *      (other local users and programs);
 *   4. a request with a body, or with a Content-Type, must declare JSON
 *      (application/json or application/...+json): 415 otherwise (the
 *      types a page may send without asking, text/plain and forms, never
 *      pass).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <kx/net.h>
#include "host.h"

static int refuse(struct km_response *res, int status, const char *msg)
{
    cJSON *o = cJSON_CreateObject();

    if (!o || !cJSON_AddStringToObject(o, "error", msg))
        abort(); /* the harness may abort on out-of-memory */
    if (status == 401)
        km_response_header(res, "WWW-Authenticate", "Bearer realm=\"kinsync\"");
    km_response_json(res, status, o);
    return 1;
}

/* 1 when name (a host without port or brackets, len bytes) is loopback or
 * the address the admin API is bound to. */
static int allowed_name(const char *name, size_t len, const char *bind)
{
    char text[64];

    if (len == 0 || len >= sizeof(text))
        return 0;
    memcpy(text, name, len);
    text[len] = '\0';
    return kx_host_is_loopback(text) || (bind && strcasecmp(text, bind) == 0);
}

/* 1 when s is empty or ":" and 1 to 5 digits. */
static int port_suffix(const char *s)
{
    size_t n;

    if (*s == '\0')
        return 1;
    if (*s++ != ':')
        return 0;
    n = strspn(s, "0123456789");
    return n >= 1 && n <= 5 && s[n] == '\0';
}

/* Host header value "name[:port]" or "[v6][:port]". */
static int allowed_host(const char *host, const char *bind)
{
    const char *end;

    if (host[0] == '[') {
        end = strchr(host, ']');
        return end && port_suffix(end + 1) &&
               allowed_name(host + 1, (size_t)(end - host - 1), bind);
    }
    end = host + strcspn(host, ":");
    return port_suffix(end) && allowed_name(host, (size_t)(end - host), bind);
}

/* An Origin header value: "http(s)://host[:port]" on an allowed host. */
static int allowed_origin(const char *origin, const char *bind)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *path = NULL;
    int ok = 0;

    if (!u)
        abort();
    if (curl_url_set(u, CURLUPART_URL, origin, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
        goto out;
    if ((strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) ||
        strcmp(path, "/") != 0)
        goto out;
    if (host[0] == '[') /* curl keeps an IPv6 host in brackets */
        ok =
            strchr(host, ']') && allowed_name(host + 1, strlen(host) - 2, bind);
    else
        ok = allowed_name(host, strlen(host), bind);
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(path);
    curl_url_cleanup(u);
    return ok;
}

/* "application/json" or "application/<x>+json", any parameters. */
static int json_type(const char *type)
{
    size_t n = strcspn(type, ";");

    while (n && isspace((unsigned char)type[n - 1]))
        n--;
    if (n == 16 && strncasecmp(type, "application/json", 16) == 0)
        return 1;
    return n > 17 && strncasecmp(type, "application/", 12) == 0 &&
           strncasecmp(type + n - 5, "+json", 5) == 0;
}

/* "Bearer TOKEN" carrying exactly the admin token; compared in constant
 * time so the answer's timing tells nothing about the token. */
static int token_matches(const char *authorization, const char *token)
{
    size_t want = strlen(token);

    if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
        return 0;
    authorization += 7;
    authorization += strspn(authorization, " ");
    return strlen(authorization) == want &&
           CRYPTO_memcmp(authorization, token, want) == 0;
}

int kh__admin_guard(struct km_response *res, const struct km_request *req,
                    void *state)
{
    const struct kh__serve *sv = state;
    const char *host = km_request_header(req, "Host");
    const char *origin = km_request_header(req, "Origin");
    const char *site = km_request_header(req, "Sec-Fetch-Site");
    const char *type = km_request_header(req, "Content-Type");

    if (!host || !allowed_host(host, sv->bind_addr))
        return refuse(res, 403,
                      "the admin API answers only requests addressed to "
                      "loopback (Host 127.0.0.1, [::1] or localhost, or the "
                      "--bind address); a web page reaching it through its "
                      "own name (DNS rebinding) is refused");
    if ((origin && !allowed_origin(origin, sv->bind_addr)) ||
        (site && strcasecmp(site, "cross-site") == 0))
        return refuse(res, 403,
                      "the admin API refuses cross-site requests: the Origin "
                      "must be http(s) on loopback");
    if (sv->admin_token &&
        !token_matches(km_request_header(req, "Authorization"),
                       sv->admin_token))
        return refuse(res, 401,
                      "the admin API requires \"Authorization: Bearer "
                      "TOKEN\" with the token given to (or generated by) "
                      "kinsync serve --admin-token");
    if ((req->body_len > 0 || type) && !(type && json_type(type)))
        return refuse(res, 415,
                      "the admin API takes only JSON bodies: send "
                      "\"Content-Type: application/json\"");
    return 0;
}

int kh__admin_token_generate(char *out, size_t outsz)
{
    unsigned char raw[KH__ADMIN_TOKEN_BYTES];

    if (outsz < 2 * sizeof(raw) + 1 || RAND_bytes(raw, sizeof(raw)) != 1)
        return -1;
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    OPENSSL_cleanse(raw, sizeof(raw));
    return 0;
}
