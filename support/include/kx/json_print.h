/*
 * The one JSON printer of every layer: the same bytes as
 * cJSON_PrintUnformatted (unit.support.json_print compares them), faster
 * where pages and request bodies spend their time, and without aborting,
 * so the library may use it too.
 */
#ifndef KX_JSON_PRINT_H
#define KX_JSON_PRINT_H

#include <stddef.h>
#include <cjson/cJSON.h>

#define KX_JSON_PRINT_OK 0
#define KX_JSON_PRINT_NOMEM (-1) /* an allocation failed */
#define KX_JSON_PRINT_INVALID                                                  \
    (-2) /* cJSON fails too: a raw item without                                \
            text, an unknown type */

/* Prints item into *out (malloc'ed, NUL-terminated, freed with free()),
 * its length in *len, in a buffer of size_hint bytes first, grown as
 * needed. On failure *out is NULL and *len 0. */
int kx_json_print(char **out, size_t *len, const cJSON *item, size_t size_hint);

#endif
