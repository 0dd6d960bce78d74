/*
 * One web order -> one Epicor sales order, exactly once, each line once.
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
 *                             is the earlier attempt's: read its lines back
 *                             and write only those whose key (POLine = the
 *                             web line id) it lacks
 *   create the sales order (PONum = ref; each line its POLine key)
 *   crash points after_order_header, after_order_line (each save)
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

/* The lines in Epicor's terms; keys[i] is line i's POLine. */
struct mapped {
    struct ks_epicor_order_line *lines;
    char **parts;
    char (*keys)[24];
    size_t n;
};

static void mapped_dispose(struct mapped *m)
{
    for (size_t i = 0; m->parts && i < m->n; i++)
        ks_store_string_free(m->parts[i]);
    ks__free(m->parts);
    ks__free(m->lines);
    ks__free(m->keys);
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
    m->keys = ks__calloc(o->nlines + 1, sizeof(*m->keys));
    if (!m->lines || !m->parts || !m->keys)
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
        /* the line's key in Epicor: the platform's line id, else its
         * position (what an order read back is matched by) */
        if (l->id > 0)
            snprintf(m->keys[i], sizeof(m->keys[i]), "%lld", (long long)l->id);
        else
            snprintf(m->keys[i], sizeof(m->keys[i]), "L%zu", i + 1);
        m->lines[i].po_line = m->keys[i];
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

/*
 * Marks done[i] for each line of m that the sales order read back (full,
 * with "OrderDtls") carries: a line by its POLine key, and a line saved
 * without one (by a kinsync before line keys, which saved the lines in
 * order) by its position.
 */
static void lines_present(char *done, const cJSON *full, const struct mapped *m)
{
    const cJSON *d;
    size_t pos = 0;

    cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(full, "OrderDtls"))
    {
        const char *key = kx_json_str(d, "POLine");

        if (!key || !*key) {
            if (pos < m->n)
                done[pos] = 1;
        } else {
            for (size_t i = 0; i < m->n; i++) {
                if (!done[i] && strcmp(m->keys[i], key) == 0) {
                    done[i] = 1;
                    break;
                }
            }
        }
        pos++;
    }
}

/* What an earlier attempt left in Epicor: *order_num 0 when no sales
 * order carries the reference, else done[] marks the lines it has. */
static ks_rc find_earlier(int64_t *order_num, char *done, struct ks_sync *sync,
                          const struct ks__sync_order *o,
                          const struct mapped *m)
{
    cJSON *hed = NULL, *full = NULL;
    ks_rc rc;

    *order_num = 0;
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
    lines_present(done, full, m);
    cJSON_Delete(full);
    return KS_OK;
}

/* After the header and after each line saved: where a process can die
 * with the order half written. */
static ks_rc order_saved(void *ud, int64_t order_num, size_t saved)
{
    (void)order_num;
    return ks__sync_crash(ud,
                          saved ? "after_order_line" : "after_order_header");
}

/*
 * The write (step 6): the whole order when *order_num is 0, else the
 * lines the earlier attempt's order lacks (done[i] 0), each saved once.
 * *order_num is set once the header exists.
 */
static ks_rc write_order(int64_t *order_num, struct ks_sync *sync,
                         const struct ks__sync_order *o, int64_t cust_num,
                         const struct mapped *m, const char *done)
{
    struct ks_epicor_order_line *missing = NULL;
    struct ks_epicor_order ko;
    size_t n = 0, saved = 0;
    ks_rc rc;

    memset(&ko, 0, sizeof(ko));
    ko.on_saved = order_saved;
    ko.on_saved_userdata = sync;
    if (!*order_num) {
        ko.cust_num = cust_num;
        ko.po_num = o->ref;
        ko.order_date = o->order_date[0] ? o->order_date : NULL;
        ko.lines = m->lines;
        ko.nlines = m->n;
        return ks__sync_fail(
            sync, ks_epicor_sales_order_create(order_num, sync->epi, &ko), 0);
    }
    missing = ks__calloc(m->n + 1, sizeof(*missing));
    if (!missing)
        return KS_ENOMEM;
    for (size_t i = 0; i < m->n; i++)
        if (!done[i])
            missing[n++] = m->lines[i];
    ko.lines = missing;
    ko.nlines = n;
    rc = ks_epicor_sales_order_add_lines(&saved, sync->epi, *order_num, &ko);
    ks__free(missing);
    return ks__sync_fail(sync, rc, 0);
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

/* A write Epicor refused (not a failure of the link): the order goes to
 * the outbox. A header that exists keeps the lines it has; the replay
 * finds it by reference and adds only the others. */
static ks_rc refused(struct ks_sync_stats *stats, struct ks_sync *sync,
                     const struct ks__sync_order *o, const cJSON *source,
                     int64_t order_num)
{
    char why[512];

    if (order_num)
        snprintf(why, sizeof(why),
                 "epicor refused a line of sales order %lld (PONum %s): %s; "
                 "a replay adds the lines it lacks",
                 (long long)order_num, o->ref, ks__sync_client_message(sync));
    else
        snprintf(why, sizeof(why), "epicor refused the sales order: %s",
                 ks__sync_client_message(sync));
    ks__error_clear(&sync->err);
    return ks__sync_outbox(sync, stats, o->flow, "order", o->system, o->ref,
                           source, why);
}

/* Steps 5 to 7 once the intent is begun: look for the earlier attempt's
 * order when pending, write what it lacks, complete. */
static ks_rc write_and_finish(struct ks_sync_stats *stats, struct ks_sync *sync,
                              const struct ks__sync_order *o,
                              const cJSON *source, const struct ks_intent *in,
                              int64_t cust_num, const struct mapped *m)
{
    char *done = ks__calloc(m->n + 1, 1);
    int64_t order_num = 0;
    size_t missing = m->n;
    int found = 0;
    ks_rc rc = done ? KS_OK : KS_ENOMEM;

    if (!rc && in->state == KS_INTENT_PENDING) {
        /* an earlier attempt may have reached Epicor: look before writing */
        rc = find_earlier(&order_num, done, sync, o, m);
        found = order_num != 0;
        for (size_t i = 0; !rc && found && i < m->n; i++)
            missing -= done[i] != 0;
    }
    if (!rc && missing) {
        rc = write_order(&order_num, sync, o, cust_num, m, done);
        if (rc && !ks__sync_fatal(rc)) {
            rc = refused(stats, sync, o, source, order_num);
            goto out;
        }
        if (!rc)
            rc = ks__sync_crash(sync, "after_remote_write");
    }
    if (!rc)
        rc = finish(stats, sync, o, order_num, in->attempts,
                    !found    ? "order.create"
                    : missing ? "order.complete"
                              : "order.recover");
out:
    ks__free(done);
    return rc;
}

ks_rc ks__sync_import(struct ks_sync_stats *stats, struct ks_sync *sync,
                      const struct ks__sync_order *o, const cJSON *source)
{
    struct mapped m = {NULL, NULL, NULL, 0};
    struct ks_intent in;
    char why[512] = "", hash[65];
    int64_t cust_num = 0;
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
    if (in.state == KS_INTENT_DONE)
        stats->skipped++;
    else
        rc = write_and_finish(stats, sync, o, source, &in, cust_num, &m);
out:
    mapped_dispose(&m);
    return rc;
}
