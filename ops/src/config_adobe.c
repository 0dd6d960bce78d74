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
#include <string.h>
#include "config.h"

const struct kh__conf_key kh__conf_adobe_keys[] = {
    {"base_url", KH__CONF_STR, 1, 0, 0},
    {"deployment", KH__CONF_STR, 0, 0, 0},
    {"store_code", KH__CONF_STR, 0, 0, 0},
    {"tenant_id", KH__CONF_STR, 0, 0, 0},
    {"auth", KH__CONF_STR, 0, 0, 0},
    {"consumer_key", KH__CONF_STR, 0, 0, 0},
    {"consumer_secret", KH__CONF_CRED, 0, 0, 0},
    {"access_token", KH__CONF_CRED, 0, 0, 0},
    {"access_token_secret", KH__CONF_CRED, 0, 0, 0},
    {"username", KH__CONF_STR, 0, 0, 0},
    {"password", KH__CONF_CRED, 0, 0, 0},
    {"client_id", KH__CONF_STR, 0, 0, 0},
    {"client_secret", KH__CONF_CRED, 0, 0, 0},
    {"org_id", KH__CONF_STR, 0, 0, 0},
    {"ims_token_url", KH__CONF_STR, 0, 0, 0},
    {"scope", KH__CONF_STR, 0, 0, 0},
    {"page_size", KH__CONF_INT, 0, 1, 300},
    {"company_admin_id", KH__CONF_INT, 0, 1, INT64_C(1) << 40},
    {"allow_insecure_http", KH__CONF_BOOL, 0, 0, 0},
    {NULL, KH__CONF_STR, 0, 0, 0}};

/* What each auth needs. */
static const char *const needs_oauth1[] = {"consumer_key", "consumer_secret",
                                           "access_token",
                                           "access_token_secret", NULL};
static const char *const needs_admin[] = {"username", "password", NULL};
static const char *const needs_ims[] = {"client_id", "client_secret", "org_id",
                                        NULL};

void kh__conf_check_adobe(struct kh__conf_check *ck, const cJSON *adobe,
                          const char *pointer)
{
    const char *dep = kx_json_str(adobe, "deployment");
    const char *auth = kx_json_str(adobe, "auth");
    const char *const *need;
    char where[KH__CONF_WHERE_MAX];
    int saas;

    kh__conf_where(where, pointer, "deployment");
    if (dep && strcmp(dep, "paas") != 0 && strcmp(dep, "saas") != 0)
        kh__conf_problem(ck, where, "must be \"paas\" or \"saas\"");
    saas = dep && strcmp(dep, "saas") == 0;
    if (!auth)
        auth = saas ? "ims" : "oauth1";
    need = strcmp(auth, "oauth1") == 0  ? needs_oauth1
           : strcmp(auth, "admin") == 0 ? needs_admin
           : strcmp(auth, "ims") == 0   ? needs_ims
                                        : NULL;
    kh__conf_where(where, pointer, "auth");
    if (!need)
        kh__conf_problem(ck, where, "must be \"oauth1\", \"admin\" or \"ims\"");
    else if (saas != (strcmp(auth, "ims") == 0))
        kh__conf_problem(ck, where,
                         "Adobe Commerce as a Cloud Service (saas) takes IMS "
                         "tokens (\"ims\") only, PaaS \"oauth1\" or "
                         "\"admin\"");
    for (; need && *need; need++) {
        if (cJSON_GetObjectItemCaseSensitive(adobe, *need))
            continue;
        kh__conf_where(where, pointer, *need);
        kh__conf_problem(ck, where, "missing (required by auth \"%s\")", auth);
    }
    kh__conf_where(where, pointer, "tenant_id");
    if (saas && !kx_json_str(adobe, "tenant_id"))
        kh__conf_problem(ck, where, "missing (required by deployment saas)");
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
