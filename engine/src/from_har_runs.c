/*
 * Recordings of several runs of a flow, for `kinsync scenario from-har`:
 * a second poll, `kinsync sync --watch` cadences, or a scenario that runs
 * a job twice, recorded by `check --har`. Every run of a sync flow starts
 * by reading its source list from the first page, so those first pages
 * are where runs begin (a "walk" lasts until the next one): Epicor's
 * Parts and Customers read by SysRevID cursor (a read that follows a
 * full batch, $top rows, is the same walk's next batch), BigCommerce's
 * and WooCommerce's orders list at page 1. The contract is in
 * from_har.h (kh__fh_runs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include "from_har.h"

#define must KH__FH_MUST

/* Before a walk that starts at least this much after the clock, the
 * scenario advances the clock (wall-clock recordings drift by
 * milliseconds between requests of one run). */
#define ADVANCE_MIN_MS 1000

enum { BC = 1, WC = 2 }; /* storefront bits */

/* The jobs in the order `kinsync sync --once` runs them. */
static const char *const jobs[] = {"sync.parts", "sync.customers",
                                   "sync.orders", "sync.refunds"};
enum { PARTS, CUSTOMERS, ORDERS, REFUNDS, NONE };

struct walk {
    size_t from, to; /* exchanges [from, to) */
    int job;         /* PARTS.. */
    int storefronts; /* BC | WC the walk's requests went to */
};

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);

    return n >= m && strcmp(s + n - m, tail) == 0;
}

/* The value of query parameter name in the raw query, as an integer;
 * dflt when absent. */
static long query_long(const char *query, const char *name, long dflt)
{
    size_t n = strlen(name);

    for (const char *p = query; p && *p;
         p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
        if (strncmp(p, name, n) == 0 && p[n] == '=')
            return strtol(p + n + 1, NULL, 10);
    }
    return dflt;
}

/* 1 when x is Epicor's read of table ("/Parts") by SysRevID cursor. */
static int cursor_read(const struct kh__fh_exchange *x, const char *table)
{
    return strcmp(x->system, "epicor") == 0 && strcmp(x->method, "GET") == 0 &&
           ends_with(x->path, table) && strstr(x->query, "SysRevID");
}

/* 1 when an earlier cursor read of the same table returned a full batch
 * ($top rows): then x is that walk's next batch, not a new walk. */
static int next_batch(const struct kh__fh_recording *rec, size_t i,
                      const char *table)
{
    while (i-- > 0) {
        const struct kh__fh_exchange *x = &rec->x[i];

        if (cursor_read(x, table)) {
            long top = query_long(x->query, "$top", -1);
            const cJSON *rows = kx_json_arr(x->res_body, "value");

            return top > 0 && rows && cJSON_GetArraySize(rows) >= top;
        }
    }
    return 0;
}

/* The job whose walk exchange i starts (WooCommerce's orders list:
 * ORDERS, told from REFUNDS later), or NONE. */
static int starts(const struct kh__fh_recording *rec, size_t i, int *store)
{
    const struct kh__fh_exchange *x = &rec->x[i];
    int bc = strcmp(x->system, "bigcommerce") == 0;
    int wc = strcmp(x->system, "woocommerce") == 0;

    *store = 0;
    if (cursor_read(x, "/Parts"))
        return next_batch(rec, i, "/Parts") ? NONE : PARTS;
    if (cursor_read(x, "/Customers"))
        return next_batch(rec, i, "/Customers") ? NONE : CUSTOMERS;
    if ((!bc && !wc) || strcmp(x->method, "GET") != 0 ||
        !ends_with(x->path, bc ? "/v2/orders" : "/wc/v3/orders") ||
        query_long(x->query, "page", 1) != 1)
        return NONE;
    *store = bc ? BC : WC;
    return ORDERS;
}

/* A WooCommerce orders walk is the refunds flow's when it read refunds
 * or changed an existing sales order (read by key) without creating
 * one; the orders flow's when it created one; else (the list only) the
 * flow that follows the previous walk in `sync --once` order. */
static int woocommerce_job(const struct kh__fh_recording *rec,
                           const struct walk *w, int previous)
{
    int created = 0, changed = 0;

    for (size_t i = w->from; i < w->to; i++) {
        const char *p = rec->x[i].path;

        created |= strstr(p, "SalesOrderSvc/GetNewOrderHed") != NULL;
        changed |= strstr(p, "/refunds") != NULL ||
                   strstr(p, "SalesOrderSvc/SalesOrders(") != NULL;
    }
    if (created)
        return ORDERS;
    if (changed)
        return REFUNDS;
    return previous == ORDERS ? REFUNDS : ORDERS;
}

/* The walks of rec into *out (caller frees); their count. */
static size_t find_walks(struct walk **out, const struct kh__fh_recording *rec)
{
    struct walk *w = kx_xcalloc(rec->n + 1, sizeof(*w));
    size_t n = 0;

    for (size_t i = 0; i < rec->n; i++) {
        int store, job = starts(rec, i, &store);

        if (job == NONE)
            continue;
        if (n)
            w[n - 1].to = i;
        w[n].from = n ? i : 0; /* what came before belongs to the first */
        w[n].job = job;
        w[n++].storefronts = store;
    }
    if (n)
        w[n - 1].to = rec->n;
    for (size_t k = 0; k < n; k++) {
        for (size_t i = w[k].from; i < w[k].to; i++) {
            w[k].storefronts |=
                strcmp(rec->x[i].system, "bigcommerce") == 0 ? BC : 0;
            w[k].storefronts |=
                strcmp(rec->x[i].system, "woocommerce") == 0 ? WC : 0;
        }
        if (w[k].job == ORDERS && w[k].storefronts == WC)
            w[k].job = woocommerce_job(rec, &w[k], k ? w[k - 1].job : NONE);
    }
    *out = w;
    return n;
}

/* 1 when walk b continues a's step: the same job on other storefronts
 * (`sync.orders` reads BigCommerce's orders, then WooCommerce's). */
static int same_step(const struct walk *a, const struct walk *b)
{
    return a->job == b->job && b->job == ORDERS && a->storefronts == BC &&
           b->storefronts == WC;
}

/* 1 when the walks are more than one pass of `sync --once`. */
static int several_runs(const struct walk *w, size_t n)
{
    for (size_t k = 1; k < n; k++) {
        if (w[k].job < w[k - 1].job ||
            (w[k].job == w[k - 1].job && !same_step(&w[k - 1], &w[k])))
            return 1;
    }
    return 0;
}

static void add_advance(cJSON *when, double ms)
{
    cJSON *step = cJSON_CreateObject();

    must(step && cJSON_AddStringToObject(step, "do", "clock.advance") &&
         cJSON_AddNumberToObject(step, "ms", ms) &&
         cJSON_AddItemToArray(when, step));
}

/* One refund a walk showed, if no earlier response did: the act that
 * puts it there between runs (someone refunded in the shop meanwhile). */
static void add_refund(cJSON *when, cJSON *seen, double order_id,
                       const cJSON *refund, int first_walk)
{
    double id = kx_json_num(refund, "id", -1);
    const char *amount = kx_json_str(refund, "amount");
    const char *total = kx_json_str(refund, "total");
    char key[64], money[32];
    cJSON *step, *args;

    snprintf(key, sizeof(key), "%.0f", id);
    if (id < 0 || cJSON_GetObjectItemCaseSensitive(seen, key))
        return;
    must(cJSON_AddTrueToObject(seen, key));
    if (first_walk || (!amount && !total))
        return; /* the initial state's */
    /* An order's refunds[] has "total": "-20.50"; a refund "amount". */
    snprintf(money, sizeof(money), "%s",
             amount ? amount : total + (total[0] == '-'));
    step = cJSON_CreateObject();
    must(step && cJSON_AddStringToObject(step, "do", "act") &&
         cJSON_AddStringToObject(step, "system", "woocommerce") &&
         cJSON_AddStringToObject(step, "action", "add_refund"));
    args = cJSON_AddObjectToObject(step, "args");
    must(args && cJSON_AddNumberToObject(args, "order_id", order_id) &&
         cJSON_AddStringToObject(args, "amount", money) &&
         cJSON_AddStringToObject(args, "reason",
                                 kx_json_str_or(refund, "reason", "")) &&
         cJSON_AddStringToObject(step, "comment",
                                 "recorded: this refund first showed in "
                                 "this run") &&
         cJSON_AddItemToArray(when, step));
}

/* The refunds WooCommerce showed in walk w (in orders' "refunds" and in
 * refund lists) that no earlier response showed, as acts. */
static void new_refunds(cJSON *when, cJSON *seen,
                        const struct kh__fh_recording *rec,
                        const struct walk *w, int first_walk)
{
    for (size_t i = w->from; i < w->to; i++) {
        const struct kh__fh_exchange *x = &rec->x[i];
        const cJSON *o, *r;
        char id[32];

        if (strcmp(x->system, "woocommerce") != 0 || !kh__fh_ok(x) ||
            strcmp(x->method, "GET") != 0 || !cJSON_IsArray(x->res_body))
            continue;
        if (ends_with(x->path, "/refunds")) {
            /* .../orders/{id}/refunds */
            const char *end = x->path + strlen(x->path) - strlen("/refunds");
            const char *slash = end;

            while (slash > x->path && slash[-1] != '/')
                slash--;
            snprintf(id, sizeof(id), "%.*s", (int)(end - slash), slash);
            cJSON_ArrayForEach(r, x->res_body)
            {
                add_refund(when, seen, strtod(id, NULL), r, first_walk);
            }
            continue;
        }
        cJSON_ArrayForEach(o, x->res_body)
        {
            cJSON_ArrayForEach(r, kx_json_arr(o, "refunds"))
            {
                add_refund(when, seen, kx_json_num(o, "id", 0), r, first_walk);
            }
        }
    }
}

cJSON *kh__fh_runs(const struct kh__fh_recording *rec)
{
    cJSON *seen = cJSON_CreateObject(); /* refund ids shown so far */
    struct walk *w = NULL;
    size_t n = find_walks(&w, rec);
    cJSON *when = NULL;
    double clock = rec->n ? rec->x[0].ms : -1;

    must(seen);
    if (!several_runs(w, n))
        goto out;
    when = cJSON_CreateArray();
    must(when);
    for (size_t k = 0; k < n; k++) {
        int store = w[k].storefronts;
        const char *only = NULL;
        double start = rec->x[w[k].from].ms;

        size_t first = k;

        if (clock >= 0 && start - clock >= ADVANCE_MIN_MS) {
            add_advance(when, start - clock);
            clock = start;
        }
        new_refunds(when, seen, rec, &w[k], k == 0);
        while (k + 1 < n && same_step(&w[k], &w[k + 1])) {
            store |= w[++k].storefronts;
            new_refunds(when, seen, rec, &w[k], first == 0);
        }
        /* Without an option a job runs against every storefront given. */
        if (store == BC && kh__fh_has(rec, "woocommerce"))
            only = "bigcommerce";
        else if (store == WC && kh__fh_has(rec, "bigcommerce"))
            only = "woocommerce";
        kh__fh_add_job(when, jobs[w[k].job],
                       w[k].job == ORDERS || w[k].job == REFUNDS ? "source"
                                                                 : "target",
                       only);
    }
out:
    cJSON_Delete(seen);
    free(w);
    return when;
}
