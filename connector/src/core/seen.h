/*
 * A bounded set of recently seen strings (webhook delivery ids, payload
 * hashes): a ring that forgets the oldest entry when full, so memory stays
 * bounded however many deliveries arrive. Not thread-safe (like the
 * handles it belongs to).
 */
#ifndef KS_CORE_SEEN_H
#define KS_CORE_SEEN_H

#include <stddef.h>
#include "internal.h"

struct ks__seen {
    char **v;
    size_t max;  /* capacity */
    size_t len;  /* slots in use */
    size_t next; /* the slot the next entry takes */
};

/* max 0 means 1024. ENOMEM. */
ks_rc ks__seen_init(struct ks__seen *s, size_t max);
void ks__seen_dispose(struct ks__seen *s); /* zeroes; NULL-safe */
int ks__seen_has(const struct ks__seen *s, const char *key);
/* Remembers a copy of key, dropping the oldest entry when full. ENOMEM. */
ks_rc ks__seen_add(struct ks__seen *s, const char *key);
/* Forgets every copy of key (its slot is reused in ring order). */
void ks__seen_remove(struct ks__seen *s, const char *key);

#endif
