/*
 * fuzz.odata_filter: the Epicor emulator's $filter parser and evaluator
 * (mocks/src/epicor/odata_filter.c) and the BO where-clause translation
 * that feeds it, on arbitrary text.
 *
 * Invariants, beyond "no crash, no leak, no sanitizer report":
 * - a failed parse returns no tree and a message whose position lies in
 *   the text; a successful one returns a tree;
 * - evaluation against a fixed row yields 0 or 1, the same twice;
 * - "not (F)" parses whenever F does (unless that extra level passes the
 *   nesting limit) and evaluates to the opposite of F;
 * - every field the tree names is a non-empty identifier in the text;
 * - a where-clause that translates gives $filter text that parses, or a
 *   parse error (the translation does not promise valid OData).
 */
#include "fuzz.h"
#include "epicor/odata_filter.h"

#define TARGET "fuzz_odata_filter"

/* One row of every JSON type the evaluator meets, edge values included:
 * a number too large for int64 (Epicor decimals are wide), one just past
 * 2^53, a negative, an empty string, a GUID, a date string, nested
 * values (which compare as null). */
static const char row_json[] =
    "{\"PartNum\":\"WIDGET-100\",\"PartDescription\":\"O'Brien widget\","
    "\"UnitPrice\":12.5,\"SysRevID\":42,\"InActive\":false,"
    "\"ChangedOn\":\"2026-01-05T08:00:00\",\"ClassID\":null,"
    "\"SysRowID\":\"6f1c2a9e-0d4b-4c47-9f0a-1b2c3d4e5f60\",\"Qty\":-3,"
    "\"Huge\":1e300,\"Tiny\":-1e300,\"Big\":9007199254740993,"
    "\"Empty\":\"\",\"Unicode\":\"\\u00e9t\\u00e9\",\"Obj\":{\"a\":1},"
    "\"Arr\":[1,2]}";

static cJSON *row(void)
{
    static cJSON *r;

    if (!r) {
        r = cJSON_Parse(row_json);
        if (!r)
            abort();
    }
    return r;
}

struct fields_check {
    const char *text;
    size_t len;
};

static int check_field(void *ud, const char *field, size_t pos)
{
    const struct fields_check *fc = ud;
    size_t n = strlen(field);

    if (n == 0)
        fuzz_violation(TARGET, "a field with an empty name");
    if (pos + n > fc->len || memcmp(fc->text + pos, field, n) != 0)
        fuzz_violation(TARGET, "a field not found at its position");
    return 0;
}

static int eval_checked(const struct km__odata_filter *f, int ci)
{
    int a = km__odata_filter_eval(f, row(), ci);
    int b = km__odata_filter_eval(f, row(), ci);

    if ((a != 0 && a != 1) || a != b)
        fuzz_violation(TARGET, "evaluation is not a stable 0 or 1");
    return a;
}

/* Parses text; on success checks the tree and returns it. */
static struct km__odata_filter *parse_checked(const char *text)
{
    struct km__odata_filter *f =
        (struct km__odata_filter *)&f; /* must be reset */
    struct km__odata_filter_err err;
    size_t len = strlen(text);
    int rc = km__odata_filter_parse(&f, text, &err);

    if (rc != 0) {
        if (rc != -1 || f != NULL)
            fuzz_violation(TARGET, "a failed parse left a tree");
        if (err.msg[0] == '\0' || err.pos > len ||
            !memchr(err.msg, '\0', sizeof(err.msg)))
            fuzz_violation(TARGET, "a parse error without a usable message");
        return NULL;
    }
    if (!f)
        fuzz_violation(TARGET, "a successful parse returned no tree");
    return f;
}

static void check_negation(const char *text, const struct km__odata_filter *f)
{
    size_t len = strlen(text);
    char *wrapped = malloc(len + 8);
    struct km__odata_filter *g;
    struct km__odata_filter_err err;

    if (!wrapped)
        abort();
    memcpy(wrapped, "not (", 5);
    memcpy(wrapped + 5, text, len);
    memcpy(wrapped + 5 + len, ")", 2);
    if (km__odata_filter_parse(&g, wrapped, &err) != 0) {
        if (!strstr(err.msg, "nested too deeply"))
            fuzz_violation(TARGET, "\"not (F)\" fails to parse but F parses");
    } else {
        for (int ci = 0; ci < 2; ci++) {
            if (eval_checked(g, ci) != !eval_checked(f, ci))
                fuzz_violation(TARGET, "\"not (F)\" does not negate F");
        }
        km__odata_filter_free(g);
    }
    free(wrapped);
}

static void fuzz_filter(const char *text)
{
    struct km__odata_filter *f = parse_checked(text);
    struct fields_check fc = {text, strlen(text)};

    if (!f)
        return;
    eval_checked(f, 0);
    eval_checked(f, 1);
    (void)km__odata_filter_revid_floor(f);
    km__odata_filter_fields_each(f, check_field, &fc);
    check_negation(text, f);
    km__odata_filter_free(f);
}

static void fuzz_where(const char *text)
{
    char *filter = NULL, *orderby = NULL;
    struct km__odata_filter_err err;
    struct km__odata_filter *f;

    if (km__odata_where_to_filter(&filter, &orderby, text, &err) != 0) {
        if (filter || orderby || err.msg[0] == '\0')
            fuzz_violation(TARGET, "a failed where-clause left output");
        return;
    }
    if (!filter || !orderby)
        fuzz_violation(TARGET, "a translated where-clause lacks output");
    if (filter[0] && km__odata_filter_parse(&f, filter, &err) == 0) {
        eval_checked(f, 1);
        km__odata_filter_free(f);
    }
    free(filter);
    free(orderby);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);

    fuzz_filter(text);
    fuzz_where(text);
    free(text);
    return 0;
}
