/*
 * Refunds of an order: stored against the order's total (never more than
 * what is left to refund; the order turns "refunded" when nothing is
 * left), and their routes under /orders/{order_id}/refunds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "woocommerce_emu.h"

static double refunded(struct km__woocommerce_state *st, int64_t order_id)
{
    const cJSON *r;
    double sum = 0;

    cJSON_ArrayForEach(r, st->refunds)
    {
        if ((int64_t)kx_json_numeric(r, "_order_id", 0) == order_id)
            sum += kx_json_numeric(r, "amount", 0);
    }
    return sum;
}

cJSON *km__woocommerce_refund_store(struct km__woocommerce_state *st,
                                    cJSON *order, const cJSON *body,
                                    int64_t now,
                                    struct km__woocommerce_err *err)
{
    const cJSON *lines = cJSON_GetObjectItemCaseSensitive(body, "line_items");
    const cJSON *li;
    double amount = kx_json_numeric(body, "amount", 0);
    double total = kx_json_numeric(order, "total", 0);
    cJSON *r;
    char buf[32];

    if (!cJSON_GetObjectItemCaseSensitive(body, "amount"))
        cJSON_ArrayForEach(li, lines)
        {
            amount += kx_json_numeric(li, "refund_total", 0);
        }
    if (amount <= 0) {
        km__woocommerce_err_set(err, 400,
                                "woocommerce_rest_cannot_create_order_refund",
                                "Refund amount must be greater than zero.");
        return NULL;
    }
    if (amount > total - refunded(st, km__woocommerce_id(order)) + 0.0001) {
        km__woocommerce_err_set(err, 400,
                                "woocommerce_rest_cannot_create_order_refund",
                                "Invalid refund amount.");
        return NULL;
    }
    r = cJSON_CreateObject();
    cJSON_AddNumberToObject(r, "id", (double)st->next_post_id++);
    km__woocommerce_money(buf, amount);
    cJSON_AddStringToObject(r, "amount", buf);
    cJSON_AddStringToObject(r, "reason", kx_json_str_or(body, "reason", ""));
    cJSON_AddNumberToObject(r, "refunded_by",
                            kx_json_numeric(body, "refunded_by", 0));
    cJSON_AddBoolToObject(
        r, "refunded_payment",
        !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(body, "api_refund")));
    cJSON_AddItemToObject(r, "meta_data", cJSON_CreateArray());
    cJSON_AddItemToObject(r, "line_items",
                          cJSON_IsArray(lines) ? cJSON_Duplicate(lines, 1)
                                               : cJSON_CreateArray());
    cJSON_AddNumberToObject(r, "_order_id", (double)km__woocommerce_id(order));
    km__woocommerce_set_dates(r, now, 1);
    km__woocommerce_complete(r, KM__WOOCOMMERCE_REFUND);
    cJSON_AddItemToArray(st->refunds, r);
    if (refunded(st, km__woocommerce_id(order)) >= total - 0.0001)
        km__woocommerce_set_str(order, "status", "refunded");
    km__woocommerce_set_dates(order, now, 0);
    return r;
}

void km__woocommerce_refunds_list(struct km_response *res,
                                  const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    cJSON *o = km__woocommerce_order_or_404(c, 404), *all;
    const cJSON *r;
    int per_page, page;

    if (!o || km__woocommerce_paging(c, &per_page, &page) != 0)
        return;
    all = cJSON_CreateArray();
    /* Newest first. */
    cJSON_ArrayForEach(r, c->st->refunds)
    {
        if ((int64_t)kx_json_numeric(r, "_order_id", 0) ==
            km_request_param_id(c->req, "order_id"))
            cJSON_InsertItemInArray(all, 0, km__woocommerce_public(c->st, r));
    }
    km__woocommerce_send_page(c, all, per_page, page);
}

void km__woocommerce_refunds_create(struct km_response *res,
                                    const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    cJSON *o = km__woocommerce_order_or_404(c, 404), *body, *r;
    struct km__woocommerce_err err;

    if (!o)
        return;
    body = km_request_json(c->req);
    r = cJSON_IsObject(body)
            ? km__woocommerce_refund_store(c->st, o, body, c->req->now_ms, &err)
            : NULL;
    if (!cJSON_IsObject(body))
        km__woocommerce_error(c->res, 400, "rest_invalid_json",
                              "Invalid JSON body passed.");
    else if (!r)
        km__woocommerce_reply_err(c->res, &err);
    else {
        cJSON *rendered = km__woocommerce_public(c->st, r);

        km__woocommerce_fire(c->st, "order", "updated", o);
        km__woocommerce_location(c->res, rendered);
        km_response_json(c->res, 201, rendered);
    }
    cJSON_Delete(body);
}

void km__woocommerce_refunds_get(struct km_response *res,
                                 const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    cJSON *r =
        km__storefront_find(c->st->refunds, km_request_param_id(c->req, "id"));

    if (!km__woocommerce_order_or_404(c, 404))
        return;
    if (!r || (int64_t)kx_json_numeric(r, "_order_id", 0) !=
                  km_request_param_id(c->req, "order_id")) {
        km__woocommerce_error(c->res, 404, "woocommerce_rest_invalid_id",
                              "Invalid ID.");
        return;
    }
    km_response_json(c->res, 200, km__woocommerce_public(c->st, r));
}
