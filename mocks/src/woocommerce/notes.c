/*
 * Order notes (/orders/{order_id}/notes) and product categories
 * (/products/categories), both served by the generic item handlers of
 * items.c. Neither publishes webhooks (WooCommerce has no topic for them).
 *
 * Notes ([C] WC_REST_Order_Notes_Controller): "note" is required
 * (400 rest_missing_callback_param); customer_note and added_by_user are
 * kept; a note not added by a user shows author "system". The list is
 * every note of the order, newest first, unpaged, filtered by
 * type=any|customer|internal; a delete needs force=true (501 otherwise).
 *
 * Categories ([C] WC_REST_Product_Categories_Controller and WordPress
 * terms): "name" is required; the slug is made from the name when not
 * given; a second category of the same name under the same parent is 400
 * term_exists with data.resource_id; count is the number of products that
 * name the category, computed when shown; a delete needs force=true.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json.h>
#include "woocommerce_emu.h"

static const char *const readonly[] = {"id", "date_created", "date_created_gmt",
                                       "count", NULL};

static void missing(struct km__woocommerce_err *err, const char *name)
{
    km__woocommerce_err_set(err, 400, "rest_missing_callback_param",
                            "Missing parameter(s): %s", name);
}

/* ---- notes ----------------------------------------------------------------
 */

static cJSON *note_find(struct km__woocommerce_state *st, int64_t parent,
                        int64_t id)
{
    cJSON *n = km__storefront_find(st->notes, id);

    return n && (int64_t)kx_json_numeric(n, "_order_id", 0) == parent ? n
                                                                      : NULL;
}

static cJSON *note_create(struct km__woocommerce_state *st, int64_t parent,
                          const cJSON *body, int64_t now,
                          struct km__woocommerce_err *err)
{
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(body, "note");
    cJSON *n;

    if (!cJSON_IsString(text) || !*text->valuestring) {
        missing(err, "note");
        return NULL;
    }
    n = cJSON_CreateObject();
    cJSON_AddNumberToObject(n, "id", (double)st->next_note_id++);
    km__woocommerce_merge(n, body, readonly);
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body, "added_by_user")))
        cJSON_AddStringToObject(n, "author", "admin");
    cJSON_AddNumberToObject(n, "_order_id", (double)parent);
    km__woocommerce_set_dates(n, now, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(n, "date_modified");
    cJSON_DeleteItemFromObjectCaseSensitive(n, "date_modified_gmt");
    km__woocommerce_complete(n, KM__WOOCOMMERCE_NOTE);
    cJSON_AddItemToArray(st->notes, n);
    return n;
}

static int note_update(struct km__woocommerce_state *st, cJSON *obj,
                       const cJSON *body, int64_t now,
                       struct km__woocommerce_err *err)
{
    (void)st, (void)obj, (void)body, (void)now;
    km__woocommerce_err_set(err, 404, "rest_no_route",
                            "No route was found matching the URL and request "
                            "method.");
    return -1;
}

static void note_remove(struct km__woocommerce_state *st, cJSON *obj)
{
    cJSON_Delete(cJSON_DetachItemViaPointer(st->notes, obj));
}

static const struct km__woocommerce_kind note_kind = {
    "order_note",
    "woocommerce_rest_invalid_id",
    0,
    note_find,
    note_create,
    note_update,
    note_remove,
    "Webhooks do not support trashing.",
    1};

void km__woocommerce_notes_drop(struct km__woocommerce_state *st,
                                int64_t order_id)
{
    cJSON *n = st->notes->child, *next;

    for (; n; n = next) {
        next = n->next;
        if ((int64_t)kx_json_numeric(n, "_order_id", 0) == order_id)
            cJSON_Delete(cJSON_DetachItemViaPointer(st->notes, n));
    }
}

/* The order of the path, or an answered 404. */
static int64_t note_order(struct km__woocommerce_call *c)
{
    int64_t id = km_request_param_id(c->req, "order_id");

    if (km__storefront_find(c->st->orders, id))
        return id;
    km__woocommerce_error(c->res, 404, "woocommerce_rest_order_invalid_id",
                          "Invalid order ID.");
    return 0;
}

void km__woocommerce_notes_list(struct km_response *res,
                                const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    const char *type = km_request_arg(req, "type");
    int64_t order = note_order(c);
    cJSON *out;
    const cJSON *n;

    if (!order)
        return;
    if (type && strcmp(type, "any") && strcmp(type, "customer") &&
        strcmp(type, "internal")) {
        km__woocommerce_error(c->res, 400, "rest_invalid_param",
                              "Invalid parameter(s): type");
        return;
    }
    out = cJSON_CreateArray();
    cJSON_ArrayForEach(n, c->st->notes)
    {
        int customer =
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(n, "customer_note"));

        if ((int64_t)kx_json_numeric(n, "_order_id", 0) != order ||
            (type && strcmp(type, "customer") == 0 && !customer) ||
            (type && strcmp(type, "internal") == 0 && customer))
            continue;
        cJSON_InsertItemInArray(out, 0, km__woocommerce_public(c->st, n));
    }
    km_response_json(c->res, 200, out);
}

void km__woocommerce_notes_create(struct km_response *res,
                                  const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    int64_t order = note_order(c);

    if (order)
        km__woocommerce_item_create(c, &note_kind, order);
}

void km__woocommerce_notes_get(struct km_response *res,
                               const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    int64_t order = note_order(c);

    if (order)
        km__woocommerce_item_get(c, &note_kind, order,
                                 km_request_param_id(req, "id"));
}

void km__woocommerce_notes_delete(struct km_response *res,
                                  const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    int64_t order = note_order(c);

    if (order)
        km__woocommerce_item_delete(c, &note_kind, order,
                                    km_request_param_id(req, "id"));
}

/* ---- categories ------------------------------------------------------------
 */

static cJSON *category_find(struct km__woocommerce_state *st, int64_t parent,
                            int64_t id)
{
    (void)parent;
    return km__storefront_find(st->categories, id);
}

/* term_exists when another category of that name has the same parent. */
static int category_check(struct km__woocommerce_state *st, const cJSON *self,
                          const char *name, int64_t parent,
                          struct km__woocommerce_err *err)
{
    const cJSON *it;

    cJSON_ArrayForEach(it, st->categories)
    {
        if (it != self && strcmp(kx_json_str_or(it, "name", ""), name) == 0 &&
            (int64_t)kx_json_numeric(it, "parent", 0) == parent) {
            km__woocommerce_err_set(err, 400, "term_exists",
                                    "A term with the name provided already "
                                    "exists with this parent.");
            err->resource_id = km__woocommerce_id(it);
            return -1;
        }
    }
    return 0;
}

static void slugify(cJSON *cat)
{
    char slug[128];
    size_t j = 0;

    if (*kx_json_str_or(cat, "slug", ""))
        return;
    for (const char *s = kx_json_str_or(cat, "name", ""); *s && j < 120; s++)
        slug[j++] = *s == ' '                  ? '-'
                    : (*s >= 'A' && *s <= 'Z') ? (char)(*s + 32)
                                               : *s;
    slug[j] = '\0';
    km__woocommerce_set_str(cat, "slug", slug);
}

static cJSON *category_create(struct km__woocommerce_state *st, int64_t parent,
                              const cJSON *body, int64_t now,
                              struct km__woocommerce_err *err)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(body, "name");
    cJSON *cat;

    (void)parent, (void)now;
    if (!cJSON_IsString(name) || !*name->valuestring) {
        missing(err, "name");
        return NULL;
    }
    if (category_check(st, NULL, name->valuestring,
                       (int64_t)kx_json_numeric(body, "parent", 0), err))
        return NULL;
    cat = cJSON_CreateObject();
    cJSON_AddNumberToObject(cat, "id", (double)st->next_term_id++);
    km__woocommerce_merge(cat, body, readonly);
    slugify(cat);
    km__woocommerce_complete(cat, KM__WOOCOMMERCE_CATEGORY);
    cJSON_AddItemToArray(st->categories, cat);
    return cat;
}

static int category_update(struct km__woocommerce_state *st, cJSON *obj,
                           const cJSON *body, int64_t now,
                           struct km__woocommerce_err *err)
{
    const char *name =
        kx_json_str_or(body, "name", kx_json_str_or(obj, "name", ""));

    (void)now;
    if (category_check(st, obj, name,
                       (int64_t)kx_json_numeric(
                           body, "parent", kx_json_numeric(obj, "parent", 0)),
                       err))
        return -1;
    km__woocommerce_merge(obj, body, readonly);
    return 0;
}

static void category_remove(struct km__woocommerce_state *st, cJSON *obj)
{
    cJSON_Delete(cJSON_DetachItemViaPointer(st->categories, obj));
}

static const struct km__woocommerce_kind category_kind = {
    "product_cat",
    "woocommerce_rest_term_invalid",
    0,
    category_find,
    category_create,
    category_update,
    category_remove,
    "Resource does not support trashing.",
    1};

/* Ordered by name, ascending unless order=desc ([C] the terms
 * controller's defaults orderby=name, order=asc); filters parent and
 * search; paged like every collection. */
void km__woocommerce_categories_list(struct km_response *res,
                                     const struct km_request *req, void *state)
{
    struct km__woocommerce_call *c = KM__WOOCOMMERCE_CALL(res, req, state);
    const char *parent = km_request_arg(req, "parent");
    const char *search = km_request_arg(req, "search");
    const char *order = km_request_arg(req, "order");
    int desc = order && strcmp(order, "desc") == 0, per_page, page;
    const cJSON *it;
    cJSON *all;

    if (km__woocommerce_paging(c, &per_page, &page) != 0)
        return;
    all = cJSON_CreateArray();
    cJSON_ArrayForEach(it, c->st->categories)
    {
        const char *name = kx_json_str_or(it, "name", "");
        cJSON *at = all->child;
        int i = 0;

        if ((parent && (int64_t)kx_json_numeric(it, "parent", 0) !=
                           strtoll(parent, NULL, 10)) ||
            (search && !strstr(name, search)))
            continue;
        for (; at; at = at->next, i++) {
            int cmp = strcmp(name, kx_json_str_or(at, "name", ""));

            if (desc ? cmp > 0 : cmp < 0)
                break;
        }
        cJSON_InsertItemInArray(all, i, km__woocommerce_public(c->st, it));
    }
    km__woocommerce_send_page(c, all, per_page, page);
}

void km__woocommerce_categories_create(struct km_response *res,
                                       const struct km_request *req,
                                       void *state)
{
    km__woocommerce_item_create(KM__WOOCOMMERCE_CALL(res, req, state),
                                &category_kind, 0);
}

void km__woocommerce_categories_get(struct km_response *res,
                                    const struct km_request *req, void *state)
{
    km__woocommerce_item_get(KM__WOOCOMMERCE_CALL(res, req, state),
                             &category_kind, 0, km_request_param_id(req, "id"));
}

void km__woocommerce_categories_update(struct km_response *res,
                                       const struct km_request *req,
                                       void *state)
{
    km__woocommerce_item_update(KM__WOOCOMMERCE_CALL(res, req, state),
                                &category_kind, 0,
                                km_request_param_id(req, "id"));
}

void km__woocommerce_categories_delete(struct km_response *res,
                                       const struct km_request *req,
                                       void *state)
{
    km__woocommerce_item_delete(KM__WOOCOMMERCE_CALL(res, req, state),
                                &category_kind, 0,
                                km_request_param_id(req, "id"));
}

void km__woocommerce_categories_batch(struct km_response *res,
                                      const struct km_request *req, void *state)
{
    km__woocommerce_batch(KM__WOOCOMMERCE_CALL(res, req, state), &category_kind,
                          0);
}
