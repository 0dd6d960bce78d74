/* kinsync: the command-line tool. Each command parses its own arguments
 * with getopt_long through <kx/opt.h>: engine/src/check.c (check, verify),
 * host/src/serve.c, host/src/replay.c, ops/src/sync.c, ops/src/outbox.c
 * (secret, outbox, and replay-failed, the old name of outbox retry). */
#include <stdio.h>
#include <string.h>
#include <curl/curl.h>
#include "engine.h"
#include "host.h"
#include "ops.h"

static const char usage[] =
    "usage: kinsync [--help] [--version] COMMAND [ARGS]\n"
    "\n"
    "Integration and conformance testing for Epicor Kinetic and the\n"
    "storefronts (BigCommerce, WooCommerce).\n"
    "\n"
    "Commands:\n"
    "  check [FILE|DIR]...  run scenarios against the emulators and the\n"
    "                       reference connector; reports in JUnit and HTML\n"
    "  verify FILE|DIR... -- COMMAND\n"
    "                       grade an integration in any language on the\n"
    "                       scenarios' integration steps\n"
    "  serve                run the emulators standalone, with an admin API,\n"
    "                       for integrations written in any language\n"
    "  record --system NAME --target URL --out FILE.har\n"
    "                       a recording proxy in front of a real system:\n"
    "                       credentials out, personal data pseudonymised\n"
    "  replay FILE.har      serve a recording back (from record, check --har\n"
    "                       or serve --record): the same answers, in order\n"
    "  diff FILE.har [--scenario FILE]\n"
    "                       replay a recording against the emulators and\n"
    "                       report per route what they answer differently\n"
    "  scenario from-har FILE.har [--out DIR]\n"
    "                       write a scenario seeded from a recording and\n"
    "                       check that the emulators reproduce it\n"
    "  sync --config FILE   run the connector against real endpoints, once\n"
    "                       or --watch (with a webhook receiver)\n"
    "  secret set|delete NAME --config FILE\n"
    "                       store a credential encrypted in the state file\n"
    "  outbox [list] --config FILE\n"
    "                       list the records waiting in the outbox\n"
    "  outbox retry --config FILE\n"
    "                       write the outbox's records again (the old name,\n"
    "                       replay-failed, still works and warns)\n"
    "  audit prune --config FILE [--older-than DAYS]\n"
    "                       delete audit entries and completed intents\n"
    "                       older than retention_days (default 90)\n"
    "  workers --config FILE\n"
    "                       list the sync --watch workers sharing the state,\n"
    "                       their leases and the webhooks waiting\n"
    "\n"
    "`kinsync COMMAND --help` (or `kinsync help COMMAND`) describes a\n"
    "command; `man kinsync` describes them all.\n";

/* The commands, in the order of the usage text. */
static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
} commands[] = {
    {"check", kh_cli_check},
    {"verify", kh_cli_verify},
    {"serve", kh_cli_serve},
    {"record", kh_cli_record},
    {"replay", kh_cli_replay},
    {"diff", kh_cli_diff},
    {"scenario", kh_cli_scenario},
    {"sync", kh_cli_sync},
    {"secret", kh_cli_secret},
    {"outbox", kh_cli_outbox},
    {"replay-failed", kh_cli_replay_failed},
    {"audit", kh_cli_audit},
    {"workers", kh_cli_workers},
};

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    }
    return NULL;
}

int main(int argc, char **argv)
{
    static char help_option[] = "--help";
    char *help_argv[] = {NULL, NULL, help_option, NULL};
    const struct command *cmd;
    int status;

    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        (strcmp(argv[1], "help") == 0 &&
         (argc == 2 || strcmp(argv[2], "help") == 0))) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("kinsync %s\n", KS_VERSION_STRING);
        return 0;
    }
    if (strcmp(argv[1], "help") == 0) {
        /* `kinsync help COMMAND` is `kinsync COMMAND --help`. */
        if (argc > 3) {
            fputs("kinsync help: one COMMAND at a time\n", stderr);
            return 2;
        }
        help_argv[0] = argv[0];
        help_argv[1] = argv[2];
        argc = 3;
        argv = help_argv;
    }
    cmd = find_command(argv[1]);
    if (!cmd) {
        fprintf(stderr, "kinsync: unknown command \"%s\"\n\n%s", argv[1],
                usage);
        return 2;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fputs("kinsync: libcurl failed to initialise\n", stderr);
        return 1;
    }
    status = cmd->run(argc - 1, argv + 1);
    curl_global_cleanup();
    return status;
}
