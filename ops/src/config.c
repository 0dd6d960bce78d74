/*
 * The configuration file of `kinsync sync` and its relatives: reading and
 * checking it (cli_sync_env.c builds the handles from it).
 *
 * Checking happens before anything is opened or sent, and reports every
 * problem at once, each naming the key by its dotted path ("epicor.auth"),
 * so a typo never turns into a silently ignored setting.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <curl/curl.h>
#include <kx/alloc.h>
#include <kx/net.h>
#include "ops.h"

#define CONF_MAX_BYTES ((size_t)1 << 20)
#define CONF_STR_MAX 8192 /* any string value */
#define SECRET_NAME_MAX 128
#define EVERY_S_MAX 604800 /* a week */
#define DEFAULT_STATE "kinsync-state.db"
#define DEFAULT_KEY_ENV "KINSYNC_STATE_KEY"

const struct kh__sync_flow_def kh__sync_flows[KH__FLOW_COUNT] = {
    {"parts.bigcommerce", 0, 300, ks_sync_parts_to_bigcommerce},
    {"parts.woocommerce", 1, 300, ks_sync_parts_to_woocommerce},
    {"customers.woocommerce", 1, 300, ks_sync_customers_to_woocommerce},
    {"orders.bigcommerce", 0, 60, ks_sync_orders_from_bigcommerce},
    {"orders.woocommerce", 1, 60, ks_sync_orders_from_woocommerce},
    {"refunds.woocommerce", 1, 60, ks_sync_refunds_from_woocommerce},
    {"vendors.adobe", KH__NEEDS_ADOBE, 600, ks_sync_vendors_to_adobe},
    {"purchase_orders.adobe", KH__NEEDS_ADOBE, 300,
     ks_sync_purchase_orders_to_adobe},
    {"ap_invoices.adobe", KH__NEEDS_ADOBE, 300, ks_sync_ap_invoices_to_adobe},
    {"requisitions.epicor", KH__NEEDS_ADOBE, 60,
     ks_sync_requisitions_from_adobe},
};

/* What a member may hold. CRED: a string or {"$secret": NAME}. */
enum kind { STR, CRED, INT, BOOL, OBJ, ANY };

struct key {
    const char *name;
    enum kind kind;
    int required;
    int64_t min, max; /* INT only */
};

static const struct key top_keys[] = {
    {"state", STR, 0, 0, 0},
    {"key_file", STR, 0, 0, 0},
    {"key_env", STR, 0, 0, 0},
    {"epicor", OBJ, 1, 0, 0},
    {"bigcommerce", OBJ, 0, 0, 0},
    {"woocommerce", OBJ, 0, 0, 0},
    {"adobe", OBJ, 0, 0, 0},
    {"flows", ANY, 0, 0, 0},
    {"receiver", OBJ, 0, 0, 0},
    {"http", OBJ, 0, 0, 0},
    {"key_file_mode_check", BOOL, 0, 0, 0},
    {"retention_days", INT, 0, 0, KH__SYNC_RETENTION_DAYS_MAX},
    {NULL, STR, 0, 0, 0}};

/* The HTTP client's timeouts and retry policy (client.h); each bounded so
 * a typo cannot make a run wait for days. */
static const struct key http_keys[] = {
    {"connect_timeout_ms", INT, 0, 100, 600000},
    {"timeout_ms", INT, 0, 100, 3600000},
    {"max_attempts", INT, 0, 1, 20},
    {"base_delay_ms", INT, 0, 0, 600000},
    {"max_delay_ms", INT, 0, 0, 3600000},
    {"rate_limit_default_wait_ms", INT, 0, 0, 3600000},
    {"rate_limit_max_wait_ms", INT, 0, 0, 3600000},
    {"ca_file", STR, 0, 0, 0},
    {NULL, STR, 0, 0, 0}};

static const struct key epicor_keys[] = {
    {"server_url", STR, 1, 0, 0},
    {"instance", STR, 1, 0, 0},
    {"company", STR, 1, 0, 0},
    {"api_key", CRED, 0, 0, 0},
    {"auth", STR, 0, 0, 0},
    {"username", STR, 0, 0, 0},
    {"password", CRED, 0, 0, 0},
    {"client_id", STR, 0, 0, 0},
    {"client_secret", CRED, 0, 0, 0},
    {"token_url", STR, 0, 0, 0},
    {"scope", STR, 0, 0, 0},
    {"page_size", INT, 0, 1, 100},
    {"api_version", INT, 0, 1, 2},
    {"plant", STR, 0, 0, 0},
    {"license_retries", INT, 0, 0, 20},
    {"license_retry_wait_ms", INT, 0, 0, KS_EPICOR_LICENSE_WAIT_MAX_MS},
    {"allow_insecure_http", BOOL, 0, 0, 0},
    {NULL, STR, 0, 0, 0}};

static const struct key bc_keys[] = {
    {"base_url", STR, 0, 0, 0},
    {"store_hash", STR, 1, 0, 0},
    {"access_token", CRED, 1, 0, 0},
    {"client_secret", CRED, 0, 0, 0},
    {"location_id", INT, 0, 1, INT64_C(1) << 40},
    {"page_limit", INT, 0, 1, 250},
    {"webhook_header_name", STR, 0, 0, 0},
    {"webhook_header_value", CRED, 0, 0, 0},
    {"allow_insecure_http", BOOL, 0, 0, 0},
    {NULL, STR, 0, 0, 0}};

static const struct key wc_keys[] = {{"base_url", STR, 1, 0, 0},
                                     {"consumer_key", CRED, 1, 0, 0},
                                     {"consumer_secret", CRED, 1, 0, 0},
                                     {"auth", STR, 0, 0, 0},
                                     {"webhook_secret", CRED, 0, 0, 0},
                                     {"per_page", INT, 0, 1, 100},
                                     {"batch_limit", INT, 0, 1, 100},
                                     {"allow_insecure_http", BOOL, 0, 0, 0},
                                     {NULL, STR, 0, 0, 0}};

static const struct key receiver_keys[] = {
    {"bind", STR, 0, 0, 0},
    {"port", INT, 0, 0, 65535},
    {"public_url", STR, 0, 0, 0},
    {"register", BOOL, 0, 0, 0},
    {"connection_limit", INT, 0, 16, 65536},
    {"per_ip_connection_limit", INT, 0, 1, 65536},
    {"connection_timeout_s", INT, 0, 1, 600},
    {"in_flight_max", INT, 0, 1, 4096},
    {"log_interval_s", INT, 0, 1, 86400},
    {NULL, STR, 0, 0, 0}};

/* The checker's state: problems are printed as they are found. */
struct check {
    const char *prog;
    const char *path;
    int problems;
    int secret_refs;
};

__attribute__((format(printf, 3, 4))) static void
problem(struct check *ck, const char *where, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: %s: %s%s", ck->prog, ck->path, where,
            where[0] ? ": " : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    ck->problems++;
}

static const char *kind_name(enum kind k)
{
    switch (k) {
    case STR:
        return "a string";
    case CRED:
        return "a string or {\"$secret\": \"NAME\"}";
    case INT:
        return "a whole number";
    case BOOL:
        return "true or false";
    case OBJ:
        return "an object";
    case ANY:
        break;
    }
    return "a value";
}

/* A secret name: 1..128 of [A-Za-z0-9._-], so it is safe in messages. */
int kh__sync_secret_name_ok(const char *s)
{
    size_t n = 0;

    for (; s[n]; n++) {
        char c = s[n];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return n > 0 && n <= SECRET_NAME_MAX;
}

static void check_cred(struct check *ck, const char *where, const cJSON *v)
{
    const cJSON *name = v->child;

    if (cJSON_IsString(v)) {
        if (strlen(v->valuestring) > CONF_STR_MAX)
            problem(ck, where, "longer than %d bytes", CONF_STR_MAX);
        else if (!v->valuestring[0])
            problem(ck, where, "empty");
        else
            fprintf(stderr,
                    "%s: warning: %s: %s is kept in plain text in the config; "
                    "prefer `kinsync secret set NAME` and {\"$secret\": "
                    "\"NAME\"}\n",
                    ck->prog, ck->path, where);
        return;
    }
    if (!cJSON_IsObject(v) || !name || name->next ||
        strcmp(name->string, "$secret") != 0 || !cJSON_IsString(name)) {
        problem(ck, where, "must be %s", kind_name(CRED));
        return;
    }
    if (!kh__sync_secret_name_ok(name->valuestring)) {
        problem(ck, where,
                "secret name \"%.64s\" must be 1..%d letters, digits, '.', "
                "'_' or '-'",
                name->valuestring, SECRET_NAME_MAX);
        return;
    }
    ck->secret_refs++;
}

/* Checks one object against its key table; prefix names it ("epicor."). */
static void check_object(struct check *ck, const cJSON *obj,
                         const struct key *keys, const char *prefix)
{
    char where[256];
    const cJSON *it, *o;

    cJSON_ArrayForEach(it, obj)
    {
        const struct key *k = keys;

        snprintf(where, sizeof(where), "%s%.200s", prefix, it->string);
        for (o = obj->child; o != it; o = o->next) {
            if (strcmp(o->string, it->string) == 0)
                break;
        }
        if (o != it) {
            problem(ck, where, "given twice");
            continue;
        }
        while (k->name && strcmp(k->name, it->string) != 0)
            k++;
        if (!k->name) {
            problem(ck, where, "unknown key (see `kinsync sync --help`)");
            continue;
        }
        switch (k->kind) {
        case STR:
            if (!cJSON_IsString(it) || !it->valuestring[0])
                problem(ck, where, "must be a non-empty string");
            else if (strlen(it->valuestring) > CONF_STR_MAX)
                problem(ck, where, "longer than %d bytes", CONF_STR_MAX);
            break;
        case CRED:
            check_cred(ck, where, it);
            break;
        case INT:
            /* the range first: casting 1e300 to int64_t is undefined */
            if (!cJSON_IsNumber(it) ||
                !(it->valuedouble >= (double)k->min &&
                  it->valuedouble <= (double)k->max) ||
                it->valuedouble != (double)(int64_t)it->valuedouble)
                problem(ck, where, "must be a whole number %lld..%lld",
                        (long long)k->min, (long long)k->max);
            break;
        case BOOL:
            if (!cJSON_IsBool(it))
                problem(ck, where, "must be true or false");
            break;
        case OBJ:
            if (!cJSON_IsObject(it))
                problem(ck, where, "must be an object");
            break;
        case ANY:
            break;
        }
    }
    for (const struct key *k = keys; k->name; k++) {
        if (k->required && !cJSON_GetObjectItemCaseSensitive(obj, k->name)) {
            snprintf(where, sizeof(where), "%s%s", prefix, k->name);
            problem(ck, where, "missing (required)");
        }
    }
}

static int flow_index(const char *name)
{
    for (int i = 0; i < KH__FLOW_COUNT; i++) {
        if (strcmp(kh__sync_flows[i].name, name) == 0)
            return i;
    }
    return -1;
}

/* "flows": an array of names or an object {name: {"every_s": N}}. */
static void check_flows(struct check *ck, struct kh__sync_conf *conf,
                        const cJSON *flows)
{
    char where[256];
    const cJSON *it;

    if (!flows) { /* every flow whose storefront is configured */
        for (int i = 0; i < KH__FLOW_COUNT; i++)
            kh__sync_flow_needs(conf, i, &conf->enabled[i]);
        return;
    }
    if (!cJSON_IsArray(flows) && !cJSON_IsObject(flows)) {
        problem(ck, "flows",
                "must be an array of flow names or an object "
                "{flow: {\"every_s\": N}}");
        return;
    }
    cJSON_ArrayForEach(it, flows)
    {
        const char *name = cJSON_IsObject(flows) ? it->string
                           : cJSON_IsString(it)  ? it->valuestring
                                                 : NULL;
        int i = name ? flow_index(name) : -1, have = 0;
        const char *needs;
        const cJSON *e;

        snprintf(where, sizeof(where), "flows.%.200s", name ? name : "[?]");
        if (!name) {
            problem(ck, "flows", "every entry must be a flow name");
            continue;
        }
        if (i < 0) {
            problem(ck, where,
                    "unknown flow (known: parts.bigcommerce, "
                    "parts.woocommerce, customers.woocommerce, "
                    "orders.bigcommerce, orders.woocommerce, "
                    "refunds.woocommerce, vendors.adobe, "
                    "purchase_orders.adobe, ap_invoices.adobe, "
                    "requisitions.epicor)");
            continue;
        }
        if (conf->enabled[i]) {
            problem(ck, where, "given twice");
            continue;
        }
        conf->enabled[i] = 1;
        needs = kh__sync_flow_needs(conf, i, &have);
        if (!have)
            problem(ck, where, "needs the \"%s\" section", needs);
        if (!cJSON_IsObject(flows))
            continue;
        if (!cJSON_IsObject(it)) {
            problem(ck, where, "must be an object such as {\"every_s\": 60}");
            continue;
        }
        cJSON_ArrayForEach(e, it)
        {
            if (strcmp(e->string, "every_s") != 0) {
                problem(ck, where, "unknown key \"%.64s\" (only every_s)",
                        e->string);
            } else if (!cJSON_IsNumber(e) ||
                       !(e->valuedouble >= 1 &&
                         e->valuedouble <= EVERY_S_MAX) ||
                       e->valuedouble != (double)(int64_t)e->valuedouble) {
                problem(ck, where, "every_s must be a whole number 1..%d",
                        EVERY_S_MAX);
            } else {
                conf->every_s[i] = (int64_t)e->valuedouble;
            }
        }
    }
}

/* The auth-dependent rules ks_epicor_new would only answer EINVAL to. */
static void check_epicor(struct check *ck, const cJSON *epi)
{
    const char *auth = kx_json_str(epi, "auth");
    enum ks_epicor_auth a = KS_EPICOR_AUTH_TOKEN;
    int v1 = kh__sync_int(epi, "api_version", 2) == 1;

    if (auth && ks_epicor_auth_from_name(&a, auth) != 0) {
        problem(ck, "epicor.auth", "must be \"basic\", \"token\" or \"idp\"");
        return;
    }
    if (!v1 && !cJSON_GetObjectItemCaseSensitive(epi, "api_key"))
        problem(ck, "epicor.api_key", "missing (required by REST API v2)");
    if (a == KS_EPICOR_AUTH_IDP) {
        if (!cJSON_GetObjectItemCaseSensitive(epi, "client_id"))
            problem(ck, "epicor.client_id", "missing (required by auth idp)");
        if (!cJSON_GetObjectItemCaseSensitive(epi, "client_secret"))
            problem(ck, "epicor.client_secret",
                    "missing (required by auth idp)");
        return;
    }
    if (!cJSON_GetObjectItemCaseSensitive(epi, "username"))
        problem(ck, "epicor.username", "missing (required by auth %s)",
                auth ? auth : "token");
    if (!cJSON_GetObjectItemCaseSensitive(epi, "password"))
        problem(ck, "epicor.password", "missing (required by auth %s)",
                auth ? auth : "token");
}

static void check_storefronts(struct check *ck, const struct kh__sync_conf *c)
{
    const char *auth = kx_json_str(c->woocommerce, "auth");
    enum ks_woocommerce_auth a;

    if (auth && ks_woocommerce_auth_from_name(&a, auth) != 0)
        problem(ck, "woocommerce.auth",
                "must be \"basic\", \"query\" or \"oauth1\"");
}

/* The transport rule: a URL that carries credentials (every URL of a
 * section that sends any) is https://, or plain http:// to a loopback host
 * (a local proxy, an emulator), unless the section sets
 * allow_insecure_http, which then gets one warning per URL. A URL curl
 * cannot read is left to the client, which refuses it with its reason. */
static void check_url(struct check *ck, const cJSON *section,
                      const char *section_name, const char *key)
{
    const char *url = kx_json_str(section, key);
    CURLU *u = url ? curl_url() : NULL;
    char *scheme = NULL, *host = NULL;

    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        strcasecmp(scheme, "http") == 0 && !kx_host_is_loopback(host)) {
        if (kx_json_bool(section, "allow_insecure_http", 0))
            fprintf(stderr,
                    "%s: warning: %s: %s.%s: plain http:// to %s sends the "
                    "credentials in clear text (allow_insecure_http is "
                    "set)\n",
                    ck->prog, ck->path, section_name, key, host);
        else {
            char where[64];

            snprintf(where, sizeof(where), "%s.%s", section_name, key);
            problem(ck, where,
                    "plain http:// to %s would send the credentials in "
                    "clear text; use https:// (or set %s.allow_insecure_http "
                    "to true)",
                    host, section_name);
        }
    }
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
}

static void check_transport(struct check *ck, const struct kh__sync_conf *c)
{
    if (cJSON_IsObject(c->epicor)) {
        check_url(ck, c->epicor, "epicor", "server_url");
        check_url(ck, c->epicor, "epicor", "token_url");
    }
    if (cJSON_IsObject(c->bigcommerce))
        check_url(ck, c->bigcommerce, "bigcommerce", "base_url");
    if (cJSON_IsObject(c->adobe)) {
        check_url(ck, c->adobe, "adobe", "base_url");
        check_url(ck, c->adobe, "adobe", "ims_token_url");
    }
    if (cJSON_IsObject(c->woocommerce))
        check_url(ck, c->woocommerce, "woocommerce", "base_url");
}

/* Reads at most CONF_MAX_BYTES of path into a NUL-terminated buffer. */
static char *read_file(size_t *len, struct check *ck)
{
    FILE *f = fopen(ck->path, "rb");
    char *buf;
    size_t n;

    if (!f) {
        problem(ck, "", "cannot open: %s", strerror(errno));
        return NULL;
    }
    buf = kx_xmalloc(CONF_MAX_BYTES + 1);
    n = fread(buf, 1, CONF_MAX_BYTES + 1, f);
    if (ferror(f)) {
        problem(ck, "", "cannot read: %s", strerror(errno));
        n = 0;
        free(buf);
        buf = NULL;
    } else if (n > CONF_MAX_BYTES) {
        problem(ck, "", "larger than %zu bytes", CONF_MAX_BYTES);
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    *len = n;
    return buf;
}

/* path resolved against the directory of the configuration file. */
static char *beside(const char *conf_path, const char *path)
{
    const char *slash = strrchr(conf_path, '/');
    size_t dir = slash ? (size_t)(slash - conf_path) + 1 : 0;
    size_t n = strlen(path);
    char *out;

    if (path[0] == '/')
        dir = 0;
    out = kx_xmalloc(dir + n + 1);
    memcpy(out, conf_path, dir);
    memcpy(out + dir, path, n + 1);
    return out;
}

/* Also before the checks ran (check_epicor reads api_version): a number
 * outside int64_t reads as dflt, never through an undefined cast. */
int64_t kh__sync_int(const cJSON *section, const char *name, int64_t dflt)
{
    return kx_json_int64(section, name, dflt);
}

int kh__sync_conf_load(struct kh__sync_conf *conf, const char *prog,
                       const char *path)
{
    struct check ck = {prog, path, 0, 0};
    const char *state, *key_file, *ca_file;
    size_t len = 0;
    char *text;

    memset(conf, 0, sizeof(*conf));
    text = read_file(&len, &ck);
    if (!text)
        return KH__SYNC_EXIT_USAGE;
    conf->doc = cJSON_ParseWithLength(text, len);
    if (!conf->doc) {
        const char *at = cJSON_GetErrorPtr();
        int line = 1;

        for (const char *p = text; at && p < at && *p; p++)
            line += *p == '\n';
        problem(&ck, "", "not valid JSON (near line %d)", line);
    } else if (!cJSON_IsObject(conf->doc)) {
        problem(&ck, "", "must hold a JSON object");
    }
    memset(text, 0, len); /* it may hold plain-text credentials */
    free(text);
    if (ck.problems) {
        kh__sync_conf_dispose(conf);
        return KH__SYNC_EXIT_USAGE;
    }
    conf->path = kx_xstrdup(path);
    check_object(&ck, conf->doc, top_keys, "");
    conf->epicor = cJSON_GetObjectItemCaseSensitive(conf->doc, "epicor");
    conf->bigcommerce =
        cJSON_GetObjectItemCaseSensitive(conf->doc, "bigcommerce");
    conf->woocommerce =
        cJSON_GetObjectItemCaseSensitive(conf->doc, "woocommerce");
    conf->receiver = cJSON_GetObjectItemCaseSensitive(conf->doc, "receiver");
    conf->http = cJSON_GetObjectItemCaseSensitive(conf->doc, "http");
    if (cJSON_IsObject(conf->http))
        check_object(&ck, conf->http, http_keys, "http.");
    if (cJSON_IsObject(conf->epicor)) {
        check_object(&ck, conf->epicor, epicor_keys, "epicor.");
        check_epicor(&ck, conf->epicor);
    }
    if (cJSON_IsObject(conf->bigcommerce))
        check_object(&ck, conf->bigcommerce, bc_keys, "bigcommerce.");
    if (cJSON_IsObject(conf->woocommerce))
        check_object(&ck, conf->woocommerce, wc_keys, "woocommerce.");
    conf->adobe = cJSON_GetObjectItemCaseSensitive(conf->doc, "adobe");
    if (cJSON_IsObject(conf->adobe))
        kh__sync_check_adobe(conf->adobe, ck.prog, ck.path, &ck.problems,
                             &ck.secret_refs);
    if (cJSON_IsObject(conf->receiver))
        check_object(&ck, conf->receiver, receiver_keys, "receiver.");
    check_storefronts(&ck, conf);
    check_transport(&ck, conf);
    for (int i = 0; i < KH__FLOW_COUNT; i++)
        conf->every_s[i] = kh__sync_flows[i].default_s;
    check_flows(&ck, conf,
                cJSON_GetObjectItemCaseSensitive(conf->doc, "flows"));
    if (kx_json_str(conf->doc, "key_file") && kx_json_str(conf->doc, "key_env"))
        problem(&ck, "key_file", "give key_file or key_env, not both");
    /* A CA file curl cannot read would only show on the first request. */
    ca_file = kx_json_str(conf->http, "ca_file");
    conf->ca_file = ca_file ? beside(path, ca_file) : NULL;
    if (conf->ca_file && access(conf->ca_file, R_OK) != 0)
        problem(&ck, "http.ca_file", "cannot read %s: %s", conf->ca_file,
                strerror(errno));
    if (ck.problems) {
        kh__sync_conf_dispose(conf);
        return KH__SYNC_EXIT_USAGE;
    }
    state = kx_json_str(conf->doc, "state");
    key_file = kx_json_str(conf->doc, "key_file");
    conf->state_path = beside(path, state ? state : DEFAULT_STATE);
    conf->key_file = key_file ? beside(path, key_file) : NULL;
    conf->key_env = kx_json_str(conf->doc, "key_env");
    if (!conf->key_env)
        conf->key_env = DEFAULT_KEY_ENV;
    conf->secret_refs = ck.secret_refs;
    conf->key_file_mode_check =
        kx_json_bool(conf->doc, "key_file_mode_check", 1);
    conf->retention_days =
        kh__sync_int(conf->doc, "retention_days", KH__SYNC_RETENTION_DAYS);
    return 0;
}

/* Overwrites every string under a credential-bearing section. */
static void zero_strings(cJSON *node)
{
    for (; node; node = node->next) {
        if (cJSON_IsString(node) && node->valuestring)
            memset(node->valuestring, 0, strlen(node->valuestring));
        zero_strings(node->child);
    }
}

void kh__sync_conf_dispose(struct kh__sync_conf *conf)
{
    if (!conf)
        return;
    if (conf->doc)
        zero_strings(conf->doc->child);
    cJSON_Delete(conf->doc);
    free(conf->path);
    free(conf->state_path);
    free(conf->key_file);
    free(conf->ca_file);
    memset(conf, 0, sizeof(*conf));
}
