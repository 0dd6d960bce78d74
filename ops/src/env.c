/*
 * What a `kinsync sync` command runs on, from its checked configuration:
 * the state store opened with its key, the credentials read from it, the
 * client, the Epicor and storefront handles and the sync handle.
 *
 * Every credential, plain or read from the store, is registered with the
 * client as a log secret, so no log line can carry one.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <kx/alloc.h>
#include "ops.h"

/* ---- the state store ---------------------------------------------------- */

static int key_configured(const struct kh__sync_conf *conf)
{
    const char *v = getenv(conf->key_env);

    return conf->key_file || (v && v[0]);
}

static void no_key_message(const struct kh__sync_conf *conf, const char *prog)
{
    fprintf(stderr,
            "%s: no state key: set %s to 64 hex characters, or \"key_file\" "
            "in %s to a file holding them, e.g.\n"
            "  export %s=\"$(openssl rand -hex 32)\"\n"
            "  openssl rand -hex 32 > state.key && chmod 600 state.key\n"
            "(keep the key: the secrets in the state file cannot be read "
            "without it)\n",
            prog, conf->key_env, conf->path, conf->key_env);
}

/* The key decrypts every secret: a key_file that group or others may read
 * is refused (0 or KH__SYNC_EXIT_FAIL, reported), unless the configuration
 * sets key_file_mode_check to false, which warns once per process. A file
 * that cannot be inspected is left to the store, which says why. */
static int key_file_private(const struct kh__sync_conf *conf, const char *prog)
{
    static int warned;
    struct stat sb;

    if (stat(conf->key_file, &sb) != 0 || !(sb.st_mode & 077))
        return 0;
    if (conf->key_file_mode_check) {
        fprintf(stderr,
                "%s: key_file %s can be read by group or others (mode %04o): "
                "run `chmod 600 %s`, or set \"key_file_mode_check\": false "
                "in %s\n",
                prog, conf->key_file, (unsigned)(sb.st_mode & 07777),
                conf->key_file, conf->path);
        return KH__SYNC_EXIT_FAIL;
    }
    if (!warned++)
        fprintf(stderr,
                "%s: warning: key_file %s can be read by group or others "
                "(mode %04o; key_file_mode_check is false)\n",
                prog, conf->key_file, (unsigned)(sb.st_mode & 07777));
    return 0;
}

int kh__sync_store_open(struct ks_store **out, const struct kh__sync_conf *conf,
                        const char *prog, enum kh__sync_key_need need)
{
    struct ks_store_options o = KS_STORE_OPTIONS_INIT;
    struct ks_error e;
    ks_rc rc;

    *out = NULL;
    memset(&e, 0, sizeof(e));
    if (need == KH__KEY_REQUIRED && !key_configured(conf)) {
        no_key_message(conf, prog);
        return KH__SYNC_EXIT_FAIL;
    }
    o.path = conf->state_path;
    o.error = &e;
    if (need != KH__KEY_NONE && key_configured(conf)) {
        if (conf->key_file && key_file_private(conf, prog) != 0)
            return KH__SYNC_EXIT_FAIL;
        o.key_file = conf->key_file;
        o.key_env = conf->key_file ? NULL : conf->key_env;
    }
    rc = ks_store_open(out, &o);
    if (rc == KS_ECRYPTO) {
        fprintf(stderr,
                "%s: the state key does not match this state file (%s or "
                "key_file); state file %s\n",
                prog, conf->key_env, conf->state_shown);
        return KH__SYNC_EXIT_FAIL;
    }
    if (rc) {
        fprintf(stderr, "%s: cannot open the state file %s: %s\n", prog,
                conf->state_shown,
                e.message[0] ? e.message : ks_rc_message(rc));
        return KH__SYNC_EXIT_FAIL;
    }
    return 0;
}

/* ---- credentials and handles ------------------------------------------ */

/* A credential's value: the plain string, or the secret read from the
 * store (kept in env until it is disposed). NULL when absent. */
int kh__sync_cred(const char **out, struct kh__sync_env *env,
                  const cJSON *section, const char *sname, const char *name,
                  const char *prog)
{
    const struct kh__sync_conf *c = env->conf;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(section, name);
    const char *ref;
    char *value = NULL;
    ks_rc rc;

    *out = NULL;
    if (!v)
        return 0;
    if (cJSON_IsString(v)) {
        *out = v->valuestring;
        return ks_client_add_secret(env->client, *out) == KS_OK ? 0 : -1;
    }
    ref = cJSON_GetObjectItemCaseSensitive(v, "$secret")->valuestring;
    rc = ks_store_secret_get(&value, env->store, ref);
    if (rc == KS_ENOTFOUND) {
        fprintf(stderr,
                "%s: %s/%s/%s: secret \"%s\" is not in the state file %s; "
                "store it with `kinsync secret set %s --config %s%s%s`\n",
                prog, c->pointer, sname, name, ref, c->state_shown, ref,
                c->path, c->pointer[0] ? " --connection " : "",
                c->pointer[0] ? c->name : "");
        return -1;
    }
    if (rc) {
        fprintf(stderr, "%s: %s/%s/%s: cannot read secret \"%s\": %s\n", prog,
                c->pointer, sname, name, ref,
                ks_store_last_error(env->store)->message);
        return -1;
    }
    env->secrets =
        kx_xrealloc(env->secrets, (env->nsecrets + 1) * sizeof(*env->secrets));
    env->secrets[env->nsecrets++] = value;
    *out = value;
    return ks_client_add_secret(env->client, value) == KS_OK ? 0 : -1;
}

static int read_creds(struct kh__sync_env *env, const char *prog)
{
    const struct kh__sync_conf *c = env->conf;
    struct kh__sync_creds *k = &env->creds;

    if (kh__sync_cred(&k->epi_api_key, env, c->epicor, "epicor", "api_key",
                      prog) ||
        kh__sync_cred(&k->epi_password, env, c->epicor, "epicor", "password",
                      prog) ||
        kh__sync_cred(&k->epi_client_secret, env, c->epicor, "epicor",
                      "client_secret", prog) ||
        kh__sync_cred(&k->bc_token, env, c->bigcommerce, "bigcommerce",
                      "access_token", prog) ||
        kh__sync_cred(&k->bc_client_secret, env, c->bigcommerce, "bigcommerce",
                      "client_secret", prog) ||
        kh__sync_cred(&k->bc_header_value, env, c->bigcommerce, "bigcommerce",
                      "webhook_header_value", prog) ||
        kh__sync_cred(&k->wc_key, env, c->woocommerce, "woocommerce",
                      "consumer_key", prog) ||
        kh__sync_cred(&k->wc_secret, env, c->woocommerce, "woocommerce",
                      "consumer_secret", prog) ||
        kh__sync_cred(&k->wc_webhook_secret, env, c->woocommerce, "woocommerce",
                      "webhook_secret", prog) ||
        kh__sync_cred(&k->oee_api_key, env, c->oee, "oee", "api_key", prog) ||
        kh__sync_cred(&k->oee_event_secret, env, kx_json_obj(c->oee, "events"),
                      "oee/events", "secret", prog))
        return -1;
    return 0;
}

void kh__sync_bc_options(struct ks_bigcommerce_options *o,
                         const struct kh__sync_env *env)
{
    const cJSON *s = env->conf->bigcommerce;

    o->base_url = kx_json_str(s, "base_url");
    o->store_hash = kx_json_str(s, "store_hash");
    o->access_token = env->creds.bc_token;
    o->client_secret = env->creds.bc_client_secret;
    o->page_limit = (int)kh__sync_int(s, "page_limit", o->page_limit);
    o->webhook_header_name = kx_json_str(s, "webhook_header_name");
    o->webhook_header_value = env->creds.bc_header_value;
}

void kh__sync_wc_options(struct ks_woocommerce_options *o,
                         const struct kh__sync_env *env)
{
    const cJSON *s = env->conf->woocommerce;
    const char *auth = kx_json_str(s, "auth");

    o->site_url = kx_json_str(s, "base_url");
    o->consumer_key = env->creds.wc_key;
    o->consumer_secret = env->creds.wc_secret;
    o->webhook_secret = env->creds.wc_webhook_secret;
    o->per_page = (int)kh__sync_int(s, "per_page", o->per_page);
    o->batch_limit = (int)kh__sync_int(s, "batch_limit", 0);
    if (auth)
        ks_woocommerce_auth_from_name(&o->auth, auth); /* checked at load */
}

static void handle_error(struct kh__sync_env *env, const char *what,
                         const char *prog)
{
    const struct ks_error *e = ks_client_last_error(env->client);

    fprintf(stderr, "%s: cannot set up %s: %s\n", prog, what,
            e->message[0] ? e->message : ks_rc_message(e->rc));
}

static int make_handles(struct kh__sync_env *env, const char *prog)
{
    const cJSON *epi = env->conf->epicor;
    struct ks_epicor_options ko = KS_EPICOR_OPTIONS_INIT;
    struct ks_bigcommerce_options bo = KS_BIGCOMMERCE_OPTIONS_INIT;
    struct ks_woocommerce_options wo = KS_WOOCOMMERCE_OPTIONS_INIT;
    struct ks_sync_options so = KS_SYNC_OPTIONS_INIT;
    const char *auth = kx_json_str(epi, "auth");
    ks_rc rc;

    ko.server_url = kx_json_str(epi, "server_url");
    ko.instance = kx_json_str(epi, "instance");
    ko.company = kx_json_str(epi, "company");
    ko.api_key = env->creds.epi_api_key;
    if (auth)
        ks_epicor_auth_from_name(&ko.auth, auth); /* checked at load */
    ko.username = kx_json_str(epi, "username");
    ko.password = env->creds.epi_password;
    ko.client_id = kx_json_str(epi, "client_id");
    ko.client_secret = env->creds.epi_client_secret;
    ko.token_url = kx_json_str(epi, "token_url");
    ko.scope = kx_json_str(epi, "scope");
    ko.page_size = (int)kh__sync_int(epi, "page_size", ko.page_size);
    ko.api_version = (int)kh__sync_int(epi, "api_version", ko.api_version);
    /* A seat taken by someone else is worth waiting for: by default three
     * repeats after 5, 10 and 20 s (the client doubles each wait). */
    ko.license_retries =
        (int)kh__sync_int(epi, "license_retries", KH__SYNC_LICENSE_RETRIES);
    ko.license_retry_wait_ms = kh__sync_int(epi, "license_retry_wait_ms",
                                            KH__SYNC_LICENSE_RETRY_WAIT_MS);
    if (ks_epicor_new(&env->epicor, env->client, &ko)) {
        handle_error(env, "the Epicor client", prog);
        return -1;
    }
    if (env->conf->bigcommerce) {
        kh__sync_bc_options(&bo, env);
        if (ks_bigcommerce_new(&env->bigcommerce, env->client, &bo)) {
            handle_error(env, "the BigCommerce client", prog);
            return -1;
        }
    }
    if (env->conf->woocommerce) {
        kh__sync_wc_options(&wo, env);
        if (ks_woocommerce_new(&env->woocommerce, env->client, &wo)) {
            handle_error(env, "the WooCommerce client", prog);
            return -1;
        }
    }
    if (env->conf->adobe && kh__sync_adobe_open(env, prog))
        return -1;
    so.adobe = env->adobe;
    so.adobe_company_admin_id = kh__sync_adobe_company_admin(env->conf);
    so.client = env->client;
    so.store = env->store;
    so.epicor = env->epicor;
    so.bigcommerce = env->bigcommerce;
    so.woocommerce = env->woocommerce;
    so.bc_location_id = kh__sync_int(env->conf->bigcommerce, "location_id", 1);
    so.plant = kx_json_str(epi, "plant");
    rc = ks_sync_new(&env->sync, &so);
    if (rc) {
        fprintf(stderr, "%s: cannot set up the sync: %s\n", prog,
                ks_rc_message(rc));
        return -1;
    }
    return env->conf->oee ? kh__sync_oee_open(env, prog) : 0;
}

/* config.http over the client's defaults (the loader checked the
 * ranges). */
static void client_tuning(struct ks_client_options *co, const cJSON *http)
{
    co->connect_timeout_ms = (int64_t)kx_json_num(
        http, "connect_timeout_ms", (double)co->connect_timeout_ms);
    co->timeout_ms =
        (int64_t)kx_json_num(http, "timeout_ms", (double)co->timeout_ms);
    co->retry.max_attempts =
        (int)kx_json_num(http, "max_attempts", co->retry.max_attempts);
    co->retry.base_delay_ms = (int64_t)kx_json_num(
        http, "base_delay_ms", (double)co->retry.base_delay_ms);
    co->retry.max_delay_ms = (int64_t)kx_json_num(
        http, "max_delay_ms", (double)co->retry.max_delay_ms);
    co->retry.rate_limit_default_wait_ms =
        (int64_t)kx_json_num(http, "rate_limit_default_wait_ms",
                             (double)co->retry.rate_limit_default_wait_ms);
    co->retry.rate_limit_max_wait_ms =
        (int64_t)kx_json_num(http, "rate_limit_max_wait_ms",
                             (double)co->retry.rate_limit_max_wait_ms);
}

int kh__sync_env_open(struct kh__sync_env *env, struct kh__sync_conf *conf,
                      struct kh__sync_log *log, const char *prog)
{
    struct ks_client_options co = KS_CLIENT_OPTIONS_INIT;
    int rc;

    memset(env, 0, sizeof(*env));
    env->conf = conf;
    if (conf->secret_refs && !key_configured(conf)) {
        fprintf(stderr,
                "%s: %s reads %d credential%s from the state file, which "
                "needs the state key\n",
                prog, conf->path, conf->secret_refs,
                conf->secret_refs == 1 ? "" : "s");
        no_key_message(conf, prog);
        return KH__SYNC_EXIT_FAIL;
    }
    rc = kh__sync_store_open(&env->store, conf, prog, KH__KEY_IF_SET);
    if (rc)
        return rc;
    co.log_fn = kh__sync_log_fn;
    co.log_userdata = log;
    client_tuning(&co, conf->http);
    co.ca_file = conf->ca_file;
    /* Per-request lines are DEBUG: the log file wants them, and the
     * progress line counts requests from them. */
    co.log_level = log->file || log->progress ? KS_LOG_DEBUG : KS_LOG_INFO;
    if (ks_client_new(&env->client, &co) != KS_OK) {
        fprintf(stderr, "%s: cannot create the HTTP client\n", prog);
        kh__sync_env_dispose(env);
        return KH__SYNC_EXIT_FAIL;
    }
    log->client = env->client;
    if (read_creds(env, prog) != 0 || make_handles(env, prog) != 0) {
        kh__sync_env_dispose(env);
        return KH__SYNC_EXIT_FAIL;
    }
    return 0;
}

void kh__sync_env_dispose(struct kh__sync_env *env)
{
    if (!env)
        return;
    kh__sync_oee_close(env);
    ks_sync_free(env->sync);
    ks_woocommerce_free(env->woocommerce);
    ks_adobe_free(env->adobe);
    ks_bigcommerce_free(env->bigcommerce);
    ks_epicor_free(env->epicor);
    ks_client_free(env->client);
    ks_store_close(env->store);
    for (size_t i = 0; i < env->nsecrets; i++)
        ks_store_secret_dispose(env->secrets[i]);
    free(env->secrets);
    memset(env, 0, sizeof(*env));
}
