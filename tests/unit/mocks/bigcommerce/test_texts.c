/* The product list answers from each product's kept text (storefront.h):
 * after every kind of write, the list read again shows the write, and it
 * is the same as the list built afresh (exclude_fields of no field takes
 * the tree path). include_fields still narrows. Raw HTTP. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include "kinsync.h"
#include "kinmock/emulator.h"
#include "kt.h"

extern const struct km_emulator_type km_bigcommerce_type;

/* Bolt (100, tracked by product), Nut (101), Glove (102, tracked by
 * variant: GLOVE-S and GLOVE-L). */
#define CONFIG                                                                 \
    "{\"store_hash\":\"h1\",\"access_tokens\":[\"tok_all\"],"                  \
    "\"products\":[{\"name\":\"Bolt\",\"type\":\"physical\",\"sku\":\"B1\","   \
    "\"price\":1,\"weight\":1,\"inventory_tracking\":\"product\","             \
    "\"inventory_level\":10},{\"name\":\"Nut\",\"type\":\"physical\","         \
    "\"sku\":\"N1\",\"price\":1,\"weight\":1},{\"name\":\"Glove\","            \
    "\"type\":\"physical\",\"sku\":\"GLOVE\",\"price\":4.5,\"weight\":0.1,"    \
    "\"inventory_tracking\":\"variant\",\"variants\":[{\"sku\":\"GLOVE-S\","   \
    "\"inventory_level\":30,\"option_values\":[{\"option_display_name\":"      \
    "\"Size\",\"label\":\"S\"}]},{\"sku\":\"GLOVE-L\",\"inventory_level\":12," \
    "\"option_values\":[{\"option_display_name\":\"Size\",\"label\":\"L\"}]}"  \
    "]}]}"

struct fx {
    struct ks_clock *clock;
    struct km_emulator *emu;
    const char *url;
};

static void call(struct fx *f, struct kt_reply *r, const char *method,
                 const char *path, const char *body)
{
    char url[512];
    const char *headers[] = {"X-Auth-Token: tok_all",
                             "Content-Type: application/json", NULL};
    struct kt_request rq = {.method = method, .headers = headers, .body = body};

    snprintf(url, sizeof(url), "%s/stores/h1%s", f->url, path);
    kt_http(r, url, &rq);
    assert_int_equal(r->cc, CURLE_OK);
}

/* A write that must succeed (any 2xx). */
static void write_ok(struct fx *f, const char *method, const char *path,
                     const char *body)
{
    struct kt_reply r;

    call(f, &r, method, path, body);
    if (r.status < 200 || r.status > 299)
        fail_msg("%s %s: %ld %s", method, path, r.status, r.body);
    kt_reply_dispose(&r);
}

/* The "data" of the product list, printed. tree: with exclude_fields of
 * no field, which builds every product afresh; variants: include=variants;
 * more: further arguments ("" or "&a=b"). */
static char *listing(struct fx *f, int tree, int variants, const char *more)
{
    struct kt_reply r;
    char path[256];
    cJSON *body;
    char *out;

    snprintf(path, sizeof(path), "/v3/catalog/products?limit=250%s%s%s",
             variants ? "&include=variants" : "",
             tree ? "&exclude_fields=no_such_field" : "", more);
    call(f, &r, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    body = cJSON_Parse(r.body);
    assert_non_null(body);
    out = cJSON_PrintUnformatted(cJSON_GetObjectItem(body, "data"));
    assert_non_null(out);
    cJSON_Delete(body);
    kt_reply_dispose(&r);
    return out;
}

static int64_t variant_id(struct fx *f, const char *sku)
{
    struct kt_reply r;
    char path[128];
    cJSON *body, *v;
    int64_t id;

    snprintf(path, sizeof(path), "/v3/catalog/variants?sku=%s", sku);
    call(f, &r, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    body = cJSON_Parse(r.body);
    v = cJSON_GetObjectItem(
        cJSON_GetArrayItem(cJSON_GetObjectItem(body, "data"), 0), "id");
    assert_true(cJSON_IsNumber(v) && v->valuedouble > 0);
    id = (int64_t)v->valuedouble;
    cJSON_Delete(body);
    kt_reply_dispose(&r);
    return id;
}

/* Both lists (with and without variants) read before the write (so their
 * texts are kept), then again after it: at least one shows a change, and
 * each is the list built afresh. */
struct write {
    const char *what;
    const char *method; /* NULL: the action named path, args body */
    const char *path;
    const char *body;
};

static void check_write(struct fx *f, const struct write *w)
{
    char *before[2], *after, *fresh;
    int changed = 0;

    for (int v = 0; v < 2; v++) {
        before[v] = listing(f, 0, v, "");
        free(listing(f, 0, v, "")); /* served from the texts */
    }
    if (w->method)
        write_ok(f, w->method, w->path, w->body);
    else
        cJSON_Delete(kt_act(f->emu, w->path, w->body));
    for (int v = 0; v < 2; v++) {
        after = listing(f, 0, v, "");
        fresh = listing(f, 1, v, "");
        if (strcmp(after, fresh) != 0)
            fail_msg("%s: list%s kept a stale text:\n%s\nfresh:\n%s", w->what,
                     v ? " with variants" : "", after, fresh);
        changed |= strcmp(before[v], after) != 0;
        free(before[v]);
        free(after);
        free(fresh);
    }
    if (!changed)
        fail_msg("%s: the write changed nothing in the lists", w->what);
}

static void every_write_shows_in_the_next_list(void **state)
{
    struct fx f;
    char vput[128], vbatch[128];
    char *narrow;

    (void)state;
    assert_int_equal(ks_clock_new_virtual(&f.clock, KT_START_MS), KS_OK);
    f.emu = kt_emulator_start(&km_bigcommerce_type, CONFIG, f.clock);
    f.url = km_server_url(f.emu->server);
    snprintf(vput, sizeof(vput), "/v3/catalog/products/102/variants/%lld",
             (long long)variant_id(&f, "GLOVE-S"));
    snprintf(vbatch, sizeof(vbatch), "[{\"id\":%lld,\"price\":9.5}]",
             (long long)variant_id(&f, "GLOVE-L"));
    {
        const struct write writes[] = {
            {"product update", "PUT", "/v3/catalog/products/100",
             "{\"price\":7.25}"},
            {"product batch", "PUT", "/v3/catalog/products",
             "[{\"id\":101,\"name\":\"Hex nut\"}]"},
            {"product create", "POST", "/v3/catalog/products",
             "{\"name\":\"Washer\",\"type\":\"physical\",\"sku\":\"W1\","
             "\"price\":0.1,\"weight\":0.01}"},
            {"variant update", "PUT", vput, "{\"inventory_level\":5}"},
            {"variant batch", "PUT", "/v3/catalog/variants", vbatch},
            {"variant create", "POST", "/v3/catalog/products/102/variants",
             "{\"sku\":\"GLOVE-M\",\"inventory_level\":7,\"option_values\":"
             "[{\"option_display_name\":\"Size\",\"label\":\"M\"}]}"},
            {"absolute adjustment", "PUT", "/v3/inventory/adjustments/absolute",
             "{\"reason\":\"count\",\"items\":[{\"location_id\":1,"
             "\"product_id\":100,\"quantity\":40}]}"},
            {"relative adjustment", "POST",
             "/v3/inventory/adjustments/relative",
             "{\"reason\":\"damaged\",\"items\":[{\"location_id\":1,"
             "\"sku\":\"GLOVE-S\",\"quantity\":-2}]}"},
            {"set_inventory action", NULL, "set_inventory",
             "{\"sku\":\"B1\",\"quantity\":3}"},
            {"place_order action", NULL, "place_order",
             "{\"customer\":{\"email\":\"a@b.c\"},\"lines\":[{\"sku\":\"B1\","
             "\"quantity\":1}]}"},
            {"product delete", "DELETE", "/v3/catalog/products/101", NULL},
            {"products delete", "DELETE", "/v3/catalog/products?id:in=100",
             NULL},
        };

        for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++)
            check_write(&f, &writes[i]);
    }
    /* include_fields narrows the listed products as before. */
    narrow = listing(&f, 0, 0, "&include_fields=sku");
    assert_non_null(strstr(narrow, "\"sku\":\"GLOVE\""));
    assert_null(strstr(narrow, "\"price\""));
    free(narrow);
    km_emulator_stop(f.emu);
    ks_clock_free(f.clock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_write_shows_in_the_next_list),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
