/*
 * The scenario loader: every kind of bad input is refused with the file,
 * the JSON pointer and what is wrong; good input loads with its fixtures
 * resolved. Also the RFC 6901 pointers the messages and expectations use,
 * and the "[name=value]" selectors pointer maps may hold.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "engine.h"
#include "run_int.h" /* kh__job_tables */

#define FIXTURES KS_SOURCE_DIR "/fixtures"

struct tmp {
    char dir[64];
    char path[128];
};

static int setup(void **state)
{
    struct tmp *t = calloc(1, sizeof(*t));

    assert_non_null(t);
    snprintf(t->dir, sizeof(t->dir), "%s", "/tmp/kh-loader-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    /* Named after the scenarios below ("name": "x"), as the loader wants. */
    snprintf(t->path, sizeof(t->path), "%s/x.json", t->dir);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    struct tmp *t = *state;

    unlink(t->path);
    rmdir(t->dir);
    free(t);
    return 0;
}

/* Writes text as the scenario file and loads it; err receives messages. */
static int load(struct tmp *t, const char *text, struct kh_scenario **sc,
                char *err, size_t errsz)
{
    FILE *f = fopen(t->path, "w");

    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    return kh_scenario_load(sc, t->path, FIXTURES, err, errsz);
}

/* Loads text, expecting failure with a message containing each of the
 * NULL-terminated fragments. */
static void refused_with(struct tmp *t, const char *text, ...)
{
    struct kh_scenario *sc = (struct kh_scenario *)&sc;
    char err[4096];
    const char *want;
    va_list ap;

    assert_int_equal(load(t, text, &sc, err, sizeof(err)), -1);
    assert_null(sc);
    assert_non_null(strstr(err, t->path)); /* every line names the file */
    va_start(ap, text);
    while ((want = va_arg(ap, const char *)) != NULL) {
        if (!strstr(err, want))
            fail_msg("\"%s\" not in:\n%s", want, err);
    }
    va_end(ap);
}

#define GIVEN_BC "\"given\": {\"bigcommerce\": {\"store_hash\": \"s1\"}}"

static void good_scenario_loads_with_fixture_resolved(void **state)
{
    struct tmp *t = *state;
    struct kh_scenario *sc = NULL;
    char err[1024];
    const cJSON *products;

    assert_int_equal(
        load(t,
             "{\"name\": \"x\", \"tags\": [\"a\"], \"given\": {\"bigcommerce\":"
             " {\"products\": {\"$fixture\": \"bigcommerce/products/"
             "three.json\"}}}, \"when\": [{\"do\": \"webhooks.pump\"}],"
             " \"then\": {\"requests\": [{\"system\": \"bigcommerce\","
             " \"route\": \"GET /x\", \"count\": 0}]}}",
             &sc, err, sizeof(err)),
        0);
    assert_non_null(sc);
    assert_string_equal(sc->name, "x");
    products = kh_json_pointer(sc->doc, "/given/bigcommerce/products");
    assert_true(cJSON_IsArray(products));
    assert_int_equal(cJSON_GetArraySize(products), 3);
    /* The replacement keeps its key, so the emulator finds it by name. */
    assert_string_equal(products->string, "products");
    kh_scenario_free(sc);
}

/* Writes lines rows of a JSON Lines fixture big.jsonl into t->dir, each
 * row padded so that the file passes the whole-file limit of a .json
 * fixture (16 MiB); with bad_line > 0 that line is not JSON. */
static void write_jsonl(struct tmp *t, char *path, size_t pathsz, long lines,
                        long bad_line)
{
    FILE *f;
    char pad[241];

    memset(pad, 'x', sizeof(pad) - 1);
    pad[sizeof(pad) - 1] = '\0';
    snprintf(path, pathsz, "%s/big.jsonl", t->dir);
    f = fopen(path, "w");
    assert_non_null(f);
    for (long i = 1; i <= lines; i++) {
        if (i == bad_line)
            fprintf(f, "{\"PartNum\": \"P%ld\",}\n", i);
        else if (i % 1000 == 0)
            fprintf(f, "\n"); /* blank lines are skipped */
        else
            fprintf(f, "{\"PartNum\": \"P%06ld\", \"Pad\": \"%s\"}\r\n", i,
                    pad);
    }
    assert_int_equal(fclose(f), 0);
}

static void jsonl_fixture_loads_past_the_file_limit(void **state)
{
    struct tmp *t = *state;
    char path[256], err[512];
    cJSON *doc = cJSON_Parse("{\"parts\": {\"$fixture\": \"big.jsonl\"}}");
    const cJSON *parts, *last;
    struct stat st;

    write_jsonl(t, path, sizeof(path), 70000, 0);
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > (16 << 20)); /* a .json this big is refused */
    assert_int_equal(kh_fixtures_resolve(&doc, t->dir, err, sizeof(err)), 0);
    parts = cJSON_GetObjectItemCaseSensitive(doc, "parts");
    assert_true(cJSON_IsArray(parts));
    assert_int_equal(cJSON_GetArraySize(parts), 70000 - 70);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetArrayItem(parts, 0), "PartNum")
            ->valuestring,
        "P000001");
    last = cJSON_GetArrayItem(parts, 70000 - 71);
    assert_string_equal(cJSON_GetObjectItem(last, "PartNum")->valuestring,
                        "P069999");
    cJSON_Delete(doc);
    unlink(path);
}

static void jsonl_fixture_names_the_bad_line(void **state)
{
    struct tmp *t = *state;
    char path[256], err[512];
    cJSON *doc = cJSON_Parse("{\"parts\": {\"$fixture\": \"big.jsonl\"}}");

    write_jsonl(t, path, sizeof(path), 50, 37);
    assert_int_equal(kh_fixtures_resolve(&doc, t->dir, err, sizeof(err)), -1);
    if (!strstr(err, "/parts: fixture big.jsonl: line 37: not valid JSON"))
        fail_msg("unexpected: %s", err);
    cJSON_Delete(doc);
    doc = cJSON_Parse("{\"parts\": {\"$fixture\": \"../big.jsonl\"}}");
    assert_int_equal(kh_fixtures_resolve(&doc, t->dir, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "must be a relative path"));
    cJSON_Delete(doc);
    unlink(path);
}

static void malformed_json_names_line_and_column(void **state)
{
    refused_with(*state, "{\"name\": \"x\",\n \"given\": {}, \"when\": [}\n",
                 "(document)", "not valid JSON near line 2", NULL);
}

static void trailing_garbage_is_refused(void **state)
{
    refused_with(*state, "{\"name\": \"x\", \"given\": {}, \"when\": []} extra",
                 "not valid JSON", NULL);
}

static void missing_members_and_unknown_keys(void **state)
{
    refused_with(*state, "{\"given\": {}, \"colour\": 1}", "missing \"name\"",
                 "missing \"when\"", "/colour: unknown key \"colour\"", NULL);
}

static void unknown_step_kind_and_job(void **state)
{
    refused_with(*state,
                 "{\"name\": \"x\", \"given\": {}, \"when\": [{\"do\": "
                 "\"dance\"}, {\"do\": \"run\", \"job\": \"no.such\"}, {}]}",
                 "/when/0: unknown step \"dance\"",
                 "/when/1/job: unknown job \"no.such\"",
                 "/when/2: missing \"do\"", NULL);
}

static void background_integration_steps_load(void **state)
{
    struct tmp *t = *state;
    struct kh_scenario *sc = NULL;
    char err[2048];

    assert_int_equal(
        load(t,
             "{\"name\": \"x\", " GIVEN_BC ", \"when\": [{\"do\": "
             "\"integration.start\", \"job\": \"sync.orders\", "
             "\"options\": {\"source\": \"woocommerce\"}, \"timeout_ms\": "
             "5000}, {\"do\": \"webhooks.pump\"}, {\"do\": "
             "\"integration.stop\", \"until\": {\"bigcommerce\": "
             "{\"/orders\": {\"$count\": 1}}}}, {\"do\": "
             "\"integration.start\", \"job\": \"oee.events\"}, {\"do\": "
             "\"http.request\", \"system\": \"integration\", \"method\": "
             "\"POST\", \"path\": \"/webhooks/epicor\"}, {\"do\": "
             "\"integration.stop\"}, {\"do\": \"integration.start\", "
             "\"job\": \"sync.orders\"}]}",
             &sc, err, sizeof(err)),
        0);
    kh_scenario_free(sc);
}

static void background_integration_steps_pair_up(void **state)
{
    refused_with(
        *state,
        "{\"name\": \"x\", " GIVEN_BC ", \"when\": ["
        "{\"do\": \"integration.stop\"},"
        "{\"do\": \"integration.start\", \"job\": \"sync.orders\"},"
        "{\"do\": \"integration.start\", \"job\": \"sync.parts\","
        " \"options\": {\"colour\": 2}},"
        "{\"do\": \"integration.stop\", \"until\": 3, \"max_ms\": 1}]}",
        "/when/0: no integration runs here: integration.stop follows "
        "an integration.start",
        "/when/2: an integration started at /when/1 still runs",
        "/when/2: integration.start runs job sync.orders (order webhooks "
        "received until it stops) or oee.events",
        "/when/2/options/colour: job sync.parts takes no option",
        "/when/3/max_ms: unknown key",
        "/when/3/until: must be an object mapping systems", NULL);
}

/* An http.request may go to the running integration's receiver, never
 * when none runs; oee.events takes no options. */
static void oee_events_and_requests_to_the_integration(void **state)
{
    struct tmp *t = *state;

    refused_with(t,
                 "{\"name\": \"x\", " GIVEN_BC ", \"when\": ["
                 "{\"do\": \"http.request\", \"system\": \"integration\", "
                 "\"method\": \"POST\", \"path\": \"/webhooks/epicor\"},"
                 "{\"do\": \"integration.start\", \"job\": \"oee.events\", "
                 "\"options\": {\"source\": \"epicor\"}},"
                 "{\"do\": \"http.request\", \"system\": \"nowhere\", "
                 "\"method\": \"GET\", \"path\": \"/\"}]}",
                 "/when/0/system: \"integration\" is the receiver of a running "
                 "integration: none runs here",
                 "/when/1: oee.events takes no options",
                 "/when/2/system: system \"nowhere\" is not an emulator", NULL);
}

static void unknown_option_is_refused_with_the_jobs_list(void **state)
{
    refused_with(*state,
                 "{\"name\": \"x\", \"given\": {}, \"when\": ["
                 "{\"do\": \"run\", \"job\": \"sync.parts\", \"options\": "
                 "{\"target\": \"bigcommerce\", \"store\": \"bigcommerce\"}},"
                 "{\"do\": \"integration\", \"job\": \"epicor.read_parts\","
                 " \"options\": {\"page/size\": 5}},"
                 "{\"do\": \"run\", \"job\": \"woocommerce.receiver_stats\","
                 " \"options\": {\"verbose\": true}}]}",
                 "/when/0/options/store: job sync.parts takes no option "
                 "\"store\" (it takes: target crash_at)",
                 "/when/1/options/page~1size: job epicor.read_parts takes no "
                 "option \"page/size\" (it takes: since page_size)",
                 "/when/2/options/verbose: job woocommerce.receiver_stats "
                 "takes no option \"verbose\" (it takes none)",
                 NULL);
}

/* Loads a step of job with options, expecting success. */
static void loads_with_options(struct tmp *t, const char *job,
                               const char *options)
{
    struct kh_scenario *sc = NULL;
    char text[2048], err[2048];

    snprintf(text, sizeof(text),
             "{\"name\": \"x\", \"given\": {}, \"when\": [{\"do\": "
             "\"run\", \"job\": \"%s\", \"options\": %s}]}",
             job, options);
    if (load(t, text, &sc, err, sizeof(err)) != 0)
        fail_msg("%s with %s refused:\n%s", job, options, err);
    kh_scenario_free(sc);
}

static void known_options_load(void **state)
{
    loads_with_options(*state, "sync.parts",
                       "{\"target\": \"woocommerce\", \"crash_at\": "
                       "\"after_remote_write\"}");
    loads_with_options(*state, "bigcommerce.list_products",
                       "{\"sku:in\": \"A,B\", \"page_limit\": 2}");
    loads_with_options(*state, "woocommerce.receiver_stats", "{}");
}

/* Every key a job lists loads, so the lists cannot hold a word the
 * loader would split or refuse (and every job has a list). */
static void every_listed_option_loads(void **state)
{
    for (size_t t = 0; kh__job_tables[t]; t++) {
        for (const struct kh_job *j = kh__job_tables[t]; j->name; j++) {
            char options[1024] = "{";
            size_t used = 1;
            const char *w = j->options;

            assert_non_null(w);
            while (*w) {
                size_t len = strcspn(w, " ");

                used += (size_t)snprintf(options + used, sizeof(options) - used,
                                         "%s\"%.*s\": 1", used > 1 ? ", " : "",
                                         (int)len, w);
                assert_true(used < sizeof(options));
                w += len;
                w += strspn(w, " ");
            }
            snprintf(options + used, sizeof(options) - used, "}");
            loads_with_options(*state, j->name, options);
        }
    }
}

static void bad_types_are_named_by_pointer(void **state)
{
    refused_with(*state,
                 "{\"name\": 3, \"given\": {\"clock\": {\"start\": "
                 "\"yesterday\"}}, \"when\": [{\"do\": \"clock.advance\", "
                 "\"ms\": \"10\"}, {\"do\": \"run\", \"job\": "
                 "\"epicor.read_parts\", \"expect_rc\": \"EWHATEVER\", "
                 "\"expect_result\": {\"count\": 1}}]}",
                 "/name: must be a string",
                 "/given/clock/start: must be an "
                 "RFC 3339",
                 "/when/0/ms: must be a number",
                 "/when/1/expect_rc: must name a result code",
                 "key \"count\" is not a JSON pointer", NULL);
}

static void missing_fixture_and_escaping_path(void **state)
{
    refused_with(*state,
                 "{\"name\": \"x\", \"given\": {\"bigcommerce\": {\"a\": "
                 "{\"$fixture\": \"bigcommerce/none.json\"}, \"b\": "
                 "{\"$fixture\": \"../secrets.json\"}}}, \"when\": []}",
                 "/given/bigcommerce/a: fixture bigcommerce/none.json",
                 "/given/bigcommerce/b: \"$fixture\" must be a relative path",
                 NULL);
}

static void systems_must_be_configured_emulators(void **state)
{
    refused_with(*state,
                 "{\"name\": \"x\", " GIVEN_BC ", \"when\": [{\"do\": "
                 "\"act\", \"system\": \"epicor\", \"action\": \"a\"}],"
                 " \"then\": {\"state\": {\"epicor\": {\"/p\": 1}}}}",
                 "/when/0/system: system \"epicor\" is not an emulator",
                 "/then/state/epicor: system \"epicor\" is not an emulator",
                 NULL);
}

static void unknown_emulator_in_given(void **state)
{
    refused_with(*state,
                 "{\"name\": \"x\", \"given\": {\"sap\": {}}, \"when\": []}",
                 "/given/sap: unknown emulator \"sap\"", NULL);
}

/* Each emulator's declared keys (kinmock/config.h) are checked at load
 * time: a misspelt key or a value of the wrong type is named by pointer,
 * with the keys known at that place. */
static void emulator_key_typos_are_refused_with_their_pointer(void **state)
{
    refused_with(*state,
                 "{\"name\": \"x\", \"given\": {"
                 "\"bigcommerce\": {\"inactivty_days\": 3, \"webhook\": "
                 "{\"inactivty_days\": 3}, \"store_hash\": 5, \"faults\": "
                 "[]},"
                 "\"epicor\": {\"users\": [{\"usernme\": \"u\"}, 7]},"
                 "\"woocommerce\": {\"keys\": \"ck\"},"
                 "\"static\": {\"ech\": true}}, \"when\": []}",
                 "/given/bigcommerce/inactivty_days: unknown key; known "
                 "keys: store_hash, store_id,",
                 "/given/bigcommerce/webhook/inactivty_days: unknown key; "
                 "known keys: retry_schedule_s, inactivity_days, "
                 "sign_standard, sign_x_bc_signature, timeout_ms, "
                 "allow_private_destinations\n",
                 "/given/bigcommerce/store_hash: must be a string",
                 "/given/epicor/users/0/usernme: unknown key; known keys: "
                 "username, password, company\n",
                 "/given/epicor/users/1: must be an object",
                 "/given/woocommerce/keys: must be an array",
                 "/given/static/ech: unknown key; known keys: routes, echo, "
                 "faults\n",
                 NULL);
}

static void secret_references_must_resolve(void **state)
{
    refused_with(*state,
                 "{\"name\": \"x\", \"given\": {\"connector\": {\"epicor\": "
                 "{\"password\": \"p\"}}}, \"when\": [], \"then\": "
                 "{\"log_must_contain\": [\"$secret:epicor.password\", "
                 "\"$secret:epicor.api_key\", \"$secret:nodot\"]}}",
                 "/then/log_must_contain/1",
                 "/then/log_must_contain/2: must be \"$secret:", NULL);
}

static void non_object_clock_and_connector_are_refused(void **state)
{
    refused_with(*state,
                 "{\"name\": \"x\", \"given\": {\"clock\": [1], "
                 "\"connector\": [{}]}, \"when\": []}",
                 "/given/clock: must be an object",
                 "/given/connector: must be an object", NULL);
}

static void duplicate_keys_are_refused(void **state)
{
    refused_with(*state,
                 "{\"name\": \"x\", \"given\": {\"epicor\": {\"instance\": "
                 "\"A\", \"instance\": {\"$fixture\": "
                 "\"epicor/parts/three.json\"}}}, \"when\": [], \"when\": []}",
                 "/given/epicor/instance: duplicate key \"instance\"",
                 "/when: duplicate key \"when\"", NULL);
}

static void unreadable_file_is_a_clear_error(void **state)
{
    struct kh_scenario *sc = NULL;
    char err[512];

    (void)state;
    assert_int_equal(kh_scenario_load(&sc, "/nonexistent/s.json", FIXTURES, err,
                                      sizeof(err)),
                     -1);
    assert_null(sc);
    assert_non_null(strstr(err, "/nonexistent/s.json"));
    assert_non_null(strstr(err, "cannot read"));
}

static void tiny_error_buffer_is_still_terminated(void **state)
{
    struct tmp *t = *state;
    struct kh_scenario *sc = NULL;
    char err[16];

    memset(err, 'x', sizeof(err));
    assert_int_equal(load(t, "[1, 2", &sc, err, sizeof(err)), -1);
    assert_true(memchr(err, '\0', sizeof(err)) != NULL);
}

static void json_pointer_follows_rfc6901(void **state)
{
    cJSON *doc = cJSON_Parse("{\"a\": [10, {\"b/c\": 1, \"m~n\": 2}], "
                             "\"\": 3}");
    char buf[64] = "";

    (void)state;
    assert_non_null(doc);
    assert_ptr_equal(kh_json_pointer(doc, ""), doc);
    assert_int_equal(kh_json_pointer(doc, "/a/0")->valueint, 10);
    assert_int_equal(kh_json_pointer(doc, "/a/1/b~1c")->valueint, 1);
    assert_int_equal(kh_json_pointer(doc, "/a/1/m~0n")->valueint, 2);
    assert_int_equal(kh_json_pointer(doc, "/")->valueint, 3);
    assert_null(kh_json_pointer(doc, "/a/2"));
    assert_null(kh_json_pointer(doc, "/a/01")); /* no leading zeros */
    assert_null(kh_json_pointer(doc, "/a/-1"));
    assert_null(kh_json_pointer(doc, "a"));       /* must start with '/' */
    assert_null(kh_json_pointer(doc, "/a/1/~2")); /* bad escape */
    kh_json_pointer_append(buf, sizeof(buf), "x/y~z");
    kh_json_pointer_append_index(buf, sizeof(buf), 7);
    assert_string_equal(buf, "/x~1y~0z/7");
    cJSON_Delete(doc);
}

/* ---- pointer maps ---------------------------------------------------- */

static void pointer_maps_load_with_their_matchers(void **state)
{
    struct kh_scenario *sc = NULL;
    char err[2048];

    if (load(*state,
             "{\"name\": \"x\", " GIVEN_BC ", \"when\": ["
             "{\"do\": \"run\", \"job\": \"bigcommerce.list_products\","
             " \"expect_result\": {\"/count\": 3, \"\": {\"$count\": 2},"
             " \"/rows/0/a~1b\": {\"deep\": [1]}, \"/gone\": {\"$absent\": "
             "true}}},"
             "{\"do\": \"wait\", \"until\": {\"bigcommerce\": "
             "{\"/products\": {\"$count\": 0}}}}],"
             " \"then\": {\"state\": {\"bigcommerce\": {\"/products\": "
             "{\"$count\": 0}, \"/orders/0\": {\"$absent\": true}, "
             "\"/store_hash\": \"s1\", \"/two\": {\"a\": 1, \"$b\": 2}, "
             "\"/products/[sku=W-1]/price\": 12.5, "
             "\"/orders/[email=a~1b@c]/x/[k=]\": {\"$absent\": true}}}}}",
             &sc, err, sizeof(err)) != 0)
        fail_msg("refused:\n%s", err);
    kh_scenario_free(sc);
}

static void bad_pointer_maps_are_refused(void **state)
{
    refused_with(*state,
                 "{\"name\": \"x\", " GIVEN_BC ", \"when\": ["
                 "{\"do\": \"act\", \"system\": \"bigcommerce\", \"action\":"
                 " \"a\", \"expect_result\": {\"count\": 1, \"/a~2\": 1,"
                 " \"/n\": {\"$count\": -1}, \"/h\": {\"$count\": 1.5}}},"
                 "{\"do\": \"wait\", \"until\": {\"bigcommerce\": [1]}}],"
                 " \"then\": {\"state\": {\"bigcommerce\": {\"/f\": "
                 "{\"$absent\": false}, \"/e\": {\"$exists\": true}, "
                 "\"/p/[sku]/price\": 1, \"/p/[=x]\": 1, \"/p/[sku=x\": 1}}}}",
                 "/when/0/expect_result/count: key \"count\" is not a JSON "
                 "pointer",
                 "/when/0/expect_result/~1a~02: key \"/a~2\" is not a JSON",
                 "/when/0/expect_result/~1n: an object of one \"$\" member "
                 "must be a matcher: {\"$count\": N}",
                 "/when/0/expect_result/~1h: an object of one",
                 "/when/1/until/bigcommerce: must be an object mapping JSON "
                 "pointers",
                 "/then/state/bigcommerce/~1f: an object of one",
                 "/then/state/bigcommerce/~1e: an object of one",
                 "/then/state/bigcommerce/~1p~1[sku]~1price: key "
                 "\"/p/[sku]/price\" is not a JSON pointer: a reference "
                 "token starting with '[' selects an entry by a member and "
                 "must read [name=value]",
                 "/then/state/bigcommerce/~1p~1[=x]: key",
                 "/then/state/bigcommerce/~1p~1[sku=x: key", NULL);
}

/* The old {"system", "pointer", "count" | "equals" | "exists"} form is
 * refused, each with the text to write instead. */
static void old_state_form_is_refused_with_its_rewriting(void **state)
{
    refused_with(
        *state,
        "{\"name\": \"x\", " GIVEN_BC ", \"when\": [{\"do\": \"wait\", "
        "\"until\": {\"system\": \"bigcommerce\", \"pointer\": \"/d/1/s\", "
        "\"equals\": 200}}], \"then\": {\"state\": ["
        "{\"system\": \"bigcommerce\", \"pointer\": \"/products\", "
        "\"count\": 3},"
        "{\"system\": \"bigcommerce\", \"pointer\": \"/o\", \"exists\": "
        "false}]}}",
        "/when/0/until: the {\"system\", \"pointer\", "
        "\"count\"/\"equals\"/\"exists\"} form is gone; write a map from "
        "system to JSON pointer to expected value instead: "
        "{\"bigcommerce\":{\"/d/1/s\":200}}",
        "/then/state/0: the {\"system\"",
        "instead: {\"bigcommerce\":{\"/products\":{\"$count\":3}}}",
        "/then/state/1: the {\"system\"",
        "instead: {\"bigcommerce\":{\"/o\":{\"$absent\":true}}}", NULL);
}

/* What the credential check of every scenario does is not restated. */
static void restated_credential_checks_are_refused(void **state)
{
    refused_with(*state,
                 "{\"name\": \"x\", \"given\": {\"connector\": {\"epicor\": "
                 "{\"password\": \"p\"}}}, \"when\": [], \"then\": "
                 "{\"log_must_not_contain\": [\"plain\", "
                 "\"$secret:epicor.password\"], \"no_secret_in_urls\": true}}",
                 "/then/log_must_not_contain/1: $secret:epicor.password: "
                 "every configured credential is kept out of the log and the "
                 "URLs by default; delete this entry",
                 "/then/no_secret_in_urls: is gone", NULL);
}

static void credentials_opt_out_needs_places_and_a_reason(void **state)
{
    struct kh_scenario *sc = NULL;
    char err[1024];

    refused_with(*state,
                 "{\"name\": \"x\", \"given\": {}, \"when\": [], \"then\": "
                 "{\"credentials_may_appear\": {\"in\": [\"urls\", "
                 "\"headers\"], \"reason\": \"\"}}}",
                 "/then/credentials_may_appear/in/1: must be \"log\", "
                 "\"urls\" or \"journal\"",
                 "/then/credentials_may_appear/reason: must say why", NULL);
    refused_with(*state,
                 "{\"name\": \"x\", \"given\": {}, \"when\": [], \"then\": "
                 "{\"credentials_may_appear\": {\"in\": [\"log\"]}}}",
                 "/then/credentials_may_appear: missing \"reason\"", NULL);
    assert_int_equal(load(*state,
                          "{\"name\": \"x\", \"given\": {}, \"when\": [], "
                          "\"then\": {\"credentials_may_appear\": {\"in\": "
                          "[\"log\", \"urls\", \"journal\"], \"reason\": "
                          "\"why\"}}}",
                          &sc, err, sizeof(err)),
                     0);
    kh_scenario_free(sc);
}

/* ---- the name and the file name -------------------------------------- */

static void stem_of_a_name(void **state)
{
    char out[64];

    (void)state;
    kh_scenario_stem(out, sizeof(out), "The store's quota: 429");
    assert_string_equal(out, "the-stores-quota-429");
    kh_scenario_stem(out, sizeof(out), "  --per_page over 100!-- ");
    assert_string_equal(out, "per-page-over-100");
    kh_scenario_stem(out, sizeof(out), "EFx: published, staging");
    assert_string_equal(out, "efx-published-staging");
    kh_scenario_stem(out, sizeof(out), "?!");
    assert_string_equal(out, "");
    kh_scenario_stem(out, 4, "abcdef");
    assert_string_equal(out, "abc");
}

static void name_must_give_the_file_name(void **state)
{
    struct tmp *t = *state;
    struct kh_scenario *sc = NULL;
    char err[1024];

    refused_with(t, "{\"name\": \"y z\", \"given\": {}, \"when\": []}",
                 "/name: \"y z\" names the file y-z.json, but it is x.json: "
                 "rename the file (git mv) or reword the name",
                 NULL);
    refused_with(t, "{\"name\": \"--\", \"given\": {}, \"when\": []}",
                 "/name: must hold letters or digits", NULL);
    /* Case and punctuation are free. */
    assert_int_equal(load(t, "{\"name\": \"X!\", \"given\": {}, \"when\": []}",
                          &sc, err, sizeof(err)),
                     0);
    assert_string_equal(sc->name, "X!");
    kh_scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(good_scenario_loads_with_fixture_resolved),
        T(malformed_json_names_line_and_column),
        T(trailing_garbage_is_refused),
        T(missing_members_and_unknown_keys),
        T(unknown_step_kind_and_job),
        T(background_integration_steps_load),
        T(background_integration_steps_pair_up),
        T(oee_events_and_requests_to_the_integration),
        T(unknown_option_is_refused_with_the_jobs_list),
        T(known_options_load),
        T(every_listed_option_loads),
        T(bad_types_are_named_by_pointer),
        T(missing_fixture_and_escaping_path),
        T(jsonl_fixture_loads_past_the_file_limit),
        T(jsonl_fixture_names_the_bad_line),
        T(systems_must_be_configured_emulators),
        T(unknown_emulator_in_given),
        T(emulator_key_typos_are_refused_with_their_pointer),
        T(secret_references_must_resolve),
        T(non_object_clock_and_connector_are_refused),
        T(duplicate_keys_are_refused),
        T(unreadable_file_is_a_clear_error),
        T(tiny_error_buffer_is_still_terminated),
        T(json_pointer_follows_rfc6901),
        T(pointer_maps_load_with_their_matchers),
        T(bad_pointer_maps_are_refused),
        T(old_state_form_is_refused_with_its_rewriting),
        T(restated_credential_checks_are_refused),
        T(credentials_opt_out_needs_places_and_a_reason),
        T(stem_of_a_name),
        T(name_must_give_the_file_name),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
