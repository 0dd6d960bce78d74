/*
 * fuzz.sync_config: the configuration loader of `kinsync sync`
 * (kh__sync_config_load in ops/src/config.c) on arbitrary files.
 *
 * Each input is written to one file in a mkdtemp() directory under
 * $TMPDIR (or /tmp), made once per process; what the loader prints on
 * stderr goes to a capture file, read back after each input.
 *
 * Invariants: the result is 0 or 2 (usage); a refusal prints at least one
 * problem and keeps nothing (LeakSanitizer); every printed line starts
 * with the program's name and names the file; an accepted file has an
 * epicor object, a state path, a key source, retention_days 0..3650, a
 * section for every enabled flow and a cadence 1..604800 for each, and
 * no http:// URL to a host that is not loopback unless its section sets
 * allow_insecure_http.
 */
#include <errno.h>
#include <curl/curl.h>
#include <kx/net.h>
#include "fuzz.h"
#include "ops.h"

#define TARGET "fuzz_sync_config"
#define PROG "fuzz"

static char dir[1024], path[1100], capture[1100];

static void make_paths(void)
{
    const char *tmp = getenv("TMPDIR");

    if (dir[0])
        return;
    snprintf(dir, sizeof(dir), "%s/ks-fuzz-config-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "%s: mkdtemp: %s\n", TARGET, strerror(errno));
        abort();
    }
    snprintf(path, sizeof(path), "%s/kinsync.json", dir);
    snprintf(capture, sizeof(capture), "%s/stderr", dir);
}

static void write_file(const char *p, const uint8_t *data, size_t size)
{
    FILE *f = fopen(p, "wb");

    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        fprintf(stderr, "%s: cannot write %s\n", TARGET, p);
        abort();
    }
}

/* Runs the loader with stderr (the stream; glibc lets it be assigned)
 * going to the capture file. The sanitizers write to descriptor 2, so
 * what they report still shows. */
static int load(struct kh__sync_config *cfg)
{
    FILE *saved = stderr, *f = fopen(capture, "w");
    int rc;

    if (!f)
        abort();
    stderr = f;
    rc = kh__sync_config_load(cfg, PROG, path);
    stderr = saved;
    fclose(f);
    return rc;
}

/* Checks the captured lines; returns how many are not warnings. */
static int check_lines(void)
{
    char line[16384], prefix[1200];
    FILE *f = fopen(capture, "r");
    int problems = 0;

    if (!f)
        abort();
    snprintf(prefix, sizeof(prefix), "%s: ", PROG);
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, prefix, strlen(prefix)) != 0 || !strstr(line, path))
            fuzz_violation(TARGET, "a line without the program or file");
        if (!strstr(line, ": warning: "))
            problems++;
    }
    fclose(f);
    return problems;
}

/* 1 when section's url member is http:// to a host that is not loopback. */
static int insecure(const cJSON *section, const char *key)
{
    const char *url = kx_json_str(section, key);
    CURLU *u = url ? curl_url() : NULL;
    char *scheme = NULL, *host = NULL;
    int bad = 0;

    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
        bad = strcasecmp(scheme, "http") == 0 && !kx_host_is_loopback(host);
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return bad && !kx_json_bool(section, "allow_insecure_http", 0);
}

static void check_loaded(const struct kh__sync_conf *c)
{
    if (!cJSON_IsObject(c->epicor) || !c->state_path || !c->key_env)
        fuzz_violation(TARGET, "accepted without epicor, state or key");
    if (c->retention_days < 0 ||
        c->retention_days > KH__SYNC_RETENTION_DAYS_MAX)
        fuzz_violation(TARGET, "retention_days out of range");
    for (int i = 0; i < KH__FLOW_COUNT; i++) {
        if (!c->enabled[i])
            continue;
        if (kh__sync_flow_lacks(c, i))
            fuzz_violation(TARGET, "a flow enabled without its section");
        if (c->every_s[i] < 1 || c->every_s[i] > 604800)
            fuzz_violation(TARGET, "a cadence out of range");
    }
    if (insecure(c->epicor, "server_url") || insecure(c->epicor, "token_url") ||
        insecure(c->bigcommerce, "base_url") ||
        insecure(c->woocommerce, "base_url"))
        fuzz_violation(TARGET, "plain http:// to a remote host accepted");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kh__sync_config cfg;
    int rc, problems;

    make_paths();
    write_file(path, data, size);
    rc = load(&cfg);
    problems = check_lines();
    if (rc == 0) {
        if (problems)
            fuzz_violation(TARGET, "accepted, yet with a problem");
        if (cfg.nconns == 0)
            fuzz_violation(TARGET, "accepted without a connection");
        for (size_t i = 0; i < cfg.nconns; i++)
            check_loaded(&cfg.conns[i]);
    } else if (rc != KH__SYNC_EXIT_USAGE || problems == 0) {
        fuzz_violation(TARGET, "refused without a problem named");
    }
    kh__sync_config_dispose(&cfg);
    return 0;
}
