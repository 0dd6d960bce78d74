/*
 * The emulators' call of the one JSON printer (kx/json_print.h): the
 * emulators abort on out-of-memory, as kx/alloc.h does, so only an item
 * cJSON cannot print either comes back NULL. And arrays joined from kept
 * texts (joined.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/json_print.h>
#include "joined.h"
#include "server_int.h"

char *km__json_print(const cJSON *item, size_t size_hint, size_t *len)
{
    char *text;
    int rc = kx_json_print(&text, len, item, size_hint);

    if (rc == KX_JSON_PRINT_NOMEM) {
        fputs("kinmock: out of memory printing JSON\n", stderr);
        abort();
    }
    return text;
}

void km__joined_add(struct km__joined *j, const char *text, size_t len,
                    size_t expected)
{
    struct kx_buf *b = &j->text;

    if (!j->n)
        kx_buf_reserve(b, (len + 1) * (expected ? expected : 1) + 2);
    else if (b->len + len + 2 > b->cap)
        kx_buf_reserve(b, len + 2);
    /* by hand: two kx_buf_add calls an item cost a tenth of a page */
    b->data[b->len++] = j->n ? ',' : '[';
    memcpy(b->data + b->len, text, len);
    b->len += len;
    b->data[b->len] = '\0';
    j->n++;
}

cJSON *km__joined_end(struct km__joined *j)
{
    cJSON *raw = cJSON_CreateNull();

    if (!raw)
        abort();
    if (!j->n)
        kx_buf_add(&j->text, "[", 1);
    kx_buf_add(&j->text, "]", 1);
    raw->type = cJSON_Raw;
    raw->valuestring = kx_buf_detach(&j->text);
    j->n = 0;
    return raw;
}
