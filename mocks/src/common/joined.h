/*
 * A JSON array of kept texts (the Epicor rows', the storefront items'),
 * joined into one buffer as they are listed and handed over as a single
 * raw cJSON item: a page of 100 items was 100 raw items allocated,
 * linked, measured and freed around its printing, with the allocator's
 * consolidation a tenth of the page. Out-of-memory aborts (kx/alloc.h).
 */
#ifndef KM_COMMON_JOINED_H
#define KM_COMMON_JOINED_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include <kx/buf.h>

struct km__joined {
    struct kx_buf text;
    size_t n; /* items added */
};

#define KM__JOINED_INIT                                                        \
    {                                                                          \
        KX_BUF_INIT, 0                                                         \
    }

/* Appends one item's JSON text (len bytes). expected: how many items the
 * array will most likely hold, to size the buffer from the first one. */
void km__joined_add(struct km__joined *j, const char *text, size_t len,
                    size_t expected);
/* The array as a raw item ("[]" when nothing was added); j is empty
 * afterwards. */
cJSON *km__joined_end(struct km__joined *j);

#endif
