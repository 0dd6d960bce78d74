#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <curl/curl.h>
#include "epi_test.h"

extern const struct km_emulator_type km_epicor_type;

void epi_start(struct epi_env *env, const char *config)
{
    cJSON *cfg = cJSON_Parse(config);
    char err[512] = "";
    int rc;

    assert_non_null(cfg);
    assert_int_equal(ks_clock_new_virtual(&env->clock, 1767600000000LL), 0);
    rc = km_emulator_start(&env->emu, &km_epicor_type, cfg, env->clock, NULL, 0,
                           err, sizeof(err));
    if (rc)
        fail_msg("emulator start: %s", err);
    cJSON_Delete(cfg);
}

void epi_stop(struct epi_env *env)
{
    km_emulator_stop(env->emu);
    ks_clock_free(env->clock);
    memset(env, 0, sizeof(*env));
}

struct sink {
    char *s;
    size_t n;
};

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
    struct sink *k = ud;
    size_t len = size * nmemb;

    k->s = realloc(k->s, k->n + len + 1);
    assert_non_null(k->s);
    memcpy(k->s + k->n, p, len);
    k->n += len;
    k->s[k->n] = '\0';
    return len;
}

void epi_http(struct epi_resp *r, struct epi_env *env, const char *method,
              const char *path, const char *const *headers, const char *body)
{
    CURL *h = curl_easy_init();
    struct curl_slist *hl = NULL;
    struct sink k = {calloc(1, 1), 0};
    char url[2048];

    assert_non_null(h);
    snprintf(url, sizeof(url), "%s%s", km_server_url(env->emu->server), path);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &k);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        hl = curl_slist_append(hl, "Content-Type: application/json");
    }
    for (size_t i = 0; headers && headers[i]; i++)
        hl = curl_slist_append(hl, headers[i]);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    r->body = k.s;
    r->json = cJSON_Parse(k.s);
    curl_slist_free_all(hl);
    curl_easy_cleanup(h);
}

void epi_v2(struct epi_resp *r, struct epi_env *env, const char *method,
            const char *rest, const char *body)
{
    const char *hdrs[] = {EPI_BASIC, EPI_KEY, NULL};
    char path[2048];

    snprintf(path, sizeof(path), "/SaaS5333/api/v2/odata/EPIC06/%s", rest);
    epi_http(r, env, method, path, hdrs, body);
}

void epi_resp_free(struct epi_resp *r)
{
    free(r->body);
    cJSON_Delete(r->json);
    memset(r, 0, sizeof(*r));
}

cJSON *epi_fixture(const char *rel)
{
    char path[1024], *buf;
    FILE *f;
    long n;
    cJSON *j;

    snprintf(path, sizeof(path), "%s/fixtures/%s", KS_SOURCE_DIR, rel);
    f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = calloc(1, (size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    j = cJSON_Parse(buf);
    free(buf);
    assert_non_null(j);
    return j;
}
