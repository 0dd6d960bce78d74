/*
 * The state-file commands next to `kinsync sync`:
 *
 *   kinsync secret set NAME --config FILE     value from stdin, encrypted
 *   kinsync secret delete NAME --config FILE
 *   kinsync outbox [list] --config FILE [--flow NAME]
 *   kinsync outbox retry --config FILE
 *   kinsync replay-failed --config FILE       the old name of outbox retry
 *
 * A secret value is never taken from the command line, where it would land
 * in the shell's history and in /proc/PID/cmdline for every local user to
 * read. There is no `secret list`: the store's API has no way to list
 * names, and this tool does not read the store's tables behind its back.
 */
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <kx/alloc.h>
#include "ops.h"
#include <kx/opt.h>

#define SECRET_VALUE_MAX ((size_t)64 << 10)

/* The options every command here takes: --config, --help, --flow (outbox
 * only) and up to two words that are not options. */
struct admin_opts {
    const char *config, *flow, *connection;
    const char *words[2];
    int nwords, help;
};

static int parse_opts(struct admin_opts *o, const char *cmd, int argc,
                      char **argv, int max_words, int with_flow)
{
    /* --flow first, so that options + 1 is the table without it */
    static const struct option options[] = {
        {"flow", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {"config", required_argument, NULL, 'c'},
        {"connection", required_argument, NULL, 'n'},
        {NULL, 0, NULL, 0}};
    int c;

    memset(o, 0, sizeof(*o));
    kx_opt_begin();
    while ((c = kx_opt_next(argc, argv, ":h", with_flow ? options : options + 1,
                            cmd)) != -1) {
        if (c == 'h')
            o->help = 1;
        else if (c == 'c')
            o->config = optarg;
        else if (c == 'f')
            o->flow = optarg;
        else if (c == 'n')
            o->connection = optarg;
        else
            return KH__SYNC_EXIT_USAGE; /* kx_opt_next() has said why */
    }
    for (; optind < argc; optind++) {
        if (o->nwords == max_words)
            return kx_usage_error(
                cmd, "unexpected argument \"%s\"%s", argv[optind],
                strcmp(cmd, "secret") == 0
                    ? " (a secret's value is read from stdin, "
                      "never from the command line)"
                    : "");
        o->words[o->nwords++] = argv[optind];
    }
    if (!o->help && !o->config)
        return kx_usage_error(cmd, "--config FILE is required");
    return 0;
}

/* ---- kinsync secret ---------------------------------------------------- */

static void secret_usage(FILE *out)
{
    fputs(
        "usage: kinsync secret set NAME --config FILE [--connection NAME]\n"
        "                                   (the value on stdin)\n"
        "       kinsync secret delete NAME --config FILE [--connection NAME]\n"
        "       kinsync secret --help\n"
        "\n"
        "Stores a credential in the state file named by FILE, encrypted\n"
        "with AES-256-GCM under the state key (the variable named by\n"
        "key_env, default KINSYNC_STATE_KEY, or key_file: 64 hex\n"
        "characters, e.g. from `openssl rand -hex 32`). The configuration\n"
        "then refers to it as {\"$secret\": \"NAME\"}.\n"
        "\n"
        "  set     reads one line from stdin (not echoed on a terminal),\n"
        "          strips the newline, refuses an empty value or more than\n"
        "          one line; replaces an existing value. The value is\n"
        "          never taken from the command line, where the shell\n"
        "          history and /proc would keep it\n"
        "  delete  removes it (needs no key)\n"
        "  --connection NAME  the connection whose state holds it\n"
        "          (required when FILE has several \"connections\": each\n"
        "          keeps its secrets in its own state, under its own names)\n"
        "\n"
        "NAME: 1..128 letters, digits, '.', '_' or '-'. There is no\n"
        "`list`: the state store offers no way to list secret names.\n"
        "Exit status: 0 done, 1 failure (wrong or missing key, unknown\n"
        "NAME on delete), 2 bad usage.\n",
        out);
}

/*
 * Reads the value: one line of at most SECRET_VALUE_MAX bytes, the
 * newline (and a CR before it) stripped. On a terminal echo is off while
 * it is typed. Returns the value (zero and free it) or NULL after printing
 * why.
 */
static char *read_value(const char *name)
{
    struct termios saved, quiet;
    int tty = isatty(STDIN_FILENO);
    int echo_off = 0, c = 0, more = 0;
    char *buf = kx_xmalloc(SECRET_VALUE_MAX + 2);
    size_t n = 0;

    if (tty) {
        fprintf(stderr, "value for %s (not echoed): ", name);
        fflush(stderr);
        if (tcgetattr(STDIN_FILENO, &saved) == 0) {
            quiet = saved;
            quiet.c_lflag &= ~(tcflag_t)ECHO;
            echo_off = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
        }
    }
    while (n <= SECRET_VALUE_MAX && (c = getchar()) != EOF && c != '\n')
        buf[n++] = (char)c;
    if (c == '\n' && !tty)
        more = (c = getchar()) != EOF;
    if (echo_off)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    if (tty)
        fputc('\n', stderr);
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    if (n > SECRET_VALUE_MAX || more || memchr(buf, '\0', n)) {
        fprintf(stderr,
                "kinsync secret: the value must be one line of at most %zu "
                "bytes, without NUL bytes\n",
                SECRET_VALUE_MAX);
    } else if (n == 0) {
        fprintf(stderr, "kinsync secret: refusing an empty value (give it on "
                        "stdin, e.g. `printf '%%s\\n' \"$VALUE\" | kinsync "
                        "secret set NAME --config FILE`)\n");
    } else {
        return buf;
    }
    memset(buf, 0, SECRET_VALUE_MAX + 2);
    free(buf);
    return NULL;
}

static int secret_run(const struct admin_opts *o, struct kh__sync_conf *conf)
{
    const char *verb = o->words[0], *name = o->words[1];
    int set = strcmp(verb, "set") == 0;
    struct ks_store *st = NULL;
    char *value = NULL;
    int status;
    ks_rc rc;

    /* The store first: a missing or wrong key is reported before anyone
     * types the value. */
    status = kh__sync_store_open(&st, conf, "kinsync secret",
                                 set ? KH__KEY_REQUIRED : KH__KEY_NONE);
    if (status == 0 && set && !(value = read_value(name)))
        status = KH__SYNC_EXIT_FAIL;
    if (status == 0) {
        rc = set ? ks_store_secret_put(st, name, value)
                 : ks_store_secret_delete(st, name);
        if (rc == KS_ENOTFOUND) {
            fprintf(stderr, "kinsync secret: no secret \"%s\" in %s\n", name,
                    conf->state_shown);
            status = KH__SYNC_EXIT_FAIL;
        } else if (rc) {
            fprintf(stderr, "kinsync secret: cannot %s \"%s\": %s\n", verb,
                    name, ks_store_last_error(st)->message);
            status = KH__SYNC_EXIT_FAIL;
        } else {
            printf("%s secret \"%s\" in %s\n",
                   set ? "stored (encrypted)" : "deleted", name,
                   conf->state_shown);
        }
    }
    ks_store_close(st);
    if (value) {
        memset(value, 0, strlen(value));
        free(value);
    }
    return status;
}

int kh_cli_secret(int argc, char **argv)
{
    struct admin_opts o;
    struct kh__sync_config cfg;
    struct kh__sync_conf *conf;
    int status = parse_opts(&o, "secret", argc, argv, 2, 0);

    if (status)
        return status;
    if (o.help) {
        secret_usage(stdout);
        return 0;
    }
    if (o.nwords == 0)
        return kx_usage_error("secret", "missing the action: set or delete");
    if (strcmp(o.words[0], "set") != 0 && strcmp(o.words[0], "delete") != 0)
        return kx_usage_error("secret",
                              "unknown action \"%s\" (set or delete; the "
                              "store cannot list names)",
                              o.words[0]);
    if (o.nwords < 2)
        return kx_usage_error("secret", "%s needs a NAME", o.words[0]);
    if (!kh__sync_secret_name_ok(o.words[1]))
        return kx_usage_error(
            "secret",
            "bad NAME \"%.64s\": 1..128 letters, digits, '.', "
            "'_' or '-'",
            o.words[1]);
    status = kh__sync_config_load(&cfg, "kinsync secret", o.config);
    if (status)
        return status;
    conf = kh__sync_config_pick(&cfg, o.connection, "kinsync secret");
    status = conf ? secret_run(&o, conf) : KH__SYNC_EXIT_USAGE;
    kh__sync_config_dispose(&cfg);
    return status;
}

/* ---- kinsync outbox -------------------------------------------------- */

/* One line per item; the reason last, since it is the long one. */
static int print_item(const struct ks_outbox_item *it, void *ud)
{
    (void)ud;
    printf("%-6lld %-22s %-10s %-16s %8d  %s\n", (long long)it->id, it->flow,
           it->kind, it->source_id, it->attempts, it->reason ? it->reason : "");
    return 0;
}

/* Lists the pending items of flow (NULL: all); 0 or after printing the
 * store's error KH__SYNC_EXIT_FAIL. */
static int list_outbox(struct ks_store *st, const char *flow, const char *prog)
{
    int64_t n = 0;
    ks_rc rc = ks_store_outbox_count(&n, st, flow);

    if (!rc && n > 0) {
        printf("%-6s %-22s %-10s %-16s %8s  %s\n", "ID", "FLOW", "KIND",
               "SOURCE", "ATTEMPTS", "REASON");
        rc = ks_store_outbox_each(st, flow, print_item, NULL);
    }
    if (rc) {
        fprintf(stderr, "%s: cannot read the outbox: %s\n", prog,
                ks_store_last_error(st)->message);
        return KH__SYNC_EXIT_FAIL;
    }
    printf("%lld pending%s%s\n", (long long)n, flow ? " in " : "",
           flow ? flow : "");
    return 0;
}

/* ---- kinsync outbox retry ------------------------------------------- */

static int retry(struct kh__sync_conf *conf)
{
    const char *prog = "kinsync outbox retry";
    struct kh__sync_log log;
    struct kh__sync_env env;
    struct ks_sync_stats s;
    int64_t before = 0, after = 0;
    int status;
    ks_rc rc;

    memset(&log, 0, sizeof(log));
    memset(&s, 0, sizeof(s));
    log.prog = prog;
    status = kh__sync_env_open(&env, conf, &log, prog);
    if (status)
        return status;
    ks_store_outbox_count(&before, env.store, NULL);
    rc = ks_sync_replay_failed(&s, env.sync);
    ks_store_outbox_count(&after, env.store, NULL);
    printf("replayed %lld item%s: %lld resolved, %lld still waiting (read "
           "%lld, created %lld, updated %lld, unchanged %lld, failed %lld, "
           "skipped %lld)\n",
           (long long)before, before == 1 ? "" : "s",
           (long long)(before > after ? before - after : 0), (long long)after,
           (long long)s.read, (long long)s.created, (long long)s.updated,
           (long long)s.unchanged, (long long)s.failed, (long long)s.skipped);
    if (rc) {
        const struct ks_error *e = ks_sync_last_error(env.sync);

        fprintf(stderr, "%s: the replay stopped: %s: %s\n", prog,
                ks_rc_name(rc), e->message[0] ? e->message : ks_rc_message(rc));
        status = KH__SYNC_EXIT_FAIL;
    }
    if (after > 0 && list_outbox(env.store, NULL, prog) != 0)
        status = KH__SYNC_EXIT_FAIL;
    kh__sync_env_dispose(&env);
    return status;
}

/* ---- the command ----------------------------------------------------- */

static void outbox_usage(FILE *out)
{
    fputs("usage: kinsync outbox [list] --config FILE [--connection NAME]\n"
          "                             [--flow NAME]\n"
          "       kinsync outbox retry --config FILE [--connection NAME]\n"
          "       kinsync outbox --help\n"
          "\n"
          "The outbox holds the records a flow could not map or write. Both\n"
          "actions read the state file named in FILE (the configuration of\n"
          "`kinsync sync`).\n"
          "\n"
          "  list   (the default) lists the pending items (ID, FLOW, KIND,\n"
          "         SOURCE id, ATTEMPTS, REASON), oldest first, then their\n"
          "         count. Needs no state key. Fix the cause, then retry\n"
          "  retry  tries every pending item again, oldest first, with its\n"
          "         source record read afresh (so a fixed SKU mapping or a\n"
          "         new part takes effect), against the endpoints in FILE.\n"
          "         An item written now leaves the outbox; one that fails\n"
          "         again stays, with one more attempt and the new reason.\n"
          "         Prints what was resolved and lists what still waits\n"
          "\n"
          "  --config FILE  the configuration (required)\n"
          "  --connection NAME  the connection whose outbox it is (required\n"
          "                 when FILE has several \"connections\")\n"
          "  --flow NAME    list only this flow's items, e.g.\n"
          "                 orders.bigcommerce (default: every flow's)\n"
          "  --help         print this text\n"
          "\n"
          "`kinsync replay-failed` is the deprecated name of `outbox retry`.\n"
          "Exit status: 0 listed (also when empty) or the retry ran (items\n"
          "may still wait), 1 the state file cannot be read or the retry\n"
          "stopped on a failure (a system unavailable, bad credentials),\n"
          "2 bad usage.\n",
          out);
}

/* kinsync outbox [list|retry]; cmd names the command in messages, and
 * alias says it is the old replay-failed, which takes no action word. */
static int outbox_main(const char *cmd, int alias, int argc, char **argv)
{
    struct admin_opts o;
    struct kh__sync_config cfg;
    struct kh__sync_conf *conf;
    struct ks_store *st = NULL;
    const char *action;
    int status = parse_opts(&o, cmd, argc, argv, alias ? 0 : 1, !alias);

    if (status)
        return status;
    if (o.help) {
        outbox_usage(stdout);
        return 0;
    }
    action = alias ? "retry" : o.nwords ? o.words[0] : "list";
    if (strcmp(action, "list") != 0 && strcmp(action, "retry") != 0)
        return kx_usage_error(cmd, "unknown action \"%s\" (list or retry)",
                              action);
    if (strcmp(action, "retry") == 0 && o.flow)
        return kx_usage_error(cmd, "--flow lists one flow's items; retry "
                                   "retries every flow's");
    status = kh__sync_config_load(&cfg, "kinsync outbox", o.config);
    if (status)
        return status;
    conf = kh__sync_config_pick(&cfg, o.connection, "kinsync outbox");
    if (!conf) {
        status = KH__SYNC_EXIT_USAGE;
    } else if (strcmp(action, "retry") == 0) {
        status = retry(conf);
    } else {
        status = kh__sync_store_open(&st, conf, "kinsync outbox", KH__KEY_NONE);
        if (status == 0)
            status = list_outbox(st, o.flow, "kinsync outbox");
        ks_store_close(st);
    }
    kh__sync_config_dispose(&cfg);
    return status;
}

int kh_cli_outbox(int argc, char **argv)
{
    return outbox_main("outbox", 0, argc, argv);
}

int kh_cli_replay_failed(int argc, char **argv)
{
    fputs("kinsync: `replay-failed` is deprecated; use `kinsync outbox "
          "retry`\n",
          stderr);
    return outbox_main("replay-failed", 1, argc, argv);
}
