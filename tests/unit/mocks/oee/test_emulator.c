/*
 * The OEE emulator on its own: its declared configuration refuses what
 * it cannot use, the API answers its one error shape, the timeline
 * window is checked, and the actions refuse bad arguments.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "kt.h"

extern const struct km_emulator_type km_oee_type;

static void config_refused(void **state)
{
    static const char *const bad[] = {
        "{\"scopes\": [{\"id\": \"A\"}, {\"id\": \"A\"}]}",
        "{\"scopes\": [{\"id\": \"A/B\"}]}",
        "{\"scopes\": [{\"id\": \"A\", \"work_centers\": [\"W\", \"W\"]}]}",
        "{\"api_keys\": [{\"scopes\": []}]}",
        "{\"max_window_s\": -1}",
        "{\"unknown\": 1}",
        NULL};
    struct ks_clock *clock;
    char err[300];
    void *st;

    (void)state;
    assert_int_equal(ks_clock_new_virtual(&clock, KT_START_MS), 0);
    for (size_t i = 0; bad[i]; i++) {
        cJSON *c = cJSON_Parse(bad[i]);

        err[0] = '\0';
        assert_int_equal(km_oee_type.state_new(&st, c, clock, err, sizeof(err)),
                         -1);
        assert_true(err[0] != '\0');
        cJSON_Delete(c);
    }
    ks_clock_free(clock);
}

static void get(struct kt_reply *r, struct km_emulator *emu, const char *path,
                const char *auth)
{
    const char *headers[] = {auth, NULL};
    struct kt_request rq = {0};
    char url[512];

    rq.headers = auth ? headers : NULL;
    snprintf(url, sizeof(url), "%s%s", km_server_url(emu->server), path);
    kt_http(r, url, &rq);
}

static void errors_and_window(void **state)
{
    struct ks_clock *clock;
    struct km_emulator *emu;
    struct kt_reply r;

    (void)state;
    assert_int_equal(ks_clock_new_virtual(&clock, KT_START_MS), 0);
    emu = kt_emulator_start(&km_oee_type, "{\"max_window_s\": 3600}", clock);
    get(&r, emu, "/api/v1/scopes", NULL);
    assert_int_equal(r.status, 401);
    assert_non_null(strstr(r.body, "\"code\":\"unauthorized\""));
    kt_reply_dispose(&r);
    get(&r, emu, "/api/v1/scopes", "Authorization: Bearer oee-test-key");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"WC-1\""));
    kt_reply_dispose(&r);
    get(&r, emu, "/api/v1/scopes/MAIN/work-centers/WC-1/timeline",
        "X-API-Key: oee-test-key");
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "?from: required"));
    kt_reply_dispose(&r);
    get(&r, emu,
        "/api/v1/scopes/MAIN/work-centers/WC-1/timeline?from=2026-01-05T00:"
        "00:00Z&to=2026-01-05T08:00:00Z",
        "X-API-Key: oee-test-key");
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "window_too_long"));
    kt_reply_dispose(&r);
    get(&r, emu, "/api/v1/scopes/MAIN/work-centers/WC-9",
        "X-API-Key: oee-test-key");
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(r.body, "work_center_not_found"));
    kt_reply_dispose(&r);
    get(&r, emu, "/api/v1/nothing", "X-API-Key: oee-test-key");
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(r.body, "\"error\""));
    kt_reply_dispose(&r);
    /* the key never reaches the journal */
    {
        cJSON *j = km_server_journal(emu->server);
        char *text = cJSON_PrintUnformatted(j);

        assert_null(strstr(text, "oee-test-key"));
        free(text);
        cJSON_Delete(j);
    }
    km_emulator_stop(emu);
    ks_clock_free(clock);
}

static void actions(void **state)
{
    struct ks_clock *clock;
    struct km_emulator *emu;
    cJSON *res = NULL, *args;
    char err[300];

    (void)state;
    assert_int_equal(ks_clock_new_virtual(&clock, KT_START_MS), 0);
    emu = kt_emulator_start(&km_oee_type, "{\"start_running\": false}", clock);
    args = cJSON_Parse("{\"work_center\": \"WC-1\"}");
    assert_int_equal(km_emulator_act(emu, "stop", args, &res, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "/reason"));
    assert_int_equal(
        km_emulator_act(emu, "count", args, &res, err, sizeof(err)), -1);
    assert_int_equal(km_emulator_act(emu, "fly", args, &res, err, sizeof(err)),
                     -1);
    assert_int_equal(km_emulator_act(emu, "run", args, &res, err, sizeof(err)),
                     0);
    assert_string_equal(cJSON_GetObjectItem(res, "state")->valuestring,
                        "running");
    assert_null(cJSON_GetObjectItem(res, "_segments"));
    cJSON_Delete(res);
    cJSON_Delete(args);
    args = cJSON_Parse("{\"work_center\": \"WC-7\"}");
    assert_int_equal(km_emulator_act(emu, "run", args, &res, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "WC-7"));
    cJSON_Delete(args);
    km_emulator_stop(emu);
    ks_clock_free(clock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_refused),
        cmocka_unit_test(errors_and_window),
        cmocka_unit_test(actions),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
