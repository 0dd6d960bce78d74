/*
 * The configuration of `kinsync sync` (ops/src/config*.c): the
 * single-tenant file is one implicit connection, "connections" gives
 * several, each with its own sections, flows and state; every problem is
 * one line naming the JSON pointer of the member at fault.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "ops.h"

#define EPICOR                                                                 \
    "{\"server_url\": \"https://erp.example\", \"instance\": \"i\", "          \
    "\"company\": \"%s\", \"auth\": \"basic\", \"username\": \"u\", "          \
    "\"password\": {\"$secret\": \"epi.pw\"}, \"api_key\": {\"$secret\": "     \
    "\"epi.key\"}}"
#define BC                                                                     \
    "{\"store_hash\": \"%s\", \"access_token\": {\"$secret\": \"bc.token\"}}"

struct fx {
    char dir[64], path[96], errpath[96];
    char err[8192];
    struct kh__sync_config cfg;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/kinsync-config-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/kinsync.json", f->dir);
    snprintf(f->errpath, sizeof(f->errpath), "%s/stderr", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    kh__sync_config_dispose(&f->cfg);
    unlink(f->path);
    unlink(f->errpath);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Writes the file, loads it with stderr captured into f->err. */
static int load(struct fx *f, const char *text)
{
    FILE *out = fopen(f->path, "w"), *saved = stderr, *e;
    size_t n;
    int rc;

    assert_non_null(out);
    kh__sync_config_dispose(&f->cfg); /* a test may load twice */
    fputs(text, out);
    fclose(out);
    e = fopen(f->errpath, "w+");
    assert_non_null(e);
    stderr = e;
    rc = kh__sync_config_load(&f->cfg, "test", f->path);
    stderr = saved;
    rewind(e);
    n = fread(f->err, 1, sizeof(f->err) - 1, e);
    f->err[n] = '\0';
    fclose(e);
    return rc;
}

static void single_tenant_file_is_one_implicit_connection(void **state)
{
    struct fx *f = *state;
    char text[2048];

    snprintf(text, sizeof(text),
             "{\"state\": \"s.db\", \"epicor\": " EPICOR
             ", \"bigcommerce\": " BC "}",
             "EPIC06", "h1");
    assert_int_equal(load(f, text), 0);
    assert_int_equal(f->cfg.nconns, 1);
    assert_false(f->cfg.named);
    assert_string_equal(f->cfg.conns[0].name, "default");
    assert_string_equal(f->cfg.conns[0].pointer, "");
    assert_non_null(strstr(f->cfg.conns[0].state_path, "/s.db"));
    assert_int_equal(f->cfg.conns[0].secret_refs, 3);
    assert_true(f->cfg.conns[0].enabled[KH__FLOW_ORDERS_BC]);
    assert_false(f->cfg.conns[0].enabled[KH__FLOW_ORDERS_WC]);
}

static void connections_each_have_sections_flows_and_a_state(void **state)
{
    struct fx *f = *state;
    char text[4096];

    snprintf(text, sizeof(text),
             "{\"state\": \"st/k.db\", \"connections\": {"
             "\"acme-bc\": {\"epicor\": " EPICOR ", \"bigcommerce\": " BC
             ", \"flows\": {\"orders.bigcommerce\": {\"every_s\": 30}}},"
             "\"beta\": {\"state\": \"beta.db\", \"epicor\": " EPICOR
             ", \"bigcommerce\": " BC "}}}",
             "ACME", "h1", "BETA", "h2");
    assert_int_equal(load(f, text), 0);
    assert_true(f->cfg.named);
    assert_int_equal(f->cfg.nconns, 2);
    assert_string_equal(f->cfg.conns[0].name, "acme-bc");
    assert_string_equal(f->cfg.conns[0].pointer, "/connections/acme-bc");
    assert_non_null(strstr(f->cfg.conns[0].state_path, "/st/k.acme-bc.db"));
    assert_non_null(strstr(f->cfg.conns[1].state_path, "/beta.db"));
    assert_string_equal(kx_json_str(f->cfg.conns[0].epicor, "company"), "ACME");
    assert_string_equal(kx_json_str(f->cfg.conns[1].epicor, "company"), "BETA");
    assert_true(f->cfg.conns[0].enabled[KH__FLOW_ORDERS_BC]);
    assert_false(f->cfg.conns[0].enabled[KH__FLOW_PARTS_BC]);
    assert_int_equal(f->cfg.conns[0].every_s[KH__FLOW_ORDERS_BC], 30);
    assert_true(f->cfg.conns[1].enabled[KH__FLOW_PARTS_BC]);
    assert_int_equal(f->cfg.conns[1].every_s[KH__FLOW_ORDERS_BC], 60);
    assert_ptr_equal(kh__sync_config_pick(&f->cfg, "beta", "test"),
                     &f->cfg.conns[1]);
}

static void problems_name_the_json_pointer(void **state)
{
    struct fx *f = *state;
    char text[4096];

    snprintf(text, sizeof(text),
             "{\"woocommerce\": {}, \"connections\": {"
             "\"acme\": {\"epicor\": " EPICOR ", \"bigcommerce\": "
             "{\"store_hash\": \"h\", \"access_token\": \"t\", \"bogus\": 1}, "
             "\"flows\": [\"orders.woocommerce\"]},"
             "\"-bad\": {\"epicor\": " EPICOR ", \"state\": "
             "\"kinsync-state.acme.db\"},"
             "\"x~y\": 3}}",
             "A", "B");
    assert_int_equal(load(f, text), KH__SYNC_EXIT_USAGE);
    assert_non_null(strstr(f->err, ": /woocommerce: belongs to a connection"));
    assert_non_null(
        strstr(f->err, ": /connections/acme/bigcommerce/bogus: unknown key"));
    assert_non_null(strstr(
        f->err, ": /connections/acme/bigcommerce/access_token is kept in "
                "plain text"));
    assert_non_null(
        strstr(f->err, ": /connections/acme/flows/orders.woocommerce: needs "
                       "the \"woocommerce\" section"));
    assert_non_null(strstr(f->err, ": /connections/-bad: a connection name"));
    assert_non_null(strstr(f->err, ": /connections/-bad: uses the state"));
    assert_non_null(strstr(f->err, ": /connections/x~0y: must be an object"));
    assert_int_equal(f->cfg.nconns, 0); /* disposed */
}

static void
picking_a_connection_needs_its_name_when_there_are_several(void **state)
{
    struct fx *f = *state;
    char text[4096];
    FILE *e, *saved = stderr;

    snprintf(text, sizeof(text),
             "{\"connections\": {\"a\": {\"epicor\": " EPICOR "}, "
             "\"b\": {\"epicor\": " EPICOR "}}}",
             "A", "B");
    assert_int_equal(load(f, text), 0);
    e = fopen(f->errpath, "w");
    assert_non_null(e);
    stderr = e;
    assert_null(kh__sync_config_pick(&f->cfg, NULL, "test"));
    assert_null(kh__sync_config_pick(&f->cfg, "c", "test"));
    stderr = saved;
    fclose(e);
    assert_ptr_equal(kh__sync_config_pick(&f->cfg, "a", "test"),
                     &f->cfg.conns[0]);
    assert_int_equal(load(f, "{\"connections\": {}}"), KH__SYNC_EXIT_USAGE);
    assert_non_null(strstr(f->err, ": /connections: holds no connection"));
}

/* A database URI cannot be shared: a named connection under a top-level
 * URI gives its own; a URI is never read beside the file; lease_s is
 * bounded. */
static void a_database_state_is_given_per_connection(void **state)
{
    struct fx *f = *state;
    char text[4096];

    snprintf(text, sizeof(text),
             "{\"state\": \"postgresql://db/k\", \"lease_s\": 4, "
             "\"connections\": {"
             "\"a\": {\"epicor\": " EPICOR "}, "
             "\"b\": {\"state\": \"postgresql://db/b\", \"epicor\": " EPICOR
             "}}}",
             "A", "B");
    assert_int_equal(load(f, text), KH__SYNC_EXIT_USAGE);
    assert_non_null(strstr(f->err, ": /connections/a: give it a \"state\""));
    assert_non_null(
        strstr(f->err, ": /lease_s: must be a whole number 5..3600"));
    assert_null(strstr(f->err, "/connections/b:"));
    snprintf(text, sizeof(text),
             "{\"connections\": {\"b\": {\"state\": \"postgresql://db/b\", "
             "\"epicor\": " EPICOR "}}}",
             "B");
    assert_int_equal(load(f, text), 0);
    assert_string_equal(f->cfg.conns[0].state_path, "postgresql://db/b");
}

/* Messages show a database URI without its password or query (libpq
 * takes "password=" there too); a path is shown as it is. */
static void a_database_uri_is_shown_without_its_password(void **state)
{
    struct fx *f = *state;
    char text[4096];

    snprintf(text, sizeof(text),
             "{\"connections\": {\"b\": {\"state\": "
             "\"postgresql://kin:hunter2@db:5433/k?password=hunter3\", "
             "\"epicor\": " EPICOR "}, "
             "\"c\": {\"state\": \"c.db\", \"epicor\": " EPICOR "}}}",
             "B", "C");
    assert_int_equal(load(f, text), 0);
    assert_string_equal(f->cfg.conns[0].state_shown,
                        "postgresql://kin@db:5433/k");
    assert_non_null(strstr(f->cfg.conns[1].state_shown, "/c.db"));
}

#define OEE_FILE                                                               \
    "\"oee\": {\"pattern\": \"file\", \"base_url\": "                          \
    "\"https://oee.example\", \"api_key\": {\"$secret\": \"oee.key\"}, "       \
    "\"default_scope\": \"S\", \"file\": {\"directory\": \"dmt\"}, "           \
    "\"write_back\": {%s}}"

/* The file pattern writes summaries only: labor and part_tran switched
 * on are said to be ignored, once each, naming their JSON pointer; the
 * load succeeds (labour needs no employee then); off, nothing is said. */
static void
file_pattern_warns_of_the_write_back_switches_it_ignores(void **state)
{
    struct fx *f = *state;
    char text[4096];
    char section[1024];
    const char *labor = "/oee/write_back/labor: ignored with pattern \"file\" "
                        "(the export carries the summaries only)";
    const char *part = "/oee/write_back/part_tran: ignored with pattern "
                       "\"file\" (the export carries the summaries only)";

    snprintf(section, sizeof(section), OEE_FILE,
             "\"labor\": true, \"part_tran\": true");
    snprintf(text, sizeof(text), "{\"epicor\": " EPICOR ", %s}", "E", section);
    assert_int_equal(load(f, text), 0);
    assert_non_null(strstr(f->err, labor));
    assert_null(strstr(strstr(f->err, labor) + 1, labor)); /* once */
    assert_non_null(strstr(f->err, part));
    assert_non_null(strstr(f->err, "test: warning: "));
    assert_null(strstr(f->err, "/oee/write_back/employee"));
    snprintf(section, sizeof(section), OEE_FILE,
             "\"labor\": false, \"part_tran\": false");
    snprintf(text, sizeof(text), "{\"epicor\": " EPICOR ", %s}", "E", section);
    assert_int_equal(load(f, text), 0);
    assert_null(strstr(f->err, "ignored with pattern"));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(single_tenant_file_is_one_implicit_connection),
        T(connections_each_have_sections_flows_and_a_state),
        T(problems_name_the_json_pointer),
        T(picking_a_connection_needs_its_name_when_there_are_several),
        T(a_database_state_is_given_per_connection),
        T(a_database_uri_is_shown_without_its_password),
        T(file_pattern_warns_of_the_write_back_switches_it_ignores),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
