/*
 * Internals of the OEE client shared by its files (ks__oee_).
 */
#ifndef KS_OEE_INT_H
#define KS_OEE_INT_H

#include "core/internal.h"
#include "http/rest.h"
#include "kinsync/oee.h"

struct ks_oee {
    struct ks_client *client;
    char *root; /* base_url without its trailing slashes */
    struct ks_secret *api_key;
    int api_key_header;
    long requests;
};

/*
 * One JSON exchange with the API on path (under /api/v1, its segments
 * already escaped) with the query pairs (NULL-terminated, may be NULL);
 * *out (may be NULL) the parsed reply, NULL for a 204.
 */
ks_rc ks__oee_call(cJSON **out, struct ks_oee *oee, const char *method,
                   const char *path, const char *const *query,
                   const cJSON *body);

/* A path segment escaped by curl ("WC 1" -> "WC%201"); ks__free it. */
char *ks__oee_segment(const char *s);

#endif
