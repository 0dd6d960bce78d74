/*
 * The thin webhook payload: {"scope", "store_id" (a string), "data":
 * {"type", "id", ...}, "hash", "created_at", "producer"}. It names what
 * changed, never the record itself, so an order event is followed by a
 * full fetch of the order.
 */
#include <string.h>
#include "bigcommerce_int.h"

static void copy_str(char *dst, size_t n, const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

    if (cJSON_IsString(v))
        snprintf(dst, n, "%s", v->valuestring);
    else if (cJSON_IsNumber(v)) /* store_id arrives as a string, but be
                                   lenient with a number */
        snprintf(dst, n, "%.0f", v->valuedouble);
}

/* A JSON number as int64_t, or dflt when it is out of range: converting
 * such a double (1e300 arrives as readily as 250) is undefined behaviour. */
static int64_t to_i64(double d, int64_t dflt)
{
    return d > -9.2e18 && d < 9.2e18 ? (int64_t)d : dflt;
}

static int64_t num(const cJSON *o, const char *name, int64_t dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

    return cJSON_IsNumber(v) ? to_i64(v->valuedouble, dflt) : dflt;
}

ks_rc ks__bc_event_parse(struct ks_bigcommerce_event *ev, const char *body,
                         size_t len)
{
    cJSON *json = cJSON_ParseWithLength(body, len);
    const cJSON *data, *id, *status, *inv;
    ks_rc rc = KS_EPARSE;

    if (!json)
        return KS_EPARSE;
    data = cJSON_GetObjectItemCaseSensitive(json, "data");
    if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(json, "scope")) ||
        !cJSON_IsObject(data))
        goto out;
    copy_str(ev->scope, sizeof(ev->scope), json, "scope");
    copy_str(ev->store_id, sizeof(ev->store_id), json, "store_id");
    copy_str(ev->producer, sizeof(ev->producer), json, "producer");
    copy_str(ev->hash, sizeof(ev->hash), json, "hash");
    ev->created_at = num(json, "created_at", 0);
    copy_str(ev->type, sizeof(ev->type), data, "type");
    id = cJSON_GetObjectItemCaseSensitive(data, "id");
    if (cJSON_IsNumber(id)) {
        double d = id->valuedouble;

        /* An id out of int64_t's range names no record: 0 and "". */
        if (d > -9.2e18 && d < 9.2e18) {
            ev->id = (int64_t)d;
            snprintf(ev->id_str, sizeof(ev->id_str), "%lld", (long long)ev->id);
        }
    } else if (cJSON_IsString(id)) {
        snprintf(ev->id_str, sizeof(ev->id_str), "%s", id->valuestring);
    }
    status = cJSON_GetObjectItemCaseSensitive(data, "status");
    if (cJSON_IsObject(status)) {
        ev->previous_status_id = num(status, "previous_status_id", -1);
        ev->new_status_id = num(status, "new_status_id", -1);
    }
    inv = cJSON_GetObjectItemCaseSensitive(data, "inventory");
    if (!cJSON_IsObject(inv))
        inv = cJSON_GetObjectItemCaseSensitive(data, "sku");
    if (!cJSON_IsObject(inv))
        inv = data; /* multi-location events: data{variant_id, product_id} */
    ev->product_id = num(inv, "product_id", 0);
    ev->variant_id = num(inv, "variant_id", 0);
    rc = KS_OK;
out:
    cJSON_Delete(json);
    return rc;
}

ks_rc ks_bigcommerce_payload_hash(char out[41], const char *body, size_t len)
{
    cJSON *json = cJSON_ParseWithLength(body ? body : "", len);
    char *text = NULL;
    ks_rc rc = KS_EPARSE;

    out[0] = '\0';
    if (!cJSON_IsObject(json))
        goto out;
    cJSON_DeleteItemFromObjectCaseSensitive(json, "hash");
    text = cJSON_PrintUnformatted(json);
    if (!text) {
        rc = KS_ENOMEM;
        goto out;
    }
    rc = ks__digest_hex(out, 41, KS__SHA1, text, strlen(text));
out:
    if (text)
        cJSON_free(text);
    cJSON_Delete(json);
    return rc;
}
