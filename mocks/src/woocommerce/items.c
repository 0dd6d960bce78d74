/*
 * Generic create / get / update / delete / batch handlers shared by
 * products, variations and customers, with their webhook events.
 */
#include <stdio.h>
#include <string.h>
#include "woocommerce_emu.h"

static void invalid_id(struct km__woocommerce_err *err,
                       const struct km__woocommerce_kind *k, int status)
{
    km__woocommerce_err_set(err, status, k->invalid_id, "Invalid ID.");
}

void km__woocommerce_item_create(struct km__woocommerce_call *c,
                                 const struct km__woocommerce_kind *k,
                                 int64_t parent)
{
    cJSON *body = km_request_json(c->req), *made, *rendered;
    struct km__woocommerce_err err;

    if (!cJSON_IsObject(body)) {
        km__woocommerce_error(c->res, 400, "rest_invalid_json",
                              "Invalid JSON body passed.");
        goto out;
    }
    if (cJSON_GetObjectItemCaseSensitive(body, "id")) {
        char code[96];

        snprintf(code, sizeof(code), "woocommerce_rest_%s_exists", k->resource);
        km__woocommerce_err_set(&err, 400, "", "Cannot create existing %s.",
                                k->resource);
        err.code = code;
        km__woocommerce_reply_err(c->res, &err);
        goto out;
    }
    made = k->create(c->st, parent, body, c->req->now_ms, &err);
    if (!made) {
        km__woocommerce_reply_err(c->res, &err);
        goto out;
    }
    if (!k->quiet)
        km__woocommerce_fire(c->st, k->resource, "created", made);
    rendered = km__woocommerce_public(c->st, made);
    km__woocommerce_location(c->res, rendered);
    km_response_json(c->res, 201, rendered);
out:
    cJSON_Delete(body);
}

void km__woocommerce_item_get(struct km__woocommerce_call *c,
                              const struct km__woocommerce_kind *k,
                              int64_t parent, int64_t id)
{
    cJSON *obj = k->find(c->st, parent, id);
    struct km__woocommerce_err err;

    if (!obj) {
        invalid_id(&err, k, 404);
        km__woocommerce_reply_err(c->res, &err);
        return;
    }
    km_response_json(c->res, 200, km__woocommerce_public(c->st, obj));
}

void km__woocommerce_item_update(struct km__woocommerce_call *c,
                                 const struct km__woocommerce_kind *k,
                                 int64_t parent, int64_t id)
{
    cJSON *obj = k->find(c->st, parent, id), *body = NULL;
    struct km__woocommerce_err err;

    if (!obj) {
        invalid_id(&err, k, 400);
        km__woocommerce_reply_err(c->res, &err);
        return;
    }
    body = km_request_json(c->req);
    if (!cJSON_IsObject(body)) {
        km__woocommerce_error(c->res, 400, "rest_invalid_json",
                              "Invalid JSON body passed.");
    } else if (k->update(c->st, obj, body, c->req->now_ms, &err) != 0) {
        km__woocommerce_reply_err(c->res, &err);
    } else {
        if (!k->quiet)
            km__woocommerce_fire(c->st, k->resource, "updated", obj);
        km_response_json(c->res, 200, km__woocommerce_public(c->st, obj));
    }
    cJSON_Delete(body);
}

static void fire_deleted(struct km__woocommerce_state *st,
                         const struct km__woocommerce_kind *k, int64_t id)
{
    cJSON *payload;

    if (k->quiet)
        return;
    payload = cJSON_CreateObject();
    cJSON_AddNumberToObject(payload, "id", (double)id);
    km__woocommerce_fire(st, k->resource, "deleted", payload);
    cJSON_Delete(payload);
}

void km__woocommerce_item_delete(struct km__woocommerce_call *c,
                                 const struct km__woocommerce_kind *k,
                                 int64_t parent, int64_t id)
{
    cJSON *obj = k->find(c->st, parent, id), *copy;
    struct km__woocommerce_err err;

    if (!obj) {
        invalid_id(&err, k, 404);
        km__woocommerce_reply_err(c->res, &err);
        return;
    }
    if (!km__woocommerce_arg_true(c->req, "force")) {
        if (!k->trash) {
            char msg[96];

            snprintf(msg, sizeof(msg), "%ss do not support trashing.",
                     k->resource);
            msg[0] = (char)(msg[0] - 'a' + 'A');
            if (k->no_trash)
                snprintf(msg, sizeof(msg), "%s", k->no_trash);
            km__woocommerce_error(c->res, 501,
                                  "woocommerce_rest_trash_not_supported", msg);
            return;
        }
        km__woocommerce_set_str(obj, "status", "trash");
        km__woocommerce_set_dates(obj, c->req->now_ms, 0);
        if (!k->quiet)
            km__woocommerce_fire(c->st, k->resource, "updated", obj);
        km_response_json(c->res, 200, km__woocommerce_public(c->st, obj));
        return;
    }
    copy = km__woocommerce_public(c->st, obj);
    k->remove(c->st, obj);
    fire_deleted(c->st, k, id);
    km_response_json(c->res, 200, copy);
}

/* Appends one result slot: the object or {"id", "error"}. */
static void slot_err(cJSON *arr, int64_t id,
                     const struct km__woocommerce_err *err)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddNumberToObject(o, "id", (double)id);
    cJSON_AddItemToObject(o, "error", km__woocommerce_err_json(err));
    cJSON_AddItemToArray(arr, o);
}

static int64_t body_id(const cJSON *v)
{
    if (cJSON_IsNumber(v))
        return (int64_t)v->valuedouble;
    if (cJSON_IsObject(v))
        return km__woocommerce_id(v);
    return 0;
}

void km__woocommerce_batch(struct km__woocommerce_call *c,
                           const struct km__woocommerce_kind *k, int64_t parent)
{
    cJSON *body = km_request_json(c->req), *out;
    const cJSON *create, *update, *del, *it;
    struct km__woocommerce_state *st = c->st;
    int64_t now = c->req->now_ms;
    struct km__woocommerce_err err;
    int total;

    if (!cJSON_IsObject(body)) {
        km__woocommerce_error(c->res, 400, "rest_invalid_json",
                              "Invalid JSON body passed.");
        cJSON_Delete(body);
        return;
    }
    create = cJSON_GetObjectItemCaseSensitive(body, "create");
    update = cJSON_GetObjectItemCaseSensitive(body, "update");
    del = cJSON_GetObjectItemCaseSensitive(body, "delete");
    total = cJSON_GetArraySize(create) + cJSON_GetArraySize(update) +
            cJSON_GetArraySize(del);
    if (total > st->batch_limit) {
        char msg[96];

        snprintf(msg, sizeof(msg),
                 "Unable to accept more than %d items for this request.",
                 st->batch_limit);
        km__woocommerce_error(c->res, 413,
                              "woocommerce_rest_request_entity_too_large", msg);
        cJSON_Delete(body);
        return;
    }
    out = cJSON_CreateObject();
    if (cJSON_IsArray(create)) {
        cJSON *arr = cJSON_AddArrayToObject(out, "create");

        cJSON_ArrayForEach(it, create)
        {
            cJSON *made = cJSON_IsObject(it)
                              ? k->create(st, parent, it, now, &err)
                              : NULL;

            if (!cJSON_IsObject(it))
                km__woocommerce_err_set(&err, 400, "rest_invalid_param",
                                        "Invalid parameter(s): create");
            if (!made) {
                slot_err(arr, 0, &err);
                continue;
            }
            if (!k->quiet)
                km__woocommerce_fire(st, k->resource, "created", made);
            cJSON_AddItemToArray(arr, km__woocommerce_public(c->st, made));
        }
    }
    if (cJSON_IsArray(update)) {
        cJSON *arr = cJSON_AddArrayToObject(out, "update");

        cJSON_ArrayForEach(it, update)
        {
            int64_t id = body_id(it);
            cJSON *obj = k->find(st, parent, id);

            if (!obj) {
                invalid_id(&err, k, 400);
                slot_err(arr, id, &err);
            } else if (k->update(st, obj, it, now, &err) != 0) {
                slot_err(arr, id, &err);
            } else {
                if (!k->quiet)
                    km__woocommerce_fire(st, k->resource, "updated", obj);
                cJSON_AddItemToArray(arr, km__woocommerce_public(c->st, obj));
            }
        }
    }
    if (cJSON_IsArray(del)) {
        cJSON *arr = cJSON_AddArrayToObject(out, "delete");

        cJSON_ArrayForEach(it, del)
        {
            int64_t id = body_id(it);
            cJSON *obj = k->find(st, parent, id);

            if (!obj) {
                invalid_id(&err, k, 404);
                slot_err(arr, id, &err);
                continue;
            }
            /* Batch deletes are always forced. */
            cJSON_AddItemToArray(arr, km__woocommerce_public(c->st, obj));
            k->remove(st, obj);
            fire_deleted(st, k, id);
        }
    }
    km_response_json(c->res, 200, out);
    cJSON_Delete(body);
}

void km__woocommerce_location(struct km_response *res, const cJSON *rendered)
{
    const cJSON *self = cJSON_GetArrayItem(
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(rendered, "_links"), "self"),
        0);
    const cJSON *href = cJSON_GetObjectItemCaseSensitive(self, "href");

    /* [C] WP_REST_Posts_Controller and the WC controllers answer a create
     * with 201 and Location: the new resource's REST URL. */
    if (cJSON_IsString(href))
        km_response_header(res, "Location", href->valuestring);
}
