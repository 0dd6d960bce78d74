/*
 * The sync engine: the flows between Epicor Kinetic and the storefronts.
 *
 * A ks_sync handle borrows a state store (ks_store), the Epicor client and
 * the storefront clients it needs (either storefront may be absent; a flow
 * that needs a missing one fails with KS_EINVAL). It is not thread-safe,
 * like the handles it borrows.
 *
 * Each flow is a job that can run once and be run again at any time:
 *
 *   outbound  Epicor parts (description, UnitPrice) and on-hand stock ->
 *             BigCommerce / WooCommerce products, matched PartNum = SKU;
 *             Epicor customers -> WooCommerce customers. Only rows changed
 *             since the flow's cursor (SysRevID) are read; writes go in
 *             batches at each platform's limit.
 *   inbound   web orders -> one Epicor sales order each (backfill poll by
 *             modified-since cursor, or one verified BigCommerce webhook
 *             event); WooCommerce refunds -> a note on the Epicor order.
 *
 * Every order write runs the store's exactly-once protocol (store.h): the
 * intent is committed before the sales order is created, and a pending
 * intent is resolved by looking the order up by its PONum ("BC-<id>",
 * "WC-<id>") before anything is written again. A record that cannot be
 * mapped or written (unknown SKU, no buyer e-mail, totals that do not add
 * up, a write the remote refused) goes to the store's outbox with a reason
 * and is retried by ks_sync_replay_failed(); nothing is dropped silently.
 * Every record moved, skipped or failed gets an audit row.
 *
 * Return codes: KS_OK when the run went through, even if single records
 * went to the outbox (see stats.failed). A failure that stops the run (a
 * remote system unavailable after the client's retries, bad credentials,
 * a store failure) is returned, the
 * cursor stays at the last record handled, and a later run resumes there.
 * Details: ks_sync_last_error().
 */
#ifndef KINSYNC_SYNC_H
#define KINSYNC_SYNC_H

#include <stdint.h>
#include "common.h"
#include "error.h"
#include "client.h"
#include "store.h"
#include "epicor.h"
#include "bigcommerce.h"
#include "woocommerce.h"
#include "adobe.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ks_sync;

struct ks_sync_options {
    unsigned int version;
    /* required: the client the three handles were made on (its clock,
     * log and last error are the sync's) */
    struct ks_client *client;
    struct ks_store *store;             /* required */
    struct ks_epicor *epicor;           /* required */
    struct ks_bigcommerce *bigcommerce; /* NULL: no BigCommerce flows */
    struct ks_woocommerce *woocommerce; /* NULL: no WooCommerce flows */
    /* BigCommerce inventory location stock is written to; 0: 1. */
    int64_t bc_location_id;
    /* Only PartWhse rows of this plant count towards on-hand stock; NULL:
     * every plant. */
    const char *plant;
    struct ks_adobe *adobe; /* NULL: no Adobe Commerce flows */
    /* The Adobe customer made super user of the companies the vendor
     * flow creates (Adobe requires one per company); 0: 1. */
    int64_t adobe_company_admin_id;
};

#define KS_SYNC_OPTIONS_VERSION 1
#define KS_SYNC_OPTIONS_INIT                                                   \
    {                                                                          \
        KS_SYNC_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, 1, NULL, NULL,  \
            0                                                                  \
    }

/* What one run did, record by record. */
struct ks_sync_stats {
    int64_t read;      /* records read from the source */
    int64_t created;   /* records created in the target */
    int64_t updated;   /* records (or stock levels) updated in the target */
    int64_t unchanged; /* read, but the target already matched */
    int64_t failed;    /* sent to the outbox */
    int64_t skipped;   /* not for this flow (status, no e-mail, duplicate) */
};

/* Borrows everything in opts for the handle's lifetime. EINVAL without
 * client, store or epicor. */
KS_EXTERN ks_rc ks_sync_new(struct ks_sync **out,
                            const struct ks_sync_options *opts);
KS_EXTERN void ks_sync_free(struct ks_sync *sync); /* NULL-safe */

/* Why the last failed call failed (the lowest-level message: the remote's
 * or the store's); borrowed until the next call. */
KS_EXTERN const struct ks_error *ks_sync_last_error(const struct ks_sync *sync);

/* ---- outbound --------------------------------------------------------- */

/*
 * Parts changed since the cursor become products (created, or updated when
 * name or price moved), then on-hand stock of parts whose PartWhse rows
 * changed is set absolutely. BigCommerce: products are created one by one
 * (its API has no batch create) and updated in batches of 10; stock goes
 * in batches of 2000. WooCommerce: creates and updates in batches of the
 * client's batch_limit, stock in the same batch as the product.
 * A part marked InActive hides its product (BigCommerce is_visible false,
 * WooCommerce status "draft"); one never offered is skipped.
 */
KS_EXTERN ks_rc ks_sync_parts_to_bigcommerce(struct ks_sync_stats *stats,
                                             struct ks_sync *sync);
KS_EXTERN ks_rc ks_sync_parts_to_woocommerce(struct ks_sync_stats *stats,
                                             struct ks_sync *sync);

/* Epicor customers changed since the cursor, with an e-mail address,
 * become WooCommerce customers (matched by id map, then e-mail). */
KS_EXTERN ks_rc ks_sync_customers_to_woocommerce(struct ks_sync_stats *stats,
                                                 struct ks_sync *sync);

/* ---- inbound ---------------------------------------------------------- */

/* The backfill polls: every order modified since the cursor that is in an
 * importable status and not imported yet becomes one sales order. */
KS_EXTERN ks_rc ks_sync_orders_from_bigcommerce(struct ks_sync_stats *stats,
                                                struct ks_sync *sync);
KS_EXTERN ks_rc ks_sync_orders_from_woocommerce(struct ks_sync_stats *stats,
                                                struct ks_sync *sync);

/*
 * One verified webhook event (ks_bigcommerce_webhook_verify said KS_OK or
 * KS_EDUPLICATE). Order events fetch the whole order and import it;
 * others are counted as skipped. Events may come twice and in any order:
 * the order is read as it is now, and an imported order is never imported
 * again. A delivery is remembered (ks_store_seen_add) only once handled,
 * so a failed one can be delivered again.
 */
KS_EXTERN ks_rc ks_sync_order_from_bigcommerce_event(
    struct ks_sync_stats *stats, struct ks_sync *sync,
    const struct ks_bigcommerce_event *event);

/* Imports one WooCommerce order by id (e.g. from a verified order.created
 * or order.updated webhook). */
KS_EXTERN ks_rc ks_sync_order_from_woocommerce_id(struct ks_sync_stats *stats,
                                                  struct ks_sync *sync,
                                                  int64_t order_id);

/* Refunds of imported WooCommerce orders modified since the cursor are
 * noted on their Epicor sales order (ks_epicor_order_record_refund),
 * each once. A refund of an order not imported yet goes to the outbox. */
KS_EXTERN ks_rc ks_sync_refunds_from_woocommerce(struct ks_sync_stats *stats,
                                                 struct ks_sync *sync);

/* ---- Adobe Commerce (procure to invoice) ----------------------------- */

/*
 * Epicor vendors changed since the cursor (SysRevID) become Adobe B2B
 * companies carrying the vendor's number, id and posting dimensions as
 * custom attributes (matched by the id map, then by the epicor_vendor_num
 * attribute). A vendor without what Adobe requires of a company (e-mail,
 * telephone, street, city, postcode, a known country) goes to the outbox.
 */
KS_EXTERN ks_rc ks_sync_vendors_to_adobe(struct ks_sync_stats *stats,
                                         struct ks_sync *sync);

/*
 * Approved purchase orders whose ChangeDate is on or after the cursor's
 * day (a date without a time, so the last day is read again) become Adobe
 * orders with increment_id "PO-<PONum>": vendor details and each line's GL
 * account (from its release's PORelTGLC row) as custom attributes. A PO
 * whose SysRevID was synced already costs no write; a later change
 * updates the order's custom attributes. Creation runs the exactly-once
 * protocol (intent "po.adobe"; a pending one looks the order up by its
 * increment_id before writing). Lines that do not add up to the PO's
 * total to the cent, or a PO without lines, go to the outbox.
 */
KS_EXTERN ks_rc ks_sync_purchase_orders_to_adobe(struct ks_sync_stats *stats,
                                                 struct ks_sync *sync);

/*
 * AP invoices whose ChangeDate is on or after the cursor's day become
 * Adobe invoices on the order of their PO (REFPONum, else the lines'
 * PONum): one item per invoice line that matches an order item by PO
 * line, with the line's quantity; the GL coding of each line (its
 * APInvExp accounts) and the invoice number as custom attributes. An
 * invoice whose PO is not in Adobe yet waits in the outbox with that
 * reason and is written by the first run after the PO synced (each run
 * retries its waiting invoices first). Exactly once per invoice (intent
 * "ap_invoice.adobe"; a pending one looks for the invoice by its
 * epicor_invoice attribute on the order).
 */
KS_EXTERN ks_rc ks_sync_ap_invoices_to_adobe(struct ks_sync_stats *stats,
                                             struct ks_sync *sync);

/*
 * One verified Adobe order-placement webhook delivery (the body of
 * observer.sales_order_place_before, {"eventName", "data": {"order"}};
 * see ks_adobe_webhook_verify) becomes one Epicor purchase requisition
 * (ReqSvc GetNewReqHead, then one Update of the header with every line),
 * CommentText "Adobe order <increment_id>". Exactly once per Adobe order
 * (intent "requisition"; a pending one looks the requisition up by its
 * CommentText). An order without items or a line without a quantity goes
 * to the outbox.
 */
KS_EXTERN ks_rc ks_sync_requisition_from_adobe(struct ks_sync_stats *stats,
                                               struct ks_sync *sync,
                                               const cJSON *delivery);

/*
 * The backfill of the webhook: Adobe orders created since the cursor
 * (created_at, inclusive; the orders the PO flow made, increment_id
 * "PO-...", excluded) go through ks_sync_requisition_from_adobe, so an
 * order whose delivery was lost (receiver down, a crash after the
 * delivery was taken) still becomes its one requisition, and a pending
 * intent is resolved.
 */
KS_EXTERN ks_rc ks_sync_requisitions_from_adobe(struct ks_sync_stats *stats,
                                                struct ks_sync *sync);

/* ---- recovery --------------------------------------------------------- */

/*
 * Tries every pending outbox item again, oldest first, with the source
 * record read afresh (so a fixed mapping or a new part takes effect). An
 * item written now is resolved; one that fails again keeps its place with
 * one more attempt and the new reason.
 */
KS_EXTERN ks_rc ks_sync_replay_failed(struct ks_sync_stats *stats,
                                      struct ks_sync *sync);

#ifdef __cplusplus
}
#endif

#endif
