/*
 * The given of an inferred scenario (from_har.h, kh__fh_given): the rows
 * from_har_state.c kept, turned into each emulator's fixture format
 * (mocks/src/<system>/README.md); fresh test credentials in both the
 * connector's section and the emulator's; the instance, company and store
 * hash the URLs name; the clock at the first request; and a fault rule
 * for every 429 and 5xx answer recorded, so the emulator answers that
 * request as the real system did.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/rand.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include <kx/time.h>
#include "engine.h"
#include "from_har.h"

#define must KH__FH_MUST

/* The rows of a keyed table ({key: row}) as a list. */
static cJSON *rows_of(const cJSON *table)
{
    cJSON *list = cJSON_CreateArray(), *row;

    must(list);
    cJSON_ArrayForEach(row, table)
    {
        must(cJSON_AddItemToArray(list, cJSON_Duplicate(row, 1)));
    }
    return list;
}

/* Epicor rows without what the server assigns (revision, row state,
 * OData annotations). */
static cJSON *epicor_section(const cJSON *seeds)
{
    cJSON *sec = cJSON_CreateObject(), *companies = NULL, *co, *tbl, *row, *m;
    cJSON *next;

    must(sec && (companies = cJSON_AddObjectToObject(sec, "companies")));
    cJSON_ArrayForEach(co, seeds)
    {
        cJSON *c = cJSON_AddObjectToObject(companies, co->string);

        must(c);
        cJSON_ArrayForEach(tbl, co)
        {
            cJSON *rows = rows_of(tbl);

            cJSON_ArrayForEach(row, rows)
            {
                for (m = row->child; m; m = next) {
                    next = m->next;
                    if (strcmp(m->string, "RowMod") == 0 ||
                        strcmp(m->string, "SysRevID") == 0 ||
                        m->string[0] == '@' ||
                        strncmp(m->string, "odata.", 6) == 0)
                        cJSON_Delete(cJSON_DetachItemViaPointer(row, m));
                }
            }
            must(cJSON_AddItemToObject(c, tbl->string, rows));
        }
    }
    return sec;
}

/* BigCommerce products with the variants shown on their own attached; a
 * product shown only through its variants is made from them. */
static cJSON *bigcommerce_products(const cJSON *seeds)
{
    cJSON *list = rows_of(kx_json_obj(seeds, "products")), *v, *p;

    cJSON_ArrayForEach(v, kx_json_obj(seeds, "variants"))
    {
        double pid = kx_json_num(v, "product_id", 0);
        cJSON *found = NULL, *vars;

        cJSON_ArrayForEach(p, list)
        {
            if (kx_json_num(p, "id", -1) == pid)
                found = p;
        }
        if (!found) {
            found = cJSON_CreateObject();
            must(found && cJSON_AddNumberToObject(found, "id", pid) &&
                 cJSON_AddStringToObject(found, "name",
                                         kx_json_str_or(v, "sku", "product")) &&
                 cJSON_AddStringToObject(found, "type", "physical") &&
                 cJSON_AddNumberToObject(
                     found, "price",
                     kx_json_num(v, "calculated_price",
                                 kx_json_num(v, "price", 0))) &&
                 cJSON_AddNumberToObject(found, "weight", 0));
            must(cJSON_AddItemToArray(list, found));
        }
        if (!(vars = kx_json_arr(found, "variants")))
            must(vars = cJSON_AddArrayToObject(found, "variants"));
        must(cJSON_AddItemToArray(vars, cJSON_Duplicate(v, 1)));
    }
    cJSON_ArrayForEach(p, list)
    {
        /* One variant without options is the product's own: its SKU. */
        cJSON *vars = kx_json_arr(p, "variants");

        if (!kx_json_str(p, "sku") && cJSON_GetArraySize(vars) == 1 &&
            cJSON_GetArraySize(kx_json_arr(vars->child, "option_values")) ==
                0) {
            must(cJSON_AddStringToObject(
                p, "sku", kx_json_str_or(vars->child, "sku", "")));
            must(cJSON_AddNumberToObject(
                p, "inventory_level",
                kx_json_num(vars->child, "inventory_level", 0)));
            cJSON_DeleteItemFromObjectCaseSensitive(p, "variants");
        }
    }
    return list;
}

/* The members of from named in names, copied into to. */
static void copy_members(cJSON *to, const cJSON *from, const char *const *names)
{
    for (size_t i = 0; names[i]; i++) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(from, names[i]);

        if (m && !cJSON_IsNull(m))
            must(cJSON_AddItemToObject(to, names[i], cJSON_Duplicate(m, 1)));
    }
}

/* BigCommerce orders as place_order takes them; an order whose lines
 * were not shown cannot be, and is left out with a note. */
static cJSON *bigcommerce_orders(const cJSON *seeds, cJSON *notes)
{
    static const char *const keep[] = {
        "id",           "customer_id",     "status_id",
        "date_created", "billing_address", "customer_message",
        "staff_notes",  "payment_method",  NULL};
    static const char *const line_keep[] = {"sku", "quantity", "name", NULL};
    cJSON *list = cJSON_CreateArray(), *o, *l, *a;
    char note[200];

    must(list);
    cJSON_ArrayForEach(o, kx_json_obj(seeds, "orders"))
    {
        double id = kx_json_num(o, "id", 0);
        cJSON *out = cJSON_CreateObject(), *lines, *addrs;

        must(out);
        copy_members(out, o, keep);
        must(cJSON_AddNumberToObject(
            out, "shipping_cost", kx_json_numeric(o, "base_shipping_cost", 0)));
        must(lines = cJSON_AddArrayToObject(out, "products"));
        cJSON_ArrayForEach(l, kx_json_obj(seeds, "order_products"))
        {
            cJSON *line = cJSON_CreateObject();

            if (kx_json_num(l, "order_id", 0) != id) {
                cJSON_Delete(line);
                continue;
            }
            must(line);
            copy_members(line, l, line_keep);
            must(cJSON_AddNumberToObject(
                line, "price", kx_json_numeric(l, "price_ex_tax", 0)));
            must(cJSON_AddItemToArray(lines, line));
        }
        must(addrs = cJSON_AddArrayToObject(out, "shipping_addresses"));
        cJSON_ArrayForEach(a, kx_json_obj(seeds, "order_addresses"))
        {
            static const char *const addr_keep[] = {
                "first_name", "last_name",    "company", "street_1",
                "street_2",   "city",         "state",   "zip",
                "country",    "country_iso2", "phone",   "email",
                NULL};
            cJSON *addr = cJSON_CreateObject();

            must(addr);
            if (kx_json_num(a, "order_id", 0) == id) {
                copy_members(addr, a, addr_keep);
                must(cJSON_AddItemToArray(addrs, addr));
            } else {
                cJSON_Delete(addr);
            }
        }
        if (cJSON_GetArraySize(addrs) == 0)
            cJSON_DeleteItemFromObjectCaseSensitive(out, "shipping_addresses");
        if (cJSON_GetArraySize(lines) == 0) {
            snprintf(note, sizeof(note),
                     "bigcommerce order %.0f left out: the recording does "
                     "not show its products",
                     id);
            must(cJSON_AddItemToArray(notes, cJSON_CreateString(note)));
            cJSON_Delete(out);
            continue;
        }
        must(cJSON_AddItemToArray(list, out));
    }
    return list;
}

/* WooCommerce orders with their line items by SKU and the refunds shown
 * (the order's own "refunds" is a summary the emulator makes). */
static cJSON *woocommerce_orders(const cJSON *seeds)
{
    static const char *const line_keep[] = {"sku", "quantity", "name", NULL};
    cJSON *list = rows_of(kx_json_obj(seeds, "orders")), *o, *l, *r;

    cJSON_ArrayForEach(o, list)
    {
        cJSON *lines = cJSON_CreateArray(), *refunds;

        must(lines);
        cJSON_ArrayForEach(l, kx_json_arr(o, "line_items"))
        {
            cJSON *line = cJSON_CreateObject();

            must(line);
            copy_members(line, l, line_keep);
            must(cJSON_AddNumberToObject(line, "price",
                                         kx_json_numeric(l, "price", 0)));
            must(cJSON_AddItemToArray(lines, line));
        }
        cJSON_DeleteItemFromObjectCaseSensitive(o, "line_items");
        must(cJSON_AddItemToObject(o, "line_items", lines));
        cJSON_DeleteItemFromObjectCaseSensitive(o, "refunds");
        must(refunds = cJSON_AddArrayToObject(o, "refunds"));
        cJSON_ArrayForEach(r, kx_json_obj(seeds, "refunds"))
        {
            cJSON *one;

            if (kx_json_num(r, "order_id", 0) != kx_json_num(o, "id", -1))
                continue;
            must(one = cJSON_CreateObject());
            copy_members(one, r,
                         (const char *const[]){"amount", "reason", NULL});
            must(cJSON_AddItemToArray(refunds, one));
        }
        if (cJSON_GetArraySize(refunds) == 0)
            cJSON_DeleteItemFromObjectCaseSensitive(o, "refunds");
    }
    return list;
}

/* Adds list to sec as name when it has rows; else deletes it. */
static void add_rows(cJSON *sec, const char *name, cJSON *list)
{
    if (cJSON_GetArraySize(list) > 0)
        must(cJSON_AddItemToObject(sec, name, list));
    else
        cJSON_Delete(list);
}

cJSON *kh__fh_seed_sections(const cJSON *seeds, cJSON *notes)
{
    cJSON *out = cJSON_CreateObject(), *sec;
    const cJSON *bc = kx_json_obj(seeds, "bigcommerce");
    const cJSON *wc = kx_json_obj(seeds, "woocommerce");

    must(out);
    if (kx_json_obj(seeds, "epicor"))
        must(cJSON_AddItemToObject(
            out, "epicor", epicor_section(kx_json_obj(seeds, "epicor"))));
    if (bc) {
        must(sec = cJSON_AddObjectToObject(out, "bigcommerce"));
        add_rows(sec, "products", bigcommerce_products(bc));
        add_rows(sec, "customers", rows_of(kx_json_obj(bc, "customers")));
        add_rows(sec, "orders", bigcommerce_orders(bc, notes));
    }
    if (wc) {
        must(sec = cJSON_AddObjectToObject(out, "woocommerce"));
        add_rows(sec, "products", rows_of(kx_json_obj(wc, "products")));
        add_rows(sec, "customers", rows_of(kx_json_obj(wc, "customers")));
        add_rows(sec, "orders", woocommerce_orders(wc));
    }
    return out;
}

/* ---- credentials, clock, faults ---------------------------------------- */

/* A fresh credential: prefix and 16 random hex digits (OpenSSL's RNG). */
static char *fresh(char *out, size_t outsz, const char *prefix)
{
    unsigned char b[8];

    if (RAND_bytes(b, sizeof(b)) != 1) {
        fputs("kinsync scenario: no random bytes\n", stderr);
        abort();
    }
    snprintf(out, outsz, "%s%02x%02x%02x%02x%02x%02x%02x%02x", prefix, b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7]);
    return out;
}

/* The first request of system whose path has part, or NULL. */
static const struct kh__fh_exchange *
first_with(const struct kh__fh_recording *rec, const char *system,
           const char *part)
{
    for (size_t i = 0; i < rec->n; i++)
        if (strcmp(rec->x[i].system, system) == 0 &&
            (strstr(rec->x[i].path, part) || strstr(rec->x[i].query, part)))
            return &rec->x[i];
    return NULL;
}

static void epicor_given(cJSON *emu, cJSON *conn,
                         const struct kh__fh_recording *rec)
{
    const struct kh__fh_exchange *x = first_with(rec, "epicor", "/");
    const struct kh__fh_exchange *odata =
        first_with(rec, "epicor", "/api/v2/odata/");
    cJSON *users = cJSON_CreateArray(), *keys = cJSON_CreateArray(), *u;
    char inst[64], co[64], user[40], pass[40], key[48];

    must(users && keys);
    kh__fh_segment(inst, sizeof(inst), x->path, 0);
    fresh(user, sizeof(user), "fh-");
    fresh(pass, sizeof(pass), "Fh-pass-");
    fresh(key, sizeof(key), "fh-epicor-key-");
    must(cJSON_AddStringToObject(conn, "username", user) &&
         cJSON_AddStringToObject(conn, "password", pass) &&
         cJSON_AddStringToObject(conn, "api_key", key) &&
         cJSON_AddStringToObject(conn, "instance", inst));
    if (odata) {
        kh__fh_segment(co, sizeof(co), odata->path, 4);
        must(cJSON_AddStringToObject(conn, "company", co));
    } else if (first_with(rec, "epicor", "/api/v1/")) {
        must(cJSON_AddNumberToObject(conn, "api_version", 1));
    }
    if (first_with(rec, "epicor", "/connect/token")) {
        char id[40], secret[48];
        cJSON *clients = cJSON_CreateArray(), *c = cJSON_CreateObject();

        must(clients && c && cJSON_AddStringToObject(conn, "auth", "idp") &&
             cJSON_AddStringToObject(conn, "client_id",
                                     fresh(id, sizeof(id), "fh-client-")) &&
             cJSON_AddStringToObject(
                 conn, "client_secret",
                 fresh(secret, sizeof(secret), "fh-client-secret-")) &&
             cJSON_AddStringToObject(c, "client_id", id) &&
             cJSON_AddStringToObject(c, "client_secret", secret) &&
             cJSON_AddItemToArray(clients, c) &&
             cJSON_AddItemToObject(emu, "idp_clients", clients));
    } else {
        must(cJSON_AddStringToObject(
            conn, "auth",
            first_with(rec, "epicor", "TokenResource") ? "token" : "basic"));
    }
    must(u = cJSON_CreateObject());
    must(cJSON_AddStringToObject(u, "username", user) &&
         cJSON_AddStringToObject(u, "password", pass) &&
         cJSON_AddItemToArray(users, u));
    must(u = cJSON_CreateObject());
    must(cJSON_AddStringToObject(u, "key", key) &&
         cJSON_AddItemToArray(keys, u));
    must(cJSON_AddStringToObject(emu, "instance", inst) &&
         cJSON_AddItemToObject(emu, "users", users) &&
         cJSON_AddItemToObject(emu, "api_keys", keys));
    if (!kx_json_obj(emu, "companies") && odata) {
        cJSON *companies = cJSON_AddObjectToObject(emu, "companies");

        must(companies && cJSON_AddObjectToObject(companies, co));
    }
}

static void bigcommerce_given(cJSON *emu, cJSON *conn,
                              const struct kh__fh_recording *rec)
{
    const struct kh__fh_exchange *x = first_with(rec, "bigcommerce", "/");
    cJSON *tokens = cJSON_CreateArray();
    char hash[64], tok[48], secret[48];

    kh__fh_segment(hash, sizeof(hash), x->path, 1);
    fresh(tok, sizeof(tok), "fh-bc-token-");
    fresh(secret, sizeof(secret), "fh-bc-secret-");
    must(tokens && cJSON_AddItemToArray(tokens, cJSON_CreateString(tok)));
    must(cJSON_AddStringToObject(conn, "access_token", tok) &&
         cJSON_AddStringToObject(conn, "client_secret", secret) &&
         cJSON_AddStringToObject(emu, "store_hash", hash) &&
         cJSON_AddItemToObject(emu, "access_tokens", tokens) &&
         cJSON_AddStringToObject(emu, "client_secret", secret));
}

static void woocommerce_given(cJSON *emu, cJSON *conn,
                              const struct kh__fh_recording *rec)
{
    cJSON *keys = cJSON_CreateArray(), *k = cJSON_CreateObject();
    char ck[48], cs[48];

    must(keys && k);
    fresh(ck, sizeof(ck), "ck_fh_");
    fresh(cs, sizeof(cs), "cs_fh_");
    must(cJSON_AddStringToObject(conn, "consumer_key", ck) &&
         cJSON_AddStringToObject(conn, "consumer_secret", cs) &&
         cJSON_AddStringToObject(k, "consumer_key", ck) &&
         cJSON_AddStringToObject(k, "consumer_secret", cs) &&
         cJSON_AddStringToObject(k, "permissions", "read_write") &&
         cJSON_AddItemToArray(keys, k) &&
         cJSON_AddItemToObject(emu, "keys", keys));
    if (first_with(rec, "woocommerce", "oauth_signature")) {
        must(cJSON_AddStringToObject(conn, "auth", "oauth1") &&
             cJSON_AddFalseToObject(emu, "https"));
    } else if (first_with(rec, "woocommerce", "consumer_key=")) {
        must(cJSON_AddStringToObject(conn, "auth", "query"));
    }
}

/* A fault rule for each 429 and 5xx answer: the n-th request of its route
 * answered with that status. */
static void faults(cJSON *given, const struct kh__fh_recording *rec)
{
    for (size_t i = 0; i < rec->n; i++) {
        const struct kh__fh_exchange *x = &rec->x[i];
        cJSON *sec = kx_json_obj(given, x->system), *list, *rule;
        char *route;
        int nth = 0;

        if (!sec || (x->status != 429 && x->status < 500))
            continue;
        route = x->route ? kx_xstrdup(x->route)
                         : kx_xasprintf("%s %s", x->method, x->path);
        for (size_t j = 0; j <= i; j++)
            if (strcmp(rec->x[j].system, x->system) == 0 &&
                strcmp(rec->x[j].method, x->method) == 0 &&
                (x->route
                     ? rec->x[j].route && strcmp(rec->x[j].route, x->route) == 0
                     : strcmp(rec->x[j].path, x->path) == 0))
                nth++;
        if (!(list = kx_json_arr(sec, "faults")))
            must(list = cJSON_AddArrayToObject(sec, "faults"));
        must(rule = cJSON_CreateObject());
        must(cJSON_AddStringToObject(rule, "route", route) &&
             cJSON_AddNumberToObject(rule, "nth", nth) &&
             cJSON_AddNumberToObject(rule, "status", x->status) &&
             cJSON_AddItemToArray(list, rule));
        free(route);
    }
}

cJSON *kh__fh_given(cJSON **written, const struct kh__fh_recording *rec,
                    cJSON *notes)
{
    static const struct {
        const char *name;
        void (*make)(cJSON *, cJSON *, const struct kh__fh_recording *);
    } systems[] = {{"epicor", epicor_given},
                   {"bigcommerce", bigcommerce_given},
                   {"woocommerce", woocommerce_given}};
    cJSON *rows = NULL, *given = cJSON_CreateObject(), *clock = NULL;
    cJSON *conn = NULL, *sec;
    cJSON *state = kh__fh_state(&rows, rec, notes);
    char when[KX_ISO8601_MAX];
    int64_t ms = 0;

    must(given && (clock = cJSON_AddObjectToObject(given, "clock")) &&
         (conn = cJSON_AddObjectToObject(given, "connector")));
    if (rec->first_virtual_ms >= 0)
        ms = (int64_t)rec->first_virtual_ms;
    else if (!rec->first_time || kx_iso8601_parse(&ms, rec->first_time, 0) != 0)
        ms = kx_wall_ms();
    ms -= ms % 1000;
    kx_iso8601_format(when, ms, KX_ISO8601_Z);
    must(cJSON_AddStringToObject(clock, "start", when));
    for (size_t i = 0; i < sizeof(systems) / sizeof(systems[0]); i++) {
        cJSON *c = NULL;

        if (!kh__fh_has(rec, systems[i].name))
            continue;
        sec = cJSON_DetachItemFromObjectCaseSensitive(state, systems[i].name);
        if (!sec)
            must(sec = cJSON_CreateObject());
        must(cJSON_AddItemToObject(given, systems[i].name, sec) &&
             (c = cJSON_AddObjectToObject(conn, systems[i].name)));
        systems[i].make(sec, c, rec);
    }
    faults(given, rec);
    cJSON_Delete(state);
    if (written)
        *written = rows;
    else
        cJSON_Delete(rows);
    return given;
}
