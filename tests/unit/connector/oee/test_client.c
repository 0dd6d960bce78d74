/*
 * The OEE client against the oee emulator over loopback: both ways of
 * sending the key, scopes a key may not use, acknowledgements and
 * summaries stored once however often they are sent, the timeline of a
 * machine driven by actions on the virtual clock, and a 503 retried.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <kinsync.h>
#include "kt.h"

extern const struct km_emulator_type km_oee_type;

#define CONFIG                                                                 \
    "{\"api_keys\": [{\"key\": \"k-all-secret\"}, {\"key\": "                  \
    "\"k-a-secret\", \"scopes\": [\"PLANT-A\"]}], \"scopes\": [{\"id\": "      \
    "\"PLANT-A\", \"work_centers\": [\"WC-10\", \"WC-20\"]}, {\"id\": "        \
    "\"PLANT-B\", \"work_centers\": [\"WC-10\"]}]}"

struct env {
    struct ks_clock *clock;
    struct km_emulator *emu;
    struct ks_client *client;
    struct ks_oee *oee;
};

static void start(struct env *e, const char *key, int header)
{
    struct ks_oee_options o = KS_OEE_OPTIONS_INIT;

    memset(e, 0, sizeof(*e));
    assert_int_equal(ks_clock_new_virtual(&e->clock, KT_START_MS), 0);
    e->emu = kt_emulator_start(&km_oee_type, CONFIG, e->clock);
    e->client = kt_client_new(e->clock);
    o.base_url = km_server_url(e->emu->server);
    o.api_key = key;
    o.api_key_header = header;
    assert_int_equal(ks_oee_new(&e->oee, e->client, &o), KS_OK);
}

static void stop(struct env *e)
{
    ks_oee_free(e->oee);
    ks_client_free(e->client);
    km_emulator_stop(e->emu);
    ks_clock_free(e->clock);
}

static void ack_once(void **state)
{
    struct env e;
    cJSON *snap = NULL, *extra = cJSON_Parse("{\"part\": \"P-1\"}");
    const cJSON *v;

    (void)state;
    start(&e, "k-all-secret", 1);
    assert_int_equal(
        ks_oee_acknowledge(e.oee, "PLANT-A", "J100", "created", extra), KS_OK);
    assert_int_equal(
        ks_oee_acknowledge(e.oee, "PLANT-A", "J100", "created", extra), KS_OK);
    assert_int_equal(kt_size(e.emu, "acknowledgements"), 1);
    v = kt_at(&snap, e.emu, "acknowledgements/0/posts");
    assert_int_equal(v->valueint, 2);
    cJSON_Delete(snap);
    v = kt_at(&snap, e.emu, "acknowledgements/0/part");
    assert_string_equal(v->valuestring, "P-1");
    cJSON_Delete(snap);
    assert_int_equal(ks_oee_requests(e.oee), 2);
    cJSON_Delete(extra);
    stop(&e);
}

static void keys_and_scopes(void **state)
{
    struct env e;
    cJSON *out = NULL;

    (void)state;
    start(&e, "wrong-key", 0);
    assert_int_equal(ks_oee_summaries_get(&out, e.oee, "PLANT-A", NULL),
                     KS_EAUTH);
    stop(&e);
    start(&e, "k-a-secret", 0);
    assert_int_equal(ks_oee_summaries_get(&out, e.oee, "PLANT-A", NULL), KS_OK);
    cJSON_Delete(out);
    assert_int_equal(ks_oee_summaries_get(&out, e.oee, "PLANT-B", NULL),
                     KS_EFORBIDDEN);
    assert_non_null(
        strstr(ks_client_last_error(e.client)->message, "oee: forbidden"));
    assert_int_equal(ks_oee_summaries_get(&out, e.oee, "NOPE", NULL),
                     KS_ENOTFOUND);
    stop(&e);
}

/* 10 min running, JAM 5 min, 5 min running; 100 good then 20 good and 3
 * scrap (reason BURR): the window from the start holds it all. */
static void timeline(void **state)
{
    struct env e;
    cJSON *t = NULL, *r;
    const cJSON *stops;

    (void)state;
    start(&e, "k-all-secret", 0);
    ks_clock_advance_ms(e.clock, 600000);
    r = kt_act(e.emu, "count",
               "{\"scope\": \"PLANT-A\", \"work_center\": \"WC-10\", "
               "\"good\": 100}");
    cJSON_Delete(r);
    r = kt_act(e.emu, "stop",
               "{\"scope\": \"PLANT-A\", \"work_center\": \"WC-10\", "
               "\"reason\": \"JAM\"}");
    cJSON_Delete(r);
    ks_clock_advance_ms(e.clock, 300000);
    r = kt_act(e.emu, "run",
               "{\"scope\": \"PLANT-A\", \"work_center\": \"WC-10\"}");
    cJSON_Delete(r);
    ks_clock_advance_ms(e.clock, 300000);
    r = kt_act(e.emu, "count",
               "{\"scope\": \"PLANT-A\", \"work_center\": \"WC-10\", "
               "\"good\": 20, \"scrap\": 3, \"scrap_reason\": \"BURR\"}");
    cJSON_Delete(r);
    assert_int_equal(ks_oee_timeline(&t, e.oee, "PLANT-A", "WC-10", KT_START_MS,
                                     KT_START_MS + 1200000),
                     KS_OK);
    assert_int_equal(cJSON_GetObjectItem(t, "running_ms")->valueint, 900000);
    assert_int_equal(cJSON_GetObjectItem(t, "stopped_ms")->valueint, 300000);
    assert_int_equal(cJSON_GetObjectItem(t, "good")->valueint, 120);
    assert_int_equal(cJSON_GetObjectItem(t, "scrap")->valueint, 3);
    stops = cJSON_GetObjectItem(t, "stops");
    assert_int_equal(cJSON_GetArraySize(stops), 1);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetArrayItem(stops, 0), "reason")
            ->valuestring,
        "JAM");
    cJSON_Delete(t);
    /* the same work centre id in the other plant saw nothing */
    assert_int_equal(ks_oee_timeline(&t, e.oee, "PLANT-B", "WC-10", KT_START_MS,
                                     KT_START_MS + 1200000),
                     KS_OK);
    assert_int_equal(cJSON_GetObjectItem(t, "good")->valueint, 0);
    assert_int_equal(cJSON_GetObjectItem(t, "running_ms")->valueint, 1200000);
    cJSON_Delete(t);
    /* the counts up to the window's end, not after it */
    assert_int_equal(ks_oee_timeline(&t, e.oee, "PLANT-A", "WC-10", KT_START_MS,
                                     KT_START_MS + 900000),
                     KS_OK);
    assert_int_equal(cJSON_GetObjectItem(t, "good")->valueint, 100);
    cJSON_Delete(t);
    stop(&e);
}

static void summary_once_after_a_503(void **state)
{
    const struct ks_oee_loss down[] = {{"JAM", 300000}};
    struct ks_oee_input in = {1200000, down, 1, 120, 3, 6000};
    const struct ks_oee_op op = {"J100", 0, 10, "CNC"};
    struct ks_oee_summary s;
    struct env e;
    cJSON *snap = NULL;
    const cJSON *v;

    (void)state;
    start(&e, "k-all-secret", 0);
    kt_faults(e.emu->server, "{\"route\": \"POST "
                             "/api/v1/scopes/{scope}/summaries\", \"nth\": 1, "
                             "\"status\": 503}");
    assert_int_equal(ks_oee_summary_compute(&s, &in), KS_OK);
    assert_int_equal(ks_oee_summary_post(e.oee, "PLANT-A", "WC-10", &op, &s),
                     KS_OK);
    assert_int_equal(ks_oee_summary_post(e.oee, "PLANT-A", "WC-10", &op, &s),
                     KS_OK);
    assert_int_equal(kt_size(e.emu, "summaries"), 1);
    v = kt_at(&snap, e.emu, "summaries/0/oee");
    /* A 0.75, P 738/900 = 0.82, Q 120/123: OEE 0.6 */
    assert_float_equal(v->valuedouble, 0.6, 1e-9);
    cJSON_Delete(snap);
    v = kt_at(&snap, e.emu, "summaries/0/posts");
    assert_int_equal(v->valueint, 2);
    cJSON_Delete(snap);
    assert_int_equal(kt_count(e.emu->server, "POST /api/v1/scopes/*"), 3);
    /* a work centre the scope lacks is refused */
    assert_int_equal(ks_oee_summary_post(e.oee, "PLANT-B", "WC-20", &op, &s),
                     KS_EREMOTE);
    stop(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ack_once),
        cmocka_unit_test(keys_and_scopes),
        cmocka_unit_test(timeline),
        cmocka_unit_test(summary_once_after_a_503),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
