/*
 * Synchronous webhooks (Adobe Commerce Webhooks, README.md "Webhooks"):
 * during an action the hooked method's receivers are called one by one,
 * signed, and their operations applied to the object being saved, or
 * the action aborted.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include <kx/time.h>
#include "adobe_emu.h"
#include "common/crypto.h"
#include "kinmock/webhook.h"

#define SIGNATURE_HEADER "x-adobe-commerce-webhook-signature"
/* "timeout": 0 means no limit; the emulator still stops waiting here. */
#define NO_LIMIT_MS 30000
#define MAX_REPLY (256 * 1024)

/* ---- keys and signatures
 * ----------------------------------------------------- */

/* One signing key pair a process, made when an emulator first signs:
 * a 2048-bit RSA key takes 50-300 ms to generate, which was most of an
 * Adobe hook scenario and a third of `kinsync check` over the suite.
 * Each emulator still publishes its public key, as an Adobe instance
 * does; that instances in one process share it is not visible to a
 * scenario (the key is only ever read back from the emulator). */
static EVP_PKEY *process_key;
static pthread_once_t process_key_once = PTHREAD_ONCE_INIT;

static void process_key_make(void)
{
    process_key = EVP_RSA_gen(2048);
}

static EVP_PKEY *key_of(struct km__adobe_state *st)
{
    BIO *bio;
    char *pem;
    long n;

    if (st->webhook_key)
        return st->webhook_key;
    pthread_once(&process_key_once, process_key_make);
    if (process_key && EVP_PKEY_up_ref(process_key) == 1)
        st->webhook_key = process_key;
    if (!st->webhook_key || !(bio = BIO_new(BIO_s_mem())) ||
        PEM_write_bio_PUBKEY(bio, st->webhook_key) != 1)
        abort();
    n = BIO_get_mem_data(bio, &pem);
    st->webhook_public_pem = kx_xstrndup(pem, (size_t)n);
    BIO_free(bio);
    return st->webhook_key;
}

static int has_hooks(const struct km__adobe_state *st)
{
    return cJSON_GetArraySize(st->webhooks) > 0 ||
           cJSON_GetArraySize(st->subscribed) > 0;
}

const char *km__adobe_webhook_public_pem(struct km__adobe_state *st)
{
    if (strcmp(st->webhook_signing, "rsa") != 0 || !has_hooks(st))
        return NULL;
    key_of(st);
    return st->webhook_public_pem;
}

/* base64 of the RSA-SHA256 signature of base64(body). */
static char *sign_rsa(struct km__adobe_state *st, const char *body, size_t len)
{
    char *b64 = km__base64_encode(body, len), *out;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char sig[512];
    size_t siglen = sizeof(sig);

    if (!md ||
        EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key_of(st)) != 1 ||
        EVP_DigestSign(md, sig, &siglen, (unsigned char *)b64, strlen(b64)) !=
            1)
        abort();
    EVP_MD_CTX_free(md);
    free(b64);
    out = km__base64_encode(sig, siglen);
    return out;
}

static char *signature(struct km__adobe_state *st, const char *body, size_t len)
{
    unsigned char mac[KM__SHA256_LEN];
    const char *secret = st->webhook_secret ? st->webhook_secret : "";

    if (strcmp(st->webhook_signing, "rsa") == 0)
        return sign_rsa(st, body, len);
    if (strcmp(st->webhook_signing, "hmac") == 0)
        return km__base64_encode(
            mac, km__hmac(mac, KM__SHA256, secret, strlen(secret), body, len));
    return NULL;
}

void km__adobe_hooks_free(struct km__adobe_state *st)
{
    EVP_PKEY_free(st->webhook_key);
    free(st->webhook_public_pem);
}

/* ---- operations ------------------------------------------------------ */

/* An array index segment ("0", "12"); -1 when the segment is not one. */
static int array_index(const char *segment)
{
    char *end;
    long i;

    if (!isdigit((unsigned char)segment[0]))
        return -1;
    errno = 0;
    i = strtol(segment, &end, 10);
    return errno || *end || i > INT_MAX ? -1 : (int)i;
}

/* Where path ("result/a/0/b"; "result" is obj itself) leads: *node the
 * node there (NULL when only its last segment is missing: a new member of
 * *parent), *parent its parent (NULL for obj), last its last segment.
 * Returns -1 when a segment before the last is missing. */
static int walk(cJSON *obj, const char *path, cJSON **node, cJSON **parent,
                char last[128])
{
    const char *p = path;

    *node = obj;
    *parent = NULL;
    if (strncmp(p, "result", 6) != 0 || (p[6] && p[6] != '/'))
        return -1;
    p += 6;
    snprintf(last, 128, "result");
    while (*p == '/') {
        size_t n = strcspn(++p, "/");

        if (!*node)
            return -1;
        snprintf(last, 128, "%.*s", (int)(n < 127 ? n : 127), p);
        *parent = *node;
        *node = cJSON_IsArray(*parent)
                    ? cJSON_GetArrayItem(*parent, array_index(last))
                    : cJSON_GetObjectItemCaseSensitive(*parent, last);
        p += n;
    }
    return 0;
}

/* Applies one add/replace/remove; unknown or inapplicable ones are
 * skipped, as the platform logs and ignores them. */
static void apply_op(cJSON *obj, const cJSON *op)
{
    const char *kind = kx_json_str_or(op, "op", "");
    const char *path = kx_json_str_or(op, "path", "");
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(op, "value");
    cJSON *parent, *node;
    char last[128];

    if (walk(obj, path, &node, &parent, last) != 0)
        return;
    if (strcmp(kind, "add") == 0 && value) {
        if (node && cJSON_IsArray(node))
            cJSON_AddItemToArray(node, cJSON_Duplicate(value, 1));
        else if (!node && cJSON_IsObject(parent))
            cJSON_AddItemToObject(parent, last, cJSON_Duplicate(value, 1));
    } else if (strcmp(kind, "replace") == 0 && value && node && parent) {
        if (cJSON_IsObject(parent)) /* the replacement keeps the name */
            km__adobe_set(parent, last, cJSON_Duplicate(value, 1));
        else
            cJSON_ReplaceItemViaPointer(parent, node,
                                        cJSON_Duplicate(value, 1));
    } else if (strcmp(kind, "remove") == 0 && node && parent) {
        cJSON_Delete(cJSON_DetachItemViaPointer(parent, node));
    }
}

/* Reads a 2xx reply: one operation or a list. Returns 0, or -1 with why
 * for an "exception" (its message, else the fallback) or a reply that is
 * not operations (then *bad = 1). */
static int apply_reply(cJSON *obj, const char *reply, const char *fallback,
                       int *bad, char *why, size_t whysz)
{
    cJSON *r = cJSON_Parse(reply), *op;
    int rc = 0;

    *bad = 0;
    if (cJSON_IsObject(r)) {
        cJSON *list = cJSON_CreateArray();

        cJSON_AddItemToArray(list, r);
        r = list;
    }
    if (!cJSON_IsArray(r)) {
        *bad = 1;
        snprintf(why, whysz, "the webhook answer is not an operation");
        cJSON_Delete(r);
        return -1;
    }
    cJSON_ArrayForEach(op, r)
    {
        if (strcmp(kx_json_str_or(op, "op", ""), "exception") == 0) {
            snprintf(why, whysz, "%s", kx_json_str_or(op, "message", fallback));
            rc = -1;
            break;
        }
    }
    if (rc == 0)
        cJSON_ArrayForEach(op, r) apply_op(obj, op);
    cJSON_Delete(r);
    return rc;
}

/* ---- calls
 * --------------------------------------------------------------------- */

static void log_call(struct km__adobe_state *st, const cJSON *hook, long status,
                     const char *outcome, int soft_exceeded)
{
    cJSON *e = cJSON_CreateObject();

    cJSON_AddStringToObject(e, "hook", kx_json_str_or(hook, "hook", ""));
    cJSON_AddStringToObject(e, "url", kx_json_str_or(hook, "url", ""));
    cJSON_AddNumberToObject(e, "status", (double)status);
    cJSON_AddStringToObject(e, "outcome", outcome);
    cJSON_AddBoolToObject(e, "soft_timeout_exceeded", soft_exceeded);
    cJSON_AddItemToArray(st->hook_log, e);
}

/* Calls one hook; 0 to go on, -1 with why to abort. */
static int call_hook(struct km__adobe_state *st, const cJSON *hook,
                     const char *event, cJSON *obj, char *why, size_t whysz)
{
    const char *kind = strstr(event, "invoice") ? "invoice" : "order";
    const char *fallback =
        kx_json_str_or(hook, "fallbackErrorMessage",
                       "Cannot perform the operation due to an "
                       "error.");
    int required = kx_json_bool(hook, "required", 0), bad = 0, rc = 0;
    long timeout = (long)kx_json_num(hook, "timeout", 0);
    int64_t soft = (int64_t)kx_json_num(hook, "softTimeout", 0), start;
    cJSON *payload = cJSON_CreateObject(), *data = cJSON_CreateObject(), *h;
    const char *headers[40];
    char *body, *sig, *sighdr = NULL, *reply = NULL, err[256];
    char *owned[32];
    size_t nh = 0, no = 0;
    long status;

    cJSON_AddStringToObject(payload, "eventName", event);
    cJSON_AddItemToObject(data, kind, km__storefront_public(obj));
    cJSON_AddItemToObject(payload, "data", data);
    body = cJSON_PrintUnformatted(payload);
    cJSON_Delete(payload);
    headers[nh++] = "Content-Type: application/json";
    if ((sig = signature(st, body, strlen(body)))) {
        sighdr = kx_xasprintf("%s: %s", SIGNATURE_HEADER, sig);
        headers[nh++] = sighdr;
    }
    cJSON_ArrayForEach(h, kx_json_obj(hook, "headers"))
    {
        if (cJSON_IsString(h) && no < 32 && nh < 38) {
            owned[no] = kx_xasprintf("%s: %s", h->string, h->valuestring);
            headers[nh++] = owned[no++];
        }
    }
    headers[nh] = NULL;
    start = kx_monotonic_ms();
    status =
        km_webhook_post_reply(kx_json_str_or(hook, "url", ""), headers, body,
                              strlen(body), timeout > 0 ? timeout : NO_LIMIT_MS,
                              0, &reply, MAX_REPLY, err, sizeof(err));
    int soft_exceeded = soft > 0 && kx_monotonic_ms() - start > soft;

    if (status < 200 || status > 299) {
        log_call(st, hook, status, status ? "failed" : "no reply",
                 soft_exceeded);
        if (required) {
            snprintf(why, whysz, "%s", fallback);
            rc = -1;
        }
    } else if (apply_reply(obj, reply, fallback, &bad, why, whysz) != 0) {
        log_call(st, hook, status, bad ? "failed" : "exception", soft_exceeded);
        rc = bad && !required ? 0 : -1;
        if (bad && required)
            snprintf(why, whysz, "%s", fallback);
    } else {
        log_call(st, hook, status, "success", soft_exceeded);
    }
    free(reply);
    free(body);
    free(sig);
    free(sighdr);
    for (size_t i = 0; i < no; i++)
        free(owned[i]);
    return rc;
}

static int run_list(struct km__adobe_state *st, const cJSON *list,
                    const char *event, cJSON *obj, char *why, size_t whysz)
{
    const cJSON *hook;

    cJSON_ArrayForEach(hook, list)
    {
        if (strcmp(kx_json_str_or(hook, "hook", ""), event) == 0 &&
            call_hook(st, hook, event, obj, why, whysz) != 0)
            return -1;
    }
    return 0;
}

int km__adobe_hooks_run(struct km__adobe_state *st, const char *event,
                        cJSON *obj, char *why, size_t whysz)
{
    if (run_list(st, st->webhooks, event, obj, why, whysz) != 0)
        return -1;
    return run_list(st, st->subscribed, event, obj, why, whysz);
}

/* ---- REST: POST /V1/webhooks/subscribe, GET /V1/webhooks/list
 * ---------------- */

/* {"webhook": {"webhook_method", "webhook_type", "url", "timeout",
 * "soft_timeout", "required", "fallback_error_message", "headers"}}: the
 * hook is "<webhook_method>_<webhook_type>" ("observer.sales_order_place"
 * + "before"). */
void km__adobe_webhooks_subscribe(struct km_response *res,
                                  const struct km_request *req, void *state)
{
    struct km__adobe_call c;
    cJSON *body, *w, *hook;
    const char *method, *type, *url;
    char *name;

    km__adobe_call_init(&c, res, req, state);
    if (!(body = km__adobe_body(&c)))
        return;
    w = cJSON_GetObjectItemCaseSensitive(body, "webhook");
    method = kx_json_str(w, "webhook_method");
    type = kx_json_str(w, "webhook_type");
    url = kx_json_str(w, "url");
    if (!method || !type || !url) {
        km__adobe_error1(res, 400,
                         "\"%fieldName\" is required. Enter and try again.",
                         "fieldName",
                         !method ? "webhook_method"
                         : !type ? "webhook_type"
                                 : "url");
        cJSON_Delete(body);
        return;
    }
    hook = cJSON_CreateObject();
    name = kx_xasprintf("%s_%s", method, type);
    cJSON_AddStringToObject(hook, "hook", name);
    free(name);
    cJSON_AddStringToObject(hook, "url", url);
    cJSON_AddNumberToObject(hook, "timeout", kx_json_num(w, "timeout", 0));
    cJSON_AddNumberToObject(hook, "softTimeout",
                            kx_json_num(w, "soft_timeout", 0));
    cJSON_AddBoolToObject(hook, "required", kx_json_bool(w, "required", 0));
    if (kx_json_str(w, "fallback_error_message"))
        cJSON_AddStringToObject(hook, "fallbackErrorMessage",
                                kx_json_str(w, "fallback_error_message"));
    if (kx_json_obj(w, "headers"))
        cJSON_AddItemToObject(hook, "headers",
                              cJSON_Duplicate(kx_json_obj(w, "headers"), 1));
    cJSON_AddItemToArray(c.st->subscribed, hook);
    km_response_set(res, 200, "application/json", "true", 4);
    cJSON_Delete(body);
}

void km__adobe_webhooks_list(struct km_response *res,
                             const struct km_request *req, void *state)
{
    struct km__adobe_state *st = state;
    cJSON *out =
        cJSON_Duplicate(st->webhooks ? st->webhooks : cJSON_CreateArray(), 1);
    const cJSON *it;

    (void)req;
    cJSON_ArrayForEach(it, st->subscribed)
        cJSON_AddItemToArray(out, cJSON_Duplicate(it, 1));
    km_response_json(res, 200, out);
}
