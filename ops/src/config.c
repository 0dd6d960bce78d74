/*
 * The configuration file of `kinsync sync` and its relatives: reading it,
 * finding its connections (the document itself, or each member of
 * "connections"), and the paths each one uses. config_sections.c checks
 * what the sections hold, config_check.c is the generic checker; env.c
 * builds the handles of one connection.
 *
 * Checking happens before anything is opened or sent, and reports every
 * problem at once, each naming the member by its JSON pointer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <curl/curl.h>
#include <kx/alloc.h>
#include "config.h"

#define CONF_MAX_BYTES ((size_t)1 << 20)
#define DEFAULT_STATE "kinsync-state.db"
#define DEFAULT_KEY_ENV "KINSYNC_STATE_KEY"
#define DEFAULT_CONNECTION "default"

const struct kh__sync_flow_def kh__sync_flows[KH__FLOW_COUNT] = {
    {"parts.bigcommerce", "bigcommerce", 300, ks_sync_parts_to_bigcommerce},
    {"parts.woocommerce", "woocommerce", 300, ks_sync_parts_to_woocommerce},
    {"customers.woocommerce", "woocommerce", 300,
     ks_sync_customers_to_woocommerce},
    {"orders.bigcommerce", "bigcommerce", 60, ks_sync_orders_from_bigcommerce},
    {"orders.woocommerce", "woocommerce", 60, ks_sync_orders_from_woocommerce},
    {"refunds.woocommerce", "woocommerce", 60,
     ks_sync_refunds_from_woocommerce},
    {"vendors.adobe", "adobe", 600, ks_sync_vendors_to_adobe},
    {"purchase_orders.adobe", "adobe", 300, ks_sync_purchase_orders_to_adobe},
    {"ap_invoices.adobe", "adobe", 300, ks_sync_ap_invoices_to_adobe},
    {"requisitions.epicor", "adobe", 60, ks_sync_requisitions_from_adobe},
    /* OEE (oee.c runs them): the poll's cadence is the poll pattern's
     * "every few minutes"; the dictionary changes rarely */
    {"oee.recover", "oee", 300, NULL},
    {"oee.reasons", "oee", 3600, NULL},
    {"oee.poll", "oee", 300, NULL},
    {"oee.export", "oee", 86400, NULL}, /* the file pattern's daily file */
};

int kh__conf_flow_index(const char *name)
{
    for (int i = 0; i < KH__FLOW_COUNT; i++) {
        if (strcmp(kh__sync_flows[i].name, name) == 0)
            return i;
    }
    return -1;
}

/* Reads at most CONF_MAX_BYTES of path into a NUL-terminated buffer. */
static char *read_file(size_t *len, struct kh__conf_check *ck)
{
    FILE *f = fopen(ck->path, "rb");
    char *buf;
    size_t n;

    if (!f) {
        kh__conf_problem(ck, "", "cannot open: %s", strerror(errno));
        return NULL;
    }
    buf = kx_xmalloc(CONF_MAX_BYTES + 1);
    n = fread(buf, 1, CONF_MAX_BYTES + 1, f);
    if (ferror(f)) {
        kh__conf_problem(ck, "", "cannot read: %s", strerror(errno));
        n = 0;
        free(buf);
        buf = NULL;
    } else if (n > CONF_MAX_BYTES) {
        kh__conf_problem(ck, "", "larger than %zu bytes", CONF_MAX_BYTES);
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

    if (path[0] == '/' || strstr(path, "://")) /* absolute, or a URI */
        dir = 0;
    out = kx_xmalloc(dir + n + 1);
    memcpy(out, conf_path, dir);
    memcpy(out + dir, path, n + 1);
    return out;
}

char *kh__conf_beside(const char *conf_path, const char *path)
{
    return beside(conf_path, path);
}

/* The state of a named connection that gives none: the document's state
 * (or the default) with ".NAME" before its extension, so
 * "kinsync-state.db" becomes "kinsync-state.acme-bc.db". */
static char *connection_state(const char *base, const char *name)
{
    const char *slash = strrchr(base, '/');
    const char *dot = strrchr(slash ? slash + 1 : base, '.');
    size_t stem = dot && dot != (slash ? slash + 1 : base)
                      ? (size_t)(dot - base)
                      : strlen(base);
    size_t n = strlen(base) + strlen(name) + 2;
    char *out = kx_xmalloc(n);

    snprintf(out, n, "%.*s.%s%s", (int)stem, base, name, base + stem);
    return out;
}

static int connection_name_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > KH__SYNC_CONNECTION_MAX || s[0] == '.' || s[0] == '-' ||
        s[0] == '_')
        return 0;
    return kh__sync_secret_name_ok(s);
}

/* The settings every connection shares, from the document. */
static void shared(struct kh__sync_conf *c, const struct kh__sync_config *cfg)
{
    c->path = cfg->path;
    c->doc = cfg->doc;
    c->key_file = cfg->key_file;
    c->ca_file = cfg->ca_file;
    c->key_env = kx_json_str_or(cfg->doc, "key_env", DEFAULT_KEY_ENV);
    c->receiver = cJSON_GetObjectItemCaseSensitive(cfg->doc, "receiver");
    c->http = cJSON_GetObjectItemCaseSensitive(cfg->doc, "http");
    c->key_file_mode_check = kx_json_bool(cfg->doc, "key_file_mode_check", 1);
    c->retention_days =
        kh__sync_int(cfg->doc, "retention_days", KH__SYNC_RETENTION_DAYS);
}

/* What messages print for a state: a path as it is; a database URI with
 * its password and query (which may carry "password=") left out, or a
 * placeholder when it does not parse as a URL. */
static char *shown_state(const char *state)
{
    CURLU *u = strstr(state, "://") ? curl_url() : NULL;
    char *url = NULL, *shown;

    if (!strstr(state, "://"))
        return kx_xstrdup(state);
    if (u &&
        curl_url_set(u, CURLUPART_URL, state, CURLU_NON_SUPPORT_SCHEME) ==
            CURLUE_OK &&
        curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_QUERY, NULL, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &url, 0) == CURLUE_OK)
        shown = kx_xstrdup(url);
    else
        shown = kx_xstrdup("a database URI (not shown: it does not parse)");
    curl_free(url);
    curl_url_cleanup(u);
    return shown;
}

/* Each connection: name, checks, state path; two never share a state. */
static void load_connections(struct kh__conf_check *ck,
                             struct kh__sync_config *cfg)
{
    const cJSON *list =
        cJSON_GetObjectItemCaseSensitive(cfg->doc, "connections");
    const char *base = kx_json_str_or(cfg->doc, "state", DEFAULT_STATE);
    size_t n = cfg->named ? (size_t)cJSON_GetArraySize(list) : 1, i = 0;
    const cJSON *it = cfg->named ? list->child : cfg->doc;
    char where[KH__CONF_WHERE_MAX];

    if (n == 0)
        kh__conf_problem(ck, "/connections", "holds no connection");
    cfg->conns = kx_xcalloc(n ? n : 1, sizeof(*cfg->conns));
    cfg->state_paths = kx_xcalloc(n ? n : 1, sizeof(*cfg->state_paths));
    cfg->nconns = n;
    for (; i < n; i++, it = it->next) {
        struct kh__sync_conf *c = &cfg->conns[i];
        const char *state = cfg->named ? kx_json_str(it, "state") : NULL;
        char *rel;

        shared(c, cfg);
        c->name = cfg->named ? it->string : DEFAULT_CONNECTION;
        kh__conf_where(where, cfg->named ? "/connections" : "", c->name);
        c->pointer = cfg->named ? kx_xstrdup(where) : kx_xstrdup("");
        if (cfg->named && !connection_name_ok(c->name))
            kh__conf_problem(ck, where,
                             "a connection name is 1..%d letters, digits, "
                             "'.', '_' or '-', starting with a letter or "
                             "digit",
                             KH__SYNC_CONNECTION_MAX);
        if (cfg->named && !cJSON_IsObject(it)) {
            kh__conf_problem(ck, where, "must be an object");
            continue;
        }
        kh__conf_check_connection(ck, c, it);
        if (cfg->named && !state && strstr(base, "://")) {
            kh__conf_problem(ck, where,
                             "give it a \"state\" of its own: the "
                             "document's state is a database URI, which two "
                             "connections never share");
            continue;
        }
        rel = state        ? kx_xstrdup(state)
              : cfg->named ? connection_state(base, c->name)
                           : kx_xstrdup(base);
        cfg->state_paths[i] = beside(cfg->path, rel);
        c->state_path = cfg->state_paths[i];
        c->state_shown = shown_state(c->state_path);
        free(rel);
        for (size_t j = 0; j < i; j++) {
            if (cfg->state_paths[j] &&
                strcmp(cfg->state_paths[j], c->state_path) == 0)
                kh__conf_problem(ck, where,
                                 "uses the state %s of %s too: two "
                                 "connections never share a state",
                                 c->state_shown, cfg->conns[j].pointer);
        }
    }
}

/* Parses the text into cfg->doc; 0, or a problem reported. */
static int parse(struct kh__sync_config *cfg, struct kh__conf_check *ck)
{
    size_t len = 0;
    char *text = read_file(&len, ck);

    if (!text)
        return -1;
    cfg->doc = cJSON_ParseWithLength(text, len);
    if (!cfg->doc) {
        const char *at = cJSON_GetErrorPtr();
        int line = 1;

        for (const char *p = text; at && p < at && *p; p++)
            line += *p == '\n';
        kh__conf_problem(ck, "", "not valid JSON (near line %d)", line);
    } else if (!cJSON_IsObject(cfg->doc)) {
        kh__conf_problem(ck, "", "must hold a JSON object");
    }
    memset(text, 0, len); /* it may hold plain-text credentials */
    free(text);
    return ck->problems ? -1 : 0;
}

int kh__sync_config_load(struct kh__sync_config *cfg, const char *prog,
                         const char *path)
{
    struct kh__conf_check ck = {prog, path, 0, 0};
    const char *key_file, *ca_file;

    memset(cfg, 0, sizeof(*cfg));
    cfg->path = kx_xstrdup(path);
    if (parse(cfg, &ck) != 0) {
        kh__sync_config_dispose(cfg);
        return KH__SYNC_EXIT_USAGE;
    }
    cfg->named = cJSON_IsObject(
        cJSON_GetObjectItemCaseSensitive(cfg->doc, "connections"));
    kh__conf_check_top(&ck, cfg->doc, cfg->named);
    key_file = kx_json_str(cfg->doc, "key_file");
    cfg->key_file = key_file ? beside(path, key_file) : NULL;
    /* A CA file curl cannot read would only show on the first request. */
    ca_file = kx_json_str(cJSON_GetObjectItemCaseSensitive(cfg->doc, "http"),
                          "ca_file");
    cfg->ca_file = ca_file ? beside(path, ca_file) : NULL;
    if (cfg->ca_file && access(cfg->ca_file, R_OK) != 0)
        kh__conf_problem(&ck, "/http/ca_file", "cannot read %s: %s",
                         cfg->ca_file, strerror(errno));
    /* "connections" that is not an object was reported by the table */
    if (cfg->named ||
        !cJSON_GetObjectItemCaseSensitive(cfg->doc, "connections"))
        load_connections(&ck, cfg);
    if (ck.problems) {
        kh__sync_config_dispose(cfg);
        return KH__SYNC_EXIT_USAGE;
    }
    return 0;
}

struct kh__sync_conf *kh__sync_config_pick(struct kh__sync_config *cfg,
                                           const char *name, const char *prog)
{
    if (!name && cfg->nconns == 1)
        return &cfg->conns[0];
    for (size_t i = 0; name && i < cfg->nconns; i++) {
        if (strcmp(cfg->conns[i].name, name) == 0)
            return &cfg->conns[i];
    }
    fprintf(stderr, "%s: %s: ", prog, cfg->path);
    if (name)
        fprintf(stderr, "no connection \"%.64s\"; ", name);
    else
        fputs("several connections: name one with --connection; ", stderr);
    fputs("known:", stderr);
    for (size_t i = 0; i < cfg->nconns; i++)
        fprintf(stderr, " %s", cfg->conns[i].name);
    fputc('\n', stderr);
    return NULL;
}

const char *kh__sync_qualified(char *buf, size_t size,
                               const struct kh__sync_conf *conf,
                               const char *flow, int named)
{
    if (named)
        snprintf(buf, size, "%s/%s", conf->name, flow);
    else
        snprintf(buf, size, "%s", flow);
    return buf;
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

void kh__sync_config_dispose(struct kh__sync_config *cfg)
{
    if (!cfg)
        return;
    if (cfg->doc)
        zero_strings(cfg->doc->child);
    cJSON_Delete(cfg->doc);
    for (size_t i = 0; cfg->conns && i < cfg->nconns; i++) {
        free((char *)cfg->conns[i].pointer);
        free((char *)cfg->conns[i].state_shown);
        free(cfg->state_paths[i]);
    }
    free(cfg->conns);
    free(cfg->state_paths);
    free(cfg->path);
    free(cfg->key_file);
    free(cfg->ca_file);
    memset(cfg, 0, sizeof(*cfg));
}
