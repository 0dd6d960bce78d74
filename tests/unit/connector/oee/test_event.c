/*
 * The event functions' payload read into a ks_oee_event, and every bad
 * member named by its pointer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <kinsync/oee.h>

static void good_payload(void **state)
{
    cJSON *p = cJSON_Parse(
        "{\"event\": \"operation.started\", \"event_id\": \"g\", "
        "\"sequence\": 2, \"time\": \"2026-01-05T08:01:00Z\", \"company\": "
        "\"EPIC06\", \"plant\": \"MfgSys\", \"job\": \"J2001\", \"assembly\": "
        "0, \"operation\": 10, \"op_code\": \"SAW\", \"resource_group\": "
        "\"SAW-01\", \"labor_type\": \"S\"}");
    struct ks_oee_event ev;
    char why[200];

    (void)state;
    assert_int_equal(ks_oee_event_parse(&ev, p, why, sizeof(why)), KS_OK);
    assert_string_equal(ev.type, "operation.started");
    assert_string_equal(ev.job, "J2001");
    assert_string_equal(ev.plant, "MfgSys");
    assert_string_equal(ev.work_center, "SAW-01");
    assert_int_equal(ev.operation, 10);
    assert_int_equal(ev.at_ms, 1767600060000LL);
    assert_null(ev.reason);
    cJSON_Delete(p);
}

static void job_event_nulls(void **state)
{
    cJSON *p = cJSON_Parse("{\"event\": \"job.closed\", \"time\": "
                           "\"2026-01-05T09:16:00Z\", \"job\": \"J2001\", "
                           "\"plant\": null, \"assembly\": null, "
                           "\"operation\": null, \"resource_group\": null}");
    struct ks_oee_event ev;
    char why[200];

    (void)state;
    assert_int_equal(ks_oee_event_parse(&ev, p, why, sizeof(why)), KS_OK);
    assert_null(ev.plant);
    assert_null(ev.work_center);
    assert_int_equal(ev.operation, 0);
    cJSON_Delete(p);
}

static void bad_members(void **state)
{
    static const struct {
        const char *json, *pointer;
    } bad[] = {
        {"{\"time\": \"2026-01-05T08:00:00Z\", \"job\": \"J\"}", "/event"},
        {"{\"event\": \"x\", \"time\": \"2026-01-05T08:00:00Z\"}", "/job"},
        {"{\"event\": \"x\", \"job\": \"J\"}", "/time"},
        {"{\"event\": \"x\", \"job\": \"J\", \"time\": \"soon\"}", "/time"},
        {"{\"event\": \"x\", \"job\": \"J\", \"time\": "
         "\"2026-01-05T08:00:00Z\", \"operation\": \"10\"}",
         "/operation"},
        {"{\"event\": \"x\", \"job\": \"J\", \"time\": "
         "\"2026-01-05T08:00:00Z\", \"resource_group\": 7}",
         "/resource_group"},
        {"[1]", ""},
    };
    struct ks_oee_event ev;
    char why[200];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cJSON *p = cJSON_Parse(bad[i].json);

        why[0] = '\0';
        assert_int_equal(ks_oee_event_parse(&ev, p, why, sizeof(why)),
                         KS_EPARSE);
        assert_memory_equal(why, bad[i].pointer, strlen(bad[i].pointer));
        assert_true(why[strlen(bad[i].pointer)] == ':');
        cJSON_Delete(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_payload),
        cmocka_unit_test(job_event_nulls),
        cmocka_unit_test(bad_members),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
