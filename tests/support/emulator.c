/* Emulators from inline JSON and what tests ask of them (see kt.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>
#include "kt.h"

struct km_emulator *kt_emulator_start(const struct km_emulator_type *type,
                                      const char *config,
                                      struct ks_clock *clock)
{
    cJSON *cfg = cJSON_Parse(config);
    struct km_emulator *emu = NULL;
    char err[512] = "";

    if (!cfg)
        fail_msg("%s: bad emulator configuration: %s", type->name, config);
    if (km_emulator_start(&emu, type, cfg, clock, NULL, 0, err, sizeof(err)))
        fail_msg("%s emulator: %s", type->name, err);
    cJSON_Delete(cfg);
    return emu;
}

char *kt_config_merge(const char *base_members, const char *extra_members)
{
    size_t n = strlen(base_members) + 3;
    char *text = malloc(n);
    cJSON *cfg, *over;

    assert_non_null(text);
    snprintf(text, n, "{%s}", base_members);
    cfg = cJSON_Parse(text);
    if (!cfg)
        fail_msg("bad base configuration: %s", text);
    free(text);
    n = (extra_members ? strlen(extra_members) : 0) + 3;
    text = malloc(n);
    assert_non_null(text);
    snprintf(text, n, "{%s}", extra_members ? extra_members : "");
    over = cJSON_Parse(text);
    if (!over)
        fail_msg("bad emulator config: %s", text);
    free(text);
    while (over->child) {
        cJSON *item = cJSON_DetachItemViaPointer(over, over->child);

        cJSON_DeleteItemFromObjectCaseSensitive(cfg, item->string);
        cJSON_AddItemToObject(cfg, item->string, item);
    }
    cJSON_Delete(over);
    text = cJSON_PrintUnformatted(cfg);
    cJSON_Delete(cfg);
    assert_non_null(text);
    return text;
}

struct ks_client *kt_client_new(struct ks_clock *clock)
{
    struct ks_client_options co = KS_CLIENT_OPTIONS_INIT;
    struct ks_client *client = NULL;

    co.clock = clock;
    co.retry.base_delay_ms = 10;
    assert_int_equal(ks_client_new(&client, &co), KS_OK);
    return client;
}

void kt_served_start(struct kt_served *s, struct km_server_options *opts)
{
    char err[256] = "";

    assert_int_equal(ks_clock_new_virtual(&s->clock, KT_START_MS), KS_OK);
    opts->clock = s->clock;
    if (km_server_start(&s->server, opts, err, sizeof(err)) != 0)
        fail_msg("server %s: %s", opts->name, err);
}

void kt_served_stop(struct kt_served *s)
{
    km_server_stop(s->server);
    ks_clock_free(s->clock);
    memset(s, 0, sizeof(*s));
}

int kt_served_teardown(void **state)
{
    kt_served_stop(*state);
    free(*state);
    return 0;
}

cJSON *kt_act(struct km_emulator *emu, const char *action, const char *args)
{
    cJSON *a = cJSON_Parse(args ? args : "{}"), *result = NULL;
    char err[256] = "";

    if (!a)
        fail_msg("act %s: bad arguments: %s", action, args);
    if (km_emulator_act(emu, action, a, &result, err, sizeof(err)))
        fail_msg("act %s: %s", action, err);
    cJSON_Delete(a);
    return result;
}

void kt_faults(struct km_server *server, const char *rules)
{
    cJSON *r = cJSON_Parse(rules);
    char err[256] = "";

    if (!r)
        fail_msg("fault rules are not JSON: %s", rules);
    if (km_server_faults_add(server, r, err, sizeof(err)))
        fail_msg("fault rules refused: %s", err);
    cJSON_Delete(r);
}

const cJSON *kt_at(cJSON **snap, struct km_emulator *emu, const char *path)
{
    const cJSON *at;
    char buf[512], *save = NULL, *part;

    *snap = km_emulator_snapshot(emu);
    at = *snap;
    snprintf(buf, sizeof(buf), "%s", path);
    for (part = strtok_r(buf, "/", &save); part && at;
         part = strtok_r(NULL, "/", &save)) {
        if (cJSON_IsArray(at))
            at = cJSON_GetArrayItem(at, (int)strtol(part, NULL, 10));
        else
            at = cJSON_GetObjectItemCaseSensitive(at, part);
    }
    return at;
}

int kt_size(struct km_emulator *emu, const char *path)
{
    cJSON *snap = NULL;
    int n = cJSON_GetArraySize(kt_at(&snap, emu, path));

    cJSON_Delete(snap);
    return n;
}

static int has_header(const cJSON *entry, const char *name)
{
    const cJSON *h;

    cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(entry, "headers"))
    {
        if (strcasecmp(h->string, name) == 0)
            return 1;
    }
    return 0;
}

/* Entries matching glob; with header, only those without it. */
static size_t count(struct km_server *server, const char *glob,
                    const char *header)
{
    cJSON *journal = km_server_journal(server);
    const cJSON *e;
    size_t n = 0;
    char route[1024];

    cJSON_ArrayForEach(e, journal)
    {
        snprintf(route, sizeof(route), "%s %s",
                 cJSON_GetObjectItemCaseSensitive(e, "method")->valuestring,
                 cJSON_GetObjectItemCaseSensitive(e, "path")->valuestring);
        if (km_glob_match(glob, route))
            n += !header || !has_header(e, header);
    }
    cJSON_Delete(journal);
    return n;
}

size_t kt_count(struct km_server *server, const char *route_glob)
{
    return count(server, route_glob, NULL);
}

size_t kt_count_without_header(struct km_server *server, const char *route_glob,
                               const char *header)
{
    return count(server, route_glob, header);
}

cJSON *kt_fixture(const char *rel)
{
    char path[1024], *buf;
    FILE *f;
    long n;
    cJSON *j;

    snprintf(path, sizeof(path), "%s/fixtures/%s", KS_SOURCE_DIR, rel);
    f = fopen(path, "rb");
    if (!f)
        fail_msg("fixture %s: cannot open", path);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n >= 0);
    assert_int_equal(fseek(f, 0, SEEK_SET), 0);
    buf = calloc(1, (size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    j = cJSON_Parse(buf);
    free(buf);
    if (!j)
        fail_msg("fixture %s: not JSON", path);
    return j;
}
