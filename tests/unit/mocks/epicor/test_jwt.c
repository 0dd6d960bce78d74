/* unit.mocks.epicor.jwt: the tokens of TokenResource.svc are well-formed
 * JWTs whose claims stay valid JSON for any user name. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include "common/server_int.h"
#include "epi_test.h"

/* The user name is o"brien\x: a quote and a backslash, which broke the
 * payload when it was put together with printf. */
static const char *config =
    "{\"instance\":\"SaaS5333\","
    " \"users\":[{\"username\":\"o\\\"brien\\\\x\",\"password\":\"pw\"}],"
    " \"api_keys\":[{\"key\":\"km-epicor-test-key\",\"scope\":null}],"
    " \"token_lifetime_s\":600,"
    " \"companies\":{\"EPIC06\":{\"parts\":[{\"PartNum\":\"A\","
    "   \"PartDescription\":\"a\"}]}}}";

static int setup(void **state)
{
    struct epi_env *env = calloc(1, sizeof(*env));

    epi_start(env, config);
    *state = env;
    return 0;
}

static int teardown(void **state)
{
    epi_stop(*state);
    free(*state);
    return 0;
}

/* Decodes one base64url segment (no padding) with OpenSSL directly, so
 * the check does not rest on the emulator's own encoder. */
static char *segment_json(const char *seg, size_t len)
{
    char *b64 = calloc(1, len + 4);
    unsigned char *raw = calloc(1, len + 4);
    size_t padded = (len + 3) / 4 * 4;
    int n;

    assert_non_null(b64);
    assert_non_null(raw);
    for (size_t i = 0; i < len; i++) {
        assert_true(seg[i] != '=' && seg[i] != '+' && seg[i] != '/');
        b64[i] = seg[i] == '-' ? '+' : seg[i] == '_' ? '/' : seg[i];
    }
    for (size_t i = len; i < padded; i++)
        b64[i] = '=';
    n = EVP_DecodeBlock(raw, (unsigned char *)b64, (int)padded);
    assert_true(n >= 0);
    raw[n - (int)(padded - len)] = '\0';
    free(b64);
    return (char *)raw;
}

static char *issue(struct epi_env *env)
{
    const char *hdrs[] = {"username: o\"brien\\x", "password: pw",
                          "Accept: application/json", NULL};
    struct epi_resp r;
    char *tok;

    epi_http(&r, env, "POST", "/SaaS5333/TokenResource.svc/", hdrs, "");
    assert_int_equal(r.status, 200);
    assert_non_null(r.json);
    tok = strdup(
        cJSON_GetStringValue(cJSON_GetObjectItem(r.json, "AccessToken")));
    epi_resp_free(&r);
    return tok;
}

static void payload_keeps_quotes_and_backslashes_in_the_user_name(void **state)
{
    char *tok = issue(*state), *dot1, *dot2, *hdr, *payload;
    cJSON *h, *p;

    dot1 = strchr(tok, '.');
    assert_non_null(dot1);
    dot2 = strchr(dot1 + 1, '.');
    assert_non_null(dot2);
    assert_null(strchr(dot2 + 1, '.'));
    assert_true(strlen(dot2 + 1) == 43); /* 32 bytes of HMAC-SHA256 */

    hdr = segment_json(tok, (size_t)(dot1 - tok));
    h = cJSON_Parse(hdr);
    assert_non_null(h);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(h, "alg")),
                        "HS256");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(h, "typ")),
                        "JWT");

    payload = segment_json(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    p = cJSON_Parse(payload);
    assert_non_null(p);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(p, "sub")),
                        "o\"brien\\x");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(p, "inst")),
                        "SaaS5333");
    assert_int_equal(cJSON_GetObjectItem(p, "exp")->valuedouble -
                         cJSON_GetObjectItem(p, "iat")->valuedouble,
                     600);
    assert_int_equal(cJSON_GetObjectItem(p, "jti")->valuedouble, 1);
    cJSON_Delete(h);
    cJSON_Delete(p);
    free(hdr);
    free(payload);
    free(tok);
}

static void token_for_such_a_user_is_accepted(void **state)
{
    char *tok = issue(*state), auth[1024];
    const char *hdrs[] = {auth, EPI_KEY, NULL};
    struct epi_resp r;

    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok);
    epi_http(&r, *state, "GET",
             "/SaaS5333/api/v2/odata/EPIC06/Erp.BO.PartSvc/Parts", hdrs, NULL);
    assert_int_equal(r.status, 200);
    epi_resp_free(&r);
    free(tok);
}

static void successive_tokens_differ(void **state)
{
    char *a = issue(*state), *b = issue(*state);

    assert_string_not_equal(a, b);
    free(a);
    free(b);
}

/* Tokens are masked in the journal by their form (the emulator's own JWT
 * start), not one by one: the token never shows, neither in the token
 * reply nor in the request that carries it, and issuing does not grow
 * the exact-match list. */
static void issued_tokens_never_show_in_the_journal(void **state)
{
    struct epi_env *env = *state;
    struct km_server *server = env->emu->server;
    char *a = issue(env), *b, *text, hdr[2048];
    const char *hdrs[] = {hdr, NULL};
    struct epi_resp r;
    size_t listed = server->nsecrets;
    cJSON *j;

    b = issue(env);
    assert_int_equal(server->nsecrets, listed);
    snprintf(hdr, sizeof(hdr), "X-Echo: %s", b);
    epi_http(&r, env, "GET", "/SaaS5333/api/v1/nothing", hdrs, NULL);
    epi_resp_free(&r);
    j = km_server_journal(server);
    assert_int_equal(cJSON_GetArraySize(j), 3);
    text = cJSON_PrintUnformatted(j);
    /* the signature segment alone: it is not part of any prefix */
    if (strstr(text, strrchr(a, '.') + 1) || strstr(text, strrchr(b, '.') + 1))
        fail_msg("journal shows a token: %s", text);
    assert_non_null(strstr(text, "AccessToken"));
    assert_non_null(strstr(text, "X-Echo"));
    cJSON_free(text);
    cJSON_Delete(j);
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            payload_keeps_quotes_and_backslashes_in_the_user_name, setup,
            teardown),
        cmocka_unit_test_setup_teardown(token_for_such_a_user_is_accepted,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(successive_tokens_differ, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(issued_tokens_never_show_in_the_journal,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
