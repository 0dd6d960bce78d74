/* The client's layout, shared by core/client.c, core/log.c and http/. */
#ifndef KS_CORE_CLIENT_INT_H
#define KS_CORE_CLIENT_INT_H

#include <curl/curl.h>
#include "internal.h"

struct ks_client {
    struct ks_client_options opts;
    char *user_agent;
    char *ca_file; /* opts.ca_file's copy, or NULL */
    CURL *curl;    /* reused: keeps connections alive */
    struct ks_error error;
    struct ks_client_stats stats;
    uint64_t rng;   /* jitter source */
    char **secrets; /* masked in every log payload */
    size_t nsecrets;
    /* A test hook (ks_testing_header_filter_fn of kinsync/testing.h);
     * NULL: every header is sent. */
    int (*header_filter)(void *userdata, const char *line);
    void *header_filter_userdata;
};

#endif
