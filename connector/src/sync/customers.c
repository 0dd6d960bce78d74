/*
 * Epicor customers -> WooCommerce customers.
 *
 * Customers changed since the SysRevID cursor that have an e-mail address
 * (WooCommerce identifies a customer by it) are matched by the id map
 * (WooCommerce id <-> CustNum, shared with the order flow, which maps the
 * buyers it creates), then by e-mail, and created or updated through
 * customers/batch, at most WC_CHUNK per request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "sync_int.h"

#define ENTITY "Customer"
#define WC_CHUNK 100

struct pending {
    cJSON *create, *update;
    cJSON *create_rows, *update_rows;
};

static ks_rc pending_init(struct pending *p)
{
    p->create = cJSON_CreateArray();
    p->update = cJSON_CreateArray();
    p->create_rows = cJSON_CreateArray();
    p->update_rows = cJSON_CreateArray();
    return p->create && p->update && p->create_rows && p->update_rows
               ? KS_OK
               : KS_ENOMEM;
}

static void pending_dispose(struct pending *p)
{
    cJSON_Delete(p->create);
    cJSON_Delete(p->update);
    cJSON_Delete(p->create_rows);
    cJSON_Delete(p->update_rows);
    memset(p, 0, sizeof(*p));
}

static const char *cust_key(char out[48], const cJSON *row)
{
    snprintf(out, 48, "%lld", (long long)kx_json_numeric(row, "CustNum", 0));
    return out;
}

/* The WooCommerce body of a customer: Name split at its last space into
 * first and last name (Epicor keeps one name field). */
static cJSON *wc_body(const cJSON *row)
{
    const char *name = kx_json_str_or(row, "Name", "");
    const char *sp = strrchr(name, ' ');
    char first[128], last[128];
    cJSON *b = cJSON_CreateObject(), *bill;

    if (sp) {
        snprintf(first, sizeof(first), "%.*s", (int)(sp - name), name);
        snprintf(last, sizeof(last), "%s", sp + 1);
    } else {
        snprintf(first, sizeof(first), "%s", name);
        last[0] = '\0';
    }
    bill = b ? cJSON_AddObjectToObject(b, "billing") : NULL;
    if (!bill ||
        !cJSON_AddStringToObject(b, "email",
                                 kx_json_str_or(row, "EMailAddress", "")) ||
        !cJSON_AddStringToObject(b, "first_name", first) ||
        !cJSON_AddStringToObject(b, "last_name", last) ||
        !cJSON_AddStringToObject(bill, "first_name", first) ||
        !cJSON_AddStringToObject(bill, "last_name", last) ||
        !cJSON_AddStringToObject(bill, "company", name) ||
        !cJSON_AddStringToObject(bill, "address_1",
                                 kx_json_str_or(row, "Address1", "")) ||
        !cJSON_AddStringToObject(bill, "city",
                                 kx_json_str_or(row, "City", "")) ||
        !cJSON_AddStringToObject(bill, "state",
                                 kx_json_str_or(row, "State", "")) ||
        !cJSON_AddStringToObject(bill, "postcode",
                                 kx_json_str_or(row, "Zip", "")) ||
        !cJSON_AddStringToObject(bill, "country",
                                 kx_json_str_or(row, "Country", "")) ||
        !cJSON_AddStringToObject(bill, "email",
                                 kx_json_str_or(row, "EMailAddress", ""))) {
        cJSON_Delete(b);
        return NULL;
    }
    return b;
}

static ks_rc body_hash(char out[65], const cJSON *body)
{
    char *text = cJSON_PrintUnformatted(body);
    ks_rc rc;

    if (!text)
        return KS_ENOMEM;
    rc = ks__sync_hash(out, text);
    cJSON_free(text);
    return rc;
}

static ks_rc slot_done(struct ks_sync_stats *stats, struct ks_sync *sync,
                       const cJSON *row, const cJSON *body, const cJSON *slot,
                       ks_rc whole, int create)
{
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(slot, "error");
    int64_t id = (int64_t)kx_json_numeric(slot, "id", 0);
    char cn[48], key[64], num[32], hash[65], why[400];
    ks_rc rc;

    cust_key(cn, row);
    if (whole || error || id <= 0) {
        snprintf(why, sizeof(why), "woocommerce refused the customer: %s",
                 whole   ? ks__sync_client_message(sync)
                 : error ? kx_json_str_or(error, "message", "")
                         : "no id in the reply");
        return ks__sync_outbox(sync, stats, KS__FLOW_CUST_WC, "customer",
                               "epicor", cn, row, why);
    }
    snprintf(num, sizeof(num), "%lld", (long long)id);
    rc = ks_store_map_put(sync->store, KS__MAP_WC_CUSTOMER, num, cn);
    rc = ks__sync_fail(sync, rc == KS_ECONFLICT ? KS_OK : rc, 1);
    snprintf(key, sizeof(key), "wccust:%s", cn);
    if (!rc)
        rc = body_hash(hash, body);
    if (!rc)
        rc = ks__sync_sent_put(sync, key, hash);
    if (!rc)
        rc = ks__sync_audit(sync, KS__FLOW_CUST_WC, "epicor", cn, "woocommerce",
                            num, create ? "customer.create" : "customer.update",
                            "ok", 1, NULL);
    if (!rc && create)
        stats->created++;
    else if (!rc)
        stats->updated++;
    return rc;
}

static ks_rc send(struct ks_sync_stats *stats, struct ks_sync *sync,
                  struct pending *p)
{
    int nc = cJSON_GetArraySize(p->create), nu = cJSON_GetArraySize(p->update);
    cJSON *reply = NULL;
    ks_rc rc, r2 = KS_OK;

    if (nc + nu == 0)
        return KS_OK;
    rc = ks_woocommerce_customers_batch(&reply, NULL, sync->wc,
                                        nc ? p->create : NULL,
                                        nu ? p->update : NULL, NULL);
    if (!rc)
        rc = ks__sync_crash(sync, "after_customers_batch");
    if (rc && ks__sync_fatal(rc)) {
        cJSON_Delete(reply);
        return ks__sync_fail(sync, rc, 0);
    }
    for (int i = 0; i < nc && !r2; i++)
        r2 =
            slot_done(stats, sync, cJSON_GetArrayItem(p->create_rows, i),
                      cJSON_GetArrayItem(p->create, i),
                      cJSON_GetArrayItem(
                          cJSON_GetObjectItemCaseSensitive(reply, "create"), i),
                      rc, 1);
    for (int i = 0; i < nu && !r2; i++)
        r2 =
            slot_done(stats, sync, cJSON_GetArrayItem(p->update_rows, i),
                      cJSON_GetArrayItem(p->update, i),
                      cJSON_GetArrayItem(
                          cJSON_GetObjectItemCaseSensitive(reply, "update"), i),
                      rc, 0);
    cJSON_Delete(reply);
    pending_dispose(p);
    return r2 ? r2 : pending_init(p);
}

/* The WooCommerce id of a customer: id map, else by e-mail (then mapped);
 * 0 when WooCommerce has none. */
static ks_rc wc_id(int64_t *id, struct ks_sync *sync, const char *cn,
                   const char *email)
{
    char *a = NULL, num[32];
    cJSON *c = NULL;
    ks_rc rc;

    *id = 0;
    rc = ks_store_map_find_reverse(&a, sync->store, KS__MAP_WC_CUSTOMER, cn);
    if (rc == KS_OK) {
        *id = strtoll(a, NULL, 10);
        ks_store_string_free(a);
        return KS_OK;
    }
    if (rc != KS_ENOTFOUND)
        return ks__sync_fail(sync, rc, 1);
    rc = ks_woocommerce_customer_find_by_email(&c, sync->wc, email);
    if (rc == KS_ENOTFOUND)
        return KS_OK;
    if (rc)
        return ks__sync_fail(sync, rc, 0);
    *id = (int64_t)kx_json_numeric(c, "id", 0);
    cJSON_Delete(c);
    snprintf(num, sizeof(num), "%lld", (long long)*id);
    rc = ks_store_map_put(sync->store, KS__MAP_WC_CUSTOMER, num, cn);
    return ks__sync_fail(sync, rc == KS_ECONFLICT ? KS_OK : rc, 1);
}

static ks_rc queue(struct ks_sync_stats *stats, struct ks_sync *sync,
                   struct pending *p, const cJSON *row)
{
    char cn[48], key[64], hash[65];
    cJSON *body = NULL;
    int same = 0;
    int64_t id = 0;
    ks_rc rc;

    cust_key(cn, row);
    if (!*kx_json_str_or(row, "EMailAddress", "")) {
        stats->skipped++;
        return ks__sync_audit(sync, KS__FLOW_CUST_WC, "epicor", cn,
                              "woocommerce", NULL, "customer", "skipped", 1,
                              "no e-mail address");
    }
    body = wc_body(row);
    if (!body)
        return KS_ENOMEM;
    snprintf(key, sizeof(key), "wccust:%s", cn);
    rc = body_hash(hash, body);
    if (!rc)
        rc = ks__sync_sent_same(&same, sync, key, hash);
    if (!rc && same) {
        stats->unchanged++;
        goto out;
    }
    if (!rc)
        rc = wc_id(&id, sync, cn, kx_json_str_or(row, "EMailAddress", ""));
    if (rc)
        goto out;
    if (id && !cJSON_AddNumberToObject(body, "id", (double)id)) {
        rc = KS_ENOMEM;
        goto out;
    }
    if (!cJSON_AddItemToArray(id ? p->update_rows : p->create_rows,
                              cJSON_Duplicate(row, 1)) ||
        !cJSON_AddItemToArray(id ? p->update : p->create, body)) {
        rc = KS_ENOMEM;
        goto out;
    }
    body = NULL;
    if (cJSON_GetArraySize(p->create) + cJSON_GetArraySize(p->update) >=
        WC_CHUNK)
        rc = send(stats, sync, p);
out:
    cJSON_Delete(body);
    return rc;
}

static ks_rc run_rows(struct ks_sync_stats *stats, struct ks_sync *sync,
                      const cJSON *rows)
{
    struct pending p;
    const cJSON *row;
    ks_rc rc = pending_init(&p);

    for (row = rows->child; row && !rc; row = row->next)
        rc = queue(stats, sync, &p, row);
    if (!rc)
        rc = send(stats, sync, &p);
    pending_dispose(&p);
    return rc;
}

ks_rc ks_sync_customers_to_woocommerce(struct ks_sync_stats *stats,
                                       struct ks_sync *sync)
{
    cJSON *rows = cJSON_CreateArray();
    int64_t since = 0, max = 0;
    ks_rc rc;

    ks__sync_enter(sync, stats);
    if (!rows)
        return ks__sync_leave(sync, KS_ENOMEM);
    if (!sync->wc) {
        cJSON_Delete(rows);
        return ks__sync_leave(sync,
                              ks__error_set(&sync->err, KS_EINVAL, 0,
                                            "sync: no WooCommerce handle"));
    }
    rc = ks__sync_cursor_int(&since, sync, KS__FLOW_CUST_WC, ENTITY);
    if (!rc)
        rc = ks__sync_fail(sync,
                           ks_epicor_customers_changed_since(
                               sync->epi, since, ks__sync_collect, rows, &max),
                           0);
    stats->read += cJSON_GetArraySize(rows);
    if (!rc)
        rc = run_rows(stats, sync, rows);
    if (!rc)
        rc = ks__sync_cursor_set_int(sync, KS__FLOW_CUST_WC, ENTITY, max);
    cJSON_Delete(rows);
    return ks__sync_leave(sync, rc);
}

ks_rc ks__sync_customer_one(struct ks_sync_stats *stats, struct ks_sync *sync,
                            int64_t cust_num)
{
    struct ks_epicor_query q = KS_EPICOR_QUERY_INIT;
    cJSON *rows = cJSON_CreateArray();
    char filter[64];
    ks_rc rc;

    if (!rows)
        return KS_ENOMEM;
    snprintf(filter, sizeof(filter), "CustNum eq %lld", (long long)cust_num);
    q.filter = filter;
    q.top = 1;
    rc = ks__sync_fail(sync,
                       ks_epicor_query(sync->epi, "Erp.BO.CustomerSvc",
                                       "Customers", &q, ks__sync_collect, rows),
                       0);
    stats->read += cJSON_GetArraySize(rows);
    if (!rc)
        rc = run_rows(stats, sync, rows);
    cJSON_Delete(rows);
    return rc;
}
