/* The error table's three uses: names, messages, parsing names back. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "internal.h"
#include "kinsync/testing.h"

struct ks__error_row {
    ks_rc rc;
    const char *name;
    const char *message;
};

static const struct ks__error_row error_rows[] = {
#define KS__ERROR_ROW(name, value, text) {KS_##name, "KS_" #name, text},
    KS_ERRORS(KS__ERROR_ROW) KS_TESTING_ERRORS(KS__ERROR_ROW)
#undef KS__ERROR_ROW
};

/* The test-only codes are constants of their own (testing.h), not members
 * of the public enum: each must carry the value its table row gives it. */
#define KS__ERROR_AGREES(name, value, text)                                    \
    _Static_assert(KS_##name == value, "KS_" #name " disagrees with its row");
KS_TESTING_ERRORS(KS__ERROR_AGREES)
#undef KS__ERROR_AGREES

#define ERROR_ROWS (sizeof(error_rows) / sizeof(error_rows[0]))

const char *ks_rc_name(ks_rc rc)
{
    for (size_t i = 0; i < ERROR_ROWS; i++) {
        if (error_rows[i].rc == rc)
            return error_rows[i].name;
    }
    return "KS_UNKNOWN";
}

const char *ks_rc_message(ks_rc rc)
{
    for (size_t i = 0; i < ERROR_ROWS; i++) {
        if (error_rows[i].rc == rc)
            return error_rows[i].message;
    }
    return "unknown error code";
}

int ks_rc_from_name(ks_rc *out, const char *name)
{
    if (!name)
        return -1;
    if (strncasecmp(name, "KS_", 3) == 0)
        name += 3;
    for (size_t i = 0; i < ERROR_ROWS; i++) {
        if (strcasecmp(error_rows[i].name + 3, name) == 0) {
            *out = error_rows[i].rc;
            return 0;
        }
    }
    return -1;
}

/*
 * The slot keeps the first failure: it is written only while err->rc is
 * KS_OK, so a wrapper reporting "could not sync parts" never hides the
 * "HTTP 503 ..." below it. Setting KS_OK writes nothing.
 */
ks_rc ks__error_set(struct ks_error *err, ks_rc rc, long http_status,
                    const char *fmt, ...)
{
    va_list ap;

    if (!err || err->rc != KS_OK || rc == KS_OK)
        return rc;
    err->rc = rc;
    err->http_status = http_status;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    for (char *p = err->message; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' '; /* messages are one line */
    }
    return rc;
}

void ks__error_clear(struct ks_error *err)
{
    if (err)
        memset(err, 0, sizeof(*err));
}
