/*
 * One web order -> one Epicor sales order, exactly once.
 *
 * The platform files parse a store's order into struct ks__sync_order;
 * this file maps it (SKU -> PartNum, buyer -> CustNum, totals to the cent)
 * and writes it under the store's intent protocol:
 *
 *   intent DONE            -> skipped, nothing sent
 *   mapping fails          -> outbox with the reason, no intent
 *   intent_begin           (committed before any order write)
 *   crash point after_intent_begin
 *   PENDING                -> sales order with PONum = ref exists? then it
 *                             is the earlier attempt's: complete with it
 *   create the sales order (PONum = ref)
 *   crash point after_remote_write
 *   intent_complete        (OrderNum recorded)
 *   crash point after_intent_complete
 *   id map, audit
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "sync_int.h"

/*
 * SKU -> PartNum: an alias in the sku_part map first (set by whoever fixes
 * a mapping), else a part whose PartNum is the SKU. Parts known to exist
 * are remembered under KS__MAP_PART, not as sku_part identities: within a
 * kind each b_id maps back to one a_id, so an identity pair would block
 * an alias to the same part. *part NULL when unknown.
 */
static ks_rc map_sku(char **part, struct ks_sync *sync, const char *sku)
{
    int exists = 0;
    ks_rc rc;

    *part = NULL;
    rc = ks_store_map_get(part, sync->store, KS__MAP_SKU_PART, sku);
    if (rc != KS_ENOTFOUND)
        return ks__sync_fail(sync, rc, 1);
    if (strlen(sku) > KS_STORE_ID_MAX)
        return KS_OK;
    rc = ks_store_map_get(part, sync->store, KS__MAP_PART, sku);
    if (rc != KS_ENOTFOUND)
        return ks__sync_fail(sync, rc, 1);
    rc = ks__sync_part_exists(&exists, sync, sku);
    if (rc || !exists)
        return rc;
    rc = ks_store_map_put(sync->store, KS__MAP_PART, sku, sku);
    if (rc)
        return ks__sync_fail(sync, rc, 1);
    *part = ks__strdup(sku);
    return *part ? KS_OK : KS_ENOMEM;
}

static int64_t row_num(const cJSON *row, const char *name)
{
    return (int64_t)kx_json_numeric(row, name, 0);
}

/* Creates the buyer in Epicor. Idempotent through the e-mail lookup that
 * precedes it: a crash after the create finds the customer next time. */
static ks_rc create_customer(int64_t *cust_num, struct ks_sync *sync,
                             const struct ks__sync_order *o)
{
    char id[48], *name = NULL;
    cJSON *f = cJSON_CreateObject();
    ks_rc rc = KS_ENOMEM;

    *cust_num = 0;
    if (o->customer_id > 0)
        snprintf(id, sizeof(id), "%.2s%lld", o->ref, (long long)o->customer_id);
    else
        snprintf(id, sizeof(id), "G%s", o->ref);
    if (*o->company)
        name = ks__strdup(o->company);
    else if (*o->first_name || *o->last_name)
        name = ks__aprintf("%s%s%s", o->first_name,
                           *o->first_name && *o->last_name ? " " : "",
                           o->last_name);
    else
        name = ks__strdup(o->email);
    if (!f || !name || !cJSON_AddStringToObject(f, "CustID", id) ||
        !cJSON_AddStringToObject(f, "Name", name) ||
        !cJSON_AddStringToObject(f, "EMailAddress", o->email) ||
        !cJSON_AddStringToObject(f, "Address1", o->street) ||
        !cJSON_AddStringToObject(f, "City", o->city) ||
        !cJSON_AddStringToObject(f, "State", o->state) ||
        !cJSON_AddStringToObject(f, "Zip", o->zip) ||
        !cJSON_AddStringToObject(f, "Country", o->country) ||
        !cJSON_AddTrueToObject(f, "WebCustomer"))
        goto out;
    rc = ks__sync_crash(sync, "before_customer_create");
    if (rc)
        goto out;
    rc = ks__sync_fail(sync, ks_epicor_customer_create(cust_num, sync->epi, f),
                       0);
    if (!rc)
        rc = ks__sync_crash(sync, "after_customer_create");
    if (!rc) {
        char num[32];

        snprintf(num, sizeof(num), "%lld", (long long)*cust_num);
        rc = ks__sync_audit(sync, o->flow, o->system, o->ref, "epicor", num,
                            "customer.create", "ok", 1, id);
    }
out:
    cJSON_Delete(f);
    ks__free(name);
    return rc;
}

/* The buyer's CustNum: by e-mail, then by the id map, else created. */
static ks_rc resolve_customer(int64_t *cust_num, struct ks_sync *sync,
                              const struct ks__sync_order *o)
{
    char key[32], *mapped = NULL, num[32];
    cJSON *row = NULL;
    ks_rc rc;

    *cust_num = 0;
    rc = ks_epicor_customer_find_by_email(&row, sync->epi, o->email);
    if (rc == KS_OK) {
        *cust_num = row_num(row, "CustNum");
        cJSON_Delete(row);
    } else if (rc != KS_ENOTFOUND) {
        return ks__sync_fail(sync, rc, 0);
    }
    snprintf(key, sizeof(key), "%lld", (long long)o->customer_id);
    if (!*cust_num && o->customer_id > 0) {
        rc = ks_store_map_get(&mapped, sync->store, o->customer_map, key);
        if (rc == KS_OK)
            *cust_num = strtoll(mapped, NULL, 10);
        ks_store_string_free(mapped);
        if (rc && rc != KS_ENOTFOUND)
            return ks__sync_fail(sync, rc, 1);
    }
    if (!*cust_num) {
        rc = create_customer(cust_num, sync, o);
        if (rc)
            return rc;
    }
    if (o->customer_id > 0) {
        snprintf(num, sizeof(num), "%lld", (long long)*cust_num);
        rc = ks_store_map_put(sync->store, o->customer_map, key, num);
        /* An existing pair pointing elsewhere (the shopper changed e-mail)
         * keeps the first mapping: the e-mail lookup decides anyway. */
        if (rc == KS_ECONFLICT)
            rc = KS_OK;
        return ks__sync_fail(sync, rc, 1);
    }
    return KS_OK;
}

/* The earlier attempt's order, if it reached Epicor whole. *order_num 0
 * when there is none; *partial when it lacks lines. */
static ks_rc find_earlier(int64_t *order_num, int *partial,
                          struct ks_sync *sync, const struct ks__sync_order *o)
{
    cJSON *hed = NULL, *full = NULL;
    ks_rc rc;

    *order_num = 0;
    *partial = 0;
    rc = ks_epicor_sales_order_find_by_po(&hed, sync->epi, o->ref);
    if (rc == KS_ENOTFOUND)
        return KS_OK;
    if (rc)
        return ks__sync_fail(sync, rc, 0);
    *order_num = row_num(hed, "OrderNum");
    cJSON_Delete(hed);
    rc = ks_epicor_sales_order_get(&full, sync->epi, *order_num);
    if (rc)
        return ks__sync_fail(sync, rc, 0);
    *partial = (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
                   full, "OrderDtls")) < o->nlines;
    cJSON_Delete(full);
    return KS_OK;
}

struct mapped {
    struct ks_epicor_order_line *lines;
    char **parts;
    size_t n;
};

static void mapped_dispose(struct mapped *m)
{
    for (size_t i = 0; m->parts && i < m->n; i++)
        ks_store_string_free(m->parts[i]);
    ks__free(m->parts);
    ks__free(m->lines);
}

/* Maps the lines; *why gets the first reason the order cannot go. */
static ks_rc map_lines(struct mapped *m, char *why, size_t whysz,
                       struct ks_sync *sync, const struct ks__sync_order *o)
{
    int64_t sum = 0;
    ks_rc rc = KS_OK;

    m->n = o->nlines;
    m->lines = ks__calloc(o->nlines + 1, sizeof(*m->lines));
    m->parts = ks__calloc(o->nlines + 1, sizeof(*m->parts));
    if (!m->lines || !m->parts)
        return KS_ENOMEM;
    for (size_t i = 0; i < o->nlines && !*why; i++) {
        const struct ks__sync_line *l = &o->lines[i];

        rc = map_sku(&m->parts[i], sync, l->sku);
        if (rc)
            return rc;
        if (!m->parts[i]) {
            snprintf(why, whysz,
                     "unknown SKU '%s' on line %zu: no id map "
                     "and no Epicor part of that number",
                     l->sku, i + 1);
            break;
        }
        m->lines[i].part_num = m->parts[i];
        m->lines[i].qty = (double)l->qty;
        /* cents are exact; the client's double carries them to Epicor */
        m->lines[i].unit_price = (double)l->unit_cents / 100.0;
        m->lines[i].line_desc = *l->name ? l->name : NULL;
        sum += l->qty * l->unit_cents;
    }
    if (!*why && sum != o->expected_cents) {
        char a[32], b[32];

        ks__sync_cents_str(a, sum);
        ks__sync_cents_str(b, o->expected_cents);
        snprintf(why, whysz,
                 "lines add up to %s but the order's goods total "
                 "is %s (discounts, fees or taxes not mapped)",
                 a, b);
    }
    return rc;
}

static ks_rc payload_hash(char out[65], int64_t cust_num,
                          const struct mapped *m)
{
    struct ks__buf b = KS__BUF_INIT;
    ks_rc rc;

    ks__buf_printf(&b, "%lld", (long long)cust_num);
    for (size_t i = 0; i < m->n; i++)
        ks__buf_printf(&b, "|%s*%.0f@%.2f", m->lines[i].part_num,
                       m->lines[i].qty, m->lines[i].unit_price);
    rc = b.oom ? KS_ENOMEM : ks__sync_hash(out, b.data);
    ks__buf_dispose(&b);
    return rc;
}

/* The write and the bookkeeping after it (steps 3 and 4). */
static ks_rc write_order(int64_t *order_num, struct ks_sync *sync,
                         const struct ks__sync_order *o, int64_t cust_num,
                         const struct mapped *m)
{
    struct ks_epicor_order ko;

    memset(&ko, 0, sizeof(ko));
    ko.cust_num = cust_num;
    ko.po_num = o->ref;
    ko.order_date = o->order_date[0] ? o->order_date : NULL;
    ko.lines = m->lines;
    ko.nlines = m->n;
    return ks__sync_fail(
        sync, ks_epicor_sales_order_create(order_num, sync->epi, &ko), 0);
}

static ks_rc finish(struct ks_sync_stats *stats, struct ks_sync *sync,
                    const struct ks__sync_order *o, int64_t order_num,
                    int attempt, const char *action)
{
    char num[32];
    ks_rc rc;

    snprintf(num, sizeof(num), "%lld", (long long)order_num);
    rc = ks__sync_fail(
        sync,
        ks_store_intent_complete(sync->store, KS__INTENT_ORDER, o->ref, num),
        1);
    if (!rc)
        rc = ks__sync_crash(sync, "after_intent_complete");
    if (!rc) {
        rc = ks_store_map_put(sync->store, KS__MAP_ORDER, o->ref, num);
        rc = ks__sync_fail(sync, rc == KS_ECONFLICT ? KS_OK : rc, 1);
    }
    if (!rc)
        rc = ks__sync_audit(sync, o->flow, o->system, o->ref, "epicor", num,
                            action, "ok", attempt, NULL);
    if (!rc) {
        stats->created++;
        ks__log(sync->client, KS_LOG_INFO, NULL,
                "sync: %s became Epicor sales order %s", o->ref, num);
    }
    return rc;
}

ks_rc ks__sync_import(struct ks_sync_stats *stats, struct ks_sync *sync,
                      const struct ks__sync_order *o, const cJSON *source)
{
    struct mapped m = {NULL, NULL, 0};
    struct ks_intent in;
    char why[512] = "", hash[65];
    int64_t cust_num = 0, order_num = 0;
    int partial = 0;
    ks_rc rc;

    rc = ks_store_intent_get(&in, sync->store, KS__INTENT_ORDER, o->ref);
    if (rc == KS_OK && in.state == KS_INTENT_DONE) {
        stats->skipped++;
        return KS_OK;
    }
    if (rc && rc != KS_ENOTFOUND)
        return ks__sync_fail(sync, rc, 1);
    if (o->bad) {
        snprintf(why, sizeof(why), "%s", o->bad);
    } else {
        rc = map_lines(&m, why, sizeof(why), sync, o);
        if (rc)
            goto out;
    }
    if (!*why && !*o->email)
        snprintf(why, sizeof(why), "the order has no buyer e-mail address");
    if (*why) {
        rc = ks__sync_outbox(sync, stats, o->flow, "order", o->system, o->ref,
                             source, why);
        goto out;
    }
    rc = resolve_customer(&cust_num, sync, o);
    if (rc && !ks__sync_fatal(rc)) {
        snprintf(why, sizeof(why), "buyer: %s", ks__sync_client_message(sync));
        rc = ks__sync_outbox(sync, stats, o->flow, "order", o->system, o->ref,
                             source, why);
        goto out;
    }
    if (!rc)
        rc = payload_hash(hash, cust_num, &m);
    if (!rc)
        rc =
            ks__sync_fail(sync,
                          ks_store_intent_begin(&in, sync->store,
                                                KS__INTENT_ORDER, o->ref, hash),
                          1);
    if (!rc)
        rc = ks__sync_crash(sync, "after_intent_begin");
    if (rc)
        goto out;
    if (in.state == KS_INTENT_DONE) {
        stats->skipped++;
        goto out;
    }
    if (in.state == KS_INTENT_PENDING) {
        /* an earlier attempt may have reached Epicor: look before writing */
        rc = find_earlier(&order_num, &partial, sync, o);
        if (rc)
            goto out;
    }
    if (!order_num) {
        rc = write_order(&order_num, sync, o, cust_num, &m);
        partial = rc != KS_OK && order_num > 0;
        if (rc && ks__sync_fatal(rc))
            goto out;
        if (rc && !partial) {
            snprintf(why, sizeof(why), "epicor refused the sales order: %s",
                     ks__sync_client_message(sync));
            ks__error_clear(&sync->err);
            rc = ks__sync_outbox(sync, stats, o->flow, "order", o->system,
                                 o->ref, source, why);
            goto out;
        }
        rc = ks__sync_crash(sync, "after_remote_write");
        if (rc)
            goto out;
    }
    if (partial) {
        /* Never a second order: a person completes or voids this one. */
        snprintf(why, sizeof(why),
                 "epicor sales order %lld (PONum %s) is missing lines; "
                 "complete or void it, then replay",
                 (long long)order_num, o->ref);
        ks__error_clear(&sync->err);
        rc = ks__sync_outbox(sync, stats, o->flow, "order", o->system, o->ref,
                             source, why);
        goto out;
    }
    rc = finish(stats, sync, o, order_num, in.attempts,
                in.state == KS_INTENT_PENDING ? "order.recover"
                                              : "order.create");
out:
    mapped_dispose(&m);
    return rc;
}
