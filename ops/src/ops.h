/*
 * Internals shared by the `kinsync sync` family of commands: the
 * configuration file and the connector handles built from it. The webhook
 * receiver of `--watch` has its own header (receiver.h). See the README
 * for the user's view.
 */
#ifndef KH_OPS_H
#define KH_OPS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cjson/cJSON.h>
#include <kinsync.h>
#include <kx/alloc.h>
#include <kx/time.h>
#include <kx/json.h>

#define KH__SYNC_EXIT_OK 0
#define KH__SYNC_EXIT_FAIL 1
#define KH__SYNC_EXIT_USAGE 2

/* The flows, in the order a run takes them. */
enum kh__sync_flow_id {
    KH__FLOW_PARTS_BC = 0,
    KH__FLOW_PARTS_WC,
    KH__FLOW_CUSTOMERS_WC,
    KH__FLOW_ORDERS_BC,
    KH__FLOW_ORDERS_WC,
    KH__FLOW_REFUNDS_WC,
    KH__FLOW_VENDORS_AD,
    KH__FLOW_POS_AD,
    KH__FLOW_AP_AD,
    KH__FLOW_REQS_AD,
    KH__FLOW_OEE_RECOVER, /* the OEE flows (oee.c): pending summaries first */
    KH__FLOW_OEE_REASONS,
    KH__FLOW_OEE_POLL,
    KH__FLOW_OEE_EXPORT, /* pattern 3: the daily DMT file */
    KH__FLOW_COUNT
};

struct kh__sync_flow_def {
    const char *name;  /* "parts.bigcommerce": also the store's flow */
    const char *needs; /* the section it needs: "bigcommerce", "oee"... */
    int64_t default_s; /* --watch cadence without "every_s" */
    ks_rc (*run)(struct ks_sync_stats *, struct ks_sync *); /* NULL: OEE */
};

extern const struct kh__sync_flow_def kh__sync_flows[KH__FLOW_COUNT];

/*
 * One connection of a loaded and checked configuration file: an Epicor
 * company and the storefronts it serves, with its own flows, cadences,
 * state (cursors, id maps, intents, outbox, audit, secrets) and
 * credentials. A file without "connections" is one implicit connection
 * named "default" (the single-tenant format). Everything is borrowed from
 * the struct kh__sync_config it came from; paths are resolved against the
 * configuration file's directory. Credentials are not read yet:
 * kh__sync_env_open() resolves them.
 */
struct kh__sync_conf {
    const char *name;    /* "acme-bc"; "default" for the implicit one */
    const char *pointer; /* its object: "/connections/acme-bc", or "" */
    const char *path;    /* the configuration file */
    const cJSON *doc;
    const char *state_path;  /* absolute or relative to the working dir */
    const char *state_shown; /* state_path for messages: a database URI
                                without its password and query */
    const char *key_file;    /* NULL: key from the environment variable */
    const char *ca_file;     /* http.ca_file beside the config; NULL: system */
    const char *key_env;     /* "KINSYNC_STATE_KEY" unless set */
    const cJSON *epicor;     /* the sections (NULL when absent) */
    const cJSON *bigcommerce;
    const cJSON *woocommerce;
    const cJSON *adobe;
    const cJSON *oee;      /* the OEE section (oee.c) */
    const cJSON *receiver; /* shared by every connection */
    const cJSON *http;     /* timeouts and retry policy (NULL: defaults) */
    int enabled[KH__FLOW_COUNT]; /* configured (or default) flows */
    int64_t every_s[KH__FLOW_COUNT];
    int secret_refs;         /* how many {"$secret": NAME} values there are */
    int key_file_mode_check; /* refuse a key_file others may read (1) */
    int64_t retention_days;  /* audit and intent rows; 0: kept forever */
};

/* A loaded and checked configuration file: its connections, in the order
 * of the file. */
struct kh__sync_config {
    char *path;
    cJSON *doc;
    char *key_file, *ca_file;
    char **state_paths; /* one per connection, owned */
    struct kh__sync_conf *conns;
    size_t nconns;
    int named; /* "connections" given: output names the connection */
};

/* A connection name: 1..64 of [A-Za-z0-9._-], starting with a letter or
 * digit (it appears in URLs, file names and metrics labels). */
#define KH__SYNC_CONNECTION_MAX 64

/* retention_days by default, and its upper bound (ten years). */
#define KH__SYNC_RETENTION_DAYS 90
#define KH__SYNC_RETENTION_DAYS_MAX 3650

/* Reads and checks path. Returns 0, or KH__SYNC_EXIT_USAGE after printing
 * one line per problem to stderr, each prefixed with prog and naming the
 * JSON pointer of the member at fault. */
int kh__sync_config_load(struct kh__sync_config *cfg, const char *prog,
                         const char *path);
/* Zeroes the plain-text credentials held in doc, then frees; NULL-safe. */
void kh__sync_config_dispose(struct kh__sync_config *cfg);

/* The connection called name, or (name NULL) the only one. NULL after
 * printing why (an unknown name, with the known ones; several connections
 * and no name). */
struct kh__sync_conf *kh__sync_config_pick(struct kh__sync_config *cfg,
                                           const char *name, const char *prog);

/* "acme-bc/parts.bigcommerce" when cfg names its connections, else the
 * flow's own name; into buf. */
const char *kh__sync_qualified(char *buf, size_t size,
                               const struct kh__sync_conf *conf,
                               const char *flow, int named);

/* How the state store is opened. */
enum kh__sync_key_need {
    KH__KEY_NONE = 0,   /* open without a key (outbox, secret delete) */
    KH__KEY_IF_SET = 1, /* use the key when one is configured */
    KH__KEY_REQUIRED = 2
};

/* Opens the state file. Prints the reason (prefixed with prog) and returns
 * KH__SYNC_EXIT_FAIL on failure; a wrong key gets its own message. */
int kh__sync_store_open(struct ks_store **out, const struct kh__sync_conf *conf,
                        const char *prog, enum kh__sync_key_need need);

/* Where log lines go: --log file (every level) and stderr (WARN, ERROR). */
struct kh__sync_log {
    FILE *file;       /* NULL: no log file */
    int progress;     /* stderr is a terminal: a progress line is shown */
    int progress_on;  /* the line is drawn right now */
    const char *flow; /* what the progress line names */
    int64_t flow_start_ms;
    uint64_t flow_requests0; /* the client's request count at the start */
    int64_t last_draw_ms;
    int stop_pending; /* a stop signal waits for the flow to end */
    struct ks_client *client;
    const char *prog;
};

/* Opens the --log file for appending: created 0600 whatever the umask,
 * an existing one stripped of group and other permissions (it holds
 * redacted request headers and record ids); NULL with errno set. */
FILE *kh__sync_log_open(const char *path);
void kh__sync_log_fn(enum ks_log_level level, const char *msg,
                     const char *payload, void *userdata);
/* Redraws the progress line when due (at most every 250 ms); force draws
 * now. */
void kh__sync_progress(struct kh__sync_log *log, int force);
/* Erases the progress line, so that other output starts on a clean line. */
void kh__sync_progress_clear(struct kh__sync_log *log);

/* The credentials in use: plain strings borrowed from the configuration,
 * or values read from the state file (owned by the env). NULL: absent. */
struct kh__sync_creds {
    const char *epi_api_key, *epi_password, *epi_client_secret;
    const char *bc_token, *bc_client_secret, *bc_header_value;
    const char *wc_key, *wc_secret, *wc_webhook_secret;
    const char *oee_api_key, *oee_event_secret;
};

/* Everything one command runs on, built from a configuration. */
struct kh__sync_env {
    struct kh__sync_conf *conf;
    struct ks_store *store;
    struct ks_client *client;
    struct ks_epicor *epicor;
    struct ks_bigcommerce *bigcommerce; /* NULL: not configured */
    struct ks_woocommerce *woocommerce; /* NULL: not configured */
    struct ks_adobe *adobe;             /* NULL: not configured */
    struct ks_sync *sync;
    struct kh__sync_oee *oee; /* NULL: no "oee" section (oee.c) */
    struct kh__sync_creds creds;
    /* Credentials read from the state file, disposed with the env. */
    char **secrets;
    size_t nsecrets;
};

/*
 * Opens the store (key as configured), reads every credential, builds
 * the client (logging to log), the three remote handles and the sync
 * handle. Returns 0, or KH__SYNC_EXIT_FAIL after printing the reason;
 * env is then disposed already.
 */
int kh__sync_env_open(struct kh__sync_env *env, struct kh__sync_conf *conf,
                      struct kh__sync_log *log, const char *prog);
void kh__sync_env_dispose(struct kh__sync_env *env);

/*
 * The options of the storefront handles, as configured, with credentials
 * from env (for the receiver, which needs handles of its own since the
 * sync's are not thread-safe). Pointers are borrowed from env.
 */
void kh__sync_bc_options(struct ks_bigcommerce_options *o,
                         const struct kh__sync_env *env);
void kh__sync_wc_options(struct ks_woocommerce_options *o,
                         const struct kh__sync_env *env);

/* A credential of section (named sname): the plain string, or the secret
 * {"$secret": NAME} read from the state file; *out NULL when absent.
 * 0, or -1 after printing the reason. */
int kh__sync_cred(const char **out, struct kh__sync_env *env,
                  const cJSON *section, const char *sname, const char *name,
                  const char *prog);

/* ---- the adobe section (config_adobe.c) ---------------------------- */

/* The section flow i needs ("bigcommerce", "woocommerce", "adobe", "oee")
 * when conf lacks it; NULL when conf has it. config_sections.c */
const char *kh__sync_flow_lacks(const struct kh__sync_conf *conf, int i);
/* The Adobe handle of a configured adobe section (env->adobe), with its
 * credentials; 0, or -1 after printing the reason. */
int kh__sync_adobe_open(struct kh__sync_env *env, const char *prog);
/* The Adobe Commerce customer vendor companies get as super user. */
int64_t kh__sync_adobe_company_admin(const struct kh__sync_conf *conf);

/* 1 when the adobe section names a webhook key (webhook_public_key_file
 * or webhook_secret): --watch then serves /webhooks/[NAME/]adobe. */
int kh__sync_adobe_hooked(const struct kh__sync_conf *conf);

/* The key Adobe webhooks are verified with: the PEM of
 * webhook_public_key_file (RSA; read into *pem, the caller frees) or the
 * credential webhook_secret (HMAC; borrowed from env). *key NULL when
 * neither is configured. 0, or -1 after printing the reason. */
int kh__sync_adobe_hook_key(enum ks_adobe_signing *mode, const char **key,
                            char **pem, struct kh__sync_env *env,
                            const char *prog);

/* 1 when s is a valid secret name: 1..128 of [A-Za-z0-9._-]. */
int kh__sync_secret_name_ok(const char *s);

/* epicor.license_retries and epicor.license_retry_wait_ms by default. */
#define KH__SYNC_LICENSE_RETRIES 3
#define KH__SYNC_LICENSE_RETRY_WAIT_MS 5000

int64_t kh__sync_int(const cJSON *section, const char *name, int64_t dflt);

/* 1 when SIGINT or SIGTERM is pending (they are blocked while the commands
 * run, and taken between flows). */
int kh__sync_stop_pending(void);

/* Deletes the audit entries and completed intents older than days from
 * st (ks_store_prune). quiet (--watch): one line on stderr, prefixed
 * with prog, only when something went; else the count on stdout. conn
 * (may be NULL) names the connection at the start of the line. 0, or
 * KH__SYNC_EXIT_FAIL after printing why. audit.c */
int kh__sync_prune(struct ks_store *st, int64_t days, const char *prog,
                   const char *conn, int quiet);
/* How often --watch prunes (when retention_days is not 0). */
#define KH__SYNC_PRUNE_EVERY_MS ((int64_t)86400000)

/* ---- OEE (oee.c) ----------------------------------------------------- */

struct kh__sync_oee;

/* The section's "pattern": "events", "poll" or "file" ("poll" when absent). */
const char *kh__sync_oee_pattern(const cJSON *oee);
/* The OEE client and flow of env, when its connection has the section; 0, or
 * -1 after printing why. The credentials are env->creds'. */
int kh__sync_oee_open(struct kh__sync_env *env, const char *prog);
void kh__sync_oee_close(struct kh__sync_env *env);

/* ---- commands ------------------------------------------------------ */

int kh_cli_sync(int argc, char **argv);          /* sync.c */
int kh_cli_secret(int argc, char **argv);        /* outbox.c */
int kh_cli_outbox(int argc, char **argv);        /* outbox.c */
int kh_cli_replay_failed(int argc, char **argv); /* outbox.c */
int kh_cli_audit(int argc, char **argv);         /* audit.c */
int kh_cli_workers(int argc, char **argv);       /* workers_cli.c */

#endif
