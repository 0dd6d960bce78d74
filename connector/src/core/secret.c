/* Credentials in memory: copied once, compared in constant time, and
 * wiped before the memory goes back to the allocator. */
#include <string.h>
#include <openssl/crypto.h>
#include "internal.h"

ks_rc ks__secret_new(struct ks_secret **out, const char *value)
{
    struct ks_secret *secret;

    *out = NULL;
    if (!value)
        return KS_EINVAL;
    secret = ks__calloc(1, sizeof(*secret));
    if (!secret)
        return KS_ENOMEM;
    secret->len = strlen(value);
    secret->value = ks__strndup(value, secret->len);
    if (!secret->value) {
        ks__free(secret);
        return KS_ENOMEM;
    }
    *out = secret;
    return KS_OK;
}

ks_rc ks__secret_register(struct ks_secret **slot, struct ks_client *c,
                          const char *value)
{
    ks_rc rc;

    if (!value || !*value)
        return KS_OK;
    rc = ks__secret_new(slot, value);
    if (!rc)
        rc = ks_client_add_secret(c, value);
    return rc;
}

void ks__secret_free(struct ks_secret *secret)
{
    if (!secret)
        return;
    if (secret->value) {
        OPENSSL_cleanse(secret->value, secret->len);
        ks__free(secret->value);
    }
    OPENSSL_cleanse(secret, sizeof(*secret));
    ks__free(secret);
}

int ks__secure_equal(const void *a, size_t alen, const void *b, size_t blen)
{
    /* Compare over the shorter length so no byte past either buffer is
     * read; the length check is folded in afterwards, so the time spent
     * does not depend on where the contents first differ. */
    size_t n = alen < blen ? alen : blen;
    int diff = CRYPTO_memcmp(a, b, n);

    return diff == 0 && alen == blen;
}
