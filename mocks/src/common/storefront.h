/*
 * What the storefront emulators (BigCommerce, WooCommerce) keep alike:
 * resources stored as cJSON objects whose "_" members are private
 * bookkeeping, fixture lists loaded item by item through the platform's
 * own create path, and the seeded generated catalogue of the "generate"
 * key. Each emulator keeps what its platform does differently (how an
 * item is validated and stored, its JSON shapes and number formats).
 * Out-of-memory aborts (see kx/alloc.h).
 */
#ifndef KM_COMMON_STOREFRONT_H
#define KM_COMMON_STOREFRONT_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include <kinsync/clock.h>
#include "kinmock/config.h"

/* ---- stored objects ------------------------------------------------- */

/* A deep copy of obj without its private "_" members. */
cJSON *km__storefront_public(const cJSON *obj);
/* A new array of the public copies of arr's objects (snapshots). */
cJSON *km__storefront_public_list(const cJSON *arr);
/* Sets obj[name] to value (taken), replacing a member of that name;
 * aborts when value is NULL (a cJSON_Create* that failed). */
void km__storefront_set(cJSON *obj, const char *name, cJSON *value);
/* The object of arr whose numeric "id" is id, or NULL. */
cJSON *km__storefront_find(const cJSON *arr, int64_t id);

/* ---- printed texts -------------------------------------------------- */

/*
 * The printed public JSON of stored items, kept until the emulator's next
 * write, so a listing copies texts instead of building and printing a
 * tree per item (the Epicor emulator does the same with its rows). An
 * emulator touches its texts before and after every request that may
 * write (any method but GET and HEAD), on every action, fault action and
 * delivery outcome; the first lookup after a touch drops every text. So a
 * text never outlives a write, whichever write path moved the item, and
 * the texts held are at most one per item (and variant) read since then.
 * Use only under the server lock, in handlers of requests that do not
 * write (a text printed between a touch and the write it announces would
 * be stale).
 */
struct km__storefront_text;
struct km__storefront_texts {
    uint64_t writes;                   /* touches so far */
    uint64_t printed;                  /* writes when the slots were filled */
    struct km__storefront_text *slots; /* open addressing, by item */
    size_t n, cap;                     /* cap: 0 or a power of two */
};

/* An item's public JSON tree (caller frees) for variant (e.g. with its
 * variants embedded or not); ctx is the lookup's. */
typedef cJSON *km__storefront_build_fn(void *ctx, const void *item,
                                       int variant);

/* Announces a write: every text printed so far is stale. */
void km__storefront_touch(struct km__storefront_texts *t);
/* item's printed public JSON for variant (its length in *len), printed
 * with build on the first lookup since the last touch: a page joins
 * these (common/joined.h). Borrowed: valid until the next touch or
 * lookup after one; print the page before that. Aborts when out of
 * memory. */
const char *km__storefront_text(struct km__storefront_texts *t,
                                const void *item, int variant,
                                km__storefront_build_fn *build, void *ctx,
                                size_t *len);
/* Frees every text; t is empty afterwards and may be used again. */
void km__storefront_texts_free(struct km__storefront_texts *t);

/* ---- fixtures ------------------------------------------------------- */

/* Stores one fixture item (an object) into state as the platform's REST
 * API would at time now; 0, or -1 with the reason in why. */
typedef int km__storefront_store_fn(void *state, const cJSON *item, int64_t now,
                                    char *why, size_t whysz);

/* Stores each item of list (a configuration array of objects) through
 * store, all at time now. Returns 0, or -1 at the first failure with
 * "item N must be an object" or "item N: <why>" in err. */
int km__storefront_load(void *state, const cJSON *list, int64_t now,
                        km__storefront_store_fn *store, char *err,
                        size_t errsz);

/* Defines the configuration setter name (a km_config_set_fn) of a
 * fixture list: its items are stored through store at the time of the
 * clock of the state, a state_type with a member clock. */
#define KM__STOREFRONT_FIXTURES(name, state_type, store)                       \
    static int name(void *state, const cJSON *list, char *err, size_t errsz)   \
    {                                                                          \
        state_type *st = state;                                                \
                                                                               \
        return km__storefront_load(st, list, ks_clock_now_ms(st->clock),       \
                                   (store), err, errsz);                       \
    }

/* ---- generated catalogues ------------------------------------------- */

#define KM__STOREFRONT_STR(x) #x
#define KM__STOREFRONT_XSTR(x) KM__STOREFRONT_STR(x)

/* The members of a "generate" configuration object: "products", the
 * count (text describes it; at most max, an integer literal or a macro
 * of one), and "seed". */
#define KM__STOREFRONT_GENERATE_KEYS(text, max)                                \
    {KM_CONFIG_KEY("products", KM_CONFIG_INTEGER, NULL, (text), NULL),         \
     .schema = "{\"minimum\": 0, \"maximum\": " KM__STOREFRONT_XSTR(max) "}"}, \
    {                                                                          \
        KM_CONFIG_KEY("seed", KM_CONFIG_INTEGER, "1",                          \
                      "Seed of the generated prices and stock levels.", NULL), \
            .schema = "{\"minimum\": 0}"                                       \
    }

/* What a "generate" object asks for. */
struct km__storefront_generate {
    int products;
    uint64_t seed;
};

/* Reads a "generate" object (its members' types already checked by the
 * applier); -1 with "needs \"products\": a count from 0 to MAX" in err
 * when the count is missing or out of range. */
int km__storefront_generate_read(struct km__storefront_generate *out,
                                 const cJSON *generate, int max, char *err,
                                 size_t errsz);

/* Generated product number i (from 1) of a catalogue. */
struct km__storefront_product {
    char sku[32];  /* "GEN-" and i, zero-padded to the digits asked */
    char name[48]; /* "Generated product " and i, padded or not */
    double price;  /* 1.00 to 500.99 */
    int64_t stock; /* 0 to 199 */
};

/* Fills out for product i, drawing its price and then its stock level
 * from rng (crypto.h's seeded generator), so a seed gives the same
 * catalogue on every run. digits pads i in the SKU, and in the name when
 * pad_name. */
void km__storefront_product(struct km__storefront_product *out, int i,
                            int digits, int pad_name, uint64_t *rng);

#endif
