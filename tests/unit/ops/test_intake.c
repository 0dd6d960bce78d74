/*
 * unit.ops.intake: the durable intake of `kinsync sync --watch`
 * (ops/src/queue.c) on an in-memory SQLite state: an Epicor job event is
 * committed and read back whole, in arrival order; a queued body that
 * does not fit the event's fields is refused rather than cut.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <kinsync/store_workers.h>
#include "run.h"

static void job_event(struct kh_receiver_item *it, const char *type,
                      const char *job, int operation)
{
    memset(it, 0, sizeof(*it));
    it->epicor = 1;
    snprintf(it->ev.type, sizeof(it->ev.type), "%s", type);
    snprintf(it->ev.plant, sizeof(it->ev.plant), "Plant2");
    snprintf(it->ev.job, sizeof(it->ev.job), "%s", job);
    snprintf(it->ev.op_code, sizeof(it->ev.op_code), "PRESS");
    snprintf(it->ev.work_center, sizeof(it->ev.work_center), "PRESS-01");
    snprintf(it->ev.reason, sizeof(it->ev.reason), "%s",
             operation == 20 ? "JAM" : "");
    it->ev.assembly = 1;
    it->ev.operation = operation;
    it->ev.at_ms = 1767600060123LL;
}

static void job_events_are_committed_and_read_back_in_order(void **state)
{
    struct ks_store_options so = KS_STORE_OPTIONS_INIT;
    struct ks_store *st = NULL;
    const char *names[] = {"plant2"};
    struct kh__sync_intake in = {&st, names, 1};
    struct kh_receiver_item sent[2], got;
    struct ks_delivery *d = NULL;
    int64_t n = 0;

    (void)state;
    assert_int_equal(ks_store_open(&st, &so), KS_OK);
    job_event(&sent[0], "operation.started", "J3001", 10);
    job_event(&sent[1], "operation.paused", "J3001", 20);
    assert_int_equal(kh__sync_intake_commit(&in, &sent[0]), 0);
    assert_int_equal(kh__sync_intake_commit(&in, &sent[1]), 0);
    assert_int_equal(ks_store_delivery_count(&n, st, "plant2"), KS_OK);
    assert_int_equal(n, 2);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(ks_store_delivery_claim(&d, st, "plant2", "w", 60000),
                         KS_OK);
        assert_string_equal(d->topic, "epicor.job_event");
        assert_string_equal(d->resource_id, "J3001");
        assert_int_equal(kh__sync_intake_parse(&got, d->body), 0);
        assert_true(got.epicor);
        assert_memory_equal(&got.ev, &sent[i].ev, sizeof(got.ev));
        assert_int_equal(ks_store_delivery_done(st, d->id), KS_OK);
        ks_store_delivery_free(d);
        d = NULL;
    }
    assert_int_equal(ks_store_delivery_claim(&d, st, "plant2", "w", 60000),
                     KS_ENOTFOUND);
    ks_store_close(st);
}

static void bodies_that_are_not_a_whole_event_are_refused(void **state)
{
    struct kh_receiver_item it;
    char body[512];

    (void)state;
    assert_int_equal(kh__sync_intake_parse(&it, "{\"platform\": \"epicor\"}"),
                     -1);
    snprintf(body, sizeof(body),
             "{\"platform\": \"epicor\", \"event\": \"job.closed\", "
             "\"plant\": \"P\", \"job\": \"%0100d\", \"op_code\": \"\", "
             "\"work_center\": \"\", \"reason\": \"\", \"assembly\": 0, "
             "\"operation\": 0, \"at_ms\": 1}",
             7); /* a job number longer than the event holds */
    assert_int_equal(kh__sync_intake_parse(&it, body), -1);
    assert_int_equal(kh__sync_intake_parse(&it, "not json"), -1);
    assert_int_equal(kh__sync_intake_parse(&it, "{\"platform\": \"sap\"}"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(job_events_are_committed_and_read_back_in_order),
        cmocka_unit_test(bodies_that_are_not_a_whole_event_are_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
