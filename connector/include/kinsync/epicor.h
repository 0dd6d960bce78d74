/*
 * The Epicor Kinetic REST client (API v2: OData entity sets, BO methods,
 * Epicor Functions and BAQs).
 *
 * A handle borrows a ks_client (clock, log, retry policy, HTTP connection)
 * and holds the server URL, instance, company, API key and credentials.
 * With token or IdP authentication it caches the access token and fetches
 * a new one shortly before it expires (on the client's clock) or after a
 * 401, so each expiry costs exactly one token request.
 *
 * Rows and replies travel as cJSON in Epicor's own shape (PascalCase
 * fields, tablesets as {"Table":[rows]}): Epicor rows are wide and differ
 * by version, and a fixed C struct would drop fields a caller may need.
 * Everything returned through `cJSON **out` belongs to the caller
 * (cJSON_Delete); rows handed to a row callback are borrowed for the call.
 *
 * Failures: EAUTH (credentials or API key refused, after one token
 * refresh), EFORBIDDEN (403, e.g. API key scope), ENOTFOUND (404),
 * ELICENSE (no licence seat after license_retries waits), ECONFLICT (the
 * row was modified by another user), EREMOTE (other Epicor errors),
 * EPARSE (a reply that is not the JSON expected). Epicor's ErrorMessage
 * and CorrelationId are in ks_client_last_error().
 *
 * Not thread-safe, like the client it borrows.
 */
#ifndef KINSYNC_EPICOR_H
#define KINSYNC_EPICOR_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "common.h"
#include "error.h"
#include "client.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ks_epicor;

/* How calls prove who they are. Every v2 call also sends x-api-key. */
enum ks_epicor_auth {
    /* Authorization: Basic user:password on every call. */
    KS_EPICOR_AUTH_BASIC = 0,
    /* POST {instance}/TokenResource.svc/ with username/password headers,
     * then Authorization: Bearer. */
    KS_EPICOR_AUTH_TOKEN = 1,
    /* OAuth2 client credentials at the Epicor IdP, then Bearer. */
    KS_EPICOR_AUTH_IDP = 2
};

struct ks_epicor_options {
    unsigned int version;
    const char *server_url; /* "https://host", without the instance */
    const char *instance;   /* first path segment, e.g. "SaaS5333" */
    const char *company;    /* e.g. "EPIC06" */
    const char *api_key;    /* v2 API key; copied into a ks_secret */
    enum ks_epicor_auth auth;
    const char *username;      /* basic and token */
    const char *password;      /* copied into a ks_secret */
    const char *client_id;     /* idp */
    const char *client_secret; /* idp; copied into a ks_secret */
    const char *token_url;     /* idp; NULL: KS_EPICOR_IDP_TOKEN_URL */
    const char *scope;         /* idp; NULL: "epicor_erp" */
    /* A token is renewed this long before it expires (capped at half its
     * lifetime, so a short-lived token is not renewed on every call). */
    int64_t token_refresh_margin_ms;
    int page_size; /* rows per page; clamped to 1..100 */
    /* After a licence refusal (no seat free) the call is repeated up to
     * license_retries times, waiting license_retry_wait_ms on the client's
     * clock before the first repeat and twice as long before each next
     * one (capped at KS_EPICOR_LICENSE_WAIT_MAX_MS). */
    int license_retries;
    int64_t license_retry_wait_ms;
    /* REST API version: 2 (default) or 1. v1 URLs carry no company (it
     * goes in a CallSettings header) and need no API key; EFx is v2 only
     * and always uses /api/v2/efx. */
    int api_version;
};

#define KS_EPICOR_IDP_TOKEN_URL "https://login.epicor.com/connect/token"

#define KS_EPICOR_OPTIONS_VERSION 1
#define KS_EPICOR_OPTIONS_INIT                                                 \
    {                                                                          \
        KS_EPICOR_OPTIONS_VERSION, NULL, NULL, NULL, NULL,                     \
            KS_EPICOR_AUTH_TOKEN, NULL, NULL, NULL, NULL, NULL, NULL, 60000,   \
            100, 3, 5000, 2                                                    \
    }

#define KS_EPICOR_LICENSE_WAIT_MAX_MS 300000

/* "basic", "token" or "idp" to the enum; -1 when unknown. */
KS_EXTERN int ks_epicor_auth_from_name(enum ks_epicor_auth *out,
                                       const char *name);

/* Copies the options; password, client secret and API key are registered
 * with the client as log secrets. EINVAL when server_url, instance,
 * company or the credentials of the chosen auth are missing. */
KS_EXTERN ks_rc ks_epicor_new(struct ks_epicor **out, struct ks_client *client,
                              const struct ks_epicor_options *opts);
KS_EXTERN void ks_epicor_free(struct ks_epicor *epi); /* NULL-safe */

/* Counters since the handle was made. */
struct ks_epicor_stats {
    uint64_t token_requests; /* TokenResource / IdP calls, failed ones too */
    uint64_t pages;          /* entity-set and BAQ pages read */
    uint64_t license_waits;  /* waits after a licence refusal */
};
KS_EXTERN void ks_epicor_stats(struct ks_epicor_stats *out,
                               const struct ks_epicor *epi);

/* ---- reads ------------------------------------------------------------ */

/* Called once per row in the server's order; row is borrowed for the
 * call. Return nonzero to stop early (the call then returns KS_OK). */
typedef int (*ks_epicor_row_fn)(void *userdata, const cJSON *row);

/* OData options; NULL or 0 leaves one out. Strings are sent as given
 * (percent-encoded, spaces as %20). */
struct ks_epicor_query {
    const char *filter;  /* $filter */
    const char *select;  /* $select */
    const char *orderby; /* $orderby */
    int top;             /* at most this many rows in all; 0: all */
    int page_size;       /* rows per request; 0: the handle's (max 100) */
};
#define KS_EPICOR_QUERY_INIT                                                   \
    {                                                                          \
        NULL, NULL, NULL, 0, 0                                                 \
    }

/*
 * Reads an entity set ("Erp.BO.PartSvc", "Parts") page by page with $top
 * and $skip until a page comes back short (Epicor sends no nextLink).
 * Memory stays bounded by one page. Offsets shift when rows change while
 * paging; for change polling use ks_epicor_changed_since().
 */
KS_EXTERN ks_rc ks_epicor_query(struct ks_epicor *epi, const char *service,
                                const char *entity_set,
                                const struct ks_epicor_query *query,
                                ks_epicor_row_fn fn, void *userdata);

/*
 * Rows whose SysRevID is greater than since_sysrevid, oldest change first,
 * by keyset paging: each page asks for SysRevID gt <the last one seen>
 * ordered by SysRevID. Every write gives a row a new, larger SysRevID, so
 * a row changed while paging moves behind the cursor: it is read (once,
 * in its new version) on a later page, and no row is skipped. $skip paging
 * would instead shift every later row one place forward and skip one.
 * select (may be NULL) gets SysRevID added when it lacks it.
 * *max_seen (may be NULL) receives the largest SysRevID read, or
 * since_sysrevid when there was none; it is set even on failure, so a
 * caller can resume from there. When fn stops early it is the SysRevID of
 * the last row fn saw, so the rows after it come in the next poll.
 */
KS_EXTERN ks_rc ks_epicor_changed_since(
    struct ks_epicor *epi, const char *service, const char *entity_set,
    const char *select, int64_t since_sysrevid, ks_epicor_row_fn fn,
    void *userdata, int64_t *max_seen);

/* Erp.BO.PartSvc/Parts changed since a SysRevID. */
KS_EXTERN ks_rc ks_epicor_parts_changed_since(struct ks_epicor *epi,
                                              int64_t since_sysrevid,
                                              ks_epicor_row_fn fn,
                                              void *userdata,
                                              int64_t *max_seen);

/* Erp.BO.PartSvc/PartWhses (on-hand per plant and warehouse) changed
 * since a SysRevID: PartWhse has no change date, only SysRevID. */
KS_EXTERN ks_rc ks_epicor_part_whses_changed_since(struct ks_epicor *epi,
                                                   int64_t since_sysrevid,
                                                   ks_epicor_row_fn fn,
                                                   void *userdata,
                                                   int64_t *max_seen);

/* The PartWhses rows of one part. */
KS_EXTERN ks_rc ks_epicor_part_whses_for_part(struct ks_epicor *epi,
                                              const char *part_num,
                                              ks_epicor_row_fn fn,
                                              void *userdata);

/* Erp.BO.CustomerSvc/Customers changed since a SysRevID. */
KS_EXTERN ks_rc ks_epicor_customers_changed_since(struct ks_epicor *epi,
                                                  int64_t since_sysrevid,
                                                  ks_epicor_row_fn fn,
                                                  void *userdata,
                                                  int64_t *max_seen);

/* The customer (lowest CustNum) whose EMailAddress equals email; ENOTFOUND
 * when none. */
KS_EXTERN ks_rc ks_epicor_customer_find_by_email(cJSON **out,
                                                 struct ks_epicor *epi,
                                                 const char *email);

/* The OrderHed row with its lines under "OrderDtls"; ENOTFOUND when the
 * order does not exist. */
KS_EXTERN ks_rc ks_epicor_sales_order_get(cJSON **out, struct ks_epicor *epi,
                                          int64_t order_num);

/* The OrderHed row (lowest OrderNum) whose PONum equals po_num; ENOTFOUND
 * when none. Used to make order import idempotent. */
KS_EXTERN ks_rc ks_epicor_sales_order_find_by_po(cJSON **out,
                                                 struct ks_epicor *epi,
                                                 const char *po_num);

/*
 * Rows of a BAQ (GET .../BaqSvc/{baq_id}/Data). params are the BAQ's
 * parameters as name, value pairs ended by NULL (may be NULL), sent by
 * name in the query string; query (may be NULL) adds OData options. One
 * request: BAQs return their rows whole.
 */
KS_EXTERN ks_rc ks_epicor_baq(struct ks_epicor *epi, const char *baq_id,
                              const char *const *params,
                              const struct ks_epicor_query *query,
                              ks_epicor_row_fn fn, void *userdata);

/* ---- methods and writes ----------------------------------------------- */

/* POST .../{service}/{method} with body (NULL: {}); *out gets the reply,
 * {"returnObj": .., "parameters": {..}}. */
KS_EXTERN ks_rc ks_epicor_call(cJSON **out, struct ks_epicor *epi,
                               const char *service, const char *method,
                               const cJSON *body);

/*
 * Creates a customer: GetNewCustomer, the given fields (at least CustID
 * and Name; EMailAddress, Address1, City, ...) set on the new row, Update.
 * *cust_num receives the number Epicor assigned.
 */
KS_EXTERN ks_rc ks_epicor_customer_create(int64_t *cust_num,
                                          struct ks_epicor *epi,
                                          const cJSON *fields);

/*
 * Creates or updates a part: GetByID; when Epicor has none (404),
 * GetNewPart and PartNum set on the new row (RowMod "A"), otherwise the
 * complete row read (RowMod "U"); then the given fields (Epicor names:
 * PartDescription, UnitPrice, IUM, ...) and Update. Only the Part table is
 * sent back. *created (may be NULL) is 1 when the part was new.
 */
KS_EXTERN ks_rc ks_epicor_part_upsert(int *created, struct ks_epicor *epi,
                                      const char *part_num,
                                      const cJSON *fields);

struct ks_epicor_order_line {
    const char *part_num;
    double qty;
    double unit_price;     /* < 0: keep the price Epicor proposes */
    const char *line_desc; /* NULL: the part's description */
    /* OrderDtl.POLine, the customer's reference of the line (at most 255
     * bytes); NULL: none. A caller that sets a key unique within the order
     * can tell, reading the order back, which lines were saved. */
    const char *po_line;
};

/* Called after each save of a sales order write: the header (saved 0) and
 * then each line (saved = lines saved so far by this call). A nonzero
 * ks_rc stops the write, which returns it. */
typedef ks_rc (*ks_epicor_order_saved_fn)(void *userdata, int64_t order_num,
                                          size_t saved);

struct ks_epicor_order {
    int64_t cust_num;       /* used when cust_id is NULL */
    const char *cust_id;    /* the customer's CustID */
    const char *po_num;     /* customer PO; e.g. the storefront order id */
    const char *order_date; /* "2026-01-05" or ISO date-time; may be NULL */
    const char *need_by;    /* NeedByDate and RequestDate; may be NULL */
    const struct ks_epicor_order_line *lines;
    size_t nlines;
    ks_epicor_order_saved_fn on_saved; /* may be NULL */
    void *on_saved_userdata;
};

/*
 * Creates a sales order the way the Order Entry screen does: GetNewOrderHed
 * → ChangeOrderHedCustomerCustID (or ChangeCustomer with CustNum) → PONum
 * and dates → MasterUpdate (Epicor assigns OrderNum) → for each line
 * GetNewOrderDtl → ChangePartNum → ChangeSellingQuantity (→
 * ChangeUnitPrice) → MasterUpdate. A line failure leaves the order with
 * the lines saved so far; *order_num is set as soon as the header is saved,
 * also when a later step fails, so the caller can finish or void it.
 */
KS_EXTERN ks_rc
ks_epicor_sales_order_create(int64_t *order_num, struct ks_epicor *epi,
                             const struct ks_epicor_order *order);

/*
 * Adds order->lines to the existing sales order order_num, one save per
 * line as ks_epicor_sales_order_create() does (the header is read first
 * for its customer; the other header fields of order are not used).
 * *saved counts the lines saved, also when a later one fails. To finish
 * an order whose write was cut short, read it back and pass the lines
 * whose po_line it does not carry.
 */
KS_EXTERN ks_rc ks_epicor_sales_order_add_lines(
    size_t *saved, struct ks_epicor *epi, int64_t order_num,
    const struct ks_epicor_order *order);

/*
 * Records a storefront refund on a sales order as a line appended to
 * OrderHed.OrderComment: "[kinsync refund <refund_ref>: <amount> <reason>]",
 * saved with MasterUpdate (RowMod "U" on the complete row). Epicor has no
 * refund on a sales order (credit memos live in AR), and a comment keeps
 * the order's totals intact while staying visible in Order Entry. The
 * marker makes it idempotent: when the order already carries refund_ref,
 * nothing is written and *recorded is 0; otherwise *recorded is 1. A save
 * refused as "modified by another user" is retried once on a fresh read.
 */
KS_EXTERN ks_rc ks_epicor_order_record_refund(
    int *recorded, struct ks_epicor *epi, int64_t order_num,
    const char *refund_ref, double amount, const char *reason);

/* One line of an AP invoice: a miscellaneous line with one expense. */
struct ks_epicor_ap_line {
    const char *description;
    double qty;       /* above 0 */
    double unit_cost; /* the line and its expense are qty x unit_cost */
    /* The expense's GL account as Epicor's pipe-delimited segments
     * ("5100|00|100"); NULL: the line gets no GL coding. */
    const char *gl_account;
};

struct ks_epicor_ap_invoice {
    int64_t vendor_num;
    const char *invoice_num;  /* the supplier's invoice number: the key */
    const char *group_id;     /* an existing APInvGrp */
    const char *invoice_date; /* "2026-01-05"; NULL: Epicor's default */
    const struct ks_epicor_ap_line *lines;
    size_t nlines;
};

/*
 * Enters a supplier invoice the way the AP Invoice Entry screen does:
 * GetNewAPInvHed → invoice number, date, group → per line GetNewAPInvDtl
 * and GetNewAPInvExp → UpdateMaster (header, lines and expenses in one
 * save); then the GL coding: GetByID, and on the expense's APInvExpTGLC
 * row that Epicor created (TGLCTranNum 1) the account and its SegValueN
 * with RowMod "U" → UpdateMaster. A TGLC row posted directly would be
 * stored beside Epicor's and never reach the expense (the reference's
 * APInvExpTGLC quirk).
 *
 * Exactly-once by (vendor_num, invoice_num): when Epicor has the invoice
 * already, it is not entered again (*created 0) and only GL coding that
 * differs from lines[i] is written, so a write cut short between the two
 * saves is finished by calling again with the same invoice. *out (may be
 * NULL) gets the APInvHed row as saved, with the InvoiceNum and the
 * InvoiceAmt Epicor computed. Errors are Epicor's, mapped (an unknown
 * supplier or account is KS_EINVAL or the HTTP mapping of its 400).
 */
KS_EXTERN ks_rc
ks_epicor_ap_invoice_enter(cJSON **out, int *created, struct ks_epicor *epi,
                           const struct ks_epicor_ap_invoice *inv);

/*
 * Calls an Epicor Function: POST .../api/v2/efx/[staging/]{company}/
 * {library}/{function} with params (NULL: {}) as the body. *out gets the
 * reply (the function's response parameters). A demoted or unmapped
 * function is ENOTFOUND; a function that fails "softly" still succeeds.
 */
KS_EXTERN ks_rc ks_epicor_efx(cJSON **out, struct ks_epicor *epi,
                              const char *library, const char *function,
                              const cJSON *params, int staging);

#ifdef __cplusplus
}
#endif

#endif
