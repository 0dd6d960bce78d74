/*
 * Scenario jobs over the connector's BigCommerce client.
 *
 * The handle is built from given.connector.bigcommerce (store_hash,
 * access_token, client_secret, page_limit, webhook_header_name,
 * webhook_header_value, webhook_tolerance_s) and the URL of the running
 * "bigcommerce" emulator (base_url overrides it). Without a store_hash the
 * emulator's own is used. A job's "page_limit" option builds a one-off
 * handle with that page size (the client clamps it to 1..250).
 *
 * bigcommerce.start_receiver runs the connector's webhook receiver (the
 * one `kinsync sync --watch` runs, ops/src/receiver.h) on loopback, with
 * its production answers: 200 queued / duplicate / ignored, 400, 401, 413,
 * 503. Its "status" option makes every delivery fail with that status (a
 * rehearsal of a failing receiver); calling it again only changes that
 * status, so hooks keep their destination. bigcommerce.verify_webhook
 * reports the receiver's counts, takes its queue and can fetch the full
 * order named by the last queued order event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jobs.h"

#define RECEIVER_SLOT "bigcommerce.receiver"

static void handle_free(void *p)
{
    ks_bigcommerce_free(p);
}

ks_rc kh_job_bigcommerce_make(void **out, struct kh_ctx *ctx, int page_limit,
                              char *err, size_t errsz)
{
    const cJSON *cfg = kh_ctx_connector_config(ctx, "bigcommerce");
    struct km_emulator *emu = kh_ctx_emulator(ctx, "bigcommerce");
    struct ks_bigcommerce_options o = KS_BIGCOMMERCE_OPTIONS_INIT;
    struct ks_bigcommerce *bc = NULL;
    cJSON *snap = NULL;
    ks_rc rc;

    *out = NULL;
    o.base_url = kh_job_remote_url(ctx, "bigcommerce", "base_url", err, errsz);
    if (!o.base_url)
        return KS_EINVAL;
    o.store_hash = kx_json_str(cfg, "store_hash");
    if (!o.store_hash)
        o.store_hash =
            kx_json_str(kh_ctx_given(ctx, "bigcommerce"), "store_hash");
    if (!o.store_hash && emu) { /* the emulator's default */
        snap = km_emulator_snapshot(emu);
        o.store_hash = kx_json_str(snap, "store_hash");
    }
    o.access_token = kx_json_str(cfg, "access_token");
    o.client_secret = kx_json_str(cfg, "client_secret");
    o.webhook_header_name = kx_json_str(cfg, "webhook_header_name");
    o.webhook_header_value = kx_json_str(cfg, "webhook_header_value");
    o.webhook_tolerance_s = (int64_t)kx_json_num(cfg, "webhook_tolerance_s", 0);
    o.page_limit =
        page_limit > 0 ? page_limit : (int)kx_json_num(cfg, "page_limit", 250);
    rc = ks_bigcommerce_new(&bc, kh_ctx_client(ctx), &o);
    if (rc)
        snprintf(err, errsz, "bigcommerce: %s",
                 ks_client_last_error(kh_ctx_client(ctx))->message);
    cJSON_Delete(snap);
    *out = bc;
    return rc;
}

struct ks_bigcommerce *kh_job_bigcommerce(struct kh_ctx *ctx, int page_limit,
                                          int *owned, ks_rc *rc, char *err,
                                          size_t errsz)
{
    return kh_job_handle(ctx, KH_SLOT_BIGCOMMERCE, kh_job_bigcommerce_make,
                         handle_free, page_limit, owned, rc, err, errsz);
}

#define BC_BEGIN                                                               \
    KH_JOB_BEGIN(struct ks_bigcommerce, bc, kh_job_bigcommerce, "page_limit")

#define BC_END KH_JOB_END(bc, ks_bigcommerce_free)

static void add_stats(cJSON *o, const struct ks_bigcommerce_batch_stats *s)
{
    kh_job_put_batch(o, s->requests, s->ok, s->failed);
}

/* ---- catalog ---------------------------------------------------------- */

static ks_rc job_list_products(struct kh_ctx *ctx, const cJSON *options,
                               cJSON **result, char *err, size_t errsz)
{
    static const char *const names[] = {
        "sku", "sku:in", "id:in", "date_modified:min", "include", NULL};
    const char *q[9];
    struct kh_job_collect c = {NULL, NULL, NULL, 0};
    int pages = 0;
    BC_BEGIN

    c.ids = cJSON_CreateArray();
    c.skus = cJSON_CreateArray();
    kh_job_query(q, sizeof(q) / sizeof(*q), options, names);
    rc = ks_bigcommerce_products_list(bc, q, kh_job_collect_item, &c, &pages);
    rc = kh_job_listed(ctx, rc, &c, pages, result, err, errsz);
    BC_END
    return rc;
}

static ks_rc job_find_sku(struct kh_ctx *ctx, const cJSON *options,
                          cJSON **result, char *err, size_t errsz)
{
    cJSON *v = NULL;
    BC_BEGIN

    rc =
        ks_bigcommerce_variant_find_by_sku(&v, bc, kx_json_str(options, "sku"));
    *result = cJSON_CreateObject();
    if (v) {
        cJSON_AddNumberToObject(*result, "variant_id", kx_json_num(v, "id", 0));
        cJSON_AddNumberToObject(*result, "product_id",
                                kx_json_num(v, "product_id", 0));
        cJSON_AddNumberToObject(*result, "inventory_level",
                                kx_json_num(v, "inventory_level", 0));
    }
    if (rc)
        rc = kh_job_failed(ctx, rc, result, err, errsz);
    cJSON_Delete(v);
    BC_END
    return rc;
}

/* A generated product's name and price (options.generate.price, a
 * number). */
static void generated_fields(cJSON *p, const cJSON *gen, int i)
{
    const char *prefix = kx_json_str(gen, "prefix");
    char name[96];

    snprintf(name, sizeof(name), "Part %s%05d", prefix ? prefix : "", i);
    cJSON_AddStringToObject(p, "name", name);
    cJSON_AddNumberToObject(p, "price", kx_json_num(gen, "price", 9.99));
}

/* The catalog fields of a wanted {sku, name, price, inventory}. */
static cJSON *product_body(const cJSON *want, double id)
{
    cJSON *p = cJSON_CreateObject();
    const cJSON *inv = cJSON_GetObjectItemCaseSensitive(want, "inventory");

    if (id > 0)
        cJSON_AddNumberToObject(p, "id", id);
    else {
        cJSON_AddStringToObject(p, "type", "physical");
        cJSON_AddNumberToObject(p, "weight", kx_json_num(want, "weight", 0));
        cJSON_AddStringToObject(p, "sku", kx_json_str(want, "sku"));
        /* BigCommerce creates untracked products, and absolute stock
         * adjustments refuse them: track by product from the start. */
        cJSON_AddStringToObject(p, "inventory_tracking", "product");
    }
    if (kx_json_str(want, "name"))
        cJSON_AddStringToObject(p, "name", kx_json_str(want, "name"));
    else if (id <= 0) /* a name is required on create */
        cJSON_AddStringToObject(p, "name", kx_json_str(want, "sku"));
    cJSON_AddNumberToObject(p, "price", kx_json_num(want, "price", 0));
    if (cJSON_IsNumber(inv)) {
        if (id > 0)
            cJSON_AddStringToObject(p, "inventory_tracking", "product");
        cJSON_AddNumberToObject(p, "inventory_level", inv->valuedouble);
    }
    return p;
}

/* Creates each of create one by one (the API has no batch create),
 * counting them in *created. A product the store refuses (a conflict, a
 * validation error) goes into errors with its sku and counts in *refused;
 * any other failure stops and is returned. */
static ks_rc create_each(int *created, int *refused, struct kh_ctx *ctx,
                         struct ks_bigcommerce *bc, const cJSON *create,
                         cJSON *errors)
{
    const cJSON *p;
    ks_rc rc = KS_OK;

    cJSON_ArrayForEach(p, create)
    {
        const char *sku = kx_json_str(p, "sku");
        cJSON *body = product_body(p, 0), *made = NULL, *x;

        rc = ks_bigcommerce_product_create(&made, bc, body);
        cJSON_Delete(body);
        cJSON_Delete(made);
        if (!rc) {
            (*created)++;
            continue;
        }
        if (rc != KS_ECONFLICT && rc != KS_EREMOTE)
            break;
        x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "sku", sku ? sku : "");
        cJSON_AddStringToObject(
            x, "message", ks_client_last_error(kh_ctx_client(ctx))->message);
        cJSON_AddItemToArray(errors, x);
        (*refused)++;
        rc = KS_OK; /* one refused product does not stop the others */
    }
    return rc;
}

static ks_rc job_upsert_products(struct kh_ctx *ctx, const cJSON *options,
                                 cJSON **result, char *err, size_t errsz)
{
    struct ks_bigcommerce_batch_stats stats = {0, 0, 0};
    struct kh_job_upsert u;
    cJSON *bodies, *out = NULL, *errors;
    const cJSON *p;
    int created = 0, create_failed = 0;
    BC_BEGIN

    kh_job_upsert_init(&u, options, generated_fields);
    bodies = cJSON_CreateArray();
    *result = cJSON_CreateObject();
    errors = cJSON_AddArrayToObject(*result, "errors");
    rc = ks_bigcommerce_products_list(bc, NULL, kh_job_collect_item,
                                      &u.existing, NULL);
    if (!rc) {
        kh_job_upsert_split(&u);
        rc = create_each(&created, &create_failed, ctx, bc, u.create, errors);
    }
    cJSON_ArrayForEach(p, u.update)
    {
        cJSON_AddItemToArray(bodies, product_body(p, kx_json_num(p, "id", 0)));
    }
    if (!rc)
        rc = ks_bigcommerce_products_update(&out, &stats, bc, bodies);
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(out, "errors"))
    {
        cJSON_AddItemToArray(errors, cJSON_Duplicate(p, 1));
    }
    add_stats(*result, &stats);
    cJSON_AddNumberToObject(*result, "created", created);
    cJSON_AddNumberToObject(*result, "create_failed", create_failed);
    cJSON_AddNumberToObject(*result, "updated", (double)stats.ok);
    if (rc)
        rc = kh_job_failed(ctx, rc, result, err, errsz);
    cJSON_Delete(out);
    cJSON_Delete(bodies);
    kh_job_upsert_dispose(&u);
    BC_END
    return rc;
}

/* options.items, options.generate {count, prefix, width, quantity}, or
 * options.sku + options.quantity; location_id defaults to 1. */
static cJSON *wanted_items(const cJSON *options)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(options, "items");
    const cJSON *gen = cJSON_GetObjectItemCaseSensitive(options, "generate");
    cJSON *out =
        cJSON_IsArray(list) ? cJSON_Duplicate(list, 1) : cJSON_CreateArray();
    const cJSON *it;

    if (kx_json_str(options, "sku")) {
        cJSON *i = cJSON_CreateObject();

        cJSON_AddStringToObject(i, "sku", kx_json_str(options, "sku"));
        cJSON_AddNumberToObject(i, "quantity",
                                kx_json_num(options, "quantity", 0));
        cJSON_AddItemToArray(out, i);
    }
    if (gen) {
        int count = (int)kx_json_num(gen, "count", 0);
        int width = (int)kx_json_num(gen, "width", 6);
        double quantity = kx_json_num(gen, "quantity", 1);
        const char *prefix = kx_json_str(gen, "prefix");

        for (int i = 1; i <= count; i++) {
            cJSON *x = cJSON_CreateObject();
            char buf[96];

            snprintf(buf, sizeof(buf), "%s%0*d", prefix ? prefix : "GEN-",
                     width, i);
            cJSON_AddStringToObject(x, "sku", buf);
            cJSON_AddNumberToObject(x, "quantity", quantity);
            cJSON_AddItemToArray(out, x);
        }
    }
    cJSON_ArrayForEach(it, out)
    {
        if (!cJSON_GetObjectItemCaseSensitive(it, "location_id"))
            cJSON_AddNumberToObject((cJSON *)it, "location_id", 1);
    }
    return out;
}

static ks_rc job_set_inventory(struct kh_ctx *ctx, const cJSON *options,
                               cJSON **result, char *err, size_t errsz)
{
    struct ks_bigcommerce_batch_stats stats = {0, 0, 0};
    cJSON *items = wanted_items(options), *ids = NULL;
    const char *reason = kx_json_str(options, "reason");
    BC_BEGIN

    rc = ks_bigcommerce_inventory_absolute(
        &ids, &stats, bc, reason ? reason : "kinsync scenario", items);
    *result = cJSON_CreateObject();
    add_stats(*result, &stats);
    cJSON_AddNumberToObject(*result, "items", cJSON_GetArraySize(items));
    cJSON_AddNumberToObject(*result, "transactions", cJSON_GetArraySize(ids));
    if (rc)
        rc = kh_job_failed(ctx, rc, result, err, errsz);
    cJSON_Delete(ids);
    cJSON_Delete(items);
    BC_END
    return rc;
}

/* ---- customers, orders ------------------------------------------------ */

static ks_rc job_create_customers(struct kh_ctx *ctx, const cJSON *options,
                                  cJSON **result, char *err, size_t errsz)
{
    struct ks_bigcommerce_batch_stats stats = {0, 0, 0};
    cJSON *made = NULL;
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(options, "customers");
    BC_BEGIN

    rc = ks_bigcommerce_customers_create(&made, &stats, bc, list);
    *result = cJSON_CreateObject();
    add_stats(*result, &stats);
    cJSON_AddNumberToObject(*result, "created", cJSON_GetArraySize(made));
    if (rc)
        rc = kh_job_failed(ctx, rc, result, err, errsz);
    cJSON_Delete(made);
    BC_END
    return rc;
}

static ks_rc job_find_customer(struct kh_ctx *ctx, const cJSON *options,
                               cJSON **result, char *err, size_t errsz)
{
    cJSON *cust = NULL;
    BC_BEGIN

    rc = ks_bigcommerce_customer_find_by_email(&cust, bc,
                                               kx_json_str(options, "email"));
    *result = cust ? cust : cJSON_CreateObject();
    if (rc)
        rc = kh_job_failed(ctx, rc, result, err, errsz);
    BC_END
    return rc;
}

/* The fetched order plus counts a scenario can check. */
static void summarize_order(cJSON *order)
{
    cJSON_AddNumberToObject(order, "products_count",
                            cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
                                order, "products")));
    cJSON_AddNumberToObject(order, "shipping_addresses_count",
                            cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
                                order, "shipping_addresses")));
}

static ks_rc job_get_order(struct kh_ctx *ctx, const cJSON *options,
                           cJSON **result, char *err, size_t errsz)
{
    BC_BEGIN
    rc = ks_bigcommerce_order_get(result, bc,
                                  (int64_t)kx_json_num(options, "id", 0));
    if (*result)
        summarize_order(*result);
    if (rc)
        rc = kh_job_failed(ctx, rc, result, err, errsz);
    BC_END
    return rc;
}

static ks_rc job_list_orders_since(struct kh_ctx *ctx, const cJSON *options,
                                   cJSON **result, char *err, size_t errsz)
{
    struct kh_job_collect c = {NULL, NULL, NULL, 0};
    const char *since = kx_json_str(options, "since");
    BC_BEGIN

    c.ids = cJSON_CreateArray();
    rc = ks_bigcommerce_orders_modified_since(
        bc, since ? since : "1970-01-01T00:00:00+00:00", kh_job_collect_item,
        &c);
    rc = kh_job_listed(ctx, rc, &c, -1, result, err, errsz);
    BC_END
    return rc;
}

/* ---- webhooks --------------------------------------------------------- */

static ks_rc job_start_receiver(struct kh_ctx *ctx, const cJSON *options,
                                cJSON **result, char *err, size_t errsz)
{
    return kh_job_receiver_start(ctx, RECEIVER_SLOT, "bigcommerce", options,
                                 result, err, errsz);
}

static cJSON *event_json(const struct ks_bigcommerce_event *ev)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddStringToObject(o, "scope", ev->scope);
    cJSON_AddStringToObject(o, "type", ev->type);
    cJSON_AddNumberToObject(o, "id", (double)ev->id);
    cJSON_AddStringToObject(o, "store_id", ev->store_id);
    cJSON_AddStringToObject(o, "producer", ev->producer);
    cJSON_AddStringToObject(o, "hash", ev->hash);
    cJSON_AddStringToObject(o, "webhook_id", ev->webhook_id);
    cJSON_AddStringToObject(
        o, "auth",
        ev->auth == KS_BIGCOMMERCE_WEBHOOK_SIGNATURE ? "signature" : "header");
    if (ev->new_status_id >= 0) {
        cJSON_AddNumberToObject(o, "previous_status_id",
                                (double)ev->previous_status_id);
        cJSON_AddNumberToObject(o, "new_status_id", (double)ev->new_status_id);
    }
    return o;
}

/* The fetched order the last queued event names, into result. */
static ks_rc fetch_event_order(struct kh_ctx *ctx, const cJSON *options,
                               const struct ks_bigcommerce_event *ev,
                               cJSON **result, char *err, size_t errsz)
{
    cJSON *order = NULL;
    BC_BEGIN

    /* The thin payload names the order; the record comes from v2. */
    rc = ks_bigcommerce_order_get(&order, bc, ev->id);
    if (order) {
        summarize_order(order);
        cJSON_AddItemToObject(*result, "order", order);
    }
    if (rc)
        rc = kh_job_failed(ctx, rc, result, err, errsz);
    BC_END
    return rc;
}

static ks_rc job_verify_webhook(struct kh_ctx *ctx, const cJSON *options,
                                cJSON **result, char *err, size_t errsz)
{
    struct kh_job_receiver *r = kh_job_receiver_report(
        ctx, RECEIVER_SLOT, "bigcommerce", result, err, errsz);

    if (!r)
        return KS_EINVAL;
    if (r->have_last_bc)
        cJSON_AddItemToObject(*result, "event", event_json(&r->last_bc));
    if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(options, "fetch_order")))
        return KS_OK;
    if (!r->have_last_bc || strcmp(r->last_bc.type, "order") != 0 ||
        r->last_bc.id <= 0) {
        snprintf(err, errsz, "bigcommerce: no verified order event to fetch");
        return KS_ENOTFOUND;
    }
    return fetch_event_order(ctx, options, &r->last_bc, result, err, errsz);
}

static const struct kh_job_hook_keys hook_keys = {
    "bigcommerce",
    RECEIVER_SLOT,
    "destination",
    "scopes",
    {"store/order/created", "store/order/updated", NULL}};

static ks_rc job_ensure_hooks(struct kh_ctx *ctx, const cJSON *options,
                              cJSON **result, char *err, size_t errsz)
{
    struct kh_job_hook_target t;
    const cJSON *h;
    cJSON *hooks = NULL;
    int counts[4] = {0, 0, 0, 0};
    const char *names[4] = {"ok", "created", "reactivated", "recreated"};
    BC_BEGIN

    rc = kh_job_hook_target(&t, ctx, options, &hook_keys, err, errsz);
    if (rc) {
        BC_END
        return rc;
    }
    rc = ks_bigcommerce_hooks_ensure(
        &hooks, bc, t.topics, t.url,
        cJSON_GetObjectItemCaseSensitive(options, "headers"));
    *result = cJSON_CreateObject();
    cJSON_ArrayForEach(h, hooks)
    {
        const char *a = kx_json_str(h, "action");

        for (int i = 0; a && i < 4; i++)
            counts[i] += strcmp(a, names[i]) == 0;
    }
    cJSON_AddNumberToObject(*result, "count", cJSON_GetArraySize(hooks));
    for (int i = 0; i < 4; i++)
        cJSON_AddNumberToObject(*result, names[i], counts[i]);
    if (hooks)
        cJSON_AddItemToObject(*result, "hooks", hooks);
    if (rc)
        rc = kh_job_failed(ctx, rc, result, err, errsz);
    BC_END
    return rc;
}

/* The jobs that go through kh_job_bigcommerce() list page_limit, which
 * it reads (verify_webhook does only with fetch_order); start_receiver
 * builds its own handle. */
const struct kh_job kh_jobs_bigcommerce[] = {
    {"bigcommerce.list_products", job_list_products,
     "list products page by page (options: sku, sku:in, id:in, "
     "date_modified:min, include, page_limit)",
     "sku sku:in id:in date_modified:min include page_limit"},
    {"bigcommerce.find_sku", job_find_sku,
     "look a SKU up through /v3/catalog/variants?sku= (options: sku)",
     "sku page_limit"},
    {"bigcommerce.upsert_products", job_upsert_products,
     "create missing products one by one and batch-update existing ones "
     "by SKU (options: products [{sku,name,price,inventory}] | generate "
     "{count,prefix,price})",
     "products generate page_limit"},
    {"bigcommerce.set_inventory", job_set_inventory,
     "absolute inventory adjustments in chunks of 2000 (options: items | "
     "generate {count,prefix,width,quantity} | sku + quantity)",
     "items generate sku quantity reason page_limit"},
    {"bigcommerce.create_customers", job_create_customers,
     "create customers in chunks of 10 (options: customers)",
     "customers page_limit"},
    {"bigcommerce.find_customer", job_find_customer,
     "find a customer by e-mail (options: email)", "email page_limit"},
    {"bigcommerce.get_order", job_get_order,
     "fetch an order with its products and shipping addresses (options: id)",
     "id page_limit"},
    {"bigcommerce.list_orders_since", job_list_orders_since,
     "list orders modified since options.since (RFC 2822 or ISO 8601)",
     "since page_limit"},
    {"bigcommerce.start_receiver", job_start_receiver,
     "start the connector's webhook receiver, or change its forced status "
     "(options: status, 400..599 to fail every delivery, 0 to recover)",
     "status"},
    {"bigcommerce.ensure_hooks", job_ensure_hooks,
     "register missing hooks and repair deactivated ones (options: scopes, "
     "destination, headers)",
     "scopes destination headers page_limit"},
    {"bigcommerce.verify_webhook", job_verify_webhook,
     "what the receiver verified, queued, rejected or ignored, and the last "
     "queued event; fetch_order: true fetches the order it names",
     "fetch_order page_limit"},
    {"bigcommerce.receiver_stats", job_verify_webhook,
     "the same report as bigcommerce.verify_webhook", "fetch_order page_limit"},
    {NULL, NULL, NULL, NULL}};
