/*
 * Credentials encrypted at rest with AES-256-GCM (OpenSSL EVP).
 *
 * Each value gets a fresh random 96-bit nonce; the AAD binds it to its
 * name, so a ciphertext copied under another name fails to decrypt. The
 * key is held as 64 hex characters in a ks_secret (zeroed on close) and
 * decoded into a stack buffer only for the duration of one operation. A
 * key check value, HMAC-SHA256(key, KEY_CHECK_LABEL), is stored by the
 * first keyed open so a wrong key is reported up front.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "core/crypto.h"
#include "store/internal.h"

#define KEY_LEN 32
#define NONCE_LEN 12
#define TAG_LEN 16
#define KEY_CHECK_LABEL "kinsync store key check v1"
#define AAD_PREFIX "kinsync/secret/v1:"

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decodes exactly 64 hex characters into key; 0 on success. */
static int hex_to_key(unsigned char key[KEY_LEN], const char *hex, size_t len)
{
    size_t i;
    int hi, lo;

    if (len != 2 * KEY_LEN)
        return -1;
    for (i = 0; i < KEY_LEN; i++) {
        hi = hexval((unsigned char)hex[2 * i]);
        lo = hexval((unsigned char)hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        key[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

/* Reads the key file: 32 raw bytes, or 64 hex characters optionally
 * followed by white space. */
static ks_rc key_from_file(unsigned char key[KEY_LEN], struct ks_store *st,
                           const char *path)
{
    unsigned char buf[2 * KEY_LEN + 8];
    size_t n;
    FILE *f;
    ks_rc rc = KS_OK;

    f = fopen(path, "rb");
    if (!f)
        return ks__error_set(&st->err, KS_EINVAL, 0,
                             "cannot read the key file");
    n = fread(buf, 1, sizeof(buf), f);
    if (ferror(f))
        rc = ks__error_set(&st->err, KS_EINVAL, 0, "cannot read the key file");
    fclose(f);
    if (rc == KS_OK && n == sizeof(buf))
        rc = ks__error_set(&st->err, KS_EINVAL, 0, "key file is too long");
    if (rc == KS_OK && n == KEY_LEN) {
        memcpy(key, buf, KEY_LEN);
    } else if (rc == KS_OK) {
        while (n > 0 && isspace(buf[n - 1]))
            n--;
        if (hex_to_key(key, (const char *)buf, n) != 0)
            rc = ks__error_set(&st->err, KS_EINVAL, 0,
                               "key file must hold 32 raw bytes or 64 hex "
                               "characters");
    }
    OPENSSL_cleanse(buf, sizeof(buf));
    return rc;
}

static ks_rc key_from_env(unsigned char key[KEY_LEN], struct ks_store *st,
                          const char *name)
{
    const char *hex = getenv(name);

    if (!hex)
        return ks__error_set(&st->err, KS_EINVAL, 0,
                             "key variable %s is not set", name);
    if (hex_to_key(key, hex, strnlen(hex, 2 * KEY_LEN + 1)) != 0)
        return ks__error_set(&st->err, KS_EINVAL, 0,
                             "key variable %s must hold 64 hex characters",
                             name);
    return KS_OK;
}

static ks_rc load_key(unsigned char key[KEY_LEN], struct ks_store *st)
{
    if (!st->key_hex)
        return ks__error_set(&st->err, KS_EINVAL, 0,
                             "store was opened without an encryption key "
                             "(key_file or key_env)");
    if (hex_to_key(key, st->key_hex->value, strlen(st->key_hex->value)) != 0)
        return ks__error_set(&st->err, KS_ERROR, 0, "key is damaged");
    return KS_OK;
}

/* Compares the key with the stored check value, storing it when absent. */
static ks_rc check_key(struct ks_store *st, const unsigned char key[KEY_LEN])
{
    unsigned char kcv[KS__SHA256_LEN];
    struct ks__stmt *s;
    int src;
    ks_rc rc;

    if (ks__hmac(kcv, KS__SHA256, key, KEY_LEN, KEY_CHECK_LABEL,
                 strlen(KEY_CHECK_LABEL)) != KS_OK)
        return ks__error_set(&st->err, KS_ERROR, 0,
                             "computing the key check value failed");
    rc = ks__store_op_begin(st);
    if (rc)
        return rc;
    s = ks__store_stmt(st, KS__ST_META_GET);
    rc = ks__store_bind_text(st, s, 1, "key_check");
    src = rc ? (int)rc : ks__store_step(s, "reading the key check value");
    if (src == KS__DB_ROW) {
        size_t have_len = 0;
        const void *have = ks__store_col_blob(s, 0, &have_len);

        if (have_len != KS__SHA256_LEN || CRYPTO_memcmp(have, kcv, sizeof(kcv)))
            rc = ks__error_set(&st->err, KS_ECRYPTO, 0,
                               "wrong key: it is not the key this store's "
                               "secrets were encrypted with");
    } else if (src == KS__DB_DONE) {
        ks__store_reset(s);
        s = ks__store_stmt(st, KS__ST_META_PUT);
        rc = ks__store_bind_text(st, s, 1, "key_check");
        if (rc == KS_OK)
            rc = ks__store_bind_blob(s, 2, kcv, sizeof(kcv));
        if (rc == KS_OK)
            rc = ks__store_exec(st, s, "recording the key check value");
    } else {
        rc = (ks_rc)src;
    }
    ks__store_reset(s);
    return ks__store_op_end(st, rc, NULL);
}

ks_rc ks__store_key_init(struct ks_store *st,
                         const struct ks_store_options *opts)
{
    unsigned char key[KEY_LEN];
    char hex[2 * KEY_LEN + 1];
    ks_rc rc;

    if (!opts->key_file && !opts->key_env)
        return KS_OK;
    if (opts->key_file && opts->key_env)
        return ks__error_set(&st->err, KS_EINVAL, 0,
                             "set key_file or key_env, not both");
    rc = opts->key_file ? key_from_file(key, st, opts->key_file)
                        : key_from_env(key, st, opts->key_env);
    if (rc == KS_OK)
        rc = check_key(st, key);
    if (rc == KS_OK) {
        ks__hex_encode(hex, key, KEY_LEN);
        rc = ks__secret_new(&st->key_hex, hex);
        if (rc)
            rc = ks__error_set(&st->err, rc, 0,
                               "holding the key: out of memory");
    }
    OPENSSL_cleanse(key, sizeof(key));
    OPENSSL_cleanse(hex, sizeof(hex));
    return rc;
}

/* Feeds the AAD (prefix + name) to an initialised GCM context. */
static int add_aad(EVP_CIPHER_CTX *ctx, const char *name, int enc)
{
    int n;

    if (enc)
        return EVP_EncryptUpdate(ctx, NULL, &n,
                                 (const unsigned char *)AAD_PREFIX,
                                 (int)strlen(AAD_PREFIX)) == 1 &&
               EVP_EncryptUpdate(ctx, NULL, &n, (const unsigned char *)name,
                                 (int)strlen(name)) == 1;
    return EVP_DecryptUpdate(ctx, NULL, &n, (const unsigned char *)AAD_PREFIX,
                             (int)strlen(AAD_PREFIX)) == 1 &&
           EVP_DecryptUpdate(ctx, NULL, &n, (const unsigned char *)name,
                             (int)strlen(name)) == 1;
}

static ks_rc encrypt_value(unsigned char *ct, unsigned char nonce[NONCE_LEN],
                           unsigned char tag[TAG_LEN], struct ks_store *st,
                           const unsigned char key[KEY_LEN], const char *name,
                           const char *value, size_t len)
{
    EVP_CIPHER_CTX *ctx = NULL;
    int n = 0, fin = 0;
    ks_rc rc = KS_OK;

    if (RAND_bytes(nonce, NONCE_LEN) != 1)
        return ks__error_set(&st->err, KS_ERROR, 0, "random generator failed");
    ctx = EVP_CIPHER_CTX_new();
    if (!ctx)
        return ks__error_set(&st->err, KS_ENOMEM, 0,
                             "encrypting: out of memory");
    if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce) != 1 ||
        !add_aad(ctx, name, 1) ||
        EVP_EncryptUpdate(ctx, ct, &n, (const unsigned char *)value,
                          (int)len) != 1 ||
        EVP_EncryptFinal_ex(ctx, ct + n, &fin) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) != 1)
        rc = ks__error_set(&st->err, KS_ERROR, 0, "encryption failed");
    EVP_CIPHER_CTX_free(ctx);
    return rc;
}

ks_rc ks_store_secret_put(struct ks_store *st, const char *name,
                          const char *value)
{
    unsigned char key[KEY_LEN], nonce[NONCE_LEN], tag[TAG_LEN];
    unsigned char *ct = NULL;
    struct ks__stmt *s;
    size_t len = 0;
    ks_rc rc;

    rc = ks__store_enter(st);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "secret name", name, 0);
    if (rc == KS_OK)
        rc = ks__store_check_text(st, "secret value", value, 0);
    if (rc == KS_OK)
        rc = load_key(key, st);
    if (rc)
        goto out;
    len = strlen(value);
    ct = ks__malloc(len + 1);
    if (!ct) {
        rc = ks__error_set(&st->err, KS_ENOMEM, 0, "encrypting: out of memory");
        goto out;
    }
    rc = encrypt_value(ct, nonce, tag, st, key, name, value, len);
    if (rc)
        goto out;
    rc = ks__store_op_begin(st);
    if (rc)
        goto out;
    s = ks__store_stmt(st, KS__ST_SECRET_PUT);
    rc = ks__store_bind_text(st, s, 1, name);
    if (rc == KS_OK)
        rc = ks__store_bind_blob(s, 2, nonce, NONCE_LEN);
    if (rc == KS_OK)
        rc = ks__store_bind_blob(s, 3, ct, len);
    if (rc == KS_OK)
        rc = ks__store_bind_blob(s, 4, tag, TAG_LEN);
    if (rc == KS_OK)
        rc = ks__store_exec(st, s, "saving a secret");
    ks__store_reset(s);
    rc = ks__store_op_end(st, rc, NULL);
out:
    OPENSSL_cleanse(key, sizeof(key));
    ks__free(ct);
    return rc;
}

static ks_rc decrypt_row(char **out, struct ks_store *st,
                         const unsigned char key[KEY_LEN], const char *name,
                         struct ks__stmt *s)
{
    size_t nonce_len = 0, ct_len = 0, tag_len = 0;
    const unsigned char *nonce = ks__store_col_blob(s, 0, &nonce_len);
    const unsigned char *ct = ks__store_col_blob(s, 1, &ct_len);
    const void *tag = ks__store_col_blob(s, 2, &tag_len);
    int len = (int)ct_len;
    EVP_CIPHER_CTX *ctx = NULL;
    unsigned char *pt = NULL;
    int n = 0, fin = 0;
    ks_rc rc = KS_OK;

    if (nonce_len != NONCE_LEN || tag_len != TAG_LEN ||
        ct_len > KS_STORE_TEXT_MAX)
        return ks__error_set(&st->err, KS_ECRYPTO, 0,
                             "secret \"%s\" is damaged", name);
    pt = ks__malloc((size_t)len + 1);
    ctx = pt ? EVP_CIPHER_CTX_new() : NULL;
    if (!ctx) {
        rc = ks__error_set(&st->err, KS_ENOMEM, 0, "decrypting: out of memory");
        goto out;
    }
    if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce) != 1 ||
        !add_aad(ctx, name, 0) ||
        EVP_DecryptUpdate(ctx, pt, &n, ct ? ct : (const unsigned char *)"",
                          len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, (void *)tag) !=
            1 ||
        EVP_DecryptFinal_ex(ctx, pt + n, &fin) != 1) {
        rc = ks__error_set(&st->err, KS_ECRYPTO, 0,
                           "secret \"%s\" failed authentication (wrong key "
                           "or damaged data)",
                           name);
        goto out;
    }
    pt[n + fin] = '\0';
    *out = (char *)pt;
    pt = NULL;
out:
    if (pt) {
        OPENSSL_cleanse(pt, (size_t)len + 1);
        ks__free(pt);
    }
    EVP_CIPHER_CTX_free(ctx);
    return rc;
}

ks_rc ks_store_secret_get(char **out, struct ks_store *st, const char *name)
{
    unsigned char key[KEY_LEN];
    struct ks__stmt *s = NULL;
    int src;
    ks_rc rc;

    *out = NULL;
    rc = ks__store_enter(st);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "secret name", name, 0);
    if (rc == KS_OK)
        rc = load_key(key, st);
    if (rc)
        goto out;
    s = ks__store_stmt(st, KS__ST_SECRET_GET);
    rc = ks__store_bind_text(st, s, 1, name);
    if (rc)
        goto out;
    src = ks__store_step(s, "reading a secret");
    if (src == KS__DB_ROW)
        rc = decrypt_row(out, st, key, name, s);
    else if (src == KS__DB_DONE)
        rc = ks__error_set(&st->err, KS_ENOTFOUND, 0, "no secret \"%s\"", name);
    else
        rc = (ks_rc)src;
out:
    if (s)
        ks__store_reset(s);
    OPENSSL_cleanse(key, sizeof(key));
    return rc;
}

void ks_store_secret_dispose(char *value)
{
    if (!value)
        return;
    OPENSSL_cleanse(value, strlen(value));
    ks__free(value);
}

ks_rc ks_store_secret_delete(struct ks_store *st, const char *name)
{
    struct ks__stmt *s;
    ks_rc rc;

    rc = ks__store_enter(st);
    if (rc == KS_OK)
        rc = ks__store_check_id(st, "secret name", name, 0);
    if (rc)
        return rc;
    rc = ks__store_op_begin(st);
    if (rc)
        return rc;
    s = ks__store_stmt(st, KS__ST_SECRET_DELETE);
    rc = ks__store_bind_text(st, s, 1, name);
    if (rc == KS_OK)
        rc = ks__store_exec(st, s, "removing a secret");
    if (rc == KS_OK && ks__store_changes(st) == 0)
        rc = ks__error_set(&st->err, KS_ENOTFOUND, 0, "no secret \"%s\"", name);
    return ks__store_op_end(st, rc, NULL);
}
