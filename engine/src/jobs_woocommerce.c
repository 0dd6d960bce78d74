/*
 * Scenario jobs over the connector's WooCommerce client.
 *
 * The handle is built from given.connector.woocommerce (consumer_key,
 * consumer_secret, auth basic|query|oauth1, per_page, webhook_secret,
 * reenable_disabled_hooks, batch_limit) and the URL of the running
 * "woocommerce" emulator. A job's "per_page" option builds a one-off
 * handle with that page size (the client clamps it to 1..100).
 *
 * woocommerce.start_receiver runs the connector's webhook receiver (the
 * one `kinsync sync --watch` runs, ops/src/receiver.h) on loopback, with
 * its production answers: 200 queued / duplicate / pong / ignored, 400,
 * 401, 413, 503; the "status" option makes every delivery fail with it.
 * woocommerce.ensure_hooks points hooks at it unless given a delivery_url.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jobs.h"

#define RECEIVER_SLOT "woocommerce.receiver"

static void handle_free(void *p)
{
    ks_woocommerce_free(p);
}

ks_rc kh_job_woocommerce_make(void **out, struct kh_ctx *ctx, int per_page,
                              char *err, size_t errsz)
{
    const cJSON *cfg = kh_ctx_connector_config(ctx, "woocommerce");
    struct ks_woocommerce_options o = KS_WOOCOMMERCE_OPTIONS_INIT;
    struct ks_woocommerce *wc = NULL;
    const char *auth = kx_json_str(cfg, "auth");
    ks_rc rc;

    *out = NULL;
    o.site_url = kh_job_remote_url(ctx, "woocommerce", "site_url", err, errsz);
    if (!o.site_url)
        return KS_EINVAL;
    o.consumer_key = kx_json_str(cfg, "consumer_key");
    o.consumer_secret = kx_json_str(cfg, "consumer_secret");
    o.webhook_secret = kx_json_str(cfg, "webhook_secret");
    o.per_page =
        per_page > 0 ? per_page : (int)kx_json_num(cfg, "per_page", 100);
    o.batch_limit = (int)kx_json_num(cfg, "batch_limit", 0);
    o.reenable_disabled_hooks = cJSON_IsTrue(
        cJSON_GetObjectItemCaseSensitive(cfg, "reenable_disabled_hooks"));
    if (auth && ks_woocommerce_auth_from_name(&o.auth, auth) != 0) {
        snprintf(err, errsz, "woocommerce: unknown auth \"%s\"", auth);
        return KS_EINVAL;
    }
    rc = ks_woocommerce_new(&wc, kh_ctx_client(ctx), &o);
    if (rc)
        snprintf(err, errsz, "woocommerce: %s",
                 ks_client_last_error(kh_ctx_client(ctx))->message);
    *out = wc;
    return rc;
}

struct ks_woocommerce *kh_job_woocommerce(struct kh_ctx *ctx, int per_page,
                                          int *owned, ks_rc *rc, char *err,
                                          size_t errsz)
{
    return kh_job_handle(ctx, KH_SLOT_WOOCOMMERCE, kh_job_woocommerce_make,
                         handle_free, per_page, owned, rc, err, errsz);
}

#define WC_BEGIN                                                               \
    KH_JOB_BEGIN(struct ks_woocommerce, wc, kh_job_woocommerce, "per_page")

#define WC_END KH_JOB_END(wc, ks_woocommerce_free)

/* ---- listing ---------------------------------------------------------- */

static ks_rc job_list_products(struct kh_ctx *ctx, const cJSON *options,
                               cJSON **result, char *err, size_t errsz)
{
    static const char *const names[] = {"sku", "modified_after", NULL};
    const char *q[5];
    struct kh_job_collect c = {NULL, NULL, NULL, 0};
    int pages = 0;
    WC_BEGIN

    c.ids = cJSON_CreateArray();
    c.skus = cJSON_CreateArray();
    kh_job_query(q, sizeof(q) / sizeof(*q), options, names);
    rc =
        ks_woocommerce_list(wc, "products", q, kh_job_collect_item, &c, &pages);
    rc = kh_job_listed(ctx, rc, &c, pages, result, err, errsz);
    WC_END
    return rc;
}

/* ---- products --------------------------------------------------------- */

/* A generated product's name and regular_price (WooCommerce prices are
 * strings: options.generate.price is one). */
static void generated_fields(cJSON *p, const cJSON *gen, int i)
{
    const char *price = kx_json_str(gen, "price");
    char name[32];

    snprintf(name, sizeof(name), "Part %d", i);
    cJSON_AddStringToObject(p, "name", name);
    cJSON_AddStringToObject(p, "regular_price", price ? price : "9.99");
}

/* The string member key of o, or "" (never NULL). */
static const char *str_or_empty(const cJSON *o, const char *key)
{
    const char *v = kx_json_str(o, key);

    return v ? v : "";
}

/* The items a batch answered with an "error" object, each as {sku, code,
 * message} into errors; the answer's create and update arrays follow the
 * order of the ones sent. */
static void batch_errors(cJSON *errors, const cJSON *out,
                         const struct kh_job_upsert *u)
{
    const char *kinds[] = {"create", "update"};
    const cJSON *r;

    for (int k = 0; out && k < 2; k++) {
        int i = 0;

        cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(out, kinds[k]))
        {
            const cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "error");
            const cJSON *in =
                cJSON_GetArrayItem(k ? u->update : u->create, i++);
            cJSON *x;

            if (!cJSON_IsObject(e))
                continue;
            x = cJSON_CreateObject();
            cJSON_AddStringToObject(x, "sku", str_or_empty(in, "sku"));
            cJSON_AddStringToObject(x, "code", str_or_empty(e, "code"));
            cJSON_AddStringToObject(x, "message", str_or_empty(e, "message"));
            cJSON_AddItemToArray(errors, x);
        }
    }
}

static ks_rc job_upsert_products(struct kh_ctx *ctx, const cJSON *options,
                                 cJSON **result, char *err, size_t errsz)
{
    struct ks_woocommerce_batch_stats stats = {0, 0, 0};
    struct kh_job_upsert u;
    cJSON *out = NULL;
    WC_BEGIN

    kh_job_upsert_init(&u, options, generated_fields);
    rc = ks_woocommerce_list(wc, "products", NULL, kh_job_collect_item,
                             &u.existing, NULL);
    if (!rc) {
        kh_job_upsert_split(&u);
        rc = ks_woocommerce_products_batch(&out, &stats, wc, u.create, u.update,
                                           NULL);
    }
    *result = cJSON_CreateObject();
    kh_job_put_batch(*result, stats.requests, stats.ok, stats.failed);
    cJSON_AddNumberToObject(*result, "created", cJSON_GetArraySize(u.create));
    cJSON_AddNumberToObject(*result, "updated", cJSON_GetArraySize(u.update));
    batch_errors(cJSON_AddArrayToObject(*result, "errors"), out, &u);
    if (rc)
        rc = kh_job_failed(ctx, rc, result, err, errsz);
    cJSON_Delete(out);
    kh_job_upsert_dispose(&u);
    WC_END
    return rc;
}

static ks_rc job_set_stock(struct kh_ctx *ctx, const cJSON *options,
                           cJSON **result, char *err, size_t errsz)
{
    const char *sku = kx_json_str(options, "sku");
    int64_t pid = (int64_t)kx_json_num(options, "product_id", 0);
    int64_t vid = (int64_t)kx_json_num(options, "variation_id", 0);
    cJSON *found = NULL, *updated = NULL;
    WC_BEGIN

    if (sku) {
        rc = ks_woocommerce_product_find_by_sku(&found, wc, sku);
        if (rc)
            goto done;
        pid = (int64_t)kx_json_num(found, "id", 0);
    }
    rc = ks_woocommerce_stock_set(&updated, wc, pid, vid,
                                  (int64_t)kx_json_num(options, "quantity", 0));
done:
    *result = cJSON_CreateObject();
    if (updated) {
        cJSON_AddNumberToObject(*result, "id", kx_json_num(updated, "id", 0));
        cJSON_AddNumberToObject(*result, "stock_quantity",
                                kx_json_num(updated, "stock_quantity", 0));
        cJSON_AddStringToObject(*result, "stock_status",
                                kx_json_str(updated, "stock_status")
                                    ? kx_json_str(updated, "stock_status")
                                    : "");
    }
    if (rc)
        rc = kh_job_failed(ctx, rc, result, err, errsz);
    cJSON_Delete(found);
    cJSON_Delete(updated);
    WC_END
    return rc;
}

/* ---- customers, orders, refunds --------------------------------------- */

static ks_rc job_upsert_customers(struct kh_ctx *ctx, const cJSON *options,
                                  cJSON **result, char *err, size_t errsz)
{
    const cJSON *c;
    int created_n = 0, updated_n = 0;
    WC_BEGIN

    rc = KS_OK;
    cJSON_ArrayForEach(c,
                       cJSON_GetObjectItemCaseSensitive(options, "customers"))
    {
        cJSON *out = NULL;
        int created = 0;

        rc = ks_woocommerce_customer_upsert(&out, &created, wc, c);
        cJSON_Delete(out);
        if (rc)
            break;
        created ? created_n++ : updated_n++;
    }
    *result = cJSON_CreateObject();
    cJSON_AddNumberToObject(*result, "created", created_n);
    cJSON_AddNumberToObject(*result, "updated", updated_n);
    if (rc)
        rc = kh_job_failed(ctx, rc, result, err, errsz);
    WC_END
    return rc;
}

static ks_rc job_get_order(struct kh_ctx *ctx, const cJSON *options,
                           cJSON **result, char *err, size_t errsz)
{
    WC_BEGIN
    rc = ks_woocommerce_order_get(result, wc,
                                  (int64_t)kx_json_num(options, "id", 0));
    if (rc)
        rc = kh_job_failed(ctx, rc, result, err, errsz);
    WC_END
    return rc;
}

static ks_rc job_list_orders_since(struct kh_ctx *ctx, const cJSON *options,
                                   cJSON **result, char *err, size_t errsz)
{
    struct kh_job_collect c = {NULL, NULL, NULL, 0};
    const char *since = kx_json_str(options, "since");
    WC_BEGIN

    c.ids = cJSON_CreateArray();
    rc = ks_woocommerce_orders_modified_since(
        wc, since ? since : "1970-01-01T00:00:00", kh_job_collect_item, &c);
    rc = kh_job_listed(ctx, rc, &c, -1, result, err, errsz);
    WC_END
    return rc;
}

static ks_rc job_list_refunds(struct kh_ctx *ctx, const cJSON *options,
                              cJSON **result, char *err, size_t errsz)
{
    struct kh_job_collect c = {NULL, NULL, NULL, 0};
    WC_BEGIN

    c.ids = cJSON_CreateArray();
    rc = ks_woocommerce_refunds_list(
        wc, (int64_t)kx_json_num(options, "order_id", 0), kh_job_collect_item,
        &c);
    rc = kh_job_listed(ctx, rc, &c, -1, result, err, errsz);
    WC_END
    return rc;
}

/* ---- webhooks --------------------------------------------------------- */

static ks_rc job_start_receiver(struct kh_ctx *ctx, const cJSON *options,
                                cJSON **result, char *err, size_t errsz)
{
    return kh_job_receiver_start(ctx, RECEIVER_SLOT, "woocommerce", options,
                                 result, err, errsz);
}

static ks_rc job_receiver_stats(struct kh_ctx *ctx, const cJSON *options,
                                cJSON **result, char *err, size_t errsz)
{
    (void)options;
    return kh_job_receiver_report(ctx, RECEIVER_SLOT, "woocommerce", result,
                                  err, errsz)
               ? KS_OK
               : KS_EINVAL;
}

static const struct kh_job_hook_keys hook_keys = {
    "woocommerce",
    RECEIVER_SLOT,
    "delivery_url",
    "topics",
    {"order.created", "order.updated", NULL}};

static ks_rc job_ensure_hooks(struct kh_ctx *ctx, const cJSON *options,
                              cJSON **result, char *err, size_t errsz)
{
    struct kh_job_hook_target t;
    cJSON *hooks = NULL;
    WC_BEGIN

    rc = kh_job_hook_target(&t, ctx, options, &hook_keys, err, errsz);
    if (!rc)
        rc = ks_woocommerce_hooks_ensure(&hooks, wc, t.topics, t.url);
    *result = cJSON_CreateObject();
    cJSON_AddNumberToObject(*result, "count", cJSON_GetArraySize(hooks));
    if (hooks)
        cJSON_AddItemToObject(*result, "hooks", hooks);
    if (rc && t.url)
        rc = kh_job_failed(ctx, rc, result, err, errsz);
    WC_END
    return rc;
}

static ks_rc job_check_hooks(struct kh_ctx *ctx, const cJSON *options,
                             cJSON **result, char *err, size_t errsz)
{
    cJSON *report = NULL;
    const cJSON *h;
    int alert = 0, alerts = 0;
    WC_BEGIN

    rc = ks_woocommerce_hooks_check(&report, &alert, wc);
    *result = cJSON_CreateObject();
    cJSON_ArrayForEach(h, report)
    {
        alerts += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(h, "alert"));
    }
    cJSON_AddBoolToObject(*result, "alert", alert);
    cJSON_AddNumberToObject(*result, "alerts", alerts);
    if (report)
        cJSON_AddItemToObject(*result, "hooks", report);
    if (rc)
        rc = kh_job_failed(ctx, rc, result, err, errsz);
    WC_END
    return rc;
}

/* The jobs that go through kh_job_woocommerce() list per_page, which it
 * reads;
 * start_receiver builds its own handle and receiver_stats reads nothing. */
const struct kh_job kh_jobs_woocommerce[] = {
    {"woocommerce.list_products", job_list_products,
     "list every product page by page (options: sku, modified_after, "
     "per_page)",
     "sku modified_after per_page"},
    {"woocommerce.upsert_products", job_upsert_products,
     "create or update products by SKU in batches (options: products | "
     "generate {count, prefix, price})",
     "products generate per_page"},
    {"woocommerce.set_stock", job_set_stock,
     "set stock of a product by sku or product_id/variation_id",
     "sku product_id variation_id quantity per_page"},
    {"woocommerce.upsert_customers", job_upsert_customers,
     "create or update customers matched by e-mail", "customers per_page"},
    {"woocommerce.get_order", job_get_order, "fetch one order by id",
     "id per_page"},
    {"woocommerce.list_orders_since", job_list_orders_since,
     "list orders modified after options.since", "since per_page"},
    {"woocommerce.list_refunds", job_list_refunds,
     "list the refunds of options.order_id", "order_id per_page"},
    {"woocommerce.start_receiver", job_start_receiver,
     "start the connector's webhook receiver, or change its forced status "
     "(options: status, 400..599 to fail every delivery, 0 to recover)",
     "status"},
    {"woocommerce.receiver_stats", job_receiver_stats,
     "the receiver's counts: events, pings, rejected, duplicate, queued "
     "deliveries, ...",
     ""},
    {"woocommerce.ensure_hooks", job_ensure_hooks,
     "create missing hooks (options: topics, delivery_url)",
     "topics delivery_url per_page"},
    {"woocommerce.check_hooks", job_check_hooks,
     "health check of every hook; alerts for disabled ones", "per_page"},
    {NULL, NULL, NULL, NULL}};
