/*
 * Epicor vendors <-> Adobe Commerce B2B companies (vendors.adobe).
 *
 * Out: vendors changed since the cursor (SysRevID: the Vendor row has no
 * change date) become companies: Name, EMailAddress, PhoneNum, Address1,
 * City, State, ZIP, Country are the company's name, e-mail, telephone,
 * street, city, region, postcode and country; the vendor number, id,
 * terms, currency and group (the vendor's posting dimensions) are custom
 * attributes. A company is created once (intent vendor.adobe <VendorNum>;
 * a pending intent looks for a company whose epicor_vendor_num attribute
 * is the vendor's before writing), then updated when what the flow sends
 * changes.
 *
 * Back: each run first reads the mapped companies and compares their
 * mapped fields with what the flow last sent. A company changed on the
 * Adobe side is written to its Epicor vendor (VendorSvc GetByID, Update),
 * unless the vendor changed in Epicor too since the last sync: then
 * Epicor, the system of record for vendors, wins, and the outbound pass
 * of the same run writes Epicor's values over Adobe's (audited as
 * "vendor.conflict"). Either way, afterwards both sides agree and the
 * sent hash is theirs, so neither change comes back again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "sync_int.h"

#define VENDOR_SVC "Erp.BO.VendorSvc"

/* The mapped fields: Epicor Vendor column <-> Adobe company member. */
static const struct {
    const char *epicor;
    const char *adobe;
} fields[] = {
    {"Name", "company_name"},  {"EMailAddress", "company_email"},
    {"PhoneNum", "telephone"}, {"Address1", "street"},
    {"City", "city"},          {"State", "region"},
    {"ZIP", "postcode"},
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

/* Epicor's country (a name, or a code) -> ISO 3166 alpha-2; NULL when not
 * known. */
static const char *country_code(const char *c)
{
    static const char *const table[][2] = {
        {"USA", "US"},     {"United States", "US"},
        {"US", "US"},      {"Canada", "CA"},
        {"CA", "CA"},      {"Mexico", "MX"},
        {"MX", "MX"},      {"United Kingdom", "GB"},
        {"UK", "GB"},      {"GB", "GB"},
        {"Germany", "DE"}, {"DE", "DE"},
        {"France", "FR"},  {"FR", "FR"},
    };

    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (strcmp(c, table[i][0]) == 0)
            return table[i][1];
    return NULL;
}

/* The text of an Adobe member: street is a list of lines. */
static const char *adobe_text(const cJSON *company, const char *member)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(company, member);

    if (cJSON_IsArray(v))
        v = cJSON_GetArrayItem(v, 0);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* SHA-256 of the mapped fields as a company has them: what "changed on
 * the Adobe side" is measured against. */
static ks_rc company_hash(char out[65], const cJSON *company)
{
    struct ks__buf b = KS__BUF_INIT;
    ks_rc rc;

    for (size_t i = 0; i < NFIELDS; i++)
        ks__buf_printf(&b, "%s\x1f", adobe_text(company, fields[i].adobe));
    rc = b.oom ? KS_ENOMEM : ks__sync_hash(out, b.data ? b.data : "");
    ks__buf_dispose(&b);
    return rc;
}

static void sent_key(char out[48], int64_t vendor_num)
{
    snprintf(out, 48, "adobe:vendor:%lld", (long long)vendor_num);
}

static void rev_key(char out[48], int64_t vendor_num)
{
    snprintf(out, 48, "adobe:vendor_rev:%lld", (long long)vendor_num);
}

static void out_key(char out[48], int64_t vendor_num)
{
    snprintf(out, 48, "adobe:vendor_out:%lld", (long long)vendor_num);
}

static ks_rc attr_num(cJSON *rec, const char *code, int64_t n)
{
    char v[32];

    snprintf(v, sizeof(v), "%lld", (long long)n);
    return ks_adobe_custom_attribute_set(rec, code, v);
}

/* The company a vendor row gives; *why (nothing built) when the vendor
 * lacks what Adobe requires of a company. */
static ks_rc company_of(cJSON **out, char *why, size_t whysz,
                        const struct ks_sync *sync, const cJSON *v)
{
    int64_t num = (int64_t)kx_json_numeric(v, "VendorNum", 0);
    const char *country = country_code(kx_json_str_or(v, "Country", ""));
    static const char *const need[] = {"EMailAddress", "PhoneNum", "Address1",
                                       "City", "ZIP"};
    cJSON *c, *street;
    ks_rc rc = KS_OK;

    *out = NULL;
    for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
        if (!*kx_json_str_or(v, need[i], "")) {
            snprintf(why, whysz,
                     "vendor %lld has no %s (Adobe requires it of "
                     "a company)",
                     (long long)num, need[i]);
            return KS_OK;
        }
    }
    if (!country) {
        snprintf(why, whysz, "vendor %lld: country '%s' has no known ISO code",
                 (long long)num, kx_json_str_or(v, "Country", ""));
        return KS_OK;
    }
    c = cJSON_CreateObject();
    street = cJSON_CreateArray();
    if (!c || !street ||
        !cJSON_AddItemToArray(
            street, cJSON_CreateString(kx_json_str_or(v, "Address1", ""))) ||
        !cJSON_AddItemToObject(c, "street", street))
        rc = KS_ENOMEM;
    else
        street = NULL;
    for (size_t i = 0; !rc && i < NFIELDS; i++) {
        if (strcmp(fields[i].adobe, "street") != 0 &&
            !cJSON_AddStringToObject(c, fields[i].adobe,
                                     kx_json_str_or(v, fields[i].epicor, "")))
            rc = KS_ENOMEM;
    }
    if (!rc && (!cJSON_AddStringToObject(c, "country_id", country) ||
                !cJSON_AddNumberToObject(
                    c, "super_user_id", (double)sync->adobe_company_admin_id) ||
                !cJSON_AddNumberToObject(
                    c, "status", kx_json_bool(v, "Inactive", 0) ? 3 : 1)))
        rc = KS_ENOMEM;
    if (!rc)
        rc = attr_num(c, "epicor_vendor_num", num);
    if (!rc)
        rc = ks_adobe_custom_attribute_set(c, "epicor_vendor_id",
                                           kx_json_str_or(v, "VendorID", ""));
    if (!rc)
        rc = ks_adobe_custom_attribute_set(c, "epicor_terms_code",
                                           kx_json_str_or(v, "TermsCode", ""));
    if (!rc)
        rc = ks_adobe_custom_attribute_set(
            c, "epicor_currency", kx_json_str_or(v, "CurrencyCode", ""));
    if (!rc)
        rc = ks_adobe_custom_attribute_set(c, "epicor_vendor_group",
                                           kx_json_str_or(v, "GroupCode", ""));
    cJSON_Delete(street);
    if (rc)
        cJSON_Delete(c);
    else
        *out = c;
    return rc;
}

static ks_rc payload_hash(char out[65], const cJSON *company)
{
    char *text = cJSON_PrintUnformatted(company);
    ks_rc rc = text ? ks__sync_hash(out, text) : KS_ENOMEM;

    cJSON_free(text);
    return rc;
}

/* After a write (either way): both hashes and the vendor's SysRevID, so
 * neither side's state reads as a change next time. */
static ks_rc remember(struct ks_sync *sync, int64_t num, int64_t rev,
                      const cJSON *company)
{
    char key[48], hash[65], rev_s[32];
    ks_rc rc;

    out_key(key, num);
    rc = payload_hash(hash, company);
    if (!rc)
        rc = ks__sync_sent_put(sync, key, hash);
    sent_key(key, num);
    if (!rc)
        rc = company_hash(hash, company);
    if (!rc)
        rc = ks__sync_sent_put(sync, key, hash);
    rev_key(key, num);
    snprintf(rev_s, sizeof(rev_s), "%lld", (long long)rev);
    return rc ? rc : ks__sync_sent_put(sync, key, rev_s);
}

/* ---- out: vendor -> company ------------------------------------------- */

struct vendor_write {
    int64_t num;
    const cJSON *company;
};

static ks_rc find_company(int64_t *id, struct ks_sync *sync, void *ud)
{
    const struct vendor_write *w = ud;
    char num[32];
    cJSON *c = NULL;
    ks_rc rc;

    snprintf(num, sizeof(num), "%lld", (long long)w->num);
    rc = ks_adobe_company_find(&c, sync->adobe, "epicor_vendor_num", num);
    *id = rc ? 0 : (int64_t)kx_json_numeric(c, "id", 0);
    cJSON_Delete(c);
    return rc == KS_ENOTFOUND ? KS_OK : ks__sync_fail(sync, rc, 0);
}

static ks_rc create_company(int64_t *id, struct ks_sync *sync, void *ud)
{
    const struct vendor_write *w = ud;
    cJSON *c = NULL;
    ks_rc rc = ks_adobe_company_create(&c, sync->adobe, w->company);

    *id = rc ? 0 : (int64_t)kx_json_numeric(c, "id", 0);
    cJSON_Delete(c);
    if (!rc && *id <= 0)
        return ks__error_set(&sync->err, KS_EPARSE, 0,
                             "adobe: the company create answered no id");
    return ks__sync_fail(sync, rc, 0);
}

static ks_rc vendor_out(struct ks_sync_stats *stats, struct ks_sync *sync,
                        const cJSON *v)
{
    int64_t num = (int64_t)kx_json_numeric(v, "VendorNum", 0), id = 0;
    char why[256] = "", key[48], hash[65], ref[32], *mapped = NULL;
    struct vendor_write w = {num, NULL};
    enum ks__sync_once_how how = KS__ONCE_DONE;
    cJSON *company = NULL, *reply = NULL;
    int same = 0;
    ks_rc rc;

    stats->read++;
    snprintf(ref, sizeof(ref), "%lld", (long long)num);
    rc = company_of(&company, why, sizeof(why), sync, v);
    if (!rc && *why)
        return ks__sync_outbox(sync, stats, KS__FLOW_VENDORS_AD, "vendor",
                               "epicor", ref, v, why);
    out_key(key, num);
    if (!rc)
        rc = payload_hash(hash, company);
    if (!rc)
        rc = ks__sync_sent_same(&same, sync, key, hash);
    if (!rc && same) {
        /* the vendor moved in fields the company does not show: its
         * SysRevID is the one a later conflict check compares with */
        char rev[32], rkey[48];

        rev_key(rkey, num);
        snprintf(rev, sizeof(rev), "%lld",
                 (long long)kx_json_numeric(v, "SysRevID", 0));
        rc = ks__sync_sent_put(sync, rkey, rev);
        stats->unchanged++;
        goto out;
    }
    w.company = company;
    if (!rc) {
        rc = ks_store_map_get(&mapped, sync->store, KS__MAP_AD_COMPANY, ref);
        if (rc == KS_ENOTFOUND)
            rc = KS_OK;
        else if (rc)
            rc = ks__sync_fail(sync, rc, 1);
    }
    if (!rc && mapped) {
        id = strtoll(mapped, NULL, 10);
    } else if (!rc) {
        struct ks__sync_once once = {
            KS__INTENT_AD_VENDOR, ref, hash, find_company,
            create_company,       &w,  0};

        rc = ks__sync_once(&id, &how, sync, &once);
    }
    if (!rc && how != KS__ONCE_CREATED)
        rc = ks__sync_fail(
            sync, ks_adobe_company_update(&reply, sync->adobe, id, company), 0);
    if (rc && !ks__sync_fatal(rc)) {
        snprintf(why, sizeof(why), "%s", ks__sync_client_message(sync));
        rc = ks__sync_outbox(sync, stats, KS__FLOW_VENDORS_AD, "vendor",
                             "epicor", ref, v, why);
        goto out;
    }
    if (!rc) {
        char id_s[32];

        snprintf(id_s, sizeof(id_s), "%lld", (long long)id);
        rc = ks_store_map_put(sync->store, KS__MAP_AD_COMPANY, ref, id_s);
        rc = rc == KS_ECONFLICT ? KS_OK : ks__sync_fail(sync, rc, 1);
        if (!rc)
            rc = remember(sync, num, (int64_t)kx_json_numeric(v, "SysRevID", 0),
                          company);
        if (!rc && how == KS__ONCE_CREATED)
            stats->created++;
        else if (!rc)
            stats->updated++;
        if (!rc)
            rc = ks__sync_audit(
                sync, KS__FLOW_VENDORS_AD, "epicor", ref, "adobe", id_s,
                how == KS__ONCE_CREATED ? "company.create" : "company.update",
                "ok", 1, NULL);
    }
out:
    ks_store_string_free(mapped);
    cJSON_Delete(company);
    cJSON_Delete(reply);
    return rc;
}

/* The Vendor row of num into rows (an array; empty when Epicor has
 * none). */
static ks_rc vendor_rows(cJSON *rows, struct ks_sync *sync, int64_t num)
{
    struct ks_epicor_query q = KS_EPICOR_QUERY_INIT;
    char filter[64];

    snprintf(filter, sizeof(filter), "VendorNum eq %lld", (long long)num);
    q.filter = filter;
    q.top = 1;
    return ks__sync_fail(sync,
                         ks_epicor_query(sync->epi, VENDOR_SVC, "Vendors", &q,
                                         ks__sync_collect, rows),
                         0);
}

/* ---- back: company -> vendor ------------------------------------------ */

/* The companies that carry a vendor number (copies). */
static int collect_mapped(void *ud, const cJSON *company)
{
    if (!ks_adobe_custom_attribute_get(company, "epicor_vendor_num"))
        return 0;
    return ks__sync_collect(ud, company);
}

/* Writes the company's mapped fields to its vendor (GetByVendID, the
 * fields on the complete row, Update); *row gets the vendor as saved. */
static ks_rc vendor_write_back(cJSON **row, struct ks_sync *sync,
                               const char *vendor_id, const cJSON *company)
{
    cJSON *body = cJSON_CreateObject(), *reply = NULL, *ds = NULL, *v = NULL;
    ks_rc rc = body && cJSON_AddStringToObject(body, "vendorID", vendor_id)
                   ? KS_OK
                   : KS_ENOMEM;

    *row = NULL;
    if (!rc)
        rc = ks__sync_epicor_ds_row(&ds, &v, sync, VENDOR_SVC, "GetByVendID",
                                    body, NULL, "returnObj", "Vendor");
    cJSON_Delete(body);
    body = NULL;
    for (size_t i = 0; !rc && i < NFIELDS; i++)
        cJSON_ReplaceItemInObjectCaseSensitive(
            v, fields[i].epicor,
            cJSON_CreateString(adobe_text(company, fields[i].adobe)));
    if (!rc) {
        cJSON_ReplaceItemInObjectCaseSensitive(v, "RowMod",
                                               cJSON_CreateString("U"));
        if (!cJSON_GetObjectItemCaseSensitive(v, "RowMod"))
            cJSON_AddStringToObject(v, "RowMod", "U");
        body = cJSON_CreateObject();
        if (!body || !cJSON_AddItemToObject(body, "ds", ds))
            rc = KS_ENOMEM;
        else
            ds = NULL;
    }
    if (!rc)
        rc = ks__sync_fail(
            sync, ks_epicor_call(&reply, sync->epi, VENDOR_SVC, "Update", body),
            0);
    if (!rc) {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(reply, "parameters");

        *row = cJSON_DetachItemFromArray(
            cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(p, "ds"), "Vendor"),
            0);
        if (!*row) /* an Update that answers nothing: read it back */
            *row = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(body, "ds"),
                                   1);
    }
    cJSON_Delete(ds);
    cJSON_Delete(body);
    cJSON_Delete(reply);
    return rc;
}

/* One mapped company: nothing, a change written back, or a conflict that
 * the outbound pass settles in Epicor's favour. */
static ks_rc company_back(struct ks_sync_stats *stats, struct ks_sync *sync,
                          const cJSON *company)
{
    const char *num_s =
        ks_adobe_custom_attribute_get(company, "epicor_vendor_num");
    const char *vid =
        ks_adobe_custom_attribute_get(company, "epicor_vendor_id");
    int64_t num = strtoll(num_s, NULL, 10), rev = 0;
    char key[48], now[65], *sent = NULL, *rev_s = NULL;
    cJSON *rows = cJSON_CreateArray(), *saved = NULL, *mine = NULL;
    char why[256] = "";
    ks_rc rc = rows ? company_hash(now, company) : KS_ENOMEM;

    sent_key(key, num);
    if (!rc)
        rc = ks__sync_value_get(&sent, sync, KS__MAP_SENT, key);
    if (rc || !sent || !*sent || strcmp(sent, now) == 0)
        goto out; /* not sent by this flow, or unchanged in Adobe */
    rev_key(key, num);
    rc = ks__sync_value_get(&rev_s, sync, KS__MAP_SENT, key);
    if (!rc)
        rc = vendor_rows(rows, sync, num);
    if (rc)
        goto out;
    rev = (int64_t)kx_json_numeric(cJSON_GetArrayItem(rows, 0), "SysRevID", 0);
    if (!rev_s || strtoll(rev_s, NULL, 10) != rev) {
        /* both sides changed: Epicor wins; the outbound pass rewrites */
        out_key(key, num);
        rc = ks__sync_sent_put(sync, key, "conflict");
        if (!rc)
            rc =
                ks__sync_audit(sync, KS__FLOW_VENDORS_AD, "adobe", num_s,
                               "epicor", num_s, "vendor.conflict", "skipped", 1,
                               "changed on both sides: Epicor's values win");
        goto out;
    }
    rc = vendor_write_back(&saved, sync, vid ? vid : "", company);
    if (rc && !ks__sync_fatal(rc)) {
        snprintf(why, sizeof(why), "%s", ks__sync_client_message(sync));
        rc = ks__sync_outbox(sync, stats, KS__FLOW_VENDORS_AD, "vendor.back",
                             "adobe", num_s, company, why);
        goto out;
    }
    if (!rc)
        rc = company_of(&mine, why, sizeof(why), sync, saved);
    if (!rc && mine)
        rc = remember(sync, num, (int64_t)kx_json_numeric(saved, "SysRevID", 0),
                      mine);
    if (!rc) {
        stats->updated++;
        rc = ks__sync_audit(sync, KS__FLOW_VENDORS_AD, "adobe", num_s, "epicor",
                            num_s, "vendor.update", "ok", 1, NULL);
    }
out:
    ks__free(sent);
    ks__free(rev_s);
    cJSON_Delete(rows);
    cJSON_Delete(saved);
    cJSON_Delete(mine);
    return rc;
}

static ks_rc companies_back(struct ks_sync_stats *stats, struct ks_sync *sync)
{
    cJSON *all = cJSON_CreateArray();
    const cJSON *c;
    ks_rc rc = all ? KS_OK : KS_ENOMEM;

    if (!rc)
        rc = ks__sync_fail(sync,
                           ks_adobe_search_each(sync->adobe, "company", NULL,
                                                collect_mapped, all, NULL),
                           0);
    cJSON_ArrayForEach(c, all)
    {
        if (rc)
            break;
        rc = company_back(stats, sync, c);
    }
    cJSON_Delete(all);
    return rc;
}

/* ---- the run ---------------------------------------------------------- */

#define VENDOR_BATCH KS__SYNC_BATCH

static int collect_batch(void *ud, const cJSON *row)
{
    if (ks__sync_collect(ud, row))
        return 1;
    return cJSON_GetArraySize(ud) >= VENDOR_BATCH;
}

ks_rc ks_sync_vendors_to_adobe(struct ks_sync_stats *stats,
                               struct ks_sync *sync)
{
    int64_t since = 0, seen = 0;
    cJSON *rows = NULL;
    ks_rc rc = ks__sync_adobe_enter(sync, stats);

    if (!rc)
        rc = companies_back(stats, sync);
    if (!rc)
        rc = ks__sync_cursor_int(&since, sync, KS__FLOW_VENDORS_AD, "Vendor");
    while (!rc) {
        const cJSON *v;

        rows = cJSON_CreateArray();
        if (!rows) {
            rc = KS_ENOMEM;
            break;
        }
        rc = ks__sync_fail(sync,
                           ks_epicor_changed_since(sync->epi, VENDOR_SVC,
                                                   "Vendors", NULL, since,
                                                   collect_batch, rows, &seen),
                           0);
        cJSON_ArrayForEach(v, rows)
        {
            if (rc)
                break;
            rc = vendor_out(stats, sync, v);
        }
        if (!rc && seen > since)
            rc = ks__sync_cursor_set_int(sync, KS__FLOW_VENDORS_AD, "Vendor",
                                         seen);
        if (rc || cJSON_GetArraySize(rows) < VENDOR_BATCH || seen <= since)
            break;
        since = seen;
        cJSON_Delete(rows);
        rows = NULL;
    }
    cJSON_Delete(rows);
    return ks__sync_leave(sync, rc);
}

ks_rc ks__sync_vendor_one(struct ks_sync_stats *stats, struct ks_sync *sync,
                          int64_t vendor_num)
{
    cJSON *rows = cJSON_CreateArray();
    ks_rc rc = rows ? KS_OK : KS_ENOMEM;

    if (!rc)
        rc = vendor_rows(rows, sync, vendor_num);
    if (!rc && cJSON_GetArraySize(rows) == 0)
        stats->skipped++;
    else if (!rc)
        rc = vendor_out(stats, sync, cJSON_GetArrayItem(rows, 0));
    cJSON_Delete(rows);
    return rc;
}
