/* The emulators' CA and server certificate (kinmock/tls.h): the chain
 * verifies with OpenSSL's X509_verify_cert, the names match, and a
 * km_server started with it answers HTTPS that curl verifies against the
 * CA (and refuses without it). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include "kinmock/server.h"
#include "kinmock/tls.h"

static const char *const extra_names[] = {"shop.example.com", "10.1.2.3",
                                          "*.mybigcommerce.com"};

static X509 *pem_cert(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);

    BIO_free(bio);
    assert_non_null(cert);
    return cert;
}

/* X509_verify_cert's verdict on leaf with ca as the only trust anchor. */
static int verifies(X509 *leaf, X509 *ca)
{
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int ok;

    assert_int_equal(X509_STORE_add_cert(store, ca), 1);
    assert_int_equal(X509_STORE_CTX_init(ctx, store, leaf, NULL), 1);
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
    ok = X509_verify_cert(ctx);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    return ok;
}

static void chain_verifies_against_its_ca_only(void **state)
{
    struct km_tls *a = NULL, *b = NULL;
    char err[256];
    X509 *ca_a, *ca_b, *leaf_a;

    (void)state;
    assert_int_equal(km_tls_new(&a, extra_names, 3, err, sizeof(err)), 0);
    assert_int_equal(km_tls_new(&b, NULL, 0, err, sizeof(err)), 0);
    ca_a = pem_cert(a->ca_pem);
    ca_b = pem_cert(b->ca_pem);
    leaf_a = pem_cert(a->cert_pem);
    assert_int_equal(verifies(leaf_a, ca_a), 1);
    /* Another run's CA (same subject, other key) must not vouch for it. */
    assert_int_not_equal(verifies(leaf_a, ca_b), 1);
    assert_int_equal(X509_check_ca(ca_a), 1);
    assert_int_equal(X509_check_ca(leaf_a), 0);
    X509_free(ca_a);
    X509_free(ca_b);
    X509_free(leaf_a);
    km_tls_free(a);
    km_tls_free(b);
}

static void names_match_loopback_and_the_extra_ones(void **state)
{
    struct km_tls *t = NULL;
    char err[256];
    X509 *leaf;
    BIO *bio;
    EVP_PKEY *key;

    (void)state;
    assert_int_equal(km_tls_new(&t, extra_names, 3, err, sizeof(err)), 0);
    leaf = pem_cert(t->cert_pem);
    assert_int_equal(X509_check_host(leaf, "localhost", 0, 0, NULL), 1);
    assert_int_equal(X509_check_host(leaf, "shop.example.com", 0, 0, NULL), 1);
    assert_int_equal(
        X509_check_host(leaf, "store-abc.mybigcommerce.com", 0, 0, NULL), 1);
    assert_int_equal(X509_check_host(leaf, "other.example.com", 0, 0, NULL), 0);
    assert_int_equal(X509_check_ip_asc(leaf, "127.0.0.1", 0), 1);
    assert_int_equal(X509_check_ip_asc(leaf, "::1", 0), 1);
    assert_int_equal(X509_check_ip_asc(leaf, "10.1.2.3", 0), 1);
    assert_int_equal(X509_check_ip_asc(leaf, "127.0.0.2", 0), 0);
    /* The key handed to the server is the certificate's. */
    bio = BIO_new_mem_buf(t->key_pem, -1);
    key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    assert_non_null(key);
    assert_int_equal(X509_check_private_key(leaf, key), 1);
    EVP_PKEY_free(key);
    BIO_free(bio);
    X509_free(leaf);
    km_tls_free(t);
}

static void bad_names_are_refused_by_name(void **state)
{
    static const char *const bad[] = {"shop example", "a/b", "", "-x.com",
                                      "x_y.com"};
    struct km_tls *t = NULL;
    char err[256];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(km_tls_new(&t, &bad[i], 1, err, sizeof(err)), -1);
        assert_null(t);
        assert_non_null(strstr(err, "neither an IP address"));
    }
    assert_int_equal(km_tls_name_check("::ffff:10.0.0.1", err, sizeof(err)), 0);
}

static void pong(struct km_response *res, const struct km_request *req,
                 void *state)
{
    (void)req;
    (void)state;
    km_response_set(res, 200, "text/plain", "pong", 4);
}

/* GET url with curl trusting ca_pem (NULL: the system store). */
static CURLcode get(const char *url, const char *ca_pem, long *status)
{
    CURL *curl = curl_easy_init();
    struct curl_blob blob;
    FILE *sink = fopen("/dev/null", "w");
    CURLcode cc;

    assert_non_null(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, sink);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
    if (ca_pem) {
        blob.data = (void *)ca_pem;
        blob.len = strlen(ca_pem);
        blob.flags = CURL_BLOB_COPY;
        curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &blob);
    }
    cc = curl_easy_perform(curl);
    *status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(curl);
    fclose(sink);
    return cc;
}

static void server_speaks_https_that_verifies(void **state)
{
    static const struct km_route routes[] = {{"GET", "/ping", pong}};
    struct km_server_options opts = {0};
    struct km_server *server = NULL;
    struct km_tls *t = NULL;
    char err[256], url[300];
    long status;

    (void)state;
    if (!km_tls_supported())
        skip();
    assert_int_equal(km_tls_new(&t, NULL, 0, err, sizeof(err)), 0);
    opts.name = "tls";
    opts.routes = routes;
    opts.nroutes = 1;
    opts.tls = t;
    assert_int_equal(km_server_start(&server, &opts, err, sizeof(err)), 0);
    assert_memory_equal(km_server_url(server), "https://127.0.0.1:", 18);
    snprintf(url, sizeof(url), "%s/ping", km_server_url(server));
    assert_int_equal(get(url, t->ca_pem, &status), CURLE_OK);
    assert_int_equal(status, 200);
    /* Without the CA the chain is unknown: verification fails. */
    assert_int_equal(get(url, NULL, &status), CURLE_PEER_FAILED_VERIFICATION);
    /* localhost is in the certificate as well. */
    snprintf(url, sizeof(url), "https://localhost:%u/ping",
             (unsigned)km_server_port(server));
    assert_int_equal(get(url, t->ca_pem, &status), CURLE_OK);
    km_server_stop(server);
    km_tls_free(t);
}

static void ca_file_is_written_readable(void **state)
{
    struct km_tls *t = NULL;
    char err[256], path[] = "/tmp/kinsync-test-ca-XXXXXX", back[8192] = "";
    FILE *f;
    int fd = mkstemp(path);

    (void)state;
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(km_tls_new(&t, NULL, 0, err, sizeof(err)), 0);
    assert_int_equal(km_tls_write_ca(t, path, err, sizeof(err)), 0);
    f = fopen(path, "r");
    assert_non_null(f);
    assert_true(fread(back, 1, sizeof(back) - 1, f) > 0);
    fclose(f);
    assert_string_equal(back, t->ca_pem);
    assert_int_equal(
        km_tls_write_ca(t, "/nonexistent-dir/ca.pem", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "/nonexistent-dir/ca.pem"));
    unlink(path);
    km_tls_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(chain_verifies_against_its_ca_only),
        cmocka_unit_test(names_match_loopback_and_the_extra_ones),
        cmocka_unit_test(bad_names_are_refused_by_name),
        cmocka_unit_test(server_speaks_https_that_verifies),
        cmocka_unit_test(ca_file_is_written_readable),
    };
    int rc;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
