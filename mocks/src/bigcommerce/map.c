/*
 * A string-keyed hash map with open addressing (linear probing, FNV-1a),
 * used for the SKU and name indexes of the catalog. Keys are copied;
 * values are borrowed. Deleted slots keep a tombstone until the next
 * growth.
 */
#include <stdlib.h>
#include <string.h>
#include <kx/alloc.h>
#include "bigcommerce_emu.h"

static char bc_tomb_key;
#define BC_TOMB (&bc_tomb_key)

static size_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;

    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return (size_t)h;
}

/* The slot of key (hash h), or NULL. A key is compared only when its
 * stored hash matches: the strings live elsewhere in the heap. */
static struct km__bigcommerce_map_slot *
probe(const struct km__bigcommerce_map *m, const char *key, size_t h)
{
    size_t i;

    if (!m->cap)
        return NULL;
    for (i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        struct km__bigcommerce_map_slot *s = &m->slots[i];

        if (!s->key)
            return NULL;
        if (s->hash == h && s->key != BC_TOMB && strcmp(s->key, key) == 0)
            return s;
    }
}

void *km__bigcommerce_map_get(const struct km__bigcommerce_map *m,
                              const char *key)
{
    struct km__bigcommerce_map_slot *s = key ? probe(m, key, hash(key)) : NULL;

    return s ? s->value : NULL;
}

/* The free slot a key of hash h would take (the key known to be absent). */
static struct km__bigcommerce_map_slot *
free_slot(const struct km__bigcommerce_map *m, size_t h)
{
    size_t i = h & (m->cap - 1);

    while (m->slots[i].key && m->slots[i].key != BC_TOMB)
        i = (i + 1) & (m->cap - 1);
    return &m->slots[i];
}

/* Doubles the table (tombstones dropped), moving the keys rather than
 * copying them: 100,000 generated products grow three maps 11 times. */
static void grow(struct km__bigcommerce_map *m)
{
    struct km__bigcommerce_map old = *m;

    m->cap = old.cap ? old.cap * 2 : 64;
    m->slots = kx_xcalloc(m->cap, sizeof(*m->slots));
    m->used = 0;
    for (size_t i = 0; i < old.cap; i++) {
        char *k = old.slots[i].key;

        if (k && k != BC_TOMB) {
            struct km__bigcommerce_map_slot *s =
                free_slot(m, old.slots[i].hash);

            *s = old.slots[i];
            m->used++;
        }
    }
    free(old.slots);
}

void km__bigcommerce_map_put(struct km__bigcommerce_map *m, const char *key,
                             void *value)
{
    size_t h = hash(key);
    struct km__bigcommerce_map_slot *s = probe(m, key, h);

    if (s) {
        s->value = value;
        return;
    }
    /* At most three quarters full, tombstones included. */
    if ((m->used + 1) * 4 >= m->cap * 3)
        grow(m);
    s = free_slot(m, h);
    if (!s->key)
        m->used++;
    s->key = kx_xstrdup(key);
    s->value = value;
    s->hash = h;
}

void km__bigcommerce_map_del(struct km__bigcommerce_map *m, const char *key)
{
    struct km__bigcommerce_map_slot *s = key ? probe(m, key, hash(key)) : NULL;

    if (!s)
        return;
    free(s->key);
    s->key = BC_TOMB;
    s->value = NULL;
}

void km__bigcommerce_map_dispose(struct km__bigcommerce_map *m)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key != BC_TOMB)
            free(m->slots[i].key);
    free(m->slots);
    memset(m, 0, sizeof(*m));
}
