/*
 * Where web orders come from: the BigCommerce and WooCommerce order
 * shapes parsed into struct ks__sync_order, the backfill polls by
 * modified-since cursor, and single orders named by a webhook.
 *
 * Cursors: BigCommerce's min_date_modified is inclusive, so the order at
 * the cursor is listed again and skipped by its done intent; WooCommerce's
 * modified_after is exclusive and has one-second resolution, so the poll
 * asks from one second before the cursor (an order modified in the same
 * second as the last one seen is not lost). The cursor moves after every
 * order handled (imported, skipped or queued in the outbox), so a run
 * stopped half-way resumes at the first order it did not handle.
 */
#include <stdio.h>
#include <string.h>
#include <curl/curl.h>
#include <kx/time.h>
#include <kx/json.h>
#include "sync_int.h"

#define BC_SINCE_DEFAULT "2000-01-01T00:00:00Z"
#define WC_SINCE_DEFAULT "2000-01-01T00:00:00"
#define CURSOR_ENTITY "modified"

/* Statuses that mean "paid, to be fulfilled": Shipped, Partially Shipped,
 * Awaiting Pickup, Awaiting Shipment, Completed, Awaiting Fulfillment.
 * Pending, Awaiting Payment, Incomplete, Declined, Cancelled, Refunded,
 * Disputed and Manual Verification are not orders to fulfil (yet). */
static int bc_importable(int status)
{
    return status == 2 || status == 3 || status == 8 || status == 9 ||
           status == 10 || status == 11;
}

static int wc_importable(const char *status)
{
    return strcmp(status, "processing") == 0 ||
           strcmp(status, "completed") == 0;
}

/* "YYYY-MM-DD" of t (seconds since the epoch); "" when t is not a time. */
static void date_of(char out[11], time_t t)
{
    char iso[KX_ISO8601_MAX];

    out[0] = '\0';
    if (t > 0)
        snprintf(out, 11, "%.10s",
                 kx_iso8601_format(iso, (int64_t)t * 1000, 0));
}

/* The goods total of a line: its total over its quantity, in whole cents
 * (a line whose total does not divide is refused rather than rounded). */
static const char *line_unit(struct ks__sync_line *l, const cJSON *total)
{
    int64_t cents;

    if (l->qty <= 0)
        return "a line has no positive whole quantity";
    if (ks__sync_json_cents(&cents, total))
        return "a line total is not a decimal amount";
    if (cents % l->qty)
        return "a line total is not a whole number of cents per unit";
    l->unit_cents = cents / l->qty;
    return NULL;
}

/* The buyer's billing address; the platforms name street and postcode
 * differently. */
static void buyer_of(struct ks__sync_order *o, const cJSON *bill,
                     const char *street_key, const char *zip_key)
{
    o->email = kx_json_str_or(bill, "email", "");
    o->first_name = kx_json_str_or(bill, "first_name", "");
    o->last_name = kx_json_str_or(bill, "last_name", "");
    o->company = kx_json_str_or(bill, "company", "");
    o->street = kx_json_str_or(bill, street_key, "");
    o->city = kx_json_str_or(bill, "city", "");
    o->state = kx_json_str_or(bill, "state", "");
    o->zip = kx_json_str_or(bill, zip_key, "");
    o->country = kx_json_str_or(bill, "country", "");
}

/* The order lines of arr, each with its goods total under total_key; the
 * first line that cannot be priced (or an order without lines) marks the
 * order bad. */
static ks_rc lines_of(struct ks__sync_order *o, const cJSON *arr,
                      const char *total_key)
{
    const cJSON *p;
    size_t i = 0;

    o->nlines = (size_t)cJSON_GetArraySize(arr);
    o->lines = ks__calloc(o->nlines + 1, sizeof(*o->lines));
    if (!o->lines)
        return KS_ENOMEM;
    if (o->nlines == 0)
        o->bad = "the order has no lines";
    cJSON_ArrayForEach(p, arr)
    {
        struct ks__sync_line *l = &o->lines[i++];
        const char *bad;

        l->sku = kx_json_str_or(p, "sku", "");
        l->id = (int64_t)kx_json_numeric(p, "id", 0);
        l->name = kx_json_str_or(p, "name", "");
        l->qty = (int64_t)kx_json_numeric(p, "quantity", 0);
        bad = line_unit(l, cJSON_GetObjectItemCaseSensitive(p, total_key));
        if (bad && !o->bad)
            o->bad = bad;
    }
    return KS_OK;
}

static ks_rc bc_parse(struct ks__sync_order *o, const cJSON *order)
{
    const cJSON *bill =
        cJSON_GetObjectItemCaseSensitive(order, "billing_address");
    const cJSON *prods = cJSON_GetObjectItemCaseSensitive(order, "products");
    int64_t total, ship, handling, wrap;
    ks_rc rc;

    memset(o, 0, sizeof(*o));
    o->system = "bigcommerce";
    o->flow = KS__FLOW_ORDERS_BC;
    o->customer_map = KS__MAP_BC_CUSTOMER;
    snprintf(o->ref, sizeof(o->ref), "BC-%lld",
             (long long)kx_json_numeric(order, "id", 0));
    o->customer_id = (int64_t)kx_json_numeric(order, "customer_id", 0);
    buyer_of(o, bill, "street_1", "zip");
    date_of(o->order_date,
            curl_getdate(kx_json_str_or(order, "date_created", ""), NULL));
    rc = lines_of(o, prods, "total_ex_tax");
    if (rc)
        return rc;
    /* goods = total - shipping - handling - wrapping (all ex tax) */
    if (ks__sync_json_cents(
            &total, cJSON_GetObjectItemCaseSensitive(order, "total_ex_tax")) ||
        ks__sync_json_cents(&ship, cJSON_GetObjectItemCaseSensitive(
                                       order, "shipping_cost_ex_tax")) ||
        ks__sync_json_cents(&handling, cJSON_GetObjectItemCaseSensitive(
                                           order, "handling_cost_ex_tax")) ||
        ks__sync_json_cents(&wrap, cJSON_GetObjectItemCaseSensitive(
                                       order, "wrapping_cost_ex_tax"))) {
        if (!o->bad)
            o->bad = "the order totals are not decimal amounts";
        return KS_OK;
    }
    o->expected_cents = total - ship - handling - wrap;
    return KS_OK;
}

static ks_rc wc_parse(struct ks__sync_order *o, const cJSON *order)
{
    const cJSON *bill = cJSON_GetObjectItemCaseSensitive(order, "billing");
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(order, "line_items");
    int64_t total, ship, tax;
    ks_rc rc;

    memset(o, 0, sizeof(*o));
    o->system = "woocommerce";
    o->flow = KS__FLOW_ORDERS_WC;
    o->customer_map = KS__MAP_WC_CUSTOMER;
    snprintf(o->ref, sizeof(o->ref), "WC-%lld",
             (long long)kx_json_numeric(order, "id", 0));
    o->customer_id = (int64_t)kx_json_numeric(order, "customer_id", 0);
    buyer_of(o, bill, "address_1", "postcode");
    snprintf(o->order_date, sizeof(o->order_date), "%.10s",
             kx_json_str_or(order, "date_created_gmt", ""));
    rc = lines_of(o, items, "total");
    if (rc)
        return rc;
    /* goods = total - shipping - tax; line totals are after discounts */
    if (ks__sync_json_cents(&total,
                            cJSON_GetObjectItemCaseSensitive(order, "total")) ||
        ks__sync_json_cents(
            &ship, cJSON_GetObjectItemCaseSensitive(order, "shipping_total")) ||
        ks__sync_json_cents(
            &tax, cJSON_GetObjectItemCaseSensitive(order, "total_tax"))) {
        if (!o->bad)
            o->bad = "the order totals are not decimal amounts";
        return KS_OK;
    }
    o->expected_cents = total - ship - tax;
    return KS_OK;
}

/* A line with an empty SKU can never be mapped: say so. */
static void check_skus(struct ks__sync_order *o)
{
    for (size_t i = 0; i < o->nlines && !o->bad; i++) {
        if (!*o->lines[i].sku)
            o->bad = "a line has no SKU";
    }
}

static ks_rc skip_ref(struct ks_sync_stats *stats, struct ks_sync *sync,
                      const char *flow, const char *system, const char *ref,
                      const char *status)
{
    char detail[96];

    stats->skipped++;
    snprintf(detail, sizeof(detail), "status %s is not imported", status);
    return ks__sync_audit(sync, flow, system, ref, NULL, NULL, "order.create",
                          "skipped", 1, detail);
}

static ks_rc skip_status(struct ks_sync_stats *stats, struct ks_sync *sync,
                         const struct ks__sync_order *o, const char *status)
{
    return skip_ref(stats, sync, o->flow, o->system, o->ref, status);
}

/* Parses and imports one order JSON of either platform. */
static ks_rc import_json(struct ks_sync_stats *stats, struct ks_sync *sync,
                         const cJSON *order, int bigcommerce)
{
    struct ks__sync_order o;
    ks_rc rc;

    rc = bigcommerce ? bc_parse(&o, order) : wc_parse(&o, order);
    if (rc)
        goto out;
    check_skus(&o);
    if (bigcommerce &&
        !bc_importable((int)kx_json_numeric(order, "status_id", 0)))
        rc = skip_status(stats, sync, &o, kx_json_str_or(order, "status", ""));
    else if (!bigcommerce &&
             !wc_importable(kx_json_str_or(order, "status", "")))
        rc = skip_status(stats, sync, &o, kx_json_str_or(order, "status", ""));
    else
        rc = ks__sync_import(stats, sync, &o, order);
out:
    ks__free(o.lines);
    return rc;
}

/* Already imported: no need to fetch it. */
static ks_rc done_already(int *done, struct ks_sync *sync, const char *ref)
{
    struct ks_intent in;
    ks_rc rc = ks_store_intent_get(&in, sync->store, KS__INTENT_ORDER, ref);

    *done = rc == KS_OK && in.state == KS_INTENT_DONE;
    return ks__sync_fail(sync, rc == KS_ENOTFOUND ? KS_OK : rc, 1);
}

ks_rc ks__sync_bc_order_import(struct ks_sync_stats *stats,
                               struct ks_sync *sync, int64_t order_id)
{
    cJSON *order = NULL;
    char ref[40];
    int done = 0;
    ks_rc rc;

    snprintf(ref, sizeof(ref), "BC-%lld", (long long)order_id);
    rc = done_already(&done, sync, ref);
    if (rc || done) {
        stats->skipped += done;
        return rc;
    }
    rc = ks_bigcommerce_order_get(&order, sync->bc, order_id);
    if (rc)
        return ks__sync_fail(sync, rc, 0);
    stats->read++;
    rc = import_json(stats, sync, order, 1);
    cJSON_Delete(order);
    return rc;
}

ks_rc ks__sync_wc_order_import(struct ks_sync_stats *stats,
                               struct ks_sync *sync, int64_t order_id,
                               const cJSON *order)
{
    cJSON *fetched = NULL;
    char ref[40];
    int done = 0;
    ks_rc rc;

    snprintf(ref, sizeof(ref), "WC-%lld", (long long)order_id);
    rc = done_already(&done, sync, ref);
    if (rc || done) {
        stats->skipped += done;
        return rc;
    }
    if (!order) {
        rc = ks_woocommerce_order_get(&fetched, sync->wc, order_id);
        if (rc)
            return ks__sync_fail(sync, rc, 0);
        order = fetched;
    }
    stats->read++;
    rc = import_json(stats, sync, order, 0);
    cJSON_Delete(fetched);
    return rc;
}

/* ---- polls ------------------------------------------------------------ */

void ks__sync_second_before(char out[32], const char *iso)
{
    char text[KX_ISO8601_MAX];
    int64_t ms;

    if (kx_iso8601_parse(&ms, iso, 0) != 0) {
        snprintf(out, 32, "%s", iso);
        return;
    }
    snprintf(out, 32, "%s", kx_iso8601_format(text, ms - 1000, 0));
}

static ks_rc poll(struct ks_sync_stats *stats, struct ks_sync *sync,
                  int bigcommerce)
{
    const char *flow = bigcommerce ? KS__FLOW_ORDERS_BC : KS__FLOW_ORDERS_WC;
    const char *date_field =
        bigcommerce ? "date_modified" : "date_modified_gmt";
    char *cursor = NULL, since[32];
    cJSON *list = cJSON_CreateArray();
    const cJSON *it;
    ks_rc rc;

    if (!list)
        return KS_ENOMEM;
    rc = ks_store_cursor_get(&cursor, sync->store, flow, CURSOR_ENTITY);
    if (rc && rc != KS_ENOTFOUND) {
        rc = ks__sync_fail(sync, rc, 1);
        goto out;
    }
    if (bigcommerce) {
        rc = ks_bigcommerce_orders_modified_since(
            sync->bc, cursor ? cursor : BC_SINCE_DEFAULT, ks__sync_collect,
            list);
    } else {
        ks__sync_second_before(since, cursor ? cursor : WC_SINCE_DEFAULT);
        rc = ks_woocommerce_orders_modified_since(sync->wc, since,
                                                  ks__sync_collect, list);
    }
    if (rc) {
        rc = ks__sync_fail(sync, rc, 0);
        goto out;
    }
    cJSON_ArrayForEach(it, list)
    {
        int64_t id = (int64_t)kx_json_numeric(it, "id", 0);
        const char *date = kx_json_str_or(it, date_field, "");

        if (bigcommerce &&
            !bc_importable((int)kx_json_numeric(it, "status_id", 0))) {
            /* the listing says enough: no need to fetch the whole order */
            char ref[40];

            snprintf(ref, sizeof(ref), "BC-%lld", (long long)id);
            stats->read++;
            rc = skip_ref(stats, sync, flow, "bigcommerce", ref,
                          kx_json_str_or(it, "status", ""));
        } else if (bigcommerce) {
            rc = ks__sync_bc_order_import(stats, sync, id);
        } else {
            rc = ks__sync_wc_order_import(stats, sync, id, it);
        }
        if (rc)
            break;
        if (*date && (!cursor || strcmp(cursor, date) != 0)) {
            rc = ks__sync_fail(
                sync,
                ks_store_cursor_set(sync->store, flow, CURSOR_ENTITY, date), 1);
            if (rc)
                break;
        }
    }
out:
    ks_store_string_free(cursor);
    cJSON_Delete(list);
    return rc;
}

ks_rc ks_sync_orders_from_bigcommerce(struct ks_sync_stats *stats,
                                      struct ks_sync *sync)
{
    ks__sync_enter(sync, stats);
    if (!sync->bc)
        return ks__sync_leave(sync,
                              ks__error_set(&sync->err, KS_EINVAL, 0,
                                            "sync: no BigCommerce handle"));
    return ks__sync_leave(sync, poll(stats, sync, 1));
}

ks_rc ks_sync_orders_from_woocommerce(struct ks_sync_stats *stats,
                                      struct ks_sync *sync)
{
    ks__sync_enter(sync, stats);
    if (!sync->wc)
        return ks__sync_leave(sync,
                              ks__error_set(&sync->err, KS_EINVAL, 0,
                                            "sync: no WooCommerce handle"));
    return ks__sync_leave(sync, poll(stats, sync, 0));
}

ks_rc ks_sync_order_from_woocommerce_id(struct ks_sync_stats *stats,
                                        struct ks_sync *sync, int64_t order_id)
{
    ks__sync_enter(sync, stats);
    if (!sync->wc || order_id <= 0)
        return ks__sync_leave(
            sync, ks__error_set(&sync->err, KS_EINVAL, 0,
                                "sync: no WooCommerce handle or order id"));
    return ks__sync_leave(
        sync, ks__sync_wc_order_import(stats, sync, order_id, NULL));
}

ks_rc ks_sync_order_from_bigcommerce_event(
    struct ks_sync_stats *stats, struct ks_sync *sync,
    const struct ks_bigcommerce_event *event)
{
    char key[192];
    int64_t before;
    ks_rc rc;

    ks__sync_enter(sync, stats);
    if (!sync->bc || !event)
        return ks__sync_leave(
            sync, ks__error_set(&sync->err, KS_EINVAL, 0,
                                "sync: no BigCommerce handle or event"));
    if (strcmp(event->type, "order") != 0 || event->id <= 0) {
        stats->skipped++;
        return ks__sync_leave(sync, KS_OK);
    }
    before = stats->skipped;
    rc = ks__sync_bc_order_import(stats, sync, event->id);
    if (rc)
        return ks__sync_leave(sync, rc);
    if (stats->skipped > before && stats->read == 0) {
        /* imported before: a platform retry, a second hook, or a later
         * event of an order already handled */
        char ref[40];

        snprintf(ref, sizeof(ref), "BC-%lld", (long long)event->id);
        rc = ks__sync_audit(sync, KS__FLOW_ORDERS_BC, "bigcommerce", ref, NULL,
                            NULL, event->scope, "duplicate", 1,
                            event->webhook_id);
        if (rc)
            return ks__sync_leave(sync, rc);
    }
    /* remembered only once handled, so a failed delivery can come again */
    snprintf(key, sizeof(key), "%s",
             event->webhook_id[0] ? event->webhook_id : event->hash);
    if (key[0]) {
        rc = ks_store_seen_add(sync->store, "bigcommerce", key,
                               ks_clock_now_ms(ks_client_clock(sync->client)));
        if (rc == KS_EDUPLICATE)
            rc = KS_OK;
        rc = ks__sync_fail(sync, rc, 1);
    }
    return ks__sync_leave(sync, rc);
}
