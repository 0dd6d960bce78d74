/* The client context: options, the reused curl handle, the error slot,
 * counters and the secrets that must never be logged. */
#include <assert.h>
#include <string.h>
#include <openssl/crypto.h>
#include "client_int.h"
#include "kinsync/testing.h"

ks_rc ks_client_new(struct ks_client **out,
                    const struct ks_client_options *opts)
{
    static const struct ks_client_options defaults = KS_CLIENT_OPTIONS_INIT;
    struct ks_client *c;
    ks_rc rc = KS_ENOMEM;

    *out = NULL;
    if (opts && opts->version != KS_CLIENT_OPTIONS_VERSION &&
        opts->version != 1)
        return KS_EINVAL;
    c = ks__calloc(1, sizeof(*c));
    if (!c)
        return KS_ENOMEM;
    c->opts = defaults;
    if (opts && opts->version == 1) /* a version 1 struct ends before ca_file */
        memcpy(&c->opts, opts, offsetof(struct ks_client_options, ca_file));
    else if (opts)
        c->opts = *opts;
    if (c->opts.retry.max_attempts < 1)
        c->opts.retry.max_attempts = 1;
    c->user_agent = c->opts.user_agent
                        ? ks__strdup(c->opts.user_agent)
                        : ks__aprintf("kinsync/%s", ks_version());
    if (!c->user_agent)
        goto out;
    c->opts.user_agent = c->user_agent;
    if (c->opts.ca_file && !(c->ca_file = ks__strdup(c->opts.ca_file)))
        goto out;
    c->opts.ca_file = c->ca_file;
    c->curl = curl_easy_init();
    if (!c->curl)
        goto out;
    c->rng = c->opts.jitter_seed ? c->opts.jitter_seed
                                 : (uint64_t)ks_clock_now_ms(NULL);
    *out = c;
    c = NULL;
    rc = KS_OK;
out:
    ks_client_free(c);
    return rc;
}

void ks_client_free(struct ks_client *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nsecrets; i++) {
        OPENSSL_cleanse(c->secrets[i], strlen(c->secrets[i]));
        ks__free(c->secrets[i]);
    }
    ks__free(c->secrets);
    if (c->curl)
        curl_easy_cleanup(c->curl);
    ks__free(c->user_agent);
    ks__free(c->ca_file);
    ks__free(c);
}

const struct ks_error *ks_client_last_error(const struct ks_client *c)
{
    assert(c);
    return &c->error;
}

struct ks_error *ks__client_error(struct ks_client *c)
{
    assert(c);
    return &c->error;
}

struct ks_clock *ks_client_clock(const struct ks_client *c)
{
    assert(c);
    return c->opts.clock;
}

void ks_client_stats(struct ks_client_stats *out, const struct ks_client *c)
{
    assert(out && c);
    *out = c->stats;
}

void ks_testing_client_set_header_filter(struct ks_client *c,
                                         ks_testing_header_filter_fn fn,
                                         void *userdata)
{
    assert(c);
    c->header_filter = fn;
    c->header_filter_userdata = fn ? userdata : NULL;
}

ks_rc ks_client_add_secret(struct ks_client *c, const char *secret)
{
    char **grown;
    char *copy;

    assert(c);
    if (!secret || !*secret)
        return KS_OK;
    for (size_t i = 0; i < c->nsecrets; i++) {
        if (strcmp(c->secrets[i], secret) == 0)
            return KS_OK;
    }
    copy = ks__strdup(secret);
    if (!copy)
        return KS_ENOMEM;
    grown = ks__realloc(c->secrets, (c->nsecrets + 1) * sizeof(*grown));
    if (!grown) {
        OPENSSL_cleanse(copy, strlen(copy));
        ks__free(copy);
        return KS_ENOMEM;
    }
    c->secrets = grown;
    c->secrets[c->nsecrets++] = copy;
    return KS_OK;
}
