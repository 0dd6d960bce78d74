/*
 * Internals of the sync engine shared between its files (ks__sync_).
 */
#ifndef KS_SYNC_INT_H
#define KS_SYNC_INT_H

#include <stddef.h>
#include <stdint.h>
#include "core/internal.h"
#include "kinsync/sync.h"

/* Flow names: the cursor, audit and outbox key of each flow. */
#define KS__FLOW_PARTS_BC "parts.bigcommerce"
#define KS__FLOW_PARTS_WC "parts.woocommerce"
#define KS__FLOW_CUST_WC "customers.woocommerce"
#define KS__FLOW_ORDERS_BC "orders.bigcommerce"
#define KS__FLOW_ORDERS_WC "orders.woocommerce"
#define KS__FLOW_REFUNDS_WC "refunds.woocommerce"
#define KS__FLOW_VENDORS_AD "vendors.adobe"
#define KS__FLOW_POS_AD "purchase_orders.adobe"
#define KS__FLOW_AP_AD "ap_invoices.adobe"
#define KS__FLOW_REQS_EPI "requisitions.epicor"

/*
 * Id map kinds (a_id -> b_id): SKU -> PartNum aliases; "part": PartNum ->
 * itself for parts known to exist in Epicor; PartNum -> product id per
 * store; "sent": record key -> key#hash of the payload last written; the
 * stores' customer id -> CustNum; "BC-12" / "WC-340" -> OrderNum.
 */
#define KS__MAP_SKU_PART "sku_part"
#define KS__MAP_PART "part"
#define KS__MAP_BC_PRODUCT "product.bigcommerce"
#define KS__MAP_WC_PRODUCT "product.woocommerce"
#define KS__MAP_SENT "sent"
#define KS__MAP_ONHAND_WHSE "onhand.whse" /* Part|Plant|Warehouse: qty */
#define KS__MAP_ONHAND_PART "onhand.part" /* PartNum: sum over whses */
#define KS__MAP_BC_CUSTOMER "customer.bigcommerce"
#define KS__MAP_WC_CUSTOMER "customer.woocommerce"
#define KS__MAP_ORDER "order"
/* Adobe: VendorNum -> company id; PONum -> order entity_id; PONum ->
 * "PONum#SysRevID" of the PO version last written (value map). */
#define KS__MAP_AD_COMPANY "company.adobe"
#define KS__MAP_AD_ORDER "order.adobe"
#define KS__MAP_AD_PO_REV "po_rev.adobe"

/* Intent kinds. */
#define KS__INTENT_ORDER "order"            /* source "BC-12" / "WC-340" */
#define KS__INTENT_REFUND "refund"          /* source "WC-R345" */
#define KS__INTENT_AD_VENDOR "vendor.adobe" /* source VendorNum */
#define KS__INTENT_AD_PO "po.adobe"         /* source "PO-7010" */
#define KS__INTENT_AD_AP "ap_invoice.adobe" /* source "AP-2-SI-1990" */
#define KS__INTENT_REQ "requisition"        /* source "AD-000000123" */

struct ks_sync {
    struct ks_client *client;
    struct ks_store *store;
    struct ks_epicor *epi;
    struct ks_bigcommerce *bc;
    struct ks_woocommerce *wc;
    struct ks_adobe *adobe;
    int64_t adobe_company_admin_id;
    int64_t bc_location_id;
    char *plant; /* NULL: every plant */
    struct ks_error err;
};

/* Starts a public call: clears the error and the stats. */
void ks__sync_enter(struct ks_sync *sync, struct ks_sync_stats *stats);

/* Ends a public call: KS_OK clears the error (records that failed alone
 * are counted in the stats and queued), a failure without a recorded
 * reason gets the code's message. Returns rc. */
ks_rc ks__sync_leave(struct ks_sync *sync, ks_rc rc);

/* Records the reason of a failed call in sync->err from the store's error
 * (from_store) or the client's; returns rc. KS_OK passes through. */
ks_rc ks__sync_fail(struct ks_sync *sync, ks_rc rc, int from_store);

/* 1 for a failure that stops a run (the remote is unreachable or refuses
 * the credentials, the store failed, out of memory, a crash point): the
 * record is retried by the next run. 0 for a failure of this record only
 * (refused, not found, conflict, malformed), which goes to the outbox. */
int ks__sync_fatal(ks_rc rc);

/* "12.5000", "-5", "0.5" -> cents, rounding half away from zero beyond
 * the second decimal. EPARSE for anything else. */
ks_rc ks__sync_cents(int64_t *out, const char *text);
/* A JSON number or decimal string -> cents. */
ks_rc ks__sync_json_cents(int64_t *out, const cJSON *v);
/* cents -> "12.50" (buffer of 32). */
void ks__sync_cents_str(char out[32], int64_t cents);

/* SHA-256 hex of text (65 bytes). */
ks_rc ks__sync_hash(char out[65], const char *text);

/* The SysRevID cursor of flow/entity (0 when none) and its update. */
ks_rc ks__sync_cursor_int(int64_t *out, struct ks_sync *sync, const char *flow,
                          const char *entity);
ks_rc ks__sync_cursor_set_int(struct ks_sync *sync, const char *flow,
                              const char *entity, int64_t value);

/* One audit row at the client's clock. target_id and detail may be NULL;
 * target_system NULL is the flow's target. */
ks_rc ks__sync_audit(struct ks_sync *sync, const char *flow,
                     const char *source_system, const char *source_id,
                     const char *target_system, const char *target_id,
                     const char *action, const char *outcome, int attempt,
                     const char *detail);

/* Queues a failed record (payload may be NULL: "{}"), audits it as
 * failed and counts it. */
ks_rc ks__sync_outbox(struct ks_sync *sync, struct ks_sync_stats *stats,
                      const char *flow, const char *kind,
                      const char *source_system, const char *source_id,
                      const cJSON *payload, const char *reason);

/* The remote's one-line message of the last failure, for a reason. */
const char *ks__sync_client_message(struct ks_sync *sync);

/* Whether the last payload sent for key (e.g. "bc:PART-1") had this hash;
 * and recording it after a successful write. */
ks_rc ks__sync_sent_same(int *same, struct ks_sync *sync, const char *key,
                         const char *hash);
ks_rc ks__sync_sent_put(struct ks_sync *sync, const char *key,
                        const char *hash);

/* 1 when Epicor has a part PartNum = part_num (exists set), else 0. */
ks_rc ks__sync_part_exists(int *exists, struct ks_sync *sync,
                           const char *part_num);

/* A listing callback (ks_epicor_query, the storefronts' order polls):
 * appends a copy of item to the cJSON array; nonzero (stop) when out of
 * memory. */
int ks__sync_collect(void *array, const cJSON *item);

/* A tests-only crash point of the store (see store/internal.h). */
ks_rc ks__sync_crash(struct ks_sync *sync, const char *name);

/* ---- orders (orders.c) --------------------------------------------- */

struct ks__sync_line {
    int64_t id; /* the platform's line id; 0 when it gave none */
    const char *sku;
    int64_t qty;
    int64_t unit_cents;
    const char *name;
};

/* A web order in the engine's terms; strings are borrowed from the
 * store's JSON. */
struct ks__sync_order {
    const char *system; /* "bigcommerce" */
    const char *flow;   /* KS__FLOW_ORDERS_* */
    char ref[40];       /* "BC-12": PONum, intent and outbox source id */
    int64_t customer_id;
    const char *customer_map; /* KS__MAP_*_CUSTOMER */
    const char *email;
    const char *first_name;
    const char *last_name;
    const char *company;
    const char *street;
    const char *city;
    const char *state;
    const char *zip;
    const char *country;
    char order_date[11]; /* "2026-01-05"; "" when unknown */
    struct ks__sync_line *lines;
    size_t nlines;
    int64_t expected_cents; /* what the lines must add up to */
    const char *bad;        /* set by the parser: why it cannot be mapped */
};

/*
 * Imports one parsed order (or skips it when imported already) under the
 * exactly-once protocol. source is the store's order JSON, kept in the
 * outbox on a mapping failure. Returns only run-stopping failures.
 */
ks_rc ks__sync_import(struct ks_sync_stats *stats, struct ks_sync *sync,
                      const struct ks__sync_order *o, const cJSON *source);

/* One order by id (orders_poll.c): skipped when imported already, else
 * fetched (unless given) and imported. */
ks_rc ks__sync_bc_order_import(struct ks_sync_stats *stats,
                               struct ks_sync *sync, int64_t order_id);
ks_rc ks__sync_wc_order_import(struct ks_sync_stats *stats,
                               struct ks_sync *sync, int64_t order_id,
                               const cJSON *order);

/* ---- parts (parts.c, parts_wc.c) ----------------------------------- */

/* The product fields a part row gives; strings borrowed from the row. */
struct ks__sync_part {
    const char *part_num;
    const char *name; /* PartDescription, else PartNum */
    int inactive;
    int64_t price_cents; /* UnitPrice */
    double weight;       /* NetWeight */
    char price[32];      /* "12.50" */
    char hash[65];       /* of name and price: what a product update sends */
};

ks_rc ks__sync_product_fields(struct ks__sync_part *p, const cJSON *row);
#define KS__SYNC_PART_KEY_MAX (KS_STORE_ID_MAX + 8)
/*
 * Reads row into *p and says whether the product needs writing (*todo):
 * a PartNum the store cannot key is counted skipped, one whose last sent
 * hash (key "<prefix>:<PartNum>", written into key) matches is counted
 * unchanged; *todo is 0 for both.
 */
ks_rc ks__sync_part_todo(int *todo, struct ks__sync_part *p,
                         char key[KS__SYNC_PART_KEY_MAX],
                         struct ks_sync_stats *stats, struct ks_sync *sync,
                         const cJSON *row, const char *prefix);
/* An inactive part that never became a product: nothing to hide, nothing
 * to create. Counts and audits it as skipped. */
ks_rc ks__sync_part_never_offered(struct ks_sync_stats *stats,
                                  struct ks_sync *sync, const char *flow,
                                  const char *platform,
                                  const struct ks__sync_part *p);
/*
 * What an outbound part flow writes: products for a batch of part rows,
 * and the on-hand totals ({PartNum: qty}) of the parts a batch of changed
 * PartWhse rows touched.
 */
struct ks__sync_part_writers {
    const char *flow;
    ks_rc (*products)(struct ks_sync_stats *stats, struct ks_sync *sync,
                      const cJSON *rows);
    ks_rc (*stock)(struct ks_sync_stats *stats, struct ks_sync *sync,
                   const cJSON *qty);
};
/*
 * Runs an outbound part flow: parts changed since its cursor, then stock
 * rows changed since its cursor, each streamed in batches of
 * KS__SYNC_BATCH rows. A batch is written (or queued) before the cursor
 * moves past it, so memory is one batch whatever the catalogue's size and
 * a failure resumes at the first batch not done. Runs as a public call of
 * the sync (its stats and error); KS_EINVAL "sync: no <platform> handle"
 * when have_target is 0.
 */
ks_rc ks__sync_parts_run(struct ks_sync_stats *stats, struct ks_sync *sync,
                         const struct ks__sync_part_writers *w, int have_target,
                         const char *platform);
#define KS__SYNC_BATCH 100
/* On-hand of one part over its warehouses (of the configured plant). */
ks_rc ks__sync_stock_of(double *qty, struct ks_sync *sync, const char *part);
ks_rc ks__sync_stock_hash(char out[65], const char *part, int64_t qty);
/* Small durable values kept in an id-map kind (b_id "key#value"): *value
 * is NULL when none was put (free with ks__free). */
ks_rc ks__sync_value_get(char **value, struct ks_sync *sync, const char *kind,
                         const char *key);
ks_rc ks__sync_value_put(struct ks_sync *sync, const char *kind,
                         const char *key, const char *value);
/* How one platform takes stock levels: which product map and sent-hash
 * prefix it uses, how many items a request carries, how an item is built
 * and how a full list is sent (parts[i] is items[i]'s PartNum; send
 * records each outcome, with ks__sync_stock_sent or the outbox). */
struct ks__sync_stock_sink {
    const char *flow;
    const char *system;
    const char *product_map;
    const char *sent_prefix;
    int chunk;
    cJSON *(*item)(const struct ks_sync *sync, int64_t product_id, int64_t qty);
    ks_rc (*send)(struct ks_sync_stats *stats, struct ks_sync *sync,
                  const struct ks__sync_stock_sink *sink, cJSON *items,
                  cJSON *parts);
};
/* Sets the on-hand totals ({PartNum: qty}) of mapped products, skipping
 * those the last send already set to the same value. */
ks_rc ks__sync_stock_set(struct ks_sync_stats *stats, struct ks_sync *sync,
                         const cJSON *qty,
                         const struct ks__sync_stock_sink *sink);
/* The bookkeeping of one stock level sent: hash, audit row, count. */
ks_rc ks__sync_stock_sent(struct ks_sync_stats *stats, struct ks_sync *sync,
                          const struct ks__sync_stock_sink *sink,
                          const char *part, int64_t qty);
/* A platform's product id for a SKU: 0 and KS_ENOTFOUND when none. */
typedef ks_rc (*ks__sync_sku_lookup_fn)(int64_t *id, struct ks_sync *sync,
                                        const char *part);
/* The product id of a part from the id map kind map, else from lookup
 * (then mapped). *id 0 when the store has none. */
ks_rc ks__sync_product_id(int64_t *id, struct ks_sync *sync, const char *map,
                          const char *part, ks__sync_sku_lookup_fn lookup);
/* Products for part rows, and stock levels, per platform. */
ks_rc ks__sync_bc_products(struct ks_sync_stats *stats, struct ks_sync *sync,
                           const cJSON *rows);
ks_rc ks__sync_bc_stock(struct ks_sync_stats *stats, struct ks_sync *sync,
                        const cJSON *qty);
ks_rc ks__sync_wc_products(struct ks_sync_stats *stats, struct ks_sync *sync,
                           const cJSON *rows);
ks_rc ks__sync_wc_stock(struct ks_sync_stats *stats, struct ks_sync *sync,
                        const cJSON *qty);

/* ---- Adobe flows (vendors_adobe.c, purchase_orders_adobe.c, ...) --- */

/* Starts an Adobe flow as a public call: KS_EINVAL "sync: no Adobe
 * handle" when the sync has none. */
ks_rc ks__sync_adobe_enter(struct ks_sync *sync, struct ks_sync_stats *stats);

/*
 * The day cursor of a ChangeDate flow ("2026-01-05"; "2000-01-01" when
 * none), and the OData filter of the rows changed on or after it: a
 * ChangeDate has no time, so the cursor's day is read again and a row
 * changed later that day is seen (the SysRevID dedupe makes the overlap
 * cost no write).
 */
ks_rc ks__sync_cursor_day(char day[11], struct ks_sync *sync, const char *flow,
                          const char *entity);
/* The later of day and the date part of an Epicor date-time (day kept
 * when iso is NULL or not a date). */
void ks__sync_day_max(char day[11], const char *iso);

/*
 * Reads an Epicor dataset to change and send back with Update: calls
 * method of the business object svc with body (the caller keeps it) and
 * detaches the dataset from the reply, at reply.holder.ds_key (holder
 * NULL: reply.ds_key). *ds gets it (the caller frees it, NULL on
 * failure), *row its first row of table, inside *ds. A call that fails
 * goes through ks__sync_fail; a reply without that row is KS_EPARSE
 * "epicor: <method> answered no <table> row".
 */
ks_rc ks__sync_epicor_ds_row(cJSON **ds, cJSON **row, struct ks_sync *sync,
                             const char *svc, const char *method,
                             const cJSON *body, const char *holder,
                             const char *ds_key, const char *table);

/*
 * Creating one record exactly once in a remote that takes no idempotency
 * key (store.h's protocol): the intent kind/ref is begun (committed)
 * before the write; a pending one first runs find, which sets *id to a
 * record an earlier attempt made (0: none); else create writes it and
 * sets *id; then the intent is completed with *id. Crash points
 * after_intent_begin, after_remote_write, after_intent_complete. *how
 * says which happened (DONE: completed by an earlier run, *id from the
 * intent). find's and create's failures are returned as they are.
 */
enum ks__sync_once_how {
    KS__ONCE_DONE = 0,
    KS__ONCE_CREATED = 1,
    KS__ONCE_RECOVERED = 2
};
struct ks__sync_once {
    const char *kind;
    const char *ref;
    const char *hash;
    ks_rc (*find)(int64_t *id, struct ks_sync *sync, void *ud);
    ks_rc (*create)(int64_t *id, struct ks_sync *sync, void *ud);
    void *ud;
    int changed; /* set: the hash differs from a pending attempt's */
};
ks_rc ks__sync_once(int64_t *id, enum ks__sync_once_how *how,
                    struct ks_sync *sync, struct ks__sync_once *o);

/*
 * The end every one-record create of the Adobe flows shares: the hash of
 * payload becomes the intent's (once->hash is set here), ks__sync_once
 * runs, then the outcome is recorded: *why (set by the caller's mapping,
 * or a record failure of the write) sends source to the outbox under
 * r->flow / r->kind, a write is counted created and audited
 * "<kind>.create" or "<kind>.recover". Returns only run-stopping
 * failures.
 */
struct ks__sync_record {
    const char *flow, *kind, *source_system, *target_system;
    const cJSON *source; /* the outbox payload */
};
ks_rc ks__sync_once_record(struct ks_sync_stats *stats, struct ks_sync *sync,
                           struct ks__sync_once *once, const cJSON *payload,
                           const struct ks__sync_record *r, char *why,
                           size_t whysz);

/* What a PO gives Adobe (purchase_orders_adobe.c): the new order with
 * its items, and the header attributes an update sends. */
struct ks__sync_po_doc {
    const cJSON *po; /* the POHeader row, borrowed */
    int64_t po_num;
    cJSON *order;  /* {increment_id, ..., items, custom_attributes} */
    cJSON *header; /* {custom_attributes}: what an update sends */
    char hash[65]; /* of header */
    char ref[40];  /* "PO-7010": intent, outbox and audit id */
};
void ks__sync_po_doc_free(struct ks__sync_po_doc *d);
/*
 * Writes a batch of mapped POs to Adobe (adobe_orders.c): a mapped order
 * is updated when its header changed; the others are created exactly
 * once, their intents begun in one store transaction before any write and
 * completed, with the batch's bookkeeping, in one after: two commits a
 * batch rather than several a PO. A record's failure goes to the outbox;
 * a run-stopping one is returned after the bookkeeping of what was
 * written.
 */
ks_rc ks__sync_po_write(struct ks_sync_stats *stats, struct ks_sync *sync,
                        struct ks__sync_po_doc *docs, size_t n);

/* The Adobe order of a PO: 0 when the PO flow has not completed it. */
ks_rc ks__sync_ad_order_of_po(int64_t *entity_id, struct ks_sync *sync,
                              int64_t po_num);

/* One AP invoice again by its reference "AP-<VendorNum>-<InvoiceNum>"
 * (replay, and the invoices waiting for their PO). */
ks_rc ks__sync_ap_invoice_one(struct ks_sync_stats *stats, struct ks_sync *sync,
                              const char *ref);
/* One vendor again by VendorNum (replay). */
ks_rc ks__sync_vendor_one(struct ks_sync_stats *stats, struct ks_sync *sync,
                          int64_t vendor_num);
/* One PO again by PONum (replay). */
ks_rc ks__sync_po_one(struct ks_sync_stats *stats, struct ks_sync *sync,
                      int64_t po_num);

/* One second before an ISO date-time ("2026-01-05T08:00:00"), for
 * WooCommerce's exclusive modified_after; other text is copied. */
void ks__sync_second_before(char out[32], const char *iso);

/* Re-syncs one part by PartNum (replay). */
ks_rc ks__sync_part_one(struct ks_sync_stats *stats, struct ks_sync *sync,
                        const char *flow, const char *part_num);
/* Re-syncs one customer by CustNum (replay). */
ks_rc ks__sync_customer_one(struct ks_sync_stats *stats, struct ks_sync *sync,
                            int64_t cust_num);
/* Records the refunds of one WooCommerce order (replay). */
ks_rc ks__sync_refunds_of(struct ks_sync_stats *stats, struct ks_sync *sync,
                          int64_t order_id);

#endif
