/*
 * Runs the official WooCommerce JS client (run.sh) against a WooCommerce
 * emulator on loopback. The emulator uses the real clock, since the
 * client stamps its OAuth requests with the wall time, and https=false,
 * since the client signs with OAuth 1.0a on http:// URLs.
 * Exit: the script's status; 77 means skipped.
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include "kinmock/emulator.h"

extern char **environ;
extern const struct km_emulator_type km_woocommerce_type;

static const char config[] =
    "{\"https\":false,"
    "\"keys\":[{\"consumer_key\":\"ck_js\",\"consumer_secret\":\"cs_js\","
    "\"permissions\":\"read_write\"}],"
    "\"generate\":{\"products\":3,\"seed\":1}}";

int main(int argc, char **argv)
{
    struct km_emulator *emu = NULL;
    cJSON *cfg = cJSON_Parse(config);
    char err[256], script[4096];
    char *args[5];
    pid_t pid;
    int status = 0;

    if (argc != 3) {
        fprintf(stderr, "usage: %s JS_SOURCE_DIR JS_BUILD_DIR\n", argv[0]);
        return 2;
    }
    if (km_emulator_start(&emu, &km_woocommerce_type, cfg, NULL, NULL, 0, err,
                          sizeof(err)) != 0) {
        fprintf(stderr, "emulator: %s\n", err);
        return 1;
    }
    cJSON_Delete(cfg);
    setenv("KINSYNC_URL_WOOCOMMERCE", km_server_url(emu->server), 1);
    snprintf(script, sizeof(script), "%s/run.sh", argv[1]);
    args[0] = "sh";
    args[1] = script;
    args[2] = argv[1];
    args[3] = argv[2];
    args[4] = NULL;
    if (posix_spawnp(&pid, "sh", NULL, NULL, args, environ) != 0 ||
        waitpid(pid, &status, 0) < 0) {
        km_emulator_stop(emu);
        perror("spawn");
        return 1;
    }
    km_emulator_stop(emu);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
