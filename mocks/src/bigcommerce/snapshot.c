/*
 * The BigCommerce emulator's state as JSON for expectations: whole, or only
 * the members and entries a list of JSON pointers names (a generated store
 * of 100,000 products is not copied to read three of them).
 */
#include <stdio.h>
#include <kx/json.h>
#include "bigcommerce_emu.h"

/* The snapshot of one order: its public shape with the sub-resources
 * inline, each under its link's name. */
static cJSON *order_json(struct km__bigcommerce_state *st, const cJSON *it)
{
    static const char *const subs[] = {"products", "shipping_addresses",
                                       "shipments", "coupons"};
    cJSON *o = km__bigcommerce_order_json(st, it);

    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
        char priv[40];

        snprintf(priv, sizeof(priv), "_%s", subs[i]);
        km__storefront_set(o, subs[i],
                           cJSON_Duplicate(cJSON_GetObjectItem(it, priv), 1));
    }
    return o;
}

static cJSON *hook_json(const cJSON *it)
{
    cJSON *h = km__storefront_public(it);

    cJSON_AddNumberToObject(h, "last_active_ms",
                            kx_json_numeric(it, "_last_active_ms", 0));
    if (*kx_json_str_or(it, "_deactivated", ""))
        cJSON_AddStringToObject(h, "deactivated",
                                kx_json_str_or(it, "_deactivated", ""));
    return h;
}

static cJSON *rate_limit_json(struct km__bigcommerce_state *st)
{
    cJSON *rl = cJSON_CreateObject();
    int64_t now = ks_clock_now_ms(st->clock);
    int live = st->window_start_ms && now < st->window_start_ms + st->window_ms;

    cJSON_AddNumberToObject(rl, "quota", st->quota);
    cJSON_AddNumberToObject(rl, "window_ms", (double)st->window_ms);
    cJSON_AddNumberToObject(rl, "used", live ? st->used : 0);
    cJSON_AddNumberToObject(rl, "left",
                            live ? st->quota - st->used : st->quota);
    return rl;
}

/* Member name of the snapshot: the entries want asks for built, the
 * others null. */
static void add_products(cJSON *snap, struct km__bigcommerce_state *st,
                         const struct km_snapshot_want *want)
{
    cJSON *arr = cJSON_AddArrayToObject(snap, "products");

    for (size_t i = 0; i < st->nproducts; i++)
        cJSON_AddItemToArray(
            arr, km_snapshot_wants_entry(want, "products", i)
                     ? km__bigcommerce_product_json(st->products[i], 1)
                     : cJSON_CreateNull());
}

static void
add_list(cJSON *snap, const char *name, const cJSON *list,
         cJSON *(*entry)(struct km__bigcommerce_state *, const cJSON *),
         struct km__bigcommerce_state *st, const struct km_snapshot_want *want)
{
    cJSON *arr = cJSON_AddArrayToObject(snap, name);
    const cJSON *it;
    size_t i = 0;

    cJSON_ArrayForEach(it, list)
    {
        cJSON_AddItemToArray(arr, km_snapshot_wants_entry(want, name, i++)
                                      ? entry(st, it)
                                      : cJSON_CreateNull());
    }
}

static cJSON *customer_entry(struct km__bigcommerce_state *st, const cJSON *it)
{
    (void)st;
    return km__storefront_public(it);
}

static cJSON *hook_entry(struct km__bigcommerce_state *st, const cJSON *it)
{
    (void)st;
    return hook_json(it);
}

cJSON *km__bigcommerce_snapshot_some(void *state,
                                     const struct km_snapshot_want *want)
{
    struct km__bigcommerce_state *st = state;
    cJSON *snap = cJSON_CreateObject();

    if (km_snapshot_wants(want, "store_hash"))
        cJSON_AddStringToObject(snap, "store_hash", st->store_hash);
    if (km_snapshot_wants(want, "store_id"))
        cJSON_AddStringToObject(snap, "store_id", st->store_id);
    if (km_snapshot_wants(want, "products"))
        add_products(snap, st, want);
    if (km_snapshot_wants(want, "customers"))
        add_list(snap, "customers", st->customers, customer_entry, st, want);
    if (km_snapshot_wants(want, "orders"))
        add_list(snap, "orders", st->orders, order_json, st, want);
    if (km_snapshot_wants(want, "hooks"))
        add_list(snap, "hooks", st->hooks, hook_entry, st, want);
    if (km_snapshot_wants(want, "deliveries"))
        cJSON_AddItemToObject(snap, "deliveries",
                              cJSON_Duplicate(st->deliveries, 1));
    if (km_snapshot_wants(want, "pending_deliveries"))
        cJSON_AddNumberToObject(snap, "pending_deliveries", (double)st->nqueue);
    if (km_snapshot_wants(want, "rate_limit"))
        cJSON_AddItemToObject(snap, "rate_limit", rate_limit_json(st));
    return snap;
}

cJSON *km__bigcommerce_snapshot(void *state)
{
    return km__bigcommerce_snapshot_some(state, NULL);
}
