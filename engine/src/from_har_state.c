/*
 * The state a recording reveals (from_har.h, kh__fh_state): rows of the
 * responses, keyed per table, first showing first, unless the recording
 * wrote the row before it showed it; and the records the writes left,
 * as then.state pointer maps. The given sections it makes follow each
 * emulator's fixture format (mocks/src/<system>/README.md, "given").
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "engine.h"
#include "from_har.h"

#define must KH__FH_MUST

/* Epicor's tables: entity set, fixture key (given), dataset table (what
 * Update and MasterUpdate carry), key fields, and the fields a written
 * row is checked by (the first non-empty of select picks it). */
static const struct epicor_table {
    const char *set, *fixture, *table;
    const char *keys[3];
    const char *select[2];
    const char *check[3];
} epicor_tables[] = {
    {"Parts", "parts", "Part", {"PartNum"}, {"PartNum"}, {"UnitPrice"}},
    {"PartWhses",
     "part_whses",
     "PartWhse",
     {"PartNum", "WarehouseCode"},
     {NULL},
     {NULL}},
    {"PartPlants",
     "part_plants",
     "PartPlant",
     {"PartNum", "Plant"},
     {NULL},
     {NULL}},
    {"Customers",
     "customers",
     "Customer",
     {"CustNum"},
     {"CustID", "CustNum"},
     {"Name", "EMailAddress"}},
    {"SalesOrders",
     "orders",
     "OrderHed",
     {"OrderNum"},
     {"PONum", "OrderNum"},
     {"CustNum", "OrderAmt"}},
    {"OrderDtls",
     "order_dtls",
     "OrderDtl",
     {"OrderNum", "OrderLine"},
     {NULL},
     {NULL}},
    {"OrderRels",
     "order_rels",
     "OrderRel",
     {"OrderNum", "OrderLine", "OrderRelNum"},
     {NULL},
     {NULL}},
    {"Vendors", "vendors", "Vendor", {"VendorNum"}, {NULL}, {NULL}},
    {"POes", "pos", "POHeader", {"PONum"}, {NULL}, {NULL}},
    {"PODetails",
     "po_details",
     "PODetail",
     {"PONUM", "POLine"},
     {NULL},
     {NULL}},
    {"GLAccounts", "gl_accounts", "GLAccount", {"GLAccount1"}, {NULL}, {NULL}},
    {"JobEntries", "jobs", "JobHead", {"JobNum"}, {NULL}, {NULL}},
};
#define NEPICOR (sizeof(epicor_tables) / sizeof(epicor_tables[0]))

/* The object at root/a/b/c, made when missing (NULL names stop). */
static cJSON *node(cJSON *root, const char *a, const char *b, const char *c)
{
    const char *names[3] = {a, b, c};

    for (size_t i = 0; i < 3 && names[i]; i++) {
        cJSON *next = cJSON_GetObjectItemCaseSensitive(root, names[i]);

        if (!next)
            must(next = cJSON_AddObjectToObject(root, names[i]));
        root = next;
    }
    return root;
}

/* A row's key: its key fields' values joined by '|'; "" when one lacks. */
static void row_key(char *out, size_t outsz, const cJSON *row,
                    const char *const *keys, size_t nkeys)
{
    size_t len = 0;

    out[0] = '\0';
    for (size_t i = 0; i < nkeys && keys[i]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, keys[i]);
        char part[256];

        if (cJSON_IsString(v) && *v->valuestring)
            snprintf(part, sizeof(part), "%s", v->valuestring);
        else if (cJSON_IsNumber(v))
            snprintf(part, sizeof(part), "%.17g", v->valuedouble);
        else {
            out[0] = '\0';
            return;
        }
        len += (size_t)snprintf(out + len, outsz > len ? outsz - len : 0,
                                "%s%s", i ? "|" : "", part);
        if (len >= outsz) {
            out[0] = '\0';
            return;
        }
    }
}

/* The state being inferred. */
struct infer {
    cJSON *seeds;   /* system/.../table/{key: row} */
    cJSON *written; /* "system/table/key" keys of rows a write touched */
    cJSON *records; /* system/.../table/{key: row}: the last write of each */
};

/* A row shown by a response: kept unless written first; the first
 * showing wins, later ones add members it lacked. */
static void reveal(struct infer *in, cJSON *table, const char *tag,
                   const char *key, const cJSON *row)
{
    char wkey[600];
    cJSON *have, *m;

    snprintf(wkey, sizeof(wkey), "%s/%s", tag, key);
    if (!*key || !cJSON_IsObject(row) ||
        cJSON_GetObjectItemCaseSensitive(in->written, wkey))
        return;
    have = cJSON_GetObjectItemCaseSensitive(table, key);
    if (!have) {
        must(cJSON_AddItemToObject(table, key, cJSON_Duplicate(row, 1)));
        return;
    }
    cJSON_ArrayForEach(m, row)
    {
        if (!cJSON_GetObjectItemCaseSensitive(have, m->string))
            must(cJSON_AddItemToObject(have, m->string, cJSON_Duplicate(m, 1)));
    }
}

/* A row a write sent or returned: remembered as written, the last one
 * kept as the record it left. */
static void wrote(struct infer *in, cJSON *table, const char *tag,
                  const char *key, const cJSON *row)
{
    char wkey[600];

    if (!*key || !cJSON_IsObject(row))
        return;
    snprintf(wkey, sizeof(wkey), "%s/%s", tag, key);
    if (!cJSON_GetObjectItemCaseSensitive(in->written, wkey))
        must(cJSON_AddTrueToObject(in->written, wkey));
    cJSON_DeleteItemFromObjectCaseSensitive(table, key);
    must(cJSON_AddItemToObject(table, key, cJSON_Duplicate(row, 1)));
}

/* 1 when rest ('/'-separated) has the shape of pattern, whose segment "#"
 * is any number. */
static int shape_is(const char *rest, const char *pattern)
{
    while (*rest && *pattern) {
        size_t a = strcspn(rest, "/"), b = strcspn(pattern, "/");

        if (b == 1 && *pattern == '#') {
            for (size_t i = 0; i < a; i++)
                if (!isdigit((unsigned char)rest[i]))
                    return 0;
            if (a == 0)
                return 0;
        } else if (a != b || strncmp(rest, pattern, a) != 0) {
            return 0;
        }
        rest += a + (rest[a] == '/');
        pattern += b + (pattern[b] == '/');
    }
    return !*rest && !*pattern;
}

/* The path after its first n segments. */
static const char *after(const char *path, int n)
{
    while (*path == '/')
        path++;
    for (; n > 0 && *path; n--) {
        path += strcspn(path, "/");
        path += *path == '/';
    }
    return path;
}

/* ---- Epicor --------------------------------------------------------- */

static const struct epicor_table *epicor_by(const char *set, const char *tbl)
{
    for (size_t i = 0; i < NEPICOR; i++)
        if ((set && strcmp(epicor_tables[i].set, set) == 0) ||
            (tbl && strcmp(epicor_tables[i].table, tbl) == 0))
            return &epicor_tables[i];
    return NULL;
}

/* Rows of one Epicor table into seeds or records. */
static void epicor_rows(struct infer *in, const struct epicor_table *t,
                        const cJSON *rows, const char *company, int write)
{
    const cJSON *row;
    char key[512], tag[200];

    cJSON_ArrayForEach(row, rows)
    {
        const char *co = kx_json_str(row, "Company");
        cJSON *root = write ? in->records : in->seeds;
        cJSON *table =
            node(root, "epicor", co && *co ? co : company, t->fixture);

        row_key(key, sizeof(key), row, t->keys, 3);
        snprintf(tag, sizeof(tag), "epicor/%s/%s", co && *co ? co : company,
                 t->fixture);
        if (write)
            wrote(in, table, tag, key, row);
        else
            reveal(in, table, tag, key, row);
    }
}

/* The service and set of an OData or v1 path, and its company. */
static void epicor_exchange(struct infer *in, const struct kh__fh_exchange *x,
                            const char *company)
{
    char last[256], seg[64];
    const struct epicor_table *t;
    const cJSON *ds = NULL, *tbl;
    const char *p = strrchr(x->path, '/');
    int write = strcmp(x->method, "GET") != 0;

    snprintf(last, sizeof(last), "%s", p ? p + 1 : x->path);
    last[strcspn(last, "(")] = '\0';
    kh__fh_segment(seg, sizeof(seg), x->path, 2);
    if (!kh__fh_ok(x) || strncmp(seg, "v", 1) != 0)
        return;
    if (!write && (t = epicor_by(last, NULL)) != NULL) {
        const cJSON *value = kx_json_arr(x->res_body, "value");

        if (cJSON_IsArray(value))
            epicor_rows(in, t, value, company, 0);
        else if (cJSON_IsObject(x->res_body)) {
            cJSON *one = cJSON_CreateArray();

            must(one && cJSON_AddItemReferenceToArray(one, x->res_body));
            epicor_rows(in, t, one, company, 0);
            cJSON_Delete(one);
        }
        return;
    }
    if (!write ||
        (strcmp(last, "Update") != 0 && strcmp(last, "MasterUpdate") != 0 &&
         strcmp(last, "UpdateMaster") != 0 && strcmp(last, "UpdateExt") != 0))
        return;
    ds = kx_json_obj(kx_json_obj(x->res_body, "parameters"), "ds");
    if (!ds)
        ds = kx_json_obj(x->req_body, "ds");
    cJSON_ArrayForEach(tbl, ds)
    {
        if ((t = epicor_by(NULL, tbl->string)) != NULL)
            epicor_rows(in, t, tbl, company, 1);
    }
}

/* ---- the storefronts ---------------------------------------------------- */

/* The rows of a storefront answer: body, or body's "data" (v3), as a
 * list, each keyed by "id"; order_id given to rows of an order's list. */
static void store_rows(struct infer *in, const char *system, const char *name,
                       const cJSON *body, double order_id, int write)
{
    const cJSON *data = kx_json_obj(body, "data")   ? kx_json_obj(body, "data")
                        : kx_json_arr(body, "data") ? kx_json_arr(body, "data")
                                                    : body;
    static const char *const id[] = {"id"};
    cJSON *list = NULL, *table, *row;
    char key[64], tag[128];

    if (cJSON_IsObject(data) && !cJSON_GetObjectItemCaseSensitive(data, "id")) {
        /* A batch answer: {"create": [...], "update": [...]}. */
        static const char *const parts[] = {"create", "update"};

        for (size_t i = 0; i < 2; i++)
            if (kx_json_arr(data, parts[i]))
                store_rows(in, system, name, kx_json_arr(data, parts[i]),
                           order_id, write);
        return;
    }
    if (cJSON_IsObject(data)) {
        must(list = cJSON_CreateArray());
        must(cJSON_AddItemReferenceToArray(list, (cJSON *)data));
        data = list;
    }
    table = node(write ? in->records : in->seeds, system, name, NULL);
    snprintf(tag, sizeof(tag), "%s/%s", system, name);
    cJSON_ArrayForEach(row, data)
    {
        cJSON *copy = cJSON_Duplicate(row, 1);

        must(copy);
        if (order_id > 0 && !cJSON_GetObjectItemCaseSensitive(copy, "order_id"))
            must(cJSON_AddNumberToObject(copy, "order_id", order_id));
        row_key(key, sizeof(key), copy, id, 1);
        if (!kx_json_obj(copy, "error")) {
            if (write)
                wrote(in, table, tag, key, copy);
            else
                reveal(in, table, tag, key, copy);
        }
        cJSON_Delete(copy);
    }
    cJSON_Delete(list);
}

/* What a BigCommerce exchange shows or writes. */
static void bigcommerce_exchange(struct infer *in,
                                 const struct kh__fh_exchange *x)
{
    const char *rest = after(x->path, 2); /* after /stores/{hash} */
    int write = strcmp(x->method, "GET") != 0;
    char seg[32];
    double order = 0;

    kh__fh_segment(seg, sizeof(seg), rest, 2);
    order = strtod(seg, NULL);
    if (!kh__fh_ok(x) || !x->res_body)
        return;
    if (shape_is(rest, "v3/catalog/products") ||
        shape_is(rest, "v3/catalog/products/#"))
        store_rows(in, "bigcommerce", "products", x->res_body, 0, write);
    else if (shape_is(rest, "v3/catalog/variants") ||
             shape_is(rest, "v3/catalog/products/#/variants"))
        store_rows(in, "bigcommerce", "variants", x->res_body, 0, write);
    else if (shape_is(rest, "v3/customers"))
        store_rows(in, "bigcommerce", "customers", x->res_body, 0, write);
    else if (shape_is(rest, "v2/orders") || shape_is(rest, "v2/orders/#"))
        store_rows(in, "bigcommerce", "orders", x->res_body, 0, write);
    else if (!write && shape_is(rest, "v2/orders/#/products"))
        store_rows(in, "bigcommerce", "order_products", x->res_body, order, 0);
    else if (!write && shape_is(rest, "v2/orders/#/shipping_addresses"))
        store_rows(in, "bigcommerce", "order_addresses", x->res_body, order, 0);
}

/* What a WooCommerce exchange shows or writes. */
static void woocommerce_exchange(struct infer *in,
                                 const struct kh__fh_exchange *x)
{
    const char *rest = after(x->path, 1); /* after /wp-json */
    int write = strcmp(x->method, "GET") != 0;
    char seg[32];

    kh__fh_segment(seg, sizeof(seg), rest, 3);
    if (!kh__fh_ok(x) || !x->res_body)
        return;
    if (shape_is(rest, "wc/v3/products") ||
        shape_is(rest, "wc/v3/products/#") ||
        shape_is(rest, "wc/v3/products/batch"))
        store_rows(in, "woocommerce", "products", x->res_body, 0, write);
    else if (shape_is(rest, "wc/v3/customers") ||
             shape_is(rest, "wc/v3/customers/#") ||
             shape_is(rest, "wc/v3/customers/batch"))
        store_rows(in, "woocommerce", "customers", x->res_body, 0, write);
    else if (shape_is(rest, "wc/v3/orders") || shape_is(rest, "wc/v3/orders/#"))
        store_rows(in, "woocommerce", "orders", x->res_body, 0, write);
    else if (!write && shape_is(rest, "wc/v3/orders/#/refunds"))
        store_rows(in, "woocommerce", "refunds", x->res_body, strtod(seg, NULL),
                   0);
}

/* ---- then.state --------------------------------------------------------- */

/* Adds "<base>/[field=value]/<check>": value for each check field the
 * record has; the first present field of select picks the record. */
static void expect_record(cJSON *map, const char *base, const cJSON *row,
                          const char *const *select, size_t nselect,
                          const char *const *check, size_t ncheck)
{
    char ptr[700], sel[300];
    const cJSON *by = NULL;
    const char *name = NULL;

    for (size_t i = 0; i < nselect && select[i] && !by; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, select[i]);

        if ((cJSON_IsString(v) && *v->valuestring) || cJSON_IsNumber(v))
            by = v, name = select[i];
    }
    if (!by)
        return;
    if (cJSON_IsString(by))
        snprintf(sel, sizeof(sel), "[%s=%.200s]", name, by->valuestring);
    else
        snprintf(sel, sizeof(sel), "[%s=%.17g]", name, by->valuedouble);
    for (size_t i = 0; i <= ncheck; i++) {
        const char *f = i == 0 ? name : check[i - 1];
        const cJSON *v = f ? cJSON_GetObjectItemCaseSensitive(row, f) : NULL;

        if (!v || cJSON_IsObject(v) || cJSON_IsArray(v))
            continue;
        snprintf(ptr, sizeof(ptr), "%s", base);
        kh_json_pointer_append(ptr, sizeof(ptr), sel);
        kh_json_pointer_append(ptr, sizeof(ptr), f);
        if (!cJSON_GetObjectItemCaseSensitive(map, ptr))
            must(cJSON_AddItemToObject(map, ptr, cJSON_Duplicate(v, 1)));
    }
}

/* The records the writes left, per system, as pointer maps. */
static cJSON *records_expected(const cJSON *records)
{
    static const struct {
        const char *system, *table, *snapshot;
        const char *select[2], *check[3];
    } stores[] = {
        {"bigcommerce", "products", "products", {"sku"}, {"name", "price"}},
        {"bigcommerce", "customers", "customers", {"email"}, {"first_name"}},
        {"bigcommerce", "orders", "orders", {"id"}, {"status_id"}},
        {"woocommerce", "products", "products", {"sku"}, {"regular_price"}},
        {"woocommerce", "customers", "customers", {"email"}, {"first_name"}},
        {"woocommerce", "orders", "orders", {"id"}, {"status"}},
    };
    cJSON *out = cJSON_CreateObject(), *co, *tbl, *row;

    must(out);
    cJSON_ArrayForEach(co, kx_json_obj(records, "epicor"))
    {
        cJSON_ArrayForEach(tbl, co)
        {
            const struct epicor_table *t = NULL;
            char base[200];

            for (size_t i = 0; i < NEPICOR; i++)
                if (strcmp(epicor_tables[i].fixture, tbl->string) == 0)
                    t = &epicor_tables[i];
            if (!t || !t->select[0])
                continue;
            snprintf(base, sizeof(base), "/companies");
            kh_json_pointer_append(base, sizeof(base), co->string);
            kh_json_pointer_append(base, sizeof(base), t->set);
            cJSON_ArrayForEach(row, tbl)
            {
                expect_record(node(out, "epicor", NULL, NULL), base, row,
                              t->select, 2, t->check, 3);
            }
        }
    }
    for (size_t i = 0; i < sizeof(stores) / sizeof(stores[0]); i++) {
        char base[64];

        snprintf(base, sizeof(base), "/%s", stores[i].snapshot);
        cJSON_ArrayForEach(row,
                           kx_json_obj(kx_json_obj(records, stores[i].system),
                                       stores[i].table))
        {
            expect_record(node(out, stores[i].system, NULL, NULL), base, row,
                          stores[i].select, 2, stores[i].check, 3);
        }
    }
    return out;
}

/* Sets given.epicor.<setting> to the least field of the written rows of
 * table (any company), when there are any. */
static void first_number(cJSON *state, const cJSON *records, const char *table,
                         const char *field, const char *setting)
{
    double first = 0;
    const cJSON *co, *row;

    cJSON_ArrayForEach(co, kx_json_obj(records, "epicor"))
    {
        cJSON_ArrayForEach(row, kx_json_obj(co, table))
        {
            double n = kx_json_num(row, field, 0);

            if (n > 0 && (first == 0 || n < first))
                first = n;
        }
    }
    if (first > 0)
        must(cJSON_AddNumberToObject(node(state, "epicor", NULL, NULL), setting,
                                     first));
}

cJSON *kh__fh_state(cJSON **written, const struct kh__fh_recording *rec,
                    cJSON *notes)
{
    struct infer in = {cJSON_CreateObject(), cJSON_CreateObject(),
                       cJSON_CreateObject()};
    char company[64] = "EPIC06";
    cJSON *state;

    must(in.seeds && in.written && in.records);
    for (size_t i = 0; i < rec->n; i++) {
        const struct kh__fh_exchange *x = &rec->x[i];
        char seg[64];

        if (strcmp(x->system, "epicor") == 0) {
            kh__fh_segment(seg, sizeof(seg), x->path, 4);
            if (strstr(x->path, "/api/v2/odata/") && *seg)
                snprintf(company, sizeof(company), "%s", seg);
            epicor_exchange(&in, x, company);
        } else if (strcmp(x->system, "bigcommerce") == 0) {
            bigcommerce_exchange(&in, x);
        } else if (strcmp(x->system, "woocommerce") == 0) {
            woocommerce_exchange(&in, x);
        }
    }
    *written = records_expected(in.records);
    state = kh__fh_seed_sections(in.seeds, notes);
    /* Sales orders and customers written: numbered from the first
     * recorded one (else the engine derives a number from the file name). */
    first_number(state, in.records, "orders", "OrderNum", "start_order_num");
    first_number(state, in.records, "customers", "CustNum", "start_cust_num");
    cJSON_Delete(in.seeds);
    cJSON_Delete(in.written);
    cJSON_Delete(in.records);
    return state;
}
