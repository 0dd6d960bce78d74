/* The client's layout, shared by core/client.c, core/log.c and http/. */
#ifndef KS_CORE_CLIENT_INT_H
#define KS_CORE_CLIENT_INT_H

#include <curl/curl.h>
#include "internal.h"

struct ks_client {
    struct ks_client_options opts;
    char *user_agent;
    CURL *curl; /* reused: keeps connections alive */
    struct ks_error error;
    struct ks_client_stats stats;
    uint64_t rng;   /* jitter source */
    char **secrets; /* masked in every log payload */
    size_t nsecrets;
    ks_header_filter_fn header_filter; /* NULL: every header is sent */
    void *header_filter_userdata;
};

#endif
