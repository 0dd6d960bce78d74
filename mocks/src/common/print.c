/*
 * The emulators' call of the one JSON printer (kx/json_print.h): the
 * emulators abort on out-of-memory, as kx/alloc.h does, so only an item
 * cJSON cannot print either comes back NULL.
 */
#include <stdio.h>
#include <kx/json_print.h>
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
