/* The connector's log captured, and checked for secrets (see kt.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "kt.h"

void kt_log_fn(enum ks_log_level level, const char *msg, const char *payload,
               void *ud)
{
    struct kt_log *log = ud;
    size_t need = strlen(msg) + (payload ? strlen(payload) : 0) + 16;

    log->text = realloc(log->text, log->len + need);
    assert_non_null(log->text);
    log->len +=
        (size_t)snprintf(log->text + log->len, need, "%s %s\n%s\n",
                         ks_log_level_name(level), msg, payload ? payload : "");
}

int kt_log_clean(const struct kt_log *log, const char *const *secrets)
{
    for (size_t i = 0; log->text && secrets[i]; i++) {
        if (strstr(log->text, secrets[i]))
            return 0;
    }
    return 1;
}

void kt_log_dispose(struct kt_log *log)
{
    free(log->text);
    memset(log, 0, sizeof(*log));
}
