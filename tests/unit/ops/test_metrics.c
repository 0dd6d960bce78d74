/*
 * The metrics registry of `kinsync sync --watch` (ops/src/metrics.c): the
 * Prometheus text exposition of declared metrics (one HELP/TYPE per
 * family, its series together, label values escaped), collectors, and
 * the /metrics endpoint over loopback.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <kx/buf.h>
#include "metrics.h"

static const struct kh_metric runs = {"test_runs_total",
                                      "Runs.",
                                      KH_METRIC_COUNTER,
                                      {"connection", "flow", NULL}};
static const struct kh_metric pending = {
    "test_pending", "Pending.", KH_METRIC_GAUGE, {"connection", NULL}};
static const struct kh_metric up = {"test_up", "Up.", KH_METRIC_GAUGE, {NULL}};

static char *render(struct kh_metrics *m)
{
    struct kx_buf b = KX_BUF_INIT;

    kh_metrics_render(&b, m);
    return b.data ? kx_buf_detach(&b) : strdup("");
}

static void empty_registry_renders_nothing(void **state)
{
    struct kh_metrics *m = kh_metrics_new();
    char *text = render(m);

    (void)state;
    assert_string_equal(text, "");
    free(text);
    kh_metrics_free(m);
}

static void families_are_written_once_with_their_series_together(void **state)
{
    struct kh_metrics *m = kh_metrics_new();
    const char *a[] = {"acme", "parts.bigcommerce"};
    const char *b[] = {"beta", "orders.woocommerce"};
    const char *pa[] = {"acme"};
    char *text;

    (void)state;
    kh_metrics_add(m, &runs, a, 1);
    kh_metrics_set(m, &pending, pa, 7);
    kh_metrics_add(m, &runs, b, 2);
    kh_metrics_add(m, &runs, a, 1);
    kh_metrics_set(m, &pending, pa, 3); /* a gauge is replaced */
    kh_metrics_set(m, &up, NULL, 1);
    text = render(m);
    assert_string_equal(
        text,
        "# HELP test_runs_total Runs.\n"
        "# TYPE test_runs_total counter\n"
        "test_runs_total{connection=\"acme\",flow=\"parts.bigcommerce\"} "
        "2\n"
        "test_runs_total{connection=\"beta\",flow=\"orders.woocommerce\"} "
        "2\n"
        "# HELP test_pending Pending.\n"
        "# TYPE test_pending gauge\n"
        "test_pending{connection=\"acme\"} 3\n"
        "# HELP test_up Up.\n"
        "# TYPE test_up gauge\n"
        "test_up 1\n");
    free(text);
    kh_metrics_free(m);
}

static void label_values_are_escaped(void **state)
{
    struct kh_metrics *m = kh_metrics_new();
    const char *v[] = {"a\"b\\c\nd"};
    char *text;

    (void)state;
    kh_metrics_set(m, &pending, v, 1.5);
    text = render(m);
    assert_non_null(strstr(text, "test_pending{connection=\"a\\\"b\\\\c\\nd\"} "
                                 "1.5\n"));
    free(text);
    kh_metrics_free(m);
}

static void refresh(struct kh_metrics *m, void *userdata)
{
    int *calls = userdata;

    kh_metrics_set(m, &up, NULL, ++*calls);
}

static void collectors_run_before_each_exposition(void **state)
{
    struct kh_metrics *m = kh_metrics_new();
    int calls = 0;
    char *text;

    (void)state;
    kh_metrics_collector(m, refresh, &calls);
    free(render(m));
    text = render(m);
    assert_int_equal(calls, 2);
    assert_non_null(strstr(text, "test_up 2\n"));
    free(text);
    kh_metrics_free(m);
}

static size_t keep(char *data, size_t size, size_t n, void *ud)
{
    kx_buf_add(ud, data, size * n);
    return size * n;
}

/* GET (or another method) url; the status, the body in b. */
static long get(const char *url, const char *method, struct kx_buf *b)
{
    CURL *h = curl_easy_init();
    long status = 0;

    assert_non_null(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    if (method)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    return status;
}

static void endpoint_serves_the_exposition_on_loopback(void **state)
{
    struct kh_metrics *m = kh_metrics_new();
    struct kh_metrics_server *s = NULL, *bad = NULL;
    struct kx_buf b = KX_BUF_INIT;
    const char *a[] = {"acme", "parts.bigcommerce"};
    char err[256], other[128];

    (void)state;
    kh_metrics_add(m, &runs, a, 4);
    assert_int_equal(kh_metrics_serve(&s, m, NULL, 0, err, sizeof(err)), 0);
    assert_memory_equal(kh_metrics_server_url(s), "http://127.0.0.1:", 17);
    assert_int_equal(get(kh_metrics_server_url(s), NULL, &b), 200);
    assert_non_null(strstr(kx_buf_str(&b),
                           "test_runs_total{connection=\"acme\","
                           "flow=\"parts.bigcommerce\"} 4\n"));
    kx_buf_reset(&b);
    assert_int_equal(get(kh_metrics_server_url(s), "POST", &b), 405);
    kx_buf_reset(&b);
    snprintf(other, sizeof(other), "%.*s/other",
             (int)(strlen(kh_metrics_server_url(s)) - 8),
             kh_metrics_server_url(s));
    assert_int_equal(get(other, NULL, &b), 404);
    kx_buf_reset(&b);
    assert_int_equal(
        kh_metrics_serve(&bad, m, "no-such-address", 0, err, sizeof(err)), -1);
    assert_null(bad);
    assert_non_null(strstr(err, "no-such-address"));
    kh_metrics_server_stop(s);
    kh_metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_registry_renders_nothing),
        cmocka_unit_test(families_are_written_once_with_their_series_together),
        cmocka_unit_test(label_values_are_escaped),
        cmocka_unit_test(collectors_run_before_each_exposition),
        cmocka_unit_test(endpoint_serves_the_exposition_on_loopback),
    };
    int rc;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
