/* The client context (options, error slot, secrets) and ks__log: the
 * threshold, the formatting and the masking of the client's secrets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "core/client_int.h"

struct captured {
    int calls;
    enum ks_log_level level;
    char msg[256];
    char payload[256];
    int payload_null;
};

static void capture(enum ks_log_level level, const char *msg,
                    const char *payload, void *ud)
{
    struct captured *c = ud;

    c->calls++;
    c->level = level;
    snprintf(c->msg, sizeof(c->msg), "%s", msg);
    c->payload_null = payload == NULL;
    snprintf(c->payload, sizeof(c->payload), "%s", payload ? payload : "");
}

static struct ks_client *new_client(struct captured *cap,
                                    enum ks_log_level level)
{
    struct ks_client_options opts = KS_CLIENT_OPTIONS_INIT;
    struct ks_client *client;

    opts.log_fn = capture;
    opts.log_userdata = cap;
    opts.log_level = level;
    assert_int_equal(ks_client_new(&client, &opts), KS_OK);
    return client;
}

static void defaults_apply_without_options(void **state)
{
    struct ks_client *client;
    struct ks_client_stats stats;
    char want[64];

    (void)state;
    assert_int_equal(ks_client_new(&client, NULL), KS_OK);
    snprintf(want, sizeof(want), "kinsync/%s", ks_version());
    assert_string_equal(client->user_agent, want);
    assert_int_equal(client->opts.retry.max_attempts, 6);
    assert_int_equal(client->opts.timeout_ms, 60000);
    assert_null(ks_client_clock(client));
    assert_int_equal(ks_client_last_error(client)->rc, KS_OK);
    ks_client_stats(&stats, client);
    assert_true(stats.requests == 0 && stats.retries == 0);
    ks_client_free(client);
    ks_client_free(NULL);
}

static void options_are_copied(void **state)
{
    struct ks_client_options opts = KS_CLIENT_OPTIONS_INIT;
    struct ks_client *client;
    struct ks_clock *clock;
    char agent[] = "agent/1";

    (void)state;
    assert_int_equal(ks_clock_new_virtual(&clock, 5), KS_OK);
    opts.clock = clock;
    opts.user_agent = agent;
    opts.timeout_ms = 1234;
    assert_int_equal(ks_client_new(&client, &opts), KS_OK);
    agent[0] = 'X';
    opts.timeout_ms = 1;
    assert_string_equal(client->user_agent, "agent/1");
    assert_int_equal(client->opts.timeout_ms, 1234);
    assert_ptr_equal(ks_client_clock(client), clock); /* borrowed */
    ks_client_free(client);
    ks_clock_free(clock);
}

static void wrong_options_version_is_refused(void **state)
{
    struct ks_client_options opts = KS_CLIENT_OPTIONS_INIT;
    struct ks_client *client = (struct ks_client *)&opts;

    (void)state;
    opts.version = 99;
    assert_int_equal(ks_client_new(&client, &opts), KS_EINVAL);
    assert_null(client);
}

/* A version 1 struct ends before ca_file: what lies past it is not read
 * (a poisoned ca_file here stands for it). Version 2 copies ca_file. */
static void version_1_options_are_read_without_ca_file(void **state)
{
    struct ks_client_options opts = KS_CLIENT_OPTIONS_INIT;
    char path[] = "/etc/ssl/test-ca.pem";
    struct ks_client *client;

    (void)state;
    opts.version = 1;
    opts.timeout_ms = 4321;
    opts.ca_file = (const char *)1;
    assert_int_equal(ks_client_new(&client, &opts), KS_OK);
    assert_int_equal(client->opts.timeout_ms, 4321);
    assert_null(client->opts.ca_file);
    ks_client_free(client);
    opts.version = KS_CLIENT_OPTIONS_VERSION;
    opts.ca_file = path;
    assert_int_equal(ks_client_new(&client, &opts), KS_OK);
    path[0] = 'X'; /* the client holds its own copy */
    assert_string_equal(client->opts.ca_file, "/etc/ssl/test-ca.pem");
    ks_client_free(client);
}

static void at_least_one_attempt_is_made(void **state)
{
    struct ks_client_options opts = KS_CLIENT_OPTIONS_INIT;
    struct ks_client *client;

    (void)state;
    opts.retry.max_attempts = 0;
    assert_int_equal(ks_client_new(&client, &opts), KS_OK);
    assert_int_equal(client->opts.retry.max_attempts, 1);
    ks_client_free(client);
}

static void error_slot_is_shared_with_modules(void **state)
{
    struct ks_client *client;

    (void)state;
    assert_int_equal(ks_client_new(&client, NULL), KS_OK);
    ks__error_set(ks__client_error(client), KS_EPARSE, 0, "bad %s", "json");
    assert_int_equal(ks_client_last_error(client)->rc, KS_EPARSE);
    assert_string_equal(ks_client_last_error(client)->message, "bad json");
    ks_client_free(client);
}

static void secrets_are_kept_once_and_empty_ones_ignored(void **state)
{
    struct ks_client *client;

    (void)state;
    assert_int_equal(ks_client_new(&client, NULL), KS_OK);
    assert_int_equal(ks_client_add_secret(client, "abc"), KS_OK);
    assert_int_equal(ks_client_add_secret(client, "abc"), KS_OK);
    assert_int_equal(ks_client_add_secret(client, ""), KS_OK);
    assert_int_equal(ks_client_add_secret(client, NULL), KS_OK);
    assert_int_equal(client->nsecrets, 1);
    ks_client_free(client);
}

static void log_calls_back_at_and_above_the_threshold(void **state)
{
    struct captured cap = {0};
    struct ks_client *client = new_client(&cap, KS_LOG_WARN);

    (void)state;
    ks__log(client, KS_LOG_DEBUG, NULL, "debug %d", 1);
    ks__log(client, KS_LOG_INFO, NULL, "info %d", 2);
    assert_int_equal(cap.calls, 0);
    ks__log(client, KS_LOG_WARN, NULL, "warn %d", 3);
    assert_int_equal(cap.calls, 1);
    assert_int_equal(cap.level, KS_LOG_WARN);
    assert_string_equal(cap.msg, "warn 3");
    assert_true(cap.payload_null);
    ks__log(client, KS_LOG_ERROR, "detail", "error");
    assert_int_equal(cap.calls, 2);
    assert_string_equal(cap.payload, "detail");
    ks_client_free(client);
}

static void log_masks_the_clients_secrets(void **state)
{
    struct captured cap = {0};
    struct ks_client *client = new_client(&cap, KS_LOG_DEBUG);

    (void)state;
    assert_int_equal(ks_client_add_secret(client, "hunter2"), KS_OK);
    ks__log(client, KS_LOG_INFO, "{\"password\":\"hunter2\"}",
            "login with %s failed", "hunter2");
    assert_int_equal(cap.calls, 1);
    assert_string_equal(cap.msg, "login with ******* failed");
    assert_string_equal(cap.payload, "{\"password\":\"*******\"}");
    ks_client_free(client);
}

static void log_without_callback_does_nothing(void **state)
{
    struct ks_client *client;

    (void)state;
    assert_int_equal(ks_client_new(&client, NULL), KS_OK);
    ks__log(client, KS_LOG_ERROR, "p", "m");
    ks__log(NULL, KS_LOG_ERROR, "p", "m");
    ks_client_free(client);
}

static void log_drops_a_line_it_cannot_build(void **state)
{
    struct captured cap = {0};
    struct ks_client *client = new_client(&cap, KS_LOG_DEBUG);

    (void)state;
    ks__alloc_fail_at(1);
    ks__log(client, KS_LOG_ERROR, "payload", "message");
    ks__alloc_fail_at(0);
    assert_int_equal(cap.calls, 0);
    ks_client_free(client);
}

static void level_names_are_stable(void **state)
{
    (void)state;
    assert_string_equal(ks_log_level_name(KS_LOG_DEBUG), "debug");
    assert_string_equal(ks_log_level_name(KS_LOG_INFO), "info");
    assert_string_equal(ks_log_level_name(KS_LOG_WARN), "warn");
    assert_string_equal(ks_log_level_name(KS_LOG_ERROR), "error");
    assert_string_equal(ks_log_level_name((enum ks_log_level)9), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_apply_without_options),
        cmocka_unit_test(options_are_copied),
        cmocka_unit_test(wrong_options_version_is_refused),
        cmocka_unit_test(version_1_options_are_read_without_ca_file),
        cmocka_unit_test(at_least_one_attempt_is_made),
        cmocka_unit_test(error_slot_is_shared_with_modules),
        cmocka_unit_test(secrets_are_kept_once_and_empty_ones_ignored),
        cmocka_unit_test(log_calls_back_at_and_above_the_threshold),
        cmocka_unit_test(log_masks_the_clients_secrets),
        cmocka_unit_test(log_without_callback_does_nothing),
        cmocka_unit_test(log_drops_a_line_it_cannot_build),
        cmocka_unit_test(level_names_are_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
