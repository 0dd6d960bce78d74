/*
 * What each section of the configuration holds (one key table per
 * section) and the rules between keys that a table cannot say: Epicor's
 * credentials per auth mode, the storefronts' auth names, the transport
 * rule, and the flows with their cadences.
 */
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include <kx/net.h>
#include "config.h"

#define EVERY_S_MAX 604800 /* a week */

#define STR KH__CONF_STR
#define CRED KH__CONF_CRED
#define INT KH__CONF_INT
#define BOOL KH__CONF_BOOL
#define OBJ KH__CONF_OBJ
#define ANY KH__CONF_ANY

/* The document. Without "connections" it is also the one implicit
 * connection (epicor, bigcommerce, woocommerce, flows at the top). */
static const struct kh__conf_key top_keys[] = {
    {"state", STR, 0, 0, 0},
    {"key_file", STR, 0, 0, 0},
    {"key_env", STR, 0, 0, 0},
    {"epicor", OBJ, 0, 0, 0},
    {"bigcommerce", OBJ, 0, 0, 0},
    {"woocommerce", OBJ, 0, 0, 0},
    {"adobe", OBJ, 0, 0, 0},
    {"flows", ANY, 0, 0, 0},
    {"oee", OBJ, 0, 0, 0},
    {"connections", OBJ, 0, 0, 0},
    {"receiver", OBJ, 0, 0, 0},
    {"http", OBJ, 0, 0, 0},
    {"key_file_mode_check", BOOL, 0, 0, 0},
    {"retention_days", INT, 0, 0, KH__SYNC_RETENTION_DAYS_MAX},
    {"lease_s", INT, 0, 5, 3600}, /* KH__SYNC_LEASE_S_MIN.._MAX (run.h) */
    {NULL, STR, 0, 0, 0}};

/* The sections a connection holds; the top-level keys they may not
 * appear beside "connections". */
static const struct kh__conf_key conn_keys[] = {
    {"state", STR, 0, 0, 0},       {"epicor", OBJ, 1, 0, 0},
    {"bigcommerce", OBJ, 0, 0, 0}, {"woocommerce", OBJ, 0, 0, 0},
    {"adobe", OBJ, 0, 0, 0},       {"flows", ANY, 0, 0, 0},
    {"oee", OBJ, 0, 0, 0},         {NULL, STR, 0, 0, 0}};

/* The HTTP client's timeouts and retry policy (client.h); each bounded so
 * a typo cannot make a run wait for days. */
static const struct kh__conf_key http_keys[] = {
    {"connect_timeout_ms", INT, 0, 100, 600000},
    {"timeout_ms", INT, 0, 100, 3600000},
    {"max_attempts", INT, 0, 1, 20},
    {"base_delay_ms", INT, 0, 0, 600000},
    {"max_delay_ms", INT, 0, 0, 3600000},
    {"rate_limit_default_wait_ms", INT, 0, 0, 3600000},
    {"rate_limit_max_wait_ms", INT, 0, 0, 3600000},
    {"ca_file", STR, 0, 0, 0},
    {NULL, STR, 0, 0, 0}};

static const struct kh__conf_key epicor_keys[] = {
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

static const struct kh__conf_key bc_keys[] = {
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

static const struct kh__conf_key wc_keys[] = {
    {"base_url", STR, 1, 0, 0},
    {"consumer_key", CRED, 1, 0, 0},
    {"consumer_secret", CRED, 1, 0, 0},
    {"auth", STR, 0, 0, 0},
    {"webhook_secret", CRED, 0, 0, 0},
    {"per_page", INT, 0, 1, 100},
    {"batch_limit", INT, 0, 1, 100},
    {"allow_insecure_http", BOOL, 0, 0, 0},
    {NULL, STR, 0, 0, 0}};

/* The OEE platform and the shop-floor flows (oee.c; README "OEE"). */
static const struct kh__conf_key oee_keys[] = {
    {"pattern", STR, 0, 0, 0},    {"base_url", STR, 1, 0, 0},
    {"api_key", CRED, 1, 0, 0},   {"api_key_header", STR, 0, 0, 0},
    {"plants", OBJ, 0, 0, 0},     {"default_scope", STR, 0, 0, 0},
    {"ud_fields", OBJ, 0, 0, 0},  {"poll", OBJ, 0, 0, 0},
    {"write_back", OBJ, 0, 0, 0}, {"events", OBJ, 0, 0, 0},
    {"file", OBJ, 0, 0, 0},       {"allow_insecure_http", BOOL, 0, 0, 0},
    {NULL, STR, 0, 0, 0}};

static const struct kh__conf_key oee_ud_keys[] = {
    {"availability", STR, 0, 0, 0}, {"performance", STR, 0, 0, 0},
    {"quality", STR, 0, 0, 0},      {"oee", STR, 0, 0, 0},
    {"good", STR, 0, 0, 0},         {"scrap", STR, 0, 0, 0},
    {"top_loss", STR, 0, 0, 0},     {NULL, STR, 0, 0, 0}};

/* The poll pattern's cadence is flows["oee.poll"].every_s (300). */
static const struct kh__conf_key oee_poll_keys[] = {
    {"max_requests", INT, 0, 1, 10000},
    {"breaker_failures", INT, 0, 1, 100},
    {"breaker_cooldown_s", INT, 0, 1, 86400},
    {NULL, STR, 0, 0, 0}};

static const struct kh__conf_key oee_write_back_keys[] = {
    {"ud_fields", BOOL, 0, 0, 0},
    {"part_tran", BOOL, 0, 0, 0},
    {"labor", BOOL, 0, 0, 0},
    {"employee", STR, 0, 0, 0},
    {NULL, STR, 0, 0, 0}};

/* The file pattern: where the DMT files go (flows["oee.export"]). */
static const struct kh__conf_key oee_file_keys[] = {{"directory", STR, 1, 0, 0},
                                                    {NULL, STR, 0, 0, 0}};

static const struct kh__conf_key oee_events_keys[] = {
    {"header", STR, 0, 0, 0}, {"secret", CRED, 1, 0, 0}, {NULL, STR, 0, 0, 0}};

static const struct kh__conf_key receiver_keys[] = {
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

void kh__conf_check_top(struct kh__conf_check *ck, const cJSON *doc, int named)
{
    static const char *const per_connection[] = {
        "epicor", "bigcommerce", "woocommerce", "adobe", "flows", "oee", NULL};
    const cJSON *http = cJSON_GetObjectItemCaseSensitive(doc, "http");
    const cJSON *rcv = cJSON_GetObjectItemCaseSensitive(doc, "receiver");
    char where[KH__CONF_WHERE_MAX];

    kh__conf_check_object(ck, doc, top_keys, "");
    if (cJSON_IsObject(http))
        kh__conf_check_object(ck, http, http_keys, "/http");
    if (cJSON_IsObject(rcv))
        kh__conf_check_object(ck, rcv, receiver_keys, "/receiver");
    if (kx_json_str(doc, "key_file") && kx_json_str(doc, "key_env"))
        kh__conf_problem(ck, "/key_file", "give key_file or key_env, not both");
    for (int i = 0; named && per_connection[i]; i++) {
        if (!cJSON_GetObjectItemCaseSensitive(doc, per_connection[i]))
            continue;
        kh__conf_where(where, "", per_connection[i]);
        kh__conf_problem(ck, where,
                         "belongs to a connection when \"connections\" is "
                         "given (move it into /connections/NAME)");
    }
}

/* What flow i needs that conf lacks: "bigcommerce", "woocommerce", "oee",
 * or NULL. */
const char *kh__sync_flow_lacks(const struct kh__sync_conf *conf, int i)
{
    const char *needs = kh__sync_flows[i].needs;
    const cJSON *have = strcmp(needs, "bigcommerce") == 0   ? conf->bigcommerce
                        : strcmp(needs, "woocommerce") == 0 ? conf->woocommerce
                        : strcmp(needs, "adobe") == 0       ? conf->adobe
                                                            : conf->oee;

    return have ? NULL : needs;
}

/* Without "flows": every flow whose system is configured; of the OEE
 * ones, the poll in the poll and file patterns (the file pattern measures
 * by polling), the export only in the file pattern. */
static int flow_by_default(const struct kh__sync_conf *conf, int i)
{
    const char *pattern = kh__sync_oee_pattern(conf->oee);

    if (kh__sync_flow_lacks(conf, i))
        return 0;
    if (i == KH__FLOW_OEE_EXPORT)
        return strcmp(pattern, "file") == 0;
    return i != KH__FLOW_OEE_POLL || strcmp(pattern, "events") != 0;
}

/* "flows": an array of names or an object {name: {"every_s": N}}. */
static void check_flows(struct kh__conf_check *ck, struct kh__sync_conf *conf,
                        const cJSON *flows)
{
    char where[KH__CONF_WHERE_MAX], fp[KH__CONF_WHERE_MAX];
    const cJSON *it;

    if (!flows) { /* every flow whose storefront is configured */
        for (int i = 0; i < KH__FLOW_COUNT; i++)
            conf->enabled[i] = flow_by_default(conf, i);
        return;
    }
    kh__conf_where(fp, conf->pointer, "flows");
    if (!cJSON_IsArray(flows) && !cJSON_IsObject(flows)) {
        kh__conf_problem(ck, fp,
                         "must be an array of flow names or an object "
                         "{flow: {\"every_s\": N}}");
        return;
    }
    cJSON_ArrayForEach(it, flows)
    {
        const char *name = cJSON_IsObject(flows) ? it->string
                           : cJSON_IsString(it)  ? it->valuestring
                                                 : NULL;
        int i = name ? kh__conf_flow_index(name) : -1;
        const cJSON *e;

        if (!name) {
            kh__conf_problem(ck, fp, "every entry must be a flow name");
            continue;
        }
        kh__conf_where(where, fp, name);
        if (i < 0) {
            kh__conf_problem(ck, where,
                             "unknown flow (known: parts.bigcommerce, "
                             "parts.woocommerce, customers.woocommerce, "
                             "orders.bigcommerce, orders.woocommerce, "
                             "refunds.woocommerce, vendors.adobe, "
                             "purchase_orders.adobe, ap_invoices.adobe, "
                             "requisitions.epicor, oee.recover, "
                             "oee.reasons, oee.poll, oee.export)");
            continue;
        }
        if (conf->enabled[i]) {
            kh__conf_problem(ck, where, "given twice");
            continue;
        }
        conf->enabled[i] = 1;
        if (kh__sync_flow_lacks(conf, i))
            kh__conf_problem(ck, where, "needs the \"%s\" section",
                             kh__sync_flow_lacks(conf, i));
        if (!cJSON_IsObject(flows))
            continue;
        if (!cJSON_IsObject(it)) {
            kh__conf_problem(ck, where,
                             "must be an object such as {\"every_s\": 60}");
            continue;
        }
        cJSON_ArrayForEach(e, it)
        {
            if (strcmp(e->string, "every_s") != 0) {
                kh__conf_problem(ck, where,
                                 "unknown key \"%.64s\" (only every_s)",
                                 e->string);
            } else if (!cJSON_IsNumber(e) ||
                       !(e->valuedouble >= 1 &&
                         e->valuedouble <= EVERY_S_MAX) ||
                       e->valuedouble != (double)(int64_t)e->valuedouble) {
                kh__conf_problem(ck, where,
                                 "every_s must be a whole number 1..%d",
                                 EVERY_S_MAX);
            } else {
                conf->every_s[i] = (int64_t)e->valuedouble;
            }
        }
    }
}

/* The auth-dependent rules ks_epicor_new would only answer EINVAL to. */
static void check_epicor(struct kh__conf_check *ck, const cJSON *epi,
                         const char *pointer)
{
    const char *auth = kx_json_str(epi, "auth");
    enum ks_epicor_auth a = KS_EPICOR_AUTH_TOKEN;
    int v1 = kh__sync_int(epi, "api_version", 2) == 1;
    char where[KH__CONF_WHERE_MAX];
    const char *need[3] = {NULL, NULL, NULL};

    if (auth && ks_epicor_auth_from_name(&a, auth) != 0) {
        kh__conf_where(where, pointer, "auth");
        kh__conf_problem(ck, where, "must be \"basic\", \"token\" or \"idp\"");
        return;
    }
    if (!v1 && !cJSON_GetObjectItemCaseSensitive(epi, "api_key")) {
        kh__conf_where(where, pointer, "api_key");
        kh__conf_problem(ck, where, "missing (required by REST API v2)");
    }
    need[0] = a == KS_EPICOR_AUTH_IDP ? "client_id" : "username";
    need[1] = a == KS_EPICOR_AUTH_IDP ? "client_secret" : "password";
    for (int i = 0; need[i]; i++) {
        if (cJSON_GetObjectItemCaseSensitive(epi, need[i]))
            continue;
        kh__conf_where(where, pointer, need[i]);
        kh__conf_problem(ck, where, "missing (required by auth %s)",
                         a == KS_EPICOR_AUTH_IDP ? "idp"
                         : auth                  ? auth
                                                 : "token");
    }
}

/* The transport rule: a URL that carries credentials (every URL of a
 * section that sends any) is https://, or plain http:// to a loopback host
 * (a local proxy, an emulator), unless the section sets
 * allow_insecure_http, which then gets one warning per URL. A URL curl
 * cannot read is left to the client, which refuses it with its reason. */
static void check_url(struct kh__conf_check *ck, const cJSON *section,
                      const char *pointer, const char *key)
{
    const char *url = kx_json_str(section, key);
    CURLU *u = url ? curl_url() : NULL;
    char *scheme = NULL, *host = NULL;
    char where[KH__CONF_WHERE_MAX];

    kh__conf_where(where, pointer, key);
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        strcasecmp(scheme, "http") == 0 && !kx_host_is_loopback(host)) {
        if (kx_json_bool(section, "allow_insecure_http", 0))
            fprintf(stderr,
                    "%s: warning: %s: %s: plain http:// to %s sends the "
                    "credentials in clear text (allow_insecure_http is "
                    "set)\n",
                    ck->prog, ck->path, where, host);
        else
            kh__conf_problem(ck, where,
                             "plain http:// to %s would send the credentials "
                             "in clear text; use https:// (or set "
                             "%s/allow_insecure_http to true)",
                             host, pointer);
    }
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
}

/* The rules of the "oee" section a key table cannot say. */
static void check_oee(struct kh__conf_check *ck, const cJSON *oee,
                      const char *pointer)
{
    static const struct {
        const char *name;
        const struct kh__conf_key *keys;
    } subs[] = {{"ud_fields", oee_ud_keys},
                {"poll", oee_poll_keys},
                {"write_back", oee_write_back_keys},
                {"events", oee_events_keys},
                {"file", oee_file_keys}};
    const char *pattern = kx_json_str(oee, "pattern");
    const char *hdr = kx_json_str(oee, "api_key_header");
    const cJSON *wb = kx_json_obj(oee, "write_back"), *it;
    char where[KH__CONF_WHERE_MAX];

    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
        const cJSON *sub = cJSON_GetObjectItemCaseSensitive(oee, subs[i].name);

        kh__conf_where(where, pointer, subs[i].name);
        if (cJSON_IsObject(sub))
            kh__conf_check_object(ck, sub, subs[i].keys, where);
    }
    kh__conf_where(where, pointer, "pattern");
    if (pattern && strcmp(pattern, "events") != 0 &&
        strcmp(pattern, "poll") != 0 && strcmp(pattern, "file") != 0)
        kh__conf_problem(ck, where, "must be \"events\", \"poll\" or \"file\"");
    if (pattern && strcmp(pattern, "file") == 0 && !kx_json_obj(oee, "file")) {
        kh__conf_where(where, pointer, "file");
        kh__conf_problem(ck, where,
                         "missing (the file pattern needs {\"directory\": "
                         "...}, where the DMT files are written)");
    }
    if (pattern && strcmp(pattern, "events") == 0 &&
        !kx_json_obj(oee, "events")) {
        kh__conf_where(where, pointer, "events");
        kh__conf_problem(ck, where,
                         "missing (the events pattern needs {\"secret\": "
                         "...}, the value Epicor's event functions send)");
    }
    kh__conf_where(where, pointer, "api_key_header");
    if (hdr && strcmp(hdr, "bearer") != 0 && strcmp(hdr, "x-api-key") != 0)
        kh__conf_problem(ck, where, "must be \"bearer\" or \"x-api-key\"");
    cJSON_ArrayForEach(it, kx_json_obj(oee, "plants"))
    {
        char fp[KH__CONF_WHERE_MAX];

        kh__conf_where(fp, pointer, "plants");
        kh__conf_where(where, fp, it->string);
        if (!cJSON_IsString(it) || !it->valuestring[0])
            kh__conf_problem(ck, where, "must be the OEE scope (a string)");
    }
    if (!kx_json_obj(oee, "plants") && !kx_json_str(oee, "default_scope")) {
        kh__conf_where(where, pointer, "plants");
        kh__conf_problem(ck, where,
                         "missing: give plants {PLANT: SCOPE} or "
                         "default_scope");
    }
    /* The summaries always go to the JobOper UD fields; labour and
     * production quantities only when switched on (off by default), and
     * never by the file pattern: said once, at load, in every command
     * that reads the file. */
    {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(wb, "ud_fields");
        int file = pattern && strcmp(pattern, "file") == 0;
        char fp[KH__CONF_WHERE_MAX];

        kh__conf_where(fp, pointer, "write_back");
        kh__conf_where(where, fp, "ud_fields");
        if (cJSON_IsFalse(v))
            kh__conf_problem(ck, where,
                             "false is not supported: the summaries are "
                             "written to the JobOper UD fields (leave it out)");
        if (file) { /* the DMT export carries the summaries only */
            static const char *const ignored[] = {"labor", "part_tran"};

            for (size_t i = 0; i < 2; i++) {
                kh__conf_where(where, fp, ignored[i]);
                if (kx_json_bool(wb, ignored[i], 0))
                    fprintf(stderr,
                            "%s: warning: %s: %s: ignored with pattern "
                            "\"file\" (the export carries the summaries "
                            "only)\n",
                            ck->prog, ck->path, where);
            }
        }
        kh__conf_where(where, fp, "employee");
        if (!file && kx_json_bool(wb, "labor", 0) &&
            !kx_json_str(wb, "employee"))
            kh__conf_problem(ck, where,
                             "missing: labor true books the labour to an "
                             "Epicor employee (EmployeeNum)");
    }
}

/* A section of a connection: its name, key table and the members under
 * the transport rule. */
struct section {
    const char *name;
    const struct kh__conf_key *keys;
    const char *urls[2]; /* members under the transport rule */
};

static const struct section sections[] = {
    {"epicor", epicor_keys, {"server_url", "token_url"}},
    {"oee", oee_keys, {"base_url", NULL}},
    {"bigcommerce", bc_keys, {"base_url", NULL}},
    {"woocommerce", wc_keys, {"base_url", NULL}},
    {"adobe", kh__conf_adobe_keys, {"base_url", "ims_token_url"}},
};

/* One section of a connection: its key table, then its own rules. */
static void check_section(struct kh__conf_check *ck, const cJSON *section,
                          const struct section *s, const char *conn_pointer)
{
    char pointer[KH__CONF_WHERE_MAX], where[KH__CONF_WHERE_MAX];
    const char *auth;
    enum ks_woocommerce_auth a;

    if (!cJSON_IsObject(section))
        return; /* the kind is reported by the enclosing table */
    kh__conf_where(pointer, conn_pointer, s->name);
    kh__conf_check_object(ck, section, s->keys, pointer);
    if (s->keys == epicor_keys)
        check_epicor(ck, section, pointer);
    if (s->keys == kh__conf_adobe_keys)
        kh__conf_check_adobe(ck, section, pointer);
    if (s->keys == oee_keys)
        check_oee(ck, section, pointer);
    auth = kx_json_str(section, "auth");
    if (s->keys == wc_keys && auth &&
        ks_woocommerce_auth_from_name(&a, auth) != 0) {
        kh__conf_where(where, pointer, "auth");
        kh__conf_problem(ck, where,
                         "must be \"basic\", \"query\" or \"oauth1\"");
    }
    for (int i = 0; i < 2 && s->urls[i]; i++)
        check_url(ck, section, pointer, s->urls[i]);
}

void kh__conf_check_connection(struct kh__conf_check *ck,
                               struct kh__sync_conf *conf, const cJSON *obj)
{
    int refs = ck->secret_refs;

    if (conf->pointer[0])
        kh__conf_check_object(ck, obj, conn_keys, conf->pointer);
    else if (!cJSON_GetObjectItemCaseSensitive(obj, "epicor"))
        kh__conf_problem(ck, "/epicor", "missing (required)");
    conf->epicor = cJSON_GetObjectItemCaseSensitive(obj, "epicor");
    conf->bigcommerce = cJSON_GetObjectItemCaseSensitive(obj, "bigcommerce");
    conf->woocommerce = cJSON_GetObjectItemCaseSensitive(obj, "woocommerce");
    conf->adobe = cJSON_GetObjectItemCaseSensitive(obj, "adobe");
    conf->oee = cJSON_GetObjectItemCaseSensitive(obj, "oee");
    if (!cJSON_IsObject(conf->oee))
        conf->oee = NULL; /* the kind is reported by the enclosing table */
    for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
        check_section(ck,
                      cJSON_GetObjectItemCaseSensitive(obj, sections[i].name),
                      &sections[i], conf->pointer);
    for (int i = 0; i < KH__FLOW_COUNT; i++)
        conf->every_s[i] = kh__sync_flows[i].default_s;
    check_flows(ck, conf, cJSON_GetObjectItemCaseSensitive(obj, "flows"));
    conf->secret_refs = ck->secret_refs - refs;
}
