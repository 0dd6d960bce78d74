/*
 * The Adobe Commerce emulator over loopback HTTP: both deployments,
 * admin, OAuth 1.0a, Bearer and IMS authentication, ACLs, orders and
 * invoices, errors, the SaaS quota, and synchronous webhooks with a
 * static emulator as the receiver. Signatures are computed here with
 * OpenSSL directly, not with the emulator's helpers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include "kt.h"
#include "adobe/adobe_emu.h"

extern const struct km_emulator_type km_static_type;

#define ADMIN "{\"username\":\"admin\",\"password\":\"pw-Admin-1\"}"
#define INTEGRATION                                                            \
    "{\"name\":\"erp\",\"consumer_key\":\"ck1\",\"consumer_secret\":\"cs1\","  \
    "\"access_token\":\"at1\",\"access_token_secret\":\"ats1\"}"

struct fx {
    struct ks_clock *clock;
    struct km_emulator *emu;
    const char *base;
};

static void fx_start(struct fx *f, const char *config)
{
    assert_int_equal(ks_clock_new_virtual(&f->clock, KT_START_MS), KS_OK);
    f->emu = kt_emulator_start(&km_adobe_type, config, f->clock);
    f->base = km_server_url(f->emu->server);
}

static void fx_stop(struct fx *f)
{
    km_emulator_stop(f->emu);
    ks_clock_free(f->clock);
}

/* One request; headers NULL-terminated. */
static long call(struct kt_reply *r, struct fx *f, const char *method,
                 const char *path, const char *const *headers, const char *body)
{
    char url[1024];
    struct kt_request rq = {.method = method, .headers = headers, .body = body};

    snprintf(url, sizeof(url), "%s%s", f->base, path);
    kt_http(r, url, &rq);
    assert_int_equal(r->cc, CURLE_OK);
    return r->status;
}

static long status_of(struct fx *f, const char *method, const char *path,
                      const char *const *headers, const char *body)
{
    struct kt_reply r;
    long s = call(&r, f, method, path, headers, body);

    kt_reply_dispose(&r);
    return s;
}

/* An admin token for admin/pw-Admin-1, as "Authorization: Bearer ...". */
static char *admin_bearer(struct fx *f)
{
    const char *h[] = {"Content-Type: application/json", NULL};
    struct kt_reply r;
    cJSON *tok;
    char *out;

    assert_int_equal(
        call(&r, f, "POST", "/rest/V1/integration/admin/token", h, ADMIN), 200);
    tok = cJSON_Parse(r.body);
    assert_true(cJSON_IsString(tok)); /* a bare JSON string */
    out = kx_xasprintf("Authorization: Bearer %s", tok->valuestring);
    cJSON_Delete(tok);
    kt_reply_dispose(&r);
    return out;
}

static void paas_paths_store_codes_and_unknown_routes(void **state)
{
    struct fx f;
    struct kt_reply r;
    char *auth;

    (void)state;
    fx_start(&f, "{\"admins\":[" ADMIN "],\"stores\":[\"default\",\"fr\"]}");
    auth = admin_bearer(&f);
    {
        const char *h[] = {auth, NULL};

        assert_int_equal(status_of(&f, "GET", "/rest/V1/orders", h, NULL), 200);
        assert_int_equal(
            status_of(&f, "GET", "/rest/default/V1/orders", h, NULL), 200);
        assert_int_equal(status_of(&f, "GET", "/rest/fr/V1/orders", h, NULL),
                         200);
        assert_int_equal(status_of(&f, "GET", "/rest/all/V1/orders", h, NULL),
                         200);
        assert_int_equal(call(&r, &f, "GET", "/rest/de/V1/orders", h, NULL),
                         404);
        assert_string_equal(
            r.body, "{\"message\":\"Request does not match any route.\"}");
        kt_reply_dispose(&r);
        /* no 405: another method is "no route" too */
        assert_int_equal(status_of(&f, "DELETE", "/rest/V1/orders", h, NULL),
                         404);
        assert_int_equal(status_of(&f, "GET", "/V1/orders", h, NULL), 404);
        assert_int_equal(status_of(&f, "POST", "/ims/token/v3", h, "a=b"), 404);
    }
    /* without credentials: 401 naming the route's ACL resource */
    assert_int_equal(call(&r, &f, "GET", "/rest/V1/orders", NULL, NULL), 401);
    assert_non_null(strstr(r.body, "%resources"));
    assert_non_null(strstr(r.body, "Magento_Sales::actions_view"));
    kt_reply_dispose(&r);
    free(auth);
    fx_stop(&f);
}

static void admin_token_lives_four_hours_on_the_virtual_clock(void **state)
{
    struct fx f;
    struct kt_reply r;
    char *auth;
    const char *bad[] = {"Content-Type: application/json", NULL};

    (void)state;
    fx_start(&f, "{\"admins\":[" ADMIN "]}");
    auth = admin_bearer(&f);
    {
        const char *h[] = {auth, NULL};

        ks_clock_advance_ms(f.clock, 4 * 3600 * 1000 - 1000);
        assert_int_equal(status_of(&f, "GET", "/rest/V1/orders", h, NULL), 200);
        ks_clock_advance_ms(f.clock, 1000);
        assert_int_equal(status_of(&f, "GET", "/rest/V1/orders", h, NULL), 401);
    }
    assert_int_equal(call(&r, &f, "POST", "/rest/V1/integration/admin/token",
                          bad, "{\"username\":\"admin\",\"password\":\"no\"}"),
                     401);
    assert_non_null(strstr(r.body, "sign-in was incorrect"));
    kt_reply_dispose(&r);
    /* missing fields: errors[] with one entry each */
    assert_int_equal(
        call(&r, &f, "POST", "/rest/V1/integration/admin/token", bad, "{}"),
        400);
    {
        cJSON *o = cJSON_Parse(r.body);

        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "errors")),
                         2);
        cJSON_Delete(o);
    }
    kt_reply_dispose(&r);
    free(auth);
    fx_stop(&f);
}

/* "Authorization: OAuth ..." for GET base+path signed with HMAC-SHA256,
 * computed independently of the emulator (RFC 5849 by hand). */
static char *oauth_header(const char *path, const char *ck, const char *tok,
                          const char *nonce, long long ts, const char *method,
                          const char *secret_key)
{
    char base[2048], params[1024], url[512], *enc_params, *enc_url, *sig_b64,
        *sig_enc, *out;
    unsigned char mac[EVP_MAX_MD_SIZE], b64[128];
    unsigned int maclen = 0;

    snprintf(params, sizeof(params),
             "oauth_consumer_key=%s&oauth_nonce=%s&oauth_signature_method=%s&"
             "oauth_timestamp=%lld&oauth_token=%s&oauth_version=1.0",
             ck, nonce, method, ts, tok);
    snprintf(url, sizeof(url), "http://shop.test%s", path);
    enc_params = curl_easy_escape(NULL, params, 0);
    enc_url = curl_easy_escape(NULL, url, 0);
    snprintf(base, sizeof(base), "GET&%s&%s", enc_url, enc_params);
    HMAC(EVP_sha256(), secret_key, (int)strlen(secret_key),
         (unsigned char *)base, strlen(base), mac, &maclen);
    EVP_EncodeBlock(b64, mac, (int)maclen);
    sig_b64 = (char *)b64;
    sig_enc = curl_easy_escape(NULL, sig_b64, 0);
    out = kx_xasprintf(
        "Authorization: OAuth oauth_consumer_key=\"%s\", oauth_token=\"%s\", "
        "oauth_signature_method=\"%s\", oauth_timestamp=\"%lld\", "
        "oauth_nonce=\"%s\", oauth_version=\"1.0\", oauth_signature=\"%s\"",
        ck, tok, method, ts, nonce, sig_enc);
    curl_free(enc_params);
    curl_free(enc_url);
    curl_free(sig_enc);
    return out;
}

static long oauth_get(struct fx *f, char *header, const char *want_problem)
{
    const char *h[] = {header, NULL};
    struct kt_reply r;
    long s = call(&r, f, "GET", "/rest/V1/orders", h, NULL);

    if (want_problem)
        assert_non_null(strstr(r.body, want_problem));
    kt_reply_dispose(&r);
    free(header);
    return s;
}

static void oauth1_integrations_and_their_errors(void **state)
{
    struct fx f;
    long long now = KT_START_MS / 1000;

    (void)state;
    fx_start(&f,
             "{\"base_url\":\"http://shop.test\",\"integrations\":[" INTEGRATION
             "]}");
    assert_int_equal(
        oauth_get(&f,
                  oauth_header("/rest/V1/orders", "ck1", "at1", "n1", now,
                               "HMAC-SHA256", "cs1&ats1"),
                  NULL),
        200);
    assert_int_equal(
        oauth_get(&f,
                  oauth_header("/rest/V1/orders", "ck1", "at1", "n1", now,
                               "HMAC-SHA256", "cs1&ats1"),
                  "nonce_used"),
        401);
    assert_int_equal(
        oauth_get(&f,
                  oauth_header("/rest/V1/orders", "ck1", "at1", "n2", now,
                               "HMAC-SHA256", "cs1&wrong"),
                  "signature_invalid"),
        401);
    assert_int_equal(oauth_get(&f,
                               oauth_header("/rest/V1/orders", "ck1", "at1",
                                            "n3", now, "HMAC-SHA1", "cs1&ats1"),
                               "signature_method_rejected"),
                     400);
    assert_int_equal(
        oauth_get(&f,
                  oauth_header("/rest/V1/orders", "ck9", "at1", "n4", now,
                               "HMAC-SHA256", "cs1&ats1"),
                  "consumer_key_rejected"),
        401);
    assert_int_equal(
        oauth_get(&f,
                  oauth_header("/rest/V1/orders", "ck1", "at9", "n5", now,
                               "HMAC-SHA256", "cs1&ats1"),
                  "token_rejected"),
        401);
    assert_int_equal(
        oauth_get(&f,
                  oauth_header("/rest/V1/orders", "ck1", "at1", "n6", now + 601,
                               "HMAC-SHA256", "cs1&ats1"),
                  "timestamp_refused"),
        400);
    /* no lower bound by default, as Magento's nonce generator */
    assert_int_equal(
        oauth_get(&f,
                  oauth_header("/rest/V1/orders", "ck1", "at1", "n7",
                               now - 86400, "HMAC-SHA256", "cs1&ats1"),
                  NULL),
        200);
    /* the access token alone is not a Bearer token by default */
    {
        const char *h[] = {"Authorization: Bearer at1", NULL};

        assert_int_equal(status_of(&f, "GET", "/rest/V1/orders", h, NULL), 401);
    }
    fx_stop(&f);
}

static void integration_bearer_and_acl_resources(void **state)
{
    struct fx f;
    struct kt_reply r;
    const char *h[] = {"Authorization: Bearer at1", NULL};

    (void)state;
    fx_start(&f, "{\"enable_integration_as_bearer\":true,\"integrations\":[{"
                 "\"consumer_key\":\"ck1\",\"access_token\":\"at1\","
                 "\"resources\":[\"Magento_Sales::actions_view\"]}]}");
    assert_int_equal(status_of(&f, "GET", "/rest/V1/orders", h, NULL), 200);
    assert_int_equal(call(&r, &f, "GET", "/rest/V1/company", h, NULL), 403);
    assert_string_equal(r.body,
                        "{\"message\":\"The consumer isn't authorized to "
                        "access %resources.\",\"parameters\":{\"resources\":"
                        "\"Magento_Company::view\"}}");
    kt_reply_dispose(&r);
    fx_stop(&f);
}

static void saas_tenant_store_header_ims_and_quota(void **state)
{
    struct fx f;
    struct kt_reply r;
    const char *form[] = {"Content-Type: application/x-www-form-urlencoded",
                          NULL};
    cJSON *o;
    char *bearer;

    (void)state;
    fx_start(&f, "{\"deployment\":\"saas\",\"tenant_id\":\"T1\",\"ims_clients\""
                 ":[{\"client_id\":\"cid\",\"client_secret\":\"csec\","
                 "\"org_id\":\"ORG@AdobeOrg\"}],\"quota\":{\"requests\":5,"
                 "\"window_s\":60}}");
    assert_int_equal(call(&r, &f, "POST", "/ims/token/v3", form,
                          "grant_type=client_credentials&client_id=cid&"
                          "client_secret=csec&scope=openid,AdobeID"),
                     400);
    assert_non_null(strstr(r.body, "invalid_scope"));
    kt_reply_dispose(&r);
    assert_int_equal(call(&r, &f, "POST", "/ims/token/v3", form,
                          "grant_type=client_credentials&client_id=cid&"
                          "client_secret=csec&scope=openid%2CAdobeID%2C"
                          "commerce.accs"),
                     200);
    o = cJSON_Parse(r.body);
    assert_int_equal(cJSON_GetObjectItem(o, "expires_in")->valueint, 86399);
    bearer = kx_xasprintf("Authorization: Bearer %s",
                          cJSON_GetObjectItem(o, "access_token")->valuestring);
    cJSON_Delete(o);
    kt_reply_dispose(&r);
    {
        const char *no_key[] = {bearer, NULL};
        const char *all[] = {bearer, "x-api-key: cid",
                             "x-gw-ims-org-id: ORG@AdobeOrg", NULL};
        const char *bad_store[] = {bearer, "x-api-key: cid",
                                   "x-gw-ims-org-id: ORG@AdobeOrg",
                                   "Store: nowhere", NULL};

        assert_int_equal(status_of(&f, "GET", "/T1/V1/orders", no_key, NULL),
                         403);
        assert_int_equal(status_of(&f, "GET", "/T1/V1/orders", all, NULL), 200);
        assert_int_equal(status_of(&f, "GET", "/T2/V1/orders", all, NULL), 404);
        assert_int_equal(status_of(&f, "GET", "/rest/V1/orders", all, NULL),
                         404);
        assert_int_equal(
            status_of(&f, "GET", "/T1/V1/customers/search", all, NULL), 404);
        assert_int_equal(status_of(&f, "GET", "/T1/V1/orders", bad_store, NULL),
                         404);
        /* five requests counted so far (404s without a route are not);
         * the next within the minute is 429 with the rest of the window */
        assert_int_equal(status_of(&f, "GET", "/T1/V1/orders", all, NULL), 200);
        assert_int_equal(call(&r, &f, "GET", "/T1/V1/orders", all, NULL), 429);
        {
            char *ra = kt_reply_header(&r, "Retry-After");

            assert_non_null(ra);
            assert_string_equal(ra, "60");
            free(ra);
        }
        kt_reply_dispose(&r);
        ks_clock_advance_ms(f.clock, 60000);
        assert_int_equal(status_of(&f, "GET", "/T1/V1/orders", all, NULL), 200);
        /* the IMS token dies after expires_in seconds */
        ks_clock_advance_ms(f.clock, 86399LL * 1000 - 60000);
        assert_int_equal(status_of(&f, "GET", "/T1/V1/orders", all, NULL), 401);
    }
    free(bearer);
    fx_stop(&f);
}

static void orders_invoices_and_custom_attributes(void **state)
{
    struct fx f;
    struct kt_reply r;
    char *auth;
    cJSON *o;

    (void)state;
    fx_start(&f, "{\"admins\":[" ADMIN "],\"products\":[{\"sku\":\"W-1\","
                 "\"name\":\"Widget\",\"price\":12.5}]}");
    auth = admin_bearer(&f);
    {
        const char *h[] = {auth, "Content-Type: application/json", NULL};

        assert_int_equal(
            call(&r, &f, "POST", "/rest/V1/orders", h,
                 "{\"entity\":{\"customer_email\":\"a@b.example\",\"items\":[{"
                 "\"sku\":\"W-1\",\"qty_ordered\":4}],\"custom_attributes\":[{"
                 "\"attribute_code\":\"po_number\",\"value\":4711}]}}"),
            200);
        o = cJSON_Parse(r.body);
        assert_string_equal(cJSON_GetObjectItem(o, "increment_id")->valuestring,
                            "000000001");
        assert_true(cJSON_GetObjectItem(o, "grand_total")->valuedouble == 50);
        assert_string_equal(
            cJSON_GetObjectItem(
                cJSON_GetArrayItem(cJSON_GetObjectItem(o, "custom_attributes"),
                                   0),
                "value")
                ->valuestring,
            "4711");
        cJSON_Delete(o);
        kt_reply_dispose(&r);
        /* an update by entity_id */
        assert_int_equal(status_of(&f, "POST", "/rest/V1/orders", h,
                                   "{\"entity\":{\"entity_id\":1,\"status\":"
                                   "\"holded\"}}"),
                         200);
        assert_int_equal(status_of(&f, "POST", "/rest/V1/orders", h,
                                   "{\"entity\":{\"entity_id\":9}}"),
                         404);
        assert_int_equal(
            status_of(&f, "GET", "/rest/V1/orders/000000001", h, NULL),
            200); /* read as the number 1 */
        assert_int_equal(status_of(&f, "GET", "/rest/V1/orders/2", h, NULL),
                         404);
        assert_int_equal(call(&r, &f, "POST", "/rest/V1/order/1/invoice", h,
                              "{\"capture\":true,\"items\":[{\"order_item_id\":"
                              "1,\"qty\":3}]}"),
                         200);
        assert_string_equal(r.body, "\"1\"");
        kt_reply_dispose(&r);
        assert_int_equal(status_of(&f, "POST", "/rest/V1/order/1/invoice", h,
                                   "{\"items\":[{\"order_item_id\":1,\"qty\":"
                                   "2}]}"),
                         400); /* only one left */
        assert_int_equal(
            call(&r, &f, "POST", "/rest/V1/order/1/invoice", h, "{}"), 200);
        assert_string_equal(r.body, "\"2\"");
        kt_reply_dispose(&r);
        assert_int_equal(call(&r, &f, "GET",
                              "/rest/V1/invoices?searchCriteria[filter_groups]"
                              "[0][filters][0][field]=total_qty&searchCriteria["
                              "filter_groups][0][filters][0][value]=3",
                              h, NULL),
                         200);
        o = cJSON_Parse(r.body);
        assert_int_equal(cJSON_GetObjectItem(o, "total_count")->valueint, 1);
        cJSON_Delete(o);
        kt_reply_dispose(&r);
    }
    assert_int_equal(kt_size(f.emu, "invoices"), 2);
    {
        cJSON *snap;
        const cJSON *v = kt_at(&snap, f.emu, "orders/0/total_paid");

        assert_true(v->valuedouble == 37.5);
        cJSON_Delete(snap);
    }
    free(auth);
    fx_stop(&f);
}

static void a_bare_500_gets_magentos_internal_error_text(void **state)
{
    struct fx f;
    struct kt_reply r;
    const char *h[] = {"Authorization: Bearer at1", NULL};

    (void)state;
    fx_start(
        &f,
        "{\"enable_integration_as_bearer\":true,\"integrations\":[" INTEGRATION
        "],\"faults\":[{\"route\":\"GET /rest/V1/"
        "orders\",\"status\":500,\"body\":\"\"}]}");
    assert_int_equal(call(&r, &f, "GET", "/rest/V1/orders", h, NULL), 500);
    assert_non_null(strstr(r.body, "Internal Error. Details are available in "
                                   "Magento log file. Report ID: webapi-"));
    kt_reply_dispose(&r);
    fx_stop(&f);
}

static void company_input_errors_are_listed(void **state)
{
    struct fx f;
    struct kt_reply r;
    char *auth;
    cJSON *o;

    (void)state;
    fx_start(&f, "{\"admins\":[" ADMIN "]}");
    auth = admin_bearer(&f);
    {
        const char *h[] = {auth, "Content-Type: application/json", NULL};

        assert_int_equal(call(&r, &f, "POST", "/rest/V1/company/", h,
                              "{\"company\":{\"company_name\":\"Acme\"}}"),
                         400);
        o = cJSON_Parse(r.body);
        assert_string_equal(cJSON_GetObjectItem(o, "message")->valuestring,
                            "One or more input exceptions have occurred.");
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "errors")),
                         7);
        cJSON_Delete(o);
        kt_reply_dispose(&r);
        assert_int_equal(call(&r, &f, "GET", "/rest/V1/company/5", h, NULL),
                         404);
        assert_string_equal(r.body,
                            "{\"message\":\"No such entity with %fieldName = "
                            "%fieldValue\",\"parameters\":{\"fieldName\":"
                            "\"id\",\"fieldValue\":\"5\"}}");
        kt_reply_dispose(&r);
    }
    free(auth);
    fx_stop(&f);
}

/* ---- synchronous webhooks ------------------------------------------------ */

/* What the receiver got, before the journal masks the signature. */
struct seen {
    char *body;
    char *signature;
};

static void observe(void *ud, const struct km_observed_request *rq)
{
    struct seen *s = ud;

    free(s->body);
    s->body = kx_xstrndup(rq->body ? rq->body : "", rq->body_len);
    for (size_t i = 0; i < rq->nheaders; i++) {
        if (strcasecmp(rq->header_names[i],
                       "x-adobe-commerce-webhook-signature") == 0) {
            free(s->signature);
            s->signature = kx_xstrdup(rq->header_values[i]);
        }
    }
}

struct hook_fx {
    struct fx f;
    struct km_emulator *receiver;
    struct seen seen;
};

/* An adobe emulator whose order-placement hook posts to a static
 * emulator answering reply (JSON text) with status. */
static void hook_start(struct hook_fx *h, const char *reply, int status,
                       const char *hook_extra, const char *signing)
{
    char cfg[2048];

    assert_int_equal(ks_clock_new_virtual(&h->f.clock, KT_START_MS), KS_OK);
    snprintf(
        cfg, sizeof(cfg),
        "{\"routes\":[{\"route\":\"POST /hook\",\"status\":%d,\"body\":%s}]}",
        status, reply);
    h->receiver = kt_emulator_start(&km_static_type, cfg, h->f.clock);
    memset(&h->seen, 0, sizeof(h->seen));
    km_server_set_observer(h->receiver->server, observe, &h->seen);
    snprintf(cfg, sizeof(cfg),
             "{\"products\":[{\"sku\":\"W-1\",\"price\":10}],%s\"webhooks\":[{"
             "\"hook\":\"observer.sales_order_place_before\",\"url\":\"%s/"
             "hook\"%s}]}",
             signing, km_server_url(h->receiver->server), hook_extra);
    h->f.emu = kt_emulator_start(&km_adobe_type, cfg, h->f.clock);
}

static void hook_stop(struct hook_fx *h)
{
    km_emulator_stop(h->receiver);
    free(h->seen.body);
    free(h->seen.signature);
    fx_stop(&h->f);
}

static cJSON *place(struct hook_fx *h)
{
    return kt_act(h->f.emu, "place_order",
                  "{\"customer_email\":\"a@b.example\",\"items\":[{\"sku\":"
                  "\"W-1\",\"qty\":2}]}");
}

static void hook_replace_applies_and_rsa_signature_verifies(void **state)
{
    struct hook_fx h;
    cJSON *res, *snap;
    const cJSON *pem;
    const char *body, *sig;
    unsigned char raw[512], *b64;
    int rawlen, ok;
    size_t blen;
    BIO *bio;
    EVP_PKEY *pub;
    EVP_MD_CTX *md;

    (void)state;
    hook_start(&h,
               "[{\"op\":\"replace\",\"path\":\"result/customer_email\","
               "\"value\":\"changed@b.example\"},{\"op\":\"add\",\"path\":"
               "\"result/custom_attributes\",\"value\":[]}]",
               200, "", "");
    res = place(&h);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(res, "placed")));
    cJSON_Delete(res);
    pem = kt_at(&snap, h.f.emu, "orders/0/customer_email");
    assert_string_equal(pem->valuestring, "changed@b.example");
    cJSON_Delete(snap);
    /* the signature: RSA-SHA256 over base64(body), checked with the
     * public key the snapshot shows */
    body = h.seen.body;
    sig = h.seen.signature;
    assert_non_null(body);
    assert_non_null(sig);
    pem = kt_at(&snap, h.f.emu, "webhook_public_key");
    bio = BIO_new_mem_buf(pem->valuestring, -1);
    pub = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    assert_non_null(pub);
    rawlen = EVP_DecodeBlock(raw, (const unsigned char *)sig, (int)strlen(sig));
    rawlen -= (sig[strlen(sig) - 1] == '=') + (sig[strlen(sig) - 2] == '=');
    blen = 4 * ((strlen(body) + 2) / 3) + 1;
    b64 = malloc(blen);
    EVP_EncodeBlock(b64, (const unsigned char *)body, (int)strlen(body));
    md = EVP_MD_CTX_new();
    EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub);
    ok = EVP_DigestVerify(md, raw, (size_t)rawlen, b64, strlen((char *)b64));
    assert_int_equal(ok, 1);
    /* a changed body does not verify */
    b64[0] ^= 1;
    EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub);
    assert_int_not_equal(
        EVP_DigestVerify(md, raw, (size_t)rawlen, b64, strlen((char *)b64)), 1);
    EVP_MD_CTX_free(md);
    free(b64);
    EVP_PKEY_free(pub);
    BIO_free(bio);
    cJSON_Delete(snap);
    hook_stop(&h);
}

static void hook_exception_aborts_the_placement(void **state)
{
    struct hook_fx h;
    cJSON *res;

    (void)state;
    hook_start(&h, "{\"op\":\"exception\",\"message\":\"Credit limit\"}", 200,
               "", "\"webhook_signing\":\"none\",");
    res = place(&h);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(res, "placed")));
    assert_string_equal(cJSON_GetObjectItem(res, "message")->valuestring,
                        "Credit limit");
    cJSON_Delete(res);
    assert_int_equal(kt_size(h.f.emu, "orders"), 0);
    hook_stop(&h);
}

static void failing_hook_aborts_only_when_required(void **state)
{
    struct hook_fx h;
    cJSON *res;

    (void)state;
    hook_start(&h, "\"down\"", 503,
               ",\"required\":true,"
               "\"fallbackErrorMessage\":\"Try later\"",
               "");
    res = place(&h);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(res, "placed")));
    assert_string_equal(cJSON_GetObjectItem(res, "message")->valuestring,
                        "Try later");
    cJSON_Delete(res);
    hook_stop(&h);
    hook_start(&h, "\"down\"", 503, ",\"required\":false", "");
    res = place(&h);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(res, "placed")));
    cJSON_Delete(res);
    assert_int_equal(kt_size(h.f.emu, "webhook_calls"), 1);
    hook_stop(&h);
}

static void hmac_signing_is_over_the_body(void **state)
{
    struct hook_fx h;
    cJSON *res;
    const char *body, *sig;
    unsigned char mac[32], b64[64];
    unsigned int maclen = 0;

    (void)state;
    hook_start(&h, "{\"op\":\"success\"}", 200, "",
               "\"webhook_signing\":\"hmac\",\"webhook_secret\":\"whs-1\",");
    res = place(&h);
    cJSON_Delete(res);
    body = h.seen.body;
    sig = h.seen.signature;
    assert_non_null(sig);
    HMAC(EVP_sha256(), "whs-1", 5, (const unsigned char *)body, strlen(body),
         mac, &maclen);
    EVP_EncodeBlock(b64, mac, (int)maclen);
    assert_string_equal(sig, (char *)b64);
    hook_stop(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(paas_paths_store_codes_and_unknown_routes),
        cmocka_unit_test(admin_token_lives_four_hours_on_the_virtual_clock),
        cmocka_unit_test(oauth1_integrations_and_their_errors),
        cmocka_unit_test(integration_bearer_and_acl_resources),
        cmocka_unit_test(saas_tenant_store_header_ims_and_quota),
        cmocka_unit_test(orders_invoices_and_custom_attributes),
        cmocka_unit_test(company_input_errors_are_listed),
        cmocka_unit_test(a_bare_500_gets_magentos_internal_error_text),
        cmocka_unit_test(hook_replace_applies_and_rsa_signature_verifies),
        cmocka_unit_test(hook_exception_aborts_the_placement),
        cmocka_unit_test(failing_hook_aborts_only_when_required),
        cmocka_unit_test(hmac_signing_is_over_the_body),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
