/*
 * `kinsync serve`: the emulators standalone, for integrations written in
 * any language, plus the admin API of serve_admin.c.
 *
 * Start-up: parse the options, pick the systems (from a scenario's "given"
 * or by name with an empty configuration), start each emulator on a real
 * clock that the admin API can push forward, start the admin server, then
 * announce "NAME URL" lines on stdout (and in KINSYNC_SERVE_READY_FILE).
 * SIGINT and SIGTERM are blocked before any thread exists, so every
 * thread inherits the mask and only the main thread's sigtimedwait() sees
 * them; its timeout doubles as the 200 ms webhook pump tick.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <kx/alloc.h>
#include <kx/file.h>
#include "engine.h"
#include "host.h"
#include <kx/net.h>
#include <kx/opt.h>
#include <kinmock/tls.h>
#include <kinmock/webhook.h>
#include <openssl/crypto.h>

#define PUMP_INTERVAL_MS 200
#define EXIT_RUNTIME 1
#define EXIT_USAGE KX_EXIT_USAGE
/* A usage error of kinsync serve: one line on stderr, EXIT_USAGE. */
#define usage_error(...) kx_usage_error("serve", __VA_ARGS__)

/* Without --system and --scenario; those not compiled in are skipped. */
static const char *const default_systems[] = {"epicor", "bigcommerce",
                                              "woocommerce"};

/*
 * The configuration of a system started by name. Every emulator starts
 * from {}, but BigCommerce and WooCommerce then accept no credentials at
 * all, which makes a standalone server useless; so they get one test
 * credential each, the counterpart of Epicor's built-in manager/manager
 * and km-epicor-test-key. Listed in --help and the README.
 */
static const struct {
    const char *system;
    const char *json;
} named_configs[] = {
    {"bigcommerce", "{\"access_tokens\": [\"km-bigcommerce-test-token\"]}"},
    {"woocommerce", "{\"keys\": [{\"consumer_key\": \"ck_kinsync_test\", "
                    "\"consumer_secret\": \"cs_kinsync_test\", "
                    "\"permissions\": \"read_write\"}]}"},
    {"adobe", "{\"admins\": [{\"username\": \"admin\", "
              "\"password\": \"km-adobe-admin-pw\"}], "
              "\"integrations\": [{\"name\": \"kinsync\", "
              "\"consumer_key\": \"km-adobe-ck\", "
              "\"consumer_secret\": \"km-adobe-cs\", "
              "\"access_token\": \"km-adobe-at\", "
              "\"access_token_secret\": \"km-adobe-ats\"}]}"},
};

cJSON *kh__serve_named_config(const char *system)
{
    for (size_t i = 0; i < sizeof(named_configs) / sizeof(named_configs[0]);
         i++) {
        if (strcmp(named_configs[i].system, system) == 0)
            return cJSON_Parse(named_configs[i].json);
    }
    return cJSON_CreateObject();
}

struct serve_opts {
    const char *scenario;
    const char *fixtures;
    const char *bind;
    const char **systems; /* --system values, in order */
    size_t nsystems;
    long port_base;
    long admin_port; /* -1: port_base + number of systems */
    long journal_max;
    struct km_server_limits limits; /* --connection-limit and co. */
    const char *record;             /* HAR file written at the stop */
    int allow_remote;
    const char *admin_token; /* --admin-token: a token or "generate" */
    int allow_private_webhooks;
    int help;
    const char *describe;   /* --describe SYSTEM: list its keys and stop */
    int json;               /* --json: ... as JSON Schema */
    int tls;                /* --tls: every server over HTTPS */
    const char **tls_names; /* --tls-name values, in order */
    size_t ntls_names;
    const char *tls_ca_file; /* --tls-ca-file */
};

static void print_usage(FILE *out)
{
    fputs(
        "usage: kinsync serve [--scenario FILE] [--system NAME]...\n"
        "                     [--port-base N] [--admin-port N] [--bind ADDR]\n"
        "                     [--allow-remote] [--journal-max N] [--record "
        "FILE]\n"
        "                     [--fixtures DIR] [--admin-token TOKEN|generate]\n"
        "                     [--allow-private-webhooks] [--connection-limit "
        "N]\n"
        "                     [--per-ip-connection-limit N]\n"
        "                     [--connection-timeout SECONDS] [--threads N]\n"
        "                     [--tls [--tls-name NAME]... [--tls-ca-file "
        "FILE]] [--help]\n"
        "\n"
        "Runs the emulators standalone on a real clock, plus an admin API,\n"
        "until SIGINT or SIGTERM. Once listening it prints one line per\n"
        "system, \"NAME URL\", then \"admin URL\", and delivers due webhooks\n"
        "every 200 ms.\n"
        "\n"
        "Options:\n"
        "  --scenario FILE  serve every system configured in the scenario's\n"
        "                   \"given\", with that configuration (fixtures\n"
        "                   resolved, fault rules applied)\n"
        "  --system NAME    serve NAME with its default configuration;\n"
        "                   repeatable (default: epicor, bigcommerce,\n"
        "                   woocommerce). With --scenario: serve only these\n"
        "                   of the scenario's systems\n"
        "  --port-base N    system i listens on port N+i and the admin API\n"
        "                   on N+count (default 0: ephemeral ports)\n"
        "  --admin-port N   the admin API's port, whatever --port-base says\n"
        "  --bind ADDR      numeric address to listen on (default 127.0.0.1;\n"
        "                   \"localhost\" means 127.0.0.1)\n"
        "  --allow-remote   accept a --bind address that is not loopback\n"
        "                   (the emulators have test credentials, and no\n"
        "                   TLS without --tls)\n"
        "  --tls            serve every emulator and the admin API over\n"
        "                   HTTPS, with a CA and a server certificate made\n"
        "                   at start (for localhost, 127.0.0.1 and ::1);\n"
        "                   the CA file's path is announced as \"ca FILE\"\n"
        "  --tls-name NAME  also put NAME (a host name, \"*.domain\" or an\n"
        "                   IP address) in the certificate, for clients\n"
        "                   that hard-code a vendor host; repeatable\n"
        "  --tls-ca-file FILE  write the CA certificate to FILE (default:\n"
        "                   a file in $TMPDIR or /tmp, removed at a clean\n"
        "                   stop)\n"
        "  --record FILE    at the stop, write every request the emulators\n"
        "                   saw as HAR 1.2 to FILE (secrets redacted; also\n"
        "                   GET /admin/har at any time); response bodies\n"
        "                   are then kept whole up to 64 KiB, not 8 KiB\n"
        "  --journal-max N  entries each emulator's journal keeps, the\n"
        "                   oldest dropped first (default 100000; 0: no\n"
        "                   limit on the count); it also keeps 16 MiB at\n"
        "                   most, request bodies cut at 64 KiB and\n"
        "                   response bodies at 8 KiB (marked; 64 KiB\n"
        "                   with --record)\n"
        "  --connection-limit N  connections each server (every emulator,\n"
        "                   the admin API) serves at once, in a thread pool;\n"
        "                   more wait in the listen backlog (default 256)\n"
        "  --per-ip-connection-limit N  connections from one address;\n"
        "                   more are closed at once (default 0: none, since\n"
        "                   on loopback every client is 127.0.0.1)\n"
        "  --connection-timeout SECONDS  an idle connection is closed\n"
        "                   after it (default 60)\n"
        "  --threads N      threads each server serves with (default: one a\n"
        "                   core but one, 1 to 8: the client under test,\n"
        "                   on the same machine, needs a core too)\n"
        "  --fixtures DIR   where \"$fixture\" paths are read from, in the\n"
        "                   scenario and in reset bodies (default: the\n"
        "                   nearest fixtures/ beside or above the scenario,\n"
        "                   else the installed suite's)\n"
        "  --admin-token TOKEN|generate  require \"Authorization: Bearer\n"
        "                   TOKEN\" on every admin request (default: no\n"
        "                   token; Host, Origin and JSON content type are\n"
        "                   checked always); \"generate\" makes a random one\n"
        "                   and prints it on the admin line (\"admin URL\n"
        "                   token=TOKEN\") and in the ready file\n"
        "  --allow-private-webhooks  let webhooks reach private addresses\n"
        "                   (10/8, 172.16/12, 192.168/16, 100.64/10,\n"
        "                   fc00::/7); loopback and public ones always,\n"
        "                   link-local and cloud metadata never\n"
        "  --describe SYSTEM [--json]  list SYSTEM's configuration keys\n"
        "                   (type, default, meaning), or with --json\n"
        "                   their JSON Schema, and exit\n"
        "  --help           print this text\n"
        "\n",
        out);
    fputs(
        "Default configurations (without --scenario):\n"
        "  epicor       {}: instance SaaS5333, company EPIC06, user\n"
        "               manager/manager, API key km-epicor-test-key\n"
        "  bigcommerce  {\"access_tokens\": [\"km-bigcommerce-test-token\"]}\n"
        "               (store hash abc123)\n"
        "  woocommerce  one read_write key: ck_kinsync_test /\n"
        "               cs_kinsync_test\n"
        "  adobe        PaaS; admin admin/km-adobe-admin-pw; integration\n"
        "               km-adobe-ck/km-adobe-cs, token km-adobe-at/\n"
        "               km-adobe-ats\n"
        "  others       {}\n"
        "\n"
        "Environment:\n"
        "  KINSYNC_SERVE_READY_FILE  also write the lines above (and the\n"
        "                            \"ca FILE\" line of --tls) to this file\n"
        "                            (atomically) once listening; it is\n"
        "                            removed again on a clean stop\n"
        "\n"
        "Admin API (JSON in and out; errors are {\"error\": \"...\"} with\n"
        "400 for a bad request and 404 for an unknown route or system;\n"
        "403 when Host is not loopback or Origin is another site, 401\n"
        "without the --admin-token, 415 for a body that is not declared\n"
        "application/json):\n"
        "  GET    /admin/systems           [{\"name\",\"url\"}, ...]\n"
        "  GET    /admin/clock             {\"now_ms\",\"iso\"}\n"
        "  POST   /admin/clock/advance     body {\"ms\": N}: move the shared\n"
        "                                  clock forward; the new time\n"
        "  GET    /admin/journal/SYS       the requests SYS saw, secrets\n"
        "                                  redacted; ?since=SEQ keeps those\n"
        "                                  with a larger \"seq\"\n"
        "  DELETE /admin/journal/SYS       empty the journal\n"
        "  POST   /admin/faults/SYS        add fault rules (one object or an\n"
        "                                  array, as in scenarios); 400 with\n"
        "                                  the reason if one is bad\n"
        "  GET    /admin/faults/SYS        {\"fired\": [count per rule]}\n"
        "  DELETE /admin/faults/SYS        remove every rule\n"
        "  GET    /admin/state/SYS         the emulator's state snapshot\n"
        "  POST   /admin/act/SYS           body {\"action\",\"args\"}: act as "
        "a\n"
        "                                  user of the platform would;\n"
        "                                  {\"result\": ...}\n"
        "  POST   /admin/pump/SYS          deliver due webhooks now;\n"
        "                                  {\"delivered\": n}\n"
        "  POST   /admin/reset/SYS         restart SYS with fresh state on\n"
        "                                  the same port, from the body (a\n"
        "                                  configuration object, \"$fixture\"\n"
        "                                  allowed) or, if empty, the start-\n"
        "                                  up one; {\"name\",\"url\"}\n"
        "\n"
        "Exit status: 0 after a clean stop, 2 for bad usage, 1 when start-up\n"
        "fails.\n",
        out);
    fputs("Systems compiled in:", out);
    for (size_t i = 0; km_emulator_types[i]; i++)
        fprintf(out, " %s", km_emulator_types[i]->name);
    fputc('\n', out);
}

/* A port (or port base) 0..65535 written in decimal digits only. */
static int parse_port(const char *s, long *out)
{
    char *end;
    long v;

    if (s[0] < '0' || s[0] > '9')
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end != '\0' || v > 65535)
        return -1;
    *out = v;
    return 0;
}

/* 0 for a loopback address, 1 for another numeric one, -1 otherwise. */
static int address_kind(const char *addr)
{
    struct sockaddr_storage ss;

    if (kx_addr_parse(&ss, addr, 0) < 0)
        return -1;
    return kx_host_is_loopback(addr) ? 0 : 1;
}

/* A count min..max in decimal digits for --name into *out; 0 or
 * EXIT_USAGE (reported). */
static int parse_count(const char *name, const char *s, unsigned min,
                       unsigned max, unsigned *out)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (s[0] < '0' || s[0] > '9' || errno || *end || v < min || v > max)
        return usage_error("bad --%s \"%s\" (expected %u..%u)", name, s, min,
                           max);
    *out = (unsigned)v;
    return 0;
}

/* The options of the connection limits (km_server_limits). */
static int take_limit(struct serve_opts *o, int c)
{
    struct km_server_limits *l = &o->limits;

    if (c == 'c')
        return parse_count("connection-limit", optarg, 1, 65536,
                           &l->connection_limit);
    if (c == 'i')
        return parse_count("per-ip-connection-limit", optarg, 0, 65536,
                           &l->per_ip_connection_limit);
    if (c == 'H')
        return parse_count("threads", optarg, 1, 64, &l->threads);
    return parse_count("connection-timeout", optarg, 1, 3600,
                       &l->connection_timeout_s);
}

/* One option of kinsync serve, its value in optarg, into *o. Returns 0 or
 * KX_EXIT_USAGE (reported). */
static int take_opt(struct serve_opts *o, int c)
{
    long port;
    char *end;

    switch (c) {
    case 'h':
        o->help = 1;
        break;
    case 'R':
        o->allow_remote = 1;
        break;
    case 'T':
        if (!optarg[0])
            return usage_error("--admin-token needs a token or "
                               "\"generate\"");
        o->admin_token = optarg;
        break;
    case 'P':
        o->allow_private_webhooks = 1;
        break;
    case 'D':
        o->describe = optarg;
        break;
    case 'J':
        o->json = 1;
        break;
    case 'L':
        o->tls = 1;
        break;
    case 'N': {
        char why[256];

        if (km_tls_name_check(optarg, why, sizeof(why)) != 0)
            return usage_error("--tls-name: %s", why);
        o->tls_names[o->ntls_names++] = optarg;
        break;
    }
    case 'C':
        if (!optarg[0])
            return usage_error("--tls-ca-file needs a file name");
        o->tls_ca_file = optarg;
        break;
    case 's':
        o->scenario = optarg;
        break;
    case 'f':
        o->fixtures = optarg;
        break;
    case 'b':
        o->bind = strcmp(optarg, "localhost") == 0 ? "127.0.0.1" : optarg;
        break;
    case 'S':
        for (size_t k = 0; k < o->nsystems; k++) {
            if (strcmp(o->systems[k], optarg) == 0)
                return usage_error("system \"%s\" given twice", optarg);
        }
        if (!km_emulator_type_find(optarg))
            return usage_error("unknown system \"%s\" (see --help for "
                               "the systems compiled in)",
                               optarg);
        o->systems[o->nsystems++] = optarg;
        break;
    case 'p':
    case 'a':
        if (parse_port(optarg, &port) != 0)
            return usage_error("bad --%s \"%s\" (expected 0..65535)",
                               c == 'p' ? "port-base" : "admin-port", optarg);
        if (c == 'p')
            o->port_base = port;
        else
            o->admin_port = port;
        break;
    case 'r':
        o->record = optarg;
        break;
    case 'c':
    case 'i':
    case 't':
    case 'H':
        return take_limit(o, c);
    case 'j':
        errno = 0;
        o->journal_max = strtol(optarg, &end, 10);
        if (errno || *end || o->journal_max < 0)
            return usage_error("bad --journal-max \"%s\" (a count, 0 "
                               "for no limit)",
                               optarg);
        break;
    default:
        return EXIT_USAGE; /* kx_opt_next() has said why */
    }
    return 0;
}

static int parse_opts(struct serve_opts *o, int argc, char **argv)
{
    static const struct option options[] = {
        {"help", no_argument, NULL, 'h'},
        {"allow-remote", no_argument, NULL, 'R'},
        {"admin-token", required_argument, NULL, 'T'},
        {"allow-private-webhooks", no_argument, NULL, 'P'},
        {"scenario", required_argument, NULL, 's'},
        {"fixtures", required_argument, NULL, 'f'},
        {"bind", required_argument, NULL, 'b'},
        {"system", required_argument, NULL, 'S'},
        {"port-base", required_argument, NULL, 'p'},
        {"admin-port", required_argument, NULL, 'a'},
        {"record", required_argument, NULL, 'r'},
        {"journal-max", required_argument, NULL, 'j'},
        {"describe", required_argument, NULL, 'D'},
        {"json", no_argument, NULL, 'J'},
        {"tls", no_argument, NULL, 'L'},
        {"tls-name", required_argument, NULL, 'N'},
        {"tls-ca-file", required_argument, NULL, 'C'},
        {"connection-limit", required_argument, NULL, 'c'},
        {"per-ip-connection-limit", required_argument, NULL, 'i'},
        {"connection-timeout", required_argument, NULL, 't'},
        {"threads", required_argument, NULL, 'H'},
        {NULL, 0, NULL, 0}};
    int c;

    memset(o, 0, sizeof(*o));
    o->admin_port = -1;
    o->journal_max = 100000;
    o->limits = (struct km_server_limits)KM_SERVER_LIMITS_DEFAULT;
    o->bind = "127.0.0.1";
    o->systems = kx_xcalloc((size_t)argc, sizeof(*o->systems));
    o->tls_names = kx_xcalloc((size_t)argc, sizeof(*o->tls_names));
    kx_opt_begin();
    while ((c = kx_opt_next(argc, argv, ":h", options, "serve")) != -1) {
        if (take_opt(o, c) != 0)
            return EXIT_USAGE;
    }
    if (optind < argc)
        return usage_error("unexpected argument \"%s\"", argv[optind]);
    if (!o->tls && (o->ntls_names || o->tls_ca_file))
        return usage_error("--%s goes with --tls",
                           o->ntls_names ? "tls-name" : "tls-ca-file");
    if (address_kind(o->bind) < 0)
        return usage_error("--bind \"%s\" is not a numeric IPv4 or IPv6 "
                           "address",
                           o->bind);
    if (address_kind(o->bind) > 0 && !o->allow_remote)
        return usage_error(
            "refusing to listen on \"%s\": it is not a loopback address, and "
            "the emulators answer anyone who connects with test credentials; "
            "add --allow-remote if that is really wanted",
            o->bind);
    return 0;
}

/* ---- choosing the systems -------------------------------------------- */

/* Where "$fixture" paths are read, for the scenario and for reset bodies
 * alike: --fixtures, else as kh_scenario_load finds them. */
static void fixtures_dir(char *out, size_t outsz, const struct serve_opts *o)
{
    if (o->fixtures)
        snprintf(out, outsz, "%s", o->fixtures);
    else
        kh_fixtures_dir_for(out, outsz, o->scenario);
}

static void add_system(struct kh__serve *sv, const struct km_emulator_type *t,
                       cJSON *config)
{
    struct kh__serve_system *sys = &sv->systems[sv->nsystems++];

    if (!config)
        abort();
    memset(sys, 0, sizeof(*sys));
    sys->type = t;
    sys->config = config;
}

static int listed(const struct serve_opts *o, const char *name)
{
    for (size_t i = 0; i < o->nsystems; i++) {
        if (strcmp(o->systems[i], name) == 0)
            return 1;
    }
    return 0;
}

static int serving(const struct kh__serve *sv, const struct km_emulator_type *t)
{
    for (size_t i = 0; i < sv->nsystems; i++) {
        if (sv->systems[i].type == t)
            return 1;
    }
    return 0;
}

/* Every member of the scenario's "given" named like an emulator type. */
static int systems_from_scenario(struct kh__serve *sv,
                                 const struct serve_opts *o)
{
    struct kh_scenario *sc = NULL;
    const cJSON *given, *item;
    size_t errsz = 16384;
    char *err = kx_xmalloc(errsz);
    int rc = 0;

    err[0] = '\0';
    if (kh_scenario_load(&sc, o->scenario, sv->fixtures_dir, err, errsz) != 0) {
        fprintf(stderr, "kinsync serve: cannot load scenario %s:\n%s%s",
                o->scenario, err[0] ? err : "(no reason given)",
                err[0] && err[strlen(err) - 1] == '\n' ? "" : "\n");
        free(err);
        return EXIT_RUNTIME;
    }
    free(err);
    given = cJSON_GetObjectItemCaseSensitive(sc->doc, "given");
    if (!cJSON_IsObject(given))
        given = NULL;
    cJSON_ArrayForEach(item, given)
    {
        const struct km_emulator_type *t = km_emulator_type_find(item->string);

        if (!t || (o->nsystems && !listed(o, t->name)))
            continue;
        if (serving(sv, t)) { /* a duplicate key in "given" */
            fprintf(stderr,
                    "kinsync serve: the scenario %s configures %s twice\n",
                    o->scenario, t->name);
            rc = EXIT_RUNTIME;
            break;
        }
        add_system(sv, t, cJSON_Duplicate(item, 1));
    }
    for (size_t i = 0; i < o->nsystems && rc == 0; i++) {
        if (!cJSON_GetObjectItemCaseSensitive(given, o->systems[i])) {
            fprintf(stderr,
                    "kinsync serve: --system %s: the scenario %s does not "
                    "configure it\n",
                    o->systems[i], o->scenario);
            rc = EXIT_USAGE;
        }
    }
    if (rc == 0 && sv->nsystems == 0) {
        fprintf(stderr,
                "kinsync serve: the scenario %s configures no emulator in "
                "\"given\"\n",
                o->scenario);
        rc = EXIT_RUNTIME;
    }
    kh_scenario_free(sc);
    return rc;
}

static int choose_systems(struct kh__serve *sv, const struct serve_opts *o)
{
    size_t ntypes = 0;

    while (km_emulator_types[ntypes])
        ntypes++;
    sv->systems = kx_xcalloc(ntypes + 1, sizeof(*sv->systems));
    if (o->scenario)
        return systems_from_scenario(sv, o);
    for (size_t i = 0; i < o->nsystems; i++)
        add_system(sv, km_emulator_type_find(o->systems[i]),
                   kh__serve_named_config(o->systems[i]));
    for (size_t i = 0; o->nsystems == 0 && i < 3; i++) {
        const struct km_emulator_type *t =
            km_emulator_type_find(default_systems[i]);
        if (t)
            add_system(sv, t, kh__serve_named_config(t->name));
    }
    if (sv->nsystems == 0) {
        fputs("kinsync serve: no emulator compiled in\n", stderr);
        return EXIT_RUNTIME;
    }
    return 0;
}

/* ---- start, announce, stop ------------------------------------------ */

static int start_all(struct kh__serve *sv, const struct serve_opts *o)
{
    char err[1024];
    long admin = o->admin_port;

    if (o->port_base && o->port_base + (long)sv->nsystems > 65535) {
        fprintf(stderr,
                "kinsync serve: --port-base %ld leaves no room for %zu "
                "systems and the admin API below 65536\n",
                o->port_base, sv->nsystems);
        return EXIT_USAGE;
    }
    if (admin < 0)
        admin = o->port_base ? o->port_base + (long)sv->nsystems : 0;
    else if (o->port_base && admin >= o->port_base &&
             admin < o->port_base + (long)sv->nsystems) {
        fprintf(stderr,
                "kinsync serve: --admin-port %ld is one of the systems' ports "
                "(%ld..%ld)\n",
                admin, o->port_base, o->port_base + (long)sv->nsystems - 1);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < sv->nsystems; i++) {
        struct kh__serve_system *sys = &sv->systems[i];
        long port = o->port_base ? o->port_base + (long)i : 0;

        if (km_emulator_start_tls(&sys->emu, sys->type, sys->config, sv->clock,
                                  sv->bind_addr, (uint16_t)port, sv->tls, err,
                                  sizeof(err)) != 0) {
            size_t n = strlen(sys->type->name);
            /* The emulators' reasons mostly start with the system's name
             * already. */
            int named = strncmp(err, sys->type->name, n) == 0 && err[n] == ':';

            fprintf(stderr, "kinsync serve: cannot start %s%s%s\n",
                    named ? "" : sys->type->name, named ? "" : ": ", err);
            return EXIT_RUNTIME;
        }
        km_server_set_journal_max(sys->emu->server, sv->journal_max);
        km_server_set_journal_response_max(sys->emu->server,
                                           sv->journal_response_max);
        sys->port = km_server_port(sys->emu->server);
        snprintf(sys->url, sizeof(sys->url), "%s",
                 km_server_url(sys->emu->server));
    }
    if (kh__serve_admin_start(sv, (uint16_t)admin, err, sizeof(err)) != 0) {
        fprintf(stderr, "kinsync serve: cannot start the admin API: %s\n", err);
        return EXIT_RUNTIME;
    }
    return 0;
}

static void stop_all(struct kh__serve *sv)
{
    /* The admin server first: once its threads are gone no handler can
     * reach an emulator being stopped. */
    km_server_stop(sv->admin);
    sv->admin = NULL;
    for (size_t i = 0; i < sv->nsystems; i++) {
        km_emulator_stop(sv->systems[i].emu);
        sv->systems[i].emu = NULL;
        cJSON_Delete(sv->systems[i].config);
    }
    free(sv->systems);
    sv->systems = NULL;
    sv->nsystems = 0;
}

/* The announcement: "NAME URL" per system, then "admin URL", followed by
 * " token=TOKEN" when the token was generated (shown_token), then
 * "ca FILE" with --tls. The admin
 * API is already up, so a reset may be rewriting a URL: read under the
 * table lock. */
static void announcement(char *buf, size_t bufsz, struct kh__serve *sv,
                         const char *shown_token, const char *ca_file)
{
    size_t len = 0;

    buf[0] = '\0';
    pthread_rwlock_rdlock(&sv->table_lock);
    for (size_t i = 0; i <= sv->nsystems && len < bufsz; i++) {
        int n = i < sv->nsystems
                    ? snprintf(buf + len, bufsz - len, "%s %s\n",
                               sv->systems[i].type->name, sv->systems[i].url)
                    : snprintf(buf + len, bufsz - len, "admin %s%s%s\n",
                               km_server_url(sv->admin),
                               shown_token ? " token=" : "",
                               shown_token ? shown_token : "");
        if (n < 0)
            break;
        len += (size_t)n;
    }
    pthread_rwlock_unlock(&sv->table_lock);
    if (ca_file && len < bufsz)
        snprintf(buf + len, bufsz - len, "ca %s\n", ca_file);
}

/* Writes text to path atomically (kx/file.h), so a script polling for
 * path never reads half of it. The file is readable by its owner only (it
 * may hold the admin token). */
static int write_file_atomic(const char *path, const char *text)
{
    char err[4400];

    if (kx_file_write_atomic(path, text, strlen(text), 0600, 0, err,
                             sizeof(err)) != 0) {
        fprintf(stderr, "kinsync serve: %s\n", err);
        return -1;
    }
    return 0;
}

/* Pumps every system each PUMP_INTERVAL_MS until SIGINT or SIGTERM;
 * returns the signal. A late tick is not caught up in a burst. */
static int run_until_signal(struct kh__serve *sv, const sigset_t *set)
{
    int64_t deadline = kx_monotonic_ms() + PUMP_INTERVAL_MS;
    unsigned long ticks = 0;

    for (;;) {
        int64_t wait = deadline - kx_monotonic_ms();
        struct timespec ts;
        int sig;

        if (wait < 0)
            wait = 0;
        ts.tv_sec = (time_t)(wait / 1000);
        ts.tv_nsec = (long)(wait % 1000) * 1000000L;
        sig = sigtimedwait(set, NULL, &ts);
        if (sig > 0)
            return sig;
        if (errno == EINTR)
            continue;
        for (size_t i = 0; i < sv->nsystems; i++)
            kh__serve_pump(sv, &sv->systems[i]);
        /* Nobody reads the admin server's own journal; keep it small. */
        km_server_journal_clear(sv->admin);
        /* Give the freed pages of a burst back (the journals are bounded,
         * the heap's free middle is not returned otherwise), about every
         * 10 s: it walks the heap, a few ms at most. */
        if (++ticks % (10000 / PUMP_INTERVAL_MS) == 0)
            malloc_trim(0);
        deadline += PUMP_INTERVAL_MS;
        if (deadline < kx_monotonic_ms())
            deadline = kx_monotonic_ms() + PUMP_INTERVAL_MS;
    }
}

/* --tls: the certificates into sv->tls and the CA into ca_path (the
 * --tls-ca-file or a fresh name in $TMPDIR). The certificate also names
 * a specific non-loopback --bind address, the one clients will dial.
 * Returns 0 or EXIT_RUNTIME (reported). */
static int tls_setup(struct kh__serve *sv, const struct serve_opts *o,
                     char *ca_path, size_t ca_pathsz)
{
    const char *tmp = getenv("TMPDIR");
    const char **names;
    size_t nnames = o->ntls_names;
    char err[512];
    int rc;

    if (!km_tls_supported()) {
        fputs("kinsync serve: --tls: this libmicrohttpd was built without "
              "TLS (MHD_FEATURE_TLS); install one built with GnuTLS\n",
              stderr);
        return EXIT_RUNTIME;
    }
    names = kx_xcalloc(nnames + 1, sizeof(*names));
    memcpy(names, o->tls_names, nnames * sizeof(*names));
    if (address_kind(o->bind) > 0 && strcmp(o->bind, "0.0.0.0") != 0 &&
        strcmp(o->bind, "::") != 0)
        names[nnames++] = o->bind;
    rc = km_tls_new(&sv->tls, names, nnames, err, sizeof(err));
    free(names);
    if (rc != 0) {
        fprintf(stderr, "kinsync serve: --tls: %s\n", err);
        return EXIT_RUNTIME;
    }
    if (o->tls_ca_file)
        snprintf(ca_path, ca_pathsz, "%s", o->tls_ca_file);
    else
        snprintf(ca_path, ca_pathsz, "%s/kinsync-serve-%ld-ca.pem",
                 tmp && tmp[0] ? tmp : "/tmp", (long)getpid());
    if (km_tls_write_ca(sv->tls, ca_path, err, sizeof(err)) != 0) {
        fprintf(stderr, "kinsync serve: --tls: %s\n", err);
        ca_path[0] = '\0';
        return EXIT_RUNTIME;
    }
    return 0;
}

static int serve(const struct serve_opts *o, const sigset_t *set)
{
    struct kh__serve sv;
    const char *ready = getenv("KINSYNC_SERVE_READY_FILE");
    char text[4096], fixtures[4096], ca_path[4096] = "";
    char token[2 * KH__ADMIN_TOKEN_BYTES + 1] = "";
    int generated = o->admin_token && strcmp(o->admin_token, "generate") == 0;
    struct km_server_limits limits = o->limits;
    int rc, sig;

    memset(&sv, 0, sizeof(sv));
    sv.bind_addr = o->bind;
    sv.admin_token = o->admin_token;
    if (generated) {
        if (kh__admin_token_generate(token, sizeof(token)) != 0) {
            fputs("kinsync serve: cannot generate an admin token\n", stderr);
            return EXIT_RUNTIME;
        }
        sv.admin_token = token;
    }
    /* Each emulator serves from a small thread pool; glibc would give
     * every thread its own arena (up to 8 a core), each holding freed
     * pages of its own. Two arenas keep serve within its memory bound
     * with no measurable cost in throughput (bench/README.md). Fixed
     * mmap and trim thresholds: a page of a few hundred KiB (a
     * WooCommerce list) was otherwise mapped, or the heap's top given
     * back and faulted in again, on every request until glibc's dynamic
     * thresholds settled, which took seconds. */
    mallopt(M_ARENA_MAX, 2);
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
    mallopt(M_TRIM_THRESHOLD, 4 << 20);
    if (!limits.threads) {
        /* The client under test runs on the same machine and needs a
         * core: with a pool thread on every core, a thread preempted by
         * it held its connections for a scheduler slice, which set the
         * tail latency (bench/README.md). One a core but one, 1..8. */
        long n = sysconf(_SC_NPROCESSORS_ONLN) - 1;

        limits.threads = n < 1 ? 1u : n > 8 ? 8u : (unsigned)n;
    }
    km_webhook_allow_private_default(o->allow_private_webhooks);
    km_server_set_limits(&limits);
    fixtures_dir(fixtures, sizeof(fixtures), o);
    sv.fixtures_dir = fixtures;
    sv.journal_max = (size_t)o->journal_max;
    sv.journal_response_max =
        o->record ? KM_JOURNAL_BODY_MAX : KM_JOURNAL_RESPONSE_MAX;
    pthread_rwlock_init(&sv.table_lock, NULL);
    pthread_mutex_init(&sv.pump_lock, NULL);
    if ((rc = choose_systems(&sv, o)) != 0)
        goto out;
    if (o->tls && (rc = tls_setup(&sv, o, ca_path, sizeof(ca_path))) != 0)
        goto out;
    if (ks_clock_new_real(&sv.clock) != KS_OK) {
        fputs("kinsync serve: cannot create the clock\n", stderr);
        rc = EXIT_RUNTIME;
        goto out;
    }
    if ((rc = start_all(&sv, o)) != 0)
        goto out;
    announcement(text, sizeof(text), &sv, generated ? token : NULL,
                 ca_path[0] ? ca_path : NULL);
    fputs(text, stdout);
    fflush(stdout);
    if (ready && ready[0] && write_file_atomic(ready, text) != 0) {
        rc = EXIT_RUNTIME;
        goto out;
    }
    fprintf(stderr,
            "kinsync serve: ready, %zu system%s; stop with Ctrl-C or "
            "SIGTERM\n",
            sv.nsystems, sv.nsystems == 1 ? "" : "s");
    sig = run_until_signal(&sv, set);
    fprintf(stderr, "kinsync serve: %s, stopping\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    if (o->record) {
        cJSON *har = kh__serve_har(&sv);
        char *json = cJSON_Print(har);

        if (!json || write_file_atomic(o->record, json) != 0)
            rc = EXIT_RUNTIME;
        else
            fprintf(stderr, "kinsync serve: traffic written to %s\n",
                    o->record);
        cJSON_free(json);
        cJSON_Delete(har);
    }
    if (ready && ready[0])
        remove(ready);
out:
    stop_all(&sv);
    km_tls_free(sv.tls);
    if (ca_path[0] && !o->tls_ca_file)
        remove(ca_path);
    ks_clock_free(sv.clock);
    pthread_mutex_destroy(&sv.pump_lock);
    pthread_rwlock_destroy(&sv.table_lock);
    OPENSSL_cleanse(token, sizeof(token));
    OPENSSL_cleanse(text, sizeof(text));
    return rc;
}

/*
 * kinsync serve [options]: see print_usage(). Returns the exit status:
 * 0 after a clean stop on SIGINT/SIGTERM (or --help), 2 for bad usage,
 * 1 when start-up fails. The signal mask is restored before returning;
 * signals still pending then are consumed first, so they do not kill the
 * process after the fact.
 */
int kh_cli_serve(int argc, char **argv)
{
    struct serve_opts o;
    sigset_t set, old;
    struct timespec zero = {0, 0};
    int rc;

    rc = parse_opts(&o, argc, argv);
    if (rc == 0 && o.help) {
        print_usage(stdout);
    } else if (rc == 0 && o.describe) {
        rc = kh__serve_describe(o.describe, o.json);
    } else if (rc == 0 && o.json) {
        rc = kx_usage_error("serve", "--json goes with --describe SYSTEM");
    } else if (rc == 0) {
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &set, &old);
        rc = serve(&o, &set);
        while (sigtimedwait(&set, NULL, &zero) > 0)
            ;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    free(o.systems);
    free(o.tls_names);
    return rc;
}
