/* Logging through the client's callback, with the client's secrets masked
 * in both the message and the payload as a last line of defence. */
#include <string.h>
#include "client_int.h"

const char *ks_log_level_name(enum ks_log_level level)
{
    switch (level) {
    case KS_LOG_DEBUG:
        return "debug";
    case KS_LOG_INFO:
        return "info";
    case KS_LOG_WARN:
        return "warn";
    case KS_LOG_ERROR:
        return "error";
    }
    return "unknown";
}

void ks__log(struct ks_client *c, enum ks_log_level level, const char *payload,
             const char *fmt, ...)
{
    char *msg = NULL, *body = NULL;
    va_list ap;

    if (!c || !c->opts.log_fn || level < c->opts.log_level)
        return;
    va_start(ap, fmt);
    msg = ks__vaprintf(fmt, ap);
    va_end(ap);
    if (!msg)
        return; /* out of memory: dropping a log line is the safe choice */
    ks_redact_mask(msg, strlen(msg), (const char *const *)c->secrets,
                   c->nsecrets);
    if (payload) {
        body = ks__strdup(payload);
        if (!body)
            goto out;
        ks_redact_mask(body, strlen(body), (const char *const *)c->secrets,
                       c->nsecrets);
    }
    c->opts.log_fn(level, msg, body, c->opts.log_userdata);
out:
    ks__free(body);
    ks__free(msg);
}
