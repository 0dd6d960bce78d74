/* The order and product lists answer from each object's kept text
 * (storefront.h): after every kind of write, the lists read again show
 * the write, and each listed object is what its own GET (built afresh)
 * answers. _fields still narrows a list. Raw HTTP. */
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

extern const struct km_emulator_type km_woocommerce_type;

#define AUTH "Authorization: Basic Y2tfZ29vZDpjc19nb29k" /* ck_good:cs_good */
#define CONFIG                                                                 \
    "{\"keys\":[{\"consumer_key\":\"ck_good\",\"consumer_secret\":"            \
    "\"cs_good\"}],\"products\":[{\"name\":\"A\",\"sku\":\"A-1\","             \
    "\"regular_price\":\"1.00\",\"manage_stock\":true,\"stock_quantity\":9},"  \
    "{\"name\":\"B\",\"sku\":\"B-1\",\"regular_price\":\"2.00\"}]}"

struct fx {
    struct ks_clock *clock;
    struct km_emulator *emu;
    const char *url;
};

static void call(struct fx *f, struct kt_reply *r, const char *method,
                 const char *path, const char *body)
{
    const char *headers[] = {AUTH, "Content-Type: application/json", NULL};
    struct kt_request rq = {.method = method, .headers = headers, .body = body};
    char url[512];

    snprintf(url, sizeof(url), "%s/wp-json/wc/v3%s", f->url, path);
    kt_http(r, url, &rq);
    assert_int_equal(r->cc, CURLE_OK);
}

/* A write that must succeed (any 2xx); the id of the object it answers
 * (0 when none). */
static int64_t write_ok(struct fx *f, const char *method, const char *path,
                        const char *body)
{
    struct kt_reply r;
    cJSON *o, *id;
    int64_t out = 0;

    call(f, &r, method, path, body);
    if (r.status < 200 || r.status > 299)
        fail_msg("%s %s: %ld %s", method, path, r.status, r.body);
    o = cJSON_Parse(r.body);
    id = cJSON_GetObjectItem(o, "id");
    if (cJSON_IsNumber(id) && id->valuedouble > 0)
        out = (int64_t)id->valuedouble;
    cJSON_Delete(o);
    kt_reply_dispose(&r);
    return out;
}

static cJSON *get_json(struct fx *f, const char *path)
{
    struct kt_reply r;
    cJSON *o;

    call(f, &r, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    o = cJSON_Parse(r.body);
    assert_non_null(o);
    kt_reply_dispose(&r);
    return o;
}

/* The list of kind ("orders", "products") printed; with fresh, built from
 * each listed object's own GET instead. */
static char *listing(struct fx *f, const char *kind, int fresh)
{
    char path[128];
    cJSON *list, *it;
    char *out;

    snprintf(path, sizeof(path), "/%s?per_page=100", kind);
    list = get_json(f, path);
    if (fresh) {
        cJSON *singles = cJSON_CreateArray();

        cJSON_ArrayForEach(it, list)
        {
            snprintf(path, sizeof(path), "/%s/%d", kind,
                     cJSON_GetObjectItem(it, "id")->valueint);
            cJSON_AddItemToArray(singles, get_json(f, path));
        }
        cJSON_Delete(list);
        list = singles;
    }
    out = cJSON_PrintUnformatted(list);
    assert_non_null(out);
    cJSON_Delete(list);
    return out;
}

/* What a write is; method NULL: the action named path with args body. */
struct write {
    const char *what;
    const char *method;
    const char *path;
    const char *body;
    int may_keep; /* the write need not change a listed object */
};

static const char *const kinds[] = {"orders", "products"};

/* Both lists read (twice, so the second answers from the kept texts),
 * the write, both lists again: at least one shows a change (unless
 * may_keep), and each matches its objects' own GETs. */
static void check_write(struct fx *f, const struct write *w)
{
    char *before[2], *after, *fresh;
    int changed = 0;

    for (int k = 0; k < 2; k++) {
        before[k] = listing(f, kinds[k], 0);
        free(listing(f, kinds[k], 0));
    }
    if (w->method)
        write_ok(f, w->method, w->path, w->body);
    else
        cJSON_Delete(kt_act(f->emu, w->path, w->body));
    for (int k = 0; k < 2; k++) {
        after = listing(f, kinds[k], 0);
        fresh = listing(f, kinds[k], 1);
        if (strcmp(after, fresh) != 0)
            fail_msg("%s: %s list kept a stale text:\n%s\nfresh:\n%s", w->what,
                     kinds[k], after, fresh);
        changed |= strcmp(before[k], after) != 0;
        free(before[k]);
        free(after);
        free(fresh);
    }
    if (!changed && !w->may_keep)
        fail_msg("%s: the write changed nothing in the lists", w->what);
}

static void every_write_shows_in_the_next_list(void **state)
{
    struct fx f;
    char order[64], notes[80], refunds[80], batch[160], upd[96], refund[96];
    char cat[64], assign[96];
    int64_t oid, cid;
    char *narrow;

    (void)state;
    assert_int_equal(ks_clock_new_virtual(&f.clock, KT_START_MS), KS_OK);
    f.emu = kt_emulator_start(&km_woocommerce_type, CONFIG, f.clock);
    f.url = km_server_url(f.emu->server);
    oid = write_ok(&f, "POST", "/orders",
                   "{\"billing\":{\"email\":\"a@example.com\"},"
                   "\"line_items\":[{\"product_id\":100,\"quantity\":1}]}");
    assert_true(oid > 0);
    cid = write_ok(&f, "POST", "/products/categories", "{\"name\":\"Tools\"}");
    assert_true(cid > 0);
    snprintf(order, sizeof(order), "/orders/%lld", (long long)oid);
    snprintf(notes, sizeof(notes), "%s/notes", order);
    snprintf(refunds, sizeof(refunds), "%s/refunds", order);
    snprintf(batch, sizeof(batch),
             "{\"update\":[{\"id\":%lld,\"customer_note\":\"ring twice\"}]}",
             (long long)oid);
    snprintf(upd, sizeof(upd), "{\"id\":%lld,\"status\":\"on-hold\"}",
             (long long)oid);
    snprintf(refund, sizeof(refund), "{\"order_id\":%lld,\"amount\":\"0.25\"}",
             (long long)oid);
    snprintf(cat, sizeof(cat), "/products/categories/%lld", (long long)cid);
    snprintf(assign, sizeof(assign), "{\"categories\":[{\"id\":%lld}]}",
             (long long)cid);
    {
        const struct write writes[] = {
            {"order update", "PUT", order, "{\"status\":\"processing\"}", 0},
            {"order batch", "POST", "/orders/batch", batch, 0},
            {"order create", "POST", "/orders",
             "{\"line_items\":[{\"product_id\":101,\"quantity\":2}]}", 0},
            {"order note", "POST", notes, "{\"note\":\"packed\"}", 1},
            {"refund", "POST", refunds, "{\"amount\":\"0.25\"}", 0},
            {"place_order action", NULL, "place_order",
             "{\"line_items\":[{\"product_id\":100,\"quantity\":1}]}", 0},
            {"update_order action", NULL, "update_order", upd, 0},
            {"add_refund action", NULL, "add_refund", refund, 0},
            {"product update", "PUT", "/products/100",
             "{\"regular_price\":\"3.00\"}", 0},
            {"product batch", "POST", "/products/batch",
             "{\"update\":[{\"id\":101,\"name\":\"Bee\"}]}", 0},
            {"product create", "POST", "/products",
             "{\"name\":\"C\",\"sku\":\"C-1\"}", 0},
            {"product category", "PUT", "/products/100", assign, 0},
            {"category rename", "PUT", cat, "{\"name\":\"Hand tools\"}", 0},
            {"order delete", "DELETE", order, NULL, 0},
            {"product delete", "DELETE", "/products/101?force=true", NULL, 0},
        };

        for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++)
            check_write(&f, &writes[i]);
    }
    /* _fields narrows the listed orders as before. */
    {
        struct kt_reply r;

        call(&f, &r, "GET", "/orders?_fields=id,status", NULL);
        assert_int_equal(r.status, 200);
        narrow = r.body;
        assert_non_null(strstr(narrow, "\"status\":"));
        assert_null(strstr(narrow, "\"billing\""));
        kt_reply_dispose(&r);
    }
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
