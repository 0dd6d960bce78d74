/*
 * The "adobe" section of the `kinsync sync` configuration: its check and
 * the Adobe Commerce handle built from it.
 *
 *   "adobe": {
 *     "base_url": "https://shop.example",      required
 *     "deployment": "paas" | "saas",           default paas
 *     "store_code": "default",                 PaaS path / SaaS Store header
 *     "tenant_id": "...",                      SaaS: required
 *     "auth": "oauth1" | "admin" | "ims",      default oauth1 (SaaS: ims)
 *     "consumer_key", "consumer_secret", "access_token",
 *     "access_token_secret"                    oauth1
 *     "username", "password"                   admin
 *     "client_id", "client_secret", "org_id",
 *     "ims_token_url", "scope"                 ims
 *     "page_size": 1..300, "company_admin_id": N,
 *     "allow_insecure_http": false
 *   }
 *
 * The secrets (consumer_secret, access_token, access_token_secret,
 * password, client_secret) are credentials: a string or {"$secret": NAME}.
 * The transport rule on base_url and ims_token_url (https://, or http://
 * to loopback) is config.c's, as for every section.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "ops.h"

#define STR_MAX 8192

enum kind { STR, CRED, INT, BOOL };

static const struct {
    const char *name;
    enum kind kind;
    int64_t min, max; /* INT */
} keys[] = {
    {"base_url", STR, 0, 0},
    {"deployment", STR, 0, 0},
    {"store_code", STR, 0, 0},
    {"tenant_id", STR, 0, 0},
    {"auth", STR, 0, 0},
    {"consumer_key", STR, 0, 0},
    {"consumer_secret", CRED, 0, 0},
    {"access_token", CRED, 0, 0},
    {"access_token_secret", CRED, 0, 0},
    {"username", STR, 0, 0},
    {"password", CRED, 0, 0},
    {"client_id", STR, 0, 0},
    {"client_secret", CRED, 0, 0},
    {"org_id", STR, 0, 0},
    {"ims_token_url", STR, 0, 0},
    {"scope", STR, 0, 0},
    {"page_size", INT, 1, 300},
    {"company_admin_id", INT, 1, INT64_C(1) << 40},
    {"allow_insecure_http", BOOL, 0, 0},
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* What each auth needs. */
static const char *const needs_oauth1[] = {"consumer_key", "consumer_secret",
                                           "access_token",
                                           "access_token_secret", NULL};
static const char *const needs_admin[] = {"username", "password", NULL};
static const char *const needs_ims[] = {"client_id", "client_secret", "org_id",
                                        NULL};

struct check {
    const char *prog, *path;
    int *problems, *secret_refs;
};

__attribute__((format(printf, 3, 4))) static void
problem(struct check *ck, const char *key, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: %s: adobe%s%s: ", ck->prog, ck->path,
            key[0] ? "." : "", key);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    (*ck->problems)++;
}

static void check_value(struct check *ck, const cJSON *v, enum kind kind,
                        int64_t min, int64_t max)
{
    const cJSON *ref = cJSON_IsObject(v) ? v->child : NULL;

    switch (kind) {
    case STR:
        if (!cJSON_IsString(v) || !v->valuestring[0] ||
            strlen(v->valuestring) > STR_MAX)
            problem(ck, v->string,
                    "must be a non-empty string (at most %d "
                    "bytes)",
                    STR_MAX);
        break;
    case CRED:
        if (cJSON_IsString(v) && v->valuestring[0]) {
            fprintf(stderr,
                    "%s: warning: %s: adobe.%s is kept in plain text in the "
                    "config; prefer `kinsync secret set NAME` and "
                    "{\"$secret\": \"NAME\"}\n",
                    ck->prog, ck->path, v->string);
        } else if (ref && !ref->next && strcmp(ref->string, "$secret") == 0 &&
                   cJSON_IsString(ref) &&
                   kh__sync_secret_name_ok(ref->valuestring)) {
            (*ck->secret_refs)++;
        } else {
            problem(ck, v->string,
                    "must be a string or {\"$secret\": \"NAME\"} (NAME: "
                    "letters, digits, '.', '_' or '-')");
        }
        break;
    case INT:
        if (!cJSON_IsNumber(v) || !(v->valuedouble >= (double)min) ||
            !(v->valuedouble <= (double)max) ||
            v->valuedouble != (double)(int64_t)v->valuedouble)
            problem(ck, v->string, "must be a whole number %lld..%lld",
                    (long long)min, (long long)max);
        break;
    case BOOL:
        if (!cJSON_IsBool(v))
            problem(ck, v->string, "must be true or false");
        break;
    }
}

void kh__sync_check_adobe(const cJSON *adobe, const char *prog,
                          const char *path, int *problems, int *secret_refs)
{
    struct check ck = {prog, path, problems, secret_refs};
    const char *dep = kx_json_str(adobe, "deployment");
    const char *auth = kx_json_str(adobe, "auth");
    const char *const *need;
    const cJSON *it;
    int saas;

    cJSON_ArrayForEach(it, adobe)
    {
        size_t k = 0;

        while (k < NKEYS && strcmp(keys[k].name, it->string) != 0)
            k++;
        if (k == NKEYS)
            problem(&ck, it->string, "unknown key (see `kinsync sync --help`)");
        else
            check_value(&ck, it, keys[k].kind, keys[k].min, keys[k].max);
    }
    if (!kx_json_str(adobe, "base_url"))
        problem(&ck, "base_url", "missing (required)");
    if (dep && strcmp(dep, "paas") != 0 && strcmp(dep, "saas") != 0)
        problem(&ck, "deployment", "must be \"paas\" or \"saas\"");
    saas = dep && strcmp(dep, "saas") == 0;
    if (!auth)
        auth = saas ? "ims" : "oauth1";
    need = strcmp(auth, "oauth1") == 0  ? needs_oauth1
           : strcmp(auth, "admin") == 0 ? needs_admin
           : strcmp(auth, "ims") == 0   ? needs_ims
                                        : NULL;
    if (!need)
        problem(&ck, "auth", "must be \"oauth1\", \"admin\" or \"ims\"");
    else if (saas != (strcmp(auth, "ims") == 0))
        problem(&ck, "auth",
                "Adobe Commerce as a Cloud Service (saas) takes IMS tokens "
                "(\"ims\") only, PaaS \"oauth1\" or \"admin\"");
    for (; need && *need; need++)
        if (!cJSON_GetObjectItemCaseSensitive(adobe, *need))
            problem(&ck, *need, "missing (required by auth \"%s\")", auth);
    if (saas && !kx_json_str(adobe, "tenant_id"))
        problem(&ck, "tenant_id", "missing (required by deployment saas)");
}

const char *kh__sync_flow_needs(const struct kh__sync_conf *conf, int i,
                                int *configured)
{
    switch (kh__sync_flows[i].needs_wc) {
    case 0:
        *configured = conf->bigcommerce != NULL;
        return "bigcommerce";
    case 1:
        *configured = conf->woocommerce != NULL;
        return "woocommerce";
    default:
        *configured = conf->adobe != NULL;
        return "adobe";
    }
}

int64_t kh__sync_adobe_company_admin(const struct kh__sync_conf *conf)
{
    return kh__sync_int(conf->adobe, "company_admin_id", 0);
}

int kh__sync_adobe_open(struct kh__sync_env *env, const char *prog)
{
    const cJSON *a = env->conf->adobe;
    struct ks_adobe_options o = KS_ADOBE_OPTIONS_INIT;
    const char *dep = kx_json_str(a, "deployment");
    const char *auth = kx_json_str(a, "auth");
    const struct ks_error *e;

    o.deployment =
        dep && strcmp(dep, "saas") == 0 ? KS_ADOBE_SAAS : KS_ADOBE_PAAS;
    if (!auth)
        auth = o.deployment == KS_ADOBE_SAAS ? "ims" : "oauth1";
    o.auth = strcmp(auth, "admin") == 0 ? KS_ADOBE_AUTH_ADMIN
             : strcmp(auth, "ims") == 0 ? KS_ADOBE_AUTH_IMS
                                        : KS_ADOBE_AUTH_OAUTH1;
    o.base_url = kx_json_str(a, "base_url");
    o.store_code = kx_json_str(a, "store_code");
    o.tenant_id = kx_json_str(a, "tenant_id");
    o.consumer_key = kx_json_str(a, "consumer_key");
    o.username = kx_json_str(a, "username");
    o.client_id = kx_json_str(a, "client_id");
    o.org_id = kx_json_str(a, "org_id");
    o.ims_token_url = kx_json_str(a, "ims_token_url");
    o.scope = kx_json_str(a, "scope");
    o.page_size = (int)kh__sync_int(a, "page_size", 0);
    if (kh__sync_cred(&o.consumer_secret, env, a, "adobe", "consumer_secret",
                      prog) ||
        kh__sync_cred(&o.access_token, env, a, "adobe", "access_token", prog) ||
        kh__sync_cred(&o.access_token_secret, env, a, "adobe",
                      "access_token_secret", prog) ||
        kh__sync_cred(&o.password, env, a, "adobe", "password", prog) ||
        kh__sync_cred(&o.client_secret, env, a, "adobe", "client_secret", prog))
        return -1;
    if (ks_adobe_new(&env->adobe, env->client, &o) == KS_OK)
        return 0;
    e = ks_client_last_error(env->client);
    fprintf(stderr, "%s: cannot set up the Adobe Commerce client: %s\n", prog,
            e->message[0] ? e->message : ks_rc_message(e->rc));
    return -1;
}
