/* The TLS hook of km_server_start (server.c), kept beside the certificate
 * code in tls.c. */
#ifndef KM_COMMON_TLS_INT_H
#define KM_COMMON_TLS_INT_H

#include <microhttpd.h>
#include "kinmock/tls.h"

/* Fills items (3 slots, MHD_OPTION_END-terminated, for MHD_OPTION_ARRAY)
 * and *flags for HTTPS with tls, or leaves both for plain HTTP when tls
 * is NULL. Returns 0, or -1 with the reason when this libmicrohttpd has
 * no TLS. */
int km__tls_daemon_options(struct MHD_OptionItem items[3], unsigned int *flags,
                           const struct km_tls *tls, char *err, size_t errsz);

#endif
