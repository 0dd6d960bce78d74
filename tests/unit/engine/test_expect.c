/*
 * Pointer maps that select entries by a member ("[sku=WIDGET-100]")
 * instead of by position: the selection itself (kh_json_pointer_select),
 * its syntax check, and the expectations built on it, whose failures must
 * say "no entry has sku X" or "two entries have it" rather than report
 * wrong data. The conformance suite's own expectations hold whatever order
 * the products were created in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "engine.h"
#include "run_int.h"

static const char *const PRODUCTS =
    "{\"products\": ["
    "{\"id\": 100, \"sku\": \"WIDGET-100\", \"price\": 12.5, "
    "\"inventory_level\": 150, \"name\": \"Widget, steel, 100 mm\"},"
    "{\"id\": 101, \"sku\": \"WIDGET-200\", \"price\": 19.95, "
    "\"inventory_level\": 0, \"name\": \"Widget, steel, 200 mm\"},"
    "{\"id\": 102, \"sku\": \"GADGET-1\", \"price\": 149, "
    "\"inventory_level\": 7, \"name\": \"Gadget with O'Brien clip\"}]}";

/* PRODUCTS with its array reversed: the same data created in the other
 * order. */
static cJSON *reversed_products(void)
{
    cJSON *doc = cJSON_Parse(PRODUCTS), *rev = cJSON_CreateArray();
    cJSON *list = cJSON_DetachItemFromObject(doc, "products");

    while (cJSON_GetArraySize(list) > 0)
        cJSON_AddItemToArray(
            rev, cJSON_DetachItemFromArray(list, cJSON_GetArraySize(list) - 1));
    cJSON_Delete(list);
    cJSON_AddItemToObject(doc, "products", rev);
    return doc;
}

static enum kh_pointer_status select_in(const cJSON *doc, const char *pointer,
                                        const cJSON **got, char *why,
                                        size_t whysz)
{
    return kh_json_pointer_select(got, doc, pointer, why, whysz);
}

static void selector_picks_the_entry_with_that_member(void **state)
{
    cJSON *doc = cJSON_Parse(PRODUCTS);
    const cJSON *got;
    char why[512];

    (void)state;
    assert_int_equal(select_in(doc, "/products/[sku=GADGET-1]/price", &got, why,
                               sizeof(why)),
                     KH_POINTER_FOUND);
    assert_int_equal(got->valueint, 149);
    /* A number member matches the value read as JSON. */
    assert_int_equal(
        select_in(doc, "/products/[id=101]/sku", &got, why, sizeof(why)),
        KH_POINTER_FOUND);
    assert_string_equal(got->valuestring, "WIDGET-200");
    assert_int_equal(
        select_in(doc, "/products/[price=19.95]/id", &got, why, sizeof(why)),
        KH_POINTER_FOUND);
    assert_int_equal(got->valueint, 101);
    /* Plain RFC 6901 keeps working beside it, and the selected entry can
     * be the end of the pointer. */
    assert_ptr_equal(kh_json_pointer(doc, "/products/2"),
                     kh_json_pointer(doc, "/products/[sku=GADGET-1]"));
    cJSON_Delete(doc);
}

static void
selector_values_use_rfc6901_escapes_and_may_hold_brackets(void **state)
{
    cJSON *doc =
        cJSON_Parse("{\"rows\": {\"a\": {\"path\": \"a/b~c\", \"n\": 1},"
                    " \"b\": {\"path\": \"x]=[y\", \"n\": 2},"
                    " \"c\": {\"on\": true, \"n\": 3}, \"d\": {\"k=v\": 1}}}");
    const cJSON *got;

    (void)state;
    /* Member values of an object are selected from too. */
    assert_non_null(got = kh_json_pointer(doc, "/rows/[path=a~1b~0c]/n"));
    assert_int_equal(got->valueint, 1);
    /* The value runs to the token's final ']': '=' and ']' may be in it. */
    assert_non_null(got = kh_json_pointer(doc, "/rows/[path=x]=[y]/n"));
    assert_int_equal(got->valueint, 2);
    assert_non_null(got = kh_json_pointer(doc, "/rows/[on=true]/n"));
    assert_int_equal(got->valueint, 3);
    /* The name ends at the first '=': a member named "k=v" is not
     * selectable, and "[k=v=1]" looks for member "k" holding "v=1". */
    assert_null(kh_json_pointer(doc, "/rows/[k=v=1]"));
    /* A string member matches its text only. */
    assert_null(kh_json_pointer(doc, "/rows/[path=1]"));
    cJSON_Delete(doc);
}

static void no_match_lists_what_is_there(void **state)
{
    cJSON *doc = cJSON_Parse(PRODUCTS);
    const cJSON *got = (const cJSON *)doc;
    char why[512];

    (void)state;
    assert_int_equal(select_in(doc, "/products/[sku=WIDGET-999]/price", &got,
                               why, sizeof(why)),
                     KH_POINTER_NOTHING);
    assert_null(got);
    assert_string_equal(why, "no entry of /products has sku \"WIDGET-999\" "
                             "(3 there; sku \"WIDGET-100\", sku "
                             "\"WIDGET-200\", sku \"GADGET-1\")");
    assert_int_equal(
        select_in(doc, "/products/0/sku/[a=b]", &got, why, sizeof(why)),
        KH_POINTER_NOTHING);
    assert_non_null(strstr(why, "/products/0/sku is no array or object"));
    /* A plain pointer to nothing says nothing more. */
    assert_int_equal(select_in(doc, "/products/7", &got, why, sizeof(why)),
                     KH_POINTER_NOTHING);
    assert_string_equal(why, "");
    cJSON_Delete(doc);
}

static void more_than_one_match_is_ambiguous(void **state)
{
    cJSON *doc =
        cJSON_Parse("{\"orders\": [{\"CustNum\": 10, \"OrderNum\": 5000},"
                    " {\"CustNum\": 11, \"OrderNum\": 5001},"
                    " {\"CustNum\": 10, \"OrderNum\": 5002}]}");
    const cJSON *got;
    char why[512];

    (void)state;
    assert_int_equal(
        select_in(doc, "/orders/[CustNum=10]/OrderNum", &got, why, sizeof(why)),
        KH_POINTER_AMBIGUOUS);
    assert_null(got);
    assert_string_equal(why, "2 entries of /orders have CustNum \"10\" (the "
                             "first two at 0 and 2): a selector must pick "
                             "exactly one");
    assert_null(kh_json_pointer(doc, "/orders/[CustNum=10]"));
    cJSON_Delete(doc);
}

static void malformed_selectors_are_not_pointers(void **state)
{
    static const char *const bad[] = {"/p/[sku]",  "/p/[=x]",   "/p/[sku=x",
                                      "/p/[]",     "/p/[s=x]y", "no-slash",
                                      "/p/[s=~2]", NULL};
    static const char *const good[] = {"",          "/",         "/p/[s=]",
                                       "/p/[s=x]",  "/p/x[s=y]", "/a~1[b=c]",
                                       "/p/[s=]]]", NULL};
    char why[256];

    (void)state;
    for (const char *const *p = bad; *p; p++) {
        const cJSON *got;
        cJSON *doc = cJSON_CreateObject();

        if (kh_json_pointer_check(*p, why, sizeof(why)) != -1)
            fail_msg("%s accepted", *p);
        assert_true(why[0] != '\0');
        assert_int_equal(kh_json_pointer_select(&got, doc, *p, NULL, 0),
                         KH_POINTER_BAD);
        cJSON_Delete(doc);
    }
    for (const char *const *p = good; *p; p++) {
        if (kh_json_pointer_check(*p, why, sizeof(why)) != 0)
            fail_msg("%s refused: %s", *p, why);
    }
    assert_int_equal(kh_json_pointer_check("/p/[sku]", why, sizeof(why)), -1);
    assert_non_null(strstr(why, "must read [name=value]"));
}

/* ---- expectations ------------------------------------------------------ */

/* Runs the pointer map (JSON text) against doc on a bare context; returns
 * whether it held, with the explanations in *details (caller frees). */
static int expect(const char *map_text, const cJSON *doc, char **details)
{
    struct kh_ctx ctx;
    cJSON *map = cJSON_Parse(map_text);
    int ok;

    assert_non_null(map);
    memset(&ctx, 0, sizeof(ctx));
    ok = kh__expect_pointers(&ctx, map, doc, "bigcommerce state",
                             "/then/state/bigcommerce", 0);
    assert_int_equal(ctx.failures == 0, ok);
    *details = kh__text_take(&ctx.details);
    kh__text_dispose(&ctx.log);
    kh__ctx_release(&ctx); /* the rules kh__check noted */
    cJSON_Delete(map);
    return ok;
}

static const char *const KEYED =
    "{\"/products\": {\"$count\": 3},"
    " \"/products/[sku=WIDGET-100]/price\": 12.5,"
    " \"/products/[sku=WIDGET-100]/inventory_level\": 150,"
    " \"/products/[sku=GADGET-1]/inventory_level\": 7,"
    " \"/products/[sku=GONE]\": {\"$absent\": true}}";

static void keyed_map_holds_in_either_order(void **state)
{
    cJSON *doc = cJSON_Parse(PRODUCTS), *rev = reversed_products();
    char *details;

    (void)state;
    assert_true(expect(KEYED, doc, &details));
    free(details);
    assert_true(expect(KEYED, rev, &details));
    free(details);
    /* By position, the reversed data reads as wrong data: what the key
     * form exists to avoid. */
    assert_false(
        expect("{\"/products/0/sku\": \"WIDGET-100\"}", rev, &details));
    assert_non_null(strstr(details, "expected \"WIDGET-100\", found "
                                    "\"GADGET-1\""));
    free(details);
    cJSON_Delete(doc);
    cJSON_Delete(rev);
}

static void keyed_failures_say_which_entry_is_missing_or_wrong(void **state)
{
    cJSON *doc = cJSON_Parse(PRODUCTS);
    char *details;

    (void)state;
    assert_false(expect("{\"/products/[sku=WIDGET-100]/price\": 12.49,"
                        " \"/products/[sku=NOPE]/price\": 1,"
                        " \"/products/[sku=NOPE]/x\": {\"$count\": 0}}",
                        doc, &details));
    assert_non_null(strstr(details, "/then/state/bigcommerce/~1products~1["
                                    "sku=WIDGET-100]~1price: bigcommerce "
                                    "state /products/[sku=WIDGET-100]/price:"
                                    " expected 12.49, found 12.5"));
    assert_non_null(strstr(details, "/products/[sku=NOPE]/price: expected 1,"
                                    " found nothing: no entry of /products "
                                    "has sku \"NOPE\" (3 there; sku "
                                    "\"WIDGET-100\""));
    assert_non_null(strstr(details, "/products/[sku=NOPE]/x: expected 0 "
                                    "entries, found nothing: no entry of"));
    free(details);
    cJSON_Delete(doc);
}

static void ambiguous_selector_fails_even_for_absent(void **state)
{
    cJSON *doc = cJSON_Parse("{\"c\": [{\"e\": \"x@y\"}, {\"e\": \"x@y\"}]}");
    char *details;

    (void)state;
    assert_false(
        expect("{\"/c/[e=x@y]\": {\"$absent\": true}}", doc, &details));
    assert_non_null(strstr(details, "2 entries of /c have e \"x@y\""));
    free(details);
    assert_false(expect("{\"/c/[e=x@y]/e\": \"x@y\"}", doc, &details));
    free(details);
    cJSON_Delete(doc);
}

/* The conformance scenario's own state expectations pass on the products
 * the reference connector makes and on the same products made in reverse
 * order. */
static void conformance_expectations_do_not_depend_on_order(void **state)
{
    struct kh_scenario *sc = NULL;
    char err[2048], *details;
    const cJSON *map;
    cJSON *doc = cJSON_Parse(PRODUCTS), *rev = reversed_products();

    (void)state;
    if (kh_scenario_load(&sc,
                         KS_SOURCE_DIR "/scenarios/conformance/parts-reach-"
                                       "bigcommerce-with-prices-and-stock.json",
                         NULL, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    map = kh_json_pointer(sc->doc, "/then/state/bigcommerce");
    assert_non_null(map);
    {
        char *text = cJSON_PrintUnformatted(map);

        assert_true(expect(text, doc, &details));
        free(details);
        assert_true(expect(text, rev, &details));
        free(details);
        /* ... and it notices wrong data in either order. */
        cJSON_ReplaceItemInObject(
            cJSON_GetArrayItem(cJSON_GetObjectItem(rev, "products"), 0),
            "inventory_level", cJSON_CreateNumber(8));
        assert_false(expect(text, rev, &details));
        assert_non_null(strstr(details, "[sku=GADGET-1]/inventory_level: "
                                        "expected 7, found 8"));
        free(details);
        cJSON_free(text);
    }
    kh_scenario_free(sc);
    cJSON_Delete(doc);
    cJSON_Delete(rev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(selector_picks_the_entry_with_that_member),
        cmocka_unit_test(
            selector_values_use_rfc6901_escapes_and_may_hold_brackets),
        cmocka_unit_test(no_match_lists_what_is_there),
        cmocka_unit_test(more_than_one_match_is_ambiguous),
        cmocka_unit_test(malformed_selectors_are_not_pointers),
        cmocka_unit_test(keyed_map_holds_in_either_order),
        cmocka_unit_test(keyed_failures_say_which_entry_is_missing_or_wrong),
        cmocka_unit_test(ambiguous_selector_fails_even_for_absent),
        cmocka_unit_test(conformance_expectations_do_not_depend_on_order),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
