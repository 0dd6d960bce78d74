/* unit.support.net: loopback hosts and numeric bind addresses. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "kx/net.h"

static void loopback_hosts_are_recognised(void **state)
{
    static const char *const yes[] = {
        "localhost",      "LocalHost",        "localhost.",
        "127.0.0.1",      "127.3.2.1",        "::1",
        "[::1]",          "::ffff:127.0.0.1", "[::ffff:127.0.0.2]",
        "0:0:0:0:0:0:0:1"};
    static const char *const no[] = {"",
                                     "example.com",
                                     "localhost.example.com",
                                     "10.0.0.1",
                                     "128.0.0.1",
                                     "0.0.0.0",
                                     "::",
                                     "[::]",
                                     "::ffff:10.0.0.1",
                                     "169.254.169.254",
                                     "[::1",
                                     "127.0.0.1.nip.io",
                                     "fe80::1"};

    (void)state;
    assert_int_equal(kx_host_is_loopback(NULL), 0);
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (!kx_host_is_loopback(yes[i]))
            fail_msg("%s should be loopback", yes[i]);
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        if (kx_host_is_loopback(no[i]))
            fail_msg("%s should not be loopback", no[i]);
    }
}

static void ipv4_mapped_addresses_bind_as_ipv4(void **state)
{
    struct sockaddr_storage ss;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;

    (void)state;
    assert_int_equal(kx_addr_parse(&ss, "::ffff:127.0.0.1", 8088), AF_INET);
    assert_int_equal(v4->sin_family, AF_INET);
    assert_int_equal(ntohs(v4->sin_port), 8088);
    assert_int_equal(ntohl(v4->sin_addr.s_addr), 0x7f000001);
    assert_int_equal(kx_addr_parse(&ss, "10.1.2.3", 1), AF_INET);
    assert_int_equal(ntohl(v4->sin_addr.s_addr), 0x0a010203);
    assert_int_equal(kx_addr_parse(&ss, "::1", 2), AF_INET6);
    assert_int_equal(v6->sin6_family, AF_INET6);
    assert_int_equal(ntohs(v6->sin6_port), 2);
    assert_true(IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr));
    assert_int_equal(kx_addr_parse(&ss, "localhost", 1), -1);
    assert_int_equal(kx_addr_parse(&ss, "[::1]", 1), -1);
    assert_int_equal(kx_addr_parse(&ss, "", 1), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(loopback_hosts_are_recognised),
        cmocka_unit_test(ipv4_mapped_addresses_bind_as_ipv4),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
