/* Webhook destinations (mocks/src/common/webhook.c): which addresses a
 * webhook may reach, checked on the address itself, and km_webhook_post
 * refusing a destination before connecting. Loopback only: the refusal
 * that goes through km_webhook_post uses 0.0.0.0, which Linux connects to
 * the local host, so even a missing check would send nothing off the
 * machine (it would reach the receiver below, which the test then sees). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>
#include "kinmock/server.h"
#include "kinmock/webhook.h"

/* km_webhook_address_check of a numeric address, v4 or v6. */
static int check(const char *text, unsigned flags, char *why, size_t whysz)
{
    struct sockaddr_in in4;
    struct sockaddr_in6 in6;

    memset(&in4, 0, sizeof(in4));
    memset(&in6, 0, sizeof(in6));
    if (inet_pton(AF_INET, text, &in4.sin_addr) == 1) {
        in4.sin_family = AF_INET;
        return km_webhook_address_check((struct sockaddr *)&in4, flags, why,
                                        whysz);
    }
    assert_int_equal(inet_pton(AF_INET6, text, &in6.sin6_addr), 1);
    in6.sin6_family = AF_INET6;
    return km_webhook_address_check((struct sockaddr *)&in6, flags, why, whysz);
}

static const char *const allowed[] = {
    "127.0.0.1",        "127.10.0.3",     "::1",         "8.8.8.8",
    "93.184.216.34",    "172.32.0.1",     "192.169.0.1", "2606:4700::1111",
    "::ffff:127.0.0.1", "::ffff:1.1.1.1",
};
static const char *const private_ranges[] = {
    "10.0.0.1",     "172.16.0.1",      "172.31.255.255",
    "192.168.1.10", "100.64.0.1",      "fc00::1",
    "fd12:3456::1", "::ffff:10.1.2.3", "64:ff9b::c0a8:0101",
};
static const char *const never[] = {
    "169.254.169.254",
    "169.254.1.1",
    "fe80::1",
    "0.0.0.0",
    "::",
    "224.0.0.1",
    "255.255.255.255",
    "ff02::1",
    "100.100.100.200",
    "fd00:ec2::254",
    "::ffff:169.254.169.254",
    "64:ff9b::a9fe:a9fe",
};

static void loopback_and_public_addresses_are_allowed(void **state)
{
    char why[256];

    (void)state;
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
        why[0] = '\0';
        if (check(allowed[i], 0, why, sizeof(why)) != 0)
            fail_msg("%s refused: %s", allowed[i], why);
    }
}

static void private_ranges_need_the_option(void **state)
{
    char why[256];

    (void)state;
    for (size_t i = 0; i < sizeof(private_ranges) / sizeof(private_ranges[0]);
         i++) {
        why[0] = '\0';
        if (check(private_ranges[i], 0, why, sizeof(why)) == 0)
            fail_msg("%s allowed without the option", private_ranges[i]);
        assert_non_null(strstr(why, "private") ? why : strstr(why, "shared"));
        assert_non_null(strstr(why, "--allow-private-webhooks"));
        if (check(private_ranges[i], KM_WEBHOOK_ALLOW_PRIVATE, why,
                  sizeof(why)) != 0)
            fail_msg("%s refused with the option: %s", private_ranges[i], why);
    }
}

static void
link_local_metadata_and_special_addresses_are_never_allowed(void **state)
{
    char why[256];

    (void)state;
    km_webhook_allow_private_default(1);
    for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
        why[0] = '\0';
        if (check(never[i], KM_WEBHOOK_ALLOW_PRIVATE, why, sizeof(why)) == 0)
            fail_msg("%s allowed", never[i]);
        assert_non_null(strstr(why, "refused"));
    }
    check("169.254.169.254", 0, why, sizeof(why));
    assert_non_null(strstr(why, "169.254.169.254"));
    assert_non_null(strstr(why, "metadata"));
    km_webhook_allow_private_default(0);
}

static void the_process_default_allows_private_ranges(void **state)
{
    char why[256];

    (void)state;
    assert_int_equal(check("192.168.0.7", 0, why, sizeof(why)), -1);
    km_webhook_allow_private_default(1);
    assert_int_equal(check("192.168.0.7", 0, why, sizeof(why)), 0);
    km_webhook_allow_private_default(0);
    assert_int_equal(check("192.168.0.7", 0, why, sizeof(why)), -1);
}

/* ---- km_webhook_post against a loopback receiver ------------------- */

static void ok204(struct km_response *res, const struct km_request *req,
                  void *state)
{
    (void)req;
    (void)state;
    km_response_set(res, 204, "text/plain", "", 0);
}

static const struct km_route receiver_routes[] = {{"POST", "/hook", ok204}};

static struct km_server *receiver(void)
{
    struct km_server_options o;
    struct km_server *s = NULL;
    char err[256];

    memset(&o, 0, sizeof(o));
    o.name = "receiver";
    o.routes = receiver_routes;
    o.nroutes = 1;
    assert_int_equal(km_server_start(&s, &o, err, sizeof(err)), 0);
    return s;
}

static long post(const char *host, uint16_t port, char *err, size_t errsz)
{
    char url[128];

    snprintf(url, sizeof(url), "http://%s:%u/hook", host, (unsigned)port);
    return km_webhook_post(url, NULL, "{}", 2, 5000, 0, err, errsz);
}

static void a_loopback_receiver_gets_the_post(void **state)
{
    struct km_server *s = receiver();
    char err[256];

    (void)state;
    assert_int_equal(post("127.0.0.1", km_server_port(s), err, sizeof(err)),
                     204);
    assert_int_equal(post("localhost", km_server_port(s), err, sizeof(err)),
                     204);
    assert_int_equal(km_server_journal_count(s), 2);
    km_server_stop(s);
}

static void a_refused_address_is_never_connected(void **state)
{
    struct km_server *s = receiver();
    char err[256];

    (void)state;
    /* 0.0.0.0 would reach the receiver (Linux connects it to the local
     * host); refused, the receiver sees nothing. */
    assert_int_equal(post("0.0.0.0", km_server_port(s), err, sizeof(err)), 0);
    assert_non_null(strstr(err, "webhook destination 0.0.0.0 refused"));
    km_webhook_allow_private_default(1); /* does not open "never" */
    assert_int_equal(post("0.0.0.0", km_server_port(s), err, sizeof(err)), 0);
    km_webhook_allow_private_default(0);
    assert_int_equal(km_server_journal_count(s), 0);
    km_server_stop(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(loopback_and_public_addresses_are_allowed),
        cmocka_unit_test(private_ranges_need_the_option),
        cmocka_unit_test(
            link_local_metadata_and_special_addresses_are_never_allowed),
        cmocka_unit_test(the_process_default_allows_private_ranges),
        cmocka_unit_test(a_loopback_receiver_gets_the_post),
        cmocka_unit_test(a_refused_address_is_never_connected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
